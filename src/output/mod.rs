//! Everything a run writes: the CSV tables, the manifest, the directory they go in,
//! and the short table printed after a run.

pub mod directory;
pub mod sensitivity;
pub mod tables;
pub mod terminal;
