//! One iteration's values of every uncertain parameter (SPEC section 3).
//!
//! Each parameter is drawn from its own stream (seed, iteration, path) by
//! [`Uncertain::draw`], so adding, removing or reordering a parameter changes no other
//! draw (common random numbers). A parameter in a `[[correlations]]` block is instead
//! its own quantile at the block's correlated quantile for this iteration
//! ([`crate::scenario::Correlation::quantiles`], from the members' own streams), so
//! the draws of every parameter outside the blocks are unchanged. The values are kept
//! in plain indexed fields so that a caller (variants, sensitivity sweeps, a `[draws]`
//! file) can replace one before simulating; [`Slot`] names a single value and
//! [`DrawnParameters::slots`] lists them all, with their paths, in one stable order.

use crate::rng::StreamKey;
use crate::scenario::{Form, Payment, Scenario, ServiceIndex, Uncertain, UptakeModel};

/// Drawn yearly rates of `[prices]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PricesDraw {
    pub tariff_uplift: f64,
    pub cost_inflation: f64,
    pub budget_uplift: f64,
}

/// Drawn values of the commissioner's envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeDraw {
    /// £/year in start-year prices.
    pub envelope: f64,
    pub growth: f64,
    pub recover_overspend: f64,
}

/// Drawn values of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderDraw {
    /// £/year.
    pub other_income: f64,
    /// £/year.
    pub other_costs: f64,
}

/// Drawn values of a block contract.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockDraw {
    /// £/year before any review (`contract_value₀`).
    pub contract_value: f64,
    pub pass_through: f64,
}

/// Drawn values of one service, in [`ServiceIndex`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDraw {
    pub unit_price: f64,
    /// `Some` exactly for block services.
    pub block: Option<BlockDraw>,
    /// £/year before any review (`fixed_cost₀`).
    pub fixed_cost: f64,
    pub variable_cost: f64,
    pub other_activity: f64,
    pub cost_flex: f64,
    pub backfill: f64,
    /// £/year; 0 = fixed cost moves smoothly.
    pub cost_step: f64,
    /// One-off cost per £1/year of fixed cost removed.
    pub transition_cost: f64,
}

/// Drawn hazard parameters of a cohort's uptake model.
#[derive(Debug, Clone, PartialEq)]
pub enum UptakeDraw {
    Bass { p: f64, q: f64 },
    Constant { monthly: f64 },
}

/// Drawn values of one cohort, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortDraw {
    pub uptake: UptakeDraw,
    pub ceiling: f64,
    pub return_rate: f64,
    /// Units per traditional patient per month, one per entry of the cohort's `uses`.
    pub per_month: Vec<f64>,
    /// The share of each use a holder gives up, one per entry of `uses`.
    pub substitution: Vec<f64>,
}

/// Drawn shares of one budget form, as drawn (before the cap of [`FormDraw::scale`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FormDraw {
    pub existing: f64,
    /// One per entry of the form's `services`, in file order.
    pub services: Vec<(ServiceIndex, f64)>,
    pub admin_cost: f64,
    /// Share of the budget never spent.
    pub underspend: f64,
}

impl FormDraw {
    /// The factor every spending share (`existing` and each `services` share) is
    /// multiplied by: SPEC section 3 scales them down in proportion when their drawn
    /// sum exceeds 1, and leaves them alone otherwise. Applied where the shares are
    /// used rather than at the draw, so an overridden share is capped the same way.
    pub fn scale(&self) -> f64 {
        let total = self.existing + self.services.iter().map(|(_, v)| v).sum::<f64>();
        if total > 1.0 { 1.0 / total } else { 1.0 }
    }
}

/// Every uncertain parameter's value for one iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnParameters {
    /// By provider, file order.
    pub providers: Vec<ProviderDraw>,
    /// By [`ServiceIndex`].
    pub services: Vec<ServiceDraw>,
    /// By cohort, file order.
    pub cohorts: Vec<CohortDraw>,
    /// By [`Form::index`]; `None` where the scenario has no table for the form.
    pub forms: [Option<FormDraw>; 3],
    pub prices: PricesDraw,
    /// `None` without an envelope.
    pub envelope: Option<EnvelopeDraw>,
}

