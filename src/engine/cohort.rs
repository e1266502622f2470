//! Cohort dynamics (SPEC section 4, steps 1–3): who is willing, who returns, who
//! takes a budget, in which form, and with how much money.
//!
//! Everything is drawn as counts (binomials), never patient by patient, so the cost of
//! a month does not grow with the size of a cohort. All draws of one cohort in one
//! iteration come from that cohort's own stream, in this fixed order:
//!
//! 1. willing `W ~ Binomial(size, ceiling)`, once;
//! 2. then in every month from the offer month on:
//!    a. returns, one binomial per form in [`Form::ALL`] order;
//!    b. uptake, one binomial;
//!    c. the split of new holders across forms, one conditional binomial per form in
//!    [`Form::ALL`] order;
//!    d. budgets of the new holders, per form in [`Form::ALL`] order (see
//!    [`BudgetDraws::total`]).
//!
//! A binomial whose outcome is certain (n = 0, p = 0 or p = 1) consumes no randomness,
//! always: that keeps the stream aligned and is cheaper.
//!
//! [`Form::ALL`]: crate::scenario::Form::ALL

use rand::Rng;
use rand_distr::{Distribution as _, Gamma};

use super::binomial::{Powers, binomial, binomial_with};
use super::params::{CohortDraw, UptakeDraw};
use crate::distribution::{Distribution, Sampler};
use crate::scenario::BudgetDistribution;

/// Below this many new holders in one month and form, each holder's budget is drawn
/// individually; from it on, their total is one draw from a gamma distribution with
/// the exact mean `k × clamped_mean` and variance `k × clamped_variance` (SPEC section 4
/// allows this one approximation). A fixed number, so results never depend on the
/// machine.
///
/// Why 8: one budget costs about as much to draw as a binomial, so the threshold
/// bounds what a cohort's month can cost. With 1,000 (the first rule, see CHANGELOG.md),
/// cohorts of 100,000 people drew a few hundred budgets per cohort and month, and an iteration
/// of the national scenario took 9 times as long as with cohorts of 1,000; at 8 no
/// cohort, month and form draws more than 7 (`benches/national.rs`, group
/// `national sizes`). The gamma keeps the total positive, with a skewness of
/// `2·cv/√k` where the exact sum has `γ/√k` (`cv` and `γ` one budget's), a difference
/// in the shape of one month's total that the outputs, sums over months and cohorts,
/// do not show.
pub const BUDGET_EXACT_DRAWS_BELOW: u64 = 8;

/// The monthly uptake hazard: constant, or Bass `min(1, p + q·E/W)` (0 when `W = 0`).
pub(crate) fn hazard(uptake: &UptakeDraw, ever: u64, willing: u64) -> f64 {
    match *uptake {
        UptakeDraw::Constant { monthly } => monthly,
        UptakeDraw::Bass { .. } if willing == 0 => 0.0,
        UptakeDraw::Bass { p, q } => (p + q * ever as f64 / willing as f64).min(1.0),
    }
}

/// The conditional probabilities that turn `Multinomial(A, forms)` into sequential
/// binomials: form f takes `Binomial(remaining, forms[f] / Σ_{g≥f} forms[g])`. The
/// last form with a positive share gets exactly 1 (`x / (x + 0 + 0) = x / x`), so no
/// holder is ever left unassigned.
pub(crate) fn conditional_form_shares(forms: &[f64; 3]) -> [f64; 3] {
    let mut cond = [0.0; 3];
    for f in 0..3 {
        let tail: f64 = forms[f..].iter().sum();
        cond[f] = if tail > 0.0 { forms[f] / tail } else { 0.0 };
    }
    cond
}

/// One cohort's budget distribution ready to draw from, built once per iteration so
/// that a month's draws do not rebuild the sampler (its logarithms and square roots).
#[derive(Debug, Clone)]
pub(crate) struct BudgetDraws {
    /// `Some` for a plain number, which adds exactly `k × value`.
    fixed: Option<f64>,
    /// One holder's budget, before the clamp at 0.
    one: Sampler,
    /// Mean and variance of one holder's budget after the clamp (both ≥ 0).
    mean: f64,
    variance: f64,
}

