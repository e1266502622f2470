//! The panel of controls: which assumptions the page offers, each by the parameter
//! path a `[[variants]]` entry would set, with the scenario's current value or
//! distribution and a sensible range for its slider.
//!
//! Per cohort: offer month, uptake speed (Bass p and q, or the constant monthly
//! rate) and ceiling, and the substitution of each service it uses. Per service:
//! pass-through (block contracts), backfill, cost flex and notice. The
//! commissioner's envelope and recovery, and review timing. Ranges and meanings come
//! from the declarations every key has (`crate::scenario::params`), so a slider
//! never offers a value the scenario language refuses.

use serde::Serialize;

use crate::engine::Level;
use crate::format::short;
use crate::scenario::params;
use crate::scenario::{Payment, Scenario, Uncertain, UptakeModel, ValueRange, YearMonth};

/// A titled group of controls (a cohort, a service, the commissioner).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub title: String,
    pub controls: Vec<Control>,
}

/// How a control's value is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// Any number in its range (a slider and a box).
    Number,
    /// A whole number.
    Integer,
    /// A `YYYY-MM` month.
    Month,
}

/// One assumption the page can change.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// The parameter path, as a variant's `set` names it.
    pub path: String,
    pub label: String,
    pub input: Input,
    /// The scenario's value or distribution, in words: `0.8`, `pert(min 0.1, mode
    /// 0.3, max 0.6), mean 0.333`, `default 1`.
    pub current: String,
    /// Where the control starts: the value, or the distribution's mean (a number),
    /// or the month.
    pub start: serde_json::Value,
    /// Slider bounds and step (months: the first and last month of the horizon).
    pub min: serde_json::Value,
    pub max: serde_json::Value,
    pub step: f64,
    pub unit: &'static str,
    pub meaning: &'static str,
}

/// The declared unit and meaning of a path's key.
fn declared(path: &str) -> (&'static str, &'static str) {
    params::lookup(path).map_or(("", ""), |p| (p.unit, p.meaning))
}

/// A control of an uncertain number, starting at its mean, over `[min, max]`.
fn uncertain(
    path: String,
    label: &str,
    value: &Uncertain,
    min: f64,
    max: f64,
    step: f64,
) -> Control {
    let (unit, meaning) = declared(&path);
    let current = match value.fixed_value() {
        Some(v) => short(v),
        None => format!("{}, mean {}", value.dist.describe(), short(value.mean())),
    };
    Control {
        path,
        label: label.to_string(),
        input: Input::Number,
        current,
        start: readable(value.mean()).clamp(min, max).into(),
        min: min.into(),
        max: max.into(),
        step,
        unit,
        meaning,
    }
}

/// A share in [0, 1], by hundredths.
fn share(path: String, label: &str, value: &Uncertain) -> Control {
    uncertain(path, label, value, 0.0, 1.0, 0.01)
}

/// A small rate (Bass p or q, a monthly uptake): from 0 to well beyond its mean.
fn rate(path: String, label: &str, value: &Uncertain, floor: f64) -> Control {
    let max = (4.0 * value.mean()).max(floor);
    let max = if value.range == ValueRange::Probability {
        max.min(1.0)
    } else {
        max
    };
    uncertain(path, label, value, 0.0, max, max / 200.0)
}

/// A month control over the horizon.
fn month(
    scenario: &Scenario,
    path: String,
    label: &str,
    current: Option<YearMonth>,
    default: &str,
) -> Control {
    let (unit, meaning) = declared(&path);
    let last = scenario.start.plus(i64::from(scenario.months) - 1);
    let start = current.unwrap_or(scenario.start);
    Control {
        path,
        label: label.to_string(),
        input: Input::Month,
        current: current.map_or_else(|| format!("default: {default}"), |m| m.to_string()),
        start: start.to_string().into(),
        min: scenario.start.to_string().into(),
        max: last.to_string().into(),
        step: 1.0,
        unit,
        meaning,
    }
}

/// A whole-number control.
fn integer(path: String, label: &str, current: i64, min: i64, max: i64) -> Control {
    let (unit, meaning) = declared(&path);
    Control {
        path,
        label: label.to_string(),
        input: Input::Integer,
        current: current.to_string(),
        start: current.into(),
        min: min.into(),
        max: max.into(),
        step: 1.0,
        unit,
        meaning,
    }
}

