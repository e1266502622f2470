//! Probability distributions of uncertain parameters (SPEC section 3).
//!
//! This module owns the [`Distribution`] enum (one variant per `dist` key of a
//! scenario file) and everything the rest of phbsim asks of a distribution: one
//! random draw, the analytic mean and variance, the cdf and quantile function, the
//! probability of falling outside a parameter's valid range, and the mean and
//! variance after clamping to that range (SPEC section 2 warns with the clamped mean,
//! and the engine's budget totals need the clamped moments of one holder's draw).
//!
//! Draws come from `rand_distr` samplers and cdfs and quantiles from `statrs`.
//! Clamped moments are exact closed forms: every variant is an affine map
//! `X = loc + scale * Y` of a standard family `Y` whose partial moments
//! `E[Y^k; Y < y]` (k = 0, 1, 2) are known, so no numeric integration is needed.
//!
//! Parameters are validated when a scenario is read (SPEC section 2); nothing here
//! panics on invalid ones. A distribution whose parameters no sampler or cdf accepts
//! behaves as a point mass at its mean (see [`Distribution::sample`]).

pub mod copula;

use rand::Rng;
use statrs::distribution::{self as sd, ContinuousCDF};

/// The `interval` distribution's sd is its width divided by this: 2.563 is twice the
/// 90th percentile of the standard normal (1.2816, rounded as in SPEC section 3), so
/// `low` and `high` are the 10th and 90th percentiles.
const INTERVAL_WIDTH_IN_SDS: f64 = 2.563;

/// The shape (lambda) of the Beta-PERT distribution. 4 is the classic PERT choice,
/// giving mean `(min + 4 mode + max) / 6`.
const PERT_LAMBDA: f64 = 4.0;

/// A distribution as written in a scenario file (`dist = "..."`).
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// `fixed`, or a plain number: always this value.
    Fixed(f64),
    /// Every value in `[min, max)` equally likely.
    Uniform { min: f64, max: f64 },
    /// Density rising linearly from `min` to a peak at `mode`, then falling to `max`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// Beta-PERT with lambda = 4: `min + (max - min) * Beta(a, b)` with
    /// `a = 1 + 4 (mode - min) / (max - min)`, `b = 1 + 4 (max - mode) / (max - min)`.
    Pert { min: f64, mode: f64, max: f64 },
    /// Normal with this mean and standard deviation.
    Normal { mean: f64, sd: f64 },
    /// Log-normal; `mean` and `sd` are of the value itself, not of its log.
    LogNormal { mean: f64, sd: f64 },
    /// An 80% interval: normal with mean (low+high)/2, sd (high-low)/2.563.
    Interval { low: f64, high: f64 },
    /// Beta on [0, 1] with shapes `alpha` and `beta`.
    Beta { alpha: f64, beta: f64 },
    /// Gamma with this shape and scale (mean `shape * scale`).
    Gamma { shape: f64, scale: f64 },
}

