// pgvector under PGlite for scripts/interop_inspect.py: `node pgvector.mjs quantize IN.json OUT.json`
// reads {"vectors": ["[x0,x1,...]", ...]} (pgvector's text literals, so -0.0 stays -0.0) and writes {"pgvector": VERSION, "codes": [HEX, ...]}: each
// row's binary_quantize(vector) as the bytes PostgreSQL sends for a bit(n) value
// (varbit_send: a 4-byte big-endian bit count, then the bits MSB-first, padded with zeros).
import { readFileSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const [cmd, input, output] = process.argv.slice(2);
if (cmd !== 'quantize' || !input || !output) {
  console.error('usage: node pgvector.mjs quantize IN.json OUT.json');
  process.exit(2);
}
const { vectors } = JSON.parse(readFileSync(input, 'utf8'));
const db = await PGlite.create({ extensions: { vector } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
const version = (await db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion;
const codes = [];
for (const literal of vectors) {
  const r = await db.query(
    "SELECT encode(varbit_send(binary_quantize($1::vector)), 'hex') AS h",
    [literal],
  );
  codes.push(r.rows[0].h);
}
writeFileSync(output, JSON.stringify({ pgvector: version, codes }));
await db.close();
