//! Tests of the calibration as a whole: the particle filter against an exact
//! likelihood, determinism for any number of threads, and simulation-based
//! calibration of the whole method.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;
use statrs::distribution::{Binomial as ExactBinomial, ChiSquared, ContinuousCDF, Discrete};

use super::observed::{CohortObservations, Measure, Observation, Observed};
use super::*;
use crate::engine::params::UptakeDraw;
use crate::scenario::parse_scenario;
use crate::stats::tolerance::STANDARD_ERRORS;

/// A scenario of one cohort `c` of `size` people offered from the start, with this
/// uptake and return rate, over `months` months.
pub(super) fn one_cohort(size: u64, uptake: &str, return_rate: &str, months: u32) -> Scenario {
    let text = format!(
        r#"schema_version = 1
[scenario]
name = "calibration test"
start = "2027-01"
months = {months}

[[cohorts]]
id = "c"
size = {size}
uptake = {uptake}
return_rate = {return_rate}
budget = 1000
forms = {{ notional = 1.0 }}
"#
    );
    parse_scenario(&text)
        .unwrap_or_else(|p| panic!("{p:#?}"))
        .scenario
}

fn row(from: i64, to: i64, measure: Measure, value: u64) -> Observation {
    Observation {
        from,
        to,
        measure,
        value,
        line: 0,
    }
}

fn observed(rows: Vec<Observation>) -> Observed {
    let mut rows = rows;
    rows.sort_by_key(|o| (o.to, o.measure, o.from));
    Observed {
        cohorts: vec![CohortObservations { cohort: 0, rows }],
    }
}

/// `P(Binomial(n, p) = k)`.
fn binomial_pmf(n: u64, p: f64, k: u64) -> f64 {
    if p <= 0.0 {
        return f64::from(u8::from(k == 0));
    }
    if p >= 1.0 {
        return f64::from(u8::from(k == n));
    }
    ExactBinomial::new(p, n).map_or(0.0, |b| b.pmf(k))
}

/// The likelihood of a cohort's observations by the forward algorithm over every state
/// (willing, ever, holders, mark) the cohort can be in: exact for a tiny cohort.
fn exact_likelihood(model: &CohortModel, theta: &Theta, observation: ObservationModel) -> f64 {
    type State = (u64, u64, u64, u64);
    let mut states: BTreeMap<State, f64> = BTreeMap::new();
    for w in 0..=model.size {
        states.insert((w, 0, 0, 0), binomial_pmf(model.size, theta.ceiling, w));
    }
    for (opens, closes) in model.months() {
        let mut next: BTreeMap<State, f64> = BTreeMap::new();
        for (&(w, e, h, mark), &p) in &states {
            let mark = if opens { e } else { mark };
            let hazard = match theta.uptake {
                UptakeDraw::Constant { monthly } => monthly,
                UptakeDraw::Bass { .. } if w == 0 => 0.0,
                UptakeDraw::Bass { p, q } => (p + q * e as f64 / w as f64).min(1.0),
            };
            for r in 0..=h {
                let pr = binomial_pmf(h, theta.return_rate, r);
                for a in 0..=(w - e) {
                    let pa = binomial_pmf(w - e, hazard, a);
                    *next.entry((w, e + a, h - r + a, mark)).or_default() += p * pr * pa;
                }
            }
        }
        for (&(_, e, h, mark), p) in &mut next {
            for &i in closes {
                let o = &model.rows[i];
                let x = match o.measure {
                    Measure::NewHolders => e - mark,
                    Measure::Holders => h,
                };
                *p *= observation
                    .log_pmf(o.value, observation.constant(o.value), x)
                    .exp();
            }
        }
        states = next;
    }
    states.values().sum()
}

