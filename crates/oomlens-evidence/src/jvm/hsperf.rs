//! The HotSpot performance-counter file ("hsperfdata"): the memory-mapped
//! file at `/tmp/hsperfdata_<user>/<pid>` that `jstat`, `jps` and `jcmd
//! <pid> PerfCounter.print` read. A copy of it is a snapshot of the JVM's
//! own counters: heap spaces, Metaspace, classes, threads, GC counts.
//!
//! # Format (major version 2, JDK 1.5 to 21+)
//!
//! From HotSpot's `perfMemory.hpp` (`PerfDataPrologue`, `PerfDataEntry`)
//! and the JDK's reader, `sun.jvmstat.perfdata.monitor.v2_0.PerfDataBuffer`.
//! All offsets are in bytes; `jint` is 4 bytes, `jlong` 8.
//!
//! ```text
//! prologue (32 bytes)
//!   0  magic           u32  CA FE C0 C0 in this byte order on every platform
//!   4  byte_order      u8   0 = big endian, 1 = little endian: the order of
//!                           every multi-byte field after the magic
//!   5  major_version   u8   2
//!   6  minor_version   u8   0
//!   7  accessible      u8   0 until the JVM has finished creating it
//!   8  used            i32  bytes of the region in use (prologue included)
//!  12  overflow        i32  bytes of counters that did not fit
//!  16  mod_time_stamp  i64  ticks of the last structural change
//!  24  entry_offset    i32  where the first entry starts (32)
//!  28  num_entries     i32  how many entries were allocated
//!
//! entry (from entry_offset; the next one starts entry_length further)
//!   0  entry_length      i32  the whole entry, padding included
//!   4  name_offset       i32  from the entry's start: a NUL-terminated name
//!   8  vector_length     i32  0 for a scalar, else the element count
//!  12  data_type         u8   a Java type char: 'J' long, 'B' byte, ...
//!  13  flags             u8   bit 0: "supported" (a stable, public counter)
//!  14  data_units        u8   1 none, 2 bytes, 3 ticks, 4 events, 5 string,
//!                             6 hertz
//!  15  data_variability  u8   1 constant, 2 monotonic, 3 variable
//!  16  data_offset       i32  from the entry's start: the value
//! ```
//!
//! - HotSpot writes scalars as `'J'` (a 64-bit long) and strings as `'B'`
//!   vectors (units 5) holding the text up to a NUL. Other scalar integer
//!   types (`'I'`, `'S'`, `'C'`, `'B'`, `'Z'`) are read as longs too; any
//!   other entry is skipped with a warning.
//! - The JVM increments `used` and `num_entries` before it writes an entry,
//!   so a copy taken while a counter is being created can end in an entry
//!   of length 0. The walk stops at `num_entries`, at the end of `used` (or
//!   of the bytes, when the copy is shorter), or at the first entry whose
//!   length is 0, negative or runs past the end, and says why in
//!   [`PerfData::warnings`]. Entries with a bad name or value are skipped.
//! - Values are whatever the JVM last stored: several are only refreshed at
//!   a GC (JDK 17's `sun.gc.metaspace.*` and `sun.gc.compressedclassspace.*`
//!   read 0 until the first collection), G1's eden `used` moves a region at
//!   a time, and G1 pads every space's `capacity` by the object alignment
//!   (8 bytes) so that no capacity is 0.

use serde::Serialize;

/// The first four bytes of every hsperfdata file.
pub const MAGIC: [u8; 4] = [0xca, 0xfe, 0xc0, 0xc0];

/// The size of the prologue.
const PROLOGUE_LEN: usize = 32;
/// The size of an entry's fixed part, before its name.
const ENTRY_HEADER_LEN: usize = 20;
/// How many warnings are kept; past that, only the last one says so.
const MAX_WARNINGS: usize = 64;

/// One counter's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A `'J'` long (and any other integer scalar).
    Long(i64),
    /// A `'B'` vector: the bytes before the first NUL, as UTF-8 (lossy).
    Text(String),
}

/// A parsed hsperfdata file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerfData {
    pub major: u8,
    pub minor: u8,
    /// The byte order of the fields after the magic.
    pub little_endian: bool,
    /// The prologue's `accessible` flag: false while the JVM starts.
    pub accessible: bool,
    /// The prologue's `used`: bytes in use, prologue included.
    pub used: i32,
    /// Bytes of counters that did not fit (`-XX:PerfDataMemorySize`).
    pub overflow: i32,
    /// Ticks (`sun.os.hrt.ticks`) of the last structural change.
    pub mod_time_stamp: i64,
    /// The prologue's `num_entries`.
    pub num_entries: i32,
    /// The counters in file order (`sun.gc.metaspace.used`, ...).
    pub counters: Vec<(String, Value)>,
    /// What could not be read, and why the walk stopped early.
    pub warnings: Vec<String>,
}

