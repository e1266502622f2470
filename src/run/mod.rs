//! A whole Monte Carlo run: every iteration in parallel, accumulated into the
//! statistics of every output cell (one entity × metric × month, or one summary
//! metric). This is the one path of every run, whichever command starts it.
//!
//! What to run is one value, [`Run`]: the scenarios (a base and its variants, compared
//! under common random numbers), the [`RunSettings`], and optional hooks (progress, a
//! cancellation flag, and the two hooks of analyses that vary parameters). It runs
//! either every block ([`Run::all`], the statistics) or a range of blocks
//! ([`Run::blocks`], an [`Accumulated`] state that a shard writes to a part file).
//!
//! - [`blocks`]: iterations cut into fixed blocks, the unit of sharding;
//! - [`layout`]: which cells a run has, and their fingerprint;
//! - [`accumulate`]: the cells' state over blocks, appended and finished;
//! - `execute`: the parallel loop that simulates iterations and pushes their values;
//! - [`results`]: the statistics a finished run gives back.
//!
//! Within a block, iterations are computed in chunks, in parallel within a chunk; then
//! each cell takes the chunk's values in iteration order, cells in parallel. No float
//! is ever reduced in an order that depends on the threads, so results are
//! bit-identical for any thread count.
//!
//! Memory is bounded by a fixed rule (never by free memory): when a run's cells ×
//! iterations fit in [`EXACT_VALUE_LIMIT`] values, every value is kept and
//! percentiles are exact (type 7); beyond it, each cell keeps a
//! [`crate::stats::StreamingSummary`] whose percentiles are within 0.0040 × (max −
//! min) of the exact ones (SPEC section 6 allows 0.005), and whose mean and sd equal
//! the exact ones to rounding.

pub mod accumulate;
pub mod blocks;
mod execute;
pub mod layout;
pub mod results;

use std::ops::Range;
use std::sync::atomic::AtomicBool;

pub use accumulate::{Accumulated, Cells, ComparisonCells, ScenarioCells, summarise_as_run};
pub use blocks::{BLOCK_ITERATIONS, block_count, iterations_of};
pub use execute::{CHUNK_ITERATIONS, CHUNK_VALUE_BUDGET, chunk_iterations};
pub use layout::{RunLayout, Shape};
pub use results::{Comparison, RunResult, SetResult};

use crate::engine::DrawnParameters;
use crate::scenario::Scenario;

/// Above this many kept values (cells × iterations; 2^26 values = 512 MiB), cells keep
/// a bounded streaming summary instead of every value.
pub const EXACT_VALUE_LIMIT: u64 = 1 << 26;

/// How many iterations, from which seed, under which memory rule.
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

/// Whether a run of `cells` values per iteration keeps every value (exact
/// percentiles).
pub fn keeps_every_value(cells: u64, settings: &RunSettings) -> bool {
    cells.saturating_mul(settings.iterations) <= settings.exact_value_limit
}

/// The run was stopped by its cancellation flag (an interrupt) before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub struct Cancelled;

/// Changes the parameter draws of scenario `s` before an iteration is simulated.
pub type Adjust<'a> = &'a (dyn Fn(usize, &mut DrawnParameters) + Sync);
/// Sees scenario `s`'s summary metrics of one iteration.
pub type Observe<'a> = &'a mut dyn FnMut(usize, u64, &[f64]);
/// Told the number of iterations done so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

fn no_adjustment(_: usize, _: &mut DrawnParameters) {}
fn no_progress(_: u64) {}

/// One run: what to run and the hooks into it. Build it with [`Run::new`] and the
/// optional setters, then call [`Run::all`] or [`Run::blocks`].
///
/// Iteration `i` of every scenario uses the random streams of iteration `i`, so the
/// variants are compared with the base under common random numbers.
pub struct Run<'a> {
    scenarios: &'a [&'a Scenario],
    settings: RunSettings,
    adjust: Adjust<'a>,
    observe: Option<Observe<'a>>,
    progress: Progress<'a>,
    cancel: Option<&'a AtomicBool>,
    only: Option<&'a [usize]>,
}

