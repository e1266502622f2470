//! Model-level tests of the engine against SPEC section 4: analytic distributions,
//! exact identities (money that follows the patient, contract re-basing), invariants
//! (proptest), common random numbers and determinism.
//!
//! Statistical checks use the suite's one tolerance, [`Z`] standard errors
//! ([`crate::stats::tolerance`], where it is derived), with the standard error computed
//! from the exact distribution, never from the sample; with fixed seeds they are
//! deterministic, and a genuine bias of a few standard errors would fail them.

use proptest::prelude::*;

use super::layout::*;
use super::test_scenarios::*;
use super::*;
use crate::scenario::{Form, Scenario, YearMonth};

mod budget_spending;
mod correlations;
mod money_over_time;

/// Standard errors allowed in every statistical check (short name for the suite's one
/// tolerance).
const Z: f64 = crate::stats::tolerance::STANDARD_ERRORS;

/// Relative tolerance of identities that hold exactly in real arithmetic and differ
/// only by rounding: a few hundred additions of doubles lose far less than 1e-9.
const EXACT: f64 = 1e-9;

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= EXACT * scale.abs().max(1.0)
}

/// Runs iterations `range` of `scenario` with its parameter draws and hands each
/// iteration's monthly and summary output to `f`.
fn run_each(
    scenario: &Scenario,
    range: std::ops::Range<u64>,
    mut f: impl FnMut(u64, &OutputLayout, &[f64], &[f64]),
) {
    let layout = OutputLayout::new(scenario);
    let mut ws = Workspace::default();
    let mut monthly = vec![0.0; layout.monthly_len()];
    let mut summary = vec![0.0; layout.summary_len()];
    for i in range {
        let params = DrawnParameters::draw(scenario, scenario.seed, i);
        simulate_iteration(
            scenario,
            &layout,
            &params,
            scenario.seed,
            i,
            &mut ws,
            &mut monthly,
            &mut summary,
        );
        f(i, &layout, &monthly, &summary);
    }
}

/// One iteration's output.
fn run_one(scenario: &Scenario, iteration: u64) -> (Vec<f64>, Vec<f64>) {
    let mut out = (Vec::new(), Vec::new());
    run_each(scenario, iteration..iteration + 1, |_, _, m, s| {
        out = (m.to_vec(), s.to_vec())
    });
    out
}

fn series<'a>(layout: &OutputLayout, monthly: &'a [f64], index: usize) -> &'a [f64] {
    &monthly[layout.series_range(index)]
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Type 7 sample quantile (SPEC section 6).
fn quantile7(xs: &[f64], p: f64) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The exact Binomial(n, p) distribution, from its pmf computed in log space.
struct ExactBinomial {
    pmf: Vec<f64>,
}

impl ExactBinomial {
    fn new(n: u64, p: f64) -> Self {
        let n = n as usize;
        let mut ln_fact = vec![0.0f64; n + 1];
        for k in 1..=n {
            ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
        }
        let pmf = (0..=n)
            .map(|k| {
                (ln_fact[n] - ln_fact[k] - ln_fact[n - k]
                    + k as f64 * p.ln()
                    + (n - k) as f64 * (1.0 - p).ln())
                .exp()
            })
            .collect();
        ExactBinomial { pmf }
    }

    fn moment(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.pmf
            .iter()
            .enumerate()
            .map(|(k, p)| p * f(k as f64))
            .sum()
    }

    fn mean(&self) -> f64 {
        self.moment(|k| k)
    }

    /// Variance and fourth central moment.
    fn central(&self) -> (f64, f64) {
        let m = self.mean();
        (
            self.moment(|k| (k - m).powi(2)),
            self.moment(|k| (k - m).powi(4)),
        )
    }

    /// Smallest k with P(X <= k) >= prob.
    fn quantile(&self, prob: f64) -> f64 {
        let mut cdf = 0.0;
        for (k, p) in self.pmf.iter().enumerate() {
            cdf += p;
            if cdf >= prob {
                return k as f64;
            }
        }
        (self.pmf.len() - 1) as f64
    }

    /// Checks a sample against this distribution: mean and sd within [`Z`] standard
    /// errors, and the P5, P50 and P95 within the exact quantiles at `prob ± Z·se`,
    /// se = sqrt(prob(1−prob)/N). Why that bound: the number of draws at or below
    /// Q(prob + δ) is Binomial(N, F) with F ≥ prob + δ, so the order statistic of rank
    /// ≈ N·prob exceeds Q(prob + δ) only if that count falls Z standard errors short of
    /// its mean; symmetrically below. It is exact for a discrete distribution, where a
    /// tolerance in units would be arbitrary.
    fn check_sample(&self, xs: &[f64], what: &str) {
        let n = xs.len() as f64;
        let (mean, sd) = mean_sd(xs);
        let (var, mu4) = self.central();
        let se_mean = (var / n).sqrt();
        assert!(
            (mean - self.mean()).abs() < Z * se_mean,
            "{what}: mean {mean} vs exact {} (se {se_mean})",
            self.mean()
        );
        // Delta method: Var(s²) ≈ (μ4 − σ⁴)/N, and s = sqrt(s²).
        let se_sd = ((mu4 - var * var) / n).sqrt() / (2.0 * var.sqrt());
        assert!(
            (sd - var.sqrt()).abs() < Z * se_sd,
            "{what}: sd {sd} vs exact {} (se {se_sd})",
            var.sqrt()
        );
        for prob in [0.05, 0.5, 0.95] {
            let delta = Z * (prob * (1.0 - prob) / n).sqrt();
            let (lo, hi) = (self.quantile(prob - delta), self.quantile(prob + delta));
            let q = quantile7(xs, prob);
            assert!(
                lo <= q && q <= hi,
                "{what}: P{} = {q} outside exact [{lo}, {hi}]",
                prob * 100.0
            );
        }
    }
}

