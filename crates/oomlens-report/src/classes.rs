//! `oomlens classes` output: the families table and the verdict.

use comfy_table::{presets, Cell, ContentArrangement, Table};
use oomlens_analysis::classes::ClassReport;
use serde::Serialize;

use crate::format::{paint, Tone};
use crate::Style;

pub const SCHEMA: &str = "oomlens/classes/v1";

/// The JSON document: every log's report.
#[derive(Serialize)]
pub struct Doc<'a> {
    pub schema: &'static str,
    pub reports: &'a [ClassReport],
    pub warnings: &'a [oomlens_evidence::Warning],
}

pub fn json(reports: &[ClassReport], warnings: &[oomlens_evidence::Warning]) -> String {
    let mut s = serde_json::to_string_pretty(&Doc {
        schema: SCHEMA,
        reports,
        warnings,
    })
    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn rate(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.0}"),
        Some(r) => format!("{r:.1}"),
        None => "-".into(),
    }
}

/// The families (at most `top` rows, leaks first) and the verdict.
pub fn text(reports: &[ClassReport], top: usize, style: Style) -> String {
    let mut out = String::new();
    for r in reports {
        let span = r
            .span_s
            .map(|s| {
                if s >= 3600.0 {
                    format!(", over {:.1} h of uptime", s / 3600.0)
                } else {
                    format!(", over {:.0} s of uptime", s)
                }
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "{}: {} classes loaded, {} unloaded{}{}\n",
            r.source,
            r.loaded,
            r.unloaded,
            r.jdk
                .as_deref()
                .map(|j| format!(" (JDK {j} format)"))
                .unwrap_or_default(),
            span
        ));
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        t.set_header(vec![
            "FAMILY", "LIBRARY", "LOADED", "UNLOADED", "LIVE", "RATE/H", "TREND", "SOURCE", "LINES",
        ]);
        for f in r.families.iter().take(top) {
            let lines = match (f.first_line, f.last_line) {
                (a, b) if a == b => format!("{a}"),
                (a, b) => format!("{a}-{b}"),
            };
            t.add_row(vec![
                Cell::new(if f.leak {
                    format!("{} (LEAK)", f.pattern)
                } else {
                    f.pattern.clone()
                }),
                Cell::new(f.library.clone().unwrap_or_else(|| "-".into())),
                Cell::new(f.loaded),
                Cell::new(f.unloaded),
                Cell::new(f.live),
                Cell::new(rate(f.rate_per_hour)),
                Cell::new(&f.trend),
                Cell::new(f.source.clone().unwrap_or_else(|| "-".into())),
                Cell::new(lines),
            ]);
        }
        for l in t.to_string().lines() {
            out.push_str(l.strip_prefix(' ').unwrap_or(l).trim_end());
            out.push('\n');
        }
        if r.families.len() > top {
            out.push_str(&format!(
                "... {} more families (--top N)\n",
                r.families.len() - top
            ));
        }
        let v = &r.verdict;
        let head = if v.leak { "LEAK" } else { "no leak" };
        let head = paint(style, if v.leak { Tone::Alarm } else { Tone::Good }, head);
        out.push_str(&format!("verdict: {head}: {}\n", v.summary));
        if let Some(c) = &v.cause {
            out.push_str(&format!("  usual cause: {c}\n"));
        }
        if let Some(f) = &v.fix {
            out.push_str(&format!("  fix: {f}\n"));
        }
        if v.leak {
            out.push_str("  meanwhile: cap Metaspace (-XX:MaxMetaspaceSize) so the JVM fails with OutOfMemoryError: Metaspace and a heap dump instead of a silent kernel kill (expect Full GCs as it fills)\n");
        }
        if let Some(rf) = &v.reference {
            out.push_str(&format!("  see: {rf}\n"));
        }
        out.push('\n');
    }
    out
}
