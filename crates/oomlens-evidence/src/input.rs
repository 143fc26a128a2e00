//! The streaming line scanner every log parser reads through, for inputs
//! of any size (opening inputs is [`crate::load`]'s).
//!
//! [`scan_lines`] reads in fixed-size blocks, so memory stays flat whatever
//! the input size. When the consumer only cares about lines that contain one
//! of a few anchor strings, the scanner jumps from anchor to anchor with
//! Aho-Corasick and counts the newlines it skips with SIMD (`bytecount`),
//! never looking at the lines in between; when the consumer asks for every
//! line (it is in the middle of a multi-line record), it yields them one by
//! one.

use std::io::{self, Read};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::provenance::Warnings;

/// A parser's static set of anchor strings for [`scan_lines`], its
/// Aho-Corasick automaton (leftmost-first: the earliest, then the first
/// listed, match wins) built once, on first use:
///
/// ```ignore
/// static ANCHORS: Anchors<&str> = Anchors::new(&["Pause", "Heap"]);
/// input::scan_lines(reader, Some(ANCHORS.get()), &mut sink)?;
/// ```
pub struct Anchors<P: 'static> {
    patterns: &'static [P],
    built: OnceLock<AhoCorasick>,
}

impl<P: AsRef<[u8]>> Anchors<P> {
    pub const fn new(patterns: &'static [P]) -> Self {
        Anchors {
            patterns,
            built: OnceLock::new(),
        }
    }

    /// The automaton. Panics only when the patterns, fixed at compile
    /// time, cannot build one (none of them come from input).
    pub fn get(&self) -> &AhoCorasick {
        self.built.get_or_init(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(self.patterns)
                .expect("static anchor set builds")
        })
    }
}

/// Lines longer than this are skipped (and reported): a guard against
/// binary junk and hostile input, far above any real log line.
pub const MAX_LINE: usize = 1 << 20;
const READ_SIZE: usize = 1 << 20;

/// What consumes the lines of [`scan_lines`]. Only [`LineSink::line`] is
/// required; the defaults read only anchored lines and put a warning about
/// each over-long line into [`LineSink::warnings`] when the sink has them.
pub trait LineSink {
    /// One line, 1-based number, without its `\n` (a `\r` may remain).
    fn line(&mut self, no: u64, line: &[u8]);

    /// Whether every line must be yielded from now on (the consumer is in
    /// the middle of a multi-line record) or only lines with an anchor.
    /// Without anchors every line is yielded whatever this says. Default:
    /// only anchored lines.
    fn wants_every_line(&self) -> bool {
        false
    }

    /// The input's name and the warnings about it, for the defaults to
    /// report into. Default: none.
    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        None
    }

    /// A line longer than [`MAX_LINE`] was skipped. Default: a warning with
    /// the line's number into [`LineSink::warnings`].
    fn long_line(&mut self, no: u64) {
        if let Some((source, warnings)) = self.warnings() {
            warnings.push(
                source,
                Some(no),
                format!("line longer than {MAX_LINE} bytes skipped"),
            );
        }
    }
}

/// Byte and line counts of a finished scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanCounts {
    pub bytes: u64,
    pub lines: u64,
}

/// Streams `reader` into `sink`. With `anchors`, lines without an anchor are
/// skipped unless the sink wants every line; without, every line is yielded.
pub fn scan_lines<R: Read, S: LineSink>(
    mut reader: R,
    anchors: Option<&AhoCorasick>,
    sink: &mut S,
) -> io::Result<ScanCounts> {
    let mut buf = vec![0u8; MAX_LINE + READ_SIZE];
    let (mut start, mut end) = (0usize, 0usize);
    let mut lines: u64 = 0;
    let mut bytes: u64 = 0;
    let mut skipping = false;
    loop {
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end == buf.len() {
            // A full buffer with no newline: an over-long line.
            if !skipping {
                sink.long_line(lines + 1);
            }
            skipping = true;
            end = 0;
        }
        let n = match reader.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if skipping {
                lines += 1;
            } else if end > start {
                lines += 1;
                let last = &buf[start..end];
                let wanted = match anchors {
                    Some(a) if !sink.wants_every_line() => a.is_match(last),
                    _ => true,
                };
                if wanted {
                    sink.line(lines, last);
                }
            }
            return Ok(ScanCounts { bytes, lines });
        }
        bytes += n as u64;
        let fresh = end;
        end += n;
        if skipping {
            match memchr::memchr(b'\n', &buf[fresh..end]) {
                None => {
                    end = 0;
                    continue;
                }
                Some(i) => {
                    lines += 1;
                    start = fresh + i + 1;
                    skipping = false;
                }
            }
        }
        if let Some(i) = memchr::memrchr(b'\n', &buf[start.max(fresh)..end]) {
            let last = start.max(fresh) + i;
            lines = region(&buf[start..=last], lines, anchors, sink);
            start = last + 1;
        }
    }
}

