//! Native Memory Tracking: `jcmd <pid> VM.native_memory summary` and
//! `summary.diff`, JDK 8, 11, 17 and 21 layouts, with and without `KB`
//! units, several snapshots in one file.
//!
//! # Formats
//!
//! ```text
//! 12345:                                                    <- pid line (jcmd)
//!
//! Native Memory Tracking:                                   <- marker
//!
//! (Omitting categories weighting less than 1KB)             <- JDK 17+
//!
//! Total: reserved=1472390KB, committed=146730KB             <- totals
//!        malloc: 20145KB #12345                             <- JDK 17+
//!        mmap:   reserved=1452245KB, committed=126585KB
//!
//! -                     Class (reserved=1049707KB, committed=5195KB)
//!                             (classes #5897)
//!                             (malloc=1131KB #9437)
//!                             (mmap: reserved=1048576KB, committed=4064KB)
//!                             (  Metadata:   )              <- JDK 11+
//!                             (    used=...)
//! -                    Thread (reserved=22613KB, committed=1093KB)
//!                             (thread #22)                  <- `threads #` later
//!                             (stack: reserved=22528KB, committed=1008KB)
//! ```
//!
//! - `summary.diff` adds the change after each value (`reserved=1472390KB
//!   +1024KB`, `(thread #22 +3)`, `(malloc=133KB +31KB #1278 +240)`); a
//!   value that did not change has none.
//! - `scale=MB` / `scale=GB` print `MB` / `GB` (values rounded to the unit
//!   by the JVM); `scale=1` and `-XX:+PrintNMTStatistics` print plain byte
//!   counts with no unit. Values here are all bytes.
//! - JDK 8 and 11 have no `Metaspace` category (class metadata is in
//!   `Class`); JDK 17+ prints one. Newer JDKs print `(malloc=...KB tag=Thread #N)`,
//!   `(mmap: ..., at peak)` and `(peak=...)` groups.
//! - Several outputs may follow each other in one file (a user appending
//!   `jcmd` runs, with `date` lines or shell prompts in between): a snapshot
//!   starts at each `Native Memory Tracking:` marker, or at a `Total:` line
//!   (or a repeated category) when the marker was not kept.
//! - A line that is only a timestamp (`date -Is`, `date +%s`; see
//!   [`super::date_line`]) before a snapshot gives the snapshot its time
//!   (`Snapshot::time`, `unix_ms`), as a capture loop `while :; do date
//!   -Is; jcmd $pid VM.native_memory summary; sleep 60; done` writes.
//! - `detail` reports: only the summary part is read; the per-site
//!   `[0x...]` sections are skipped.

use serde::Serialize;

use super::jcmd::parse_size;
use crate::provenance::{clip, Warnings};

/// One NMT category (`Java Heap`, `Class`, `Metaspace`, `Thread`, `Code`,
/// `GC`, `Compiler`, `Internal`, `Other`, `Symbol`, `Arena Chunk`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Category {
    /// The name as printed (`Java Heap`, `Thread`, `Arena Chunk`).
    pub name: String,
    pub reserved_bytes: u64,
    pub committed_bytes: u64,
    /// In a `summary.diff`: the change since the baseline (`+1024KB`).
    pub reserved_diff_bytes: Option<i64>,
    pub committed_diff_bytes: Option<i64>,
    /// `(thread #N)` for the Thread category.
    pub threads: Option<u64>,
    pub threads_diff: Option<i64>,
    /// `(malloc=...)` and `(mmap: reserved=..., committed=...)` parts, when printed.
    pub malloc_bytes: Option<u64>,
    pub mmap_committed_bytes: Option<u64>,
    /// For Class (JDK 8-17) / Metaspace (JDK 17+): `(classes #N)`.
    pub classes: Option<u64>,
    pub line: u64,
    /// In a `summary.diff`: the change of `classes` (`(classes #2650 +1739)`).
    pub classes_diff: Option<i64>,
    /// The number of mallocs (`(malloc=1131KB #9437)`), when printed.
    pub malloc_count: Option<u64>,
    pub malloc_diff_bytes: Option<i64>,
    pub mmap_reserved_bytes: Option<u64>,
    pub mmap_committed_diff_bytes: Option<i64>,
    /// `(stack: reserved=..., committed=...)` of the Thread category.
    pub stack_reserved_bytes: Option<u64>,
    pub stack_committed_bytes: Option<u64>,
    pub stack_committed_diff_bytes: Option<i64>,
    /// Metaspace in use: the sum of the `(    used=...)` lines (`Metadata`
    /// and `Class space`) that JDK 11-21 print under Class.
    pub used_bytes: Option<u64>,
    pub used_diff_bytes: Option<i64>,
    /// The last line read into this category (`line..=last_line` is its
    /// block).
    pub last_line: u64,
}

