//! The bucket counts of a [`super::Histogram`]: the low 16 bits of every bucket's
//! count in line, and their high 16 bits in a block of their own, allocated only
//! when some bucket passes 65,535.
//!
//! Why split them: a national run holds about 305,000 histograms and pushes a few
//! values into each in turn, so a push often waits for its bucket's cache line to
//! come from memory. Two-byte counts halve the lines a cell's visit touches and the
//! memory the cells hold, and a run of up to 65,535 iterations never needs the high
//! block. With four-byte counts a national run took 5–8% longer and held 300 MB more
//! (docs/performance.md, "Seventh part"); one-byte counts were no faster than two.
//!
//! [`BucketCounts::increment`] checks for a carry; `Histogram::push_each` uses
//! [`BucketCounts::increment_below_carry`] instead wherever no count can wrap, as that check
//! cost a third of a push whose counts are in cache.
//!
//! A count is exact whatever its size: `high << 16 | low`, up to `u32::MAX` as
//! before. Counts never fall, so the high block exists exactly when some bucket holds
//! more than 65,535 values: the state is still a function of the counts alone, which
//! keeps a histogram's bits independent of the order its values came in.

/// `N` bucket counts, `N` a power of two (so an index can be masked into range).
#[derive(Debug, Clone, PartialEq)]
pub struct BucketCounts<const N: usize> {
    low: [u16; N],
    high: Option<Box<[u16; N]>>,
}

impl<const N: usize> BucketCounts<N> {
    const MASK: usize = {
        assert!(N.is_power_of_two());
        N - 1
    };

    /// Counts any bucket may reach without the high block.
    pub const MOST_WITHOUT_HIGH: u64 = u16::MAX as u64;

    /// The memory of the high block, when there is one.
    pub const HIGH_BYTES: usize = std::mem::size_of::<[u16; N]>();

    /// Entries of `low` in one 64-byte cache line.
    const PER_LINE: usize = 64 / std::mem::size_of::<u16>();

    pub fn zeroed() -> Self {
        BucketCounts {
            low: [0; N],
            high: None,
        }
    }

    /// Counts `values` (as [`Self::iter`] gives them); `None` if there are more than
    /// `N`.
    pub fn from_counts(values: &[u32]) -> Option<Self> {
        if values.len() > N {
            return None;
        }
        let mut counts = Self::zeroed();
        for (i, &c) in values.iter().enumerate() {
            counts.set(i, c);
        }
        Some(counts)
    }

    /// Adds one to bucket `index` (taken modulo `N`: the caller's index is in range by
    /// its own invariant, and the mask spares a bounds check). The hot path of a push.
    #[inline]
    pub fn increment(&mut self, index: usize) {
        let index = index & Self::MASK;
        let slot = &mut self.low[index];
        *slot = slot.wrapping_add(1);
        if *slot == 0 {
            self.carry(index);
        }
    }

    /// [`Self::increment`] of a bucket the caller knows to hold fewer than 65,535
    /// (see `Histogram::push_each`): no carry to check for (why: the module header).
    #[inline]
    pub fn increment_below_carry(&mut self, index: usize) {
        // A wrong bound overflows here, which a debug build reports.
        self.low[index & Self::MASK] += 1;
    }

    /// How many increments any bucket takes before its low 16 bits could wrap: what
    /// the fullest one has left.
    pub fn increments_without_carry(&self) -> u64 {
        let fullest = self.low.iter().copied().max().unwrap_or(0);
        u64::from(u16::MAX - fullest)
    }

    /// The low 16 bits of bucket `index` wrapped to zero.
    #[cold]
    #[inline(never)]
    fn carry(&mut self, index: usize) {
        self.high_block()[index] += 1;
    }

    /// The high block, allocated (zeroed) on first use.
    fn high_block(&mut self) -> &mut [u16; N] {
        self.high.get_or_insert_with(|| Box::new([0; N]))
    }

    /// Adds `n` to bucket `index`.
    pub fn add(&mut self, index: usize, n: u32) {
        self.set(index, self.get(index) + n);
    }

    /// The count of bucket `index`.
    #[inline]
    pub fn get(&self, index: usize) -> u32 {
        let high = self.high.as_ref().map_or(0, |high| high[index]);
        u32::from(high) << 16 | u32::from(self.low[index])
    }

