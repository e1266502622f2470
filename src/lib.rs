//! phbsim: a Monte Carlo simulator of what personal health budgets do to the
//! providers and commissioners of mental-health services.
//!
//! The modules form layers, and dependencies point one way, down ([`layers::LAYERS`]
//! lists them and a test keeps it true):
//!
//! - foundations: `rng` (random streams), `hash`, `format` (numbers for people),
//!   `distribution`, `stats`;
//! - the model: `scenario` (file -> validated types), `engine` (one iteration, pure),
//!   `compare` (which metrics a variant is compared on);
//! - running it: `run` (the one run path: every iteration in parallel, accumulated
//!   over blocks, then summarised), then `shard` (part files and merging),
//!   `sensitivity` (tornado and stress searches), `estimate` (a run's cost) and
//!   `calibrate` (fitting cohorts' uptake to observed counts);
//! - what a run leaves: `manifest`, `report` (HTML), `output` (the files of each
//!   command, written atomically, and the terminal tables);
//! - answering what-ifs live: `serve` (`phbsim serve`'s server and page);
//! - the edge: `cli`, the only module that prints.
//!
//! The core does no I/O and no printing; scenario files are read in
//! `scenario::load`, outputs written in `output::directory`, and only `cli` prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod distribution;
pub mod engine;
pub mod estimate;
pub mod format;
pub mod hash;
pub mod layers;
pub mod manifest;
pub mod output;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod shard;
pub mod stats;
