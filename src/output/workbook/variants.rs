//! "Variants": `compare.csv` as a table, each variant against the base for each
//! provider (riskiest first) and the commissioner: the paired difference (variant −
//! base, future by future) as its mean and percentiles, and the chance that the
//! variant is worse for whoever bears it.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::labels;
use super::style::{
    Shown, Styles, cut_note, fitting, heading, number, page_setup, table_header, text_width,
};
use crate::engine::Level;
use crate::engine::layout::{COMMISSIONER, CommissionerSummary, ProviderSummary};
use crate::report::ProviderRow;
use crate::report::data::OutputData;

/// The "Variants" sheet of a run with variants.
pub(super) fn sheet(
    data: &OutputData,
    ranked: &[ProviderRow<'_>],
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let mut entities: Vec<(Level, &str, &str, Vec<&'static str>)> = ranked
        .iter()
        .map(|row| {
            let p = row.provider;
            let metrics = ProviderSummary::ALL.iter().map(|m| m.as_str()).collect();
            (Level::Provider, p.name.as_str(), p.id.as_str(), metrics)
        })
        .collect();
    entities.push((
        Level::Commissioner,
        "Commissioner",
        COMMISSIONER,
        CommissionerSummary::ALL
            .iter()
            .map(|m| m.as_str())
            .collect(),
    ));
    let mut rows = Vec::new();
    for variant in &data.variants {
        for (level, name, id, metrics) in &entities {
            for metric in metrics {
                if let Some(compared) = data.compared(&variant.name, *level, id, metric) {
                    rows.push((variant.name.as_str(), *level, *name, *id, *metric, compared));
                }
            }
        }
    }

    let columns = [
        ("Variant", text_width(rows.iter().map(|r| r.0), 14.0, 48.0)),
        (
            "Organisation",
            text_width(rows.iter().map(|r| r.2), 14.0, 48.0),
        ),
        ("Id", text_width(rows.iter().map(|r| r.3), 8.0, 30.0)),
        ("Measure over the horizon", 44.0),
        ("Difference, variant − base: mean", 15.0),
        ("P5", 13.0),
        ("P25", 13.0),
        ("Median", 13.0),
        ("P75", 13.0),
        ("P95", 13.0),
        ("Chance the variant is worse", 13.0),
        ("In compare.csv", 20.0),
    ];
    let header = 2;
    let all = rows.len();
    rows.truncate(fitting(all, header));
    let mut sheet = Worksheet::new();
    sheet.set_name("Variants")?;
    heading(
        &mut sheet,
        styles,
        "Each variant against the base, paired future by future",
        &format!(
            "Both run the same futures (common random numbers), so a difference is the \
             effect of the variant alone. Worse: less income, margin or reserves, more \
             distress or spend. For a chance of distress the mean difference is the change in \
             the chance.{}",
            cut_note(rows.len(), all, "rows", "compare.csv")
        ),
    )?;
    let last = header + rows.len() as u32;
    table_header(&mut sheet, styles, header, &columns, 4..11, 1, last)?;
    sheet.set_row_height(header, 45)?;
    let chance = styles.number(Shown::Chance, false);
    for (i, (variant, level, name, id, metric, compared)) in rows.iter().enumerate() {
        let r = header + 1 + i as u32;
        let (label, shown) = labels::label(*level, metric);
        let format = styles.number(shown, true);
        sheet.write_string_with_format(r, 0, *variant, &styles.text)?;
        sheet.write_string(r, 1, *name)?;
        sheet.write_string_with_format(r, 2, *id, &styles.code)?;
        sheet.write_string(r, 3, &label)?;
        let d = compared.difference;
        let values = d.map(|s| [s.mean, s.p5, s.p25, s.p50, s.p75, s.p95]);
        for k in 0..6 {
            number(&mut sheet, r, 4 + k as u16, values.map(|v| v[k]), format)?;
        }
        number(&mut sheet, r, 10, Some(compared.p_worse), chance)?;
        sheet.write_string_with_format(r, 11, *metric, &styles.code)?;
    }
    // One page across, as the report's variant table.
    page_setup(&mut sheet, header, 2, 1)?;
    Ok(sheet)
}
