//! The skeleton every command that computes shares, in the order it runs:
//!
//! 1. [`load_scenario`]: read and validate the scenario, print its warnings;
//! 2. [`output_directory`]: choose the output directory and refuse, before any work,
//!    one that holds files phbsim did not write or another scenario's results (unless
//!    `--force`);
//! 3. [`settings`]: iterations and seed, `-n` and `--seed` applied;
//! 4. [`Session::start`]: the worker pool, the Ctrl-C watch and the clock;
//! 5. [`Session::compute`]: the work on the pool, with a progress bar, stopped
//!    cleanly by Ctrl-C;
//! 6. [`Session::record`]: the manifest's facts, with the time taken;
//! 7. [`Session::write`]: the output files, all or none.
//!
//! Each command decides what to compute and what to print; the bytes of its files
//! and the text of its tables come from `crate::output`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::interrupt::Interrupt;
use crate::cli::parts::{header_of, parts_in};
use crate::cli::{Failure, print_warnings, report_load_error};
use crate::hash::sha256_hex;
use crate::manifest::{RunRecord, Timing};
use crate::output::directory::{
    OutputError, ScenarioIdentity, Written, check_destination, write_atomically_unless,
};
use crate::run::{Cancelled, Run, RunSettings, SetResult};
use crate::scenario::load::{self, Source};
use crate::scenario::{Scenario, Validated};

/// `--seed` and `-j`, flattened into `run`, `diff`, `sensitivity` and `stress`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct SimulationArgs {
    /// Seed, overriding the file's `seed`.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_name = "THREADS", value_parser = crate::cli::numbers::threads)]
    pub threads: Option<u64>,
}

/// Reads and validates the scenario at `path` (the built-in example without one) and
/// prints its warnings; an invalid scenario is printed in full and is the failure.
pub fn load_scenario(path: Option<&Path>) -> Result<(Source, Validated), Failure> {
    let (source, validated) = load::load(path).map_err(report_load_error)?;
    print_warnings(&source, &validated.warnings);
    Ok((source, validated))
}

/// The default output directory of a scenario: `out/<file stem><suffix>`.
pub fn default_output(scenario_name: &Path, suffix: &str) -> PathBuf {
    let stem = scenario_name.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Path::new("out").join(format!("{stem}{suffix}"))
}

/// `--force`, flattened into every command that writes an output directory.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ForceArg {
    /// Write even where the output directory holds another scenario's results,
    /// replacing them (with --shard: writing the part among its parts); a directory
    /// holding files phbsim did not write is still refused.
    #[arg(long)]
    pub force: bool,
}

/// Where a command writes its outputs, and whose results it may replace there.
#[derive(Debug, Clone)]
pub struct Destination {
    pub path: PathBuf,
    /// The scenario being run; `None` with `--force` (any phbsim outputs may go).
    scenario: Option<ScenarioIdentity>,
}

impl Destination {
    /// The path, for messages.
    pub fn display(&self) -> std::path::Display<'_> {
        self.path.display()
    }

    /// What a command stopped before writing here leaves: the consequence every
    /// interrupted command that writes this directory reports.
    pub fn untouched(&self) -> String {
        format!(
            "no outputs were written and {} is as it was",
            self.display()
        )
    }
}

/// The identity of `source` as its manifest will record it.
pub fn scenario_identity(source: &Source) -> ScenarioIdentity {
    ScenarioIdentity {
        file: source.name.display().to_string(),
        sha256: sha256_hex(source.text.as_bytes()),
    }
}

/// The output directory: `given`, or `out/<scenario file stem><suffix>`; refused
/// before any work if it holds files phbsim did not write, or, unless `force`, the
/// results of another scenario than `source` (see `ScenarioIdentity::is_same`).
pub fn output_directory(
    given: Option<&Path>,
    source: &Source,
    suffix: &str,
    force: ForceArg,
) -> Result<Destination, Failure> {
    let path = given.map_or_else(|| default_output(&source.name, suffix), Path::to_path_buf);
    let scenario = (!force.force).then(|| scenario_identity(source));
    check_destination(&path, scenario.as_ref()).map_err(output_error)?;
    Ok(Destination { path, scenario })
}

