//! GC logs, for what they say about the heap and Metaspace: every
//! collection with its heap before and after, the maximum heap; Metaspace's
//! use and capacity after each collection, and collections the Metadata GC
//! threshold caused.
//!
//! JDK 8 `-XX:+PrintGCDetails` (`[Metaspace: 20480K->20480K(1067008K)]`,
//! `[Full GC (Metadata GC Threshold) ...]`, with or without
//! `-XX:+PrintGCDateStamps` / `-XX:+PrintGCTimeStamps`) and JDK 9+ unified
//! logging `-Xlog:gc*` (`[gc,metaspace] GC(12) Metaspace:
//! 21037K(21504K)->21037K(21504K) NonClass: ... Class: ...`, `Pause Full
//! (Metadata GC Threshold)`), any decorators.
//!
//! # What is read
//!
//! - **Collections.** JDK 8: a `[GC (cause) ...`, `[GC pause (cause) ...`
//!   or `[Full GC (cause) ...` header, wherever it is on its line (CMS
//!   prints headers after other records), with the `date: uptime: ` stamps
//!   before it. Unified logging: `GC(N) Pause Young (...) (cause)`,
//!   `Pause Full (cause)`, `Pause Mixed`, `Pause Initial Mark`, and ZGC's
//!   `Garbage Collection (cause)` / `Major|Minor Collection (cause)`; the
//!   `[gc,start]` line and the closing `[gc]` line of one collection share
//!   their `GC(N)` and count once. Shenandoah's `Trigger: cause` line gives
//!   its cause to the cycle that follows it.
//! - **Heap per collection** (a [`Collection`]): one per `GC(N)` id (its
//!   `[gc,start]`, closing `[gc]`, `[gc,heap]` and phase lines together) or
//!   JDK 8 record: the kind ([`CollectionKind`]), cause, time of its first
//!   line, heap transition (`38M->38M(64M)`, ZGC's `64M(100%)->20M(31%)`
//!   with the `Capacity:` row for committed, a Shenandoah cycle's last
//!   `Concurrent cleanup A->B(C)`, JDK 8's top-level `A->B(C)` after the
//!   generation brackets, G1 JDK 8's `Heap: A(B)->C(D)` detail line), old
//!   generation after (`ParOldGen:`, `PSOldGen:`, `Tenured:`, `CMS:`, G1's
//!   `Old regions: A->B` times the region size), and pause (its own, or
//!   the sum of its phase pauses; JDK 8's `, N secs]`). A collection is
//!   written out when it leaves the window of the 32 most recent ones.
//! - **Heap sizes**: `Heap Max Capacity:` / `Initial Capacity:` / `Min
//!   Capacity:` / `Heap Region Size:` (JDK 15+ `[gc,init]`, ZGC without the
//!   `Heap ` prefix), JDK 11's `Minimum heap N  Initial heap N  Maximum
//!   heap N` (`gc+heap=debug`), JDK 8's `-XX:MaxHeapSize=` / `-Xmx`,
//!   `-XX:InitialHeapSize=` / `-Xms`, `-XX:G1HeapRegionSize=`.
//! - **Metaspace after each collection** (a [`MetaspaceSample`]): JDK 8's
//!   `[Metaspace: A->B(C)]` (on the header's line, or for G1 and CMS on a
//!   later line of the same record), JDK 9-15's `Metaspace: A->B(C)`,
//!   JDK 16+'s `Metaspace: A(a)->B(b) NonClass: ... Class: C(c)->D(d)` and
//!   ZGC's `Metaspace: 11M used, 17M committed, 128M reserved`. A sample
//!   takes the cause and kind of the collection with its `GC(N)` (which may
//!   be printed before or after it), or for JDK 8 of the record it is in.
//! - `Metadata GC Threshold` collections (counted with their lines), and
//!   the last-ditch ones that follow when the threshold cannot be raised
//!   (`Metadata GC Clear Soft References`, JDK 8's `Last ditch
//!   collection`): a Metaspace at its cap.
//! - `Metaspace (data|class) allocation failed` (JDK 16+ `-Xlog:gc*` prints
//!   it with a report just before `OutOfMemoryError: Metaspace`), and that
//!   report's `MaxMetaspaceSize:`; JDK 8's `CommandLine flags:` (with its
//!   `-XX:MaxMetaspaceSize=`), the VM banner and `[gc,init]` lines; the
//!   collector (`Using G1`); the heap printout's `Metaspace used ...` line.
//!
//! Sizes (`20480K`, `5120.0K`, `11M`, `0.0B`) are returned in bytes; a
//! locale's decimal comma in stamps and sizes is read too. Lines are
//! streamed through [`crate::input::scan_lines`] with anchors, so memory
//! stays flat whatever the size of the log.

use std::collections::VecDeque;
use std::io::{self, Read};

use serde::Serialize;

use super::jcmd::parse_size;
use super::ulog;
use crate::framing::iso_stamp;
use crate::input::{self, LineSink};
use crate::provenance::{clip, Warnings};
use crate::units::parse::{self as units, Limit, SizeError};

/// Metaspace after one collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaspaceSample {
    /// Seconds since JVM start, when the log has an uptime stamp.
    pub uptime_s: Option<f64>,
    /// The wall-clock stamp as printed, when the log has one.
    pub time: Option<String>,
    /// Used before and after the collection, in bytes.
    pub used_before_bytes: Option<u64>,
    pub used_after_bytes: u64,
    /// Committed after the collection, in bytes: JDK 16+ print it in
    /// parentheses (`21037K(21504K)`), ZGC as `N committed`. JDK 8 to 15
    /// print the *reserved* size in parentheses (`20480K->20480K(1067008K)`):
    /// that goes to [`MetaspaceSample::reserved_after_bytes`] and this stays
    /// `None` (a reserved gigabyte is address space, not memory).
    pub committed_after_bytes: Option<u64>,
    /// Class space part, when printed (JDK 9+ `Class:`), after, in bytes.
    pub class_used_after_bytes: Option<u64>,
    /// Whether the collection was caused by the Metadata GC threshold.
    pub metadata_threshold: bool,
    /// Whether it was a full collection (`Full GC`, `Pause Full`, CMS's
    /// `concurrent mode failure`).
    pub full: bool,
    /// The GC id (`GC(12)`) when printed.
    pub gc_id: Option<u64>,
    pub line: u64,
    /// Reserved after, in bytes: the value in parentheses of JDK 8-15's
    /// `A->B(C)`, ZGC's `N reserved`.
    pub reserved_after_bytes: Option<u64>,
    /// The collection's cause as printed (`Metadata GC Threshold`,
    /// `Allocation Failure`), when the log ties one to it.
    pub cause: Option<String>,
}

/// The heap printout's Metaspace lines (`Metaspace used 3661K, capacity
/// 4490K, committed 4864K, reserved 1056768K` and `class space used ...`),
/// printed at exit (`[gc,heap,exit]`, JDK 8's `Heap` block) or around each
/// collection with `-XX:+PrintHeapAtGC` / `-Xlog:gc+heap=debug`. The last
/// one in the log is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HeapMetaspace {
    pub used_bytes: u64,
    /// JDK 8 to 15 only.
    pub capacity_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub reserved_bytes: Option<u64>,
    /// From the `class space` line right under it.
    pub class_used_bytes: Option<u64>,
    pub line: u64,
}

/// What a collection was, as the log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollectionKind {
    /// A young collection: `Pause Young`, JDK 8 `[GC (...)`, G1's `[GC
    /// pause (...) (young)`, JDK 9-11 G1 `Pause Initial Mark (cause)`,
    /// generational ZGC's `Minor Collection`.
    Young,
    /// G1's mixed collection: `Pause Young (Mixed)` (JDK 12+), `Pause
    /// Mixed` (JDK 9-11), `[GC pause (...) (mixed)` (JDK 8).
    Mixed,
    /// A full, stop-the-world collection: `Pause Full`, `[Full GC`, CMS's
    /// `concurrent mode failure`.
    Full,
    /// A concurrent cycle: ZGC's `Garbage Collection` / `Major Collection`,
    /// a Shenandoah cycle (`Concurrent cleanup A->B(C)`), G1's `Concurrent
    /// Mark Cycle` with its `Pause Remark` / `Pause Cleanup`, a JDK 9-13 CMS
    /// cycle. Its heap figures are those of its last line that prints them.
    Concurrent,
    /// Shenandoah's `Pause Degenerated GC`: a cycle finished stop-the-world
    /// because the application ran out of memory during it.
    Degenerated,
    /// A pause of JDK 8 CMS's concurrent cycle that collects nothing: `[GC
    /// (CMS Initial Mark)`, `[GC (CMS Final Remark)`.
    Remark,
    /// A `GC(N)` id whose lines name no collection the scanner knows.
    Unknown,
}

