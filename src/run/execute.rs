//! The parallel loop of a run: iterations simulated in chunks, in parallel within a
//! chunk, then each chunk's values pushed into every cell in iteration order (tiles
//! of cells in parallel). The order of every float reduction is fixed by the
//! iteration index, never by the threads.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::{Accumulated, Adjust, Cancelled, Cells, Run, RunLayout, RunSettings};
use super::{BLOCK_ITERATIONS, iterations_of, keeps_every_value};
use crate::compare::is_worse;
use crate::engine::{DrawnParameters, OutputLayout, Workspace, simulate_iteration};
use crate::scenario::Scenario;

/// Most iterations computed between two reductions: a block, large enough to keep
/// both cores busy.
pub const CHUNK_ITERATIONS: u64 = BLOCK_ITERATIONS;

/// Values one chunk may hold (scenarios × iterations × cells per iteration; 2^26
/// values = 512 MiB), which sets how many iterations a chunk of a large run computes
/// at once. Larger chunks let each streaming summary take many values per visit,
/// which keeps its buckets in cache. A fixed rule: results do not depend on it.
pub const CHUNK_VALUE_BUDGET: u64 = 1 << 26;

/// Iterations per chunk for `per_iteration` values per iteration: a block split into
/// the fewest equal chunks that fit [`CHUNK_VALUE_BUDGET`] (every pass over the cells
/// sweeps their whole state through the cache, so fewer passes are faster).
pub fn chunk_iterations(per_iteration: u64) -> u64 {
    let most = (CHUNK_VALUE_BUDGET / per_iteration.max(1)).clamp(1, CHUNK_ITERATIONS);
    let chunks = CHUNK_ITERATIONS.div_ceil(most);
    CHUNK_ITERATIONS.div_ceil(chunks)
}

/// Cells pushed together: a chunk's rows are iteration-major, so a tile of cells
/// reads each row's values from a few cache lines instead of one line per value.
const CELL_TILE: usize = 16;

/// Pushes a chunk of rows (`chunk` rows of `cells.len()` values, row-major) into
/// every cell, tiles of cells in parallel, each cell in row (iteration) order.
///
/// Within a tile, cell by cell: a cell takes the whole chunk's values in one call,
/// so its state stays in registers (or its kept values grow once) instead of being
/// reloaded for every value; the tile's rows stay in cache across its cells.
fn push_rows(cells: &mut Cells, rows: &[f64], chunk: usize) {
    let len = cells.len();
    // Cell `t * CELL_TILE + j`'s values of the chunk, in row order.
    let column = move |t: usize, j: usize| {
        rows[t * CELL_TILE + j..]
            .iter()
            .step_by(len)
            .take(chunk)
            .copied()
    };
    match cells {
        Cells::Exact(cells) => cells
            .par_chunks_mut(CELL_TILE)
            .enumerate()
            .for_each(|(t, tile)| {
                for (j, cell) in tile.iter_mut().enumerate() {
                    cell.extend(column(t, j));
                }
            }),
        Cells::Streaming(cells) => {
            let copies = u32::try_from(chunk).expect("a chunk is at most a block of iterations");
            cells
                .par_chunks_mut(CELL_TILE)
                .enumerate()
                .for_each(|(t, tile)| {
                    // Bring the tile's rows toward the cache with plain, independent
                    // reads first (many misses in flight at once).
                    let rows = (0..chunk).fold(0u64, |a, k| {
                        let row = &rows[k * len + t * CELL_TILE..][..tile.len()];
                        row.iter().step_by(8).fold(a, |a, v| a ^ v.to_bits())
                    });
                    // A cell holding one value through the chunk (a count or a flag
                    // that did not move, a month before a start) takes it at once.
                    let mut taken = [false; CELL_TILE];
                    for ((j, cell), taken) in tile.iter_mut().enumerate().zip(&mut taken) {
                        *taken =
                            one_value(column(t, j)).is_some_and(|x| cell.push_repeated(x, copies));
                    }
                    // The other cells' state the same way, so the pushes below rarely
                    // wait on memory.
                    let state = (tile.iter().zip(&taken))
                        .filter(|&(_, &taken)| !taken)
                        .fold(0, |a, (c, _)| a ^ c.touch());
                    std::hint::black_box((state, rows));
                    for ((j, cell), _) in
                        (tile.iter_mut().enumerate().zip(&taken)).filter(|&(_, &taken)| !taken)
                    {
                        cell.push_each(column(t, j));
                    }
                })
        }
    }
}

