//! "Monthly": per provider (riskiest first), its income and its reserves by month,
//! P5 to P95 with the mean, then the commissioner's spend; each block of months with a
//! native fan chart beside it, drawn as the report draws it: the middle 90% and the
//! middle half of the futures as bands, the median as a line, and a dashed reference
//! line (the provider's average month without PHBs, its reserve floor, the
//! commissioner's spend without PHBs).
//!
//! Excel has no band chart, so a band is a stacked area: a first, invisible area up to
//! P5, then the widths P25 − P5, P75 − P25 and P95 − P75 stacked on it. Those widths
//! are worked out, so they live on their own sheet, "Chart data", row for row beside
//! "Monthly", and every figure on "Monthly" itself is a value of `months.csv`.

use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartFont, ChartFormat, ChartLegendPosition, ChartLine,
    ChartLineDashType, ChartSolidFill, ChartType, Color, Worksheet, XlsxError,
};

use super::labels;
use super::style::{
    Styles, cut_note, fitting, heading, number, page_setup, table_header, text_width,
};
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::report::ProviderRow;
use crate::report::data::OutputData;
use crate::stats::Summary;

const MONTHLY: &str = "Monthly";
const CHART_DATA: &str = "Chart data";

/// The rows of the header; data from the next row on.
const HEADER: u32 = 2;
/// The first column of the charts.
const CHART_COLUMN: u16 = 13;
/// A chart's size in pixels; rows are 20 pixels high, so a chart spans 18 rows.
const CHART_SIZE: (u32, u32) = (760, 360);
/// A block of rows is at least this long, so its chart never covers the next one's.
const MIN_BLOCK_ROWS: u32 = 19;
/// The providers, riskiest first, whose blocks have charts. A national scenario has
/// over a hundred; 250 charts would take a tenth of its run to write and more than
/// anyone reads, and the others' months are in the table all the same.
pub(super) const CHARTED_PROVIDERS: usize = 40;

/// The report's colours: the bands as the report's translucent blue looks on white.
const WIDE_BAND: u32 = 0xD1E6F1;
const NARROW_BAND: u32 = 0x82BAD9;
const MEDIAN: u32 = 0x0072B2;
const BLACK: u32 = 0x000000;
const VERMILLION: u32 = 0xD55E00;

/// One series with its chart: an entity's metric by month.
struct Block<'a> {
    name: &'a str,
    id: &'a str,
    level: Level,
    metric: &'static str,
    series: &'a [Option<Summary>],
    /// The dashed line, by month.
    reference: Vec<Option<f64>>,
    reference_is: String,
    reference_colour: u32,
    title: String,
    y_title: &'static str,
    /// Whether it gets a chart ([`CHARTED_PROVIDERS`]).
    charted: bool,
}

/// The blocks of the sheet, in order: each provider's income and reserves, then the
/// commissioner's spend.
fn blocks<'a>(data: &'a OutputData, ranked: &[ProviderRow<'a>]) -> Vec<Block<'a>> {
    let run = data.base();
    let n = data.months.len();
    let mut blocks = Vec::new();
    for (i, row) in ranked.iter().enumerate() {
        let p = row.provider;
        let charted = i < CHARTED_PROVIDERS;
        // The monthly baseline is not among the outputs; its average month over the
        // horizon is, as the report draws it.
        let average = run
            .summary(Level::Provider, &p.id, "baseline_income")
            .map(|s| s.mean / n.max(1) as f64);
        blocks.push(Block {
            name: &p.name,
            id: &p.id,
            level: Level::Provider,
            metric: "income",
            series: run.series(Level::Provider, &p.id, "income"),
            reference: vec![average; n],
            reference_is: "average month without PHBs".to_string(),
            reference_colour: BLACK,
            title: format!("{}: income each month", p.name),
            y_title: "£ a month, cash",
            charted,
        });
        blocks.push(Block {
            name: &p.name,
            id: &p.id,
            level: Level::Provider,
            metric: "reserves",
            series: run.series(Level::Provider, &p.id, "reserves"),
            reference: vec![Some(p.reserve_floor); n],
            reference_is: "reserve floor".to_string(),
            reference_colour: VERMILLION,
            title: format!("{}: reserves at month end", p.name),
            y_title: "£, cash",
            charted,
        });
    }
    let spend = run.series(Level::Commissioner, COMMISSIONER, "spend");
    let extra = run.series(Level::Commissioner, COMMISSIONER, "additional_vs_baseline");
    // Spend without PHBs, as the report draws it: mean spend less mean double running.
    let baseline = (0..n)
        .map(|t| {
            let s = spend.get(t).copied().flatten()?;
            let e = extra.get(t).copied().flatten()?;
            Some(s.mean - e.mean)
        })
        .collect();
    blocks.push(Block {
        name: "Commissioner",
        id: COMMISSIONER,
        level: Level::Commissioner,
        metric: "spend",
        series: spend,
        reference: baseline,
        reference_is: "spend without PHBs (mean)".to_string(),
        reference_colour: BLACK,
        title: "Commissioner: spend each month".to_string(),
        y_title: "£ a month, cash",
        charted: true,
    });
    blocks
}

/// How many of the `providers` blocks (two a provider, riskiest first) fit in Excel's
/// rows beside the commissioner's, each `block_rows` long: whole providers only.
fn provider_blocks_that_fit(providers: usize, block_rows: u32) -> usize {
    let rows = (providers + 1) * block_rows as usize;
    let blocks = fitting(rows, HEADER) / block_rows as usize;
    (blocks.saturating_sub(1) / 2 * 2).min(providers)
}

/// Text safe as a chart's title or series name: one with `!` would be read as a
/// reference to cells.
fn chart_text(text: &str) -> String {
    text.replace('!', "ǃ")
}

/// An axis format for money of this size: `£1.2m`, `£450k` or `£900`.
fn axis_format(largest: f64) -> &'static str {
    if largest >= 1e6 {
        "\"£\"#,##0.0,,\"m\";-\"£\"#,##0.0,,\"m\""
    } else if largest >= 1e4 {
        "\"£\"#,##0,\"k\";-\"£\"#,##0,\"k\""
    } else {
        "\"£\"#,##0;-\"£\"#,##0"
    }
}

