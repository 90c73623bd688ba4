//! Retrieval quality against relevance judgments ([`crate::qrels::Qrels`]): the
//! metrics the field reports, per query, for one ranked list of base rows.
//!
//! Definitions (those of trec_eval / `ir-measures`, with graded gains):
//! - **nDCG@k**: `Σ_{i<k} g(rel_i) / log2(i + 2)` over the ideal of the judgments (all judged
//!   documents sorted by relevance, cut at k), with the gain `g(rel) = 2^rel − 1` (0 for
//!   `rel <= 0`);
//! - **MRR@k**: `1 / rank` of the first document with `rel > 0` in the top k, else 0;
//! - **AP@k** (MAP@k over queries): `Σ_{i<k, rel_i > 0} P@(i + 1) / R`, with `R` every document of
//!   the query with `rel > 0` (not only those in the top k);
//! - **Recall@k**: documents with `rel > 0` in the top k over `R`;
//! - **P@k**: documents with `rel > 0` in the top k over k (a list shorter than k counts its
//!   missing places as not relevant).
//!
//! A query without any document of `rel > 0` scores 0 on every metric (the `ir-measures`
//! convention); unjudged documents are not relevant.

pub mod bootstrap;
pub mod runs;
pub mod trec;

use crate::qrels::Qrels;

/// The judged metrics of one ranked list, in [`JudgedMetrics::NAMES`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JudgedMetrics {
    /// nDCG@10, graded gains `2^rel − 1`.
    pub ndcg_10: f64,
    /// MRR@10.
    pub mrr_10: f64,
    /// AP@100 (its mean over queries is MAP@100).
    pub ap_100: f64,
    /// Recall@100.
    pub recall_100: f64,
    /// P@10.
    pub p_10: f64,
}

impl JudgedMetrics {
    /// The metric names, as `results.json` and criteria spell them.
    pub const NAMES: [&'static str; 5] = crate::config::JUDGED_METRICS;

    /// The metrics of `ranked` (base rows, best first) for query `q` of `qrels`.
    pub fn of(qrels: &Qrels, q: usize, ranked: &[u32]) -> Self {
        let relevant = qrels.relevant(q);
        if relevant == 0 {
            return Self::default();
        }
        let rel = |i: usize| ranked.get(i).map_or(0, |&d| qrels.rel(q, d));
        Self {
            ndcg_10: ndcg(qrels, q, ranked, 10),
            mrr_10: (0..10.min(ranked.len()))
                .find(|&i| rel(i) > 0)
                .map_or(0.0, |i| 1.0 / (i + 1) as f64),
            ap_100: average_precision(qrels, q, ranked, 100, relevant),
            recall_100: hits(qrels, q, ranked, 100) as f64 / relevant as f64,
            p_10: hits(qrels, q, ranked, 10) as f64 / 10.0,
        }
    }

    /// The values in [`NAMES`](Self::NAMES) order.
    pub fn values(&self) -> [f64; 5] {
        [
            self.ndcg_10,
            self.mrr_10,
            self.ap_100,
            self.recall_100,
            self.p_10,
        ]
    }

    /// The mean of each metric over `per_query` (0 for none).
    pub fn mean(per_query: &[JudgedMetrics]) -> Self {
        let n = per_query.len().max(1) as f64;
        let sum = |f: fn(&JudgedMetrics) -> f64| per_query.iter().map(f).sum::<f64>() / n;
        Self {
            ndcg_10: sum(|m| m.ndcg_10),
            mrr_10: sum(|m| m.mrr_10),
            ap_100: sum(|m| m.ap_100),
            recall_100: sum(|m| m.recall_100),
            p_10: sum(|m| m.p_10),
        }
    }
}

/// `2^rel − 1`, 0 for `rel <= 0`.
fn gain(rel: i32) -> f64 {
    if rel > 0 {
        (rel as f64).exp2() - 1.0
    } else {
        0.0
    }
}

/// The discount of 0-based rank `i`: `1 / log2(i + 2)`.
fn discount(i: usize) -> f64 {
    1.0 / ((i + 2) as f64).log2()
}

fn ndcg(qrels: &Qrels, q: usize, ranked: &[u32], k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &d)| gain(qrels.rel(q, d)) * discount(i))
        .sum();
    let mut ideal: Vec<i32> = qrels.judgments(q).iter().map(|j| j.1).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &r)| gain(r) * discount(i))
        .sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

/// Documents with `rel > 0` in the top `k` of `ranked`.
fn hits(qrels: &Qrels, q: usize, ranked: &[u32], k: usize) -> usize {
    ranked
        .iter()
        .take(k)
        .filter(|&&d| qrels.rel(q, d) > 0)
        .count()
}