/// One `VM.native_memory summary` (or `summary.diff`) output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The `Total: reserved=..., committed=...` line.
    pub total_reserved_bytes: u64,
    pub total_committed_bytes: u64,
    pub total_reserved_diff_bytes: Option<i64>,
    pub total_committed_diff_bytes: Option<i64>,
    pub categories: Vec<Category>,
    /// True for `summary.diff` output.
    pub diff: bool,
    /// The pid line jcmd prints first (`12345:`), when present.
    pub pid: Option<u64>,
    /// The first line of the snapshot.
    pub line: u64,
    /// The line of `Total:`; `None` when it was not printed (a cut
    /// output), and then the totals are 0.
    pub total_line: Option<u64>,
    /// The total `malloc:` / `mmap:` lines under `Total:` (JDK 17+).
    pub total_malloc_bytes: Option<u64>,
    pub total_malloc_diff_bytes: Option<i64>,
    pub total_mmap_reserved_bytes: Option<u64>,
    pub total_mmap_committed_bytes: Option<u64>,
    /// The unit the values were printed in, in bytes: 1024 for `KB` (the
    /// default), 1048576 for `scale=MB`, 1 for plain byte counts. Values
    /// are exact only to this unit.
    pub scale_bytes: u64,
    /// The last line read into this snapshot.
    pub last_line: u64,
    /// The timestamp line just before the snapshot (or its pid line), as
    /// printed, when there is one: see [`super::date_line`] for what is
    /// accepted (`date -Is`, `date +%s`, any ISO 8601 line).
    pub time: Option<String>,
    /// That time in Unix milliseconds, when the line says its zone.
    pub unix_ms: Option<i64>,
    pub time_line: Option<u64>,
}

impl Snapshot {
    /// A category by name (`Thread`), if printed.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }
}

/// How one category's committed memory changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Growth {
    pub name: String,
    /// Committed bytes in the earlier / later snapshot (0 when the category
    /// was not printed there, as NMT omits tiny ones).
    pub from_bytes: u64,
    pub to_bytes: u64,
    pub delta_bytes: i64,
    /// The category's line in each snapshot, when printed.
    pub from_line: Option<u64>,
    pub to_line: Option<u64>,
}

/// The change of every category's committed memory from `earlier` to
/// `later`, largest growth first (ties by name).
pub fn committed_growth(earlier: &Snapshot, later: &Snapshot) -> Vec<Growth> {
    let mut names: Vec<&str> = Vec::new();
    for c in earlier.categories.iter().chain(&later.categories) {
        if !names.contains(&c.name.as_str()) {
            names.push(&c.name);
        }
    }
    let mut out: Vec<Growth> = names
        .into_iter()
        .map(|name| {
            let a = earlier.category(name);
            let b = later.category(name);
            let from = a.map_or(0, |c| c.committed_bytes);
            let to = b.map_or(0, |c| c.committed_bytes);
            Growth {
                name: name.to_string(),
                from_bytes: from,
                to_bytes: to,
                delta_bytes: signed_delta(from, to),
                from_line: a.map(|c| c.line),
                to_line: b.map(|c| c.line),
            }
        })
        .collect();
    out.sort_by(|x, y| {
        y.delta_bytes
            .cmp(&x.delta_bytes)
            .then_with(|| x.name.cmp(&y.name))
    });
    out
}

