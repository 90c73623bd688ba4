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
//! * [`faiss_index_binary_ivf`] — an `IndexBinaryIVF` (`"IBwF"`): the header above, `nlist`
//!   and `nprobe` (u64 each), the coarse quantizer (an `IndexBinaryFlat` of the `nlist`
//!   centroids, written as above), an empty direct map (`0u8`, then a zero u64 length), then
//!   the inverted lists as FAISS's `ArrayInvertedLists` (`"ilar"`, `nlist` and `code_size` as
//!   u64, `"full"` and the `nlist` list sizes as a u64-length vector of u64 — or `"sprs"` and
//!   `(list, size)` pairs when at most half the lists are non-empty — then each non-empty
//!   list's codes followed by its ids as i64). The centroids are a seeded sample of the codes
//!   themselves and every code is in the list of its nearest centroid (Hamming, ties to the
//!   smaller list), so with `nprobe = nlist` a search equals the flat one.
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
    /// An IVF needs between 1 and as many lists as codes.
    #[error("an IVF index of {codes} codes needs 1 to {codes} lists (--nlist), got {nlist}")]
    Lists {
        /// Lists asked for.
        nlist: usize,
        /// Codes.
        codes: usize,
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

/// A serialised FAISS `IndexBinaryIVF` of `codes` with `nlist` lists whose centroids are
/// `nlist` distinct codes chosen by `seed` (see the module docs); `nprobe` is FAISS's default, 1.
pub fn faiss_index_binary_ivf(
    codes: &CodeMatrix,
    nlist: usize,
    seed: u64,
) -> Result<Vec<u8>, ExportError> {
    let n = codes.len();
    if nlist == 0 || nlist > n {
        return Err(ExportError::Lists { nlist, codes: n });
    }
    let layout = codes.layout();
    let w = layout.words();
    let sample = seeded_sample(n, nlist, seed);
    let centroid_words: Vec<u64> = sample
        .iter()
        .flat_map(|&i| codes.words()[i * w..(i + 1) * w].iter().copied())
        .collect();
    let centroids = CodeMatrix::new(layout, centroid_words).expect("rows of a valid matrix");
    let nearest =
        crate::engine::knn(&centroids, codes, 1, 0).expect("k = 1 over codes of one layout");
    let mut lists: Vec<Vec<usize>> = vec![Vec::new(); nlist];
    for i in 0..n {
        lists[nearest.query(i)[0].index as usize].push(i);
    }
    let flat = faiss_index_binary_flat(codes)?;
    let quantizer = faiss_index_binary_flat(&centroids)?;
    let nb = layout.bytes();
    let bytes = code_bytes(codes, ByteOrder::Lsb);
    let mut out = Vec::with_capacity(flat.len() + quantizer.len() + 8 * n + 64 + 16 * nlist);
    out.extend_from_slice(b"IBwF");
    // The header fields of the flat index: d, code_size, ntotal, is_trained, metric_type.
    out.extend_from_slice(&flat[4..25]);
    out.extend_from_slice(&(nlist as u64).to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes()); // nprobe
    out.extend_from_slice(&quantizer);
    out.push(0); // direct map: none
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(b"ilar");
    out.extend_from_slice(&(nlist as u64).to_le_bytes());
    out.extend_from_slice(&(nb as u64).to_le_bytes());
    let non_empty = lists.iter().filter(|l| !l.is_empty()).count();
    if non_empty > nlist / 2 {
        out.extend_from_slice(b"full");
        out.extend_from_slice(&(nlist as u64).to_le_bytes());
        for l in &lists {
            out.extend_from_slice(&(l.len() as u64).to_le_bytes());
        }
    } else {
        out.extend_from_slice(b"sprs");
        out.extend_from_slice(&(2 * non_empty as u64).to_le_bytes());
        for (i, l) in lists.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            out.extend_from_slice(&(i as u64).to_le_bytes());
            out.extend_from_slice(&(l.len() as u64).to_le_bytes());
        }
    }
    for l in lists.iter().filter(|l| !l.is_empty()) {
        for &i in l {
            out.extend_from_slice(&bytes[i * nb..(i + 1) * nb]);
        }
        for &i in l {
            out.extend_from_slice(&(i as i64).to_le_bytes());
        }
    }
    Ok(out)
}

