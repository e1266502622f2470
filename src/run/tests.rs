//! A run's guarantees: the same bits for any thread count, cancellation, the
//! streaming path close to the exact one, and common random numbers between variants.

use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::engine::Level;
use crate::scenario::load::EXAMPLE;
use crate::scenario::parse_scenario;
use crate::stats::Summary;

fn example() -> Scenario {
    parse_scenario(EXAMPLE)
        .expect("the example is valid")
        .scenario
}

fn run_on(threads: usize, settings: RunSettings) -> RunResult {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| run_one(&example(), settings))
}

fn bits(cells: &[Option<Summary>]) -> Vec<[u64; 7]> {
    cells
        .iter()
        .map(|c| c.map_or([0; 7], |s| s.to_array().map(f64::to_bits)))
        .collect()
}

/// Iterations not a multiple of the chunk size, so a partial chunk is covered.
const ITERATIONS: u64 = CHUNK_ITERATIONS + 37;

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let settings = RunSettings::new(ITERATIONS, 11);
    let one = run_on(1, settings);
    let two = run_on(2, settings);
    let three = run_on(3, settings);
    assert!(one.exact_percentiles);
    assert_eq!(bits(&one.monthly), bits(&two.monthly));
    assert_eq!(bits(&one.summary), bits(&two.summary));
    assert_eq!(bits(&one.summary), bits(&three.summary));
}

#[test]
fn a_cancelled_run_stops_without_a_result() {
    let cancel = AtomicBool::new(false);
    let calls = std::sync::atomic::AtomicU64::new(0);
    let progress = |_done: u64| {
        // Cancel after the first chunk, as an interrupt would.
        calls.fetch_add(1, Ordering::Relaxed);
        cancel.store(true, Ordering::Relaxed);
    };
    let scenario = example();
    let settings = RunSettings::new(10 * CHUNK_ITERATIONS, 11);
    let scenarios = [&scenario];
    let result = Run::new(&scenarios, settings)
        .progress(&progress)
        .cancel_on(&cancel)
        .all();
    assert_eq!(result.err(), Some(Cancelled));
    assert_eq!(
        calls.load(Ordering::Relaxed),
        1,
        "no chunk after the cancel"
    );
}

/// The test runs' settings with every cell summarised by streaming.
fn streaming_settings() -> RunSettings {
    RunSettings {
        exact_value_limit: 0,
        ..RunSettings::new(ITERATIONS, 11)
    }
}

#[test]
fn streaming_path_is_deterministic_and_close_to_exact() {
    let streaming = streaming_settings();
    let a = run_on(1, streaming);
    let b = run_on(2, streaming);
    assert!(!a.exact_percentiles);
    assert_eq!(bits(&a.monthly), bits(&b.monthly));
    let exact = run_on(2, RunSettings::new(ITERATIONS, 11));
    let (_, range) = bound_check::cell_ranges(&example(), 11, ITERATIONS);
    // Means are the same sums in the same order; percentiles within SPEC
    // section 6's bound of 0.005 × (max − min).
    for ((s, e), range) in a.summary.iter().zip(&exact.summary).zip(range) {
        let (Some(s), Some(e)) = (s, e) else {
            assert_eq!(s.is_some(), e.is_some());
            continue;
        };
        let scale = e.mean.abs().max(1.0);
        assert!((s.mean - e.mean).abs() <= 1e-9 * scale, "{s:?} vs {e:?}");
        bound_check::assert_quartiles_within_bound(s, e, range);
    }
}

/// The example with `set` applied as a variant named "variant".
fn example_with_variant(set: &str) -> (Scenario, Scenario) {
    let text = format!("{EXAMPLE}\n[[variants]]\nname = \"variant\"\nset = {set}\n");
    let mut validated = parse_scenario(&text).expect("valid");
    let variant = validated
        .variants
        .pop()
        .expect("the variant just added")
        .scenario;
    (validated.scenario, variant)
}

