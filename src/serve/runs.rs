//! The runs behind the page: the base, run once when the server starts, and each
//! what-if, run beside it under common random numbers.
//!
//! A variant's iteration i uses the random streams of the base's iteration i, so the
//! base's results for a seed and a number of iterations never change while the
//! server runs. [`Base`] keeps them, with every iteration's summary values, and a
//! what-if runs only its own scenario; its paired differences with the base are then
//! taken iteration by iteration from the kept values, exactly as `crate::run` pairs
//! them in a joint run (a test below holds the two to the same bits). That halves
//! the work of every answer. A run too large to keep every value (streaming
//! percentiles) is run jointly instead, so its statistics are those of `phbsim run`.

use std::sync::atomic::AtomicBool;

use crate::compare::{is_worse, paired_metrics};
use crate::run::{
    Cancelled, Comparison, Run, RunLayout, RunResult, RunSettings, SetResult, keeps_every_value,
};
use crate::scenario::Scenario;
use crate::stats::summarise_exact;

/// The base scenario's results, kept for every what-if.
#[derive(Debug, Clone)]
pub struct Base {
    pub scenario: Scenario,
    pub settings: RunSettings,
    pub result: RunResult,
    /// Every iteration's summary values, iteration-major (`summary_len` per row).
    rows: Vec<f64>,
}

/// Runs `scenario` and returns its result with each iteration's summary values.
fn run_keeping_rows(
    scenario: &Scenario,
    settings: RunSettings,
    cancel: &AtomicBool,
) -> Result<(RunResult, Vec<f64>), Cancelled> {
    let mut rows = Vec::new();
    let mut keep = |_: usize, _: u64, values: &[f64]| rows.extend_from_slice(values);
    let scenarios = [scenario];
    let mut set = Run::new(&scenarios, settings)
        .cancel_on(cancel)
        .observe(&mut keep)
        .all()?;
    Ok((set.runs.remove(0), rows))
}

impl Base {
    /// Runs the base once (on the calling thread's pool).
    pub fn run(scenario: Scenario, settings: RunSettings) -> Base {
        let (result, rows) = run_keeping_rows(&scenario, settings, &AtomicBool::new(false))
            .expect("a run that nobody cancels finishes");
        Base {
            scenario,
            settings,
            result,
            rows,
        }
    }

    /// The base alone, as a run of one scenario.
    pub fn alone(&self) -> SetResult {
        SetResult {
            runs: vec![self.result.clone()],
            comparisons: Vec::new(),
        }
    }

    /// The base and `what_if` (a variant of it), with the paired differences, as
    /// `phbsim run` would give them for a file holding the what-if as a variant.
    /// Stops with [`Cancelled`] soon after `cancel` is set.
    pub fn with(&self, what_if: &Scenario, cancel: &AtomicBool) -> Result<SetResult, Cancelled> {
        let scenarios = [&self.scenario, what_if];
        let joint = RunLayout::of(&scenarios).shape().values_per_iteration();
        if !keeps_every_value(joint, &self.settings) {
            return Run::new(&scenarios, self.settings).cancel_on(cancel).all();
        }
        let (result, rows) = run_keeping_rows(what_if, self.settings, cancel)?;
        let comparison = self.paired(&result, &rows);
        Ok(SetResult {
            runs: vec![self.result.clone(), result],
            comparisons: vec![comparison],
        })
    }

    /// The paired differences of a variant's result (with its summary rows) against
    /// the base: the rule of `crate::run`'s joint runs, value for value.
    fn paired(&self, variant: &RunResult, rows: &[f64]) -> Comparison {
        let metrics = paired_metrics(&self.result.layout, &variant.layout);
        let base_len = self.result.layout.summary_len();
        let variant_len = variant.layout.summary_len();
        let iterations = self.settings.iterations as usize;
        let mut difference = Vec::with_capacity(metrics.len());
        let mut p_worse = Vec::with_capacity(metrics.len());
        for metric in &metrics {
            let values: Vec<f64> = (0..iterations)
                .map(|i| {
                    rows[i * variant_len + metric.variant_index]
                        - self.rows[i * base_len + metric.base_index]
                })
                .collect();
            let (worse, defined) = values
                .iter()
                .filter(|d| !d.is_nan())
                .fold((0u64, 0u64), |(w, n), &d| {
                    (w + u64::from(is_worse(d, metric.higher_is_worse)), n + 1)
                });
            p_worse.push(if defined == 0 {
                0.0
            } else {
                worse as f64 / defined as f64
            });
            difference.push(summarise_exact(&values));
        }
        Comparison {
            variant: 1,
            metrics,
            difference,
            p_worse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    /// A small scenario with one what-if variant, and its base run.
    fn fixture(iterations: u64) -> (Base, Scenario) {
        let text = crate::scenario::load::EXAMPLE.to_string();
        let served = crate::serve::whatif::served_text(
            &text,
            &crate::serve::whatif::WhatIf {
                set: vec![(
                    "providers.trust.services.crisis.pass_through".into(),
                    toml::Value::Float(0.2),
                )],
            },
        )
        .unwrap();
        let mut validated = parse_scenario(&served).unwrap();
        let what_if = validated.variants.remove(0).scenario;
        let base = Base::run(validated.scenario, RunSettings::new(iterations, 7));
        (base, what_if)
    }

    fn bits(set: &SetResult) -> Vec<u64> {
        let mut out = Vec::new();
        let mut push = |s: &Option<crate::stats::Summary>| {
            if let Some(s) = s {
                out.extend(s.to_array().map(f64::to_bits));
            } else {
                out.push(u64::MAX);
            }
        };
        for run in &set.runs {
            run.monthly.iter().chain(&run.summary).for_each(&mut push);
        }
        for c in &set.comparisons {
            c.difference.iter().for_each(&mut push);
        }
        for c in &set.comparisons {
            out.extend(c.p_worse.iter().map(|p| p.to_bits()));
        }
        out
    }

    /// The cached base and the pairing here must give what a joint run gives, bit
    /// for bit: the page promises the numbers of `phbsim run`.
    #[test]
    fn a_what_if_against_the_kept_base_is_the_joint_run() {
        let (base, what_if) = fixture(300);
        let cached = base.with(&what_if, &AtomicBool::new(false)).unwrap();
        let scenarios = [&base.scenario, &what_if];
        let joint = Run::new(&scenarios, base.settings).all().unwrap();
        assert_eq!(cached.comparisons[0].metrics, joint.comparisons[0].metrics);
        assert!(bits(&cached) == bits(&joint), "the cached run differs");
    }

    #[test]
    fn a_cancelled_what_if_stops() {
        let (base, what_if) = fixture(300);
        assert_eq!(
            base.with(&what_if, &AtomicBool::new(true)).unwrap_err(),
            Cancelled
        );
    }

    #[test]
    fn a_run_too_large_to_keep_every_value_is_run_jointly() {
        let (mut base, what_if) = fixture(300);
        // Streaming summaries: the joint run decides, and pairs, as `phbsim run` does.
        base.settings.exact_value_limit = 1;
        let streamed = base.with(&what_if, &AtomicBool::new(false)).unwrap();
        assert!(!streamed.runs[1].exact_percentiles);
        let scenarios = [&base.scenario, &what_if];
        let joint = Run::new(&scenarios, base.settings).all().unwrap();
        assert!(bits(&streamed) == bits(&joint));
    }
}