fn signed_delta(from: u64, to: u64) -> i64 {
    let d = i128::from(to) - i128::from(from);
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

/// At most this many snapshots are kept; later ones are counted in a warning.
pub const MAX_SNAPSHOTS: usize = 10_000;
/// At most this many categories per snapshot (NMT prints about thirty).
pub const MAX_CATEGORIES: usize = 256;

/// How many lines [`looks_like_nmt`] looks through.
const SNIFF_LINES: usize = 60;
/// Longest text quoted in a warning.
const MAX_QUOTE: usize = 120;
/// Longest category name taken as one.
const MAX_NAME: usize = 64;

/// Whether the head of a file looks like NMT output (`Native Memory
/// Tracking:`).
///
/// Also true for a `Total: reserved=..., committed=...` line (an output
/// copied without its header) and for jcmd's `Native memory tracking is not
/// enabled` and `No baseline for comparison`, which [`parse`] turns into
/// warnings. A JVM fatal-error banner first (an `hs_err` file, which may
/// hold an NMT section) means no. Looks at the first sixty lines.
pub fn looks_like_nmt(head: &[u8]) -> bool {
    for raw in head.split(|&b| b == b'\n').take(SNIFF_LINES) {
        let text = String::from_utf8_lossy(raw);
        let t = text.trim();
        if t.starts_with('#') && t.contains("Java Runtime Environment") {
            return false;
        }
        if is_marker(t) || is_off(t) || no_baseline(t) || total_rest(t).is_some() {
            return true;
        }
    }
    false
}

fn is_marker(t: &str) -> bool {
    t.starts_with("Native Memory Tracking:")
}

fn is_off(t: &str) -> bool {
    t.len() >= 37
        && t.is_char_boundary(37)
        && t[..37].eq_ignore_ascii_case("native memory tracking is not enabled")
}

/// `No baseline for comparison` (`summary.diff` before `baseline`).
fn no_baseline(t: &str) -> bool {
    t.starts_with("No ") && t.ends_with("baseline for comparison")
}

/// The text after `Total:` when the line is the totals line.
fn total_rest(t: &str) -> Option<&str> {
    let rest = t.strip_prefix("Total:")?;
    (rest.contains("reserved=") && rest.contains("committed=")).then_some(rest)
}

/// Parses every snapshot in the text, in order.
pub fn parse(source: &str, text: &[u8]) -> (Vec<Snapshot>, Warnings) {
    let mut p = Parser {
        source,
        out: Vec::new(),
        warnings: Warnings::new(),
        cur: None,
        cat: None,
        pending_pid: None,
        pending_time: None,
        dropped_snapshots: 0,
        dropped_categories: 0,
    };
    // Nothing to do in a file without any NMT text.
    let finder = |needle: &[u8]| memchr::memmem::find(text, needle).is_some();
    if !(finder(b"reserved=")
        || finder(b"emory tracking")
        || finder(b"emory Tracking")
        || finder(b"baseline for comparison"))
    {
        return (p.out, p.warnings);
    }
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(raw);
        p.line(i as u64 + 1, &line);
    }
    p.finish();
    if p.dropped_snapshots > 0 {
        p.warnings.push(
            source,
            None,
            format!(
                "{} more NMT snapshots not read (at most {MAX_SNAPSHOTS} are kept)",
                p.dropped_snapshots
            ),
        );
    }
    if p.dropped_categories > 0 {
        p.warnings.push(
            source,
            None,
            format!(
                "{} NMT categories not read (at most {MAX_CATEGORIES} per snapshot)",
                p.dropped_categories
            ),
        );
    }
    (p.out, p.warnings)
}

struct Parser<'a> {
    source: &'a str,
    out: Vec<Snapshot>,
    warnings: Warnings,
    cur: Option<Snapshot>,
    /// The category whose detail lines follow, as an index into `cur`.
    cat: Option<usize>,
    /// A `12345:` line (pid, line number) just before.
    pending_pid: Option<(u64, u64)>,
    /// A timestamp line (text, Unix ms, line number) before the next
    /// snapshot.
    pending_time: Option<(String, Option<i64>, u64)>,
    dropped_snapshots: u64,
    dropped_categories: u64,
}

/// A value as printed (`1472390KB`, `7803MB`, `1788826570`) with its change
/// in a diff (`+1024KB`, `-106MB`), in bytes, and the printed unit's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Value {
    bytes: u64,
    diff: Option<i64>,
    unit: u64,
}

/// A count (`#22`) with its change in a diff (`+3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    n: u64,
    diff: Option<i64>,
}

