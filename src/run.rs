//! A whole Monte Carlo run: every iteration in parallel, reduced into the statistics
//! of every output cell (one entity × metric × month, or one summary metric).
//!
//! A run can be cancelled through an `AtomicBool` ([`run_unless`]): iterations and the
//! reduction of each cell check it before they start, and the run then gives up.
//!
//! Iterations are computed in fixed chunks of [`CHUNK_ITERATIONS`], in parallel
//! within a chunk; then each cell's accumulator takes the chunk's values in iteration
//! order, cells in parallel. No float is ever reduced in an order that depends on the
//! threads, so results are bit-identical for any thread count.
//!
//! Memory is bounded by a fixed rule (never by free memory): when a run's cells ×
//! iterations fit in [`EXACT_VALUE_LIMIT`] values, every value is kept and
//! percentiles are exact (type 7); beyond it, each cell keeps a
//! [`StreamingSummary`] whose percentiles are within 0.005 × (max − min) of the exact
//! ones (SPEC section 6), and whose mean and sd stay exact to rounding.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::{DrawnParameters, OutputLayout, Workspace, simulate_iteration};
use crate::scenario::Scenario;
use crate::stats::{StreamingSummary, Summary, summarise_exact};

/// Iterations computed between two reductions: large enough to keep both cores busy,
/// small enough that the chunk buffer stays small (cells × 256 × 8 bytes).
pub const CHUNK_ITERATIONS: u64 = 256;

/// Above this many kept values (cells × iterations; 2^26 values = 512 MiB), cells keep
/// a bounded streaming summary instead of every value.
pub const EXACT_VALUE_LIMIT: u64 = 1 << 26;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSettings {
    pub iterations: u64,
    pub seed: u64,
    /// Kept values above which cells switch to streaming summaries; normally
    /// [`EXACT_VALUE_LIMIT`] (tests lower it to exercise the streaming path).
    pub exact_value_limit: u64,
}

impl RunSettings {
    /// `iterations` with `seed`, under the standard memory rule.
    pub fn new(iterations: u64, seed: u64) -> Self {
        RunSettings {
            iterations,
            seed,
            exact_value_limit: EXACT_VALUE_LIMIT,
        }
    }
}

/// The statistics of every output cell, in the layout's order.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub layout: OutputLayout,
    /// By monthly cell, `series * months + t`; `None` when no iteration defined it.
    pub monthly: Vec<Option<Summary>>,
    /// By summary metric.
    pub summary: Vec<Option<Summary>>,
    /// Whether percentiles are exact (all values kept) or from streaming summaries.
    pub exact_percentiles: bool,
}

/// One cell's values so far.
enum Accumulator {
    Exact(Vec<f64>),
    Streaming(Box<StreamingSummary>),
}

impl Accumulator {
    fn push(&mut self, value: f64) {
        match self {
            Accumulator::Exact(values) => values.push(value),
            Accumulator::Streaming(summary) => summary.push(value),
        }
    }

    fn finish(self) -> Option<Summary> {
        match self {
            Accumulator::Exact(mut values) => summarise_exact(&mut values),
            Accumulator::Streaming(summary) => summary.summary(),
        }
    }
}

/// Whether a run of this size keeps every value (exact percentiles).
pub fn keeps_every_value(layout: &OutputLayout, settings: &RunSettings) -> bool {
    let cells = (layout.monthly_len() + layout.summary_len()) as u64;
    cells.saturating_mul(settings.iterations) <= settings.exact_value_limit
}

/// Runs every iteration of `scenario` and summarises every cell. `progress` is called
/// after each chunk with the number of iterations done so far.
pub fn run(
    scenario: &Scenario,
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
) -> RunResult {
    run_unless(scenario, settings, progress, &AtomicBool::new(false))
        .expect("a run without a cancellation flag finishes")
}

/// The run was stopped by its cancellation flag (an interrupt) before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub struct Cancelled;

