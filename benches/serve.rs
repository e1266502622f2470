//! The server side of one `phbsim serve` answer for the built-in example at 1,000
//! iterations (issue 18's target: under 0.5 s from input to redrawn page on 2 cores):
//! the what-if checked, run beside the kept base, and drawn as the page's parts. Each
//! step is measured too, so a slow answer says where its time goes. The browser test
//! (`scripts/serve-browser-check.sh`) measures the whole round trip.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use phbsim::run::RunSettings;
use phbsim::scenario::load::{self};
use phbsim::serve::Served;
use phbsim::serve::whatif::WhatIf;

fn served() -> Served {
    let (source, validated) = load::load(None).expect("the example loads");
    let settings = RunSettings::new(1000, validated.scenario.seed);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Served::new(source, None, validated, settings, false, threads).expect("workers start")
}

fn what_if() -> WhatIf {
    let set = serde_json::json!({ "cohorts.s117.uptake.ceiling": 0.9 });
    WhatIf::from_json(&set).expect("a well-formed what-if")
}

fn serve_benches(c: &mut Criterion) {
    let served = served();
    let never = AtomicBool::new(false);
    let mut group = c.benchmark_group("serve: example, 1000 iterations");
    group.sample_size(20);
    group.bench_function("answer: check, run, draw", |b| {
        b.iter(|| {
            let prepared = served.prepare(what_if()).expect("valid");
            let answer = served.answer(prepared, &never).expect("not cancelled");
            black_box(answer.live().expect("drawn"))
        })
    });
    group.bench_function("check the what-if", |b| {
        b.iter(|| black_box(served.prepare(what_if()).expect("valid")))
    });
    let prepared = served.prepare(what_if()).expect("valid");
    group.bench_function("run beside the kept base", |b| {
        b.iter(|| {
            black_box(
                served
                    .answer(prepared.clone(), &never)
                    .expect("not cancelled"),
            )
        })
    });
    let answer = served.answer(prepared, &never).expect("not cancelled");
    group.bench_function("draw the page's parts", |b| {
        b.iter(|| black_box(answer.live().expect("drawn")))
    });
    group.finish();
}

criterion_group!(benches, serve_benches);
criterion_main!(benches);
