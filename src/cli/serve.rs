//! `phbsim serve`: load the scenario, run its base, print the address with its token,
//! then answer the page until Ctrl-C. The server itself is `crate::serve`.

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::session::{load_scenario, thread_count};
use crate::run::RunSettings;
use crate::serve::{Served, start};

/// Iterations a what-if runs with unless `-n` says otherwise: enough for stable
/// medians, few enough to answer within half a second.
const DEFAULT_ITERATIONS: u64 = 1000;

/// Arguments of `phbsim serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario file (TOML); without it, the built-in example (variants then cannot
    /// be kept: there is no file to keep them in).
    pub scenario: Option<PathBuf>,
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,
    /// Iterations of every run, base and what-if [default: 1000].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = crate::cli::numbers::iterations)]
    pub iterations: Option<u64>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_name = "THREADS", value_parser = crate::cli::numbers::threads)]
    pub threads: Option<u64>,
}

pub fn serve_command(args: ServeArgs) -> Result<(), Failure> {
    let (source, validated) = load_scenario(args.scenario.as_deref())?;
    let settings = RunSettings::new(
        args.iterations.unwrap_or(DEFAULT_ITERATIONS),
        validated.scenario.seed,
    );
    eprintln!(
        "running the base of {} ({} iterations)...",
        source.name.display(),
        settings.iterations
    );
    let served = Served::new(
        source,
        args.scenario.clone(),
        validated,
        settings,
        args.iterations.is_some(),
        thread_count(args.threads),
    )
    .map_err(Failure::other)?;
    let listening = start(served, args.port).map_err(|e| match e {
        crate::serve::ServeError::Bind { .. } => Failure::bad_input(e.to_string()),
        crate::serve::ServeError::Start(_) => Failure::other(e.to_string()),
    })?;
    outln!("{}", listening.url);
    eprintln!(
        "phbsim serve: open the address above in a browser on this machine (only 127.0.0.1 is served; the token keeps others out). Ctrl-C stops it."
    );
    listening.run();
    Ok(())
}
