//! `results.xlsx`: a run's results as a workbook for finance teams (issue 17), beside
//! the CSV files and built from the very data the report reads
//! ([`crate::report::data::OutputData`], parsed from the CSV bytes), so its numbers
//! are the CSVs' numbers, bit for bit.
//!
//! [`build`] returns the bytes ([`assemble`], then [`Unsaved::save`], in two steps, so
//! that a run can build its report during the save); nothing here touches a file.
//! Values, never formulas (a formula shows 0 in a preview until recalculated); every
//! table has a frozen header row and a filter; money is `£#,##0`, chances `0.0%`. The
//! bytes depend on the results alone: the document's dates are fixed (1980-01-01, as
//! the zip entries'), nothing records the time, the threads or the shards, so a run
//! on any `-j` and a merge of any shards give the same file.
//!
//! One file per sheet or group of sheets, in the workbook's order:
//! - `readme`: "Read me", what was run and how to read the rest;
//! - `assumptions`: "Assumptions", every parameter by path with its P10/P50/P90;
//! - `providers`: "Providers", the report's headline table;
//! - `years`: "Financial years", per provider and the commissioner;
//! - `monthly`: "Monthly", income and reserves fans with native charts, the
//!   commissioner's spend against its baseline, and "Chart data" (the band widths the
//!   charts stack);
//! - `variants`: "Variants", `compare.csv` by variant and provider (with variants);
//! - `years` again: "Services", each service by financial year;
//! - `cohorts`: "Cohorts", holders and budget spending, months across;
//!
//! and `style` (formats, headers, page set-up) and `labels` (a metric's words and
//! number format) for all of them. "Services" and "Cohorts" are written only while
//! they fit Excel's rows ([`MAX_ROWS`]); "Read me" says what is left to the CSVs. Any
//! other table longer than that keeps the rows that fit and says so in its note, and
//! a text longer than a cell holds is cut: a scenario too large for Excel never
//! fails the run that writes its CSVs.

mod assumptions;
mod cohorts;
mod labels;
mod monthly;
mod providers;
mod readme;
mod style;
mod variants;
mod years;

#[cfg(test)]
mod tests;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};

use crate::engine::Level;
use crate::report::data::OutputData;
use crate::report::ranked_providers;
use crate::scenario::Scenario;
use style::Styles;

/// The workbook could not be assembled (a bug, not bad input).
#[derive(Debug, thiserror::Error)]
#[error("cannot build results.xlsx: {0}")]
pub struct WorkbookError(#[from] XlsxError);

/// Excel's rows per sheet.
pub const MAX_ROWS: u64 = 1_048_576;

/// A sheet left out because it would not fit Excel's rows.
#[derive(Debug, Clone, Copy)]
struct LeftOut {
    name: &'static str,
    /// The level of its rows in `months.csv` and `years.csv`.
    level: Level,
    rows: u64,
}

/// What the workbook is built from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The output directory's files, parsed (as the report reads them).
    pub data: &'a OutputData,
    /// The scenario as run, its `[draws]` file read (`data.scenario` is parsed from the
    /// text alone).
    pub scenario: &'a Scenario,
    /// The scenario file's text, to tell what it sets from what is defaulted.
    pub scenario_text: &'a str,
    /// The phbsim build that wrote it (the git commit, see `build.rs`).
    pub build: &'a str,
}

/// The "Assumptions" sheet. It needs the scenario and its text, not the results, so a
/// run builds it while it parses its tables back (one thread's work), ahead of the
/// other sheets.
pub struct AssumptionsSheet(Result<rust_xlsxwriter::Worksheet, XlsxError>);

impl AssumptionsSheet {
    /// The sheet of `scenario` (as run, its `[draws]` file read), read from
    /// `scenario_text`: the same as [`build`] makes.
    pub fn of(scenario: &Scenario, scenario_text: &str) -> AssumptionsSheet {
        AssumptionsSheet(assumptions::sheet(scenario, scenario_text, &Styles::new()))
    }
}

