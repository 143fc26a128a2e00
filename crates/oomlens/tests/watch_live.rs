//! `oomlens watch` on this machine: real processes OOM-killed by the kernel
//! in real Kubernetes-shaped memory cgroups while the agent runs. A kill is
//! a JSON event and a metric within a second; a burst of 50 kills, with the
//! agent stopped and started again in the middle of it, gives each kill
//! exactly once. The agent, its cgroups and its processes are removed
//! whatever happens (guards).

#[path = "../../oomlens-collect/tests/support/standin.rs"]
mod standin;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use support::{KillOnDrop, PodCgroup, TempDir, HOG};

/// The kernel log and the cgroup tree are the machine's: one test at a
/// time.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A running agent: its event lines as they come, with when each came.
struct Agent {
    child: KillOnDrop,
    lines: Receiver<(Instant, serde_json::Value)>,
    metrics: Option<String>,
}

impl Agent {
    fn start(spool: &std::path::Path, extra: &[&str]) -> Agent {
        let mut child = Command::new(support::oomlens())
            .args([
                "watch",
                "--spool",
                spool.to_str().unwrap(),
                "--interval",
                "200ms",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start oomlens watch");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                let v: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                assert_eq!(v["schema"], "oomlens/watch-event/v1", "{line}");
                if tx.send((Instant::now(), v)).is_err() {
                    return;
                }
            }
        });
        let mut a = Agent {
            child: KillOnDrop(child),
            lines: rx,
            metrics: None,
        };
        let (_, started) = a.next(Duration::from_secs(20)).expect("a started event");
        assert_eq!(started["event"], "started", "{started}");
        a.metrics = started["metrics"].as_str().map(str::to_string);
        // The first pass and the kernel-log thread are up.
        std::thread::sleep(Duration::from_millis(300));
        a
    }

    fn next(&self, within: Duration) -> Option<(Instant, serde_json::Value)> {
        self.lines.recv_timeout(within).ok()
    }

    /// The first event `want` accepts, within `within`.
    fn until(
        &self,
        within: Duration,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<(Instant, serde_json::Value)> {
        let end = Instant::now() + within;
        loop {
            let (t, v) = self.next(end.saturating_duration_since(Instant::now()))?;
            if want(&v) {
                return Some((t, v));
            }
        }
    }

    /// SIGTERM, and the exit it makes.
    fn stop(mut self) -> Vec<(Instant, serde_json::Value)> {
        let pid = self.child.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let st = self.child.0.wait().expect("wait for the agent");
        assert!(st.success(), "the agent ended on SIGTERM with {st}");
        std::iter::from_fn(|| self.next(Duration::from_millis(500))).collect()
    }
}

/// `GET /metrics`.
fn scrape(addr: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to /metrics");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(
        body.starts_with("HTTP/1.1 200") || body.starts_with("HTTP/1.0 200"),
        "{body}"
    );
    body
}

/// Runs HOG in `cg` until the kernel kills it; returns its pid and when
/// its parent saw it die.
fn kill_one(cg: &PodCgroup) -> (u32, Instant) {
    let mut g = cg.spawn(HOG);
    let pid = g.0.id();
    let st = g.0.wait().expect("wait for the hog");
    let died = Instant::now();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(9), "the kernel killed the hog");
    (pid, died)
}

