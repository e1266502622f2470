//! `phbsim merge PARTS... -o DIR`: check that the part files of `run --shard` make one
//! whole run, append them in shard order and write the run's outputs through the same
//! code as `run`, so the files are byte-identical to a single-machine run (the
//! manifest's timing fields aside).

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crate::cli::parts::{header_of, parts_in};
use crate::cli::session::{ForceArg, Session, output_directory};
use crate::cli::{Failure, report_load_error};
use crate::manifest::{Manifest, Timing};
use crate::output::files::{FinishedRun, run_files};
use crate::output::terminal;
use crate::run::{Accumulated, Cancelled, RunLayout, RunSettings};
use crate::scenario::load::{self, Source};
use crate::shard::merge::{MergeProblem, plan};
use crate::shard::part_file::{PartError, PartHeader, part_version, read_part_onto};

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
    #[command(flatten)]
    pub force: ForceArg,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_name = "THREADS", value_parser = crate::cli::numbers::threads)]
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
            let mut found = parts_in(path).map_err(|e| {
                Failure::bad_input(format!("cannot read directory {}: {e}", path.display()))
            })?;
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
        // The message of another format already says to rerun the shard.
        PartError::OtherFormat(_) => Failure::bad_input(message),
        PartError::NotAPart | PartError::Damaged(_) => {
            Failure::bad_input(format!("{message}; rerun that shard to write it again"))
        }
    }
}

pub fn merge_command(args: MergeArgs) -> Result<(), Failure> {
    let files = part_files(&args.parts)?;
    let mut headers: Vec<(PathBuf, PartHeader)> = Vec::with_capacity(files.len());
    for path in files {
        let header = header_of(&path).map_err(|e| part_error(&path, e))?;
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
    let (source, validated) = load::validate(source).map_err(report_load_error)?;
    let scenarios = validated.all();
    let layout = RunLayout::of(&scenarios);
    if layout.sha256() != first.layout_sha256 {
        return Err(Failure::bad_input(format!(
            "the parts' output layout does not match their scenario as this phbsim reads it; rerun the shards with phbsim {}",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let output = output_directory(args.output.as_deref(), &source, "", args.force)?;

    let session = Session::start(args.threads, args.quiet)?;
    let consequence = output.untouched();
    let shape = layout.shape();
    let set = session.compute(None, &consequence, |_, cancel| {
        // Each part is appended cell by cell as it is read, so the merge holds the
        // run's state once (room for every kept value is reserved up front).
        let capacity = if first.exact_percentiles {
            first.iterations
        } else {
            0
        };
        let mut merged = Accumulated::empty(
            first.iterations,
            0,
            first.exact_percentiles,
            &shape,
            capacity,
        );
        for &position in &order {
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
            let path = &headers[position].0;
            let read = fs::File::open(path).map_err(PartError::from).and_then(|f| {
                read_part_onto(BufReader::new(f), &|_| Ok(shape.clone()), &mut merged)
            });
            if let Err(e) = read {
                return Ok(Err(part_error(path, e)));
            }
        }
        Ok(Ok(merged.finish(layout)))
    })??;
    let merge_seconds = session.elapsed_seconds();

    // The manifest of the run the shards made together: its facts from the parts,
    // its time the shards' computing plus the merge's.
    let shard_seconds: f64 = headers.iter().map(|(_, h)| h.elapsed_seconds).sum();
    let settings = RunSettings::new(first.iterations, first.seed);
    let threads = headers.iter().map(|(_, h)| h.threads).max().unwrap_or(1);
    let mut record = session.record(
        &source,
        &validated,
        settings,
        (first.iterations_overridden, first.seed_overridden),
        true,
    );
    record.threads = threads;
    let timing = Timing {
        started: headers
            .iter()
            .map(|(_, h)| h.started.clone())
            .min()
            .unwrap_or_default(),
        elapsed_seconds: shard_seconds + merge_seconds,
        ..session.timing()
    };
    let manifest = Manifest {
        shards: Some(first.shard_count),
        ..Manifest::new(record, timing, set.runs[0].exact_percentiles)
    };
    let finished = FinishedRun {
        scenario_text: &source.text,
        scenarios: &scenarios,
        set: &set,
        manifest: &manifest,
    };
    let files = run_files(&output.path, &finished).map_err(|e| Failure::other(e.to_string()))?;
    session.write(&output, &files)?;
    if !args.quiet {
        out!(
            "{}",
            terminal::render_run(&scenarios, &set, &output.display().to_string())
        );
        outln!(
            "merged {} shard(s) of {} iterations ({:.2} s of shard computing, {:.2} s to merge)",
            first.shard_count,
            first.iterations,
            shard_seconds,
            session.elapsed_seconds()
        );
    }
    Ok(())
}
