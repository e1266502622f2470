//! What `run` and `merge` share once a run's statistics exist: building the output
//! files (CSV tables, manifest, scenario, report) and writing them atomically, and the
//! table printed afterwards. One code path, so a merged run's files are the single
//! run's files.

use std::path::Path;

use crate::cli::Failure;
use crate::cli::interrupt::Interrupt;
use crate::cli::run::output_error;
use crate::manifest::Manifest;
use crate::output::directory::{Written, write_atomically_unless};
use crate::output::{tables, terminal};
use crate::report::{self, data::OutputFiles};
use crate::run::SetResult;
use crate::scenario::Scenario;

/// A finished run: the base scenario first, then its variants, with their results.
pub(super) struct Finished<'a> {
    pub scenario_text: &'a str,
    pub scenarios: &'a [&'a Scenario],
    pub set: &'a SetResult,
    pub manifest: &'a Manifest,
}

/// Writes every output file of `run` into `output`, atomically; an interrupt before
/// the files are moved into place leaves `output` as it was and is the failure.
pub(super) fn write_outputs(
    output: &Path,
    run: &Finished<'_>,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let (scenarios, set) = (run.scenarios, run.set);
    let named = tables::Named::all(scenarios, set);
    let format_error = |file: &'static str| {
        move |e: csv::Error| Failure::other(format!("cannot format {file}: {e}"))
    };
    let mut months = Vec::new();
    tables::write_months(&mut months, &named).map_err(format_error("months.csv"))?;
    let mut summary = Vec::new();
    tables::write_summary(&mut summary, &named).map_err(format_error("summary.csv"))?;
    let compare = if set.comparisons.is_empty() {
        None
    } else {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        let mut compare = Vec::new();
        tables::write_compare(&mut compare, &scenarios[0].name, set, &names)
            .map_err(format_error("compare.csv"))?;
        Some(compare)
    };
    let manifest = run.manifest.to_json();
    // The report is built from the very bytes written beside it, as `phbsim report`
    // builds it from the files, so the two are identical.
    let outputs = OutputFiles {
        manifest: &manifest,
        scenario: run.scenario_text,
        summary: &summary,
        months: &months,
        compare: compare.as_deref(),
    };
    let report = report::parse_outputs(output, outputs)
        .map(|data| report::build(&data))
        .map_err(|e| Failure::other(format!("cannot build report.html: {e}")))?;
    let mut files = vec![
        ("months.csv", months),
        ("summary.csv", summary),
        ("manifest.json", manifest.into_bytes()),
        ("scenario.toml", run.scenario_text.as_bytes().to_vec()),
        ("report.html", report.into_bytes()),
    ];
    if let Some(compare) = compare {
        files.push(("compare.csv", compare));
    }
    match write_atomically_unless(output, &files, interrupt.flag()).map_err(output_error)? {
        Written::All => Ok(()),
        Written::Cancelled => Err(not_written(interrupt, output)),
    }
}

/// The failure of a run or merge stopped by `interrupt` before writing `output`.
pub(super) fn not_written(interrupt: &Interrupt, output: &Path) -> Failure {
    interrupt.failure(format_args!(
        "no outputs were written and {} is as it was",
        output.display()
    ))
}

/// The table printed after a run (SPEC section 5): providers, then the variants.
pub(super) fn print_tables(output: &Path, run: &Finished<'_>) {
    let scenario = run.scenarios[0];
    let horizon = format!(
        "{} to {}",
        scenario.start,
        scenario.month_label(scenario.months - 1)
    );
    out!(
        "{}",
        terminal::render(&run.set.runs[0], &horizon, &output.display().to_string())
    );
    if !run.set.comparisons.is_empty() {
        let names: Vec<&str> = run.scenarios.iter().map(|s| s.name.as_str()).collect();
        out!("{}", terminal::render_comparisons(run.set, &names));
    }
}
