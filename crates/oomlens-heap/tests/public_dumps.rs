//! Real dumps from other projects' test suites (`tests/fixtures/hprof/`,
//! cited in its SOURCES.md), held to what those projects' own tests
//! assert of them:
//!
//! - Eclipse MAT's `TestInstanceSizes`: the shallow size of every class in
//!   the `jmap -histo` taken with the dump equals the dump's (per instance
//!   for instance classes, in total for arrays whose count agrees), JDK 6
//!   dumps of a 32-bit JVM, a 64-bit JVM, and one with and one without
//!   compressed oops; MAT expects no class to differ.
//! - hprof-slurp's golden file for NetBeans' `hprof-64.bin`: its record
//!   counts and its top classes' instance counts (its sizes are computed as
//!   if references were 8 bytes, so they are not compared).
//! - MAT's JDK 11 dump, segmented: read whole, as MAT's general tests do.
//! - MAT's `GeneralSnapshotTests` totals on every dump: the classes'
//!   objects and bytes add up to the dump's.
//!
//! Every dump must read to its end with no stop (no "partial" warning),
//! and copies cut at half, three quarters and all but its last byte must
//! read as partial summaries of what came before the cut, stopped there.

use flate2::read::GzDecoder;
use oomlens_heap::summary::summarize_reader;
use oomlens_heap::{summarize, FieldBlocks, StopKind, Summary, Version};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/hprof")
        .join(name)
}

fn read_whole(name: &str) -> Summary {
    let s = summarize(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(s.read.complete, "{name}: {:?}", s.read.stop);
    assert_eq!(s.read.stop, None, "{name}");
    assert_eq!(s.read.records.instances_without_layout, 0, "{name}");
    s
}

/// A `jmap -histo` class name as the dump names it (MAT's `fixArrayName`):
/// `[Ljava.lang.String;` is `java.lang.String[]`, `[[I` is `int[][]`.
fn java_name(jmap: &str) -> String {
    let dims = jmap.bytes().take_while(|&b| b == b'[').count();
    if dims == 0 {
        return jmap.to_string();
    }
    let elem = &jmap[dims..];
    let base = match elem {
        "Z" => "boolean".to_string(),
        "C" => "char".to_string(),
        "F" => "float".to_string(),
        "D" => "double".to_string(),
        "B" => "byte".to_string(),
        "S" => "short".to_string(),
        "I" => "int".to_string(),
        "J" => "long".to_string(),
        e => e
            .strip_prefix('L')
            .and_then(|e| e.strip_suffix(';'))
            .unwrap_or(e)
            .to_string(),
    };
    base + &"[]".repeat(dims)
}

/// MAT's `TestInstanceSizes.doTest`: the classes whose size differs from
/// the histogram's, and how many were compared.
fn size_mismatches(s: &Summary, histogram: &str) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(fixture(histogram)).unwrap();
    let ours: HashMap<&str, (u64, u64)> = s
        .histogram
        .iter()
        .rev()
        .map(|r| (r.class.as_str(), (r.instances, r.bytes)))
        .collect();
    let mut bad = Vec::new();
    let mut compared = 0;
    for line in text.lines() {
        let mut t = line.split_whitespace().peekable();
        if t.peek().is_some_and(|w| w.ends_with(':')) {
            t.next();
        }
        let (Some(n), Some(b), Some(c)) = (t.next(), t.next(), t.next()) else {
            continue;
        };
        let (n, b): (u64, u64) = (n.parse().unwrap(), b.parse().unwrap());
        let class = java_name(c);
        if class.starts_with('<') || class == "java.lang.Class" {
            continue;
        }
        let Some(&(count, bytes)) = ours.get(class.as_str()) else {
            continue;
        };
        compared += 1;
        let differs = if class.ends_with("[]") {
            count == n && bytes != b
        } else {
            count == 0 || bytes / count != b / n
        };
        if differs {
            bad.push(format!("{class}: jmap {n} / {b}, ours {count} / {bytes}"));
        }
    }
    (bad, compared)
}

