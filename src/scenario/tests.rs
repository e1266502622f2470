//! One failing input per validation rule of SPEC section 2, each checking the message
//! and the line it is reported on; plus the warnings, and the examples validating.

use super::*;

/// A small valid scenario; each case below changes one line of it.
const BASE: &str = r#"schema_version = 1

[scenario]
name = "Rules test"
start = "2027-04"
months = 24
iterations = 10
seed = 7

[contracts]
review_month = 4

[budget_forms.direct_payment]
existing = 0.2
services = { "charity/cafe" = 0.1 }
admin_cost = 0.03

[budget_forms.notional]
existing = 0.6

[budget_forms.third_party]
existing = 0.3

[[providers]]
id = "trust"
name = "Trust"
kind = "nhs_trust"
other_income = 1_000_000
other_costs = 900_000
reserves = 500_000
reserve_floor = 0
min_margin = -0.01

[[providers.services]]
id = "crisis"
payment = "block"
unit_price = 380
contract_value = 900_000
fixed_cost = 600_000
variable_cost = 100
other_activity = 50
pass_through = 0.8
cost_flex = 0.3
backfill = 0.2
min_viable_activity = 100

[[providers.services]]
id = "therapy"
payment = "activity"
unit_price = 99

[[providers]]
id = "charity"
kind = "voluntary"

[[providers.services]]
id = "cafe"
payment = "activity"
unit_price = 40

[[cohorts]]
id = "frequent-crisis"
name = "Frequent users of crisis services"
size = 300
offer_from = "2027-10"
uptake = { model = "bass", p = 0.01, q = 0.2, ceiling = 0.3 }
return_rate = 0.01
budget = 9000
forms = { direct_payment = 0.15, notional = 0.80, third_party = 0.05 }
uses = [
  { service = "trust/crisis", per_month = 0.8 },
  { service = "trust/therapy", per_month = 0.5 },
]

[[cohorts]]
id = "recovery"
size = 200
uptake = { model = "constant", monthly = 0.02 }
budget = 4000
forms = { notional = 1.0 }
uses = [{ service = "charity/cafe", per_month = 2 }]
"#;

/// `BASE` with the first occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert!(
        BASE.contains(from),
        "test case edits text that is not in BASE: {from}"
    );
    BASE.replacen(from, to, 1)
}

/// 1-based line of the first occurrence of `marker` in `text`.
fn line_of(text: &str, marker: &str) -> usize {
    let offset = text
        .find(marker)
        .unwrap_or_else(|| panic!("marker {marker:?} not in text"));
    line_column(text, offset).0
}

/// Asserts that `text` is rejected with a problem whose message or help contains
/// `fragment`, reported on the line holding `marker`.
#[track_caller]
fn rejects(text: &str, fragment: &str, marker: &str) {
    let problems = parse_scenario(text).expect_err("the scenario should be invalid");
    let expected_line = line_of(text, marker);
    let found = problems.iter().find(|p| {
        p.is_error()
            && (p.message.contains(fragment)
                || p.help.as_deref().is_some_and(|h| h.contains(fragment)))
    });
    let Some(problem) = found else {
        panic!("no error mentions {fragment:?}; got {problems:#?}");
    };
    let (line, _) = problem.line_column(text).expect("the error has a place");
    assert_eq!(
        line, expected_line,
        "{fragment:?} reported on the wrong line: {problem:#?}"
    );
}

/// Asserts that `text` is valid with a warning containing `fragment` on `marker`'s line.
#[track_caller]
fn warns(text: &str, fragment: &str, marker: &str) {
    let validated = parse_scenario(text).unwrap_or_else(|p| panic!("should be valid: {p:#?}"));
    let expected_line = line_of(text, marker);
    let warning = validated
        .warnings
        .iter()
        .find(|w| w.message.contains(fragment))
        .unwrap_or_else(|| {
            panic!(
                "no warning mentions {fragment:?}; got {:#?}",
                validated.warnings
            )
        });
    assert_eq!(
        warning.line_column(text).map(|(l, _)| l),
        Some(expected_line)
    );
}