#[test]
fn a_kill_is_an_event_and_a_metric_within_a_second() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let tmp = TempDir::new("oomlens-watch");
    let agent = Agent::start(
        &tmp.path().join("spool"),
        &["--listen", "127.0.0.1:0", "--no-capture"],
    );
    let addr = agent.metrics.clone().expect("the metrics address");
    let cg = PodCgroup::new(32 << 20);
    let (pid, died) = kill_one(&cg);
    let died_at = jiff::Timestamp::now();

    // Other kills on this node are reported too: ours is the one in our cgroup.
    let (seen, kill) = agent
        .until(Duration::from_secs(10), |v| {
            v["event"] == "kill" && v["cgroup"] == cg.container_path.as_str()
        })
        .expect("a kill event of our cgroup");
    let latency = seen.saturating_duration_since(died);
    eprintln!("kill -> event: {} ms", latency.as_millis());
    assert!(latency < Duration::from_secs(1), "{latency:?}: {kill}");
    assert_eq!(kill["pid"], pid, "{kill}");
    assert_eq!(kill["process"], "perl");
    assert_eq!(kill["cgroup"], cg.container_path.as_str());
    assert_eq!(kill["pod_uid"], cg.pod_uid.as_str());
    assert_eq!(kill["container_id"], cg.container_id.as_str());
    assert_eq!(kill["kind"], "memcg");
    assert_eq!(kill["source"], "kernel-log");
    assert_eq!(kill["limit_bytes"], 32 << 20);
    // The kernel's time of the kill, placed on the wall clock.
    let at: jiff::Timestamp = kill["time"].as_str().unwrap().parse().unwrap();
    let off = (died_at.as_millisecond() - at.as_millisecond()).abs();
    assert!(off < 500, "kill at {at}, seen dead at {died_at}");
    let entry = std::path::PathBuf::from(kill["spool"].as_str().expect("spooled"));
    let kern = std::fs::read_to_string(entry.join("kern.log")).unwrap();
    assert!(
        kern.contains(&format!("Killed process {pid} (perl)")),
        "{kern}"
    );

    // The metric, by the same second.
    let page = scrape(&addr);
    let scraped = Instant::now().saturating_duration_since(died);
    let series = format!(
        "oomlens_oom_kills_total{{namespace=\"\",pod=\"{}\",container=\"{}\",kind=\"memcg\"}} 1",
        cg.pod_uid,
        &cg.container_id[..12]
    );
    assert!(page.contains(&series), "{series} not in:\n{page}");
    assert!(
        scraped < Duration::from_secs(1),
        "scraped {scraped:?} after the kill"
    );
    for name in [
        "oomlens_agent_kmsg_overruns_total",
        "oomlens_agent_sample_pass_seconds_count",
        "oomlens_agent_spool_bytes",
        "oomlens_captures_total",
    ] {
        assert!(page.contains(name), "{name} not in:\n{page}");
    }

    // The verdict follows, from the spool entry.
    let (_, d) = agent
        .until(Duration::from_secs(60), |v| {
            v["event"] == "diagnosis" && v["kill"] == kill["id"]
        })
        .expect("a diagnosis event");
    assert_eq!(d["kill"], kill["id"]);
    assert!(
        d["headline"]
            .as_str()
            .is_some_and(|h| h.contains("killed by the kernel")),
        "{d}"
    );
    assert!(entry.join("diagnosis.json").is_file());
    // The same verdict as an HTML page in the entry, named by the event.
    let page = entry.join("report.html");
    assert_eq!(d["html"], page.display().to_string());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..html.len().min(80)]
    );
    assert!(
        html.contains(&oomlens_report::html::esc(d["headline"].as_str().unwrap())),
        "the page carries the event's headline"
    );
    let after = scrape(&addr);
    assert!(after.contains("oomlens_diagnosis_cause_total{"), "{after}");

    // Kill to event over 20 more kills, one after another.
    let mut latencies = Vec::new();
    for _ in 0..20 {
        let cg = PodCgroup::new(16 << 20);
        let (pid, died) = kill_one(&cg);
        let (seen, _) = agent
            .until(Duration::from_secs(10), |v| {
                v["event"] == "kill" && v["pid"] == pid
            })
            .expect("each kill an event");
        latencies.push(seen.saturating_duration_since(died));
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "kill -> event over 20 kills: p50 {:.0} ms, p99 (max) {:.0} ms",
        ms(latencies[10]),
        ms(latencies[19])
    );
    assert!(latencies[19] < Duration::from_secs(1), "{latencies:?}");
    let rest = agent.stop();
    assert!(
        rest.iter().all(|(_, v)| v["event"] != "kill"),
        "one kill, one event: {rest:?}"
    );
}

#[test]
fn a_burst_of_50_kills_across_a_restart_is_reported_exactly_once() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let tmp = TempDir::new("oomlens-watch");
    let spool = tmp.path().join("spool");
    const N: usize = 50;
    let cgroups: Vec<PodCgroup> = (0..N).map(|_| PodCgroup::new(16 << 20)).collect();
    let paths: Vec<String> = cgroups.iter().map(|c| c.container_path.clone()).collect();

    // Five workers, ten kills each, one cgroup per kill; the agent is
    // stopped and started again once half of the kills are done.
    let mut events = Vec::new();
    let a = Agent::start(&spool, &["--no-capture"]);
    let started = Instant::now();
    let (done_tx, done_rx) = mpsc::channel::<u32>();
    let pids = std::thread::scope(|s| {
        let chunks: Vec<&[PodCgroup]> = cgroups.chunks(N / 5).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let done = done_tx.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|cg| {
                            let (pid, _) = kill_one(cg);
                            let _ = done.send(pid);
                            pid
                        })
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        drop(done_tx);
        for _ in 0..N / 2 {
            done_rx.recv().expect("half of the kills");
        }
        events.extend(a.stop());
        let b = Agent::start(&spool, &["--no-capture"]);
        let pids: Vec<u32> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        eprintln!("{N} kills in {:.1} s", started.elapsed().as_secs_f64());
        // Until every kill of ours is reported (at most 20 s), then 2 s more
        // for any second report of one.
        let ours = |v: &serde_json::Value| {
            v["event"] == "kill"
                && v["cgroup"]
                    .as_str()
                    .is_some_and(|c| paths.iter().any(|p| p == c))
        };
        let mut seen = events.iter().filter(|(_, v)| ours(v)).count();
        let end = Instant::now() + Duration::from_secs(20);
        while seen < N {
            let left = end.saturating_duration_since(Instant::now());
            let Some(e) = b.until(left, |_| true) else {
                break;
            };
            seen += usize::from(ours(&e.1));
            events.push(e);
        }
        std::thread::sleep(Duration::from_secs(2));
        events.extend(b.stop());
        pids
    });
    // Kills of this test's cgroups (others on this node are reported too).
    let kills: Vec<&serde_json::Value> = events
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v["event"] == "kill")
        .filter(|v| {
            v["cgroup"]
                .as_str()
                .is_some_and(|c| paths.iter().any(|p| p == c))
        })
        .collect();
    let mut by_cgroup: BTreeMap<&str, usize> = BTreeMap::new();
    for k in &kills {
        *by_cgroup
            .entry(k["cgroup"].as_str().unwrap_or(""))
            .or_default() += 1;
    }
    let twice: Vec<_> = by_cgroup.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "reported more than once: {twice:?}");
    let missed: Vec<_> = paths
        .iter()
        .filter(|p| !by_cgroup.contains_key(p.as_str()))
        .collect();
    assert!(
        missed.is_empty(),
        "not reported: {missed:?}\nevents: {kills:#?}"
    );
    assert_eq!(kills.len(), N, "{by_cgroup:#?}");
    let from_log: Vec<u64> = kills.iter().filter_map(|k| k["pid"].as_u64()).collect();
    let distinct: BTreeSet<u64> = from_log.iter().copied().collect();
    assert_eq!(distinct.len(), from_log.len(), "a pid twice: {from_log:?}");
    let ours: BTreeSet<u64> = pids.iter().map(|&p| u64::from(p)).collect();
    assert!(
        distinct.is_subset(&ours),
        "pids not ours: {:?}",
        distinct.difference(&ours)
    );
    // None of ours went without a cgroup (other kills on this node may:
    // their cgroups need not look like containers).
    let unplaced: Vec<_> = events
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v["event"] == "kill" && v["cgroup"] == "")
        .filter(|v| v["pid"].as_u64().is_some_and(|p| ours.contains(&p)))
        .collect();
    assert!(
        unplaced.is_empty(),
        "kills of ours tied to no cgroup: {unplaced:?}"
    );
    let counted = kills
        .iter()
        .filter(|k| k["source"] == "oom-kill-counter")
        .count();
    eprintln!(
        "{} from the kernel log, {counted} from counters alone",
        kills.len() - counted
    );
}

