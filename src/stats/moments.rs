//! Mean and sd of a streamed series, computed block by block and combined in block
//! order, so that a sharded run reproduces a single run's bits.
//!
//! Floating-point sums depend on their order. A run's iterations are cut into fixed
//! blocks (`crate::run::BLOCK_ITERATIONS`), the same whatever the threads or the
//! shards: within a block, [`BlockSums`] adds the values in iteration order; the
//! blocks' [`Moments`] are then combined left to right in block order
//! ([`Moments::then`], the pairwise update of Chan, Golub and LeVeque). A single run
//! folds each block as it finishes; a shard that does not start at block 0 keeps its
//! blocks' moments in a list for the merge to fold in the same order
//! ([`MomentChain`]).
//!
//! Block sums are shifted by the block's first value (numerically safe far from
//! zero) and are exact for whole numbers, so a flag's mean is its exact frequency.

/// Running sums over one block, in iteration order; NaN is left out.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BlockSums {
    count: u64,
    shift: f64,
    sum: f64,
    squares: f64,
}

impl BlockSums {
    #[inline]
    pub fn push(&mut self, x: f64) {
        if !x.is_nan() {
            self.push_defined(x);
        }
    }

    /// [`Self::push`] of a value known not to be NaN.
    #[inline]
    pub fn push_defined(&mut self, x: f64) {
        if self.count == 0 {
            self.shift = x;
        }
        self.count += 1;
        let d = x - self.shift;
        self.sum += d;
        self.squares += d * d;
    }

    /// Adds `n` copies of the finite value `x` at once when that gives the bits of `n`
    /// pushes, and says whether it did (otherwise nothing changed). It does when the
    /// block is empty or started with `x`: every push then adds `x − shift = +0` to
    /// the sums, which leaves them as they are (sums that start at +0 are never −0,
    /// the one value adding +0 would change), so only the count moves.
    #[inline]
    pub fn push_repeated(&mut self, x: f64, n: u64) -> bool {
        debug_assert!(x.is_finite(), "only finite values are pushed at once");
        let shift_is_x = self.count == 0 || self.shift.to_bits() == x.to_bits();
        if shift_is_x && n > 0 {
            self.shift = x;
            self.count += n;
        }
        shift_is_x
    }

    /// A read of the sums (see `Histogram::touch`).
    #[inline]
    pub fn touch(&self) -> u32 {
        (self.count ^ self.sum.to_bits()) as u32
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The block's moments; the sums start again.
    pub fn take(&mut self) -> Moments {
        let block = std::mem::take(self);
        if block.count == 0 {
            return Moments::default();
        }
        let n = block.count as f64;
        Moments {
            count: block.count,
            sum: block.shift * n + block.sum,
            squared_deviations: (block.squares - block.sum * block.sum / n).max(0.0),
        }
    }
}

/// Count, sum and sum of squared deviations from the mean of some values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub sum: f64,
    pub squared_deviations: f64,
}

impl Moments {
    /// The moments of these values followed by `next`'s.
    pub fn then(self, next: Moments) -> Moments {
        if next.count == 0 {
            return self;
        }
        if self.count == 0 {
            return next;
        }
        let (a, b) = (self.count as f64, next.count as f64);
        let delta = next.sum / b - self.sum / a;
        Moments {
            count: self.count + next.count,
            sum: self.sum + next.sum,
            squared_deviations: self.squared_deviations
                + next.squared_deviations
                + delta * delta * (a * b / (a + b)),
        }
    }

    /// Mean and sample sd (n − 1; 0 for one value); `None` when empty.
    pub fn mean_sd(&self) -> Option<(f64, f64)> {
        let n = self.count as f64;
        match self.count {
            0 => None,
            1 => Some((self.sum, 0.0)),
            _ => Some((self.sum / n, (self.squared_deviations / (n - 1.0)).sqrt())),
        }
    }
}

