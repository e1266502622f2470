//! The scenario file's shape as serde types, for writing a scenario back out
//! ([`crate::scenario::Scenario::to_toml`]).
//!
//! Every key these types write is declared in [`crate::scenario::params`] (a test
//! there checks the shipped scenarios written back out), and the parser reads the
//! text they write back to the same scenario.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A phbsim scenario file (SPEC section 2).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Version of the scenario language; 1.
    pub schema_version: Option<u32>,
    pub scenario: Header,
    pub contracts: Option<ContractsTable>,
    pub budget_forms: Option<BudgetForms>,
    pub prices: Option<PricesTable>,
    pub commissioner: Option<CommissionerTable>,
    #[serde(default)]
    pub providers: Vec<ProviderTable>,
    #[serde(default)]
    pub cohorts: Vec<CohortTable>,
    #[serde(default)]
    pub variants: Vec<VariantTable>,
    #[serde(default)]
    pub sweeps: Vec<SweepTable>,
    pub draws: Option<DrawsTable>,
    /// Left out when empty: the scenario then has no correlations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<CorrelationTable>,
}

/// `[[correlations]]`: uncertain parameters drawn together.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationTable {
    /// Parameter paths, e.g. `"cohorts.frequent-crisis.uptake.ceiling"`.
    pub paths: Vec<String>,
    /// Spearman rank correlations, one row and one column per path.
    pub rank: Vec<Vec<f64>>,
}

/// `[[variants]]`: a named set of changes to the base scenario, run beside it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantTable {
    pub name: String,
    pub description: Option<String>,
    /// Values by path, e.g. `"cohorts.frequent-crisis.uptake.q" = 0.5`; any value a
    /// scenario accepts at that place.
    pub set: BTreeMap<String, serde_json::Value>,
}

/// `[[sweeps]]`: one variant per value of one path.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepTable {
    pub path: String,
    /// Prefix of the variants' names (default: the path).
    pub name: Option<String>,
    pub values: Vec<serde_json::Value>,
}

/// `[scenario]`: name, time frame, iterations and seed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub description: Option<String>,
    /// First simulated month, "YYYY-MM".
    pub start: String,
    /// Horizon in months.
    pub months: u32,
    /// Monte Carlo iterations; default 1000.
    pub iterations: Option<u64>,
    /// Default 1.
    pub seed: Option<u64>,
}

/// `[contracts]`: when block contracts and fixed costs are re-based.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractsTable {
    /// Calendar month of annual re-basing; default 4 (April).
    pub review_month: Option<u8>,
    /// "YYYY-MM"; default the first month after start whose calendar month is review_month.
    pub first_review: Option<String>,
}

/// `[prices]`: yearly changes, applied at each financial-year start.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesTable {
    /// Calendar month the financial year starts; default 4 (April).
    pub year_start: Option<u8>,
    /// Yearly change of unit prices, contract values and other income; default 0.
    pub tariff_uplift: Option<UncertainValue>,
    /// Yearly change of fixed, variable and other costs; default 0.
    pub cost_inflation: Option<UncertainValue>,
    /// Yearly change of every holder's budget; default 0.
    pub budget_uplift: Option<UncertainValue>,
}

/// `[commissioner]`: the spending envelope.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommissionerTable {
    /// £/year; no limit when absent.
    pub envelope: Option<UncertainValue>,
    /// Yearly change of the envelope; default 0 (needs `envelope`).
    pub envelope_growth: Option<UncertainValue>,
    /// Share of the net overspend each review recovers; default 0 (needs `envelope`).
    pub recover_overspend: Option<UncertainValue>,
}

/// `[budget_forms.*]`: where each form's money is spent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetForms {
    pub direct_payment: Option<BudgetFormTable>,
    pub notional: Option<BudgetFormTable>,
    pub third_party: Option<BudgetFormTable>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetFormTable {
    /// Share of budget spent back at the cohort's own services; default 0.
    pub existing: Option<UncertainValue>,
    /// Shares spent at named services ("provider-id/service-id").
    pub services: Option<ServiceShares>,
    /// Commissioner's cost of running the budget, as a share of it; default 0.
    pub admin_cost: Option<UncertainValue>,
    /// Share of budgets never spent; default 0.
    pub underspend: Option<UncertainValue>,
}

/// Shares by service reference, in the order written: a scenario written back out
/// must read the same, and the shares are summed in this order.
#[derive(Debug, Default)]
pub struct ServiceShares(pub Vec<(String, UncertainValue)>);

