//! Parsing an output directory's files (given as text) into [`OutputData`]: pure, so
//! the run and the `report` command build the same page from the same bytes.
//!
//! Everything the report draws is checked against the layout the scenario implies, so a
//! truncated or hand-edited file is named with its line rather than drawn wrong.

use std::collections::BTreeMap;
use std::path::Path;

use super::data::{
    Compared, Key, OutputData, OutputFiles, ReportError, RunTables, VariantInfo, YearTables,
    malformed,
};
use super::month_count;
use crate::compare::paired_metrics;
use crate::engine::{Level, OutputLayout};
use crate::hash::sha256_hex;
use crate::manifest::Manifest;
use crate::scenario::{Scenario, parse_scenario};
use crate::stats::Summary;

const MONTHS_HEADER: [&str; 12] = [
    "scenario", "level", "entity", "month", "metric", "mean", "sd", "p5", "p25", "p50", "p75",
    "p95",
];
const YEARS_HEADER: [&str; 13] = [
    "scenario", "level", "entity", "year", "months", "metric", "mean", "sd", "p5", "p25", "p50",
    "p75", "p95",
];
const SUMMARY_HEADER: [&str; 11] = [
    "scenario", "level", "entity", "metric", "mean", "sd", "p5", "p25", "p50", "p75", "p95",
];
const COMPARE_HEADER: [&str; 13] = [
    "scenario", "base", "level", "entity", "metric", "mean", "sd", "p5", "p25", "p50", "p75",
    "p95", "p_worse",
];
const YEARS_FILE: &str = "years.csv";
const LEVELS: [Level; 4] = [
    Level::Provider,
    Level::Service,
    Level::Cohort,
    Level::Commissioner,
];

/// Parses `manifest.json`, refusing one that phbsim did not write.
pub(super) fn parse_manifest(dir: &Path, text: &str) -> Result<Manifest, ReportError> {
    let manifest: Manifest = serde_json::from_str(text)
        .map_err(|e| malformed(dir, "manifest.json", Some(e.line() as u64), format!("{e}")))?;
    if manifest.tool != "phbsim" {
        return Err(ReportError::Foreign {
            path: dir.join("manifest.json"),
            reason: format!(
                "written by `{}`, not phbsim; give the output directory of a `phbsim run`",
                manifest.tool
            ),
        });
    }
    Ok(manifest)
}