/// The demo programs' class path (`scripts/capture/jvm-build.sh` builds
/// them once); `None` after a loud skip when Java or the jars are missing.
fn jvm_classpath() -> Option<String> {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(repo.join("scripts/capture/jvm-build.sh")).output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => {
            support::skip_or_fail(&format!(
                "the JVM test programs do not build (OpenJDK 17, libjavassist-java): {}",
                String::from_utf8_lossy(&o.stderr)
            ));
            None
        }
        Err(e) => panic!("cannot run scripts/capture/jvm-build.sh: {e}"),
    }
}

#[test]
fn a_leaking_jvm_is_captured_before_the_kill_and_its_cause_named() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let Some(cp) = jvm_classpath() else { return };
    let tmp = TempDir::new("oomlens-watch-jvm");
    // 80 %: this leak can cross the last tenth between two passes on a
    // loaded machine; the second level stays at 95 %. The class histogram
    // alone at 65 %: three timed histograms, which must not make this
    // class leak a heap leak.
    let agent = Agent::start(
        &tmp.path().join("spool"),
        &["--threshold", "80%", "--histogram-at", "65%"],
    );
    // The Orika-like leak of tests/jvm (a javassist mapper class generated
    // per request, kept for ever in Metaspace), NMT on, in 160 MiB.
    let cg = PodCgroup::new(160 << 20);
    let _java = cg.spawn(&format!(
        "java --add-opens java.base/java.lang=ALL-UNNAMED -XX:NativeMemoryTracking=summary \
         -cp {cp} oomlens.demo.OrikaLikeLeak --sleep-ms 1 --every 100000"
    ));
    let ours = |v: &serde_json::Value| v["cgroup"] == cg.container_path.as_str();
    let mut captures = Vec::new();
    let kill = loop {
        let (_, v) = agent
            .until(Duration::from_secs(240), |v| ours(v))
            .expect("the JVM is killed within 4 minutes");
        match v["event"].as_str() {
            Some("capture") => captures.push(v),
            Some("kill") => break v,
            _ => {}
        }
    };
    assert!(!captures.is_empty(), "no capture before the kill: {kill}");
    assert_eq!(captures[0]["scope"], "histogram", "{}", captures[0]);
    let first = captures
        .iter()
        .find(|c| c["scope"] == "all")
        .unwrap_or_else(|| panic!("no full capture before the kill: {captures:?}"));
    assert_eq!(first["reason"], "threshold", "{first}");
    assert!(first["ratio"].as_f64().is_some_and(|r| r >= 0.8), "{first}");
    assert_eq!(first["errors"], serde_json::json!([]), "{first}");
    // Nine commands (NMT on) and the counter file.
    assert_eq!(first["files"], 10, "{first}");
    assert_eq!(kill["process"], "java");
    assert_eq!(kill["captures"], captures.len(), "{kill}");
    let entry = std::path::PathBuf::from(kill["spool"].as_str().unwrap());
    let capture_dir = std::fs::read_dir(&entry)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains("-capture-80"))
        .expect("the first capture moved into the kill's entry")
        .path();
    let nmt = std::fs::read_to_string(capture_dir.join("VM.native_memory-summary.txt")).unwrap();
    assert!(nmt.contains("Native Memory Tracking:"), "{nmt}");
    let meta = std::fs::read_to_string(capture_dir.join("VM.metaspace.txt")).unwrap();
    assert!(meta.contains("Total Usage"), "{meta}");

    let (_, d) = agent
        .until(Duration::from_secs(120), |v| {
            v["event"] == "diagnosis" && v["kill"] == kill["id"]
        })
        .expect("the kill's diagnosis");
    assert_eq!(d["causes"][0]["id"], "metaspace-class-generation", "{d}");
    // No class-loading log: the captures' class listings name the family
    // and its library.
    let named = "Metaspace leak: ma.glasnost.orika.generated.Orika_*_Mapper* classes (Orika) never unloaded";
    assert_eq!(d["causes"][0]["summary"], named, "{d}");
    // The heap grows with the leaked classes' objects: at most folded
    // into the class leak, never a rival cause.
    for c in d["causes"].as_array().unwrap() {
        if c["id"] == "heap-growth" {
            assert!(c["confidence"].as_f64() <= Some(0.3), "{d}");
        }
    }
    let listing = std::fs::read_to_string(capture_dir.join("VM.class_hierarchy.txt")).unwrap();
    assert!(listing.contains("\njava.lang.Object/null\n"), "{listing}");
    eprintln!(
        "{} capture(s), first full one {} ms; verdict: {}; causes {}",
        captures.len(),
        first["took_ms"],
        d["headline"],
        d["causes"]
    );
}

