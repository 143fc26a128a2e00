//! `jcmd` and `jmap` outputs about classes and Metaspace:
//! `VM.metaspace` (summary, `show-loaders`, `by-spacetype`), `VM.classloader_stats`,
//! `jmap -clstats` (JDK 8), and `GC.class_histogram` / `jmap -histo`.
//! Numbers may use a locale's decimal comma (`1,5 MB`) or thousands
//! separators; sizes are returned in bytes.
//!
//! # Formats
//!
//! - `VM.metaspace` (JDK 11-21): the `Total Usage` block (`Total Usage -
//!   762 loaders, 1584 classes (717 shared):` since JDK 16, `Total Usage (
//!   1041 loaders):` before), `Virtual space:`, the settings
//!   (`MaxMetaspaceSize: unlimited`, `CompressedClassSpaceSize: 1.00 GB`,
//!   `Current GC threshold: 21.00 MB`); the `basic` form and the
//!   `Metaspace:` section of an `hs_err` file (`Usage:` block); without a
//!   class space the usage lines have no `Non-Class:` / `Class:` / `Both:`
//!   label. `show-loaders` adds one row per class loader (`  6: CLD 0x...:
//!   "generated-1399" instance of X, 1 class` and its usage lines), and
//!   `by-spacetype` one row per space type (`Standard - 740 loaders, 770
//!   classes:`, `Standard (174 loaders):`).
//! - `VM.classloader_stats` (and JDK 9+'s `jmap -clstats`, which prints the
//!   same): `ClassLoader Parent CLD* Classes ChunkSz BlockSz Type` rows, the
//!   `+ hidden classes` / `+ unsafe anonymous classes` row under a loader,
//!   `Total = N ...`.
//! - JDK 8 `jmap -clstats` (and JDK 6-7 `jmap -permstat`, `jhsdb jmap
//!   --clstats`): tab-separated `class_loader classes bytes parent_loader
//!   alive? type` rows and `total = N ... alive=A, dead=D`.
//! - `GC.class_histogram` / `jmap -histo`: ` num #instances #bytes class
//!   name (module)` rows and the `Total` line. [`parse_histograms`] reads
//!   several of one JVM from one file, each with its time from the
//!   timestamp line before it (`date -Is` in a capture loop).

use serde::Serialize;

use crate::provenance::Warnings;

/// Which output a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JcmdKind {
    Metaspace,
    ClassloaderStats,
    Clstats,
    ClassHistogram,
}

/// One class loader's line (VM.classloader_stats, jmap -clstats,
/// VM.metaspace show-loaders).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoaderRow {
    /// The loader's class (`jdk.internal.reflect.DelegatingClassLoader`,
    /// `<bootloader>`, `groovy.lang.GroovyClassLoader$InnerLoader`).
    /// JDK 8 clstats' `sun/reflect/DelegatingClassLoader@0x...` is given as
    /// `sun.reflect.DelegatingClassLoader`; the boot loader is
    /// `<boot class loader>` (classloader_stats) or `<bootstrap>`; a
    /// `show-loaders` row of hidden classes with their own loader data is
    /// `<hidden class>`.
    pub loader_type: String,
    /// How many loaders of that type the row stands for (1 per row for
    /// clstats; VM.classloader_stats may aggregate). 0 for the `+ hidden
    /// classes` row, which belongs to the loader above it.
    pub loaders: u64,
    pub classes: u64,
    /// Metaspace bytes (chunk size or used), when printed: classloader_stats'
    /// `ChunkSz`, show-loaders' `capacity`, JDK 8 clstats' `bytes`.
    pub bytes: Option<u64>,
    /// `live` / `dead` (clstats), when printed.
    pub alive: Option<bool>,
    pub line: u64,
    /// Metaspace bytes in use, when printed apart: classloader_stats'
    /// `BlockSz`, show-loaders' `used`.
    pub used_bytes: Option<u64>,
    /// The loader's name (`"generated-1399"`, `"app"`), when printed.
    pub name: Option<String>,
    /// The row counts hidden (or unsafe anonymous) classes: the
    /// classloader_stats `+ hidden classes` row, or a show-loaders
    /// `<hidden class>` row.
    pub hidden: bool,
}

/// One class of a class histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoRow {
    pub rank: u64,
    pub instances: u64,
    pub bytes: u64,
    /// The class name as printed (JVM internal names like `[B` kept).
    pub class: String,
    /// The module in parentheses (JDK 9+), when printed.
    pub module: Option<String>,
    pub line: u64,
}

/// One class histogram of a series, with when it was taken when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistogramSnapshot {
    /// The timestamp line before it (or before its pid line), as printed:
    /// see [`super::date_line`] for what is accepted.
    pub time: Option<String>,
    /// That time in Unix milliseconds, when the line says its zone.
    pub unix_ms: Option<i64>,
    pub time_line: Option<u64>,
    /// The pid line jcmd prints first (`12345:`), when present.
    pub pid: Option<u64>,
    /// The rows, largest first as printed; at most [`JcmdOutput::LIMIT`].
    pub rows: Vec<HistoRow>,
    /// How many rows there were.
    pub rows_seen: u64,
    /// The `Total` line: instances and bytes, and its line.
    pub total: Option<(u64, u64)>,
    pub total_line: Option<u64>,
    /// The header line (` num #instances #bytes class name`).
    pub line: u64,
}

/// At most this many histograms of a series are kept: the first ones and
/// the last.
pub const MAX_HISTOGRAMS: usize = 512;

