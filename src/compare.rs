//! Paired comparison of a variant with the base: for each provider and commissioner
//! summary metric, the difference variant − base in every iteration, and which
//! direction is worse.
//!
//! Both runs use the same random numbers wherever the variant did not change what is
//! drawn (SPEC section 7), so the spread of the paired difference is only the spread
//! of the variant's effect, not the noise of two independent runs.

use crate::engine::layout::{Worse, summary_worse};
use crate::engine::{Level, OutputLayout, SeriesName};

/// One metric compared: where it sits in the base's and in the variant's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedMetric {
    pub name: SeriesName,
    pub base_index: usize,
    pub variant_index: usize,
    /// Whether a higher value is worse (distress for a provider; spend for the
    /// commissioner). Otherwise lower is worse (income, margin, reserves).
    pub higher_is_worse: bool,
}

/// Whether a higher value of the summary metric `metric` at `level` is worse for
/// whoever bears it, as the metrics table (`engine::layout`) declares.
pub fn higher_is_worse(level: Level, metric: &str) -> bool {
    summary_worse(level, metric) == Some(Worse::Higher)
}

/// The metrics of `variant` that can be paired with `base`: provider and commissioner
/// summary metrics present in both, in the base's order.
pub fn paired_metrics(base: &OutputLayout, variant: &OutputLayout) -> Vec<ComparedMetric> {
    base.summary_names()
        .iter()
        .enumerate()
        .filter(|(_, name)| matches!(name.level, Level::Provider | Level::Commissioner))
        .filter_map(|(base_index, name)| {
            let variant_index = variant.summary_names().iter().position(|n| n == name)?;
            Some(ComparedMetric {
                name: name.clone(),
                base_index,
                variant_index,
                higher_is_worse: higher_is_worse(name.level, name.metric),
            })
        })
        .collect()
}

/// Whether a paired difference (variant − base) is worse for the bearer.
pub fn is_worse(difference: f64, higher_is_worse: bool) -> bool {
    if higher_is_worse {
        difference > 0.0
    } else {
        difference < 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worse_means_less_money_or_more_distress() {
        assert!(is_worse(-1.0, higher_is_worse(Level::Provider, "income")));
        assert!(!is_worse(0.0, higher_is_worse(Level::Provider, "income")));
        assert!(is_worse(
            1.0,
            higher_is_worse(Level::Provider, "distressed")
        ));
        assert!(is_worse(1.0, higher_is_worse(Level::Commissioner, "spend")));
    }

    /// The directions the metrics table declares are the ones SPEC section 6 gives the
    /// comparison: distress, transition costs and a service below viability are worse
    /// when higher, every commissioner metric is (money spent, or recovered from
    /// providers), every other provider metric is money or reserves and worse when
    /// lower.
    #[test]
    fn every_compared_metric_has_the_direction_of_its_meaning() {
        use crate::engine::layout::{CommissionerSummary, ProviderSummary, ServiceSummary};
        for &m in ProviderSummary::ALL {
            let higher = m.as_str().starts_with("distressed") || m.as_str() == "transition_costs";
            assert_eq!(
                higher_is_worse(Level::Provider, m.as_str()),
                higher,
                "{m:?}"
            );
        }
        for &m in ServiceSummary::ALL {
            let higher = m.as_str().contains("below_viable");
            assert_eq!(higher_is_worse(Level::Service, m.as_str()), higher, "{m:?}");
        }
        for &m in CommissionerSummary::ALL {
            assert!(higher_is_worse(Level::Commissioner, m.as_str()), "{m:?}");
        }
        assert!(!higher_is_worse(Level::Provider, "no_such_metric"));
    }
}