    fn set(&mut self, index: usize, count: u32) {
        self.low[index] = count as u16;
        let high = (count >> 16) as u16;
        if high > 0 || self.high.is_some() {
            self.high_block()[index] = high;
        }
    }

    /// Every bucket's count, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..N).map(|i| self.get(i))
    }

    /// The sum of the counts of `range`'s buckets.
    #[inline]
    pub fn total(&self, range: std::ops::Range<usize>) -> u64 {
        let low: u64 = self.low[range.clone()].iter().map(|&c| u64::from(c)).sum();
        match &self.high {
            None => low,
            Some(high) => low + (high[range].iter().map(|&c| u64::from(c)).sum::<u64>() << 16),
        }
    }

    /// Moves every count `by` buckets up; the lowest `by` become zero, and the counts
    /// of the highest `by` (zero, by the caller's invariant) are dropped.
    pub fn slide_up(&mut self, by: usize) {
        fn slide<const N: usize>(counts: &mut [u16; N], by: usize) {
            counts.copy_within(0..N - by, by);
            counts[..by].fill(0);
        }
        slide(&mut self.low, by);
        if let Some(high) = &mut self.high {
            slide(high, by);
        }
    }

    /// Reads one entry of every cache line of the low counts, in address order, and
    /// folds them into `seed`: a meaningless checksum (see `Histogram::touch`). The
    /// high block, rare, is left alone.
    #[inline]
    pub fn touch(&self, seed: u32) -> u32 {
        self.low
            .iter()
            .step_by(Self::PER_LINE)
            .fold(seed, |a, &c| a ^ u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Counts = BucketCounts<8>;

    #[test]
    fn the_high_block_appears_when_a_count_passes_65535() {
        let mut counts = Counts::zeroed();
        for _ in 0..65_535 {
            counts.increment(3);
        }
        assert_eq!(counts.get(3), 65_535);
        assert!(counts.high.is_none());
        counts.increment(3);
        assert_eq!(counts.get(3), 65_536);
        assert!(counts.high.is_some());
        counts.increment(3 + 8); // masked into range
        assert_eq!(counts.get(3), 65_537);
        assert_eq!(counts.total(0..8), 65_537);
        assert_eq!(
            counts.iter().collect::<Vec<_>>(),
            [0, 0, 0, 65_537, 0, 0, 0, 0]
        );
    }

    #[test]
    fn sliding_moves_the_high_parts_with_the_low() {
        let mut counts = Counts::from_counts(&[70_000, 5, 0, 131_072]).unwrap();
        counts.slide_up(2);
        assert_eq!(
            counts.iter().collect::<Vec<_>>(),
            [0, 0, 70_000, 5, 0, 131_072, 0, 0]
        );
    }

    #[test]
    fn more_counts_than_buckets_are_refused() {
        assert!(Counts::from_counts(&[0; 8]).is_some());
        assert!(Counts::from_counts(&[0; 9]).is_none());
    }

    proptest! {
        /// Any mix of additions of one (in runs, past 65,535) and of many gives each bucket the sum of what was
        /// added to it, the totals of any range agree, and the state is that of
        /// setting the sums at once: the same bits by either route.
        #[test]
        fn counts_are_the_sums_added_whatever_the_route(
            additions in prop::collection::vec(
                (0usize..8, prop_oneof![Just(1u32), 0u32..200_000]), 0..60),
            runs in prop::collection::vec((0usize..8, 0u32..70_000), 0..4),
            from in 0usize..8,
            to in 0usize..8,
        ) {
            let mut counts = Counts::zeroed();
            let mut sums = [0u64; 8];
            for &(i, n) in &additions {
                counts.add(i, n);
                sums[i] += u64::from(n);
            }
            for &(i, times) in &runs {
                for _ in 0..times {
                    counts.increment(i);
                }
                sums[i] += u64::from(times);
            }
            let got: Vec<u64> = counts.iter().map(u64::from).collect();
            prop_assert_eq!(&got, &sums.to_vec());
            let (from, to) = (from.min(to), from.max(to));
            prop_assert_eq!(counts.total(from..to), sums[from..to].iter().sum::<u64>());
            let direct: Vec<u32> = sums.iter().map(|&s| s as u32).collect();
            prop_assert_eq!(Counts::from_counts(&direct), Some(counts));
        }
    }
}
