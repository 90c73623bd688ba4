//! The `binaryllm` command line: parse, run, map the error to an exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = binaryllm::cli::Cli::parse();
    // SIGINT / SIGTERM: remove the partial outputs, exit 130 / 143 (README, "Outputs").
    binaryllm::outfile::remove_partials_on_interrupt();
    match binaryllm::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<binaryllm::eval::StrictFailure>() {
                Some(_) => binaryllm::eval::StrictFailure::EXIT_CODE.into(),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
