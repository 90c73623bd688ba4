//! Interoperability: codes in the byte layouts other engines load.
//!
//! * [`faiss_index_binary_flat`] — a file that `faiss.read_index_binary` loads as an
//!   `IndexBinaryFlat` (FAISS `write_index_binary` layout, checked against faiss-cpu 1.15.1):
//!
//!   | bytes | field |
//!   |---|---|
//!   | 4 | fourcc `"IBxF"` |
//!   | 4 | `d` (bits, i32) |
//!   | 4 | `code_size` (bytes per code, i32) |
//!   | 8 | `ntotal` (i64) |
//!   | 1 | `is_trained` (1) |
//!   | 4 | `metric_type` (1, what FAISS writes for binary indexes) |
//!   | 8 | number of code bytes (u64) |
//!   | n·code_size | the codes, LSB-first bytes (our own byte order: FAISS's) |
//!
//!   FAISS binary indexes need `d % 8 == 0`.
//! * [`to_ubinary`] — numpy default `packbits` order (MSB-first), sentence-transformers'
//!   `ubinary` precision.
//! * [`pgvector_sql`] — a SQL script that creates a table of `bit(bits)` codes (the type
//!   pgvector's `<~>` Hamming operator and `bit_hamming_ops` indexes work on) and inserts the
//!   codes as bit-string literals: character `j` of `B'…'` is code bit `j` (PostgreSQL stores
//!   a bit string MSB-first, so its bytes are `ubinary`'s).

use crate::engine::CodeMatrix;
use binaryllm_core::bytes::{ByteOrder, to_bytes_into};

/// Why codes cannot be exported in a format.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    /// FAISS binary indexes store whole bytes per code.
    #[error("FAISS binary indexes need a bit count divisible by 8, got {bits} bits")]
    BitsNotByteAligned {
        /// The code width.
        bits: usize,
    },
    /// A size does not fit FAISS's integer fields.
    #[error("{what} = {value} does not fit the FAISS index header")]
    TooLarge {
        /// The field.
        what: &'static str,
        /// Its value.
        value: usize,
    },
}

/// The codes as packed bytes of `order`, row-major `[n, ceil(bits/8)]`.
pub fn code_bytes(codes: &CodeMatrix, order: ByteOrder) -> Vec<u8> {
    let layout = codes.layout();
    let nb = layout.bytes();
    let mut out = vec![0u8; codes.len() * nb];
    for (dst, code) in out.chunks_exact_mut(nb).zip(codes.iter()) {
        // Every code of a CodeMatrix was checked against its layout, so this cannot fail.
        let _ = to_bytes_into(layout, code, order, dst);
    }
    out
}

/// sentence-transformers `ubinary` bytes (numpy `packbits` default, MSB-first).
pub fn to_ubinary(codes: &CodeMatrix) -> Vec<u8> {
    code_bytes(codes, ByteOrder::Msb)
}

