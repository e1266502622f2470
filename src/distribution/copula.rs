//! The Gaussian copula behind `[[correlations]]`: how independent normal scores
//! become quantiles whose ranks are correlated as asked, leaving every marginal
//! distribution alone.
//!
//! A block of `m` parameters asks for Spearman rank correlations `ρ_s`. For a Gaussian
//! copula the Pearson correlation of the normal scores that gives rank correlation
//! `ρ_s` is `ρ = 2 sin(π ρ_s / 6)` (Pearson 1907; Kruskal 1958), so the scores' matrix
//! `R` is converted entry by entry and factored once, `R = L Lᵀ` (Cholesky). In each
//! iteration the block's independent standard normal scores `z` become `x = L z`
//! (each `x_k` is again standard normal, and `corr(x) = R`), then `u_k = Φ(x_k)`, a
//! uniform quantile; each parameter's own quantile function turns `u_k` into its value.
//! Since `u_k` is uniform whatever the correlations, each parameter keeps exactly its
//! distribution; only the ranks move together.
//!
//! A member may be *given* (one-way sensitivity fixes a parameter at a percentile):
//! member `j` at quantile `u_j` has score `x_j = Φ⁻¹(u_j)`, and the others are drawn
//! from the conditional normal given it, mean `R_kj x_j` and covariance
//! `R_{−j,−j} − R_{−j,j} R_{j,−j}`. That is what factoring `R` with `j` first gives:
//! its first column is `R_{·j}` and the rest factors the conditional covariance, so
//! replacing `z_j` by `x_j` conditions the block with the same scores.
//!
//! Everything here is pure arithmetic on scores passed in: where the scores come from
//! (each parameter's own random stream) is the caller's
//! (`crate::scenario::Correlation`).

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

/// The smallest pivot the Cholesky factor of a block's Pearson matrix may have: below
/// it the matrix is not positive definite, or so nearly singular that one parameter
/// would be a function of the others (a rank correlation of exactly ±1 gives a pivot of
/// about 2e-16 after the conversion's rounding). A rank correlation of 0.999999 still
/// passes (pivot about 2e-6).
pub const MIN_PIVOT: f64 = 1e-9;

/// The Pearson correlation of two standard normal scores whose Gaussian copula has
/// Spearman rank correlation `rank`: `2 sin(π rank / 6)`. It keeps 0, ±0.5 ↦ ±0.5176 and
/// ±1 ↦ ±1 (up to rounding), and is never more than 0.0181 from `rank`.
pub fn pearson_of_spearman(rank: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rank / 6.0).sin()
}

/// The standard normal cdf `Φ(x) = erfc(−x/√2) / 2`.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The largest double below 1: a quantile is kept in `[MIN_POSITIVE, BELOW_ONE]` so
/// that every distribution's quantile function returns a finite value (`quantile(1)`
/// of a normal or gamma is infinite). `Φ(x)` rounds to 1 only for `x > 8.3`, a chance
/// of 5e-17 per draw.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// Why a block's rank correlations describe no joint distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPositiveDefinite {
    /// The first member (file order) whose Cholesky pivot is below [`MIN_PIVOT`]: it
    /// is (nearly) determined by the members before it, or contradicts them.
    pub member: usize,
}

/// A square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
struct Square {
    size: usize,
    values: Vec<f64>,
}

impl Square {
    fn at(&self, row: usize, column: usize) -> f64 {
        self.values[row * self.size + column]
    }

    /// This matrix with rows and columns taken in `order`.
    fn permuted(&self, order: &[usize]) -> Square {
        let size = self.size;
        let values = (0..size * size)
            .map(|k| self.at(order[k / size], order[k % size]))
            .collect();
        Square { size, values }
    }

    /// The lower-triangular Cholesky factor `L` (`self = L Lᵀ`) of a symmetric matrix,
    /// and the first row whose pivot `L_kk²` was below [`MIN_PIVOT`] if any. Such a
    /// row's diagonal and the column below it are set to 0 (the factor of the nearest
    /// positive semidefinite matrix in that direction), so the factor is always usable.
    fn cholesky(&self) -> (Square, Option<usize>) {
        let n = self.size;
        let mut l = vec![0.0; n * n];
        let mut first_bad = None;
        for k in 0..n {
            let pivot = self.at(k, k) - (0..k).map(|c| l[k * n + c] * l[k * n + c]).sum::<f64>();
            if pivot < MIN_PIVOT {
                first_bad.get_or_insert(k);
                continue;
            }
            let diagonal = pivot.sqrt();
            l[k * n + k] = diagonal;
            for r in k + 1..n {
                let dot: f64 = (0..k).map(|c| l[r * n + c] * l[k * n + c]).sum();
                l[r * n + k] = (self.at(r, k) - dot) / diagonal;
            }
        }
        (Square { size: n, values: l }, first_bad)
    }
}

/// A member whose quantile is known (one-way sensitivity's fixed percentile).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Given {
    member: usize,
    quantile: f64,
    score: f64,
}