/// The filter's estimate is unbiased: over 4,000 estimates with 20 particles, the mean
/// of `L̂` lies within [`STANDARD_ERRORS`] standard errors (from the estimates' own
/// sd, the exact one being unknown) of the exact likelihood, for a cohort of 5 with
/// returns and Bass uptake, over four months with overlapping measures (quarterly
/// new holders beside monthly holders) so the resampling and the marks are exercised.
#[test]
fn the_particle_filter_is_unbiased_against_the_exact_likelihood() {
    let scenario = one_cohort(
        5,
        r#"{ model = "bass", p = 0.2, q = 0.5, ceiling = { dist = "uniform", min = 0.5, max = 0.9 } }"#,
        r#"{ dist = "uniform", min = 0.05, max = 0.3 }"#,
        6,
    );
    let obs = observed(vec![
        row(0, 0, Measure::NewHolders, 1),
        row(1, 3, Measure::NewHolders, 2),
        row(1, 1, Measure::Holders, 2),
        row(3, 3, Measure::Holders, 2),
    ]);
    let model = CohortModel::new(&scenario, &obs.cohorts[0]);
    assert_eq!(model.free.len(), 2, "ceiling and return_rate");
    let observation = ObservationModel { dispersion: 0.1 };
    let theta = model.theta(&[0.3, -0.2]);
    let exact = exact_likelihood(&model, &theta, observation);
    let filter = Filter {
        model: &model,
        observation,
        particles: 20,
    };
    let n = 4_000u64;
    let key = StreamKey::of("unbiased");
    let mut scratch = Scratch::default();
    let estimates: Vec<f64> = (0..n)
        .map(|i| {
            let mut rng = stream_rng(3, i, key);
            filter.log_likelihood(&mut rng, &theta, &mut scratch).exp()
        })
        .collect();
    let mean = estimates.iter().sum::<f64>() / n as f64;
    let sd = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let se = sd / (n as f64).sqrt();
    assert!(
        (mean - exact).abs() < STANDARD_ERRORS * se,
        "exact {exact:e}, mean estimate {mean:e} ± {se:e}"
    );
    // And the test can tell: the estimate is not trivially near anything (a wrong
    // observation is many standard errors off).
    assert!(se < 0.05 * exact, "{se:e} {exact:e}");
}

/// Small settings for tests: a calibration in a fraction of a second.
fn small(seed: u64, draws: usize) -> Settings {
    Settings {
        seed,
        draws,
        chains: 2,
        particles: 40,
        burn_in: 200,
        dispersion: 0.05,
        max_steps: 240,
    }
}

/// The same result, bit for bit, on 1 and on 2 threads.
#[test]
fn the_result_does_not_depend_on_the_number_of_threads() {
    let scenario = one_cohort(
        60,
        r#"{ model = "constant", monthly = { dist = "uniform", min = 0.02, max = 0.3 }, ceiling = { dist = "beta", alpha = 2, beta = 2 } }"#,
        "0.02",
        8,
    );
    let obs = observed(vec![
        row(0, 2, Measure::NewHolders, 9),
        row(3, 5, Measure::NewHolders, 6),
        row(5, 5, Measure::Holders, 14),
    ]);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            calibrate(
                &scenario,
                &obs,
                small(7, 20),
                &|_| {},
                &AtomicBool::new(false),
            )
        })
        .expect("not cancelled")
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    assert_eq!(one.cohorts[0].parameters[0].draws.len(), 20);
}

/// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari and Gelman 2018)
/// of `scenario`'s cohort observed as `template` says (its values are replaced):
/// `replications` times, draw the fitted parameters from the prior, simulate observed
/// counts from the model with them (reporting noise included), calibrate with
/// [`small`] settings and L = 15 draws, and take the rank of each true normal score
/// among the draws' (continuous, so no ties). If the method samples the posterior, each
/// rank is uniform on 0..=L. The ranks are binned into 8 bins of 2; a chi-square test
/// with 7 degrees of freedom fails at the suite's tolerance (p below 6.3e-5, the
/// two-sided tail of [`STANDARD_ERRORS`] normal errors). A failure names the
/// parameter, its binned ranks, chi-square and p.
fn simulation_based_calibration(scenario: &Scenario, template: &Observed, replications: u64) {
    let model = CohortModel::new(scenario, &template.cohorts[0]);
    let d = model.free.len();
    let draws = 15;
    let settings = small(11, draws);
    let observation = ObservationModel {
        dispersion: settings.dispersion,
    };
    let ranks: Vec<Vec<usize>> = (0..replications)
        .into_par_iter()
        .map(|r| {
            let mut rng = stream_rng(99, r, StreamKey::of("sbc.truth"));
            let truth: Vec<f64> = (0..d)
                .map(|_| rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng))
                .collect();
            let counts = model.simulate(&mut rng, &model.theta(&truth));
            let mut data = template.clone();
            for (o, x) in data.cohorts[0].rows.iter_mut().zip(counts) {
                o.value = observation.sample(&mut rng, x);
            }
            let fit = calibrate(
                scenario,
                &data,
                Settings {
                    seed: r,
                    ..settings
                },
                &|_| {},
                &AtomicBool::new(false),
            )
            .expect("not cancelled");
            let scores = &fit.cohorts[0].scores;
            (0..d)
                .map(|i| scores.iter().filter(|z| z[i] < truth[i]).count())
                .collect()
        })
        .collect();
    let bins = 8;
    let threshold = 2.0 * statrs::distribution::Normal::standard().sf(STANDARD_ERRORS);
    for (i, parameter) in model.free.iter().enumerate() {
        let mut counts = vec![0u64; bins];
        for rank in &ranks {
            counts[rank[i] * bins / (draws + 1)] += 1;
        }
        let expected = replications as f64 / bins as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        let p = ChiSquared::new((bins - 1) as f64).expect("df > 0").sf(chi2);
        assert!(
            p > threshold,
            "{}: ranks binned {counts:?}, chi-square {chi2:.1}, p = {p:.2e}",
            parameter.path
        );
    }
}

/// SBC of a constant-uptake cohort of 40 with `monthly` (uniform) and `ceiling`
/// (PERT) fitted and `return_rate` fixed, observed monthly for 6 months as new
/// holders and once as holders; 200 replications (25 ranks expected per bin).
///
/// What SBC can detect: errors that move the ranks by much, such as a posterior
/// centred wrongly (a wrong likelihood, a prior that is not the scenario's, a missing
/// prior term: leaving it out gives a chi-square of 185 here) or one far too narrow
/// or wide, which pile the ranks at the ends or the middle. What it cannot: errors
/// of a few per cent in the posterior's width, or errors that only show with many
/// particles, long chains or large cohorts (at this size, fitting with a dispersion
/// 6 times the data's, or a filter that sets the willing to `size × ceiling` without
/// their binomial noise, pass); and it tests the method under these small settings,
/// not the defaults' accuracy.
#[test]
fn simulation_based_calibration_gives_uniform_ranks() {
    let scenario = one_cohort(
        40,
        r#"{ model = "constant", monthly = { dist = "uniform", min = 0.05, max = 0.4 }, ceiling = { dist = "pert", min = 0.2, mode = 0.5, max = 0.9 } }"#,
        "0.05",
        6,
    );
    let template = observed(
        (0..6)
            .map(|t| row(t, t, Measure::NewHolders, 0))
            .chain([row(5, 5, Measure::Holders, 0)])
            .collect(),
    );
    simulation_based_calibration(&scenario, &template, 200);
}

/// SBC of a Bass cohort of 60 with all four parameters fitted (`p` uniform, `q`
/// gamma, `ceiling` beta, `return_rate` uniform), observed as new holders over
/// two-month periods for 8 months and as holders twice; 200 replications.
#[test]
fn simulation_based_calibration_of_bass_uptake_with_returns() {
    let scenario = one_cohort(
        60,
        r#"{ model = "bass", p = { dist = "uniform", min = 0.01, max = 0.1 }, q = { dist = "gamma", shape = 2, scale = 0.15 }, ceiling = { dist = "beta", alpha = 3, beta = 3 } }"#,
        r#"{ dist = "uniform", min = 0.0, max = 0.1 }"#,
        8,
    );
    let template = observed(
        (0..4)
            .map(|t| row(2 * t, 2 * t + 1, Measure::NewHolders, 0))
            .chain([
                row(3, 3, Measure::Holders, 0),
                row(7, 7, Measure::Holders, 0),
            ])
            .collect(),
    );
    simulation_based_calibration(&scenario, &template, 200);
}
