//! The `binaryllm` command line.
//!
//! Minimal wiring of the benchmark subcommands (`binaryllm bench knn|encode|scaling`); the main
//! CLI (`eval`, `encode`, `search`, …) lives in `cli.rs` and is merged separately.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "binaryllm", version, about = "binary embedding lab and engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Performance benchmarks (tables on stdout, JSON under bench/results/).
    #[command(subcommand)]
    Bench(binaryllm::bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Bench(b) => binaryllm::bench::run(b),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
