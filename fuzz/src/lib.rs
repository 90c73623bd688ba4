//! The host modules under fuzz, compiled from the host's own source files (see Cargo.toml).
#![allow(missing_docs, dead_code)]

#[path = "../../host/src/data.rs"]
pub mod data;

#[path = "../../host/src/kinds.rs"]
pub mod kinds;

#[path = "../../host/src/config.rs"]
pub mod config;

#[path = "../../host/src/engine/threads.rs"]
pub mod engine_threads;

/// `config.rs` validates thread counts with the engine's check (`crate::engine::threads`).
pub mod engine {
    pub use super::engine_threads as threads;
}
