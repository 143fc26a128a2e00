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

    #[test]
    fn boot_time_is_in_the_past() {
        let b = boot_time().expect("Linux has /proc/stat btime");
        assert!(b < Timestamp::now());
    }
}