/// Why a buffer is not an hsperfdata file that can be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the 32-byte prologue.
    TooShort(usize),
    /// The first four bytes are not `CA FE C0 C0`.
    BadMagic([u8; 4]),
    /// `byte_order` is neither 0 nor 1.
    BadByteOrder(u8),
    /// A major version other than 2 (1 was JDK 1.4.2's layout).
    UnsupportedVersion(u8, u8),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::TooShort(n) => write!(f, "{n} bytes: too short for an hsperfdata prologue"),
            Error::BadMagic(m) => write!(
                f,
                "not an hsperfdata file: magic {:02x}{:02x}{:02x}{:02x}, not cafec0c0",
                m[0], m[1], m[2], m[3]
            ),
            Error::BadByteOrder(b) => write!(f, "hsperfdata byte order {b} is neither 0 nor 1"),
            Error::UnsupportedVersion(major, minor) => {
                write!(f, "hsperfdata version {major}.{minor} is not supported")
            }
        }
    }
}

impl std::error::Error for Error {}

impl PerfData {
    /// The counter called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.counters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The long counter called `name`.
    pub fn long(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Long(v) => Some(*v),
            Value::Text(_) => None,
        }
    }

    /// The string counter called `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Text(s) => Some(s),
            Value::Long(_) => None,
        }
    }

    /// A long counter that is 0 or more, as `u64`.
    fn count(&self, name: &str) -> Option<u64> {
        u64::try_from(self.long(name)?).ok()
    }
}

/// Bounds-checked reads in the file's byte order.
struct Reader<'a> {
    bytes: &'a [u8],
    little_endian: bool,
}

impl Reader<'_> {
    fn array<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        let end = at.checked_add(N)?;
        self.bytes.get(at..end)?.try_into().ok()
    }

    fn u8(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn i16(&self, at: usize) -> Option<i16> {
        let b = self.array::<2>(at)?;
        Some(if self.little_endian {
            i16::from_le_bytes(b)
        } else {
            i16::from_be_bytes(b)
        })
    }

    fn i32(&self, at: usize) -> Option<i32> {
        let b = self.array::<4>(at)?;
        Some(if self.little_endian {
            i32::from_le_bytes(b)
        } else {
            i32::from_be_bytes(b)
        })
    }

    fn i64(&self, at: usize) -> Option<i64> {
        let b = self.array::<8>(at)?;
        Some(if self.little_endian {
            i64::from_le_bytes(b)
        } else {
            i64::from_be_bytes(b)
        })
    }
}

/// Parses an hsperfdata file (or a copy of one, possibly cut short).
///
/// Fails only when the prologue cannot be read; problems in the entries
/// end up in [`PerfData::warnings`] with the counters read before them.
pub fn parse(bytes: &[u8]) -> Result<PerfData, Error> {
    let head = bytes
        .get(..PROLOGUE_LEN)
        .ok_or(Error::TooShort(bytes.len()))?;
    let magic = [head[0], head[1], head[2], head[3]];
    if magic != MAGIC {
        return Err(Error::BadMagic(magic));
    }
    let little_endian = match head[4] {
        0 => false,
        1 => true,
        other => return Err(Error::BadByteOrder(other)),
    };
    let (major, minor) = (head[5], head[6]);
    if major != 2 {
        return Err(Error::UnsupportedVersion(major, minor));
    }
    let r = Reader {
        bytes,
        little_endian,
    };
    // The prologue is in `bytes`, so these reads cannot fail.
    let used = r.i32(8).unwrap_or(0);
    let overflow = r.i32(12).unwrap_or(0);
    let mod_time_stamp = r.i64(16).unwrap_or(0);
    let entry_offset = r.i32(24).unwrap_or(0);
    let num_entries = r.i32(28).unwrap_or(0);

    let mut data = PerfData {
        major,
        minor,
        little_endian,
        accessible: head[7] != 0,
        used,
        overflow,
        mod_time_stamp,
        num_entries,
        counters: Vec::new(),
        warnings: Vec::new(),
    };
    if !data.accessible {
        warn(
            &mut data.warnings,
            "the JVM had not marked the counters accessible (still starting)".into(),
        );
    }
    if overflow > 0 {
        warn(
            &mut data.warnings,
            format!("{overflow} bytes of counters did not fit and are missing"),
        );
    }
    let limit = end_of_data(used, bytes.len(), &mut data.warnings);
    let Some(start) = usize::try_from(entry_offset)
        .ok()
        .filter(|&s| s >= PROLOGUE_LEN)
    else {
        warn(
            &mut data.warnings,
            format!("entry_offset {entry_offset} points into the prologue: no counters read"),
        );
        return Ok(data);
    };
    let Ok(declared) = usize::try_from(num_entries) else {
        warn(
            &mut data.warnings,
            format!("num_entries {num_entries} is negative: no counters read"),
        );
        return Ok(data);
    };
    walk(&r, start, limit, declared, &mut data);
    Ok(data)
}

