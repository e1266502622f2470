//! Independent parts of a scenario, and the schedule of one-way runs they allow.
//!
//! Two providers are in the same part when money or patients can pass between them
//! in the model: a service belongs to its provider, a cohort uses its services, a
//! `[budget_forms]` table's named services take money from every cohort, and a
//! `[[correlations]]` block ties its members together. A provider's outcomes depend
//! only on the parameters of its own part and on the *global* ones (the budget forms'
//! shares, prices, the commissioner's envelope), each parameter drawn from its own
//! stream and each cohort's choices from its own stream (SPEC section 7). With an
//! envelope every block contract depends on the whole commissioner's spend, so the
//! whole scenario is one part.
//!
//! So one run can pin one parameter of every part at once: what a provider of part
//! `k` shows is, bit for bit, what it would show with only part `k`'s parameter
//! pinned, and every other provider shows its plain draws. [`schedule`] packs the
//! parameters into such rounds; the national scenario's 42 ICBs need about 42 times
//! fewer runs.

use crate::engine::Slot;
use crate::scenario::{Scenario, Uncertain};

/// Which part each parameter and each provider is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// By parameter, in the order given: its part, or `None` for a global parameter,
    /// which can move every provider.
    pub of_parameter: Vec<Option<usize>>,
    /// By provider, file order: its part.
    pub of_provider: Vec<usize>,
}

impl Parts {
    /// Whether pinning parameter `j` can move provider `p`.
    pub fn moves(&self, j: usize, p: usize) -> bool {
        self.of_parameter[j].is_none_or(|part| part == self.of_provider[p])
    }
}

/// Union-find over the scenario's entities: providers, then services, then cohorts.
struct Entities {
    parent: Vec<usize>,
    services_from: usize,
    cohorts_from: usize,
}

impl Entities {
    fn new(scenario: &Scenario) -> Self {
        let services_from = scenario.providers.len();
        let cohorts_from = services_from + scenario.service_count();
        Entities {
            parent: (0..cohorts_from + scenario.cohorts.len()).collect(),
            services_from,
            cohorts_from,
        }
    }

    fn root(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        // The smaller root wins, so parts come out the same however edges arrive.
        let (low, high) = (a.min(b), a.max(b));
        self.parent[high] = low;
    }

    /// The entity a parameter belongs to; `None` for a global one.
    fn of_slot(&self, slot: Slot) -> Option<usize> {
        match slot {
            Slot::OtherIncome(p) | Slot::OtherCosts(p) => Some(p),
            Slot::UnitPrice(s)
            | Slot::ContractValue(s)
            | Slot::PassThrough(s)
            | Slot::FixedCost(s)
            | Slot::VariableCost(s)
            | Slot::OtherActivity(s)
            | Slot::CostFlex(s)
            | Slot::Backfill(s)
            | Slot::CostStep(s)
            | Slot::TransitionCost(s) => Some(self.services_from + s.0),
            Slot::Ceiling(c)
            | Slot::BassP(c)
            | Slot::BassQ(c)
            | Slot::Monthly(c)
            | Slot::ReturnRate(c)
            | Slot::PerMonth(c, _)
            | Slot::Substitution(c, _) => Some(self.cohorts_from + c),
            Slot::Existing(_)
            | Slot::FormService(..)
            | Slot::AdminCost(_)
            | Slot::Underspend(_)
            | Slot::TariffUplift
            | Slot::CostInflation
            | Slot::BudgetUplift
            | Slot::Envelope
            | Slot::EnvelopeGrowth
            | Slot::RecoverOverspend => None,
        }
    }
}