/// The value every one of `values` holds, bit for bit, if they all hold one.
fn one_value(mut values: impl Iterator<Item = f64>) -> Option<f64> {
    let first = values.next()?;
    values
        .all(|v| v.to_bits() == first.to_bits())
        .then_some(first)
}

/// Simulates `blocks` of `run` and accumulates their cells.
pub(super) fn accumulate(
    run: Run<'_>,
    layout: &RunLayout,
    blocks: Range<u64>,
) -> Result<Accumulated, Cancelled> {
    let Run {
        scenarios,
        settings,
        adjust,
        observe,
        progress,
        cancel,
        only,
    } = run;
    let never = AtomicBool::new(false);
    let cancel = cancel.unwrap_or(&never);
    let mut ignore = |_: usize, _: u64, _: &[f64]| {};
    let observe = observe.unwrap_or(&mut ignore);
    let cancelled = || cancel.load(Ordering::Relaxed);
    let RunLayout { layouts, pairs } = layout;
    let full_shape = layout.shape();
    let per_iteration = full_shape.values_per_iteration();
    // Decided by every cell even when only some are kept, so that those have the
    // bits of a full run.
    let exact = keeps_every_value(per_iteration, &settings);
    let chunk_size = chunk_iterations(per_iteration);
    // The cells kept: every one, or the selected summary metrics (see
    // `Run::only_summary`) and, per variant, the positions of their paired metrics.
    let (shape, kept_pairs): (_, Vec<Vec<usize>>) = match only {
        None => (
            full_shape,
            pairs.iter().map(|m| (0..m.len()).collect()).collect(),
        ),
        Some(indices) => layout.selected(indices),
    };
    let range = iterations_of(&blocks, settings.iterations);
    let capacity = range.end - range.start;

    let mut partial =
        Accumulated::empty(settings.iterations, blocks.start, exact, &shape, capacity);

    // Output buffers of one chunk, reused: rows of scenario s, iteration at + k, at
    // `k * len .. (k + 1) * len` (every layout has commissioner cells, so len > 0).
    // A run that keeps no monthly cell simulates each iteration's months into a
    // scratch buffer per thread instead (see `simulate_chunk`).
    let mut monthly_rows: Vec<Vec<f64>> = layouts
        .iter()
        .map(|l| match only {
            None => vec![0.0; chunk_size as usize * l.monthly_len()],
            Some(_) => Vec::new(),
        })
        .collect();
    let mut summary_rows: Vec<Vec<f64>> = layouts
        .iter()
        .map(|l| vec![0.0; chunk_size as usize * l.summary_len()])
        .collect();
    let mut difference_rows: Vec<Vec<f64>> = kept_pairs
        .iter()
        .map(|p| vec![0.0; chunk_size as usize * p.len()])
        .collect();
    let mut selected_rows: Vec<f64> = match only {
        None => Vec::new(),
        Some(indices) => vec![0.0; chunk_size as usize * indices.len()],
    };
    for block in blocks.clone() {
        let block_range = iterations_of(&(block..block + 1), settings.iterations);
        let mut at = block_range.start;
        while at < block_range.end {
            let chunk = chunk_size.min(block_range.end - at);
            simulate_chunk(
                scenarios,
                layouts,
                settings,
                at,
                chunk,
                adjust,
                &cancelled,
                &mut monthly_rows,
                &mut summary_rows,
            );
            if cancelled() {
                return Err(Cancelled);
            }
            let chunk_rows = chunk as usize;
            for (s, (run, (m_rows, y_rows))) in partial
                .runs
                .iter_mut()
                .zip(monthly_rows.iter().zip(&summary_rows))
                .enumerate()
            {
                match only {
                    None => {
                        push_rows(&mut run.monthly, m_rows, chunk_rows);
                        push_rows(&mut run.summary, y_rows, chunk_rows);
                    }
                    Some(indices) => {
                        let y_len = layouts[s].summary_len();
                        for (row, selected) in selected_rows
                            .chunks_mut(indices.len().max(1))
                            .take(chunk_rows)
                            .enumerate()
                        {
                            for (value, &index) in selected.iter_mut().zip(indices) {
                                *value = y_rows[row * y_len + index];
                            }
                        }
                        push_rows(&mut run.summary, &selected_rows, chunk_rows);
                    }
                }
            }
            for (v, (metrics, kept)) in pairs.iter().zip(&kept_pairs).enumerate() {
                let (base_len, variant_len) =
                    (layouts[0].summary_len(), layouts[v + 1].summary_len());
                let (base_rows, variant_rows) = (&summary_rows[0], &summary_rows[v + 1]);
                let comparison = &mut partial.comparisons[v];
                let rows = &mut difference_rows[v];
                for row in 0..chunk_rows {
                    for (k, metric) in kept.iter().map(|&k| &metrics[k]).enumerate() {
                        let difference = variant_rows[row * variant_len + metric.variant_index]
                            - base_rows[row * base_len + metric.base_index];
                        rows[row * kept.len() + k] = difference;
                        if !difference.is_nan() {
                            let worse = &mut comparison.worse[k];
                            worse.1 += 1;
                            worse.0 += u64::from(is_worse(difference, metric.higher_is_worse));
                        }
                    }
                }
                push_rows(&mut comparison.difference, rows, chunk_rows);
            }
            for (s, rows) in summary_rows.iter().enumerate() {
                let y_len = layouts[s].summary_len();
                for (k, y) in rows.chunks(y_len).take(chunk_rows).enumerate() {
                    observe(s, at + k as u64, y);
                }
            }
            at += chunk;
            progress(at - range.start);
        }
        for run in &mut partial.runs {
            run.monthly.end_block();
            run.summary.end_block();
        }
        for comparison in &mut partial.comparisons {
            comparison.difference.end_block();
        }
    }
    partial.blocks = blocks;
    Ok(partial)
}

