//! One answer of the page: a what-if checked and turned into the scenario it runs
//! ([`Prepared`]), its run ([`Answer`]), and what the page draws from it ([`Live`]) or
//! downloads (`report.html`).
//!
//! The page's parts come from the very path `phbsim run` takes to its report: the
//! results written as CSV bytes in memory and read back (`crate::output::tables`,
//! `crate::report::parse_outputs`), then drawn by the report's own sections. Only what
//! the page shows is built; `years.csv` and the full report wait for "Download
//! report" ([`crate::output::files::run_files`], no disk involved).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use crate::manifest::{Manifest, RunRecord, Timing};
use crate::output::files::{BuildError, FinishedRun, run_files};
use crate::output::problems::render_problems;
use crate::output::tables;
use crate::report::data::OutputFiles;
use crate::report::live::{self, LiveParts};
use crate::report::parse_outputs;
use crate::run::{Cancelled, SetResult};
use crate::scenario::load::{LoadError, Source};
use crate::scenario::{Validated, parse_scenario};
use crate::serve::Served;
use crate::serve::whatif::{WHAT_IF_NAME, WhatIf, served_text, with_variant};

/// A what-if that passed every check: the text it runs from and its scenarios.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub what_if: WhatIf,
    pub source: Source,
    pub validated: Validated,
}

/// Why a what-if cannot run: the scenario's own messages, as `phbsim validate`
/// prints them for the file with the what-if added as a variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// A variant name that the file does not use yet: `what-if`, `what-if 2`, ...
pub fn unused_name(validated: &Validated, stem: &str) -> String {
    let taken = |name: &str| {
        name == validated.scenario.name || validated.variants.iter().any(|v| v.name == name)
    };
    (1..)
        .map(|n| {
            if n == 1 {
                stem.to_string()
            } else {
                format!("{stem} {n}")
            }
        })
        .find(|name| !taken(name))
        .expect("some name is free")
}

impl Served {
    /// Checks a what-if with every check of the scenario language.
    pub fn prepare(&self, what_if: WhatIf) -> Result<Prepared, Invalid> {
        let text = served_text(&self.source.text, &what_if).map_err(|e| Invalid(e.to_string()))?;
        let source = Source {
            name: self.source.name.clone(),
            text,
        };
        let mut validated = match parse_scenario(&source.text) {
            Ok(validated) => validated,
            Err(problems) => return Err(self.explain(&what_if, &source, &problems)),
        };
        self.attach_draws(&source, &mut validated)
            .map_err(|e| match e {
                LoadError::Invalid { scenario, problems } => {
                    Invalid(render_problems(&scenario, &problems, false))
                }
                other => Invalid(other.to_string()),
            })?;
        Ok(Prepared {
            what_if,
            source,
            validated,
        })
    }

    /// The messages of an invalid what-if, placed in the file as it would be with the
    /// what-if kept as a variant (so the lines are those `validate` would name).
    fn explain(
        &self,
        what_if: &WhatIf,
        served: &Source,
        problems: &[crate::scenario::Problem],
    ) -> Invalid {
        let errors = |problems: &[crate::scenario::Problem], source: &Source| {
            let errors: Vec<_> = problems.iter().filter(|p| p.is_error()).cloned().collect();
            Invalid(render_problems(source, &errors, false))
        };
        // The file as it is now: a variant kept since the start is part of it.
        let now = self.file_text();
        let name = match parse_scenario(&now) {
            Ok(validated) => unused_name(&validated, WHAT_IF_NAME),
            Err(_) => unused_name(&self.validated, WHAT_IF_NAME),
        };
        let kept = with_variant(&now, &name, None, what_if).map(|text| Source {
            name: self.source.name.clone(),
            text,
        });
        match kept {
            Ok(kept) => match parse_scenario(&kept.text) {
                Err(found) => errors(&found, &kept),
                Ok(_) => errors(problems, served),
            },
            Err(_) => errors(problems, served),
        }
    }

