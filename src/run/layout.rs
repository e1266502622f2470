//! The cells of a run: each scenario's output layout, the metrics paired between the
//! base and each variant, and what follows from them (the cell counts, and a
//! fingerprint that two runs storing the same cells in the same places share).

use crate::compare::{ComparedMetric, paired_metrics};
use crate::engine::OutputLayout;
use crate::hash::sha256_hex;
use crate::scenario::Scenario;

/// The output layout of every scenario of a run (the base first), and the metrics
/// paired between the base and each variant.
#[derive(Debug, Clone)]
pub struct RunLayout {
    pub layouts: Vec<OutputLayout>,
    /// One list per variant.
    pub pairs: Vec<Vec<ComparedMetric>>,
}

/// The cell counts of a run: (monthly, summary) per scenario, and paired metrics per
/// variant. What a part file must hold to belong to a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub runs: Vec<(usize, usize)>,
    pub comparisons: Vec<usize>,
}

impl RunLayout {
    /// The layout of a run of `scenarios`: a base scenario, then its variants.
    pub fn of(scenarios: &[&Scenario]) -> RunLayout {
        let layouts: Vec<OutputLayout> = scenarios.iter().map(|s| OutputLayout::new(s)).collect();
        let pairs = layouts[1..]
            .iter()
            .map(|variant| paired_metrics(&layouts[0], variant))
            .collect();
        RunLayout { layouts, pairs }
    }

    /// The cell counts.
    pub fn shape(&self) -> Shape {
        Shape {
            runs: self
                .layouts
                .iter()
                .map(|l| (l.monthly_len(), l.summary_len()))
                .collect(),
            comparisons: self.pairs.iter().map(Vec::len).collect(),
        }
    }

    /// The cells of a run that keeps only the summary metrics at `only` (see
    /// `Run::only_summary`): no monthly cells, those metrics, and the paired metrics
    /// among them, by their position in each variant's list.
    pub fn selected(&self, only: &[usize]) -> (Shape, Vec<Vec<usize>>) {
        let pairs: Vec<Vec<usize>> = self
            .pairs
            .iter()
            .map(|metrics| {
                (0..metrics.len())
                    .filter(|&k| only.contains(&metrics[k].base_index))
                    .collect()
            })
            .collect();
        let shape = Shape {
            runs: vec![(0, only.len()); self.layouts.len()],
            comparisons: pairs.iter().map(Vec::len).collect(),
        };
        (shape, pairs)
    }

    /// SHA-256 of every output cell's name, in order: two runs with the same
    /// fingerprint store the same cells in the same places (checked before shards are
    /// merged).
    pub fn sha256(&self) -> String {
        let mut text = String::new();
        for layout in &self.layouts {
            text.push_str(&format!("months {}\n", layout.months()));
            for name in layout.monthly_names().iter().chain(layout.summary_names()) {
                text.push_str(&format!("{name:?}\n"));
            }
            for year in layout.years() {
                text.push_str(&format!("{year:?}\n"));
            }
            for cell in layout.year_cells() {
                text.push_str(&format!("{cell:?}\n"));
            }
        }
        for metrics in &self.pairs {
            for metric in metrics {
                text.push_str(&format!("{metric:?}\n"));
            }
        }
        sha256_hex(text.as_bytes())
    }
}

impl Shape {
    /// Values one iteration adds over every cell (every scenario's cells and every
    /// paired difference).
    pub fn values_per_iteration(&self) -> u64 {
        let runs: usize = self.runs.iter().map(|&(m, y)| m + y).sum();
        let pairs: usize = self.comparisons.iter().sum();
        (runs + pairs) as u64
    }
}
