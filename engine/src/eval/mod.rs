//! The H1 evaluation: for every projection × bits × seed, encode, search by Hamming distance
//! and compare with exact float search; summarise across seeds and judge the criteria.
//!
//! [`evaluate`] computes an [`Evaluation`] from a validated config and a loaded data set;
//! [`crate::eval::report`] writes it. Everything is deterministic in the config: per-query values are
//! computed in parallel but reduced in query order, and the pair sample has its own seed.

pub mod codes;
pub mod judged;
pub mod metrics;
pub mod recommend;
pub mod report;
pub mod request;
mod run;
pub mod stats;

pub use request::{DataFiles, EvalRequest, RunSummary, run};

use crate::Stage;
use std::time::Instant;

use anyhow::{Context, Result};
use binaryllm_core::CodeLayout;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{self, Config, Criterion, CriterionBits, MetricsSpec, ValidConfig};
use crate::dataset::groundtruth::{self, dot64};
use crate::dataset::judged::JudgedTask;
use crate::dataset::{Dataset, Neighbors};
use crate::engine::{self, CodeMatrix, asym::AsymScorer};
use crate::eval::judged::runs::{JudgedFloat, JudgedSummary, RunJudged};
use crate::eval::metrics::Calibration;
use crate::eval::recommend::Recommendation;
use crate::eval::run::RunContext;
use crate::eval::stats::{Outcome, Summary};
use crate::progress::Progress;
use crate::projection::Projector;

/// Where the float ground truth came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GtSource {
    /// Read from the data set's ground-truth file.
    File,
    /// Computed by exact search.
    Computed,
}

/// The spot-check of a ground-truth file (`results.json` → `dataset.ground_truth_check`).
#[derive(Clone, Debug, Serialize)]
pub struct GtCheck {
    /// Whether the check ran (and passed: a failed check is an error).
    pub ran: bool,
    /// Query rows compared with an exact search (0 when it did not run).
    pub sample: usize,
    /// Neighbours compared per query (the depth the metrics use).
    pub depth: usize,
    /// Relative tolerance of a tie ([`groundtruth::GT_CHECK_TOLERANCE`]).
    pub tolerance: f64,
    /// Why it did not run (`None` when it ran).
    pub skipped: Option<String>,
}

impl GtCheck {
    fn skipped(why: &str) -> Self {
        Self {
            ran: false,
            sample: 0,
            depth: 0,
            tolerance: groundtruth::GT_CHECK_TOLERANCE,
            skipped: Some(why.to_string()),
        }
    }
}

/// `--strict` and a criterion could not be evaluated: the run directory is written, the
/// command exits with [`StrictFailure::EXIT_CODE`].
#[derive(Debug, thiserror::Error)]
#[error(
    "{}: --strict: {unevaluated} of {total} H1 criteria could not be evaluated (the run directory {} was written)",
    Stage::Verdict,
    run_dir.display()
)]
pub struct StrictFailure {
    /// Criteria not evaluated.
    pub unevaluated: usize,
    /// Criteria configured.
    pub total: usize,
    /// The run directory written.
    pub run_dir: std::path::PathBuf,
}

impl StrictFailure {
    /// The exit code of `eval --strict` when a criterion could not be evaluated (1 is an
    /// error, 2 a command-line usage error).
    pub const EXIT_CODE: u8 = 3;
}

/// Precomputed float-side quantities shared by every run.
#[derive(Debug)]
pub struct FloatSide {
    /// Exact float neighbours (depth ≥ the metrics' needs, clamped to the base size).
    pub gt: Neighbors,
    /// Where `gt` came from.
    pub gt_source: GtSource,
    /// Query row norms.
    pub qnorm: Vec<f64>,
    /// Base row norms.
    pub bnorm: Vec<f64>,
    /// Every query–base inner product (`[queries × base]`), kept when it fits in
    /// [`SIMS_LIMIT`] values; else products are computed on demand.
    pub sims: Option<Vec<f64>>,
    /// Per query, the nDCG gains `max(0, cos)` of its float top-`k`.
    pub ideal_gains: Vec<f64>,
    /// The sampled (query, base) pairs.
    pub pairs: Vec<(u32, u32)>,
    /// Float cosine of each pair.
    pub pair_cos: Vec<f64>,
    /// θ/π of each pair.
    pub pair_theta_pi: Vec<f64>,
    /// Float kNN classification accuracy (when labels exist).
    pub knn_acc_float: Option<f64>,
}

/// Largest similarity matrix kept in memory (2^25 f64 values = 256 MiB).
pub const SIMS_LIMIT: usize = 1 << 25;

impl FloatSide {
    /// The inner product of query `q` and base row `b`.
    #[inline]
    pub fn dot(&self, ds: &Dataset, q: usize, b: usize) -> f64 {
        match &self.sims {
            Some(s) => s[q * self.bnorm.len() + b],
            None => dot64(ds.queries.row(q), ds.base.row(b)),
        }
    }

    /// The cosine of query `q` and base row `b` (0 for a zero vector), clamped to [−1, 1].
    #[inline]
    pub fn cos(&self, ds: &Dataset, q: usize, b: usize) -> f64 {
        let den = self.qnorm[q] * self.bnorm[b];
        if den == 0.0 {
            0.0
        } else {
            (self.dot(ds, q, b) / den).clamp(-1.0, 1.0)
        }
    }
}

/// The effective metric depths after clamping to the data set.
#[derive(Clone, Debug, Serialize)]
pub struct Depths {
    /// `metrics.k` (clamped).
    pub k: usize,
    /// `metrics.candidates` (clamped).
    pub candidates: usize,
    /// `metrics.knn_k` (clamped).
    pub knn_k: usize,
    /// Hamming search depth.
    pub hamming: usize,
    /// Float ground-truth depth.
    pub gt: usize,
}

