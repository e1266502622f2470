//! `months.csv` and `summary.csv` (SPEC section 6): tidy tables, plain numbers.
//!
//! Writers take `&mut impl Write`, so tests can snapshot them without files. Numbers
//! are written with Rust's shortest round-trip formatting (no exponent, no
//! separators), so a value read back is the value computed; a statistic that no
//! iteration defined (an `income_change_pct` over a zero baseline) is left empty.

use std::io::Write;

use crate::run::RunResult;
use crate::scenario::Scenario;
use crate::stats::Summary;

const STAT_COLUMNS: [&str; 7] = ["mean", "sd", "p5", "p25", "p50", "p75", "p95"];

fn stat_fields(summary: &Option<Summary>) -> [String; 7] {
    match summary {
        Some(s) => [s.mean, s.sd, s.p5, s.p25, s.p50, s.p75, s.p95].map(format_number),
        None => Default::default(),
    }
}

/// A number as written in the CSV files: shortest round-trip, `-0` written as `0`.
pub fn format_number(value: f64) -> String {
    if value == 0.0 {
        "0".to_string()
    } else {
        format!("{value}")
    }
}

/// Writes `months.csv`: one row per scenario × entity × month × metric.
pub fn write_months(
    out: &mut impl Write,
    scenario_name: &str,
    scenario: &Scenario,
    result: &RunResult,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["scenario", "level", "entity", "month", "metric"];
    header.extend(STAT_COLUMNS);
    writer.write_record(&header)?;
    let months = result.layout.months();
    let labels: Vec<String> = (0..months as u32)
        .map(|t| scenario.month_label(t).to_string())
        .collect();
    for (series, name) in result.layout.monthly_names().iter().enumerate() {
        for (t, label) in labels.iter().enumerate() {
            let stats = stat_fields(&result.monthly[series * months + t]);
            writer.write_record(
                [
                    scenario_name,
                    name.level.as_str(),
                    &name.entity,
                    label,
                    name.metric,
                ]
                .into_iter()
                .chain(stats.iter().map(String::as_str)),
            )?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes `summary.csv`: one row per scenario × entity × metric over the horizon.
pub fn write_summary(
    out: &mut impl Write,
    scenario_name: &str,
    result: &RunResult,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["scenario", "level", "entity", "metric"];
    header.extend(STAT_COLUMNS);
    writer.write_record(&header)?;
    for (index, name) in result.layout.summary_names().iter().enumerate() {
        let stats = stat_fields(&result.summary[index]);
        writer.write_record(
            [
                scenario_name,
                name.level.as_str(),
                &name.entity,
                name.metric,
            ]
            .into_iter()
            .chain(stats.iter().map(String::as_str)),
        )?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain() {
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(-2.5), "-2.5");
    }
}
