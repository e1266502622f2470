//! The validated scenario: the types the engine trusts.
//!
//! Everything here has passed every check of SPEC section 2: ids are unique, every
//! service reference resolves (to an index, so the engine never looks up strings),
//! numbers are finite and in range, and every uncertain parameter carries its
//! distribution, the range its draws are clamped to, and its stable path (which names
//! its random stream and is how variants, sweeps and sensitivity address it).

use crate::distribution::Distribution;
use crate::rng::{StreamKey, stream_rng};
use crate::scenario::correlations::Correlation;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u8,
}

impl YearMonth {
    /// Months since year 0, so differences are month counts.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// The month `offset` months after this one.
    pub fn plus(self, offset: i64) -> YearMonth {
        let ordinal = self.ordinal() + offset;
        YearMonth {
            year: ordinal.div_euclid(12) as i32,
            month: (ordinal.rem_euclid(12) + 1) as u8,
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The range an uncertain parameter's draws are clamped to (SPEC section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRange {
    /// Probabilities and shares: [0, 1].
    Probability,
    /// Money, activity, `q`: >= 0.
    NonNegative,
    /// `unit_price`: > 0.
    Positive,
    /// `min_margin`: [-1, 1].
    Margin,
    /// Yearly rates (`tariff_uplift`, `cost_inflation`, `budget_uplift`,
    /// `envelope_growth`): [-0.5, 1].
    YearlyRate,
}

impl ValueRange {
    /// Lowest and highest allowed value; `Positive` uses the smallest positive double
    /// as its lower end so a clamped draw is still a valid divisor.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            ValueRange::Probability => (0.0, 1.0),
            ValueRange::NonNegative => (0.0, f64::INFINITY),
            ValueRange::Positive => (f64::MIN_POSITIVE, f64::INFINITY),
            ValueRange::Margin => (-1.0, 1.0),
            ValueRange::YearlyRate => (-0.5, 1.0),
        }
    }

    /// Whether a fixed value is allowed.
    pub fn contains(self, value: f64) -> bool {
        let (lo, hi) = self.bounds();
        value >= lo && value <= hi
    }

    pub fn clamp(self, value: f64) -> f64 {
        let (lo, hi) = self.bounds();
        value.clamp(lo, hi)
    }

    /// How the range reads in a message: "in [0, 1]", ">= 0", "> 0".
    pub fn describe(self) -> &'static str {
        match self {
            ValueRange::Probability => "between 0 and 1",
            ValueRange::NonNegative => "at least 0",
            ValueRange::Positive => "greater than 0",
            ValueRange::Margin => "between -1 and 1",
            ValueRange::YearlyRate => "between -0.5 and 1",
        }
    }
}

/// A `(U)` parameter: drawn once per iteration from its own stream, then clamped.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub dist: Distribution,
    pub range: ValueRange,
    /// Ids and keys joined by dots, e.g. `providers.trust.services.crisis.unit_price`.
    pub path: String,
    pub key: StreamKey,
}

impl Uncertain {
    pub fn new(dist: Distribution, range: ValueRange, path: String) -> Self {
        let key = StreamKey::of(&path);
        Uncertain {
            dist,
            range,
            path,
            key,
        }
    }

    /// Whether the parameter is a plain number (draws nothing).
    pub fn fixed_value(&self) -> Option<f64> {
        match self.dist {
            Distribution::Fixed(value) => Some(value),
            _ => None,
        }
    }

    /// The mean of its distribution, before clamping (a plain number is its own mean):
    /// what checks judge an uncertain value by.
    pub fn mean(&self) -> f64 {
        self.dist.mean()
    }

    /// This parameter's value in `iteration`: a fixed value as it is, otherwise one
    /// draw from the stream (seed, iteration, path), clamped to the range.
    pub fn draw(&self, seed: u64, iteration: u64) -> f64 {
        match self.dist {
            Distribution::Fixed(value) => value,
            ref dist => {
                let mut rng = stream_rng(seed, iteration, self.key);
                self.range.clamp(dist.sample(&mut rng))
            }
        }
    }
}

