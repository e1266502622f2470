//! One cohort as calibration sees it: which of its uptake parameters are fitted and
//! where their prior lives, the months to simulate and when each observation closes,
//! and the observation model that ties a true count to a reported one.
//!
//! **Parameters in the prior's quantile space.** A fitted parameter is sampled as a
//! normal score `z`: its value is `clamp(Q(Φ(z)))`, with `Q` the scenario's quantile
//! function of its distribution, `Φ` the standard normal cdf and the clamp the
//! parameter's range (as a draw of a run is clamped). If `z ~ N(0, 1)` the value has
//! exactly the scenario's (clamped) prior, whatever its kind, so the prior's density
//! in `z` is the standard normal's and no density of any distribution kind is needed;
//! the posterior is then usually close to normal in `z`, which a random walk samples
//! well.

use rand::{Rng, RngExt as _};
use rand_distr::{Distribution as _, Gamma, Poisson};
use statrs::function::gamma::ln_gamma;

use super::observed::{CohortObservations, Measure, Observation};
use crate::distribution::Distribution;
use crate::distribution::copula::normal_cdf;
use crate::engine::CohortCounts;
use crate::engine::params::UptakeDraw;
use crate::scenario::{Scenario, Uncertain, UptakeModel, ValueRange};

/// The reported count's mean is the true count, but never below this: a true count of
/// 0 must not make a reported 1 impossible (a late entry, a miscoded person).
pub const MEAN_FLOOR: f64 = 0.5;

/// Normal scores are kept within ±this when mapped to values, so that `Φ(z)` stays
/// strictly inside (0, 1) and an unbounded prior's quantile stays finite. The prior
/// puts 1e-15 of its mass beyond.
const Z_LIMIT: f64 = 8.0;

/// Which uptake parameter a fitted one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    P,
    Q,
    Monthly,
    Ceiling,
    ReturnRate,
}

/// A fitted parameter: its path, prior and range.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub role: Role,
    pub path: String,
    pub prior: Distribution,
    pub range: ValueRange,
}

impl Parameter {
    fn of(role: Role, u: &Uncertain) -> Option<Parameter> {
        u.fixed_value().is_none().then(|| Parameter {
            role,
            path: u.path.clone(),
            prior: u.dist.clone(),
            range: u.range,
        })
    }

    /// The value at normal score `z`: `clamp(Q(Φ(z)))`.
    pub fn value(&self, z: f64) -> f64 {
        let u = normal_cdf(z.clamp(-Z_LIMIT, Z_LIMIT));
        self.range.clamp(self.prior.quantile(u))
    }

    /// The prior's quantile at `p`, clamped to the range (as draws are).
    pub fn prior_quantile(&self, p: f64) -> f64 {
        self.range.clamp(self.prior.quantile(p))
    }

    /// The prior's mean after clamping to the range.
    pub fn prior_mean(&self) -> f64 {
        let (lo, hi) = self.range.bounds();
        self.prior.clamped_moments(lo, hi).0
    }
}

/// The parameters of one cohort's counts process.
#[derive(Debug, Clone, PartialEq)]
pub struct Theta {
    pub uptake: UptakeDraw,
    pub ceiling: f64,
    pub return_rate: f64,
}

/// One month of the simulated span: whether a `new_holders` period opens at its start
/// and which observations close at its end.
#[derive(Debug, Clone, Default, PartialEq)]
struct Month {
    opens: bool,
    /// Indices into [`CohortModel::rows`].
    closes: Vec<usize>,
}

/// One cohort ready to simulate and weigh against its observations.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortModel {
    /// Index in the scenario's cohorts.
    pub cohort: usize,
    pub id: String,
    pub size: u64,
    /// Fitted parameters in [`crate::engine::DrawnParameters::slots`] order (`p`, `q`
    /// or `monthly`, then `ceiling`, then `return_rate`); the others are fixed.
    pub free: Vec<Parameter>,
    /// Every parameter's scenario value where fixed, by [`Role`] (`p` or `monthly`,
    /// `q`, `ceiling`, `return_rate`).
    fixed: [f64; 4],
    bass: bool,
    /// The observations, ordered by the month they close.
    pub rows: Vec<Observation>,
    /// Month index of the first simulated month (the offer month).
    pub first: i64,
    months: Vec<Month>,
}

