//! Writing an evaluation: the run directory (created as a hidden partial directory and renamed
//! into place only when every file is written), `results.json`, `metrics.csv`, `summary.csv`,
//! plots, `report.html`, and the terminal summary table.

pub mod html;
pub mod judged;
pub mod plots;

use crate::Stage;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

use crate::data::{atomic_write, sha256_bytes};
use crate::eval::Evaluation;
use crate::eval::judged::runs as judged_runs;

/// The version of `results.json` (`schemas/results-v2.schema.json`; 2 added judged retrieval).
pub const SCHEMA_VERSION: u32 = 2;

pub use crate::outfile::{RunDir, default_run_name, rfc3339};

/// Facts about the environment recorded in `results.json`.
#[derive(Clone, Debug)]
pub struct Environment {
    /// `git rev-parse HEAD` of the repository, if any.
    pub git_commit: Option<String>,
    /// Whether tracked files differ from HEAD.
    pub git_dirty: Option<bool>,
    /// CPU model name.
    pub cpu_model: String,
    /// SIMD features detected.
    pub cpu_features: Vec<String>,
    /// The Hamming kernel in use.
    pub hamming_kernel: String,
}

impl Environment {
    /// Probes git (in `root`) and the CPU.
    pub fn probe(root: &Path) -> Self {
        let git = |args: &[&str]| crate::checkout::git(root, args);
        let git_commit = crate::checkout::git_commit(root);
        let git_dirty = git_commit
            .as_ref()
            .and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]))
            .map(|s| !s.is_empty());
        let cpu_model = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        #[allow(unused_mut)]
        let mut cpu_features = Vec::new();
        #[cfg(target_arch = "x86_64")]
        for (name, on) in [
            ("sse4.2", std::arch::is_x86_feature_detected!("sse4.2")),
            ("popcnt", std::arch::is_x86_feature_detected!("popcnt")),
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("fma", std::arch::is_x86_feature_detected!("fma")),
            ("bmi2", std::arch::is_x86_feature_detected!("bmi2")),
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
            (
                "avx512vpopcntdq",
                std::arch::is_x86_feature_detected!("avx512vpopcntdq"),
            ),
        ] {
            if on {
                cpu_features.push(name.to_string());
            }
        }
        Self {
            git_commit,
            git_dirty,
            cpu_model,
            cpu_features,
            hamming_kernel: crate::engine::hamming_kernel().name().to_string(),
        }
    }
}

fn metrics_map(m: &[(String, f64)]) -> Value {
    let mut map = Map::new();
    for (k, v) in m {
        map.insert(k.clone(), num(*v));
    }
    Value::Object(map)
}

fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The canonical JSON of the effective config and its sha256.
pub fn config_json(e: &Evaluation) -> Result<(Value, String)> {
    let v = serde_json::to_value(&e.config)?;
    let sha = sha256_bytes(serde_json::to_string(&v)?.as_bytes());
    Ok((v, sha))
}

/// Builds `results.json`.
pub fn results_json(
    e: &Evaluation,
    env: &Environment,
    started: &str,
    finished: &str,
) -> Result<Value> {
    let (config, config_sha256) = config_json(e)?;
    let ds = &e.dataset;
    let runs: Vec<Value> = e
        .runs
        .iter()
        .map(|r| {
            let mut v = json!({
                "projection": r.projection,
                "kind": r.kind,
                "bits": r.bits,
                "seed": r.seed,
                "metrics": metrics_map(&r.metrics),
                "calibration": serde_json::to_value(&r.calibration.bins)?,
                "timings": serde_json::to_value(&r.timings)?,
            });
            if let Some(j) = &r.judged {
                let [judged, retained, paired] = j.to_json()?;
                v["judged"] = judged;
                v["judged_retained"] = retained;
                v["judged_paired"] = paired;
            }
            Ok(v)
        })
        .collect::<Result<_>>()?;
    let mut v = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "binaryllm", "version": env!("CARGO_PKG_VERSION")},
        "git": {"commit": env.git_commit, "dirty": env.git_dirty},
        "rustc": env!("BINARYLLM_RUSTC"),
        "cpu": {
            "model": env.cpu_model,
            "features": env.cpu_features,
            "hamming_kernel": env.hamming_kernel,
        },
        "threads": e.threads,
        "started": started,
        "finished": finished,
        "config": config,
        "config_sha256": config_sha256,
        "dataset": {
            "id": ds.id,
            "encoder": ds.encoder,
            "n_base": ds.base.rows,
            "n_queries": ds.queries.rows,
            "dims": ds.base.cols,
            "sha256": ds.sha256,
            "normalization": ds.normalization,
            "files": ds.files,
            "labels": ds.base_labels.is_some() && ds.query_labels.is_some(),
            "label_names": ds.label_names,
            "ground_truth": e.float.gt_source,
            "ground_truth_check": e.gt_check,
        },
        "seeds": e.config.seeds,
        "hypotheses": e.config.hypotheses,
        "depths": e.depths,
        "knn_acc_float": e.float.knn_acc_float,
        "cost_model": e.cost,
        "runs": runs,
        "summary": e.summary,
        "verdicts": e.verdicts,
        "verdict_overall": e.overall(),
        "recommendation": e.recommendation,
        "warnings": e.warnings,
        "timings": e.timings,
    });
    if let Some(c) = &e.base_codes {
        v["base_codes"] = serde_json::to_value(c)?;
    }
    judged_json(e, &mut v)?;
    Ok(v)
}

