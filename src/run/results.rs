//! What a run gives back: the statistics of every output cell of each scenario, and
//! the paired comparison of each variant with the base.

use crate::compare::ComparedMetric;
use crate::engine::OutputLayout;
use crate::stats::Summary;

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

/// A paired comparison of one variant with the base (see [`crate::compare`]).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Index of the variant in the scenarios run (1 and up).
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