/// `k` distinct indices of `0..n` chosen by `seed` (a partial Fisher–Yates shuffle), in the
/// order drawn.
fn seeded_sample(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut s = binaryllm_core::rng::SeededStream::new(seed, *b"faissivf", 0);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let hi = u64::from(s.next_u32()) << 32 | u64::from(s.next_u32());
        let j = i + ((u128::from(hi) * (n - i) as u128) >> 64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
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
    fn ivf_lists_hold_every_code_under_its_nearest_centroid() {
        // 64-bit codes: 0..40 each twice, so centroids repeat and ties go to the smaller list.
        let words: Vec<u64> = (0..80u64).map(|i| (i % 40) * 0x0101).collect();
        let m = matrix(64, words.clone());
        let ivf = faiss_index_binary_ivf(&m, 8, 3).unwrap();
        assert_eq!(&ivf[..4], b"IBwF");
        assert_eq!(&ivf[4..25], &faiss_index_binary_flat(&m).unwrap()[4..25]);
        assert_eq!(u64::from_le_bytes(ivf[25..33].try_into().unwrap()), 8);
        assert_eq!(u64::from_le_bytes(ivf[33..41].try_into().unwrap()), 1);
        let sample = seeded_sample(80, 8, 3);
        assert_eq!(sample, seeded_sample(80, 8, 3));
        assert_ne!(sample, seeded_sample(80, 8, 4));
        let mut distinct = sample.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 8);
        assert!(sample.iter().all(|&i| i < 80));
        let quantizer =
            faiss_index_binary_flat(&matrix(64, sample.iter().map(|&i| words[i]).collect()))
                .unwrap();
        assert_eq!(&ivf[41..41 + quantizer.len()], &quantizer[..]);
        let lists_at = 41 + quantizer.len() + 9; // after the empty direct map
        assert_eq!(&ivf[lists_at..lists_at + 4], b"ilar");

        // One code 80 times: every row in list 0 (ties to the smaller list), sparse sizes,
        // then the 80 codes and ids 0..80.
        let same = matrix(64, vec![0xabcd; 80]);
        let ivf = faiss_index_binary_ivf(&same, 8, 1).unwrap();
        let tail = &ivf[ivf.len() - 80 * 16 - 4 - 3 * 8..];
        assert_eq!(&tail[..4], b"sprs");
        let u = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap());
        assert_eq!(
            [u(&tail[4..12]), u(&tail[12..20]), u(&tail[20..28])],
            [2, 0, 80]
        );
        assert!(tail[28..28 + 640].chunks(8).all(|c| u(c) == 0xabcd));
        let ids: Vec<u64> = tail[28 + 640..].chunks(8).map(u).collect();
        assert_eq!(ids, (0..80).collect::<Vec<u64>>());
        // Two lists, one filled: exactly half is still sparse.
        let ivf = faiss_index_binary_ivf(&matrix(64, vec![5; 4]), 2, 0).unwrap();
        let tail = &ivf[ivf.len() - 4 * 16 - 4 - 3 * 8..];
        assert_eq!(&tail[..4], b"sprs");
        // Four lists (every row a centroid), two codes: two filled lists, pairs (0, 2), (i, 2).
        let ivf = faiss_index_binary_ivf(&matrix(64, vec![1, 1, 2, 2]), 4, 0).unwrap();
        let tail = &ivf[ivf.len() - 4 * 16 - 4 - 5 * 8..];
        assert_eq!(&tail[..4], b"sprs");
        assert_eq!(u(&tail[4..12]), 4, "two (list, size) pairs");
        assert_eq!([u(&tail[20..28]), u(&tail[36..44])], [2, 2]);
        // Codes of several words: the centroids are whole sampled rows.
        let wide: Vec<u64> = (0..30u64).flat_map(|i| [i, i * 7, (i * 3) & 3]).collect();
        let wm = CodeMatrix::new(CodeLayout::new(130).unwrap(), wide.clone()).unwrap();
        let pick = seeded_sample(30, 5, 9);
        let want: Vec<u64> = pick
            .iter()
            .flat_map(|&i| wide[3 * i..3 * i + 3].to_vec())
            .collect();
        let quantizer =
            faiss_index_binary_flat(&CodeMatrix::new(CodeLayout::new(130).unwrap(), want).unwrap());
        // 130 bits is not whole bytes for FAISS: the IVF is refused like the flat index.
        assert_eq!(
            quantizer,
            Err(ExportError::BitsNotByteAligned { bits: 130 })
        );
        let wide: Vec<u64> = (0..30u64).flat_map(|i| [i, i * 7]).collect();
        let wm2 = CodeMatrix::new(CodeLayout::new(128).unwrap(), wide.clone()).unwrap();
        let want: Vec<u64> = pick
            .iter()
            .flat_map(|&i| wide[2 * i..2 * i + 2].to_vec())
            .collect();
        let quantizer =
            faiss_index_binary_flat(&CodeMatrix::new(CodeLayout::new(128).unwrap(), want).unwrap())
                .unwrap();
        let ivf = faiss_index_binary_ivf(&wm2, 5, 9).unwrap();
        assert_eq!(&ivf[41..41 + quantizer.len()], &quantizer[..]);
        assert_eq!(
            faiss_index_binary_ivf(&wm, 5, 9),
            Err(ExportError::BitsNotByteAligned { bits: 130 })
        );
        // Two distinct codes, two lists: both filled, full sizes [1, 1].
        let two = matrix(64, vec![1, 2]);
        let ivf = faiss_index_binary_ivf(&two, 2, 0).unwrap();
        let tail = &ivf[ivf.len() - 2 * 16 - 4 - 3 * 8..];
        assert_eq!(&tail[..4], b"full");
        assert_eq!(
            [u(&tail[4..12]), u(&tail[12..20]), u(&tail[20..28])],
            [2, 1, 1]
        );
        assert_eq!(
            faiss_index_binary_ivf(&m, 0, 0),
            Err(ExportError::Lists {
                nlist: 0,
                codes: 80
            })
        );
        assert_eq!(
            faiss_index_binary_ivf(&m, 81, 0),
            Err(ExportError::Lists {
                nlist: 81,
                codes: 80
            })
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
