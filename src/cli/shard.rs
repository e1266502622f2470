//! `phbsim run --shard K/N`: compute one shard's blocks of iterations and write its
//! part file (`part-KKKK-of-NNNN.phbpart`) into the parts directory, which several
//! shards may share.

use std::fs;

use crate::cli::Failure;
use crate::cli::run::RunArgs;
use crate::cli::session::{Session, output_error, parts_directory, scenario_identity};
use crate::output::directory::replace_file;
use crate::run::{BLOCK_ITERATIONS, Run, RunLayout, iterations_of};
use crate::scenario::Validated;
use crate::scenario::load::Source;
use crate::shard::Shard;
use crate::shard::part_file::{PartHeader, part_version, write_part};

pub(super) fn run_shard(
    args: &RunArgs,
    shard: Shard,
    source: &Source,
    validated: &Validated,
) -> Result<(), Failure> {
    let output = parts_directory(args.output.as_deref(), source, args.force)?;
    let settings = args.settings(validated)?;
    let scenarios = validated.all();
    let file = output.join(shard.file_name());
    let not_written = format!("{} was not written", file.display());

    let session = Session::start(args.simulation.threads, args.quiet)?;
    let blocks = shard.blocks(settings.iterations);
    let iterations = iterations_of(&blocks, settings.iterations);
    let total = iterations.end - iterations.start;
    let partial = session.compute(Some(total), &not_written, |progress, cancel| {
        Run::new(&scenarios, settings)
            .progress(progress)
            .cancel_on(cancel)
            .blocks(blocks.clone())
    })?;
    let timing = session.timing();
    let (iterations_overridden, seed_overridden) = args.overridden();
    let identity = scenario_identity(source);
    let header = PartHeader {
        phbsim_version: part_version(),
        scenario_file: identity.file,
        scenario_sha256: identity.sha256,
        scenario_text: source.text.clone(),
        seed: settings.seed,
        iterations: settings.iterations,
        iterations_overridden,
        seed_overridden,
        shard_index: shard.index,
        shard_count: shard.count,
        first_block: blocks.start,
        end_block: blocks.end,
        block_iterations: BLOCK_ITERATIONS,
        exact_percentiles: partial.exact,
        layout_sha256: RunLayout::of(&scenarios).sha256(),
        threads: session.threads(),
        started: timing.started,
        finished: timing.finished,
        elapsed_seconds: timing.elapsed_seconds,
    };

    if session.interrupted() {
        return Err(session.interrupted_failure(&not_written));
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
        outln!(
            "shard {}/{}: iterations {}..{} of {} in {:.2} s on {} thread(s); wrote {} ({:.1} MB)",
            shard.index,
            shard.count,
            iterations.start,
            iterations.end,
            settings.iterations,
            timing.elapsed_seconds,
            session.threads(),
            file.display(),
            bytes.len() as f64 / 1e6
        );
    }
    Ok(())
}
