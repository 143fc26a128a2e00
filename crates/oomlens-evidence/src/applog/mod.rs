//! What a container's own log says about memory: every
//! `java.lang.OutOfMemoryError` variant, JVM fatal-error banners and `hs_err`
//! files, Node's `JavaScript heap out of memory`, Python's `MemoryError`,
//! Go's `fatal error: runtime: out of memory`.
//!
//! [`scan`] streams a log of any size (anchors skip the rest) and returns
//! the signals with their lines. The absence of a signal in a log that was
//! read is itself evidence: the process never saw its death coming.
//!
//! # What is recognised
//!
//! - `java.lang.OutOfMemoryError` anywhere in a line, whatever prefixes it
//!   (timestamps, levels, `Caused by: `, `Exception in thread "X" `, a
//!   wrapping exception's message, a JSON string with `\n\tat` escapes). The
//!   message after it gives the [`OomeVariant`]; `Exception in thread "X"`
//!   before it (or `thrown from the UncaughtExceptionHandler in thread "X"`
//!   after it) gives the thread. `-XX:+ExitOnOutOfMemoryError`'s
//!   `Terminating due to ...` and `-XX:+CrashOnOutOfMemoryError`'s
//!   `Aborting due to ...` lines are signals like any other. The JVM's
//!   `java/lang/OutOfMemoryError` (internal spelling, `-Xlog:exceptions`)
//!   is not: it logs one throw once per frame it unwinds.
//! - `-XX:+HeapDumpOnOutOfMemoryError`'s `Dumping heap to X ...` and
//!   `Heap dump file created [N bytes in T secs]`, kept in
//!   [`AppLog::heap_dumps`].
//! - JVM fatal banners (`# There is insufficient memory for the Java Runtime
//!   Environment to continue.`, `# A fatal error has been detected by the
//!   Java Runtime Environment:`, a lone `# Native memory allocation (mmap)
//!   failed ...`), in stdout or at the top of an `hs_err_pid<N>.log`: one
//!   [`SignalKind::JvmFatalError`] each, and the first one fills
//!   [`AppLog::hs_err`]. The body of an `hs_err` file adds `jvm_args:`,
//!   `java_command:` and the container section's `memory_limit_in_bytes:`;
//!   everything else in it is skipped unread.
//! - Node's `FATAL ERROR: ... Allocation failed - JavaScript heap out of
//!   memory` (and the older `- process out of memory`).
//! - Python: a line that is `MemoryError` or starts with `MemoryError:`, or
//!   with a qualified subclass name ending in `.MemoryError` or
//!   `_ArrayMemoryError` (numpy's `numpy.core._exceptions._ArrayMemoryError:
//!   Unable to allocate ...`). Names that merely start with `MemoryError`
//!   (`MemoryErrorHandler`) or prose (`MemoryError occurred`) are not.
//! - Go: `fatal error: runtime: out of memory`, `fatal error: out of memory`
//!   at the start of a line, and `runtime: out of memory: cannot allocate
//!   N-byte block (M in use)`.
//!
//! A line's framing is looked through before the start-anchored checks
//! (Python, Go's `fatal error:`, banners, stack-trace continuations): a
//! Docker `json-file` record (`{"log":"..."}`), a CRI log line (`<RFC 3339>
//! stdout F ...`), a `kubectl logs --timestamps` stamp and a `kubectl logs
//! --prefix` tag. A line holding escaped newlines (`\n`, as JSON log lines
//! print stack traces) is read as the lines it encodes.
//!
//! # Counting
//!
//! Every throw counts once. Two traces printing the same error are two
//! throws and count twice. Within one trace (the lines that follow an
//! error and continue it: `at ...` frames, `... N more`, `Caused by:`,
//! `Suppressed:`), a `Caused by: java.lang.OutOfMemoryError: X` whose
//! variant and message were already counted in the same trace is the same
//! throw printed again as the cause of its wrapper (`ExecutionException:
//! java.lang.OutOfMemoryError: X` ... `Caused by: java.lang.OutOfMemoryError:
//! X`) and is not counted; a `Caused by:` with a different message, and a
//! `Suppressed:` one, are. The bare `java.lang.OutOfMemoryError: X` that
//! `-XX:+HeapDumpOnOutOfMemoryError` prints before `Dumping heap to` and
//! the same error printed right after `Heap dump file created` (the
//! thread's uncaught trace) are one throw: the signal keeps the first line
//! and takes the thread from the second. Go's `runtime: out of memory:
//! cannot allocate` and the `fatal error: out of memory` that follows it
//! within three lines are one death. A JVM banner that says `Can not save
//! log file, dump to screen..` or that its report goes to `/dev/stderr`
//! or `/dev/stdout` is followed by the full report with its own banner:
//! the two are one fatal error.
//!
//! The thread of a `Caused by:` or `Suppressed:` error is the thread that
//! reported the trace (`Exception in thread "X"` on the trace's first
//! line), which is where the error surfaced, not necessarily where the
//! allocation failed.

use std::io::{self, Read};
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use memchr::memmem;
use serde::Serialize;

use crate::input::{self, LineSink};
use crate::jvm::classload::{ClassLog, HsErrEvents};
use crate::provenance::Warnings;

mod hs_err;
mod oome;
mod runtimes;

use hs_err::*;
use oome::*;
use runtimes::*;

/// Which `OutOfMemoryError` the JVM threw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OomeVariant {
    /// `Java heap space`
    JavaHeapSpace,
    /// `Metaspace`
    Metaspace,
    /// `Compressed class space`
    CompressedClassSpace,
    /// `GC overhead limit exceeded`
    GcOverheadLimit,
    /// `Requested array size exceeds VM limit`
    RequestedArraySize,
    /// `Direct buffer memory`, `Cannot reserve N bytes of direct buffer memory`
    DirectBufferMemory,
    /// `unable to create native thread` / `unable to create new native thread`
    UnableToCreateNativeThread,
    /// Anything else after `OutOfMemoryError`.
    Other,
}

/// The kind of signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignalKind {
    /// `java.lang.OutOfMemoryError: ...`
    JavaOome,
    /// The JVM died in native code or could not get native memory (`#
    /// There is insufficient memory for the Java Runtime Environment to
    /// continue`, `# A fatal error has been detected by the Java Runtime
    /// Environment`).
    JvmFatalError,
    /// Node: `FATAL ERROR: ... JavaScript heap out of memory`.
    NodeHeapOom,
    /// Python: `MemoryError`.
    PythonMemoryError,
    /// Go: `fatal error: runtime: out of memory`.
    GoOutOfMemory,
}

/// One signal in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub kind: SignalKind,
    /// For `java-oome`; for a `jvm-fatal-error` that
    /// `-XX:+CrashOnOutOfMemoryError` raised (`fatal error: OutOfMemory
    /// encountered: Java heap space`), the error it raised it for.
    pub variant: Option<OomeVariant>,
    /// The message as printed after the error name (`Java heap space`).
    /// For the fixed JVM messages, the message itself without what a log
    /// framework printed after it; for a fatal error, the banner's cause
    /// line (`Native memory allocation (mmap) failed to map ...`, `SIGSEGV
    /// (0xb) at pc=...`), or for an `Internal Error` the line under it
    /// (`fatal error: OutOfMemory encountered: Java heap space`); for Node, the text after `FATAL ERROR: `; for Go,
    /// `runtime: out of memory` or the `cannot allocate` line.
    pub detail: String,
    /// `Exception in thread "X"` when printed.
    pub thread: Option<String>,
    pub line: u64,
}

