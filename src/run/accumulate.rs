//! Accumulation: the state of every output cell over a range of whole blocks of
//! iterations ([`Accumulated`]), which later blocks can be appended to, and which, once
//! it covers every block, finishes into the statistics of the run.
//!
//! Every run goes this way: a plain run accumulates all blocks and finishes; a shard
//! accumulates its own blocks and writes them to a part file (`crate::shard`); a merge
//! reads the parts onto one accumulation in block order and finishes it. Appending is
//! exact (kept values are concatenated, histograms merged order-independently, block
//! moments folded in block order; see [`crate::stats`]), so a merged run is the single
//! run, bit for bit.

use std::ops::Range;

use rayon::prelude::*;

use super::blocks::{BLOCK_ITERATIONS, block_count};
use super::layout::{RunLayout, Shape};
use super::results::{Comparison, RunResult, SetResult};
use crate::stats::{StreamingSummary, Summary, summarise_exact_each};

/// Kept-value cells summarised per task in [`Cells::finish`]: a multiple of the
/// cells `summarise_exact_each` sums side by side.
const EXACT_CELLS_PER_TASK: usize = 16;

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
        // In parallel: a large run's cells are most of its memory, and each page is
        // zeroed by the thread that first writes it (for kept values, the allocator
        // writes a header into each cell's first page).
        if exact {
            Cells::Exact(
                (0..count)
                    .into_par_iter()
                    .map(|_| Vec::with_capacity(capacity as usize))
                    .collect(),
            )
        } else {
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
            cells.par_iter_mut().for_each(StreamingSummary::end_block);
        }
    }

    /// The statistics of every cell.
    pub fn finish(self) -> Vec<Option<Summary>> {
        match self {
            // A few cells per task, whose sums are taken side by side; each task
            // frees its cells' values as it goes, as the memory is large.
            Cells::Exact(mut cells) => cells
                .par_chunks_mut(EXACT_CELLS_PER_TASK)
                .flat_map_iter(|cells| {
                    let summaries = summarise_exact_each(cells);
                    cells.iter_mut().for_each(|values| *values = Vec::new());
                    summaries
                })
                .collect(),
            Cells::Streaming(cells) => cells.par_iter().map(StreamingSummary::summary).collect(),
        }
    }
}

/// One scenario's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioCells {
    pub monthly: Cells,
    pub summary: Cells,
}

/// One variant's paired differences with the base.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonCells {
    pub difference: Cells,
    /// By metric: (iterations in which the variant is worse, iterations defined).
    pub worse: Vec<(u64, u64)>,
}

/// The cells of a base scenario and its variants accumulated over `blocks`.
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulated {
    /// Iterations of the whole run (not just these blocks).
    pub iterations: u64,
    pub blocks: Range<u64>,
    /// Whether cells keep every value (decided for the whole run).
    pub exact: bool,
    pub runs: Vec<ScenarioCells>,
    pub comparisons: Vec<ComparisonCells>,
}

impl Accumulated {
    /// No blocks yet, starting at `first_block`, with the cells of `shape`, each with
    /// room for `capacity` kept values.
    pub fn empty(
        iterations: u64,
        first_block: u64,
        exact: bool,
        shape: &Shape,
        capacity: u64,
    ) -> Accumulated {
        let first = first_block == 0;
        let cells = |count| Cells::new(count, exact, capacity, first);
        Accumulated {
            iterations,
            blocks: first_block..first_block,
            exact,
            runs: shape
                .runs
                .iter()
                .map(|&(monthly, summary)| ScenarioCells {
                    monthly: cells(monthly),
                    summary: cells(summary),
                })
                .collect(),
            comparisons: shape
                .comparisons
                .iter()
                .map(|&metrics| ComparisonCells {
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

    /// The statistics of the run, given the layout the cells were accumulated with.
    /// Panics unless [`Self::is_complete`].
    pub fn finish(self, layout: RunLayout) -> SetResult {
        assert!(self.is_complete(), "only a complete accumulation finishes");
        let RunLayout { layouts, pairs } = layout;
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
            .map(|(v, (metrics, cells))| Comparison {
                variant: v + 1,
                metrics,
                difference: cells.difference.finish(),
                p_worse: cells
                    .worse
                    .iter()
                    .map(|&(w, n)| if n == 0 { 0.0 } else { w as f64 / n as f64 })
                    .collect(),
            })
            .collect();
        SetResult { runs, comparisons }
    }

    /// The statistics of a run that kept only the summary metrics at `only` (see
    /// `Run::only_summary`), spread back to their places in the layout.
    pub fn finish_only(self, layout: RunLayout, only: &[usize]) -> SetResult {
        let (_, selected) = layout.selected(only);
        let pairs = layout
            .pairs
            .iter()
            .zip(&selected)
            .map(|(metrics, kept)| kept.iter().map(|&k| metrics[k].clone()).collect())
            .collect();
        let mut set = self.finish(RunLayout {
            layouts: layout.layouts,
            pairs,
        });
        for run in &mut set.runs {
            let kept = std::mem::take(&mut run.summary);
            run.summary = vec![None; run.layout.summary_len()];
            for (&index, summary) in only.iter().zip(kept) {
                run.summary[index] = summary;
            }
        }
        set
    }
}

/// The statistics one cell of a run would give of `values` (one per iteration, in
/// order): kept exactly or streamed (`exact`), blocks closed where a run closes them.
/// For analyses that know a cell's values without running it (`crate::sensitivity`).
pub fn summarise_as_run(values: &[f64], exact: bool) -> Option<Summary> {
    let mut cells = Cells::new(1, exact, values.len() as u64, true);
    for block in values.chunks(BLOCK_ITERATIONS as usize) {
        match &mut cells {
            Cells::Exact(cells) => cells[0].extend_from_slice(block),
            Cells::Streaming(cells) => block.iter().for_each(|&v| cells[0].push(v)),
        }
        cells.end_block();
    }
    cells.finish().pop().flatten()
}
