//! A what-if: values set by parameter path, exactly what a `[[variants]]` entry's
//! `set` holds, and the scenario texts it makes.
//!
//! - [`WhatIf::from_json`]: the page's request (`{"path": value, ...}`) read
//!   strictly; anything that is not a path and a number, text or true/false is
//!   refused here, and everything else is judged by the scenario's own checks;
//! - [`served_text`]: the text a what-if runs from: the file with its own variants and
//!   sweeps left out (the page compares the what-if with the base only) and the
//!   what-if as its one variant;
//! - [`with_variant`]: the file with the what-if appended as a new `[[variants]]`
//!   entry, every comment and the layout kept (`toml_edit`), for "keep as variant"
//!   and for the messages of an invalid what-if, which are then exactly what
//!   `phbsim validate` would say of that file.
//!
//! By common random numbers a variant's results depend only on the base and its own
//! `set`, so the what-if run from the served text and the variant kept in the file
//! give the same numbers.

use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use crate::scenario::paths::render_value;

/// Most values one what-if may set: far more than the controls offer, few enough
/// that a hostile request cannot make a huge scenario.
pub const MOST_SETTINGS: usize = 500;
/// Longest parameter path accepted (ids and keys joined by dots).
pub const LONGEST_PATH: usize = 512;

/// The name the what-if goes by on the page and in the served text.
pub const WHAT_IF_NAME: &str = "what-if";

/// Values set by parameter path, in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIf {
    pub set: Vec<(String, toml::Value)>,
}

/// Why a request's what-if was refused before any check of the scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

impl WhatIf {
    /// Whether it changes nothing (the page then shows the base alone).
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Reads `{"path": value, ...}`: a number, text (a date such as `"2028-04"`, or
    /// whatever was typed where a number belongs, which the scenario's checks then
    /// name) or true/false per path.
    pub fn from_json(set: &serde_json::Value) -> Result<WhatIf, Malformed> {
        let serde_json::Value::Object(entries) = set else {
            return Err(Malformed(
                "`set` must be an object of parameter paths and values".into(),
            ));
        };
        if entries.len() > MOST_SETTINGS {
            return Err(Malformed(format!(
                "a what-if sets at most {MOST_SETTINGS} values; this one sets {}",
                entries.len()
            )));
        }
        let mut out = Vec::with_capacity(entries.len());
        for (path, value) in entries {
            if path.is_empty() || path.len() > LONGEST_PATH || path.chars().any(char::is_control) {
                return Err(Malformed(format!(
                    "a parameter path is ids and keys joined by dots, at most {LONGEST_PATH} characters"
                )));
            }
            let value = match value {
                serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => toml::Value::Integer(i),
                    (None, Some(f)) if f.is_finite() => toml::Value::Float(f),
                    _ => return Err(Malformed(format!("`{path}`: {n} is not a finite number"))),
                },
                serde_json::Value::String(s) if s.len() <= LONGEST_PATH => {
                    toml::Value::String(s.clone())
                }
                serde_json::Value::Bool(b) => toml::Value::Boolean(*b),
                _ => {
                    return Err(Malformed(format!(
                        "`{path}`: a what-if value is a number, a short text or true/false"
                    )));
                }
            };
            out.push((path.clone(), value));
        }
        Ok(WhatIf { set: out })
    }
}

/// Why the scenario file could not take a new variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the scenario file is not TOML that phbsim can edit: {0}")]
    NotToml(String),
    #[error("the file's `variants` is not a list of tables, so a variant cannot be added to it")]
    NotAList,
}

/// The what-if's `set`, as an inline table (paths quoted as keys).
fn set_table(what_if: &WhatIf) -> InlineTable {
    let mut set = InlineTable::new();
    for (path, value) in &what_if.set {
        let value: Value = render_value(value)
            .parse()
            .expect("a rendered TOML value parses back");
        set.insert(path, value);
    }
    set
}

/// A `[[variants]]` table: `name`, `description` if given, and `set`.
fn variant_table(name: &str, description: Option<&str>, what_if: &WhatIf) -> Table {
    let mut table = Table::new();
    table.insert("name", toml_edit::value(name));
    if let Some(description) = description {
        table.insert("description", toml_edit::value(description));
    }
    table.insert("set", Item::Value(Value::InlineTable(set_table(what_if))));
    table
}

/// Appends a variant to `doc`, as an array of tables or, where the file writes its
/// variants as an inline array, as one more inline table.
fn append_variant(doc: &mut DocumentMut, mut table: Table) -> Result<(), EditError> {
    match doc.get_mut("variants") {
        None => {
            table.decor_mut().set_prefix("\n");
            let mut list = ArrayOfTables::new();
            list.push(table);
            doc.insert("variants", Item::ArrayOfTables(list));
        }
        Some(Item::ArrayOfTables(list)) => {
            table.decor_mut().set_prefix("\n");
            list.push(table);
        }
        Some(Item::Value(Value::Array(list))) => {
            list.push(table.into_inline_table());
        }
        Some(_) => return Err(EditError::NotAList),
    }
    Ok(())
}

