//! `phbsim schema`: the JSON Schema of a scenario file, which editors use to check
//! files as they are typed, generated from the declarations of
//! [`crate::scenario::params`].
//!
//! Every table rejects keys it does not declare; a key that applies only under a
//! condition (`contract_value` with `payment = "block"`, `p` with `model = "bass"`)
//! makes its table one schema per value of the deciding key. Ranges are stated where
//! JSON Schema can say them; `phbsim validate` remains the authority (references,
//! sums, dates against the horizon, distribution parameters).

use serde_json::{Map, Value, json};

use crate::scenario::params::{self, Fallback, Kind, Need, Param, TABLES, Table};
use crate::scenario::reader::DISTRIBUTIONS;
use crate::scenario::types::ValueRange;

const MONTH_PATTERN: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])$";
const ID_PATTERN: &str = r"^[a-z0-9][a-z0-9_-]*$";
const SERVICE_PATTERN: &str = r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$";

/// The JSON Schema of a scenario file, pretty-printed.
pub fn json_schema() -> String {
    let top = params::table("");
    let mut schema = Map::new();
    schema.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    schema.insert("title".into(), json!("phbsim scenario"));
    schema.insert(
        "description".into(),
        json!("A phbsim scenario file (SPEC section 2)."),
    );
    for (key, value) in table_schema(top) {
        schema.insert(key, value);
    }
    let mut defs = Map::new();
    for table in TABLES.iter().filter(|t| !t.name.is_empty()) {
        let mut def = table_schema(table);
        def.insert("description".into(), json!(table.meaning));
        defs.insert(def_name(table.name), Value::Object(def));
    }
    defs.insert("distribution".into(), distribution_schema());
    schema.insert("$defs".into(), Value::Object(defs));
    serde_json::to_string_pretty(&Value::Object(schema)).expect("a schema always serialises")
}

/// The name of a table's definition: its declared name without `<>`, which a
/// `$ref` (a URI) cannot hold.
fn def_name(table: &str) -> String {
    table.replace(['<', '>'], "")
}

/// A table as an object schema, or as one object schema per value of the key its
/// conditional keys depend on.
fn table_schema(table: &Table) -> Map<String, Value> {
    let deciding = table
        .params
        .iter()
        .find_map(|p| p.only_when.map(|(on, _)| on));
    let Some(on) = deciding else {
        return object(table.params.iter(), None);
    };
    let choices = table.param(on).expect("declared").choices();
    let branches: Vec<Value> = choices
        .iter()
        .map(|&choice| {
            let applies = table
                .params
                .iter()
                .filter(|p| p.only_when.is_none_or(|(_, value)| value == choice));
            Value::Object(object(applies, Some((on, choice))))
        })
        .collect();
    let mut map = Map::new();
    map.insert("oneOf".into(), Value::Array(branches));
    map
}

/// An object schema of `params`; `decided` fixes the value of one choice.
fn object<'a>(
    params: impl Iterator<Item = &'a Param>,
    decided: Option<(&str, &str)>,
) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in params {
        let mut schema = match decided {
            Some((on, value)) if on == param.key => json!({ "type": "string", "const": value }),
            _ => value_schema(param.kind),
        };
        if let Value::Object(map) = &mut schema {
            map.insert("description".into(), json!(description(param)));
        }
        properties.insert(param.key.to_string(), schema);
        if param.is_required() {
            required.push(json!(param.key));
        }
    }
    let mut map = Map::new();
    map.insert("type".into(), json!("object"));
    map.insert("properties".into(), Value::Object(properties));
    map.insert("additionalProperties".into(), json!(false));
    if !required.is_empty() {
        map.insert("required".into(), Value::Array(required));
    }
    map
}

/// A key's meaning, unit and default in one line.
fn description(param: &Param) -> String {
    let mut text = param.meaning.to_string();
    if !param.unit.is_empty() {
        text.push_str(&format!(" Unit: {}.", param.unit));
    }
    match param.need {
        Need::Default(Fallback::Integer(v)) => text.push_str(&format!(" Default {v}.")),
        Need::Default(Fallback::Number(v)) => text.push_str(&format!(" Default {v}.")),
        Need::Default(Fallback::Said(said)) => text.push_str(&format!(" Default: {said}.")),
        Need::Required { .. } | Need::Optional => {}
    }
    if let Some((on, value)) = param.only_when {
        text.push_str(&format!(" Only with `{on} = \"{value}\"`."));
    }
    text
}

