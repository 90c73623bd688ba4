//! The fast paths on the real WordNet × MiniLM set (`../shared/data`; skipped with a notice
//! when it is absent): encoder bits against the core's reference path (fraction of differing
//! bits, expected exactly 0), and Hamming kNN against the reference top-k.

use std::path::PathBuf;

use binaryllm::engine::{CodeSet, NpyF32, Searcher, encode_matrix, encode_matrix_with_kernel};
use binaryllm_core::{
    DenseProjection, Kernel, Neighbor, ProjectKernel, ProjectionKind, SeededProjection, Threshold,
    knn::top_k_flat_into,
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
