//! Heap facts of GC logs, class histograms and NMT summaries, against the
//! real captures of `tests/fixtures/gclog/jdk17-*-heapleak-xmx64m.log` (one
//! per collector) and `tests/fixtures/heap/<scenario>/` (made by
//! `scripts/capture/jvm-heap.sh`; see the SOURCES.md files). Expected values
//! come from the files themselves (read with plain string searches here, or
//! with grep when written down), not from the parser.

use std::collections::BTreeSet;
use std::path::PathBuf;

use oomlens_evidence::jvm::gclog::{self, Collection, CollectionKind, GcLog};
use oomlens_evidence::jvm::{jcmd, nmt};

const K: u64 = 1024;
const M: u64 = 1024 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn gc(rel: &str) -> (GcLog, String) {
    let bytes = read(rel);
    let (log, warnings) = gclog::parse(rel, &bytes);
    assert!(warnings.is_empty(), "{rel}: {:?}", warnings.items());
    (log, String::from_utf8(bytes).expect("utf-8"))
}

/// The distinct `GC(N)` ids of a log, counted on its text.
fn gc_ids(text: &str) -> usize {
    let mut ids = BTreeSet::new();
    for (i, _) in text.match_indices("GC(") {
        let rest = &text[i + 3..];
        if let Some(end) = rest.find(')') {
            if let Ok(n) = rest[..end].parse::<u64>() {
                ids.insert(n);
            }
        }
    }
    ids.len()
}

/// The 1-based number of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no line with {needle}"))
}

fn by_id(log: &GcLog, id: u64) -> &Collection {
    log.collections
        .iter()
        .find(|c| c.gc_id == Some(id))
        .unwrap_or_else(|| panic!("no GC({id})"))
}

/// Heap after each collection that is not a pause of CMS's marking, after
/// the first second of uptime (the demo programs build their working set
/// then), in log order, in bytes.
fn heap_after(log: &GcLog) -> Vec<u64> {
    log.collections
        .iter()
        .filter(|c| c.kind != CollectionKind::Remark && c.uptime_s.is_some_and(|u| u >= 1.0))
        .filter_map(|c| c.heap_after_bytes)
        .collect()
}

fn mean(v: &[u64]) -> f64 {
    v.iter().map(|&x| x as f64).sum::<f64>() / v.len().max(1) as f64
}

/// Mean heap after GC over the first and the last third of the run.
fn thirds(v: &[u64]) -> (f64, f64) {
    let n = v.len() / 3;
    assert!(n >= 3, "too few collections: {}", v.len());
    (mean(&v[..n]), mean(&v[v.len() - n..]))
}

// ---- one log per collector --------------------------------------------------

#[test]
fn every_collector_counts_its_ids_and_knows_xmx() {
    for c in ["g1", "parallel", "serial", "shenandoah", "zgc"] {
        let rel = format!("gclog/jdk17-{c}-heapleak-xmx64m.log");
        let (log, text) = gc(&rel);
        assert_eq!(
            log.collection_count as usize,
            gc_ids(&text),
            "{rel} collections"
        );
        assert_eq!(log.collections.len(), gc_ids(&text), "{rel} kept");
        // Run with -Xmx64m.
        assert_eq!(log.heap_max_bytes, Some(64 * M), "{rel} max heap");
        assert_eq!(
            log.heap_max_line,
            Some(line_of(&text, "Max Capacity: 64M")),
            "{rel} max heap line"
        );
        // A heap leak that ends in OutOfMemoryError: heap after GC climbs
        // (ZGC's first cycle starts with the heap already full).
        let after: Vec<u64> = log
            .collections
            .iter()
            .filter_map(|c| c.heap_after_bytes)
            .collect();
        if c == "zgc" {
            assert!(after.iter().all(|&a| a == 64 * M), "{rel}: {after:?}");
        } else {
            let (first, last) = thirds(&after);
            assert!(last > first + 10.0 * M as f64, "{rel}: {first} -> {last}");
        }
        let sum: f64 = log.collections.iter().filter_map(|c| c.pause_ms).sum();
        assert!((log.pause_total_ms - sum).abs() < 1e-6, "{rel} pause total");
        for w in log.collections.windows(2) {
            assert!(w[0].line < w[1].line, "{rel}: out of order");
        }
    }
}

