//! End-to-end tests of `phbsim sensitivity` and `phbsim stress`: outputs, thread-count
//! independence, answers and error paths with their exit codes.
//!
//! They run `tests/fixtures/closed-form.toml`, a two-month scenario in which provider
//! `p` is distressed exactly when more than 20 of its 100 patients take a budget in the
//! first month (the file's header derives it), so each run takes milliseconds and
//! every answer is checked against the closed form: exactly where it does not depend
//! on the draws, within the suite's tolerance of standard errors where it does.

use std::path::{Path, PathBuf};

use phbsim::sensitivity::stress::Z_95;
use phbsim::stats::tolerance::STANDARD_ERRORS;
use predicates::prelude::*;

use crate::support::closed_form::{N, analytic_threshold, p_distress};
use crate::support::phbsim;

/// The closed-form scenario.
fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/closed-form.toml")
}

const UPTAKE: &str = "cohorts.c.uptake.monthly";
const IDLE: &str = "providers.p.services.unused.variable_cost";
/// How tables name them: the fixture names no entity, so its ids are the names.
const UPTAKE_LABEL: &str = "c: uptake monthly";
const IDLE_LABEL: &str = "unused: variable cost";

/// The uptake is uniform(0.1, 0.3); the idle variable cost uniform(1, 5).
const UPTAKE_RANGE: (f64, f64) = (0.1, 0.3);
const IDLE_RANGE: (f64, f64) = (1.0, 5.0);

/// Percentile `p` of uniform(`range`).
fn uniform_percentile(range: (f64, f64), p: f64) -> f64 {
    range.0 + p * (range.1 - range.0)
}

/// Mean income of `p` over the horizon at uptake `h`: £100 in month 0 and `100 − E0`
/// in month 1, `E0 ~ Binomial(N, h)`; and its sd over iterations.
fn income_at(h: f64) -> (f64, f64) {
    let n = N as f64;
    (200.0 - n * h, (n * h * (1.0 - h)).sqrt())
}

/// Mean and sd of that income at the usual draws, `h ~ uniform(0.1, 0.3)`: the mean
/// of `200 − 100 h`, and the variance `E[100 h (1 − h)] + 100² Var(h)`.
fn income_at_usual_draws() -> (f64, f64) {
    let (a, b) = UPTAKE_RANGE;
    let (mean_h, var_h) = (0.5 * (a + b), (b - a).powi(2) / 12.0);
    let n = N as f64;
    let mean_h2 = var_h + mean_h * mean_h;
    (
        200.0 - n * mean_h,
        (n * (mean_h - mean_h2) + n * n * var_h).sqrt(),
    )
}

/// P(distress) at the usual draws: the mean of [`p_distress`] over
/// `h ~ uniform(0.1, 0.3)`, by Simpson's rule on 2,000 intervals (error far below
/// 1e-9; the integrand is a smooth polynomial in `h`).
fn p_distress_at_usual_draws() -> f64 {
    let (a, b) = UPTAKE_RANGE;
    let m = 2000;
    let step = (b - a) / m as f64;
    let sum: f64 = (0..=m)
        .map(|i| {
            let weight = if i == 0 || i == m {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            weight * p_distress(a + step * i as f64)
        })
        .sum();
    sum * step / 3.0 / (b - a)
}

/// Asserts `estimate` is within the suite's tolerance of `exact` for a mean over `n`
/// iterations of a quantity with sd `sd` (plus `rounding`, what printing may add).
fn assert_close(what: &str, estimate: f64, exact: f64, sd: f64, n: u64, rounding: f64) {
    let allowed = STANDARD_ERRORS * sd / (n as f64).sqrt() + rounding;
    assert!(
        (estimate - exact).abs() <= allowed,
        "{what}: {estimate} is not within {allowed} of {exact}"
    );
}

/// A row of `sensitivity.csv`, its numbers parsed (`None` where empty).
#[derive(Debug)]
struct Row<'a> {
    fields: Vec<&'a str>,
}