impl Parser<'_> {
    fn warn(&mut self, no: u64, what: &str, line: &str) {
        self.warnings.push(
            self.source,
            Some(no),
            format!("{what}: {}", clip(line.trim(), MAX_QUOTE)),
        );
    }

    fn line(&mut self, no: u64, raw: &str) {
        let t = raw.trim();
        if t.is_empty() {
            return;
        }
        if let Some(pid) = super::pid_line(t) {
            self.pending_pid = Some((pid, no));
            self.cat = None;
            return;
        }
        if let Some(ms) = super::date_line(t) {
            self.pending_time = Some((t.to_string(), ms, no));
            self.cat = None;
            return;
        }
        self.dispatch(no, t);
        // A pid or time line is the start of the output right after it, or
        // nothing.
        self.pending_pid = None;
        self.pending_time = None;
    }

    fn dispatch(&mut self, no: u64, t: &str) {
        if is_marker(t) {
            self.finish();
            self.start(no);
            return;
        }
        if is_off(t) {
            self.warn(
                no,
                "native memory tracking was off in this JVM (start it with -XX:NativeMemoryTracking=summary)",
                t,
            );
            self.end_of_block();
            return;
        }
        if no_baseline(t) {
            self.warn(no, "summary.diff without a baseline", t);
            self.end_of_block();
            return;
        }
        if let Some(rest) = total_rest(t) {
            self.total(no, t, rest);
            return;
        }
        if let Some(at) = t.find("(reserved=") {
            match category_name(&t[..at]) {
                Some(name) => self.category(no, t, name, &t[at + 1..]),
                None => {
                    self.warn(no, "NMT category line not understood", t);
                    self.cat = None;
                }
            }
            return;
        }
        if self.cur.is_some() {
            let d = t.trim_start_matches(':').trim_start();
            if d.starts_with('(') {
                if let Some(i) = self.cat {
                    self.detail(no, i, d);
                }
                return;
            }
            if self.cat.is_none()
                && self.cur.as_ref().is_some_and(|s| s.categories.is_empty())
                && (d.starts_with("malloc") || d.starts_with("mmap"))
            {
                self.total_part(no, d);
                return;
            }
        }
        // Anything else (a detail report's `[0x...]` frames, `Details:`, a
        // shell prompt, a date) ends the category block.
        self.end_of_block();
    }

    fn end_of_block(&mut self) {
        self.cat = None;
    }

    /// Starts a snapshot at line `no` (or at the pid line just before).
    fn start(&mut self, no: u64) {
        let (pid, line) = match self.pending_pid.take() {
            Some((pid, at)) => (Some(pid), at),
            None => (None, no),
        };
        let (time, unix_ms, time_line) = match self.pending_time.take() {
            Some((t, ms, at)) => (Some(t), ms, Some(at)),
            None => (None, None, None),
        };
        self.cur = Some(Snapshot {
            pid,
            line,
            last_line: no,
            time,
            unix_ms,
            time_line,
            ..Snapshot::default()
        });
        self.cat = None;
    }

    fn finish(&mut self) {
        self.cat = None;
        let Some(mut s) = self.cur.take() else {
            return;
        };
        if s.total_line.is_none() && s.categories.is_empty() {
            self.warnings.push(
                self.source,
                Some(s.line),
                "NMT header without a report (the output was cut?)",
            );
            return;
        }
        if s.total_line.is_none() {
            self.warnings.push(
                self.source,
                Some(s.line),
                "NMT report without a Total line: totals are 0",
            );
        }
        settle_diff(&mut s);
        if self.out.len() < MAX_SNAPSHOTS {
            self.out.push(s);
        } else {
            self.dropped_snapshots += 1;
        }
    }

    fn total(&mut self, no: u64, t: &str, rest: &str) {
        // A second Total line is a new output whose marker was not kept.
        if self.cur.as_ref().is_none_or(|s| s.total_line.is_some()) {
            self.finish();
            self.start(no);
        }
        let (r, c) = (field(rest, "reserved="), field(rest, "committed="));
        let (Some(Ok(r)), Some(Ok(c))) = (r, c) else {
            self.warn(no, "NMT total not understood", t);
            return;
        };
        let Some(s) = self.cur.as_mut() else {
            return;
        };
        s.total_line = Some(no);
        s.total_reserved_bytes = r.bytes;
        s.total_committed_bytes = c.bytes;
        s.total_reserved_diff_bytes = r.diff;
        s.total_committed_diff_bytes = c.diff;
        s.scale_bytes = r.unit;
        s.last_line = no;
        self.cat = None;
    }

    /// `malloc: 20145KB #12345` / `mmap:   reserved=..., committed=...` under
    /// the totals.
    fn total_part(&mut self, no: u64, d: &str) {
        let Some(s) = self.cur.as_mut() else {
            return;
        };
        s.last_line = no;
        if let Some(rest) = d.strip_prefix("malloc") {
            let rest = rest.trim_start_matches([':', '=']);
            match value_at(rest) {
                Some(v) => {
                    s.total_malloc_bytes = Some(v.bytes);
                    s.total_malloc_diff_bytes = v.diff;
                }
                None => self.warn(no, "NMT total malloc not understood", d),
            }
            return;
        }
        match (field(d, "reserved="), field(d, "committed=")) {
            (Some(Ok(r)), Some(Ok(c))) => {
                s.total_mmap_reserved_bytes = Some(r.bytes);
                s.total_mmap_committed_bytes = Some(c.bytes);
            }
            _ => self.warn(no, "NMT total mmap not understood", d),
        }
    }

    fn category(&mut self, no: u64, t: &str, name: &str, inner: &str) {
        let inner = inner.split(')').next().unwrap_or(inner);
        let (Some(Ok(r)), Some(Ok(c))) = (field(inner, "reserved="), field(inner, "committed="))
        else {
            self.warn(no, "NMT category not understood", t);
            self.cat = None;
            return;
        };
        let repeated = self
            .cur
            .as_ref()
            .is_some_and(|s| s.categories.iter().any(|x| x.name == name));
        if self.cur.is_none() || repeated {
            // An output without its marker and Total line, or the next one.
            self.finish();
            self.start(no);
        }
        let Some(s) = self.cur.as_mut() else {
            return;
        };
        if s.categories.len() >= MAX_CATEGORIES {
            self.dropped_categories += 1;
            self.cat = None;
            return;
        }
        if s.scale_bytes == 0 {
            s.scale_bytes = r.unit;
        }
        s.last_line = no;
        s.categories.push(Category {
            name: name.to_string(),
            reserved_bytes: r.bytes,
            committed_bytes: c.bytes,
            reserved_diff_bytes: r.diff,
            committed_diff_bytes: c.diff,
            line: no,
            last_line: no,
            ..Category::default()
        });
        self.cat = Some(s.categories.len() - 1);
    }

    /// A `(...)` line under category `i`.
    fn detail(&mut self, no: u64, i: usize, d: &str) {
        let Some(s) = self.cur.as_mut() else {
            return;
        };
        let Some(cat) = s.categories.get_mut(i) else {
            return;
        };
        s.last_line = no;
        // The first group: `(malloc=97KB #984) (at peak)` -> `malloc=97KB #984`.
        let group = d[1..].split(')').next().unwrap_or("");
        let g = group.trim();
        cat.last_line = no;
        let mut bad = false;
        if let Some(rest) = g
            .strip_prefix("threads #")
            .or_else(|| g.strip_prefix("thread #"))
        {
            match count_at(rest) {
                Some(n) => {
                    cat.threads = Some(n.n);
                    cat.threads_diff = n.diff;
                }
                None => bad = true,
            }
        } else if let Some(rest) = g.strip_prefix("classes #") {
            match count_at(rest) {
                Some(n) => {
                    cat.classes = Some(n.n);
                    cat.classes_diff = n.diff;
                }
                None => bad = true,
            }
        } else if let Some(rest) = g.strip_prefix("malloc=") {
            match value_at(rest) {
                Some(v) => {
                    cat.malloc_bytes = Some(v.bytes);
                    cat.malloc_diff_bytes = v.diff;
                    cat.malloc_count = rest
                        .find('#')
                        .and_then(|at| count_at(&rest[at + 1..]))
                        .map(|n| n.n);
                }
                None => bad = true,
            }
        } else if let Some(rest) = g.strip_prefix("mmap:") {
            match (field(rest, "reserved="), field(rest, "committed=")) {
                (Some(Ok(r)), Some(Ok(c))) => {
                    cat.mmap_reserved_bytes = Some(r.bytes);
                    cat.mmap_committed_bytes = Some(c.bytes);
                    cat.mmap_committed_diff_bytes = c.diff;
                }
                _ => bad = true,
            }
        } else if let Some(rest) = g.strip_prefix("stack:") {
            match (field(rest, "reserved="), field(rest, "committed=")) {
                (Some(Ok(r)), Some(Ok(c))) => {
                    cat.stack_reserved_bytes = Some(r.bytes);
                    cat.stack_committed_bytes = Some(c.bytes);
                    cat.stack_committed_diff_bytes = c.diff;
                }
                _ => bad = true,
            }
        } else if let Some(rest) = g.strip_prefix("used=") {
            match value_at(rest) {
                Some(v) => {
                    cat.used_bytes = Some(cat.used_bytes.unwrap_or(0).saturating_add(v.bytes));
                    if let Some(d) = v.diff {
                        cat.used_diff_bytes =
                            Some(cat.used_diff_bytes.unwrap_or(0).saturating_add(d));
                    }
                }
                None => bad = true,
            }
        }
        // Anything else (`instance classes`, `arena=`, `tracking overhead=`,
        // `Metadata:`, `    reserved=` of a metaspace part, `waste=`, `free=`,
        // `peak=`) is not kept.
        if bad {
            self.warn(no, "NMT line not understood", d);
        }
    }
}

