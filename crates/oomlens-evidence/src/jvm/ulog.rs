//! The decorations of JDK 9+ unified logging (`-Xlog`): the `[...]` items
//! before a line's message, read once for every reader of such logs
//! (class-loading logs, GC logs).
//!
//! HotSpot prints the decorators it was asked for in a fixed order
//! (`logDecorators.hpp`): `time`, `utctime`, `uptime`, `timemillis`,
//! `uptimemillis`, `timenanos`, `uptimenanos`, `hostname`, `pid`, `tid`,
//! `level`, `tags`, each in its own brackets, the level and tags padded with
//! spaces to the widest printed so far (`[info ]`, `[class,load  ]`):
//!
//! ```text
//! [2024-01-02T03:04:05.678+0000][2024-01-01T19:04:05.678-0800][12.345s][1704164645678ms][12345ms]
//! [1704164645678000000ns][12345000000ns][node-1.example][4242][4243][info ][class,load  ] message
//! ```
//!
//! [`read`] takes a line apart into one [`Decorations`] value, on bytes and
//! without allocating. Uptime is read with a decimal point or a locale's
//! decimal comma (`[0,512s]`). A bracket that cannot be a decorator (it
//! holds a space or a `[`, or is empty: JDK 8's `[GC (Allocation Failure)`,
//! `[Loaded X from Y]`) ends the decorations; the message starts there.
//!
//! [`read_common`] reads the two forms nearly every line has
//! (`[uptime][level][tags]`, `[time][uptime][level][tags]`) faster and
//! leaves every other line to [`read`]; where it answers, it answers as
//! [`read`] does.

use crate::framing::{self, Stamp};

/// A unified-logging level (`-Xlog:...=level`), as HotSpot names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warning,
    Error,
}

/// The decorations of one line. Every field is `None` when its decorator
/// was not printed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decorations<'a> {
    /// How many decorations were read; 0 when the line has none (then
    /// [`Decorations::message`] is the whole line).
    pub count: u8,
    /// The first wall-clock decorator (`time`, or `utctime` when printed
    /// alone), as printed: `2024-01-02T03:04:05.678+0000`.
    pub time_text: Option<&'a [u8]>,
    /// The same, read (`Stamp::Iso` with its offset).
    pub time: Option<Stamp>,
    /// A second wall-clock decorator (`utctime` after `time`), as printed.
    pub utctime_text: Option<&'a [u8]>,
    /// Nanoseconds since the JVM started, from the first uptime decorator
    /// printed (`uptime` `12.345s` / `12,345s`, `uptimemillis` `12345ms`,
    /// `uptimenanos` `12345000000ns`).
    pub uptime_ns: Option<u64>,
    /// `timemillis`: milliseconds since the Unix epoch.
    pub time_millis: Option<u64>,
    /// `timenanos`: nanoseconds since the Unix epoch.
    pub time_nanos: Option<u64>,
    /// `hostname`, when another decorator follows it (a word alone before
    /// the message cannot be told from JDK 8's `[CMS-concurrent-mark]`).
    pub hostname: Option<&'a [u8]>,
    /// `pid`: the first bare number. A lone bare number is taken as the pid
    /// (`-Xlog` with `tid` but not `pid` cannot be told apart).
    pub pid: Option<u64>,
    /// `tid`: the second bare number.
    pub tid: Option<u64>,
    pub level: Option<Level>,
    /// The tag set without its padding (`class,load`, `gc,heap,exit`).
    pub tags: Option<&'a [u8]>,
    /// The text after the decorations (one space after the last `]`
    /// dropped).
    pub message: &'a [u8],
}

impl Decorations<'_> {
    /// Whether at least one decoration was read.
    pub fn is_unified(&self) -> bool {
        self.count > 0
    }

    /// Uptime in milliseconds (truncated).
    pub fn uptime_ms(&self) -> Option<u64> {
        self.uptime_ns.map(|ns| ns / 1_000_000)
    }

    /// Uptime in seconds.
    pub fn uptime_s(&self) -> Option<f64> {
        self.uptime_ns.map(|ns| ns as f64 / 1e9)
    }
}

/// Epoch values (`timemillis`, `timenanos`) from uptimes: an uptime of ten
/// years is no uptime.
const MAX_UPTIME_NS: u64 = 10 * 366 * 86_400 * 1_000_000_000;