/// The spread of annual budgets across a cohort's holders; each new holder draws one.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetDistribution {
    pub dist: Distribution,
    /// Mean of a single draw after clamping to >= 0.
    pub clamped_mean: f64,
    /// Variance of a single draw after clamping to >= 0.
    pub clamped_variance: f64,
}

/// The three budget forms, in the order used by every per-form array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Form {
    DirectPayment,
    Notional,
    ThirdParty,
}

impl Form {
    pub const ALL: [Form; 3] = [Form::DirectPayment, Form::Notional, Form::ThirdParty];

    pub fn key(self) -> &'static str {
        match self {
            Form::DirectPayment => "direct_payment",
            Form::Notional => "notional",
            Form::ThirdParty => "third_party",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The national split of PHBs by form (NHS Digital PHB data, Q4 2023-24), used when a
/// cohort leaves `forms` out.
pub const NATIONAL_FORMS: [f64; 3] = [0.15, 0.80, 0.05];

/// Where a form's money is spent (`[budget_forms.<form>]`).
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetForm {
    /// Share spent back at the cohort's own services.
    pub existing: Uncertain,
    /// Shares spent at named services.
    pub services: Vec<(ServiceIndex, Uncertain)>,
    /// Commissioner's cost of running the budget, as a share of it.
    pub admin_cost: Uncertain,
    /// Share of budgets never spent (notional money not committed, direct payments
    /// reclaimed): holders spend `1 − underspend` of the budget.
    pub underspend: Uncertain,
}

/// Position of a service in [`Scenario::services`] order (providers in file order,
/// their services in file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceIndex(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    NhsTrust,
    Voluntary,
    Independent,
    LocalAuthority,
}

impl ProviderKind {
    pub const ALL: [(ProviderKind, &'static str); 4] = [
        (ProviderKind::NhsTrust, "nhs_trust"),
        (ProviderKind::Voluntary, "voluntary"),
        (ProviderKind::Independent, "independent"),
        (ProviderKind::LocalAuthority, "local_authority"),
    ];

    pub fn key(self) -> &'static str {
        ProviderKind::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map(|(_, key)| *key)
            .unwrap_or("nhs_trust")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub kind: ProviderKind,
    /// £/year from everything not modelled.
    pub other_income: Uncertain,
    /// £/year.
    pub other_costs: Uncertain,
    /// £ at start.
    pub reserves: f64,
    /// Reserves below it = distress.
    pub reserve_floor: f64,
    /// Trailing-12-month margin share below which = deficit.
    pub min_margin: f64,
    pub services: Vec<Service>,
}

/// How a service is paid.
#[derive(Debug, Clone, PartialEq)]
pub enum Payment {
    /// An annual envelope, re-based at reviews.
    Block {
        /// £/year.
        contract_value: Uncertain,
        /// Share of lost activity taken out of the contract at review.
        pass_through: Uncertain,
    },
    /// Income moves with activity at `unit_price`.
    Activity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub payment: Payment,
    /// £ per unit: tariff for activity, notional price for block.
    pub unit_price: Uncertain,
    /// £/year.
    pub fixed_cost: Uncertain,
    /// £ per unit.
    pub variable_cost: Uncertain,
    /// Units/month from people outside every cohort.
    pub other_activity: Uncertain,
    /// Share of fixed cost shed in proportion to lost activity at review.
    pub cost_flex: Uncertain,
    /// Share of freed activity refilled from waiting lists.
    pub backfill: Uncertain,
    /// Units/month below which the service is flagged not viable.
    pub min_viable_activity: Option<f64>,
    /// Whether budgets may be spent here (crisis and inpatient care usually cannot
    /// be bought with one).
    pub budget_purchasable: bool,
    /// £/year: fixed cost moves only in whole steps of this size (a team, a ward);
    /// 0 = smoothly.
    pub cost_step: Uncertain,
    /// Months from a review's decision to the fixed-cost change taking effect.
    pub notice_months: u32,
    /// One-off cost per £1/year of fixed cost removed (redundancy, overlap).
    pub transition_cost: Uncertain,
}

/// How a cohort takes up budgets once they are offered.
#[derive(Debug, Clone, PartialEq)]
pub enum UptakeModel {
    /// Bass diffusion: hazard `min(1, p + q * ever / willing)`.
    Bass { p: Uncertain, q: Uncertain },
    /// A constant monthly hazard.
    Constant { monthly: Uncertain },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Uptake {
    pub model: UptakeModel,
    /// Share of the cohort willing ever to take a budget; default 1.
    pub ceiling: Uncertain,
}

/// A cohort's use of one service, per traditional patient.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceUse {
    pub service: ServiceIndex,
    /// Units per traditional patient per month.
    pub per_month: Uncertain,
    /// Share of this use a holder gives up: holders keep `(1 − substitution) ·
    /// per_month` (budgets mostly sit beside ongoing care).
    pub substitution: Uncertain,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub id: String,
    pub name: String,
    /// People at start.
    pub size: u64,
    /// First month budgets are offered.
    pub offer_from: YearMonth,
    pub uptake: Uptake,
    /// Monthly chance a holder goes back to traditional services.
    pub return_rate: Uncertain,
    /// £/year of one holder, drawn by each new holder.
    pub budget: BudgetDistribution,
    /// Shares by [`Form`] order; they sum to 1.
    pub forms: [f64; 3],
    /// Whether `forms` was left to the national default (kept so the file can be
    /// written back as it was).
    pub forms_defaulted: bool,
    pub uses: Vec<ServiceUse>,
    /// The cohort's random stream name, from its id.
    pub key: StreamKey,
}

/// `[contracts]`: when block contracts and fixed costs are re-based.
#[derive(Debug, Clone, PartialEq)]
pub struct Contracts {
    /// Calendar month of annual re-basing, 1..=12.
    pub review_month: u8,
    /// As written in the file, if it was.
    pub first_review: Option<YearMonth>,
}

/// `[prices]`: yearly changes, applied at each financial-year start (SPEC section 4).
/// Every amount in the scenario is in start-year prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// Calendar month the financial year starts, 1..=12.
    pub year_start: u8,
    /// Yearly change of `unit_price`, `contract_value`, `other_income`.
    pub tariff_uplift: Uncertain,
    /// Yearly change of `fixed_cost`, `variable_cost`, `other_costs` (and transition
    /// costs).
    pub cost_inflation: Uncertain,
    /// Yearly change of every holder's budget.
    pub budget_uplift: Uncertain,
}

/// `[commissioner]` with an `envelope`: what the commissioner can spend, and how much
/// of its overspend each review recovers from block contracts.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// £/year on the modelled contracts, activity, budgets and admin, in start-year
    /// prices.
    pub envelope: Uncertain,
    /// Yearly change of the envelope.
    pub growth: Uncertain,
    /// Share of the last 12 months' net overspend each review takes out of block
    /// contracts for good.
    pub recover_overspend: Uncertain,
}

