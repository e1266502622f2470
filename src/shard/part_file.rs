//! The partial-result file a shard writes (`part-KKKK-of-NNNN.phbpart`) and `phbsim
//! merge` reads.
//!
//! Layout (format 2): the line `PHBSIM-PART 2`, the header's length (u64) and the
//! header as JSON ([`PartHeader`]: what was run, so a merge can check the parts belong
//! together and rebuild the outputs without the scenario file), then the length (u64)
//! of the cell section and the section, the cells in binary compressed with raw
//! DEFLATE (`flate2`, pure Rust), then the SHA-256 of the line, the header and the
//! cells before compression, so a truncated or damaged file is refused rather than
//! merged. Numbers are little-endian; a cell's kept values are grouped by byte
//! position before compression (`shuffled`); histogram counts are LEB128 varints
//! (most are small). Compression at [`COMPRESSION_LEVEL`] cuts the example's part at 256
//! iterations to about half (figures in docs/cluster.md); the header stays
//! uncompressed so a merge checks every header cheaply. Format 1 (uncompressed cells)
//! is refused with [`PartError::OtherFormat`].
//!
//! Reading and writing are generic over `Read` / `Write`: the simulation core never
//! touches the disk.

use std::io::{self, BufReader, BufWriter, Read, Write};

use flate2::Compression;
use flate2::bufread::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::run::{Accumulated, Cells, Shape, iterations_of};
use crate::stats::histogram::HistogramParts;
use crate::stats::{Histogram, MomentChain, Moments, StreamingSummary};

/// The first line of a part: the format and its version.
const MAGIC: &[u8] = b"PHBSIM-PART 2\n";
/// What every version's first line starts with.
const MAGIC_PREFIX: &[u8] = b"PHBSIM-PART ";
/// DEFLATE level of the cell section: the fastest, as the kept values (doubles with
/// noisy low bytes) barely compress further at higher levels: level 6 makes a block
/// of the example 4% smaller than level 1 (docs/cluster.md).
pub const COMPRESSION_LEVEL: u32 = 1;
/// Buffer between the cells and the compressor, each way.
const BUFFER_BYTES: usize = 1 << 16;
/// Headers are small (the scenario text is the bulk); anything larger is damage.
const MAX_HEADER_BYTES: u64 = 1 << 30;

/// The version written into parts and required of them by a merge: the version
/// number and the build (git commit, see `build.rs`), since two builds with one version
/// number may compute different numbers.
pub fn part_version() -> String {
    format!(
        "{} (build {})",
        env!("CARGO_PKG_VERSION"),
        env!("PHBSIM_BUILD")
    )
}

/// What a partial result belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartHeader {
    /// [`part_version`] of the phbsim that wrote it.
    pub phbsim_version: String,
    /// The scenario file as given, its SHA-256 and its text.
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub scenario_text: String,
    pub seed: u64,
    pub iterations: u64,
    pub iterations_overridden: bool,
    pub seed_overridden: bool,
    pub shard_index: u64,
    pub shard_count: u64,
    pub first_block: u64,
    pub end_block: u64,
    pub block_iterations: u64,
    pub exact_percentiles: bool,
    /// SHA-256 of the output cells' names and order (see [`crate::run::RunLayout::sha256`]).
    pub layout_sha256: String,
    pub threads: usize,
    /// RFC 3339, UTC, and the seconds the shard took.
    pub started: String,
    pub finished: String,
    pub elapsed_seconds: f64,
}

/// A partial-result file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a phbsim part file (it does not start with `PHBSIM-PART 2`)")]
    NotAPart,
    /// A part in another version of the format (`PHBSIM-PART 1`: uncompressed cells).
    #[error(
        "a part file of format {0}, but this phbsim reads format 2 (compressed cells); rerun the shard with this phbsim"
    )]
    OtherFormat(String),
    #[error("damaged or truncated: {0}")]
    Damaged(String),
}

fn damaged(what: impl Into<String>) -> PartError {
    PartError::Damaged(what.into())
}

/// Reads end-of-file inside the file as damage (a truncated file), and so a
/// compressed section that cannot be inflated, not as I/O failure.
fn eof_is_damage(error: io::Error) -> PartError {
    match error.kind() {
        io::ErrorKind::UnexpectedEof => damaged("the file ends early"),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            damaged(format!("its compressed cells cannot be read ({error})"))
        }
        _ => PartError::Io(error),
    }
}

