//! The bad-input corpus: every file in `tests/corpus/` is a scenario that must be
//! refused, paired with a `.expect` file holding the exit code and the fragments of
//! standard error it must produce (each error as `file:line:column: message`, and its
//! fix). Cases too big to commit (very long lines) are generated here.
//!
//! An `.expect` file is: `#` comment lines, then `exit N`, then one fragment per line.
//! To add a case, add `NN-name.toml` and `NN-name.expect`; the fragments are what
//! `phbsim validate NN-name.toml`, run inside `tests/corpus/`, prints.

use std::path::{Path, PathBuf};

use crate::support::{EXAMPLE, phbsim};

const CORPUS: &str = "tests/corpus";

/// The cases of the corpus: each `.toml` (or other scenario file) with its `.expect`.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let mut cases: Vec<_> = std::fs::read_dir(CORPUS)
        .expect("tests/corpus exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let expect = p.with_extension("expect");
            (p, expect)
        })
        .collect();
    cases.sort();
    cases
}

/// What an `.expect` file asks for: the exit code and the fragments of stderr.
fn read_expect(path: &Path) -> (i32, Vec<String>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} is missing or unreadable: {e}", path.display()));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let code = lines
        .next()
        .and_then(|l| l.strip_prefix("exit "))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or_else(|| panic!("{} must start with `exit N`", path.display()));
    (code, lines.map(str::to_string).collect())
}

