//! The chart sections of the report, in the order a meeting needs them: each provider's
//! income and reserves, when deficits are likely, each service's activity, who takes a
//! budget, and what the commissioner pays.

use maud::{Markup, html};

use super::charts::{Layer, LineChart, Stroke, band, colour, fan, line_chart, median, reference};
use super::data::OutputData;
use super::heat_map::{HeatMap, heat_map};
use super::month_count;
use super::summary::{ProviderRow, ranked_providers};
use super::svg::Units;
use crate::engine::Level;
use crate::engine::layout::COMMISSIONER;
use crate::format::{money, percent, thousands};

/// A chart in a `<figure>` with its how-to-read caption.
pub(super) fn figure(chart: Markup, caption: &str) -> Markup {
    html! {
        figure .chart {
            (chart)
            figcaption { (caption) }
        }
    }
}

fn futures(data: &OutputData) -> String {
    format!("{} simulated futures", thousands(data.manifest.iterations))
}

fn first(data: &OutputData) -> &str {
    data.months.first().map_or("", String::as_str)
}

fn last(data: &OutputData) -> &str {
    data.months.last().map_or("", String::as_str)
}

/// One provider's two charts: income against its baseline, reserves against the floor.
fn provider_figures(data: &OutputData, i: usize, row: &ProviderRow<'_>) -> Markup {
    let run = data.base();
    let p = row.provider;
    let n = data.months.len();
    let mut income = fan(
        run.series(Level::Provider, &p.id, "income"),
        colour::BLUE,
        "income",
    );
    // The monthly baseline is not among the outputs; its average month over the
    // horizon is (a step each financial year where prices change).
    if let Some(total) = run.summary(Level::Provider, &p.id, "baseline_income") {
        let monthly = total.mean / n.max(1) as f64;
        let label = format!("without PHBs, average month ({})", money(monthly));
        income.push(reference(monthly, n, colour::BLACK, label));
    }
    let mut reserves = fan(
        run.series(Level::Provider, &p.id, "reserves"),
        colour::BLUE,
        "reserves",
    );
    let floor = format!("reserve floor ({})", money(p.reserve_floor));
    reserves.push(reference(p.reserve_floor, n, colour::VERMILLION, floor));
    let income_chart = line_chart(&LineChart {
        id: format!("income-{i}"),
        title: format!("{}: income each month", p.id),
        description: format!(
            "Fan chart of the monthly income of {} from {} to {}, with its average monthly income without PHBs as a dashed line. Money in cash.",
            p.name,
            first(data),
            last(data)
        ),
        months: &data.months,
        y_title: "£ a month, cash".to_string(),
        units: Units::Money,
        layers: income,
    });
    let reserves_chart = line_chart(&LineChart {
        id: format!("reserves-{i}"),
        title: format!("{}: reserves at month end", p.id),
        description: format!(
            "Fan chart of the reserves of {} at each month end, with its reserve floor of {} as a dashed line.",
            p.name,
            money(p.reserve_floor)
        ),
        months: &data.months,
        y_title: "£, cash".to_string(),
        units: Units::Money,
        layers: reserves,
    });
    html! {
        h3 { (p.name) " " span .id { "(" (p.id) ")" } }
        div .grid {
            (figure(income_chart, &format!(
                "Bands hold the middle 90% and 50% of the {} and the line is their median; where the fan sits below the dashed line, budgets are taking income away (the axis does not start at zero).",
                futures(data)
            )))
            (figure(reserves_chart,
                "Reserves carry each month's surplus or deficit forward; where the fan reaches below the red dashed floor, the provider is in distress in that share of futures."))
        }
    }
}

/// Per provider, riskiest first: monthly income and reserves.
pub fn provider_charts(data: &OutputData) -> Markup {
    let rows = ranked_providers(data, data.base());
    html! {
        section #providers {
            h2 { "Income and reserves by provider" }
            @for (i, row) in rows.iter().enumerate() {
                (provider_figures(data, i, row))
            }
        }
    }
}