/// One collection, with the heap occupancy before and after it.
///
/// Unified logging: one per `GC(N)` id (its start, end, `[gc,heap]` and
/// phase lines together). JDK 8: one per record header (`[GC (...)`, `[GC
/// pause (...)`, `[Full GC (...)`) with the lines of its record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collection {
    /// The GC id (`GC(12)`) when printed.
    pub gc_id: Option<u64>,
    pub kind: CollectionKind,
    /// The cause as printed (`G1 Evacuation Pause`, `Allocation Failure`,
    /// `Metadata GC Threshold`, `Allocation Stall`; Shenandoah's trigger
    /// text), when the log ties one to it.
    pub cause: Option<String>,
    /// Seconds since JVM start, of the collection's first line, when the
    /// log has an uptime stamp.
    pub uptime_s: Option<f64>,
    /// The wall-clock stamp of its first line as printed, when the log has
    /// one.
    pub time: Option<String>,
    /// Heap occupancy before and after, in bytes (`38M->38M(64M)`,
    /// `25145K->16357K(98304K)`, ZGC's `64M(100%)->20M(31%)`, G1 JDK 8's
    /// `Heap: 102.5M(256.0M)->14.9M(256.0M)`).
    pub heap_before_bytes: Option<u64>,
    pub heap_after_bytes: Option<u64>,
    /// The heap's committed size (capacity) after, in bytes: the figure in
    /// parentheses; ZGC's `Capacity:` row at `Relocate End`.
    pub heap_committed_bytes: Option<u64>,
    /// The old generation after, in bytes, when printed: `ParOldGen:`,
    /// `PSOldGen:`, `Tenured:`, `CMS:` (JDK 8 and 9+), or G1's `Old
    /// regions: A->B` times the region size (`Heap Region Size:`), which
    /// counts whole regions.
    pub old_after_bytes: Option<u64>,
    /// Stop-the-world time, in milliseconds: the collection's own pause, or
    /// the sum of its phase pauses (`Pause Remark`, `Pause Init Mark`,
    /// ZGC's `Pause Mark Start`); JDK 8's `, 0.0225874 secs]`.
    pub pause_ms: Option<f64>,
    /// The collection's first line (its start line or record header).
    pub line: u64,
    /// The line the heap figures come from.
    pub heap_line: Option<u64>,
}

/// What a GC log said about Metaspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GcLog {
    /// In log order. At most [`GcLog::LIMIT`] are kept, evenly thinned when
    /// there are more (the first and last are always kept).
    pub samples: Vec<MetaspaceSample>,
    /// Collections caused by the Metadata GC threshold, with their lines
    /// (all counted; at most LIMIT lines kept).
    pub metadata_threshold_gcs: u64,
    pub metadata_threshold_lines: Vec<u64>,
    /// Full collections of any cause.
    pub full_gcs: u64,
    /// `8` or `9+` (unified logging), when the log says.
    pub jdk: Option<String>,
    /// The JVM's flags when the log prints them (`CommandLine flags:` in
    /// JDK 8, `[gc,init]` lines in JDK 9+), raw: JDK 8's line after
    /// `CommandLine flags: `, or the messages of the first `[gc,init]` lines
    /// (`Version: ...; CPUs: ...; Memory: ...`) joined with `; `.
    pub command_line_flags: Option<String>,
    pub lines: u64,
    /// How many samples there were before thinning.
    pub sample_count: u64,
    /// Collections that follow a threshold collection that did not free
    /// enough when the threshold can no longer be raised: `Metadata GC Clear
    /// Soft References` (JDK 9+), `Last ditch collection` (JDK 8). Metaspace
    /// is at its cap (`MaxMetaspaceSize` or `CompressedClassSpaceSize`).
    /// All counted; at most LIMIT lines kept.
    pub metadata_last_ditch_gcs: u64,
    pub metadata_last_ditch_lines: Vec<u64>,
    /// `Metaspace (data|class) allocation failed` lines: the JVM is about to
    /// throw `OutOfMemoryError: Metaspace`. All counted; at most LIMIT lines
    /// kept.
    pub metaspace_alloc_failures: u64,
    pub metaspace_alloc_failure_lines: Vec<u64>,
    /// `MaxMetaspaceSize`, when the log says: JDK 8's `CommandLine flags:
    /// -XX:MaxMetaspaceSize=N`, the JDK 16+ allocation-failure report's
    /// `MaxMetaspaceSize: 64.00 MB`. `max_metaspace_unlimited` when it says
    /// `unlimited` (or prints the flag's unlimited default, 16 exabytes).
    pub max_metaspace_bytes: Option<u64>,
    pub max_metaspace_unlimited: bool,
    pub max_metaspace_line: Option<u64>,
    /// The collector: `Using G1` (JDK 9+), or JDK 8's `-XX:+UseG1GC`,
    /// `-XX:+UseConcMarkSweepGC`, `-XX:+UseParallelGC`, `-XX:+UseSerialGC`
    /// flag.
    pub collector: Option<String>,
    /// The JVM version: `[gc,init] Version: 17.0.15+6 (release)`, or the
    /// `JRE (1.8.0_31-b13)` of JDK 8's banner.
    pub vm_version: Option<String>,
    /// The last heap printout's Metaspace line.
    pub heap_metaspace: Option<HeapMetaspace>,
    /// Every collection, in the order of their first lines. At most
    /// [`GcLog::LIMIT`] are kept, evenly thinned when there are more (the
    /// first and last are always kept); the counts below are of all.
    pub collections: Vec<Collection>,
    /// How many collections there were before thinning.
    pub collection_count: u64,
    /// The sum of every collection's `pause_ms`.
    pub pause_total_ms: f64,
    /// The maximum heap, in bytes: `Heap Max Capacity: 64M` (JDK 15+
    /// `[gc,init]`), ZGC's `Max Capacity: 64M`, JDK 11's `Maximum heap N`
    /// (`gc+heap=debug`), JDK 8's `CommandLine flags: -XX:MaxHeapSize=N`
    /// (or `-Xmx`). The first one in the log wins.
    pub heap_max_bytes: Option<u64>,
    pub heap_max_line: Option<u64>,
    /// The initial heap (`Heap Initial Capacity:`, `Initial Capacity:`,
    /// `Initial heap N`, `-XX:InitialHeapSize=` / `-Xms`), in bytes.
    pub heap_initial_bytes: Option<u64>,
    pub heap_initial_line: Option<u64>,
    /// The minimum heap (`Heap Min Capacity:`, `Min Capacity:`), in bytes.
    pub heap_min_bytes: Option<u64>,
    /// G1's and Shenandoah's region size (`Heap Region Size: 1M`,
    /// `-XX:G1HeapRegionSize=`), in bytes.
    pub heap_region_bytes: Option<u64>,
}

impl GcLog {
    pub const LIMIT: usize = 10_000;
}

/// Lines a streaming scan must see; the others are skipped unread.
static ANCHORS: input::Anchors<&str> = input::Anchors::new(&[
    "Metaspace",
    "Metadata",
    "Pause ",
    "Collection (",
    "Trigger: ",
    "[GC",
    "[Full GC",
    "CommandLine flags:",
    "gc,init",
    "Version: ",
    "Using ",
    "class space",
    "concurrent mode failure",
    "Last ditch",
    " VM (",
    "MaxMetaspaceSize",
    // Heap figures and sizing.
    "->",
    "Capacity",
    "Heap Region Size",
    "Minimum heap",
    "Concurrent Mark Cycle",
    "Concurrent Cycle",
    " secs]",
    "-Xmx",
]);

/// Longest raw flags text kept, in bytes.
const MAX_FLAGS: usize = 8192;
/// How many `[gc,init]` lines go into the flags text.
const MAX_INIT_LINES: usize = 64;
/// How many collections are remembered to tie lines to their `GC(N)`.
const RECENT_EVENTS: usize = 32;
/// How far (in lines) a JDK 8 record's `[Metaspace: ...]` may be from its
/// header (G1 records are about 30 lines, with reference and adaptive-size
/// details a few hundred).
const JDK8_RECORD_LINES: u64 = 1000;
/// How far a unified-logging line without `GC(N)` (Shenandoah's
/// `Metaspace:`) may be from the cycle it belongs to.
const UNIFIED_CYCLE_LINES: u64 = 5000;
/// Longest text quoted in a warning.
const MAX_QUOTE: usize = 120;

/// Whether the head of a file looks like a GC log: at least a quarter of
/// its first non-empty lines (and at least one) are GC-log lines (unified
/// logging with `gc` tags or `GC(N)`, JDK 8 collection records and their
/// detail lines, the JDK 8 banner and `CommandLine flags:`).
pub fn looks_like_gclog(head: &[u8]) -> bool {
    let mut lines = 0usize;
    let mut gc = 0usize;
    for raw in head.split(|&b| b == b'\n').take(400) {
        let text = String::from_utf8_lossy(raw);
        let l = text.trim();
        if l.is_empty() {
            continue;
        }
        lines += 1;
        if is_gc_line(l) {
            gc += 1;
        }
    }
    gc >= 1 && gc * 4 >= lines
}

fn is_gc_line(l: &str) -> bool {
    let d = decorations(l);
    if d.unified {
        if let Some(tags) = d.tags {
            if tags == "gc" || tags.starts_with("gc,") || tags.starts_with("gc+") {
                return true;
            }
        }
    }
    let msg = d.msg;
    if gc_id(msg).is_some() || msg.starts_with("Using ") && d.unified {
        return true;
    }
    if jdk8_header(l).is_some()
        || l.starts_with("CommandLine flags:")
        || (l.contains(" VM (") && l.contains(" JRE ("))
        || (l.starts_with("Memory: ") && l.contains("k page"))
    {
        return true;
    }
    // JDK 8 record details: `[Times: ...]`, G1's phase lines, the end of
    // a record split by `-XX:+PrintTenuringDistribution`, PrintHeapAtGC.
    l.contains("[Times: ")
        || (l.starts_with('[')
            && (l.ends_with(" ms]") || (l.contains("Min: ") && l.contains("Avg: "))))
        || l.starts_with("[Eden:")
        || (l.starts_with(", ") && l.ends_with(" secs]"))
        || l.starts_with("{Heap ")
}

