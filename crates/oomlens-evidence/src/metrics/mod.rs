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
//!   what Excel's `sep=;` first line says; records are read by the `csv`
//!   crate (quoted cells with `""` and line breaks, CRLF), a BOM is
//!   dropped, blank lines separate stacked tables. Cells may carry units: sizes
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

mod api;
mod csv;
mod text;

pub use api::{parse_json, parse_json_reader};
pub use csv::{parse_csv, parse_csv_reader};
pub use text::{parse_text, parse_text_reader};

use api::looks_like_api_json;
use csv::looks_like_csv;
use text::looks_like_exposition;

/// What [`sniff`] says of Prometheus or OpenMetrics exposition text.
pub const TEXT: &str = "openmetrics";
/// What [`sniff`] says of a Prometheus HTTP API answer saved as JSON.
pub const JSON: &str = "prometheus-json";
/// What [`sniff`] says of a CSV export.
pub const CSV: &str = "csv";

/// The metrics the diagnosis reads from series (`oomlens-analysis`: the
/// memory-over-time verdict and its drawn parts, the OOM event counter,
/// the limit, the native-memory gap). Exposition text keeps every series
/// while its samples are small; past [`OTHER_METRICS_HELD`] it keeps only
/// new samples of these (see [`parse_text_reader`]).
pub const READ: [&str; 11] = [
    "container_memory_working_set_bytes",
    "container_spec_memory_limit_bytes",
    "container_memory_rss",
    "container_memory_usage_bytes",
    "container_memory_cache",
    "container_memory_failcnt",
    "container_oom_events_total",
    "jvm_memory_used_bytes",
    "jvm_memory_pool_bytes_used",
    "jvm_buffer_memory_used_bytes",
    "jvm_threads_live_threads",
];

/// Whether the diagnosis reads series of this metric ([`READ`]).
pub fn is_read(name: &str) -> bool {
    READ.contains(&name)
}

/// What exposition text may hold of series and samples, bytes (their
/// points, lines and keys, as allocated): past it no sample is kept, with
/// a warning at the first line not kept ([`parse_text_reader`]). The
/// diagnosis reads the series in place (one copy only to join a
/// container's instances over restarts), so 16 MiB held (about 1,050,000
/// samples: 182 days of one series scraped every 15 s) keeps the whole
/// run under 64 MiB (38 MiB at the cap, a debug build).
pub const SERIES_HELD: usize = 16 << 20;

/// What exposition text may hold of series of metrics the diagnosis does
/// not read ([`READ`]), bytes: past it their samples are counted, not
/// kept.
pub const OTHER_METRICS_HELD: usize = 2 << 20;

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
    pub point_lines: PointLines,
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

/// The source lines of a series' points, stored as runs of lines in
/// arithmetic progression (each point of a CSV column on the next row, of
/// a one-line JSON answer on line 1, of a scrape dump every N lines): a
/// run costs 24 bytes however many points it covers, so a large file's
/// lines take next to nothing beside its points. Reads as the list of
/// lines it stands for (`get`, `iter`, `==` a `Vec<u64>`, serialized as
/// an array).
#[derive(Debug, Clone, Default)]
pub struct PointLines {
    /// (index of the run's first point, its line, step to the next line).
    runs: Vec<(usize, u64, i64)>,
    len: usize,
}

impl PointLines {
    /// Appends the line of the next point.
    pub fn push(&mut self, line: u64) {
        match self.runs.last_mut() {
            Some((start, first, step)) => {
                let k = self.len - *start;
                let expect = (*first as i128) + (*step as i128) * (k as i128);
                if expect != line as i128 {
                    let delta = line as i128 - (*first as i128);
                    match i64::try_from(delta) {
                        Ok(d) if k == 1 => *step = d,
                        _ => self.runs.push((self.len, line, 0)),
                    }
                }
            }
            None => self.runs.push((0, line, 0)),
        }
        self.len += 1;
    }

    /// The line of point `i`.
    pub fn get(&self, i: usize) -> Option<u64> {
        if i >= self.len {
            return None;
        }
        let r = self.runs.partition_point(|&(start, _, _)| start <= i);
        let (start, first, step) = *self.runs.get(r.checked_sub(1)?)?;
        let line = first as i128 + step as i128 * (i - start) as i128;
        u64::try_from(line).ok()
    }

