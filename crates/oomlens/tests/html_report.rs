//! `--format html`: golden pages of the bundled examples, and the charts'
//! data read back from their SVG (kill markers where the kills are, the
//! limit line at the limit, the memory at the kill in proportion), set
//! against the JSON of the same Diagnosis. Also: each command refuses the
//! formats it does not write.

mod support;

use std::process::Command;

use serde_json::Value;

fn diagnose(example: &str, format: &str) -> String {
    support::diagnose(&format!("examples/{example}"), format, &[0])
}

/// The colours of the chart roles (`oomlens_report::html::charts::Role`).
const KERNEL_KILL: &str = "#D62728";
const LIMIT: &str = "#E377C2";
const RESTART: &str = "#7F7F7F";
const WORKING_SET: &str = "#1F77B4";
const ANON: &str = "#1F77B4";
const FIT: &str = "#FF7F0E";
const HUGE: &str = "#9EDAE5";

/// The value of attribute `name` in one tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(&tag[i..j])
}

/// Every `<name ...>` tag in `s`.
fn tags<'a>(s: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(&open) {
        let end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        out.push(&rest[i..end]);
        rest = &rest[end..];
    }
    out
}

/// The points of a polyline.
fn points(tag: &str) -> Vec<(f64, f64)> {
    attr(tag, "points")
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

/// A chart of the page: its markup and how its axes map to pixels.
struct Figure<'a> {
    body: &'a str,
    x: (f64, f64, f64, f64),
    y: (f64, f64, f64, f64),
}

impl Figure<'_> {
    fn px(&self, v: f64) -> f64 {
        let (a, b, pa, pb) = self.x;
        pa + (v - a) / (b - a) * (pb - pa)
    }
    fn py(&self, v: f64) -> f64 {
        let (a, b, pa, pb) = self.y;
        pa + (v - a) / (b - a) * (pb - pa)
    }
    /// Vertical two-point polylines in `colour`: their x.
    fn marks(&self, colour: &str) -> Vec<f64> {
        tags(self.body, "polyline")
            .into_iter()
            .filter(|t| attr(t, "stroke") == Some(colour))
            .map(points)
            .filter(|p| p.len() == 2 && p[0].0 == p[1].0)
            .map(|p| p[0].0)
            .collect()
    }
}

fn pair(s: &str) -> (f64, f64) {
    let mut it = s.split(' ').map(|v| v.parse::<f64>().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

/// The figures of `kind` on the page, in order.
fn figures<'a>(html: &'a str, kind: &str) -> Vec<Figure<'a>> {
    let key = format!("data-chart=\"{kind}\"");
    html.match_indices("<figure ")
        .filter_map(|(i, _)| {
            let end = html[i..].find("</figure>")? + i;
            let body = &html[i..end];
            let head = &body[..body.find('>')?];
            if !head.contains(&key) {
                return None;
            }
            let (x0, x1) = pair(attr(head, "data-x")?);
            let (px0, px1) = pair(attr(head, "data-px")?);
            let (y0, y1) = pair(attr(head, "data-y")?);
            let (py0, py1) = pair(attr(head, "data-py")?);
            Some(Figure {
                body,
                x: (x0, x1, px0, px1),
                y: (y0, y1, py0, py1),
            })
        })
        .collect()
}

fn ms(rfc3339: &str) -> f64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond() as f64
}

/// What every page must be: one file that fetches nothing and needs no
/// script to read (the one inline script only adds copy buttons).
fn self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    for banned in [
        "<link", " src=", "url(", "@import", " href=", "<iframe", "<img",
    ] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
    assert_eq!(html.matches("<script>").count(), 1, "one inline script");
    assert!(html.contains("prefers-color-scheme:dark"));
    assert!(html.contains("@media print"));
    assert!(html.contains("name=\"viewport\""));
}

