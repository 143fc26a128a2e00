//! The spool: a bounded folder on the node where the evidence of kills and
//! the JVM captures before them survive the kill and the restart.
//!
//! ```text
//! SPOOL/
//!   events.jsonl                        every event line (rotated to .1 at 4 MiB)
//!   kmsg.cursor                         where the kernel log was read to
//!   oom-kill-counters.json              the cgroups' OOM-kill counters as last read
//!   <key>/                              one folder per container (Identity::key)
//!     <stamp>-capture-histogram-80/     its class histogram alone (--histogram-at)
//!     <stamp>-capture-90/               a JVM capture not yet followed by a kill
//!     <stamp>-kill-<id>/                a kill: event.json, kern.log,
//!       <stamp>-capture-90/             samples.om, the captures before it
//!       diagnosis.json                  (moved in), the Diagnosis
//!       report.html                     and the same as the HTML report
//! ```
//!
//! Entries (the second level) are named from the UTC instant they were made
//! so that names sort in time; [`Spool::enforce`] drops the oldest entries,
//! whole, until both the count and the size limit hold.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The limits of a spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 256 << 20,
            max_entries: 200,
        }
    }
}

const EVENTS: &str = "events.jsonl";
const EVENTS_MAX: u64 = 4 << 20;
/// The cursor file of the kernel-log follower.
pub const CURSOR: &str = "kmsg.cursor";
/// The OOM-kill counters as last read (`{"boot_id", "counters"}`).
pub const COUNTERS: &str = "oom-kill-counters.json";

/// One entry, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The container folder's name.
    pub key: String,
    /// The entry's name (`<stamp>-kill-<id>`, `<stamp>-capture-90`).
    pub name: String,
    pub path: PathBuf,
    pub bytes: u64,
}

impl Entry {
    /// `kill` or `capture`.
    pub fn kind(&self) -> &str {
        if self.name.contains("-kill-") {
            "kill"
        } else {
            "capture"
        }
    }
}

/// An open spool.
#[derive(Debug, Clone)]
pub struct Spool {
    root: PathBuf,
    limits: Limits,
}

