//! Evaluation configs: `configs/*.toml` → a validated [`Config`].
//!
//! Every table denies unknown keys. Every error is a [`ConfigError`] naming the file (or the
//! command-line flag), the line and column when known, and the key. The keys are documented in
//! `configs/README.md`; [`Config`] is the same schema in Rust.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use binaryllm_core::MAX_BITS;
use serde::{Deserialize, Serialize};

use crate::UnknownName;
use crate::kinds::{Kind, ThresholdMode};

/// What kind of problem a [`ConfigError`] is (for callers that match on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid TOML.
    Syntax,
    /// A key the schema does not have.
    UnknownKey,
    /// A value of the wrong type.
    WrongType,
    /// A required key is missing.
    MissingKey,
    /// A value outside its allowed range or set.
    InvalidValue,
    /// A projection kind this build does not know.
    UnknownProjection,
    /// A data set id the catalog does not have.
    UnknownDataset,
}

/// A config problem, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The config file, or `command line` for overrides.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The dotted key, e.g. `metrics.k` or `projection[2].kind`, when known.
    pub key: Option<String>,
    /// The kind of problem.
    pub kind: ConfigErrorKind,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if let Some(k) = &self.key {
            write!(f, ": key `{k}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How input rows must be normalised (`require`, `l2`, `none`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Normalization {
    /// Every row must have L2 norm 1 within 1e-3 (else an error naming the row).
    #[default]
    Require,
    /// Rows are scaled to L2 norm 1 (a zero row is an error).
    L2,
    /// Rows are used as they are.
    None,
}

impl Normalization {
    /// Every policy.
    pub const ALL: [Normalization; 3] = [
        Normalization::Require,
        Normalization::L2,
        Normalization::None,
    ];
    /// What a name of this type names (for [`crate::UnknownName`]).
    pub const WHAT: &'static str = "normalization";

    /// The lowercase name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Normalization::Require => "require",
            Normalization::L2 => "l2",
            Normalization::None => "none",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

named_enum!(Normalization);

/// Parameters of a synthetic generator (catalog defaults, overridable per config).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSpec {
    /// Number of base rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_base: Option<usize>,
    /// Number of query rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_queries: Option<usize>,
    /// Dimensionality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dims: Option<usize>,
    /// Number of planted clusters (`clusters` generator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<usize>,
    /// Noise level (`clusters`: standard deviation of the offset from the centre, relative to
    /// the unit centre norm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// Generator seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl SyntheticSpec {
    /// `self` with the unset fields taken from `defaults`.
    pub fn or(&self, defaults: &SyntheticSpec) -> SyntheticSpec {
        SyntheticSpec {
            n_base: self.n_base.or(defaults.n_base),
            n_queries: self.n_queries.or(defaults.n_queries),
            dims: self.dims.or(defaults.dims),
            clusters: self.clusters.or(defaults.clusters),
            noise: self.noise.or(defaults.noise),
            seed: self.seed.or(defaults.seed),
        }
    }
}

/// `[dataset]`: a catalog id, or explicit files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// A catalog id (`configs/datasets.toml`); mutually exclusive with `base`/`queries`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Base vectors (`.npy` f16/f32/f64 or `.fvecs`), relative to the config file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<PathBuf>,
    /// Query vectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queries: Option<PathBuf>,
    /// Integer class label per base row (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_labels: Option<PathBuf>,
    /// Integer class label per query (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_labels: Option<PathBuf>,
    /// Exact float top-k base ids per query (optional; computed when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gt: Option<PathBuf>,
    /// Class names by label id (`label_names[l]` names class `l`; optional). Recorded in the
    /// results; every label must then be below `label_names.len()`. Catalog entries carry
    /// their own names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_names: Option<Vec<String>>,
    /// Encoder id recorded in the results (e.g. `sentence-transformers/all-MiniLM-L6-v2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoder: Option<String>,
    /// Row normalisation policy.
    #[serde(default)]
    pub normalization: Normalization,
    /// Overrides of a synthetic generator's parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<SyntheticSpec>,
    /// Skip the spot-check of the ground-truth file against an exact search (`--trust-gt`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trust_gt: bool,
    /// Relevance judgments of `queries` over the base rows (TREC or BEIR qrels; `eval
    /// --qrels`): the queries become the judged set. Replaces a catalog entry's judged set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qrels: Option<PathBuf>,
    /// The ids of the base rows in row order (one per line), for qrels whose document ids are
    /// not row numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_ids: Option<PathBuf>,
    /// The ids of the query rows in row order, for `qrels` whose query ids are not row numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_ids: Option<PathBuf>,
    /// A judged query set beside the queries (`[dataset.judged]`); replaces a catalog entry's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged: Option<JudgedSpec>,
    /// The files came from `--base`/`--queries` flags, not from the config (for messages;
    /// never read from or written to a config).
    #[serde(skip)]
    pub from_command_line: bool,
}

