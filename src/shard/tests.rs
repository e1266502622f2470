//! A sharded run, written to part files and merged, is the single run bit for bit:
//! for several shard counts (more shards than blocks included), with kept values and
//! with streaming summaries, with variants and their paired differences.

use super::Shard;
use super::part_file::{PartError, PartHeader, read_part, read_part_onto, write_part};
use crate::run::bound_check;
use crate::run::{
    Accumulated, BLOCK_ITERATIONS, Run, RunLayout, RunSettings, SetResult, keeps_every_value,
};
use crate::scenario::Scenario;
use crate::scenario::load::EXAMPLE;
use crate::scenario::parse_scenario;

/// Three blocks, the last one partial.
const ITERATIONS: u64 = 2 * BLOCK_ITERATIONS + 88;

fn example_set() -> Vec<Scenario> {
    let validated = parse_scenario(EXAMPLE).expect("the example is valid");
    std::iter::once(validated.scenario)
        .chain(validated.variants.into_iter().map(|v| v.scenario))
        .collect()
}

fn header(shard: Shard, partial: &Accumulated) -> PartHeader {
    PartHeader {
        phbsim_version: "test".into(),
        scenario_file: "example-icb.toml".into(),
        scenario_sha256: String::new(),
        scenario_text: String::new(),
        seed: 0,
        iterations: partial.iterations,
        iterations_overridden: false,
        seed_overridden: false,
        shard_index: shard.index,
        shard_count: shard.count,
        first_block: partial.blocks.start,
        end_block: partial.blocks.end,
        block_iterations: BLOCK_ITERATIONS,
        exact_percentiles: partial.exact,
        layout_sha256: String::new(),
        threads: 1,
        started: String::new(),
        finished: String::new(),
        elapsed_seconds: 0.0,
    }
}

fn bits(cells: &[Option<crate::stats::Summary>]) -> Vec<[u64; 7]> {
    cells
        .iter()
        .map(|c| c.map_or([0; 7], |s| s.to_array().map(f64::to_bits)))
        .collect()
}

/// Runs every shard of `count`, each through a part file in memory, and reads them
/// onto one partial result as `phbsim merge` does.
fn sharded(scenarios: &[&Scenario], settings: RunSettings, count: u64) -> SetResult {
    let layout = RunLayout::of(scenarios);
    let shape = layout.shape();
    let exact = keeps_every_value(shape.values_per_iteration(), &settings);
    let mut merged = Accumulated::empty(settings.iterations, 0, exact, &shape, 0);
    for index in 0..count {
        let shard = Shard { index, count };
        let blocks = shard.blocks(settings.iterations);
        let partial = Run::new(scenarios, settings).blocks(blocks).unwrap();
        let mut bytes = Vec::new();
        write_part(&mut bytes, &header(shard, &partial), &partial).unwrap();
        let (_, read) = read_part(&bytes[..], &|_| Ok(shape.clone())).unwrap();
        assert_eq!(read, partial, "a part file reads back as written");
        read_part_onto(&bytes[..], &|_| Ok(shape.clone()), &mut merged).unwrap();
    }
    merged.finish(layout)
}

fn assert_identical(a: &SetResult, b: &SetResult) {
    for (x, y) in a.runs.iter().zip(&b.runs) {
        assert_eq!(bits(&x.monthly), bits(&y.monthly));
        assert_eq!(bits(&x.summary), bits(&y.summary));
        assert_eq!(x.exact_percentiles, y.exact_percentiles);
    }
    assert_eq!(a.comparisons.len(), b.comparisons.len());
    for (x, y) in a.comparisons.iter().zip(&b.comparisons) {
        assert_eq!(bits(&x.difference), bits(&y.difference));
        let p =
            |c: &crate::run::Comparison| c.p_worse.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(p(x), p(y));
    }
}

#[test]
fn sharded_runs_with_every_value_kept_merge_to_the_single_run() {
    let set = example_set();
    let scenarios: Vec<&Scenario> = set.iter().collect();
    let settings = RunSettings::new(ITERATIONS, 3);
    let single = Run::new(&scenarios, settings).all().unwrap();
    assert!(single.runs[0].exact_percentiles);
    assert_eq!(single.comparisons.len(), 5, "the example's five variants");
    for count in [3, 5] {
        assert_identical(&sharded(&scenarios, settings, count), &single);
    }
}

#[test]
fn sharded_runs_with_streaming_summaries_merge_to_the_single_run() {
    let set = example_set();
    let scenarios: Vec<&Scenario> = set.iter().collect();
    let settings = RunSettings {
        exact_value_limit: 0,
        ..RunSettings::new(ITERATIONS, 3)
    };
    let single = Run::new(&scenarios, settings).all().unwrap();
    assert!(!single.runs[0].exact_percentiles);
    for count in [2, 7] {
        assert_identical(&sharded(&scenarios, settings, count), &single);
    }
}

