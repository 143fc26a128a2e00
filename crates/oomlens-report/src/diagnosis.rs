//! `oomlens diagnose` output: text for a terminal, Markdown for a ticket,
//! JSON for scripts. All three show the same [`Diagnosis`]; none computes
//! anything.

use comfy_table::{presets, Cell, ContentArrangement, Table};
use oomlens_analysis::detect::rank::PROVEN;
use oomlens_analysis::diagnosis::{Cite, ContainerDiagnosis, Diagnosis, FindingId, Kill, KillKind};
use oomlens_analysis::wording::kill_phrase;

use crate::format::{paint, size, uptime, Tone};
use crate::Style;

/// The Diagnosis as pretty JSON (`oomlens/diagnosis/v1`), written to `out`
/// as it is made, not held whole first (the
/// diagnosis of thousands of pods is megabytes of text).
pub fn write_json(d: &Diagnosis, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // A buffer of a known type under the serializer: its many small
    // writes (each brace, key and value) are copies, not calls through
    // `dyn Write` (a diagnosis of 200k kills is some 200 MB of JSON).
    use std::io::Write as _;
    let mut buf = std::io::BufWriter::with_capacity(64 * 1024, &mut *out);
    serde_json::to_writer_pretty(&mut buf, d)?;
    buf.write_all(b"\n")?;
    buf.flush()
}

struct Paint(Style);

impl Paint {
    fn bold(&self, s: &str) -> String {
        paint(self.0, Tone::Bold, s)
    }
    fn dim(&self, s: &str) -> String {
        paint(self.0, Tone::Dim, s)
    }
    fn red(&self, s: &str) -> String {
        paint(self.0, Tone::Alarm, s)
    }
    fn yellow(&self, s: &str) -> String {
        paint(self.0, Tone::Warn, s)
    }
}

pub(crate) fn cites(c: &[Cite]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for x in c {
        let s = x.short();
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.join(" ")
}

pub(crate) fn who(c: &ContainerDiagnosis) -> String {
    c.container
        .name
        .clone()
        .unwrap_or_else(|| match &c.container.id {
            Some(id) => format!("container {}", &id[..id.len().min(12)]),
            None => "container ?".into(),
        })
}

pub(crate) fn kind_word(k: KillKind) -> &'static str {
    match k {
        KillKind::KernelMemcg => "kernel-memcg",
        KillKind::KernelGlobal => "kernel-global",
        KillKind::JvmOome => "jvm-oome",
        KillKind::Evicted => "evicted",
        KillKind::Probe => "probe",
        KillKind::Unknown => "unknown",
    }
}

/// A kill's victim (`java (4548)`), its anon-rss, the usage and the limit,
/// `-` for what is not known: the cells of a kills table.
pub(crate) fn kill_cells(k: &Kill) -> [String; 4] {
    let or_dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    [
        or_dash(k.victim.as_ref().map(|v| format!("{} ({})", v.comm, v.pid))),
        or_dash(
            k.victim
                .as_ref()
                .and_then(|v| v.anon_rss_kb)
                .map(|a| size(a * 1024)),
        ),
        or_dash(k.usage_bytes.map(size)),
        or_dash(k.limit_bytes.map(size)),
    ]
}

/// The cites of a kill's victim: its `Killed process` lines.
pub(crate) fn victim_cites(k: &Kill) -> Vec<Cite> {
    k.evidence
        .iter()
        .filter(|e| e.what.starts_with("Killed process"))
        .cloned()
        .collect()
}

pub(crate) fn victim_line(k: &Kill, c: &ContainerDiagnosis) -> Option<String> {
    let v = k.victim.as_ref()?;
    let mut s = format!("victim {} pid {}", v.comm, v.pid);
    if let Some(a) = v.anon_rss_kb {
        s.push_str(&format!(", anon-rss {}", size(a * 1024)));
        if let Some(h) = c
            .memory
            .as_ref()
            .and_then(|m| m.huge_bytes)
            .filter(|&h| h > 0)
        {
            s.push_str(&format!(" ({} huge pages)", size(h)));
        }
    }
    Some(s)
}

