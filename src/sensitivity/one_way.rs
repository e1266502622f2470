//! One-way sensitivity and rank correlations: which uncertain parameter moves each
//! provider's income and probability of distress the most (`phbsim sensitivity`).
//!
//! **One-way.** Each parameter given as a distribution is pinned at its P10 in every
//! iteration, then at its P90, while every other parameter keeps its usual draw: two
//! runs of the same iterations with common random numbers. A parameter in a
//! `[[correlations]]` block takes its partners with it: they are drawn from their
//! distribution given that it lies at its P10 (or P90), so its swing is that of the
//! parameter and what moves with it ([`crate::sensitivity::conditioned_on`]). Per provider, the result
//! is the mean over iterations of `income` (summed over the horizon) and of
//! `distressed` (the probability of distress by the horizon) at each end; the swing is
//! `|high − low|`. The two runs are paired iteration by iteration, so the Monte Carlo
//! standard error of `high − low` is the sd of the paired difference over `√n`, far
//! smaller than that of two independent runs.
//!
//! **Rank correlation.** One-way swings vary one parameter at a time from the others'
//! draws; they miss what a parameter does only together with another. So the plain
//! run is also read iteration by iteration: Spearman's ρ between each parameter's draw
//! and each provider's outcome.
//!
//! Cost: `1 + 2 × parameters` runs of `n` iterations, each run parallel over its
//! iterations (both ends of a parameter in one pass), reduced in iteration order:
//! results are bit-identical for any thread count. Memory beyond a run's own: the plain
//! run's draws and outcomes, `8 × (parameters + 2 × providers)` bytes per iteration.

use std::sync::atomic::AtomicBool;

use crate::engine::{DrawnParameters, OutputLayout};
use crate::run::{
    Cancelled, Run, RunLayout, RunSettings, SetResult, keeps_every_value, summarise_as_run,
};
use crate::scenario::Scenario;
use crate::sensitivity::parts;
use crate::sensitivity::{
    HIGH_PERCENTILE, LOW_PERCENTILE, ProviderOutcomes, conditioned_on, percentile_value,
    uncertain_parameters,
};
use crate::stats::{Summary, spearman};

/// What a row of `sensitivity.csv` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// One-way: mean income over the horizon at the parameter's P10 and P90.
    Income,
    /// One-way: probability of distress by the horizon at P10 and P90.
    Distressed,
    /// Spearman's ρ between the parameter's draw and the provider's income.
    RankCorrelationIncome,
    /// Spearman's ρ between the parameter's draw and the provider's distress (0/1).
    RankCorrelationDistressed,
}

impl Metric {
    /// Every metric, in the order of `sensitivity.csv`.
    pub const ALL: [Metric; 4] = [
        Metric::Income,
        Metric::Distressed,
        Metric::RankCorrelationIncome,
        Metric::RankCorrelationDistressed,
    ];

    /// The name in the `metric` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Income => "income",
            Metric::Distressed => "distressed",
            Metric::RankCorrelationIncome => "rank_correlation_income",
            Metric::RankCorrelationDistressed => "rank_correlation_distressed",
        }
    }
}

/// One provider × parameter × metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub provider: String,
    /// The parameter's path.
    pub parameter: String,
    pub metric: Metric,
    /// The parameter's P10 and P90 (one-way rows only).
    pub low_value: Option<f64>,
    pub high_value: Option<f64>,
    /// The metric's mean over iterations with the parameter at its P10 and at its P90
    /// (one-way rows only).
    pub low_result: Option<f64>,
    pub high_result: Option<f64>,
    /// Signed: `high_result − low_result` (one-way), or ρ (rank correlation; `None`
    /// when ρ is undefined because the outcome never varies).
    pub effect: Option<f64>,
    /// Monte Carlo standard error of `effect`: the sd of the paired difference over
    /// `√n` (one-way); `1 / √(n − 1)`, the sd of ρ when there is no association (rank).
    /// `None` with a single iteration.
    pub effect_se: Option<f64>,
    /// `|effect|`, what the rows are ranked by; `None` where `effect` is.
    pub swing: Option<f64>,
}