/// Streams a GC log. Never panics on input; I/O errors end the scan.
pub fn scan<R: Read>(source: &str, reader: R) -> io::Result<(GcLog, Warnings)> {
    let mut s = Scanner::new(source);
    let counts = input::scan_lines(reader, Some(ANCHORS.get()), &mut s)?;
    s.finish();
    s.log.lines = counts.lines;
    Ok((s.log, s.warnings))
}

/// Scans a whole GC log held in memory.
pub fn parse(source: &str, bytes: &[u8]) -> (GcLog, Warnings) {
    scan(source, bytes).unwrap_or_else(|_| (GcLog::default(), Warnings::new()))
}

/// Whether a cause is the threshold, a last-ditch collection, or other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CauseKind {
    Threshold,
    LastDitch,
    Other,
}

fn cause_kind(cause: &str) -> CauseKind {
    if cause.contains("Metadata GC Threshold") {
        CauseKind::Threshold
    } else if cause.contains("Metadata GC Clear Soft References")
        || cause.contains("Last ditch collection")
    {
        CauseKind::LastDitch
    } else {
        CauseKind::Other
    }
}

/// One collection, as far as the lines read so far tell.
#[derive(Debug, Clone)]
struct Event {
    /// `GC(N)`; None for JDK 8 records and for a Shenandoah trigger whose
    /// cycle has not printed its id yet.
    id: Option<u64>,
    cause: Option<String>,
    full: bool,
    line: u64,
    uptime_s: Option<f64>,
    time: Option<String>,
    has_sample: bool,
    counted_cause: bool,
    counted_full: bool,
    /// A Shenandoah trigger: the next new `GC(N)` is this cycle.
    awaiting_id: bool,
    /// What the collection is, when a line said (JDK 8 headers set it).
    kind: Option<CollectionKind>,
    /// The heap figures and the line they are on (the last such line wins).
    heap: Option<(HeapFigures, u64)>,
    old_after: Option<u64>,
    pause_ms: Option<f64>,
    /// ZGC's committed heap after (its `Capacity:` row).
    capacity: Option<u64>,
}

/// A heap transition: `38M->38M(64M)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct HeapFigures {
    before: Option<u64>,
    after: u64,
    committed: Option<u64>,
}

impl Event {
    fn new(id: Option<u64>, line: u64, uptime_s: Option<f64>, time: Option<String>) -> Event {
        Event {
            id,
            cause: None,
            full: false,
            line,
            uptime_s,
            time,
            has_sample: false,
            counted_cause: false,
            counted_full: false,
            awaiting_id: false,
            kind: None,
            heap: None,
            old_after: None,
            pause_ms: None,
            capacity: None,
        }
    }

    fn add_pause(&mut self, ms: f64) {
        self.pause_ms = Some(self.pause_ms.unwrap_or(0.0) + ms);
    }

    /// A kind from the collection's own line wins over one from a phase.
    fn set_kind(&mut self, kind: CollectionKind, strong: bool) {
        if strong || self.kind.is_none() {
            self.kind = Some(kind);
        }
    }
}

struct Scanner {
    source: String,
    log: GcLog,
    warnings: Warnings,
    /// Recent collections, oldest first.
    events: VecDeque<Event>,
    /// The newest sample, not yet committed: a pause line printed after it
    /// may still give its cause.
    pending: Option<MetaspaceSample>,
    /// Committed samples seen, and the thinning stride.
    committed: u64,
    stride: u64,
    /// `[gc,init]` lines gathered into `command_line_flags`.
    init_lines: usize,
    /// The flags came from JDK 8's `CommandLine flags:` (which wins).
    flags_from_jdk8: bool,
    /// The newest collection, not yet committed (the last is always kept).
    pending_collection: Option<Collection>,
    /// Committed collections seen, and their thinning stride.
    collections_committed: u64,
    collections_stride: u64,
}

impl LineSink for Scanner {
    fn line(&mut self, no: u64, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let l = text.trim_end_matches(['\r', '\n']);
        self.read_line(no, l);
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((&self.source, &mut self.warnings))
    }
}

impl Scanner {
    fn new(source: &str) -> Scanner {
        Scanner {
            source: source.to_string(),
            log: GcLog::default(),
            warnings: Warnings::new(),
            events: VecDeque::new(),
            pending: None,
            committed: 0,
            stride: 1,
            init_lines: 0,
            flags_from_jdk8: false,
            pending_collection: None,
            collections_committed: 0,
            collections_stride: 1,
        }
    }

    fn finish(&mut self) {
        if let Some(last) = self.pending.take() {
            self.log.samples.push(last);
        }
        while let Some(e) = self.events.pop_front() {
            self.emit(e);
        }
        if let Some(last) = self.pending_collection.take() {
            self.log.collections.push(last);
        }
        if self.log.collection_count > self.log.collections.len() as u64 {
            self.warnings.push(
                &self.source,
                None,
                format!(
                    "{} collections thinned to {} (evenly, first and last kept)",
                    self.log.collection_count,
                    self.log.collections.len()
                ),
            );
        }
        if self.log.sample_count > self.log.samples.len() as u64 {
            self.warnings.push(
                &self.source,
                None,
                format!(
                    "{} Metaspace samples thinned to {} (evenly, first and last kept)",
                    self.log.sample_count,
                    self.log.samples.len()
                ),
            );
        }
    }

    fn set_jdk(&mut self, jdk: &str) {
        if self.log.jdk.is_none() {
            self.log.jdk = Some(jdk.to_string());
        }
    }

    fn read_line(&mut self, no: u64, l: &str) {
        let d = decorations(l);
        if d.unified {
            let gc_tags = d
                .tags
                .is_some_and(|t| t == "gc" || t.starts_with("gc,") || t.starts_with("gc+"));
            if gc_tags || gc_id(d.msg).is_some() {
                self.set_jdk("9+");
            }
            self.unified_line(no, &d);
            return;
        }
        // No decorations: JDK 8, or unified logging with `none` decorators
        // (`GC(3) Pause Young ...`, `Using G1`).
        if gc_id(d.msg).is_some() {
            self.set_jdk("9+");
            self.unified_line(no, &d);
            return;
        }
        self.jdk8_line(no, l);
    }

    // ---- JDK 9+ unified logging -------------------------------------

    fn unified_line(&mut self, no: u64, d: &Decorated<'_>) {
        let msg = d.msg;
        if d.tags.is_some_and(|t| t == "gc,init") {
            self.init_line(msg);
        }
        let (id, rest) = match gc_id(msg) {
            Some((id, rest)) => (Some(id), rest),
            None => (None, msg),
        };
        if let Some(id) = id {
            self.adopt_id(id, no, d);
        }
        if let Some(payload) = rest.strip_prefix("Metaspace: ") {
            self.unified_metaspace(no, d, id, payload);
            return;
        }
        if rest.starts_with("Metaspace (") && rest.contains("allocation failed") {
            self.log.metaspace_alloc_failures += 1;
            push_bounded(&mut self.log.metaspace_alloc_failure_lines, no);
            return;
        }
        if let Some(v) = rest.strip_prefix("MaxMetaspaceSize:") {
            self.max_metaspace_text(no, v.trim());
            return;
        }
        if let Some(cause) = msg.strip_prefix("Trigger: ") {
            // Shenandoah: the cycle that follows has this cause.
            let mut e = Event::new(None, no, d.uptime_s, d.time.map(str::to_string));
            e.awaiting_id = true;
            self.push_event(e);
            self.set_cause_last(no, cause.trim());
            return;
        }
        if id.is_none() {
            if let Some(c) = msg.strip_prefix("Using ") {
                let c = c.trim();
                if self.log.collector.is_none()
                    && !c.is_empty()
                    && !c.starts_with(|ch: char| ch.is_ascii_digit())
                {
                    self.log.collector = Some(clip(c, MAX_QUOTE));
                }
                return;
            }
            if self.heap_print(no, msg) || self.heap_sizing(no, msg) {
                return;
            }
        }
        if let Some(id) = id {
            if let Some((full, cause)) = unified_pause(rest) {
                self.unified_event(no, id, full, cause);
            }
            self.unified_heap(no, id, rest);
        }
    }

    /// A `GC(N)` line's heap facts: the collection's kind, its heap
    /// transition and pause, or a `[gc,heap]` line (old generation, ZGC's
    /// capacity).
    fn unified_heap(&mut self, no: u64, id: u64, rest: &str) {
        let Some(idx) = self.events.iter().rposition(|e| e.id == Some(id)) else {
            return;
        };
        let region = self.log.heap_region_bytes;
        let e = &mut self.events[idx];
        if let Some((kind, strong)) = unified_kind(rest) {
            e.set_kind(kind, strong);
            if let Some(h) = heap_transition(rest) {
                e.heap = Some((h, no));
            }
            if rest.starts_with("Pause ") {
                if let Some(ms) = trailing_ms(rest) {
                    e.add_pause(ms);
                }
            }
            return;
        }
        let r = rest.trim_start();
        for label in ["ParOldGen: ", "PSOldGen: ", "Tenured: ", "CMS: "] {
            if let Some(v) = r.strip_prefix(label) {
                if let Some(t) = transition(v) {
                    e.old_after = Some(t.after);
                }
                return;
            }
        }
        if let Some(v) = r.strip_prefix("Old regions: ") {
            let after = v.split("->").nth(1).map(|a| a.trim());
            if let (Some(a), Some(size)) = (after.and_then(|a| a.parse::<u64>().ok()), region) {
                e.old_after = a.checked_mul(size);
            }
            return;
        }
        if let Some(v) = r.strip_prefix("Capacity:") {
            // ZGC: Mark Start, Mark End, Relocate Start, Relocate End, High,
            // Low; each `64M (100%)`.
            let committed = v
                .split_whitespace()
                .filter(|t| !t.starts_with('('))
                .nth(3)
                .and_then(|t| lead_size(t).filter(|(_, rest)| rest.is_empty()))
                .map(|(b, _)| b);
            if committed.is_some() {
                e.capacity = committed;
            }
        }
    }

