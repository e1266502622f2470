//! `phbsim serve`: the report's headlines, provider table and fan charts beside a
//! panel of the scenario's assumptions, answered live. Each change is a what-if, a
//! variant with `set` paths exactly as a `[[variants]]` entry holds them, run beside
//! the base under common random numbers and drawn with its paired difference.
//!
//! - `whatif`: the what-if, read from the page, and the scenario texts it makes
//!   (`toml_edit`, comments kept);
//! - `controls`: which assumptions the page offers, with their current values;
//! - `runs`: the base, run once and kept, and each what-if paired with it;
//! - `answer`: a what-if checked, run, and drawn with the report's own sections;
//! - `keep`: "keep as variant", appending the what-if to the scenario file;
//! - `security`: the token, the Host check and the size limits;
//! - `server`: the HTTP server (`tiny_http`), its routes and its one run worker;
//! - `page`: the page itself (HTML, CSS and plain JavaScript, nothing fetched).
//!
//! Nothing here prints: the command (`crate::cli`) prints the address and the errors.

pub mod answer;
pub mod controls;
pub mod keep;
pub mod page;
mod routes;
pub mod runs;
pub mod security;
pub mod server;
pub mod whatif;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::run::RunSettings;
use crate::scenario::Validated;
use crate::scenario::load::{LoadError, Source, attach_draws, read_source};

pub use server::{Listening, ServeError, start};

/// What a serve session serves: the scenario as it was loaded, its base run, and
/// the workers that run what-ifs.
pub struct Served {
    /// The scenario's text and name as loaded when the server started.
    pub source: Source,
    /// The scenario file given, if any: the one file "keep as variant" writes (never
    /// the built-in example).
    pub file: Option<PathBuf>,
    /// The loaded scenario, its variants and warnings.
    pub validated: Validated,
    pub base: runs::Base,
    /// Whether `-n` set the iterations (recorded in the manifest).
    pub iterations_overridden: bool,
    pool: rayon::ThreadPool,
    /// The `[draws]` file's text as the server read it when it started: the base and
    /// every what-if run from it, and nothing reads the file again.
    draws: Option<(PathBuf, Source)>,
    /// The file's text as last read or written, for "keep as variant".
    file_text: Mutex<String>,
}

/// Fills in the `[draws]` of `validated` (from `served`, the text of the scenario file
/// `file`) from the draws text `kept` when the server started; a draws file other
/// than that one is refused, not read.
fn attach_kept_draws(
    file: &Path,
    kept: &Option<(PathBuf, Source)>,
    served: &Source,
    validated: &mut Validated,
) -> Result<(), LoadError> {
    let read = |path: &Path| match kept {
        Some((known, text)) if known == path => Ok(text.clone()),
        _ => Err(LoadError::Unreadable {
            path: path.to_path_buf(),
            reason: "phbsim serve reads only the draws file the scenario named when it started"
                .into(),
        }),
    };
    attach_draws(file, served, validated, &read)
}

impl Served {
    /// Starts the workers and runs the base scenario of `validated` (loaded from
    /// `source`, the file `file` when one was given) with `settings`.
    pub fn new(
        source: Source,
        file: Option<PathBuf>,
        mut validated: Validated,
        settings: RunSettings,
        iterations_overridden: bool,
        threads: usize,
    ) -> Result<Served, String> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| format!("cannot start {threads} worker threads: {e}"))?;
        let draws = match (&file, &validated.scenario.draws) {
            (Some(file), Some(draws)) => {
                let path = file.parent().unwrap_or(Path::new("")).join(&draws.file);
                let text = read_source(&path).map_err(|e| e.to_string())?;
                Some((path, text))
            }
            _ => None,
        };
        // The base too runs from the text kept for the what-ifs, not from the one
        // read when the scenario was loaded: a draws file rewritten in between would
        // otherwise give the base one table and every what-if another.
        if let Some(file) = &file {
            attach_kept_draws(file, &draws, &source, &mut validated).map_err(|e| e.to_string())?;
        }
        let base = pool.install(|| runs::Base::run(validated.scenario.clone(), settings));
        Ok(Served {
            file_text: Mutex::new(source.text.clone()),
            source,
            file,
            validated,
            base,
            iterations_overridden,
            pool,
            draws,
        })
    }

    /// Fills in the `[draws]` of a what-if's scenarios from the text read at the
    /// start; a what-if that names another draws file is refused, not read.
    fn attach_draws(&self, served: &Source, validated: &mut Validated) -> Result<(), LoadError> {
        match &self.file {
            Some(file) => attach_kept_draws(file, &self.draws, served, validated),
            None => Ok(()),
        }
    }

    /// The scenario file's text as this server last read or wrote it.
    fn file_text(&self) -> String {
        self.file_text
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The controls of the page.
    pub fn controls(&self) -> Vec<controls::Group> {
        let yearly = controls::yearly_spend(&self.base.result, self.base.scenario.months);
        controls::controls(&self.base.scenario, yearly)
    }
}