/// Takes the decorations off a line (a trailing `\r` stays in the message).
/// Never fails: a line without decorations has `count` 0.
pub fn read(line: &[u8]) -> Decorations<'_> {
    let mut d = Decorations {
        message: line,
        ..Decorations::default()
    };
    let mut rest = line;
    let mut numbers = 0u8;
    while let Some((b'[', body)) = rest.split_first() {
        // One pass to the `]` (decorations are short: a plain loop beats a
        // vectorised search): a `[` on the way, or text after a space, ends
        // the decorations; padding spaces around the text are dropped.
        let (mut from, mut to) = (usize::MAX, 0);
        let mut close = None;
        let mut spaced = false;
        for (i, &c) in body.iter().enumerate() {
            match c {
                b']' => {
                    close = Some(i);
                    break;
                }
                b'[' => break,
                b' ' => spaced |= from != usize::MAX,
                _ if spaced => break,
                _ => {
                    from = from.min(i);
                    to = i + 1;
                }
            }
        }
        let Some(close) = close else {
            break;
        };
        if from == usize::MAX {
            break;
        }
        let item = &body[from..to];
        let after = &body[close + 1..];
        if !decoration(&mut d, item, after, &mut numbers) {
            break;
        }
        d.count = d.count.saturating_add(1);
        rest = after;
    }
    if d.count > 0 {
        d.message = rest.strip_prefix(b" ").unwrap_or(rest);
    }
    d
}

/// Reads one bracketed item into `d`; false when it is no decorator.
fn decoration<'a>(d: &mut Decorations<'a>, item: &'a [u8], after: &[u8], numbers: &mut u8) -> bool {
    // Tell decorators apart by their first byte: stamps and ids start with
    // a digit, levels, tags and host names with a letter.
    let first = item[0];
    if first.is_ascii_digit() {
        if item.len() >= 19 && item[4] == b'-' {
            let Some((stamp, used)) = framing::iso_stamp(item) else {
                return false;
            };
            if used != item.len() {
                return false;
            }
            if d.time_text.is_none() {
                d.time_text = Some(item);
                d.time = Some(stamp);
            } else if d.utctime_text.is_none() {
                d.utctime_text = Some(item);
            }
            return true;
        }
        return number(d, item, numbers);
    }
    if let Some(level) = level(item) {
        d.level = Some(level);
        return true;
    }
    let (mut tag_like, mut word) = (true, true);
    for &c in item {
        tag_like &= c.is_ascii_lowercase() || c.is_ascii_digit() || c == b',' || c == b'_';
        word &= c.is_ascii_alphanumeric() || matches!(c, b',' | b'+' | b'_' | b'.' | b'-');
    }
    if !word {
        return false;
    }
    // Tags come last; a host name comes before pid, tid and level, so a
    // decorator follows it.
    let followed = after.first() == Some(&b'[');
    if tag_like && d.tags.is_none() && (d.level.is_some() || !followed) {
        d.tags = Some(item);
        return true;
    }
    if d.hostname.is_none() && d.level.is_none() && d.pid.is_none() && followed {
        d.hostname = Some(item);
        return true;
    }
    if tag_like && d.tags.is_none() {
        d.tags = Some(item);
        return true;
    }
    false
}

fn level(item: &[u8]) -> Option<Level> {
    if !matches!(item.len(), 4 | 5 | 7) {
        return None;
    }
    Some(match item {
        b"info" => Level::Info,
        b"debug" => Level::Debug,
        b"trace" => Level::Trace,
        b"warning" => Level::Warning,
        b"error" => Level::Error,
        _ => return None,
    })
}