/// One (projection, bits, seed) run.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Projection label.
    pub projection: String,
    /// Projection kind.
    pub kind: String,
    /// Code width.
    pub bits: usize,
    /// Seed.
    pub seed: u64,
    /// Metric values keyed as in [`MetricsSpec::metric_keys`] (NaN → `null` in JSON).
    pub metrics: Vec<(String, f64)>,
    /// The θ/π calibration bins.
    pub calibration: Calibration,
    /// Measured times and throughputs (excluded from determinism checks).
    pub timings: RunTimings,
    /// Up to 1,000 (float cosine, Hamming-estimated cosine) pairs for the scatter plot.
    #[serde(skip)]
    pub scatter: Vec<(f64, f64)>,
    /// Judged retrieval (with a judged query set).
    #[serde(skip)]
    pub judged: Option<RunJudged>,
}

impl Run {
    /// The value of metric `key`.
    pub fn metric(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|(k, _)| k == key).map(|p| p.1)
    }
}

/// Measured times of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunTimings {
    /// Encoding base + queries at the widest width for this (projection, seed), seconds
    /// (shared by its widths: narrower codes are prefixes).
    pub encode_s: f64,
    /// Encode throughput, vectors per second (at the widest width).
    pub encode_vectors_per_s: f64,
    /// Exact Hamming top-k search of all queries, seconds.
    pub search_s: f64,
    /// Search throughput, queries per second.
    pub search_queries_per_s: f64,
    /// Computing the metrics, seconds.
    pub metrics_s: f64,
}

/// The resource model for one width (no measured quantities).
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// Code width.
    pub bits: usize,
    /// Bytes per float vector (f32).
    pub bytes_float: usize,
    /// Bytes per binary code (`ceil(bits/8)`).
    pub bytes_binary: usize,
    /// `bytes_float / bytes_binary`.
    pub compression: f64,
    /// Float multiply-adds per query for exact search (`n_base · dims`).
    pub float_madds_per_query: u64,
    /// 64-bit XOR + popcount word operations per query (`n_base · ceil(bits/64)`).
    pub binary_word_ops_per_query: u64,
    /// Extra float multiply-adds per query for rescoring at each oversample factor
    /// (`k · m · dims`).
    pub rerank_madds_per_query: Vec<(usize, u64)>,
}

/// One (projection, bits, metric) summary across seeds.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    /// Projection label.
    pub projection: String,
    /// Code width.
    pub bits: usize,
    /// Metric key.
    pub metric: String,
    /// Mean, sd, CI and n.
    #[serde(flatten)]
    pub stats: Summary,
}

/// One criterion's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The criterion (`bits` resolved: `"max"` becomes the widest width of the run).
    #[serde(flatten)]
    pub criterion: Criterion,
    /// The criterion said `bits = "max"`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bits_max: bool,
    /// The summary it was judged on (`None` when not run).
    pub mean: Option<f64>,
    /// CI low.
    pub ci95_low: Option<f64>,
    /// CI high.
    pub ci95_high: Option<f64>,
    /// Seeds.
    pub n: usize,
    /// `pass`, `fail` or `inconclusive`.
    pub outcome: Outcome,
    /// Why, in words.
    pub reason: String,
}

/// Whole-evaluation timings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    /// Loading and checking the data, seconds.
    pub load_s: f64,
    /// Spot-checking the ground-truth file against an exact search, seconds.
    pub gt_check_s: f64,
    /// Ground truth and float-side precomputation, seconds.
    pub float_side_s: f64,
    /// All runs, seconds (the sum of the four parts below plus bookkeeping).
    pub runs_s: f64,
    /// Part of `runs_s`: materialising projections and encoding base + queries.
    pub encode_s: f64,
    /// Part of `runs_s`: float projections of the queries (asymmetric scores).
    pub project_s: f64,
    /// Part of `runs_s`: exact Hamming searches.
    pub search_s: f64,
    /// Part of `runs_s`: metrics.
    pub metrics_s: f64,
    /// Writing the outputs, seconds (filled by the writer).
    pub output_s: f64,
    /// Wall time of the whole command, seconds (filled by the writer).
    pub total_s: f64,
}

/// Everything an evaluation computed.
#[derive(Debug)]
pub struct Evaluation {
    /// The effective config.
    pub config: Config,
    /// The data set.
    pub dataset: Dataset,
    /// Float side.
    pub float: FloatSide,
    /// Effective depths.
    pub depths: Depths,
    /// Every run, ordered by projection (config order), bits, seed.
    pub runs: Vec<Run>,
    /// Summaries.
    pub summary: Vec<SummaryRow>,
    /// Verdicts.
    pub verdicts: Vec<Verdict>,
    /// Cost model per width.
    pub cost: Vec<Cost>,
    /// Warnings raised (clamped k, criteria not evaluated, skipped metrics, …).
    pub warnings: Vec<String>,
    /// The spot-check of the ground-truth file.
    pub gt_check: GtCheck,
    /// The error-level notice when no criterion could be evaluated.
    pub unreachable: Option<String>,
    /// Which width and projection to choose.
    pub recommendation: Recommendation,
    /// Worker threads used.
    pub threads: usize,
    /// Timings.
    pub timings: Timings,
    /// The precomputed base codes evaluated (`eval --codes`), if any.
    pub base_codes: Option<crate::engine::sidecar::FileRef>,
    /// The float baseline of the judged query set, if the data set has one.
    pub judged_float: Option<JudgedFloat>,
    /// Judged summaries per (projection, bits, mode, metric).
    pub judged_summary: Vec<JudgedSummary>,
}

