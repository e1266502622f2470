//! `phbsim sensitivity`: one-way sensitivity and rank correlations of every uncertain
//! parameter, written to `sensitivity.csv`, drawn in `report.html` (a tornado chart per
//! provider) and printed as a tornado per provider.

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::session::{
    ForceArg, Session, SimulationArgs, load_scenario, output_directory, settings,
};
use crate::manifest::Manifest;
use crate::output::files::sensitivity_files;
use crate::output::sensitivity::render_sensitivity;
use crate::scenario::Validated;
use crate::sensitivity::one_way::{analyse, run_count};

/// Iterations per run when `-n` is not given: the file's `iterations`, but at most
/// this many, as the analysis makes `1 + 2 × parameters` runs. The base is then not
/// `phbsim run`'s (another sample of the futures), and the printed text says so and
/// how to match it (`-n`).
pub const DEFAULT_MAX_ITERATIONS: u64 = 500;

/// Parameters shown per provider in the printed tornado.
const TOP: usize = 10;

/// Arguments of `phbsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML); without it, the built-in example.
    pub scenario: Option<PathBuf>,
    /// Output directory [default: out/<scenario file stem>-sensitivity].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArg,
    /// Iterations of each run [default: the file's `iterations`, at most 500, as the
    /// analysis makes 1 + 2 × parameters runs; give the file's to match `phbsim run`].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = crate::cli::numbers::iterations)]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// No progress bar and no tables (errors and warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Says on standard error that a scenario's variants are not analysed.
pub(super) fn note_variants(validated: &Validated) {
    if !validated.variants.is_empty() {
        eprintln!(
            "note: the scenario's {} variant(s) are not analysed; this analyses the base scenario",
            validated.variants.len()
        );
    }
}

/// Runs `phbsim sensitivity`: analyse, write the directory, print the tornado.
pub fn sensitivity_command(args: SensitivityArgs) -> Result<(), Failure> {
    let (source, validated) = load_scenario(args.scenario.as_deref())?;
    note_variants(&validated);
    let scenario = &validated.scenario;
    let output = output_directory(args.output.as_deref(), &source, "-sensitivity", args.force)?;
    let settings = settings(
        &validated,
        args.iterations,
        args.simulation.seed,
        Some(DEFAULT_MAX_ITERATIONS),
    );

    let session = Session::start(args.simulation.threads, args.quiet)?;
    let runs = run_count(scenario);
    let consequence = output.untouched();
    let total = runs * settings.iterations;
    let result = session.compute(Some(total), &consequence, |progress, cancel| {
        analyse(scenario, settings, progress, cancel)
    })?;
    let timing = session.timing();
    let elapsed = timing.elapsed_seconds;
    let overridden = (args.iterations.is_some(), args.simulation.seed.is_some());
    let record = session.record(&source, &validated, settings, overridden, false);
    let manifest = Manifest::new(record, timing, result.exact_percentiles);
    let files = sensitivity_files(scenario, &source.text, &manifest, &result)
        .map_err(|e| Failure::other(e.to_string()))?;
    session.write(&output, &files)?;

    if !args.quiet {
        let capped_from = (args.iterations.is_none() && settings.iterations < scenario.iterations)
            .then_some(scenario.iterations);
        out!(
            "{}",
            render_sensitivity(scenario, &result, TOP, capped_from)
        );
        outln!("outputs: {}", output.display());
        outln!(
            "{runs} runs of {} iterations in {elapsed:.2} s on {} thread(s)",
            settings.iterations,
            session.threads()
        );
    }
    Ok(())
}
