//! `manifest.json`: what was run, with what, and when (SPEC section 6); and the files
//! a directory marked by it may hold.

use serde::{Deserialize, Serialize};

use crate::hash::sha256_hex;
use crate::run::RunSettings;
use crate::scenario::Validated;
use crate::scenario::load::Source;

/// The files phbsim writes into an output directory; anything else marks the directory
/// as someone else's.
pub const OWN_FILES: [&str; 14] = [
    "months.csv",
    "summary.csv",
    "years.csv",
    "manifest.json",
    "scenario.toml",
    "report.html",
    "compare.csv",
    "sensitivity.csv",
    "stress.csv",
    "stress.txt",
    "posterior.csv",
    "calibration.csv",
    "calibration.html",
    "results.xlsx",
];

/// The record of one run, written beside its outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always "phbsim": marks a directory as phbsim's own.
    pub tool: String,
    pub phbsim_version: String,
    pub scenario_name: String,
    /// The scenario file as given (or `example-icb.toml` for the built-in example).
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes, hex.
    pub scenario_sha256: String,
    pub seed: u64,
    pub iterations: u64,
    /// Whether `-n` / `--seed` overrode the file's values.
    pub iterations_overridden: bool,
    pub seed_overridden: bool,
    pub threads: usize,
    /// Whether percentiles are exact type 7 or within SPEC section 6's bound.
    pub exact_percentiles: bool,
    /// Names of the variants run beside the base, in file order.
    #[serde(default)]
    pub variants: Vec<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    pub elapsed_seconds: f64,
    /// For a run merged from `run --shard` parts: the number of shards. Then
    /// `elapsed_seconds` is the shards' computing time plus the merge's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u64>,
}

/// What a command knows about its run before it starts: the scenario as read, the
/// settings and whether the command line overrode them, and the workers.
#[derive(Debug, Clone, Copy)]
pub struct RunRecord<'a> {
    pub source: &'a Source,
    pub validated: &'a Validated,
    pub settings: RunSettings,
    pub iterations_overridden: bool,
    pub seed_overridden: bool,
    pub threads: usize,
    /// Whether the variants were run beside the base (not by `sensitivity` and
    /// `stress`, which analyse the base alone).
    pub with_variants: bool,
}

/// When a command ran: RFC 3339 start and finish (UTC), and the seconds it computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub started: String,
    pub finished: String,
    pub elapsed_seconds: f64,
}

impl Manifest {
    /// A manifest with fixed times, for tests and benches that build a run's files
    /// without a command: the run of `text` (named `name`, read from `file`) with
    /// `seed` and `iterations`, neither overridden, on one thread, without variants,
    /// from 2027-01-01T00:00:00Z for one second; version `0.0.0-test`.
    pub fn fixed(
        name: &str,
        file: &str,
        text: &str,
        (seed, iterations): (u64, u64),
        exact_percentiles: bool,
    ) -> Manifest {
        Manifest {
            tool: "phbsim".into(),
            phbsim_version: "0.0.0-test".into(),
            scenario_name: name.into(),
            scenario_file: file.into(),
            scenario_sha256: sha256_hex(text.as_bytes()),
            seed,
            iterations,
            iterations_overridden: false,
            seed_overridden: false,
            threads: 1,
            exact_percentiles,
            variants: Vec::new(),
            started: "2027-01-01T00:00:00Z".into(),
            finished: "2027-01-01T00:00:01Z".into(),
            elapsed_seconds: 1.0,
            shards: None,
        }
    }

    /// The manifest of a finished run: `record`, when it ran, and whether its
    /// percentiles are exact.
    pub fn new(record: RunRecord<'_>, timing: Timing, exact_percentiles: bool) -> Manifest {
        let variants = if record.with_variants {
            record
                .validated
                .variants
                .iter()
                .map(|v| v.name.clone())
                .collect()
        } else {
            Vec::new()
        };
        Manifest {
            tool: "phbsim".to_string(),
            phbsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_name: record.validated.scenario.name.clone(),
            scenario_file: record.source.name.display().to_string(),
            scenario_sha256: sha256_hex(record.source.text.as_bytes()),
            seed: record.settings.seed,
            iterations: record.settings.iterations,
            iterations_overridden: record.iterations_overridden,
            seed_overridden: record.seed_overridden,
            threads: record.threads,
            exact_percentiles,
            variants,
            started: timing.started,
            finished: timing.finished,
            elapsed_seconds: timing.elapsed_seconds,
            shards: None,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        text.push('\n');
        text
    }
}
