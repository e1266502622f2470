//! What drives a provider's risk: one-way sensitivity with rank correlations
//! ([`one_way`], the swings a tornado chart draws) and reverse stress tests
//! ([`stress`]).
//!
//! Both vary uncertain parameters through the `adjust` hook of
//! [`crate::run::Run::adjust`]: a parameter is pinned at one value in every iteration
//! while every other parameter keeps its own draw and every cohort its own random
//! stream, so two runs differ only by that parameter (common random numbers, SPEC
//! section 7). The engine is untouched; pinning a parameter outside every
//! `[[correlations]]` block gives bit for bit what a variant setting it to that number
//! gives. One-way sensitivity pins a correlated parameter at a percentile and draws
//! its block's other members given it ([`conditioned_on`]), so they move with it as the
//! correlations say; the stress test pins a value and leaves its partners at their
//! usual draws.
//!
//! Parameters are shown by [`parameter_label`] (`NHS Talking Therapies: unit price`)
//! and kept in files by path. This module also finds what the user names on the command line (a provider by id,
//! a parameter by path) and explains, with a "did you mean", what it cannot find.

pub mod label;
pub mod one_way;
pub mod parts;
pub mod stress;

pub use label::parameter_label;

use crate::engine::layout::ProviderSummary;
use crate::engine::{DrawnParameters, OutputLayout, Slot};
use crate::scenario::paths::scenario_paths;
use crate::scenario::{Scenario, Uncertain, nearest};

/// The percentiles of a parameter's distribution that one-way sensitivity sets it to.
pub const LOW_PERCENTILE: f64 = 0.10;
/// See [`LOW_PERCENTILE`].
pub const HIGH_PERCENTILE: f64 = 0.90;

/// The value of `u` at percentile `p` of its distribution, clamped to its valid range
/// as its draws are (a plain number is its own percentile).
pub fn percentile_value(u: &Uncertain, p: f64) -> f64 {
    u.at_quantile(p)
}

/// `scenario` with the parameter at `path` known to lie at percentile `p` of its
/// distribution, for the draws of its `[[correlations]]` block: the block's other
/// members are drawn from their conditional distribution given it (the Gaussian
/// copula's conditional normal, see [`crate::distribution::copula`]), each still from
/// its own stream. `None` when the parameter is in no block, so nothing else moves
/// with it.
pub fn conditioned_on(scenario: &Scenario, path: &str, p: f64) -> Option<Scenario> {
    let (block, member) = scenario
        .correlations
        .iter()
        .enumerate()
        .find_map(|(b, c)| c.member(path).map(|m| (b, m)))?;
    let mut conditioned = scenario.clone();
    conditioned.correlations[block] = scenario.correlations[block].given(member, p);
    Some(conditioned)
}

/// The parameters one-way sensitivity varies: every uncertain parameter given as a
/// distribution, in [`DrawnParameters::slots`] order. A plain number has nothing to
/// vary; a cohort's `budget` is the spread across holders, not a per-iteration
/// parameter, and has no slot.
pub fn uncertain_parameters(scenario: &Scenario) -> Vec<(Slot, &Uncertain)> {
    DrawnParameters::slots(scenario)
        .into_iter()
        .filter(|(_, u)| u.fixed_value().is_none())
        .collect()
}

/// Where each provider's whole-horizon income and distress flag sit in a summary row.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderOutcomes {
    /// Provider ids, file order.
    pub ids: Vec<String>,
    /// By provider: index of `income` (sum over the horizon).
    pub income: Vec<usize>,
    /// By provider: index of `distressed` (0/1: distressed by the horizon).
    pub distressed: Vec<usize>,
}

impl ProviderOutcomes {
    /// The outcomes of every provider of `scenario`, laid out as in `layout`.
    pub fn new(scenario: &Scenario, layout: &OutputLayout) -> Self {
        let count = scenario.providers.len();
        ProviderOutcomes {
            ids: scenario.providers.iter().map(|p| p.id.clone()).collect(),
            income: (0..count)
                .map(|p| layout.provider_summary(p, ProviderSummary::Income))
                .collect(),
            distressed: (0..count)
                .map(|p| layout.provider_summary(p, ProviderSummary::Distressed))
                .collect(),
        }
    }
}

/// Something named on the command line that the scenario does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LookupError {
    pub message: String,
    /// How to fix it ("did you mean `trust`?").
    pub help: Option<String>,
}

/// The index of provider `id`.
pub fn find_provider(scenario: &Scenario, id: &str) -> Result<usize, LookupError> {
    let ids = || scenario.providers.iter().map(|p| p.id.as_str());
    ids().position(|p| p == id).ok_or_else(|| LookupError {
        message: format!("the scenario has no provider `{id}`"),
        help: Some(match nearest(id, ids()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("choose one of: {}", quoted(ids())),
        }),
    })
}