/// A writer that hashes what it writes.
struct Sink<W> {
    inner: W,
    hasher: Sha256,
}

/// A reader that hashes what it reads.
struct Source<R> {
    inner: R,
    hasher: Sha256,
}

impl<W: Write> Sink<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.inner.write_all(bytes)
    }
    fn u8(&mut self, v: u8) -> io::Result<()> {
        self.put(&[v])
    }
    fn u64(&mut self, v: u64) -> io::Result<()> {
        self.put(&v.to_le_bytes())
    }
    fn f64(&mut self, v: f64) -> io::Result<()> {
        self.put(&v.to_le_bytes())
    }
    fn varint(&mut self, mut v: u64) -> io::Result<()> {
        let mut bytes = [0u8; 10];
        let mut n = 0;
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            bytes[n] = low | if v > 0 { 0x80 } else { 0 };
            n += 1;
            if v == 0 {
                break;
            }
        }
        self.put(&bytes[..n])
    }
}

impl<R: Read> Source<R> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], PartError> {
        let mut bytes = [0u8; N];
        self.inner.read_exact(&mut bytes).map_err(eof_is_damage)?;
        self.hasher.update(bytes);
        Ok(bytes)
    }
    fn u8(&mut self) -> Result<u8, PartError> {
        Ok(self.take::<1>()?[0])
    }
    fn fill(&mut self, bytes: &mut [u8]) -> Result<(), PartError> {
        self.inner.read_exact(bytes).map_err(eof_is_damage)?;
        self.hasher.update(&*bytes);
        Ok(())
    }
    fn u64(&mut self) -> Result<u64, PartError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn f64(&mut self) -> Result<f64, PartError> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    fn varint(&mut self) -> Result<u64, PartError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(damaged("a number is too long"))
    }
    /// A length, refused above `limit` (so damage cannot ask for huge allocations).
    fn length(&mut self, limit: u64, what: &str) -> Result<usize, PartError> {
        let n = self.u64()?;
        if n > limit {
            return Err(damaged(format!("{what}: {n} is more than {limit}")));
        }
        Ok(n as usize)
    }
}

/// Writes `partial` with `header` to `out`.
pub fn write_part(out: impl Write, header: &PartHeader, partial: &Accumulated) -> io::Result<()> {
    let mut w = Sink {
        inner: out,
        hasher: Sha256::new(),
    };
    w.put(MAGIC)?;
    let json = serde_json::to_vec(header).expect("a header always serialises");
    w.u64(json.len() as u64)?;
    w.put(&json)?;
    // The cells, compressed in memory (a part is written whole, then renamed into
    // place) and hashed before compression. The buffer spares the compressor a call
    // per number.
    let encoder = DeflateEncoder::new(Vec::new(), Compression::new(COMPRESSION_LEVEL));
    let mut cells = Sink {
        inner: BufWriter::with_capacity(BUFFER_BYTES, encoder),
        hasher: std::mem::take(&mut w.hasher),
    };
    write_body(&mut cells, partial)?;
    let compressed = cells
        .inner
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .finish()?;
    w.inner
        .write_all(&(compressed.len() as u64).to_le_bytes())?;
    w.inner.write_all(&compressed)?;
    let digest = cells.hasher.finalize();
    w.inner.write_all(&digest)?;
    w.inner.flush()
}

/// The cells of `partial`, uncompressed.
fn write_body<W: Write>(w: &mut Sink<W>, partial: &Accumulated) -> io::Result<()> {
    w.u64(partial.runs.len() as u64)?;
    for run in &partial.runs {
        write_cells(w, &run.monthly)?;
        write_cells(w, &run.summary)?;
    }
    w.u64(partial.comparisons.len() as u64)?;
    for comparison in &partial.comparisons {
        write_cells(w, &comparison.difference)?;
        w.u64(comparison.worse.len() as u64)?;
        for &(worse, defined) in &comparison.worse {
            w.u64(worse)?;
            w.u64(defined)?;
        }
    }
    Ok(())
}