/// Reads every class histogram of a file (`GC.class_histogram` or `jmap
/// -histo` outputs of one JVM appended one after the other, as a capture
/// loop `while :; do date -Is; jcmd $pid GC.class_histogram; sleep 60;
/// done` writes). Each starts at its ` num #instances #bytes` header; a
/// line that is only a timestamp (`date -Is`, `date +%s`, any ISO 8601
/// line) before it, or before its pid line, is its time. Streams the bytes
/// line by line (no copy of a line unless it is not UTF-8).
pub fn parse_histograms(source: &str, text: &[u8]) -> (Vec<HistogramSnapshot>, Warnings) {
    let mut warnings = Warnings::new();
    let mut out: Vec<HistogramSnapshot> = Vec::new();
    let mut cur: Option<HistogramSnapshot> = None;
    let mut pending_time: Option<(String, Option<i64>, u64)> = None;
    let mut pending_pid: Option<u64> = None;
    let mut dropped = 0u64;
    let mut keep = |out: &mut Vec<HistogramSnapshot>, h: HistogramSnapshot| {
        if out.len() < MAX_HISTOGRAMS {
            out.push(h);
        } else {
            dropped += 1;
            if let Some(last) = out.last_mut() {
                *last = h;
            }
        }
    };
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let no = i as u64 + 1;
        let l = String::from_utf8_lossy(raw);
        let t = l.trim();
        if t.is_empty() || t.starts_with("---") {
            continue;
        }
        if let Some(ms) = super::date_line(t) {
            pending_time = Some((t.to_string(), ms, no));
            continue;
        }
        if let Some(pid) = super::pid_line(t) {
            pending_pid = Some(pid);
            continue;
        }
        if t.contains("#instances") && t.contains("#bytes") {
            if let Some(done) = cur.take() {
                keep(&mut out, done);
            }
            let (time, unix_ms, time_line) = match pending_time.take() {
                Some((t, ms, at)) => (Some(t), ms, Some(at)),
                None => (None, None, None),
            };
            cur = Some(HistogramSnapshot {
                time,
                unix_ms,
                time_line,
                pid: pending_pid.take(),
                rows: Vec::new(),
                rows_seen: 0,
                total: None,
                total_line: None,
                line: no,
            });
            continue;
        }
        pending_time = None;
        pending_pid = None;
        let Some(h) = cur.as_mut() else {
            continue;
        };
        if h.total.is_some() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Total") {
            let mut nums = rest.split_whitespace().map(count);
            match (nums.next().flatten(), nums.next().flatten()) {
                (Some(i), Some(b)) => {
                    h.total = Some((i, b));
                    h.total_line = Some(no);
                }
                _ => warnings.push(
                    source,
                    Some(no),
                    format!("histogram total not understood: {}", clip(t, MAX_QUOTE)),
                ),
            }
            continue;
        }
        if !t.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        match histo_row(t, no) {
            Some(row) => {
                h.rows_seen += 1;
                if h.rows.len() < JcmdOutput::LIMIT {
                    h.rows.push(row);
                }
            }
            None => warnings.push(
                source,
                Some(no),
                format!("histogram row not understood: {}", clip(t, MAX_QUOTE)),
            ),
        }
    }
    if let Some(done) = cur.take() {
        keep(&mut out, done);
    }
    if dropped > 0 {
        warnings.push(
            source,
            None,
            format!("{dropped} class histograms not kept (at most {MAX_HISTOGRAMS}: the first ones and the last)"),
        );
    }
    (out, warnings)
}

/// The `VM.metaspace` summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetaspaceSummary {
    /// Total reserved / committed / used, in bytes. Reserved and committed
    /// come from `Virtual space:` (all committed memory, free chunks
    /// included), or when it is missing committed comes from `Total Usage`
    /// (chunks in use); used from `Total Usage` (or `Usage:`).
    pub reserved_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    /// Class space part (compressed class space), in bytes.
    pub class_space_committed_bytes: Option<u64>,
    pub class_space_used_bytes: Option<u64>,
    /// `MaxMetaspaceSize` as printed in the Settings section (`unlimited`
    /// -> None with `max_unlimited`).
    pub max_metaspace_bytes: Option<u64>,
    pub max_unlimited: bool,
    pub compressed_class_space_bytes: Option<u64>,
    /// `current GC threshold` in bytes.
    pub gc_threshold_bytes: Option<u64>,
    /// Number of class loaders and classes, when printed (`Total Usage -
    /// 1234 loaders, 56789 classes`).
    pub loaders: Option<u64>,
    pub classes: Option<u64>,
    /// The first line of the summary (`Total Usage`, `Usage:`, or the first
    /// fact read).
    pub line: u64,
    /// Class space reserved (`Virtual space:` `Class space:`), in bytes.
    pub class_space_reserved_bytes: Option<u64>,
    /// `Initial GC threshold`, in bytes.
    pub initial_gc_threshold_bytes: Option<u64>,
    /// Classes from the CDS archive (`(717 shared)`).
    pub shared_classes: Option<u64>,
    /// `No class space` (compressed class pointers off).
    pub no_class_space: bool,
    /// Where each fact was read.
    pub used_line: Option<u64>,
    pub committed_line: Option<u64>,
    pub reserved_line: Option<u64>,
    pub max_metaspace_line: Option<u64>,
    pub gc_threshold_line: Option<u64>,
    pub compressed_class_space_line: Option<u64>,
}

/// One space type of `VM.metaspace by-spacetype` (`Standard`, `Boot`,
/// `ClassMirrorHolder`, `Reflection`; JDK 11's `Anonymous`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpaceTypeRow {
    pub space_type: String,
    pub loaders: u64,
    /// JDK 16+ print it.
    pub classes: Option<u64>,
    pub capacity_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    pub line: u64,
}

/// The totals line of `VM.classloader_stats` (`Total = 741 1584 8389248
/// 7179153`) or JDK 8 clstats (`total = 86 11582 19740221 N/A alive=1,
/// dead=85 N/A`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoaderTotal {
    pub loaders: u64,
    pub classes: u64,
    /// ChunkSz / bytes.
    pub bytes: Option<u64>,
    /// BlockSz.
    pub used_bytes: Option<u64>,
    pub alive: Option<u64>,
    pub dead: Option<u64>,
    pub line: u64,
}

/// What one jcmd / jmap output held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JcmdOutput {
    pub kind: JcmdKind,
    pub metaspace: Option<MetaspaceSummary>,
    pub loaders: Vec<LoaderRow>,
    pub histogram: Vec<HistoRow>,
    /// The `Total` line of a histogram: instances and bytes.
    pub histogram_total: Option<(u64, u64)>,
    /// The pid line jcmd prints first (`12345:`), when present.
    pub pid: Option<u64>,
    /// The line of `histogram_total`.
    pub histogram_total_line: Option<u64>,
    /// How many histogram / loader rows there were (at most
    /// [`JcmdOutput::LIMIT`] of each are kept, the first ones: histograms
    /// are sorted by size).
    pub histogram_rows: u64,
    pub loader_rows: u64,
    /// The totals line of a loader table.
    pub loader_total: Option<LoaderTotal>,
    /// `by-spacetype` rows.
    pub space_types: Vec<SpaceTypeRow>,
    /// `JVM version is 25.172-b11` (the serviceability agent's jmap).
    pub jvm_version: Option<String>,
    /// Every class histogram of the file with its time ([`parse_histograms`]),
    /// for a class-histogram output: one for a single histogram, several
    /// for a series of one JVM. The registry fills it; empty otherwise.
    pub series: Vec<HistogramSnapshot>,
}

