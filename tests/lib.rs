//! Conformance suite of binaryllm: golden vectors, naive oracles and the checks that run both on
//! the host (`cargo test -p binaryllm-conformance`) and on target under QEMU (the firmware's
//! golden test binary calls [`run_all`]).
//!
//! `no_std`, no allocation: the goldens are `include_bytes!` tables in flash and every buffer is
//! on the stack (the largest is 16 codes × 9 words), so the same checks fit a Cortex-M0 with
//! 16 KiB of RAM.
//!
//! Two sources of expected bytes:
//! * `golden/*-numpy-v1.bin` — written by `golden/gen_numpy_golden.py`, an independent
//!   re-implementation of the contract in numpy (its own ChaCha8, `numpy.packbits`);
//! * `golden/*-v1.bin` (the rest) — written by the `gen-golden` binary of this crate from the
//!   core's reference path, pinning every bit against regressions.
//!
//! See `golden/README.md` for byte layouts and the deliberate regeneration commands.

#![no_std]
#![deny(unsafe_code)]

use binaryllm_core::bytes::{self, ByteOrder};
use binaryllm_core::knn::{TopKCollector, top_k_flat_into};
use binaryllm_core::rng::{SeededStream, TAG_SYNTHETIC};
use binaryllm_core::{
    CodeLayout, HadamardProjection, Kernel, Neighbor, ProjectionKind, SeededProjection, Threshold,
    encode_into,
};

pub mod oracle;

/// The golden files, embedded.
pub mod golden {
    /// Raw ChaCha8 words from numpy's implementation ([`super::CHACHA_CASES`]).
    pub static CHACHA_NUMPY: &[u8] = include_bytes!("golden/chacha-numpy-v1.bin");
    /// Synthetic inputs (f32 LE) then numpy codes of [`super::NUMPY_CODE_CASES`].
    pub static CODES_NUMPY: &[u8] = include_bytes!("golden/codes-numpy-v1.bin");
    /// First 16 Gaussian entries of rows 0, 1, 1023 for seeds 0 and 42, float64 Box–Muller.
    pub static GAUSSIAN_NUMPY: &[u8] = include_bytes!("golden/gaussian-numpy-v1.bin");
    /// Hadamard outputs (16 × 100 f32) then codes (16 × 13 bytes) of the synthetic set.
    pub static HADAMARD_NUMPY: &[u8] = include_bytes!("golden/hadamard-numpy-v1.bin");
    /// `packbits` bytes (little, big, signed) of the [`super::oracle::pack_bit`] patterns.
    pub static PACKBITS_NUMPY: &[u8] = include_bytes!("golden/packbits-numpy-v1.bin");
    /// First 16 matrix entries (f32 LE) of [`super::MATRIX_CASES`].
    pub static MATRIX: &[u8] = include_bytes!("golden/matrix-v1.bin");
    /// LSB-first code bytes of the synthetic set for [`super::CODE_CASES`].
    pub static CODES: &[u8] = include_bytes!("golden/codes-v1.bin");
    /// All-pairs Hamming distances (u16 LE) for [`super::HAMMING_CASES`].
    pub static HAMMING: &[u8] = include_bytes!("golden/hamming-v1.bin");
    /// Top-k results (index u32 LE, distance u32 LE) for [`super::TOPK_QUERIES`].
    pub static TOPK: &[u8] = include_bytes!("golden/topk-v1.bin");
}

/// Seed of the synthetic conformance set.
pub const SYNTHETIC_SEED: u64 = 2024;
/// Number of synthetic database vectors.
pub const N_SYNTHETIC: usize = 16;
/// Dimensions of the synthetic vectors.
pub const DIMS_SYNTHETIC: usize = 48;
/// Largest code width in words among the cases (520 bits).
pub const MAX_WORDS: usize = 9;

/// Synthetic vector `i`: 48 values `(w >> 8) · 2⁻²³ − 1` from stream `i` of
/// `SeededStream(2024, b"synthset")` (exact in f32 on every target).
pub fn synthetic_row(i: usize) -> [f32; DIMS_SYNTHETIC] {
    let mut s = SeededStream::new(SYNTHETIC_SEED, TAG_SYNTHETIC, i as u64);
    let mut out = [0f32; DIMS_SYNTHETIC];
    for v in out.iter_mut() {
        *v = s.next_symmetric_uniform();
    }
    out
}