/// In a `summary.diff`, a value printed without a change did not change:
/// give those a change of 0.
fn settle_diff(s: &mut Snapshot) {
    let any = s.total_reserved_diff_bytes.is_some()
        || s.total_committed_diff_bytes.is_some()
        || s.total_malloc_diff_bytes.is_some()
        || s.categories.iter().any(|c| {
            c.reserved_diff_bytes.is_some()
                || c.committed_diff_bytes.is_some()
                || c.threads_diff.is_some()
                || c.classes_diff.is_some()
                || c.malloc_diff_bytes.is_some()
                || c.mmap_committed_diff_bytes.is_some()
                || c.stack_committed_diff_bytes.is_some()
                || c.used_diff_bytes.is_some()
        });
    if !any {
        return;
    }
    s.diff = true;
    let zero = |d: &mut Option<i64>, present: bool| {
        if present && d.is_none() {
            *d = Some(0);
        }
    };
    let has_total = s.total_line.is_some();
    zero(&mut s.total_reserved_diff_bytes, has_total);
    zero(&mut s.total_committed_diff_bytes, has_total);
    zero(
        &mut s.total_malloc_diff_bytes,
        s.total_malloc_bytes.is_some(),
    );
    for c in &mut s.categories {
        zero(&mut c.reserved_diff_bytes, true);
        zero(&mut c.committed_diff_bytes, true);
        zero(&mut c.threads_diff, c.threads.is_some());
        zero(&mut c.classes_diff, c.classes.is_some());
        zero(&mut c.malloc_diff_bytes, c.malloc_bytes.is_some());
        zero(
            &mut c.mmap_committed_diff_bytes,
            c.mmap_committed_bytes.is_some(),
        );
        zero(
            &mut c.stack_committed_diff_bytes,
            c.stack_committed_bytes.is_some(),
        );
        zero(&mut c.used_diff_bytes, c.used_bytes.is_some());
    }
}

