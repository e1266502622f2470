//! `[[correlations]]` in the draws: the requested rank correlations within their
//! standard error, every marginal kept, every parameter outside the blocks drawn as
//! before, and pinned values. (The same bits for any thread count: `crate::run`'s
//! tests.)

use statrs::distribution::{ContinuousCDF, Normal};

use super::*;
use crate::distribution::Distribution;
use crate::scenario::{Correlation, Payment, Uncertain};
use crate::stats::spearman;

const CEILING: &str = "cohorts.c.uptake.ceiling";
const PASS_THROUGH: &str = "providers.trust.services.crisis.pass_through";
const BACKFILL: &str = "providers.trust.services.crisis.backfill";
const OTHER_INCOME: &str = "providers.trust.other_income";

/// The requested rank correlations of [`CEILING`], [`PASS_THROUGH`], [`BACKFILL`].
const RANK: [[f64; 3]; 3] = [[1.0, 0.6, -0.3], [0.6, 1.0, 0.0], [-0.3, 0.0, 1.0]];

/// Iterations of the statistical checks: the draws alone, no simulation, so cheap.
const N: u64 = 4_000;

/// One trust with a block service and one Bass cohort; ceiling, pass_through and
/// backfill (correlated below) and other_income (left out of every block) are
/// distributions, each inside its range so no draw is clamped (a clamp would tie
/// ranks).
fn uncorrelated() -> Scenario {
    let mut s = scenario(
        12,
        vec![provider(
            "trust",
            vec![block_service("trust", "crisis", 300.0, 1e6, 0.8)],
        )],
        vec![cohort("c", 100, bass_uptake("c", 0.01, 0.3), &[(0, 1.0)])],
    );
    s.cohorts[0].uptake.ceiling.dist = Distribution::Triangular {
        min: 0.2,
        mode: 0.3,
        max: 0.5,
    };
    let service = &mut s.providers[0].services[0];
    if let Payment::Block { pass_through, .. } = &mut service.payment {
        pass_through.dist = Distribution::Uniform { min: 0.6, max: 1.0 };
    }
    service.backfill.dist = Distribution::Pert {
        min: 0.1,
        mode: 0.2,
        max: 0.4,
    };
    s.providers[0].other_income.dist = Distribution::Normal { mean: 1e6, sd: 5e4 };
    s
}

fn correlated() -> Scenario {
    let mut s = uncorrelated();
    s.correlations = vec![
        Correlation::new(
            vec![CEILING.into(), PASS_THROUGH.into(), BACKFILL.into()],
            RANK.iter().map(|row| row.to_vec()).collect(),
        )
        .expect("valid"),
    ];
    s
}

/// Each parameter's draws over iterations `0..n`, by path.
fn draws(s: &Scenario, n: u64) -> std::collections::BTreeMap<String, Vec<f64>> {
    let mut out: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for i in 0..n {
        for (path, value) in DrawnParameters::draw(s, s.seed, i).values(s) {
            out.entry(path).or_default().push(value);
        }
    }
    out
}

fn parameter<'a>(s: &'a Scenario, path: &str) -> &'a Uncertain {
    s.uncertain_parameters()
        .into_iter()
        .find(|u| u.path == path)
        .expect("a parameter of the scenario")
}

/// The sample Spearman correlation of each pair lies within `Z` standard errors of the
/// requested one.
///
/// **Standard error.** Spearman's ρ is invariant under increasing maps, so the sample
/// ρ of the copula's draws is that of `n` pairs from a bivariate normal with
/// correlation `2 sin(π ρ_s / 6)`. For those, Fisher's `z = atanh(r_s)` is nearly
/// normal with variance `1.06 / (n − 3)` (Fieller, Hartley & Pearson 1957), and the
/// delta method (`dr/dz = 1 − r²`) gives `sd(r_s) ≈ (1 − ρ_s²) √(1.06 / (n − 3))`,
/// within 3% of the rule of thumb `(1 − ρ_s²) / √(n − 1)`. The sample ρ's bias,
/// `E r_s − ρ_s = O(1/n)` (about 1e-4 here), is far inside that.
#[test]
fn sample_rank_correlations_match_the_requested_ones() {
    let s = correlated();
    let drawn = draws(&s, N);
    let paths = [CEILING, PASS_THROUGH, BACKFILL];
    for i in 0..3 {
        for j in i + 1..3 {
            let rho = RANK[i][j];
            let sample = spearman(&drawn[paths[i]], &drawn[paths[j]]).expect("varies");
            let se = (1.0 - rho * rho) * (1.06 / (N as f64 - 3.0)).sqrt();
            assert!(
                (sample - rho).abs() < Z * se,
                "{} with {}: sample {sample}, requested {rho}, se {se}",
                paths[i],
                paths[j]
            );
        }
    }
    // Without the block the same pair is uncorrelated: the check has power.
    let independent = draws(&uncorrelated(), N);
    let sample = spearman(&independent[CEILING], &independent[PASS_THROUGH]).expect("varies");
    assert!(
        sample.abs() < Z * (1.06 / (N as f64 - 3.0)).sqrt(),
        "{sample}"
    );
}