/// `(seed, tag, stream)` of the raw ChaCha8 word checks; [`CHACHA_WORDS`] words each.
pub const CHACHA_CASES: [(u64, [u8; 8], u64); 4] = [
    (0, *b"gaussian", 0),
    (42, *b"rademach", 7),
    (u64::MAX, *b"achliopt", 1023),
    (SYNTHETIC_SEED, *b"synthset", 3),
];
/// Words per ChaCha case (crosses the generator's 64-word buffer).
pub const CHACHA_WORDS: usize = 80;

/// `(kind, seed, bits)` of the numpy code cases (threshold 0).
pub const NUMPY_CODE_CASES: [(ProjectionKind, u64, usize); 3] = [
    (ProjectionKind::Rademacher, 7, 100),
    (ProjectionKind::Achlioptas, 7, 256),
    (ProjectionKind::Gaussian, 7, 64),
];

/// `(kind, seed)` × rows [`MATRIX_ROWS`] of the matrix golden (DIMS 384, BITS 1024, first 16).
pub const MATRIX_CASES: [(ProjectionKind, u64); 9] = [
    (ProjectionKind::Gaussian, 0),
    (ProjectionKind::Gaussian, 1),
    (ProjectionKind::Gaussian, 42),
    (ProjectionKind::Rademacher, 0),
    (ProjectionKind::Rademacher, 1),
    (ProjectionKind::Rademacher, 42),
    (ProjectionKind::Achlioptas, 0),
    (ProjectionKind::Achlioptas, 1),
    (ProjectionKind::Achlioptas, 42),
];
/// Rows of every matrix case.
pub const MATRIX_ROWS: [usize; 5] = [0, 1, 2, 3, 1023];
/// Values per matrix row in the golden.
pub const MATRIX_VALUES: usize = 16;

/// A code case: projection and threshold over the synthetic set.
#[derive(Clone, Copy, Debug)]
pub struct CodeCase {
    /// Projection family.
    pub kind: ProjectionKind,
    /// Seed.
    pub seed: u64,
    /// Code width.
    pub bits: usize,
    /// Uniform threshold of the sign rule.
    pub threshold: f32,
}

/// The code cases of `codes-v1.bin`, in file order.
pub const CODE_CASES: [CodeCase; 5] = [
    CodeCase {
        kind: ProjectionKind::Gaussian,
        seed: 7,
        bits: 64,
        threshold: 0.0,
    },
    CodeCase {
        kind: ProjectionKind::Rademacher,
        seed: 7,
        bits: 100,
        threshold: 0.0,
    },
    CodeCase {
        kind: ProjectionKind::Achlioptas,
        seed: 7,
        bits: 256,
        threshold: 0.0,
    },
    CodeCase {
        kind: ProjectionKind::Gaussian,
        seed: 11,
        bits: 520,
        threshold: 0.0,
    },
    CodeCase {
        kind: ProjectionKind::Rademacher,
        seed: 3,
        bits: 64,
        threshold: 0.25,
    },
];

/// Indices into [`CODE_CASES`] whose all-pairs distances are in `hamming-v1.bin`.
pub const HAMMING_CASES: [usize; 2] = [2, 3];
/// Code case of the top-k golden.
pub const TOPK_CASE: usize = 3;
/// Synthetic rows used as top-k queries (rows past the database).
pub const TOPK_QUERIES: core::ops::Range<usize> = 16..24;
/// `k` of the top-k golden; then one query with [`TOPK_BIG_K`] > N (clamped to N).
pub const TOPK_K: usize = 5;
/// A `k` larger than the database.
pub const TOPK_BIG_K: usize = 40;

/// Result of [`run_all`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Checks that passed.
    pub passed: u32,
    /// Checks that failed.
    pub failed: u32,
}

struct Runner<'a> {
    report: &'a mut dyn FnMut(&'static str, bool),
    outcome: Outcome,
}

impl Runner<'_> {
    fn check(&mut self, name: &'static str, ok: bool) {
        if ok {
            self.outcome.passed += 1;
        } else {
            self.outcome.failed += 1;
        }
        (self.report)(name, ok);
    }
}

/// Little-endian `u32` at word `i` of `bytes` (`None` past the end).
fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i * 4..i * 4 + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn f32_at(bytes: &[u8], i: usize) -> Option<f32> {
    u32_at(bytes, i).map(f32::from_bits)
}