/// The judged-retrieval fields of `results.json` (`judged_float`, and with a judged set
/// `judged` and `judged_summary`), added to `v`.
fn judged_json(e: &Evaluation, v: &mut Value) -> Result<()> {
    let ds = &e.dataset;
    v["judged_float"] = match &e.judged_float {
        Some(f) => judged_runs::metrics_json(&f.mean.values()),
        None => Value::Null,
    };
    if let (Some(task), Some(f)) = (&ds.judged, &e.judged_float) {
        v["judged"] = json!({
            "source": task.source,
            "files": task.files,
            "qrels_format": format!("{:?}", task.qrels.format()).to_lowercase(),
            "n_queries": task.qrels.queries(),
            "same_queries": task.same_queries(),
            "judgments": task.qrels.len(),
            "queries_without_relevant": task.qrels.queries_without_relevant(),
            "depth": f.depth,
            "modes": e.config.metrics.judged_modes(),
            "bootstrap": {"resamples": f.resamples.count(), "seed": f.resamples.seed()},
        });
        v["judged_summary"] = serde_json::to_value(&e.judged_summary)?;
    }
    Ok(())
}

fn csv_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// `metrics.csv`: one row per run.
pub fn metrics_csv(e: &Evaluation) -> String {
    let keys = e.config.metrics.metric_keys();
    let mut s = String::from("projection,kind,bits,seed");
    for k in &keys {
        s.push(',');
        s.push_str(k);
    }
    s.push('\n');
    for r in &e.runs {
        let _ = write!(s, "{},{},{},{}", r.projection, r.kind, r.bits, r.seed);
        for k in &keys {
            s.push(',');
            s.push_str(&csv_num(r.metric(k).unwrap_or(f64::NAN)));
        }
        s.push('\n');
    }
    s
}

/// `summary.csv`: one row per (projection, bits, metric).
pub fn summary_csv(e: &Evaluation) -> String {
    let mut s = String::from("projection,bits,metric,mean,sd,ci95_low,ci95_high,n\n");
    for r in &e.summary {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            r.projection,
            r.bits,
            r.metric,
            csv_num(r.stats.mean),
            csv_num(r.stats.sd),
            csv_num(r.stats.ci95_low),
            csv_num(r.stats.ci95_high),
            r.stats.n
        );
    }
    s
}

/// The oversample factor shown in tables and plots: the largest whose depth `k·m` stays below
/// `candidates` (at `k·m = candidates`, `rerank@k/xm` equals `k@candidates`), else the largest.
pub fn headline_factor(m: &crate::config::MetricsSpec) -> usize {
    let below = m
        .rerank_oversample
        .iter()
        .copied()
        .filter(|f| m.k * f < m.candidates)
        .max();
    below
        .or_else(|| m.rerank_oversample.iter().copied().max())
        .unwrap_or(1)
}

/// The metrics shown in the terminal table and the report's main table.
pub fn headline_metrics(e: &Evaluation) -> Vec<String> {
    let m = &e.config.metrics;
    let k = m.k;
    let f = headline_factor(m);
    let mut v = vec![
        format!("recall@{k}"),
        format!("{k}@{}", m.candidates),
        format!("rerank@{k}/x{f}"),
        format!("asym_rerank@{k}/x{f}"),
        format!("ndcg@{k}"),
        "spearman".into(),
    ];
    if e.float.knn_acc_float.is_some() {
        v.push("knn_acc".into());
    }
    v
}

/// `mean ± half-width`, `mean+up/-down` when the interval was clipped to the metric's range
/// (so the two sides differ), or just the mean with one seed.
pub fn fmt_mean_ci(s: &crate::eval::stats::Summary) -> String {
    if !s.mean.is_finite() {
        "-".into()
    } else if s.ci95_high.is_finite() && s.ci95_low.is_finite() {
        let (up, down) = (s.ci95_high - s.mean, s.mean - s.ci95_low);
        if (up - down).abs() <= 1e-9 * up.abs().max(down.abs()).max(1e-12) {
            format!("{:.3}±{:.3}", s.mean, up)
        } else {
            format!("{:.3}+{:.3}/-{:.3}", s.mean, up, down)
        }
    } else {
        format!("{:.3}", s.mean)
    }
}