/// Where the entries end: `used`, unless it is nonsense or the copy is
/// shorter than it.
fn end_of_data(used: i32, len: usize, warnings: &mut Vec<String>) -> usize {
    match usize::try_from(used) {
        Ok(u) if u < PROLOGUE_LEN => {
            warn(
                warnings,
                format!("used {used} is smaller than the prologue: reading to the end"),
            );
            len
        }
        Ok(u) if u > len => {
            warn(
                warnings,
                format!("the copy is cut short: {len} bytes of the {used} in use"),
            );
            len
        }
        Ok(u) => u,
        Err(_) => {
            warn(
                warnings,
                format!("used {used} is negative: reading to the end"),
            );
            len
        }
    }
}

/// Reads up to `declared` entries from `start`, none past `limit`.
fn walk(r: &Reader<'_>, start: usize, limit: usize, declared: usize, data: &mut PerfData) {
    let mut at = start;
    let mut read = 0usize;
    while read < declared {
        if at >= limit {
            warn(
                &mut data.warnings,
                format!("only {read} of {declared} entries: the data ends at byte {limit}"),
            );
            return;
        }
        match entry(r, at, limit) {
            Ok((length, Ok(counter))) => {
                data.counters.push(counter);
                at = at.saturating_add(length);
            }
            Ok((length, Err(why))) => {
                warn(
                    &mut data.warnings,
                    format!("entry {read} at byte {at} skipped: {why}"),
                );
                at = at.saturating_add(length);
            }
            Err(why) => {
                warn(
                    &mut data.warnings,
                    format!("stopped at entry {read} of {declared} (byte {at}): {why}"),
                );
                return;
            }
        }
        read += 1;
    }
    if at < limit {
        warn(
            &mut data.warnings,
            format!(
                "{} bytes after the last of the {declared} entries were not read",
                limit - at
            ),
        );
    }
}

/// A counter's name and value.
type Counter = (String, Value);

/// One entry at `at`: its length (so that the walk can go on) and the
/// counter, or why the counter was skipped. An `Err` means the walk cannot
/// go on.
fn entry(
    r: &Reader<'_>,
    at: usize,
    limit: usize,
) -> Result<(usize, Result<Counter, String>), String> {
    let length = r.i32(at).ok_or("its length is past the end")?;
    let length = match usize::try_from(length) {
        Ok(0) => return Err("length 0 (an entry being written, or the end)".into()),
        Ok(n) if n < ENTRY_HEADER_LEN => {
            return Err(format!("length {n} is shorter than an entry header"))
        }
        Ok(n) => n,
        Err(_) => return Err(format!("negative length {length}")),
    };
    let end = at
        .checked_add(length)
        .filter(|&e| e <= limit)
        .ok_or_else(|| format!("length {length} runs past the end of the data ({limit})"))?;
    // The entry is within `limit <= bytes.len()`, so its fields can be read.
    let body = r.bytes.get(at..end).ok_or("past the end")?;
    let field = |off: usize| r.i32(at.saturating_add(off)).unwrap_or(-1);
    let (name_offset, vector_length, data_offset) = (field(4), field(8), field(16));
    let kind = r.u8(at.saturating_add(12)).unwrap_or(0);
    Ok((
        length,
        counter(r, at, body, name_offset, vector_length, kind, data_offset),
    ))
}