impl Spool {
    /// Opens (and creates) the spool at `root`.
    pub fn open(root: &Path, limits: Limits) -> io::Result<Spool> {
        std::fs::create_dir_all(root)?;
        Ok(Spool {
            root: root.to_path_buf(),
            limits,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its size and entry limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn cursor(&self) -> PathBuf {
        self.root.join(CURSOR)
    }

    pub fn counters(&self) -> PathBuf {
        self.root.join(COUNTERS)
    }

    /// Makes the entry `<stamp>-<what>` of container `key`.
    pub fn make(&self, key: &str, at: jiff::Timestamp, what: &str) -> io::Result<PathBuf> {
        let dir = self.root.join(key).join(format!("{}-{what}", stamp(at)));
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// The captures of container `key` not yet tied to a kill, oldest first.
    pub fn captures(&self, key: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = read_dirs(&self.root.join(key))
            .into_iter()
            .filter(|p| name(p).contains("-capture-"))
            .collect();
        out.sort();
        out
    }

    /// Moves the captures of `key` into the kill entry `kill`; returns how
    /// many.
    pub fn adopt_captures(&self, key: &str, kill: &Path) -> usize {
        self.captures(key)
            .into_iter()
            .filter(|c| std::fs::rename(c, kill.join(name(c))).is_ok())
            .count()
    }

    /// Appends one event line to `events.jsonl`, rotating it at 4 MiB.
    pub fn append_event(&self, line: &[u8]) -> io::Result<()> {
        let p = self.root.join(EVENTS);
        if std::fs::metadata(&p).is_ok_and(|m| m.len() + line.len() as u64 > EVENTS_MAX) {
            std::fs::rename(&p, self.root.join(format!("{EVENTS}.1")))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)?;
        f.write_all(line)
    }

    /// Whether an entry whose name ends with `suffix` exists.
    pub fn has(&self, suffix: &str) -> bool {
        read_dirs(&self.root)
            .iter()
            .flat_map(|k| read_dirs(k))
            .any(|e| name(&e).ends_with(suffix))
    }

    /// Every entry, oldest first (by name, then key).
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        for k in read_dirs(&self.root) {
            for e in read_dirs(&k) {
                out.push(Entry {
                    key: name(&k).to_string(),
                    name: name(&e).to_string(),
                    bytes: du(&e),
                    path: e,
                });
            }
        }
        out.sort_by(|a, b| (&a.name, &a.key).cmp(&(&b.name, &b.key)));
        out
    }

    /// Finds an entry by its name, `key/name`, or a unique prefix of a name.
    pub fn find(&self, which: &str) -> Option<Entry> {
        let all = self.entries();
        let exact = all
            .iter()
            .find(|e| e.name == which || format!("{}/{}", e.key, e.name) == which);
        if let Some(e) = exact {
            return Some(e.clone());
        }
        let mut starts = all.into_iter().filter(|e| e.name.starts_with(which));
        let first = starts.next()?;
        starts.next().is_none().then_some(first)
    }

    /// Drops the oldest entries until at most `max_entries` remain and they
    /// hold at most `max_bytes` (the event log counted in); removes
    /// container folders left empty. Returns the bytes held after and the
    /// entries dropped.
    pub fn enforce(&self) -> (u64, usize) {
        let entries = self.entries();
        let events = du(&self.root.join(EVENTS)) + du(&self.root.join(format!("{EVENTS}.1")));
        let mut total: u64 = events + entries.iter().map(|e| e.bytes).sum::<u64>();
        let mut count = entries.len();
        let mut dropped = 0;
        for e in &entries {
            if count <= self.limits.max_entries && total <= self.limits.max_bytes {
                break;
            }
            if std::fs::remove_dir_all(&e.path).is_ok() {
                total -= e.bytes;
                count -= 1;
                dropped += 1;
                let _ = std::fs::remove_dir(e.path.parent().unwrap_or(&self.root));
            }
        }
        (total, dropped)
    }
}

/// A UTC instant as a name part that sorts in time: `20261207T093012.123Z`.
pub fn stamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%S.%3fZ").to_string()
}

fn name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn read_dirs(d: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(d)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Bytes of the files under `p` (or of `p`, a file).
pub fn du(p: &Path) -> u64 {
    let Ok(m) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    if !m.is_dir() {
        return m.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.flatten().map(|e| du(&e.path())).sum())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(1_700_000_000_000 + ms).unwrap()
    }

    #[test]
    fn the_oldest_entries_go_first_until_the_limits_hold() {
        let d = tempfile::tempdir().unwrap();
        let s = Spool::open(
            d.path(),
            Limits {
                max_bytes: 2500,
                max_entries: 3,
            },
        )
        .unwrap();
        for (i, key) in ["a", "b", "a", "c", "b"].iter().enumerate() {
            let e = s.make(key, at(i as i64 * 1000), "capture-90").unwrap();
            std::fs::write(e.join("x.txt"), vec![b'x'; 1000]).unwrap();
        }
        let (bytes, dropped) = s.enforce();
        assert_eq!(
            (bytes, dropped),
            (2000, 3),
            "2 by count, then 1 more by size"
        );
        let left: Vec<String> = s.entries().iter().map(|e| e.key.clone()).collect();
        assert_eq!(left, vec!["c", "b"], "the newest two");
        assert!(
            !d.path().join("a").exists(),
            "an emptied container folder goes"
        );
    }

    #[test]
    fn a_kill_adopts_its_containers_captures() {
        let d = tempfile::tempdir().unwrap();
        let s = Spool::open(d.path(), Limits::default()).unwrap();
        s.make("k", at(0), "capture-90").unwrap();
        s.make("k", at(10), "capture-95").unwrap();
        s.make("other", at(5), "capture-90").unwrap();
        let kill = s.make("k", at(20), "kill-kmsg-1-2").unwrap();
        assert_eq!(s.adopt_captures("k", &kill), 2);
        assert!(s.captures("k").is_empty());
        assert_eq!(s.captures("other").len(), 1);
        assert!(kill.join("20231114T221320.000Z-capture-90").is_dir());
        let e = s.find("20231114T221320.020Z").unwrap();
        assert_eq!((e.kind(), e.key.as_str()), ("kill", "k"));
        assert!(s.find("2023").is_none(), "ambiguous prefix");
        assert!(s.find("k/20231114T221320.020Z-kill-kmsg-1-2").is_some());
    }

    #[test]
    fn the_event_log_rotates() {
        let d = tempfile::tempdir().unwrap();
        let s = Spool::open(d.path(), Limits::default()).unwrap();
        let big = vec![b'x'; (EVENTS_MAX / 2) as usize];
        for _ in 0..3 {
            s.append_event(&big).unwrap();
        }
        assert!(d.path().join("events.jsonl.1").is_file());
        assert!(du(&d.path().join(EVENTS)) <= EVENTS_MAX);
    }
}
