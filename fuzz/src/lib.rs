//! The host modules under fuzz: binaryllm-formats' readers and config parser, re-exported so
//! the targets name them as `binaryllm_fuzz::data` / `binaryllm_fuzz::config`.

pub use binaryllm_formats::{config, data, kinds};
