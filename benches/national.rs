//! Speed of the national scenario (`scenarios/national.toml`: 42 ICBs, 126
//! providers, 504 services, 336 cohorts, 60 months), in three groups:
//!
//! - `national`: one iteration of the engine (parameter draws and simulation), and the
//!   same iteration's random draws alone ([`draw_cohorts`]), the floor it is measured
//!   against;
//! - `national sizes`: one iteration with every cohort's size set to 1,000, 10,000,
//!   100,000 or 1,000,000 people, to show the cost does not grow with cohort sizes;
//! - `national ICBs`: one iteration of the first 10, 21 and 42 ICBs (80, 168 and 336
//!   cohorts), to show the cost grows linearly with the model's size.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use phbsim::engine::{DrawnParameters, Simulator, draw_cohorts};
use phbsim::scenario::{Scenario, parse_scenario};

fn national_text() -> String {
    std::fs::read_to_string("scenarios/national.toml").expect("run from the crate root")
}

fn parse(text: &str) -> Scenario {
    parse_scenario(text).expect("a valid scenario").scenario
}

/// The national scenario with every cohort of `size` people (`size = ...` is a line of
/// its own only in cohort tables).
fn with_cohort_sizes(text: &str, size: u64) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("size = ") {
                format!("size = {size}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

/// The national scenario cut before ICB `icbs + 1`: each ICB is one block of the file,
/// opened by a `# ---- icbNN` comment, whose cohorts use only its own services.
fn first_icbs(text: &str, icbs: usize) -> String {
    let next = format!("# ---- icb{:02}", icbs + 1);
    text.find(&next).map_or(text, |end| &text[..end]).to_owned()
}

/// Times one iteration (parameter draws and simulation) of `scenario`, a new iteration
/// each time, with the workspace and buffers reused as the runner does.
fn bench_iteration(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    scenario: &Scenario,
) {
    let mut simulator = Simulator::new(scenario);
    let mut iteration = 0;
    group.bench_function(id, |b| {
        b.iter(|| {
            iteration += 1;
            black_box(simulator.iterate(scenario.seed, iteration));
        })
    });
}

fn national(c: &mut Criterion) {
    let text = national_text();
    let scenario = parse(&text);
    let mut group = c.benchmark_group("national");
    group.sample_size(20);
    let mut iteration = 0;
    group.bench_function("draw parameters", |b| {
        b.iter(|| {
            iteration += 1;
            black_box(DrawnParameters::draw(&scenario, scenario.seed, iteration))
        })
    });
    group.bench_function("draws only", |b| {
        b.iter(|| {
            iteration += 1;
            let params = DrawnParameters::draw(&scenario, scenario.seed, iteration);
            black_box(draw_cohorts(&scenario, &params, scenario.seed, iteration))
        })
    });
    bench_iteration(
        &mut group,
        BenchmarkId::from_parameter("one iteration"),
        &scenario,
    );
    group.finish();
}

fn sizes(c: &mut Criterion) {
    let text = national_text();
    let mut group = c.benchmark_group("national sizes");
    group.sample_size(20);
    for size in [1_000u64, 10_000, 100_000, 1_000_000] {
        let scenario = parse(&with_cohort_sizes(&text, size));
        bench_iteration(&mut group, BenchmarkId::new("cohort size", size), &scenario);
    }
    group.finish();
}

fn linearity(c: &mut Criterion) {
    let text = national_text();
    let mut group = c.benchmark_group("national ICBs");
    group.sample_size(20);
    for icbs in [10, 21, 42] {
        let scenario = parse(&first_icbs(&text, icbs));
        assert_eq!(scenario.cohorts.len(), 8 * icbs);
        bench_iteration(&mut group, BenchmarkId::new("ICBs", icbs), &scenario);
    }
    group.finish();
}

criterion_group!(benches, national, sizes, linearity);
criterion_main!(benches);
