//! `calibration.html` of `phbsim calibrate`: per cohort, its observed counts against
//! the posterior predictive band, and per fitted parameter its prior against its
//! posterior. Self-contained like the run report: inline SVG, the report's stylesheet
//! (`super::page`), no scripts, nothing fetched.

use maud::{Markup, html};

use super::charts::{Layer, LineChart, Stroke, colour, frame_sized, line_chart};
use super::sections::figure;
use super::svg::{LinearScale, Units, band_path, coord, nice_ticks};
use crate::calibrate::observed::Measure;
use crate::calibrate::{Calibration, CohortFit, ParameterFit};
use crate::format::short;
use crate::manifest::Manifest;
use crate::scenario::Scenario;

/// What this page adds to the report's stylesheet.
const STYLE: &str = "\
section.cohort { break-before: page; }
table.fit th.param { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; font-weight: normal; }
td.warn { color: #D55E00; font-weight: 700; }
";

/// Bins of a prior-against-posterior chart.
const BINS: usize = 30;
/// Points of the prior's quantile function drawn to histogram it exactly enough.
const PRIOR_POINTS: usize = 4000;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 230.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 52.0;
const BOTTOM: f64 = 40.0;

/// The observations of `measure` against their predictive band, one point per
/// observation in the order they close.
fn predictive_chart(scenario: &Scenario, fit: &CohortFit, measure: Measure) -> Option<Markup> {
    let rows: Vec<_> = fit
        .predicted
        .iter()
        .filter(|p| p.observation.measure == measure)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let label = |t: i64| scenario.month_label(t as u32).to_string();
    let months: Vec<String> = rows.iter().map(|p| label(p.observation.to)).collect();
    let (what, y_title) = match measure {
        Measure::NewHolders => ("New holders", "budgets started in the period"),
        Measure::Holders => ("Holders", "holders at the period's end"),
    };
    let layers = vec![
        Layer::Band {
            lower: rows.iter().map(|p| Some(p.p5)).collect(),
            upper: rows.iter().map(|p| Some(p.p95)).collect(),
            fill: colour::BLUE,
            opacity: 0.25,
            label: "posterior predictive P5–P95".into(),
        },
        Layer::Line {
            values: rows.iter().map(|p| Some(p.p50)).collect(),
            colour: colour::BLUE,
            stroke: Stroke::Dashed,
            label: "predictive median".into(),
        },
        Layer::Line {
            values: rows
                .iter()
                .map(|p| Some(p.observation.value as f64))
                .collect(),
            colour: colour::BLACK,
            stroke: Stroke::Solid,
            label: "observed".into(),
        },
    ];
    let inside = rows
        .iter()
        .filter(|p| (p.p5..=p.p95).contains(&(p.observation.value as f64)))
        .count();
    Some(figure(
        line_chart(&LineChart {
            id: format!("{}-{}", fit.id, measure.key()),
            title: format!("{what}: observed and predicted"),
            description: format!(
                "{} observations of {} for cohort {}; {inside} of them inside the posterior predictive 90% band.",
                rows.len(),
                measure.key(),
                fit.id
            ),
            months: &months,
            y_title: y_title.into(),
            units: Units::Count,
            layers,
        }),
        &format!(
            "{inside} of {} observed counts lie inside the band that holds 90% of the reports the fitted model predicts (one path and one report per posterior draw, reporting noise included). Points are the file's periods in order, each at its last month (not equally spaced months).",
            rows.len()
        ),
    ))
}

/// The densities of `values` in [`BINS`] bins of `width` from `lo` (a value at the
/// top edge counts in the last bin).
fn density(values: &[f64], lo: f64, width: f64) -> Vec<f64> {
    let mut counts = vec![0.0; BINS];
    for &v in values {
        let bin = ((v - lo) / width).floor();
        if bin >= 0.0 && bin < BINS as f64 {
            counts[bin as usize] += 1.0;
        } else if (v - (lo + width * BINS as f64)).abs() < 1e-12 * width.max(1.0) {
            counts[BINS - 1] += 1.0;
        }
    }
    let total = values.len().max(1) as f64;
    counts.into_iter().map(|c| c / total / width).collect()
}

/// The prior's and the posterior's histograms on one axis.
fn parameter_chart(cohort: &CohortFit, fit: &ParameterFit) -> Markup {
    let p = &fit.parameter;
    let prior: Vec<f64> = (0..PRIOR_POINTS)
        .map(|i| p.prior_quantile((i as f64 + 0.5) / PRIOR_POINTS as f64))
        .collect();
    let lo = prior[PRIOR_POINTS / 200].min(fit.draws.iter().copied().fold(f64::INFINITY, f64::min));
    let hi = prior[PRIOR_POINTS - 1 - PRIOR_POINTS / 200]
        .max(fit.draws.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let width = (hi - lo) / BINS as f64;
    let prior_density = density(&prior, lo, width);
    let posterior_density = density(&fit.draws, lo, width);
    let top_density = prior_density
        .iter()
        .chain(&posterior_density)
        .copied()
        .fold(0.0, f64::max);
    let x = LinearScale::new((lo, hi), (LEFT, WIDTH - RIGHT));
    let y = LinearScale::new(
        (0.0, top_density.max(f64::MIN_POSITIVE)),
        (HEIGHT - BOTTOM, TOP),
    );
    let steps = |densities: &[f64]| -> String {
        let mut xs = Vec::new();
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        for (b, &dens) in densities.iter().enumerate() {
            for edge in [b, b + 1] {
                xs.push(x.map(lo + width * edge as f64));
                lower.push(Some(y.map(0.0)));
                upper.push(Some(y.map(dens)));
            }
        }
        band_path(&xs, &lower, &upper)
    };
    let ticks = nice_ticks(lo, hi, 6);
    let path = p.path.as_str();
    let name = path
        .strip_prefix(&format!("cohorts.{}.", cohort.id))
        .unwrap_or(path);
    let body = html! {
        g fill="#333" {
            rect x=(coord(LEFT)) y="26" width="18" height="10" fill=(colour::ORANGE) fill-opacity="0.35" {}
            text x=(coord(LEFT + 22.0)) y="35" { "prior" }
            rect x=(coord(LEFT + 80.0)) y="26" width="18" height="10" fill=(colour::BLUE) fill-opacity="0.55" {}
            text x=(coord(LEFT + 102.0)) y="35" { "posterior (" (fit.draws.len()) " draws)" }
        }
        path class="prior" d=(steps(&prior_density)) fill=(colour::ORANGE) fill-opacity="0.35" {}
        path class="posterior" d=(steps(&posterior_density)) fill=(colour::BLUE) fill-opacity="0.55" {}
        line x1=(coord(LEFT)) x2=(coord(WIDTH - RIGHT)) y1=(coord(HEIGHT - BOTTOM)) y2=(coord(HEIGHT - BOTTOM)) stroke="#888" {}
        g fill="#444" text-anchor="middle" {
            @for tick in ticks.values.iter().filter(|t| (lo..=hi).contains(*t)) {
                line x1=(coord(x.map(*tick))) x2=(coord(x.map(*tick))) y1=(coord(HEIGHT - BOTTOM)) y2=(coord(HEIGHT - BOTTOM + 4.0)) stroke="#888" {}
                text x=(coord(x.map(*tick))) y=(coord(HEIGHT - BOTTOM + 16.0)) { (short(*tick)) }
            }
            text x=(coord((LEFT + WIDTH - RIGHT) / 2.0)) y=(coord(HEIGHT - 6.0)) { (name) }
        }
    };
    figure(
        frame_sized(
            &format!("{}-{}", cohort.id, name.replace('.', "-")),
            &format!("{name}: prior and posterior"),
            &format!("Histograms of the prior and of the posterior draws of {path}, on one axis."),
            WIDTH,
            HEIGHT,
            body,
        ),
        "Shaded areas are densities: the prior as the scenario states it (clamped to the parameter's range), the posterior from posterior.csv. A posterior much narrower than its prior means the counts told the model much.",
    )
}

fn table(cohort: &CohortFit) -> Markup {
    html! {
        table .fit {
            thead { tr {
                th { "parameter" } th { "prior mean" } th { "prior 80% interval" }
                th { "posterior mean" } th { "posterior 80% interval" } th { "R-hat" } th { "ESS" }
            } }
            tbody {
                @for p in &cohort.parameters {
                    @let (prior_mean, prior_lo, prior_hi) = p.prior_summary();
                    @let (mean, lo, hi) = p.posterior_summary();
                    tr {
                        th .param { (p.parameter.path) }
                        td { (short(prior_mean)) } td { (short(prior_lo)) " to " (short(prior_hi)) }
                        td { (short(mean)) } td { (short(lo)) " to " (short(hi)) }
                        td class=[(p.rhat_is_high()).then_some("warn")] { (format!("{:.3}", p.rhat)) }
                        td class=[(p.ess_is_low()).then_some("warn")] { (format!("{:.0}", p.ess)) }
                    }
                }
            }
        }
    }
}

fn cohort_section(scenario: &Scenario, cohort: &CohortFit) -> Markup {
    let name = &scenario.cohorts[cohort.cohort].name;
    html! {
        section .cohort {
            h2 { (name) " " span .id { "(" (cohort.id) ")" } }
            p .note {
                (cohort.predicted.len()) " observations; each chain kept " (cohort.steps)
                " steps after its burn-in, draws taken every " (cohort.thin) " steps; acceptance "
                (format!("{:.0}%", 100.0 * cohort.acceptance)) "; sd of the log-likelihood estimate at the posterior mean "
                (format!("{:.2}", cohort.log_likelihood_sd)) "."
            }
            (table(cohort))
            div .grid {
                @for measure in Measure::ALL {
                    @if let Some(chart) = predictive_chart(scenario, cohort, measure) { (chart) }
                }
            }
            div .grid {
                @for p in &cohort.parameters { (parameter_chart(cohort, p)) }
            }
        }
    }
}

/// The page, as HTML text.
pub fn build(
    scenario: &Scenario,
    manifest: &Manifest,
    calibration: &Calibration,
    observed_file: &str,
) -> String {
    let s = &calibration.settings;
    super::page(
        &format!("phbsim calibration: {}", scenario.name),
        Some(STYLE),
        html! {
            header #run {
                p .kicker { "Personal health budgets: calibration of uptake" }
                h1 { (scenario.name) }
                dl .meta {
                    dt { "Observed counts" } dd { (observed_file) }
                    dt { "Seed" } dd { (s.seed) }
                    dt { "Posterior draws" } dd { (s.draws) " (posterior.csv)" }
                    dt { "Chains" } dd { (s.chains) ", burn-in " (s.burn_in) " steps each" }
                    dt { "Particles" } dd { (s.particles) " per likelihood estimate" }
                    dt { "Reporting dispersion" } dd { (s.dispersion) }
                    dt { "phbsim version" } dd { (manifest.phbsim_version) }
                    dt { "Finished" } dd { (manifest.finished) }
                    dt { "Scenario SHA-256" } dd .sha { (manifest.scenario_sha256) }
                }
            }
            section #notes {
                h2 { "How to read this page" }
                ul {
                    li { "Each cohort's uptake parameters were fitted to its observed counts by particle marginal Metropolis–Hastings: the scenario's distributions are the priors, and the model's own randomness (who is willing, who takes a budget each month, who returns) and reporting noise (negative binomial, dispersion " (s.dispersion) ") make the likelihood." }
                    li { "R-hat compares the chains: near 1 they agree; above 1.05 they do not, and the posterior is not to be trusted yet. ESS is the number of independent draws the chains are worth; below 100 intervals are rough." }
                    li { "Use the fit in a scenario with " code { "[draws] file = \"posterior.csv\"" } ": iteration i then takes draw i mod " (s.draws) " of these parameters." }
                }
            }
            @for cohort in &calibration.cohorts { (cohort_section(scenario, cohort)) }
            footer {
                p .generated { "phbsim " (manifest.phbsim_version) ", scenario SHA-256 " span .sha { (manifest.scenario_sha256) } }
            }
        },
    )
}