impl<'a> Run<'a> {
    /// A run of a base scenario (first) and its variants, with no hooks.
    pub fn new(scenarios: &'a [&'a Scenario], settings: RunSettings) -> Self {
        assert!(!scenarios.is_empty(), "a run has a base scenario");
        Run {
            scenarios,
            settings,
            adjust: &no_adjustment,
            observe: None,
            progress: &no_progress,
            cancel: None,
            only: None,
        }
    }

    /// Summarises only the summary metrics at `indices` (in the layout's order, the
    /// same for every scenario of the run) and their paired differences, for analyses
    /// that read a few outcomes of many runs (`crate::sensitivity`): no monthly cell
    /// is kept, which is most of a large run's work. The statistics of those metrics
    /// are the bits a full run gives: whether values are kept exactly is still decided
    /// by every cell of the run. The result's `monthly` is empty, its `summary` is
    /// `None` outside `indices`, and each comparison lists only their metrics. Only
    /// for [`Self::all`].
    pub fn only_summary(mut self, indices: &'a [usize]) -> Self {
        self.only = Some(indices);
        self
    }

    /// Calls `progress` after each chunk with the iterations done so far (within the
    /// blocks run).
    pub fn progress(mut self, progress: Progress<'a>) -> Self {
        self.progress = progress;
        self
    }

    /// Stops soon after `flag` is set: iterations not yet started are skipped and
    /// the run returns [`Cancelled`].
    pub fn cancel_on(mut self, flag: &'a AtomicBool) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// The extension point of analyses that vary parameters (`crate::sensitivity`):
    /// `adjust(s, params)` may change the parameter draws of scenario `s` before each
    /// iteration is simulated, e.g. pin one parameter at a value in every iteration
    /// while the others keep their draws (common random numbers still hold: the
    /// streams depend on (seed, iteration, id) only). Called in parallel.
    pub fn adjust(mut self, adjust: Adjust<'a>) -> Self {
        self.adjust = adjust;
        self
    }

    /// `observe(s, iteration, summary)` sees each iteration's summary metrics (in
    /// [`crate::engine::OutputLayout::summary_names`] order), on the calling thread,
    /// in iteration order for each scenario, so whatever it collects is the same for
    /// any thread count.
    pub fn observe(mut self, observe: Observe<'a>) -> Self {
        self.observe = Some(observe);
        self
    }

    /// Runs every block and summarises every cell.
    pub fn all(self) -> Result<SetResult, Cancelled> {
        let layout = RunLayout::of(self.scenarios);
        let blocks = 0..block_count(self.settings.iterations);
        let only = self.only;
        let accumulated = execute::accumulate(self, &layout, blocks)?;
        Ok(match only {
            None => accumulated.finish(layout),
            Some(indices) => accumulated.finish_only(layout, indices),
        })
    }

    /// Runs `blocks` only (a shard of the run, or all of it) and returns their
    /// accumulated cells; `progress` counts the iterations done within these blocks.
    pub fn blocks(self, blocks: Range<u64>) -> Result<Accumulated, Cancelled> {
        assert!(self.only.is_none(), "a shard keeps every cell");
        let layout = RunLayout::of(self.scenarios);
        execute::accumulate(self, &layout, blocks)
    }
}

/// Runs one scenario with no hooks: the statistics of its cells.
pub fn run_one(scenario: &Scenario, settings: RunSettings) -> RunResult {
    let scenarios = [scenario];
    let mut set = Run::new(&scenarios, settings)
        .all()
        .expect("a run without a cancellation flag finishes");
    set.runs.remove(0)
}

#[cfg(test)]
pub(crate) mod bound_check;
#[cfg(test)]
mod tests;
