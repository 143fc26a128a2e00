//! Memory over time from files: Prometheus / OpenMetrics text with
//! timestamps, Prometheus HTTP API responses saved as JSON (`query_range`
//! matrices, `query` vectors), and CSV exported from Grafana panels.
//!
//! [`sniff`] tells the three apart by content (never by name) and [`parse`]
//! reads whichever it is into [`Series`]: one per metric name and label set,
//! each point with the line it came from.
//!
//! # What is read
//!
//! - **Exposition text** ([`parse_text`]): Prometheus text format 0.0.4 and
//!   OpenMetrics 1.0. `# HELP` is skipped, `# TYPE` and `# UNIT` go to
//!   [`Series::metric_type`] and [`Series::unit`]. Sample lines are
//!   `name{label="value",...} value [timestamp] [# exemplar]`, with blanks
//!   allowed around braces, commas and `=`, a trailing comma, label values
//!   escaped with `\"`, `\\` and `\n`, and Prometheus 3's quoted names
//!   (`{"my.metric", a="b"}`). Values are Go floats, `NaN`, `+Inf`, `-Inf`
//!   included. Timestamps: integer milliseconds in Prometheus text
//!   (`/federate`, kubelet's `/metrics/cadvisor`), seconds with decimals in
//!   OpenMetrics (a file with a `# EOF` or `# UNIT` line, or any timestamp
//!   with a decimal point or exponent). Samples without a timestamp (a plain
//!   scrape) are one instant, not a time series: they are skipped with a
//!   warning. Lines after `# EOF` are ignored with a warning.
//! - **Prometheus HTTP API JSON** ([`parse_json`]): the answer of
//!   `/api/v1/query_range` (`"resultType":"matrix"`, `"values"`) and
//!   `/api/v1/query` (`"vector"`, `"value"`), the bare `data` object, and
//!   the bare result array `promtool query range|instant -o json` prints.
//!   `"status":"error"` becomes a warning naming `errorType` and `error`;
//!   the answer's `"warnings"` and `"infos"` become warnings too. A series'
//!   line is the line where its `"metric"` object starts; each point's line
//!   is the line its `[time, "value"]` pair opens on (the same line for
//!   one-line JSON).
//! - **CSV** ([`parse_csv`]): Grafana's panel exports, any version. A time
//!   column (`Time`, `time`, `Timestamp`, `Date`, ...) holding RFC 3339
//!   stamps (`2015-06-11T11:50:00.000Z`, `2018-12-12T12:00:00+11:00`),
//!   epoch seconds, milliseconds, microseconds or nanoseconds (told apart by
//!   size), or zone-less `YYYY-MM-DD HH:MM:SS` (read as UTC, with a warning:
//!   Grafana formats these in the browser's zone). Layouts: "series joined
//!   by time" / "series as columns" (one column per series, headed by its
//!   legend: `{container="app", pod="x"}`, `metric{...}`, `app-7d9f8-abc`),
//!   "series as rows" (`Series,Time,Value`), and tables with label columns
//!   (`Time,container,pod,Value`). The delimiter is `,`, `;` or a tab, or
//!   what Excel's `sep=;` first line says; quoted cells with `""`, CRLF,
//!   blank lines between stacked tables. Cells may carry units: sizes
//!   (`1.5 GiB`, `512 MB`, `300Mi`, `0 B`) become bytes ([`Series::unit`] =
//!   `bytes`; `MB` is 10^6, `MiB` 2^20), `42%` stays 42 (`percent`),
//!   Grafana's short scale (`1.5 K`, `2 Mil`) is multiplied out, any other
//!   suffix is kept as the unit. Thousands separators (`1,721,992,142.283`)
//!   and, with a `;` delimiter, a decimal comma (`12,5`) are read. Empty,
//!   `null` and `-` cells are skipped silently.
//!
//! # Contract
//!
//! - Never panics, whatever the bytes; nothing on the input is unwrapped.
//! - Every returned series has at least one point; its points are in strictly
//!   increasing time order, their values finite (`NaN` and `±Inf` samples
//!   are dropped and counted in a warning), their times within
//!   `jiff::Timestamp`'s range. When two samples of a series share a time,
//!   one is kept: silently when they agree, the later one in the file with a
//!   warning when they do not.
//! - [`Series::point_lines`] is parallel to [`Series::points`]; every line
//!   number is 1-based and within the input.
//! - Series come in the order they first appear in the input.
//! - Every problem met is a [`crate::Warning`] naming the source and, when it
//!   is on one, the line.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::provenance::{clip, Warnings};
use crate::units::parse::{grafana_value as parse_quantity, GrafanaValue as Quantity};

/// What [`sniff`] says of Prometheus or OpenMetrics exposition text.
pub const TEXT: &str = "openmetrics";
/// What [`sniff`] says of a Prometheus HTTP API answer saved as JSON.
pub const JSON: &str = "prometheus-json";
/// What [`sniff`] says of a CSV export.
pub const CSV: &str = "csv";

/// One time series.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// The metric name (`container_memory_working_set_bytes`); for CSV, the
    /// column header.
    ///
    /// From JSON, the `__name__` label (taken out of `labels`), empty when
    /// the query's result has none (`sum by (pod) (...)`). From CSV: the
    /// metric of a `metric{...}` header (or its `__name__` label), empty for
    /// a bare label set (`{container="app", pod="x"}`, as JSON would give),
    /// else the header (or the `Series` cell) as written.
    pub name: String,
    /// The labels, without `__name__`. For CSV, the labels of a header
    /// written as a label set, plus one per label column of a table.
    pub labels: BTreeMap<String, String>,
    /// (milliseconds since the Unix epoch, value), in time order.
    pub points: Vec<(i64, f64)>,
    /// The line of the series' first sample in its source (for JSON, the
    /// line its `"metric"` object starts on).
    pub line: Option<u64>,
    /// The source line of each point, parallel to `points`.
    pub point_lines: Vec<u64>,
    /// The unit: an OpenMetrics `# UNIT` line's; for CSV, `bytes` when the
    /// cells carried sizes (converted to bytes), `percent` for `%`, or the
    /// suffix the cells carried. `None` for plain numbers.
    pub unit: Option<String>,
    /// The `# TYPE` of the series' family (`gauge`, `counter`, ...), when
    /// exposition text gives one.
    pub metric_type: Option<String>,
}

impl Series {
    /// The series as a selector: `name{a="b", c="d"}` (label values escaped
    /// as in exposition text).
    pub fn selector(&self) -> String {
        let mut s = self.name.clone();
        if !self.labels.is_empty() {
            s.push('{');
            for (i, (k, v)) in self.labels.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(k);
                s.push_str("=\"");
                for c in v.chars() {
                    match c {
                        '\\' => s.push_str("\\\\"),
                        '"' => s.push_str("\\\""),
                        '\n' => s.push_str("\\n"),
                        c => s.push(c),
                    }
                }
                s.push('"');
            }
            s.push('}');
        }
        s
    }

    /// The value of one label.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

/// Which format a head looks like: `openmetrics` (also Prometheus text),
/// `prometheus-json`, `csv`.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let head = trim_start_ascii(strip_bom(head));
    let first = *head.first()?;
    if first == b'{' || first == b'[' {
        return looks_like_api_json(head).then_some(JSON);
    }
    if looks_like_csv(head) {
        return Some(CSV);
    }
    if looks_like_exposition(head) {
        return Some(TEXT);
    }
    None
}

/// Parses a metrics file into series.
pub fn parse(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let head = &text[..text.len().min(crate::registry::HEAD)];
    match sniff(head) {
        Some(JSON) => parse_json(source, text),
        Some(CSV) => parse_csv(source, text),
        Some(_) => parse_text(source, text),
        None => {
            let mut w = Warnings::new();
            w.push(
                source,
                None,
                "not a metrics file: neither Prometheus/OpenMetrics text, nor a Prometheus API \
                 answer (JSON), nor a CSV with a time column",
            );
            (Vec::new(), w)
        }
    }
}