impl JcmdOutput {
    pub const LIMIT: usize = 10_000;

    fn new(kind: JcmdKind) -> JcmdOutput {
        JcmdOutput {
            kind,
            metaspace: None,
            loaders: Vec::new(),
            histogram: Vec::new(),
            histogram_total: None,
            pid: None,
            histogram_total_line: None,
            histogram_rows: 0,
            loader_rows: 0,
            loader_total: None,
            space_types: Vec::new(),
            jvm_version: None,
            series: Vec::new(),
        }
    }
}

/// How many lines [`sniff`] and [`parse`] look through for the marker
/// (every output prints it within its first twenty lines; an `hs_err` file
/// prints its Metaspace section much further down).
const SNIFF_LINES: usize = 60;
/// Longest text quoted in a warning.
const MAX_QUOTE: usize = 120;
/// A size at or above this is a flag's "unlimited" default
/// (`MaxMetaspaceSize: 17179869184.00 GB`).
const UNLIMITED_FLOOR: u128 = 1 << 60;

/// Which jcmd/jmap output a head looks like, if any: the first line (of
/// the first sixty) that marks one kind decides. A JVM fatal-error banner
/// before it (an `hs_err` file, which has a `Metaspace:` section of its
/// own) means none: that is [`crate::applog`]'s.
pub fn sniff(head: &[u8]) -> Option<JcmdKind> {
    for raw in head.split(|&b| b == b'\n').take(SNIFF_LINES) {
        let text = String::from_utf8_lossy(raw);
        let t = text.trim();
        if t.starts_with('#') && t.contains("Java Runtime Environment") {
            return None;
        }
        if let Some(k) = marker(t) {
            return Some(k);
        }
    }
    None
}

fn marker(t: &str) -> Option<JcmdKind> {
    if t.contains("#instances") && t.contains("#bytes") {
        return Some(JcmdKind::ClassHistogram);
    }
    if t.starts_with("ClassLoader") && t.contains("Parent") && t.contains("CLD*") {
        return Some(JcmdKind::ClassloaderStats);
    }
    if t.starts_with("class_loader") && t.contains("parent_loader") {
        return Some(JcmdKind::Clstats);
    }
    const METASPACE: [&str; 5] = [
        "Total Usage",
        "Usage per loader:",
        "Usage per space type:",
        "Virtual space:",
        "MaxMetaspaceSize:",
    ];
    if METASPACE.iter().any(|m| t.starts_with(m)) {
        return Some(JcmdKind::Metaspace);
    }
    None
}

/// Parses one output. `None` when the text is none of the kinds.
pub fn parse(source: &str, text: &[u8]) -> (Option<JcmdOutput>, Warnings) {
    let mut warnings = Warnings::new();
    let Some(kind) = sniff(text) else {
        return (None, warnings);
    };
    let lines: Vec<(u64, String)> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, raw)| {
            let s = String::from_utf8_lossy(raw);
            (i as u64 + 1, s.trim_end_matches('\r').to_string())
        })
        .collect();
    let mut out = JcmdOutput::new(kind);
    out.pid = lines
        .iter()
        .map(|(_, l)| l.trim())
        .find(|l| !l.is_empty())
        .and_then(super::pid_line);
    let mut p = Parser {
        source,
        out,
        warnings: &mut warnings,
    };
    match kind {
        JcmdKind::ClassHistogram => p.histogram(&lines),
        JcmdKind::ClassloaderStats => p.classloader_stats(&lines),
        JcmdKind::Clstats => p.clstats(&lines),
        JcmdKind::Metaspace => p.metaspace(&lines),
    }
    let out = p.out;
    (Some(out), warnings)
}

struct Parser<'a> {
    source: &'a str,
    out: JcmdOutput,
    warnings: &'a mut Warnings,
}

