//! What one iteration writes: the ordered list of monthly series, of summary metrics
//! and of financial-year cells (SPEC section 6), and where each lives in the engine's
//! flat output buffers.
//!
//! The engine writes numbers only; names are built once per scenario here, so the month
//! loop never touches a string. Monthly output is series-major:
//! `monthly[series * months + t]`. The summary buffer holds one value per whole-horizon
//! metric, then one per financial-year cell (`years.csv`): both are one number per
//! iteration, so they are accumulated, sharded and merged alike, and the year cells
//! come last so every summary metric keeps its index.

use crate::scenario::{FinancialYear, Scenario};

/// The level of an output row (`level` column of `months.csv` and `summary.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Provider,
    Service,
    Cohort,
    Commissioner,
}

impl Level {
    /// The name written in the `level` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Provider => "provider",
            Level::Service => "service",
            Level::Cohort => "cohort",
            Level::Commissioner => "commissioner",
        }
    }
}

/// The name of one monthly series or summary metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesName {
    pub level: Level,
    /// Provider id, `provider/service`, cohort id, or `commissioner`.
    pub entity: String,
    pub metric: &'static str,
}

/// Which way a metric is bad news for whoever bears it: what a comparison of a variant
/// with the base counts as "worse" (`p_worse`), and how reports colour a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worse {
    /// More is worse: costs, distress, the commissioner's spend.
    Higher,
    /// Less is worse: income, margin, reserves.
    Lower,
    /// Neither: a count that describes rather than judges (holders, activity).
    Neither,
}

/// Declares a metric enum whose discriminants are offsets inside an entity's block of
/// series, with the names and directions in the same order.
macro_rules! metrics {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal, $worse:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every metric, in output order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name written in the `metric` column.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Which way the metric is worse.
            pub fn worse(self) -> Worse {
                match self {
                    $($name::$variant => Worse::$worse),+
                }
            }
        }
    };
}

metrics! {
    /// Monthly series of a provider.
    ProviderSeries {
        Income => "income", Lower,
        Costs => "costs", Higher,
        Margin => "margin", Lower,
        Reserves => "reserves", Lower,
        InDeficit => "in_deficit", Higher,
        InDistress => "in_distress", Higher,
        DistressedBy => "distressed_by", Higher,
        TransitionCosts => "transition_costs", Higher,
    }
}

metrics! {
    /// Monthly series of a service; `BelowViable` exists only for services with
    /// `min_viable_activity`, and is last so the others keep their offsets.
    ServiceSeries {
        Activity => "activity", Neither,
        PhbActivity => "phb_activity", Neither,
        Income => "income", Lower,
        Costs => "costs", Higher,
        FixedCost => "fixed_cost", Higher,
        BelowViable => "below_viable", Higher,
    }
}

metrics! {
    /// Monthly series of a cohort.
    CohortSeries {
        Traditional => "traditional", Neither,
        Holders => "holders", Neither,
        NewHolders => "new_holders", Neither,
        Returned => "returned", Neither,
        BudgetSpend => "budget_spend", Neither,
    }
}

metrics! {
    /// Monthly series of the commissioner.
    CommissionerSeries {
        Spend => "spend", Higher,
        BlockPayments => "block_payments", Higher,
        ActivityPayments => "activity_payments", Higher,
        Budgets => "budgets", Higher,
        Admin => "admin", Higher,
        AdditionalVsBaseline => "additional_vs_baseline", Higher,
        OverEnvelope => "over_envelope", Higher,
        Recovered => "recovered", Higher,
    }
}

metrics! {
    /// Whole-horizon metrics of a provider.
    ProviderSummary {
        BaselineIncome => "baseline_income", Lower,
        Income => "income", Lower,
        IncomeChangePct => "income_change_pct", Lower,
        BaselineMargin => "baseline_margin", Lower,
        Margin => "margin", Lower,
        MarginChange => "margin_change", Lower,
        MinReserves => "min_reserves", Lower,
        Distressed => "distressed", Higher,
        DistressedBaseline => "distressed_baseline", Higher,
        TransitionCosts => "transition_costs", Higher,
    }
}

