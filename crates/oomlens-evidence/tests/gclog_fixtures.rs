//! The GC-log parser against every fixture in `tests/fixtures/gclog`: the
//! real facts of each log (sample counts, first and last Metaspace use,
//! threshold collections with their lines, full collections, caps).
//! The expected values were read off the files with grep, not from the
//! parser (see `tests/fixtures/gclog/SOURCES.md` for what each file is).

use std::path::PathBuf;

use oomlens_evidence::jvm::gclog::{self, GcLog, MetaspaceSample};
use oomlens_evidence::jvm::jcmd;

const K: u64 = 1024;
const M: u64 = 1024 * 1024;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gclog")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str) -> GcLog {
    let bytes = read(name);
    let (log, warnings) = gclog::parse(name, &bytes);
    assert!(
        warnings.is_empty(),
        "{name}: unexpected warnings {:?}",
        warnings.items()
    );
    log
}

/// What every file must show, whatever its format.
struct Expect {
    file: &'static str,
    jdk: &'static str,
    lines: u64,
    samples: usize,
    /// (line, used after) of the first and last sample.
    first: Option<(u64, u64)>,
    last: Option<(u64, u64)>,
    threshold_lines: &'static [u64],
    last_ditch_lines: &'static [u64],
    full: u64,
    collector: Option<&'static str>,
}

