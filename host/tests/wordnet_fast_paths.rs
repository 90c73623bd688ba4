//! The fast paths on the real WordNet × MiniLM set (`../shared/data`; skipped with a notice
//! when it is absent): encoder bits against the core's reference path (fraction of differing
//! bits, expected exactly 0), and Hamming kNN against the reference top-k.

use std::path::PathBuf;

use binaryllm_core::{
    Arithmetic, DenseProjection, Kernel, Neighbor, ProjectKernel, ProjectionKind, SeededProjection,
    Threshold, knn::top_k_flat_into,
};
use binaryllm_engine::engine::{
    CodeSet, NpyF32, Searcher, encode_matrix, encode_matrix_with_kernel,
};

fn data_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    if d.join("wordnet_minilm_base.npy").exists() {
        Some(d)
    } else {
        eprintln!("skipped: ../shared/data (WordNet set) is not present");
        None
    }
}

#[test]
fn wordnet_fast_encode_has_zero_differing_bits_and_knn_equals_reference() {
    let Some(dir) = data_dir() else { return };
    let base = NpyF32::open(dir.join("wordnet_minilm_base.npy")).unwrap();
    let queries = NpyF32::open(dir.join("wordnet_minilm_queries.npy")).unwrap();
    let x = base.matrix().data();
    let dims = base.dims();
    for (kind, bits) in [
        (ProjectionKind::Gaussian, 256),
        (ProjectionKind::Rademacher, 512),
        (ProjectionKind::Gaussian, 1024),
    ] {
        let p = SeededProjection::new(kind, 0, dims, bits).unwrap();
        // The reference path on the materialised matrix (bit-identical to the matrix-free one,
        // see the core's tests, and much faster than regenerating rows per vector).
        let mut m = vec![0f32; dims * bits];
        p.materialize_into(&mut m).unwrap();
        let dense = DenseProjection::new(&m, dims, bits).unwrap();
        let reference = encode_matrix_with_kernel(&dense, None, Threshold::Zero, x, 0).unwrap();
        for k in ProjectKernel::available() {
            let fast = encode_matrix_with_kernel(&p, Some(k), Threshold::Zero, x, 0).unwrap();
            let differing: u64 = fast
                .words()
                .iter()
                .zip(reference.words())
                .map(|(a, b)| u64::from((a ^ b).count_ones()))
                .sum();
            let total = (x.len() / dims * bits) as f64;
            eprintln!(
                "WordNet base {kind:?} {bits} bits, kernel {}: {differing} differing bits of {total} ({:.1e})",
                k.name(),
                differing as f64 / total
            );
            assert_eq!(differing, 0, "{}", k.name());
        }
        // kNN of the real queries on the fast searcher = the core's reference top-k.
        let q = encode_matrix(&p, Threshold::Zero, queries.matrix().data(), 0).unwrap();
        let db: CodeSet<'_> = reference.as_set();
        let got = Searcher::new().knn(db, q.as_set(), 10, 2).unwrap();
        for (i, qc) in q.iter().enumerate().take(100) {
            let mut out = [Neighbor::default(); 10];
            top_k_flat_into(Kernel::PORTABLE, db.layout(), qc, db.words(), &mut out).unwrap();
            assert_eq!(got.query(i), &out, "query {i}, {bits} bits");
        }
    }
}

/// The opt-in fused multiply-add kernels (`encode --fma`): bit-identical to their own oracle (the
/// portable fused kernel, on the first 2,000 rows: it is slow), and the fraction of bits that
/// differ from the default reference arithmetic over the whole base set is reported and stays
/// ≤ 1e-5 (outputs within rounding of 0).
#[test]
fn wordnet_fused_encode_differs_from_the_reference_in_at_most_1e_5_of_bits() {
    let Some(dir) = data_dir() else { return };
    let base = NpyF32::open(dir.join("wordnet_minilm_base.npy")).unwrap();
    let dims = base.dims();
    let fastest = ProjectKernel::detect_with(Arithmetic::Fused);
    // Without a fast fused kernel (forced-portable builds) the whole set would take minutes.
    let rows = if fastest.name() == "portable-fma" {
        2000
    } else {
        base.rows()
    };
    let x = &base.matrix().data()[..rows * dims];
    let head = &x[..2000 * dims];
    for bits in [256, 1024] {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 0, dims, bits).unwrap();
        let mut m = vec![0f32; dims * bits];
        p.materialize_into(&mut m).unwrap();
        let dense = DenseProjection::new(&m, dims, bits).unwrap();
        // The default fast kernel is bit-identical to the reference path (test above).
        let separate = Some(ProjectKernel::detect());
        let reference = encode_matrix_with_kernel(&dense, separate, Threshold::Zero, x, 0).unwrap();
        let fused =
            encode_matrix_with_kernel(&dense, Some(fastest), Threshold::Zero, x, 0).unwrap();
        let differing = differing_bits(fused.words(), reference.words());
        let total = (rows * bits) as f64;
        eprintln!(
            "WordNet base ({rows} rows) Gaussian {bits} bits, fused kernel {}: {differing} bits \
             differ from the reference arithmetic, of {total} ({:.1e})",
            fastest.name(),
            differing as f64 / total
        );
        assert!(
            differing as f64 <= 1e-5 * total,
            "{}: {differing}",
            fastest.name()
        );
        let oracle = Some(ProjectKernel::PORTABLE_FUSED);
        let want = encode_matrix_with_kernel(&dense, oracle, Threshold::Zero, head, 0).unwrap();
        for k in ProjectKernel::available_with(Arithmetic::Fused) {
            let got = encode_matrix_with_kernel(&dense, Some(k), Threshold::Zero, head, 0).unwrap();
            assert_eq!(got, want, "{} vs the portable fused kernel", k.name());
        }
    }
}

fn differing_bits(a: &[u64], b: &[u64]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| u64::from((x ^ y).count_ones()))
        .sum()
}