metrics! {
    /// Whole-horizon metrics of a service; `EverBelowViable` only with
    /// `min_viable_activity`.
    ServiceSummary {
        BaselineIncome => "baseline_income", Lower,
        Income => "income", Lower,
        IncomeChangePct => "income_change_pct", Lower,
        EverBelowViable => "ever_below_viable", Higher,
    }
}

metrics! {
    /// Whole-horizon metrics of the commissioner.
    CommissionerSummary {
        Spend => "spend", Higher,
        AdditionalVsBaseline => "additional_vs_baseline", Higher,
        PeakAdditional => "peak_additional", Higher,
        OverEnvelope => "over_envelope", Higher,
        // Money taken from providers' contracts: more is a deeper squeeze.
        Recovered => "recovered", Higher,
    }
}

metrics! {
    /// Financial-year metrics of a provider (`years.csv`): sums over the year's months,
    /// then values at its last month, then whether the year's margin fell below
    /// `min_margin` × its income.
    ProviderYear {
        Income => "income", Lower,
        Costs => "costs", Higher,
        Margin => "margin", Lower,
        TransitionCosts => "transition_costs", Higher,
        ReservesEnd => "reserves_end", Lower,
        Deficit => "deficit", Higher,
        DistressedByEnd => "distressed_by_end", Higher,
    }
}

metrics! {
    /// Financial-year metrics of a service: its income, and its activity `A` (without
    /// activity bought with budgets), summed over the year's months.
    ServiceYear {
        Income => "income", Lower,
        Activity => "activity", Neither,
    }
}

metrics! {
    /// Financial-year metrics of the commissioner, summed over the year's months.
    CommissionerYear {
        Spend => "spend", Higher,
        AdditionalVsBaseline => "additional_vs_baseline", Higher,
        OverEnvelope => "over_envelope", Higher,
        Recovered => "recovered", Higher,
    }
}

/// The name of one financial-year cell: an entity's metric in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCell {
    pub name: SeriesName,
    /// Index into [`OutputLayout::years`].
    pub year: usize,
}

/// Which way the summary metric `metric` of an entity at `level` is worse; `None`
/// for a name that is not a summary metric of that level.
pub fn summary_worse(level: Level, metric: &str) -> Option<Worse> {
    fn find<M: Copy>(all: &[M], name: impl Fn(M) -> &'static str, metric: &str) -> Option<M> {
        all.iter().copied().find(|&m| name(m) == metric)
    }
    match level {
        Level::Provider => {
            find(ProviderSummary::ALL, ProviderSummary::as_str, metric).map(ProviderSummary::worse)
        }
        Level::Service => {
            find(ServiceSummary::ALL, ServiceSummary::as_str, metric).map(ServiceSummary::worse)
        }
        Level::Commissioner => find(
            CommissionerSummary::ALL,
            CommissionerSummary::as_str,
            metric,
        )
        .map(CommissionerSummary::worse),
        Level::Cohort => None,
    }
}

/// The entity name of the commissioner.
pub const COMMISSIONER: &str = "commissioner";

/// The ordered outputs of one scenario: providers (file order), services
/// ([`crate::scenario::ServiceIndex`] order), cohorts (file order), commissioner.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLayout {
    months: usize,
    monthly: Vec<SeriesName>,
    summary: Vec<SeriesName>,
    /// First monthly series of each provider / service / cohort, and of the
    /// commissioner.
    provider_monthly: Vec<usize>,
    service_monthly: Vec<usize>,
    cohort_monthly: Vec<usize>,
    commissioner_monthly: usize,
    provider_summary: Vec<usize>,
    service_summary: Vec<usize>,
    commissioner_summary: usize,
    /// Whether each service has `min_viable_activity` (and so `below_viable`).
    viability: Vec<bool>,
    /// The financial years of the horizon, and every year cell (entity, metric, year:
    /// the order of `months.csv`), with the first cell of each provider / service and
    /// of the commissioner, counted from the first year cell.
    years: Vec<FinancialYear>,
    year_cells: Vec<YearCell>,
    provider_year: Vec<usize>,
    service_year: Vec<usize>,
    commissioner_year: usize,
}