/// The name and value of the entry whose bytes are `body` (starting at
/// `at` in the file).
fn counter(
    r: &Reader<'_>,
    at: usize,
    body: &[u8],
    name_offset: i32,
    vector_length: i32,
    kind: u8,
    data_offset: i32,
) -> Result<Counter, String> {
    let within = |off: i32| {
        usize::try_from(off)
            .ok()
            .filter(|&o| o >= ENTRY_HEADER_LEN && o <= body.len())
    };
    let name_at = within(name_offset).ok_or_else(|| format!("name offset {name_offset}"))?;
    let data_at = within(data_offset).ok_or_else(|| format!("data offset {data_offset}"))?;
    let name_end = if data_at > name_at {
        data_at
    } else {
        body.len()
    };
    let name_bytes = body.get(name_at..name_end).unwrap_or_default();
    let nul = memchr::memchr(0, name_bytes).ok_or("its name has no NUL")?;
    let name = String::from_utf8_lossy(&name_bytes[..nul]).into_owned();
    let value_bytes = body.get(data_at..).unwrap_or_default();
    let value = match usize::try_from(vector_length) {
        Ok(0) => scalar(r, at.saturating_add(data_at), value_bytes.len(), kind),
        Ok(n) if kind == b'B' => match value_bytes.get(..n) {
            Some(vector) => {
                let text = memchr::memchr(0, vector).map_or(vector, |z| &vector[..z]);
                Ok(Value::Text(String::from_utf8_lossy(text).into_owned()))
            }
            None => Err(format!("{n} bytes do not fit in the entry")),
        },
        Ok(_) => Err(format!("vector of type {}", type_char(kind))),
        Err(_) => Err(format!("negative vector length {vector_length}")),
    };
    match value {
        Ok(v) => Ok((name, v)),
        Err(why) => Err(format!("{name}: {why}")),
    }
}

/// A scalar of Java type `kind` at file offset `at`, with `room` bytes
/// left in its entry.
fn scalar(r: &Reader<'_>, at: usize, room: usize, kind: u8) -> Result<Value, String> {
    let size = match kind {
        b'J' => 8,
        b'I' => 4,
        b'S' | b'C' => 2,
        b'B' | b'Z' => 1,
        other => return Err(format!("scalar of type {}", type_char(other))),
    };
    if size > room {
        return Err(format!("a {size}-byte value does not fit in the entry"));
    }
    let short = |v: Option<i64>| v.ok_or_else(|| "value past the end".to_string());
    let value = match kind {
        b'J' => short(r.i64(at))?,
        b'I' => short(r.i32(at).map(i64::from))?,
        b'S' => short(r.i16(at).map(i64::from))?,
        // A Java char is unsigned.
        b'C' => short(r.i16(at).map(|v| i64::from(v as u16)))?,
        b'B' => short(r.u8(at).map(|v| i64::from(v as i8)))?,
        _ => short(r.u8(at).map(|v| i64::from(v != 0)))?,
    };
    Ok(Value::Long(value))
}

/// A type byte for a message: the character when printable.
fn type_char(kind: u8) -> String {
    if kind.is_ascii_graphic() {
        format!("'{}'", kind as char)
    } else {
        format!("0x{kind:02x}")
    }
}

fn warn(warnings: &mut Vec<String>, message: String) {
    match warnings.len() {
        n if n < MAX_WARNINGS => warnings.push(message),
        n if n == MAX_WARNINGS => warnings.push("more warnings were dropped".into()),
        _ => {}
    }
}

/// The JVM memory facts a sampler wants, from the counters. Sizes are in
/// bytes; a fact is `None` when its counters are missing, negative or (for
/// Metaspace) not yet filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JvmMemory {
    /// The sum of `sun.gc.generation.N.space.M.used` over the heap's
    /// generations (JDK 7's `perm` generation excluded).
    pub heap_used: Option<u64>,
    /// The sum of the same spaces' `capacity` (committed); a few bytes high
    /// under G1, which pads each by 8.
    pub heap_committed: Option<u64>,
    /// The most the heap may grow to (`-Xmx`, or what the JVM chose): the
    /// sum of `sun.gc.generation.N.maxCapacity`, except under G1 (policy
    /// `GarbageFirst`), where each generation may take the whole heap and
    /// the largest is the heap's.
    pub heap_max: Option<u64>,
    /// Generation 1's spaces' `used`: the old generation of G1, Parallel,
    /// Serial and CMS (under ZGC the whole heap).
    pub old_used: Option<u64>,
    /// `sun.gc.metaspace.used`: all of Metaspace, class space included.
    /// `None` while `sun.gc.metaspace.capacity` is 0: the JVM fills both in
    /// at a GC, and a running JVM never has 0 bytes of Metaspace.
    pub metaspace_used: Option<u64>,
    /// `sun.gc.metaspace.capacity`: committed Metaspace, `None` while 0.
    pub metaspace_committed: Option<u64>,
    /// `sun.gc.compressedclassspace.used`, `None` while its capacity is 0
    /// (before the first GC, or without compressed class pointers).
    pub class_space_used: Option<u64>,
    /// Classes loaded now: `java.cls.loadedClasses +
    /// java.cls.sharedLoadedClasses - java.cls.unloadedClasses -
    /// java.cls.sharedUnloadedClasses` (what `ClassLoadingMXBean
    /// .getLoadedClassCount` says; `jstat -class`'s `Loaded` is the first
    /// two, ever loaded).
    pub classes_loaded: Option<u64>,
    /// Classes ever unloaded: `java.cls.unloadedClasses +
    /// java.cls.sharedUnloadedClasses` (`jstat -class`'s `Unloaded`).
    pub classes_unloaded: Option<u64>,
    /// `java.threads.live`: live Java threads.
    pub threads_live: Option<u64>,
}