impl<'a> Row<'a> {
    fn parse(line: &'a str) -> Self {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 12, "{line}");
        Row { fields }
    }
    fn number(&self, column: usize) -> Option<f64> {
        let text = self.fields[column];
        (!text.is_empty()).then(|| text.parse().expect("a number"))
    }
    fn parameter(&self) -> &str {
        self.fields[2]
    }
    fn metric(&self) -> &str {
        self.fields[5]
    }
    fn low_value(&self) -> f64 {
        self.number(3).unwrap()
    }
    fn high_value(&self) -> f64 {
        self.number(4).unwrap()
    }
    fn low_result(&self) -> f64 {
        self.number(6).unwrap()
    }
    fn high_result(&self) -> f64 {
        self.number(7).unwrap()
    }
    fn effect(&self) -> f64 {
        self.number(8).unwrap()
    }
    fn effect_se(&self) -> f64 {
        self.number(9).unwrap()
    }
    fn swing(&self) -> f64 {
        self.number(10).unwrap()
    }
}

/// Checks every row of `sensitivity.csv` of the closed form for `n` iterations: the
/// parameters' P10 and P90 and every zero exactly; means at P10 and P90 within the
/// tolerance of their closed forms; the idle parameter's rows exactly equal at both ends.
fn check_sensitivity_csv(text: &str, n: u64) {
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "scenario,provider,parameter,low_value,high_value,metric,low_result,high_result,effect,effect_se,swing,label"
        )
    );
    let rows: Vec<Row> = lines.map(Row::parse).collect();
    // 2 parameters × (2 one-way + 2 rank-correlation metrics), one provider, in the
    // order of metric, then swing (the idle parameter last, with a zero swing).
    let order: Vec<(&str, &str)> = rows.iter().map(|r| (r.metric(), r.parameter())).collect();
    assert_eq!(
        order,
        [
            ("income", UPTAKE),
            ("income", IDLE),
            ("distressed", UPTAKE),
            ("distressed", IDLE),
            ("rank_correlation_income", UPTAKE),
            ("rank_correlation_income", IDLE),
            ("rank_correlation_distressed", UPTAKE),
            ("rank_correlation_distressed", IDLE),
        ]
    );
    assert!(rows.iter().all(|r| r.fields[..2] == ["closed form", "p"]));
    let (h_low, h_high) = (
        uniform_percentile(UPTAKE_RANGE, 0.1),
        uniform_percentile(UPTAKE_RANGE, 0.9),
    );
    for row in &rows[..4] {
        let (low, high) = if row.parameter() == UPTAKE {
            (h_low, h_high)
        } else {
            (
                uniform_percentile(IDLE_RANGE, 0.1),
                uniform_percentile(IDLE_RANGE, 0.9),
            )
        };
        assert!((row.low_value() - low).abs() < 1e-12, "{row:?}");
        assert!((row.high_value() - high).abs() < 1e-12, "{row:?}");
        let effect = row.high_result() - row.low_result();
        assert_eq!(row.effect().to_bits(), effect.to_bits(), "{row:?}");
        assert_eq!(
            row.swing().to_bits(),
            row.effect().abs().to_bits(),
            "{row:?}"
        );
    }
    // Uptake: income 200 − 100 h and P(distress) = P(Binomial(100, h) > 20) at each end.
    for (h, result) in [
        (h_low, rows[0].low_result()),
        (h_high, rows[0].high_result()),
    ] {
        let (mean, sd) = income_at(h);
        assert_close("income", result, mean, sd, n, 0.0);
    }
    for (h, result) in [
        (h_low, rows[2].low_result()),
        (h_high, rows[2].high_result()),
    ] {
        let p = p_distress(h);
        assert_close("P(distress)", result, p, (p * (1.0 - p)).sqrt(), n, 0.0);
    }
    // The idle parameter: the same iterations at both ends, so the usual draws' mean
    // at each, a zero effect and a zero standard error.
    let (mean, sd) = income_at_usual_draws();
    assert_close("usual income", rows[1].low_result(), mean, sd, n, 0.0);
    let p = p_distress_at_usual_draws();
    let usual_sd = (p * (1.0 - p)).sqrt();
    assert_close(
        "usual P(distress)",
        rows[3].low_result(),
        p,
        usual_sd,
        n,
        0.0,
    );
    for row in [&rows[1], &rows[3]] {
        assert_eq!(row.fields[6], row.fields[7], "{row:?}");
        assert_eq!(row.fields[8..11], ["0", "0", "0"], "{row:?}");
    }
    // Rank correlations: the noise level 1/√(n − 1) as their standard error; uptake
    // lowers income and raises distress, far beyond that noise; the idle parameter's
    // correlations are noise.
    let null_se = 1.0 / ((n - 1) as f64).sqrt();
    for row in &rows[4..] {
        assert_eq!(row.fields[3..5], ["", ""], "{row:?}");
        assert_eq!(row.fields[6..8], ["", ""], "{row:?}");
        assert!((row.effect_se() - null_se).abs() < 1e-15, "{row:?}");
        assert_eq!(
            row.swing().to_bits(),
            row.effect().abs().to_bits(),
            "{row:?}"
        );
    }
    assert!(
        rows[4].effect() < -STANDARD_ERRORS * null_se,
        "{:?}",
        rows[4]
    );
    assert!(
        rows[6].effect() > STANDARD_ERRORS * null_se,
        "{:?}",
        rows[6]
    );
    for row in [&rows[5], &rows[7]] {
        assert!(row.swing() < STANDARD_ERRORS * null_se, "{row:?}");
    }
}