#[test]
fn base_scenario_is_valid_without_warnings() {
    let validated = parse_scenario(BASE).expect("BASE is valid");
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
    let s = validated.scenario;
    assert_eq!(s.providers.len(), 2);
    assert_eq!(s.service_count(), 3);
    assert_eq!(
        s.service_name(s.cohorts[0].uses[1].service),
        "trust/therapy"
    );
    assert_eq!(
        s.cohorts[1].offer_from, s.start,
        "offer_from defaults to start"
    );
    assert_eq!(
        s.first_review_index(),
        12,
        "first April after a start in April"
    );
}

#[test]
fn syntax_errors_name_their_line() {
    rejects(
        &edit("months = 24", "months = = 24"),
        "TOML syntax",
        "months = = 24",
    );
}

/// Regression: `months = 36 months` got the generic "put text in double quotes" fix,
/// and following it (`months = "36 months"`) only led to a type error. A number with a
/// unit or a pound sign is told to drop them, and the fix it shows is valid.
#[test]
fn a_number_with_a_unit_is_told_to_drop_it() {
    for (valid, wrong) in [
        ("months = 24", "months = 24 months"),
        ("unit_price = 380", "unit_price = £380"),
        ("p = 0.01", "p = 0.01 a month"),
    ] {
        let text = edit(valid, wrong);
        rejects(&text, &format!("`{valid}`"), wrong);
        let problems = parse_scenario(&text).expect_err("invalid");
        let help = problems[0].help.as_deref().expect("a fix");
        let shown = help.split('`').nth(1).expect("the fix in backquotes");
        parse_scenario(&text.replacen(wrong, shown, 1))
            .unwrap_or_else(|p| panic!("following {help:?} gives {p:#?}"));
    }
    rejects(
        &edit("name = \"Rules test\"", "name = Rules test"),
        "put text in double quotes",
        "name = Rules test",
    );
}

#[test]
fn unknown_keys_name_the_nearest_valid_key() {
    rejects(
        &edit("pass_through = 0.8", "passthrough = 0.8"),
        "did you mean `pass_through`?",
        "passthrough",
    );
    rejects(
        &edit("iterations = 10", "iteration = 10"),
        "did you mean `iterations`?",
        "iteration =",
    );
    rejects(
        &edit(
            "schema_version = 1",
            "schema_version = 1\nscenaro_notes = 1",
        ),
        "unknown key `scenaro_notes`",
        "scenaro_notes",
    );
    rejects(
        &edit("return_rate = 0.01", "return_rat = 0.01"),
        "did you mean `return_rate`?",
        "return_rat =",
    );
    rejects(
        &edit("ceiling = 0.3 }", "cieling = 0.3 }"),
        "did you mean `ceiling`?",
        "cieling",
    );
    rejects(
        &edit("admin_cost = 0.03", "admin_costs = 0.03"),
        "did you mean `admin_cost`?",
        "admin_costs",
    );
    rejects(
        &edit("[budget_forms.notional]", "[budget_forms.notionall]"),
        "did you mean `notional`?",
        "notionall",
    );
    rejects(
        &edit("forms = { notional = 1.0 }", "forms = { notionel = 1.0 }"),
        "did you mean `notional`?",
        "notionel",
    );
    rejects(
        &edit("per_month = 2 }", "per_mnth = 2 }"),
        "did you mean `per_month`?",
        "per_mnth",
    );
    rejects(
        &edit(
            "budget = 4000",
            "budget = { dist = \"normal\", mean = 4000, sd = 500, sdd = 1 }",
        ),
        "did you mean `sd`?",
        "sdd",
    );
    rejects(
        &edit("review_month = 4", "review_mnth = 4"),
        "did you mean `review_month`?",
        "review_mnth",
    );
}

