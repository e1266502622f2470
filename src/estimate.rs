//! What a run will cost, estimated from the scenario's size before anything starts,
//! and the limits beyond which `phbsim run` refuses it (unless told otherwise).
//!
//! A valid scenario may still be absurd to run: 600 months of 100,000 cohorts keep
//! hundreds of millions of output cells, and a billion iterations of the example take
//! days. Such a run is refused up front with the estimate, rather than failing hours
//! in or exhausting memory. The limits are fixed numbers, never the machine's free
//! memory, so whether a run is refused does not depend on where or when it starts.
//!
//! The estimate follows [`crate::run`]: the kept values of every cell of the base
//! scenario, its variants and their paired differences (or each cell's bounded
//! streaming summary), one chunk of iterations in flight, the summaries, and the CSV
//! text held before writing.

use crate::run::{RunLayout, RunSettings, chunk_iterations, keeps_every_value};
use crate::scenario::Scenario;
use crate::stats::{StreamingSummary, Summary};

/// Memory above which a run is refused: 16 GiB.
pub const MEMORY_LIMIT_BYTES: u64 = 16 << 30;

/// Work (output cells × iterations) above which a run is refused: 10^12, some
/// 17 hours on one core at [`SECONDS_PER_CELL_ITERATION`].
pub const WORK_LIMIT: u64 = 1_000_000_000_000;

/// Time of one output cell in one iteration on one core, including its share of the
/// simulation and of the statistics: about 40–60 ns for the shipped scenarios in a
/// release build on a 2026 x86-64 core; the estimate takes the slower end.
pub const SECONDS_PER_CELL_ITERATION: f64 = 60e-9;

/// Bytes of CSV text per monthly output row (a row is about 120–160 characters).
const CSV_BYTES_PER_CELL: u64 = 160;

/// The estimated cost of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Monthly cells (series × months) and summary cells.
    pub cells: u64,
    pub months: u32,
    pub iterations: u64,
    /// Peak memory, in bytes.
    pub memory_bytes: u64,
    /// Output cells × iterations.
    pub work: u64,
}

impl Estimate {
    /// The cost of running `scenarios` (a base and its variants, run together as
    /// [`crate::run::Run`] does) with `settings`.
    pub fn of(scenarios: &[&Scenario], settings: &RunSettings) -> Estimate {
        // The run's own cell counts, so the estimate cannot drift from what runs.
        let shape = RunLayout::of(scenarios).shape();
        let monthly: u64 = shape.runs.iter().map(|&(m, _)| m as u64).sum();
        let cells = shape.values_per_iteration();
        let values = if keeps_every_value(cells, settings) {
            cells.saturating_mul(settings.iterations).saturating_mul(8)
        } else {
            let summary = StreamingSummary::max_bytes(settings.iterations) as u64;
            cells.saturating_mul(summary + 16)
        };
        let chunk = chunk_iterations(cells).min(settings.iterations);
        let in_flight = cells.saturating_mul(chunk).saturating_mul(8);
        let summaries = cells.saturating_mul(std::mem::size_of::<Option<Summary>>() as u64);
        let csv = monthly.saturating_mul(CSV_BYTES_PER_CELL);
        Estimate {
            cells,
            months: scenarios.iter().map(|s| s.months).max().unwrap_or(0),
            iterations: settings.iterations,
            memory_bytes: values
                .saturating_add(in_flight)
                .saturating_add(summaries)
                .saturating_add(csv),
            work: cells.saturating_mul(settings.iterations),
        }
    }

    /// Estimated wall-clock seconds on `threads` threads.
    pub fn seconds(&self, threads: usize) -> f64 {
        self.work as f64 * SECONDS_PER_CELL_ITERATION / threads.max(1) as f64
    }

    /// `Err` with the reasons when the run is beyond the limits.
    pub fn check(&self, threads: usize) -> Result<(), TooLarge> {
        if self.memory_bytes > MEMORY_LIMIT_BYTES || self.work > WORK_LIMIT {
            Err(TooLarge {
                estimate: *self,
                threads,
            })
        } else {
            Ok(())
        }
    }
}

