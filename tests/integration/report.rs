//! End-to-end tests of `report.html`: written by every `run`, rebuilt byte for byte by
//! `phbsim report DIR`, and refused with exit 2 (naming the file) for a directory that
//! is missing, foreign or malformed.

use std::fs;

use predicates::prelude::*;

use crate::support::{phbsim, run_example};

/// Arguments that run the example quickly.
const QUICK: &[&str] = &["-n", "60", "-q"];

#[test]
fn run_writes_a_report_that_report_rebuilds_byte_for_byte() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, QUICK);
    let written = fs::read(out.join("report.html")).expect("run writes report.html");
    assert!(written.starts_with(b"<!DOCTYPE html>"));
    assert!(written.len() > 20_000, "a report with its charts");
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(
        text.contains("id=\"variants\"") && text.contains("rollout twice as fast"),
        "the example's variants are in the report"
    );

    fs::remove_file(out.join("report.html")).unwrap();
    phbsim()
        .arg("report")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("report.html"));
    let rebuilt = fs::read(out.join("report.html")).unwrap();
    assert!(rebuilt == written, "report differs from the one run wrote");

    // Rewriting over an existing report leaves nothing else behind.
    phbsim().arg("report").arg(&out).assert().success();
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "compare.csv",
            "manifest.json",
            "months.csv",
            "report.html",
            "results.xlsx",
            "scenario.toml",
            "summary.csv",
            "years.csv"
        ]
    );
    // And a later run may still overwrite the directory.
    run_example(&out, QUICK);
}

/// A directory written before years.csv existed is still reported on, without the
/// financial-year section.
#[test]
fn report_of_a_directory_without_years_csv_leaves_the_section_out() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, QUICK);
    let written = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(written.contains("id=\"years\""));
    fs::remove_file(out.join("years.csv")).unwrap();
    phbsim().arg("report").arg(&out).assert().success();
    let rebuilt = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!rebuilt.contains("id=\"years\"") && !rebuilt.contains("years.csv"));
    assert!(rebuilt.contains("id=\"deficit\"") && rebuilt.contains("id=\"commissioner\""));
}

#[test]
fn report_of_a_missing_directory_is_exit_2() {
    let root = tempfile::tempdir().unwrap();
    phbsim()
        .arg("report")
        .arg(root.path().join("nowhere"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere is not a directory"));
}

#[test]
fn report_of_an_incomplete_directory_names_the_missing_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, QUICK);
    fs::remove_file(out.join("months.csv")).unwrap();
    phbsim()
        .arg("report")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("months.csv is missing"));

    // The example has variants, so its paired differences are needed too.
    run_example(&out, QUICK);
    fs::remove_file(out.join("compare.csv")).unwrap();
    phbsim()
        .arg("report")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("compare.csv is missing"));
}

#[test]
fn report_of_a_malformed_table_names_file_and_line() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, QUICK);
    let months = fs::read_to_string(out.join("months.csv")).unwrap();
    let broken = months.replacen(",income,", ",income,oops", 1);
    fs::write(out.join("months.csv"), broken).unwrap();
    let before = fs::read(out.join("report.html")).unwrap();
    phbsim()
        .arg("report")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("months.csv:2:"))
        .stderr(predicate::str::contains("is not a number"));
    assert!(
        fs::read(out.join("report.html")).unwrap() == before,
        "a failed rebuild leaves the old report"
    );
}

#[test]
fn report_refuses_a_directory_phbsim_did_not_write() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("thesis.docx"), "precious").unwrap();
    phbsim()
        .arg("report")
        .arg(root.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("thesis.docx"))
        .stderr(predicate::str::contains("phbsim did not write"));
    assert!(!root.path().join("report.html").exists());

    let other = root.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("manifest.json"), r#"{"tool": "excel"}"#).unwrap();
    phbsim()
        .arg("report")
        .arg(&other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("manifest.json"));
}