#[test]
fn required_keys_are_reported_where_they_belong() {
    rejects(
        &edit("name = \"Rules test\"\n", ""),
        "missing required key `name`",
        "[scenario]",
    );
    rejects(
        &edit("start = \"2027-04\"\n", ""),
        "missing required key `start`",
        "[scenario]",
    );
    rejects(
        &edit("months = 24\n", ""),
        "missing required key `months`",
        "[scenario]",
    );
    rejects(
        &edit("payment = \"block\"\n", ""),
        "missing required key `payment`",
        "[[providers.services]]\nid = \"crisis\"",
    );
    rejects(
        &edit("unit_price = 380\n", ""),
        "missing required key `unit_price`",
        "[[providers.services]]\nid = \"crisis\"",
    );
    rejects(
        &edit("contract_value = 900_000\n", ""),
        "missing required key `contract_value`",
        "[[providers.services]]\nid = \"crisis\"",
    );
    rejects(
        &edit("size = 300\n", ""),
        "missing required key `size`",
        "[[cohorts]]\nid = \"frequent-crisis\"",
    );
    rejects(
        &edit("budget = 9000\n", ""),
        "missing required key `budget`",
        "[[cohorts]]\nid = \"frequent-crisis\"",
    );
    rejects(
        &edit("uptake = { model = \"constant\", monthly = 0.02 }\n", ""),
        "missing required key `uptake`",
        "[[cohorts]]\nid = \"recovery\"",
    );
    rejects(
        &edit("p = 0.01, ", ""),
        "missing required key `p`",
        "uptake = { model = \"bass\"",
    );
    rejects(
        &edit("monthly = 0.02", "ceiling = 0.5"),
        "missing required key `monthly`",
        "ceiling = 0.5",
    );
    rejects(
        &edit(
            "uses = [{ service = \"charity/cafe\", per_month = 2 }]",
            "uses = [{ per_month = 2 }]",
        ),
        "missing required key `service`",
        "uses = [{ per_month",
    );
    rejects(
        &edit("id = \"cafe\"\n", ""),
        "missing required key `id`",
        "[[providers.services]]\npayment = \"activity\"\nunit_price = 40",
    );
    rejects(
        &edit(
            "budget = 4000",
            "budget = { dist = \"pert\", min = 1, max = 3 }",
        ),
        "missing required key `mode`",
        "budget = { dist",
    );
    rejects(
        &edit("budget = 4000", "budget = { mean = 4000 }"),
        "missing required key `dist`",
        "budget = { mean",
    );
    rejects(
        &edit(
            "[scenario]\nname = \"Rules test\"\nstart = \"2027-04\"\nmonths = 24\niterations = 10\nseed = 7\n",
            "",
        ),
        "missing required table `[scenario]`",
        "schema_version",
    );
}

#[test]
fn types_are_checked() {
    rejects(
        &edit("months = 24", "months = 24.5"),
        "`months` must be a whole number",
        "months = 24.5",
    );
    rejects(
        &edit("size = 300", "size = 300.0"),
        "`size` must be a whole number",
        "size = 300.0",
    );
    rejects(
        &edit("name = \"Rules test\"", "name = 3"),
        "`name` must be a string",
        "name = 3",
    );
    rejects(
        &edit("unit_price = 380", "unit_price = \"380\""),
        "expected a number, found a string",
        "unit_price = \"380\"",
    );
    rejects(
        &edit("reserves = 500_000", "reserves = \"lots\""),
        "expected a number, found a string",
        "reserves = \"lots\"",
    );
    rejects(
        &edit(
            "uptake = { model = \"constant\", monthly = 0.02 }",
            "uptake = 0.02",
        ),
        "`uptake` must be a table",
        "uptake = 0.02",
    );
    rejects(
        &edit(
            "reserves = 500_000",
            "reserves = { dist = \"uniform\", min = 1, max = 2 }",
        ),
        "cannot be uncertain",
        "reserves = {",
    );
    rejects(
        &edit("start = \"2027-04\"", "start = 2027-04-01"),
        "must be a month written",
        "start = 2027",
    );
}

#[test]
fn every_number_is_finite() {
    rejects(
        &edit("unit_price = 380", "unit_price = nan"),
        "not a finite number",
        "unit_price = nan",
    );
    rejects(
        &edit("reserves = 500_000", "reserves = -inf"),
        "not a finite number",
        "reserves = -inf",
    );
    rejects(
        &edit(
            "budget = 4000",
            "budget = { dist = \"normal\", mean = inf, sd = 1 }",
        ),
        "not a finite number",
        "mean = inf",
    );
}

