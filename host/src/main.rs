//! The `binaryllm` command line: parse, run, map the error to an exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = binaryllm::cli::Cli::parse();
    match binaryllm::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