impl Parser<'_> {
    fn warn(&mut self, no: u64, what: &str, line: &str) {
        self.warnings.push(
            self.source,
            Some(no),
            format!("{what}: {}", clip(line.trim(), MAX_QUOTE)),
        );
    }

    fn push_loader(&mut self, row: LoaderRow) {
        self.out.loader_rows += 1;
        if self.out.loaders.len() < JcmdOutput::LIMIT {
            self.out.loaders.push(row);
        }
    }

    // ---- histograms ---------------------------------------------------------

    fn histogram(&mut self, lines: &[(u64, String)]) {
        let mut in_table = false;
        for (no, l) in lines {
            let t = l.trim();
            if t.contains("#instances") && t.contains("#bytes") {
                in_table = true;
                continue;
            }
            if !in_table || t.is_empty() || t.starts_with("---") {
                continue;
            }
            if let Some(rest) = t.strip_prefix("Total") {
                let mut nums = rest.split_whitespace().map(count);
                match (nums.next().flatten(), nums.next().flatten()) {
                    (Some(i), Some(b)) => {
                        self.out.histogram_total = Some((i, b));
                        self.out.histogram_total_line = Some(*no);
                    }
                    _ => self.warn(*no, "histogram total not understood", t),
                }
                continue;
            }
            if !t.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            match histo_row(t, *no) {
                Some(row) => {
                    self.out.histogram_rows += 1;
                    if self.out.histogram.len() < JcmdOutput::LIMIT {
                        self.out.histogram.push(row);
                    }
                }
                None => self.warn(*no, "histogram row not understood", t),
            }
        }
    }

    // ---- VM.classloader_stats -----------------------------------------------

    fn classloader_stats(&mut self, lines: &[(u64, String)]) {
        let mut in_table = false;
        let mut last_type: Option<String> = None;
        for (no, l) in lines {
            let t = l.trim();
            if t.starts_with("ClassLoader") && t.contains("CLD*") {
                in_table = true;
                continue;
            }
            if !in_table || t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("Total =") {
                let n: Vec<Option<u64>> = rest.split_whitespace().map(count).collect();
                match n.as_slice() {
                    [Some(loaders), Some(classes), chunk, block, ..] => {
                        self.out.loader_total = Some(LoaderTotal {
                            loaders: *loaders,
                            classes: *classes,
                            bytes: *chunk,
                            used_bytes: *block,
                            alive: None,
                            dead: None,
                            line: *no,
                        });
                    }
                    _ => self.warn(*no, "loader total not understood", t),
                }
                continue;
            }
            if t.starts_with("0x") {
                let (tokens, rest) = leading_tokens(t, 6);
                let nums: Vec<Option<u64>> = tokens.iter().skip(3).map(|s| count(s)).collect();
                match (tokens.len(), nums.as_slice(), rest.is_empty()) {
                    (6, [Some(classes), chunk, block], false) => {
                        let loader_type = rest.to_string();
                        last_type = Some(loader_type.clone());
                        self.push_loader(LoaderRow {
                            loader_type,
                            loaders: 1,
                            classes: *classes,
                            bytes: *chunk,
                            alive: None,
                            line: *no,
                            used_bytes: *block,
                            name: None,
                            hidden: false,
                        });
                    }
                    _ => self.warn(*no, "class loader row not understood", t),
                }
                continue;
            }
            // `   21   8192   5398   + hidden classes`: the loader above's
            // hidden (JDK 15+) or unsafe anonymous (JDK 8-14) classes.
            if t.starts_with(|c: char| c.is_ascii_digit()) && t.contains("+ ") {
                let (tokens, rest) = leading_tokens(t, 3);
                let nums: Vec<Option<u64>> = tokens.iter().map(|s| count(s)).collect();
                match (nums.as_slice(), rest.starts_with('+')) {
                    ([Some(classes), chunk, block], true) => {
                        let loader_type = last_type.clone().unwrap_or_default();
                        self.push_loader(LoaderRow {
                            loader_type,
                            loaders: 0,
                            classes: *classes,
                            bytes: *chunk,
                            alive: None,
                            line: *no,
                            used_bytes: *block,
                            name: None,
                            hidden: true,
                        });
                    }
                    _ => self.warn(*no, "hidden classes row not understood", t),
                }
            }
        }
    }

    // ---- JDK 8 jmap -clstats ------------------------------------------------

    fn clstats(&mut self, lines: &[(u64, String)]) {
        let mut in_table = false;
        for (no, l) in lines {
            let t = l.trim();
            if let Some(v) = t.strip_prefix("JVM version is ") {
                self.out.jvm_version = Some(clip(v.trim(), MAX_QUOTE));
                continue;
            }
            if t.starts_with("class_loader") && t.contains("parent_loader") {
                in_table = true;
                continue;
            }
            if !in_table || t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("total =") {
                self.clstats_total(*no, rest);
                continue;
            }
            if !(t.starts_with("<bootstrap>") || t.starts_with("0x")) {
                continue;
            }
            let fields: Vec<&str> = if t.contains('\t') {
                t.split('\t')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .collect()
            } else {
                t.split_whitespace().collect()
            };
            match fields.as_slice() {
                [addr, classes, bytes, _parent, alive, ty, ..] => {
                    let (Some(classes), Some(bytes)) = (count(classes), count(bytes)) else {
                        self.warn(*no, "class loader row not understood", t);
                        continue;
                    };
                    let loader_type = if *addr == "<bootstrap>" {
                        "<bootstrap>".to_string()
                    } else {
                        sa_type(ty)
                    };
                    self.push_loader(LoaderRow {
                        loader_type,
                        loaders: 1,
                        classes,
                        bytes: Some(bytes),
                        alive: match *alive {
                            "live" => Some(true),
                            "dead" => Some(false),
                            _ => None,
                        },
                        line: *no,
                        used_bytes: None,
                        name: None,
                        hidden: false,
                    });
                }
                _ => self.warn(*no, "class loader row not understood", t),
            }
        }
    }

    fn clstats_total(&mut self, no: u64, rest: &str) {
        let mut nums = Vec::new();
        let mut alive = None;
        let mut dead = None;
        for tok in rest.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(v) = tok.strip_prefix("alive=") {
                alive = count(v);
            } else if let Some(v) = tok.strip_prefix("dead=") {
                dead = count(v);
            } else if let Some(v) = count(tok) {
                nums.push(v);
            }
        }
        match nums.as_slice() {
            [loaders, classes, bytes, ..] => {
                self.out.loader_total = Some(LoaderTotal {
                    loaders: *loaders,
                    classes: *classes,
                    bytes: Some(*bytes),
                    used_bytes: None,
                    alive,
                    dead,
                    line: no,
                });
            }
            _ => self.warn(no, "loader total not understood", rest),
        }
    }

    // ---- VM.metaspace -------------------------------------------------------

    fn metaspace(&mut self, lines: &[(u64, String)]) {
        let mut m = MetaspaceSummary::default();
        let mut section = Section::None;
        // `Total Usage` committed (chunks in use), used when there is no
        // `Virtual space:` block.
        let mut usage_committed: Option<(u64, u64)> = None;
        let mut usage_class_committed: Option<u64> = None;
        let mut any = false;
        for (no, l) in lines {
            let no = *no;
            let t = l.trim();
            if t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("Total Usage") {
                section = Section::TotalUsage;
                first_line(&mut m, &mut any, no);
                let (loaders, classes, shared) = loader_counts(rest);
                m.loaders = loaders;
                m.classes = classes;
                m.shared_classes = shared;
                continue;
            }
            match t {
                "Usage:" => {
                    section = Section::Usage;
                    first_line(&mut m, &mut any, no);
                    continue;
                }
                "Virtual space:" => {
                    section = Section::Virtual;
                    continue;
                }
                "Usage per loader:" | "Usage per space type:" | "Settings:" => {
                    section = Section::None;
                    continue;
                }
                "No class space" => {
                    m.no_class_space = true;
                    continue;
                }
                _ => {}
            }
            if t.starts_with("Chunk freelist")
                || t.starts_with("Waste")
                || t.starts_with("Internal statistics")
                || t.starts_with("chunk header pool")
            {
                section = Section::None;
                continue;
            }
            if let Some((k, v)) = t.split_once(':') {
                if self.setting(&mut m, &mut any, no, k.trim(), v.trim()) {
                    continue;
                }
            }
            if let Some(row) = loader_header(t, no) {
                self.push_loader(row);
                section = Section::Loader(self.out.loaders.len().checked_sub(1));
                continue;
            }
            if !l.starts_with(' ') {
                if let Some(row) = space_type_header(t, no) {
                    self.out.space_types.push(row);
                    section = Section::SpaceType(self.out.space_types.len() - 1);
                    continue;
                }
            }
            let Some((label, body)) = usage_line(t) else {
                continue;
            };
            match section {
                Section::TotalUsage => match label {
                    Label::Both => {
                        if let Some(u) = size_before(body, "used") {
                            m.used_bytes = Some(u);
                            m.used_line = Some(no);
                        }
                        if let Some(c) = size_before(body, "committed") {
                            usage_committed = Some((c, no));
                        }
                    }
                    Label::Class => {
                        m.class_space_used_bytes = size_before(body, "used");
                        usage_class_committed = size_before(body, "committed");
                    }
                    Label::NonClass => {}
                },
                Section::Usage => match label {
                    Label::Both => {
                        if let Some(u) = size_before(body, "used") {
                            m.used_bytes = Some(u);
                            m.used_line = Some(no);
                        }
                    }
                    Label::Class => m.class_space_used_bytes = size_before(body, "used"),
                    Label::NonClass => {}
                },
                Section::Virtual => match label {
                    Label::Both => {
                        first_line(&mut m, &mut any, no);
                        m.reserved_bytes = size_before(body, "reserved");
                        m.reserved_line = Some(no);
                        if let Some(c) = size_before(body, "committed") {
                            m.committed_bytes = Some(c);
                            m.committed_line = Some(no);
                        }
                    }
                    Label::Class => {
                        m.class_space_reserved_bytes = size_before(body, "reserved");
                        m.class_space_committed_bytes = size_before(body, "committed");
                    }
                    Label::NonClass => {}
                },
                Section::Loader(Some(idx)) => {
                    if label == Label::Both {
                        if let Some(row) = self.out.loaders.get_mut(idx) {
                            row.bytes = size_before(body, "capacity");
                            row.used_bytes = size_before(body, "used");
                        }
                    }
                }
                Section::SpaceType(idx) => {
                    if label == Label::Both {
                        if let Some(row) = self.out.space_types.get_mut(idx) {
                            row.capacity_bytes = size_before(body, "capacity");
                            row.committed_bytes = size_before(body, "committed");
                            row.used_bytes = size_before(body, "used");
                        }
                    }
                }
                Section::Loader(None) | Section::None => {}
            }
        }
        if m.committed_bytes.is_none() {
            if let Some((c, no)) = usage_committed {
                m.committed_bytes = Some(c);
                m.committed_line = Some(no);
            }
        }
        if m.class_space_committed_bytes.is_none() {
            m.class_space_committed_bytes = usage_class_committed;
        }
        if any {
            self.out.metaspace = Some(m);
        }
    }

    /// A settings line (`MaxMetaspaceSize: 64.00 MB`); whether it was one.
    fn setting(
        &mut self,
        m: &mut MetaspaceSummary,
        any: &mut bool,
        no: u64,
        key: &str,
        value: &str,
    ) -> bool {
        let key_l = key.to_ascii_lowercase();
        match key_l.as_str() {
            "maxmetaspacesize" => {
                first_line(m, any, no);
                m.max_metaspace_line = Some(no);
                if value.eq_ignore_ascii_case("unlimited") {
                    m.max_unlimited = true;
                    m.max_metaspace_bytes = None;
                } else {
                    match parse_size_wide(value) {
                        Some(b) if b >= UNLIMITED_FLOOR => {
                            m.max_unlimited = true;
                            m.max_metaspace_bytes = None;
                        }
                        Some(b) => m.max_metaspace_bytes = u64::try_from(b).ok(),
                        None => self.warn(no, "MaxMetaspaceSize not understood", value),
                    }
                }
                true
            }
            "compressedclassspacesize" => {
                first_line(m, any, no);
                m.compressed_class_space_bytes = parse_size(value);
                m.compressed_class_space_line = Some(no);
                true
            }
            "current gc threshold" => {
                first_line(m, any, no);
                match parse_size_wide(value) {
                    Some(b) if b < UNLIMITED_FLOOR => {
                        m.gc_threshold_bytes = u64::try_from(b).ok();
                        m.gc_threshold_line = Some(no);
                    }
                    Some(_) => {}
                    None => self.warn(no, "GC threshold not understood", value),
                }
                true
            }
            "initial gc threshold" => {
                first_line(m, any, no);
                m.initial_gc_threshold_bytes = parse_size(value);
                true
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    None,
    TotalUsage,
    Usage,
    Virtual,
    Loader(Option<usize>),
    SpaceType(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    NonClass,
    Class,
    Both,
}

fn first_line(m: &mut MetaspaceSummary, any: &mut bool, no: u64) {
    if !*any {
        *any = true;
        m.line = no;
    }
}

/// A usage line (`Non-Class: 4542 chunks, 61.54 MB capacity, ...`,
/// `Class space: 64.00 MB reserved, ...`, or without a label when there is
/// no class space): its label and the text after it.
fn usage_line(t: &str) -> Option<(Label, &str)> {
    const LABELS: [(&str, Label); 7] = [
        ("Non-Class:", Label::NonClass),
        ("Non-class:", Label::NonClass),
        ("Non-class space:", Label::NonClass),
        ("Non-Class space:", Label::NonClass),
        ("Class space:", Label::Class),
        ("Class:", Label::Class),
        ("Both:", Label::Both),
    ];
    for (p, label) in LABELS {
        if let Some(rest) = t.strip_prefix(p) {
            return Some((label, rest));
        }
    }
    let sized = ["capacity", "used", "reserved"]
        .iter()
        .any(|k| size_before(t, k).is_some());
    (t.starts_with(|c: char| c.is_ascii_digit()) && sized).then_some((Label::Both, t))
}

/// `  6: CLD 0x00007fb6d4ab2f20: "generated-1399" instance of X, 1 class`.
fn loader_header(t: &str, no: u64) -> Option<LoaderRow> {
    let (num, rest) = t.split_once(": CLD ")?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_addr, desc) = rest.split_once(": ")?;
    let mut row = LoaderRow {
        loaders: 1,
        line: no,
        ..LoaderRow::default()
    };
    // `, 1 class` / `, 793 classes (717 shared)`.
    let mut head = desc;
    if let Some(i) = desc.rfind(", ") {
        let tail = &desc[i + 2..];
        if let Some(n) = tail
            .split_whitespace()
            .next()
            .filter(|_| tail.contains(" class"))
            .and_then(count)
        {
            row.classes = n;
            head = &desc[..i];
        }
    }
    if let Some(rest) = head.strip_prefix('"') {
        if let Some(end) = rest.find('"') {
            row.name = Some(rest[..end].to_string());
        }
    }
    if let Some(i) = head.find("instance of ") {
        row.loader_type = head[i + "instance of ".len()..].trim().to_string();
    } else if head.starts_with('<') {
        // `<hidden class>, loaded by "<bootstrap>"`.
        let ty = head.split(',').next().unwrap_or(head).trim();
        row.hidden = ty.contains("hidden") || ty.contains("anonymous");
        row.loader_type = ty.to_string();
    } else if let Some(name) = &row.name {
        // `"<bootstrap>"`.
        row.loader_type.clone_from(name);
    } else {
        row.loader_type = head.trim().to_string();
    }
    Some(row)
}

/// `Standard - 740 loaders, 770 classes:`, `Reflection - 0 loaders.`
/// (JDK 16+) or `Standard (174 loaders):` (JDK 11-15).
fn space_type_header(t: &str, no: u64) -> Option<SpaceTypeRow> {
    let (name, rest) = t.split_once(' ')?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let rest = rest
        .strip_prefix("- ")
        .or_else(|| rest.strip_prefix('('))?
        .trim_start();
    if !rest.contains(" loader") {
        return None;
    }
    let (loaders, classes, _) = loader_counts(rest);
    Some(SpaceTypeRow {
        space_type: name.to_string(),
        loaders: loaders?,
        classes,
        line: no,
        ..SpaceTypeRow::default()
    })
}

/// `- 762 loaders, 1584 classes (717 shared):`, `( 1041 loaders):`.
fn loader_counts(s: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
    let mut loaders = None;
    let mut classes = None;
    let mut shared = None;
    let toks: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | '-'))
        .filter(|t| !t.is_empty())
        .collect();
    for w in toks.windows(2) {
        let n = count(w[0]);
        match w[1].trim_end_matches('.') {
            "loader" | "loaders" => loaders = loaders.or(n),
            "class" | "classes" => classes = classes.or(n),
            "shared" => shared = shared.or(n),
            _ => {}
        }
    }
    (loaders, classes, shared)
}

