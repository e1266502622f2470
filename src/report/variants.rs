//! "Variants against the base": what each variant changes, a side-by-side table of
//! every variant and provider (chance of distress, median income, the paired
//! difference in income from `compare.csv`, the commissioner's paired change in
//! additional spend), and the medians of base and variants overlaid per provider and
//! for the commissioner. Nothing at all without variants.

use maud::{Markup, html};

use super::charts::{Layer, LineChart, Stroke, colour, line_chart};
use super::data::{Compared, OutputData, RunTables};
use super::summary::{month, ranked_providers, risk_cell};
use super::svg::Units;
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::format::{money, percent, signed_money, thousands};

/// Colours of the variants' lines, in turn (Okabe–Ito; the base is black).
const COLOURS: [&str; 6] = [
    colour::BLUE,
    colour::VERMILLION,
    colour::GREEN,
    colour::PURPLE,
    colour::ORANGE,
    colour::SKY_BLUE,
];
/// Dash patterns of the variants' lines, in turn, so lines differ without colour too
/// (the base is solid).
const STROKES: [Stroke; 4] = [
    Stroke::Dashed,
    Stroke::Dotted,
    Stroke::DashDot,
    Stroke::LongDash,
];

/// The colour and dash of variant `v` (0 for the first variant).
fn style(v: usize) -> (&'static str, Stroke) {
    (COLOURS[v % COLOURS.len()], STROKES[v % STROKES.len()])
}

/// A paired difference: `mean (P5 to P95)`, or "none" when it is zero in every future.
fn paired(difference: &Option<crate::stats::Summary>) -> Markup {
    html! {
        @match difference {
            Some(d) if d.mean == 0.0 && d.sd == 0.0 => { "none in any future" }
            Some(d) => {
                (signed_money(d.mean)) br;
                span .range { "(" (signed_money(d.p5)) " to " (signed_money(d.p95)) ")" }
            }
            None => { "not defined" }
        }
    }
}

/// The chance in a `compare.csv` row, or a dash.
fn chance(row: Option<&Compared>) -> Markup {
    html! {
        @match row {
            Some(c) => { (percent(c.p_worse)) }
            None => { "–" }
        }
    }
}

/// What a variant changes: its description, else the values it sets.
fn changes(data: &OutputData) -> Markup {
    html! {
        dl .variant-list {
            @for (v, variant) in data.variants.iter().enumerate() {
                @let (colour, _) = style(v);
                dt { span .swatch style=(format!("background:{colour}")) {} (variant.name) }
                dd {
                    @if let Some(description) = &variant.description {
                        (description)
                    } @else {
                        "Sets "
                        @for (i, (path, value)) in variant.changes.iter().enumerate() {
                            @if i > 0 { "; " }
                            code { (path) " = " (value) }
                        }
                        "."
                    }
                }
            }
        }
    }
}

