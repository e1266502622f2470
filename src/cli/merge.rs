//! `phbsim merge PARTS... -o DIR`: check that the part files of `run --shard` make one
//! whole run, append them in shard order and write the run's outputs through the same
//! code as `run`, so the files are byte-identical to a single-machine run (the
//! manifest's timing fields aside).

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::Failure;
use crate::cli::common::thread_pool;
use crate::cli::interrupt::Interrupt;
use crate::cli::outputs::{Finished, print_tables, write_outputs};
use crate::cli::run::{default_output, now_rfc3339, output_error};
use crate::manifest::Manifest;
use crate::output::directory::check_destination;
use crate::run::{Accumulated, RunLayout};
use crate::scenario::load::{self, Source};
use crate::shard::merge::{MergeProblem, plan};
use crate::shard::part_file::{PartError, PartHeader, part_version, read_header, read_part_onto};

/// Arguments of `phbsim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Directories holding the part files of `run --shard K/N` (or the files
    /// themselves).
    #[arg(required = true, value_name = "PARTS")]
    pub parts: Vec<PathBuf>,
    /// Output directory [default: out/<scenario file stem>].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_name = "THREADS", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// No table (errors and warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Every `*.phbpart` file named or inside a named directory, sorted by path.
fn part_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = fs::read_dir(path).map_err(|e| {
                Failure::bad_input(format!("cannot read directory {}: {e}", path.display()))
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "phbpart") && p.is_file())
                .collect();
            if found.is_empty() {
                return Err(Failure::bad_input(
                    MergeProblem::NoParts(path.display().to_string()).to_string(),
                ));
            }
            files.append(&mut found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(Failure::bad_input(format!(
                "{} does not exist; give the directory that `run --shard` wrote its parts into",
                path.display()
            )));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn part_error(path: &Path, error: PartError) -> Failure {
    let message = format!("{}: {error}", path.display());
    match error {
        PartError::Io(_) => Failure::other(message),
        PartError::NotAPart | PartError::Damaged(_) => {
            Failure::bad_input(format!("{message}; rerun that shard to write it again"))
        }
    }
}

pub fn merge_command(args: MergeArgs) -> Result<(), Failure> {
    let files = part_files(&args.parts)?;
    let mut headers: Vec<(PathBuf, PartHeader)> = Vec::with_capacity(files.len());
    for path in files {
        let header = fs::File::open(&path)
            .map_err(PartError::from)
            .and_then(|f| read_header(BufReader::new(f)))
            .map_err(|e| part_error(&path, e))?;
        headers.push((path, header));
    }
    let order = plan(&headers, &part_version())
        .map_err(|problem| Failure::bad_input(problem.to_string()))?;
    let first = &headers[order[0]].1;

    // The scenario travels inside the parts, so the merge needs no scenario file.
    let source = Source {
        name: PathBuf::from(&first.scenario_file),
        text: first.scenario_text.clone(),
    };
    let (source, validated) = load::validate(source).map_err(crate::cli::report_load_error)?;
    let scenarios = validated.all();
    let layout = RunLayout::of(&scenarios);
    if layout.sha256() != first.layout_sha256 {
        return Err(Failure::bad_input(format!(
            "the parts' output layout does not match their scenario as this phbsim reads it; rerun the shards with phbsim {}",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&source.name));
    check_destination(&output).map_err(output_error)?;

    let (pool, _) = thread_pool(args.threads)?;
    let interrupt =
        Interrupt::watch().map_err(|e| Failure::other(format!("cannot watch for Ctrl-C: {e}")))?;
    let clock = Instant::now();
    let shape = layout.shape();
    let set = pool.install(|| -> Result<_, Failure> {
        // Each part is appended cell by cell as it is read, so the merge holds the
        // run's state once (room for every kept value is reserved up front).
        let mut merged = Accumulated::empty(
            first.iterations,
            0,
            first.exact_percentiles,
            &shape,
            if first.exact_percentiles {
                first.iterations
            } else {
                0
            },
        );
        for &position in &order {
            let path = &headers[position].0;
            fs::File::open(path)
                .map_err(PartError::from)
                .and_then(|f| {
                    read_part_onto(BufReader::new(f), &|_| Ok(shape.clone()), &mut merged)
                })
                .map_err(|e| part_error(path, e))?;
        }
        Ok(merged.finish(layout))
    })?;

    let shard_seconds: f64 = headers.iter().map(|(_, h)| h.elapsed_seconds).sum();
    let manifest = Manifest {
        tool: "phbsim".to_string(),
        phbsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_name: validated.scenario.name.clone(),
        scenario_file: first.scenario_file.clone(),
        scenario_sha256: first.scenario_sha256.clone(),
        seed: first.seed,
        iterations: first.iterations,
        iterations_overridden: first.iterations_overridden,
        seed_overridden: first.seed_overridden,
        threads: headers.iter().map(|(_, h)| h.threads).max().unwrap_or(1),
        exact_percentiles: set.runs[0].exact_percentiles,
        variants: validated.variants.iter().map(|v| v.name.clone()).collect(),
        started: headers
            .iter()
            .map(|(_, h)| h.started.clone())
            .min()
            .unwrap_or_default(),
        finished: now_rfc3339(),
        elapsed_seconds: shard_seconds + clock.elapsed().as_secs_f64(),
        shards: Some(first.shard_count),
    };
    let finished = Finished {
        scenario_text: &source.text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    write_outputs(&output, &finished, &interrupt)?;
    if !args.quiet {
        print_tables(&output, &finished);
        outln!(
            "merged {} shard(s) of {} iterations ({:.2} s of shard computing, {:.2} s to merge)",
            first.shard_count,
            first.iterations,
            shard_seconds,
            clock.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
