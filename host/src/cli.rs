//! The command line (clap derive; the doc comments are the `--help` text).
//!
//! Adding a command is one variant of [`Command`] (or of a nested enum such as
//! [`crate::bench::BenchCommand`]) plus one arm in [`run`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

use binaryllm_engine::config::{Normalization, parse_list};

/// binaryllm: binary embedding lab and engine.
///
/// Projects float embeddings with seeded random hyperplanes, keeps the sign bits, searches by
/// Hamming distance, and measures how much of the float nearest-neighbour structure survives
/// (hypothesis H1).
#[derive(Debug, Parser)]
#[command(name = "binaryllm", version, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an H1 evaluation and write a run directory (results.json, CSVs, plots, report.html).
    ///
    /// With no arguments it runs configs/default.toml on the shipped sample data set.
    Eval(EvalArgs),
    /// Encode float vectors into packed binary codes (uint8 [N, ceil(bits/8)] .npy).
    Encode(EncodeArgs),
    /// Exact Hamming top-k search; writes ids.npy (int64) and distances.npy (int32).
    Search(SearchArgs),
    /// Projections: write the exact f32 matrix [bits, dims] that `encode` uses (no subcommand),
    /// train a learned projection artefact (`train`) or export one for the firmware (`export`).
    Projection(ProjectionArgs),
    /// Export codes for other engines: a FAISS `IndexBinaryFlat` file or `ubinary` bytes.
    Export(ExportArgs),
    /// Benchmarks that print tables and write JSON: to a new run directory
    /// `runs/<UTC timestamp>-bench-<name>/`, or to `--out` (e.g. the tracked `bench/results/`).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// Cortex-M firmware: run it under QEMU or decode a board's report, with parity and budgets.
    #[command(subcommand)]
    Firmware(FirmwareCommand),
}

/// A comma-separated list argument (`64,256,1024`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>);

fn list<T: std::str::FromStr>(s: &str) -> Result<List<T>, String>
where
    T::Err: std::fmt::Display,
{
    parse_list(s).map(List)
}

/// `binaryllm eval`.
#[derive(Debug, Args, Default, Clone)]
pub struct EvalArgs {
    /// Config file (default: configs/default.toml of the repository).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run directory (default: `OUTPUT_DIR/UTC-TIMESTAMP-CONFIG_NAME`, OUTPUT_DIR from the config).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run directory that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
    /// Code widths, e.g. 64,256,1024 (overrides `bits`).
    #[arg(long, value_name = "LIST", value_parser = list::<usize>)]
    pub bits: Option<List<usize>>,
    /// Projection kinds, e.g. gaussian,rademacher (overrides the `[[projection]]` entries).
    #[arg(long, value_name = "LIST", value_parser = list::<String>)]
    pub projection: Option<List<String>>,
    /// Seeds, e.g. 0,1,2 (overrides `seeds`).
    #[arg(long, value_name = "LIST", value_parser = list::<u64>)]
    pub seeds: Option<List<u64>>,
    /// The k of overlap@k, ndcg@k, rerank@k and k@candidates (overrides `metrics.k`).
    #[arg(long)]
    pub k: Option<usize>,
    /// Worker threads (0 = all cores; at most 4 × the cores and 1024; overrides `threads`).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Precomputed base codes (from `encode`) to evaluate instead of encoding the base: the
    /// projection, seed and bits come from their sidecar (CODES.json), which must name the
    /// base file; the queries are encoded with the same projection.
    #[arg(long, value_name = "FILE")]
    pub codes: Option<PathBuf>,
    /// Ad-hoc data: base vectors (.npy f16/f32/f64 or .fvecs) instead of the config's data set.
    #[arg(long, value_name = "FILE", requires = "queries")]
    pub base: Option<PathBuf>,
    /// Ad-hoc data: query vectors.
    #[arg(long, value_name = "FILE", requires = "base")]
    pub queries: Option<PathBuf>,
    /// Ad-hoc data: integer label per base row.
    #[arg(long, value_name = "FILE", requires = "base")]
    pub base_labels: Option<PathBuf>,
    /// Ad-hoc data: integer label per query.
    #[arg(long, value_name = "FILE", requires = "base")]
    pub query_labels: Option<PathBuf>,
    /// Ad-hoc data: exact float top-k ids per query (computed when absent).
    #[arg(long, value_name = "FILE", requires = "base")]
    pub gt: Option<PathBuf>,
    /// Ad-hoc data: row normalisation policy.
    #[arg(long, value_enum, requires = "base")]
    pub normalization: Option<NormArg>,
    /// Use the ground-truth file (--gt, or the data set's) without spot-checking it against
    /// an exact search of 16 seeded queries (sets `[dataset] trust_gt`).
    #[arg(long)]
    pub trust_gt: bool,
    /// Exit with code 3 (after writing the run directory) when an H1 criterion could not be
    /// evaluated (its width, projection or metric is not in the run).
    #[arg(long)]
    pub strict: bool,
    /// No progress output and no summary table (warnings and errors still print).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--normalization`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NormArg {
    /// Every row must already have L2 norm 1 (within 1e-3).
    Require,
    /// Normalise every row.
    L2,
    /// Use rows as they are.
    None,
}