/// `[dataset.judged]`: a query set with relevance judgments over the base rows, evaluated
/// beside the data set's queries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedSpec {
    /// The judged queries (`.npy` or `.fvecs`, the base's dimensions).
    pub queries: PathBuf,
    /// Their judgments (TREC or BEIR qrels).
    pub qrels: PathBuf,
    /// The ids of the judged queries in row order, for qrels whose query ids are not row
    /// numbers (document ids map through `[dataset] base_ids`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_ids: Option<PathBuf>,
}

/// One `[[projection]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionSpec {
    /// The family: `gaussian`, `rademacher`, `achlioptas`, `hadamard`, `orthogonal`, `pca` or `itq`.
    pub kind: String,
    /// Label in results and plots (default: the kind); unique within a config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Sign threshold (`zero`, `mean`, `median`; the last two learned on the base set, per
    /// bit: `bit = y >= θ`).
    #[serde(default)]
    pub threshold: ThresholdMode,
    /// ITQ iterations (`itq` only; default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Train on a seeded subsample of this many base vectors (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
}

impl ProjectionSpec {
    /// An entry of `kind` with the defaults.
    pub fn of_kind(kind: &str) -> Self {
        Self {
            kind: kind.to_string(),
            name: None,
            threshold: ThresholdMode::Zero,
            iterations: None,
            sample: None,
        }
    }

    /// The label: `name`, else the kind.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.kind)
    }

    /// The projection kind ([`validate`] keeps it as [`ValidProjection::kind`]).
    pub fn host_kind(&self) -> Result<Kind, UnknownName> {
        self.kind.parse()
    }

    /// The training options of `seed`.
    pub fn options(&self, seed: u64) -> crate::kinds::TrainOptions {
        crate::kinds::TrainOptions {
            seed,
            iterations: self.iterations.unwrap_or(50),
            threshold: self.threshold,
            sample: self.sample,
        }
    }
}

/// `[metrics]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSpec {
    /// The `k` of each `recall@k` (Hamming top-k vs float top-k).
    pub recall_k: Vec<usize>,
    /// The `k` of `overlap@k`, `ndcg@k`, `rerank@k/x<m>`, `asym_rerank@k/x<m>` and `k@candidates`.
    pub k: usize,
    /// Hamming candidate depth of `k@candidates` and of MRR.
    pub candidates: usize,
    /// Oversample factors `m` of the rescoring metrics (Hamming top-k·m re-ranked).
    pub rerank_oversample: Vec<usize>,
    /// Number of query–base pairs for the similarity metrics.
    pub pair_sample: usize,
    /// Fraction of those pairs drawn from each query's float top-`candidates` (the rest are
    /// uniform base rows), so that small angles are represented.
    pub pair_neighbor_fraction: f64,
    /// Seed of the pair sample.
    pub pair_seed: u64,
    /// Number of equal-width θ/π bins of the calibration.
    pub calibration_bins: usize,
    /// Bins with fewer pairs than this are left out of the calibration summary.
    pub calibration_min_pairs: usize,
    /// `k` of the kNN classification vote.
    pub knn_k: usize,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self {
            recall_k: vec![1, 10, 100],
            k: 10,
            candidates: 100,
            rerank_oversample: vec![2, 5, 10],
            pair_sample: 10_000,
            pair_neighbor_fraction: 0.5,
            pair_seed: 0,
            calibration_bins: 20,
            calibration_min_pairs: 10,
            knn_k: 10,
        }
    }
}

impl MetricsSpec {
    /// Every per-run metric key these settings produce, in output order.
    pub fn metric_keys(&self) -> Vec<String> {
        let k = self.k;
        let mut keys: Vec<String> = self
            .recall_k
            .iter()
            .map(|r| format!("recall@{r}"))
            .collect();
        keys.push(format!("{k}@{}", self.candidates));
        keys.push(format!("overlap@{k}"));
        keys.push(format!("ndcg@{k}"));
        keys.push("mrr".into());
        for m in &self.rerank_oversample {
            keys.push(format!("rerank@{k}/x{m}"));
        }
        for m in &self.rerank_oversample {
            keys.push(format!("asym_rerank@{k}/x{m}"));
        }
        keys.extend(
            [
                "spearman",
                "pearson",
                "kendall",
                "theta_pi_mae",
                "theta_pi_bins_inside",
                "knn_acc",
            ]
            .map(String::from),
        );
        keys
    }

    /// The judged-retrieval modes of a run: `hamming`, then `rerank/x<m>` and
    /// `asym_rerank/x<m>` for each oversample factor.
    pub fn judged_modes(&self) -> Vec<String> {
        let mut modes = vec!["hamming".to_string()];
        modes.extend(
            self.rerank_oversample
                .iter()
                .map(|m| format!("rerank/x{m}")),
        );
        modes.extend(
            self.rerank_oversample
                .iter()
                .map(|m| format!("asym_rerank/x{m}")),
        );
        modes
    }