/// Row `row` of `(kind, seed)` at DIMS 384, first [`MATRIX_VALUES`] values.
pub fn matrix_prefix(kind: ProjectionKind, seed: u64, row: usize) -> [f32; MATRIX_VALUES] {
    let mut full = [0f32; 384];
    let mut out = [0f32; MATRIX_VALUES];
    if let Ok(p) = SeededProjection::new(kind, seed, 384, 1024)
        && p.row_into(row, &mut full).is_ok()
    {
        out.copy_from_slice(&full[..MATRIX_VALUES]);
    }
    out
}

/// Codes of the synthetic rows `rows` for `case`, matrix-free, into `out` (`words` per code).
pub fn encode_case(
    case: &CodeCase,
    rows: core::ops::Range<usize>,
    out: &mut [u64],
) -> binaryllm_core::Result<CodeLayout> {
    let layout = CodeLayout::new(case.bits)?;
    let p = SeededProjection::new(case.kind, case.seed, DIMS_SYNTHETIC, case.bits)?;
    let t = if case.threshold == 0.0 {
        Threshold::Zero
    } else {
        Threshold::Uniform(case.threshold)
    };
    let w = layout.words();
    for (row, code) in rows.zip(out.chunks_exact_mut(w)) {
        encode_into(&p, &synthetic_row(row), t, code)?;
    }
    Ok(layout)
}