impl From<NormArg> for Normalization {
    fn from(n: NormArg) -> Self {
        match n {
            NormArg::Require => Normalization::Require,
            NormArg::L2 => Normalization::L2,
            NormArg::None => Normalization::None,
        }
    }
}

/// Byte layout of code files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CodeFormat {
    /// LSB-first bytes: FAISS binary codes, numpy.packbits(bitorder="little").
    #[default]
    Faiss,
    /// MSB-first bytes: numpy.packbits default (sentence-transformers `ubinary`).
    Packbits,
}

/// Projection arguments shared by `encode` and `search`.
///
/// The value fields are `None` when the flag was not given, so `search` can take them from the
/// codes' sidecar (and reject a flag that contradicts it); the accessors give the defaults.
#[derive(Debug, Args, Clone, Default)]
pub struct ProjectionOpts {
    /// Projection kind: gaussian, rademacher, achlioptas, hadamard, orthogonal, pca or itq
    /// [default: gaussian; for `search`: the codes' sidecar, else gaussian].
    #[arg(long, value_name = "KIND")]
    pub projection: Option<String>,
    /// Projection seed (random matrix, Hadamard signs, ITQ start rotation, training subsample)
    /// [default: 0; for `search`: the codes' sidecar, else 0].
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Per-bit thresholds: zero, mean or median of the projected training vectors
    /// [default: zero; for `search`: the codes' sidecar, else zero].
    #[arg(long, value_name = "RULE")]
    pub threshold: Option<String>,
    /// ITQ iterations [default: 50; for `search`: the codes' sidecar, else 50].
    #[arg(long, value_name = "N")]
    pub iterations: Option<usize>,
    /// Train on a seeded subsample of this many vectors (default: all).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Training vectors for pca/itq and mean/median thresholds.
    // `encode` and `search` replace this help with their own (`mut_arg`): where the training
    // vectors come from differs.
    #[arg(long, value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// A trained projection artefact directory (from `projection train`); replaces
    /// --projection/--seed/--threshold (default for `search`: the artefact in the codes'
    /// sidecar).
    #[arg(long, value_name = "DIR")]
    pub projection_file: Option<PathBuf>,
}

impl ProjectionOpts {
    /// Default projection kind.
    pub const DEFAULT_KIND: &'static str = "gaussian";
    /// Default threshold rule.
    pub const DEFAULT_THRESHOLD: &'static str = "zero";
    /// Default ITQ iterations.
    pub const DEFAULT_ITERATIONS: usize = 50;

    /// `--projection`, else [`DEFAULT_KIND`](Self::DEFAULT_KIND).
    pub fn kind(&self) -> &str {
        self.projection.as_deref().unwrap_or(Self::DEFAULT_KIND)
    }