impl Serialize for ServiceShares {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (service, share) in &self.0 {
            map.serialize_entry(service, share)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ServiceShares {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shares;
        impl<'de> serde::de::Visitor<'de> for Shares {
            type Value = ServiceShares;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of shares by \"provider-id/service-id\"")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ServiceShares, A::Error> {
                let mut shares = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    shares.push(entry);
                }
                Ok(ServiceShares(shares))
            }
        }
        deserializer.deserialize_map(Shares)
    }
}

/// `nhs_trust`, `voluntary`, `independent` or `local_authority`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    NhsTrust,
    Voluntary,
    Independent,
    LocalAuthority,
}

/// `[[providers]]`: an organisation with income and costs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderTable {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<Kind>,
    /// £/year from everything not modelled; default 0.
    pub other_income: Option<UncertainValue>,
    /// £/year; default 0.
    pub other_costs: Option<UncertainValue>,
    /// £ at start; default 0.
    pub reserves: Option<f64>,
    /// £; reserves below it = distress; default 0.
    pub reserve_floor: Option<f64>,
    /// Trailing-12-month margin share below which = deficit; default 0.
    pub min_margin: Option<f64>,
    #[serde(default)]
    pub services: Vec<ServiceTable>,
}

/// `block` or `activity`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Block,
    Activity,
}

/// `[[providers.services]]`: a team or service line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTable {
    pub id: String,
    pub name: Option<String>,
    pub payment: PaymentKind,
    /// £ per unit: tariff for activity, notional price for block.
    pub unit_price: UncertainValue,
    /// £/year; required for block services, not allowed for activity ones.
    pub contract_value: Option<UncertainValue>,
    /// £/year; default 0.
    pub fixed_cost: Option<UncertainValue>,
    /// £ per unit; default 0.
    pub variable_cost: Option<UncertainValue>,
    /// Units/month from people outside every cohort; default 0.
    pub other_activity: Option<UncertainValue>,
    /// Block only: share of lost activity taken out of the contract at review; default 1.
    pub pass_through: Option<UncertainValue>,
    /// Share of fixed cost shed in proportion to lost activity at review; default 0.
    pub cost_flex: Option<UncertainValue>,
    /// Share of freed activity refilled from waiting lists; default 0.
    pub backfill: Option<UncertainValue>,
    /// Units/month below which the service is flagged not viable.
    pub min_viable_activity: Option<f64>,
    /// Whether budgets may be spent here; default true.
    pub budget_purchasable: Option<bool>,
    /// £/year: fixed cost moves in whole steps of this size; default 0 (smoothly).
    pub cost_step: Option<UncertainValue>,
    /// Months from a review's decision to the fixed-cost change; default 0.
    pub notice_months: Option<u32>,
    /// One-off cost per £1/year of fixed cost removed; default 0.
    pub transition_cost: Option<UncertainValue>,
}

/// `[[cohorts]]`: patients with the same service use and the same offer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortTable {
    pub id: String,
    pub name: Option<String>,
    /// People at start.
    pub size: u64,
    /// First month budgets are offered, "YYYY-MM"; default start.
    pub offer_from: Option<String>,
    pub uptake: UptakeTable,
    /// Monthly chance a holder returns to traditional services; default 0.
    pub return_rate: Option<UncertainValue>,
    /// £/year of one holder: a number, or a distribution across holders.
    pub budget: UncertainValue,
    /// Shares by form, summing to 1; default 0.15 / 0.80 / 0.05.
    pub forms: Option<FormsTable>,
    #[serde(default)]
    pub uses: Vec<UseTable>,
}

/// Uptake: Bass diffusion or a constant monthly hazard.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum UptakeTable {
    Bass {
        p: UncertainValue,
        q: UncertainValue,
        ceiling: Option<UncertainValue>,
    },
    Constant {
        monthly: UncertainValue,
        ceiling: Option<UncertainValue>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormsTable {
    pub direct_payment: Option<f64>,
    pub notional: Option<f64>,
    pub third_party: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseTable {
    /// "provider-id/service-id".
    pub service: String,
    /// Units per traditional patient per month.
    pub per_month: UncertainValue,
    /// Share of this use a holder gives up; default 1.
    pub substitution: Option<UncertainValue>,
}

/// A number, or a distribution (SPEC section 3).
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UncertainValue {
    Number(f64),
    Distribution(DistributionTable),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistributionTable {
    Fixed {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Beta-PERT, lambda = 4.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Mean and sd of the value itself, not of its log.
    Lognormal {
        mean: f64,
        sd: f64,
    },
    /// An 80% interval.
    Interval {
        low: f64,
        high: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
}

/// `[draws]`: joint draws of some parameters, replacing their distributions.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawsTable {
    /// A CSV `draw,path,value`, relative to the scenario file.
    pub file: String,
}
