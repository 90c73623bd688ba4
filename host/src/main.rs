//! The `binaryllm` command line.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// binaryllm: binary embedding lab and engine.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Cortex-M firmware: run it under QEMU or decode a board's report, with parity and budgets.
    #[command(subcommand)]
    Firmware(binaryllm::firmware::FirmwareCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
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
