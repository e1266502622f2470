//! Plausibility warnings: values inside their valid ranges but far outside what the
//! domain makes plausible, most often a unit mistaken (a cohort's whole pot written as
//! one holder's `budget`, a yearly rate written as a monthly one).
//!
//! Each warning says why the value is doubtful and how to fix it, at the key's line.
//! Uncertain values are judged by their mean. The same warning for many entities is
//! given once, at the first place, with the count and the first few places
//! (SPEC section 2). These checks run only on a file without errors: they read the
//! validated scenario and look up the places of its keys in the TOML document.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::format::{money, pounds, short, thousands};
use crate::scenario::problem::{Problem, line_column};
use crate::scenario::reader::Problems;
use crate::scenario::types::*;

/// £/year of one holder's budget above which it is more likely a whole cohort's pot.
/// A full year in a private mental-health bed costs ≈£226k (≈£620 a day, NHS trust FOI
/// 2021/22, docs/sources.md); s117 aftercare ≈£37k per person per year (Lincolnshire CC
/// 2024/25) and early intervention in psychosis ≈£10,900 per patient-year (JCPMH).
pub const MAX_PLAUSIBLE_BUDGET: f64 = 250_000.0;

/// Units per patient per month above which everyone in the cohort would have more than
/// one unit a day (a bed day, a contact) for the whole month.
pub const MAX_PLAUSIBLE_PER_MONTH: f64 = 31.0;

/// Share by which a provider's costs may exceed its income before any PHB. The trust
/// sector's deficit was £1.2bn, 0.9% of income, in 2023/24 (Nuffield Trust, docs/sources.md):
/// a baseline gap above 20% is far more likely a missing `other_income` or a cost
/// written in the wrong unit than a real provider.
pub const MAX_PLAUSIBLE_BASELINE_DEFICIT: f64 = 0.20;

/// Share of a budget spent on running it above which `admin_cost` is doubtful.
/// docs/sources.md has no measured figure (an assumption, stated as such): the shipped
/// scenarios assume 3% to 7.5% (direct-payment audit, brokerage, a holding
/// organisation's fee); a quarter of every budget is several times that.
pub const MAX_PLAUSIBLE_ADMIN_COST: f64 = 0.25;

/// Monthly uptake rate (a constant `monthly`, or Bass `p`) above which uptake is
/// implausibly fast. Diffusion benchmarks are p ≈ 0.0025 a month (Sultan, Farley &
/// Lehmann 1990, docs/sources.md) and a cohort takes years, not months, to reach its
/// ceiling; at 0.2 a month nine in ten of the willing hold a budget within a year.
pub const MAX_PLAUSIBLE_MONTHLY_UPTAKE: f64 = 0.2;

/// Places named in a warning given for many entities; the rest are counted.
const PLACES_SHOWN: usize = 3;

/// One entity a plausibility rule finds doubtful.
struct Finding {
    /// Where the warning points: the value at fault (or the entity's id).
    span: Option<Range<usize>>,
    /// The entity in a list of places: "`frequent-crisis`".
    name: String,
    /// The doubtful figure, shown beside the place: "£5.25m".
    figure: String,
    /// The warning for this entity alone.
    message: String,
    /// The fix for this entity alone.
    help: String,
}

/// Gives one warning per finding, or one for all of them when there are several: at
/// the first place, with the count and the first [`PLACES_SHOWN`] places.
/// `many(n)` says what the `n` entities have in common; `help` is the shared fix.
fn report(
    problems: &mut Problems,
    text: &str,
    findings: Vec<Finding>,
    many: impl Fn(usize) -> String,
    help: &str,
) {
    match findings.as_slice() {
        [] => {}
        [one] => problems.push(
            Problem::warning(one.message.clone(), one.span.clone()).with_help(one.help.clone()),
        ),
        all => {
            let mut places: Vec<String> = all
                .iter()
                .take(PLACES_SHOWN)
                .map(|f| match &f.span {
                    Some(span) => format!(
                        "{} (line {}, {})",
                        f.name,
                        line_column(text, span.start).0,
                        f.figure
                    ),
                    None => format!("{} ({})", f.name, f.figure),
                })
                .collect();
            if all.len() > PLACES_SHOWN {
                places.push(format!("and {} more", all.len() - PLACES_SHOWN));
            }
            problems.push(
                Problem::warning(
                    format!("{}: {}", many(all.len()), places.join(", ")),
                    all[0].span.clone(),
                )
                .with_help(help),
            );
        }
    }
}

/// The span of the value of `key` in `table`.
fn value_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v.span())
}

