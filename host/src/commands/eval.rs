//! `binaryllm eval`: an H1 evaluation ([`binaryllm_engine::eval::run`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use binaryllm_engine::config::{Normalization, Overrides};
use binaryllm_engine::eval::{self, DataFiles, EvalRequest};

use super::{List, list};
use crate::progress::{Mode, Reporter};

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
    /// Ad-hoc data: row normalisation policy: require (every row must already have L2 norm 1,
    /// within 1e-3), l2 (normalise every row) or none (use rows as they are).
    #[arg(long, value_parser = super::names::<Normalization>(Normalization::ALL.map(Normalization::name)), requires = "base")]
    pub normalization: Option<Normalization>,
    /// Relevance judgments of the queries (TREC `qid iter docid rel` or BEIR
    /// `query-id corpus-id score` TSV): adds judged metrics (nDCG@10, MRR@10, MAP@100,
    /// Recall@100, P@10), float-retained shares and TREC run files; replaces a data set's own
    /// judged query set. Ids are row numbers (optionally after one letter: d12, q3) unless
    /// --base-ids / --query-ids map them.
    #[arg(long, value_name = "FILE")]
    pub qrels: Option<PathBuf>,
    /// The ids of the base rows, one per line in row order (for judgments whose document ids
    /// are not row numbers).
    #[arg(long, value_name = "FILE")]
    pub base_ids: Option<PathBuf>,
    /// The ids of the query rows, one per line in row order (for --qrels whose query ids are
    /// not row numbers).
    #[arg(long, value_name = "FILE", requires = "qrels")]
    pub query_ids: Option<PathBuf>,
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

impl EvalArgs {
    /// The library request of these arguments.
    pub fn request(&self) -> EvalRequest {
        let files = match (&self.base, &self.queries) {
            (Some(base), Some(queries)) => Some(DataFiles {
                base: base.clone(),
                queries: queries.clone(),
                base_labels: self.base_labels.clone(),
                query_labels: self.query_labels.clone(),
                gt: self.gt.clone(),
                normalization: self.normalization,
            }),
            _ => None,
        };
        EvalRequest {
            config: self.config.clone(),
            overrides: Overrides {
                bits: self.bits.clone().map(|l| l.0),
                projections: self.projection.clone().map(|l| l.0),
                seeds: self.seeds.clone().map(|l| l.0),
                k: self.k,
                threads: self.threads,
                trust_gt: self.trust_gt,
                qrels: self.qrels.clone(),
                base_ids: self.base_ids.clone(),
                query_ids: self.query_ids.clone(),
            },
            files,
            codes: self.codes.clone(),
            out: self.out.clone(),
            force: self.force,
        }
    }
}

/// Runs `eval`: the summary table and the files written on stdout (unless `--quiet`); with
/// `--strict`, a [`eval::StrictFailure`] when a criterion could not be evaluated.
pub fn exec(a: &EvalArgs) -> Result<()> {
    let reporter = Reporter::new(Mode::detect(a.quiet));
    let s = eval::run(&a.request(), &reporter)?;
    if reporter.mode() != Mode::Quiet {
        println!("{}", s.table);
        println!("{} in {:.1} s", s.written, s.seconds);
    }
    match s.strict_failure() {
        Some(f) if a.strict => Err(f.into()),
        _ => Ok(()),
    }
}
