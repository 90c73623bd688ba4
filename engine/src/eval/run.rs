//! The runs of an evaluation: for every projection × seed × width group, encode once at the
//! group's widest width, then search and measure each width ([`RunContext::run_all`]).
//!
//! Everything a run reads that does not change between runs is in one [`RunContext`]; what
//! one width group shares (its codes and query projections) is a [`GroupInputs`].

use crate::Stage;
use std::time::Instant;

use anyhow::{Context, Result};
use binaryllm_core::hamming::distance_words;
use rayon::prelude::*;

use crate::config::{Config, ValidProjection};
use crate::dataset::Dataset;
use crate::engine::{self, CodeMatrix, KnnResult};
use crate::eval::judged::runs::{JudgedFloat, RunInputs, RunJudged};
use crate::eval::judged::trec;
use crate::eval::metrics::{self, Calibration};
use crate::eval::{
    AsymScorer, BaseCodes, Depths, FloatSide, Run, RunTimings, file_of, secs, truncate,
};
use crate::progress::Progress;
use crate::projection::learn::LearnedKind;
use crate::projection::{Kind, Projector, Spec};

/// What every run of one evaluation reads.
pub(crate) struct RunContext<'a> {
    /// The validated config.
    pub config: &'a Config,
    /// The data set.
    pub ds: &'a Dataset,
    /// The float-side quantities.
    pub float: &'a FloatSide,
    /// The effective metric depths.
    pub depths: &'a Depths,
    /// Worker threads.
    pub threads: usize,
    /// Progress and warnings.
    pub reporter: &'a dyn Progress,
    /// Precomputed base codes (`eval --codes`), if any.
    pub base: Option<&'a BaseCodes>,
    /// The float baseline of the judged set, if the data set has one.
    pub judged: Option<&'a JudgedFloat>,
    /// The widest width of the evaluation (which runs get TREC run files).
    pub widest: usize,
}

/// The widths one config entry runs, grouped by the projector that serves them.
pub(crate) struct Plan<'a> {
    spec: &'a ValidProjection,
    kind: Kind,
    /// One projector (and encoding) per group, at the group's last (widest) width.
    groups: Vec<Vec<usize>>,
}

/// The runs and the time spent in their shared parts.
pub(crate) struct Runs {
    /// Every run, in execution order.
    pub runs: Vec<Run>,
    /// Encoding base + queries, summed over groups, seconds.
    pub encode_s: f64,
    /// Projecting the queries, summed over groups, seconds.
    pub project_s: f64,
    /// All runs, seconds.
    pub runs_s: f64,
}

/// What the widths of one (projection, seed, group) share.
struct GroupInputs<'a> {
    spec: &'a ValidProjection,
    seed: u64,
    /// The widest width of the group (the codes' and `yq`'s width).
    top: usize,
    codes: GroupCodes<'a>,
    query_codes: CodeMatrix,
    /// Query projections relative to the thresholds, `[queries × top]`.
    yq: Vec<f32>,
    /// The judged queries' codes and projections, with a judged set.
    judged: Option<(CodeMatrix, Vec<f32>)>,
    encode_s: f64,
}

/// The projector and base codes of one (projection, seed, widest width).
enum GroupCodes<'a> {
    /// `eval --codes`: precomputed.
    Given(&'a BaseCodes),
    /// Trained on and encoded from the base vectors.
    Built(Box<(Projector, CodeMatrix)>),
}

impl GroupCodes<'_> {
    fn parts(&self) -> (&Projector, &CodeMatrix) {
        match self {
            GroupCodes::Given(b) => (&b.projector, &b.codes),
            GroupCodes::Built(b) => (&b.0, &b.1),
        }
    }
}

