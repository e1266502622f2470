//! `results.xlsx`, read back as a spreadsheet reads it (calamine): every number in it
//! that comes from a CSV file is that CSV's number, bit for bit, and the tiny
//! scenario's workbook is pinned as text (`tests/snapshots/tiny.results.txt`, updated
//! with `PHBSIM_UPDATE_SNAPSHOTS=1` as the CSV snapshots are). That its bytes do not
//! depend on `-j` or on shards is checked with the CSVs' (`cli.rs`, `shard_cli.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx, open_workbook};

use crate::support::{phbsim, run_example};

/// A workbook's sheets, in its order, by name.
fn sheets(path: &Path) -> Vec<(String, Range<Data>)> {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("results.xlsx opens");
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).expect("a readable sheet");
            (name, range)
        })
        .collect()
}

/// The cell at (row, column), `Empty` outside the used range.
fn cell(range: &Range<Data>, row: u32, col: u32) -> &Data {
    range.get_value((row, col)).unwrap_or(&Data::Empty)
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match cell(range, row, col) {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("({row}, {col}) holds {other:?}, not text"),
    }
}

/// The number at (row, column), if there is one.
fn number(range: &Range<Data>, row: u32, col: u32) -> Option<f64> {
    match cell(range, row, col) {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::Empty => None,
        other => panic!("({row}, {col}) holds {other:?}, not a number"),
    }
}

/// A CSV file's rows by the values of its key columns, with its header.
struct Csv {
    header: Vec<String>,
    rows: BTreeMap<Vec<String>, Vec<String>>,
}

impl Csv {
    fn read(path: &Path, keys: &[&str]) -> Csv {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let at: Vec<usize> = keys
            .iter()
            .map(|k| header.iter().position(|h| h == k).expect("a key column"))
            .collect();
        let mut rows = BTreeMap::new();
        for record in reader.records() {
            let record: Vec<String> = record.unwrap().iter().map(String::from).collect();
            let key = at.iter().map(|&i| record[i].clone()).collect();
            rows.insert(key, record);
        }
        Csv { header, rows }
    }

    /// The value of `column` in the row with `key`, as the CSV writes it (`None` when
    /// empty).
    fn value(&self, key: &[&str], column: &str) -> Option<f64> {
        let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
        let row = self
            .rows
            .get(&key)
            .unwrap_or_else(|| panic!("no row {key:?}"));
        let at = self.header.iter().position(|h| h == column).unwrap();
        (!row[at].is_empty()).then(|| row[at].parse().unwrap())
    }
}

/// Counts the cells checked, and fails on the first that differs in any bit.
#[derive(Default)]
struct Checked(usize);

impl Checked {
    fn same(&mut self, what: &str, workbook: Option<f64>, csv: Option<f64>) {
        assert_eq!(
            workbook.map(f64::to_bits),
            csv.map(f64::to_bits),
            "{what}: the workbook has {workbook:?}, the CSV {csv:?}"
        );
        self.0 += 1;
    }
}

/// The rows of a sheet's table whose header is `header`, to the first empty row.
fn data_rows(range: &Range<Data>, header: u32) -> impl Iterator<Item = u32> + '_ {
    (header + 1..).take_while(move |&r| !matches!(cell(range, r, 0), Data::Empty))
}

fn level_of(id: &str) -> &'static str {
    if id == "commissioner" {
        "commissioner"
    } else {
        "provider"
    }
}

