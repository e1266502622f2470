//! A bounded, mergeable histogram of a stream of values, from which percentiles are
//! estimated within SPEC section 6's bound (0.005 × (max − min)).
//!
//! Its state is a function of the **multiset** of values pushed, never of their order
//! or of how they were split: pushing values one by one, or pushing two halves into
//! two histograms and merging them, gives identical bits. That is what lets a sharded
//! run (`phbsim run --shard`) be merged into exactly the numbers of a single run.
//!
//! The grid is canonical. Bucket `b` at exponent `e` holds the values `x` with
//! `floor(x / 2^e) = b`; the window starts at the bucket of the smallest value and
//! spans [`BUCKETS`]; `e` is the smallest exponent at which
//!
//! - the smallest and largest finite values fall fewer than `BUCKETS` buckets apart,
//!   and
//! - every bucket index stays below 2^62 in magnitude (so indices fit in `i64`).
//!
//! Both conditions only get harder to meet as values are added and easier as `e`
//! grows, so coarsening whenever a new extreme needs it reaches that smallest `e`
//! whatever the order. Coarsening halves the resolution exactly
//! (`floor(x / 2^(e+1)) = floor(x / 2^e) >> 1`).
//!
//! Error bound: when `e` is set by the span, one step finer did not fit, so
//! `max − min > (B − 1) w / 2` with `w = 2^e`; an order statistic is placed inside the
//! bucket that holds it, so it errs by less than `w < 2 (max − min) / (B − 1)`, under
//! 0.0040 × (max − min) for 512 buckets. (When the index limit sets `e`, the values
//! lie within a few hundred units in the last place of each other and buckets are
//! finer than that.) A type-7 percentile interpolates between two order statistics, so
//! it errs by less than `w` too. Infinities are counted apart and sort at the ends.

use super::counts::BucketCounts;

/// Buckets in the window: about 1 KiB of two-byte counts per histogram (see
/// `stats::counts`). A power of two.
pub const BUCKETS: usize = 512;
const _: () = assert!(BUCKETS.is_power_of_two());

/// Buckets [`Histogram::order_statistics`] passes over at once where no rank falls.
const SCAN_GROUP: usize = 16;
const _: () = assert!(BUCKETS.is_multiple_of(SCAN_GROUP));

/// A percentile errs by less than this share of (max − min) (see the module header).
pub const PERCENTILE_ERROR_BOUND: f64 = 2.0 / (BUCKETS as f64 - 1.0);
const _: () = assert!(PERCENTILE_ERROR_BOUND < 0.005);

/// Exponents stay in this range, so that `2^e` and `2^-e` are normal numbers.
const MIN_EXPONENT: i32 = -1020;
const MAX_EXPONENT: i32 = 1020;

/// Largest bucket index magnitude allowed.
const INDEX_LIMIT: f64 = (1u64 << 62) as f64;

/// `floor(x / 2^e)`, given `inverse_width = 2^-e`, for `|x / 2^e| < 2^63`.
#[inline]
fn bucket(x: f64, inverse_width: f64) -> i64 {
    // floor() without a libm call on baseline x86-64: truncate, then step down for
    // negative non-integers. Multiplying by a power of two is exact.
    let scaled = x * inverse_width;
    let truncated = scaled as i64;
    truncated - i64::from((truncated as f64) > scaled)
}

/// `x`, with −0 taken as +0: the grid's ends keep one zero, because min(−0, +0) may
/// return either and `low` is printed via clamping.
#[inline]
fn one_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// Whether finite `x` is a whole number, without a libm call (every float from 2^53
/// on is whole).
#[inline]
fn is_whole(x: f64) -> bool {
    x.abs() >= 9_007_199_254_740_992.0 || x.to_bits() == ((x as i64) as f64).to_bits() || x == 0.0
}

/// Whether the finite values in `[low, high]` fit the window at exponent `e`.
fn fits(low: f64, high: f64, e: i32) -> bool {
    fits_scaled(low, high, 2f64.powi(-e))
}

