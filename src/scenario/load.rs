//! Reading a scenario from disk: the one place scenario files are read.
//!
//! A thin wrapper over the pure [`parse_scenario`]: it adds the path and refuses bytes
//! that are not UTF-8 (naming the line and column of the first bad byte). The one
//! thing it removes is a UTF-8 byte-order mark at the very start, which Windows
//! editors write and which is no part of the text: keeping it would shift every
//! column of the first line by one. CRLF line endings are kept (TOML allows them).

use std::path::{Path, PathBuf};

use crate::scenario::draws::read_draws;
use crate::scenario::{Problem, Scenario, Validated, parse_scenario};

/// The built-in example (the same file as `scenarios/example-icb.toml`).
pub const EXAMPLE: &str = include_str!("../../scenarios/example-icb.toml");
/// The name the built-in example goes by in messages and output paths.
pub const EXAMPLE_NAME: &str = "example-icb.toml";
/// The commented starter written by `phbsim init`.
pub const STARTER: &str = include_str!("../../scenarios/starter.toml");

/// The UTF-8 byte-order mark, removed from the start of a file when present.
pub const BYTE_ORDER_MARK: char = '\u{feff}';

/// A scenario's text and where it came from, whether or not it is valid.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it, or `example-icb.toml` for the built-in example.
    pub name: PathBuf,
    pub text: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "no such file: {path}; check the path, or run `phbsim init {path}` to write a starter scenario"
    )]
    Missing { path: PathBuf },
    #[error("cannot read scenario file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{path}:{line}:{column}: the file is not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8"
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        byte: u8,
    },
    #[error("{} problem(s) in {}", .problems.iter().filter(|p| p.is_error()).count(), .scenario.name.display())]
    Invalid {
        scenario: Source,
        problems: Vec<Problem>,
    },
}

/// Reads a file's text, checking it is UTF-8.
pub fn read_source(path: &Path) -> Result<Source, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::Missing {
            path: path.to_path_buf(),
        },
        kind => LoadError::Unreadable {
            path: path.to_path_buf(),
            reason: kind.to_string(),
        },
    })?;
    source_of(path, bytes)
}

/// The text of the file `path` from its bytes: checked to be UTF-8, without a
/// byte-order mark.
pub fn source_of(path: &Path, bytes: Vec<u8>) -> Result<Source, LoadError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source {
            name: path.to_path_buf(),
            text: match text.strip_prefix(BYTE_ORDER_MARK) {
                Some(rest) => rest.to_string(),
                None => text,
            },
        }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let prefix = prefix.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&prefix);
            let (line, column) = crate::scenario::line_column(prefix, prefix.len());
            Err(LoadError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                byte: bytes[valid],
            })
        }
    }
}

/// The built-in example as a [`Source`].
pub fn example_source() -> Source {
    Source {
        name: PathBuf::from(EXAMPLE_NAME),
        text: EXAMPLE.to_string(),
    }
}

/// Validates a source; warnings come back with the scenario.
pub fn validate(source: Source) -> Result<(Source, Validated), LoadError> {
    match parse_scenario(&source.text) {
        Ok(validated) => Ok((source, validated)),
        Err(problems) => Err(LoadError::Invalid {
            scenario: source,
            problems,
        }),
    }
}

/// Reads and validates a scenario file, or the built-in example when `path` is `None`;
/// then reads and checks the file of its `[draws]` table, if it has one (relative to
/// the scenario file), for the base and each variant.
pub fn load(path: Option<&Path>) -> Result<(Source, Validated), LoadError> {
    let source = match path {
        Some(path) => read_source(path)?,
        None => example_source(),
    };
    let (source, mut validated) = validate(source)?;
    if let Some(path) = path {
        load_draws(path, &source, &mut validated)?;
    }
    Ok((source, validated))
}

/// Fills in the table of every `[draws]` of `validated` (read from `scenario`, the
/// file at `path`). A variant's draws leave out the parameters it sets itself, so its
/// `set` is what it runs with.
fn load_draws(path: &Path, scenario: &Source, validated: &mut Validated) -> Result<(), LoadError> {
    attach_draws(path, scenario, validated, &read_source)
}

/// `load_draws` with the draws files' text given by `read` (a path relative to the
/// scenario file's folder, as the file names it): `phbsim serve` reads the draws
/// file once and answers every what-if from that text, never from the disk again.
pub fn attach_draws(
    path: &Path,
    scenario: &Source,
    validated: &mut Validated,
    read: &dyn Fn(&Path) -> Result<Source, LoadError>,
) -> Result<(), LoadError> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut targets: Vec<(&mut Scenario, Vec<String>)> = vec![(&mut validated.scenario, vec![])];
    for variant in &mut validated.variants {
        let set = variant.overrides.iter().map(|(p, _)| p.clone()).collect();
        targets.push((&mut variant.scenario, set));
    }
    for (target, set) in targets {
        let Some(draws) = &target.draws else {
            continue;
        };
        let file = dir.join(&draws.file);
        let at_file = |message: String| LoadError::Invalid {
            scenario: scenario.clone(),
            problems: vec![Problem::error(message, Some(draws.span.clone())).with_help(
                "`file` is relative to the scenario file; write it with `phbsim calibrate`",
            )],
        };
        let text = match read(&file) {
            Ok(source) => source,
            Err(LoadError::Missing { .. }) => {
                return Err(at_file(format!("no such draws file: {}", file.display())));
            }
            Err(LoadError::NotUtf8 { line, column, .. }) => {
                return Err(at_file(format!(
                    "{}:{line}:{column}: the draws file is not UTF-8 text",
                    file.display()
                )));
            }
            Err(other) => return Err(at_file(other.to_string())),
        };
        let mut table = read_draws(&text.text, target).map_err(|problems| LoadError::Invalid {
            scenario: text.clone(),
            problems,
        })?;
        let covered = |p: &str| {
            set.iter()
                .any(|s| p == s || p.starts_with(&format!("{s}.")))
        };
        if table.paths.iter().any(|p| covered(p)) {
            let keep: Vec<usize> = (0..table.paths.len())
                .filter(|&j| !covered(&table.paths[j]))
                .collect();
            let n = table.paths.len();
            table.values = (0..table.len())
                .flat_map(|d| keep.iter().map(move |&j| d * n + j))
                .map(|cell| table.values[cell])
                .collect();
            table.paths = keep.iter().map(|&j| table.paths[j].clone()).collect();
            table.positions = keep.iter().map(|&j| table.positions[j]).collect();
        }
        if let Some(draws) = &mut target.draws {
            // A variant that sets every parameter of the file runs without it.
            draws.table = (!table.paths.is_empty()).then_some(table);
        }
    }
    Ok(())
}