/// The fan chart of the block whose rows are `first..=last`.
fn fan_chart(block: &Block<'_>, first: u32, last: u32, months: usize) -> Chart {
    let categories = (MONTHLY, first, 3, last, 3);
    let fill = |colour: u32| {
        let mut format = ChartFormat::new();
        format
            .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(colour)))
            .set_no_line();
        format
    };
    let mut chart = Chart::new(ChartType::AreaStacked);
    chart
        .add_series()
        .set_name("P5")
        .set_categories(categories)
        .set_values((MONTHLY, first, 4, last, 4))
        .set_format(ChartFormat::new().set_no_fill().set_no_line());
    for (col, name, colour) in [
        (0, "middle 90% of futures (P5 to P95)", WIDE_BAND),
        (1, "middle half (P25 to P75)", NARROW_BAND),
        (2, "P75 to P95", WIDE_BAND),
    ] {
        // The categories (months) are the first series': every series shares them.
        chart
            .add_series()
            .set_name(name)
            .set_values((CHART_DATA, first, col, last, col))
            .set_format(&mut fill(colour));
    }
    let mut lines = Chart::new(ChartType::Line);
    lines
        .add_series()
        .set_name("median")
        .set_values((MONTHLY, first, 6, last, 6))
        .set_format(
            ChartLine::new()
                .set_color(Color::RGB(MEDIAN))
                .set_width(2.0),
        );
    lines
        .add_series()
        .set_name(chart_text(&block.reference_is).as_str())
        .set_values((MONTHLY, first, 10, last, 10))
        .set_format(
            ChartLine::new()
                .set_color(Color::RGB(block.reference_colour))
                .set_width(1.25)
                .set_dash_type(ChartLineDashType::Dash),
        );
    chart.combine(&lines);
    chart
        .title()
        .set_name(chart_text(&block.title).as_str())
        .set_font(ChartFont::new().set_size(12).set_bold());
    chart.legend().set_position(ChartLegendPosition::Bottom);
    // The invisible base and the upper half of the wide band say nothing alone.
    chart.legend().delete_entries(&[0, 3]);
    let interval = match months {
        0..=12 => 1,
        13..=36 => 6,
        _ => 12,
    };
    chart
        .x_axis()
        .set_label_interval(interval)
        .set_tick_interval(interval)
        .set_label_position(ChartAxisLabelPosition::Low);
    let largest = block
        .series
        .iter()
        .flatten()
        .map(|s| s.p5.abs().max(s.p95.abs()))
        .chain(block.reference.iter().flatten().map(|r| r.abs()))
        .fold(0.0, f64::max);
    chart
        .y_axis()
        .set_name(block.y_title)
        .set_num_format(axis_format(largest));
    chart.set_width(CHART_SIZE.0).set_height(CHART_SIZE.1);
    chart
}

