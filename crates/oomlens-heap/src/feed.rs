//! Where the record reader gets its bytes: a whole slice (bytes in
//! memory) or a stream (a plain file, a `.hprof.gz`, a pipe) read through
//! one growing buffer.
//!
//! The reader asks for "at least n bytes from here"; a slice answers with
//! all that is left, a stream refills its buffer. A stream never holds more
//! than one sub-record beyond its block size, except primitive arrays
//! larger than `STREAM_WINDOW`, whose contents are skipped unseen.
//! `ReadAhead` reads (and decompresses) a stream on a thread of its own.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// The buffer block of a stream: big enough that refills are rare.
const STREAM_BLOCK: usize = 8 << 20;

/// How much a refill reads at once: small enough that what it copies is
/// still in the cache when it is parsed.
const READ_STEP: usize = 512 << 10;

/// The largest record or sub-record a stream holds whole; a primitive
/// array beyond it is passed on without its contents.
pub(crate) const STREAM_WINDOW: usize = 256 << 20;

pub(crate) trait Feed {
    /// The bytes from the current position: at least `n` of them unless
    /// the input ends first (then all that is left), or an error of the
    /// underlying read. `n` is at most `window()`.
    fn fill(&mut self, n: usize) -> io::Result<&[u8]>;
    /// The bytes from the current position already held (what the last
    /// `fill` returned, less what was consumed since), without reading.
    fn held(&self) -> &[u8];
    /// Moves past `n` bytes of the last `fill`.
    fn consume(&mut self, n: usize);
    /// Moves past `n` bytes; returns how many there were (fewer at the end).
    fn skip(&mut self, n: u64) -> io::Result<u64>;
    /// Moves the next `n` bytes into `out` (its length becomes what was
    /// got: fewer than `n` at the end of the input). On a failed read,
    /// `out` holds the bytes got before it.
    fn read_into(&mut self, n: usize, out: &mut Vec<u8>) -> io::Result<()>;
    /// The file offset of the current position (decompressed, for a stream).
    fn offset(&self) -> u64;
    /// The most `fill` can be asked for.
    fn window(&self) -> usize;
}

/// A whole input in memory: a mapped file or a byte slice.
pub(crate) struct SliceFeed<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The file offset of `bytes[0]`.
    base: u64,
    /// What reading past the end gives: the end (None) or this failure.
    fail: Option<(io::ErrorKind, String)>,
}

impl<'a> SliceFeed<'a> {
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> SliceFeed<'a> {
        SliceFeed::at(bytes, pos, 0)
    }

    /// A part of a file: `bytes` start at file offset `base`.
    pub(crate) fn at(bytes: &'a [u8], pos: usize, base: u64) -> SliceFeed<'a> {
        SliceFeed {
            bytes,
            pos: pos.min(bytes.len()),
            base,
            fail: None,
        }
    }

    /// Asking for more than is left fails as `fail` says: the read that
    /// got `bytes` failed after them.
    pub(crate) fn failing(mut self, fail: Option<(io::ErrorKind, String)>) -> SliceFeed<'a> {
        self.fail = fail;
        self
    }
}

impl Feed for SliceFeed<'_> {
    #[inline]
    fn fill(&mut self, n: usize) -> io::Result<&[u8]> {
        if let Some((kind, why)) = &self.fail {
            if self.bytes.len() - self.pos < n {
                return Err(io::Error::new(*kind, why.clone()));
            }
        }
        Ok(&self.bytes[self.pos..])
    }
    #[inline]
    fn held(&self) -> &[u8] {
        &self.bytes[self.pos..]
    }
    #[inline]
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.bytes.len());
    }
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let left = (self.bytes.len() - self.pos) as u64;
        let k = n.min(left);
        self.pos += k as usize;
        Ok(k)
    }
    fn read_into(&mut self, n: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let k = n.min(self.bytes.len() - self.pos);
        out.clear();
        out.extend_from_slice(&self.bytes[self.pos..self.pos + k]);
        self.pos += k;
        Ok(())
    }
    #[inline]
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }
    fn window(&self) -> usize {
        usize::MAX
    }
}