    /// Makes room for the line of the next point within `room` bytes:
    /// the bytes allocated (0 when there was room), `None` when it does not
    /// fit.
    fn reserve_within(&mut self, line: u64, room: usize) -> Option<usize> {
        if !self.needs_run(line) || self.runs.len() < self.runs.capacity() {
            return Some(0);
        }
        let size = std::mem::size_of::<(usize, u64, i64)>();
        let more = self.runs.capacity().max(4).min(room / size);
        if more == 0 {
            return None;
        }
        self.runs.reserve_exact(more);
        Some((self.runs.capacity() - self.runs.len()) * size)
    }

    /// Whether [`PointLines::push`] of `line` starts a run.
    fn needs_run(&self, line: u64) -> bool {
        let Some(&(start, first, step)) = self.runs.last() else {
            return true;
        };
        let k = self.len - start;
        let expect = (first as i128) + (step as i128) * (k as i128);
        expect != line as i128 && (k != 1 || i64::try_from(line as i128 - first as i128).is_err())
    }

    /// The bytes the runs take.
    fn heap_bytes(&self) -> usize {
        self.runs.capacity() * std::mem::size_of::<(usize, u64, i64)>()
    }

    /// How many points have a line.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.runs.clear();
        self.len = 0;
    }

    /// The lines in point order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs
            .iter()
            .enumerate()
            .flat_map(move |(r, &(start, first, step))| {
                let end = self.runs.get(r + 1).map_or(self.len, |n| n.0);
                (0..end - start).map(move |k| (first as i128 + step as i128 * k as i128) as u64)
            })
    }

    /// The lines as a plain list.
    pub fn to_vec(&self) -> Vec<u64> {
        self.iter().collect()
    }
}

impl PartialEq for PointLines {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl PartialEq<Vec<u64>> for PointLines {
    fn eq(&self, other: &Vec<u64>) -> bool {
        self.len == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl FromIterator<u64> for PointLines {
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> Self {
        let mut p = PointLines::default();
        for l in iter {
            p.push(l);
        }
        p
    }
}

impl Serialize for PointLines {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
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

/// One sample, when a series' samples must be sorted.
struct Pending {
    ms: i64,
    value: f64,
    line: u64,
}

struct Builder {
    /// The series; its points and lines are filled as samples come, in
    /// file order, and sorted at the end only when they came out of order.
    series: Series,
    /// Whether every point so far came after the one before in time.
    in_order: bool,
    non_finite: u64,
    non_finite_line: Option<u64>,
    mixed_units: Option<u64>,
}

impl Builder {
    /// The bytes its points and their lines take.
    fn heap_bytes(&self) -> usize {
        self.series.points.capacity() * std::mem::size_of::<(i64, f64)>()
            + self.series.point_lines.heap_bytes()
    }
}

/// Groups samples by (name, labels), in order of first appearance. A
/// sample costs its point (16 bytes) and, in a run of lines, nothing more.
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
                    in_order: true,
                    non_finite: 0,
                    non_finite_line: None,
                    mixed_units: None,
                });
                e.insert(i);
                i
            }
        }
    }

    fn series_ref(&self, i: usize) -> Option<&Series> {
        self.builders.get(i).map(|b| &b.series)
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
            if b.series.points.last().is_some_and(|p| p.0 >= ms) {
                b.in_order = false;
            }
            b.series.points.push((ms, value));
            b.series.point_lines.push(line);
        } else {
            b.non_finite += 1;
            b.non_finite_line.get_or_insert(line);
        }
    }

    /// [`Collector::push`] within `room` bytes of new memory: the bytes
    /// the sample took (its series' points and lines grow by doubling, or
    /// to what fits), `None` when it does not fit (nothing kept). A series
    /// out of time order is sorted at the end, which takes three times its
    /// points for a moment: its bytes count thrice from then on.
    fn push_within(
        &mut self,
        i: usize,
        ms: i64,
        value: f64,
        line: u64,
        room: usize,
    ) -> Option<usize> {
        let b = self.builders.get_mut(i)?;
        if !value.is_finite() {
            self.push(i, ms, value, line);
            return Some(0);
        }
        let weight = |in_order: bool| if in_order { 1 } else { 3 };
        let before = b.heap_bytes() * weight(b.in_order);
        let now_in_order = b.in_order && b.series.points.last().is_none_or(|p| p.0 < ms);
        let w = weight(now_in_order);
        // What is there already costs more once the series is out of order.
        let mut need = (b.heap_bytes() * w).saturating_sub(before);
        if need > room {
            return None;
        }
        let points = &mut b.series.points;
        if points.len() == points.capacity() {
            let size = std::mem::size_of::<(i64, f64)>() * w;
            let more = points
                .capacity()
                .max(4)
                .min(room.saturating_sub(need) / size);
            if more == 0 {
                return None;
            }
            points.reserve_exact(more);
            need += (points.capacity() - points.len()) * size;
        }
        need += b
            .series
            .point_lines
            .reserve_within(line, room.saturating_sub(need) / w)?
            * w;
        self.push(i, ms, value, line);
        Some(need)
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
            if b.series.points.is_empty() {
                continue;
            }
            if !b.in_order {
                sort_points(&mut b.series, &selector, source, w);
            }
            b.series.points.shrink_to_fit();
            out.push(b.series);
        }
        out
    }
}