/// The Diagnosis for a terminal.
pub fn text(d: &Diagnosis, style: Style) -> String {
    let p = Paint(style);
    let mut out = String::new();
    out.push_str(&p.bold(&d.headline));
    out.push_str("\n\n");
    for (i, c) in d.containers.iter().enumerate() {
        let mut head = vec![p.bold(&who(c))];
        if let Some(n) = &c.pod.name {
            head.push(format!("pod {n}"));
        } else if let Some(u) = &c.pod.uid {
            head.push(format!("pod uid {u}"));
        }
        if let Some(ns) = &c.pod.namespace {
            head.push(format!("ns {ns}"));
        }
        if let Some(n) = &c.node {
            head.push(format!("node {n}"));
        }
        out.push_str(&head.join("  "));
        out.push('\n');
        if c.kills.is_empty() {
            out.push_str("  no kill in the evidence\n");
        } else {
            let k = &c.kills[c.kills.len() - 1];
            let ev: Vec<Cite> = k.evidence.iter().take(2).cloned().collect();
            line(&mut out, &p.red(&kill_phrase(c)), &p.dim(&cites(&ev)));
            if let Some(v) = victim_line(k, c) {
                line(&mut out, &v, &p.dim(&cites(&victim_cites(k))));
            }
            if let Some(t) = &k.time {
                let mut s = format!("at {}", t.replace('T', " ").replace('Z', " UTC"));
                if let Some(up) = c.timeline.median_uptime_before_kill_s {
                    s.push_str(&format!(", {} after the container started", uptime(up)));
                }
                line(&mut out, &s, &p.dim(k.time_note.as_deref().unwrap_or("")));
            }
            if c.kills.len() > 1 {
                out.push_str(&indent(&kills_table(&c.kills), "  "));
            }
        }
        for f in &c.findings {
            if f.id == FindingId::TruncatedReport {
                continue;
            }
            line(&mut out, &f.text, &p.dim(&cites(&f.evidence)));
        }
        let mine: Vec<_> = d.causes.iter().filter(|x| x.container == Some(i)).collect();
        for (n, cause) in mine.iter().enumerate() {
            let conf = format!("({:.2})", cause.confidence);
            let title = format!("cause {} {} {}", n + 1, conf, cause.summary);
            out.push_str(&if cause.confidence >= PROVEN {
                p.bold(&title)
            } else {
                p.yellow(&title)
            });
            out.push('\n');
            if n < 3 || cause.confidence >= PROVEN {
                // Two causes with the same reasoning: say it once.
                let said = n > 0 && mine[n - 1].explanation == cause.explanation;
                if !said {
                    line(&mut out, &format!("why: {}", cause.explanation), "");
                }
                if !cause.evidence.is_empty() {
                    line(
                        &mut out,
                        &format!("evidence: {}", cites(&cause.evidence)),
                        "",
                    );
                }
                for f in &cause.fixes {
                    line(&mut out, &format!("fix: {f}"), "");
                }
                for m in &cause.mitigations {
                    line(&mut out, &format!("meanwhile: {m}"), "");
                }
                for s in cause.next_steps.iter().take(if n == 0 { 3 } else { 1 }) {
                    line(&mut out, &format!("confirm: {s}"), "");
                }
            }
        }
        out.push('\n');
    }
    let read: Vec<String> = d
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} ({})",
                s.source.rsplit('/').next().unwrap_or(&s.source),
                s.kind
            )
        })
        .collect();
    if !read.is_empty() {
        out.push_str(&p.dim(&format!("read: {}", read.join(", "))));
        out.push('\n');
    }
    for w in &d.warnings {
        out.push_str(&p.dim(&format!("warning: {w}")));
        out.push('\n');
    }
    out
}

fn line(out: &mut String, text: &str, cite: &str) {
    out.push_str("  ");
    out.push_str(text);
    if !cite.is_empty() {
        out.push_str("  ");
        out.push_str(cite);
    }
    out.push('\n');
}