/// `12.345s`, `12,345s`, `12345ms`, `12345ns` (uptime, or epoch time when
/// larger than any uptime), `4242` (pid, tid).
fn number(d: &mut Decorations<'_>, item: &[u8], numbers: &mut u8) -> bool {
    let (num, unit) = if let Some(n) = item.strip_suffix(b"ms") {
        (n, 1_000_000u64)
    } else if let Some(n) = item.strip_suffix(b"ns") {
        (n, 1)
    } else if let Some(n) = item.strip_suffix(b"s") {
        (n, 1_000_000_000)
    } else {
        (item, 0)
    };
    let (int, frac) = match num.iter().position(|&b| b == b'.' || b == b',') {
        Some(p) => (&num[..p], &num[p + 1..]),
        None => (num, &b""[..]),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let Some(whole) = int.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    }) else {
        return false;
    };
    if unit == 0 {
        if !frac.is_empty() {
            return false;
        }
        match *numbers {
            0 => d.pid = Some(whole),
            1 => d.tid = Some(whole),
            _ => return false,
        }
        *numbers += 1;
        return true;
    }
    let Some(mut ns) = whole.checked_mul(unit) else {
        // Epoch nanoseconds in milliseconds' units cannot overflow; this
        // is junk.
        return false;
    };
    let mut scale = unit / 10;
    for &c in frac.iter().take(9) {
        ns = ns.saturating_add(u64::from(c - b'0') * scale);
        scale /= 10;
    }
    if ns < MAX_UPTIME_NS {
        if d.uptime_ns.is_none() {
            d.uptime_ns = Some(ns);
        }
    } else if unit == 1_000_000 && frac.is_empty() {
        d.time_millis = Some(whole);
    } else if unit == 1 && frac.is_empty() {
        d.time_nanos = Some(whole);
    } else {
        return false;
    }
    true
}

/// The decorations of a line in one of the two forms nearly every line of a
/// JVM's log has: `-Xlog`'s default `[uptime][level][tags] message`
/// (`[12.345s][info][class,load  ] ...`) and the same after a wall-clock
/// stamp, `[time][uptime][level][tags] message`
/// (`[2023-12-02T09:14:31.219+0800][0.012s][info][class,load] ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Common<'a> {
    /// The `time` decorator as printed; its layout and ranges were checked,
    /// it was not read into a [`Stamp`].
    pub time_text: Option<&'a [u8]>,
    /// Nanoseconds since the JVM started.
    pub uptime_ns: u64,
    pub level: Level,
    /// The tag set without its padding.
    pub tags: &'a [u8],
    /// The text after the decorations (one space after the last `]`
    /// dropped).
    pub message: &'a [u8],
}

impl Common<'_> {
    /// Uptime in milliseconds (truncated).
    pub fn uptime_ms(&self) -> u64 {
        self.uptime_ns / 1_000_000
    }
}

/// Reads a line in one of the [`Common`] forms with a few compares per
/// byte and no per-item dispatch: the path for logs of millions of lines.
/// `None` when the line has any other form (other decorators, padding
/// before an item, a stamp with an offset `+08:00`, an uptime without
/// decimals, no decorations): then [`read`] takes it apart. When `Some`,
/// each field equals what [`read`] gives for the line.
pub fn read_common(line: &[u8]) -> Option<Common<'_>> {
    let b = line;
    if b.first() != Some(&b'[') || !b.get(1)?.is_ascii_digit() {
        return None;
    }
    let mut p = 1;
    let mut time_text = None;
    if b.get(5) == Some(&b'-') {
        let t = b.get(1..29)?;
        if b.get(29) != Some(&b']') || b.get(30) != Some(&b'[') || !wall_clock_ok(t) {
            return None;
        }
        time_text = Some(t);
        p = 31;
    }
    let (uptime_ns, p) = common_uptime(b, p)?;
    let (level, tags, next) = match info_class_tags(b, p) {
        Some((tags, next)) => (Level::Info, tags, next),
        None => {
            // `[info]` on nearly every line: one compare; padded or other
            // levels go through the word reader.
            let (level, next) = if b.get(p..p + 6) == Some(&b"info]["[..]) {
                (Level::Info, p + 5)
            } else {
                let (word, next) = padded_word(b, p)?;
                (level(word)?, next)
            };
            if b.get(next) != Some(&b'[') {
                return None;
            }
            let (tags, next) = tag_word(b, next + 1)?;
            (level, tags, next)
        }
    };
    let rest = &b[next..];
    if rest.first() == Some(&b'[') {
        // More brackets that may be decorations: the general reader decides.
        return None;
    }
    Some(Common {
        time_text,
        uptime_ns,
        level,
        tags,
        message: rest.strip_prefix(b" ").unwrap_or(rest),
    })
}

/// The text of `[word   ]` whose text starts at `p` (no padding before it,
/// padding spaces after it), and the index after its `]`.
fn padded_word(b: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let mut e = p;
    while let Some(&c) = b.get(e) {
        if matches!(c, b']' | b' ' | b'[') {
            break;
        }
        e += 1;
    }
    if e == p {
        return None;
    }
    Some((&b[p..e], closing(b, e)?))
}

