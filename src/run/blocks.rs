//! Blocks: a run's iterations cut into fixed groups of [`BLOCK_ITERATIONS`], whatever
//! the thread count or sharding. A block is the unit a shard computes and the unit in
//! which streaming means are combined, so it is what makes a sharded run equal the
//! single run bit for bit.

use std::ops::Range;

/// Iterations per block. Fixed: changing it changes streaming means in the last bits.
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
