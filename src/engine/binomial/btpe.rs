//! BTPE (Kachitvichyanukul and Schmeiser 1988), the binomial algorithm for means
//! `n·p` of 10 and more, transcribed from rand_distr 0.6's `binomial.rs`: the same
//! constants, the same uniforms in the same order, the same tests, so the same draws.
//!
//! The crate builds a `Binomial` (a `Result`, an enum, a checked conversion) and then
//! recomputes most of its constants in every `sample`; the engine needs one draw per
//! `(n, p)`, so here the constants are computed once, in one place. With cohorts of a
//! million people (every binomial of a month in this regime) the crate's version was
//! over half of the engine's instructions.

use std::cmp::Ordering;

use rand::Rng;
use rand::distr::{Distribution as _, Uniform};

/// Below this distance from the mode, the acceptance test evaluates the probability
/// ratio by recursion rather than by the squeeze (rand_distr's value, as GSL's).
const SQUEEZE_THRESHOLD: u64 = 20;

/// One draw of `Binomial(n, p)` for `0 < p <= 1/2` and `n·p >= 10`.
///
/// Never inlined: inlined, its many live values made every caller of the cheap
/// inversion path save and restore registers (about 5% more instructions).
#[allow(clippy::many_single_char_names)] // the names of the paper and of rand_distr
#[inline(never)]
pub(super) fn btpe<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    // Step 0: constants (rand_distr's `Binomial::new`, then the start of `btpe`).
    let q = 1.0 - p;
    let np = n as f64 * p;
    let npq = np * q;
    // Tip of the triangle and its half-width (the triangle's area, its height being 1).
    let p1 = (2.195 * npq.sqrt() - 4.6 * q).floor() + 0.5;
    let f_m = np + p;
    // The mode; `f_m` is at least 10 and below 2^64, so the conversion is exact.
    let m = f_m as u64;
    let x_m = m as f64 + 0.5;
    let x_l = x_m - p1;
    let x_r = x_m + p1;
    let c = 0.134 + 20.5 / (15.3 + m as f64);
    // Areas up to the end of the parallelograms, the left and the right tail.
    let p2 = p1 * (1.0 + 2.0 * c);
    let lambda = |a: f64| a * (1.0 + 0.5 * a);
    let lambda_l = lambda((f_m - x_l) / (f_m - x_l * p));
    let lambda_r = lambda((x_r - f_m) / (x_r * q));
    let p3 = p2 + c / lambda_l;
    let p4 = p3 + c / lambda_r;
    let gen_u = Uniform::new(0.0, p4).expect("p4 is positive and finite");
    let gen_v = Uniform::new(0.0, 1.0).expect("a valid range");

    loop {
        // Step 1: the region; in the triangle, the draw is accepted at once.
        let u = gen_u.sample(rng);
        let mut v = gen_v.sample(rng);
        let y;
        if u <= p1 {
            break (x_m - p1 * v + u) as u64;
        }
        if u <= p2 {
            // Step 2: the parallelograms.
            let x = x_l + (u - p1) / c;
            v = v * c + 1.0 - (x - x_m).abs() / p1;
            if v > 1.0 {
                continue;
            }
            y = x as u64;
        } else if u <= p3 {
            // Step 3: the left exponential tail.
            let y_tmp = x_l + v.ln() / lambda_l;
            if y_tmp < 0.0 {
                continue;
            }
            y = y_tmp as u64;
            v *= (u - p2) * lambda_l;
        } else {
            // Step 4: the right exponential tail (`as` saturates).
            y = (x_r - v.ln() / lambda_r) as u64;
            if y > n {
                continue;
            }
            v *= (u - p3) * lambda_r;
        }

        // Step 5.1: near the mode (or far out), f(y)/f(m) by recursion from the mode.
        let k = y.abs_diff(m);
        if k <= SQUEEZE_THRESHOLD || k as f64 >= 0.5 * npq - 1.0 {
            let s = p / q;
            let a = s * (n as f64 + 1.0);
            let mut f = 1.0;
            match m.cmp(&y) {
                Ordering::Less => {
                    for i in m + 1..=y {
                        f *= a / i as f64 - s;
                    }
                }
                Ordering::Greater => {
                    for i in y + 1..=m {
                        f /= a / i as f64 - s;
                    }
                }
                Ordering::Equal => {}
            }
            if v > f {
                continue;
            }
            break y;
        }

        // Step 5.2: squeeze ln(v) between bounds of ln(f(y)).
        let k = k as f64;
        let rho = (k / npq) * ((k * (k / 3.0 + 0.625) + 1.0 / 6.0) / npq + 0.5);
        let t = -0.5 * k * k / npq;
        let alpha = v.ln();
        if alpha < t - rho {
            break y;
        }
        if alpha > t + rho {
            continue;
        }

        // Step 5.3: the final test, with Stirling's correction (GSL's signs).
        let x1 = (y + 1) as f64;
        let f1 = (m + 1) as f64;
        let z = ((n - m) + 1) as f64;
        let w = ((n - y) + 1) as f64;
        let y_sub_m = if y > m {
            (y - m) as f64
        } else {
            -((m - y) as f64)
        };
        if alpha
            > x_m * (f1 / x1).ln()
                + (((n - m) as f64) + 0.5) * (z / w).ln()
                + y_sub_m * (w * p / (x1 * q)).ln()
                + stirling(f1)
                + stirling(z)
                - stirling(x1)
                - stirling(w)
        {
            continue;
        }
        break y;
    }
}

/// The correction term of Stirling's series used by step 5.3.
fn stirling(a: f64) -> f64 {
    let a2 = a * a;
    (13860.0 - (462.0 - (132.0 - (99.0 - 140.0 / a2) / a2) / a2) / a2) / a / 166320.0
}
