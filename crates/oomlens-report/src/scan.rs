//! `oomlens scan` output: the fleet ranked by OOM risk, and the queries
//! that measured it.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use oomlens_analysis::scan::{human_duration, ContainerRisk, QueryRun, Scan};
use serde::Serialize;

use crate::format::{bytes, paint, signed_mib, Tone};
use crate::Style;

pub const SCHEMA: &str = "oomlens/scan/v1";

/// What the scan was and how it went, next to its result.
pub struct Meta<'a> {
    /// The server's base URL, without credentials.
    pub server: &'a str,
    /// The evaluation time, RFC 3339.
    pub at: String,
    pub window: String,
    pub window_seconds: u64,
    /// The label matchers added to every selector.
    pub matchers: &'a str,
    pub queries: &'a [QueryRun],
    /// Queries run at once.
    pub in_flight: usize,
    /// Wall-clock seconds of the whole scan.
    pub elapsed_seconds: f64,
    pub warnings: &'a [String],
}

#[derive(Serialize)]
struct Summary<'a> {
    containers: usize,
    at_risk: usize,
    stopped_reporting: usize,
    verdicts: &'a std::collections::BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    server: &'a str,
    at: &'a str,
    window: &'a str,
    window_seconds: u64,
    matchers: &'a str,
    summary: Summary<'a>,
    containers: &'a [ContainerRisk],
    queries: &'a [QueryRun],
    in_flight: usize,
    elapsed_seconds: f64,
    warnings: &'a [String],
}

/// The JSON document; `top` keeps only the riskiest containers.
pub fn json(scan: &Scan, meta: &Meta, top: Option<usize>) -> String {
    let n = top.unwrap_or(usize::MAX).min(scan.containers.len());
    let mut s = serde_json::to_string_pretty(&Doc {
        schema: SCHEMA,
        server: meta.server,
        at: &meta.at,
        window: &meta.window,
        window_seconds: meta.window_seconds,
        matchers: meta.matchers,
        summary: Summary {
            containers: scan.containers.len(),
            at_risk: scan.at_risk,
            stopped_reporting: scan.stopped_reporting,
            verdicts: &scan.verdicts,
        },
        containers: &scan.containers[..n],
        queries: meta.queries,
        in_flight: meta.in_flight,
        elapsed_seconds: (meta.elapsed_seconds * 1000.0).round() / 1000.0,
        warnings: meta.warnings,
    })
    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn verdict_cell(c: &ContainerRisk, style: Style) -> String {
    let tone = match c.verdict {
        "oom-killed" => Tone::Alarm,
        "leak" if c.at_risk => Tone::Alarm,
        "leak" | "undersized-limit" => Tone::Warn,
        _ => return c.verdict.to_string(),
    };
    paint(style, tone, c.verdict)
}

/// The table of the `top` riskiest containers, why for the first of them,
/// and the queries.
pub fn text(scan: &Scan, meta: &Meta, top: usize, style: Style) -> String {
    let mut out = String::new();
    // Verdicts in order of severity.
    let kinds: Vec<String> = [
        "oom-killed",
        "leak",
        "undersized-limit",
        "page-cache",
        "no-limit",
        "steady",
    ]
    .iter()
    .filter_map(|v| scan.verdicts.get(v).map(|n| format!("{n} {v}")))
    .collect();
    out.push_str(&format!(
        "{} at {} over {}{}: {} containers, {} at risk{}; {}\n",
        meta.server,
        meta.at,
        meta.window,
        if meta.matchers.is_empty() {
            String::new()
        } else {
            format!(" {{{}}}", meta.matchers)
        },
        scan.containers.len(),
        scan.at_risk,
        match scan.stopped_reporting {
            0 => String::new(),
            n => format!(", {n} stopped reporting (ranked last)"),
        },
        kinds.join(", ")
    ));
    let shown = &scan.containers[..top.min(scan.containers.len())];
    if !shown.is_empty() {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        t.set_header(vec![
            "RISK",
            "NAMESPACE",
            "POD",
            "CONTAINER",
            "VERDICT",
            "KILLS",
            "WORKING SET",
            "LIMIT",
            "PEAK",
            "GROWTH/H",
            "TO LIMIT",
            "FAILCNT",
        ]);
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        for c in shown {
            let peak = match (c.max_working_set_bytes, c.limit_bytes) {
                (Some(p), Some(l)) if l > 0 => format!("{:.0}%", p as f64 / l as f64 * 100.0),
                _ => "-".into(),
            };
            t.add_row(vec![
                right(format!("{:.1}", c.risk)),
                Cell::new(&c.namespace),
                Cell::new(&c.pod),
                Cell::new(&c.container),
                Cell::new(verdict_cell(c, style)),
                right(c.oom_kills.to_string()),
                right(c.working_set_bytes.map(bytes).unwrap_or_else(|| "-".into())),
                right(c.limit_bytes.map(bytes).unwrap_or_else(|| "none".into())),
                right(peak),
                right(
                    c.growth_bytes_per_hour
                        .map(|g| {
                            let s = signed_mib(g);
                            if c.growing {
                                s
                            } else {
                                format!("({s})")
                            }
                        })
                        .unwrap_or_else(|| "-".into()),
                ),
                right(if c.stopped_reporting {
                    "stopped".into()
                } else {
                    c.time_to_limit_seconds
                        .map(human_duration)
                        .unwrap_or_else(|| "-".into())
                }),
                right(c.failcnt.to_string()),
            ]);
        }
        for l in t.to_string().lines() {
            out.push_str(l.strip_prefix(' ').unwrap_or(l).trim_end());
            out.push('\n');
        }
        if shown.len() < scan.containers.len() {
            out.push_str(&format!(
                "(the {} riskiest of {}; --top N for more, --format json for all)\n",
                shown.len(),
                scan.containers.len()
            ));
        }
        out.push_str("GROWTH/H is the slope of the working set's floor; in parentheses when not significant. TO LIMIT: until its peaks reach the limit.\n\n");
        for (i, c) in shown.iter().take(10).enumerate() {
            if c.verdict == "steady" && !c.stopped_reporting {
                continue;
            }
            out.push_str(&format!(
                "{}. {}/{}/{}: {}\n",
                i + 1,
                c.namespace,
                c.pod,
                c.container,
                c.why
            ));
        }
    }
    for w in meta.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    let total: f64 = meta.queries.iter().map(|q| q.seconds).sum();
    out.push_str(&format!(
        "\n{} queries ({} at a time) in {:.2} s ({:.2} s of query time):\n",
        meta.queries.len(),
        meta.in_flight,
        meta.elapsed_seconds,
        total
    ));
    for q in meta.queries {
        let mut text: String = q.query.chars().take(150).collect();
        if text.len() < q.query.len() {
            text.push_str("...");
        }
        out.push_str(&format!(
            "  {:>7.2} s {:>7} series  {:<26} {}{}\n",
            q.seconds,
            q.series,
            q.name,
            text,
            match &q.error {
                Some(e) => format!("  FAILED: {e}"),
                None if q.tries > 1 => format!("  ({} tries)", q.tries),
                None => String::new(),
            }
        ));
    }
    out
}