/// The text a what-if runs from: `original` without its variants and sweeps, with
/// the what-if as its one variant (none when it sets nothing).
pub fn served_text(original: &str, what_if: &WhatIf) -> Result<String, EditError> {
    let mut doc: DocumentMut = original
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::NotToml(e.message().to_string()))?;
    doc.remove("variants");
    doc.remove("sweeps");
    if !what_if.is_empty() {
        append_variant(&mut doc, variant_table(WHAT_IF_NAME, None, what_if))?;
    }
    Ok(doc.to_string())
}

/// `original` with the what-if appended as the variant `name`, its comments and
/// layout kept.
pub fn with_variant(
    original: &str,
    name: &str,
    description: Option<&str>,
    what_if: &WhatIf,
) -> Result<String, EditError> {
    let mut doc: DocumentMut = original
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::NotToml(e.message().to_string()))?;
    append_variant(&mut doc, variant_table(name, description, what_if))?;
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what_if(json: &str) -> WhatIf {
        WhatIf::from_json(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn json_values_become_toml_values() {
        let w = what_if(r#"{"a.b": 0.2, "c.d": 6, "e.f": "2028-04", "g.h": true}"#);
        assert_eq!(
            w.set,
            vec![
                ("a.b".to_string(), toml::Value::Float(0.2)),
                ("c.d".to_string(), toml::Value::Integer(6)),
                ("e.f".to_string(), toml::Value::String("2028-04".into())),
                ("g.h".to_string(), toml::Value::Boolean(true)),
            ]
        );
    }

    #[test]
    fn malformed_requests_are_refused_before_any_check() {
        for bad in [
            r#"[1, 2]"#,
            r#"{"a.b": [1]}"#,
            r#"{"a.b": {"dist": "pert"}}"#,
            r#"{"a.b": null}"#,
            r#"{"": 1}"#,
            "{\"a\\u0000b\": 1}",
        ] {
            let json: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(WhatIf::from_json(&json).is_err(), "{bad} was accepted");
        }
        let many: serde_json::Map<String, serde_json::Value> = (0..=MOST_SETTINGS)
            .map(|i| (format!("p{i}"), serde_json::Value::from(1)))
            .collect();
        assert!(WhatIf::from_json(&serde_json::Value::Object(many)).is_err());
    }

    const FILE: &str = "# top comment\nschema_version = 1\n\n[scenario]\nname = \"x\" # the name\n\n[[variants]]\nname = \"old\"\nset = { \"a.b\" = 1 }\n# closing comment\n";

    #[test]
    fn a_kept_variant_is_appended_and_every_comment_stays() {
        let w = what_if(r#"{"providers.trust.services.crisis.pass_through": 0.2}"#);
        let text = with_variant(FILE, "pt 20%", Some("asked in the meeting"), &w).unwrap();
        assert!(
            text.starts_with(FILE.trim_end_matches("# closing comment\n")),
            "{text}"
        );
        for kept in [
            "# top comment",
            "# the name",
            "# closing comment",
            "name = \"old\"",
        ] {
            assert!(text.contains(kept), "{kept} lost:\n{text}");
        }
        assert!(
            text.contains("[[variants]]\nname = \"pt 20%\"\ndescription = \"asked in the meeting\"\nset = { \"providers.trust.services.crisis.pass_through\" = 0.2 }"),
            "{text}"
        );
        let plain: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(plain["variants"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_served_text_has_the_what_if_as_its_only_variant() {
        let w = what_if(r#"{"contracts.first_review": "2029-04"}"#);
        let text = served_text(FILE, &w).unwrap();
        let plain: toml::Table = toml::from_str(&text).unwrap();
        let variants = plain["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 1);
        assert_eq!(variants[0]["name"].as_str(), Some(WHAT_IF_NAME));
        assert!(text.contains("# top comment"));
        let none = served_text(FILE, &WhatIf::default()).unwrap();
        assert!(!none.contains("variants"), "{none}");
    }

    #[test]
    fn inline_variant_lists_take_one_more_entry() {
        let top =
            "variants = [{ name = \"a\", set = { \"p.q\" = 1 } }]\n[scenario]\nname = \"x\"\n";
        let text = with_variant(top, "b", None, &what_if(r#"{"p.q": 2}"#)).unwrap();
        let plain: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(plain["variants"].as_array().unwrap().len(), 2, "{text}");
    }

    #[test]
    fn a_kept_variant_follows_the_last_variant_even_with_tables_after_it() {
        let file = "[scenario]\nname = \"x\"\n\n[[variants]]\nname = \"a\"\nset = { \"p.q\" = 1 }\n\n[[sweeps]]\npath = \"p.q\"\nvalues = [1]\n";
        let text = with_variant(file, "b", None, &what_if(r#"{"p.q": 2}"#)).unwrap();
        let new = text.find("name = \"b\"").unwrap();
        assert!(new < text.find("[[sweeps]]").unwrap(), "{text}");
    }
}