/// The quantiles of every correlated parameter in one iteration, by stream key.
struct JointQuantiles<'a> {
    /// (key, path, quantile), sorted by key; empty without `[[correlations]]`.
    by_key: Vec<(StreamKey, &'a str, f64)>,
}

impl<'a> JointQuantiles<'a> {
    fn draw(scenario: &'a Scenario, seed: u64, iteration: u64) -> Self {
        let mut by_key: Vec<(StreamKey, &str, f64)> = scenario
            .correlations
            .iter()
            .flat_map(|block| {
                block
                    .quantiles(seed, iteration)
                    .into_iter()
                    .zip(block.paths())
                    .map(|((key, p), path)| (key, path.as_str(), p))
            })
            .collect();
        by_key.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        JointQuantiles { by_key }
    }

    /// The quantile of `u` if it is in a block. Keys are compared first, paths only
    /// where keys agree, so a parameter outside every block costs one search of a
    /// short list.
    fn of(&self, u: &Uncertain) -> Option<f64> {
        if self.by_key.is_empty() {
            return None;
        }
        let start = self.by_key.partition_point(|(key, _, _)| *key < u.key);
        self.by_key[start..]
            .iter()
            .take_while(|(key, _, _)| *key == u.key)
            .find(|(_, path, _)| *path == u.path)
            .map(|(_, _, p)| *p)
    }
}

/// One value inside [`DrawnParameters`]. Indices are those of the scenario the
/// parameters were drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    OtherIncome(usize),
    OtherCosts(usize),
    UnitPrice(ServiceIndex),
    ContractValue(ServiceIndex),
    PassThrough(ServiceIndex),
    FixedCost(ServiceIndex),
    VariableCost(ServiceIndex),
    OtherActivity(ServiceIndex),
    CostFlex(ServiceIndex),
    Backfill(ServiceIndex),
    CostStep(ServiceIndex),
    TransitionCost(ServiceIndex),
    Ceiling(usize),
    BassP(usize),
    BassQ(usize),
    Monthly(usize),
    ReturnRate(usize),
    /// Cohort, then position in its `uses`.
    PerMonth(usize, usize),
    /// Cohort, then position in its `uses`.
    Substitution(usize, usize),
    Existing(Form),
    /// Form, then position in its `services`.
    FormService(Form, usize),
    AdminCost(Form),
    Underspend(Form),
    TariffUplift,
    CostInflation,
    BudgetUplift,
    Envelope,
    EnvelopeGrowth,
    RecoverOverspend,
}

