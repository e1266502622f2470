//! Which part files make one run: before any cells are read, `phbsim merge` checks
//! that the parts were made by this version of phbsim from the same scenario, seed,
//! iterations and layout, and that every shard is there exactly once.

use std::path::{Path, PathBuf};

use super::index::Shard;
use super::part_file::PartHeader;
use crate::run::BLOCK_ITERATIONS;

/// Why a set of parts cannot be merged; each message names the files and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeProblem {
    #[error(
        "no part files (*.phbpart) were found in {0}; write them with `phbsim run SCENARIO --shard K/N -o DIR`"
    )]
    NoParts(String),
    #[error(
        "{file} was written by phbsim {theirs}, but this is phbsim {ours}; merge with the version that wrote the parts, or rerun the shards"
    )]
    Version {
        file: String,
        theirs: String,
        ours: String,
    },
    #[error(
        "{file} does not belong to the same run as {first}: its {what} is {theirs}, not {ours}; merge only the parts of one run (one scenario, seed, iterations and shard count)"
    )]
    Mismatch {
        file: String,
        first: String,
        what: &'static str,
        theirs: String,
        ours: String,
    },
    #[error("shard {index} of {count} appears twice: {first} and {second}; remove one of them")]
    Doubled {
        index: u64,
        count: u64,
        first: String,
        second: String,
    },
    #[error(
        "{} of {count} shard(s) missing: {}; run them with `phbsim run SCENARIO --shard K/{count} -o DIR` (e.g. --shard {}/{count})",
        .missing.len(),
        list(.missing),
        .missing[0]
    )]
    Missing { count: u64, missing: Vec<u64> },
    #[error(
        "{file} says it holds blocks {theirs}, but shard {index} of {count} holds blocks {ours}; the file is damaged"
    )]
    Blocks {
        file: String,
        index: u64,
        count: u64,
        theirs: String,
        ours: String,
    },
}

fn list(indices: &[u64]) -> String {
    let shown: Vec<String> = indices.iter().take(20).map(u64::to_string).collect();
    let more = if indices.len() > 20 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Checks the parts' headers and returns their positions in shard order.
pub fn plan(parts: &[(PathBuf, PartHeader)], version: &str) -> Result<Vec<usize>, MergeProblem> {
    let Some((first_path, first)) = parts.first() else {
        return Err(MergeProblem::NoParts("the paths given".to_string()));
    };
    for (path, header) in parts {
        if header.phbsim_version != version {
            return Err(MergeProblem::Version {
                file: name(path),
                theirs: header.phbsim_version.clone(),
                ours: version.to_string(),
            });
        }
        let checks: [(&'static str, String, String); 6] = [
            (
                "scenario (SHA-256)",
                header.scenario_sha256.clone(),
                first.scenario_sha256.clone(),
            ),
            ("seed", header.seed.to_string(), first.seed.to_string()),
            (
                "iteration count",
                header.iterations.to_string(),
                first.iterations.to_string(),
            ),
            (
                "shard count",
                header.shard_count.to_string(),
                first.shard_count.to_string(),
            ),
            (
                "output layout (SHA-256)",
                header.layout_sha256.clone(),
                first.layout_sha256.clone(),
            ),
            (
                "block size",
                header.block_iterations.to_string(),
                BLOCK_ITERATIONS.to_string(),
            ),
        ];
        for (what, theirs, ours) in checks {
            if theirs != ours {
                return Err(MergeProblem::Mismatch {
                    file: name(path),
                    first: name(first_path),
                    what,
                    theirs,
                    ours,
                });
            }
        }
    }
    let count = first.shard_count;
    let mut by_index: Vec<Option<usize>> = vec![None; count as usize];
    for (position, (path, header)) in parts.iter().enumerate() {
        let slot = by_index
            .get_mut(header.shard_index as usize)
            .ok_or_else(|| MergeProblem::Blocks {
                file: name(path),
                index: header.shard_index,
                count,
                theirs: format!("{}..{}", header.first_block, header.end_block),
                ours: "none (the index is out of range)".to_string(),
            })?;
        if let Some(earlier) = *slot {
            return Err(MergeProblem::Doubled {
                index: header.shard_index,
                count,
                first: name(&parts[earlier].0),
                second: name(path),
            });
        }
        *slot = Some(position);
        let expected = Shard {
            index: header.shard_index,
            count,
        }
        .blocks(header.iterations);
        if expected != (header.first_block..header.end_block) {
            return Err(MergeProblem::Blocks {
                file: name(path),
                index: header.shard_index,
                count,
                theirs: format!("{}..{}", header.first_block, header.end_block),
                ours: format!("{}..{}", expected.start, expected.end),
            });
        }
    }
    let missing: Vec<u64> = (0..count)
        .filter(|&k| by_index[k as usize].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(MergeProblem::Missing { count, missing });
    }
    Ok(by_index.into_iter().map(|p| p.expect("checked")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(index: u64, count: u64) -> PartHeader {
        let blocks = Shard { index, count }.blocks(1000);
        PartHeader {
            phbsim_version: "1.0".into(),
            scenario_file: "s.toml".into(),
            scenario_sha256: "abc".into(),
            scenario_text: String::new(),
            seed: 1,
            iterations: 1000,
            iterations_overridden: false,
            seed_overridden: false,
            shard_index: index,
            shard_count: count,
            first_block: blocks.start,
            end_block: blocks.end,
            block_iterations: BLOCK_ITERATIONS,
            exact_percentiles: true,
            layout_sha256: "def".into(),
            threads: 2,
            started: String::new(),
            finished: String::new(),
            elapsed_seconds: 0.0,
        }
    }

    fn parts(headers: Vec<PartHeader>) -> Vec<(PathBuf, PartHeader)> {
        headers
            .into_iter()
            .map(|h| (PathBuf::from(format!("p/{}", h.shard_index)), h))
            .collect()
    }

    #[test]
    fn parts_in_any_order_are_put_in_shard_order() {
        let given = parts(vec![header(2, 3), header(0, 3), header(1, 3)]);
        assert_eq!(plan(&given, "1.0"), Ok(vec![1, 2, 0]));
    }

    #[test]
    fn each_problem_is_named() {
        let missing = plan(&parts(vec![header(0, 4), header(2, 4)]), "1.0").unwrap_err();
        assert_eq!(
            missing,
            MergeProblem::Missing {
                count: 4,
                missing: vec![1, 3]
            }
        );
        assert!(missing.to_string().contains("--shard 1/4"));
        let doubled = plan(&parts(vec![header(0, 2), header(0, 2)]), "1.0").unwrap_err();
        assert!(matches!(doubled, MergeProblem::Doubled { index: 0, .. }));
        let mut other_seed = header(1, 2);
        other_seed.seed = 2;
        let mismatch = plan(&parts(vec![header(0, 2), other_seed]), "1.0").unwrap_err();
        assert!(
            mismatch.to_string().contains("its seed is 2, not 1"),
            "{mismatch}"
        );
        let version = plan(&parts(vec![header(0, 1)]), "2.0").unwrap_err();
        assert!(matches!(version, MergeProblem::Version { .. }));
        let mut moved = header(0, 2);
        moved.end_block = 3;
        assert!(matches!(
            plan(&parts(vec![moved, header(1, 2)]), "1.0"),
            Err(MergeProblem::Blocks { .. })
        ));
    }
}
