//! Model v2, steps 3 to 5 and 9 (SPEC section 4): what holders keep of their
//! traditional care (`substitution`), what budgets can buy (`budget_purchasable`) and
//! how much of a budget is spent (`underspend`), each against its closed form in every
//! month of every iteration.

use super::*;
use crate::distribution::Distribution;

/// The cohort of `size` with constant uptake `h`, offered from month 0, no returns,
/// every holder notional with a fixed budget of `budget` a year.
fn budget_cohort(size: u64, h: f64, budget: f64, uses: &[(usize, f64)]) -> crate::scenario::Cohort {
    let mut c = cohort("c", size, constant_uptake("c", h), uses);
    c.budget = fixed_budget(budget);
    c
}

/// Holders keep `(1 − s)` of each use: with no other activity and no backfill, a
/// service's activity is `(T + (1 − s) · H) · per_month` in every month and iteration,
/// with `s` drawn once per iteration (here uniform, so iterations differ).
#[test]
fn holders_keep_the_unsubstituted_share_of_their_use() {
    const PER_MONTH: f64 = 1.5;
    let mut c = budget_cohort(300, 0.08, 0.0, &[(0, PER_MONTH)]);
    c.uses[0].substitution.dist = Distribution::Uniform { min: 0.1, max: 0.6 };
    let s = scenario(
        18,
        vec![provider(
            "trust",
            vec![activity_service("trust", "cmht", 90.0)],
        )],
        vec![c],
    );
    let mut substitutions = Vec::new();
    run_each(&s, 0..200, |i, layout, monthly, _| {
        let drawn = DrawnParameters::draw(&s, s.seed, i).cohorts[0].substitution[0];
        substitutions.push(drawn);
        let get = |index| series(layout, monthly, index);
        let activity = get(layout.service_series(0, ServiceSeries::Activity).unwrap());
        let traditional = get(layout.cohort_series(0, CohortSeries::Traditional));
        let holders = get(layout.cohort_series(0, CohortSeries::Holders));
        for t in 0..18 {
            let exact = (traditional[t] + (1.0 - drawn) * holders[t]) * PER_MONTH;
            assert!(
                close(activity[t], exact, exact),
                "month {t}: {} vs {exact}",
                activity[t]
            );
        }
    });
    let spread = substitutions
        .iter()
        .fold((1.0f64, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(
        spread.0 >= 0.1 && spread.1 <= 0.6 && spread.1 - spread.0 > 0.3,
        "{spread:?}"
    );
}

/// The `existing` share of what holders spend goes to their cohort's services that
/// budgets may buy, in proportion to `substitution × per_month × unit_price`; a
/// service that budgets cannot buy receives nothing, however much the cohort uses it.
///
/// Services: A (price 100, per_month 2, s = 0.5: weight 100), B (price 50, per_month 1,
/// s = 1: weight 50), C (price 400, per_month 3, s = 1, not purchasable: weight 0). So
/// A receives 2/3 of the existing spend and B 1/3, where the spend is `H · b / 12`.
#[test]
fn budgets_buy_only_purchasable_services_in_proportion_to_substitution_use_and_price() {
    const BUDGET: f64 = 6_000.0;
    let mut crisis = activity_service("trust", "c", 400.0);
    crisis.budget_purchasable = false;
    let services = vec![
        activity_service("trust", "a", 100.0),
        activity_service("trust", "b", 50.0),
        crisis,
    ];
    let mut c = budget_cohort(400, 0.1, BUDGET, &[(0, 2.0), (1, 1.0), (2, 3.0)]);
    set(&mut c.uses[0].substitution, 0.5);
    let mut s = scenario(12, vec![provider("trust", services)], vec![c]);
    s.budget_forms[Form::Notional.index()] = Some(budget_form(Form::Notional, 1.0, &[], 0.0));
    let prices = [100.0, 50.0, 400.0];
    let shares = [2.0 / 3.0, 1.0 / 3.0, 0.0];
    let mut any_holders = false;
    run_each(&s, 0..50, |_, layout, monthly, _| {
        let holders = series(
            layout,
            monthly,
            layout.cohort_series(0, CohortSeries::Holders),
        );
        for (k, (&price, &share)) in prices.iter().zip(&shares).enumerate() {
            let phb = series(
                layout,
                monthly,
                layout
                    .service_series(k, ServiceSeries::PhbActivity)
                    .unwrap(),
            );
            for t in 0..12 {
                let spend = holders[t] * BUDGET / 12.0;
                let received = phb[t] * price;
                assert!(
                    close(received, share * spend, spend),
                    "service {k} month {t}: {received} vs {}",
                    share * spend
                );
                any_holders |= holders[t] > 0.0;
            }
        }
        let crisis = series(
            layout,
            monthly,
            layout
                .service_series(2, ServiceSeries::PhbActivity)
                .unwrap(),
        );
        assert!(
            crisis.iter().all(|&v| v.to_bits() == 0f64.to_bits()),
            "no budget money at a service budgets cannot buy"
        );
    });
    assert!(any_holders);
}

/// With a fixed budget `b` and underspend `u`, the commissioner's `budgets` is exactly
/// `(1 − u) · H · b / 12` each month (what holders spend), the cohort's `budget_spend`
/// the same, and `admin` is `admin_cost · H · b / 12`, on the whole budget.
#[test]
fn the_commissioner_pays_what_is_spent_plus_admin_on_the_whole_budget() {
    const BUDGET: f64 = 9_000.0;
    const UNDERSPEND: f64 = 0.15;
    const ADMIN: f64 = 0.05;
    let c = budget_cohort(250, 0.06, BUDGET, &[]);
    let mut s = scenario(24, vec![], vec![c]);
    let mut form = budget_form(Form::Notional, 0.0, &[], ADMIN);
    set(&mut form.underspend, UNDERSPEND);
    s.budget_forms[Form::Notional.index()] = Some(form);
    run_each(&s, 0..50, |_, layout, monthly, _| {
        let get = |index| series(layout, monthly, index);
        let holders = get(layout.cohort_series(0, CohortSeries::Holders));
        let spend = get(layout.cohort_series(0, CohortSeries::BudgetSpend));
        let budgets = get(layout.commissioner_series(CommissionerSeries::Budgets));
        let admin = get(layout.commissioner_series(CommissionerSeries::Admin));
        for t in 0..24 {
            let whole = holders[t] * BUDGET / 12.0;
            let spent = (1.0 - UNDERSPEND) * whole;
            assert!(close(budgets[t], spent, whole), "month {t}");
            assert!(close(spend[t], spent, whole), "month {t}");
            assert!(close(admin[t], ADMIN * whole, whole), "month {t}");
        }
        assert!(holders[23] > 0.0);
    });
}

/// Underspent money reaches no provider: with `existing = 1`, a purchasable service
/// receives `(1 − u)` of the whole budget, and a named service's share is of what is
/// spent too.
#[test]
fn underspent_money_reaches_no_provider() {
    const BUDGET: f64 = 12_000.0;
    const UNDERSPEND: f64 = 0.25;
    let services = vec![
        activity_service("trust", "a", 100.0),
        activity_service("trust", "named", 10.0),
    ];
    let c = budget_cohort(100, 0.2, BUDGET, &[(0, 1.0)]);
    let mut s = scenario(6, vec![provider("trust", services)], vec![c]);
    let mut form = budget_form(Form::Notional, 0.6, &[(1, 0.4)], 0.0);
    set(&mut form.underspend, UNDERSPEND);
    s.budget_forms[Form::Notional.index()] = Some(form);
    run_each(&s, 0..20, |_, layout, monthly, _| {
        let holders = series(
            layout,
            monthly,
            layout.cohort_series(0, CohortSeries::Holders),
        );
        let phb = |k: usize| {
            series(
                layout,
                monthly,
                layout
                    .service_series(k, ServiceSeries::PhbActivity)
                    .unwrap(),
            )
            .to_vec()
        };
        let (a, named) = (phb(0), phb(1));
        for t in 0..6 {
            let spent = (1.0 - UNDERSPEND) * holders[t] * BUDGET / 12.0;
            assert!(close(a[t] * 100.0, 0.6 * spent, spent), "month {t}");
            assert!(close(named[t] * 10.0, 0.4 * spent, spent), "month {t}");
        }
    });
}