// ---------------------------------------------------------------------------
// Collecting samples into series.

/// One sample before sorting.
struct Pending {
    ms: i64,
    value: f64,
    line: u64,
}

struct Builder {
    series: Series,
    samples: Vec<Pending>,
    non_finite: u64,
    non_finite_line: Option<u64>,
    mixed_units: Option<u64>,
}

/// Groups samples by (name, labels), in order of first appearance.
#[derive(Default)]
struct Collector {
    index: HashMap<(String, BTreeMap<String, String>), usize>,
    builders: Vec<Builder>,
}

impl Collector {
    /// The index of the series with this name and labels, created with
    /// `line` when new.
    fn series(&mut self, name: String, labels: BTreeMap<String, String>, line: u64) -> usize {
        match self.index.entry((name, labels)) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let (name, labels) = e.key().clone();
                let i = self.builders.len();
                self.builders.push(Builder {
                    series: Series {
                        name,
                        labels,
                        line: Some(line),
                        ..Series::default()
                    },
                    samples: Vec::new(),
                    non_finite: 0,
                    non_finite_line: None,
                    mixed_units: None,
                });
                e.insert(i);
                i
            }
        }
    }

    fn series_mut(&mut self, i: usize) -> Option<&mut Series> {
        self.builders.get_mut(i).map(|b| &mut b.series)
    }

    /// Adds a sample; a non-finite value is counted, not kept.
    fn push(&mut self, i: usize, ms: i64, value: f64, line: u64) {
        let Some(b) = self.builders.get_mut(i) else {
            return;
        };
        if value.is_finite() {
            b.samples.push(Pending { ms, value, line });
        } else {
            b.non_finite += 1;
            b.non_finite_line.get_or_insert(line);
        }
    }

    /// Notes the unit of one CSV cell.
    fn unit(&mut self, i: usize, unit: Option<&str>, line: u64) {
        let Some(b) = self.builders.get_mut(i) else {
            return;
        };
        let Some(unit) = unit else {
            return;
        };
        match &b.series.unit {
            None => b.series.unit = Some(unit.to_string()),
            Some(u) if u != unit => {
                b.mixed_units.get_or_insert(line);
            }
            Some(_) => {}
        }
    }

    /// Sorts, de-duplicates and returns the series with points.
    fn finish(self, source: &str, w: &mut Warnings) -> Vec<Series> {
        let mut out = Vec::with_capacity(self.builders.len());
        for mut b in self.builders {
            let selector = b.series.selector();
            if b.non_finite > 0 {
                w.push(
                    source,
                    b.non_finite_line,
                    format!(
                        "{selector}: {} NaN or infinite value{} skipped",
                        b.non_finite,
                        plural(b.non_finite)
                    ),
                );
            }
            if let Some(line) = b.mixed_units {
                w.push(
                    source,
                    Some(line),
                    format!(
                        "{selector}: cells carry different units; the series keeps `{}`",
                        b.series.unit.as_deref().unwrap_or("")
                    ),
                );
            }
            b.samples.sort_by_key(|p| p.ms);
            let mut conflicts = 0u64;
            let mut conflict_line = None;
            let mut points: Vec<(i64, f64)> = Vec::with_capacity(b.samples.len());
            let mut lines: Vec<u64> = Vec::with_capacity(b.samples.len());
            for p in b.samples {
                if let (Some(last), Some(last_line)) = (points.last_mut(), lines.last_mut()) {
                    if last.0 == p.ms {
                        if last.1 != p.value {
                            conflicts += 1;
                            conflict_line.get_or_insert(p.line);
                            // Stable sort: `p` is later in the file.
                            *last = (p.ms, p.value);
                            *last_line = p.line;
                        }
                        continue;
                    }
                }
                points.push((p.ms, p.value));
                lines.push(p.line);
            }
            if conflicts > 0 {
                w.push(
                    source,
                    conflict_line,
                    format!(
                        "{selector}: {conflicts} sample{} at a time already seen with another \
                         value; the later one in the file is kept",
                        plural(conflicts)
                    ),
                );
            }
            if points.is_empty() {
                continue;
            }
            b.series.points = points;
            b.series.point_lines = lines;
            out.push(b.series);
        }
        out
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether `ms` is an instant `jiff` can represent.
fn valid_ms(ms: i64) -> bool {
    jiff::Timestamp::from_millisecond(ms).is_ok()
}

/// Seconds (as written) to milliseconds, rounded to the nearest; exact for
/// plain decimals (`1701496556.123`).
fn seconds_to_ms(tok: &str) -> Option<i64> {
    let (neg, digits) = match tok.as_bytes().first() {
        Some(b'-') => (true, &tok[1..]),
        Some(b'+') => (false, &tok[1..]),
        _ => (false, tok),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    let ms = if plain && int.len() <= 15 {
        let whole: i64 = int.parse().ok()?;
        let f = frac.as_bytes();
        let mut part = 0i64;
        for k in 0..3 {
            part = part * 10 + f.get(k).map_or(0, |d| i64::from(d - b'0'));
        }
        if f.get(3).is_some_and(|&d| d >= b'5') {
            part += 1;
        }
        whole.checked_mul(1000)?.checked_add(part)?
    } else {
        let v: f64 = digits.parse().ok()?;
        if !v.is_finite() {
            return None;
        }
        let ms = (v * 1000.0).round();
        if ms.abs() >= 9.0e18 {
            return None;
        }
        ms as i64
    };
    let ms = if neg { ms.checked_neg()? } else { ms };
    valid_ms(ms).then_some(ms)
}

/// A sample value as Prometheus writes it (`1.5e9`, `NaN`, `+Inf`, `-Inf`):
/// [`crate::units::parse::float`].
pub use crate::units::parse::float as parse_float;

// ---------------------------------------------------------------------------
// Small byte helpers.

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

fn trim_start_ascii(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------
// Exposition text.

/// A label set read from `{...}`: a quoted metric name (Prometheus 3) if
/// one was in it, the labels, and how many bytes it took.
type LabelSet = (Option<String>, BTreeMap<String, String>, usize);

/// Reads the label set at the start of `s` (which starts with `{`).
fn parse_labels(s: &str) -> Result<LabelSet, String> {
    let b = s.as_bytes();
    if b.first() != Some(&b'{') {
        return Err("no label set".into());
    }
    let mut i = 1;
    let mut name = None;
    let mut labels = BTreeMap::new();
    loop {
        i = skip_blank(b, i);
        match b.get(i) {
            None => return Err("unterminated label set".into()),
            Some(b'}') => return Ok((name, labels, i + 1)),
            _ => {}
        }
        let (key, quoted) = if b.get(i) == Some(&b'"') {
            let (v, next) = read_quoted(s, i)?;
            i = next;
            (v, true)
        } else {
            let start = i;
            while b.get(i).is_some_and(|&c| is_ident(c)) {
                i += 1;
            }
            if i == start || !is_ident_start(b[start]) {
                let c = s[start..].chars().next().unwrap_or(' ');
                return Err(format!("unexpected `{c}` in the label set"));
            }
            (s[start..i].to_string(), false)
        };
        i = skip_blank(b, i);
        match b.get(i) {
            Some(b'=') => {
                i = skip_blank(b, i + 1);
                if b.get(i) != Some(&b'"') {
                    return Err(format!("the value of label `{key}` is not quoted"));
                }
                let (v, next) = read_quoted(s, i)?;
                i = next;
                labels.insert(key, v);
            }
            Some(b',' | b'}') if quoted && name.is_none() => name = Some(key),
            _ => return Err(format!("label `{key}` has no `=\"value\"`")),
        }
        i = skip_blank(b, i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            None => return Err("unterminated label set".into()),
            Some(_) => return Err("expected `,` or `}` after a label".into()),
        }
    }
}

/// Reads the quoted string starting at `s[i] == '"'`, unescaping `\"`,
/// `\\` and `\n` (other escapes are kept as written). Returns it and the
/// index past the closing quote.
fn read_quoted(s: &str, i: usize) -> Result<(String, usize), String> {
    let rest = s.get(i + 1..).ok_or("unterminated quoted string")?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, o)) => {
                    out.push('\\');
                    out.push(o);
                }
                None => break,
            },
            '"' => return Ok((out, i + 1 + k + 1)),
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

/// One sample line, split.
struct Sample<'a> {
    name: String,
    labels: BTreeMap<String, String>,
    value: &'a str,
    ts: Option<&'a str>,
}