/// One row per variant and provider, variants in file order, providers riskiest first
/// (as in the headline table); the commissioner's change once per variant.
fn table(data: &OutputData) -> Markup {
    let base = data.base();
    let rows = ranked_providers(data, base);
    let end = data.months.last().map_or("", String::as_str);
    let distress = |run: &RunTables, id: &str| {
        run.summary(Level::Provider, id, "distressed")
            .map_or(0.0, |s| s.mean)
    };
    let median_income =
        |run: &RunTables, id: &str| run.summary(Level::Provider, id, "income").map(|s| s.p50);
    html! {
        table .variants {
            caption {
                "Each variant against the base, " (data.scenario.name) ", over "
                (thousands(data.manifest.iterations)) " simulated futures"
            }
            thead {
                tr {
                    th scope="col" { "Variant" }
                    th scope="col" { "Provider" }
                    th scope="col" { "Chance of distress by " (month(end)) ": base" }
                    th scope="col" { "… with the variant" }
                    th scope="col" { "Median income over the horizon: change (base → variant)" }
                    th scope="col" { "Income, paired difference: mean (P5 to P95)" }
                    th scope="col" { "Chance the variant brings less income" }
                    th scope="col" { "Commissioner's additional spend, paired difference: mean (P5 to P95)" }
                }
            }
            @for (variant, run) in data.variants.iter().zip(&data.runs[1..]) {
                @let extra = data.compared(&variant.name, Level::Commissioner, COMMISSIONER, "additional_vs_baseline");
                tbody {
                    @for (i, row) in rows.iter().enumerate() {
                        @let id = &row.provider.id;
                        @let income = data.compared(&variant.name, Level::Provider, id, "income");
                        tr {
                            @if i == 0 {
                                th scope="rowgroup" rowspan=(rows.len()) .variant { (variant.name) }
                            }
                            th scope="row" { (row.provider.name) br; span .id { (id) } }
                            (risk_cell(distress(base, id)))
                            (risk_cell(distress(run, id)))
                            td {
                                @match (median_income(base, id), median_income(run, id)) {
                                    (Some(b), Some(v)) => {
                                        (signed_money(v - b)) br;
                                        span .range { "(" (money(b)) " → " (money(v)) ")" }
                                    }
                                    _ => { "not defined" }
                                }
                            }
                            td { (paired(&income.and_then(|c| c.difference))) }
                            td { (chance(income)) }
                            @if i == 0 {
                                td rowspan=(rows.len()) .commissioner {
                                    (paired(&extra.and_then(|c| c.difference)))
                                    @if let Some(c) = extra {
                                        br; span .range { "costs more in " (percent(c.p_worse)) " of futures" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A chart of one series' monthly median for the base (solid black) and every variant,
/// on the base's months.
fn overlay(data: &OutputData, level: Level, entity: &str, metric: &str) -> Vec<Layer> {
    let median = |run: &RunTables| -> Vec<Option<f64>> {
        run.series_on(&data.months, level, entity, metric)
            .iter()
            .map(|s| s.map(|s| s.p50))
            .collect()
    };
    let mut layers = vec![Layer::Line {
        values: median(data.base()),
        colour: colour::BLACK,
        stroke: Stroke::Solid,
        label: "base".to_string(),
    }];
    for (v, run) in data.runs[1..].iter().enumerate() {
        let (colour, stroke) = style(v);
        layers.push(Layer::Line {
            values: median(run),
            colour,
            stroke,
            label: run.name.clone(),
        });
    }
    layers
}

fn figure(chart: Markup, caption: &str) -> Markup {
    html! {
        figure .chart {
            (chart)
            figcaption { (caption) }
        }
    }
}

/// Per provider (riskiest first) the median monthly income, and the commissioner's
/// median additional spend, of the base and every variant.
fn charts(data: &OutputData) -> Markup {
    let (first, last) = (
        data.months.first().map_or("", String::as_str),
        data.months.last().map_or("", String::as_str),
    );
    let names = data
        .variants
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    // A variant with its own start or length is drawn where its months meet the base's.
    let other_months = data.runs[1..].iter().any(|r| r.months != data.months);
    let horizon_note = if other_months {
        " A variant's months outside the base's horizon are not drawn."
    } else {
        ""
    };
    let mut figures = Vec::new();
    for (i, row) in ranked_providers(data, data.base()).iter().enumerate() {
        let p = row.provider;
        let chart = line_chart(&LineChart {
            id: format!("variant-income-{i}"),
            title: format!("{}: median income each month, base and variants", p.id),
            description: format!(
                "Line chart of the median monthly income of {} from {first} to {last}, for the base as a solid black line and for each variant ({names}) as a coloured dashed or dotted line.",
                p.name
            ),
            months: &data.months,
            y_title: "£ a month, cash".to_string(),
            units: Units::Money,
            layers: overlay(data, Level::Provider, &p.id, "income"),
        });
        figures.push(figure(
            chart,
            &format!(
                "The median of the futures each month: where a variant's line sits below the black base line, that variant takes income from the provider (the axis does not start at zero).{horizon_note}"
            ),
        ));
    }
    let chart = line_chart(&LineChart {
        id: "variant-extra".to_string(),
        title: "Commissioner: median additional spend each month, base and variants".to_string(),
        description: format!(
            "Line chart of the commissioner's median monthly spend above its spend without PHBs, from {first} to {last}, for the base as a solid black line and for each variant ({names}) as a coloured dashed or dotted line."
        ),
        months: &data.months,
        y_title: "£ a month, cash".to_string(),
        units: Units::Money,
        layers: overlay(
            data,
            Level::Commissioner,
            COMMISSIONER,
            "additional_vs_baseline",
        ),
    });
    figures.push(figure(
        chart,
        &format!(
            "The double-running cost each month (spend with PHBs less spend without), median of the futures: a variant's line above the black base line costs the commissioner more that month.{horizon_note}"
        ),
    ));
    html! {
        div .grid { @for f in figures { (f) } }
    }
}

/// The section, or nothing when the scenario has no variants.
pub fn section(data: &OutputData) -> Markup {
    if data.variants.is_empty() {
        return html! {};
    }
    html! {
        section #variants {
            h2 { "Variants against the base" }
            p .lead {
                "Each variant is run on the same simulated futures as the base, so the differences are the effect of the change, not chance."
            }
            (changes(data))
            (table(data))
            p .note {
                "Paired difference: in each simulated future, the variant's figure less the base's; "
                "the mean over the futures, and the range holding the middle 90% of them (P5 to P95). "
                "The change in median income compares the two medians instead. Income and additional spend are totals over the horizon."
            }
            (charts(data))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_differ_in_colour_and_dash() {
        // Colours and dashes cycle together, so 12 variants differ before any repeats.
        for v in 0..12 {
            for w in 0..v {
                assert_ne!(style(v), style(w), "variants {w} and {v} look alike");
            }
            assert_ne!(style(v).0, colour::BLACK, "black is the base's");
            assert_ne!(style(v).1, Stroke::Solid, "solid is the base's");
        }
    }
}
