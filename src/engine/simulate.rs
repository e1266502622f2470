//! One iteration of the model (SPEC section 4): the month loop, the reusable
//! [`Workspace`] it runs in, and the whole-horizon summary.
//!
//! The month loop does steps 1–3 here (cohorts, see [`super::cohort`]) and steps 4–9 in
//! [`super::money`]. It reads no strings and allocates nothing: every buffer lives in the
//! workspace and is sized on the first iteration of a scenario, and histories a step
//! needs (the review's run-rate, the deficit's trailing year) are read back from the
//! monthly output already written.

use std::collections::VecDeque;

use super::binomial::binomial;
use super::cohort::{BudgetDraws, CohortPowers, CohortState, conditional_form_shares};
use super::counterfactual::{Counterfactual, recovery_weights};
use super::layout::{CohortSeries, OutputLayout};
use super::money::{self, ServiceSlots};
use super::params::DrawnParameters;
use super::prices::Factors;
use super::summary;
use super::uses::{ServiceUse, UsesByService};
use crate::rng::{StreamRng, stream_rng};
use crate::scenario::{Scenario, review_due};

/// Buffers reused from one iteration to the next (one per thread). Create it once with
/// [`Workspace::default`]; it sizes itself to the scenario it is given.
#[derive(Debug, Default)]
pub struct Workspace {
    /// By cohort: its stream for this iteration, its state, the squarings its
    /// binomials keep, the conditional form shares of its multinomial split, its
    /// budget sampler, its offer month, and where its entries start in `use_weight`
    /// (one more entry than cohorts).
    pub(super) rngs: Vec<StreamRng>,
    pub(super) cohorts: Vec<CohortState>,
    pub(super) powers: Vec<CohortPowers>,
    pub(super) cond_forms: Vec<[f64; 3]>,
    pub(super) budget_draws: Vec<BudgetDraws>,
    pub(super) offer: Vec<i64>,
    pub(super) use_start: Vec<usize>,
    /// By cohort and form: this month's budget total in this month's prices, a
    /// twelfth of `B · G(t)`, for money's step 4.
    pub(super) budget_month: Vec<[f64; 3]>,
    /// By cohort, this month: traditional patients, holders and the budget money
    /// spent on its own services (`existing`), for step 5.
    pub(super) cohort_mix: Vec<[f64; 3]>,
    /// The uses below, grouped by service (see [`UsesByService`]).
    pub(super) uses_by_service: UsesByService,
    /// By cohort use (flattened): the share of the cohort's `existing` budget spending
    /// that goes to that service, `substitution × per_month × unit_price` over its sum
    /// (0 where budgets cannot be spent); the service; the drawn `per_month`; and the
    /// share of it a holder keeps, `1 − substitution`. Flat arrays, so the month loop
    /// reads no scenario structs (a use's `Uncertain` is many times the size of what
    /// the loop needs).
    pub(super) use_weight: Vec<f64>,
    pub(super) use_service: Vec<usize>,
    pub(super) use_per_month: Vec<f64>,
    pub(super) use_kept: Vec<f64>,
    /// By service: whether budgets may be spent there.
    pub(super) purchasable: Vec<bool>,
    /// By service: its provider and where its series are (see [`ServiceSlots`]).
    pub(super) service_slots: Vec<ServiceSlots>,
    /// By form: the effective `existing` share (after the cap), the factor on named
    /// services' shares, and the share of budgets spent (`1 − underspend`); 0 / 1 / 1
    /// for a form without a table.
    pub(super) existing_share: [f64; 3],
    pub(super) form_scale: [f64; 3],
    pub(super) spent_share: [f64; 3],
    /// By service: `A0`, this month's cohort activity `C` and `PHB £`.
    pub(super) baseline_activity: Vec<f64>,
    pub(super) cohort_activity: Vec<f64>,
    pub(super) phb_money: Vec<f64>,
    /// By service, in start-year prices: the contract as re-based for lost activity
    /// (`contract_value₀ · (1 − pass_through · L)`), the contract paid (after the
    /// envelope's recovery), and the contract's share of a recovery `w`.
    pub(super) contract_rebased: Vec<f64>,
    pub(super) contract_value: Vec<f64>,
    pub(super) recovery_weight: Vec<f64>,
    /// By service, in start-year prices: the latest fixed-cost decision `Φ` (taken,
    /// perhaps not yet effective), the effective fixed cost `Φ_eff`, and the decisions
    /// still in their notice period, as (month they take effect, value), oldest first.
    pub(super) decided: Vec<f64>,
    pub(super) fixed_cost: Vec<f64>,
    pub(super) pending: Vec<VecDeque<(usize, f64)>>,
    /// `D`: the commissioner's recovered overspend, start-year £ per year.
    pub(super) recovery: f64,
    /// By provider: this month's income, costs and transition costs so far, reserves,
    /// and whether distress has happened yet.
    pub(super) provider_income: Vec<f64>,
    pub(super) provider_costs: Vec<f64>,
    pub(super) provider_transition: Vec<f64>,
    pub(super) reserves: Vec<f64>,
    pub(super) distressed: Vec<bool>,
    /// Month-constant amounts in this month's prices, carried from the month before
    /// until their inputs change (see `money::MonthAmounts`).
    pub(super) amounts: super::money::MonthAmounts,
    /// The month's price factors.
    pub(super) factors: Factors,
    /// The same iteration without PHBs.
    pub(super) counterfactual: Counterfactual,
}

