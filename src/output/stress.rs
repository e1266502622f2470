//! What `phbsim stress` writes and prints: `stress.csv`, every value of the parameter
//! evaluated with its probability of distress, and the answer as text (printed, and
//! kept as `stress.txt` beside the CSV so a meeting can cite it).

use std::fmt::Write as _;
use std::io::Write;

use crate::format::{percent, short, to_precision};
use crate::output::tables::format_number;
use crate::scenario::{Scenario, Uncertain};
use crate::sensitivity::stress::{Bound, Outcome, Point, StressResult};

/// The columns of `stress.csv`.
pub const COLUMNS: [&str; 8] = [
    "scenario",
    "provider",
    "parameter",
    "value",
    "iterations",
    "distressed",
    "p_distress",
    "on_grid",
];

/// What was stressed, for the text and the CSV.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub scenario: &'a Scenario,
    pub provider: &'a str,
    /// The parameter's path, its label ([`crate::sensitivity::parameter_label`]) and
    /// its definition in the scenario.
    pub parameter: &'a str,
    pub label: &'a str,
    pub uncertain: &'a Uncertain,
    pub seed: u64,
}

/// Writes `stress.csv`: one row per value evaluated, in increasing order; `on_grid`
/// marks the evenly spaced values that show the curve's shape (the others were
/// evaluated while narrowing the threshold).
pub fn write_stress(
    out: &mut impl Write,
    question: &Question<'_>,
    result: &StressResult,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    let on_grid = |p: &Point| {
        result
            .grid
            .iter()
            .any(|g| g.value.to_bits() == p.value.to_bits())
    };
    for point in &result.points {
        writer.write_record([
            question.scenario.name.as_str(),
            question.provider,
            question.parameter,
            &format_number(point.value),
            &result.iterations.to_string(),
            &point.distressed.to_string(),
            &format_number(result.probability(*point)),
            if on_grid(point) { "true" } else { "false" },
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// The answer of a stress test as text: the question, the curve on its grid, the
/// threshold and its interval. `usual` is P(distress) at the usual draws.
pub fn render_stress(question: &Question<'_>, result: &StressResult, usual: f64) -> String {
    let mut out = String::new();
    let scenario = question.scenario;
    let u = question.uncertain;
    let param = question.label;
    let horizon = scenario.month_label(scenario.months - 1);
    let _ = writeln!(
        out,
        "stress test of {} in \"{}\": the value of {param} ({}) at which P(distress by {horizon}) reaches {}",
        question.provider,
        scenario.name,
        question.parameter,
        percent(result.target)
    );
    let assumed = match u.fixed_value() {
        Some(value) => format!("the scenario sets it to {}", short(value)),
        None => format!("the scenario draws it from {}", u.dist.describe()),
    };
    let (low, high) = u.range.bounds();
    let whole = result.range.low.to_bits() == low.to_bits()
        && result.range.high.to_bits() == high.to_bits();
    let searched = if whole {
        String::new()
    } else {
        format!(
            " (searched from {} to {})",
            short(result.range.low),
            short(result.range.high)
        )
    };
    let _ = writeln!(
        out,
        "valid range: {}{searched}; {assumed}; P(distress) at the usual draws {}",
        u.range.describe(),
        percent(usual)
    );
    let _ = writeln!(
        out,
        "{} iterations at each value, seed {}, common random numbers at every value\n",
        result.iterations, question.seed
    );
    let key = question
        .parameter
        .rsplit('.')
        .next()
        .unwrap_or(question.parameter);
    let width = key.chars().count().max(10);
    let _ = writeln!(out, "  {key:>width$}  P(distress)");
    for point in &result.grid {
        let _ = writeln!(
            out,
            "  {:>width$}  {:>10}",
            short(point.value),
            percent(result.probability(*point))
        );
    }
    let _ = writeln!(out);
    out.push_str(&render_outcome(result, param));
    out
}

/// The warning that P(distress) is not monotone in the parameter, if it is not.
pub fn non_monotone_warning(result: &StressResult, param: &str) -> Option<String> {
    let (a, b) = result.non_monotone?;
    Some(format!(
        "P(distress) is not monotone in {param}: it {} from {} at {} to {} at {}; a single threshold may not describe it",
        if result.rising { "falls" } else { "rises" },
        percent(result.probability(a)),
        short(a.value),
        percent(result.probability(b)),
        short(b.value)
    ))
}

fn render_outcome(result: &StressResult, param: &str) -> String {
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
        Outcome::NotReached if result.probability(low) >= result.target => format!(
            "P(distress) is at or above {target} everywhere in the range searched ({ends}): the target is reached whatever the value of {param}.\n"
        ),
        Outcome::NotReached => format!(
            "P(distress) is below {target} everywhere in the range searched ({ends}): the target is not reached by varying {param} alone.\n"
        ),
        Outcome::Reached(threshold) => {
            let tolerance = result.tolerance;
            let bound = |b: Bound| match b {
                Bound::Value(x) => to_precision(x, tolerance),
                Bound::RangeEnd(x) => format!(
                    "{} (the end of the range searched)",
                    to_precision(x, tolerance)
                ),
            };
            format!(
                "P(distress) {} with {param} and reaches {target} at {}\n95% interval: {} to {} (where P(distress) is within {target} ± {:.1} points, the Monte Carlo error of {} iterations)\n",
                if result.rising { "rises" } else { "falls" },
                to_precision(threshold.value, tolerance),
                bound(threshold.interval.0),
                bound(threshold.interval.1),
                result.band * 100.0,
                result.iterations
            )
        }
    }
}