/// [`fits`] given `inverse = 2^-e`.
#[inline]
fn fits_scaled(low: f64, high: f64, inverse: f64) -> bool {
    let (a, b) = (low * inverse, high * inverse);
    if !(a.abs() < INDEX_LIMIT && b.abs() < INDEX_LIMIT) {
        return false;
    }
    bucket(high, inverse) - bucket(low, inverse) < BUCKETS as i64
}

/// The smallest exponent `≥ from` at which `[low, high]` fits (see the module header).
fn required_exponent(low: f64, high: f64, from: i32) -> i32 {
    // A lower bound from logarithms, one step low for safety; then step up to the
    // first exponent that fits (usually one or two checks).
    let span = high - low;
    let magnitude = low.abs().max(high.abs());
    let mut guess = MIN_EXPONENT;
    if span > 0.0 {
        guess = guess.max((span / (BUCKETS as f64 + 1.0)).log2().floor() as i32);
    }
    if magnitude > 0.0 {
        guess = guess.max((magnitude / INDEX_LIMIT).log2().floor() as i32);
    }
    let mut e = guess.saturating_sub(1).clamp(from, MAX_EXPONENT);
    while e < MAX_EXPONENT && !fits(low, high, e) {
        e += 1;
    }
    e
}

/// See the module header.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Values pushed (NaN excluded), infinities included.
    count: u64,
    negative_infinities: u64,
    positive_infinities: u64,
    /// Smallest and largest finite values (+∞ and −∞ while there are none).
    low: f64,
    high: f64,
    /// Whether every value is a whole number (flags, counts): with buckets at most
    /// half a unit wide each holds one whole number, and percentiles are exact.
    all_integers: bool,
    /// Bucket width `2^exponent`, and `2^-exponent`.
    exponent: i32,
    inverse_width: f64,
    /// Bucket index of `counts[0]`: `floor(low / 2^exponent)`.
    origin: i64,
    /// Inline (but for counts past 65,535), so a run's histograms lie in one array
    /// that is swept in order.
    counts: BucketCounts<BUCKETS>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    pub fn new() -> Self {
        Histogram {
            count: 0,
            negative_infinities: 0,
            positive_infinities: 0,
            low: f64::INFINITY,
            high: f64::NEG_INFINITY,
            all_integers: true,
            exponent: MIN_EXPONENT,
            inverse_width: 2f64.powi(-MIN_EXPONENT),
            origin: 0,
            counts: BucketCounts::zeroed(),
        }
    }

    /// Upper bound of the memory a histogram of `values` values holds beyond its own
    /// size, in bytes: the counts' high block, once a bucket can pass 65,535.
    pub const fn heap_bytes(values: u64) -> usize {
        if values > BucketCounts::<BUCKETS>::MOST_WITHOUT_HIGH {
            BucketCounts::<BUCKETS>::HIGH_BYTES
        } else {
            0
        }
    }

    /// Whether a finite value has been seen (and so the grid is set).
    fn has_grid(&self) -> bool {
        self.low <= self.high
    }

    /// Reads one word of every cache line of the counts, in address order, and
    /// returns a meaningless checksum. Sweeping a tile of histograms this way before
    /// pushing into it lets the hardware prefetcher stream them from memory, instead of
    /// paying a full memory latency on each push's first touch of a line.
    #[inline]
    pub fn touch(&self) -> u32 {
        let header = (self.count ^ self.low.to_bits() ^ self.high.to_bits()) as u32;
        self.counts.touch(header)
    }

    /// Values held (NaN is never held).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds one value; NaN is ignored (undefined in that iteration).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if !self.push_inside(x) && !x.is_nan() {
            self.push_outside(x);
        }
    }

    /// Adds `x` if it lies inside the finite range seen so far (the common case: the
    /// grid stands), and says whether it did. NaN never does.
    #[inline]
    pub fn push_inside(&mut self, x: f64) -> bool {
        if !(x >= self.low && x <= self.high) {
            return false;
        }
        let index = bucket(x, self.inverse_width) - self.origin;
        // In range by the grid's invariant.
        self.counts.increment(index as usize);
        self.count += 1;
        if self.all_integers {
            self.all_integers = is_whole(x);
        }
        true
    }

    /// Adds `n` copies of the finite value `x`, the same state as `n` pushes: the
    /// counters move once instead of `n` times (a cell that holds one value through a
    /// chunk, as many counts and flags do).
    pub fn push_repeated(&mut self, x: f64, n: u32) {
        debug_assert!(x.is_finite(), "only finite values are pushed at once");
        if n == 0 {
            return;
        }
        if !self.push_inside(x) {
            self.push_outside(x);
        }
        let rest = n - 1;
        if rest > 0 {
            // `x` lies inside the grid now, and the same bucket takes every copy.
            let index = bucket(x, self.inverse_width) - self.origin;
            self.counts.add(index as usize, rest);
            self.count += u64::from(rest);
        }
    }

    /// Adds every value of `values` in order, as [`Self::push`] one by one would, and
    /// hands each value held (every one but NaN) to `held`.
    ///
    /// The same state as pushing one by one, faster: the grid and the counters stay
    /// in registers across the values instead of being loaded and stored for each,
    /// which is most of a push's cost when many values go to one histogram at a time
    /// (`crate::run`'s chunks). Only a value outside the range seen so far writes
    /// them back and moves the grid.
    #[inline]
    pub fn push_each(&mut self, values: impl IntoIterator<Item = f64>, held: impl FnMut(f64)) {
        let values = values.into_iter();
        // The counts need no carry check when no bucket's low 16 bits can wrap: for
        // sure while the histogram holds at most 65,535 values after these (a
        // national run's cells hold at most its iterations), and otherwise while the
        // fullest bucket has room for them all.
        let within = values.size_hint().1.is_some_and(|most| {
            let most = most as u64;
            self.count.saturating_add(most) <= BucketCounts::<BUCKETS>::MOST_WITHOUT_HIGH
                || most <= self.counts.increments_without_carry()
        });
        if within {
            self.push_each_counting::<false>(values, held);
        } else {
            self.push_each_checked(values, held);
        }
    }

    /// [`Self::push_each`] where a bucket may pass 65,535: apart, so that the common
    /// loop above stays free of the carry's call.
    #[inline(never)]
    fn push_each_checked(&mut self, values: impl Iterator<Item = f64>, held: impl FnMut(f64)) {
        self.push_each_counting::<true>(values, held);
    }

    /// [`Self::push_each`], with every increment checked for a carry or (`CARRY`
    /// false) none.
    #[inline(always)]
    fn push_each_counting<const CARRY: bool>(
        &mut self,
        values: impl Iterator<Item = f64>,
        mut held: impl FnMut(f64),
    ) {
        let (mut low, mut high) = (self.low, self.high);
        let (mut inverse_width, mut origin) = (self.inverse_width, self.origin);
        let mut all_integers = self.all_integers;
        let mut inside = 0;
        for x in values {
            if x >= low && x <= high {
                // In range by the grid's invariant.
                let index = (bucket(x, inverse_width) - origin) as usize;
                if CARRY {
                    self.counts.increment(index);
                } else {
                    self.counts.increment_below_carry(index);
                }
                inside += 1;
                if all_integers {
                    all_integers = is_whole(x);
                }
                held(x);
            } else if !x.is_nan() {
                self.count += inside;
                inside = 0;
                self.all_integers = all_integers;
                self.push_outside(x);
                (low, high) = (self.low, self.high);
                (inverse_width, origin) = (self.inverse_width, self.origin);
                all_integers = self.all_integers;
                held(x);
            }
        }
        self.count += inside;
        self.all_integers = all_integers;
    }

    /// Sets the grid that pushing `values` would end with, without adding them: the
    /// grid depends only on the range of the values held (see the module header), so
    /// it can be set once for the range of a batch instead of being moved at each new
    /// extreme, which a histogram's first batch meets many times. Pushing `values`
    /// next gives the bits of pushing them without this.
    pub fn cover(&mut self, values: impl IntoIterator<Item = f64>) {
        let (mut low, mut high) = (self.low, self.high);
        // Plain comparisons, rarely true after a batch's first values: NaN fails
        // them, and the infinities are kept out (they are counted apart).
        for x in values {
            if x < low && x > f64::NEG_INFINITY {
                low = x;
            }
            if x > high && x < f64::INFINITY {
                high = x;
            }
        }
        // A zero held stays as it is (−0 < +0 is false); a new one is kept as
        // `push_outside` keeps it.
        let (low, high) = (one_zero(low), one_zero(high));
        let wider = low < self.low || high > self.high;
        if wider {
            self.regrid(low, high, self.exponent);
        }
    }

    /// Adds a value outside the finite range seen so far (not NaN).
    #[cold]
    pub fn push_outside(&mut self, x: f64) {
        self.count += 1;
        if x.is_infinite() {
            if x > 0.0 {
                self.positive_infinities += 1;
            } else {
                self.negative_infinities += 1;
            }
            return;
        }
        self.all_integers &= is_whole(x);
        let x = one_zero(x);
        let (low, high) = (self.low.min(x), self.high.max(x));
        self.regrid(low, high, self.exponent);
        let index = bucket(x, self.inverse_width) - self.origin;
        self.counts.add(index as usize, 1);
    }

    /// Moves the grid to cover `[low, high]` at the smallest exponent `≥ from` that
    /// fits, carrying the counts held (exactly: coarsening merges aligned buckets).
    fn regrid(&mut self, low: f64, high: f64, from: i32) {
        // Usually the grid still fits: skip the search.
        let stays =
            from == self.exponent && self.has_grid() && fits_scaled(low, high, self.inverse_width);
        let exponent = if stays {
            self.exponent
        } else {
            required_exponent(low, high, from)
        };
        let inverse_width = 2f64.powi(-exponent);
        let origin = bucket(low, inverse_width);
        if !self.has_grid() {
            // The first finite value: the counts are all zero.
        } else if exponent == self.exponent {
            // The common cases, cheaply: a new maximum inside the window changes
            // nothing; a new minimum slides the counts up.
            let slide = (self.origin - origin) as usize;
            if slide > 0 {
                self.counts.slide_up(slide);
            }
        } else {
            let shift = (exponent - self.exponent) as u32;
            let mut moved = BucketCounts::zeroed();
            for (i, c) in self.counts.iter().enumerate() {
                if c > 0 {
                    // An arithmetic shift floors; beyond 63 places every index held
                    // (below 2^62 in magnitude) floors to 0 or −1.
                    let index = (self.origin + i as i64) >> shift.min(63);
                    moved.add((index - origin) as usize, c);
                }
            }
            self.counts = moved;
        }
        self.low = low;
        self.high = high;
        self.exponent = exponent;
        self.inverse_width = inverse_width;
        self.origin = origin;
    }

    /// Adds every value of `other`, as if they had been pushed here.
    pub fn merge(&mut self, other: &Histogram) {
        self.count += other.count;
        self.negative_infinities += other.negative_infinities;
        self.positive_infinities += other.positive_infinities;
        self.all_integers &= other.all_integers;
        if !other.has_grid() {
            return;
        }
        let (low, high) = (self.low.min(other.low), self.high.max(other.high));
        self.regrid(low, high, self.exponent.max(other.exponent));
        let shift = (self.exponent - other.exponent) as u32;
        for (i, c) in other.counts.iter().enumerate() {
            if c > 0 {
                let index = (other.origin + i as i64) >> shift.min(63);
                self.counts.add((index - self.origin) as usize, c);
            }
        }
    }

    /// Approximate type-7 percentiles at `probabilities` (ascending or not), within
    /// [`PERCENTILE_ERROR_BOUND`] × (max − min) of the exact ones; `None` when empty.
    pub fn percentiles<const K: usize>(&self, probabilities: [f64; K]) -> Option<[f64; K]> {
        if self.count == 0 {
            return None;
        }
        Some(super::type7_percentiles(
            self.count,
            probabilities,
            |ranks| self.order_statistics(ranks),
        ))
    }

    /// The values at ascending 0-based `ranks`, each placed within the bucket that
    /// holds it (spread evenly over the bucket, clamped to the finite range).
    fn order_statistics(&self, ranks: &[u64]) -> Vec<f64> {
        let width = 2f64.powi(self.exponent);
        let finite = self.count - self.negative_infinities - self.positive_infinities;
        let mut out = Vec::with_capacity(ranks.len());
        for &rank in ranks {
            if rank < self.negative_infinities {
                out.push(f64::NEG_INFINITY);
            } else if rank >= self.negative_infinities + finite {
                out.push(f64::INFINITY);
            } else {
                out.push(f64::NAN); // filled in by the scan below
            }
        }
        let mut next = ranks.partition_point(|&r| r < self.negative_infinities);
        let mut before = self.negative_infinities;
        // Groups of buckets that hold no rank sought are passed over on their total
        // (most of them: a few ranks among 512 buckets).
        for group in (0..BUCKETS).step_by(SCAN_GROUP) {
            if next == ranks.len() {
                // Every rank found: the buckets above matter to none.
                break;
            }
            let total = self.counts.total(group..group + SCAN_GROUP);
            if ranks[next] >= before + total {
                before += total;
                continue;
            }
            for index in group..group + SCAN_GROUP {
                let c = u64::from(self.counts.get(index));
                while next < ranks.len() && ranks[next] < before + c {
                    out[next] = self.place(index, ranks[next] - before, c, width);
                    next += 1;
                }
                before += c;
            }
        }
        out
    }

    /// The value of rank `within` (0-based) among the `count` values of bucket
    /// `index`, `width` wide: spread evenly over the bucket, clamped to the finite
    /// range.
    fn place(&self, index: usize, within: u64, count: u64, width: f64) -> f64 {
        let bucket_low = (self.origin + index as i64) as f64 * width;
        let within = (within as f64 + 0.5) / count as f64;
        let estimate = (bucket_low + within * width).clamp(self.low, self.high);
        // Within `width` of the true value: with whole numbers and buckets at most half
        // a unit wide, rounding recovers it exactly.
        if self.all_integers && width <= 0.5 {
            estimate.round()
        } else {
            estimate
        }
    }
}

