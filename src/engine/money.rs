//! One month of services, providers and commissioner (SPEC section 4, steps 4–9):
//! where budgets are spent, activity with backfill, contract reviews, money, flags.
//!
//! Runs after the cohorts have moved (steps 1–3) and reads their state from the
//! workspace; it draws nothing.

use super::layout::{CommissionerSeries, OutputLayout, ProviderSeries, ServiceSeries};
use super::params::DrawnParameters;
use super::simulate::Workspace;
use crate::scenario::{Scenario, Service};

/// The run-rate window of a review and the trailing window of the deficit flag.
const YEAR: usize = 12;

/// A service's provider and where its monthly series start in the output (`series ×
/// months`), looked up in the layout once per iteration rather than four times a
/// month.
#[derive(Debug, Clone, Copy)]
pub(super) struct ServiceSlots {
    provider: usize,
    activity: usize,
    phb_activity: usize,
    income: usize,
    costs: usize,
    fixed_cost: usize,
    /// `below_viable`'s start and `min_viable_activity`, for services with one.
    below_viable: Option<(usize, f64)>,
}

impl ServiceSlots {
    pub fn new(layout: &OutputLayout, s: usize, provider: usize, service: &Service) -> Self {
        let months = layout.months();
        let start = |metric| layout.service_series(s, metric).map(|i| i * months);
        let always = |metric| start(metric).expect("every service has this series");
        ServiceSlots {
            provider,
            activity: always(ServiceSeries::Activity),
            phb_activity: always(ServiceSeries::PhbActivity),
            income: always(ServiceSeries::Income),
            costs: always(ServiceSeries::Costs),
            fixed_cost: always(ServiceSeries::FixedCost),
            below_viable: start(ServiceSeries::BelowViable).zip(service.min_viable_activity),
        }
    }
}

/// Lost share `L = max(0, 1 − Ā / A0)` at a review in month `t`, where `Ā` is the mean
/// of `activity` (this service's monthly series) over months `max(0, t−12) .. t−1`.
/// 0 when `A0 = 0`, and 0 at a review in month 0, which has no run-rate to agree a
/// contract on (the values stay the scenario's).
fn lost_share(activity: &[f64], t: usize, baseline: f64) -> f64 {
    let window = &activity[t.saturating_sub(YEAR)..t];
    if window.is_empty() || baseline <= 0.0 {
        return 0.0;
    }
    let run_rate = window.iter().sum::<f64>() / window.len() as f64;
    (1.0 - run_rate / baseline).max(0.0)
}

