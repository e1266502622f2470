//! The keys of model v2's money over time (SPEC section 2): `[prices]`,
//! `[commissioner]` and a service's `cost_step`, `notice_months`, `transition_cost`:
//! their defaults, their ranges, the envelope's dependants, the step warning, and the
//! financial years they imply.

use super::*;
use crate::distribution::Distribution;

const MONEY_OVER_TIME: &str = r#"
[prices]
year_start = 1
tariff_uplift = 0.02
cost_inflation = { dist = "uniform", min = 0.02, max = 0.04 }
budget_uplift = 0.01

[commissioner]
envelope = 2_000_000
envelope_growth = 0.02
recover_overspend = 0.5
"#;

/// BASE with the tables above before the providers and a stepped, noticed cost on
/// `trust/crisis`.
fn with_money_over_time() -> String {
    edit(
        "[budget_forms.direct_payment]",
        &format!("{MONEY_OVER_TIME}\n[budget_forms.direct_payment]"),
    )
    .replacen(
        "min_viable_activity = 100",
        "min_viable_activity = 100\ncost_step = 200_000\nnotice_months = 6\ntransition_cost = 0.5",
        1,
    )
}

#[test]
fn defaults_are_constant_prices_no_envelope_and_smooth_costs() {
    let s = parse_scenario(BASE).expect("valid").scenario;
    assert_eq!(s.prices.year_start, 4);
    for (u, path) in [
        (&s.prices.tariff_uplift, "prices.tariff_uplift"),
        (&s.prices.cost_inflation, "prices.cost_inflation"),
        (&s.prices.budget_uplift, "prices.budget_uplift"),
    ] {
        assert_eq!(u.fixed_value(), Some(0.0));
        assert_eq!(u.path, path);
    }
    assert!(s.envelope.is_none());
    let crisis = &s.providers[0].services[0];
    assert_eq!(crisis.cost_step.fixed_value(), Some(0.0));
    assert_eq!(crisis.notice_months, 0);
    assert_eq!(crisis.transition_cost.fixed_value(), Some(0.0));
    assert_eq!(
        crisis.cost_step.path,
        "providers.trust.services.crisis.cost_step"
    );
}

#[test]
fn the_new_keys_are_read_with_their_paths() {
    let text = with_money_over_time();
    let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
    let s = validated.scenario;
    assert_eq!(s.prices.year_start, 1);
    assert_eq!(s.prices.tariff_uplift.fixed_value(), Some(0.02));
    assert_eq!(
        s.prices.cost_inflation.dist,
        Distribution::Uniform {
            min: 0.02,
            max: 0.04
        }
    );
    let envelope = s.envelope.as_ref().expect("an envelope");
    assert_eq!(envelope.envelope.fixed_value(), Some(2_000_000.0));
    assert_eq!(envelope.growth.path, "commissioner.envelope_growth");
    assert_eq!(envelope.recover_overspend.fixed_value(), Some(0.5));
    let crisis = &s.providers[0].services[0];
    assert_eq!(crisis.cost_step.fixed_value(), Some(200_000.0));
    assert_eq!(crisis.notice_months, 6);
    assert_eq!(crisis.transition_cost.fixed_value(), Some(0.5));

    // Written back out, it reads the same.
    let again = parse_scenario(&s.to_toml()).expect("round trip").scenario;
    assert_eq!(again, s);
}

#[test]
fn growth_and_recovery_need_an_envelope() {
    let text = with_money_over_time().replacen("envelope = 2_000_000\n", "", 1);
    rejects(
        &text,
        "`envelope_growth` needs an `envelope`",
        "envelope_growth = 0.02",
    );
    rejects(
        &text,
        "`recover_overspend` needs an `envelope`",
        "recover_overspend = 0.5",
    );
}

#[test]
fn yearly_rates_notice_and_year_start_have_their_ranges() {
    let text = with_money_over_time();
    let case = |from: &str, to: &str| text.replacen(from, to, 1);
    rejects(
        &case("tariff_uplift = 0.02", "tariff_uplift = -0.6"),
        "between -0.5 and 1",
        "tariff_uplift = -0.6",
    );
    rejects(
        &case("envelope_growth = 0.02", "envelope_growth = 1.5"),
        "between -0.5 and 1",
        "envelope_growth = 1.5",
    );
    rejects(
        &case("recover_overspend = 0.5", "recover_overspend = 2"),
        "between 0 and 1",
        "recover_overspend = 2",
    );
    rejects(
        &case("notice_months = 6", "notice_months = 121"),
        "121",
        "notice_months = 121",
    );
    rejects(
        &case("notice_months = 6", "notice_months = 2.5"),
        "whole number",
        "notice_months = 2.5",
    );
    rejects(
        &case("year_start = 1", "year_start = 13"),
        "13",
        "year_start = 13",
    );
    rejects(
        &case("transition_cost = 0.5", "transition_cost = -1"),
        "at least 0",
        "transition_cost = -1",
    );
    rejects(
        &case("[prices]\n", "[prices]\ninflation = 0.02\n"),
        "cost_inflation",
        "inflation = 0.02",
    );
}

#[test]
fn a_cost_step_larger_than_the_fixed_cost_warns() {
    let text = with_money_over_time().replacen("cost_step = 200_000", "cost_step = 700_000", 1);
    warns(&text, "can never move", "cost_step = 700_000");
}

#[test]
fn financial_years_and_uplifts_follow_year_start() {
    let mut s = parse_scenario(BASE).expect("valid").scenario;
    // April 2027, 24 months, years from April: two whole years.
    let years = s.financial_years();
    let labels: Vec<(&str, usize, usize)> = years
        .iter()
        .map(|y| (y.label.as_str(), y.first, y.months))
        .collect();
    assert_eq!(labels, [("2027-28", 0, 12), ("2028-29", 12, 12)]);
    assert_eq!(s.uplifts_by(0), 0);
    assert_eq!(s.uplifts_by(11), 0);
    assert_eq!(s.uplifts_by(12), 1);
    assert_eq!(s.uplifts_by(23), 1);

    // Calendar years from a March start: uplifted at t = 10 (January), partial ends.
    s.prices.year_start = 1;
    s.start = YearMonth {
        year: 2027,
        month: 3,
    };
    let labels: Vec<(String, usize, usize)> = s
        .financial_years()
        .into_iter()
        .map(|y| (y.label, y.first, y.months))
        .collect();
    assert_eq!(
        labels,
        [
            ("2027".to_string(), 0, 10),
            ("2028".to_string(), 10, 12),
            ("2029".to_string(), 22, 2)
        ]
    );
    assert_eq!(s.uplifts_by(9), 0);
    assert_eq!(s.uplifts_by(10), 1);
    assert_eq!(s.uplifts_by(22), 2);

    // SPEC section 4: a scenario starting in March with April years is uplifted at
    // t = 1, and its first year is the one month of March (2026-27).
    s.prices.year_start = 4;
    let years = s.financial_years();
    assert_eq!((years[0].label.as_str(), years[0].months), ("2026-27", 1));
    assert_eq!(years[1].label, "2027-28");
    assert_eq!(s.uplifts_by(1), 1);
    assert_eq!(s.uplifts_by(0), 0);
}
