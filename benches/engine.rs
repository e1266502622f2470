//! Speed of one iteration of the engine on a scenario of realistic size: 8 providers,
//! 20 services (a third block-paid), 5 cohorts of 300 to 20,000 patients, 36 months,
//! all three budget forms, returns, backfill, and lognormal budgets (about 5,000 new
//! holders per iteration, drawn one by one below `BUDGET_EXACT_DRAWS_BELOW` new holders
//! of a form in a month, as one total from it on). The workspace and output buffers
//! are reused, as the runner does.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use phbsim::distribution::Distribution;
use phbsim::engine::{DrawnParameters, Simulator};
use phbsim::rng::StreamKey;
use phbsim::scenario::*;

fn fixed(path: String, value: f64, range: ValueRange) -> Uncertain {
    Uncertain::new(Distribution::Fixed(value), range, path)
}

fn realistic() -> Scenario {
    let mut providers = Vec::new();
    let mut index = 0;
    for p in 0..8 {
        let id = format!("p{p}");
        let services = (0..if p < 4 { 3 } else { 2 })
            .map(|k| {
                let path = format!("providers.{id}.services.s{k}");
                let u = |key: &str, value, range| fixed(format!("{path}.{key}"), value, range);
                let block = index % 3 == 0;
                index += 1;
                Service {
                    id: format!("s{k}"),
                    name: format!("service {k}"),
                    payment: if block {
                        Payment::Block {
                            contract_value: u("contract_value", 3e6, ValueRange::NonNegative),
                            pass_through: u("pass_through", 0.8, ValueRange::Probability),
                        }
                    } else {
                        Payment::Activity
                    },
                    unit_price: u("unit_price", 150.0 + 10.0 * k as f64, ValueRange::Positive),
                    fixed_cost: u("fixed_cost", 1e6, ValueRange::NonNegative),
                    variable_cost: u("variable_cost", 40.0, ValueRange::NonNegative),
                    other_activity: u("other_activity", 800.0, ValueRange::NonNegative),
                    budget_purchasable: true,
                    cost_flex: u("cost_flex", 0.3, ValueRange::Probability),
                    backfill: u("backfill", 0.2, ValueRange::Probability),
                    min_viable_activity: (k == 0).then_some(500.0),
                    cost_step: u("cost_step", 0.0, ValueRange::NonNegative),
                    notice_months: 0,
                    transition_cost: u("transition_cost", 0.0, ValueRange::NonNegative),
                }
            })
            .collect();
        providers.push(Provider {
            id: id.clone(),
            name: id.clone(),
            kind: ProviderKind::NhsTrust,
            other_income: fixed(
                format!("providers.{id}.other_income"),
                5e7,
                ValueRange::NonNegative,
            ),
            other_costs: fixed(
                format!("providers.{id}.other_costs"),
                4.9e7,
                ValueRange::NonNegative,
            ),
            reserves: 2e6,
            reserve_floor: 0.0,
            min_margin: 0.0,
            services,
        });
    }
    let start = YearMonth {
        year: 2027,
        month: 4,
    };
    let cohorts = [300u64, 900, 2_500, 8_000, 20_000]
        .iter()
        .enumerate()
        .map(|(c, &size)| {
            let id = format!("c{c}");
            let u = |key: &str, value, range| fixed(format!("cohorts.{id}.{key}"), value, range);
            Cohort {
                id: id.clone(),
                name: id.clone(),
                size,
                offer_from: start.plus(c as i64),
                uptake: Uptake {
                    model: if c % 2 == 0 {
                        UptakeModel::Bass {
                            p: u("uptake.p", 0.004, ValueRange::Probability),
                            q: u("uptake.q", 0.25, ValueRange::NonNegative),
                        }
                    } else {
                        UptakeModel::Constant {
                            monthly: u("uptake.monthly", 0.02, ValueRange::Probability),
                        }
                    },
                    ceiling: u("uptake.ceiling", 0.3, ValueRange::Probability),
                },
                return_rate: u("return_rate", 0.01, ValueRange::Probability),
                budget: {
                    let dist = Distribution::LogNormal {
                        mean: 9_000.0,
                        sd: 4_000.0,
                    };
                    let (clamped_mean, clamped_variance) = dist.clamped_moments(0.0, f64::INFINITY);
                    BudgetDistribution {
                        dist,
                        clamped_mean,
                        clamped_variance,
                    }
                },
                forms: NATIONAL_FORMS,
                forms_defaulted: true,
                uses: (0..4)
                    .map(|k| ServiceUse {
                        service: ServiceIndex((c * 4 + k * 3) % 20),
                        per_month: u(
                            &format!("uses.{k}.per_month"),
                            0.5 + k as f64,
                            ValueRange::NonNegative,
                        ),
                        substitution: u(
                            &format!("uses.{k}.substitution"),
                            1.0,
                            ValueRange::Probability,
                        ),
                    })
                    .collect(),
                key: StreamKey::of(&id),
            }
        })
        .collect();
    let form = |form: Form, existing, named: usize| {
        let path = format!("budget_forms.{}", form.key());
        Some(BudgetForm {
            existing: fixed(
                format!("{path}.existing"),
                existing,
                ValueRange::Probability,
            ),
            services: vec![(
                ServiceIndex(named),
                fixed(
                    format!("{path}.services.{named}"),
                    0.1,
                    ValueRange::Probability,
                ),
            )],
            admin_cost: fixed(format!("{path}.admin_cost"), 0.04, ValueRange::Probability),
            underspend: fixed(format!("{path}.underspend"), 0.0, ValueRange::Probability),
        })
    };
    Scenario {
        name: "bench".into(),
        description: None,
        start,
        months: 36,
        iterations: 1,
        seed: 1,
        contracts: Contracts {
            review_month: 4,
            first_review: None,
        },
        prices: Prices {
            year_start: 4,
            tariff_uplift: fixed(
                "prices.tariff_uplift".to_string(),
                0.0,
                ValueRange::YearlyRate,
            ),
            cost_inflation: fixed(
                "prices.cost_inflation".to_string(),
                0.0,
                ValueRange::YearlyRate,
            ),
            budget_uplift: fixed(
                "prices.budget_uplift".to_string(),
                0.0,
                ValueRange::YearlyRate,
            ),
        },
        envelope: None,
        budget_forms: [
            form(Form::DirectPayment, 0.15, 19),
            form(Form::Notional, 0.6, 7),
            form(Form::ThirdParty, 0.3, 11),
        ],
        providers,
        cohorts,
        correlations: Vec::new(),
        draws: None,
    }
}