    /// Every judged summary key, in output order: for each mode, each of [`JUDGED_METRICS`] as
    /// `<metric>/judged`, `<metric>/retained` and `<metric>/noninferior`, followed by
    /// `/<mode>` except for `hamming` (`ndcg@10/retained`, `ndcg@10/retained/rerank/x5`).
    pub fn judged_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for mode in self.judged_modes() {
            let suffix = if mode == "hamming" {
                String::new()
            } else {
                format!("/{mode}")
            };
            for what in ["judged", "retained", "noninferior"] {
                for m in JUDGED_METRICS {
                    keys.push(format!("{m}/{what}{suffix}"));
                }
            }
        }
        keys
    }

    /// The deepest Hamming list any metric needs.
    pub fn hamming_depth(&self) -> usize {
        let rr = self.rerank_oversample.iter().max().copied().unwrap_or(1) * self.k;
        let rk = self.recall_k.iter().max().copied().unwrap_or(1);
        rr.max(rk).max(self.candidates).max(self.knn_k).max(self.k)
    }

    /// The float ground-truth depth the metrics need.
    pub fn gt_depth(&self) -> usize {
        let rk = self.recall_k.iter().max().copied().unwrap_or(1);
        rk.max(self.k).max(self.candidates).max(self.knn_k)
    }
}

/// The judged-retrieval metrics (relevance judgments), as results and criteria name them.
pub const JUDGED_METRICS: [&str; 5] = ["ndcg@10", "mrr@10", "map@100", "recall@100", "p@10"];

/// How a criterion compares the metric with its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// Metric at least the threshold.
    #[serde(rename = ">=")]
    Ge,
    /// Metric above the threshold.
    #[serde(rename = ">")]
    Gt,
    /// Metric at most the threshold.
    #[serde(rename = "<=")]
    Le,
    /// Metric below the threshold.
    #[serde(rename = "<")]
    Lt,
}

impl Comparison {
    /// The operator as written in configs.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Ge => ">=",
            Comparison::Gt => ">",
            Comparison::Le => "<=",
            Comparison::Lt => "<",
        }
    }

    /// Whether `value` satisfies `value <op> threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Ge => value >= threshold,
            Comparison::Gt => value > threshold,
            Comparison::Le => value <= threshold,
            Comparison::Lt => value < threshold,
        }
    }
}

/// The width a criterion judges: a number of bits, or `"max"` (the widest width of the run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CriterionBits {
    /// This many bits.
    Width(usize),
    /// The widest width of the run (`bits = "max"`).
    Max,
}

impl CriterionBits {
    /// The width judged in a run whose widest width is `widest`.
    pub fn resolve(self, widest: usize) -> usize {
        match self {
            CriterionBits::Width(b) => b,
            CriterionBits::Max => widest,
        }
    }
}

impl fmt::Display for CriterionBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CriterionBits::Width(b) => f.pad(&b.to_string()),
            CriterionBits::Max => f.pad("max"),
        }
    }
}

impl Serialize for CriterionBits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CriterionBits::Width(b) => s.serialize_u64(*b as u64),
            CriterionBits::Max => s.serialize_str("max"),
        }
    }
}

impl<'de> Deserialize<'de> for CriterionBits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = CriterionBits;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a code width in bits or \"max\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                usize::try_from(v)
                    .map(CriterionBits::Width)
                    .map_err(|_| E::custom(format!("{v} bits is not supported")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "max" {
                    Ok(CriterionBits::Max)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[[h1.criteria]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// A per-run metric key, e.g. `rerank@10/x10`.
    pub metric: String,
    /// Code width the criterion is about: a number, or `"max"` for the widest width run.
    pub bits: CriterionBits,
    /// Projection label the criterion is about.
    pub projection: String,
    /// `>=`, `>`, `<=` or `<`.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// What the criterion stands for (free text).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// `[h1]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct H1Spec {
    /// The criteria that produce the verdicts.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
}

/// `[output]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSpec {
    /// Parent directory of the run directories (relative to the working directory).
    pub dir: PathBuf,
    /// Write the plots (SVG).
    pub plots: bool,
    /// Also write PNG versions of the plots.
    pub png: bool,
    /// Write `report.html`.
    pub report: bool,
    /// Which runs get TREC run files under `trec/` (with a judged query set).
    pub trec_runs: TrecRuns,
}

impl Default for OutputSpec {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("runs"),
            plots: true,
            png: true,
            report: true,
            trec_runs: TrecRuns::First,
        }
    }
}

/// `[output] trec_runs`: which runs get TREC run files (the float baseline always does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrecRuns {
    /// Every (projection, bits, seed, mode).
    All,
    /// Every (projection, seed, mode) at the widest width run.
    Widest,
    /// Every (projection, mode) at the widest width run and the first seed (the default: a
    /// run file of the sample is about 1 MB).
    First,
    /// The float baseline only.
    None,
}

/// An evaluation config (one TOML file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Short name, used in the run directory name (`[A-Za-z0-9._-]`).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Hypotheses this config tests (`["H1"]`).
    #[serde(default = "default_hypotheses")]
    pub hypotheses: Vec<String>,
    /// The data.
    pub dataset: DatasetSpec,
    /// Projection families to compare.
    #[serde(rename = "projection")]
    pub projections: Vec<ProjectionSpec>,
    /// Code widths in bits.
    pub bits: Vec<usize>,
    /// Projection seeds (one run per projection × bits × seed).
    pub seeds: Vec<u64>,
    /// Metric settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Verdict criteria.
    #[serde(default)]
    pub h1: H1Spec,
    /// Worker threads (0 = all cores; at most 4 × the cores and 1024, see
    /// [`crate::threads`]).
    #[serde(default)]
    pub threads: usize,
    /// Output options.
    #[serde(default)]
    pub output: OutputSpec,
}

