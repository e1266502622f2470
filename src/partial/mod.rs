//! Partial results: the state of every output cell over a range of whole blocks of
//! iterations, which later blocks can be appended to, and which, once it covers every
//! block, finishes into the statistics of a run.
//!
//! A run's iterations are cut into fixed blocks of [`BLOCK_ITERATIONS`], whatever the
//! thread count or sharding. A plain `phbsim run` computes the partial result of all
//! blocks and finishes it; `phbsim run --shard K/N` computes shard K's blocks and
//! writes them to a file ([`file`]); `phbsim merge` reads the shards' files onto one
//! partial result in block order ([`file::read_part_onto`]) and finishes it. Appending is exact (kept values are
//! concatenated, histograms merged order-independently, block moments folded in block
//! order; see [`crate::stats`]), so a merged run is the single run, bit for bit.

pub mod file;
pub mod merge;
pub mod shard;

use std::ops::Range;

use crate::compare::ComparedMetric;
use crate::engine::OutputLayout;
use crate::run::{Comparison, RunResult, SetResult};
use crate::stats::{StreamingSummary, Summary, summarise_exact};

/// Iterations per block: the unit of sharding, and of the order in which streaming
/// means are combined. Fixed: changing it changes streaming means in the last bits.
pub const BLOCK_ITERATIONS: u64 = 256;

/// Blocks in a run of `iterations`.
pub fn block_count(iterations: u64) -> u64 {
    iterations.div_ceil(BLOCK_ITERATIONS)
}

/// The iterations of `blocks` in a run of `iterations`.
pub fn iterations_of(blocks: &Range<u64>, iterations: u64) -> Range<u64> {
    let start = blocks
        .start
        .saturating_mul(BLOCK_ITERATIONS)
        .min(iterations);
    let end = blocks.end.saturating_mul(BLOCK_ITERATIONS).min(iterations);
    start..end
}

/// The state of a group of cells (a scenario's monthly or summary cells, or a
/// variant's paired differences).
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    /// Every value, by cell, in iteration order: exact percentiles.
    Exact(Vec<Vec<f64>>),
    /// One bounded summary per cell.
    Streaming(Vec<StreamingSummary>),
}

impl Cells {
    /// `count` empty cells, keeping every value (room for `capacity` each) or not;
    /// `starts_at_first_block` tells streaming summaries how to keep their moments.
    pub fn new(count: usize, exact: bool, capacity: u64, starts_at_first_block: bool) -> Self {
        if exact {
            Cells::Exact(
                (0..count)
                    .map(|_| Vec::with_capacity(capacity as usize))
                    .collect(),
            )
        } else {
            // In parallel: a large run's summaries are most of its memory, and each
            // page is zeroed by the thread that first writes it.
            use rayon::prelude::*;
            Cells::Streaming(
                (0..count)
                    .into_par_iter()
                    .map(|_| StreamingSummary::new(starts_at_first_block))
                    .collect(),
            )
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Cells::Exact(cells) => cells.len(),
            Cells::Streaming(cells) => cells.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes a block of iterations (streaming means are combined block by block).
    pub fn end_block(&mut self) {
        if let Cells::Streaming(cells) = self {
            use rayon::prelude::*;
            cells.par_iter_mut().for_each(StreamingSummary::end_block);
        }
    }

    /// The statistics of every cell.
    pub fn finish(self) -> Vec<Option<Summary>> {
        use rayon::prelude::*;
        match self {
            Cells::Exact(cells) => cells
                .into_par_iter()
                .map(|mut values| summarise_exact(&mut values))
                .collect(),
            Cells::Streaming(cells) => cells.par_iter().map(StreamingSummary::summary).collect(),
        }
    }
}

/// One scenario's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialRun {
    pub monthly: Cells,
    pub summary: Cells,
}

/// One variant's paired differences with the base.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialComparison {
    pub difference: Cells,
    /// By metric: (iterations in which the variant is worse, iterations defined).
    pub worse: Vec<(u64, u64)>,
}

/// The partial result of a base scenario and its variants over `blocks`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialSet {
    /// Iterations of the whole run (not just these blocks).
    pub iterations: u64,
    pub blocks: Range<u64>,
    /// Whether cells keep every value (decided for the whole run).
    pub exact: bool,
    pub runs: Vec<PartialRun>,
    pub comparisons: Vec<PartialComparison>,
}

impl PartialSet {
    /// No blocks yet, starting at `first_block`, with the cells of `shape`, each with
    /// room for `capacity` kept values.
    pub fn empty(
        iterations: u64,
        first_block: u64,
        exact: bool,
        shape: &file::Shape,
        capacity: u64,
    ) -> PartialSet {
        let first = first_block == 0;
        let cells = |count| Cells::new(count, exact, capacity, first);
        PartialSet {
            iterations,
            blocks: first_block..first_block,
            exact,
            runs: shape
                .runs
                .iter()
                .map(|&(monthly, summary)| PartialRun {
                    monthly: cells(monthly),
                    summary: cells(summary),
                })
                .collect(),
            comparisons: shape
                .comparisons
                .iter()
                .map(|&metrics| PartialComparison {
                    difference: cells(metrics),
                    worse: vec![(0, 0); metrics],
                })
                .collect(),
        }
    }

    /// Whether these blocks are the whole run.
    pub fn is_complete(&self) -> bool {
        self.blocks == (0..block_count(self.iterations))
    }

    /// The statistics of the run, given the layouts and paired metrics the partial
    /// result was computed with. Panics unless [`Self::is_complete`].
    pub fn finish(self, layouts: Vec<OutputLayout>, pairs: Vec<Vec<ComparedMetric>>) -> SetResult {
        assert!(
            self.is_complete(),
            "only a complete partial result finishes"
        );
        let exact = self.exact;
        let runs = layouts
            .into_iter()
            .zip(self.runs)
            .map(|(layout, run)| RunResult {
                layout,
                monthly: run.monthly.finish(),
                summary: run.summary.finish(),
                exact_percentiles: exact,
            })
            .collect();
        let comparisons = pairs
            .into_iter()
            .zip(self.comparisons)
            .enumerate()
            .map(|(v, (metrics, partial))| Comparison {
                variant: v + 1,
                metrics,
                difference: partial.difference.finish(),
                p_worse: partial
                    .worse
                    .iter()
                    .map(|&(w, n)| if n == 0 { 0.0 } else { w as f64 / n as f64 })
                    .collect(),
            })
            .collect();
        SetResult { runs, comparisons }
    }
}

#[cfg(test)]
mod tests;