#[test]
fn mat_jdk6_32bit_sizes_equal_jmap() {
    let s = read_whole("sun_jdk6_18_x32.hprof.gz");
    assert_eq!(s.header.version, Version::V101);
    assert_eq!(s.header.id_size, 4);
    assert_eq!((s.sizing.ref_size, s.sizing.header), (4, 8));
    assert_eq!(s.sizing.field_blocks, FieldBlocks::PerClass);
    let (bad, compared) = size_mismatches(&s, "histogram_sun_jdk6_18_x32.txt");
    assert!(compared > 130, "{compared}");
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn mat_jdk6_64bit_sizes_equal_jmap() {
    let s = read_whole("sun_jdk6_18_x64.hprof.gz");
    assert_eq!(s.header.version, Version::V101);
    assert_eq!(s.header.id_size, 8);
    assert!(!s.sizing.compressed_oops);
    assert_eq!(s.sizing.field_blocks, FieldBlocks::PerClass);
    let (bad, compared) = size_mismatches(&s, "histogram_sun_jdk6_18_x64.txt");
    assert!(compared > 140, "{compared}");
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn mat_jdk6_compressed_oops_detected_and_sizes_equal_jmap() {
    let s = read_whole("sun_jdk6_30_x64_compressedOops.hprof.gz");
    assert!(s.sizing.compressed_oops);
    assert_eq!(s.sizing.header, 12);
    assert_eq!(s.sizing.field_blocks, FieldBlocks::PerClass);
    let (bad, compared) = size_mismatches(&s, "sun_jdk6_30_x64_compressedOops.notes.txt");
    assert!(compared > 150, "{compared}");
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn mat_jdk6_uncompressed_oops_detected_and_sizes_equal_jmap() {
    let s = read_whole("sun_jdk6_30_x64_nocompressedOops.hprof.gz");
    assert!(!s.sizing.compressed_oops);
    assert_eq!(s.sizing.header, 16);
    let (bad, compared) = size_mismatches(&s, "sun_jdk6_30_x64_nocompressedOops.notes.txt");
    assert!(compared > 150, "{compared}");
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn mat_jdk11_segmented_dump_reads_whole() {
    let s = read_whole("java_pid1884.0001.hprof.gz");
    assert_eq!(s.header.version, Version::V102);
    assert_eq!(s.header.id_size, 8);
    assert!(s.sizing.compressed_oops);
    // JDK 11 still starts each class's fields on a reference boundary.
    assert_eq!(s.sizing.field_blocks, FieldBlocks::PerClass);
    let r = &s.read.records;
    assert_eq!(
        (
            r.class_dumps,
            r.instances,
            r.object_arrays,
            r.primitive_arrays
        ),
        (560, 7900, 1199, 2282)
    );
    assert_eq!(s.totals.objects, 11941);
    let top = &s.histogram[0];
    assert_eq!((top.class.as_str(), top.instances), ("byte[]", 2164));
}

#[test]
fn hprof_slurp_netbeans_dump_counts_equal_its_golden_file() {
    let s = read_whole("netbeans-hprof-64.hprof.gz");
    assert_eq!(s.header.version, Version::V101);
    assert_eq!(s.header.id_size, 8);
    let r = &s.read.records;
    // "UTF-8 Strings: 10768", "Stack traces: 10", "Stack frames: 20", and
    // the heap's record counts, from `netbeans-hprof-64-result.txt`.
    assert_eq!(r.strings, 10768);
    assert_eq!((r.stack_traces, r.frames), (10, 20));
    assert_eq!(r.class_dumps, 474);
    assert_eq!(r.instances, 4149);
    assert_eq!(r.object_arrays, 748);
    assert_eq!(r.primitive_arrays, 2891);
    // thread objects 9, JNI global 5, Java frame 22, sticky class 413,
    // monitor used 4.
    assert_eq!(r.roots, 9 + 5 + 22 + 413 + 4);
    let golden = std::fs::read_to_string(fixture("netbeans-hprof-64-result.txt")).unwrap();
    let table = golden
        .split("Top 20 raw shallow heap classes:")
        .nth(1)
        .and_then(|t| t.split("\n\n").nth(1))
        .unwrap();
    let counts: HashMap<&str, u64> = s
        .histogram
        .iter()
        .map(|r| (r.class.as_str(), r.instances))
        .collect();
    let mut compared = 0;
    for row in table.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Ok(n), class) = (cells[2].parse::<u64>(), cells[4]) else {
            continue;
        };
        assert_eq!(counts.get(class), Some(&n), "{class}");
        compared += 1;
    }
    assert_eq!(compared, 20);
}

const DUMPS: [&str; 6] = [
    "sun_jdk6_18_x32.hprof.gz",
    "sun_jdk6_18_x64.hprof.gz",
    "sun_jdk6_30_x64_compressedOops.hprof.gz",
    "sun_jdk6_30_x64_nocompressedOops.hprof.gz",
    "java_pid1884.0001.hprof.gz",
    "netbeans-hprof-64.hprof.gz",
];

/// MAT's `GeneralSnapshotTests.totalObjects` / `totalHeapSize` /
/// `totalClasses` on every dump: the histogram's rows add up to the
/// totals, and every CLASS DUMP is one class.
#[test]
fn every_dump_s_histogram_adds_up_to_its_totals() {
    for name in DUMPS {
        let s = read_whole(name);
        let objects: u64 = s.histogram.iter().map(|r| r.instances).sum();
        let bytes: u64 = s.histogram.iter().map(|r| r.bytes).sum();
        assert_eq!(objects, s.totals.objects, "{name}");
        assert_eq!(bytes, s.totals.bytes, "{name}");
        assert_eq!(s.totals.classes, s.read.records.class_dumps, "{name}");
        let r = &s.read.records;
        assert_eq!(
            s.totals.objects,
            r.instances + r.object_arrays + r.primitive_arrays + r.class_dumps,
            "{name}"
        );
    }
}

#[test]
fn every_dump_cut_short_reads_in_part() {
    for name in DUMPS {
        let whole = read_whole(name);
        let mut bytes = Vec::new();
        GzDecoder::new(std::fs::File::open(fixture(name)).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        let n = bytes.len();
        for cut in [n / 2, n * 3 / 4, n - 1] {
            let s = summarize_reader(&bytes[..cut])
                .unwrap_or_else(|e| panic!("{name} cut at {cut}: {e}"));
            let what = format!("{name} cut at {cut} of {n}");
            assert!(!s.read.complete, "{what}");
            let stop = s.read.stop.as_ref().unwrap();
            assert_eq!(stop.kind, StopKind::Truncated, "{what}: {stop}");
            assert!(stop.offset <= cut as u64, "{what}: {stop}");
            assert!(s.read.bytes <= cut as u64, "{what}");
            assert!(s.totals.objects <= whole.totals.objects, "{what}");
            if cut == n - 1 {
                assert!(s.totals.objects > 0, "{what}");
            }
        }
    }
}