/// Splits a sample line (already trimmed, not a comment).
fn parse_sample(line: &str) -> Result<Sample<'_>, String> {
    let b = line.as_bytes();
    let mut i = 0;
    let mut name = String::new();
    match b.first() {
        Some(&c) if is_ident_start(c) => {
            while b.get(i).is_some_and(|&c| is_ident(c)) {
                i += 1;
            }
            name = line[..i].to_string();
        }
        Some(b'{') => {}
        _ => return Err("a sample starts with a metric name".into()),
    }
    let mut labels = BTreeMap::new();
    let j = skip_blank(b, i);
    if b.get(j) == Some(&b'{') {
        let (quoted, l, used) = parse_labels(&line[j..])?;
        labels = l;
        i = j + used;
        if let Some(q) = quoted {
            if !name.is_empty() {
                return Err("two metric names".into());
            }
            name = q;
        }
    }
    if name.is_empty() {
        return Err("no metric name".into());
    }
    let rest = &line[i..];
    if !rest.starts_with([' ', '\t']) {
        return Err("no blank between the metric and its value".into());
    }
    let mut toks = rest.split_ascii_whitespace();
    let value = toks.next().ok_or("no value")?;
    let ts = match toks.next() {
        Some(t) if t.starts_with('#') => None,
        t => t,
    };
    if ts.is_some() {
        if let Some(extra) = toks.next() {
            if !extra.starts_with('#') {
                return Err("unexpected text after the timestamp".into());
            }
        }
    }
    Ok(Sample {
        name,
        labels,
        value,
        ts,
    })
}

/// Suffixes OpenMetrics adds to a family's name in its samples.
const FAMILY_SUFFIXES: [&str; 8] = [
    "_total", "_created", "_bucket", "_count", "_sum", "_info", "_gcount", "_gsum",
];

fn family_entry<'a>(map: &'a HashMap<String, String>, name: &str) -> Option<&'a String> {
    map.get(name).or_else(|| {
        FAMILY_SUFFIXES
            .iter()
            .find_map(|s| name.strip_suffix(s).and_then(|f| map.get(f)))
    })
}

/// Whether exposition text is OpenMetrics: a `# EOF` or `# UNIT` line.
fn is_openmetrics(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|l| {
        let l = trim_cr(l);
        l == b"# EOF" || l.starts_with(b"# UNIT ")
    })
}

/// How a timestamp token was read.
enum Stamp {
    Ms(i64),
    /// An integer too small for milliseconds, read as seconds.
    GuessedSeconds(i64),
    Bad,
}

fn text_stamp(tok: &str, openmetrics: bool) -> Stamp {
    let decimal = tok.contains(['.', 'e', 'E']);
    if openmetrics || decimal {
        return seconds_to_ms(tok).map_or(Stamp::Bad, Stamp::Ms);
    }
    match tok.parse::<i64>() {
        Ok(v) if v != 0 && v.unsigned_abs() < 100_000_000_000 => match v.checked_mul(1000) {
            Some(ms) if valid_ms(ms) => Stamp::GuessedSeconds(ms),
            _ => Stamp::Bad,
        },
        Ok(v) if valid_ms(v) => Stamp::Ms(v),
        _ => Stamp::Bad,
    }
}

/// Parses Prometheus text or OpenMetrics with timestamps.
pub fn parse_text(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let mut w = Warnings::new();
    let text = strip_bom(text);
    let openmetrics = is_openmetrics(text);
    let mut types: HashMap<String, String> = HashMap::new();
    let mut units: HashMap<String, String> = HashMap::new();
    let mut col = Collector::default();
    // Samples without a timestamp, per name: (count, first line).
    let mut untimed: Vec<(String, u64, u64)> = Vec::new();
    let mut untimed_index: HashMap<String, usize> = HashMap::new();
    let mut timed = 0u64;
    let mut eof: Option<u64> = None;
    let mut after_eof = 0u64;
    let mut guessed: Option<u64> = None;

    for (k, raw) in text.split(|&b| b == b'\n').enumerate() {
        let n = k as u64 + 1;
        let Ok(line) = std::str::from_utf8(trim_cr(raw)) else {
            w.push(source, Some(n), "not UTF-8: line skipped");
            continue;
        };
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(at) = eof {
            after_eof += 1;
            if after_eof == 1 {
                w.push(
                    source,
                    Some(n),
                    format!("text after `# EOF` (line {at}) ignored"),
                );
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            if rest == "EOF" {
                eof = Some(n);
                continue;
            }
            let mut it = rest.splitn(3, [' ', '\t']);
            let kw = it.next().unwrap_or("");
            let family = it.next().unwrap_or("");
            let arg = it.next().unwrap_or("").trim();
            match kw {
                "TYPE" if !family.is_empty() && !arg.is_empty() => {
                    types.insert(family.to_string(), arg.to_string());
                }
                "UNIT" if !family.is_empty() && !arg.is_empty() => {
                    units.insert(family.to_string(), arg.to_string());
                }
                _ => {}
            }
            continue;
        }
        let s = match parse_sample(t) {
            Ok(s) => s,
            Err(e) => {
                w.push(
                    source,
                    Some(n),
                    format!("not a sample ({e}): `{}`", clip(t, 120)),
                );
                continue;
            }
        };
        let Some(value) = parse_float(s.value) else {
            w.push(
                source,
                Some(n),
                format!("`{}` is not a number: sample skipped", clip(s.value, 40)),
            );
            continue;
        };
        let Some(tok) = s.ts else {
            match untimed_index.entry(s.name) {
                Entry::Occupied(e) => {
                    if let Some(u) = untimed.get_mut(*e.get()) {
                        u.1 += 1;
                    }
                }
                Entry::Vacant(e) => {
                    untimed.push((e.key().clone(), 1, n));
                    e.insert(untimed.len() - 1);
                }
            }
            continue;
        };
        let ms = match text_stamp(tok, openmetrics) {
            Stamp::Ms(ms) => ms,
            Stamp::GuessedSeconds(ms) => {
                guessed.get_or_insert(n);
                ms
            }
            Stamp::Bad => {
                w.push(
                    source,
                    Some(n),
                    format!("`{}` is not a timestamp: sample skipped", clip(tok, 40)),
                );
                continue;
            }
        };
        timed += 1;
        let metric_type = family_entry(&types, &s.name).cloned();
        let unit = family_entry(&units, &s.name).cloned();
        let i = col.series(s.name, s.labels, n);
        if let Some(series) = col.series_mut(i) {
            if series.metric_type.is_none() {
                series.metric_type = metric_type;
            }
            if series.unit.is_none() {
                series.unit = unit;
            }
        }
        col.push(i, ms, value, n);
    }

    if let Some(line) = guessed {
        w.push(
            source,
            Some(line),
            "integer timestamps too small for milliseconds were read as seconds",
        );
    }
    let untimed_total: u64 = untimed.iter().map(|u| u.1).sum();
    if timed == 0 && untimed_total > 0 {
        let first = untimed.iter().map(|u| u.2).min();
        w.push(
            source,
            first,
            format!(
                "no sample has a timestamp: this is one scrape, not a time series; \
                 {untimed_total} sample{} of {} metric{} skipped (save `/federate`, or an API \
                 `query_range` answer, to see memory over time)",
                plural(untimed_total),
                untimed.len(),
                plural(untimed.len() as u64)
            ),
        );
    } else {
        for (name, count, line) in &untimed {
            w.push(
                source,
                Some(*line),
                format!(
                    "{name}: {count} sample{} without a timestamp skipped (one instant is not \
                     a time series)",
                    plural(*count)
                ),
            );
        }
    }
    let series = col.finish(source, &mut w);
    if series.is_empty() && w.is_empty() {
        w.push(source, None, "no samples");
    }
    (series, w)
}

/// Whether a head looks like exposition text: comment lines Prometheus
/// writes (`# HELP`, `# TYPE`, `# UNIT`, `# EOF`) with samples, or lines
/// that are mostly samples with timestamps. Bare `name value` lines
/// (`memory.stat`, `/proc/vmstat`) are not taken: they carry no time.
fn looks_like_exposition(head: &[u8]) -> bool {
    let mut marks = 0usize;
    let mut samples = 0usize;
    let mut timed = 0usize;
    let mut other = 0usize;
    for raw in head.split(|&b| b == b'\n').take(200) {
        let Ok(l) = std::str::from_utf8(trim_cr(raw)) else {
            other += 1;
            continue;
        };
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            if rest == "EOF"
                || rest.starts_with("HELP ")
                || rest.starts_with("TYPE ")
                || rest.starts_with("UNIT ")
            {
                marks += 1;
            }
            continue;
        }
        match parse_sample(t) {
            Ok(s) if parse_float(s.value).is_some() => {
                samples += 1;
                if s.ts.is_some_and(|ts| parse_float(ts).is_some()) {
                    timed += 1;
                }
            }
            _ => other += 1,
        }
    }
    (marks > 0 && samples > 0) || (timed > 0 && timed * 5 >= (samples + other) * 4)
}