/// Every control of `scenario` (the base). `yearly_spend` is the commissioner's mean
/// spend a year in the base run, the centre of the envelope's slider when the
/// scenario has no envelope.
pub fn controls(scenario: &Scenario, yearly_spend: f64) -> Vec<Group> {
    let mut groups = Vec::new();
    for cohort in &scenario.cohorts {
        let at = |key: &str| format!("cohorts.{}.{key}", cohort.id);
        let mut controls = vec![month(
            scenario,
            at("offer_from"),
            "Offer from",
            Some(cohort.offer_from),
            "start",
        )];
        match &cohort.uptake.model {
            UptakeModel::Bass { p, q } => {
                controls.push(rate(
                    at("uptake.p"),
                    "Uptake: Bass p (innovation), a month",
                    p,
                    0.02,
                ));
                controls.push(rate(
                    at("uptake.q"),
                    "Uptake: Bass q (imitation), a month",
                    q,
                    0.2,
                ));
            }
            UptakeModel::Constant { monthly } => {
                controls.push(rate(
                    at("uptake.monthly"),
                    "Uptake: share of the willing a month",
                    monthly,
                    0.05,
                ));
            }
        }
        controls.push(share(
            at("uptake.ceiling"),
            "Uptake ceiling: share ever willing",
            &cohort.uptake.ceiling,
        ));
        for service_use in &cohort.uses {
            let id = scenario.service_name(service_use.service);
            let service = service_title(scenario, service_use.service.0);
            let label = format!("Substitution of {service}");
            controls.push(share(
                at(&format!("uses.{id}.substitution")),
                &label,
                &service_use.substitution,
            ));
        }
        groups.push(Group {
            title: format!("Cohort: {}", cohort.name),
            controls,
        });
    }
    for provider in &scenario.providers {
        for service in &provider.services {
            let at = |key: &str| format!("providers.{}.services.{}.{key}", provider.id, service.id);
            let mut controls = Vec::new();
            if let Payment::Block { pass_through, .. } = &service.payment {
                controls.push(share(
                    at("pass_through"),
                    "Pass-through of lost activity at review",
                    pass_through,
                ));
            }
            controls.push(share(
                at("backfill"),
                "Backfill of freed activity",
                &service.backfill,
            ));
            controls.push(share(
                at("cost_flex"),
                "Cost flex: fixed cost shed with lost activity",
                &service.cost_flex,
            ));
            let (_, most) =
                params::lookup(&at("notice_months")).map_or((0, 120), |p| p.integer_bounds());
            controls.push(integer(
                at("notice_months"),
                "Notice before a cost change, months",
                i64::from(service.notice_months),
                0,
                most.min(36) as i64,
            ));
            groups.push(Group {
                title: format!("Service: {} ({})", service.name, provider.name),
                controls,
            });
        }
    }
    groups.push(commissioner(scenario, yearly_spend));
    groups
}

/// The name of the service at `index` as its file gives it.
fn service_title(scenario: &Scenario, index: usize) -> String {
    scenario
        .services()
        .nth(index)
        .map(|(_, s)| s.name.clone())
        .unwrap_or_default()
}