/// The uncertain parameter at `path` (any `(U)` parameter of SPEC section 2, a plain
/// number or a distribution). `text` is the scenario file, used to tell a setting
/// that exists but is not a `(U)` parameter (`reserves`, `size`) from a misspelling.
pub fn find_parameter<'a>(
    scenario: &'a Scenario,
    text: &str,
    path: &str,
) -> Result<(Slot, &'a Uncertain), LookupError> {
    let slots = DrawnParameters::slots(scenario);
    if let Some(&(slot, u)) = slots.iter().find(|(_, u)| u.path == path) {
        return Ok((slot, u));
    }
    let parent = path.rsplit_once('.').map_or(path, |(parent, _)| parent);
    // The parameters under the same parent, nearest first.
    let mut siblings: Vec<&str> = slots
        .iter()
        .map(|(_, u)| u.path.as_str())
        .filter(|p| p.starts_with(parent) && p.as_bytes().get(parent.len()) == Some(&b'.'))
        .collect();
    siblings.sort_by_key(|p| p.matches('.').count());
    let listing = |paths: &[&str]| {
        const SHOWN: usize = 8;
        let more = paths.len().saturating_sub(SHOWN);
        let mut text = quoted(paths.iter().take(SHOWN).copied());
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    if scenario_paths(text).contains_key(path) {
        return Err(LookupError {
            message: format!(
                "`{path}` is a setting, not an uncertain parameter: only the parameters marked (U) in the scenario format are drawn per iteration and can be varied"
            ),
            help: Some(if siblings.is_empty() {
                "name a price, cost, contract value, share or rate, e.g. `providers.<id>.services.<id>.pass_through`".to_string()
            } else {
                format!("uncertain parameters here: {}", listing(&siblings))
            }),
        });
    }
    let help = match nearest(path, slots.iter().map(|(_, u)| u.path.as_str())) {
        Some(near) => format!("did you mean `{near}`?"),
        None if !siblings.is_empty() => {
            format!("uncertain parameters under `{parent}`: {}", listing(&siblings))
        }
        None => "a path is ids and keys joined by dots, e.g. `cohorts.<id>.uptake.ceiling` or `providers.<id>.services.<id>.pass_through`".to_string(),
    };
    Err(LookupError {
        message: format!("the scenario has no uncertain parameter `{path}`"),
        help: Some(help),
    })
}

fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod test_scenario;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Distribution;
    use crate::scenario::ValueRange;
    use test_scenario::{CLOSED_FORM, closed_form, parse, tornado_text};

    #[test]
    fn percentiles_are_the_distributions_clamped_to_the_range() {
        let u = |dist| Uncertain::new(dist, ValueRange::Probability, "x".into());
        let uniform = u(Distribution::Uniform { min: 0.2, max: 0.7 });
        assert!((percentile_value(&uniform, LOW_PERCENTILE) - 0.25).abs() < 1e-12);
        assert!((percentile_value(&uniform, HIGH_PERCENTILE) - 0.65).abs() < 1e-12);
        // An `interval` is the 80% interval: its P10 and P90 are `low` and `high`.
        let interval = u(Distribution::Interval {
            low: 0.3,
            high: 0.5,
        });
        assert!((percentile_value(&interval, LOW_PERCENTILE) - 0.3).abs() < 1e-3);
        // A normal mostly below 0 has its P10 clamped to 0, as its draws are.
        let normal = u(Distribution::Normal { mean: 0.0, sd: 1.0 });
        assert_eq!(percentile_value(&normal, LOW_PERCENTILE).to_bits(), 0);
    }

    /// Model v2's (U) keys are parameters like any other: the example's uncertain
    /// `substitution` and `underspend` are varied by `sensitivity` and found by path by
    /// `stress`; a substitution left at a number is not varied.
    #[test]
    fn substitution_and_underspend_are_analysed_and_found_by_path() {
        use crate::scenario::load::EXAMPLE;
        let s = crate::scenario::parse_scenario(EXAMPLE).unwrap().scenario;
        let paths: Vec<String> = uncertain_parameters(&s)
            .iter()
            .map(|(_, u)| u.path.clone())
            .collect();
        let cmht = "cohorts.frequent-crisis.uses.trust/cmht.substitution";
        assert!(paths.iter().any(|p| p == cmht), "{paths:#?}");
        assert!(
            paths
                .iter()
                .any(|p| p == "budget_forms.notional.underspend")
        );
        assert!(
            !paths
                .iter()
                .any(|p| p == "cohorts.frequent-crisis.uses.trust/crisis.substitution"),
            "a fixed substitution is not varied"
        );
        let (slot, u) = find_parameter(&s, EXAMPLE, cmht).expect("found by path");
        assert_eq!(u.path, cmht);
        assert!(matches!(slot, crate::engine::Slot::Substitution(0, _)));
    }

    /// Conditioning on a parameter at a percentile moves its partner as the Gaussian
    /// copula says: a `normal(100, 1)` partner of rank correlation 0.9 has, given the
    /// other at percentile `p`, mean `100 + ρ Φ⁻¹(p)` with `ρ = 2 sin(0.9 π / 6)`,
    /// and sd `√(1 − ρ²)`, so its sample mean over `n` iterations has standard error
    /// `√((1 − ρ²) / n)`. Without conditioning it keeps mean 100, sd 1.
    #[test]
    fn conditioning_moves_a_correlated_partner() {
        use crate::distribution::copula::pearson_of_spearman;
        use crate::stats::tolerance::STANDARD_ERRORS;
        use statrs::distribution::{ContinuousCDF, Normal};
        const IDLE: &str = "providers.p.services.unused.variable_cost";
        let partner = "providers.p.services.unused.unit_price";
        let text = format!(
            "{}\n[[correlations]]\npaths = [\"{IDLE}\", \"{partner}\"]\nrank = [[1, 0.9], [0.9, 1]]\n",
            tornado_text().replacen(
                "unit_price = 1\nvariable_cost",
                "unit_price = { dist = \"normal\", mean = 100, sd = 1 }\nvariable_cost",
                1
            )
        );
        let s = parse(&text);
        let (slot, _) = find_parameter(&s, &text, partner).expect("a parameter");
        let n = 2_000;
        let mean = |s: &Scenario| {
            (0..n)
                .map(|i| DrawnParameters::draw(s, 3, i).get(slot))
                .sum::<f64>()
                / n as f64
        };
        let rho = pearson_of_spearman(0.9);
        for p in [LOW_PERCENTILE, HIGH_PERCENTILE] {
            let given = conditioned_on(&s, IDLE, p).expect("in a block");
            let expected = 100.0 + rho * Normal::standard().inverse_cdf(p);
            let se = ((1.0 - rho * rho) / n as f64).sqrt();
            let found = mean(&given);
            assert!(
                (found - expected).abs() < STANDARD_ERRORS * se,
                "at P{}: mean {found}, expected {expected} ± {se}",
                p * 100.0
            );
        }
        let plain = mean(&s);
        assert!(
            (plain - 100.0).abs() < STANDARD_ERRORS / (n as f64).sqrt(),
            "{plain}"
        );
        assert!(conditioned_on(&s, "providers.p.services.s.contract_value", 0.1).is_none());
    }

    #[test]
    fn only_parameters_given_as_distributions_are_varied() {
        let s = parse(&tornado_text());
        let paths: Vec<&str> = uncertain_parameters(&s)
            .iter()
            .map(|(_, u)| u.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "providers.p.services.s.contract_value",
                "providers.p.services.s.pass_through",
                "providers.p.services.unused.variable_cost",
                "cohorts.c.uptake.monthly",
            ]
        );
    }

    #[test]
    fn a_provider_is_found_by_id_or_a_near_one_suggested() {
        let s = closed_form();
        assert_eq!(find_provider(&s, "p"), Ok(0));
        let err = find_provider(&s, "q").unwrap_err();
        assert_eq!(err.message, "the scenario has no provider `q`");
        assert_eq!(err.help.as_deref(), Some("choose one of: `p`"));
    }

    #[test]
    fn a_parameter_is_found_by_path_with_help_when_it_is_not() {
        let s = closed_form();
        let (slot, u) = find_parameter(&s, CLOSED_FORM, "cohorts.c.uptake.monthly").unwrap();
        assert_eq!(slot, Slot::Monthly(0));
        assert_eq!(u.path, "cohorts.c.uptake.monthly");
        // A (U) parameter left to its default is a parameter too.
        assert!(find_parameter(&s, CLOSED_FORM, "providers.p.services.s.backfill").is_ok());

        let err = find_parameter(&s, CLOSED_FORM, "cohorts.c.uptake.montly").unwrap_err();
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean `cohorts.c.uptake.monthly`?")
        );
        let err = find_parameter(&s, CLOSED_FORM, "providers.p.reserves").unwrap_err();
        assert!(err.message.contains("is a setting"), "{err:?}");
        let help = err.help.unwrap();
        assert!(
            help.starts_with("uncertain parameters here: `providers.p.other_income`, `providers.p.other_costs`, `providers.p.services.s.unit_price`"),
            "{help}"
        );
        assert!(help.ends_with("and 12 more"), "{help}");
        let err = find_parameter(&s, CLOSED_FORM, "nothing.like.this").unwrap_err();
        assert!(err.help.unwrap().contains("ids and keys joined by dots"));
    }
}
