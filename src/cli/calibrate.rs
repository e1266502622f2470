//! `phbsim calibrate`: fit cohorts' uptake parameters to observed counts, write
//! `posterior.csv`, `calibration.csv` and `calibration.html`, print the fit.

use std::path::{Path, PathBuf};

use crate::calibrate::observed::parse_observed;
use crate::calibrate::{Settings, calibrate, planned_steps};
use crate::cli::session::{ForceArg, Session, SimulationArgs, load_scenario, output_directory};
use crate::cli::{Failure, render_problems, stderr_is_terminal};
use crate::hash::sha256_hex;
use crate::manifest::Manifest;
use crate::output::calibration::{
    CalibrationRecord, calibration_manifest, calibration_warnings, render_calibration,
};
use crate::output::files::calibration_files;
use crate::run::RunSettings;
use crate::scenario::load::{BYTE_ORDER_MARK, Source};

/// Arguments of `phbsim calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML): its cohorts' distributions are the priors.
    pub scenario: PathBuf,
    /// Observed counts: a CSV `cohort,from,to,measure,value` (docs/calibration.md).
    #[arg(long, value_name = "COUNTS.csv")]
    pub observed: PathBuf,
    /// Output directory [default: out/<scenario file stem>-calibration].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArg,
    /// Posterior draws written to posterior.csv.
    #[arg(long, value_name = "D", default_value_t = 1000, value_parser = at_least_one)]
    pub draws: u64,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// Reporting noise: a report of true count x is negative binomial with mean x
    /// (at least 0.5) and variance mean + DISPERSION × mean² (0: Poisson).
    #[arg(long, value_name = "DISPERSION", default_value_t = 0.01, value_parser = dispersion)]
    pub dispersion: f64,
    /// Particles of each likelihood estimate.
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = at_least_one)]
    pub particles: u64,
    /// Chains, each from its own start drawn from the prior.
    #[arg(long, value_name = "C", default_value_t = 4, value_parser = at_least_two)]
    pub chains: u64,
    /// Steps of each chain spent tuning its proposal, then discarded.
    #[arg(long, value_name = "STEPS", default_value_t = 1000, value_parser = at_least_one)]
    pub burn_in: u64,
    /// Most steps each chain takes after its burn-in (more when it mixes slowly).
    #[arg(long, value_name = "STEPS", default_value_t = 20_000, value_parser = at_least_one)]
    pub max_steps: u64,
    /// No progress bar and no table (errors and warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// The most a count option takes: every kept step of every chain is held in memory
/// (8 bytes per fitted parameter), and so is every draw, so a mistyped count must not
/// exhaust the machine.
const MOST: u64 = 1_000_000;

/// A whole number from `least` to [`MOST`], or a message saying so.
fn whole_in_range(text: &str, least: u64) -> Result<u64, String> {
    let usage = format!("use a whole number from {least} to {MOST}");
    match text.trim().parse::<u64>() {
        Ok(n) if (least..=MOST).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is out of range; {usage}")),
        Err(_) => Err(format!("`{text}` is not a whole number; {usage}")),
    }
}

fn at_least_one(text: &str) -> Result<u64, String> {
    whole_in_range(text, 1)
}

/// Chains: split R-hat compares at least two.
fn at_least_two(text: &str) -> Result<u64, String> {
    whole_in_range(text, 2)
}

fn dispersion(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a dispersion; use a number, 0 or more (0.01: reports within about 10%)"
        )),
    }
}

/// Reads the observed counts' text and the SHA-256 of the file's bytes, or the failure
/// to (exit 2: bad input).
fn read_observed(path: &Path) -> Result<(Source, String), Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::bad_input(match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "no such file: {}; give the observed counts as a CSV (docs/calibration.md)",
                path.display()
            ),
            kind => format!("cannot read observed counts {}: {kind}", path.display()),
        })
    })?;
    let sha256 = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::bad_input(format!(
            "{}: the file is not UTF-8 text; save it as UTF-8 CSV",
            path.display()
        ))
    })?;
    let source = Source {
        name: path.to_path_buf(),
        text: text
            .strip_prefix(BYTE_ORDER_MARK)
            .map_or(text.clone(), str::to_string),
    };
    Ok((source, sha256))
}

pub fn calibrate_command(args: CalibrateArgs) -> Result<(), Failure> {
    let (source, validated) = load_scenario(Some(&args.scenario))?;
    crate::cli::sensitivity::note_variants(&validated);
    let scenario = &validated.scenario;
    if scenario.draws.is_some() {
        eprintln!(
            "note: the scenario's [draws] file is not a prior here: each parameter's own distribution is"
        );
    }
    let (observed_source, observed_sha256) = read_observed(&args.observed)?;
    let observed = parse_observed(&observed_source.text, scenario).map_err(|problems| {
        eprint!(
            "{}",
            render_problems(&observed_source, &problems, stderr_is_terminal())
        );
        Failure::bad_input(format!(
            "{}: {} error(s); nothing was calibrated",
            args.observed.display(),
            problems.iter().filter(|p| p.is_error()).count()
        ))
    })?;
    let output = output_directory(args.output.as_deref(), &source, "-calibration", args.force)?;
    let seed = args.simulation.seed.unwrap_or(scenario.seed);
    let settings = Settings {
        seed,
        draws: args.draws as usize,
        chains: args.chains as usize,
        particles: args.particles as usize,
        burn_in: args.burn_in,
        dispersion: args.dispersion,
        max_steps: args.max_steps,
    };

    let session = Session::start(args.simulation.threads, args.quiet)?;
    let consequence = output.untouched();
    let total = planned_steps(&observed, &settings);
    let unit = "chain steps";
    let calibration = session.compute_counting(total, unit, &consequence, |progress, cancel| {
        calibrate(
            scenario,
            &observed,
            settings,
            &|done| progress(done.min(total)),
            cancel,
        )
    })?;
    let timing = session.timing();
    let elapsed = timing.elapsed_seconds;
    let run_settings = RunSettings::new(args.draws, seed);
    let overridden = (false, args.simulation.seed.is_some());
    let record = session.record(&source, &validated, run_settings, overridden, false);
    let manifest = Manifest::new(record, timing, true);
    let observed_file = args.observed.display().to_string();
    let manifest_json = calibration_manifest(
        &manifest,
        &CalibrationRecord {
            observed_file: &observed_file,
            observed_sha256,
            draws: settings.draws,
            chains: settings.chains,
            particles: settings.particles,
            burn_in: settings.burn_in,
            max_steps: settings.max_steps,
            dispersion: settings.dispersion,
        },
    );
    let files = calibration_files(
        scenario,
        &source.text,
        &manifest,
        manifest_json,
        &calibration,
        &observed_file,
    )
    .map_err(|e| Failure::other(e.to_string()))?;
    session.write(&output, &files)?;

    if !args.quiet {
        out!("{}", render_calibration(&calibration));
        outln!("outputs: {}", output.display());
        outln!(
            "{} cohort(s), {} chains each, in {elapsed:.2} s on {} thread(s); use the fit with `[draws] file = \"posterior.csv\"` (docs/calibration.md)",
            calibration.cohorts.len(),
            settings.chains,
            session.threads()
        );
    }
    for warning in calibration_warnings(&calibration) {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