/// SPEC section 4 with a constant hazard h, no returns, offer at month 0: after month
/// t's uptake each patient has stayed traditional with probability (1−h)^(t+1)
/// independently, so T_t ~ Binomial(size, (1−h)^(t+1)), and an activity service used
/// only by the cohort earns unit_price × per_month × T_t.
#[test]
fn constant_hazard_traditional_count_is_binomial() {
    const SIZE: u64 = 200;
    const H: f64 = 0.05;
    const N: u64 = 20_000;
    const CHECKED: [usize; 4] = [0, 5, 11, 23];
    let s = scenario(
        24,
        vec![provider(
            "trust",
            vec![activity_service("trust", "clinic", 50.0)],
        )],
        vec![cohort("c", SIZE, constant_uptake("c", H), &[(0, 2.0)])],
    );
    let mut counts = vec![Vec::new(); CHECKED.len()];
    run_each(&s, 0..N, |_, layout, monthly, _| {
        let income_series = layout.service_series(0, ServiceSeries::Income).unwrap();
        let income = series(layout, monthly, income_series);
        let traditional = series(
            layout,
            monthly,
            layout.cohort_series(0, CohortSeries::Traditional),
        );
        for (k, &t) in CHECKED.iter().enumerate() {
            assert!(close(income[t], 100.0 * traditional[t], income[t]));
            counts[k].push(income[t] / 100.0);
        }
    });
    for (k, &t) in CHECKED.iter().enumerate() {
        let exact = ExactBinomial::new(SIZE, (1.0 - H).powi(t as i32 + 1));
        exact.check_sample(&counts[k], &format!("T at month {t}"));
    }
}

/// With everyone taking a budget in the offer month (h = 1, ceiling 1) and return rate
/// r, a holder is still one t months later with probability (1−r)^t, and nobody who
/// returned takes a budget again.
#[test]
fn returns_are_binomial_and_final() {
    const SIZE: u64 = 500;
    const R: f64 = 0.05;
    const N: u64 = 4_000;
    let mut c = cohort("c", SIZE, constant_uptake("c", 1.0), &[]);
    set(&mut c.return_rate, R);
    let s = scenario(13, vec![], vec![c]);
    let mut at_12 = Vec::new();
    run_each(&s, 0..N, |_, layout, monthly, _| {
        let get = |m| series(layout, monthly, layout.cohort_series(0, m));
        let holders = get(CohortSeries::Holders);
        let new = get(CohortSeries::NewHolders);
        let returned = get(CohortSeries::Returned);
        assert_eq!(new[0] as u64, SIZE);
        assert!(new[1..].iter().all(|&n| n < 0.5), "returners never retake");
        let mut returned_so_far = 0.0;
        for t in 0..13 {
            returned_so_far += returned[t];
            assert!(close(holders[t] + returned_so_far, SIZE as f64, 1.0));
        }
        at_12.push(holders[12]);
    });
    ExactBinomial::new(SIZE, (1.0 - R).powi(12)).check_sample(&at_12, "holders at 12");
}

/// New holders are split across forms by Multinomial(A, forms): each form's count is
/// Binomial(A, share). Admin cost on one form only (admin = 1, budget 1,200/year) makes
/// admin in month 0 = 100 × that form's holders; the three variants use the same
/// streams, so their counts add up to the cohort in every iteration.
#[test]
fn forms_split_is_multinomial() {
    const SIZE: u64 = 1_000;
    const N: u64 = 3_000;
    const FORMS: [f64; 3] = [0.2, 0.5, 0.3];
    let mut by_form = vec![Vec::new(); 3];
    for form in Form::ALL {
        let mut c = cohort("c", SIZE, constant_uptake("c", 1.0), &[]);
        c.forms = FORMS;
        c.budget = fixed_budget(1_200.0);
        let mut s = scenario(1, vec![], vec![c]);
        s.budget_forms[form.index()] = Some(budget_form(form, 0.0, &[], 1.0));
        run_each(&s, 0..N, |_, layout, monthly, _| {
            let admin = layout.commissioner_series(CommissionerSeries::Admin);
            by_form[form.index()].push(series(layout, monthly, admin)[0] / 100.0);
        });
    }
    for i in 0..N as usize {
        let total: f64 = by_form.iter().map(|v| v[i]).sum();
        assert!(close(total, SIZE as f64, 1.0));
    }
    for form in Form::ALL {
        ExactBinomial::new(SIZE, FORMS[form.index()])
            .check_sample(&by_form[form.index()], form.key());
    }
}

