//! Exact `Binomial(n, p)` draws, the engine's most frequent random variate, at the
//! price of the draw alone.
//!
//! rand_distr 0.6's `Binomial` is built for many draws of one `(n, p)`, while the engine
//! draws once per `(n, p)` (a cohort's holder count changes every month), and then the
//! building dominated. Below a mean `n·min(p, 1−p)` of 10 it uses the inversion
//! algorithm BINV (Kachitvichyanukul and Schmeiser 1988), whose `(1−p)^n` it computes
//! with `powf`: on the national scenario a fifth of the engine's instructions, more
//! than the draws. From 10 on it uses BTPE, whose set-up and two uniforms per attempt
//! made up two thirds of an iteration with cohorts of a million people.
//!
//! So: below 10, BINV here is the crate's step for step (the same choice, uniforms,
//! restart rule and flip for `p > 0.5`) with `(1−p)^n` by repeated squaring, and
//! `tests` checks its draws against the crate's one by one. The rounding of `(1−p)^n`
//! differs by about `n` units in the last place at most, as the crate's own rounding
//! of `1−p` already does, so a draw could differ only when a uniform falls within
//! that rounding of a step of the cumulative distribution. From 10 on, [`btrd`] uses
//! Hörmann's BTRD instead of BTPE: exact too, about a third of the cost, and checked
//! against the binomial distribution by chi-square. Only the Poisson limit for `p`
//! below `2^-53` is left to the crate.
//!
//! Repeated squaring is a chain of dependent multiplications, one per bit of `n`, and
//! was still a quarter of the binomials' time. A cohort draws with the same `p` month
//! after month (its return rate, a constant hazard, its forms' shares) and only `n`
//! changes; the squarings `q, q², q⁴, …` do not depend on `n`. [`Powers`] keeps them
//! for one `q`, so `(1−p)^n` is the same products in the same order, without the
//! chain: the same bits, sooner.

mod btrd;

use rand::{Rng, RngExt as _};
use rand_distr::{Binomial, Distribution as _};

/// The crate's switch from BINV to BTPE (here BTRD), on `n·min(p, 1−p)`; BTRD needs at
/// least 10.
const BINV_BELOW_MEAN: f64 = 10.0;

/// The crate's restart point of BINV: a count this far out (31 standard deviations at
/// the largest BINV mean) only arises from rounding at the end of the distribution.
const BINV_MAX_X: u64 = 110;

/// `Binomial(n, p)`, consuming no randomness when the outcome is certain (n = 0, p = 0
/// or p = 1; also p NaN, taken as 0).
///
/// Inlined, so that the many certain draws (no holders yet, the last form's share of
/// 1) cost a comparison; the others pay one call.
#[inline]
pub(crate) fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        uncertain(rng, n, p)
    }
}

/// [`binomial`], with the squarings of this `p`'s `1 − p` kept in `powers` for the
/// next draw with the same `p` (any `p` may be given; another one starts afresh).
/// Draw for draw the same as [`binomial`].
#[inline]
pub(crate) fn binomial_with<R: Rng + ?Sized>(
    rng: &mut R,
    n: u64,
    p: f64,
    powers: &mut Powers,
) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        uncertain_with(rng, n, p, powers)
    }
}

/// `Binomial(n, p)` for `n > 0` and `0 < p < 1`.
fn uncertain<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    uncertain_with(rng, n, p, &mut Powers::new())
}

/// [`uncertain`], with the squarings kept in `powers`.
fn uncertain_with<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, powers: &mut Powers) -> u64 {
    let flipped = p > 0.5;
    let small = if flipped { 1.0 - p } else { p };
    let q = 1.0 - small;
    // `q` rounds to 1 (it never exceeds it) where the crate switches to its Poisson
    // limit.
    if q >= 1.0 {
        return Binomial::new(n, p)
            .expect("p is strictly between 0 and 1")
            .sample(rng);
    }
    let x = if n as f64 * small < BINV_BELOW_MEAN {
        binv(rng, n, small, q, powers.power(q, n))
    } else {
        btrd::btrd(rng, n, small)
    };
    if flipped { n - x } else { x }
}

/// BINV for `0 < p <= 1/2` with `n·p < 10`: walks the cumulative distribution from 0
/// with the ratio `P(x) / P(x−1) = a/x − s` until one uniform is used up; `start` is
/// `q^n` by [`power`].
fn binv<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, q: f64, start: f64) -> u64 {
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    'attempt: loop {
        let mut r = start;
        let mut u: f64 = rng.random();
        let mut x = 0;
        while u > r {
            u -= r;
            x += 1;
            if x > BINV_MAX_X {
                continue 'attempt;
            }
            r *= a / x as f64 - s;
        }
        return x;
    }
}