/// What an `hs_err_pid<N>.log` file (or the same banner in stdout) says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HsErr {
    pub pid: Option<u64>,
    /// `JRE version: OpenJDK Runtime Environment (17.0.15+6) ...`
    pub jre_version: Option<String>,
    /// The first cause line: `Native memory allocation (mmap) failed to map
    /// 16384 bytes for committing reserved memory.`, `Out of Memory Error
    /// (os_linux.cpp:...)`, `SIGSEGV (0xb) at pc=...`.
    pub reason: Option<String>,
    /// `jvm_args:` line.
    pub jvm_args: Option<String>,
    /// `java_command:` line.
    pub java_command: Option<String>,
    /// `memory_limit_in_bytes:` of the container section, when set.
    pub memory_limit_bytes: Option<u64>,
    pub line: u64,
    /// Where in the JVM the error was raised: `Out of Memory Error
    /// (os_linux.cpp:2749)`, `Internal Error (debug.cpp:362)` (`, pid=...,
    /// tid=...` dropped).
    pub error_site: Option<String>,
    /// The line under an `Internal Error`: `fatal error: OutOfMemory
    /// encountered: Java heap space`.
    pub message: Option<String>,
    /// `An error report file with more information is saved as: X`.
    pub report_path: Option<String>,
    /// The container section printed `memory_limit_in_bytes: unlimited`
    /// (or `-1`): the JVM saw no container memory limit.
    pub memory_limit_unlimited: bool,
    /// The log holds the report's sections (`---------------  T H R E A D
    /// ---------------`, ...), so it is an `hs_err` file (or one dumped to
    /// the screen), not just the banner.
    pub full_report: bool,
}

/// A heap dump written by `-XX:+HeapDumpOnOutOfMemoryError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapDump {
    /// `Dumping heap to X ...`
    pub path: String,
    /// `Heap dump file created [N bytes in T secs]`, when printed.
    pub bytes: Option<u64>,
    pub line: u64,
    /// The line of the `OutOfMemoryError` signal the dump was written for.
    pub signal_line: Option<u64>,
}

/// What one log held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppLog {
    /// Signals in order; at most [`AppLog::LIMIT`] are kept.
    pub signals: Vec<Signal>,
    /// How many signals there were in all.
    pub signal_count: u64,
    pub hs_err: Option<HsErr>,
    /// Whether the log shows a JVM at all (a stack frame `\tat ...`, a
    /// `java.` exception, JVM warnings, Spring or Tomcat banners).
    pub jvm_seen: bool,
    pub lines: u64,
    /// Heap dumps written, in order; at most [`AppLog::LIMIT`] are kept.
    pub heap_dumps: Vec<HeapDump>,
}

impl AppLog {
    pub const LIMIT: usize = 100;
}

/// Streams a container log. Never panics on input; I/O errors end the scan.
pub fn scan<R: Read>(source: &str, reader: R) -> io::Result<(AppLog, Warnings)> {
    scan_with_classes(source, reader).map(|(log, _, w)| (log, w))
}

/// [`scan`], and the class events of an `hs_err` file's `Classes loaded`
/// / `Classes unloaded` sections as a class log (`None` when it has none),
/// with that log's warnings among the returned ones.
pub fn scan_with_classes<R: Read>(
    source: &str,
    reader: R,
) -> io::Result<(AppLog, Option<ClassLog>, Warnings)> {
    let mut s = Scanner::new(source);
    let counts = input::scan_lines(reader, Some(ANCHORS.get()), &mut s)?;
    s.finish();
    s.log.lines = counts.lines;
    let mut warnings = s.warnings;
    let classes = s
        .class_events
        .finish(counts.lines, counts.bytes)
        .map(|(log, w)| {
            warnings.extend(w);
            log
        });
    Ok((s.log, classes, warnings))
}

/// Whether a head holds the JVM's fatal-error banner (`# A fatal error has
/// been detected by the Java Runtime Environment`): an `hs_err` file, or a
/// log the JVM printed its crash into.
pub fn looks_like_hs_err(head: &[u8]) -> bool {
    memchr::memmem::find(head, FATAL).is_some()
}

/// Scans a whole log held in memory.
pub fn parse(source: &str, bytes: &[u8]) -> (AppLog, Warnings) {
    scan(source, bytes).unwrap_or_else(|_| (AppLog::default(), Warnings::new()))
}

const OOME: &[u8] = b"java.lang.OutOfMemoryError";
const INSUFFICIENT: &[u8] =
    b"There is insufficient memory for the Java Runtime Environment to continue";
const FATAL: &[u8] = b"A fatal error has been detected by the Java Runtime Environment";
const NATIVE_ALLOC: &[u8] = b"Native memory allocation (";
const REPORT_SAVED: &[u8] = b"An error report file with more information is saved as:";
const GO_CANNOT_ALLOCATE: &[u8] = b"runtime: out of memory: cannot allocate ";
const GO_RUNTIME_OOM: &[u8] = b"fatal error: runtime: out of memory";
const GO_FATAL_OOM: &[u8] = b"fatal error: out of memory";

/// Longest message kept, in bytes.
const MAX_DETAIL: usize = 512;
/// Longest `jvm_args:` / `java_command:` kept, in bytes.
const MAX_ARGS: usize = 4096;
/// Longest thread name kept, in bytes.
const MAX_THREAD: usize = 256;
/// A banner longer than this is closed (real ones have under 40 lines).
const BANNER_MAX_LINES: u32 = 400;
/// The container section has about 20 lines.
const CONTAINER_MAX_LINES: u32 = 60;
/// How far after Go's `cannot allocate` line its `fatal error` may come.
const GO_MERGE_WINDOW: u64 = 3;
/// How far after a banner that announced its full report that report's
/// own banner may start.
const REPORT_FOLLOWS_WINDOW: u64 = 50;
/// How many distinct errors one trace remembers for `Caused by:` folding.
const TRACE_KEYS: usize = 64;

/// Strings at least one line of every signal contains, plus what shows a
/// JVM. Lines without one are skipped unread unless a trace, banner or
/// section is open.
static ANCHORS: input::Anchors<&str> = input::Anchors::new(&[
    "MemoryError",
    "Dumping heap to",
    "Heap dump file created",
    "Java Runtime Environment",
    "Native memory allocation",
    "T H R E A D",
    "S U M M A R Y",
    "P R O C E S S",
    "S Y S T E M",
    "jvm_args:",
    "java_command:",
    "container (cgroup) information",
    // `hs_err` class events (`Event: 0.733 Loading class X done`).
    "oading class ",
    "out of memory",
    "java.lang.",
    "java/lang/",
    "Exception in thread",
    "at java.",
    "at javax.",
    "at jdk.",
    "at sun.",
    "at org.",
    "at com.",
    "OpenJDK 64-Bit",
    "OpenJDK Runtime Environment",
    "OpenJDK Server VM",
    "Java HotSpot",
    "Picked up JAVA_TOOL_OPTIONS",
    "Picked up _JAVA_OPTIONS",
    "Picked up JDK_JAVA_OPTIONS",
    ":: Spring Boot ::",
    "org.apache.catalina",
]);