/// Yields the lines of `region` (which ends with `\n`); returns the new count
/// of lines done.
fn region<S: LineSink>(
    region: &[u8],
    mut done: u64,
    anchors: Option<&AhoCorasick>,
    sink: &mut S,
) -> u64 {
    if anchors.is_none() {
        return every_line(region, done, sink);
    }
    let mut pos = 0;
    while pos < region.len() {
        let every = anchors.is_none() || sink.wants_every_line();
        let line_start = if every {
            pos
        } else {
            let Some(m) = anchors.and_then(|a| a.find(&region[pos..])) else {
                done += bytecount::count(&region[pos..], b'\n') as u64;
                return done;
            };
            let at = pos + m.start();
            let ls = memchr::memrchr(b'\n', &region[pos..at]).map_or(pos, |i| pos + i + 1);
            done += bytecount::count(&region[pos..ls], b'\n') as u64;
            ls
        };
        let end =
            memchr::memchr(b'\n', &region[line_start..]).map_or(region.len(), |i| line_start + i);
        done += 1;
        sink.line(done, &region[line_start..end]);
        pos = end + 1;
    }
    done
}

/// Yields every line of `region` (which ends with `\n`); returns the new
/// count of lines done. The newlines of 32 bytes are found at once and
/// walked bit by bit (a class log has millions of short lines: a search per
/// line costs more than the line's share of one pass); the last bytes of
/// the region, fewer than 32, are searched with `memchr`.
fn every_line<S: LineSink>(region: &[u8], mut done: u64, sink: &mut S) -> u64 {
    let mut start = 0;
    let mut base = 0;
    while let Some((lo, hi)) = region
        .get(base..)
        .and_then(|r| r.first_chunk::<32>())
        .and_then(|c| c.split_first_chunk::<16>())
        .and_then(|(lo, hi)| Some((lo, hi.first_chunk::<16>()?)))
    {
        let mut m = u64::from(byte_mask16(lo, b'\n')) | (u64::from(byte_mask16(hi, b'\n')) << 16);
        while m != 0 {
            let nl = base + m.trailing_zeros() as usize;
            done += 1;
            sink.line(done, &region[start..nl]);
            start = nl + 1;
            m &= m - 1;
        }
        base += 32;
    }
    for i in memchr::memchr_iter(b'\n', region.get(base..).unwrap_or_default()) {
        let nl = base + i;
        done += 1;
        sink.line(done, &region[start..nl]);
        start = nl + 1;
    }
    done
}

/// The bytes of `w` equal to `c`, one bit a byte (bit `k` for `w[k]`): for
/// the short searches of hot paths, where a `memchr` call costs more than
/// the search.
#[inline(always)]
pub(crate) fn byte_mask16(w: &[u8; 16], c: u8) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of every x86-64 target (the baseline the
    // compiler builds for); the function reads the sixteen bytes of `w`.
    unsafe {
        byte_mask16_sse2(w, c)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        w.iter()
            .enumerate()
            .fold(0, |m, (k, &b)| m | (u32::from(b == c) << k))
    }
}

