//! Class-loading logs, streamed into per-family counts.
//!
//! Reads, mixed into any other output:
//!
//! - JDK 8 `-XX:+TraceClassLoading` / `-verbose:class`: `[Loaded X from Y]`
//!   (`Y` a jar URL, a path, `__JVM_DefineClass__`, ...), and
//!   `-XX:+TraceClassUnloading`: `[Unloading class X 0x...]` (older JDKs
//!   without the address);
//! - the `Classes loaded` / `Classes unloaded` event sections of an
//!   `hs_err` file (`Event: 0.733 Loading class X done`, `Event: 7.661
//!   Thread 0x... Unloading class 0x... 'X'`), pasted alone, or inside a
//!   whole `hs_err` file through [`HsErrEvents`], which the `applog`
//!   scanner feeds;
//! - JDK 9+ unified logging `-Xlog:class+load,class+unload` and
//!   `-verbose:class` with any decorators (read by [`super::ulog`]:
//!   `[2023-12-02T13:55:56.123+0800]`, `[12.345s]`, `[0,512s]`, `[12345ms]`,
//!   `[1701496556123ms]`, `[pid]`, `[tid]`, `[info]`, `[class,load]`):
//!   `X source: Y` and `unloading class X 0x...`.
//!
//! A log of millions of classes is reduced as it streams to one
//! [`FamilyStats`] per class-name shape ([`super::family`]), so memory grows
//! with the number of families, not of lines (and is capped). Each family
//! keeps a small histogram of its loads over the log's clock (uptime when the
//! log has it, else the byte offset), which tells a warm-up burst that
//! stopped from loads that go on.
//!
//! [`scan_file`] splits a large regular file across threads.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{family, ulog};
use crate::input::{self, LineSink};
use crate::provenance::Warnings;

/// Buckets of a load histogram.
pub const BUCKETS: usize = 64;
/// At most this many families are kept; classes of further shapes are
/// counted in [`ClassLog::overflow_loaded`].
pub const MAX_FAMILIES: usize = 200_000;
/// Files smaller than this are read by one thread.
const MIN_SPLIT: u64 = 8 << 20;
/// At most this many source strings are kept per family.
const MAX_SOURCES: usize = 4;

/// Loads over the log's clock: `BUCKETS` buckets of `width` clock units
/// from 0. The width doubles (pairs of buckets merge) when a load falls
/// past the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Histogram {
    pub width: u64,
    pub counts: Vec<u32>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            width: 1,
            counts: vec![0; BUCKETS],
        }
    }
}

impl Histogram {
    pub fn add(&mut self, clock: u64, n: u32) {
        // The width is a power of two: a shift, not a division, per load.
        let mut shift = self.width.trailing_zeros();
        while clock >> shift >= BUCKETS as u64 {
            self.double();
            shift += 1;
        }
        let i = (clock >> shift) as usize;
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    fn double(&mut self) {
        for i in 0..BUCKETS / 2 {
            self.counts[i] = self.counts[2 * i].saturating_add(self.counts[2 * i + 1]);
        }
        for c in &mut self.counts[BUCKETS / 2..] {
            *c = 0;
        }
        self.width = self.width.saturating_mul(2);
    }

    /// Adds another histogram (of any width) into this one.
    pub fn merge(&mut self, other: &Histogram) {
        while self.width < other.width {
            self.double();
        }
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add(i as u64 * other.width, c);
            }
        }
    }

    /// Loads whose bucket starts at or after `from` (clock units).
    pub fn count_from(&self, from: u64) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as u64 * self.width >= from)
            .map(|(_, &c)| u64::from(c))
            .sum()
    }
}

/// One family of classes: every class with the same shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FamilyStats {
    /// The shape (`ma.glasnost.orika.generated.Orika_X_Y_Mapper*$*`).
    pub shape: String,
    /// The first class of the family seen, as printed.
    pub sample: String,
    pub loaded: u64,
    pub unloaded: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub first_uptime_s: Option<f64>,
    pub last_uptime_s: Option<f64>,
    /// Where its classes came from (a jar's file name, `jrt:/java.base`,
    /// `__JVM_DefineClass__`, `shared objects file`, a host class), with
    /// counts; the most frequent first.
    pub sources: Vec<(String, u64)>,
    /// The highest number at the end of a class name of the family
    /// (`...Mapper123$3899` -> 3899): generators number their classes, so
    /// this is a floor on how many the generator made, even when the log
    /// holds only a few of them.
    pub max_seq: u64,
    /// Loads over the log's clock; absent for single-class families.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Histogram>,
}

/// What a class-loading log held.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassLog {
    /// Families, most loaded first.
    pub families: Vec<FamilyStats>,
    pub loaded: u64,
    pub unloaded: u64,
    /// Loads of classes whose family did not fit ([`MAX_FAMILIES`]).
    pub overflow_loaded: u64,
    /// `8` (`[Loaded ...]`) or `9+` (unified logging).
    pub jdk: Option<String>,
    /// `uptime-ms` when every load had an uptime stamp, else `byte-offset`.
    pub clock: String,
    /// The clock at the first and last load.
    pub clock_first: Option<u64>,
    pub clock_last: Option<u64>,
    /// The wall-clock stamp of the first class line, as printed (the last
    /// one's is not tracked: copying a stamp per line costs a tenth of the
    /// scan).
    pub first_time: Option<String>,
    pub first_uptime_s: Option<f64>,
    pub last_uptime_s: Option<f64>,
    pub lines: u64,
    pub bytes: u64,
}

