//! Tests of the whole report: the page's structure and self-containment, and the
//! reading of output files (every malformed file named with its line).

use std::path::Path;
use std::sync::OnceLock;

use super::build;
use super::data::{OutputData, OutputFiles, ReportError};
use super::parse_outputs;
use crate::output::manifest::{Manifest, sha256_hex};
use crate::output::tables;
use crate::run::{RunSettings, run};
use crate::scenario::load::EXAMPLE;
use crate::scenario::parse_scenario;

/// The example's output files for a small run (40 iterations: enough for every series,
/// quick in a debug build).
struct Files {
    manifest: String,
    scenario: String,
    summary: Vec<u8>,
    months: Vec<u8>,
}

impl Files {
    fn as_input(&self) -> OutputFiles<'_> {
        OutputFiles {
            manifest: &self.manifest,
            scenario: &self.scenario,
            summary: &self.summary,
            months: &self.months,
        }
    }
}

fn example() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let scenario = parse_scenario(EXAMPLE)
            .expect("the example is valid")
            .scenario;
        let result = run(&scenario, RunSettings::new(40, 7), &|_| {});
        let named = [tables::Named {
            name: &scenario.name,
            scenario: &scenario,
            result: &result,
        }];
        let mut months = Vec::new();
        tables::write_months(&mut months, &named).unwrap();
        let mut summary = Vec::new();
        tables::write_summary(&mut summary, &named).unwrap();
        let manifest = Manifest {
            tool: "phbsim".into(),
            phbsim_version: "0.0.0-test".into(),
            scenario_name: scenario.name.clone(),
            scenario_file: "example-icb.toml".into(),
            scenario_sha256: sha256_hex(EXAMPLE.as_bytes()),
            seed: 7,
            iterations: 40,
            iterations_overridden: true,
            seed_overridden: true,
            threads: 1,
            exact_percentiles: true,
            variants: Vec::new(),
            started: "2027-01-01T00:00:00Z".into(),
            finished: "2027-01-01T00:00:01Z".into(),
            elapsed_seconds: 1.0,
        };
        Files {
            manifest: manifest.to_json(),
            scenario: EXAMPLE.to_string(),
            summary,
            months,
        }
    })
}

fn example_data() -> OutputData {
    parse_outputs(Path::new("out"), example().as_input()).expect("the run's own files parse")
}

fn example_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| build(&example_data()))
}

/// Positions of `needles` in `page`, asserting each is present.
fn positions(page: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| {
            page.find(n)
                .unwrap_or_else(|| panic!("`{n}` missing from the page"))
        })
        .collect()
}

fn assert_increasing(positions: &[usize], what: &[&str]) {
    for (pair, names) in positions.windows(2).zip(what.windows(2)) {
        assert!(
            pair[0] < pair[1],
            "`{}` should come before `{}`",
            names[0],
            names[1]
        );
    }
}

#[test]
fn sections_come_in_the_order_a_meeting_needs() {
    let ids = [
        "id=\"run\"",
        "id=\"headline\"",
        "id=\"providers\"",
        "id=\"deficit\"",
        "id=\"services\"",
        "id=\"cohorts\"",
        "id=\"commissioner\"",
        "id=\"notes\"",
    ];
    assert_increasing(&positions(example_page(), &ids), &ids);
}

#[test]
fn the_header_names_what_was_run_in_order() {
    let data = example_data();
    let description = data.scenario.description.clone().unwrap();
    let sha = sha256_hex(EXAMPLE.as_bytes());
    let facts = [
        "Example ICB, moderate rollout",
        description.as_str(),
        ">7 (set on the command line)<",
        ">40 simulated futures",
        "0.0.0-test",
        sha.as_str(),
    ];
    assert_increasing(&positions(example_page(), &facts), &facts);
}

#[test]
fn the_page_fetches_nothing_and_runs_nothing() {
    let page = example_page();
    for forbidden in [
        "<script",
        "http://",
        "https://",
        "<link",
        "@import",
        " src=",
        "@font-face",
    ] {
        assert!(!page.contains(forbidden), "the page contains `{forbidden}`");
    }
    // The one kind of url() allowed points inside the page (the heat map's gradient).
    for (i, _) in page.match_indices("url(") {
        assert!(page[i..].starts_with("url(#"), "external url at {i}");
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("@media print") && page.contains("size: A4"));
}

/// Every `<svg>…</svg>` fragment of the page.
fn svgs(page: &str) -> Vec<&str> {
    page.match_indices("<svg")
        .map(|(start, _)| {
            let end = page[start..].find("</svg>").expect("every svg is closed") + start + 6;
            &page[start..end]
        })
        .collect()
}