/// Empties `v` and fills it with `n` copies of `value`, keeping its allocation.
pub(super) fn reset<T: Clone>(v: &mut Vec<T>, n: usize, value: T) {
    v.clear();
    v.resize(n, value);
}

impl Workspace {
    /// Sets every buffer to the start of an iteration: draws each cohort's willing
    /// (the first draw of its stream) and derives the per-iteration constants.
    fn prepare(
        &mut self,
        scenario: &Scenario,
        layout: &OutputLayout,
        params: &DrawnParameters,
        seed: u64,
        iteration: u64,
    ) {
        let services = scenario.service_count();
        self.rngs.clear();
        self.cohorts.clear();
        // Kept from earlier iterations, even of other scenarios: squarings are a
        // function of their `q` alone, which each is checked against.
        self.powers
            .resize(scenario.cohorts.len(), CohortPowers::default());
        self.cond_forms.clear();
        self.budget_draws.clear();
        self.offer.clear();
        self.use_start.clear();
        self.use_weight.clear();
        self.use_service.clear();
        self.use_per_month.clear();
        self.use_kept.clear();
        reset(&mut self.baseline_activity, services, 0.0);
        reset(&mut self.cohort_activity, services, 0.0);
        reset(&mut self.phb_money, services, 0.0);
        self.purchasable.clear();
        self.purchasable
            .extend(scenario.services().map(|(_, s)| s.budget_purchasable));

        for (c, cohort) in scenario.cohorts.iter().enumerate() {
            let draw = &params.cohorts[c];
            let mut rng = stream_rng(seed, iteration, cohort.key);
            let willing = binomial(&mut rng, cohort.size, draw.ceiling);
            self.rngs.push(rng);
            self.cohorts.push(CohortState::new(willing));
            self.cond_forms.push(conditional_form_shares(&cohort.forms));
            self.budget_draws.push(BudgetDraws::new(&cohort.budget));
            self.offer.push(scenario.offer_index(cohort));

            self.use_start.push(self.use_weight.len());
            let mut total = 0.0;
            for (u, service_use) in cohort.uses.iter().enumerate() {
                let s = service_use.service.0;
                let substitution = draw.substitution[u];
                let value = if self.purchasable[s] {
                    substitution * draw.per_month[u] * params.services[s].unit_price
                } else {
                    0.0
                };
                total += value;
                self.use_weight.push(value);
                self.use_service.push(s);
                self.use_per_month.push(draw.per_month[u]);
                self.use_kept.push(1.0 - substitution);
                self.baseline_activity[s] += cohort.size as f64 * draw.per_month[u];
            }
            let start = self.use_start[c];
            for weight in &mut self.use_weight[start..] {
                *weight = if total > 0.0 { *weight / total } else { 0.0 };
            }
        }
        self.use_start.push(self.use_weight.len());
        let uses = (0..scenario.cohorts.len())
            .flat_map(|c| (self.use_start[c]..self.use_start[c + 1]).map(move |u| (c, u)));
        let by_use = uses.map(|(cohort, u)| {
            let service_use = ServiceUse {
                cohort,
                kept: self.use_kept[u],
                per_month: self.use_per_month[u],
                weight: self.use_weight[u],
            };
            (self.use_service[u], service_use)
        });
        self.uses_by_service.group(services, by_use);
        self.cohort_mix.resize(scenario.cohorts.len(), [0.0; 3]);

        for (form, drawn) in params.forms.iter().enumerate() {
            (
                self.existing_share[form],
                self.form_scale[form],
                self.spent_share[form],
            ) = match drawn {
                Some(drawn) => (
                    drawn.existing * drawn.scale(),
                    drawn.scale(),
                    1.0 - drawn.underspend,
                ),
                None => (0.0, 1.0, 1.0),
            };
        }

        self.contract_rebased.clear();
        self.decided.clear();
        self.fixed_cost.clear();
        self.pending.resize_with(services, VecDeque::new);
        self.pending.iter_mut().for_each(VecDeque::clear);
        self.recovery = 0.0;
        for (s, drawn) in params.services.iter().enumerate() {
            self.baseline_activity[s] += drawn.other_activity;
            self.decided.push(drawn.fixed_cost);
            self.fixed_cost.push(drawn.fixed_cost);
            self.contract_rebased
                .push(drawn.block.as_ref().map_or(0.0, |b| b.contract_value));
        }
        self.contract_value.clone_from(&self.contract_rebased);
        recovery_weights(params, &mut self.recovery_weight);
        self.factors.prepare(scenario, params);
        self.counterfactual.prepare(scenario);

        self.service_slots.clear();
        self.service_slots.extend(
            scenario
                .services()
                .enumerate()
                .map(|(s, (p, service))| ServiceSlots::new(layout, s, p, service)),
        );

        let providers = scenario.providers.len();
        reset(&mut self.provider_income, providers, 0.0);
        reset(&mut self.provider_costs, providers, 0.0);
        reset(&mut self.provider_transition, providers, 0.0);
        reset(&mut self.distressed, providers, false);
        self.reserves.clear();
        self.reserves
            .extend(scenario.providers.iter().map(|p| p.reserves));
    }

