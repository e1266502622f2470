//! "Services" and "Cohorts": each service's or cohort's monthly series as a finance
//! team lays out a plan, months across: one row per entity, measure and statistic (the
//! median, P5 and P95; the chance, for a yes/no measure). A sheet is written only while
//! it fits Excel's rows ([`super::MAX_ROWS`]); otherwise "Read me" says so and its
//! numbers stay in `months.csv`.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::labels;
use super::style::{
    Shown, Styles, heading, number, page_setup, pages_across, table_header, text_width, total_width,
};
use crate::engine::Level;
use crate::engine::layout::{CohortSeries, ServiceSeries};
use crate::report::data::OutputData;
use crate::stats::Summary;

/// Rows above the table's data: title, note, header.
const HEADER: u32 = 2;

/// One of the two sheets, its rows counted before it is built.
pub(super) struct Detail {
    level: Level,
    /// (name, id) of each entity, file order.
    entities: Vec<(String, String)>,
    metrics: Vec<&'static str>,
    rows: u64,
}

/// A row's statistic: its name, and how it is read from a summary.
type Statistic = (&'static str, fn(&Summary) -> f64);

/// One row of the sheet: an entity's metric in one statistic, by month.
struct Line<'a> {
    entity: &'a (String, String),
    metric: &'static str,
    statistic: Statistic,
    series: &'a [Option<Summary>],
}

/// The statistics of a metric shown as `shown`, a row each.
fn statistics(shown: Shown) -> &'static [Statistic] {
    if shown == Shown::Chance {
        &[("Chance", |s| s.mean)]
    } else {
        &[("Median", |s| s.p50), ("P5", |s| s.p5), ("P95", |s| s.p95)]
    }
}

impl Detail {
    /// The sheet of `level` (services or cohorts) of `data`'s base.
    pub fn new(data: &OutputData, level: Level) -> Detail {
        let scenario = &data.scenario;
        let (entities, metrics): (Vec<(String, String)>, Vec<&'static str>) = match level {
            Level::Service => (
                scenario
                    .providers
                    .iter()
                    .flat_map(|p| {
                        p.services
                            .iter()
                            .map(move |s| (s.name.clone(), format!("{}/{}", p.id, s.id)))
                    })
                    .collect(),
                ServiceSeries::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            _ => (
                scenario
                    .cohorts
                    .iter()
                    .map(|c| (c.name.clone(), c.id.clone()))
                    .collect(),
                CohortSeries::ALL.iter().map(|m| m.as_str()).collect(),
            ),
        };
        let mut detail = Detail {
            level,
            entities,
            metrics,
            rows: 0,
        };
        detail.rows = u64::from(HEADER) + 1 + detail.lines(data).count() as u64;
        detail
    }

    /// The sheet's name.
    pub fn name(&self) -> &'static str {
        match self.level {
            Level::Service => "Services",
            _ => "Cohorts",
        }
    }

    pub fn level(&self) -> Level {
        self.level
    }

    /// The rows the sheet needs, header included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Whether the sheet fits Excel's rows.
    pub fn fits(&self) -> bool {
        self.rows <= super::MAX_ROWS
    }

    /// Each row's entity, metric and statistic, with its monthly statistics; a metric
    /// the entity does not have (`below_viable` without a viable minimum) has none.
    fn lines<'a>(&'a self, data: &'a OutputData) -> impl Iterator<Item = Line<'a>> + 'a {
        let run = data.base();
        self.entities.iter().flat_map(move |entity| {
            self.metrics.iter().flat_map(move |metric| {
                let series = run.series(self.level, &entity.1, metric);
                let (_, shown) = labels::metric(self.level, metric);
                let stats = if series.is_empty() {
                    &[][..]
                } else {
                    statistics(shown)
                };
                stats.iter().map(move |statistic| Line {
                    entity,
                    metric,
                    statistic: *statistic,
                    series,
                })
            })
        })
    }

    /// The sheet; call only when it [`fits`](Self::fits).
    pub fn sheet(&self, data: &OutputData, styles: &Styles) -> Result<Worksheet, XlsxError> {
        let months = &data.months;
        let mut sheet = Worksheet::new();
        sheet.set_name(self.name())?;
        let (what, first) = match self.level {
            Level::Service => ("service's activity, income and costs", "Service"),
            _ => ("cohort's budget holders and spending", "Cohort"),
        };
        heading(
            &mut sheet,
            styles,
            &format!("Each {what} by month"),
            "Each measure as three rows, the median, P5 and P95 over the futures (a yes/no \
             measure as one, its chance); months across. Money in cash.",
        )?;
        let mut columns: Vec<(&str, f64)> = vec![
            (
                first,
                text_width(self.entities.iter().map(|e| e.0.as_str()), 14.0, 48.0),
            ),
            (
                "Id",
                text_width(self.entities.iter().map(|e| e.1.as_str()), 8.0, 40.0),
            ),
            ("Measure", 34.0),
            ("Statistic", 9.0),
        ];
        columns.extend(months.iter().map(|m| (m.as_str(), 11.0)));
        columns.push(("In months.csv", 14.0));
        let last = (self.rows - 1) as u32;
        let numbers = 4..4 + months.len() as u16;
        table_header(&mut sheet, styles, HEADER, &columns, numbers, 4, last)?;
        let metric_col = 4 + months.len() as u16;
        for (i, line) in self.lines(data).enumerate() {
            let Line {
                entity,
                metric,
                statistic: (statistic, value),
                series,
            } = line;
            let r = HEADER + 1 + i as u32;
            let (label, shown) = labels::label(self.level, metric);
            let format = styles.number(shown, false);
            sheet.write_string_with_format(r, 0, &entity.0, &styles.text)?;
            sheet.write_string_with_format(r, 1, &entity.1, &styles.code)?;
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
            sheet.write_string_with_format(r, metric_col, metric, &styles.code)?;
        }
        page_setup(&mut sheet, HEADER, 4, pages_across(total_width(&columns)))?;
        Ok(sheet)
    }
}