/// The widths (ascending) each of the `projections` can make: pca and itq need bits <= `dims`
/// (the others any width); a warning for each entry that loses widths.
pub(crate) fn plans<'a>(
    projections: &'a [ValidProjection],
    widths: &[usize],
    dims: usize,
    reporter: &dyn Progress,
    warnings: &mut Vec<String>,
) -> Result<Vec<Plan<'a>>> {
    let mut plans = Vec::with_capacity(projections.len());
    for spec in projections {
        let kind = spec.kind;
        let capped = matches!(kind, Kind::Learned(LearnedKind::Pca | LearnedKind::Itq));
        let usable: Vec<usize> = widths
            .iter()
            .copied()
            .filter(|&b| !capped || b <= dims)
            .collect();
        if usable.len() < widths.len() {
            let w = format!(
                "projection `{}` ({}) needs bits <= dims = {dims}: widths above {dims} are skipped",
                spec.label(),
                spec.kind
            );
            reporter.warn(&w);
            warnings.push(w);
        }
        // ITQ learns a rotation per width; every other kind's narrower codes are prefixes of
        // its widest code (same rows, same thresholds), so one projector serves every width.
        let groups: Vec<Vec<usize>> = if kind == Kind::Learned(LearnedKind::Itq) {
            usable.iter().map(|&b| vec![b]).collect()
        } else if usable.is_empty() {
            Vec::new()
        } else {
            vec![usable]
        };
        plans.push(Plan { spec, kind, groups });
    }
    Ok(plans)
}