impl OutputLayout {
    pub fn new(scenario: &Scenario) -> Self {
        let mut layout = OutputLayout {
            months: scenario.months as usize,
            monthly: Vec::new(),
            summary: Vec::new(),
            provider_monthly: Vec::new(),
            service_monthly: Vec::new(),
            cohort_monthly: Vec::new(),
            commissioner_monthly: 0,
            provider_summary: Vec::new(),
            service_summary: Vec::new(),
            commissioner_summary: 0,
            viability: Vec::new(),
            years: scenario.financial_years(),
            year_cells: Vec::new(),
            provider_year: Vec::new(),
            service_year: Vec::new(),
            commissioner_year: 0,
        };
        let years = layout.years.len();
        let push_years = |cells: &mut Vec<YearCell>, level, entity: &str, metric| {
            for year in 0..years {
                cells.push(YearCell {
                    name: SeriesName {
                        level,
                        entity: entity.to_owned(),
                        metric,
                    },
                    year,
                });
            }
        };
        let push = |names: &mut Vec<SeriesName>, level, entity: &str, metric| {
            names.push(SeriesName {
                level,
                entity: entity.to_owned(),
                metric,
            });
        };

        for provider in &scenario.providers {
            layout.provider_monthly.push(layout.monthly.len());
            for metric in ProviderSeries::ALL {
                push(
                    &mut layout.monthly,
                    Level::Provider,
                    &provider.id,
                    metric.as_str(),
                );
            }
            layout.provider_summary.push(layout.summary.len());
            for metric in ProviderSummary::ALL {
                push(
                    &mut layout.summary,
                    Level::Provider,
                    &provider.id,
                    metric.as_str(),
                );
            }
            layout.provider_year.push(layout.year_cells.len());
            for metric in ProviderYear::ALL {
                push_years(
                    &mut layout.year_cells,
                    Level::Provider,
                    &provider.id,
                    metric.as_str(),
                );
            }
        }

        for (p, service) in scenario.services() {
            let entity = format!("{}/{}", scenario.providers[p].id, service.id);
            let viable = service.min_viable_activity.is_some();
            layout.viability.push(viable);
            layout.service_monthly.push(layout.monthly.len());
            for &metric in ServiceSeries::ALL {
                if metric != ServiceSeries::BelowViable || viable {
                    push(
                        &mut layout.monthly,
                        Level::Service,
                        &entity,
                        metric.as_str(),
                    );
                }
            }
            layout.service_summary.push(layout.summary.len());
            for &metric in ServiceSummary::ALL {
                if metric != ServiceSummary::EverBelowViable || viable {
                    push(
                        &mut layout.summary,
                        Level::Service,
                        &entity,
                        metric.as_str(),
                    );
                }
            }
            layout.service_year.push(layout.year_cells.len());
            for metric in ServiceYear::ALL {
                push_years(
                    &mut layout.year_cells,
                    Level::Service,
                    &entity,
                    metric.as_str(),
                );
            }
        }

        for cohort in &scenario.cohorts {
            layout.cohort_monthly.push(layout.monthly.len());
            for metric in CohortSeries::ALL {
                push(
                    &mut layout.monthly,
                    Level::Cohort,
                    &cohort.id,
                    metric.as_str(),
                );
            }
        }

        layout.commissioner_monthly = layout.monthly.len();
        for metric in CommissionerSeries::ALL {
            push(
                &mut layout.monthly,
                Level::Commissioner,
                COMMISSIONER,
                metric.as_str(),
            );
        }
        layout.commissioner_summary = layout.summary.len();
        for metric in CommissionerSummary::ALL {
            push(
                &mut layout.summary,
                Level::Commissioner,
                COMMISSIONER,
                metric.as_str(),
            );
        }
        layout.commissioner_year = layout.year_cells.len();
        for metric in CommissionerYear::ALL {
            push_years(
                &mut layout.year_cells,
                Level::Commissioner,
                COMMISSIONER,
                metric.as_str(),
            );
        }
        layout
    }

