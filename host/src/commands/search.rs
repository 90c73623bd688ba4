//! `binaryllm search`: exact Hamming top-k, optionally re-ranked
//! ([`binaryllm_engine::ops::search`]).

use binaryllm_engine::Stage;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use binaryllm_engine::ops::{self, SearchRequest};

use super::{CodeFormat, ProjectionOpts, threads_ready};

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

/// Runs `search`: prints the files written.
pub fn exec(a: &SearchArgs) -> Result<()> {
    threads_ready("--threads", a.threads)?;
    let w = ops::search(&SearchRequest {
        codes: a.codes.clone(),
        query_codes: a.query_codes.clone(),
        queries: a.queries.clone(),
        bits: a.bits,
        projection: a.proj.choice(Stage::Encode)?,
        k: a.k,
        base: a.base.clone(),
        rerank: a.rerank,
        asymmetric: a.asymmetric,
        order: a.format.map(Into::into),
        threads: a.threads,
        out: a.out.clone(),
        force: a.force,
    })?;
    super::print_written(&w);
    Ok(())
}