fn default_hypotheses() -> Vec<String> {
    vec!["H1".into()]
}

/// A parsed config with where it came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The config.
    pub config: Config,
    /// The file it was read from (`None` for a built-in or ad-hoc config).
    pub path: Option<PathBuf>,
    /// The TOML source (for locating keys in errors).
    pub source: String,
}

impl LoadedConfig {
    /// The directory relative paths in the config are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn file_label(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<config>".into())
    }

    /// An error about `key` (located in the source when possible).
    pub fn error(&self, key: &str, kind: ConfigErrorKind, message: String) -> ConfigError {
        let (line, column) = match locate_key(&self.source, key) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        ConfigError {
            file: self.file_label(),
            line,
            column,
            key: Some(key.to_string()),
            kind,
            message,
        }
    }
}

/// Reads and parses a config file (no validation; see [`validate`]).
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        line: None,
        column: None,
        key: None,
        kind: ConfigErrorKind::Io,
        message: format!("cannot read: {e}"),
    })?;
    parse(&source, Some(path))
}

/// Parses TOML `source` (from `path`, for messages).
pub fn parse(source: &str, path: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let file = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<config>".into());
    match toml::from_str::<Config>(source) {
        Ok(config) => Ok(LoadedConfig {
            config,
            path: path.map(Path::to_path_buf),
            source: source.to_string(),
        }),
        Err(e) => Err(from_toml_error(&file, source, &e)),
    }
}

fn from_toml_error(file: &str, source: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_string();
    let kind = if message.starts_with("unknown field") {
        ConfigErrorKind::UnknownKey
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        ConfigErrorKind::WrongType
    } else if message.starts_with("missing field") {
        ConfigErrorKind::MissingKey
    } else if message.starts_with("unknown variant")
        || message.starts_with("unknown threshold")
        || message.starts_with("unknown normalization")
    {
        ConfigErrorKind::InvalidValue
    } else {
        ConfigErrorKind::Syntax
    };
    let (line, column, key) = match e.span() {
        Some(span) => {
            let (l, c) = line_col(source, span.start);
            let mut key = key_at(source, span.start);
            if kind == ConfigErrorKind::UnknownKey
                && let Some(name) = message.split('`').nth(1)
            {
                key = Some(join_key(&table_at(source, span.start), name));
            }
            (Some(l), Some(c), key)
        }
        None => (None, None, None),
    };
    let key = match (kind, key) {
        (ConfigErrorKind::MissingKey, k) => message
            .split('`')
            .nth(1)
            .map(|name| join_key(&k.unwrap_or_default(), name)),
        (_, k) => k,
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key,
        kind,
        message,
    }
}

fn join_key(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

/// 1-based (line, column) of byte `offset`.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

/// The table header (`a.b`, `projection`) in force at `offset`.
fn table_at(source: &str, offset: usize) -> String {
    let before = &source[..offset.min(source.len())];
    for line in before.lines().rev() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            return h.trim().to_string();
        }
        if let Some(h) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            return h.trim().to_string();
        }
    }
    String::new()
}

/// The dotted key whose value is at `offset` (best effort).
fn key_at(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].lines().next().unwrap_or("");
    let table = table_at(source, start);
    match line.split_once('=') {
        Some((k, _)) if !k.trim().starts_with('[') => Some(join_key(&table, k.trim())),
        _ if table.is_empty() => None,
        _ => Some(table),
    }
}

/// Finds the line and column of a dotted key such as `metrics.k`, `bits` or
/// `projection[1].kind` in `source` (best effort, for error messages).
pub fn locate_key(source: &str, key: &str) -> Option<(usize, usize)> {
    // Split `a.b[2].c` into the table path (with an optional array index) and the last key.
    let (table, last) = match key.rsplit_once('.') {
        Some((t, l)) => (t.to_string(), l.to_string()),
        None => (String::new(), key.to_string()),
    };
    let last = last.split('[').next().unwrap_or(&last).to_string();
    let (table_name, index) = match table.split_once('[') {
        Some((t, rest)) => (
            t.to_string(),
            rest.trim_end_matches(']').parse::<usize>().ok(),
        ),
        None => (table.clone(), None),
    };
    let mut current = String::new();
    let mut seen = 0usize;
    let mut in_target = table_name.is_empty();
    let mut offset = 0usize;
    for (i, line) in source.lines().enumerate() {
        let t = line.trim();
        let header = if let Some(h) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            Some((h.trim().to_string(), true))
        } else {
            t.strip_prefix('[')
                .and_then(|r| r.split(']').next())
                .map(|h| (h.trim().to_string(), false))
        };
        if let Some((h, is_array)) = header {
            current = h;
            in_target = current == table_name
                && (!is_array || {
                    seen += 1;
                    index.is_none_or(|ix| ix + 1 == seen)
                });
            if in_target && !table_name.is_empty() && last.is_empty() {
                return Some((i + 1, 1));
            }
            offset += line.len() + 1;
            continue;
        }
        if in_target
            && let Some((k, _)) = t.split_once('=')
            && k.trim() == last
        {
            let col = line.len() - line.trim_start().len() + 1;
            return Some((i + 1, col));
        }
        offset += line.len() + 1;
    }
    let _ = (offset, current);
    None
}

