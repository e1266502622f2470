//! Model v2's money over time against closed forms (SPEC section 4): price factors
//! stepping at financial-year starts, fixed costs that move in whole steps after
//! notice with a one-off transition cost, the envelope's recovery from block
//! contracts and the counterfactual's own, and the financial-year cells.

use super::*;
use crate::engine::money::decide_fixed_cost;
use crate::scenario::{Envelope, ValueRange};

/// Relative tolerance of a product of a few factors computed in another order.
const FACTORS: f64 = 1e-12;

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= FACTORS * b.abs().max(1.0)
}

/// A trust with a block service (index 0) and an activity service (index 1), and a
/// cohort of `size` using 6 units a month of the first and 2 of the second, taking
/// budgets at `monthly` from `START` (April 2027); 36 months.
fn trust_and_cohort(size: u64, monthly: f64) -> Scenario {
    let mut block = block_service("trust", "ward", 200.0, 1_200_000.0, 1.0);
    set(&mut block.fixed_cost, 1_000_000.0);
    set(&mut block.variable_cost, 10.0);
    set(&mut block.other_activity, 400.0);
    let mut activity = activity_service("trust", "clinic", 100.0);
    set(&mut activity.fixed_cost, 240_000.0);
    set(&mut activity.variable_cost, 30.0);
    let mut trust = provider("trust", vec![block, activity]);
    set(&mut trust.other_income, 600_000.0);
    set(&mut trust.other_costs, 900_000.0);
    trust.reserves = 100_000.0;
    let cohort = cohort(
        "people",
        size,
        constant_uptake("people", monthly),
        &[(0, 6.0), (1, 2.0)],
    );
    scenario(36, vec![trust], vec![cohort])
}

fn rate(path: &str, value: f64) -> crate::scenario::Uncertain {
    fixed(path, value, ValueRange::YearlyRate)
}

#[test]
fn without_an_offer_income_and_costs_step_by_the_yearly_rates() {
    const TARIFF: f64 = 0.03;
    const COSTS: f64 = 0.05;
    let mut s = trust_and_cohort(100, 0.0);
    s.prices.tariff_uplift = rate("prices.tariff_uplift", TARIFF);
    s.prices.cost_inflation = rate("prices.cost_inflation", COSTS);
    // Constant prices, the same otherwise.
    let mut constant = s.clone();
    constant.prices.tariff_uplift = rate("prices.tariff_uplift", 0.0);
    constant.prices.cost_inflation = rate("prices.cost_inflation", 0.0);
    let (m, summary) = run_one(&s, 0);
    let (m0, _) = run_one(&constant, 0);
    let layout = OutputLayout::new(&s);
    let get = |m: &[f64], metric| series(&layout, m, layout.provider_series(0, metric)).to_vec();
    let (income, costs) = (
        get(&m, ProviderSeries::Income),
        get(&m, ProviderSeries::Costs),
    );
    let (income0, costs0) = (
        get(&m0, ProviderSeries::Income),
        get(&m0, ProviderSeries::Costs),
    );
    // April 2027 start, April years: k = 0, 1, 2 in the three years.
    for t in 0..36 {
        let k = (t / 12) as i32;
        assert!(
            near(income[t], income0[t] * (1.0 + TARIFF).powi(k)),
            "income in month {t}"
        );
        assert!(
            near(costs[t], costs0[t] * (1.0 + COSTS).powi(k)),
            "costs in month {t}"
        );
    }
    // Constant within a year, a step at each year's start.
    assert_eq!(income[11].to_bits(), income[0].to_bits());
    assert!(income[12] > income[11] && costs[24] > costs[23]);
    // The constant-price run: the ward's contract, the clinic's 200 units at £100 and
    // other income, in the v1 arithmetic.
    assert_eq!(
        (income0[0]).to_bits(),
        (1_200_000.0f64 / 12.0 + 100.0 * 200.0 + 600_000.0 / 12.0).to_bits()
    );
    // Without PHBs the run is its own counterfactual.
    let of = |metric| summary[layout.provider_summary(0, metric)];
    assert_eq!(
        of(ProviderSummary::Income).to_bits(),
        of(ProviderSummary::BaselineIncome).to_bits()
    );
    assert_eq!(
        of(ProviderSummary::Margin).to_bits(),
        of(ProviderSummary::BaselineMargin).to_bits()
    );
    let additional = series(
        &layout,
        &m,
        layout.commissioner_series(CommissionerSeries::AdditionalVsBaseline),
    );
    assert!(additional.iter().all(|&a| a == 0.0), "{additional:?}");
}