fn numbers(s: &str) -> Vec<usize> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// What metric `key` means, in one line (the legend of the summary table and the report).
/// The legend of a judged key (`<metric>/judged|retained|noninferior[/<mode>]`), else `None`.
fn judged_legend(key: &str) -> Option<String> {
    let mut parts = key.splitn(3, '/');
    let (metric, what) = (parts.next()?, parts.next()?);
    let mode = parts.next().unwrap_or("hamming");
    let on = format!("{metric} against the relevance judgments of the judged queries, {mode} list");
    Some(match what {
        "judged" => on,
        "retained" => format!("{on}, as a share of the float value"),
        "noninferior" => format!(
            "{on}: paired bootstrap 95% CI of (binary − float) / float over the queries (non-inferior at margin δ when above −δ)"
        ),
        _ => return None,
    })
}

pub fn metric_legend(key: &str, m: &crate::config::MetricsSpec) -> String {
    let n = numbers(key);
    let pairs = m.pair_sample;
    let first = n.first().copied().unwrap_or(m.k);
    if let Some(legend) = judged_legend(key) {
        return legend;
    }
    match key {
        "mrr" => format!(
            "mean reciprocal rank: 1/rank of the float nearest neighbour in the Hamming top-{} (0 if absent)",
            m.candidates
        ),
        "spearman" => format!("Spearman rank correlation of the float cosine and the Hamming estimate cos(π·distance/bits) over {pairs} sampled query–base pairs"),
        "pearson" => format!("Pearson correlation of the float cosine and the Hamming estimate cos(π·distance/bits) over {pairs} sampled pairs"),
        "kendall" => format!("Kendall τ-b of the float cosine and the Hamming estimate cos(π·distance/bits) over {pairs} sampled pairs"),
        "theta_pi_mae" => "calibration: mean |mean distance/bits − mean θ/π| over the angle bins (θ the float angle; 0 is perfect)".into(),
        "theta_pi_bins_inside" => "calibration: share of angle bins whose mean distance/bits lies in the binomial 95% band around θ/π".into(),
        "knn_acc" => format!(
            "kNN accuracy: share of queries whose label is the majority label of their {} Hamming neighbours",
            m.knn_k
        ),
        k if k.starts_with("recall@") => {
            format!("share of the float top-{first} found in the Hamming top-{first}")
        }
        k if k.starts_with("overlap@") => format!(
            "average overlap of the Hamming and float top-{first} lists over depths 1..{first} (order-sensitive)"
        ),
        k if k.starts_with("ndcg@") => format!(
            "nDCG of the Hamming top-{first}, gain = max(0, float cosine), over the ideal (float) ordering"
        ),
        k if k.starts_with("asym_rerank@") => format!(
            "recall@{first} after re-ranking the Hamming top-{} by the float query projection against the documents' ±1 bits",
            first * n.get(1).copied().unwrap_or(1)
        ),
        k if k.starts_with("rerank@") => format!(
            "recall@{first} after re-ranking the Hamming top-{} by exact float inner product",
            first * n.get(1).copied().unwrap_or(1)
        ),
        _ if n.len() == 2 => format!(
            "share of the float top-{} found in the Hamming top-{} (candidate generation)",
            n[0], n[1]
        ),
        _ => key.to_string(),
    }
}

/// The metrics named in the summary table and the verdicts, in first-appearance order.
pub fn shown_metrics(e: &Evaluation) -> Vec<String> {
    let mut v = headline_metrics(e);
    for c in &e.verdicts {
        if !v.contains(&c.criterion.metric) {
            v.push(c.criterion.metric.clone());
        }
    }
    v
}