/// A `[[projection]]` entry that passed [`validate`], with its kind parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidProjection {
    /// The entry as written (after overrides).
    pub spec: ProjectionSpec,
    /// Its kind.
    pub kind: Kind,
}

impl ValidProjection {
    /// The label: `name`, else the kind.
    pub fn label(&self) -> &str {
        self.spec.label()
    }

    /// The training options of `seed`.
    pub fn options(&self, seed: u64) -> crate::kinds::TrainOptions {
        self.spec.options(seed)
    }
}

/// A config that passed [`validate`]: the config (overrides applied) and its projection entries
/// in types, so nothing downstream parses a name again.
#[derive(Clone, Debug)]
pub struct ValidConfig {
    /// The config and where it came from.
    pub loaded: LoadedConfig,
    /// `loaded.config.projections`, validated, in the same order.
    pub projections: Vec<ValidProjection>,
}

impl ValidConfig {
    /// The config.
    pub fn config(&self) -> &Config {
        &self.loaded.config
    }
}

/// Command-line overrides of a config.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--bits`.
    pub bits: Option<Vec<usize>>,
    /// `--projection`.
    pub projections: Option<Vec<String>>,
    /// `--seeds`.
    pub seeds: Option<Vec<u64>>,
    /// `--k`.
    pub k: Option<usize>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--trust-gt`.
    pub trust_gt: bool,
    /// `--qrels` (absolute, or relative to the working directory).
    pub qrels: Option<PathBuf>,
    /// `--base-ids`.
    pub base_ids: Option<PathBuf>,
    /// `--query-ids`.
    pub query_ids: Option<PathBuf>,
}

impl Overrides {
    /// Applies the overrides to `config`.
    pub fn apply(&self, config: &mut Config) {
        if let Some(b) = &self.bits {
            config.bits = b.clone();
        }
        if let Some(p) = &self.projections {
            config.projections = p.iter().map(|k| ProjectionSpec::of_kind(k)).collect();
        }
        if let Some(s) = &self.seeds {
            config.seeds = s.clone();
        }
        if let Some(k) = self.k {
            config.metrics.k = k;
        }
        if let Some(t) = self.threads {
            config.threads = t;
        }
        if self.trust_gt {
            config.dataset.trust_gt = true;
        }
        self.apply_judged(config);
    }

    /// Applies `--qrels`, `--base-ids` and `--query-ids` (`--qrels` replaces a
    /// `[dataset.judged]` set).
    pub fn apply_judged(&self, config: &mut Config) {
        if let Some(q) = &self.qrels {
            config.dataset.qrels = Some(q.clone());
            config.dataset.judged = None;
        }
        if let Some(b) = &self.base_ids {
            config.dataset.base_ids = Some(b.clone());
        }
        if let Some(q) = &self.query_ids {
            config.dataset.query_ids = Some(q.clone());
        }
    }
}

/// Checks every value of `loaded` (after overrides). `cli` names the overridden keys, so their
/// errors point at the command line instead of the file.
pub fn validate(loaded: &LoadedConfig, cli: &Overrides) -> Result<ValidConfig, ConfigError> {
    check_identity(loaded)?;
    check_runs(loaded, cli)?;
    let projections = check_projections(loaded, cli)?;
    check_metrics(loaded, cli)?;
    check_criteria(loaded, cli)?;
    check_dataset(loaded, cli)?;
    Ok(ValidConfig {
        loaded: loaded.clone(),
        projections,
    })
}

/// The error about `key` of `loaded`, or about `flag` when the value came from the command line.
fn fail(
    loaded: &LoadedConfig,
    key: &str,
    flag: Option<&str>,
    kind: ConfigErrorKind,
    message: String,
) -> ConfigError {
    match flag {
        Some(flag) => ConfigError {
            file: "command line".into(),
            line: None,
            column: None,
            key: Some(flag.to_string()),
            kind,
            message,
        },
        None => loaded.error(key, kind, message),
    }
}

/// Checks the name and the hypotheses.
fn check_identity(loaded: &LoadedConfig) -> Result<(), ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    if c.name.is_empty()
        || !c
            .name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
    {
        return Err(err(
            "name",
            None,
            InvalidValue,
            format!(
                "`{}` must be non-empty and use only A-Z a-z 0-9 . _ -",
                c.name
            ),
        ));
    }
    for h in &c.hypotheses {
        if h != "H1" {
            return Err(err(
                "hypotheses",
                None,
                InvalidValue,
                format!("unknown hypothesis `{h}` (known: H1)"),
            ));
        }
    }
    Ok(())
}

/// Checks the widths, seeds and thread count.
fn check_runs(loaded: &LoadedConfig, cli: &Overrides) -> Result<(), ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    let bits_flag = cli.bits.as_ref().map(|_| "--bits");
    if c.bits.is_empty() {
        return Err(err("bits", bits_flag, InvalidValue, "empty list".into()));
    }
    for &b in &c.bits {
        if b == 0 || b > MAX_BITS {
            return Err(err(
                "bits",
                bits_flag,
                InvalidValue,
                format!("{b} bits is not supported (1..={MAX_BITS})"),
            ));
        }
    }
    if has_duplicates(&c.bits) {
        return Err(err(
            "bits",
            bits_flag,
            InvalidValue,
            "duplicate widths".into(),
        ));
    }
    let seeds_flag = cli.seeds.as_ref().map(|_| "--seeds");
    if c.seeds.is_empty() {
        return Err(err("seeds", seeds_flag, InvalidValue, "empty list".into()));
    }
    if has_duplicates(&c.seeds) {
        return Err(err(
            "seeds",
            seeds_flag,
            InvalidValue,
            "duplicate seeds".into(),
        ));
    }
    if let Err(e) = crate::threads::check(c.threads) {
        let flag = cli.threads.map(|_| "--threads");
        return Err(err("threads", flag, InvalidValue, e.to_string()));
    }
    Ok(())
}

/// Checks the `[[projection]]` entries (their kinds parsed).
fn check_projections(
    loaded: &LoadedConfig,
    cli: &Overrides,
) -> Result<Vec<ValidProjection>, ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    let proj_flag = cli.projections.as_ref().map(|_| "--projection");
    if c.projections.is_empty() {
        return Err(err(
            "projection",
            proj_flag,
            MissingKey,
            "at least one [[projection]] is needed".into(),
        ));
    }
    let mut labels = BTreeSet::new();
    let mut projections = Vec::with_capacity(c.projections.len());
    for (i, p) in c.projections.iter().enumerate() {
        if p.iterations.is_some() && p.kind != "itq" {
            return Err(err(
                &format!("projection[{i}].iterations"),
                None,
                InvalidValue,
                format!("`iterations` applies to kind `itq` only, not `{}`", p.kind),
            ));
        }
        if p.iterations == Some(0) || p.sample.is_some_and(|n| n < 2) {
            let key = if p.iterations == Some(0) {
                "iterations"
            } else {
                "sample"
            };
            return Err(err(
                &format!("projection[{i}].{key}"),
                None,
                InvalidValue,
                format!(
                    "`{key}` must be at least {}",
                    if key == "sample" { 2 } else { 1 }
                ),
            ));
        }
        let kind = p.host_kind().map_err(|e| {
            err(
                &format!("projection[{i}].kind"),
                proj_flag,
                UnknownProjection,
                e.to_string(),
            )
        })?;
        if !labels.insert(p.label().to_string()) {
            return Err(err(
                &format!("projection[{i}].name"),
                proj_flag,
                InvalidValue,
                format!(
                    "projection label `{}` is used twice (give each entry a distinct `name`)",
                    p.label()
                ),
            ));
        }
        projections.push(ValidProjection {
            spec: p.clone(),
            kind,
        });
    }
    Ok(projections)
}

/// Checks `[metrics]`.
fn check_metrics(loaded: &LoadedConfig, cli: &Overrides) -> Result<(), ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    let m = &c.metrics;
    let k_flag = cli.k.map(|_| "--k");
    if m.k == 0 {
        return Err(err(
            "metrics.k",
            k_flag,
            InvalidValue,
            "k must be at least 1".into(),
        ));
    }
    let positive = |key: &str, v: &[usize]| -> Result<(), ConfigError> {
        if v.is_empty() || v.contains(&0) || has_duplicates(v) {
            return Err(err(
                key,
                None,
                InvalidValue,
                format!("{v:?}: need distinct values >= 1"),
            ));
        }
        Ok(())
    };
    positive("metrics.recall_k", &m.recall_k)?;
    positive("metrics.rerank_oversample", &m.rerank_oversample)?;
    if m.candidates < m.k {
        return Err(err(
            if k_flag.is_some() {
                "metrics.k"
            } else {
                "metrics.candidates"
            },
            k_flag,
            InvalidValue,
            format!(
                "k = {} exceeds metrics.candidates = {} (the Hamming depth of k@candidates and MRR)",
                m.k, m.candidates
            ),
        ));
    }
    for (key, v, min) in [
        ("metrics.pair_sample", m.pair_sample, 3),
        ("metrics.calibration_bins", m.calibration_bins, 1),
        ("metrics.calibration_min_pairs", m.calibration_min_pairs, 1),
        ("metrics.knn_k", m.knn_k, 1),
    ] {
        if v < min {
            return Err(err(
                key,
                None,
                InvalidValue,
                format!("{v} is below the minimum {min}"),
            ));
        }
    }
    if !(0.0..=1.0).contains(&m.pair_neighbor_fraction) {
        return Err(err(
            "metrics.pair_neighbor_fraction",
            None,
            InvalidValue,
            format!("{} is not in [0, 1]", m.pair_neighbor_fraction),
        ));
    }
    Ok(())
}

/// Checks `[h1]` criteria (their metrics are ones the config produces).
fn check_criteria(loaded: &LoadedConfig, cli: &Overrides) -> Result<(), ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    let m = &c.metrics;
    let mut keys = m.metric_keys();
    keys.extend(m.judged_keys());
    for (i, cr) in c.h1.criteria.iter().enumerate() {
        // With `--k` the metric names change; criteria on other names become "not evaluated"
        // verdicts (with a warning) instead of errors.
        if cli.k.is_none() && !keys.contains(&cr.metric) {
            return Err(err(
                &format!("h1.criteria[{i}].metric"),
                None,
                InvalidValue,
                format!(
                    "unknown metric `{}` (this config produces: {}; with judgments also <metric>/judged, <metric>/retained and <metric>/noninferior for {}, each optionally followed by /rerank/x<m> or /asym_rerank/x<m>)",
                    cr.metric,
                    m.metric_keys().join(", "),
                    JUDGED_METRICS.join(", ")
                ),
            ));
        }
        if let CriterionBits::Width(b) = cr.bits
            && (b == 0 || b > MAX_BITS)
        {
            return Err(err(
                &format!("h1.criteria[{i}].bits"),
                None,
                InvalidValue,
                format!(
                    "{b} bits is not supported (1..={MAX_BITS}, or \"max\" for the widest width run)"
                ),
            ));
        }
        if !cr.threshold.is_finite() {
            return Err(err(
                &format!("h1.criteria[{i}].threshold"),
                None,
                InvalidValue,
                "threshold must be finite".into(),
            ));
        }
    }
    Ok(())
}

/// Checks `[dataset]`.
fn check_dataset(loaded: &LoadedConfig, cli: &Overrides) -> Result<(), ConfigError> {
    use ConfigErrorKind::*;
    let c = &loaded.config;
    let err = |key: &str, flag: Option<&str>, kind: ConfigErrorKind, message: String| {
        fail(loaded, key, flag, kind, message)
    };
    let d = &c.dataset;
    let has_paths = d.base.is_some() || d.queries.is_some();
    match (&d.id, has_paths) {
        (Some(_), true) => {
            return Err(err(
                "dataset.id",
                None,
                InvalidValue,
                "give either a catalog `id` or `base` + `queries` files, not both".into(),
            ));
        }
        (None, false) => {
            return Err(err(
                "dataset",
                None,
                MissingKey,
                "give a catalog `id` or `base` + `queries` files".into(),
            ));
        }
        (None, true) if d.base.is_none() || d.queries.is_none() => {
            return Err(err(
                "dataset",
                None,
                MissingKey,
                "both `base` and `queries` are needed".into(),
            ));
        }
        _ => {}
    }
    check_judged(loaded, cli)?;
    if let Some(names) = &d.label_names {
        if d.id.is_some() {
            return Err(err(
                "dataset.label_names",
                None,
                InvalidValue,
                "a catalog data set has its own class names; `label_names` is for `base` + `queries` files".into(),
            ));
        }
        if names.is_empty() || d.base_labels.is_none() && d.query_labels.is_none() {
            return Err(err(
                "dataset.label_names",
                None,
                InvalidValue,
                "needs at least one name and a `base_labels` or `query_labels` file to name".into(),
            ));
        }
    }
    Ok(())
}

/// Checks the judgment keys of `[dataset]`: `qrels` or `[dataset.judged]` (not both), and the
/// ids files only beside what they map.
fn check_judged(loaded: &LoadedConfig, cli: &Overrides) -> Result<(), ConfigError> {
    use ConfigErrorKind::InvalidValue;
    let d = &loaded.config.dataset;
    let err = |key: &str, message: &str| {
        let flag = match key {
            "dataset.qrels" => cli.qrels.as_ref().map(|_| "--qrels"),
            "dataset.query_ids" => cli.query_ids.as_ref().map(|_| "--query-ids"),
            _ => cli.base_ids.as_ref().map(|_| "--base-ids"),
        };
        fail(loaded, key, flag, InvalidValue, message.into())
    };
    if d.qrels.is_some() && d.judged.is_some() {
        return Err(err(
            "dataset.qrels",
            "give `qrels` (judgments of the queries) or a [dataset.judged] query set, not both",
        ));
    }
    if d.query_ids.is_some() && d.qrels.is_none() {
        return Err(err(
            "dataset.query_ids",
            "`query_ids` maps the query ids of `qrels`, which is not given (a [dataset.judged] set has its own `query_ids`)",
        ));
    }
    if d.base_ids.is_some() && d.qrels.is_none() && d.judged.is_none() && d.id.is_none() {
        return Err(err(
            "dataset.base_ids",
            "`base_ids` maps the document ids of judgments, but neither `qrels` nor [dataset.judged] is given",
        ));
    }
    Ok(())
}

fn has_duplicates<T: Ord + Copy>(v: &[T]) -> bool {
    let mut s: Vec<T> = v.to_vec();
    s.sort_unstable();
    s.windows(2).any(|w| w[0] == w[1])
}

/// Parses a comma-separated list (`64,256,1024`) for the command line.
pub fn parse_list<T: std::str::FromStr>(s: &str) -> Result<Vec<T>, String>
where
    T::Err: fmt::Display,
{
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<T>().map_err(|e| format!("`{p}`: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
bits = [64, 128]
seeds = [0, 1]

[dataset]
id = "wordnet-minilm-sample"

[[projection]]
kind = "gaussian"

[[projection]]
kind = "rademacher"

[metrics]
k = 10

[[h1.criteria]]
metric = "recall@10"
bits = 128
projection = "gaussian"
comparison = ">="
threshold = 0.5
"#;

    fn parse_ok(s: &str) -> LoadedConfig {
        parse(s, Some(Path::new("t.toml"))).unwrap()
    }

    #[test]
    fn good_config_parses_and_validates_with_defaults() {
        let l = parse_ok(GOOD);
        validate(&l, &Overrides::default()).unwrap();
        assert_eq!(l.config.metrics.recall_k, [1, 10, 100]);
        assert_eq!(l.config.hypotheses, ["H1"]);
        assert_eq!(l.config.h1.criteria[0].comparison, Comparison::Ge);
        assert_eq!(l.config.dataset.normalization, Normalization::Require);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let s = GOOD.replace("k = 10", "k = 10\nkk = 3");
        let e = parse(&s, Some(Path::new("t.toml"))).unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::UnknownKey);
        assert_eq!(e.key.as_deref(), Some("metrics.kk"));
        assert_eq!(e.line, Some(17));
        assert!(e.to_string().starts_with("t.toml:17:"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let s = GOOD.replace("bits = [64, 128]", "bits = \"many\"");
        let e = parse(&s, Some(Path::new("t.toml"))).unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::WrongType);
        assert_eq!(e.key.as_deref(), Some("bits"));
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn unknown_projection_kind_is_located() {
        let s = GOOD.replace("kind = \"rademacher\"", "kind = \"orthogonalish\"");
        let l = parse_ok(&s);
        let e = validate(&l, &Overrides::default()).unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::UnknownProjection);
        assert_eq!(e.key.as_deref(), Some("projection[1].kind"));
        assert_eq!(e.line, Some(13));
        assert!(
            e.message
                .contains("gaussian, rademacher, achlioptas, hadamard, orthogonal, pca, itq")
        );
    }

    #[test]
    fn bad_values_are_rejected_with_their_key() {
        for (from, to, key) in [
            ("bits = [64, 128]", "bits = [0]", "bits"),
            ("bits = [64, 128]", "bits = [65537]", "bits"),
            ("k = 10", "k = 0", "metrics.k"),
            (
                "threshold = 0.5",
                "threshold = nan",
                "h1.criteria[0].threshold",
            ),
            (
                "metric = \"recall@10\"",
                "metric = \"recall@7\"",
                "h1.criteria[0].metric",
            ),
            ("seeds = [0, 1]", "seeds = []", "seeds"),
            (
                "id = \"wordnet-minilm-sample\"",
                "id = \"wordnet-minilm-sample\"\nlabel_names = [\"a\"]",
                "dataset.label_names",
            ),
        ] {
            let l = parse_ok(&GOOD.replace(from, to));
            let e = validate(&l, &Overrides::default()).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{e}");
            assert!(e.line.is_some(), "{e}");
        }
    }

    #[test]
    fn overrides_apply_and_their_errors_name_the_flag() {
        let mut l = parse_ok(GOOD);
        let o = Overrides {
            bits: Some(vec![0]),
            ..Default::default()
        };
        o.apply(&mut l.config);
        let e = validate(&l, &o).unwrap_err();
        assert_eq!(e.file, "command line");
        assert_eq!(e.key.as_deref(), Some("--bits"));
        let o = Overrides {
            projections: Some(vec!["achlioptas".into()]),
            seeds: Some(vec![5]),
            k: Some(3),
            ..Default::default()
        };
        let mut l = parse_ok(GOOD);
        o.apply(&mut l.config);
        validate(&l, &o).unwrap();
        assert_eq!(l.config.projections[0].kind, "achlioptas");
        assert_eq!(l.config.metrics.k, 3);
    }

    #[test]
    fn metric_keys_follow_the_settings() {
        let m = MetricsSpec::default();
        let keys = m.metric_keys();
        for k in [
            "recall@1",
            "recall@10",
            "recall@100",
            "10@100",
            "overlap@10",
            "ndcg@10",
            "mrr",
            "rerank@10/x2",
            "asym_rerank@10/x10",
            "spearman",
            "pearson",
            "kendall",
            "theta_pi_mae",
            "theta_pi_bins_inside",
            "knn_acc",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k}");
        }
        assert_eq!(m.hamming_depth(), 100);
        assert_eq!(m.gt_depth(), 100);
    }

    #[test]
    fn parse_list_reads_commas() {
        assert_eq!(
            parse_list::<usize>("64, 256,1024").unwrap(),
            [64, 256, 1024]
        );
        assert!(parse_list::<usize>("64,x").is_err());
    }
}
