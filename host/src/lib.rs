//! binaryllm: binary embedding lab and engine.
//!
//! The library behind the `binaryllm` command line: batch encoding and exact Hamming search
//! ([`engine`]), data readers ([`data`], [`dataset`]), configs ([`config`]), exact float ground
//! truth ([`groundtruth`]), the H1 metrics ([`metrics`], [`stats`]) and evaluation ([`eval`]),
//! and its outputs ([`output`], [`plots`], [`report`]); every file or directory a command
//! writes follows one rule ([`outfile`]). Built on [`binaryllm_core`].
#![deny(unsafe_code)]

pub mod bench;
pub mod bench_eval;
pub mod cli;
pub mod codefile;
pub mod commands;
pub mod config;
pub mod data;
pub mod dataset;
pub mod engine;
pub mod eval;
pub mod export;
pub mod firmware;
pub mod groundtruth;
pub mod kinds;
pub mod learn;
pub mod metrics;
pub mod outfile;
pub mod output;
pub mod plots;
pub mod progress;
pub mod projector;
pub mod projfile;
pub mod recommend;
pub mod report;
pub mod sidecar;
pub mod stats;
