//! A JVM's memory pools from its performance-counter file (`hsperfdata`),
//! the file `jstat` reads. HotSpot keeps it at `/tmp/hsperfdata_<user>/<pid>`
//! in the JVM's own mount namespace: for a JVM in a container, below
//! `/proc/<pid>/root/tmp`, named by the pid the container sees. Reading it
//! needs no attach and no agent and does not pause the JVM. A JVM run with
//! `-XX:-UsePerfData` has none.

use std::path::{Path, PathBuf};

use oomlens_evidence::jvm::hsperf::{self, JvmMemory};

use crate::cgroup::Label;
use crate::openmetrics::{Kind, Writer};

/// The pid a process has in its own pid namespace.
fn ns_pid(pid: u32) -> Option<u32> {
    crate::procfs::Status::read(pid).ok().map(|s| s.ns_pid)
}

/// The performance-counter file of process `pid`, when it has one.
pub fn find(pid: u32) -> Option<PathBuf> {
    let nspid = ns_pid(pid)?;
    let tmp = PathBuf::from(format!("/proc/{pid}/root/tmp"));
    let rd = std::fs::read_dir(&tmp).ok()?;
    rd.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("hsperfdata_"))
        .map(|e| e.path().join(nspid.to_string()))
        .find(|p| p.is_file())
}

/// Reads and decodes one counter file.
pub fn read_file(path: &Path) -> Option<JvmMemory> {
    let bytes = std::fs::read(path).ok()?;
    let data = hsperf::parse(&bytes).ok()?;
    Some(hsperf::memory(&data))
}

/// The JVM memory of process `pid`, when it is a JVM with counters.
pub fn read(pid: u32) -> Option<JvmMemory> {
    read_file(&find(pid)?)
}

/// Writes every counter as `jcmd PID PerfCounter.print` prints them after
/// its `PID:` line (jcmd reads the file itself; it does not attach):
/// `name=value`, sorted by name, text values in double quotes, with the
/// six `sun.perfdata.*` counters jvmstat makes of the prologue (`size` is
/// the file's, `file_len`).
pub fn print_counters<W: std::io::Write>(
    p: &hsperf::PerfData,
    file_len: usize,
    out: &mut W,
) -> std::io::Result<()> {
    let prologue = [
        ("sun.perfdata.majorVersion", i64::from(p.major)),
        ("sun.perfdata.minorVersion", i64::from(p.minor)),
        ("sun.perfdata.overflow", i64::from(p.overflow)),
        ("sun.perfdata.size", file_len as i64),
        ("sun.perfdata.timestamp", p.mod_time_stamp),
        ("sun.perfdata.used", i64::from(p.used)),
    ]
    .map(|(n, v)| (n.to_string(), hsperf::Value::Long(v)));
    let mut sorted: Vec<&(String, hsperf::Value)> =
        p.counters.iter().chain(prologue.iter()).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in sorted {
        match value {
            hsperf::Value::Long(v) => writeln!(out, "{name}={v}")?,
            hsperf::Value::Text(t) => writeln!(out, "{name}=\"{t}\"")?,
        }
    }
    Ok(())
}