/// The parts of `scenario` for `parameters` (normally
/// [`super::uncertain_parameters`]).
pub fn independent_parts(scenario: &Scenario, parameters: &[(Slot, &Uncertain)]) -> Parts {
    let mut entities = Entities::new(scenario);
    for (s, (p, _)) in scenario.services().enumerate() {
        entities.join(p, entities.services_from + s);
    }
    for (c, cohort) in scenario.cohorts.iter().enumerate() {
        for service_use in &cohort.uses {
            entities.join(
                entities.cohorts_from + c,
                entities.services_from + service_use.service.0,
            );
        }
    }
    // A form's named services are paid from every cohort's budgets.
    for table in scenario.budget_forms.iter().flatten() {
        for (service, _) in &table.services {
            for c in 0..scenario.cohorts.len() {
                entities.join(
                    entities.cohorts_from + c,
                    entities.services_from + service.0,
                );
            }
        }
    }
    let everything_global = scenario.envelope.is_some();
    let mut of_entity: Vec<Option<usize>> = parameters
        .iter()
        .map(|&(slot, _)| entities.of_slot(slot).filter(|_| !everything_global))
        .collect();
    // A block's members move together: one part, or global if any member is.
    for block in &scenario.correlations {
        let members: Vec<usize> = (0..parameters.len())
            .filter(|&j| block.member(&parameters[j].1.path).is_some())
            .collect();
        if members.iter().any(|&j| of_entity[j].is_none()) {
            members.iter().for_each(|&j| of_entity[j] = None);
        } else if let Some((&first, rest)) = members.split_first() {
            for &j in rest {
                entities.join(of_entity[first].unwrap(), of_entity[j].unwrap());
            }
        }
    }
    // Parts numbered densely in the order their first entity appears.
    let mut number: Vec<Option<usize>> = vec![None; entities.parent.len()];
    let mut count = 0;
    let mut part_of = |entities: &mut Entities, node: usize| {
        let root = entities.root(node);
        *number[root].get_or_insert_with(|| {
            count += 1;
            count - 1
        })
    };
    let of_provider = (0..scenario.providers.len())
        .map(|p| part_of(&mut entities, p))
        .collect();
    let of_parameter = of_entity
        .iter()
        .map(|node| node.map(|n| part_of(&mut entities, n)))
        .collect();
    Parts {
        of_parameter,
        of_provider,
    }
}