/// The time line a capture puts before a timed output: its time in Unix
/// milliseconds.
fn time_line_ms(file: &std::path::Path) -> i64 {
    let text = std::fs::read_to_string(file).unwrap();
    let first = text.lines().next().unwrap_or("");
    let at: jiff::Timestamp = first
        .parse()
        .unwrap_or_else(|e| panic!("{}: no time line ({e}): {first:?}", file.display()));
    assert!(first.ends_with('Z') && first.len() == 24, "{first:?}");
    at.as_millisecond()
}

#[test]
fn a_heap_leak_is_named_by_its_growing_classes_from_the_captures() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let Some(cp) = jvm_classpath() else { return };
    let tmp = TempDir::new("oomlens-watch-heap");
    // A JVM's working set rises in steps (a 30 MiB jump from 83 % to 98 %
    // of this limit in one 200 ms pass has been seen), so levels near the
    // limit can be passed between two passes: the series is the early
    // histogram and its repeats (every second here, the wait doubling),
    // the full capture at 65 % gives NMT and Metaspace.
    let started = Instant::now();
    let agent = Agent::start(
        &tmp.path().join("spool"),
        &[
            "--histogram-at",
            "45%",
            "--histogram-every",
            "1s",
            "--threshold",
            "65%",
            "--capture-again",
            "85%",
        ],
    );
    // The heap leak of tests/jvm (a 12 KiB byte[] per request kept in a
    // static list for ever), its maximum heap above the limit (the kernel
    // kills it, not the JVM), NMT on, in 192 MiB.
    let cg = PodCgroup::new(192 << 20);
    let _java = cg.spawn(&format!(
        "java -Xmx400m -XX:NativeMemoryTracking=summary -cp {cp} oomlens.demo.HeapLeak \
         --kib 12 --sleep-ms 2 --every 100000"
    ));
    let ours = |v: &serde_json::Value| v["cgroup"] == cg.container_path.as_str();
    let mut captures = Vec::new();
    let kill = loop {
        let (_, v) = agent
            .until(Duration::from_secs(90), |v| ours(v))
            .expect("the JVM is killed within 90 s");
        match v["event"].as_str() {
            Some("capture") => captures.push(v),
            Some("kill") => break v,
            _ => {}
        }
    };
    assert_eq!(kill["process"], "java", "{kill}");
    // The histogram alone first, at the early level; a full capture at
    // the threshold.
    let first = &captures[0];
    assert_eq!(
        (first["scope"].as_str(), first["level"].as_f64()),
        (Some("histogram"), Some(0.45)),
        "{captures:#?}"
    );
    assert_eq!(first["files"], 1, "{first}");
    let full = captures
        .iter()
        .find(|c| c["scope"] == "all" && c["level"] == 0.65)
        .unwrap_or_else(|| panic!("no full capture at 65 %: {captures:#?}"));
    // The captures the kill cuts short (in its last seconds a full
    // collection can itself take the JVM over its limit) fail; no other.
    let killed: jiff::Timestamp = kill["time"].as_str().unwrap().parse().unwrap();
    for c in &captures {
        let at: jiff::Timestamp = c["time"].as_str().unwrap().parse().unwrap();
        let before_kill = killed.as_millisecond() - at.as_millisecond();
        if before_kill > 3000 || c == first || c == full {
            assert_eq!(c["errors"], serde_json::json!([]), "{c}");
        }
    }
    assert!(
        kill["captures"].as_u64() >= Some(captures.len() as u64),
        "{kill}"
    );

    // In the kill's entry: each capture's histogram after its time line,
    // in the order taken; NMT and Metaspace in the full one.
    let entry = std::path::PathBuf::from(kill["spool"].as_str().unwrap());
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(&entry)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("GC.class_histogram.txt").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "three histograms at least: {dirs:?}");
    assert!(
        dirs[0].to_string_lossy().ends_with("-capture-histogram-45"),
        "{dirs:?}"
    );
    let times: Vec<i64> = dirs
        .iter()
        .map(|d| time_line_ms(&d.join("GC.class_histogram.txt")))
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    let full_dir = std::path::PathBuf::from(full["spool"].as_str().unwrap());
    let full_dir = entry.join(full_dir.file_name().unwrap());
    let nmt = full_dir.join("VM.native_memory-summary.txt");
    time_line_ms(&nmt);
    let nmt = std::fs::read_to_string(nmt).unwrap();
    assert!(nmt.contains("Native Memory Tracking:"), "{nmt}");
    let meta = std::fs::read_to_string(full_dir.join("VM.metaspace.txt")).unwrap();
    assert!(meta.contains("Total Usage"), "{meta}");
    assert!(!dirs[0].join("VM.native_memory-summary.txt").exists());

    // The verdict: a heap leak, byte[] named as what grows, cited in the
    // first histogram and a later one.
    let (_, d) = agent
        .until(Duration::from_secs(60), |v| {
            v["event"] == "diagnosis" && v["kill"] == kill["id"]
        })
        .expect("the kill's diagnosis");
    let wall = started.elapsed();
    assert_eq!(d["causes"][0]["id"], "heap-growth", "{d}");
    let summary = d["causes"][0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Java heap growth: byte[] +"),
        "{summary}"
    );
    let whole: serde_json::Value =
        serde_json::from_slice(&std::fs::read(entry.join("diagnosis.json")).unwrap()).unwrap();
    support::all_cited(&whole, "the heap leak's diagnosis");
    let cause = &whole["causes"][0];
    assert_eq!(cause["id"], "heap-growth");
    // Each cite of a histogram: its folder and the cited line's text.
    let cites: Vec<(String, &serde_json::Value, String)> = cause["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let dir = dirs.iter().find(|d| {
                let f = d.join("GC.class_histogram.txt");
                c["source"]
                    .as_str()
                    .is_some_and(|s| f.ends_with(s) || s.ends_with(&*f.to_string_lossy()))
            })?;
            let text = std::fs::read_to_string(dir.join("GC.class_histogram.txt")).unwrap();
            let line = c["line"].as_u64()? as usize;
            let row = text.lines().nth(line - 1).unwrap_or("").to_string();
            Some((dir.to_string_lossy().into_owned(), c, row))
        })
        .collect();
    let time_cite = cites
        .iter()
        .find(|(_, c, _)| c["what"] == "first class histogram's time")
        .unwrap_or_else(|| panic!("{cause:#}"));
    assert_eq!(time_cite.0, dirs[0].to_string_lossy(), "{cause:#}");
    assert_eq!(time_cite.1["line"], 1);
    let rows: Vec<&(String, &serde_json::Value, String)> = cites
        .iter()
        .filter(|(_, c, _)| {
            c["what"]
                .as_str()
                .is_some_and(|w| w.starts_with("byte[]: "))
        })
        .collect();
    assert_eq!(rows.len(), 2, "byte[] in the first and last: {cause:#}");
    assert_eq!(rows[0].0, dirs[0].to_string_lossy(), "{cause:#}");
    assert!(rows[1].0 > rows[0].0, "{cause:#}");
    let bytes = |row: &str| -> u64 {
        let t: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            t.get(3),
            Some(&"[B"),
            "the cited line is byte[]'s row: {row}"
        );
        t[2].parse().unwrap()
    };
    let (b0, b1) = (bytes(&rows[0].2), bytes(&rows[1].2));
    assert!(b1 > b0 + (16 << 20), "{b0} -> {b1}");
    // Why no OutOfMemoryError came: the 400 MiB maximum heap, from the
    // captured flags (VM.flags or VM.command_line: no GC log), above the
    // 192 MiB limit.
    let over = whole["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "heap-sized-over-limit")
        .unwrap_or_else(|| panic!("no heap-sized-over-limit: {:#}", whole["causes"]));
    assert!(
        over["evidence"].as_array().unwrap().iter().any(|e| {
            e["what"] == "maximum heap 400 MiB (MaxHeapSize)"
                && e["source"].as_str().is_some_and(|s| {
                    s.ends_with("VM.flags.txt") || s.ends_with("VM.command_line.txt")
                })
        }),
        "{over:#}"
    );
    eprintln!(
        "heap leak: {} histograms, {:?} ms apart, the last {} ms before the kill; captures took {:?} ms; \
         verdict {summary:?}; {:.1} s from the agent's start to the verdict",
        times.len(),
        times.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>(),
        killed.as_millisecond() - times[times.len() - 1],
        captures.iter().map(|c| c["took_ms"].as_u64().unwrap()).collect::<Vec<_>>(),
        wall.as_secs_f64()
    );
    agent.stop();
}