#[test]
fn ids_are_well_formed_and_unique() {
    rejects(
        &edit("id = \"trust\"", "id = \"Trust\""),
        "id `Trust` is not allowed",
        "id = \"Trust\"",
    );
    rejects(
        &edit("id = \"recovery\"", "id = \"frequent-crisis\""),
        "cohort id `frequent-crisis` is used twice",
        "id = \"frequent-crisis\"\nsize = 200",
    );
    rejects(
        &edit("id = \"charity\"", "id = \"trust\""),
        "provider id `trust` is used twice",
        "id = \"trust\"\nkind = \"voluntary\"",
    );
    rejects(
        &edit("id = \"therapy\"", "id = \"crisis\""),
        "service id `crisis` is used twice",
        "id = \"crisis\"\npayment = \"activity\"",
    );
}

#[test]
fn service_references_must_exist() {
    rejects(
        &edit("\"trust/therapy\"", "\"trust/therapie\""),
        "did you mean `trust/therapy`?",
        "trust/therapie",
    );
    rejects(
        &edit("\"charity/cafe\" = 0.1", "\"charity/caff\" = 0.1"),
        "no service `charity/caff`",
        "charity/caff",
    );
    rejects(
        &edit("\"trust/therapy\"", "\"trust/crisis\""),
        "uses `trust/crisis` twice",
        "service = \"trust/crisis\", per_month = 0.5",
    );
    rejects(
        &edit("\"charity/cafe\", per_month", "\"cafe\", per_month"),
        "provider-id/service-id",
        "service = \"cafe\"",
    );
}

#[test]
fn values_must_be_in_range() {
    rejects(
        &edit("return_rate = 0.01", "return_rate = 1.2"),
        "must be between 0 and 1",
        "return_rate = 1.2",
    );
    rejects(
        &edit("fixed_cost = 600_000", "fixed_cost = -5"),
        "must be at least 0",
        "fixed_cost = -5",
    );
    rejects(
        &edit("unit_price = 380", "unit_price = 0"),
        "must be greater than 0",
        "unit_price = 0",
    );
    rejects(
        &edit("months = 24", "months = 0"),
        "`months` is 0; it must be from 1 to 600",
        "months = 0",
    );
    rejects(
        &edit("months = 24", "months = 601"),
        "from 1 to 600",
        "months = 601",
    );
    rejects(
        &edit("iterations = 10", "iterations = 0"),
        "`iterations` is 0",
        "iterations = 0",
    );
    rejects(
        &edit("min_margin = -0.01", "min_margin = 2"),
        "must be between -1 and 1",
        "min_margin = 2",
    );
    rejects(
        &edit("review_month = 4", "review_month = 13"),
        "from 1 to 12",
        "review_month = 13",
    );
    rejects(
        &edit("size = 300", "size = -1"),
        "`size` is -1",
        "size = -1",
    );
    rejects(
        &edit("min_viable_activity = 100", "min_viable_activity = -1"),
        "must be at least 0",
        "min_viable_activity = -1",
    );
    rejects(&edit("q = 0.2", "q = -0.2"), "`q` is -0.2", "q = -0.2");
    rejects(
        &edit("notional = 0.80", "notional = 1.80"),
        "`notional` is 1.8",
        "notional = 1.80",
    );
    rejects(
        &edit("\"charity/cafe\" = 0.1", "\"charity/cafe\" = 1.1"),
        "must be between 0 and 1",
        "\"charity/cafe\" = 1.1",
    );
    rejects(
        &edit("schema_version = 1", "schema_version = 2"),
        "schema_version 2 is not supported",
        "schema_version = 2",
    );
}

#[test]
fn shares_must_add_up() {
    rejects(
        &edit("notional = 0.80", "notional = 0.87"),
        "forms sum to 1.07; they must sum to 1",
        "forms = { direct_payment = 0.15",
    );
    rejects(
        &edit("existing = 0.2", "existing = 0.95"),
        "shares sum to 1.05; they must be at most 1",
        "[budget_forms.direct_payment]",
    );
}

