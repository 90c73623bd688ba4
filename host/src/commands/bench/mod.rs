//! `binaryllm bench …`: the performance benchmarks. They print tables and write JSON (with the
//! command line, the machine, its load and every timing) to a new run directory
//! `runs/<UTC timestamp>-bench-<name>/` ([`results_path`]), or where `--out` says: the tracked
//! results under `bench/results/` change only when a command names them.
//!
//! * `bench knn` — exact Hamming kNN per kernel, width and thread count (seeded random codes,
//!   or the shared inputs of `--data`, or a memory-mapped code file with `--codes`);
//! * `bench encode` — projection + sign + pack per micro-kernel (and the reference path);
//! * `bench scaling` — kNN time vs database size at one width, with an SVG plot.
//!
//! `bench/compare.py` runs these against FAISS and numpy on the same input files in the same
//! run. Speed is measured here, never asserted in unit tests.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};

pub mod encode;
pub mod eval;
pub mod knn;
pub mod npy;
pub mod scaling;

/// The benchmark subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Exact Hamming kNN: comparisons per second per kernel, code width and thread count.
    Knn(knn::KnnArgs),
    /// Batch encoding (projection + sign rule + packing): vectors per second.
    Encode(encode::BenchEncodeArgs),
    /// kNN time vs database size at one width (linear cost), with an SVG plot.
    Scaling(scaling::ScalingArgs),
    /// Writes seeded random codes to a code file with bounded memory (out-of-core inputs).
    MakeCodes(knn::MakeCodesArgs),
    /// Time `eval` on the shipped sample (default config) and on the full WordNet config.
    Eval(crate::commands::bench::eval::BenchEvalArgs),
}

/// Runs one benchmark subcommand.
pub fn run(cmd: &BenchCommand) -> anyhow::Result<()> {
    let threads: &[usize] = match cmd {
        BenchCommand::Knn(a) => &a.threads,
        BenchCommand::Encode(a) => &a.threads,
        BenchCommand::Scaling(a) => &a.threads,
        BenchCommand::MakeCodes(_) | BenchCommand::Eval(_) => &[],
    };
    for &t in threads {
        crate::commands::threads_ready("--threads", t)?;
    }
    match cmd {
        BenchCommand::Knn(a) => knn::run(a),
        BenchCommand::Encode(a) => encode::run(a),
        BenchCommand::Scaling(a) => scaling::run(a),
        BenchCommand::MakeCodes(a) => knn::make_codes(a),
        BenchCommand::Eval(a) => crate::commands::bench::eval::run(a),
    }
}

/// min / median / max of a set of timings, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Fastest run.
    pub min: f64,
    /// Median run.
    pub median: f64,
    /// Slowest run.
    pub max: f64,
}

impl Stats {
    /// Stats of `secs` ([`binaryllm_engine::stats::Spread`]; NaN when empty).
    pub fn of(secs: &[f64]) -> Stats {
        match binaryllm_engine::stats::Spread::of(secs) {
            Some(s) => Stats {
                min: s.min,
                median: s.median,
                max: s.max,
            },
            None => Stats {
                min: f64::NAN,
                median: f64::NAN,
                max: f64::NAN,
            },
        }
    }
}

/// Runs `f` `repeat` times (at least once), returning the last result and the seconds taken.
pub fn time<T>(
    repeat: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Vec<f64>)> {
    let mut secs = Vec::with_capacity(repeat.max(1));
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f()?;
        secs.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    Ok((last.context("no run")?, secs))
}

/// The 1-, 5- and 15-minute load averages (empty when unavailable).
pub fn load_avg() -> Vec<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| {
            s.split_whitespace()
                .take(3)
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Memory figures of this process from `/proc/self/status` (kB): peak RSS, anonymous and
/// file-backed resident memory.
pub fn memory_kb() -> Value {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |key: &str| -> Option<u64> {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    json!({"VmHWM": get("VmHWM:"), "RssAnon": get("RssAnon:"), "RssFile": get("RssFile:")})
}

/// The machine: CPU model, logical CPUs, kernels available here.
pub fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "logical_cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "hamming_kernels": binaryllm_core::Kernel::available().map(|k| k.name()).collect::<Vec<_>>(),
        "project_kernels": binaryllm_core::ProjectKernel::available().map(|k| k.name()).collect::<Vec<_>>(),
        "portable_only_build": binaryllm_core::PORTABLE_ONLY,
    })
}

/// The command line that is running, for the results file.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Where a benchmark writes `<name>.json`: `out` when it is a file path; `out/<name>.json` when
/// it is an existing directory or ends with `/`; by default a new run directory
/// `runs/<UTC timestamp>-bench-<name>/<name>.json` (named like `eval`'s run directories).
pub fn results_path(out: Option<&Path>, name: &str) -> std::path::PathBuf {
    let file = format!("{name}.json");
    match out {
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => p.join(file),
        Some(p) => p.to_path_buf(),
        None => Path::new("runs")
            .join(binaryllm_engine::report::default_run_name(
                std::time::SystemTime::now(),
                &format!("bench-{name}"),
            ))
            .join(file),
    }
}

/// Creates the directory `path` is written into.
pub fn create_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

/// The `format` of a results document.
pub const FORMAT: &str = "binaryllm-bench";

/// Writes a results document (pretty JSON, `"format": "binaryllm-bench"` first) to `target`
/// (checked before the benchmark ran) and says what it wrote.
pub fn write_json(target: binaryllm_engine::outfile::Target, doc: &Value) -> anyhow::Result<()> {
    let mut marked = serde_json::Map::new();
    marked.insert("format".into(), FORMAT.into());
    let what = match doc {
        Value::Object(m) => {
            marked.extend(m.clone());
            let rows = m
                .get("results")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("benchmark results, {rows} rows")
        }
        _ => "benchmark results".into(),
    };
    let text = serde_json::to_string_pretty(&Value::Object(marked))? + "\n";
    println!("{}", target.write(text.as_bytes(), None, what, "JSON")?);
    Ok(())
}

/// splitmix64, the generator of the benchmark data (fast and seeded).
pub fn mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_min_median_max() {
        let s = Stats::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        assert_eq!(Stats::of(&[4.0, 1.0]).median, 2.5);
        assert!(Stats::of(&[]).median.is_nan());
    }
}