#[test]
fn sensitivity_csv_is_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let n = 60;
    let run = |threads: &str, out: &str| {
        let output = phbsim()
            .arg("sensitivity")
            .arg(scenario())
            .args(["-n", &n.to_string(), "-j", threads, "-o"])
            .arg(dir.path().join(out))
            .output()
            .expect("phbsim runs");
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            stdout.lines().next(),
            Some(
                "sensitivity of closed form: 2 uncertain parameter(s), each at its P10 and its P90 while the others keep their draws (common random numbers); 60 iterations a run, seed 17"
            )
        );
        std::fs::read(dir.path().join(out).join("sensitivity.csv")).unwrap()
    };
    let one = run("1", "one");
    let two = run("2", "two");
    assert_eq!(one, two);
    check_sensitivity_csv(&String::from_utf8(one).unwrap(), n);
    for name in ["manifest.json", "scenario.toml", "report.html"] {
        assert!(dir.path().join("two").join(name).exists(), "{name}");
    }
}

#[test]
fn sensitivity_writes_to_out_slash_stem_dash_sensitivity_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario();
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
            .join("out/closed-form-sensitivity/sensitivity.csv")
            .exists()
    );
}

/// `report.html` is written beside `sensitivity.csv`: self-contained, every chart
/// labelled for screen readers, the idle parameter drawn with no effect.
#[test]
fn sensitivity_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario();
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

/// Runs `phbsim stress` on the closed form with `args`, asserting exit 0; its stdout.
/// Also checks what it keeps in its output directory: the answer as printed
/// (`stress.txt`), every value evaluated (`stress.csv`) and the manifest.
fn stress_stdout(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stress");
    let output = phbsim()
        .arg("stress")
        .arg(scenario())
        .args(["--provider", "p"])
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("phbsim runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let kept = std::fs::read_to_string(out.join("stress.txt")).unwrap();
    assert!(
        stdout.starts_with(&kept),
        "stress.txt is the answer as printed:\n{kept}\n---\n{stdout}"
    );
    assert!(stdout[kept.len()..].starts_with(&format!("outputs: {}\n", out.display())));
    let table = std::fs::read_to_string(out.join("stress.csv")).unwrap();
    let mut rows = table.lines();
    assert_eq!(
        rows.next(),
        Some("scenario,provider,parameter,value,iterations,distressed,p_distress,on_grid")
    );
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    let values: Vec<f64> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    assert!(
        values.windows(2).all(|w| w[0] < w[1]),
        "values in increasing order"
    );
    for row in &rows {
        let (n, distressed): (f64, f64) = (row[4].parse().unwrap(), row[5].parse().unwrap());
        // Written with the CSV's shortest round-trip formatting, so it reads back
        // bit for bit.
        let written: f64 = row[6].parse().unwrap();
        assert_eq!(written.to_bits(), (distressed / n).to_bits(), "{row:?}");
    }
    let on_grid = rows.iter().filter(|r| r[7] == "true").count();
    let grid_lines = kept
        .lines()
        .skip_while(|l| !l.contains("P(distress)") || !l.starts_with("  "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .count();
    assert_eq!(
        on_grid, grid_lines,
        "the printed grid is the CSV's on_grid rows"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"tool\": \"phbsim\""), "{manifest}");
    stdout
}

/// A printed percentage ("43.7%") as a probability.
fn percentage(text: &str) -> f64 {
    text.strip_suffix('%')
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("{text} is not a percentage"))
        / 100.0
}

/// What printing a probability to 0.1% may add to its error.
const PERCENT_ROUNDING: f64 = 0.0005;

/// The line of `stdout` that starts with `prefix`, without it.
fn line_after<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{stdout}"))
}

