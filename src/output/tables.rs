//! `months.csv`, `summary.csv`, `years.csv` and `compare.csv` (SPEC section 6): tidy
//! tables, plain numbers.
//!
//! Writers take `&mut impl Write`, so tests can snapshot them without files. Numbers
//! are written with Rust's shortest round-trip formatting (no exponent, no
//! separators), so a value read back is the value computed; a statistic that no
//! iteration defined (an `income_change_pct` over a zero baseline) is left empty.

use std::fmt::Write as _;
use std::io::Write;

use crate::run::{RunResult, SetResult};
use crate::scenario::Scenario;
use crate::stats::Summary;

const STAT_COLUMNS: [&str; 7] = ["mean", "sd", "p5", "p25", "p50", "p75", "p95"];

/// The seven statistics of a row as written, in one buffer reused from row to row: a
/// `String` each would be seven allocations a row, two million for a national
/// `months.csv`.
#[derive(Debug, Default)]
struct StatFields {
    text: String,
    /// Where each field ends in `text`.
    ends: [usize; 7],
}

impl StatFields {
    /// The fields of `summary`, each as [`format_number`] writes it; all empty when no
    /// iteration defined the value.
    fn of(&mut self, summary: &Option<Summary>) -> impl Iterator<Item = &str> {
        self.text.clear();
        match summary {
            Some(s) => {
                for (end, value) in self.ends.iter_mut().zip(s.to_array()) {
                    write_number(&mut self.text, value);
                    *end = self.text.len();
                }
            }
            None => self.ends = [0; 7],
        }
        let text = self.text.as_str();
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let field = &text[start..end];
            start = end;
            field
        })
    }
}

/// A number as written in the CSV files: shortest round-trip, `-0` written as `0`.
pub fn format_number(value: f64) -> String {
    let mut text = String::new();
    write_number(&mut text, value);
    text
}

/// [`format_number`], onto the end of `text`.
fn write_number(text: &mut String, value: f64) {
    if value == 0.0 {
        text.push('0');
    } else {
        write!(text, "{value}").expect("a String takes any text");
    }
}

/// One scenario's results as the tables name them.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// The `scenario` column: the scenario's or the variant's name.
    pub name: &'a str,
    pub scenario: &'a Scenario,
    pub result: &'a RunResult,
}

/// Series formatted per task when `months.csv` is formatted in parallel.
const SERIES_PER_TASK: usize = 512;

impl<'a> Named<'a> {
    /// Each scenario with its result, named by its own name (the base, then variants).
    pub fn all(scenarios: &[&'a Scenario], set: &'a SetResult) -> Vec<Named<'a>> {
        scenarios
            .iter()
            .zip(&set.runs)
            .map(|(s, result)| Named {
                name: &s.name,
                scenario: s,
                result,
            })
            .collect()
    }
}

