//! `phbsim calibrate`: fits cohorts' uptake parameters (Bass `p`, `q`, `ceiling`, or
//! constant `monthly`, `ceiling`; and `return_rate`) to observed counts of new holders
//! and holders, by particle marginal Metropolis–Hastings (docs/calibration.md).
//!
//! - [`observed`]: the observed-counts CSV, every problem at once;
//! - `model`: a cohort's fitted parameters in the prior's quantile space, its months
//!   and the observation model;
//! - `filter`: the bootstrap particle filter, an unbiased likelihood estimate;
//! - `sampler`: one PMMH chain, tuned during its burn-in;
//! - [`diagnostics`]: effective sample size and split R-hat.
//!
//! Cohorts are independent given their parameters, so each is fitted alone; every
//! chain of every cohort runs as one task on the worker pool, its random numbers keyed
//! by (seed, cohort id, chain, step), so the result is the same for any number of
//! threads.

pub mod diagnostics;
mod filter;
mod model;
pub mod observed;
mod sampler;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::rng::{StreamKey, stream_rng};
use crate::run::Cancelled;
use crate::scenario::Scenario;
use crate::stats::quantile_type7 as percentile;

pub use filter::{Filter, Scratch};
pub use model::{CohortModel, MEAN_FLOOR, ObservationModel, Parameter, Role, Theta};
use observed::{Observation, Observed};
use sampler::Chain;

/// The number of times the likelihood is estimated at the posterior mean to measure
/// the spread of its logarithm (the particle filter's noise).
const NOISE_REPEATS: u64 = 20;

/// Thinning the first sampling round assumes, before the chains' autocorrelation has
/// been measured.
const FIRST_THIN: u64 = 10;

/// The draws kept are spaced by this many autocorrelation times (see
/// [`Calibration`]).
const THIN_PER_TAU: f64 = 2.0;

/// How a calibration is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub seed: u64,
    /// Posterior draws written (`D`).
    pub draws: usize,
    pub chains: usize,
    /// Particles of each likelihood estimate.
    pub particles: usize,
    /// Steps of each chain spent tuning, then discarded.
    pub burn_in: u64,
    /// The observation model's dispersion.
    pub dispersion: f64,
    /// Most steps a chain takes after its burn-in.
    pub max_steps: u64,
}

impl Settings {
    /// The defaults of `phbsim calibrate` for `seed`.
    pub fn defaults(seed: u64) -> Settings {
        Settings {
            seed,
            draws: 1000,
            chains: 4,
            particles: 200,
            burn_in: 1000,
            dispersion: 0.01,
            max_steps: 20_000,
        }
    }

    /// Draws each chain contributes.
    fn per_chain(&self) -> u64 {
        self.draws.div_ceil(self.chains.max(1)) as u64
    }

    /// Steps of each chain's first round (burn-in included).
    fn first_round(&self) -> u64 {
        self.burn_in + (self.per_chain() * FIRST_THIN).clamp(1, self.max_steps.max(1))
    }
}

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterFit {
    pub parameter: Parameter,
    /// Its value in each posterior draw.
    pub draws: Vec<f64>,
    /// Effective sample size of all the chains' kept steps, and their split R-hat,
    /// both of its normal score.
    pub ess: f64,
    pub rhat: f64,
}

impl ParameterFit {
    /// Mean, P10 and P90 of the posterior draws.
    pub fn posterior_summary(&self) -> (f64, f64, f64) {
        let mut sorted = self.draws.clone();
        sorted.sort_by(f64::total_cmp);
        let mean = sorted.iter().sum::<f64>() / sorted.len().max(1) as f64;
        (mean, percentile(&sorted, 0.1), percentile(&sorted, 0.9))
    }

    /// Whether R-hat is above [`RHAT_WARNING`] (or could not be computed).
    pub fn rhat_is_high(&self) -> bool {
        self.rhat.is_nan() || self.rhat > RHAT_WARNING
    }

    /// Whether the effective sample size is below [`ESS_WARNING`].
    pub fn ess_is_low(&self) -> bool {
        self.ess.is_nan() || self.ess < ESS_WARNING
    }

    /// Mean, P10 and P90 of the prior, clamped to the range as draws are.
    pub fn prior_summary(&self) -> (f64, f64, f64) {
        let p = &self.parameter;
        (p.prior_mean(), p.prior_quantile(0.1), p.prior_quantile(0.9))
    }
}

/// R-hat above this is warned about: the chains disagree.
pub const RHAT_WARNING: f64 = 1.05;
/// An effective sample size below this is warned about.
pub const ESS_WARNING: f64 = 100.0;
/// A log-likelihood estimate noisier than this (sd) is warned about: the chains then
/// stick where the estimate happened to be high.
pub const NOISE_WARNING: f64 = 2.0;

