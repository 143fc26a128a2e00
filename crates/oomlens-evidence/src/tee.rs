//! One stream read by two consumers at once: what lets a text input be
//! scanned as a kernel log and as a container log in a single read (a pipe
//! or stdin cannot be read twice).
//!
//! The calling thread reads blocks and hands each, shared, to two scoped
//! threads through bounded channels, so memory stays at a few blocks
//! whatever the input's size. A consumer that stops early (an error) no
//! longer gets blocks; the other one reads on to the end.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

const BLOCK: usize = 1 << 20;
/// Blocks in flight per consumer.
const DEPTH: usize = 4;

/// Runs `a` and `b` on the same bytes of `reader`, each on its own thread,
/// and returns both results. An error reading `reader` reaches both
/// consumers as their reader's error.
pub fn both<R, A, B, TA, TB>(mut reader: R, a: A, b: B) -> (io::Result<TA>, io::Result<TB>)
where
    R: Read,
    A: FnOnce(ChannelReader) -> io::Result<TA> + Send,
    B: FnOnce(ChannelReader) -> io::Result<TB> + Send,
    TA: Send,
    TB: Send,
{
    let (ta, ra) = sync_channel::<Block>(DEPTH);
    let (tb, rb) = sync_channel::<Block>(DEPTH);
    std::thread::scope(|s| {
        let ha = s.spawn(move || a(ChannelReader::new(ra)));
        let hb = s.spawn(move || b(ChannelReader::new(rb)));
        feed(&mut reader, ta, tb);
        let ra = ha.join().unwrap_or_else(|_| Err(panicked()));
        let rb = hb.join().unwrap_or_else(|_| Err(panicked()));
        (ra, rb)
    })
}

fn panicked() -> io::Error {
    io::Error::other("a scanner stopped unexpectedly")
}

type Block = Result<Arc<Vec<u8>>, (io::ErrorKind, String)>;

fn feed<R: Read>(reader: &mut R, ta: SyncSender<Block>, tb: SyncSender<Block>) {
    let (mut ta, mut tb) = (Some(ta), Some(tb));
    loop {
        let mut buf = vec![0u8; BLOCK];
        let block: Block = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                Ok(Arc::new(buf))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Err((e.kind(), e.to_string())),
        };
        let end = block.is_err();
        for t in [&mut ta, &mut tb] {
            if t.as_ref().is_some_and(|s| s.send(block.clone()).is_err()) {
                *t = None;
            }
        }
        if end || (ta.is_none() && tb.is_none()) {
            return;
        }
    }
}

/// The reading end a consumer of [`both`] gets.
pub struct ChannelReader {
    rx: Receiver<Block>,
    block: Arc<Vec<u8>>,
    at: usize,
}

impl ChannelReader {
    fn new(rx: Receiver<Block>) -> ChannelReader {
        ChannelReader {
            rx,
            block: Arc::new(Vec::new()),
            at: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            match self.rx.recv() {
                Ok(Ok(b)) => {
                    self.block = b;
                    self.at = 0;
                }
                Ok(Err((kind, msg))) => return Err(io::Error::new(kind, msg)),
                // The feeder is done: the end of the input.
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.block.len() - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(mut r: ChannelReader) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        r.read_to_end(&mut v)?;
        Ok(v)
    }

    #[test]
    fn both_consumers_see_every_byte() {
        let data: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let (a, b) = both(&data[..], all, all);
        assert_eq!(a.unwrap(), data);
        assert_eq!(b.unwrap(), data);
    }

    #[test]
    fn one_consumer_stopping_does_not_stall_the_other() {
        let data = vec![b'x'; 20 * BLOCK];
        let (a, b) = both(&data[..], |_| Err::<(), _>(io::Error::other("stop")), all);
        assert!(a.is_err());
        assert_eq!(b.unwrap().len(), data.len());
    }

    #[test]
    fn a_read_error_reaches_both() {
        struct Fails(bool);
        impl Read for Fails {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("disk gone"));
                }
                out[..3].copy_from_slice(b"abc");
                Ok(3)
            }
        }
        let (a, b) = both(Fails(false), all, all);
        assert_eq!(a.unwrap_err().to_string(), "disk gone");
        assert_eq!(b.unwrap_err().to_string(), "disk gone");
    }
}