/// A class line taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct ClassLine<'a> {
    pub unload: bool,
    pub name: &'a [u8],
    pub source: Option<&'a [u8]>,
    /// Milliseconds since JVM start, from an uptime decorator.
    pub uptime_ms: Option<u64>,
    /// A wall-clock decorator, as printed.
    pub time: Option<&'a [u8]>,
    pub jdk8: bool,
}

/// Parses one line; `None` when it is not a class load or unload line.
pub fn parse_line(line: &[u8]) -> Option<ClassLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // Nearly every line of a JDK 9+ log: no per-decorator work.
    if let Some(d) = ulog::read_common(line) {
        return unified(d.tags, d.message, Some(d.uptime_ms()), d.time_text);
    }
    parse_other(line)
}

/// [`parse_line`] with the class name's shape written into `shape`
/// ([`family::shape_into`]) and the length of the name before its first
/// `/` (what [`trailing_number`] reads), for the scan: a load line in the
/// common decorations has its name, shape and `/` found in one pass
/// ([`family::shape_name`]); any other line is parsed, then shaped.
fn parse_shaped<'a>(line: &'a [u8], shape: &mut Vec<u8>) -> Option<(ClassLine<'a>, usize)> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let cl = match ulog::read_common(line) {
        Some(d) if d.tags == b"class,load" => {
            let msg = d.message.trim_ascii_start();
            let named = family::shape_name(msg, shape);
            let name = &msg[..named.len];
            if name.is_empty() || name.ends_with(b":") {
                return None;
            }
            let cl = ClassLine {
                unload: false,
                name,
                source: load_source(&msg[named.len..]),
                uptime_ms: Some(d.uptime_ms()),
                time: d.time_text,
                jdk8: false,
            };
            return Some((cl, named.slash.unwrap_or(named.len)));
        }
        Some(d) => unified(d.tags, d.message, Some(d.uptime_ms()), d.time_text)?,
        None => parse_other(line)?,
    };
    family::shape_into(cl.name, shape);
    let numbered = memchr::memchr(b'/', cl.name).unwrap_or(cl.name.len());
    Some((cl, numbered))
}

/// A line [`ulog::read_common`] did not read (`\r` stripped).
fn parse_other(line: &[u8]) -> Option<ClassLine<'_>> {
    if let Some(rest) = line.strip_prefix(b"[Loaded ") {
        let end = rest.iter().position(|&b| b == b' ' || b == b']')?;
        let name = &rest[..end];
        let source = rest[end..]
            .strip_prefix(b" from ")
            .map(|s| s.strip_suffix(b"]").unwrap_or(s));
        return Some(ClassLine {
            unload: false,
            name,
            source,
            uptime_ms: None,
            time: None,
            jdk8: true,
        });
    }
    if let Some(rest) = line.strip_prefix(b"[Unloading class ") {
        let end = rest
            .iter()
            .position(|&b| b == b' ' || b == b']')
            .unwrap_or(rest.len());
        return Some(ClassLine {
            unload: true,
            name: &rest[..end],
            source: None,
            uptime_ms: None,
            time: None,
            jdk8: true,
        });
    }
    if line.first() != Some(&b'[') {
        return hs_err_event(line);
    }
    let d = ulog::read(line);
    unified(d.tags?, d.message, d.uptime_ms(), d.time_text)
}

/// A class event of an `hs_err` file's `Classes loaded` / `Classes
/// unloaded` sections, as pasted: `Event: 0.733 Loading class java/lang/X
/// done` (the load; the line without `done` only starts it) and `Event:
/// 7.661 Thread 0x... Unloading class 0x... 'java/lang/X'`. Names keep the
/// JVM's `/`.
fn hs_err_event(line: &[u8]) -> Option<ClassLine<'_>> {
    let rest = line.trim_ascii_start().strip_prefix(b"Event: ")?;
    let sp = memchr::memchr(b' ', rest)?;
    let uptime_ms = std::str::from_utf8(&rest[..sp])
        .ok()
        .and_then(crate::metrics::seconds_to_ms)
        .and_then(|ms| u64::try_from(ms).ok());
    let rest = &rest[sp..];
    // `Loading` in `Classes loaded`, `loading` in JDK 17's `Events`.
    if let Some(r) = rest
        .strip_prefix(b" Loading class ")
        .or_else(|| rest.strip_prefix(b" loading class "))
    {
        let name = r.strip_suffix(b" done")?;
        if name.is_empty() || memchr::memchr(b' ', name).is_some() {
            return None;
        }
        return Some(ClassLine {
            unload: false,
            name,
            source: None,
            uptime_ms,
            time: None,
            jdk8: false,
        });
    }
    let at = memchr::memmem::find(rest, b" Unloading class ")?;
    let r = &rest[at..];
    let open = memchr::memchr(b'\'', r)?;
    let name = &r[open + 1..];
    let name = &name[..memchr::memchr(b'\'', name)?];
    (!name.is_empty()).then_some(ClassLine {
        unload: true,
        name,
        source: None,
        uptime_ms,
        time: None,
        jdk8: false,
    })
}

