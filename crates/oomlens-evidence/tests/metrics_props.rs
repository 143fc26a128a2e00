//! Properties of the metrics parsers: they never panic, whatever the bytes;
//! what they return keeps its contract (points in strictly increasing time,
//! finite values, a line for every point, lines within the input); and
//! series written out in each format (exposition text, API JSON compact or
//! pretty, CSV) read back to the same points.

use std::collections::BTreeMap;

use oomlens_evidence::metrics::{self, Series};
use oomlens_evidence::Warnings;
use proptest::prelude::*;

/// The contract every parse result keeps.
fn invariants(series: &[Series], warnings: &Warnings, text: &[u8]) {
    let lines = text.split(|&b| b == b'\n').count() as u64;
    for s in series {
        assert!(!s.points.is_empty(), "{s:?}");
        assert_eq!(s.points.len(), s.point_lines.len(), "{s:?}");
        for w in s.points.windows(2) {
            assert!(w[0].0 < w[1].0, "out of order: {s:?}");
        }
        for &(ms, v) in &s.points {
            assert!(v.is_finite(), "{s:?}");
            assert!(jiff::Timestamp::from_millisecond(ms).is_ok(), "{ms}");
        }
        for l in s.point_lines.iter().chain(s.line) {
            assert!(l >= 1 && l <= lines, "line {l} beyond {lines}: {s:?}");
        }
        assert!(s.line.is_some());
    }
    for w in warnings.items() {
        if let Some(l) = w.line {
            assert!(l >= 1 && l <= lines, "warning line {l} beyond {lines}: {w}");
        }
    }
}

fn check_all(bytes: &[u8]) {
    let _ = metrics::sniff(bytes);
    let (s, w) = metrics::parse("fuzz", bytes);
    invariants(&s, &w, bytes);
    let (s, w) = metrics::parse_text("fuzz", bytes);
    invariants(&s, &w, bytes);
    let (s, w) = metrics::parse_json("fuzz", bytes);
    invariants(&s, &w, bytes);
    let (s, w) = metrics::parse_csv("fuzz", bytes);
    invariants(&s, &w, bytes);
}

/// Pieces the three formats are made of, to reach deep into the parsers.
const PIECES: &[&str] = &[
    "container_memory_working_set_bytes",
    "m",
    "{",
    "}",
    "container=\"app\"",
    "a=\"x\\\"y\\\\z\\n\"",
    "{\"my.metric\"",
    ",",
    ";",
    "\t",
    " ",
    "=",
    "\"",
    "\"\"",
    "\\",
    "1",
    "1.5e+08",
    "NaN",
    "+Inf",
    "-Inf",
    "1701496556123",
    "1701496556.123",
    "1701496556",
    "99999999999999999999",
    "# HELP m x",
    "# TYPE m gauge",
    "# UNIT m bytes",
    "# EOF",
    " # {trace_id=\"a\"} 1 1.0",
    "#",
    "sep=;",
    "Time",
    "time",
    "Series",
    "Value",
    "2023-12-02 05:55:56",
    "2015-06-11T11:50:00.000Z",
    "2018-12-12T12:00:00+11:00",
    "1.5 GiB",
    "512 MB",
    "42%",
    "12,5",
    "1,721,992,142.283",
    "null",
    "-",
    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[",
    "{\"metric\":{\"__name__\":\"m\"},\"values\":[[1701496556.123,\"1\"]]}",
    "{\"metric\":{},\"value\":[1,\"NaN\"]}",
    "]}}",
    "[",
    "]",
    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\"}",
    "\r",
    "é",
    "\u{fffd}",
];

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..10).prop_map(|v| v.concat())
}

/// Generated series: (label value, points as ms -> value). Times are past
/// 1973, where milliseconds cannot be mistaken for seconds.
type Gen = Vec<(String, BTreeMap<i64, f64>)>;

