//! End-to-end tests of the `phbsim` binary: every command's success and error paths
//! and their exit codes (SPEC section 5).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn phbsim() -> Command {
    Command::cargo_bin("phbsim").expect("the binary is built")
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

const EXAMPLE: &str = include_str!("../scenarios/example-icb.toml");

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
    let text = EXAMPLE.replacen("pass_through", "passthrough", 1);
    let line = text[..text.find("passthrough").unwrap()].lines().count() + 1;
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
            "cannot read scenario file no-such-file.toml",
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
    let bad = EXAMPLE.replacen("pass_through", "passthrough", 1);
    assert!(!validator.is_valid(&as_json(&bad)), "unknown key accepted");
    let bad_top = format!("{EXAMPLE}\nunknown_top = 1\n");
    assert!(!validator.is_valid(&as_json(&bad_top)));
}