/// What shows a JVM, besides stack frames (all are anchors too, with
/// `org.springframework`, which `at org.` covers in traces).
const JVM_MARKERS: [&[u8]; 15] = [
    b"java.lang.",
    b"java/lang/",
    b"Exception in thread \"",
    b"Exception in thread \\\"",
    b"OpenJDK 64-Bit",
    b"OpenJDK Runtime Environment",
    b"OpenJDK Server VM",
    b"Java HotSpot",
    b"Picked up JAVA_TOOL_OPTIONS",
    b"Picked up _JAVA_OPTIONS",
    b"Picked up JDK_JAVA_OPTIONS",
    b":: Spring Boot ::",
    b"org.apache.catalina",
    b"org.springframework",
    b"Java Runtime Environment",
];

/// What a line must hold for each check to run: one pass over the line
/// finds them all, so a line that holds none costs one search.
/// Each starts with letters that are rare at the start of a word in JVM
/// logs (`java.`, `Exception`, `There` would make every frame a candidate).
const NEEDLES: [&[u8]; 9] = [
    b"OutOfMemoryError",
    b"in thread ",
    b"Dumping heap to ",
    b"insufficient memory for the Java Runtime",
    b"fatal error has been detected by the Java Runtime",
    NATIVE_ALLOC,
    b"Allocation failed - ",
    b"MemoryError",
    b"out of memory",
];
const HAS_OOME: u32 = 1 << 0;
const HAS_THREAD: u32 = 1 << 1;
const HAS_DUMP: u32 = 1 << 2;
const HAS_BANNER: u32 = (1 << 3) | (1 << 4) | (1 << 5);
const HAS_NODE: u32 = 1 << 6;
const HAS_PYTHON: u32 = 1 << 7;
const HAS_GO: u32 = 1 << 8;

fn needles() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| AhoCorasick::new(NEEDLES).expect("static needle set builds"))
}

/// Which of [`NEEDLES`] `t` holds, as bits.
fn needle_mask(t: &[u8]) -> u32 {
    let ac = needles();
    // Most lines hold none: one prefiltered search says so.
    let Some(first) = ac.find(t) else {
        return 0;
    };
    ac.find_overlapping_iter(&t[first.start()..])
        .fold(0, |m, hit| m | 1 << hit.pattern().as_usize())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memmem::find(hay, needle)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// At most `max` bytes of `b` (a cut character becomes U+FFFD).
fn capped(b: &[u8], max: usize) -> String {
    lossy(&b[..b.len().min(max)])
}

/// Leading decimal digits of `b` and the rest.
fn leading_u64(b: &[u8]) -> Option<(u64, &[u8])> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &b[..n] {
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some((v, &b[n..]))
}

/// An RFC 3339 stamp as `kubectl logs --timestamps`, CRI logs and Cloud
/// Foundry print it: `2024-05-01T12:00:00.123456789Z`.
fn is_rfc3339_token(t: &[u8]) -> bool {
    t.len() >= 19
        && t[..4].iter().all(u8::is_ascii_digit)
        && t[4] == b'-'
        && t[7] == b'-'
        && t[10] == b'T'
        && t[13] == b':'
}

/// The message of a line, without the framing a container runtime or
/// `kubectl` added. Escapes inside a JSON string are left as they are.
fn unframe(line: &[u8]) -> &[u8] {
    let mut s = line.strip_suffix(b"\r").unwrap_or(line);
    if s.first() == Some(&b'{') {
        // Docker json-file: {"log":"...\n","stream":"stderr","time":"..."}
        let key = find(s, b"\"log\":\"")
            .map(|i| i + 7)
            .or_else(|| find(s, b"\"log\": \"").map(|i| i + 8));
        if let Some(start) = key {
            let body = &s[start..];
            let mut i = 0;
            while i < body.len() {
                match body[i] {
                    b'\\' => i += 2,
                    b'"' => return &body[..i],
                    _ => i += 1,
                }
            }
            return body;
        }
        return s;
    }
    if s.starts_with(b"[pod/") {
        if let Some(i) = find(s, b"] ") {
            s = &s[i + 2..];
        }
    }
    if let Some(sp) = memchr::memchr(b' ', s) {
        if is_rfc3339_token(&s[..sp]) {
            s = &s[sp + 1..];
            for stream in [&b"stdout "[..], b"stderr "] {
                if let Some(rest) = s.strip_prefix(stream) {
                    if let Some(r) = rest
                        .strip_prefix(b"F ")
                        .or_else(|| rest.strip_prefix(b"P "))
                    {
                        s = r;
                    }
                }
            }
        }
    }
    s
}

/// Where the first `\n` escape of `s` is.
fn escaped_newline(s: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\\', s).find(|&i| s.get(i + 1) == Some(&b'n'))
}

/// A segment without surrounding blanks and leading `\t` escapes.
fn trim_seg(mut s: &[u8]) -> &[u8] {
    loop {
        s = s.trim_ascii();
        if let Some(r) = s.strip_prefix(b"\\t") {
            s = r;
            continue;
        }
        if let Some(r) = s.strip_suffix(b"\\r") {
            s = r;
            continue;
        }
        return s;
    }
}

/// A stack frame somewhere in `t`: `at pkg.Class.method(File.java:12)`
/// after blanks (`[11:10:01 WARN]:        at java.lang.Thread.start0(...)`).
fn has_frame(t: &[u8]) -> bool {
    let frame_after = |rest: &[u8]| {
        let tok = rest.split(|&c| c == b' ').next().unwrap_or(b"");
        match memchr::memchr(b'(', tok) {
            Some(p) => p > 0 && memchr::memchr(b'.', &tok[..p]).is_some(),
            None => false,
        }
    };
    memchr::memchr_iter(b'a', t)
        .filter(|&i| t[i..].starts_with(b"at ") && (i == 0 || matches!(t[i - 1], b' ' | b'\t')))
        .take(4)
        .any(|i| frame_after(&t[i + 3..]))
}

/// A line that continues a Java stack trace.
fn is_continuation(t: &[u8]) -> bool {
    t.starts_with(b"at ")
        || t.starts_with(b"... ")
        || t.starts_with(b"Caused by:")
        || t.starts_with(b"Suppressed:")
        || t.ends_with(b"common frames omitted")
        || has_frame(t)
}

fn looks_jvm(t: &[u8]) -> bool {
    JVM_MARKERS.iter().any(|m| find(t, m).is_some()) || has_frame(t)
}

/// One `Java` stack trace being read.
struct Trace {
    /// `Exception in thread "X"` of its first line.
    thread: Option<String>,
    /// The errors counted in it, for folding `Caused by:` repeats.
    keys: Vec<(OomeVariant, String)>,
}

/// A JVM fatal banner being read.
struct Banner {
    line: u64,
    /// What precedes the `#` of every banner line (a Cloud Foundry `[APP/0]
    /// OUT `); usually empty.
    prefix: Vec<u8>,
    marker: u8,
    title: &'static str,
    reason: Option<String>,
    error_site: Option<String>,
    message: Option<String>,
    jre_version: Option<String>,
    pid: Option<u64>,
    report_path: Option<String>,
    expect_path: bool,
    expect_message: bool,
    dump_to_screen: bool,
    /// This banner opens the full report an earlier banner announced.
    continues: bool,
    lines: u32,
}

impl Banner {
    /// The banner text of a line (after its `#`), `Some(b"")` for a blank
    /// line inside the banner, `None` for a line that ends it.
    fn body<'a>(&self, t: &'a [u8]) -> Option<&'a [u8]> {
        if t.is_empty() || t == self.prefix.trim_ascii_end() {
            return Some(b"");
        }
        let rest = t.strip_prefix(self.prefix.as_slice())?.trim_ascii_start();
        let rest = rest.strip_prefix(&[self.marker])?;
        Some(rest.trim_ascii())
    }
}

