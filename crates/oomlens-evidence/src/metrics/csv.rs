//! CSV exported from Grafana panels, any layout ([`parse_csv`]); value
//! cells are read by [`crate::units::parse::grafana_value`].

use super::text::parse_labels;
use super::*;

pub(super) struct Cell {
    text: String,
    quoted: bool,
}

pub(super) struct Record {
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
pub(super) fn csv_records(text: &str, delim: char) -> (Vec<Record>, Option<u64>) {
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
pub(super) fn detect_delimiter(line: &str) -> Option<char> {
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
pub(super) fn excel_sep(line: &str) -> Option<char> {
    let rest = line.trim().strip_prefix("sep=")?;
    let mut chars = rest.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Whether a header cell names a time column.
pub(super) fn is_time_header(h: &str) -> bool {
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
pub(super) fn is_series_header(h: &str) -> bool {
    ["series", "metric", "name", "series name"]
        .iter()
        .any(|n| h.trim().eq_ignore_ascii_case(n))
}

/// A time cell: (milliseconds, whether a zone-less stamp was read as UTC).
pub(super) fn csv_time(s: &str) -> Option<(i64, bool)> {
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
pub(super) fn looks_like_date(s: &str) -> bool {
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
pub(super) fn name_and_labels(h: &str) -> (String, BTreeMap<String, String>) {
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
pub(super) struct Layout {
    time: usize,
    /// Columns of names (`Series`) or labels, with their headers.
    series_col: Option<usize>,
    label_cols: Vec<(usize, String)>,
    /// Value columns with their header, split into name and labels.
    value_cols: Vec<(usize, String, String, BTreeMap<String, String>)>,
}

pub(super) fn layout(header: &[String], rows: &[Record], time: usize, delim: char) -> Layout {
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
pub(super) fn looks_like_csv(head: &[u8]) -> bool {
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
