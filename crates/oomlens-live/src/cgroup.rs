//! The node's memory cgroups, sampled: cgroup v1
//! (`memory.usage_in_bytes`, `memory.stat`, `memory.failcnt`,
//! `memory.limit_in_bytes`, `memory.oom_control`) and v2 (`memory.current`,
//! `memory.stat`, `memory.events`, `memory.max`), read into the values
//! cAdvisor would export, so the samples can be written as OpenMetrics and
//! read back like any Prometheus data.

use std::path::{Path, PathBuf};

use crate::openmetrics::{Kind, Writer};

/// Which hierarchy a cgroup is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// The memory controller's root on this machine.
pub fn memory_root() -> Option<(Version, PathBuf)> {
    let v1 = Path::new("/sys/fs/cgroup/memory");
    if v1.join("memory.usage_in_bytes").exists() {
        return Some((Version::V1, v1.to_path_buf()));
    }
    let v2 = Path::new("/sys/fs/cgroup");
    std::fs::read_to_string(v2.join("cgroup.controllers"))
        .ok()
        .filter(|c| c.split_whitespace().any(|x| x == "memory"))
        .map(|_| (Version::V2, v2.to_path_buf()))
}

/// One reading of one cgroup, in cAdvisor's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub usage_bytes: u64,
    /// Usage minus inactive file pages (what the kubelet evicts on).
    pub working_set_bytes: u64,
    pub rss_bytes: u64,
    pub cache_bytes: u64,
    pub failcnt: u64,
    /// `None` when unlimited.
    pub limit_bytes: Option<u64>,
    pub oom_events: u64,
}

fn read_u64(p: &Path) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn stat(p: &Path) -> Vec<(String, u64)> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// The cgroup's OOM-kill counter alone (`oom_kill` of `memory.oom_control`
/// on v1, of `memory.events` on v2): one small file, cheap enough to read
/// for every cgroup whenever a kill needs placing. `None` when the file or
/// the field is not there.
pub fn oom_kills(version: Version, dir: &Path) -> Option<u64> {
    let file = match version {
        Version::V1 => "memory.oom_control",
        Version::V2 => "memory.events",
    };
    std::fs::read_to_string(dir.join(file))
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix("oom_kill ")
                .and_then(|v| v.trim().parse().ok())
        })
}

/// Reads one cgroup (a folder under the memory root).
pub fn read(version: Version, dir: &Path) -> Option<Reading> {
    let get = |s: &[(String, u64)], k: &str| s.iter().find(|(x, _)| x == k).map(|x| x.1);
    match version {
        Version::V1 => {
            let usage = read_u64(&dir.join("memory.usage_in_bytes"))?;
            let s = stat(&dir.join("memory.stat"));
            let inactive = get(&s, "total_inactive_file")
                .or(get(&s, "inactive_file"))
                .unwrap_or(0);
            let limit = read_u64(&dir.join("memory.limit_in_bytes")).filter(|&l| l < 1 << 62);
            let oom = oom_kills(version, dir).unwrap_or(0);
            Some(Reading {
                usage_bytes: usage,
                working_set_bytes: usage.saturating_sub(inactive),
                rss_bytes: get(&s, "total_rss").or(get(&s, "rss")).unwrap_or(0),
                cache_bytes: get(&s, "total_cache").or(get(&s, "cache")).unwrap_or(0),
                failcnt: read_u64(&dir.join("memory.failcnt")).unwrap_or(0),
                limit_bytes: limit,
                oom_events: oom,
            })
        }
        Version::V2 => {
            let usage = read_u64(&dir.join("memory.current"))?;
            let s = stat(&dir.join("memory.stat"));
            let events = stat(&dir.join("memory.events"));
            let limit = std::fs::read_to_string(dir.join("memory.max"))
                .ok()
                .and_then(|t| t.trim().parse().ok());
            Some(Reading {
                usage_bytes: usage,
                working_set_bytes: usage.saturating_sub(get(&s, "inactive_file").unwrap_or(0)),
                rss_bytes: get(&s, "anon").unwrap_or(0),
                cache_bytes: get(&s, "file").unwrap_or(0),
                // v2 has no failcnt: `max` counts the times usage hit the limit.
                failcnt: get(&events, "max").unwrap_or(0),
                limit_bytes: limit,
                oom_events: get(&events, "oom_kill").unwrap_or(0),
            })
        }
    }
}

