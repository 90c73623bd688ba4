//! binaryllm: binary embedding lab and engine.
//!
//! The library behind the `binaryllm` command line: batch encoding, exact Hamming search and
//! (later) the H1 evaluation. Built on [`binaryllm_core`].

pub mod bench;
pub mod engine;
pub mod export;
pub mod firmware;
pub mod learn;