/// Steps 4–9 of month `t`.
pub(super) fn month(
    scenario: &Scenario,
    layout: &OutputLayout,
    params: &DrawnParameters,
    ws: &mut Workspace,
    monthly: &mut [f64],
    t: usize,
    review: bool,
) {
    let months = layout.months();

    // Step 4 (budget spending) and the cohort part of step 5 (activity C): holders
    // spend `1 − underspend` of their budgets, and keep `1 − substitution` of each use.
    ws.phb_money.fill(0.0);
    ws.cohort_activity.fill(0.0);
    let mut form_budget = [0.0; 3];
    let mut form_spend = [0.0; 3];
    for (c, cohort) in scenario.cohorts.iter().enumerate() {
        let state = &ws.cohorts[c];
        let holders = state.holders_total();
        let traditional = (cohort.size - holders) as f64;
        let holders = holders as f64;
        let mut existing = 0.0;
        for f in 0..form_spend.len() {
            let budget = state.budgets[f] / 12.0;
            let spend = ws.spent_share[f] * budget;
            form_budget[f] += budget;
            form_spend[f] += spend;
            existing += ws.existing_share[f] * spend;
        }
        for u in ws.use_start[c]..ws.use_start[c + 1] {
            let s = ws.use_service[u];
            ws.cohort_activity[s] += (traditional + ws.use_kept[u] * holders) * ws.use_per_month[u];
            ws.phb_money[s] += existing * ws.use_weight[u];
        }
    }
    let mut budgets = 0.0;
    let mut admin = 0.0;
    for (f, drawn) in params.forms.iter().enumerate() {
        budgets += form_spend[f];
        if let Some(drawn) = drawn {
            for &(s, share) in &drawn.services {
                ws.phb_money[s.0] += share * ws.form_scale[f] * form_spend[f];
            }
            // Admin is a cost of running the whole budget, spent or not.
            admin += drawn.admin_cost * form_budget[f];
        }
    }

    // Steps 5–8 for services; provider totals accumulate as we go.
    ws.provider_income.fill(0.0);
    ws.provider_costs.fill(0.0);
    let mut block_payments = 0.0;
    let mut activity_payments = 0.0;
    for (s, (drawn, slots)) in params.services.iter().zip(&ws.service_slots).enumerate() {
        let phb_activity = ws.phb_money[s] / drawn.unit_price;
        let cohort_activity = ws.cohort_activity[s];
        let freed =
            (ws.baseline_activity[s] - cohort_activity - drawn.other_activity - phb_activity)
                .max(0.0);
        let activity = cohort_activity + drawn.other_activity + drawn.backfill * freed;
        monthly[slots.activity + t] = activity;

        if review {
            let history = &monthly[slots.activity..slots.activity + months];
            let lost = lost_share(history, t, ws.baseline_activity[s]);
            ws.fixed_cost[s] = drawn.fixed_cost * (1.0 - drawn.cost_flex * lost);
            if let Some(block) = &drawn.block {
                ws.contract_value[s] = block.contract_value * (1.0 - block.pass_through * lost);
            }
        }

        let paid = match drawn.block {
            Some(_) => {
                let paid = ws.contract_value[s] / 12.0;
                block_payments += paid;
                paid
            }
            None => {
                let paid = drawn.unit_price * activity;
                activity_payments += paid;
                paid
            }
        };
        let income = paid + ws.phb_money[s];
        let costs = ws.fixed_cost[s] / 12.0 + drawn.variable_cost * (activity + phb_activity);
        ws.provider_income[slots.provider] += income;
        ws.provider_costs[slots.provider] += costs;

        monthly[slots.phb_activity + t] = phb_activity;
        monthly[slots.income + t] = income;
        monthly[slots.costs + t] = costs;
        monthly[slots.fixed_cost + t] = ws.fixed_cost[s] / 12.0;
        if let Some((below, min)) = slots.below_viable {
            monthly[below + t] = flag(activity + phb_activity < min);
        }
    }

    // Steps 7–8 for providers.
    for (p, provider) in scenario.providers.iter().enumerate() {
        let drawn = &params.providers[p];
        let at = |metric| layout.provider_series(p, metric) * months + t;
        let income = ws.provider_income[p] + drawn.other_income / 12.0;
        let costs = ws.provider_costs[p] + drawn.other_costs / 12.0;
        let margin = income - costs;
        ws.reserves[p] += margin;
        let reserves = ws.reserves[p];
        monthly[at(ProviderSeries::Income)] = income;
        monthly[at(ProviderSeries::Costs)] = costs;
        monthly[at(ProviderSeries::Margin)] = margin;
        monthly[at(ProviderSeries::Reserves)] = reserves;

        let from = t.saturating_sub(YEAR - 1);
        let trailing = |metric| -> f64 {
            let start = layout.provider_series(p, metric) * months;
            monthly[start + from..=start + t].iter().sum()
        };
        let in_deficit = trailing(ProviderSeries::Margin)
            < provider.min_margin * trailing(ProviderSeries::Income);
        let in_distress = reserves < provider.reserve_floor;
        ws.distressed[p] |= in_distress;
        monthly[at(ProviderSeries::InDeficit)] = flag(in_deficit);
        monthly[at(ProviderSeries::InDistress)] = flag(in_distress);
        monthly[at(ProviderSeries::DistressedBy)] = flag(ws.distressed[p]);
        monthly[at(ProviderSeries::TransitionCosts)] = 0.0;
    }

    // Step 9.
    let spend = block_payments + activity_payments + budgets + admin;
    let at = |metric| layout.commissioner_series(metric) * months + t;
    monthly[at(CommissionerSeries::Spend)] = spend;
    monthly[at(CommissionerSeries::BlockPayments)] = block_payments;
    monthly[at(CommissionerSeries::ActivityPayments)] = activity_payments;
    monthly[at(CommissionerSeries::Budgets)] = budgets;
    monthly[at(CommissionerSeries::Admin)] = admin;
    monthly[at(CommissionerSeries::AdditionalVsBaseline)] = spend - ws.baseline_spend;
    monthly[at(CommissionerSeries::OverEnvelope)] = 0.0;
    monthly[at(CommissionerSeries::Recovered)] = 0.0;
}

/// A flag as written in the output: 1 or 0.
fn flag(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_share_uses_the_run_rate_before_the_review() {
        let activity = [100.0, 80.0, 60.0, 0.0];
        // Month 3: mean of months 0..2 = 80.
        assert!((lost_share(&activity, 3, 100.0) - 0.2).abs() < 1e-15);
        // Activity above baseline loses nothing.
        assert_eq!(lost_share(&activity, 1, 50.0).to_bits(), 0f64.to_bits());
        // No history, or no baseline: nothing to re-base on.
        assert_eq!(lost_share(&activity, 0, 100.0).to_bits(), 0f64.to_bits());
        assert_eq!(lost_share(&activity, 3, 0.0).to_bits(), 0f64.to_bits());
    }

    #[test]
    fn lost_share_window_is_the_last_twelve_months() {
        let mut activity = vec![0.0; 12];
        activity.extend(vec![90.0; 12]);
        activity.push(0.0);
        assert!((lost_share(&activity, 24, 100.0) - 0.1).abs() < 1e-12);
    }
}