/// The memory facts in `p`.
pub fn memory(p: &PerfData) -> JvmMemory {
    let metaspace_committed = p.count("sun.gc.metaspace.capacity").filter(|&c| c > 0);
    let class_space_committed = p
        .count("sun.gc.compressedclassspace.capacity")
        .filter(|&c| c > 0);
    JvmMemory {
        heap_used: sum_spaces(p, "used", |_| true),
        heap_committed: sum_spaces(p, "capacity", |_| true),
        heap_max: heap_max(p),
        old_used: sum_spaces(p, "used", |generation| generation == 1),
        metaspace_used: metaspace_committed.and_then(|_| p.count("sun.gc.metaspace.used")),
        metaspace_committed,
        class_space_used: class_space_committed
            .and_then(|_| p.count("sun.gc.compressedclassspace.used")),
        classes_loaded: classes_loaded(p),
        classes_unloaded: classes_unloaded(p),
        threads_live: p.count("java.threads.live"),
    }
}

/// The generations' `maxCapacity`: summed, or the largest under G1.
fn heap_max(p: &PerfData) -> Option<u64> {
    let g1 = p.text("sun.gc.policy.name") == Some("GarbageFirst");
    let mut out: Option<u64> = None;
    for (name, value) in &p.counters {
        let Some(g) = name
            .strip_prefix("sun.gc.generation.")
            .and_then(|r| r.strip_suffix(".maxCapacity"))
            .and_then(|g| g.parse::<u32>().ok())
        else {
            continue;
        };
        if is_perm(p, g) {
            continue;
        }
        let Value::Long(v) = value else {
            return None;
        };
        let v = u64::try_from(*v).ok()?;
        out = Some(match out {
            None => v,
            Some(o) if g1 => o.max(v),
            Some(o) => o.checked_add(v)?,
        });
    }
    out
}

/// `java.cls.loadedClasses + sharedLoadedClasses - unloaded - sharedUnloaded`.
fn classes_loaded(p: &PerfData) -> Option<u64> {
    let loaded = p
        .count("java.cls.loadedClasses")?
        .checked_add(p.count("java.cls.sharedLoadedClasses").unwrap_or(0))?;
    loaded.checked_sub(classes_unloaded(p).unwrap_or(0))
}

/// `java.cls.unloadedClasses + java.cls.sharedUnloadedClasses`.
fn classes_unloaded(p: &PerfData) -> Option<u64> {
    p.count("java.cls.unloadedClasses")?
        .checked_add(p.count("java.cls.sharedUnloadedClasses").unwrap_or(0))
}

/// The sum of `sun.gc.generation.G.space.S.<field>` over the generations
/// `keep` accepts (never a `perm` one); `None` when there is none, or one
/// is negative, or the sum overflows.
fn sum_spaces(p: &PerfData, field: &str, keep: impl Fn(u32) -> bool) -> Option<u64> {
    let mut total: Option<u64> = None;
    for (name, value) in &p.counters {
        let Some((generation, f)) = space_field(name) else {
            continue;
        };
        if f != field || !keep(generation) || is_perm(p, generation) {
            continue;
        }
        let Value::Long(v) = value else {
            return None;
        };
        total = Some(total.unwrap_or(0).checked_add(u64::try_from(*v).ok()?)?);
    }
    total
}

/// `sun.gc.generation.G.space.S.<field>` -> `(G, field)`.
fn space_field(name: &str) -> Option<(u32, &str)> {
    let rest = name.strip_prefix("sun.gc.generation.")?;
    let (generation, rest) = rest.split_once('.')?;
    let (space, field) = rest.strip_prefix("space.")?.split_once('.')?;
    space.parse::<u32>().ok()?;
    Some((generation.parse().ok()?, field))
}

