//! Problems found in a scenario file: errors and warnings, each tied to a place.
//!
//! The validator never stops at the first problem; it collects them all here with the
//! byte span at fault, so the command line can show each one as `file:line:column`
//! with the source line underlined and a hint that says how to fix it.

use std::ops::Range;

/// Whether a problem stops the scenario from running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong (or doubtful) in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Bytes of the source at fault; `None` for a problem of the whole file.
    pub span: Option<Range<usize>>,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl Problem {
    pub fn error(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Problem {
            severity: Severity::Error,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(message, span)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the problem in `source`.
    pub fn line_column(&self, source: &str) -> Option<(usize, usize)> {
        self.span
            .as_ref()
            .map(|span| line_column(source, span.start))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The nearest of `candidates` to a misspelt `word`, if one is close enough to be a
/// likely typo (used for "did you mean `pass_through`?").
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(&word_lower, candidate),
                candidate,
            )
        })
        .filter(|(similarity, _)| *similarity >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let source = "a = 1\nbé = 2\n";
        assert_eq!(line_column(source, 0), (1, 1));
        assert_eq!(line_column(source, 6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(line_column(source, 9), (2, 3));
    }

    #[test]
    fn nearest_names_typos_and_ignores_strangers() {
        let keys = ["pass_through", "cost_flex", "backfill"];
        assert_eq!(nearest("passthrough", keys), Some("pass_through"));
        assert_eq!(nearest("pass_thru", keys), Some("pass_through"));
        assert_eq!(nearest("colour", keys), None);
    }
}