/// A workbook with all its sheets, not yet saved. Saving writes each sheet's XML on
/// a thread of its own, then deflates it all on one; a run saves it while it builds
/// the report.
pub struct Unsaved(Workbook);

impl Unsaved {
    /// The bytes of `results.xlsx`.
    pub fn save(mut self) -> Result<Vec<u8>, WorkbookError> {
        Ok(self.0.save_to_buffer()?)
    }
}

/// The bytes of `results.xlsx`.
pub fn build(inputs: Inputs<'_>) -> Result<Vec<u8>, WorkbookError> {
    let assumptions = || AssumptionsSheet::of(inputs.scenario, inputs.scenario_text);
    assemble(inputs, assumptions)?.save()
}

/// The workbook of [`build`], not yet saved: saved, it is [`build`]'s bytes.
/// `assumptions` gives its "Assumptions" sheet (of `inputs.scenario` and
/// `inputs.scenario_text`), built beside the other sheets or ahead of them.
pub fn assemble(
    inputs: Inputs<'_>,
    assumptions: impl FnOnce() -> AssumptionsSheet + Send,
) -> Result<Unsaved, WorkbookError> {
    let data = inputs.data;
    // Formats are told apart by their values, so the sheet built ahead with its own
    // `Styles` gets the same format indices as the rest.
    let styles = Styles::new();
    let ranked = ranked_providers(data, data.base());
    let too_long = |name, level, rows| (rows > MAX_ROWS).then_some(LeftOut { name, level, rows });
    let left_out: Vec<LeftOut> = [
        too_long("Services", Level::Service, years::service_sheet_rows(data)),
        too_long("Cohorts", Level::Cohort, cohorts::rows(data)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let fits = |name: &str| left_out.iter().all(|l| l.name != name);
    // The sheets are independent: the three largest groups are built side by side.
    let ((assumptions, monthly), others) = rayon::join(
        || rayon::join(assumptions, || monthly::sheets(data, &ranked, &styles)),
        || -> Result<_, XlsxError> {
            let variants = (!data.variants.is_empty())
                .then(|| variants::sheet(data, &ranked, &styles))
                .transpose()?;
            let services = match fits("Services") {
                true => years::services(data, &styles)?,
                false => None,
            };
            let cohorts = fits("Cohorts")
                .then(|| cohorts::sheet(data, &styles))
                .transpose()?;
            Ok([
                providers::sheet(data, &ranked, &styles).map(Some)?,
                years::providers(data, &ranked, &styles)?,
                variants,
                services,
                cohorts,
            ])
        },
    );
    let (monthly, chart_data) = monthly?;
    let [providers, years, variants, services, cohorts] = others?;
    let sheets = [
        Some(readme::sheet(data, inputs.build, &left_out, &styles)?),
        Some(assumptions.0?),
        providers,
        years,
        Some(monthly),
        variants,
        services,
        cohorts,
        Some(chart_data),
    ];
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(data)?);
    // Level 3 deflates a national run's workbook in two thirds of the default's (6)
    // time, for 8% more bytes.
    workbook.set_zip_compression_level(3);
    for sheet in sheets.into_iter().flatten() {
        workbook.push_worksheet(sheet);
    }
    Ok(Unsaved(workbook))
}

/// The document's properties, with its dates fixed so the bytes depend on the results
/// alone.
fn properties(data: &OutputData) -> Result<DocProperties, XlsxError> {
    let fixed = ExcelDateTime::from_ymd(1980, 1, 1)?;
    Ok(DocProperties::new()
        .set_title(format!("phbsim results: {}", data.scenario.name))
        .set_subject("Personal health budgets: provider viability")
        .set_author(format!("phbsim {}", data.manifest.phbsim_version))
        .set_comment(data.scenario.description.clone().unwrap_or_default())
        .set_creation_datetime(&fixed))
}
