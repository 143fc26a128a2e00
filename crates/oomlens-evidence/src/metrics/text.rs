//! Prometheus / OpenMetrics exposition text with timestamps, read line by
//! line as it streams ([`parse_text_reader`]; [`parse_text`] for text in
//! memory).

use std::hash::BuildHasher;
use std::io::Read;

use super::*;
use crate::input::LineSink;

/// A label set read from `{...}`: a quoted metric name (Prometheus 3) if
/// one was in it, the labels, and how many bytes it took.
pub(super) type LabelSet = (Option<String>, BTreeMap<String, String>, usize);

/// Reads the label set at the start of `s` (which starts with `{`).
pub(super) fn parse_labels(s: &str) -> Result<LabelSet, String> {
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
pub(super) fn read_quoted(s: &str, i: usize) -> Result<(String, usize), String> {
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
pub(super) struct Sample<'a> {
    pub(super) name: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) value: &'a str,
    pub(super) ts: Option<&'a str>,
}

/// Splits a sample line (already trimmed, not a comment).
pub(super) fn parse_sample(line: &str) -> Result<Sample<'_>, String> {
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
    let (value, ts) = sample_tail(&line[i..])?;
    Ok(Sample {
        name,
        labels,
        value,
        ts,
    })
}

/// The value and the timestamp (if any) of a sample line's text after its
/// series: a blank, the value, then a timestamp or an exemplar (`# ...`).
fn sample_tail(rest: &str) -> Result<(&str, Option<&str>), String> {
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
    Ok((value, ts))
}

/// Suffixes OpenMetrics adds to a family's name in its samples.
pub(super) const FAMILY_SUFFIXES: [&str; 8] = [
    "_total", "_created", "_bucket", "_count", "_sum", "_info", "_gcount", "_gsum",
];

pub(super) fn family_entry<'a>(map: &'a HashMap<String, String>, name: &str) -> Option<&'a String> {
    map.get(name).or_else(|| {
        FAMILY_SUFFIXES
            .iter()
            .find_map(|s| name.strip_suffix(s).and_then(|f| map.get(f)))
    })
}

/// Whether exposition text is OpenMetrics: a `# EOF` or `# UNIT` line.
pub(super) fn is_openmetrics(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|l| {
        let l = trim_cr(l);
        l == b"# EOF" || l.starts_with(b"# UNIT ")
    })
}

/// How a timestamp token was read.
pub(super) enum Stamp {
    Ms(i64),
    /// An integer too small for milliseconds, read as seconds.
    GuessedSeconds(i64),
    Bad,
}