/// Whether month `t` is a review month when the first review is month `first`: the
/// rule of SPEC section 4 (`r, r + 12, r + 24, ...`), for callers that hold `first`.
pub fn review_due(first: i64, t: i64) -> bool {
    t >= first && (t - first) % 12 == 0
}

/// One financial year of the horizon (`years.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinancialYear {
    /// `2027-28` (the year starting in 2027), or `2027` when `year_start = 1`.
    pub label: String,
    /// Its first simulated month index.
    pub first: usize,
    /// How many of its months are simulated (12, or fewer at either end).
    pub months: usize,
}

/// A complete, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// Month 0.
    pub start: YearMonth,
    /// Horizon in months, 1..=600.
    pub months: u32,
    pub iterations: u64,
    pub seed: u64,
    pub contracts: Contracts,
    pub prices: Prices,
    /// The commissioner's spending envelope; `None`: no limit (and no recovery).
    pub envelope: Option<Envelope>,
    /// Indexed by [`Form::index`]; `None` where the file has no table for the form.
    pub budget_forms: [Option<BudgetForm>; 3],
    pub providers: Vec<Provider>,
    pub cohorts: Vec<Cohort>,
    /// `[[correlations]]`, file order: blocks of parameters drawn together through a
    /// Gaussian copula; every parameter outside them is drawn independently.
    pub correlations: Vec<Correlation>,
    /// `[draws]`: joint draws that replace some parameters' distributions.
    pub draws: Option<Draws>,
}