/// A provider's outcomes at the usual draws (the plain run).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderBase {
    pub provider: String,
    /// Mean income over the horizon.
    pub income: f64,
    /// Probability of distress by the horizon.
    pub distressed: f64,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub iterations: u64,
    pub seed: u64,
    /// Paths of the parameters varied, in [`crate::engine::DrawnParameters::slots`]
    /// order.
    pub parameters: Vec<String>,
    /// Their labels ([`crate::sensitivity::parameter_label`]), in the same order.
    pub labels: Vec<String>,
    /// By provider, file order.
    pub base: Vec<ProviderBase>,
    /// By provider (file order), then [`Metric::ALL`] order, then swing, largest
    /// first (undefined last; ties in parameter order).
    pub rows: Vec<Row>,
    /// Whether every run kept exact percentiles (the memory rule of `crate::run`).
    pub exact_percentiles: bool,
}

impl Sensitivity {
    /// The label of the parameter at `path` (the path itself if it was not varied).
    pub fn label<'a>(&'a self, path: &'a str) -> &'a str {
        self.parameters
            .iter()
            .position(|p| p == path)
            .map_or(path, |i| self.labels[i].as_str())
    }

    /// The tornado of one provider and metric: its rows, largest swing first, ready
    /// for a chart (each bar from `low_result` to `high_result` around the base).
    ///
    /// Found by bisection on the order of [`Self::rows`] (by provider, then metric):
    /// a national analysis has over a million rows, and the report asks for four
    /// tornadoes per provider.
    pub fn tornado(&self, provider: &str, metric: Metric) -> Vec<&Row> {
        let position = |id: &str| self.base.iter().position(|b| b.provider == id);
        let key = |r: &Row| (position(&r.provider), r.metric);
        let wanted = (position(provider), metric);
        let start = self.rows.partition_point(|r| key(r) < wanted);
        let end = start + self.rows[start..].partition_point(|r| key(r) <= wanted);
        self.rows[start..end]
            .iter()
            .filter(|r| r.provider == provider)
            .collect()
    }
}

/// How many runs of `n` iterations [`analyse`] makes: the plain run and two per round
/// of [`parts::schedule`].
pub fn run_count(scenario: &Scenario) -> u64 {
    let parameters = uncertain_parameters(scenario);
    let rounds = parts::schedule(&parts::independent_parts(scenario, &parameters));
    1 + 2 * rounds.len() as u64
}