/// The directory `run --shard` writes its part into: `given`, or
/// `out/<scenario file stem>-parts`. Several shards share it, so it is never replaced
/// whole; refused before any work when it is a file, or, unless `force`, when it holds
/// parts of another scenario than `source` (by the rule of `ScenarioIdentity::is_same`):
/// their merge would fail after the computing. With `force` the part is written
/// anyway, replacing only the file of its own name; the other scenario's other parts
/// stay (a merge refuses mixed parts, naming them).
pub fn parts_directory(
    given: Option<&Path>,
    source: &Source,
    force: ForceArg,
) -> Result<PathBuf, Failure> {
    let path = given.map_or_else(|| default_output(&source.name, "-parts"), Path::to_path_buf);
    if path.is_file() {
        return Err(Failure::bad_input(format!(
            "{} is a file; --shard writes its part into a directory (give -o DIR)",
            path.display()
        )));
    }
    if force.force {
        return Ok(path);
    }
    let scenario = scenario_identity(source);
    let Ok(parts) = parts_in(&path) else {
        return Ok(path); // absent, or unreadable: writing into it will say why
    };
    for part in parts {
        // A part that cannot be read is judged by the merge, not here.
        let Ok(header) = header_of(&part) else {
            continue;
        };
        if !scenario.is_same(&header.scenario_file, &header.scenario_sha256) {
            return Err(Failure::bad_input(format!(
                "{} holds parts of another scenario, {} (such as {}); choose another parts directory with -o DIR, or pass --force to write this part among them",
                path.display(),
                header.scenario_file,
                part.file_name().unwrap_or_default().to_string_lossy()
            )));
        }
    }
    Ok(path)
}

/// Iterations and seed: `-n` or the file's `iterations` (at most `most` when given),
/// `--seed` or the file's `seed`.
pub fn settings(
    validated: &Validated,
    iterations: Option<u64>,
    seed: Option<u64>,
    most: Option<u64>,
) -> RunSettings {
    let scenario = &validated.scenario;
    let file_iterations = most.map_or(scenario.iterations, |m| scenario.iterations.min(m));
    RunSettings::new(
        iterations.unwrap_or(file_iterations),
        seed.unwrap_or(scenario.seed),
    )
}

/// An output failure: a foreign directory is bad input (exit 2), the disk is not.
pub fn output_error(error: OutputError) -> Failure {
    match error {
        OutputError::Foreign { .. } | OutputError::AnotherScenario { .. } => {
            Failure::bad_input(error.to_string())
        }
        OutputError::Io { .. } => Failure::other(error.to_string()),
    }
}

/// Now, as RFC 3339 in UTC to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Worker threads for a `-j` value: as given, or one per core.
pub fn thread_count(threads: Option<u64>) -> usize {
    threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    )
}

/// A command under way: its workers, its Ctrl-C watch, its clock, and whether it may
/// show a progress bar.
pub struct Session {
    pool: rayon::ThreadPool,
    threads: usize,
    interrupt: Interrupt,
    quiet: bool,
    started: String,
    clock: Instant,
}

