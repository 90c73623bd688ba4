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
    use crate::engine::{self, CodeMatrix, float_knn, uniform_rows};
    use crate::projection::choice::seeded_projector;
    use crate::projection::{Kind, Projector};
    use binaryllm_core::ProjectionKind;

    /// Base rows, query rows, their projection, the base codes and each query's `cands`
    /// Hamming candidates.
    struct Fixture {
        base: Vec<f32>,
        queries: Vec<f32>,
        proj: Projector,
        db: CodeMatrix,
        found: KnnResult,
    }

    fn fixture(kind: ProjectionKind, dims: usize, bits: usize, rows: usize) -> Fixture {
        let base = uniform_rows(rows, dims, 1, *b"rerankts");
        let queries = uniform_rows(9, dims, 2, *b"rerankts");
        let proj = seeded_projector(Kind::Seeded(kind), 3, dims, bits).unwrap();
        let db = proj.encode(&base, 1).unwrap();
        let found = engine::knn(&db, &proj.encode(&queries, 1).unwrap(), rows, 2).unwrap();
        Fixture {
            base,
            queries,
            proj,
            db,
            found,
        }
    }

    #[test]
    fn exact_over_every_candidate_is_the_float_top_k() {
        let f = fixture(ProjectionKind::Gaussian, 16, 64, 300);
        let (bm, qm) = (
            F32Matrix::new(&f.base, 16).unwrap(),
            F32Matrix::new(&f.queries, 16).unwrap(),
        );
        assert_eq!(exact(bm, qm, &f.found, 7), float_knn(bm, qm, 7, 1).unwrap());
        // Fewer candidates: only they are scored, best first.
        let q = f.proj.encode(&f.queries, 1).unwrap();
        let found = engine::knn(&f.db, &q, 20, 1).unwrap();
        let got = exact(bm, qm, &found, 5);
        for (qi, hits) in got.chunks_exact(5).enumerate() {
            let cands: Vec<u32> = found.query(qi).iter().map(|n| n.index).collect();
            assert!(hits.iter().all(|h| cands.contains(&h.index)));
            assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        }
    }

    /// Query `qi`'s candidates scored by the 8-bit scorer of `yq`, best first, ties by index.
    fn scored_by(f: &Fixture, yq: &[f32], qi: usize) -> Vec<Scored> {
        let scorer = AsymScorer::new(yq, 8);
        let mut want: Vec<Scored> = f
            .found
            .query(qi)
            .iter()
            .map(|n| Scored {
                score: scorer.score(f.db.code(n.index as usize).unwrap()),
                index: n.index,
            })
            .collect();
        want.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        want
    }

    #[test]
    fn asymmetric_scores_the_projection_minus_the_thresholds() {
        let f = fixture(ProjectionKind::Gaussian, 12, 8, 120);
        let y = f.proj.project(&f.queries, 1).unwrap();
        // Five thresholds for eight bits: the missing ones are zero.
        let th = [0.3f32, -0.2, 0.1, 0.0, 0.25];
        let got = asymmetric(&y, &th, f.db.as_set(), &f.found, 6);
        for (qi, hits) in got.chunks_exact(6).enumerate() {
            let yq: Vec<f32> = (0..8)
                .map(|j| y[qi * 8 + j] - th.get(j).copied().unwrap_or(0.0))
                .collect();
            assert_eq!(hits, &scored_by(&f, &yq, qi)[..6]);
        }
    }

    #[test]
    fn asymmetric_ranks_the_candidates_by_the_scorer_ties_to_the_smaller_index() {
        let f = fixture(ProjectionKind::Rademacher, 12, 8, 200);
        let y = f.proj.project(&f.queries, 1).unwrap();
        let got = asymmetric(&y, &f.proj.threshold_vec(), f.db.as_set(), &f.found, 10);
        for (qi, hits) in got.chunks_exact(10).enumerate() {
            assert_eq!(hits, &scored_by(&f, &y[qi * 8..(qi + 1) * 8], qi)[..10]);
        }
        // 8-bit codes over 200 rows: equal scores occur, and the smaller index comes first.
        assert!(got.windows(2).any(|w| w[0].score == w[1].score));
    }
}
