//! The simulation core (SPEC section 4): pure functions from a validated scenario, one
//! iteration's parameter draws and a seed to numbers. No I/O, no printing, no global
//! random generator.
//!
//! - [`params`]: one iteration's draw of every uncertain parameter;
//! - [`layout`]: the names and order of the outputs;
//! - `binomial`: exact binomial draws, the engine's most frequent variate;
//! - `cohort`: willing, returns, uptake, forms, budgets (the only randomness);
//! - [`draw_cohorts`]: those draws alone, the floor the engine is benchmarked against;
//! - `prices`: the month's price factors (tariff, costs, budgets, envelope);
//! - `money`: spending, activity, reviews (recovery, contracts, stepped fixed costs
//!   after notice), money, flags, commissioner;
//! - `uses`: cohorts' uses of services, grouped by service for step 5;
//! - `counterfactual`: the same iteration without PHBs, run beside it;
//! - `summary`: whole-horizon and financial-year metrics;
//! - `simulate`: the month loop and its reusable [`Workspace`].
//!
//! A caller runs, per iteration `i`: `DrawnParameters::draw(scenario, seed, i)`, then
//! [`simulate_iteration`] into buffers of [`OutputLayout::monthly_len`] and
//! [`OutputLayout::summary_len`].

mod binomial;
mod cohort;
mod counterfactual;
mod floor;
pub mod layout;
mod money;
pub mod params;
mod prices;
mod simulate;
mod single;
mod summary;
mod uses;

#[cfg(test)]
mod test_scenarios;
#[cfg(test)]
mod tests;

pub use cohort::BUDGET_EXACT_DRAWS_BELOW;
pub use cohort::CohortCounts;
pub use floor::draw_cohorts;
pub use layout::{Level, OutputLayout, SeriesName};
pub use params::{DrawnParameters, Slot};
pub use simulate::{Workspace, simulate_iteration};
pub use single::Simulator;