/// Runs every golden check, calling `report(name, passed)` for each case. No allocation.
pub fn run_all(report: &mut dyn FnMut(&'static str, bool)) -> Outcome {
    let mut r = Runner {
        report,
        outcome: Outcome::default(),
    };
    check_chacha_numpy(&mut r);
    check_synthetic_numpy(&mut r);
    check_codes_numpy(&mut r);
    check_gaussian_numpy(&mut r);
    check_packbits_numpy(&mut r);
    check_hadamard_numpy(&mut r);
    check_matrix(&mut r);
    check_codes_hamming_topk(&mut r);
    r.outcome
}

fn check_chacha_numpy(r: &mut Runner<'_>) {
    for (c, &(seed, tag, stream)) in CHACHA_CASES.iter().enumerate() {
        let mut s = SeededStream::new(seed, tag, stream);
        let ok = (0..CHACHA_WORDS)
            .all(|i| u32_at(golden::CHACHA_NUMPY, c * CHACHA_WORDS + i) == Some(s.next_u32()));
        r.check("chacha8_words_match_numpy", ok);
    }
}

fn check_synthetic_numpy(r: &mut Runner<'_>) {
    let ok = (0..N_SYNTHETIC).all(|i| {
        synthetic_row(i)
            .iter()
            .enumerate()
            .all(|(c, v)| f32_at(golden::CODES_NUMPY, i * DIMS_SYNTHETIC + c) == Some(*v))
    });
    r.check("synthetic_inputs_match_numpy", ok);
}

fn check_codes_numpy(r: &mut Runner<'_>) {
    let mut offset = N_SYNTHETIC * DIMS_SYNTHETIC * 4;
    for &(kind, seed, bits) in NUMPY_CODE_CASES.iter() {
        let case = CodeCase {
            kind,
            seed,
            bits,
            threshold: 0.0,
        };
        let mut words = [0u64; N_SYNTHETIC * MAX_WORDS];
        let mut ok = false;
        if let Ok(layout) = encode_case(&case, 0..N_SYNTHETIC, &mut words) {
            let nb = layout.bytes();
            ok = words
                .chunks_exact(layout.words())
                .take(N_SYNTHETIC)
                .enumerate()
                .all(|(i, code)| {
                    let mut b = [0u8; MAX_WORDS * 8];
                    let start = offset + i * nb;
                    bytes::to_bytes_into(layout, code, ByteOrder::Lsb, &mut b).is_ok()
                        && golden::CODES_NUMPY.get(start..start + nb) == b.get(..nb)
                });
            offset += N_SYNTHETIC * nb;
        }
        r.check("encode_matches_numpy_packbits_of_sign_xwt", ok);
    }
}

fn check_gaussian_numpy(r: &mut Runner<'_>) {
    let mut i = 0;
    for seed in [0u64, 42] {
        for row in [0usize, 1, 1023] {
            let ours = matrix_prefix(ProjectionKind::Gaussian, seed, row);
            let ok = ours.iter().all(|&v| {
                let theirs = f32_at(golden::GAUSSIAN_NUMPY, i).unwrap_or(f32::NAN);
                i += 1;
                // libm f32 Box–Muller vs float64 numpy: a few ulp apart, never more.
                (v - theirs).abs() <= 2e-6 * (1.0 + theirs.abs())
            });
            r.check("gaussian_entries_match_numpy_box_muller", ok);
        }
    }
}

/// `(seed, bits)` of the Hadamard golden (DIMS 48, so P = 64 and two blocks).
pub const HADAMARD_CASE: (u64, usize) = (9, 100);

fn check_hadamard_numpy(r: &mut Runner<'_>) {
    let (seed, bits) = HADAMARD_CASE;
    let Ok(p) = HadamardProjection::new(seed, DIMS_SYNTHETIC, bits) else {
        r.check("hadamard_projection_builds", false);
        return;
    };
    let Ok(layout) = CodeLayout::new(bits) else {
        return;
    };
    let mut scratch = [0f32; 64];
    let codes_off = N_SYNTHETIC * bits * 4;
    for i in 0..N_SYNTHETIC {
        let x = synthetic_row(i);
        let mut y = [0f32; 100];
        let ok_y = p.project_into(&x, &mut scratch, &mut y).is_ok()
            && y.iter()
                .enumerate()
                .all(|(j, v)| u32_at(golden::HADAMARD_NUMPY, i * bits + j) == Some(v.to_bits()));
        r.check("hadamard_outputs_match_numpy_bit_for_bit", ok_y);
        let mut code = [0u64; 2];
        let mut b = [0u8; 16];
        let nb = layout.bytes();
        let start = codes_off + i * nb;
        let ok_c = p
            .encode_into(&x, Threshold::Zero, &mut scratch, &mut code)
            .is_ok()
            && bytes::to_bytes_into(layout, &code, ByteOrder::Lsb, &mut b).is_ok()
            && golden::HADAMARD_NUMPY.get(start..start + nb) == b.get(..nb);
        r.check("hadamard_codes_match_numpy_packbits", ok_c);
    }
}

/// Lengths of the packbits cases; [`PACK_ROWS`] patterns each.
pub const PACK_LENGTHS: [usize; 10] = [1, 7, 8, 9, 63, 64, 65, 100, 128, 1000];
/// Patterns per length.
pub const PACK_ROWS: usize = 3;

fn check_packbits_numpy(r: &mut Runner<'_>) {
    let mut off = 0usize;
    for n in PACK_LENGTHS {
        for row in 0..PACK_ROWS {
            let Ok(layout) = CodeLayout::new(n) else {
                r.check("packbits_layout", false);
                continue;
            };
            let nb = layout.bytes();
            let mut words = [0u64; 16];
            let words = &mut words[..layout.words()];
            for j in 0..n {
                let _ = layout.set_bit(words, j, oracle::pack_bit(row, j));
            }
            let g = golden::PACKBITS_NUMPY;
            let (little, big, signed) = (
                g.get(off..off + nb),
                g.get(off + nb..off + 2 * nb),
                g.get(off + 2 * nb..off + 3 * nb),
            );
            off += 3 * nb;
            let mut buf = [0u8; 125];
            let mut sbuf = [0i8; 125];
            let ok_l = bytes::to_bytes_into(layout, words, ByteOrder::Lsb, &mut buf).is_ok()
                && little == buf.get(..nb);
            r.check("lsb_bytes_match_numpy_packbits_little", ok_l);
            let ok_b = bytes::to_bytes_into(layout, words, ByteOrder::Msb, &mut buf).is_ok()
                && big == buf.get(..nb);
            r.check("msb_bytes_match_numpy_packbits_default", ok_b);
            let ok_s = bytes::to_signed_binary_into(layout, words, &mut sbuf).is_ok()
                && signed.is_some_and(|s| s.iter().zip(&sbuf[..nb]).all(|(&a, &b)| a as i8 == b));
            r.check("signed_binary_matches_numpy_ubinary_minus_128", ok_s);
            let mut back = [0u64; 16];
            let back = &mut back[..layout.words()];
            let ok_rt = big.is_some_and(|b| {
                bytes::from_bytes_into(layout, b, ByteOrder::Msb, back).is_ok() && back == words
            });
            r.check("msb_bytes_round_trip", ok_rt);
        }
    }
}

fn check_matrix(r: &mut Runner<'_>) {
    let mut i = 0usize;
    for &(kind, seed) in MATRIX_CASES.iter() {
        for row in MATRIX_ROWS {
            let ours = matrix_prefix(kind, seed, row);
            let ok = ours.iter().all(|v| {
                let g = u32_at(golden::MATRIX, i);
                i += 1;
                g == Some(v.to_bits())
            });
            r.check("matrix_entries_match_golden", ok);
        }
    }
}

fn check_codes_hamming_topk(r: &mut Runner<'_>) {
    let mut code_off = 0usize;
    let mut ham_off = 0usize;
    for (c, case) in CODE_CASES.iter().enumerate() {
        let mut words = [0u64; N_SYNTHETIC * MAX_WORDS];
        let Ok(layout) = encode_case(case, 0..N_SYNTHETIC, &mut words) else {
            r.check("code_case_encodes", false);
            continue;
        };
        let (w, nb) = (layout.words(), layout.bytes());
        let words = &words[..N_SYNTHETIC * w];
        let ok = words.chunks_exact(w).enumerate().all(|(i, code)| {
            let mut b = [0u8; MAX_WORDS * 8];
            let start = code_off + i * nb;
            bytes::to_bytes_into(layout, code, ByteOrder::Lsb, &mut b).is_ok()
                && golden::CODES.get(start..start + nb) == b.get(..nb)
        });
        code_off += N_SYNTHETIC * nb;
        r.check("matrix_free_codes_match_golden", ok);

        if HAMMING_CASES.contains(&c) {
            let mut ok_k = true;
            let mut ok_o = true;
            for (i, a) in words.chunks_exact(w).enumerate() {
                for (j, b) in words.chunks_exact(w).enumerate() {
                    let g = golden::HAMMING
                        .get(ham_off..ham_off + 2)
                        .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])));
                    ham_off += 2;
                    for k in Kernel::available() {
                        ok_k &= g == Some(k.distance(a, b));
                    }
                    ok_o &= g == Some(oracle::naive_distance(a, b, layout.bits()));
                    if i == j {
                        ok_o &= g == Some(0);
                    }
                }
            }
            r.check("hamming_kernels_match_golden", ok_k);
            r.check("naive_per_bit_distance_matches_golden", ok_o);
        }

        if c == TOPK_CASE {
            check_topk(r, layout, words);
        }
    }
}