/// The place of a [`Slot`] inside [`DrawnParameters`], borrowed shared or mutably: one
/// mapping for both [`DrawnParameters::get`] and [`DrawnParameters::get_mut`].
macro_rules! slot_place {
    ($params:expr, $slot:expr, $as_opt:ident, $($m:tt)?) => {{
        const FOREIGN: &str = "slot belongs to the scenario these parameters were drawn for";
        let params = $params;
        match $slot {
            Slot::OtherIncome(p) => &$($m)? params.providers[p].other_income,
            Slot::OtherCosts(p) => &$($m)? params.providers[p].other_costs,
            Slot::UnitPrice(s) => &$($m)? params.services[s.0].unit_price,
            Slot::ContractValue(s) => {
                &$($m)? params.services[s.0].block.$as_opt().expect(FOREIGN).contract_value
            }
            Slot::PassThrough(s) => {
                &$($m)? params.services[s.0].block.$as_opt().expect(FOREIGN).pass_through
            }
            Slot::FixedCost(s) => &$($m)? params.services[s.0].fixed_cost,
            Slot::VariableCost(s) => &$($m)? params.services[s.0].variable_cost,
            Slot::OtherActivity(s) => &$($m)? params.services[s.0].other_activity,
            Slot::CostFlex(s) => &$($m)? params.services[s.0].cost_flex,
            Slot::Backfill(s) => &$($m)? params.services[s.0].backfill,
            Slot::CostStep(s) => &$($m)? params.services[s.0].cost_step,
            Slot::TransitionCost(s) => &$($m)? params.services[s.0].transition_cost,
            Slot::Ceiling(c) => &$($m)? params.cohorts[c].ceiling,
            Slot::BassP(c) => match &$($m)? params.cohorts[c].uptake {
                UptakeDraw::Bass { p, .. } => p,
                UptakeDraw::Constant { .. } => panic!("{FOREIGN}"),
            },
            Slot::BassQ(c) => match &$($m)? params.cohorts[c].uptake {
                UptakeDraw::Bass { q, .. } => q,
                UptakeDraw::Constant { .. } => panic!("{FOREIGN}"),
            },
            Slot::Monthly(c) => match &$($m)? params.cohorts[c].uptake {
                UptakeDraw::Constant { monthly } => monthly,
                UptakeDraw::Bass { .. } => panic!("{FOREIGN}"),
            },
            Slot::ReturnRate(c) => &$($m)? params.cohorts[c].return_rate,
            Slot::PerMonth(c, u) => &$($m)? params.cohorts[c].per_month[u],
            Slot::Substitution(c, u) => &$($m)? params.cohorts[c].substitution[u],
            Slot::Existing(f) => &$($m)? params.forms[f.index()].$as_opt().expect(FOREIGN).existing,
            Slot::FormService(f, j) => {
                &$($m)? params.forms[f.index()].$as_opt().expect(FOREIGN).services[j].1
            }
            Slot::AdminCost(f) => {
                &$($m)? params.forms[f.index()].$as_opt().expect(FOREIGN).admin_cost
            }
            Slot::Underspend(f) => {
                &$($m)? params.forms[f.index()].$as_opt().expect(FOREIGN).underspend
            }
            Slot::TariffUplift => &$($m)? params.prices.tariff_uplift,
            Slot::CostInflation => &$($m)? params.prices.cost_inflation,
            Slot::BudgetUplift => &$($m)? params.prices.budget_uplift,
            Slot::Envelope => &$($m)? params.envelope.$as_opt().expect(FOREIGN).envelope,
            Slot::EnvelopeGrowth => &$($m)? params.envelope.$as_opt().expect(FOREIGN).growth,
            Slot::RecoverOverspend => {
                &$($m)? params.envelope.$as_opt().expect(FOREIGN).recover_overspend
            }
        }
    }};
}

