//! The `binaryllm` command line: parse, run, map the error to an exit code.
//!
//! A thin front end over [`binaryllm_engine`]: clap and the terminal progress bar live here,
//! every computation in the library.

mod commands;
mod progress;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = commands::Cli::parse();
    // SIGINT / SIGTERM: remove the partial outputs, exit 130 / 143 (README, "Outputs").
    binaryllm_engine::outfile::remove_partials_on_interrupt();
    match commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<binaryllm_engine::eval::StrictFailure>() {
                Some(_) => binaryllm_engine::eval::StrictFailure::EXIT_CODE.into(),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
