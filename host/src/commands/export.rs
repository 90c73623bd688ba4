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
    /// Output file (with a sidecar OUT.json carrying the codes' provenance).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

impl From<ExportFormat> for ops::ExportFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::FaissIndex => ops::ExportFormat::FaissIndex,
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
        format: a.format.into(),
        out: a.out.clone(),
        force: a.force,
    })?;
    super::print_written(&w);
    Ok(())
}