impl DrawnParameters {
    /// Draws every uncertain parameter of `scenario` for `iteration`: independently,
    /// except the members of `[[correlations]]` blocks, which take their quantile in
    /// their block's copula draw (the same value as drawing them all independently and
    /// then overwriting each block, without the wasted draws).
    pub fn draw(scenario: &Scenario, seed: u64, iteration: u64) -> Self {
        let joint = JointQuantiles::draw(scenario, seed, iteration);
        let d = |u: &Uncertain| match joint.of(u) {
            Some(p) => u.at_quantile(p),
            None => u.draw(seed, iteration),
        };
        let providers = scenario
            .providers
            .iter()
            .map(|p| ProviderDraw {
                other_income: d(&p.other_income),
                other_costs: d(&p.other_costs),
            })
            .collect();
        let services = scenario
            .services()
            .map(|(_, s)| ServiceDraw {
                unit_price: d(&s.unit_price),
                block: match &s.payment {
                    Payment::Block {
                        contract_value,
                        pass_through,
                    } => Some(BlockDraw {
                        contract_value: d(contract_value),
                        pass_through: d(pass_through),
                    }),
                    Payment::Activity => None,
                },
                fixed_cost: d(&s.fixed_cost),
                variable_cost: d(&s.variable_cost),
                other_activity: d(&s.other_activity),
                cost_flex: d(&s.cost_flex),
                backfill: d(&s.backfill),
                cost_step: d(&s.cost_step),
                transition_cost: d(&s.transition_cost),
            })
            .collect();
        let cohorts = scenario
            .cohorts
            .iter()
            .map(|c| CohortDraw {
                uptake: match &c.uptake.model {
                    UptakeModel::Bass { p, q } => UptakeDraw::Bass { p: d(p), q: d(q) },
                    UptakeModel::Constant { monthly } => UptakeDraw::Constant {
                        monthly: d(monthly),
                    },
                },
                ceiling: d(&c.uptake.ceiling),
                return_rate: d(&c.return_rate),
                per_month: c.uses.iter().map(|u| d(&u.per_month)).collect(),
                substitution: c.uses.iter().map(|u| d(&u.substitution)).collect(),
            })
            .collect();
        let forms = scenario.budget_forms.each_ref().map(|form| {
            form.as_ref().map(|form| FormDraw {
                existing: d(&form.existing),
                services: form.services.iter().map(|(s, u)| (*s, d(u))).collect(),
                admin_cost: d(&form.admin_cost),
                underspend: d(&form.underspend),
            })
        });
        let prices = PricesDraw {
            tariff_uplift: d(&scenario.prices.tariff_uplift),
            cost_inflation: d(&scenario.prices.cost_inflation),
            budget_uplift: d(&scenario.prices.budget_uplift),
        };
        let envelope = scenario.envelope.as_ref().map(|e| EnvelopeDraw {
            envelope: d(&e.envelope),
            growth: d(&e.growth),
            recover_overspend: d(&e.recover_overspend),
        });
        let mut drawn = DrawnParameters {
            providers,
            services,
            cohorts,
            forms,
            prices,
            envelope,
        };
        drawn.take_joint_draw(scenario, iteration);
        drawn
    }

    /// With a `[draws]` file: the values of draw `iteration mod D` in place of their
    /// parameters' own draws, all of one draw together (so jointly fitted parameters
    /// keep their correlation). Each path was mapped to its place in [`Self::slots`]
    /// once, when the file was read. A draw depends only on the iteration, so common
    /// random numbers, shards and `-n` prefixes work as without it.
    fn take_joint_draw(&mut self, scenario: &Scenario, iteration: u64) {
        let Some(table) = scenario.draws.as_ref().and_then(|d| d.table.as_ref()) else {
            return;
        };
        if table.is_empty() {
            return;
        }
        let values = table.draw((iteration % table.len() as u64) as usize);
        let slots = Self::slots(scenario);
        for (&position, &value) in table.positions.iter().zip(values) {
            *self.get_mut(slots[position].0) = value;
        }
    }