fn write_cells<W: Write>(w: &mut Sink<W>, cells: &Cells) -> io::Result<()> {
    match cells {
        Cells::Exact(cells) => {
            w.u8(0)?;
            w.u64(cells.len() as u64)?;
            for values in cells {
                w.u64(values.len() as u64)?;
                w.put(&shuffled(values))?;
            }
        }
        Cells::Streaming(cells) => {
            w.u8(1)?;
            w.u64(cells.len() as u64)?;
            for cell in cells {
                let (histogram, moments) = cell.parts();
                write_histogram(w, &histogram.to_parts())?;
                write_chain(w, moments)?;
            }
        }
    }
    Ok(())
}

fn write_histogram<W: Write>(w: &mut Sink<W>, h: &HistogramParts) -> io::Result<()> {
    w.u64(h.count)?;
    w.u64(h.negative_infinities)?;
    w.u64(h.positive_infinities)?;
    w.f64(h.low)?;
    w.f64(h.high)?;
    w.u8(u8::from(h.all_integers))?;
    w.u64(h.exponent as i64 as u64)?;
    w.u64(h.origin as u64)?;
    w.u64(h.counts.len() as u64)?;
    for &c in &h.counts {
        w.varint(u64::from(c))?;
    }
    Ok(())
}

fn write_chain<W: Write>(w: &mut Sink<W>, chain: &MomentChain) -> io::Result<()> {
    let moments = |w: &mut Sink<W>, m: &Moments| -> io::Result<()> {
        w.u64(m.count)?;
        w.f64(m.sum)?;
        w.f64(m.squared_deviations)
    };
    match chain {
        MomentChain::Folded(total) => {
            w.u8(0)?;
            moments(w, total)
        }
        MomentChain::Listed(blocks) => {
            w.u8(1)?;
            w.u64(blocks.len() as u64)?;
            blocks.iter().try_for_each(|m| moments(w, m))
        }
    }
}

/// A cell's values as little-endian bytes, regrouped by byte position: all the
/// values' first bytes, then all their second bytes, ... (the "shuffle" of HDF5 and
/// Blosc). The sign, exponent and high mantissa bytes of values of one cell are much
/// alike, and whole numbers end in zero bytes, so grouped they compress several times
/// better than interleaved.
fn shuffled(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut planes = vec![0u8; 8 * n];
    for (i, v) in values.iter().enumerate() {
        for (plane, byte) in v.to_le_bytes().into_iter().enumerate() {
            planes[plane * n + i] = byte;
        }
    }
    planes
}

/// Appends the values of [`shuffled`] `planes` onto `values`.
fn unshuffle_onto(planes: &[u8], values: &mut Vec<f64>) {
    let n = planes.len() / 8;
    values.reserve(n);
    values.extend(
        (0..n).map(|i| f64::from_le_bytes(std::array::from_fn(|plane| planes[plane * n + i]))),
    );
}

/// Reads only the header (cheap: merges check every header before reading any cells).
pub fn read_header(input: impl Read) -> Result<PartHeader, PartError> {
    let mut r = Source {
        inner: input,
        hasher: Sha256::new(),
    };
    read_header_from(&mut r)
}

fn read_header_from<R: Read>(r: &mut Source<R>) -> Result<PartHeader, PartError> {
    let mut magic = [0u8; MAGIC.len()];
    match r.inner.read_exact(&mut magic) {
        Ok(()) if magic == MAGIC => r.hasher.update(magic),
        Ok(()) if magic.starts_with(MAGIC_PREFIX) => {
            let version = String::from_utf8_lossy(&magic[MAGIC_PREFIX.len()..]);
            return Err(PartError::OtherFormat(version.trim().to_string()));
        }
        Ok(()) => return Err(PartError::NotAPart),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(PartError::NotAPart),
        Err(e) => return Err(e.into()),
    }
    let length = r.length(MAX_HEADER_BYTES, "header length")?;
    let mut json = vec![0u8; length];
    r.inner.read_exact(&mut json).map_err(eof_is_damage)?;
    r.hasher.update(&json);
    serde_json::from_slice(&json).map_err(|e| damaged(format!("header: {e}")))
}

