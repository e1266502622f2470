//! "Keep as variant": the what-if appended to the scenario file as a `[[variants]]`
//! entry, so the meeting's questions join the shared statement of assumptions.
//!
//! The new text is checked with every check of the scenario language before it is
//! written, and written atomically (a temporary file in the same folder, then a
//! rename), with every comment and the layout of the file kept. Only the scenario
//! file given on the command line is ever written: with the built-in example there is
//! no file, and nothing is written. A file changed on disk since the server read it is
//! not overwritten: the base being served would no longer be the file's.

use std::path::PathBuf;

use crate::output::directory::replace_file;
use crate::output::problems::render_problems;
use crate::scenario::load::{Source, read_source};
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
        let on_disk = read_source(file).map_err(|e| KeepError::Io(e.to_string()))?;
        if on_disk.text != *known {
            return Err(KeepError::Changed(file.display().to_string()));
        }
        let text = with_variant(&known, name, description, what_if)
            .map_err(|e| KeepError::Invalid(e.to_string()))?;
        if let Err(problems) = parse_scenario(&text) {
            let errors: Vec<_> = problems.into_iter().filter(|p| p.is_error()).collect();
            let source = Source {
                name: file.clone(),
                text,
            };
            return Err(KeepError::Invalid(render_problems(&source, &errors, false)));
        }
        let (dir, file_name) = split(file)?;
        replace_file(&dir, &file_name, text.as_bytes())
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
