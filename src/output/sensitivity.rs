//! `sensitivity.csv` and the tornado tables printed by `phbsim sensitivity`.
//!
//! The CSV is tidy, one row per provider × parameter × metric, in the order of
//! [`Sensitivity::rows`] (by provider, metric, then swing, largest first); numbers
//! are plain, as in the other tables, and a value that does not apply is left empty.
//! `parameter` is the path (what a variant or `--param` takes); `label`, last, names
//! it as the tables do.

use std::fmt::Write as _;
use std::io::Write;

use crate::format::{money, percent, short, signed_money};
use crate::output::tables::format_number;
use crate::scenario::Scenario;
use crate::sensitivity::one_way::{Metric, Row, Sensitivity};

/// The columns of `sensitivity.csv`.
pub const COLUMNS: [&str; 12] = [
    "scenario",
    "provider",
    "parameter",
    "low_value",
    "high_value",
    "metric",
    "low_result",
    "high_result",
    "effect",
    "effect_se",
    "swing",
    "label",
];

fn field(value: Option<f64>) -> String {
    value.map_or_else(String::new, format_number)
}

/// Writes `sensitivity.csv`.
pub fn write_sensitivity(
    out: &mut impl Write,
    scenario_name: &str,
    result: &Sensitivity,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in &result.rows {
        writer.write_record([
            scenario_name,
            &row.provider,
            &row.parameter,
            &field(row.low_value),
            &field(row.high_value),
            row.metric.as_str(),
            &field(row.low_result),
            &field(row.high_result),
            &field(row.effect),
            &field(row.effect_se),
            &field(row.swing),
            result.label(&row.parameter),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// What `phbsim sensitivity` prints: what was varied and how, the tornado of each
/// provider (its `top` parameters), and how to read it. `capped_from` is the file's
/// `iterations` when the command lowered them (so the base is not `phbsim run`'s).
pub fn render_sensitivity(
    scenario: &Scenario,
    result: &Sensitivity,
    top: usize,
    capped_from: Option<u64>,
) -> String {
    let runs = 1 + 2 * result.parameters.len();
    let iterations = match capped_from {
        Some(file) => format!(
            "{} iterations a run (the file's {file} capped, as the analysis makes {runs} runs; -n {file} to match `phbsim run`)",
            result.iterations
        ),
        None => format!("{} iterations a run", result.iterations),
    };
    let mut out = format!(
        "sensitivity of {}: {} uncertain parameter(s), each at its P10 and its P90 while the others keep their draws (common random numbers); {iterations}, seed {}\n",
        scenario.name,
        result.parameters.len(),
        result.seed
    );
    let horizon = format!(
        "{} to {}",
        scenario.start,
        scenario.month_label(scenario.months - 1)
    );
    out.push_str(&render_tornado(result, top, &horizon));
    let _ = writeln!(
        out,
        "\nΔ inc.: change in mean income from the usual draws; ρ: rank correlation of the parameter's draw with income over the plain run (noise level ±{:.2}).",
        2.0 / ((result.iterations.max(2) - 1) as f64).sqrt()
    );
    out
}

/// Per provider, the `top` parameters by income swing: each end's change in mean
/// income from the plain run, the swing, P(distress) at each end and the rank
/// correlation of the parameter's draw with income; then the parameters that move
/// P(distress) most, when any does.
pub fn render_tornado(result: &Sensitivity, top: usize, horizon_label: &str) -> String {
    let mut out = String::new();
    for base in &result.base {
        let provider = base.provider.as_str();
        let income = result.tornado(provider, Metric::Income);
        let find = |metric, parameter: &str| -> Option<&Row> {
            result
                .tornado(provider, metric)
                .into_iter()
                .find(|r| r.parameter == parameter)
        };
        let _ = writeln!(
            out,
            "\n{provider}: income {} over {horizon_label}, P(distress) {} at the usual draws",
            money(base.income),
            percent(base.distressed)
        );
        if income.is_empty() {
            let _ = writeln!(out, "  (no uncertain parameters)");
            continue;
        }
        let shown: Vec<&Row> = income.into_iter().take(top).collect();
        let width = shown
            .iter()
            .map(|r| result.label(&r.parameter).chars().count())
            .max()
            .unwrap_or(9)
            .max(9);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8}  {:>8}  {:>10}  {:>10}  {:>9}  {:>16}  {:>8}",
            "parameter",
            "P10",
            "P90",
            "Δ inc. P10",
            "Δ inc. P90",
            "swing",
            "P(distr.) P10/90",
            "ρ income"
        );
        for row in shown {
            let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or(String::new(), f);
            let delta = |v: Option<f64>| opt(v, &|v| signed_money(v - base.income));
            let distress = find(Metric::Distressed, &row.parameter).map_or(String::new(), |d| {
                format!(
                    "{} / {}",
                    opt(d.low_result, &percent),
                    opt(d.high_result, &percent)
                )
            });
            let rho = find(Metric::RankCorrelationIncome, &row.parameter)
                .and_then(|r| r.effect)
                .map_or("–".to_string(), |rho| format!("{rho:+.2}"));
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8}  {:>8}  {:>10}  {:>10}  {:>9}  {:>16}  {:>8}",
                result.label(&row.parameter),
                opt(row.low_value, &short),
                opt(row.high_value, &short),
                delta(row.low_result),
                delta(row.high_result),
                opt(row.swing, &money),
                distress,
                rho
            );
        }
        let distress: Vec<String> = result
            .tornado(provider, Metric::Distressed)
            .into_iter()
            .filter(|r| r.swing.is_some_and(|s| s > 0.0))
            .take(3)
            .map(|r| {
                format!(
                    "{} ({:+.1} pts)",
                    result.label(&r.parameter),
                    r.effect.unwrap_or(0.0) * 100.0
                )
            })
            .collect();
        if !distress.is_empty() {
            let _ = writeln!(
                out,
                "  moves P(distress) most (P90 − P10): {}",
                distress.join(", ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::one_way::ProviderBase;
    use crate::sensitivity::one_way::test_rows::row;

    fn result() -> Sensitivity {
        let mut rank = row("a", Metric::RankCorrelationIncome, 0.0, 0.0);
        (
            rank.low_value,
            rank.high_value,
            rank.low_result,
            rank.high_result,
        ) = (None, None, None, None);
        (rank.effect, rank.swing) = (Some(-0.25), Some(0.25));
        Sensitivity {
            iterations: 10,
            seed: 1,
            parameters: vec!["a".into()],
            labels: vec!["Service A: price".into()],
            base: vec![ProviderBase {
                provider: "p".into(),
                income: 1_000_000.0,
                distressed: 0.2,
            }],
            rows: vec![
                row("a", Metric::Income, 1_200_000.0, 900_000.0),
                row("a", Metric::Distressed, 0.1, 0.3),
                rank,
            ],
            exact_percentiles: true,
        }
    }

    #[test]
    fn csv_rows_are_tidy_with_empty_cells_where_nothing_applies() {
        let mut bytes = Vec::new();
        write_sensitivity(&mut bytes, "s", &result()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "s,p,a,0.1,0.3,income,1200000,900000,-300000,0.5,300000,Service A: price"
        );
        assert_eq!(
            lines[3],
            "s,p,a,,,rank_correlation_income,,,-0.25,0.5,0.25,Service A: price"
        );
    }

    #[test]
    fn the_tornado_shows_changes_from_the_usual_draws() {
        let text = render_tornado(&result(), 10, "2027-04 to 2027-05");
        assert!(text.contains("p: income £1.0m over 2027-04 to 2027-05, P(distress) 20.0%"));
        assert!(text.contains("+£200k"), "{text}");
        assert!(text.contains("-£100k"), "{text}");
        assert!(text.contains("10.0% / 30.0%"), "{text}");
        assert!(text.contains("-0.25"), "{text}");
        assert!(text.contains("moves P(distress) most (P90 − P10): Service A: price (+20.0 pts)"));
        assert!(
            text.contains("\n  Service A: price  "),
            "labels, not paths: {text}"
        );
    }
}
