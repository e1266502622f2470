//! End-to-end tests of sharded runs: `run --shard K/N` then `merge` gives the files of
//! a single `run` byte for byte, for several N; and every error path of both commands
//! exits 2 with a message that names the problem and the fix.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// [`crate::support::phbsim`] without the array-job index variables of the
/// environment the tests run in.
fn phbsim() -> Command {
    let mut command = crate::support::phbsim();
    // The index variables must come from the test alone.
    for variable in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        command.env_remove(variable);
    }
    command
}

/// Three blocks of 256 iterations, the last one partial.
const ITERATIONS: &str = "600";

fn shard(parts: &Path, given: &str) {
    phbsim()
        .args(["run", "-q", "-n", ITERATIONS, "--shard", given, "-o"])
        .arg(parts)
        .assert()
        .success();
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report without its "Run finished" time, which differs between any two runs.
fn report_without_time(dir: &Path) -> String {
    let text = String::from_utf8(read(&dir.join("report.html"))).unwrap();
    let start = text
        .find("<dt>Run finished</dt>")
        .expect("the report shows the time");
    let end = start + text[start..].find("</dd>").unwrap();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn merged_shards_are_byte_identical_to_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single");
    phbsim()
        .args(["run", "-q", "-n", ITERATIONS, "-o"])
        .arg(&single)
        .assert()
        .success();
    // 1 shard, 3 (one block each) and 8 (more shards than blocks: some are empty).
    for count in [1, 3, 8] {
        let parts = dir.path().join(format!("parts-{count}"));
        // In reverse order, and one index from the Slurm variable: order is irrelevant.
        for index in (1..count).rev() {
            shard(&parts, &format!("{index}/{count}"));
        }
        phbsim()
            .args([
                "run",
                "-q",
                "-n",
                ITERATIONS,
                "--shard",
                &format!("auto/{count}"),
                "-o",
            ])
            .arg(&parts)
            .env("SLURM_ARRAY_TASK_ID", "0")
            .assert()
            .success();
        let merged = dir.path().join(format!("merged-{count}"));
        phbsim()
            .args(["merge", "-q", "-o"])
            .arg(&merged)
            .arg(&parts)
            .assert()
            .success();
        for file in [
            "months.csv",
            "summary.csv",
            "years.csv",
            "compare.csv",
            "scenario.toml",
            "results.xlsx",
        ] {
            assert!(
                read(&single.join(file)) == read(&merged.join(file)),
                "{file} differs with {count} shard(s)"
            );
        }
        assert_eq!(report_without_time(&single), report_without_time(&merged));
        let manifest = String::from_utf8(read(&merged.join("manifest.json"))).unwrap();
        assert!(
            manifest.contains(&format!("\"shards\": {count}")),
            "{manifest}"
        );
        assert!(manifest.contains("\"iterations\": 600"), "{manifest}");
    }
}

#[test]
fn merge_prints_the_run_table() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    shard(&parts, "0/2");
    shard(&parts, "1/2");
    phbsim()
        .args(["merge", "-o"])
        .arg(dir.path().join("out"))
        .arg(&parts)
        .assert()
        .success()
        .stdout(predicate::str::contains("P(distr.)"))
        .stdout(predicate::str::contains(
            "merged 2 shard(s) of 600 iterations",
        ));
}

#[test]
fn bad_shard_values_exit_2_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // (--shard value, an index variable set, what the message says)
    type Case<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a str);
    let cases: [Case<'_>; 5] = [
        ("3", None, "e.g. --shard 3/8"),
        ("8/8", None, "indices run from 0 to 7"),
        ("auto/4", None, "none is set"),
        ("auto/4", Some(("SLURM_ARRAY_TASK_ID", "4")), "--array=0-3"),
        (
            "auto/4",
            Some(("JOB_COMPLETION_INDEX", "x")),
            "not a shard index",
        ),
    ];
    for (given, variable, message) in cases {
        let mut command = phbsim();
        command
            .args(["run", "-q", "--shard", given, "-o"])
            .arg(dir.path().join("parts"));
        if let Some((name, value)) = variable {
            command.env(name, value);
        }
        command
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!dir.path().join("parts").exists(), "nothing is written");
}

