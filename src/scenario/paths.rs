//! Parameter paths: naming any value of a scenario file by the ids and keys that lead
//! to it, e.g. `providers.trust.services.crisis.pass_through`,
//! `cohorts.frequent-crisis.uptake.q`, `cohorts.s117.uses.trust/rehab.per_month`.
//!
//! An entry of an array of tables is named by its `id` (or, in `uses`, by its
//! `service`), so paths survive reordering. Variants and sweeps set values by path;
//! `phbsim diff` lists the paths whose values differ. Both work on the TOML document
//! itself, so a variant can set anything a scenario accepts and is then validated by
//! the same checks as the file.

use std::collections::BTreeMap;

use toml::{Table, Value};

use crate::scenario::params;
use crate::scenario::problem::nearest;

/// Why a path does not lead anywhere in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    pub help: Option<String>,
}

/// The key that names an entry of the array `array_key`, as declared in
/// [`crate::scenario::params`] (`id`, or `service` in `uses`); `id` for an array the
/// declarations do not name entries of.
fn entry_name_key(array_key: &str) -> &'static str {
    params::entry_key(array_key).unwrap_or("id")
}

/// Whether a table is a leaf value (a distribution) rather than a level of the path.
fn is_leaf_table(table: &Table) -> bool {
    table.contains_key("dist")
}

/// Sets the value at `path` in `doc`, creating the last key if it is absent (a
/// defaulted parameter). Every earlier segment must exist.
pub fn set_path(doc: &mut Table, path: &str, value: Value) -> Result<(), PathError> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(PathError {
            message: format!("`{path}` is not a path"),
            help: Some("write ids and keys joined by dots, e.g. `providers.trust.services.crisis.pass_through`".into()),
        });
    }
    let mut table = doc;
    let mut walked = String::new();
    // The declared table we are in, while the path follows declared tables: an
    // optional table it declares (`[prices]`, `[budget_forms.notional]`) is created
    // when absent, as a defaulted key is.
    let mut declared = Some("");
    let mut i = 0;
    while i < segments.len() - 1 {
        let key = segments[i];
        let place = if walked.is_empty() {
            "the file".to_string()
        } else {
            format!("`{walked}`")
        };
        let kind = declared
            .and_then(params::declared_table)
            .and_then(|t| t.param(key))
            .map(|p| p.kind);
        let sub_table = match kind {
            Some(params::Kind::Table(name)) => Some(name),
            _ => None,
        };
        declared = match kind {
            Some(params::Kind::Table(name) | params::Kind::Tables(name)) => Some(name),
            _ => None,
        };
        if sub_table.is_some() && !table.contains_key(key) {
            table.insert(key.to_string(), Value::Table(Table::new()));
        }
        if !table.contains_key(key) {
            let keys: Vec<String> = table.keys().cloned().collect();
            return Err(unknown(
                &format!("no `{key}` in {place}"),
                key,
                keys.iter().map(String::as_str),
            ));
        }
        let next = table.get_mut(key).expect("checked above");
        walked = if walked.is_empty() {
            key.to_string()
        } else {
            format!("{walked}.{key}")
        };
        table = match next {
            Value::Table(t) if !is_leaf_table(t) => t,
            Value::Array(entries) => {
                let name_key = entry_name_key(key);
                let Some(&wanted) = segments.get(i + 1).filter(|_| i + 2 < segments.len()) else {
                    return Err(PathError {
                        message: format!(
                            "`{walked}` is a list; the path must name an entry and a key in it"
                        ),
                        help: Some(format!("e.g. `{walked}.<{name_key}>.<key>`")),
                    });
                };
                let names: Vec<String> = entries
                    .iter()
                    .filter_map(|e| e.get(name_key).and_then(Value::as_str).map(str::to_string))
                    .collect();
                let position = entries
                    .iter()
                    .position(|e| e.get(name_key).and_then(Value::as_str) == Some(wanted));
                let Some(position) = position else {
                    return Err(unknown(
                        &format!("no entry `{wanted}` in `{walked}`"),
                        wanted,
                        names.iter().map(String::as_str),
                    ));
                };
                walked = format!("{walked}.{wanted}");
                i += 1;
                match &mut entries[position] {
                    Value::Table(t) => t,
                    _ => {
                        return Err(PathError {
                            message: format!("`{walked}` is not a table"),
                            help: None,
                        });
                    }
                }
            }
            _ => {
                return Err(PathError {
                    message: format!("`{walked}` is a value, so the path cannot go further"),
                    help: Some(format!("set `{walked}` itself")),
                });
            }
        };
        i += 1;
    }
    let last = segments[segments.len() - 1];
    if matches!(table.get(last), Some(Value::Array(_))) {
        return Err(PathError {
            message: format!("`{path}` is a list of entries and cannot be set as a whole"),
            help: Some("set a value inside one entry instead".into()),
        });
    }
    table.insert(last.to_string(), value);
    Ok(())
}

fn unknown<'a>(
    message: &str,
    word: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
) -> PathError {
    let help = match nearest(word, candidates.clone()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "choose one of: {}",
            candidates
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    PathError {
        message: message.to_string(),
        help: Some(help),
    }
}

/// Every leaf value of `doc` by path, written as compact TOML (`0.8`,
/// `{ dist = "pert", min = 1, mode = 2, max = 3 }`), in path order.
pub fn flatten(doc: &Table) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    flatten_into(doc, "", &mut out);
    out
}