fn indent(s: &str, by: &str) -> String {
    s.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn kills_table(kills: &[Kill]) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    t.set_header(vec!["TIME", "KIND", "VICTIM", "ANON-RSS", "LIMIT", "WHERE"]);
    for k in kills {
        t.add_row(vec![
            Cell::new(k.time.clone().unwrap_or_else(|| "-".into())),
            Cell::new(kind_word(k.kind)),
            Cell::new(
                k.victim
                    .as_ref()
                    .map(|v| format!("{} ({})", v.comm, v.pid))
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(
                k.victim
                    .as_ref()
                    .and_then(|v| v.anon_rss_kb)
                    .map(|a| size(a * 1024))
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(k.limit_bytes.map(size).unwrap_or_else(|| "-".into())),
            Cell::new(cites(&k.evidence)),
        ]);
    }
    t.to_string()
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_string() + "\n")
        .collect()
}

fn md_cites(c: &[Cite]) -> String {
    let s = cites(c);
    if s.is_empty() {
        String::new()
    } else {
        s.split(' ')
            .map(|x| format!("`{x}`"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The Diagnosis as Markdown, to paste into an incident ticket.
pub fn markdown(d: &Diagnosis) -> String {
    let mut o = String::new();
    o.push_str(&format!("# OOM diagnosis\n\n**{}**\n\n", d.headline));
    for (i, c) in d.containers.iter().enumerate() {
        o.push_str(&format!("## {}\n\n", who(c)));
        o.push_str("| | |\n|---|---|\n");
        let row = |o: &mut String, k: &str, v: Option<String>| {
            if let Some(v) = v {
                o.push_str(&format!("| {k} | {v} |\n"));
            }
        };
        row(&mut o, "pod", c.pod.name.clone());
        row(&mut o, "namespace", c.pod.namespace.clone());
        row(&mut o, "pod UID", c.pod.uid.clone());
        row(&mut o, "container id", c.container.id.clone());
        row(&mut o, "node", c.node.clone());
        row(&mut o, "QoS", c.qos.clone());
        row(&mut o, "memory limit", c.limit_bytes.map(size));
        row(&mut o, "restarts", c.restart_count.map(|r| r.to_string()));
        o.push('\n');
        if !c.kills.is_empty() {
            o.push_str(&format!("**{}**\n\n", kill_phrase(c)));
            o.push_str("| time (UTC) | kind | victim | anon-rss | usage | limit | evidence |\n|---|---|---|---|---|---|---|\n");
            for k in &c.kills {
                let cells = kill_cells(k);
                o.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    k.time.clone().unwrap_or_else(|| "-".into()),
                    kind_word(k.kind),
                    cells[0],
                    cells[1],
                    cells[2],
                    cells[3],
                    md_cites(&k.evidence)
                ));
            }
            o.push('\n');
        }
        if !c.findings.is_empty() {
            o.push_str("### Findings\n\n");
            for f in &c.findings {
                o.push_str(&format!("- {} {}\n", f.text, md_cites(&f.evidence)));
            }
            o.push('\n');
        }
        let mine: Vec<_> = d.causes.iter().filter(|x| x.container == Some(i)).collect();
        if !mine.is_empty() {
            o.push_str("### Causes\n\n");
            for (n, cause) in mine.iter().enumerate() {
                o.push_str(&format!(
                    "#### {}. {} (`{}`, confidence {:.2})\n\n{}\n\n",
                    n + 1,
                    cause.summary,
                    cause.id,
                    cause.confidence,
                    cause.explanation
                ));
                if !cause.evidence.is_empty() {
                    o.push_str(&format!("Evidence: {}\n\n", md_cites(&cause.evidence)));
                }
                for (label, list) in [
                    ("Fix", &cause.fixes),
                    ("Meanwhile", &cause.mitigations),
                    ("Confirm", &cause.next_steps),
                ] {
                    for x in list.iter() {
                        if label == "Confirm" {
                            o.push_str(&format!("- {label}: `{x}`\n"));
                        } else {
                            o.push_str(&format!("- {label}: {x}\n"));
                        }
                    }
                }
                o.push('\n');
            }
        }
    }
    if !d.sources.is_empty() {
        o.push_str("## Evidence read\n\n| source | kind | note |\n|---|---|---|\n");
        for s in &d.sources {
            o.push_str(&format!("| `{}` | {} | {} |\n", s.source, s.kind, s.note));
        }
        o.push('\n');
    }
    if !d.warnings.is_empty() {
        o.push_str("## Warnings\n\n");
        for w in &d.warnings {
            o.push_str(&format!("- {w}\n"));
        }
    }
    o
}