    /// `[gc,init]` heap sizes (`Heap Max Capacity: 64M`, ZGC's `Max
    /// Capacity: 64M`, JDK 11's `Minimum heap N  Initial heap N  Maximum
    /// heap N`); whether the line was one.
    fn heap_sizing(&mut self, no: u64, msg: &str) -> bool {
        let m = msg.trim();
        if m.starts_with("Minimum heap ") {
            // `Name heap N`, three times.
            let mut name = "";
            for w in m.split_whitespace() {
                match w.parse::<u64>() {
                    Ok(b) => match name {
                        "Minimum" => self.log.heap_min_bytes = Some(b),
                        "Initial" => self.set_heap_initial(b, no),
                        "Maximum" => self.set_heap_max(b, no),
                        _ => {}
                    },
                    Err(_) if w != "heap" => name = w,
                    Err(_) => {}
                }
            }
            return true;
        }
        const SIZES: [(&str, u8); 7] = [
            ("Heap Max Capacity: ", 0),
            ("Max Capacity: ", 0),
            ("Heap Initial Capacity: ", 1),
            ("Initial Capacity: ", 1),
            ("Heap Min Capacity: ", 2),
            ("Min Capacity: ", 2),
            ("Heap Region Size: ", 3),
        ];
        let Some((v, which)) = SIZES
            .iter()
            .find_map(|(p, w)| m.strip_prefix(p).map(|v| (v.trim(), *w)))
        else {
            return false;
        };
        let Some((b, "")) = lead_size(v) else {
            return false;
        };
        match which {
            0 => self.set_heap_max(b, no),
            1 => self.set_heap_initial(b, no),
            2 => self.log.heap_min_bytes = Some(b),
            _ => self.log.heap_region_bytes = Some(b),
        }
        true
    }

    fn set_heap_max(&mut self, b: u64, no: u64) {
        if self.log.heap_max_bytes.is_none() {
            self.log.heap_max_bytes = Some(b);
            self.log.heap_max_line = Some(no);
        }
    }

    fn set_heap_initial(&mut self, b: u64, no: u64) {
        if self.log.heap_initial_bytes.is_none() {
            self.log.heap_initial_bytes = Some(b);
            self.log.heap_initial_line = Some(no);
        }
    }

    /// A `[gc,init]` line: into the flags text; `Version:` gives the VM.
    fn init_line(&mut self, msg: &str) {
        if let Some(v) = msg.strip_prefix("Version: ") {
            if self.log.vm_version.is_none() {
                self.log.vm_version = Some(clip(v.trim(), MAX_QUOTE));
            }
        }
        if self.flags_from_jdk8 || self.init_lines >= MAX_INIT_LINES {
            return;
        }
        self.init_lines += 1;
        let flags = self.log.command_line_flags.get_or_insert_with(String::new);
        if flags.len() + msg.len() + 2 <= MAX_FLAGS {
            if !flags.is_empty() {
                flags.push_str("; ");
            }
            flags.push_str(msg.trim());
        }
    }

    /// A `GC(N)` line: a Shenandoah trigger waiting for its id takes it.
    fn adopt_id(&mut self, id: u64, no: u64, d: &Decorated<'_>) {
        if self.events.iter().any(|e| e.id == Some(id)) {
            return;
        }
        if let Some(last) = self.events.back_mut() {
            if last.awaiting_id && no.saturating_sub(last.line) <= UNIFIED_CYCLE_LINES {
                last.id = Some(id);
                last.awaiting_id = false;
                return;
            }
        }
        self.push_event(Event::new(
            Some(id),
            no,
            d.uptime_s,
            d.time.map(str::to_string),
        ));
    }

    fn unified_event(&mut self, no: u64, id: u64, full: bool, cause: Option<&str>) {
        let Some(idx) = self.events.iter().rposition(|e| e.id == Some(id)) else {
            return;
        };
        if full {
            self.set_full(idx);
        }
        if let Some(cause) = cause {
            self.set_cause(idx, no, cause);
        }
        // A sample printed before this line takes what it says.
        let e = self.events[idx].clone();
        if let Some(p) = self.pending.as_mut() {
            if p.gc_id == Some(id) {
                apply_event(p, &e);
            }
        }
    }

    fn unified_metaspace(&mut self, no: u64, d: &Decorated<'_>, id: Option<u64>, payload: &str) {
        let Some(m) = metaspace_figures(payload) else {
            self.warnings.push(
                &self.source,
                Some(no),
                format!(
                    "Metaspace figures not understood: {}",
                    clip(payload, MAX_QUOTE)
                ),
            );
            return;
        };
        let idx = match id {
            Some(id) => self.events.iter().rposition(|e| e.id == Some(id)),
            // Shenandoah prints its Metaspace line without a GC id, at the
            // end of the cycle.
            None => self
                .events
                .iter()
                .rposition(|e| !e.has_sample && no.saturating_sub(e.line) <= UNIFIED_CYCLE_LINES),
        };
        let mut s = m.sample(no);
        s.uptime_s = d.uptime_s;
        s.time = d.time.map(str::to_string);
        s.gc_id = id;
        if let Some(idx) = idx {
            let e = &mut self.events[idx];
            e.has_sample = true;
            if s.gc_id.is_none() {
                s.gc_id = e.id;
            }
            let e = e.clone();
            apply_event(&mut s, &e);
            if s.uptime_s.is_none() {
                s.uptime_s = e.uptime_s;
            }
            if s.time.is_none() {
                s.time = e.time;
            }
        }
        self.push_sample(s);
    }

    // ---- JDK 8 -PrintGCDetails ---------------------------------------

    fn jdk8_line(&mut self, no: u64, l: &str) {
        if let Some(flags) = l.strip_prefix("CommandLine flags:") {
            self.set_jdk("8");
            self.jdk8_flags(no, flags.trim());
            return;
        }
        if l.contains(" VM (") {
            if let Some(v) = between(l, " JRE (", ")") {
                if self.log.vm_version.is_none() {
                    self.log.vm_version = Some(clip(v, MAX_QUOTE));
                }
                if v.starts_with("1.8") || v.starts_with("8") {
                    self.set_jdk("8");
                }
                return;
            }
        }
        if self.heap_print(no, l.trim_start()) {
            return;
        }
        if let Some(h) = jdk8_header(l) {
            self.set_jdk("8");
            let (uptime_s, time) = jdk8_stamps(&l[..h.start]);
            self.push_event(Event::new(None, no, uptime_s, time));
            let idx = self.events.len() - 1;
            if h.full {
                self.set_full(idx);
            }
            if let Some(cause) = h.cause {
                self.set_cause(idx, no, cause);
            }
            let record = &l[h.start..];
            let kind = if h.full {
                CollectionKind::Full
            } else if record.contains("(mixed)") {
                CollectionKind::Mixed
            } else if matches!(h.cause, Some("CMS Initial Mark" | "CMS Final Remark")) {
                CollectionKind::Remark
            } else {
                CollectionKind::Young
            };
            self.events[idx].set_kind(kind, true);
            self.jdk8_figures(idx, no, record);
        } else if let Some(idx) = self.jdk8_open_record(no) {
            // A later line of the record: G1's `[Eden: ... Heap: A(B)->C(D)]`,
            // the rest of a record split by other output.
            self.jdk8_figures(idx, no, l);
        }
        if l.contains("(concurrent mode failure)") {
            // CMS fell back to a full collection inside a young one.
            if let Some(idx) = self.recent_jdk8_event(no) {
                self.set_full(idx);
            }
        }
        if let Some(at) = l.find("[Metaspace: ") {
            let payload = &l[at + "[Metaspace: ".len()..];
            let payload = payload.split(']').next().unwrap_or("");
            let Some(m) = metaspace_figures(payload) else {
                self.warnings.push(
                    &self.source,
                    Some(no),
                    format!(
                        "Metaspace figures not understood: {}",
                        clip(payload, MAX_QUOTE)
                    ),
                );
                return;
            };
            let mut s = m.sample(no);
            if let Some(idx) = self.recent_jdk8_event(no) {
                let e = &mut self.events[idx];
                e.has_sample = true;
                let e = e.clone();
                apply_event(&mut s, &e);
                s.uptime_s = e.uptime_s;
                s.time = e.time;
            }
            self.push_sample(s);
        }
    }

    /// The JDK 8 record a later line may complete: the newest, if near and
    /// still without heap figures or pause.
    fn jdk8_open_record(&self, no: u64) -> Option<usize> {
        let idx = self.events.len().checked_sub(1)?;
        let e = &self.events[idx];
        (e.id.is_none()
            && e.kind.is_some()
            && (e.heap.is_none() || e.pause_ms.is_none())
            && no.saturating_sub(e.line) <= JDK8_RECORD_LINES)
            .then_some(idx)
    }

