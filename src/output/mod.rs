//! Everything a command leaves behind: the bytes of its files ([`files`]: CSV tables,
//! manifest, report, [`workbook`]), the directory they go in, written all at once ([`directory`]),
//! the text of the tables it prints ([`terminal`], [`sensitivity`], [`stress`]) and
//! of the scenario problems it reports ([`problems`]).

pub mod calibration;
pub mod directory;
pub mod files;
pub mod problems;
pub mod sensitivity;
pub mod stress;
pub mod tables;
pub mod terminal;
pub mod workbook;