/// Whether generation `g` is JDK 7's permanent generation (not heap).
fn is_perm(p: &PerfData, g: u32) -> bool {
    p.text(&format!("sun.gc.generation.{g}.name")) == Some("perm")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const G1: &[u8] = include_bytes!("../../../../tests/fixtures/hsperf/g1-17.hsperfdata");
    const G1_TEXT: &str = include_str!("../../../../tests/fixtures/hsperf/g1-17.perfcounters.txt");
    const PARALLEL: &[u8] =
        include_bytes!("../../../../tests/fixtures/hsperf/parallel-17-nogc.hsperfdata");
    const PARALLEL_TEXT: &str =
        include_str!("../../../../tests/fixtures/hsperf/parallel-17-nogc.perfcounters.txt");

    /// Counters `PerfCounter.print` reads live, or that move with the clock
    /// while the JVM sleeps: the copy was taken just before `jcmd` ran.
    const LIVE: &[&str] = &[
        "sun.os.hrt.ticks",
        "sun.rt.applicationTime",
        "sun.rt.safepointSyncTime",
        "sun.rt.safepointTime",
        "sun.rt.safepoints",
        "sun.threads.vmOperationTime",
    ];

    /// `name=value` lines of `jcmd <pid> PerfCounter.print` (after the
    /// `<pid>:` line); strings are in double quotes.
    fn printed(text: &str) -> Vec<(&str, Value)> {
        text.lines()
            .skip(1)
            .filter_map(|line| {
                let (name, v) = line.split_once('=')?;
                let value = match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(s) => Value::Text(s.to_string()),
                    None => Value::Long(v.parse().ok()?),
                };
                Some((name, value))
            })
            .collect()
    }

    fn matches_jcmd(bytes: &[u8], text: &str) -> PerfData {
        let p = parse(bytes).unwrap();
        assert_eq!((p.major, p.minor), (2, 0));
        assert!(p.little_endian && p.accessible);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.counters.len(), usize::try_from(p.num_entries).unwrap());
        let lines = printed(text);
        assert_eq!(lines.len(), text.lines().count() - 1, "every line is read");
        let mut compared = 0;
        for (name, want) in &lines {
            // The prologue, which the JDK shows as pseudo-counters.
            let prologue = match *name {
                "sun.perfdata.size" => Some(bytes.len() as i64),
                "sun.perfdata.used" => Some(i64::from(p.used)),
                "sun.perfdata.overflow" => Some(i64::from(p.overflow)),
                "sun.perfdata.timestamp" => Some(p.mod_time_stamp),
                "sun.perfdata.majorVersion" => Some(i64::from(p.major)),
                "sun.perfdata.minorVersion" => Some(i64::from(p.minor)),
                _ => None,
            };
            if let Some(v) = prologue {
                assert_eq!(Value::Long(v), *want, "{name}");
                continue;
            }
            let got = p.get(name).unwrap_or_else(|| panic!("{name} missing"));
            if !LIVE.contains(name) {
                assert_eq!(got, want, "{name}");
                compared += 1;
            }
        }
        // Every counter in the file is printed by jcmd, and the other way round.
        assert_eq!(lines.len(), p.counters.len() + 6);
        assert!(compared > 170, "{compared}");
        p
    }

    #[test]
    fn g1_fixture_matches_perfcounter_print() {
        let p = matches_jcmd(G1, G1_TEXT);
        assert_eq!(p.text("sun.gc.policy.name"), Some("GarbageFirst"));
        assert_eq!(p.text("sun.rt.javaCommand"), Some("Sleeper gc"));
        assert_eq!(
            p.text("java.property.java.vm.version"),
            Some("17.0.15+6-Debian-1deb12u1")
        );
        assert_eq!(p.long("sun.gc.metaspace.maxCapacity"), Some(1140850688));
        assert_eq!(p.long("sun.gc.policy.name"), None);
        assert_eq!(p.text("java.threads.live"), None);
        assert_eq!(p.long("no.such.counter"), None);

        let m = memory(&p);
        let long = |n: &str| p.long(n).map(|v| v as u64);
        // One full GC (System.gc()) emptied the young spaces into old.
        assert_eq!(m.old_used, long("sun.gc.generation.1.space.0.used"));
        assert_eq!(m.heap_used, m.old_used);
        assert_eq!(m.heap_used, Some(3642784));
        // 5 MB eden + 12 MB old, each of the four spaces padded by 8.
        assert_eq!(m.heap_committed, Some(17825792 + 4 * 8));
        assert_eq!(m.metaspace_used, long("sun.gc.metaspace.used"));
        assert_eq!(m.metaspace_used, Some(405912));
        assert_eq!(m.metaspace_committed, Some(589824));
        assert_eq!(m.class_space_used, Some(36944));
        // 51 + 688 shared, as `jstat -class` on the same file says (739).
        assert_eq!(m.classes_loaded, Some(739));
        assert_eq!(m.classes_unloaded, Some(0));
        assert_eq!(m.threads_live, Some(9));
        assert!(m.metaspace_used <= m.metaspace_committed);
        assert!(m.heap_used <= m.heap_committed);
    }

    #[test]
    fn parallel_fixture_before_any_gc() {
        let p = matches_jcmd(PARALLEL, PARALLEL_TEXT);
        assert_eq!(p.text("sun.gc.policy.name"), Some("ParScav:MSC"));
        assert_eq!(p.long("sun.gc.collector.0.invocations"), Some(0));
        let m = memory(&p);
        let spaces = ["0.space.0", "0.space.1", "0.space.2", "1.space.0"];
        let sum = |field: &str| {
            spaces
                .iter()
                .map(|s| p.long(&format!("sun.gc.generation.{s}.{field}")).unwrap() as u64)
                .sum::<u64>()
        };
        assert_eq!(m.heap_used, Some(sum("used")));
        assert_eq!(m.heap_committed, Some(sum("capacity")));
        assert_eq!(
            m.heap_committed,
            Some(
                (p.long("sun.gc.generation.0.capacity").unwrap()
                    + p.long("sun.gc.generation.1.capacity").unwrap()) as u64
            )
        );
        assert_eq!(m.old_used, Some(0));
        // Metaspace counters are still 0: they are filled in at a GC.
        assert_eq!(p.long("sun.gc.metaspace.used"), Some(0));
        assert_eq!(p.long("sun.gc.metaspace.capacity"), Some(0));
        assert_eq!(
            (m.metaspace_used, m.metaspace_committed, m.class_space_used),
            (None, None, None)
        );
        assert_eq!(m.classes_loaded, Some(51 + 696));
        assert_eq!(m.threads_live, Some(9));
    }

    /// A synthetic hsperfdata buffer in either byte order, entries laid out
    /// as HotSpot does (name right after the header, value 8-aligned).
    fn build(little_endian: bool, counters: &[(&str, Value)]) -> Vec<u8> {
        let i32b = |v: i32| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let i64b = |v: i64| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut entries = Vec::new();
        for (name, value) in counters {
            let name_len = name.len() + 1;
            let data_offset = (ENTRY_HEADER_LEN + name_len).next_multiple_of(8);
            let (kind, units, vector, payload) = match value {
                Value::Long(v) => (b'J', 4u8, 0, i64b(*v).to_vec()),
                Value::Text(s) => {
                    let mut b = s.as_bytes().to_vec();
                    b.resize(s.len() + 3, 0);
                    (b'B', 5, b.len(), b)
                }
            };
            let length = (data_offset + payload.len()).next_multiple_of(8);
            let mut e = Vec::new();
            e.extend(i32b(length as i32));
            e.extend(i32b(ENTRY_HEADER_LEN as i32));
            e.extend(i32b(vector as i32));
            e.extend([kind, 1, units, 3]);
            e.extend(i32b(data_offset as i32));
            e.extend(name.as_bytes());
            e.resize(data_offset, 0);
            e.extend(payload);
            e.resize(length, 0);
            entries.extend(e);
        }
        let used = PROLOGUE_LEN + entries.len();
        let mut b = MAGIC.to_vec();
        b.extend([u8::from(little_endian), 2, 0, 1]);
        b.extend(i32b(used as i32));
        b.extend(i32b(0));
        b.extend(i64b(12345));
        b.extend(i32b(PROLOGUE_LEN as i32));
        b.extend(i32b(counters.len() as i32));
        b.extend(entries);
        b.resize(used + 64, 0);
        b
    }

    fn sample() -> Vec<(&'static str, Value)> {
        vec![
            ("sun.gc.metaspace.used", Value::Long(405912)),
            ("sun.gc.metaspace.capacity", Value::Long(589824)),
            ("sun.rt.javaCommand", Value::Text("Main --flag é".into())),
            ("sun.gc.generation.0.space.0.used", Value::Long(1 << 40)),
            ("sun.gc.generation.1.space.0.used", Value::Long(7)),
            ("sun.gc.generation.2.name", Value::Text("perm".into())),
            ("sun.gc.generation.2.space.0.used", Value::Long(1000)),
            ("negative", Value::Long(-42)),
            ("empty", Value::Text(String::new())),
        ]
    }

    #[test]
    fn both_byte_orders_read_the_same() {
        let want: Vec<(String, Value)> = sample()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        for little_endian in [false, true] {
            let p = parse(&build(little_endian, &sample())).unwrap();
            assert_eq!(p.little_endian, little_endian);
            assert_eq!(p.mod_time_stamp, 12345);
            assert_eq!(p.counters, want);
            assert!(p.warnings.is_empty(), "{:?}", p.warnings);
            let m = memory(&p);
            // The perm generation is not heap.
            assert_eq!(m.heap_used, Some((1 << 40) + 7));
            assert_eq!(m.old_used, Some(7));
            assert_eq!(m.metaspace_used, Some(405912));
            assert_eq!(m.classes_loaded, None);
        }
        assert_ne!(build(false, &sample()), build(true, &sample()));
    }

    #[test]
    fn prologue_errors() {
        assert_eq!(parse(b""), Err(Error::TooShort(0)));
        assert_eq!(parse(&G1[..31]), Err(Error::TooShort(31)));
        let mut b = G1.to_vec();
        b[0] = 0xc0;
        assert!(matches!(parse(&b), Err(Error::BadMagic(_))));
        let mut b = G1.to_vec();
        b[4] = 2;
        assert_eq!(parse(&b), Err(Error::BadByteOrder(2)));
        let mut b = G1.to_vec();
        b[5] = 1;
        assert_eq!(parse(&b), Err(Error::UnsupportedVersion(1, 0)));
        assert!(Error::BadMagic(*b"\x7fELF")
            .to_string()
            .contains("7f454c46"));
    }

    #[test]
    fn an_entry_being_written_stops_the_walk() {
        let mut b = build(true, &sample());
        // Zero the fourth entry's length, as a copy taken mid-creation has.
        let p = parse(&b).unwrap();
        let mut at = PROLOGUE_LEN;
        for _ in 0..3 {
            at += i32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        }
        b[at..at + 4].fill(0);
        let cut = parse(&b).unwrap();
        assert_eq!(cut.counters, p.counters[..3]);
        assert!(cut.warnings[0].contains("length 0"), "{:?}", cut.warnings);

        // More entries declared than written.
        let mut b = build(true, &sample());
        b[28..32].copy_from_slice(&100i32.to_le_bytes());
        let p = parse(&b).unwrap();
        assert_eq!(p.counters.len(), sample().len());
        assert!(p.warnings[0].contains("only 9 of 100"), "{:?}", p.warnings);

        // A copy cut in the middle of the entries.
        let p = parse(&G1[..4000]).unwrap();
        assert!(p.warnings[0].contains("cut short"), "{:?}", p.warnings);
        let full = parse(G1).unwrap();
        assert!(!p.counters.is_empty());
        assert_eq!(p.counters, full.counters[..p.counters.len()]);
    }

    #[test]
    fn a_bad_entry_is_skipped() {
        let mut b = build(false, &sample());
        // The first entry's name offset points past its end.
        b[PROLOGUE_LEN + 4..PROLOGUE_LEN + 8].copy_from_slice(&9999i32.to_be_bytes());
        // The second entry's type becomes 'D'.
        let second = PROLOGUE_LEN + i32::from_be_bytes(b[32..36].try_into().unwrap()) as usize;
        b[second + 12] = b'D';
        let p = parse(&b).unwrap();
        assert_eq!(p.counters.len(), sample().len() - 2);
        assert_eq!(p.counters[0].0, "sun.rt.javaCommand");
        assert!(
            p.warnings[0].contains("name offset 9999"),
            "{:?}",
            p.warnings
        );
        assert!(
            p.warnings[1].contains("sun.gc.metaspace.capacity: scalar of type 'D'"),
            "{:?}",
            p.warnings
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(p) = parse(&bytes) {
                let _ = memory(&p);
            }
        }

        #[test]
        fn any_prologue_never_panics(
            head in prop::collection::vec(any::<u8>(), 28),
            tail in prop::collection::vec(any::<u8>(), 0..512),
            little_endian in any::<bool>(),
        ) {
            let mut b = MAGIC.to_vec();
            b.extend([u8::from(little_endian), 2]);
            b.extend(head);
            b.extend(tail);
            let p = parse(&b).unwrap();
            prop_assert!(p.counters.len() <= b.len() / ENTRY_HEADER_LEN);
            prop_assert!(p.warnings.len() <= MAX_WARNINGS + 1);
            let _ = memory(&p);
        }

        #[test]
        fn damaged_fixture_never_panics(
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
            cut in any::<prop::sample::Index>(),
            fixture in any::<bool>(),
        ) {
            let original = if fixture { G1 } else { PARALLEL };
            let mut b = original.to_vec();
            for (at, byte) in &flips {
                let i = at.index(b.len());
                b[i] = *byte;
            }
            if let Ok(p) = parse(&b) {
                let _ = memory(&p);
            }
            // Cut short, the undamaged copy reads as a prefix of the whole.
            let full = parse(original).unwrap();
            if let Ok(p) = parse(&original[..cut.index(original.len())]) {
                prop_assert_eq!(&p.counters[..], &full.counters[..p.counters.len()]);
            }
        }
    }
}