/// `[draws]`: a file of joint draws of some uncertain parameters (the `posterior.csv`
/// of `phbsim calibrate`). Iteration i takes draw `i mod D` of every parameter in it.
///
/// Two are equal when they name the same file and hold the same draws: where the name
/// stands in the text is no part of the scenario (a scenario written back out and
/// read again is equal to itself).
#[derive(Debug, Clone)]
pub struct Draws {
    /// `file` as written, relative to the scenario file.
    pub file: String,
    /// The bytes of the `file` value in the scenario's text.
    pub span: std::ops::Range<usize>,
    /// The draws, once the file has been read and checked (`scenario::load` does it);
    /// `None` for a scenario parsed from text alone, which then runs without them.
    pub table: Option<DrawTable>,
}

impl PartialEq for Draws {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file && self.table == other.table
    }
}

/// The checked contents of a `[draws]` file.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawTable {
    /// The parameters' paths, in the order of draw 0's rows.
    pub paths: Vec<String>,
    /// Each path's position in [`Scenario::uncertain_parameters`] (which is the order
    /// of the engine's `DrawnParameters::slots`), found once when the file is read.
    pub positions: Vec<usize>,
    /// Draw-major: draw d's value of path j is `values[d * paths.len() + j]`.
    pub values: Vec<f64>,
}

impl DrawTable {
    /// The number of draws, `D` (at least 1).
    pub fn len(&self) -> usize {
        self.values.len() / self.paths.len().max(1)
    }

    /// Whether it holds no draw (never, once checked).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values of draw `d`, one per path.
    pub fn draw(&self, d: usize) -> &[f64] {
        let n = self.paths.len();
        &self.values[d * n..(d + 1) * n]
    }
}

impl Scenario {
    /// Every uncertain parameter, in a stable order: providers in file order (each
    /// followed by its services), then cohorts, then budget forms, then prices, then
    /// the envelope (the order of the engine's `DrawnParameters::slots`, which a test
    /// there checks).
    pub fn uncertain_parameters(&self) -> Vec<&Uncertain> {
        let mut out = Vec::new();
        for provider in &self.providers {
            out.extend([&provider.other_income, &provider.other_costs]);
            for service in &provider.services {
                out.push(&service.unit_price);
                if let Payment::Block {
                    contract_value,
                    pass_through,
                } = &service.payment
                {
                    out.extend([contract_value, pass_through]);
                }
                out.extend([
                    &service.fixed_cost,
                    &service.variable_cost,
                    &service.other_activity,
                    &service.cost_flex,
                    &service.backfill,
                    &service.cost_step,
                    &service.transition_cost,
                ]);
            }
        }
        for cohort in &self.cohorts {
            match &cohort.uptake.model {
                UptakeModel::Bass { p, q } => out.extend([p, q]),
                UptakeModel::Constant { monthly } => out.push(monthly),
            }
            out.extend([&cohort.uptake.ceiling, &cohort.return_rate]);
            for service_use in &cohort.uses {
                out.extend([&service_use.per_month, &service_use.substitution]);
            }
        }
        for form in self.budget_forms.iter().flatten() {
            out.push(&form.existing);
            out.extend(form.services.iter().map(|(_, share)| share));
            out.extend([&form.admin_cost, &form.underspend]);
        }
        out.extend([
            &self.prices.tariff_uplift,
            &self.prices.cost_inflation,
            &self.prices.budget_uplift,
        ]);
        if let Some(envelope) = &self.envelope {
            out.extend([
                &envelope.envelope,
                &envelope.growth,
                &envelope.recover_overspend,
            ]);
        }
        out
    }

