//! A whole Monte Carlo run: every iteration in parallel, reduced into the statistics
//! of every output cell (one entity × metric × month, or one summary metric).
//!
//! A run can be cancelled through an `AtomicBool` ([`run_set_unless`]): iterations
//! check it before they start, and the run gives up after the chunk in progress.
//!
//! A run is "all blocks, then finish": [`run_blocks_unless`] computes the partial
//! result of a range of blocks ([`crate::partial`]); a plain run takes every block and
//! finishes it at once, a shard takes its own blocks and a merge finishes the shards'
//! results appended in block order, so sharded and single runs agree bit for bit.
//!
//! Within a block, iterations are computed in chunks of at most [`CHUNK_ITERATIONS`],
//! in parallel within a chunk; then each cell takes the chunk's values in iteration
//! order, cells in parallel. No float is ever reduced in an order that depends on the
//! threads, so results are bit-identical for any thread count.
//!
//! Memory is bounded by a fixed rule (never by free memory): when a run's cells ×
//! iterations fit in [`EXACT_VALUE_LIMIT`] values, every value is kept and
//! percentiles are exact (type 7); beyond it, each cell keeps a
//! [`crate::stats::StreamingSummary`] whose percentiles are within 0.0040 × (max −
//! min) of the exact ones (SPEC section 6 allows 0.005), and whose mean and sd equal
//! the exact ones to rounding.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::compare::{ComparedMetric, is_worse, paired_metrics};
use crate::engine::{DrawnParameters, OutputLayout, Workspace, simulate_iteration};
use crate::partial::{
    Cells, PartialComparison, PartialRun, PartialSet, block_count, iterations_of,
};
use crate::scenario::Scenario;
use crate::stats::Summary;

/// Most iterations computed between two reductions: a block
/// ([`crate::partial::BLOCK_ITERATIONS`]), large enough to keep both cores busy.
pub const CHUNK_ITERATIONS: u64 = crate::partial::BLOCK_ITERATIONS;

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

/// Values one chunk may hold (scenarios × iterations × cells per iteration; 2^26
/// values = 512 MiB), which sets how many iterations a chunk of a large run computes
/// at once. Larger chunks let each streaming summary take many values per visit,
/// which keeps its buckets in cache. A fixed rule: results do not depend on it.
pub const CHUNK_VALUE_BUDGET: u64 = 1 << 26;

/// Iterations per chunk for `per_iteration` values per iteration: a block split into
/// the fewest equal chunks that fit [`CHUNK_VALUE_BUDGET`] (every pass over the cells
/// sweeps their whole state through the cache, so fewer passes are faster).
pub fn chunk_iterations(per_iteration: u64) -> u64 {
    let most = (CHUNK_VALUE_BUDGET / per_iteration.max(1)).clamp(1, CHUNK_ITERATIONS);
    let chunks = CHUNK_ITERATIONS.div_ceil(most);
    CHUNK_ITERATIONS.div_ceil(chunks)
}

/// A paired comparison of one variant with the base (see [`crate::compare`]).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Index of the variant in the scenarios passed to [`run_set`] (1 and up).
    pub variant: usize,
    pub metrics: Vec<ComparedMetric>,
    /// By metric: statistics of variant − base over iterations.
    pub difference: Vec<Option<Summary>>,
    /// By metric: the share of iterations in which the variant is worse.
    pub p_worse: Vec<f64>,
}

/// The results of a base scenario and its variants, run together.
#[derive(Debug, Clone)]
pub struct SetResult {
    /// By scenario, in the order given.
    pub runs: Vec<RunResult>,
    /// One per variant (every scenario after the first).
    pub comparisons: Vec<Comparison>,
}

/// Whether a run of `cells` values per iteration keeps every value (exact
/// percentiles).
pub fn keeps_every_value(cells: u64, settings: &RunSettings) -> bool {
    cells.saturating_mul(settings.iterations) <= settings.exact_value_limit
}

/// Runs every iteration of `scenario` and summarises every cell. `progress` is called
/// after each chunk with the number of iterations done so far.
pub fn run(
    scenario: &Scenario,
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
) -> RunResult {
    let mut set = run_set(&[scenario], settings, progress);
    set.runs.remove(0)
}

