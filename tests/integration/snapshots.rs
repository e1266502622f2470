//! Value stability (STYLE 14): the outputs of `tests/snapshots/tiny.toml` for its
//! seed are pinned byte for byte, so any change to the random streams, the order of
//! draws, the model's arithmetic, the statistics or the CSV format shows up in review.
//!
//! When a change of results is intended, regenerate the pinned files with
//!
//! ```sh
//! PHBSIM_UPDATE_SNAPSHOTS=1 cargo test --test integration snapshots::
//! ```
//!
//! review the diff of `tests/snapshots/`, and record the change under "Changes of
//! results" in CHANGELOG.md. Pinned on x86-64 Linux; the promise is byte-identical
//! results on one platform (see docs/guarantees.md).

use std::path::Path;

use crate::support::phbsim;

const DIR: &str = "tests/snapshots";

/// The months whose rows of months.csv are pinned: before any offer, the crisis
/// users' first offer (also the first review, which changes nothing yet), and the
/// last month (the second review re-bases the block contract).
const PINNED_MONTHS: [&str; 3] = ["2027-03", "2027-04", "2028-04"];

/// The pinned outputs of one run: its summary.csv, the pinned rows of its months.csv,
/// and its years.csv (every row: a few dozen).
#[derive(Debug, PartialEq)]
struct Outputs {
    summary: String,
    months: String,
    years: String,
}

impl Outputs {
    /// Compares each with its pinned file, or rewrites them when asked to.
    fn compare(&self) {
        compare("tiny.summary.csv", &self.summary);
        compare("tiny.months.csv", &self.months);
        compare("tiny.years.csv", &self.years);
    }
}

/// Runs the tiny scenario on `threads` threads.
fn outputs(threads: &str) -> Outputs {
    outputs_of(Path::new("tests/snapshots/tiny.toml"), threads)
}

/// Runs `scenario` on `threads` threads.
fn outputs_of(scenario: &Path, threads: &str) -> Outputs {
    let out = tempfile::tempdir().unwrap();
    phbsim()
        .arg("run")
        .arg(scenario)
        .args(["-q", "-j", threads, "-o"])
        .arg(out.path().join("tiny"))
        .assert()
        .success();
    let read = |name: &str| std::fs::read_to_string(out.path().join("tiny").join(name)).unwrap();
    let months = read("months.csv");
    let mut lines = months.lines();
    let header = lines.next().expect("a header");
    let mut pinned = format!("{header}\n");
    for line in lines.filter(|l| PINNED_MONTHS.iter().any(|m| l.contains(&format!(",{m},")))) {
        pinned.push_str(line);
        pinned.push('\n');
    }
    Outputs {
        summary: read("summary.csv"),
        months: pinned,
        years: read("years.csv"),
    }
}

/// Compares `actual` with the pinned file `name`, or rewrites it when asked to.
pub fn compare(name: &str, actual: &str) {
    let path = Path::new(DIR).join(name);
    if std::env::var_os("PHBSIM_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} unreadable ({e}); see the header of tests/integration/snapshots.rs",
            path.display()
        )
    });
    if pinned != actual {
        let first = pinned
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "line count".to_string(), |i| format!("line {}", i + 1));
        panic!(
            "{} changed (first difference at {first}). If the change of results is intended, \
             run `PHBSIM_UPDATE_SNAPSHOTS=1 cargo test --test integration snapshots::`, review the diff and \
             record it in CHANGELOG.md.\n--- pinned\n{pinned}\n--- now\n{actual}",
            path.display()
        );
    }
}

#[test]
fn tiny_scenario_outputs_are_value_stable() {
    outputs("2").compare();
}

/// The same bytes on one thread as on two: the snapshot does not depend on `-j`.
#[test]
fn tiny_scenario_outputs_do_not_depend_on_threads() {
    assert_eq!(outputs("1"), outputs("2"));
}

/// Model v2's defaults are v1 (SPEC section 4): the tiny scenario with every new key
/// written out at its default (`substitution = 1` on each use, `underspend = 0` on
/// each budget form, `budget_purchasable = true`, `cost_step = 0`, `notice_months =
/// 0` and `transition_cost = 0` on each service, a `[prices]` table of zero rates and
/// a `[commissioner]` table without an envelope) gives the pinned bytes, so a
/// scenario that does not use the new keys keeps its v1 results (but for the one
/// deliberate change SPEC section 4 names, recorded in CHANGELOG.md).
#[test]
fn model_v2_keys_at_their_defaults_give_the_pinned_results() {
    let tiny = std::fs::read_to_string("tests/snapshots/tiny.toml").unwrap();
    let explicit = tiny
        .replace("per_month = 0.9 }", "per_month = 0.9, substitution = 1 }")
        .replace("per_month = 0.4 }", "per_month = 0.4, substitution = 1.0 }")
        .replace("per_month = 2 }", "per_month = 2, substitution = 1 }")
        .replace("admin_cost = 0.04\n", "admin_cost = 0.04\nunderspend = 0\n")
        .replace(
            "admin_cost = { dist = \"beta\", alpha = 2, beta = 60 }\n",
            "admin_cost = { dist = \"beta\", alpha = 2, beta = 60 }\nunderspend = 0.0\n",
        )
        .replace(
            "payment = \"block\"\n",
            "payment = \"block\"\nbudget_purchasable = true\ncost_step = 0\nnotice_months = 0\n",
        )
        .replace(
            "payment = \"activity\"\n",
            "payment = \"activity\"\nbudget_purchasable = true\ntransition_cost = 0.0\n",
        )
        .replace(
            "[budget_forms.direct_payment]\n",
            "[prices]\nyear_start = 4\ntariff_uplift = 0\ncost_inflation = 0.0\nbudget_uplift = 0\n\n\
             [commissioner]\n\n[budget_forms.direct_payment]\n",
        );
    for key in [
        "substitution",
        "underspend",
        "budget_purchasable",
        "cost_step",
        "notice_months",
        "transition_cost",
        "tariff_uplift",
        "cost_inflation",
        "budget_uplift",
        "[commissioner]",
    ] {
        assert!(explicit.contains(key), "{key} written out");
    }
    assert_eq!(explicit.matches("substitution").count(), 3);
    assert_eq!(explicit.matches("underspend").count(), 2);
    assert_eq!(explicit.matches("budget_purchasable").count(), 3);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.toml");
    std::fs::write(&file, explicit).unwrap();
    let explicit = outputs_of(&file, "2");
    assert_eq!(explicit, outputs("2"));
    explicit.compare();
}