/// Writes `months.csv`: one row per scenario × entity × month × metric, the base's
/// rows first, then each variant's. Groups of series are formatted in parallel and
/// written in order, so the bytes are those of one sequential writer.
pub fn write_months(out: &mut impl Write, runs: &[Named<'_>]) -> csv::Result<()> {
    use rayon::prelude::*;
    let mut header = vec!["scenario", "level", "entity", "month", "metric"];
    header.extend(STAT_COLUMNS);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    out.write_all(&finish_writer(writer)?)?;
    for run in runs {
        let months = run.result.layout.months();
        let labels: Vec<String> = (0..months as u32)
            .map(|t| run.scenario.month_label(t).to_string())
            .collect();
        let names = run.result.layout.monthly_names();
        let series: Vec<usize> = (0..names.len()).collect();
        let pieces: Vec<csv::Result<Vec<u8>>> = series
            .par_chunks(SERIES_PER_TASK)
            .map(|group| {
                let mut writer = csv::Writer::from_writer(Vec::new());
                let mut stats = StatFields::default();
                for &series in group {
                    let name = &names[series];
                    for (t, label) in labels.iter().enumerate() {
                        let stats = stats.of(&run.result.monthly[series * months + t]);
                        writer.write_record(
                            [
                                run.name,
                                name.level.as_str(),
                                &name.entity,
                                label,
                                name.metric,
                            ]
                            .into_iter()
                            .chain(stats),
                        )?;
                    }
                }
                finish_writer(writer)
            })
            .collect();
        for piece in pieces {
            out.write_all(&piece?)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The bytes of an in-memory CSV writer.
fn finish_writer(writer: csv::Writer<Vec<u8>>) -> csv::Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `summary.csv`: one row per scenario × entity × metric over the horizon.
pub fn write_summary(out: &mut impl Write, runs: &[Named<'_>]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["scenario", "level", "entity", "metric"];
    header.extend(STAT_COLUMNS);
    writer.write_record(&header)?;
    let mut stats = StatFields::default();
    for run in runs {
        for (index, name) in run.result.layout.summary_names().iter().enumerate() {
            let stats = stats.of(&run.result.summary[index]);
            writer.write_record(
                [run.name, name.level.as_str(), &name.entity, name.metric]
                    .into_iter()
                    .chain(stats),
            )?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes `years.csv`: one row per scenario × entity × metric × financial year, in
/// the order of `months.csv` (the base's rows first, then each variant's), with the
/// number of simulated months in the year. A variant with its own start or length has
/// its own years.
pub fn write_years(out: &mut impl Write, runs: &[Named<'_>]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["scenario", "level", "entity", "year", "months", "metric"];
    header.extend(STAT_COLUMNS);
    writer.write_record(&header)?;
    let mut stats = StatFields::default();
    for run in runs {
        let layout = &run.result.layout;
        let years = layout.years();
        let months: Vec<String> = years.iter().map(|y| y.months.to_string()).collect();
        for (k, cell) in layout.year_cells().iter().enumerate() {
            let stats = stats.of(&run.result.summary[layout.year_cell_index(k)]);
            writer.write_record(
                [
                    run.name,
                    cell.name.level.as_str(),
                    &cell.name.entity,
                    &years[cell.year].label,
                    &months[cell.year],
                    cell.name.metric,
                ]
                .into_iter()
                .chain(stats),
            )?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes `compare.csv`: for each variant against the base, per provider and
/// commissioner summary metric, the paired difference (variant − base) over
/// iterations and the probability that the variant is worse for whoever bears it.
pub fn write_compare(
    out: &mut impl Write,
    base_name: &str,
    set: &SetResult,
    names: &[&str],
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["scenario", "base", "level", "entity", "metric"];
    header.extend(STAT_COLUMNS);
    header.push("p_worse");
    writer.write_record(&header)?;
    let mut stats = StatFields::default();
    for comparison in &set.comparisons {
        for (k, metric) in comparison.metrics.iter().enumerate() {
            let p_worse = format_number(comparison.p_worse[k]);
            let stats = stats.of(&comparison.difference[k]);
            writer.write_record(
                [
                    names[comparison.variant],
                    base_name,
                    metric.name.level.as_str(),
                    &metric.name.entity,
                    metric.name.metric,
                ]
                .into_iter()
                .chain(stats)
                .chain([p_worse.as_str()]),
            )?;
        }
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Run, RunSettings};
    use crate::scenario::parse_scenario;
    use proptest::prelude::*;

    /// A statistic: any finite value, with zeros of both signs and whole numbers often.
    fn statistic() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            (-1000i32..1000).prop_map(f64::from),
            any::<f64>().prop_filter("finite", |v| v.is_finite()),
        ]
    }

    proptest! {
        /// Fields written into one buffer, row after row, are each value as
        /// `format_number` writes it alone (a row without statistics: seven empty
        /// fields, whatever the row before held).
        #[test]
        fn stat_fields_reused_row_after_row_write_each_value_alone(
            rows in prop::collection::vec(prop::option::of(prop::array::uniform7(statistic())), 1..8)
        ) {
            let mut stats = StatFields::default();
            for row in rows {
                let summary = row.map(|[mean, sd, p5, p25, p50, p75, p95]| {
                    Summary::new(mean, sd, [p5, p25, p50, p75, p95])
                });
                let written: Vec<String> = stats.of(&summary).map(str::to_string).collect();
                let alone: Vec<String> = match row {
                    Some(values) => values.map(format_number).to_vec(),
                    None => vec![String::new(); 7],
                };
                prop_assert_eq!(written, alone);
            }
        }
    }

    /// One provider with one activity service used by one cohort, from February 2027
    /// for 15 months, and a variant that starts in April: the base has a partial first
    /// and last year, the variant whole years but the last.
    const SMALL: &str = r#"
schema_version = 1

[scenario]
name = "small"
start = "2027-02"
months = 15
iterations = 5
seed = 3

[[providers]]
id = "p"

[[providers.services]]
id = "s"
payment = "activity"
unit_price = 10

[[cohorts]]
id = "c"
size = 50
uptake = { model = "constant", monthly = 0.1 }
budget = 1_000
uses = [{ service = "p/s", per_month = 1 }]

[[variants]]
name = "from April"
set = { "scenario.start" = "2027-04" }
"#;

    /// `years.csv` of [`SMALL`], as text.
    fn small_years() -> String {
        let validated = parse_scenario(SMALL).expect("valid");
        let scenarios = validated.all();
        let set = Run::new(&scenarios, RunSettings::new(5, 3)).all().unwrap();
        let mut bytes = Vec::new();
        write_years(&mut bytes, &Named::all(&scenarios, &set)).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn years_csv_has_a_row_per_scenario_year_cell_in_months_csv_order() {
        let text = small_years();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("scenario,level,entity,year,months,metric,mean,sd,p5,p25,p50,p75,p95")
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert!(rows.iter().all(|r| r.len() == 13));
        // Base: 2026-27 (Feb, Mar), 2027-28 (12), 2028-29 (Apr); variant from April:
        // 2027-28 (12), 2028-29 (3). Cells: provider 7 metrics, service 2,
        // commissioner 4.
        let base: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "small").collect();
        let variant: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "from April").collect();
        assert_eq!(base.len(), (7 + 2 + 4) * 3);
        assert_eq!(variant.len(), (7 + 2 + 4) * 2);
        assert_eq!(rows.len(), base.len() + variant.len());
        assert!(
            rows[..base.len()].iter().all(|r| r[0] == "small"),
            "the base's rows come first"
        );
        let head: Vec<String> = base[..4]
            .iter()
            .map(|r| format!("{} {} {} {} {}", r[1], r[2], r[3], r[4], r[5]))
            .collect();
        assert_eq!(
            head,
            [
                "provider p 2026-27 2 income",
                "provider p 2027-28 12 income",
                "provider p 2028-29 1 income",
                "provider p 2026-27 2 costs",
            ]
        );
        let last = base.last().unwrap();
        assert_eq!(
            (last[1], last[2], last[3], last[5]),
            ("commissioner", "commissioner", "2028-29", "recovered")
        );
        let years: Vec<(&str, &str)> = variant
            .iter()
            .filter(|r| r[2] == "p/s" && r[5] == "activity")
            .map(|r| (r[3], r[4]))
            .collect();
        assert_eq!(years, [("2027-28", "12"), ("2028-29", "3")]);
        // Numbers as months.csv writes them: plain, never `-0`.
        for row in &rows {
            for field in &row[6..] {
                assert!(field.parse::<f64>().is_ok(), "{row:?}");
                assert_ne!(*field, "-0");
            }
        }
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(-2.5), "-2.5");
    }
}
