//! Properties of the NMT parser: it never panics, whatever the bytes; the
//! snapshots it returns point at lines of the input, in order; a report
//! reads the same alone, after noise, or several times over.

use oomlens_evidence::jvm::nmt::{self, Snapshot, MAX_CATEGORIES, MAX_SNAPSHOTS};
use proptest::prelude::*;

fn invariants(snaps: &[Snapshot], lines: u64) {
    assert!(snaps.len() <= MAX_SNAPSHOTS);
    let mut prev_last = 0;
    for s in snaps {
        assert!(s.line >= 1 && s.line <= s.last_line && s.last_line <= lines);
        assert!(s.line > prev_last, "snapshots overlap");
        prev_last = s.last_line;
        assert!(s.categories.len() <= MAX_CATEGORIES);
        assert!(s.total_line.is_some() || !s.categories.is_empty());
        if let Some(t) = s.total_line {
            assert!(s.line <= t && t <= s.last_line);
        }
        for c in &s.categories {
            assert!(s.line <= c.line && c.line <= c.last_line && c.last_line <= s.last_line);
            assert!(!c.name.is_empty());
            if s.diff {
                assert!(c.reserved_diff_bytes.is_some() && c.committed_diff_bytes.is_some());
            }
        }
        for w in s.categories.windows(2) {
            assert!(w[0].line < w[1].line);
            assert_ne!(w[0].name, w[1].name);
        }
    }
}

const PIECES: &[&str] = &[
    "12345:",
    "Native Memory Tracking:",
    "Native memory tracking is not enabled",
    "No baseline for comparison",
    "Baseline taken",
    "(Omitting categories weighting less than 1KB)",
    "Total: reserved=1472390KB, committed=146730KB",
    "Total: reserved=7973487KB +121735KB, committed=487555KB -11339KB",
    "Total: reserved=1788826570, committed=237654986",
    "       malloc: 20145KB #12345, peak=142074KB #947473",
    "malloc=88MB +64MB #6238 +119",
    "       mmap:   reserved=1452245KB, committed=126585KB",
    "-                 Java Heap (reserved=262144KB, committed=16384KB)",
    "-                     Class (reserved=1049707KB +4692KB, committed=5195KB +9876KB)",
    "               Java Heap (reserved=5064704KB, committed=317440KB)",
    "-                    Thread (reserved=22613KB, committed=1093KB)",
    "-                     Other (reserved=64MB +64MB, committed=64MB +64MB)",
    "-        Shared class space (reserved=16384KB, committed=13916KB, readonly=0KB)",
    "-                 Metaspace (reserved=65546KB, committed=458KB)",
    "- (reserved=1KB, committed=1KB)",
    "- X (reserved=99999999999999999999999GB, committed=1KB)",
    "                            (mmap: reserved=262144KB, committed=16384KB, at peak)",
    "                            (classes #5897 +1403)",
    "                            (  instance classes #5509, array classes #388)",
    "                            (malloc=1131KB +31KB #9437 +240) (at peak)",
    "                            (malloc=4007KB tag=Thread #4008) (peak=4009KB #4010)",
    "                            (thread #22 +3)",
    "                            (threads #32)",
    "                            (stack: reserved=22528KB, committed=1008KB, peak=3744KB)",
    "                            (arena=173KB +141 #296 +240)",
    "                           : (  Metadata)",
    "                            (    reserved=65536KB, committed=448KB)",
    "                            (    used=375KB +3KB)",
    "                            (    waste=73KB =16.20% -3KB)",
    "[0x00007f2d7fe01000 - 0x00007f2d7ff02000] reserved and committed 1MB for Thread Stack from",
    "Details:",
    "$ date",
    "(",
    ")",
    "=",
    "#",
    "+",
    "-",
    " ",
    "\t",
    "\r",
    "é",
    "\u{fffd}",
];

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..4).prop_map(|v| v.concat())
}

const REPORT: &str = "12345:

Native Memory Tracking:

(Omitting categories weighting less than 1KB)

Total: reserved=7973487KB +121735KB, committed=487555KB +11339KB

-                 Java Heap (reserved=6172672KB, committed=397312KB)
                            (mmap: reserved=6172672KB, committed=397312KB)
 
