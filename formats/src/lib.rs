//! binaryllm's file formats, shared by the engine, the CLI and the fuzz targets.
//!
//! - [`data`]: the `.npy` reader and writer (float16/32/64 and integer dtypes, any byte order),
//!   `.fvecs` / `.ivecs`, the one atomic writer (temporary file, fsync, rename, cleanup) and the
//!   sha256 helpers;
//! - [`config`]: the evaluation config schema (`configs/*.toml`) and its validation;
//! - [`kinds`]: the names of projection kinds, threshold rules and training options;
//! - [`stage`]: the pipeline stage every error message starts with;
//! - [`threads`]: the one check behind every `--threads` flag and `threads =` key.
#![deny(unsafe_code)]

pub mod config;
pub mod data;
pub mod kinds;
pub mod stage;
pub mod threads;