    /// Runs a prepared what-if beside the kept base; [`Cancelled`] once `cancel` is
    /// set (a newer what-if arrived).
    pub fn answer(&self, prepared: Prepared, cancel: &AtomicBool) -> Result<Answer, Cancelled> {
        let started = SystemTime::now();
        let clock = Instant::now();
        let set = match prepared.validated.variants.first() {
            None => self.base.alone(),
            Some(variant) => self
                .pool
                .install(|| self.base.with(&variant.scenario, cancel))?,
        };
        let timing = Timing {
            started: humantime::format_rfc3339_seconds(started).to_string(),
            finished: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            elapsed_seconds: clock.elapsed().as_secs_f64(),
        };
        let record = RunRecord {
            source: &prepared.source,
            validated: &prepared.validated,
            settings: self.base.settings,
            iterations_overridden: self.iterations_overridden,
            seed_overridden: false,
            threads: self.pool.current_num_threads(),
            with_variants: true,
        };
        let manifest = Manifest::new(record, timing, set.runs[0].exact_percentiles);
        Ok(Answer {
            prepared,
            set,
            manifest,
        })
    }
}

/// A what-if run: its scenarios, results and manifest.
#[derive(Debug, Clone)]
pub struct Answer {
    pub prepared: Prepared,
    pub set: SetResult,
    pub manifest: Manifest,
}

/// What the page draws for an answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Live {
    pub headline: String,
    pub variants: String,
    pub providers: String,
    /// `summary.csv` and `compare.csv` of the answer, every number as the files of
    /// `phbsim run` write it (the browser test compares them).
    pub summary_csv: String,
    pub compare_csv: String,
    pub exact_percentiles: bool,
}

impl Answer {
    /// The page's parts.
    pub fn live(&self) -> Result<Live, BuildError> {
        let scenarios = self.prepared.validated.all();
        let named = tables::Named::all(&scenarios, &self.set);
        let csv = |file| move |source| BuildError::Csv { file, source };
        let mut months = Vec::new();
        tables::write_months(&mut months, &named).map_err(csv("months.csv"))?;
        let mut summary = Vec::new();
        tables::write_summary(&mut summary, &named).map_err(csv("summary.csv"))?;
        let mut compare = Vec::new();
        if !self.set.comparisons.is_empty() {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            tables::write_compare(&mut compare, &scenarios[0].name, &self.set, &names)
                .map_err(csv("compare.csv"))?;
        }
        let manifest = self.manifest.to_json();
        let files = OutputFiles {
            manifest: &manifest,
            scenario: &self.prepared.source.text,
            summary: &summary,
            months: &months,
            years: None,
            compare: (!self.set.comparisons.is_empty()).then_some(compare.as_slice()),
        };
        let data =
            parse_outputs(Path::new(""), files).map_err(|e| BuildError::Report(e.to_string()))?;
        let LiveParts {
            headline,
            variants,
            providers,
        } = live::parts(data);
        Ok(Live {
            headline,
            variants,
            providers,
            summary_csv: String::from_utf8_lossy(&summary).into_owned(),
            compare_csv: String::from_utf8_lossy(&compare).into_owned(),
            exact_percentiles: self.set.runs[0].exact_percentiles,
        })
    }

    /// The self-contained `report.html` of this answer, as `phbsim run` would write
    /// it for the served scenario.
    pub fn report(&self) -> Result<Vec<u8>, BuildError> {
        let scenarios = self.prepared.validated.all();
        let finished = FinishedRun {
            scenario_text: &self.prepared.source.text,
            scenarios: &scenarios,
            set: &self.set,
            manifest: &self.manifest,
        };
        let files = run_files(Path::new(""), &finished)?;
        Ok(files
            .into_iter()
            .find(|(name, _)| *name == "report.html")
            .map(|(_, bytes)| bytes)
            .unwrap_or_default())
    }
}