fn check_topk(r: &mut Runner<'_>, layout: CodeLayout, db: &[u64]) {
    let case = &CODE_CASES[TOPK_CASE];
    let mut queries = [0u64; 8 * MAX_WORDS];
    let w = layout.words();
    if encode_case(case, TOPK_QUERIES, &mut queries).is_err() {
        r.check("topk_queries_encode", false);
        return;
    }
    let mut off = 0usize;
    let mut expect = |out: &[Neighbor]| {
        out.iter().all(|n| {
            let ok = u32_at(golden::TOPK, off) == Some(n.index)
                && u32_at(golden::TOPK, off + 1) == Some(n.distance);
            off += 2;
            ok
        })
    };
    for q in queries.chunks_exact(w).take(TOPK_QUERIES.len()) {
        let mut out = [Neighbor::default(); TOPK_K];
        let mut ok = true;
        for k in Kernel::available() {
            ok &= top_k_flat_into(k, layout, q, db, &mut out) == Ok(TOPK_K);
        }
        let mut naive = [Neighbor::default(); TOPK_K];
        oracle::naive_top_k(layout, q, db, &mut naive);
        ok &= naive == out;
        // The streaming collector fed in reverse order gives the same answer.
        let mut slots = [Neighbor::default(); TOPK_K];
        if let Ok(mut c) = TopKCollector::new(&mut slots) {
            for (i, code) in db.chunks_exact(w).enumerate().rev() {
                c.push(i as u32, oracle::naive_distance(q, code, layout.bits()));
            }
            ok &= c.as_slice() == out;
        }
        r.check("topk_matches_golden_and_oracle", ok && expect(&out));
    }
    let mut big = [Neighbor::default(); TOPK_BIG_K];
    let n = top_k_flat_into(Kernel::detect(), layout, &queries[..w], db, &mut big);
    r.check(
        "topk_k_above_n_returns_n",
        n == Ok(N_SYNTHETIC) && expect(&big[..N_SYNTHETIC]),
    );
}
