//! The evaluation entry point: [`run`] an [`EvalRequest`] (a config file, its overrides, data
//! files or precomputed codes, where to write), get a [`RunSummary`] back.
//!
//! `run` loads and validates the config, loads the data, runs the evaluation
//! ([`super::evaluate_with_codes`]) and writes the run directory (`results.json`, CSV, plots,
//! report) atomically. Front ends print from the summary.

use crate::Stage;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result};

use crate::config::{self, DatasetSpec, Normalization, Overrides, ValidConfig};
use crate::dataset::{self, Catalog};
use crate::engine::sidecar;
use crate::eval::codes;
use crate::eval::report::{self, Environment};
use crate::eval::{self, Evaluation, StrictFailure};
use crate::ops::codes::SidecarCodes;
use crate::outfile::{Target, Written};
use crate::progress::Progress;

/// Float data files given directly instead of the config's data set (`eval --base/--queries`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataFiles {
    /// Base vectors.
    pub base: PathBuf,
    /// Query vectors.
    pub queries: PathBuf,
    /// Integer labels of the base vectors.
    pub base_labels: Option<PathBuf>,
    /// Integer labels of the queries.
    pub query_labels: Option<PathBuf>,
    /// Exact ground truth (`[queries, ≥k]` neighbour ids).
    pub gt: Option<PathBuf>,
    /// Normalization of the vectors before use (default: the data set default).
    pub normalization: Option<Normalization>,
}

