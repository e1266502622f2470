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
    let mut out = String::new();
    for problem in problems {
        let place = match problem.line_column(&source.text) {
            Some((line, column)) => format!("{name}:{line}:{column}"),
            None => name.clone(),
        };
        // Point at the first line of the span only: a table's span covers the whole
        // table, and underlining its first line (the header) is what helps.
        let label = problem.span.as_ref().map(|span| {
            let start = span.start.min(source.text.len());
            let end = span.end.clamp(start, source.text.len());
            let first_line_end = source.text[start..end]
                .find('\n')
                .map_or(end, |i| start + i);
            (start, first_line_end.saturating_sub(start))
        });
        let rendered = Rendered {
            problem,
            heading: format!("{place}: {}", problem.message),
            source: NamedSource::new(name.clone(), source.text.clone()),
            label,
        };
        let _ = handler.render_report(&mut out, &rendered);
    }
    out
}
