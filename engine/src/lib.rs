//! binaryllm-engine: the library behind every binaryllm front end (the `binaryllm` command
//! line, Rust applications, the Python package).
//!
//! The modules follow the data path, `.npy` → projection → bits → codes → Hamming top-k →
//! metrics → results and report:
//!
//! - [`projection`]: seeded random hyperplanes and learned projections, their artefact files;
//! - [`engine`]: batch encoding, code files and their sidecars, exact Hamming search with float
//!   and asymmetric re-ranking, thread pools, exports to FAISS / numpy layouts;
//! - [`dataset`]: the data catalog, synthetic data, exact float ground truth;
//! - [`eval`]: one H1 evaluation (runs over projections × bits × seeds), its metrics,
//!   statistics, verdicts and recommendation;
//! - [`report`]: the run directory, `results.json`, CSV, tables, plots and the HTML report;
//! - [`outfile`]: the one rule every written file or directory follows (refuse, `--force`,
//!   atomic replace, cleanup on interrupt);
//! - [`firmware`]: the host side of the firmware (QEMU runs, capture, parity, budgets);
//! - [`progress`]: progress reporting for long work.
//!
//! Files, configs and kind names come from [`binaryllm_formats`] (re-exported as [`data`],
//! [`config`], [`kinds`]); the bit-exact kernels from [`binaryllm_core`].
#![deny(unsafe_code)]

pub use binaryllm_formats::{config, data, kinds};

pub mod dataset;
pub mod engine;
pub mod eval;
pub mod firmware;
pub mod outfile;
pub mod progress;
pub mod projection;
pub mod report;
