//! One chain of particle marginal Metropolis–Hastings on a cohort's normal scores `z`.
//!
//! The target is `ln L̂(θ(z)) − |z|²/2`: the particle filter's estimate of the
//! likelihood times the prior, which is standard normal in `z`
//! ([`super::model`]). A proposal `z' = z + s·A·ε` (ε standard normal) is accepted
//! with probability `min(1, exp(target' − target))`, keeping the current estimate of
//! the likelihood until the next acceptance (re-estimating it would not be PMMH).
//!
//! **Tuning, during the burn-in only.** In its first half the proposal is `s·ε`, and
//! `ln s` follows a Robbins–Monro rule towards an acceptance rate of
//! [`TARGET_ACCEPTANCE`]; from the second quarter on the chain's states are collected,
//! and at half-way `A` becomes the Cholesky factor of their covariance times
//! `2.38/√d` (Roberts and Rosenthal 2001), `s` restarts at 1 and adapts again. After
//! the burn-in both are frozen, so the chain kept is plain Metropolis–Hastings.
//!
//! **Random numbers.** Step k of chain c of cohort `id` draws everything from
//! `stream_rng(seed, k, StreamKey::of("calibrate.<id>.chain.<c>"))`: the proposal's
//! normals, then the filter's draws, then the acceptance uniform. Step 0 draws the
//! start (a draw from the prior, so chains start dispersed) and its first estimate.
//! Nothing depends on which thread runs a chain or when.

use rand_distr::{Distribution as _, StandardNormal};

use super::filter::{Filter, Scratch};
use super::model::uniform;
use crate::rng::{StreamKey, stream_rng};

/// The acceptance rate the burn-in tunes the proposal towards: below the 0.234 of an
/// exact likelihood, as a noisy estimate makes long jumps pay off less (Sherlock,
/// Thiery, Roberts and Rosenthal 2015 find about 0.07 optimal at a log-likelihood
/// noise of sd 1.8, and higher for less noise).
pub const TARGET_ACCEPTANCE: f64 = 0.15;

/// One chain and its tuning.
#[derive(Debug)]
pub struct Chain {
    key: StreamKey,
    seed: u64,
    burn_in: u64,
    /// The current state and its log-likelihood estimate.
    pub z: Vec<f64>,
    ll: f64,
    /// The last step taken (0: the start).
    step: u64,
    log_scale: f64,
    /// Lower-triangular, row-major, d×d.
    shape: Vec<f64>,
    /// Running mean and co-moments of the states collected for the shape.
    collected: u64,
    mean: Vec<f64>,
    comoments: Vec<f64>,
    /// After the burn-in: proposals accepted, and every state, step-major.
    pub accepted: u64,
    pub samples: Vec<f64>,
    scratch: Scratch,
}

/// `chol(m)` of a symmetric d×d matrix (row-major), lower-triangular; `None` unless
/// positive definite.
fn cholesky(m: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                let v = m[i * d + i] - dot;
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                l[i * d + i] = v.sqrt();
            } else {
                l[i * d + j] = (m[i * d + j] - dot) / l[j * d + j];
            }
        }
    }
    Some(l)
}

fn identity(d: usize) -> Vec<f64> {
    let mut m = vec![0.0; d * d];
    for i in 0..d {
        m[i * d + i] = 1.0;
    }
    m
}

impl Chain {
    /// Chain `index` of cohort `id`: draws its start from the prior and estimates its
    /// likelihood (step 0).
    pub fn start(filter: &Filter<'_>, seed: u64, index: usize, burn_in: u64) -> Chain {
        let d = filter.model.free.len();
        let key = StreamKey::of(&format!("calibrate.{}.chain.{index}", filter.model.id));
        let mut rng = stream_rng(seed, 0, key);
        let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut scratch = Scratch::default();
        let ll = filter.log_likelihood(&mut rng, &filter.model.theta(&z), &mut scratch);
        Chain {
            key,
            seed,
            burn_in,
            z,
            ll,
            step: 0,
            log_scale: (0.5 * 2.38 / (d as f64).sqrt()).ln(),
            shape: identity(d),
            collected: 0,
            mean: vec![0.0; d],
            comoments: vec![0.0; d * d],
            accepted: 0,
            samples: Vec::new(),
            scratch,
        }
    }

