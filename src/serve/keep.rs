//! "Keep as variant": the what-if appended to the scenario file as a `[[variants]]`
//! entry, so the meeting's questions join the shared statement of assumptions.
//!
//! The new text is checked with every check of the scenario language before it is
//! written, and written atomically (a temporary file in the same folder, then a
//! rename), with every comment and the layout of the file kept. Only the scenario
//! file given on the command line is ever written: with the built-in example there is
//! no file, and nothing is written. A file changed on disk since the server read it is
//! not overwritten: the base being served would no longer be the file's.
//!
//! The file keeps its own conventions: its line endings (a file written with CRLF
//! throughout gets its new lines with CRLF too), a UTF-8 byte-order mark it starts
//! with, its permissions (see [`replace_file`]), and, when the path given is a
//! symbolic link, the link itself: the file it points to is the one replaced.

use std::path::PathBuf;

use crate::output::directory::replace_file;
use crate::output::problems::render_problems;
use crate::scenario::load::{BYTE_ORDER_MARK, Source, source_of};
use crate::scenario::parse_scenario;
use crate::serve::Served;
use crate::serve::whatif::{WhatIf, with_variant};

/// Longest variant name accepted.
pub const LONGEST_NAME: usize = 200;

/// Why a what-if was not kept. Every case leaves the file as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeepError {
    #[error(
        "phbsim serve is showing the built-in example, which is no file; to keep variants, save it with `phbsim init my.toml` (or copy scenarios/example-icb.toml) and run `phbsim serve my.toml`"
    )]
    NoFile,
    #[error("{0}")]
    BadName(String),
    #[error("the what-if changes nothing yet; move a control first")]
    Empty,
    #[error(
        "{0} changed on disk since phbsim serve read it; nothing was written. Restart phbsim serve to serve the file as it is now"
    )]
    Changed(String),
    /// The file with the variant fails a check: the messages of `validate`.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(String),
}

/// A what-if kept in the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    pub name: String,
    pub file: String,
}

impl Served {
    /// Appends `what_if` to the scenario file as the variant `name`.
    pub fn keep(
        &self,
        name: &str,
        description: Option<&str>,
        what_if: &WhatIf,
    ) -> Result<Kept, KeepError> {
        let Some(file) = &self.file else {
            return Err(KeepError::NoFile);
        };
        let name = name.trim();
        if name.is_empty() || name.len() > LONGEST_NAME || name.chars().any(char::is_control) {
            return Err(KeepError::BadName(format!(
                "a variant needs a name of 1 to {LONGEST_NAME} characters on one line"
            )));
        }
        if description.is_some_and(|d| d.len() > 4 * LONGEST_NAME) {
            return Err(KeepError::BadName(format!(
                "a description is at most {} characters",
                4 * LONGEST_NAME
            )));
        }
        if what_if.is_empty() {
            return Err(KeepError::Empty);
        }
        // One keep at a time, against the text this server last read or wrote.
        let mut known = self
            .file_text
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The file the path names, through any symbolic links, so that a link stays a
        // link and the file it points to gets the variant.
        let target = std::fs::canonicalize(file)
            .map_err(|e| KeepError::Io(format!("cannot read {}: {e}", file.display())))?;
        let bytes = std::fs::read(&target)
            .map_err(|e| KeepError::Io(format!("cannot read {}: {e}", file.display())))?;
        let style = FileStyle::of(&bytes);
        let on_disk = source_of(file, bytes).map_err(|e| KeepError::Io(e.to_string()))?;
        if on_disk.text != *known {
            return Err(KeepError::Changed(file.display().to_string()));
        }
        let text = with_variant(&known, name, description, what_if)
            .map(|text| style.line_endings(&text))
            .map_err(|e| KeepError::Invalid(e.to_string()))?;
        if let Err(problems) = parse_scenario(&text) {
            let errors: Vec<_> = problems.into_iter().filter(|p| p.is_error()).collect();
            let source = Source {
                name: file.clone(),
                text,
            };
            return Err(KeepError::Invalid(render_problems(&source, &errors, false)));
        }
        let (dir, file_name) = split(&target)?;
        replace_file(&dir, &file_name, &style.bytes(&text))
            .map_err(|e| KeepError::Io(e.to_string()))?;
        *known = text;
        Ok(Kept {
            name: name.to_string(),
            file: file.display().to_string(),
        })
    }
}

/// The folder and the name of the scenario file.
fn split(file: &std::path::Path) -> Result<(PathBuf, String), KeepError> {
    let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        KeepError::Io(format!(
            "{} has no file name phbsim can write",
            file.display()
        ))
    })?;
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    Ok((dir, name.to_string()))
}

/// What a scenario file's text does that its parsed text does not show: whether it
/// starts with a UTF-8 byte-order mark (which reading drops), and whether it ends its
/// lines with CRLF throughout (`toml_edit` writes the lines it adds with LF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStyle {
    byte_order_mark: bool,
    crlf: bool,
}

impl FileStyle {
    fn of(bytes: &[u8]) -> FileStyle {
        let byte_order_mark = bytes.starts_with(BYTE_ORDER_MARK.to_string().as_bytes());
        // CRLF throughout: at least one line ending, and no LF without its CR. A file
        // that mixes the two is left mixed, its own lines as they are.
        let mut endings = bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i > 0 && bytes[i - 1] == b'\r')
            .peekable();
        let crlf = endings.peek().is_some() && endings.all(|with_cr| with_cr);
        FileStyle {
            byte_order_mark,
            crlf,
        }
    }

    /// `text` with the file's line endings: with CRLF throughout, each LF without its
    /// CR gets one.
    fn line_endings(&self, text: &str) -> String {
        match self.crlf {
            true => text.replace("\r\n", "\n").replace('\n', "\r\n"),
            false => text.to_string(),
        }
    }

    /// The bytes to write for `text` (already with the file's line endings).
    fn bytes(&self, text: &str) -> Vec<u8> {
        let mark = if self.byte_order_mark {
            BYTE_ORDER_MARK.to_string()
        } else {
            String::new()
        };
        (mark + text).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_style_is_its_mark_and_its_line_endings_throughout() {
        let style = |bytes: &[u8]| {
            let s = FileStyle::of(bytes);
            (s.byte_order_mark, s.crlf)
        };
        assert_eq!(style(b"a = 1\r\nb = 2\r\n"), (false, true));
        assert_eq!(style(b"\xEF\xBB\xBFa = 1\r\n"), (true, true));
        assert_eq!(style(b"a = 1\nb = 2\n"), (false, false));
        // Mixed: left as it is.
        assert_eq!(style(b"a = 1\r\nb = 2\n"), (false, false));
        assert_eq!(style(b"\na = 1\r\n"), (false, false));
        assert_eq!(style(b"a = 1"), (false, false));
        assert_eq!(style(b""), (false, false));
    }

    #[test]
    fn lines_added_get_the_files_endings_and_its_mark() {
        let crlf = FileStyle {
            byte_order_mark: true,
            crlf: true,
        };
        let text = crlf.line_endings("a = 1\r\n\n[[variants]]\nname = \"x\"\n");
        assert_eq!(text, "a = 1\r\n\r\n[[variants]]\r\nname = \"x\"\r\n");
        assert_eq!(crlf.bytes("a\r\n"), b"\xEF\xBB\xBFa\r\n".to_vec());
        let lf = FileStyle::of(b"a = 1\n");
        assert_eq!(lf.line_endings("a\nb\n"), "a\nb\n");
        assert_eq!(lf.bytes("a\n"), b"a\n".to_vec());
    }
}
