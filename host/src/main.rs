//! The `binaryllm` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// binaryllm: binary embedding lab and engine.
#[derive(Debug, Parser)]
#[command(name = "binaryllm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Performance benchmarks (tables on stdout, JSON under bench/results/).
    #[command(subcommand)]
    Bench(binaryllm::bench::BenchCommand),
    /// Cortex-M firmware: run it under QEMU or decode a board's report, with parity and budgets.
    #[command(subcommand)]
    Firmware(binaryllm::firmware::FirmwareCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(b) => binaryllm::bench::run(&b),
        Command::Firmware(cmd) => binaryllm::firmware::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
