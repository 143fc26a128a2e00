//! Heap growth read from what the JVM logs, through the binary, on the real
//! captures of `tests/fixtures/heap/` (verdicts in its `EXPECTED.md`) and
//! the real per-collector GC logs of `tests/fixtures/gclog/`: each of the
//! GC log, the class histograms and the NMT snapshots alone finds the
//! leaks and nothing in the steady and the oversized JVM; the whole folders
//! get their verdicts; the histograms cut into three capture folders, as
//! `oomlens watch` leaves them, are one timed series.

mod support;

use serde_json::Value;

fn fixture(rel: &str) -> String {
    format!("{}/../../tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn diagnose(rel: &str) -> Value {
    support::oomlens_json(&["diagnose", &fixture(rel), "--format", "json"], &[0, 1])
}

fn causes(d: &Value) -> Vec<(String, f64)> {
    d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["confidence"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn has(d: &Value, id: &str) -> bool {
    causes(d).iter().any(|(c, _)| c == id)
}

fn cause<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", causes(d)))
}

use support::all_cited;

const LEAKS: [&str; 2] = ["leak-xmx-over-limit", "leak-xmx-under-limit"];
const NO_LEAKS: [&str; 2] = ["steady-sawtooth", "sized-over-limit"];
const ALONE: [&str; 3] = ["gc.log", "histograms.txt", "nmt.txt"];

#[test]
fn each_source_alone_finds_the_leaks_and_only_them() {
    for s in LEAKS {
        for f in ALONE {
            let d = diagnose(&format!("heap/{s}/{f}"));
            assert!(has(&d, "heap-growth"), "{s}/{f}: {:?}", causes(&d));
            all_cited(&d, &format!("{s}/{f}"));
        }
    }
    for s in NO_LEAKS {
        for f in ALONE {
            let d = diagnose(&format!("heap/{s}/{f}"));
            assert!(!has(&d, "heap-growth"), "{s}/{f}: {:?}", causes(&d));
        }
    }
}

#[test]
fn the_histograms_name_byte_arrays_with_their_rows() {
    let d = diagnose("heap/leak-xmx-over-limit/histograms.txt");
    let c = cause(&d, "heap-growth");
    let summary = c["summary"].as_str().unwrap();
    assert!(summary.contains("byte[] +"), "{summary}");
    assert!(
        summary.contains("MiB/min"),
        "a capture of seconds: per minute"
    );
    // The `[B` rows of the first and last histogram (lines 5 and 110 of
    // the file) and the two date lines (1 and 106).
    let ev = c["evidence"].as_array().unwrap();
    assert!(
        ev.iter().any(|e| e["line"] == 5 && e["last_line"] == 110),
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| e["line"] == 1) && ev.iter().any(|e| e["line"] == 106));
}

#[test]
fn leak_over_the_limit_is_heap_growth_first_and_names_the_heap_size() {
    let d = diagnose("heap/leak-xmx-over-limit");
    all_cited(&d, "leak-xmx-over-limit");
    let cs = causes(&d);
    assert_eq!(cs[0].0, "heap-growth", "{cs:?}");
    assert!(cs[0].1 >= 0.9, "GC log and histograms together: {cs:?}");
    let over = cause(&d, "heap-sized-over-limit");
    assert!(over["confidence"].as_f64().unwrap() >= 0.5, "{cs:?}");
    assert!(over["summary"]
        .as_str()
        .unwrap()
        .contains("no OutOfMemoryError"));
    let growth = cause(&d, "heap-growth");
    assert!(growth["explanation"]
        .as_str()
        .unwrap()
        .contains("heap-sized-over-limit"));
    assert!(growth["fixes"][0]
        .as_str()
        .unwrap()
        .contains("jcmd <pid> GC.heap_dump /path/heap.hprof"));
    assert!(over["fixes"][0].as_str().unwrap().contains("-Xmx"));
    // The wrong verdict of before: native growth ahead of the heap.
    for (id, conf) in &cs {
        if id == "native-growth" || id == "metaspace-class-generation" {
            assert!(*conf < 0.5, "{cs:?}");
        }
    }
}

#[test]
fn leak_under_the_limit_is_heap_growth_with_its_outofmemoryerror() {
    let d = diagnose("heap/leak-xmx-under-limit");
    all_cited(&d, "leak-xmx-under-limit");
    let cs = causes(&d);
    assert_eq!(cs[0].0, "heap-growth", "{cs:?}");
    assert!(!has(&d, "heap-sized-over-limit"), "{cs:?}");
    let kill = &d["containers"][0]["kills"][0];
    assert_eq!(kill["kind"], "jvm-oome");
    assert_eq!(kill["oome_variant"], "java-heap-space");
    let c = cause(&d, "heap-growth");
    assert!(c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["source"].as_str().unwrap().ends_with("stdout.log")));
}