/// The tables of the array of tables `key` in `table`, in file order.
fn entries<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Vec<&'a DeTable<'i>> {
    match table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v.get_ref())
    {
        Some(DeValue::Array(items)) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The sub-table `key` of `table` (a `[table]` or an inline table).
fn sub_table<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        })
}

/// Adds the plausibility warnings of a valid `scenario` read from `root` (the TOML
/// document of `text`).
pub fn check(scenario: &Scenario, root: &DeTable<'_>, text: &str, problems: &mut Problems) {
    let cohort_tables = entries(root, "cohorts");
    let provider_tables = entries(root, "providers");
    let cohort_table = |c: usize| cohort_tables.get(c).copied();
    budgets(scenario, &cohort_table, text, problems);
    per_month(scenario, &cohort_table, text, problems);
    uptake(scenario, &cohort_table, text, problems);
    admin_costs(scenario, root, text, problems);
    idle_services(scenario, &provider_tables, text, problems);
    baseline_deficits(scenario, &provider_tables, text, problems);
    cost_steps(scenario, &provider_tables, text, problems);
}

/// SPEC section 2: a `cost_step` larger than its fixed cost (by their means) can
/// never be taken, so the fixed cost never moves however much activity is lost.
fn cost_steps(
    scenario: &Scenario,
    provider_tables: &[&DeTable<'_>],
    text: &str,
    problems: &mut Problems,
) {
    let mut findings = Vec::new();
    for (p, provider) in scenario.providers.iter().enumerate() {
        let service_tables = provider_tables
            .get(p)
            .map(|t| entries(t, "services"))
            .unwrap_or_default();
        for (j, service) in provider.services.iter().enumerate() {
            let (step, fixed) = (service.cost_step.mean(), service.fixed_cost.mean());
            if step <= fixed {
                continue;
            }
            let name = format!("{}/{}", provider.id, service.id);
            findings.push(Finding {
                span: service_tables.get(j).and_then(|t| value_span(t, "cost_step")),
                name: format!("`{name}`"),
                figure: format!("{} > {}", money(step), money(fixed)),
                message: format!(
                    "service `{name}` has a `cost_step` of {} a year, more than its `fixed_cost` of {}: its fixed cost can never move",
                    pounds(step),
                    pounds(fixed)
                ),
                help: "`cost_step` is the size of one team or ward's fixed cost (£/year); make it at most `fixed_cost`, or 0 for a cost that moves smoothly".into(),
            });
        }
    }
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} services have a `cost_step` larger than their `fixed_cost`, so their fixed cost can never move"
            )
        },
        "`cost_step` is the size of one team or ward's fixed cost (£/year); make it at most `fixed_cost`, or 0 for a cost that moves smoothly",
    );
}

fn budgets<'a, 'i: 'a>(
    scenario: &Scenario,
    cohort_table: &impl Fn(usize) -> Option<&'a DeTable<'i>>,
    text: &str,
    problems: &mut Problems,
) {
    let findings = scenario
        .cohorts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.budget.clamped_mean > MAX_PLAUSIBLE_BUDGET)
        .map(|(i, c)| {
            let budget = c.budget.clamped_mean;
            let each = if c.size > 0 {
                format!(
                    " (at most its size, {}: then at least {} each)",
                    thousands(c.size),
                    pounds(budget / c.size as f64)
                )
            } else {
                String::new()
            };
            Finding {
                span: cohort_table(i).and_then(|t| value_span(t, "budget")),
                name: format!("`{}`", c.id),
                figure: money(budget),
                message: format!(
                    "cohort `{}` has a `budget` of {} a year for each holder, more than the {} a year that is plausible for one person",
                    c.id,
                    pounds(budget),
                    pounds(MAX_PLAUSIBLE_BUDGET)
                ),
                help: format!(
                    "`budget` is per holder per year, not the cohort's total pot; if {} is the pot, divide it by the number of holders you expect{each}",
                    pounds(budget)
                ),
            }
        })
        .collect();
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} cohorts have a `budget` above {} a year for each holder",
                money(MAX_PLAUSIBLE_BUDGET)
            )
        },
        "`budget` is per holder per year, not a cohort's total pot; divide a pot by the number of holders you expect",
    );
}