/// Writes one reading with Micrometer's metric names
/// (`jvm_memory_used_bytes{area,id}`, `jvm_memory_committed_bytes`,
/// `jvm_classes_loaded_classes`, `jvm_classes_unloaded_classes_total`,
/// `jvm_threads_live_threads`), labelled with the cgroup (its
/// [`crate::cgroup::labels`], `id` renamed `cgroup`) and the `pid`.
pub fn write(
    w: &mut Writer,
    t: f64,
    cgroup_labels: &[Label],
    pid: u32,
    m: &JvmMemory,
) -> std::io::Result<()> {
    let mut base: Vec<(&str, String)> = cgroup_labels
        .iter()
        .map(|(k, v)| (if *k == "id" { "cgroup" } else { *k }, v.clone()))
        .collect();
    base.push(("pid", pid.to_string()));
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&str, String)> {
        let mut l = base.clone();
        l.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        l
    };
    let mut put = |name: &'static str,
                   kind: Kind,
                   help: &'static str,
                   labels: Vec<(&str, String)>,
                   v: Option<u64>|
     -> std::io::Result<()> {
        let Some(v) = v else {
            return Ok(());
        };
        let l: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        w.sample(name, kind, help, &l, v as f64, t)
    };
    const USED: &str = "jvm_memory_used_bytes";
    const USED_HELP: &str = "memory used, by JVM region";
    const COMMITTED: &str = "jvm_memory_committed_bytes";
    const COMMITTED_HELP: &str = "memory committed, by JVM region";
    let heap = [("area", "heap"), ("id", "heap")];
    let meta = [("area", "nonheap"), ("id", "Metaspace")];
    let class = [("area", "nonheap"), ("id", "Compressed Class Space")];
    put(USED, Kind::Gauge, USED_HELP, with(&heap), m.heap_used)?;
    put(USED, Kind::Gauge, USED_HELP, with(&meta), m.metaspace_used)?;
    put(
        USED,
        Kind::Gauge,
        USED_HELP,
        with(&class),
        m.class_space_used,
    )?;
    put(
        COMMITTED,
        Kind::Gauge,
        COMMITTED_HELP,
        with(&heap),
        m.heap_committed,
    )?;
    put(
        COMMITTED,
        Kind::Gauge,
        COMMITTED_HELP,
        with(&meta),
        m.metaspace_committed,
    )?;
    put(
        "jvm_classes_loaded_classes",
        Kind::Gauge,
        "classes loaded now",
        with(&[]),
        m.classes_loaded,
    )?;
    put(
        "jvm_classes_unloaded_classes",
        Kind::Counter,
        "classes unloaded since the JVM started",
        with(&[]),
        m.classes_unloaded,
    )?;
    put(
        "jvm_threads_live_threads",
        Kind::Gauge,
        "live threads",
        with(&[]),
        m.threads_live,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counters printed as jcmd printed them from the same JVM right
    /// after the copy: the same names in the same order, the same text
    /// values (numbers moved on in between).
    #[test]
    fn counters_printed_as_jcmd_prints_them() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hsperf/");
        for name in ["g1-17", "parallel-17-nogc"] {
            let bytes = std::fs::read(format!("{dir}{name}.hsperfdata")).unwrap();
            let mut out = Vec::new();
            print_counters(&hsperf::parse(&bytes).unwrap(), bytes.len(), &mut out).unwrap();
            let ours = String::from_utf8(out).unwrap();
            let jcmd = std::fs::read_to_string(format!("{dir}{name}.perfcounters.txt")).unwrap();
            let jcmd: Vec<&str> = jcmd.lines().skip(1).collect();
            let ours: Vec<&str> = ours.lines().collect();
            assert_eq!(ours.len(), jcmd.len(), "{name}");
            for (o, j) in ours.iter().zip(&jcmd) {
                let (on, ov) = o.split_once('=').unwrap();
                let (jn, jv) = j.split_once('=').unwrap();
                assert_eq!(on, jn, "{name}");
                // The prologue's counters do not move once the JVM runs.
                if jv.starts_with('"')
                    || on.starts_with("sun.perfdata.") && on != "sun.perfdata.timestamp"
                {
                    assert_eq!(ov, jv, "{name}");
                } else {
                    ov.parse::<i64>().unwrap();
                }
            }
        }
    }

    /// A real G1 JVM's counters (tests/fixtures/hsperf) written as samples
    /// and read back as metrics.
    #[test]
    fn counters_become_micrometer_series() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hsperf/");
        let m = read_file(Path::new(&format!("{dir}g1-17.hsperfdata"))).unwrap();
        let printed = std::fs::read_to_string(format!("{dir}g1-17.perfcounters.txt")).unwrap();
        let counter = |name: &str| -> u64 {
            printed
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap()
                .parse()
                .unwrap()
        };
        let mut w = Writer::new();
        let cg = format!("/kubepods/pod{}/{}", "1".repeat(8), "a".repeat(64));
        write(
            &mut w,
            1_700_000_000.0,
            &crate::cgroup::labels(&cg),
            4242,
            &m,
        )
        .unwrap();
        let mut out = Vec::new();
        w.finish(&mut out).unwrap();
        let (series, warnings) = oomlens_evidence::metrics::parse("x.om", &out);
        assert!(warnings.is_empty(), "{warnings:?}");
        let get = |name: &str, id: Option<&str>| {
            series
                .iter()
                .find(|s| s.name == name && s.labels.get("id").map(String::as_str) == id)
                .unwrap_or_else(|| panic!("no {name} {id:?}"))
        };
        let meta = get("jvm_memory_used_bytes", Some("Metaspace"));
        assert_eq!(meta.points[0].1 as u64, counter("sun.gc.metaspace.used"));
        assert_eq!(meta.labels["pid"], "4242");
        assert_eq!(meta.labels["cgroup"], cg);
        assert_eq!(meta.labels["area"], "nonheap");
        let threads = get("jvm_threads_live_threads", None);
        assert_eq!(threads.points[0].1 as u64, counter("java.threads.live"));
        assert_eq!(
            get("jvm_memory_used_bytes", Some("heap")).points[0].1 as u64,
            m.heap_used.unwrap()
        );
    }
}
