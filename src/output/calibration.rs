//! The files and the printed table of `phbsim calibrate`:
//!
//! - `posterior.csv`, `draw,path,value`: every posterior draw of every fitted
//!   parameter, draw by draw, each cohort's parameters in the scenario's order; what a
//!   scenario's `[draws] file` reads;
//! - `calibration.csv`: per parameter its prior and posterior (mean and 80% interval)
//!   and the sampler's diagnostics;
//! - the summary table printed after a calibration, and its warnings.

use std::fmt::Write as _;
use std::io::Write;

use crate::calibrate::{Calibration, CohortFit, ESS_WARNING, NOISE_WARNING, RHAT_WARNING};
use crate::format::short;
use crate::manifest::Manifest;
use crate::output::tables::format_number;

/// The columns of `posterior.csv`: the header a `[draws] file` requires.
pub const POSTERIOR_COLUMNS: [&str; 3] = crate::scenario::draws::HEADER;

/// The columns of `calibration.csv`.
pub const CALIBRATION_COLUMNS: [&str; 12] = [
    "cohort",
    "path",
    "prior_mean",
    "prior_p10",
    "prior_p90",
    "posterior_mean",
    "posterior_p10",
    "posterior_p90",
    "ess",
    "rhat",
    "acceptance",
    "loglik_sd",
];

/// Writes `posterior.csv`.
pub fn write_posterior(out: &mut impl Write, calibration: &Calibration) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(POSTERIOR_COLUMNS)?;
    for d in 0..calibration.settings.draws {
        let draw = d.to_string();
        for cohort in &calibration.cohorts {
            for p in &cohort.parameters {
                writer.write_record([
                    draw.as_str(),
                    &p.parameter.path,
                    &format_number(p.draws[d]),
                ])?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes `calibration.csv`.
pub fn write_calibration(out: &mut impl Write, calibration: &Calibration) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CALIBRATION_COLUMNS)?;
    for cohort in &calibration.cohorts {
        for p in &cohort.parameters {
            let (prior_mean, prior_lo, prior_hi) = p.prior_summary();
            let (mean, lo, hi) = p.posterior_summary();
            writer.write_record([
                cohort.id.as_str(),
                &p.parameter.path,
                &format_number(prior_mean),
                &format_number(prior_lo),
                &format_number(prior_hi),
                &format_number(mean),
                &format_number(lo),
                &format_number(hi),
                &format_number(p.ess.round()),
                &format_number(p.rhat),
                &format_number(cohort.acceptance),
                &format_number(cohort.log_likelihood_sd),
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// The parameter's path without `cohorts.<id>.`, as the table lists it under its
/// cohort.
fn short_path<'a>(cohort: &CohortFit, path: &'a str) -> &'a str {
    path.strip_prefix(&format!("cohorts.{}.", cohort.id))
        .unwrap_or(path)
}

/// The table printed after a calibration: per cohort, per parameter the prior and
/// posterior means, the posterior's 80% interval, R-hat and ESS.
pub fn render_calibration(calibration: &Calibration) -> String {
    let mut out = String::new();
    for cohort in &calibration.cohorts {
        let _ = writeln!(
            out,
            "cohort {}: {} observation(s); acceptance {:.0}%, log-likelihood sd {:.2}",
            cohort.id,
            cohort.predicted.len(),
            100.0 * cohort.acceptance,
            cohort.log_likelihood_sd
        );
        let rows: Vec<[String; 5]> = cohort
            .parameters
            .iter()
            .map(|p| {
                let (prior, _, _) = p.prior_summary();
                let (mean, lo, hi) = p.posterior_summary();
                [
                    short_path(cohort, &p.parameter.path).to_string(),
                    format!("{} → {}", short(prior), short(mean)),
                    format!("{} to {}", short(lo), short(hi)),
                    format!("{:.3}", p.rhat),
                    format!("{:.0}", p.ess),
                ]
            })
            .collect();
        let header = [
            "parameter",
            "prior mean → posterior mean",
            "posterior 80% interval",
            "R-hat",
            "ESS",
        ];
        let widths: Vec<usize> = (0..5)
            .map(|k| {
                rows.iter()
                    .map(|r| r[k].chars().count())
                    .chain([header[k].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 5]| {
            let mut text = String::from(" ");
            for (k, cell) in cells.iter().enumerate() {
                let pad = widths[k] - cell.chars().count();
                if k < 3 {
                    text.push_str(&format!(" {cell}{}", " ".repeat(pad)));
                } else {
                    text.push_str(&format!(" {}{cell}", " ".repeat(pad)));
                }
                text.push(' ');
            }
            text.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(header));
        for row in &rows {
            let _ = writeln!(out, "{}", line(row.each_ref().map(String::as_str)));
        }
    }
    out
}

/// The warnings a calibration earns: R-hat above [`RHAT_WARNING`], ESS below
/// [`ESS_WARNING`], a likelihood estimate noisier than [`NOISE_WARNING`].
pub fn calibration_warnings(calibration: &Calibration) -> Vec<String> {
    let mut warnings = Vec::new();
    for cohort in &calibration.cohorts {
        for p in &cohort.parameters {
            let path = &p.parameter.path;
            if p.rhat_is_high() {
                warnings.push(format!(
                    "{path}: R-hat {:.3} is above {RHAT_WARNING}: the chains disagree; run them longer (--burn-in, --max-steps) or look for a second mode",
                    p.rhat
                ));
            }
            if p.ess_is_low() {
                warnings.push(format!(
                    "{path}: effective sample size {:.0} is below {ESS_WARNING}: the posterior is known only roughly; run the chains longer (--max-steps)",
                    p.ess
                ));
            }
        }
        if cohort.is_noisy() {
            warnings.push(format!(
                "cohort {}: the likelihood estimate is noisy (log sd {:.2}, above {NOISE_WARNING}), so the chains stick; raise --particles",
                cohort.id, cohort.log_likelihood_sd
            ));
        }
    }
    warnings
}

/// What `manifest.json` records of a calibration beside a run's facts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CalibrationRecord<'a> {
    pub observed_file: &'a str,
    /// SHA-256 of the observed file's bytes, hex.
    pub observed_sha256: String,
    pub draws: usize,
    pub chains: usize,
    pub particles: usize,
    pub burn_in: u64,
    pub max_steps: u64,
    pub dispersion: f64,
}

/// `manifest.json` of a calibration: the manifest's facts (its `iterations` are the
/// posterior draws) with a `calibration` object holding `record`.
pub fn calibration_manifest(manifest: &Manifest, record: &CalibrationRecord<'_>) -> String {
    let mut value = serde_json::to_value(manifest).expect("a manifest always serialises");
    if let serde_json::Value::Object(map) = &mut value {
        map.insert(
            "calibration".to_string(),
            serde_json::to_value(record).expect("a record always serialises"),
        );
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialise");
    text.push('\n');
    text
}
