//! Part files on disk, for `run --shard` (is a parts directory another scenario's?) and
//! `merge` (which parts make the run?): where they are, and their headers.

use std::fs;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use crate::shard::part_file::{PartError, PartHeader, read_header};

/// Every `*.phbpart` file directly inside `dir`, sorted by path.
pub(super) fn parts_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut parts: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "phbpart") && p.is_file())
        .collect();
    parts.sort();
    Ok(parts)
}

/// The header of the part file at `path`, without reading its cells.
pub(super) fn header_of(path: &Path) -> Result<PartHeader, PartError> {
    fs::File::open(path)
        .map_err(PartError::from)
        .and_then(|f| read_header(BufReader::new(f)))
}