/// A stream read through one buffer that grows to the largest record held.
pub(crate) struct StreamFeed<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[start]`.
    at: u64,
    eof: bool,
    /// The last read was a whole record's (`read_into`): the next refill
    /// reads only what it is asked for, so that a following record read
    /// whole is read straight into its own buffer, not copied from here.
    took: bool,
}

impl<R: Read> StreamFeed<R> {
    /// A stream whose first `consumed` bytes were already read (the header).
    pub(crate) fn new(inner: R, head: &[u8], consumed: usize) -> StreamFeed<R> {
        let mut buf = vec![0; STREAM_BLOCK.max(head.len())];
        buf[..head.len()].copy_from_slice(head);
        StreamFeed {
            inner,
            buf,
            start: consumed.min(head.len()),
            end: head.len(),
            at: consumed.min(head.len()) as u64,
            eof: false,
            took: false,
        }
    }
}

impl<R: Read> StreamFeed<R> {
    /// Moves what is held to the buffer's start and reads until `n` bytes
    /// are held (or the input ends), `READ_STEP` at a time: a step's bytes
    /// are parsed while still in the cache the copy put them in.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, n: usize) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let want = n.max(STREAM_BLOCK);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let step = if std::mem::take(&mut self.took) {
            0
        } else {
            READ_STEP
        };
        let goal = n.max(self.end + step).min(self.buf.len());
        while self.end < n {
            match self.inner.read(&mut self.buf[self.end..goal]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl<R: Read> Feed for StreamFeed<R> {
    #[inline]
    fn fill(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.end - self.start < n && !self.eof {
            self.refill(n)?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    #[inline]
    fn held(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.at += n as u64;
    }

    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let held = (self.end - self.start) as u64;
        if n <= held {
            self.consume(n as usize);
            return Ok(n);
        }
        self.consume(held as usize);
        let mut left = n - held;
        while left > 0 && !self.eof {
            let k = (left.min(self.buf.len() as u64)) as usize;
            match self.inner.read(&mut self.buf[..k]) {
                Ok(0) => self.eof = true,
                Ok(r) => {
                    left -= r as u64;
                    self.at += r as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.start = 0;
        self.end = 0;
        Ok(n - left)
    }

    fn read_into(&mut self, n: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let held = (self.end - self.start).min(n);
        // Resizing a reused buffer of about this length zeroes little.
        out.resize(n, 0);
        out[..held].copy_from_slice(&self.buf[self.start..self.start + held]);
        self.consume(held);
        let mut got = held;
        while got < n && !self.eof {
            match self.inner.read(&mut out[got..n]) {
                Ok(0) => self.eof = true,
                Ok(k) => {
                    got += k;
                    self.at += k as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.truncate(got);
                    return Err(e);
                }
            }
        }
        out.truncate(got);
        self.took = true;
        Ok(())
    }

    fn offset(&self) -> u64 {
        self.at
    }

    fn window(&self) -> usize {
        STREAM_WINDOW
    }
}

/// A file read on a thread of its own, a block ahead of the parse: the
/// copies out of the page cache overlap the parsing of what came before.
/// Blocks go over a bounded channel and come back to be reused, so at
/// most `AHEAD` blocks are held.
pub(crate) struct ReadAhead {
    /// Blocks with how many of their bytes were read (0: the end).
    blocks: Receiver<io::Result<(Vec<u8>, usize)>>,
    back: SyncSender<Vec<u8>>,
    block: Vec<u8>,
    len: usize,
    at: usize,
    done: bool,
}

/// Blocks read ahead at most.
const AHEAD: usize = 4;

impl ReadAhead {
    /// Starts reading `inner` on a thread of `scope`, `READ_STEP` at a
    /// time; the thread ends at the end of `inner`, at a failed read, or
    /// when the `ReadAhead` is dropped.
    pub(crate) fn spawn<'scope, R: Read + Send + 'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        mut inner: R,
    ) -> ReadAhead {
        let (to, blocks) = sync_channel(AHEAD);
        let (back, returned) = sync_channel::<Vec<u8>>(AHEAD + 1);
        scope.spawn(move || loop {
            let mut b = returned.try_recv().unwrap_or_default();
            if b.len() < READ_STEP {
                b.resize(READ_STEP, 0);
            }
            let got = read_some(&mut inner, &mut b);
            let end = matches!(got, Ok(0) | Err(_));
            if to.send(got.map(|n| (b, n))).is_err() || end {
                return;
            }
        });
        ReadAhead {
            blocks,
            back,
            block: Vec::new(),
            len: 0,
            at: 0,
            done: false,
        }
    }
}

/// One read, retried when interrupted.
fn read_some(r: &mut impl Read, out: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(out) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.len {
            if self.done {
                return Ok(0);
            }
            match self.blocks.recv() {
                Ok(Ok((_, 0))) | Err(_) => self.done = true,
                Ok(Ok((b, n))) => {
                    let old = std::mem::replace(&mut self.block, b);
                    let _ = self.back.try_send(old);
                    self.len = n;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
        let n = out.len().min(self.len - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per read: the worst refill pattern.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(o)) => {
                    *o = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn stream_fills_skips_and_counts_offsets() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut f = StreamFeed::new(Trickle(&data[4..]), &data[..4], 2);
        assert_eq!(f.offset(), 2);
        assert_eq!(&f.fill(3).unwrap()[..3], &[2, 3, 4]);
        f.consume(3);
        assert_eq!(f.skip(1000).unwrap(), 1000);
        assert_eq!(f.offset(), 1005);
        assert_eq!(f.fill(2).unwrap()[0], (1005 % 256) as u8);
        assert_eq!(f.skip(1_000_000).unwrap(), 10_000 - 1005);
        assert!(f.fill(1).unwrap().is_empty());
    }

    #[test]
    fn slice_skip_stops_at_the_end() {
        let data = [1u8; 10];
        let mut f = SliceFeed::new(&data, 4);
        assert_eq!(f.skip(100).unwrap(), 6);
        assert_eq!(f.offset(), 10);
        assert!(f.fill(1).unwrap().is_empty());
    }

    #[test]
    fn read_ahead_hands_over_every_byte_in_order_and_stops_when_dropped() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3 * READ_STEP + 17).collect();
        let got = std::thread::scope(|scope| {
            let mut got = Vec::new();
            ReadAhead::spawn(scope, &data[..])
                .read_to_end(&mut got)
                .unwrap();
            got
        });
        assert_eq!(got, data);
        let trickled = std::thread::scope(|scope| {
            let mut got = Vec::new();
            ReadAhead::spawn(scope, Trickle(&data[..1000]))
                .read_to_end(&mut got)
                .unwrap();
            got
        });
        assert_eq!(trickled, data[..1000]);
        // A reader dropped before the end: the endless source's thread
        // ends, or this scope would never return.
        std::thread::scope(|scope| {
            let mut r = ReadAhead::spawn(scope, io::repeat(7));
            let mut some = [0u8; 10];
            r.read_exact(&mut some).unwrap();
            assert_eq!(some, [7; 10]);
        });
    }
}