/// The class line of a unified-logging line with these decorations.
fn unified<'a>(
    tag: &'a [u8],
    message: &'a [u8],
    uptime_ms: Option<u64>,
    time: Option<&'a [u8]>,
) -> Option<ClassLine<'a>> {
    let rest = tag.strip_prefix(b"class,")?;
    let msg = message.trim_ascii_start();
    if rest.starts_with(b"unload") {
        let r = msg.strip_prefix(b"unloading class ")?;
        let end = memchr::memchr(b' ', r).unwrap_or(r.len());
        return Some(ClassLine {
            unload: true,
            name: &r[..end],
            source: None,
            uptime_ms,
            time,
            jdk8: false,
        });
    }
    if rest != b"load" {
        // `class,load,cause` and other sub-tags repeat or explain a load.
        return None;
    }
    // Class names are long (40-120 bytes): a vectorised search pays here.
    let end = memchr::memchr(b' ', msg).unwrap_or(msg.len());
    let name = &msg[..end];
    if name.is_empty() || name.ends_with(b":") {
        // Debug detail lines (`klass: 0x...`) are not loads.
        return None;
    }
    Some(ClassLine {
        unload: false,
        name,
        source: load_source(&msg[end..]),
        uptime_ms,
        time,
        jdk8: false,
    })
}

/// The source of a load line, from what follows the class name.
fn load_source(after_name: &[u8]) -> Option<&[u8]> {
    // ` source: ` follows the name directly.
    after_name.strip_prefix(b" source: ").map(|s| {
        // Debug decorations follow the source on the same line (` klass:
        // 0x...`); a source of generated classes (`__JVM_DefineClass__`)
        // has no `:`.
        let cut = if s.len() > 8 && has_colon(s) {
            klass_finder().find(s).unwrap_or(s.len())
        } else {
            s.len()
        };
        &s[..cut]
    })
}

/// Whether `s` holds a `:`. A source is short (`__JVM_DefineClass__`, a
/// class name, a jar's URL): one of 16 to 32 bytes is tested as its first
/// and last sixteen, where a `memchr` call would cost more than the
/// search; others go to `memchr`.
#[inline]
fn has_colon(s: &[u8]) -> bool {
    match (s.first_chunk::<16>(), s.last_chunk::<16>()) {
        (Some(first), Some(last)) if s.len() <= 32 => {
            (input::byte_mask16(first, b':') | input::byte_mask16(last, b':')) != 0
        }
        _ => memchr::memchr(b':', s).is_some(),
    }
}

/// The searcher for the debug decorations after a source, built once.
fn klass_finder() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(b" klass: "))
}

/// The number a class name ends with (after any `$` or `/0x...` suffix is
/// dropped for hidden classes), or 0.
pub fn trailing_number(name: &[u8]) -> u64 {
    let name = match memchr::memchr(b'/', name) {
        Some(i) => &name[..i],
        None => name,
    };
    number_at_end(name)
}

/// The number `name` ends with, or 0 (none, or over 18 digits).
fn number_at_end(name: &[u8]) -> u64 {
    let digits = name.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 18 {
        return 0;
    }
    name[name.len() - digits..]
        .iter()
        .fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'))
}

/// The short form of a source: a jar's file name, else the source as is.
pub fn short_source(src: &[u8]) -> String {
    let s = String::from_utf8_lossy(src);
    let s = s.trim();
    if let Some(i) = s.find(".jar") {
        let upto = &s[..i + 4];
        let name = upto.rsplit(['/', '\\', ':']).next().unwrap_or(upto);
        return name.to_string();
    }
    if let Some(loader) = s.strip_prefix("instance of ") {
        return format!(
            "loader {}",
            loader.split_whitespace().next().unwrap_or(loader)
        );
    }
    s.to_string()
}

#[derive(Default)]
struct Fam {
    stats: FamilyStats,
    /// [`shape_key`] of the shape's bytes (the text in `stats` may have
    /// lost bytes that are not UTF-8).
    key: u64,
    /// Sources with their counts; while scanning, the counts are in
    /// [`Hot::src_count`] (see [`Agg::sync`]).
    sources: Vec<(Box<[u8]>, u64)>,
    /// The clock of the first load: single-class families (most ordinary
    /// classes) get no histogram. While scanning, in [`Hot::first_clock`].
    first_clock: u64,
}

/// What every class line of a family updates, apart from the rest of the
/// family: a line then reads one small record (measured: the scattered
/// fields of [`Fam`] cost a cache miss each, a third of the scan).
#[derive(Clone, Copy, Default)]
struct Hot {
    loaded: u64,
    unloaded: u64,
    last_line: u64,
    max_seq: u64,
    last_uptime_ms: Option<u64>,
    /// The hash of each source in [`Fam::sources`] (same order), and its
    /// loads: a source is told from the others by its 64-bit hash, so its
    /// text is not read again.
    src_hash: [u64; MAX_SOURCES],
    src_count: [u64; MAX_SOURCES],
    first_clock: u64,
    /// Loads not yet added to the histogram, all in the bucket of
    /// `pend_start .. pend_start + pend_span` (the bucket of the last load
    /// added; 0 wide before the histogram exists): a load in the same
    /// bucket as the one before (nearly all of them, as the clock only
    /// grows) counts here and does not touch the histogram. Widths only
    /// double, so the loads stay in one bucket whatever the histogram does.
    pend_start: u64,
    pend_span: u64,
    pend_n: u32,
}

