//! `[[correlations]]`: blocks of uncertain parameters whose draws move together, with
//! the Spearman rank correlations asked for (SPEC section 3).
//!
//! ```toml
//! [[correlations]]
//! paths = ["cohorts.frequent-crisis.uptake.ceiling", "providers.trust.services.cmht.pass_through"]
//! rank = [[1, 0.6], [0.6, 1]]
//! ```
//!
//! A validated [`Correlation`] holds its members' paths and stream keys, the matrix as
//! written, and its [`GaussianCopula`] factored once. In each iteration
//! [`Correlation::quantiles`] turns the members' normal scores into correlated
//! quantiles: member `k`'s score is the **first standard normal variate of its own
//! stream** (seed, iteration, path), drawn with `rand_distr`'s `StandardNormal` (the
//! same variate its independent draw would use were it a `normal`, `interval` or
//! `lognormal`). Each member's value is then its own quantile at that point, clamped to
//! its range ([`Uncertain::at_quantile`]). A draw of a member thus depends on (seed,
//! iteration) and the paths of its block, never on other iterations; every parameter
//! outside a block keeps its independent draw.

use rand_distr::{Distribution as _, StandardNormal};

use crate::distribution::copula::{GaussianCopula, NotPositiveDefinite};
use crate::rng::{StreamKey, stream_rng};
use crate::scenario::types::Uncertain;

/// One `[[correlations]]` block, validated: at least one member, each an uncertain
/// parameter of the scenario and in no other block, with a positive definite matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    paths: Vec<String>,
    keys: Vec<StreamKey>,
    rank: Vec<Vec<f64>>,
    copula: GaussianCopula,
}

/// What is wrong with a block's matrix; positions are members, in `paths` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFault {
    /// It is not a square matrix with one row and one column per path.
    Shape,
    /// `rank[row][column]` differs from `rank[column][row]` (`row < column`).
    Asymmetric { row: usize, column: usize },
    /// `rank[member][member]` is not 1.
    Diagonal { member: usize },
    /// `rank[row][column]` is outside [−1, 1].
    OutOfRange { row: usize, column: usize },
    /// The Pearson matrix of the Gaussian copula is not positive definite: see
    /// [`NotPositiveDefinite`].
    NotPositiveDefinite { member: usize },
}

/// Every fault of `rank` as the matrix of `size` paths, in row order; the positive
/// definiteness is judged only when nothing else is wrong.
pub fn matrix_faults(size: usize, rank: &[Vec<f64>]) -> Vec<MatrixFault> {
    if rank.len() != size || rank.iter().any(|row| row.len() != size) {
        return vec![MatrixFault::Shape];
    }
    let mut faults = Vec::new();
    for (row, values) in rank.iter().enumerate() {
        for (column, &value) in values.iter().enumerate() {
            if row == column {
                // Exactly 1: a diagonal is the correlation of a parameter with itself.
                if (value - 1.0).abs() > 0.0 {
                    faults.push(MatrixFault::Diagonal { member: row });
                }
            } else if !(-1.0..=1.0).contains(&value) {
                faults.push(MatrixFault::OutOfRange { row, column });
            } else if row < column && (value - rank[column][row]).abs() > 0.0 {
                faults.push(MatrixFault::Asymmetric { row, column });
            }
        }
    }
    if faults.is_empty()
        && let Err(NotPositiveDefinite { member }) = GaussianCopula::from_spearman(rank)
    {
        faults.push(MatrixFault::NotPositiveDefinite { member });
    }
    faults
}

impl Correlation {
    /// A block of the parameters at `paths` with Spearman rank correlations `rank`
    /// (`rank[i][j]` between `paths[i]` and `paths[j]`), or the first fault of the
    /// matrix. Whether the paths name uncertain parameters is the scenario's to check.
    pub fn new(paths: Vec<String>, rank: Vec<Vec<f64>>) -> Result<Correlation, MatrixFault> {
        if let Some(&fault) = matrix_faults(paths.len(), &rank).first() {
            return Err(fault);
        }
        let copula = GaussianCopula::from_spearman(&rank)
            .expect("matrix_faults judged it positive definite");
        Ok(Correlation {
            keys: paths.iter().map(|p| StreamKey::of(p)).collect(),
            paths,
            rank,
            copula,
        })
    }

