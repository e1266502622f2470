//! Whole-horizon metrics of one iteration (SPEC section 6, `summary.csv`) and its
//! financial-year cells (`years.csv`).
//!
//! Sums over months are read back from the iteration's monthly series; the baselines
//! come from the counterfactual without PHBs run beside it (`super::counterfactual`).
//! A service's baseline income is the counterfactual's payments for it summed over the
//! months; it includes no PHB money (there is none without PHBs).

use super::layout::{
    CommissionerSeries, CommissionerSummary, CommissionerYear, OutputLayout, ProviderSeries,
    ProviderSummary, ProviderYear, ServiceSeries, ServiceSummary, ServiceYear,
};
use super::simulate::Workspace;
use crate::scenario::Scenario;

/// `100 × (income − baseline) / baseline`, NaN (written as empty) when the baseline is
/// 0 (SPEC section 4).
fn change_pct(income: f64, baseline: f64) -> f64 {
    if baseline == 0.0 {
        f64::NAN
    } else {
        100.0 * (income - baseline) / baseline
    }
}

/// Fills `summary` from the monthly series of the iteration just simulated.
pub(super) fn summarise(
    scenario: &Scenario,
    layout: &OutputLayout,
    ws: &Workspace,
    monthly: &[f64],
    summary: &mut [f64],
) {
    let months = layout.months();
    let series = |index: usize| &monthly[layout.series_range(index)];
    let total = |index: usize| series(index).iter().sum::<f64>();

    let baseline = &ws.counterfactual;
    for s in 0..scenario.service_count() {
        let baseline = baseline.service_income[s];
        let income = total(
            layout
                .service_series(s, ServiceSeries::Income)
                .expect("always present"),
        );
        let mut put = |metric, value| {
            if let Some(i) = layout.service_summary(s, metric) {
                summary[i] = value;
            }
        };
        put(ServiceSummary::BaselineIncome, baseline);
        put(ServiceSummary::Income, income);
        put(
            ServiceSummary::IncomeChangePct,
            change_pct(income, baseline),
        );
        if let Some(below) = layout.service_series(s, ServiceSeries::BelowViable) {
            let ever = series(below).iter().fold(0.0, |a: f64, &b| a.max(b));
            put(ServiceSummary::EverBelowViable, ever);
        }
    }

    for p in 0..scenario.providers.len() {
        let baseline_income = baseline.provider_income[p];
        let baseline_margin = baseline.provider_margin[p];
        let distressed_baseline = baseline.distressed[p];

        let of = |metric| layout.provider_series(p, metric);
        let income = total(of(ProviderSeries::Income));
        let margin = total(of(ProviderSeries::Margin));
        let min_reserves = series(of(ProviderSeries::Reserves))
            .iter()
            .fold(f64::INFINITY, |a, &b| a.min(b));
        let distressed = series(of(ProviderSeries::DistressedBy))[months - 1];

        let mut put = |metric, value| summary[layout.provider_summary(p, metric)] = value;
        put(ProviderSummary::BaselineIncome, baseline_income);
        put(ProviderSummary::Income, income);
        put(
            ProviderSummary::IncomeChangePct,
            change_pct(income, baseline_income),
        );
        put(ProviderSummary::BaselineMargin, baseline_margin);
        put(ProviderSummary::Margin, margin);
        put(ProviderSummary::MarginChange, margin - baseline_margin);
        put(ProviderSummary::MinReserves, min_reserves);
        put(ProviderSummary::Distressed, distressed);
        put(
            ProviderSummary::DistressedBaseline,
            if distressed_baseline { 1.0 } else { 0.0 },
        );
        put(
            ProviderSummary::TransitionCosts,
            total(of(ProviderSeries::TransitionCosts)),
        );
    }

    let additional = series(layout.commissioner_series(CommissionerSeries::AdditionalVsBaseline));
    let mut put = |metric, value| summary[layout.commissioner_summary(metric)] = value;
    put(
        CommissionerSummary::Spend,
        total(layout.commissioner_series(CommissionerSeries::Spend)),
    );
    put(
        CommissionerSummary::AdditionalVsBaseline,
        additional.iter().sum(),
    );
    put(
        CommissionerSummary::PeakAdditional,
        additional.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
    );
    put(
        CommissionerSummary::OverEnvelope,
        total(layout.commissioner_series(CommissionerSeries::OverEnvelope)),
    );
    put(
        CommissionerSummary::Recovered,
        total(layout.commissioner_series(CommissionerSeries::Recovered)),
    );
}

/// Fills the financial-year cells of `summary` (`years.csv`, SPEC section 6) from the
/// monthly series of the iteration just simulated: sums over each year's simulated
/// months, and end-of-year values at its last simulated month.
pub(super) fn summarise_years(
    scenario: &Scenario,
    layout: &OutputLayout,
    monthly: &[f64],
    summary: &mut [f64],
) {
    let months = layout.months();
    for (y, year) in layout.years().iter().enumerate() {
        let span = year.first..year.first + year.months;
        let last = span.end - 1;
        let in_year = |series: usize| &monthly[series * months..][span.clone()];
        let sum = |series: usize| in_year(series).iter().sum::<f64>();
        let at_end = |series: usize| monthly[series * months + last];

        for (p, provider) in scenario.providers.iter().enumerate() {
            let of = |metric| layout.provider_series(p, metric);
            let income = sum(of(ProviderSeries::Income));
            let margin = sum(of(ProviderSeries::Margin));
            let deficit = margin < provider.min_margin * income;
            let mut put = |metric, value| summary[layout.provider_year(p, metric, y)] = value;
            put(ProviderYear::Income, income);
            put(ProviderYear::Costs, sum(of(ProviderSeries::Costs)));
            put(ProviderYear::Margin, margin);
            put(
                ProviderYear::TransitionCosts,
                sum(of(ProviderSeries::TransitionCosts)),
            );
            put(
                ProviderYear::ReservesEnd,
                at_end(of(ProviderSeries::Reserves)),
            );
            put(ProviderYear::Deficit, if deficit { 1.0 } else { 0.0 });
            put(
                ProviderYear::DistressedByEnd,
                at_end(of(ProviderSeries::DistressedBy)),
            );
        }
        for s in 0..scenario.service_count() {
            let of = |metric| layout.service_series(s, metric).expect("always present");
            summary[layout.service_year(s, ServiceYear::Income, y)] =
                sum(of(ServiceSeries::Income));
            summary[layout.service_year(s, ServiceYear::Activity, y)] =
                sum(of(ServiceSeries::Activity));
        }
        for (metric, series) in [
            (CommissionerYear::Spend, CommissionerSeries::Spend),
            (
                CommissionerYear::AdditionalVsBaseline,
                CommissionerSeries::AdditionalVsBaseline,
            ),
            (
                CommissionerYear::OverEnvelope,
                CommissionerSeries::OverEnvelope,
            ),
            (CommissionerYear::Recovered, CommissionerSeries::Recovered),
        ] {
            summary[layout.commissioner_year(metric, y)] = sum(layout.commissioner_series(series));
        }
    }
}
