//! `oomlens budget` output: the regions against the limit, the verdicts,
//! the flags that fit.

use comfy_table::{presets, Cell, ContentArrangement, Table};
use oomlens_analysis::budget::Budget;
use serde::Serialize;

use crate::format::{paint, size, Tone};
use crate::Style;

pub const SCHEMA: &str = "oomlens/budget/v1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    budget: &'a Budget,
    /// Where the inputs came from.
    inputs: &'a [String],
    warnings: &'a [oomlens_evidence::Warning],
}

pub fn json(b: &Budget, inputs: &[String], warnings: &[oomlens_evidence::Warning]) -> String {
    let mut s = serde_json::to_string_pretty(&Doc {
        schema: SCHEMA,
        budget: b,
        inputs,
        warnings,
    })
    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

pub fn text(b: &Budget, inputs: &[String], style: Style) -> String {
    let e = &b.ergonomics;
    let mut out = format!(
        "JDK {} with {} CPU(s) in a {} container: {} collector\n",
        e.jdk,
        e.cpus,
        size(b.limit_bytes),
        e.gc
    );
    if !inputs.is_empty() {
        out.push_str(&format!("from: {}\n", inputs.join(", ")));
    }
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    t.set_header(vec!["REGION", "BOUND", "OBSERVED", "NOTE"]);
    for r in &b.regions {
        t.add_row(vec![
            Cell::new(&r.name),
            Cell::new(r.max_bytes.map(size).unwrap_or_else(|| "UNBOUNDED".into())),
            Cell::new(r.observed_bytes.map(size).unwrap_or_else(|| "-".into())),
            Cell::new(&r.note),
        ]);
    }
    for l in t.to_string().lines() {
        out.push_str(l.strip_prefix(' ').unwrap_or(l).trim_end());
        out.push('\n');
    }
    let bounded: u64 = b
        .regions
        .iter()
        .filter_map(|r| r.max_bytes)
        .fold(0u64, u64::saturating_add);
    out.push_str(&format!(
        "bounded regions: {} of the {} limit ({}){}\n",
        size(bounded),
        size(b.limit_bytes),
        match b.headroom_bytes {
            Some(h) if h >= 0 => format!("{} headroom", size(h as u64)),
            Some(h) => format!("{} OVER", size(h.unsigned_abs())),
            None => "-".into(),
        },
        if b.total_max_bytes.is_none() {
            ", plus unbounded regions"
        } else {
            ""
        }
    ));
    out.push('\n');
    for v in &b.verdicts {
        let id = match style {
            _ if v.id == "heap-sized-over-limit" || v.id == "limit-too-small" => {
                paint(style, Tone::Alarm, &v.id)
            }
            _ => paint(style, Tone::Bold, &v.id),
        };
        out.push_str(&format!("{id}: {}\n", v.text));
    }
    out.push_str(&format!(
        "\nrecommended: {}\n",
        b.recommended_flags.join(" ")
    ));
    for t in &b.trade_offs {
        out.push_str(&format!("  trade-off: {t}\n"));
    }
    out
}