    /// Heap figures, old generation and pause from (part of) a JDK 8 record.
    fn jdk8_figures(&mut self, idx: usize, no: u64, text: &str) {
        let e = &mut self.events[idx];
        if e.heap.is_none() {
            if let Some(h) = jdk8_heap(text) {
                e.heap = Some((h, no));
            }
        }
        if e.old_after.is_none() {
            e.old_after = jdk8_old(text);
        }
        if e.pause_ms.is_none() {
            e.pause_ms = last_secs(text).map(|s| s * 1e3);
        }
    }

    /// The JDK 8 record a detail line belongs to: the newest one, if it has
    /// no sample yet and is near.
    fn recent_jdk8_event(&self, no: u64) -> Option<usize> {
        let idx = self.events.len().checked_sub(1)?;
        let e = &self.events[idx];
        (e.id.is_none() && !e.has_sample && no.saturating_sub(e.line) <= JDK8_RECORD_LINES)
            .then_some(idx)
    }

    fn jdk8_flags(&mut self, no: u64, flags: &str) {
        self.flags_from_jdk8 = true;
        self.log.command_line_flags = Some(clip(flags, MAX_FLAGS));
        for f in flags.split_whitespace() {
            if let Some(v) = f.strip_prefix("-XX:MaxMetaspaceSize=") {
                self.max_metaspace(no, units::jvm_flag_limit(v), v);
            }
            for (prefix, which) in [
                ("-XX:MaxHeapSize=", 0),
                ("-Xmx", 0),
                ("-XX:InitialHeapSize=", 1),
                ("-Xms", 1),
                ("-XX:G1HeapRegionSize=", 2),
            ] {
                if let Some(b) = f.strip_prefix(prefix).and_then(super::flags::parse_size) {
                    match which {
                        0 => self.set_heap_max(b, no),
                        1 => self.set_heap_initial(b, no),
                        _ => self.log.heap_region_bytes = Some(b),
                    }
                }
            }
            let collector = match f {
                "-XX:+UseG1GC" => Some("G1"),
                "-XX:+UseConcMarkSweepGC" => Some("CMS"),
                "-XX:+UseParallelGC" | "-XX:+UseParallelOldGC" => Some("Parallel"),
                "-XX:+UseSerialGC" => Some("Serial"),
                "-XX:+UseShenandoahGC" => Some("Shenandoah"),
                "-XX:+UseZGC" => Some("ZGC"),
                _ => None,
            };
            if let Some(c) = collector {
                self.log.collector = Some(c.to_string());
            }
        }
    }

    // ---- shared -------------------------------------------------------

    /// `MaxMetaspaceSize: 64.00 MB` / `unlimited` (JDK 16+ reports).
    fn max_metaspace_text(&mut self, no: u64, v: &str) {
        self.max_metaspace(no, units::hotspot_limit(v), v);
    }

    /// Records `MaxMetaspaceSize` as read from `v` (a flag or a printout).
    fn max_metaspace(&mut self, no: u64, limit: Result<Limit, SizeError>, v: &str) {
        match limit {
            Ok(limit) => {
                self.log.max_metaspace_unlimited = limit == Limit::Unlimited;
                self.log.max_metaspace_bytes = limit.bytes();
                self.log.max_metaspace_line = Some(no);
            }
            Err(_) => self.warnings.push(
                &self.source,
                Some(no),
                format!("MaxMetaspaceSize not understood: {}", clip(v, MAX_QUOTE)),
            ),
        }
    }

    /// The heap printout's `Metaspace used ...` / `class space used ...`
    /// lines; whether the line was one.
    fn heap_print(&mut self, no: u64, msg: &str) -> bool {
        let t = msg.trim_start();
        if let Some(rest) = t.strip_prefix("Metaspace") {
            if !rest.starts_with(' ') {
                return false;
            }
            let rest = rest.trim_start();
            if !rest.starts_with("used ") {
                return false;
            }
            let f = heap_fields(rest);
            let Some(used) = f.used else {
                return false;
            };
            self.log.heap_metaspace = Some(HeapMetaspace {
                used_bytes: used,
                capacity_bytes: f.capacity,
                committed_bytes: f.committed,
                reserved_bytes: f.reserved,
                class_used_bytes: None,
                line: no,
            });
            return true;
        }
        if let Some(rest) = t.strip_prefix("class space") {
            let rest = rest.trim_start();
            if !rest.starts_with("used ") {
                return false;
            }
            if let Some(h) = self.log.heap_metaspace.as_mut() {
                if h.line + 1 == no {
                    h.class_used_bytes = heap_fields(rest).used;
                }
            }
            return true;
        }
        false
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() >= RECENT_EVENTS {
            if let Some(old) = self.events.pop_front() {
                self.emit(old);
            }
        }
        self.events.push_back(e);
    }

    /// A collection leaves the window of recent ones: into the log. A
    /// Shenandoah trigger that never got its cycle is none.
    fn emit(&mut self, e: Event) {
        if e.id.is_none() && e.kind.is_none() {
            return;
        }
        let kind = if e.full {
            CollectionKind::Full
        } else {
            e.kind.unwrap_or(CollectionKind::Unknown)
        };
        let c = Collection {
            gc_id: e.id,
            kind,
            cause: e.cause,
            uptime_s: e.uptime_s,
            time: e.time,
            heap_before_bytes: e.heap.and_then(|(h, _)| h.before),
            heap_after_bytes: e.heap.map(|(h, _)| h.after),
            heap_committed_bytes: e.heap.and_then(|(h, _)| h.committed).or(e.capacity),
            old_after_bytes: e.old_after,
            pause_ms: e.pause_ms,
            line: e.line,
            heap_line: e.heap.map(|(_, l)| l),
        };
        self.log.collection_count += 1;
        self.log.pause_total_ms += c.pause_ms.unwrap_or(0.0);
        if let Some(prev) = self.pending_collection.replace(c) {
            thin_push(
                &mut self.log.collections,
                &mut self.collections_committed,
                &mut self.collections_stride,
                prev,
            );
        }
    }

    fn set_full(&mut self, idx: usize) {
        let e = &mut self.events[idx];
        e.full = true;
        if !e.counted_full {
            e.counted_full = true;
            self.log.full_gcs += 1;
        }
    }

    fn set_cause_last(&mut self, no: u64, cause: &str) {
        if let Some(idx) = self.events.len().checked_sub(1) {
            self.set_cause(idx, no, cause);
        }
    }

    fn set_cause(&mut self, idx: usize, no: u64, cause: &str) {
        let e = &mut self.events[idx];
        if e.cause.is_none() {
            e.cause = Some(clip(cause, MAX_QUOTE));
        }
        if e.counted_cause {
            return;
        }
        match cause_kind(cause) {
            CauseKind::Threshold => {
                e.counted_cause = true;
                self.log.metadata_threshold_gcs += 1;
                push_bounded(&mut self.log.metadata_threshold_lines, no);
            }
            CauseKind::LastDitch => {
                e.counted_cause = true;
                self.log.metadata_last_ditch_gcs += 1;
                push_bounded(&mut self.log.metadata_last_ditch_lines, no);
            }
            CauseKind::Other => {}
        }
    }

    fn push_sample(&mut self, s: MetaspaceSample) {
        self.log.sample_count += 1;
        if let Some(prev) = self.pending.replace(s) {
            self.commit(prev);
        }
    }

    fn commit(&mut self, s: MetaspaceSample) {
        thin_push(
            &mut self.log.samples,
            &mut self.committed,
            &mut self.stride,
            s,
        );
    }
}

/// Keeps every `stride`-th item committed; when the room (all but one
/// place, kept for the last item) is full, drops every other one and
/// doubles the stride. `seen` counts the items committed so far.
fn thin_push<T>(kept: &mut Vec<T>, seen: &mut u64, stride: &mut u64, item: T) {
    let i = *seen;
    *seen += 1;
    if i % *stride != 0 {
        return;
    }
    if kept.len() >= GcLog::LIMIT - 1 {
        let mut k = 0usize;
        kept.retain(|_| {
            let keep = k % 2 == 0;
            k += 1;
            keep
        });
        *stride = stride.saturating_mul(2);
        if i % *stride != 0 {
            return;
        }
    }
    kept.push(item);
}

fn apply_event(s: &mut MetaspaceSample, e: &Event) {
    s.full = e.full;
    s.cause.clone_from(&e.cause);
    s.metadata_threshold = e
        .cause
        .as_deref()
        .is_some_and(|c| cause_kind(c) == CauseKind::Threshold);
}

fn push_bounded(v: &mut Vec<u64>, no: u64) {
    if v.len() < GcLog::LIMIT {
        v.push(no);
    }
}

/// The text between the first `open` and the next `close` after it.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

// ---- decorations ----------------------------------------------------------

/// A unified-logging line split into its decorations and message.
#[derive(Debug, Default)]
struct Decorated<'a> {
    /// At least one decoration was read.
    unified: bool,
    time: Option<&'a str>,
    uptime_s: Option<f64>,
    tags: Option<&'a str>,
    msg: &'a str,
}

/// Reads the leading `[...]` decorations of a unified-logging line with
/// [`ulog::read`]: wall clock, uptime, tags; the other decorators are
/// skipped. A bracket that cannot be a decorator (it holds a space or a
/// `[`: JDK 8 records start with `[GC (` and `[CMS-...`) ends them.
fn decorations(line: &str) -> Decorated<'_> {
    let u = ulog::read(line.as_bytes());
    // The reader cuts only at ASCII brackets and spaces: every part is
    // UTF-8 again.
    fn text(b: &[u8]) -> Option<&str> {
        std::str::from_utf8(b).ok()
    }
    Decorated {
        unified: u.is_unified(),
        time: u.time_text.and_then(text),
        uptime_s: u.uptime_s(),
        tags: u.tags.and_then(text),
        msg: text(u.message).unwrap_or(line),
    }
}

