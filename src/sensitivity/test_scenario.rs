//! A scenario whose probability of distress is known in closed form, for the tests of
//! the sensitivity analyses.
//!
//! Provider `p` has one block service `s` used once a month by each of the `N` = 100
//! patients of cohort `c`: contract £1,200 a year (`12 × N` at £1 a unit), fixed cost
//! £1,200 a year, nothing else, `pass_through` 1. Budgets are offered from month 0 with
//! a constant monthly uptake `h`, ceiling 1 (so all are willing, drawn without
//! randomness) and no returns; budgets are £0, so no money comes back. The horizon is
//! two months and the first review is month 1, so:
//!
//! - month 0: income £100, costs £100, margin 0; `E0 ~ Binomial(N, h)` patients leave;
//! - review at month 1: the run-rate is month 0's activity `N − E0`, the lost share
//!   `E0 / N`, and the contract falls to `1200 (1 − E0 / N)`;
//! - month 1: income `100 − E0`, costs £100, margin `−E0`.
//!
//! Reserves start at `K + 0.5` with floor 0, so the provider ends in distress exactly
//! when `E0 > K`: `P(distress) = P(Binomial(N, h) > K)`, with `K` = 20.
//!
//! Service `unused` belongs to the same provider, is paid by activity and nobody uses
//! it: its `variable_cost` is uncertain but multiplies zero activity, so it has no
//! effect on anything.

use statrs::distribution::{Binomial, DiscreteCDF};

use crate::scenario::{Scenario, parse_scenario};

/// Patients in cohort `c`.
pub const N: u64 = 100;
/// Distress when more than this many leave in month 0.
pub const K: u64 = 20;

/// The scenario file; only `monthly` (and the idle `variable_cost`) are uncertain.
pub const CLOSED_FORM: &str = r#"
schema_version = 1

[scenario]
name = "closed form"
start = "2027-04"
months = 2
iterations = 400
seed = 17

[contracts]
first_review = "2027-05"

[budget_forms.notional]
existing = 0

[[providers]]
id = "p"
reserves = 20.5
reserve_floor = 0

[[providers.services]]
id = "s"
payment = "block"
unit_price = 1
contract_value = 1200
fixed_cost = 1200
pass_through = 1

[[providers.services]]
id = "unused"
payment = "activity"
unit_price = 1
variable_cost = { dist = "uniform", min = 1, max = 5 }

[[cohorts]]
id = "c"
size = 100
uptake = { model = "constant", monthly = { dist = "uniform", min = 0.1, max = 0.3 } }
budget = 0
forms = { direct_payment = 0, notional = 1, third_party = 0 }
uses = [{ service = "p/s", per_month = 1 }]
"#;

/// [`CLOSED_FORM`] as a scenario.
pub fn closed_form() -> Scenario {
    parse(CLOSED_FORM)
}

/// [`CLOSED_FORM`] with the contract value and `pass_through` uncertain too, so that
/// three parameters move income and one (the idle `variable_cost`) does not.
pub fn tornado_text() -> String {
    CLOSED_FORM
        .replace(
            "contract_value = 1200",
            r#"contract_value = { dist = "uniform", min = 1000, max = 1400 }"#,
        )
        .replace(
            "pass_through = 1",
            r#"pass_through = { dist = "uniform", min = 0.5, max = 1 }"#,
        )
}

/// Parses scenario text that the tests know to be valid.
pub fn parse(text: &str) -> Scenario {
    parse_scenario(text)
        .expect("the test scenario is valid")
        .scenario
}

/// `P(Binomial(N, h) > K)`: the probability of distress at uptake `h`.
pub fn p_distress(h: f64) -> f64 {
    Binomial::new(h, N).expect("h in [0, 1]").sf(K)
}

/// The uptake at which [`p_distress`] equals `target`, by bisection (it rises with
/// `h`) to machine precision.
pub fn analytic_threshold(target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if p_distress(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
