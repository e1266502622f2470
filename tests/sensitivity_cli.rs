//! End-to-end tests of `phbsim sensitivity` and `phbsim stress`: outputs, thread-count
//! independence, answers and error paths with their exit codes.
//!
//! They run on a two-month scenario in which distress happens exactly when more than
//! 20 of 100 patients take a budget in the first month (see
//! `src/sensitivity/test_scenario.rs`), so each run takes milliseconds.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn phbsim() -> Command {
    Command::cargo_bin("phbsim").expect("the binary is built")
}

const SCENARIO: &str = r#"
schema_version = 1

[scenario]
name = "closed form"
start = "2027-04"
months = 2
iterations = 400
seed = 17

[contracts]
first_review = "2027-05"

[budget_forms.notional]
existing = 0

[[providers]]
id = "p"
reserves = 20.5
reserve_floor = 0

[[providers.services]]
id = "s"
payment = "block"
unit_price = 1
contract_value = { dist = "uniform", min = 1000, max = 1400 }
fixed_cost = 1200
pass_through = 1

[[providers.services]]
id = "unused"
payment = "activity"
unit_price = 1
variable_cost = { dist = "uniform", min = 1, max = 5 }

[[cohorts]]
id = "c"
size = 100
uptake = { model = "constant", monthly = { dist = "uniform", min = 0.1, max = 0.3 } }
budget = 0
forms = { direct_payment = 0, notional = 1, third_party = 0 }
uses = [{ service = "p/s", per_month = 1 }]
"#;

fn scenario(dir: &Path) -> PathBuf {
    let path = dir.join("closed.toml");
    std::fs::write(&path, SCENARIO).expect("write the scenario");
    path
}

#[test]
fn sensitivity_csv_is_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let run = |threads: &str, out: &str| {
        phbsim()
            .arg("sensitivity")
            .arg(&file)
            .args(["-n", "60", "-j", threads, "-o"])
            .arg(dir.path().join(out))
            .assert()
            .success()
            .stdout(predicate::str::contains("3 uncertain parameter(s)"))
            .stdout(predicate::str::contains("cohorts.c.uptake.monthly"));
        std::fs::read(dir.path().join(out).join("sensitivity.csv")).unwrap()
    };
    let one = run("1", "one");
    let two = run("2", "two");
    assert_eq!(one, two);
    let text = String::from_utf8(one).unwrap();
    assert!(text.starts_with(
        "scenario,provider,parameter,low_value,high_value,metric,low_result,high_result,effect,effect_se,swing\n"
    ));
    // 3 parameters × (2 one-way + 2 rank-correlation metrics), one provider.
    assert_eq!(text.lines().count(), 1 + 3 * 4);
    // The idle parameter is last among the income rows, with a zero swing.
    let income: Vec<&str> = text.lines().filter(|l| l.contains(",income,")).collect();
    assert!(
        income[2].starts_with("closed form,p,providers.p.services.unused.variable_cost,")
            && income[2].ends_with(",0,0,0"),
        "{}",
        income[2]
    );
    for name in ["manifest.json", "scenario.toml", "report.html"] {
        assert!(dir.path().join("two").join(name).exists(), "{name}");
    }
}