#[test]
fn steady_sawtooth_is_no_leak() {
    let d = diagnose("heap/steady-sawtooth");
    all_cited(&d, "steady-sawtooth");
    assert!(!has(&d, "heap-growth") && !has(&d, "heap-sized-over-limit"));
    let f = d["containers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "heap-after-gc")
        .expect("the heap after GC is stated");
    assert!(f["text"].as_str().unwrap().contains("flat"), "{f}");
}

#[test]
fn oversized_heap_without_a_leak_is_heap_sized_over_limit() {
    let d = diagnose("heap/sized-over-limit");
    all_cited(&d, "sized-over-limit");
    let cs = causes(&d);
    assert_eq!(cs[0].0, "heap-sized-over-limit", "{cs:?}");
    assert!(cs[0].1 >= 0.5, "{cs:?}");
    assert!(!has(&d, "heap-growth"), "{cs:?}");
    let why = cause(&d, "heap-sized-over-limit")["explanation"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("flat") && why.contains("400 MiB"), "{why}");
}

#[test]
fn every_collector_s_leak_is_heap_growth() {
    for c in ["g1", "parallel", "serial", "zgc", "shenandoah"] {
        let rel = format!("gclog/jdk17-{c}-heapleak-xmx64m.log");
        let d = diagnose(&rel);
        assert!(has(&d, "heap-growth"), "{rel}: {:?}", causes(&d));
        all_cited(&d, &rel);
    }
}

fn finding<'a>(d: &'a Value, id: &str) -> Option<&'a Value> {
    d["containers"][0]["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id)
}