fn flatten_into(table: &Table, prefix: &str, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Table(t) if !is_leaf_table(t) => flatten_into(t, &path, out),
            Value::Array(entries) if entries.iter().all(Value::is_table) && !entries.is_empty() => {
                let name_key = entry_name_key(key);
                for (index, entry) in entries.iter().enumerate() {
                    let Value::Table(t) = entry else { continue };
                    let name = t
                        .get(name_key)
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("#{}", index + 1), str::to_string);
                    flatten_into(t, &format!("{path}.{name}"), out);
                }
            }
            other => {
                out.insert(path, render_value(other));
            }
        }
    }
}

/// Every leaf value of a scenario file's text by path, leaving out its variants and
/// sweeps (they are not part of the scenario itself). Empty if the text is not TOML.
pub fn scenario_paths(text: &str) -> BTreeMap<String, String> {
    let mut doc: Table = toml::from_str(text).unwrap_or_default();
    doc.remove("variants");
    doc.remove("sweeps");
    flatten(&doc)
}

/// The paths whose values differ between two scenarios' texts: (path, value in `a`,
/// value in `b`), `None` where a file leaves the key out (its default applies).
pub fn differences(a: &str, b: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let (a, b) = (scenario_paths(a), scenario_paths(b));
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| (p.clone(), a.get(p).cloned(), b.get(p).cloned()))
        .collect()
}

/// A value as compact, one-line TOML.
pub fn render_value(value: &Value) -> String {
    match value {
        Value::Table(t) => {
            let inner: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", render_value(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(render_value)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[scenario]
name = "x"
[[providers]]
id = "trust"
[[providers.services]]
id = "crisis"
pass_through = 0.8
unit_price = { dist = "pert", min = 1, mode = 2, max = 3 }
[[cohorts]]
id = "c1"
uptake = { model = "bass", p = 0.01, q = 0.2 }
uses = [{ service = "trust/crisis", per_month = 0.5 }]
"#;

    fn doc() -> Table {
        toml::from_str(DOC).unwrap()
    }

    #[test]
    fn sets_values_by_ids_and_keys() {
        let mut d = doc();
        set_path(
            &mut d,
            "providers.trust.services.crisis.pass_through",
            Value::Float(1.0),
        )
        .unwrap();
        set_path(&mut d, "cohorts.c1.uptake.q", Value::Float(0.5)).unwrap();
        set_path(
            &mut d,
            "cohorts.c1.uses.trust/crisis.per_month",
            Value::Integer(2),
        )
        .unwrap();
        // A defaulted key is created, and so is an optional table left out.
        set_path(
            &mut d,
            "providers.trust.services.crisis.backfill",
            Value::Float(0.1),
        )
        .unwrap();
        set_path(&mut d, "prices.tariff_uplift", Value::Float(0.02)).unwrap();
        set_path(&mut d, "budget_forms.notional.existing", Value::Float(0.3)).unwrap();
        assert!(set_path(&mut d, "nothing.here", Value::Float(0.3)).is_err());
        let flat = flatten(&d);
        assert_eq!(flat["providers.trust.services.crisis.pass_through"], "1.0");
        assert_eq!(flat["cohorts.c1.uptake.q"], "0.5");
        assert_eq!(flat["cohorts.c1.uses.trust/crisis.per_month"], "2");
        assert_eq!(flat["providers.trust.services.crisis.backfill"], "0.1");
        assert_eq!(flat["prices.tariff_uplift"], "0.02");
        assert_eq!(flat["budget_forms.notional.existing"], "0.3");
    }

    #[test]
    fn distributions_are_leaves() {
        let flat = flatten(&doc());
        assert_eq!(
            flat["providers.trust.services.crisis.unit_price"],
            r#"{ dist = "pert", max = 3, min = 1, mode = 2 }"#
        );
        let mut d = doc();
        let err = set_path(
            &mut d,
            "providers.trust.services.crisis.unit_price.min",
            Value::Integer(0),
        )
        .unwrap_err();
        assert!(err.message.contains("is a value"), "{err:?}");
    }

    #[test]
    fn unknown_ids_get_a_suggestion() {
        let mut d = doc();
        let err = set_path(
            &mut d,
            "providers.trust.services.crises.pass_through",
            Value::Float(1.0),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "no entry `crises` in `providers.trust.services`"
        );
        assert_eq!(err.help.as_deref(), Some("did you mean `crisis`?"));
        let err = set_path(&mut d, "cohort.c1.size", Value::Integer(1)).unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `cohorts`?"));
    }

    #[test]
    fn differences_are_listed_by_path() {
        let b = DOC
            .replace("pass_through = 0.8", "pass_through = 0.9")
            .replace("q = 0.2 }", "q = 0.2, ceiling = 0.5 }");
        let found = differences(DOC, &b);
        assert_eq!(
            found,
            vec![
                (
                    "cohorts.c1.uptake.ceiling".to_string(),
                    None,
                    Some("0.5".to_string())
                ),
                (
                    "providers.trust.services.crisis.pass_through".to_string(),
                    Some("0.8".to_string()),
                    Some("0.9".to_string())
                ),
            ]
        );
    }

    #[test]
    fn a_path_must_name_an_entry_and_a_key() {
        let mut d = doc();
        assert!(set_path(&mut d, "providers.trust", Value::Integer(1)).is_err());
        assert!(set_path(&mut d, "providers", Value::Integer(1)).is_err());
        assert!(set_path(&mut d, "a..b", Value::Integer(1)).is_err());
    }
}
