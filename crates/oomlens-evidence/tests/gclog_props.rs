//! Properties of the GC-log scanner: it never panics, whatever the bytes;
//! what it keeps stays within its bounds and in order; it reads the same
//! however the input is cut into reads, with CRLF line ends, and with
//! unrelated lines around the log.

use std::io::{self, Read};
use std::path::PathBuf;

use oomlens_evidence::jvm::gclog::{self, CollectionKind, GcLog};
use proptest::prelude::*;

/// Hands out at most `n` bytes per read.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(self.1).min(out.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gclog");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("fixture"))
        })
        .collect();
    out.sort();
    out
}

fn invariants(log: &GcLog) {
    assert!(log.samples.len() <= GcLog::LIMIT);
    assert!(log.sample_count >= log.samples.len() as u64);
    assert!(log.metadata_threshold_lines.len() as u64 <= log.metadata_threshold_gcs);
    assert!(log.metadata_threshold_lines.len() <= GcLog::LIMIT);
    assert!(log.metadata_last_ditch_lines.len() as u64 <= log.metadata_last_ditch_gcs);
    assert!(log.metaspace_alloc_failure_lines.len() as u64 <= log.metaspace_alloc_failures);
    for w in log.samples.windows(2) {
        assert!(w[0].line < w[1].line, "samples out of order: {w:?}");
    }
    for l in log
        .samples
        .iter()
        .map(|s| s.line)
        .chain(log.metadata_threshold_lines.iter().copied())
        .chain(log.metadata_last_ditch_lines.iter().copied())
        .chain(log.metaspace_alloc_failure_lines.iter().copied())
    {
        assert!(l >= 1 && l <= log.lines, "line {l} beyond {}", log.lines);
    }
    for w in log.metadata_threshold_lines.windows(2) {
        assert!(w[0] < w[1]);
    }
    assert!(log.collections.len() <= GcLog::LIMIT);
    assert!(log.collection_count >= log.collections.len() as u64);
    assert!(log.pause_total_ms.is_finite() && log.pause_total_ms >= 0.0);
    for w in log.collections.windows(2) {
        assert!(w[0].line < w[1].line, "collections out of order: {w:?}");
    }
    for c in &log.collections {
        assert!(c.line >= 1 && c.line <= log.lines);
        assert!(c.heap_line.is_none_or(|l| l >= 1 && l <= log.lines));
        assert_eq!(c.heap_line.is_some(), c.heap_after_bytes.is_some());
        assert!(c.pause_ms.is_none_or(|p| p.is_finite() && p >= 0.0));
        assert!(c.uptime_s.is_none_or(f64::is_finite));
    }
    for s in &log.samples {
        assert!(s.uptime_s.is_none_or(f64::is_finite));
        if s.metadata_threshold {
            assert!(s.cause.is_some());
        }
    }
}