/// The "Monthly" sheet and its "Chart data".
pub(super) fn sheets(
    data: &OutputData,
    ranked: &[ProviderRow<'_>],
    styles: &Styles,
) -> Result<(Worksheet, Worksheet), XlsxError> {
    let months = &data.months;
    let n = months.len() as u32;
    let block_rows = n.max(MIN_BLOCK_ROWS);
    let mut blocks = blocks(data, ranked);
    let all = blocks.len();
    let kept = provider_blocks_that_fit(all - 1, block_rows);
    blocks.drain(kept..all - 1);
    let mut note = "P5 to P95 hold the middle 90% of the futures, P25 to P75 the middle half; \
                    the charts draw them as bands and the median as a line. Reference line: \
                    for income, the average month without PHBs; for reserves, the reserve \
                    floor; for spend, the mean spend without PHBs. Money in cash."
        .to_string();
    if ranked.len() > CHARTED_PROVIDERS {
        note.push_str(&format!(
            " Charts for the {CHARTED_PROVIDERS} riskiest providers and the commissioner."
        ));
    }
    note.push_str(&cut_note(
        kept / 2,
        (all - 1) / 2,
        "providers",
        "months.csv",
    ));
    let mut sheet = Worksheet::new();
    sheet.set_name(MONTHLY)?;
    heading(
        &mut sheet,
        styles,
        "Month by month: each provider's income and reserves, and the commissioner's spend",
        &note,
    )?;
    let names = text_width(blocks.iter().map(|b| b.name), 14.0, 48.0);
    let ids = text_width(blocks.iter().map(|b| b.id), 8.0, 30.0);
    let columns = [
        ("Organisation", names),
        ("Id", ids),
        ("Measure", 22.0),
        ("Month", 9.0),
        ("P5", 13.0),
        ("P25", 13.0),
        ("Median", 13.0),
        ("P75", 13.0),
        ("P95", 13.0),
        ("Mean", 13.0),
        ("Reference line (worked out)", 14.0),
        ("In months.csv", 12.0),
    ];
    let last_row = HEADER + block_rows * blocks.len() as u32;
    table_header(&mut sheet, styles, HEADER, &columns, 4..11, 4, last_row)?;
    sheet.set_row_height(HEADER, 30)?;
    sheet.set_column_width(CHART_COLUMN - 1, 3)?;

    let mut chart_data = Worksheet::new();
    chart_data.set_name(CHART_DATA)?;
    heading(
        &mut chart_data,
        styles,
        "Band widths for the Monthly charts (worked out)",
        "Row by row beside Monthly (the same row holds the same month): each chart stacks \
         these widths on its P5 to draw the bands.",
    )?;
    let widths = [("P25 − P5", 13.0), ("P75 − P25", 13.0), ("P95 − P75", 13.0)];
    table_header(&mut chart_data, styles, HEADER, &widths, 0..3, 0, last_row)?;

    for (b, block) in blocks.iter().enumerate() {
        let first = HEADER + 1 + block_rows * b as u32;
        let (measure, shown) = labels::label(block.level, block.metric);
        let format = styles.number(shown, false);
        for (t, month) in months.iter().enumerate() {
            let r = first + t as u32;
            sheet.write_string_with_format(r, 0, block.name, &styles.text)?;
            sheet.write_string_with_format(r, 1, block.id, &styles.code)?;
            sheet.write_string(r, 2, &measure)?;
            sheet.write_string(r, 3, month)?;
            let stat = block.series.get(t).copied().flatten();
            let values = stat.map(|s| [s.p5, s.p25, s.p50, s.p75, s.p95, s.mean]);
            for k in 0..6 {
                number(&mut sheet, r, 4 + k as u16, values.map(|v| v[k]), format)?;
            }
            let reference = block.reference.get(t).copied().flatten();
            number(&mut sheet, r, 10, reference, format)?;
            sheet.write_string_with_format(r, 11, block.metric, &styles.code)?;
            if let Some(s) = stat {
                let bands = [s.p25 - s.p5, s.p75 - s.p25, s.p95 - s.p75];
                for (k, width) in bands.into_iter().enumerate() {
                    chart_data.write_number(r, k as u16, width)?;
                }
            }
        }
        if n > 0 && block.charted {
            let chart = fan_chart(block, first, first + n - 1, months.len());
            sheet.insert_chart_with_offset(first, CHART_COLUMN, &chart, 4, 4)?;
        }
    }
    // Printed one page wide, so that each chart stays beside its months.
    page_setup(&mut sheet, HEADER, 4, 1)?;
    page_setup(&mut chart_data, HEADER, 0, 1)?;
    Ok((sheet, chart_data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_beyond_excels_rows_are_left_to_the_csv_whole_providers_at_a_time() {
        // 126 providers of 60 months fit; 10,000 do not.
        assert_eq!(provider_blocks_that_fit(252, 60), 252);
        let kept = provider_blocks_that_fit(20_000, 60);
        assert_eq!(kept % 2, 0, "a provider's two blocks together");
        let rows = u64::from(HEADER) + 1 + (kept as u64 + 1) * 60;
        assert!(rows <= super::super::MAX_ROWS, "{rows}");
        assert!(rows + 2 * 60 > super::super::MAX_ROWS, "as many as fit");
    }

    #[test]
    fn axes_are_labelled_in_millions_thousands_or_pounds() {
        assert!(axis_format(12e6).contains(",,\"m\""));
        assert!(axis_format(45_000.0).contains(",\"k\""));
        assert_eq!(axis_format(900.0), "\"£\"#,##0;-\"£\"#,##0");
        assert_eq!(chart_text("Hope!: income"), "Hopeǃ: income");
    }
}
