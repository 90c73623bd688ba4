//! Writes the Rust-side golden files of `tests/golden/` from the core's reference path.
//!
//! Deliberate, never run by tests:
//! `cargo run -p binaryllm-conformance --features gen --bin gen-golden -- tests/golden`
//!
//! Regenerating changes the contract: review the diff of the `.bin` files and say why in the
//! commit message.

use binaryllm_conformance::{
    CODE_CASES, HAMMING_CASES, MATRIX_CASES, MATRIX_ROWS, MAX_WORDS, N_SYNTHETIC, TOPK_BIG_K,
    TOPK_CASE, TOPK_K, TOPK_QUERIES, encode_case, matrix_prefix,
};
use binaryllm_core::bytes::{ByteOrder, to_bytes_into};
use binaryllm_core::knn::top_k_flat_into;
use binaryllm_core::{Kernel, Neighbor};
use std::path::{Path, PathBuf};

fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, &path)?;
    println!("wrote {} ({} bytes)", path.display(), data.len());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: gen-golden <golden dir>")?;

    let mut matrix = Vec::new();
    for &(kind, seed) in MATRIX_CASES.iter() {
        for row in MATRIX_ROWS {
            for v in matrix_prefix(kind, seed, row) {
                matrix.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    write_atomic(&dir, "matrix-v1.bin", &matrix)?;

    let (mut codes, mut hamming, mut topk) = (Vec::new(), Vec::new(), Vec::new());
    for (c, case) in CODE_CASES.iter().enumerate() {
        let mut words = vec![0u64; N_SYNTHETIC * MAX_WORDS];
        let layout = encode_case(case, 0..N_SYNTHETIC, &mut words)?;
        let w = layout.words();
        words.truncate(N_SYNTHETIC * w);
        for code in words.chunks_exact(w) {
            let mut b = vec![0u8; layout.bytes()];
            to_bytes_into(layout, code, ByteOrder::Lsb, &mut b)?;
            codes.extend_from_slice(&b);
        }
        if HAMMING_CASES.contains(&c) {
            for a in words.chunks_exact(w) {
                for b in words.chunks_exact(w) {
                    let d = u16::try_from(Kernel::PORTABLE.distance(a, b))?;
                    hamming.extend_from_slice(&d.to_le_bytes());
                }
            }
        }
        if c == TOPK_CASE {
            let mut queries = vec![0u64; TOPK_QUERIES.len() * w];
            encode_case(case, TOPK_QUERIES, &mut queries)?;
            let mut push = |out: &[Neighbor]| {
                for n in out {
                    topk.extend_from_slice(&n.index.to_le_bytes());
                    topk.extend_from_slice(&n.distance.to_le_bytes());
                }
            };
            for q in queries.chunks_exact(w) {
                let mut out = [Neighbor::default(); TOPK_K];
                top_k_flat_into(Kernel::PORTABLE, layout, q, &words, &mut out)?;
                push(&out);
            }
            let mut big = [Neighbor::default(); TOPK_BIG_K];
            let n = top_k_flat_into(Kernel::PORTABLE, layout, &queries[..w], &words, &mut big)?;
            push(&big[..n]);
        }
    }
    write_atomic(&dir, "codes-v1.bin", &codes)?;
    write_atomic(&dir, "hamming-v1.bin", &hamming)?;
    write_atomic(&dir, "topk-v1.bin", &topk)?;
    Ok(())
}