#[test]
fn g1_young_and_full_lines() {
    let (log, text) = gc("gclog/jdk17-g1-heapleak-xmx64m.log");
    let c = by_id(&log, 5);
    // `GC(5) Pause Young (Concurrent Start) (G1 Evacuation Pause) 38M->38M(64M) 9.955ms`
    let end = line_of(
        &text,
        "GC(5) Pause Young (Concurrent Start) (G1 Evacuation Pause) 38M",
    );
    assert_eq!(c.kind, CollectionKind::Young);
    assert_eq!(c.cause.as_deref(), Some("G1 Evacuation Pause"));
    assert_eq!(c.line, line_of(&text, "GC(5) Pause Young"));
    assert_eq!(c.heap_line, Some(end));
    assert_eq!(
        (
            c.heap_before_bytes,
            c.heap_after_bytes,
            c.heap_committed_bytes
        ),
        (Some(38 * M), Some(38 * M), Some(64 * M))
    );
    assert_eq!(c.pause_ms, Some(9.955));
    assert_eq!(c.uptime_s, Some(0.583));
    // `Old regions: 30->37` with 1M regions.
    assert_eq!(log.heap_region_bytes, Some(M));
    assert_eq!(c.old_after_bytes, Some(37 * M));
    // GC(6) is the concurrent mark cycle.
    assert_eq!(by_id(&log, 6).kind, CollectionKind::Concurrent);
    let c = by_id(&log, 18);
    assert_eq!(c.kind, CollectionKind::Full);
    assert_eq!(c.cause.as_deref(), Some("G1 Compaction Pause"));
    assert_eq!(
        (c.heap_before_bytes, c.heap_after_bytes),
        (Some(62 * M), Some(58 * M))
    );
    assert_eq!(log.heap_initial_bytes, Some(64 * M));
    assert_eq!(log.heap_min_bytes, Some(8 * M));
    let full = log
        .collections
        .iter()
        .filter(|c| c.kind == CollectionKind::Full)
        .count();
    assert_eq!(full as u64, log.full_gcs);
}

#[test]
fn parallel_and_serial_old_generation() {
    let (log, text) = gc("gclog/jdk17-parallel-heapleak-xmx64m.log");
    // `GC(3) ParOldGen: 43603K(44032K)->43600K(44032K)`, then
    // `GC(3) Pause Full (Ergonomics) 60M->60M(61M) 11.433ms`.
    let c = by_id(&log, 3);
    assert_eq!(c.kind, CollectionKind::Full);
    assert_eq!(c.cause.as_deref(), Some("Ergonomics"));
    assert_eq!(c.old_after_bytes, Some(43600 * K));
    assert_eq!(c.heap_after_bytes, Some(60 * M));
    assert_eq!(c.heap_committed_bytes, Some(61 * M));
    assert_eq!(
        c.heap_line,
        Some(line_of(&text, "GC(3) Pause Full (Ergonomics) 60M"))
    );
    let c = by_id(&log, 0);
    assert_eq!(
        (c.kind, c.cause.as_deref()),
        (CollectionKind::Young, Some("Allocation Failure"))
    );
    assert_eq!(
        (c.heap_before_bytes, c.heap_after_bytes),
        (Some(15 * M), Some(13 * M))
    );

    let (log, _) = gc("gclog/jdk17-serial-heapleak-xmx64m.log");
    // `GC(3) Tenured: 30654K(43712K)->43652K(43712K)`.
    assert_eq!(by_id(&log, 3).old_after_bytes, Some(43652 * K));
    assert_eq!(by_id(&log, 3).pause_ms, Some(20.763));
}

