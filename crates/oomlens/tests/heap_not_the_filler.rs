//! End to end: a real JVM (`tests/java/steady/SteadyPool.java`) whose heap
//! is mostly a steady pool of `byte[]` while generated classes fill its
//! Metaspace, in a real Kubernetes-shaped memory cgroup until the kernel
//! kills it. Its heap is dumped twice with `jcmd PID GC.heap_dump` before
//! the kill; the kernel's report of the kill comes from `dmesg`. `oomlens
//! diagnose` on the folder must say that the dumps' biggest consumer, the
//! pool, is not what filled the container (it held the same in the first
//! dump, and the whole heap held well under the limit), citing both dumps
//! and the kill line, and must not call it heap growth.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::heap_shapes::{compile_with, jcmd};
use support::PodCgroup;

/// The pool: this many `byte[1 MiB]`.
const POOL_MIB: u64 = 48;
/// Classes defined before each dump.
const BATCH: u64 = 2_000;
/// The container's limit: the JVM holds about 130 MiB once the pool and
/// its first classes exist; Metaspace fills the rest.
const LIMIT: u64 = 200 << 20;

fn wait_for(file: &Path, what: &str) {
    let start = Instant::now();
    while !file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "SteadyPool never wrote {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The kernel's report of the kill of `pid` in `log` (`dmesg` output):
/// from the `invoked oom-killer` line before its `Killed process` line to
/// the reaper's line after it. Other tests' kills in the node's log stay
/// out, so the folder holds one kill.
fn kill_report(log: &str, pid: u32) -> Option<String> {
    let lines: Vec<&str> = log.lines().collect();
    let killed = lines
        .iter()
        .position(|l| l.contains(&format!("Killed process {pid} ")))?;
    let start = lines[..killed]
        .iter()
        .rposition(|l| l.contains("invoked oom-killer"))?;
    let reaped = format!("reaped process {pid} ");
    let end = lines[killed..]
        .iter()
        .take(5)
        .position(|l| l.contains(&reaped))
        .map_or(killed, |i| killed + i);
    Some(lines[start..=end].join("\n") + "\n")
}

#[test]
fn a_steady_pool_next_to_a_metaspace_kill_is_not_the_filler() {
    if !support::require_cgroups()
        || !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp = support::TempDir::new("oomlens-not-the-filler");
    let classes = tmp.path().join("classes");
    let steady = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/steady/SteadyPool.java");
    compile_with(&classes, &[steady]);
    let signals = tmp.path().join("signals");
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&signals).unwrap();
    std::fs::create_dir(&bundle).unwrap();

    let cg = PodCgroup::new(LIMIT);
    let mut jvm = cg.spawn(&format!(
        "java -Xmx96m -XX:+UseSerialGC -cp {} SteadyPool {POOL_MIB} {BATCH} {}",
        classes.display(),
        signals.display()
    ));
    let pid = jvm.0.id();
    wait_for(&signals.join("ready"), "ready");
    jcmd(
        pid,
        &["GC.heap_dump", bundle.join("a.hprof").to_str().unwrap()],
    );
    std::fs::write(signals.join("go"), "").unwrap();
    wait_for(&signals.join("grown"), "grown");
    jcmd(
        pid,
        &["GC.heap_dump", bundle.join("b.hprof").to_str().unwrap()],
    );
    std::fs::write(signals.join("fill"), "").unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(st) = jvm.0.try_wait().expect("wait") {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the kernel did not kill the JVM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.signal(), Some(9), "{status:?}");

    let mut report = None;
    for _ in 0..50 {
        let log = Command::new("dmesg")
            .args(["--time-format", "iso"])
            .output()
            .unwrap()
            .stdout;
        report = kill_report(&String::from_utf8_lossy(&log), pid);
        if report.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let report = report.unwrap_or_else(|| panic!("no kill of pid {pid} in dmesg"));
    std::fs::write(bundle.join("node-kernel.log"), &report).unwrap();
    drop(cg);

    let d = support::oomlens_json(
        &["diagnose", "-o", "json", bundle.to_str().unwrap()],
        &[0, 1],
    );
    support::all_cited(&d, "not the filler");
    let c = &d["containers"][0];
    let kills = c["kills"].as_array().unwrap();
    assert_eq!(kills.len(), 1, "{kills:?}");
    assert_eq!(kills[0]["victim"]["pid"].as_u64(), Some(u64::from(pid)));
    let findings = c["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["id"] == "heap-dump-not-the-filler")
        .unwrap_or_else(|| panic!("{}", serde_json::to_string_pretty(&findings).unwrap()));
    let text = f["text"].as_str().unwrap();
    assert!(
        text.starts_with("the heap dump's biggest consumer, byte[] ("),
        "{text}"
    );
    assert!(text.contains("it held "), "{text}");
    assert!(text.contains("in the first dump too"), "{text}");
    assert!(text.contains("of the 200 MiB limit"), "{text}");
    let ev = f["evidence"].as_array().unwrap();
    let cited = |source: &str, what: &str| {
        ev.iter().any(|e| {
            e["source"].as_str().is_some_and(|s| s.ends_with(source))
                && e["what"].as_str().is_some_and(|w| w.starts_with(what))
        })
    };
    // The pool in both dumps: POOL_MIB arrays of 1 MiB and a few more.
    assert!(cited("a.hprof", "byte[]: "), "{f}");
    assert!(cited("b.hprof", "byte[]: "), "{f}");
    // The kill, by its lines in the saved report: the limit it hit and
    // the victim.
    let kill_lines: Vec<&str> = ev
        .iter()
        .filter(|e| {
            e["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("node-kernel.log"))
        })
        .map(|e| {
            let n = e["line"].as_u64().expect("a line number") as usize;
            report.lines().nth(n - 1).expect("a line of the report")
        })
        .collect();
    let limit_kb = format!("kB, limit {}kB,", LIMIT >> 10);
    assert!(
        kill_lines
            .iter()
            .any(|l| l.contains("memory: usage ") && l.contains(&limit_kb)),
        "{kill_lines:?}"
    );
    assert!(
        kill_lines
            .iter()
            .any(|l| l.contains(&format!("Killed process {pid} (java)"))),
        "{kill_lines:?}"
    );
    let causes: Vec<&str> = d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!causes.contains(&"heap-growth"), "{causes:?}");
    // What did fill it: the classes the dumps show growing.
    assert_eq!(
        causes.first(),
        Some(&"metaspace-class-generation"),
        "{causes:?}"
    );
    // One direct buffer and a dozen threads in the last dump: far too
    // little to fill 200 MiB, so those hypotheses fall to the bottom.
    for id in ["direct-memory", "thread-growth"] {
        let c = d["causes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {causes:?}"));
        let conf = c["confidence"].as_f64().unwrap();
        assert!(conf <= 0.05, "{id}: {c:#}");
        assert!(
            c["explanation"]
                .as_str()
                .unwrap()
                .contains("the heap dump shows"),
            "{id}: {c:#}"
        );
    }
}
