//! The observed counts `phbsim calibrate` fits: one tidy CSV,
//!
//! ```text
//! cohort,from,to,measure,value
//! frequent-crisis,2027-10,2027-12,new_holders,14
//! frequent-crisis,2027-12,2027-12,holders,13
//! ```
//!
//! `new_holders` counts the budgets started in the months `from..=to`; `holders` the
//! holders active at the end of `to` (its `from` only places the row: rows of one
//! cohort and measure may not overlap). Rows may be monthly or quarterly, in any
//! order, with gaps. Every problem is found at once, each tied to the bytes at fault so
//! that it is reported as `file:line:column` like a scenario's.

use std::ops::Range;

use crate::scenario::{Problem, Scenario, UptakeModel, nearest, parse_year_month};

/// The header the file must start with.
pub const HEADER: [&str; 5] = ["cohort", "from", "to", "measure", "value"];

/// What a row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Budgets started in the months `from..=to`.
    NewHolders,
    /// Holders at the end of `to`.
    Holders,
}

impl Measure {
    pub const ALL: [Measure; 2] = [Measure::NewHolders, Measure::Holders];

    pub fn key(self) -> &'static str {
        match self {
            Measure::NewHolders => "new_holders",
            Measure::Holders => "holders",
        }
    }
}

/// One row, its months as month indices of the scenario (0 = `start`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub from: i64,
    pub to: i64,
    pub measure: Measure,
    pub value: u64,
    /// 1-based line in the file.
    pub line: usize,
}

/// One cohort's rows, ordered by `to`, then measure, then `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortObservations {
    /// Index in the scenario's `cohorts`.
    pub cohort: usize,
    pub rows: Vec<Observation>,
}

/// Every cohort the file observes, in the scenario's cohort order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub cohorts: Vec<CohortObservations>,
}

/// A field of a line and its bytes in the file.
struct Field<'a> {
    text: &'a str,
    span: Range<usize>,
}

/// The fields of the line starting at byte `start`: split at commas, each trimmed of
/// spaces and of one pair of double quotes (as spreadsheets write them).
fn fields(line: &str, start: usize) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in line.split(',') {
        let lead = raw.len() - raw.trim_start().len();
        let mut text = raw.trim();
        let mut offset = at + lead;
        if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
            text = &text[1..text.len() - 1];
            offset += 1;
        }
        let begin = start + offset;
        // An empty field is marked by one byte where it would be.
        let end = begin + text.len().max(1);
        out.push(Field {
            text,
            span: begin..end.min(start + line.len().max(1)),
        });
        at += raw.len() + 1;
    }
    out
}

/// Whether any of a cohort's uptake parameters is uncertain, i.e. there is something
/// to fit.
pub fn has_free_parameters(scenario: &Scenario, cohort: usize) -> bool {
    let c = &scenario.cohorts[cohort];
    let mut all = vec![&c.uptake.ceiling, &c.return_rate];
    match &c.uptake.model {
        UptakeModel::Bass { p, q } => all.extend([p, q]),
        UptakeModel::Constant { monthly } => all.push(monthly),
    }
    all.iter().any(|u| u.fixed_value().is_none())
}

