//! "Money follows the patient": of the income a provider loses as its patients take
//! budgets, how much comes back to it as budget spending. A share near 100% means the
//! provider keeps its patients' money and only the payer changes; near 0% means the
//! money leaves it.
//!
//! Over the horizon, in means: the provider's budget income `B` is what holders spend
//! at its services, and the income it loses is `baseline_income − (income − B)`, its
//! contract and activity income gone. The share is `B` over that loss, shown only when
//! something is lost.
//!
//! `B` is read from the outputs as each service's mean activity bought with budgets
//! (`phb_activity`, summed over the months) times its unit price (the mean of the
//! price's distribution). The engine turns budget money into activity at that price,
//! so `B` is exact when the price is a plain number, as a contract price a provider
//! knows is; with an uncertain price it is the product of the means.

use crate::scenario::{Provider, Service};

/// A provider's budget income and the income it loses over the horizon, in means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyFollows {
    /// Budget money spent at the provider's services.
    pub budget_income: f64,
    /// Contract and activity income the provider no longer has.
    pub lost: f64,
}

impl MoneyFollows {
    /// `provider`'s figures from its mean `baseline_income` and `income` (summed over
    /// the horizon) and `phb_activity(service)`, a service's mean activity bought with
    /// budgets, summed over the months.
    pub fn of(
        provider: &Provider,
        baseline_income: f64,
        income: f64,
        phb_activity: impl Fn(&Service) -> f64,
    ) -> MoneyFollows {
        let budget_income: f64 = provider
            .services
            .iter()
            .map(|service| phb_activity(service) * service.unit_price.mean())
            .sum();
        MoneyFollows {
            budget_income,
            lost: baseline_income - (income - budget_income),
        }
    }

    /// The share of the lost income that comes back as budget spending; `None` when
    /// nothing is lost (a thousandth of a pound or less: rounding, not a loss).
    pub fn share(&self) -> Option<f64> {
        (self.lost > 1e-3).then(|| self.budget_income / self.lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;

    #[test]
    fn the_share_is_budget_income_over_the_income_lost() {
        let scenario = parse_scenario(EXAMPLE).unwrap().scenario;
        let trust = &scenario.providers[0];
        let crisis_price = trust.services[0].unit_price.mean();
        // 10 units bought with budgets at the first service only; baseline £1,000,
        // income £900 of which the budget money: lost = 1,000 − (900 − B).
        let follows = MoneyFollows::of(trust, 1_000.0, 900.0, |s| {
            if s.id == trust.services[0].id {
                10.0
            } else {
                0.0
            }
        });
        let b = 10.0 * crisis_price;
        assert!((follows.budget_income - b).abs() < 1e-9);
        assert!((follows.lost - (100.0 + b)).abs() < 1e-9);
        assert!((follows.share().unwrap() - b / (100.0 + b)).abs() < 1e-12);
        // Nothing lost: no share.
        let none = MoneyFollows::of(trust, 1_000.0, 1_000.0, |_| 0.0);
        assert_eq!(none.share(), None);
    }
}