/// Simulates iterations `at .. at + chunk` of every scenario in parallel into the
/// row buffers.
#[allow(clippy::too_many_arguments)]
fn simulate_chunk(
    scenarios: &[&Scenario],
    layouts: &[OutputLayout],
    settings: RunSettings,
    at: u64,
    chunk: u64,
    adjust: Adjust<'_>,
    cancelled: &(dyn Fn() -> bool + Sync),
    monthly_rows: &mut [Vec<f64>],
    summary_rows: &mut [Vec<f64>],
) {
    let mut tasks = Vec::with_capacity(scenarios.len() * chunk as usize);
    for (s, (m, y)) in monthly_rows
        .iter_mut()
        .zip(summary_rows.iter_mut())
        .enumerate()
    {
        let (m_len, y_len) = (layouts[s].monthly_len(), layouts[s].summary_len());
        // Without monthly rows to keep (an empty buffer), each task's months go to
        // its thread's scratch: memory already in cache, instead of a chunk's worth.
        let mut m_rows = m.chunks_mut(m_len);
        for (k, y_row) in y.chunks_mut(y_len).take(chunk as usize).enumerate() {
            tasks.push((s, at + k as u64, m_rows.next(), y_row));
        }
    }
    let init = || (Workspace::default(), Vec::new());
    tasks
        .into_par_iter()
        .for_each_init(init, |(ws, scratch), (s, iteration, m, y)| {
            if cancelled() {
                return;
            }
            let (scenario, layout) = (scenarios[s], &layouts[s]);
            let m = match m {
                Some(m) => m,
                None => {
                    scratch.resize(layout.monthly_len(), 0.0);
                    &mut scratch[..]
                }
            };
            let mut params = DrawnParameters::draw(scenario, settings.seed, iteration);
            adjust(s, &mut params);
            // No clearing: every cell is written (`engine::Simulator`'s tests).
            simulate_iteration(
                scenario,
                layout,
                &params,
                settings.seed,
                iteration,
                ws,
                m,
                y,
            );
        });
}