#[test]
fn every_chart_is_well_formed_svg_with_a_text_alternative() {
    let page = example_page();
    let charts = svgs(page);
    let data = example_data();
    // Two per provider, one heat map, one per service, one per cohort, the commissioner.
    let expected = 2 * data.scenario.providers.len()
        + 1
        + data.scenario.service_count()
        + data.scenario.cohorts.len()
        + 1;
    assert_eq!(charts.len(), expected);
    let mut ids = std::collections::BTreeSet::new();
    for svg in charts {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("not well-formed XML ({e}): {}", &svg[..200]));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let children: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(children[0].tag_name().name(), "title");
        assert_eq!(children[1].tag_name().name(), "desc");
        for child in &children[..2] {
            assert!(!child.text().unwrap_or("").trim().is_empty());
        }
        let labelled: Vec<&str> = root
            .attribute("aria-labelledby")
            .unwrap()
            .split(' ')
            .collect();
        assert_eq!(
            labelled,
            [
                children[0].attribute("id").unwrap(),
                children[1].attribute("id").unwrap()
            ]
        );
        for node in doc.descendants().filter(|n| n.is_element()) {
            if let Some(id) = node.attribute("id") {
                assert!(
                    ids.insert(id.to_string()),
                    "id `{id}` used twice in the page"
                );
            }
        }
    }
}

#[test]
fn every_chart_has_a_caption_and_labelled_axes() {
    let page = example_page();
    assert_eq!(
        page.matches("<figure").count(),
        page.matches("<figcaption>").count()
    );
    assert_eq!(page.matches("<figure").count(), svgs(page).len());
    for svg in svgs(page) {
        assert!(
            svg.contains("month (YYYY-MM)"),
            "a chart without its month axis title"
        );
    }
    assert!(
        page.contains("£ a month") && page.contains(">people<") && page.contains(">units a month<")
    );
}

#[test]
fn the_provider_table_puts_the_riskiest_first() {
    let data = example_data();
    let rows = super::summary::ranked_providers(&data, data.base());
    assert_eq!(rows.len(), 3);
    for pair in rows.windows(2) {
        assert!(pair[0].distress >= pair[1].distress);
    }
    // The table lists the providers in that order.
    let page = example_page();
    let table = &page[page.find("<table class=\"providers\"").unwrap()..];
    let names: Vec<&str> = rows.iter().map(|r| r.provider.name.as_str()).collect();
    assert_increasing(&positions(table, &names), &names);
}

#[test]
fn the_page_is_the_same_every_time() {
    assert!(build(&example_data()) == example_page());
}

/// Parses the example's files with one of them replaced.
fn parse_with(edit: impl FnOnce(&mut Files)) -> ReportError {
    let original = example();
    let mut files = Files {
        manifest: original.manifest.clone(),
        scenario: original.scenario.clone(),
        summary: original.summary.clone(),
        months: original.months.clone(),
    };
    edit(&mut files);
    parse_outputs(Path::new("out"), files.as_input()).expect_err("the edit is refused")
}

fn replace_line(bytes: &[u8], line: usize, with: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = with;
    (lines.join("\n") + "\n").into_bytes()
}

#[test]
fn malformed_files_are_named_with_their_line() {
    let months_line = |n: usize| {
        String::from_utf8(example().months.clone())
            .unwrap()
            .lines()
            .nth(n - 1)
            .unwrap()
            .to_string()
    };
    let cases: Vec<(ReportError, &str)> = vec![
        (
            parse_with(|f| f.months = replace_line(&f.months, 1, "scenario,level")),
            "out/months.csv:1: the header should be",
        ),
        (
            parse_with(|f| {
                f.months = replace_line(
                    &f.months,
                    3,
                    &months_line(3).replace(",income,", ",income,x"),
                )
            }),
            "out/months.csv:3: `x",
        ),
        (
            parse_with(|f| {
                f.months = replace_line(&f.months, 3, &months_line(3).replace("2027-05", "2027-06"))
            }),
            "out/months.csv:3: trust income should have month 2027-05",
        ),
        (
            parse_with(|f| {
                f.months = replace_line(&f.months, 2, &months_line(2).replace("provider", "vendor"))
            }),
            "out/months.csv:2: unknown level `vendor`",
        ),
        (
            parse_with(|f| f.summary = replace_line(&f.summary, 2, "a,b")),
            "out/summary.csv:2: 2 fields where the header has 11",
        ),
        (
            parse_with(|f| f.summary.clear()),
            "out/summary.csv: the file is empty",
        ),
        (
            parse_with(|f| f.manifest = "{".into()),
            "out/manifest.json:1:",
        ),
        (
            parse_with(|f| f.scenario.push('#')),
            "out/scenario.toml: its SHA-256 differs",
        ),
    ];
    for (error, expected) in cases {
        let message = error.to_string();
        assert!(
            message.starts_with(expected),
            "`{message}` should start with `{expected}`"
        );
        assert!(matches!(error, ReportError::Malformed { .. }));
    }
}

#[test]
fn truncated_months_are_refused_as_incomplete() {
    let error = parse_with(|f| {
        let text = String::from_utf8(f.months.clone()).unwrap();
        let keep = text.lines().count() - 1;
        f.months = (text.lines().take(keep).collect::<Vec<_>>().join("\n") + "\n").into_bytes();
    });
    let message = error.to_string();
    assert!(
        message.contains("months.csv") && message.contains("incomplete"),
        "{message}"
    );
}

#[test]
fn a_manifest_of_another_tool_is_foreign() {
    let error = parse_with(|f| f.manifest = f.manifest.replacen("\"phbsim\"", "\"other\"", 1));
    assert!(matches!(error, ReportError::Foreign { .. }), "{error}");
    assert!(error.to_string().contains("manifest.json"));
}
