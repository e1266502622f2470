//! The scenario language: TOML text -> validated [`Scenario`] (SPEC sections 2 and 3).
//!
//! `params` declares every key of the file once (type, range, default, (U), unit,
//! meaning); `reader` turns TOML values into typed, range-checked values with
//! positions; `parse` walks the file's tables; `checks` makes the whole-file checks;
//! `plausibility` warns of values far outside what the domain makes plausible;
//! `problem` holds what is found; `write` turns a scenario back into TOML
//! ([`Scenario::to_toml`]) through the serde shape of `file`; `schema` is the JSON
//! Schema for editors. [`parse_scenario`] is pure: reading a file is the caller's.

mod checks;
mod correlations;
pub mod draws;
pub mod file;
pub mod params;
mod parse;
pub mod paths;
mod plausibility;
mod problem;
mod reader;
mod types;
pub mod variants;
mod write;

pub use correlations::{Correlation, MatrixFault, matrix_faults};
pub use parse::{Validated, parse_scenario};
pub use problem::nearest;
pub use problem::{Problem, Severity, line_column};
pub use reader::parse_year_month;
pub use types::*;
pub mod load;
pub mod schema;

#[cfg(test)]
mod tests;
