//! The first thing a meeting reads: three key figures and the provider table,
//! riskiest provider first.

use maud::{Markup, html};

use super::data::{OutputData, RunTables};
use super::heat_map::{ink, ramp};
use super::money_follows::MoneyFollows;
use super::month_count;
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::format::{money, percent, signed_percent, thousands};
use crate::scenario::{Provider, Service};
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
    /// How much of the income lost to budgets comes back as budget spending.
    pub money_follows: MoneyFollows,
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
            let phb_activity = |service: &Service| -> f64 {
                let entity = format!("{}/{}", provider.id, service.id);
                (run.series(Level::Service, &entity, "phb_activity").iter())
                    .flatten()
                    .map(|s| s.mean)
                    .sum()
            };
            ProviderRow {
                provider,
                distress: mean("distressed"),
                distress_baseline: mean("distressed_baseline"),
                income_change_pct: get("income_change_pct"),
                min_reserves: get("min_reserves"),
                money_follows: MoneyFollows::of(
                    provider,
                    mean("baseline_income"),
                    mean("income"),
                    phb_activity,
                ),
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

/// The "money follows the patient" cell: the share, with the two amounts.
fn money_follows_cell(follows: &MoneyFollows) -> Markup {
    html! {
        @match follows.share() {
            Some(share) if share > 1.0 => {
                "all of it, and more" br;
                span .id { (money(follows.budget_income)) " for " (money(follows.lost)) " lost" }
            }
            Some(share) => {
                (percent(share)) br;
                span .id { (money(follows.budget_income)) " of " (money(follows.lost)) }
            }
            None => { "no income lost" }
        }
    }
}

/// The smallest chance that is material: the smallest that prints as more than
/// `0.0%` at one decimal. Below it the key figure is not drawn as a warning.
pub(super) const MATERIAL_RISK: f64 = 0.0005;

/// A table cell coloured by probability, dark text on light and light on dark.
pub(super) fn risk_cell(p: f64) -> Markup {
    html! {
        td .risk style=(format!("background:{};color:{}", ramp(p), ink(p))) { (percent(p)) }
    }
}

/// A month that never breaks across lines (a header wrapping at its hyphen reads as
/// two numbers).
pub(super) fn month(label: &str) -> Markup {
    html! { span .month { (label) } }
}

/// Three figures a meeting takes away: the riskiest provider's chance of distress, the
/// commissioner's double-running cost, and how many people hold a budget at the end.
fn key_figures(data: &OutputData, rows: &[ProviderRow<'_>]) -> Markup {
    let run = data.base();
    let end = data.months.last().map_or("", String::as_str);
    let extra = run.summary(Level::Commissioner, COMMISSIONER, "additional_vs_baseline");
    // Means add up: the mean of the total of holders is the total of the means.
    let holders: f64 = data
        .scenario
        .cohorts
        .iter()
        .filter_map(|c| {
            run.series(Level::Cohort, &c.id, "holders")
                .last()
                .copied()
                .flatten()
        })
        .map(|s| s.mean)
        .sum();
    let offered: u64 = data.scenario.cohorts.iter().map(|c| c.size).sum();
    html! {
        div .figures {
            @if let Some(row) = rows.first() {
                div .figure-box .alert[row.distress >= MATERIAL_RISK] {
                    span .big { (percent(row.distress)) }
                    span .what {
                        "chance that " strong { (row.provider.name) } " is in distress by " (month(end))
                        " with PHBs, against " (percent(row.distress_baseline)) " without"
                    }
                }
            }
            @if let Some(extra) = extra {
                div .figure-box .cost {
                    span .big { (money(extra.mean)) }
                    span .what {
                        "double-running cost to the commissioner over " (month_count(data.months.len()))
                        ", on average (90% of futures: " (money(extra.p5)) " to " (money(extra.p95)) ")"
                    }
                }
            }
            div .figure-box {
                span .big { (thousands(holders.round() as u64)) }
                span .what {
                    "people holding a budget in " (end) ", on average, of "
                    (thousands(offered)) " in the cohorts offered one"
                }
            }
        }
    }
}

/// The headline section: key figures, then every provider in a table.
pub fn headline(data: &OutputData) -> Markup {
    let run = data.base();
    let rows = ranked_providers(data, run);
    let end = data.months.last().map_or("", String::as_str);
    html! {
        section #headline {
            h2 { "Headlines" }
            (key_figures(data, &rows))
            table .providers {
                caption {
                    "Providers by chance of distress by " (month(end)) ", riskiest first, over "
                    (thousands(data.manifest.iterations)) " simulated futures"
                }
                thead {
                    tr {
                        th scope="col" { "Provider" }
                        th scope="col" { "Chance of distress by " (month(end)) ", with PHBs" }
                        th scope="col" { "… without PHBs" }
                        th scope="col" { "Risk added by PHBs" }
                        th scope="col" { "Income change over the horizon: median (P5 to P95)" }
                        th scope="col" { "Lowest reserves, P5 (reserve floor)" }
                        th scope="col" { "Income lost to budgets that comes back as budget spending" }
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
                                    Some(c) => { (signed_percent(c.p50)) " (" (signed_percent(c.p5)) " to " (signed_percent(c.p95)) ")" }
                                    None => { "no baseline income" }
                                }
                            }
                            td {
                                @if let Some(r) = &row.min_reserves { (money(r.p5)) " " }
                                span .floor { "(floor " (money(row.provider.reserve_floor)) ")" }
                            }
                            td { (money_follows_cell(&row.money_follows)) }
                        }
                    }
                }
            }
            p .note {
                "Distress: the provider's reserves fall below its reserve floor in any month up to " (end)
                ". Without PHBs: the same futures with no budgets offered. Lowest reserves, P5: in 1 future in 20 the provider's reserves sink this low at some point."
                " Money that comes back: of the contract and activity income a provider loses as patients take budgets, the share holders spend with it again (near 100%: it keeps the money and only the payer changes; near 0%: the money leaves it)."
            }
        }
    }
}