/// Rounds of parameters (indices into the parameters) to pin in one run each: a global
/// parameter alone, the others one per part, in the order given. Every parameter is
/// in exactly one round.
pub fn schedule(parts: &Parts) -> Vec<Vec<usize>> {
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    let mut next_round_of_part: Vec<usize> = Vec::new();
    let mut globals = Vec::new();
    for (j, part) in parts.of_parameter.iter().enumerate() {
        match *part {
            None => globals.push(vec![j]),
            Some(part) => {
                if next_round_of_part.len() <= part {
                    next_round_of_part.resize(part + 1, 0);
                }
                let round = next_round_of_part[part];
                next_round_of_part[part] += 1;
                if rounds.len() <= round {
                    rounds.push(Vec::new());
                }
                rounds[round].push(j);
            }
        }
    }
    rounds.extend(globals);
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;
    use crate::sensitivity::uncertain_parameters;

    /// Two ICBs side by side, each a trust with one service and one cohort, and a
    /// budget form with no named services.
    pub(crate) const TWO_ICBS: &str = include_str!("two_icbs.toml");

    /// One parameter per round: the plain one-way analysis, which [`schedule`] must
    /// agree with.
    fn one_at_a_time(parameters: usize) -> Vec<Vec<usize>> {
        (0..parameters).map(|j| vec![j]).collect()
    }

    fn parts_of(text: &str) -> (Parts, Vec<String>) {
        let scenario = parse_scenario(text).unwrap().scenario;
        let parameters = uncertain_parameters(&scenario);
        let paths = parameters.iter().map(|(_, u)| u.path.clone()).collect();
        (independent_parts(&scenario, &parameters), paths)
    }

    #[test]
    fn two_icbs_are_two_parts_and_forms_are_global() {
        let (parts, paths) = parts_of(TWO_ICBS);
        assert_eq!(parts.of_provider, vec![0, 1]);
        for (j, path) in paths.iter().enumerate() {
            let want = if path.starts_with("budget_forms") {
                None
            } else if path.contains("north") {
                Some(0)
            } else {
                Some(1)
            };
            assert_eq!(parts.of_parameter[j], want, "{path}");
        }
        let rounds = schedule(&parts);
        let mut all: Vec<usize> = rounds.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..paths.len()).collect::<Vec<_>>(), "each once");
        for round in &rounds {
            let mut seen: Vec<Option<usize>> =
                round.iter().map(|&j| parts.of_parameter[j]).collect();
            assert!(
                round.len() == 1 || seen.iter().all(Option::is_some),
                "a global alone"
            );
            seen.dedup();
            assert_eq!(seen.len(), round.len(), "one per part");
        }
        let per_part = |k| parts.of_parameter.iter().filter(|p| **p == Some(k)).count();
        let globals = parts.of_parameter.iter().filter(|p| p.is_none()).count();
        assert_eq!(rounds.len(), per_part(0).max(per_part(1)) + globals);
    }

    #[test]
    fn an_envelope_a_named_service_or_a_correlation_joins_the_parts() {
        let with_envelope = format!("{TWO_ICBS}\n[commissioner]\nenvelope = 1e9\n");
        let (parts, _) = parts_of(&with_envelope);
        assert!(parts.of_parameter.iter().all(Option::is_none));

        let named = TWO_ICBS.replace(
            "[budget_forms.notional]",
            "[budget_forms.notional]\nservices = { \"south-trust/talking\" = 0.1 }",
        );
        let (parts, _) = parts_of(&named);
        assert_eq!(parts.of_provider, vec![0, 0]);

        let correlated = format!(
            "{TWO_ICBS}\n[[correlations]]\npaths = [\"providers.north-trust.other_costs\", \
             \"providers.south-trust.other_costs\"]\nrank = [[1, 0.5], [0.5, 1]]\n"
        );
        let (parts, _) = parts_of(&correlated);
        assert_eq!(parts.of_provider, vec![0, 0]);
    }

    /// The point of the parts: pinning one parameter of each ICB in the same run gives
    /// every row of pinning them one at a time, bit for bit, with values kept or
    /// streamed, and with a correlated pair inside one ICB.
    #[test]
    fn rounds_give_the_bits_of_one_parameter_at_a_time() {
        use crate::run::RunSettings;
        use crate::sensitivity::one_way::{Sensitivity, analyse_in_rounds};
        use std::sync::atomic::AtomicBool;

        let correlated = format!(
            "{TWO_ICBS}\n[[correlations]]\npaths = [\"providers.north-trust.other_costs\", \
             \"providers.north-trust.services.community.fixed_cost\"]\nrank = [[1, 0.7], [0.7, 1]]\n"
        );
        let rows = |s: &Sensitivity| format!("{:?}", s.rows);
        for (text, limit) in [
            (TWO_ICBS, u64::MAX),
            (TWO_ICBS, 1_000),
            (correlated.as_str(), u64::MAX),
        ] {
            let scenario = parse_scenario(text).unwrap().scenario;
            let parameters = uncertain_parameters(&scenario);
            let parts = independent_parts(&scenario, &parameters);
            let settings = RunSettings {
                exact_value_limit: limit,
                ..RunSettings::new(300, 5)
            };
            let never = AtomicBool::new(false);
            let run = |parts: &Parts, rounds: &[Vec<usize>]| {
                analyse_in_rounds(&scenario, settings, parts, rounds, &|_| {}, &never).unwrap()
            };
            let rounds = schedule(&parts);
            assert!(rounds.len() < parameters.len(), "some rounds pin two");
            let together = run(&parts, &rounds);
            // The reference reads every provider from a run of its own parameter.
            let one_part = Parts {
                of_parameter: vec![None; parameters.len()],
                of_provider: parts.of_provider.clone(),
            };
            let alone = run(&one_part, &one_at_a_time(parameters.len()));
            assert_eq!(rows(&together), rows(&alone));
            // And the parameters do move their own ICB's outcomes.
            assert!(
                together
                    .rows
                    .iter()
                    .any(|r| r.low_value.is_some() && r.swing > Some(0.0))
            );
        }
    }
}
