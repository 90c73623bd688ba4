//! The command line: one module per command, each with its clap arguments (the doc comments
//! are the `--help` text) and a short `exec` that builds the library's typed request, calls one
//! library function and prints.
//!
//! Adding a command is one module, one variant of [`Command`] (or of a nested enum such as
//! [`crate::commands::bench::BenchCommand`]) and one arm in [`run`]. The modules depend on this one
//! (shared argument types) and on the library, never on each other.

pub mod bench;
pub mod convert;
pub mod encode;
pub mod eval;
pub mod export;
pub mod firmware;
pub mod inspect;
pub mod projection;
pub mod search;

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Result;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use binaryllm_engine::config::parse_list;
use binaryllm_engine::engine::sidecar::ByteOrder;
use binaryllm_engine::outfile::Written;
use binaryllm_engine::projection::choice::ProjectionChoice;
use binaryllm_engine::{Stage, UnknownName};

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
    Eval(eval::EvalArgs),
    /// Encode float vectors into packed binary codes (uint8 [N, ceil(bits/8)] .npy).
    Encode(encode::EncodeArgs),
    /// Exact Hamming top-k search; writes ids.npy (int64) and distances.npy (int32).
    Search(search::SearchArgs),
    /// Projections: write the exact f32 matrix [bits, dims] that `encode` uses (no subcommand),
    /// train a learned projection artefact (`train`) or export one for the firmware (`export`).
    Projection(projection::ProjectionArgs),
    /// Export codes for other engines: a FAISS `IndexBinaryFlat` file or `ubinary` bytes.
    Export(export::ExportArgs),
    /// The bit-order doctor: tell the layout of codes made by another tool (bit order, polarity,
    /// −128 offset, threshold rule, bits vs bytes) from the floats they came from.
    Inspect(inspect::InspectArgs),
    /// Turn codes made by another tool into a binaryllm code file (the layout `inspect` found).
    Convert(convert::ConvertArgs),
    /// Benchmarks that print tables and write JSON: to a new run directory
    /// `runs/<UTC timestamp>-bench-<name>/`, or to `--out` (e.g. the tracked `bench/results/`).
    #[command(subcommand)]
    Bench(crate::commands::bench::BenchCommand),
    /// Cortex-M firmware: run it under QEMU or decode a board's report, with parity and budgets.
    #[command(subcommand)]
    Firmware(firmware::FirmwareCommand),
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

/// Byte layout of code files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CodeFormat {
    /// LSB-first bytes: FAISS binary codes, numpy.packbits(bitorder="little").
    #[default]
    Faiss,
    /// MSB-first bytes: numpy.packbits default (sentence-transformers `ubinary`).
    Packbits,
}

impl From<CodeFormat> for ByteOrder {
    fn from(f: CodeFormat) -> Self {
        match f {
            CodeFormat::Faiss => ByteOrder::Faiss,
            CodeFormat::Packbits => ByteOrder::Packbits,
        }
    }
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
    /// The library's projection choice; a bad `--projection` or `--threshold` name is an error
    /// of `stage`.
    pub fn choice(&self, stage: Stage) -> Result<ProjectionChoice> {
        Ok(ProjectionChoice {
            projection: self
                .projection
                .as_deref()
                .map(|k| parse_name(k, stage))
                .transpose()?,
            seed: self.seed,
            threshold: self
                .threshold
                .as_deref()
                .map(|t| parse_name(t, stage))
                .transpose()?,
            iterations: self.iterations,
            sample: self.sample,
            train: self.train.clone(),
            projection_file: self.projection_file.clone(),
        })
    }
}

/// Prints the notices of `w` (stderr) and its `wrote …` line (stdout).
pub fn print_written(w: &Written) {
    for n in &w.notices {
        eprintln!("{n}");
    }
    println!("{w}");
}

/// A clap value parser for a closed set of `names` that parse into `T` (its `FromStr`):
/// `--help` lists the names and a bad one is a usage error (exit 2) that lists them.
pub fn names<T>(names: impl IntoIterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = UnknownName> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|s| s.parse::<T>())
}

/// Parses a name flag (`--projection`, `--threshold`) into its type. A name that is not known is
/// an error of `stage` (exit 1) whose message lists the known names — not a clap usage error,
/// so every front end (config file, flag, Python) reports it alike.
pub fn parse_name<T: FromStr<Err = UnknownName>>(name: &str, stage: Stage) -> Result<T> {
    name.parse()
        .map_err(|e| anyhow::Error::new(e).context(stage))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Err(e) = binaryllm_engine::engine::portable_forced() {
        anyhow::bail!("{}: {e}", Stage::Config);
    }
    match cli.command {
        Command::Eval(a) => eval::exec(&a),
        Command::Encode(a) => {
            threads_ready("--threads", a.threads)?;
            encode::exec(&a)
        }
        Command::Search(a) => {
            threads_ready("--threads", a.threads)?;
            search::exec(&a)
        }
        Command::Projection(a) => projection::exec(&a),
        Command::Export(a) => export::exec(&a),
        Command::Inspect(a) => inspect::exec(&a),
        Command::Convert(a) => convert::exec(&a),
        Command::Bench(b) => crate::commands::bench::run(&b),
        Command::Firmware(f) => f.exec(),
    }
}

/// Checks the thread count of `option` and starts its pool, before any other work: a count
/// above the limit ([`binaryllm_engine::engine::threads::max_threads`]) or a pool the system cannot start
/// is a config-stage error naming the option.
pub fn threads_ready(option: &str, threads: usize) -> Result<()> {
    match binaryllm_engine::engine::threads::pool(threads) {
        Ok(_) => Ok(()),
        Err(e) => anyhow::bail!("{}: {}", Stage::Config, e.for_option(option)),
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