/// Container cgroups under the memory root: folders whose name holds a
/// 64-hex container id (or every folder below `under`, when given).
pub fn containers(root: &Path, under: Option<&Path>) -> Vec<PathBuf> {
    let start = under.map_or_else(|| root.to_path_buf(), Path::to_path_buf);
    let mut out = Vec::new();
    let mut stack = vec![start.clone()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            // The entry's type from the directory itself (cgroupfs gives
            // it): no stat per control file.
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let is_container = name
                .trim_end_matches(".scope")
                .rsplit(['-', ':'])
                .next()
                .is_some_and(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()));
            if is_container {
                out.push(p.clone());
            }
            stack.push(p);
        }
    }
    if under.is_some() && out.is_empty() {
        out.push(start);
    }
    out.sort();
    out
}

/// The cgroup path as the kernel prints it (`/kubepods.slice/...`).
pub fn kernel_path(root: &Path, dir: &Path) -> String {
    format!("/{}", dir.strip_prefix(root).unwrap_or(dir).display())
}

/// One label of a sample: (name, value).
pub type Label = (&'static str, String);

/// The labels of a cgroup's samples: the cgroup path as `id` (cAdvisor's
/// label) and, when the path names them, `pod_uid` and `container_id`.
pub fn labels(id: &str) -> Vec<Label> {
    let mut out = vec![("id", id.to_string())];
    let who = oomlens_evidence::cgroup::identify(id);
    if let Some(u) = who.pod_uid {
        out.push(("pod_uid", u));
    }
    if let Some(c) = who.container_id {
        out.push(("container_id", c));
    }
    out
}

/// A metric written: (name, kind, help, its value in a reading).
type Metric = (
    &'static str,
    Kind,
    &'static str,
    fn(&Reading) -> Option<u64>,
);

/// cAdvisor's metrics, and where each comes from in a reading.
const METRICS: [Metric; 7] = [
    (
        "container_memory_usage_bytes",
        Kind::Gauge,
        "memory usage",
        |r| Some(r.usage_bytes),
    ),
    (
        "container_memory_working_set_bytes",
        Kind::Gauge,
        "usage minus inactive file",
        |r| Some(r.working_set_bytes),
    ),
    (
        "container_memory_rss",
        Kind::Gauge,
        "anonymous memory",
        |r| Some(r.rss_bytes),
    ),
    ("container_memory_cache", Kind::Gauge, "page cache", |r| {
        Some(r.cache_bytes)
    }),
    (
        "container_memory_failcnt",
        Kind::Counter,
        "times usage hit the limit",
        |r| Some(r.failcnt),
    ),
    (
        "container_spec_memory_limit_bytes",
        Kind::Gauge,
        "memory limit",
        |r| r.limit_bytes,
    ),
    ("container_oom_events", Kind::Counter, "OOM kills", |r| {
        Some(r.oom_events)
    }),
];

/// Writes one reading at `t` (seconds since the epoch) with cAdvisor's
/// metric names, labelled with the cgroup's [`labels`].
pub fn write(w: &mut Writer, t: f64, labels: &[Label], r: &Reading) -> std::io::Result<()> {
    write_some(w, t, labels, r, |_| true)
}

/// Writes only the counters of a reading (failcnt, OOM events): the last
/// reading of a container whose processes are gone, which says whether the
/// kernel killed them, while its memory figures no longer mean anything.
pub fn write_counters(
    w: &mut Writer,
    t: f64,
    labels: &[Label],
    r: &Reading,
) -> std::io::Result<()> {
    write_some(w, t, labels, r, |k| k == Kind::Counter)
}

fn write_some(
    w: &mut Writer,
    t: f64,
    labels: &[Label],
    r: &Reading,
    keep: fn(Kind) -> bool,
) -> std::io::Result<()> {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (name, kind, help, get) in METRICS {
        if keep(kind) {
            if let Some(v) = get(r) {
                w.sample(name, kind, help, &labels, v as f64, t)?;
            }
        }
    }
    Ok(())
}

/// The processes in a cgroup and every cgroup below it.
pub fn pids(dir: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        out.extend(
            std::fs::read_to_string(d.join("cgroup.procs"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse::<u32>().ok()),
        );
        if let Ok(rd) = std::fs::read_dir(&d) {
            stack.extend(
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
    }
    out
}

/// A synthetic cgroup v2 memory controller's files, for tests.
///
/// cgroup v2 cannot be read live on a machine whose memory controller is on
/// v1 (a controller lives in one hierarchy only): these files are synthetic,
/// in the format of the kernel's Documentation/admin-guide/cgroup-v2.rst
/// (memory.current, memory.stat, memory.events, memory.max).
#[cfg(test)]
pub(crate) mod fake {
    use std::path::Path;

    /// Writes a v2 memory cgroup's files in `dir`: `current` bytes in use
    /// (80% anon, 20% file, 12 MiB of it inactive file), `oom_kill` kills
    /// and 17 `max` events, the limit `max` (none when `None`).
    pub fn v2(dir: &Path, current: u64, oom_kill: u64, max: Option<u64>) {
        let w = |f: &str, t: String| std::fs::write(dir.join(f), t).unwrap();
        w("memory.current", format!("{current}\n"));
        w(
            "memory.stat",
            format!(
                "anon {}\nfile {}\nkernel 1048576\nkernel_stack 163840\n\
                 pagetables 425984\nshmem 0\nfile_mapped 4194304\nfile_dirty 0\n\
                 anon_thp 41943040\ninactive_anon 83886080\nactive_anon 0\n\
                 inactive_file 12582912\nactive_file 8388608\nunevictable 0\n",
                current / 5 * 4,
                current / 5
            ),
        );
        w(
            "memory.events",
            format!("low 0\nhigh 0\nmax 17\noom 2\noom_kill {oom_kill}\noom_group_kill 0\n"),
        );
        w(
            "memory.max",
            max.map_or("max\n".to_string(), |m| format!("{m}\n")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_files_read_into_cadvisor_terms() {
        let dir = tempfile::tempdir().unwrap();
        fake::v2(dir.path(), 104_857_600, 1, None);
        let w = |f: &str, t: &str| std::fs::write(dir.path().join(f), t).unwrap();
        let r = read(Version::V2, dir.path()).unwrap();
        assert_eq!(r.usage_bytes, 104_857_600);
        assert_eq!(r.working_set_bytes, 104_857_600 - 12_582_912);
        assert_eq!(r.rss_bytes, 83_886_080);
        assert_eq!(r.cache_bytes, 20_971_520);
        assert_eq!(r.failcnt, 17);
        assert_eq!(r.oom_events, 1);
        assert_eq!(oom_kills(Version::V2, dir.path()), Some(1));
        assert_eq!(r.limit_bytes, None, "`max` is no limit");
        w("memory.max", "268435456\n");
        assert_eq!(
            read(Version::V2, dir.path()).unwrap().limit_bytes,
            Some(268_435_456)
        );
        // No memory.current: not a memory cgroup.
        std::fs::remove_file(dir.path().join("memory.current")).unwrap();
        assert_eq!(read(Version::V2, dir.path()), None);
    }

    #[test]
    fn container_cgroups_and_their_processes() {
        let root = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef".repeat(4);
        let pod = root.path().join("kubepods.slice/kubepods-pod1.slice");
        let c = pod.join(format!("cri-containerd-{id}.scope"));
        std::fs::create_dir_all(c.join("sub")).unwrap();
        std::fs::write(c.join("cgroup.procs"), "12\n13\n").unwrap();
        std::fs::write(c.join("sub/cgroup.procs"), "14\n").unwrap();
        std::fs::write(pod.join("cgroup.procs"), "").unwrap();
        assert_eq!(containers(root.path(), None), vec![c.clone()]);
        let mut p = pids(&c);
        p.sort();
        assert_eq!(p, vec![12, 13, 14]);
        assert!(
            pids(&pod).len() == 3,
            "a pod's processes are its containers'"
        );
        let l = labels(&kernel_path(root.path(), &c));
        assert_eq!(
            l[0].1,
            format!("/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope")
        );
        assert!(l.iter().any(|(k, v)| *k == "container_id" && *v == id));
    }
}
