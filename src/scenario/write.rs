//! A validated [`Scenario`] written back out as scenario TOML.
//!
//! The scenario is converted to the serde types of [`crate::scenario::file`] (the
//! file's shape) and serialised with `toml`. Parsing the text gives the same scenario
//! again: every default the parser filled in is written explicitly, numbers are
//! written so they read back to the same bits, and lists keep their order. Comments
//! and the layout of the original file are not kept.

use crate::distribution::Distribution;
use crate::scenario::file::{
    BudgetFormTable, BudgetForms, CohortTable, CommissionerTable, ContractsTable, CorrelationTable,
    DistributionTable, DrawsTable, FormsTable, Header, Kind, PaymentKind, PricesTable,
    ProviderTable, ScenarioFile, ServiceShares, ServiceTable, UncertainValue, UptakeTable,
    UseTable,
};
use crate::scenario::types::*;

impl Scenario {
    /// This scenario as the text of a scenario file; [`crate::scenario::parse_scenario`]
    /// reads it back to an equal scenario.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.to_file()).expect("a validated scenario always serialises")
    }

    /// This scenario in the serde shape of a scenario file.
    pub fn to_file(&self) -> ScenarioFile {
        let form = |form: Form| {
            self.budget_forms[form.index()]
                .as_ref()
                .map(|f| self.budget_form_table(f))
        };
        ScenarioFile {
            schema_version: Some(1),
            scenario: Header {
                name: self.name.clone(),
                description: self.description.clone(),
                start: self.start.to_string(),
                months: self.months,
                iterations: Some(self.iterations),
                seed: Some(self.seed),
            },
            contracts: Some(ContractsTable {
                review_month: Some(self.contracts.review_month),
                first_review: self.contracts.first_review.map(|m| m.to_string()),
            }),
            budget_forms: Some(BudgetForms {
                direct_payment: form(Form::DirectPayment),
                notional: form(Form::Notional),
                third_party: form(Form::ThirdParty),
            }),
            prices: Some(PricesTable {
                year_start: Some(self.prices.year_start),
                tariff_uplift: Some(uncertain(&self.prices.tariff_uplift)),
                cost_inflation: Some(uncertain(&self.prices.cost_inflation)),
                budget_uplift: Some(uncertain(&self.prices.budget_uplift)),
            }),
            // Without an envelope the table is left out: its other keys need one.
            commissioner: self.envelope.as_ref().map(|e| CommissionerTable {
                envelope: Some(uncertain(&e.envelope)),
                envelope_growth: Some(uncertain(&e.growth)),
                recover_overspend: Some(uncertain(&e.recover_overspend)),
            }),
            providers: self.providers.iter().map(provider_table).collect(),
            cohorts: self.cohorts.iter().map(|c| self.cohort_table(c)).collect(),
            // A scenario is written without its variants: they are changes to it,
            // kept by the file that holds them (see `scenario::variants`).
            variants: Vec::new(),
            sweeps: Vec::new(),
            draws: self.draws.as_ref().map(|d| DrawsTable {
                file: d.file.clone(),
            }),
            correlations: self
                .correlations
                .iter()
                .map(|c| CorrelationTable {
                    paths: c.paths().to_vec(),
                    rank: c.rank().to_vec(),
                })
                .collect(),
        }
    }

    fn budget_form_table(&self, form: &BudgetForm) -> BudgetFormTable {
        // TOML writes a table's plain values before its sub-tables, which would put
        // numbers ahead of distributions; the shares keep their order if, once one is a
        // distribution, all are written as tables (`{ dist = "fixed", value = x }`).
        let all_tables = form.services.iter().any(|(_, s)| s.fixed_value().is_none());
        let share = |share: &Uncertain| match (all_tables, &share.dist) {
            (true, &Distribution::Fixed(value)) => {
                UncertainValue::Distribution(DistributionTable::Fixed { value })
            }
            _ => uncertain(share),
        };
        BudgetFormTable {
            existing: Some(uncertain(&form.existing)),
            services: (!form.services.is_empty()).then(|| {
                ServiceShares(
                    form.services
                        .iter()
                        .map(|(service, s)| (self.service_name(*service), share(s)))
                        .collect(),
                )
            }),
            admin_cost: Some(uncertain(&form.admin_cost)),
            underspend: Some(uncertain(&form.underspend)),
        }
    }

    fn cohort_table(&self, cohort: &Cohort) -> CohortTable {
        let ceiling = Some(uncertain(&cohort.uptake.ceiling));
        let share = |form: Form| Some(cohort.forms[form.index()]).filter(|&s| s != 0.0);
        CohortTable {
            id: cohort.id.clone(),
            name: Some(cohort.name.clone()),
            size: cohort.size,
            offer_from: Some(cohort.offer_from.to_string()),
            uptake: match &cohort.uptake.model {
                UptakeModel::Bass { p, q } => UptakeTable::Bass {
                    p: uncertain(p),
                    q: uncertain(q),
                    ceiling,
                },
                UptakeModel::Constant { monthly } => UptakeTable::Constant {
                    monthly: uncertain(monthly),
                    ceiling,
                },
            },
            return_rate: Some(uncertain(&cohort.return_rate)),
            budget: distribution(&cohort.budget.dist),
            // Left out when it was: the parser then assumes the national split (and
            // says so), which is what this scenario holds.
            forms: (!cohort.forms_defaulted).then(|| FormsTable {
                direct_payment: share(Form::DirectPayment),
                notional: share(Form::Notional),
                third_party: share(Form::ThirdParty),
            }),
            uses: cohort
                .uses
                .iter()
                .map(|u| UseTable {
                    service: self.service_name(u.service),
                    per_month: uncertain(&u.per_month),
                    substitution: Some(uncertain(&u.substitution)),
                })
                .collect(),
        }
    }
}