    /// Every uncertain parameter of `scenario` with the slot holding its value, in a
    /// stable order: providers in file order (each followed by its services), then
    /// cohorts, then budget forms, then prices, then the envelope.
    pub fn slots(scenario: &Scenario) -> Vec<(Slot, &Uncertain)> {
        let mut out = Vec::new();
        let mut s = 0;
        for (p, provider) in scenario.providers.iter().enumerate() {
            out.push((Slot::OtherIncome(p), &provider.other_income));
            out.push((Slot::OtherCosts(p), &provider.other_costs));
            for service in &provider.services {
                let i = ServiceIndex(s);
                out.push((Slot::UnitPrice(i), &service.unit_price));
                if let Payment::Block {
                    contract_value,
                    pass_through,
                } = &service.payment
                {
                    out.push((Slot::ContractValue(i), contract_value));
                    out.push((Slot::PassThrough(i), pass_through));
                }
                out.push((Slot::FixedCost(i), &service.fixed_cost));
                out.push((Slot::VariableCost(i), &service.variable_cost));
                out.push((Slot::OtherActivity(i), &service.other_activity));
                out.push((Slot::CostFlex(i), &service.cost_flex));
                out.push((Slot::Backfill(i), &service.backfill));
                out.push((Slot::CostStep(i), &service.cost_step));
                out.push((Slot::TransitionCost(i), &service.transition_cost));
                s += 1;
            }
        }
        for (c, cohort) in scenario.cohorts.iter().enumerate() {
            match &cohort.uptake.model {
                UptakeModel::Bass { p, q } => {
                    out.push((Slot::BassP(c), p));
                    out.push((Slot::BassQ(c), q));
                }
                UptakeModel::Constant { monthly } => out.push((Slot::Monthly(c), monthly)),
            }
            out.push((Slot::Ceiling(c), &cohort.uptake.ceiling));
            out.push((Slot::ReturnRate(c), &cohort.return_rate));
            for (u, service_use) in cohort.uses.iter().enumerate() {
                out.push((Slot::PerMonth(c, u), &service_use.per_month));
                out.push((Slot::Substitution(c, u), &service_use.substitution));
            }
        }
        for form in Form::ALL {
            if let Some(table) = &scenario.budget_forms[form.index()] {
                out.push((Slot::Existing(form), &table.existing));
                for (j, (_, share)) in table.services.iter().enumerate() {
                    out.push((Slot::FormService(form, j), share));
                }
                out.push((Slot::AdminCost(form), &table.admin_cost));
                out.push((Slot::Underspend(form), &table.underspend));
            }
        }
        let prices = &scenario.prices;
        out.push((Slot::TariffUplift, &prices.tariff_uplift));
        out.push((Slot::CostInflation, &prices.cost_inflation));
        out.push((Slot::BudgetUplift, &prices.budget_uplift));
        if let Some(envelope) = &scenario.envelope {
            out.push((Slot::Envelope, &envelope.envelope));
            out.push((Slot::EnvelopeGrowth, &envelope.growth));
            out.push((Slot::RecoverOverspend, &envelope.recover_overspend));
        }
        out
    }

    /// The value in `slot`.
    ///
    /// # Panics
    /// If `slot` does not exist in these parameters (it came from another scenario).
    pub fn get(&self, slot: Slot) -> f64 {
        *slot_place!(self, slot, as_ref,)
    }

    /// The value in `slot`, for overriding before a simulation.
    ///
    /// # Panics
    /// If `slot` does not exist in these parameters (it came from another scenario).
    pub fn get_mut(&mut self, slot: Slot) -> &mut f64 {
        slot_place!(self, slot, as_mut, mut)
    }