fn per_month<'a, 'i: 'a>(
    scenario: &Scenario,
    cohort_table: &impl Fn(usize) -> Option<&'a DeTable<'i>>,
    text: &str,
    problems: &mut Problems,
) {
    let mut findings = Vec::new();
    for (i, cohort) in scenario.cohorts.iter().enumerate() {
        let use_tables = cohort_table(i)
            .map(|t| entries(t, "uses"))
            .unwrap_or_default();
        for (j, service_use) in cohort.uses.iter().enumerate() {
            let units = service_use.per_month.mean();
            if units <= MAX_PLAUSIBLE_PER_MONTH {
                continue;
            }
            let service = scenario.service_name(service_use.service);
            let each = if cohort.size > 0 {
                format!(
                    " ({} / {} = {})",
                    short(units),
                    thousands(cohort.size),
                    short(units / cohort.size as f64)
                )
            } else {
                String::new()
            };
            findings.push(Finding {
                span: use_tables.get(j).and_then(|t| value_span(t, "per_month")),
                name: format!("`{}` at `{service}`", cohort.id),
                figure: short(units),
                message: format!(
                    "cohort `{}` uses `{service}` {} units per patient per month: more than one a day for everyone in the cohort",
                    cohort.id,
                    short(units)
                ),
                help: format!(
                    "`per_month` is units per patient per month, not the cohort's total; divide a total by the cohort's size{each}"
                ),
            });
        }
    }
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} uses have a `per_month` above {}, more than one unit a day for everyone in their cohort",
                short(MAX_PLAUSIBLE_PER_MONTH)
            )
        },
        "`per_month` is units per patient per month, not a cohort's total; divide a total by the cohort's size",
    );
}

fn uptake<'a, 'i: 'a>(
    scenario: &Scenario,
    cohort_table: &impl Fn(usize) -> Option<&'a DeTable<'i>>,
    text: &str,
    problems: &mut Problems,
) {
    let findings = scenario
        .cohorts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (key, rate) = match &c.uptake.model {
                UptakeModel::Constant { monthly } => ("monthly", monthly.mean()),
                UptakeModel::Bass { p, .. } => ("p", p.mean()),
            };
            (rate > MAX_PLAUSIBLE_MONTHLY_UPTAKE).then(|| {
                let span = cohort_table(i)
                    .and_then(|t| sub_table(t, "uptake"))
                    .and_then(|t| value_span(t, key));
                // Months for nine in ten of the willing to hold a budget at this rate
                // alone: (1 - rate)^m = 0.1.
                let months = (0.1f64.ln() / (1.0 - rate.min(0.999)).ln()).ceil();
                Finding {
                    span,
                    name: format!("`{}`", c.id),
                    figure: format!("{key} = {}", short(rate)),
                    message: format!(
                        "cohort `{}` takes up budgets at `{key}` = {} a month: nine in ten of those willing would hold one within {months} month{}",
                        c.id,
                        short(rate),
                        if months > 1.0 { "s" } else { "" }
                    ),
                    help: format!(
                        "uptake rates are monthly and PHB uptake takes years (across innovations p is about 0.0025 a month); a yearly rate r is about r / 12 a month, so {} a year is {} a month",
                        short(rate),
                        short(rate / 12.0)
                    ),
                }
            })
        })
        .collect();
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} cohorts take up budgets faster than {} a month",
                short(MAX_PLAUSIBLE_MONTHLY_UPTAKE)
            )
        },
        "uptake rates are monthly and PHB uptake takes years (across innovations p is about 0.0025 a month); divide a yearly rate by 12",
    );
}

fn admin_costs(scenario: &Scenario, root: &DeTable<'_>, text: &str, problems: &mut Problems) {
    let forms_table = sub_table(root, "budget_forms");
    let findings = Form::ALL
        .into_iter()
        .filter_map(|form| {
            let budget_form = scenario.budget_forms[form.index()].as_ref()?;
            let share = budget_form.admin_cost.mean();
            (share > MAX_PLAUSIBLE_ADMIN_COST).then(|| Finding {
                span: forms_table
                    .and_then(|t| sub_table(t, form.key()))
                    .and_then(|t| value_span(t, "admin_cost")),
                name: format!("`{}`", form.key()),
                figure: crate::format::percent(share),
                message: format!(
                    "budget_forms.{}: `admin_cost` {} spends {} of every budget on running it",
                    form.key(),
                    short(share),
                    crate::format::percent(share)
                ),
                help: "`admin_cost` is a share of the budget (0.05 = 5%); running a budget usually costs a few per cent of it".to_string(),
            })
        })
        .collect();
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} budget forms have an `admin_cost` above {} of the budget",
                crate::format::percent(MAX_PLAUSIBLE_ADMIN_COST)
            )
        },
        "`admin_cost` is a share of the budget (0.05 = 5%); running a budget usually costs a few per cent of it",
    );
}

