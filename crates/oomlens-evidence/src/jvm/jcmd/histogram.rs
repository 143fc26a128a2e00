//! `GC.class_histogram` / `jmap -histo`: ` num #instances #bytes class
//! name (module)` rows and the `Total` line, one output or a series of them
//! from one JVM ([`parse_histograms`]).

use serde::Serialize;

use super::{clip, count, leading_tokens, JcmdOutput, Line, Parser, MAX_QUOTE};
use crate::provenance::Warnings;

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
    /// see [`crate::jvm::date_line`] for what is accepted.
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
        if let Some(ms) = crate::jvm::date_line(t) {
            pending_time = Some((t.to_string(), ms, no));
            continue;
        }
        if let Some(pid) = crate::jvm::pid_line(t) {
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

impl Parser<'_> {
    pub(super) fn histogram(&mut self, lines: &[Line<'_>]) {
        // Rows pasted without their header line are a table from the start.
        let mut in_table = !lines
            .iter()
            .any(|(_, l)| l.contains("#instances") && l.contains("#bytes"));
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
}

/// `   1:        133677       11763576  java.lang.reflect.Method (java.base@17.0.15)`.
pub(super) fn histo_row(t: &str, no: u64) -> Option<HistoRow> {
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
