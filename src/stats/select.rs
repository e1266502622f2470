//! Order statistics of integer keys: the keys at a few ranks, without sorting the
//! rest.
//!
//! Exact percentiles need about ten order statistics of each cell's values (a
//! thousand or so). Selection by partitioning (`select_nth_unstable`) passes over the
//! data about once per rank. Most-significant-digit radix selection passes over it
//! about three times, whatever the number of ranks: once to find the highest bit in
//! which the keys differ, once to count the keys by the 11 bits from there down (a
//! digit), and once to gather the keys of the few digits that hold a rank asked for;
//! each gathered group is then selected from in the same way. Radix selection is used
//! where it is faster: many keys, spread over many values (money). Few keys, or keys
//! bunched into a few values (counts, flags), are partitioned. The value at a rank is
//! unique under a total order, so either way the result is what a sort gives, bit for
//! bit.

/// Bits per digit: 2,048 counters (8 KiB, in the first-level cache). Fewer leave
/// large groups where a cell's values bunch together (most of them share the
/// exponent of the largest), which costs a second round.
const DIGIT_BITS: u32 = 11;
const DIGITS: usize = 1 << DIGIT_BITS;

/// Digits summed together to skip them at once when they hold no rank asked for.
const DIGITS_PER_RUN: usize = 16;
const _: () = assert!(DIGITS.is_multiple_of(DIGITS_PER_RUN));

/// Fewer keys than this are partitioned, which is faster on few keys than counting
/// into 2,048 digits (radix selection measured 1.2× slower at 100 keys, 1.1× faster
/// at 200, 1.5× at 400, 2× at 1,000).
const RADIX_FROM: usize = 256;

/// Keys looked at to tell values bunched into a few (counts, flags, whole numbers
/// of people) from values spread out (money).
const SAMPLED: usize = 32;

/// Puts the keys at ascending, distinct, in-range `ranks` (0-based) into `out`, as
/// sorting `keys` and reading them would. `keys` is left in an unspecified order.
pub(super) fn select_ranks(keys: &mut [u64], ranks: &[usize], out: &mut [u64]) {
    debug_assert_eq!(ranks.len(), out.len());
    debug_assert!(ranks.windows(2).all(|w| w[0] < w[1]));
    debug_assert!(ranks.last().is_none_or(|&r| r < keys.len()));
    if ranks.is_empty() {
        return;
    }
    let first = keys[0];
    if keys.iter().all(|&k| k == first) {
        // Every key the same (a series that never moves, a flag never raised).
        out.fill(first);
    } else if keys.len() < RADIX_FROM || bunched(keys) {
        // Bunched values fill the few digits that hold the ranks, and gathering
        // them costs more than partitioning (measured: 1.8× slower at 1,000 keys of
        // 20 values).
        by_partition(keys, 0, ranks, out);
    } else {
        by_radix(keys, ranks, out);
    }
}

/// Whether the keys take few distinct values: fewer than three quarters of
/// [`SAMPLED`] keys spread over them are distinct.
fn bunched(keys: &[u64]) -> bool {
    let step = keys.len() / SAMPLED;
    let mut sample: [u64; SAMPLED] = std::array::from_fn(|i| keys[i * step]);
    sample.sort_unstable();
    let distinct = 1 + sample.windows(2).filter(|w| w[0] != w[1]).count();
    distinct < SAMPLED * 3 / 4
}

/// [`select_ranks`] by partitioning: the middle rank selected, then each side.
/// `offset` is where `keys` starts among all the keys.
fn by_partition(keys: &mut [u64], offset: usize, ranks: &[usize], out: &mut [u64]) {
    if ranks.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let rank = ranks[middle];
    let (below, &mut pivot, above) = keys.select_nth_unstable(rank - offset);
    out[middle] = pivot;
    by_partition(below, offset, &ranks[..middle], &mut out[..middle]);
    let (mut later, mut later_out) = (&ranks[middle + 1..], &mut out[middle + 1..]);
    // The next rank up is the smallest key above: one scan, not a selection.
    if later.first() == Some(&(rank + 1)) {
        later_out[0] = above.iter().copied().min().unwrap_or(pivot);
        (later, later_out) = (&later[1..], &mut later_out[1..]);
    }
    by_partition(above, rank + 1, later, later_out);
}

