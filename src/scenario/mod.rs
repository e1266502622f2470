//! The scenario language: TOML text -> validated [`Scenario`] (SPEC sections 2 and 3).

mod types;

pub use types::*;
