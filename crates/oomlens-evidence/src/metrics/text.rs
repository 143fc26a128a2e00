//! Prometheus / OpenMetrics exposition text with timestamps ([`parse_text`]).

use super::*;

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
