//! End-to-end tests of the `phbsim` binary: every command's success and error paths
//! and their exit codes (SPEC section 5).

use std::path::Path;

use predicates::prelude::*;

use crate::support::{EXAMPLE, phbsim, run_example};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(
        files.len() >= 4,
        "example, starter and two variants at least"
    );
    phbsim().arg("validate").args(&files).assert().success();
}

#[test]
fn validate_reports_file_line_column_and_fix_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = EXAMPLE.replacen("pass_through   =", "passthrough   =", 1);
    let line = text[..text.find("passthrough   =").unwrap()]
        .lines()
        .count()
        + 1;
    let path = write(dir.path(), "bad.toml", &text);
    phbsim()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("bad.toml:{line}:")))
        .stderr(predicate::str::contains("did you mean `pass_through`?"))
        .stderr(predicate::str::contains("passthrough"));
}

#[test]
fn validate_reports_a_missing_file_with_exit_2() {
    phbsim()
        .args(["validate", "no-such-file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no such file: no-such-file.toml; check the path, or run `phbsim init no-such-file.toml`",
        ));
}

#[test]
fn validate_checks_every_file_and_fails_if_any_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.toml", EXAMPLE);
    let bad = write(dir.path(), "bad.toml", "[scenario]\nname = 1\n");
    phbsim()
        .arg("validate")
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("good.toml: valid"))
        .stderr(predicate::str::contains("bad.toml:2:8"));
}

#[test]
fn validate_never_panics_on_binary_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.toml");
    std::fs::write(&path, [0x73, 0x3d, 0xff, 0xfe, 0x00, 0x01]).unwrap();
    phbsim()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "garbage.toml:1:3: the file is not UTF-8",
        ));
}

#[test]
fn validate_without_files_is_a_usage_error() {
    phbsim().arg("validate").assert().code(2);
}

#[test]
fn unknown_command_is_a_usage_error() {
    phbsim().arg("frobnicate").assert().code(2);
}

#[test]
fn init_writes_a_starter_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    phbsim().arg("init").arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            > 20,
        "starter is commented"
    );
    phbsim().arg("validate").arg(&path).assert().success();
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "mine.toml", "keep me");
    phbsim()
        .arg("init")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    phbsim()
        .arg("init")
        .arg(&path)
        .arg("--force")
        .assert()
        .success();
}

#[test]
fn init_without_file_prints_the_starter() {
    phbsim()
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("[scenario]"));
}

#[test]
fn init_into_a_missing_directory_fails_with_exit_1() {
    phbsim()
        .args(["init", "/no/such/dir/mine.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot create /no/such/dir/mine.toml",
        ));
}

/// The schema must accept what the validator accepts and reject unknown keys, so
/// editors flag the same mistakes as `phbsim validate`.
#[test]
fn schema_accepts_the_examples_and_rejects_unknown_keys() {
    let output = phbsim()
        .arg("schema")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let schema: serde_json::Value = serde_json::from_slice(&output).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let as_json = |text: &str| -> serde_json::Value {
        let value: toml::Value = toml::from_str(text).expect("TOML");
        serde_json::to_value(value).expect("JSON")
    };
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} rejected by schema: {errors:#?}",
            path.display()
        );
    }
    let bad = EXAMPLE.replacen("pass_through   =", "passthrough   =", 1);
    assert!(!validator.is_valid(&as_json(&bad)), "unknown key accepted");
    let bad_top = format!("{EXAMPLE}\nunknown_top = 1\n");
    assert!(!validator.is_valid(&as_json(&bad_top)));
}

#[test]
fn run_is_byte_identical_for_one_and_two_threads() {
    let root = tempfile::tempdir().unwrap();
    let (one, two) = (root.path().join("one"), root.path().join("two"));
    run_example(&one, &["-n", "300", "-j", "1", "-q"]);
    run_example(&two, &["-n", "300", "-j", "2", "-q"]);
    for file in [
        "months.csv",
        "summary.csv",
        "years.csv",
        "compare.csv",
        "results.xlsx",
    ] {
        let a = std::fs::read(one.join(file)).unwrap();
        let b = std::fs::read(two.join(file)).unwrap();
        assert!(a == b, "{file} differs between -j 1 and -j 2");
    }
}

#[test]
fn run_writes_every_output_and_prints_the_provider_table() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let assert = phbsim()
        .arg("run")
        .arg("-o")
        .arg(&out)
        .args(["-n", "50", "--seed", "9"])
        .assert()
        .success()
        .stdout(predicate::str::contains("safe-haven"))
        .stdout(predicate::str::contains("double-running cost"));
    drop(assert);
    for file in [
        "months.csv",
        "summary.csv",
        "manifest.json",
        "scenario.toml",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["iterations"], 50);
    assert_eq!(manifest["seed"], 9);
    assert_eq!(manifest["iterations_overridden"], true);
    assert_eq!(
        std::fs::read_to_string(out.join("scenario.toml")).unwrap(),
        EXAMPLE
    );
    let months = std::fs::read_to_string(out.join("months.csv")).unwrap();
    assert!(months.starts_with("scenario,level,entity,month,metric,mean,sd,p5,p25,p50,p75,p95\n"));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains(",provider,safe-haven,distressed_baseline,"));
}

