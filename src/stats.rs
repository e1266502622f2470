//! Summary statistics over iterations: mean, sample sd and the type-7 percentiles of
//! SPEC section 6, exact or from a bounded streaming summary.
//!
//! - [`summarise_exact`] keeps every value: percentiles are exact type 7 (linear
//!   interpolation between order statistics, as R and numpy default).
//! - [`StreamingSummary`] keeps a fixed-size histogram on a power-of-two grid: its
//!   percentiles are within 0.005 × (max − min) of the exact ones; its mean and sd
//!   are computed exactly as the exact path computes them (to float rounding).
//!
//! NaN marks a value undefined in that iteration (an `income_change_pct` over a zero
//! baseline); it is left out, and a cell with no defined value has no summary.

/// The statistics of one output cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

impl Summary {
    /// A summary from the mean, the sd and the [`QUANTILES`] in order.
    pub fn new(mean: f64, sd: f64, percentiles: [f64; 5]) -> Self {
        let [p5, p25, p50, p75, p95] = percentiles;
        Summary {
            mean,
            sd,
            p5,
            p25,
            p50,
            p75,
            p95,
        }
    }

    /// The statistics in output column order: mean, sd, p5, p25, p50, p75, p95.
    pub fn to_array(&self) -> [f64; 7] {
        [
            self.mean, self.sd, self.p5, self.p25, self.p50, self.p75, self.p95,
        ]
    }
}

/// The percentiles every output row carries.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Type-7 quantile of sorted, non-empty values: `h = (n − 1) p`, then linear
/// interpolation between the order statistics around `h`.
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = h - below as f64;
    sorted[below] + fraction * (sorted[above] - sorted[below])
}

/// Mean and sample sd (n − 1; 0 for a single value), by two passes in slice order.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

/// Exact statistics of `values` (sorted in place); NaNs are left out; `None` when
/// nothing is left. The mean is summed in the order given, so callers pass values in
/// iteration order to be reproducible.
pub fn summarise_exact(values: &mut [f64]) -> Option<Summary> {
    let mut filtered;
    let defined: &mut [f64] = if values.iter().any(|v| v.is_nan()) {
        filtered = values
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect::<Vec<_>>();
        &mut filtered
    } else {
        values
    };
    if defined.is_empty() {
        return None;
    }
    let (mean, sd) = mean_sd(defined);
    defined.sort_by(f64::total_cmp);
    Some(Summary::new(
        mean,
        sd,
        QUANTILES.map(|p| quantile_type7(defined, p)),
    ))
}

/// Buckets a streaming summary may span. With `B` buckets the grid width `w` stays
/// below `2 (max − min) / (B − 2)` (see [`StreamingSummary`]), and each percentile
/// errs by less than `w`: 512 buckets give an error below 0.0040 × (max − min),
/// inside SPEC section 6's 0.005. Counts are `u32`: a run has fewer than 2^32
/// iterations, so a summary holds about 2 KiB.
pub const STREAMING_BUCKETS: usize = 512;

/// A bounded-memory summary of a stream of values.
///
/// Values fall in buckets of width `w = 2^k` on a grid anchored at the first value
/// (so huge magnitudes with a small spread keep small bucket indices). The histogram
/// covers at most `B` = [`STREAMING_BUCKETS`] buckets; a value beyond them doubles
/// `w` (merging aligned bucket pairs, exact) until it fits. The grid starts, at the
/// second distinct value, with the smallest `w ≥ span / (B − 2)`, so
/// `w < 2 span / (B − 2)`; afterwards `w` doubles only when the span needs more than
/// `B` buckets of the previous width, so `(max − min) > (B − 2) w / 2`. Either way
/// `w < 2 (max − min) / (B − 2)`.
///
/// Each order statistic is placed inside the bucket that holds it (spread evenly over
/// the bucket, clamped to [min, max]), so it errs by less than `w`; a type-7
/// percentile interpolates between two such order statistics, so it errs by less than
/// `w` too.
///
/// Mean and sd come from a running sum and a running sum of squared deviations from
/// the first value (shifted data, numerically safe for values far from zero), updated
/// in push order: the same pushes in the same order give the same bits.
#[derive(Debug, Clone)]
pub struct StreamingSummary {
    count: u64,
    min: f64,
    max: f64,
    shift: f64,
    sum: f64,
    sum_squares: f64,
    /// log2 of the bucket width, once a second distinct value has been seen.
    exponent: Option<i32>,
    /// Whether every value so far is a whole number (flags, counts): then, once
    /// buckets are at most half a unit wide (always when max − min < 255, since
    /// `w < 4 (max − min) / (B − 2)`), each holds one whole number and the
    /// percentiles are exact.
    all_integers: bool,
    /// 1 / bucket width (a power of two, so multiplying by it is exact).
    inverse_width: f64,
    /// Index (in units of the bucket width) of `counts[0]`.
    origin: i64,
    /// Offset from `origin` of the highest occupied bucket.
    top: i64,
    counts: Vec<u32>,
}

