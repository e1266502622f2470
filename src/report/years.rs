//! "By financial year": one row per financial year (`years.csv`), as finance teams
//! plan: for each provider its income, margin, transition costs and chance of a deficit
//! year; for the commissioner its spend, the double running and the spend over its
//! envelope. Money is in cash, each year at its own prices. Left out for a directory
//! written before `years.csv` existed.

use maud::{Markup, html};

use super::data::{OutputData, YearTables};
use super::month_count;
use super::summary::{month, ranked_providers, risk_cell};
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::format::{money, thousands};
use crate::scenario::FinancialYear;
use crate::stats::Summary;

/// The statistic of `entity`'s `metric` in year `y`, if defined.
fn cell(
    tables: &YearTables,
    level: Level,
    entity: &str,
    metric: &str,
    y: usize,
) -> Option<Summary> {
    tables
        .metric(level, entity, metric)
        .get(y)
        .copied()
        .flatten()
}

/// A median with its 90% range beneath: `£1.2m (£1.0m to £1.4m)`.
fn median_range(stat: Option<Summary>) -> Markup {
    html! {
        td {
            @match stat {
                Some(s) => {
                    (money(s.p50)) br;
                    span .range { "(" (money(s.p5)) " to " (money(s.p95)) ")" }
                }
                None => { "not defined" }
            }
        }
    }
}

/// A mean alone.
fn mean(stat: Option<Summary>) -> Markup {
    html! {
        td {
            @match stat {
                Some(s) => { (money(s.mean)) }
                None => { "not defined" }
            }
        }
    }
}

/// A year's row header: its label, and how many of its months are simulated when
/// that is fewer than twelve (the first and last years may be partial).
fn year_header(year: &FinancialYear) -> Markup {
    html! {
        th scope="row" {
            (month(&year.label))
            @if year.months < 12 {
                br;
                span .id { "(" (month_count(year.months)) ")" }
            }
        }
    }
}

/// One provider's table: a row per financial year.
fn provider_table(tables: &YearTables, id: &str, futures: &str) -> Markup {
    let get = |metric: &str, y: usize| cell(tables, Level::Provider, id, metric, y);
    html! {
        table .years {
            caption { "Each financial year, in cash, over " (futures) }
            thead {
                tr {
                    th scope="col" { "Financial year" }
                    th scope="col" { "Income: median (P5 to P95)" }
                    th scope="col" { "Margin: median (P5 to P95)" }
                    th scope="col" { "Transition costs: mean" }
                    th scope="col" { "Chance of a deficit year" }
                }
            }
            tbody {
                @for (y, year) in tables.years.iter().enumerate() {
                    tr {
                        (year_header(year))
                        (median_range(get("income", y)))
                        (median_range(get("margin", y)))
                        // A one-off cost lands in some futures only: its median is
                        // often 0 when its expected cost is not.
                        (mean(get("transition_costs", y)))
                        @match get("deficit", y) {
                            Some(s) => { (risk_cell(s.mean)) }
                            None => { td { "not defined" } }
                        }
                    }
                }
            }
        }
    }
}

/// The commissioner's table: a row per financial year; the envelope's column only
/// when the scenario sets one (without, nothing is ever over it).
fn commissioner_table(tables: &YearTables, envelope: bool, futures: &str) -> Markup {
    let get = |metric: &str, y: usize| cell(tables, Level::Commissioner, COMMISSIONER, metric, y);
    html! {
        table .years {
            caption { "Each financial year, in cash, over " (futures) }
            thead {
                tr {
                    th scope="col" { "Financial year" }
                    th scope="col" { "Spend: median (P5 to P95)" }
                    th scope="col" { "Additional spend against no PHBs (double running): median (P5 to P95)" }
                    @if envelope {
                        th scope="col" { "Spend over the envelope: median (P5 to P95)" }
                    }
                }
            }
            tbody {
                @for (y, year) in tables.years.iter().enumerate() {
                    tr {
                        (year_header(year))
                        (median_range(get("spend", y)))
                        (median_range(get("additional_vs_baseline", y)))
                        @if envelope {
                            (median_range(get("over_envelope", y)))
                        }
                    }
                }
            }
        }
    }
}

/// The section, for the base; nothing when the directory has no `years.csv`.
pub fn section(data: &OutputData) -> Markup {
    let Some(tables) = &data.base().years else {
        return html! {};
    };
    let futures = format!("{} simulated futures", thousands(data.manifest.iterations));
    let envelope = data.scenario.envelope.is_some();
    html! {
        section #years {
            h2 { "By financial year" }
            p .note {
                "Figures are in cash: each financial year at its own prices, with the scenario's yearly price and cost changes applied. "
                "A year at either end of the horizon may be partial: its figures count only its simulated months. "
                "Each year is summarised over the futures on its own, so the medians of the years need not add up to the median over the horizon. "
                "A deficit year: the year's margin is below the provider's minimum margin times its income that year."
            }
            @for row in ranked_providers(data, data.base()) {
                @let p = row.provider;
                h3 { (p.name) " " span .id { "(" (p.id) ")" } }
                (provider_table(tables, &p.id, &futures))
            }
            h3 { "Commissioner" }
            (commissioner_table(tables, envelope, &futures))
            @if !envelope {
                p .note { "The scenario sets no spending envelope, so no spend is over one." }
            }
        }
    }
}