    /// Number of months (the horizon).
    pub fn months(&self) -> usize {
        self.months
    }

    /// Length of the monthly buffer of one iteration: series × months.
    pub fn monthly_len(&self) -> usize {
        self.monthly.len() * self.months
    }

    /// Length of the summary buffer of one iteration: the summary metrics, then the
    /// financial-year cells.
    pub fn summary_len(&self) -> usize {
        self.summary.len() + self.year_cells.len()
    }

    /// The financial years of the horizon, in order.
    pub fn years(&self) -> &[FinancialYear] {
        &self.years
    }

    /// The financial-year cells, in buffer order (after the summary metrics: cell `k`
    /// is at `summary[`[`Self::year_cell_index`]`(k)]`).
    pub fn year_cells(&self) -> &[YearCell] {
        &self.year_cells
    }

    /// Index in the summary buffer of year cell `k`.
    pub fn year_cell_index(&self, k: usize) -> usize {
        self.summary.len() + k
    }

    /// Index in the summary buffer of a provider's metric in financial year `year`.
    pub fn provider_year(&self, p: usize, metric: ProviderYear, year: usize) -> usize {
        self.year_cell_index(self.provider_year[p] + metric as usize * self.years.len() + year)
    }

    /// Index in the summary buffer of a service's metric in financial year `year`.
    pub fn service_year(&self, s: usize, metric: ServiceYear, year: usize) -> usize {
        self.year_cell_index(self.service_year[s] + metric as usize * self.years.len() + year)
    }

    /// Index in the summary buffer of a commissioner metric in financial year `year`.
    pub fn commissioner_year(&self, metric: CommissionerYear, year: usize) -> usize {
        self.year_cell_index(self.commissioner_year + metric as usize * self.years.len() + year)
    }

    /// The monthly series, in buffer order.
    pub fn monthly_names(&self) -> &[SeriesName] {
        &self.monthly
    }

    /// The summary metrics, in buffer order.
    pub fn summary_names(&self) -> &[SeriesName] {
        &self.summary
    }

    /// Whether service `s` has `below_viable` / `ever_below_viable`.
    pub fn has_viability(&self, s: usize) -> bool {
        self.viability[s]
    }

    /// Series index of a provider's monthly metric.
    pub fn provider_series(&self, p: usize, metric: ProviderSeries) -> usize {
        self.provider_monthly[p] + metric as usize
    }

    /// Series index of a service's monthly metric; `None` for `below_viable` of a
    /// service without `min_viable_activity`.
    pub fn service_series(&self, s: usize, metric: ServiceSeries) -> Option<usize> {
        (metric != ServiceSeries::BelowViable || self.viability[s])
            .then(|| self.service_monthly[s] + metric as usize)
    }

    /// Series index of a cohort's monthly metric.
    pub fn cohort_series(&self, c: usize, metric: CohortSeries) -> usize {
        self.cohort_monthly[c] + metric as usize
    }

    /// Series index of a commissioner monthly metric.
    pub fn commissioner_series(&self, metric: CommissionerSeries) -> usize {
        self.commissioner_monthly + metric as usize
    }

    /// Index of a provider's summary metric.
    pub fn provider_summary(&self, p: usize, metric: ProviderSummary) -> usize {
        self.provider_summary[p] + metric as usize
    }

    /// Index of a service's summary metric; `None` for `ever_below_viable` of a service
    /// without `min_viable_activity`.
    pub fn service_summary(&self, s: usize, metric: ServiceSummary) -> Option<usize> {
        (metric != ServiceSummary::EverBelowViable || self.viability[s])
            .then(|| self.service_summary[s] + metric as usize)
    }

    /// Index of a commissioner summary metric.
    pub fn commissioner_summary(&self, metric: CommissionerSummary) -> usize {
        self.commissioner_summary + metric as usize
    }

