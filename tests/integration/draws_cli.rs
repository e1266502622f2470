//! End-to-end tests of `[draws] file`: a run takes draw i mod D of the file's
//! parameters; the file is checked by `validate` with every problem at its line; and
//! runs with draws stay byte-identical across thread counts and shards.
//!
//! The scenario has one provider whose only income is `other_income`, so each
//! iteration's income over its two months is `2 × other_income / 12`, and the
//! outputs show exactly which draw each iteration took.

use std::path::{Path, PathBuf};

use crate::support::phbsim;

const SCENARIO: &str = r#"schema_version = 1
[scenario]
name = "draws"
start = "2027-01"
months = 2
iterations = 6
seed = 5

[[providers]]
id = "p"
other_income = { dist = "uniform", min = 1000, max = 2000 }

[draws]
file = "fit/posterior.csv"
"#;

/// Three draws of `other_income`: 1,200, 2,400 and 3,600 a year, so an iteration's
/// income over the two months is 200, 400 or 600.
const POSTERIOR: &str = "draw,path,value
0,providers.p.other_income,1200
1,providers.p.other_income,2400
2,providers.p.other_income,3600
";

fn setup(dir: &Path, posterior: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("fit")).unwrap();
    std::fs::write(dir.join("fit/posterior.csv"), posterior).unwrap();
    let scenario = dir.join("draws.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    scenario
}

/// The mean of provider `p`'s `income` in summary.csv.
fn mean_income(out: &Path) -> f64 {
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.contains(",provider,p,income,"))
        .expect("p's income");
    row.split(',').nth(4).unwrap().parse().unwrap()
}

fn run(scenario: &Path, out: &Path, args: &[&str]) {
    phbsim()
        .arg("run")
        .arg(scenario)
        .arg("-q")
        .arg("-o")
        .arg(out)
        .args(args)
        .assert()
        .success();
}

#[test]
fn a_run_takes_draw_i_mod_d() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = setup(dir.path(), POSTERIOR);
    // 6 iterations: draws 0, 1, 2, 0, 1, 2, so a mean income of 400.
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    assert!((mean_income(&out) - 400.0).abs() < 1e-9);
    // The first 4 iterations (-n 4): draws 0, 1, 2, 0, a mean of 350.
    let prefix = dir.path().join("prefix");
    run(&scenario, &prefix, &["-n", "4"]);
    assert!((mean_income(&prefix) - 350.0).abs() < 1e-9);
    // The percentiles are those of the draws: P50 400, P5 200 (type 7 over 6 values
    // 200, 200, 400, 400, 600, 600 is 200 at 0.05).
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains("draws,provider,p,income,400,178.88543819998318,200,250,400,550,600"),
        "{summary}"
    );
}

#[test]
fn runs_with_draws_are_byte_identical_across_threads_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let posterior: String = std::iter::once("draw,path,value\n".to_string())
        .chain((0..7).map(|d| format!("{d},providers.p.other_income,{}\n", 1000 + 100 * d)))
        .collect();
    let scenario = setup(dir.path(), &posterior);
    // 600 iterations: three blocks of 256, the last partial, so two shards split them.
    let n = ["-n", "600"];
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    run(&scenario, &one, &[&n[..], &["-j", "1"]].concat());
    run(&scenario, &two, &[&n[..], &["-j", "2"]].concat());
    let parts = dir.path().join("parts");
    for k in ["0/2", "1/2"] {
        phbsim()
            .arg("run")
            .arg(&scenario)
            .args(["-q", "-n", "600", "--shard", k, "-o"])
            .arg(&parts)
            .assert()
            .success();
    }
    let merged = dir.path().join("merged");
    phbsim()
        .args(["merge", "-q", "-o"])
        .arg(&merged)
        .arg(&parts)
        .assert()
        .success();
    for file in ["months.csv", "summary.csv", "years.csv"] {
        let a = std::fs::read(one.join(file)).unwrap();
        assert!(
            a == std::fs::read(two.join(file)).unwrap(),
            "{file}: -j 1 and -j 2"
        );
        assert!(
            a == std::fs::read(merged.join(file)).unwrap(),
            "{file}: shards"
        );
    }
    // Draw i mod 7 of 600 iterations: 86 of draws 0 to 4 (1000 to 1400) and 85 of
    // draws 5 and 6 (1500, 1600); income over two months is value / 6.
    let total: f64 = (0..600)
        .map(|i| f64::from(1000 + 100 * (i % 7)) / 6.0)
        .sum();
    assert!((mean_income(&one) - total / 600.0).abs() < 1e-9);
}