#[test]
fn once_reads_from_the_cursor_and_the_spool_shows_what_it_kept() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let tmp = TempDir::new("oomlens-watch-once");
    let spool = tmp.path().join("spool");
    let sp = spool.to_str().unwrap();
    // A cursor at the end of the kernel log as it is now.
    let a = Agent::start(&spool, &["--no-capture"]);
    std::fs::write("/dev/kmsg", "oomlens watch test: cursor here\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    a.stop();
    assert!(spool.join("kmsg.cursor").is_file());

    let cg = PodCgroup::new(32 << 20);
    let (pid, _) = kill_one(&cg);
    let once = |code: i32| -> Vec<serde_json::Value> {
        let out = Command::new(support::oomlens())
            .args(["watch", "--once", "--no-capture", "--spool", sp])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let first = once(0);
    let ours: Vec<&serde_json::Value> = first
        .iter()
        .filter(|v| v["cgroup"] == cg.container_path.as_str())
        .collect();
    let kinds: Vec<&str> = ours.iter().filter_map(|v| v["event"].as_str()).collect();
    assert_eq!(kinds, ["kill", "diagnosis"], "{first:?}");
    assert_eq!(ours[0]["pid"], pid);
    // Again: the cursor moved past it.
    let again = once(1)
        .into_iter()
        .chain(std::iter::empty())
        .collect::<Vec<_>>();
    assert!(
        again
            .iter()
            .all(|v| v["event"] != "kill" || v["cgroup"] != cg.container_path.as_str()),
        "{again:?}"
    );

    let name = std::path::Path::new(ours[0]["spool"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let ls = support::oomlens_json(&["spool", "ls", "--spool", sp, "-f", "json"], &[0]);
    assert!(
        ls.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == name.as_str() && e["kind"] == "kill"),
        "{ls}"
    );
    let show = Command::new(support::oomlens())
        .args(["spool", "show", &name, "--spool", sp])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains(&format!("\"pid\": {pid}")) && text.contains("kern.log"),
        "{text}"
    );
    let out = tmp.path().join("exported");
    let export = Command::new(support::oomlens())
        .args([
            "spool",
            "export",
            &name,
            "--spool",
            sp,
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let d = support::oomlens_json(&["diagnose", out.to_str().unwrap(), "-f", "json"], &[0]);
    assert_eq!(d["oom_kill_found"], true, "{d}");
}

#[test]
fn a_kill_the_kernel_log_does_not_show_is_seen_in_its_counter() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let tmp = TempDir::new("oomlens-watch-counter");
    let spool = tmp.path().join("spool");
    let cg = PodCgroup::new(16 << 20);
    kill_one(&cg);
    // An agent that starts after the kill reads the kernel log from its end
    // (the report is behind it) and takes the counter as it is.
    let a = Agent::start(&spool, &["--no-capture"]);
    std::fs::write("/dev/kmsg", "oomlens watch test: past the kill\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let before = a.stop();
    assert!(
        before
            .iter()
            .all(|(_, v)| v["cgroup"] != cg.container_path.as_str()),
        "{before:?}"
    );
    // As if the kill had come while the agent was down, its report lost
    // (rate-limited, or overwritten in the ring buffer): the saved counter
    // is from before it.
    let path = spool.join("oom-kill-counters.json");
    let mut saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["counters"][&cg.container_path], 1, "{saved}");
    saved["counters"][&cg.container_path] = 0.into();
    std::fs::write(&path, saved.to_string()).unwrap();

    let out = Command::new(support::oomlens())
        .args([
            "watch",
            "--once",
            "--no-capture",
            "--spool",
            spool.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let kills: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "kill" && v["cgroup"] == cg.container_path.as_str())
        .collect();
    assert_eq!(kills.len(), 1, "{kills:?}");
    assert_eq!(kills[0]["source"], "oom-kill-counter");
    assert_eq!(kills[0]["cgroup_from"], "oom-kill-counter");
    assert_eq!(kills[0]["pid"], serde_json::Value::Null);
    assert_eq!(kills[0]["pod_uid"], cg.pod_uid.as_str());
}

/// A tmpfs mounted for a test, unmounted whatever happens.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status();
        match st {
            Ok(s) if s.success() => Some(Tmpfs(at.to_path_buf())),
            _ => {
                support::skip_or_fail(&format!("cannot mount a tmpfs at {}", at.display()));
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// An idle JVM with a 32 MiB heap in a 256 MiB pod cgroup, watched with
/// every level at 1 % (crossed on the first pass): its first capture, with
/// the heap dump asked for.
fn first_capture_of_an_idle_jvm(spool: &std::path::Path, cp: &str) -> serde_json::Value {
    let agent = Agent::start(
        spool,
        &[
            "--threshold",
            "1%",
            "--capture-again",
            "1%",
            "--heap-dump-at",
            "1%",
        ],
    );
    let cg = PodCgroup::new(256 << 20);
    let _java = cg.spawn(&format!(
        "java -Xms32m -Xmx32m -XX:+UseSerialGC -cp {cp} oomlens.demo.Idle"
    ));
    let (_, c) = agent
        .until(Duration::from_secs(90), |v| {
            v["event"] == "capture" && v["cgroup"] == cg.container_path.as_str()
        })
        .expect("the idle JVM is captured");
    agent.stop();
    c
}

#[test]
fn a_heap_dump_is_written_at_its_level_into_the_capture() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let Some(cp) = jvm_classpath() else { return };
    let tmp = TempDir::new("oomlens-watch-dump");
    let c = first_capture_of_an_idle_jvm(&tmp.path().join("spool"), &cp);
    let dump = &c["heap_dump"];
    assert_eq!(dump["outcome"], "written", "{c}");
    let file = std::path::PathBuf::from(dump["file"].as_str().unwrap());
    assert_eq!(file.parent().unwrap().to_str(), c["spool"].as_str(), "{c}");
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.len() as u64, dump["bytes"].as_u64().unwrap());
    assert!(
        bytes.starts_with(b"JAVA PROFILE 1.0.2\0"),
        "not an HPROF file"
    );
    // The dump is part of the entry the spool's limits count.
    let ls = Command::new(support::oomlens())
        .args(["spool", "ls", "--format", "json", "--spool"])
        .arg(tmp.path().join("spool"))
        .output()
        .unwrap();
    let entries: serde_json::Value = serde_json::from_slice(&ls.stdout).unwrap();
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == c["spool"])
        .unwrap_or_else(|| panic!("the capture in `spool ls`: {entries}"));
    assert!(
        entry["bytes"].as_u64().unwrap() >= bytes.len() as u64,
        "{entry}"
    );
}

#[test]
fn a_heap_dump_is_refused_when_the_spool_has_no_room() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let Some(cp) = jvm_classpath() else { return };
    let tmp = TempDir::new("oomlens-watch-nodump");
    let spool = tmp.path().join("spool");
    let Some(_fs) = Tmpfs::mount(&spool, "8m") else {
        return;
    };
    let c = first_capture_of_an_idle_jvm(&spool, &cp);
    let dump = &c["heap_dump"];
    assert_eq!(dump["outcome"], "refused", "{c}");
    let why = dump["why"].as_str().unwrap();
    assert!(
        why.contains("free") && why.contains("32 MiB committed heap"),
        "{why}"
    );
    // The rest of the capture is there; no dump was started.
    assert_eq!(c["errors"], serde_json::json!([]), "{c}");
    let dir = std::path::PathBuf::from(c["spool"].as_str().unwrap());
    assert!(c["files"].as_u64() > Some(0), "{c}");
    assert!(!dir.join("heap.hprof").exists());
}

/// A pod log folder naming `cg`'s pod `shop/orders-api-<n>` and its one
/// container `app`, as the kubelet lays it out.
fn pod_logs(dir: &std::path::Path, cg: &PodCgroup, pod: &str) {
    let d = dir.join(format!("shop_{pod}_{}", cg.pod_uid)).join("app");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("0.log"), "").unwrap();
}

