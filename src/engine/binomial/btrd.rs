//! BTRD, "transformed rejection with decomposition" (W. Hörmann, The generation of
//! binomial random variates, J. Statist. Comput. Simul. 46, 1993), the binomial
//! algorithm for means `n·p` of 10 and more; Boost.Random uses it too.
//!
//! Why not BTPE, rand_distr's algorithm: the engine draws once per `(n, p)`, and
//! BTPE's set-up (five divisions, several conversions) and its two uniforms per
//! attempt cost about 430 instructions a draw; with cohorts of a million people, where
//! five of a cohort's monthly binomials are in this regime, that was over half of the
//! engine. BTRD's set-up is one square root and three divisions, and many draws (40%
//! at a mean of 10, three quarters at 5,000, 86% in the limit) are accepted on one
//! uniform with no logarithm: about 215 instructions a draw on that scenario.
//!
//! The algorithm is exact, a rejection method, up to floating-point rounding and the
//! truncation of Stirling's series in its last test (below 1e-10 relative, as in
//! BTPE's); the steps below are numbered as in the paper, and `super::tests` checks
//! the draws against the binomial distribution by chi-square.

use rand::{Rng, RngExt as _};

/// `fc(k) = ln k! − [(k + 1/2)·ln(k + 1) − (k + 1) + ln(2π)/2]`, the error of
/// Stirling's formula, for k = 0..9 (below 10 its series converges too slowly).
const STIRLING_TAIL: [f64; 10] = [
    0.081_061_466_795_327_26,
    0.041_340_695_955_409_29,
    0.027_677_925_684_998_34,
    0.020_790_672_103_765_09,
    0.016_644_691_189_821_19,
    0.013_876_128_823_070_75,
    0.011_896_709_945_891_77,
    0.010_411_265_261_972_09,
    0.009_255_462_182_712_733,
    0.008_330_563_433_362_87,
];

/// `fc(k)` (see [`STIRLING_TAIL`]): the table, then the first three terms of the series
/// `1/(12(k+1)) − 1/(360(k+1)^3) + 1/(1260(k+1)^5)`.
fn stirling_tail(k: u64) -> f64 {
    if k < 10 {
        STIRLING_TAIL[k as usize]
    } else {
        let t = 1.0 / (k as f64 + 1.0);
        let t2 = t * t;
        (1.0 / 12.0 - (1.0 / 360.0 - t2 / 1260.0) * t2) * t
    }
}

/// `ln(f(k) / f(m))` for the binomial probabilities `f` with `r = p/(1−p)` and the mode
/// `m`, from Stirling's formula with [`stirling_tail`] (steps 3.3 and 3.4).
///
/// Cold and out of line: a few percent of draws get here, and inlined, the compiler
/// hoisted its first logarithm into the set-up of every draw.
#[cold]
#[inline(never)]
fn ln_ratio_to_mode(n: u64, m: u64, k: u64, r: f64) -> f64 {
    let nm = (n - m + 1) as f64;
    let nk = (n - k + 1) as f64;
    let (mf, kf) = (m as f64, k as f64);
    let h = (mf + 0.5) * ((mf + 1.0) / (r * nm)).ln() + stirling_tail(m) + stirling_tail(n - m);
    h + (n as f64 + 1.0) * (nm / nk).ln() + (kf + 0.5) * (nk * r / (kf + 1.0)).ln()
        - stirling_tail(k)
        - stirling_tail(n - k)
}

/// Beyond this distance from the mode, step 3.2's squeeze replaces the recursion.
const RECURSION_UP_TO: u64 = 15;

