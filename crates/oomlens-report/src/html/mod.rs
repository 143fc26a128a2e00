//! `--format html`: one self-contained page (inline CSS and SVG; nothing
//! fetched, no script needed to read it) for `oomlens diagnose` and `oomlens
//! scan`, from the same values the JSON prints. Readable printed, on a phone
//! (390 px) and in light or dark mode (`prefers-color-scheme`). Every claim
//! keeps the citations the text report gives it (`file:line`); each cause
//! its fixes and its exact confirm commands, with a copy button that a
//! tiny inline script adds (progressive enhancement: without script the
//! command is plain, selectable text).
//!
//! The charts are [`charts`]; this module only lays the page out.

pub mod charts;

use std::fmt::Write as _;

use oomlens_analysis::detect::rank::PROVEN;
use oomlens_analysis::diagnosis::{Cite, ContainerDiagnosis, Diagnosis, FindingId};
use oomlens_analysis::scan::{human_duration, Scan};
use oomlens_analysis::wording::kill_phrase;

use crate::diagnosis::{cites, kill_cells, kind_word, victim_cites, victim_line, who};
use crate::format::{size, uptime};
use charts::{Chart, Role};

/// Rows of the `scan` page's table, past which the JSON has the rest: a
/// fleet of 10,000 stays a page of a few hundred KB.
pub const SCAN_ROWS: usize = 1000;

/// Text made safe for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = include_str!("page.css");

/// The copy buttons: added only where the Clipboard API is, so a page
/// without script (or printed) shows the commands as plain text.
const SCRIPT: &str = "<script>(function(){if(!navigator.clipboard)return;\
document.querySelectorAll('pre.cmd').forEach(function(p){var b=document.createElement('button');\
b.type='button';b.className='copy';b.textContent='copy';b.addEventListener('click',function(){\
navigator.clipboard.writeText(p.querySelector('code').textContent).then(function(){b.textContent='copied';\
setTimeout(function(){b.textContent='copy'},1500)},function(){b.textContent='copy failed'})});p.appendChild(b)})})();</script>";

pub(crate) fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"color-scheme\" content=\"light dark\">\n\
<meta name=\"generator\" content=\"oomlens {}\">\n<title>{}</title>\n<style>\n{}\n{}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        CSS,
        chart_css()
    )
}

/// Dark mode and print for the charts: their ink and grid colours become
/// the page's (CSS outranks SVG presentation attributes).
fn chart_css() -> String {
    let (ink, grid) = (Role::Ink.hex(), Role::Grid.hex());
    format!(
        ".chart svg [fill=\"{ink}\"]{{fill:var(--fg)}}\n\
.chart svg [stroke=\"{ink}\"]{{stroke:var(--fg)}}\n\
.chart svg [stroke=\"{grid}\"]{{stroke:var(--grid)}}\n"
    )
}

pub(crate) fn foot() -> String {
    format!("</main>\n{SCRIPT}\n</body>\n</html>\n")
}

/// The cites of a claim, as the text report prints them (`file:line`, in
/// order, each once), each with what is there as its title.
fn cite_list(c: &[Cite]) -> String {
    if c.is_empty() {
        return String::new();
    }
    let mut seen: Vec<String> = Vec::new();
    let mut o = String::from(" <span class=\"cites\">");
    for x in c {
        let s = x.short();
        if seen.contains(&s) {
            continue;
        }
        if !seen.is_empty() {
            o.push(' ');
        }
        let _ = write!(o, "<cite title=\"{}\">{}</cite>", esc(&x.what), esc(&s));
        seen.push(s);
    }
    o.push_str("</span>");
    debug_assert_eq!(seen.join(" "), cites(c));
    o
}

