//! The file of a scenario's `[draws]` table: `draw,path,value`, one row per draw and
//! parameter (the `posterior.csv` of `phbsim calibrate`), checked against the
//! scenario with every problem reported at once, each at its line.
//!
//! A path must name an uncertain parameter (a `(U)` key) that the scenario has; a
//! value must be finite and in the parameter's range; the draws must be numbered
//! `0..D−1` and each must hold exactly the paths of draw 0, once each.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::scenario::params::lookup;
use crate::scenario::{DrawTable, Problem, Scenario, nearest};

/// The header a draws file starts with.
pub const HEADER: [&str; 3] = ["draw", "path", "value"];

/// One row of the file.
struct Row {
    draw: usize,
    path: String,
    value: f64,
    line: usize,
    span: Range<usize>,
}

/// Reads and checks the draws in `text` for `scenario`.
pub fn read_draws(text: &str, scenario: &Scenario) -> Result<DrawTable, Vec<Problem>> {
    let mut problems = Vec::new();
    let parameters = scenario.uncertain_parameters();
    let position: BTreeMap<&str, usize> = parameters
        .iter()
        .enumerate()
        .map(|(i, u)| (u.path.as_str(), i))
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut offset = 0;
    let mut header_seen = false;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let whole = start..start + line.len();
        let mut fields = Vec::new();
        let mut at = start;
        for cell in line.split(',') {
            let lead = cell.len() - cell.trim_start().len();
            let text = cell.trim().trim_matches('"');
            fields.push((text, at + lead..at + lead + text.len().max(1)));
            at += cell.len() + 1;
        }
        if !header_seen {
            header_seen = true;
            let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
            if names != HEADER {
                problems.push(
                    Problem::error(
                        format!(
                            "the header is `{}`, not `{}`",
                            line.trim(),
                            HEADER.join(",")
                        ),
                        Some(whole),
                    )
                    .with_help("a draws file is the posterior.csv that `phbsim calibrate` writes"),
                );
                break;
            }
            continue;
        }
        if fields.len() != HEADER.len() {
            problems.push(
                Problem::error(
                    format!("this row has {} fields, not 3", fields.len()),
                    Some(whole),
                )
                .with_help("each row is `draw,path,value`"),
            );
            continue;
        }
        let before = problems.len();
        let draw = fields[0].0.parse::<usize>().ok();
        if draw.is_none() {
            problems.push(
                Problem::error(
                    format!("`{}` is not a draw number", fields[0].0),
                    Some(fields[0].1.clone()),
                )
                .with_help("draws are numbered 0, 1, 2, ..."),
            );
        }
        let path = fields[1].0;
        let parameter = position.get(path).map(|&i| parameters[i]);
        if parameter.is_none() {
            let (message, help) = match lookup(path) {
                Some(param) if !param.is_uncertain() => (
                    format!("`{path}` is not an uncertain parameter"),
                    "only (U) parameters can take draws (docs/scenario-reference.md)"
                        .to_string(),
                ),
                _ => (
                    format!("the scenario has no uncertain parameter `{path}`"),
                    match nearest(path, position.keys().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "a path names ids and keys joined by dots, e.g. `cohorts.<id>.uptake.ceiling`".to_string(),
                    },
                ),
            };
            problems.push(Problem::error(message, Some(fields[1].1.clone())).with_help(help));
        }
        let value = fields[2].0.parse::<f64>().ok().filter(|v| v.is_finite());
        match (value, parameter) {
            (None, _) => problems.push(
                Problem::error(
                    format!("`{}` is not a finite number", fields[2].0),
                    Some(fields[2].1.clone()),
                )
                .with_help("write a plain number, e.g. 0.25"),
            ),
            (Some(v), Some(u)) if !u.range.contains(v) => problems.push(
                Problem::error(
                    format!(
                        "{v} is out of range for `{path}`: it must be {}",
                        u.range.describe()
                    ),
                    Some(fields[2].1.clone()),
                )
                .with_help("draws are used as they are, not clamped; fix or regenerate the file"),
            ),
            _ => {}
        }
        if problems.len() == before
            && let (Some(draw), Some(value)) = (draw, value)
        {
            rows.push(Row {
                draw,
                path: path.to_string(),
                value,
                line: n + 1,
                span: whole,
            });
        }
    }
    if !header_seen {
        problems.push(
            Problem::error("the draws file is empty", None)
                .with_help(format!("start it with the line `{}`", HEADER.join(","))),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    assemble(rows, &position)
}

/// Checks that the rows form complete draws `0..D−1` of the same paths, and lays them
/// out draw by draw.
fn assemble(rows: Vec<Row>, position: &BTreeMap<&str, usize>) -> Result<DrawTable, Vec<Problem>> {
    let mut problems = Vec::new();
    if rows.is_empty() {
        return Err(vec![Problem::error(
            "the draws file has a header but no draws",
            None,
        )]);
    }
    let paths: Vec<String> = {
        let mut seen = Vec::new();
        for row in rows.iter().filter(|r| r.draw == 0) {
            if !seen.contains(&row.path) {
                seen.push(row.path.clone());
            }
        }
        seen
    };
    let column: BTreeMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(j, p)| (p.as_str(), j))
        .collect();
    let draws = rows.iter().map(|r| r.draw).max().unwrap_or(0) + 1;
    let mut values = vec![f64::NAN; draws * paths.len()];
    let mut lines: Vec<Option<usize>> = vec![None; draws * paths.len()];
    for row in &rows {
        let Some(&j) = column.get(row.path.as_str()) else {
            problems.push(
                Problem::error(
                    format!(
                        "draw {} has `{}`, which draw 0 does not have",
                        row.draw, row.path
                    ),
                    Some(row.span.clone()),
                )
                .with_help("every draw must hold the same parameters"),
            );
            continue;
        };
        let cell = row.draw * paths.len() + j;
        if let Some(line) = lines[cell] {
            problems.push(
                Problem::error(
                    format!(
                        "draw {} gives `{}` twice (first on line {line})",
                        row.draw, row.path
                    ),
                    Some(row.span.clone()),
                )
                .with_help("keep one value per draw and parameter"),
            );
            continue;
        }
        lines[cell] = Some(row.line);
        values[cell] = row.value;
    }
    for d in 0..draws {
        let missing: Vec<&str> = paths
            .iter()
            .enumerate()
            .filter(|(j, _)| lines[d * paths.len() + j].is_none())
            .map(|(_, p)| p.as_str())
            .collect();
        if !missing.is_empty() {
            let what = if missing.len() == paths.len() {
                format!(
                    "draw {d} is missing: draws must be numbered 0 to {}",
                    draws - 1
                )
            } else {
                format!(
                    "draw {d} lacks {}",
                    missing
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            problems.push(
                Problem::error(what, None)
                    .with_help("every draw must hold the same parameters; regenerate the file with `phbsim calibrate`"),
            );
            if problems.len() > 20 {
                break;
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let positions = paths.iter().map(|p| position[p.as_str()]).collect();
    Ok(DrawTable {
        paths,
        positions,
        values,
    })
}