pub(super) fn text_stamp(tok: &str, openmetrics: bool) -> Stamp {
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

/// Parses Prometheus text or OpenMetrics with timestamps, held in memory
/// (the same reader as [`parse_text_reader`]; OpenMetrics is told from the
/// whole text).
pub fn parse_text(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let mut p = TextParser::new(source, is_openmetrics(strip_bom(text)));
    // A slice cannot fail to read.
    let _ = crate::input::scan_lines(text, None, &mut p);
    p.finish()
}

/// Parses Prometheus text or OpenMetrics with timestamps as it is read,
/// line by line through [`crate::input::scan_lines`]: of the input only a
/// bounded buffer is held, and of the series at most [`SERIES_HELD`]
/// bytes (their points, 16 bytes a sample, their lines and keys), so
/// memory is flat whatever the file's size. Series of metrics the
/// diagnosis does not read ([`READ`]) are kept while the samples held are
/// under [`OTHER_METRICS_HELD`]; past it their samples are counted, not
/// kept, in one warning at the first line not kept ("N samples of metrics
/// the diagnosis does not read not kept ... (S series of M metrics)").
/// Past [`SERIES_HELD`] no sample is kept, with a warning at the first line
/// not kept: the series keep what came before it. Past 4,096 metric
/// names, `# TYPE`/`# UNIT` lines and samples without a timestamp of new
/// names are counted, not remembered. `head`, the input's first bytes, says
/// whether it is OpenMetrics (a `# UNIT` or `# EOF` line in it); one met
/// later makes the rest read as OpenMetrics. A read that fails midway
/// keeps what came before, with a warning.
pub fn parse_text_reader(source: &str, head: &[u8], input: impl Read) -> (Vec<Series>, Warnings) {
    parse_text_within(source, head, input, (SERIES_HELD, OTHER_METRICS_HELD))
}

/// [`parse_text_reader`] holding at most `held.0` bytes of series, of
/// which `held.1` for metrics not read.
pub(super) fn parse_text_within(
    source: &str,
    head: &[u8],
    input: impl Read,
    held: (usize, usize),
) -> (Vec<Series>, Warnings) {
    let mut p = TextParser::new(source, is_openmetrics(strip_bom(head)));
    p.caps = held;
    if let Err(e) = crate::input::scan_lines(input, None, &mut p) {
        let at = p.lines;
        p.w.push(
            source,
            None,
            format!("read error after line {at}: {e}; the lines before it are kept"),
        );
    }
    p.finish()
}

/// What a series is counted to take beside its key and its samples (its
/// entries in three tables, its label map's nodes), bytes.
const SERIES_COST: usize = 1024;

/// The longest metric name remembered for its `# TYPE`, `# UNIT` or
/// samples without a timestamp (a longer one is counted, not kept).
const MAX_NAME: usize = 256;

/// What a key in `known` is counted to take beside its bytes.
const KEY_COST: usize = 64;

/// How many metric names are remembered for their `# TYPE`, `# UNIT`,
/// samples without a timestamp, or series not kept (those of [`READ`]
/// always are): past it the rest are counted.
const MAX_NAMES: usize = 4096;

/// How many series not kept are told apart (by a hash of their key):
/// past it the count says "at least".
const MAX_COUNTED: usize = 1 << 16;

/// Samples not kept, counted: how many, of how many series and metrics,
/// from which line.
#[derive(Default)]
struct NotKept {
    samples: u64,
    first: Option<u64>,
    series: rustc_hash::FxHashSet<u64>,
    metrics: rustc_hash::FxHashSet<u64>,
}

impl NotKept {
    /// One sample of the series written `key`, of metric `name`, at line
    /// `n`.
    fn note(&mut self, key: &[u8], name: &str, n: u64) {
        self.samples += 1;
        self.first.get_or_insert(n);
        if self.series.len() < MAX_COUNTED {
            self.series.insert(rustc_hash::FxBuildHasher.hash_one(key));
        }
        if self.metrics.len() < MAX_NAMES {
            self.metrics
                .insert(rustc_hash::FxBuildHasher.hash_one(name));
        }
    }

    /// "N series" or "at least N series".
    fn series_count(&self) -> String {
        let n = self.series.len();
        let at_least = if n >= MAX_COUNTED { "at least " } else { "" };
        format!("{at_least}{n} series")
    }

    /// "N metrics" or "at least N metrics".
    fn metric_count(&self) -> String {
        let n = self.metrics.len();
        let at_least = if n >= MAX_NAMES { "at least " } else { "" };
        format!("{at_least}{n} metric{}", plural(n as u64))
    }
}

/// The state of one exposition text read line by line.
struct TextParser<'s> {
    source: &'s str,
    w: Warnings,
    openmetrics: bool,
    /// Whether `openmetrics` was learnt past the head (integer timestamps
    /// before it were read as Prometheus text reads them).
    openmetrics_late: bool,
    types: HashMap<String, String>,
    units: HashMap<String, String>,
    col: Collector,
    /// A timed series' key as written (`name{labels}`, up to its value) to
    /// its index in `col`: a line of a series already seen is split
    /// without building its name and labels again.
    known: rustc_hash::FxHashMap<Box<[u8]>, usize>,
    /// Samples without a timestamp, per name: (count, first line).
    untimed: Vec<(String, u64, u64)>,
    untimed_index: HashMap<String, usize>,
    timed: u64,
    /// The bytes the series and their samples take (their points, lines
    /// and keys, as allocated): at most [`SERIES_HELD`].
    held: usize,
    /// At most this many bytes of series are held, of which `.1` for
    /// metrics not read ([`SERIES_HELD`], [`OTHER_METRICS_HELD`]).
    caps: (usize, usize),
    /// Whether the series of index `i` is of a metric read ([`is_read`]).
    read: Vec<bool>,
    /// Samples of metrics not read, not kept past [`OTHER_METRICS_HELD`].
    other: NotKept,
    /// Samples not kept past [`SERIES_HELD`].
    over: NotKept,
    /// Samples without a timestamp of names past [`MAX_NAMES`] names, or
    /// longer than [`MAX_NAME`].
    untimed_more: u64,
    eof: Option<u64>,
    after_eof: u64,
    guessed: Option<u64>,
    lines: u64,
}

