//! The workbook built in memory, as `run_files` builds it: the same bytes every time,
//! and text too long for a cell cut rather than failing the run.

use std::path::Path;

use crate::manifest::Manifest;
use crate::output::files::{FinishedRun, run_files};
use crate::run::{Run, RunSettings};
use crate::scenario::parse_scenario;

/// One provider, one service, one cohort: a run of a few futures.
const SMALL: &str = r#"
schema_version = 1

[scenario]
name = "small"
description = "DESCRIPTION"
start = "2027-02"
months = 15
iterations = 5
seed = 3

[[providers]]
id = "p"

[[providers.services]]
id = "s"
payment = "activity"
unit_price = { dist = "pert", min = 8, mode = 10, max = 14 }

[[cohorts]]
id = "c"
size = 50
uptake = { model = "constant", monthly = 0.1 }
budget = 1_000
uses = [{ service = "p/s", per_month = 1 }]
"#;

/// The bytes of `results.xlsx` for the scenario `text`.
fn workbook(text: &str) -> Vec<u8> {
    let validated = parse_scenario(text).expect("a valid scenario");
    let scenarios = validated.all();
    let set = Run::new(&scenarios, RunSettings::new(5, 3)).all().unwrap();
    let name = &validated.scenario.name;
    let exact = set.runs[0].exact_percentiles;
    let manifest = Manifest::fixed(name, "small.toml", text, (3, 5), exact);
    let run = FinishedRun {
        scenario_text: text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    let files = run_files(Path::new("out"), &run).expect("the files build");
    files
        .into_iter()
        .find(|(name, _)| *name == "results.xlsx")
        .expect("results.xlsx among them")
        .1
}

#[test]
fn the_same_results_give_the_same_bytes() {
    let first = workbook(SMALL);
    assert!(first.starts_with(b"PK\x03\x04"), "a zip file");
    assert!(first == workbook(SMALL), "two builds differ");
}

/// Regression: a cell holds at most 32,767 characters, and a longer text made
/// rust_xlsxwriter refuse the workbook, which would have failed the whole run.
#[test]
fn a_description_longer_than_a_cell_holds_is_cut_not_fatal() {
    let long = "A very long description. ".repeat(2_000);
    assert!(long.len() > 32_767);
    let bytes = workbook(&SMALL.replace("DESCRIPTION", &long));
    assert!(bytes.starts_with(b"PK\x03\x04"));
}