impl Distribution {
    /// The `dist` key of this distribution in a scenario file.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Fixed(_) => "fixed",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Pert { .. } => "pert",
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Interval { .. } => "interval",
            Distribution::Beta { .. } => "beta",
            Distribution::Gamma { .. } => "gamma",
        }
    }

    /// Short human text for messages, with the keys of the scenario file, e.g.
    /// `pert(min 0.1, mode 0.2, max 0.4)`.
    pub fn describe(&self) -> String {
        let name = self.name();
        match *self {
            Distribution::Fixed(value) => format!("{name}(value {value})"),
            Distribution::Uniform { min, max } => format!("{name}(min {min}, max {max})"),
            Distribution::Triangular { min, mode, max } | Distribution::Pert { min, mode, max } => {
                format!("{name}(min {min}, mode {mode}, max {max})")
            }
            Distribution::Normal { mean, sd } | Distribution::LogNormal { mean, sd } => {
                format!("{name}(mean {mean}, sd {sd})")
            }
            Distribution::Interval { low, high } => format!("{name}(low {low}, high {high})"),
            Distribution::Beta { alpha, beta } => format!("{name}(alpha {alpha}, beta {beta})"),
            Distribution::Gamma { shape, scale } => {
                format!("{name}(shape {shape}, scale {scale})")
            }
        }
    }

    /// One draw.
    ///
    /// `Fixed` consumes no randomness, so making a parameter uncertain or certain
    /// never shifts any other stream. Samplers are built from the parameters on each
    /// call; every constructor used only checks its arguments and precomputes a few
    /// constants.
    ///
    /// If a sampler rejects the parameters, the draw is the mean. Parameters are
    /// validated when a scenario is read, so this can only happen for a degenerate
    /// case the validator lets through on purpose or by mistake (e.g. `min == max`,
    /// where the mean is the only possible value); a simulation must never panic
    /// half-way (SPEC section 5), and the mean is the least surprising stand-in.
    ///
    /// Reproducibility: the same generator state gives the same value on every run
    /// and thread. `uniform`, `triangular` and `fixed` use only IEEE-exact arithmetic
    /// and are bit-identical on every platform; the other samplers call `ln`/`exp`,
    /// which Rust takes from the platform's maths library, so another OS may differ
    /// in the last bit.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler().sample(rng)
    }

    /// A sampler with the distribution's constants worked out once, for many draws
    /// (each new holder's budget); its draws are exactly those of [`Self::sample`].
    pub fn sampler(&self) -> Sampler {
        let fallback = || Sampler::Constant(self.mean());
        let built = |sampler: Option<Sampler>| sampler.unwrap_or_else(fallback);
        match *self {
            Distribution::Fixed(value) => Sampler::Constant(value),
            Distribution::Uniform { min, max } => built(
                rand::distr::Uniform::new(min, max)
                    .ok()
                    .map(Sampler::Uniform),
            ),
            Distribution::Triangular { min, mode, max } => built(
                rand_distr::Triangular::new(min, max, mode)
                    .ok()
                    .map(Sampler::Triangular),
            ),
            Distribution::Pert { min, mode, max } => built(
                rand_distr::Pert::new(min, max)
                    .with_shape(PERT_LAMBDA)
                    .with_mode(mode)
                    .ok()
                    .map(Sampler::Pert),
            ),
            Distribution::Normal { mean, sd } => {
                built(rand_distr::Normal::new(mean, sd).ok().map(Sampler::Normal))
            }
            Distribution::LogNormal { mean, sd } => built(
                lognormal_log_params(mean, sd)
                    .and_then(|(mu, sigma)| rand_distr::LogNormal::new(mu, sigma).ok())
                    .map(Sampler::LogNormal),
            ),
            Distribution::Interval { low, high } => {
                let (centre, sd) = interval_normal(low, high);
                built(
                    rand_distr::Normal::new(centre, sd)
                        .ok()
                        .map(Sampler::Normal),
                )
            }
            Distribution::Beta { alpha, beta } => {
                built(rand_distr::Beta::new(alpha, beta).ok().map(Sampler::Beta))
            }
            Distribution::Gamma { shape, scale } => built(
                rand_distr::Gamma::new(shape, scale)
                    .ok()
                    .map(Sampler::Gamma),
            ),
        }
    }

    /// The analytic mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Fixed(value) => value,
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Pert { min, mode, max } => {
                (min + PERT_LAMBDA * mode + max) / (PERT_LAMBDA + 2.0)
            }
            Distribution::Normal { mean, .. } | Distribution::LogNormal { mean, .. } => mean,
            Distribution::Interval { low, high } => interval_normal(low, high).0,
            Distribution::Beta { alpha, beta } => alpha / (alpha + beta),
            Distribution::Gamma { shape, scale } => shape * scale,
        }
    }

    /// The analytic variance.
    pub fn variance(&self) -> f64 {
        match *self {
            Distribution::Fixed(_) => 0.0,
            Distribution::Uniform { min, max } => (max - min).powi(2) / 12.0,
            Distribution::Triangular { min, mode, max } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            Distribution::Pert { min, max, .. } => {
                // Beta(a, b) scaled by the range, with a + b = lambda + 2 = 6; this is
                // the well-known (mean - min)(max - mean) / (lambda + 3).
                let mean = self.mean();
                (mean - min) * (max - mean) / (PERT_LAMBDA + 3.0)
            }
            Distribution::Normal { sd, .. } | Distribution::LogNormal { sd, .. } => sd * sd,
            Distribution::Interval { low, high } => interval_normal(low, high).1.powi(2),
            Distribution::Beta { alpha, beta } => {
                let total = alpha + beta;
                alpha * beta / (total * total * (total + 1.0))
            }
            Distribution::Gamma { shape, scale } => shape * scale * scale,
        }
    }

    /// `P(X <= x)`; NaN for a NaN `x`. A `fixed` value has a step cdf: 0 below the
    /// value, 1 from it on.
    pub fn cdf(&self, x: f64) -> f64 {
        // statrs's incomplete beta panics on NaN rather than returning it.
        if x.is_nan() {
            return f64::NAN;
        }
        let standard = self.standardized();
        standard.family.cdf(standard.standard_value(x))
    }

    /// The quantile function (inverse cdf) at `p`, clamped into [0, 1]; NaN for a
    /// NaN `p`. `quantile(0)` and `quantile(1)` are the ends of the support, which
    /// are infinite for `normal` and `interval` (and above for `lognormal`, `gamma`).
    /// A `fixed` value is its own quantile at every `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        if p.is_nan() {
            return f64::NAN;
        }
        let standard = self.standardized();
        standard.loc + standard.scale * standard.family.quantile(p.clamp(0.0, 1.0))
    }

    /// `P(X < lo) + P(X > hi)`: the probability that a draw is clamped, which the
    /// validator warns about above 0.1% (SPEC section 2). Either bound may be
    /// infinite; NaN if either is NaN. Upper tails use the survival function, so
    /// small probabilities keep their precision.
    pub fn probability_outside(&self, lo: f64, hi: f64) -> f64 {
        if lo.is_nan() || hi.is_nan() {
            return f64::NAN;
        }
        let standard = self.standardized();
        let below = standard
            .family
            .partials(standard.standard_value(lo), Tail::Below)[0];
        let above = standard
            .family
            .partials(standard.standard_value(hi), Tail::Above)[0];
        (below + above).min(1.0)
    }

    /// Mean and variance of `clamp(X, lo, hi)`; `lo` may be `-inf` and `hi` `+inf`.
    /// Returns `(NaN, NaN)` when `lo > hi` or a bound is NaN, as there is no such
    /// clamp.
    ///
    /// Exact closed forms, not numeric integration. With `X = loc + scale * Y` for a
    /// standard family `Y` and the bounds mapped to `a`, `b`:
    ///
    /// ```text
    /// E[clamp(Y, a, b)^k] = E[Y^k] + a^k P(Y < a) - E[Y^k; Y < a]
    ///                              + b^k P(Y > b) - E[Y^k; Y > b]
    /// ```
    ///
    /// Each partial moment `E[Y^k; ...]` is a cdf: polynomial for uniform and
    /// triangular, Gaussian for normal, and for beta, PERT, gamma and lognormal
    /// `E[Y^k]` times the cdf of the same family with a shifted parameter.
    ///
    /// Accuracy is that of statrs's erfc and incomplete gamma and beta functions
    /// (erfc measured at about 5e-11 relative). The variance is formed as
    /// `E[Z^2] - E[Z]^2` for the clamped standard form `Z`, which multiplies the
    /// relative error by about `(E[Z] / sd(Z))^2`; without clamping that is 0 for
    /// normal and interval, at most 3 for uniform, 8 for triangular and 35 for PERT,
    /// `1 / cv^2` for lognormal, `shape` for gamma and `alpha (alpha + beta + 1) /
    /// beta` for beta. The tests find agreement with a 20,000-point numeric
    /// integration to 1e-8 or better, the limit of that integration.
    pub fn clamped_moments(&self, lo: f64, hi: f64) -> (f64, f64) {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return (f64::NAN, f64::NAN);
        }
        let standard = self.standardized();
        let (mean, variance) = standard
            .family
            .clamped_moments(standard.standard_value(lo), standard.standard_value(hi));
        // Rounding in `E[Z^2] - E[Z]^2` can leave the exact bounds of a variable
        // confined to [lo, hi]: its mean lies in it and its variance is at most
        // (hi - lo)^2 / 4 (Popoviciu). Regression: a gamma with mean 3e8 clamped to
        // [0, 3.4] came out with a variance above that bound.
        let width = hi - lo;
        (
            (standard.loc + standard.scale * mean).clamp(lo, hi),
            (standard.scale * standard.scale * variance).clamp(0.0, width * width / 4.0),
        )
    }

    /// This distribution as `loc + scale * Y` for a standard family `Y`, or a point
    /// mass at the mean when no standard family accepts the parameters (the same
    /// fallback as [`Distribution::sample`]).
    fn standardized(&self) -> Standardized {
        let standard = match *self {
            Distribution::Fixed(value) => Standardized::new(value, 1.0, Family::Point),
            Distribution::Uniform { min, max } => {
                Standardized::new(min, max - min, Family::Uniform)
            }
            Distribution::Triangular { min, mode, max } => Standardized::new(
                min,
                max - min,
                Family::Triangular {
                    mode: (mode - min) / (max - min),
                },
            ),
            Distribution::Pert { min, mode, max } => {
                let (alpha, beta) = pert_shapes(min, mode, max);
                Standardized::new(min, max - min, Family::Beta { alpha, beta })
            }
            Distribution::Normal { mean, sd } => Standardized::new(mean, sd, Family::Normal),
            Distribution::Interval { low, high } => {
                let (centre, sd) = interval_normal(low, high);
                Standardized::new(centre, sd, Family::Normal)
            }
            // exp(mu) * LogNormal(0, sigma): keeps the standard family's moments O(1).
            Distribution::LogNormal { mean, sd } => match lognormal_log_params(mean, sd) {
                Some((mu, sigma)) => Standardized::new(0.0, mu.exp(), Family::LogNormal { sigma }),
                None => None,
            },
            Distribution::Beta { alpha, beta } => {
                Standardized::new(0.0, 1.0, Family::Beta { alpha, beta })
            }
            Distribution::Gamma { shape, scale } => {
                Standardized::new(0.0, scale, Family::Gamma { shape })
            }
        };
        standard.unwrap_or(Standardized {
            loc: self.mean(),
            scale: 1.0,
            family: Family::Point,
        })
    }
}