/// `value` to four significant figures: where a control starts (a mean such as
/// 0.31666… reads as 0.3167 in its box).
fn readable(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(3 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

/// The commissioner's envelope and recovery, and when contracts are reviewed.
fn commissioner(scenario: &Scenario, yearly_spend: f64) -> Group {
    let mut controls = Vec::new();
    let (centre, envelope_now) = match &scenario.envelope {
        Some(e) => (e.envelope.mean(), Some(&e.envelope)),
        None => (yearly_spend, None),
    };
    // A hundredth of the centre, rounded to a round £: steps a meeting can read.
    let step = 10f64.powf((centre / 100.0).max(1.0).log10().floor());
    let (lo, hi) = (
        (0.8 * centre / step).floor() * step,
        (1.2 * centre / step).ceil() * step,
    );
    match envelope_now {
        Some(envelope) => controls.push(uncertain(
            "commissioner.envelope".into(),
            "Envelope, £ a year",
            envelope,
            lo,
            hi,
            step,
        )),
        None => {
            let (unit, meaning) = declared("commissioner.envelope");
            controls.push(Control {
                path: "commissioner.envelope".into(),
                label: "Envelope, £ a year".into(),
                input: Input::Number,
                current: format!(
                    "none (no limit); the base spends {} a year on average",
                    short(yearly_spend)
                ),
                start: ((centre / step).round() * step).into(),
                min: lo.into(),
                max: hi.into(),
                step,
                unit,
                meaning,
            });
        }
    }
    let recover = scenario.envelope.as_ref().map(|e| &e.recover_overspend);
    let zero = Uncertain::new(
        crate::distribution::Distribution::Fixed(0.0),
        ValueRange::Probability,
        "commissioner.recover_overspend".into(),
    );
    let mut recovery = share(
        "commissioner.recover_overspend".into(),
        "Recovery: share of overspend taken back at review (needs an envelope)",
        recover.unwrap_or(&zero),
    );
    if recover.is_none() {
        recovery.current = "default 0 (no envelope)".into();
    }
    controls.push(recovery);
    controls.push(month(
        scenario,
        "contracts.first_review".into(),
        "First contract review",
        scenario.contracts.first_review,
        "the first review month after start",
    ));
    controls.push(integer(
        "contracts.review_month".into(),
        "Review month of the year (1 = January)",
        i64::from(scenario.contracts.review_month),
        1,
        12,
    ));
    Group {
        title: "Commissioner and contract reviews".into(),
        controls,
    }
}

/// The commissioner's mean spend a year in a run's summary (`spend` over the
/// horizon, scaled to twelve months); 0 when the run lacks it.
pub fn yearly_spend(result: &crate::run::RunResult, months: u32) -> f64 {
    result
        .layout
        .summary_names()
        .iter()
        .position(|n| n.level == Level::Commissioner && n.metric == "spend")
        .and_then(|i| result.summary[i])
        .map_or(0.0, |s| s.mean * 12.0 / f64::from(months.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a declared key at `path` is a month.
    fn is_month(path: &str) -> bool {
        params::lookup(path).is_some_and(|p| matches!(p.kind, crate::scenario::params::Kind::Month))
    }
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;
    use crate::scenario::paths::set_path;

    fn example() -> Scenario {
        parse_scenario(EXAMPLE).unwrap().scenario
    }

    #[test]
    fn every_control_is_a_path_the_scenario_accepts_at_its_start() {
        let scenario = example();
        let groups = controls(&scenario, 180e6);
        let mut base: toml::Table = toml::from_str(EXAMPLE).unwrap();
        base.remove("variants");
        let mut count = 0;
        for control in groups.iter().flat_map(|g| &g.controls) {
            count += 1;
            assert!(
                params::lookup(&control.path).is_some(),
                "{} is not declared",
                control.path
            );
            assert_eq!(control.input == Input::Month, is_month(&control.path));
            if control.path == "commissioner.recover_overspend" {
                continue; // needs an envelope, which the example's base has not
            }
            let mut doc = base.clone();
            let value = match &control.start {
                serde_json::Value::String(s) => toml::Value::String(s.clone()),
                serde_json::Value::Number(n) if n.is_i64() => {
                    toml::Value::Integer(n.as_i64().unwrap())
                }
                serde_json::Value::Number(n) => toml::Value::Float(n.as_f64().unwrap()),
                other => panic!("{other}"),
            };
            set_path(&mut doc, &control.path, value).unwrap();
            let text = toml::to_string(&doc).unwrap();
            assert!(
                parse_scenario(&text).is_ok(),
                "{} at its start is refused",
                control.path
            );
        }
        // 5 cohorts, 11 services and the commissioner's four.
        assert!(count > 60, "{count} controls");
    }

    #[test]
    fn a_control_says_the_current_distribution() {
        let scenario = example();
        let groups = controls(&scenario, 180e6);
        let crisis = groups
            .iter()
            .flat_map(|g| &g.controls)
            .find(|c| c.path == "providers.trust.services.crisis.pass_through")
            .unwrap();
        assert!(crisis.current.starts_with("pert("), "{}", crisis.current);
        assert!(crisis.current.contains("mean 0.3167"), "{}", crisis.current);
        assert_eq!(crisis.unit, "share");
    }
}