/// `info][class,load` or `info][class,unload` at `p` (the level and tag
/// set of class logs, millions of lines), as two or three word compares:
/// the tag set and the index after its closing `]` (past any padding), as
/// the level compare and [`tag_word`] find them. `None` for anything else
/// (the caller reads it item by item).
#[inline(always)]
fn info_class_tags(b: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let word = |k: usize| {
        b.get(k..k + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    if word(p)? != u64::from_le_bytes(*b"info][cl") {
        return None;
    }
    let second = word(p + 8)?;
    let end = if second == u64::from_le_bytes(*b"ass,load") {
        p + 16
    } else if second == u64::from_le_bytes(*b"ass,unlo") && b.get(p + 16..p + 18) == Some(b"ad") {
        p + 18
    } else {
        return None;
    };
    Some((&b[p + 6..end], closing(b, end)?))
}

/// `12.345s]` / `12,345s]` followed by `[` at `p`: at most 10 whole digits
/// (no overflow) and 1 to 9 decimals; the uptime in nanoseconds (below
/// [`MAX_UPTIME_NS`]) and the index after `s][`.
fn common_uptime(b: &[u8], p: usize) -> Option<(u64, usize)> {
    let s = b.get(p..)?;
    let (whole, wd) = digit_run8(s);
    if wd == 0 || wd > 10 || !matches!(s.get(wd), Some(b'.' | b',')) {
        return None;
    }
    let f = &s[wd + 1..];
    let (frac, fd) = digit_run8(f);
    if fd == 0 || fd > 9 || f.get(fd..fd + 3) != Some(&b"s]["[..]) {
        return None;
    }
    const SCALE: [u64; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let ns = whole * 1_000_000_000 + frac * SCALE[fd];
    if ns >= MAX_UPTIME_NS {
        return None;
    }
    Some((ns, p + wd + 1 + fd + 3))
}

/// [`digit_run`] of the first eight bytes at once when `s` has eight and
/// fewer than eight digits lead (an uptime's whole seconds and its
/// decimals, on every line of a log): the digits found by an exact test of
/// each byte, their value gathered by three multiplies.
#[inline(always)]
fn digit_run8(s: &[u8]) -> (u64, usize) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let Some(w) = s.first_chunk::<8>() else {
        return digit_run(s);
    };
    // A digit's byte is 0 to 9 after the xor; a byte's high bit is set when
    // it is above 9 (the sum stays within its byte: 0x7f + 0x76 < 0x100).
    let x = u64::from_le_bytes(*w) ^ 0x3030_3030_3030_3030;
    let above9 = ((x & LOW7).wrapping_add(0x7676_7676_7676_7676) | x) & HIGH;
    let k = (above9.trailing_zeros() / 8) as usize;
    if k == 0 {
        return (0, 0);
    }
    if k == 8 {
        return digit_run(s);
    }
    // The k digits moved to the top bytes (the first, most significant, at
    // byte 8 - k; zeros below), then pairs, quads and the eight folded.
    let v = x << (8 * (8 - k));
    let v = (v & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(10 * 256 + 1) >> 8;
    let v = (v & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 * 65_536 + 1) >> 16;
    let v = (v & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 * (1 << 32) + 1) >> 32;
    (v, k)
}

/// The value of the digits `s` starts with (wrapped when there are more
/// than 19) and how many there are.
fn digit_run(s: &[u8]) -> (u64, usize) {
    let (mut v, mut k) = (0u64, 0);
    for &c in s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        k += 1;
    }
    (v, k)
}

/// Bytes of a tag set: lowercase letters, digits, `,` and `_`.
static TAG_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_lowercase() || b.is_ascii_digit() || b == b',' || b == b'_';
        c += 1;
    }
    t
};

/// The tag set of `[tags   ]` whose text starts at `p` (a lowercase letter
/// first, then tag bytes, padding spaces after it; not a level's name), and
/// the index after its `]`: what [`padded_word`] reads when every byte of
/// the word is a tag byte, in one pass.
fn tag_word(b: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let s = b.get(p..)?;
    // The tag sets of class logs (the logs of millions of lines) are
    // compared whole.
    let known = |t: &[u8]| s.starts_with(t) && matches!(s.get(t.len()), Some(b' ' | b']'));
    let e = if known(b"class,load") {
        10
    } else if known(b"class,unload") {
        12
    } else {
        if !s.first()?.is_ascii_lowercase() {
            return None;
        }
        let e = s.iter().position(|&c| !TAG_BYTE[c as usize])?;
        if level(&s[..e]).is_some() {
            return None;
        }
        e
    };
    Some((&s[..e], p + closing(s, e)?))
}