/// One draw from `sampler`, or `fallback` if its constructor failed.
/// A [`Distribution`] ready to draw from (see [`Distribution::sampler`]). Invalid
/// parameters (rejected by the validator, so only reachable through the library)
/// give a constant: the mean, never a panic mid-run.
#[derive(Debug, Clone)]
pub enum Sampler {
    Constant(f64),
    Uniform(rand::distr::Uniform<f64>),
    Triangular(rand_distr::Triangular<f64>),
    Pert(rand_distr::Pert<f64>),
    Normal(rand_distr::Normal<f64>),
    LogNormal(rand_distr::LogNormal<f64>),
    Beta(rand_distr::Beta<f64>),
    Gamma(rand_distr::Gamma<f64>),
}

impl Sampler {
    /// One draw; a constant consumes no randomness.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use rand_distr::Distribution as _;
        match self {
            Sampler::Constant(value) => *value,
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Pert(d) => d.sample(rng),
            Sampler::Normal(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Beta(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
        }
    }
}

/// `(mu, sigma)` of the log of a lognormal whose value has this mean and sd:
/// `sigma^2 = ln(1 + sd^2 / mean^2)`, `mu = ln(mean) - sigma^2 / 2`. `None` unless
/// `mean > 0` and `sd >= 0` are finite, the only cases with a lognormal answer.
fn lognormal_log_params(mean: f64, sd: f64) -> Option<(f64, f64)> {
    if !(mean > 0.0 && mean.is_finite() && sd >= 0.0 && sd.is_finite()) {
        return None;
    }
    // ln_1p keeps precision when sd is small relative to the mean.
    let variance_of_log = ((sd / mean) * (sd / mean)).ln_1p();
    Some((mean.ln() - variance_of_log / 2.0, variance_of_log.sqrt()))
}

/// The Beta shapes of a PERT on `[min, max]`.
fn pert_shapes(min: f64, mode: f64, max: f64) -> (f64, f64) {
    let range = max - min;
    (
        1.0 + PERT_LAMBDA * (mode - min) / range,
        1.0 + PERT_LAMBDA * (max - mode) / range,
    )
}

/// `(mean, sd)` of the normal behind an `interval`.
fn interval_normal(low: f64, high: f64) -> (f64, f64) {
    ((low + high) / 2.0, (high - low) / INTERVAL_WIDTH_IN_SDS)
}

/// `X = loc + scale * Y`, with `Y` from a standard family and `scale > 0`.
#[derive(Debug, Clone, Copy)]
struct Standardized {
    loc: f64,
    scale: f64,
    family: Family,
}

impl Standardized {
    /// `None` if the map or the family's parameters are not valid.
    fn new(loc: f64, scale: f64, family: Family) -> Option<Standardized> {
        let map_ok = loc.is_finite() && scale.is_finite() && scale > 0.0;
        (map_ok && family.is_valid()).then_some(Standardized { loc, scale, family })
    }