/// Parses the files of an output directory; `dir` only names the files in messages.
pub fn parse_outputs(dir: &Path, files: OutputFiles<'_>) -> Result<OutputData, ReportError> {
    let manifest = parse_manifest(dir, files.manifest)?;
    if sha256_hex(files.scenario.as_bytes()) != manifest.scenario_sha256 {
        return Err(malformed(
            dir,
            "scenario.toml",
            None,
            "its SHA-256 differs from the manifest's scenario_sha256, so it is not the scenario \
             that was run; restore it or run the scenario again",
        ));
    }
    let validated = parse_scenario(files.scenario).map_err(|problems| {
        let first = problems.iter().find(|p| p.is_error()).or(problems.first());
        let line = first
            .and_then(|p| p.line_column(files.scenario))
            .map(|(l, _)| l as u64);
        let message = first.map_or("invalid".to_string(), |p| p.message.clone());
        malformed(dir, "scenario.toml", line, message)
    })?;
    let scenario = validated.scenario;
    // Every scenario of the tables, the base first: its name and its own months (a
    // variant may set its own start or length).
    let scenarios: Vec<&Scenario> = std::iter::once(&scenario)
        .chain(validated.variants.iter().map(|v| &v.scenario))
        .collect();
    let mut runs: Vec<RunTables> = scenarios
        .iter()
        .map(|s| RunTables {
            name: s.name.clone(),
            months: month_labels(s),
            monthly: BTreeMap::new(),
            summary: BTreeMap::new(),
            years: files.years.map(|_| YearTables {
                years: s.financial_years(),
                cells: BTreeMap::new(),
            }),
        })
        .collect();
    let run_of =
        |file: &str, line: u64, name: &str| -> Result<usize, ReportError> {
            scenarios.iter().position(|s| s.name == name).ok_or_else(|| {
            malformed(
                dir,
                file,
                Some(line),
                format!(
                    "scenario `{name}` is neither the scenario of scenario.toml nor one of its \
                     variants"
                ),
            )
        })
        };
    for_each_record(
        dir,
        "summary.csv",
        files.summary,
        &SUMMARY_HEADER,
        |line, fields| {
            let level = parse_level(fields[1])
                .ok_or_else(|| bad_level(dir, "summary.csv", line, fields[1]))?;
            let stats = parse_stats(&fields[4..])
                .map_err(|r| malformed(dir, "summary.csv", Some(line), r))?;
            let run = run_of("summary.csv", line, fields[0])?;
            let key = (level, fields[2].to_string(), fields[3].to_string());
            if runs[run].summary.insert(key, stats).is_some() {
                return Err(malformed(
                    dir,
                    "summary.csv",
                    Some(line),
                    format!("a second row for {} {}", fields[2], fields[3]),
                ));
            }
            Ok(())
        },
    )?;
    // Rows of a series come one after another, so the series being read is kept out of
    // its table until another starts (a series met again later goes on where it
    // stopped, as it would in the table): a row costs a comparison of its names, not a
    // lookup with two new strings.
    let mut reading: Option<(usize, Key, Vec<Option<Summary>>)> = None;
    for_each_record(
        dir,
        "months.csv",
        files.months,
        &MONTHS_HEADER,
        |line, fields| {
            let level = parse_level(fields[1])
                .ok_or_else(|| bad_level(dir, "months.csv", line, fields[1]))?;
            let stats = parse_stats(&fields[5..])
                .map_err(|r| malformed(dir, "months.csv", Some(line), r))?;
            let r = run_of("months.csv", line, fields[0])?;
            let same = |(run, (l, entity, metric), _): &(usize, Key, _)| {
                *run == r && *l == level && entity == fields[2] && metric == fields[4]
            };
            if !reading.as_ref().is_some_and(same) {
                if let Some((run, key, series)) = reading.take() {
                    runs[run].monthly.insert(key, series);
                }
                let key = (level, fields[2].to_string(), fields[4].to_string());
                let series = runs[r].monthly.remove(&key).unwrap_or_default();
                reading = Some((r, key, series));
            }
            let (_, _, series) = reading.as_mut().expect("a series is being read");
            let months = &runs[r].months;
            // Rows of a series come in month order, so the next one is due now.
            let due = months.get(series.len()).ok_or_else(|| {
                malformed(
                    dir,
                    "months.csv",
                    Some(line),
                    format!(
                        "{} {} has more months than the scenario's {}",
                        fields[2],
                        fields[4],
                        months.len()
                    ),
                )
            })?;
            if fields[3] != due {
                return Err(malformed(
                    dir,
                    "months.csv",
                    Some(line),
                    format!(
                        "{} {} should have month {due} here, not `{}`",
                        fields[2], fields[4], fields[3]
                    ),
                ));
            }
            series.push(stats);
            Ok(())
        },
    )?;
    if let Some((run, key, series)) = reading {
        runs[run].monthly.insert(key, series);
    }
    if let Some(bytes) = files.years {
        for_each_record(dir, YEARS_FILE, bytes, &YEARS_HEADER, |line, fields| {
            let at = |reason: String| malformed(dir, YEARS_FILE, Some(line), reason);
            let level = parse_level(fields[1])
                .ok_or_else(|| bad_level(dir, YEARS_FILE, line, fields[1]))?;
            let stats = parse_stats(&fields[6..]).map_err(at)?;
            let run = run_of(YEARS_FILE, line, fields[0])?;
            let tables = runs[run].years.as_mut().expect("years.csv was given");
            let metric = tables
                .cells
                .entry((level, fields[2].to_string(), fields[5].to_string()))
                .or_default();
            // Rows of a metric come in year order, so the next one is due now.
            let due = tables.years.get(metric.len()).ok_or_else(|| {
                at(format!(
                    "{} {} has more years than the scenario's {}",
                    fields[2],
                    fields[5],
                    tables.years.len()
                ))
            })?;
            if fields[3] != due.label || fields[4] != due.months.to_string() {
                return Err(at(format!(
                    "{} {} should have year {} of {} here, not `{}` of `{}`",
                    fields[2],
                    fields[5],
                    due.label,
                    month_count(due.months),
                    fields[3],
                    fields[4]
                )));
            }
            metric.push(stats);
            Ok(())
        })?;
    }
    for (i, (s, run)) in scenarios.iter().zip(&runs).enumerate() {
        let what = if i == 0 { "scenario" } else { "variant" };
        for (file, empty) in [
            ("months.csv", run.monthly.is_empty()),
            ("summary.csv", run.summary.is_empty()),
        ] {
            if empty {
                return Err(malformed(
                    dir,
                    file,
                    None,
                    format!("no rows for the {what} `{}` of scenario.toml", s.name),
                ));
            }
        }
        check_complete(dir, s, run, i > 0)?;
    }

    let compare = match files.compare {
        Some(bytes) => parse_compare(dir, bytes, &scenarios)?,
        None if validated.variants.is_empty() => BTreeMap::new(),
        None => {
            return Err(ReportError::MissingFile {
                path: dir.join("compare.csv"),
            });
        }
    };
    // Only variants have descriptions: a scenario without them is not parsed again.
    let descriptions = if validated.variants.is_empty() {
        BTreeMap::new()
    } else {
        variant_descriptions(files.scenario)
    };
    let variants = validated
        .variants
        .iter()
        .map(|v| VariantInfo {
            name: v.name.clone(),
            description: descriptions.get(&v.name).cloned(),
            changes: v.overrides.clone(),
        })
        .collect();
    Ok(OutputData {
        manifest,
        months: runs[0].months.clone(),
        scenario,
        runs,
        variants,
        compare,
    })
}