/// Past 65,535 iterations a bucket's count needs the high half that
/// `stats::counts` allocates only then, and this run passes it three ways. Each of
/// its two shards holds about 65,550 iterations, so a cell constant through the run
/// passes 65,535 within a shard and goes through a part file with its high half.
/// Month 1's `in_distress` of the closed-form scenario is 0 in about 54% of
/// iterations: about 35,000 zeros a shard, which pass 65,535 only in the merge (and in
/// the single run). A count that wrapped at 65,536 would leave about 5,000 zeros and
/// move that cell's median from 0 to 1, far outside SPEC section 6's bound, which the
/// second half checks against the exact run.
#[test]
fn merged_streaming_counts_past_65535_are_the_single_run_and_within_the_bound() {
    const PAST_TWO_BYTES: u64 = 512 * BLOCK_ITERATIONS + 37;
    let scenario = crate::sensitivity::test_scenario::closed_form();
    let scenarios = [&scenario];
    let streaming = RunSettings {
        exact_value_limit: 0,
        ..RunSettings::new(PAST_TWO_BYTES, 5)
    };
    let single = Run::new(&scenarios, streaming).all().unwrap();
    assert!(!single.runs[0].exact_percentiles);
    assert_identical(&sharded(&scenarios, streaming, 2), &single);

    let exact = Run::new(&scenarios, RunSettings::new(PAST_TWO_BYTES, 5))
        .all()
        .unwrap();
    assert!(exact.runs[0].exact_percentiles);
    let (monthly_range, summary_range) = bound_check::cell_ranges(&scenario, 5, PAST_TWO_BYTES);
    let (streamed, exact) = (&single.runs[0], &exact.runs[0]);
    let monthly = streamed
        .monthly
        .iter()
        .zip(&exact.monthly)
        .zip(monthly_range);
    let summary = streamed
        .summary
        .iter()
        .zip(&exact.summary)
        .zip(summary_range);
    let mut split_flags = 0;
    for ((s, e), range) in monthly.chain(summary) {
        let (Some(s), Some(e)) = (s, e) else {
            assert_eq!(s.is_some(), e.is_some());
            continue;
        };
        bound_check::assert_quartiles_within_bound(s, e, range);
        // Flags are whole numbers, exact in any summary.
        if e.p50.to_bits() == 0f64.to_bits() && e.p75.to_bits() == 1f64.to_bits() {
            split_flags += 1;
        }
    }
    assert!(split_flags > 0, "a flag cell with most values 0 and many 1");
}

#[test]
fn parts_that_do_not_follow_each_other_are_refused() {
    let set = example_set();
    let scenarios = [&set[0]];
    let settings = RunSettings::new(ITERATIONS, 3);
    let shape = RunLayout::of(&scenarios).shape();
    let first = Run::new(&scenarios, settings).blocks(0..1).unwrap();
    let third = Run::new(&scenarios, settings).blocks(2..3).unwrap();
    let mut bytes = Vec::new();
    let shard = Shard { index: 2, count: 3 };
    write_part(&mut bytes, &header(shard, &third), &third).unwrap();
    let mut merged = first;
    let error = read_part_onto(&bytes[..], &|_| Ok(shape.clone()), &mut merged).unwrap_err();
    assert!(error.to_string().contains("do not follow"), "{error}");
    assert!(!merged.is_complete());
}

#[test]
fn damaged_part_files_are_refused() {
    let set = example_set();
    let scenarios = [&set[0]];
    let settings = RunSettings::new(300, 3);
    let partial = Run::new(&scenarios, settings).blocks(1..2).unwrap();
    let shard = Shard { index: 1, count: 2 };
    let mut bytes = Vec::new();
    write_part(&mut bytes, &header(shard, &partial), &partial).unwrap();
    let shape = RunLayout::of(&scenarios).shape();
    let read = |bytes: &[u8]| read_part(bytes, &|_| Ok(shape.clone())).map(|_| ());
    assert!(read(&bytes).is_ok());
    let truncated = &bytes[..bytes.len() - 40];
    assert!(
        read(truncated)
            .unwrap_err()
            .to_string()
            .contains("ends early")
    );
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    assert!(read(&flipped).unwrap_err().to_string().contains("damaged"));
    assert!(matches!(read(b"hello, world"), Err(PartError::NotAPart)));
}

#[test]
fn a_compressed_part_round_trips_and_is_smaller_than_its_values() {
    let set = example_set();
    let scenarios = [&set[0]];
    let settings = RunSettings::new(BLOCK_ITERATIONS, 5);
    let partial = Run::new(&scenarios, settings).blocks(0..1).unwrap();
    assert!(partial.exact, "every value is kept, as doubles");
    let shard = Shard { index: 0, count: 1 };
    let mut bytes = Vec::new();
    write_part(&mut bytes, &header(shard, &partial), &partial).unwrap();
    assert!(bytes.starts_with(b"PHBSIM-PART 2\n"));
    let shape = RunLayout::of(&scenarios).shape();
    let (read_header, read) = read_part(&bytes[..], &|_| Ok(shape.clone())).unwrap();
    assert_eq!(read_header, header(shard, &partial));
    assert_eq!(read, partial, "a compressed part reads back as written");
    // Uncompressed, the cells alone are 8 bytes per value kept; compressed, this
    // block's are 54% of that (3,722,786 bytes), pinned loosely at 60%.
    let values = shape.values_per_iteration() as usize * BLOCK_ITERATIONS as usize;
    assert!(
        bytes.len() < values * 8 * 6 / 10,
        "{} bytes for {values} values",
        bytes.len()
    );
}

/// Format 1 stored the cells uncompressed; a merge must say the part is of another
/// format and how to fix it, not that it is damaged or not a part at all.
#[test]
fn a_part_of_format_1_is_refused_with_its_format() {
    let shape = RunLayout::of(&[&example_set()[0]]).shape();
    let error = read_part(&b"PHBSIM-PART 1\n\x10\0\0\0\0\0\0\0{}"[..], &|_| {
        Ok(shape.clone())
    })
    .map(|_| ())
    .unwrap_err();
    assert!(
        matches!(&error, PartError::OtherFormat(v) if v == "1"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "a part file of format 1, but this phbsim reads format 2 (compressed cells); rerun the shard with this phbsim"
    );
}