#[test]
fn block_only_keys_are_refused_on_activity_services() {
    rejects(
        &edit("unit_price = 99", "unit_price = 99\ncontract_value = 5"),
        "`contract_value` applies only to block services",
        "contract_value = 5",
    );
    rejects(
        &edit("unit_price = 99", "unit_price = 99\npass_through = 0.5"),
        "`pass_through` applies only to block services",
        "pass_through = 0.5",
    );
    rejects(
        &edit("payment = \"block\"", "payment = \"blok\""),
        "did you mean `block`?",
        "payment = \"blok\"",
    );
    rejects(
        &edit("kind = \"voluntary\"", "kind = \"charity\""),
        "`kind` cannot be `charity`",
        "kind = \"charity\"",
    );
}

#[test]
fn dates_are_valid_and_not_before_start() {
    rejects(
        &edit("start = \"2027-04\"", "start = \"2027-13\""),
        "must be a month written \"YYYY-MM\"",
        "start = \"2027-13\"",
    );
    rejects(
        &edit("offer_from = \"2027-10\"", "offer_from = \"2027-01\""),
        "`offer_from` 2027-01 is before the scenario starts",
        "offer_from",
    );
    rejects(
        &edit("review_month = 4", "first_review = \"2026-04\""),
        "`first_review` 2026-04 is before",
        "first_review",
    );
    warns(
        &edit("offer_from = \"2027-10\"", "offer_from = \"2031-10\""),
        "`offer_from` 2031-10 is beyond the horizon",
        "offer_from",
    );
    warns(
        &edit("review_month = 4", "first_review = \"2029-04\""),
        "beyond the horizon",
        "first_review",
    );
}

#[test]
fn distribution_parameters_are_checked() {
    let cases = [
        (
            "{ dist = \"uniform\", min = 0.5, max = 0.1 }",
            "min 0.5 is not below max 0.1",
        ),
        (
            "{ dist = \"triangular\", min = 0.1, mode = 0.6, max = 0.5 }",
            "out of order",
        ),
        (
            "{ dist = \"pert\", min = 0.2, mode = 0.2, max = 0.2 }",
            "out of order",
        ),
        ("{ dist = \"normal\", mean = 0.3, sd = 0 }", "sd is 0"),
        (
            "{ dist = \"lognormal\", mean = 0.3, sd = -1 }",
            "a lognormal needs mean > 0 and sd > 0",
        ),
        (
            "{ dist = \"interval\", low = 0.4, high = 0.2 }",
            "low 0.4 is not below high 0.2",
        ),
        (
            "{ dist = \"beta\", alpha = 0, beta = 2 }",
            "alpha and beta must both be greater than 0",
        ),
        (
            "{ dist = \"gamma\", shape = 2, scale = -1 }",
            "shape and scale must both be greater than 0",
        ),
        (
            "{ dist = \"poisson\", mean = 2 }",
            "`poisson` is not a distribution",
        ),
        (
            "{ dist = \"normall\", mean = 2, sd = 1 }",
            "did you mean `normal`?",
        ),
    ];
    for (dist, fragment) in cases {
        let text = edit("ceiling = 0.3 }", &format!("ceiling = {dist} }}"));
        rejects(&text, fragment, "ceiling = {");
    }
}

#[test]
fn uptake_models_take_their_own_keys() {
    rejects(
        &edit(
            "model = \"constant\", monthly",
            "model = \"constant\", p = 0.1, monthly",
        ),
        "`p` does not apply to the constant uptake model",
        "p = 0.1, monthly",
    );
    rejects(
        &edit("model = \"bass\"", "model = \"logistic\""),
        "`model` cannot be `logistic`",
        "logistic",
    );
}

#[test]
fn warnings_do_not_make_a_scenario_invalid() {
    warns(
        &edit("months = 24", "months = 121"),
        "a horizon of 121 months is long",
        "months = 121",
    );
    warns(
        &edit("forms = { notional = 1.0 }\n", ""),
        "the national split",
        "id = \"recovery\"",
    );
    warns(
        &edit("[budget_forms.third_party]\nexisting = 0.3\n", ""),
        "no `[budget_forms.third_party]` table",
        "id = \"frequent-crisis\"",
    );
    warns(
        &edit(
            "return_rate = 0.01",
            "return_rate = { dist = \"normal\", mean = 0.01, sd = 0.01 }",
        ),
        "outside the valid range",
        "return_rate = {",
    );
}