impl BudgetDraws {
    pub fn new(budget: &BudgetDistribution) -> Self {
        BudgetDraws {
            fixed: match budget.dist {
                Distribution::Fixed(value) => Some(value),
                _ => None,
            },
            one: budget.dist.sampler(),
            mean: budget.clamped_mean.max(0.0),
            variance: budget.clamped_variance.max(0.0),
        }
    }

    /// Sum of `k` new holders' annual budgets (see [`BUDGET_EXACT_DRAWS_BELOW`]). Each
    /// individual draw is clamped at 0, the range of a budget.
    pub fn total<R: Rng + ?Sized>(&self, rng: &mut R, k: u64) -> f64 {
        if k == 0 {
            return 0.0;
        }
        if let Some(value) = self.fixed {
            return k as f64 * value;
        }
        if k < BUDGET_EXACT_DRAWS_BELOW {
            return (0..k).map(|_| self.one.sample(rng).max(0.0)).sum();
        }
        let (mean, variance, k) = (self.mean, self.variance, k as f64);
        if mean <= 0.0 || variance <= 0.0 {
            // A budget with no spread (or only 0s) sums exactly.
            return k * mean;
        }
        // Gamma(shape, scale) has mean shape·scale and variance shape·scale².
        let scale = variance / mean;
        let shape = k * mean / scale;
        match Gamma::new(shape, scale) {
            Ok(gamma) => gamma.sample(rng),
            // Only when shape or scale over- or underflows: the spread is then
            // negligible next to the mean (or the reverse, and the mean is 0).
            Err(_) => k * mean,
        }
    }
}

/// The squarings one cohort's binomials keep from month to month (see
/// [`super::binomial`]): one per probability it draws with, which stays the same
/// within an iteration (a Bass hazard changes each month and so starts afresh).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CohortPowers {
    returns: Powers,
    uptake: Powers,
    forms: [Powers; 3],
}

/// The state of one cohort within an iteration, indexed by form where per form.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct CohortState {
    /// `W`: everyone who would ever take a budget.
    pub willing: u64,
    /// `E`: everyone who has ever taken one (returners included).
    pub ever: u64,
    /// `H_f`.
    pub holders: [u64; 3],
    /// `B_f`: the sum of form-f holders' annual budgets.
    pub budgets: [f64; 3],
    /// Holders who took a budget this month.
    pub new_holders: u64,
    /// Holders who went back to traditional services this month.
    pub returned: u64,
}

impl CohortState {
    pub fn new(willing: u64) -> Self {
        CohortState {
            willing,
            ..CohortState::default()
        }
    }

    pub fn holders_total(&self) -> u64 {
        self.holders.iter().sum()
    }

    /// Step 1: each form's holders return with probability `rate`; their share of the
    /// form's budget total goes with them.
    pub fn returns<R: Rng + ?Sized>(&mut self, rng: &mut R, rate: f64, powers: &mut CohortPowers) {
        self.returned = 0;
        for f in 0..3 {
            let h = self.holders[f];
            let r = binomial_with(rng, h, rate, &mut powers.returns);
            if r > 0 {
                // B·(H−R)/H equals B − R·B/H and is exactly 0 when everyone returns.
                self.budgets[f] *= (h - r) as f64 / h as f64;
                self.holders[f] = h - r;
                self.returned += r;
            }
        }
    }

    /// Steps 1 and 2 of a month from the offer month on: returns, then uptake with
    /// this month's hazard.
    pub fn month<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        draw: &CohortDraw,
        cond_forms: &[f64; 3],
        budget: &BudgetDraws,
        powers: &mut CohortPowers,
    ) {
        self.returns(rng, draw.return_rate, powers);
        let h = hazard(&draw.uptake, self.ever, self.willing);
        self.uptake(rng, h, cond_forms, budget, powers);
    }

    /// Step 2: new holders among the willing who never held a budget, their forms
    /// and budgets.
    pub fn uptake<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        hazard: f64,
        cond_forms: &[f64; 3],
        budget: &BudgetDraws,
        powers: &mut CohortPowers,
    ) {
        let new = binomial_with(rng, self.willing - self.ever, hazard, &mut powers.uptake);
        self.new_holders = new;
        self.ever += new;
        let mut remaining = new;
        let mut split = [0; 3];
        for f in 0..3 {
            split[f] = binomial_with(rng, remaining, cond_forms[f], &mut powers.forms[f]);
            remaining -= split[f];
        }
        debug_assert_eq!(remaining, 0, "the last form with a share takes the rest");
        for (f, &k) in split.iter().enumerate() {
            self.holders[f] += k;
            self.budgets[f] += budget.total(rng, k);
        }
    }
}