fn bench_iteration(c: &mut Criterion) {
    let scenario = realistic();
    let params = DrawnParameters::draw(&scenario, scenario.seed, 0);
    let mut simulator = Simulator::new(&scenario);
    let mut iteration = 0u64;
    c.bench_function("simulate_iteration 8p/20s/5c/36m", |b| {
        b.iter(|| {
            iteration += 1;
            black_box(simulator.iterate_with(black_box(&params), scenario.seed, iteration));
        })
    });
    c.bench_function("draw parameters 8p/20s/5c", |b| {
        b.iter(|| DrawnParameters::draw(black_box(&scenario), scenario.seed, 0))
    });
}

/// The draws with four parameters given as distributions (two pert, a lognormal, a
/// uniform), independent and then in one `[[correlations]]` block: the copula's cost
/// per iteration (four normal scores, a 4×4 factor, four quantiles, the pert ones by
/// bisection of the beta cdf) beside the independent draws it replaces.
fn bench_correlated_draws(c: &mut Criterion) {
    let mut scenario = realistic();
    let pert = |min, mode, max| Distribution::Pert { min, mode, max };
    scenario.cohorts[0].uptake.ceiling.dist = pert(0.1, 0.3, 0.5);
    if let Payment::Block { pass_through, .. } = &mut scenario.providers[0].services[0].payment {
        pass_through.dist = pert(0.5, 0.8, 1.0);
    }
    scenario.providers[0].other_income.dist = Distribution::LogNormal { mean: 5e7, sd: 2e6 };
    if let UptakeModel::Constant { monthly } = &mut scenario.cohorts[1].uptake.model {
        monthly.dist = Distribution::Uniform {
            min: 0.01,
            max: 0.03,
        };
    }
    c.bench_function("draw parameters 8p/20s/5c, 4 independent", |b| {
        b.iter(|| DrawnParameters::draw(black_box(&scenario), scenario.seed, 0))
    });
    let paths = [
        "cohorts.c0.uptake.ceiling",
        "providers.p0.services.s0.pass_through",
        "providers.p0.other_income",
        "cohorts.c1.uptake.monthly",
    ];
    let rank = vec![
        vec![1.0, 0.6, 0.2, 0.4],
        vec![0.6, 1.0, 0.1, 0.3],
        vec![0.2, 0.1, 1.0, 0.0],
        vec![0.4, 0.3, 0.0, 1.0],
    ];
    scenario.correlations =
        vec![Correlation::new(paths.map(String::from).to_vec(), rank).expect("valid")];
    c.bench_function("draw parameters 8p/20s/5c, 4 correlated", |b| {
        b.iter(|| DrawnParameters::draw(black_box(&scenario), scenario.seed, 0))
    });
}

criterion_group!(benches, bench_iteration, bench_correlated_draws);
criterion_main!(benches);