/// Each correlated parameter keeps its distribution: the Kolmogorov–Smirnov distance
/// between its draws and its cdf is below the bound a correct sampler exceeds with
/// the suite's false-alarm probability `α = 2 (1 − Φ(Z))`. By Kolmogorov's limit law,
/// `P(√n D > λ) ≈ 2 e^{−2λ²}` at these tails, so `λ = √(ln(2 / α) / 2)` (2.28).
#[test]
fn correlated_parameters_keep_their_distributions() {
    let s = correlated();
    let drawn = draws(&s, N);
    let alpha = 2.0 * Normal::standard().sf(Z);
    let bound = ((2.0 / alpha).ln() / 2.0).sqrt() / (N as f64).sqrt();
    for path in [CEILING, PASS_THROUGH, BACKFILL] {
        let dist = &parameter(&s, path).dist;
        let mut sample = drawn[path].clone();
        sample.sort_by(f64::total_cmp);
        let n = sample.len() as f64;
        let distance = sample
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let f = dist.cdf(x);
                (f - k as f64 / n).max((k + 1) as f64 / n - f)
            })
            .fold(0.0, f64::max);
        assert!(distance < bound, "{path}: D = {distance}, bound {bound}");
    }
}

/// Parameters outside every block draw exactly what they drew without the blocks;
/// the members draw something else.
#[test]
fn parameters_outside_the_blocks_keep_their_draws() {
    let (with, without) = (correlated(), uncorrelated());
    let members = [CEILING, PASS_THROUGH, BACKFILL];
    let mut moved = 0;
    for i in 0..50 {
        let a = DrawnParameters::draw(&with, 1, i).values(&with);
        let b = DrawnParameters::draw(&without, 1, i).values(&without);
        for ((path, x), (_, y)) in a.iter().zip(&b) {
            if members.contains(&path.as_str()) {
                moved += usize::from(x.to_bits() != y.to_bits());
            } else {
                assert_eq!(x.to_bits(), y.to_bits(), "{path} in iteration {i}");
            }
        }
    }
    assert!(moved > 140, "the members' draws changed ({moved} of 150)");
    assert!(
        draws(&with, 1).contains_key(OTHER_INCOME),
        "the check covers a distribution outside the block"
    );
}

/// A member's normal score is the first `StandardNormal` variate of its own stream:
/// for a `normal` parameter the very variate its independent draw uses, so with zero
/// correlations its value is the independent one up to rounding.
#[test]
fn a_normal_member_uncorrelated_keeps_its_own_variate() {
    let mut s = correlated();
    s.correlations = vec![
        Correlation::new(
            vec![OTHER_INCOME.into(), CEILING.into()],
            vec![vec![1.0, 0.0], vec![0.0, 1.0]],
        )
        .expect("valid"),
    ];
    let plain = uncorrelated();
    for i in 0..20 {
        let joint = DrawnParameters::draw(&s, 3, i).providers[0].other_income;
        let alone = DrawnParameters::draw(&plain, 3, i).providers[0].other_income;
        assert!((joint - alone).abs() < 1e-9 * alone, "{joint} vs {alone}");
    }
}

/// Pins the copula's draws for one seed and iteration, so a change of the scores'
/// stream, of the factor or of the conversion is noticed in review (it changes the
/// results of every scenario with correlations). The tolerance allows only the last
/// bits that `exp` and `erfc` may differ in between platforms.
#[test]
fn correlated_draws_are_value_stable() {
    let s = correlated();
    let drawn = DrawnParameters::draw(&s, 20270401, 3);
    let pinned = [
        (drawn.cohorts[0].ceiling, 0.456_927_356_425_553_3),
        (
            drawn.services[0].block.as_ref().unwrap().pass_through,
            0.937_233_862_987_921_9,
        ),
        (drawn.services[0].backfill, 0.133_608_439_887_054_68),
    ];
    for (value, expected) in pinned {
        assert!((value - expected).abs() < 1e-12, "{value:?}");
    }
}
