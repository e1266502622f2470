//! Where outputs go and what is said about them: a directory holding another
//! scenario's results is refused (two files with one stem, `jan/icb.toml` and
//! `feb/icb.toml`, both default to `out/icb`), `--force` replaces them, and the same
//! file run again replaces its own. And what `years.csv` holds: `months.csv` by
//! financial year, the same for any thread count.

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

/// A CSV file's rows after its header, as strings.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The financial year (`year_start` its first calendar month) that holds the month
/// `YYYY-MM`, labelled as SPEC section 6 says: `2027-28`, or `2027` from January.
fn year_of(month: &str, year_start: u32) -> String {
    let (year, month) = month.split_once('-').unwrap();
    let (year, month): (u32, u32) = (year.parse().unwrap(), month.parse().unwrap());
    let first = if month >= year_start { year } else { year - 1 };
    if year_start == 1 {
        format!("{first}")
    } else {
        format!("{first}-{:02}", (first + 1) % 100)
    }
}

/// Checks `dir`'s years.csv, of a one-iteration run (so each mean is the value), against
/// its months.csv: every year labelled by the months it holds, the month counts adding
/// up to the horizon, sums equal to the sums of the monthly values and end-of-year
/// values equal to the year's last month's. `min_margin` is the providers'.
fn check_years_against_months(dir: &Path, year_start: u32, min_margin: f64) {
    let months = rows(&dir.join("months.csv"));
    // (level, entity, metric) -> monthly means in month order; and the month labels.
    let mut series: std::collections::BTreeMap<(String, String, String), Vec<String>> =
        Default::default();
    let mut labels: Vec<String> = Vec::new();
    for row in &months {
        if !labels.contains(&row[3]) {
            labels.push(row[3].clone());
        }
        series
            .entry((row[1].clone(), row[2].clone(), row[4].clone()))
            .or_default()
            .push(row[5].clone());
    }
    // The months of each year, in order, from the labels alone.
    let mut expected: Vec<(String, Vec<usize>)> = Vec::new();
    for (t, label) in labels.iter().enumerate() {
        let year = year_of(label, year_start);
        match expected.last_mut() {
            Some((last, ts)) if *last == year => ts.push(t),
            _ => expected.push((year, vec![t])),
        }
    }
    let years = rows(&dir.join("years.csv"));
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut checked = 0;
    for row in &years {
        let (level, entity, year, count, metric) = (&row[1], &row[2], &row[3], &row[4], &row[5]);
        let value: f64 = row[6].parse().unwrap();
        let (_, ts) = expected
            .iter()
            .find(|(y, _)| y == year)
            .unwrap_or_else(|| panic!("year {year} holds none of the horizon's months"));
        assert_eq!(count, &ts.len().to_string(), "{row:?}");
        if !seen.iter().any(|(y, _)| y == year) {
            seen.push((year.clone(), ts.len()));
        }
        // The year's monthly means, as written.
        let written = |metric: &str| -> Vec<&str> {
            let key = (level.clone(), entity.clone(), metric.to_string());
            let all = series.get(&key).unwrap_or_else(|| panic!("no {key:?}"));
            ts.iter().map(|&t| all[t].as_str()).collect()
        };
        let monthly = |metric: &str| -> Vec<f64> {
            written(metric).iter().map(|v| v.parse().unwrap()).collect()
        };
        // A sum of n floats is exact to a few ulps of the sum of their magnitudes.
        let assert_sum = |values: Vec<f64>, what: &str| {
            let sum: f64 = values.iter().sum();
            let scale: f64 = values.iter().map(|v| v.abs()).sum();
            assert!(
                (value - sum).abs() <= 1e-9 * scale,
                "{entity} {metric} {year}: years.csv {value}, months.csv sums {what} to {sum}"
            );
        };
        // End-of-year values are the last month's, to the byte.
        let last = |metric: &str| written(metric).last().unwrap().to_string();
        match (level.as_str(), metric.as_str()) {
            ("provider", "reserves_end") => assert_eq!(row[6], last("reserves"), "{row:?}"),
            ("provider", "distressed_by_end") => {
                assert_eq!(row[6], last("distressed_by"), "{row:?}")
            }
            ("provider", "deficit") => {
                let margin: f64 = monthly("margin").iter().sum();
                let income: f64 = monthly("income").iter().sum();
                let gap = margin - min_margin * income;
                // Only where the comparison is clear of rounding.
                if gap.abs() > 1e-6 * income.abs().max(1.0) {
                    let deficit = if gap < 0.0 { "1" } else { "0" };
                    assert_eq!(row[6], deficit, "{row:?}");
                }
            }
            ("provider", "income" | "costs" | "margin" | "transition_costs")
            | ("service", "income" | "activity")
            | (
                "commissioner",
                "spend" | "additional_vs_baseline" | "over_envelope" | "recovered",
            ) => assert_sum(monthly(metric), metric),
            _ => panic!("unexpected row {row:?}"),
        }
        checked += 1;
    }
    assert_eq!(
        seen.iter().map(|(y, _)| y.clone()).collect::<Vec<_>>(),
        expected.iter().map(|(y, _)| y.clone()).collect::<Vec<_>>(),
        "every year of the horizon, in order"
    );
    let total: usize = seen.iter().map(|(_, n)| n).sum();
    assert_eq!(
        total,
        labels.len(),
        "the years' months add up to the horizon"
    );
    // Providers 7 metrics, services 2, the commissioner 4, each in every year.
    let providers = months
        .iter()
        .filter(|r| r[1] == "provider" && r[4] == "income" && r[3] == labels[0])
        .count();
    let services = months
        .iter()
        .filter(|r| r[1] == "service" && r[4] == "income" && r[3] == labels[0])
        .count();
    assert_eq!(checked, (7 * providers + 2 * services + 4) * expected.len());
}

