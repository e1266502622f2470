//! Small scenarios for the engine's tests, built directly as validated types (the
//! parser lives elsewhere). Every parameter is a plain number unless a test replaces
//! it; paths follow SPEC section 7 so streams are named as the parser would name them.

use crate::distribution::Distribution;
use crate::rng::StreamKey;
use crate::scenario::*;

/// A fixed uncertain parameter.
pub fn fixed(path: impl Into<String>, value: f64, range: ValueRange) -> Uncertain {
    Uncertain::new(Distribution::Fixed(value), range, path.into())
}

/// Replaces an uncertain parameter by a plain number, keeping its path.
pub fn set(u: &mut Uncertain, value: f64) {
    u.dist = Distribution::Fixed(value);
}

pub fn provider(id: &str, services: Vec<Service>) -> Provider {
    let path = format!("providers.{id}");
    Provider {
        id: id.into(),
        name: id.into(),
        kind: ProviderKind::NhsTrust,
        other_income: fixed(format!("{path}.other_income"), 0.0, ValueRange::NonNegative),
        other_costs: fixed(format!("{path}.other_costs"), 0.0, ValueRange::NonNegative),
        reserves: 0.0,
        reserve_floor: 0.0,
        min_margin: 0.0,
        services,
    }
}

fn service(provider: &str, id: &str, unit_price: f64, payment: Payment) -> Service {
    let path = format!("providers.{provider}.services.{id}");
    let u = |key: &str, value, range| fixed(format!("{path}.{key}"), value, range);
    Service {
        id: id.into(),
        name: id.into(),
        payment,
        unit_price: u("unit_price", unit_price, ValueRange::Positive),
        fixed_cost: u("fixed_cost", 0.0, ValueRange::NonNegative),
        variable_cost: u("variable_cost", 0.0, ValueRange::NonNegative),
        other_activity: u("other_activity", 0.0, ValueRange::NonNegative),
        cost_flex: u("cost_flex", 0.0, ValueRange::Probability),
        backfill: u("backfill", 0.0, ValueRange::Probability),
        min_viable_activity: None,
        budget_purchasable: true,
        cost_step: u("cost_step", 0.0, ValueRange::NonNegative),
        notice_months: 0,
        transition_cost: u("transition_cost", 0.0, ValueRange::NonNegative),
    }
}

/// An activity-paid service with every optional parameter 0.
pub fn activity_service(provider: &str, id: &str, unit_price: f64) -> Service {
    service(provider, id, unit_price, Payment::Activity)
}

/// A block service with every optional parameter 0.
pub fn block_service(
    provider: &str,
    id: &str,
    unit_price: f64,
    contract_value: f64,
    pass_through: f64,
) -> Service {
    let path = format!("providers.{provider}.services.{id}");
    let payment = Payment::Block {
        contract_value: fixed(
            format!("{path}.contract_value"),
            contract_value,
            ValueRange::NonNegative,
        ),
        pass_through: fixed(
            format!("{path}.pass_through"),
            pass_through,
            ValueRange::Probability,
        ),
    };
    service(provider, id, unit_price, payment)
}

pub fn constant_uptake(cohort: &str, monthly: f64) -> Uptake {
    Uptake {
        model: UptakeModel::Constant {
            monthly: fixed(
                format!("cohorts.{cohort}.uptake.monthly"),
                monthly,
                ValueRange::Probability,
            ),
        },
        ceiling: fixed(
            format!("cohorts.{cohort}.uptake.ceiling"),
            1.0,
            ValueRange::Probability,
        ),
    }
}

pub fn bass_uptake(cohort: &str, p: f64, q: f64) -> Uptake {
    Uptake {
        model: UptakeModel::Bass {
            p: fixed(
                format!("cohorts.{cohort}.uptake.p"),
                p,
                ValueRange::Probability,
            ),
            q: fixed(
                format!("cohorts.{cohort}.uptake.q"),
                q,
                ValueRange::NonNegative,
            ),
        },
        ceiling: fixed(
            format!("cohorts.{cohort}.uptake.ceiling"),
            1.0,
            ValueRange::Probability,
        ),
    }
}

