//! `[[correlations]]`: read during the walk ([`read_specs`]), then checked against the
//! whole scenario once every parameter is known ([`resolve`]).
//!
//! Every problem is reported at once, at the value at fault: a path that names no
//! uncertain parameter (with the nearest one), a setting or a plain number, a path
//! listed twice or in two blocks; a `rank` that is not one row and one column per
//! path, not symmetric, without a unit diagonal, with an entry outside [−1, 1], or
//! whose correlations contradict each other (not positive definite once converted
//! to the copula's Pearson correlations).

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeValue;

use super::document::tables_of;
use crate::scenario::correlations::{Correlation, MatrixFault, matrix_faults};
use crate::scenario::params::{self, Kind};
use crate::scenario::problem::{Problem, nearest};
use crate::scenario::reader::{Problems, TableReader, kind_of, number_of};
use crate::scenario::types::{Scenario, Uncertain};

/// Which scenario is validated: the file's own, or a variant built from it. A variant
/// may set a correlated parameter to a plain number (a sweep over its values does):
/// that member then keeps its value and the others keep their correlations with each
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Base,
    Variant,
}

/// A row of `rank` as written: each entry with its span (`None` where it is not a
/// number, which is reported), and the row's span.
type RankRow = (Vec<Option<(f64, Range<usize>)>>, Range<usize>);

/// One `[[correlations]]` entry as written, with the places of its parts.
#[derive(Debug)]
pub(super) struct CorrelationSpec {
    /// 1-based position among the file's blocks, for messages.
    number: usize,
    paths: Vec<(String, Range<usize>)>,
    rank: Vec<RankRow>,
    rank_span: Range<usize>,
}

/// Reads every `[[correlations]]` entry of the top-level table; what cannot be read
/// is reported and left out.
pub(super) fn read_specs(
    top: &mut TableReader<'_, '_>,
    problems: &mut Problems,
) -> Vec<CorrelationSpec> {
    let Some((items, _)) = top.array(problems, "correlations") else {
        return Vec::new();
    };
    let mut specs = Vec::new();
    for (index, (table, span)) in tables_of(items, "correlations", problems)
        .into_iter()
        .enumerate()
    {
        let mut r = TableReader::declared(table, span, "correlations", "correlations");
        let paths = r.array(problems, "paths");
        if r.get("paths").is_none() {
            r.require(problems, "paths");
        }
        let rank = r.array(problems, "rank");
        if r.get("rank").is_none() {
            r.require(problems, "rank");
        }
        r.finish(problems);
        let (Some((path_items, paths_span)), Some((rows, rank_span))) = (paths, rank) else {
            continue;
        };
        let mut complete = true;
        let mut paths = Vec::new();
        for item in path_items {
            match item.get_ref() {
                DeValue::String(path) => paths.push((path.to_string(), item.span())),
                other => {
                    complete = false;
                    problems.push(
                        Problem::error(
                            format!("each of `paths` must be a string, found {}", kind_of(other)),
                            Some(item.span()),
                        )
                        .with_help("write parameter paths in quotes, e.g. `\"cohorts.<id>.uptake.ceiling\"`"),
                    );
                }
            }
        }
        if complete && paths.len() < 2 {
            complete = false;
            problems.push(
                Problem::error(
                    "a correlation block needs at least two paths",
                    Some(paths_span.clone()),
                )
                .with_help("list the uncertain parameters that move together, e.g. `paths = [\"cohorts.<id>.uptake.ceiling\", \"providers.<id>.services.<id>.pass_through\"]`"),
            );
        }
        let mut rank = Vec::new();
        for row in rows {
            let DeValue::Array(entries) = row.get_ref() else {
                complete = false;
                problems.push(
                    Problem::error(
                        format!(
                            "each row of `rank` must be an array of numbers, found {}",
                            kind_of(row.get_ref())
                        ),
                        Some(row.span()),
                    )
                    .with_help("write the matrix as rows, e.g. `rank = [[1, 0.6], [0.6, 1]]`"),
                );
                continue;
            };
            let values = entries
                .iter()
                .map(|entry| match number_of(entry.get_ref()) {
                    Ok(value) => Some((value, entry.span())),
                    Err(message) => {
                        complete = false;
                        problems.push(
                            Problem::error(format!("`rank`: {message}"), Some(entry.span()))
                                .with_help("a rank correlation is a number between -1 and 1"),
                        );
                        None
                    }
                })
                .collect();
            rank.push((values, row.span()));
        }
        if complete {
            specs.push(CorrelationSpec {
                number: index + 1,
                paths,
                rank,
                rank_span,
            });
        }
    }
    specs
}

