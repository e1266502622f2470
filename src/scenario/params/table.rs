//! The declarations themselves: every key of every table of a scenario file (SPEC
//! section 2), in the order the parser reads them.

use super::{Fallback, Kind, Need, Param, Table};
use crate::scenario::types::{ProviderKind, ValueRange};

const PROBABILITY: ValueRange = ValueRange::Probability;
const NON_NEGATIVE: ValueRange = ValueRange::NonNegative;
const YEARLY_RATE: ValueRange = ValueRange::YearlyRate;
/// No upper bound beyond the largest integer TOML holds.
const NO_LIMIT: i128 = i64::MAX as i128;

const PROVIDER_KINDS: [&str; 4] = [
    ProviderKind::ALL[0].1,
    ProviderKind::ALL[1].1,
    ProviderKind::ALL[2].1,
    ProviderKind::ALL[3].1,
];

/// A key that applies everywhere in its table.
const fn key(
    key: &'static str,
    kind: Kind,
    need: Need,
    unit: &'static str,
    meaning: &'static str,
) -> Param {
    Param {
        key,
        kind,
        need,
        only_when: None,
        unit,
        meaning,
    }
}

/// A key that applies only when `on` has the value `value`.
const fn key_when(on: &'static str, value: &'static str, param: Param) -> Param {
    Param {
        only_when: Some((on, value)),
        ..param
    }
}

const fn required(example: &'static str) -> Need {
    Need::Required { example }
}

const fn default(value: f64) -> Need {
    Need::Default(Fallback::Number(value))
}

const fn said(text: &'static str) -> Need {
    Need::Default(Fallback::Said(text))
}

const OPTIONAL: Need = Need::Optional;

