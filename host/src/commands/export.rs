//! `binaryllm export`: codes for other engines ([`binaryllm_engine::ops::export`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use binaryllm_engine::ops::{self, ExportRequest};

use super::CodeFormat;

/// Code export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A serialised FAISS `IndexBinaryFlat` (`faiss.read_index_binary`); bits divisible by 8.
    FaissIndex,
    /// A serialised FAISS `IndexBinaryIVF` (--nlist lists; centroids are codes sampled with
    /// --seed; set index.nprobe there: nprobe = nlist is the exact search); bits divisible by 8.
    FaissIvf,
    /// uint8 .npy [N, ceil(bits/8)], MSB-first: numpy.packbits default (sentence-transformers `ubinary`).
    Ubinary,
    /// A SQL script creating table binaryllm_codes (id bigint, code bit(bits)) for pgvector's
    /// `<~>` Hamming search (psql -f FILE).
    PgvectorSql,
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
    /// Inverted lists of --format faiss-ivf [default: ceil(4·sqrt(N)), at most N].
    #[arg(long, value_name = "N")]
    pub nlist: Option<usize>,
    /// Seed of the centroid sample of --format faiss-ivf.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (with a sidecar OUT.json carrying the codes' provenance).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

impl ExportArgs {
    /// The library's format with its parameters.
    fn format(&self) -> ops::ExportFormat {
        match self.format {
            ExportFormat::FaissIndex => ops::ExportFormat::FaissIndex,
            ExportFormat::FaissIvf => ops::ExportFormat::FaissIvf {
                nlist: self.nlist,
                seed: self.seed,
            },
            ExportFormat::Ubinary => ops::ExportFormat::Ubinary,
            ExportFormat::PgvectorSql => ops::ExportFormat::PgvectorSql,
        }
    }
}

/// Runs `export`: prints the file written.
pub fn exec(a: &ExportArgs) -> Result<()> {
    let w = ops::export(&ExportRequest {
        codes: a.codes.clone(),
        codes_order: a.codes_format.map(Into::into),
        bits: a.bits,
        format: a.format(),
        out: a.out.clone(),
        force: a.force,
    })?;
    super::print_written(&w);
    Ok(())
}