/// A heap dump waiting for the uncaught trace of its error.
struct DumpMerge {
    /// The line on which the same error may be printed again.
    next_line: u64,
    key: (OomeVariant, String),
    signal: Option<usize>,
    dump: Option<usize>,
}

struct Scanner {
    source: String,
    log: AppLog,
    warnings: Warnings,
    trace: Option<Trace>,
    banner: Option<Banner>,
    /// The line after the last banner, when it announced a full report
    /// that follows it.
    report_follows: Option<u64>,
    /// `log.hs_err` was filled from a banner (not only from body lines).
    hs_err_from_banner: bool,
    /// Lines read in an open container section.
    container: Option<u32>,
    dump: Option<DumpMerge>,
    /// The last `OutOfMemoryError`: line, index in `signals`, key.
    last_oome: Option<(u64, Option<usize>, (OomeVariant, String))>,
    /// Go's `cannot allocate` line, waiting for its `fatal error`.
    go_pending: Option<u64>,
    limit_warned: bool,
    /// An `hs_err` file's class events.
    class_events: HsErrEvents,
}

impl LineSink for Scanner {
    fn line(&mut self, no: u64, line: &[u8]) {
        if self.class_events.line(no, line) {
            return;
        }
        let msg = unframe(line);
        let mut rest = msg;
        loop {
            match escaped_newline(rest) {
                Some(i) => {
                    self.segment(no, &rest[..i]);
                    rest = &rest[i + 2..];
                }
                None => {
                    self.segment(no, rest);
                    break;
                }
            }
        }
    }

    fn wants_every_line(&self) -> bool {
        self.banner.is_some() || self.container.is_some() || self.trace.is_some()
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((&self.source, &mut self.warnings))
    }
}

impl Scanner {
    fn new(source: &str) -> Scanner {
        Scanner {
            source: source.to_string(),
            log: AppLog::default(),
            warnings: Warnings::new(),
            trace: None,
            banner: None,
            report_follows: None,
            hs_err_from_banner: false,
            container: None,
            dump: None,
            last_oome: None,
            go_pending: None,
            limit_warned: false,
            class_events: HsErrEvents::new(source),
        }
    }

    fn finish(&mut self) {
        self.close_banner();
    }

    /// Keeps a signal if there is room; returns its index.
    fn push(&mut self, s: Signal) -> Option<usize> {
        self.log.signal_count += 1;
        if self.log.signals.len() < AppLog::LIMIT {
            self.log.signals.push(s);
            Some(self.log.signals.len() - 1)
        } else {
            if !self.limit_warned {
                self.limit_warned = true;
                self.warnings.push(
                    &self.source,
                    Some(s.line),
                    format!(
                        "more than {} signals: from here on they are counted, not kept",
                        AppLog::LIMIT
                    ),
                );
            }
            None
        }
    }

    fn hs_err_at(&mut self, no: u64) -> &mut HsErr {
        self.log.hs_err.get_or_insert_with(|| HsErr {
            line: no,
            ..HsErr::default()
        })
    }

    /// One line, or one of the lines a line encodes with `\n` escapes.
    fn segment(&mut self, no: u64, seg: &[u8]) {
        let t = trim_seg(seg);

        if let Some(b) = &self.banner {
            if b.lines < BANNER_MAX_LINES {
                if let Some(body) = b.body(t) {
                    self.banner_line(body);
                    return;
                }
            }
            self.close_banner();
        }

        if let Some(n) = self.container {
            if t.is_empty() || n >= CONTAINER_MAX_LINES || memchr::memchr(b':', t).is_none() {
                self.container = None;
            } else {
                self.container = Some(n + 1);
                if let Some(v) = t.strip_prefix(b"memory_limit_in_bytes:") {
                    let (bytes, unlimited) = memory_limit(v);
                    let hs = self.hs_err_at(no);
                    if hs.memory_limit_bytes.is_none() && !hs.memory_limit_unlimited {
                        hs.memory_limit_bytes = bytes;
                        hs.memory_limit_unlimited = unlimited;
                    }
                }
                return;
            }
        }

        let continues_trace = self.trace.is_some() && is_continuation(t);
        if !continues_trace {
            self.trace = None;
        }
        if self.dump.as_ref().is_some_and(|d| no > d.next_line) {
            self.dump = None;
        }
        if self.go_pending.is_some_and(|l| no > l + GO_MERGE_WINDOW) {
            self.go_pending = None;
        }
        if !self.log.jvm_seen && looks_jvm(t) {
            self.log.jvm_seen = true;
        }

        let m = needle_mask(t);
        if let Some(pos) = (m & HAS_OOME != 0).then(|| find(t, OOME)).flatten() {
            self.oome(no, t, pos, continues_trace);
        } else if !continues_trace && m & HAS_THREAD != 0 {
            self.trace = Some(Trace {
                thread: thread_before(t),
                keys: Vec::new(),
            });
        }

        if let Some(i) = (m & HAS_DUMP != 0)
            .then(|| find(t, b"Dumping heap to "))
            .flatten()
        {
            self.heap_dump(no, &t[i + 16..]);
        } else if let Some(rest) = t.strip_prefix(b"Heap dump file created [") {
            self.heap_dump_created(no, rest);
        }

        if m & HAS_BANNER != 0 && self.banner_start(no, t) {
            return;
        }
        self.hs_err_body(no, t);

        if let Some(detail) = (m & HAS_NODE != 0).then(|| node_heap_oom(t)).flatten() {
            self.push(Signal {
                kind: SignalKind::NodeHeapOom,
                variant: None,
                detail,
                thread: None,
                line: no,
            });
        }
        if let Some(detail) = (m & HAS_PYTHON != 0)
            .then(|| python_memory_error(t))
            .flatten()
        {
            self.push(Signal {
                kind: SignalKind::PythonMemoryError,
                variant: None,
                detail,
                thread: None,
                line: no,
            });
        }
        if m & HAS_GO != 0 {
            self.go(no, t);
        }
    }

    fn oome(&mut self, no: u64, t: &[u8], pos: usize, continues_trace: bool) {
        let after = &t[pos + OOME.len()..];
        let Some((variant, detail)) = oome_message(after) else {
            return;
        };
        let key = (variant, detail.clone());
        let thread = thread_before(&t[..pos]).or_else(|| handler_thread(after));

        if let Some(d) = self.dump.take() {
            if d.next_line == no && d.key == key {
                // The uncaught trace of the error the heap dump was for.
                let mut th = thread;
                if let Some(s) = d.signal.and_then(|i| self.log.signals.get_mut(i)) {
                    if s.thread.is_none() {
                        s.thread = th.clone();
                    }
                    th = s.thread.clone();
                }
                self.trace = Some(Trace {
                    thread: th,
                    keys: vec![key],
                });
                return;
            }
        }

        let cause = continues_trace && t.starts_with(b"Caused by:");
        let suppressed = continues_trace && t.starts_with(b"Suppressed:");
        let thread = match (&mut self.trace, cause || suppressed) {
            (Some(tr), true) => {
                if cause && tr.keys.contains(&key) {
                    return;
                }
                if tr.keys.len() < TRACE_KEYS {
                    tr.keys.push(key.clone());
                }
                thread.or_else(|| tr.thread.clone())
            }
            _ => {
                self.trace = Some(Trace {
                    thread: thread.clone(),
                    keys: vec![key.clone()],
                });
                thread
            }
        };
        let idx = self.push(Signal {
            kind: SignalKind::JavaOome,
            variant: Some(variant),
            detail,
            thread,
            line: no,
        });
        self.last_oome = Some((no, idx, key));
    }

