//! The words a finance team reads for each metric of the CSV files, and how its
//! numbers are shown. One table for every sheet, so a metric reads the same
//! everywhere; the CSV name stays beside it in a sheet's last column.

use super::style::Shown;
use crate::engine::Level;

/// A metric of `level` named `metric` in the CSV files: its label and how it is shown.
/// A 0/1 flag is [`Shown::Chance`]: its mean is the chance, its percentiles 0 or 1.
pub(super) fn metric(level: Level, metric: &str) -> (&'static str, Shown) {
    use Shown::*;
    match (level, metric) {
        (_, "income") => ("Income", Money),
        (_, "costs") => ("Costs", Money),
        (_, "margin") => ("Margin (income − costs)", Money),
        (_, "transition_costs") => ("Transition costs", Money),
        (_, "baseline_income") => ("Income without PHBs", Money),
        (_, "income_change_pct") => ("Income change against no PHBs", PerCent),
        (Level::Provider, "reserves") => ("Reserves at month end", Money),
        (Level::Provider, "in_deficit") => ("In deficit (chance)", Chance),
        (Level::Provider, "in_distress") => ("In distress (chance)", Chance),
        (Level::Provider, "distressed_by") => ("Distressed by then (chance)", Chance),
        (Level::Provider, "baseline_margin") => ("Margin without PHBs", Money),
        (Level::Provider, "margin_change") => ("Margin change against no PHBs", Money),
        (Level::Provider, "min_reserves") => ("Lowest reserves", Money),
        (Level::Provider, "distressed") => ("Distressed by the horizon (chance)", Chance),
        (Level::Provider, "distressed_baseline") => {
            ("Distressed by the horizon without PHBs (chance)", Chance)
        }
        (Level::Provider, "reserves_end") => ("Reserves at the year's end", Money),
        (Level::Provider, "deficit") => ("Deficit year (chance)", Chance),
        (Level::Provider, "distressed_by_end") => ("Distressed by the year's end (chance)", Chance),
        (Level::Service, "activity") => ("Activity, units (without budgets)", Count),
        (Level::Service, "phb_activity") => ("Activity bought with budgets, units", Count),
        (Level::Service, "fixed_cost") => ("Fixed cost", Money),
        (Level::Service, "below_viable") => ("Below its viable activity (chance)", Chance),
        (Level::Service, "ever_below_viable") => {
            ("Ever below its viable activity (chance)", Chance)
        }
        (Level::Cohort, "traditional") => ("People without a budget", Count),
        (Level::Cohort, "holders") => ("Budget holders", Count),
        (Level::Cohort, "new_holders") => ("New budget holders", Count),
        (Level::Cohort, "returned") => ("Holders returned to services", Count),
        (Level::Cohort, "budget_spend") => ("Budget spending", Money),
        (Level::Commissioner, "spend") => ("Spend", Money),
        (Level::Commissioner, "block_payments") => ("Block contract payments", Money),
        (Level::Commissioner, "activity_payments") => ("Activity payments", Money),
        (Level::Commissioner, "budgets") => ("Budgets", Money),
        (Level::Commissioner, "admin") => ("Budget administration", Money),
        (Level::Commissioner, "additional_vs_baseline") => {
            ("Double running (spend above no PHBs)", Money)
        }
        (Level::Commissioner, "peak_additional") => ("Largest month of double running", Money),
        (Level::Commissioner, "over_envelope") => ("Spend over the envelope", Money),
        (Level::Commissioner, "recovered") => ("Overspend recovered from contracts", Money),
        _ => ("", Plain),
    }
}

/// The label of a metric, its CSV name where the table has no words for it.
pub(super) fn label(level: Level, name: &str) -> (String, Shown) {
    match metric(level, name) {
        ("", shown) => (name.to_string(), shown),
        (label, shown) => (label.to_string(), shown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::layout::{
        CohortSeries, CommissionerSeries, CommissionerSummary, CommissionerYear, ProviderSeries,
        ProviderSummary, ProviderYear, ServiceSeries, ServiceSummary, ServiceYear,
    };

    /// Every metric the engine writes has words, so no sheet shows a CSV name alone.
    #[test]
    fn every_metric_of_every_level_has_a_label() {
        let names: Vec<(Level, &str)> = [
            (
                Level::Provider,
                ProviderSeries::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>(),
            ),
            (
                Level::Provider,
                ProviderSummary::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Provider,
                ProviderYear::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Service,
                ServiceSeries::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Service,
                ServiceSummary::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Service,
                ServiceYear::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Cohort,
                CohortSeries::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Commissioner,
                CommissionerSeries::ALL.iter().map(|m| m.as_str()).collect(),
            ),
            (
                Level::Commissioner,
                CommissionerSummary::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect(),
            ),
            (
                Level::Commissioner,
                CommissionerYear::ALL.iter().map(|m| m.as_str()).collect(),
            ),
        ]
        .into_iter()
        .flat_map(|(level, names)| names.into_iter().map(move |n| (level, n)))
        .collect();
        let missing: Vec<String> = names
            .iter()
            .filter(|(level, name)| metric(*level, name).0.is_empty())
            .map(|(level, name)| format!("{} {name}", level.as_str()))
            .collect();
        assert!(missing.is_empty(), "no label for: {missing:?}");
        // A flag is shown as a chance, money as money.
        assert_eq!(metric(Level::Provider, "deficit").1, Shown::Chance);
        assert_eq!(metric(Level::Cohort, "budget_spend").1, Shown::Money);
        assert_eq!(label(Level::Cohort, "unknown").0, "unknown");
    }
}
