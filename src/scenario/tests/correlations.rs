//! `[[correlations]]`: one failing input per rule, each checking the message and the
//! line it is reported on; a valid block, written back and read again; variants.

use super::*;

const CEILING: &str = "cohorts.frequent-crisis.uptake.ceiling";
const PASS_THROUGH: &str = "providers.trust.services.crisis.pass_through";
const BACKFILL: &str = "providers.trust.services.crisis.backfill";

/// `BASE` with three of its parameters given as distributions, so they can be
/// correlated, and `blocks` appended.
fn correlated(blocks: &str) -> String {
    let text = edit(
        "pass_through = 0.8",
        "pass_through = { dist = \"uniform\", min = 0.6, max = 1 }",
    )
    .replacen(
        "backfill = 0.2",
        "backfill = { dist = \"pert\", min = 0.1, mode = 0.2, max = 0.4 }",
        1,
    )
    .replacen(
        "ceiling = 0.3 }",
        "ceiling = { dist = \"triangular\", min = 0.2, mode = 0.3, max = 0.5 } }",
        1,
    );
    format!("{text}\n{blocks}")
}

/// A block of `paths` with the matrix `rank` (TOML text).
fn block(paths: &[&str], rank: &str) -> String {
    let paths: Vec<String> = paths.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        "[[correlations]]\npaths = [{}]\nrank = {rank}\n",
        paths.join(", ")
    )
}

#[test]
fn a_valid_block_is_read_and_written_back() {
    let text = correlated(&block(
        &[CEILING, PASS_THROUGH, BACKFILL],
        "[\n  [1, 0.6, 0],\n  [0.6, 1, -0.25],\n  [0, -0.25, 1],\n]",
    ));
    let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    let blocks = &validated.scenario.correlations;
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].paths(), [CEILING, PASS_THROUGH, BACKFILL]);
    assert_eq!(blocks[0].rank()[1], [0.6, 1.0, -0.25]);
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
    let written = validated.scenario.to_toml();
    assert!(written.contains("[[correlations]]"), "{written}");
    let again = parse_scenario(&written).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(again.scenario, validated.scenario);
    // Without a block nothing is written.
    let plain = parse_scenario(BASE).expect("valid").scenario;
    assert!(plain.correlations.is_empty());
    assert!(!plain.to_toml().contains("correlations"));
}

#[test]
fn the_matrix_must_have_a_row_and_a_column_per_path() {
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]]",
        )),
        "`rank` must be a 2×2 matrix, one row and one column per path in `paths` (2); it has 3 rows",
        "rank = ",
    );
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[\n  [1, 0.5],\n  [0.5, 1, 0],\n]",
        )),
        "row 2 has 3 entries",
        "[0.5, 1, 0]",
    );
}

#[test]
fn the_matrix_must_be_symmetric_with_a_unit_diagonal() {
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[\n  [1, 0.5],\n  [0.4, 1],\n]",
        )),
        "`rank` is not symmetric: row 1, column 2 is 0.5 but row 2, column 1 is 0.4",
        "[0.4, 1]",
    );
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[\n  [1, 0.5],\n  [0.5, 0.9],\n]",
        )),
        "row 2, column 2 of `rank` is 0.9; the diagonal must be 1",
        "[0.5, 0.9]",
    );
}

#[test]
fn rank_correlations_lie_between_minus_one_and_one() {
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[\n  [1, 1.5],\n  [1.5, 1],\n]",
        )),
        "row 1, column 2 of `rank` is 1.5; a rank correlation must be between -1 and 1",
        "[1, 1.5]",
    );
    rejects(
        &correlated(&block(
            &[CEILING, PASS_THROUGH],
            "[[1, \"high\"], [0.5, 1]]",
        )),
        "`rank`: expected a number, found a string",
        "rank = ",
    );
}

/// Positive definiteness is judged after the conversion to the copula's Pearson
/// correlations, and the error names the block.
#[test]
fn correlations_that_contradict_each_other_are_refused() {
    let text = correlated(&format!(
        "{}\n{}",
        block(
            &[BACKFILL, "cohorts.frequent-crisis.uptake.q"],
            "[[1, 0.2], [0.2, 1]]"
        ),
        block(
            &[CEILING, PASS_THROUGH, "providers.trust.other_income"],
            "[[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]",
        ),
    ))
    .replacen(
        "q = 0.2,",
        "q = { dist = \"uniform\", min = 0.1, max = 0.3 },",
        1,
    )
    .replacen(
        "other_income = 1_000_000",
        "other_income = { dist = \"normal\", mean = 1_000_000, sd = 50_000 }",
        1,
    );
    let problems = parse_scenario(&text).expect_err("contradictory");
    let problem = problems
        .iter()
        .find(|p| p.message.contains("contradict each other"))
        .unwrap_or_else(|| panic!("{problems:#?}"));
    assert!(
        problem.message.starts_with(&format!(
            "the rank correlations of correlation block 2 (`{CEILING}`, `{PASS_THROUGH}`, `providers.trust.other_income`)"
        )),
        "{problem:#?}"
    );
    assert!(problem.help.as_deref().unwrap().contains("weaken"));
    rejects(&text, "contradict each other", "[[1, 0.9, 0.9]");
    // A rank correlation of exactly 1 would make one parameter a copy of the other.
    rejects(
        &correlated(&block(&[CEILING, PASS_THROUGH], "[[1, 1], [1, 1]]")),
        "a correlation of 1 or -1 would make one parameter a copy of another",
        "[[1, 1], [1, 1]]",
    );
}

