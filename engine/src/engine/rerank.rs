//! Re-ranking Hamming candidates, the one implementation behind `binaryllm search --rerank`
//! (with `--base` or `--asymmetric`) and the Python package's `Index.search_floats`.
//!
//! [`exact`] scores each query's candidates by the exact inner product with the float base rows
//! ([`floats::rescore`]); [`asymmetric`] by the asymmetric score of the query's projection
//! relative to the per-bit thresholds ([`AsymScorer`], as the evaluation's `asym_rerank`).
//! Both keep the best `k` per query, ties to the smaller index.

use super::KnnResult;
use super::asym::AsymScorer;
use super::floats::{self, F32Matrix, Scored};
use super::search::CodeSet;

/// The candidates of every query in `found` re-ranked by exact inner product of the query row
/// of `queries` with the base row of `base`: `queries.rows() · min(k, candidates)` results,
/// row-major.
pub fn exact(
    base: F32Matrix<'_>,
    queries: F32Matrix<'_>,
    found: &KnnResult,
    k: usize,
) -> Vec<Scored> {
    let mut out = Vec::with_capacity(queries.rows() * k);
    for q in 0..queries.rows() {
        let row = queries.row(q).unwrap_or(&[]);
        let cands: Vec<u32> = found.query(q).iter().map(|n| n.index).collect();
        out.extend(floats::rescore(base, row, &cands, k));
    }
    out
}

/// The candidates of every query in `found` (rows of `db`) re-ranked by the asymmetric score
/// of the query's projection minus the per-bit `thresholds`: `projected` holds the float
/// projections of the queries, row-major `[queries, bits]` (`Projector::project`);
/// `queries · min(k, candidates)` results, row-major.
pub fn asymmetric(
    projected: &[f32],
    thresholds: &[f32],
    db: CodeSet<'_>,
    found: &KnnResult,
    k: usize,
) -> Vec<Scored> {
    let bits = db.layout().bits();
    let mut out = Vec::with_capacity(projected.len() / bits.max(1) * k);
    let mut yq = vec![0f32; bits];
    for (q, row) in projected.chunks_exact(bits).enumerate() {
        for ((y, &v), &th) in yq
            .iter_mut()
            .zip(row)
            .zip(thresholds.iter().chain(std::iter::repeat(&0.0)))
        {
            *y = v - th;
        }
        let scorer = AsymScorer::new(&yq, bits);
        let mut scored: Vec<Scored> = found
            .query(q)
            .iter()
            .map(|n| Scored {
                score: scorer.score(db.code(n.index as usize).unwrap_or(&[])),
                index: n.index,
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        scored.truncate(k);
        out.extend(scored);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, float_knn};
    use crate::projection::Kind;
    use crate::projection::choice::seeded_projector;
    use binaryllm_core::ProjectionKind;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut s = binaryllm_core::rng::SeededStream::new(seed, *b"rerankts", 0);
        (0..n * dims).map(|_| s.next_symmetric_uniform()).collect()
    }

    #[test]
    fn exact_over_every_candidate_is_the_float_top_k() {
        let (base, queries) = (data(300, 16, 1), data(9, 16, 2));
        let proj = seeded_projector(Kind::Seeded(ProjectionKind::Gaussian), 3, 16, 64).unwrap();
        let db = proj.encode(&base, 1).unwrap();
        let q = proj.encode(&queries, 1).unwrap();
        let found = engine::knn(&db, &q, 300, 1).unwrap();
        let (bm, qm) = (
            F32Matrix::new(&base, 16).unwrap(),
            F32Matrix::new(&queries, 16).unwrap(),
        );
        assert_eq!(exact(bm, qm, &found, 7), float_knn(bm, qm, 7, 1).unwrap());
        // Fewer candidates: only they are scored, best first.
        let found = engine::knn(&db, &q, 20, 1).unwrap();
        let got = exact(bm, qm, &found, 5);
        for (qi, hits) in got.chunks_exact(5).enumerate() {
            let cands: Vec<u32> = found.query(qi).iter().map(|n| n.index).collect();
            assert!(hits.iter().all(|h| cands.contains(&h.index)));
            assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        }
    }

    #[test]
    fn asymmetric_ranks_the_candidates_by_the_scorer_ties_to_the_smaller_index() {
        let (base, queries) = (data(200, 12, 4), data(6, 12, 5));
        let proj = seeded_projector(Kind::Seeded(ProjectionKind::Rademacher), 1, 12, 8).unwrap();
        let db = proj.encode(&base, 1).unwrap();
        let q = proj.encode(&queries, 1).unwrap();
        let found = engine::knn(&db, &q, 50, 2).unwrap();
        let y = proj.project(&queries, 1).unwrap();
        let got = asymmetric(&y, &proj.threshold_vec(), db.as_set(), &found, 10);
        for (qi, hits) in got.chunks_exact(10).enumerate() {
            let scorer = AsymScorer::new(&y[qi * 8..(qi + 1) * 8], 8);
            let mut want: Vec<Scored> = found
                .query(qi)
                .iter()
                .map(|n| Scored {
                    score: scorer.score(db.code(n.index as usize).unwrap()),
                    index: n.index,
                })
                .collect();
            want.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
            assert_eq!(hits, &want[..10]);
        }
        // 8-bit codes over 200 rows: equal scores occur, and the smaller index comes first.
        assert!(got.windows(2).any(|w| w[0].score == w[1].score));
    }
}
