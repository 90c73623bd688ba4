//! `binaryllm projection`: the matrix writer, `train` and `export`
//! ([`binaryllm_engine::projection::choice`]).

use binaryllm_engine::Stage;

use super::parse_name;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use binaryllm_engine::projection::choice::{
    self, ArtefactFormat, ExportRequest, MatrixRequest, ProjectionChoice, TrainRequest,
};

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

/// Runs `projection` (matrix writer, `train`, `export`): prints the file written.
pub fn exec(a: &ProjectionArgs) -> Result<()> {
    let w = match &a.command {
        Some(ProjectionCommand::Train(t)) => choice::train(&t.request()?)?,
        Some(ProjectionCommand::Export(e)) => choice::export(&ExportRequest {
            input: e.input.clone(),
            format: match e.format {
                ProjFormat::Rust => ArtefactFormat::Rust,
                ProjFormat::Bin => ArtefactFormat::Bin,
            },
            out: e.out.clone(),
            force: e.force,
        })?,
        None => {
            let (Some(dims), Some(bits), Some(out)) = (a.dims, a.bits, &a.out) else {
                bail!(
                    "{}: give --dims, --bits and --out (or a subcommand: train, export)",
                    Stage::Projection
                );
            };
            choice::write_matrix(&MatrixRequest {
                kind: parse_name(&a.projection, Stage::Projection)?,
                seed: a.seed,
                dims,
                bits,
                out: out.clone(),
                force: a.force,
            })?
        }
    };
    super::print_written(&w);
    Ok(())
}

impl TrainArgs {
    /// The library request of these arguments.
    fn request(&self) -> Result<TrainRequest> {
        Ok(TrainRequest {
            projection: ProjectionChoice {
                projection: Some(parse_name(&self.projection, Stage::Train)?),
                seed: Some(self.seed),
                threshold: Some(parse_name(&self.threshold, Stage::Train)?),
                iterations: Some(self.iterations),
                sample: self.sample,
                train: None,
                projection_file: None,
            },
            input: self.input.clone(),
            bits: self.bits,
            out: self.out.clone(),
            force: self.force,
        })
    }
}