#[test]
fn run_quiet_prints_nothing_on_stdout() {
    let root = tempfile::tempdir().unwrap();
    phbsim()
        .arg("run")
        .arg("-o")
        .arg(root.path().join("out"))
        .args(["-n", "10", "-q"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
}

#[test]
fn run_rejects_zero_iterations_and_zero_threads_with_exit_2() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    for (args, says) in [
        (["-n", "0"], "use a whole number of iterations, at least 1"),
        (["-j", "0"], "use 1 to 1024 threads"),
        (["-j", "1025"], "use 1 to 1024 threads"),
    ] {
        phbsim()
            .arg("run")
            .arg("-o")
            .arg(&out)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("18446744073709551615").not());
    }
    assert!(!out.exists(), "nothing is created on bad usage");
}

#[test]
fn run_refuses_a_directory_it_did_not_write() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("results");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("budget.xlsx"), "precious").unwrap();
    phbsim()
        .arg("run")
        .arg("-o")
        .arg(&out)
        .args(["-n", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds files phbsim did not write"));
    assert_eq!(
        std::fs::read_to_string(out.join("budget.xlsx")).unwrap(),
        "precious"
    );
}

#[test]
fn run_overwrites_its_own_previous_results() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, &["-n", "10", "-q"]);
    run_example(&out, &["-n", "20", "-q"]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"iterations\": 20"));
}

#[test]
fn run_of_an_invalid_scenario_creates_nothing() {
    let root = tempfile::tempdir().unwrap();
    let bad = write(
        root.path(),
        "bad.toml",
        &EXAMPLE.replacen("months      = 60", "months = 0", 1),
    );
    let out = root.path().join("out");
    phbsim()
        .arg("run")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:"))
        .stderr(predicate::str::contains("the scenario was not run"));
    assert!(!out.exists());
}

#[test]
fn run_of_a_missing_file_is_exit_2() {
    phbsim()
        .args(["run", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no such file: missing.toml; check the path, or run `phbsim init missing.toml`",
        ));
}

#[test]
fn run_into_an_unwritable_place_is_exit_1() {
    let root = tempfile::tempdir().unwrap();
    let blocker = write(root.path(), "not-a-dir", "");
    phbsim()
        .arg("run")
        .arg("-o")
        .arg(blocker.join("out"))
        .args(["-n", "10"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]
fn run_defaults_to_out_slash_file_stem() {
    let root = tempfile::tempdir().unwrap();
    let scenario = write(root.path(), "my-icb.toml", EXAMPLE);
    phbsim()
        .current_dir(root.path())
        .arg("run")
        .arg(&scenario)
        .args(["-n", "10", "-q"])
        .assert()
        .success();
    assert!(root.path().join("out/my-icb/summary.csv").is_file());
}

#[test]
fn run_with_variants_writes_compare_csv_and_names_every_row() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, &["-n", "40", "-q"]);
    let compare = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(
        compare
            .starts_with("scenario,base,level,entity,metric,mean,sd,p5,p25,p50,p75,p95,p_worse\n")
    );
    assert!(compare.contains(
        "rollout twice as fast,\"Example ICB, moderate rollout\",provider,trust,income,"
    ));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for name in [
        "\"Example ICB, moderate rollout\",",
        "rollout twice as fast,",
        "contracts re-based after two years,",
    ] {
        assert!(
            summary.lines().any(|l| l.starts_with(name)),
            "no rows for {name}"
        );
    }
}

#[test]
fn diff_lists_changed_paths_and_paired_differences() {
    phbsim()
        .args([
            "diff",
            "scenarios/example-icb.toml",
            "scenarios/fast-rollout.toml",
            "-n",
            "30",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "cohorts.young-people.uptake.monthly\n      A: 0.006\n      B: 0.012",
        ))
        .stdout(predicate::str::contains(
            "contracts.first_review\n      A: (default)\n      B: \"2027-10\"",
        ))
        .stdout(predicate::str::contains("B        safe-haven"));
}

#[test]
fn diff_of_a_missing_or_invalid_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.toml", "[scenario]\n");
    phbsim()
        .args(["diff", "scenarios/example-icb.toml", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no such file: missing.toml; check the path, or run `phbsim init missing.toml`",
        ));
    phbsim()
        .arg("diff")
        .arg(&bad)
        .arg("scenarios/example-icb.toml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing required key `name`"));
}

/// A `phbsim report` killed mid-write leaves `.report.html.phbsim-tmp-<pid>`: that is
/// phbsim's own file, and the next run into the directory goes ahead.
#[test]
fn a_leftover_report_temporary_does_not_block_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = || {
        phbsim()
            .args(["run", "-q", "-n", "20", "-o"])
            .arg(&out)
            .assert()
            .success();
    };
    run();
    let leftover = out.join(".report.html.phbsim-tmp-99999");
    std::fs::write(&leftover, "half a report").unwrap();
    run();
    assert!(
        !leftover.exists(),
        "the new run replaced the whole directory"
    );
}

#[test]
fn report_of_a_sensitivity_directory_says_which_command_rebuilds_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sensitivity.csv"), "scenario\n").unwrap();
    phbsim()
        .arg("report")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("output of `phbsim sensitivity`"));
}