fn provider_table(provider: &Provider) -> ProviderTable {
    ProviderTable {
        id: provider.id.clone(),
        name: Some(provider.name.clone()),
        kind: Some(match provider.kind {
            ProviderKind::NhsTrust => Kind::NhsTrust,
            ProviderKind::Voluntary => Kind::Voluntary,
            ProviderKind::Independent => Kind::Independent,
            ProviderKind::LocalAuthority => Kind::LocalAuthority,
        }),
        other_income: Some(uncertain(&provider.other_income)),
        other_costs: Some(uncertain(&provider.other_costs)),
        reserves: Some(provider.reserves),
        reserve_floor: Some(provider.reserve_floor),
        min_margin: Some(provider.min_margin),
        services: provider.services.iter().map(service_table).collect(),
    }
}

fn service_table(service: &Service) -> ServiceTable {
    let (payment, contract_value, pass_through) = match &service.payment {
        Payment::Block {
            contract_value,
            pass_through,
        } => (
            PaymentKind::Block,
            Some(uncertain(contract_value)),
            Some(uncertain(pass_through)),
        ),
        Payment::Activity => (PaymentKind::Activity, None, None),
    };
    ServiceTable {
        id: service.id.clone(),
        name: Some(service.name.clone()),
        payment,
        unit_price: uncertain(&service.unit_price),
        contract_value,
        fixed_cost: Some(uncertain(&service.fixed_cost)),
        variable_cost: Some(uncertain(&service.variable_cost)),
        other_activity: Some(uncertain(&service.other_activity)),
        pass_through,
        cost_flex: Some(uncertain(&service.cost_flex)),
        backfill: Some(uncertain(&service.backfill)),
        min_viable_activity: service.min_viable_activity,
        budget_purchasable: Some(service.budget_purchasable),
        cost_step: Some(uncertain(&service.cost_step)),
        notice_months: Some(service.notice_months),
        transition_cost: Some(uncertain(&service.transition_cost)),
    }
}

fn uncertain(value: &Uncertain) -> UncertainValue {
    distribution(&value.dist)
}

fn distribution(dist: &Distribution) -> UncertainValue {
    let table = match *dist {
        Distribution::Fixed(value) => return UncertainValue::Number(value),
        Distribution::Uniform { min, max } => DistributionTable::Uniform { min, max },
        Distribution::Triangular { min, mode, max } => {
            DistributionTable::Triangular { min, mode, max }
        }
        Distribution::Pert { min, mode, max } => DistributionTable::Pert { min, mode, max },
        Distribution::Normal { mean, sd } => DistributionTable::Normal { mean, sd },
        Distribution::LogNormal { mean, sd } => DistributionTable::Lognormal { mean, sd },
        Distribution::Interval { low, high } => DistributionTable::Interval { low, high },
        Distribution::Beta { alpha, beta } => DistributionTable::Beta { alpha, beta },
        Distribution::Gamma { shape, scale } => DistributionTable::Gamma { shape, scale },
    };
    UncertainValue::Distribution(table)
}