#[test]
fn zgc_and_shenandoah_cycles() {
    let (log, text) = gc("gclog/jdk17-zgc-heapleak-xmx64m.log");
    let c = by_id(&log, 0);
    // `GC(0) Garbage Collection (Allocation Stall) 64M(100%)->64M(100%)`.
    assert_eq!(c.kind, CollectionKind::Concurrent);
    assert_eq!(c.cause.as_deref(), Some("Allocation Stall"));
    assert_eq!(
        (c.heap_before_bytes, c.heap_after_bytes),
        (Some(64 * M), Some(64 * M))
    );
    assert_eq!(
        c.heap_line,
        Some(line_of(
            &text,
            "GC(0) Garbage Collection (Allocation Stall) 64M"
        ))
    );
    // The committed size from the `Capacity:` row of its heap table.
    assert_eq!(c.heap_committed_bytes, Some(64 * M));
    // Its pauses are the phase pauses (`Pause Mark Start` ...), well under 1 ms.
    assert!(c.pause_ms.is_some_and(|p| p > 0.0 && p < 1.0));

    let (log, text) = gc("gclog/jdk17-shenandoah-heapleak-xmx64m.log");
    let c = by_id(&log, 6);
    // `Trigger: Handle Allocation Failure`, then
    // `GC(6) Pause Degenerated GC (Outside of Cycle) 46M->46M(64M) 11.103ms`.
    assert_eq!(c.kind, CollectionKind::Degenerated);
    assert_eq!(c.cause.as_deref(), Some("Handle Allocation Failure"));
    assert_eq!(c.pause_ms, Some(11.103));
    let c = by_id(&log, 0);
    assert_eq!(c.kind, CollectionKind::Concurrent);
    // The cycle's last `Concurrent cleanup 20M->18M(64M)`.
    assert_eq!(c.heap_after_bytes, Some(18 * M));
    assert_eq!(
        c.heap_line,
        Some(line_of(&text, "GC(0) Concurrent cleanup 20M->18M"))
    );
    assert_eq!(by_id(&log, 10).kind, CollectionKind::Full);
}

#[test]
fn jdk8_records_give_heap_old_and_pause() {
    let (log, _) = gc("gclog/pub-jdk8-parallel-datestamps-flags-gcviewer161-partial.log");
    // `-XX:MaxHeapSize=1073741824` in `CommandLine flags:` (line 3).
    assert_eq!(
        (log.heap_max_bytes, log.heap_max_line),
        (Some(1 << 30), Some(3))
    );
    let c = log.collections.last().unwrap();
    // `[Full GC (Metadata GC Threshold) [PSYoungGen: ...] [ParOldGen:
    // 736K->42544K(699392K)] 44251K->42544K(1005056K), [Metaspace: ...], 0.3831466 secs]`
    assert_eq!(c.kind, CollectionKind::Full);
    assert_eq!(c.old_after_bytes, Some(42544 * K));
    assert_eq!(c.heap_after_bytes, Some(42544 * K));
    assert_eq!(c.time.as_deref(), Some("2016-02-09T00:02:44.070-0500"));
    let (log, _) = gc("gclog/pub-jdk8-g1-full-metadata-multiline-jifa.log");
    // `[Full GC (Metadata GC Threshold)  7521M->7002M(46144M), 1.9242692 secs]`
    let c = &log.collections[1];
    assert_eq!(
        (c.kind, c.heap_after_bytes),
        (CollectionKind::Full, Some(7002 * M))
    );
    assert_eq!(c.pause_ms, Some(1924.2692));
    // `[GC pause (G1 Evacuation Pause) (mixed)`, its `Heap: ...` a later line.
    let c = &log.collections[2];
    assert_eq!(c.kind, CollectionKind::Mixed);
    assert!(c.heap_line.is_some_and(|h| h > c.line));
    let (log, _) = gc("gclog/pub-jdk8-cms-concurrent-mode-failure-jifa.log");
    let kinds: Vec<_> = log.collections.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&CollectionKind::Remark));
    // `[Full GC (Heap Dump Initiated GC) ... [CMS[YG occupancy ...]: 324459K->175339K(3072000K)`
    assert_eq!(log.collections[0].old_after_bytes, Some(175339 * K));
}

// ---- the scenarios ------------------------------------------------------------

struct Scenario {
    dir: &'static str,
    xmx: u64,
    /// Heap after GC climbs (a leak) or stays flat.
    climbs: bool,
}

const SCENARIOS: [Scenario; 4] = [
    Scenario {
        dir: "heap/leak-xmx-over-limit",
        xmx: 400 * M,
        climbs: true,
    },
    Scenario {
        dir: "heap/leak-xmx-under-limit",
        xmx: 96 * M,
        climbs: true,
    },
    Scenario {
        dir: "heap/steady-sawtooth",
        xmx: 96 * M,
        climbs: false,
    },
    Scenario {
        dir: "heap/sized-over-limit",
        xmx: 400 * M,
        climbs: false,
    },
];