/// With a million patients the Bass process is close to its mean-field recursion
/// E_{t+1} = E_t + (W − E_t)·min(1, p + q·E_t/W): the relative sd of a month's uptake
/// is below 1% from the first month (W·p = 10,000 adopters, sd ≈ 100), so the mean of
/// 20 paths must be within 1% of the recursion.
#[test]
fn bass_uptake_follows_the_discrete_recursion() {
    const SIZE: u64 = 1_000_000;
    const P: f64 = 0.01;
    const Q: f64 = 0.4;
    const MONTHS: usize = 24;
    const N: u64 = 20;
    let s = scenario(
        MONTHS as u32,
        vec![],
        vec![cohort("c", SIZE, bass_uptake("c", P, Q), &[])],
    );
    let mut mean = [0.0; MONTHS];
    run_each(&s, 0..N, |_, layout, monthly, _| {
        let holders = series(
            layout,
            monthly,
            layout.cohort_series(0, CohortSeries::Holders),
        );
        for t in 0..MONTHS {
            mean[t] += holders[t] / N as f64;
        }
    });
    let w = SIZE as f64;
    let mut e = 0.0;
    for (t, &simulated) in mean.iter().enumerate() {
        e += (w - e) * (P + Q * e / w).min(1.0);
        assert!(
            (simulated - e).abs() < 0.01 * e,
            "month {t}: simulated {simulated}, recursion {e}"
        );
    }
}

/// SPEC section 4 steps 5–7 for a block service: income is contract_value₀/12 until the
/// first review, then contract_value₀ × (1 − pass_through·L)/12 with L the share of
/// baseline activity lost over the 12 months before the review; fixed cost is re-based
/// with cost_flex; both hold until the next review. Recomputed here from the simulated
/// activity series, for pass_through 1 (income = contract₀/12 × run-rate / A0 when
/// activity has fallen) and for a partial pass-through and an early first review.
#[test]
fn block_contract_is_rebased_on_the_run_rate() {
    for (pass_through, first_review) in [(1.0, None), (0.6, Some(5))] {
        const CV0: f64 = 1_200_000.0;
        const FC0: f64 = 600_000.0;
        const OTHER: f64 = 200.0;
        const BACKFILL: f64 = 0.25;
        let mut svc = block_service("trust", "crisis", 100.0, CV0, pass_through);
        set(&mut svc.fixed_cost, FC0);
        set(&mut svc.cost_flex, 0.5);
        set(&mut svc.variable_cost, 10.0);
        set(&mut svc.other_activity, OTHER);
        set(&mut svc.backfill, BACKFILL);
        let mut c = cohort("c", 1_000, constant_uptake("c", 0.03), &[(0, 1.0)]);
        set(&mut c.return_rate, 0.01);
        let mut s = scenario(40, vec![provider("trust", vec![svc])], vec![c]);
        s.contracts.first_review = first_review.map(|t: i64| START.plus(t));
        let reviews: Vec<usize> = (0..40)
            .filter(|&t| s.is_review_month(t))
            .map(|t| t as usize)
            .collect();
        let a0 = 1_000.0 + OTHER;

        run_each(&s, 0..20, |_, layout, monthly, _| {
            let get = |m| series(layout, monthly, layout.service_series(0, m).unwrap());
            let (activity, income, costs) = (
                get(ServiceSeries::Activity),
                get(ServiceSeries::Income),
                get(ServiceSeries::Costs),
            );
            let traditional = series(
                layout,
                monthly,
                layout.cohort_series(0, CohortSeries::Traditional),
            );
            let (mut cv, mut fc) = (CV0, FC0);
            for t in 0..40 {
                let c = traditional[t];
                let expected_activity = c + OTHER + BACKFILL * (a0 - c - OTHER);
                assert!(close(activity[t], expected_activity, a0));
                if reviews.contains(&t) {
                    let window = &activity[t.saturating_sub(12)..t];
                    let run_rate = window.iter().sum::<f64>() / window.len() as f64;
                    let lost = (1.0 - run_rate / a0).max(0.0);
                    cv = CV0 * (1.0 - pass_through * lost);
                    fc = FC0 * (1.0 - 0.5 * lost);
                }
                if t < reviews[0] {
                    assert!(close(income[t], CV0 / 12.0, CV0), "flat before review");
                }
                assert!(close(income[t], cv / 12.0, CV0), "month {t}");
                assert!(
                    close(costs[t], fc / 12.0 + 10.0 * activity[t], CV0),
                    "month {t}"
                );
            }
        });
        assert_eq!(reviews[0], first_review.unwrap_or(12) as usize);
    }
}

/// A scenario where money follows the patient: every form spends its whole budget back
/// at the cohort's own services (existing = 1), and each holder's budget is what their
/// traditional use was worth, 12 × Σ per_month × unit_price. Provider "acute" has two
/// activity services (one with other activity and backfill), "community" one block
/// service whose contract is priced consistently (contract₀ = 12 × unit_price × A0).
fn money_follows_the_patient(hazard: f64, return_rate: f64) -> Scenario {
    let mut a1 = activity_service("acute", "beds", 200.0);
    set(&mut a1.other_activity, 100.0);
    set(&mut a1.backfill, 0.5);
    let a2 = activity_service("acute", "clinic", 50.0);
    let a0_block = 3_000.0 * 1.0;
    let mut b1 = block_service("community", "team", 80.0, 12.0 * 80.0 * a0_block, 1.0);
    set(&mut b1.backfill, 0.5);
    let mut acute = provider("acute", vec![a1, a2]);
    set(&mut acute.other_income, 1_000_000.0);
    let community = provider("community", vec![b1]);

    let mut c = cohort(
        "c",
        3_000,
        constant_uptake("c", hazard),
        &[(0, 0.5), (1, 2.0), (2, 1.0)],
    );
    set(&mut c.uptake.ceiling, 0.7);
    set(&mut c.return_rate, return_rate);
    c.forms = [0.15, 0.8, 0.05];
    c.budget = fixed_budget(12.0 * (0.5 * 200.0 + 2.0 * 50.0 + 1.0 * 80.0));
    let mut s = scenario(30, vec![acute, community], vec![c]);
    for form in Form::ALL {
        s.budget_forms[form.index()] = Some(budget_form(form, 1.0, &[], 0.0));
    }
    s
}