/// Common random numbers (SPEC section 7): a variant that changes one cohort leaves
/// every other cohort's draws, and so its outputs, exactly as in the base.
#[test]
fn a_variant_of_one_cohort_leaves_the_other_cohorts_identical() {
    let (base, variant) = example_with_variant(r#"{ "cohorts.frequent-crisis.uptake.q" = 0.6 }"#);
    let set = Run::new(&[&base, &variant], RunSettings::new(200, 5))
        .all()
        .unwrap();
    let (a, b) = (&set.runs[0], &set.runs[1]);
    let mut compared = 0;
    for (series, name) in a.layout.monthly_names().iter().enumerate() {
        if name.level != Level::Cohort {
            continue;
        }
        let cells = a.layout.series_range(series);
        let same = bits(&a.monthly[cells.clone()]) == bits(&b.monthly[cells]);
        if name.entity == "frequent-crisis" {
            if name.metric == "holders" {
                assert!(!same, "the changed cohort must change");
            }
        } else {
            assert!(same, "{} {} differs", name.entity, name.metric);
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * 5, "four other cohorts, five metrics each");
}

#[test]
fn a_variant_equal_to_the_base_differs_by_nothing() {
    let (base, variant) = example_with_variant("{}");
    let set = Run::new(&[&base, &variant], RunSettings::new(100, 5))
        .all()
        .unwrap();
    let comparison = &set.comparisons[0];
    assert!(!comparison.metrics.is_empty());
    for (k, metric) in comparison.metrics.iter().enumerate() {
        if let Some(d) = comparison.difference[k] {
            let magnitudes = [d.mean, d.sd, d.p5, d.p95].map(|v| v.abs().to_bits());
            assert_eq!(magnitudes, [0u64; 4], "{:?}", metric.name);
        }
        assert_eq!(comparison.p_worse[k].to_bits(), 0f64.to_bits());
    }
}

/// The point of common random numbers: the paired difference of a realistic
/// variant varies far less than the difference of two independent runs.
#[test]
fn paired_differences_are_less_noisy_than_independent_runs() {
    let (base, variant) = example_with_variant(r#"{ "contracts.first_review" = "2029-04" }"#);
    let settings = RunSettings::new(400, 5);
    let set = Run::new(&[&base, &variant], settings).all().unwrap();
    let comparison = &set.comparisons[0];
    let k = comparison
        .metrics
        .iter()
        .position(|m| m.name.entity == "trust" && m.name.metric == "income")
        .unwrap();
    let paired_sd = comparison.difference[k].unwrap().sd;
    // Independent runs: the sd of a difference of independent draws is
    // sqrt(sd_a^2 + sd_b^2).
    let income_sd = |result: &RunResult| {
        let i = result
            .layout
            .summary_names()
            .iter()
            .position(|n| n.entity == "trust" && n.metric == "income")
            .unwrap();
        result.summary[i].unwrap().sd
    };
    let independent_sd = income_sd(&set.runs[0]).hypot(income_sd(&set.runs[1]));
    assert!(
        paired_sd * 2.0 < independent_sd,
        "paired {paired_sd}, independent {independent_sd}"
    );
}

/// `[[correlations]]` keep the guarantee: a block's draws depend on (seed, iteration)
/// and its members' paths only, so a run with one gives the same bits on any number of
/// threads.
#[test]
fn correlated_runs_do_not_depend_on_the_thread_count() {
    let text = format!(
        "{EXAMPLE}\n[[correlations]]\npaths = [\"budget_forms.notional.existing\", \"budget_forms.notional.underspend\", \"providers.trust.services.rehab.pass_through\"]\nrank = [[1, -0.5, 0.3], [-0.5, 1, 0], [0.3, 0, 1]]\n"
    );
    let scenario = parse_scenario(&text).expect("valid").scenario;
    assert_eq!(scenario.correlations.len(), 1);
    let settings = RunSettings::new(ITERATIONS, 11);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_one(&scenario, settings))
    };
    let (one, two) = (on(1), on(2));
    assert_eq!(bits(&one.monthly), bits(&two.monthly));
    assert_eq!(bits(&one.summary), bits(&two.summary));
    // The block changed the draws: the trust's income is not the example's.
    let plain = run_on(1, settings);
    assert_ne!(bits(&one.summary), bits(&plain.summary));
}

/// A run that keeps only a few summary metrics gives them, and their paired
/// differences, with the bits of the full run, whether values are kept or streamed.
#[test]
fn keeping_only_some_summary_metrics_gives_their_full_run_bits() {
    let base = example();
    let mut variant = base.clone();
    variant.name = "cheaper".into();
    variant.cohorts[0].return_rate.dist = crate::distribution::Distribution::Fixed(0.05);
    let scenarios = [&base, &variant];
    let only = [0, 3, 7];
    for limit in [EXACT_VALUE_LIMIT, 1_000] {
        let settings = RunSettings {
            exact_value_limit: limit,
            ..RunSettings::new(ITERATIONS, 5)
        };
        let full = Run::new(&scenarios, settings).all().unwrap();
        let some = Run::new(&scenarios, settings)
            .only_summary(&only)
            .all()
            .unwrap();
        for (f, s) in full.runs.iter().zip(&some.runs) {
            assert_eq!(f.exact_percentiles, s.exact_percentiles);
            assert!(s.monthly.is_empty());
            for index in 0..f.summary.len() {
                let want = if only.contains(&index) {
                    bits(&f.summary[index..=index])
                } else {
                    bits(&[None])
                };
                assert_eq!(bits(&s.summary[index..=index]), want, "metric {index}");
            }
        }
        let (f, s) = (&full.comparisons[0], &some.comparisons[0]);
        assert_eq!(s.metrics.len(), only.len());
        for (k, metric) in s.metrics.iter().enumerate() {
            let at = f.metrics.iter().position(|m| m == metric).unwrap();
            assert_eq!(bits(&s.difference[k..=k]), bits(&f.difference[at..=at]));
            assert_eq!(s.p_worse[k].to_bits(), f.p_worse[at].to_bits());
        }
    }
}

/// FNV-1a over every cell's bits, in cell order.
fn digest(cells: &[Option<Summary>]) -> u64 {
    bits(cells)
        .iter()
        .flatten()
        .fold(0xcbf2_9ce4_8422_2325, |hash, &word| {
            (hash ^ word).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The streaming path's bits, pinned like `tests/snapshots` pins the exact path's:
/// a faster push must not move a result. If a change of results is intended, update
/// the digests and record the change in CHANGELOG.md.
#[test]
fn streaming_results_are_value_stable() {
    let streaming = streaming_settings();
    let result = run_on(2, streaming);
    assert_eq!(
        [digest(&result.monthly), digest(&result.summary)],
        [12_489_187_853_685_065_310, 16_714_963_302_879_449_383],
        "the streaming path's results changed"
    );
}