/// The chance of deficit by provider and month.
pub fn deficit_heat_map(data: &OutputData) -> Markup {
    let run = data.base();
    let rows = ranked_providers(data, run)
        .iter()
        .map(|row| {
            let id = &row.provider.id;
            let values = run.series(Level::Provider, id, "in_deficit");
            (
                id.clone(),
                values.iter().map(|s| s.map(|s| s.mean)).collect(),
            )
        })
        .collect();
    let chart = heat_map(&HeatMap {
        id: "deficit".to_string(),
        title: "Chance of deficit, by provider and month".to_string(),
        description: format!(
            "Heat map of the share of simulated futures in which each provider is in deficit, for each month from {} to {}.",
            first(data),
            last(data)
        ),
        months: &data.months,
        rows,
    });
    html! {
        section #deficit {
            h2 { "When deficits are likely" }
            (figure(chart, "Each cell is the share of futures in which the provider's margin over the past 12 months is below its minimum margin that month; darker cells are likelier. The number in a cell is that chance in whole per cent (<1: below 0.5% but not zero); on a long horizon, where cells are too narrow for numbers, each provider's peak and its month are printed beside its row."))
        }
    }
}

/// Per service, activity from traditional patients against its viable minimum.
pub fn service_activity(data: &OutputData) -> Markup {
    let run = data.base();
    let n = data.months.len();
    let mut figures = Vec::new();
    for (s, (p, service)) in data.scenario.services().enumerate() {
        let entity = format!("{}/{}", data.scenario.providers[p].id, service.id);
        let mut layers = fan(
            run.series(Level::Service, &entity, "activity"),
            colour::BLUE,
            "activity",
        );
        let bought = run.series(Level::Service, &entity, "phb_activity");
        if bought.iter().flatten().any(|s| s.p50 > 0.0) {
            let mut line = median(bought, colour::GREEN, "bought with budgets (median)");
            if let Layer::Line { stroke, .. } = &mut line {
                *stroke = Stroke::Dotted;
            }
            layers.push(line);
        }
        let mut caption = "Units a month from patients without a budget (middle 90% and 50% of futures, median line)".to_string();
        if let Some(min) = service.min_viable_activity {
            let label = format!("viable minimum ({})", thousands(min.round() as u64));
            layers.push(reference(min, n, colour::VERMILLION, label));
            let ever = run
                .summary(Level::Service, &entity, "ever_below_viable")
                .map_or(0.0, |s| s.mean);
            caption.push_str(&format!(
                "; counting activity bought with budgets, the service falls below the dashed viable minimum in at least one month in {} of futures.",
                percent(ever)
            ));
        } else {
            caption.push_str("; no viable minimum is set for this service.");
        }
        let chart = line_chart(&LineChart {
            id: format!("activity-{s}"),
            title: format!("{entity}: activity"),
            description: format!(
                "Fan chart of the monthly activity of {} ({entity}).",
                service.name
            ),
            months: &data.months,
            y_title: "units a month".to_string(),
            units: Units::Count,
            layers,
        });
        figures.push(figure(chart, &caption));
    }
    html! {
        section #services {
            h2 { "Activity by service" }
            div .grid { @for f in figures { (f) } }
        }
    }
}