/// Runs a base scenario (first) and its variants in one parallel pass: iteration `i`
/// of every scenario uses the streams of iteration `i`, so the variants are compared
/// with the base under common random numbers.
pub fn run_set(
    scenarios: &[&Scenario],
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
) -> SetResult {
    run_set_with(scenarios, settings, &|_, _| {}, &mut |_, _, _| {}, progress)
}

/// The run was stopped by its cancellation flag (an interrupt) before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub struct Cancelled;

/// [`run_set`], stopping soon after `cancel` is set: iterations not yet started are
/// skipped and the partial results dropped.
pub fn run_set_unless(
    scenarios: &[&Scenario],
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<SetResult, Cancelled> {
    run_set_core(
        scenarios,
        settings,
        &|_, _| {},
        &mut |_, _, _| {},
        progress,
        cancel,
    )
}

/// [`run_set`] with two hooks into every iteration, the extension point of analyses
/// that vary parameters (`crate::sensitivity`):
///
/// - `adjust(s, params)` may change the parameter draws of scenario `s` before the
///   iteration is simulated, e.g. pin one parameter at a value in every iteration while
///   the others keep their draws (common random numbers still hold: the streams depend
///   on (seed, iteration, id) only). Called in parallel.
/// - `observe(s, iteration, summary)` sees each iteration's summary metrics (in
///   [`OutputLayout::summary_names`] order), on the calling thread, in iteration order
///   for each scenario, so whatever it collects is the same for any thread count.
pub fn run_set_with(
    scenarios: &[&Scenario],
    settings: RunSettings,
    adjust: &(dyn Fn(usize, &mut DrawnParameters) + Sync),
    observe: &mut dyn FnMut(usize, u64, &[f64]),
    progress: &(dyn Fn(u64) + Sync),
) -> SetResult {
    run_set_core(
        scenarios,
        settings,
        adjust,
        observe,
        progress,
        &AtomicBool::new(false),
    )
    .expect("a run without a cancellation flag finishes")
}

fn run_set_core(
    scenarios: &[&Scenario],
    settings: RunSettings,
    adjust: &(dyn Fn(usize, &mut DrawnParameters) + Sync),
    observe: &mut dyn FnMut(usize, u64, &[f64]),
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<SetResult, Cancelled> {
    let blocks = 0..block_count(settings.iterations);
    let partial = run_blocks_core(
        scenarios, settings, blocks, adjust, observe, progress, cancel,
    )?;
    let (layouts, pairs) = layouts_and_pairs(scenarios);
    Ok(partial.finish(layouts, pairs))
}

/// The output layout of every scenario, and the metrics paired between the base
/// (first) and each variant.
pub fn layouts_and_pairs(scenarios: &[&Scenario]) -> (Vec<OutputLayout>, Vec<Vec<ComparedMetric>>) {
    let layouts: Vec<OutputLayout> = scenarios.iter().map(|s| OutputLayout::new(s)).collect();
    let pairs = layouts[1..]
        .iter()
        .map(|variant| paired_metrics(&layouts[0], variant))
        .collect();
    (layouts, pairs)
}

/// SHA-256 of every output cell's name, in order: two runs with the same fingerprint
/// store the same cells in the same places (checked before shards are merged).
pub fn layout_sha256(scenarios: &[&Scenario]) -> String {
    let (layouts, pairs) = layouts_and_pairs(scenarios);
    let mut text = String::new();
    for layout in &layouts {
        text.push_str(&format!("months {}\n", layout.months()));
        for name in layout.monthly_names().iter().chain(layout.summary_names()) {
            text.push_str(&format!("{name:?}\n"));
        }
    }
    for metrics in &pairs {
        for metric in metrics {
            text.push_str(&format!("{metric:?}\n"));
        }
    }
    crate::output::manifest::sha256_hex(text.as_bytes())
}

/// The partial result of `blocks` of a run (a shard of it, or all of it): see
/// [`crate::partial`]. `progress` gets the iterations done within these blocks.
pub fn run_blocks_unless(
    scenarios: &[&Scenario],
    settings: RunSettings,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<PartialSet, Cancelled> {
    run_blocks_core(
        scenarios,
        settings,
        blocks,
        &|_, _| {},
        &mut |_, _, _| {},
        progress,
        cancel,
    )
}

/// Cells pushed together: a chunk's rows are iteration-major, so a tile of cells
/// reads each row's values from a few cache lines instead of one line per value.
const CELL_TILE: usize = 16;

/// Pushes a chunk of rows (`chunk` rows of `cells.len()` values, row-major) into
/// every cell, tiles of cells in parallel, each cell in row (iteration) order.
fn push_rows(cells: &mut Cells, rows: &[f64], chunk: usize) {
    let len = cells.len();
    let row_tile = |k: usize, t: usize, width: usize| {
        let start = k * len + t * CELL_TILE;
        &rows[start..start + width]
    };
    match cells {
        Cells::Exact(cells) => cells
            .par_chunks_mut(CELL_TILE)
            .enumerate()
            .for_each(|(t, tile)| {
                for k in 0..chunk {
                    let row = row_tile(k, t, tile.len());
                    tile.iter_mut().zip(row).for_each(|(c, &v)| c.push(v));
                }
            }),
        Cells::Streaming(cells) => {
            cells
                .par_chunks_mut(CELL_TILE)
                .enumerate()
                .for_each(|(t, tile)| {
                    // Bring the tile's state and its rows toward the cache with plain,
                    // independent reads first (many misses in flight at once), so the
                    // pushes below rarely wait on memory.
                    let state = tile.iter().fold(0, |a, c| a ^ c.touch());
                    let rows = (0..chunk).fold(0u64, |a, k| {
                        let row = row_tile(k, t, tile.len());
                        row.iter().step_by(8).fold(a, |a, v| a ^ v.to_bits())
                    });
                    std::hint::black_box((state, rows));
                    for k in 0..chunk {
                        let row = row_tile(k, t, tile.len());
                        tile.iter_mut().zip(row).for_each(|(c, &v)| c.push(v));
                    }
                })
        }
    }
}

fn run_blocks_core(
    scenarios: &[&Scenario],
    settings: RunSettings,
    blocks: Range<u64>,
    adjust: &(dyn Fn(usize, &mut DrawnParameters) + Sync),
    observe: &mut dyn FnMut(usize, u64, &[f64]),
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<PartialSet, Cancelled> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let (layouts, pairs) = layouts_and_pairs(scenarios);
    let per_iteration: u64 = layouts
        .iter()
        .map(|l| (l.monthly_len() + l.summary_len()) as u64)
        .sum::<u64>()
        + pairs.iter().map(|p| p.len() as u64).sum::<u64>();
    let exact = keeps_every_value(per_iteration, &settings);
    let chunk_size = chunk_iterations(per_iteration);
    let range = iterations_of(&blocks, settings.iterations);
    let capacity = range.end - range.start;
    let first = blocks.start == 0;

    let mut partial = PartialSet {
        iterations: settings.iterations,
        blocks: blocks.clone(),
        exact,
        runs: layouts
            .iter()
            .map(|l| PartialRun {
                monthly: Cells::new(l.monthly_len(), exact, capacity, first),
                summary: Cells::new(l.summary_len(), exact, capacity, first),
            })
            .collect(),
        comparisons: pairs
            .iter()
            .map(|p| PartialComparison {
                difference: Cells::new(p.len(), exact, capacity, first),
                worse: vec![(0, 0); p.len()],
            })
            .collect(),
    };

    // Output buffers of one chunk, reused: rows of scenario s, iteration at + k, at
    // `k * len .. (k + 1) * len` (every layout has commissioner cells, so len > 0).
    let mut monthly_rows: Vec<Vec<f64>> = layouts
        .iter()
        .map(|l| vec![0.0; chunk_size as usize * l.monthly_len()])
        .collect();
    let mut summary_rows: Vec<Vec<f64>> = layouts
        .iter()
        .map(|l| vec![0.0; chunk_size as usize * l.summary_len()])
        .collect();
    let mut difference_rows: Vec<Vec<f64>> = pairs
        .iter()
        .map(|p| vec![0.0; chunk_size as usize * p.len()])
        .collect();
    for block in blocks {
        let block_range = iterations_of(&(block..block + 1), settings.iterations);
        let mut at = block_range.start;
        while at < block_range.end {
            let chunk = chunk_size.min(block_range.end - at);
            simulate_chunk(
                scenarios,
                &layouts,
                settings,
                at,
                chunk,
                adjust,
                &cancelled,
                &mut monthly_rows,
                &mut summary_rows,
            );
            if cancelled() {
                return Err(Cancelled);
            }
            let chunk_rows = chunk as usize;
            for (run, (m_rows, y_rows)) in partial
                .runs
                .iter_mut()
                .zip(monthly_rows.iter().zip(&summary_rows))
            {
                push_rows(&mut run.monthly, m_rows, chunk_rows);
                push_rows(&mut run.summary, y_rows, chunk_rows);
            }
            for (v, metrics) in pairs.iter().enumerate() {
                let (base_len, variant_len) =
                    (layouts[0].summary_len(), layouts[v + 1].summary_len());
                let (base_rows, variant_rows) = (&summary_rows[0], &summary_rows[v + 1]);
                let comparison = &mut partial.comparisons[v];
                let rows = &mut difference_rows[v];
                for row in 0..chunk_rows {
                    for (k, metric) in metrics.iter().enumerate() {
                        let difference = variant_rows[row * variant_len + metric.variant_index]
                            - base_rows[row * base_len + metric.base_index];
                        rows[row * metrics.len() + k] = difference;
                        if !difference.is_nan() {
                            let worse = &mut comparison.worse[k];
                            worse.1 += 1;
                            worse.0 += u64::from(is_worse(difference, metric.higher_is_worse));
                        }
                    }
                }
                push_rows(&mut comparison.difference, rows, chunk_rows);
            }
            for (s, rows) in summary_rows.iter().enumerate() {
                let y_len = layouts[s].summary_len();
                for (k, y) in rows.chunks(y_len).take(chunk_rows).enumerate() {
                    observe(s, at + k as u64, y);
                }
            }
            at += chunk;
            progress(at - range.start);
        }
        for run in &mut partial.runs {
            run.monthly.end_block();
            run.summary.end_block();
        }
        for comparison in &mut partial.comparisons {
            comparison.difference.end_block();
        }
    }
    Ok(partial)
}

/// Simulates iterations `at .. at + chunk` of every scenario in parallel into the
/// row buffers.
#[allow(clippy::too_many_arguments)]
fn simulate_chunk(
    scenarios: &[&Scenario],
    layouts: &[OutputLayout],
    settings: RunSettings,
    at: u64,
    chunk: u64,
    adjust: &(dyn Fn(usize, &mut DrawnParameters) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
    monthly_rows: &mut [Vec<f64>],
    summary_rows: &mut [Vec<f64>],
) {
    let mut tasks = Vec::with_capacity(scenarios.len() * chunk as usize);
    for (s, (m, y)) in monthly_rows
        .iter_mut()
        .zip(summary_rows.iter_mut())
        .enumerate()
    {
        let (m_len, y_len) = (layouts[s].monthly_len(), layouts[s].summary_len());
        let rows = m.chunks_mut(m_len).zip(y.chunks_mut(y_len));
        for (k, (m_row, y_row)) in rows.take(chunk as usize).enumerate() {
            tasks.push((s, at + k as u64, m_row, y_row));
        }
    }
    tasks
        .into_par_iter()
        .for_each_init(Workspace::default, |ws, (s, iteration, m, y)| {
            if cancelled() {
                return;
            }
            let (scenario, layout) = (scenarios[s], &layouts[s]);
            let mut params = DrawnParameters::draw(scenario, settings.seed, iteration);
            adjust(s, &mut params);
            // No clearing: every cell is written (`engine::Simulator`'s tests).
            simulate_iteration(
                scenario,
                layout,
                &params,
                settings.seed,
                iteration,
                ws,
                m,
                y,
            );
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Level;
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
        let result = run_set_unless(&[&scenario], settings, &progress, &cancel);
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
        let (base, variant) =
            example_with_variant(r#"{ "cohorts.frequent-crisis.uptake.q" = 0.6 }"#);
        let set = run_set(&[&base, &variant], RunSettings::new(200, 5), &|_| {});
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
        let set = run_set(&[&base, &variant], RunSettings::new(100, 5), &|_| {});
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
        let set = run_set(&[&base, &variant], settings, &|_| {});
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
}
