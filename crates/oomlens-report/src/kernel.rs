//! `oomlens kernel` output: a table of kills for people, a streaming JSON
//! document (`oomlens/kernel/v1`) for scripts.

use std::io::{self, Write};

use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
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

/// The kills as a table: time, pod UID, container, victim, anon-rss, limit,
/// usage, failcnt, and where in the log.
pub fn table(reports: &[OomReport], style: Style) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if style == Style::Plain {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    let head = [
        "TIME",
        "KIND",
        "POD UID",
        "CONTAINER",
        "VICTIM",
        "ANON-RSS",
        "LIMIT",
        "USAGE",
        "FAILCNT",
        "WHERE",
    ];
    t.set_header(head.iter().map(|h| {
        let c = Cell::new(h);
        if style == Style::Color {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }));
    for r in reports {
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
        let mut kind_cell = Cell::new(if r.truncated {
            format!("{kind}*")
        } else {
            kind.to_string()
        });
        if style == Style::Color {
            kind_cell = kind_cell.fg(if r.kind == Kind::Global {
                Color::Magenta
            } else {
                Color::Red
            });
        }
        t.add_row(vec![
            Cell::new(when(r)),
            kind_cell,
            Cell::new(pod),
            Cell::new(container),
            Cell::new(victim),
            Cell::new(anon),
            Cell::new(limit),
            Cell::new(usage),
            Cell::new(failcnt),
            Cell::new(where_(r)),
        ]);
    }
    let mut s = t.to_string();
    // comfy-table pads the last column (trailing blanks only get in the way)
    // and the left padding of the first column only indents the table.
    s = s
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    if reports.iter().any(|r| r.truncated) {
        s.push_str("* the report is incomplete in the log (see the warnings)\n");
    }
    s
}
