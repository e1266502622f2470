//! Tests of the whole report: the page's structure and self-containment, and the
//! reading of output files (every malformed file named with its line).

use std::path::Path;
use std::sync::OnceLock;

use super::build;
use super::data::{OutputData, OutputFiles, ReportError};
use super::parse_outputs;
use crate::hash::sha256_hex;
use crate::manifest::Manifest;
use crate::output::tables;
use crate::run::{Run, RunSettings};
use crate::scenario::load::EXAMPLE;
use crate::scenario::parse_scenario;

/// An output directory's files, as a run writes them.
#[derive(Clone)]
struct Files {
    manifest: String,
    scenario: String,
    summary: Vec<u8>,
    months: Vec<u8>,
    /// `None`: a directory written before `years.csv` existed.
    years: Option<Vec<u8>>,
    compare: Option<Vec<u8>>,
}

impl Files {
    fn as_input(&self) -> OutputFiles<'_> {
        OutputFiles {
            manifest: &self.manifest,
            scenario: &self.scenario,
            summary: &self.summary,
            months: &self.months,
            years: self.years.as_deref(),
            compare: self.compare.as_deref(),
        }
    }
}

/// The files `phbsim run` writes for scenario `text` (variants included) at seed 7.
fn run_files(text: &str, iterations: u64) -> Files {
    let validated = parse_scenario(text).expect("the scenario is valid");
    let scenarios = validated.all();
    let set = Run::new(&scenarios, RunSettings::new(iterations, 7))
        .all()
        .unwrap();
    let named = tables::Named::all(&scenarios, &set);
    let mut months = Vec::new();
    tables::write_months(&mut months, &named).unwrap();
    let mut summary = Vec::new();
    tables::write_summary(&mut summary, &named).unwrap();
    let mut years = Vec::new();
    tables::write_years(&mut years, &named).unwrap();
    let compare = (!set.comparisons.is_empty()).then(|| {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        let mut compare = Vec::new();
        tables::write_compare(&mut compare, &validated.scenario.name, &set, &names).unwrap();
        compare
    });
    let exact = set.runs[0].exact_percentiles;
    let manifest = Manifest {
        iterations_overridden: true,
        seed_overridden: true,
        variants: validated.variants.iter().map(|v| v.name.clone()).collect(),
        ..Manifest::fixed(
            &validated.scenario.name,
            "example-icb.toml",
            text,
            (7, iterations),
            exact,
        )
    };
    Files {
        manifest: manifest.to_json(),
        scenario: text.to_string(),
        summary,
        months,
        years: Some(years),
        compare,
    }
}

/// The example (with its three variants) for a small run: 40 iterations, enough for
/// every series, quick in a debug build.
fn example() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| run_files(EXAMPLE, 40))
}

/// The example's text without its variants.
fn example_without_variants() -> &'static str {
    &EXAMPLE[..EXAMPLE
        .find("[[variants]]")
        .expect("the example has variants")]
}

/// The example without its variants, run the same way.
fn plain() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| run_files(example_without_variants(), 40))
}

fn example_data() -> OutputData {
    parse_outputs(Path::new("out"), example().as_input()).expect("the run's own files parse")
}

fn plain_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let data = parse_outputs(Path::new("out"), plain().as_input()).expect("parses");
        build(&data)
    })
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
        "id=\"notes\"",
        "id=\"variants\"",
        "id=\"providers\"",
        "id=\"deficit\"",
        "id=\"years\"",
        "id=\"services\"",
        "id=\"cohorts\"",
        "id=\"commissioner\"",
        "<footer",
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

