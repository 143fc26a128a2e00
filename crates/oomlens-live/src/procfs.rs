//! What `/proc/PID/status` says about a process that the collectors need:
//! its pid inside its own pid namespace (`NStgid`/`NSpid`, what a JVM in a
//! container calls itself and names its files by), its user and group ids,
//! and its signal dispositions (`SigCgt`, `SigIgn`, `SigBlk`). Field names
//! are the kernel's (`fs/proc/array.c`).

use std::io;

/// The fields of `/proc/PID/status` oomlens reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `Name:`, the command name (at most 15 bytes).
    pub name: String,
    /// `Tgid:`, the process (thread group) id as this machine sees it.
    pub tgid: u32,
    /// The process id in its own, innermost pid namespace: the last field
    /// of `NStgid:` (else `NSpid:`, else `Tgid:` on kernels before 4.1).
    pub ns_pid: u32,
    /// `Uid:` real, effective, saved, filesystem.
    pub uid: [u32; 4],
    /// `Gid:` real, effective, saved, filesystem.
    pub gid: [u32; 4],
    /// `SigCgt:`, the signals the process has a handler for (bit n-1 for
    /// signal n).
    pub sig_cgt: u64,
    /// `SigIgn:`, the signals it ignores.
    pub sig_ign: u64,
    /// `SigBlk:`, the signals its main thread blocks.
    pub sig_blk: u64,
}

impl Status {
    /// Reads `/proc/PID/status`.
    pub fn read(pid: u32) -> io::Result<Status> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        Status::parse(&text).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("/proc/{pid}/status has no Tgid, Uid or Gid line"),
            )
        })
    }

    /// Parses the text of a status file; `None` when `Tgid`, `Uid` or `Gid`
    /// is missing or malformed. A missing signal mask reads as empty.
    pub fn parse(text: &str) -> Option<Status> {
        let mut name = String::new();
        let (mut tgid, mut ns_tgid, mut ns_pid) = (None, None, None);
        let (mut uid, mut gid) = (None, None);
        let (mut sig_cgt, mut sig_ign, mut sig_blk) = (0, 0, 0);
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key {
                "Name" => name = value.to_string(),
                "Tgid" => tgid = value.parse().ok(),
                "NStgid" => ns_tgid = last_number(value),
                "NSpid" => ns_pid = last_number(value),
                "Uid" => uid = ids(value),
                "Gid" => gid = ids(value),
                "SigCgt" => sig_cgt = u64::from_str_radix(value, 16).unwrap_or(0),
                "SigIgn" => sig_ign = u64::from_str_radix(value, 16).unwrap_or(0),
                "SigBlk" => sig_blk = u64::from_str_radix(value, 16).unwrap_or(0),
                _ => {}
            }
        }
        let tgid = tgid?;
        Some(Status {
            name,
            tgid,
            ns_pid: ns_tgid.or(ns_pid).unwrap_or(tgid),
            uid: uid?,
            gid: gid?,
            sig_cgt,
            sig_ign,
            sig_blk,
        })
    }

    /// The effective user id.
    pub fn euid(&self) -> u32 {
        self.uid[1]
    }

    /// The effective group id.
    pub fn egid(&self) -> u32 {
        self.gid[1]
    }

    /// Whether the process has a handler installed for signal `sig` and
    /// does not ignore it (a blocked signal stays pending until unblocked,
    /// so blocking does not count against it).
    pub fn catches(&self, sig: i32) -> bool {
        let Some(bit) = u32::try_from(sig - 1).ok().filter(|b| *b < 64) else {
            return false;
        };
        self.sig_cgt >> bit & 1 == 1 && self.sig_ign >> bit & 1 == 0
    }
}

fn last_number(v: &str) -> Option<u32> {
    v.split_whitespace().last()?.parse().ok()
}

fn ids(v: &str) -> Option<[u32; 4]> {
    let mut it = v.split_whitespace().map(|x| x.parse::<u32>());
    let mut out = [0; 4];
    for slot in &mut out {
        *slot = it.next()?.ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JVM run as `nobody` in its own pid namespace, as a container
    /// runtime starts it: the layout and the signal masks of a real OpenJDK
    /// 17's status on this machine, the ids written for the case.
    const JVM_IN_NAMESPACE: &str = "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t22304\nNgid:\t0\nPid:\t22304\nPPid:\t1\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nNStgid:\t22304\t1\nNSpid:\t22304\t1\nSigQ:\t0/31721\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000002\nSigCgt:\t2000000101005ccd\n";

    #[test]
    fn status_of_a_jvm_in_a_namespace() {
        let s = Status::parse(JVM_IN_NAMESPACE).unwrap();
        assert_eq!(s.name, "java");
        assert_eq!((s.tgid, s.ns_pid), (22304, 1));
        assert_eq!((s.euid(), s.egid()), (65534, 65534));
        assert!(s.catches(libc::SIGQUIT));
        // SIGINT is ignored (a job started in the background by a shell).
        assert!(!s.catches(libc::SIGINT));
        assert!(!s.catches(0) && !s.catches(65));
    }

    #[test]
    fn status_without_namespace_fields_uses_tgid() {
        let s = Status::parse("Tgid:\t7\nUid:\t0 0 0 0\nGid:\t0 0 0 0\n").unwrap();
        assert_eq!(s.ns_pid, 7);
        assert!(!s.catches(libc::SIGQUIT));
    }

    #[test]
    fn status_weird() {
        assert_eq!(Status::parse(""), None);
        assert_eq!(
            Status::parse("Tgid:\tx\nUid:\t0 0 0 0\nGid:\t0 0 0 0\n"),
            None
        );
        assert_eq!(
            Status::parse("Tgid:\t1\nUid:\t0 0 0\nGid:\t0 0 0 0\n"),
            None
        );
        let s = Status::parse("Tgid:\t1\nUid:\t0 0 0 0\nGid:\t0 0 0 0\nSigCgt:\tzz\n").unwrap();
        assert_eq!(s.sig_cgt, 0);
    }
}