/// Milliseconds of uptime in seconds.
fn uptime_s(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn source_hash(src: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(src);
    h.finish()
}

/// A family's key in [`Agg::map`]: the 64-bit hash of its shape. Keying by
/// the hash, not the text, spares each line a comparison that reads the
/// stored shape (a cache miss); two of at most [`MAX_FAMILIES`] shapes
/// share a hash with a chance below one in a billion.
fn shape_key(shape: &[u8]) -> u64 {
    source_hash(shape)
}

/// The running aggregate of a scan (one per thread).
struct Agg {
    /// Family index by [`shape_key`].
    map: FxHashMap<u64, usize>,
    fams: Vec<Fam>,
    hot: Vec<Hot>,
    /// The counts of `hot` were moved into `fams` (scanning is over).
    synced: bool,
    shape_buf: Vec<u8>,
    base_offset: u64,
    offset: u64,
    uptime_seen: u64,
    no_uptime_seen: u64,
    /// The uptime of the last class line with one; `log.last_uptime_s`
    /// once scanning is over.
    last_uptime_ms: Option<u64>,
    log: ClassLog,
    warnings: Warnings,
    source: String,
}

impl Agg {
    fn new(source: &str, base_offset: u64) -> Agg {
        Agg {
            map: FxHashMap::default(),
            fams: Vec::new(),
            hot: Vec::new(),
            synced: false,
            shape_buf: Vec::with_capacity(256),
            base_offset,
            offset: base_offset,
            uptime_seen: 0,
            no_uptime_seen: 0,
            last_uptime_ms: None,
            log: ClassLog::default(),
            warnings: Warnings::new(),
            source: source.to_string(),
        }
    }
}

/// The class events of an `hs_err` file's `Classes loaded` / `Classes
/// unloaded` sections, gathered from a scan of the whole file (the
/// `applog` scanner hands each anchored line to [`HsErrEvents::line`]),
/// judged as the same events pasted alone would be.
pub(crate) struct HsErrEvents(Agg);

impl HsErrEvents {
    pub(crate) fn new(source: &str) -> HsErrEvents {
        HsErrEvents(Agg::new(source, 0))
    }

    /// Takes line `no` when it is a class event (`true`), else leaves it.
    /// Every event has its uptime stamp, so the lines between them (not
    /// seen here) are not needed for the clock.
    pub(crate) fn line(&mut self, no: u64, line: &[u8]) -> bool {
        if hs_err_event(line).is_none() {
            return false;
        }
        self.0.line(no, line);
        true
    }

    /// The events as a class log, when there was one; `lines` and `bytes`
    /// are the whole file's.
    pub(crate) fn finish(self, lines: u64, bytes: u64) -> Option<(ClassLog, Warnings)> {
        let (log, w) = self.0.finish(lines, bytes);
        (log.loaded + log.unloaded > 0).then_some((log, w))
    }
}

impl LineSink for Agg {
    fn line(&mut self, no: u64, line: &[u8]) {
        // The byte offset of this line: the scanner yields every line.
        let here = self.offset;
        self.offset += line.len() as u64 + 1;
        let Some((cl, numbered)) = parse_shaped(line, &mut self.shape_buf) else {
            return;
        };
        if self.log.jdk.is_none() {
            self.log.jdk = Some(if cl.jdk8 { "8" } else { "9+" }.into());
        }
        let clock_ms = cl.uptime_ms;
        match clock_ms {
            Some(_) => self.uptime_seen += 1,
            None => self.no_uptime_seen += 1,
        }
        if self.log.first_time.is_none() {
            if let Some(t) = cl.time {
                self.log.first_time = Some(String::from_utf8_lossy(t).into_owned());
            }
        }
        if let Some(ms) = clock_ms {
            if self.log.first_uptime_s.is_none() {
                self.log.first_uptime_s = Some(uptime_s(ms));
            }
            // In seconds once, by `sync`.
            self.last_uptime_ms = Some(ms);
        }
        let key = shape_key(&self.shape_buf);
        let idx = match self.map.get(&key) {
            Some(&i) => i,
            None => {
                if self.fams.len() >= MAX_FAMILIES {
                    if !cl.unload {
                        self.log.overflow_loaded += 1;
                        self.log.loaded += 1;
                    }
                    return;
                }
                let i = self.fams.len();
                self.map.insert(key, i);
                self.fams.push(Fam {
                    stats: FamilyStats {
                        shape: String::from_utf8_lossy(&self.shape_buf).into_owned(),
                        sample: String::from_utf8_lossy(cl.name).into_owned(),
                        first_line: no,
                        first_uptime_s: clock_ms.map(uptime_s),
                        ..FamilyStats::default()
                    },
                    key,
                    sources: Vec::new(),
                    first_clock: 0,
                });
                self.hot.push(Hot::default());
                i
            }
        };
        let h = &mut self.hot[idx];
        h.last_line = no;
        h.max_seq = h.max_seq.max(number_at_end(&cl.name[..numbered]));
        if clock_ms.is_some() {
            h.last_uptime_ms = clock_ms;
        }
        if cl.unload {
            h.unloaded += 1;
            self.log.unloaded += 1;
            return;
        }
        h.loaded += 1;
        self.log.loaded += 1;
        // Uptime when the line has it, else the byte offset; `finish` says
        // which clock the log used.
        let clock = clock_ms.unwrap_or(here);
        if h.loaded == 1 {
            h.first_clock = clock;
        } else if clock.wrapping_sub(h.pend_start) < h.pend_span {
            h.pend_n = h.pend_n.saturating_add(1);
        } else {
            add_load(h, &mut self.fams[idx], clock);
        }
        if let Some(src) = cl.source {
            let sh = source_hash(src);
            match (0..MAX_SOURCES).find(|&k| h.src_count[k] == 0 || h.src_hash[k] == sh) {
                Some(k) if h.src_count[k] > 0 => h.src_count[k] += 1,
                Some(k) => {
                    h.src_hash[k] = sh;
                    h.src_count[k] = 1;
                    self.fams[idx].sources.push((src.into(), 0));
                }
                None => {}
            }
        }
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((&self.source, &mut self.warnings))
    }
}

/// Adds a load outside the pending bucket to the family's histogram (made
/// on its second load) with the pending loads, and makes the load's bucket
/// the pending one.
#[inline(never)]
fn add_load(h: &mut Hot, f: &mut Fam, clock: u64) {
    let first = h.first_clock;
    let hist = f.stats.histogram.get_or_insert_with(|| {
        let mut hist = Histogram::default();
        hist.add(first, 1);
        hist
    });
    if h.pend_n > 0 {
        hist.add(h.pend_start, h.pend_n);
    }
    hist.add(clock, 1);
    let shift = hist.width.trailing_zeros();
    h.pend_start = (clock >> shift) << shift;
    h.pend_span = hist.width;
    h.pend_n = 0;
}

impl Agg {
    /// Moves the per-line counts of `hot` into `fams`; once.
    fn sync(&mut self) {
        if self.synced {
            return;
        }
        self.synced = true;
        if let Some(ms) = self.last_uptime_ms {
            self.log.last_uptime_s = Some(uptime_s(ms));
        }
        for (f, h) in self.fams.iter_mut().zip(&self.hot) {
            f.stats.loaded = h.loaded;
            f.stats.unloaded = h.unloaded;
            f.stats.last_line = h.last_line;
            f.stats.max_seq = h.max_seq;
            f.first_clock = h.first_clock;
            if let (Some(hist), true) = (&mut f.stats.histogram, h.pend_n > 0) {
                hist.add(h.pend_start, h.pend_n);
            }
            if h.last_uptime_ms.is_some() {
                f.stats.last_uptime_s = h.last_uptime_ms.map(uptime_s);
            }
            for (k, s) in f.sources.iter_mut().enumerate() {
                s.1 = h.src_count[k];
            }
        }
    }

    fn finish(mut self, lines: u64, bytes: u64) -> (ClassLog, Warnings) {
        self.sync();
        let mixed = self.uptime_seen > 0 && self.no_uptime_seen > 0;
        self.log.clock = if self.uptime_seen > 0 && self.no_uptime_seen == 0 {
            "uptime-ms".into()
        } else {
            "byte-offset".into()
        };
        if mixed {
            self.warnings.push(
                &self.source,
                None,
                "some class lines have an uptime stamp and some do not: load trends use byte offsets and may mix two runs",
            );
        }
        for mut f in self.fams {
            let mut sources: Vec<(String, u64)> = Vec::new();
            for (s, n) in f.sources {
                let short = short_source(&s);
                match sources.iter_mut().find(|(x, _)| *x == short) {
                    Some(e) => e.1 += n,
                    None => sources.push((short, n)),
                }
            }
            sources.sort_by_key(|s| std::cmp::Reverse(s.1));
            f.stats.sources = sources;
            self.log.families.push(f.stats);
        }
        self.log
            .families
            .sort_by(|a, b| b.loaded.cmp(&a.loaded).then(a.shape.cmp(&b.shape)));
        if self.log.clock == "uptime-ms" {
            self.log.clock_first = self.log.first_uptime_s.map(|s| (s * 1000.0) as u64);
            self.log.clock_last = self.log.last_uptime_s.map(|s| (s * 1000.0) as u64);
        } else {
            self.log.clock_first = Some(self.base_offset);
            self.log.clock_last = Some(self.base_offset + bytes);
        }
        self.log.lines = lines;
        self.log.bytes = bytes;
        (self.log, self.warnings)
    }
}

/// Streams a class-loading log (or any output with class lines mixed in).
pub fn scan<R: Read>(source: &str, reader: R) -> io::Result<(ClassLog, Warnings)> {
    let mut a = Agg::new(source, 0);
    let counts = input::scan_lines(reader, None, &mut a)?;
    Ok(a.finish(counts.lines, counts.bytes))
}

/// Scans a regular file with one thread per core, each on its own part
/// (cut at line boundaries), and merges the parts. Falls back to [`scan`]
/// for small files. Gzip files must go through [`scan`].
pub fn scan_file(source: &str, path: &Path, threads: usize) -> io::Result<(ClassLog, Warnings)> {
    let len = std::fs::metadata(path)?.len();
    let threads = threads.max(1);
    if threads == 1 || len < MIN_SPLIT {
        return scan(source, File::open(path)?);
    }
    // Cut points at the start of a line after each even share.
    let mut cuts = vec![0u64];
    let mut f = File::open(path)?;
    for k in 1..threads as u64 {
        let at = len * k / threads as u64;
        f.seek(SeekFrom::Start(at))?;
        let mut buf = vec![0u8; 1 << 20];
        let n = f.read(&mut buf)?;
        let nl = memchr::memchr(b'\n', &buf[..n])
            .map(|i| at + i as u64 + 1)
            .unwrap_or(len);
        if nl > *cuts.last().unwrap_or(&0) && nl < len {
            cuts.push(nl);
        }
    }
    cuts.push(len);
    let parts: Vec<io::Result<(Agg, u64, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                s.spawn(move || -> io::Result<(Agg, u64, u64)> {
                    let mut f = File::open(path)?;
                    f.seek(SeekFrom::Start(a))?;
                    let mut agg = Agg::new(source, a);
                    let counts = input::scan_lines(f.take(b - a), None, &mut agg)?;
                    Ok((agg, counts.lines, counts.bytes))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("class log worker panicked")))
            })
            .collect()
    });
    let mut it = parts.into_iter();
    let (mut total, mut lines, mut bytes) = it
        .next()
        .unwrap_or_else(|| Ok((Agg::new(source, 0), 0, 0)))?;
    for part in it {
        let (agg, l, b) = part?;
        merge(&mut total, agg, lines);
        lines += l;
        bytes += b;
    }
    Ok(total.finish(lines, bytes))
}