#[test]
fn all_problems_are_reported_together() {
    let text = edit("months = 24", "months = 0")
        .replacen("size = 300", "size = -1", 1)
        .replacen("pass_through = 0.8", "passthrough = 0.8", 1);
    let problems = parse_scenario(&text).expect_err("invalid");
    assert!(
        problems.iter().filter(|p| p.is_error()).count() >= 3,
        "{problems:#?}"
    );
}

#[test]
fn range_warning_names_the_clamped_mean() {
    let text = edit(
        "return_rate = 0.01",
        "return_rate = { dist = \"uniform\", min = -0.1, max = 0.1 }",
    );
    let validated = parse_scenario(&text).expect("valid with a warning");
    let warning = &validated.warnings[0].message;
    // Half the mass is below 0 and clamped to 0: the clamped mean is 0.025.
    assert!(
        warning.contains("50.0%") && warning.contains("to 0.025"),
        "{warning}"
    );
}

#[test]
fn example_files_validate() {
    for (name, text) in [("example", load::EXAMPLE), ("starter", load::STARTER)] {
        if let Err(problems) = parse_scenario(text) {
            panic!("{name} is invalid: {problems:#?}");
        }
    }
}

/// `BASE` with `extra` appended (variants and sweeps go at the end of a file).
fn with(extra: &str) -> String {
    format!("{BASE}\n{extra}")
}

#[test]
fn variants_are_built_by_path_and_named() {
    let text = with(
        r#"[[variants]]
name = "faster"
set = { "cohorts.frequent-crisis.uptake.q" = 0.5, "providers.trust.services.crisis.pass_through" = { dist = "uniform", min = 0.9, max = 1.0 } }

[[sweeps]]
path = "cohorts.recovery.uptake.monthly"
values = [0.01, 0.05]
"#,
    );
    let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    let names: Vec<&str> = validated.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "faster",
            "cohorts.recovery.uptake.monthly=0.01",
            "cohorts.recovery.uptake.monthly=0.05"
        ]
    );
    let faster = &validated.variants[0].scenario;
    assert_eq!(faster.name, "faster");
    match &faster.cohorts[0].uptake.model {
        UptakeModel::Bass { q, .. } => assert_eq!(q.fixed_value(), Some(0.5)),
        other => panic!("{other:?}"),
    }
    // Everything not set is the base's, paths and streams included.
    assert_eq!(faster.cohorts[1], validated.scenario.cohorts[1]);
    assert_eq!(faster.providers[1], validated.scenario.providers[1]);
}

#[test]
fn variant_paths_are_checked_with_a_suggestion() {
    let text =
        with("[[variants]]\nname = \"v\"\nset = { \"cohorts.frequent-crisys.size\" = 10 }\n");
    rejects(
        &text,
        "did you mean `frequent-crisis`?",
        "\"cohorts.frequent-crisys.size\"",
    );
    let text = with(
        "[[variants]]\nname = \"v\"\nset = { \"providers.trust.services.crisis.passthrough\" = 1 }\n",
    );
    rejects(
        &text,
        "did you mean `pass_through`?",
        "\"providers.trust.services.crisis.passthrough\"",
    );
    let text = with("[[variants]]\nname = \"v\"\nset = { \"provders.trust.reserves\" = 1 }\n");
    rejects(
        &text,
        "did you mean `providers`?",
        "\"provders.trust.reserves\"",
    );
}

#[test]
fn variant_values_are_validated_like_the_base() {
    let text =
        with("[[variants]]\nname = \"v\"\nset = { \"cohorts.recovery.return_rate\" = 1.5 }\n");
    rejects(
        &text,
        "variant `v`: `return_rate` is 1.5; it must be between 0 and 1",
        "\"cohorts.recovery.return_rate\"",
    );
    let text = with("[[sweeps]]\npath = \"scenario.months\"\nvalues = [12, 0]\n");
    rejects(
        &text,
        "variant `scenario.months=0`: `months` is 0",
        "\"scenario.months\"",
    );
}