    /// `Dumping heap to X ...`
    fn heap_dump(&mut self, no: u64, rest: &[u8]) {
        let path = rest.trim_ascii();
        let path = path.strip_suffix(b"...").unwrap_or(path).trim_ascii_end();
        let (signal_line, signal, key) = match &self.last_oome {
            Some((l, idx, key)) if *l + 1 == no => (Some(*l), *idx, Some(key.clone())),
            _ => (None, None, None),
        };
        let dump = if self.log.heap_dumps.len() < AppLog::LIMIT {
            self.log.heap_dumps.push(HeapDump {
                path: capped(path, MAX_DETAIL),
                bytes: None,
                line: no,
                signal_line,
            });
            Some(self.log.heap_dumps.len() - 1)
        } else {
            None
        };
        self.dump = key.map(|key| DumpMerge {
            next_line: no + 1,
            key,
            signal,
            dump,
        });
    }

    /// `Heap dump file created [N bytes in T secs]`
    fn heap_dump_created(&mut self, no: u64, rest: &[u8]) {
        let bytes = leading_u64(rest).map(|(v, _)| v);
        match &mut self.dump {
            Some(d) if d.next_line == no => {
                d.next_line = no + 1;
                if let Some(h) = d.dump.and_then(|i| self.log.heap_dumps.get_mut(i)) {
                    h.bytes = bytes;
                }
            }
            _ => {
                if let Some(h) = self.log.heap_dumps.last_mut() {
                    if h.line + 1 == no {
                        h.bytes = bytes;
                    }
                }
            }
        }
    }

    /// Opens a banner if `t` starts one.
    fn banner_start(&mut self, no: u64, t: &[u8]) -> bool {
        let (at, title, lone_cause) = if let Some(i) = find(t, INSUFFICIENT) {
            (
                i,
                "There is insufficient memory for the Java Runtime Environment to continue.",
                false,
            )
        } else if let Some(i) = find(t, FATAL) {
            (
                i,
                "A fatal error has been detected by the Java Runtime Environment",
                false,
            )
        } else if let Some(i) = find(t, NATIVE_ALLOC) {
            // A `# Native memory allocation` line without its title.
            if !t[..i].trim_ascii_end().ends_with(b"#") {
                return false;
            }
            (
                i,
                "There is insufficient memory for the Java Runtime Environment to continue.",
                true,
            )
        } else {
            return false;
        };
        let before = t[..at].trim_ascii_end();
        let (prefix, marker) = match before.last() {
            Some(&m) if matches!(m, b'#' | b'-' | b'*') => (&before[..before.len() - 1], m),
            _ => (before, b'#'),
        };
        self.log.jvm_seen = true;
        let continues = self
            .report_follows
            .take()
            .is_some_and(|l| no.saturating_sub(l) <= REPORT_FOLLOWS_WINDOW);
        let mut b = Banner {
            line: no,
            prefix: prefix.to_vec(),
            marker,
            title,
            reason: None,
            error_site: None,
            message: None,
            jre_version: None,
            pid: None,
            report_path: None,
            expect_path: false,
            expect_message: false,
            dump_to_screen: false,
            continues,
            lines: 1,
        };
        if lone_cause {
            b.reason = Some(capped(t[at..].trim_ascii(), MAX_DETAIL));
        }
        self.banner = Some(b);
        true
    }

    /// One line of an open banner, after its `#`.
    fn banner_line(&mut self, body: &[u8]) {
        let Some(b) = self.banner.as_mut() else {
            return;
        };
        b.lines += 1;
        if body.is_empty() {
            return;
        }
        if b.expect_path {
            b.expect_path = false;
            b.report_path = Some(capped(body, MAX_DETAIL));
            return;
        }
        if b.expect_message {
            b.expect_message = false;
            if !BANNER_NOT_CAUSE.iter().any(|p| body.starts_with(p)) {
                b.message = Some(capped(body, MAX_DETAIL));
                return;
            }
        }
        if find(body, INSUFFICIENT).is_some() || find(body, FATAL).is_some() {
            return;
        }
        if let Some(v) = body.strip_prefix(b"JRE version:") {
            if b.jre_version.is_none() {
                b.jre_version = Some(capped(v.trim_ascii(), MAX_DETAIL));
            }
            return;
        }
        if let Some(i) = find(body, REPORT_SAVED) {
            let path = body[i + REPORT_SAVED.len()..].trim_ascii();
            if path.is_empty() {
                b.expect_path = true;
            } else {
                b.report_path = Some(capped(path, MAX_DETAIL));
            }
            return;
        }
        if body.starts_with(b"Can not save log file") {
            b.dump_to_screen = true;
            return;
        }
        if b.pid.is_none() {
            b.pid = pid_in(body);
        }
        if body.starts_with(b"Out of Memory Error (") || body.starts_with(b"Internal Error (") {
            let site = capped(strip_pid(body), MAX_DETAIL);
            b.expect_message = body.starts_with(b"Internal Error (");
            if b.reason.is_none() {
                b.reason = Some(site.clone());
            }
            if b.error_site.is_none() {
                b.error_site = Some(site);
            }
            return;
        }
        if b.reason.is_none() && !BANNER_NOT_CAUSE.iter().any(|p| body.starts_with(p)) {
            b.reason = Some(capped(strip_pid(body), MAX_DETAIL));
        }
    }

    /// Ends the open banner: its signal and what it says of the report.
    fn close_banner(&mut self) {
        let Some(b) = self.banner.take() else {
            return;
        };
        let to_stream = b.report_path.as_deref().is_some_and(|p| {
            p.starts_with("/dev/stderr")
                || p.starts_with("/dev/stdout")
                || p.starts_with("/dev/fd/")
        });
        self.report_follows =
            (b.dump_to_screen || to_stream).then_some(b.line + u64::from(b.lines));
        let variant = b
            .message
            .as_deref()
            .and_then(|m| m.split_once("OutOfMemory encountered: "))
            .map(|(_, v)| classify(v.as_bytes()).0);
        if !b.continues {
            let detail = match (&b.reason, &b.message) {
                (Some(r), Some(m)) if r.starts_with("Internal Error") => m.clone(),
                (Some(r), _) => r.clone(),
                (None, _) => b.title.to_string(),
            };
            self.push(Signal {
                kind: SignalKind::JvmFatalError,
                variant,
                detail,
                thread: None,
                line: b.line,
            });
        }
        let pid = b.pid.or_else(|| {
            b.report_path
                .as_deref()
                .and_then(|p| pid_in_path(p.as_bytes()))
        });
        let first = !self.hs_err_from_banner;
        if first || b.continues {
            self.hs_err_from_banner = true;
            let hs = self.hs_err_at(b.line);
            if first {
                hs.line = b.line;
            }
            hs.pid = hs.pid.or(pid);
            hs.jre_version = hs.jre_version.take().or(b.jre_version);
            hs.reason = hs.reason.take().or(b.reason);
            hs.error_site = hs.error_site.take().or(b.error_site);
            hs.message = hs.message.take().or(b.message);
            hs.report_path = hs.report_path.take().or(b.report_path);
        } else {
            let first_line = self.log.hs_err.as_ref().map_or(0, |h| h.line);
            self.warnings.push(
                &self.source,
                Some(b.line),
                format!(
                    "another JVM fatal error report; hs_err describes the first one (line {first_line})"
                ),
            );
        }
    }

