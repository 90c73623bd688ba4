// pgvector under PGlite (PostgreSQL compiled to WebAssembly) for scripts/interop_*.py:
//
// `node pgvector.mjs quantize IN.json OUT.json` (scripts/interop_inspect.py)
// reads {"vectors": ["[x0,x1,...]", ...]} (pgvector's text literals, so -0.0 stays -0.0) and writes {"pgvector": VERSION, "codes": [HEX, ...]}: each
// row's binary_quantize(vector) as the bytes PostgreSQL sends for a bit(n) value
// (varbit_send: a 4-byte big-endian bit count, then the bits MSB-first, padded with zeros).
import { readFileSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

//
// `node pgvector.mjs search IN.json OUT.json` (scripts/interop_engines.py) reads {"sql": FILE
// (from `binaryllm export --format pgvector-sql`), "queries": [bit strings], "floats": [base
// vector literals], "float_queries": [literals], "k": K, "rerank": M} and writes, per query, the
// top-k of an exact scan (ORDER BY code <~> q, id), of an HNSW bit_hamming_ops index
// (ef_search = the table's size) and of the float re-rank of the Hamming top-M
// (ORDER BY embedding <#> q over the subquery), each as [[id, distance or score], ...].

const [cmd, input, output] = process.argv.slice(2);
if (!['quantize', 'search'].includes(cmd) || !input || !output) {
  console.error('usage: node pgvector.mjs quantize|search IN.json OUT.json');
  process.exit(2);
}
const db = await PGlite.create({ extensions: { vector } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
const version = (await db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion;
if (cmd === 'search') {
  await search(JSON.parse(readFileSync(input, 'utf8')));
  await db.close();
  process.exit(0);
}
const { vectors } = JSON.parse(readFileSync(input, 'utf8'));
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

async function search({ sql, queries, floats, float_queries, k, rerank }) {
  await db.exec(readFileSync(sql, 'utf8'));
  const dims = JSON.parse(floats[0]).length;
  await db.exec(`ALTER TABLE binaryllm_codes ADD COLUMN embedding vector(${dims})`);
  for (let i = 0; i < floats.length; i++) {
    await db.query('UPDATE binaryllm_codes SET embedding = $1::vector WHERE id = $2', [floats[i], i]);
  }
  const rows = (r) => r.rows.map((x) => [Number(x.id), Number(x.d)]);
  const scan = [];
  for (const q of queries) {
    scan.push(rows(await db.query(
      'SELECT id, code <~> $1::varbit AS d FROM binaryllm_codes ORDER BY d, id LIMIT $2', [q, k])));
  }
  const rescored = [];
  for (let i = 0; i < queries.length; i++) {
    rescored.push(rows(await db.query(
      `SELECT id, -(embedding <#> $2::vector) AS d FROM
         (SELECT id, embedding FROM binaryllm_codes ORDER BY code <~> $1::varbit, id LIMIT $3) AS c
       ORDER BY embedding <#> $2::vector, id LIMIT $4`, [queries[i], float_queries[i], rerank, k])));
  }
  await db.exec('CREATE INDEX ON binaryllm_codes USING hnsw (code bit_hamming_ops)');
  await db.exec(`SET hnsw.ef_search = ${Math.min(floats.length, 1000)}`);
  // A small table: the planner would rather scan it; the point here is the index.
  await db.exec('SET enable_seqscan = off');
  const bits = queries[0].length;
  const hnsw = [];
  for (const q of queries) {
    const plan = (await db.query(
      `EXPLAIN SELECT id FROM binaryllm_codes ORDER BY code <~> $1::bit(${bits}) LIMIT $2`, [q, k])).rows
      .map((r) => r['QUERY PLAN']).join(' ');
    if (!plan.includes('Index Scan')) throw new Error(`the HNSW index is not used: ${plan}`);
    hnsw.push(rows(await db.query(
      `SELECT id, code <~> $1::bit(${bits}) AS d FROM binaryllm_codes ORDER BY code <~> $1::bit(${bits}) LIMIT $2`,
      [q, k])));
  }
  writeFileSync(output, JSON.stringify({ pgvector: version, scan, hnsw, rescored }));
}
