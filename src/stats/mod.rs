//! Summary statistics over iterations: mean, sample sd and the type-7 percentiles of
//! SPEC section 6, exact or from a bounded streaming summary.
//!
//! - [`summarise_exact`] keeps every value: percentiles are exact type 7 (linear
//!   interpolation between order statistics, as R and numpy default);
//!   [`summarise_exact_each`] gives the same bits for many cells, faster.
//! - [`StreamingSummary`] keeps a fixed-size histogram on a power-of-two grid: its
//!   percentiles are within 0.0040 × (max − min) of the exact ones (SPEC section 6
//!   allows 0.005); its mean and sd equal the exact ones to float rounding.
//!
//! The streaming parts live in [`histogram`] (percentiles) and [`moments`] (mean and
//! sd); both are built so that a run split into shards merges to identical bits.
//!
//! NaN marks a value undefined in that iteration (an `income_change_pct` over a zero
//! baseline); it is left out, and a cell with no defined value has no summary.

mod counts;
mod exact_each;
pub mod histogram;
pub mod moments;
mod select;
pub mod tolerance;

pub use exact_each::summarise_exact_each;
pub use histogram::Histogram;
pub use moments::{BlockSums, MomentChain, Moments};

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
    let [q] = type7_percentiles(sorted.len() as u64, [p], |ranks| {
        ranks.iter().map(|&r| sorted[r as usize]).collect()
    });
    q
}

/// Type-7 percentiles of `count > 0` values at `probabilities`: for each, `h = (n − 1)
/// p` and linear interpolation between the order statistics at `⌊h⌋` and `⌊h⌋ + 1`.
/// `order_statistics` gives the values at ascending, distinct 0-based ranks; this is
/// the one place the rule is written, whether the values are sorted, selected
/// ([`type7_by_selection`]) or binned ([`Histogram::percentiles`]).
pub(crate) fn type7_percentiles<const K: usize>(
    count: u64,
    probabilities: [f64; K],
    order_statistics: impl FnOnce(&[u64]) -> Vec<f64>,
) -> [f64; K] {
    let last = count - 1;
    let bounds = probabilities.map(|p| {
        let h = last as f64 * p;
        let below = h.floor() as u64;
        (h, below, (below + 1).min(last))
    });
    let mut ranks: Vec<u64> = bounds.iter().flat_map(|&(_, lo, hi)| [lo, hi]).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let found = order_statistics(&ranks);
    let value_of = |rank: u64| found[ranks.partition_point(|&r| r < rank)];
    bounds.map(|(h, below, above)| {
        let (low, high) = (value_of(below), value_of(above));
        low + (h - below as f64) * (high - low)
    })
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

/// Exact statistics of `values`; NaNs are left out; `None` when nothing is left. The
/// mean is summed in the order given, so callers pass values in iteration order to be
/// reproducible.
pub fn summarise_exact(values: &[f64]) -> Option<Summary> {
    let filtered: Vec<f64>;
    let defined = if values.iter().any(|v| v.is_nan()) {
        filtered = values.iter().copied().filter(|v| !v.is_nan()).collect();
        &filtered
    } else {
        values
    };
    if defined.is_empty() {
        return None;
    }
    let (mean, sd) = mean_sd(defined);
    Some(Summary::new(
        mean,
        sd,
        type7_by_selection(defined, QUANTILES),
    ))
}

/// Type-7 percentiles of non-empty `values`, the same bits as sorting them with
/// `total_cmp` and calling [`quantile_type7`], found by selection: only the order
/// statistics the percentiles need (two each at most) are found, by radix selection
/// on integer keys (`order_key`; see `select`) in about three passes over the
/// values instead of a sort. Under a total order the value of each rank is unique,
/// so how the values get there cannot change it.
pub fn type7_by_selection<const K: usize>(values: &[f64], probabilities: [f64; K]) -> [f64; K] {
    type7_percentiles(values.len() as u64, probabilities, |ranks| {
        let ranks: Vec<usize> = ranks.iter().map(|&r| r as usize).collect();
        let mut found = vec![0; ranks.len()];
        SELECTION_KEYS.with_borrow_mut(|keys| {
            keys.clear();
            keys.extend(values.iter().map(|&v| order_key(v)));
            select::select_ranks(keys, &ranks, &mut found);
        });
        found.into_iter().map(from_order_key).collect()
    })
}

thread_local! {
    /// Scratch for [`type7_by_selection`], kept per thread so that summarising many
    /// cells allocates once.
    static SELECTION_KEYS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An integer whose order is `f64::total_cmp`'s: negative numbers have every bit but
/// the sign flipped (as `total_cmp` does), then the sign bit is flipped so that the
/// comparison is unsigned.
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    let flipped = bits ^ ((((bits as i64) >> 63) as u64) >> 1);
    flipped ^ (1 << 63)
}

/// The inverse of [`order_key`].
fn from_order_key(key: u64) -> f64 {
    let flipped = key ^ (1 << 63);
    f64::from_bits(flipped ^ ((((flipped as i64) >> 63) as u64) >> 1))
}

/// A bounded-memory summary of one cell's stream of values: a [`Histogram`] for the
/// percentiles (order-independent) and block-wise [`Moments`] for mean and sd
/// (combined in block order). The caller marks the end of every block of iterations
/// with [`Self::end_block`]; the blocks are the same for any thread count or sharding,
/// so the result is too.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamingSummary {
    histogram: Histogram,
    block: BlockSums,
    moments: MomentChain,
}

