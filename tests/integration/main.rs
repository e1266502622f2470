//! The end-to-end tests, one binary (STYLE 12): each module drives the built `phbsim`
//! (or, for `properties`, the library) as a user would. One binary links once, not once
//! per file, and the modules share [`support`].
//!
//! `cargo test --test integration` runs them all; `cargo test --test integration
//! snapshots::` one module.

mod support;

mod calibrate_cli;
mod cli;
mod corpus;
mod draws_cli;
mod first_hour;
#[cfg(unix)]
mod interrupt;
mod model_docs;
mod outputs;
mod properties;
mod readme;
mod report;
mod sensitivity_cli;
mod serve;
mod shard_cli;
mod snapshots;
mod workbook;
