//! One month of services, providers and commissioner (SPEC section 4, steps 4–9):
//! where budgets are spent, activity with backfill, reviews (the envelope's recovery,
//! contracts, fixed-cost decisions in whole steps after notice), money in the month's
//! prices, flags, and the commissioner.
//!
//! Runs after the cohorts have moved (steps 1–3) and reads their state from the
//! workspace; it draws nothing. State is kept in start-year prices; each amount is
//! multiplied by its factor (`Factors`) where it becomes money in month `t`.

use super::counterfactual::overspend;
use super::layout::{CommissionerSeries, OutputLayout, ProviderSeries, ServiceSeries};
use super::params::{DrawnParameters, ServiceDraw};
use super::simulate::Workspace;
use crate::scenario::{Scenario, Service};

/// The run-rate window of a review and the trailing window of the deficit flag.
const YEAR: usize = 12;

/// Amounts of a month that stay the same from one month to the next until a price
/// factor moves (at a financial-year start), a review re-bases a contract, or a
/// fixed-cost decision takes effect: kept from the month before instead of being
/// computed again (each is a division). Computed again, they would be the same bits.
#[derive(Debug, Default)]
pub(super) struct MonthAmounts {
    /// By service: the block payment `contract_value · P / 12`, the recovery it
    /// gives up `min(re-based, D · w) · P / 12`, and the fixed cost `Φ_eff · K / 12`.
    block_paid: Vec<f64>,
    recovered: Vec<f64>,
    fixed_cost: Vec<f64>,
    /// By provider: `other_income · P / 12` and `other_costs · K / 12`.
    other_income: Vec<f64>,
    other_costs: Vec<f64>,
}

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
    /// `notice_months`.
    notice: usize,
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
            notice: service.notice_months as usize,
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
    lost_given(window.iter().sum(), window.len(), baseline)
}

/// `max(0, 1 − (total / months) / A0)`: the share lost when `total` units were seen
/// over `months` months; 0 without months or without a baseline.
fn lost_given(total: f64, months: usize, baseline: f64) -> f64 {
    if months == 0 || baseline <= 0.0 {
        return 0.0;
    }
    (1.0 - (total / months as f64) / baseline).max(0.0)
}

/// The capacity's lost share `L' = max(0, 1 − Ā' / A0)`, where `Ā'` is the mean of
/// `activity + phb_activity` over the same window as [`lost_share`]: activity bought
/// with budgets is still delivered by the service's staff. Without PHB activity it is
/// `L` to the bit (each term adds 0).
fn lost_capacity_share(activity: &[f64], phb_activity: &[f64], t: usize, baseline: f64) -> f64 {
    let from = t.saturating_sub(YEAR);
    let total: f64 = (from..t).map(|m| activity[m] + phb_activity[m]).sum();
    lost_given(total, t - from, baseline)
}

/// Moves the latest decision `decided` towards `target` (SPEC section 4, step 6): in
/// whole steps of `step` when it is positive (`1e-9` keeps a whole number of steps
/// whole despite rounding), or all the way when it is 0.
pub(super) fn decide_fixed_cost(decided: f64, target: f64, step: f64) -> f64 {
    if step > 0.0 {
        let steps = (target - decided) / step;
        let whole = (steps.abs() + 1e-9).floor();
        if whole == 0.0 {
            decided
        } else {
            decided + step * whole.copysign(steps)
        }
    } else {
        target
    }
}

/// A review of service `s` in month `t`: re-bases its contract for the activity lost
/// (`L`) less its share of the recovered overspend, and decides its fixed cost from
/// the capacity lost (`L'`), to take effect `notice_months` later.
fn review_service(
    ws: &mut Workspace,
    drawn: &ServiceDraw,
    history: History<'_>,
    t: usize,
    s: usize,
) {
    let baseline = ws.baseline_activity[s];
    let lost = lost_share(history.activity, t, baseline);
    if let Some(block) = &drawn.block {
        ws.contract_rebased[s] = block.contract_value * (1.0 - block.pass_through * lost);
        ws.contract_value[s] =
            (ws.contract_rebased[s] - ws.recovery * ws.recovery_weight[s]).max(0.0);
    }
    // The staff still deliver activity bought with budgets: fixed cost follows the
    // capacity's lost share `L'`, not the contract's `L`.
    let lost_capacity = lost_capacity_share(history.activity, history.phb_activity, t, baseline);
    let target = drawn.fixed_cost * (1.0 - drawn.cost_flex * lost_capacity);
    let decided = decide_fixed_cost(ws.decided[s], target, drawn.cost_step);
    // A decision that moves nothing changes nothing.
    if decided.to_bits() != ws.decided[s].to_bits() {
        ws.decided[s] = decided;
        ws.pending[s].push_back((t + history.notice, decided));
    }
}

