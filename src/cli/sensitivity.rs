//! `phbsim sensitivity`: one-way sensitivity and rank correlations of every uncertain
//! parameter, written to `sensitivity.csv`, drawn in `report.html` (a tornado chart per
//! provider) and printed as a tornado per provider.

use std::path::PathBuf;
use std::time::Instant;

use crate::cli::common::{SimulationArgs, progress_bar};
use crate::cli::run::{default_output, now_rfc3339, output_error};
use crate::cli::{Failure, print_warnings, report_load_error};
use crate::hash::sha256_hex;
use crate::manifest::Manifest;
use crate::output::directory::{check_destination, write_atomically};
use crate::output::sensitivity::{render_tornado, write_sensitivity};
use crate::run::RunSettings;
use crate::scenario::{Validated, load};
use crate::sensitivity::tornado::{analyse, run_count};

/// Iterations per run when `-n` is not given: the file's `iterations`, but at most
/// this many, as the analysis makes `1 + 2 × parameters` runs.
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
    /// Iterations of each run [default: the file's `iterations`, at most 500].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = clap::value_parser!(u64).range(1..))]
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
    let (source, validated) = load::load(args.scenario.as_deref()).map_err(report_load_error)?;
    print_warnings(&source, &validated.warnings);
    note_variants(&validated);
    let scenario = validated.scenario;
    let output = args.output.clone().unwrap_or_else(|| {
        let mut path = default_output(&source.name).into_os_string();
        path.push("-sensitivity");
        PathBuf::from(path)
    });
    check_destination(&output).map_err(output_error)?;

    let settings = RunSettings::new(
        args.iterations
            .unwrap_or(scenario.iterations.min(DEFAULT_MAX_ITERATIONS)),
        args.simulation.seed.unwrap_or(scenario.seed),
    );
    let (pool, threads) = args.simulation.thread_pool()?;
    let runs = run_count(&scenario);
    let bar = progress_bar(Some(runs * settings.iterations), args.quiet);
    let started = now_rfc3339();
    let clock = Instant::now();
    let never = std::sync::atomic::AtomicBool::new(false);
    let result = pool
        .install(|| analyse(&scenario, settings, &|done| bar.set_position(done), &never))
        .expect("not cancelled");
    bar.finish_and_clear();
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
        variants: Vec::new(),
        started,
        finished: now_rfc3339(),
        elapsed_seconds: elapsed,
        shards: None,
    };
    let mut table = Vec::new();
    write_sensitivity(&mut table, &scenario.name, &result)
        .map_err(|e| Failure::other(format!("cannot format sensitivity.csv: {e}")))?;
    let report = crate::report::build_sensitivity(&scenario, &manifest, &result);
    write_atomically(
        &output,
        &[
            ("sensitivity.csv", table),
            ("report.html", report.into_bytes()),
            ("manifest.json", manifest.to_json().into_bytes()),
            ("scenario.toml", source.text.clone().into_bytes()),
        ],
    )
    .map_err(output_error)?;

    if !args.quiet {
        outln!(
            "sensitivity of {}: {} uncertain parameter(s), each at its P10 and its P90 while the others keep their draws (common random numbers); {} iterations a run, seed {}",
            scenario.name,
            result.parameters.len(),
            settings.iterations,
            settings.seed
        );
        let horizon = format!(
            "{} to {}",
            scenario.start,
            scenario.month_label(scenario.months - 1)
        );
        out!("{}", render_tornado(&result, TOP, &horizon));
        outln!(
            "\nΔ inc.: change in mean income from the usual draws; ρ: rank correlation of the parameter's draw with income over the plain run (noise level ±{:.2}).",
            2.0 / ((settings.iterations.max(2) - 1) as f64).sqrt()
        );
        outln!("outputs: {}", output.display());
        outln!(
            "{runs} runs of {} iterations in {elapsed:.2} s on {threads} thread(s)",
            settings.iterations
        );
    }
    Ok(())
}