/// The POSTs the stand-in received, in order.
fn posts(api: &standin::StandIn) -> Vec<standin::Req> {
    api.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

/// The `n`th POST (from 0), waiting for it at most `within`.
fn nth_post(api: &standin::StandIn, n: usize, within: Duration) -> Option<standin::Req> {
    let end = Instant::now() + within;
    loop {
        if let Some(p) = posts(api).into_iter().nth(n) {
            return Some(p);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The agent with Events on, through the stand-in's kubeconfig.
fn agent_with_events(tmp: &std::path::Path, kubeconfig: &std::path::Path) -> Agent {
    Agent::start(
        &tmp.join("spool"),
        &[
            "--no-capture",
            "--listen",
            "127.0.0.1:0",
            "--node-name",
            "node-7",
            "--pod-logs",
            tmp.join("pods").to_str().unwrap(),
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_kill_is_an_event_on_its_pod_within_two_seconds() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    // The API server's real 201 answer to a kubelet's Event (an audit
    // log's responseObject, tests/fixtures/kube-api/SOURCES.md).
    let audit: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/kube-api/audit-kubelet-event-create.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let created = audit["responseObject"].to_string();
    let api = standin::StandIn::start(vec![standin::route(
        "/api/v1/namespaces/shop/events",
        &[],
        move || standin::Resp::json(201, created.clone()),
    )]);
    let tmp = TempDir::new("oomlens-watch-events");
    let cg = PodCgroup::new(32 << 20);
    pod_logs(&tmp.path().join("pods"), &cg, "orders-api-1");
    let agent = agent_with_events(tmp.path(), &api.kubeconfig);
    let (pid, died) = kill_one(&cg);
    let (_, d) = agent
        .until(Duration::from_secs(10), |v| {
            v["event"] == "diagnosis" && v["cgroup"] == cg.container_path.as_str()
        })
        .expect("the kill's diagnosis");
    let post = nth_post(&api, 0, Duration::from_secs(3)).unwrap_or_else(|| panic!("no Event: {d}"));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(posts(&api).len(), 1, "one Event per kill");
    let latency = post.at.saturating_duration_since(died);
    eprintln!("kill -> Pod Event: {} ms", latency.as_millis());
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    assert_eq!(post.path, "/api/v1/namespaces/shop/events");
    assert_eq!(
        post.header("authorization"),
        Some("Bearer standin-secret-token")
    );
    let e: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(e["kind"], "Event");
    assert_eq!(e["reason"], "OOMKillDiagnosed");
    assert_eq!(e["type"], "Warning");
    assert_eq!(
        e["involvedObject"],
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "namespace": "shop",
            "name": "orders-api-1", "uid": cg.pod_uid,
            "fieldPath": "spec.containers{app}",
        })
    );
    assert_eq!(e["reportingComponent"], "oomlens-watch");
    assert_eq!(e["reportingInstance"], "node-7");
    assert_eq!(
        e["source"],
        serde_json::json!({"component": "oomlens-watch", "host": "node-7"})
    );
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("perl (pid {pid}) OOM-killed in container app")),
        "{msg}"
    );
    assert!(msg.contains(d["headline"].as_str().unwrap()), "{msg}");
    let entry = std::path::Path::new(d["spool"].as_str().unwrap())
        .parent()
        .unwrap();
    assert!(
        msg.contains(&format!("{} on node node-7", entry.display())),
        "{msg}"
    );
    agent.stop();
}

#[test]
fn a_refused_event_is_counted_and_said_once() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let api = standin::StandIn::start(vec![standin::route(
        "/api/v1/namespaces/shop/events",
        &[],
        || {
            standin::Resp::json(
                403,
                std::fs::read(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../tests/fixtures/kube-api/status-403-events.json"),
                )
                .unwrap(),
            )
        },
    )]);
    let tmp = TempDir::new("oomlens-watch-403");
    let cg = PodCgroup::new(32 << 20);
    pod_logs(&tmp.path().join("pods"), &cg, "orders-api-2");
    let agent = agent_with_events(tmp.path(), &api.kubeconfig);
    let addr = agent.metrics.clone().unwrap();
    for _ in 0..3 {
        kill_one(&cg);
    }
    for _ in 0..3 {
        agent
            .until(Duration::from_secs(10), |v| {
                v["event"] == "diagnosis" && v["cgroup"] == cg.container_path.as_str()
            })
            .expect("each kill's diagnosis");
    }
    std::thread::sleep(Duration::from_millis(500));
    // One refused post; the other two not tried.
    assert_eq!(posts(&api).len(), 1);
    let page = scrape(&addr);
    assert!(
        page.contains("oomlens_agent_events_dropped_total{what=\"pod-event\"} 3"),
        "{page}"
    );
    agent.stop();
}

/// p-th percentile (nearest rank) of `v`, sorted here.
fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

/// The latency floors, run by `scripts/bench/watch-latency.sh` (a release
/// build): 20 real kills one after another, each timed from its death
/// (its parent's wait) to the agent's `kill` line and to the stand-in API
/// server's receipt of its Pod Event. Prints each floor with PASS/FAIL;
/// fails when one fails.
#[test]
#[ignore = "a benchmark: scripts/bench/watch-latency.sh"]
fn latency_floors() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let kills: usize = std::env::var("BENCH_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let api = standin::StandIn::start(vec![standin::route(
        "/api/v1/namespaces/shop/events",
        &[],
        || standin::Resp::json(201, "{}"),
    )]);
    let tmp = TempDir::new("oomlens-watch-floors");
    let cg = PodCgroup::new(32 << 20);
    pod_logs(&tmp.path().join("pods"), &cg, "orders-api-3");
    let agent = agent_with_events(tmp.path(), &api.kubeconfig);
    let (mut to_line, mut to_event) = (Vec::new(), Vec::new());
    for i in 0..kills {
        let (pid, died) = kill_one(&cg);
        let (seen, _) = agent
            .until(Duration::from_secs(10), |v| {
                v["event"] == "kill" && v["pid"] == pid
            })
            .unwrap_or_else(|| panic!("kill {i} (pid {pid}) reported"));
        to_line.push(seen.saturating_duration_since(died));
        let post = nth_post(&api, i, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("no Pod Event for kill {i}"));
        to_event.push(post.at.saturating_duration_since(died));
    }
    agent.stop();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut fail = false;
    for (what, v, floor) in [
        ("kill -> JSON event", &mut to_line, Duration::from_secs(1)),
        (
            "kill -> Pod Event (stand-in)",
            &mut to_event,
            Duration::from_secs(2),
        ),
    ] {
        let p50 = percentile(v, 50.0);
        let p99 = percentile(v, 99.0);
        let ok = p99 < floor;
        fail |= !ok;
        println!(
            "{what}: p50 {:.0} ms, p99 {:.0} ms over {} kills; floor p99 < {:.0} ms: {}",
            ms(p50),
            ms(p99),
            v.len(),
            ms(floor),
            if ok { "PASS" } else { "FAIL" }
        );
    }
    assert!(!fail, "a latency floor failed");
}