/// Money follows the patient (SPEC sections 4.4–4.7): what holds exactly.
/// - Activity services earn exactly their baseline in every month: the traditional
///   activity lost is bought back by the budgets at the same unit price, and freed
///   capacity is 0 so backfill adds nothing. Hence a provider of activity services only
///   keeps its baseline income.
/// - A block service, before its first review, earns its whole contract plus the
///   budgets spent there: double running. The commissioner's additional spend is then
///   exactly that PHB money (activity payments fall by what budgets buy back).
/// - After a review the block contract is cut on the run-rate of the past year, which
///   equals this month's activity only when holders stop changing; so the block
///   provider is back to baseline after its review exactly when everyone willing takes
///   a budget in the first month and nobody returns (tested with h = 1, r = 0).
#[test]
fn money_follows_the_patient_keeps_activity_income_at_baseline() {
    let s = money_follows_the_patient(0.05, 0.02);
    run_each(&s, 0..30, |_, layout, monthly, summary| {
        let get = |i| series(layout, monthly, i);
        let acute_income = get(layout.provider_series(0, ProviderSeries::Income));
        let baseline = summary[layout.provider_summary(0, ProviderSummary::BaselineIncome)];
        for &income in acute_income {
            assert!(close(income, baseline / 30.0, baseline));
        }
        for (s_index, unit_price, a0) in [(0, 200.0, 1_600.0), (1, 50.0, 6_000.0)] {
            let income = get(layout
                .service_series(s_index, ServiceSeries::Income)
                .unwrap());
            assert!(income.iter().all(|&x| close(x, unit_price * a0, x)));
        }
        let block_income = get(layout.service_series(2, ServiceSeries::Income).unwrap());
        let block_phb = get(layout
            .service_series(2, ServiceSeries::PhbActivity)
            .unwrap());
        let additional = get(layout.commissioner_series(CommissionerSeries::AdditionalVsBaseline));
        let contract = 12.0 * 80.0 * 3_000.0;
        for t in 0..12 {
            let phb_money = 80.0 * block_phb[t];
            assert!(close(
                block_income[t],
                contract / 12.0 + phb_money,
                contract
            ));
            assert!(close(additional[t], phb_money, contract));
        }
    });

    let s = money_follows_the_patient(1.0, 0.0);
    run_each(&s, 0..30, |_, layout, monthly, summary| {
        let income = series(
            layout,
            monthly,
            layout.provider_series(1, ProviderSeries::Income),
        );
        let baseline = summary[layout.provider_summary(1, ProviderSummary::BaselineIncome)];
        for (t, &income) in income.iter().enumerate().skip(12) {
            assert!(close(income, baseline / 30.0, baseline), "month {t}");
        }
    });
}

/// With no uptake the projection is the counterfactual: same income, margin and
/// distress. Reserves start low and margins are negative, so distress happens in both.
#[test]
fn without_uptake_the_projection_is_the_baseline() {
    let mut svc = block_service("trust", "crisis", 100.0, 120_000.0, 1.0);
    set(&mut svc.fixed_cost, 150_000.0);
    let mut clinic = activity_service("trust", "clinic", 30.0);
    set(&mut clinic.fixed_cost, 150_000.0);
    let mut trust = provider("trust", vec![svc, clinic]);
    trust.reserves = 10_000.0;
    let s = scenario(
        24,
        vec![trust],
        vec![cohort(
            "c",
            100,
            constant_uptake("c", 0.0),
            &[(0, 1.0), (1, 3.0)],
        )],
    );
    let (_, summary) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let get = |m| summary[layout.provider_summary(0, m)];
    assert!(close(
        get(ProviderSummary::Income),
        get(ProviderSummary::BaselineIncome),
        1e6
    ));
    assert!(close(
        get(ProviderSummary::Margin),
        get(ProviderSummary::BaselineMargin),
        1e6
    ));
    assert!(close(get(ProviderSummary::IncomeChangePct), 0.0, 1.0));
    assert_eq!(get(ProviderSummary::Distressed).to_bits(), 1f64.to_bits());
    assert_eq!(
        get(ProviderSummary::DistressedBaseline).to_bits(),
        1f64.to_bits()
    );
    let commissioner =
        summary[layout.commissioner_summary(CommissionerSummary::AdditionalVsBaseline)];
    assert!(close(commissioner, 0.0, 1e6));
}

