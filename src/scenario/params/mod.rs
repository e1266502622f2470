//! The scenario file's keys, each declared once: its table, type, range, default,
//! whether it may be uncertain, unit and meaning.
//!
//! [`TABLES`] (in `table.rs`) is read by the parser (which keys a table has, their
//! ranges, defaults and the examples of "missing key" fixes), by `phbsim schema`
//! ([`crate::scenario::schema`]), by the parameter paths of variants and sweeps
//! ([`crate::scenario::paths`]) and by `docs/scenario-reference.md` (`reference.rs`).
//! Adding a parameter is one declaration here plus the code that uses its value.

mod reference;
mod table;

pub use reference::reference_markdown;
pub use table::TABLES;

use crate::scenario::types::ValueRange;

/// One table of the scenario file: the top level, `[scenario]`, `[[providers]]`, ...
#[derive(Debug)]
pub struct Table {
    /// Its name: the keys that lead to it, joined by dots (`providers.services`);
    /// `<form>` stands for each budget form; `""` is the top level.
    pub name: &'static str,
    /// How it is written in a file (or named, for an inline table), for the
    /// reference: `[[providers.services]]`, `cohorts.uptake`.
    pub written: &'static str,
    /// The key that names an entry of an array of tables in parameter paths
    /// (`cohorts.<id>.uses.<service>.per_month`); `None` for a plain table.
    pub named_by: Option<&'static str>,
    /// One line of meaning.
    pub meaning: &'static str,
    /// Its keys, in the order the parser reads them (which is the order of
    /// "valid keys here" in messages).
    pub params: &'static [Param],
}

/// One key of a table.
#[derive(Debug)]
pub struct Param {
    pub key: &'static str,
    pub kind: Kind,
    pub need: Need,
    /// The key applies only when another key of its table has this value, e.g.
    /// `contract_value` only when `payment = "block"`; elsewhere it is an error.
    pub only_when: Option<(&'static str, &'static str)>,
    /// Unit of a number (`£/year`, `units/month`, `share`); `""` when it has none.
    pub unit: &'static str,
    /// One line of meaning.
    pub meaning: &'static str,
}

/// What a key holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// The version of the scenario language; this phbsim reads only this one.
    Version(i128),
    /// Free text.
    Text,
    /// `true` or `false`.
    Bool,
    /// An id, `[a-z0-9][a-z0-9_-]*`.
    Id,
    /// A `"YYYY-MM"` month.
    Month,
    /// A whole number in `min..=max` (`i64::MAX` stands for "no upper bound").
    Integer { min: i128, max: i128 },
    /// A plain number (never a distribution), in a range or any finite number.
    Number(Option<ValueRange>),
    /// A `(U)` parameter: a number or a distribution drawn once per iteration,
    /// clamped to the range.
    Uncertain(ValueRange),
    /// A number or a distribution of values across people (each draws their own).
    Spread(ValueRange),
    /// One of a few words.
    Choice(&'static [&'static str]),
    /// A service, `"provider-id/service-id"`.
    Service,
    /// A table of `(U)` shares by service, `"provider-id/service-id" = share`.
    Shares(ValueRange),
    /// A sub-table, declared under this name in [`TABLES`].
    Table(&'static str),
    /// An array of tables, each declared under this name in [`TABLES`].
    Tables(&'static str),
    /// A parameter path, `providers.<id>.services.<id>.pass_through`.
    Path,
    /// Values by parameter path: any value the scenario accepts at that path.
    Settings,
    /// A non-empty array of values to give a path.
    Values,
    /// An array of parameter paths.
    Paths,
    /// A square matrix of numbers in [−1, 1], written as an array of rows.
    Matrix,
}

/// Whether a key must be given, and what holds when it is not.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Must be given (where it applies); `example` is the value the fix suggests.
    Required { example: &'static str },
    /// May be left out; this holds then.
    Default(Fallback),
    /// May be left out, and then nothing holds in its place.
    Optional,
}

/// The value of a key that is left out.
#[derive(Debug, Clone, Copy)]
pub enum Fallback {
    Integer(i128),
    Number(f64),
    /// A default that is not a number, in words.
    Said(&'static str),
}

impl Table {
    /// The declaration of `key` in this table.
    pub fn param(&self, key: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.key == key)
    }

    /// The keys of this table, in declaration order.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.params.iter().map(|p| p.key)
    }
}