#[test]
fn validate_reports_every_problem_of_a_draws_file_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = setup(
        dir.path(),
        "draw,path,value
0,providers.p.other_income,1200
0,providers.p.other_incom,1
0,providers.p.reserves,5
1,providers.p.other_income,-3
1,providers.p.other_income,nan
x,providers.p.other_income,1
3,providers.p.other_income,1
3,providers.p.other_income,2
",
    );
    let output = phbsim().arg("validate").arg(&scenario).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let file = dir.path().join("fit/posterior.csv").display().to_string();
    for (place, message) in [
        (
            "3:3",
            "the scenario has no uncertain parameter `providers.p.other_incom`",
        ),
        (
            "4:3",
            "`providers.p.reserves` is not an uncertain parameter",
        ),
        (
            "5:28",
            "-3 is out of range for `providers.p.other_income`: it must be at least 0",
        ),
        ("6:28", "`nan` is not a finite number"),
        ("7:1", "`x` is not a draw number"),
    ] {
        let heading = format!("{file}:{place}: {message}");
        assert!(
            stderr.contains(&heading),
            "missing `{heading}` in:\n{stderr}"
        );
    }
    assert!(stderr.contains("did you mean `providers.p.other_income`?"));

    // The rows are each right but the draws are not complete: draw 1 has no valid
    // row, draw 2 none at all, draw 3 one twice.
    std::fs::write(
        dir.path().join("fit/posterior.csv"),
        "draw,path,value
0,providers.p.other_income,1200
3,providers.p.other_income,1
3,providers.p.other_income,2
",
    )
    .unwrap();
    let output = phbsim().arg("validate").arg(&scenario).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for message in [
        format!("{file}:4:1: draw 3 gives `providers.p.other_income` twice (first on line 3)"),
        format!("{file}: draw 1 is missing: draws must be numbered 0 to 3"),
        format!("{file}: draw 2 is missing"),
    ] {
        assert!(
            stderr.contains(&message),
            "missing `{message}` in:\n{stderr}"
        );
    }

    // A file of another shape is refused at its header.
    std::fs::write(
        dir.path().join("fit/posterior.csv"),
        "cohort,from,to,measure,value\nc,2027-01,2027-01,holders,1\n",
    )
    .unwrap();
    let output = phbsim().arg("validate").arg(&scenario).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{file}:1:1: the header is `cohort,from,to,measure,value`, not `draw,path,value`"
        )),
        "{stderr}"
    );

    // A missing file is reported at the scenario's `file` line.
    std::fs::remove_file(dir.path().join("fit/posterior.csv")).unwrap();
    let output = phbsim().arg("validate").arg(&scenario).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}:14:8: no such draws file:", scenario.display())),
        "{stderr}"
    );
}

/// A variant that sets a parameter of the file runs with its own value: its `set` is
/// what it asks for, and the file's draws of the other parameters still apply.
#[test]
fn a_variant_setting_a_drawn_parameter_keeps_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = setup(dir.path(), POSTERIOR);
    let text = std::fs::read_to_string(&scenario).unwrap()
        + "\n[[variants]]\nname = \"flat\"\nset = { \"providers.p.other_income\" = 6000 }\n";
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains("draws,provider,p,income,400,"),
        "{summary}"
    );
    assert!(
        summary.contains("flat,provider,p,income,1000,0,"),
        "{summary}"
    );
}