/// Puts a series' points in time order (a stable sort: of samples at one
/// time the later in the file is kept, with a warning when they disagree).
fn sort_points(series: &mut Series, selector: &str, source: &str, w: &mut Warnings) {
    // The points and lines are let go as the samples are made: at most
    // the samples and the sorted points and lines are held at once (48
    // bytes a point).
    let lines = std::mem::take(&mut series.point_lines);
    let mut samples: Vec<Pending> = std::mem::take(&mut series.points)
        .into_iter()
        .zip(lines.iter())
        .map(|((ms, value), line)| Pending { ms, value, line })
        .collect();
    drop(lines);
    samples.sort_by_key(|p| p.ms);
    let mut conflicts = 0u64;
    let mut conflict_line = None;
    let mut points: Vec<(i64, f64)> = Vec::with_capacity(samples.len());
    let mut lines: Vec<u64> = Vec::with_capacity(samples.len());
    for p in samples {
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
    series.points = points;
    series.point_lines = lines.into_iter().collect();
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
/// plain decimals (`1701496556.123`). `None` for what is no number or
/// lies outside the range of a timestamp. Also the class log's uptimes
/// (`jvm::classload`).
pub(crate) fn seconds_to_ms(tok: &str) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    use super::api::*;
    use super::csv::*;
    use super::text::*;
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn point_lines_are_the_lines_pushed() {
        for lines in [
            vec![],
            vec![7],
            vec![1, 1, 1, 1],
            vec![2, 3, 4, 5, 9, 13, 17, 4, 4, 3, 1, 0],
            vec![5, u64::MAX, 0, u64::MAX, 6, 7],
        ] {
            let p: PointLines = lines.iter().copied().collect();
            assert_eq!(p, lines);
            assert_eq!(p.len(), lines.len());
            for (i, &l) in lines.iter().enumerate() {
                assert_eq!(p.get(i), Some(l), "{lines:?} at {i}");
            }
            assert_eq!(p.get(lines.len()), None);
            assert_eq!(serde_json::to_value(&p).unwrap(), serde_json::json!(lines));
        }
        // A column's lines are one run, however long.
        let p: PointLines = (3..1_000_003).collect();
        assert_eq!(p.runs.len(), 1);
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

    /// A reader that gives at most `n` bytes a call, then fails after
    /// `fail_at` bytes when asked to.
    struct Trickle<'a> {
        rest: &'a [u8],
        n: usize,
        fail_at: Option<usize>,
        given: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.fail_at.is_some_and(|f| self.given >= f) {
                return Err(std::io::Error::other("device gone"));
            }
            let k = self.n.min(buf.len()).min(self.rest.len());
            buf[..k].copy_from_slice(&self.rest[..k]);
            self.rest = &self.rest[k..];
            self.given += k;
            Ok(k)
        }
    }

    /// Streamed in pieces of any size, exposition text gives what the
    /// text in memory gives: series, points, lines, types, warnings (a
    /// series seen before is found by its key's bytes, which a blank or
    /// an escaped quote must not confuse).
    #[test]
    fn text_streamed_is_text_in_memory() {
        let text: &[u8] = b"\xef\xbb\xbf# TYPE m gauge\n\
            m{a=\"1\",b=\"x}\\\"y\"} 3 1700000003000\n\
            m {a=\"1\",b=\"x}\\\"y\"} 1 1700000001000\n\
            m{a=\"1\",b=\"x}\\\"y\"} 2 1700000002000\n\
            m{a=\"2\"} 5 1700000001000\n\
            m{a=\"2\"} oops 1700000002000\n\
            m{a=\"2\"}7 1700000003000\n\
            m{a=\"2\"} 6 1700000004000 junk\n\
            m{a=\"2\"} 6\n\
            m{a=\"2\"} NaN 1700000005000\n\
            {\"m\", a=\"3\"} 1 1700000001000\n\
            {\"m\", a=\"3\"} 2 1700000002000\n\
            u 7\n";
        let (whole, ww) = parse_text("t", text);
        assert_eq!(whole.len(), 3, "{whole:?}");
        assert_eq!(whole[0].points.len(), 3);
        assert_eq!(whole[0].label("b"), Some("x}\"y"));
        assert_eq!(whole[2].points.len(), 2);
        for n in [1, 2, 7, 64, 1 << 20] {
            let r = Trickle {
                rest: text,
                n,
                fail_at: None,
                given: 0,
            };
            let (s, w) = parse_text_reader("t", &text[..text.len().min(20)], r);
            assert_eq!(s, whole, "pieces of {n}");
            assert_eq!(w.items(), ww.items(), "pieces of {n}");
        }
        let lines: Vec<Option<u64>> = ww.items().iter().map(|w| w.line).collect();
        assert_eq!(
            lines,
            [Some(6), Some(7), Some(8), Some(9), Some(13), Some(10)],
            "{:?}",
            ww.items()
        );
    }

    /// A read that fails midway keeps every sample before it and says
    /// where it stopped.
    #[test]
    fn text_read_error_keeps_what_was_read() {
        let mut text = String::new();
        for i in 0..1000i64 {
            text.push_str(&format!(
                "m{{pod=\"p\"}} {i} {}\n",
                1_700_000_000_000 + i * 1000
            ));
        }
        let r = Trickle {
            rest: text.as_bytes(),
            n: 100,
            fail_at: Some(5000),
            given: 0,
        };
        let (s, w) = parse_text_reader("cut", b"", r);
        let kept = s[0].points.len();
        assert!(kept > 100 && kept < 1000, "{kept}");
        let last = w
            .items()
            .last()
            .map(|w| w.message.clone())
            .unwrap_or_default();
        assert!(
            last.starts_with(&format!("read error after line {kept}: device gone")),
            "{last}"
        );
    }

    /// An OpenMetrics file whose head has no `# UNIT`: its `# EOF` makes
    /// it OpenMetrics, and its integer seconds are not called a guess.
    #[test]
    fn openmetrics_learnt_past_the_head() {
        let text = b"m 1 1700000001\nm 2 1700000002\n# EOF\n";
        let (s, w) = parse_text_reader("om", b"m 1", &text[..]);
        assert_eq!(s[0].points[1], (1_700_000_002_000, 2.0));
        assert!(w.is_empty(), "{:?}", w.items());
        let (_, w) = parse_text_reader("p", b"m 1", &b"m 1 1700000001\n"[..]);
        assert_eq!(w.items().len(), 1, "a guess without `# EOF`");
    }

    /// Exposition text holds at most its caps of series: past the one for
    /// metrics not read, their samples are counted, not kept, and the
    /// metrics read are all kept; past the whole cap nothing more is kept,
    /// the series keep what came before, and each cap says so at its first
    /// line not kept. Series out of time order count thrice (their sort).
    #[test]
    fn exposition_text_holds_its_caps() {
        let ws = "container_memory_working_set_bytes";
        let mut text = String::new();
        // Line 1 + 3k: `m` (not read), 2 + 3k: `other{i}` (a new series of
        // a new metric each time), 3 + 3k: the working set.
        for k in 0..3000i64 {
            let t = 1_700_000_000_000 + k * 1000;
            text.push_str(&format!(
                "m{{a=\"b\"}} {k} {t}\nother{k} 1 {t}\n{ws}{{pod=\"p\"}} {k} {t}\n"
            ));
        }
        let held = |caps| parse_text_within("c", b"", text.as_bytes(), caps);
        let (all, w) = held((64 << 20, 64 << 20));
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(all.len(), 3002);
        // Little room for metrics not read: `m` stops early, few `other`
        // series are made, the working set is whole.
        let (s, w) = held((1 << 20, 16 << 10));
        let m = s.iter().find(|s| s.name == "m").unwrap();
        let kept = m.points.len();
        assert!((4..1000).contains(&kept), "{kept}");
        let others = s.iter().filter(|s| s.name.starts_with("other")).count();
        assert!((1..20).contains(&others), "{others}");
        let whole = s.iter().find(|s| s.name == ws).unwrap();
        assert_eq!(whole.points.len(), 3000);
        assert_eq!(
            whole.points,
            all.iter().find(|s| s.name == ws).unwrap().points
        );
        assert_eq!(w.items().len(), 1, "{:?}", w.items());
        let first = w.items()[0].line.unwrap();
        assert_eq!(first, 2 + 3 * others as u64, "the first `other` not kept");
        let not_kept = 6000 - kept - others;
        assert!(
            w.items()[0].message.starts_with(&format!(
                "{not_kept} samples of metrics the diagnosis does not read not kept, from \
                 this line on ({} series of {} metrics): past 16 KiB",
                3000 - others + 1,
                3000 - others + 1,
            )),
            "{}",
            w.items()[0].message
        );
        // A whole cap: the series end at the first line not kept.
        let (s, w) = held((40 << 10, 16 << 10));
        let whole = s.iter().find(|s| s.name == ws).unwrap();
        let n = whole.points.len();
        assert!(n > 100 && n < 3000, "{n}");
        let last = whole.point_lines.get(n - 1).unwrap();
        let over = w
            .items()
            .iter()
            .find(|w| w.message.starts_with("40 KiB of samples held"));
        let over = over.expect("the whole cap is told");
        assert!(
            over.line.unwrap() > last - 3 && over.line.unwrap() <= last + 3,
            "{over:?}"
        );
        // Out of time order: its points count thrice.
        let mut back = String::new();
        for k in 0..3000i64 {
            back.push_str(&format!("{ws} {k} {}\n", 1_700_000_000_000 - k * 1000));
        }
        let (s, _) = parse_text_within("b", b"", back.as_bytes(), (48 << 10, 48 << 10));
        let n = s[0].points.len();
        assert!(n > 500 && n < 1100, "{n}");
        assert!(s[0].points.windows(2).all(|w| w[0].0 < w[1].0));
        // Names without a timestamp past 4,096 are counted, not kept.
        let mut many = String::new();
        for k in 0..5000 {
            many.push_str(&format!("n{k} 1\n"));
        }
        let (s, w) = parse_text("u", many.as_bytes());
        assert!(s.is_empty());
        assert_eq!(w.items().len(), 1, "{:?}", w.items());
        assert!(
            w.items()[0]
                .message
                .contains("5000 samples of more than 4096 metrics skipped"),
            "{}",
            w.items()[0].message
        );
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
        let (series, w) = parse_json("o", one);
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].line, Some(1));
        assert_eq!(series[0].point_lines, vec![1, 1]);
        let pretty = b"{\n \"data\": {\n  \"result\": [\n   {\n    \"metric\": {\"x\": \"[{\\\"\"},\n    \"value\": [\n     1, \"2\"]\n   },\n   {\"metric\": {},\n    \"values\": [[1, \"1\"],\n     [2, \"2\"]]}\n  ]\n }\n}\n";
        let (series, w) = parse_json("p", pretty);
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].name, "");
        assert_eq!(series[0].label("x"), Some("[{\""));
        assert_eq!(series[0].line, Some(5));
        assert_eq!(series[0].point_lines, vec![6]);
        assert_eq!(series[1].line, Some(9));
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
