//! `oomlens kernel` output: a table of kills for people, a streaming JSON
//! document (`oomlens/kernel/v1`) for scripts.

use std::io::{self, Write};

use oomlens_evidence::kernel::{Kind, OomReport};
use oomlens_evidence::Warning;
use serde::Serialize;

use crate::format;
use crate::Style;

/// The schema name of the JSON document.
pub const SCHEMA: &str = "oomlens/kernel/v1";

/// What was read from one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub source: String,
    pub bytes: u64,
    pub lines: u64,
    pub reports: u64,
}

/// Writes `{"schema":..,"reports":[` and then each report as it comes, so a
/// log of any size is rendered in bounded memory. Call [`JsonStream::finish`]
/// to close the document.
pub struct JsonStream<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonStream<W> {
    pub fn start(mut out: W) -> io::Result<Self> {
        write!(out, "{{\"schema\":\"{SCHEMA}\",\"reports\":[")?;
        Ok(JsonStream { out, first: true })
    }

    pub fn report(&mut self, r: &OomReport) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, r)?;
        Ok(())
    }

    pub fn finish(mut self, warnings: &[Warning], sources: &[SourceSummary]) -> io::Result<W> {
        self.out.write_all(b"],\"warnings\":")?;
        serde_json::to_writer(&mut self.out, warnings)?;
        self.out.write_all(b",\"sources\":")?;
        serde_json::to_writer(&mut self.out, sources)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn where_(r: &OomReport) -> String {
    let name = r.lines.source.rsplit('/').next().unwrap_or(&r.lines.source);
    if r.lines.first == r.lines.last {
        format!("{name}:{}", r.lines.first)
    } else {
        format!("{name}:{}-{}", r.lines.first, r.lines.last)
    }
}

fn when(r: &OomReport) -> String {
    match (&r.time.utc, r.time.uptime_s) {
        (Some(utc), _) => utc.replace('T', " ").trim_end_matches('Z').to_string() + " UTC",
        (None, Some(up)) => format!("boot+{up:.0}s"),
        (None, None) if !r.time.raw.is_empty() => r.time.raw.clone(),
        _ => "-".into(),
    }
}

/// The columns of the kills table and their widths (what the longest usual
/// value takes: a UTC time, a pod UID, `runtime://` and 12 hex digits). A
/// longer value pushes the rest of its row only.
const COLUMNS: [(&str, usize); 10] = [
    ("TIME", 24),
    ("KIND", 7),
    ("POD UID", 36),
    ("CONTAINER", 25),
    ("VICTIM", 20),
    ("ANON-RSS", 10),
    ("LIMIT", 20),
    ("USAGE", 10),
    ("FAILCNT", 8),
    ("WHERE", 0),
];

/// The kills as a table written row by row (time, kind, pod UID, container,
/// victim, anon-rss, limit, usage, failcnt, where in the log): columns of
/// fixed width, so the header lines up with the data on a terminal and off
/// it, and any number of kills is printed in bounded memory.
pub struct TableStream<W: Write> {
    out: W,
    style: Style,
    truncated: bool,
    assumed: bool,
}

impl<W: Write> TableStream<W> {
    /// Writes the header.
    pub fn start(mut out: W, style: Style) -> io::Result<Self> {
        let head: Vec<String> = COLUMNS.iter().map(|(h, _)| h.to_string()).collect();
        let line = pad_row(&head, None);
        if style == Style::Color {
            writeln!(out, "\x1b[1m{line}\x1b[0m")?;
        } else {
            writeln!(out, "{line}")?;
        }
        Ok(TableStream {
            out,
            style,
            truncated: false,
            assumed: false,
        })
    }

    pub fn report(&mut self, r: &OomReport) -> io::Result<()> {
        self.truncated |= r.truncated;
        self.assumed |= !r.time.assumed.is_empty();
        let colour = (self.style == Style::Color).then_some(if r.kind == Kind::Global {
            35 // magenta
        } else {
            31 // red
        });
        let line = pad_row(&cells(r), colour);
        writeln!(self.out, "{line}")
    }

    /// Writes the footnotes (a time with an assumed year or zone, marked `?`;
    /// an incomplete report, marked `*`) and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if self.assumed {
            writeln!(
                self.out,
                "? a year or zone the log does not carry was assumed (--year, --tz; the JSON says which)"
            )?;
        }
        if self.truncated {
            writeln!(
                self.out,
                "* the report is incomplete in the log (see the warnings)"
            )?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One row, each cell padded to its column's width and two blanks apart;
/// the KIND cell in the ANSI colour given (padded first: escapes take no
/// column).
fn pad_row(cells: &[String], kind_colour: Option<u8>) -> String {
    let mut line = String::with_capacity(200);
    for (i, (c, (_, w))) in cells.iter().zip(COLUMNS.iter()).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let colour = kind_colour.filter(|_| i == 1);
        if let Some(code) = colour {
            line.push_str(&format!("\x1b[{code}m"));
        }
        line.push_str(c);
        let n = c.chars().count();
        if i + 1 < COLUMNS.len() && n < *w {
            line.extend(std::iter::repeat_n(' ', w - n));
        }
        if colour.is_some() {
            line.push_str("\x1b[0m");
        }
    }
    line.trim_end().to_string()
}

/// The table cells of one report, plain.
fn cells(r: &OomReport) -> [String; 10] {
    let id = r.container.as_ref();
    let pod = id
        .and_then(|c| c.pod_uid.clone())
        .unwrap_or_else(|| "-".into());
    let container = id
        .and_then(|c| {
            c.container_id.as_ref().map(|cid| {
                let short = &cid[..cid.len().min(12)];
                match &c.runtime {
                    Some(rt) => format!("{rt}://{short}"),
                    None => short.to_string(),
                }
            })
        })
        .unwrap_or_else(|| "-".into());
    let victim = r
        .victim
        .as_ref()
        .map(|v| format!("{} ({})", v.comm, v.pid))
        .unwrap_or_else(|| "-".into());
    let anon = r
        .victim
        .as_ref()
        .and_then(|v| v.anon_rss_kb)
        .map(format::kb)
        .unwrap_or_else(|| "-".into());
    let (limit, usage, failcnt) = match &r.memory {
        Some(m) => (
            m.limit_kb
                .map(|l| {
                    let level = r
                        .limit_level
                        .and_then(|l| serde_json::to_value(l).ok())
                        .and_then(|v| v.as_str().map(str::to_string));
                    let s = if format::is_unlimited_kb(l) {
                        "unlimited".to_string()
                    } else {
                        format::kb(l)
                    };
                    match level {
                        Some(lv) => format!("{s} ({lv})"),
                        None => s,
                    }
                })
                .unwrap_or_else(|| "-".into()),
            m.usage_kb.map(format::kb).unwrap_or_else(|| "-".into()),
            m.failcnt
                .map(|f| f.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        None => ("-".into(), "-".into(), "-".into()),
    };
    let kind = match r.kind {
        Kind::Memcg => "memcg",
        Kind::Global => "global",
        Kind::Unknown => "?",
    };
    let kind_cell = if r.truncated {
        format!("{kind}*")
    } else {
        kind.to_string()
    };
    let mut time = when(r);
    if !r.time.assumed.is_empty() {
        time.push('?');
    }
    [
        time,
        kind_cell,
        pod,
        container,
        victim,
        anon,
        limit,
        usage,
        failcnt,
        where_(r),
    ]
}
