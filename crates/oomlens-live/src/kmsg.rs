//! The running kernel's log: `/dev/kmsg` without blocking, or `dmesg`
//! ([`read`]); `/dev/kmsg` followed record by record ([`Follower`]), its
//! records taken apart ([`Record::parse`]), and where a follower stopped
//! kept across restarts ([`Cursor`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;

/// The kernel log as read, and from where.
pub struct KernelLog {
    /// `/dev/kmsg` records (`prio,seq,usec,flags;message`) or `dmesg` lines.
    pub bytes: Vec<u8>,
    /// Where it came from, for citations: `/dev/kmsg` or `dmesg`.
    pub source: &'static str,
}

/// Reads every record the kernel still holds. Tries `/dev/kmsg` first (one
/// record per read, stopping at `EAGAIN`), then the `dmesg` command.
pub fn read() -> io::Result<KernelLog> {
    match read_kmsg() {
        Ok(bytes) => Ok(KernelLog {
            bytes,
            source: "/dev/kmsg",
        }),
        Err(kmsg_err) => {
            let out = std::process::Command::new("dmesg").output().map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot read /dev/kmsg ({kmsg_err}) nor run dmesg ({e})"),
                )
            })?;
            if !out.status.success() {
                return Err(io::Error::other(format!(
                    "cannot read /dev/kmsg ({kmsg_err}); dmesg failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            Ok(KernelLog {
                bytes: out.stdout,
                source: "dmesg",
            })
        }
    }
}

/// A record is at most 8 KiB (PRINTKRB_RECORD_MAX plus the header).
const RECORD_MAX: usize = 16 * 1024;

fn open_kmsg() -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
}

fn read_kmsg() -> io::Result<Vec<u8>> {
    let mut f = open_kmsg()?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; RECORD_MAX];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if buf[n - 1] != b'\n' {
                    out.push(b'\n');
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // EPIPE: the ring buffer overwrote the record we were about to
            // read; the next read continues with the oldest one left.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// One `/dev/kmsg` record: `prio,seq,usec,flags[,...];message`, then
/// dictionary lines (` KEY=value`) that are not part of the message
/// (Documentation/ABI/testing/dev-kmsg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Facility and level, as `(facility << 3) | level`.
    pub prio: u32,
    /// The record's sequence number: one more for each record the kernel
    /// logs, from 0 at boot.
    pub seq: u64,
    /// Microseconds since boot (the monotonic clock).
    pub usec: u64,
    /// `c` for a continuation of the previous record, `-` otherwise.
    pub flag: u8,
    /// The record's first line as read (header and message, non-printable
    /// bytes escaped as `\xNN` by the kernel), what the kernel parser reads.
    pub line: &'a [u8],
    /// The message alone.
    pub message: &'a [u8],
}

impl<'a> Record<'a> {
    /// Takes a record apart; `None` when its header is not
    /// `prio,seq,usec,flags;`.
    pub fn parse(buf: &'a [u8]) -> Option<Record<'a>> {
        let line = &buf[..memchr_nl(buf)];
        let h = oomlens_evidence::framing::kmsg_head(line)?;
        Some(Record {
            prio: h.prio,
            seq: h.seq,
            usec: h.usec,
            flag: h.flag,
            line,
            message: &line[h.message_at..],
        })
    }
}

fn memchr_nl(buf: &[u8]) -> usize {
    buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len())
}

/// Where a follower starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The oldest record the kernel still holds.
    Oldest,
    /// After the last record logged so far: only what comes next.
    End,
    /// After the record with this sequence number: records up to it are
    /// skipped (read before a restart), records the ring buffer lost since
    /// are counted as missed.
    After(u64),
}

/// Follows `/dev/kmsg` one record at a time, waiting for the next one with
/// `poll(2)`. Each record is yielded once, in sequence order; what the ring
/// buffer overwrote before it could be read (`EPIPE`, or a jump in the
/// sequence) is counted, never an error.
pub struct Follower {
    file: File,
    buf: Vec<u8>,
    /// The sequence number of the last record yielded or skipped.
    last: Option<u64>,
    /// Skip records up to this sequence number (already read).
    skip_to: Option<u64>,
    /// Times a read failed with `EPIPE`: the ring buffer overran the reader.
    pub overruns: u64,
    /// Records lost between two records read (sequence numbers jumped).
    pub missed: u64,
}

