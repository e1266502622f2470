//! The plausibility warnings: one case per rule, reported on the line of the value at
//! fault; uncertain values judged by their mean; one grouped warning for many
//! entities; and none for the shipped scenarios.

use super::*;
use crate::scenario::plausibility;
use crate::scenario::reader::Problems;

#[test]
fn a_budget_written_as_a_whole_pot_warns_and_suggests_dividing() {
    let text = edit("budget = 9000", "budget = 5_250_000");
    warns(&text, "a year for each holder", "budget = 5_250_000");
    let validated = parse_scenario(&text).expect("valid");
    let help = validated.warnings[0].help.as_deref().unwrap_or_default();
    assert!(
        help.contains("per holder per year") && help.contains("divide"),
        "{help}"
    );
    // 5.25m over the cohort's 300 people.
    assert!(
        help.contains("if £5,250,000 is the pot") && help.contains("at least £17,500 each"),
        "{help}"
    );
}

#[test]
fn a_budget_within_a_private_bed_year_does_not_warn() {
    let text = edit("budget = 9000", "budget = 240_000");
    let validated = parse_scenario(&text).expect("valid");
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
}

#[test]
fn more_than_daily_units_per_patient_warn() {
    let text = edit("per_month = 0.8", "per_month = 45");
    warns(&text, "45 units per patient per month", "per_month = 45");
}

#[test]
fn an_uncertain_value_is_judged_by_its_mean() {
    // Mean 40 (PERT: (20 + 4 * 40 + 60) / 6): above 31 a month.
    let high = edit(
        "per_month = 0.8",
        "per_month = { dist = \"pert\", min = 20, mode = 40, max = 60 }",
    );
    warns(&high, "40 units per patient per month", "mode = 40");
    // Mean 20, though draws reach 40 (at `trust/therapy`, paid by activity with no
    // variable cost, so the provider's baseline stays in surplus).
    let wide = edit(
        "per_month = 0.5",
        "per_month = { dist = \"uniform\", min = 0, max = 40 }",
    );
    let validated = parse_scenario(&wide).expect("valid");
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
}

#[test]
fn a_service_nobody_uses_warns_at_its_id() {
    let text = edit("  { service = \"trust/therapy\", per_month = 0.5 },\n", "");
    warns(
        &text,
        "service `trust/therapy` has no activity",
        "id = \"therapy\"",
    );
}

#[test]
fn a_service_paid_only_by_budgets_is_not_idle() {
    // `charity/cafe` keeps the direct-payment share spent there.
    let text = edit(
        "uses = [{ service = \"charity/cafe\", per_month = 2 }]",
        "uses = [{ service = \"trust/crisis\", per_month = 0.1 }]",
    );
    let validated = parse_scenario(&text).expect("valid");
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
}

#[test]
fn a_provider_far_in_deficit_before_any_phb_warns_at_its_id() {
    // Income 100k + 900k contract + 178.2k therapy activity (300 x 0.5 x 12 x £99);
    // costs 900k + 600k fixed + £100 x 290 units x 12 = 1.848m: 57% above income.
    let text = edit("other_income = 1_000_000", "other_income = 100_000");
    warns(&text, "costs exceed income by 56.8%", "id = \"trust\"");
}

#[test]
fn an_admin_cost_above_a_quarter_warns() {
    let text = edit("admin_cost = 0.03", "admin_cost = 0.3");
    warns(&text, "spends 30.0% of every budget", "admin_cost = 0.3");
}

#[test]
fn uptake_faster_than_a_fifth_a_month_warns() {
    let constant = edit("monthly = 0.02", "monthly = 0.3");
    warns(&constant, "`monthly` = 0.3 a month", "monthly = 0.3");
    let bass = edit(
        "p = 0.01",
        "p = { dist = \"uniform\", min = 0.2, max = 0.4 }",
    );
    warns(&bass, "`p` = 0.3 a month", "p = { dist");
}

#[test]
fn the_same_warning_for_many_cohorts_is_given_once_with_the_count() {
    let mut text = edit("budget = 9000", "budget = 1_000_000");
    for c in 0..3 {
        text.push_str(&format!(
            "\n[[cohorts]]\nid = \"pot-{c}\"\nsize = 10\nuptake = {{ model = \"constant\", monthly = 0.02 }}\nbudget = 2_000_000\nforms = {{ notional = 1.0 }}\nuses = [{{ service = \"charity/cafe\", per_month = 1 }}]\n"
        ));
    }
    warns(
        &text,
        "4 cohorts have a `budget` above £250k a year",
        "budget = 1_000_000",
    );
    let validated = parse_scenario(&text).expect("valid");
    let budget_warnings: Vec<_> = validated
        .warnings
        .iter()
        .filter(|w| w.message.contains("`budget`"))
        .collect();
    assert_eq!(budget_warnings.len(), 1, "{budget_warnings:#?}");
    let message = &budget_warnings[0].message;
    let second = line_of(&text, "budget = 2_000_000");
    assert!(
        message.contains("`frequent-crisis` (line")
            && message.contains(&format!("`pot-0` (line {second}, £2.0m)"))
            && message.contains("and 1 more"),
        "{message}"
    );
}

#[test]
fn shipped_scenarios_have_no_plausibility_warnings() {
    let shipped = [
        ("example-icb", load::EXAMPLE),
        ("starter", load::STARTER),
        (
            "fast-rollout",
            include_str!("../../../scenarios/fast-rollout.toml"),
        ),
        (
            "cautious-notional",
            include_str!("../../../scenarios/cautious-notional.toml"),
        ),
        ("national", include_str!("../../../scenarios/national.toml")),
    ];
    for (name, text) in shipped {
        let validated =
            parse_scenario(text).unwrap_or_else(|p| panic!("{name} is invalid: {p:#?}"));
        let document = toml::de::DeTable::parse(text).expect("valid TOML");
        let mut problems = Problems::default();
        plausibility::check(&validated.scenario, document.get_ref(), text, &mut problems);
        assert!(problems.list.is_empty(), "{name}: {:#?}", problems.list);
    }
}