/// The index after the `]` that closes an item whose text ends at `e`, past
/// the padding spaces; `None` when something else follows the text.
fn closing(b: &[u8], e: usize) -> Option<usize> {
    let mut q = e;
    while b.get(q) == Some(&b' ') {
        q += 1;
    }
    (b.get(q) == Some(&b']')).then_some(q + 1)
}

/// Whether `t` is `yyyy-mm-ddThh:mm:ss.fff+hhmm` with every field in range
/// (so [`framing::iso_stamp`] reads all of it). Stricter than the stamp
/// reader: what it refuses goes to [`read`].
fn wall_clock_ok(t: &[u8]) -> bool {
    const LAYOUT: &[u8; 28] = b"0000-00-00T00:00:00.000+0000";
    if t.len() != 28 {
        return false;
    }
    for (&c, &l) in t.iter().zip(LAYOUT) {
        let ok = if l == b'0' {
            c.is_ascii_digit()
        } else if l == b'+' {
            c == b'+' || c == b'-'
        } else {
            c == l
        };
        if !ok {
            return false;
        }
    }
    let n = |i: usize, len: usize| {
        t[i..i + len]
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'))
    };
    let (year, month, day) = (n(0, 4), n(5, 2), n(8, 2));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1
        && (1..=days).contains(&day)
        && n(11, 2) <= 23
        && n(14, 2) <= 59
        && n(17, 2) <= 59
        && n(24, 2) <= 23
        && n(26, 2) <= 59
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decorator_at_once() {
        let l = b"[2024-01-02T03:04:05.678+0000][2024-01-01T19:04:05.678-0800][12.345s][1704164645678ms][12345ms][1704164645678000000ns][12345000000ns][node-1.example][4242][4243][info ][class,load  ] Foo source: bar";
        let d = read(l);
        assert_eq!(d.count, 12);
        assert_eq!(d.time_text, Some(&b"2024-01-02T03:04:05.678+0000"[..]));
        match d.time {
            Some(Stamp::Iso { civil, offset }) => {
                assert_eq!(civil.to_string(), "2024-01-02T03:04:05.678");
                assert_eq!(offset, Some(jiff::tz::Offset::UTC));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.utctime_text, Some(&b"2024-01-01T19:04:05.678-0800"[..]));
        assert_eq!(d.uptime_ns, Some(12_345_000_000), "the first uptime wins");
        assert_eq!(d.time_millis, Some(1_704_164_645_678));
        assert_eq!(d.time_nanos, Some(1_704_164_645_678_000_000));
        assert_eq!(d.hostname, Some(&b"node-1.example"[..]));
        assert_eq!((d.pid, d.tid), (Some(4242), Some(4243)));
        assert_eq!(d.level, Some(Level::Info));
        assert_eq!(d.tags, Some(&b"class,load"[..]));
        assert_eq!(d.message, b"Foo source: bar");
    }

    #[test]
    fn uptime_forms() {
        let up = |l: &[u8]| read(l).uptime_ns;
        assert_eq!(up(b"[12.345s] x"), Some(12_345_000_000));
        assert_eq!(
            up(b"[0,512s][info][gc] x"),
            Some(512_000_000),
            "decimal comma"
        );
        assert_eq!(up(b"[3s] x"), Some(3_000_000_000));
        assert_eq!(up(b"[1234ms] x"), Some(1_234_000_000));
        assert_eq!(up(b"[987654321ns] x"), Some(987_654_321));
        assert_eq!(read(b"[0,512s] x").uptime_ms(), Some(512));
        assert_eq!(read(b"[12.345s] x").uptime_s(), Some(12.345));
        // Epoch milliseconds and nanoseconds are not uptimes.
        let d = read(b"[1704164645678ms][1704164645678123456ns] x");
        assert_eq!(d.uptime_ns, None);
        assert_eq!(d.time_millis, Some(1_704_164_645_678));
        assert_eq!(d.time_nanos, Some(1_704_164_645_678_123_456));
    }

    #[test]
    fn wall_clock_forms() {
        let d = read(b"[2023-12-02T13:55:56.123+0800] m");
        assert_eq!(d.time_text, Some(&b"2023-12-02T13:55:56.123+0800"[..]));
        assert!(matches!(
            d.time,
            Some(Stamp::Iso {
                offset: Some(_),
                ..
            })
        ));
        assert_eq!(d.message, b"m");
        // Not a date: the decorations end before it.
        let d = read(b"[2023-13-45T99:00:00.000+0000] m");
        assert_eq!(d.count, 0);
    }

    #[test]
    fn levels_tags_and_padding() {
        let d = read(b"[warning][gc,heap,exit   ] Heap");
        assert_eq!(d.level, Some(Level::Warning));
        assert_eq!(d.tags, Some(&b"gc,heap,exit"[..]));
        for (t, l) in [
            (&b"[trace] x"[..], Level::Trace),
            (b"[debug] x", Level::Debug),
            (b"[error] x", Level::Error),
        ] {
            assert_eq!(read(t).level, Some(l));
        }
        let d = read(b"[gc] GC(3) Pause Young");
        assert_eq!(d.tags, Some(&b"gc"[..]));
        assert_eq!(d.message, b"GC(3) Pause Young");
    }

    #[test]
    fn pid_and_tid() {
        let d = read(b"[0.1s][4242][4243][info][gc] x");
        assert_eq!((d.pid, d.tid), (Some(4242), Some(4243)));
        let d = read(b"[4242] x");
        assert_eq!((d.pid, d.tid), (Some(4242), None));
        assert_eq!(read(b"[1][2][3] x").count, 2, "no third id");
    }

    #[test]
    fn hostname_only_before_another_decorator() {
        let d = read(b"[0.1s][worker7][info][gc] x");
        assert_eq!(d.hostname, Some(&b"worker7"[..]));
        assert_eq!(d.tags, Some(&b"gc"[..]));
        let d = read(b"[ip-10-0-0-1.ec2.internal][4242][gc] x");
        assert_eq!(d.hostname, Some(&b"ip-10-0-0-1.ec2.internal"[..]));
        assert_eq!(d.pid, Some(4242));
        // JDK 8 records are no decorations.
        for l in [
            &b"[CMS-concurrent-mark-start]"[..],
            b"[GC (Allocation Failure) [PSYoungGen: 1K->2K(3K)] 4K->5K(6K), 0.01 secs]",
            b"[Loaded java.lang.Object from shared objects file]",
            b"[Full GC (Ergonomics) x]",
            b"[GC--[PSYoungGen: 1K->2K(3K)]",
        ] {
            let d = read(l);
            assert_eq!(d.count, 0, "{}", String::from_utf8_lossy(l));
            assert_eq!(d.message, l);
        }
    }

    #[test]
    fn weird_lines() {
        for l in [
            &b""[..],
            b"[",
            b"[]",
            b"[ ]",
            b"[s]",
            b"[.5s]",
            b"[99999999999999999999999s]",
            b"[18446744073709551615ms]",
            b"[1.2.3s]",
            b"[2024-01-02T03:04:05]x]",
            b"[\xff\xfe]",
        ] {
            let d = read(l);
            assert_eq!(d.uptime_ns, None, "{}", String::from_utf8_lossy(l));
        }
        let d = read(b"[0.1s]");
        assert_eq!((d.count, d.message), (1, &b""[..]));
        let d = read(b"[0.1s][info][gc]\r");
        assert_eq!(d.message, b"\r");
    }

    #[test]
    fn common_forms_read_as_the_general_reader_reads_them() {
        let lines: &[&[u8]] = &[
            b"[12.345s][info][class,load] Foo source: bar",
            b"[0,512s][info ][class,load  ] Foo source: bar",
            b"[2023-12-02T09:14:31.219+0800][0.012s][info][class,load] java.lang.Object source: shared objects file",
            b"[2024-02-29T23:59:59.999-0130][1.5s][debug][class,unload] unloading class X 0x1",
            b"[0.1s][warning][gc,heap,exit   ] Heap",
            b"[0.1s][info][gc]",
            b"[0.1s][info][gc]\r",
            b"[0.1s][error][gc]  two spaces",
        ];
        for l in lines {
            let c = read_common(l).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(l)));
            let d = read(l);
            assert_eq!(c.time_text, d.time_text);
            assert_eq!(Some(c.uptime_ns), d.uptime_ns);
            assert_eq!(Some(c.uptime_ms()), d.uptime_ms());
            assert_eq!(Some(c.level), d.level);
            assert_eq!(Some(c.tags), d.tags);
            assert_eq!(c.message, d.message);
            assert!(d.time.is_some() == c.time_text.is_some());
        }
        // Other forms (and lines the general reader refuses) are left to it.
        for l in [
            &b"[12345ms][info][gc] x"[..],
            b"[3s][info][gc] x",
            b"[0.1s][4242][info][gc] x",
            b"[0.1s][info][gc][x] y",
            b"[0.1s][info][Class,load] x",
            b"[0.1s][info][ gc] x",
            b"[0.1s][info][gc x] y",
            b"[0.1s][notice][gc] x",
            b"[0.1s][info][info] x",
            b"[2023-02-29T09:14:31.219+0800][0.012s][info][gc] x",
            b"[2023-12-02T24:14:31.219+0800][0.012s][info][gc] x",
            b"[2023-12-02T09:14:31.219+08:00][0.012s][info][gc] x",
            b"[2023-12-02T09:14:31.219+0800] x",
            b"[99999999999.5s][info][gc] x",
            b"[1.1234567891s][info][gc] x",
            b"[Loaded Foo from bar]",
            b"[",
            b"[1",
            b"[1.",
            b"[1.5s][",
            b"[1.5s][info][",
            b"",
        ] {
            assert_eq!(read_common(l), None, "{}", String::from_utf8_lossy(l));
        }
    }

    #[test]
    fn common_forms_agree_with_the_general_reader_on_edited_lines() {
        // Every one-byte edit of a few lines: where the fast reader answers,
        // the general one answers the same.
        let bases: &[&[u8]] = &[
            b"[2023-12-02T09:14:31.219+0800][0.012s][info][class,load] A source: b",
            b"[12.345s][info ][class,load  ] A source: b",
            b"[471.936s][info][class,load  ] A source: b",
            b"[1.5s][info][class,unload] unloading class X 0x1",
            b"[1.5s][info][class,loader,data] x",
        ];
        let alphabet = b"0123456789[] .,:+-Tsminfoclasdu_Z";
        for base in bases {
            for i in 0..base.len() {
                for &c in alphabet.iter() {
                    let mut l = base.to_vec();
                    l[i] = c;
                    if let Some(q) = read_common(&l) {
                        let d = read(&l);
                        let what = String::from_utf8_lossy(&l).into_owned();
                        assert_eq!(q.time_text, d.time_text, "{what}");
                        assert_eq!(Some(q.uptime_ns), d.uptime_ns, "{what}");
                        assert_eq!(Some(q.tags), d.tags, "{what}");
                        assert_eq!(q.message, d.message, "{what}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Lines made of the pieces of decorations (class tag sets cut and
        /// padded, levels, uptimes): where the fast reader answers, the
        /// general one answers the same.
        #[test]
        fn eight_digits_at_once_read_as_one_at_a_time(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                &b"0"[..], b"1", b"5", b"9", b"09", b"123", b"99999999", b"/", b":", b".", b"s",
                b"\0", b"\x80", b"\xb0", b"\xb9", b"\x3a", b"\x2f", b" ",
            ]),
            0..12,
        )) {
            let s = parts.concat();
            proptest::prop_assert_eq!(digit_run8(&s), digit_run(&s));
        }

        #[test]
        fn pieced_lines_read_as_the_general_reader_reads_them(head in proptest::sample::select(vec![
            &b"[471.936s]["[..], b"[0,5s][", b"[2023-12-02T09:14:31.219+0800][1.5s][", b"[1.5s]", b"[",
        ]), parts in proptest::collection::vec(
            proptest::sample::select(vec![
                &b"["[..], b"]", b"][", b" ", b"  ", b"471", b".", b",", b"936", b"s", b"s][",
                b"info", b"info][", b"info][cl", b"ass,load", b"ass,unlo", b"ad", b"class,load",
                b"class,unload", b"class,loader", b"debug", b"gc", b"x", b"\r", b"2023-12-02T09:14:31.219+0800",
                b"0", b"9", b"1234567", b"12345678", b"/", b":",
            ]),
            0..12,
        )) {
            let l = [head, &parts.concat()].concat();
            if let Some(q) = read_common(&l) {
                let d = read(&l);
                proptest::prop_assert_eq!(q.time_text, d.time_text);
                proptest::prop_assert_eq!(Some(q.uptime_ns), d.uptime_ns);
                proptest::prop_assert_eq!(Some(q.level), d.level);
                proptest::prop_assert_eq!(Some(q.tags), d.tags);
                proptest::prop_assert_eq!(q.message, d.message);
            }
        }
    }
}