// ---------------------------------------------------------------------------
// Prometheus HTTP API JSON.

/// Whether a head looks like a Prometheus API answer: a `"resultType"`, a
/// `"status"` of `"success"` or `"error"`, or (promtool's output) an array of
/// objects with `"metric"` and `"value"`/`"values"`.
fn looks_like_api_json(head: &[u8]) -> bool {
    let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
    let status = memchr::memmem::find_iter(head, b"\"status\"").any(|at| {
        let rest = &head[at + 8..];
        let rest = trim_start_ascii(rest);
        let Some(rest) = rest.strip_prefix(b":") else {
            return false;
        };
        let rest = trim_start_ascii(rest);
        rest.starts_with(b"\"success\"") || rest.starts_with(b"\"error\"")
    });
    has(b"\"resultType\"")
        || status
        || (head.first() == Some(&b'[') && has(b"\"metric\"") && has(b"\"value"))
}

/// Where things are in a JSON text: lines of the result elements' `"metric"`
/// keys and of their points, and of the root object's keys.
#[derive(Default)]
struct JsonLines {
    root_keys: HashMap<String, u64>,
    /// Per result element, the line of its `"metric"` key (0 if none).
    metric: Vec<u64>,
    /// Per result element, the line each of its points opens on.
    points: Vec<Vec<u64>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Root,
    Data,
    Result,
    Element(usize),
    Values(usize),
    Other,
}

struct Frame {
    object: bool,
    role: Role,
    /// Values begun so far (arrays).
    count: usize,
    key: Option<String>,
    expect_key: bool,
}

impl JsonLines {
    fn element(&mut self, e: usize) {
        if self.metric.len() <= e {
            self.metric.resize(e + 1, 0);
            self.points.resize(e + 1, Vec::new());
        }
    }
}

/// Scans well-formed JSON for the lines [`JsonLines`] holds.
fn json_lines(text: &[u8]) -> JsonLines {
    let mut out = JsonLines::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1u64;
    let mut i = 0usize;
    while let Some(&b) = text.get(i) {
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'"' => {
                let start_line = line;
                let mut j = i + 1;
                while let Some(&c) = text.get(j) {
                    match c {
                        b'\\' => j += 2,
                        b'"' => break,
                        b'\n' => {
                            line += 1;
                            j += 1;
                        }
                        _ => j += 1,
                    }
                }
                let s = text.get(i + 1..j.min(text.len())).unwrap_or(b"");
                i = j + 1;
                let Some(top) = stack.last_mut() else {
                    continue;
                };
                if top.object && top.expect_key {
                    let key = String::from_utf8_lossy(s).into_owned();
                    top.expect_key = false;
                    match top.role {
                        Role::Root => {
                            out.root_keys.entry(key.clone()).or_insert(start_line);
                        }
                        Role::Element(e) if key == "metric" => {
                            out.element(e);
                            if let Some(m) = out.metric.get_mut(e) {
                                if *m == 0 {
                                    *m = start_line;
                                }
                            }
                        }
                        _ => {}
                    }
                    top.key = Some(key);
                } else if !top.object {
                    top.count += 1;
                }
            }
            b'{' | b'[' => {
                let object = b == b'{';
                let role = match stack.last_mut() {
                    None => Role::Root,
                    Some(parent) => {
                        let key = parent.key.as_deref();
                        let index = parent.count;
                        if !parent.object {
                            parent.count += 1;
                        }
                        match (parent.role, parent.object, key, object) {
                            (Role::Root, true, Some("data"), true) => Role::Data,
                            (Role::Root | Role::Data, true, Some("result"), false) => Role::Result,
                            (Role::Root, false, _, true) | (Role::Result, false, _, true) => {
                                out.element(index);
                                Role::Element(index)
                            }
                            (Role::Element(e), true, Some("values"), false) => Role::Values(e),
                            (Role::Element(e), true, Some("value"), false) => {
                                out.element(e);
                                if let Some(p) = out.points.get_mut(e) {
                                    p.push(line);
                                }
                                Role::Other
                            }
                            (Role::Values(e), false, _, false) => {
                                out.element(e);
                                if let Some(p) = out.points.get_mut(e) {
                                    p.push(line);
                                }
                                Role::Other
                            }
                            _ => Role::Other,
                        }
                    }
                };
                stack.push(Frame {
                    object,
                    role,
                    count: 0,
                    key: None,
                    expect_key: object,
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    if top.object {
                        top.expect_key = true;
                        top.key = None;
                    }
                }
                i += 1;
            }
            b if b.is_ascii_whitespace() || b == b':' => i += 1,
            _ => {
                // A number, true, false or null.
                if let Some(top) = stack.last_mut() {
                    if !top.object {
                        top.count += 1;
                    }
                }
                while text
                    .get(i)
                    .is_some_and(|&c| !matches!(c, b',' | b']' | b'}') && !c.is_ascii_whitespace())
                {
                    i += 1;
                }
            }
        }
    }
    out
}