/// Reads a whole part file: its header and its partial result, checking the checksum.
/// `shape` gives, from the header, the expected (monthly, summary) cell counts per
/// scenario and the paired metrics per variant, so nothing is taken on trust.
pub fn read_part(
    input: impl Read,
    shape: &dyn Fn(&PartHeader) -> Result<Shape, PartError>,
) -> Result<(PartHeader, Accumulated), PartError> {
    let mut r = Source {
        inner: input,
        hasher: Sha256::new(),
    };
    let header = read_header_from(&mut r)?;
    let shape = shape(&header)?;
    let blocks = header.first_block..header.end_block;
    let capacity = iterations_of(&blocks, header.iterations);
    let mut partial = Accumulated::empty(
        header.iterations,
        header.first_block,
        header.exact_percentiles,
        &shape,
        capacity.end - capacity.start,
    );
    read_body(&mut r, &header, &shape, &mut partial)?;
    Ok((header, partial))
}

/// Reads a part file and appends it, cell by cell as it is read, onto `onto`, whose
/// blocks it must follow: a merge so holds one run's state, not that and a part's. On
/// an error `onto` is left part-way and must be dropped.
pub fn read_part_onto(
    input: impl Read,
    shape: &dyn Fn(&PartHeader) -> Result<Shape, PartError>,
    onto: &mut Accumulated,
) -> Result<PartHeader, PartError> {
    let mut r = Source {
        inner: input,
        hasher: Sha256::new(),
    };
    let header = read_header_from(&mut r)?;
    let shape = shape(&header)?;
    let follows = header.first_block == onto.blocks.end
        && header.iterations == onto.iterations
        && header.exact_percentiles == onto.exact;
    if !follows {
        return Err(damaged("its blocks do not follow the parts before it"));
    }
    read_body(&mut r, &header, &shape, onto)?;
    Ok(header)
}

/// The compressed cells after the header, inflated and appended onto `onto`, then
/// the checksum.
fn read_body<R: Read>(
    r: &mut Source<R>,
    header: &PartHeader,
    shape: &Shape,
    onto: &mut Accumulated,
) -> Result<(), PartError> {
    // The section's length is not hashed: a damaged one cuts the stream short or long.
    let mut length = [0u8; 8];
    r.inner.read_exact(&mut length).map_err(eof_is_damage)?;
    let compressed = u64::from_le_bytes(length);
    let section = BufReader::new(r.inner.by_ref().take(compressed));
    let mut cells = Source {
        inner: BufReader::with_capacity(BUFFER_BYTES, DeflateDecoder::new(section)),
        hasher: std::mem::take(&mut r.hasher),
    };
    read_cells(&mut cells, header, shape, onto)?;
    // The compressed stream must end with the cells, and the section with the stream.
    if cells.inner.read(&mut [0u8; 1]).map_err(eof_is_damage)? != 0 {
        return Err(damaged("there are more cells than the scenario has"));
    }
    if cells.inner.into_inner().into_inner().read(&mut [0u8; 1])? != 0 {
        return Err(damaged("there are bytes after the compressed cells"));
    }
    let digest = cells.hasher.finalize();
    let mut stored = [0u8; 32];
    r.inner.read_exact(&mut stored).map_err(eof_is_damage)?;
    if stored[..] != digest[..] {
        return Err(damaged("its checksum does not match its contents"));
    }
    if r.inner.read(&mut [0u8; 1])? != 0 {
        return Err(damaged("there are bytes after the checksum"));
    }
    onto.blocks.end = header.end_block;
    Ok(())
}

/// The cells, uncompressed, appended onto `onto`.
fn read_cells<R: Read>(
    r: &mut Source<R>,
    header: &PartHeader,
    shape: &Shape,
    onto: &mut Accumulated,
) -> Result<(), PartError> {
    let blocks = header.first_block..header.end_block;
    let values = iterations_of(&blocks, header.iterations);
    let mut reader = CellReader {
        r,
        exact: header.exact_percentiles,
        per_cell: values.end - values.start,
        starts_at_first_block: blocks.start == 0,
        blocks: blocks.end - blocks.start,
    };
    let shaped_like =
        onto.runs.len() == shape.runs.len() && onto.comparisons.len() == shape.comparisons.len();
    if !shaped_like || reader.r.u64()? != shape.runs.len() as u64 {
        return Err(damaged(
            "the number of scenarios does not match the scenario",
        ));
    }
    for (run, &(monthly, summary)) in onto.runs.iter_mut().zip(&shape.runs) {
        reader.append_cells(&mut run.monthly, monthly)?;
        reader.append_cells(&mut run.summary, summary)?;
    }
    if reader.r.u64()? != shape.comparisons.len() as u64 {
        return Err(damaged(
            "the number of variants does not match the scenario",
        ));
    }
    for (comparison, &metrics) in onto.comparisons.iter_mut().zip(&shape.comparisons) {
        reader.append_cells(&mut comparison.difference, metrics)?;
        if reader.r.u64()? != metrics as u64 || comparison.worse.len() != metrics {
            return Err(damaged("the paired metrics do not match the scenario"));
        }
        for worse in comparison.worse.iter_mut() {
            let (w, n) = (reader.r.u64()?, reader.r.u64()?);
            *worse = (worse.0 + w, worse.1 + n);
        }
    }
    Ok(())
}

