//! The running kernel's log: `/dev/kmsg` without blocking, or `dmesg`.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;

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

fn read_kmsg() -> io::Result<Vec<u8>> {
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")?;
    let mut out = Vec::new();
    // A record is at most 8 KiB (PRINTKRB_RECORD_MAX plus the header).
    let mut buf = vec![0u8; 16 * 1024];
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

/// `/dev/kmsg` records as RFC 3339 syslog lines (`2026-12-07T09:30:41.
/// 123456Z host kernel: message`): each record's microseconds since boot
/// placed after `boot`, so a file of them says when without this
/// machine's boot time. Only the kernel's own records (facility 0) are
/// kept; continuation lines (` KEY=value`) are dropped; the message is kept
/// as the kernel escaped it.
pub fn as_syslog(records: &[u8], boot: Timestamp, host: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() + records.len() / 4);
    for line in records.split(|&b| b == b'\n') {
        let Some(semi) = line.iter().position(|&b| b == b';') else {
            continue;
        };
        let mut head = line[..semi].split(|&b| b == b',');
        let num = |f: Option<&[u8]>| -> Option<u64> { std::str::from_utf8(f?).ok()?.parse().ok() };
        let (Some(prio), _, Some(usec)) = (num(head.next()), head.next(), num(head.next())) else {
            continue;
        };
        if prio >> 3 != 0 {
            continue;
        }
        let Ok(at) = boot.checked_add(jiff::SignedDuration::from_micros(usec as i64)) else {
            continue;
        };
        out.extend_from_slice(format!("{at} {host} kernel: ").as_bytes());
        out.extend_from_slice(&line[semi + 1..]);
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
    fn boot_time_is_in_the_past() {
        let b = boot_time().expect("Linux has /proc/stat btime");
        assert!(b < Timestamp::now());
    }
}