    /// Steps 1–3 for every cohort in month `t`, and the cohort series.
    fn cohorts_month(
        &mut self,
        scenario: &Scenario,
        layout: &OutputLayout,
        params: &DrawnParameters,
        monthly: &mut [f64],
        t: usize,
    ) {
        let months = layout.months();
        let budget_factor = self.factors.budget[t];
        self.budget_month.resize(scenario.cohorts.len(), [0.0; 3]);
        for (c, cohort) in scenario.cohorts.iter().enumerate() {
            let state = &mut self.cohorts[c];
            let rng = &mut self.rngs[c];
            state.new_holders = 0;
            state.returned = 0;
            if t as i64 >= self.offer[c] {
                let (forms, budget) = (&self.cond_forms[c], &self.budget_draws[c]);
                let powers = &mut self.powers[c];
                state.month(rng, &params.cohorts[c], forms, budget, powers);
            }
            let holders = state.holders_total();
            // Forms without holders have +0, which stays +0 without the division.
            let positive = budget_factor > 0.0 && budget_factor.is_finite();
            let budget = state.budgets.map(|b| {
                if b.to_bits() == 0 && positive {
                    0.0
                } else {
                    b * budget_factor / 12.0
                }
            });
            self.budget_month[c] = budget;
            let spend: f64 = (budget.iter().zip(&self.spent_share))
                .map(|(b, spent)| spent * b)
                .sum();
            let mut put = |metric, value: f64| {
                monthly[layout.cohort_series(c, metric) * months + t] = value;
            };
            put(CohortSeries::Traditional, (cohort.size - holders) as f64);
            put(CohortSeries::Holders, holders as f64);
            put(CohortSeries::NewHolders, state.new_holders as f64);
            put(CohortSeries::Returned, state.returned as f64);
            put(CohortSeries::BudgetSpend, spend);
        }
    }
}

/// Simulates iteration `iteration` of `scenario` with the parameter values `params`
/// (normally `DrawnParameters::draw(scenario, seed, iteration)`, possibly overridden),
/// writing every monthly series to `monthly` (series-major: `monthly[series * months +
/// t]`, order of [`OutputLayout::monthly_names`]) and every summary metric to `summary`
/// (order of [`OutputLayout::summary_names`]).
///
/// The patients' choices come from one stream per cohort, `stream_rng(seed, iteration,
/// cohort.key)`, in the order documented in `super::cohort`; the result depends on
/// nothing else, so it is the same on any thread and with any earlier use of `ws`.
///
/// # Panics
/// If `monthly` or `summary` is not of the layout's length, or `layout` and `params`
/// were not made for `scenario`.
#[allow(clippy::too_many_arguments)] // the signature is the engine's whole contract
pub fn simulate_iteration(
    scenario: &Scenario,
    layout: &OutputLayout,
    params: &DrawnParameters,
    seed: u64,
    iteration: u64,
    ws: &mut Workspace,
    monthly: &mut [f64],
    summary: &mut [f64],
) {
    assert_eq!(monthly.len(), layout.monthly_len(), "monthly buffer length");
    assert_eq!(summary.len(), layout.summary_len(), "summary buffer length");
    assert_eq!(params.services.len(), scenario.service_count());
    assert_eq!(params.cohorts.len(), scenario.cohorts.len());

    ws.prepare(scenario, layout, params, seed, iteration);
    let first_review = scenario.first_review_index();
    for t in 0..layout.months() {
        let review = review_due(first_review, t as i64);
        ws.cohorts_month(scenario, layout, params, monthly, t);
        money::month(scenario, layout, params, ws, monthly, t, review);
    }
    summary::summarise(scenario, layout, ws, monthly, summary);
    summary::summarise_years(scenario, layout, monthly, summary);
}
