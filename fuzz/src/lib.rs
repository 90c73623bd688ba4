//! The host modules under fuzz, compiled from the host's own source files (see Cargo.toml).
#![allow(missing_docs, dead_code)]

#[path = "../../host/src/data.rs"]
pub mod data;

#[path = "../../host/src/kinds.rs"]
pub mod kinds;

#[path = "../../host/src/config.rs"]
pub mod config;