/// A service with no baseline income has no income change (empty in the output).
#[test]
fn income_change_of_a_service_without_baseline_is_nan() {
    let s = scenario(
        3,
        vec![provider(
            "trust",
            vec![activity_service("trust", "unused", 30.0)],
        )],
        vec![],
    );
    let (_, summary) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let pct = layout
        .service_summary(0, ServiceSummary::IncomeChangePct)
        .unwrap();
    assert!(summary[pct].is_nan());
}

/// Two cohorts sharing a service.
fn two_cohorts() -> Scenario {
    let svc = activity_service("trust", "clinic", 40.0);
    let mut a = cohort("a", 400, bass_uptake("a", 0.02, 0.3), &[(0, 1.0)]);
    set(&mut a.uptake.ceiling, 0.6);
    set(&mut a.return_rate, 0.03);
    a.forms = [0.3, 0.6, 0.1];
    a.budget = fixed_budget(2_000.0);
    let b = cohort("b", 300, constant_uptake("b", 0.05), &[(0, 2.0)]);
    let mut s = scenario(24, vec![provider("trust", vec![svc])], vec![a, b]);
    s.budget_forms[0] = Some(budget_form(Form::DirectPayment, 0.5, &[], 0.05));
    s
}

/// The draws-only floor of `benches/national.rs` draws exactly what the engine draws:
/// with budgets drawn holder by holder and a late offer, one missing or extra draw
/// would shift every later count of the cohort.
#[test]
fn draw_cohorts_draws_what_the_engine_draws() {
    use crate::distribution::Distribution;
    let mut s = two_cohorts();
    let dist = Distribution::LogNormal {
        mean: 9_000.0,
        sd: 4_000.0,
    };
    let (clamped_mean, clamped_variance) = dist.clamped_moments(0.0, f64::INFINITY);
    s.cohorts[1].budget = crate::scenario::BudgetDistribution {
        dist,
        clamped_mean,
        clamped_variance,
    };
    s.cohorts[1].offer_from = s.start.plus(5);
    set(&mut s.cohorts[1].return_rate, 0.05);
    run_each(&s, 0..20, |i, layout, monthly, _| {
        let params = DrawnParameters::draw(&s, s.seed, i);
        let ever = draw_cohorts(&s, &params, s.seed, i);
        for (c, &ever) in ever.iter().enumerate() {
            let new = layout.cohort_series(c, CohortSeries::NewHolders);
            let total: f64 = series(layout, monthly, new).iter().sum();
            assert_eq!(ever, total as u64, "cohort {c}, iteration {i}");
        }
    });
}

fn cohort_series(s: &Scenario, id: &str, iteration: u64) -> Vec<u64> {
    let layout = OutputLayout::new(s);
    let c = s.cohorts.iter().position(|c| c.id == id).unwrap();
    let (monthly, _) = run_one(s, iteration);
    CohortSeries::ALL
        .iter()
        .flat_map(|&m| series(&layout, &monthly, layout.cohort_series(c, m)).to_vec())
        .map(f64::to_bits)
        .collect()
}

/// SPEC section 7: a cohort's draws depend only on (seed, iteration, its id). Editing
/// every parameter of cohort b, or putting it first, leaves cohort a bit-identical.
#[test]
fn editing_another_cohort_leaves_a_cohort_unchanged() {
    let base = two_cohorts();
    let mut edited = base.clone();
    {
        let b = &mut edited.cohorts[1];
        b.size = 900;
        b.uptake = bass_uptake("b", 0.1, 0.5);
        set(&mut b.uptake.ceiling, 0.5);
        set(&mut b.return_rate, 0.2);
        b.budget = fixed_budget(7_000.0);
        b.forms = [1.0, 0.0, 0.0];
        b.offer_from = START.plus(3);
    }
    let mut reordered = edited.clone();
    reordered.cohorts.reverse();
    for i in 0..20 {
        let a = cohort_series(&base, "a", i);
        assert_eq!(a, cohort_series(&edited, "a", i), "iteration {i}");
        assert_eq!(a, cohort_series(&reordered, "a", i), "iteration {i}");
    }
    // ... while b itself does change.
    assert_ne!(cohort_series(&base, "b", 0), cohort_series(&edited, "b", 0));
}

/// Same inputs, same bits, whatever the workspace did before (another iteration,
/// another scenario).
#[test]
fn same_inputs_give_identical_output() {
    let s = two_cohorts();
    let bits = |(m, s): (Vec<f64>, Vec<f64>)| -> Vec<u64> {
        m.iter().chain(&s).map(|x| x.to_bits()).collect()
    };
    let fresh = bits(run_one(&s, 7));
    assert_eq!(fresh, bits(run_one(&s, 7)));

    let other = money_follows_the_patient(0.1, 0.1);
    let layout = OutputLayout::new(&s);
    let mut ws = Workspace::default();
    let (mut m, mut sm) = (Vec::new(), Vec::new());
    for (scenario, i) in [(&s, 3), (&other, 1), (&s, 7)] {
        let layout = OutputLayout::new(scenario);
        m = vec![0.0; layout.monthly_len()];
        sm = vec![0.0; layout.summary_len()];
        let params = DrawnParameters::draw(scenario, 1, i);
        simulate_iteration(scenario, &layout, &params, 1, i, &mut ws, &mut m, &mut sm);
    }
    assert_eq!(layout.monthly_len(), m.len());
    assert_eq!(fresh, bits((m, sm)));
}

