//! Judged retrieval of an evaluation: the float baseline once ([`JudgedFloat`]), then per run
//! ([`RunJudged`]) the ranked list of every mode and its metrics, the share of the float
//! metric retained, and the paired bootstrap comparison with float; across seeds
//! ([`summarize`]) the pooled paired comparison the non-inferiority criteria read.
//!
//! **Lists.** Every list is [`DEPTH`] (100) rows deep (fewer when the base is smaller), so the
//! @100 metrics of all modes read lists of one depth:
//! - `float`: exact float top-100 by inner product (ties to the smaller row);
//! - `hamming`: the Hamming top-100 (ties to the smaller row);
//! - `rerank/x<m>`: the first `k·m` Hamming candidates re-scored by the exact float inner
//!   product, then the rest of the Hamming top-100 in Hamming order (a rescore window, as
//!   Elasticsearch's `rescore.window_size`); `asym_rerank/x<m>` the same with the asymmetric
//!   score ([`crate::engine::asym`]).

use rayon::prelude::*;
use serde::Serialize;

use crate::config::{Config, JUDGED_METRICS};
use crate::dataset::Dataset;
use crate::dataset::groundtruth::{self, dot64};
use crate::dataset::judged::JudgedTask;
use crate::engine::asym::AsymScorer;
use crate::engine::{CodeMatrix, KnnResult};
use crate::eval::judged::JudgedMetrics;
use crate::eval::judged::bootstrap::{self, Paired, Resamples};
use crate::eval::metrics;
use crate::eval::stats::{self, Summary};

/// Depth of every judged list (the deepest cutoff of [`JUDGED_METRICS`]).
pub const DEPTH: usize = 100;

/// The float baseline of the judged set.
#[derive(Clone, Debug)]
pub struct JudgedFloat {
    /// The exact float list of every judged query (base rows, best first).
    pub lists: Vec<Vec<u32>>,
    /// The metrics of each query.
    pub per_query: Vec<JudgedMetrics>,
    /// Their means.
    pub mean: JudgedMetrics,
    /// The query resamples every paired comparison uses.
    pub resamples: Resamples,
    /// The list depth (`DEPTH`, clamped to the base).
    pub depth: usize,
}

impl JudgedFloat {
    /// The exact float baseline of `task` over `ds` (resamples seeded by `seed`).
    pub fn of(ds: &Dataset, task: &JudgedTask, seed: u64, threads: usize) -> Self {
        let queries = task.queries(ds);
        let depth = DEPTH.min(ds.base.rows);
        let gt = groundtruth::exact_topk(&ds.base, queries, depth, threads);
        let lists: Vec<Vec<u32>> = (0..queries.rows).map(|q| gt.query(q).to_vec()).collect();
        let per_query: Vec<JudgedMetrics> = lists
            .iter()
            .enumerate()
            .map(|(q, l)| JudgedMetrics::of(&task.qrels, q, l))
            .collect();
        Self {
            mean: JudgedMetrics::mean(&per_query),
            resamples: Resamples::new(queries.rows, bootstrap::RESAMPLES, seed),
            lists,
            per_query,
            depth,
        }
    }

    /// Column `i` ([`JUDGED_METRICS`] order) of the per-query metrics.
    fn column(&self, i: usize) -> Vec<f64> {
        self.per_query.iter().map(|m| m.values()[i]).collect()
    }
}

/// One mode of one run.
#[derive(Clone, Debug)]
pub struct ModeJudged {
    /// `hamming`, `rerank/x<m>` or `asym_rerank/x<m>`.
    pub mode: String,
    /// The metrics of each query.
    pub per_query: Vec<JudgedMetrics>,
    /// Their means.
    pub mean: JudgedMetrics,
    /// `mean / float mean` per metric ([`JUDGED_METRICS`] order; NaN for a float mean of 0).
    pub retained: [f64; 5],
    /// The paired comparison with float per metric.
    pub paired: [Paired; 5],
    /// The ranked lists, kept for the TREC run files (empty when none is written).
    pub lists: Vec<Vec<u32>>,
}

/// The judged results of one run.
#[derive(Clone, Debug, Default)]
pub struct RunJudged {
    /// Every mode, in [`crate::config::MetricsSpec::judged_modes`] order.
    pub modes: Vec<ModeJudged>,
}

/// What one run's judged lists are built from.
#[derive(Debug)]
pub struct RunInputs<'a> {
    /// The data set.
    pub ds: &'a Dataset,
    /// The judged set.
    pub task: &'a JudgedTask,
    /// Base codes at the run's width.
    pub db: &'a CodeMatrix,
    /// The Hamming top-[`DEPTH`] of every judged query.
    pub found: &'a KnnResult,
    /// The judged queries' projections relative to the thresholds, `[queries × top]`.
    pub yq: &'a [f32],
    /// The row stride of `yq`.
    pub top: usize,
    /// The run's width.
    pub bits: usize,
}