/// `12.345`, `12,345`, `12`: a decimal with `.` or a locale's `,`.
fn decimal(s: &str) -> Option<f64> {
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    // A decimal comma (some locales) costs a copy; the usual point none.
    let v = if s.contains(',') {
        s.replace(',', ".").parse::<f64>()
    } else {
        s.parse::<f64>()
    };
    v.ok().filter(|v| v.is_finite())
}

/// `GC(12) rest` -> (12, rest).
fn gc_id(msg: &str) -> Option<(u64, &str)> {
    let rest = msg.strip_prefix("GC(")?;
    let close = rest.find(')')?;
    let id: u64 = rest[..close].parse().ok()?;
    let after = &rest[close + 1..];
    Some((id, after.strip_prefix(' ').unwrap_or(after)))
}

/// A unified-logging collection line: whether it is full, and its cause.
fn unified_pause(rest: &str) -> Option<(bool, Option<&str>)> {
    const KINDS: [(&str, bool); 9] = [
        ("Pause Full", true),
        ("Pause Young", false),
        ("Pause Mixed", false),
        ("Pause Initial Mark", false),
        ("Pause Remark", false),
        ("Garbage Collection", false),
        ("Major Collection", false),
        ("Minor Collection", false),
        ("Young Collection", false),
    ];
    let (kind, full) = KINDS.iter().find(|(k, _)| rest.starts_with(k))?;
    let mut tail = &rest[kind.len()..];
    let mut last: Option<&str> = None;
    while let Some(after) = tail.strip_prefix(" (") {
        let Some(len) = group_end(after) else {
            break;
        };
        last = Some(&after[..len]);
        tail = &after[len + 1..];
    }
    // G1's young kinds are not causes (`Pause Young (Normal) (G1
    // Evacuation Pause)` prints both).
    let cause = last.filter(|c| {
        !matches!(
            *c,
            "Normal" | "Concurrent Start" | "Prepare Mixed" | "Mixed" | "Concurrent End"
        )
    });
    Some((*full, cause))
}

/// The length of a parenthesised group's content (`s` starts right after
/// its `(`), nested parentheses included (`System.gc()`).
fn group_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

// ---- JDK 8 records --------------------------------------------------------

struct Jdk8Header<'a> {
    /// Where the `[` of the header starts.
    start: usize,
    full: bool,
    cause: Option<&'a str>,
}

/// The first JDK 8 collection header of a line: `[GC (cause)`, `[GC pause
/// (cause) (young)`, `[Full GC (cause)`, and the cause-less JDK 7 forms
/// (`[GC [PSYoungGen:`, `[GC--`, `[Full GC [`). Not G1's `[GC remark`,
/// `[GC cleanup`, `[GC concurrent-...`, `[GC Worker ...`.
fn jdk8_header(l: &str) -> Option<Jdk8Header<'_>> {
    let mut from = 0;
    while let Some(off) = l[from..].find('[') {
        let start = from + off;
        let s = &l[start..];
        if let Some(r) = s.strip_prefix("[Full GC") {
            let cause = r
                .strip_prefix(" (")
                .and_then(|a| group_end(a).map(|n| &a[..n]));
            return Some(Jdk8Header {
                start,
                full: true,
                cause,
            });
        }
        if let Some(r) = s.strip_prefix("[GC") {
            if let Some(a) = r.strip_prefix(" (") {
                return Some(Jdk8Header {
                    start,
                    full: false,
                    cause: group_end(a).map(|n| &a[..n]),
                });
            }
            if let Some(a) = r.strip_prefix(" pause (") {
                return Some(Jdk8Header {
                    start,
                    full: false,
                    cause: group_end(a).map(|n| &a[..n]),
                });
            }
            if r.starts_with(" [")
                || r.starts_with("--")
                || r.strip_prefix(' ')
                    .is_some_and(|a| a.starts_with(|c: char| c.is_ascii_digit()))
            {
                return Some(Jdk8Header {
                    start,
                    full: false,
                    cause: None,
                });
            }
        }
        from = start + 1;
    }
    None
}

/// The `2023-12-02T13:55:56.123+0800: 12345.678: ` stamps before a JDK 8
/// header (either may be missing; `#N: ` from `-XX:+PrintGCID` is skipped).
fn jdk8_stamps(prefix: &str) -> (Option<f64>, Option<String>) {
    let mut uptime = None;
    let mut time = None;
    let mut rest = prefix.trim_end();
    for _ in 0..3 {
        let Some(r) = rest.strip_suffix(':') else {
            break;
        };
        let r = r.trim_end();
        let (head, token) = match r.rfind(' ') {
            Some(i) => (&r[..i], &r[i + 1..]),
            None => ("", r),
        };
        if token.starts_with('#') {
            rest = head;
            continue;
        }
        if iso_stamp(token.as_bytes()).is_some_and(|(_, used)| used == token.len()) {
            time = Some(token.to_string());
            break;
        }
        match decimal(token) {
            Some(v) if uptime.is_none() && token.starts_with(|c: char| c.is_ascii_digit()) => {
                uptime = Some(v);
                rest = head;
            }
            _ => break,
        }
    }
    (uptime, time)
}

// ---- heap figures ------------------------------------------------------------

/// The kind a unified-logging collection line names, and whether it is the
/// collection's own line (strong) or one of its phases (weak: it names the
/// kind only when nothing else does).
fn unified_kind(rest: &str) -> Option<(CollectionKind, bool)> {
    use CollectionKind as K;
    if rest.starts_with("Pause Full") {
        return Some((K::Full, true));
    }
    if let Some(r) = rest.strip_prefix("Pause Young") {
        let kind = if r.starts_with(" (Mixed)") {
            K::Mixed
        } else {
            K::Young
        };
        return Some((kind, true));
    }
    if rest.starts_with("Pause Mixed") {
        return Some((K::Mixed, true));
    }
    if rest.starts_with("Pause Initial Mark (") {
        // JDK 9-11 G1: a young collection that starts a marking cycle.
        return Some((K::Young, true));
    }
    if rest.starts_with("Pause Degenerated") {
        return Some((K::Degenerated, true));
    }
    if rest.starts_with("Pause ") {
        // Remark, Cleanup, Init Mark, Final Mark, ZGC's Mark Start ...
        return Some((K::Concurrent, false));
    }
    if rest.starts_with("Garbage Collection") || rest.starts_with("Major Collection") {
        return Some((K::Concurrent, true));
    }
    if rest.starts_with("Minor Collection") || rest.starts_with("Young Collection") {
        return Some((K::Young, true));
    }
    if rest.starts_with("Concurrent cleanup")
        || rest.starts_with("Concurrent Mark Cycle")
        || rest.starts_with("Concurrent Cycle")
    {
        return Some((K::Concurrent, false));
    }
    None
}

/// The heap transition of a unified-logging collection line: `38M->38M(64M)`,
/// ZGC's `64M(100%)->20M(31%)` (no committed size).
fn heap_transition(rest: &str) -> Option<HeapFigures> {
    let arrow = rest.find("->")?;
    let start = rest[..arrow].rfind(' ').map_or(0, |i| i + 1);
    let token = &rest[start..];
    if let Some(t) = transition(token) {
        if t.before_paren.is_none() {
            return Some(HeapFigures {
                before: Some(t.before),
                after: t.after,
                committed: t.after_paren,
            });
        }
        return None;
    }
    // ZGC: sizes with a percentage of the maximum in parentheses.
    let (before, r) = lead_size(token)?;
    let r = r.strip_prefix('(')?;
    let r = &r[r.find(")->")? + 3..];
    let (after, r) = lead_size(r)?;
    r.starts_with('(').then_some(HeapFigures {
        before: Some(before),
        after,
        committed: None,
    })
}

/// The duration that ends a line, in milliseconds: `9.955ms`.
fn trailing_ms(rest: &str) -> Option<f64> {
    let last = rest.trim_end().rsplit(' ').next()?;
    decimal(last.strip_suffix("ms")?)
}

/// A JDK 8 record's heap transition: the first `A->B(C)` that is not a
/// generation's (a generation's follows its name and a colon, `[PSYoungGen:
/// ...`); G1's `Heap: A(B)->C(D)` detail.
fn jdk8_heap(text: &str) -> Option<HeapFigures> {
    if let Some(i) = text.find(" Heap: ") {
        if let Some(t) = transition(&text[i + " Heap: ".len()..]) {
            return Some(HeapFigures {
                before: Some(t.before),
                after: t.after,
                committed: t.after_paren,
            });
        }
    }
    let mut from = 0;
    while let Some(off) = text[from..].find("->") {
        let arrow = from + off;
        let start = text[..arrow].rfind(' ').map_or(0, |i| i + 1);
        let prev = text[..start].trim_end().chars().last();
        if matches!(prev, Some(']' | ')')) {
            if let Some(t) = transition(&text[start..]) {
                if t.before_paren.is_none() {
                    return Some(HeapFigures {
                        before: Some(t.before),
                        after: t.after,
                        committed: t.after_paren,
                    });
                }
            }
        }
        from = arrow + 2;
    }
    None
}