impl<'s> TextParser<'s> {
    fn new(source: &'s str, openmetrics: bool) -> Self {
        TextParser {
            source,
            w: Warnings::new(),
            openmetrics,
            openmetrics_late: false,
            types: HashMap::new(),
            units: HashMap::new(),
            col: Collector::default(),
            known: rustc_hash::FxHashMap::default(),
            untimed: Vec::new(),
            untimed_index: HashMap::new(),
            timed: 0,
            held: 0,
            caps: (SERIES_HELD, OTHER_METRICS_HELD),
            read: Vec::new(),
            other: NotKept::default(),
            over: NotKept::default(),
            untimed_more: 0,
            eof: None,
            after_eof: 0,
            guessed: None,
            lines: 0,
        }
    }

    /// A comment line (`rest` after its `#`).
    fn comment(&mut self, rest: &str, n: u64) {
        let rest = rest.trim_start();
        if rest == "EOF" {
            self.eof = Some(n);
            self.learn_openmetrics();
            return;
        }
        let mut it = rest.splitn(3, [' ', '\t']);
        let kw = it.next().unwrap_or("");
        let family = it.next().unwrap_or("");
        let arg = it.next().unwrap_or("").trim();
        // A family's type and unit are remembered for the first names.
        let remember = |n: usize| (n < MAX_NAMES && family.len() <= MAX_NAME) || is_read(family);
        match kw {
            "TYPE" if !family.is_empty() && !arg.is_empty() && remember(self.types.len()) => {
                self.types.insert(family.to_string(), arg.to_string());
            }
            "UNIT" if !family.is_empty() && !arg.is_empty() => {
                if remember(self.units.len()) {
                    self.units.insert(family.to_string(), arg.to_string());
                }
                self.learn_openmetrics();
            }
            _ => {}
        }
    }

    fn learn_openmetrics(&mut self) {
        if !self.openmetrics {
            self.openmetrics = true;
            self.openmetrics_late = true;
        }
    }

