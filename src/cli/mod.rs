//! The command line: arguments (clap), the commands, and their exit codes.
//!
//! This is the program's edge, so it is the one place that prints. Every command that
//! computes follows one skeleton (`session`): load, choose the output directory,
//! settings, workers and Ctrl-C, compute, manifest, write all files at once. A
//! command decides and prints; the bytes of its files and the text of its tables
//! come from `crate::output`. Exit codes follow
//! SPEC section 5: 0 success (warnings included), 2 bad usage or bad input, 1 any
//! other failure.
#![allow(clippy::print_stderr)]

/// Prints to standard output, ignoring a closed pipe (`phbsim diff ... | head` must
/// not panic); the rest of the output simply has nowhere to go.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod calibrate;
mod diff;
mod install;
mod interrupt;
mod merge;
mod numbers;
mod parts;
mod report;
mod run;
mod sensitivity;
mod serve;
mod session;
mod shard;
mod stress;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::scenario::load::{self, LoadError, STARTER};
use crate::scenario::schema::json_schema;

pub use crate::output::problems::render_problems;

/// Monte Carlo simulator of personal health budgets and provider viability.
#[derive(Debug, Parser)]
#[command(name = "phbsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files and report every problem at once.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario (to FILE, or to standard output).
    Init {
        /// Where to write it; refused if the file exists (unless --force).
        file: Option<PathBuf>,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the scenario file, for editors.
    Schema,
    /// Run a scenario (or the built-in example) and write its outputs.
    Run(run::RunArgs),
    /// Merge the partial results of `run --shard K/N` into the outputs of one run,
    /// byte-identical to running it on one machine.
    Merge(merge::MergeArgs),
    /// Show which parameters differ between two scenarios, then run both with common
    /// random numbers and print the paired differences per provider.
    Diff(diff::DiffArgs),
    /// Rebuild report.html from an output directory of `run`.
    Report(report::ReportArgs),
    /// One-way sensitivity: each uncertain parameter at its P10 and P90, per provider
    /// the change in income and P(distress); writes sensitivity.csv and report.html
    /// (tornado charts).
    Sensitivity(sensitivity::SensitivityArgs),
    /// Reverse stress test: the value of a parameter at which a provider's
    /// P(distress) reaches a target, with a 95% interval.
    Stress(stress::StressArgs),
    /// Print the completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete phbsim's commands and options in.
        shell: clap_complete::Shell,
    },
    /// Print phbsim's man page (roff), e.g. `phbsim man > ~/.local/share/man/man1/phbsim.1`.
    Man,
    /// Fit cohorts' uptake parameters (p, q or monthly, ceiling, return_rate) to
    /// observed counts by particle MCMC; writes posterior.csv for `[draws] file`,
    /// calibration.csv and calibration.html.
    Calibrate(calibrate::CalibrateArgs),
    /// Serve a page of the scenario's headlines and charts beside its assumptions on
    /// 127.0.0.1: each change re-runs a what-if beside the base, live; "keep as
    /// variant" appends it to the scenario file.
    Serve(serve::ServeArgs),
}

/// How a command failed: the exit code and what to print (nothing when the details
/// have been printed already).
#[derive(Debug)]
pub struct Failure {
    pub exit_code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or bad input: exit 2.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Failure {
            exit_code: 2,
            message: message.into(),
        }
    }

    /// Any other failure (a full disk, an unwritable directory): exit 1.
    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            exit_code: 1,
            message: message.into(),
        }
    }
}

/// Runs a parsed command line; the caller maps the result to an exit code.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { files } => validate(&files),
        Command::Init { file, force } => init(file, force),
        Command::Run(args) => run::run_command(args),
        Command::Merge(args) => merge::merge_command(args),
        Command::Diff(args) => diff::diff_command(args),
        Command::Report(args) => report::report_command(args),
        Command::Sensitivity(args) => sensitivity::sensitivity_command(args),
        Command::Stress(args) => stress::stress_command(args),
        Command::Completions { shell } => install::completions(shell),
        Command::Man => install::man(),
        Command::Calibrate(args) => calibrate::calibrate_command(args),
        Command::Serve(args) => serve::serve_command(args),
        Command::Schema => {
            outln!("{}", json_schema());
            Ok(())
        }
    }
}

/// Whether standard error is a terminal (colours, progress bars).
fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Prints a load failure in full and turns it into a [`Failure`] of a command that
/// would have run the scenario.
pub fn report_load_error(error: LoadError) -> Failure {
    let invalid = matches!(error, LoadError::Invalid { .. });
    let summary = print_load_error(error);
    Failure::bad_input(if invalid {
        format!("{summary}; the scenario was not run")
    } else {
        summary
    })
}

/// Prints an invalid scenario's problems in full and returns the one-line summary
/// (`FILE: N error(s)`), or the message of any other load failure.
fn print_load_error(error: LoadError) -> String {
    match error {
        LoadError::Invalid {
            scenario: source,
            problems,
        } => {
            eprint!(
                "{}",
                render_problems(&source, &problems, stderr_is_terminal())
            );
            let errors = problems.iter().filter(|p| p.is_error()).count();
            format!("{}: {errors} error(s)", source.name.display())
        }
        other => other.to_string(),
    }
}

/// Prints a scenario's warnings to standard error.
pub fn print_warnings(source: &load::Source, warnings: &[crate::scenario::Problem]) {
    eprint!(
        "{}",
        render_problems(source, warnings, stderr_is_terminal())
    );
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut invalid = 0;
    for file in files {
        match load::load(Some(file)) {
            Ok((source, validated)) => {
                print_warnings(&source, &validated.warnings);
                outln!(
                    "{}: valid ({} warning(s))",
                    file.display(),
                    validated.warnings.len()
                );
            }
            Err(error) => {
                invalid += 1;
                eprintln!("error: {}", print_load_error(error));
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(Failure::bad_input(String::new()))
    }
}

fn init(file: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let Some(path) = file else {
        out!("{STARTER}");
        return Ok(());
    };
    if path.exists() && !force {
        return Err(Failure::bad_input(format!(
            "{} already exists; choose another name or pass --force to overwrite it",
            path.display()
        )));
    }
    let mut handle = std::fs::File::create(&path)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", path.display())))?;
    handle
        .write_all(STARTER.as_bytes())
        .and_then(|()| handle.sync_all())
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "wrote {}; check it with `phbsim validate {}`",
        path.display(),
        path.display()
    );
    Ok(())
}