    /// `--seed`, else 0.
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(0)
    }

    /// `--threshold`, else [`DEFAULT_THRESHOLD`](Self::DEFAULT_THRESHOLD).
    pub fn threshold(&self) -> &str {
        self.threshold.as_deref().unwrap_or(Self::DEFAULT_THRESHOLD)
    }

    /// `--iterations`, else [`DEFAULT_ITERATIONS`](Self::DEFAULT_ITERATIONS).
    pub fn iterations(&self) -> usize {
        self.iterations.unwrap_or(Self::DEFAULT_ITERATIONS)
    }
}

/// `binaryllm encode`.
#[derive(Debug, Args)]
#[command(mut_arg("train", |a| a.help(
    "Training vectors for pca/itq and mean/median thresholds (default: --input; give the base \
     set here when encoding queries separately)"
)))]
pub struct EncodeArgs {
    /// Float vectors (.npy f16/f32/f64 [N, D] or .fvecs).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Code width in bits (default with --projection-file: the artefact's).
    #[arg(long, required_unless_present = "projection_file")]
    pub bits: Option<usize>,
    /// The projection.
    #[command(flatten)]
    pub proj: ProjectionOpts,
    /// Output .npy (uint8 [N, ceil(bits/8)]); its sidecar OUT.json records how the codes were
    /// made (bits, byte order, projection, input sha256).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
    /// Bit order inside each byte.
    #[arg(long, value_enum, default_value_t = CodeFormat::Faiss)]
    pub format: CodeFormat,
    /// Worker threads (0 = all cores; at most 4 × the cores and 1024).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Project with fused multiply-add kernels: faster on CPUs with FMA (see bench/README.md),
    /// but not bit-identical to the default reference arithmetic that `eval` and the firmware
    /// use: a sign bit flips where an output lies within rounding of its threshold (measured:
    /// about 1 bit in 10 million on WordNet). No effect on `hadamard` (matrix-free).
    #[arg(long)]
    pub fma: bool,
}

/// `binaryllm search`.
#[derive(Debug, Args)]
#[command(mut_arg("train", |a| a.help(
    "Training vectors for pca/itq and mean/median thresholds of --queries (default: the training \
     file named in the codes' sidecar): the base set the codes were made from"
)))]
pub struct SearchArgs {
    /// Database codes (uint8 [N, bytes] .npy, as written by `encode`). Their sidecar
    /// (CODES.json) gives the defaults of --bits, --format and the projection of --queries,
    /// and any flag that contradicts it is an error.
    #[arg(long, value_name = "FILE")]
    pub codes: PathBuf,
    /// Query codes (uint8 [nq, bytes] .npy).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "queries",
        required_unless_present = "queries"
    )]
    pub query_codes: Option<PathBuf>,
    /// Float queries to encode with the projection options (.npy or .fvecs).
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Code width in bits (default: the sidecar's, else 8 × the code bytes).
    #[arg(long)]
    pub bits: Option<usize>,
    /// The projection of --queries.
    #[command(flatten)]
    pub proj: ProjectionOpts,
    /// Neighbours per query (clamped to the database size with a warning).
    #[arg(long)]
    pub k: usize,
    /// Float base vectors (the rows the codes were made from): re-rank the Hamming candidates
    /// by exact inner product with the float --queries.
    #[arg(
        long,
        value_name = "FILE",
        requires = "queries",
        conflicts_with = "asymmetric"
    )]
    pub base: Option<PathBuf>,
    /// Hamming candidates per query to re-rank (with --base or --asymmetric; default with
    /// --asymmetric: every code).
    #[arg(long, value_name = "M")]
    pub rerank: Option<usize>,
    /// Re-rank by the float query's projection (minus thresholds) · the documents' ±1 signs.
    #[arg(long, requires = "queries")]
    pub asymmetric: bool,
    /// Bit order of the code files [default: each file's sidecar, else faiss].
    #[arg(long, value_enum)]
    pub format: Option<CodeFormat>,
    /// Worker threads (0 = all cores; at most 4 × the cores and 1024).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output directory (ids.npy and distances.npy; ids.npy and scores.npy when re-ranking).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// `binaryllm projection`: with no subcommand, the matrix writer (`--dims --bits --out`).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ProjectionArgs {
    /// `train` or `export` (none: write a matrix).
    #[command(subcommand)]
    pub command: Option<ProjectionCommand>,
    /// Input dimensionality.
    #[arg(long, required = true)]
    pub dims: Option<usize>,
    /// Code width in bits (rows of the matrix).
    #[arg(long, required = true)]
    pub bits: Option<usize>,
    /// Projection kind: gaussian, rademacher, achlioptas, hadamard or orthogonal (pca and itq
    /// learn from data: `projection train` writes their matrix).
    #[arg(long, default_value = "gaussian")]
    pub projection: String,
    /// Projection seed (random matrix, Hadamard signs).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output .npy (f32 [bits, dims]).
    #[arg(long, value_name = "FILE", required = true)]
    pub out: Option<PathBuf>,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// `binaryllm projection train|export`.
