//! Speed of the national scenario (`scenarios/national.toml`: 42 ICBs, 126
//! providers, 504 services, 336 cohorts, 60 months): one iteration of the engine, and
//! the same iteration's random draws alone (the floor the engine is measured against).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use phbsim::engine::{DrawnParameters, OutputLayout, Workspace, simulate_iteration};
use phbsim::scenario::parse_scenario;

fn national(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/national.toml").expect("run from the crate root");
    let scenario = parse_scenario(&text)
        .expect("the national scenario is valid")
        .scenario;
    let layout = OutputLayout::new(&scenario);
    let mut ws = Workspace::default();
    let mut monthly = vec![0.0; layout.monthly_len()];
    let mut summary = vec![0.0; layout.summary_len()];
    let mut group = c.benchmark_group("national");
    group.sample_size(20);
    let mut iteration = 0;
    group.bench_function("draw parameters", |b| {
        b.iter(|| {
            iteration += 1;
            black_box(DrawnParameters::draw(&scenario, scenario.seed, iteration))
        })
    });
    group.bench_function("one iteration", |b| {
        b.iter(|| {
            iteration += 1;
            let params = DrawnParameters::draw(&scenario, scenario.seed, iteration);
            simulate_iteration(
                &scenario,
                &layout,
                &params,
                scenario.seed,
                iteration,
                &mut ws,
                &mut monthly,
                &mut summary,
            );
            black_box(&monthly);
        })
    });
    group.finish();
}

criterion_group!(benches, national);
criterion_main!(benches);