    fn standard_value(&self, x: f64) -> f64 {
        (x - self.loc) / self.scale
    }
}

/// The standard families every variant maps onto.
#[derive(Debug, Clone, Copy)]
enum Family {
    /// All mass at 0.
    Point,
    /// Normal(0, 1).
    Normal,
    /// Uniform on [0, 1].
    Uniform,
    /// Triangular on [0, 1] with its peak at `mode`.
    Triangular {
        mode: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
    },
    /// LogNormal(0, sigma).
    LogNormal {
        sigma: f64,
    },
    /// Gamma(shape, scale 1).
    Gamma {
        shape: f64,
    },
}

/// Which side of a point a partial moment covers (strictly).
#[derive(Debug, Clone, Copy)]
enum Tail {
    Below,
    Above,
}

impl Tail {
    /// `P(Y < y)` or `P(Y > y)` for a continuous statrs distribution; NaN if its
    /// constructor failed (which `Family::is_valid` rules out).
    fn probability<D, E>(self, dist: Result<D, E>, y: f64) -> f64
    where
        D: ContinuousCDF<f64, f64>,
    {
        match (dist, self) {
            (Ok(dist), Tail::Below) => dist.cdf(y),
            (Ok(dist), Tail::Above) => dist.sf(y),
            (Err(_), _) => f64::NAN,
        }
    }
}

/// The quantile at `p` in [0, 1] of a continuous distribution supported on
/// `[0, upper]`: the smallest float `x` with `cdf(x) >= p`.
///
/// Non-negative floats are ordered like their bit patterns, so bisecting the bits
/// reaches adjacent floats in at most 64 cdf evaluations, however small or large the
/// quantile; it cannot diverge and needs no tolerance. In the upper half it compares
/// the survival function with `1 - p` (exact there), keeping resolution where the
/// cdf rounds to 1.
fn invert_by_bisection<D: ContinuousCDF<f64, f64>>(dist: &D, p: f64, upper: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return upper;
    }
    let reached = |x: f64| {
        if p <= 0.5 {
            dist.cdf(x) >= p
        } else {
            dist.sf(x) <= 1.0 - p
        }
    };
    let (mut below, mut above) = (0.0f64.to_bits(), upper.to_bits());
    while above - below > 1 {
        let middle = below + (above - below) / 2;
        if reached(f64::from_bits(middle)) {
            above = middle;
        } else {
            below = middle;
        }
    }
    f64::from_bits(above)
}