-                     Class (reserved=1048709KB +31KB, committed=261KB +31KB)
                            (classes #673)
                            (malloc=133KB +31KB #1278 +240)
                           : (  Metadata)
                            (    used=375KB +3KB)
 
-                    Thread (reserved=153009KB +123234KB, committed=14757KB +12838KB)
                            (thread #149 +120)
                            (stack: reserved=152576KB +122880KB, committed=14324KB +12484KB)
";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = nmt::looks_like_nmt(&bytes);
        let lines = bytes.split(|&b| b == b'\n').count() as u64;
        let (snaps, _) = nmt::parse("fuzz", &bytes);
        invariants(&snaps, lines);
    }

    #[test]
    fn output_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..80)) {
        let text = lines.join("\n");
        let n = text.split('\n').count() as u64;
        let _ = nmt::looks_like_nmt(text.as_bytes());
        let (snaps, _) = nmt::parse("fuzz", text.as_bytes());
        invariants(&snaps, n);
    }

    #[test]
    fn a_report_reads_the_same_after_noise_and_repeated(
        noise in prop::collection::vec("[a-zA-Z$ ]{0,30}", 0..5),
        copies in 1usize..4,
    ) {
        let (alone, w) = nmt::parse("t", REPORT.as_bytes());
        prop_assert!(w.is_empty());
        prop_assert_eq!(alone.len(), 1);
        let mut text = noise.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        let shift = text.split('\n').count() as u64 - 1;
        for _ in 0..copies {
            text.push_str(REPORT);
        }
        let (snaps, w) = nmt::parse("t", text.as_bytes());
        prop_assert!(w.is_empty(), "{:?}", w.items());
        prop_assert_eq!(snaps.len(), copies);
        let per = REPORT.split('\n').count() as u64 - 1;
        for (k, s) in snaps.iter().enumerate() {
            let d = shift + per * k as u64;
            prop_assert_eq!(s.line, alone[0].line + d);
            prop_assert_eq!(s.total_line, alone[0].total_line.map(|l| l + d));
            prop_assert_eq!(&s.categories.len(), &alone[0].categories.len());
            let t = s.category("Thread").unwrap();
            prop_assert_eq!((t.threads, t.threads_diff), (Some(149), Some(120)));
            prop_assert_eq!(t.line, alone[0].category("Thread").unwrap().line + d);
            prop_assert_eq!(s.total_committed_diff_bytes, Some(11339 * 1024));
        }
    }

    #[test]
    fn values_scale_with_their_unit(n in 0u64..(1 << 30), unit in prop::sample::select(&[("KB", 1u64 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("", 1)][..])) {
        let (u, mult) = unit;
        let text = format!("Total: reserved={n}{u}, committed={n}{u}\n- Thread (reserved={n}{u} +{n}{u}, committed={n}{u})\n  (thread #{n} -{n})\n");
        let (snaps, w) = nmt::parse("t", text.as_bytes());
        prop_assert!(w.is_empty(), "{:?}", w.items());
        let s = &snaps[0];
        prop_assert_eq!(s.scale_bytes, mult);
        prop_assert_eq!(s.total_reserved_bytes, n * mult);
        let t = s.category("Thread").unwrap();
        prop_assert_eq!(t.reserved_diff_bytes, Some((n * mult) as i64));
        prop_assert_eq!(t.committed_diff_bytes, Some(0));
        prop_assert_eq!((t.threads, t.threads_diff), (Some(n), Some(-(n as i64))));
    }
}

#[test]
fn many_snapshots_are_bounded() {
    let mut text = String::new();
    for _ in 0..(MAX_SNAPSHOTS + 5) {
        text.push_str("Total: reserved=1KB, committed=1KB\n");
    }
    let (snaps, w) = nmt::parse("t", text.as_bytes());
    assert_eq!(snaps.len(), MAX_SNAPSHOTS);
    assert_eq!(w.items().len(), 1);
    let mut text = String::from("Total: reserved=1KB, committed=1KB\n");
    for i in 0..(MAX_CATEGORIES + 3) {
        text.push_str(&format!("- C{i} (reserved=1KB, committed=1KB)\n"));
    }
    let (snaps, w) = nmt::parse("t", text.as_bytes());
    assert_eq!(snaps[0].categories.len(), MAX_CATEGORIES);
    assert_eq!(w.items().len(), 1);
}