impl Evaluation {
    /// The summary of (projection, bits, metric).
    pub fn summary_of(&self, projection: &str, bits: usize, metric: &str) -> Option<&SummaryRow> {
        self.summary
            .iter()
            .find(|s| s.projection == projection && s.bits == bits && s.metric == metric)
    }

    /// Criteria that could not be evaluated (their width, projection or metric is not in the run).
    pub fn unevaluated(&self) -> usize {
        self.verdicts.iter().filter(|v| v.mean.is_none()).count()
    }

    /// The overall H1 outcome: `fail` if any criterion fails, `pass` if all pass, else
    /// `inconclusive` (also with no criteria).
    pub fn overall(&self) -> Outcome {
        if self.verdicts.iter().any(|v| v.outcome == Outcome::Fail) {
            Outcome::Fail
        } else if !self.verdicts.is_empty()
            && self.verdicts.iter().all(|v| v.outcome == Outcome::Pass)
        {
            Outcome::Pass
        } else {
            Outcome::Inconclusive
        }
    }
}

/// Clamps the metric depths to the data set and records warnings.
pub fn depths(m: &MetricsSpec, n_base: usize, warnings: &mut Vec<String>) -> Depths {
    let mut clamp = |name: &str, v: usize| {
        if v > n_base {
            warnings.push(format!(
                "{name} = {v} is larger than the base set ({n_base} rows): clamped to {n_base}"
            ));
            n_base
        } else {
            v
        }
    };
    let k = clamp("metrics.k", m.k);
    let candidates = clamp("metrics.candidates", m.candidates);
    let knn_k = clamp("metrics.knn_k", m.knn_k);
    for &r in &m.recall_k {
        if r > n_base {
            warnings.push(format!(
                "recall@{r}: k is larger than the base set ({n_base} rows): computed at k = {n_base}"
            ));
        }
    }
    Depths {
        k,
        candidates,
        knn_k,
        hamming: m.hamming_depth().min(n_base),
        gt: m.gt_depth().min(n_base),
    }
}

/// Computes the float side: ground truth (from the file when deep enough, else exact search),
/// norms, the pair sample and the float kNN accuracy.
pub fn float_side(
    ds: &Dataset,
    m: &MetricsSpec,
    d: &Depths,
    threads: usize,
    warnings: &mut Vec<String>,
) -> FloatSide {
    let (nq, nb) = (ds.queries.rows, ds.base.rows);
    let sims = (nq.saturating_mul(nb) <= SIMS_LIMIT)
        .then(|| groundtruth::similarity_matrix(&ds.base, &ds.queries, threads));
    let computed = || match &sims {
        Some(s) => groundtruth::topk_of_matrix(s, nb, d.gt, threads),
        None => groundtruth::exact_topk(&ds.base, &ds.queries, d.gt, threads),
    };
    let (gt, gt_source) = match &ds.gt {
        Some(g) if g.k >= d.gt => (
            Neighbors {
                k: d.gt,
                ids: (0..nq)
                    .flat_map(|q| g.query(q)[..d.gt].iter().copied())
                    .collect(),
            },
            GtSource::File,
        ),
        other => {
            if let Some(g) = other {
                warnings.push(format!(
                    "the ground-truth file has {} neighbours per query, the metrics need {}: computed exactly instead",
                    g.k, d.gt
                ));
            }
            (computed(), GtSource::Computed)
        }
    };
    let mut fs = FloatSide {
        gt,
        gt_source,
        qnorm: groundtruth::row_norms(&ds.queries),
        bnorm: groundtruth::row_norms(&ds.base),
        sims,
        ideal_gains: Vec::new(),
        pairs: Vec::new(),
        pair_cos: Vec::new(),
        pair_theta_pi: Vec::new(),
        knn_acc_float: None,
    };
    fs.ideal_gains = (0..nq)
        .flat_map(|q| {
            let fs = &fs;
            fs.gt.query(q)[..d.k]
                .iter()
                .map(move |&b| fs.cos(ds, q, b as usize).max(0.0))
        })
        .collect();
    fs.pairs = sample_pairs(m, &fs.gt, nq, nb, d.candidates);
    fs.pair_cos = fs
        .pairs
        .iter()
        .map(|&(q, b)| fs.cos(ds, q as usize, b as usize))
        .collect();
    fs.pair_theta_pi = fs
        .pair_cos
        .iter()
        .map(|c| c.acos() / std::f64::consts::PI)
        .collect();
    fs.knn_acc_float = match (&ds.base_labels, &ds.query_labels) {
        (Some(bl), Some(ql)) => Some(knn_accuracy(ql, bl, |q| &fs.gt.query(q)[..d.knn_k])),
        _ => None,
    };
    fs
}

const TAG_PAIRS: [u8; 8] = *b"pairsmpl";

/// The seeded pair sample: each pair picks a uniform query, then with probability
/// `pair_neighbor_fraction` a uniform rank of its float top-`candidates`, else a uniform base
/// row.
fn sample_pairs(
    m: &MetricsSpec,
    gt: &Neighbors,
    nq: usize,
    nb: usize,
    candidates: usize,
) -> Vec<(u32, u32)> {
    let mut s = binaryllm_core::rng::SeededStream::new(m.pair_seed, TAG_PAIRS, 0);
    let mut next = move || u64::from(s.next_u32());
    let uniform = |w: u64, n: usize| ((w * n as u64) >> 32) as usize;
    let depth = candidates.min(gt.k).max(1);
    let threshold = (m.pair_neighbor_fraction * 4_294_967_296.0) as u64;
    (0..m.pair_sample)
        .map(|_| {
            let q = uniform(next(), nq);
            let b = if next() < threshold {
                gt.query(q)[uniform(next(), depth)] as usize
            } else {
                uniform(next(), nb)
            };
            (q as u32, b as u32)
        })
        .collect()
}

