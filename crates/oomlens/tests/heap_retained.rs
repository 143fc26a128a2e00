//! Retained sizes on real dumps: `tests/java/retained/Retain.java` builds
//! structures of known size in an OpenJDK 17 JVM (a holder of an ArrayList
//! of N byte[M], a chain of K nodes each with a byte[P], weakly referenced
//! arrays), `jcmd GC.heap_dump` dumps it, and `oomlens heap --retained`
//! must give exactly the bytes the program built, shallow sizes taken from
//! the same report (the sizing it detected, the histogram's rows). Run with
//! compressed oops and without, and on a copy cut short.

mod support;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const N: u64 = 200;
const M: u64 = 10_000;
const K: u64 = 3_000;
const P: u64 = 100;
const W: u64 = 1_000_000;

fn require_jdk() -> bool {
    support::require_program("javac", "openjdk-17-jdk-headless")
        && support::require_program("jcmd", "openjdk-17-jdk-headless")
}

/// Starts Retain with `flags`, waits for its "ready", dumps its heap to
/// `out` (the live objects: `GC.heap_dump` collects first).
fn dump(classes: &Path, flags: &[&str], out: &Path) {
    let child = Command::new("java")
        .args(["-Xmx64m", "-XX:+UseSerialGC"])
        .args(flags)
        .arg("-cp")
        .arg(classes)
        .arg("Retain")
        .args([N, M, K, P, W].map(|n| n.to_string()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start java");
    let mut jvm = support::KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(jvm.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read java's stdout");
    assert_eq!(line.trim(), "ready", "Retain did not start with {flags:?}");
    let pid = jvm.0.id().to_string();
    for _ in 0..50 {
        let ok = Command::new("jcmd")
            .args([pid.as_str(), "GC.heap_dump"])
            .arg(out)
            .output()
            .expect("run jcmd")
            .status
            .success();
        if ok && out.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("jcmd {pid} GC.heap_dump kept failing");
}

/// The shallow size of one instance of `class`, from the histogram rows.
fn instance_size(d: &Value, class: &str) -> u64 {
    let row = d["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["class"] == class)
        .unwrap_or_else(|| panic!("no histogram row for {class}"));
    let (n, b) = (
        row["instances"].as_u64().unwrap(),
        row["bytes"].as_u64().unwrap(),
    );
    assert!(n > 0 && b % n == 0, "{class}: {b} bytes in {n} instances");
    b / n
}

/// An array's shallow size under the detected layout.
fn array_size(d: &Value, len: u64, elem: u64) -> u64 {
    let s = &d["sizing"];
    let (header, align) = (s["header"].as_u64().unwrap(), s["align"].as_u64().unwrap());
    let base = (header + 4).div_ceil(8) * 8;
    (base + len * elem).div_ceil(align) * align
}

fn class_row<'a>(r: &'a Value, class: &str) -> &'a Value {
    r["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == class)
        .unwrap_or_else(|| panic!("no retained row for {class}: {:#}", r["classes"]))
}

fn check(flags: &[&str], name: &str) {
    let dir = support::TempDir::new("oomlens-retained");
    let ok = Command::new("javac")
        .arg("-d")
        .arg(dir.path())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/retained/Retain.java"))
        .status()
        .expect("run javac")
        .success();
    assert!(ok, "javac failed");
    let hprof = dir.path().join(format!("{name}.hprof"));
    dump(dir.path(), flags, &hprof);
    let doc = support::oomlens_json(
        &[
            "heap",
            "--retained",
            "--top",
            "400",
            "--format",
            "json",
            hprof.to_str().unwrap(),
        ],
        &[0],
    );
    let d = &doc["dumps"][0];
    let r = &d["retained"];
    let refs = d["sizing"]["ref_size"].as_u64().unwrap();

    let holder = instance_size(d, "Retain$Holder")
        + instance_size(d, "java.util.ArrayList")
        + array_size(d, N, refs)
        + N * array_size(d, M, 1);
    let row = class_row(r, "Retain$Holder");
    assert_eq!(row["tops"], 1, "{name}");
    assert_eq!(
        row["retained"], holder,
        "{name}: the holder retains its list"
    );

    let chain = K * (instance_size(d, "Retain$Node") + array_size(d, P, 1));
    let row = class_row(r, "Retain$Node");
    assert_eq!(row["tops"], 1, "{name}: only the head is a top");
    assert_eq!(row["retained"], chain, "{name}: the head retains the chain");

    // The weakly referenced array another static holds strongly is not the
    // holder's: it retains itself and its WeakReference.
    let weak = instance_size(d, "java.lang.ref.WeakReference");
    let row = class_row(r, "Retain$WeakHolder");
    assert_eq!(
        row["retained"],
        instance_size(d, "Retain$WeakHolder") + weak,
        "{name}: the weakly referenced array is not retained"
    );
    // The array only a WeakReference held was cleared by the collection
    // before the dump; its cleared WeakReference may still wait on the
    // pending list (then the JVM holds it too).
    let lonely = instance_size(d, "Retain$Lonely");
    let got = class_row(r, "Retain$Lonely")["retained"].as_u64().unwrap();
    assert!(
        got == lonely || got == lonely + weak,
        "{name}: Retain$Lonely retains {got}"
    );

    // MAT's leak suspect: the holder, accumulating in the list's array,
    // reached from a GC root.
    let s = &r["suspects"][0];
    assert_eq!(s["kind"], "object", "{name}: {s:#}");
    assert_eq!(s["class"], "Retain$Holder");
    assert_eq!(s["retained"], holder);
    let at = &s["accumulation_point"];
    assert_eq!(at["class"], "java.lang.Object[]");
    assert_eq!(
        at["retained"],
        array_size(d, N, refs) + N * array_size(d, M, 1)
    );
    let path = s["path"].as_array().unwrap();
    assert!(path.len() >= 2, "{name}: {path:?}");
    assert_eq!(path.last().unwrap()["id"], at["id"]);

    // Every reachable byte is counted once: the biggest objects' retained
    // sizes never exceed the reachable heap, which the histogram bounds.
    let reachable = r["reachable_bytes"].as_u64().unwrap();
    let unreachable = r["unreachable_bytes"].as_u64().unwrap();
    assert_eq!(
        reachable + unreachable,
        d["totals"]["bytes"].as_u64().unwrap(),
        "{name}"
    );
    let app = d["class_loaders"]["loaders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["class"]
                .as_str()
                .is_some_and(|c| c.ends_with("AppClassLoader"))
        })
        .expect("the application class loader");
    // It retains more than itself: at least the list of the classes it
    // defined (its `classes` field), which nothing else holds.
    let loader = instance_size(d, app["class"].as_str().unwrap());
    let retained = app["retained"].as_u64().unwrap();
    assert!(
        retained > loader,
        "{name}: the loader retains {retained}, itself {loader}"
    );

    // Cut short before its roots (HotSpot writes them last): exit 1, and as
    // MAT does, the bootstrap loader's classes stand in as roots.
    let bytes = std::fs::read(&hprof).expect("read the dump");
    let cut = dir.path().join(format!("{name}-cut.hprof"));
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).expect("write the cut copy");
    let doc = support::oomlens_json(
        &[
            "heap",
            "--retained",
            "--format",
            "json",
            cut.to_str().unwrap(),
        ],
        &[1],
    );
    let d = &doc["dumps"][0];
    assert_eq!(d["read"]["complete"], false);
    assert!(
        d["retained"]["reachable_objects"].as_u64().unwrap() > 0,
        "{name}: cut"
    );
}

#[test]
fn retained_sizes_equal_what_the_program_built() {
    if !require_jdk() {
        return;
    }
    check(&[], "compressed");
}

#[test]
fn retained_sizes_without_compressed_oops() {
    if !require_jdk() {
        return;
    }
    check(&["-XX:-UseCompressedOops"], "wide");
}