    /// Every service with its provider's index, in [`ServiceIndex`] order.
    pub fn services(&self) -> impl Iterator<Item = (usize, &Service)> {
        self.providers
            .iter()
            .enumerate()
            .flat_map(|(p, provider)| provider.services.iter().map(move |s| (p, s)))
    }

    pub fn service_count(&self) -> usize {
        self.providers.iter().map(|p| p.services.len()).sum()
    }

    /// `provider-id/service-id` of a service.
    pub fn service_name(&self, index: ServiceIndex) -> String {
        let (p, service) = self
            .services()
            .nth(index.0)
            .expect("ServiceIndex comes from this scenario");
        format!("{}/{}", self.providers[p].id, service.id)
    }

    /// The month index `t` of a calendar month (negative before `start`).
    pub fn month_index(&self, month: YearMonth) -> i64 {
        month.ordinal() - self.start.ordinal()
    }

    /// The calendar month of month index `t`.
    pub fn month_label(&self, t: u32) -> YearMonth {
        self.start.plus(i64::from(t))
    }

    /// Index of the first review month (SPEC section 4): `first_review` if given, else
    /// the first `t >= 1` whose calendar month is `review_month`. It may lie at or
    /// beyond the horizon, in which case nothing is re-based.
    pub fn first_review_index(&self) -> i64 {
        match self.contracts.first_review {
            Some(month) => self.month_index(month),
            None => (1..=12)
                .find(|&t| self.start.plus(t).month == self.contracts.review_month)
                .unwrap_or(12),
        }
    }

    /// `k(t)` of SPEC section 4: the number of financial-year starts in `1..=t` (a
    /// month `t >= 1` whose calendar month is `year_start`), the power every yearly
    /// rate is raised to in month `t`.
    pub fn uplifts_by(&self, t: u32) -> u32 {
        let first = (1..=12)
            .find(|&m| self.start.plus(m).month == self.prices.year_start)
            .unwrap_or(12) as u32;
        if t < first { 0 } else { (t - first) / 12 + 1 }
    }

    /// The financial years the horizon touches, in order: each with its label
    /// (`2027-28`, or `2027` when the year starts in January), its first month index
    /// and its number of simulated months (the first and last may be partial).
    pub fn financial_years(&self) -> Vec<FinancialYear> {
        let mut years: Vec<FinancialYear> = Vec::new();
        for t in 0..self.months {
            let month = self.month_label(t);
            let starts = t == 0 || month.month == self.prices.year_start;
            if starts {
                // The year that contains `month` starts in `year` (the calendar year of
                // its first month).
                let year = if month.month >= self.prices.year_start {
                    month.year
                } else {
                    month.year - 1
                };
                let label = if self.prices.year_start == 1 {
                    format!("{year:04}")
                } else {
                    format!("{year:04}-{:02}", (year + 1).rem_euclid(100))
                };
                years.push(FinancialYear {
                    label,
                    first: t as usize,
                    months: 0,
                });
            }
            years.last_mut().expect("month 0 starts a year").months += 1;
        }
        years
    }

    /// Whether month `t` is a review month.
    pub fn is_review_month(&self, t: u32) -> bool {
        review_due(self.first_review_index(), i64::from(t))
    }

    /// Month index of a cohort's first offer (never negative: validated).
    pub fn offer_index(&self, cohort: &Cohort) -> i64 {
        self.month_index(cohort.offer_from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_arithmetic_wraps_years() {
        let april = YearMonth {
            year: 2027,
            month: 4,
        };
        assert_eq!(april.plus(9).to_string(), "2028-01");
        assert_eq!(april.plus(-4).to_string(), "2026-12");
        assert_eq!(april.plus(12).ordinal() - april.ordinal(), 12);
    }

    #[test]
    fn fixed_uncertain_draws_its_value_without_randomness() {
        let u = Uncertain::new(
            Distribution::Fixed(3.5),
            ValueRange::NonNegative,
            "x".into(),
        );
        assert_eq!(u.draw(1, 0).to_bits(), 3.5f64.to_bits());
    }
}