/// `[1, y, y^2]`-weighted sums, i.e. `[E[1; A], E[Y; A], E[Y^2; A]]` for an event A.
type Moments = [f64; 3];

fn minus(total: Moments, part: Moments) -> Moments {
    [total[0] - part[0], total[1] - part[1], total[2] - part[2]]
}

impl Family {
    fn is_valid(&self) -> bool {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        match *self {
            Family::Point | Family::Normal | Family::Uniform => true,
            Family::Triangular { mode } => (0.0..=1.0).contains(&mode),
            Family::Beta { alpha, beta } => positive(alpha) && positive(beta),
            Family::LogNormal { sigma } => positive(sigma),
            Family::Gamma { shape } => positive(shape),
        }
    }

    /// `P(Y <= y)`.
    fn cdf(&self, y: f64) -> f64 {
        match *self {
            Family::Point => f64::from(u8::from(y >= 0.0)),
            Family::Normal => Tail::Below.probability(sd::Normal::new(0.0, 1.0), y),
            Family::Uniform => Tail::Below.probability(sd::Uniform::new(0.0, 1.0), y),
            Family::Triangular { mode } => {
                Tail::Below.probability(sd::Triangular::new(0.0, 1.0, mode), y)
            }
            Family::Beta { alpha, beta } => Tail::Below.probability(sd::Beta::new(alpha, beta), y),
            Family::LogNormal { sigma } => {
                Tail::Below.probability(sd::LogNormal::new(0.0, sigma), y)
            }
            Family::Gamma { shape } => Tail::Below.probability(sd::Gamma::new(shape, 1.0), y),
        }
    }