impl RunContext<'_> {
    /// Every run of `plans`: projection (config order), seed, group, width; progress reported.
    pub(crate) fn run_all(&self, plans: &[Plan<'_>]) -> Result<Runs> {
        let total: usize = plans
            .iter()
            .map(|p| p.groups.iter().map(Vec::len).sum::<usize>() * self.config.seeds.len())
            .sum();
        self.reporter.start_runs(total as u64);
        let t_runs = Instant::now();
        let mut out = Runs {
            runs: Vec::with_capacity(total),
            encode_s: 0.0,
            project_s: 0.0,
            runs_s: 0.0,
        };
        for plan in plans {
            for &seed in &self.config.seeds {
                for group in &plan.groups {
                    self.run_group(plan, seed, group, &mut out)?;
                }
            }
        }
        self.reporter.finish_runs();
        out.runs_s = secs(t_runs);
        Ok(out)
    }

    /// Encodes one group at its widest width, then runs each of its widths.
    fn run_group(&self, plan: &Plan<'_>, seed: u64, group: &[usize], out: &mut Runs) -> Result<()> {
        let top = *group.last().context("empty width group")?;
        let (g, project_s) = self.encode_group(plan, seed, top)?;
        out.encode_s += g.encode_s;
        out.project_s += project_s;
        for &bits in group {
            let run = self.one_run(&g, bits).with_context(|| {
                format!(
                    "{}: projection `{}` bits {bits} seed {seed}",
                    Stage::Metrics,
                    g.spec.label()
                )
            })?;
            self.reporter.run_done(&format!(
                "{} {:>5} bits seed {:<3} recall@10 {:.3}  ({:.2} s search)",
                g.spec.label(),
                bits,
                seed,
                run.metric("recall@10").unwrap_or(f64::NAN),
                run.timings.search_s
            ));
            out.runs.push(run);
        }
        Ok(())
    }

    /// The codes of base and queries at width `top`, and the query projections (with the
    /// seconds spent projecting).
    fn encode_group<'p>(
        &self,
        plan: &Plan<'p>,
        seed: u64,
        top: usize,
    ) -> Result<(GroupInputs<'p>, f64)>
    where
        Self: 'p,
    {
        let (spec, ds) = (plan.spec, self.ds);
        let ctx = || {
            format!(
                "{}: projection `{}` seed {seed}",
                Stage::Encode,
                spec.label()
            )
        };
        let t = Instant::now();
        let spec_of_run = Spec {
            kind: plan.kind,
            bits: top,
            options: spec.options(seed),
        };
        let codes = self.group_codes(spec_of_run, &ctx())?;
        let (proj, _) = codes.parts();
        let (query_codes, yq, mut project_s) = self
            .queries_of(proj, &ds.queries, top)
            .with_context(|| format!("{}: query vectors ({})", ctx(), file_of(ds, "queries")))?;
        let encode_s = secs(t) - project_s;
        // The judged queries' encoding counts as projection time, so the encode throughput
        // stays that of base + queries.
        let t = Instant::now();
        let judged = match (&ds.judged, self.judged) {
            (Some(task), Some(_)) => {
                let (c, y, _) = self
                    .queries_of(proj, task.queries(ds), top)
                    .with_context(|| format!("{}: judged queries ({})", ctx(), task.source))?;
                Some((c, y))
            }
            _ => None,
        };
        project_s += secs(t);
        let g = GroupInputs {
            spec,
            seed,
            top,
            codes,
            query_codes,
            yq,
            judged,
            encode_s,
        };
        Ok((g, project_s))
    }

    /// The codes of `queries` at width `top` and their projections relative to the thresholds
    /// (the asymmetric scorer's input: a learned centring applies to queries as to
    /// documents), with the seconds spent projecting.
    fn queries_of(
        &self,
        proj: &Projector,
        queries: &crate::data::Matrix,
        top: usize,
    ) -> Result<(CodeMatrix, Vec<f32>, f64)> {
        let codes = if self.base.is_some_and(|b| b.fused) {
            proj.encode_fused(&queries.data, self.threads)
        } else {
            proj.encode(&queries.data, self.threads)
        }?;
        let t = Instant::now();
        let mut yq = proj
            .project(&queries.data, self.threads)
            .context("query projections")?;
        if let Some(th) = proj.thresholds() {
            for row in yq.chunks_exact_mut(top) {
                for (y, t) in row.iter_mut().zip(th) {
                    *y -= t;
                }
            }
        }
        Ok((codes, yq, secs(t)))
    }

    /// The precomputed base codes, else the projector of `spec` trained on the base set and
    /// its codes.
    fn group_codes<'p>(&self, spec: Spec, ctx: &str) -> Result<GroupCodes<'p>>
    where
        Self: 'p,
    {
        if let Some(b) = self.base {
            return Ok(GroupCodes::Given(b));
        }
        let ds = self.ds;
        let proj = Projector::build(spec, ds.base.cols, &ds.base.data)
            .with_context(|| format!("{ctx}: training on {}", file_of(ds, "base")))?;
        let codes = proj
            .encode(&ds.base.data, self.threads)
            .with_context(|| format!("{ctx}: base vectors ({})", file_of(ds, "base")))?;
        Ok(GroupCodes::Built(Box::new((proj, codes))))
    }

    /// One (projection, `bits`, seed) run: search at `bits`, then every metric.
    fn one_run(&self, g: &GroupInputs<'_>, bits: usize) -> Result<Run> {
        let (_, base_codes) = g.codes.parts();
        let db = truncate(base_codes, bits)?;
        let qc = truncate(&g.query_codes, bits)?;
        let t = Instant::now();
        let found = engine::knn(&db, &qc, self.depths.hamming, self.threads)?;
        let search_s = secs(t);
        let t = Instant::now();
        let codes = RunCodes {
            db: &db,
            qc: &qc,
            found: &found,
            yq: &g.yq,
            top: g.top,
            bits,
        };
        let per_query = self.per_query_values(&codes);
        let (mut metrics_out, n_cols) = self.query_means(&per_query);
        let (cal, est) = self.pair_metrics(&codes, &mut metrics_out);
        let labels = self.ds.base_labels.is_some() && self.ds.query_labels.is_some();
        let knn_acc = if labels {
            mean_col(&per_query, n_cols - 1)
        } else {
            f64::NAN
        };
        metrics_out.push(("knn_acc".into(), knn_acc));
        let judged = self.judged_run(g, &db, bits)?;
        let metrics_s = secs(t);
        Ok(Run {
            projection: g.spec.label().to_string(),
            kind: g.spec.kind.to_string(),
            bits,
            seed: g.seed,
            metrics: metrics_out,
            calibration: cal,
            timings: self.run_timings(g.encode_s, search_s, metrics_s),
            scatter: self.scatter(&est),
            judged,
        })
    }

    /// The judged results of the run at `bits` of group `g` (base codes `db`), with a judged
    /// set.
    fn judged_run(
        &self,
        g: &GroupInputs<'_>,
        db: &CodeMatrix,
        bits: usize,
    ) -> Result<Option<RunJudged>> {
        let (Some(task), Some(float), Some((codes, yq))) =
            (&self.ds.judged, self.judged, &g.judged)
        else {
            return Ok(None);
        };
        let qc = truncate(codes, bits)?;
        let found = engine::knn(db, &qc, float.depth, self.threads)?;
        let inputs = RunInputs {
            ds: self.ds,
            task,
            db,
            found: &found,
            yq,
            top: g.top,
            bits,
        };
        let c = self.config;
        let first_seed = c.seeds.first().copied().unwrap_or(g.seed);
        let keep = trec::writes(c.output.trec_runs, bits, g.seed, self.widest, first_seed);
        Ok(Some(RunJudged::of(
            self.config,
            self.depths.k,
            &inputs,
            float,
            keep,
        )))
    }

    /// Per query: recall@r…, k@cand, overlap, ndcg, rr, rerank…, asym…, knn hit.
    fn per_query_values(&self, c: &RunCodes<'_>) -> Vec<Vec<f64>> {
        (0..self.ds.queries.rows)
            .into_par_iter()
            .map(|q| self.query_values(c, q))
            .collect()
    }

    /// The per-query values of query `q` (see [`Self::per_query_values`]).
    fn query_values(&self, c: &RunCodes<'_>, q: usize) -> Vec<f64> {
        let (m, d, ds, float) = (&self.config.metrics, self.depths, self.ds, self.float);
        let k = d.k;
        let ids: Vec<u32> = c.found.query(q).iter().map(|n| n.index).collect();
        let truth = float.gt.query(q);
        let mut v = Vec::with_capacity(self.n_per_query());
        for &r in &m.recall_k {
            v.push(metrics::recall_at(&ids, truth, r));
        }
        v.push(metrics::recall_in_depth(&ids, truth, k, d.candidates));
        v.push(metrics::average_overlap(&ids, truth, k));
        let gains: Vec<f64> = ids
            .iter()
            .take(k)
            .map(|&b| float.cos(ds, q, b as usize).max(0.0))
            .collect();
        v.push(metrics::ndcg(
            &gains,
            &float.ideal_gains[q * k..(q + 1) * k],
        ));
        v.push(metrics::reciprocal_rank(
            &ids[..d.candidates.min(ids.len())],
            truth[0],
        ));
        self.push_reranks(c, q, &ids, &mut v);
        v.push(
            match ds.base_labels.as_ref().zip(ds.query_labels.as_ref()) {
                Some((bl, ql)) => {
                    let votes: Vec<i64> = ids[..d.knn_k].iter().map(|&i| bl[i as usize]).collect();
                    f64::from(u8::from(metrics::majority_vote(&votes) == Some(ql[q])))
                }
                None => f64::NAN,
            },
        );
        v
    }

    /// Recall@k after re-ranking the Hamming candidates of query `q` by the exact float score,
    /// then by the asymmetric score, at each oversample factor.
    fn push_reranks(&self, c: &RunCodes<'_>, q: usize, ids: &[u32], v: &mut Vec<f64>) {
        let m = &self.config.metrics;
        let k = self.depths.k;
        let truth = self.float.gt.query(q);
        let max_m = m.rerank_oversample.iter().copied().max().unwrap_or(1);
        let cands = &ids[..(k * max_m).min(ids.len())];
        let exact: Vec<f64> = cands
            .iter()
            .map(|&b| self.float.dot(self.ds, q, b as usize))
            .collect();
        let scorer = AsymScorer::new(&c.yq[q * c.top..(q + 1) * c.top], c.bits);
        let asym: Vec<f64> = cands
            .iter()
            .map(|&b| scorer.score(c.db.code(b as usize).unwrap_or(&[])))
            .collect();
        for scores in [&exact, &asym] {
            for &mm in &m.rerank_oversample {
                let n = (k * mm).min(cands.len());
                let top = metrics::rerank(&cands[..n], &scores[..n], k);
                v.push(metrics::recall_at(&top, truth, k));
            }
        }
    }

    /// Values per query: recall@r…, k@cand, overlap, ndcg, rr, 2 × rerank…, knn hit.
    fn n_per_query(&self) -> usize {
        let m = &self.config.metrics;
        m.recall_k.len() + 4 + 2 * m.rerank_oversample.len() + 1
    }

    /// The means of the per-query metrics, keyed in [`crate::config::MetricsSpec::metric_keys`]
    /// order minus the pair metrics and `knn_acc`; and the number of per-query columns.
    fn query_means(&self, per_query: &[Vec<f64>]) -> (Vec<(String, f64)>, usize) {
        let keys = self.config.metrics.metric_keys();
        let mut out: Vec<(String, f64)> = Vec::with_capacity(keys.len());
        let per_query_keys = keys.iter().filter(|k| {
            !matches!(
                k.as_str(),
                "spearman"
                    | "pearson"
                    | "kendall"
                    | "theta_pi_mae"
                    | "theta_pi_bins_inside"
                    | "knn_acc"
            )
        });
        for (c, key) in per_query_keys.enumerate() {
            out.push((key.clone(), mean_col(per_query, c)));
        }
        (out, self.n_per_query())
    }

    /// The pair metrics (rank correlations and θ/π calibration of the Hamming-estimated
    /// cosines), pushed onto `out`; returns the calibration and the estimates.
    fn pair_metrics(
        &self,
        c: &RunCodes<'_>,
        out: &mut Vec<(String, f64)>,
    ) -> (Calibration, Vec<f64>) {
        let (m, float, bits) = (&self.config.metrics, self.float, c.bits);
        let (hd, est): (Vec<f64>, Vec<f64>) = float
            .pairs
            .par_iter()
            .map(|&(q, b)| {
                let dist = distance_words(
                    c.qc.code(q as usize).unwrap_or(&[]),
                    c.db.code(b as usize).unwrap_or(&[]),
                )
                .unwrap_or(0);
                let frac = f64::from(dist) / bits as f64;
                (frac, (std::f64::consts::PI * frac).cos())
            })
            .unzip();
        let cal = metrics::calibration(
            &float.pair_theta_pi,
            &hd,
            bits,
            m.calibration_bins,
            m.calibration_min_pairs,
        );
        out.push(("spearman".into(), metrics::spearman(&float.pair_cos, &est)));
        out.push(("pearson".into(), metrics::pearson(&float.pair_cos, &est)));
        out.push((
            "kendall".into(),
            metrics::kendall_tau_b(&float.pair_cos, &est),
        ));
        out.push(("theta_pi_mae".into(), cal.mae));
        out.push(("theta_pi_bins_inside".into(), cal.fraction_inside));
        (cal, est)
    }

    /// Up to ~1,000 (float cosine, estimated cosine) pairs for the scatter plot.
    fn scatter(&self, est: &[f64]) -> Vec<(f64, f64)> {
        let step = (self.float.pairs.len() / 1000).max(1);
        self.float
            .pair_cos
            .iter()
            .zip(est)
            .step_by(step)
            .map(|(&a, &b)| (a, b))
            .collect()
    }

    fn run_timings(&self, encode_s: f64, search_s: f64, metrics_s: f64) -> RunTimings {
        let nq = self.ds.queries.rows;
        let n_enc = (self.ds.base.rows + nq) as f64;
        RunTimings {
            encode_s,
            encode_vectors_per_s: if encode_s > 0.0 {
                n_enc / encode_s
            } else {
                0.0
            },
            search_s,
            search_queries_per_s: if search_s > 0.0 {
                nq as f64 / search_s
            } else {
                0.0
            },
            metrics_s,
        }
    }
}

/// The codes and search result of one run.
struct RunCodes<'a> {
    /// Base codes at `bits`.
    db: &'a CodeMatrix,
    /// Query codes at `bits`.
    qc: &'a CodeMatrix,
    /// The Hamming top-k of every query.
    found: &'a KnnResult,
    /// Query projections at the group's widest width `top`.
    yq: &'a [f32],
    top: usize,
    bits: usize,
}

/// The mean over queries of column `c` (summed in query order).
fn mean_col(per_query: &[Vec<f64>], c: usize) -> f64 {
    let mut s = 0.0;
    for row in per_query {
        s += row[c];
    }
    s / per_query.len() as f64
}