#[test]
fn every_number_from_a_csv_is_the_csvs_number_bit_for_bit() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    run_example(&out, &["-n", "60", "-q"]);
    let sheets = sheets(&out.join("results.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Read me",
            "Assumptions",
            "Providers",
            "Financial years",
            "Monthly",
            "Variants",
            "Services",
            "Cohorts",
            "Chart data",
        ]
    );
    let sheets: BTreeMap<String, Range<Data>> = sheets.into_iter().collect();
    let summary = Csv::read(
        &out.join("summary.csv"),
        &["scenario", "level", "entity", "metric"],
    );
    let months = Csv::read(
        &out.join("months.csv"),
        &["scenario", "level", "entity", "month", "metric"],
    );
    let years = Csv::read(
        &out.join("years.csv"),
        &["scenario", "level", "entity", "year", "metric"],
    );
    let compare = Csv::read(
        &out.join("compare.csv"),
        &["scenario", "level", "entity", "metric"],
    );
    let base = "Example ICB, moderate rollout";
    let mut checked = Checked::default();

    // Providers: the headline table.
    let providers = &sheets["Providers"];
    let mut ranked = Vec::new();
    for r in data_rows(providers, 2) {
        let id = text(providers, r, 1);
        let get = |metric: &str, stat: &str| summary.value(&[base, "provider", &id, metric], stat);
        let what = |col: &str| format!("Providers {id} {col}");
        checked.same(
            &what("distress"),
            number(providers, r, 2),
            get("distressed", "mean"),
        );
        checked.same(
            &what("distress without PHBs"),
            number(providers, r, 3),
            get("distressed_baseline", "mean"),
        );
        let added = get("distressed", "mean").zip(get("distressed_baseline", "mean"));
        checked.same(
            &what("risk added"),
            number(providers, r, 4),
            added.map(|(a, b)| a - b),
        );
        for (col, stat) in [(5, "p50"), (6, "p5"), (7, "p95")] {
            checked.same(
                &what(stat),
                number(providers, r, col),
                get("income_change_pct", stat),
            );
        }
        checked.same(
            &what("income"),
            number(providers, r, 8),
            get("income", "p50"),
        );
        checked.same(
            &what("baseline income"),
            number(providers, r, 9),
            get("baseline_income", "mean"),
        );
        checked.same(
            &what("min reserves P5"),
            number(providers, r, 10),
            get("min_reserves", "p5"),
        );
        checked.same(
            &what("min reserves P50"),
            number(providers, r, 11),
            get("min_reserves", "p50"),
        );
        ranked.push((get("distressed", "mean").unwrap(), id));
    }
    assert_eq!(ranked.len(), 3, "the example's three providers");
    assert!(
        ranked.windows(2).all(|w| w[0].0 >= w[1].0),
        "riskiest first: {ranked:?}"
    );

    // Financial years and services: each year's median, P5, P95 and mean.
    for name in ["Financial years", "Services"] {
        let sheet = &sheets[name];
        let last_col = sheet.end().unwrap().1;
        // A year's label (`2027-28`, `2026-27 (2 months)`) heads its first column.
        let year_of = |first: u32| {
            let label = text(sheet, 2, first);
            label.split(' ').next().unwrap().to_string()
        };
        for r in data_rows(sheet, 3) {
            let id = text(sheet, r, 1);
            let level = if name == "Services" {
                "service"
            } else {
                level_of(&id)
            };
            let metric = text(sheet, r, last_col);
            for col in 3..last_col {
                let stat = match text(sheet, 3, col).as_str() {
                    "Median" => "p50",
                    "P5" => "p5",
                    "P95" => "p95",
                    "Mean" => "mean",
                    other => panic!("a statistic {other}"),
                };
                let year = year_of(col - (col - 3) % 4);
                checked.same(
                    &format!("{name} {id} {metric} {year} {stat}"),
                    number(sheet, r, col),
                    years.value(&[base, level, &id, &year, &metric], stat),
                );
            }
        }
    }

    // Monthly: percentiles and mean by month.
    let sheet = &sheets["Monthly"];
    let mut blocks = BTreeSet::new();
    for r in data_rows(sheet, 2) {
        let id = text(sheet, r, 1);
        let month = text(sheet, r, 3);
        let metric = text(sheet, r, 11);
        blocks.insert((id.clone(), metric.clone()));
        for (col, stat) in [
            (4, "p5"),
            (5, "p25"),
            (6, "p50"),
            (7, "p75"),
            (8, "p95"),
            (9, "mean"),
        ] {
            checked.same(
                &format!("Monthly {id} {metric} {month} {stat}"),
                number(sheet, r, col),
                months.value(&[base, level_of(&id), &id, &month, &metric], stat),
            );
        }
    }
    assert_eq!(
        blocks.len(),
        3 * 2 + 1,
        "income and reserves per provider, spend"
    );

    // Cohorts: months across.
    {
        let (name, level) = ("Cohorts", "cohort");
        let sheet = &sheets[name];
        let last_col = sheet.end().unwrap().1;
        for r in data_rows(sheet, 2) {
            let id = text(sheet, r, 1);
            let metric = text(sheet, r, last_col);
            let stat = match text(sheet, r, 3).as_str() {
                "Median" => "p50",
                "P5" => "p5",
                "P95" => "p95",
                other => panic!("a statistic {other}"),
            };
            for col in 4..last_col {
                let month = text(sheet, 2, col);
                checked.same(
                    &format!("{name} {id} {metric} {month} {stat}"),
                    number(sheet, r, col),
                    months.value(&[base, level, &id, &month, &metric], stat),
                );
            }
        }
    }

    // Variants: compare.csv.
    let sheet = &sheets["Variants"];
    let mut rows = 0;
    for r in data_rows(sheet, 2) {
        let variant = text(sheet, r, 0);
        let id = text(sheet, r, 2);
        let metric = text(sheet, r, 11);
        let key = [variant.as_str(), level_of(&id), &id, &metric];
        for (col, stat) in [
            (4, "mean"),
            (5, "p5"),
            (6, "p25"),
            (7, "p50"),
            (8, "p75"),
            (9, "p95"),
            (10, "p_worse"),
        ] {
            checked.same(
                &format!("Variants {variant} {id} {metric} {stat}"),
                number(sheet, r, col),
                compare.value(&key, stat),
            );
        }
        rows += 1;
    }
    assert_eq!(rows, compare.rows.len(), "every row of compare.csv");
    assert!(checked.0 > 5_000, "only {} cells checked", checked.0);
}

