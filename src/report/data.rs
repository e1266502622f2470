//! An output directory read back into typed data: the manifest, the scenario as run
//! and its variants, every statistic of `months.csv`, `summary.csv` and `years.csv`,
//! and the paired differences of `compare.csv` (SPEC section 6). A directory written
//! before `years.csv` existed is read without it.
//!
//! [`read_output_dir`] is the one place the report reads files; the parsing itself is
//! pure (`super::parse`), so `phbsim run` builds its report from the very bytes it
//! writes and `phbsim report` from the bytes it reads, and the two agree.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::parse::{parse_manifest, parse_outputs};
use crate::engine::Level;
use crate::manifest::Manifest;
use crate::manifest::OWN_FILES;
use crate::scenario::{FinancialYear, Scenario};
use crate::stats::Summary;

/// Why an output directory cannot be reported on. All but `Unreadable` are bad input
/// (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "{} is not a directory; give the output directory of a `phbsim run` (the one holding months.csv)",
        .path.display()
    )]
    NoDirectory { path: PathBuf },
    #[error(
        "{} is missing; the directory is not a complete phbsim output (run `phbsim run -o DIR` again)",
        .path.display()
    )]
    MissingFile { path: PathBuf },
    #[error("{}: {reason}", .path.display())]
    Foreign { path: PathBuf, reason: String },
    #[error("{}{}: {reason}", .path.display(), .line.map_or(String::new(), |l| format!(":{l}")))]
    Malformed {
        path: PathBuf,
        line: Option<u64>,
        reason: String,
    },
    /// Exit 1: the files are there but the system would not read them.
    #[error("cannot read {}: {reason}", .path.display())]
    Unreadable { path: PathBuf, reason: String },
}

/// A series or metric: level, entity, metric.
pub(super) type Key = (Level, String, String);

/// The tables of one scenario (the `scenario` column): the base's, or a variant's.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTables {
    /// The `scenario` column.
    pub name: String,
    /// This scenario's month labels, `YYYY-MM` (a variant may set its own start or
    /// length).
    pub months: Vec<String>,
    pub(super) monthly: BTreeMap<Key, Vec<Option<Summary>>>,
    pub(super) summary: BTreeMap<Key, Option<Summary>>,
    /// `years.csv`'s rows of this scenario; `None` for a directory without the file
    /// (written by a phbsim before it).
    pub years: Option<YearTables>,
}

/// One scenario's financial-year statistics (`years.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct YearTables {
    /// The scenario's financial years, in order.
    pub years: Vec<FinancialYear>,
    /// By (level, entity, metric), one statistic per year.
    pub(super) cells: BTreeMap<Key, Vec<Option<Summary>>>,
}

