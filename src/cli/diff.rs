//! `phbsim diff A.toml B.toml`: which parameters differ (by path), then both run with
//! common random numbers and the paired differences per provider.

use std::path::PathBuf;

use crate::cli::common::SimulationArgs;
use crate::cli::{Failure, report_load_error};
use crate::output::terminal;
use crate::run::{Run, RunSettings};
use crate::scenario::load;
use crate::scenario::paths::differences;

/// Arguments of `phbsim diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The scenario taken as the base.
    pub a: PathBuf,
    /// The scenario compared with it.
    pub b: PathBuf,
    /// Iterations [default: A's `iterations`].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
}

pub fn diff_command(args: DiffArgs) -> Result<(), Failure> {
    let (source_a, a) = load::load(Some(&args.a)).map_err(report_load_error)?;
    let (source_b, b) = load::load(Some(&args.b)).map_err(report_load_error)?;
    let changed = differences(&source_a.text, &source_b.text);
    outln!(
        "{} parameter(s) differ between {} (A) and {} (B):",
        changed.len(),
        args.a.display(),
        args.b.display()
    );
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(default)".to_string());
    for (path, in_a, in_b) in &changed {
        outln!(
            "  {path}\n      A: {}\n      B: {}",
            shown(in_a),
            shown(in_b)
        );
    }
    let settings = RunSettings::new(
        args.iterations.unwrap_or(a.scenario.iterations),
        args.simulation.seed.unwrap_or(a.scenario.seed),
    );
    if a.scenario.seed != b.scenario.seed && args.simulation.seed.is_none() {
        eprintln!(
            "note: the files' seeds differ; both run with A's seed {} so their random numbers are common",
            settings.seed
        );
    }
    let (pool, _) = args.simulation.thread_pool()?;
    let set = pool
        .install(|| Run::new(&[&a.scenario, &b.scenario], settings).all())
        .expect("a run without a cancellation flag finishes");
    outln!(
        "\n{} iterations, seed {}; B − A per iteration, summed over the horizon:",
        settings.iterations,
        settings.seed
    );
    out!("{}", terminal::render_comparisons(&set, &["A", "B"]));
    Ok(())
}