    /// Every parameter's path and value in [`DrawnParameters::slots`] order, for
    /// rank-correlation sensitivity. Fixed parameters are listed too (with their
    /// constant value), so the list has the same shape in every iteration.
    pub fn values(&self, scenario: &Scenario) -> Vec<(String, f64)> {
        Self::slots(scenario)
            .into_iter()
            .map(|(slot, u)| (u.path.clone(), self.get(slot)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Distribution;
    use crate::engine::test_scenarios::*;

    /// A scenario with every kind of parameter: block and activity services, Bass and
    /// constant cohorts, a form with a named service.
    fn every_kind() -> Scenario {
        let trust = provider(
            "trust",
            vec![
                block_service("trust", "crisis", 300.0, 1e6, 0.8),
                activity_service("trust", "beds", 500.0),
            ],
        );
        let mut s = scenario(
            12,
            vec![
                trust,
                provider("vol", vec![activity_service("vol", "club", 20.0)]),
            ],
            vec![
                cohort("a", 10, bass_uptake("a", 0.01, 0.3), &[(0, 1.0), (2, 2.0)]),
                cohort("b", 10, constant_uptake("b", 0.1), &[(1, 0.5)]),
            ],
        );
        s.budget_forms[Form::ThirdParty.index()] =
            Some(budget_form(Form::ThirdParty, 0.2, &[(2, 0.3)], 0.05));
        s.envelope = Some(envelope(1e6, 0.02, 0.5));
        s
    }

    #[test]
    fn slots_list_every_parameter_once_in_a_stable_order() {
        let mut s = every_kind();
        // Give every parameter its own value, through the slots' paths.
        let paths: Vec<String> = DrawnParameters::slots(&s)
            .iter()
            .map(|(_, u)| u.path.clone())
            .collect();
        let mut unique = paths.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "each path once");
        // 2 providers × 2; services 10 + 8 + 8; cohort a: p, q, ceiling, return_rate
        // and 2 uses (per_month and substitution each); b: monthly, ceiling,
        // return_rate and 1 use; one form: existing, one service, admin_cost,
        // underspend; 3 prices; 3 of the envelope.
        assert_eq!(paths.len(), 4 + 26 + 8 + 5 + 4 + 3 + 3);

        let slots: Vec<Slot> = DrawnParameters::slots(&s).iter().map(|(k, _)| *k).collect();
        let mut params = DrawnParameters::draw(&s, 1, 0);
        for (k, slot) in slots.iter().enumerate() {
            *params.get_mut(*slot) = k as f64;
        }
        let values = params.values(&s);
        for (k, (path, value)) in values.iter().enumerate() {
            assert_eq!(path, &paths[k]);
            assert_eq!(value.to_bits(), (k as f64).to_bits());
        }

        // Drawing reads each parameter from its own Uncertain: set every one to a
        // distinct fixed value and the draw returns it in its slot.
        let mut k = 0.0;
        let mut assign = |u: &mut Uncertain| {
            u.dist = Distribution::Fixed(k);
            k += 1.0;
        };
        for p in &mut s.providers {
            assign(&mut p.other_income);
            assign(&mut p.other_costs);
            for svc in &mut p.services {
                assign(&mut svc.unit_price);
                if let Payment::Block {
                    contract_value,
                    pass_through,
                } = &mut svc.payment
                {
                    assign(contract_value);
                    assign(pass_through);
                }
                assign(&mut svc.fixed_cost);
                assign(&mut svc.variable_cost);
                assign(&mut svc.other_activity);
                assign(&mut svc.cost_flex);
                assign(&mut svc.backfill);
                assign(&mut svc.cost_step);
                assign(&mut svc.transition_cost);
            }
        }
        for c in &mut s.cohorts {
            match &mut c.uptake.model {
                UptakeModel::Bass { p, q } => {
                    assign(p);
                    assign(q);
                }
                UptakeModel::Constant { monthly } => assign(monthly),
            }
            assign(&mut c.uptake.ceiling);
            assign(&mut c.return_rate);
            for u in &mut c.uses {
                assign(&mut u.per_month);
                assign(&mut u.substitution);
            }
        }
        for form in s.budget_forms.iter_mut().flatten() {
            assign(&mut form.existing);
            for (_, share) in &mut form.services {
                assign(share);
            }
            assign(&mut form.admin_cost);
            assign(&mut form.underspend);
        }
        assign(&mut s.prices.tariff_uplift);
        assign(&mut s.prices.cost_inflation);
        assign(&mut s.prices.budget_uplift);
        let envelope = s.envelope.as_mut().expect("every_kind has an envelope");
        assign(&mut envelope.envelope);
        assign(&mut envelope.growth);
        assign(&mut envelope.recover_overspend);
        let drawn = DrawnParameters::draw(&s, 1, 0);
        for (k, (_, value)) in drawn.values(&s).iter().enumerate() {
            assert_eq!(value.to_bits(), (k as f64).to_bits());
        }
    }

    /// SPEC section 7: a parameter's draw depends only on (seed, iteration, its path).
    /// Changing another parameter's distribution, or removing a cohort, leaves it as
    /// it was; another iteration draws it again.
    #[test]
    fn each_parameter_draws_from_its_own_stream() {
        let mut s = every_kind();
        s.cohorts[1].uptake.ceiling.dist = Distribution::Uniform { min: 0.2, max: 0.6 };
        s.providers[0].services[1].unit_price.dist = Distribution::Pert {
            min: 400.0,
            mode: 500.0,
            max: 700.0,
        };
        let ceiling = |s: &Scenario, i| DrawnParameters::draw(s, 9, i).cohorts[1].ceiling;
        let before = ceiling(&s, 0);
        assert!((0.2..0.6).contains(&before));
        assert_eq!(
            before.to_bits(),
            s.cohorts[1].uptake.ceiling.draw(9, 0).to_bits()
        );

        let mut edited = s.clone();
        edited.providers[0].services[1].unit_price.dist =
            Distribution::Uniform { min: 1.0, max: 2.0 };
        edited.cohorts.remove(0);
        let after = DrawnParameters::draw(&edited, 9, 0).cohorts[0].ceiling;
        assert_eq!(before.to_bits(), after.to_bits());
        assert_ne!(before.to_bits(), ceiling(&s, 1).to_bits());
    }

    /// The scenario's list of the parameters `[[correlations]]` may name is this
    /// module's list of slots: a (U) key added to one and not the other fails here.
    #[test]
    fn the_scenario_lists_the_parameters_the_slots_hold() {
        let s = every_kind();
        let slots: Vec<&str> = DrawnParameters::slots(&s)
            .iter()
            .map(|(_, u)| u.path.as_str())
            .collect();
        let listed: Vec<&str> = s
            .uncertain_parameters()
            .iter()
            .map(|u| u.path.as_str())
            .collect();
        assert_eq!(slots, listed);
    }

    /// With a draws table, iteration i takes draw i mod D of its parameters, all of one
    /// draw together, and draws the others as usual.
    #[test]
    fn a_draws_table_replaces_its_parameters_by_draw_i_mod_d() {
        let mut s = every_kind();
        s.cohorts[1].uptake.ceiling.dist = Distribution::Uniform { min: 0.2, max: 0.6 };
        let plain: Vec<_> = (0..4).map(|i| DrawnParameters::draw(&s, 3, i)).collect();
        let paths = ["cohorts.a.uptake.q", "cohorts.a.uptake.ceiling"];
        let positions = paths
            .iter()
            .map(|p| {
                s.uncertain_parameters()
                    .iter()
                    .position(|u| u.path == *p)
                    .expect("a parameter of every_kind")
            })
            .collect();
        s.draws = Some(crate::scenario::Draws {
            file: "posterior.csv".into(),
            span: 0..0,
            table: Some(crate::scenario::DrawTable {
                paths: paths.map(String::from).to_vec(),
                positions,
                values: vec![0.1, 0.5, 0.2, 0.6, 0.3, 0.7],
            }),
        });
        for i in 0..4u64 {
            let drawn = DrawnParameters::draw(&s, 3, i);
            let d = (i % 3) as f64;
            let UptakeDraw::Bass { q, .. } = drawn.cohorts[0].uptake else {
                panic!("cohort a is Bass")
            };
            assert!((q - (0.1 + 0.1 * d)).abs() < 1e-12);
            assert!((drawn.cohorts[0].ceiling - (0.5 + 0.1 * d)).abs() < 1e-12);
            // Everything else as drawn without the table.
            let mut expected = plain[i as usize].clone();
            expected.cohorts[0] = drawn.cohorts[0].clone();
            assert_eq!(drawn, expected);
        }
    }

    #[test]
    fn form_scale_caps_the_spending_shares_at_one() {
        let form = |existing, named: f64| FormDraw {
            existing,
            services: vec![(ServiceIndex(0), named)],
            admin_cost: 0.5,
            underspend: 0.0,
        };
        assert_eq!(form(0.3, 0.7).scale().to_bits(), 1f64.to_bits());
        assert_eq!(form(0.2, 0.1).scale().to_bits(), 1f64.to_bits());
        assert!((form(1.0, 1.0).scale() - 0.5).abs() < 1e-15);
    }

    #[test]
    #[should_panic(expected = "slot belongs to the scenario")]
    fn a_foreign_slot_is_a_bug() {
        let s = every_kind();
        let mut params = DrawnParameters::draw(&s, 1, 0);
        // Service 1 is paid by activity: it has no contract.
        *params.get_mut(Slot::ContractValue(ServiceIndex(1))) = 0.0;
    }
}