fn average_precision(qrels: &Qrels, q: usize, ranked: &[u32], k: usize, relevant: usize) -> f64 {
    let mut found = 0usize;
    let mut sum = 0.0;
    for (i, &d) in ranked.iter().take(k).enumerate() {
        if qrels.rel(q, d) > 0 {
            found += 1;
            sum += found as f64 / (i + 1) as f64;
        }
    }
    sum / relevant as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qrels::{IdMap, Side, parse};
    use std::path::Path;

    fn qrels(text: &str, nq: usize, nd: usize) -> Qrels {
        parse(
            Path::new("t"),
            text,
            &IdMap::numeric(Side::Query, nq),
            &IdMap::numeric(Side::Document, nd),
        )
        .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn one_relevant_document_at_rank_three() {
        let j = qrels("0 0 7 1\n", 1, 200);
        let m = JudgedMetrics::of(&j, 0, &[4, 5, 7, 9]);
        close(m.ndcg_10, 1.0 / 4f64.log2()); // 1/log2(3+1) = 0.5
        close(m.mrr_10, 1.0 / 3.0);
        close(m.ap_100, 1.0 / 3.0);
        close(m.recall_100, 1.0);
        close(m.p_10, 0.1);
        // Past rank 10 it still counts for AP@100 and Recall@100, not for the @10 metrics.
        let late: Vec<u32> = (100..111).chain([7]).collect();
        let m = JudgedMetrics::of(&j, 0, &late);
        assert_eq!((m.ndcg_10, m.mrr_10, m.p_10), (0.0, 0.0, 0.0));
        close(m.ap_100, 1.0 / 12.0);
        close(m.recall_100, 1.0);
    }

    #[test]
    fn graded_gains_and_the_ideal_come_from_the_judgments() {
        // rel 2 at doc 1, rel 1 at docs 2 and 3, rel 0 at doc 4.
        let j = qrels("0 0 1 2\n0 0 2 1\n0 0 3 1\n0 0 4 0\n", 1, 10);
        let m = JudgedMetrics::of(&j, 0, &[2, 1, 9]);
        let dcg = 1.0 / 2f64.log2() + 3.0 / 3f64.log2();
        let idcg = 3.0 / 2f64.log2() + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        close(m.ndcg_10, dcg / idcg);
        close(m.mrr_10, 1.0);
        close(m.ap_100, (1.0 + 1.0) / 3.0);
        close(m.recall_100, 2.0 / 3.0);
        close(m.p_10, 0.2);
        let perfect = JudgedMetrics::of(&j, 0, &[1, 2, 3]);
        close(perfect.ndcg_10, 1.0);
        close(perfect.ap_100, 1.0);
    }

    #[test]
    fn a_query_without_relevant_documents_scores_zero() {
        let j = qrels("0 0 1 0\n1 0 2 1\n", 2, 5);
        assert_eq!(JudgedMetrics::of(&j, 0, &[1, 2]), JudgedMetrics::default());
        let per = [
            JudgedMetrics::of(&j, 0, &[1]),
            JudgedMetrics::of(&j, 1, &[2]),
        ];
        let mean = JudgedMetrics::mean(&per);
        close(mean.ndcg_10, 0.5);
        close(mean.p_10, 0.05);
        assert_eq!(JudgedMetrics::NAMES.len(), mean.values().len());
    }

    /// Equal to ir-measures (scripts/golden/make_judged_golden.py) to 1e-9, per query, on the
    /// sample's judged task ranked by exact float search and on a graded seeded case.
    #[test]
    fn equal_to_ir_measures_on_the_golden_cases() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/judged-v1.json");
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (name, case) in doc["cases"].as_object().unwrap() {
            let ranking: Vec<Vec<u32>> = serde_json::from_value(case["ranking"].clone()).unwrap();
            let lines: Vec<(u64, u64, i64)> =
                serde_json::from_value(case["qrels"].clone()).unwrap();
            let text: String = lines
                .iter()
                .map(|(q, d, r)| format!("{q} 0 {d} {r}\n"))
                .collect();
            let nd = 1 + lines.iter().map(|l| l.1).max().unwrap() as usize;
            let nd = nd.max(1 + ranking.iter().flatten().copied().max().unwrap() as usize);
            let j = qrels(&text, ranking.len(), nd);
            let per: Vec<JudgedMetrics> = (0..ranking.len())
                .map(|q| JudgedMetrics::of(&j, q, &ranking[q]))
                .collect();
            for (m, metric) in JudgedMetrics::NAMES.iter().enumerate() {
                let want: Vec<f64> =
                    serde_json::from_value(case["per_query"][metric].clone()).unwrap();
                for (q, w) in want.iter().enumerate() {
                    let got = per[q].values()[m];
                    assert!(
                        (got - w).abs() < 1e-9,
                        "{name} {metric} query {q}: {got} vs {w}"
                    );
                }
                let mean = JudgedMetrics::mean(&per).values()[m];
                let want_mean = case["mean"][metric].as_f64().unwrap();
                assert!(
                    (mean - want_mean).abs() < 1e-9,
                    "{name} {metric}: {mean} vs {want_mean}"
                );
            }
        }
    }
}