/// Units a month of each service before any PHB, in [`ServiceIndex`] order: its
/// `other_activity` plus every cohort's size times its `per_month` (means).
fn baseline_activity(scenario: &Scenario) -> Vec<f64> {
    let mut activity: Vec<f64> = scenario
        .services()
        .map(|(_, s)| s.other_activity.mean())
        .collect();
    for cohort in &scenario.cohorts {
        for service_use in &cohort.uses {
            activity[service_use.service.0] += cohort.size as f64 * service_use.per_month.mean();
        }
    }
    activity
}

fn idle_services(
    scenario: &Scenario,
    provider_tables: &[&DeTable<'_>],
    text: &str,
    problems: &mut Problems,
) {
    let mut used = vec![false; scenario.service_count()];
    for cohort in &scenario.cohorts {
        for service_use in &cohort.uses {
            if service_use.per_month.mean() > 0.0 {
                used[service_use.service.0] = true;
            }
        }
    }
    // Budgets spent at a named service bring it income without any traditional use.
    for budget_form in scenario.budget_forms.iter().flatten() {
        for (service, share) in &budget_form.services {
            if share.mean() > 0.0 {
                used[service.0] = true;
            }
        }
    }
    let mut findings = Vec::new();
    let mut index = 0;
    for (p, provider) in scenario.providers.iter().enumerate() {
        let service_tables = provider_tables
            .get(p)
            .map(|t| entries(t, "services"))
            .unwrap_or_default();
        for (s, service) in provider.services.iter().enumerate() {
            let idle = !used[index] && service.other_activity.mean() <= 0.0;
            index += 1;
            if !idle {
                continue;
            }
            let name = format!("{}/{}", provider.id, service.id);
            let income = match service.payment {
                Payment::Block { .. } => "its income is its block contract alone",
                Payment::Activity => "it is paid by activity and so earns nothing",
            };
            findings.push(Finding {
                span: service_tables.get(s).and_then(|t| value_span(t, "id")),
                name: format!("`{name}`"),
                figure: "no activity".to_string(),
                message: format!(
                    "service `{name}` has no activity: no cohort uses it and its `other_activity` is 0, so {income}"
                ),
                help: format!(
                    "add the activity of people outside the cohorts as `other_activity` (units a month), or list `{name}` in a cohort's `uses`"
                ),
            });
        }
    }
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} services have no activity: no cohort uses them and their `other_activity` is 0"
            )
        },
        "add the activity of people outside the cohorts as `other_activity` (units a month), or list the services in a cohort's `uses`",
    );
}

fn baseline_deficits(
    scenario: &Scenario,
    provider_tables: &[&DeTable<'_>],
    text: &str,
    problems: &mut Problems,
) {
    let activity = baseline_activity(scenario);
    let mut index = 0;
    let mut findings = Vec::new();
    for (p, provider) in scenario.providers.iter().enumerate() {
        let mut income = provider.other_income.mean();
        let mut costs = provider.other_costs.mean();
        for service in &provider.services {
            let units_a_year = 12.0 * activity[index];
            index += 1;
            income += match &service.payment {
                Payment::Block { contract_value, .. } => contract_value.mean(),
                Payment::Activity => service.unit_price.mean() * units_a_year,
            };
            costs += service.fixed_cost.mean() + service.variable_cost.mean() * units_a_year;
        }
        if costs <= income * (1.0 + MAX_PLAUSIBLE_BASELINE_DEFICIT) {
            continue;
        }
        let gap = if income > 0.0 {
            format!(
                "costs exceed income by {}",
                crate::format::percent(costs / income - 1.0)
            )
        } else {
            "it has no income".to_string()
        };
        findings.push(Finding {
            span: provider_tables.get(p).and_then(|t| value_span(t, "id")),
            name: format!("`{}`", provider.id),
            figure: gap.clone(),
            message: format!(
                "provider `{}` costs {} a year but earns {} before any PHB (at baseline activity, means of uncertain values): {gap}",
                provider.id,
                money(costs),
                money(income)
            ),
            help: "check `other_income`, the contract values and prices, and whether costs are £ a year (fixed) and £ a unit (variable); the trust sector's deficit was 0.9% of income in 2023/24".to_string(),
        });
    }
    report(
        problems,
        text,
        findings,
        |n| {
            format!(
                "{n} providers' costs exceed their income by more than {} before any PHB",
                crate::format::percent(MAX_PLAUSIBLE_BASELINE_DEFICIT)
            )
        },
        "check `other_income`, the contract values and prices, and whether costs are £ a year (fixed) and £ a unit (variable); the trust sector's deficit was 0.9% of income in 2023/24",
    );
}