/// The search for the uptake at which P(distress) = 60%, checked against the closed
/// form: the grid's P(distress) at h = 0, 0.1, ..., 1 (exactly 0% and 100% at the ends,
/// where no draw is random); the band d = 1.96 √(0.6 · 0.4 / 300) = 5.5 points; the
/// analytic threshold inside the printed 95% interval; the true P(distress) at the
/// printed threshold within d of 60%; and the interval no wider than the Monte Carlo
/// error allows (as in `the_search_finds_the_analytic_threshold_within_its_interval`
/// of src/sensitivity/stress.rs). Values are printed to the search's tolerance,
/// 0.001 (a thousandth of [0, 1]), so each is known to ± 0.0005.
#[test]
fn stress_reports_the_threshold_with_its_interval() {
    let n = 300;
    let stdout = stress_stdout(&[
        "--target",
        "distress=0.60",
        "--param",
        UPTAKE,
        "-n",
        &n.to_string(),
    ]);
    let lines: Vec<&str> = stdout.lines().collect();
    const RANGE: &str = "valid range: between 0 and 1; the scenario draws it from uniform(min 0.1, max 0.3); P(distress) at the usual draws ";
    assert_eq!(
        lines[0],
        "stress test of p in \"closed form\": the value of c: uptake monthly (cohorts.c.uptake.monthly) at which P(distress by 2027-05) reaches 60.0%"
    );
    let usual = percentage(lines[1].strip_prefix(RANGE).expect(RANGE));
    assert_eq!(
        lines[2..4],
        [
            "300 iterations at each value, seed 17, common random numbers at every value",
            ""
        ]
    );
    let p = p_distress_at_usual_draws();
    assert_close(
        "usual P(distress)",
        usual,
        p,
        (p * (1.0 - p)).sqrt(),
        n,
        PERCENT_ROUNDING,
    );

    assert_eq!(lines[4], "     monthly  P(distress)");
    for (i, line) in lines[5..16].iter().enumerate() {
        let h = i as f64 / 10.0;
        let (value, probability) = line.trim().split_once(char::is_whitespace).unwrap();
        assert!((value.parse::<f64>().unwrap() - h).abs() < 1e-12, "{line}");
        let (exact, estimate) = (p_distress(h), percentage(probability.trim()));
        let sd = (exact * (1.0 - exact)).sqrt();
        assert_close(line, estimate, exact, sd, n, PERCENT_ROUNDING);
    }
    assert_eq!(lines[5].trim(), "0        0.0%");
    assert_eq!(lines[15].trim(), "1      100.0%");
    assert_eq!(lines[16], "");

    let found: f64 = line_after(
        &stdout,
        "P(distress) rises with c: uptake monthly and reaches 60.0% at ",
    )
    .parse()
    .unwrap();
    let interval = line_after(&stdout, "95% interval: ");
    let (lo, rest) = interval.split_once(" to ").unwrap();
    let (hi, rest) = rest.split_once(' ').unwrap();
    assert_eq!(
        rest,
        "(where P(distress) is within 60.0% ± 5.5 points, the Monte Carlo error of 300 iterations)"
    );
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    for value in [found, lo, hi] {
        let thousandths = value * 1000.0;
        assert!(
            (thousandths - thousandths.round()).abs() < 1e-9,
            "{value} to 0.001"
        );
    }
    let half_step = 0.0005;
    let (target, d) = (0.6, Z_95 * (0.6f64 * 0.4 / n as f64).sqrt());
    let exact = analytic_threshold(target);
    assert!(
        lo - half_step <= exact && exact <= hi + half_step,
        "{exact} not in [{lo}, {hi}]"
    );
    // P rises with h, so at the unrounded threshold it lies between its values at the
    // ends of the rounding.
    assert!(p_distress(found - half_step) <= target + d, "{found}");
    assert!(p_distress(found + half_step) >= target - d, "{found}");
    let beyond_band = d + STANDARD_ERRORS * d / Z_95;
    assert!(
        p_distress(lo + half_step) >= target - beyond_band,
        "too wide below: {lo}"
    );
    assert!(
        p_distress(hi - half_step) <= target + beyond_band,
        "too wide above: {hi}"
    );
}

