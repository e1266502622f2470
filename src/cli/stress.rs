//! `phbsim stress`: the value of one parameter at which a provider's probability of
//! distress reaches a target, with a 95% interval from the Monte Carlo error. Prints
//! its answer; writes no files. Not reaching the target is an answer (exit 0).

use std::path::PathBuf;
use std::time::Instant;

use crate::cli::common::{SimulationArgs, progress_bar};
use crate::cli::sensitivity::note_variants;
use crate::cli::{Failure, print_warnings, report_load_error};
use crate::format::{percent, short, to_precision};
use crate::run::RunSettings;
use crate::scenario::load;
use crate::sensitivity::stress::{Bound, Outcome, StressResult, Target, distressed_count, stress};
use crate::sensitivity::{LookupError, find_parameter, find_provider};

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
    /// Iterations at each value [default: the file's `iterations`].
    #[arg(short = 'n', long, value_name = "ITERATIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// Stop narrowing when the bracket is this wide, in the parameter's units
    /// [default: a thousandth of the range searched].
    #[arg(long, value_name = "X")]
    pub tolerance: Option<f64>,
}

fn lookup_failure(error: LookupError) -> Failure {
    let help = error
        .help
        .map_or_else(String::new, |help| format!("\n  help: {help}"));
    Failure::bad_input(format!("{}{help}", error.message))
}

/// Runs `phbsim stress`: find the provider and parameter, search, print the answer.
pub fn stress_command(args: StressArgs) -> Result<(), Failure> {
    let (source, validated) = load::load(args.scenario.as_deref()).map_err(report_load_error)?;
    print_warnings(&source, &validated.warnings);
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
    note_variants(&validated);

    let settings = RunSettings::new(
        args.iterations.unwrap_or(scenario.iterations),
        args.simulation.seed.unwrap_or(scenario.seed),
    );
    let (pool, threads) = args.simulation.thread_pool()?;
    let never = std::sync::atomic::AtomicBool::new(false);
    let bar = progress_bar(None, false);
    let clock = Instant::now();
    let (result, usual) = pool.install(|| {
        let result = stress(
            scenario,
            settings,
            provider,
            (slot, u),
            args.target,
            args.tolerance,
            &|done| bar.set_position(done),
            &never,
        )
        .expect("not cancelled");
        let usual = distressed_count(scenario, settings, provider, None, &|_| {}, &never)
            .expect("not cancelled");
        (result, usual)
    });
    bar.finish_and_clear();
    let elapsed = clock.elapsed().as_secs_f64();

    let n = settings.iterations as f64;
    let horizon = scenario.month_label(scenario.months - 1);
    outln!(
        "stress test of {} in \"{}\": the value of {} at which P(distress by {horizon}) reaches {}",
        args.provider,
        scenario.name,
        args.param,
        percent(result.target)
    );
    let (_, hi) = u.range.bounds();
    let assumed = match u.fixed_value() {
        Some(value) => format!("the scenario sets it to {}", short(value)),
        None => format!("the scenario draws it from {}", u.dist.describe()),
    };
    outln!(
        "valid range: {}{}; {assumed}; P(distress) at the usual draws {}",
        u.range.describe(),
        if hi.is_finite() {
            String::new()
        } else {
            format!(
                " (searched from {} to {})",
                short(result.range.low),
                short(result.range.high)
            )
        },
        percent(usual as f64 / n)
    );
    outln!(
        "{} iterations at each value, seed {}, common random numbers at every value\n",
        settings.iterations,
        settings.seed
    );
    let key = args.param.rsplit('.').next().unwrap_or(&args.param);
    let width = key.chars().count().max(10);
    outln!("  {key:>width$}  P(distress)");
    for point in &result.grid {
        outln!(
            "  {:>width$}  {:>10}",
            short(point.value),
            percent(result.probability(*point))
        );
    }
    outln!();
    report_outcome(&result, &args.param);
    if let Some((a, b)) = result.non_monotone {
        eprintln!(
            "warning: P(distress) is not monotone in {}: it {} from {} at {} to {} at {}; a single threshold may not describe it",
            args.param,
            if result.rising { "falls" } else { "rises" },
            percent(result.probability(a)),
            short(a.value),
            percent(result.probability(b)),
            short(b.value)
        );
    }
    outln!(
        "{} values evaluated ({} iterations each) in {elapsed:.2} s on {threads} thread(s)",
        result.points.len(),
        settings.iterations
    );
    Ok(())
}

fn report_outcome(result: &StressResult, param: &str) {
    let (low, high) = result.ends();
    let ends = format!(
        "{} at {}, {} at {}",
        percent(result.probability(low)),
        short(low.value),
        percent(result.probability(high)),
        short(high.value)
    );
    let target = percent(result.target);
    match result.outcome {
        Outcome::NotReached => {
            if result.probability(low) >= result.target {
                outln!(
                    "P(distress) is at or above {target} everywhere in the range searched ({ends}): the target is reached whatever the value of {param}."
                );
            } else {
                outln!(
                    "P(distress) is below {target} everywhere in the range searched ({ends}): the target is not reached by varying {param} alone."
                );
            }
        }
        Outcome::Reached(threshold) => {
            let tolerance = result.tolerance;
            let bound = |b: Bound| match b {
                Bound::Value(x) => to_precision(x, tolerance),
                Bound::RangeEnd(x) => format!(
                    "{} (the end of the range searched)",
                    to_precision(x, tolerance)
                ),
            };
            outln!(
                "P(distress) {} with {param} and reaches {target} at {}",
                if result.rising { "rises" } else { "falls" },
                to_precision(threshold.value, tolerance),
            );
            outln!(
                "95% interval: {} to {} (where P(distress) is within {target} ± {:.1} points, the Monte Carlo error of {} iterations)",
                bound(threshold.interval.0),
                bound(threshold.interval.1),
                result.band * 100.0,
                result.iterations
            );
        }
    }
}
