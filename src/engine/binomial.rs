//! Exact `Binomial(n, p)` draws, the engine's most frequent random variate, at the
//! price of the draw alone.
//!
//! `rand_distr::Binomial::new` picks an algorithm by the mean `n·min(p, 1−p)`: below
//! 10 the inversion algorithm BINV (Kachitvichyanukul and Schmeiser 1988), whose
//! constant `(1−p)^n` it computes with `powf`; otherwise BTPE. The engine draws a new
//! `(n, p)` in almost every call (a cohort's holder count changes every month), and on
//! the national scenario that `powf` was a fifth of all the engine's instructions,
//! more than the draws themselves. So BINV is done here with `(1−p)^n` by repeated
//! squaring, and everything else (BTPE, and the Poisson limit for `p` below
//! `2^-53`) is left to the crate.
//!
//! BINV here is the crate's, step for step: same choice of algorithm, same uniform
//! per attempt, same restart rule, same flip for `p > 0.5`. Only `(1−p)^n` is rounded
//! differently (by at most about `n` units in the last place, as the crate's own
//! rounding of `1−p` already is), so the draws equal the crate's except when a
//! uniform falls within that rounding of a boundary of the cumulative distribution;
//! `tests` checks them draw for draw.

use rand::{Rng, RngExt as _};
use rand_distr::{Binomial, Distribution as _};

/// The crate's switch from BINV to BTPE, on `n·min(p, 1−p)`.
const BINV_BELOW_MEAN: f64 = 10.0;

/// The crate's restart point of BINV: a count this far out (31 standard deviations at
/// the largest BINV mean) only arises from rounding at the end of the distribution.
const BINV_MAX_X: u64 = 110;

/// `Binomial(n, p)`, consuming no randomness when the outcome is certain (n = 0, p = 0
/// or p = 1; also p NaN, taken as 0).
pub(crate) fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let flipped = p > 0.5;
    let small = if flipped { 1.0 - p } else { p };
    let q = 1.0 - small;
    // `q` rounds to 1 (it never exceeds it) where the crate switches to its Poisson
    // limit.
    if n as f64 * small >= BINV_BELOW_MEAN || q >= 1.0 {
        return Binomial::new(n, p)
            .expect("p is strictly between 0 and 1")
            .sample(rng);
    }
    let x = binv(rng, n, small, q);
    if flipped { n - x } else { x }
}

/// BINV for `0 < p <= 1/2` with `n·p < 10`: walks the cumulative distribution from 0
/// with the ratio `P(x) / P(x−1) = a/x − s` until one uniform is used up.
fn binv<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, q: f64) -> u64 {
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let start = power(q, n);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKey, stream_rng};

    /// Draw for draw the crate's `Binomial`, in both of its algorithms and on both
    /// sides of p = 1/2, and the generator is left in the same state. The draws could
    /// differ where `(1−p)^n`'s rounding matters, with a chance of order 1e-14 per
    /// draw, i.e. never in these 200,000.
    #[test]
    fn draws_equal_rand_distr() {
        let cases = [
            (1, 0.3),
            (5, 0.01),
            (7, 0.5),
            (12, 0.94),
            (250, 0.01),
            (250, 0.039),
            (999, 0.0099),
            (40, 0.6),
            (1_000, 0.0005),
            (3_000_000, 2e-6),
            (1_000, 0.15),
            (100_000, 0.01),
            (100_000, 0.999_99),
            (u64::from(u32::MAX) * 4, 1e-9),
            (20, 1.0 - 1e-12),
            (30, 1e-300),
            (9, 0.999),
            (19, 0.5),
            (21, 0.5),
            (2, 0.75),
        ];
        for (case, &(n, p)) in cases.iter().enumerate() {
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

    #[test]
    fn power_is_repeated_multiplication() {
        assert_eq!(power(0.5, 0).to_bits(), 1f64.to_bits());
        assert_eq!(power(0.5, 10).to_bits(), (1.0f64 / 1024.0).to_bits());
        assert_eq!(power(0.0, 3).to_bits(), 0f64.to_bits());
        let (q, n) = (0.99f64, 999u64);
        assert!((power(q, n) / q.powf(n as f64) - 1.0).abs() < 1e-13);
    }
}
