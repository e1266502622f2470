//! The counterfactual without PHBs (SPEC section 4), run beside the model month by
//! month with the same parameter draws: everyone stays traditional (`A = A0`), the
//! price factors apply, fixed costs stay at `fixed_cost₀`, contracts are never re-based
//! for lost activity, and only the envelope's recovery moves them, on the
//! counterfactual's own spend and its own recovered overspend `D'`. So a squeeze that
//! exists without PHBs (prices, an envelope below the baseline spend) shows in the
//! baseline too, and is not blamed on PHBs.
//!
//! It is deterministic given the draws; it keeps the commissioner's baseline spend by
//! month (what `additional_vs_baseline` is measured against) and each provider's and
//! service's baseline totals, read by `summary`.

use super::params::DrawnParameters;
use super::prices::Factors;
use super::simulate::reset;
use crate::scenario::Scenario;

/// The counterfactual's state, reused from one iteration to the next.
#[derive(Debug, Default)]
pub(super) struct Counterfactual {
    /// `D'`: recovered overspend, start-year £ per year.
    recovery: f64,
    /// The commissioner's spend by month so far.
    pub spend: Vec<f64>,
    /// By service: its payments summed over the months so far.
    pub service_income: Vec<f64>,
    /// By service: its provider, and its payment this month.
    provider_of: Vec<usize>,
    paid: Vec<f64>,
    /// By provider: this month's income and costs from its services, and the
    /// commissioner's spend, with the tariff factor, cost factor and recovered
    /// overspend they were computed for (see [`Counterfactual::month`]).
    month_income: Vec<f64>,
    month_costs: Vec<f64>,
    month_spend: f64,
    computed_for: Option<[u64; 3]>,
    /// By provider: income and margin summed over the months so far, reserves, and
    /// whether reserves have been below the floor.
    pub provider_income: Vec<f64>,
    pub provider_margin: Vec<f64>,
    reserves: Vec<f64>,
    pub distressed: Vec<bool>,
}

/// The net overspend `O` of the 12 months before a review in month `t` (SPEC section
/// 4, step 6): months under the envelope offset months over it, and spend before the
/// window is never recovered.
pub(super) fn overspend(spend: &[f64], envelope: f64, factors: &Factors, t: usize) -> f64 {
    let from = t.saturating_sub(12);
    let net: f64 = (from..t)
        .map(|m| spend[m] - envelope * factors.envelope[m] / 12.0)
        .sum();
    net.max(0.0)
}

/// A block contract's share of every recovery: its value at `start` over the sum of
/// all block contracts' values at `start` (0 when that sum is 0).
pub(super) fn recovery_weights(params: &DrawnParameters, weights: &mut Vec<f64>) {
    let total: f64 = params
        .services
        .iter()
        .filter_map(|s| s.block.as_ref().map(|b| b.contract_value))
        .sum();
    weights.clear();
    weights.extend(params.services.iter().map(|s| match &s.block {
        Some(block) if total > 0.0 => block.contract_value / total,
        _ => 0.0,
    }));
}

impl Counterfactual {
    /// Sets the state to the start of an iteration.
    pub fn prepare(&mut self, scenario: &Scenario) {
        let (services, providers) = (scenario.service_count(), scenario.providers.len());
        self.recovery = 0.0;
        self.spend.clear();
        self.provider_of.clear();
        self.provider_of.extend(scenario.services().map(|(p, _)| p));
        reset(&mut self.paid, services, 0.0);
        self.computed_for = None;
        reset(&mut self.service_income, services, 0.0);
        reset(&mut self.month_income, providers, 0.0);
        reset(&mut self.month_costs, providers, 0.0);
        reset(&mut self.provider_income, providers, 0.0);
        reset(&mut self.provider_margin, providers, 0.0);
        reset(&mut self.distressed, providers, false);
        self.reserves.clear();
        self.reserves
            .extend(scenario.providers.iter().map(|p| p.reserves));
    }

    /// Month `t` of the counterfactual (`review`: whether it is a review month `t >=
    /// 1`); returns the commissioner's baseline spend this month. `baseline_activity`
    /// is `A0` by service, `weights` each service's share of a recovery.
    #[allow(clippy::too_many_arguments)] // the model's inputs, each needed
    pub fn month(
        &mut self,
        scenario: &Scenario,
        params: &DrawnParameters,
        baseline_activity: &[f64],
        weights: &[f64],
        factors: &Factors,
        t: usize,
        review: bool,
    ) -> f64 {
        if review && let Some(envelope) = &params.envelope {
            let over = overspend(&self.spend, envelope.envelope, factors, t);
            self.recovery += envelope.recover_overspend * over / factors.tariff[t];
        }
        let (price, cost) = (factors.tariff[t], factors.cost[t]);
        // Services' payments and costs depend on the month only through these three,
        // which change at financial-year starts and recoveries: in other months they
        // are last month's, bit for bit, and are not computed again.
        let inputs = [price, cost, self.recovery].map(f64::to_bits);
        if self.computed_for != Some(inputs) {
            self.computed_for = Some(inputs);
            self.month_income.fill(0.0);
            self.month_costs.fill(0.0);
            let mut spend = 0.0;
            for (s, drawn) in params.services.iter().enumerate() {
                let p = self.provider_of[s];
                let a0 = baseline_activity[s];
                let paid = match &drawn.block {
                    Some(block) => {
                        (block.contract_value - self.recovery * weights[s]).max(0.0) * price / 12.0
                    }
                    None => drawn.unit_price * price * a0,
                };
                spend += paid;
                self.paid[s] = paid;
                self.month_income[p] += paid;
                self.month_costs[p] +=
                    drawn.fixed_cost * cost / 12.0 + drawn.variable_cost * cost * a0;
            }
            self.month_spend = spend;
        }
        let spend = self.month_spend;
        for (income, paid) in self.service_income.iter_mut().zip(&self.paid) {
            *income += paid;
        }
        for (p, provider) in scenario.providers.iter().enumerate() {
            let drawn = &params.providers[p];
            let income = self.month_income[p] + drawn.other_income * price / 12.0;
            let margin = income - (self.month_costs[p] + drawn.other_costs * cost / 12.0);
            self.provider_income[p] += income;
            self.provider_margin[p] += margin;
            self.reserves[p] += margin;
            self.distressed[p] |= self.reserves[p] < provider.reserve_floor;
        }
        self.spend.push(spend);
        spend
    }
}