/// Runs the one-way analysis and the rank correlations. `progress` is told how many
/// iterations have been simulated, out of [`run_count`] × `settings.iterations`.
/// Stops early, with [`Cancelled`], once `cancel` is set.
///
/// Parameters of independent parts of the scenario are pinned in the same runs
/// ([`parts`]); the results are the bits of pinning one parameter per run.
pub fn analyse(
    scenario: &Scenario,
    settings: RunSettings,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Sensitivity, Cancelled> {
    let parts = parts::independent_parts(scenario, &uncertain_parameters(scenario));
    let rounds = parts::schedule(&parts);
    analyse_in_rounds(scenario, settings, &parts, &rounds, progress, cancel)
}

/// The Monte Carlo standard error of a mean paired difference: its sd over `√n`;
/// `None` with one iteration, which has no spread to estimate it from.
fn paired_standard_error(difference: Option<Summary>, n: u64) -> Option<f64> {
    difference
        .filter(|_| n >= 2)
        .map(|d| d.sd / (n as f64).sqrt())
}

/// [`analyse`] with the parameters pinned in `rounds` (each parameter in exactly one;
/// no two parameters of a round able to move the same provider).
pub(crate) fn analyse_in_rounds(
    scenario: &Scenario,
    settings: RunSettings,
    parts: &parts::Parts,
    rounds: &[Vec<usize>],
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Sensitivity, Cancelled> {
    let parameters = uncertain_parameters(scenario);
    let outcomes = ProviderOutcomes::new(scenario, &OutputLayout::new(scenario));
    let n = settings.iterations;
    let providers = outcomes.ids.len();

    // The plain run, read iteration by iteration for the rank correlations. The draws
    // are taken again here: a draw depends only on (seed, iteration, path).
    let mut income: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); providers];
    let mut distressed: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); providers];
    let mut drawn: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); parameters.len()];
    let mut observe = |_: usize, iteration: u64, summary: &[f64]| {
        for p in 0..providers {
            income[p].push(summary[outcomes.income[p]]);
            distressed[p].push(summary[outcomes.distressed[p]]);
        }
        let params = DrawnParameters::draw(scenario, settings.seed, iteration);
        for (values, (slot, _)) in drawn.iter_mut().zip(&parameters) {
            values.push(params.get(*slot));
        }
    };
    let plain = Run::new(&[scenario], settings)
        .observe(&mut observe)
        .progress(progress)
        .cancel_on(cancel)
        .all()?;
    let mean = |set: &SetResult, run: usize, index: usize| {
        set.runs[run].summary[index].map_or(f64::NAN, |s| s.mean)
    };
    let base = (0..providers)
        .map(|p| ProviderBase {
            provider: outcomes.ids[p].clone(),
            income: mean(&plain, 0, outcomes.income[p]),
            distressed: mean(&plain, 0, outcomes.distressed[p]),
        })
        .collect();
    let mut exact_percentiles = plain.runs[0].exact_percentiles;

    // Only the providers' outcomes are read from the pinned runs.
    let read: Vec<usize> = (0..providers)
        .flat_map(|p| [outcomes.income[p], outcomes.distressed[p]])
        .collect();
    // A provider that a parameter cannot move shows its plain draws at both ends: its
    // statistics as a pinned run (two scenarios) keeps them, computed once.
    let pair_keeps_values = {
        let pair = RunLayout::of(&[scenario, scenario]);
        keeps_every_value(pair.shape().values_per_iteration(), &settings)
    };
    // Its paired differences are all 0, so their sd is 0.
    let unmoved_se = (n >= 2).then_some(0.0);
    let unmoved_mean =
        |values: &[f64]| summarise_as_run(values, pair_keeps_values).map_or(f64::NAN, |s| s.mean);
    let unmoved: Vec<[f64; 2]> = (0..providers)
        .map(|p| [unmoved_mean(&income[p]), unmoved_mean(&distressed[p])])
        .collect();

    let mut one_way: Vec<Vec<Row>> = vec![Vec::new(); parameters.len()];
    for (r, round) in rounds.iter().enumerate() {
        let ends: Vec<(usize, f64, f64)> = round
            .iter()
            .map(|&j| {
                let u = parameters[j].1;
                (
                    j,
                    percentile_value(u, LOW_PERCENTILE),
                    percentile_value(u, HIGH_PERCENTILE),
                )
            })
            .collect();
        let done_before = n * (1 + 2 * r as u64);
        let pin = |run: usize, params: &mut DrawnParameters| {
            for &(j, low, high) in &ends {
                *params.get_mut(parameters[j].0) = if run == 0 { low } else { high };
            }
        };
        // A correlated parameter's block is conditioned on it (its own draw is then
        // already the pinned value); any other runs the scenario as it is.
        let condition = |p: f64| {
            let mut conditioned: Option<Scenario> = None;
            for &(j, ..) in &ends {
                let from = conditioned.as_ref().unwrap_or(scenario);
                if let Some(next) = conditioned_on(from, &parameters[j].1.path, p) {
                    conditioned = Some(next);
                }
            }
            conditioned
        };
        let (at_low, at_high) = (condition(LOW_PERCENTILE), condition(HIGH_PERCENTILE));
        let pair = [
            at_low.as_ref().unwrap_or(scenario),
            at_high.as_ref().unwrap_or(scenario),
        ];
        let set = Run::new(&pair, settings)
            .adjust(&pin)
            .only_summary(&read)
            .progress(&|done| progress(done_before + 2 * done))
            .cancel_on(cancel)
            .all()?;
        exact_percentiles &= set.runs.iter().all(|r| r.exact_percentiles);
        let comparison = &set.comparisons[0];
        let paired_se = |index: usize| {
            let k = comparison
                .metrics
                .iter()
                .position(|m| m.base_index == index);
            paired_standard_error(k.and_then(|k| comparison.difference[k]), n)
        };
        for &(j, low, high) in &ends {
            for (p, unmoved) in unmoved.iter().enumerate() {
                for (m, (metric, index)) in [
                    (Metric::Income, outcomes.income[p]),
                    (Metric::Distressed, outcomes.distressed[p]),
                ]
                .into_iter()
                .enumerate()
                {
                    let (at_low, at_high, effect_se) = if parts.moves(j, p) {
                        (mean(&set, 0, index), mean(&set, 1, index), paired_se(index))
                    } else {
                        (unmoved[m], unmoved[m], unmoved_se)
                    };
                    let effect = at_high - at_low;
                    one_way[j].push(Row {
                        provider: outcomes.ids[p].clone(),
                        parameter: parameters[j].1.path.clone(),
                        metric,
                        low_value: Some(low),
                        high_value: Some(high),
                        low_result: Some(at_low),
                        high_result: Some(at_high),
                        effect: Some(effect),
                        effect_se,
                        swing: Some(effect.abs()),
                    });
                }
            }
        }
    }
    let mut rows: Vec<Row> = one_way.into_iter().flatten().collect();

    let null_se = (n > 1).then(|| 1.0 / ((n - 1) as f64).sqrt());
    for p in 0..providers {
        for (metric, outcome) in [
            (Metric::RankCorrelationIncome, &income[p]),
            (Metric::RankCorrelationDistressed, &distressed[p]),
        ] {
            for (values, (_, u)) in drawn.iter().zip(&parameters) {
                let rho = spearman(values, outcome);
                rows.push(Row {
                    provider: outcomes.ids[p].clone(),
                    parameter: u.path.clone(),
                    metric,
                    low_value: None,
                    high_value: None,
                    low_result: None,
                    high_result: None,
                    effect: rho,
                    effect_se: null_se,
                    swing: rho.map(f64::abs),
                });
            }
        }
    }

    // Stable: ties keep parameter order. Providers are ranked through a map, once
    // per row: looking each up by name in every comparison was most of a national
    // analysis's time.
    let order: std::collections::HashMap<&str, usize> = outcomes
        .ids
        .iter()
        .enumerate()
        .map(|(p, id)| (id.as_str(), p))
        .collect();
    let mut ranked: Vec<(usize, Row)> = rows
        .into_iter()
        .map(|r| (order[r.provider.as_str()], r))
        .collect();
    ranked.sort_by(|(pa, a), (pb, b)| {
        (pa, a.metric)
            .cmp(&(pb, b.metric))
            .then_with(|| match (a.swing, b.swing) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
    });
    let rows = ranked.into_iter().map(|(_, r)| r).collect();

    Ok(Sensitivity {
        iterations: n,
        seed: settings.seed,
        parameters: parameters.iter().map(|(_, u)| u.path.clone()).collect(),
        labels: parameters
            .iter()
            .map(|(_, u)| crate::sensitivity::parameter_label(scenario, &u.path))
            .collect(),
        base,
        rows,
        exact_percentiles,
    })
}