#[derive(Debug, Subcommand)]
pub enum ProjectionCommand {
    /// Train a projection on base vectors and save it as an artefact directory
    /// (projection.json, matrix.npy, thresholds.npy, mean.npy).
    Train(TrainArgs),
    /// Export an artefact directory for the firmware: Rust source (`rust`) or binary (`bin`).
    Export(ProjExportArgs),
}

/// `binaryllm projection train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Projection kind: orthogonal, pca, itq, gaussian, rademacher or achlioptas (hadamard is
    /// matrix-free).
    // `--kind`, the old name, is a hidden alias so that old scripts keep working.
    #[arg(long, alias = "kind")]
    pub projection: String,
    /// Training vectors (.npy f16/f32/f64 [N, D] or .fvecs).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Code width in bits.
    #[arg(long)]
    pub bits: usize,
    /// Seed (random matrix, ITQ start rotation, training subsample).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Per-bit thresholds: zero, mean or median.
    #[arg(long, default_value = "zero")]
    pub threshold: String,
    /// ITQ iterations.
    #[arg(long, default_value_t = 50)]
    pub iterations: usize,
    /// Train on a seeded subsample of this many vectors (default: all).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Output artefact directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Firmware export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProjFormat {
    /// Rust source: consts + `static` arrays written as `f32::from_bits` (bit-exact).
    Rust,
    /// Binary: magic, version, dims, bits, kind, rule, seed, LE f32 matrix, thresholds, sha256.
    Bin,
}

/// `binaryllm projection export`.
#[derive(Debug, Args)]
pub struct ProjExportArgs {
    /// Artefact directory (from `projection train`).
    #[arg(long, value_name = "DIR")]
    pub input: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ProjFormat,
    /// Output file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Code export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A serialised FAISS `IndexBinaryFlat` (`faiss.read_index_binary`); bits divisible by 8.
    FaissIndex,
    /// uint8 .npy [N, ceil(bits/8)], MSB-first: numpy.packbits default (sentence-transformers `ubinary`).
    Ubinary,
}

/// `binaryllm export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Codes (uint8 [N, bytes] .npy as written by `encode`); their sidecar (CODES.json) gives
    /// the defaults of --codes-format and --bits and is carried into the output's sidecar.
    #[arg(long, value_name = "FILE")]
    pub codes: PathBuf,
    /// Bit order of the code file [default: the sidecar's, else faiss].
    #[arg(long = "codes-format", value_enum)]
    pub codes_format: Option<CodeFormat>,
    /// Code width in bits (default: the sidecar's, else 8 × the code bytes).
    #[arg(long)]
    pub bits: Option<usize>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file (with a sidecar OUT.json carrying the codes' provenance).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Err(e) = binaryllm_engine::engine::portable_forced() {
        anyhow::bail!("config stage: {e}");
    }
    match cli.command {
        Command::Eval(a) => crate::commands::eval(&a).map(|_| ()),
        Command::Encode(a) => {
            threads_ready("--threads", a.threads)?;
            crate::commands::encode(&a)
        }
        Command::Search(a) => {
            threads_ready("--threads", a.threads)?;
            crate::commands::search(&a)
        }
        Command::Projection(a) => crate::commands::projection(&a),
        Command::Export(a) => crate::commands::export(&a),
        Command::Bench(b) => crate::bench::run(&b),
        Command::Firmware(f) => f.exec(),
    }
}

