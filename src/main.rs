//! The `phbsim` binary: parse arguments, run the command, map the outcome to an exit
//! code (0 success, 2 bad usage or input, 1 other failure).

use std::process::ExitCode;

use clap::Parser;
use phbsim::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout (exit 0) and usage errors to
            // stderr; usage errors are bad input (exit 2).
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("error: {}", failure.message);
            }
            ExitCode::from(failure.exit_code)
        }
    }
}
