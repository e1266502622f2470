//! `phbsim run --shard K/N`: compute one shard's blocks of iterations and write its
//! partial result (`part-KKKK-of-NNNN.phbpart`) atomically into the parts directory,
//! which several shards may share.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::Failure;
use crate::cli::common::progress_bar;
use crate::cli::run::{Prepared, RunArgs, default_output, now_rfc3339, output_error, prepare};
use crate::hash::sha256_hex;
use crate::output::directory::replace_file;
use crate::run::{BLOCK_ITERATIONS, Run, RunLayout, iterations_of};
use crate::scenario::Validated;
use crate::scenario::load::Source;
use crate::shard::Shard;
use crate::shard::part_file::{PartHeader, part_version, write_part};

/// The default parts directory: `out/<file stem>-parts`.
fn default_parts(scenario_name: &Path) -> PathBuf {
    let mut dir = default_output(scenario_name).into_os_string();
    dir.push("-parts");
    PathBuf::from(dir)
}

pub(super) fn run_shard(
    args: &RunArgs,
    shard: Shard,
    source: &Source,
    validated: &Validated,
) -> Result<(), Failure> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_parts(&source.name));
    if output.is_file() {
        return Err(Failure::bad_input(format!(
            "{} is a file; --shard writes its part into a directory (give -o DIR)",
            output.display()
        )));
    }
    let Prepared {
        settings,
        scenarios,
        pool,
        threads,
        interrupt,
    } = prepare(args, validated)?;
    let file = output.join(shard.file_name());
    let interrupted = || interrupt.failure(format_args!("{} was not written", file.display()));

    let blocks = shard.blocks(settings.iterations);
    let iterations = iterations_of(&blocks, settings.iterations);
    let bar = progress_bar(Some(iterations.end - iterations.start), args.quiet);
    let started = now_rfc3339();
    let clock = Instant::now();
    let partial = pool.install(|| {
        Run::new(&scenarios, settings)
            .progress(&|done| bar.set_position(done))
            .cancel_on(interrupt.flag())
            .blocks(blocks.clone())
    });
    bar.finish_and_clear();
    let partial = partial.map_err(|_| interrupted())?;
    let elapsed = clock.elapsed().as_secs_f64();
    let header = PartHeader {
        phbsim_version: part_version(),
        scenario_file: source.name.display().to_string(),
        scenario_sha256: sha256_hex(source.text.as_bytes()),
        scenario_text: source.text.clone(),
        seed: settings.seed,
        iterations: settings.iterations,
        iterations_overridden: args.iterations.is_some(),
        seed_overridden: args.simulation.seed.is_some(),
        shard_index: shard.index,
        shard_count: shard.count,
        first_block: blocks.start,
        end_block: blocks.end,
        block_iterations: BLOCK_ITERATIONS,
        exact_percentiles: partial.exact,
        layout_sha256: RunLayout::of(&scenarios).sha256(),
        threads,
        started,
        finished: now_rfc3339(),
        elapsed_seconds: elapsed,
    };

    if interrupt.flag().load(std::sync::atomic::Ordering::Relaxed) {
        return Err(interrupted());
    }
    let mut bytes = Vec::new();
    write_part(&mut bytes, &header, &partial)
        .map_err(|e| Failure::other(format!("cannot encode {}: {e}", file.display())))?;
    fs::create_dir_all(&output)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", output.display())))?;
    // Written beside its final name, then renamed: a reader never sees half a part,
    // and a shard that is rerun replaces its old part in one step.
    replace_file(&output, &shard.file_name(), &bytes).map_err(output_error)?;
    if !args.quiet {
        let size = bytes.len();
        outln!(
            "shard {}/{}: iterations {}..{} of {} in {elapsed:.2} s on {threads} thread(s); wrote {} ({:.1} MB)",
            shard.index,
            shard.count,
            iterations.start,
            iterations.end,
            settings.iterations,
            file.display(),
            size as f64 / 1e6
        );
    }
    Ok(())
}