/// Runs `text` as a scenario file for one iteration into `root/out`.
fn run_once(root: &Path, text: &str) -> std::path::PathBuf {
    let file = root.join("scenario.toml");
    std::fs::write(&file, text).unwrap();
    let out = root.join("out");
    phbsim()
        .arg("run")
        .arg(&file)
        .args(["-n", "1", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// years.csv is months.csv by financial year: on the tiny scenario (from February for
/// 15 months: a partial year at each end) with April years.
#[test]
fn years_csv_sums_months_csv_over_each_financial_year() {
    let root = tempfile::tempdir().unwrap();
    let tiny = std::fs::read_to_string("tests/snapshots/tiny.toml").unwrap();
    let out = run_once(root.path(), &tiny);
    check_years_against_months(&out, 4, 0.0);
    let years: Vec<String> = rows(&out.join("years.csv"))
        .into_iter()
        .filter(|r| r[2] == "trust" && r[5] == "income")
        .map(|r| format!("{} {}", r[3], r[4]))
        .collect();
    assert_eq!(years, ["2026-27 2", "2027-28 12", "2028-29 1"]);
}

/// The same with calendar years, yearly price changes, a minimum margin and an
/// envelope whose overspend is recovered, so every metric has something to add up
/// once the engine prices them.
#[test]
fn years_csv_sums_months_csv_over_calendar_years_with_prices_and_an_envelope() {
    let root = tempfile::tempdir().unwrap();
    let tiny = std::fs::read_to_string("tests/snapshots/tiny.toml").unwrap();
    let text = tiny.replacen(
        "reserves = 40_000\n",
        "reserves = 40_000\nmin_margin = 0.02\n",
        1,
    ) + "\n[prices]\nyear_start = 1\ntariff_uplift = 0.03\ncost_inflation = 0.05\nbudget_uplift = 0.02\n\
           \n[commissioner]\nenvelope = 600_000\nrecover_overspend = 0.5\n";
    assert!(text.contains("min_margin = 0.02"));
    let out = run_once(root.path(), &text);
    check_years_against_months(&out, 1, 0.02);
    let years: Vec<String> = rows(&out.join("years.csv"))
        .into_iter()
        .filter(|r| r[1] == "commissioner" && r[5] == "spend")
        .map(|r| format!("{} {}", r[3], r[4]))
        .collect();
    assert_eq!(years, ["2027 11", "2028 4"]);
}

/// years.csv, like months.csv and summary.csv, does not depend on the thread count
/// (600 iterations: three blocks, shared out differently on one thread and two).
#[test]
fn years_csv_is_byte_identical_for_one_and_two_threads() {
    let root = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = root.path().join(format!("j{threads}"));
        phbsim()
            .args([
                "run",
                "tests/snapshots/tiny.toml",
                "-n",
                "600",
                "-q",
                "-j",
                threads,
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(out.join("years.csv")).unwrap()
    };
    assert!(
        run("1") == run("2"),
        "years.csv differs between -j 1 and -j 2"
    );
}
