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

mod clstats;
mod histogram;
mod metaspace;

use std::borrow::Cow;

use serde::Serialize;

use crate::provenance::{clip, Warnings};
use crate::units::parse as units;

pub use clstats::{LoaderRow, LoaderTotal};
pub use histogram::{parse_histograms, HistoRow, HistogramSnapshot, MAX_HISTOGRAMS};
pub use metaspace::{MetaspaceSummary, SpaceTypeRow};

/// Which output a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JcmdKind {
    Metaspace,
    ClassloaderStats,
    Clstats,
    ClassHistogram,
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
/// Which jcmd/jmap output a head looks like, if any: the first line (of
/// the first sixty) that marks one kind decides; a class histogram pasted
/// without its header is known by its first line being a row. A JVM fatal-error banner
/// before it (an `hs_err` file, which has a `Metaspace:` section of its
/// own) means none: that is [`crate::applog`]'s.
pub fn sniff(head: &[u8]) -> Option<JcmdKind> {
    let mut first = true;
    for raw in head.split(|&b| b == b'\n').take(SNIFF_LINES) {
        let text = String::from_utf8_lossy(raw);
        let t = text.trim();
        if t.starts_with('#') && t.contains("Java Runtime Environment") {
            return None;
        }
        if let Some(k) = marker(t) {
            return Some(k);
        }
        if t.is_empty() || super::pid_line(t).is_some() {
            continue;
        }
        // Histogram rows pasted without their header: the first line is
        // a row (`  12:   2608   83456  java.util.HashMap$Node`).
        if first && histogram::histo_row(t, 0).is_some() {
            return Some(JcmdKind::ClassHistogram);
        }
        first = false;
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
    let lines: Vec<Line<'_>> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, raw)| (i as u64 + 1, String::from_utf8_lossy(trim_cr(raw))))
        .collect();
    let mut out = JcmdOutput::new(kind);
    // The pid line is the first, after the time line a capture may put
    // before it.
    out.pid = lines
        .iter()
        .map(|(_, l)| l.trim())
        .find(|l| !l.is_empty() && super::date_line(l).is_none())
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

/// One line of an output: its number and its text, `\r` ending dropped
/// (borrowed from the input unless it is not UTF-8).
type Line<'a> = (u64, Cow<'a, str>);

/// `raw` without its trailing carriage returns.
fn trim_cr(mut raw: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r'] = raw {
        raw = rest;
    }
    raw
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

// ---- sizes ------------------------------------------------------------------

/// A size as jcmd, jmap and GC logs print it, in bytes: the grammar of
/// [`crate::units::parse::hotspot_size`]. `None` when the text is not a
/// size or the value does not fit in 64 bits.
pub fn parse_size(text: &str) -> Option<u64> {
    units::hotspot_size(text).ok()
}

#[cfg(test)]
mod tests {
    use super::histogram::histo_row;
    use super::metaspace::{loader_counts, loader_header, size_before, space_type_header};
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
