//! Typed, position-aware reading of a parsed TOML tree.
//!
//! A [`TableReader`] hands out a table's values by key, converting and range-checking
//! them, and records every problem (with the span at fault) instead of stopping at
//! the first. It remembers which keys were asked for, so [`TableReader::finish`] can
//! name each unknown key together with the nearest valid one.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::distribution::Distribution;
use crate::scenario::params::{self, Param};
use crate::scenario::problem::{Problem, nearest};
use crate::scenario::types::{Uncertain, ValueRange, YearMonth};

/// Collects every problem found while reading one file.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
    /// Spans of the errors in `list`, for [`Problems::has_errors_at`]: a file with
    /// 10^5 cohorts may hold 10^5 warnings, and a scan of `list` per value would make
    /// validation quadratic.
    error_spans: BTreeSet<(usize, usize)>,
    errors: usize,
}

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        if problem.is_error() {
            self.errors += 1;
            if let Some(span) = &problem.span {
                self.error_spans.insert((span.start, span.end));
            }
        }
        self.list.push(problem);
    }

    pub fn error(&mut self, message: impl Into<String>, span: Range<usize>) {
        self.push(Problem::error(message, Some(span)));
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

/// A TOML value with its position.
pub type Value<'i> = Spanned<DeValue<'i>>;

/// What a TOML value is, in words, for "expected X, found Y".
pub fn kind_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The value of a TOML number, integer or float; `Err` holds the complaint.
pub fn number_of(value: &DeValue<'_>) -> Result<f64, String> {
    match value {
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
            .map(|v| v as f64)
            .map_err(|_| "integer is too large for a 64-bit number".to_string()),
        DeValue::Float(float) => {
            let parsed: f64 = float
                .as_str()
                .replace('_', "")
                .parse()
                .map_err(|_| format!("`{}` is not a number", float.as_str()))?;
            if parsed.is_finite() {
                Ok(parsed)
            } else {
                Err(format!(
                    "`{}` is not a finite number; every number must be finite",
                    float.as_str()
                ))
            }
        }
        other => Err(format!("expected a number, found {}", kind_of(other))),
    }
}

/// Reads the values of one table, tracking which keys were used.
pub struct TableReader<'a, 'i> {
    table: &'a DeTable<'i>,
    /// Span of the whole table (or of its header), where a missing key is reported.
    span: Range<usize>,
    /// Where this table sits, for messages: `providers[trust].services[crisis]`.
    pub place: String,
    known: Vec<&'static str>,
    /// The table's declaration, when it is one of the file's tables (a distribution's
    /// table is not): only its keys may be read, and they are the valid keys.
    declared: Option<&'static params::Table>,
}

impl<'a, 'i> TableReader<'a, 'i> {
    pub fn new(table: &'a DeTable<'i>, span: Range<usize>, place: impl Into<String>) -> Self {
        TableReader {
            table,
            span,
            place: place.into(),
            known: Vec::new(),
            declared: None,
        }
    }

    /// A reader of the table declared as `name` in [`params::TABLES`].
    pub fn declared(
        table: &'a DeTable<'i>,
        span: Range<usize>,
        place: impl Into<String>,
        name: &str,
    ) -> Self {
        TableReader {
            declared: Some(params::table(name)),
            ..TableReader::new(table, span, place)
        }
    }

    /// The declaration of this reader's table.
    pub fn declaration(&self) -> &'static params::Table {
        self.declared.expect("a declared table")
    }

    /// The declaration of `key` in this reader's table.
    pub fn param(&self, key: &str) -> &'static Param {
        let table = self.declaration();
        table
            .param(key)
            .unwrap_or_else(|| panic!("`{key}` is not declared in `{}`", table.name))
    }

    /// The value under `key`, if present; `key` becomes a known key either way.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Value<'i>> {
        if let Some(table) = self.declared {
            assert!(
                table.param(key).is_some(),
                "`{key}` is read but not declared in `{}`",
                table.name
            );
        }
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Reports a required key that is absent, suggesting its declared example.
    pub fn require(&self, problems: &mut Problems, key: &'static str) {
        self.missing(problems, key, self.param(key).example());
    }

    /// Reports a required key that is absent.
    pub fn missing(&self, problems: &mut Problems, key: &str, hint: &str) {
        let place = if self.place.is_empty() {
            "the file".to_string()
        } else {
            format!("`{}`", self.place)
        };
        problems.push(
            Problem::error(
                format!("missing required key `{key}` in {place}"),
                Some(self.span.clone()),
            )
            .with_help(format!("add `{key} = {hint}`")),
        );
    }

    /// A required or optional string.
    pub fn string(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(String, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.to_string(), value.span())),
            other => {
                problems.push(
                    Problem::error(
                        format!("`{key}` must be a string, found {}", kind_of(other)),
                        Some(value.span()),
                    )
                    .with_help(format!("write it in quotes: `{key} = \"...\"`")),
                );
                None
            }
        }
    }
}

