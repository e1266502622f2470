//! Where outputs go and what is said about them: a directory holding another
//! scenario's results is refused (two files with one stem, `jan/icb.toml` and
//! `feb/icb.toml`, both default to `out/icb`), `--force` replaces them, and the same
//! file run again replaces its own.

use std::path::Path;

use predicates::prelude::*;

use crate::support::{EXAMPLE, phbsim};

/// Writes `jan/icb.toml` and `feb/icb.toml` under `root`: the example under two
/// names, February's renamed so its text differs.
fn two_months(root: &Path) {
    for (month, name) in [("jan", "January ICB"), ("feb", "February ICB")] {
        std::fs::create_dir_all(root.join(month)).unwrap();
        let text = EXAMPLE.replacen(
            "name        = \"Example ICB, moderate rollout\"",
            &format!("name        = \"{name}\""),
            1,
        );
        assert_ne!(
            text, EXAMPLE,
            "the example's name line is where the test expects"
        );
        std::fs::write(root.join(month).join("icb.toml"), text).unwrap();
    }
}

/// The scenario file recorded in `dir`'s manifest.
fn recorded_file(dir: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["scenario_file"].as_str().unwrap().to_string()
}

#[test]
fn run_refuses_another_scenarios_results_and_force_replaces_them() {
    let root = tempfile::tempdir().unwrap();
    two_months(root.path());
    let run = |file: &str, extra: &[&str]| {
        let mut command = phbsim();
        command
            .current_dir(root.path())
            .args(["run", file, "-n", "10", "-q"])
            .args(extra);
        command.assert()
    };
    let out = root.path().join("out/icb");
    run("jan/icb.toml", &[]).success();
    run("feb/icb.toml", &[]).code(2).stderr(predicate::str::contains(
        "out/icb holds the results of another scenario, jan/icb.toml (\"January ICB\"); choose another output directory with -o DIR, or pass --force to replace them",
    ));
    assert_eq!(
        recorded_file(&out),
        "jan/icb.toml",
        "January's results are kept"
    );

    // The same file, edited and run again (spelt with ./ this time), replaces its own.
    let jan = root.path().join("jan/icb.toml");
    let edited = std::fs::read_to_string(&jan).unwrap().replacen(
        "seed        = 20270401",
        "seed        = 7",
        1,
    );
    std::fs::write(&jan, edited).unwrap();
    run("./jan/icb.toml", &[]).success();
    assert_eq!(recorded_file(&out), "./jan/icb.toml");

    run("feb/icb.toml", &["--force"]).success();
    assert_eq!(recorded_file(&out), "feb/icb.toml", "--force replaced them");
}

#[test]
fn every_command_that_writes_a_directory_refuses_another_scenarios_results() {
    let root = tempfile::tempdir().unwrap();
    two_months(root.path());
    let out = root.path().join("shared");
    phbsim()
        .current_dir(root.path())
        .args(["run", "jan/icb.toml", "-n", "5", "-q", "-o", "shared"])
        .assert()
        .success();
    let refused = |args: &[&str]| {
        phbsim()
            .current_dir(root.path())
            .args(args)
            .args(["-o", "shared"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "holds the results of another scenario, jan/icb.toml",
            ));
    };
    refused(&["sensitivity", "feb/icb.toml", "-n", "5", "-q"]);
    refused(&[
        "stress",
        "feb/icb.toml",
        "-n",
        "5",
        "-q",
        "--provider",
        "trust",
        "--target",
        "distress=0.5",
        "--param",
        "providers.trust.services.talking-therapies.unit_price",
    ]);
    // A merge of February's parts into January's directory.
    phbsim()
        .current_dir(root.path())
        .args([
            "run",
            "feb/icb.toml",
            "-n",
            "5",
            "-q",
            "--shard",
            "0/1",
            "-o",
            "parts",
        ])
        .assert()
        .success();
    refused(&["merge", "parts", "-q"]);
    assert_eq!(recorded_file(&out), "jan/icb.toml");
    phbsim()
        .current_dir(root.path())
        .args(["merge", "parts", "-q", "-o", "shared", "--force"])
        .assert()
        .success();
    assert_eq!(recorded_file(&out), "feb/icb.toml");
}

#[test]
fn a_shard_refuses_a_parts_directory_holding_another_scenarios_parts() {
    let root = tempfile::tempdir().unwrap();
    two_months(root.path());
    let shard = |file: &str, k: &str, extra: &[&str]| {
        let mut command = phbsim();
        command
            .current_dir(root.path())
            .args(["run", file, "-n", "10", "-q", "--shard", k])
            .args(extra);
        command.assert()
    };
    shard("jan/icb.toml", "0/2", &[]).success();
    shard("jan/icb.toml", "1/2", &[]).success();
    shard("feb/icb.toml", "0/2", &[])
        .code(2)
        .stderr(predicate::str::contains(
            "out/icb-parts holds parts of another scenario, jan/icb.toml (such as part-0000-of-0002.phbpart)",
        ));
    // --force writes the part anyway: it replaces the file of its own name and leaves
    // January's other part.
    shard("feb/icb.toml", "0/2", &["--force"]).success();
    let parts = std::fs::read_dir(root.path().join("out/icb-parts"))
        .unwrap()
        .count();
    assert_eq!(
        parts, 2,
        "February's shard 0 replaced January's file of that name"
    );
}

#[test]
fn run_ends_with_where_the_outputs_are_and_which_file_to_open_first() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let output = phbsim()
        .arg("run")
        .arg("-o")
        .arg(&out)
        .args(["-n", "5"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let guide = format!(
        "\noutputs: {}\n  report.html    open this first, in a browser",
        out.display()
    );
    assert!(stdout.contains(&guide), "{stdout}");
    for file in ["months.csv", "summary.csv", "years.csv", "manifest.json"] {
        assert!(stdout.contains(&format!("\n  {file} ")), "{file}: {stdout}");
        assert!(out.join(file).is_file(), "{file} is where the guide says");
    }
}
