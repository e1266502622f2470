//! "Financial years": `years.csv` as finance teams plan. One row per provider (riskiest
//! first) and measure, then the commissioner's; the years across, each with the median,
//! P5 and P95 beside it and the mean (for a yes/no measure such as a deficit year, the
//! mean is its chance). A partial first or last year says how many months it holds.
//! Left out for a directory written before `years.csv` existed.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::labels;
use super::style::{
    Styles, freeze_and_filter, heading, number, page_setup, pages_across, text_width, total_width,
};
use crate::engine::Level;
use crate::engine::layout::{COMMISSIONER, CommissionerYear, ProviderYear};
use crate::report::ProviderRow;
use crate::report::data::OutputData;

/// The statistics under each year, in order.
const STATISTICS: [&str; 4] = ["Median", "P5", "P95", "Mean"];

/// The "Financial years" sheet, or `None` without `years.csv`.
pub(super) fn sheet(
    data: &OutputData,
    ranked: &[ProviderRow<'_>],
    styles: &Styles,
) -> Result<Option<Worksheet>, XlsxError> {
    let Some(tables) = &data.base().years else {
        return Ok(None);
    };
    let mut rows: Vec<(Level, &str, &str, &str)> = Vec::new();
    for row in ranked {
        let p = row.provider;
        for metric in ProviderYear::ALL {
            rows.push((Level::Provider, &p.name, &p.id, metric.as_str()));
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
            rows.push((
                Level::Commissioner,
                "Commissioner",
                COMMISSIONER,
                metric.as_str(),
            ));
        }
    }

    let mut sheet = Worksheet::new();
    sheet.set_name("Financial years")?;
    heading(
        &mut sheet,
        styles,
        "By financial year, in cash",
        "Each year: the median with P5 and P95 beside it, and the mean (for a yes/no measure, \
         its chance). Sums over the year's months; reserves at its last month.",
    )?;
    let (group, header) = (2, 3);
    let years = &tables.years;
    let width = STATISTICS.len() as u16;
    let metric_col = 3 + width * years.len() as u16;
    let names = text_width(rows.iter().map(|r| r.1), 14.0, 48.0);
    let ids = text_width(rows.iter().map(|r| r.2), 8.0, 30.0);
    let keys = [("Organisation", names), ("Id", ids), ("Measure", 36.0)];
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
            sheet.write_string_with_format(
                header,
                first + k as u16,
                *statistic,
                &styles.header_number,
            )?;
            sheet.set_column_width(first + k as u16, 13)?;
        }
    }
    sheet.write_string_with_format(header, metric_col, "In years.csv", &styles.header)?;
    sheet.write_blank(group, metric_col, &styles.header)?;
    sheet.set_column_width(metric_col, 18)?;
    let last = header + rows.len() as u32;
    freeze_and_filter(&mut sheet, header, metric_col + 1, 3, last)?;

    for (i, (level, name, id, metric)) in rows.iter().enumerate() {
        let r = header + 1 + i as u32;
        let (label, shown) = labels::label(*level, metric);
        let format = styles.number(shown, false);
        sheet.write_string_with_format(r, 0, *name, &styles.text)?;
        sheet.write_string_with_format(r, 1, *id, &styles.code)?;
        sheet.write_string(r, 2, &label)?;
        for (y, stat) in tables.metric(*level, id, metric).iter().enumerate() {
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
        sheet.write_string_with_format(r, metric_col, *metric, &styles.code)?;
    }
    let width = total_width(&keys) + 13.0 * f64::from(metric_col - 3) + 18.0;
    page_setup(&mut sheet, header, 3, pages_across(width))?;
    Ok(Some(sheet))
}
