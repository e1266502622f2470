//! `phbsim diff A.toml B.toml`: which parameters differ (by path), then both run with
//! common random numbers and the paired differences per provider. Prints only.

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::session::{Session, SimulationArgs, load_scenario, settings};
use crate::output::terminal;
use crate::scenario::paths::differences;

/// Arguments of `phbsim diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The scenario taken as the base.
    pub a: PathBuf,
    /// The scenario compared with it.
    pub b: PathBuf,
    /// Iterations [default: A's `iterations`].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = crate::cli::numbers::iterations)]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
}

pub fn diff_command(args: DiffArgs) -> Result<(), Failure> {
    let (source_a, a) = load_scenario(Some(&args.a))?;
    let (source_b, b) = load_scenario(Some(&args.b))?;
    let changed = differences(&source_a.text, &source_b.text);
    out!(
        "{}",
        terminal::render_differences(
            &args.a.display().to_string(),
            &args.b.display().to_string(),
            &changed
        )
    );
    let settings = settings(&a, args.iterations, args.simulation.seed, None);
    if a.scenario.seed != b.scenario.seed && args.simulation.seed.is_none() {
        eprintln!(
            "note: the files' seeds differ; both run with A's seed {} so their random numbers are common",
            settings.seed
        );
    }
    let session = Session::start(args.simulation.threads, false)?;
    let scenarios = [&a.scenario, &b.scenario];
    let set = session.run_all(&scenarios, settings, "nothing was compared")?;
    outln!(
        "\n{} iterations, seed {}; B − A per iteration, summed over the horizon:",
        settings.iterations,
        settings.seed
    );
    out!("{}", terminal::render_comparisons(&set, &["A", "B"]));
    Ok(())
}
