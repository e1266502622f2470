//! For tests of streamed runs: SPEC section 6 bounds a streamed percentile's error by
//! `0.005 × (max − min)` of its cell's values, so a check needs each cell's range,
//! which only the engine's iterations themselves give.

use crate::engine::Simulator;
use crate::scenario::Scenario;
use crate::stats::Summary;

/// A cell's `(min, max)`, one per cell.
pub(crate) type Ranges = Vec<(f64, f64)>;

/// Each cell's `(min, max)` over iterations `0..iterations` of `scenario` with
/// `seed`, NaN left out: monthly cells, then summary metrics.
pub(crate) fn cell_ranges(scenario: &Scenario, seed: u64, iterations: u64) -> (Ranges, Ranges) {
    let mut simulator = Simulator::new(scenario);
    let (mut monthly_range, mut summary_range) = (Vec::new(), Vec::new());
    for i in 0..iterations {
        let (monthly, summary) = simulator.iterate(seed, i);
        for (ranges, values) in [(&mut monthly_range, monthly), (&mut summary_range, summary)] {
            ranges.resize(values.len(), (f64::INFINITY, f64::NEG_INFINITY));
            for (r, &v) in ranges.iter_mut().zip(values) {
                if !v.is_nan() {
                    *r = (r.0.min(v), r.1.max(v));
                }
            }
        }
    }
    (monthly_range, summary_range)
}

/// Asserts that a streamed summary's quartiles are within SPEC section 6's bound of
/// the exact ones, for a cell whose values span `(min, max)` (plus rounding).
pub(crate) fn assert_quartiles_within_bound(
    streamed: &Summary,
    exact: &Summary,
    (min, max): (f64, f64),
) {
    let bound = 0.005 * (max - min) + 1e-9 * exact.mean.abs().max(1.0);
    let pairs = [
        (streamed.p25, exact.p25),
        (streamed.p50, exact.p50),
        (streamed.p75, exact.p75),
    ];
    for (approx, exact_value) in pairs {
        assert!(
            (approx - exact_value).abs() <= bound,
            "{streamed:?} vs {exact:?}"
        );
    }
}