/// Not reaching the target is an answer, not a failure: exit 0 and say so. The idle
/// parameter changes nothing, so P(distress) is the usual draws' at every value
/// searched. It is open-ended (at least 0), so the default range is half its P1 to
/// twice its P99: for uniform(1, 5), P1 = 1.04 and P99 = 4.96, so 0.52 to 9.92.
#[test]
fn stress_says_when_the_target_is_not_reached_and_exits_0() {
    let n = 50;
    let stdout = stress_stdout(&[
        "--target",
        "distress=90%",
        "-n",
        &n.to_string(),
        "--param",
        IDLE,
    ]);
    let usual = line_after(
        &stdout,
        "valid range: at least 0 (searched from 0.52 to 9.92); the scenario draws it from uniform(min 1, max 5); P(distress) at the usual draws ",
    );
    let p = p_distress_at_usual_draws();
    let sd = (p * (1.0 - p)).sqrt();
    assert_close(
        "usual P(distress)",
        percentage(usual),
        p,
        sd,
        n,
        PERCENT_ROUNDING,
    );
    let grid: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.ends_with("P(distress)"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(grid.len(), 11, "{stdout}");
    for line in &grid {
        assert!(line.ends_with(&format!(" {usual}")), "{line}");
    }
    assert!(stdout.contains(&format!(
        "\nP(distress) is below 90.0% everywhere in the range searched ({usual} at 0.52, {usual} at 9.92): the target is not reached by varying {IDLE_LABEL} alone.\n"
    )), "{stdout}");
}

#[test]
fn stress_rejects_what_the_scenario_does_not_have_with_exit_2() {
    let file = scenario();
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
        .stderr(predicate::str::contains("no such file: no-such-file.toml"));
    phbsim()
        .args(["stress", "no-such-file.toml", "--provider", "p"])
        .args(["--target", "distress=0.1", "--param", "x.y"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file: no-such-file.toml"));
}

/// `--range` searches where it is told, inside the parameter's valid range; a range
/// that is reversed or outside it is bad input (exit 2) with the fix.
#[test]
fn stress_searches_a_given_range_and_refuses_a_bad_one() {
    let n = 20;
    let stdout = stress_stdout(&[
        "--target",
        "distress=90%",
        "-n",
        &n.to_string(),
        "--param",
        IDLE,
        "--range",
        "2..3",
    ]);
    assert!(
        stdout.contains("valid range: at least 0 (searched from 2 to 3);"),
        "{stdout}"
    );
    let file = scenario();
    for (range, message) in [
        (
            "3..2",
            "--range 3..2: the low end must be below the high end",
        ),
        (
            "-1..3",
            "--range -1..3 is outside the valid range of providers.p.services.unused.variable_cost: at least 0",
        ),
        ("two..3", "`two` in --range two..3 is not a number"),
    ] {
        let out = tempfile::tempdir().unwrap();
        phbsim()
            .arg("stress")
            .arg(&file)
            .args(["--provider", "p", "--target", "distress=0.5", "-q"])
            .args(["--param", IDLE, &format!("--range={range}"), "-o"])
            .arg(out.path().join("stress"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// The printed tornado names parameters by the scenario's names; sensitivity.csv
/// keeps the path in `parameter` and adds the label last.
#[test]
fn sensitivity_speaks_in_labels_and_keeps_paths_in_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = phbsim()
        .arg("sensitivity")
        .arg(scenario())
        .args(["-n", "40", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains(&format!("\n  {UPTAKE_LABEL} ")), "{stdout}");
    assert!(!stdout.contains(&format!("\n  {UPTAKE} ")), "{stdout}");
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert!(csv.starts_with("scenario,provider,parameter,"));
    assert!(csv.lines().next().unwrap().ends_with(",swing,label"));
    let uptake = csv
        .lines()
        .find(|l| l.contains(&format!(",{UPTAKE},")))
        .unwrap();
    assert!(uptake.ends_with(&format!(",{UPTAKE_LABEL}")), "{uptake}");
    assert!(!stdout.contains("capped"), "-n given: nothing is capped");
}

/// Without -n, sensitivity caps each run at 500 iterations and says so, with how to
/// match `phbsim run` (whose base it then does not reproduce exactly).
#[test]
fn sensitivity_says_when_it_caps_the_files_iterations() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario()).unwrap().replacen(
        "iterations = 400",
        "iterations = 600",
        1,
    );
    let file = dir.path().join("six-hundred.toml");
    std::fs::write(&file, text).unwrap();
    let output = phbsim()
        .arg("sensitivity")
        .arg(&file)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("; 500 iterations a run (the file's 600 capped, as the analysis makes "),
        "{stdout}"
    );
    assert!(
        stdout.contains(" runs; -n 600 to match `phbsim run`), seed 17\n"),
        "{stdout}"
    );
}