/// A serialised FAISS `IndexBinaryFlat` holding `codes` (see the module docs).
pub fn faiss_index_binary_flat(codes: &CodeMatrix) -> Result<Vec<u8>, ExportError> {
    let bits = codes.layout().bits();
    if !bits.is_multiple_of(8) {
        return Err(ExportError::BitsNotByteAligned { bits });
    }
    let d = i32::try_from(bits).map_err(|_| ExportError::TooLarge {
        what: "d",
        value: bits,
    })?;
    // Whole bytes per code (checked above).
    let code_size = d / 8;
    let ntotal = i64::try_from(codes.len()).map_err(|_| ExportError::TooLarge {
        what: "ntotal",
        value: codes.len(),
    })?;
    let data = code_bytes(codes, ByteOrder::Lsb);
    let mut out = Vec::with_capacity(33 + data.len());
    out.extend_from_slice(b"IBxF");
    out.extend_from_slice(&d.to_le_bytes());
    out.extend_from_slice(&code_size.to_le_bytes());
    out.extend_from_slice(&ntotal.to_le_bytes());
    out.push(1); // is_trained
    out.extend_from_slice(&1i32.to_le_bytes()); // metric_type as FAISS writes it
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

/// The table [`pgvector_sql`] creates.
pub const PGVECTOR_TABLE: &str = "binaryllm_codes";

/// Rows per `INSERT` statement of [`pgvector_sql`].
const PGVECTOR_ROWS_PER_INSERT: usize = 1000;

/// A SQL script (PostgreSQL, with pgvector for searching) that creates [`PGVECTOR_TABLE`]
/// `(id bigint PRIMARY KEY, code bit(bits))` and inserts code `i` with id `i`.
pub fn pgvector_sql(codes: &CodeMatrix) -> String {
    let bits = codes.layout().bits();
    let mut out = format!(
        "-- {n} binaryllm codes of {bits} bits as pgvector bit({bits}): id = row of the code file,\n\
         -- character j of each bit string = code bit j. Search: ORDER BY code <~> B'...' (Hamming).\n\
         CREATE EXTENSION IF NOT EXISTS vector;\n\
         CREATE TABLE {PGVECTOR_TABLE} (id bigint PRIMARY KEY, code bit({bits}) NOT NULL);\n",
        n = codes.len()
    );
    let mut row = String::with_capacity(bits + 32);
    for (i, code) in codes.iter().enumerate() {
        if i % PGVECTOR_ROWS_PER_INSERT == 0 {
            if i > 0 {
                out.push_str(";\n");
            }
            out.push_str(&format!("INSERT INTO {PGVECTOR_TABLE} (id, code) VALUES\n"));
        } else {
            out.push_str(",\n");
        }
        row.clear();
        row.push_str(&format!("({i}, B'"));
        row.extend((0..bits).map(|j| {
            if code[j / 64] >> (j % 64) & 1 == 1 {
                '1'
            } else {
                '0'
            }
        }));
        row.push_str("')");
        out.push_str(&row);
    }
    if !codes.is_empty() {
        out.push_str(";\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::CodeLayout;

    fn matrix(bits: usize, words: Vec<u64>) -> CodeMatrix {
        CodeMatrix::new(CodeLayout::new(bits).unwrap(), words).unwrap()
    }

    #[test]
    fn faiss_bytes_match_what_faiss_writes() {
        // faiss.IndexBinaryFlat(24) with codes [[1,2,3],[255,0,7]], written by
        // faiss.write_index_binary (faiss-cpu 1.15.1).
        let want = "494278461800000003000000020000000000000001010000000600000000000000010203ff0007";
        let m = matrix(24, vec![0x03_02_01, 0x07_00_ff]);
        let got: String = faiss_index_binary_flat(&m)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn faiss_needs_whole_bytes() {
        let m = matrix(10, vec![1]);
        assert_eq!(
            faiss_index_binary_flat(&m),
            Err(ExportError::BitsNotByteAligned { bits: 10 })
        );
    }

    #[test]
    fn pgvector_sql_writes_bit_strings_in_code_bit_order() {
        let m = matrix(10, vec![0b10_0000_0011, 0b01_0000_0100]);
        let sql = pgvector_sql(&m);
        assert!(
            sql.contains(
                "CREATE TABLE binaryllm_codes (id bigint PRIMARY KEY, code bit(10) NOT NULL);\n"
            ),
            "{sql}"
        );
        assert!(sql.ends_with("INSERT INTO binaryllm_codes (id, code) VALUES\n(0, B'1100000001'),\n(1, B'0010000010');\n"), "{sql}");
        // A new INSERT statement every 1,000 rows.
        let many = CodeMatrix::new(
            CodeLayout::new(3).unwrap(),
            (0..2500).map(|i| i % 8).collect(),
        )
        .unwrap();
        let sql = pgvector_sql(&many);
        assert_eq!(sql.matches("INSERT INTO").count(), 3);
        assert_eq!(sql.matches(";\n").count(), 2 + 3);
        assert!(
            sql.contains(
                "(999, B'111');\nINSERT INTO binaryllm_codes (id, code) VALUES\n(1000, B'000'),"
            ),
            "{}",
            &sql[..200]
        );
        let empty = CodeMatrix::new(CodeLayout::new(3).unwrap(), vec![]).unwrap();
        assert!(!pgvector_sql(&empty).contains("INSERT"));
    }

    #[test]
    fn ubinary_is_msb_first() {
        // bit 0 set -> numpy.packbits([1,0,0,0,0,0,0,0]) = 0x80
        let m = matrix(16, vec![1 | (1 << 15)]);
        assert_eq!(to_ubinary(&m), vec![0x80, 0x01]);
        assert_eq!(code_bytes(&m, ByteOrder::Lsb), vec![0x01, 0x80]);
    }
}