    /// The range of `monthly` holding series `series`.
    pub fn series_range(&self, series: usize) -> std::ops::Range<usize> {
        series * self.months..(series + 1) * self.months
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::test_scenarios::*;

    #[test]
    fn order_is_providers_services_cohorts_commissioner() {
        let mut s = scenario(
            12,
            vec![
                provider("a", vec![activity_service("a", "x", 10.0)]),
                provider(
                    "b",
                    vec![
                        block_service("b", "y", 10.0, 1200.0, 1.0),
                        activity_service("b", "z", 10.0),
                    ],
                ),
            ],
            vec![cohort("c1", 10, constant_uptake("c1", 0.1), &[(0, 1.0)])],
        );
        s.providers[1].services[0].min_viable_activity = Some(5.0);
        let layout = OutputLayout::new(&s);

        let names: Vec<String> = layout
            .monthly_names()
            .iter()
            .map(|n| format!("{}:{}:{}", n.level.as_str(), n.entity, n.metric))
            .collect();
        assert_eq!(names[0], "provider:a:income");
        assert_eq!(names[7], "provider:a:transition_costs");
        assert_eq!(names[16], "service:a/x:activity");
        assert_eq!(names[20], "service:a/x:fixed_cost");
        assert_eq!(names[21], "service:b/y:activity");
        assert_eq!(names[26], "service:b/y:below_viable");
        assert_eq!(names[27], "service:b/z:activity");
        assert_eq!(names[32], "cohort:c1:traditional");
        assert_eq!(names[37], "commissioner:commissioner:spend");
        assert_eq!(names[44], "commissioner:commissioner:recovered");
        assert_eq!(names.len(), 45);
        assert_eq!(layout.monthly_len(), 45 * 12);

        // The typed accessors agree with the names.
        assert_eq!(
            layout.monthly_names()[layout.service_series(2, ServiceSeries::Costs).unwrap()].entity,
            "b/z"
        );
        assert_eq!(layout.service_series(2, ServiceSeries::BelowViable), None);
        assert_eq!(
            layout.monthly_names()[layout.cohort_series(0, CohortSeries::BudgetSpend)].metric,
            "budget_spend"
        );

        let summary: Vec<String> = layout
            .summary_names()
            .iter()
            .map(|n| format!("{}:{}", n.entity, n.metric))
            .collect();
        assert_eq!(summary[9], "a:transition_costs");
        assert_eq!(summary[10], "b:baseline_income");
        assert_eq!(summary[20], "a/x:baseline_income");
        assert_eq!(summary[26], "b/y:ever_below_viable");
        assert_eq!(summary[27], "b/z:baseline_income");
        assert_eq!(summary[30], "commissioner:spend");
        assert_eq!(summary.len(), 35);
        assert_eq!(
            layout.service_summary(1, ServiceSummary::EverBelowViable),
            Some(26)
        );
        assert_eq!(
            layout.commissioner_summary(CommissionerSummary::PeakAdditional),
            32
        );

        // One financial year (April to March); its cells follow the summary metrics,
        // entity by entity, metric by metric, year by year.
        assert_eq!(layout.years().len(), 1);
        assert_eq!(layout.years()[0].label, "2027-28");
        assert_eq!(layout.year_cells().len(), 2 * 7 + 3 * 2 + 4);
        assert_eq!(layout.summary_len(), 35 + 24);
        let cell = |index: usize| {
            let cell = &layout.year_cells()[index - layout.year_cell_index(0)];
            format!("{}:{}:{}", cell.name.entity, cell.name.metric, cell.year)
        };
        assert_eq!(
            cell(layout.provider_year(1, ProviderYear::Deficit, 0)),
            "b:deficit:0"
        );
        assert_eq!(
            cell(layout.service_year(2, ServiceYear::Activity, 0)),
            "b/z:activity:0"
        );
        assert_eq!(
            cell(layout.commissioner_year(CommissionerYear::Recovered, 0)),
            "commissioner:recovered:0"
        );
        assert_eq!(layout.commissioner_year(CommissionerYear::Recovered, 0), 58);
    }
}
