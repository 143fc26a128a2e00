//! CSV exported from Grafana panels, any layout ([`parse_csv`]); value
//! cells are read by [`crate::units::parse::grafana_value`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use ::csv::ByteRecord;

use super::text::parse_labels;
use super::*;

/// Rows read to choose how a table's columns are used (label or value).
const LAYOUT_ROWS: usize = 200;

/// One CSV record with the line it starts on.
pub(super) struct Row {
    line: u64,
    cells: ByteRecord,
}

impl Row {
    /// Whether every cell is empty or white space (a table separator).
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim_ascii().is_empty())
    }

    /// Cell `i`, trimmed; invalid UTF-8 shows as U+FFFD.
    fn cell(&self, i: usize) -> Option<Cow<'_, str>> {
        self.cells
            .get(i)
            .map(|c| String::from_utf8_lossy(c.trim_ascii()))
    }

    fn len(&self) -> usize {
        self.cells.len()
    }
}

/// A `csv` reader over `body`: no header handling (tables are found here),
/// rows of any width, cells kept as written.
fn reader<R: Read>(body: R, delim: u8) -> ::csv::Reader<R> {
    ::csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
}

/// The line a record starts on, and whether an empty line comes before it.
/// `csv` positions a record where the previous one stopped: before the `\n`
/// of a CRLF and before the empty lines it skips. `body` is the input from
/// that position on (as far as it was read).
fn record_start(body: &[u8], pos: &::csv::Position, after_cr: bool) -> (u64, bool) {
    let skipped = body
        .iter()
        .take_while(|&&b| matches!(b, b'\r' | b'\n'))
        .count();
    let region = &body[..skipped];
    let breaks = bytecount::count(region, b'\n') as u64;
    let ends_crlf = after_cr && region.first() == Some(&b'\n');
    (pos.line() + breaks, breaks > u64::from(ends_crlf))
}

/// The bytes the `csv` reader took from the input and the parser may still
/// look at: from the start of the record being read on. [`Tap`] appends
/// what is read; the parser drops what lies before a finished record.
#[derive(Default)]
struct Window {
    /// The input offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
    /// Newlines before `base`.
    lines_before: u64,
    /// Whether the input's end was reached.
    eof: bool,
}