#[test]
fn paths_must_name_uncertain_parameters() {
    rejects(
        &correlated(&block(
            &["cohorts.frequent-crisis.uptake.cieling", PASS_THROUGH],
            "[[1, 0.5], [0.5, 1]]",
        )),
        &format!("did you mean `{CEILING}`?"),
        "cieling",
    );
    rejects(
        &correlated(&block(
            &["cohorts.frequent-crisis.uptake.cieling", PASS_THROUGH],
            "[[1, 0.5], [0.5, 1]]",
        )),
        "the scenario has no uncertain parameter `cohorts.frequent-crisis.uptake.cieling`",
        "cieling",
    );
    rejects(
        &correlated(&block(
            &["providers.trust.reserves", PASS_THROUGH],
            "[[1, 0.5], [0.5, 1]]",
        )),
        "`providers.trust.reserves` is a setting, not an uncertain parameter",
        "\"providers.trust.reserves\"",
    );
    rejects(
        &correlated(&block(
            &["cohorts.frequent-crisis.budget", PASS_THROUGH],
            "[[1, 0.5], [0.5, 1]]",
        )),
        "is the spread of budgets across holders",
        "\"cohorts.frequent-crisis.budget\"",
    );
    rejects(
        &correlated(&block(
            &[PASS_THROUGH, "cohorts.frequent-crisis.uptake.p"],
            "[[1, 0.5], [0.5, 1]]",
        )),
        "`cohorts.frequent-crisis.uptake.p` is a plain number (0.01); only a parameter given as a distribution can be correlated",
        "uptake.p\"",
    );
}

#[test]
fn a_parameter_is_in_one_block_once() {
    rejects(
        &correlated(&format!(
            "{}\n{}",
            block(&[CEILING, PASS_THROUGH], "[[1, 0.5], [0.5, 1]]"),
            block(&[BACKFILL, PASS_THROUGH], "[[1, 0.5], [0.5, 1]]"),
        )),
        &format!("`{PASS_THROUGH}` is already in correlation block 1"),
        &format!("\"{BACKFILL}\""),
    );
    rejects(
        &correlated(&block(
            &[
                CEILING,
                PASS_THROUGH,
                "cohorts.frequent-crisis.uptake.ceiling",
            ],
            "[[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]]",
        )),
        &format!("`{CEILING}` is listed twice in this correlation block"),
        "paths = ",
    );
}

#[test]
fn a_block_is_two_paths_or_more_and_a_matrix() {
    rejects(
        &correlated(&block(&[CEILING], "[[1]]")),
        "a correlation block needs at least two paths",
        "paths = ",
    );
    rejects(
        &correlated(&format!(
            "[[correlations]]\npaths = [\"{CEILING}\", \"{PASS_THROUGH}\"]\n"
        )),
        "missing required key `rank` in `correlations`",
        "[[correlations]]",
    );
    rejects(
        &correlated(&format!(
            "[[correlations]]\npaths = [\"{CEILING}\", 3]\nrank = [[1, 0.5], [0.5, 1]]\n"
        )),
        "each of `paths` must be a string, found an integer",
        "paths = ",
    );
    rejects(
        &correlated(&format!(
            "[[correlations]]\npaths = [\"{CEILING}\", \"{PASS_THROUGH}\"]\nrank = [[1, 0.5], [0.5, 1]]\nspearman = true\n"
        )),
        "unknown key `spearman` in `correlations`",
        "spearman = true",
    );
}

#[test]
fn every_problem_of_a_block_is_reported_at_once() {
    let text = correlated(&block(
        &[
            "cohorts.frequent-crisis.uptake.cieling",
            "providers.trust.reserves",
        ],
        "[\n  [0.9, 0.5],\n  [0.4, 2],\n]",
    ));
    let problems = parse_scenario(&text).expect_err("invalid");
    let errors: Vec<&str> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
}

/// A variant may give a correlated parameter another distribution (it stays
/// correlated) or a plain number (a sweep does: it then keeps that value).
#[test]
fn variants_and_sweeps_of_correlated_parameters_are_valid() {
    let text = correlated(&format!(
        "{}\n[[variants]]\nname = \"wider\"\nset = {{ \"{PASS_THROUGH}\" = {{ dist = \"uniform\", min = 0.4, max = 1 }} }}\n\n[[sweeps]]\npath = \"{CEILING}\"\nvalues = [0.2, 0.4]\n",
        block(&[CEILING, PASS_THROUGH], "[[1, 0.5], [0.5, 1]]"),
    ));
    let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(validated.variants.len(), 3);
    for variant in &validated.variants {
        assert_eq!(
            variant.scenario.correlations, validated.scenario.correlations,
            "{}",
            variant.name
        );
    }
    assert_eq!(
        validated.variants[1].scenario.cohorts[0]
            .uptake
            .ceiling
            .fixed_value(),
        Some(0.2)
    );
}
