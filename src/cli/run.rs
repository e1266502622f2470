//! `phbsim run`: validate, simulate in parallel, write the outputs (CSV tables, manifest,
//! scenario, report) atomically, print the provider table.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::cli::common::{SimulationArgs, progress_bar};
use crate::cli::interrupt::Interrupt;
use crate::cli::outputs::{Finished, not_written, print_tables, write_outputs};
use crate::cli::shard::run_shard;
use crate::cli::{Failure, print_warnings, report_load_error};
use crate::estimate::Estimate;
use crate::hash::sha256_hex;
use crate::manifest::Manifest;
use crate::output::directory::{OutputError, check_destination};
use crate::run::{Run, RunSettings};
use crate::scenario::load;
use crate::scenario::{Scenario, Validated};
use crate::shard::Shard;

/// Arguments of `phbsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the built-in example.
    pub scenario: Option<PathBuf>,
    /// Output directory [default: out/<scenario file stem>].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Iterations, overriding the file's `iterations`.
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = clap::value_parser!(u64).range(1..))]
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

pub(super) fn output_error(error: OutputError) -> Failure {
    match error {
        OutputError::Foreign { .. } => Failure::bad_input(error.to_string()),
        OutputError::Io { .. } => Failure::other(error.to_string()),
    }
}

pub(super) fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The default output directory: `out/<file stem>`.
pub(super) fn default_output(scenario_name: &Path) -> PathBuf {
    let stem = scenario_name.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Path::new("out").join(stem)
}

/// What `run` and `run --shard` set up alike.
pub(super) struct Prepared<'a> {
    /// Iterations and seed, `-n` and `--seed` applied.
    pub settings: RunSettings,
    /// The base scenario, then its variants.
    pub scenarios: Vec<&'a Scenario>,
    pub pool: rayon::ThreadPool,
    pub threads: usize,
    pub interrupt: Interrupt,
}

/// Applies `-n` and `--seed`, refuses a run too large to start (unless
/// `--allow-large`), and starts the worker pool and the Ctrl-C watch.
pub(super) fn prepare<'a>(
    args: &RunArgs,
    validated: &'a Validated,
) -> Result<Prepared<'a>, Failure> {
    let base = &validated.scenario;
    let settings = RunSettings::new(
        args.iterations.unwrap_or(base.iterations),
        args.simulation.seed.unwrap_or(base.seed),
    );
    let scenarios = validated.all();
    if !args.allow_large {
        Estimate::of(&scenarios, &settings)
            .check(args.simulation.thread_count())
            .map_err(|too_large| Failure::bad_input(too_large.to_string()))?;
    }
    let (pool, threads) = args.simulation.thread_pool()?;
    let interrupt =
        Interrupt::watch().map_err(|e| Failure::other(format!("cannot watch for Ctrl-C: {e}")))?;
    Ok(Prepared {
        settings,
        scenarios,
        pool,
        threads,
        interrupt,
    })
}

pub fn run_command(args: RunArgs) -> Result<(), Failure> {
    let shard = args
        .shard
        .as_deref()
        .map(|given| Shard::parse(given, &|name| std::env::var(name).ok()))
        .transpose()
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let (source, validated) = load::load(args.scenario.as_deref()).map_err(report_load_error)?;
    print_warnings(&source, &validated.warnings);
    if let Some(shard) = shard {
        return run_shard(&args, shard, &source, &validated);
    }
    let scenario = &validated.scenario;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&source.name));
    check_destination(&output).map_err(output_error)?;

    let Prepared {
        settings,
        scenarios,
        pool,
        threads,
        interrupt,
    } = prepare(&args, &validated)?;

    let bar = progress_bar(Some(settings.iterations), args.quiet);
    let started = now_rfc3339();
    let clock = Instant::now();
    let set = pool.install(|| {
        Run::new(&scenarios, settings)
            .progress(&|done| bar.set_position(done))
            .cancel_on(interrupt.flag())
            .all()
    });
    bar.finish_and_clear();
    let set = set.map_err(|_| not_written(&interrupt, &output))?;
    let result = &set.runs[0];
    let elapsed = clock.elapsed().as_secs_f64();

    let manifest = Manifest {
        tool: "phbsim".to_string(),
        phbsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_name: scenario.name.clone(),
        scenario_file: source.name.display().to_string(),
        scenario_sha256: sha256_hex(source.text.as_bytes()),
        seed: settings.seed,
        iterations: settings.iterations,
        iterations_overridden: args.iterations.is_some(),
        seed_overridden: args.simulation.seed.is_some(),
        threads,
        exact_percentiles: result.exact_percentiles,
        variants: validated.variants.iter().map(|v| v.name.clone()).collect(),
        started,
        finished: now_rfc3339(),
        elapsed_seconds: elapsed,
        shards: None,
    };
    let finished = Finished {
        scenario_text: &source.text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    write_outputs(&output, &finished, &interrupt)?;
    if !args.quiet {
        print_tables(&output, &finished);
        outln!(
            "{} iterations in {:.2} s on {threads} thread(s)",
            settings.iterations,
            elapsed
        );
    }
    Ok(())
}
