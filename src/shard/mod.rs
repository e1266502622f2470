//! Sharded runs: one run's blocks of iterations computed on several machines and put
//! back together, byte-identical to the single run.
//!
//! - [`index`]: `--shard K/N` (K given, or read from a cluster's job-array variable)
//!   and the blocks shard K of N owns;
//! - [`part_file`]: the part file a shard writes (`part-KKKK-of-NNNN.phbpart`): what was
//!   run, then the accumulated cells ([`crate::run::Accumulated`]), then a checksum;
//! - [`merge`]: which part files make one whole run, checked before any cells are read.
//!
//! The accumulation itself, and why appending blocks is exact, is [`crate::run`]'s.

pub mod index;
pub mod merge;
pub mod part_file;

pub use index::{Shard, ShardError};

#[cfg(test)]
mod tests;