/// The old generation after, from a JDK 8 record: `[ParOldGen: A->B(C)]`,
/// `[PSOldGen: ...`, `[Tenured: ...`, `[CMS: ...`, `(concurrent mode
/// failure): A->B(C)`, and a full CMS record's `[CMS[YG occupancy: ...]
/// ...: A->B(C)` (the first transition after `[CMS`).
fn jdk8_old(text: &str) -> Option<u64> {
    let labelled = [
        "[ParOldGen: ",
        "[PSOldGen: ",
        "[Tenured: ",
        "[CMS: ",
        "(concurrent mode failure): ",
    ]
    .iter()
    .find_map(|label| {
        let i = text.find(label)?;
        transition(&text[i + label.len()..]).map(|t| t.after)
    });
    labelled.or_else(|| {
        let cms = &text[text.find("[CMS[")?..];
        let arrow = cms.find("->")?;
        let start = cms[..arrow].rfind(' ').map_or(0, |i| i + 1);
        transition(&cms[start..]).map(|t| t.after)
    })
}

/// The record's total time in seconds: the last `, 0.0225874 secs]` before
/// any `[Times: ...]`.
fn last_secs(text: &str) -> Option<f64> {
    let text = text.find("[Times:").map_or(text, |i| &text[..i]);
    let end = text.rfind(" secs]")?;
    let head = &text[..end];
    decimal(&head[head.rfind(", ")? + 2..])
}

// ---- Metaspace figures ------------------------------------------------------

/// What a `Metaspace:` line holds.
#[derive(Debug, Default, PartialEq)]
struct Figures {
    used_before: Option<u64>,
    used_after: u64,
    committed_after: Option<u64>,
    reserved_after: Option<u64>,
    class_used_after: Option<u64>,
}

impl Figures {
    fn sample(&self, line: u64) -> MetaspaceSample {
        MetaspaceSample {
            uptime_s: None,
            time: None,
            used_before_bytes: self.used_before,
            used_after_bytes: self.used_after,
            committed_after_bytes: self.committed_after,
            class_used_after_bytes: self.class_used_after,
            metadata_threshold: false,
            full: false,
            gc_id: None,
            line,
            reserved_after_bytes: self.reserved_after,
            cause: None,
        }
    }
}

/// A size glued to its unit (`20480K`, `5120.0K`, `0.0B`, `11M`) at the
/// start of `s`; returns it and the rest.
fn lead_size(s: &str) -> Option<(u64, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let unit_len = s[end..]
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len() - end);
    let unit = &s[end..end + unit_len];
    if !matches!(unit, "B" | "K" | "M" | "G" | "T") {
        return None;
    }
    let v = parse_size(&s[..end + unit_len])?;
    Some((v, &s[end + unit_len..]))
}

/// `A(a)->B(b)` or `A->B(C)`.
struct Transition<'a> {
    before: u64,
    before_paren: Option<u64>,
    after: u64,
    after_paren: Option<u64>,
    rest: &'a str,
}

/// Reads a transition at the start of `s`.
fn transition(s: &str) -> Option<Transition<'_>> {
    let (before, mut r) = lead_size(s)?;
    let mut before_paren = None;
    if let Some(p) = r.strip_prefix('(') {
        let (v, rest) = lead_size(p)?;
        before_paren = Some(v);
        r = rest.strip_prefix(')')?;
    }
    let r = r.strip_prefix("->")?;
    let (after, mut r) = lead_size(r)?;
    let mut after_paren = None;
    if let Some(p) = r.strip_prefix('(') {
        let (v, rest) = lead_size(p)?;
        after_paren = Some(v);
        r = rest.strip_prefix(')')?;
    }
    Some(Transition {
        before,
        before_paren,
        after,
        after_paren,
        rest: r,
    })
}

/// Reads the text after `Metaspace: ` in any of its forms.
fn metaspace_figures(payload: &str) -> Option<Figures> {
    let p = payload.trim();
    if let Some(t) = transition(p) {
        if t.before_paren.is_some() {
            // JDK 16+: used(committed)->used(committed), then the parts.
            let class_used_after = t
                .rest
                .find(" Class: ")
                .and_then(|i| transition(&t.rest[i + " Class: ".len()..]))
                .map(|c| c.after);
            return Some(Figures {
                used_before: Some(t.before),
                used_after: t.after,
                committed_after: t.after_paren,
                reserved_after: None,
                class_used_after,
            });
        }
        // JDK 8 to 15: used->used(reserved).
        return Some(Figures {
            used_before: Some(t.before),
            used_after: t.after,
            committed_after: None,
            reserved_after: t.after_paren,
            class_used_after: None,
        });
    }
    // ZGC: `11M used, 17M committed, 128M reserved`.
    let mut f = Figures::default();
    let mut used = None;
    for part in p.split(", ") {
        let (v, rest) = lead_size(part.trim())?;
        match rest.trim() {
            "used" => used = Some(v),
            "committed" => f.committed_after = Some(v),
            "reserved" => f.reserved_after = Some(v),
            _ => return None,
        }
    }
    f.used_after = used?;
    Some(f)
}

/// `used 3661K, capacity 4490K, committed 4864K, reserved 1056768K`.
#[derive(Default)]
struct HeapFields {
    used: Option<u64>,
    capacity: Option<u64>,
    committed: Option<u64>,
    reserved: Option<u64>,
}

