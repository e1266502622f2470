//! Speed of what a national run does after its last iteration, phase by phase: the
//! CSV tables, their parse-back (`report::parse_outputs`, as `phbsim report` reads
//! them), and the report and workbook built from it; and all of it as a run does it
//! (`output::files::run_files`: some of the phases side by side). These are fixed
//! costs of a run, whatever its iteration count, so they matter most to short
//! national runs.
//!
//! The results are of 20 iterations: the tables have the rows of any run.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use phbsim::manifest::Manifest;
use phbsim::output::files::{FinishedRun, RunTables, run_files};
use phbsim::output::workbook;
use phbsim::report;
use phbsim::run::{Run, RunSettings};
use phbsim::scenario::parse_scenario;

fn national_outputs(c: &mut Criterion) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.toml"),
    )
    .expect("scenarios/national.toml");
    let validated = parse_scenario(&text).expect("the national scenario is valid");
    let scenarios = validated.all();
    let iterations = 20;
    let set = Run::new(&scenarios, RunSettings::new(iterations, 7))
        .all()
        .expect("the run finishes");
    let name = &validated.scenario.name;
    let exact = set.runs[0].exact_percentiles;
    let manifest = Manifest::fixed(name, "national.toml", &text, (7, iterations), exact);
    let run = FinishedRun {
        scenario_text: &text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    let out = Path::new("out");
    let tables = RunTables::of(&run, true).expect("tables");
    let data = tables.parse(out, &text).expect("the tables parse");

    let mut group = c.benchmark_group("national outputs");
    group.sample_size(10);
    // Everything, as a run does it after its last iteration (without the disk).
    group.bench_function("all", |b| {
        b.iter(|| black_box(run_files(out, &run).expect("the files")))
    });
    group.bench_function("tables", |b| {
        b.iter(|| black_box(RunTables::of(&run, true).expect("tables")))
    });
    group.bench_function("parse", |b| {
        b.iter(|| black_box(tables.parse(out, &text).expect("the tables parse")))
    });
    group.bench_function("report", |b| b.iter(|| black_box(report::build(&data))));
    group.bench_function("workbook", |b| {
        b.iter(|| {
            black_box(
                workbook::build(workbook::Inputs {
                    data: &data,
                    scenario: scenarios[0],
                    scenario_text: &text,
                    build: "bench",
                })
                .expect("the workbook builds"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, national_outputs);
criterion_main!(benches);