/// The month labels of a scenario's horizon.
fn month_labels(scenario: &Scenario) -> Vec<String> {
    (0..scenario.months)
        .map(|t| scenario.month_label(t).to_string())
        .collect()
}

/// The `description` of each `[[variants]]` table, by name (sweeps have none).
fn variant_descriptions(text: &str) -> BTreeMap<String, String> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return BTreeMap::new();
    };
    doc.get("variants")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?;
            let description = v.get("description")?.as_str()?;
            Some((name.to_string(), description.to_string()))
        })
        .collect()
}

/// Parses `compare.csv`, checking it against the scenarios (the base first): a row
/// for every metric each variant pairs with the base, and no other.
fn parse_compare(
    dir: &Path,
    bytes: &[u8],
    scenarios: &[&Scenario],
) -> Result<BTreeMap<(String, Key), Compared>, ReportError> {
    const FILE: &str = "compare.csv";
    let base = scenarios[0];
    let mut compare = BTreeMap::new();
    for_each_record(dir, FILE, bytes, &COMPARE_HEADER, |line, fields| {
        let at = |reason: String| malformed(dir, FILE, Some(line), reason);
        if !scenarios[1..].iter().any(|s| s.name == fields[0]) {
            return Err(at(format!(
                "`{}` is not a variant of the scenario in scenario.toml",
                fields[0]
            )));
        }
        if fields[1] != base.name {
            return Err(at(format!(
                "the base should be `{}`, the scenario of scenario.toml, not `{}`",
                base.name, fields[1]
            )));
        }
        let level = parse_level(fields[2]).ok_or_else(|| bad_level(dir, FILE, line, fields[2]))?;
        let difference = parse_stats(&fields[5..12]).map_err(at)?;
        let p_worse = fields[12]
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=1.0).contains(p))
            .ok_or_else(|| {
                at(format!(
                    "`{}` in column p_worse is not a probability",
                    fields[12]
                ))
            })?;
        let key = (
            fields[0].to_string(),
            (level, fields[3].to_string(), fields[4].to_string()),
        );
        let row = Compared {
            difference,
            p_worse,
        };
        if compare.insert(key, row).is_some() {
            return Err(at(format!(
                "a second row for {} {} {}",
                fields[0], fields[3], fields[4]
            )));
        }
        Ok(())
    })?;
    let base_layout = OutputLayout::new(base);
    for variant in &scenarios[1..] {
        for metric in paired_metrics(&base_layout, &OutputLayout::new(variant)) {
            let key = (
                variant.name.clone(),
                (
                    metric.name.level,
                    metric.name.entity.clone(),
                    metric.name.metric.to_string(),
                ),
            );
            if !compare.contains_key(&key) {
                return Err(malformed(
                    dir,
                    FILE,
                    None,
                    format!(
                        "no row for {} against the base in {} {}; the file is incomplete",
                        variant.name, metric.name.entity, metric.name.metric
                    ),
                ));
            }
        }
    }
    Ok(compare)
}

