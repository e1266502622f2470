//! Scaling of a whole run (issue 7): the national scenario run for two blocks of
//! iterations on 1 and on 2 threads (the speed-up from the second core), and the cost
//! of one streaming-summary push, the per-value price of large runs' statistics, value
//! by value and a block at a time (as a run pushes); and the exact statistics of a
//! cell of 1,000 values, the price of each cell of runs that keep every value.
//!
//! `cargo bench --bench scale`; the national scenario is `scenarios/national.toml`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phbsim::run::{RunSettings, run_one};
use phbsim::scenario::parse_scenario;
use phbsim::stats::{StreamingSummary, summarise_exact, summarise_exact_each};

fn threads(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/national.toml").expect("run from the crate root");
    let scenario = parse_scenario(&text)
        .expect("the national scenario is valid")
        .scenario;
    let mut group = c.benchmark_group("national run, 512 iterations");
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| {
                pool.install(|| black_box(run_one(&scenario, RunSettings::new(512, scenario.seed))))
            })
        });
    }
    group.finish();
}

fn streaming_push(c: &mut Criterion) {
    // Money-like values with a wide spread, as a provider's income across iterations.
    let values: Vec<f64> = (0..100_000u64)
        .map(|i| 1e7 + ((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64) * 0.37)
        .collect();
    let mut group = c.benchmark_group("streaming summary");
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("push 100,000 values", |b| {
        b.iter(|| {
            let mut summary = StreamingSummary::new(true);
            for chunk in values.chunks(256) {
                chunk.iter().for_each(|&v| summary.push(v));
                summary.end_block();
            }
            black_box(summary.summary())
        })
    });
    // As a run pushes: each block of a cell's values in one call.
    group.bench_function("push 100,000 values, a block at a time", |b| {
        b.iter(|| {
            let mut summary = StreamingSummary::new(true);
            for chunk in values.chunks(256) {
                summary.push_each(chunk.iter().copied());
                summary.end_block();
            }
            black_box(summary.summary())
        })
    });
    group.finish();
}

/// Mean, sd and the five percentiles of cells of 1,000 values: spread out (money),
/// and bunched into 20 whole numbers (counts). 200 different cells a round, as a run
/// summarises its cells one after another: one cell again and again would let the
/// branch predictor learn it.
fn exact_summary(c: &mut Criterion) {
    const CELLS: u64 = 200;
    let noise = |i: u64| {
        let mut x = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 29;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let cells = |value: &dyn Fn(f64) -> f64| -> Vec<Vec<f64>> {
        (0..CELLS)
            .map(|c| (0..1000).map(|i| value(noise(c * 1000 + i))).collect())
            .collect()
    };
    let spread = cells(&|u| 2e6 * u);
    let bunched = cells(&|u| (20.0 * u).floor());
    let mut group = c.benchmark_group("exact summary, 200 cells of 1,000 values");
    group.throughput(Throughput::Elements(CELLS));
    for (name, cells) in [("spread", &spread), ("bunched", &bunched)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for values in cells {
                    black_box(summarise_exact(black_box(values)));
                }
            })
        });
        // As a run summarises them: a few cells at a time.
        group.bench_function(format!("{name}, side by side"), |b| {
            b.iter(|| black_box(summarise_exact_each(black_box(cells))))
        });
    }
    group.finish();
}

criterion_group!(benches, threads, streaming_push, exact_summary);
criterion_main!(benches);