#[test]
fn every_corpus_file_is_refused_with_its_message() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (scenario, expect) in &cases {
        let (code, fragments) = read_expect(expect);
        assert!(
            !fragments.is_empty(),
            "{} expects nothing",
            expect.display()
        );
        let name = scenario.file_name().expect("a file name");
        let output = phbsim()
            .current_dir(CORPUS)
            .arg("validate")
            .arg(name)
            .output()
            .expect("phbsim runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let missing: Vec<_> = fragments
            .iter()
            .filter(|f| !stderr.contains(f.as_str()))
            .collect();
        if output.status.code() != Some(code) || !missing.is_empty() || stderr.contains("panicked")
        {
            failures.push(format!(
                "{}: exit {:?} (expected {code}); missing {missing:#?}\n{stderr}",
                scenario.display(),
                output.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The first 50 lines of the smallest valid scenario in the corpus's style.
const VALID: &str = r#"schema_version = 1

[scenario]
name = "Generated"
start = "2027-04"
months = 12

[[providers]]
id = "trust"

[[providers.services]]
id = "crisis"
payment = "activity"
unit_price = 380

[[cohorts]]
id = "everyone"
size = 100
uptake = { model = "constant", monthly = 0.01 }
budget = 9000
forms = { notional = 1.0 }
uses = [{ service = "trust/crisis", per_month = 0.5 }]
"#;

/// Writes `text` as `name` in a fresh directory and validates it there.
fn validate_text(name: &str, text: &[u8]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let output = phbsim()
        .current_dir(dir.path())
        .arg("validate")
        .arg(name)
        .output()
        .expect("phbsim runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A 200,000-character line before the fault: the column counts characters (here
/// two-byte ones), and the message stays readable.
#[test]
fn a_very_long_line_keeps_its_column() {
    let padding = "é".repeat(200_000);
    let line =
        format!("budget = {{ note = \"{padding}\", dist = \"normal\", mean = 9000, sdd = 1 }}");
    let column = line.find("sdd").unwrap() - padding.len() + padding.chars().count() + 1;
    let text = VALID.replacen("budget = 9000", &line, 1);
    let line_number = text.lines().position(|l| l.starts_with("budget")).unwrap() + 1;
    let (code, stderr) = validate_text("long.toml", text.as_bytes());
    assert_eq!(code, Some(2), "{stderr:.2000}");
    for fragment in [
        format!("long.toml:{line_number}:{column}: unknown key `sdd` in `budget`"),
        "did you mean `sd`?".to_string(),
    ] {
        assert!(stderr.contains(&fragment), "missing {fragment}");
    }
}

/// A long file of long lines: 20,000 unknown keys, every one reported, none lost.
#[test]
fn thousands_of_problems_are_all_reported() {
    let mut text = VALID.to_string();
    for i in 0..20_000 {
        text.push_str(&format!("unknown_{i} = \"{}\"\n", "x".repeat(100)));
    }
    let (code, stderr) = validate_text("many.toml", text.as_bytes());
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("many.toml: 20000 error(s)"),
        "{:.500}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
}

// Absurd but valid sizes: run correctly, or refused up front with an estimate.

/// Runs `text` as a scenario with `args` in a fresh directory; the exit code, stderr
/// and the output directory.
fn run_text(text: &str, args: &[&str]) -> (Option<i32>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let output = phbsim()
        .current_dir(dir.path())
        .args(["run", "s.toml", "-q", "-o", "out"])
        .args(args)
        .output()
        .expect("phbsim runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr, dir)
}

/// The mean of `metric` for `entity` in the last month of months.csv.
fn last_month_mean(months_csv: &str, entity: &str, metric: &str) -> f64 {
    let needle = format!(",{entity},");
    months_csv
        .lines()
        .rfind(|l| l.contains(&needle) && l.split(',').nth(4) == Some(metric))
        .and_then(|l| l.split(',').nth(5))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("no {entity} {metric} in months.csv"))
}

/// Counts are u64 and money f64, and binomials draw counts whole, so a cohort of a
/// billion, 10^15 or the largest size a file can hold runs, and every patient is
/// either traditional or a holder in every iteration.
#[test]
fn a_cohort_of_a_billion_people_or_more_runs_without_overflow() {
    for size in [1_000_000_000u64, 1_000_000_000_000_000, i64::MAX as u64] {
        let text = VALID
            .replacen("size = 100", &format!("size = {size}"), 1)
            .replacen("monthly = 0.01", "monthly = 0.2", 1);
        let (code, stderr, dir) = run_text(&text, &["-n", "20"]);
        assert_eq!(code, Some(0), "size {size}: {stderr}");
        let months = std::fs::read_to_string(dir.path().join("out/months.csv")).unwrap();
        assert!(
            !months.contains("NaN") && !months.contains("inf"),
            "size {size}"
        );
        let traditional = last_month_mean(&months, "everyone", "traditional");
        let holders = last_month_mean(&months, "everyone", "holders");
        assert!(holders > 0.0, "size {size}: some took a budget");
        // Exact below 2^53; above it, within the rounding of a double.
        let total = traditional + holders;
        assert!(
            (total - size as f64).abs() <= size as f64 * 1e-15,
            "size {size}: {traditional} + {holders}"
        );
    }
}

/// A billion iterations of the example (its base and variants: some 10,000 output
/// cells per iteration): days of work.
/// (A billion iterations of a scenario with a few hundred cells is within the limits:
/// hours of computing, and it runs.)
#[test]
fn a_billion_iterations_are_refused_with_an_estimate() {
    let example = EXAMPLE;
    let in_file = example.replacen("iterations  = 1000", "iterations  = 1_000_000_000", 1);
    assert_ne!(in_file, example, "the example sets its iterations");
    for (text, args) in [
        (in_file.as_str(), &[][..]),
        (example, &["-n", "1000000000"][..]),
    ] {
        let (code, stderr, dir) = run_text(text, args);
        assert_eq!(code, Some(2), "{stderr}");
        for fragment in [
            "this run is too large to start",
            "× 1000000000 iterations",
            "of memory and",
            "of computing on",
            "Lower the iterations",
            "--allow-large",
        ] {
            assert!(stderr.contains(fragment), "missing {fragment:?}: {stderr}");
        }
        assert!(!dir.path().join("out").exists(), "nothing is created");
    }
}

/// 100,000 cohorts over 600 months: hundreds of millions of output cells, terabytes
/// of statistics. Validation accepts the file (about 18 MB); `run` refuses it at once.
#[test]
fn six_hundred_months_of_100000_cohorts_are_refused_with_an_estimate() {
    let mut text =
        VALID
            .split("[[cohorts]]")
            .next()
            .unwrap()
            .replacen("months = 12", "months = 600", 1);
    text.push_str("[budget_forms.notional]\nexisting = 0.5\n");
    for c in 0..100_000 {
        text.push_str(&format!(
            "[[cohorts]]\nid = \"c{c}\"\nsize = 10\nuptake = {{ model = \"constant\", monthly = 0.01 }}\nbudget = 1000\nforms = {{ notional = 1.0 }}\nuses = [{{ service = \"trust/crisis\", per_month = 0.5 }}]\n"
        ));
    }
    let (code, stderr, dir) = run_text(&text, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    for fragment in [
        "300013268 output cells (600 months) × 1000 iterations",
        "would need about 393 GiB of memory",
        "beyond the limit of 16 GiB of memory",
    ] {
        assert!(stderr.contains(fragment), "missing {fragment:?}: {stderr}");
    }
    assert!(!dir.path().join("out").exists(), "nothing is created");
}