impl StreamingSummary {
    /// An empty summary of blocks starting at block 0 or later (see [`MomentChain`]).
    pub fn new(starts_at_first_block: bool) -> Self {
        StreamingSummary {
            histogram: Histogram::new(),
            block: BlockSums::default(),
            moments: MomentChain::new(starts_at_first_block),
        }
    }

    /// Upper bound of the memory one summary of `values` values holds, in bytes (its
    /// moment chain's few blocks aside).
    pub const fn max_bytes(values: u64) -> usize {
        std::mem::size_of::<Self>() + Histogram::heap_bytes(values)
    }

    /// Adds one value of the current block; NaN is ignored.
    #[inline]
    pub fn push(&mut self, x: f64) {
        if self.histogram.push_inside(x) {
            self.block.push_defined(x);
        } else if !x.is_nan() {
            self.histogram.push_outside(x);
            self.block.push_defined(x);
        }
    }

    /// Adds values of the current block in order, as [`Self::push`] one by one
    /// would, with the block's sums kept in registers meanwhile (see
    /// [`Histogram::push_each`]). Into an empty summary, the histogram's grid is set
    /// for the values' range first ([`Histogram::cover`]), the same bits sooner.
    #[inline]
    pub fn push_each<I>(&mut self, values: I)
    where
        I: IntoIterator<Item = f64>,
        I::IntoIter: Clone,
    {
        let values = values.into_iter();
        if self.histogram.count() == 0 {
            self.histogram.cover(values.clone());
        }
        let mut block = self.block;
        self.histogram.push_each(values, |x| block.push_defined(x));
        self.block = block;
    }

    /// Adds `n` copies of `x` to the current block at once, when that gives the bits
    /// of `n` pushes: `x` NaN (pushes ignore it), or `x` finite in a block that is
    /// empty or started with `x` (see [`BlockSums::push_repeated`]). Says whether it did;
    /// otherwise nothing changed, and the caller pushes the values one way or another.
    #[inline]
    pub fn push_repeated(&mut self, x: f64, n: u32) -> bool {
        if x.is_nan() {
            return true;
        }
        if !x.is_finite() || !self.block.push_repeated(x, u64::from(n)) {
            return false;
        }
        self.histogram.push_repeated(x, n);
        true
    }

    /// See [`Histogram::touch`].
    #[inline]
    pub fn touch(&self) -> u32 {
        self.histogram.touch() ^ self.block.touch()
    }

    /// Closes the current block.
    pub fn end_block(&mut self) {
        let block = self.block.take();
        self.moments.push(block);
    }

    /// Adds the values of `later`, whose blocks follow these.
    pub fn append(&mut self, later: StreamingSummary) {
        debug_assert!(self.block.is_empty() && later.block.is_empty());
        self.histogram.merge(&later.histogram);
        self.moments.append(later.moments);
    }

    /// The statistics of the closed blocks; `None` before any defined value.
    pub fn summary(&self) -> Option<Summary> {
        let (mean, sd) = self.moments.total().mean_sd()?;
        Some(Summary::new(
            mean,
            sd,
            self.histogram.percentiles(QUANTILES)?,
        ))
    }

    /// The state, for partial-result files (every block closed).
    pub fn parts(&self) -> (&Histogram, &MomentChain) {
        debug_assert!(self.block.is_empty());
        (&self.histogram, &self.moments)
    }