impl Default for StreamingSummary {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamingSummary {
    pub fn new() -> Self {
        StreamingSummary {
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            shift: 0.0,
            sum: 0.0,
            sum_squares: 0.0,
            exponent: None,
            all_integers: true,
            inverse_width: 1.0,
            origin: 0,
            top: 0,
            counts: Vec::new(),
        }
    }

    /// Upper bound of the memory one summary holds, in bytes.
    pub const MAX_BYTES: usize = std::mem::size_of::<Self>() + STREAMING_BUCKETS * 8;

    fn bucket_of(&self, x: f64) -> i64 {
        // floor() without a libm call on baseline x86-64: truncate, then step down
        // for negative non-integers.
        let scaled = (x - self.shift) * self.inverse_width;
        let truncated = scaled as i64;
        truncated - i64::from((truncated as f64) > scaled)
    }

    /// Adds one value; NaN is ignored (undefined in that iteration).
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        if self.count == 0 {
            self.shift = x;
        }
        self.count += 1;
        self.all_integers &= x.fract() == 0.0;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let d = x - self.shift;
        self.sum += d;
        self.sum_squares += d * d;
        if self.exponent.is_none() {
            if self.max.total_cmp(&self.min).is_eq() {
                return; // all values so far are equal: no grid needed yet
            }
            // The narrowest width that puts [min, max] in B − 1 buckets: then
            // span / (B − 2) <= w < 2 span / (B − 2).
            let span = self.max - self.min;
            let mut exponent = (span / (STREAMING_BUCKETS - 2) as f64).log2().ceil() as i32;
            // Keep both the width and its inverse normal numbers.
            exponent = exponent.clamp(-1020, 1020);
            self.exponent = Some(exponent);
            self.inverse_width = 2f64.powi(-exponent);
            self.origin = self.bucket_of(self.min);
            self.top = 0;
            self.counts = vec![0u32; STREAMING_BUCKETS];
            // The earlier values were all equal to `shift` (or to the new min/max):
            // re-add them to the grid.
            let earlier = self.count - 1;
            let first = self.shift;
            self.add_to_grid(first, u32::try_from(earlier).unwrap_or(u32::MAX));
            self.add_to_grid(x, 1);
            return;
        }
        self.add_to_grid(x, 1);
    }

    fn add_to_grid(&mut self, x: f64, times: u32) {
        if times == 0 {
            return;
        }
        const SPAN: i64 = STREAMING_BUCKETS as i64;
        loop {
            let offset = self.bucket_of(x) - self.origin;
            if (0..SPAN).contains(&offset) {
                self.counts[offset as usize] = self.counts[offset as usize].saturating_add(times);
                self.top = self.top.max(offset);
                return;
            }
            if offset < 0 && self.top - offset < SPAN {
                // Below the window but the occupied span still fits: slide it down.
                self.counts.rotate_right((-offset) as usize);
                self.origin += offset;
                self.top -= offset;
                self.counts[0] = self.counts[0].saturating_add(times);
                return;
            }
            self.coarsen_to_fit(offset + self.origin);
        }
    }