const EXPECT: &[Expect] = &[
    Expect {
        file: "jdk17-g1-heapleak-xmx64m.log",
        jdk: "9+",
        lines: 1195,
        samples: 64,
        first: Some((32, 1002 * K)),
        last: Some((1190, 938 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 32,
        collector: Some("G1"),
    },
    Expect {
        file: "jdk17-parallel-heapleak-xmx64m.log",
        jdk: "9+",
        lines: 197,
        samples: 12,
        first: Some((20, 1024 * K)),
        last: Some((186, 970 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 10,
        collector: Some("Parallel"),
    },
    Expect {
        file: "jdk17-serial-heapleak-xmx64m.log",
        jdk: "9+",
        lines: 150,
        samples: 10,
        first: Some((18, 1038 * K)),
        last: Some((139, 980 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 8,
        collector: Some("Serial"),
    },
    Expect {
        file: "jdk17-shenandoah-heapleak-xmx64m.log",
        jdk: "9+",
        lines: 2017,
        samples: 16,
        first: Some((156, 1046 * K)),
        last: Some((1817, 988 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 1,
        collector: Some("Shenandoah"),
    },
    Expect {
        file: "jdk17-zgc-heapleak-xmx64m.log",
        jdk: "9+",
        lines: 531,
        samples: 13,
        first: Some((42, 0)), // `0M used`
        last: Some((510, 0)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 0,
        collector: Some("The Z Garbage Collector"),
    },
    Expect {
        file: "jdk17-g1-capped64m.log",
        jdk: "9+",
        lines: 499,
        samples: 25,
        first: Some((32, 2004 * K)),
        last: Some((492, 53592 * K)),
        threshold_lines: &[65, 133, 246, 329, 348, 418, 433],
        last_ditch_lines: &[],
        full: 3,
        collector: Some("G1"),
    },
    Expect {
        file: "jdk17-g1-gc-and-metaspace-tags-uptime-only.log",
        jdk: "9+",
        lines: 80,
        samples: 28,
        first: Some((5, 1994 * K)),
        last: Some((79, 54420 * K)),
        threshold_lines: &[14, 28, 50, 60, 63, 74, 77],
        last_ditch_lines: &[],
        full: 2,
        collector: Some("G1"),
    },
    Expect {
        file: "jdk17-parallel-uncapped-time-uptimemillis.log",
        jdk: "9+",
        lines: 181,
        samples: 16,
        first: Some((20, 7920 * K)),
        last: Some((170, 203148 * K)),
        threshold_lines: &[29, 35, 51, 57, 79, 85, 107, 113, 129, 135],
        last_ditch_lines: &[],
        full: 6,
        collector: Some("Parallel"),
    },
    Expect {
        file: "jdk17-serial-oom32m-utctime-uptimenanos-pid-tid.log",
        jdk: "9+",
        lines: 160,
        samples: 8,
        first: Some((18, 8387 * K)),
        last: Some((100, 29417 * K)),
        threshold_lines: &[27, 47, 75],
        last_ditch_lines: &[61, 89],
        full: 5,
        collector: Some("Serial"),
    },
    Expect {
        file: "jdk17-shenandoah-capped64m.log",
        jdk: "9+",
        lines: 775,
        samples: 5,
        first: Some((151, 11867 * K)),
        last: Some((661, 53295 * K)),
        threshold_lines: &[26, 153, 280],
        last_ditch_lines: &[407, 535],
        full: 0,
        collector: Some("Shenandoah"),
    },
    Expect {
        file: "jdk17-zgc-capped64m.log",
        jdk: "9+",
        lines: 289,
        samples: 7,
        first: Some((41, 11 * M)),
        last: Some((265, 52 * M)),
        threshold_lines: &[25, 62, 99, 136, 211],
        last_ditch_lines: &[173, 248],
        full: 0,
        collector: Some("The Z Garbage Collector"),
    },
    Expect {
        file: "pub-jdk11-g1-metadata-jifa.log",
        jdk: "9+",
        lines: 64,
        samples: 2,
        first: Some((18, 20679 * K)),
        last: Some((62, 3604 * K)),
        threshold_lines: &[7],
        last_ditch_lines: &[],
        full: 1,
        collector: Some("G1"),
    },
    Expect {
        file: "pub-jdk11-parallel-metadata-graal2129-partial.log",
        jdk: "9+",
        lines: 19,
        samples: 1,
        first: Some((7, 20716 * K)),
        last: Some((7, 20716 * K)),
        threshold_lines: &[4, 10],
        last_ditch_lines: &[],
        full: 1,
        collector: Some("Parallel"),
    },
    Expect {
        file: "pub-jdk8-cms-concurrent-mode-failure-jifa.log",
        jdk: "8",
        lines: 34,
        samples: 2,
        first: Some((3, 113775 * K)),
        last: Some((33, 296083 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 2,
        collector: None,
    },
    Expect {
        file: "pub-jdk8-g1-full-metadata-multiline-jifa.log",
        jdk: "8",
        lines: 66,
        samples: 1,
        first: Some((40, 291615 * K)),
        last: Some((40, 291615 * K)),
        threshold_lines: &[39],
        last_ditch_lines: &[],
        full: 1,
        collector: None,
    },
    Expect {
        file: "pub-jdk8-g1-young-metadata-gcviewer.log",
        jdk: "8",
        lines: 29,
        samples: 0,
        first: None,
        last: None,
        threshold_lines: &[1],
        last_ditch_lines: &[],
        full: 0,
        collector: None,
    },
    Expect {
        file: "pub-jdk8-parallel-datestamps-flags-gcviewer161-partial.log",
        jdk: "8",
        lines: 6,
        samples: 1,
        first: Some((6, 20882 * K)),
        last: Some((6, 20882 * K)),
        threshold_lines: &[5, 6],
        last_ditch_lines: &[],
        full: 1,
        collector: Some("Parallel"),
    },
    Expect {
        file: "pub-jdk8-parallel-timestamps-jifa.log",
        jdk: "8",
        lines: 6,
        samples: 3,
        first: Some((2, 3202 * K)),
        last: Some((6, 3737 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 3,
        collector: None,
    },
    Expect {
        file: "pub-jdk9to11-parallel-ujl-gcviewer.log",
        jdk: "9+",
        lines: 113,
        samples: 8,
        first: Some((9, 3643 * K)),
        last: Some((101, 3646 * K)),
        threshold_lines: &[],
        last_ditch_lines: &[],
        full: 4,
        collector: Some("Parallel"),
    },
];

fn at(s: Option<&MetaspaceSample>) -> Option<(u64, u64)> {
    s.map(|s| (s.line, s.used_after_bytes))
}

#[test]
fn every_fixture_is_listed_and_sniffed() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    names.sort();
    let mut listed: Vec<&str> = EXPECT.iter().map(|e| e.file).collect();
    listed.sort_unstable();
    assert_eq!(names, listed);
    for n in &names {
        let b = read(n);
        let head = &b[..b.len().min(64 * 1024)];
        assert!(gclog::looks_like_gclog(head), "{n} not sniffed as a GC log");
        assert_eq!(jcmd::sniff(head), None, "{n} sniffed as jcmd output");
    }
}

#[test]
fn facts_of_every_fixture() {
    for e in EXPECT {
        let log = parse(e.file);
        let f = e.file;
        assert_eq!(log.jdk.as_deref(), Some(e.jdk), "{f} jdk");
        assert_eq!(log.lines, e.lines, "{f} lines");
        assert_eq!(log.samples.len(), e.samples, "{f} samples");
        assert_eq!(log.sample_count, e.samples as u64, "{f} sample count");
        assert_eq!(at(log.samples.first()), e.first, "{f} first sample");
        assert_eq!(at(log.samples.last()), e.last, "{f} last sample");
        assert_eq!(
            log.metadata_threshold_lines, e.threshold_lines,
            "{f} threshold lines"
        );
        assert_eq!(
            log.metadata_threshold_gcs,
            e.threshold_lines.len() as u64,
            "{f} threshold count"
        );
        assert_eq!(
            log.metadata_last_ditch_lines, e.last_ditch_lines,
            "{f} last ditch"
        );
        assert_eq!(log.metadata_last_ditch_gcs, e.last_ditch_lines.len() as u64);
        assert_eq!(log.full_gcs, e.full, "{f} full collections");
        assert_eq!(log.collector.as_deref(), e.collector, "{f} collector");
        for w in log.samples.windows(2) {
            assert!(w[0].line < w[1].line, "{f}: samples out of order");
        }
    }
}

#[test]
fn g1_capped_threshold_samples_and_heap_exit() {
    let log = parse("jdk17-g1-capped64m.log");
    // `GC(3) Metaspace: 19257K(21504K)->19257K(21504K) ... Class: 643K(960K)->643K(960K)`
    // comes between `GC(3) Pause Young (Concurrent Start) (Metadata GC Threshold)` lines.
    let thr: Vec<(u64, Option<u64>, bool)> = log
        .samples
        .iter()
        .filter(|s| s.metadata_threshold)
        .map(|s| (s.line, s.gc_id, s.full))
        .collect();
    assert_eq!(
        thr,
        vec![
            (77, Some(3), false),
            (145, Some(7), false),
            (258, Some(14), false),
            (341, Some(19), false),
            (367, Some(21), true),
            (430, Some(25), false),
            (456, Some(26), true),
        ]
    );
    let first = &log.samples[0];
    assert_eq!(first.gc_id, Some(0));
    assert_eq!(first.uptime_s, Some(0.219));
    assert_eq!(first.time, None);
    assert_eq!(first.used_before_bytes, Some(2004 * K));
    assert_eq!(first.committed_after_bytes, Some(2240 * K));
    assert_eq!(first.class_used_after_bytes, Some(93 * K));
    assert_eq!(first.reserved_after_bytes, None);
    assert_eq!(first.cause.as_deref(), Some("G1 Evacuation Pause"));
    // GC(29): `Pause Full (Heap Inspection Initiated GC)` of jcmd, unloading.
    let last = log.samples.last().unwrap();
    assert_eq!(last.gc_id, Some(29));
    assert!(last.full && !last.metadata_threshold);
    assert_eq!(last.used_before_bytes, Some(56081 * K));
    assert_eq!(last.committed_after_bytes, Some(63808 * K));
    assert_eq!(last.cause.as_deref(), Some("Heap Inspection Initiated GC"));
    // `Metaspace       used 53594K, committed 63872K, reserved 196608K` at exit.
    let h = log.heap_metaspace.unwrap();
    assert_eq!(h.line, 498);
    assert_eq!(h.used_bytes, 53594 * K);
    assert_eq!(h.committed_bytes, Some(63872 * K));
    assert_eq!(h.reserved_bytes, Some(196608 * K));
    assert_eq!(h.capacity_bytes, None);
    assert_eq!(h.class_used_bytes, Some(1498 * K));
    assert_eq!(
        log.vm_version.as_deref(),
        Some("17.0.15+6-Debian-1deb12u1 (release)")
    );
    assert!(log.command_line_flags.as_deref().is_some_and(
        |f| f.starts_with("Version: 17.0.15+6-Debian-1deb12u1 (release); CPUs: 2 total")
    ));
    assert_eq!(log.max_metaspace_bytes, None);
    assert_eq!(log.metaspace_alloc_failures, 0);
}

#[test]
fn pause_line_after_metaspace_line_gives_the_cause() {
    // `-Xlog:gc,gc+metaspace`: `[1.049s] GC(3) Metaspace: ...` then
    // `[1.049s] GC(3) Pause Young (Concurrent Start) (Metadata GC Threshold)`.
    let log = parse("jdk17-g1-gc-and-metaspace-tags-uptime-only.log");
    let thr: Vec<(u64, Option<u64>, bool)> = log
        .samples
        .iter()
        .filter(|s| s.metadata_threshold)
        .map(|s| (s.line, s.gc_id, s.full))
        .collect();
    assert_eq!(
        thr,
        vec![
            (13, Some(4), false),
            (27, Some(10), false),
            (49, Some(19), false),
            (59, Some(23), false),
            (62, Some(25), true),
            (73, Some(30), false),
            (76, Some(31), true),
        ]
    );
    assert_eq!(log.vm_version, None);
    assert_eq!(log.command_line_flags, None);
}

#[test]
fn parallel_uncapped_wall_clock_and_growth() {
    let log = parse("jdk17-parallel-uncapped-time-uptimemillis.log");
    let first = &log.samples[0];
    assert_eq!(first.time.as_deref(), Some("2026-11-26T22:10:18.953+0000"));
    assert_eq!(first.uptime_s, Some(0.587));
    let last = log.samples.last().unwrap();
    assert_eq!(last.time.as_deref(), Some("2026-11-26T22:10:29.180+0000"));
    assert_eq!(last.uptime_s, Some(10.813));
    assert_eq!(last.committed_after_bytes, Some(226496 * K));
    // Every threshold pair: young then full.
    let full_thr = log
        .samples
        .iter()
        .filter(|s| s.metadata_threshold && s.full)
        .count();
    assert_eq!(full_thr, 5);
    // Metaspace only grows: nothing is ever unloaded.
    for w in log.samples.windows(2) {
        assert!(w[0].used_after_bytes <= w[1].used_after_bytes);
    }
    assert!(!log.max_metaspace_unlimited);
    assert_eq!(log.max_metaspace_bytes, None);
}

#[test]
fn serial_run_to_metaspace_oome() {
    let log = parse("jdk17-serial-oom32m-utctime-uptimenanos-pid-tid.log");
    assert_eq!(log.metaspace_alloc_failures, 1);
    assert_eq!(log.metaspace_alloc_failure_lines, vec![103]);
    assert_eq!(log.max_metaspace_bytes, Some(32 * M));
    assert_eq!(log.max_metaspace_line, Some(120));
    assert!(!log.max_metaspace_unlimited);
    let first = &log.samples[0];
    assert_eq!(first.uptime_s, Some(0.564261745));
    assert_eq!(first.time.as_deref(), Some("2026-11-26T22:10:35.305+0000"));
    let last = log.samples.last().unwrap();
    assert_eq!(last.gc_id, Some(7));
    assert!(last.full);
    assert_eq!(
        last.cause.as_deref(),
        Some("Metadata GC Clear Soft References")
    );
    // At the cap: 32768K committed of a 32 MB MaxMetaspaceSize.
    assert_eq!(last.committed_after_bytes, Some(32 * M));
    let thr: Vec<u64> = log
        .samples
        .iter()
        .filter(|s| s.metadata_threshold)
        .map(|s| s.line)
        .collect();
    assert_eq!(thr, vec![38, 58, 86]);
}

#[test]
fn shenandoah_and_zgc_tie_lines_without_ids() {
    let log = parse("jdk17-shenandoah-capped64m.log");
    let s: Vec<(Option<u64>, bool, Option<&str>)> = log
        .samples
        .iter()
        .map(|s| (s.gc_id, s.metadata_threshold, s.cause.as_deref()))
        .collect();
    assert_eq!(
        s,
        vec![
            (Some(0), true, Some("Metadata GC Threshold")),
            (Some(1), true, Some("Metadata GC Threshold")),
            (Some(2), true, Some("Metadata GC Threshold")),
            (
                Some(3),
                false,
                Some("Implicit GC request (Metadata GC Clear Soft References)")
            ),
            (
                Some(4),
                false,
                Some("Implicit GC request (Metadata GC Clear Soft References)")
            ),
        ]
    );
    // `Metaspace: 19286K(21568K)->11867K(17728K)`: this cycle unloaded.
    assert_eq!(log.samples[0].used_before_bytes, Some(19286 * K));
    assert_eq!(log.samples[0].committed_after_bytes, Some(17728 * K));

    let log = parse("jdk17-zgc-capped64m.log");
    let first = &log.samples[0];
    assert_eq!(first.gc_id, Some(0));
    assert!(first.metadata_threshold && !first.full);
    assert_eq!(first.used_before_bytes, None);
    assert_eq!(first.committed_after_bytes, Some(17 * M));
    assert_eq!(first.reserved_after_bytes, Some(128 * M));
    let last = log.samples.last().unwrap();
    assert_eq!(last.committed_after_bytes, Some(62 * M));
    assert_eq!(last.reserved_after_bytes, Some(192 * M));
}

#[test]
fn jdk8_parallel_with_flags_and_stamps() {
    let log = parse("pub-jdk8-parallel-datestamps-flags-gcviewer161-partial.log");
    assert_eq!(log.vm_version.as_deref(), Some("1.8.0_31-b13"));
    assert!(log
        .command_line_flags
        .as_deref()
        .is_some_and(|f| f.starts_with("-XX:InitialHeapSize=1073741824")
            && f.ends_with("-XX:+UseParallelGC")));
    assert_eq!(log.max_metaspace_bytes, None);
    let s = &log.samples[0];
    assert_eq!(s.time.as_deref(), Some("2016-02-09T00:02:44.070-0500"));
    assert_eq!(s.uptime_s, Some(11.586));
    assert_eq!(s.used_before_bytes, Some(20882 * K));
    // JDK 8 prints the reserved size in parentheses, not committed.
    assert_eq!(s.reserved_after_bytes, Some(1069056 * K));
    assert_eq!(s.committed_after_bytes, None);
    assert!(s.full && s.metadata_threshold);
    assert_eq!(s.gc_id, None);
}

#[test]
fn jdk8_multiline_records() {
    // G1: the Metaspace bracket is on the line after its `[Full GC` header.
    let log = parse("pub-jdk8-g1-full-metadata-multiline-jifa.log");
    let s = &log.samples[0];
    assert!(s.full && s.metadata_threshold);
    assert_eq!(s.uptime_s, Some(23.346));
    assert_eq!(s.used_before_bytes, Some(1792694 * K));
    // CMS: `(concurrent mode failure)` with its Metaspace on the line after
    // the `[GC (Allocation Failure)` header, which interleaved output broke.
    let log = parse("pub-jdk8-cms-concurrent-mode-failure-jifa.log");
    assert_eq!(log.vm_version.as_deref(), Some("1.8.0_212-b469"));
    let c: Vec<(u64, bool, Option<&str>, Option<f64>)> = log
        .samples
        .iter()
        .map(|s| (s.line, s.full, s.cause.as_deref(), s.uptime_s))
        .collect();
    assert_eq!(
        c,
        vec![
            (3, true, Some("Heap Dump Initiated GC"), Some(610.956)),
            (33, true, Some("Allocation Failure"), Some(796.991)),
        ]
    );
    // G1 young pause split by `Desired survivor size`: counted, no sample.
    let log = parse("pub-jdk8-g1-young-metadata-gcviewer.log");
    assert_eq!(log.metadata_threshold_gcs, 1);
    assert_eq!(log.full_gcs, 0);
}

#[test]
fn jdk9_to_15_form_is_reserved_and_heap_exit_has_capacity() {
    let log = parse("pub-jdk9to11-parallel-ujl-gcviewer.log");
    for s in &log.samples {
        assert_eq!(s.reserved_after_bytes, Some(1056768 * K));
        assert_eq!(s.committed_after_bytes, None);
    }
    let fulls: Vec<Option<u64>> = log
        .samples
        .iter()
        .filter(|s| s.full)
        .map(|s| s.gc_id)
        .collect();
    assert_eq!(fulls, vec![Some(2), Some(3), Some(5), Some(6)]);
    let h = log.heap_metaspace.unwrap();
    assert_eq!(h.line, 111);
    assert_eq!(h.used_bytes, 3661 * K);
    assert_eq!(h.capacity_bytes, Some(4490 * K));
    assert_eq!(h.committed_bytes, Some(4864 * K));
    assert_eq!(h.class_used_bytes, Some(375 * K));

    let log = parse("pub-jdk11-g1-metadata-jifa.log");
    let s = &log.samples[0];
    assert_eq!(
        (s.gc_id, s.metadata_threshold, s.full),
        (Some(0), true, false)
    );
    assert_eq!(s.reserved_after_bytes, Some(45056 * K));
}