impl Param {
    /// Whether the key takes a distribution: `(U)` in SPEC section 2.
    pub fn is_uncertain(&self) -> bool {
        matches!(self.kind, Kind::Uncertain(_) | Kind::Shares(_))
    }

    /// The range of a number, if the key holds numbers with one.
    pub fn range(&self) -> Option<ValueRange> {
        match self.kind {
            Kind::Number(range) => range,
            Kind::Uncertain(range) | Kind::Spread(range) | Kind::Shares(range) => Some(range),
            _ => None,
        }
    }

    /// The bounds of an integer key (a version is read as any integer, then compared).
    pub fn integer_bounds(&self) -> (i128, i128) {
        match self.kind {
            Kind::Integer { min, max } => (min, max),
            Kind::Version(_) => (0, i128::from(i64::MAX)),
            _ => panic!("`{}` is not declared as an integer", self.key),
        }
    }

    /// The example a "missing required key" fix suggests.
    pub fn example(&self) -> &'static str {
        match self.need {
            Need::Required { example } => example,
            _ => panic!("`{}` is not declared as required", self.key),
        }
    }

    /// Whether the key must be given wherever it applies.
    pub fn is_required(&self) -> bool {
        matches!(self.need, Need::Required { .. })
    }

    /// The numeric default of a key that has one.
    pub fn default_number(&self) -> Option<f64> {
        match self.need {
            Need::Default(Fallback::Number(v)) => Some(v),
            Need::Default(Fallback::Integer(v)) => Some(v as f64),
            _ => None,
        }
    }

    /// The default of a `true`/`false` key (declared as `said("true")` or
    /// `said("false")`).
    pub fn default_bool(&self) -> bool {
        match self.need {
            Need::Default(Fallback::Said("true")) => true,
            Need::Default(Fallback::Said("false")) => false,
            _ => panic!("`{}` has no true/false default", self.key),
        }
    }

    /// The integer default of a key that has one.
    pub fn default_integer(&self) -> i128 {
        match self.need {
            Need::Default(Fallback::Integer(v)) => v,
            _ => panic!("`{}` has no integer default", self.key),
        }
    }

    /// The choices of a [`Kind::Choice`] key.
    pub fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Choice(choices) => choices,
            _ => panic!("`{}` is not declared as a choice", self.key),
        }
    }
}

/// The table declared under `name` (`""` for the top level).
pub fn table(name: &str) -> &'static Table {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table `{name}` is declared"))
}

/// The table declared as `name`, if there is one.
pub fn declared_table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The key that names the entries of the array of tables `array_key` in paths, if
/// `array_key` is one.
pub fn entry_key(array_key: &str) -> Option<&'static str> {
    TABLES
        .iter()
        .flat_map(|t| t.params)
        .find_map(|p| match p.kind {
            Kind::Tables(name) if p.key == array_key => table(name).named_by,
            _ => None,
        })
}

/// Whether a path segment is an entry's place in a list, `#1`, `#2`, ...
fn is_position(segment: &str) -> bool {
    segment
        .strip_prefix('#')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The declaration a parameter path leads to, e.g.
/// `providers.trust.services.crisis.pass_through`, or `None` if no declared key lies
/// there. A path into a distribution or a share of [`Kind::Shares`] leads to its key.
pub fn lookup(path: &str) -> Option<&'static Param> {
    let mut current = table("");
    let mut segments = path.split('.');
    while let Some(segment) = segments.next() {
        let param = current.param(segment)?;
        match param.kind {
            Kind::Table(name) => current = table(name),
            Kind::Tables(name) => {
                current = table(name);
                // Skip the entry's name: an id, or a service reference (whose `/`
                // never holds a dot); or, in a list whose entries have no name
                // (`[[correlations]]`), its place `#1`, `#2`, ... as `paths::flatten`
                // writes it.
                let entry = segments.next()?;
                if current.named_by.is_none() && !is_position(entry) {
                    return None;
                }
            }
            _ => return Some(param),
        }
    }
    None
}

#[cfg(test)]
mod tests;