/// The summary table printed at the end of `eval`.
pub fn summary_table(e: &Evaluation) -> String {
    let heads = headline_metrics(e);
    let mut widths: Vec<usize> = e.config.bits.clone();
    widths.sort_unstable();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "data set {} ({} base, {} queries, {} dims); {} seed(s); mean ± 95% CI half-width",
        e.dataset.id,
        e.dataset.base.rows,
        e.dataset.queries.rows,
        e.dataset.base.cols,
        e.config.seeds.len()
    );
    let _ = writeln!(
        s,
        "(CIs are clipped to each metric's range, e.g. [0, 1] for a share: then shown as mean+up/-down)"
    );
    let _ = write!(s, "{:<12} {:>5}", "projection", "bits");
    for h in &heads {
        let _ = write!(s, " {h:>18}");
    }
    s.push('\n');
    for p in &e.config.projections {
        for &b in &widths {
            let _ = write!(s, "{:<12} {:>5}", p.label(), b);
            for h in &heads {
                let cell = e
                    .summary_of(p.label(), b, h)
                    .map_or("-".into(), |r| fmt_mean_ci(&r.stats));
                let _ = write!(s, " {cell:>18}");
            }
            s.push('\n');
        }
    }
    s.push_str(&judged::terminal_table(e));
    let _ = writeln!(s, "metrics:");
    for key in shown_metrics(e) {
        let _ = writeln!(s, "  {key:<20} {}", metric_legend(&key, &e.config.metrics));
    }
    if let Some(f) = e.float.knn_acc_float {
        let _ = writeln!(s, "float kNN accuracy (k = {}): {f:.3}", e.depths.knn_k);
    }
    if !e.verdicts.is_empty() {
        let _ = writeln!(s, "H1 verdicts:");
        for v in &e.verdicts {
            let c = &v.criterion;
            let _ = writeln!(
                s,
                "  {:<13} {:>5} bits {:<22} {} {:<6} -> {:?}: {}",
                c.projection,
                c.bits,
                c.metric,
                c.comparison.symbol(),
                c.threshold,
                v.outcome,
                v.reason
            );
        }
        let _ = writeln!(s, "H1 overall: {:?}", e.overall());
    }
    let _ = writeln!(s, "Recommendation: {}", e.recommendation.text);
    s
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    atomic_write(&dir.join(name), |w| w.write_all(bytes))
        .with_context(|| format!("{}: writing {name}", Stage::Output))
}

/// Writes `metrics.csv`, `summary.csv`, the plots and `report.html` of `e` into `dir` (the
/// partial run directory); `results` is the (draft) `results.json` the report quotes. Returns
/// the number of TREC run files written under `trec/`.
pub fn write_artifacts(e: &Evaluation, dir: &Path, results: &Value) -> Result<usize> {
    put(dir, "metrics.csv", metrics_csv(e).as_bytes())?;
    put(dir, "summary.csv", summary_csv(e).as_bytes())?;
    let trec = crate::eval::judged::trec::write_runs(e, dir)?;
    let plots = if e.config.output.plots {
        let plots = crate::eval::report::plots::render_all(e)
            .context(format!("{}: plots", Stage::Output))?;
        fs::create_dir_all(dir.join("plots"))
            .context(format!("{}: plots directory", Stage::Output))?;
        for p in &plots {
            put(dir, &format!("plots/{}.svg", p.name), p.svg.as_bytes())?;
            if e.config.output.png {
                put(dir, &format!("plots/{}.png", p.name), &p.png)?;
            }
        }
        plots
    } else {
        Vec::new()
    };
    if e.config.output.report {
        put(
            dir,
            "report.html",
            crate::eval::report::html::render(e, results, &plots).as_bytes(),
        )?;
    }
    Ok(trec)
}

/// Writes `results.json` into `dir`.
pub fn write_results(dir: &Path, results: &Value) -> Result<()> {
    let mut json = serde_json::to_string_pretty(results)?;
    json.push('\n');
    put(dir, "results.json", json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn utc_formatting_of_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2000-02-29T12:34:56Z = 951827696
        let t = UNIX_EPOCH + Duration::from_secs(951_827_696);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56Z");
        assert_eq!(default_run_name(t, "x"), "20000229T123456Z-x");
    }

    #[test]
    fn run_dir_is_removed_unless_committed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("runs/r1");
        {
            let rd = RunDir::create(&target, false).unwrap();
            fs::write(rd.path().join("f"), b"x").unwrap();
        }
        assert!(!target.exists());
        // The parent it created is gone too.
        assert!(!d.path().join("runs").exists());
        let rd = RunDir::create(&target, false).unwrap();
        fs::write(rd.path().join("f"), b"x").unwrap();
        rd.commit().unwrap();
        assert!(target.join("f").is_file() && target.join(crate::outfile::MARKER).is_file());
        assert!(RunDir::create(&target, false).is_err());
        let rd = RunDir::create(&target, true).unwrap();
        fs::write(rd.path().join("g"), b"y").unwrap();
        rd.commit().unwrap();
        assert!(target.join("g").is_file() && !target.join("f").exists());
        assert_eq!(fs::read_dir(d.path().join("runs")).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_parent_fails_before_any_work() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("plain-file");
        fs::write(&file, b"").unwrap();
        let e = RunDir::create(&file.join("run"), false).unwrap_err();
        assert!(format!("{e:#}").contains("output stage"), "{e:#}");
    }
}
