//! The random draws of one iteration and nothing else: the floor the engine's speed
//! is measured against (`benches/national.rs`). An iteration cannot cost less than
//! its draws, so the engine's time over this one's says what the bookkeeping costs.

use super::binomial::binomial;
use super::cohort::{BudgetDraws, CohortPowers, CohortState, conditional_form_shares};
use super::params::DrawnParameters;
use crate::rng::stream_rng;
use crate::scenario::Scenario;

/// Draws every cohort's random numbers of iteration `iteration`, exactly as
/// [`super::simulate_iteration`] does (the same streams, kinds, counts and order: the
/// willing, then from the offer month on each month's returns, uptake, forms and
/// budgets), keeping only the counts the next draw depends on: no spending, activity,
/// money or output. Cohorts are drawn one after another rather than month by month,
/// which changes no draw, since each cohort has its own stream.
///
/// Returns, by cohort, everyone who ever took a budget (`E` at the end), which the
/// engine's `new_holders` series add up to.
pub fn draw_cohorts(
    scenario: &Scenario,
    params: &DrawnParameters,
    seed: u64,
    iteration: u64,
) -> Vec<u64> {
    let months = i64::from(scenario.months);
    scenario
        .cohorts
        .iter()
        .zip(&params.cohorts)
        .map(|(cohort, draw)| {
            let mut rng = stream_rng(seed, iteration, cohort.key);
            let mut state = CohortState::new(binomial(&mut rng, cohort.size, draw.ceiling));
            let forms = conditional_form_shares(&cohort.forms);
            let budget = BudgetDraws::new(&cohort.budget);
            let mut powers = CohortPowers::default();
            for _ in scenario.offer_index(cohort).max(0)..months {
                state.month(&mut rng, draw, &forms, &budget, &mut powers);
            }
            state.ever
        })
        .collect()
}
