//! `years.csv` as finance teams plan, the years across, each with the median, P5 and
//! P95 beside it and the mean (for a yes/no measure such as a deficit year, the mean is
//! its chance); a partial first or last year says how many months it holds. Two sheets
//! share the layout:
//! - "Financial years": each provider (riskiest first) and the commissioner;
//! - "Services": each service's income and activity, in file order.
//!
//! Both are left out for a directory written before `years.csv` existed.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::labels;
use super::style::{
    Styles, cut_note, fitting, freeze_and_filter, heading, number, page_setup, pages_across,
    text_width, total_width,
};
use crate::engine::Level;
use crate::engine::layout::{COMMISSIONER, CommissionerYear, ProviderYear, ServiceYear};
use crate::report::ProviderRow;
use crate::report::data::{OutputData, YearTables};

/// The statistics under each year, in order.
const STATISTICS: [&str; 4] = ["Median", "P5", "P95", "Mean"];

/// One row: an entity's metric, by year.
struct Row<'a> {
    level: Level,
    name: &'a str,
    id: String,
    metric: &'static str,
}

/// What a sheet of this layout says about itself.
struct Sheet<'a> {
    name: &'a str,
    title: &'a str,
    note: &'a str,
    /// The header of the first column.
    who: &'a str,
}

/// The "Financial years" sheet, or `None` without `years.csv`.
pub(super) fn providers(
    data: &OutputData,
    ranked: &[ProviderRow<'_>],
    styles: &Styles,
) -> Result<Option<Worksheet>, XlsxError> {
    let Some(tables) = &data.base().years else {
        return Ok(None);
    };
    let mut rows = Vec::new();
    for row in ranked {
        let p = row.provider;
        for metric in ProviderYear::ALL {
            rows.push(Row {
                level: Level::Provider,
                name: &p.name,
                id: p.id.clone(),
                metric: metric.as_str(),
            });
        }
    }
    let envelope = data.scenario.envelope.is_some();
    for metric in CommissionerYear::ALL {
        // Without an envelope nothing is over it or recovered: rows of zeros.
        let always = matches!(
            metric,
            CommissionerYear::Spend | CommissionerYear::AdditionalVsBaseline
        );
        if envelope || always {
            rows.push(Row {
                level: Level::Commissioner,
                name: "Commissioner",
                id: COMMISSIONER.to_string(),
                metric: metric.as_str(),
            });
        }
    }
    let sheet = Sheet {
        name: "Financial years",
        title: "By financial year, in cash",
        note: "Each year: the median with P5 and P95 beside it, and the mean (for a yes/no \
               measure, its chance). Sums over the year's months; reserves at its last month.",
        who: "Organisation",
    };
    table(&sheet, tables, &rows, styles).map(Some)
}

/// The rows of the "Services" sheet: each service's year metrics, file order.
fn service_rows(data: &OutputData) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for p in &data.scenario.providers {
        for s in &p.services {
            for metric in ServiceYear::ALL {
                rows.push(Row {
                    level: Level::Service,
                    name: &s.name,
                    id: format!("{}/{}", p.id, s.id),
                    metric: metric.as_str(),
                });
            }
        }
    }
    rows
}

/// The rows the "Services" sheet needs, its title and header included.
pub(super) fn service_sheet_rows(data: &OutputData) -> u64 {
    4 + (data.scenario.service_count() * ServiceYear::ALL.len()) as u64
}

/// The "Services" sheet, or `None` without `years.csv`.
pub(super) fn services(data: &OutputData, styles: &Styles) -> Result<Option<Worksheet>, XlsxError> {
    let Some(tables) = &data.base().years else {
        return Ok(None);
    };
    let sheet = Sheet {
        name: "Services",
        title: "Each service by financial year, in cash",
        note: "Income, and activity without budgets (units), summed over each year's months: \
               the median with P5 and P95 beside it, and the mean.",
        who: "Service",
    };
    table(&sheet, tables, &service_rows(data), styles).map(Some)
}

/// A sheet of `rows`, the years of `tables` across.
fn table(
    about: &Sheet<'_>,
    tables: &YearTables,
    rows: &[Row<'_>],
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let (group, header) = (2, 3);
    let all = rows.len();
    let rows = &rows[..fitting(all, header)];
    let note = format!(
        "{}{}",
        about.note,
        cut_note(rows.len(), all, "rows", "years.csv")
    );
    let mut sheet = Worksheet::new();
    sheet.set_name(about.name)?;
    heading(&mut sheet, styles, about.title, &note)?;
    let years = &tables.years;
    let width = STATISTICS.len() as u16;
    let metric_col = 3 + width * years.len() as u16;
    let names = text_width(rows.iter().map(|r| r.name), 14.0, 48.0);
    let ids = text_width(rows.iter().map(|r| r.id.as_str()), 8.0, 40.0);
    let keys = [(about.who, names), ("Id", ids), ("Measure", 36.0)];
    for (col, (text, w)) in keys.into_iter().enumerate() {
        sheet.write_string_with_format(header, col as u16, text, &styles.header)?;
        sheet.write_blank(group, col as u16, &styles.header)?;
        sheet.set_column_width(col as u16, w)?;
    }
    for (y, year) in years.iter().enumerate() {
        let first = 3 + width * y as u16;
        let label = if year.months == 12 {
            year.label.clone()
        } else {
            format!("{} ({} months)", year.label, year.months)
        };
        sheet.merge_range(
            group,
            first,
            group,
            first + width - 1,
            &label,
            &styles.header_group,
        )?;
        for (k, statistic) in STATISTICS.iter().enumerate() {
            let col = first + k as u16;
            sheet.write_string_with_format(header, col, *statistic, &styles.header_number)?;
            sheet.set_column_width(col, 13)?;
        }
    }
    sheet.write_string_with_format(header, metric_col, "In years.csv", &styles.header)?;
    sheet.write_blank(group, metric_col, &styles.header)?;
    sheet.set_column_width(metric_col, 18)?;
    let last = header + rows.len() as u32;
    freeze_and_filter(&mut sheet, header, metric_col + 1, 3, last)?;

    for (i, row) in rows.iter().enumerate() {
        let r = header + 1 + i as u32;
        let (label, shown) = labels::label(row.level, row.metric);
        let format = styles.number(shown, false);
        sheet.write_string(r, 0, row.name)?;
        sheet.write_string_with_format(r, 1, &row.id, &styles.code)?;
        sheet.write_string(r, 2, &label)?;
        for (y, stat) in tables
            .metric(row.level, &row.id, row.metric)
            .iter()
            .enumerate()
        {
            let first = 3 + width * y as u16;
            let values = [
                stat.map(|s| s.p50),
                stat.map(|s| s.p5),
                stat.map(|s| s.p95),
                stat.map(|s| s.mean),
            ];
            for (k, value) in values.into_iter().enumerate() {
                number(&mut sheet, r, first + k as u16, value, format)?;
            }
        }
        sheet.write_string_with_format(r, metric_col, row.metric, &styles.code)?;
    }
    let width = total_width(&keys) + 13.0 * f64::from(metric_col - 3) + 18.0;
    page_setup(&mut sheet, header, 3, pages_across(width))?;
    Ok(sheet)
}