/// Every cite the text report gives a claim is on the page, as it prints;
/// how many there were.
fn cites_as_text(html: &str, text: &str) -> usize {
    let mut n = 0;
    for line in text.lines() {
        for word in line.split_whitespace() {
            let Some((file, line_no)) = word.rsplit_once(':') else {
                continue;
            };
            let a_file = file.contains('.') || ["messages", "previous"].contains(&file);
            let a_line =
                !line_no.is_empty() && line_no.chars().all(|c| c.is_ascii_digit() || c == '-');
            if a_file && a_line {
                assert!(
                    html.contains(&format!(">{word}</cite>")),
                    "the text report cites {word}; the page does not"
                );
                n += 1;
            }
        }
    }
    n
}

#[test]
fn seed_incident_page() {
    let html = diagnose("seed-incident", "html");
    let json: Value = serde_json::from_str(&diagnose("seed-incident", "json")).unwrap();
    let text = diagnose("seed-incident", "text");
    self_contained(&html);
    assert!(
        html.len() < 300 * 1024,
        "the seed's page is {} bytes",
        html.len()
    );
    assert!(cites_as_text(&html, &text) >= 20);
    let c = &json["containers"][0];
    let limit = c["limit_bytes"].as_f64().unwrap();
    // Memory over time: one kill by the kernel, at its time.
    let mem = figures(&html, "memory");
    assert_eq!(mem.len(), 1);
    let m = &mem[0];
    let kills: Vec<f64> = c["kills"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["time"].as_str())
        .map(ms)
        .collect();
    let marks = m.marks(KERNEL_KILL);
    assert_eq!(marks.len(), kills.len(), "{marks:?} vs {kills:?}");
    for (x, t) in marks.iter().zip(&kills) {
        assert!(
            (x - m.px(*t)).abs() <= 1.5,
            "kill at {t}: x {x}, not {}",
            m.px(*t)
        );
    }
    // Restarts: each life after the first.
    let mot = &c["memory_over_time"];
    let starts: Vec<f64> = mot["life_starts"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|s| ms(s.as_str().unwrap()))
        .collect();
    let restarts = m.marks(RESTART);
    assert_eq!(restarts.len(), 2);
    for (x, t) in restarts.iter().zip(&starts) {
        assert!((x - m.px(*t)).abs() <= 1.5, "restart x {x} vs {}", m.px(*t));
    }
    // Each killed life's forecast: the predicted kill marked where it is.
    let checks = mot["kill_checks"].as_array().unwrap();
    let predicted = m.marks(FIT);
    assert_eq!(predicted.len(), checks.len());
    for (x, k) in predicted.iter().zip(checks) {
        let t = ms(k["predicted_kill"].as_str().unwrap());
        assert!(
            (x - m.px(t)).abs() <= 1.5,
            "predicted kill x {x} vs {}",
            m.px(t)
        );
    }
    // The limit: a dashed line, every dash at the limit's height.
    let dashes: Vec<Vec<(f64, f64)>> = tags(m.body, "polyline")
        .into_iter()
        .filter(|t| attr(t, "stroke") == Some(LIMIT))
        .map(points)
        .collect();
    assert!(dashes.len() > 20, "{}", dashes.len());
    for d in &dashes {
        for (_, y) in d {
            assert!(
                (y - m.py(limit)).abs() <= 1.5,
                "limit at y {y}, not {}",
                m.py(limit)
            );
        }
    }
    // The working set: every point drawn (397 samples, not thinned), in
    // one line per life.
    let ws: Vec<Vec<(f64, f64)>> = tags(m.body, "polyline")
        .into_iter()
        .filter(|t| attr(t, "stroke") == Some(WORKING_SET) && attr(t, "stroke-width") == Some("2"))
        .map(points)
        .collect();
    let drawn = &mot["series"][0];
    assert_eq!(drawn["kind"], "working-set");
    let n = drawn["points"].as_array().unwrap().len();
    assert_eq!(ws.iter().map(Vec::len).sum::<usize>(), n);
    let (t, v) = (
        drawn["points"][n - 1][0].as_f64().unwrap(),
        drawn["points"][n - 1][1].as_f64().unwrap(),
    );
    let last = ws.last().unwrap().last().unwrap();
    assert!((last.0 - m.px(t)).abs() <= 1.5 && (last.1 - m.py(v)).abs() <= 1.5);
    // What grew: Metaspace, named as what grows, on the same time axis.
    let jvm = figures(&html, "jvm");
    assert_eq!(jvm.len(), 1);
    assert!(jvm[0].body.contains("jvm Metaspace (what grows)"));
    assert_eq!((jvm[0].x.0, jvm[0].x.1), (m.x.0, m.x.1));
    // Memory at the kill: anon (less huge pages) then huge pages, to scale.
    let at = &figures(&html, "at-kill")[0];
    let mk = &c["memory"];
    let huge = mk["huge_bytes"].as_f64().unwrap();
    let anon = mk["anon_bytes"].as_f64().unwrap() - huge;
    let rects = tags(at.body, "rect");
    let width = |colour: &str| -> f64 {
        rects
            .iter()
            .filter(|t| attr(t, "fill") == Some(colour))
            .map(|t| attr(t, "width").unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!((width(ANON) - (at.px(anon) - at.px(0.0))).abs() <= 1.5);
    assert!((width(HUGE) - (at.px(huge) - at.px(0.0))).abs() <= 1.5);
    assert_eq!(at.marks(LIMIT).len(), 1);
    assert!((at.marks(LIMIT)[0] - at.px(limit)).abs() <= 1.5);
    // Every cause with its fixes and its confirm commands, as commands.
    for cause in json["causes"].as_array().unwrap() {
        for step in cause["next_steps"].as_array().unwrap() {
            let s = step
                .as_str()
                .unwrap()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(
                html.contains(&format!("<pre class=\"cmd\"><code>{s}</code></pre>")),
                "confirm command missing: {s}"
            );
        }
    }
    insta::assert_snapshot!("seed_html", html);
}

#[test]
fn real_kill_java_page() {
    let html = diagnose("real-kill-java", "html");
    let json: Value = serde_json::from_str(&diagnose("real-kill-java", "json")).unwrap();
    let text = diagnose("real-kill-java", "text");
    self_contained(&html);
    assert!(cites_as_text(&html, &text) >= 8);
    // No metric series: no chart over time, and the page says nothing of one.
    assert!(figures(&html, "memory").is_empty());
    assert!(!html.contains("Memory over time"));
    let c = &json["containers"][0];
    let limit = c["kills"][0]["limit_bytes"].as_f64().unwrap();
    let at = &figures(&html, "at-kill")[0];
    assert!((at.marks(LIMIT)[0] - at.px(limit)).abs() <= 1.5);
    let anon = c["memory"]["anon_bytes"].as_f64().unwrap();
    let w: f64 = tags(at.body, "rect")
        .iter()
        .filter(|t| attr(t, "fill") == Some(ANON))
        .map(|t| attr(t, "width").unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((w - (at.px(anon) - at.px(0.0))).abs() <= 1.5, "{w}");
    // The JVM's budget: the heap at its bound, far past the limit's line.
    let b = &c["budget"];
    let heap = b["regions"][0]["max_bytes"].as_f64().unwrap();
    assert_eq!(b["regions"][0]["name"], "Java heap");
    let bf = &figures(&html, "budget")[0];
    let w: f64 = tags(bf.body, "rect")
        .iter()
        .filter(|t| attr(t, "fill") == Some(ANON))
        .map(|t| attr(t, "width").unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((w - (bf.px(heap) - bf.px(0.0))).abs() <= 1.5, "{w}");
    let line = bf.marks(LIMIT)[0];
    assert!((line - bf.px(b["limit_bytes"].as_f64().unwrap())).abs() <= 1.5);
    assert!(line < bf.px(heap), "the heap alone is past the limit");
    // Its inputs cited: the limit where the kernel printed it, the flags
    // where the pod spec sets them.
    let cited: Vec<String> = c["budget_evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["source"].as_str().unwrap().rsplit('/').next().unwrap(),
                e["line"]
            )
        })
        .collect();
    assert_eq!(cited, ["kern.log:28", "pod.json:12", "pod.json:17"]);
    for c in &cited {
        assert!(
            bf.body.contains(c.as_str()),
            "{c} not cited in the budget figure"
        );
    }
    insta::assert_snapshot!("real_kill_java_html", html);
}

#[test]
fn class_loads_page() {
    // A real leaking JVM (tests/fixtures/classload/CglibLeak): its class
    // families' loads over uptime, the leak in red on top.
    let run = |format| support::diagnose("tests/fixtures/classload/CglibLeak", format, &[0]);
    let html = run("html");
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    self_contained(&html);
    let loads = json["containers"][0]["class_loads"].as_array().unwrap();
    let figs = figures(&html, "classes");
    assert_eq!(figs.len(), loads.len());
    assert!(!figs.is_empty());
    for (f, l) in figs.iter().zip(loads) {
        let fams = l["families"].as_array().unwrap();
        // The data's lines: not the axes (ink) nor the grid.
        let lines: Vec<&str> = tags(f.body, "polyline")
            .into_iter()
            .filter(|t| !matches!(attr(t, "stroke"), Some("#333333") | Some("#DDDDDD")))
            .collect();
        assert_eq!(lines.len(), fams.len());
        let leak = fams.iter().find(|x| x["leak"] == true).expect("a leak");
        let counts: Vec<f64> = leak["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_f64().unwrap())
            .collect();
        // Drawn last (on top), in the alarm colour, a point per bucket at
        // its count.
        let last = lines.last().unwrap();
        assert_eq!(attr(last, "stroke"), Some(KERNEL_KILL));
        let pts = points(last);
        assert_eq!(pts.len(), counts.len());
        for (p, c) in pts.iter().zip(&counts) {
            assert!((p.1 - f.py(*c)).abs() <= 1.5, "{} vs {c}", p.1);
        }
        assert!(f.body.contains(", LEAK"));
    }
}

#[test]
fn nmt_page() {
    // NMT summaries of a real JVM adding threads (tests/fixtures/nmt): the
    // category that grew most drawn thickest, a point per snapshot at its
    // committed bytes.
    // No kill in NMT summaries alone: exit 1.
    let run = |format| {
        support::diagnose(
            "tests/fixtures/nmt/jdk17-threads-summaries.txt",
            format,
            &[1],
        )
    };
    let html = run("html");
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    self_contained(&html);
    let snaps = json["containers"][0]["nmt"].as_array().unwrap();
    assert_eq!(snaps.len(), 4);
    let f = &figures(&html, "nmt")[0];
    assert!(
        f.body.contains("Thread (grew most: +9.4 MiB)"),
        "{}",
        f.body
    );
    let thick: Vec<&str> = tags(f.body, "polyline")
        .into_iter()
        .filter(|t| attr(t, "stroke-width") == Some("4"))
        .collect();
    assert_eq!(thick.len(), 1);
    let pts = points(thick[0]);
    assert_eq!(pts.len(), 4);
    for (i, (p, s)) in pts.iter().zip(snaps).enumerate() {
        let thread = s["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c[0] == "Thread")
            .unwrap()[1]
            .as_f64()
            .unwrap();
        assert!((p.0 - f.px(i as f64 + 1.0)).abs() <= 1.5);
        assert!(
            (p.1 - f.py(thread)).abs() <= 1.5,
            "{} vs {}",
            p.1,
            f.py(thread)
        );
    }
    assert!(cites_as_text(&html, &run("text")) >= 2);
}

#[test]
fn each_command_refuses_the_formats_it_does_not_write() {
    let dir = format!(
        "{}/../../examples/seed-incident",
        env!("CARGO_MANIFEST_DIR")
    );
    for (args, format, says) in [
        (vec!["kernel", "--format", "html"], "html", "oomlens kernel"),
        (
            vec!["classes", "-o", "markdown"],
            "markdown",
            "oomlens classes",
        ),
        (vec!["budget", "--format", "html"], "html", "oomlens budget"),
    ] {
        let out = Command::new(support::oomlens())
            .args(&args)
            .arg(&dir)
            .output()
            .expect("run oomlens");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("--format {format} is not a format of `{says}`"))
                && err.contains("text or json"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}