fn figure(id: &str, c: &Chart, caption: &str) -> String {
    let ((x0, x1, px0, px1), (y0, y1, py0, py1)) = c.map;
    let mut o = format!(
        "<figure class=\"chart\" id=\"{id}\" data-chart=\"{}\" data-x=\"{x0} {x1}\" data-px=\"{px0} {px1}\" data-y=\"{y0} {y1}\" data-py=\"{py0} {py1}\">\n{}\n",
        c.kind, c.svg
    );
    if !c.legend.is_empty() || !caption.is_empty() {
        o.push_str("<figcaption>");
        if !c.legend.is_empty() {
            o.push_str("<ul class=\"legend\">");
            for (role, label) in &c.legend {
                let _ = write!(
                    o,
                    "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                    role.hex(),
                    esc(label)
                );
            }
            o.push_str("</ul>");
        }
        o.push_str(caption);
        o.push_str("</figcaption>\n");
    }
    o.push_str("</figure>\n");
    o
}

fn row(o: &mut String, k: &str, v: Option<String>) {
    if let Some(v) = v {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
}

/// The Diagnosis as one HTML page.
pub fn diagnosis(d: &Diagnosis) -> String {
    let mut o = head(&format!("oomlens: {}", d.headline));
    let _ = write!(
        o,
        "<header>\n<p class=\"kicker\">oomlens diagnose <span class=\"dim\">{}</span></p>\n<h1 class=\"{}\">{}</h1>\n</header>\n",
        d.schema,
        if d.oom_kill_found { "alarm" } else { "" },
        esc(&d.headline)
    );
    for (i, c) in d.containers.iter().enumerate() {
        container(&mut o, d, i, c);
    }
    let _ = write!(o, "<section id=\"sources\">\n<h2>Evidence read</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>source</th><th>kind</th><th>note</th></tr></thead>\n<tbody>\n");
    for s in &d.sources {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&s.source),
            esc(&s.kind),
            esc(&s.note)
        );
    }
    o.push_str("</tbody>\n</table></div>\n");
    if !d.warnings.is_empty() {
        o.push_str("<h3>Warnings</h3>\n<ul class=\"warnings\">\n");
        for w in &d.warnings {
            let _ = writeln!(o, "<li>{}</li>", esc(&w.to_string()));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
    o.push_str(&foot());
    o
}

fn container(o: &mut String, d: &Diagnosis, i: usize, c: &ContainerDiagnosis) {
    let _ = write!(
        o,
        "<section class=\"container\" id=\"container-{i}\">\n<h2>{}</h2>\n<dl class=\"facts\">",
        esc(&who(c))
    );
    row(o, "pod", c.pod.name.clone());
    row(o, "namespace", c.pod.namespace.clone());
    row(o, "pod UID", c.pod.uid.clone());
    row(o, "container id", c.container.id.clone());
    row(o, "node", c.node.clone());
    row(o, "QoS", c.qos.clone());
    row(o, "memory limit", c.limit_bytes.map(size));
    row(o, "memory request", c.request_bytes.map(size));
    row(o, "restarts", c.restart_count.map(|r| r.to_string()));
    row(
        o,
        "median uptime before a kill",
        c.timeline.median_uptime_before_kill_s.map(uptime),
    );
    o.push_str("</dl>\n");
    if let Some(k) = c.kills.last() {
        let ev: Vec<Cite> = k.evidence.iter().take(2).cloned().collect();
        let _ = writeln!(
            o,
            "<p class=\"kill alarm\">{}{}</p>",
            esc(&kill_phrase(c)),
            cite_list(&ev)
        );
        if let Some(v) = victim_line(k, c) {
            let _ = writeln!(o, "<p>{}{}</p>", esc(&v), cite_list(&victim_cites(k)));
        }
        o.push_str("<div class=\"scroll\"><table class=\"kills\">\n<thead><tr><th>time (UTC)</th><th>kind</th><th>victim</th><th>anon-rss</th><th>usage</th><th>limit</th><th>evidence</th></tr></thead>\n<tbody>\n");
        for k in &c.kills {
            let [victim, anon, usage, limit] = kill_cells(k);
            let _ = writeln!(
                o,
                "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{anon}</td><td>{usage}</td><td>{limit}</td><td>{}</td></tr>",
                esc(k.time.as_deref().unwrap_or("-")),
                k.time_note
                    .as_deref()
                    .map(|n| format!(" <span class=\"dim\" title=\"{}\">*</span>", esc(n)))
                    .unwrap_or_default(),
                kind_word(k.kind),
                esc(&victim),
                cite_list(&k.evidence)
            );
        }
        o.push_str("</tbody>\n</table></div>\n");
    } else {
        o.push_str("<p>No kill in the evidence.</p>\n");
    }
    if let Some(m) = &c.memory {
        let last_limit = c.kills.last().and_then(|k| k.limit_bytes).or(c.limit_bytes);
        if let Some(ch) = charts::at_kill(m, last_limit) {
            o.push_str("<h3>Memory at the kill</h3>\n");
            o.push_str(&figure(
                &format!("at-kill-{i}"),
                &ch,
                &format!(
                    "<p>What the memory cgroup held when the kernel killed, against its limit.{}</p>",
                    cite_list(&m.evidence)
                ),
            ));
        }
    }
    if let Some(m) = &c.memory_over_time {
        if let Some(ch) = charts::memory(c, m) {
            o.push_str("<h3>Memory over time</h3>\n");
            let drawn: Vec<String> = m
                .series
                .iter()
                .map(|s| {
                    format!(
                        "{} ({} of {} samples drawn{})",
                        esc(&s.label),
                        s.points.len(),
                        s.samples,
                        cite_list(std::slice::from_ref(&s.evidence))
                    )
                })
                .collect();
            o.push_str(&figure(
                &format!("memory-{i}"),
                &ch,
                &format!(
                    "<p>{}{}</p><p class=\"dim\">Series: {}.</p>",
                    esc(&m.text),
                    cite_list(&m.evidence),
                    drawn.join("; ")
                ),
            ));
            let jvm = charts::jvm(c, m, (ch.map.0 .0, ch.map.0 .1));
            if !jvm.is_empty() {
                o.push_str("<h3>What grew</h3>\n");
                for (n, j) in jvm.iter().enumerate() {
                    o.push_str(&figure(&format!("jvm-{i}-{n}"), j, ""));
                }
            }
        }
    }
    for (n, l) in c.class_loads.iter().enumerate() {
        if let Some(ch) = charts::class_loads(l) {
            if n == 0 {
                o.push_str("<h3>Class loading</h3>\n");
            }
            let cites: Vec<Cite> = l.families.iter().map(|f| f.evidence.clone()).collect();
            o.push_str(&figure(
                &format!("classes-{i}-{n}"),
                &ch,
                &format!(
                    "<p>Classes loaded per {} of {} by family ({}){}.</p>",
                    if l.clock == "uptime-ms" {
                        "stretch of the JVM's uptime"
                    } else {
                        "stretch of the log (it has no uptime stamps)"
                    },
                    esc(l.source.rsplit('/').next().unwrap_or(&l.source)),
                    if l.families.iter().any(|f| f.leak) {
                        "a leaking family in red"
                    } else {
                        "none leaks"
                    },
                    cite_list(&cites)
                ),
            ));
        }
    }
    if let Some(ch) = charts::nmt(&c.nmt) {
        o.push_str("<h3>Native Memory Tracking</h3>\n");
        let cites: Vec<Cite> = c.nmt.iter().map(|s| s.evidence.clone()).collect();
        let times: Vec<&str> = c.nmt.iter().filter_map(|s| s.time.as_deref()).collect();
        o.push_str(&figure(
            &format!("nmt-{i}"),
            &ch,
            &format!(
                "<p>Committed memory per NMT category in each of {} snapshots{}{}.</p>",
                c.nmt.len(),
                match (times.first(), times.last()) {
                    (Some(a), Some(b)) if times.len() == c.nmt.len() =>
                        format!(", {} to {}", esc(a), esc(b)),
                    _ => String::new(),
                },
                cite_list(&cites)
            ),
        ));
    }
    if let Some(ch) = c.budget.as_ref().and_then(charts::budget) {
        o.push_str("<h3>The JVM's budget</h3>\n");
        let verdicts: Vec<String> = c
            .budget
            .iter()
            .flat_map(|b| &b.verdicts)
            .map(|v| format!("<li>{}</li>", esc(&v.text)))
            .collect();
        o.push_str(&figure(
            &format!("budget-{i}"),
            &ch,
            &format!(
                "<p>The JVM's regions at their bounds as HotSpot sizes them for this container (the flags the spec shows, JDK 17; <code>oomlens budget</code> for more), against the limit: past the line is memory the JVM may take that the container does not have.{}</p><ul>{}</ul>",
                cite_list(&c.budget_evidence),
                verdicts.join("")
            ),
        ));
    }
    let findings: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.id != FindingId::TruncatedReport)
        .collect();
    if !findings.is_empty() {
        o.push_str("<h3>Findings</h3>\n<ul class=\"findings\">\n");
        for f in findings {
            let _ = writeln!(
                o,
                "<li id=\"finding-{i}-{}\">{}{}</li>",
                f.id,
                esc(&f.text),
                cite_list(&f.evidence)
            );
        }
        o.push_str("</ul>\n");
    }
    let mine: Vec<_> = d.causes.iter().filter(|x| x.container == Some(i)).collect();
    if !mine.is_empty() {
        o.push_str("<h3>Causes</h3>\n");
    }
    for (n, cause) in mine.iter().enumerate() {
        let proven = cause.confidence >= PROVEN;
        let _ = write!(
            o,
            "<article class=\"cause{}\" id=\"cause-{i}-{n}\">\n<h4><span class=\"conf\">{:.2}</span> {}. {} <code class=\"dim\">{}</code></h4>\n<p>{}</p>\n",
            if proven { " proven" } else { "" },
            cause.confidence,
            n + 1,
            esc(&cause.summary),
            cause.id,
            esc(&cause.explanation)
        );
        if !cause.evidence.is_empty() {
            let _ = writeln!(o, "<p>Evidence:{}</p>", cite_list(&cause.evidence));
        }
        for (label, list) in [("Fix", &cause.fixes), ("Meanwhile", &cause.mitigations)] {
            if list.is_empty() {
                continue;
            }
            let _ = write!(o, "<h5>{label}</h5>\n<ul>\n");
            for x in list.iter() {
                let _ = writeln!(o, "<li>{}</li>", esc(x));
            }
            o.push_str("</ul>\n");
        }
        if !cause.next_steps.is_empty() {
            o.push_str("<h5>Confirm</h5>\n");
            for x in &cause.next_steps {
                let _ = writeln!(o, "<pre class=\"cmd\"><code>{}</code></pre>", esc(x));
            }
        }
        o.push_str("</article>\n");
    }
    o.push_str("</section>\n");
}

