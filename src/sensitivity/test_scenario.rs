//! A scenario whose probability of distress is known in closed form, for the tests of
//! the sensitivity analyses: `tests/fixtures/closed-form.toml`, the same file the
//! end-to-end tests run. Its header derives the result: provider `p` is distressed by
//! the horizon exactly when more than `K` = 20 of the `N` = 100 patients take a budget
//! in the first month, so `P(distress) = P(Binomial(N, h) > K)` at uptake `h`
//! ([`p_distress`]). Service `unused` has an uncertain `variable_cost` that multiplies
//! zero activity, so it has no effect on anything.

use crate::scenario::{Scenario, parse_scenario};

#[path = "../../tests/fixtures/closed_form.rs"]
mod analytic;
pub use analytic::{analytic_threshold, p_distress};

/// The scenario file; only `monthly` (and the idle `variable_cost`) are uncertain.
pub const CLOSED_FORM: &str = include_str!("../../tests/fixtures/closed-form.toml");

/// [`CLOSED_FORM`] as a scenario.
pub fn closed_form() -> Scenario {
    parse(CLOSED_FORM)
}

/// [`CLOSED_FORM`] with the contract value and `pass_through` uncertain too, so that
/// three parameters move income and one (the idle `variable_cost`) does not.
pub fn tornado_text() -> String {
    let replace = |text: &str, from: &str, to: &str| {
        assert!(text.contains(from), "the fixture sets `{from}`");
        text.replace(from, to)
    };
    let text = replace(
        CLOSED_FORM,
        "contract_value = 1200",
        r#"contract_value = { dist = "uniform", min = 1000, max = 1400 }"#,
    );
    replace(
        &text,
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