    /// The members' paths, as written.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The Spearman rank correlations, as written, row by row.
    pub fn rank(&self) -> &[Vec<f64>] {
        &self.rank
    }

    /// The block's copula.
    pub fn copula(&self) -> &GaussianCopula {
        &self.copula
    }

    /// The position of the member at `path`, if it is one.
    pub fn member(&self, path: &str) -> Option<usize> {
        self.paths.iter().position(|p| p == path)
    }

    /// This block with member `member` known to be at quantile `quantile` of its
    /// distribution: the other members are drawn from the conditional distribution
    /// given it (see [`GaussianCopula::given`]). For one-way sensitivity.
    pub fn given(&self, member: usize, quantile: f64) -> Correlation {
        Correlation {
            copula: self.copula.given(member, quantile),
            ..self.clone()
        }
    }

    /// The members' stream keys and quantiles in `iteration`, in `paths` order.
    pub fn quantiles(&self, seed: u64, iteration: u64) -> Vec<(StreamKey, f64)> {
        let scores: Vec<f64> = self
            .keys
            .iter()
            .map(|&key| StandardNormal.sample(&mut stream_rng(seed, iteration, key)))
            .collect();
        let mut quantiles = vec![0.0; scores.len()];
        self.copula.quantiles(&scores, &mut quantiles);
        self.keys.iter().copied().zip(quantiles).collect()
    }
}

impl Uncertain {
    /// Its value at quantile `p` of its distribution, clamped to its range as a draw
    /// is: a correlated parameter's draw, or a percentile of one-way sensitivity. A
    /// plain number is its own value at every `p`.
    pub fn at_quantile(&self, p: f64) -> f64 {
        self.range.clamp(self.dist.quantile(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two(rank: f64) -> Vec<Vec<f64>> {
        vec![vec![1.0, rank], vec![rank, 1.0]]
    }

    #[test]
    fn every_fault_of_a_matrix_is_listed() {
        assert_eq!(matrix_faults(2, &two(0.6)), []);
        assert_eq!(matrix_faults(3, &two(0.6)), [MatrixFault::Shape]);
        assert_eq!(
            matrix_faults(2, &[vec![1.0, 0.6], vec![0.6]]),
            [MatrixFault::Shape]
        );
        let rank = vec![
            vec![0.9, 0.5, 1.5],
            vec![0.4, 1.0, 0.1],
            vec![1.5, 0.1, 1.0],
        ];
        assert_eq!(
            matrix_faults(3, &rank),
            [
                MatrixFault::Diagonal { member: 0 },
                MatrixFault::Asymmetric { row: 0, column: 1 },
                MatrixFault::OutOfRange { row: 0, column: 2 },
                MatrixFault::OutOfRange { row: 2, column: 0 },
            ]
        );
        assert_eq!(
            matrix_faults(2, &two(-1.0)),
            [MatrixFault::NotPositiveDefinite { member: 1 }]
        );
    }

    #[test]
    fn a_block_knows_its_members_and_keys() {
        let block = Correlation::new(vec!["a.x".into(), "b.y".into()], two(0.3)).expect("valid");
        assert_eq!(block.member("b.y"), Some(1));
        assert_eq!(block.member("c"), None);
        let drawn = block.quantiles(5, 2);
        assert_eq!(drawn[0].0, StreamKey::of("a.x"));
        assert_eq!(drawn[1].0, StreamKey::of("b.y"));
        assert!(drawn.iter().all(|(_, u)| *u > 0.0 && *u < 1.0));
        assert_eq!(
            Correlation::new(vec!["a".into()], two(0.3)),
            Err(MatrixFault::Shape)
        );
    }
}
