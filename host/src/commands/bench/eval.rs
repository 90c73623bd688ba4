//! `binaryllm bench eval`: times the evaluation end to end (load, ground truth, every run,
//! every output) and writes the figures to a JSON file.
//!
//! Cases: `sample-default` (configs/default.toml on the shipped sample; target < 10 s) and
//! `wordnet-full` (configs/wordnet-minilm.toml: 5 widths × 3 projections × 3 seeds on the
//! full WordNet set; target < 20 s on 2 cores; skipped with a notice when the data is absent).

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;

use binaryllm_engine::config::Overrides;
use binaryllm_engine::dataset;
use binaryllm_engine::eval::{self, EvalRequest};
use binaryllm_engine::progress::Lines;
use binaryllm_engine::report::{self, Environment};

use super::Stats;

/// `binaryllm bench eval`.
#[derive(Debug, Args)]
pub struct BenchEvalArgs {
    /// Repetitions of each case (minimum, median and maximum are reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Results file (JSON), or a directory for `eval.json`. Default: a new run directory
    /// `runs/<UTC timestamp>-bench-eval/`; `--out bench/results/eval.json` updates the
    /// tracked results.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Only the shipped-sample case.
    #[arg(long)]
    pub sample_only: bool,
    /// Worker threads (0 = all cores; at most 4 × the cores and 1024).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

struct Case {
    name: &'static str,
    config: PathBuf,
    target_s: f64,
}

/// The cases to run: the shipped sample, and the full WordNet set when its data is present.
fn cases(a: &BenchEvalArgs, root: &std::path::Path) -> Vec<Case> {
    let mut cases = vec![Case {
        name: "sample-default",
        config: root.join("configs/default.toml"),
        target_s: 10.0,
    }];
    let full_data = dataset::data_dir().join("wordnet_minilm_base.npy");
    if a.sample_only {
    } else if full_data.is_file() {
        cases.push(Case {
            name: "wordnet-full",
            config: root.join("configs/wordnet-minilm.toml"),
            target_s: 20.0,
        });
    } else {
        eprintln!(
            "notice: {} not found: skipping the wordnet-full case (make it with scripts/make_wordnet_minilm.py and set BINARYLLM_DATA, see configs/README.md)",
            full_data.display()
        );
    }
    cases
}

/// Runs `case` `--repeat` times; its figures.
fn bench_case(
    a: &BenchEvalArgs,
    case: &Case,
    scratch: &std::path::Path,
    progress: &Lines,
) -> Result<serde_json::Value> {
    let mut times = Vec::new();
    let mut stages = serde_json::Value::Null;
    let mut n_runs = 0;
    for i in 0..a.repeat.max(1) {
        let request = EvalRequest {
            config: Some(case.config.clone()),
            out: Some(scratch.join(format!("{}-{i}", case.name))),
            overrides: Overrides {
                threads: Some(a.threads),
                ..Overrides::default()
            },
            ..EvalRequest::default()
        };
        let t = Instant::now();
        let dir = eval::run(&request, progress)
            .with_context(|| format!("bench case {}", case.name))?
            .run_dir;
        let secs = t.elapsed().as_secs_f64();
        times.push(secs);
        let results: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("results.json")).context("reading results.json")?,
        )?;
        stages = results["timings"].clone();
        n_runs = results["runs"].as_array().map_or(0, Vec::len);
        eprintln!(
            "{}: repetition {}/{}: {secs:.2} s ({n_runs} runs)",
            case.name,
            i + 1,
            a.repeat.max(1)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let Stats {
        min,
        median: med,
        max,
    } = Stats::of(&times);
    println!(
        "bench eval {:<15} runs {:>3}  min {:>6.2} s  median {:>6.2} s  max {:>6.2} s  target < {:.0} s: {}",
        case.name,
        n_runs,
        min,
        med,
        max,
        case.target_s,
        if med < case.target_s {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(json!({
        "case": case.name,
        "config": case.config.display().to_string(),
        "runs": n_runs,
        "seconds": times,
        "min_s": min,
        "median_s": med,
        "max_s": max,
        "target_s": case.target_s,
        "target_met": med < case.target_s,
        "last_stage_timings": stages,
    }))
}

/// Runs the benchmark.
pub fn run(a: &BenchEvalArgs) -> Result<()> {
    let out = crate::commands::bench::results_path(a.out.as_deref(), "eval");
    let target = binaryllm_engine::outfile::Target::json(&out, a.force)?;
    let root = dataset::repo_root();
    let cases = cases(a, &root);
    let scratch = std::env::temp_dir().join(format!("binaryllm-bench-eval-{}", std::process::id()));
    let progress = Lines::silent();
    let mut figures = Vec::new();
    for case in &cases {
        figures.push(bench_case(a, case, &scratch, &progress)?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let env = Environment::probe(&root);
    let doc = json!({
        "format": crate::commands::bench::FORMAT,
        "bench": "eval",
        "when": report::rfc3339(SystemTime::now()),
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "git": {"commit": env.git_commit, "dirty": env.git_dirty},
        "cpu": {"model": env.cpu_model, "features": env.cpu_features, "hamming_kernel": env.hamming_kernel},
        "threads": binaryllm_engine::engine::threads::check(a.threads).unwrap_or(a.threads),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "cases": figures,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    let what = format!("bench eval figures of {} cases", cases.len());
    println!("{}", target.write(text.as_bytes(), None, what, "JSON")?);
    Ok(())
}