fn gen_series() -> impl Strategy<Value = Gen> {
    let value = prop_oneof![
        (-1.0e12f64..1.0e12),
        (0u64..1u64 << 40).prop_map(|v| v as f64),
        Just(0.0),
    ];
    let points = prop::collection::btree_map(100_000_000_000i64..4_000_000_000_000, value, 1..12);
    let label = "[a-z0-9 \"\\\\\n._-]{0,8}";
    prop::collection::vec((label, points), 1..5).prop_map(|v| {
        // Label values made unique, so each is its own series.
        v.into_iter()
            .enumerate()
            .map(|(i, (l, p))| (format!("{i}{l}"), p))
            .collect()
    })
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn expect(gen: &Gen) -> Vec<(String, Vec<(i64, f64)>)> {
    gen.iter()
        .map(|(l, p)| (l.clone(), p.iter().map(|(&t, &v)| (t, v)).collect()))
        .collect()
}

fn got(series: &[Series]) -> Vec<(String, Vec<(i64, f64)>)> {
    series
        .iter()
        .map(|s| (s.label("pod").unwrap_or("").to_string(), s.points.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check_all(&bytes);
    }

    #[test]
    fn format_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..40)) {
        let text = lines.join("\n");
        check_all(text.as_bytes());
    }

    #[test]
    fn exposition_text_round_trips(gen in gen_series(), seconds in any::<bool>(), shuffle in any::<u64>()) {
        // Samples interleaved across series, in a scrambled order.
        let mut lines = Vec::new();
        for (l, points) in &gen {
            for (&t, &v) in points {
                let ts = if seconds {
                    format!("{}.{:03}", t / 1000, t % 1000)
                } else {
                    t.to_string()
                };
                lines.push(format!("m{{pod=\"{}\", k=\"v\",}} {v:e} {ts}", escape(l)));
            }
        }
        let n = lines.len();
        for i in 0..n {
            let j = (shuffle as usize).wrapping_mul(i + 7) % n;
            lines.swap(i, j);
        }
        let mut text = String::from("# TYPE m gauge\n");
        text.push_str(&lines.join("\n"));
        if seconds {
            text.push_str("\n# EOF\n");
        }
        let (series, w) = metrics::parse("t", text.as_bytes());
        invariants(&series, &w, text.as_bytes());
        prop_assert!(w.is_empty(), "{:?}", w.items());
        let mut want = expect(&gen);
        let mut have = got(&series);
        want.sort_by(|a, b| a.0.cmp(&b.0));
        have.sort_by(|a, b| a.0.cmp(&b.0));
        prop_assert_eq!(have, want);
        for s in &series {
            prop_assert_eq!(s.name.as_str(), "m");
            prop_assert_eq!(s.label("k"), Some("v"));
            prop_assert_eq!(s.metric_type.as_deref(), Some("gauge"));
        }
    }

    #[test]
    fn api_json_round_trips(gen in gen_series(), pretty in any::<bool>()) {
        let result: Vec<serde_json::Value> = gen
            .iter()
            .map(|(l, points)| {
                let values: Vec<serde_json::Value> = points
                    .iter()
                    .map(|(&t, &v)| serde_json::json!([t as f64 / 1000.0, format!("{v}")]))
                    .collect();
                serde_json::json!({
                    "metric": {"__name__": "container_memory_rss", "pod": l},
                    "values": values,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "status": "success",
            "data": {"resultType": "matrix", "result": result},
        });
        let text = if pretty {
            serde_json::to_string_pretty(&doc)
        } else {
            serde_json::to_string(&doc)
        }
        .unwrap_or_default();
        prop_assert_eq!(metrics::sniff(text.as_bytes()), Some(metrics::JSON));
        let (series, w) = metrics::parse("j", text.as_bytes());
        invariants(&series, &w, text.as_bytes());
        prop_assert!(w.is_empty(), "{:?}", w.items());
        prop_assert_eq!(got(&series), expect(&gen));
        let lines: Vec<&str> = text.lines().collect();
        for s in &series {
            prop_assert_eq!(s.name.as_str(), "container_memory_rss");
            let l = s.line.unwrap_or(0) as usize;
            prop_assert!(lines[l - 1].contains("\"metric\""));
            if pretty {
                // Each pair opens on its own line, in time order.
                prop_assert!(s.point_lines.to_vec().windows(2).all(|w| w[0] < w[1]));
                for pl in s.point_lines.iter() {
                    prop_assert_eq!(lines[pl as usize - 1].trim(), "[");
                }
            } else {
                prop_assert!(s.point_lines.iter().all(|l| l == 1));
            }
        }
    }

    #[test]
    fn csv_joined_by_time_round_trips(gen in gen_series(), semicolon in any::<bool>(), crlf in any::<bool>()) {
        let d = if semicolon { ';' } else { ',' };
        let nl = if crlf { "\r\n" } else { "\n" };
        let times: std::collections::BTreeSet<i64> =
            gen.iter().flat_map(|(_, p)| p.keys().copied()).collect();
        let mut text = String::from("\"Time\"");
        for (l, _) in &gen {
            let header = format!("{{pod=\"{}\", k=\"v\"}}", escape(l));
            text.push(d);
            text.push('"');
            text.push_str(&header.replace('"', "\"\""));
            text.push('"');
        }
        text.push_str(nl);
        for t in &times {
            text.push_str(&t.to_string());
            for (_, p) in &gen {
                text.push(d);
                if let Some(v) = p.get(t) {
                    text.push_str(&format!("{v}"));
                }
            }
            text.push_str(nl);
        }
        prop_assert_eq!(metrics::sniff(text.as_bytes()), Some(metrics::CSV));
        let (series, w) = metrics::parse("c", text.as_bytes());
        invariants(&series, &w, text.as_bytes());
        prop_assert!(w.is_empty(), "{:?}", w.items());
        // Every series generated comes back with its cells (their order is
        // not what this checks).
        let mut want = expect(&gen);
        let mut have = got(&series);
        want.sort_by(|a, b| a.0.cmp(&b.0));
        have.sort_by(|a, b| a.0.cmp(&b.0));
        prop_assert_eq!(have, want);
        for s in &series {
            prop_assert_eq!(s.name.as_str(), "");
            prop_assert_eq!(s.label("k"), Some("v"));
        }
    }
}

#[test]
fn many_warnings_stay_bounded() {
    let mut text = String::from("# TYPE m gauge\n");
    for i in 0..5000 {
        text.push_str(&format!("m{{a=\"{i}\" b=\"x\"}} 1 1701496556123\n"));
    }
    let (series, w) = metrics::parse_text("many", text.as_bytes());
    assert!(series.is_empty());
    assert_eq!(w.items().len(), Warnings::LIMIT);
    assert_eq!(w.dropped(), 5000 - Warnings::LIMIT as u64);
}

#[test]
fn a_long_series_is_read_whole() {
    let mut text = String::new();
    for i in 0..50_000i64 {
        text.push_str(&format!(
            "container_memory_working_set_bytes{{pod=\"p\"}} {} {}\n",
            i * 4096,
            1_701_496_556_000 + i * 15_000
        ));
    }
    let (series, w) = metrics::parse("long", text.as_bytes());
    assert!(w.is_empty());
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].points.len(), 50_000);
    assert_eq!(series[0].point_lines.get(49_999), Some(50_000));
}

#[test]
fn many_blank_lines_are_read_in_linear_time() {
    let mut text = String::from("Time,a\n1701496556123,1\n");
    text.push_str(&"\n".repeat(300_000));
    text.push_str("1701496557123,2\n");
    text.push_str(&"\r\n".repeat(300_000));
    let started = std::time::Instant::now();
    let (series, w) = metrics::parse("blank", text.as_bytes());
    assert!(w.is_empty(), "{:?}", w.items());
    assert_eq!(series[0].point_lines, vec![2, 300_003]);
    assert!(started.elapsed().as_secs() < 20);
}