/// Pieces GC logs are made of, to reach deep into the scanner.
const PIECES: &[&str] = &[
    "[0.219s]",
    "[12345ms]",
    "[1055232600ns]",
    "[1701525356123ms]",
    "[2023-12-02T13:55:56.123+0800]",
    "[info]",
    "[info   ]",
    "[gc,start    ]",
    "[gc,metaspace]",
    "[gc,init]",
    "[gc,heap,exit   ]",
    "[gc,metaspace,freelist,oom]",
    "[12577]",
    " ",
    "GC(3) ",
    "GC(99999999999999999999) ",
    "GC(",
    "Metaspace: ",
    "Metaspace (data) allocation failed for size 1353",
    "19260K(21504K)->19260K(21504K)",
    " NonClass: 18616K(20544K)->18616K(20544K)",
    " Class: 643K(960K)->643K(960K)",
    "10240K->10240K(1058816K)",
    "11M used, 17M committed, 128M reserved",
    "Pause Young",
    "Pause Full",
    "Garbage Collection",
    " (Normal)",
    " (Concurrent Start)",
    " (Metadata GC Threshold)",
    " (Metadata GC Clear Soft References)",
    " (System.gc())",
    " (",
    ")",
    " 27M->9M(468M) 7.561ms",
    " 64M(100%)->20M(31%)",
    "Pause Young (Mixed) (G1 Evacuation Pause) 38M->30M(64M) 1.5ms",
    "Pause Degenerated GC (Outside of Cycle) 46M->46M(64M) 11.103ms",
    "Pause Remark 45M->45M(64M) 1.2ms",
    "Concurrent cleanup 19M->19M(64M) 0.017ms",
    "Concurrent Mark Cycle",
    "ParOldGen: 43603K(44032K)->43600K(44032K)",
    "Old regions: 30->37",
    " Capacity:       64M (100%)         64M (100%)         64M (100%)         64M (100%)",
    "Heap Max Capacity: 64M",
    "Heap Region Size: 1M",
    "Max Capacity: 99999999999999999999M",
    "Minimum heap 8388608  Initial heap 264241152  Maximum heap 4175429632",
    " 25145K->16357K(98304K), 0.0225874 secs]",
    "[Eden: 96.0M(113.0M)->0.0B(140.0M) Survivors: 5120.0K->13.0M Heap: 102.5M(256.0M)->14.9M(256.0M)]",
    "[CMS[YG occupancy: 1212954 K (1843200 K)]: 324459K->175339K(3072000K), 1.0268069 secs]",
    "-Xmx400m ",
    "Trigger: Metadata GC Threshold",
    "Using G1",
    "Version: 17.0.15+6 (release)",
    "MaxMetaspaceSize: 64.00 MB",
    "MaxMetaspaceSize: unlimited",
    "MaxMetaspaceSize: 17179869184.00 GB",
    " Metaspace       used 3661K, capacity 4490K, committed 4864K, reserved 1056768K",
    "  class space    used 375K, capacity 386K, committed 512K, reserved 1048576K",
    "2016-02-09T00:02:44.070-0500: ",
    "11.586: ",
    "12,5: ",
    "#0: ",
    "[GC (Metadata GC Threshold) ",
    "[Full GC (Metadata GC Threshold) ",
    "[Full GC (Last ditch collection) ",
    "[GC pause (Metadata GC Threshold) (young)",
    "[GC concurrent-mark-start]",
    "[GC remark ",
    "[GC ",
    "[PSYoungGen: 43515K->0K(305664K)] ",
    "[Metaspace: 20882K->20882K(1069056K)]",
    "[Metaspace: ",
    " (concurrent mode failure)",
    "CommandLine flags: -XX:MaxMetaspaceSize=268435456 -XX:+UseG1GC",
    "CommandLine flags: -XX:MaxMetaspaceSize=99999999999999999999999k",
    "Java HotSpot(TM) 64-Bit Server VM (25.31-b07) for linux-amd64 JRE (1.8.0_31-b13)",
    "5120.0K",
    "0.0B",
    ", 0.1 secs]",
    "[Times: user=0.67 sys=0.04, real=0.38 secs]",
    "\r",
    "é",
    "\u{fffd}",
];

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let (log, _) = gclog::parse("fuzz", &bytes);
        invariants(&log);
        let _ = gclog::looks_like_gclog(&bytes);
    }

    #[test]
    fn log_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..80)) {
        let text = lines.join("\n");
        let (log, _) = gclog::parse("fuzz", text.as_bytes());
        invariants(&log);
        let _ = gclog::looks_like_gclog(text.as_bytes());
        // However it is cut into reads, the result is the same.
        for chunk in [1, 7, 64] {
            let (other, _) = gclog::scan("fuzz", Trickle(text.as_bytes(), chunk)).unwrap();
            prop_assert_eq!(&other, &log);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A unified-logging log of young and full pauses: one collection per
    /// id, each with the figures and pause of its line.
    #[test]
    fn unified_pauses_read_back(gcs in prop::collection::vec((any::<bool>(), 0u64..4096, 0u64..4096, 1u64..8192, 0u32..100_000), 1..60)) {
        let mut text = String::from("[0.009s][info][gc,init] Heap Max Capacity: 8192M\n");
        for (i, (full, before, after, cap, us)) in gcs.iter().enumerate() {
            let kind = if *full { "Full (Allocation Failure)" } else { "Young (Normal) (G1 Evacuation Pause)" };
            text.push_str(&format!("[{i}.5s][info][gc,start] GC({i}) Pause {kind}\n"));
            text.push_str(&format!("[{i}.6s][info][gc] GC({i}) Pause {kind} {before}M->{after}M({cap}M) {}.{:03}ms\n", us / 1000, us % 1000));
        }
        let (log, _) = gclog::parse("gen", text.as_bytes());
        invariants(&log);
        prop_assert_eq!(log.heap_max_bytes, Some(8192 << 20));
        prop_assert_eq!(log.collection_count as usize, gcs.len());
        prop_assert_eq!(log.collections.len(), gcs.len());
        for (i, (c, (full, before, after, cap, us))) in log.collections.iter().zip(&gcs).enumerate() {
            prop_assert_eq!(c.gc_id, Some(i as u64));
            prop_assert_eq!(c.kind == CollectionKind::Full, *full);
            prop_assert_eq!(c.heap_before_bytes, Some(before << 20));
            prop_assert_eq!(c.heap_after_bytes, Some(after << 20));
            prop_assert_eq!(c.heap_committed_bytes, Some(cap << 20));
            prop_assert_eq!(c.heap_line, Some(3 + 2 * i as u64));
            prop_assert!((c.pause_ms.unwrap() - f64::from(*us) / 1000.0).abs() < 1e-9);
        }
        prop_assert_eq!(log.full_gcs, gcs.iter().filter(|g| g.0).count() as u64);
    }
}

#[test]
fn fixtures_read_the_same_in_any_chunking() {
    for (name, bytes) in fixtures() {
        let (whole, _) = gclog::parse(&name, &bytes);
        invariants(&whole);
        for chunk in [1, 3, 4096] {
            let (cut, _) = gclog::scan(&name, Trickle(&bytes, chunk)).unwrap();
            assert_eq!(cut, whole, "{name}: chunk {chunk}");
        }
    }
}

#[test]
fn crlf_line_ends_read_the_same() {
    for (name, bytes) in fixtures() {
        let (plain, _) = gclog::parse(&name, &bytes);
        let crlf: Vec<u8> = bytes
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let (log, _) = gclog::parse(&name, &crlf);
        assert_eq!(log, plain, "{name}");
    }
}

#[test]
fn fixtures_in_noise_keep_their_facts() {
    // 3000 unrelated lines before: every line number moves by 3000, every
    // figure stays.
    let noise: String = (0..3000)
        .map(|i| format!("2024-05-01 12:00:{:02} INFO request {i} served\n", i % 60))
        .collect();
    for (name, bytes) in fixtures() {
        let (plain, _) = gclog::parse(&name, &bytes);
        let mut padded = noise.clone().into_bytes();
        padded.extend_from_slice(&bytes);
        let (log, _) = gclog::parse(&name, &padded);
        let moved: Vec<_> = plain
            .samples
            .iter()
            .map(|s| {
                (
                    s.line + 3000,
                    s.used_after_bytes,
                    s.metadata_threshold,
                    s.full,
                )
            })
            .collect();
        let got: Vec<_> = log
            .samples
            .iter()
            .map(|s| (s.line, s.used_after_bytes, s.metadata_threshold, s.full))
            .collect();
        assert_eq!(got, moved, "{name}");
        let lines: Vec<u64> = plain
            .metadata_threshold_lines
            .iter()
            .map(|l| l + 3000)
            .collect();
        assert_eq!(log.metadata_threshold_lines, lines, "{name}");
        assert_eq!(log.full_gcs, plain.full_gcs, "{name}");
    }
}

#[test]
fn a_long_log_is_thinned_in_flat_memory() {
    // 25 000 collections of a growing Metaspace: at most LIMIT samples,
    // first and last kept, every threshold counted.
    let mut text = String::new();
    for i in 0..25_000u64 {
        let t = i as f64 / 10.0;
        text.push_str(&format!(
            "[{t:.3}s][info][gc,start    ] GC({i}) Pause Young (Concurrent Start) (Metadata GC Threshold)\n[{t:.3}s][info][gc,metaspace] GC({i}) Metaspace: {u}K({c}K)->{u}K({c}K) NonClass: 1K(2K)->1K(2K) Class: 1K(2K)->1K(2K)\n",
            u = 20_000 + i,
            c = 21_000 + i
        ));
    }
    let (log, warnings) = gclog::parse("long", text.as_bytes());
    invariants(&log);
    assert_eq!(log.sample_count, 25_000);
    assert!(log.samples.len() <= GcLog::LIMIT);
    assert_eq!(log.samples[0].gc_id, Some(0));
    assert_eq!(log.samples.last().unwrap().gc_id, Some(24_999));
    assert_eq!(log.metadata_threshold_gcs, 25_000);
    assert_eq!(log.metadata_threshold_lines.len(), GcLog::LIMIT);
    // The collections are thinned the same way.
    assert_eq!(log.collection_count, 25_000);
    assert!(log.collections.len() <= GcLog::LIMIT && log.collections.len() > GcLog::LIMIT / 4);
    assert_eq!(log.collections[0].gc_id, Some(0));
    assert_eq!(log.collections.last().unwrap().gc_id, Some(24_999));
    // One warning for the samples, one for the collections.
    assert_eq!(warnings.items().len(), 2);
}