/// [`byte_mask16`] with one SSE2 compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn byte_mask16_sse2(w: &[u8; 16], c: u8) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: `w` is sixteen readable bytes; the load takes any alignment.
    let v = unsafe { _mm_loadu_si128(w.as_ptr().cast::<__m128i>()) };
    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        got: Vec<(u64, Vec<u8>)>,
        every_after: Option<u64>,
        long: Vec<u64>,
    }
    impl LineSink for Collect {
        fn line(&mut self, no: u64, line: &[u8]) {
            self.got.push((no, line.to_vec()));
        }
        fn wants_every_line(&self) -> bool {
            matches!((self.every_after, self.got.last()), (Some(a), Some((n, _))) if *n >= a)
        }
        fn long_line(&mut self, no: u64) {
            self.long.push(no);
        }
    }

    /// A reader that hands out at most `n` bytes per read, to exercise the
    /// block boundaries.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn line_numbers_with_anchors() {
        let text = b"a\nb KEY\nc\nd\nKEY e\nf";
        let ac = AhoCorasick::new(["KEY"]).unwrap();
        let mut c = Collect::default();
        let n = scan_lines(&text[..], Some(&ac), &mut c).unwrap();
        assert_eq!(n.lines, 6);
        let nos: Vec<u64> = c.got.iter().map(|g| g.0).collect();
        assert_eq!(nos, vec![2, 5]);
        assert_eq!(c.got[1].1, b"KEY e");
    }

    #[test]
    fn every_line_mode_after_anchor() {
        let text = b"x\nKEY\ny\nz\n";
        let ac = AhoCorasick::new(["KEY"]).unwrap();
        let mut c = Collect {
            every_after: Some(2),
            ..Default::default()
        };
        scan_lines(Trickle(text, 3), Some(&ac), &mut c).unwrap();
        let nos: Vec<u64> = c.got.iter().map(|g| g.0).collect();
        assert_eq!(nos, vec![2, 3, 4]);
    }

    #[test]
    fn last_line_without_newline_and_empty_input() {
        let mut c = Collect::default();
        let n = scan_lines(&b"one\ntwo"[..], None, &mut c).unwrap();
        assert_eq!(n.lines, 2);
        assert_eq!(c.got[1], (2, b"two".to_vec()));
        let mut c = Collect::default();
        assert_eq!(scan_lines(&b""[..], None, &mut c).unwrap().lines, 0);
    }

    #[test]
    fn over_long_line_is_skipped_and_counted() {
        let mut text = b"first\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + READ_SIZE + 10));
        text.extend(b"\nlast\n");
        let mut c = Collect::default();
        let n = scan_lines(Trickle(&text, 700_000), None, &mut c).unwrap();
        assert_eq!(c.long, vec![2]);
        assert_eq!(n.lines, 3);
        assert_eq!(c.got.last().unwrap(), &(3, b"last".to_vec()));
    }

    proptest::proptest! {
        /// Without anchors every line is yielded, numbered, as splitting
        /// the text on `\n` gives them, whatever the read sizes (lines
        /// cut across blocks, newlines at every place of sixteen bytes).
        #[test]
        fn every_line_is_yielded_as_a_split_gives_it(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"\n"[..], b"\n\n", b"\r\n", b"a", b"0123456789abcdef", b"\x0b", b"\x8a",
                    b"\0", b" ", b"[1089.551s][info][class,load  ] x source: y",
                ]),
                0..64,
            ),
            chunk in 1usize..64,
        ) {
            let text = parts.concat();
            let mut want: Vec<(u64, Vec<u8>)> = text
                .split(|&b| b == b'\n')
                .enumerate()
                .map(|(i, l)| (i as u64 + 1, l.to_vec()))
                .collect();
            // The text's end is no line of its own.
            if want.last().is_some_and(|(_, l)| l.is_empty()) {
                want.pop();
            }
            for reader in [Trickle(&text, chunk), Trickle(&text, usize::MAX)] {
                let mut c = Collect::default();
                let n = scan_lines(reader, None, &mut c).unwrap();
                proptest::prop_assert_eq!(&c.got, &want);
                proptest::prop_assert_eq!(n.lines, want.len() as u64);
            }
        }
    }

    #[test]
    fn block_boundaries_do_not_move_lines() {
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| {
                format!("line {i} {}\n", if i % 7 == 0 { "KEY" } else { "" }).into_bytes()
            })
            .collect();
        let ac = AhoCorasick::new(["KEY"]).unwrap();
        for chunk in [1, 2, 17, 4096, 1 << 20] {
            let mut c = Collect::default();
            scan_lines(Trickle(&text, chunk), Some(&ac), &mut c).unwrap();
            assert_eq!(c.got.len(), 715, "chunk {chunk}");
            for (no, l) in &c.got {
                assert_eq!(l, format!("line {} KEY", no - 1).as_bytes());
            }
        }
    }
}
