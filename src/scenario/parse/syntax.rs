//! TOML syntax diagnostics: characters no scenario may hold, and TOML's own syntax
//! errors turned into problems with a fix for the mistakes people make most.

use std::ops::Range;

use crate::scenario::problem::Problem;

/// The first character no TOML file may hold raw: a control character other than tab
/// and the line endings, or a carriage return not followed by a line feed (old Mac
/// line endings). One problem for the first, rather than one TOML error for each:
/// a file full of them is not a scenario file, or needs saving differently.
pub(super) fn forbidden_character(text: &str) -> Option<Problem> {
    let mut chars = text.char_indices().peekable();
    let mut first = None;
    let mut count = 0usize;
    while let Some((offset, c)) = chars.next() {
        let forbidden = match c {
            '\r' => chars.peek().is_none_or(|&(_, next)| next != '\n'),
            '\t' | '\n' => false,
            c => c.is_control(),
        };
        if forbidden {
            count += 1;
            first.get_or_insert((offset, c));
        }
    }
    let (offset, c) = first?;
    let span = Some(offset..offset + c.len_utf8());
    let more = match count {
        1 => String::new(),
        n => format!(" ({} more after it)", n - 1),
    };
    Some(if c == '\r' {
        Problem::error(
            format!("a line ends with a carriage return alone{more}, which TOML does not allow"),
            span,
        )
        .with_help("save the file with LF (Unix) or CRLF (Windows) line endings")
    } else {
        Problem::error(
            format!(
                "the file holds the control character U+{:04X}{more}; a scenario is plain text",
                u32::from(c)
            ),
            span,
        )
        .with_help("delete it; if the file came from a word processor or a spreadsheet, save it as plain text")
    })
}

/// A TOML syntax error as a problem, with a fix for the mistakes people make most.
pub(super) fn syntax_problem(text: &str, message: &str, span: Option<Range<usize>>) -> Problem {
    let at = span
        .as_ref()
        .and_then(|s| text.get(s.clone()))
        .unwrap_or("")
        .trim();
    let (message, help) = if message.contains("duplicate key") && !at.is_empty() {
        (
            format!("TOML syntax: `{at}` is defined twice"),
            "keep one definition; a key, or a `[table]` header, may appear once per table"
                .to_string(),
        )
    } else if message.contains("escape") || message.contains("unicode") {
        (
            format!("TOML syntax: {message}"),
            "in a \"...\" string a backslash starts an escape: write `\\\\` for a backslash, or use single quotes, as in 'C:\\Users\\plans'".to_string(),
        )
    } else if message.contains("must be quoted")
        && let Some(fix) = bare_number(text, span.as_ref(), at)
    {
        (
            format!("TOML syntax: {message}"),
            format!("write the number bare, with no unit or pound sign: `{fix}`"),
        )
    } else if message.contains("must be quoted") {
        (
            format!("TOML syntax: {message}"),
            "put text in double quotes, e.g. `kind = \"voluntary\"`".to_string(),
        )
    } else if message.contains("basic string") {
        (
            format!("TOML syntax: {message}"),
            "close the string with `\"` on the same line; use `\"\"\"` quotes for text over several lines".to_string(),
        )
    } else if message.contains("missing comma")
        && span
            .as_ref()
            .is_some_and(|s| starts_its_line(text, s.start))
    {
        (
            format!("TOML syntax: {message}"),
            "an inline table `{ ... }` above is probably missing its closing `}`, so this line is read as part of it".to_string(),
        )
    } else if message.contains("unclosed") {
        (
            format!("TOML syntax: {message}"),
            "a `{`, `[` or `\"` earlier is never closed; the parser only notices here, so look above for the missing `}`, `]` or `\"`".to_string(),
        )
    } else {
        (
            format!("TOML syntax: {message}"),
            "fix the syntax; see the scenario format in README.md".to_string(),
        )
    };
    Problem::error(message, span).with_help(help)
}

/// `key = NUMBER` when the unquoted value `at` is a number followed by a unit
/// (`months = 36 months`) or preceded by a pound sign (`unit_price = £380`): quoting
/// it, as the generic fix says, would only trade this error for a type error.
fn bare_number(text: &str, span: Option<&Range<usize>>, at: &str) -> Option<String> {
    let first = at.split_whitespace().next()?;
    let number = first.strip_prefix('£').unwrap_or(first);
    let starts_like_a_number = number
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit());
    if !starts_like_a_number || number.replace('_', "").parse::<f64>().is_err() {
        return None;
    }
    let before = text.get(..span?.start)?.rsplit('\n').next()?.trim_end();
    let key = before
        .strip_suffix('=')?
        .trim_end()
        .rsplit([' ', '\t', '{', ','])
        .next()
        .filter(|key| !key.is_empty())?;
    Some(format!("{key} = {number}"))
}

/// Whether only blanks stand between the start of `offset`'s line and `offset`.
fn starts_its_line(text: &str, offset: usize) -> bool {
    text.get(..offset).is_some_and(|before| {
        before
            .rsplit('\n')
            .next()
            .is_some_and(|line| line.trim().is_empty())
    })
}