/// The name before `(reserved=`: `-    Native Memory Tracking ` -> `Native
/// Memory Tracking`. Some copies lost the leading `-`.
fn category_name(before: &str) -> Option<&str> {
    let name = before.trim().trim_start_matches('-').trim();
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/'));
    ok.then_some(name)
}

/// `key=VALUE [±CHANGE]` somewhere in `s`, where `key` starts a word
/// (`reserved=` in `mmap: reserved=`, not in `unreserved=`). `None` when
/// absent, `Some(Err(()))` when the value is not a size.
fn field(s: &str, key: &str) -> Option<Result<Value, ()>> {
    let mut from = 0;
    while let Some(rel) = s[from..].find(key) {
        let at = from + rel;
        let starts_word = s[..at]
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, ' ' | '\t' | '(' | ',' | ':'));
        if starts_word {
            return Some(value_at(&s[at + key.len()..]).ok_or(()));
        }
        from = at + key.len();
    }
    None
}

/// The size at the start of `s` (`1472390KB`, `7803MB`, `1788826570`),
/// then its change if one follows (` +1024KB`, ` -106MB`).
fn value_at(s: &str) -> Option<Value> {
    let s = s.trim_start();
    let (tok, rest) = token(s);
    let bytes = parse_size(tok)?;
    let unit = unit_of(tok)?;
    let diff = signed_at(rest).and_then(|(sign, t)| {
        let v = i64::try_from(parse_size(t)?).ok()?;
        Some(sign * v)
    });
    Some(Value { bytes, diff, unit })
}

/// The count at the start of `s` (`22`, `2650 +1739`).
fn count_at(s: &str) -> Option<Count> {
    let (tok, rest) = token(s.trim_start());
    if tok.is_empty() || !tok.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = tok.parse().ok()?;
    let diff = signed_at(rest).and_then(|(sign, t)| {
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(sign * t.parse::<i64>().ok()?)
    });
    Some(Count { n, diff })
}

/// A signed change at the start of `s` (after blanks): the sign and the
/// token after it.
fn signed_at(s: &str) -> Option<(i64, &str)> {
    let s = s.trim_start();
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (tok, _) = token(&s[1..]);
    tok.starts_with(|c: char| c.is_ascii_digit())
        .then_some((sign, tok))
}