impl CohortModel {
    pub fn new(scenario: &Scenario, observed: &CohortObservations) -> CohortModel {
        let c = &scenario.cohorts[observed.cohort];
        let mut free = Vec::new();
        let (bass, first_rate, q) = match &c.uptake.model {
            UptakeModel::Bass { p, q } => {
                free.extend(Parameter::of(Role::P, p));
                free.extend(Parameter::of(Role::Q, q));
                (true, p, Some(q))
            }
            UptakeModel::Constant { monthly } => {
                free.extend(Parameter::of(Role::Monthly, monthly));
                (false, monthly, None)
            }
        };
        free.extend(Parameter::of(Role::Ceiling, &c.uptake.ceiling));
        free.extend(Parameter::of(Role::ReturnRate, &c.return_rate));
        let fixed_of = |u: &Uncertain| u.fixed_value().unwrap_or(f64::NAN);
        let fixed = [
            fixed_of(first_rate),
            q.map_or(0.0, fixed_of),
            fixed_of(&c.uptake.ceiling),
            fixed_of(&c.return_rate),
        ];
        let first = scenario.offer_index(c).max(0);
        let last = observed.rows.iter().map(|o| o.to).max().unwrap_or(first);
        let mut months = vec![Month::default(); (last - first + 1).max(0) as usize];
        for (i, row) in observed.rows.iter().enumerate() {
            months[(row.to - first) as usize].closes.push(i);
            if row.measure == Measure::NewHolders {
                months[(row.from - first) as usize].opens = true;
            }
        }
        CohortModel {
            cohort: observed.cohort,
            id: c.id.clone(),
            size: c.size,
            free,
            fixed,
            bass,
            rows: observed.rows.clone(),
            first,
            months,
        }
    }

    /// The parameters at normal scores `z` (one per fitted parameter).
    pub fn theta(&self, z: &[f64]) -> Theta {
        let mut v = self.fixed;
        for (param, &z) in self.free.iter().zip(z) {
            let slot = match param.role {
                Role::P | Role::Monthly => 0,
                Role::Q => 1,
                Role::Ceiling => 2,
                Role::ReturnRate => 3,
            };
            v[slot] = param.value(z);
        }
        Theta {
            uptake: if self.bass {
                UptakeDraw::Bass { p: v[0], q: v[1] }
            } else {
                UptakeDraw::Constant { monthly: v[0] }
            },
            ceiling: v[2],
            return_rate: v[3],
        }
    }

    /// The fitted parameters' values at normal scores `z`.
    pub fn values(&self, z: &[f64]) -> Vec<f64> {
        self.free.iter().zip(z).map(|(p, &z)| p.value(z)).collect()
    }

    /// The simulated months in order: whether a `new_holders` period opens at the
    /// start of each, and the observations that close at its end.
    pub(super) fn months(&self) -> impl Iterator<Item = (bool, &[usize])> {
        self.months.iter().map(|m| (m.opens, m.closes.as_slice()))
    }

    /// One path of the true counts: the count each observation measures, in
    /// [`Self::rows`] order.
    pub fn simulate<R: Rng + ?Sized>(&self, rng: &mut R, theta: &Theta) -> Vec<u64> {
        let mut counts = CohortCounts::start(rng, self.size, theta.ceiling);
        let mut mark = 0;
        let mut out = vec![0; self.rows.len()];
        for month in &self.months {
            if month.opens {
                mark = counts.ever;
            }
            counts.month(rng, &theta.uptake, theta.return_rate);
            for &i in &month.closes {
                out[i] = self.measured(i, &counts, mark);
            }
        }
        out
    }

