//! The first thing a meeting reads: a few sentences of findings and the provider table,
//! riskiest provider first.

use maud::{Markup, html};

use super::data::{OutputData, RunTables};
use super::heat_map::ramp;
use super::{percent, thousands};
use crate::engine::Level;
use crate::output::terminal::money;
use crate::scenario::Provider;
use crate::stats::Summary;

/// One provider's line of the headline table.
#[derive(Debug, Clone)]
pub struct ProviderRow<'a> {
    pub provider: &'a Provider,
    /// Mean of `distressed`: the chance of distress by the horizon with PHBs.
    pub distress: f64,
    /// The same without PHBs.
    pub distress_baseline: f64,
    pub income_change_pct: Option<Summary>,
    pub min_reserves: Option<Summary>,
}

/// The providers of `run`, by chance of distress (highest first), then by the risk PHBs
/// add, then in file order.
pub fn ranked_providers<'a>(data: &'a OutputData, run: &RunTables) -> Vec<ProviderRow<'a>> {
    let mut rows: Vec<ProviderRow<'a>> = data
        .scenario
        .providers
        .iter()
        .map(|provider| {
            let get = |metric| run.summary(Level::Provider, &provider.id, metric).copied();
            let mean = |metric| get(metric).map_or(0.0, |s| s.mean);
            ProviderRow {
                provider,
                distress: mean("distressed"),
                distress_baseline: mean("distressed_baseline"),
                income_change_pct: get("income_change_pct"),
                min_reserves: get("min_reserves"),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.distress
            .total_cmp(&a.distress)
            .then((b.distress - b.distress_baseline).total_cmp(&(a.distress - a.distress_baseline)))
    });
    rows
}

/// A signed change in percentage points: `+12.3 pts`.
fn points(change: f64) -> String {
    let value = change * 100.0;
    if value.abs() < 0.05 {
        "no change".to_string()
    } else {
        format!("{value:+.1} pts")
    }
}

/// A signed percentage: `-4.2%`.
fn signed_pct(value: f64) -> String {
    format!("{value:+.1}%")
}

/// A table cell coloured by probability, dark text on light and light on dark.
fn risk_cell(p: f64) -> Markup {
    let text = if p > 0.45 { "#fff" } else { "#222" };
    html! {
        td .risk style=(format!("background:{};color:{text}", ramp(p))) { (percent(p)) }
    }
}

/// The sentence on the provider most at risk, and the commissioner's extra cost.
fn findings(data: &OutputData, rows: &[ProviderRow<'_>]) -> Markup {
    let run = data.base();
    let end = data.months.last().map_or("", String::as_str);
    let extra = run.summary(
        Level::Commissioner,
        "commissioner",
        "additional_vs_baseline",
    );
    let peak = run.summary(Level::Commissioner, "commissioner", "peak_additional");
    html! {
        ul .findings {
            @for row in rows.iter().take(3) {
                li {
                    strong { (row.provider.name) }
                    ": " (percent(row.distress)) " chance of distress (reserves below their floor) by " (end)
                    " with PHBs, against " (percent(row.distress_baseline)) " without ("
                    (points(row.distress - row.distress_baseline)) ")"
                    @if let Some(change) = &row.income_change_pct {
                        "; income over the horizon " (signed_pct(change.p50)) " (median)"
                    }
                    "."
                }
            }
            @if let Some(extra) = extra {
                li {
                    strong { "Commissioner" }
                    ": double running costs " (money(extra.mean)) " over the horizon on average (90% of futures between "
                    (money(extra.p5)) " and " (money(extra.p95)) ")"
                    @if let Some(peak) = peak {
                        ", at most " (money(peak.mean)) " in one month on average"
                    }
                    "."
                }
            }
        }
    }
}

/// The headline section: findings, then every provider in a table.
pub fn headline(data: &OutputData) -> Markup {
    let run = data.base();
    let rows = ranked_providers(data, run);
    let end = data.months.last().map_or("", String::as_str);
    html! {
        section #headline {
            h2 { "Headlines" }
            (findings(data, &rows))
            table .providers {
                caption {
                    "Providers by chance of distress by " (end) ", riskiest first, over "
                    (thousands(data.manifest.iterations)) " simulated futures"
                }
                thead {
                    tr {
                        th scope="col" { "Provider" }
                        th scope="col" { "P(distress) with PHBs" }
                        th scope="col" { "P(distress) without PHBs" }
                        th scope="col" { "Risk added by PHBs" }
                        th scope="col" { "Income change over the horizon: median (P5 to P95)" }
                        th scope="col" { "Lowest reserves, P5 (reserve floor)" }
                    }
                }
                tbody {
                    @for row in &rows {
                        tr {
                            th scope="row" { (row.provider.name) br; span .id { (row.provider.id) } }
                            (risk_cell(row.distress))
                            (risk_cell(row.distress_baseline))
                            td { (points(row.distress - row.distress_baseline)) }
                            td {
                                @match &row.income_change_pct {
                                    Some(c) => { (signed_pct(c.p50)) " (" (signed_pct(c.p5)) " to " (signed_pct(c.p95)) ")" }
                                    None => { "no baseline income" }
                                }
                            }
                            td {
                                @if let Some(r) = &row.min_reserves { (money(r.p5)) " " }
                                span .floor { "(" (money(row.provider.reserve_floor)) ")" }
                            }
                        }
                    }
                }
            }
            p .note {
                "Distress: the provider's reserves fall below its reserve floor in any month up to " (end)
                ". Without PHBs: the same futures with no budgets offered. Lowest reserves, P5: in 1 future in 20 the provider's reserves sink this low at some point."
            }
        }
    }
}
