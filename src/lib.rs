//! phbsim: a Monte Carlo simulator of what personal health budgets do to the
//! providers and commissioners of mental-health services.
//!
//! Dependencies point one way: `cli` -> `scenario` (file -> validated types) ->
//! `engine` (pure simulation) -> `run` (iterations in parallel) -> `stats` -> `output`.
//! The core does no I/O and no printing; scenario files are read in
//! `scenario::load`, outputs written in `output::directory`, and only `cli` prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod compare;
pub mod distribution;
pub mod engine;
pub mod estimate;
pub mod output;
pub mod partial;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
