//! `report.html`: the review-meeting report, one self-contained file (issue 5).
//!
//! [`build`] turns an output directory's parsed contents ([`data::OutputData`]) into
//! the page; it is pure and deterministic, so `phbsim run` and `phbsim report` give
//! the same bytes from the same files. The page needs nothing from anywhere: CSS and
//! SVG charts are inline, there are no scripts and no fonts to fetch, and a print
//! stylesheet lays it out on A4 (summary on the first page).
//!
//! - `data`: the output directory read back into typed tables (`parse`: from text);
//! - `summary`: the key figures and the provider table;
//! - `sections`: the chart sections (providers, deficits, services, cohorts,
//!   commissioner);
//! - `years`: by financial year, a table per provider and one for the commissioner
//!   (left out for a directory without `years.csv`);
//! - `variants`: with variants, each against the base (a side-by-side table and
//!   overlaid medians); nothing without;
//! - `charts`: fan and line charts, `heat_map`: the heat map, as SVG;
//! - `svg`: scales, ticks and path data;
//! - `live`: the sections `phbsim serve` redraws after each what-if;
//! - `tornado`: the page `phbsim sensitivity` writes (tornado charts per provider),
//!   sharing this page's shell, stylesheet, chart frame and scales.
//!
//! [`data::OutputData::runs`] holds one set of tables per value of the `scenario`
//! column, the base first. Every section but `variants` draws the base's tables only.

pub mod calibration;
mod charts;
pub mod data;
mod heat_map;
pub mod live;
pub mod money_follows;
mod parse;
mod sections;
mod summary;
mod svg;
mod tornado;
mod variants;
mod years;

#[cfg(test)]
mod tests;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use data::OutputData;

use crate::format::thousands;
pub use parse::parse_outputs;
pub use summary::{ProviderRow, ranked_providers};
pub use tornado::build as build_sensitivity;

const STYLE: &str = include_str!("style.css");

/// The first and last month of the horizon and its length: `2027-04 to 2030-03 (36 months)`.
fn horizon(data: &OutputData) -> String {
    let (first, last) = (
        data.months.first().map_or("", String::as_str),
        data.months.last().map_or("", String::as_str),
    );
    format!("{first} to {last} ({})", month_count(data.months.len()))
}

/// `1 month`, `36 months`.
fn month_count(n: usize) -> String {
    if n == 1 {
        "1 month".to_string()
    } else {
        format!("{n} months")
    }
}

/// The run's identity: what was run, with what, by which version.
fn header(data: &OutputData) -> Markup {
    let m = &data.manifest;
    let overridden = |yes: bool| {
        if yes {
            " (set on the command line)"
        } else {
            ""
        }
    };
    html! {
        header #run {
            p .kicker { "Personal health budgets: provider viability report" }
            h1 { (data.scenario.name) }
            @if let Some(description) = &data.scenario.description {
                p .lead { (description) }
            }
            dl .meta {
                dt { "Horizon" } dd { (horizon(data)) }
                dt { "Seed" } dd { (m.seed) (overridden(m.seed_overridden)) }
                dt { "Iterations" }
                dd {
                    (thousands(m.iterations)) " simulated futures" (overridden(m.iterations_overridden))
                    @if !m.exact_percentiles { "; percentiles approximate (SPEC section 6)" }
                }
                dt { "phbsim version" } dd { (m.phbsim_version) }
                dt { "Scenario SHA-256" } dd .sha { (m.scenario_sha256) }
                dt { "Scenario file" } dd { (m.scenario_file) }
                dt { "Run finished" } dd { (m.finished) }
                @if !data.variants.is_empty() {
                    dt { "Variants" }
                    dd .variants-meta {
                        @for (i, v) in data.variants.iter().enumerate() {
                            @if i > 0 { "; " }
                            (v.name)
                        }
                        " (against the base below)"
                    }
                }
            }
        }
    }
}

/// The files the page's numbers come from: `months.csv, summary.csv and years.csv`.
fn sources(data: &OutputData) -> String {
    let mut files = vec!["months.csv", "summary.csv"];
    if data.base().years.is_some() {
        files.push("years.csv");
    }
    if !data.variants.is_empty() {
        files.push("compare.csv");
    }
    let (last, rest) = files.split_last().expect("two files at least");
    format!("{} and {last}", rest.join(", "))
}

/// How to read the charts and tables: right after the headlines, before the first
/// chart, so a reader meets it before needing it.
fn how_to_read(data: &OutputData) -> Markup {
    html! {
        section #notes {
            h2 { "How to read this report" }
            ul {
                li { "Each chart summarises " (thousands(data.manifest.iterations))
                    " simulated futures of the same scenario. Light bands hold the middle 90% of them (5th to 95th percentile), darker bands the middle 50%; the solid line is the median." }
                li { "“Without PHBs” is the same futures with no budgets offered: the same prices, costs and activity, so the difference is what budgets do." }
                li { "Money is in cash: each month at the prices of its financial year, with the scenario's yearly price and cost changes applied." }
                li { "The dashed line on a provider's income chart is its average monthly income without PHBs over the futures and the horizon: the horizon's baseline income (summary.csv) divided by the number of months." }
                @if !data.variants.is_empty() {
                    li { "Every chart and table shows the base (the scenario as run) except in “Variants against the base”, which sets each variant beside it." }
                }
                li { "Every number comes from " (sources(data)) " in this folder; rebuild this page with " code { "phbsim report DIR" } "." }
            }
        }
    }
}

fn footer(data: &OutputData) -> Markup {
    html! {
        footer {
            p .generated { "phbsim " (data.manifest.phbsim_version) ", scenario SHA-256 " span .sha { (data.manifest.scenario_sha256) } }
        }
    }
}

/// A self-contained page: the report's stylesheet inline (then `extra_style`, if any),
/// `title` in the tab, `body`. Shared by the run report and the sensitivity report.
fn page(title: &str, extra_style: Option<&str>, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                @if let Some(extra) = extra_style {
                    style { (PreEscaped(extra)) }
                }
            }
            body { (body) }
        }
    };
    page.into_string()
}

/// The report page of an output directory, as HTML text.
pub fn build(data: &OutputData) -> String {
    page(
        &format!("phbsim report: {}", data.scenario.name),
        None,
        html! {
            (header(data))
            (summary::headline(data))
            (how_to_read(data))
            (variants::section(data))
            (sections::provider_charts(data))
            (sections::deficit_heat_map(data))
            (years::section(data))
            (sections::service_activity(data))
            (sections::cohort_uptake(data))
            (sections::commissioner(data))
            (footer(data))
        },
    )
}