/// One evaluation to run.
#[derive(Clone, Debug, Default)]
pub struct EvalRequest {
    /// The config file (default: `configs/default.toml` of the repository).
    pub config: Option<PathBuf>,
    /// Values replacing the config's (widths, projections, seeds, k, threads, trust-gt).
    pub overrides: Overrides,
    /// Data files replacing the config's data set.
    pub files: Option<DataFiles>,
    /// Precomputed base codes (a code file with its sidecar): evaluates their one projection,
    /// width and seed.
    pub codes: Option<PathBuf>,
    /// The run directory (default: `<output.dir>/<UTC timestamp>-<name>/`).
    pub out: Option<PathBuf>,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// What an evaluation wrote and found.
#[derive(Debug)]
pub struct RunSummary {
    /// The run directory written.
    pub run_dir: PathBuf,
    /// The summary table (as printed by `binaryllm eval`).
    pub table: String,
    /// The line describing the files written.
    pub written: Written,
    /// Seconds from start to the committed run directory.
    pub seconds: f64,
    /// The evaluation (runs, summaries, verdicts, recommendation).
    pub evaluation: Evaluation,
}

impl RunSummary {
    /// The `--strict` failure: some H1 criteria could not be evaluated.
    pub fn strict_failure(&self) -> Option<StrictFailure> {
        let e = &self.evaluation;
        (e.unevaluated() > 0).then(|| StrictFailure {
            unevaluated: e.unevaluated(),
            total: e.verdicts.len(),
            run_dir: self.run_dir.clone(),
        })
    }
}

/// The default config: `configs/default.toml` of the repository.
pub fn default_config_path() -> PathBuf {
    dataset::repo_root().join("configs/default.toml")
}

/// `configs/default.toml` as built into the library: the default config where no checkout is
/// found (an installed Python package, a binary run outside the repository).
pub const DEFAULT_CONFIG: &str = include_str!("../../../configs/default.toml");

/// The config file of `r` loaded: `r.config`, else the checkout's default config, else the
/// built-in copy of it.
fn load_config_file(r: &EvalRequest) -> Result<config::LoadedConfig> {
    let loaded = match &r.config {
        Some(path) => config::load(path),
        None => {
            let path = default_config_path();
            if path.is_file() {
                config::load(&path)
            } else {
                config::parse(DEFAULT_CONFIG, None)
            }
        }
    };
    loaded.context(Stage::Config)
}

use crate::engine::sidecar::absolute;

/// The dataset of ad-hoc files.
fn files_spec(f: &DataFiles, trust_gt: bool) -> DatasetSpec {
    let abs = |p: &Option<PathBuf>| p.as_deref().map(absolute);
    DatasetSpec {
        id: None,
        base: Some(absolute(&f.base)),
        queries: Some(absolute(&f.queries)),
        base_labels: abs(&f.base_labels),
        query_labels: abs(&f.query_labels),
        gt: abs(&f.gt),
        label_names: None,
        encoder: None,
        normalization: f.normalization.unwrap_or_default(),
        synthetic: None,
        trust_gt,
        from_command_line: true,
        ..DatasetSpec::default()
    }
}

/// The config of `r`, with its overrides applied and validated; with `codes`, the config
/// evaluates the codes' one projection, width and seed ([`codes::configure_eval`]).
pub fn load_config(r: &EvalRequest, codes: Option<&SidecarCodes>) -> Result<ValidConfig> {
    let mut loaded = load_config_file(r)?;
    // Files named on the command line are relative to the working directory, not the config.
    let o = &Overrides {
        qrels: r.overrides.qrels.as_deref().map(absolute),
        base_ids: r.overrides.base_ids.as_deref().map(absolute),
        query_ids: r.overrides.query_ids.as_deref().map(absolute),
        ..r.overrides.clone()
    };
    o.apply(&mut loaded.config);
    if let Some(f) = &r.files {
        loaded.config.dataset = files_spec(f, o.trust_gt);
        // The judgment flags apply to the files of the command line too.
        o.apply_judged(&mut loaded.config);
        if r.config.is_none() {
            loaded.config.name = "files".into();
            loaded.config.description = "ad-hoc data from the command line".into();
        }
    }
    if let Some(c) = codes {
        codes::configure_eval(o, &mut loaded.config, c).context(Stage::Config)?;
    }
    config::validate(&loaded, o).context(Stage::Config)
}

/// What the data of an eval is called in messages: `data set ID`, `--base/--queries files`
/// or `data set files from the config`.
fn data_label(r: &EvalRequest, spec: &DatasetSpec) -> String {
    match (&spec.id, &r.files) {
        (Some(id), _) => format!("data set {id}"),
        (None, Some(_)) => "--base/--queries files".into(),
        (None, None) => "data set files from the config".into(),
    }
}

/// Runs the evaluation of `r`, reporting to `progress`; writes the run directory.
pub fn run(r: &EvalRequest, progress: &dyn Progress) -> Result<RunSummary> {
    let t0 = Instant::now();
    let started = report::rfc3339(SystemTime::now());
    let codes = r
        .codes
        .as_deref()
        .map(SidecarCodes::open)
        .transpose()
        .context(Stage::Load)?;
    if let Some(n) = codes.as_ref().and_then(|c| c.notice.as_deref()) {
        progress.notice(n);
    }
    let valid = load_config(r, codes.as_ref())?;
    let cfg = valid.config();
    let run_path = match &r.out {
        Some(p) => p.clone(),
        None => cfg
            .output
            .dir
            .join(report::default_run_name(SystemTime::now(), &cfg.name)),
    };
    let target = Target::dir(&run_path, r.force)?;

    let t = Instant::now();
    let what = data_label(r, &cfg.dataset);
    progress.stage(&format!("load: {what}"));
    let catalog = Catalog::builtin()?;
    let ds = dataset::load(&cfg.dataset, &valid.loaded.base_dir(), &catalog)
        .with_context(|| format!("{}: {what}", Stage::Load))?;
    let load_s = t.elapsed().as_secs_f64();
    progress.stage(&format!(
        "loaded {} base and {} query vectors of {} dims",
        ds.base.rows, ds.queries.rows, ds.base.cols
    ));
    let base_codes = match &codes {
        Some(c) => {
            progress.stage(&format!("base codes: {}", c.path.display()));
            Some(codes::eval_base_codes(c, cfg, &ds).context(Stage::Load)?)
        }
        None => None,
    };
    // The inputs are read and checked: the partial run directory may exist from here on.
    let rd = target.create_dir()?;
    for n in rd.notices() {
        progress.notice(n.strip_prefix("notice: ").unwrap_or(n));
    }
    let mut e = eval::evaluate_with_codes(&valid, ds, progress, base_codes.as_ref())?;
    e.base_codes = codes
        .as_ref()
        .map(|c| sidecar::FileRef::new(&c.path, c.sha256.clone()));
    e.timings.load_s = load_s;

    let t = Instant::now();
    let env = Environment::probe(&dataset::repo_root());
    let finished = report::rfc3339(SystemTime::now());
    let draft = report::results_json(&e, &env, &started, &finished)?;
    let trec = report::write_artifacts(&e, rd.path(), &draft)?;
    e.timings.output_s = t.elapsed().as_secs_f64();
    e.timings.total_s = t0.elapsed().as_secs_f64();
    let results = report::results_json(&e, &env, &started, &finished)?;
    report::write_results(rd.path(), &results)?;
    let run_dir = rd.commit()?;
    let what = format!(
        "{} run{}, results.json, metrics.csv, summary.csv{}{}{}",
        e.runs.len(),
        if e.runs.len() == 1 { "" } else { "s" },
        if cfg.output.report {
            ", report.html"
        } else {
            ""
        },
        if cfg.output.plots { ", plots/" } else { "" },
        match trec {
            0 => String::new(),
            n => format!(", trec/ ({n} run file{})", if n == 1 { "" } else { "s" }),
        }
    );
    Ok(RunSummary {
        table: report::summary_table(&e),
        written: Written::dir(run_dir.clone(), what),
        run_dir,
        seconds: t0.elapsed().as_secs_f64(),
        evaluation: e,
    })
}
