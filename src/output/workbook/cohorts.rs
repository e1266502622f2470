//! "Cohorts": each cohort's budget holders, new holders and budget spending by month,
//! months across as a finance team lays out a plan: one row per cohort, measure and
//! statistic (the median, P5 and P95). Written only while it fits Excel's rows
//! ([`super::MAX_ROWS`]); otherwise "Read me" says so and its numbers stay in
//! `months.csv`, as do the cohorts' other series (people without a budget, returns).

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::labels;
use super::style::{
    Styles, heading, number, page_setup, pages_across, table_header, text_width, total_width,
};
use crate::engine::Level;
use crate::engine::layout::CohortSeries;
use crate::report::data::OutputData;
use crate::stats::Summary;

/// Rows above the table's data: title, note, header.
const HEADER: u32 = 2;

/// The series shown, each as three rows.
const METRICS: [CohortSeries; 3] = [
    CohortSeries::Holders,
    CohortSeries::NewHolders,
    CohortSeries::BudgetSpend,
];

/// A row's statistic: its name, and how it is read from a summary.
type Statistic = (&'static str, fn(&Summary) -> f64);

const STATISTICS: [Statistic; 3] = [("Median", |s| s.p50), ("P5", |s| s.p5), ("P95", |s| s.p95)];

/// The rows the sheet needs, its title and header included.
pub(super) fn rows(data: &OutputData) -> u64 {
    u64::from(HEADER) + 1 + (data.scenario.cohorts.len() * METRICS.len() * STATISTICS.len()) as u64
}

/// The "Cohorts" sheet; call only when its [`rows`] fit.
pub(super) fn sheet(data: &OutputData, styles: &Styles) -> Result<Worksheet, XlsxError> {
    let run = data.base();
    let cohorts = &data.scenario.cohorts;
    let months = &data.months;
    let mut sheet = Worksheet::new();
    sheet.set_name("Cohorts")?;
    heading(
        &mut sheet,
        styles,
        "Each cohort's budget holders and spending by month",
        "Each measure as three rows, the median, P5 and P95 over the futures; months \
         across. Money in cash.",
    )?;
    let mut columns: Vec<(&str, f64)> = vec![
        (
            "Cohort",
            text_width(cohorts.iter().map(|c| c.name.as_str()), 14.0, 48.0),
        ),
        (
            "Id",
            text_width(cohorts.iter().map(|c| c.id.as_str()), 8.0, 40.0),
        ),
        ("Measure", 24.0),
        ("Statistic", 9.0),
    ];
    columns.extend(months.iter().map(|m| (m.as_str(), 11.0)));
    columns.push(("In months.csv", 14.0));
    let last = (rows(data) - 1) as u32;
    let numbers = 4..4 + months.len() as u16;
    table_header(&mut sheet, styles, HEADER, &columns, numbers, 4, last)?;
    let metric_col = 4 + months.len() as u16;
    let mut r = HEADER + 1;
    for cohort in cohorts {
        for metric in METRICS {
            let series = run.series(Level::Cohort, &cohort.id, metric.as_str());
            let (label, shown) = labels::label(Level::Cohort, metric.as_str());
            let format = styles.number(shown, false);
            for (statistic, value) in STATISTICS {
                sheet.write_string(r, 0, &cohort.name)?;
                sheet.write_string_with_format(r, 1, &cohort.id, &styles.code)?;
                sheet.write_string(r, 2, &label)?;
                sheet.write_string(r, 3, statistic)?;
                for (t, stat) in series.iter().enumerate() {
                    number(
                        &mut sheet,
                        r,
                        4 + t as u16,
                        stat.as_ref().map(value),
                        format,
                    )?;
                }
                sheet.write_string_with_format(r, metric_col, metric.as_str(), &styles.code)?;
                r += 1;
            }
        }
    }
    page_setup(&mut sheet, HEADER, 4, pages_across(total_width(&columns)))?;
    Ok(sheet)
}