    /// The true count observation `i` measures, in state `counts` with `mark` the
    /// ever-holders when its period opened.
    pub(super) fn measured(&self, i: usize, counts: &CohortCounts, mark: u64) -> u64 {
        match self.rows[i].measure {
            Measure::NewHolders => counts.ever - mark,
            Measure::Holders => counts.holders,
        }
    }
}

/// How a reported count relates to the true count `x`: negative binomial with mean
/// `m = max(x, MEAN_FLOOR)` and variance `m + dispersion · m²` (Poisson when the
/// dispersion is 0), so a report's error beyond counting noise has a coefficient of
/// variation of `sqrt(dispersion)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservationModel {
    pub dispersion: f64,
}

impl ObservationModel {
    fn mean(x: u64) -> f64 {
        (x as f64).max(MEAN_FLOOR)
    }

    /// The part of `ln P(y | x)` that depends on `y` alone.
    pub fn constant(&self, y: u64) -> f64 {
        let y = y as f64;
        if self.dispersion > 0.0 {
            let k = 1.0 / self.dispersion;
            ln_gamma(y + k) - ln_gamma(k) - ln_gamma(y + 1.0)
        } else {
            -ln_gamma(y + 1.0)
        }
    }

    /// `ln P(y | x)`, given `constant(y)`.
    pub fn log_pmf(&self, y: u64, constant: f64, x: u64) -> f64 {
        let (y, m) = (y as f64, Self::mean(x));
        if self.dispersion > 0.0 {
            let k = 1.0 / self.dispersion;
            let log_total = (k + m).ln();
            constant + k * (k.ln() - log_total) + y * (m.ln() - log_total)
        } else {
            constant + y * m.ln() - m
        }
    }

    /// One report of true count `x`: Poisson of a gamma-distributed mean.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, x: u64) -> u64 {
        let m = Self::mean(x);
        let rate = if self.dispersion > 0.0 {
            let k = 1.0 / self.dispersion;
            Gamma::new(k, m / k).map_or(m, |g| g.sample(rng))
        } else {
            m
        };
        if rate <= 0.0 {
            return 0;
        }
        Poisson::new(rate).map_or(rate.round(), |p| p.sample(rng)) as u64
    }
}

/// A uniform draw in [0, 1), the one kind the filter and the sampler take besides
/// normals.
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.random()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log pmf sums to 1 over y and has the stated mean and variance.
    #[test]
    fn the_observation_model_is_a_distribution_with_the_stated_moments() {
        for dispersion in [0.0, 0.01, 0.5] {
            let model = ObservationModel { dispersion };
            for x in [0u64, 3, 40] {
                let (mut total, mut mean, mut second) = (0.0, 0.0, 0.0);
                for y in 0..2_000u64 {
                    let p = model.log_pmf(y, model.constant(y), x).exp();
                    total += p;
                    mean += p * y as f64;
                    second += p * (y * y) as f64;
                }
                let m = (x as f64).max(MEAN_FLOOR);
                assert!((total - 1.0).abs() < 1e-9, "{dispersion} {x}: {total}");
                assert!((mean - m).abs() < 1e-8, "{dispersion} {x}: {mean}");
                let var = second - mean * mean;
                assert!((var - (m + dispersion * m * m)).abs() < 1e-6, "{var}");
            }
        }
    }

    #[test]
    fn a_normal_score_maps_through_the_priors_quantile_and_range() {
        let param = Parameter {
            role: Role::Ceiling,
            path: "c".into(),
            prior: Distribution::Uniform { min: 0.2, max: 0.6 },
            range: ValueRange::Probability,
        };
        assert!((param.value(0.0) - 0.4).abs() < 1e-12);
        assert!((param.value(-1.2816) - 0.24).abs() < 1e-4);
        let normal = Parameter {
            prior: Distribution::Normal { mean: 0.9, sd: 0.3 },
            ..param
        };
        assert_eq!(normal.value(3.0).to_bits(), 1f64.to_bits(), "clamped");
        assert!(normal.value(100.0).is_finite());
    }
}