/// Checks that the tables hold every series and metric the scenario implies, each over
/// the whole horizon.
fn check_complete(
    dir: &Path,
    scenario: &Scenario,
    run: &RunTables,
    variant: bool,
) -> Result<(), ReportError> {
    // A variant's rows are named by it; the base's need no name.
    let whose = if variant {
        format!("variant `{}`: ", run.name)
    } else {
        String::new()
    };
    let months = run.months.len();
    let layout = OutputLayout::new(scenario);
    for name in layout.monthly_names() {
        let found = run.series(name.level, &name.entity, name.metric).len();
        if found != months {
            return Err(malformed(
                dir,
                "months.csv",
                None,
                format!(
                    "{}{} {} {} has {found} month(s) of the scenario's {months}; the file is incomplete",
                    whose,
                    name.level.as_str(),
                    name.entity,
                    name.metric
                ),
            ));
        }
    }
    if let Some(tables) = &run.years {
        let years = tables.years.len();
        for cell in layout.year_cells().iter().filter(|c| c.year == 0) {
            let name = &cell.name;
            let found = tables.metric(name.level, &name.entity, name.metric).len();
            if found != years {
                return Err(malformed(
                    dir,
                    YEARS_FILE,
                    None,
                    format!(
                        "{}{} {} {} has {found} year(s) of the scenario's {years}; the file is incomplete",
                        whose,
                        name.level.as_str(),
                        name.entity,
                        name.metric
                    ),
                ));
            }
        }
    }
    for name in layout.summary_names() {
        let key = (name.level, name.entity.clone(), name.metric.to_string());
        if !run.summary.contains_key(&key) {
            return Err(malformed(
                dir,
                "summary.csv",
                None,
                format!(
                    "no row for {}{} {} {}; the file is incomplete",
                    whose,
                    name.level.as_str(),
                    name.entity,
                    name.metric
                ),
            ));
        }
    }
    Ok(())
}

fn parse_level(text: &str) -> Option<Level> {
    LEVELS.into_iter().find(|l| l.as_str() == text)
}

fn bad_level(dir: &Path, file: &str, line: u64, text: &str) -> ReportError {
    malformed(
        dir,
        file,
        Some(line),
        format!("unknown level `{text}`; expected provider, service, cohort or commissioner"),
    )
}

/// The seven statistics of a row: all empty (no iteration defined the value) or all
/// numbers.
fn parse_stats(fields: &[&str]) -> Result<Option<Summary>, String> {
    if fields.iter().all(|f| f.is_empty()) {
        return Ok(None);
    }
    let mut values = [0.0; 7];
    for ((value, text), column) in values.iter_mut().zip(fields).zip(&MONTHS_HEADER[5..]) {
        *value = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{text}` in column {column} is not a number"))?;
    }
    let [mean, sd, p5, p25, p50, p75, p95] = values;
    Ok(Some(Summary::new(mean, sd, [p5, p25, p50, p75, p95])))
}

/// Calls `row(line, fields)` for each record of a CSV file after checking its header.
fn for_each_record<const COLUMNS: usize>(
    dir: &Path,
    file: &str,
    bytes: &[u8],
    header: &[&str; COLUMNS],
    mut row: impl FnMut(u64, &[&str; COLUMNS]) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map(|p| p.line());
            malformed(dir, file, line, e.to_string())
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if first {
            first = false;
            if !record.iter().eq(header.iter().copied()) {
                return Err(malformed(
                    dir,
                    file,
                    Some(line),
                    format!("the header should be `{}`", header.join(",")),
                ));
            }
            continue;
        }
        if record.len() != header.len() {
            return Err(malformed(
                dir,
                file,
                Some(line),
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        // The fields in an array of the header's length: no allocation a row.
        let mut fields = [""; COLUMNS];
        for (field, text) in fields.iter_mut().zip(&record) {
            *field = text;
        }
        row(line, &fields)?;
    }
    if first {
        return Err(malformed(dir, file, None, "the file is empty"));
    }
    Ok(())
}
