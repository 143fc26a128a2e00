//! `diagnose` over real heap dumps: a JVM (`tests/java/heap/HeapShapes.java`)
//! that defines generated classes `gen.G*` in loaders of its own and holds
//! a chain of items, dumped with `jcmd PID GC.heap_dump`, grown, dumped
//! again, its `VM.flags` beside the dumps. The Diagnosis names the class
//! family growing between the dumps (`metaspace-class-generation`, cited to
//! both dumps and their loaders), the heap growing between them
//! (`heap-growth`, with the class that grew), and the dump's direct buffers
//! and threads; a `.tar.gz` of the same folder (each dump streamed from its
//! member) reads to the same causes.

mod support;

use std::process::Command;

use support::heap_shapes::{compile, jcmd, Shapes};

/// HeapShapes' arguments: N items (32 bytes each with compressed oops), K
/// generated classes in L loaders, B direct buffers of CAPACITY bytes, T
/// threads, D duplicated strings. Each grow adds N items and K classes.
const ITEMS: u64 = 600_000;
const GENERATED: u64 = 300;
const LOADERS: u64 = 30;
const BUFFERS: u64 = 4;
const CAPACITY: u64 = 1 << 20;
const THREADS: u64 = 12;

fn causes(d: &serde_json::Value) -> Vec<&str> {
    d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect()
}

fn cause<'a>(d: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} among {:?}", causes(d)))
}

/// Whether some cite of `v` (a cause or finding) is of `source` and says
/// something starting with `what`.
fn cites(v: &serde_json::Value, source: &str, what: &str) -> bool {
    v["evidence"].as_array().unwrap().iter().any(|e| {
        e["source"].as_str().is_some_and(|s| s.ends_with(source))
            && e["line"].is_null()
            && e["what"].as_str().is_some_and(|w| w.starts_with(what))
    })
}

#[test]
fn two_dumps_of_a_growing_jvm_name_the_class_family_and_the_heap() {
    if !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp = support::TempDir::new("oomlens-heap-diagnose");
    let classes = tmp.path().join("classes");
    compile(&classes);
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    let mut jvm = Shapes::start(
        &classes,
        &["-Xmx128m", "-XX:+UseSerialGC"],
        [ITEMS, GENERATED, LOADERS, BUFFERS, CAPACITY, THREADS, 20],
    );
    jvm.dump(&bundle.join("a.hprof"));
    jvm.grow();
    jvm.dump(&bundle.join("b.hprof"));
    std::fs::write(bundle.join("VM.flags.txt"), jcmd(jvm.pid(), &["VM.flags"])).unwrap();
    drop(jvm);

    let d = support::oomlens_json(
        &["diagnose", "-o", "json", bundle.to_str().unwrap()],
        &[0, 1],
    );
    check(&d);
    support::all_cited(&d, "heap dumps");

    // The same folder as a tarball: each dump streamed from its member.
    let tgz = tmp.path().join("bundle.tar.gz");
    let ok = Command::new("tar")
        .arg("czf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .arg("bundle")
        .status()
        .unwrap()
        .success();
    assert!(ok, "tar failed");
    let t = support::oomlens_json(&["diagnose", "-o", "json", tgz.to_str().unwrap()], &[0, 1]);
    check(&t);
    assert_eq!(causes(&t), causes(&d));
}

fn check(d: &serde_json::Value) {
    let notes: Vec<&serde_json::Value> = d["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "heap-dump")
        .collect();
    assert_eq!(notes.len(), 2, "{}", d["sources"]);
    // Classes: the generated family grew by K between the dumps, defined
    // by the loaders HeapShapes made (L, then 2L).
    let meta = cause(d, "metaspace-class-generation");
    assert!(
        meta["summary"].as_str().unwrap().contains("gen.G*"),
        "{meta}"
    );
    let templates = LOADERS; // gen.G0000000 in every loader of the first L
    let (before, after) = (GENERATED + templates, 2 * GENERATED + templates);
    assert!(
        cites(meta, "b.hprof", &format!("{after} classes of gen.G")),
        "{meta}"
    );
    assert!(
        cites(meta, "a.hprof", &format!("{before} classes of gen.G*")),
        "{meta}"
    );
    assert!(
        cites(
            meta,
            "b.hprof",
            &format!(
                "class loader instances of HeapShapes$BytesLoader: {},",
                2 * LOADERS
            )
        ),
        "{meta}"
    );
    // The heap: N more items of 32 bytes between the dumps.
    let heap = cause(d, "heap-growth");
    let summary = heap["summary"].as_str().unwrap();
    assert!(summary.contains("between two heap dumps"), "{summary}");
    let item = format!("HeapShapes$Item: {} instances, ", 2 * ITEMS);
    assert!(cites(heap, "b.hprof", &item), "{heap}");
    let item = format!("HeapShapes$Item: {ITEMS} instances, ");
    assert!(cites(heap, "a.hprof", &item), "{heap}");
    // The dump's finding carries its direct buffers and threads.
    let finding = d["containers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "heap-dump")
        .unwrap_or_else(|| panic!("{}", d["containers"][0]["findings"]));
    let direct = format!("java.nio.DirectByteBuffer: {BUFFERS} buffers, 4 MiB of capacity");
    assert!(cites(finding, "b.hprof", &direct), "{finding}");
    let threads = finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["what"].as_str())
        .find(|w| w.starts_with("java.lang.Thread: "))
        .unwrap_or_else(|| panic!("{finding}"));
    assert!(
        threads.contains(&format!("shapes-worker-* x{THREADS}")),
        "{threads}"
    );
}