fn json_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// A `[time, "value"]` pair: (milliseconds, value).
fn json_point(v: &Value) -> Result<(i64, f64), String> {
    let pair = v
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or("not a [time, value] pair")?;
    let ms = match &pair[0] {
        Value::Number(n) => n
            .as_f64()
            .and_then(|s| seconds_to_ms(&format!("{s}")))
            .or_else(|| seconds_to_ms(&n.to_string())),
        Value::String(s) => seconds_to_ms(s.trim()),
        _ => None,
    }
    .ok_or_else(|| format!("`{}` is not a time", clip(&pair[0].to_string(), 40)))?;
    let value = match &pair[1] {
        Value::String(s) => parse_float(s.trim()),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .ok_or_else(|| format!("`{}` is not a value", clip(&pair[1].to_string(), 40)))?;
    Ok((ms, value))
}

/// Parses a Prometheus HTTP API answer (or `promtool query -o json` output).
pub fn parse_json(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let mut w = Warnings::new();
    let text = strip_bom(text);
    let doc: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => {
            let line = Some(e.line() as u64).filter(|&l| l > 0);
            w.push(source, line, format!("not valid JSON: {e}"));
            return (Vec::new(), w);
        }
    };
    let pos = json_lines(text);
    // The line of a top-level key; line 1 when the answer has no such key.
    let key_line = |k: &str| pos.root_keys.get(k).copied();
    let root_line = |k: &str| key_line(k).or(Some(1));
    let result: &[Value] = match &doc {
        Value::Array(items) => items,
        Value::Object(o) => {
            for key in ["warnings", "infos"] {
                if let Some(list) = o.get(key).and_then(Value::as_array) {
                    for item in list {
                        let msg = item
                            .as_str()
                            .map_or_else(|| item.to_string(), str::to_string);
                        let what = if key == "infos" { "noted" } else { "warned" };
                        w.push(source, root_line(key), format!("Prometheus {what}: {msg}"));
                    }
                }
            }
            if json_str(o.get("status")) == Some("error") {
                let kind = json_str(o.get("errorType")).unwrap_or("error");
                let msg = json_str(o.get("error")).unwrap_or("(no message)");
                w.push(
                    source,
                    key_line("error").or(key_line("status")).or(Some(1)),
                    format!("Prometheus answered an error ({kind}): {msg}"),
                );
                return (Vec::new(), w);
            }
            let data = match o.get("data") {
                Some(Value::Object(d)) => d,
                _ if o.contains_key("result") => o,
                _ => {
                    w.push(
                        source,
                        root_line("status"),
                        "no `data.result` in this JSON: not a Prometheus query answer",
                    );
                    return (Vec::new(), w);
                }
            };
            match json_str(data.get("resultType")) {
                None | Some("matrix" | "vector") => {}
                Some(other) => {
                    w.push(
                        source,
                        root_line("data"),
                        format!("a `{other}` result holds no series"),
                    );
                    return (Vec::new(), w);
                }
            }
            match data.get("result") {
                Some(Value::Array(items)) => items,
                _ => {
                    w.push(source, root_line("data"), "`data.result` is not an array");
                    return (Vec::new(), w);
                }
            }
        }
        _ => {
            w.push(source, Some(1), "not a Prometheus query answer");
            return (Vec::new(), w);
        }
    };

    let mut col = Collector::default();
    for (e, item) in result.iter().enumerate() {
        let mline = pos.metric.get(e).copied().filter(|&l| l > 0).unwrap_or(1);
        let Some(obj) = item.as_object() else {
            w.push(
                source,
                Some(mline),
                format!("result {e} is not an object: skipped"),
            );
            continue;
        };
        let mut labels = BTreeMap::new();
        match obj.get("metric") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v.as_str() {
                        Some(s) => {
                            labels.insert(k.clone(), s.to_string());
                        }
                        None => w.push(
                            source,
                            Some(mline),
                            format!("label `{k}` is not a string: left out"),
                        ),
                    }
                }
            }
            Some(_) => w.push(source, Some(mline), "`metric` is not an object"),
            None => {}
        }
        let name = labels.remove("__name__").unwrap_or_default();
        let idx = col.series(name, labels, mline);
        let lines = pos.points.get(e).map(Vec::as_slice).unwrap_or(&[]);
        let mut any = false;
        let add = |k: usize, v: &Value, w: &mut Warnings, col: &mut Collector| {
            let line = lines.get(k).copied().unwrap_or(mline);
            match json_point(v) {
                Ok((ms, value)) => col.push(idx, ms, value, line),
                Err(msg) => w.push(source, Some(line), format!("{msg}: point skipped")),
            }
        };
        if let Some(values) = obj.get("values") {
            any = true;
            match values.as_array() {
                Some(vs) => {
                    for (k, v) in vs.iter().enumerate() {
                        add(k, v, &mut w, &mut col);
                    }
                }
                None => w.push(source, Some(mline), "`values` is not an array"),
            }
        }
        if let Some(v) = obj.get("value") {
            any = true;
            add(0, v, &mut w, &mut col);
        }
        if obj.contains_key("histograms") || obj.contains_key("histogram") {
            any = true;
            w.push(
                source,
                Some(mline),
                "native histogram samples skipped: only float samples are read",
            );
        }
        if !any {
            w.push(source, Some(mline), "a result with no `values` or `value`");
        }
    }
    let series = col.finish(source, &mut w);
    if series.is_empty() && w.is_empty() {
        w.push(source, root_line("data"), "the answer holds no series");
    }
    (series, w)
}

// ---------------------------------------------------------------------------
// CSV.

struct Cell {
    text: String,
    quoted: bool,
}

struct Record {
    line: u64,
    cells: Vec<Cell>,
}

impl Record {
    fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|c| !c.quoted && c.text.trim().is_empty())
    }

    fn cell(&self, i: usize) -> Option<&str> {
        self.cells.get(i).map(|c| c.text.trim())
    }
}

/// Splits CSV text into records, each with the line it starts on. Returns
/// the line of an unterminated quote, if any.
fn csv_records(text: &str, delim: char) -> (Vec<Record>, Option<u64>) {
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut quote_line = 0u64;
    let mut line = 1u64;
    let mut rec_line = 1u64;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    cur.push('\n');
                }
                c => cur.push(c),
            }
            continue;
        }
        match c {
            '"' if !quoted && cur.trim().is_empty() => {
                cur.clear();
                in_quotes = true;
                quoted = true;
                quote_line = line;
            }
            c if c == delim => {
                cells.push(Cell {
                    text: std::mem::take(&mut cur),
                    quoted,
                });
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                cells.push(Cell {
                    text: std::mem::take(&mut cur),
                    quoted,
                });
                quoted = false;
                records.push(Record {
                    line: rec_line,
                    cells: std::mem::take(&mut cells),
                });
                line += 1;
                rec_line = line;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() || !cells.is_empty() || quoted {
        cells.push(Cell { text: cur, quoted });
        records.push(Record {
            line: rec_line,
            cells,
        });
    }
    (records, in_quotes.then_some(quote_line))
}

/// The delimiter of a header line: the most frequent of `,`, `;` and tab
/// outside quotes (`,` on ties), if any.
fn detect_delimiter(line: &str) -> Option<char> {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for c in line.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&k| (counts[k], 3 - k))?;
    (counts[best] > 0).then_some([',', ';', '\t'][best])
}

