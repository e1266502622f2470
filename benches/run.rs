//! Speed of the built-in example: one iteration (parameter draws + simulation), and a
//! whole run of its 1,000 iterations with the statistics of every output cell, on
//! the machine's cores (as `phbsim run` does, without writing files).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use phbsim::engine::Simulator;
use phbsim::run::{RunSettings, run_one};
use phbsim::scenario::{load::EXAMPLE, parse_scenario};

fn example_benches(c: &mut Criterion) {
    let scenario = parse_scenario(EXAMPLE)
        .expect("the example is valid")
        .scenario;
    let mut simulator = Simulator::new(&scenario);
    let mut iteration = 0;
    c.bench_function("example: one iteration", |b| {
        b.iter(|| {
            iteration += 1;
            black_box(simulator.iterate(scenario.seed, iteration));
        })
    });
    let mut group = c.benchmark_group("example: full run");
    group.sample_size(20);
    group.bench_function("1000 iterations, all statistics", |b| {
        b.iter(|| black_box(run_one(&scenario, RunSettings::new(1000, scenario.seed))))
    });
    group.finish();
}

criterion_group!(benches, example_benches);
criterion_main!(benches);