    /// The parts of an `hs_err` file after its banner.
    fn hs_err_body(&mut self, no: u64, t: &[u8]) {
        if t.starts_with(b"---------------  ")
            && [
                &b"T H R E A D"[..],
                b"S U M M A R Y",
                b"P R O C E S S",
                b"S Y S T E M",
            ]
            .iter()
            .any(|s| find(t, s).is_some())
        {
            self.hs_err_at(no).full_report = true;
        } else if let Some(v) = t.strip_prefix(b"jvm_args:") {
            let hs = self.hs_err_at(no);
            if hs.jvm_args.is_none() {
                hs.jvm_args = Some(capped(v.trim_ascii(), MAX_ARGS));
            }
        } else if let Some(v) = t.strip_prefix(b"java_command:") {
            let hs = self.hs_err_at(no);
            if hs.java_command.is_none() {
                hs.java_command = Some(capped(v.trim_ascii(), MAX_ARGS));
            }
        } else if t == b"container (cgroup) information:" {
            self.hs_err_at(no);
            self.container = Some(0);
        } else {
            return;
        }
        self.log.jvm_seen = true;
    }

    fn go(&mut self, no: u64, t: &[u8]) {
        if let Some(i) = find(t, GO_CANNOT_ALLOCATE) {
            let s = &t[i..];
            let end = memchr::memchr(b')', s).map_or(s.len(), |j| j + 1);
            self.push(Signal {
                kind: SignalKind::GoOutOfMemory,
                variant: None,
                detail: capped(&s[..end], MAX_DETAIL),
                thread: None,
                line: no,
            });
            self.go_pending = Some(no);
            return;
        }
        let detail = if find(t, GO_RUNTIME_OOM).is_some() {
            "runtime: out of memory"
        } else if t.starts_with(GO_FATAL_OOM)
            && t[GO_FATAL_OOM.len()..]
                .first()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            "out of memory"
        } else {
            return;
        };
        if self.go_pending.take().is_some_and(|l| no > l) {
            return;
        }
        self.push(Signal {
            kind: SignalKind::GoOutOfMemory,
            variant: None,
            detail: detail.to_string(),
            thread: None,
            line: no,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::hs_err::memory_limit;
    use super::*;

    fn run(text: &str) -> AppLog {
        let (log, _) = parse("t.log", text.as_bytes());
        log
    }

    fn kinds(log: &AppLog) -> Vec<(SignalKind, Option<OomeVariant>, u64)> {
        log.signals
            .iter()
            .map(|s| (s.kind, s.variant, s.line))
            .collect()
    }

    #[test]
    fn every_fixed_variant() {
        let cases = [
            ("Java heap space", OomeVariant::JavaHeapSpace),
            ("Metaspace", OomeVariant::Metaspace),
            ("Compressed class space", OomeVariant::CompressedClassSpace),
            ("GC overhead limit exceeded", OomeVariant::GcOverheadLimit),
            (
                "Requested array size exceeds VM limit",
                OomeVariant::RequestedArraySize,
            ),
            ("Direct buffer memory", OomeVariant::DirectBufferMemory),
            (
                "Cannot reserve 262144 bytes of direct buffer memory (allocated: 1048576, limit: 1048576)",
                OomeVariant::DirectBufferMemory,
            ),
            (
                "unable to create native thread: possibly out of memory or process/resource limits reached",
                OomeVariant::UnableToCreateNativeThread,
            ),
            (
                "unable to create new native thread",
                OomeVariant::UnableToCreateNativeThread,
            ),
            ("PermGen space", OomeVariant::Other),
            ("", OomeVariant::Other),
        ];
        for (msg, v) in cases {
            let text = if msg.is_empty() {
                "java.lang.OutOfMemoryError\n".to_string()
            } else {
                format!("java.lang.OutOfMemoryError: {msg}\n")
            };
            let log = run(&text);
            assert_eq!(log.signals.len(), 1, "{msg}");
            assert_eq!(log.signals[0].variant, Some(v), "{msg}");
            assert_eq!(log.signals[0].detail, msg, "{msg}");
            assert!(log.jvm_seen);
        }
    }

    #[test]
    fn thread_and_prefixes() {
        let log = run(concat!(
            "2024-05-01 12:00:00.123 ERROR [main] c.e.App - boom\n",
            "Exception in thread \"http-nio-8080-exec-1\" java.lang.OutOfMemoryError: Java heap space\n",
            "\tat java.util.Arrays.copyOf(Arrays.java:3236)\n",
            "Terminating due to java.lang.OutOfMemoryError: Metaspace\n",
        ));
        assert_eq!(log.signals.len(), 2);
        assert_eq!(
            log.signals[0].thread.as_deref(),
            Some("http-nio-8080-exec-1")
        );
        assert_eq!(log.signals[0].line, 2);
        assert_eq!(log.signals[1].variant, Some(OomeVariant::Metaspace));
        assert_eq!(log.signals[1].thread, None);
        assert_eq!(log.lines, 4);
    }

    #[test]
    fn caused_by_of_the_same_throw_is_folded() {
        let log = run(concat!(
            "Exception in thread \"main\" java.util.concurrent.ExecutionException: java.lang.OutOfMemoryError: Java heap space\n",
            "\tat java.base/java.util.concurrent.FutureTask.report(FutureTask.java:122)\n",
            "Caused by: java.lang.OutOfMemoryError: Java heap space\n",
            "\tat Main.fill(Main.java:9)\n",
            "\t... 1 more\n",
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n",
            "\tat Main.fill(Main.java:9)\n",
        ));
        assert_eq!(kinds(&log).len(), 2, "{log:#?}");
        assert_eq!(log.signals[0].line, 1);
        assert_eq!(log.signals[1].line, 6);
        assert_eq!(log.signal_count, 2);
    }

    #[test]
    fn caused_by_with_another_message_counts_and_keeps_the_thread() {
        let log = run(concat!(
            "Exception in thread \"worker-3\" java.lang.RuntimeException: load failed\n",
            "\tat App.run(App.java:3)\n",
            "Caused by: java.lang.OutOfMemoryError: Metaspace\n",
            "\tat java.base/java.lang.ClassLoader.defineClass1(Native Method)\n",
        ));
        assert_eq!(log.signals.len(), 1);
        assert_eq!(log.signals[0].line, 3);
        assert_eq!(log.signals[0].thread.as_deref(), Some("worker-3"));
    }

    #[test]
    fn json_line_with_escaped_trace() {
        let line = r#"{"@timestamp":"2024-05-01T12:00:00Z","level":"ERROR","thread_name":"pool-1-thread-2","message":"task failed","stack_trace":"java.util.concurrent.ExecutionException: java.lang.OutOfMemoryError: Direct buffer memory\n\tat java.base/java.util.concurrent.FutureTask.report(FutureTask.java:122)\nCaused by: java.lang.OutOfMemoryError: Direct buffer memory\n\tat java.base/java.nio.Bits.reserveMemory(Bits.java:175)\n"}"#;
        let log = run(&format!("{line}\n"));
        assert_eq!(log.signals.len(), 1, "{log:#?}");
        assert_eq!(
            log.signals[0].variant,
            Some(OomeVariant::DirectBufferMemory)
        );
        assert_eq!(log.signals[0].detail, "Direct buffer memory");
    }

    #[test]
    fn json_escaped_thread_name() {
        let log = run(
            "{\"log\":\"Exception in thread \\\"main\\\" java.lang.OutOfMemoryError: Java heap space\\n\",\"stream\":\"stderr\"}\n",
        );
        assert_eq!(log.signals.len(), 1);
        assert_eq!(log.signals[0].thread.as_deref(), Some("main"));
        assert_eq!(log.signals[0].detail, "Java heap space");
    }

    #[test]
    fn docker_json_and_cri_framing() {
        let log = run(concat!(
            "{\"log\":\"MemoryError\\n\",\"stream\":\"stderr\",\"time\":\"2024-05-01T12:00:00.1Z\"}\n",
            "2024-05-01T12:00:01.000000000Z stderr F fatal error: out of memory\n",
            "2024-05-01T12:00:02.000000000Z MemoryError: cannot allocate\n",
        ));
        assert_eq!(
            kinds(&log),
            vec![
                (SignalKind::PythonMemoryError, None, 1),
                (SignalKind::GoOutOfMemory, None, 2),
                (SignalKind::PythonMemoryError, None, 3),
            ]
        );
        assert_eq!(log.signals[2].detail, "cannot allocate");
    }

    #[test]
    fn python_names() {
        let log = run(concat!(
            "MemoryError\n",
            "MemoryError: Unable to allocate\n",
            "MemoryErrorHandler installed\n",
            "MemoryError occurred while loading\n",
            "  raise MemoryError()\n",
            "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 1.00 TiB\n",
            "class MyMemoryError(Exception): pass\n",
        ));
        assert_eq!(
            kinds(&log),
            vec![
                (SignalKind::PythonMemoryError, None, 1),
                (SignalKind::PythonMemoryError, None, 2),
                (SignalKind::PythonMemoryError, None, 6),
            ]
        );
        assert_eq!(log.signals[2].detail, "Unable to allocate 1.00 TiB");
        assert!(!log.jvm_seen);
    }

    #[test]
    fn node_variants() {
        let log = run(concat!(
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n",
            "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - process out of memory\n",
            "the build ran out of memory\n",
        ));
        assert_eq!(log.signals.len(), 2);
        assert_eq!(
            log.signals[0].detail,
            "Reached heap limit Allocation failed - JavaScript heap out of memory"
        );
        assert_eq!(log.signals[1].kind, SignalKind::NodeHeapOom);
    }

    #[test]
    fn go_cannot_allocate_and_fatal_are_one() {
        let log = run(concat!(
            "runtime: out of memory: cannot allocate 4194304-byte block (1755381760 in use)\n",
            "fatal error: out of memory\n",
            "\n",
            "fatal error: runtime: out of memory\n",
            "PHP Fatal error: out of memory\n",
        ));
        assert_eq!(log.signals.len(), 2, "{log:#?}");
        assert_eq!(
            log.signals[0].detail,
            "runtime: out of memory: cannot allocate 4194304-byte block (1755381760 in use)"
        );
        assert_eq!(log.signals[1].line, 4);
        assert_eq!(log.signals[1].detail, "runtime: out of memory");
    }

    #[test]
    fn heap_dump_notice_and_uncaught_trace_are_one() {
        let log = run(concat!(
            "java.lang.OutOfMemoryError: Java heap space\n",
            "Dumping heap to /dumps/java_pid1.hprof ...\n",
            "Heap dump file created [9483431 bytes in 0.008 secs]\n",
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n",
            "\tat HeapOom.main(HeapOom.java:10)\n",
        ));
        assert_eq!(log.signals.len(), 1);
        assert_eq!(log.signals[0].line, 1);
        assert_eq!(log.signals[0].thread.as_deref(), Some("main"));
        assert_eq!(
            log.heap_dumps,
            vec![HeapDump {
                path: "/dumps/java_pid1.hprof".into(),
                bytes: Some(9_483_431),
                line: 2,
                signal_line: Some(1),
            }]
        );
    }

    #[test]
    fn insufficient_memory_banner() {
        let log = run(concat!(
            "OpenJDK 64-Bit Server VM warning: INFO: os::commit_memory(0x000000074f550000, 1890254848, 0) failed; error='Cannot allocate memory' (errno=12)\n",
            "#\n",
            "# There is insufficient memory for the Java Runtime Environment to continue.\n",
            "# Native memory allocation (mmap) failed to map 1890254848 bytes for committing reserved memory.\n",
            "# An error report file with more information is saved as:\n",
            "# /root/nexus/hs_err_pid29372.log\n",
            "after\n",
        ));
        assert_eq!(kinds(&log), vec![(SignalKind::JvmFatalError, None, 3)]);
        assert_eq!(
            log.signals[0].detail,
            "Native memory allocation (mmap) failed to map 1890254848 bytes for committing reserved memory."
        );
        let hs = log.hs_err.unwrap();
        assert_eq!(hs.pid, Some(29372));
        assert_eq!(
            hs.report_path.as_deref(),
            Some("/root/nexus/hs_err_pid29372.log")
        );
        assert_eq!(hs.line, 3);
        assert!(!hs.full_report);
    }

    #[test]
    fn crash_on_oome_banner_has_the_variant() {
        let log = run(concat!(
            "Aborting due to java.lang.OutOfMemoryError: Java heap space\n",
            "#\n",
            "# A fatal error has been detected by the Java Runtime Environment:\n",
            "#\n",
            "#  Internal Error (debug.cpp:362), pid=858, tid=859\n",
            "#  fatal error: OutOfMemory encountered: Java heap space\n",
            "#\n",
            "# JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)\n",
        ));
        assert_eq!(
            kinds(&log),
            vec![
                (SignalKind::JavaOome, Some(OomeVariant::JavaHeapSpace), 1),
                (
                    SignalKind::JvmFatalError,
                    Some(OomeVariant::JavaHeapSpace),
                    3
                ),
            ]
        );
        let hs = log.hs_err.unwrap();
        assert_eq!(hs.pid, Some(858));
        assert_eq!(hs.reason.as_deref(), Some("Internal Error (debug.cpp:362)"));
        assert_eq!(
            hs.message.as_deref(),
            Some("fatal error: OutOfMemory encountered: Java heap space")
        );
        assert_eq!(
            hs.jre_version.as_deref(),
            Some("OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)")
        );
    }

    #[test]
    fn hs_err_body_and_container_section() {
        let log = run(concat!(
            "#\n",
            "# A fatal error has been detected by the Java Runtime Environment:\n",
            "#\n",
            "#  SIGSEGV (0xb) at pc=0x00007f02f22b5a37, pid=1, tid=0x00007f02f2e8e700\n",
            "#\n",
            "\n",
            "---------------  T H R E A D  ---------------\n",
            "Current thread (0x00007f):  JavaThread \"main\" [_thread_in_vm, id=9]\n",
            "jvm_args: -Xmx512m -XX:+UseG1GC \n",
            "java_command: app.jar --port 8080\n",
            "container (cgroup) information:\n",
            "container_type: cgroupv2\n",
            "memory_limit_in_bytes: 2147483648\n",
            "memory_soft_limit_in_bytes: unlimited\n",
            "\n",
            "jvm_args: ignored second\n",
        ));
        assert_eq!(log.signals.len(), 1);
        let hs = log.hs_err.unwrap();
        assert_eq!(
            hs.reason.as_deref(),
            Some("SIGSEGV (0xb) at pc=0x00007f02f22b5a37")
        );
        assert_eq!(hs.pid, Some(1));
        assert_eq!(hs.jvm_args.as_deref(), Some("-Xmx512m -XX:+UseG1GC"));
        assert_eq!(hs.java_command.as_deref(), Some("app.jar --port 8080"));
        assert_eq!(hs.memory_limit_bytes, Some(2_147_483_648));
        assert!(hs.full_report);
    }

    #[test]
    fn banner_in_cri_framing_and_report_on_stderr_is_one_error() {
        // -XX:ErrorFile=/dev/stderr: the short banner on stdout, then the
        // full report on stderr, both in the container log.
        let log = run(concat!(
            "2024-05-01T12:00:00.000000001Z stdout F #\n",
            "2024-05-01T12:00:00.000000002Z stdout F # There is insufficient memory for the Java Runtime Environment to continue.\n",
            "2024-05-01T12:00:00.000000003Z stdout F # Native memory allocation (malloc) failed to allocate 32744 bytes for ChunkPool::allocate\n",
            "2024-05-01T12:00:00.000000004Z stdout F # An error report file with more information is saved as:\n",
            "2024-05-01T12:00:00.000000005Z stdout F # /dev/stderr\n",
            "2024-05-01T12:00:00.000000006Z stderr F [12.3s] other output\n",
            "2024-05-01T12:00:00.000000007Z stderr F #\n",
            "2024-05-01T12:00:00.000000008Z stderr F # There is insufficient memory for the Java Runtime Environment to continue.\n",
            "2024-05-01T12:00:00.000000009Z stderr F # Native memory allocation (malloc) failed to allocate 32744 bytes for ChunkPool::allocate\n",
            "2024-05-01T12:00:00.000000010Z stderr F #  Out of Memory Error (allocation.cpp:46), pid=7, tid=9\n",
            "2024-05-01T12:00:00.000000011Z stderr F #\n",
            "2024-05-01T12:00:00.000000012Z stderr F ---------------  S U M M A R Y ------------\n",
            "2024-05-01T12:00:00.000000013Z stderr F jvm_args: -Xmx1g\n",
        ));
        assert_eq!(kinds(&log), vec![(SignalKind::JvmFatalError, None, 2)]);
        let hs = log.hs_err.unwrap();
        assert_eq!(hs.line, 2);
        assert_eq!(hs.report_path.as_deref(), Some("/dev/stderr"));
        assert_eq!(
            hs.error_site.as_deref(),
            Some("Out of Memory Error (allocation.cpp:46)")
        );
        assert_eq!(hs.pid, Some(7));
        assert_eq!(hs.jvm_args.as_deref(), Some("-Xmx1g"));
        assert!(hs.full_report);
    }

    #[test]
    fn two_distinct_fatal_errors_warn() {
        let text = concat!(
            "# A fatal error has been detected by the Java Runtime Environment:\n",
            "#  SIGSEGV (0xb) at pc=0x1, pid=1, tid=2\n",
            "restarted\n",
            "# A fatal error has been detected by the Java Runtime Environment:\n",
            "#  SIGBUS (0x7) at pc=0x2, pid=1, tid=3\n",
        );
        let (log, w) = parse("t.log", text.as_bytes());
        assert_eq!(log.signals.len(), 2);
        assert_eq!(log.signals[1].detail, "SIGBUS (0x7) at pc=0x2");
        assert_eq!(
            log.hs_err.unwrap().reason.as_deref(),
            Some("SIGSEGV (0xb) at pc=0x1")
        );
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(4));
    }

    #[test]
    fn kubectl_prefix_and_timestamps() {
        let log = run(concat!(
            "[pod/api-7d9/app] 2024-05-01T12:00:00.000Z Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n",
            "[pod/api-7d9/app] 2024-05-01T12:00:00.000Z \tat A.b(A.java:1)\n",
            "[pod/api-7d9/app] 2024-05-01T12:00:00.000Z Caused by: java.lang.OutOfMemoryError: Java heap space\n",
            "[pod/api-7d9/app] 2024-05-01T12:00:01.000Z MemoryError\n",
        ));
        assert_eq!(
            kinds(&log),
            vec![
                (SignalKind::JavaOome, Some(OomeVariant::JavaHeapSpace), 1),
                (SignalKind::PythonMemoryError, None, 4),
            ]
        );
    }

    #[test]
    fn memory_limit_forms() {
        assert_eq!(memory_limit(b" 524288 k"), (Some(536_870_912), false));
        assert_eq!(memory_limit(b"unlimited"), (None, true));
        assert_eq!(memory_limit(b"-1"), (None, true));
        assert_eq!(memory_limit(b"not supported"), (None, false));
        assert_eq!(memory_limit(b"99999999999999999999 k"), (None, false));
    }

    #[test]
    fn frames_and_hs_err_internals_are_not_signals() {
        let log = run(concat!(
            "\tat java.lang.OutOfMemoryError.<init>(OutOfMemoryError.java:48)\n",
            "Event: 0.03 Thread 0x1 Exception <a 'java/lang/OutOfMemoryError'{0x1}: Java heap space> (0x2)\n",
            "OutOfMemoryError java_heap_errors=1\n",
            "-XX:+ExitOnOutOfMemoryError\n",
        ));
        assert!(log.signals.is_empty(), "{log:#?}");
        assert!(log.jvm_seen);
    }

    #[test]
    fn no_signal_non_jvm() {
        let log = run("starting\nlistening on :8080\nshutting down\n");
        assert!(log.signals.is_empty());
        assert!(!log.jvm_seen);
        assert_eq!(log.lines, 3);
        assert!(log.hs_err.is_none());
    }

    #[test]
    fn signal_limit() {
        let text = "java.lang.OutOfMemoryError: Java heap space\n".repeat(AppLog::LIMIT + 5);
        let (log, w) = parse("t.log", text.as_bytes());
        assert_eq!(log.signals.len(), AppLog::LIMIT);
        assert_eq!(log.signal_count, AppLog::LIMIT as u64 + 5);
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(AppLog::LIMIT as u64 + 1));
    }

    #[test]
    fn unterminated_thread_name_is_not_guessed() {
        let log = run(
            "Exception: java.lang.OutOfMemoryError thrown from the UncaughtExceptionHandler in thread \"ajp-apr-127.0.0\n",
        );
        assert_eq!(log.signals.len(), 1);
        assert_eq!(log.signals[0].thread, None);
        assert_eq!(
            log.signals[0].detail,
            "thrown from the UncaughtExceptionHandler"
        );
    }
}