/// A block's Gaussian copula, factored once (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianCopula {
    /// Pearson correlations of the normal scores, members in file order.
    pearson: Square,
    /// The order the factor takes the members in: file order, or a given member first.
    order: Vec<usize>,
    /// Cholesky factor of `pearson` permuted into `order`.
    factor: Square,
    given: Option<Given>,
}

impl GaussianCopula {
    /// The copula of a square, symmetric matrix of Spearman rank correlations with a
    /// unit diagonal (the caller's checks), or which member makes its Pearson matrix
    /// not positive definite.
    pub fn from_spearman(rank: &[Vec<f64>]) -> Result<Self, NotPositiveDefinite> {
        let size = rank.len();
        let values = (0..size * size)
            .map(|k| {
                let (row, column) = (k / size, k % size);
                if row == column {
                    1.0
                } else {
                    pearson_of_spearman(rank[row][column])
                }
            })
            .collect();
        let pearson = Square { size, values };
        let (factor, bad) = pearson.cholesky();
        if let Some(member) = bad {
            return Err(NotPositiveDefinite { member });
        }
        Ok(GaussianCopula {
            pearson,
            order: (0..size).collect(),
            factor,
            given: None,
        })
    }

    /// The number of members.
    pub fn size(&self) -> usize {
        self.pearson.size
    }

    /// The Pearson correlation of members `i` and `j`'s normal scores.
    pub fn pearson(&self, i: usize, j: usize) -> f64 {
        self.pearson.at(i, j)
    }

    /// This copula with member `member` known to lie at quantile `quantile` (in (0, 1)):
    /// the others are then drawn from the conditional normal given its score
    /// `Φ⁻¹(quantile)`, with their own scores.
    pub fn given(&self, member: usize, quantile: f64) -> GaussianCopula {
        let quantile = quantile.clamp(f64::MIN_POSITIVE, BELOW_ONE);
        let order: Vec<usize> = std::iter::once(member)
            .chain((0..self.size()).filter(|&k| k != member))
            .collect();
        // A validated matrix stays positive definite in any order; a pivot lost to
        // rounding is set to 0 (see `Square::cholesky`).
        let (factor, _) = self.pearson.permuted(&order).cholesky();
        GaussianCopula {
            pearson: self.pearson.clone(),
            order,
            factor,
            given: Some(Given {
                member,
                quantile,
                score: Normal::standard().inverse_cdf(quantile),
            }),
        }
    }