/// One draw of `Binomial(n, p)` for `0 < p <= 1/2` and `n·p >= 10`.
///
/// Never inlined: its many live values would otherwise make every caller of the cheap
/// inversion path save and restore registers.
#[inline(never)]
#[allow(clippy::many_single_char_names)] // the names of the paper
pub(super) fn btrd<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    // Step 0: set-up.
    let nf = n as f64;
    let q = 1.0 - p;
    // `as` truncates, which is the floor of the non-negative values it is given here,
    // in a few instructions where `floor` is a library call on x86-64 without SSE4.1.
    let m = ((nf + 1.0) * p) as u64;
    let r = p / q;
    let nr = (nf + 1.0) * r;
    let npq = nf * p * q;
    let sqrt_npq = npq.sqrt();
    let b = 1.15 + 2.53 * sqrt_npq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let alpha = (2.83 + 5.1 / b) * sqrt_npq;
    let v_r = 0.92 - 4.2 / b;
    let u_rv_r = 0.86 * v_r;

    loop {
        // Step 1: the centre, accepted at once; its value is at least
        // `n·p − 1.86·sqrt(n·p·q) > 4`, so truncating is flooring.
        let mut v: f64 = rng.random();
        if v <= u_rv_r {
            let u = v / v_r - 0.43;
            return ((2.0 * a / (0.5 - u.abs()) + b) * u + c) as u64;
        }
        // Step 2: a new point (u, v) for the rejection test.
        let u = if v >= v_r {
            rng.random::<f64>() - 0.5
        } else {
            let u = v / v_r - 0.93;
            v = rng.random::<f64>() * v_r;
            (if u < 0.0 { -0.5 } else { 0.5 }) - u
        };
        // Step 3.0: the candidate k, and v scaled to the hat.
        let us = 0.5 - u.abs();
        let x = (2.0 * a / us + b) * u + c;
        if x < 0.0 {
            continue;
        }
        let k = x as u64;
        if k > n {
            continue;
        }
        v *= alpha / (a / (us * us) + b);
        let km = k.abs_diff(m);
        if km <= RECURSION_UP_TO {
            // Step 3.1: f(k)/f(m) by recursion from the mode.
            let mut f = 1.0;
            if m < k {
                for i in m + 1..=k {
                    f *= nr / i as f64 - r;
                }
            } else {
                for i in k + 1..=m {
                    v *= nr / i as f64 - r;
                }
            }
            if v <= f {
                return k;
            }
            continue;
        }
        // Step 3.2: squeeze ln(v) between bounds of ln(f(k)/f(m)).
        let v = v.ln();
        let km = km as f64;
        let rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
        let t = -km * km / (2.0 * npq);
        if v < t - rho {
            return k;
        }
        if v > t + rho {
            continue;
        }
        // Steps 3.3 and 3.4: the final test.
        let bound = ln_ratio_to_mode(n, m, k, r);
        if v <= bound {
            return k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is `fc` computed from `ln k!` directly, to rounding (1e-13 covers
    /// the sums of logarithms); from k = 10 the series is within its first omitted
    /// term, `1/(1680 (k+1)^7)` (3e-11 at k = 10).
    #[test]
    fn stirling_tail_is_the_error_of_stirlings_formula() {
        let fc = |k: u64| {
            let ln_factorial: f64 = (1..=k).map(|i| (i as f64).ln()).sum();
            let x = k as f64 + 1.0;
            ln_factorial - ((x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln())
        };
        for k in 0..30 {
            let tolerance = if k < 10 {
                1e-13
            } else {
                1.0 / (1680.0 * (k as f64 + 1.0).powi(7)) + 1e-13
            };
            assert!((stirling_tail(k) - fc(k)).abs() < tolerance, "k = {k}");
        }
    }

    /// The final test's bound is `ln f(k) − ln f(m)`, here from statrs's log-pmf. At
    /// n = 10^6 that subtracts log-gammas near 1e7, whose rounding is about 1e-8, so
    /// 1e-6 is the tolerance; a wrong term is off by far more.
    #[test]
    fn final_test_bound_is_the_log_probability_ratio() {
        use statrs::distribution::Discrete;
        for (n, p, k) in [
            (1_000u64, 0.15, 100u64),
            (1_000, 0.15, 200),
            (60, 0.45, 10),
            (250_000, 0.01, 2_600),
            (1_000_000, 0.3, 300_500),
            (1_000_000, 0.3, 299_000),
        ] {
            let m = ((n as f64 + 1.0) * p).floor() as u64;
            let exact = statrs::distribution::Binomial::new(p, n).unwrap();
            let ratio = exact.ln_pmf(k) - exact.ln_pmf(m);
            let bound = ln_ratio_to_mode(n, m, k, p / (1.0 - p));
            assert!(
                (bound - ratio).abs() < 1e-6,
                "n = {n}, k = {k}: {bound} vs {ratio}"
            );
        }
    }
}