/// Charts of the base: two per provider, one heat map, one per service, one per
/// cohort, the commissioner.
fn base_chart_count(data: &OutputData) -> usize {
    2 * data.scenario.providers.len()
        + 1
        + data.scenario.service_count()
        + data.scenario.cohorts.len()
        + 1
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
    // With variants, one overlay per provider and one for the commissioner.
    let expected = base_chart_count(&data) + data.scenario.providers.len() + 1;
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
    // Money is in cash (each year at its own prices), and the axes say so.
    assert!(page.contains(">£ a month, cash<") && page.contains(">£, cash<"));
    assert!(!page.contains(">£ a month<") && !page.contains(">£<"));
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

/// Each provider row says how much of the income it loses to budgets comes back as
/// budget spending: the share computed from the run's own means, with both amounts.
#[test]
fn the_provider_table_shows_how_much_money_follows_the_patient() {
    let data = example_data();
    let page = example_page();
    let table = &page[page.find("<table class=\"providers\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("Income lost to budgets that comes back as budget spending"));
    let rows = super::summary::ranked_providers(&data, data.base());
    let mut shown = 0;
    for row in &rows {
        let follows = row.money_follows;
        assert!(
            follows.budget_income > 0.0,
            "{}: budgets are spent there",
            row.provider.id
        );
        let (budget, lost) = (
            crate::format::money(follows.budget_income),
            crate::format::money(follows.lost),
        );
        let cell = match follows.share() {
            Some(share) if share > 1.0 => {
                format!("all of it, and more<br><span class=\"id\">{budget} for {lost} lost</span>")
            }
            Some(share) => format!(
                "{}<br><span class=\"id\">{budget} of {lost}</span>",
                crate::format::percent(share)
            ),
            None => "no income lost".to_string(),
        };
        assert!(
            table.contains(&cell),
            "{} row lacks {cell}",
            row.provider.id
        );
        shown += usize::from(follows.share().is_some());
    }
    assert!(shown >= 1, "at least one provider loses income to budgets");
}

#[test]
fn the_page_is_the_same_every_time() {
    assert!(build(&example_data()) == example_page());
}

/// Parses the example's files with one of them replaced.
fn parse_with(edit: impl FnOnce(&mut Files)) -> ReportError {
    let mut files = example().clone();
    edit(&mut files);
    parse_outputs(Path::new("out"), files.as_input()).expect_err("the edit is refused")
}

fn replace_line(bytes: &[u8], line: usize, with: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = with;
    (lines.join("\n") + "\n").into_bytes()
}

/// The example's `years.csv`, as written.
fn years(files: &Files) -> &[u8] {
    files.years.as_deref().expect("a run writes years.csv")
}

/// Line `n` (from 1) of the example's `years.csv`.
fn years_line(n: usize) -> String {
    String::from_utf8(years(example()).to_vec())
        .unwrap()
        .lines()
        .nth(n - 1)
        .unwrap()
        .to_string()
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
            parse_with(|f| f.years = Some(replace_line(years(f), 1, "scenario,level"))),
            "out/years.csv:1: the header should be",
        ),
        (
            parse_with(|f| {
                let line = years_line(2);
                assert!(line.contains(",2027-28,12,income,"), "{line}");
                f.years = Some(replace_line(
                    years(f),
                    2,
                    &line.replace(",2027-28,", ",2028-29,"),
                ))
            }),
            "out/years.csv:2: trust income should have year 2027-28 of 12 months here, not `2028-29`",
        ),
        (
            parse_with(|f| {
                let line = years_line(2).replace(",12,income,", ",11,income,");
                f.years = Some(replace_line(years(f), 2, &line))
            }),
            "out/years.csv:2: trust income should have year 2027-28 of 12 months here, not `2027-28` of `11`",
        ),
        (
            parse_with(|f| {
                let line = years_line(3).replace(",income,", ",income,x");
                f.years = Some(replace_line(years(f), 3, &line))
            }),
            "out/years.csv:3: `x",
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

/// The header and rows of a `months.csv`, each row with its fields (the scenario's
/// name is quoted and holds a comma, so a row is not split on commas) and its line.
fn months_rows(months: &[u8]) -> (String, Vec<(Vec<String>, String)>) {
    let text = String::from_utf8(months.to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let mut reader = csv::ReaderBuilder::new().from_reader(months);
    let rows = reader
        .records()
        .zip(lines)
        .map(|(record, line)| {
            let fields = record.unwrap().iter().map(str::to_string).collect();
            (fields, line.to_string())
        })
        .collect();
    (header, rows)
}

/// A `months.csv` of `header` and these lines.
fn months_file(header: &str, lines: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut out = header.to_string();
    for line in lines {
        out.push('\n');
        out.push_str(&line);
    }
    out.push('\n');
    out.into_bytes()
}

#[test]
fn rows_of_series_interleaved_parse_as_rows_series_by_series() {
    // The parser keeps the series it is reading out of its table while rows of that
    // series follow each other. Here the rows are in month order (every series' first
    // month, then every second month, ...), so no two rows in a row are of one series:
    // each series is put back and taken again at every row, and must end the same.
    let (header, mut rows) = months_rows(&example().months);
    rows.sort_by(|(a, _), (b, _)| a[3].cmp(&b[3]));
    assert_ne!(rows[0].0[2..5], rows[1].0[2..5], "two series interleaved");
    let mut files = example().clone();
    files.months = months_file(&header, rows.into_iter().map(|(_, line)| line));
    let interleaved = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    assert!(interleaved == example_data());
}

#[test]
fn a_series_met_again_goes_on_from_its_last_month() {
    // The second series' rows moved between the first series' first and second
    // months: the first series is met again after it, and its second month is due.
    let (header, rows) = months_rows(&example().months);
    let series = |fields: &[String]| (fields[1].clone(), fields[2].clone(), fields[4].clone());
    let first = series(&rows[0].0);
    let second_starts = rows.iter().position(|(f, _)| series(f) != first).unwrap();
    let second_ends = second_starts
        + rows[second_starts..]
            .iter()
            .position(|(f, _)| series(f) != series(&rows[second_starts].0))
            .unwrap();
    let mut moved: Vec<(Vec<String>, String)> = rows[..1].to_vec();
    moved.extend_from_slice(&rows[second_starts..second_ends]);
    moved.extend_from_slice(&rows[1..second_starts]);
    moved.extend_from_slice(&rows[second_ends..]);
    let lines =
        |rows: &[(Vec<String>, String)]| rows.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>();
    let mut files = example().clone();
    files.months = months_file(&header, lines(&moved));
    let parsed = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    assert!(
        parsed == example_data(),
        "the first series goes on where it stopped"
    );

    // Its third month where the second is due is refused, on that row's line.
    let again = 1 + second_ends - second_starts;
    let (due, skipped) = (&rows[1].0[3], &rows[2].0[3]);
    moved[again].1 = moved[again]
        .1
        .replace(&format!(",{due},"), &format!(",{skipped},"));
    files.months = months_file(&header, lines(&moved));
    let message = parse_outputs(Path::new("out"), files.as_input())
        .expect_err("a month skipped is refused")
        .to_string();
    let expected = format!(
        "out/months.csv:{}: {} {} should have month {due} here, not `{skipped}`",
        again + 2,
        first.1,
        first.2
    );
    assert!(message.contains(&expected), "{message}");
}

#[test]
fn truncated_years_are_refused_as_incomplete() {
    let error = parse_with(|f| {
        let text = String::from_utf8(years(f).to_vec()).unwrap();
        let keep = text.lines().count() - 1;
        f.years =
            Some((text.lines().take(keep).collect::<Vec<_>>().join("\n") + "\n").into_bytes());
    });
    let message = error.to_string();
    assert!(
        message.contains("years.csv")
            && message.contains("commissioner recovered has 4 year(s) of the scenario's 5")
            && message.contains("incomplete"),
        "{message}"
    );
}

#[test]
fn a_manifest_of_another_tool_is_foreign() {
    let error = parse_with(|f| f.manifest = f.manifest.replacen("\"phbsim\"", "\"other\"", 1));
    assert!(matches!(error, ReportError::Foreign { .. }), "{error}");
    assert!(error.to_string().contains("manifest.json"));
}

/// The part of `page` from `from` up to (not including) `to`.
fn between<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` missing"));
    let end = page[start..]
        .find(to)
        .unwrap_or_else(|| panic!("`{to}` missing"))
        + start;
    &page[start..end]
}

/// The `summary.csv` rows of scenario `name` for `metric`, as (entity, mean), read
/// straight from the file.
fn summary_means(files: &Files, name: &str, metric: &str) -> Vec<(String, f64)> {
    let mut reader = csv::Reader::from_reader(files.summary.as_slice());
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == name && &r[1] == "provider" && &r[3] == metric)
        .map(|r| (r[2].to_string(), r[4].parse().unwrap()))
        .collect()
}

#[test]
fn the_example_has_variants_and_the_plain_run_has_the_same_base() {
    let data = example_data();
    let names: Vec<&str> = data.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Example ICB, moderate rollout",
            "rollout twice as fast",
            "contracts re-based after two years",
            "contracts follow lost activity",
            "costs outrun the tariff",
            "ICB recovers double running"
        ]
    );
    assert_eq!(data.variants.len(), 5);
    assert!(data.variants[0].description.is_some());
    // Common random numbers: the base's rows are the same with or without variants.
    let plain = parse_outputs(Path::new("out"), plain().as_input()).unwrap();
    assert!(plain.runs.len() == 1 && plain.variants.is_empty());
    assert!(plain.runs[0] == data.runs[0]);
    // And a variant's rows are not the base's, so a leak would show.
    assert!(data.runs[1] != data.runs[0] && data.runs[2] != data.runs[0]);
}

#[test]
fn base_charts_and_tables_use_the_base_rows_only() {
    // Every section but the variants' is what the same base without variants gives.
    let (with, without) = (example_page(), plain_page());
    let from = "<section id=\"providers\"";
    assert!(between(with, from, "<footer") == between(without, from, "<footer"));
    let table = "<table class=\"providers\"";
    assert!(between(with, table, "</table>") == between(without, table, "</table>"));

    // The headline chance of distress is the base's summary row, not a variant's.
    let base = summary_means(example(), "Example ICB, moderate rollout", "distressed");
    let variant = summary_means(example(), "contracts follow lost activity", "distressed");
    let riskiest = base.iter().map(|(_, p)| *p).fold(0.0, f64::max);
    assert!(
        variant.iter().any(|(_, p)| *p > riskiest),
        "the test needs a variant riskier than the base: {variant:?}"
    );
    let figures = between(with, "<div class=\"figures\"", "</div>");
    assert!(
        figures.contains(&format!(">{}<", crate::format::percent(riskiest))),
        "{figures}"
    );
    let rows = super::summary::ranked_providers(&example_data(), example_data().base())
        .iter()
        .map(|r| (r.provider.id.clone(), r.distress))
        .collect::<std::collections::BTreeMap<_, _>>();
    for (id, p) in &base {
        assert_eq!(rows[id].to_bits(), p.to_bits(), "{id}");
    }
}

#[test]
fn the_variants_section_sets_each_variant_beside_the_base() {
    let data = example_data();
    let page = example_page();
    let section = between(page, "<section id=\"variants\"", "</section>");
    assert!(section.contains(
        "Each variant is run on the same simulated futures as the base, so the differences are the effect of the change, not chance."
    ));
    // One row per variant and provider.
    let table = between(section, "<table class=\"variants\"", "</table>");
    let body = &table[table.find("<tbody").unwrap()..];
    let providers = data.scenario.providers.len();
    assert_eq!(body.matches("<tr").count(), data.variants.len() * providers);
    assert_eq!(table.matches("<tbody").count(), data.variants.len());
    for variant in &data.variants {
        assert!(table.contains(&format!(">{}<", variant.name)));
        // The paired mean difference in the trust's income, from compare.csv.
        let income = data
            .compared(
                &variant.name,
                crate::engine::Level::Provider,
                "trust",
                "income",
            )
            .and_then(|c| c.difference)
            .unwrap();
        let shown = crate::format::money(income.mean);
        assert!(
            table.contains(&shown),
            "{shown} missing for {}",
            variant.name
        );
    }
    // The overlaid medians: one chart per provider and the commissioner's, each with a
    // line per run, every line told apart by colour and dash.
    let charts = svgs(section);
    assert_eq!(charts.len(), providers + 1);
    for svg in charts {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let lines: Vec<(Option<&str>, Option<&str>)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("line"))
            .map(|n| (n.attribute("stroke"), n.attribute("stroke-dasharray")))
            .collect();
        assert_eq!(lines.len(), data.runs.len());
        let distinct: std::collections::BTreeSet<_> = lines.iter().collect();
        assert_eq!(distinct.len(), lines.len(), "{lines:?}");
        assert_eq!(lines[0], (Some("#000000"), None), "the base is solid black");
        assert!(lines[1..].iter().all(|(_, dash)| dash.is_some()));
        for name in [
            "base",
            "rollout twice as fast",
            "contracts re-based after two years",
        ] {
            assert!(svg.contains(&format!(">{name}<")), "legend lacks {name}");
        }
        assert!(svg.contains("£ a month") && svg.contains("month (YYYY-MM)"));
    }
    assert!(page.contains("compare.csv"));
}

#[test]
fn a_report_without_variants_has_no_variants_section() {
    let page = plain_page();
    assert!(!page.contains("id=\"variants\""));
    assert!(!page.contains("class=\"variants\""));
    assert!(!page.contains("compare.csv"));
    assert!(!page.contains("<dt>Variants</dt>"));
    let data = parse_outputs(Path::new("out"), plain().as_input()).unwrap();
    assert_eq!(svgs(page).len(), base_chart_count(&data));
}

#[test]
fn a_variant_with_its_own_horizon_is_drawn_on_the_base_months() {
    let text = format!(
        "{}\n[[variants]]\nname = \"earlier and longer\"\nset = {{ \"scenario.start\" = \"2027-02\", \"scenario.months\" = 64 }}\n",
        example_without_variants()
    );
    let files = run_files(&text, 8);
    let data = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    let (base, variant) = (&data.runs[0], &data.runs[1]);
    assert_eq!((base.months.len(), variant.months.len()), (60, 64));
    assert_eq!(variant.months[0], "2027-02");
    let aligned = variant.series_on(
        &base.months,
        crate::engine::Level::Provider,
        "trust",
        "income",
    );
    assert_eq!(aligned.len(), 60);
    // Month 2027-04 of the base is month 2 of the variant.
    let own = variant.series(crate::engine::Level::Provider, "trust", "income");
    assert!(aligned[0] == own[2] && aligned[0].is_some());
    let page = build(&data);
    assert!(page.contains("outside the base's horizon are not drawn"));
}

#[test]
fn compare_csv_is_checked_like_the_other_tables() {
    let error = parse_with(|f| f.compare = None);
    assert!(matches!(error, ReportError::MissingFile { .. }), "{error}");
    assert!(error.to_string().contains("compare.csv"));

    let compare_line = |n: usize| {
        String::from_utf8(example().compare.clone().unwrap())
            .unwrap()
            .lines()
            .nth(n - 1)
            .unwrap()
            .to_string()
    };
    let line = compare_line(3);
    let cut = line.rfind(',').unwrap();
    let cases: Vec<(ReportError, String)> = vec![
        (
            parse_with(|f| {
                let c = f.compare.take().unwrap();
                f.compare = Some(replace_line(&c, 3, &format!("{},1.5", &line[..cut])));
            }),
            "out/compare.csv:3: `1.5` in column p_worse".to_string(),
        ),
        (
            parse_with(|f| {
                let c = f.compare.take().unwrap();
                let renamed = line.replacen("rollout twice as fast", "rollout thrice", 1);
                f.compare = Some(replace_line(&c, 3, &renamed));
            }),
            "out/compare.csv:3: `rollout thrice` is not a variant".to_string(),
        ),
        (
            parse_with(|f| {
                let c = String::from_utf8(f.compare.take().unwrap()).unwrap();
                let keep = c.lines().count() - 1;
                f.compare =
                    Some((c.lines().take(keep).collect::<Vec<_>>().join("\n") + "\n").into_bytes());
            }),
            "out/compare.csv: no row for ICB recovers double running".to_string(),
        ),
        (
            parse_with(|f| {
                let m = String::from_utf8(f.months.clone()).unwrap();
                f.months = m
                    .lines()
                    .filter(|l| !l.starts_with("contracts re-based"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
                    .into_bytes();
            }),
            "out/months.csv: no rows for the variant `contracts re-based after two years`"
                .to_string(),
        ),
        (
            parse_with(|f| {
                let m = String::from_utf8(f.months.clone()).unwrap();
                f.months = m
                    .replace("\nrollout twice as fast,", "\nrollout thrice,")
                    .into_bytes();
            }),
            "is neither the scenario of scenario.toml nor one of its variants".to_string(),
        ),
    ];
    for (error, expected) in cases {
        let message = error.to_string();
        assert!(
            message.contains(&expected),
            "`{message}` should contain `{expected}`"
        );
    }
}

/// The example without variants, with reserves no future can exhaust and cohorts of
/// nobody: every chance of distress and every income change is zero.
fn safe_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let text: String = example_without_variants()
            .lines()
            .map(|line| {
                if line.starts_with("reserves ") {
                    "reserves = 1_000_000_000_000\n".to_string()
                } else if line.starts_with("size ") {
                    "size = 0\n".to_string()
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        let files = run_files(&text, 8);
        build(&parse_outputs(Path::new("out"), files.as_input()).expect("parses"))
    })
}

#[test]
fn how_to_read_comes_before_the_first_chart() {
    for page in [example_page(), plain_page()] {
        let notes = page.find("id=\"notes\"").expect("a how-to section");
        let first_chart = page.find("<svg").expect("charts");
        assert!(notes < first_chart);
        assert!(page[notes..first_chart].contains("How to read this report"));
    }
}

/// On a horizon short enough for the cells to hold their numbers (three years of the
/// example: 36 months, under the 45 at which cells get too narrow).
#[test]
fn the_heat_map_prints_its_numbers_in_the_cells() {
    let text = example_without_variants().replacen("months      = 60", "months      = 36", 1);
    let files = run_files(&text, 40);
    let data = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    assert_eq!(data.months.len(), 36);
    let built = build(&data);
    let page = built.as_str();
    let section = between(page, "<section id=\"deficit\"", "</section>");
    assert!(!section.contains("hover"), "the caption relies on hovering");
    let svg = &svgs(section)[0];
    let doc = roxmltree::Document::parse(svg).expect("well-formed");
    let numbers: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("cell-values"))
        .flat_map(|g| g.children().filter(|c| c.has_tag_name("text")))
        .map(|t| t.text().unwrap_or_default())
        .collect();
    let run = data.base();
    let ranked = super::summary::ranked_providers(&data, run);
    let expected: Vec<String> = ranked
        .iter()
        .flat_map(|row| {
            run.series(
                crate::engine::Level::Provider,
                &row.provider.id,
                "in_deficit",
            )
        })
        .flatten()
        .map(|s| super::heat_map::cell_label(s.mean))
        .collect();
    assert_eq!(expected.len(), ranked.len() * data.months.len());
    assert_eq!(numbers, expected);
}

#[test]
fn a_long_horizon_heat_map_prints_each_row_s_peak_beside_it() {
    let months: Vec<String> = (0..120)
        .map(|t| format!("{}-{:02}", 2027 + t / 12, t % 12 + 1))
        .collect();
    let mut values = vec![Some(0.1); 120];
    values[30] = Some(0.42);
    let svg = super::heat_map::heat_map(&super::heat_map::HeatMap {
        id: "h".into(),
        title: "h".into(),
        description: "d".into(),
        months: &months,
        rows: vec![("trust".into(), values)],
    })
    .into_string();
    assert!(
        !svg.contains("cell-values"),
        "cells this narrow hold no number"
    );
    assert!(svg.contains("peak 42.0% in 2029-07"), "{svg}");
}

#[test]
fn no_percentage_is_printed_with_a_signed_zero() {
    for page in [example_page(), plain_page(), safe_page()] {
        assert!(!page.contains("+0.0%") && !page.contains("-0.0%"));
    }
    // Income that does not change is printed unsigned.
    assert!(safe_page().contains("0.0% (0.0% to 0.0%)"));
}

#[test]
fn dates_in_table_headers_do_not_break() {
    let page = example_page();
    let end = example_data().months.last().unwrap().clone();
    let month = format!("<span class=\"month\">{end}</span>");
    for table in ["<table class=\"providers\"", "<table class=\"variants\""] {
        let head = between(page, table, "</thead>");
        assert!(head.contains(&month), "{head}");
    }
    assert!(super::STYLE.contains(".month { white-space: nowrap; }"));
}

#[test]
fn only_a_material_risk_is_drawn_as_a_warning() {
    assert!(safe_page().contains("<span class=\"big\">0.0%</span>"));
    assert!(!safe_page().contains("figure-box alert"));
    // The example's small charity is at real risk.
    let data = example_data();
    let riskiest = super::summary::ranked_providers(&data, data.base())[0].distress;
    assert!(riskiest >= super::summary::MATERIAL_RISK);
    assert!(example_page().contains("class=\"figure-box alert\""));
}

/// `years.csv`'s base rows of `entity`'s `metric`, read straight from the file: (year,
/// months, mean, p5, p50, p95).
fn year_rows(
    files: &Files,
    entity: &str,
    metric: &str,
) -> Vec<(String, String, f64, f64, f64, f64)> {
    let name = parse_scenario(&files.scenario).unwrap().scenario.name;
    let mut reader = csv::Reader::from_reader(years(files));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[0] == name && &r[2] == entity && &r[5] == metric)
        .map(|r| {
            let number = |i: usize| r[i].parse::<f64>().unwrap();
            (
                r[3].to_string(),
                r[4].to_string(),
                number(6),
                number(8),
                number(10),
                number(12),
            )
        })
        .collect()
}

/// A median and its P5 to P95 range as the year tables print them.
fn median_range_cell(p5: f64, p50: f64, p95: f64) -> String {
    use crate::format::money;
    format!(
        "<td>{}<br><span class=\"range\">({} to {})</span></td>",
        money(p50),
        money(p5),
        money(p95)
    )
}

/// One table per provider (riskiest first) and one for the commissioner, each with a
/// row per financial year, showing what `years.csv` holds.
#[test]
fn the_years_section_has_a_row_per_financial_year_from_years_csv() {
    use crate::format::{money, percent};
    let files = plain();
    let data = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    let page = plain_page();
    let section = between(page, "<section id=\"years\"", "</section>");
    assert!(section.contains("<h2>By financial year</h2>"));
    assert!(section.contains("Figures are in cash"));
    let ranked = super::summary::ranked_providers(&data, data.base());
    assert_eq!(
        section.matches("<table class=\"years\"").count(),
        ranked.len() + 1
    );
    let years = data.scenario.financial_years();
    assert_eq!(years.len(), 5, "60 months from April");
    let ids: Vec<String> = ranked
        .iter()
        .map(|r| format!("<span class=\"id\">({})</span></h3>", r.provider.id))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_increasing(&positions(section, &ids), &ids);
    for row in &ranked {
        let id = &row.provider.id;
        let table = between(
            &section[section.find(&format!("({id})</span></h3>")).unwrap()..],
            "<table",
            "</table>",
        );
        assert_eq!(table.matches("<tr>").count(), years.len() + 1, "{id}");
        let income = year_rows(files, id, "income");
        let margin = year_rows(files, id, "margin");
        let transition = year_rows(files, id, "transition_costs");
        let deficit = year_rows(files, id, "deficit");
        assert_eq!(income.len(), years.len());
        for (y, year) in years.iter().enumerate() {
            assert_eq!(
                (income[y].0.as_str(), income[y].1.as_str()),
                (year.label.as_str(), "12")
            );
            let (_, _, _, p5, p50, p95) = income[y];
            let cells = [
                format!(
                    "<th scope=\"row\"><span class=\"month\">{}</span></th>",
                    year.label
                ),
                median_range_cell(p5, p50, p95),
                median_range_cell(margin[y].3, margin[y].4, margin[y].5),
                format!("<td>{}</td>", money(transition[y].2)),
                format!(">{}</td>", percent(deficit[y].2)),
            ];
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            let row = &table[table
                .find(cells[0])
                .unwrap_or_else(|| panic!("{id} {}", year.label))..];
            let row = &row[..row.find("</tr>").unwrap()];
            assert_increasing(&positions(row, &cells), &cells);
        }
    }
    let commissioner = between(
        &section[section.find("<h3>Commissioner</h3>").unwrap()..],
        "<table",
        "</table>",
    );
    let spend = year_rows(files, "commissioner", "spend");
    let extra = year_rows(files, "commissioner", "additional_vs_baseline");
    for y in 0..years.len() {
        for rows in [&spend, &extra] {
            let cell = median_range_cell(rows[y].3, rows[y].4, rows[y].5);
            assert!(commissioner.contains(&cell), "{cell}");
        }
    }
    // The example sets no envelope: no column of zeros, a note instead.
    assert!(!commissioner.contains("over the envelope"));
    assert!(section.contains("sets no spending envelope"));
    assert!(page.contains("months.csv, summary.csv and years.csv in this folder"));
}

/// A partial year says how many of its months are simulated; an envelope adds the
/// commissioner's spend over it.
#[test]
fn a_partial_year_is_marked_and_an_envelope_adds_its_column() {
    let text = format!(
        "{}\n[commissioner]\nenvelope = 60_000_000\n",
        example_without_variants().replacen(
            "start       = \"2027-04\"",
            "start       = \"2027-01\"",
            1
        )
    );
    let files = run_files(&text, 8);
    let data = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    let labels: Vec<(String, usize)> = data
        .scenario
        .financial_years()
        .into_iter()
        .map(|y| (y.label, y.months))
        .collect();
    assert_eq!(labels.first(), Some(&("2026-27".to_string(), 3)));
    assert_eq!(labels.last(), Some(&("2031-32".to_string(), 9)));
    let page = build(&data);
    let section = between(&page, "<section id=\"years\"", "</section>");
    assert!(
        section.contains(
            "<span class=\"month\">2026-27</span><br><span class=\"id\">(3 months)</span>"
        )
    );
    assert!(section.contains("<span class=\"month\">2027-28</span></th>"));
    let commissioner = &section[section.find("<h3>Commissioner</h3>").unwrap()..];
    assert!(commissioner.contains("Spend over the envelope: median (P5 to P95)"));
    assert!(!section.contains("sets no spending envelope"));
    let over = year_rows(&files, "commissioner", "over_envelope");
    assert_eq!(over.len(), labels.len());
    assert!(commissioner.contains(&median_range_cell(over[0].3, over[0].4, over[0].5)));
}

/// A directory written before years.csv existed still gets its report, without the
/// section (and without naming the file among the sources).
#[test]
fn a_directory_without_years_csv_is_reported_without_the_section() {
    let mut files = plain().clone();
    files.years = None;
    let data = parse_outputs(Path::new("out"), files.as_input()).expect("parses");
    assert!(data.base().years.is_none());
    let page = build(&data);
    assert!(!page.contains("id=\"years\""));
    assert!(!page.contains("years.csv"));
    assert!(page.contains("months.csv and summary.csv in this folder"));
    for id in ["id=\"headline\"", "id=\"deficit\"", "id=\"commissioner\""] {
        assert!(page.contains(id), "{id}");
    }
}