impl RunJudged {
    /// The judged results of one run: every mode's lists and metrics, compared with `float`;
    /// the lists kept when `keep_lists` (for the run files).
    pub fn of(
        config: &Config,
        k: usize,
        r: &RunInputs<'_>,
        float: &JudgedFloat,
        keep_lists: bool,
    ) -> Self {
        let factors = &config.metrics.rerank_oversample;
        let nq = r.task.queries(r.ds).rows;
        // Per query: the lists of every mode, in judged_modes order.
        let per_query: Vec<Vec<Vec<u32>>> = (0..nq)
            .into_par_iter()
            .map(|q| query_lists(r, q, k, factors))
            .collect();
        let modes = config
            .metrics
            .judged_modes()
            .into_iter()
            .enumerate()
            .map(|(i, mode)| {
                let lists: Vec<Vec<u32>> = per_query.iter().map(|l| l[i].clone()).collect();
                ModeJudged::of(mode, lists, r.task, float, keep_lists)
            })
            .collect();
        Self { modes }
    }

    /// The mode named `mode`.
    pub fn mode(&self, mode: &str) -> Option<&ModeJudged> {
        self.modes.iter().find(|m| m.mode == mode)
    }
}

impl ModeJudged {
    fn of(
        mode: String,
        lists: Vec<Vec<u32>>,
        task: &JudgedTask,
        float: &JudgedFloat,
        keep_lists: bool,
    ) -> Self {
        let per_query: Vec<JudgedMetrics> = lists
            .iter()
            .enumerate()
            .map(|(q, l)| JudgedMetrics::of(&task.qrels, q, l))
            .collect();
        let mean = JudgedMetrics::mean(&per_query);
        let (mv, fv) = (mean.values(), float.mean.values());
        let retained = std::array::from_fn(|i| ratio(mv[i], fv[i]));
        let paired = std::array::from_fn(|i| {
            let b: Vec<f64> = per_query.iter().map(|m| m.values()[i]).collect();
            bootstrap::paired(&b, &float.column(i), &float.resamples)
        });
        Self {
            mode,
            per_query,
            mean,
            retained,
            paired,
            lists: if keep_lists { lists } else { Vec::new() },
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}

/// The lists of query `q` in every mode: Hamming, then the float and the asymmetric rescore
/// windows of `k · m` for each factor `m`.
fn query_lists(r: &RunInputs<'_>, q: usize, k: usize, factors: &[usize]) -> Vec<Vec<u32>> {
    let ids: Vec<u32> = r.found.query(q).iter().map(|n| n.index).collect();
    let query = r.task.queries(r.ds).row(q);
    let window = factors
        .iter()
        .map(|m| k * m)
        .max()
        .unwrap_or(0)
        .min(ids.len());
    let exact: Vec<f64> = ids[..window]
        .iter()
        .map(|&b| dot64(query, r.ds.base.row(b as usize)))
        .collect();
    let scorer = AsymScorer::new(&r.yq[q * r.top..(q + 1) * r.top], r.bits);
    let asym: Vec<f64> = ids[..window]
        .iter()
        .map(|&b| scorer.score(r.db.code(b as usize).unwrap_or(&[])))
        .collect();
    let mut out = Vec::with_capacity(1 + 2 * factors.len());
    out.push(ids.clone());
    for scores in [&exact, &asym] {
        for &m in factors {
            out.push(rescored(&ids, scores, (k * m).min(window)));
        }
    }
    out
}

/// `ids` with its first `n` entries re-ordered by `scores` (ties to the smaller row), the rest
/// in their order.
fn rescored(ids: &[u32], scores: &[f64], n: usize) -> Vec<u32> {
    let mut out = metrics::rerank(&ids[..n], &scores[..n], n);
    out.extend_from_slice(&ids[n..]);
    out
}

/// The judged summary of one (projection, bits, mode, metric) across seeds.
#[derive(Clone, Debug, Serialize)]
pub struct JudgedSummary {
    /// Projection label.
    pub projection: String,
    /// Code width.
    pub bits: usize,
    /// The mode.
    pub mode: String,
    /// The metric ([`JUDGED_METRICS`]).
    pub metric: String,
    /// The float value.
    pub float: f64,
    /// The binary value across seeds (mean, sd, t interval).
    pub judged: Summary,
    /// The retained share across seeds.
    pub retained: Summary,
    /// The paired comparison of the per-query mean over seeds with float.
    pub paired: Paired,
    /// The paired comparison relative to float: `(binary − float) / float` (mean and interval
    /// of `paired`'s difference over the float value); what `<metric>/noninferior` reads.
    pub relative: Summary,
}

/// The judged summaries of the runs `group` (one projection and width, one run per seed).
pub fn summarize(
    projection: &str,
    bits: usize,
    group: &[&RunJudged],
    float: &JudgedFloat,
) -> Vec<JudgedSummary> {
    let Some(first) = group.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (mi, mode) in first.modes.iter().map(|m| &m.mode).enumerate() {
        let modes: Vec<&ModeJudged> = group.iter().filter_map(|r| r.modes.get(mi)).collect();
        for (i, metric) in JUDGED_METRICS.iter().enumerate() {
            let f = float.mean.values()[i];
            let values: Vec<f64> = modes.iter().map(|m| m.mean.values()[i]).collect();
            let kept: Vec<f64> = modes.iter().map(|m| m.retained[i]).collect();
            let pooled: Vec<f64> = (0..float.per_query.len())
                .map(|q| {
                    modes
                        .iter()
                        .map(|m| m.per_query[q].values()[i])
                        .sum::<f64>()
                        / modes.len() as f64
                })
                .collect();
            let paired = bootstrap::paired(&pooled, &float.column(i), &float.resamples);
            out.push(JudgedSummary {
                projection: projection.to_string(),
                bits,
                mode: mode.clone(),
                metric: (*metric).to_string(),
                float: f,
                judged: stats::summarize(&values).clipped(0.0, 1.0),
                retained: stats::summarize(&kept).clipped(0.0, f64::INFINITY),
                relative: Summary {
                    mean: ratio(paired.mean_diff, f),
                    sd: f64::NAN,
                    ci95_low: ratio(paired.diff_ci95[0], f),
                    ci95_high: ratio(paired.diff_ci95[1], f),
                    n: modes.len(),
                },
                paired,
            });
        }
    }
    out
}

impl JudgedSummary {
    /// The summary key of `what` (`judged`, `retained` or `noninferior`) for this row, as
    /// [`crate::config::MetricsSpec::judged_keys`] spells it.
    pub fn key(&self, what: &str) -> String {
        if self.mode == "hamming" {
            format!("{}/{what}", self.metric)
        } else {
            format!("{}/{what}/{}", self.metric, self.mode)
        }
    }
}

/// `{metric: value}` of `values` ([`JUDGED_METRICS`] order; NaN → `null`).
pub fn metrics_json(values: &[f64; 5]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in JUDGED_METRICS.iter().zip(values) {
        map.insert(
            (*k).to_string(),
            serde_json::Number::from_f64(*v).map_or(serde_json::Value::Null, Into::into),
        );
    }
    serde_json::Value::Object(map)
}

impl RunJudged {
    /// `judged`, `judged_retained` and `judged_paired` of a `results.json` run entry:
    /// `{mode: {metric: …}}`.
    pub fn to_json(&self) -> serde_json::Result<[serde_json::Value; 3]> {
        let mut judged = serde_json::Map::new();
        let mut retained = serde_json::Map::new();
        let mut paired = serde_json::Map::new();
        for m in &self.modes {
            judged.insert(m.mode.clone(), metrics_json(&m.mean.values()));
            retained.insert(m.mode.clone(), metrics_json(&m.retained));
            let mut p = serde_json::Map::new();
            for (k, v) in JUDGED_METRICS.iter().zip(&m.paired) {
                p.insert((*k).to_string(), serde_json::to_value(v)?);
            }
            paired.insert(m.mode.clone(), serde_json::Value::Object(p));
        }
        Ok([judged.into(), retained.into(), paired.into()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rescore_window_reorders_its_rows_and_keeps_the_rest_in_order() {
        let ids = [5, 3, 9, 1, 7];
        // Window of 3: scores 0.1, 0.9, 0.9 → 3 and 9 tie (smaller row first), then 5; 1 and
        // 7 keep their Hamming order.
        assert_eq!(rescored(&ids, &[0.1, 0.9, 0.9], 3), vec![3, 9, 5, 1, 7]);
        assert_eq!(rescored(&ids, &[], 0), ids.to_vec());
        assert_eq!(
            rescored(&ids, &[0.0, 0.1, 0.2, 0.3, 0.4], 5),
            vec![7, 1, 9, 3, 5]
        );
    }

    #[test]
    fn summary_keys_spell_the_mode_after_the_metric_except_hamming() {
        let p = Paired {
            mean_diff: 0.0,
            diff_ci95: [0.0; 2],
            ratio: 1.0,
            ratio_ci95: [1.0; 2],
        };
        let s = stats::summarize(&[]);
        let row = |mode: &str| JudgedSummary {
            projection: "g".into(),
            bits: 64,
            mode: mode.into(),
            metric: "ndcg@10".into(),
            float: 0.5,
            judged: s,
            retained: s,
            paired: p,
            relative: s,
        };
        assert_eq!(row("hamming").key("retained"), "ndcg@10/retained");
        assert_eq!(
            row("rerank/x5").key("noninferior"),
            "ndcg@10/noninferior/rerank/x5"
        );
        let spec = crate::config::MetricsSpec::default();
        let keys = spec.judged_keys();
        assert!(keys.contains(&"ndcg@10/retained".to_string()));
        assert!(keys.contains(&"ndcg@10/noninferior/rerank/x5".to_string()));
        assert_eq!(
            keys.len(),
            spec.judged_modes().len() * 3 * JUDGED_METRICS.len()
        );
    }
}