impl YearTables {
    /// The statistics of an entity's metric, one per financial year (`None` where no
    /// iteration defined it); empty if the table lacks it.
    pub fn metric(&self, level: Level, entity: &str, metric: &str) -> &[Option<Summary>] {
        self.cells
            .get(&(level, entity.to_string(), metric.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

impl RunTables {
    /// The monthly statistics of a series, one per month (`None` where no iteration
    /// defined the value); empty if the tables lack it.
    pub fn series(&self, level: Level, entity: &str, metric: &str) -> &[Option<Summary>] {
        self.monthly
            .get(&(level, entity.to_string(), metric.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The monthly statistics of a series on the months `labels` (another run's
    /// horizon): `None` in a month this run does not have.
    pub fn series_on(
        &self,
        labels: &[String],
        level: Level,
        entity: &str,
        metric: &str,
    ) -> Vec<Option<Summary>> {
        let series = self.series(level, entity, metric);
        labels
            .iter()
            .map(|label| {
                self.months
                    .iter()
                    .position(|m| m == label)
                    .and_then(|t| series.get(t).copied().flatten())
            })
            .collect()
    }

    /// The whole-horizon statistics of a metric, if defined.
    pub fn summary(&self, level: Level, entity: &str, metric: &str) -> Option<&Summary> {
        self.summary
            .get(&(level, entity.to_string(), metric.to_string()))
            .and_then(Option::as_ref)
    }
}

/// A variant of the scenario, as its file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantInfo {
    /// Its name, its `scenario` in the tables.
    pub name: String,
    /// The `description` of its `[[variants]]` table, if any.
    pub description: Option<String>,
    /// (path, value as TOML) as it sets them.
    pub changes: Vec<(String, String)>,
}

/// One row of `compare.csv`: a paired difference, variant − base, over iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compared {
    /// `None` where no iteration defined it.
    pub difference: Option<Summary>,
    /// The share of iterations in which the variant is worse for whoever bears it.
    pub p_worse: f64,
}

/// Everything in an output directory that the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputData {
    pub manifest: Manifest,
    pub scenario: Scenario,
    /// The scenario's month labels, `YYYY-MM`, over the horizon.
    pub months: Vec<String>,
    /// The base (the scenario as run) first, then each variant in file order.
    pub runs: Vec<RunTables>,
    /// The variants in file order: `runs[1..]`, described.
    pub variants: Vec<VariantInfo>,
    /// `compare.csv` by variant name and (level, entity, metric); empty without
    /// variants.
    pub(super) compare: BTreeMap<(String, Key), Compared>,
}

impl OutputData {
    /// The tables of the scenario as run.
    pub fn base(&self) -> &RunTables {
        &self.runs[0]
    }

    /// The paired difference of `variant` against the base in a summary metric.
    pub fn compared(
        &self,
        variant: &str,
        level: Level,
        entity: &str,
        metric: &str,
    ) -> Option<&Compared> {
        self.compare.get(&(
            variant.to_string(),
            (level, entity.to_string(), metric.to_string()),
        ))
    }
}

/// The contents of the input files.
#[derive(Debug, Clone, Copy)]
pub struct OutputFiles<'a> {
    pub manifest: &'a str,
    pub scenario: &'a str,
    pub summary: &'a [u8],
    pub months: &'a [u8],
    /// `years.csv`; `None` for a directory written before it existed.
    pub years: Option<&'a [u8]>,
    /// `compare.csv`, written when the scenario has variants.
    pub compare: Option<&'a [u8]>,
}

/// A [`ReportError::Malformed`] naming `dir/file` and, where known, the line.
pub(super) fn malformed(
    dir: &Path,
    file: &str,
    line: Option<u64>,
    reason: impl Into<String>,
) -> ReportError {
    ReportError::Malformed {
        path: dir.join(file),
        line,
        reason: reason.into(),
    }
}

/// Reads the files of an output directory, refusing one that phbsim did not write.
pub fn read_output_dir(dir: &Path) -> Result<OutputData, ReportError> {
    let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => {
            ReportError::NoDirectory {
                path: dir.to_path_buf(),
            }
        }
        _ => ReportError::Unreadable {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        },
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ReportError::Unreadable {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    if let Some(foreign) = names.iter().find(|n| !OWN_FILES.contains(&n.as_str())) {
        return Err(ReportError::Foreign {
            path: dir.join(foreign),
            reason: "phbsim did not write this file, so this is not (only) a phbsim output \
                     directory; `phbsim report` rewrites report.html only in a directory \
                     written by `phbsim run`"
                .to_string(),
        });
    }
    let read = |name: &str| -> Result<Vec<u8>, ReportError> {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReportError::MissingFile { path },
            _ => ReportError::Unreadable {
                path,
                reason: e.to_string(),
            },
        })
    };
    let text = |name: &str| -> Result<String, ReportError> {
        String::from_utf8(read(name)?).map_err(|_| malformed(dir, name, None, "not UTF-8 text"))
    };
    let manifest = text("manifest.json")?;
    // A directory of someone else's is named as such before anything else is missed.
    parse_manifest(dir, &manifest)?;
    let scenario = text("scenario.toml")?;
    let summary = read("summary.csv")?;
    let months = read("months.csv")?;
    let years = optional(read("years.csv"))?;
    // Written only for a scenario with variants; the parser asks for it then.
    let compare = optional(read("compare.csv"))?;
    parse_outputs(
        dir,
        OutputFiles {
            manifest: &manifest,
            scenario: &scenario,
            summary: &summary,
            months: &months,
            years: years.as_deref(),
            compare: compare.as_deref(),
        },
    )
}

/// A file that may be absent: its bytes, or `None` when it is missing.
fn optional(read: Result<Vec<u8>, ReportError>) -> Result<Option<Vec<u8>>, ReportError> {
    match read {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReportError::MissingFile { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
