//! One scenario's iterations one at a time on the calling thread, with the engine's
//! workspace and output buffers kept between them: what benches, examples and tests
//! call. `crate::run` makes the same two calls (draw the parameters, simulate) for many
//! iterations in parallel.

use super::layout::OutputLayout;
use super::params::DrawnParameters;
use super::simulate::{Workspace, simulate_iteration};
use crate::scenario::Scenario;

/// See the module header.
pub struct Simulator<'a> {
    scenario: &'a Scenario,
    layout: OutputLayout,
    workspace: Workspace,
    monthly: Vec<f64>,
    summary: Vec<f64>,
}

impl<'a> Simulator<'a> {
    pub fn new(scenario: &'a Scenario) -> Self {
        let layout = OutputLayout::new(scenario);
        Simulator {
            scenario,
            monthly: vec![0.0; layout.monthly_len()],
            summary: vec![0.0; layout.summary_len()],
            layout,
            workspace: Workspace::default(),
        }
    }

    pub fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    /// Iteration `iteration` under `seed`, with its parameters drawn as a run draws
    /// them: the monthly and the summary outputs (see [`simulate_iteration`]).
    pub fn iterate(&mut self, seed: u64, iteration: u64) -> (&[f64], &[f64]) {
        let params = DrawnParameters::draw(self.scenario, seed, iteration);
        self.iterate_with(&params, seed, iteration)
    }

    /// [`Self::iterate`] with the parameters given.
    pub fn iterate_with(
        &mut self,
        params: &DrawnParameters,
        seed: u64,
        iteration: u64,
    ) -> (&[f64], &[f64]) {
        simulate_iteration(
            self.scenario,
            &self.layout,
            params,
            seed,
            iteration,
            &mut self.workspace,
            &mut self.monthly,
            &mut self.summary,
        );
        (&self.monthly, &self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    /// `simulate_iteration` writes every output cell, whatever the buffers held: so
    /// neither the runner nor this type clears them between iterations.
    #[test]
    fn every_output_cell_is_written() {
        let texts = [
            crate::scenario::load::EXAMPLE,
            include_str!("../../scenarios/fast-rollout.toml"),
            include_str!("../../tests/snapshots/tiny.toml"),
        ];
        // A value no model output takes.
        let sentinel = -1.234_567_891_234_5e300;
        for text in texts {
            let scenario = parse_scenario(text).expect("valid").scenario;
            let mut sim = Simulator::new(&scenario);
            for iteration in 0..3 {
                sim.monthly.fill(sentinel);
                sim.summary.fill(sentinel);
                let (monthly, summary) = sim.iterate(scenario.seed, iteration);
                let unwritten = monthly
                    .iter()
                    .chain(summary)
                    .filter(|v| v.to_bits() == sentinel.to_bits())
                    .count();
                assert_eq!(unwritten, 0, "{}: iteration {iteration}", scenario.name);
            }
        }
    }
}