/// One observation and the posterior predictive distribution of its report.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    pub observation: Observation,
    /// P5, P50, P95 of the reported count over the posterior draws.
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl CohortFit {
    /// Whether the likelihood estimate is noisier than [`NOISE_WARNING`].
    pub fn is_noisy(&self) -> bool {
        self.log_likelihood_sd.is_nan() || self.log_likelihood_sd > NOISE_WARNING
    }
}

/// One cohort's fit.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortFit {
    /// Index in the scenario's cohorts.
    pub cohort: usize,
    pub id: String,
    pub parameters: Vec<ParameterFit>,
    /// The draws' normal scores, draw-major (one per parameter).
    pub scores: Vec<Vec<f64>>,
    /// Share of proposals accepted after the burn-in, over all chains.
    pub acceptance: f64,
    /// Steps each chain kept after its burn-in, and the spacing of the draws taken.
    pub steps: u64,
    pub thin: u64,
    /// The sd of the log-likelihood estimate at the posterior mean.
    pub log_likelihood_sd: f64,
    pub predicted: Vec<Predicted>,
}

/// The fits of every observed cohort, in the scenario's cohort order.
///
/// Draws are pooled from the chains after their burn-in: each chain gives
/// `⌈D / chains⌉` states spaced `thin` steps apart at its end, where `thin` is at
/// least `THIN_PER_TAU` times the chains' integrated autocorrelation time (so
/// neighbouring draws of a chain are nearly uncorrelated) unless `max_steps` stops the
/// chains first. Draw `d` comes from chain `d mod chains`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub settings: Settings,
    pub cohorts: Vec<CohortFit>,
}

/// Steps the first round takes over all chains, for a progress bar (later rounds, if
/// the chains turn out slow to mix, come on top).
pub fn planned_steps(observed: &Observed, settings: &Settings) -> u64 {
    observed.cohorts.len() as u64 * settings.chains as u64 * (settings.first_round() + 1)
}

/// The integrated autocorrelation time of the slowest parameter of `chains`.
fn slowest_tau(chains: &[&Chain], d: usize) -> f64 {
    let steps = chains.first().map_or(0, |c| c.kept()) as f64 * chains.len() as f64;
    (0..d)
        .map(|i| {
            let traces: Vec<Vec<f64>> = chains.iter().map(|c| c.trace(i)).collect();
            let refs: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
            steps / diagnostics::effective_sample_size(&refs)
        })
        .fold(1.0, f64::max)
}

/// Fits every cohort of `observed`; `progress` hears the steps done, `cancel` stops it.
pub fn calibrate(
    scenario: &Scenario,
    observed: &Observed,
    settings: Settings,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Calibration, Cancelled> {
    let models: Vec<CohortModel> = observed
        .cohorts
        .iter()
        .map(|o| CohortModel::new(scenario, o))
        .collect();
    let observation = ObservationModel {
        dispersion: settings.dispersion,
    };
    let filters: Vec<Filter<'_>> = models
        .iter()
        .map(|model| Filter {
            model,
            observation,
            particles: settings.particles,
        })
        .collect();
    let done = AtomicU64::new(0);
    let tick = || {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(16) {
            progress(n);
        }
    };
    let stop = || cancel.load(Ordering::Relaxed);
    let tasks: Vec<(usize, usize)> = (0..models.len())
        .flat_map(|m| (0..settings.chains).map(move |c| (m, c)))
        .collect();
    let mut chains: Vec<Chain> = tasks
        .par_iter()
        .map(|&(m, c)| {
            tick();
            Chain::start(&filters[m], settings.seed, c, settings.burn_in)
        })
        .collect();
    let mut until = vec![settings.first_round(); models.len()];
    // Rounds: run every chain to its cohort's length, then lengthen the cohorts whose
    // chains mix too slowly for the thinning wanted (at most three times).
    for _ in 0..4 {
        let finished = chains
            .par_iter_mut()
            .zip(&tasks)
            .map(|(chain, &(m, _))| chain.run_until(&filters[m], until[m], &tick, &stop))
            .collect::<Vec<bool>>();
        if finished.contains(&false) {
            return Err(Cancelled);
        }
        let mut longer = false;
        for (m, model) in models.iter().enumerate() {
            let mine: Vec<&Chain> = chains_of(&chains, &tasks, m);
            let kept = mine[0].kept();
            let tau = slowest_tau(&mine, model.free.len());
            let wanted = (settings.per_chain() as f64 * (THIN_PER_TAU * tau).ceil()) as u64;
            let wanted = wanted.min(settings.max_steps);
            if wanted > kept {
                until[m] = settings.burn_in + wanted;
                longer = true;
            }
        }
        if !longer {
            break;
        }
    }
    progress(done.load(Ordering::Relaxed));
    let fits = models
        .par_iter()
        .enumerate()
        .map(|(m, model)| {
            summarise(
                &filters[m],
                model,
                &chains_of(&chains, &tasks, m),
                &settings,
            )
        })
        .collect();
    Ok(Calibration {
        settings,
        cohorts: fits,
    })
}

fn chains_of<'a>(chains: &'a [Chain], tasks: &[(usize, usize)], m: usize) -> Vec<&'a Chain> {
    chains
        .iter()
        .zip(tasks)
        .filter(|(_, t)| t.0 == m)
        .map(|(c, _)| c)
        .collect()
}

