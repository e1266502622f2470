//! The month's price factors of SPEC section 4: every amount in a scenario is in
//! start-year prices, and money in month `t` is that amount times
//! `(1 + rate)^k(t)`, where `k(t)` counts the financial-year starts in `1..=t`.
//!
//! With every rate 0 each factor is exactly 1, and the engine multiplies by it, so
//! constant prices give the v1 results bit for bit.

use super::params::DrawnParameters;
use crate::scenario::Scenario;

/// The factors by month, drawn once per iteration (the rates are uncertain).
#[derive(Debug, Default)]
pub(super) struct Factors {
    /// `P(t)`: unit prices, contract values, other income.
    pub tariff: Vec<f64>,
    /// `K(t)`: fixed, variable and other costs, transition costs.
    pub cost: Vec<f64>,
    /// `G(t)`: budgets.
    pub budget: Vec<f64>,
    /// `V(t)`: the envelope (1 without one).
    pub envelope: Vec<f64>,
}

/// `(1 + rate)^k`.
fn factor(rate: f64, k: i32) -> f64 {
    (1.0 + rate).powi(k)
}

impl Factors {
    pub fn prepare(&mut self, scenario: &Scenario, params: &DrawnParameters) {
        let prices = &params.prices;
        let growth = params.envelope.as_ref().map_or(0.0, |e| e.growth);
        self.tariff.clear();
        self.cost.clear();
        self.budget.clear();
        self.envelope.clear();
        // k(t) moves only at financial-year starts: the powers are taken there and
        // repeated in between.
        let mut last = None;
        let mut month = [1.0; 4];
        for t in 0..scenario.months {
            let k = scenario.uplifts_by(t) as i32;
            if last != Some(k) {
                last = Some(k);
                month = [
                    prices.tariff_uplift,
                    prices.cost_inflation,
                    prices.budget_uplift,
                    growth,
                ]
                .map(|rate| factor(rate, k));
            }
            self.tariff.push(month[0]);
            self.cost.push(month[1]);
            self.budget.push(month[2]);
            self.envelope.push(month[3]);
        }
    }
}