/// A run refused for its size, with what it would need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooLarge {
    pub estimate: Estimate,
    pub threads: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.estimate;
        let mut beyond = Vec::new();
        if e.memory_bytes > MEMORY_LIMIT_BYTES {
            beyond.push(format!("{} of memory", bytes(MEMORY_LIMIT_BYTES)));
        }
        if e.work > WORK_LIMIT {
            beyond.push(format!(
                "{WORK_LIMIT} cell-iterations of work (about {} on one core)",
                duration(WORK_LIMIT as f64 * SECONDS_PER_CELL_ITERATION)
            ));
        }
        write!(
            f,
            "this run is too large to start: {} output cells ({} months) × {} iterations would need about {} of memory and {} of computing on {} thread(s), beyond the limit of {}. Lower the iterations (`-n` or `iterations`), the months, or the number of cohorts and services; or pass --allow-large to run it anyway",
            e.cells,
            e.months,
            e.iterations,
            bytes(e.memory_bytes),
            duration(e.seconds(self.threads)),
            self.threads,
            beyond.join(" and "),
        )
    }
}

impl std::error::Error for TooLarge {}

/// Bytes in binary units, two significant figures or so: "2.4 TiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A duration in the largest sensible unit: "45 s", "12 min", "3.5 hours", "41 days".
pub fn duration(seconds: f64) -> String {
    let (value, unit) = if seconds < 90.0 {
        (seconds, "s")
    } else if seconds < 90.0 * 60.0 {
        (seconds / 60.0, "min")
    } else if seconds < 48.0 * 3600.0 {
        (seconds / 3600.0, "hours")
    } else if seconds < 730.0 * 86_400.0 {
        (seconds / 86_400.0, "days")
    } else {
        (seconds / (365.25 * 86_400.0), "years")
    };
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;

    fn example() -> Scenario {
        parse_scenario(EXAMPLE).expect("valid").scenario
    }

    #[test]
    fn the_example_at_its_own_size_is_well_within_the_limits() {
        let s = example();
        let estimate = Estimate::of(&[&s], &RunSettings::new(s.iterations, s.seed));
        assert!(estimate.check(1).is_ok(), "{estimate:?}");
        assert!(estimate.memory_bytes < 100 << 20, "{estimate:?}");
        // 1,000 iterations of about 3,300 cells: a fraction of a second per core.
        assert!(estimate.seconds(1) < 1.0, "{estimate:?}");
    }

    #[test]
    fn a_billion_iterations_are_too_much_work_but_not_too_much_memory() {
        let estimate = Estimate::of(&[&example()], &RunSettings::new(1_000_000_000, 1));
        assert!(
            estimate.memory_bytes < MEMORY_LIMIT_BYTES,
            "streaming keeps it bounded"
        );
        let refusal = estimate.check(2).unwrap_err().to_string();
        assert!(refusal.contains("× 1000000000 iterations"), "{refusal}");
        assert!(
            refusal.contains("2.3 days of computing on 2 thread(s)"),
            "{refusal}"
        );
    }

    /// A streaming cell's histogram allocates the high halves of its counts (512
    /// buckets × 2 bytes) only when a bucket can pass 65,535 values.
    #[test]
    fn streaming_cells_count_the_high_halves_of_their_counts_past_65535_iterations() {
        let s = example();
        let at = |iterations| Estimate::of(&[&s], &RunSettings::new(iterations, 1));
        let (below, past) = (at(65_535), at(65_536));
        assert!(!keeps_every_value(
            below.cells,
            &RunSettings::new(65_535, 1)
        ));
        assert_eq!(past.memory_bytes - below.memory_bytes, past.cells * 1024);
    }

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(16 << 30), "16 GiB");
        assert_eq!(bytes(2_600_000_000_000), "2.4 TiB");
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(3.5 * 3600.0), "3.5 hours");
        assert_eq!(duration(41.0 * 86_400.0), "41 days");
    }
}
