//! `results.xlsx`: a run's results as a workbook for finance teams (issue 17), beside
//! the CSV files and built from the very data the report reads
//! ([`crate::report::data::OutputData`], parsed from the CSV bytes), so its numbers
//! are the CSVs' numbers, bit for bit.
//!
//! [`build`] returns the bytes; nothing here touches a file. Values, never formulas
//! (a formula shows 0 in a preview until recalculated); every table has a frozen
//! header row and a filter; money is `£#,##0`, chances `0.0%`. The bytes depend on the
//! results alone: the document's dates are fixed (1980-01-01, as the zip entries'),
//! nothing records the time, the threads or the shards, so a run on any `-j` and a
//! merge of any shards give the same file.
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
//! - `detail`: "Services" and "Cohorts", months across, while they fit Excel's rows;
//!
//! and `style` (formats, headers, page set-up) and `labels` (a metric's words and
//! number format) for all of them.

mod assumptions;
mod detail;
mod labels;
mod monthly;
mod providers;
mod readme;
mod style;
mod variants;
mod years;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};

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

/// The bytes of `results.xlsx`.
pub fn build(inputs: Inputs<'_>) -> Result<Vec<u8>, WorkbookError> {
    let data = inputs.data;
    let styles = Styles::new();
    let ranked = ranked_providers(data, data.base());
    let services = detail::Detail::new(data, Level::Service);
    let cohorts = detail::Detail::new(data, Level::Cohort);
    let left_out: Vec<&detail::Detail> = [&services, &cohorts]
        .into_iter()
        .filter(|d| !d.fits())
        .collect();
    let mut sheets: Vec<Worksheet> = vec![
        readme::sheet(data, inputs.build, &left_out, &styles)?,
        assumptions::sheet(inputs.scenario, inputs.scenario_text, &styles)?,
        providers::sheet(data, &ranked, &styles)?,
    ];
    if let Some(years) = years::sheet(data, &ranked, &styles)? {
        sheets.push(years);
    }
    let (monthly, chart_data) = monthly::sheets(data, &ranked, &styles)?;
    sheets.push(monthly);
    if !data.variants.is_empty() {
        sheets.push(variants::sheet(data, &ranked, &styles)?);
    }
    for detail in [&services, &cohorts] {
        if detail.fits() {
            sheets.push(detail.sheet(data, &styles)?);
        }
    }
    sheets.push(chart_data);
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(data)?);
    for sheet in sheets {
        workbook.push_worksheet(sheet);
    }
    Ok(workbook.save_to_buffer()?)
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