/// Reads the observed counts of `scenario`'s cohorts from `text`, or every problem.
pub fn parse_observed(text: &str, scenario: &Scenario) -> Result<Observed, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut rows: Vec<(usize, Observation, Range<usize>)> = Vec::new();
    let mut offset = 0;
    let mut header_seen = false;
    let last = i64::from(scenario.months) - 1;
    let horizon = format!(
        "{} to {}",
        scenario.start,
        scenario.month_label(scenario.months - 1)
    );
    for (n, raw_line) in text.split_inclusive('\n').enumerate() {
        let line_no = n + 1;
        let start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let cells = fields(line, start);
        let whole = start..start + line.len();
        if !header_seen {
            header_seen = true;
            let names: Vec<&str> = cells.iter().map(|f| f.text).collect();
            if names != HEADER {
                problems.push(
                    Problem::error(
                        format!(
                            "the header is `{}`, not `{}`",
                            line.trim(),
                            HEADER.join(",")
                        ),
                        Some(whole.clone()),
                    )
                    .with_help(format!(
                        "the first line must be `{}`; see docs/calibration.md",
                        HEADER.join(",")
                    )),
                );
                let reordered = names.iter().all(|n| HEADER.contains(n));
                if names.len() != HEADER.len() || reordered {
                    // Other columns, or these in another order: the rows cannot be
                    // read by position, and each would be reported again.
                    break;
                }
                // Five columns with a mistyped header (or no header): the rows below
                // are read in the usual order.
                if parse_year_month(names[1]).is_some() {
                    // That "header" was a row.
                    read_row(
                        &cells,
                        line_no,
                        whole,
                        scenario,
                        last,
                        &horizon,
                        &mut rows,
                        &mut problems,
                    );
                }
            }
            continue;
        }
        read_row(
            &cells,
            line_no,
            whole,
            scenario,
            last,
            &horizon,
            &mut rows,
            &mut problems,
        );
    }
    if !header_seen {
        problems.push(
            Problem::error("the file is empty", None)
                .with_help(format!("start it with the line `{}`", HEADER.join(","))),
        );
    }
    // Overlaps: per cohort and measure, each row against those before it in the file.
    for (i, (cohort, row, span)) in rows.iter().enumerate() {
        if let Some((_, earlier, _)) = rows[..i].iter().find(|(c, o, _)| {
            c == cohort && o.measure == row.measure && o.from <= row.to && row.from <= o.to
        }) {
            problems.push(
                Problem::error(
                    format!(
                        "this {} row of `{}` ({} to {}) overlaps the one on line {} ({} to {})",
                        row.measure.key(),
                        scenario.cohorts[*cohort].id,
                        scenario.month_label(row.from as u32),
                        scenario.month_label(row.to as u32),
                        earlier.line,
                        scenario.month_label(earlier.from as u32),
                        scenario.month_label(earlier.to as u32),
                    ),
                    Some(span.clone()),
                )
                .with_help("periods of one cohort and measure must not share a month; remove or merge one of them"),
            );
        }
    }
    if header_seen && problems.is_empty() && rows.is_empty() {
        problems.push(Problem::error(
            "the file has a header but no observations",
            None,
        ));
    }
    let mut cohorts: Vec<CohortObservations> = Vec::new();
    for c in 0..scenario.cohorts.len() {
        let mut mine: Vec<Observation> = rows
            .iter()
            .filter(|(cohort, ..)| *cohort == c)
            .map(|(_, o, _)| o.clone())
            .collect();
        if mine.is_empty() {
            continue;
        }
        if !has_free_parameters(scenario, c) {
            let (_, first, span) = rows
                .iter()
                .find(|(cohort, ..)| *cohort == c)
                .expect("the cohort has rows");
            problems.push(
                Problem::error(
                    format!(
                        "cohort `{}` has nothing to fit: its uptake parameters and return_rate are all plain numbers",
                        scenario.cohorts[c].id
                    ),
                    Some(span.clone()),
                )
                .with_help(format!(
                    "give the parameters to fit a distribution in the scenario (the prior), e.g. `ceiling = {{ dist = \"uniform\", min = 0.05, max = 0.5 }}`; or remove its rows (first on line {})",
                    first.line
                )),
            );
        }
        mine.sort_by_key(|o| (o.to, o.measure, o.from));
        cohorts.push(CohortObservations {
            cohort: c,
            rows: mine,
        });
    }
    problems.sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
    if problems.is_empty() {
        Ok(Observed { cohorts })
    } else {
        Err(problems)
    }
}