impl Follower {
    /// Opens `/dev/kmsg` at `start`.
    pub fn open(start: Start) -> io::Result<Follower> {
        let file = open_kmsg()?;
        if start == Start::End {
            // SEEK_END on /dev/kmsg: after the last record (devkmsg_llseek).
            // SAFETY: lseek on a descriptor we own.
            if unsafe { libc::lseek(file.as_raw_fd(), 0, libc::SEEK_END) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Follower {
            file,
            buf: vec![0u8; RECORD_MAX],
            last: None,
            skip_to: match start {
                Start::After(seq) => Some(seq),
                _ => None,
            },
            overruns: 0,
            missed: 0,
        })
    }

    /// The next record, waiting at most `wait` for one; `None` when none
    /// came. Records that cannot be taken apart are skipped.
    pub fn next(&mut self, wait: Duration) -> io::Result<Option<Record<'_>>> {
        let mut waited = false;
        loop {
            match self.file.read(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    let Some(r) = Record::parse(&self.buf[..n]) else {
                        continue;
                    };
                    let seq = r.seq;
                    if self.skip_to.is_some_and(|s| seq <= s) {
                        continue;
                    }
                    let after = self.last.or(self.skip_to.take());
                    if let Some(prev) = after {
                        self.missed += seq.saturating_sub(prev + 1);
                    }
                    self.last = Some(seq);
                    // Borrow the record again from the buffer it lives in.
                    return Ok(Record::parse(&self.buf[..n]));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if waited {
                        return Ok(None);
                    }
                    waited = true;
                    poll_in(&self.file, wait)?;
                }
                // The ring buffer overwrote the record we were about to
                // read; the next read continues with the oldest one left
                // (the jump in sequence numbers is counted as missed).
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => self.overruns += 1,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

fn poll_in(file: &File, wait: Duration) -> io::Result<()> {
    let mut fd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one pollfd that lives across the call.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

/// Where a follower got to, kept in a file across restarts: the boot (its
/// `/proc/sys/kernel/random/boot_id`, since sequence numbers start again at
/// each boot) and the sequence number of the last record fully handled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub boot_id: String,
    pub seq: u64,
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`).
pub fn boot_id() -> io::Result<String> {
    Ok(std::fs::read_to_string("/proc/sys/kernel/random/boot_id")?
        .trim()
        .to_string())
}

impl Cursor {
    /// Reads a cursor file; `None` when there is none or it cannot be read.
    pub fn load(path: &Path) -> Option<Cursor> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// Where to start in this boot: after the cursor when it is of this
    /// boot, else (`None`, another boot) from `fresh`.
    pub fn start(cursor: Option<&Cursor>, boot_id: &str, fresh: Start) -> Start {
        match cursor {
            Some(c) if c.boot_id == boot_id => Start::After(c.seq),
            Some(_) => Start::Oldest,
            None => fresh,
        }
    }

    /// Writes the cursor file whole or not at all (a temporary file renamed
    /// over it).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(self).map_err(io::Error::other)?)?;
        std::fs::rename(&tmp, path)
    }
}

/// The instant the kernel's log clock started, to the microsecond: now
/// minus `CLOCK_MONOTONIC` (the clock `/dev/kmsg` stamps count, suspend
/// aside). [`boot_time`] is the same to the second.
pub fn clock_start() -> Option<Timestamp> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec for the call to fill.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } != 0 {
        return None;
    }
    let up = jiff::SignedDuration::new(ts.tv_sec, i32::try_from(ts.tv_nsec).ok()?);
    Timestamp::now().checked_sub(up).ok()
}

/// `/dev/kmsg` records as RFC 3339 syslog lines (`2026-12-07T09:30:41.
/// 123456Z host kernel: message`): each record's microseconds since boot
/// placed after `boot`, so a file of them says when without this
/// machine's boot time. Only the kernel's own records (facility 0) are
/// kept; continuation lines (` KEY=value`) are dropped; the message is kept
/// as the kernel escaped it.
pub fn as_syslog(records: &[u8], boot: Timestamp, host: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() + records.len() / 4);
    for line in records.split(|&b| b == b'\n') {
        let Some(r) = Record::parse(line) else {
            continue;
        };
        if r.prio >> 3 != 0 {
            continue;
        }
        let Ok(at) = boot.checked_add(jiff::SignedDuration::from_micros(r.usec as i64)) else {
            continue;
        };
        out.extend_from_slice(format!("{at} {host} kernel: ").as_bytes());
        out.extend_from_slice(r.message);
        out.push(b'\n');
    }
    out
}

/// `dmesg` lines (`[  122.333131] message`) as [`as_syslog`] writes
/// records: each placed after `boot`. Lines without a stamp are dropped.
pub fn dmesg_as_syslog(lines: &[u8], boot: Timestamp, host: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() + lines.len() / 4);
    for line in lines.split(|&b| b == b'\n') {
        let Some(rest) = line.strip_prefix(b"[") else {
            continue;
        };
        let Some(close) = rest.iter().position(|&b| b == b']') else {
            continue;
        };
        let secs = std::str::from_utf8(&rest[..close])
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok());
        let Some(at) = secs
            .and_then(|s| jiff::SignedDuration::try_from_secs_f64(s).ok())
            .and_then(|d| boot.checked_add(d).ok())
        else {
            continue;
        };
        let msg = rest[close + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&rest[close + 1..]);
        out.extend_from_slice(format!("{at} {host} kernel: ").as_bytes());
        out.extend_from_slice(msg);
        out.push(b'\n');
    }
    out
}

/// This machine's boot instant, from `btime` in `/proc/stat`.
pub fn boot_time() -> Option<Timestamp> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let secs: i64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Timestamp::from_second(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kmsg record and a dmesg line of the same message become the same
    /// syslog line; a continuation line, a record of another facility and
    /// a line without a stamp are dropped.
    #[test]
    fn kmsg_records_and_dmesg_lines_become_syslog_lines_in_time() {
        let boot = Timestamp::from_second(1_700_000_000).unwrap();
        let want = "2023-11-14T22:13:21.5Z node1 kernel: Linux version 6.1\n\
             2023-11-14T22:13:23.000001Z node1 kernel: Memory cgroup out of memory: Killed process 42 (java)\n";
        let recs = b"6,1,1500000,-;Linux version 6.1\n SUBSYSTEM=x\n14,2,2000000,-;systemd[1]: hi\n4,3,3000001,-;Memory cgroup out of memory: Killed process 42 (java)\nnot a record\n";
        let lines = b"[    1.500000] Linux version 6.1\n[   3.000001] Memory cgroup out of memory: Killed process 42 (java)\nno stamp\n";
        for got in [
            as_syslog(recs, boot, "node1"),
            dmesg_as_syslog(lines, boot, "node1"),
        ] {
            assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }

    #[test]
    fn records_taken_apart() {
        let r =
            Record::parse(b"6,1234,5678901,-,caller=T12;Killed process 7 (x)\n SUBSYSTEM=mem\n")
                .unwrap();
        assert_eq!((r.prio, r.seq, r.usec, r.flag), (6, 1234, 5678901, b'-'));
        assert_eq!(r.message, b"Killed process 7 (x)");
        assert_eq!(r.line, b"6,1234,5678901,-,caller=T12;Killed process 7 (x)");
        let c = Record::parse(b"4,9,10,c;more").unwrap();
        assert_eq!((c.flag, c.message), (b'c', &b"more"[..]));
        for bad in [
            &b""[..],
            b"no header",
            b"x,1,2,-;m",
            b"6,1;m",
            b"6,-1,2,-;m",
        ] {
            assert_eq!(
                Record::parse(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_cursor_resumes_only_in_its_own_boot() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kmsg.cursor");
        assert_eq!(Cursor::load(&p), None);
        let c = Cursor {
            boot_id: "b1".into(),
            seq: 42,
        };
        c.save(&p).unwrap();
        let back = Cursor::load(&p);
        assert_eq!(back.as_ref(), Some(&c));
        assert_eq!(
            Cursor::start(back.as_ref(), "b1", Start::End),
            Start::After(42)
        );
        assert_eq!(
            Cursor::start(back.as_ref(), "b2", Start::End),
            Start::Oldest
        );
        assert_eq!(Cursor::start(None, "b1", Start::End), Start::End);
        std::fs::write(&p, "garbage").unwrap();
        assert_eq!(Cursor::load(&p), None);
    }

    #[test]
    fn a_follower_sees_each_new_record_once_in_order() {
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("needs root to write /dev/kmsg");
            return;
        }
        let mut f = Follower::open(Start::End).unwrap();
        let tag = format!("oomlens-follow-{}", std::process::id());
        for i in 0..3 {
            std::fs::write("/dev/kmsg", format!("{tag} {i}\n")).unwrap();
        }
        let mut seen = Vec::new();
        let mut seqs = Vec::new();
        while let Some(r) = f.next(Duration::from_millis(200)).unwrap() {
            if r.message.starts_with(tag.as_bytes()) {
                seen.push(String::from_utf8_lossy(r.message).into_owned());
                seqs.push(r.seq);
            }
        }
        assert_eq!(
            seen,
            vec![format!("{tag} 0"), format!("{tag} 1"), format!("{tag} 2")]
        );
        // Resumed after the first: the other two, nothing before.
        let mut g = Follower::open(Start::After(seqs[0])).unwrap();
        let mut again = Vec::new();
        while let Some(r) = g.next(Duration::from_millis(100)).unwrap() {
            assert!(r.seq > seqs[0]);
            if r.message.starts_with(tag.as_bytes()) {
                again.push(r.seq);
            }
        }
        assert_eq!(again, seqs[1..]);
    }

    #[test]
    fn boot_time_is_in_the_past() {
        let b = boot_time().expect("Linux has /proc/stat btime");
        assert!(b < Timestamp::now());
        // The same instant, to the second (btime is rounded).
        let c = clock_start().expect("CLOCK_MONOTONIC");
        let apart = (c.as_millisecond() - b.as_millisecond()).abs();
        assert!(apart <= 1500, "{c} vs {b}");
    }
}