/// The moments of the blocks seen so far: folded as they come when the blocks start
/// at block 0 (a single run, or the first shard), kept apart otherwise until a merge
/// folds them after the shards before.
#[derive(Debug, Clone, PartialEq)]
pub enum MomentChain {
    Folded(Moments),
    Listed(Vec<Moments>),
}

impl MomentChain {
    /// An empty chain for blocks starting at block 0 (`Folded`) or later (`Listed`).
    pub fn new(starts_at_first_block: bool) -> Self {
        if starts_at_first_block {
            MomentChain::Folded(Moments::default())
        } else {
            MomentChain::Listed(Vec::new())
        }
    }

    /// Appends the moments of the next block.
    pub fn push(&mut self, block: Moments) {
        match self {
            MomentChain::Folded(total) => *total = total.then(block),
            MomentChain::Listed(blocks) => blocks.push(block),
        }
    }

    /// Appends every block of `later`, which follows these blocks.
    pub fn append(&mut self, later: MomentChain) {
        match later {
            MomentChain::Listed(blocks) => blocks.into_iter().for_each(|b| self.push(b)),
            // Only a chain starting at block 0 is folded, and it cannot follow another.
            MomentChain::Folded(total) => self.push(total),
        }
    }

    /// The moments of all blocks, folded in block order.
    pub fn total(&self) -> Moments {
        match self {
            MomentChain::Folded(total) => *total,
            MomentChain::Listed(blocks) => blocks
                .iter()
                .fold(Moments::default(), |total, &block| total.then(block)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments_of(blocks: &[&[f64]]) -> Moments {
        let mut chain = MomentChain::new(true);
        for block in blocks {
            let mut sums = BlockSums::default();
            block.iter().for_each(|&v| sums.push(v));
            chain.push(sums.take());
        }
        chain.total()
    }

    #[test]
    fn mean_and_sd_match_the_textbook() {
        // 1..4: mean 2.5, sample variance 5/3, whatever the blocks.
        for blocks in [
            &[&[1.0, 2.0, 3.0, 4.0][..]][..],
            &[&[1.0], &[2.0, 3.0], &[4.0]],
        ] {
            let (mean, sd) = moments_of(blocks).mean_sd().unwrap();
            assert!((mean - 2.5).abs() < 1e-15);
            assert!((sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        }
    }

    #[test]
    fn a_flag_mean_is_its_exact_frequency() {
        let flags: Vec<f64> = (0..1000).map(|i| f64::from(u8::from(i % 7 == 0))).collect();
        let blocks: Vec<&[f64]> = flags.chunks(256).collect();
        let (mean, _) = moments_of(&blocks).mean_sd().unwrap();
        assert_eq!(mean.to_bits(), (143.0f64 / 1000.0).to_bits());
    }

    #[test]
    fn nan_and_empty_blocks_are_left_out() {
        let m = moments_of(&[&[f64::NAN], &[], &[5.0, f64::NAN]]);
        assert_eq!(m.mean_sd(), Some((5.0, 0.0)));
        assert_eq!(moments_of(&[&[f64::NAN]]).mean_sd(), None);
    }

    #[test]
    fn a_listed_chain_appended_to_a_folded_one_folds_the_same() {
        let blocks = [
            Moments {
                count: 2,
                sum: 3.0,
                squared_deviations: 0.5,
            },
            Moments {
                count: 3,
                sum: 30.0,
                squared_deviations: 2.0,
            },
            Moments {
                count: 1,
                sum: -4.0,
                squared_deviations: 0.0,
            },
        ];
        let mut whole = MomentChain::new(true);
        blocks.iter().for_each(|&b| whole.push(b));
        let mut first = MomentChain::new(true);
        first.push(blocks[0]);
        let mut rest = MomentChain::new(false);
        rest.push(blocks[1]);
        rest.push(blocks[2]);
        first.append(rest);
        assert_eq!(first, whole);
    }
}