#[test]
fn sensitivity_writes_to_out_slash_stem_dash_sensitivity_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    phbsim()
        .current_dir(dir.path())
        .arg("sensitivity")
        .arg(&file)
        .args(["-n", "20", "-q"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    assert!(
        dir.path()
            .join("out/closed-sensitivity/sensitivity.csv")
            .exists()
    );
}

/// `report.html` is written beside `sensitivity.csv`: self-contained, every chart
/// labelled for screen readers, the idle parameter drawn with no effect.
#[test]
fn sensitivity_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("out");
    phbsim()
        .arg("sensitivity")
        .arg(&file)
        .args(["-n", "40", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let sha: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert!(page.contains(sha["scenario_sha256"].as_str().unwrap()));
    assert!(
        page.contains("closed form") && page.contains(">17<"),
        "name and seed"
    );
    let svgs: Vec<&str> = page.split("<svg").skip(1).collect();
    assert_eq!(svgs.len(), 2, "income and distress tornadoes of provider p");
    for svg in &svgs {
        let open = &svg[..svg.find('>').unwrap()];
        assert!(open.contains("role=\"img\""), "{open}");
        assert!(svg.contains("<title"));
    }
    assert!(page.contains("providers.p.services.unused.variable_cost"));
    assert!(page.contains(">no effect<"));
}

#[test]
fn stress_reports_the_threshold_with_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    phbsim()
        .arg("stress")
        .arg(scenario(dir.path()))
        .args(["--provider", "p", "--target", "distress=0.60"])
        .args(["--param", "cohorts.c.uptake.monthly", "-n", "300"])
        .arg("-o")
        .arg(dir.path().join("stress"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "P(distress) rises with cohorts.c.uptake.monthly and reaches 60.0% at 0.2",
        ))
        .stdout(predicate::str::contains("95% interval: 0.2"))
        .stdout(predicate::str::contains("within 60.0% ± 5.5 points"));
}

/// Not reaching the target is an answer, not a failure: exit 0 and say so.
#[test]
fn stress_says_when_the_target_is_not_reached_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    phbsim()
        .arg("stress")
        .arg(scenario(dir.path()))
        .args(["--provider", "p", "--target", "distress=90%", "-n", "50"])
        .args(["--param", "providers.p.services.unused.variable_cost"])
        .arg("-o")
        .arg(dir.path().join("stress"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "the target is not reached by varying providers.p.services.unused.variable_cost alone",
        ));
}

#[test]
fn stress_rejects_what_the_scenario_does_not_have_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let stress = |args: &[&str]| {
        let mut command = phbsim();
        command.arg("stress").arg(&file).args(args);
        command.assert().code(2)
    };
    let param = ["--param", "cohorts.c.uptake.monthly"];
    let target = ["--target", "distress=0.1"];
    stress(&[&["--provider", "P"][..], &target, &param].concat()).stderr(
        predicate::str::contains("the scenario has no provider `P`")
            .and(predicate::str::contains("did you mean `p`?")),
    );
    stress(&[&["--provider", "trust"][..], &target, &param].concat())
        .stderr(predicate::str::contains("choose one of: `p`"));
    stress(
        &[
            &["--provider", "p", "--param", "cohorts.c.uptake.montly"][..],
            &target,
        ]
        .concat(),
    )
    .stderr(
        predicate::str::contains("no uncertain parameter `cohorts.c.uptake.montly`").and(
            predicate::str::contains("did you mean `cohorts.c.uptake.monthly`?"),
        ),
    );
    stress(
        &[
            &["--provider", "p", "--param", "providers.p.reserves"][..],
            &target,
        ]
        .concat(),
    )
    .stderr(
        predicate::str::contains("`providers.p.reserves` is a setting, not an uncertain parameter")
            .and(predicate::str::contains("`providers.p.other_income`")),
    );
    stress(&[&["--provider", "p", "--target", "distress:0.1"][..], &param].concat())
        .stderr(predicate::str::contains("is not METRIC=P"));
    stress(&[&["--provider", "p", "--target", "deficit=0.1"][..], &param].concat())
        .stderr(predicate::str::contains("unknown target metric `deficit`"));
    stress(&[&["--provider", "p", "--target", "distress=1.2"][..], &param].concat())
        .stderr(predicate::str::contains("strictly between 0 and 1"));
    stress(
        &[
            &["--provider", "p", "--tolerance", "0"][..],
            &target,
            &param,
        ]
        .concat(),
    )
    .stderr(predicate::str::contains(
        "--tolerance must be a positive number",
    ));
}

#[test]
fn sensitivity_and_stress_of_a_missing_file_are_exit_2() {
    phbsim()
        .args(["sensitivity", "no-such-file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read scenario file"));
    phbsim()
        .args(["stress", "no-such-file.toml", "--provider", "p"])
        .args(["--target", "distress=0.1", "--param", "x.y"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read scenario file"));
}