/// The state of a histogram as plain numbers, for partial-result files
/// (`crate::shard`). Counts are trimmed after the last occupied bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramParts {
    pub count: u64,
    pub negative_infinities: u64,
    pub positive_infinities: u64,
    pub low: f64,
    pub high: f64,
    pub all_integers: bool,
    pub exponent: i32,
    pub origin: i64,
    pub counts: Vec<u32>,
}

impl Histogram {
    pub fn to_parts(&self) -> HistogramParts {
        let mut counts: Vec<u32> = self.counts.iter().collect();
        let used = counts.iter().rposition(|&c| c > 0).map_or(0, |i| i + 1);
        counts.truncate(used);
        HistogramParts {
            count: self.count,
            negative_infinities: self.negative_infinities,
            positive_infinities: self.positive_infinities,
            low: self.low,
            high: self.high,
            all_integers: self.all_integers,
            exponent: self.exponent,
            origin: self.origin,
            counts,
        }
    }

    /// Rebuilds a histogram from [`Self::to_parts`]; `None` if the parts cannot come
    /// from one (a damaged file).
    pub fn from_parts(parts: HistogramParts) -> Option<Histogram> {
        let finite: u64 = parts.counts.iter().map(|&c| u64::from(c)).sum();
        let consistent = parts.counts.len() <= BUCKETS
            && (MIN_EXPONENT..=MAX_EXPONENT).contains(&parts.exponent)
            && finite + parts.negative_infinities + parts.positive_infinities == parts.count
            && (finite == 0) == parts.counts.is_empty();
        if !consistent {
            return None;
        }
        let inverse_width = 2f64.powi(-parts.exponent);
        if !parts.counts.is_empty() {
            let grid_ok = parts.low <= parts.high
                && parts.low.is_finite()
                && parts.high.is_finite()
                && bucket(parts.low, inverse_width) == parts.origin
                && required_exponent(parts.low, parts.high, MIN_EXPONENT) == parts.exponent;
            if !grid_ok {
                return None;
            }
        }
        let counts = BucketCounts::from_counts(&parts.counts)?;
        Some(Histogram {
            count: parts.count,
            negative_infinities: parts.negative_infinities,
            positive_infinities: parts.positive_infinities,
            low: parts.low,
            high: parts.high,
            all_integers: parts.all_integers,
            exponent: parts.exponent,
            inverse_width,
            origin: parts.origin,
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{QUANTILES, summarise_exact};
    use proptest::prelude::*;

    fn of(values: &[f64]) -> Histogram {
        let mut h = Histogram::new();
        values.iter().for_each(|&v| h.push(v));
        h
    }

    /// [`Histogram::order_statistics`] the plain way, the reference it must equal bit
    /// for bit: each rank on its own, its bucket found by a running total over every
    /// bucket from the first.
    fn order_statistics_rank_by_rank(h: &Histogram, ranks: &[u64]) -> Vec<f64> {
        let width = 2f64.powi(h.exponent);
        let finite = h.count - h.negative_infinities - h.positive_infinities;
        ranks
            .iter()
            .map(|&rank| {
                if rank < h.negative_infinities {
                    return f64::NEG_INFINITY;
                }
                if rank >= h.negative_infinities + finite {
                    return f64::INFINITY;
                }
                let mut before = h.negative_infinities;
                for (index, c) in h.counts.iter().enumerate() {
                    let c = u64::from(c);
                    if rank < before + c {
                        return h.place(index, rank - before, c, width);
                    }
                    before += c;
                }
                unreachable!("a finite rank lies in a bucket")
            })
            .collect()
    }

    #[test]
    fn flags_and_small_counts_are_exact() {
        let flags: Vec<f64> = (0..1000)
            .map(|i| f64::from(u8::from(i % 37 == 0)))
            .collect();
        let counts: Vec<f64> = (0..999).map(|i| f64::from((i * 7919) % 251)).collect();
        for values in [flags, counts] {
            let approx = of(&values).percentiles(QUANTILES).unwrap();
            let exact = summarise_exact(&values).unwrap();
            let exact = [exact.p5, exact.p25, exact.p50, exact.p75, exact.p95];
            assert_eq!(approx.map(f64::to_bits), exact.map(f64::to_bits));
        }
    }

    #[test]
    fn equal_values_and_infinities() {
        assert_eq!(
            of(&[-3.25; 100]).percentiles([0.05, 0.95]),
            Some([-3.25; 2])
        );
        // Infinities sort at the ends; NaN is left out.
        let h = of(&[f64::INFINITY, 1.0, 2.0, 3.0, f64::NEG_INFINITY, f64::NAN]);
        assert_eq!(h.count(), 5);
        assert_eq!(h.percentiles([0.25, 0.5, 0.625]), Some([1.0, 2.0, 2.5]));
        assert!(Histogram::new().percentiles([0.5]).is_none());
    }

    #[test]
    fn huge_magnitudes_with_a_tiny_spread_stay_in_range() {
        let base = 9.2e18;
        let values: Vec<f64> = (0..50).map(|i| base + f64::from(i) * 2048.0).collect();
        let h = of(&values);
        let p50 = h.percentiles([0.5]).unwrap()[0];
        let exact = summarise_exact(&values).unwrap().p50;
        assert!((p50 - exact).abs() <= PERCENTILE_ERROR_BOUND * 49.0 * 2048.0);
    }

    fn check_bound(values: &[f64]) {
        let approx = of(values).percentiles(QUANTILES).unwrap();
        let exact = summarise_exact(values).unwrap();
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let exact = [exact.p5, exact.p25, exact.p50, exact.p75, exact.p95];
        for (a, e) in approx.iter().zip(exact) {
            assert!(
                (a - e).abs() <= PERCENTILE_ERROR_BOUND * (max - min),
                "approx {a} exact {e} range {}",
                max - min
            );
        }
    }

    /// A batch whose smallest or largest value is a zero of either sign: the grid's
    /// ends keep one zero, +0, as pushing gives (rare in the property test below).
    #[test]
    fn covering_keeps_one_zero() {
        let batches: [&[f64]; 5] = [
            &[-0.0, 2.0],
            &[-0.0],
            &[2.0, -0.0, 0.0],
            &[-3.0, -0.0],
            &[0.0, -0.0],
        ];
        for batch in batches {
            let mut pushed = Histogram::new();
            let mut covered = Histogram::new();
            pushed.push_each(batch.iter().copied(), |_| {});
            covered.cover(batch.iter().copied());
            covered.push_each(batch.iter().copied(), |_| {});
            assert_eq!(format!("{covered:?}"), format!("{pushed:?}"), "{batch:?}");
        }
    }

    /// Buckets past 65,535 values (the counts' high block) through every route: one
    /// by one, many at once, repeated, merged, coarsened onto one bucket, and through
    /// a partial-result file's parts. Every route gives the same bits, and the
    /// percentiles of the whole.
    #[test]
    fn buckets_past_65535_values_keep_their_counts_by_every_route() {
        let mut values = vec![2.0; 70_000];
        values.extend(std::iter::repeat_n(3.0, 70_000));
        values.extend([7.0; 10]);
        values.push(1000.0); // coarsens the grid: 2 and 3 share a bucket
        let whole = of(&values);
        let parts = whole.to_parts();
        assert_eq!(parts.counts.iter().max(), Some(&140_000));
        assert_eq!(
            parts.counts.iter().map(|&c| u64::from(c)).sum::<u64>(),
            140_011
        );

        let mut reversed = values.clone();
        reversed.reverse();
        assert_eq!(of(&reversed), whole, "the coarsening value first");
        let mut many = Histogram::new();
        many.push_each(values.iter().copied(), |_| {});
        assert_eq!(many, whole, "many at once");
        // In blocks, as a run pushes: with and without the carry check, past 65,535
        // values in a bucket, and its low 16 bits wrapping in one block.
        let mut blocks = Histogram::new();
        let mut interleaved: Vec<f64> = values.iter().copied().step_by(2).collect();
        interleaved.extend(values.iter().copied().skip(1).step_by(2));
        for block in interleaved.chunks(256) {
            blocks.push_each(block.iter().copied(), |_| {});
        }
        assert_eq!(blocks, whole, "in blocks");
        let mut repeated = Histogram::new();
        repeated.push_repeated(2.0, 70_000);
        repeated.push_repeated(3.0, 70_000);
        repeated.push_repeated(7.0, 10);
        repeated.push_repeated(1000.0, 1);
        assert_eq!(repeated, whole, "repeated");
        let (a, b) = values.split_at(100_000);
        let mut merged = of(b);
        merged.merge(&of(a));
        assert_eq!(merged, whole, "merged");
        assert_eq!(Histogram::from_parts(parts), Some(whole.clone()));

        // Before the coarsening value, whole numbers in buckets at most half a unit
        // wide: the percentiles are exact.
        let fine = of(&values[..values.len() - 1]);
        let exact = summarise_exact(&values[..values.len() - 1]).unwrap();
        assert_eq!(
            fine.percentiles(QUANTILES),
            Some([exact.p5, exact.p25, exact.p50, exact.p75, exact.p95])
        );
        check_bound(&values);
    }

    /// Blocks of one value: the block that takes the bucket past 65,535 goes through
    /// the checked loop and carries, and the next ones go on from there.
    #[test]
    fn blocks_of_one_value_carry_past_65535() {
        let mut h = Histogram::new();
        for _ in 0..257 {
            h.push_each(std::iter::repeat_n(2.0, 256), |_| {});
        }
        assert_eq!(h.to_parts().counts, [257 * 256]);
        assert_eq!(h, of(&vec![2.0; 257 * 256]));
    }

    proptest! {
        #[test]
        fn percentiles_stay_within_the_bound(
            values in prop::collection::vec(-1e6f64..1e6, 1..2000),
            scale in prop::sample::select(vec![1e-6, 1.0, 1e9]),
            offset in prop::sample::select(vec![0.0, 1e7, -3e12]),
        ) {
            let moved: Vec<f64> = values.iter().map(|v| v * scale + offset).collect();
            check_bound(&moved);
        }

        #[test]
        fn heavy_tails_stay_within_the_bound(values in prop::collection::vec(0.0f64..1.0, 2..2000)) {
            let tails: Vec<f64> = values.iter().map(|u| (20.0 * u).exp()).collect();
            check_bound(&tails);
        }

        /// Pushing many values in one call is pushing them one by one: the same
        /// state, and every value but NaN handed on, in order.
        #[test]
        fn pushing_many_at_once_is_pushing_one_by_one(
            values in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, Just(0.0), Just(-0.0), Just(3.0), Just(f64::NAN),
                    Just(f64::INFINITY), Just(f64::NEG_INFINITY), 1e15f64..1e16], 0..600),
            cut in 0usize..600,
        ) {
            let cut = cut.min(values.len());
            let mut many = of(&values[..cut]);
            let mut handed = Vec::new();
            many.push_each(values[cut..].iter().copied(), |x| handed.push(x));
            prop_assert_eq!(&many, &of(&values));
            let defined: Vec<f64> = values[cut..].iter().copied().filter(|x| !x.is_nan()).collect();
            prop_assert_eq!(
                handed.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                defined.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }

        /// Order statistics found by passing over groups of buckets are those found
        /// rank by rank, for any values (infinities, bunched or spread) and any
        /// ascending ranks, the ends included.
        #[test]
        fn passing_over_groups_finds_the_same_order_statistics(
            values in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, Just(0.0), Just(3.0), Just(f64::INFINITY),
                    Just(f64::NEG_INFINITY), 0.0f64..20.0], 1..600),
            picks in prop::collection::vec(0.0f64..1.0, 1..12),
        ) {
            let h = of(&values);
            let mut ranks: Vec<u64> = picks
                .iter()
                .map(|p| ((p * h.count as f64) as u64).min(h.count - 1))
                .chain([0, h.count - 1])
                .collect();
            ranks.sort_unstable();
            let got = h.order_statistics(&ranks);
            let want = order_statistics_rank_by_rank(&h, &ranks);
            prop_assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }

        /// Covering a batch's range before pushing it leaves the bits of pushing it
        /// alone (compared through `Debug`, which tells −0 from +0), into an empty
        /// histogram or one already holding values.
        #[test]
        fn covering_first_changes_no_bit(
            values in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, Just(0.0), Just(-0.0), Just(3.0), Just(f64::NAN),
                    Just(f64::INFINITY), Just(f64::NEG_INFINITY), 1e15f64..1e16,
                    -1e-300f64..1e-300], 0..600),
            cut in 0usize..600,
        ) {
            let cut = cut.min(values.len());
            let mut pushed = of(&values[..cut]);
            let mut covered = pushed.clone();
            pushed.push_each(values[cut..].iter().copied(), |_| {});
            covered.cover(values[cut..].iter().copied());
            covered.push_each(values[cut..].iter().copied(), |_| {});
            prop_assert_eq!(format!("{covered:?}"), format!("{pushed:?}"));
        }

        /// The property sharding rests on: any split, pushed in any order and merged
        /// in any order, gives the histogram of the whole, bit for bit.
        #[test]
        fn state_depends_only_on_the_multiset(
            values in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, Just(0.0), Just(1.0), 1e15f64..1e16], 1..600),
            cut in 0usize..600,
            seed in any::<u64>(),
        ) {
            let whole = of(&values);
            let cut = cut.min(values.len());
            let (a, b) = values.split_at(cut);
            let mut shuffled = values.clone();
            // A cheap deterministic shuffle.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(&of(&shuffled), &whole);
            let mut ab = of(a);
            ab.merge(&of(b));
            prop_assert_eq!(&ab, &whole);
            let mut ba = of(b);
            ba.merge(&of(a));
            prop_assert_eq!(&ba, &whole);
            prop_assert_eq!(Histogram::from_parts(whole.to_parts()), Some(whole));
        }
    }
}