    /// A sample line (trimmed, not a comment).
    fn sample(&mut self, t: &str, n: u64) {
        let source = self.source;
        // A series seen before: only its value and timestamp are read.
        let hit = series_key_end(t.as_bytes()).and_then(|end| {
            let i = *self.known.get(&t.as_bytes()[..end])?;
            Some((end, i))
        });
        let split = match hit {
            Some((end, i)) => sample_tail(&t[end..]).map(|(value, ts)| (Some(i), value, ts, None)),
            None => parse_sample(t).map(|s| (None, s.value, s.ts, Some((s.name, s.labels)))),
        };
        let (known, value, ts, name) = match split {
            Ok(split) => split,
            Err(e) => {
                self.w.push(
                    source,
                    Some(n),
                    format!("not a sample ({e}): `{}`", clip(t, 120)),
                );
                return;
            }
        };
        let Some(value) = parse_float(value) else {
            self.w.push(
                source,
                Some(n),
                format!("`{}` is not a number: sample skipped", clip(value, 40)),
            );
            return;
        };
        let Some(tok) = ts else {
            let name = match (name, known) {
                (Some((name, _)), _) => name,
                (None, Some(i)) => self
                    .col
                    .series_mut(i)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                (None, None) => return,
            };
            let full = self.untimed.len() >= MAX_NAMES || name.len() > MAX_NAME;
            match self.untimed_index.entry(name) {
                Entry::Occupied(e) => {
                    if let Some(u) = self.untimed.get_mut(*e.get()) {
                        u.1 += 1;
                    }
                }
                Entry::Vacant(_) if full => self.untimed_more += 1,
                Entry::Vacant(e) => {
                    self.untimed.push((e.key().clone(), 1, n));
                    e.insert(self.untimed.len() - 1);
                }
            }
            return;
        };
        let ms = match text_stamp(tok, self.openmetrics) {
            Stamp::Ms(ms) => ms,
            Stamp::GuessedSeconds(ms) => {
                self.guessed.get_or_insert(n);
                ms
            }
            Stamp::Bad => {
                self.w.push(
                    source,
                    Some(n),
                    format!("`{}` is not a timestamp: sample skipped", clip(tok, 40)),
                );
                return;
            }
        };
        self.timed += 1;
        let key_end = series_key_end(t.as_bytes());
        let key = &t.as_bytes()[..key_end.unwrap_or(t.len())];
        let i = match (known, name) {
            (Some(i), _) => i,
            (None, Some((name, labels))) => {
                // The key as written in `known`, the name and labels in the
                // series and again in the collector's index, and their
                // tables' entries.
                let cost = SERIES_COST + 3 * key.len();
                let read = is_read(&name);
                if cost > self.room(read) {
                    let not_kept = if read {
                        &mut self.over
                    } else {
                        &mut self.other
                    };
                    not_kept.note(key, &name, n);
                    return;
                }
                let i = self.col.series(name, labels, n);
                if i == self.read.len() {
                    self.read.push(read);
                    self.held += cost;
                } else {
                    // A series seen before, written another way (blanks):
                    // this spelling's key in `known`.
                    self.held += KEY_COST + key.len();
                }
                if key_end.is_some() {
                    self.known.insert(key.into(), i);
                }
                i
            }
            (None, None) => return,
        };
        let read = self.read.get(i).copied().unwrap_or(true);
        if let Some(series) = self.col.series_mut(i) {
            if series.metric_type.is_none() {
                series.metric_type = family_entry(&self.types, &series.name).cloned();
            }
            if series.unit.is_none() {
                series.unit = family_entry(&self.units, &series.name).cloned();
            }
        }
        match self.col.push_within(i, ms, value, n, self.room(read)) {
            Some(bytes) => self.held += bytes,
            None => {
                let name = self.col.series_ref(i).map_or("", |s| s.name.as_str());
                let not_kept = if read {
                    &mut self.over
                } else {
                    &mut self.other
                };
                not_kept.note(key, name, n);
            }
        }
    }

    /// The bytes a series of a metric read (or not) may still take.
    fn room(&self, read: bool) -> usize {
        let cap = if read { self.caps.0 } else { self.caps.1 };
        cap.saturating_sub(self.held)
    }

