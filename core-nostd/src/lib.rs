#![doc = include_str!("../README.md")]
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable
    )
)]

#[cfg(any(test, feature = "std"))]
extern crate std;

#[allow(unsafe_code)]
mod arch;

pub mod binarize;
pub mod bytes;
pub mod code;
pub mod error;
pub mod hadamard;
pub mod hamming;
pub mod knn;
pub mod projection;
#[cfg(feature = "serde")]
pub mod report;
pub mod rng;

pub use arch::{Arithmetic, PORTABLE_ONLY, ProjectKernel};
pub use binarize::{Threshold, binarize_into};
pub use bytes::ByteOrder;
pub use code::{BinaryCode, CodeLayout, MAX_BITS};
pub use error::{Error, Result};
pub use hadamard::{HadamardPlan, HadamardProjection};
pub use hamming::Kernel;
pub use knn::{Neighbor, TopK, TopKCollector};
pub use projection::{
    DenseProjection, MAX_DIMS, Projection, ProjectionKind, SeededProjection, encode, encode_into,
};
