//! End-to-end tests of `phbsim calibrate`: every problem of an observed-counts file at
//! once with exit 2, and the same posterior for any number of threads.
//!
//! They use `tests/snapshots/tiny.toml` (15 months from 2027-02; cohort
//! `crisis-users`, 120 people offered from 2027-04 with an uncertain Bass ceiling;
//! cohort `recovery` with every uptake parameter fixed) and small settings, so a
//! calibration takes about a second in a debug build.

use std::path::{Path, PathBuf};

use crate::support::phbsim;

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tiny.toml")
}

/// Settings small enough for a test; the method's accuracy is tested in the library
/// (`calibrate::tests`), not here.
const SMALL: [&str; 8] = [
    "--draws",
    "40",
    "--burn-in",
    "100",
    "--particles",
    "30",
    "--max-steps",
    "100",
];

#[test]
fn every_problem_of_the_observed_file_is_reported_at_once_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let observed = dir.path().join("counts.csv");
    std::fs::write(
        &observed,
        "cohort,from,to,measure,count
crisis-user,2027-04,2027-06,new_holders,3
crisis-users,2027-04,2027-06,new_holders,3
crisis-users,2027-06,2027-08,new_holders,2
crisis-users,2027-09,2027-09,holders,-1
crisis-users,2027-10,2027-10,holders,2.5
crisis-users,2028-05,2028-05,holders,4
crisis-users,2027-03,2027-03,new_holders,1
crisis-users,2027-12,2027-11,new_holders,1
crisis-users,2027-12,2027-12,holder,1
crisis-users,2027-13,2027-12,holders,1
crisis-users,2028-01,2028-01,holders
recovery,2027-04,2027-04,new_holders,1
",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = phbsim()
        .arg("calibrate")
        .arg(tiny())
        .arg("--observed")
        .arg(&observed)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let file = observed.display().to_string();
    for (place, message) in [
        (
            "1:1",
            "the header is `cohort,from,to,measure,count`, not `cohort,from,to,measure,value`",
        ),
        ("2:1", "unknown cohort `crisis-user`"),
        (
            "4:1",
            "this new_holders row of `crisis-users` (2027-06 to 2027-08) overlaps the one on line 3 (2027-04 to 2027-06)",
        ),
        ("5:38", "the value `-1` is negative"),
        ("6:38", "the value `2.5` is not a whole number"),
        (
            "7:14",
            "2028-05 is outside the scenario's horizon (2027-02 to 2028-04)",
        ),
        (
            "7:22",
            "2028-05 is outside the scenario's horizon (2027-02 to 2028-04)",
        ),
        (
            "8:14",
            "2027-03 is before cohort `crisis-users` is offered budgets (2027-04)",
        ),
        ("9:14", "`from` (2027-12) is after `to` (2027-11)"),
        ("10:30", "unknown measure `holder`"),
        ("11:14", "`2027-13` is not a month"),
        ("12:1", "this row has 4 fields, not 5"),
        ("13:1", "cohort `recovery` has nothing to fit"),
    ] {
        let heading = format!("{file}:{place}: {message}");
        assert!(
            stderr.contains(&heading),
            "missing `{heading}` in:\n{stderr}"
        );
    }
    assert!(stderr.contains("did you mean `crisis-users`?"), "{stderr}");
    assert!(stderr.contains("did you mean `holders`?"), "{stderr}");
    assert!(
        stderr.contains("13 error(s); nothing was calibrated"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written for bad input");

    // A missing file and a bad option are bad input too.
    phbsim()
        .arg("calibrate")
        .arg(tiny())
        .args(["--observed", "no-such.csv"])
        .assert()
        .code(2);
    phbsim()
        .arg("calibrate")
        .arg(tiny())
        .arg("--observed")
        .arg(&observed)
        .args(["--dispersion", "-1"])
        .assert()
        .code(2);
}

/// Runs a small calibration of `crisis-users` on `threads` threads into `dir`; its
/// standard error.
fn calibrate(observed: &Path, dir: &Path, threads: &str) -> String {
    let output = phbsim()
        .arg("calibrate")
        .arg(tiny())
        .arg("--observed")
        .arg(observed)
        .arg("-o")
        .arg(dir)
        .args(SMALL)
        .args(["-j", threads, "-q"])
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stderr).unwrap()
}

fn counts(dir: &Path) -> PathBuf {
    let observed = dir.join("counts.csv");
    std::fs::write(
        &observed,
        "cohort,from,to,measure,value
crisis-users,2027-04,2027-06,new_holders,9
crisis-users,2027-07,2027-09,new_holders,11
crisis-users,2027-09,2027-09,holders,19
crisis-users,2027-10,2027-12,new_holders,8
",
    )
    .unwrap();
    observed
}

#[test]
fn the_posterior_is_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let observed = counts(dir.path());
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let warnings = calibrate(&observed, &one, "1");
    calibrate(&observed, &two, "2");
    // Chains this short are flagged, even with -q.
    assert!(
        warnings.contains("warning: cohorts.crisis-users.uptake.ceiling: effective sample size"),
        "{warnings}"
    );
    for file in ["posterior.csv", "calibration.csv"] {
        let a = std::fs::read(one.join(file)).unwrap();
        let b = std::fs::read(two.join(file)).unwrap();
        assert!(a == b, "{file} differs between -j 1 and -j 2");
    }
    let posterior = std::fs::read_to_string(one.join("posterior.csv")).unwrap();
    let mut lines = posterior.lines();
    assert_eq!(lines.next(), Some("draw,path,value"));
    assert_eq!(lines.count(), 40, "40 draws of one parameter (the ceiling)");
    assert!(posterior.contains("\n39,cohorts.crisis-users.uptake.ceiling,"));
    for file in ["calibration.html", "manifest.json", "scenario.toml"] {
        assert!(one.join(file).is_file(), "{file}");
    }

    // The fit runs: the scenario with `[draws] file` pointing at it is valid and runs.
    let fitted = dir.path().join("fitted.toml");
    let text =
        std::fs::read_to_string(tiny()).unwrap() + "\n[draws]\nfile = \"one/posterior.csv\"\n";
    std::fs::write(&fitted, text).unwrap();
    phbsim().arg("validate").arg(&fitted).assert().success();
    phbsim()
        .arg("run")
        .arg(&fitted)
        .args(["-q", "-n", "50", "-o"])
        .arg(dir.path().join("run"))
        .assert()
        .success();
}