    fn finish(mut self) -> (Vec<Series>, Warnings) {
        let source = self.source;
        let w = &mut self.w;
        // Read as seconds is what OpenMetrics says they are: no guess.
        if let (Some(line), false) = (self.guessed, self.openmetrics_late) {
            w.push(
                source,
                Some(line),
                "integer timestamps too small for milliseconds were read as seconds",
            );
        }
        let untimed_total: u64 = self.untimed.iter().map(|u| u.1).sum::<u64>() + self.untimed_more;
        if self.timed == 0 && untimed_total > 0 {
            let first = self.untimed.iter().map(|u| u.2).min();
            w.push(
                source,
                first,
                format!(
                    "no sample has a timestamp: this is one scrape, not a time series; \
                     {untimed_total} sample{} of {}{} metric{} skipped (save `/federate`, or an \
                     API `query_range` answer, to see memory over time)",
                    plural(untimed_total),
                    if self.untimed_more > 0 {
                        "more than "
                    } else {
                        ""
                    },
                    self.untimed.len(),
                    plural(self.untimed.len() as u64)
                ),
            );
        } else {
            for (name, count, line) in &self.untimed {
                w.push(
                    source,
                    Some(*line),
                    format!(
                        "{name}: {count} sample{} without a timestamp skipped (one instant is \
                         not a time series)",
                        plural(*count)
                    ),
                );
            }
        }
        if self.untimed_more > 0 && self.timed > 0 {
            w.push(
                source,
                None,
                format!(
                    "{} more sample{} without a timestamp, of metrics past the first \
                     {MAX_NAMES} names or with names over {MAX_NAME} bytes, skipped",
                    self.untimed_more,
                    plural(self.untimed_more)
                ),
            );
        }
        if let Some(line) = self.other.first {
            let o = &self.other;
            w.push(
                source,
                Some(line),
                format!(
                    "{} sample{} of metrics the diagnosis does not read not kept, from this \
                     line on ({} of {}): past {} of samples held, only the metrics it reads \
                     are kept ({})",
                    o.samples,
                    plural(o.samples),
                    o.series_count(),
                    o.metric_count(),
                    crate::units::format::size(self.caps.1 as u64),
                    READ.join(", ")
                ),
            );
        }
        if let Some(line) = self.over.first {
            let o = &self.over;
            w.push(
                source,
                Some(line),
                format!(
                    "{} of samples held: {} sample{} not kept, from this line on ({}); the \
                     series end before it (give a shorter range, or split the file)",
                    crate::units::format::size(self.caps.0 as u64),
                    o.samples,
                    plural(o.samples),
                    o.series_count()
                ),
            );
        }
        drop(self.known);
        let series = self.col.finish(source, w);
        if series.is_empty() && w.is_empty() {
            w.push(source, None, "no samples");
        }
        (series, self.w)
    }
}

impl LineSink for TextParser<'_> {
    fn line(&mut self, n: u64, raw: &[u8]) {
        self.lines = n;
        let raw = if n == 1 { strip_bom(raw) } else { raw };
        let Ok(line) = std::str::from_utf8(trim_cr(raw)) else {
            self.w.push(self.source, Some(n), "not UTF-8: line skipped");
            return;
        };
        let t = line.trim();
        if t.is_empty() {
            return;
        }
        if let Some(at) = self.eof {
            self.after_eof += 1;
            if self.after_eof == 1 {
                self.w.push(
                    self.source,
                    Some(n),
                    format!("text after `# EOF` (line {at}) ignored"),
                );
            }
            return;
        }
        match t.strip_prefix('#') {
            Some(rest) => self.comment(rest, n),
            None => self.sample(t, n),
        }
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((self.source, &mut self.w))
    }
}

/// Where the series of a sample line ends (its name and label set, as
/// [`parse_sample`] reads them): the byte after the name, or after the
/// `}` of the label set (quoted text skipped, escapes included). `None`
/// when there is neither or the set is not closed.
fn series_key_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while b.get(i).is_some_and(|&c| is_ident(c)) {
        i += 1;
    }
    let j = skip_blank(b, i);
    if b.get(j) != Some(&b'{') {
        return (i > 0).then_some(i);
    }
    let mut k = j + 1;
    loop {
        k += memchr::memchr2(b'"', b'}', b.get(k..)?)?;
        if b[k] == b'}' {
            return Some(k + 1);
        }
        // Past the quoted text that opens at `k`.
        k += 1;
        loop {
            k += memchr::memchr2(b'"', b'\\', b.get(k..)?)?;
            if b[k] == b'"' {
                break;
            }
            k += 2;
        }
        k += 1;
    }
}

/// Whether a head looks like exposition text: comment lines Prometheus
/// writes (`# HELP`, `# TYPE`, `# UNIT`, `# EOF`) with samples, or lines
/// that are mostly samples with timestamps. Bare `name value` lines
/// (`memory.stat`, `/proc/vmstat`) are not taken: they carry no time.
pub(super) fn looks_like_exposition(head: &[u8]) -> bool {
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
