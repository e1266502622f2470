//! What every simulating command shares: the `--seed` and `-j` options, the worker
//! pool, and the progress bar.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::Failure;

/// `--seed` and `-j`, flattened into `run`, `diff`, `sensitivity` and `stress`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct SimulationArgs {
    /// Seed, overriding the file's `seed`.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_name = "THREADS", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
}

impl SimulationArgs {
    /// The number of worker threads: `-j`, or one per core.
    pub fn thread_count(&self) -> usize {
        thread_count(self.threads)
    }

    /// A rayon pool of [`Self::thread_count`] workers, and its size.
    pub fn thread_pool(&self) -> Result<(rayon::ThreadPool, usize), Failure> {
        thread_pool(self.threads)
    }
}

/// Worker threads for a `-j` value: as given, or one per core.
pub fn thread_count(threads: Option<u64>) -> usize {
    threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    )
}

/// A rayon pool for a `-j` value (see [`thread_count`]), and its size.
pub fn thread_pool(threads: Option<u64>) -> Result<(rayon::ThreadPool, usize), Failure> {
    let threads = thread_count(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure::other(format!("cannot start {threads} worker threads: {e}")))?;
    Ok((pool, threads))
}

/// A progress bar over `total` iterations (a counter when `total` is unknown), shown
/// only on a terminal and not with `-q`.
pub fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
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
