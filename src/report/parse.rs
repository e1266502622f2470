//! Parsing an output directory's files (given as text) into [`OutputData`]: pure, so
//! the run and the `report` command build the same page from the same bytes.
//!
//! Everything the report draws is checked against the layout the scenario implies, so a
//! truncated or hand-edited file is named with its line rather than drawn wrong.

use std::collections::BTreeMap;
use std::path::Path;

use super::data::{OutputData, OutputFiles, ReportError, RunTables, malformed};
use crate::engine::{Level, OutputLayout};
use crate::output::manifest::{Manifest, sha256_hex};
use crate::scenario::{Scenario, parse_scenario};
use crate::stats::Summary;

const MONTHS_HEADER: [&str; 12] = [
    "scenario", "level", "entity", "month", "metric", "mean", "sd", "p5", "p25", "p50", "p75",
    "p95",
];
const SUMMARY_HEADER: [&str; 11] = [
    "scenario", "level", "entity", "metric", "mean", "sd", "p5", "p25", "p50", "p75", "p95",
];
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
    let scenario = parse_scenario(files.scenario)
        .map_err(|problems| {
            let first = problems.iter().find(|p| p.is_error()).or(problems.first());
            let line = first
                .and_then(|p| p.line_column(files.scenario))
                .map(|(l, _)| l as u64);
            let message = first.map_or("invalid".to_string(), |p| p.message.clone());
            malformed(dir, "scenario.toml", line, message)
        })?
        .scenario;
    let months: Vec<String> = (0..scenario.months)
        .map(|t| scenario.month_label(t).to_string())
        .collect();

    let mut runs: Vec<RunTables> = Vec::new();
    let table = |name: &str, runs: &mut Vec<RunTables>| -> usize {
        match runs.iter().position(|r| r.name == name) {
            Some(i) => i,
            None => {
                runs.push(RunTables {
                    name: name.to_string(),
                    monthly: BTreeMap::new(),
                    summary: BTreeMap::new(),
                });
                runs.len() - 1
            }
        }
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
            let run = table(fields[0], &mut runs);
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
            let run = table(fields[0], &mut runs);
            let series = runs[run]
                .monthly
                .entry((level, fields[2].to_string(), fields[4].to_string()))
                .or_default();
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

    let Some(base) = runs.iter().position(|r| r.name == scenario.name) else {
        return Err(malformed(
            dir,
            "months.csv",
            None,
            format!(
                "no rows for the scenario `{}` of scenario.toml",
                scenario.name
            ),
        ));
    };
    let base = runs.remove(base);
    check_complete(dir, &scenario, &base, months.len())?;
    runs.insert(0, base);
    Ok(OutputData {
        manifest,
        scenario,
        months,
        runs,
    })
}

/// Checks that the tables hold every series and metric the scenario implies, each over
/// the whole horizon.
fn check_complete(
    dir: &Path,
    scenario: &Scenario,
    run: &RunTables,
    months: usize,
) -> Result<(), ReportError> {
    let layout = OutputLayout::new(scenario);
    for name in layout.monthly_names() {
        let found = run.series(name.level, &name.entity, name.metric).len();
        if found != months {
            return Err(malformed(
                dir,
                "months.csv",
                None,
                format!(
                    "{} {} {} has {found} month(s) of the scenario's {months}; the file is incomplete",
                    name.level.as_str(),
                    name.entity,
                    name.metric
                ),
            ));
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
                    "no row for {} {} {}; the file is incomplete",
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
    Ok(Some(Summary {
        mean,
        sd,
        p5,
        p25,
        p50,
        p75,
        p95,
    }))
}

/// Calls `row(line, fields)` for each record of a CSV file after checking its header.
fn for_each_record(
    dir: &Path,
    file: &str,
    bytes: &[u8],
    header: &[&str],
    mut row: impl FnMut(u64, &[&str]) -> Result<(), ReportError>,
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
        let fields: Vec<&str> = record.iter().collect();
        if first {
            first = false;
            if fields != header {
                return Err(malformed(
                    dir,
                    file,
                    Some(line),
                    format!("the header should be `{}`", header.join(",")),
                ));
            }
            continue;
        }
        if fields.len() != header.len() {
            return Err(malformed(
                dir,
                file,
                Some(line),
                format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        row(line, &fields)?;
    }
    if first {
        return Err(malformed(dir, file, None, "the file is empty"));
    }
    Ok(())
}