/// Pins a few outputs of a tiny scenario so that any change to the random streams or
/// the order of draws is noticed (and recorded in CHANGELOG.md).
#[test]
fn cohort_draws_are_value_stable() {
    let s = two_cohorts();
    let layout = OutputLayout::new(&s);
    let (monthly, _) = run_one(&s, 0);
    let holders = series(
        &layout,
        &monthly,
        layout.cohort_series(0, CohortSeries::Holders),
    );
    let pinned: Vec<u64> = holders[..8].iter().map(|&x| x as u64).collect();
    assert_eq!(pinned, PINNED_HOLDERS);
}

const PINNED_HOLDERS: [u64; 8] = [3, 5, 19, 31, 46, 61, 77, 100];

/// Random small scenarios for the invariants.
fn arb_scenario() -> impl Strategy<Value = Scenario> {
    let service = (
        any::<bool>(),
        1.0..500.0f64,
        0.0..2e6f64,
        (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
        (0.0..1e6f64, 0.0..50.0f64, 0.0..300.0f64),
        prop::option::of(0.0..2_000.0f64),
    );
    let cohort_strategy = (
        0u64..3_000,
        prop_oneof![
            (0.0..0.3f64).prop_map(|m| (None, m)),
            (0.0..0.05f64, 0.0..1.0f64).prop_map(|(p, q)| (Some(q), p)),
        ],
        (0.0..1.0f64, 0.0..0.1f64, 0.0..20_000.0f64),
        (0.0..1.0f64, 0.0..1.0f64),
        0i64..20,
        prop::collection::vec((0usize..6, 0.0..3.0f64), 0..4),
    );
    let form = prop::option::of((0.0..1.0f64, 0.0..0.6f64, 0.0..0.2f64));
    (
        1u32..40,
        prop::collection::vec(service, 1..6),
        prop::collection::vec(cohort_strategy, 0..4),
        prop::array::uniform3(form),
        (-1e5..1e5f64, -0.2..0.2f64),
        prop::option::of(0i64..14),
    )
        .prop_map(
            |(months, services, cohorts, forms, (reserves, min_margin), first_review)| {
                let n_services = services.len();
                let mut providers = vec![provider("p0", vec![]), provider("p1", vec![])];
                for (i, (block, price, cv, (pt, flex, backfill), (fc, vc, other), viable)) in
                    services.into_iter().enumerate()
                {
                    let p = i % 2;
                    let id = format!("s{i}");
                    let mut svc = if block {
                        block_service(&format!("p{p}"), &id, price, cv, pt)
                    } else {
                        activity_service(&format!("p{p}"), &id, price)
                    };
                    set(&mut svc.cost_flex, flex);
                    set(&mut svc.backfill, backfill);
                    set(&mut svc.fixed_cost, fc);
                    set(&mut svc.variable_cost, vc);
                    set(&mut svc.other_activity, other);
                    svc.min_viable_activity = viable;
                    providers[p].services.push(svc);
                }
                for (p, provider) in providers.iter_mut().enumerate() {
                    provider.reserves = reserves;
                    provider.min_margin = min_margin;
                    set(&mut provider.other_income, 1e5 * p as f64);
                    set(&mut provider.other_costs, 2e5);
                }
                // Services are numbered provider by provider: p0 holds s0, s2, s4, ...
                let order: Vec<usize> = (0..n_services)
                    .filter(|i| i % 2 == 0)
                    .chain((0..n_services).filter(|i| i % 2 == 1))
                    .collect();
                let index_of = |i: usize| order.iter().position(|&o| o == i).unwrap();
                let cohorts = cohorts
                    .into_iter()
                    .enumerate()
                    .map(
                        |(c, (size, (q, p), (ceiling, rr, budget), (f0, f1), offer, uses))| {
                            let id = format!("c{c}");
                            let uptake = match q {
                                Some(q) => bass_uptake(&id, p, q),
                                None => constant_uptake(&id, p),
                            };
                            let uses: Vec<(usize, f64)> = uses
                                .into_iter()
                                .map(|(s, pm)| (index_of(s % n_services), pm))
                                .collect();
                            let mut cohort = cohort(&id, size, uptake, &uses);
                            set(&mut cohort.uptake.ceiling, ceiling);
                            set(&mut cohort.return_rate, rr);
                            cohort.budget = fixed_budget(budget);
                            let (a, b) = (f0 * (1.0 - f1), f1 * (1.0 - f0));
                            cohort.forms = [a, b, (1.0 - a - b).max(0.0)];
                            cohort.offer_from = START.plus(offer);
                            cohort
                        },
                    )
                    .collect();
                let mut s = scenario(months, providers, cohorts);
                for (f, form) in forms.into_iter().enumerate() {
                    s.budget_forms[f] = form.map(|(existing, named, admin)| {
                        budget_form(Form::ALL[f], existing, &[(0, named)], admin)
                    });
                }
                s.contracts.first_review = first_review.map(|t| START.plus(t));
                s
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Conservation of patients, 0/1 flags that follow their definitions, reserves as
    /// the running sum of margins, spend as the sum of its parts, and budgets spent at
    /// most once.
    #[test]
    fn invariants_hold_in_random_scenarios(s in arb_scenario(), iteration in 0u64..1_000) {
        let (monthly, summary) = run_one(&s, iteration);
        let layout = OutputLayout::new(&s);
        let months = s.months as usize;
        let get = |i| series(&layout, &monthly, i);
        prop_assert!(monthly.iter().all(|x| x.is_finite()));
        prop_assert!(summary.iter().enumerate().all(|(i, x)| x.is_finite()
            || layout.summary_names()[i].metric == "income_change_pct"));

        for (c, cohort) in s.cohorts.iter().enumerate() {
            let cs = |m| get(layout.cohort_series(c, m));
            let (trad, holders) = (cs(CohortSeries::Traditional), cs(CohortSeries::Holders));
            let (new, returned) = (cs(CohortSeries::NewHolders), cs(CohortSeries::Returned));
            let mut previous = 0.0;
            let mut ever = 0.0;
            for t in 0..months {
                prop_assert_eq!((trad[t] + holders[t]) as u64, cohort.size);
                prop_assert!(close(holders[t], previous + new[t] - returned[t], 1.0));
                previous = holders[t];
                ever += new[t];
                if (t as i64) < s.offer_index(cohort) {
                    prop_assert!(new[t] < 0.5 && holders[t] < 0.5);
                }
            }
            prop_assert!(ever <= cohort.size as f64);
        }

        for (p, provider) in s.providers.iter().enumerate() {
            let ps = |m| get(layout.provider_series(p, m));
            let (income, costs, margin) =
                (ps(ProviderSeries::Income), ps(ProviderSeries::Costs), ps(ProviderSeries::Margin));
            let reserves = ps(ProviderSeries::Reserves);
            let (deficit, distress, by) = (
                ps(ProviderSeries::InDeficit),
                ps(ProviderSeries::InDistress),
                ps(ProviderSeries::DistressedBy),
            );
            let mut running = provider.reserves;
            let mut ever = 0.0f64;
            for t in 0..months {
                prop_assert!(close(margin[t], income[t] - costs[t], income[t]));
                running += margin[t];
                prop_assert!(close(reserves[t], running, running));
                for flag in [deficit[t], distress[t], by[t]] {
                    prop_assert!(flag.to_bits() == 0f64.to_bits() || flag.to_bits() == 1f64.to_bits());
                }
                let from = t.saturating_sub(11);
                let m: f64 = margin[from..=t].iter().sum();
                let i: f64 = income[from..=t].iter().sum();
                prop_assert_eq!(deficit[t] > 0.5, m < provider.min_margin * i);
                prop_assert_eq!(distress[t] > 0.5, reserves[t] < provider.reserve_floor);
                ever = ever.max(distress[t]);
                prop_assert_eq!(by[t].to_bits(), ever.to_bits());
            }
            let distressed = summary[layout.provider_summary(p, ProviderSummary::Distressed)];
            prop_assert_eq!(distressed.to_bits(), by[months - 1].to_bits());
        }

        let cm = |m| get(layout.commissioner_series(m));
        let mut phb_money_total = 0.0;
        for (s_index, (_, service)) in s.services().enumerate() {
            let price = service.unit_price.fixed_value().unwrap();
            let phb = get(layout.service_series(s_index, ServiceSeries::PhbActivity).unwrap());
            let activity = get(layout.service_series(s_index, ServiceSeries::Activity).unwrap());
            phb_money_total += phb.iter().sum::<f64>() * price;
            if let Some(min) = service.min_viable_activity {
                let below = get(layout.service_series(s_index, ServiceSeries::BelowViable).unwrap());
                for t in 0..months {
                    prop_assert_eq!(below[t] > 0.5, activity[t] + phb[t] < min);
                }
            }
        }
        let budgets: f64 = cm(CommissionerSeries::Budgets).iter().sum();
        prop_assert!(phb_money_total <= budgets * (1.0 + EXACT) + EXACT);
        for t in 0..months {
            let parts = cm(CommissionerSeries::BlockPayments)[t]
                + cm(CommissionerSeries::ActivityPayments)[t]
                + cm(CommissionerSeries::Budgets)[t]
                + cm(CommissionerSeries::Admin)[t];
            prop_assert!(close(cm(CommissionerSeries::Spend)[t], parts, parts));
        }

        // Summary metrics are sums, extremes and last values of the monthly series.
        let sum = |xs: &[f64]| xs.iter().sum::<f64>();
        let max = |xs: &[f64]| xs.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let sm = |i: usize| summary[i];
        for (s_index, _) in s.services().enumerate() {
            let income = sum(get(layout.service_series(s_index, ServiceSeries::Income).unwrap()));
            let got = sm(layout.service_summary(s_index, ServiceSummary::Income).unwrap());
            prop_assert!(close(got, income, income));
            if let Some(below) = layout.service_series(s_index, ServiceSeries::BelowViable) {
                let ever = layout.service_summary(s_index, ServiceSummary::EverBelowViable);
                prop_assert_eq!(sm(ever.unwrap()).to_bits(), max(get(below)).to_bits());
            }
        }
        for p in 0..s.providers.len() {
            let ps = |m| get(layout.provider_series(p, m));
            let pm = |m| sm(layout.provider_summary(p, m));
            let margin = sum(ps(ProviderSeries::Margin));
            prop_assert!(close(pm(ProviderSummary::Margin), margin, margin));
            prop_assert!(close(
                pm(ProviderSummary::MarginChange),
                margin - pm(ProviderSummary::BaselineMargin),
                margin
            ));
            let lowest = -max(&ps(ProviderSeries::Reserves).iter().map(|x| -x).collect::<Vec<_>>());
            prop_assert_eq!(pm(ProviderSummary::MinReserves).to_bits(), lowest.to_bits());
        }
        let additional = cm(CommissionerSeries::AdditionalVsBaseline);
        let peak = sm(layout.commissioner_summary(CommissionerSummary::PeakAdditional));
        prop_assert_eq!(peak.to_bits(), max(additional).to_bits());
        let spend = sum(cm(CommissionerSeries::Spend));
        prop_assert!(close(sm(layout.commissioner_summary(CommissionerSummary::Spend)), spend, spend));
    }
}

/// The forms' spending shares are capped as SPEC section 3 says: existing 0.8 and a
/// named share 0.6 are scaled to 0.8/1.4 and 0.6/1.4, so all the budget is spent and
/// no more.
#[test]
fn overfull_form_shares_are_scaled_down() {
    let mut c = cohort("c", 100, constant_uptake("c", 1.0), &[(0, 1.0)]);
    c.budget = fixed_budget(1_200.0);
    let mut s = scenario(
        2,
        vec![provider(
            "trust",
            vec![
                activity_service("trust", "a", 10.0),
                activity_service("trust", "b", 10.0),
            ],
        )],
        vec![c],
    );
    s.budget_forms[Form::Notional.index()] =
        Some(budget_form(Form::Notional, 0.8, &[(1, 0.6)], 0.0));
    let (monthly, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let phb = |svc| {
        series(
            &layout,
            &monthly,
            layout
                .service_series(svc, ServiceSeries::PhbActivity)
                .unwrap(),
        )[0] * 10.0
    };
    // 100 holders × £100/month = £10,000.
    assert!(close(phb(0), 10_000.0 * 0.8 / 1.4, 1e4));
    assert!(close(phb(1), 10_000.0 * 0.6 / 1.4, 1e4));
}

/// A review in month 0 has no run-rate to agree a contract on, so nothing changes.
#[test]
fn review_in_the_first_month_changes_nothing() {
    let s = {
        let mut s = scenario(
            3,
            vec![provider(
                "trust",
                vec![block_service("trust", "a", 10.0, 1_200.0, 1.0)],
            )],
            vec![cohort("c", 100, constant_uptake("c", 1.0), &[(0, 1.0)])],
        );
        s.contracts.first_review = Some(YearMonth {
            year: 2027,
            month: 4,
        });
        s
    };
    assert!(s.is_review_month(0));
    let (monthly, _) = run_one(&s, 0);
    let layout = OutputLayout::new(&s);
    let income = series(
        &layout,
        &monthly,
        layout.service_series(0, ServiceSeries::Income).unwrap(),
    );
    assert!(income.iter().all(|&x| close(x, 100.0, 100.0)));
}

/// Budgets spread across holders (SPEC section 3): each new holder draws their own
/// budget, clamped at 0. Below [`BUDGET_EXACT_DRAWS_BELOW`] new holders the draws are
/// individual, from it on their total is one moment-matched draw; both sides must give
/// the total of k holders mean k·m and variance k·v, with m and v the moments of ONE
/// clamped budget. A normal budget with sd 2/3 of its mean is clamped in 7% of draws,
/// so forgetting the clamp, or using unclamped moments, would fail.
///
/// Everyone takes a budget in month 0 (h = 1) in one form, so month 0's budget spend is
/// the total of k draws / 12. Over N iterations the mean is within Z·sqrt(var/N), and
/// the variance within Z·var·sqrt(2/(N−1)) (the total's excess kurtosis is one
/// budget's divided by k, below 0.01 here, and is neglected).
#[test]
fn budget_totals_keep_the_spread_across_holders() {
    use crate::distribution::Distribution;
    const N: u64 = 4_000;
    let dist = Distribution::Normal {
        mean: 9_000.0,
        sd: 6_000.0,
    };
    let (m, v) = dist.clamped_moments(0.0, f64::INFINITY);
    assert!(m > 9_000.0, "the clamp raises the mean");
    for k in [BUDGET_EXACT_DRAWS_BELOW - 1, 400] {
        let mut c = cohort("c", k, constant_uptake("c", 1.0), &[]);
        c.budget = crate::scenario::BudgetDistribution {
            dist: dist.clone(),
            clamped_mean: m,
            clamped_variance: v,
        };
        let s = scenario(1, vec![], vec![c]);
        let mut totals = Vec::new();
        run_each(&s, 0..N, |_, layout, monthly, _| {
            let spend = layout.cohort_series(0, CohortSeries::BudgetSpend);
            totals.push(12.0 * series(layout, monthly, spend)[0]);
        });
        let (mean, sd) = mean_sd(&totals);
        let (true_mean, true_var) = (k as f64 * m, k as f64 * v);
        let se_mean = (true_var / N as f64).sqrt();
        assert!(
            (mean - true_mean).abs() < Z * se_mean,
            "k = {k}: mean {mean} vs {true_mean} (se {se_mean})"
        );
        let se_var = true_var * (2.0 / (N - 1) as f64).sqrt();
        assert!(
            (sd * sd - true_var).abs() < Z * se_var,
            "k = {k}: variance {} vs {true_var} (se {se_var})",
            sd * sd
        );
    }
}