/// Every table of a scenario file, the top level first.
pub static TABLES: &[Table] = &[
    Table {
        name: "",
        written: "top level",
        named_by: None,
        meaning: "The file itself: its version and its tables.",
        params: &[
            key(
                "schema_version",
                Kind::Version(1),
                said("1"),
                "",
                "Version of the scenario language.",
            ),
            key(
                "scenario",
                Kind::Table("scenario"),
                required(""),
                "",
                "Name, time frame, iterations and seed.",
            ),
            key(
                "contracts",
                Kind::Table("contracts"),
                OPTIONAL,
                "",
                "When block contracts and fixed costs are re-based.",
            ),
            key(
                "budget_forms",
                Kind::Table("budget_forms"),
                OPTIONAL,
                "",
                "Where each budget form's money is spent.",
            ),
            key(
                "providers",
                Kind::Tables("providers"),
                OPTIONAL,
                "",
                "Organisations with income and costs.",
            ),
            key(
                "cohorts",
                Kind::Tables("cohorts"),
                OPTIONAL,
                "",
                "Patients with the same service use and the same offer.",
            ),
            key(
                "variants",
                Kind::Tables("variants"),
                OPTIONAL,
                "",
                "Named sets of changes to the scenario, run beside it.",
            ),
            key(
                "sweeps",
                Kind::Tables("sweeps"),
                OPTIONAL,
                "",
                "One variant per value of one parameter.",
            ),
            key(
                "prices",
                Kind::Table("prices"),
                OPTIONAL,
                "",
                "Yearly changes of prices, costs and budgets, applied at each financial-year start.",
            ),
            key(
                "commissioner",
                Kind::Table("commissioner"),
                OPTIONAL,
                "",
                "The commissioner's spending envelope and the recovery of overspend from block contracts.",
            ),
            key(
                "correlations",
                Kind::Tables("correlations"),
                OPTIONAL,
                "",
                "Blocks of uncertain parameters drawn together, with rank correlations; every other parameter is drawn independently.",
            ),
            key(
                "draws",
                Kind::Table("draws"),
                OPTIONAL,
                "",
                "Joint draws of some parameters (a posterior from `phbsim calibrate`) that replace their distributions.",
            ),
        ],
    },
    Table {
        name: "scenario",
        written: "[scenario]",
        named_by: None,
        meaning: "Name, time frame, iterations and seed.",
        params: &[
            key(
                "name",
                Kind::Text,
                required("\"My ICB, moderate rollout\""),
                "",
                "Name shown in reports and in the `scenario` column of every output.",
            ),
            key(
                "description",
                Kind::Text,
                OPTIONAL,
                "",
                "Free text for readers.",
            ),
            key(
                "start",
                Kind::Month,
                required("\"2027-04\""),
                "",
                "First simulated month.",
            ),
            key(
                "months",
                Kind::Integer { min: 1, max: 600 },
                required("36"),
                "months",
                "Horizon; beyond 120 a warning (cohorts do not turn over: nobody joins or leaves them).",
            ),
            key(
                "iterations",
                Kind::Integer {
                    min: 1,
                    max: NO_LIMIT,
                },
                Need::Default(Fallback::Integer(1000)),
                "",
                "Number of simulated futures; `phbsim run -n` overrides it.",
            ),
            key(
                "seed",
                Kind::Integer {
                    min: 0,
                    max: NO_LIMIT,
                },
                Need::Default(Fallback::Integer(1)),
                "",
                "Random seed: the same seed gives the same results; `phbsim run --seed` overrides it.",
            ),
        ],
    },
    Table {
        name: "contracts",
        written: "[contracts]",
        named_by: None,
        meaning: "When block contracts and fixed costs are re-based to the activity seen.",
        params: &[
            key(
                "review_month",
                Kind::Integer { min: 1, max: 12 },
                Need::Default(Fallback::Integer(4)),
                "calendar month",
                "Calendar month of the annual review (4 = April).",
            ),
            key(
                "first_review",
                Kind::Month,
                said("the first month after `start` whose calendar month is `review_month`"),
                "",
                "First review month; not before `start`.",
            ),
        ],
    },
    Table {
        name: "prices",
        written: "[prices]",
        named_by: None,
        meaning: "Yearly changes, applied at each financial-year start. Every amount in the file is in the prices of the financial year that contains `start`.",
        params: &[
            key(
                "year_start",
                Kind::Integer { min: 1, max: 12 },
                Need::Default(Fallback::Integer(4)),
                "calendar month",
                "Calendar month the financial year starts (4 = April): prices change then, and `years.csv` counts years from it.",
            ),
            key(
                "tariff_uplift",
                Kind::Uncertain(YEARLY_RATE),
                default(0.0),
                "share per year",
                "Yearly change of `unit_price`, `contract_value` and `other_income`.",
            ),
            key(
                "cost_inflation",
                Kind::Uncertain(YEARLY_RATE),
                default(0.0),
                "share per year",
                "Yearly change of `fixed_cost`, `variable_cost`, `other_costs` and transition costs.",
            ),
            key(
                "budget_uplift",
                Kind::Uncertain(YEARLY_RATE),
                default(0.0),
                "share per year",
                "Yearly change of every holder's budget.",
            ),
        ],
    },
    Table {
        name: "commissioner",
        written: "[commissioner]",
        named_by: None,
        meaning: "What the commissioner can spend; without an `envelope` there is no limit and nothing is recovered.",
        params: &[
            key(
                "envelope",
                Kind::Uncertain(NON_NEGATIVE),
                said("no limit"),
                "£/year",
                "What the commissioner can spend on the modelled contracts, activity, budgets and admin, in start-year prices.",
            ),
            key(
                "envelope_growth",
                Kind::Uncertain(YEARLY_RATE),
                default(0.0),
                "share per year",
                "Yearly change of the envelope; only with `envelope`.",
            ),
            key(
                "recover_overspend",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share",
                "Share of the last 12 months' net spend above the envelope that each review takes out of block contracts for good (pro rata to their starting values); only with `envelope`.",
            ),
        ],
    },
    Table {
        name: "budget_forms",
        written: "[budget_forms]",
        named_by: None,
        meaning: "One table per budget form; a form without one sends all its money outside the modelled providers.",
        params: &[
            key(
                "direct_payment",
                Kind::Table("budget_forms.<form>"),
                OPTIONAL,
                "",
                "Money paid to the person.",
            ),
            key(
                "notional",
                Kind::Table("budget_forms.<form>"),
                OPTIONAL,
                "",
                "The ICB holds the money and the person directs it.",
            ),
            key(
                "third_party",
                Kind::Table("budget_forms.<form>"),
                OPTIONAL,
                "",
                "An organisation holds the money for the person.",
            ),
        ],
    },
    Table {
        name: "budget_forms.<form>",
        written: "[budget_forms.<form>]",
        named_by: None,
        meaning: "Where one form's money is spent, for each form: `[budget_forms.direct_payment]`, `[budget_forms.notional]`, `[budget_forms.third_party]`. What `existing` and `services` leave goes outside the modelled providers.",
        params: &[
            key(
                "existing",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share of budget",
                "Share spent back at the holder's own services (its cohort's `uses`, in proportion to use).",
            ),
            key(
                "admin_cost",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share of budget",
                "The commissioner's cost of running the budget.",
            ),
            key(
                "services",
                Kind::Shares(PROBABILITY),
                OPTIONAL,
                "share of budget",
                "Shares spent at named services, `\"provider-id/service-id\" = share`; with `existing` at most 1.",
            ),
            key(
                "underspend",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share of budget",
                "Share of budgets never spent (notional money not committed, direct payments reclaimed); the commissioner pays only what is spent, plus admin on the whole budget.",
            ),
        ],
    },
    Table {
        name: "providers",
        written: "[[providers]]",
        named_by: Some("id"),
        meaning: "An organisation with income and costs.",
        params: &[
            key(
                "id",
                Kind::Id,
                required("\"trust\""),
                "",
                "Unique id, used in `\"provider-id/service-id\"` references.",
            ),
            key(
                "name",
                Kind::Text,
                said("the id"),
                "",
                "Name shown in reports.",
            ),
            key(
                "kind",
                Kind::Choice(&PROVIDER_KINDS),
                said("nhs_trust"),
                "",
                "What sort of organisation it is.",
            ),
            key(
                "other_income",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£/year",
                "Income from everything not modelled.",
            ),
            key(
                "other_costs",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£/year",
                "Costs of everything not modelled.",
            ),
            key(
                "reserves",
                Kind::Number(None),
                default(0.0),
                "£",
                "Reserves (cash) at `start`.",
            ),
            key(
                "reserve_floor",
                Kind::Number(None),
                default(0.0),
                "£",
                "Reserves below it = distress.",
            ),
            key(
                "min_margin",
                Kind::Number(Some(ValueRange::Margin)),
                default(0.0),
                "share of income",
                "Trailing-12-month margin below which = deficit.",
            ),
            key(
                "services",
                Kind::Tables("providers.services"),
                OPTIONAL,
                "",
                "The provider's services.",
            ),
        ],
    },
    Table {
        name: "providers.services",
        written: "[[providers.services]]",
        named_by: Some("id"),
        meaning: "A team or service line of the provider above.",
        params: &[
            key(
                "id",
                Kind::Id,
                required("\"crisis\""),
                "",
                "Id, unique within the provider.",
            ),
            key(
                "name",
                Kind::Text,
                said("the id"),
                "",
                "Name shown in reports.",
            ),
            key(
                "payment",
                Kind::Choice(&["block", "activity"]),
                required("\"block\""),
                "",
                "`block`: an annual contract, re-based at reviews; `activity`: `unit_price` for every unit.",
            ),
            key(
                "unit_price",
                Kind::Uncertain(ValueRange::Positive),
                required("380"),
                "£ per unit",
                "Tariff for activity; for block, the notional price that turns budget money into activity.",
            ),
            key_when(
                "payment",
                "block",
                key(
                    "contract_value",
                    Kind::Uncertain(NON_NEGATIVE),
                    required("9_000_000"),
                    "£/year",
                    "The block contract at `start`.",
                ),
            ),
            key_when(
                "payment",
                "block",
                key(
                    "pass_through",
                    Kind::Uncertain(PROBABILITY),
                    default(1.0),
                    "share",
                    "Share of lost activity taken out of the contract at each review.",
                ),
            ),
            key(
                "fixed_cost",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£/year",
                "Costs that do not move with activity.",
            ),
            key(
                "variable_cost",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£ per unit",
                "Cost that moves with activity.",
            ),
            key(
                "other_activity",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "units/month",
                "Activity from people outside every cohort.",
            ),
            key(
                "cost_flex",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share",
                "Share of fixed cost shed in proportion to lost activity at each review.",
            ),
            key(
                "backfill",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "share",
                "Share of freed activity refilled from waiting lists.",
            ),
            key(
                "min_viable_activity",
                Kind::Number(Some(NON_NEGATIVE)),
                OPTIONAL,
                "units/month",
                "Activity below which the service is flagged not viable.",
            ),
            key(
                "budget_purchasable",
                Kind::Bool,
                said("true"),
                "",
                "Whether budgets may be spent here; crisis and inpatient care usually cannot be bought with one.",
            ),
            key(
                "cost_step",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£/year",
                "Fixed cost moves only in whole steps of this size (a team, a ward); 0 = smoothly.",
            ),
            key(
                "notice_months",
                Kind::Integer { min: 0, max: 120 },
                Need::Default(Fallback::Integer(0)),
                "months",
                "Months from a review's decision to the fixed-cost change taking effect.",
            ),
            key(
                "transition_cost",
                Kind::Uncertain(NON_NEGATIVE),
                default(0.0),
                "£ per £1/year removed",
                "One-off cost per £1/year of fixed cost removed (redundancy, overlap), booked in the month the change takes effect.",
            ),
        ],
    },
    Table {
        name: "cohorts",
        written: "[[cohorts]]",
        named_by: Some("id"),
        meaning: "People with the same service use and the same budget offer.",
        params: &[
            key(
                "id",
                Kind::Id,
                required("\"frequent-crisis\""),
                "",
                "Unique id.",
            ),
            key(
                "name",
                Kind::Text,
                said("the id"),
                "",
                "Name shown in reports.",
            ),
            key(
                "size",
                Kind::Integer {
                    min: 0,
                    max: NO_LIMIT,
                },
                required("900"),
                "people",
                "People at `start`, all using traditional services.",
            ),
            key(
                "offer_from",
                Kind::Month,
                said("`start`"),
                "",
                "First month budgets are offered; not before `start`.",
            ),
            key(
                "uptake",
                Kind::Table("cohorts.uptake"),
                required("{ model = \"constant\", monthly = 0.02 }"),
                "",
                "How people take up budgets once offered.",
            ),
            key(
                "return_rate",
                Kind::Uncertain(PROBABILITY),
                default(0.0),
                "per month",
                "Monthly chance a holder goes back to traditional services.",
            ),
            key(
                "budget",
                Kind::Spread(NON_NEGATIVE),
                required("{ dist = \"lognormal\", mean = 9_000, sd = 4_000 }"),
                "£/year",
                "One holder's budget: a number, or a distribution across holders (each new holder draws their own).",
            ),
            key(
                "forms",
                Kind::Table("cohorts.forms"),
                said("the national split 0.15 / 0.80 / 0.05, with a warning"),
                "",
                "Shares of new holders by budget form.",
            ),
            key(
                "uses",
                Kind::Tables("cohorts.uses"),
                OPTIONAL,
                "",
                "Services the cohort uses while traditional.",
            ),
        ],
    },
    Table {
        name: "cohorts.uptake",
        written: "cohorts.uptake",
        named_by: None,
        meaning: "Bass diffusion (word of mouth) or a constant monthly hazard, among the share willing ever to take a budget.",
        params: &[
            key(
                "model",
                Kind::Choice(&["bass", "constant"]),
                required("\"bass\""),
                "",
                "`bass`: hazard p + q × (share of the willing who took one); `constant`: `monthly`.",
            ),
            key(
                "ceiling",
                Kind::Uncertain(PROBABILITY),
                default(1.0),
                "share",
                "Share of the cohort who would ever take a budget.",
            ),
            key_when(
                "model",
                "bass",
                key(
                    "p",
                    Kind::Uncertain(PROBABILITY),
                    required("0.004"),
                    "per month",
                    "Bass innovation: uptake that does not depend on others.",
                ),
            ),
            key_when(
                "model",
                "bass",
                key(
                    "q",
                    Kind::Uncertain(NON_NEGATIVE),
                    required("0.25"),
                    "per month",
                    "Bass imitation: uptake driven by those who already took one.",
                ),
            ),
            key_when(
                "model",
                "constant",
                key(
                    "monthly",
                    Kind::Uncertain(PROBABILITY),
                    required("0.02"),
                    "per month",
                    "Share of the willing who have not yet taken one who take one each month.",
                ),
            ),
        ],
    },
    Table {
        name: "cohorts.forms",
        written: "cohorts.forms",
        named_by: None,
        meaning: "Shares of new holders by budget form; they sum to 1.",
        params: &[
            key(
                "direct_payment",
                Kind::Number(Some(PROBABILITY)),
                default(0.0),
                "share",
                "Share taking a direct payment.",
            ),
            key(
                "notional",
                Kind::Number(Some(PROBABILITY)),
                default(0.0),
                "share",
                "Share taking a notional budget.",
            ),
            key(
                "third_party",
                Kind::Number(Some(PROBABILITY)),
                default(0.0),
                "share",
                "Share taking a third-party budget.",
            ),
        ],
    },
    Table {
        name: "cohorts.uses",
        written: "cohorts.uses",
        named_by: Some("service"),
        meaning: "A cohort's use of one service while traditional; holders give up the `substitution` share of it and keep the rest.",
        params: &[
            key(
                "service",
                Kind::Service,
                required("\"trust/crisis\""),
                "",
                "The service used.",
            ),
            key(
                "per_month",
                Kind::Uncertain(NON_NEGATIVE),
                required("0.8"),
                "units per person per month",
                "Use per traditional patient.",
            ),
            key(
                "substitution",
                Kind::Uncertain(PROBABILITY),
                default(1.0),
                "share",
                "Share of this use a holder gives up; holders keep `(1 − substitution) · per_month`.",
            ),
        ],
    },
    Table {
        name: "variants",
        written: "[[variants]]",
        named_by: None,
        meaning: "A named set of changes to the scenario, run beside it with common random numbers.",
        params: &[
            key(
                "name",
                Kind::Text,
                required("\"fast rollout\""),
                "",
                "Its name, different from the scenario's and every other variant's.",
            ),
            key(
                "description",
                Kind::Text,
                OPTIONAL,
                "",
                "Free text for readers.",
            ),
            key(
                "set",
                Kind::Settings,
                required("{ \"cohorts.<id>.uptake.q\" = 0.5 }"),
                "",
                "Values by parameter path, e.g. `\"cohorts.frequent-crisis.uptake.q\" = 0.5`.",
            ),
        ],
    },
    Table {
        name: "sweeps",
        written: "[[sweeps]]",
        named_by: None,
        meaning: "One variant per value of one parameter, named `path=value` (or `name=value`).",
        params: &[
            key(
                "path",
                Kind::Path,
                required("\"providers.<id>.services.<id>.pass_through\""),
                "",
                "The parameter path to set.",
            ),
            key(
                "name",
                Kind::Text,
                said("the path"),
                "",
                "Prefix of the variants' names.",
            ),
            key(
                "values",
                Kind::Values,
                required("[0.6, 0.8, 1.0]"),
                "",
                "The values to try, at least one.",
            ),
        ],
    },
    Table {
        name: "correlations",
        written: "[[correlations]]",
        named_by: None,
        meaning: "Uncertain parameters whose draws move together: a Gaussian copula gives their ranks the Spearman correlations asked for, and each keeps its own distribution. A parameter may be in one block only.",
        params: &[
            key(
                "paths",
                Kind::Paths,
                required(
                    "[\"cohorts.<id>.uptake.ceiling\", \"providers.<id>.services.<id>.pass_through\"]",
                ),
                "",
                "The parameters, each a (U) key given as a distribution (not a plain number).",
            ),
            key(
                "rank",
                Kind::Matrix,
                required("[[1, 0.6], [0.6, 1]]"),
                "",
                "Spearman rank correlations, one row and one column per path in the order of `paths`; symmetric, 1 on the diagonal, and consistent (positive definite once converted for the copula).",
            ),
        ],
    },
    Table {
        name: "draws",
        written: "[draws]",
        named_by: None,
        meaning: "Joint draws of some parameters, e.g. the posterior.csv of `phbsim calibrate`: iteration i takes draw i mod D of every parameter in the file, in place of its distribution.",
        params: &[key(
            "file",
            Kind::Text,
            required("\"posterior.csv\""),
            "",
            "A CSV `draw,path,value` (draws numbered 0..D−1, each with the same paths), relative to the scenario file.",
        )],
    },
];
