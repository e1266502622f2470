//! `[[variants]]` and `[[sweeps]]`: named changes to the base scenario, run beside it
//! with common random numbers.
//!
//! ```toml
//! [[variants]]
//! name = "fast rollout"
//! set = { "cohorts.frequent-crisis.uptake.q" = 0.5 }
//!
//! [[sweeps]]
//! path = "providers.trust.services.crisis.pass_through"
//! values = [0.6, 0.8, 1.0]
//! ```
//!
//! A variant is built by setting each path in the base file's TOML and validating the
//! result with every check the base passed, so a variant may set anything a scenario
//! accepts (distributions included) and is never less checked than the base. A sweep
//! expands into one variant per value, named `path=value` (or `name=value`).

use std::ops::Range;

use toml::Value;

use crate::scenario::Scenario;
use crate::scenario::paths::{render_value, set_path};
use crate::scenario::problem::Problem;
use crate::scenario::reader::{Problems, TableReader, table_entry};

/// A variant as written in the file, before it is built.
#[derive(Debug, Clone)]
pub struct VariantSpec {
    pub name: String,
    pub name_span: Range<usize>,
    /// (path, value, span of the path) in file order.
    pub overrides: Vec<(String, Value, Range<usize>)>,
}

/// A validated variant of the base scenario.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its name, also its `scenario` in every output table.
    pub name: String,
    /// (path, value as TOML) as set.
    pub overrides: Vec<(String, String)>,
    /// The base scenario with the overrides applied; `scenario.name` is the variant's.
    pub scenario: Scenario,
}

/// Reads `[[variants]]` and `[[sweeps]]` from the top-level table. `plain` is the same
/// document without spans, where the values to set are taken from.
pub fn read_specs(
    top: &mut TableReader<'_, '_>,
    plain: &toml::Table,
    problems: &mut Problems,
) -> Vec<VariantSpec> {
    let mut specs = Vec::new();
    if let Some((items, _)) = top.array(problems, "variants") {
        for (index, item) in items.iter().enumerate() {
            let Some(table) = table_entry(item, "variants", problems) else {
                continue;
            };
            let mut r = TableReader::declared(table, item.span(), "variants", "variants");
            let name = r.string(problems, "name");
            if r.get("name").is_none() {
                r.require(problems, "name");
            }
            let _ = r.string(problems, "description");
            let set = r.table(problems, "set");
            if r.get("set").is_none() {
                r.require(problems, "set");
            }
            r.finish(problems);
            let (Some((name, name_span)), Some((set, _))) = (name, set) else {
                continue;
            };
            let plain_set = plain
                .get("variants")
                .and_then(|v| v.get(index))
                .and_then(|v| v.get("set"))
                .and_then(Value::as_table);
            let overrides = set
                .iter()
                .filter_map(|(key, _)| {
                    let path = key.get_ref().to_string();
                    let value = plain_set?.get(&path)?.clone();
                    Some((path, value, key.span()))
                })
                .collect();
            specs.push(VariantSpec {
                name,
                name_span,
                overrides,
            });
        }
    }
    if let Some((items, _)) = top.array(problems, "sweeps") {
        for (index, item) in items.iter().enumerate() {
            let Some(table) = table_entry(item, "sweeps", problems) else {
                continue;
            };
            let mut r = TableReader::declared(table, item.span(), "sweeps", "sweeps");
            let path = r.string(problems, "path");
            if r.get("path").is_none() {
                r.require(problems, "path");
            }
            let label = r.string(problems, "name");
            let values = r.array(problems, "values");
            if r.get("values").is_none() {
                r.require(problems, "values");
            }
            r.finish(problems);
            let (Some((path, path_span)), Some((value_items, values_span))) = (path, values) else {
                continue;
            };
            if value_items.is_empty() {
                problems.push(
                    Problem::error("a sweep needs at least one value", Some(values_span))
                        .with_help("list the values to try, e.g. `values = [0.6, 0.8, 1.0]`"),
                );
                continue;
            }
            let plain_values = plain
                .get("sweeps")
                .and_then(|v| v.get(index))
                .and_then(|v| v.get("values"))
                .and_then(Value::as_array);
            let prefix = label.map_or_else(|| path.clone(), |(l, _)| l);
            for (value, item) in plain_values.into_iter().flatten().zip(value_items) {
                specs.push(VariantSpec {
                    name: format!("{prefix}={}", render_value(value)),
                    name_span: item.span(),
                    overrides: vec![(path.clone(), value.clone(), path_span.clone())],
                });
            }
        }
    }
    specs
}

/// Builds every variant from the base document: sets its paths, validates the result
/// with `validate`, and reports any problem at the variant's place in the file.
pub fn build(
    specs: Vec<VariantSpec>,
    base_name: &str,
    base_doc: &toml::Table,
    base_warnings: &[Problem],
    validate: impl Fn(&str) -> Result<(Scenario, Vec<Problem>), Vec<Problem>>,
    problems: &mut Vec<Problem>,
) -> Vec<Variant> {
    let mut variants: Vec<Variant> = Vec::new();
    for spec in specs {
        if spec.name == base_name || variants.iter().any(|v| v.name == spec.name) {
            problems.push(
                Problem::error(
                    format!("variant name `{}` is used twice", spec.name),
                    Some(spec.name_span.clone()),
                )
                .with_help("give each variant its own name, different from the scenario's"),
            );
            continue;
        }
        let mut doc = base_doc.clone();
        let mut ok = true;
        for (path, value, span) in &spec.overrides {
            if let Err(error) = set_path(&mut doc, path, value.clone()) {
                ok = false;
                let mut problem = Problem::error(
                    format!("variant `{}`: {}", spec.name, error.message),
                    Some(span.clone()),
                );
                problem.help = error.help;
                problems.push(problem);
            }
        }
        if !ok {
            continue;
        }
        // A problem inside the built variant is reported at the path that caused it
        // when one path is set, else at the variant's name.
        let place = match spec.overrides.as_slice() {
            [(_, _, span)] => span.clone(),
            _ => spec.name_span.clone(),
        };
        let text = toml::to_string(&doc).expect("a TOML table always serialises");
        match validate(&text) {
            Ok((mut scenario, warnings)) => {
                for warning in warnings {
                    if !base_warnings.iter().any(|w| w.message == warning.message) {
                        problems.push(Problem {
                            message: format!("variant `{}`: {}", spec.name, warning.message),
                            span: Some(place.clone()),
                            ..warning
                        });
                    }
                }
                scenario.name = spec.name.clone();
                variants.push(Variant {
                    name: spec.name,
                    overrides: spec
                        .overrides
                        .iter()
                        .map(|(p, v, _)| (p.clone(), render_value(v)))
                        .collect(),
                    scenario,
                });
            }
            Err(found) => {
                for p in found.into_iter().filter(Problem::is_error) {
                    problems.push(Problem {
                        message: format!("variant `{}`: {}", spec.name, p.message),
                        span: Some(place.clone()),
                        ..p
                    });
                }
            }
        }
    }
    variants
}