/// Per cohort, how many people hold a budget.
pub fn cohort_uptake(data: &OutputData) -> Markup {
    let run = data.base();
    let figures: Vec<Markup> = data
        .scenario
        .cohorts
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            let holders = run.series(Level::Cohort, &cohort.id, "holders");
            let layers = vec![
                band(holders, |s| s.p5, |s| s.p95, colour::GREEN, 0.25, "90% of futures (P5–P95)"),
                median(holders, colour::GREEN, "median holders"),
            ];
            let chart = line_chart(&LineChart {
                id: format!("uptake-{c}"),
                title: format!("{}: budget holders", cohort.id),
                description: format!(
                    "The number of people in {} holding a personal health budget each month: median and 90% band.",
                    cohort.name
                ),
                months: &data.months,
                y_title: "people".to_string(),
                units: Units::Count,
                layers,
            });
            let caption = format!(
                "People holding a budget at each month end, of {} in the cohort; budgets are offered from {}.",
                thousands(cohort.size),
                cohort.offer_from
            );
            figure(chart, &caption)
        })
        .collect();
    html! {
        section #cohorts {
            h2 { "Who takes a budget" }
            div .grid { @for f in figures { (f) } }
        }
    }
}

/// What the commissioner spends, against what it would without PHBs, with the
/// double-running cost between them shaded; and where the money goes.
pub fn commissioner(data: &OutputData) -> Markup {
    let run = data.base();
    let spend = run.series(Level::Commissioner, COMMISSIONER, "spend");
    let extra = run.series(Level::Commissioner, COMMISSIONER, "additional_vs_baseline");
    let means = |series: &[Option<crate::stats::Summary>]| -> Vec<Option<f64>> {
        series.iter().map(|s| s.map(|s| s.mean)).collect()
    };
    let mean_spend = means(spend);
    // Per month, the mean spend less the mean additional cost is the mean baseline.
    let baseline: Vec<Option<f64>> = mean_spend
        .iter()
        .zip(means(extra))
        .map(|(s, e)| Some((*s)? - e?))
        .collect();
    let layers = vec![
        band(
            spend,
            |s| s.p5,
            |s| s.p95,
            colour::BLUE,
            0.15,
            "90% of futures (P5–P95)",
        ),
        Layer::Band {
            lower: baseline.clone(),
            upper: mean_spend.clone(),
            fill: colour::ORANGE,
            opacity: 0.55,
            label: "double running (mean)".to_string(),
        },
        Layer::Line {
            values: baseline,
            colour: colour::BLACK,
            stroke: Stroke::Dashed,
            label: "without PHBs".to_string(),
        },
        Layer::Line {
            values: mean_spend,
            colour: colour::BLUE,
            stroke: Stroke::Solid,
            label: "mean spend with PHBs".to_string(),
        },
    ];
    let chart = line_chart(&LineChart {
        id: "spend".to_string(),
        title: "Commissioner: spend each month".to_string(),
        description: format!(
            "The commissioner's monthly spend from {} to {}, mean with PHBs against without, the gap between them shaded.",
            first(data),
            last(data)
        ),
        months: &data.months,
        y_title: "£ a month, cash".to_string(),
        units: Units::Money,
        layers,
    });
    let total = |metric: &str| -> f64 {
        run.series(Level::Commissioner, COMMISSIONER, metric)
            .iter()
            .flatten()
            .map(|s| s.mean)
            .sum()
    };
    let parts = [
        ("Block contracts", "block_payments"),
        ("Activity payments", "activity_payments"),
        ("Personal health budgets", "budgets"),
        ("Administering budgets", "admin"),
        ("Total spend", "spend"),
    ];
    let extra = total("additional_vs_baseline");
    html! {
        section #commissioner {
            h2 { "What the commissioner pays" }
            div .grid {
                (figure(chart, "The orange area between the dashed line (spend without PHBs) and the solid line (mean spend with PHBs) is the double-running cost: budgets paid while block contracts have not yet shrunk to match."))
                table .spend {
                    caption { "Spend over " (month_count(data.months.len())) ", mean of the futures" }
                    tbody {
                        @for (label, metric) in parts {
                            tr { th scope="row" { (label) } td { (money(total(metric))) } }
                        }
                        tr { th scope="row" { "Spend without PHBs" } td { (money(total("spend") - extra)) } }
                        tr .extra { th scope="row" { "Double running (the difference)" } td { (money(extra)) } }
                    }
                }
            }
        }
    }
}