impl Session {
    /// Starts `threads` workers (one per core when `None`), the Ctrl-C watch and the
    /// clock. `quiet` hides the progress bar.
    pub fn start(threads: Option<u64>, quiet: bool) -> Result<Session, Failure> {
        let threads = thread_count(threads);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Failure::other(format!("cannot start {threads} worker threads: {e}")))?;
        let interrupt = Interrupt::watch()
            .map_err(|e| Failure::other(format!("cannot watch for Ctrl-C: {e}")))?;
        Ok(Session {
            pool,
            threads,
            interrupt,
            quiet,
            started: now_rfc3339(),
            clock: Instant::now(),
        })
    }

    /// The number of workers.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` on the workers with a progress bar over `total` iterations (a
    /// counter when unknown), telling it the iterations done and the flag a signal
    /// sets. Stopped by a signal, the command fails with `consequence` (what was and
    /// was not written).
    pub fn compute<R: Send>(
        &self,
        total: Option<u64>,
        consequence: &str,
        work: impl FnOnce(&(dyn Fn(u64) + Sync), &AtomicBool) -> Result<R, Cancelled> + Send,
    ) -> Result<R, Failure> {
        let bar = progress_bar(total, self.quiet);
        let result = self
            .pool
            .install(|| work(&|done| bar.set_position(done), self.interrupt.flag()));
        bar.finish_and_clear();
        result.map_err(|Cancelled| self.interrupt.failure(consequence))
    }

    /// Runs every iteration of `scenarios` (a base and its variants) on the workers:
    /// [`Self::compute`] of a whole [`Run`].
    pub fn run_all(
        &self,
        scenarios: &[&Scenario],
        settings: RunSettings,
        consequence: &str,
    ) -> Result<SetResult, Failure> {
        self.compute(
            Some(settings.iterations),
            consequence,
            |progress, cancel| {
                Run::new(scenarios, settings)
                    .progress(progress)
                    .cancel_on(cancel)
                    .all()
            },
        )
    }

    /// Whether a signal has arrived.
    pub fn interrupted(&self) -> bool {
        self.interrupt
            .flag()
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The failure of a command stopped by a signal, with `consequence`.
    pub fn interrupted_failure(&self, consequence: &str) -> Failure {
        self.interrupt.failure(consequence)
    }

    /// When the command ran, up to now.
    pub fn timing(&self) -> Timing {
        Timing {
            started: self.started.clone(),
            finished: now_rfc3339(),
            elapsed_seconds: self.clock.elapsed().as_secs_f64(),
        }
    }

    /// Seconds since the session started.
    pub fn elapsed_seconds(&self) -> f64 {
        self.clock.elapsed().as_secs_f64()
    }

    /// The manifest's facts of a run of `validated` with `settings`.
    pub fn record<'a>(
        &self,
        source: &'a Source,
        validated: &'a Validated,
        settings: RunSettings,
        overridden: (bool, bool),
        with_variants: bool,
    ) -> RunRecord<'a> {
        RunRecord {
            source,
            validated,
            settings,
            iterations_overridden: overridden.0,
            seed_overridden: overridden.1,
            threads: self.threads,
            with_variants,
        }
    }

    /// Writes `files` into `output`, all of them or none; a signal before they are
    /// moved into place leaves `output` as it was and is the failure.
    pub fn write(&self, output: &Destination, files: &[(&str, Vec<u8>)]) -> Result<(), Failure> {
        let written = write_atomically_unless(
            &output.path,
            output.scenario.as_ref(),
            files,
            self.interrupt.flag(),
        );
        match written.map_err(output_error)? {
            Written::All => Ok(()),
            Written::Cancelled => Err(self.interrupt.failure(output.untouched())),
        }
    }
}

/// A progress bar over `total` iterations (a counter when `total` is unknown), shown
/// only on a terminal and not with `-q`.
fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} iterations, {eta} left",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{elapsed_precise} {spinner} {pos} iterations simulated")
                .expect("a valid template"),
        ),
    }
}

impl Session {
    /// [`Self::compute`] with a bar that counts `unit` ("chain steps") rather than
    /// iterations, over `total` of them.
    pub fn compute_counting<R: Send>(
        &self,
        total: u64,
        unit: &str,
        consequence: &str,
        work: impl FnOnce(&(dyn Fn(u64) + Sync), &AtomicBool) -> Result<R, Cancelled> + Send,
    ) -> Result<R, Failure> {
        let bar = if self.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template(&format!(
                    "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{eta}} left"
                ))
                .expect("a valid template")
                .progress_chars("=> "),
            )
        };
        let result = self
            .pool
            .install(|| work(&|done| bar.set_position(done), self.interrupt.flag()));
        bar.finish_and_clear();
        result.map_err(|Cancelled| self.interrupt.failure(consequence))
    }
}