    /// A summary from [`Self::parts`].
    pub fn from_parts(histogram: Histogram, moments: MomentChain) -> Self {
        StreamingSummary {
            histogram,
            block: BlockSums::default(),
            moments,
        }
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

    #[test]
    fn type7_matches_numpy() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15, 1.75, 2.5, 3.25, 3.85
        let s = summarise_exact(&[4.0, 1.0, 3.0, 2.0]).unwrap();
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

    proptest::proptest! {
        /// Selection gives the bits a sort gives, ties, signed zeros and infinities
        /// included.
        #[test]
        fn selection_equals_sorting(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    -1e6f64..1e6,
                    proptest::strategy::Just(0.0),
                    proptest::strategy::Just(-0.0),
                    proptest::strategy::Just(1.0),
                    proptest::strategy::Just(f64::INFINITY),
                    proptest::strategy::Just(f64::NEG_INFINITY),
                ],
                1..700,
            ),
        ) {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let want = QUANTILES.map(|p| quantile_type7(&sorted, p));
            let got = type7_by_selection(&values, QUANTILES);
            proptest::prop_assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits));
            let ends = type7_by_selection(&values, [0.0, 1.0, 0.999]);
            let want = [0.0, 1.0, 0.999].map(|p| quantile_type7(&sorted, p));
            proptest::prop_assert_eq!(ends.map(f64::to_bits), want.map(f64::to_bits));
        }
    }

    #[test]
    fn nan_is_left_out_and_all_nan_gives_none() {
        let s = summarise_exact(&[f64::NAN, 2.0, 4.0]).unwrap();
        assert_eq!(s.mean.to_bits(), 3f64.to_bits());
        assert!(summarise_exact(&[f64::NAN]).is_none());
        assert!(summarise_exact(&[]).is_none());
    }

    #[test]
    fn single_value_has_zero_sd() {
        let s = summarise_exact(&[7.0]).unwrap();
        assert_eq!((s.sd, s.p5, s.p95), (0.0, 7.0, 7.0));
    }

    #[test]
    fn streaming_summary_is_close_to_exact_for_any_blocks() {
        let values: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as f64 * 1.5 - 300.0)
            .collect();
        let exact = summarise_exact(&values).unwrap();
        for block in [1, 256, 1000] {
            let mut s = StreamingSummary::new(true);
            for chunk in values.chunks(block) {
                chunk.iter().for_each(|&v| s.push(v));
                s.end_block();
            }
            let approx = s.summary().unwrap();
            assert!((approx.mean - exact.mean).abs() < 1e-9);
            assert!((approx.sd - exact.sd).abs() < 1e-9);
            let range = 1012.0 * 1.5;
            assert!((approx.p50 - exact.p50).abs() <= histogram::PERCENTILE_ERROR_BOUND * range);
        }
    }

    /// A block pushed in one call keeps the bits of the block pushed value by value,
    /// NaN and new extremes included.
    #[test]
    fn a_summary_takes_a_block_at_once_as_value_by_value() {
        let values: Vec<f64> = (0..700)
            .map(|i| match i % 97 {
                0 => f64::NAN,
                _ => ((i * 7919) % 1013) as f64 * 0.37 - (i as f64).sqrt(),
            })
            .collect();
        let (mut one, mut many) = (StreamingSummary::new(true), StreamingSummary::new(true));
        for block in values.chunks(256) {
            block.iter().for_each(|&v| one.push(v));
            many.push_each(block.iter().copied());
            one.end_block();
            many.end_block();
        }
        assert_eq!(one, many);
        assert_eq!(
            one.summary().unwrap().to_array().map(f64::to_bits),
            many.summary().unwrap().to_array().map(f64::to_bits)
        );
    }

    proptest::proptest! {
        /// Copies of one value taken at once leave the bits of pushing them one by
        /// one, whatever came before in the block (other values, signed zeros,
        /// infinities, NaN), or the shortcut declines and changes nothing.
        #[test]
        fn copies_taken_at_once_are_pushed_one_by_one(
            chunks in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        -1e6f64..1e6,
                        proptest::strategy::Strategy::prop_map(0u32..4, f64::from),
                        proptest::strategy::Just(0.0),
                        proptest::strategy::Just(-0.0),
                        proptest::strategy::Just(f64::NAN),
                        proptest::strategy::Just(f64::INFINITY),
                    ],
                    0u32..40,
                    proptest::bool::ANY,
                ),
                1..30,
            ),
        ) {
            let (mut one, mut many) = (StreamingSummary::new(true), StreamingSummary::new(true));
            for (i, &(x, n, ends_block)) in chunks.iter().enumerate() {
                (0..n).for_each(|_| one.push(x));
                let before = format!("{many:?}");
                if !many.push_repeated(x, n) {
                    proptest::prop_assert_eq!(&format!("{many:?}"), &before, "declined, yet changed");
                    many.push_each((0..n).map(|_| x));
                }
                // Debug prints −0 and +0 apart, so this compares the bits.
                proptest::prop_assert_eq!(format!("{one:?}"), format!("{many:?}"), "after chunk {}", i);
                if ends_block {
                    one.end_block();
                    many.end_block();
                }
            }
            one.end_block();
            many.end_block();
            proptest::prop_assert_eq!(format!("{one:?}"), format!("{many:?}"));
        }
    }

    #[test]
    fn copies_are_taken_at_once_in_a_block_that_started_with_them() {
        let mut s = StreamingSummary::new(true);
        assert!(s.push_repeated(3.0, 10));
        assert!(s.push_repeated(3.0, 5), "the block started with 3");
        assert!(s.push_repeated(f64::NAN, 5), "NaN is ignored");
        assert!(!s.push_repeated(4.0, 5), "4 would move the sums");
        s.push(4.0);
        assert!(s.push_repeated(3.0, 5), "3 still adds +0 to the sums");
        assert!(
            !s.push_repeated(-0.0, 1),
            "−0 is not the 3 the block started with"
        );
        assert!(
            !s.push_repeated(f64::INFINITY, 5),
            "infinities move the sums"
        );
        s.end_block();
        assert!(s.push_repeated(4.0, 2), "a new block starts with copies");
        s.end_block();
        assert_eq!(s.histogram.count(), 23);
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
