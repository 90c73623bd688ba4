//! The host crate's only `unsafe` code: thin safe wrappers over foreign kernels.
//!
//! (The engine's SIMD kernels live in `engine/`; this module wraps third-party raw-pointer
//! APIs, each call behind bounds checks with a `// SAFETY:` comment.)

pub mod gemm;
