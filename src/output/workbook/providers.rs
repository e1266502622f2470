//! "Providers": the report's headline table, riskiest first (the order of
//! [`crate::report::ranked_providers`]): each provider's chance of distress with and
//! without PHBs, the risk PHBs add, its income change (median, P5, P95), its lowest
//! reserves against its reserve floor and the share of the income it loses to budgets
//! that comes back as budget spending; then the commissioner's double-running cost.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{
    Shown, Styles, cut_note, fitting, heading, number, page_setup, table_header, text_width,
};
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::format::thousands;
use crate::report::ProviderRow;
use crate::report::data::OutputData;

/// The "Providers" sheet; `ranked` are the providers riskiest first.
pub(super) fn sheet(
    data: &OutputData,
    ranked: &[ProviderRow<'_>],
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let run = data.base();
    let end = data.months.last().map_or("", String::as_str);
    let names = text_width(ranked.iter().map(|r| r.provider.name.as_str()), 16.0, 48.0);
    let ids = text_width(ranked.iter().map(|r| r.provider.id.as_str()), 8.0, 30.0);
    let columns = [
        ("Provider", names),
        ("Id", ids),
        ("Chance of distress with PHBs", 13.0),
        ("… without PHBs", 13.0),
        ("Risk added by PHBs, points (worked out)", 13.0),
        ("Income change against no PHBs: median", 14.0),
        ("… P5", 11.0),
        ("… P95", 11.0),
        ("Income over the horizon: median", 16.0),
        ("Income without PHBs: mean", 16.0),
        ("Lowest reserves: P5", 15.0),
        ("Lowest reserves: median", 15.0),
        ("Reserve floor", 14.0),
        ("Income lost to budgets: mean (worked out)", 15.0),
        ("… share of it that comes back as budget spending", 15.0),
    ];
    let header = 2;
    let all = ranked.len();
    let ranked = &ranked[..fitting(all, header)];
    let mut sheet = Worksheet::new();
    sheet.set_name("Providers")?;
    heading(
        &mut sheet,
        styles,
        &format!(
            "Providers by chance of distress by {end}, riskiest first, over {} simulated futures",
            thousands(data.manifest.iterations)
        ),
        &format!(
            "Distress: reserves below the reserve floor in any month up to the horizon. \
             Without PHBs: the same futures with no budgets offered. Lowest reserves, P5: in 1 \
             future in 20 reserves sink this low at some point.{}",
            cut_note(ranked.len(), all, "providers", "summary.csv")
        ),
    )?;
    let last = header + ranked.len() as u32;
    table_header(&mut sheet, styles, header, &columns, 2..15, 1, last)?;
    sheet.set_row_height(header, 60)?;
    let money = styles.number(Shown::Money, false);
    let chance = styles.number(Shown::Chance, false);
    let per_cent = styles.number(Shown::PerCent, true);
    for (i, row) in ranked.iter().enumerate() {
        let r = header + 1 + i as u32;
        let p = row.provider;
        let get = |metric| run.summary(Level::Provider, &p.id, metric);
        sheet.write_string_with_format(r, 0, &p.name, &styles.text)?;
        sheet.write_string_with_format(r, 1, &p.id, &styles.code)?;
        let distressed = get("distressed").map(|s| s.mean);
        let baseline = get("distressed_baseline").map(|s| s.mean);
        number(&mut sheet, r, 2, distressed, chance)?;
        number(&mut sheet, r, 3, baseline, chance)?;
        let added = distressed.zip(baseline).map(|(a, b)| a - b);
        number(&mut sheet, r, 4, added, styles.number(Shown::Chance, true))?;
        let change = row.income_change_pct;
        number(&mut sheet, r, 5, change.map(|s| s.p50), per_cent)?;
        number(&mut sheet, r, 6, change.map(|s| s.p5), per_cent)?;
        number(&mut sheet, r, 7, change.map(|s| s.p95), per_cent)?;
        number(&mut sheet, r, 8, get("income").map(|s| s.p50), money)?;
        number(
            &mut sheet,
            r,
            9,
            get("baseline_income").map(|s| s.mean),
            money,
        )?;
        number(&mut sheet, r, 10, row.min_reserves.map(|s| s.p5), money)?;
        number(&mut sheet, r, 11, row.min_reserves.map(|s| s.p50), money)?;
        number(&mut sheet, r, 12, Some(p.reserve_floor), money)?;
        let follows = row.money_follows;
        number(&mut sheet, r, 13, Some(follows.lost), money)?;
        match follows.share() {
            Some(share) => number(&mut sheet, r, 14, Some(share), chance)?,
            None => {
                sheet.write_string(r, 14, "no income lost")?;
            }
        }
    }
    let mut r = last + 2;
    if let Some(extra) = run.summary(Level::Commissioner, COMMISSIONER, "additional_vs_baseline") {
        let label = format!(
            "Commissioner's double-running cost over {} months (spend above no PHBs)",
            data.months.len()
        );
        sheet.write_string_with_format(r, 0, label, &styles.label)?;
        for (k, (what, value)) in [
            ("Mean", extra.mean),
            ("P5", extra.p5),
            ("Median", extra.p50),
            ("P95", extra.p95),
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_string_with_format(r + 1, 2 + k as u16, what, &styles.header_number)?;
            number(&mut sheet, r + 2, 2 + k as u16, Some(value), money)?;
        }
        r += 4;
    }
    sheet.write_string_with_format(
        r,
        0,
        "Income lost to budgets that comes back: of the contract and activity income a \
         provider loses as patients take budgets, the share holders spend with it again (near \
         100%: it keeps the money and only the payer changes; near 0%: the money leaves it).",
        &styles.note,
    )?;
    // The headline table prints on one page across, as the report's does.
    page_setup(&mut sheet, header, 1, 1)?;
    Ok(sheet)
}