/// The size printed just before `keyword` (skipping a `( 95%)` between):
/// `58.54 MB ( 95%) committed` -> 58.54 MB. A comma may be a decimal comma
/// (`41,28 MB capacity`) as well as the field separator.
fn size_before(line: &str, keyword: &str) -> Option<u64> {
    let mut from = 0;
    while let Some(off) = line[from..].find(keyword) {
        let at = from + off;
        from = at + keyword.len();
        let after_ok = line[from..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '=');
        let before = &line[..at];
        if !after_ok || !before.ends_with(' ') {
            continue;
        }
        let mut s = before.trim_end();
        if s.ends_with(')') {
            let Some(open) = s.rfind('(') else {
                continue;
            };
            s = s[..open].trim_end();
        }
        let unit_start = after_last(s, |c| !c.is_ascii_alphabetic());
        let unit = &s[unit_start..];
        let s2 = s[..unit_start].trim_end();
        let num_start = after_last(s2, |c| !(c.is_ascii_digit() || c == '.' || c == ','));
        let num = &s2[num_start..];
        if num.is_empty() || unit.is_empty() {
            continue;
        }
        if let Some(v) = size_parts(num, unit) {
            return u64::try_from(v).ok();
        }
    }
    None
}

/// Where the text after the last character matching `pred` starts (0 when
/// none matches).
fn after_last(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|&(_, c)| pred(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The first `n` whitespace-separated tokens of `t`, and the rest of the
/// line after them (trimmed, inner spaces kept).
fn leading_tokens(t: &str, n: usize) -> (Vec<&str>, &str) {
    let mut tokens = Vec::with_capacity(n);
    let mut rest = t.trim_start();
    while tokens.len() < n {
        let Some(end) = rest.find(char::is_whitespace) else {
            if !rest.is_empty() {
                tokens.push(rest);
            }
            rest = "";
            break;
        };
        tokens.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (tokens, rest.trim())
}

/// `   1:        133677       11763576  java.lang.reflect.Method (java.base@17.0.15)`.
fn histo_row(t: &str, no: u64) -> Option<HistoRow> {
    let (tokens, rest) = leading_tokens(t, 4);
    let [rank, instances, bytes, class] = tokens.as_slice() else {
        return None;
    };
    let rank = count(rank.strip_suffix(':')?)?;
    let instances = count(instances)?;
    let bytes = count(bytes)?;
    let mut class = (*class).to_string();
    let mut module = None;
    if !rest.is_empty() {
        match rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            Some(m) => module = Some(m.to_string()),
            None => {
                class.push(' ');
                class.push_str(rest);
            }
        }
    }
    Some(HistoRow {
        rank,
        instances,
        bytes,
        class,
        module,
        line: no,
    })
}

/// `sun/reflect/DelegatingClassLoader@0x0000000100009df8` ->
/// `sun.reflect.DelegatingClassLoader`.
fn sa_type(ty: &str) -> String {
    let base = ty.split('@').next().unwrap_or(ty);
    base.replace('/', ".")
}

/// A count as printed: digits, maybe with thousands separators.
fn count(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return None;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    // Thousands separators only: groups of three after the first.
    let groups: Vec<&str> = s.split([',', '.']).collect();
    let ok = groups.len() > 1
        && !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    if !ok {
        return None;
    }
    groups.concat().parse().ok()
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

// ---- sizes ------------------------------------------------------------------

/// A size as jcmd, jmap and GC logs print it, in bytes: `12.34 MB`, `1,5
/// MB` (decimal comma), `123456 bytes`, `1,234,567 bytes` (thousands
/// separators), `20480K`, `5120.0K`, `0.0B`, `11M`, `1.00 GB`. Units are
/// binary (`K` = 1024). `None` when the text is not a size or the value
/// does not fit in 64 bits.
pub fn parse_size(text: &str) -> Option<u64> {
    parse_size_wide(text).and_then(|v| u64::try_from(v).ok())
}

/// [`parse_size`] without the 64-bit limit: `17179869184.00 GB` (the
/// printed `max_uintx` of an unlimited `MaxMetaspaceSize`) is 2^64.
pub fn parse_size_wide(text: &str) -> Option<u128> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..end], t[end..].trim());
    size_parts(num, unit)
}