fn heap_fields(s: &str) -> HeapFields {
    let mut f = HeapFields::default();
    for part in s.split(", ") {
        let mut it = part.split_whitespace();
        let (Some(k), Some(v)) = (it.next(), it.next()) else {
            continue;
        };
        let Some((v, _)) = lead_size(v) else {
            continue;
        };
        match k {
            "used" => f.used = Some(v),
            "capacity" => f.capacity = Some(v),
            "committed" => f.committed = Some(v),
            "reserved" => f.reserved = Some(v),
            _ => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> GcLog {
        let (log, _) = parse("t", text.as_bytes());
        log
    }

    #[test]
    fn jdk8_parallel_full_metadata_with_stamps() {
        let log = one(
            "2023-12-02T13:55:56.123+0800: 12345.678: [Full GC (Metadata GC Threshold) [PSYoungGen: 43515K->0K(305664K)] [ParOldGen: 736K->42544K(699392K)] 44251K->42544K(1005056K), [Metaspace: 20480K->20480K(1067008K)], 0.1234567 secs] [Times: user=0.67 sys=0.04, real=0.38 secs]\n",
        );
        assert_eq!(log.jdk.as_deref(), Some("8"));
        assert_eq!(log.samples.len(), 1);
        let s = &log.samples[0];
        assert_eq!(s.used_before_bytes, Some(20480 * 1024));
        assert_eq!(s.used_after_bytes, 20480 * 1024);
        assert_eq!(s.reserved_after_bytes, Some(1067008 * 1024));
        assert_eq!(s.committed_after_bytes, None);
        assert!(s.metadata_threshold && s.full);
        assert_eq!(s.uptime_s, Some(12345.678));
        assert_eq!(s.time.as_deref(), Some("2023-12-02T13:55:56.123+0800"));
        assert_eq!(s.cause.as_deref(), Some("Metadata GC Threshold"));
        assert_eq!(log.metadata_threshold_gcs, 1);
        assert_eq!(log.metadata_threshold_lines, vec![1]);
        assert_eq!(log.full_gcs, 1);
    }

    #[test]
    fn jdk8_g1_record_ties_later_metaspace_line() {
        let text = "2.562: [GC pause (Metadata GC Threshold) (young) (initial-mark), 0.0328815 secs]\n   [Parallel Time: 15.5 ms, GC Workers: 8]\n   [Eden: 96.0M(113.0M)->0.0B(140.0M) Survivors: 5120.0K->13.0M Heap: 102.5M(256.0M)->14.9M(256.0M)], [Metaspace: 3268K->3268K(1056768K)]\n [Times: user=0.05 sys=0.01, real=0.03 secs]\n";
        let log = one(text);
        assert_eq!(log.samples.len(), 1);
        let s = &log.samples[0];
        assert_eq!(s.line, 3);
        assert!(s.metadata_threshold);
        assert!(!s.full);
        assert_eq!(s.uptime_s, Some(2.562));
        assert_eq!(log.metadata_threshold_lines, vec![1]);
    }

    #[test]
    fn unified_new_format_and_late_pause_line() {
        let text = "[1.049s] GC(3) Metaspace: 19260K(21504K)->19260K(21504K) NonClass: 18616K(20544K)->18616K(20544K) Class: 643K(960K)->643K(960K)\n[1.049s] GC(3) Pause Young (Concurrent Start) (Metadata GC Threshold) 168M->9M(388M) 8.822ms\n";
        let log = one(text);
        assert_eq!(log.jdk.as_deref(), Some("9+"));
        let s = &log.samples[0];
        assert_eq!(s.gc_id, Some(3));
        assert_eq!(s.committed_after_bytes, Some(21504 * 1024));
        assert_eq!(s.class_used_after_bytes, Some(643 * 1024));
        assert!(s.metadata_threshold);
        assert_eq!(s.uptime_s, Some(1.049));
        assert_eq!(log.metadata_threshold_lines, vec![2]);
    }

    #[test]
    fn unified_start_and_end_lines_count_once() {
        let text = "[2023-12-02T13:55:56.123+0800][12.345s][info][gc,start    ] GC(12) Pause Full (Metadata GC Threshold)\n[2023-12-02T13:55:56.200+0800][12.400s][info][gc,metaspace] GC(12) Metaspace: 21037K(21504K)->21037K(21504K) NonClass: 18000K(18432K)->18000K(18432K) Class: 3037K(3072K)->3037K(3072K)\n[2023-12-02T13:55:56.200+0800][12.400s][info][gc          ] GC(12) Pause Full (Metadata GC Threshold) 5M->5M(362M) 23.200ms\n";
        let log = one(text);
        assert_eq!(log.metadata_threshold_gcs, 1);
        assert_eq!(log.full_gcs, 1);
        let s = &log.samples[0];
        assert!(s.full && s.metadata_threshold);
        assert_eq!(s.time.as_deref(), Some("2023-12-02T13:55:56.200+0800"));
        assert_eq!(s.class_used_after_bytes, Some(3037 * 1024));
    }

    #[test]
    fn jdk11_form_and_millis() {
        let log = one("[3012ms][info][gc,metaspace] GC(3) Metaspace: 10240K->10240K(1058816K)\n");
        let s = &log.samples[0];
        assert_eq!(s.uptime_s, Some(3.012));
        assert_eq!(s.reserved_after_bytes, Some(1058816 * 1024));
        assert_eq!(s.committed_after_bytes, None);
    }

    #[test]
    fn zgc_and_shenandoah_forms() {
        let f = metaspace_figures("11M used, 17M committed, 128M reserved").unwrap();
        assert_eq!(f.used_after, 11 << 20);
        assert_eq!(f.committed_after, Some(17 << 20));
        assert_eq!(f.reserved_after, Some(128 << 20));
        let text = "[1.154s][info][gc          ] Trigger: Metadata GC Threshold\n[1.157s][info][gc          ] GC(0) Pause Init Mark (unload classes) 0.047ms\n[1.220s][info][gc,metaspace] Metaspace: 19321K(21568K)->11981K(17664K) NonClass: 18675K(20608K)->11623K(16704K) Class: 645K(960K)->358K(960K)\n";
        let log = one(text);
        assert_eq!(log.metadata_threshold_gcs, 1);
        assert_eq!(log.metadata_threshold_lines, vec![1]);
        let s = &log.samples[0];
        assert_eq!(s.gc_id, Some(0));
        assert!(s.metadata_threshold);
        assert_eq!(s.used_after_bytes, 11981 * 1024);
    }

    #[test]
    fn causes_with_parentheses_and_kinds() {
        assert_eq!(
            unified_pause("Pause Full (System.gc()) 5M->5M(362M) 1ms"),
            Some((true, Some("System.gc()")))
        );
        assert_eq!(
            unified_pause("Pause Young (Normal) (G1 Evacuation Pause) 19M->5M(388M) 2.761ms"),
            Some((false, Some("G1 Evacuation Pause")))
        );
        assert_eq!(
            unified_pause("Pause Young (Normal) 1M->1M(2M) 1ms"),
            Some((false, None))
        );
        assert_eq!(unified_pause("Pause Init Mark (unload classes)"), None);
        let h = jdk8_header("0.3: [Full GC (System.gc()) [PSYoungGen: 1K->0K(2K)]").unwrap();
        assert_eq!(h.cause, Some("System.gc()"));
        assert!(jdk8_header("4.2: [GC concurrent-mark-start]").is_none());
        assert!(jdk8_header("      [GC Worker Start (ms): Min: 1.0]").is_none());
        assert!(jdk8_header("19.0: [GC remark 19.0: [Finalize Marking, 0.1 secs]").is_none());
    }

    #[test]
    fn stamps_before_jdk8_headers() {
        assert_eq!(
            jdk8_stamps("2016-02-09T00:02:43.932-0500: 11.447: "),
            (
                Some(11.447),
                Some("2016-02-09T00:02:43.932-0500".to_string())
            )
        );
        assert_eq!(jdk8_stamps("58.352: "), (Some(58.352), None));
        assert_eq!(jdk8_stamps("12,5: "), (Some(12.5), None));
        assert_eq!(jdk8_stamps("0.215: #0: "), (Some(0.215), None));
        assert_eq!(jdk8_stamps(""), (None, None));
        assert_eq!(jdk8_stamps("   "), (None, None));
    }

    #[test]
    fn decorations_of_all_kinds() {
        let d = decorations("[2026-11-26T22:06:36.385+0000][1055232600ns][12577][12579][info][gc,start    ] GC(2) Pause Full (Metadata GC Threshold)");
        assert!(d.unified);
        assert_eq!(d.time, Some("2026-11-26T22:06:36.385+0000"));
        assert!((d.uptime_s.unwrap() - 1.0552326).abs() < 1e-9);
        assert_eq!(d.tags, Some("gc,start"));
        assert!(d.msg.starts_with("GC(2) Pause Full"));
        // timemillis (epoch) before uptimemillis.
        let d = decorations("[1701525356123ms][2345ms] GC(1) Pause Young (Allocation Failure)");
        assert_eq!(d.uptime_s, Some(2.345));
        let d = decorations("[GC (Allocation Failure) [PSYoungGen: 1K->0K(2K)]");
        assert!(!d.unified);
        let d = decorations("[CMS-concurrent-mark-start]");
        assert!(!d.unified);
        let d = decorations("[0,512s][info][gc] Using G1");
        assert_eq!(d.uptime_s, Some(0.512));
    }

    #[test]
    fn flags_and_cap() {
        let log = one("CommandLine flags: -XX:MaxMetaspaceSize=268435456 -XX:+PrintGCDetails -XX:+UseConcMarkSweepGC \n");
        assert_eq!(log.max_metaspace_bytes, Some(268435456));
        assert_eq!(log.max_metaspace_line, Some(1));
        assert_eq!(log.collector.as_deref(), Some("CMS"));
        assert!(log
            .command_line_flags
            .as_deref()
            .is_some_and(|f| f.starts_with("-XX:MaxMetaspaceSize")));
        let log = one("[4.573s][info][gc,metaspace,freelist,oom] Metaspace (data) allocation failed for size 1353\n[4.573s][info][gc,metaspace,freelist,oom] MaxMetaspaceSize: 64.00 MB\n");
        assert_eq!(log.metaspace_alloc_failures, 1);
        assert_eq!(log.metaspace_alloc_failure_lines, vec![1]);
        assert_eq!(log.max_metaspace_bytes, Some(64 << 20));
        let log =
            one("[1s][info][gc,metaspace,freelist,oom] MaxMetaspaceSize: 17179869184.00 GB\n");
        assert!(log.max_metaspace_unlimited);
        assert_eq!(log.max_metaspace_bytes, None);
    }

    #[test]
    fn heap_printout() {
        let text = "[30.132s][info][gc,heap,exit   ]  Metaspace       used 3661K, capacity 4490K, committed 4864K, reserved 1056768K\n[30.132s][info][gc,heap,exit   ]   class space    used 375K, capacity 386K, committed 512K, reserved 1048576K\n";
        let h = one(text).heap_metaspace.unwrap();
        assert_eq!(h.used_bytes, 3661 * 1024);
        assert_eq!(h.capacity_bytes, Some(4490 * 1024));
        assert_eq!(h.committed_bytes, Some(4864 * 1024));
        assert_eq!(h.reserved_bytes, Some(1056768 * 1024));
        assert_eq!(h.class_used_bytes, Some(375 * 1024));
        assert_eq!(h.line, 1);
    }

    #[test]
    fn thinning_keeps_first_last_and_bound() {
        let mut text = String::new();
        let n = GcLog::LIMIT * 3 + 7;
        for i in 0..n {
            text.push_str(&format!(
                "[{i}.0s][info][gc,metaspace] GC({i}) Metaspace: {i}K->{i}K(1056768K)\n"
            ));
        }
        let (log, w) = parse("t", text.as_bytes());
        assert_eq!(log.sample_count, n as u64);
        assert!(log.samples.len() <= GcLog::LIMIT);
        assert!(log.samples.len() > GcLog::LIMIT / 4);
        assert_eq!(log.samples[0].gc_id, Some(0));
        assert_eq!(log.samples.last().unwrap().gc_id, Some(n as u64 - 1));
        for p in log.samples.windows(2) {
            assert!(p[0].line < p[1].line);
        }
        // Each `GC(i)` is also a collection (of unknown kind): one warning
        // for the Metaspace samples thinned, one for the collections.
        assert_eq!(log.collection_count, n as u64);
        assert_eq!(w.items().len(), 2);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_gclog(
            b"[0.005s][info][gc] Using G1\n[0.2s][info][gc,start] GC(0) Pause Young (Normal) (G1 Evacuation Pause)\n"
        ));
        assert!(looks_like_gclog(
            b"0.141: [GC (Allocation Failure) [PSYoungGen: 25145K->4077K(29696K)] 25145K->16357K(98304K), 0.0225874 secs]\n"
        ));
        assert!(looks_like_gclog(
            b"GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->2M(256M) 3.105ms\n"
        ));
        assert!(!looks_like_gclog(b"INFO app started\nINFO GC is fine\n"));
        assert!(!looks_like_gclog(b""));
        assert!(!looks_like_gclog(
            b"[0.004s][info][class,load] java.lang.Object source: shared objects file\n"
        ));
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "[",
            "[]",
            "[ ]",
            "GC(",
            "GC(1",
            "GC(99999999999999999999999) Metaspace: 1K->2K(3K)",
            "Metaspace: ",
            "[Metaspace: ",
            "[Full GC (",
            "[GC pause (",
            "0.1: [GC (",
            "[1.0s] GC(1) Metaspace: 1K(",
            "[1.0s] GC(1) Metaspace: ->",
            "Trigger: ",
            "[99999999999999999999999999999999999999999999s] x",
            "é[GC (é",
            "[Metaspace: 1.K->",
        ] {
            let _ = one(t);
            let _ = looks_like_gclog(t.as_bytes());
        }
    }
}