/// [`run`], stopping soon after `cancel` is set: iterations not yet started are
/// skipped, and the partial results are dropped.
pub fn run_unless(
    scenario: &Scenario,
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, Cancelled> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let layout = OutputLayout::new(scenario);
    let exact = keeps_every_value(&layout, &settings);
    let new_cells = |count: usize| -> Vec<Accumulator> {
        (0..count)
            .map(|_| {
                if exact {
                    Accumulator::Exact(Vec::with_capacity(settings.iterations as usize))
                } else {
                    Accumulator::Streaming(Box::default())
                }
            })
            .collect()
    };
    let mut monthly_cells = new_cells(layout.monthly_len());
    let mut summary_cells = new_cells(layout.summary_len());

    let mut done = 0;
    while done < settings.iterations {
        let chunk = CHUNK_ITERATIONS.min(settings.iterations - done);
        let rows: Vec<(Vec<f64>, Vec<f64>)> = (done..done + chunk)
            .into_par_iter()
            .map_init(Workspace::default, |ws, iteration| {
                if cancelled() {
                    return (Vec::new(), Vec::new());
                }
                let params = DrawnParameters::draw(scenario, settings.seed, iteration);
                let mut monthly = vec![0.0; layout.monthly_len()];
                let mut summary = vec![0.0; layout.summary_len()];
                simulate_iteration(
                    scenario,
                    &layout,
                    &params,
                    settings.seed,
                    iteration,
                    ws,
                    &mut monthly,
                    &mut summary,
                );
                (monthly, summary)
            })
            .collect();
        if cancelled() {
            return Err(Cancelled);
        }
        monthly_cells
            .par_iter_mut()
            .enumerate()
            .for_each(|(cell, acc)| {
                if !cancelled() {
                    rows.iter().for_each(|(m, _)| acc.push(m[cell]));
                }
            });
        summary_cells
            .par_iter_mut()
            .enumerate()
            .for_each(|(cell, acc)| {
                if !cancelled() {
                    rows.iter().for_each(|(_, s)| acc.push(s[cell]));
                }
            });
        if cancelled() {
            return Err(Cancelled);
        }
        done += chunk;
        progress(done);
    }
    let result = RunResult {
        monthly: monthly_cells
            .into_par_iter()
            .map(Accumulator::finish)
            .collect(),
        summary: summary_cells
            .into_par_iter()
            .map(Accumulator::finish)
            .collect(),
        layout,
        exact_percentiles: exact,
    };
    if cancelled() {
        Err(Cancelled)
    } else {
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;

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
        pool.install(|| run(&example(), settings, &|_| {}))
    }

    fn bits(cells: &[Option<Summary>]) -> Vec<[u64; 7]> {
        cells
            .iter()
            .map(|c| {
                c.map_or([0; 7], |s| {
                    [s.mean, s.sd, s.p5, s.p25, s.p50, s.p75, s.p95].map(f64::to_bits)
                })
            })
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
        let settings = RunSettings::new(10 * CHUNK_ITERATIONS, 11);
        let result = run_unless(&example(), settings, &progress, &cancel);
        assert_eq!(result.err(), Some(Cancelled));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1,
            "no chunk after the cancel"
        );
    }

    #[test]
    fn streaming_path_is_deterministic_and_close_to_exact() {
        let streaming = RunSettings {
            exact_value_limit: 0,
            ..RunSettings::new(ITERATIONS, 11)
        };
        let a = run_on(1, streaming);
        let b = run_on(2, streaming);
        assert!(!a.exact_percentiles);
        assert_eq!(bits(&a.monthly), bits(&b.monthly));
        let exact = run_on(2, RunSettings::new(ITERATIONS, 11));
        // Means are the same sums in the same order; percentiles within SPEC
        // section 6's bound of 0.005 × (max − min), and max − min ≥ p95 − p5.
        for (s, e) in a.summary.iter().zip(&exact.summary) {
            let (Some(s), Some(e)) = (s, e) else {
                assert_eq!(s.is_some(), e.is_some());
                continue;
            };
            let scale = e.mean.abs().max(1.0);
            assert!((s.mean - e.mean).abs() <= 1e-9 * scale, "{s:?} vs {e:?}");
            // p95 − p5 understates max − min, so this is stricter than the spec.
            let bound = 0.005 * (e.p95 - e.p5) + 1e-9 * scale;
            for (approx, exact) in [(s.p25, e.p25), (s.p50, e.p50), (s.p75, e.p75)] {
                assert!((approx - exact).abs() <= bound, "{s:?} vs {e:?}");
            }
        }
    }
}