/// A service's monthly series before month `t`, and its notice period.
#[derive(Clone, Copy)]
struct History<'a> {
    activity: &'a [f64],
    phb_activity: &'a [f64],
    notice: usize,
}

/// Applies the fixed-cost decisions of service `s` that take effect by month `t`;
/// returns the transition cost booked this month in start-year £ (when the effective
/// fixed cost falls: `transition_cost` per £1/year removed), and whether any took
/// effect.
fn apply_decisions(ws: &mut Workspace, drawn: &ServiceDraw, s: usize, t: usize) -> (f64, bool) {
    let mut transition = 0.0;
    let mut applied = false;
    while let Some(&(effective_from, value)) = ws.pending[s].front() {
        if effective_from > t {
            break;
        }
        ws.pending[s].pop_front();
        applied = true;
        let old = ws.fixed_cost[s];
        if value < old {
            transition += drawn.transition_cost * (old - value);
        }
        ws.fixed_cost[s] = value;
    }
    (transition, applied)
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
    let (price, cost) = (ws.factors.tariff[t], ws.factors.cost[t]);
    let review = review && t >= 1;
    // Whether this month's prices differ from last month's (always at month 0, where
    // the month-constant amounts are first computed).
    let prices_moved = t == 0
        || ws.factors.tariff[t - 1].to_bits() != price.to_bits()
        || ws.factors.cost[t - 1].to_bits() != cost.to_bits();
    if t == 0 {
        let (services, providers) = (params.services.len(), params.providers.len());
        let amounts = &mut ws.amounts;
        for v in [
            &mut amounts.block_paid,
            &mut amounts.recovered,
            &mut amounts.fixed_cost,
        ] {
            v.resize(services, 0.0);
        }
        amounts.other_income.resize(providers, 0.0);
        amounts.other_costs.resize(providers, 0.0);
    }
    let baseline_spend = ws.counterfactual.month(
        scenario,
        params,
        &ws.baseline_activity,
        &ws.recovery_weight,
        &ws.factors,
        t,
        review,
    );

    // Step 6's recovery comes first in a review: the net overspend of the last 12
    // months, in this month's prices, taken out of block contracts for good.
    if review && let Some(envelope) = &params.envelope {
        let spend_series = layout.commissioner_series(CommissionerSeries::Spend) * months;
        let spend = &monthly[spend_series..spend_series + months];
        let over = overspend(spend, envelope.envelope, &ws.factors, t);
        ws.recovery += envelope.recover_overspend * over / price;
    }

    // Step 4 (budget spending) and the cohort part of step 5 (activity C): holders
    // spend `1 − underspend` of their budgets, and keep `1 − substitution` of each use.
    let mut form_budget = [0.0; 3];
    let mut form_spend = [0.0; 3];
    for (c, cohort) in scenario.cohorts.iter().enumerate() {
        let state = &ws.cohorts[c];
        let holders = state.holders_total();
        let traditional = (cohort.size - holders) as f64;
        let holders = holders as f64;
        let mut existing = 0.0;
        for f in 0..form_spend.len() {
            let budget = ws.budget_month[c][f];
            let spend = ws.spent_share[f] * budget;
            form_budget[f] += budget;
            form_spend[f] += spend;
            existing += ws.existing_share[f] * spend;
        }
        ws.cohort_mix[c] = [traditional, holders, existing];
    }
    for s in 0..ws.cohort_activity.len() {
        let (mut activity, mut money) = (0.0, 0.0);
        for service_use in ws.uses_by_service.of(s) {
            let [traditional, holders, existing] = ws.cohort_mix[service_use.cohort];
            activity += (traditional + service_use.kept * holders) * service_use.per_month;
            money += existing * service_use.weight;
        }
        ws.cohort_activity[s] = activity;
        ws.phb_money[s] = money;
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
    ws.provider_transition.fill(0.0);
    let mut block_payments = 0.0;
    let mut activity_payments = 0.0;
    let mut recovered = 0.0;
    for s in 0..params.services.len() {
        let (drawn, slots) = (&params.services[s], ws.service_slots[s]);
        let unit_price = drawn.unit_price * price;
        // Most services get no budget money in most months: +0 over a positive price
        // is +0, without the division.
        let phb_activity = if ws.phb_money[s].to_bits() == 0 && unit_price > 0.0 {
            0.0
        } else {
            ws.phb_money[s] / unit_price
        };
        let cohort_activity = ws.cohort_activity[s];
        let freed =
            (ws.baseline_activity[s] - cohort_activity - drawn.other_activity - phb_activity)
                .max(0.0);
        let activity = cohort_activity + drawn.other_activity + drawn.backfill * freed;
        monthly[slots.activity + t] = activity;

        monthly[slots.phb_activity + t] = phb_activity;

        if review {
            let history = History {
                activity: &monthly[slots.activity..slots.activity + months],
                phb_activity: &monthly[slots.phb_activity..slots.phb_activity + months],
                notice: slots.notice,
            };
            review_service(ws, drawn, history, t, s);
        }
        let (transition, applied) = apply_decisions(ws, drawn, s, t);
        let transition = transition * cost;

        let amounts = &mut ws.amounts;
        let paid = match &drawn.block {
            Some(_) => {
                if prices_moved || review {
                    amounts.block_paid[s] = ws.contract_value[s] * price / 12.0;
                    amounts.recovered[s] =
                        ws.contract_rebased[s].min(ws.recovery * ws.recovery_weight[s]) * price
                            / 12.0;
                }
                let paid = amounts.block_paid[s];
                block_payments += paid;
                recovered += amounts.recovered[s];
                paid
            }
            None => {
                let paid = drawn.unit_price * price * activity;
                activity_payments += paid;
                paid
            }
        };
        let income = paid + ws.phb_money[s];
        if prices_moved || applied {
            amounts.fixed_cost[s] = ws.fixed_cost[s] * cost / 12.0;
        }
        let fixed_cost = amounts.fixed_cost[s];
        let costs =
            fixed_cost + drawn.variable_cost * cost * (activity + phb_activity) + transition;
        ws.provider_income[slots.provider] += income;
        ws.provider_costs[slots.provider] += costs;
        ws.provider_transition[slots.provider] += transition;

        monthly[slots.income + t] = income;
        monthly[slots.costs + t] = costs;
        monthly[slots.fixed_cost + t] = fixed_cost;
        if let Some((below, min)) = slots.below_viable {
            monthly[below + t] = flag(activity + phb_activity < min);
        }
    }

    // Steps 7–8 for providers.
    for (p, provider) in scenario.providers.iter().enumerate() {
        let drawn = &params.providers[p];
        let at = |metric| layout.provider_series(p, metric) * months + t;
        let amounts = &mut ws.amounts;
        if prices_moved {
            amounts.other_income[p] = drawn.other_income * price / 12.0;
            amounts.other_costs[p] = drawn.other_costs * cost / 12.0;
        }
        let income = ws.provider_income[p] + amounts.other_income[p];
        let costs = ws.provider_costs[p] + amounts.other_costs[p];
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
        monthly[at(ProviderSeries::TransitionCosts)] = ws.provider_transition[p];
    }

    // Step 9.
    let spend = block_payments + activity_payments + budgets + admin;
    let at = |metric| layout.commissioner_series(metric) * months + t;
    monthly[at(CommissionerSeries::Spend)] = spend;
    monthly[at(CommissionerSeries::BlockPayments)] = block_payments;
    monthly[at(CommissionerSeries::ActivityPayments)] = activity_payments;
    monthly[at(CommissionerSeries::Budgets)] = budgets;
    monthly[at(CommissionerSeries::Admin)] = admin;
    monthly[at(CommissionerSeries::AdditionalVsBaseline)] = spend - baseline_spend;
    let over_envelope = params.envelope.as_ref().map_or(0.0, |e| {
        (spend - e.envelope * ws.factors.envelope[t] / 12.0).max(0.0)
    });
    monthly[at(CommissionerSeries::OverEnvelope)] = over_envelope;
    monthly[at(CommissionerSeries::Recovered)] = recovered;
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