    /// Widens the buckets by the fewest doublings that fit `bucket` (an index at the
    /// current width) and everything already held into the window, merging aligned
    /// buckets in one pass: a stream whose first values lie close together may need
    /// dozens of doublings at once, and each pass over the counts costs `B`.
    fn coarsen_to_fit(&mut self, bucket: i64) {
        let low = bucket.min(self.origin);
        let high = bucket.max(self.origin + self.top);
        let mut doublings = 1u32;
        while (high >> doublings) - (low >> doublings) >= STREAMING_BUCKETS as i64 {
            doublings += 1;
        }
        // Arithmetic shifts floor towards minus infinity, as bucket indices need.
        let new_origin = self.origin >> doublings;
        let mut merged = vec![0u32; STREAMING_BUCKETS];
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                let index = ((self.origin + i as i64) >> doublings) - new_origin;
                merged[index as usize] = merged[index as usize].saturating_add(c);
            }
        }
        self.top = ((self.origin + self.top) >> doublings) - new_origin;
        self.counts = merged;
        self.origin = new_origin;
        self.exponent = Some(self.exponent.expect("grid exists") + doublings as i32);
        self.inverse_width *= 0.5f64.powi(doublings as i32);
    }

    /// The statistics so far; `None` before any defined value.
    pub fn summary(&self) -> Option<Summary> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let mean_shifted = self.sum / n;
        let mean = self.shift + mean_shifted;
        let sd = if self.count < 2 {
            0.0
        } else {
            ((self.sum_squares - n * mean_shifted * mean_shifted).max(0.0) / (n - 1.0)).sqrt()
        };
        Some(Summary::new(mean, sd, self.quantiles()))
    }

    /// Approximate type-7 [`QUANTILES`]: interpolation between the approximate order
    /// statistics around rank `h = (n − 1) p`, all found in one pass over the buckets.
    fn quantiles(&self) -> [f64; 5] {
        if self.exponent.is_none() {
            return [self.min; 5]; // every value is equal
        }
        let last = self.count - 1;
        let bounds = QUANTILES.map(|p| {
            let h = last as f64 * p;
            let below = h.floor() as u64;
            (h, below, (below + 1).min(last))
        });
        // The ten ranks, looked up in ascending order (a pair's upper rank may pass
        // the next pair's lower one when there are few values).
        let ranks: Vec<u64> = bounds.iter().flat_map(|&(_, lo, hi)| [lo, hi]).collect();
        let mut sorted = ranks.clone();
        sorted.sort_unstable();
        let found = self.order_statistics(&sorted);
        let values: Vec<f64> = ranks
            .iter()
            .map(|r| found[sorted.partition_point(|s| s < r)])
            .collect();
        let mut out = [0.0; 5];
        for (q, &(h, below, _)) in bounds.iter().enumerate() {
            let (low, high) = (values[2 * q], values[2 * q + 1]);
            out[q] = low + (h - below as f64) * (high - low);
        }
        out
    }

    /// The values of ascending 0-based `ranks`, each placed within the bucket that
    /// holds it (spread evenly over the bucket, clamped to [min, max]).
    fn order_statistics(&self, ranks: &[u64]) -> Vec<f64> {
        let width = 2f64.powi(self.exponent.expect("grid exists"));
        let mut out = Vec::with_capacity(ranks.len());
        let mut next = 0;
        let mut before = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            let c = u64::from(c);
            while next < ranks.len() && ranks[next] < before + c {
                let bucket_low = self.shift + (self.origin + i as i64) as f64 * width;
                let within = ((ranks[next] - before) as f64 + 0.5) / c as f64;
                let estimate = (bucket_low + within * width).clamp(self.min, self.max);
                // The estimate is within `width` of the true value; with whole numbers
                // and buckets at most half a unit wide, rounding recovers it exactly.
                out.push(if self.all_integers && width <= 0.5 {
                    estimate.round()
                } else {
                    estimate
                });
                next += 1;
            }
            before += c;
        }
        out.resize(ranks.len(), self.max);
        out
    }
}

/// Spearman rank correlation (average ranks for ties); `None` with fewer than three
/// pairs or when either side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let (mx, sx) = mean_sd(&rx);
    let (my, sy) = mean_sd(&ry);
    if sx == 0.0 || sy == 0.0 {
        return None;
    }
    let n = x.len() as f64;
    let covariance: f64 = rx
        .iter()
        .zip(&ry)
        .map(|(a, b)| (a - mx) * (b - my))
        .sum::<f64>()
        / (n - 1.0);
    Some(covariance / (sx * sy))
}