fn unit_multiplier(unit: &str) -> Option<u128> {
    let u = unit.to_ascii_lowercase();
    Some(match u.as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    })
}

/// Number text and unit -> bytes, rounded to the nearest byte.
fn size_parts(num: &str, unit: &str) -> Option<u128> {
    let mult = unit_multiplier(unit)?;
    if num.is_empty() || num.len() > 36 || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let seps: Vec<(usize, char)> = num
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | ','))
        .collect();
    let bytes_unit = mult == 1;
    // Where the fraction starts, if any.
    let decimal_at = match seps.as_slice() {
        [] => None,
        [(i, c)] => {
            let frac = &num[i + 1..];
            if *c == ',' && frac.len() == 3 && bytes_unit {
                None // `123,456 bytes`: thousands
            } else {
                Some(*i)
            }
        }
        [.., (li, lc)] => {
            let others: Vec<char> = seps[..seps.len() - 1].iter().map(|s| s.1).collect();
            if others.iter().all(|c| c != lc) && others.windows(2).all(|w| w[0] == w[1]) {
                Some(*li) // `1,234.56` / `1.234,56`
            } else if seps.iter().all(|s| s.1 == *lc) {
                None // `1,234,567`
            } else {
                return None;
            }
        }
    };
    let (int_part, frac_part) = match decimal_at {
        Some(i) => (&num[..i], &num[i + 1..]),
        None => (num, ""),
    };
    let int_digits: String = int_part.chars().filter(|c| c.is_ascii_digit()).collect();
    if frac_part.contains(['.', ',']) || int_digits.is_empty() {
        return None;
    }
    if decimal_at.is_none() && !seps.is_empty() {
        // Thousands separators: groups of three.
        let groups: Vec<&str> = int_part.split(['.', ',']).collect();
        if groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    let frac_digits = frac_part.len() as u32;
    let mantissa: u128 = format!("{int_digits}{frac_part}").parse().ok()?;
    let scale = 10u128.checked_pow(frac_digits)?;
    let scaled = mantissa.checked_mul(mult)?;
    Some((scaled + scale / 2) / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("12.34 MB"), Some(12939428));
        assert_eq!(parse_size("1,5 MB"), Some(1572864));
        assert_eq!(parse_size("123456 bytes"), Some(123456));
        assert_eq!(parse_size("123,456 bytes"), Some(123456));
        assert_eq!(parse_size("1,234,567 bytes"), Some(1234567));
        assert_eq!(parse_size("1.234,5 KB"), Some(1264128));
        assert_eq!(parse_size("20480K"), Some(20480 * 1024));
        assert_eq!(parse_size("5120.0K"), Some(5120 * 1024));
        assert_eq!(parse_size("0.0B"), Some(0));
        assert_eq!(parse_size("1.00 GB"), Some(1 << 30));
        assert_eq!(parse_size("0 bytes"), Some(0));
        assert_eq!(parse_size("745.42 KB"), Some(763310));
        assert_eq!(parse_size("17179869184.00 GB"), None);
        assert_eq!(parse_size_wide("17179869184,00 GB"), Some(1u128 << 64));
        for bad in [
            "",
            "MB",
            "1 parsec",
            ",5 MB",
            "1,2,3.4.5 MB",
            "1..2 MB",
            "-1 MB",
            "1,2.3,4 MB",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn size_before_keywords() {
        let l = "  Non-Class: 4542 chunks,     61.54 MB capacity,   58.54 MB ( 95%) committed,    53.22 MB ( 86%) used,     5.31 MB (  9%) free,     5.52 KB ( <1%) waste , deallocated: 816 blocks with 1.50 MB";
        assert_eq!(size_before(l, "capacity"), parse_size("61.54 MB"));
        assert_eq!(size_before(l, "committed"), parse_size("58.54 MB"));
        assert_eq!(size_before(l, "used"), parse_size("53.22 MB"));
        let l = "  Non-Class: 1177 chunks,     41,28 MB capacity,    36,71 MB ( 89%) used,";
        assert_eq!(size_before(l, "used"), parse_size("36.71 MB"));
        assert_eq!(size_before(l, "capacity"), parse_size("41.28 MB"));
        assert_eq!(
            size_before("   14.36 MB used.", "used"),
            parse_size("14.36 MB")
        );
        assert_eq!(
            size_before("Class:   520 bytes ( 51%) used,", "used"),
            Some(520)
        );
        assert_eq!(size_before("committed=0 bytes", "committed"), None);
        assert_eq!(size_before("unused", "used"), None);
    }

    #[test]
    fn counts() {
        assert_eq!(count("1584"), Some(1584));
        assert_eq!(count("1,584"), Some(1584));
        assert_eq!(count("1,58"), None);
        assert_eq!(count("N/A"), None);
        assert_eq!(count(""), None);
    }

    #[test]
    fn sniff_kinds() {
        assert_eq!(
            sniff(b"1:\n num     #instances         #bytes  class name (module)\n"),
            Some(JcmdKind::ClassHistogram)
        );
        assert_eq!(
            sniff(b"11113:\nClassLoader         Parent              CLD*               Classes   ChunkSz   BlockSz  Type\n"),
            Some(JcmdKind::ClassloaderStats)
        );
        assert_eq!(
            sniff(b"class_loader\tclasses\tbytes\tparent_loader\talive?\ttype\n"),
            Some(JcmdKind::Clstats)
        );
        assert_eq!(
            sniff(b"1:\n\nTotal Usage - 2 loaders, 3 classes:\n"),
            Some(JcmdKind::Metaspace)
        );
        assert_eq!(sniff(b"Usage: java [options]\n"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn metaspace_summary_jdk17() {
        let text = "11113:\n\nTotal Usage - 762 loaders, 1584 classes (717 shared):\n  Non-Class: 4542 chunks,     61.54 MB capacity,   58.54 MB ( 95%) committed,    53.22 MB ( 86%) used,     5.31 MB (  9%) free,     5.52 KB ( <1%) waste , deallocated: 816 blocks with 1.50 MB\n      Class:  766 chunks,      2.46 MB capacity,    2.28 MB ( 92%) committed,     1.55 MB ( 63%) used,   745.42 KB ( 30%) free,     0 bytes (  0%) waste , deallocated: 3 blocks with 488 bytes\n       Both: 5308 chunks,     64.00 MB capacity,   60.82 MB ( 95%) committed,    54.77 MB ( 86%) used,     6.04 MB (  9%) free,     5.52 KB ( <1%) waste , deallocated: 819 blocks with 1.50 MB\n\n\nVirtual space:\n  Non-class space:      128.00 MB reserved,      59.81 MB ( 47%) committed,  2 nodes.\n      Class space:       64.00 MB reserved,       2.56 MB (  4%) committed,  1 nodes.\n             Both:      192.00 MB reserved,      62.38 MB ( 32%) committed. \n\nSettings:\nMaxMetaspaceSize: unlimited\nCompressedClassSpaceSize: 1.00 GB\nInitial GC threshold: 21.00 MB\nCurrent GC threshold: 64.00 MB\n";
        let (out, w) = parse("t", text.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        let out = out.unwrap();
        assert_eq!(out.kind, JcmdKind::Metaspace);
        assert_eq!(out.pid, Some(11113));
        let m = out.metaspace.unwrap();
        assert_eq!(m.loaders, Some(762));
        assert_eq!(m.classes, Some(1584));
        assert_eq!(m.shared_classes, Some(717));
        assert_eq!(m.line, 3);
        assert_eq!(m.used_bytes, parse_size("54.77 MB"));
        assert_eq!(m.used_line, Some(6));
        assert_eq!(m.committed_bytes, parse_size("62.38 MB"));
        assert_eq!(m.reserved_bytes, parse_size("192 MB"));
        assert_eq!(m.class_space_used_bytes, parse_size("1.55 MB"));
        assert_eq!(m.class_space_committed_bytes, parse_size("2.56 MB"));
        assert_eq!(m.class_space_reserved_bytes, Some(64 << 20));
        assert!(m.max_unlimited);
        assert_eq!(m.max_metaspace_bytes, None);
        assert_eq!(m.max_metaspace_line, Some(15));
        assert_eq!(m.compressed_class_space_bytes, Some(1 << 30));
        assert_eq!(m.gc_threshold_bytes, Some(64 << 20));
        assert_eq!(m.initial_gc_threshold_bytes, Some(21 << 20));
    }

    #[test]
    fn jdk11_counts_and_lowercase_threshold() {
        assert_eq!(loader_counts(" ( 1041 loaders):"), (Some(1041), None, None));
        let (out, _) = parse(
            "t",
            b"Total Usage ( 1 loader):\nMaxMetaspaceSize: 64.00 MB\ncurrent GC threshold: 21.00 MB\n",
        );
        let m = out.unwrap().metaspace.unwrap();
        assert_eq!(m.loaders, Some(1));
        assert_eq!(m.max_metaspace_bytes, Some(64 << 20));
        assert_eq!(m.gc_threshold_bytes, Some(21 << 20));
    }

    #[test]
    fn loader_headers() {
        let r = loader_header("6: CLD 0x00007fb6d4ab2f20: \"generated-1399\" instance of MetaspaceGrowth$GeneratedLoader, 1 class", 9).unwrap();
        assert_eq!(r.loader_type, "MetaspaceGrowth$GeneratedLoader");
        assert_eq!(r.name.as_deref(), Some("generated-1399"));
        assert_eq!(r.classes, 1);
        assert!(!r.hidden);
        let r = loader_header(
            "1: CLD 0x00007fb6d48954a0: <hidden class>, loaded by \"<bootstrap>\", 1 class",
            1,
        )
        .unwrap();
        assert_eq!(r.loader_type, "<hidden class>");
        assert!(r.hidden);
        let r = loader_header(
            "762: CLD 0x00007fb6d40dc790: \"<bootstrap>\", 793 classes (717 shared)",
            1,
        )
        .unwrap();
        assert_eq!(r.loader_type, "<bootstrap>");
        assert_eq!(r.classes, 793);
        let r = loader_header("3: CLD 0x1: instance of a.B, 2 classes", 1).unwrap();
        assert_eq!(r.loader_type, "a.B");
        assert!(loader_header("x: CLD 0x1: y", 1).is_none());
    }

    #[test]
    fn space_types() {
        let r = space_type_header("Boot - 1 loader, 793 classes (717 shared):", 4).unwrap();
        assert_eq!(
            (r.space_type.as_str(), r.loaders, r.classes),
            ("Boot", 1, Some(793))
        );
        let r = space_type_header("Standard (174 loaders):", 4).unwrap();
        assert_eq!(
            (r.space_type.as_str(), r.loaders, r.classes),
            ("Standard", 174, None)
        );
        let r = space_type_header("Reflection - 0 loaders.", 4).unwrap();
        assert_eq!(r.loaders, 0);
        assert!(space_type_header("Total Usage - 1 loader", 4).is_none());
    }

    #[test]
    fn histogram_rows() {
        let r = histo_row(
            "1:        133677       11763576  java.lang.reflect.Method (java.base@17.0.15)",
            3,
        )
        .unwrap();
        assert_eq!((r.rank, r.instances, r.bytes), (1, 133677, 11763576));
        assert_eq!(r.class, "java.lang.reflect.Method");
        assert_eq!(r.module.as_deref(), Some("java.base@17.0.15"));
        let r = histo_row("6:          2142         409936  [B", 3).unwrap();
        assert_eq!((r.class.as_str(), r.module), ("[B", None));
        assert!(histo_row("1: a b c", 1).is_none());
        assert!(histo_row("1 2 3 x", 1).is_none());
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "ClassLoader Parent CLD*\n0x\n0x 0x 0x 1 2\n   1 2 + x\nTotal =\nTotal = x",
            "class_loader parent_loader\n<bootstrap>\ntotal =\ntotal = 1 2\n0x1\t2",
            " num #instances #bytes\n1:\nTotal\nTotal 1\n9999999999999999999999: 1 2 x",
            "Total Usage\nBoth:\nVirtual space:\n Both: MB reserved\nMaxMetaspaceSize: é\n1: CLD 0x1: \"\n",
            "MaxMetaspaceSize:\n  3: CLD : \n\"\nStandard - \nStandard (",
            "Total Usage\nBoth: é used\nVirtual space:\néé MB reserved, 1é committed",
        ] {
            let _ = parse("t", t.as_bytes());
        }
    }
}