fn facts(dir: &str) -> String {
    String::from_utf8(read(&format!("{dir}/facts.env"))).expect("utf-8")
}

#[test]
fn scenarios_gc_logs() {
    for s in SCENARIOS {
        let (log, text) = gc(&format!("{}/gc.log", s.dir));
        assert_eq!(log.heap_max_bytes, Some(s.xmx), "{} max heap", s.dir);
        assert_eq!(log.collection_count as usize, gc_ids(&text), "{}", s.dir);
        assert!(log
            .collections
            .iter()
            .all(|c| c.time.is_some() && c.uptime_s.is_some()));
        let after = heap_after(&log);
        let (first, last) = thirds(&after);
        if s.climbs {
            assert!(
                last > first + 20.0 * M as f64,
                "{}: {first} -> {last}",
                s.dir
            );
        } else {
            assert!(
                (last - first).abs() < 4.0 * M as f64,
                "{}: {first} -> {last}",
                s.dir
            );
        }
    }
    // The JVM sized over the limit: the committed heap rises while the heap
    // after GC stays flat.
    let (log, _) = gc("heap/sized-over-limit/gc.log");
    let committed: Vec<u64> = log
        .collections
        .iter()
        .filter_map(|c| c.heap_committed_bytes)
        .collect();
    let (first, last) = thirds(&committed);
    assert!(
        last > first + 40.0 * M as f64,
        "committed {first} -> {last}"
    );
    // The steady one saws up to near its maximum heap.
    let (log, _) = gc("heap/steady-sawtooth/gc.log");
    let peak = log
        .collections
        .iter()
        .filter_map(|c| c.heap_before_bytes)
        .max()
        .unwrap();
    assert!(peak as f64 > 0.7 * (96 * M) as f64, "peak {peak}");
}

#[test]
fn scenarios_end_as_captured() {
    for (s, needle) in [
        ("heap/leak-xmx-over-limit", "outcome=kernel-oom-kill"),
        (
            "heap/leak-xmx-under-limit",
            "outcome=jvm-outofmemoryerror-heap",
        ),
        ("heap/steady-sawtooth", "outcome=SIGTERM"),
        ("heap/sized-over-limit", "outcome=kernel-oom-kill"),
        ("heap/leak-xmx-over-limit-gc-tag", "outcome=kernel-oom-kill"),
        ("heap/native-leak", "outcome=kernel-oom-kill"),
        ("heap/native-steady", "outcome=SIGTERM"),
    ] {
        assert!(facts(s).lines().any(|l| l == needle), "{s}: {needle}");
    }
    for s in ["heap/leak-xmx-over-limit", "heap/sized-over-limit"] {
        let f = facts(s);
        let pid = f.lines().find_map(|l| l.strip_prefix("pid=")).unwrap();
        let kern = String::from_utf8(read(&format!("{s}/kern.log"))).unwrap();
        assert!(
            kern.contains(&format!("Killed process {pid} (java)")),
            "{s}"
        );
    }
    let out = String::from_utf8(read("heap/leak-xmx-under-limit/stdout.log")).unwrap();
    assert!(out.contains("java.lang.OutOfMemoryError: Java heap space"));
}

fn byte_arrays(h: &jcmd::HistogramSnapshot) -> u64 {
    h.rows
        .iter()
        .find(|r| r.class == "[B")
        .map_or(0, |r| r.bytes)
}

