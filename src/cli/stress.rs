//! `phbsim stress`: the value of one parameter at which a provider's probability of
//! distress reaches a target, with a 95% interval from the Monte Carlo error. Prints
//! its answer and keeps it, with every value evaluated, in its output directory. Not
//! reaching the target is an answer (exit 0).

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::sensitivity::note_variants;
use crate::cli::session::{
    ForceArg, Session, SimulationArgs, load_scenario, output_directory, settings,
};
use crate::manifest::Manifest;
use crate::output::files::stress_files;
use crate::output::stress::{Question, non_monotone_warning, render_stress};
use crate::sensitivity::stress::{SearchRange, Target, distressed_count, stress};
use crate::sensitivity::{LookupError, find_parameter, find_provider, parameter_label};

/// Arguments of `phbsim stress`.
#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// Scenario file (TOML); without it, the built-in example.
    pub scenario: Option<PathBuf>,
    /// The provider whose distress is targeted, by id.
    #[arg(long, value_name = "ID")]
    pub provider: String,
    /// The probability of distress by the horizon to reach: `distress=0.10` or
    /// `distress=10%`.
    #[arg(long, value_name = "METRIC=P")]
    pub target: Target,
    /// The uncertain parameter to vary, by path, e.g.
    /// `cohorts.frequent-crisis.uptake.ceiling`.
    #[arg(long, value_name = "PATH")]
    pub param: String,
    /// Output directory [default: out/<scenario file stem>-stress].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArg,
    /// Iterations at each value [default: the file's `iterations`].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = crate::cli::numbers::iterations)]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// Search the parameter from LO to HI, inside its valid range [default: [0, 1]
    /// for a probability or share; otherwise from half the P1 to twice the P99 of its
    /// distribution (a fixed value x: x/2 to 2x)].
    #[arg(long, value_name = "LO..HI")]
    pub range: Option<String>,
    /// Stop narrowing when the bracket is this wide, in the parameter's units
    /// [default: a thousandth of the range searched].
    #[arg(long, value_name = "X")]
    pub tolerance: Option<f64>,
    /// No progress counter and no answer printed (it is still written to the output
    /// directory; errors and warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

fn lookup_failure(error: LookupError) -> Failure {
    let help = error
        .help
        .map_or_else(String::new, |help| format!("\n  help: {help}"));
    Failure::bad_input(format!("{}{help}", error.message))
}

/// Runs `phbsim stress`: find the provider and parameter, search, write and print
/// the answer.
pub fn stress_command(args: StressArgs) -> Result<(), Failure> {
    let (source, validated) = load_scenario(args.scenario.as_deref())?;
    let scenario = &validated.scenario;
    let provider = find_provider(scenario, &args.provider).map_err(lookup_failure)?;
    let (slot, u) = find_parameter(scenario, &source.text, &args.param).map_err(lookup_failure)?;
    if let Some(tolerance) = args.tolerance
        && !(tolerance.is_finite() && tolerance > 0.0)
    {
        return Err(Failure::bad_input(format!(
            "--tolerance must be a positive number in the parameter's units (got {tolerance})"
        )));
    }
    let range = match &args.range {
        Some(text) => SearchRange::given(text, u).map_err(Failure::bad_input)?,
        None => SearchRange::of(u),
    };
    note_variants(&validated);
    let output = output_directory(args.output.as_deref(), &source, "-stress", args.force)?;
    let settings = settings(&validated, args.iterations, args.simulation.seed, None);

    let session = Session::start(args.simulation.threads, args.quiet)?;
    let consequence = output.untouched();
    let (result, usual) = session.compute(None, &consequence, |progress, cancel| {
        let target = args.target;
        let result = stress(
            scenario,
            settings,
            provider,
            slot,
            range,
            target,
            args.tolerance,
            progress,
            cancel,
        )?;
        let usual = distressed_count(scenario, settings, provider, None, &|_| {}, cancel)?;
        Ok((result, usual as f64 / settings.iterations as f64))
    })?;
    let timing = session.timing();
    let elapsed = timing.elapsed_seconds;
    let overridden = (args.iterations.is_some(), args.simulation.seed.is_some());
    let record = session.record(&source, &validated, settings, overridden, false);
    let manifest = Manifest::new(record, timing, true);
    let question = Question {
        scenario,
        provider: &args.provider,
        parameter: &args.param,
        label: &parameter_label(scenario, &args.param),
        uncertain: u,
        seed: settings.seed,
    };
    let answer = render_stress(&question, &result, usual);
    let files = stress_files(&question, &source.text, &manifest, &result, &answer)
        .map_err(|e| Failure::other(e.to_string()))?;
    session.write(&output, &files)?;

    if !args.quiet {
        out!("{answer}");
    }
    if let Some(warning) = non_monotone_warning(&result, &args.param) {
        eprintln!("warning: {warning}");
    }
    if !args.quiet {
        outln!("outputs: {}", output.display());
        outln!(
            "{} values evaluated ({} iterations each) in {elapsed:.2} s on {} thread(s)",
            result.points.len(),
            settings.iterations,
            session.threads()
        );
    }
    Ok(())
}