#[test]
fn merge_refuses_incomplete_doubled_mixed_or_damaged_parts() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    shard(&parts, "0/3");
    shard(&parts, "2/3");
    let merge = |from: &Path| {
        let mut command = phbsim();
        command
            .args(["merge", "-q", "-o"])
            .arg(dir.path().join("out"))
            .arg(from);
        command.assert()
    };
    merge(&parts)
        .code(2)
        .stderr(predicate::str::contains("1 of 3 shard(s) missing: 1"))
        .stderr(predicate::str::contains("--shard 1/3"));

    shard(&parts, "1/3");
    let first = parts.join("part-0000-of-0003.phbpart");
    std::fs::copy(&first, parts.join("copy.phbpart")).unwrap();
    merge(&parts)
        .code(2)
        .stderr(predicate::str::contains("shard 0 of 3 appears twice"));
    std::fs::remove_file(parts.join("copy.phbpart")).unwrap();

    // A shard of another seed does not belong to the run.
    let other = dir.path().join("other");
    phbsim()
        .args([
            "run", "-q", "-n", ITERATIONS, "--seed", "99", "--shard", "1/3", "-o",
        ])
        .arg(&other)
        .assert()
        .success();
    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    std::fs::copy(&first, mixed.join("a.phbpart")).unwrap();
    std::fs::copy(
        other.join("part-0001-of-0003.phbpart"),
        mixed.join("b.phbpart"),
    )
    .unwrap();
    std::fs::copy(
        parts.join("part-0002-of-0003.phbpart"),
        mixed.join("c.phbpart"),
    )
    .unwrap();
    merge(&mixed)
        .code(2)
        .stderr(predicate::str::contains("its seed is 99, not"));

    // A truncated part (a copy cut short on a shared filesystem, say).
    let bytes = read(&first);
    std::fs::write(&first, &bytes[..bytes.len() / 2]).unwrap();
    merge(&parts)
        .code(2)
        .stderr(predicate::str::contains("damaged or truncated"))
        .stderr(predicate::str::contains("part-0000-of-0003.phbpart"));
    std::fs::write(&first, b"not a part").unwrap();
    merge(&parts)
        .code(2)
        .stderr(predicate::str::contains("not a phbsim part file"));
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

#[test]
fn merge_of_nothing_or_into_a_foreign_directory_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    phbsim()
        .args(["merge", "-q"])
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no part files"));
    phbsim()
        .args(["merge", "-q"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    let parts = dir.path().join("parts");
    shard(&parts, "0/1");
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    phbsim()
        .args(["merge", "-q", "-o"])
        .arg(&foreign)
        .arg(&parts)
        .assert()
        .code(2);
    assert_eq!(read(&foreign.join("notes.txt")), b"mine");
}

/// Parts from another build could hold other numbers even under the same version
/// number: the merge refuses them and says which builds differ.
#[test]
fn merge_refuses_parts_of_another_build() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    shard(&parts, "0/1");
    let file = parts.join("part-0000-of-0001.phbpart");
    let bytes = read(&file);
    let at = bytes
        .windows(7)
        .position(|w| w == b"(build ")
        .expect("the header names the build");
    let mut other = bytes.clone();
    other[at + 7] = if bytes[at + 7] == b'0' { b'1' } else { b'0' };
    std::fs::write(&file, other).unwrap();
    phbsim()
        .args(["merge", "-q", "-o"])
        .arg(dir.path().join("out"))
        .arg(&parts)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("was written by phbsim 0."))
        .stderr(predicate::str::contains("(build "));
}

/// Part format 2 compresses the cells; a part of format 1 (an older phbsim's) is
/// refused with exit 2, its format and the fix, said once.
#[test]
fn merge_refuses_a_part_of_format_1_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::fs::write(
        parts.join("part-0000-of-0001.phbpart"),
        b"PHBSIM-PART 1\n\x02\0\0\0\0\0\0\0{}",
    )
    .unwrap();
    let output = phbsim()
        .arg("merge")
        .arg(&parts)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("part-0000-of-0001.phbpart: a part file of format 1, but this phbsim reads format 2 (compressed cells); rerun the shard with this phbsim\n"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}