/// What `scan` looked at: the server, when, the window, the label matchers.
pub struct ScanHead<'a> {
    pub server: &'a str,
    pub at: &'a str,
    pub window: &'a str,
    pub matchers: &'a str,
    pub warnings: &'a [String],
}

/// The fleet ranked by OOM risk: the `top` riskiest each with a small
/// chart of its working set and limit, then a table of the first
/// [`SCAN_ROWS`].
pub fn scan(s: &Scan, h: &ScanHead, top: usize) -> String {
    let mut o = head(&format!("oomlens scan: {} at risk", s.at_risk));
    let _ = write!(
        o,
        "<header>\n<p class=\"kicker\">oomlens scan <span class=\"dim\">{} at {} over {}{}</span></p>\n<h1 class=\"{}\">{} containers, {} at risk{}</h1>\n",
        esc(h.server),
        esc(h.at),
        esc(h.window),
        if h.matchers.is_empty() {
            String::new()
        } else {
            format!(" {{{}}}", esc(h.matchers))
        },
        if s.at_risk > 0 { "alarm" } else { "" },
        s.containers.len(),
        s.at_risk,
        match s.stopped_reporting {
            0 => String::new(),
            n => format!(", {n} stopped reporting"),
        }
    );
    o.push_str("<p>");
    let kinds: Vec<String> = s.verdicts.iter().map(|(v, n)| format!("{n} {v}")).collect();
    o.push_str(&esc(&kinds.join(", ")));
    o.push_str("</p>\n</header>\n");
    let shown = &s.containers[..top.min(s.containers.len())];
    if !shown.is_empty() {
        let _ = write!(
            o,
            "<section id=\"riskiest\">\n<h2>The {} riskiest</h2>\n<ul class=\"legend\"><li><span class=\"swatch\" style=\"background:{}\"></span>working set (floor)</li><li><span class=\"swatch\" style=\"background:{}\"></span>peaks</li><li><span class=\"swatch\" style=\"background:{}\"></span>limit</li></ul>\n<ol class=\"fleet\">\n",
            shown.len(),
            Role::WorkingSet.hex(),
            Role::Usage.hex(),
            Role::Limit.hex()
        );
        for (n, c) in shown.iter().enumerate() {
            let _ = writeln!(
                o,
                "<li class=\"risk {}\"><h3><span class=\"conf\">{:.1}</span> {}/{}/{} <span class=\"verdict\">{}</span></h3>",
                c.verdict,
                c.risk,
                esc(&c.namespace),
                esc(&c.pod),
                esc(&c.container),
                c.verdict
            );
            if let Some(ch) = charts::spark(c) {
                o.push_str(&figure(&format!("spark-{n}"), &ch, ""));
            }
            let _ = writeln!(o, "<p>{}</p></li>", esc(&c.why));
        }
        o.push_str("</ol>\n</section>\n");
    }
    let rows = &s.containers[..SCAN_ROWS.min(s.containers.len())];
    if !rows.is_empty() {
        o.push_str("<section id=\"fleet\">\n<h2>Ranked</h2>\n<div class=\"scroll\"><table class=\"fleet\">\n<thead><tr><th>risk</th><th>namespace/pod/container</th><th>verdict</th><th>kills</th><th>working set</th><th>limit</th><th>growth/h</th><th>to limit</th></tr></thead>\n<tbody>\n");
        for c in rows {
            let _ = writeln!(
                o,
                "<tr><td>{:.1}</td><td>{}/{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.risk,
                esc(&c.namespace),
                esc(&c.pod),
                esc(&c.container),
                c.verdict,
                c.oom_kills,
                c.working_set_bytes.map(size).unwrap_or_else(|| "-".into()),
                c.limit_bytes.map(size).unwrap_or_else(|| "none".into()),
                c.growth_bytes_per_hour
                    .filter(|_| c.growing)
                    .map(crate::format::signed_mib)
                    .unwrap_or_else(|| "-".into()),
                if c.stopped_reporting {
                    "stopped".into()
                } else {
                    c.time_to_limit_seconds
                        .map(human_duration)
                        .unwrap_or_else(|| "-".into())
                }
            );
        }
        o.push_str("</tbody>\n</table></div>\n");
        if rows.len() < s.containers.len() {
            let _ = writeln!(
                o,
                "<p class=\"dim\">The {} riskiest of {}; <code>--format json</code> lists all.</p>",
                rows.len(),
                s.containers.len()
            );
        }
        o.push_str("</section>\n");
    }
    if !h.warnings.is_empty() {
        o.push_str("<section id=\"warnings\"><h2>Warnings</h2>\n<ul class=\"warnings\">\n");
        for w in h.warnings {
            let _ = writeln!(o, "<li>{}</li>", esc(w));
        }
        o.push_str("</ul>\n</section>\n");
    }
    o.push_str(&foot());
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use oomlens_analysis::scan::{ContainerRisk, Envelope};

    /// A container of a synthetic fleet: names as long as real ones, 48
    /// envelope windows over a day, every fifth one leaking.
    fn container(i: usize) -> ContainerRisk {
        let leak = i % 5 == 0;
        let limit = (256u64 + (i as u64 % 8) * 256) << 20;
        let t0 = 1_700_000_000_000i64;
        let floor: Vec<(i64, f64)> = (0..48)
            .map(|w| {
                let grow = if leak { w as f64 * 0.01 } else { 0.0 };
                (t0 + w * 1_800_000, limit as f64 * (0.4 + grow))
            })
            .collect();
        let peaks = floor.iter().map(|(t, v)| (*t, v * 1.1)).collect();
        ContainerRisk {
            namespace: format!("team-{:03}", i % 120),
            pod: format!("orders-api-{i:05}-7d9f8b6c5-x2x4q"),
            container: "app".into(),
            limit_bytes: Some(limit),
            limit_source: Some("cadvisor"),
            working_set_bytes: Some((limit as f64 * 0.5) as u64),
            max_working_set_bytes: Some((limit as f64 * 0.9) as u64),
            max_usage_bytes: None,
            growth_bytes_per_hour: leak.then_some(4.0 * 1048576.0),
            growing: leak,
            mann_kendall_z: Some(if leak { 6.1 } else { 0.3 }),
            lives: 1,
            time_to_limit_seconds: leak.then_some(36_000.0),
            peak_excess_bytes: Some(1 << 20),
            stopped_reporting: false,
            last_reported: None,
            failcnt: 0,
            oom_kills: 0,
            oom_kills_source: None,
            restarts: 0,
            risk: if leak { 60.0 } else { 10.0 },
            at_risk: leak,
            verdict: if leak { "leak" } else { "steady" },
            why: "the working set's floor rises 4.0 MiB/h (Mann-Kendall z 6.1); its peaks reach the 512 MiB limit in ~10 h".into(),
            envelope: Envelope { floor, peaks },
        }
    }

    fn fleet(n: usize) -> Scan {
        let mut containers: Vec<ContainerRisk> = (0..n).map(container).collect();
        containers.sort_by(|a, b| b.risk.total_cmp(&a.risk));
        Scan {
            at_risk: containers.iter().filter(|c| c.at_risk).count(),
            stopped_reporting: 0,
            verdicts: [("leak", n / 5), ("steady", n - n / 5)]
                .into_iter()
                .collect(),
            containers,
        }
    }

    const HEAD: ScanHead = ScanHead {
        server: "http://prometheus:9090",
        at: "2023-11-15T22:13:20Z",
        window: "24h",
        matchers: "",
        warnings: &[],
    };

    #[test]
    fn scan_of_ten_thousand_stays_under_two_megabytes() {
        let s = fleet(10_000);
        let html = scan(&s, &HEAD, 30);
        assert!(html.len() < 2 << 20, "{} bytes", html.len());
        assert_eq!(html.matches("data-chart=\"spark\"").count(), 30);
        assert_eq!(html.matches("<tr><td>").count(), SCAN_ROWS);
        assert!(html.contains("The 1000 riskiest of 10000"));
        eprintln!("a scan of 10,000 containers: {} bytes", html.len());
    }

    #[test]
    fn spark_draws_the_limit_at_its_height() {
        let c = container(5);
        let ch = charts::spark(&c).unwrap();
        let (_, (y0, y1, py0, py1)) = ch.map;
        let want = py0 + (c.limit_bytes.unwrap() as f64 - y0) / (y1 - y0) * (py1 - py0);
        let limit = Role::Limit.hex();
        let line = ch
            .svg
            .split("<polyline ")
            .find(|t| t.contains(&format!("stroke=\"{limit}\"")))
            .unwrap();
        let pts = line
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for p in pts.split_whitespace() {
            let y: f64 = p.split(',').nth(1).unwrap().parse().unwrap();
            assert!((y - want).abs() <= 1.5, "{y} vs {want}");
        }
        // The floor: every window drawn.
        let ws = Role::WorkingSet.hex();
        let floor = ch
            .svg
            .split("<polyline ")
            .find(|t| t.contains(&format!("stroke=\"{ws}\"")))
            .unwrap();
        let n = floor
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split_whitespace()
            .count();
        assert_eq!(n, 48);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