    /// Steps taken after the burn-in.
    pub fn kept(&self) -> u64 {
        self.step.saturating_sub(self.burn_in)
    }

    /// Takes steps until step `until`, calling `tick` after each; stops early (with
    /// `false`) when `stop` says so.
    pub fn run_until(
        &mut self,
        filter: &Filter<'_>,
        until: u64,
        tick: &dyn Fn(),
        stop: &dyn Fn() -> bool,
    ) -> bool {
        while self.step < until {
            if stop() {
                return false;
            }
            self.step_once(filter);
            tick();
        }
        true
    }

    fn step_once(&mut self, filter: &Filter<'_>) {
        let d = self.z.len();
        self.step += 1;
        let step = self.step;
        let mut rng = stream_rng(self.seed, step, self.key);
        let eps: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        let scale = self.log_scale.exp();
        let proposal: Vec<f64> = (0..d)
            .map(|i| {
                let moved: f64 = (0..=i).map(|k| self.shape[i * d + k] * eps[k]).sum();
                self.z[i] + scale * moved
            })
            .collect();
        let ll = filter.log_likelihood(&mut rng, &filter.model.theta(&proposal), &mut self.scratch);
        let prior = |z: &[f64]| -0.5 * z.iter().map(|v| v * v).sum::<f64>();
        let log_alpha = if ll.is_nan() || ll == f64::NEG_INFINITY {
            f64::NEG_INFINITY
        } else if self.ll == f64::NEG_INFINITY {
            0.0
        } else {
            ll - self.ll + prior(&proposal) - prior(&self.z)
        };
        let accept = uniform(&mut rng).ln() < log_alpha;
        if accept {
            self.z = proposal;
            self.ll = ll;
        }
        if step <= self.burn_in {
            self.tune(step, log_alpha.min(0.0).exp());
        } else {
            self.accepted += u64::from(accept);
            self.samples.extend_from_slice(&self.z);
        }
    }

    /// The burn-in's tuning after step `step`, whose acceptance probability was
    /// `alpha`.
    fn tune(&mut self, step: u64, alpha: f64) {
        let d = self.z.len();
        let half = self.burn_in / 2;
        let phase_start = if step > half { half } else { 0 };
        let gain = ((step - phase_start) as f64).powf(-0.6);
        self.log_scale += gain * (alpha - TARGET_ACCEPTANCE);
        if step > self.burn_in / 4 && step <= half {
            // Welford's update of the mean and co-moments.
            self.collected += 1;
            let n = self.collected as f64;
            let delta: Vec<f64> = self.z.iter().zip(&self.mean).map(|(z, m)| z - m).collect();
            for (mean, delta) in self.mean.iter_mut().zip(&delta) {
                *mean += delta / n;
            }
            for (i, delta) in delta.iter().enumerate() {
                for j in 0..d {
                    self.comoments[i * d + j] += delta * (self.z[j] - self.mean[j]);
                }
            }
        }
        if step == half && self.collected > (2 * d) as u64 {
            let n = self.collected as f64;
            let mut cov: Vec<f64> = self.comoments.iter().map(|m| m / (n - 1.0)).collect();
            for i in 0..d {
                cov[i * d + i] += 1e-6;
            }
            if let Some(l) = cholesky(&cov, d) {
                let factor = 2.38 / (d as f64).sqrt();
                self.shape = l.iter().map(|v| v * factor).collect();
                self.log_scale = 0.0;
            }
        }
    }

    /// The kept states of parameter `i`, in step order.
    pub fn trace(&self, i: usize) -> Vec<f64> {
        let d = self.z.len();
        self.samples.iter().skip(i).step_by(d).copied().collect()
    }

    /// The kept state at position `k` (0 = the first after the burn-in).
    pub fn state(&self, k: usize) -> &[f64] {
        let d = self.z.len();
        &self.samples[k * d..(k + 1) * d]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_factors_a_covariance() {
        let m = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&m, 2).expect("positive definite");
        assert!((l[0] - 2.0).abs() < 1e-12 && (l[2] - 1.0).abs() < 1e-12);
        assert!((l[3] - 2f64.sqrt()).abs() < 1e-12 && l[1].abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