/// Checks the thread count of `option` and starts its pool, before any other work: a count
/// above the limit ([`binaryllm_engine::engine::threads::max_threads`]) or a pool the system cannot start
/// is a config-stage error naming the option.
pub fn threads_ready(option: &str, threads: usize) -> Result<()> {
    match binaryllm_engine::engine::threads::pool(threads) {
        Ok(_) => Ok(()),
        Err(e) => anyhow::bail!("config stage: {}", e.for_option(option)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn eval_overrides_parse_lists() {
        let c = Cli::try_parse_from([
            "binaryllm",
            "eval",
            "--bits",
            "64,256",
            "--projection",
            "gaussian,rademacher",
            "--seeds",
            "0,1",
            "--k",
            "5",
        ])
        .unwrap();
        let Command::Eval(a) = c.command else {
            panic!("not eval")
        };
        assert_eq!(a.bits, Some(List(vec![64, 256])));
        assert_eq!(a.projection.unwrap().0, ["gaussian", "rademacher"]);
        assert_eq!(a.seeds, Some(List(vec![0, 1])));
        assert_eq!(a.k, Some(5));
        assert!(Cli::try_parse_from(["binaryllm", "eval", "--bits", "6x"]).is_err());
    }
}

/// `binaryllm firmware …`
#[derive(Debug, clap::Subcommand)]
pub enum FirmwareCommand {
    /// Build the firmware, run it in QEMU, decode its report, check parity and budgets.
    ///
    /// Writes `DIR/firmware-report.json`, `DIR/uart-BOARD.cobs` (the raw capture) and
    /// `DIR/qemu-BOARD.log`. Exits non-zero on a build or QEMU failure, a timeout, a corrupt
    /// frame, a version mismatch, a parity mismatch or an exceeded budget.
    Run(FirmwareRunArgs),
    /// Decode a captured report (raw serial bytes or a probe-rs/defmt log with
    /// `binaryllm-frame` lines), check parity (and the budgets of QEMU boards).
    Decode(FirmwareDecodeArgs),
}

/// Arguments of `binaryllm firmware run`.
#[derive(Debug, clap::Args)]
pub struct FirmwareRunArgs {
    /// QEMU board: qemu-m4f (Cortex-M4F, mps2-an386) or qemu-m0 (Cortex-M0, micro:bit).
    #[arg(long, default_value = "qemu-m4f")]
    pub board: String,
    /// Output folder.
    #[arg(long, default_value = "runs/firmware")]
    pub out: PathBuf,
    /// The firmware crate (default: firmware/ of this checkout).
    #[arg(long)]
    pub firmware_dir: Option<PathBuf>,
    /// Run this ELF instead of building the firmware.
    #[arg(long)]
    pub elf: Option<PathBuf>,
    /// Seconds QEMU may run before it is killed and the run fails.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Replace an existing output folder that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `binaryllm firmware decode`.
#[derive(Debug, clap::Args)]
pub struct FirmwareDecodeArgs {
    /// The capture: raw frame bytes, or a text log with `binaryllm-frame <hex>` lines.
    #[arg(long)]
    pub input: PathBuf,
    /// Output folder for firmware-report.json.
    #[arg(long, default_value = "runs/firmware")]
    pub out: PathBuf,
    /// Replace an existing firmware-report.json that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

impl FirmwareCommand {
    /// Builds the library request and runs it.
    pub fn exec(self) -> anyhow::Result<()> {
        use binaryllm_engine::firmware::{self, DecodeRequest, RunRequest};
        match self {
            FirmwareCommand::Run(a) => firmware::run(&RunRequest {
                board: a.board,
                out: a.out,
                firmware_dir: a.firmware_dir,
                elf: a.elf,
                timeout: a.timeout,
                force: a.force,
            }),
            FirmwareCommand::Decode(a) => firmware::decode(&DecodeRequest {
                input: a.input,
                out: a.out,
                force: a.force,
            }),
        }
    }
}