#[test]
fn variants_need_unique_names_and_sweeps_values() {
    let text =
        with("[[variants]]\nname = \"v\"\nset = {}\n\n[[variants]]\nname = \"v\"\nset = { }\n");
    rejects(
        &text,
        "variant name `v` is used twice",
        "name = \"v\"\nset = { }",
    );
    let text = with("[[sweeps]]\npath = \"cohorts.recovery.size\"\nvalues = []\n");
    rejects(&text, "a sweep needs at least one value", "values = []");
    let text = with("[[variants]]\nname = \"Rules test\"\nset = {}\n");
    rejects(
        &text,
        "variant name `Rules test` is used twice",
        "name = \"Rules test\"\nset",
    );
    let text = with("[[variants]]\nnam = \"v\"\nset = {}\n");
    rejects(&text, "did you mean `name`?", "nam = ");
}

/// Every shipped scenario, written back out by [`Scenario::to_toml`] and parsed
/// again, is the same scenario (and writing it again gives the same text).
#[test]
fn shipped_scenarios_survive_writing_and_reading_back() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("scenarios/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        count += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = parse_scenario(&text)
            .expect("shipped scenarios are valid")
            .scenario;
        let written = scenario.to_toml();
        let again = parse_scenario(&written)
            .unwrap_or_else(|p| {
                panic!(
                    "{} written back is invalid: {p:#?}\n{written}",
                    path.display()
                )
            })
            .scenario;
        assert_eq!(
            again,
            scenario,
            "{} changed when written back",
            path.display()
        );
        assert_eq!(again.to_toml(), written, "writing is stable");
    }
    assert!(count >= 4, "example, starter and the variants");
}

/// Defaults the parser fills in (the national forms split, `offer_from`, names) read
/// back the same; shares of named services keep their order when numbers and
/// distributions are mixed.
#[test]
fn defaults_and_mixed_shares_survive_writing_and_reading_back() {
    let text = edit(
        "services = { \"charity/cafe\" = 0.1 }",
        "services = { \"charity/cafe\" = { dist = \"uniform\", min = 0, max = 0.1 }, \"trust/therapy\" = 0.05 }",
    )
    .replacen("forms = { notional = 1.0 }\n", "", 1)
    .replacen("name = \"Trust\"\n", "", 1);
    let scenario = parse_scenario(&text).expect("valid").scenario;
    assert!(scenario.cohorts[1].forms_defaulted);
    let again = parse_scenario(&scenario.to_toml()).expect("valid").scenario;
    assert_eq!(again, scenario, "{}", scenario.to_toml());
}

/// `[draws]` is written back with its file, and reads back equal.
#[test]
fn a_draws_table_survives_writing_and_reading_back() {
    let text = format!("{}\n[draws]\nfile = \"fit/posterior.csv\"\n", edit("", ""));
    let scenario = parse_scenario(&text).expect("valid").scenario;
    let draws = scenario.draws.as_ref().expect("read");
    assert_eq!(draws.file, "fit/posterior.csv");
    assert_eq!(&text[draws.span.clone()], "\"fit/posterior.csv\"");
    assert!(draws.table.is_none(), "text alone reads no file");
    let written = scenario.to_toml();
    assert!(
        written.contains("[draws]\nfile = \"fit/posterior.csv\""),
        "{written}"
    );
    let again = parse_scenario(&written).expect("valid").scenario;
    assert_eq!(again, scenario);
}