struct CellReader<'a, R> {
    r: &'a mut Source<R>,
    exact: bool,
    per_cell: u64,
    starts_at_first_block: bool,
    blocks: u64,
}

impl<R: Read> CellReader<'_, R> {
    /// Reads `expected` cells and appends each onto the cell of `onto` in its place.
    fn append_cells(&mut self, onto: &mut Cells, expected: usize) -> Result<(), PartError> {
        let tag = self.r.u8()?;
        if tag != u8::from(!self.exact) {
            return Err(damaged("cells are not of the kind the header says"));
        }
        if self.r.u64()? != expected as u64 || onto.len() != expected {
            return Err(damaged("the number of cells does not match the scenario"));
        }
        match onto {
            Cells::Exact(cells) => {
                for values in cells.iter_mut() {
                    let n = self.r.length(self.per_cell, "values in a cell")?;
                    if n as u64 != self.per_cell {
                        return Err(damaged("a cell holds fewer values than its iterations"));
                    }
                    let mut planes = vec![0u8; 8 * n];
                    self.r.fill(&mut planes)?;
                    unshuffle_onto(&planes, values);
                }
            }
            Cells::Streaming(cells) => {
                for cell in cells.iter_mut() {
                    let histogram = self.histogram()?;
                    let chain = self.chain()?;
                    cell.append(StreamingSummary::from_parts(histogram, chain));
                }
            }
        }
        Ok(())
    }

    fn histogram(&mut self) -> Result<Histogram, PartError> {
        let r = &mut *self.r;
        let (count, negative_infinities, positive_infinities) = (r.u64()?, r.u64()?, r.u64()?);
        let (low, high) = (r.f64()?, r.f64()?);
        let all_integers = r.u8()? != 0;
        let exponent = i32::try_from(r.u64()? as i64).map_err(|_| damaged("bucket width"))?;
        let origin = r.u64()? as i64;
        let used = r.length(crate::stats::histogram::BUCKETS as u64, "histogram buckets")?;
        let mut counts = Vec::with_capacity(used);
        for _ in 0..used {
            counts.push(u32::try_from(r.varint()?).map_err(|_| damaged("a bucket count"))?);
        }
        if count > self.per_cell {
            return Err(damaged("a cell counts more values than its iterations"));
        }
        Histogram::from_parts(HistogramParts {
            count,
            negative_infinities,
            positive_infinities,
            low,
            high,
            all_integers,
            exponent,
            origin,
            counts,
        })
        .ok_or_else(|| damaged("a histogram is inconsistent"))
    }

    fn chain(&mut self) -> Result<MomentChain, PartError> {
        let tag = self.r.u8()?;
        match (tag, self.starts_at_first_block) {
            (0, true) => Ok(MomentChain::Folded(read_moments(self.r)?)),
            (1, false) => {
                let n = self.r.length(self.blocks, "blocks of moments")?;
                let mut blocks = Vec::with_capacity(n);
                for _ in 0..n {
                    blocks.push(read_moments(self.r)?);
                }
                Ok(MomentChain::Listed(blocks))
            }
            _ => Err(damaged("block moments are not of the kind the blocks need")),
        }
    }
}

fn read_moments<R: Read>(r: &mut Source<R>) -> Result<Moments, PartError> {
    Ok(Moments {
        count: r.u64()?,
        sum: r.f64()?,
        squared_deviations: r.f64()?,
    })
}
