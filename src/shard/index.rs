//! Which shard of a run to compute: `--shard K/N`, with `K` given or, as `auto`, read
//! from a cluster's job-array variables; and the blocks shard K of N owns.

use std::ops::Range;

use crate::run::block_count;

/// Shard `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// The environment variables `--shard auto/N` reads the index from, in this order,
/// with the scheduler each belongs to.
pub const INDEX_VARIABLES: [(&str, &str); 3] = [
    ("SLURM_ARRAY_TASK_ID", "Slurm job arrays"),
    ("JOB_COMPLETION_INDEX", "Kubernetes indexed jobs"),
    ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch array jobs"),
];

/// A `--shard` value that cannot be used; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error(
        "--shard {0:?} is not K/N: give the shard index and count, e.g. --shard 3/8 or --shard auto/8"
    )]
    Syntax(String),
    #[error("--shard {0:?}: the shard count must be at least 1")]
    NoShards(String),
    #[error(
        "--shard {given:?}: shard index {index} is out of range for {count} shard(s); indices run from 0 to {last}{hint}",
        last = count - 1
    )]
    OutOfRange {
        given: String,
        index: u64,
        count: u64,
        hint: String,
    },
    #[error(
        "--shard auto/{count} reads the shard index from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX, and none is set; give it explicitly, e.g. --shard 0/{count}"
    )]
    NoIndexVariable { count: u64 },
    #[error("{variable}={value:?} is not a shard index (a whole number from 0)")]
    BadIndexVariable { variable: String, value: String },
}

impl Shard {
    /// Parses `K/N` or `auto/N`; `lookup` reads an environment variable (passed in so
    /// tests need not change the process environment).
    pub fn parse(
        given: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(given.to_string());
        let (index, count) = given.split_once('/').ok_or_else(syntax)?;
        let count: u64 = count.trim().parse().map_err(|_| syntax())?;
        if count == 0 {
            return Err(ShardError::NoShards(given.to_string()));
        }
        let (index, hint) = if index.trim() == "auto" {
            index_from_environment(count, lookup)?
        } else {
            (index.trim().parse().map_err(|_| syntax())?, String::new())
        };
        if index >= count {
            return Err(ShardError::OutOfRange {
                given: given.to_string(),
                index,
                count,
                hint,
            });
        }
        Ok(Shard { index, count })
    }

    /// The blocks of a run of `iterations` this shard computes: the blocks are shared
    /// out in contiguous, near-equal ranges (some empty when there are more shards than
    /// blocks).
    pub fn blocks(&self, iterations: u64) -> Range<u64> {
        let total = u128::from(block_count(iterations));
        let at = |k: u64| (total * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The file name of this shard's partial result.
    pub fn file_name(&self) -> String {
        format!("part-{:04}-of-{:04}.phbpart", self.index, self.count)
    }
}

/// The index from the first job-array variable set, and a hint for when it is out of
/// range. The task id is the shard index as it is: Slurm arrays must run `0-(N−1)`,
/// so that rerunning one failed task (`sbatch --array=3`) recomputes shard 3.
fn index_from_environment(
    count: u64,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(u64, String), ShardError> {
    let (variable, value) = INDEX_VARIABLES
        .iter()
        .find_map(|&(name, _)| lookup(name).map(|value| (name, value)))
        .ok_or(ShardError::NoIndexVariable { count })?;
    let number = |name: &str, text: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| ShardError::BadIndexVariable {
                variable: name.to_string(),
                value: text.to_string(),
            })
    };
    let index = number(variable, &value)?;
    if variable == "SLURM_ARRAY_TASK_ID" {
        let hint = format!(
            " (read from SLURM_ARRAY_TASK_ID={value}); submit the job array with --array=0-{}",
            count - 1
        );
        return Ok((index, hint));
    }
    Ok((index, format!(" (read from {variable}={value})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn explicit_and_automatic_indices() {
        let none = env(&[]);
        assert_eq!(Shard::parse("3/8", &none), Ok(Shard { index: 3, count: 8 }));
        // A rerun of one task (`sbatch --array=5`) keeps its index.
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "5")]);
        assert_eq!(
            Shard::parse("auto/8", &slurm),
            Ok(Shard { index: 5, count: 8 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2")]);
        assert_eq!(
            Shard::parse("auto/4", &k8s),
            Ok(Shard { index: 2, count: 4 })
        );
        let aws = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0")]);
        assert_eq!(
            Shard::parse("auto/1", &aws),
            Ok(Shard { index: 0, count: 1 })
        );
    }

    #[test]
    fn every_bad_value_says_how_to_fix_it() {
        let none = env(&[]);
        let message = |given: &str, lookup: &dyn Fn(&str) -> Option<String>| {
            Shard::parse(given, lookup).unwrap_err().to_string()
        };
        assert!(message("3", &none).contains("e.g. --shard 3/8"));
        assert!(message("x/8", &none).contains("is not K/N"));
        assert!(message("0/0", &none).contains("at least 1"));
        assert!(message("8/8", &none).contains("from 0 to 7"));
        assert!(message("auto/8", &none).contains("none is set"));
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "8")]);
        assert!(message("auto/8", &slurm).contains("--array=0-7"));
        let bad = env(&[("JOB_COMPLETION_INDEX", "two")]);
        assert!(message("auto/8", &bad).contains("JOB_COMPLETION_INDEX=\"two\""));
    }

    #[test]
    fn shards_cover_every_block_once() {
        for iterations in [1, 255, 256, 257, 2000, 10_000] {
            for count in 1..=12 {
                let mut next = 0;
                for index in 0..count {
                    let blocks = Shard { index, count }.blocks(iterations);
                    assert_eq!(blocks.start, next);
                    next = blocks.end;
                }
                assert_eq!(next, block_count(iterations));
            }
        }
    }
}