/// Rows for tests of the writers and charts of a [`Sensitivity`].
#[cfg(test)]
pub(crate) mod test_rows {
    use super::{Metric, Row};

    /// A one-way row of provider `p`: low and high results, effect and swing from them.
    pub(crate) fn row(parameter: &str, metric: Metric, low: f64, high: f64) -> Row {
        Row {
            provider: "p".into(),
            parameter: parameter.into(),
            metric,
            low_value: Some(0.1),
            high_value: Some(0.3),
            low_result: Some(low),
            high_result: Some(high),
            effect: Some(high - low),
            effect_se: Some(0.5),
            swing: Some((high - low).abs()),
        }
    }

    /// A rank-correlation row of provider `p` with correlation `rho`.
    pub(crate) fn rank(parameter: &str, metric: Metric, rho: f64) -> Row {
        Row {
            low_value: None,
            high_value: None,
            low_result: None,
            high_result: None,
            effect: Some(rho),
            swing: Some(rho.abs()),
            ..row(parameter, metric, 0.0, 0.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::run_one;
    use crate::sensitivity::test_scenario::{parse, tornado_text};
    use crate::stats::tolerance::STANDARD_ERRORS;

    const ITERATIONS: u64 = 300;

    fn analyse_on(threads: usize, scenario: &Scenario) -> Sensitivity {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let never = AtomicBool::new(false);
                analyse(scenario, RunSettings::new(ITERATIONS, 17), &|_| {}, &never)
                    .expect("not cancelled")
            })
    }

    const IDLE: &str = "providers.p.services.unused.variable_cost";

    /// The issue's acceptance test: a parameter with no effect (the variable cost of a
    /// service nobody uses) comes last in the tornado, with a swing of exactly zero,
    /// below every parameter that does move income.
    #[test]
    fn a_parameter_with_no_effect_ranks_last_with_zero_swing() {
        let s = parse(&tornado_text());
        let result = analyse_on(2, &s);
        assert_eq!(result.parameters.len(), 4);
        for metric in [Metric::Income, Metric::Distressed] {
            let tornado = result.tornado("p", metric);
            assert_eq!(tornado.len(), 4);
            let last = tornado.last().unwrap();
            assert_eq!(last.parameter, IDLE);
            assert_eq!(last.swing.unwrap().to_bits(), 0, "{metric:?}");
            assert_eq!(last.low_result, last.high_result);
            assert!(
                tornado.windows(2).all(|w| w[0].swing >= w[1].swing),
                "sorted by swing"
            );
        }
        // Contract value, pass_through and uptake all move income.
        let income = result.tornado("p", Metric::Income);
        assert!(income[..3].iter().all(|r| r.swing.unwrap() > 0.0));

        let find = |metric, parameter: &str| {
            result
                .tornado("p", metric)
                .into_iter()
                .find(|r| r.parameter == parameter)
                .unwrap()
                .clone()
        };
        // More uptake, more leavers: less income, more distress, each effect many
        // paired standard errors from 0.
        let monthly = "cohorts.c.uptake.monthly";
        for (metric, sign) in [(Metric::Income, -1.0), (Metric::Distressed, 1.0)] {
            let row = find(metric, monthly);
            assert!(
                sign * row.effect.unwrap() > STANDARD_ERRORS * row.effect_se.unwrap(),
                "{row:?}"
            );
        }
        // The contract value drives income (the block is most of it): its rank
        // correlation agrees with its one-way effect and is far outside the noise of
        // no association, whose sd is 1/√(n − 1).
        let contract = "providers.p.services.s.contract_value";
        assert!(find(Metric::Income, contract).effect.unwrap() > 0.0);
        let rho = find(Metric::RankCorrelationIncome, contract);
        assert!(
            rho.effect.unwrap() > 10.0 * rho.effect_se.unwrap(),
            "{rho:?}"
        );
        // The idle parameter's ρ is that noise only: within the suite's tolerance of 0.
        let idle = find(Metric::RankCorrelationIncome, IDLE);
        assert!(
            idle.swing.unwrap() < STANDARD_ERRORS * idle.effect_se.unwrap(),
            "{idle:?}"
        );
    }

    /// Pinning a parameter through the run's hook is the same, bit for bit, as a
    /// scenario in which it is that plain number: the low and high results are what
    /// `phbsim run` gives for those scenarios.
    #[test]
    fn pinned_runs_equal_scenarios_with_the_parameter_fixed() {
        let text = tornado_text();
        let s = parse(&text);
        let result = analyse_on(2, &s);
        let row = result
            .tornado("p", Metric::Income)
            .into_iter()
            .find(|r| r.parameter == "providers.p.services.s.pass_through")
            .unwrap()
            .clone();
        for (value, result) in [
            (row.low_value.unwrap(), row.low_result.unwrap()),
            (row.high_value.unwrap(), row.high_result.unwrap()),
        ] {
            let fixed = parse(&text.replace(
                r#"pass_through = { dist = "uniform", min = 0.5, max = 1 }"#,
                &format!("pass_through = {value:?}"),
            ));
            let plain = run_one(&fixed, RunSettings::new(ITERATIONS, 17));
            let index = ProviderOutcomes::new(&fixed, &plain.layout).income[0];
            assert_eq!(
                plain.summary[index].unwrap().mean.to_bits(),
                result.to_bits()
            );
        }
        // P10 and P90 of uniform(0.5, 1).
        assert!((row.low_value.unwrap() - 0.55).abs() < 1e-12);
        assert!((row.high_value.unwrap() - 0.95).abs() < 1e-12);
    }

    /// A parameter with no effect of its own swings income once it is correlated with
    /// one that has: fixing it at its P90 rather than its P10 draws the contract value
    /// given it, which moves with it (rank correlation 0.9), so income rises, by many
    /// paired standard errors. Its rank correlation with income follows.
    #[test]
    fn a_correlated_partner_moves_with_the_fixed_parameter() {
        let contract = "providers.p.services.s.contract_value";
        let text = format!(
            "{}\n[[correlations]]\npaths = [\"{IDLE}\", \"{contract}\"]\nrank = [[1, 0.9], [0.9, 1]]\n",
            tornado_text()
        );
        let result = analyse_on(2, &parse(&text));
        let find = |metric, parameter: &str| {
            result
                .tornado("p", metric)
                .into_iter()
                .find(|r| r.parameter == parameter)
                .unwrap()
                .clone()
        };
        let idle = find(Metric::Income, IDLE);
        assert!(
            idle.effect.unwrap() > STANDARD_ERRORS * idle.effect_se.unwrap(),
            "{idle:?}"
        );
        // Its own value is still pinned at its percentiles.
        assert!((idle.low_value.unwrap() - 1.4).abs() < 1e-12);
        assert!((idle.high_value.unwrap() - 4.6).abs() < 1e-12);
        // Less than the contract value's own swing: the partner moves only part of
        // the way to its percentiles.
        let own = find(Metric::Income, contract);
        assert!(
            idle.effect.unwrap() < own.effect.unwrap(),
            "{idle:?} {own:?}"
        );
        let rho = find(Metric::RankCorrelationIncome, IDLE);
        assert!(
            rho.effect.unwrap() > 10.0 * rho.effect_se.unwrap(),
            "{rho:?}"
        );
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let s = parse(&tornado_text());
        let bits = |r: &Sensitivity| -> Vec<Option<u64>> {
            r.rows
                .iter()
                .flat_map(|row| [row.low_result, row.high_result, row.effect, row.effect_se])
                .map(|v| v.map(f64::to_bits))
                .collect()
        };
        let one = analyse_on(1, &s);
        let two = analyse_on(2, &s);
        assert_eq!(bits(&one), bits(&two));
        assert_eq!(
            one.rows.len(),
            4 * 4,
            "4 parameters × 4 metrics, one provider"
        );
    }
}