/// Regression: every cohort's warning used to be scanned again for each later value,
/// so validating 10^5 cohorts took over 15 minutes. 10,000 warned cohorts must
/// validate (a quadratic scan would do 10^8 comparisons here).
#[test]
fn many_warnings_do_not_make_validation_quadratic() {
    // The service has `other_activity`, so the only warnings are the cohorts' `forms`.
    let mut text = String::from(
        "[scenario]\nname = \"many\"\nstart = \"2027-04\"\nmonths = 12\n\n[[providers]]\nid = \"p\"\n\n[[providers.services]]\nid = \"s\"\npayment = \"activity\"\nunit_price = 1\nother_activity = 1\n",
    );
    for c in 0..10_000 {
        text.push_str(&format!(
            "\n[[cohorts]]\nid = \"c{c}\"\nsize = 1\nuptake = {{ model = \"constant\", monthly = 0.1 }}\nbudget = 1\nforms = {{ notional = 1.0 }}\n"
        ));
    }
    let validated = parse_scenario(&text).expect("valid");
    assert_eq!(validated.warnings.len(), 10_000);
}

/// Model v2's keys (SPEC section 2): `substitution` on a use and `underspend` on a
/// form are shares, (U), with ranges; `budget_purchasable` is true or false; and a
/// form's `services` may not name a service that budgets cannot buy.
#[test]
fn model_v2_keys_are_checked() {
    let valid = edit(
        "{ service = \"trust/crisis\", per_month = 0.8 }",
        "{ service = \"trust/crisis\", per_month = 0.8, substitution = { dist = \"pert\", min = 0.1, mode = 0.3, max = 0.6 } }",
    )
    .replacen("existing = 0.6\n", "existing = 0.6\nunderspend = 0.1\n", 1)
    .replacen("pass_through = 0.8\n", "pass_through = 0.8\nbudget_purchasable = false\n", 1);
    let validated = parse_scenario(&valid).unwrap_or_else(|p| panic!("valid: {p:#?}"));
    let scenario = &validated.scenario;
    assert_eq!(
        scenario.cohorts[0].uses[0].substitution.path,
        "cohorts.frequent-crisis.uses.trust/crisis.substitution"
    );
    assert!(!scenario.providers[0].services[0].budget_purchasable);
    assert!(
        scenario.providers[0].services[1].budget_purchasable,
        "default true"
    );
    let notional = scenario.budget_forms[Form::Notional.index()]
        .as_ref()
        .unwrap();
    assert_eq!(notional.underspend.fixed_value(), Some(0.1));
    assert_eq!(
        scenario.cohorts[0].uses[1].substitution.fixed_value(),
        Some(1.0),
        "default 1"
    );

    rejects(
        &edit("per_month = 0.5 }", "per_month = 0.5, substitution = 1.2 }"),
        "between 0 and 1",
        "substitution = 1.2",
    );
    rejects(
        &edit("existing = 0.6\n", "existing = 0.6\nunderspend = -0.1\n"),
        "between 0 and 1",
        "underspend = -0.1",
    );
    rejects(
        &edit(
            "unit_price = 99\n",
            "unit_price = 99\nbudget_purchasable = \"no\"\n",
        ),
        "must be true or false",
        "budget_purchasable = \"no\"",
    );
    // The direct-payment form spends at charity/cafe: making it unpurchasable is an
    // error at the form's share, naming both fixes.
    let text = edit(
        "unit_price = 40\n",
        "unit_price = 40\nbudget_purchasable = false\n",
    );
    rejects(
        &text,
        "budgets cannot be spent at `charity/cafe`",
        "\"charity/cafe\" = 0.1",
    );
    rejects(
        &text,
        "set `budget_purchasable = true`",
        "\"charity/cafe\" = 0.1",
    );
}

/// Variants and sweeps reach the new (U) keys by path.
#[test]
fn variants_set_substitution_and_underspend_by_path() {
    let text = with(
        r#"[[variants]]
name = "keep more"
set = { "cohorts.frequent-crisis.uses.trust/crisis.substitution" = 0.25, "budget_forms.notional.underspend" = 0.2 }
"#,
    );
    let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("valid: {p:#?}"));
    let variant = &validated.variants[0].scenario;
    assert_eq!(
        variant.cohorts[0].uses[0].substitution.fixed_value(),
        Some(0.25)
    );
    assert_eq!(
        variant.budget_forms[Form::Notional.index()]
            .as_ref()
            .unwrap()
            .underspend
            .fixed_value(),
        Some(0.2)
    );
}

mod correlations;
mod money_over_time;
mod plausibility;