    /// Each member's quantile, in file order, from the members' independent standard
    /// normal `scores` (file order): `Φ((L z)_k)`, kept inside (0, 1). A given member's
    /// quantile is the one it was given, and its score replaces its own.
    ///
    /// # Panics
    /// If `scores` or `out` do not have one entry per member.
    pub fn quantiles(&self, scores: &[f64], out: &mut [f64]) {
        let n = self.size();
        assert!(scores.len() == n && out.len() == n, "one score per member");
        let score = |member: usize| match self.given {
            Some(given) if given.member == member => given.score,
            _ => scores[member],
        };
        for (row, &member) in self.order.iter().enumerate() {
            let x: f64 = self.order[..=row]
                .iter()
                .enumerate()
                .map(|(column, &other)| self.factor.at(row, column) * score(other))
                .sum();
            out[member] = match self.given {
                Some(given) if given.member == member => given.quantile,
                _ => normal_cdf(x).clamp(f64::MIN_POSITIVE, BELOW_ONE),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Vec<Vec<f64>> {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    /// Kruskal's relation at the points where it is known in closed form, and its
    /// largest gap from the identity (at |ρ_s| ≈ 0.5756, about 0.0181).
    #[test]
    fn spearman_converts_to_pearson() {
        assert_eq!(pearson_of_spearman(0.0).to_bits(), 0f64.to_bits());
        assert!((pearson_of_spearman(1.0) - 1.0).abs() < 1e-15);
        assert!((pearson_of_spearman(-1.0) + 1.0).abs() < 1e-15);
        // 2 sin(π/12) = (√6 − √2) / 2.
        let half = (6f64.sqrt() - 2f64.sqrt()) / 2.0;
        assert!((pearson_of_spearman(0.5) - half).abs() < 1e-15);
        let gap = (0..=1000)
            .map(|k| {
                let r = f64::from(k) / 1000.0;
                pearson_of_spearman(r) - r
            })
            .fold(0.0, f64::max);
        assert!((gap - 0.0181).abs() < 1e-4, "{gap}");
    }

    /// To the accuracy of statrs's erfc, about 5e-11 relative (see the clamped moments
    /// of `crate::distribution`): far below anything a rank can notice.
    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-10);
        assert!((normal_cdf(-1.281_551_565_544_600_4) / 0.1 - 1.0).abs() < 1e-10);
    }

    /// The factor reproduces the Pearson matrix: `L Lᵀ = R`.
    #[test]
    fn the_factor_reproduces_the_matrix() {
        let rank = matrix(&[&[1.0, 0.6, -0.3], &[0.6, 1.0, 0.2], &[-0.3, 0.2, 1.0]]);
        let copula = GaussianCopula::from_spearman(&rank).expect("positive definite");
        let l = &copula.factor;
        for (i, row) in rank.iter().enumerate() {
            for (j, &entry) in row.iter().enumerate() {
                let product: f64 = (0..3).map(|k| l.at(i, k) * l.at(j, k)).sum();
                let expected = if i == j {
                    1.0
                } else {
                    pearson_of_spearman(entry)
                };
                assert!((product - expected).abs() < 1e-14, "({i}, {j})");
            }
        }
    }

    /// Correlations that contradict each other, or tie two parameters exactly, are
    /// refused with the member where the factor breaks down.
    #[test]
    fn a_matrix_that_is_not_positive_definite_is_refused() {
        // a with b and a with c strongly positive, b with c strongly negative.
        let rank = matrix(&[&[1.0, 0.9, 0.9], &[0.9, 1.0, -0.9], &[0.9, -0.9, 1.0]]);
        assert_eq!(
            GaussianCopula::from_spearman(&rank),
            Err(NotPositiveDefinite { member: 2 })
        );
        let tied = matrix(&[&[1.0, 1.0], &[1.0, 1.0]]);
        assert_eq!(
            GaussianCopula::from_spearman(&tied),
            Err(NotPositiveDefinite { member: 1 })
        );
        let nearly = matrix(&[&[1.0, 0.999_999], &[0.999_999, 1.0]]);
        assert!(GaussianCopula::from_spearman(&nearly).is_ok());
    }

    /// Without correlation each member's quantile is `Φ` of its own score.
    #[test]
    fn uncorrelated_members_keep_their_own_scores() {
        let copula =
            GaussianCopula::from_spearman(&matrix(&[&[1.0, 0.0], &[0.0, 1.0]])).expect("identity");
        let mut out = [0.0; 2];
        copula.quantiles(&[0.3, -1.2], &mut out);
        assert_eq!(out[0].to_bits(), normal_cdf(0.3).to_bits());
        assert_eq!(out[1].to_bits(), normal_cdf(-1.2).to_bits());
    }

    /// A given member keeps its quantile exactly; a partner's score is
    /// `ρ x_j + √(1 − ρ²) z_k`, the conditional normal's mean plus its sd times its
    /// own score.
    #[test]
    fn a_given_member_conditions_the_others() {
        let copula = GaussianCopula::from_spearman(&matrix(&[&[1.0, 0.7], &[0.7, 1.0]]))
            .expect("positive definite");
        let rho = pearson_of_spearman(0.7);
        let given = copula.given(0, 0.1);
        let x_given = Normal::standard().inverse_cdf(0.1);
        let mut out = [0.0; 2];
        for z in [-2.0, 0.0, 0.5] {
            given.quantiles(&[1.7, z], &mut out);
            assert_eq!(out[0].to_bits(), 0.1f64.to_bits());
            let expected = normal_cdf(rho * x_given + (1.0 - rho * rho).sqrt() * z);
            assert!((out[1] - expected).abs() < 1e-15, "{z}");
        }
        // Given the second member instead: the same relation the other way round.
        let second = copula.given(1, 0.9);
        second.quantiles(&[0.25, -3.0], &mut out);
        assert_eq!(out[1].to_bits(), 0.9f64.to_bits());
        let x = Normal::standard().inverse_cdf(0.9);
        let expected = normal_cdf(rho * x + (1.0 - rho * rho).sqrt() * 0.25);
        assert!((out[0] - expected).abs() < 1e-15);
    }

    /// With three members, the two free ones have the conditional covariance
    /// `R_{−j,−j} − R_{−j,j} R_{j,−j}`: the factor of the permuted matrix gives it.
    #[test]
    fn the_conditional_covariance_is_the_schur_complement() {
        let rank = matrix(&[&[1.0, 0.5, 0.3], &[0.5, 1.0, 0.4], &[0.3, 0.4, 1.0]]);
        let copula = GaussianCopula::from_spearman(&rank).expect("positive definite");
        let given = copula.given(1, 0.5);
        assert_eq!(given.order, [1, 0, 2]);
        let l = &given.factor;
        let r = |i: usize, j: usize| copula.pearson(i, j);
        // Rows 1 and 2 of the factor, without the given member's column 0.
        for (a, i) in [(1, 0), (2, 2)] {
            for (b, j) in [(1, 0), (2, 2)] {
                let covariance: f64 = (1..3).map(|k| l.at(a, k) * l.at(b, k)).sum();
                let schur = r(i, j) - r(i, 1) * r(1, j);
                assert!((covariance - schur).abs() < 1e-14, "({i}, {j})");
            }
            assert!(
                (l.at(a, 0) - r(i, 1)).abs() < 1e-15,
                "mean coefficient of {i}"
            );
        }
    }

    /// Extreme scores still give a quantile strictly inside (0, 1).
    #[test]
    fn quantiles_stay_inside_the_unit_interval() {
        let copula = GaussianCopula::from_spearman(&matrix(&[&[1.0]])).expect("one member");
        let mut out = [0.0];
        copula.quantiles(&[40.0], &mut out);
        assert!(out[0] < 1.0);
        copula.quantiles(&[-40.0], &mut out);
        assert!(out[0] > 0.0);
    }
}