/// 1-based ranks, ties sharing their average rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len()
            && values[order[end + 1]]
                .total_cmp(&values[order[start]])
                .is_eq()
        {
            end += 1;
        }
        let average = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = average;
        }
        start = end + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn type7_matches_numpy() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15, 1.75, 2.5, 3.25, 3.85
        let s = summarise_exact(&mut [4.0, 1.0, 3.0, 2.0]).unwrap();
        for (got, want) in [
            (s.p5, 1.15),
            (s.p25, 1.75),
            (s.p50, 2.5),
            (s.p75, 3.25),
            (s.p95, 3.85),
        ] {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!((s.mean - 2.5).abs() < 1e-15);
        // sample sd of 1..4 = sqrt(5/3)
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn nan_is_left_out_and_all_nan_gives_none() {
        let s = summarise_exact(&mut [f64::NAN, 2.0, 4.0]).unwrap();
        assert_eq!(s.mean.to_bits(), 3f64.to_bits());
        assert!(summarise_exact(&mut [f64::NAN]).is_none());
        assert!(summarise_exact(&mut []).is_none());
    }

    #[test]
    fn single_value_has_zero_sd() {
        let s = summarise_exact(&mut [7.0]).unwrap();
        assert_eq!((s.sd, s.p5, s.p95), (0.0, 7.0, 7.0));
    }

    #[test]
    fn streaming_flags_and_small_counts_are_exact() {
        let values: Vec<f64> = (0..1000)
            .map(|i| f64::from(u8::from(i % 37 == 0)))
            .collect();
        let mut s = StreamingSummary::new();
        values.iter().for_each(|&v| s.push(v));
        let approx = s.summary().unwrap();
        let exact = summarise_exact(&mut values.clone()).unwrap();
        assert_eq!(approx.p95.to_bits(), exact.p95.to_bits());
        assert_eq!(approx.p50.to_bits(), exact.p50.to_bits());
        // w < 2 (max − min) / (B − 2) < 1 for a span of 250, so w <= 0.5.
        let counts: Vec<f64> = (0..999).map(|i| f64::from((i * 7919) % 251)).collect();
        let mut s = StreamingSummary::new();
        counts.iter().for_each(|&v| s.push(v));
        let approx = s.summary().unwrap();
        let exact = summarise_exact(&mut counts.clone()).unwrap();
        assert_eq!(
            (approx.p5, approx.p25, approx.p75),
            (exact.p5, exact.p25, exact.p75)
        );
    }

    #[test]
    fn streaming_equal_values_are_exact() {
        let mut s = StreamingSummary::new();
        (0..100).for_each(|_| s.push(-3.25));
        let summary = s.summary().unwrap();
        assert_eq!(
            (summary.p5, summary.p50, summary.p95, summary.sd),
            (-3.25, -3.25, -3.25, 0.0)
        );
    }

    /// The bound of SPEC section 6, with a margin: at most 0.005 × (max − min).
    const BOUND: f64 = 0.005;

    fn check_against_exact(values: &[f64]) {
        let mut streaming = StreamingSummary::new();
        values.iter().for_each(|&v| streaming.push(v));
        let approx = streaming.summary().unwrap();
        let exact = summarise_exact(&mut values.to_vec()).unwrap();
        let range = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - values.iter().cloned().fold(f64::INFINITY, f64::min);
        for (a, e) in [
            (approx.p5, exact.p5),
            (approx.p25, exact.p25),
            (approx.p50, exact.p50),
            (approx.p75, exact.p75),
            (approx.p95, exact.p95),
        ] {
            assert!(
                (a - e).abs() <= BOUND * range,
                "approx {a} exact {e} range {range}"
            );
        }
        let scale = exact.mean.abs().max(exact.sd).max(1.0);
        assert!((approx.mean - exact.mean).abs() <= 1e-9 * scale);
        assert!((approx.sd - exact.sd).abs() <= 1e-6 * scale);
    }

    proptest! {
        #[test]
        fn streaming_percentiles_stay_within_the_bound(
            values in prop::collection::vec(-1e6f64..1e6, 1..2000),
            scale in prop::sample::select(vec![1e-6, 1.0, 1e9]),
        ) {
            let scaled: Vec<f64> = values.iter().map(|v| v * scale).collect();
            check_against_exact(&scaled);
        }

        #[test]
        fn streaming_handles_heavy_tails(values in prop::collection::vec(0.0f64..1.0, 2..2000)) {
            // exp(20 u) spans eight orders of magnitude, most mass near 1.
            let tails: Vec<f64> = values.iter().map(|u| (20.0 * u).exp()).collect();
            check_against_exact(&tails);
        }
    }

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 4.0, 9.0, 16.0, 25.0];
        assert!((spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        let z: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!((spearman(&x, &z).unwrap() + 1.0).abs() < 1e-12);
        assert!(spearman(&x, &[1.0; 5]).is_none());
    }

    #[test]
    fn spearman_with_ties_uses_average_ranks() {
        // x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4: Pearson of the ranks.
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[10.0, 20.0, 30.0, 40.0]).unwrap();
        let expected = 4.5 / (4.5f64.sqrt() * 5.0f64.sqrt());
        assert!((r - expected).abs() < 1e-12, "{r} vs {expected}");
    }
}