/// Majority-vote accuracy: `neighbours(q)` are the ids voting for query `q`.
fn knn_accuracy<'a>(ql: &[i64], bl: &[i64], neighbours: impl Fn(usize) -> &'a [u32] + Sync) -> f64 {
    let hits: Vec<bool> = (0..ql.len())
        .into_par_iter()
        .map(|q| {
            let votes: Vec<i64> = neighbours(q).iter().map(|&i| bl[i as usize]).collect();
            metrics::majority_vote(&votes) == Some(ql[q])
        })
        .collect();
    hits.iter().filter(|&&h| h).count() as f64 / ql.len().max(1) as f64
}

/// The first `bits` bits of every code (narrower codes of the same seed are prefixes: row `r`
/// of a seeded projection does not depend on the width).
pub fn truncate(codes: &CodeMatrix, bits: usize) -> Result<CodeMatrix> {
    let layout = CodeLayout::new(bits)?;
    let (wn, wo) = (layout.words(), codes.layout().words());
    anyhow::ensure!(
        bits <= codes.layout().bits(),
        "cannot widen {} to {bits} bits",
        codes.layout().bits()
    );
    let mask = layout.last_word_mask();
    let mut words = Vec::with_capacity(codes.len() * wn);
    for c in codes.words().chunks_exact(wo) {
        words.extend_from_slice(&c[..wn]);
        if let Some(last) = words.last_mut() {
            *last &= mask;
        }
    }
    Ok(CodeMatrix::new(layout, words)?)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Precomputed base codes to evaluate (`eval --codes`) and the projector that made them.
#[derive(Debug)]
pub struct BaseCodes {
    /// One code per base row, at the config's single width.
    pub codes: CodeMatrix,
    /// The projection of the codes: encodes (and projects) the queries.
    pub projector: Projector,
    /// Encode the queries with the fused arithmetic (the codes were made with `--fma`).
    pub fused: bool,
}

/// Runs the evaluation of `valid` (a config that passed [`crate::config::validate`]) on `ds`.
pub fn evaluate(valid: &ValidConfig, ds: Dataset, reporter: &dyn Progress) -> Result<Evaluation> {
    evaluate_with_codes(valid, ds, reporter, None)
}

/// [`evaluate`], with the base codes of the config's one (projection, bits, seed) taken from
/// `base` instead of encoding the base vectors.
pub fn evaluate_with_codes(
    valid: &ValidConfig,
    ds: Dataset,
    reporter: &dyn Progress,
    base: Option<&BaseCodes>,
) -> Result<Evaluation> {
    let config = valid.config();
    if let Some(b) = base {
        check_base_codes(config, &ds, b)?;
    }
    let pool = engine::threads::pool(config.threads)
        .map_err(|e| anyhow::anyhow!("{}: threads = {}: {e}", Stage::Config, config.threads))?;
    let threads = pool.current_num_threads();
    pool.install(|| evaluate_inner(valid, ds, reporter, threads, base))
}

/// Precomputed codes serve exactly one run: one projection, seed and width, one code per base
/// row, a projector of the base's dims and that width.
fn check_base_codes(config: &Config, ds: &Dataset, b: &BaseCodes) -> Result<()> {
    let one = config.projections.len() == 1 && config.seeds.len() == 1 && config.bits.len() == 1;
    anyhow::ensure!(
        one,
        "{}: precomputed base codes need exactly one projection, seed and width",
        Stage::Config
    );
    let bits = b.codes.layout().bits();
    anyhow::ensure!(
        config.bits == [bits] && b.projector.bits() == bits,
        "{}: the base codes have {bits} bits, the config asks for {:?}",
        Stage::Config,
        config.bits
    );
    anyhow::ensure!(
        b.codes.len() == ds.base.rows && b.projector.dims() == ds.base.cols,
        "{}: {} codes of a {}-dim projection for {} base rows of {} dims",
        Stage::Load,
        b.codes.len(),
        b.projector.dims(),
        ds.base.rows,
        ds.base.cols
    );
    Ok(())
}

fn evaluate_inner(
    valid: &ValidConfig,
    ds: Dataset,
    reporter: &dyn Progress,
    threads: usize,
    base: Option<&BaseCodes>,
) -> Result<Evaluation> {
    let config = valid.config();
    let mut warnings = Vec::new();
    let pre = prepare(config, &ds, reporter, threads, &mut warnings)?;
    let mut widths = config.bits.clone();
    widths.sort_unstable();
    widths.last().context("no code widths")?;
    let plans = run::plans(
        &valid.projections,
        &widths,
        ds.base.cols,
        reporter,
        &mut warnings,
    )?;
    let cx = RunContext {
        config,
        ds: &ds,
        float: &pre.float,
        depths: &pre.depths,
        threads,
        reporter,
        base,
        judged: pre.judged.as_ref(),
        widest: widths.last().copied().unwrap_or(0),
    };
    let mut done = cx.run_all(&plans)?;
    sort_runs(config, &mut done.runs);
    let c = conclude(&cx, &widths, &done.runs, &mut warnings);
    let timings = Timings {
        load_s: 0.0,
        gt_check_s: pre.gt_check_s,
        float_side_s: pre.float_side_s,
        runs_s: done.runs_s,
        encode_s: done.encode_s,
        project_s: done.project_s,
        search_s: done.runs.iter().map(|r| r.timings.search_s).sum(),
        metrics_s: done.runs.iter().map(|r| r.timings.metrics_s).sum(),
        output_s: 0.0,
        total_s: 0.0,
    };
    Ok(Evaluation {
        config: config.clone(),
        dataset: ds,
        float: pre.float,
        depths: pre.depths,
        runs: done.runs,
        summary: c.summary,
        verdicts: c.verdicts,
        cost: c.cost,
        warnings,
        gt_check: pre.gt_check,
        unreachable: c.unreachable,
        recommendation: c.recommendation,
        threads,
        timings,
        base_codes: None,
        judged_float: pre.judged,
        judged_summary: c.judged_summary,
    })
}

/// What the runs need before the first one: the depths, the checked ground truth and the
/// float side (with the seconds spent on each).
struct Prepared {
    depths: Depths,
    gt_check: GtCheck,
    gt_check_s: f64,
    float: FloatSide,
    float_side_s: f64,
    judged: Option<JudgedFloat>,
}

/// Clamps the depths, spot-checks the ground-truth file and computes the float side; every
/// warning raised is reported and pushed onto `warnings`.
fn prepare(
    config: &Config,
    ds: &Dataset,
    reporter: &dyn Progress,
    threads: usize,
    warnings: &mut Vec<String>,
) -> Result<Prepared> {
    let m = &config.metrics;
    let nwarn = warnings.len();
    let depths = depths(m, ds.base.rows, warnings);
    warnings.extend(label_warning(config, ds));
    for w in &warnings[nwarn..] {
        reporter.warn(w);
    }
    let t = Instant::now();
    let gt_check = check_ground_truth(config, ds, &depths, threads, reporter)?;
    let gt_check_s = secs(t);
    let t = Instant::now();
    reporter.stage(&format!(
        "ground truth: exact float top-{} of {} queries over {} base rows",
        depths.gt, ds.queries.rows, ds.base.rows
    ));
    let nwarn = warnings.len();
    let float = float_side(ds, m, &depths, threads, warnings);
    let judged = ds
        .judged
        .as_ref()
        .map(|task| judged_float(ds, task, m.pair_seed, threads, reporter, warnings));
    for w in &warnings[nwarn..] {
        reporter.warn(w);
    }
    Ok(Prepared {
        depths,
        gt_check,
        gt_check_s,
        float,
        float_side_s: secs(t),
        judged,
    })
}

/// The float baseline of the judged set `task` (reported), with a warning when some of its
/// queries have no relevant document.
fn judged_float(
    ds: &Dataset,
    task: &JudgedTask,
    seed: u64,
    threads: usize,
    reporter: &dyn Progress,
    warnings: &mut Vec<String>,
) -> JudgedFloat {
    let f = JudgedFloat::of(ds, task, seed, threads);
    let q = &task.qrels;
    reporter.stage(&format!(
        "judged: {} queries ({}), {} judgments; float nDCG@10 {:.4}, MRR@10 {:.4}",
        q.queries(),
        task.source,
        q.len(),
        f.mean.ndcg_10,
        f.mean.mrr_10
    ));
    let none = q.queries_without_relevant();
    if none > 0 {
        warnings.push(format!(
            "{none} of {} judged queries in {} have no relevant document (rel > 0): every metric scores them 0 (the trec_eval / ir-measures convention)",
            q.queries(),
            task.qrels_file()
        ));
    }
    f
}

/// Orders the runs by projection (config order), bits ascending, seed (config order).
fn sort_runs(config: &Config, runs: &mut [Run]) {
    let order = |r: &Run| {
        (
            config
                .projections
                .iter()
                .position(|p| p.label() == r.projection)
                .unwrap_or(0),
            r.bits,
            config.seeds.iter().position(|&s| s == r.seed).unwrap_or(0),
        )
    };
    runs.sort_by_key(order);
}

/// What an evaluation concludes from its runs.
struct Conclusions {
    summary: Vec<SummaryRow>,
    judged_summary: Vec<JudgedSummary>,
    verdicts: Vec<Verdict>,
    unreachable: Option<String>,
    cost: Vec<Cost>,
    recommendation: Recommendation,
}

/// Summarises the runs across seeds, judges the criteria (warnings reported and pushed onto
/// `warnings`, the unreachable notice as an error) and recommends a width.
fn conclude(
    cx: &RunContext<'_>,
    widths: &[usize],
    runs: &[Run],
    warnings: &mut Vec<String>,
) -> Conclusions {
    let config = cx.config;
    let (summary, judged_summary) = summarize_runs(config, widths, runs, cx.judged);
    let nwarn = warnings.len();
    warnings.extend(null_metric_warnings(config, runs));
    let widest = widths.last().copied().unwrap_or(0);
    let verdicts = judge(config, widest, &summary, warnings);
    for w in &warnings[nwarn..] {
        cx.reporter.warn(w);
    }
    let unreachable = (!verdicts.is_empty() && verdicts.iter().all(|v| v.mean.is_none()))
        .then(|| unreachable_notice(config, widths, &summary));
    if let Some(n) = &unreachable {
        cx.reporter.error(n);
        warnings.push(n.clone());
    }
    let (dims, rows) = (cx.ds.base.cols, cx.ds.base.rows);
    let cost: Vec<Cost> = widths
        .iter()
        .map(|&bits| cost_model(bits, dims, rows, &config.metrics, cx.depths.k))
        .collect();
    let recommendation = recommend::recommend(config, widths, &summary, &cost);
    Conclusions {
        summary,
        judged_summary,
        verdicts,
        unreachable,
        cost,
        recommendation,
    }
}

/// The warning when `knn_acc` cannot be computed for lack of labels (flags or config keys named
/// as the user gave them).
fn label_warning(config: &Config, ds: &Dataset) -> Option<String> {
    let cli = config.dataset.from_command_line;
    let name = |role: &str| {
        if cli {
            format!("--{}", role.replace('_', "-"))
        } else {
            format!("dataset.{role}")
        }
    };
    let why = match (ds.base_labels.is_some(), ds.query_labels.is_some()) {
        (true, true) => return None,
        (true, false) => format!(
            "{} given without {}",
            name("base_labels"),
            name("query_labels")
        ),
        (false, true) => format!(
            "{} given without {}",
            name("query_labels"),
            name("base_labels")
        ),
        (false, false) if cli => {
            "no labels (give --base-labels and --query-labels to measure it)".to_string()
        }
        (false, false) if config.dataset.id.is_some() => {
            format!("the data set `{}` has no labels", ds.id)
        }
        (false, false) => {
            "no labels (set dataset.base_labels and dataset.query_labels to measure it)".into()
        }
    };
    Some(format!("knn_acc skipped: {why}"))
}

/// A warning for every metric (other than `knn_acc`, see [`label_warning`]) that is undefined
/// (`null`) in some runs, with the reason.
fn null_metric_warnings(config: &Config, runs: &[Run]) -> Vec<String> {
    let m = &config.metrics;
    let mut out = Vec::new();
    for key in m.metric_keys().iter().filter(|k| *k != "knn_acc") {
        let null = runs
            .iter()
            .filter(|r| r.metric(key).is_none_or(|v| !v.is_finite()))
            .count();
        if null == 0 {
            continue;
        }
        let why = match key.as_str() {
            "theta_pi_mae" | "theta_pi_bins_inside" => format!(
                "no θ/π bin holds metrics.calibration_min_pairs = {} of the {} sampled pairs",
                m.calibration_min_pairs, m.pair_sample
            ),
            "spearman" | "pearson" | "kendall" => {
                "the float cosines or the Hamming estimates of the sampled pairs are constant"
                    .into()
            }
            _ => "no query gave a value".into(),
        };
        out.push(format!(
            "{key} skipped in {null} of {} runs: {why}",
            runs.len()
        ));
    }
    out
}

/// Spot-checks a ground-truth file against an exact search of a seeded sample of queries
/// ([`groundtruth::spot_check`]); a disagreement is a load-stage error.
fn check_ground_truth(
    config: &Config,
    ds: &Dataset,
    d: &Depths,
    threads: usize,
    reporter: &dyn Progress,
) -> Result<GtCheck> {
    let Some(g) = &ds.gt else {
        return Ok(GtCheck::skipped("no ground-truth file"));
    };
    if config.dataset.trust_gt {
        return Ok(GtCheck::skipped("trusted (--trust-gt or dataset.trust_gt)"));
    }
    if g.k < d.gt {
        return Ok(GtCheck::skipped(
            "the file is not used: it is shallower than the metrics need",
        ));
    }
    let seed = config.metrics.pair_seed;
    let rows = groundtruth::sample_rows(ds.queries.rows, groundtruth::GT_CHECK_SAMPLE, seed);
    reporter.stage(&format!(
        "ground truth: spot-checking the top-{} of {} queries of the file against an exact search",
        d.gt,
        rows.len()
    ));
    if let Err(m) = groundtruth::spot_check(&ds.base, &ds.queries, g, d.gt, &rows, threads) {
        let ids = |v: &[u32]| {
            let end = (m.rank + 3).max(10).min(v.len());
            let more = if end < v.len() { ", …" } else { "" };
            format!("[{}{more}]", join(&v[..end]))
        };
        let hint = if config.dataset.from_command_line {
            "use --trust-gt to skip this check"
        } else {
            "use --trust-gt or set trust_gt = true in the config's dataset table to skip this check"
        };
        anyhow::bail!(
            "{}: ground truth {} disagrees with an exact search at query row {}: file {} vs exact {} \
             (rank {}: id {} has inner product {:.6}, the exact id {} has {:.6}) ({hint})",
            Stage::Load,
            file_of(ds, "gt"),
            m.row,
            ids(&m.file),
            ids(&m.exact),
            m.rank,
            m.file[m.rank],
            m.file_score,
            m.exact[m.rank],
            m.exact_score
        );
    }
    Ok(GtCheck {
        ran: true,
        sample: rows.len(),
        depth: d.gt,
        tolerance: groundtruth::GT_CHECK_TOLERANCE,
        skipped: None,
    })
}

fn file_of(ds: &Dataset, role: &str) -> String {
    ds.files
        .iter()
        .find(|f| f.role == role)
        .map(|f| f.path.clone())
        .unwrap_or_else(|| format!("{} ({role})", ds.id))
}

/// The summary rows of every (projection, bits, metric) — the judged keys after the others of
/// each (projection, bits) — and the judged summaries.
fn summarize_runs(
    config: &Config,
    widths: &[usize],
    runs: &[Run],
    judged: Option<&JudgedFloat>,
) -> (Vec<SummaryRow>, Vec<JudgedSummary>) {
    let keys = config.metrics.metric_keys();
    let mut out = Vec::new();
    let mut judged_out = Vec::new();
    for p in &config.projections {
        for &bits in widths {
            let group: Vec<&Run> = runs
                .iter()
                .filter(|r| r.projection == p.label() && r.bits == bits)
                .collect();
            // Widths a kind cannot make (pca/itq above the input dimensions) have no runs.
            if group.is_empty() {
                continue;
            }
            for key in &keys {
                let xs: Vec<f64> = group.iter().filter_map(|r| r.metric(key)).collect();
                out.push(SummaryRow {
                    projection: p.label().to_string(),
                    bits,
                    metric: key.clone(),
                    stats: {
                        let (lo, hi) = metrics::range(key);
                        stats::summarize(&xs).clipped(lo, hi)
                    },
                });
            }
            if let Some(float) = judged {
                let js: Vec<&RunJudged> = group.iter().filter_map(|r| r.judged.as_ref()).collect();
                let rows = judged::runs::summarize(p.label(), bits, &js, float);
                push_judged_rows(&rows, &mut out);
                judged_out.extend(rows);
            }
        }
    }
    (out, judged_out)
}

/// The summary rows of the judged summaries `rows` (one mode after another; per mode the
/// `judged`, `retained` and `noninferior` keys of every metric, as
/// [`MetricsSpec::judged_keys`] orders them).
fn push_judged_rows(rows: &[JudgedSummary], out: &mut Vec<SummaryRow>) {
    for mode in rows.chunks(config::JUDGED_METRICS.len()) {
        for what in ["judged", "retained", "noninferior"] {
            for r in mode {
                out.push(SummaryRow {
                    projection: r.projection.clone(),
                    bits: r.bits,
                    metric: r.key(what),
                    stats: match what {
                        "judged" => r.judged,
                        "retained" => r.retained,
                        _ => r.relative,
                    },
                });
            }
        }
    }
}

fn judge(
    config: &Config,
    widest: usize,
    summary: &[SummaryRow],
    warnings: &mut Vec<String>,
) -> Vec<Verdict> {
    config
        .h1
        .criteria
        .iter()
        .map(|c| {
            let bits = c.bits.resolve(widest);
            let row = summary
                .iter()
                .find(|s| s.projection == c.projection && s.bits == bits && s.metric == c.metric);
            let (outcome, reason, s) = match row.filter(|r| r.stats.n > 0) {
                None => {
                    let reason = format!(
                        "not evaluated: metric `{}` of projection `{}` at {bits} bits {}",
                        c.metric,
                        c.projection,
                        if row.is_some() {
                            "has no value in this run (see the warnings)"
                        } else {
                            "is not in this run"
                        }
                    );
                    warnings.push(format!("criterion {} {bits}: {reason}", c.metric));
                    (Outcome::Inconclusive, reason, None)
                }
                Some(r) if is_noninferiority(&c.metric) => {
                    // A paired bootstrap interval over the queries: it exists with one seed.
                    let o = stats::verdict_interval(&r.stats, c.comparison, c.threshold);
                    (o, noninferiority_reason(c, &r.stats, o), Some(r.stats))
                }
                Some(r) => {
                    let o = stats::verdict(&r.stats, c.comparison, c.threshold);
                    (o, verdict_reason(c, &r.stats, o), Some(r.stats))
                }
            };
            Verdict {
                criterion: Criterion {
                    bits: CriterionBits::Width(bits),
                    ..c.clone()
                },
                bits_max: c.bits == CriterionBits::Max,
                mean: s.map(|s| s.mean),
                ci95_low: s.map(|s| s.ci95_low).filter(|v| v.is_finite()),
                ci95_high: s.map(|s| s.ci95_high).filter(|v| v.is_finite()),
                n: s.map_or(0, |s| s.n),
                outcome,
                reason,
            }
        })
        .collect()
}

/// Whether `metric` is a `<metric>/noninferior[/<mode>]` key.
fn is_noninferiority(metric: &str) -> bool {
    metric.split('/').nth(1) == Some("noninferior")
}

/// The reason of a non-inferiority verdict: the test, the margin and the interval.
fn noninferiority_reason(c: &Criterion, s: &Summary, o: Outcome) -> String {
    let mut parts = c.metric.splitn(3, '/');
    let metric = parts.next().unwrap_or_default();
    let mode = parts.nth(1).unwrap_or("hamming");
    let test = format!(
        "non-inferiority of {mode} {metric} to float: paired bootstrap 95% CI of (binary − float) / float over the judged queries, pooled over {} seed(s), is [{:.4}, {:.4}]",
        s.n, s.ci95_low, s.ci95_high
    );
    let (op, t) = (c.comparison.symbol(), c.threshold);
    let margin = if c.comparison == config::Comparison::Gt || c.comparison == config::Comparison::Ge
    {
        format!(" (margin δ = {:.4} of the float value)", -t)
    } else {
        String::new()
    };
    match o {
        Outcome::Pass => format!("{test}: its lower bound is {op} {t}{margin}: non-inferior"),
        Outcome::Fail => format!("{test}: the whole interval fails {op} {t}{margin}: inferior"),
        Outcome::Inconclusive => {
            format!("{test}: it straddles {t}{margin}: non-inferiority not shown")
        }
    }
}

fn verdict_reason(c: &Criterion, s: &Summary, o: Outcome) -> String {
    let (op, t) = (c.comparison.symbol(), c.threshold);
    match o {
        _ if s.n < 2 => format!("{} seed(s): a confidence interval needs at least 2", s.n),
        Outcome::Pass => format!(
            "the whole 95% CI [{:.4}, {:.4}] is {op} {t}",
            s.ci95_low, s.ci95_high
        ),
        Outcome::Fail => format!(
            "no part of the 95% CI [{:.4}, {:.4}] is {op} {t}",
            s.ci95_low, s.ci95_high
        ),
        Outcome::Inconclusive => format!(
            "the 95% CI [{:.4}, {:.4}] straddles {t}",
            s.ci95_low, s.ci95_high
        ),
    }
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

/// The error-level notice when none of the criteria could be evaluated: what they need and
/// what this run has.
fn unreachable_notice(config: &Config, widths: &[usize], summary: &[SummaryRow]) -> String {
    let widest = widths.last().copied().unwrap_or(0);
    let mut need_bits: Vec<usize> = Vec::new();
    let mut need_proj: Vec<&str> = Vec::new();
    let mut need_metric: Vec<&str> = Vec::new();
    let mut no_runs: Vec<String> = Vec::new();
    let keys = config.metrics.metric_keys();
    let labels: Vec<&str> = config.projections.iter().map(|p| p.label()).collect();
    for c in &config.h1.criteria {
        let bits = c.bits.resolve(widest);
        if !widths.contains(&bits) {
            need_bits.push(bits);
        } else if !labels.contains(&c.projection.as_str()) {
            need_proj.push(&c.projection);
        } else if !keys.contains(&c.metric) {
            need_metric.push(&c.metric);
        } else {
            let has = summary.iter().any(|s| {
                s.projection == c.projection
                    && s.bits == bits
                    && s.metric == c.metric
                    && s.stats.n > 0
            });
            if !has {
                no_runs.push(format!("{} of {} at {bits} bits", c.metric, c.projection));
            }
        }
    }
    for v in [&mut need_proj, &mut need_metric] {
        v.sort_unstable();
        v.dedup();
    }
    need_bits.sort_unstable();
    need_bits.dedup();
    let mut parts = Vec::new();
    if !need_bits.is_empty() {
        parts.push(format!(
            "criteria need bits {} (this run: {}); add {} to --bits, or use bits = \"max\" in the config's h1.criteria",
            join(&need_bits),
            join(widths),
            join(&need_bits)
        ));
    }
    if !need_proj.is_empty() {
        parts.push(format!(
            "criteria need projection {} (this run: {}); add it to --projection",
            join(&need_proj),
            join(&labels)
        ));
    }
    if !need_metric.is_empty() {
        parts.push(format!(
            "criteria need metric {} (this run makes: {}); check --k and the criteria's metric",
            join(&need_metric),
            join(&keys)
        ));
    }
    if !no_runs.is_empty() {
        parts.push(format!(
            "no value for {} (see the warnings above)",
            no_runs.join(", ")
        ));
    }
    format!("no H1 criterion could be evaluated: {}", parts.join("; "))
}

/// The resource model of one width.
pub fn cost_model(bits: usize, dims: usize, n_base: usize, m: &MetricsSpec, k: usize) -> Cost {
    let bytes_float = dims * 4;
    let bytes_binary = bits.div_ceil(8);
    Cost {
        bits,
        bytes_float,
        bytes_binary,
        compression: bytes_float as f64 / bytes_binary as f64,
        float_madds_per_query: (n_base * dims) as u64,
        binary_word_ops_per_query: (n_base * bits.div_ceil(64)) as u64,
        rerank_madds_per_query: m
            .rerank_oversample
            .iter()
            .map(|&mm| (mm, (k * mm * dims) as u64))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectionSpec;
    use crate::projection::Spec;
    use binaryllm_core::{DenseProjection, ProjectionKind, SeededProjection, Threshold};

    /// The projection matrix `[bits, dims]` of a config entry.
    /// (Kinds that need no training data; `hadamard`: the core's materialisation.)
    fn materialize(spec: &ProjectionSpec, seed: u64, dims: usize, bits: usize) -> Result<Vec<f32>> {
        let kind = spec.host_kind()?;
        let p = Projector::build(
            Spec {
                kind,
                bits,
                options: spec.options(seed),
            },
            dims,
            &[],
        )?;
        Ok(p.dense_matrix()?)
    }

    #[test]
    fn narrower_codes_are_prefixes_of_wider_ones() {
        let dims = 24;
        let mut s = binaryllm_core::rng::SeededStream::new(3, *b"testdata", 0);
        let x: Vec<f32> = (0..40 * dims).map(|_| s.next_symmetric_uniform()).collect();
        for kind in ProjectionKind::ALL {
            let spec = ProjectionSpec::of_kind(kind.name());
            let wide = materialize(&spec, 5, dims, 200).unwrap();
            let wide = DenseProjection::new(&wide, dims, 200).unwrap();
            let codes = engine::encode_matrix(&wide, Threshold::Zero, &x, 1).unwrap();
            for bits in [1, 63, 64, 65, 130] {
                let p = SeededProjection::new(kind, 5, dims, bits).unwrap();
                let direct = engine::encode_matrix(&p, Threshold::Zero, &x, 1).unwrap();
                assert_eq!(truncate(&codes, bits).unwrap(), direct, "{kind:?} {bits}");
            }
        }
    }

    #[test]
    fn depths_clamp_with_warnings() {
        let m = MetricsSpec::default();
        let mut w = Vec::new();
        let d = depths(&m, 50, &mut w);
        assert_eq!((d.k, d.candidates, d.hamming, d.gt), (10, 50, 50, 50));
        assert!(
            w.iter().any(|s| s.contains("metrics.candidates = 100")),
            "{w:?}"
        );
    }

    #[test]
    fn cost_model_numbers() {
        let c = cost_model(256, 384, 1000, &MetricsSpec::default(), 10);
        assert_eq!((c.bytes_float, c.bytes_binary), (1536, 32));
        assert_eq!(c.compression, 48.0);
        assert_eq!(c.binary_word_ops_per_query, 4000);
        assert_eq!(c.float_madds_per_query, 384_000);
        assert_eq!(c.rerank_madds_per_query[0], (2, 7680));
    }
}