/// `sep=X`, Excel's first line naming the delimiter.
fn excel_sep(line: &str) -> Option<char> {
    let rest = line.trim().strip_prefix("sep=")?;
    let mut chars = rest.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Whether a header cell names a time column.
fn is_time_header(h: &str) -> bool {
    let h = h.trim().trim_matches('"').trim();
    [
        "time",
        "timestamp",
        "date",
        "datetime",
        "date time",
        "date/time",
        "_time",
        "ts",
        "time (utc)",
        "time(utc)",
    ]
    .iter()
    .any(|n| h.eq_ignore_ascii_case(n))
}

/// Whether a header cell names the column holding series names.
fn is_series_header(h: &str) -> bool {
    ["series", "metric", "name", "series name"]
        .iter()
        .any(|n| h.trim().eq_ignore_ascii_case(n))
}

/// A time cell: (milliseconds, whether a zone-less stamp was read as UTC).
fn csv_time(s: &str) -> Option<(i64, bool)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.bytes().any(|b| b.is_ascii_digit())
        && !looks_like_date(s)
    {
        let v: f64 = s.parse().ok()?;
        if !v.is_finite() {
            return None;
        }
        let a = v.abs();
        let ms = if a >= 1e17 {
            v / 1e6
        } else if a >= 1e14 {
            v / 1e3
        } else if a >= 1e11 {
            v
        } else {
            return seconds_to_ms(s).map(|ms| (ms, false));
        };
        let ms = ms.round() as i64;
        return valid_ms(ms).then_some((ms, false));
    }
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some((t.as_millisecond(), false));
    }
    let normalized;
    let civil_text = if looks_like_date(s) && s.as_bytes().get(4) == Some(&b'/') {
        normalized = s.replacen('/', "-", 2);
        normalized.as_str()
    } else {
        s
    };
    let dt = civil_text.parse::<jiff::civil::DateTime>().ok()?;
    let t = jiff::tz::Offset::UTC.to_timestamp(dt).ok()?;
    Some((t.as_millisecond(), true))
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` at the start.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// A series name written as `metric{a="b"}` or `{a="b"}`, split; anything
/// else is a name without labels.
fn name_and_labels(h: &str) -> (String, BTreeMap<String, String>) {
    let h = h.trim();
    if let Some(p) = h.find('{') {
        let metric = h[..p].trim();
        let metric_ok = metric.is_empty()
            || (metric.bytes().all(is_ident) && metric.bytes().next().is_some_and(is_ident_start));
        if metric_ok {
            if let Ok((quoted, mut labels, used)) = parse_labels(&h[p..]) {
                if h[p + used..].trim().is_empty() {
                    let name = if !metric.is_empty() {
                        metric.to_string()
                    } else if let Some(n) = labels.remove("__name__").or(quoted) {
                        n
                    } else if labels.is_empty() {
                        h.to_string()
                    } else {
                        String::new()
                    };
                    return (name, labels);
                }
            }
        }
    }
    (h.to_string(), BTreeMap::new())
}

/// How the columns of one table are used.
struct Layout {
    time: usize,
    /// Columns of names (`Series`) or labels, with their headers.
    series_col: Option<usize>,
    label_cols: Vec<(usize, String)>,
    /// Value columns with their header, split into name and labels.
    value_cols: Vec<(usize, String, String, BTreeMap<String, String>)>,
}

fn layout(header: &[String], rows: &[Record], time: usize, delim: char) -> Layout {
    let mut l = Layout {
        time,
        series_col: None,
        label_cols: Vec::new(),
        value_cols: Vec::new(),
    };
    for (c, h) in header.iter().enumerate() {
        if c == time {
            continue;
        }
        if is_series_header(h) && l.series_col.is_none() {
            l.series_col = Some(c);
            continue;
        }
        let (mut numeric, mut text) = (0usize, 0usize);
        for r in rows.iter().take(200) {
            match r.cell(c).map(|s| parse_quantity(s, delim)) {
                Some(Quantity::Value(..)) => numeric += 1,
                Some(Quantity::Bad) => text += 1,
                _ => {}
            }
        }
        if text > numeric {
            l.label_cols.push((c, h.trim().to_string()));
        } else {
            let (name, labels) = name_and_labels(h);
            l.value_cols.push((c, h.trim().to_string(), name, labels));
        }
    }
    l
}

/// Parses a CSV export (Grafana's, or any with a time column).
pub fn parse_csv(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let mut w = Warnings::new();
    let text = String::from_utf8_lossy(strip_bom(text));
    let mut body: &str = &text;
    let mut skipped_lines = 0u64;
    // Leading blank lines, then Excel's `sep=` line.
    while let Some((first, rest)) = body.split_once('\n') {
        if first.trim().is_empty() {
            body = rest;
            skipped_lines += 1;
        } else {
            break;
        }
    }
    let first_line = body.split('\n').next().unwrap_or("");
    let delim = match excel_sep(first_line) {
        Some(d) => {
            body = body.split_once('\n').map_or("", |(_, rest)| rest);
            skipped_lines += 1;
            d
        }
        None => detect_delimiter(first_line).unwrap_or(','),
    };
    let (mut records, open_quote) = csv_records(body, delim);
    for r in &mut records {
        r.line += skipped_lines;
    }
    if let Some(line) = open_quote {
        w.push(
            source,
            Some(line + skipped_lines),
            "a quoted cell is never closed: the rest of the file is one cell",
        );
    }

    let mut col = Collector::default();
    let mut utc_warned = false;
    let mut k = 0usize;
    while k < records.len() {
        // The next table: a header, then rows until a blank line followed by
        // another header.
        while records.get(k).is_some_and(Record::is_blank) {
            k += 1;
        }
        let Some(head) = records.get(k) else {
            break;
        };
        let header: Vec<String> = head
            .cells
            .iter()
            .map(|c| c.text.trim().to_string())
            .collect();
        let header_line = head.line;
        let named_time = header.iter().position(|h| is_time_header(h));
        let headerless = named_time.is_none()
            && header.len() >= 2
            && header
                .first()
                .is_some_and(|h| (looks_like_date(h) || h.len() >= 10) && csv_time(h).is_some());
        let start = if headerless { k } else { k + 1 };
        let mut end = start;
        while end < records.len() {
            if records[end].is_blank() {
                // A blank line ends the table when a header follows it.
                match (end..records.len()).find(|&j| !records[j].is_blank()) {
                    Some(j) if records[j].cells.iter().any(|c| is_time_header(&c.text)) => break,
                    Some(j) => end = j,
                    None => end = records.len(),
                }
                continue;
            }
            end += 1;
        }
        let rows = &records[start..end];
        k = end;
        let (time, header) = match (named_time, headerless) {
            (Some(t), _) => (t, header),
            (None, true) => {
                let names = (0..header.len())
                    .map(|c| format!("column {}", c + 1))
                    .collect();
                (0, names)
            }
            (None, false) => {
                w.push(
                    source,
                    Some(header_line),
                    "no time column (`Time`, `time`, `Timestamp`, `Date`) in this header: \
                     table skipped",
                );
                continue;
            }
        };
        let lay = layout(&header, rows, time, delim);
        if lay.value_cols.is_empty() {
            w.push(
                source,
                Some(header_line),
                "no column of numbers beside the time column: table skipped",
            );
            continue;
        }
        for row in rows {
            if row.is_blank() {
                continue;
            }
            let tcell = row.cell(lay.time).unwrap_or("");
            let Some((ms, assumed)) = csv_time(tcell) else {
                w.push(
                    source,
                    Some(row.line),
                    format!("`{}` is not a time: row skipped", clip(tcell, 40)),
                );
                continue;
            };
            if assumed && !utc_warned {
                utc_warned = true;
                w.push(
                    source,
                    Some(row.line),
                    format!(
                        "times like `{}` have no zone: read as UTC (Grafana writes them in the \
                         browser's zone; export with epoch or RFC 3339 times to be sure)",
                        clip(tcell, 40)
                    ),
                );
            }
            let mut extra = BTreeMap::new();
            for (c, h) in &lay.label_cols {
                let v = row.cell(*c).unwrap_or("");
                if !v.is_empty() {
                    extra.insert(h.clone(), v.to_string());
                }
            }
            let series_cell = lay.series_col.map(|c| row.cell(c).unwrap_or(""));
            for (c, h, name, labels) in &lay.value_cols {
                let cell = row.cell(*c).unwrap_or("");
                let (v, unit) = match parse_quantity(cell, delim) {
                    Quantity::Empty => continue,
                    Quantity::Bad => {
                        w.push(
                            source,
                            Some(row.line),
                            format!(
                                "column `{}`: `{}` is not a number",
                                clip(h, 60),
                                clip(cell, 40)
                            ),
                        );
                        continue;
                    }
                    Quantity::Value(v, unit) => (v, unit),
                };
                let (name, mut labels) = match series_cell {
                    Some(s) => {
                        let (n, l) = name_and_labels(s);
                        if lay.value_cols.len() > 1 {
                            (format!("{n} {h}"), l)
                        } else {
                            (n, l)
                        }
                    }
                    None => (name.clone(), labels.clone()),
                };
                for (lk, lv) in &extra {
                    labels.entry(lk.clone()).or_insert_with(|| lv.clone());
                }
                let i = col.series(name, labels, row.line);
                col.unit(i, unit.as_deref(), row.line);
                col.push(i, ms, v, row.line);
            }
        }
    }
    let series = col.finish(source, &mut w);
    if series.is_empty() && w.is_empty() {
        w.push(source, None, "no values in this CSV");
    }
    (series, w)
}

/// Whether a head looks like a CSV export: Excel's `sep=` line, or a header
/// with a time column and a delimiter, or rows starting with a time.
fn looks_like_csv(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if excel_sep(first).is_some() {
        return true;
    }
    let Some(delim) = detect_delimiter(first) else {
        return false;
    };
    let (records, _) = csv_records(first, delim);
    let Some(rec) = records.first() else {
        return false;
    };
    if rec.cells.len() < 2 {
        return false;
    }
    if rec.cells.iter().any(|c| is_time_header(&c.text)) {
        return true;
    }
    // Headerless: rows of a time and numbers.
    let row_ok = |r: &Record| {
        r.cells.len() >= 2
            && r.cell(0)
                .is_some_and(|t| (looks_like_date(t) || t.len() >= 10) && csv_time(t).is_some())
            && r.cells[1..]
                .iter()
                .all(|c| !matches!(parse_quantity(&c.text, delim), Quantity::Bad))
    };
    row_ok(rec)
        && lines
            .next()
            .is_none_or(|l| csv_records(l, delim).0.first().is_some_and(row_ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello world\n"), None);
        assert_eq!(
            sniff(b"# HELP x y\n# TYPE x gauge\nx 1 1701496556123\n"),
            Some(TEXT)
        );
        assert_eq!(sniff(b"x{a=\"b\"} 1 1701496556123\ny 2 1\n"), Some(TEXT));
        assert_eq!(sniff(b"x 1.5 1701496556.123\n# EOF\n"), Some(TEXT));
        assert_eq!(
            sniff(br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#),
            Some(JSON)
        );
        assert_eq!(
            sniff(br#"{"status":"error","errorType":"bad_data","error":"x"}"#),
            Some(JSON)
        );
        assert_eq!(sniff(br#"[{"metric":{},"values":[[1,"1"]]}]"#), Some(JSON));
        assert_eq!(sniff(br#"{"kind":"Pod","apiVersion":"v1"}"#), None);
        assert_eq!(
            sniff(br#"{"kind":"List","items":[{"data":{},"status":{"phase":"Running"}}]}"#),
            None
        );
        assert_eq!(sniff(b"Time,app\n1701496556123,1\n"), Some(CSV));
        assert_eq!(sniff(b"\xef\xbb\xbf\"Time\";\"Value\"\r\n"), Some(CSV));
        assert_eq!(sniff(b"sep=;\r\n\"Time\";\"Value\"\r\n"), Some(CSV));
        assert_eq!(
            sniff(b"Series,Time,Value\na,2015-06-11T11:50:00Z,1\n"),
            Some(CSV)
        );
        assert_eq!(
            sniff(b"2023-12-02 05:50:00,12,13\n2023-12-02 05:51:00,12,13\n"),
            Some(CSV)
        );
        // Logs are none of these.
        assert_eq!(
            sniff(b"[12.5s][info][gc] GC(1) Pause Young 10M->2M(64M) 1.2ms\n"),
            None
        );
        assert_eq!(
            sniff(b"Dec  2 05:55:56 node kernel: Memory cgroup out of memory: Killed process 4242 (java)\n"),
            None
        );
        assert_eq!(sniff(b"name,age\nbob,42\n"), None);
    }

    #[test]
    fn sample_lines_split() {
        let s = parse_sample(r#"m{a="x\"y",b="c\\d",n="1\n2",} 1.5e+08 1701496556123"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "m");
        assert_eq!(
            s.labels,
            labels(&[("a", "x\"y"), ("b", "c\\d"), ("n", "1\n2")])
        );
        assert_eq!((s.value, s.ts), ("1.5e+08", Some("1701496556123")));
        let s = parse_sample(r#"{"my.metric", "a.b"="c"} 7"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "my.metric");
        assert_eq!(s.labels, labels(&[("a.b", "c")]));
        assert_eq!(s.ts, None);
        let s = parse_sample(r#"m_total{a="b"} 3 1.5 # {id="x"} 1 1.4"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.ts, Some("1.5"));
        let s = parse_sample(r#"m 3 # {id="x"} 1"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.ts, None);
        for bad in [
            r#"m{a="b" c="d"} 1"#,
            r#"m{a="b} 1"#,
            r#"m{a=b} 1"#,
            "m",
            "m{} ",
            "1m 2",
            "m 1 2 3",
            r#"m{a="b"}1"#,
        ] {
            assert!(parse_sample(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(seconds_to_ms("1701496556.123"), Some(1_701_496_556_123));
        assert_eq!(seconds_to_ms("1701496556.1235"), Some(1_701_496_556_124));
        assert_eq!(seconds_to_ms("1701496556"), Some(1_701_496_556_000));
        assert_eq!(seconds_to_ms("1.7014965561e9"), Some(1_701_496_556_100));
        assert_eq!(seconds_to_ms("-1.5"), Some(-1500));
        assert_eq!(seconds_to_ms("1e300"), None);
        assert_eq!(seconds_to_ms("NaN"), None);
        assert_eq!(seconds_to_ms("99999999999999999999"), None);
        assert!(matches!(
            text_stamp("1701496556123", false),
            Stamp::Ms(1_701_496_556_123)
        ));
        assert!(matches!(
            text_stamp("1701496556", false),
            Stamp::GuessedSeconds(1_701_496_556_000)
        ));
        assert!(matches!(
            text_stamp("1701496556", true),
            Stamp::Ms(1_701_496_556_000)
        ));
        assert!(matches!(text_stamp("0", false), Stamp::Ms(0)));
        assert!(matches!(text_stamp("x", false), Stamp::Bad));
        assert!(matches!(
            text_stamp("9223372036854775807", false),
            Stamp::Bad
        ));
        assert!(matches!(
            text_stamp("-9223372036854775808", false),
            Stamp::Bad
        ));
    }

    #[test]
    fn csv_times() {
        assert_eq!(
            csv_time("2015-06-11T11:50:00.000Z"),
            Some((1_434_023_400_000, false))
        );
        assert_eq!(
            csv_time("2018-12-12T12:00:00+11:00"),
            Some((1_544_576_400_000, false))
        );
        assert_eq!(
            csv_time("2023-12-02 05:55:56"),
            Some((1_701_496_556_000, true))
        );
        assert_eq!(
            csv_time("2023/12/02 05:55:56"),
            Some((1_701_496_556_000, true))
        );
        assert_eq!(csv_time("1701496556"), Some((1_701_496_556_000, false)));
        assert_eq!(csv_time("1701496556.5"), Some((1_701_496_556_500, false)));
        assert_eq!(csv_time("1701496556123"), Some((1_701_496_556_123, false)));
        assert_eq!(
            csv_time("1701496556123456"),
            Some((1_701_496_556_123, false))
        );
        assert_eq!(
            csv_time("1701496556123456789"),
            Some((1_701_496_556_123, false))
        );
        assert_eq!(csv_time("yesterday"), None);
        assert_eq!(csv_time(""), None);
    }

    #[test]
    fn quantities() {
        let q = |s| parse_quantity(s, ',');
        assert_eq!(
            q("1.5 GiB"),
            Quantity::Value(1.5 * 1073741824.0, Some("bytes".into()))
        );
        assert_eq!(q("512 MB"), Quantity::Value(512e6, Some("bytes".into())));
        assert_eq!(
            q("300Mi"),
            Quantity::Value(300.0 * 1048576.0, Some("bytes".into()))
        );
        assert_eq!(q("0 B"), Quantity::Value(0.0, Some("bytes".into())));
        assert_eq!(q("42%"), Quantity::Value(42.0, Some("percent".into())));
        assert_eq!(q("1.5 K"), Quantity::Value(1500.0, None));
        assert_eq!(q("12 ms"), Quantity::Value(12.0, Some("ms".into())));
        assert_eq!(q("1.5e+08"), Quantity::Value(1.5e8, None));
        assert_eq!(q("-3"), Quantity::Value(-3.0, None));
        assert_eq!(
            q("1,721,992,142.283"),
            Quantity::Value(1_721_992_142.283, None)
        );
        assert_eq!(q(""), Quantity::Empty);
        assert_eq!(q("null"), Quantity::Empty);
        assert_eq!(q("-"), Quantity::Empty);
        assert_eq!(q("abc"), Quantity::Bad);
        assert_eq!(q("1,2"), Quantity::Bad);
        assert_eq!(parse_quantity("12,5", ';'), Quantity::Value(12.5, None));
        assert!(matches!(q("NaN"), Quantity::Value(v, None) if v.is_nan()));
        assert!(matches!(q("+Inf"), Quantity::Value(v, None) if v.is_infinite()));
    }

    #[test]
    fn header_names() {
        assert_eq!(
            name_and_labels(r#"{container="app", pod="x"}"#),
            (String::new(), labels(&[("container", "app"), ("pod", "x")]))
        );
        assert_eq!(name_and_labels("{}"), ("{}".to_string(), BTreeMap::new()));
        assert_eq!(
            name_and_labels(r#"container_memory_rss{pod="x"}"#),
            ("container_memory_rss".to_string(), labels(&[("pod", "x")]))
        );
        assert_eq!(
            name_and_labels(r#"{__name__="up", job="node"}"#),
            ("up".to_string(), labels(&[("job", "node")]))
        );
        assert_eq!(
            name_and_labels("app-7d9f8-abc"),
            ("app-7d9f8-abc".to_string(), BTreeMap::new())
        );
        assert_eq!(
            name_and_labels("Value #A {x}"),
            ("Value #A {x}".to_string(), BTreeMap::new())
        );
    }

    #[test]
    fn text_groups_sorts_and_warns() {
        let text = b"# TYPE m gauge\n\
            m{a=\"1\"} 3 1700000003000\n\
            m{a=\"1\"} 1 1700000001000\n\
            m{a=\"2\"} 5 1700000001000\n\
            m{a=\"1\"} 2 1700000002000\n\
            m{a=\"1\"} NaN 1700000004000\n\
            u 7\n";
        let (series, w) = parse_text("t", text);
        assert_eq!(series.len(), 2);
        let s = &series[0];
        assert_eq!(s.selector(), "m{a=\"1\"}");
        assert_eq!(
            s.points,
            vec![
                (1_700_000_001_000, 1.0),
                (1_700_000_002_000, 2.0),
                (1_700_000_003_000, 3.0)
            ]
        );
        assert_eq!(s.point_lines, vec![3, 5, 2]);
        assert_eq!(s.line, Some(2));
        assert_eq!(s.metric_type.as_deref(), Some("gauge"));
        let msgs: Vec<String> = w.items().iter().map(|w| w.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("t:6: ") && m.contains("NaN")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("t:7: u: 1 sample without a timestamp")),
            "{msgs:?}"
        );
    }

    #[test]
    fn text_without_any_timestamp_is_one_warning() {
        let (series, w) = parse_text("s", b"# TYPE a gauge\na 1\nb 2\nb{x=\"y\"} 3\n");
        assert!(series.is_empty());
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(2));
        assert!(w.items()[0].message.contains("3 samples of 2 metrics"));
    }

    #[test]
    fn conflicting_duplicates_keep_the_later() {
        let (series, w) = parse_text(
            "d",
            b"m 1 1700000001000\nm 1 1700000001000\nm 2 1700000001000\n",
        );
        assert_eq!(series[0].points, vec![(1_700_000_001_000, 2.0)]);
        assert_eq!(series[0].point_lines, vec![3]);
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(3));
    }

    #[test]
    fn json_lines_found_in_one_line_and_pretty_json() {
        let one = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"a"},"values":[[1,"1"],[2,"2"]]},{"metric":{"__name__":"b"},"values":[[1,"3"]]}]}}"#;
        let pos = json_lines(one);
        assert_eq!(pos.metric, vec![1, 1]);
        assert_eq!(pos.points, vec![vec![1, 1], vec![1]]);
        let pretty = b"{\n \"data\": {\n  \"result\": [\n   {\n    \"metric\": {\"x\": \"[{\\\"\"},\n    \"value\": [\n     1, \"2\"]\n   },\n   {\"metric\": {},\n    \"values\": [[1, \"1\"],\n     [2, \"2\"]]}\n  ]\n }\n}\n";
        let pos = json_lines(pretty);
        assert_eq!(pos.metric, vec![5, 9]);
        assert_eq!(pos.points, vec![vec![6], vec![10, 11]]);
        let (series, w) = parse_json("p", pretty);
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].name, "");
        assert_eq!(series[0].label("x"), Some("[{\""));
        assert_eq!(series[0].line, Some(5));
        assert_eq!(series[1].point_lines, vec![10, 11]);
    }

    #[test]
    fn json_errors_and_oddities() {
        let (s, w) = parse_json(
            "e",
            br#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
        );
        assert!(s.is_empty());
        assert_eq!(
            w.items()[0].message,
            "Prometheus answered an error (timeout): query timed out"
        );
        let (s, w) = parse_json("e", b"{\"status\":\n");
        assert!(s.is_empty());
        assert_eq!(w.items()[0].line, Some(2));
        let (s, w) = parse_json(
            "e",
            br#"{"status":"success","warnings":["partial"],"data":{"resultType":"scalar","result":[1,"2"]}}"#,
        );
        assert!(s.is_empty());
        assert_eq!(w.items().len(), 2);
        let (s, w) = parse_json(
            "e",
            br#"[{"metric":{"__name__":"m","n":1},"values":[[1.5,"NaN"],["2","3"],[3],[4,"x"]]}]"#,
        );
        assert_eq!(s[0].points, vec![(2000, 3.0)]);
        assert_eq!(w.items().len(), 4, "{:?}", w.items());
    }

    #[test]
    fn csv_layouts() {
        let (s, w) = parse_csv(
            "c",
            b"Time,{pod=\"a\"},b\n2023-12-02T05:55:56Z,1 GiB,\n2023-12-02T05:56:56Z,2 GiB,3\n",
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label("pod"), Some("a"));
        assert_eq!(s[0].unit.as_deref(), Some("bytes"));
        assert_eq!(s[0].points[1], (1_701_496_616_000, 2.0 * 1073741824.0));
        assert_eq!(s[1].points, vec![(1_701_496_616_000, 3.0)]);
        assert_eq!(s[1].line, Some(3));

        let (s, w) = parse_csv(
            "r",
            b"Series,Time,Value\nx,1000000000000,1\ny,1000000000000,2\nx,1000000001000,3\n",
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "x");
        assert_eq!(s[0].points.len(), 2);

        let (s, _) = parse_csv(
            "t",
            b"Time,pod,Value\n1000000000000,a,1\n1000000000000,b,2\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].name, "Value");
        assert_eq!(s[1].label("pod"), Some("b"));

        // Two stacked tables.
        let (s, w) = parse_csv(
            "two",
            b"\"Time\",\"a\"\r\n1000000000000,1\r\n\r\n\"Time\",\"b\"\r\n1000000000000,2\r\n\r\n",
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].name, "b");
        assert_eq!(s[1].line, Some(5));

        let (s, w) = parse_csv("n", b"when,a\nx,1\n");
        assert!(s.is_empty());
        assert_eq!(w.items()[0].line, Some(1));
    }

    #[test]
    fn parse_dispatches() {
        let (s, _) = parse("a", b"Time,a\n1000000000000,1\n");
        assert_eq!(s.len(), 1);
        let (s, _) = parse("b", b"m 1 1000000000000\n");
        assert_eq!(s.len(), 1);
        let (s, w) = parse("c", b"just some words\n");
        assert!(s.is_empty());
        assert_eq!(w.items()[0].line, None);
    }
}