impl Window {
    /// Forgets the bytes before input offset `to` (in large steps: a
    /// record's bytes are not moved each time).
    fn drop_before(&mut self, to: u64) {
        let n = usize::try_from(to.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if n >= 1 << 16 {
            self.lines_before += bytecount::count(&self.bytes[..n], b'\n') as u64;
            self.bytes.drain(..n);
            self.base += n as u64;
        }
    }

    /// The bytes from input offset `at` on, and whether the byte before it
    /// is a `\r`.
    fn from(&self, at: u64) -> (&[u8], bool) {
        let i = usize::try_from(at.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        (&self.bytes[i..], i > 0 && self.bytes[i - 1] == b'\r')
    }
}

/// The input as the `csv` reader reads it, each chunk also kept in the
/// [`Window`].
struct Tap<R> {
    inner: R,
    window: Rc<RefCell<Window>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut w = self.window.borrow_mut();
        if n == 0 && !buf.is_empty() {
            w.eof = true;
        }
        w.bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// The first record of one line of text, if any.
fn first_record(line: &str, delim: u8) -> Option<Row> {
    let mut cells = ByteRecord::new();
    match reader(line.as_bytes(), delim).read_byte_record(&mut cells) {
        Ok(true) => Some(Row { line: 1, cells }),
        _ => None,
    }
}

/// The line of the quote that opens the last field of `body` when that
/// quote is never closed. `csv` reads such a field to the end of the input
/// without a word; it is the one case where the raw tail of the input is
/// `"` (at a field start) followed by the field's text with its quotes
/// doubled and no closing quote.
fn unclosed_quote(body: &[u8], last: &ByteRecord, delim: u8) -> Option<u64> {
    let field = last.get(last.len().checked_sub(1)?)?;
    let quotes = bytecount::count(field, b'"');
    let raw_len = field.len() + quotes + 1;
    let start = body.len().checked_sub(raw_len)?;
    let raw = &body[start..];
    if raw[0] != b'"'
        || (start > 0 && !matches!(body[start - 1], b'\n' | b'\r') && body[start - 1] != delim)
    {
        return None;
    }
    let mut escaped = Vec::with_capacity(raw_len - 1);
    for &b in field {
        escaped.push(b);
        if b == b'"' {
            escaped.push(b'"');
        }
    }
    (raw[1..] == escaped[..]).then(|| bytecount::count(&body[..start], b'\n') as u64 + 1)
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
    /// Each value column's series once known, when the column alone names
    /// it (no `Series` column, no label columns): looked up once, not per
    /// cell.
    fixed: Vec<std::cell::Cell<Option<usize>>>,
}

pub(super) fn layout(header: &[String], rows: &[Row], time: usize, delim: char) -> Layout {
    let mut l = Layout {
        time,
        series_col: None,
        label_cols: Vec::new(),
        value_cols: Vec::new(),
        fixed: Vec::new(),
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
        for r in rows.iter().take(LAYOUT_ROWS) {
            match r.cell(c).map(|s| parse_quantity(&s, delim)) {
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
    l.fixed = vec![std::cell::Cell::new(None); l.value_cols.len()];
    l
}

/// Where the reader is in the current table.
enum Table {
    /// Before the first header, or in a table whose header has no time
    /// column (its rows are skipped).
    None,
    /// A header was read; rows wait here until [`LAYOUT_ROWS`] of them
    /// decide the layout.
    Pending {
        header: Vec<String>,
        header_line: u64,
        time: usize,
        rows: Vec<Row>,
    },
    /// Rows stream through this layout.
    Laid(Layout),
    /// A table without value columns: rows skipped.
    Skipped,
}

/// The state of one CSV parse: the series collected and what was said.
struct CsvParse<'a> {
    source: &'a str,
    delim: char,
    col: Collector,
    w: Warnings,
    utc_warned: bool,
}

impl CsvParse<'_> {
    /// Chooses the layout of a pending table from its rows, streams them
    /// through it and returns the table's new state.
    fn lay_out(&mut self, header: &[String], header_line: u64, time: usize, rows: &[Row]) -> Table {
        let lay = layout(header, rows, time, self.delim);
        if lay.value_cols.is_empty() {
            self.w.push(
                self.source,
                Some(header_line),
                "no column of numbers beside the time column: table skipped",
            );
            return Table::Skipped;
        }
        for row in rows {
            self.row(&lay, row);
        }
        Table::Laid(lay)
    }

    /// Finishes the table in `t` (lays out what still waits).
    fn finish_table(&mut self, t: Table) {
        if let Table::Pending {
            header,
            header_line,
            time,
            rows,
        } = t
        {
            self.lay_out(&header, header_line, time, &rows);
        }
    }

    /// A record where a table starts: its header (or, headerless, its
    /// first row).
    fn header(&mut self, rec: Row) -> Table {
        let header: Vec<String> = (0..rec.len())
            .map(|i| rec.cell(i).unwrap_or_default().into_owned())
            .collect();
        let named_time = header.iter().position(|h| is_time_header(h));
        let headerless = named_time.is_none()
            && header.len() >= 2
            && header
                .first()
                .is_some_and(|h| (looks_like_date(h) || h.len() >= 10) && csv_time(h).is_some());
        match (named_time, headerless) {
            (Some(time), _) => Table::Pending {
                header,
                header_line: rec.line,
                time,
                rows: Vec::new(),
            },
            (None, true) => Table::Pending {
                header: (0..header.len())
                    .map(|c| format!("column {}", c + 1))
                    .collect(),
                header_line: rec.line,
                time: 0,
                rows: vec![rec],
            },
            (None, false) => {
                self.w.push(
                    self.source,
                    Some(rec.line),
                    "no time column (`Time`, `time`, `Timestamp`, `Date`) in this header: \
                     table skipped",
                );
                Table::None
            }
        }
    }

    /// One row of a laid-out table: a point for every value cell.
    fn row(&mut self, lay: &Layout, row: &Row) {
        let source = self.source;
        let tcell = row.cell(lay.time).unwrap_or_default();
        let Some((ms, assumed)) = csv_time(&tcell) else {
            self.w.push(
                source,
                Some(row.line),
                format!("`{}` is not a time: row skipped", clip(&tcell, 40)),
            );
            return;
        };
        if assumed && !self.utc_warned {
            self.utc_warned = true;
            self.w.push(
                source,
                Some(row.line),
                format!(
                    "times like `{}` have no zone: read as UTC (Grafana writes them in the \
                     browser's zone; export with epoch or RFC 3339 times to be sure)",
                    clip(&tcell, 40)
                ),
            );
        }
        let mut extra = BTreeMap::new();
        for (c, h) in &lay.label_cols {
            let v = row.cell(*c).unwrap_or_default();
            if !v.is_empty() {
                extra.insert(h.clone(), v.into_owned());
            }
        }
        let series_cell = lay.series_col.map(|c| row.cell(c).unwrap_or_default());
        let fixed = lay.series_col.is_none() && lay.label_cols.is_empty();
        for (k, (c, h, name, labels)) in lay.value_cols.iter().enumerate() {
            let cell = row.cell(*c).unwrap_or_default();
            let (v, unit) = match parse_quantity(&cell, self.delim) {
                Quantity::Empty => continue,
                Quantity::Bad => {
                    self.w.push(
                        source,
                        Some(row.line),
                        format!(
                            "column `{}`: `{}` is not a number",
                            clip(h, 60),
                            clip(&cell, 40)
                        ),
                    );
                    continue;
                }
                Quantity::Value(v, unit) => (v, unit),
            };
            let known = lay.fixed.get(k).filter(|_| fixed);
            if let Some(i) = known.and_then(std::cell::Cell::get) {
                self.col.unit(i, unit.as_deref(), row.line);
                self.col.push(i, ms, v, row.line);
                continue;
            }
            let (name, mut labels) = match &series_cell {
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
            let i = self.col.series(name, labels, row.line);
            if let Some(cell) = known {
                cell.set(Some(i));
            }
            self.col.unit(i, unit.as_deref(), row.line);
            self.col.push(i, ms, v, row.line);
        }
    }
}

/// Parses a CSV export (Grafana's, or any with a time column) in memory:
/// [`parse_csv_reader`] over the bytes.
pub fn parse_csv(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    parse_csv_reader(source, text)
}

/// Parses a CSV export (Grafana's, or any with a time column) as it is
/// read. Records stream from the `csv` reader; only the first
/// [`LAYOUT_ROWS`] rows of a table wait (to choose its layout) before they
/// become points, and of the input only the record being read is held:
/// memory is the series' points, whatever the file's size. A read that
/// fails midway keeps what came before, with a warning.
pub fn parse_csv_reader(source: &str, input: impl Read) -> (Vec<Series>, Warnings) {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut w = Warnings::new();
    // A byte-order mark, leading blank lines, then Excel's `sep=` line.
    if input
        .fill_buf()
        .is_ok_and(|b| b.starts_with(b"\xef\xbb\xbf"))
    {
        input.consume(3);
    }
    let mut skipped_lines = 0u64;
    let mut first = Vec::new();
    loop {
        first.clear();
        let limit = crate::input::MAX_LINE as u64;
        match (&mut input).take(limit).read_until(b'\n', &mut first) {
            Ok(0) => break,
            Ok(_) if first.trim_ascii().is_empty() && first.ends_with(b"\n") => {
                skipped_lines += 1;
            }
            Ok(_) => break,
            Err(e) => {
                w.push(source, None, format!("read error: {e}"));
                return (Vec::new(), w);
            }
        }
    }
    let first_line = String::from_utf8_lossy(first.strip_suffix(b"\n").unwrap_or(&first));
    let delim = match excel_sep(&first_line) {
        Some(d) => {
            first.clear();
            skipped_lines += 1;
            d
        }
        None => detect_delimiter(&first_line).unwrap_or(','),
    };
    let mut p = CsvParse {
        source,
        delim,
        col: Collector::default(),
        w,
        utc_warned: false,
    };
    let mut table = Table::None;
    let Ok(delim_byte) = u8::try_from(delim) else {
        p.w.push(
            source,
            Some(skipped_lines),
            format!("`sep={delim}` is not a one-byte delimiter"),
        );
        return (Vec::new(), p.w);
    };
    let window = Rc::new(RefCell::new(Window::default()));
    let mut rdr = reader(
        Tap {
            inner: std::io::Cursor::new(first).chain(input),
            window: Rc::clone(&window),
        },
        delim_byte,
    );
    let mut rec = ByteRecord::new();
    // Whether a blank line came since the last record.
    let mut gap = false;
    let mut open_quote = None;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Only a failed read: `csv` checks neither widths nor UTF-8
                // here.
                p.w.push(source, None, format!("read error: {e}"));
                break;
            }
        }
        let (line, blank_before) = {
            let win = window.borrow();
            let end = rdr.position().byte();
            let at_end = win.eof && end == win.base + win.bytes.len() as u64;
            match rec.position() {
                Some(pos) => {
                    let (body, after_cr) = win.from(pos.byte());
                    if at_end {
                        open_quote = unclosed_quote(body, &rec, delim_byte).map(|l| {
                            l + win.lines_before
                                + bytecount::count(
                                    &win.bytes[..win.bytes.len() - body.len()],
                                    b'\n',
                                ) as u64
                        });
                    }
                    record_start(body, pos, after_cr)
                }
                None => (1, false),
            }
        };
        if let Some(pos) = rec.position() {
            window.borrow_mut().drop_before(pos.byte());
        }
        gap |= blank_before;
        let row = Row {
            line: line + skipped_lines,
            cells: std::mem::take(&mut rec),
        };
        if row.is_blank() {
            gap = true;
            rec = row.cells;
            continue;
        }
        let new_table = match table {
            Table::None => true,
            _ => gap && (0..row.len()).any(|i| row.cell(i).is_some_and(|c| is_time_header(&c))),
        };
        gap = false;
        if new_table {
            let done = std::mem::replace(&mut table, Table::None);
            p.finish_table(done);
            table = p.header(row);
            continue;
        }
        match &mut table {
            Table::Pending {
                header,
                header_line,
                time,
                rows,
            } => {
                rows.push(row);
                if rows.len() >= LAYOUT_ROWS {
                    let (header, header_line, time, rows) = (
                        std::mem::take(header),
                        *header_line,
                        *time,
                        std::mem::take(rows),
                    );
                    table = p.lay_out(&header, header_line, time, &rows);
                }
            }
            Table::Laid(lay) => {
                p.row(lay, &row);
                rec = row.cells;
            }
            Table::None | Table::Skipped => rec = row.cells,
        }
    }
    p.finish_table(table);
    if let Some(line) = open_quote {
        p.w.push(
            source,
            Some(line + skipped_lines),
            "a quoted cell is never closed: the rest of the file is one cell",
        );
    }
    let mut w = p.w;
    let series = p.col.finish(source, &mut w);
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
    let Ok(delim_byte) = u8::try_from(delim) else {
        return false;
    };
    let Some(rec) = first_record(first, delim_byte) else {
        return false;
    };
    if rec.len() < 2 {
        return false;
    }
    if (0..rec.len()).any(|i| rec.cell(i).is_some_and(|c| is_time_header(&c))) {
        return true;
    }
    // Headerless: rows of a time and numbers.
    let row_ok = |r: &Row| {
        r.len() >= 2
            && r.cell(0)
                .is_some_and(|t| (looks_like_date(&t) || t.len() >= 10) && csv_time(&t).is_some())
            && (1..r.len()).all(|i| {
                !matches!(
                    parse_quantity(&r.cell(i).unwrap_or_default(), delim),
                    Quantity::Bad
                )
            })
    };
    row_ok(&rec)
        && lines
            .next()
            .is_none_or(|l| first_record(l, delim_byte).is_some_and(|r| row_ok(&r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warnings of a quoted cell never closed.
    fn never_closed(w: &Warnings) -> Vec<&crate::provenance::Warning> {
        w.items()
            .iter()
            .filter(|w| w.message.contains("never closed"))
            .collect()
    }

    #[test]
    fn an_unclosed_quote_is_named_at_its_line() {
        let (s, w) = parse_csv("q", b"Time,a\n1000000000000,1\n1000000001000,\"2\n3\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].points, vec![(1_000_000_000_000, 1.0)]);
        let open = never_closed(&w);
        assert_eq!(open.len(), 1, "{:?}", w.items());
        assert_eq!(open[0].line, Some(3));
        // Closed quotes, doubled quotes and an empty quoted cell at the end
        // are not.
        for text in [
            &b"Time,a\n1000000000000,\"1\"\n"[..],
            b"Time,a\n1000000000000,\"1\"",
            b"Time,a,b\n1000000000000,1,\"\"",
            b"Time,a,b\n1000000000000,1,\"x\"\"\"",
        ] {
            let (_, w) = parse_csv("q", text);
            assert!(
                w.items()
                    .iter()
                    .all(|w| !w.message.contains("never closed")),
                "{:?}",
                w.items()
            );
        }
    }

    #[test]
    fn lines_count_crlf_blank_lines_and_multiline_cells() {
        let (s, w) = parse_csv(
            "l",
            b"\r\nTime,\"a\r\nb\"\r\n1000000000000,1\r\n\r\n\r\n1000000001000,2\r\n",
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(s[0].name, "a\r\nb");
        assert_eq!(s[0].point_lines, vec![4, 7]);
        // A blank line followed by a header starts a table; followed by a
        // row it does not.
        let (s, _) = parse_csv("t", b"Time,a\n1000000000000,1\n\nTime,b\n1000000000000,2\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].point_lines, vec![5]);
    }

    /// Read a few bytes at a time, past the window's trimming: lines of
    /// rows, of a table after a blank line and of a quote never closed
    /// are those of the whole text.
    #[test]
    fn streamed_lines_are_the_texts() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(7).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut text = b"\xef\xbb\xbf\r\n\nTime,a\r\n".to_vec();
        for r in 0..20_000u64 {
            text.extend_from_slice(format!("{},{r}\r\n", 1_000_000_000_000 + r * 1000).as_bytes());
        }
        text.extend_from_slice(b"\r\n\r\nTime,b\n1000000000000,1\n1000000001000,\"2\n3\n");
        let (s, w) = parse_csv_reader("s", Trickle(&text));
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].points.len(), 20_000);
        assert_eq!(s[0].point_lines.get(0), Some(4));
        assert_eq!(s[0].point_lines.get(19_999), Some(20_003));
        assert_eq!(s[1].line, Some(20_007));
        assert_eq!(s[1].point_lines, vec![20_007]);
        let open = never_closed(&w);
        assert_eq!(open.len(), 1, "{:?}", w.items());
        assert_eq!(open[0].line, Some(20_008));
        assert_eq!(parse_csv("s", &text).0, s);
    }
}
