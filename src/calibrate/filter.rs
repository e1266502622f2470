//! The bootstrap particle filter: an unbiased estimate of the likelihood of one
//! cohort's observed counts under given parameters.
//!
//! Each of N particles is one path of the cohort's counts ([`CohortCounts`]): it draws
//! its willing, then month by month its returns and uptake, exactly as the engine's
//! model does. Where observations close, each particle is weighed by the probability
//! of the reported counts given its true ones ([`ObservationModel`]); the mean weight
//! is that step's factor of the likelihood. When the weights grow uneven (effective
//! number of particles below N/2) the particles are resampled, systematically (one
//! uniform, N evenly spaced points), and their weights reset. The product of the
//! factors is an unbiased estimate of the likelihood (Del Moral 2004), which is what
//! particle marginal Metropolis–Hastings needs (Andrieu, Doucet and Holenstein 2010).
//!
//! A particle also keeps `mark`, its ever-holders when the open `new_holders` period
//! began, so the count of a period is `E − mark` however the particles were resampled
//! on the way (periods of one measure never overlap, so one mark suffices).

use rand::Rng;

use super::model::{CohortModel, ObservationModel, Theta, uniform};
use crate::engine::CohortCounts;

/// One particle: a path's counts and its mark.
#[derive(Debug, Clone, Copy, Default)]
struct Particle {
    counts: CohortCounts,
    mark: u64,
}

/// The filter's buffers, kept between calls so a chain allocates once.
#[derive(Debug, Default)]
pub struct Scratch {
    particles: Vec<Particle>,
    spare: Vec<Particle>,
    log_weights: Vec<f64>,
    /// `ObservationModel::constant` of each observation.
    constants: Vec<f64>,
}

/// `ln Σ exp(x)`, exact for a vector of `-inf`.
fn log_sum_exp(xs: &[f64]) -> f64 {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// The particle filter of one cohort.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    pub model: &'a CohortModel,
    pub observation: ObservationModel,
    pub particles: usize,
}

impl Filter<'_> {
    /// An estimate of `ln L(theta)`, every draw from `rng` in a fixed order: the
    /// particles' willing, then per month each particle's month, then each
    /// resampling's uniform.
    pub fn log_likelihood<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        theta: &Theta,
        scratch: &mut Scratch,
    ) -> f64 {
        let model = self.model;
        let n = self.particles.max(1);
        if scratch.constants.len() != model.rows.len() {
            scratch.constants = model
                .rows
                .iter()
                .map(|o| self.observation.constant(o.value))
                .collect();
        }
        scratch.particles.clear();
        for _ in 0..n {
            scratch.particles.push(Particle {
                counts: CohortCounts::start(rng, model.size, theta.ceiling),
                mark: 0,
            });
        }
        let uniform_weight = -(n as f64).ln();
        scratch.log_weights.clear();
        scratch.log_weights.resize(n, uniform_weight);
        let mut total = 0.0;
        for month in model.months() {
            for particle in &mut scratch.particles {
                if month.0 {
                    particle.mark = particle.counts.ever;
                }
                particle.counts.month(rng, &theta.uptake, theta.return_rate);
            }
            if month.1.is_empty() {
                continue;
            }
            for (particle, w) in scratch.particles.iter().zip(&mut scratch.log_weights) {
                for &i in month.1 {
                    let x = model.measured(i, &particle.counts, particle.mark);
                    let y = model.rows[i].value;
                    *w += self.observation.log_pmf(y, scratch.constants[i], x);
                }
            }
            let step = log_sum_exp(&scratch.log_weights);
            if !step.is_finite() {
                return f64::NEG_INFINITY;
            }
            total += step;
            let mut sum_squares = 0.0;
            for w in &mut scratch.log_weights {
                *w -= step;
                sum_squares += (2.0 * *w).exp();
            }
            if 1.0 / sum_squares < n as f64 / 2.0 {
                self.resample(rng, scratch);
                scratch.log_weights.fill(uniform_weight);
            }
        }
        total
    }

    /// Systematic resampling: particle i is copied once for each of the points
    /// `(u + k) / N` that fall in its share of the cumulative weight.
    fn resample<R: Rng + ?Sized>(&self, rng: &mut R, scratch: &mut Scratch) {
        let n = scratch.particles.len();
        let start = uniform(rng);
        scratch.spare.clear();
        let mut cumulative = 0.0;
        let mut i = 0;
        for k in 0..n {
            let point = (start + k as f64) / n as f64;
            while i + 1 < n {
                let weight = scratch.log_weights[i].exp();
                if cumulative + weight >= point {
                    break;
                }
                cumulative += weight;
                i += 1;
            }
            scratch.spare.push(scratch.particles[i]);
        }
        std::mem::swap(&mut scratch.particles, &mut scratch.spare);
    }
}