/// `q^n` by repeated squaring: a few multiplications where `powf` takes hundreds of
/// instructions, and the same on every platform (IEEE multiplication is exact to the
/// rounding rule, `powf` is only as good as the platform's libm).
fn power(mut q: f64, mut n: u64) -> f64 {
    let mut result = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            result *= q;
        }
        q *= q;
        n >>= 1;
    }
    result
}

/// Squarings kept: enough for any `n` below 2^32 (a count of people); a larger `n`
/// is raised by [`power`] itself.
const SQUARINGS_KEPT: usize = 32;

/// The repeated squarings `q, q², q⁴, …` of one `q`, as far as the largest `n` so far
/// needed (see the module header). Small and plain, so a cohort can keep one per
/// probability it draws with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Powers {
    /// The `q` squared; NaN before the first (equal to no `q`).
    q: f64,
    /// `squares[i] = q^(2^i)` for `i < known`.
    known: usize,
    squares: [f64; SQUARINGS_KEPT],
}

impl Default for Powers {
    fn default() -> Self {
        Self::new()
    }
}

impl Powers {
    pub(crate) const fn new() -> Self {
        Powers {
            q: f64::NAN,
            known: 0,
            squares: [0.0; SQUARINGS_KEPT],
        }
    }

    /// `q^n`, to the bit [`power`]'s: the squarings are the same chain, and the
    /// factors of `n`'s bits are multiplied in the same order, lowest bit first.
    #[inline]
    fn power(&mut self, q: f64, n: u64) -> f64 {
        if n >> SQUARINGS_KEPT != 0 {
            return power(q, n);
        }
        if q.to_bits() != self.q.to_bits() {
            self.q = q;
            self.squares[0] = q;
            self.known = 1;
        }
        let bits = (u64::BITS - n.leading_zeros()) as usize;
        while self.known < bits {
            let last = self.squares[self.known - 1];
            self.squares[self.known] = last * last;
            self.known += 1;
        }
        let mut result = 1.0;
        let mut rest = n;
        while rest != 0 {
            result *= self.squares[rest.trailing_zeros() as usize];
            rest &= rest - 1;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKey, stream_rng};

    /// Below a mean of 10 (and in the Poisson limit), draw for draw the crate's
    /// `Binomial`, on both sides of p = 1/2, and the generator is left in the same
    /// state. The draws could differ where `(1−p)^n`'s rounding matters, with a chance
    /// of order 1e-14 per draw, i.e. never in these 150,000.
    #[test]
    fn small_means_draw_as_rand_distr() {
        let cases: [(u64, f64); 15] = [
            (1, 0.3),
            (5, 0.01),
            (7, 0.5),
            (12, 0.94),
            (250, 0.01),
            (250, 0.039),
            (999, 0.0099),
            (1_000, 0.0005),
            (3_000_000, 2e-6),
            (20, 1.0 - 1e-12),
            (30, 1e-300),
            (9, 0.999),
            (19, 0.5),
            (2, 0.75),
            (u64::from(u32::MAX), 2e-9),
        ];
        for (case, &(n, p)) in cases.iter().enumerate() {
            assert!(n as f64 * p.min(1.0 - p) < BINV_BELOW_MEAN);
            let mut ours = stream_rng(1, case as u64, StreamKey::of("binomial"));
            let mut crates = ours.clone();
            let crate_binomial = Binomial::new(n, p).unwrap();
            for _ in 0..10_000 {
                assert_eq!(
                    binomial(&mut ours, n, p),
                    crate_binomial.sample(&mut crates),
                    "n = {n}, p = {p}"
                );
            }
            assert_eq!(ours.next_u64(), crates.next_u64(), "n = {n}, p = {p}");
        }
    }

    /// From a mean of 10 on (BTRD), the draws follow Binomial(n, p): 100,000 draws per
    /// case, one bin per value with the tails merged until each bin expects at least
    /// 20, pass a chi-square test at level 1e-4 (a correct sampler fails a case once in
    /// 10,000 seeds; the seeds are fixed). The cases reach every step of the algorithm:
    /// small spreads only the recursion near the mode, large ones the squeeze and the
    /// final test, and p above 1/2 the flip.
    #[test]
    fn large_means_follow_the_binomial_distribution() {
        use statrs::distribution::{ChiSquared, ContinuousCDF, Discrete};
        const DRAWS: u64 = 100_000;
        let cases: [(u64, f64); 9] = [
            (20, 0.5),
            (21, 0.5),
            (50, 0.2),
            (60, 0.55),
            (1_000, 0.15),
            (2_125, 0.94),
            (250_000, 0.01),
            (1_000_000, 0.3),
            (u64::from(u32::MAX) * 4, 1e-9),
        ];
        for (case, &(n, p)) in cases.iter().enumerate() {
            let mut rng = stream_rng(2, case as u64, StreamKey::of("btrd"));
            let mut counts = std::collections::BTreeMap::<u64, u64>::new();
            for _ in 0..DRAWS {
                let k = binomial(&mut rng, n, p);
                assert!(k <= n);
                *counts.entry(k).or_default() += 1;
            }
            let exact = statrs::distribution::Binomial::new(p, n).unwrap();
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            let mean = n as f64 * p;
            let low = (mean - 8.0 * sd).max(0.0) as u64;
            let high = ((mean + 8.0 * sd) as u64).min(n);
            // Draws beyond 8 sd (probability below 1e-14) join the edge bins.
            let observed = |k: u64| -> f64 {
                let range = match k {
                    _ if k == low => 0..=k,
                    _ if k == high => k..=n,
                    _ => k..=k,
                };
                counts.range(range).map(|(_, &c)| c as f64).sum()
            };
            // (observed, expected) per bin; a last bin expecting under 20 joins the one
            // before it.
            let mut bins: Vec<(f64, f64)> = Vec::new();
            let mut open = (0.0, 0.0);
            for k in low..=high {
                open.0 += observed(k);
                open.1 += DRAWS as f64 * exact.pmf(k);
                if open.1 >= 20.0 {
                    bins.push(open);
                    open = (0.0, 0.0);
                }
            }
            let last = bins.last_mut().expect("at least 20 expected in all");
            (last.0, last.1) = (last.0 + open.0, last.1 + open.1);
            let chi2: f64 = bins.iter().map(|(o, e)| (o - e) * (o - e) / e).sum();
            let bins = bins.len();
            let p_value = ChiSquared::new((bins - 1) as f64).unwrap().sf(chi2);
            assert!(
                p_value > 1e-4,
                "n = {n}, p = {p}: chi2 {chi2} on {bins} bins"
            );
        }
    }

    #[test]
    fn certain_binomials_consume_no_randomness() {
        let key = StreamKey::of("x");
        let mut a = stream_rng(1, 0, key);
        let mut b = stream_rng(1, 0, key);
        assert_eq!(binomial(&mut a, 0, 0.5), 0);
        assert_eq!(binomial(&mut a, 10, 0.0), 0);
        assert_eq!(binomial(&mut a, 10, f64::NAN), 0);
        assert_eq!(binomial(&mut a, 10, 1.0), 10);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    /// Kept squarings give [`power`]'s bits, whatever the order of the `n`s asked
    /// for, across a change of `q`, and beyond the squarings kept.
    #[test]
    fn kept_squarings_give_the_bits_of_repeated_squaring() {
        let mut powers = Powers::new();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for q in [0.99, 0.5, 1.0 - 1e-9, 0.3, 0.99] {
            for _ in 0..2_000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Every size of n, from 1 bit to 40.
                let n = state >> (24 + state % 40);
                assert_eq!(
                    powers.power(q, n).to_bits(),
                    power(q, n).to_bits(),
                    "q = {q}, n = {n}"
                );
            }
        }
    }

    /// Draws with kept squarings are the plain draws, one by one.
    #[test]
    fn draws_with_kept_squarings_are_the_plain_draws() {
        let key = StreamKey::of("powers");
        let mut plain = stream_rng(4, 0, key);
        let mut kept = plain.clone();
        let mut powers = Powers::new();
        for i in 0..20_000u64 {
            let n = 1 + i % 900;
            let p = [0.004, 0.02, 0.75][(i % 3) as usize];
            assert_eq!(
                binomial_with(&mut kept, n, p, &mut powers),
                binomial(&mut plain, n, p)
            );
        }
        assert_eq!(kept.next_u64(), plain.next_u64());
    }

    #[test]
    fn power_is_repeated_multiplication() {
        assert_eq!(power(0.5, 0).to_bits(), 1f64.to_bits());
        assert_eq!(power(0.5, 10).to_bits(), (1.0f64 / 1024.0).to_bits());
        assert_eq!(power(0.0, 3).to_bits(), 0f64.to_bits());
        let (q, n) = (0.99f64, 999u64);
        assert!((power(q, n) / q.powf(n as f64) - 1.0).abs() < 1e-13);
    }
}