/// The text up to the next blank, `,` or `)`, and what follows.
fn token(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',' || c == ')')
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The size of the unit a value was printed in (`12KB` -> 1024).
fn unit_of(tok: &str) -> Option<u64> {
    let unit = tok.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',');
    crate::units::parse::hotspot_unit(unit.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;

    fn one(text: &str) -> Snapshot {
        let (mut s, w) = parse("t", text.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s.len(), 1, "{s:?}");
        s.remove(0)
    }

    #[test]
    fn values_and_changes() {
        let v = value_at("1472390KB +1024KB, committed=1").unwrap();
        assert_eq!(v.bytes, 1472390 * KB);
        assert_eq!(v.diff, Some(1024 * KB as i64));
        assert_eq!(v.unit, KB);
        let v = value_at("377MB -106MB").unwrap();
        assert_eq!(
            (v.bytes, v.diff, v.unit),
            (377 * MB, Some(-106 * MB as i64), MB)
        );
        let v = value_at("1788826570, committed=2").unwrap();
        assert_eq!((v.bytes, v.diff, v.unit), (1788826570, None, 1));
        let v = value_at("7GB").unwrap();
        assert_eq!(v.bytes, 7 << 30);
        // `=19.79%` and `#12` are not changes.
        assert_eq!(value_at("89KB =19.79%").unwrap().diff, None);
        assert_eq!(value_at("97KB #984").unwrap().diff, None);
        assert!(value_at("KB").is_none());
        assert!(value_at("").is_none());
        assert!(value_at("99999999999999999999GB").is_none());
    }

    #[test]
    fn counts() {
        assert_eq!(count_at("22").unwrap(), Count { n: 22, diff: None });
        assert_eq!(
            count_at("149 +120").unwrap(),
            Count {
                n: 149,
                diff: Some(120)
            }
        );
        assert_eq!(count_at("26 -2").unwrap().diff, Some(-2));
        assert!(count_at("x").is_none());
        assert!(count_at("").is_none());
    }

    #[test]
    fn fields_start_words() {
        let s = "mmap: reserved=8KB, committed=4KB, at peak";
        assert_eq!(field(s, "reserved=").unwrap().unwrap().bytes, 8 * KB);
        assert_eq!(field(s, "committed=").unwrap().unwrap().bytes, 4 * KB);
        assert!(field("unreserved=3KB", "reserved=").is_none());
        assert_eq!(field("reserved=x", "reserved="), Some(Err(())));
    }

    #[test]
    fn names() {
        assert_eq!(
            category_name("-                 Java Heap "),
            Some("Java Heap")
        );
        assert_eq!(
            category_name("-    Native Memory Tracking "),
            Some("Native Memory Tracking")
        );
        assert_eq!(
            category_name("               Java Heap "),
            Some("Java Heap")
        );
        assert_eq!(category_name("- "), None);
        assert_eq!(category_name("(x "), None);
    }

    #[test]
    fn sniff() {
        assert!(looks_like_nmt(b"12345:\n\nNative Memory Tracking:\n"));
        assert!(looks_like_nmt(b"Total: reserved=1KB, committed=1KB\n"));
        assert!(looks_like_nmt(
            b"1:\nNative memory tracking is not enabled\n"
        ));
        assert!(looks_like_nmt(b"1:\nNo baseline for comparison\n"));
        assert!(!looks_like_nmt(b"1:\nBaseline taken\n"));
        assert!(!looks_like_nmt(b"Total Usage - 2 loaders\n"));
        assert!(!looks_like_nmt(
            b"#\n# A fatal error has been detected by the Java Runtime Environment:\nNative Memory Tracking:\n"
        ));
        assert!(!looks_like_nmt(b""));
    }

    #[test]
    fn jdk17_summary() {
        let s = one("12345:\n\nNative Memory Tracking:\n\n(Omitting categories weighting less than 1KB)\n\nTotal: reserved=1472390KB, committed=146730KB\n       malloc: 20145KB #12345\n       mmap:   reserved=1452245KB, committed=126585KB\n\n-                 Java Heap (reserved=262144KB, committed=16384KB)\n                            (mmap: reserved=262144KB, committed=16384KB)\n\n-                     Class (reserved=1049707KB, committed=5195KB)\n                            (classes #5897)\n                            (  instance classes #5509, array classes #388)\n                            (malloc=1131KB #9437)\n                            (mmap: reserved=1048576KB, committed=4064KB)\n                            (  Metadata:   )\n                            (    reserved=65536KB, committed=448KB)\n                            (    used=359KB)\n                            (  Class space:)\n                            (    reserved=1048576KB, committed=128KB)\n                            (    used=27KB)\n\n-                    Thread (reserved=22613KB, committed=1093KB)\n                            (thread #22)\n                            (stack: reserved=22528KB, committed=1008KB)\n");
        assert_eq!(s.pid, Some(12345));
        assert_eq!(s.line, 1);
        assert_eq!(s.total_line, Some(7));
        assert_eq!(s.total_reserved_bytes, 1472390 * KB);
        assert_eq!(s.total_committed_bytes, 146730 * KB);
        assert_eq!(s.total_malloc_bytes, Some(20145 * KB));
        assert_eq!(s.total_mmap_committed_bytes, Some(126585 * KB));
        assert_eq!(s.scale_bytes, KB);
        assert!(!s.diff);
        assert_eq!(s.categories.len(), 3);
        let class = s.category("Class").unwrap();
        assert_eq!(class.line, 14);
        assert_eq!(class.classes, Some(5897));
        assert_eq!(class.malloc_bytes, Some(1131 * KB));
        assert_eq!(class.malloc_count, Some(9437));
        assert_eq!(class.mmap_reserved_bytes, Some(1048576 * KB));
        assert_eq!(class.mmap_committed_bytes, Some(4064 * KB));
        assert_eq!(class.used_bytes, Some(386 * KB));
        assert_eq!(class.last_line, 24);
        let thread = s.category("Thread").unwrap();
        assert_eq!(thread.threads, Some(22));
        assert_eq!(thread.stack_committed_bytes, Some(1008 * KB));
        assert_eq!(thread.threads_diff, None);
        assert_eq!(s.last_line, 28);
    }

    #[test]
    fn diff_fills_unchanged_with_zero() {
        let s = one("Native Memory Tracking:\n\nTotal: reserved=7973487KB +121735KB, committed=487555KB +11339KB\n\n-                 Java Heap (reserved=6172672KB, committed=397312KB)\n                            (mmap: reserved=6172672KB, committed=397312KB)\n-                    Thread (reserved=153009KB +123234KB, committed=14757KB +12838KB)\n                            (thread #149 +120)\n                            (malloc=261KB +213KB #900 +722)\n                            (arena=173KB +141 #296 +240)\n");
        assert!(s.diff);
        assert_eq!(s.total_committed_diff_bytes, Some(11339 * KB as i64));
        let heap = s.category("Java Heap").unwrap();
        assert_eq!(heap.committed_diff_bytes, Some(0));
        assert_eq!(heap.mmap_committed_diff_bytes, Some(0));
        assert_eq!(heap.threads_diff, None);
        let t = s.category("Thread").unwrap();
        assert_eq!((t.threads, t.threads_diff), (Some(149), Some(120)));
        assert_eq!(t.malloc_diff_bytes, Some(213 * KB as i64));
        assert_eq!(t.malloc_count, Some(900));
    }

    #[test]
    fn several_outputs_and_noise() {
        let text = "$ date\nWed Nov 26 22:38:01 UTC 2025\n1:\n\nNative Memory Tracking:\n\nTotal: reserved=10KB, committed=5KB\n-  Thread (reserved=4KB, committed=2KB)\n   (thread #3)\n$ date\n   (thread #99)\n2:\n\nNative Memory Tracking:\n\nTotal: reserved=12KB, committed=6KB\n-  Thread (reserved=5KB, committed=3KB)\n   (thread #4)\n";
        let (s, w) = parse("t", text.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].pid, s[0].line), (Some(1), 3));
        assert_eq!(s[0].category("Thread").unwrap().threads, Some(3));
        assert_eq!(s[0].last_line, 9);
        assert_eq!((s[1].pid, s[1].line), (Some(2), 12));
        assert_eq!(s[1].category("Thread").unwrap().threads, Some(4));
        let g = committed_growth(&s[0], &s[1]);
        assert_eq!(g[0].name, "Thread");
        assert_eq!(g[0].delta_bytes, KB as i64);
        assert_eq!((g[0].from_line, g[0].to_line), (Some(8), Some(17)));
    }

    #[test]
    fn without_marker_or_total() {
        // Two copies of a Total-less fragment: the repeated category starts
        // the second.
        let text = "- Class (reserved=1KB, committed=1KB)\n- Thread (reserved=2KB, committed=2KB)\n- Class (reserved=3KB, committed=3KB)\n";
        let (s, w) = parse("t", text.as_bytes());
        assert_eq!(s.len(), 2);
        assert_eq!(w.items().len(), 2, "{:?}", w.items());
        assert_eq!(s[1].line, 3);
        assert_eq!(s[1].total_line, None);
        // Total lines start outputs too.
        let text = "Total: reserved=1KB, committed=1KB\nTotal: reserved=2KB, committed=2KB\n";
        let (s, w) = parse("t", text.as_bytes());
        assert!(w.is_empty());
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].total_reserved_bytes, 2 * KB);
    }

    #[test]
    fn nmt_off_and_no_baseline() {
        let (s, w) = parse("t", b"23329:\nNative memory tracking is not enabled\n");
        assert!(s.is_empty());
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(2));
        let (s, w) = parse("t", b"1:\nNo baseline for comparison\n");
        assert!(s.is_empty());
        assert_eq!(w.items().len(), 1);
        let (s, w) = parse("t", b"13404:\nBaseline taken\n");
        assert!(s.is_empty() && w.is_empty());
    }

    #[test]
    fn detail_report_sites_are_skipped() {
        let s = one("Native Memory Tracking:\n\nTotal: reserved=10KB, committed=5KB\n-  Thread (reserved=4KB, committed=2KB)\n   (thread #3)\n   (malloc=1KB tag=Thread #7) (peak=2KB #8)\n\nDetails:\n\n[0x00007f0000000000] Thread::Thread()+0x1\n                             (malloc=9KB type=Thread #1)\n[0x0000 - 0x1000] reserved 1MB for Thread Stack from\n    (mmap: reserved=1024KB, committed=8KB)\n");
        let t = s.category("Thread").unwrap();
        assert_eq!(t.malloc_bytes, Some(KB));
        assert_eq!(t.malloc_count, Some(7));
        assert_eq!(t.mmap_committed_bytes, None);
        assert_eq!(t.last_line, 6);
    }

    #[test]
    fn bad_lines_warn() {
        let (s, w) = parse(
            "t",
            b"Native Memory Tracking:\nTotal: reserved=xKB, committed=1KB\n- Thread (reserved=1KB, committed=99999999999999999999GB)\n- (reserved=1KB, committed=1KB)\n- Code (reserved=1KB, committed=1KB)\n  (thread #x)\n  (malloc=)\n",
        );
        assert_eq!(s.len(), 1);
        let lines: Vec<_> = w.items().iter().map(|w| w.line).collect();
        assert_eq!(
            lines,
            vec![Some(2), Some(3), Some(4), Some(6), Some(7), Some(1)]
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "Native Memory Tracking:\n(\n-\n- é (reserved=\nTotal:reserved=committed=\n",
            "Total: reserved=1KB, committed=1KB\n malloc\n mmap\n (reserved=\n(",
            "- A (reserved=1KB +, committed=1KB -)\n (thread #)\n (classes #1 +x)\n (used=1KB +9999999999999999999999KB)\n",
            "é:\n9999999999999999999999:\n:\n\u{fffd}(reserved=",
        ] {
            let _ = parse("t", t.as_bytes());
            let _ = looks_like_nmt(t.as_bytes());
        }
    }
}