    /// The inverse cdf at `p` in [0, 1].
    ///
    /// Beta and gamma do not use statrs's `inverse_cdf`: in statrs 0.19.1 the beta
    /// one can loop forever (shapes 100 and 1.5 at p = 1e-100), panic (shapes 0.01
    /// at p = 5e-255) or miss by orders of magnitude for shapes below about 0.5, and
    /// the gamma one stops once a step is below 1e-9, which is no accuracy at all
    /// for small shapes, whose quantiles can be far smaller. Both invert statrs's
    /// cdf instead (see [`invert_by_bisection`]).
    fn quantile(&self, p: f64) -> f64 {
        fn inverse<D: ContinuousCDF<f64, f64>, E>(dist: Result<D, E>, p: f64) -> f64 {
            dist.map_or(f64::NAN, |dist| dist.inverse_cdf(p))
        }
        match *self {
            Family::Point => 0.0,
            Family::Normal => inverse(sd::Normal::new(0.0, 1.0), p),
            Family::Uniform => inverse(sd::Uniform::new(0.0, 1.0), p),
            Family::Triangular { mode } => inverse(sd::Triangular::new(0.0, 1.0, mode), p),
            Family::LogNormal { sigma } => inverse(sd::LogNormal::new(0.0, sigma), p),
            Family::Beta { alpha, beta } => sd::Beta::new(alpha, beta)
                .map_or(f64::NAN, |dist| invert_by_bisection(&dist, p, 1.0)),
            Family::Gamma { shape } => sd::Gamma::new(shape, 1.0).map_or(f64::NAN, |dist| {
                invert_by_bisection(&dist, p, f64::INFINITY)
            }),
        }
    }

    /// `[1, E[Y], E[Y^2]]`.
    fn raw_moments(&self) -> Moments {
        match *self {
            Family::Point => [1.0, 0.0, 0.0],
            Family::Normal => [1.0, 0.0, 1.0],
            Family::Uniform => [1.0, 1.0 / 2.0, 1.0 / 3.0],
            Family::Triangular { mode } => {
                [1.0, (1.0 + mode) / 3.0, (1.0 + mode + mode * mode) / 6.0]
            }
            Family::Beta { alpha, beta } => {
                let total = alpha + beta;
                let mean = alpha / total;
                [1.0, mean, mean * (alpha + 1.0) / (total + 1.0)]
            }
            Family::LogNormal { sigma } => {
                let s2 = sigma * sigma;
                [1.0, (s2 / 2.0).exp(), (2.0 * s2).exp()]
            }
            Family::Gamma { shape } => [1.0, shape, shape * (shape + 1.0)],
        }
    }

