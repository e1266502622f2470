//! What a new user meets in the first hour: the install's completions and man page,
//! and the messages of the mistakes made most while learning (a wrong path, `-n 0`,
//! a number with its unit, two unrelated scenarios), each saying what to do next.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::support::{phbsim, subcommands};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

#[test]
fn bash_completions_name_every_subcommand() {
    let output = phbsim().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.contains("_phbsim()"), "a bash completion function");
    for name in subcommands() {
        assert!(
            script.contains(&format!("phbsim__{name}")) || script.contains(&format!(" {name} ")),
            "the bash completions miss `{name}`"
        );
    }
}

#[test]
fn completions_exist_for_each_documented_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        phbsim()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("merge"));
    }
}

#[test]
fn completions_for_an_unknown_shell_are_exit_2() {
    phbsim()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("possible values: bash"));
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let output = phbsim().arg("man").output().unwrap();
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    let title = page
        .lines()
        .find(|line| !line.starts_with(".ie") && !line.starts_with(".el"))
        .expect("a first line");
    assert!(title.starts_with(".TH phbsim 1"), "{title}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for name in subcommands() {
        assert!(
            page.contains(&format!("phbsim\\-{name}(1)")),
            "the man page misses `{name}`"
        );
    }
}

#[test]
fn a_missing_scenario_says_how_to_write_one() {
    for command in ["run", "validate", "sensitivity"] {
        phbsim()
            .args([command, "my-icb.toml"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "no such file: my-icb.toml; check the path, or run `phbsim init my-icb.toml` to write a starter scenario",
            ))
            .stderr(predicate::str::contains("entity not found").not());
    }
}

#[test]
fn zero_iterations_or_threads_say_what_to_write() {
    for command in [
        &["run"][..],
        &["sensitivity"],
        &["diff", "a.toml", "b.toml"],
    ] {
        phbsim()
            .args(command)
            .args(["-n", "0"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("at least 1"))
            .stderr(predicate::str::contains("is not in").not());
        phbsim()
            .args(command)
            .args(["-j", "0"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("1 to 1024"))
            .stderr(predicate::str::contains("is not in").not());
    }
    phbsim()
        .args(["merge", "parts", "-j", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1 to 1024"));
}

/// Following the hint for `months = 36 months` must give a valid file, not a second
/// error (the generic "put text in double quotes" would give a type error).
#[test]
fn a_number_with_a_unit_gets_a_fix_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter.toml");
    phbsim().arg("init").arg(&starter).assert().success();
    let text = std::fs::read_to_string(&starter).unwrap();
    let months = text
        .lines()
        .find(|line| line.starts_with("months = "))
        .expect("the starter sets months")
        .to_string();
    let wrong = write(
        dir.path(),
        "wrong.toml",
        &text.replacen(&months, &format!("{months} months"), 1),
    );
    let output = phbsim().arg("validate").arg(&wrong).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let fix = format!("write the number bare, with no unit or pound sign: `{months}`");
    assert!(stderr.contains(&fix), "{stderr}");
    assert!(!stderr.contains("double quotes"), "{stderr}");
    let fixed = write(
        dir.path(),
        "fixed.toml",
        &std::fs::read_to_string(&wrong)
            .unwrap()
            .replacen(&format!("{months} months"), &months, 1),
    );
    phbsim().arg("validate").arg(&fixed).assert().success();
}

#[test]
fn validate_counts_errors_without_saying_the_scenario_was_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.toml", "[scenario]\nmonths = 0\n");
    phbsim()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"bad\.toml: [0-9]+ error\(s\)\n").unwrap())
        .stderr(predicate::str::contains("not run").not());
    phbsim()
        .arg("run")
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error(s); the scenario was not run",
        ));
}

/// A scenario with one provider, `id`, and no services or cohorts.
fn lone_provider(id: &str) -> String {
    format!(
        "schema_version = 1\n\n[scenario]\nname = \"{id}\"\nstart = \"2027-04\"\nmonths = 12\n\
         iterations = 20\n\n[[providers]]\nid = \"{id}\"\nother_income = 1_000_000\n\
         other_costs = 990_000\nreserves = 50_000\n"
    )
}

#[test]
fn diff_with_no_provider_in_common_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "alpha.toml", &lone_provider("alpha"));
    let b = write(dir.path(), "beta.toml", &lone_provider("beta"));
    phbsim()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "A and B have no provider in common, so there is nothing to pair; run each with `phbsim run`",
        ))
        .stdout(predicate::str::contains("Δ income").not());
    // With a provider in common the table is there and the sentence is not.
    phbsim()
        .arg("diff")
        .arg(&a)
        .arg(&a)
        .assert()
        .success()
        .stdout(predicate::str::contains("Δ income"))
        .stdout(predicate::str::contains("no provider in common").not());
}