#[test]
fn a_native_leak_nmt_cannot_see_is_native_growth_naming_the_gap() {
    let d = diagnose("heap/native-leak");
    all_cited(&d, "native-leak");
    let cs = causes(&d);
    assert_eq!(cs[0], ("native-growth".to_string(), 0.75), "{cs:?}");
    assert!(!has(&d, "heap-growth"), "{cs:?}");
    let c = cause(&d, "native-growth");
    let summary = c["summary"].as_str().unwrap();
    // The rss at the first and last joined snapshot (26873856 and
    // 188149760 bytes, metrics.om lines 174 and 246) minus NMT's totals
    // (59204 KB and 57301 KB, nmt.txt lines 8 and 782).
    assert!(
        summary.contains("grew from -32 MiB to 123 MiB")
            && summary.contains("MiB/min")
            && summary.contains("NMT committed stayed at 56 MiB"),
        "{summary}"
    );
    let cited: Vec<(String, u64)> = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let src = e["source"].as_str().unwrap();
            (
                src.rsplit('/').next().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [
        ("nmt.txt", 8),
        ("metrics.om", 174),
        ("nmt.txt", 782),
        ("metrics.om", 246),
    ] {
        assert!(
            cited.contains(&(want.0.to_string(), want.1)),
            "{want:?} in {cited:?}"
        );
    }
    assert!(finding(&d, "native-gap").is_some());
}

#[test]
fn a_flat_native_gap_is_no_native_growth() {
    let d = diagnose("heap/native-steady");
    all_cited(&d, "native-steady");
    assert!(!has(&d, "native-growth"), "{:?}", causes(&d));
    // The join was made and found the gap flat: said as a fact.
    let f = finding(&d, "native-gap").expect("the gap is stated");
    let text = f["text"].as_str().unwrap();
    assert!(
        text.contains("stayed flat over 9 timed NMT snapshots"),
        "{text}"
    );
    // The NMT snapshots alone (no series to join) say nothing of a gap.
    let d = diagnose("heap/native-leak/nmt.txt");
    assert!(finding(&d, "native-gap").is_none());
}

/// A GC log of `-Xlog:gc` has no `[gc,init]` header with the maximum heap:
/// the JVM's `jcmd VM.flags` beside it says `MaxHeapSize`, and the heap
/// detector takes it from there, citing it.
#[test]
fn max_heap_from_vm_flags_when_the_gc_log_has_no_header() {
    let dir = "heap/leak-xmx-over-limit-gc-tag";
    let d = diagnose(dir);
    all_cited(&d, dir);
    assert_eq!(causes(&d)[0].0, "heap-growth", "{:?}", causes(&d));
    let over = cause(&d, "heap-sized-over-limit");
    assert!(over["confidence"].as_f64().unwrap() >= 0.5, "{over}");
    let cited = |what: &str| {
        over["evidence"]
            .as_array()?
            .iter()
            .find(|e| e["what"] == what)
    };
    let cite = cited("maximum heap 400 MiB (MaxHeapSize)").expect("the flag is cited");
    assert!(
        cite["source"].as_str().unwrap().ends_with("VM.flags.txt") && cite["line"] == 2,
        "{cite}"
    );
    // Without the flags the log alone cannot say the heap may outgrow the
    // limit.
    let files: Vec<String> = [
        "gc.log",
        "kern.log",
        "histograms.txt",
        "nmt.txt",
        "stdout.log",
    ]
    .iter()
    .map(|f| fixture(&format!("{dir}/{f}")))
    .collect();
    let mut args = vec!["diagnose"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let d = support::oomlens_json(&args, &[0, 1]);
    assert!(has(&d, "heap-growth"));
    let over = cause(&d, "heap-sized-over-limit");
    assert!(over["confidence"].as_f64().unwrap() < 0.5, "{over}");
}

/// `heap/{scenario}/histograms.txt` cut into the files three captures of
/// `oomlens watch` leave in a kill's spool entry: the first, a middle and
/// the last snapshot, each in a folder of its own as
/// `GC.class_histogram.txt` after its time line (UTC, to the millisecond).
fn as_three_captures(scenario: &str, into: &std::path::Path) -> Vec<std::path::PathBuf> {
    let text =
        std::fs::read_to_string(fixture(&format!("heap/{scenario}/histograms.txt"))).unwrap();
    let mut snaps: Vec<(jiff::Timestamp, String)> = Vec::new();
    for line in text.lines() {
        match line.parse::<jiff::Timestamp>() {
            Ok(at) => snaps.push((at, String::new())),
            Err(_) => {
                if let Some((_, body)) = snaps.last_mut() {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    // A date line whose jcmd failed (the JVM was gone) is no snapshot.
    snaps.retain(|(_, body)| body.contains("#instances"));
    assert!(snaps.len() >= 3, "{scenario}: {} snapshots", snaps.len());
    let n = snaps.len();
    [0, n / 2, n - 1]
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let (at, body) = &snaps[k];
            let dir = into.join(format!("{scenario}-capture-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join("GC.class_histogram.txt");
            std::fs::write(&file, format!("{at:.3}\n{body}")).unwrap();
            file
        })
        .collect()
}

fn diagnose_dir(dir: &std::path::Path) -> Value {
    support::oomlens_json(&["diagnose", dir.to_str().unwrap(), "-f", "json"], &[0, 1])
}

#[test]
fn three_captures_histograms_are_one_timed_series() {
    let tmp = support::TempDir::new("oomlens-heap-captures");
    for s in LEAKS {
        let files = as_three_captures(s, &tmp.path().join(s));
        let d = diagnose_dir(&tmp.path().join(s));
        let c = cause(&d, "heap-growth");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .starts_with("Java heap growth: byte[] +"),
            "{s}: {c}"
        );
        // byte[] cited in the first capture's file and in the last's, each
        // after its time line (line 1).
        let ev = c["evidence"].as_array().unwrap();
        for (file, what) in [
            (&files[0], "first class histogram's time"),
            (&files[2], "last class histogram's time"),
        ] {
            let of_file = |e: &&Value| {
                e["source"].as_str().is_some_and(|src| {
                    file.ends_with(src) || src.ends_with(&*file.to_string_lossy())
                })
            };
            assert!(
                ev.iter()
                    .filter(of_file)
                    .any(|e| e["what"] == what && e["line"] == 1),
                "{s}: {what} in {}: {ev:#?}",
                file.display()
            );
            assert!(
                ev.iter()
                    .filter(of_file)
                    .any(|e| e["what"].as_str().unwrap().starts_with("byte[]: ")),
                "{s}: byte[] in {}: {ev:#?}",
                file.display()
            );
        }
    }
    for s in [
        "steady-sawtooth",
        "sized-over-limit",
        "native-leak",
        "native-steady",
    ] {
        as_three_captures(s, &tmp.path().join(s));
        let d = diagnose_dir(&tmp.path().join(s));
        assert!(!has(&d, "heap-growth"), "{s}: {:?}", causes(&d));
    }
}
