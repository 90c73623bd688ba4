//! binaryllm-engine: the library behind every binaryllm front end (the `binaryllm` command
//! line, Rust applications, the Python package).
//!
//! The modules follow the data path, `.npy` → projection → bits → codes → Hamming top-k →
//! metrics → results and report:
//!
//! - [`engine`]: the kernels: batch encoding, code files and their sidecar format, exact Hamming
//!   search with float and asymmetric re-ranking, thread pools, exports to FAISS / numpy layouts;
//! - [`projection`]: seeded random hyperplanes and learned projections, their artefact files;
//! - [`ops`]: `encode`, `search` and `export` as typed requests over files (sidecar-aware code
//!   files, streaming encode), re-exported here as [`encode`], [`search`], [`export`];
//! - [`dataset`]: the data catalog, synthetic data, exact float ground truth;
//! - [`eval`]: one H1 evaluation (runs over projections × bits × seeds), its metrics,
//!   statistics, verdicts and recommendation;
//! - [`report`] (the folder `eval/report/`, re-exported here): writing an evaluation:
//!   `results.json`, CSV, tables, plots and the HTML report;
//! - [`outfile`]: the one rule every written file or directory follows (refuse, `--force`,
//!   atomic replace, the partial run directory, cleanup on interrupt);
//! - [`firmware`]: the host side of the firmware (QEMU runs, capture, parity, budgets);
//! - [`progress`]: the [`progress::Progress`] trait front ends implement, and plain lines;
//! - [`stats`]: the one median (and min/median/max) every part uses;
//! - [`checkout`]: the repository root and its git state, recorded in results and sidecars.
//!
//! Each module imports only the ones listed before it or beside it, never in a circle
//! (`scripts/module_cycles.py engine/src` checks).
//!
//! Entry points: [`eval::run`], [`encode`], [`search`], [`export`], [`projection::choice::train`], [`projection::choice::export`],
//! [`projection::choice::write_matrix`], [`firmware::run`], [`firmware::decode`].
//!
//! Files, configs and kind names come from [`binaryllm_formats`] (re-exported as [`data`],
//! [`config`], [`kinds`], [`stage`]); the bit-exact kernels from [`binaryllm_core`].
//!
//! # Example
//!
//! Encode an `[N, D]` f32 matrix with a seeded projection, search it with k and a float
//! re-rank, and run an evaluation from an [`eval::EvalRequest`] built in code:
//!
//! ```
//! use binaryllm_engine::engine::{self, F32Matrix, floats};
//! use binaryllm_engine::eval::{self, EvalRequest};
//! use binaryllm_engine::progress::Lines;
//! use binaryllm_engine::projection::choice::ProjectionChoice;
//! use binaryllm_engine::projection::Projector;
//!
//! # fn main() -> anyhow::Result<()> {
//! let (n, dims, bits, k) = (200, 16, 64, 5);
//! let x: Vec<f32> = (0..n * dims).map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0).collect();
//! let spec = ProjectionChoice::seeded("gaussian".parse()?, 42).spec(bits);
//! let projector = Projector::build(spec, dims, &[])?;
//! let codes = projector.encode(&x, 1)?;
//! // The first 3 rows as queries: Hamming top-4k candidates, re-ranked by float inner product.
//! let queries = projector.encode(&x[..3 * dims], 1)?;
//! let found = engine::knn(&codes, &queries, 4 * k, 1)?;
//! let base = F32Matrix::new(&x, dims).expect("rows of `dims` floats");
//! for q in 0..3 {
//!     let cands: Vec<u32> = found.query(q).iter().map(|h| h.index).collect();
//!     assert!(cands.contains(&(q as u32))); // its own code is at Hamming distance 0
//!     let top = floats::rescore(base, &x[q * dims..(q + 1) * dims], &cands, k);
//!     assert_eq!(top.len(), k);
//! }
//!
//! // One H1 run (gaussian, 64 bits, seed 0) of configs/default.toml on the shipped sample.
//! let dir = tempfile::tempdir()?;
//! let mut request = EvalRequest::default();
//! request.overrides.bits = Some(vec![64]);
//! request.overrides.projections = Some(vec!["gaussian".into()]);
//! request.overrides.seeds = Some(vec![0]);
//! request.out = Some(dir.path().join("run"));
//! let summary = eval::run(&request, &Lines::silent())?;
//! assert_eq!(summary.evaluation.runs.len(), 1);
//! assert!(summary.run_dir.join("results.json").is_file());
//! # Ok(())
//! # }
//! ```
#![deny(unsafe_code)]

pub use binaryllm_formats::UnknownName;
pub use binaryllm_formats::stage::Stage;
pub use binaryllm_formats::{config, data, kinds, qrels, stage};
pub use eval::report;
pub use ops::{EncodeRequest, ExportRequest, SearchRequest, encode, export, search};

pub mod checkout;
pub mod dataset;
pub mod engine;
pub mod eval;
pub mod firmware;
pub mod ops;
pub mod outfile;
pub mod progress;
pub mod projection;
pub mod stats;

/// The README's Rust example, compiled and run as a doctest (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}
