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
use crate::output::files::{BuildError, FinishedRun, RunTables};
use crate::output::problems::render_problems;
use crate::report::{
    self,
    live::{self, LiveParts},
};
use crate::run::{Cancelled, SetResult};
use crate::scenario::load::{LoadError, Source};
use crate::scenario::{Scenario, Validated, parse_scenario};
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
}

impl Answer {
    /// The page's parts.
    pub fn live(&self) -> Result<Live, BuildError> {
        let scenarios = self.prepared.validated.all();
        let run = self.finished(&scenarios);
        let tables = RunTables::of(&run, false)?;
        let LiveParts {
            headline,
            variants,
            providers,
        } = live::parts(tables.parse(Path::new(""), run.scenario_text)?);
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        Ok(Live {
            headline,
            variants,
            providers,
            summary_csv: text(&tables.summary),
            compare_csv: text(tables.compare.as_deref().unwrap_or_default()),
        })
    }

    /// The self-contained `report.html` of this answer, as `phbsim run` would write
    /// it for the served scenario (and nothing else of its files).
    pub fn report(&self) -> Result<Vec<u8>, BuildError> {
        let scenarios = self.prepared.validated.all();
        let run = self.finished(&scenarios);
        let data = RunTables::of(&run, true)?.parse(Path::new(""), run.scenario_text)?;
        Ok(report::build(&data).into_bytes())
    }

    /// This answer as a finished run of `scenarios` (the served scenario's).
    fn finished<'a>(&'a self, scenarios: &'a [&'a Scenario]) -> FinishedRun<'a> {
        FinishedRun {
            scenario_text: &self.prepared.source.text,
            scenarios,
            set: &self.set,
            manifest: &self.manifest,
        }
    }
}