/// One entry of an array of tables (`[[key]]`), or a problem at it if it is not a
/// table.
pub fn table_entry<'a, 'i>(
    item: &'a Value<'i>,
    key: &str,
    problems: &mut Problems,
) -> Option<&'a DeTable<'i>> {
    match item.get_ref() {
        DeValue::Table(t) => Some(t),
        other => {
            problems.push(
                Problem::error(
                    format!(
                        "each entry of `{key}` must be a table, found {}",
                        kind_of(other)
                    ),
                    Some(item.span()),
                )
                .with_help(format!("write entries as `[[{key}]]` tables")),
            );
            None
        }
    }
}

impl<'a, 'i> TableReader<'a, 'i> {
    /// An optional `true` or `false`.
    pub fn boolean(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(bool, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some((*b, value.span())),
            other => {
                problems.push(
                    Problem::error(
                        format!("`{key}` must be true or false, found {}", kind_of(other)),
                        Some(value.span()),
                    )
                    .with_help(format!(
                        "write `{key} = true` or `{key} = false`, without quotes"
                    )),
                );
                None
            }
        }
    }

    /// An optional plain number (no distribution allowed).
    pub fn number(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(f64, Range<usize>)> {
        let value = self.get(key)?;
        if let DeValue::Table(_) = value.get_ref() {
            problems.push(
                Problem::error(
                    format!("`{key}` must be a plain number; it cannot be uncertain"),
                    Some(value.span()),
                )
                .with_help(format!("give one value, e.g. `{key} = 0`")),
            );
            return None;
        }
        match number_of(value.get_ref()) {
            Ok(v) => Some((v, value.span())),
            Err(message) => {
                problems.push(
                    Problem::error(format!("`{key}`: {message}"), Some(value.span()))
                        .with_help(format!("write a plain finite number, e.g. `{key} = 0`")),
                );
                None
            }
        }
    }

    /// An optional plain number that must lie in `range`.
    pub fn number_in(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
        range: ValueRange,
    ) -> Option<f64> {
        let (v, span) = self.number(problems, key)?;
        if range.contains(v) {
            Some(v)
        } else {
            problems.push(
                Problem::error(
                    format!("`{key}` is {v}; it must be {}", range.describe()),
                    Some(span),
                )
                .with_help(format!("use a value {}", range.describe())),
            );
            None
        }
    }

    /// An optional integer within `lo..=hi`.
    pub fn integer(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
        lo: i128,
        hi: i128,
    ) -> Option<(i128, Range<usize>)> {
        let value = self.get(key)?;
        let span = value.span();
        let parsed = match value.get_ref() {
            DeValue::Integer(int) => i128::from_str_radix(int.as_str(), int.radix()).ok(),
            DeValue::Float(float) => {
                problems.push(
                    Problem::error(
                        format!("`{key}` must be a whole number, found `{}`", float.as_str()),
                        Some(span),
                    )
                    .with_help("write it without a decimal point"),
                );
                return None;
            }
            other => {
                problems.push(
                    Problem::error(
                        format!("`{key}` must be an integer, found {}", kind_of(other)),
                        Some(span),
                    )
                    .with_help(format!(
                        "write a whole number without quotes, e.g. `{key} = {}`",
                        lo.max(1)
                    )),
                );
                return None;
            }
        };
        match parsed {
            Some(v) if (lo..=hi).contains(&v) => Some((v, span)),
            Some(v) => {
                // An open-ended range is bounded only by the largest integer TOML holds;
                // name the bound that was crossed.
                let range = match (hi >= i128::from(i64::MAX), v < lo) {
                    (true, true) => format!("at least {lo}"),
                    (true, false) => format!("at most {hi}"),
                    (false, _) => format!("from {lo} to {hi}"),
                };
                problems.push(
                    Problem::error(format!("`{key}` is {v}; it must be {range}"), Some(span))
                        .with_help(format!("use a whole number {range}")),
                );
                None
            }
            None => {
                problems.push(
                    Problem::error(format!("`{key}` is too large"), Some(span))
                        .with_help(format!("use a whole number from {lo} to {hi}")),
                );
                None
            }
        }
    }

    /// An optional `"YYYY-MM"` month.
    pub fn month(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(YearMonth, Range<usize>)> {
        let value = self.get(key)?;
        let span = value.span();
        let parsed = match value.get_ref() {
            DeValue::String(s) => parse_year_month(s),
            _ => None,
        };
        if parsed.is_none() {
            problems.push(
                Problem::error(
                    format!("`{key}` must be a month written \"YYYY-MM\""),
                    Some(span.clone()),
                )
                .with_help(format!("for example `{key} = \"2027-04\"`")),
            );
        }
        parsed.map(|m| (m, span))
    }

    /// An optional sub-table, with its span.
    pub fn table(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(&'a DeTable<'i>, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(t) => Some((t, value.span())),
            other => {
                problems.error(
                    format!("`{key}` must be a table, found {}", kind_of(other)),
                    value.span(),
                );
                None
            }
        }
    }

    /// An optional array, with its span.
    pub fn array(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(&'a [Value<'i>], Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Array(a) => Some((&a[..], value.span())),
            other => {
                problems.error(
                    format!("`{key}` must be an array, found {}", kind_of(other)),
                    value.span(),
                );
                None
            }
        }
    }

    /// An optional `(U)` parameter: a number or a distribution table.
    pub fn uncertain(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
        range: ValueRange,
        path: String,
    ) -> Option<Uncertain> {
        let value = self.get(key)?;
        let dist = read_distribution(problems, key, value)?;
        check_against_range(problems, key, &dist, range, value.span());
        Some(Uncertain::new(dist, range, path))
    }

    /// Reports every key that is not valid here (not declared, or never asked for in a
    /// table that is not declared), naming the nearest valid key.
    pub fn finish(mut self, problems: &mut Problems) {
        if let Some(table) = self.declared {
            debug_assert!(
                table.keys().all(|k| self.known.contains(&k)),
                "every key declared in `{}` is read",
                table.name
            );
            self.known = table.keys().collect();
        }
        for (key, _) in self.table.iter() {
            let name = key.get_ref().as_ref();
            if self.known.contains(&name) {
                continue;
            }
            let place = if self.place.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in `{}`", self.place)
            };
            let mut problem =
                Problem::error(format!("unknown key `{name}` {place}"), Some(key.span()));
            problem = match nearest(name, self.known.iter().copied()) {
                Some(near) => problem.with_help(format!("did you mean `{near}`?")),
                None => problem.with_help(format!(
                    "valid keys here: {}",
                    self.known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            problems.push(problem);
        }
    }
}

/// Parses `"YYYY-MM"` with a month 01..=12.
pub fn parse_year_month(text: &str) -> Option<YearMonth> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4
        || month.len() != 2
        || !year
            .bytes()
            .chain(month.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month: u8 = month.parse().ok()?;
    (1..=12)
        .contains(&month)
        .then_some(YearMonth { year, month })
}

/// The distribution kinds of SPEC section 3, their keys in the order written, and
/// what to know about them.
pub const DISTRIBUTIONS: [(&str, &[&str], &str); 9] = [
    (
        "fixed",
        &["value"],
        "The value itself; the same as writing the number.",
    ),
    (
        "uniform",
        &["min", "max"],
        "Any value between min and max, equally likely.",
    ),
    (
        "triangular",
        &["min", "mode", "max"],
        "Most likely at mode, never outside min and max.",
    ),
    (
        "pert",
        &["min", "mode", "max"],
        "Beta-PERT, lambda = 4: smoother than triangular.",
    ),
    (
        "normal",
        &["mean", "sd"],
        "Normal with this mean and standard deviation.",
    ),
    (
        "lognormal",
        &["mean", "sd"],
        "Mean and sd of the value itself, not of its log.",
    ),
    (
        "interval",
        &["low", "high"],
        "An 80% interval: 1 in 10 below low, 1 in 10 above high.",
    ),
    ("beta", &["alpha", "beta"], "For shares between 0 and 1."),
    (
        "gamma",
        &["shape", "scale"],
        "For positive values with a long right tail.",
    ),
];

/// Reads a number or a `{ dist = ..., ... }` table as a [`Distribution`], checking the
/// distribution's own parameters (SPEC section 2's last check).
pub fn read_distribution(
    problems: &mut Problems,
    key: &str,
    value: &Value<'_>,
) -> Option<Distribution> {
    let table = match value.get_ref() {
        DeValue::Table(table) => table,
        other => {
            return match number_of(other) {
                Ok(v) => Some(Distribution::Fixed(v)),
                Err(message) => {
                    problems.push(
                        Problem::error(format!("`{key}`: {message}"), Some(value.span())).with_help(
                            "give a number, or a distribution such as `{ dist = \"pert\", min = 1, mode = 2, max = 4 }`",
                        ),
                    );
                    None
                }
            };
        }
    };
    let mut reader = TableReader::new(table, value.span(), key.to_string());
    let Some((name, name_span)) = reader.string(problems, "dist") else {
        if !problems.has_errors_at(&value.span()) {
            reader.missing(problems, "dist", "\"pert\"");
        }
        return None;
    };
    let Some((_, keys, _)) = DISTRIBUTIONS.iter().find(|(n, _, _)| *n == name) else {
        let mut problem =
            Problem::error(format!("`{name}` is not a distribution"), Some(name_span));
        problem = match nearest(&name, DISTRIBUTIONS.iter().map(|(n, _, _)| *n)) {
            Some(near) => problem.with_help(format!("did you mean `{near}`?")),
            None => problem.with_help(format!(
                "use one of: {}",
                DISTRIBUTIONS
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        problems.push(problem);
        return None;
    };
    let mut values = Vec::with_capacity(keys.len());
    let mut complete = true;
    for &param in keys.iter() {
        match reader.number(problems, param) {
            Some((v, _)) => values.push(v),
            None => {
                if reader
                    .table
                    .iter()
                    .all(|(k, _)| k.get_ref().as_ref() != param)
                {
                    reader.missing(problems, param, "...");
                }
                complete = false;
            }
        }
    }
    reader.finish(problems);
    if !complete {
        return None;
    }
    let dist = match (name.as_str(), values.as_slice()) {
        ("fixed", [v]) => Distribution::Fixed(*v),
        ("uniform", [min, max]) => Distribution::Uniform {
            min: *min,
            max: *max,
        },
        ("triangular", [min, mode, max]) => Distribution::Triangular {
            min: *min,
            mode: *mode,
            max: *max,
        },
        ("pert", [min, mode, max]) => Distribution::Pert {
            min: *min,
            mode: *mode,
            max: *max,
        },
        ("normal", [mean, sd]) => Distribution::Normal {
            mean: *mean,
            sd: *sd,
        },
        ("lognormal", [mean, sd]) => Distribution::LogNormal {
            mean: *mean,
            sd: *sd,
        },
        ("interval", [low, high]) => Distribution::Interval {
            low: *low,
            high: *high,
        },
        ("beta", [alpha, beta]) => Distribution::Beta {
            alpha: *alpha,
            beta: *beta,
        },
        ("gamma", [shape, scale]) => Distribution::Gamma {
            shape: *shape,
            scale: *scale,
        },
        _ => return None,
    };
    match distribution_fault(&dist) {
        Some((message, help)) => {
            problems.push(
                Problem::error(format!("`{key}`: {message}"), Some(value.span())).with_help(help),
            );
            None
        }
        None => Some(dist),
    }
}

/// What is wrong with a distribution's parameters, and how to fix it.
fn distribution_fault(dist: &Distribution) -> Option<(String, String)> {
    match *dist {
        Distribution::Fixed(_) => None,
        Distribution::Uniform { min, max } if min >= max => Some((
            format!("uniform min {min} is not below max {max}"),
            "make min smaller than max".into(),
        )),
        Distribution::Triangular { min, mode, max } | Distribution::Pert { min, mode, max }
            if !(min <= mode && mode <= max && min < max) =>
        {
            Some((
                format!("min {min}, mode {mode}, max {max} are out of order"),
                "they must satisfy min <= mode <= max with min < max".into(),
            ))
        }
        Distribution::Normal { sd, .. } if sd <= 0.0 => {
            Some((format!("sd is {sd}"), "sd must be greater than 0".into()))
        }
        Distribution::LogNormal { mean, sd } if sd <= 0.0 || mean <= 0.0 => Some((
            format!("lognormal mean {mean} and sd {sd}"),
            "a lognormal needs mean > 0 and sd > 0".into(),
        )),
        Distribution::Interval { low, high } if low >= high => Some((
            format!("interval low {low} is not below high {high}"),
            "an interval is `{ dist = \"interval\", low = L, high = H }` with L < H".into(),
        )),
        Distribution::Beta { alpha, beta } if alpha <= 0.0 || beta <= 0.0 => Some((
            format!("beta alpha {alpha}, beta {beta}"),
            "alpha and beta must both be greater than 0".into(),
        )),
        Distribution::Gamma { shape, scale } if shape <= 0.0 || scale <= 0.0 => Some((
            format!("gamma shape {shape}, scale {scale}"),
            "shape and scale must both be greater than 0".into(),
        )),
        _ => None,
    }
}

/// A fixed value out of range is an error; a distribution with more than 0.1% of its
/// mass outside is a warning naming the mean after clamping (SPEC section 2).
pub fn check_against_range(
    problems: &mut Problems,
    key: &str,
    dist: &Distribution,
    range: ValueRange,
    span: Range<usize>,
) {
    let (lo, hi) = range.bounds();
    if let Distribution::Fixed(v) = *dist {
        if !range.contains(v) {
            problems.push(
                Problem::error(
                    format!("`{key}` is {v}; it must be {}", range.describe()),
                    Some(span),
                )
                .with_help(format!("use a value {}", range.describe())),
            );
        }
        return;
    }
    let outside = dist.probability_outside(lo, hi);
    if outside > 0.001 {
        let (clamped_mean, _) = dist.clamped_moments(lo, hi);
        problems.push(
            Problem::warning(
                format!(
                    "`{key}`: {} puts {:.1}% of its draws outside the valid range ({}); they are clamped, which moves the mean from {} to {}",
                    dist.describe(),
                    outside * 100.0,
                    range.describe(),
                    round_for_message(dist.mean()),
                    round_for_message(clamped_mean),
                ),
                Some(span),
            )
            .with_help("narrow the distribution so it stays inside the range, or accept the clamping"),
        );
    }
}

/// Four significant figures: enough to recognise a figure in a message.
pub fn round_for_message(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = 4 - (v.abs().log10().floor() as i32 + 1);
    let factor = 10f64.powi(digits.max(0));
    format!("{}", (v * factor).round() / factor)
}

impl Problems {
    /// Whether an error was already reported inside `span` (to avoid piling a second
    /// complaint on the same value).
    pub fn has_errors_at(&self, span: &Range<usize>) -> bool {
        self.error_spans
            .range((span.start, 0)..=(span.end, usize::MAX))
            .any(|&(_, end)| end <= span.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_accepts_only_yyyy_mm() {
        assert_eq!(
            parse_year_month("2027-04"),
            Some(YearMonth {
                year: 2027,
                month: 4
            })
        );
        assert_eq!(parse_year_month("2027-4"), None);
        assert_eq!(parse_year_month("2027-13"), None);
        assert_eq!(parse_year_month("27-04"), None);
        assert_eq!(parse_year_month("2027-04-01"), None);
    }

    #[test]
    fn round_for_message_keeps_four_significant_figures() {
        assert_eq!(round_for_message(0.123456), "0.1235");
        assert_eq!(round_for_message(9000.4), "9000");
    }
}