/// Checks each block against `scenario` and builds the valid ones, reporting every
/// problem.
pub(super) fn resolve(
    scenario: &Scenario,
    specs: Vec<CorrelationSpec>,
    role: Role,
    problems: &mut Problems,
) -> Vec<Correlation> {
    let parameters = scenario.uncertain_parameters();
    let by_path: BTreeMap<&str, Option<f64>> = parameters
        .iter()
        .map(|u| (u.path.as_str(), u.fixed_value()))
        .collect();
    // The block each path was first listed in.
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut blocks = Vec::new();
    for spec in specs {
        let errors_before = problems.list.iter().filter(|p| p.is_error()).count();
        for (position, (path, span)) in spec.paths.iter().enumerate() {
            if spec.paths[..position].iter().any(|(p, _)| p == path) {
                problems.push(
                    Problem::error(
                        format!("`{path}` is listed twice in this correlation block"),
                        Some(span.clone()),
                    )
                    .with_help("list each parameter once"),
                );
                continue;
            }
            match by_path.get(path.as_str()) {
                None => problems.push(not_a_parameter(path, span, &parameters)),
                Some(Some(value)) if role == Role::Base => problems.push(
                    Problem::error(
                        format!("`{path}` is a plain number ({value}); only a parameter given as a distribution can be correlated"),
                        Some(span.clone()),
                    )
                    .with_help(format!(
                        "give `{path}` a distribution, e.g. `{{ dist = \"pert\", min = ..., mode = {value}, max = ... }}`, or leave it out of the block"
                    )),
                ),
                Some(_) => {}
            }
            if let Some(&other) = taken.get(path) {
                problems.push(
                    Problem::error(
                        format!("`{path}` is already in correlation block {other}; a parameter may be in one block only"),
                        Some(span.clone()),
                    )
                    .with_help("put parameters that move together in one block, with one matrix for all of them"),
                );
            } else {
                taken.insert(path.clone(), spec.number);
            }
        }
        let rank: Vec<Vec<f64>> = spec
            .rank
            .iter()
            .map(|(row, _)| row.iter().flatten().map(|(v, _)| *v).collect())
            .collect();
        let size = spec.paths.len();
        for fault in matrix_faults(size, &rank) {
            problems.push(matrix_problem(&spec, &rank, fault));
        }
        let errors_after = problems.list.iter().filter(|p| p.is_error()).count();
        if errors_after == errors_before
            && let Ok(block) =
                Correlation::new(spec.paths.into_iter().map(|(path, _)| path).collect(), rank)
        {
            blocks.push(block);
        }
    }
    blocks
}