    /// Partial moments `[P(Y in A), E[Y; A], E[Y^2; A]]` for `A = {Y < y}` or
    /// `{Y > y}`, for `y` not NaN. Tails come from the family's own cdf or survival
    /// function, so a small tail keeps its precision; only the polynomial forms
    /// (uniform, and triangular across its mode) take the complement of the other
    /// tail.
    fn partials(&self, y: f64, tail: Tail) -> Moments {
        match *self {
            Family::Point => {
                let inside = match tail {
                    Tail::Below => y > 0.0,
                    Tail::Above => y < 0.0,
                };
                [f64::from(u8::from(inside)), 0.0, 0.0]
            }
            Family::Normal => {
                let tail_probability = tail.probability(sd::Normal::new(0.0, 1.0), y);
                let density = (-y * y / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                // y * density -> 0 as |y| -> inf; computed directly it is inf * 0.
                let y_density = if y.is_finite() { y * density } else { 0.0 };
                match tail {
                    Tail::Below => [tail_probability, -density, tail_probability - y_density],
                    Tail::Above => [tail_probability, density, tail_probability + y_density],
                }
            }
            Family::Uniform => {
                let t = y.clamp(0.0, 1.0);
                let below = [t, t * t / 2.0, t * t * t / 3.0];
                match tail {
                    Tail::Below => below,
                    Tail::Above => minus(self.raw_moments(), below),
                }
            }
            Family::Triangular { mode } => {
                let t = y.clamp(0.0, 1.0);
                match tail {
                    Tail::Below => self.triangular_below(t, mode),
                    Tail::Above => self.triangular_above(t, mode),
                }
            }
            // For these families E[Y^k; Y < y] = E[Y^k] * P(Y_k < y), where Y_k is Y
            // size-biased by y^k, which stays in the family: Beta(alpha + k, beta),
            // Gamma(shape + k), LogNormal(k sigma^2, sigma).
            Family::Beta { alpha, beta } => {
                let raw = self.raw_moments();
                std::array::from_fn(|k| {
                    raw[k] * tail.probability(sd::Beta::new(alpha + k as f64, beta), y)
                })
            }
            Family::LogNormal { sigma } => {
                let raw = self.raw_moments();
                std::array::from_fn(|k| {
                    let location = k as f64 * sigma * sigma;
                    raw[k] * tail.probability(sd::LogNormal::new(location, sigma), y)
                })
            }
            Family::Gamma { shape } => {
                let raw = self.raw_moments();
                std::array::from_fn(|k| {
                    raw[k] * tail.probability(sd::Gamma::new(shape + k as f64, 1.0), y)
                })
            }
        }
    }

    /// Triangular partial moments below `t` in [0, 1]: on the rising side the density
    /// is `2y / mode`, so `E[Y^k; Y < t] = 2 t^(k+2) / ((k+2) mode)`.
    fn triangular_below(&self, t: f64, mode: f64) -> Moments {
        if t > mode {
            return minus(self.raw_moments(), self.triangular_above(t, mode));
        }
        if t <= 0.0 {
            return [0.0; 3];
        }
        let t2 = t * t;
        [
            t2 / mode,
            2.0 * t2 * t / (3.0 * mode),
            t2 * t2 / (2.0 * mode),
        ]
    }

    /// Triangular partial moments above `t` in [0, 1]: on the falling side the
    /// density is `2(1 - y) / (1 - mode)`; integrating in `s = 1 - t` avoids
    /// cancellation near 1.
    fn triangular_above(&self, t: f64, mode: f64) -> Moments {
        if t < mode {
            return minus(self.raw_moments(), self.triangular_below(t, mode));
        }
        if t >= 1.0 {
            return [0.0; 3];
        }
        let (s, fall) = (1.0 - t, 1.0 - mode);
        let (s2, s3) = (s * s, s * s * s);
        [
            s2 / fall,
            2.0 * (s2 / 2.0 - s3 / 3.0) / fall,
            2.0 * (s2 / 2.0 - 2.0 * s3 / 3.0 + s2 * s2 / 4.0) / fall,
        ]
    }

    /// Mean and variance of `clamp(Y, a, b)` for `a <= b`.
    fn clamped_moments(&self, a: f64, b: f64) -> (f64, f64) {
        let [_, mut first, mut second] = self.raw_moments();
        // Mass below a moves to a, mass above b moves to b. The tests on the tail
        // probability skip infinite bounds (where 0 * inf would be NaN) and tails
        // that are empty.
        let below = self.partials(a, Tail::Below);
        if below[0] > 0.0 {
            first += a * below[0] - below[1];
            second += a * a * below[0] - below[2];
        }
        let above = self.partials(b, Tail::Above);
        if above[0] > 0.0 {
            first += b * above[0] - above[1];
            second += b * b * above[0] - above[2];
        }
        (first, (second - first * first).max(0.0))
    }
}

#[cfg(test)]
mod tests;
