//! What the end-to-end tests share: the `phbsim` command, the built-in example and the
//! closed-form scenario's analytic results.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

#[path = "../fixtures/closed_form.rs"]
pub mod closed_form;

/// The built-in example (`phbsim run` without a scenario runs the same file).
pub const EXAMPLE: &str = include_str!("../../scenarios/example-icb.toml");

/// The `phbsim` binary under test.
pub fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("phbsim")
}

/// A command running the `phbsim` binary under test.
pub fn phbsim() -> Command {
    Command::cargo_bin("phbsim").expect("the binary is built")
}

/// Runs the built-in example with `args` into `dir`, asserting success.
pub fn run_example(dir: &Path, args: &[&str]) {
    phbsim()
        .arg("run")
        .arg("-o")
        .arg(dir)
        .args(args)
        .assert()
        .success();
}

/// The subcommands as `phbsim --help` lists them, `help` excepted.
pub fn subcommands() -> Vec<String> {
    let output = phbsim().arg("--help").output().expect("phbsim --help runs");
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    let listed = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands: section")
        .split("\n\n")
        .next()
        .expect("its lines");
    let names: Vec<String> = listed
        .lines()
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 10, "too few subcommands parsed: {names:?}");
    names
}
