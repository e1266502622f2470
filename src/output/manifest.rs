//! `manifest.json`: what was run, with what, and when (SPEC section 6).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Manifest {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