/// A JVM holding about 256 MiB of live objects (a million map entries of a
/// `Long` key and a 200-byte array: three million objects), NMT on.
const HEAP_HOLD: &str = r#"
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

public class HeapHold256 {
    static final Map<Long, byte[]> HELD = new HashMap<>();

    public static void main(String[] args) throws Exception {
        for (long i = 0; i < 1_000_000; i++) HELD.put(i, new byte[200]);
        Files.writeString(Path.of(args[0]), "ready\n");
        Thread.sleep(600_000);
    }
}
"#;

#[test]
#[ignore = "a benchmark: scripts/bench/watch-capture.sh"]
fn capture_floor() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !support::require_cgroups() {
        return;
    }
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let tmp = TempDir::new("oomlens-watch-capture");
    let src = tmp.path().join("HeapHold256.java");
    std::fs::write(&src, HEAP_HOLD).unwrap();
    let javac = Command::new("javac")
        .arg("-d")
        .arg(tmp.path())
        .arg(&src)
        .status()
        .expect("javac (OpenJDK 17)");
    assert!(javac.success());
    let cg = PodCgroup::new(1 << 30);
    let ready = tmp.path().join("ready");
    let _java = cg.spawn(&format!(
        "java -Xms512m -Xmx512m -XX:NativeMemoryTracking=summary -cp {} HeapHold256 {}",
        tmp.path().display(),
        ready.display()
    ));
    let t0 = Instant::now();
    while !ready.exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(180),
            "the heap is filled"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid: u32 = std::fs::read_to_string(cg.dir().join("cgroup.procs"))
        .unwrap()
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the JVM's pid");
    let heap = Command::new(support::oomlens())
        .args(["jcmd", &pid.to_string(), "GC.heap_info"])
        .output()
        .unwrap();
    println!(
        "JVM {pid}, heap filled in {:.1} s:\n{}",
        t0.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&heap.stdout).trim()
    );
    // The agent's capture: every level at 1 %, so the JVM is past them on
    // the first pass (one capture, at the second level).
    let mut took = Vec::new();
    for run in 0..runs {
        let agent = Agent::start(
            &tmp.path().join(format!("spool-{run}")),
            &["--threshold", "1%", "--capture-again", "2%"],
        );
        let (_, c) = agent
            .until(Duration::from_secs(120), |v| {
                v["event"] == "capture" && v["cgroup"] == cg.container_path.as_str()
            })
            .expect("the JVM is captured");
        assert_eq!(c["errors"], serde_json::json!([]), "{c}");
        took.push(Duration::from_millis(c["took_ms"].as_u64().unwrap()));
        agent.stop();
    }
    // The floor's three commands alone, one attach each, as the agent runs
    // them.
    let mut floor_set = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        for cmd in [
            "VM.native_memory summary",
            "VM.metaspace",
            "GC.class_histogram",
        ] {
            let mut args = vec!["jcmd".to_string(), pid.to_string()];
            args.extend(cmd.split(' ').map(str::to_string));
            let o = Command::new(support::oomlens())
                .args(&args)
                .output()
                .unwrap();
            assert!(o.status.success(), "{cmd}");
        }
        floor_set.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    let (cap_max, floor_max) = (max(&took), max(&floor_set));
    println!(
        "capture (every command, took_ms): median {:.0} ms, max {:.0} ms over {} captures",
        ms(percentile(&mut took, 50.0)),
        ms(cap_max),
        took.len()
    );
    println!(
        "NMT + Metaspace + histogram: median {:.0} ms, max {:.0} ms over {runs} runs; floor < 1000 ms: {}",
        ms(percentile(&mut floor_set, 50.0)),
        ms(floor_max),
        if floor_max < Duration::from_secs(1) { "PASS" } else { "FAIL" }
    );
    println!("load average at the end: {}", load.trim());
}