#[test]
fn calendar_years_uplift_in_january() {
    let mut s = trust_and_cohort(100, 0.0);
    s.prices.year_start = 1;
    s.prices.tariff_uplift = rate("prices.tariff_uplift", 0.1);
    let (m, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let income = series(
        &layout,
        &m,
        layout.provider_series(0, ProviderSeries::Income),
    );
    // April 2027 start: January 2028 is t = 9, January 2029 t = 21.
    assert_eq!(income[8].to_bits(), income[0].to_bits());
    assert!(near(income[9], income[0] * 1.1));
    assert!(near(income[21], income[0] * 1.1 * 1.1));
    assert_eq!(layout.years()[0].label, "2027");
    assert_eq!(layout.years()[0].months, 9);
}

#[test]
fn budgets_grow_by_the_budget_uplift() {
    let mut s = trust_and_cohort(100, 1.0);
    s.cohorts[0].budget = fixed_budget(12_000.0);
    s.prices.budget_uplift = rate("prices.budget_uplift", 0.04);
    let (m, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let budgets = series(
        &layout,
        &m,
        layout.commissioner_series(CommissionerSeries::Budgets),
    );
    // Everyone holds a budget from month 0 (uptake 1): 100 × £1,000 a month.
    assert_eq!(budgets[0].to_bits(), 100_000.0f64.to_bits());
    assert!(near(budgets[12], 100_000.0 * 1.04));
    assert!(near(budgets[35], 100_000.0 * 1.04 * 1.04));
}

#[test]
fn a_fixed_cost_falls_in_whole_steps_after_notice_with_one_transition_cost() {
    const STEP: f64 = 120_000.0;
    const NOTICE: u32 = 6;
    const TRANSITION: f64 = 0.5;
    const INFLATION: f64 = 0.04;
    // Everyone takes a budget in month 0 (constant uptake 1) and gives up all their
    // use; budgets are 0, so nothing is bought back: the ward loses 600 of its 1,000
    // units a month, L = L' = 0.6.
    let mut s = trust_and_cohort(100, 1.0);
    let ward = &mut s.providers[0].services[0];
    set(&mut ward.cost_flex, 0.5);
    set(&mut ward.cost_step, STEP);
    set(&mut ward.transition_cost, TRANSITION);
    ward.notice_months = NOTICE;
    s.prices.cost_inflation = rate("prices.cost_inflation", INFLATION);
    let (m, summary) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let fixed = series(
        &layout,
        &m,
        layout.service_series(0, ServiceSeries::FixedCost).unwrap(),
    );
    let transition = series(
        &layout,
        &m,
        layout.provider_series(0, ProviderSeries::TransitionCosts),
    );
    let k = |t: usize| (1.0 + INFLATION).powi((t / 12) as i32);
    // Target 1m × (1 − 0.5 × 0.6) = 700k: 300k is 2.5 steps, so two are taken, to
    // 760k, decided at the review in April 2028 (t = 12) and effective at t = 18.
    let decided = 1_000_000.0 - 2.0 * STEP;
    for t in 0..36 {
        let expected = if t < 12 + NOTICE as usize {
            1_000_000.0
        } else {
            decided
        };
        assert!(
            near(fixed[t], expected * k(t) / 12.0),
            "fixed cost in month {t}"
        );
        let booked = if t == 18 {
            TRANSITION * 2.0 * STEP * k(t)
        } else {
            0.0
        };
        assert!(near(transition[t], booked), "transition cost in month {t}");
    }
    // The review of April 2029 sees the same activity: the half step left is not
    // taken, and nothing more is booked.
    assert!(near(
        summary[layout.provider_summary(0, ProviderSummary::TransitionCosts)],
        TRANSITION * 2.0 * STEP * k(18)
    ));
    // The transition cost is a cost of the month it lands in.
    let costs = series(
        &layout,
        &m,
        layout.provider_series(0, ProviderSeries::Costs),
    );
    let service_costs = series(
        &layout,
        &m,
        layout.service_series(0, ServiceSeries::Costs).unwrap(),
    );
    // (Activity is the same every month once everyone holds a budget, and months 18
    // and 19 are in the same financial year.)
    assert!(near(costs[18], costs[19] + transition[18]));
    assert!(near(service_costs[18], service_costs[19] + transition[18]));
}

#[test]
fn a_smooth_fixed_cost_without_notice_moves_at_the_review() {
    let mut s = trust_and_cohort(100, 1.0);
    set(&mut s.providers[0].services[0].cost_flex, 0.5);
    let (m, summary) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let fixed = series(
        &layout,
        &m,
        layout.service_series(0, ServiceSeries::FixedCost).unwrap(),
    );
    assert!(near(fixed[11], 1_000_000.0 / 12.0));
    assert!(near(fixed[12], 700_000.0 / 12.0));
    assert_eq!(
        (summary[layout.provider_summary(0, ProviderSummary::TransitionCosts)]).to_bits(),
        0.0f64.to_bits()
    );
}

#[test]
fn whole_steps_survive_rounding() {
    // (0.7 − 1.0) / 0.1 is −2.9999999999999996 in doubles: still three steps.
    let decided = decide_fixed_cost(1.0, 0.7, 0.1);
    assert!((decided - 0.7).abs() < 1e-12, "{decided}");
    // Less than a step moves nothing; a rise moves up in whole steps.
    assert_eq!(
        (decide_fixed_cost(1.0, 0.95, 0.1)).to_bits(),
        1.0f64.to_bits()
    );
    assert!((decide_fixed_cost(0.7, 0.95, 0.1) - 0.9).abs() < 1e-12);
    // Without a step the decision is the target.
    assert_eq!(
        (decide_fixed_cost(1.0, 0.73, 0.0)).to_bits(),
        0.73f64.to_bits()
    );
}

/// Two block contracts (1.2m and 0.6m a year) and nothing else; no PHB offer.
fn two_contracts() -> Scenario {
    let trust = provider(
        "trust",
        vec![
            block_service("trust", "a", 100.0, 1_200_000.0, 1.0),
            block_service("trust", "b", 100.0, 600_000.0, 1.0),
        ],
    );
    scenario(36, vec![trust], vec![])
}

fn with_envelope(mut s: Scenario, envelope: f64, growth: f64, recover: f64) -> Scenario {
    s.envelope = Some(Envelope {
        envelope: fixed("commissioner.envelope", envelope, ValueRange::NonNegative),
        growth: rate("commissioner.envelope_growth", growth),
        recover_overspend: fixed(
            "commissioner.recover_overspend",
            recover,
            ValueRange::Probability,
        ),
    });
    s
}

#[test]
fn an_overspend_is_recovered_from_block_contracts_pro_rata_and_stays_recovered() {
    const ENVELOPE: f64 = 1_500_000.0;
    const RECOVER: f64 = 0.5;
    const TARIFF: f64 = 0.02;
    let mut s = with_envelope(two_contracts(), ENVELOPE, 0.0, RECOVER);
    s.prices.tariff_uplift = rate("prices.tariff_uplift", TARIFF);
    let (m, summary) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let get = |index| series(&layout, &m, index).to_vec();
    let income = |k| get(layout.service_series(k, ServiceSeries::Income).unwrap());
    let (a, b) = (income(0), income(1));
    let spend = get(layout.commissioner_series(CommissionerSeries::Spend));
    let over = get(layout.commissioner_series(CommissionerSeries::OverEnvelope));
    let recovered = get(layout.commissioner_series(CommissionerSeries::Recovered));
    let p = |t: usize| (1.0 + TARIFF).powi((t / 12) as i32);

    // Year 1: 1.8m a year against an envelope of 1.5m: 25k a month over.
    for t in 0..12 {
        assert_eq!(spend[t].to_bits(), 150_000.0f64.to_bits());
        assert_eq!(over[t].to_bits(), 25_000.0f64.to_bits());
        assert_eq!(recovered[t].to_bits(), 0.0f64.to_bits());
    }
    // The review in month 12 recovers half of the 300k overspend, in start-year
    // prices (÷ P(12)), two thirds from a and one third from b.
    let d1 = RECOVER * 300_000.0 / p(12);
    for t in 12..24 {
        assert!(
            near(a[t], (1_200_000.0 - d1 * 2.0 / 3.0) * p(t) / 12.0),
            "a, month {t}"
        );
        assert!(
            near(b[t], (600_000.0 - d1 / 3.0) * p(t) / 12.0),
            "b, month {t}"
        );
        assert!(near(recovered[t], d1 * p(t) / 12.0), "recovered, month {t}");
    }
    // The review in month 24 adds half of year 2's net overspend; the contracts
    // never come back up.
    let year2: f64 = spend[12..24].iter().map(|s| s - ENVELOPE / 12.0).sum();
    let d2 = d1 + RECOVER * year2 / p(24);
    for t in 24..36 {
        assert!(
            near(a[t], (1_200_000.0 - d2 * 2.0 / 3.0) * p(t) / 12.0),
            "a, month {t}"
        );
        assert!(a[t] <= a[23] * p(t) / p(23) + 1e-6);
    }
    // Without PHBs the counterfactual has the same envelope and recovers the same:
    // no risk is blamed on PHBs.
    let of = |metric| summary[layout.provider_summary(0, metric)];
    assert_eq!(
        of(ProviderSummary::Income).to_bits(),
        of(ProviderSummary::BaselineIncome).to_bits()
    );
    let additional = get(layout.commissioner_series(CommissionerSeries::AdditionalVsBaseline));
    assert!(additional.iter().all(|&x| x == 0.0), "{additional:?}");
    let total = |metric| summary[layout.commissioner_summary(metric)];
    assert!(near(
        total(CommissionerSummary::OverEnvelope),
        over.iter().sum()
    ));
    assert!(near(
        total(CommissionerSummary::Recovered),
        recovered.iter().sum()
    ));
}

#[test]
fn spend_under_the_envelope_offsets_spend_over_it() {
    // 1.8m a year against 1.8m: nothing over, nothing recovered.
    let s = with_envelope(two_contracts(), 1_800_000.0, 0.0, 1.0);
    let (m, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    for metric in [
        CommissionerSeries::OverEnvelope,
        CommissionerSeries::Recovered,
    ] {
        let values = series(&layout, &m, layout.commissioner_series(metric));
        assert!(values.iter().all(|&x| x == 0.0), "{metric:?}: {values:?}");
    }

    // Months under the envelope offset months over it within a review's window:
    // prices rise 10% in October (t = 6), so the first review (t = 12) sees six months
    // at £150k and six at £165k against £157.5k a month. £45k was over the envelope,
    // but the net overspend is 0, and nothing is recovered.
    let mut s = with_envelope(two_contracts(), 1_890_000.0, 0.0, 1.0);
    s.prices.year_start = 10;
    s.prices.tariff_uplift = rate("prices.tariff_uplift", 0.1);
    let (m, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let get = |metric| series(&layout, &m, layout.commissioner_series(metric)).to_vec();
    let (over, recovered) = (
        get(CommissionerSeries::OverEnvelope),
        get(CommissionerSeries::Recovered),
    );
    assert!(over[..6].iter().all(|&x| x == 0.0), "{over:?}");
    assert!(over[6..12].iter().all(|&x| near(x, 7_500.0)), "{over:?}");
    // Counted month by month, over-only months would have recovered £45k a year.
    assert!(
        recovered[12..24].iter().all(|&x| x.abs() < 1e-6),
        "{recovered:?}"
    );
}

#[test]
fn an_envelope_at_the_baseline_spend_leaves_the_counterfactual_untouched() {
    // The trust and cohort with budgets spent outside the modelled providers: PHBs
    // add double running, so the model overspends and recovers; the counterfactual
    // spends exactly its envelope (100k block + 20k clinic a month = 1.44m a year).
    let mut s = trust_and_cohort(100, 0.05);
    s.cohorts[0].budget = fixed_budget(6_000.0);
    set(&mut s.cohorts[0].uses[0].substitution, 0.0);
    set(&mut s.cohorts[0].uses[1].substitution, 0.0);
    let no_envelope = s.clone();
    let s = with_envelope(s, 1_440_000.0, 0.0, 1.0);
    let layout = OutputLayout::new(&s);
    let (m, summary) = run_one(&s, 3);
    let (_, summary0) = run_one(&no_envelope, 3);
    for metric in [
        ProviderSummary::BaselineIncome,
        ProviderSummary::BaselineMargin,
        ProviderSummary::DistressedBaseline,
    ] {
        let i = layout.provider_summary(0, metric);
        assert_eq!(summary[i].to_bits(), summary0[i].to_bits(), "{metric:?}");
    }
    // The model itself was over and lost contract income.
    let recovered = series(
        &layout,
        &m,
        layout.commissioner_series(CommissionerSeries::Recovered),
    );
    assert!(recovered[12] > 0.0);
    let i = layout.provider_summary(0, ProviderSummary::Income);
    assert!(summary[i] < summary0[i]);
}

#[test]
fn year_cells_sum_the_months_and_end_at_the_last_month() {
    // Partial years at both ends: February 2027 for 27 months is 2 + 12 + 12 + 1.
    let mut s = trust_and_cohort(300, 0.02);
    s.start = YearMonth {
        year: 2027,
        month: 2,
    };
    s.months = 27;
    s.cohorts[0].offer_from = s.start;
    s.cohorts[0].budget = fixed_budget(8_000.0);
    s.budget_forms[Form::Notional.index()] = Some(budget_form(Form::Notional, 0.5, &[], 0.02));
    s.prices.tariff_uplift = rate("prices.tariff_uplift", 0.02);
    s.prices.cost_inflation = rate("prices.cost_inflation", 0.03);
    s.providers[0].min_margin = 0.05;
    let layout = OutputLayout::new(&s);
    let months: Vec<usize> = layout.years().iter().map(|y| y.months).collect();
    assert_eq!(months, [2, 12, 12, 1]);
    run_each(&s, 0..5, |_, layout, m, summary| {
        for (y, year) in layout.years().iter().enumerate() {
            let span = year.first..year.first + year.months;
            let sum = |index| series(layout, m, index)[span.clone()].iter().sum::<f64>();
            let last = |index| series(layout, m, index)[span.end - 1];
            let provider = |metric| summary[layout.provider_year(0, metric, y)];
            let of = |metric| layout.provider_series(0, metric);
            assert_eq!(
                (provider(ProviderYear::Income)).to_bits(),
                (sum(of(ProviderSeries::Income))).to_bits()
            );
            assert_eq!(
                (provider(ProviderYear::Costs)).to_bits(),
                (sum(of(ProviderSeries::Costs))).to_bits()
            );
            assert_eq!(
                (provider(ProviderYear::Margin)).to_bits(),
                (sum(of(ProviderSeries::Margin))).to_bits()
            );
            assert_eq!(
                (provider(ProviderYear::ReservesEnd)).to_bits(),
                (last(of(ProviderSeries::Reserves))).to_bits()
            );
            assert_eq!(
                (provider(ProviderYear::DistressedByEnd)).to_bits(),
                (last(of(ProviderSeries::DistressedBy))).to_bits()
            );
            let deficit = sum(of(ProviderSeries::Margin)) < 0.05 * sum(of(ProviderSeries::Income));
            assert_eq!(
                (provider(ProviderYear::Deficit)).to_bits(),
                (f64::from(u8::from(deficit))).to_bits()
            );
            let activity = layout.service_series(0, ServiceSeries::Activity).unwrap();
            assert_eq!(
                (summary[layout.service_year(0, ServiceYear::Activity, y)]).to_bits(),
                (sum(activity)).to_bits()
            );
            let spend = layout.commissioner_series(CommissionerSeries::Spend);
            assert_eq!(
                (summary[layout.commissioner_year(CommissionerYear::Spend, y)]).to_bits(),
                (sum(spend)).to_bits()
            );
        }
        // The years together are the horizon.
        let whole: f64 = (0..4)
            .map(|y| summary[layout.provider_year(0, ProviderYear::Income, y)])
            .sum();
        let income = summary[layout.provider_summary(0, ProviderSummary::Income)];
        assert!(close(whole, income, income));
    });
}

#[test]
fn fixed_cost_follows_the_capacity_lost_and_the_contract_the_activity_lost() {
    // Everyone takes a budget in month 0 and gives up all their use of the ward;
    // `existing = 1` spends all of it back there: 100 × £1,200 a year is £10,000 a
    // month, 50 units at £200. The contract loses L = 600 / 1,000; the staff lose
    // L' = (600 − 50) / 1,000.
    let mut s = trust_and_cohort(100, 1.0);
    s.cohorts[0].budget = fixed_budget(1_200.0);
    set(&mut s.cohorts[0].uses[1].substitution, 0.0);
    s.budget_forms[Form::Notional.index()] = Some(budget_form(Form::Notional, 1.0, &[], 0.0));
    let ward = &mut s.providers[0].services[0];
    set(&mut ward.cost_flex, 1.0);
    let (m, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let get = |metric| series(&layout, &m, layout.service_series(0, metric).unwrap()).to_vec();
    assert!(near(get(ServiceSeries::PhbActivity)[0], 50.0));
    let income = get(ServiceSeries::Income);
    let fixed = get(ServiceSeries::FixedCost);
    // The contract (pass-through 1) after the review: 1.2m × (1 − 0.6), plus the
    // budget money.
    assert!(near(income[12], 1_200_000.0 * 0.4 / 12.0 + 10_000.0));
    assert!(near(fixed[12], 1_000_000.0 * (1.0 - 0.55) / 12.0));
}
