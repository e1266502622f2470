//! Convergence diagnostics of several chains of equal length: the effective sample
//! size (Geyer's initial monotone sequence on the autocorrelations combined across
//! chains, as Stan computes it) and the split R-hat (Gelman et al., Bayesian Data
//! Analysis, 3rd ed., section 11.4).

/// Mean and variance (denominator n − 1) of `xs`.
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var)
}

/// `var⁺` and `W` of chains of equal length.
fn variances(chains: &[&[f64]]) -> (f64, f64) {
    let n = chains[0].len() as f64;
    let stats: Vec<(f64, f64)> = chains.iter().map(|c| mean_var(c)).collect();
    let within = stats.iter().map(|s| s.1).sum::<f64>() / stats.len() as f64;
    let means: Vec<f64> = stats.iter().map(|s| s.0).collect();
    let between_over_n = if means.len() > 1 {
        mean_var(&means).1
    } else {
        0.0
    };
    ((n - 1.0) / n * within + between_over_n, within)
}

/// The split R-hat: each chain cut in halves, then the ratio of the pooled to the
/// within-chain standard deviation. 1 for converged chains; `inf` for chains that
/// never moved but disagree, 1 for chains that never moved and agree.
pub fn split_rhat(chains: &[&[f64]]) -> f64 {
    let half = chains.first().map_or(0, |c| c.len() / 2);
    if half < 2 {
        return f64::NAN;
    }
    let halves: Vec<&[f64]> = chains
        .iter()
        .flat_map(|c| [&c[..half], &c[c.len() - half..]])
        .collect();
    let (total, within) = variances(&halves);
    if within <= 0.0 {
        return if total <= 0.0 { 1.0 } else { f64::INFINITY };
    }
    (total / within).sqrt()
}

/// Autocovariance of `xs` at `lag`, normalised by n.
fn autocovariance(xs: &[f64], mean: f64, lag: usize) -> f64 {
    let n = xs.len();
    xs[..n - lag]
        .iter()
        .zip(&xs[lag..])
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum::<f64>()
        / n as f64
}

/// The effective sample size of the draws of all chains together, at most their
/// number.
pub fn effective_sample_size(chains: &[&[f64]]) -> f64 {
    let n = chains.first().map_or(0, |c| c.len());
    let total = (n * chains.len()) as f64;
    if n < 4 {
        return total;
    }
    let (var_plus, within) = variances(chains);
    if var_plus <= 0.0 {
        return total;
    }
    let means: Vec<f64> = chains.iter().map(|c| mean_var(c).0).collect();
    let rho = |lag: usize| {
        let mean_autocov = chains
            .iter()
            .zip(&means)
            .map(|(c, &m)| autocovariance(c, m, lag))
            .sum::<f64>()
            / chains.len() as f64;
        // Stan's form: `within` is taken with n − 1, the autocovariances with n.
        1.0 - (within - mean_autocov) / var_plus
    };
    let mut sum = 0.0;
    let mut previous = f64::INFINITY;
    let mut lag = 0;
    while lag + 1 < n {
        let pair = rho(lag) + rho(lag + 1);
        if pair <= 0.0 {
            break;
        }
        let pair = pair.min(previous);
        sum += pair;
        previous = pair;
        lag += 2;
    }
    let tau = (2.0 * sum - 1.0).max(1.0 / total.log10().max(1.0));
    (total / tau).min(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKey, stream_rng};
    use rand_distr::{Distribution as _, StandardNormal};

    /// AR(1) chains with coefficient `phi`.
    fn ar1(phi: f64, chains: usize, n: usize, shift: f64) -> Vec<Vec<f64>> {
        (0..chains)
            .map(|c| {
                let mut rng = stream_rng(1, c as u64, StreamKey::of("ar1"));
                let mut x = 0.0;
                (0..n)
                    .map(|_| {
                        let e: f64 = StandardNormal.sample(&mut rng);
                        x = phi * x + (1.0 - phi * phi).sqrt() * e;
                        x + shift * c as f64
                    })
                    .collect()
            })
            .collect()
    }

    /// For AR(1) the integrated autocorrelation time is (1 + φ)/(1 − φ): 19 at 0.9,
    /// so 4 chains of 5,000 have an ESS near 1,053; independent draws near 20,000.
    /// The estimates are within 20% (their own sampling error is about 10%).
    #[test]
    fn ess_of_autocorrelated_and_independent_chains() {
        let chains = ar1(0.9, 4, 5_000, 0.0);
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let ess = effective_sample_size(&refs);
        assert!((ess / (20_000.0 / 19.0) - 1.0).abs() < 0.2, "{ess}");
        let chains = ar1(0.0, 4, 5_000, 0.0);
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let ess = effective_sample_size(&refs);
        assert!((ess / 20_000.0 - 1.0).abs() < 0.2, "{ess}");
    }

    #[test]
    fn rhat_is_near_one_for_agreeing_chains_and_large_for_shifted_ones() {
        let chains = ar1(0.5, 4, 2_000, 0.0);
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let rhat = split_rhat(&refs);
        assert!((rhat - 1.0).abs() < 0.02, "{rhat}");
        let chains = ar1(0.5, 4, 2_000, 2.0);
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        assert!(split_rhat(&refs) > 1.5);
        let stuck = [vec![1.0; 10], vec![2.0; 10]];
        let refs: Vec<&[f64]> = stuck.iter().map(Vec::as_slice).collect();
        assert!(split_rhat(&refs).is_infinite());
    }
}