/// A cohort's draws, diagnostics, likelihood noise and predictions from its chains.
fn summarise(
    filter: &Filter<'_>,
    model: &CohortModel,
    chains: &[&Chain],
    settings: &Settings,
) -> CohortFit {
    let d = model.free.len();
    let kept = chains[0].kept();
    let per_chain = settings.per_chain();
    let thin = (kept / per_chain).max(1);
    let n_chains = chains.len();
    let scores: Vec<Vec<f64>> = (0..settings.draws)
        .map(|k| {
            let chain = chains[k % n_chains];
            let j = (k / n_chains) as u64;
            // The last `per_chain` states spaced `thin` apart, in step order.
            let position = kept.saturating_sub(1 + (per_chain - 1 - j.min(per_chain - 1)) * thin);
            chain.state(position as usize).to_vec()
        })
        .collect();
    let parameters = model
        .free
        .iter()
        .enumerate()
        .map(|(i, parameter)| {
            let traces: Vec<Vec<f64>> = chains.iter().map(|c| c.trace(i)).collect();
            let refs: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
            ParameterFit {
                parameter: parameter.clone(),
                draws: scores.iter().map(|z| parameter.value(z[i])).collect(),
                ess: diagnostics::effective_sample_size(&refs),
                rhat: diagnostics::split_rhat(&refs),
            }
        })
        .collect();
    let accepted: u64 = chains.iter().map(|c| c.accepted).sum();
    let acceptance = accepted as f64 / (kept * n_chains as u64).max(1) as f64;
    let mean_z: Vec<f64> = (0..d)
        .map(|i| scores.iter().map(|z| z[i]).sum::<f64>() / scores.len().max(1) as f64)
        .collect();
    let noise_key = StreamKey::of(&format!("calibrate.{}.noise", model.id));
    let theta = model.theta(&mean_z);
    let mut scratch = Scratch::default();
    let estimates: Vec<f64> = (0..NOISE_REPEATS)
        .map(|r| {
            let mut rng = stream_rng(settings.seed, r, noise_key);
            filter.log_likelihood(&mut rng, &theta, &mut scratch)
        })
        .collect();
    let mean = estimates.iter().sum::<f64>() / NOISE_REPEATS as f64;
    let log_likelihood_sd = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>()
        / (NOISE_REPEATS - 1) as f64)
        .sqrt();
    CohortFit {
        cohort: model.cohort,
        id: model.id.clone(),
        parameters,
        predicted: predict(model, &scores, filter.observation, settings.seed),
        scores,
        acceptance,
        steps: kept,
        thin,
        log_likelihood_sd,
    }
}

/// The posterior predictive P5, P50 and P95 of each observation's report: for each
/// draw, one path of the cohort and one report of each count, from the stream
/// (seed, draw, `calibrate.<id>.predictive`).
fn predict(
    model: &CohortModel,
    scores: &[Vec<f64>],
    observation: ObservationModel,
    seed: u64,
) -> Vec<Predicted> {
    let key = StreamKey::of(&format!("calibrate.{}.predictive", model.id));
    let mut reports: Vec<Vec<f64>> = vec![Vec::with_capacity(scores.len()); model.rows.len()];
    for (d, z) in scores.iter().enumerate() {
        let mut rng = stream_rng(seed, d as u64, key);
        let truth = model.simulate(&mut rng, &model.theta(z));
        for (i, x) in truth.into_iter().enumerate() {
            reports[i].push(observation.sample(&mut rng, x) as f64);
        }
    }
    model
        .rows
        .iter()
        .zip(reports)
        .map(|(row, mut values)| {
            values.sort_by(f64::total_cmp);
            Predicted {
                observation: row.clone(),
                p5: percentile(&values, 0.05),
                p50: percentile(&values, 0.5),
                p95: percentile(&values, 0.95),
            }
        })
        .collect()
}