/// The problem of a path that names no uncertain parameter of the scenario.
fn not_a_parameter(path: &str, span: &Range<usize>, parameters: &[&Uncertain]) -> Problem {
    let place = Some(span.clone());
    if let Some(param) = params::lookup(path) {
        if matches!(param.kind, Kind::Spread(_)) {
            return Problem::error(
                format!("`{path}` is the spread of budgets across holders (each new holder draws one), not a parameter drawn once per iteration; it cannot be correlated"),
                place,
            )
            .with_help("correlate parameters marked (U) in the scenario reference");
        }
        if !param.is_uncertain() {
            return Problem::error(
                format!("`{path}` is a setting, not an uncertain parameter: only parameters marked (U) are drawn per iteration and can be correlated"),
                place,
            )
            .with_help("name a price, cost, contract value, share or rate, e.g. `providers.<id>.services.<id>.pass_through`");
        }
    }
    let help = match nearest(path, parameters.iter().map(|u| u.path.as_str())) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "a path is ids and keys joined by dots, e.g. `cohorts.<id>.uptake.ceiling` or `providers.<id>.services.<id>.pass_through`".to_string(),
    };
    Problem::error(
        format!("the scenario has no uncertain parameter `{path}`"),
        place,
    )
    .with_help(help)
}

/// The problem of one fault of a block's matrix, at the entry (or the matrix) at fault.
fn matrix_problem(spec: &CorrelationSpec, rank: &[Vec<f64>], fault: MatrixFault) -> Problem {
    let size = spec.paths.len();
    let entry = |row: usize, column: usize| {
        spec.rank[row].0[column]
            .as_ref()
            .map_or(spec.rank_span.clone(), |(_, span)| span.clone())
    };
    let name = |member: usize| format!("`{}`", spec.paths[member].0);
    // Rows and columns are counted from 1 in messages, as a reader counts them.
    match fault {
        MatrixFault::Shape => {
            let rows = rank.len();
            let place = match rank.iter().position(|row| row.len() != size) {
                Some(row) if rows == size => spec.rank[row].1.clone(),
                _ => spec.rank_span.clone(),
            };
            let found = match rank.iter().position(|row| row.len() != size) {
                Some(row) if rows == size => {
                    format!("row {} has {} entries", row + 1, rank[row].len())
                }
                _ => format!("it has {rows} rows"),
            };
            Problem::error(
                format!("`rank` must be a {size}×{size} matrix, one row and one column per path in `paths` ({size}); {found}"),
                Some(place),
            )
            .with_help(format!(
                "write one row per path, in the order of `paths`, each with {size} entries; e.g. for two paths `rank = [[1, 0.6], [0.6, 1]]`"
            ))
        }
        MatrixFault::Diagonal { member } => Problem::error(
            format!(
                "row {0}, column {0} of `rank` is {1}; the diagonal must be 1 (the correlation of {2} with itself)",
                member + 1,
                rank[member][member],
                name(member)
            ),
            Some(entry(member, member)),
        )
        .with_help(format!("write 1 at row {0}, column {0}", member + 1)),
        MatrixFault::OutOfRange { row, column } => Problem::error(
            format!(
                "row {}, column {} of `rank` is {}; a rank correlation must be between -1 and 1",
                row + 1,
                column + 1,
                rank[row][column]
            ),
            Some(entry(row, column)),
        )
        .with_help("use a value between -1 and 1"),
        MatrixFault::Asymmetric { row, column } => Problem::error(
            format!(
                "`rank` is not symmetric: row {}, column {} is {} but row {}, column {} is {}",
                row + 1,
                column + 1,
                rank[row][column],
                column + 1,
                row + 1,
                rank[column][row]
            ),
            Some(entry(column, row)),
        )
        .with_help(format!(
            "the correlation of {} with {} is that of {} with {}: write the same value in both places",
            name(row),
            name(column),
            name(column),
            name(row)
        )),
        MatrixFault::NotPositiveDefinite { member } => Problem::error(
            format!(
                "the rank correlations of correlation block {} ({}) contradict each other: no joint distribution has them ({} cannot have these correlations with the paths before it)",
                spec.number,
                spec.paths
                    .iter()
                    .map(|(p, _)| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                name(member)
            ),
            Some(spec.rank_span.clone()),
        )
        .with_help(
            "weaken the strongest correlations: a correlation of 1 or -1 would make one parameter a copy of another (use e.g. 0.95), and two parameters that both move strongly with a third cannot move strongly against each other",
        ),
    }
}