#[test]
fn scenarios_histograms_over_time() {
    for s in SCENARIOS {
        let rel = format!("{}/histograms.txt", s.dir);
        let (hs, w) = jcmd::parse_histograms(&rel, &read(&rel));
        assert!(w.is_empty(), "{rel}: {:?}", w.items());
        let text = String::from_utf8(read(&rel)).unwrap();
        // The last `jcmd` of a killed JVM may print an error instead.
        let tables = text.matches("#instances").count();
        assert_eq!(hs.len(), tables, "{rel}: one histogram per table");
        assert!(hs.len() >= 3, "{rel}: {} histograms", hs.len());
        for w in hs.windows(2) {
            let (a, b) = (w[0].unix_ms.unwrap(), w[1].unix_ms.unwrap());
            assert!(a < b, "{rel}: times in order");
            assert!(w[0].time_line.unwrap() < w[0].line);
        }
        assert!(hs.iter().all(|h| h.total.is_some() && h.pid.is_some()));
        let bytes: Vec<u64> = hs.iter().map(byte_arrays).collect();
        if s.climbs {
            assert!(bytes.windows(2).all(|p| p[1] >= p[0]), "{rel}: {bytes:?}");
            assert!(bytes[bytes.len() - 1] > 2 * bytes[0], "{rel}: {bytes:?}");
        } else {
            let (lo, hi) = (bytes.iter().min().unwrap(), bytes.iter().max().unwrap());
            assert!(hi - lo < 8 * M, "{rel}: {bytes:?}");
        }
    }
}

#[test]
fn scenarios_nmt_over_time() {
    for s in SCENARIOS {
        let rel = format!("{}/nmt.txt", s.dir);
        let (snaps, _) = nmt::parse(&rel, &read(&rel));
        assert!(snaps.len() >= 3, "{rel}: {}", snaps.len());
        assert!(snaps
            .iter()
            .all(|n| n.unix_ms.is_some() && n.time_line.is_some()));
        for w in snaps.windows(2) {
            assert!(w[0].unix_ms < w[1].unix_ms, "{rel}");
        }
    }
    let (snaps, _) = nmt::parse("a", &read("heap/leak-xmx-over-limit/nmt.txt"));
    let heap: Vec<u64> = snaps
        .iter()
        .map(|n| n.category("Java Heap").unwrap().committed_bytes)
        .collect();
    assert!(heap.windows(2).all(|p| p[1] >= p[0]), "{heap:?}");
    assert!(heap[heap.len() - 1] > 3 * heap[0], "{heap:?}");
}

/// `-Xlog:gc` alone (`GC_TAGS=gc`): the collections with their heap sizes,
/// no `[gc,init]` header, so no maximum heap in the log; the JVM's
/// `VM.flags` says it.
#[test]
fn gc_tag_alone_has_no_max_heap_and_vm_flags_say_it() {
    let (log, text) = gc("heap/leak-xmx-over-limit-gc-tag/gc.log");
    assert!(!text.contains("[gc,init]"));
    assert_eq!(log.heap_max_bytes, None);
    let after = log
        .collections
        .iter()
        .filter(|c| c.heap_after_bytes.is_some())
        .count();
    assert_eq!(after, gc_ids(&text), "every collection's heap is read");
    let flags = String::from_utf8(read("heap/leak-xmx-over-limit-gc-tag/VM.flags.txt")).unwrap();
    assert!(flags
        .lines()
        .nth(1)
        .unwrap()
        .contains("-XX:MaxHeapSize=419430400"));
}

/// NativeLeak's NMT total stays within a few MiB while the cgroup's RSS
/// (sampled by `oomlens sample`) grows by more than a hundred.
#[test]
fn native_leak_grows_outside_nmt() {
    let rel = "heap/native-leak/nmt.txt";
    let (snaps, w) = nmt::parse(rel, &read(rel));
    assert!(w.is_empty(), "{rel}: {:?}", w.items());
    assert!(snaps.len() >= 8 && snaps.iter().all(|s| s.unix_ms.is_some()));
    let totals: Vec<u64> = snaps.iter().map(|s| s.total_committed_bytes).collect();
    let (lo, hi) = (totals.iter().min().unwrap(), totals.iter().max().unwrap());
    assert!(hi - lo < 4 * M, "{totals:?}");
    let om = String::from_utf8(read("heap/native-leak/metrics.om")).unwrap();
    let rss: Vec<f64> = om
        .lines()
        .filter(|l| l.starts_with("container_memory_rss{"))
        .filter_map(|l| l.rsplit(' ').nth(1)?.parse().ok())
        .collect();
    let max = rss.iter().cloned().fold(0.0, f64::max);
    assert!(max - rss[0] > 100.0 * M as f64, "{} -> {max}", rss[0]);
}
