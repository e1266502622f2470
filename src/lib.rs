//! phbsim: a Monte Carlo simulator of what personal health budgets do to the
//! providers and commissioners of mental-health services.
//!
//! Dependencies point one way: `cli` -> `scenario` (file -> validated types) ->
//! `engine` (pure simulation) -> `stats` -> `output`. The core does no I/O and no
//! printing; files are read in `scenario::load` and written in `output`.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod distribution;
pub mod engine;
pub mod rng;
pub mod scenario;