/// Folds `b` (a later part of the file, whose line numbers start after
/// `lines_before`) into `a`.
fn merge(a: &mut Agg, mut b: Agg, lines_before: u64) {
    a.sync();
    b.sync();
    let Agg {
        fams,
        log,
        warnings,
        uptime_seen,
        no_uptime_seen,
        ..
    } = b;
    a.uptime_seen += uptime_seen;
    a.no_uptime_seen += no_uptime_seen;
    a.warnings.extend(warnings);
    a.log.loaded += log.loaded;
    a.log.unloaded += log.unloaded;
    a.log.overflow_loaded += log.overflow_loaded;
    if a.log.jdk.is_none() {
        a.log.jdk = log.jdk;
    }
    if a.log.first_time.is_none() {
        a.log.first_time = log.first_time;
    }
    if log.last_uptime_s.is_some() {
        if a.log.first_uptime_s.is_none() {
            a.log.first_uptime_s = log.first_uptime_s;
        }
        a.log.last_uptime_s = log.last_uptime_s;
    }
    for fb in fams {
        let key = fb.key;
        let idx = match a.map.get(&key) {
            Some(&i) => i,
            None => {
                if a.fams.len() >= MAX_FAMILIES {
                    a.log.overflow_loaded += fb.stats.loaded;
                    continue;
                }
                let i = a.fams.len();
                a.map.insert(key, i);
                let mut f = fb;
                f.stats.first_line += lines_before;
                f.stats.last_line += lines_before;
                a.fams.push(f);
                continue;
            }
        };
        let fa = &mut a.fams[idx];
        // Families with one load so far have no histogram yet.
        if fa.stats.loaded == 1 && fa.stats.histogram.is_none() && fb.stats.loaded > 0 {
            let mut h = Histogram::default();
            h.add(fa.first_clock, 1);
            fa.stats.histogram = Some(h);
        }
        // A family that only unloaded so far takes its first load's clock
        // from `b`.
        if fa.stats.loaded == 0 {
            fa.first_clock = fb.first_clock;
        }
        let fb_single =
            (fb.stats.loaded == 1 && fb.stats.histogram.is_none()).then_some(fb.first_clock);
        fa.stats.loaded += fb.stats.loaded;
        fa.stats.max_seq = fa.stats.max_seq.max(fb.stats.max_seq);
        fa.stats.unloaded += fb.stats.unloaded;
        fa.stats.last_line = fb.stats.last_line + lines_before;
        if fb.stats.last_uptime_s.is_some() {
            fa.stats.last_uptime_s = fb.stats.last_uptime_s;
        }
        if fa.stats.first_uptime_s.is_none() {
            fa.stats.first_uptime_s = fb.stats.first_uptime_s;
        }
        match (&mut fa.stats.histogram, fb.stats.histogram) {
            (Some(ha), Some(hb)) => ha.merge(&hb),
            (Some(ha), None) => {
                if let Some(c) = fb_single {
                    ha.add(c, 1);
                }
            }
            (slot @ None, Some(hb)) => *slot = Some(hb),
            (None, None) => {}
        }
        for (s, n) in fb.sources {
            if let Some(e) = fa.sources.iter_mut().find(|(x, _)| *x == s) {
                e.1 += n;
            } else if fa.sources.len() < MAX_SOURCES {
                fa.sources.push((s, n));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colon_is_found_wherever_it_is() {
        // Every length around the sixteen-byte tests, a `:` at every place
        // (or none), among bytes a compare could confuse with it.
        for len in 0..48 {
            for at in 0..=len {
                for fill in [b'a', b';', b'9', 0xba] {
                    let mut s = vec![fill; len];
                    if at < len {
                        s[at] = b':';
                    }
                    assert_eq!(has_colon(&s), at < len, "{len} {at} {fill}");
                }
            }
        }
    }

    #[test]
    fn jdk8_lines() {
        let l = parse_line(b"[Loaded ma.glasnost.orika.generated.Orika_A_B_Mapper1$2 from file:/x/orika-core-1.5.4.jar]").unwrap();
        assert_eq!(l.name, b"ma.glasnost.orika.generated.Orika_A_B_Mapper1$2");
        assert_eq!(l.source, Some(&b"file:/x/orika-core-1.5.4.jar"[..]));
        assert!(!l.unload && l.jdk8);
        let l = parse_line(
            b"[Unloading class sun.reflect.GeneratedMethodAccessor12 0x00000007c0060828]",
        )
        .unwrap();
        assert!(l.unload);
        assert_eq!(l.name, b"sun.reflect.GeneratedMethodAccessor12");
        let l = parse_line(b"[Unloading class Foo]").unwrap();
        assert_eq!(l.name, b"Foo");
        assert!(parse_line(b"[Loaded ").is_none());
        let l = parse_line(b"Event: 0.733 Loading class java/lang/Long$LongCache done").unwrap();
        assert_eq!(
            (l.name, l.unload, l.uptime_ms),
            (&b"java/lang/Long$LongCache"[..], false, Some(733))
        );
        assert!(parse_line(b"Event: 0.733 Loading class java/lang/Long$LongCache").is_none());
        let l = parse_line(b"  Event: 7.661 Thread 0x00007f282c2174f0 Unloading class 0x0000000801591000 'java/lang/invoke/LambdaForm$DMH+0x0000000801591000'").unwrap();
        assert!(l.unload);
        assert_eq!(
            l.name,
            b"java/lang/invoke/LambdaForm$DMH+0x0000000801591000"
        );
        assert!(parse_line(b"Event: x Unloading class 0x1 'unclosed").is_none());
    }

    #[test]
    fn unified_logging_lines() {
        let l = parse_line(b"[2023-12-02T13:55:56.123+0800][12.345s][info][class,load] java.lang.Object source: shared objects file").unwrap();
        assert_eq!(l.name, b"java.lang.Object");
        assert_eq!(l.uptime_ms, Some(12_345));
        assert_eq!(l.time, Some(&b"2023-12-02T13:55:56.123+0800"[..]));
        assert_eq!(l.source, Some(&b"shared objects file"[..]));
        let l =
            parse_line(b"[0.100s][info ][class,load ] Foo$$Lambda/0x0000000800c4b440 source: Foo")
                .unwrap();
        assert_eq!(l.name, b"Foo$$Lambda/0x0000000800c4b440");
        let l = parse_line(
            b"[5000ms][1701496556123ms][info][class,unload] unloading class X 0x0000000800c4b440",
        )
        .unwrap();
        assert!(l.unload);
        assert_eq!(l.uptime_ms, Some(5000));
        // A locale's decimal comma (the GC log reader always read it).
        let l = parse_line(b"[0,512s][info][class,load] java.lang.Object source: jrt:/java.base")
            .unwrap();
        assert_eq!(l.uptime_ms, Some(512));
        let l =
            parse_line(b"[node-1][4242][4243][info][class,load] Foo source: __JVM_DefineClass__")
                .unwrap();
        assert_eq!((l.name, l.uptime_ms), (&b"Foo"[..], None));
        assert!(parse_line(b"[0.1s][info][gc] GC(1) Pause Young").is_none());
        assert!(parse_line(b"[0.1s][debug][class,load] klass: 0x1 super: 0x2").is_none());
        assert!(parse_line(b"hello").is_none());
        assert!(parse_line(b"[").is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Class lines cut from the pieces of real ones: the scan's parser
        /// gives what `parse_line`, `shape_into` and `trailing_number`'s
        /// `/` give.
        #[test]
        fn the_scan_parses_and_shapes_as_the_parts_do(head in proptest::sample::select(vec![
            &b"[471.936s][info][class,load  ] "[..], b"[1.5s][info][class,load] ",
            b"[1.5s][info][class,unload] unloading class ", b"[1.5s][debug][class,load] ",
            b"[Loaded ", b"[0.1s][info][class,load]", b"",
        ]), parts in proptest::collection::vec(
            proptest::sample::select(vec![
                &b"com.acme.Foo"[..], b"$$Lambda$", b"11317", b"/0x00007f00f08e5d10", b"$ByteBuddy$",
                b"ab/c", b"$$EnhancerByCGLIB$$e9f71002", b" source: ", b"__JVM_DefineClass__",
                b" klass: 0x1", b"jrt:/java.base", b" ", b":", b"/", b"]", b"\r", b"0x1",
            ]),
            0..10,
        )) {
            let line = [head, &parts.concat()].concat();
            let mut shape = b"stale".to_vec();
            let got = parse_shaped(&line, &mut shape);
            let want = parse_line(&line);
            proptest::prop_assert_eq!(got.as_ref().map(|g| &g.0), want.as_ref());
            if let (Some((cl, numbered)), Some(w)) = (got, want) {
                let mut by_parts = Vec::new();
                family::shape_into(w.name, &mut by_parts);
                proptest::prop_assert_eq!(shape, by_parts);
                proptest::prop_assert_eq!(number_at_end(&cl.name[..numbered]), trailing_number(w.name));
            }
        }
    }

    fn log(text: &str) -> ClassLog {
        scan("t", text.as_bytes()).unwrap().0
    }

    #[test]
    fn families_and_counts() {
        let mut t = String::new();
        t.push_str("[0.010s][info][class,load] java.lang.Object source: shared objects file\n");
        for i in 0..100 {
            t.push_str(&format!(
                "[{}.000s][info][class,load] ma.glasnost.orika.generated.Orika_A_B_Mapper{}$$Foo{} source: file:/app/lib/orika-core-1.5.4.jar\n",
                i + 1,
                1000 + i,
                i
            ));
        }
        t.push_str("app output line\n");
        t.push_str("[200.000s][info][class,unload] unloading class ma.glasnost.orika.generated.Orika_A_B_Mapper1000$$Foo0 0x0000000800c4b440\n");
        let l = log(&t);
        assert_eq!(l.loaded, 101);
        assert_eq!(l.unloaded, 1);
        assert_eq!(l.jdk.as_deref(), Some("9+"));
        assert_eq!(l.clock, "uptime-ms");
        let f = &l.families[0];
        assert_eq!(
            f.shape,
            "ma.glasnost.orika.generated.Orika_A_B_Mapper*$$Foo*"
        );
        assert_eq!(f.loaded, 100);
        assert_eq!(f.unloaded, 1);
        assert_eq!(f.first_line, 2);
        assert_eq!(f.last_line, 103, "the unload line");
        assert_eq!(f.sources, vec![("orika-core-1.5.4.jar".to_string(), 100)]);
        assert_eq!(f.max_seq, 99);
        assert_eq!(
            trailing_number(b"Orika_A_B_Mapper62812963418674919$3899"),
            3899
        );
        assert_eq!(trailing_number(b"Foo$$Lambda$14/0x0000000800c03000"), 14);
        assert_eq!(trailing_number(b"Foo"), 0);
        let h = f.histogram.as_ref().unwrap();
        assert_eq!(h.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 100);
        assert!(h.count_from(50_000) >= 45 && h.count_from(50_000) <= 55);
        assert_eq!(l.lines, 103);
    }

    #[test]
    fn pending_loads_land_in_the_buckets_of_one_add_per_load() {
        // Two runs in one file (the clock goes back), bursts in one
        // millisecond and loads far apart: the histogram must be the one
        // built load by load.
        let mut clocks: Vec<u64> = Vec::new();
        for run in 0..2u64 {
            for i in 0..3000u64 {
                clocks.push(run * 7 + i * i / 50 + (i % 3));
            }
        }
        clocks.extend([0, 0, 1, 5_000_000, 4_999_999, 12]);
        let mut t = String::new();
        let mut want = Histogram::default();
        for (k, c) in clocks.iter().enumerate() {
            t.push_str(&format!(
                "[{}.{:03}s][info][class,load] com.x.Gen{k} source: a.jar\n",
                c / 1000,
                c % 1000
            ));
            want.add(*c, 1);
        }
        let l = log(&t);
        assert_eq!(l.families.len(), 1);
        assert_eq!(l.families[0].histogram.as_ref(), Some(&want));
    }

    #[test]
    fn histogram_doubles_and_merges() {
        let mut h = Histogram::default();
        for c in 0..1000u64 {
            h.add(c, 1);
        }
        assert!(h.width >= 16);
        assert_eq!(h.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 1000);
        let mut g = Histogram::default();
        g.add(5, 3);
        g.merge(&h);
        assert_eq!(g.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 1003);
        assert_eq!(g.width, h.width);
    }

    #[test]
    fn a_family_whose_first_event_is_an_unload_merges_into_the_same_buckets() {
        // Three parts of a file scanned in parallel: the family's only line
        // in the first is an unload, the second has one load, the third
        // more; every bucket must be the sequential scan's.
        let dir = std::env::temp_dir().join(format!("oomlens-cl3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("classes.log");
        let mut t = String::new();
        let filler = |t: &mut String, i: u64| {
            t.push_str(&format!(
                "[{}.{:03}s][info][class,load] com.x.Gen$$EnhancerByCGLIB$${:08x} source: __JVM_DefineClass__\n",
                i / 1000,
                i % 1000,
                i.wrapping_mul(2654435761) | 0x1000_0000
            ))
        };
        let mut i = 0u64;
        t.push_str("[0.001s][info][class,unload] unloading class com.y.Rare1 0x0000000800c4b440\n");
        while t.len() < (5 << 20) {
            filler(&mut t, i);
            i += 1;
        }
        t.push_str(&format!(
            "[{}.000s][info][class,load] com.y.Rare2 source: app.jar\n",
            i / 1000
        ));
        while t.len() < (10 << 20) {
            filler(&mut t, i);
            i += 1;
        }
        for k in 3..9 {
            t.push_str(&format!(
                "[{}.000s][info][class,load] com.y.Rare{k} source: app.jar\n",
                i / 1000
            ));
            filler(&mut t, i);
            i += 1;
        }
        std::fs::write(&p, &t).unwrap();
        let (a, _) = scan("t", std::fs::File::open(&p).unwrap()).unwrap();
        let (b, _) = scan_file("t", &p, 3).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let rare = |l: &ClassLog| {
            let f = l
                .families
                .iter()
                .find(|f| f.shape == "com.y.Rare*")
                .unwrap();
            (f.loaded, f.unloaded, format!("{:?}", f.histogram))
        };
        assert_eq!(rare(&a).0, 7);
        assert_eq!(rare(&a), rare(&b));
    }

    #[test]
    fn parallel_file_scan_equals_sequential() {
        let dir = std::env::temp_dir().join(format!("oomlens-cl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("classes.log");
        let mut t = String::new();
        let mut i = 0u64;
        while t.len() < (9 << 20) {
            t.push_str(&format!(
                "[{}.{:03}s][info][class,load] com.x.Gen$$EnhancerByCGLIB$${:08x} source: __JVM_DefineClass__\n",
                i / 1000,
                i % 1000,
                i.wrapping_mul(2654435761) | 0x1000_0000
            ));
            if i % 7 == 0 {
                t.push_str(&format!(
                    "[{}.{:03}s][info][class,load] com.x.Plain{} source: jrt:/java.base\n",
                    i / 1000,
                    i % 1000,
                    i % 50
                ));
            }
            i += 1;
        }
        std::fs::write(&p, &t).unwrap();
        let (a, _) = scan("t", std::fs::File::open(&p).unwrap()).unwrap();
        let (b, _) = scan_file("t", &p, 2).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(a.loaded, b.loaded);
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.families.len(), b.families.len());
        for (x, y) in a.families.iter().zip(&b.families) {
            assert_eq!(
                (&x.shape, x.loaded, x.first_line, x.last_line),
                (&y.shape, y.loaded, y.first_line, y.last_line)
            );
            // Bucket for bucket, not only in total.
            assert_eq!(format!("{:?}", x.histogram), format!("{:?}", y.histogram));
        }
    }
}