/// A budget every holder gets exactly.
pub fn fixed_budget(value: f64) -> BudgetDistribution {
    BudgetDistribution {
        dist: Distribution::Fixed(value),
        clamped_mean: value,
        clamped_variance: 0.0,
    }
}

/// A cohort offered from the start, no returns, all holders notional, budget 0, using
/// services given as (service index, per_month).
pub fn cohort(id: &str, size: u64, uptake: Uptake, uses: &[(usize, f64)]) -> Cohort {
    Cohort {
        id: id.into(),
        name: id.into(),
        size,
        offer_from: START,
        uptake,
        return_rate: fixed(
            format!("cohorts.{id}.return_rate"),
            0.0,
            ValueRange::Probability,
        ),
        budget: fixed_budget(0.0),
        forms: [0.0, 1.0, 0.0],
        forms_defaulted: false,
        uses: uses
            .iter()
            .enumerate()
            .map(|(u, &(service, per_month))| ServiceUse {
                service: ServiceIndex(service),
                per_month: fixed(
                    format!("cohorts.{id}.uses.{u}.per_month"),
                    per_month,
                    ValueRange::NonNegative,
                ),
                substitution: fixed(
                    format!("cohorts.{id}.uses.{u}.substitution"),
                    1.0,
                    ValueRange::Probability,
                ),
            })
            .collect(),
        key: StreamKey::of(id),
    }
}

/// A `[budget_forms.<form>]` table.
pub fn budget_form(
    form: Form,
    existing: f64,
    services: &[(usize, f64)],
    admin_cost: f64,
) -> BudgetForm {
    let path = format!("budget_forms.{}", form.key());
    BudgetForm {
        existing: fixed(
            format!("{path}.existing"),
            existing,
            ValueRange::Probability,
        ),
        services: services
            .iter()
            .map(|&(s, share)| {
                (
                    ServiceIndex(s),
                    fixed(
                        format!("{path}.services.{s}"),
                        share,
                        ValueRange::Probability,
                    ),
                )
            })
            .collect(),
        admin_cost: fixed(
            format!("{path}.admin_cost"),
            admin_cost,
            ValueRange::Probability,
        ),
        underspend: fixed(format!("{path}.underspend"), 0.0, ValueRange::Probability),
    }
}

/// April 2027: with the default review month (April) the first review is t = 12.
pub const START: YearMonth = YearMonth {
    year: 2027,
    month: 4,
};

/// A scenario starting at [`START`], seed 1, no budget-form tables (all budget money
/// leaves the modelled providers).
pub fn scenario(months: u32, providers: Vec<Provider>, cohorts: Vec<Cohort>) -> Scenario {
    Scenario {
        name: "test".into(),
        description: None,
        start: START,
        months,
        iterations: 1,
        seed: 1,
        contracts: Contracts {
            review_month: 4,
            first_review: None,
        },
        prices: Prices {
            year_start: 4,
            tariff_uplift: fixed("prices.tariff_uplift", 0.0, ValueRange::YearlyRate),
            cost_inflation: fixed("prices.cost_inflation", 0.0, ValueRange::YearlyRate),
            budget_uplift: fixed("prices.budget_uplift", 0.0, ValueRange::YearlyRate),
        },
        envelope: None,
        budget_forms: [None, None, None],
        providers,
        cohorts,
        correlations: Vec::new(),
        draws: None,
    }
}

/// An envelope of `envelope` £/year growing by `growth` a year, recovering
/// `recover_overspend` of each review's net overspend.
pub fn envelope(envelope: f64, growth: f64, recover_overspend: f64) -> Envelope {
    Envelope {
        envelope: fixed("commissioner.envelope", envelope, ValueRange::NonNegative),
        growth: fixed(
            "commissioner.envelope_growth",
            growth,
            ValueRange::YearlyRate,
        ),
        recover_overspend: fixed(
            "commissioner.recover_overspend",
            recover_overspend,
            ValueRange::Probability,
        ),
    }
}
