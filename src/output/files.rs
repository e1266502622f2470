//! The bytes of every file a command leaves in its output directory, built in memory
//! and handed to [`crate::output::directory`] to be written all at once:
//!
//! - `run` and `merge`: `months.csv`, `summary.csv`, `years.csv`, `compare.csv` (with
//!   variants), `manifest.json`, `scenario.toml`, `report.html`, `results.xlsx`
//!   ([`run_files`]; one function, so a merged run's files are the single run's files);
//! - `sensitivity`: `sensitivity.csv`, `report.html`, `manifest.json`,
//!   `scenario.toml` ([`sensitivity_files`]);
//! - `stress`: `stress.csv`, `stress.txt`, `manifest.json`, `scenario.toml`
//!   ([`stress_files`]);
//! - `calibrate`: `posterior.csv`, `calibration.csv`, `calibration.html`,
//!   `manifest.json`, `scenario.toml` ([`calibration_files`]).

use std::path::Path;

use crate::manifest::Manifest;
use crate::output::stress::{Question, write_stress};
use crate::output::{sensitivity, tables, workbook};
use crate::report::{
    self,
    data::{OutputData, OutputFiles},
};
use crate::run::SetResult;
use crate::scenario::Scenario;
use crate::sensitivity::one_way::Sensitivity;
use crate::sensitivity::stress::StressResult;

/// A directory's files: name and bytes, in the order they are written.
pub type Files = Vec<(&'static str, Vec<u8>)>;

/// A file that could not be built (a bug, not bad input).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot format {file}: {source}")]
    Csv {
        file: &'static str,
        source: csv::Error,
    },
    #[error("cannot build report.html: {0}")]
    Report(String),
    #[error(transparent)]
    Workbook(#[from] crate::output::workbook::WorkbookError),
}

fn csv_error(file: &'static str) -> impl FnOnce(csv::Error) -> BuildError {
    move |source| BuildError::Csv { file, source }
}

/// A finished run: the base scenario first, then its variants, with their results.
pub struct FinishedRun<'a> {
    pub scenario_text: &'a str,
    pub scenarios: &'a [&'a Scenario],
    pub set: &'a SetResult,
    pub manifest: &'a Manifest,
}

/// The tables of a finished run as their files hold them, from which the report,
/// the workbook and `phbsim serve`'s page are all built.
pub struct RunTables {
    pub months: Vec<u8>,
    pub summary: Vec<u8>,
    /// `None` when not asked for (the live page draws no year).
    pub years: Option<Vec<u8>>,
    /// `None` without variants.
    pub compare: Option<Vec<u8>>,
    pub manifest: String,
}

impl RunTables {
    /// Writes the tables of `run`, `years.csv` only `with_years`.
    pub fn of(run: &FinishedRun<'_>, with_years: bool) -> Result<RunTables, BuildError> {
        let (scenarios, set) = (run.scenarios, run.set);
        let named = tables::Named::all(scenarios, set);
        let mut months = Vec::new();
        tables::write_months(&mut months, &named).map_err(csv_error("months.csv"))?;
        let mut summary = Vec::new();
        tables::write_summary(&mut summary, &named).map_err(csv_error("summary.csv"))?;
        let years = if with_years {
            let mut years = Vec::new();
            tables::write_years(&mut years, &named).map_err(csv_error("years.csv"))?;
            Some(years)
        } else {
            None
        };
        let compare = if set.comparisons.is_empty() {
            None
        } else {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            let mut compare = Vec::new();
            tables::write_compare(&mut compare, &scenarios[0].name, set, &names)
                .map_err(csv_error("compare.csv"))?;
            Some(compare)
        };
        Ok(RunTables {
            months,
            summary,
            years,
            compare,
            manifest: run.manifest.to_json(),
        })
    }

    /// The tables parsed as `phbsim report` parses the files (`output` names their
    /// directory in messages), so that what is built from them is identical.
    pub fn parse(&self, output: &Path, scenario_text: &str) -> Result<OutputData, BuildError> {
        let outputs = OutputFiles {
            manifest: &self.manifest,
            scenario: scenario_text,
            summary: &self.summary,
            months: &self.months,
            years: self.years.as_deref(),
            compare: self.compare.as_deref(),
        };
        report::parse_outputs(output, outputs).map_err(|e| BuildError::Report(e.to_string()))
    }
}

