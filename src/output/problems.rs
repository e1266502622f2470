//! Turning scenario problems into the messages people read: `file:line:column`, the
//! source line underlined, and the fix (rendered by miette).

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use crate::scenario::load::Source;
use crate::scenario::{Problem, Severity};

/// One problem, ready for miette.
#[derive(Debug)]
struct Rendered<'a> {
    problem: &'a Problem,
    heading: String,
    source: NamedSource<String>,
    label: Option<(usize, usize)>,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.problem.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.label.map(|_| &self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (start, len) = self.label?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".to_string()),
            start,
            len,
        ))))
    }
}

/// Problems shown with their source line underlined; any beyond get one line each
/// (place, message and fix), so a file with thousands of problems is still reported
/// in full, and quickly.
const SNIPPETS: usize = 50;

/// Source lines longer than this (in bytes) are not drawn: the heading still names the
/// line and column, and miette cannot underline that far along a line.
const LONGEST_DRAWN_LINE: usize = 400;

/// Byte offsets where each line of a text starts, to find a line and column without
/// rescanning the text for every problem.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of byte `offset`, as
    /// [`crate::scenario::line_column`] counts them.
    fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }

    /// Length in bytes of the longest of line `line` (1-based) and the lines beside it,
    /// which miette draws as context.
    fn longest_near(&self, text: &str, line: usize) -> usize {
        let first = line.saturating_sub(1).max(1);
        let last = (line + 1).min(self.starts.len());
        (first..=last)
            .map(|l| {
                let start = self.starts[l - 1];
                let end = self.starts.get(l).copied().unwrap_or(text.len());
                end - start
            })
            .max()
            .unwrap_or(0)
    }
}

/// Renders every problem of `source`, each headed `file:line:column: message`.
/// `color` chooses ANSI colours (on a terminal) or plain text.
pub fn render_problems(source: &Source, problems: &[Problem], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let name = source.name.display().to_string();
    let text = &source.text;
    let index = LineIndex::new(text);
    let mut out = String::new();
    for (n, problem) in problems.iter().enumerate() {
        let position = problem
            .span
            .as_ref()
            .map(|span| index.line_column(text, span.start));
        let place = match position {
            Some((line, column)) => format!("{name}:{line}:{column}"),
            None => name.clone(),
        };
        let heading = format!("{place}: {}", problem.message);
        if n >= SNIPPETS {
            let mark = match problem.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out.push_str(&format!("{mark}: {heading}\n"));
            if let Some(help) = &problem.help {
                out.push_str(&format!("  help: {help}\n"));
            }
            continue;
        }
        // Point at the first line of the span only: a table's span covers the whole
        // table, and underlining its first line (the header) is what helps.
        let drawable =
            position.is_none_or(|(line, _)| index.longest_near(text, line) <= LONGEST_DRAWN_LINE);
        let label = problem.span.as_ref().filter(|_| drawable).map(|span| {
            let start = span.start.min(text.len());
            let end = span.end.clamp(start, text.len());
            let first_line_end = text[start..end].find('\n').map_or(end, |i| start + i);
            (start, first_line_end.saturating_sub(start))
        });
        let rendered = Rendered {
            problem,
            heading,
            source: NamedSource::new(
                name.clone(),
                if label.is_some() {
                    text.clone()
                } else {
                    String::new()
                },
            ),
            label,
        };
        let _ = handler.render_report(&mut out, &rendered);
    }
    if problems.len() > SNIPPETS {
        out.push_str(&format!(
            "({} problems: the first {SNIPPETS} are drawn with their source lines, the others listed in one line each)\n",
            problems.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn source(text: String) -> Source {
        Source {
            name: PathBuf::from("s.toml"),
            text,
        }
    }

    /// Regression: miette panics ("Formatting argument out of range") when asked to
    /// underline a span some 65,000 columns along a line; such lines are not drawn.
    #[test]
    fn a_fault_far_along_a_long_line_is_reported_without_drawing_it() {
        let text = format!("a = \"{}\", b = 1\n", "x".repeat(100_000));
        let at = text.find("b =").unwrap();
        let problem = Problem::error("unknown key `b`", Some(at..at + 1));
        let out = render_problems(&source(text), &[problem], false);
        let heading = format!("s.toml:1:{}: unknown key `b`", at + 1);
        assert!(out.contains(&heading), "{out}");
        assert!(out.len() < 1_000, "the long line is not printed");
    }

    #[test]
    fn problems_beyond_the_first_fifty_take_one_line_each() {
        let text = "k = 1\n".repeat(60);
        let problems: Vec<_> = (0..60)
            .map(|i| Problem::error(format!("problem {i}"), Some(i * 6..i * 6 + 1)))
            .collect();
        let out = render_problems(&source(text), &problems, false);
        assert!(out.contains("error: s.toml:60:1: problem 59\n"), "{out}");
        assert!(out.contains("60 problems: the first 50 are drawn"));
    }
}