/// The tiny scenario's workbook as text: each sheet's cells, row by row (numbers as
/// Rust writes them, so a change in the last bit shows), then the charts it holds.
/// The phbsim version and build are masked: they change with every commit, not with
/// the results.
fn workbook_as_text(path: &Path) -> String {
    let mut out = String::new();
    for (name, range) in sheets(path) {
        out.push_str(&format!("== {name}\n"));
        let Some((top, _)) = range.start() else {
            continue;
        };
        for (i, row) in range.rows().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect();
            let line = match cells.first().map(String::as_str) {
                Some(label @ ("phbsim version" | "phbsim build")) => format!("{label} | <masked>"),
                _ => cells.join(" | ").trim_end_matches([' ', '|']).to_string(),
            };
            out.push_str(&format!("{}: {line}\n", top as usize + i));
        }
    }
    let bytes = std::fs::read(path).unwrap();
    let mut charts = BTreeSet::new();
    for (at, _) in bytes
        .windows(15)
        .enumerate()
        .filter(|(_, w)| *w == b"xl/charts/chart")
    {
        let name: String = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'/' || **b == b'.' || **b == b'_')
            .map(|b| *b as char)
            .collect();
        charts.insert(name);
    }
    out.push_str(&format!(
        "== charts\n{}\n",
        charts.into_iter().collect::<Vec<_>>().join("\n")
    ));
    out
}

#[test]
fn tiny_scenario_workbook_is_pinned_as_text() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("tiny");
    phbsim()
        .arg("run")
        .arg("tests/snapshots/tiny.toml")
        .args(["-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = workbook_as_text(&out.join("results.xlsx"));
    assert!(text.contains("== Monthly"), "{text}");
    assert!(
        text.contains("xl/charts/chart5.xml"),
        "2 providers × 2 fans + spend: {text}"
    );
    crate::snapshots::compare("tiny.results.txt", &text);
}