/// The schema of a value of `kind`.
fn value_schema(kind: Kind) -> Value {
    match kind {
        Kind::Version(version) => {
            json!({ "type": "integer", "minimum": version, "maximum": version })
        }
        Kind::Text | Kind::Path => json!({ "type": "string" }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Id => json!({ "type": "string", "pattern": ID_PATTERN }),
        Kind::Service => json!({ "type": "string", "pattern": SERVICE_PATTERN }),
        Kind::Month => json!({ "type": "string", "pattern": MONTH_PATTERN }),
        Kind::Integer { min, max } => {
            let mut schema = json!({ "type": "integer", "minimum": min as i64 });
            if max < i128::from(i64::MAX) {
                schema["maximum"] = json!(max as i64);
            }
            schema
        }
        Kind::Number(range) => number_schema(range),
        Kind::Uncertain(range) | Kind::Spread(range) => uncertain_schema(range),
        Kind::Choice(choices) => json!({ "type": "string", "enum": choices }),
        Kind::Shares(range) => json!({
            "type": "object",
            "propertyNames": { "pattern": SERVICE_PATTERN },
            "additionalProperties": uncertain_schema(range),
        }),
        Kind::Table(name) => json!({ "$ref": format!("#/$defs/{}", def_name(name)) }),
        Kind::Tables(name) => json!({
            "type": "array",
            "items": { "$ref": format!("#/$defs/{}", def_name(name)) },
        }),
        Kind::Settings => json!({ "type": "object" }),
        Kind::Values => json!({ "type": "array", "minItems": 1 }),
        Kind::Paths => json!({ "type": "array", "minItems": 2, "items": { "type": "string" } }),
        Kind::Matrix => json!({
            "type": "array",
            "items": {
                "type": "array",
                "items": { "type": "number", "minimum": -1, "maximum": 1 },
            },
        }),
    }
}

/// A plain number, within `range` if there is one.
fn number_schema(range: Option<ValueRange>) -> Value {
    let mut schema = json!({ "type": "number" });
    match range {
        None => {}
        Some(ValueRange::Positive) => schema["exclusiveMinimum"] = json!(0),
        Some(range) => {
            let (lo, hi) = range.bounds();
            schema["minimum"] = json!(lo);
            if hi.is_finite() {
                schema["maximum"] = json!(hi);
            }
        }
    }
    schema
}

/// A number within `range`, or a distribution (whose draws are clamped to it).
fn uncertain_schema(range: ValueRange) -> Value {
    json!({
        "anyOf": [number_schema(Some(range)), { "$ref": "#/$defs/distribution" }],
    })
}

/// A `{ dist = ..., ... }` table (SPEC section 3).
fn distribution_schema() -> Value {
    let branches: Vec<Value> = DISTRIBUTIONS
        .iter()
        .map(|(name, keys, note)| {
            let mut properties = Map::new();
            properties.insert("dist".into(), json!({ "type": "string", "const": name }));
            for key in keys.iter() {
                properties.insert(key.to_string(), json!({ "type": "number" }));
            }
            let mut required = vec!["dist"];
            required.extend(keys.iter());
            json!({
                "type": "object",
                "description": note,
                "properties": properties,
                "additionalProperties": false,
                "required": required,
            })
        })
        .collect();
    json!({
        "description": "A distribution (SPEC section 3), drawn once per iteration.",
        "oneOf": branches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::{EXAMPLE, STARTER};

    fn validator() -> jsonschema::Validator {
        let schema: Value = serde_json::from_str(&json_schema()).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    }

    fn as_json(text: &str) -> Value {
        let value: toml::Value = toml::from_str(text).expect("TOML");
        serde_json::to_value(value).expect("JSON")
    }

    /// Keys that apply under a condition are refused elsewhere, as the parser does.
    #[test]
    fn conditional_keys_follow_the_deciding_key() {
        let validator = validator();
        assert!(validator.is_valid(&as_json(STARTER)));
        assert!(validator.is_valid(&as_json(EXAMPLE)));
        let bass_with_monthly =
            STARTER.replacen("p = 0.01, q = 0.3,", "p = 0.01, q = 0.3, monthly = 0.1,", 1);
        assert_ne!(bass_with_monthly, STARTER);
        assert!(!validator.is_valid(&as_json(&bass_with_monthly)));
        let activity_with_contract = STARTER.replacen(
            "payment = \"activity\"                      # income",
            "payment = \"activity\"\ncontract_value = 1 # income",
            1,
        );
        assert_ne!(activity_with_contract, STARTER);
        assert!(!validator.is_valid(&as_json(&activity_with_contract)));
    }

    /// A fixed value out of its key's range is refused; a distribution is not (its
    /// draws are clamped, with a warning from `validate`).
    #[test]
    fn ranges_are_stated() {
        let validator = validator();
        let text = STARTER.replacen("return_rate = 0.01", "return_rate = 1.5", 1);
        assert_ne!(text, STARTER);
        assert!(!validator.is_valid(&as_json(&text)));
        let text = STARTER.replacen(
            "return_rate = 0.01",
            "return_rate = { dist = \"normal\", mean = 0.5, sd = 1 }",
            1,
        );
        assert!(validator.is_valid(&as_json(&text)));
    }
}