/// [`select_ranks`] by the digit from the highest bit in which the keys differ.
fn by_radix(keys: &[u64], ranks: &[usize], out: &mut [u64]) {
    // The digit: the DIGIT_BITS bits from the highest one in which keys differ (all
    // keys agree above it), or the lowest bits when fewer remain.
    let differ = keys.iter().fold(0, |bits, &k| bits | (k ^ keys[0]));
    let highest = u64::BITS - differ.leading_zeros();
    let shift = highest.saturating_sub(DIGIT_BITS);
    let digit = |k: u64| ((k >> shift) as usize) & (DIGITS - 1);

    let mut counts = [0u32; DIGITS];
    for &k in keys.iter() {
        counts[digit(k)] += 1;
    }

    // The digits that hold a rank asked for, in ascending order, each with the first
    // rank of its keys in the whole and the ranks asked for within it. Most digits
    // hold none: runs of them are skipped by their sums (which vectorise).
    let mut groups: Vec<Group> = Vec::new();
    let mut slot = [u16::MAX; DIGITS];
    let mut start = 0;
    let mut next_rank = 0;
    for (run, run_counts) in counts.chunks_exact(DIGITS_PER_RUN).enumerate() {
        let run_end = start + run_counts.iter().sum::<u32>() as usize;
        if ranks[next_rank] >= run_end {
            start = run_end;
            continue;
        }
        for (j, &count) in run_counts.iter().enumerate() {
            let end = start + count as usize;
            let first_rank = next_rank;
            while next_rank < ranks.len() && ranks[next_rank] < end {
                next_rank += 1;
            }
            if next_rank > first_rank {
                slot[run * DIGITS_PER_RUN + j] = groups.len() as u16;
                groups.push(Group {
                    start,
                    count: count as usize,
                    ranks: first_rank..next_rank,
                });
            }
            start = end;
        }
        if next_rank == ranks.len() {
            break;
        }
    }

    // The keys of those digits, group after group, then each group on its own.
    let mut offsets = Vec::with_capacity(groups.len());
    let mut total = 0;
    for group in &groups {
        offsets.push(total);
        total += group.count;
    }
    let mut gathered = vec![0u64; total];
    for &k in keys.iter() {
        let s = slot[digit(k)];
        if s != u16::MAX {
            let at = &mut offsets[s as usize];
            gathered[*at] = k;
            *at += 1;
        }
    }
    let mut rest = &mut gathered[..];
    for group in &groups {
        let (mine, later) = rest.split_at_mut(group.count);
        rest = later;
        let within: Vec<usize> = ranks[group.ranks.clone()]
            .iter()
            .map(|&r| r - group.start)
            .collect();
        select_ranks(mine, &within, &mut out[group.ranks.clone()]);
    }
}

/// The keys of one digit: where they start among all keys in order, how many they
/// are, and which of the ranks asked for fall among them.
struct Group {
    start: usize,
    count: usize,
    ranks: std::ops::Range<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_sorting(keys: &[u64], ranks: &[usize]) -> Vec<u64> {
        let mut sorted = keys.to_vec();
        sorted.sort_unstable();
        ranks.iter().map(|&r| sorted[r]).collect()
    }

    /// Keys as a cell's values give them: spread out, bunched into a few values,
    /// sharing long prefixes, all one, or spread out but for a few far away (so that
    /// nearly all keys fall into one digit and are selected from by the next).
    fn keys() -> impl Strategy<Value = Vec<u64>> {
        let spread = prop::collection::vec(any::<u64>(), 1..3000);
        let bunched = prop::collection::vec(0u64..12, 1..3000);
        let prefixed = (any::<u64>(), prop::collection::vec(0u64..5000, 1..3000))
            .prop_map(|(base, low)| low.into_iter().map(|l| (base & !0xffff) | l).collect());
        let one = (any::<u64>(), 1usize..3000).prop_map(|(k, n)| vec![k; n]);
        let outlying = (
            prop::collection::vec(0u64..1 << 40, 300..3000),
            prop::collection::vec(1u64 << 60.., 1..4),
        )
            .prop_map(|(mut near, far)| {
                near.extend(far);
                near
            });
        prop_oneof![spread, bunched, prefixed, one, outlying]
    }

    proptest! {
        #[test]
        fn radix_selection_is_what_a_sort_gives(
            mut keys in keys(),
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let mut ranks: Vec<usize> = picks.iter().map(|p| p.index(keys.len())).collect();
            ranks.sort_unstable();
            ranks.dedup();
            let want = by_sorting(&keys, &ranks);
            let mut got = vec![0; ranks.len()];
            select_ranks(&mut keys, &ranks, &mut got);
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn every_rank_of_a_thousand_keys() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let keys: Vec<u64> = (0..1000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % 300
            })
            .collect();
        let ranks: Vec<usize> = (0..keys.len()).collect();
        let mut got = vec![0; ranks.len()];
        select_ranks(&mut keys.clone(), &ranks, &mut got);
        assert_eq!(got, by_sorting(&keys, &ranks));
    }
}
