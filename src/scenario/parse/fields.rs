//! Reading one key as its declaration in [`crate::scenario::params`] says: its range,
//! its default, and the example a "missing required key" fix suggests. Also the two
//! fields every walk shares: ids and choices among a few words.

use std::ops::Range;

use crate::distribution::Distribution;
use crate::scenario::checks;
use crate::scenario::problem::{Problem, nearest};
use crate::scenario::reader::{Problems, TableReader};
use crate::scenario::types::{Uncertain, YearMonth};

impl TableReader<'_, '_> {
    /// Reports `key` as missing if it is absent and required wherever it stands (a key
    /// required only under a condition is the walk's to report).
    fn require_if_absent(&mut self, problems: &mut Problems, key: &'static str) {
        let param = self.param(key);
        if param.is_required() && param.only_when.is_none() && self.get(key).is_none() {
            self.require(problems, key);
        }
    }

    /// A string key.
    pub(super) fn text_param(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(String, Range<usize>)> {
        let value = self.string(problems, key);
        self.require_if_absent(problems, key);
        value
    }

    /// A `true`/`false` key, or its default (`true` or `false` in words) when it is
    /// absent or invalid.
    pub(super) fn bool_or_default(&mut self, problems: &mut Problems, key: &'static str) -> bool {
        let value = self.boolean(problems, key);
        value.map_or_else(|| self.param(key).default_bool(), |(v, _)| v)
    }

    /// A `"YYYY-MM"` key.
    pub(super) fn month_param(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(YearMonth, Range<usize>)> {
        let value = self.month(problems, key);
        self.require_if_absent(problems, key);
        value
    }

    /// An integer key within its declared bounds.
    pub(super) fn integer_param(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<(i128, Range<usize>)> {
        let (lo, hi) = self.param(key).integer_bounds();
        let value = self.integer(problems, key, lo, hi);
        self.require_if_absent(problems, key);
        value
    }

    /// An integer key, or its default when it is absent or invalid.
    pub(super) fn integer_or_default(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> i128 {
        self.integer_param(problems, key)
            .map_or_else(|| self.param(key).default_integer(), |(v, _)| v)
    }

    /// A plain-number key in its declared range (if any), or its default when it is
    /// absent or invalid.
    pub(super) fn number_param(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
    ) -> Option<f64> {
        let param = self.param(key);
        let value = match param.range() {
            Some(range) => self.number_in(problems, key, range),
            None => self.number(problems, key).map(|(v, _)| v),
        };
        value.or(param.default_number())
    }

    /// A `(U)` key whose path is `{base}.{key}`, or its default when it is absent or
    /// invalid; `None` for an absent or invalid key without a default.
    pub(super) fn uncertain_param(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
        base: &str,
    ) -> Option<Uncertain> {
        let param = self.param(key);
        let range = param.range().expect("a (U) key has a range");
        let path = format!("{base}.{key}");
        let value = self.uncertain(problems, key, range, path.clone());
        self.require_if_absent(problems, key);
        value.or_else(|| {
            param
                .default_number()
                .map(|v| Uncertain::new(Distribution::Fixed(v), range, path))
        })
    }

    /// A `(U)` key declared with a default: its value, or the default.
    pub(super) fn uncertain_or_default(
        &mut self,
        problems: &mut Problems,
        key: &'static str,
        base: &str,
    ) -> Uncertain {
        self.uncertain_param(problems, key, base)
            .unwrap_or_else(|| panic!("`{key}` is declared with a default"))
    }

    /// Checks the keys that apply only under a condition on `on`, now that `on` is
    /// `value`: each key present that needs another value of `on` is reported as
    /// `misplaced(key, span)` says, then each key required under `value` that is absent.
    pub(super) fn check_conditional_keys(
        &mut self,
        problems: &mut Problems,
        on: &str,
        value: &str,
        misplaced: impl Fn(&str, Range<usize>) -> Problem,
    ) {
        let params = self.declaration().params;
        for param in params {
            if let Some((key_on, needed)) = param.only_when
                && key_on == on
                && needed != value
                && let Some(present) = self.get(param.key)
            {
                problems.push(misplaced(param.key, present.span()));
            }
        }
        for param in params {
            if param.only_when == Some((on, value))
                && param.is_required()
                && self.get(param.key).is_none()
            {
                self.require(problems, param.key);
            }
        }
    }
}

/// A well-formed id, or a problem at `span`.
pub(super) fn read_id(
    r: &mut TableReader<'_, '_>,
    problems: &mut Problems,
) -> Option<(String, Range<usize>)> {
    let id = r.string(problems, "id");
    if r.get("id").is_none() {
        r.require(problems, "id");
        return None;
    }
    let (id, span) = id?;
    if !checks::is_valid_id(&id) {
        problems.push(
            Problem::error(format!("id `{id}` is not allowed"), Some(span.clone()))
                .with_help(format!(
                    "ids use lower-case letters, digits, `-` and `_`, starting with a letter or digit, e.g. `{}`",
                    checks::suggest_id(&id)
                )),
        );
        return None;
    }
    Some((id, span))
}

/// A problem for a string that must be one of a few choices.
pub(super) fn unknown_choice(
    key: &str,
    text: &str,
    span: Range<usize>,
    choices: &[&str],
) -> Problem {
    let problem = Problem::error(format!("`{key}` cannot be `{text}`"), Some(span));
    match nearest(text, choices.iter().copied()) {
        Some(near) => problem.with_help(format!("did you mean `{near}`?")),
        None => problem.with_help(format!(
            "use one of: {}",
            choices
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