/// Reads one data row into `rows`, or its problems into `problems`.
#[allow(clippy::too_many_arguments)]
fn read_row(
    cells: &[Field<'_>],
    line_no: usize,
    whole: Range<usize>,
    scenario: &Scenario,
    last: i64,
    horizon: &str,
    rows: &mut Vec<(usize, Observation, Range<usize>)>,
    problems: &mut Vec<Problem>,
) {
    if cells.len() != HEADER.len() {
        problems.push(
            Problem::error(
                format!("this row has {} fields, not {}", cells.len(), HEADER.len()),
                Some(whole),
            )
            .with_help(format!("each row is `{}`", HEADER.join(","))),
        );
        return;
    }
    let before = problems.len();
    let ids = || scenario.cohorts.iter().map(|c| c.id.as_str());
    let cohort = scenario.cohorts.iter().position(|c| c.id == cells[0].text);
    if cohort.is_none() {
        let help = match nearest(cells[0].text, ids()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!(
                "the scenario's cohorts are {}",
                ids()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        problems.push(
            Problem::error(
                format!("unknown cohort `{}`", cells[0].text),
                Some(cells[0].span.clone()),
            )
            .with_help(help),
        );
    }
    let read_month = |field: &Field<'_>, problems: &mut Vec<Problem>| -> Option<i64> {
        let Some(m) = parse_year_month(field.text) else {
            problems.push(
                Problem::error(
                    format!("`{}` is not a month", field.text),
                    Some(field.span.clone()),
                )
                .with_help("write months as \"YYYY-MM\", e.g. 2027-10"),
            );
            return None;
        };
        let t = scenario.month_index(m);
        if !(0..=last).contains(&t) {
            problems.push(
                Problem::error(
                    format!("{m} is outside the scenario's horizon ({horizon})"),
                    Some(field.span.clone()),
                )
                .with_help(
                    "observations must fall in simulated months; remove the row or extend `months`",
                ),
            );
            return None;
        }
        Some(t)
    };
    let from = read_month(&cells[1], problems);
    let to = read_month(&cells[2], problems);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            problems.push(
                Problem::error(
                    format!(
                        "`from` ({}) is after `to` ({})",
                        cells[1].text, cells[2].text
                    ),
                    Some(cells[1].span.start..cells[2].span.end),
                )
                .with_help("a period runs from its first month to its last"),
            );
        }
        if let Some(c) = cohort {
            let cohort = &scenario.cohorts[c];
            if from < scenario.offer_index(cohort) {
                problems.push(
                    Problem::error(
                        format!(
                            "{} is before cohort `{}` is offered budgets ({})",
                            cells[1].text, cohort.id, cohort.offer_from
                        ),
                        Some(cells[1].span.clone()),
                    )
                    .with_help("the model has no holders before the offer; start the period at `offer_from` or later"),
                );
            }
        }
    }
    let measure = Measure::ALL.into_iter().find(|m| m.key() == cells[3].text);
    if measure.is_none() {
        let keys = Measure::ALL.map(Measure::key);
        let help = match nearest(cells[3].text, keys) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "a measure is `new_holders` or `holders`".to_string(),
        };
        problems.push(
            Problem::error(
                format!("unknown measure `{}`", cells[3].text),
                Some(cells[3].span.clone()),
            )
            .with_help(help),
        );
    }
    let value = &cells[4];
    let parsed: Option<u64> = value.text.parse().ok();
    if parsed.is_none() {
        let what = match value.text.parse::<f64>() {
            Ok(v) if v < 0.0 => "is negative",
            Ok(v) if v.is_finite() => "is not a whole number",
            _ => "is not a count",
        };
        problems.push(
            Problem::error(
                format!("the value `{}` {what}", value.text),
                Some(value.span.clone()),
            )
            .with_help("a value is a count of people: a whole number, 0 or more"),
        );
    }
    if problems.len() > before {
        return;
    }
    let (Some(cohort), Some(from), Some(to), Some(measure), Some(value)) =
        (cohort, from, to, measure, parsed)
    else {
        return;
    };
    rows.push((
        cohort,
        Observation {
            from,
            to,
            measure,
            value,
            line: line_no,
        },
        whole,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    fn scenario() -> Scenario {
        let text = r#"schema_version = 1
[scenario]
name = "s"
start = "2027-01"
months = 12

[[cohorts]]
id = "a"
size = 10
offer_from = "2027-03"
uptake = { model = "constant", monthly = { dist = "uniform", min = 0.1, max = 0.2 } }
budget = 1
forms = { notional = 1.0 }
"#;
        parse_scenario(text).expect("valid").scenario
    }

    /// Quoted fields, CRLF line endings, blank lines, spaces and rows in any order are
    /// read; rows come back ordered by the month they close.
    #[test]
    fn a_spreadsheets_file_is_read_and_ordered() {
        let text = "cohort,from,to,measure,value\r\n\r\n\"a\",2027-06,2027-06,holders, 4\r\na,2027-03,2027-05,\"new_holders\",5\r\n";
        let observed = parse_observed(text, &scenario()).expect("valid");
        let rows = &observed.cohorts[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].from, rows[0].to, rows[0].value), (2, 4, 5));
        assert_eq!(rows[0].measure, Measure::NewHolders);
        assert_eq!(
            (rows[1].to, rows[1].measure, rows[1].line),
            (5, Measure::Holders, 3)
        );
    }

    #[test]
    fn a_file_without_rows_or_with_other_columns_is_refused() {
        let s = scenario();
        assert!(
            parse_observed("", &s).unwrap_err()[0]
                .message
                .contains("empty")
        );
        let only_header = parse_observed("cohort,from,to,measure,value\n", &s).unwrap_err();
        assert!(only_header[0].message.contains("no observations"));
        // Columns in another order: one problem, the header's; the rows are not read.
        let swapped = "cohort,to,from,measure,value\na,2027-05,2027-03,new_holders,1\n";
        let problems = parse_observed(swapped, &s).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].message.contains("the header is"));
    }
}
