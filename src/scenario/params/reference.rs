//! `docs/scenario-reference.md`: every table and key of a scenario file, generated
//! from the declarations so the page cannot fall behind the parser (a test checks
//! that the committed page is current).

use std::fmt::Write;

use super::{Fallback, Kind, Need, Param, TABLES, Table};
use crate::scenario::reader::DISTRIBUTIONS;
use crate::scenario::types::ValueRange;

/// The reference page of the scenario file, as Markdown.
pub fn reference_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Scenario file reference\n\n\
         <!-- Generated from src/scenario/params/table.rs; do not edit by hand. Regenerate with\n     \
         UPDATE_REFERENCE=1 cargo test --lib reference -->\n\n\
         Every key of every table of a scenario file: its type, unit, valid range, default,\n\
         whether it may be uncertain, and what it means. Money is in pounds, activity in the\n\
         units the author chooses per service, rates are monthly unless the key says\n\
         otherwise, and a key not listed here is an error. `phbsim init` writes a starter\n\
         that uses every key; `phbsim validate` checks a file.\n\n\
         **(U)**: the key takes a number or a distribution (see [Distributions](#distributions)),\n\
         drawn once per iteration and clamped to the key's range. **Path**: how variants,\n\
         sweeps, `phbsim diff` and `phbsim stress --param` name a value; an entry of a list is\n\
         named by its `id` (in `uses`, by its `service`).\n",
    );
    for table in TABLES {
        write_table(&mut out, table);
    }
    out.push_str(
        "\n## Distributions\n\n\
         A (U) key, or `budget`, takes a number or a table `{ dist = \"...\", ... }`:\n\n\
         | dist | keys | notes |\n|---|---|---|\n",
    );
    for (name, keys, note) in DISTRIBUTIONS {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(out, "| `{name}` | {} | {note} |", keys.join(", "));
    }
    out.push_str(
        "\nRules: min <= mode <= max and min < max; sd > 0 (and a lognormal's mean > 0);\n\
         low < high; alpha, beta, shape and scale > 0.\n",
    );
    out
}

fn write_table(out: &mut String, table: &Table) {
    let title = if table.name.is_empty() {
        "Top level".to_string()
    } else {
        format!("`{}`", table.written)
    };
    let _ = write!(out, "\n## {title}\n\n{}\n", table.meaning);
    if let Some(prefix) = path_prefix(table).filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "\nPath: `{prefix}.<key>`.");
    }
    out.push_str(
        "\n| key | type | unit | range | default | (U) | meaning |\n|---|---|---|---|---|---|---|\n",
    );
    for param in table.params {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            param.key,
            type_text(param.kind),
            param.unit,
            range_text(param.kind),
            need_text(param),
            if param.is_uncertain() { "(U)" } else { "" },
            param.meaning.replace('|', "\\|"),
        );
    }
}

/// The path of the table's keys without the key (`providers.<id>.services.<id>`), or
/// `None` for a table that is no part of a scenario (variants, sweeps).
fn path_prefix(table: &Table) -> Option<String> {
    let mut segments = Vec::new();
    let mut name = String::new();
    for segment in table.name.split('.').filter(|s| !s.is_empty()) {
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(segment);
        segments.push(segment.to_string());
        let current = super::table(&name);
        let is_list = TABLES
            .iter()
            .flat_map(|t| t.params)
            .any(|p| matches!(p.kind, Kind::Tables(n) if n == name));
        match (is_list, current.named_by) {
            (true, Some(key)) => segments.push(format!("<{key}>")),
            (true, None) => return None,
            (false, _) => {}
        }
    }
    Some(segments.join("."))
}

fn type_text(kind: Kind) -> String {
    match kind {
        Kind::Version(_) | Kind::Integer { .. } => "integer".into(),
        Kind::Text => "text".into(),
        Kind::Bool => "`true` or `false`".into(),
        Kind::Id => "id".into(),
        Kind::Month => "month `\"YYYY-MM\"`".into(),
        Kind::Number(_) => "number".into(),
        Kind::Uncertain(_) => "number or distribution".into(),
        Kind::Spread(_) => "number or distribution across holders".into(),
        Kind::Choice(_) => "one of".into(),
        Kind::Service => "service `\"provider-id/service-id\"`".into(),
        Kind::Shares(_) => "table `\"provider-id/service-id\" = share`".into(),
        Kind::Table(name) => format!("table ({})", link(name)),
        Kind::Tables(name) => format!("list of tables ({})", link(name)),
        Kind::Path => "parameter path".into(),
        Kind::Settings => "table of values by path".into(),
        Kind::Values => "list of values".into(),
        Kind::Paths => "list of parameter paths".into(),
        Kind::Matrix => "matrix: a list of rows of numbers".into(),
    }
}

/// A link to the section of table `name`.
fn link(name: &str) -> String {
    let table = super::table(name);
    let anchor: String = table
        .written
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '_' | '-' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect();
    format!("[`{}`](#{anchor})", table.written)
}

fn range_text(kind: Kind) -> String {
    match kind {
        Kind::Version(v) => format!("{v}"),
        Kind::Id => "`[a-z0-9][a-z0-9_-]*`".into(),
        Kind::Integer { min, max } if max >= i128::from(i64::MAX) => format!("≥ {min}"),
        Kind::Integer { min, max } => format!("{min}..={max}"),
        Kind::Number(None) => "any".into(),
        Kind::Number(Some(range))
        | Kind::Uncertain(range)
        | Kind::Spread(range)
        | Kind::Shares(range) => match range {
            ValueRange::Probability => "[0, 1]".into(),
            ValueRange::NonNegative => "≥ 0".into(),
            ValueRange::Positive => "> 0".into(),
            ValueRange::Margin => "[-1, 1]".into(),
            ValueRange::YearlyRate => "[-0.5, 1]".into(),
        },
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::Values => "at least one".into(),
        Kind::Paths => "at least two, each (U)".into(),
        Kind::Matrix => "[-1, 1]; one row and column per path".into(),
        _ => String::new(),
    }
}

fn need_text(param: &Param) -> String {
    let need = match param.need {
        Need::Required { .. } => "required".to_string(),
        Need::Default(Fallback::Integer(v)) => format!("{v}"),
        Need::Default(Fallback::Number(v)) => format!("{v}"),
        Need::Default(Fallback::Said(said)) => said.to_string(),
        Need::Optional => "optional".to_string(),
    };
    match param.only_when {
        Some((on, value)) => format!("{need}; only with `{on} = \"{value}\"`"),
        None => need,
    }
}