/// One cohort's counts alone: the willing `W`, everyone who ever took a budget `E` and
/// the holders `H`, with the engine's steps 1 and 2 drawn as counts, without forms or
/// budgets. What a calibration's particle filter simulates (`crate::calibrate`), where
/// only the counts are observed.
///
/// It draws from the same distributions as `CohortState` (`hazard`, the same
/// binomials): returns are one `Binomial(H, return_rate)`, which is the sum of
/// `CohortState::returns`' binomials per form, and uptake is the same binomial; the
/// forms and budgets that follow in the engine change no count. It does not draw the
/// same numbers (it skips those draws), so its paths are not the engine's paths of an
/// iteration, only paths of the same process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CohortCounts {
    /// `W`.
    pub willing: u64,
    /// `E`.
    pub ever: u64,
    /// `H`, all forms together.
    pub holders: u64,
}

impl CohortCounts {
    /// A cohort of `size` before its offer: `W ~ Binomial(size, ceiling)`, no holders.
    pub fn start<R: Rng + ?Sized>(rng: &mut R, size: u64, ceiling: f64) -> Self {
        CohortCounts {
            willing: binomial(rng, size, ceiling),
            ..CohortCounts::default()
        }
    }

    /// One month from the offer month on: returns, then uptake (SPEC section 4, steps 1
    /// and 2). Returns the month's new holders.
    pub fn month<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        uptake: &UptakeDraw,
        return_rate: f64,
    ) -> u64 {
        self.holders -= binomial(rng, self.holders, return_rate);
        let h = hazard(uptake, self.ever, self.willing);
        let new = binomial(rng, self.willing - self.ever, h);
        self.ever += new;
        self.holders += new;
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKey, stream_rng};
    use crate::stats::tolerance::STANDARD_ERRORS;

    /// [`CohortCounts`] is the engine's cohort process in distribution: after 9 months
    /// of a Bass cohort with returns, the holders' and ever-holders' means and variances
    /// from 20,000 paths of each agree within [`STANDARD_ERRORS`] standard errors of
    /// their difference (the variance's standard error taken as σ²·sqrt(2/(n−1)), near
    /// enough for counts of this size).
    #[test]
    fn counts_alone_follow_the_engines_cohort_process() {
        let draw = CohortDraw {
            uptake: UptakeDraw::Bass { p: 0.03, q: 0.4 },
            ceiling: 0.6,
            return_rate: 0.05,
            per_month: vec![],
            substitution: vec![],
        };
        let budget = BudgetDraws::new(&BudgetDistribution {
            dist: Distribution::Fixed(1.0),
            clamped_mean: 1.0,
            clamped_variance: 0.0,
        });
        let forms = conditional_form_shares(&[0.15, 0.8, 0.05]);
        let n = 20_000u64;
        let (mut engine, mut counts) = (Vec::new(), Vec::new());
        for i in 0..n {
            let mut rng = stream_rng(5, i, StreamKey::of("engine"));
            let mut state = CohortState::new(binomial(&mut rng, 200, draw.ceiling));
            let mut rng2 = stream_rng(5, i, StreamKey::of("counts"));
            let mut alone = CohortCounts::start(&mut rng2, 200, draw.ceiling);
            let mut powers = CohortPowers::default();
            for _ in 0..9 {
                state.month(&mut rng, &draw, &forms, &budget, &mut powers);
                alone.month(&mut rng2, &draw.uptake, draw.return_rate);
            }
            engine.push([state.holders_total() as f64, state.ever as f64]);
            counts.push([alone.holders as f64, alone.ever as f64]);
        }
        let moments = |xs: &[[f64; 2]], k: usize| {
            let mean = xs.iter().map(|x| x[k]).sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x[k] - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            (mean, var)
        };
        for k in 0..2 {
            let ((m1, v1), (m2, v2)) = (moments(&engine, k), moments(&counts, k));
            let se_mean = ((v1 + v2) / n as f64).sqrt();
            assert!(
                (m1 - m2).abs() < STANDARD_ERRORS * se_mean,
                "{k}: {m1} {m2}"
            );
            let se_var = (v1 * v1 + v2 * v2).sqrt() * (2.0 / (n - 1) as f64).sqrt();
            assert!((v1 - v2).abs() < STANDARD_ERRORS * se_var, "{k}: {v1} {v2}");
        }
    }

    #[test]
    fn conditional_shares_reassemble_the_multinomial() {
        let cond = conditional_form_shares(&[0.15, 0.8, 0.05]);
        assert!((cond[0] - 0.15).abs() < 1e-15);
        assert!((cond[1] - 0.8 / 0.85).abs() < 1e-15);
        assert_eq!(cond[2].to_bits(), 1f64.to_bits());
        let cond = conditional_form_shares(&[0.3, 0.7, 0.0]);
        assert_eq!(cond[1].to_bits(), 1f64.to_bits());
        assert_eq!(cond[2].to_bits(), 0f64.to_bits());
    }

    #[test]
    fn bass_hazard_is_capped_and_zero_without_willing() {
        let bass = UptakeDraw::Bass { p: 0.1, q: 2.0 };
        assert_eq!(hazard(&bass, 0, 0).to_bits(), 0f64.to_bits());
        assert!((hazard(&bass, 10, 100) - 0.3).abs() < 1e-15);
        assert_eq!(hazard(&bass, 90, 100).to_bits(), 1f64.to_bits());
    }

    #[test]
    fn everyone_returning_empties_the_budget_total_exactly() {
        let mut state = CohortState::new(10);
        state.holders = [0, 7, 0];
        state.budgets = [0.0, 0.1 + 0.2 + 0.3, 0.0];
        let rng = &mut stream_rng(1, 0, StreamKey::of("x"));
        state.returns(rng, 1.0, &mut CohortPowers::default());
        assert_eq!(state.holders, [0, 0, 0]);
        assert_eq!(state.budgets[1].to_bits(), 0f64.to_bits());
        assert_eq!(state.returned, 7);
    }

    /// The approximation for large groups keeps the mean and variance of the exact sum
    /// (SPEC section 4). 4,000 totals of 5,000 holders each: the sample mean is within
    /// [`STANDARD_ERRORS`] standard errors, and the sample variance within as many of its
    /// standard errors
    /// (sd of s² ≈ σ²·sqrt(2/(n−1)) for a near-normal total, whose skewness here is
    /// 2·cv/sqrt(k) ≈ 0.01).
    #[test]
    fn large_groups_keep_budget_mean_and_variance() {
        let budget = BudgetDistribution {
            dist: Distribution::LogNormal {
                mean: 9_000.0,
                sd: 4_000.0,
            },
            clamped_mean: 9_000.0,
            clamped_variance: 16e6,
        };
        let k = 5_000u64;
        let n = 4_000;
        let mut rng = stream_rng(3, 0, StreamKey::of("budgets"));
        let draws = BudgetDraws::new(&budget);
        let totals: Vec<f64> = (0..n).map(|_| draws.total(&mut rng, k)).collect();
        let mean = totals.iter().sum::<f64>() / n as f64;
        let var = totals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let (true_mean, true_var) = (k as f64 * 9_000.0, k as f64 * 16e6);
        assert!((mean - true_mean).abs() < STANDARD_ERRORS * (true_var / n as f64).sqrt());
        assert!(
            (var - true_var).abs() < STANDARD_ERRORS * true_var * (2.0 / (n - 1) as f64).sqrt()
        );
    }
}
