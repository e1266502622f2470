//! What an install adds beside the binary: shell completions (`phbsim completions
//! SHELL`) and the man page (`phbsim man`), both generated from the command line's
//! own definition so they never fall behind it, and printed to standard output for
//! the user to put where their shell and `man` look.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, Failure};

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "phbsim", &mut script);
    print(&script)
}

/// Prints the man page, in roff.
pub fn man() -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::other(format!("cannot render the man page: {e}")))?;
    print(&page)
}

/// Writes `bytes` to standard output; a closed pipe (`phbsim man | head`) is no
/// failure.
fn print(bytes: &[u8]) -> Result<(), Failure> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::other(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}
