//! `phbsim run`: validate, simulate in parallel, write the outputs (CSV tables,
//! manifest, scenario, report) atomically, print the provider table. With `--shard`,
//! one shard's blocks only ([`crate::cli::shard`]).

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::session::{
    ForceArg, Session, SimulationArgs, load_scenario, output_directory, settings, thread_count,
};
use crate::cli::shard::run_shard;
use crate::estimate::Estimate;
use crate::manifest::Manifest;
use crate::output::files::{FinishedRun, run_files};
use crate::output::terminal;
use crate::run::RunSettings;
use crate::scenario::Validated;
use crate::shard::Shard;

/// Arguments of `phbsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the built-in example.
    pub scenario: Option<PathBuf>,
    /// Output directory [default: out/<scenario file stem>].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArg,
    /// Iterations, overriding the file's `iterations`.
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = crate::cli::numbers::iterations)]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// No progress bar and no table (errors and warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
    /// Run even if the estimated memory or work is beyond phbsim's limits.
    #[arg(long)]
    pub allow_large: bool,
    /// Compute only shard K of N (0-based) and write its partial result into the
    /// output directory [default: out/<scenario file stem>-parts], for `phbsim merge`.
    /// K may be `auto`: read from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or
    /// AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

impl RunArgs {
    /// Iterations and seed, `-n` and `--seed` applied; refused when too large to
    /// start (unless `--allow-large`).
    pub(super) fn settings(&self, validated: &Validated) -> Result<RunSettings, Failure> {
        let settings = settings(validated, self.iterations, self.simulation.seed, None);
        if !self.allow_large {
            Estimate::of(&validated.all(), &settings)
                .check(thread_count(self.simulation.threads))
                .map_err(|too_large| Failure::bad_input(too_large.to_string()))?;
        }
        Ok(settings)
    }

    /// Whether `-n` and `--seed` overrode the file.
    pub(super) fn overridden(&self) -> (bool, bool) {
        (self.iterations.is_some(), self.simulation.seed.is_some())
    }
}

pub fn run_command(args: RunArgs) -> Result<(), Failure> {
    let shard = args
        .shard
        .as_deref()
        .map(|given| Shard::parse(given, &|name| std::env::var(name).ok()))
        .transpose()
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let (source, validated) = load_scenario(args.scenario.as_deref())?;
    if let Some(shard) = shard {
        return run_shard(&args, shard, &source, &validated);
    }
    let output = output_directory(args.output.as_deref(), &source, "", args.force)?;
    let settings = args.settings(&validated)?;
    let scenarios = validated.all();

    let session = Session::start(args.simulation.threads, args.quiet)?;
    let consequence = output.untouched();
    let set = session.run_all(&scenarios, settings, &consequence)?;
    let timing = session.timing();
    let elapsed = timing.elapsed_seconds;
    let record = session.record(&source, &validated, settings, args.overridden(), true);
    let manifest = Manifest::new(record, timing, set.runs[0].exact_percentiles);
    let finished = FinishedRun {
        scenario_text: &source.text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    let files = run_files(&output.path, &finished).map_err(|e| Failure::other(e.to_string()))?;
    session.write(&output, &files)?;
    if !args.quiet {
        out!(
            "{}",
            terminal::render_run(&scenarios, &set, &output.display().to_string())
        );
        outln!(
            "{} iterations in {:.2} s on {} thread(s)",
            settings.iterations,
            elapsed,
            session.threads()
        );
    }
    Ok(())
}