/// The files of a run (or a merged run) to be written into `output`.
pub fn run_files(output: &Path, run: &FinishedRun<'_>) -> Result<Files, BuildError> {
    let tables = RunTables::of(run, true)?;
    // The report is built from the very bytes written beside it, as `phbsim report`
    // builds it from the files, so the two are identical.
    // The parse is one thread's work: the workbook's "Assumptions" sheet, which needs
    // no results, is built on the other meanwhile.
    let (data, assumptions) = rayon::join(
        || tables.parse(output, run.scenario_text),
        || workbook::AssumptionsSheet::of(run.scenarios[0], run.scenario_text),
    );
    let data = data?;
    // The workbook too, so its numbers are the CSVs' numbers bit for bit. Its sheets
    // take both threads; then it is saved (its deflate on one thread) while the
    // report is built.
    let inputs = workbook::Inputs {
        data: &data,
        scenario: run.scenarios[0],
        scenario_text: run.scenario_text,
        build: env!("PHBSIM_BUILD"),
    };
    let unsaved = workbook::assemble(inputs, move || assumptions)?;
    let (report, workbook) = rayon::join(|| report::build(&data), || unsaved.save());
    let workbook = workbook?;
    let RunTables {
        months,
        summary,
        years,
        compare,
        manifest,
    } = tables;
    let mut files = vec![
        ("months.csv", months),
        ("summary.csv", summary),
        ("years.csv", years.unwrap_or_default()),
        ("manifest.json", manifest.into_bytes()),
        ("scenario.toml", run.scenario_text.as_bytes().to_vec()),
        ("report.html", report.into_bytes()),
        ("results.xlsx", workbook),
    ];
    if let Some(compare) = compare {
        files.push(("compare.csv", compare));
    }
    Ok(files)
}

/// The files of a sensitivity analysis of `scenario` (read from `scenario_text`).
pub fn sensitivity_files(
    scenario: &Scenario,
    scenario_text: &str,
    manifest: &Manifest,
    result: &Sensitivity,
) -> Result<Files, BuildError> {
    let mut table = Vec::new();
    sensitivity::write_sensitivity(&mut table, &scenario.name, result)
        .map_err(csv_error("sensitivity.csv"))?;
    let report = report::build_sensitivity(scenario, manifest, result);
    Ok(vec![
        ("sensitivity.csv", table),
        ("report.html", report.into_bytes()),
        ("manifest.json", manifest.to_json().into_bytes()),
        ("scenario.toml", scenario_text.as_bytes().to_vec()),
    ])
}

/// The files of a stress test: `answer` is its text, as printed
/// ([`crate::output::stress::render_stress`]), kept as `stress.txt`.
pub fn stress_files(
    question: &Question<'_>,
    scenario_text: &str,
    manifest: &Manifest,
    result: &StressResult,
    answer: &str,
) -> Result<Files, BuildError> {
    let mut table = Vec::new();
    write_stress(&mut table, question, result).map_err(csv_error("stress.csv"))?;
    Ok(vec![
        ("stress.csv", table),
        ("stress.txt", answer.as_bytes().to_vec()),
        ("manifest.json", manifest.to_json().into_bytes()),
        ("scenario.toml", scenario_text.as_bytes().to_vec()),
    ])
}

/// The files of a calibration of `scenario` (read from `scenario_text`) to the counts
/// in `observed_file`: `manifest_json` is the manifest with the calibration's settings
/// ([`crate::output::calibration::calibration_manifest`]).
pub fn calibration_files(
    scenario: &Scenario,
    scenario_text: &str,
    manifest: &Manifest,
    manifest_json: String,
    calibration: &crate::calibrate::Calibration,
    observed_file: &str,
) -> Result<Files, BuildError> {
    use crate::output::calibration::{write_calibration, write_posterior};
    let mut posterior = Vec::new();
    write_posterior(&mut posterior, calibration).map_err(csv_error("posterior.csv"))?;
    let mut table = Vec::new();
    write_calibration(&mut table, calibration).map_err(csv_error("calibration.csv"))?;
    let page = report::calibration::build(scenario, manifest, calibration, observed_file);
    Ok(vec![
        ("posterior.csv", posterior),
        ("calibration.csv", table),
        ("calibration.html", page.into_bytes()),
        ("manifest.json", manifest_json.into_bytes()),
        ("scenario.toml", scenario_text.as_bytes().to_vec()),
    ])
}
