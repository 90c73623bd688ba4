//! `binaryllm encode`: float vectors to a code file ([`binaryllm_engine::ops::encode`]).
//!
//! Not to be confused with `binaryllm bench encode` ([`crate::commands::bench`]'s `BenchEncodeArgs`),
//! which times the encoder instead of writing codes.

use binaryllm_engine::Stage;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use binaryllm_engine::ops::{self, EncodeRequest};

use super::{CodeFormat, ProjectionOpts, threads_ready};

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

/// Runs `encode`: prints the file written.
pub fn exec(a: &EncodeArgs) -> Result<()> {
    threads_ready("--threads", a.threads)?;
    let w = ops::encode(&EncodeRequest {
        input: a.input.clone(),
        bits: a.bits,
        projection: a.proj.choice(Stage::Encode)?,
        out: a.out.clone(),
        force: a.force,
        order: a.format.into(),
        threads: a.threads,
        fma: a.fma,
    })?;
    super::print_written(&w);
    Ok(())
}
