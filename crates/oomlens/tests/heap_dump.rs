//! Heap dumps of a real JVM with known content (`tests/java/heap/
//! HeapShapes.java`), taken with `jcmd PID GC.heap_dump` under the default
//! layout, without compressed oops, and with 16-byte alignment: the
//! histogram equals the JVM's own `GC.class_histogram` per class, and a
//! truncated or compressed copy of each dump reads as it should.
//!
//! `GC.class_histogram` is taken before and after the dump; the attach
//! machinery allocates a little between them, so a class is compared
//! when the two histograms agree on it (nearly all do; the test says how
//! many). `java.lang.Class` is left out: the JVM counts every mirror in
//! the heap (CDS archives hold a thousand unloaded ones), HPROF dumps the
//! loaded classes.

mod support;

use support::heap_shapes::{compile, jcmd, Shapes};

use oomlens_heap::histogram::RowKind;
use oomlens_heap::names::java_name;
use oomlens_heap::Summary;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The program's arguments: N K L B CAPACITY T D.
const ITEMS: u64 = 3000;
const GENERATED: u64 = 60;
const LOADERS: u64 = 3;
const BUFFERS: u64 = 4;
const CAPACITY: u64 = 65536;
const THREADS: u64 = 5;
const DUPLICATES: u64 = 20;

/// Starts HeapShapes with `flags` and waits for its "ready".
fn start(classes: &Path, flags: &[&str]) -> Shapes {
    let mut all = vec!["-Xmx64m", "-XX:+UseSerialGC"];
    all.extend_from_slice(flags);
    Shapes::start(
        classes,
        &all,
        [
            ITEMS, GENERATED, LOADERS, BUFFERS, CAPACITY, THREADS, DUPLICATES,
        ],
    )
}

/// `GC.class_histogram` rows by Java name: (instances, bytes), summed
/// over classes of one name.
fn jvm_histogram(text: &str) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(num), Some(n), Some(b), Some(name)) = (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        if !num.ends_with(':') {
            continue;
        }
        let (Ok(n), Ok(b)) = (n.parse::<u64>(), b.parse::<u64>()) else {
            continue;
        };
        // Array names are descriptors (`[B`); others are Java names already.
        let name = if name.starts_with('[') {
            java_name(name.as_bytes())
        } else {
            name.to_string()
        };
        let e = m.entry(name).or_insert((0, 0));
        e.0 += n;
        e.1 += b;
    }
    m
}

fn our_histogram(s: &Summary) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for r in &s.histogram {
        if r.kind == RowKind::Class {
            continue;
        }
        let e = m.entry(r.class.clone()).or_insert((0, 0));
        e.0 += r.instances;
        e.1 += r.bytes;
    }
    m
}

struct Dump {
    path: PathBuf,
    before: BTreeMap<String, (u64, u64)>,
    after: BTreeMap<String, (u64, u64)>,
}

/// Runs HeapShapes with `flags` and dumps it into `dir`.
fn dump(dir: &Path, classes: &Path, flags: &[&str], name: &str) -> Dump {
    let guard = start(classes, flags);
    let pid = guard.pid();
    let path = dir.join(name);
    let before = jvm_histogram(&jcmd(pid, &["GC.class_histogram"]));
    jcmd(pid, &["GC.heap_dump", path.to_str().unwrap()]);
    let after = jvm_histogram(&jcmd(pid, &["GC.class_histogram"]));
    drop(guard);
    Dump {
        path,
        before,
        after,
    }
}

/// Every class both JVM histograms agree on has our instances and bytes.
fn assert_histogram_matches(d: &Dump, s: &Summary, what: &str) {
    let ours = our_histogram(s);
    let mut compared = 0;
    let mut wrong = Vec::new();
    for (class, jvm) in &d.before {
        if class == "java.lang.Class" || d.after.get(class) != Some(jvm) {
            continue;
        }
        compared += 1;
        let got = ours.get(class).copied().unwrap_or((0, 0));
        if got != *jvm {
            wrong.push(format!("{class}: jvm {jvm:?}, ours {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{what}: {} of {compared} classes differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        compared > 300,
        "{what}: only {compared} classes were stable enough to compare"
    );
    for must in [
        "HeapShapes$Item",
        "HeapShapes$BytesLoader",
        "java.nio.DirectByteBuffer",
    ] {
        assert!(
            d.before.get(must) == d.after.get(must),
            "{what}: {must} moved between histograms"
        );
        assert_eq!(ours.get(must), d.before.get(must), "{what}: {must}");
    }
    assert_eq!(ours["HeapShapes$Item"].0, ITEMS, "{what}");
    eprintln!("{what}: {compared} classes equal to GC.class_histogram");
}

/// A copy of the first `frac` of `path`.
fn truncated_copy(path: &Path, frac: f64) -> (PathBuf, u64) {
    let bytes = std::fs::read(path).unwrap();
    let cut = (bytes.len() as f64 * frac) as usize;
    let out = path.with_extension("cut.hprof");
    std::fs::write(&out, &bytes[..cut]).unwrap();
    (out, cut as u64)
}

fn gz_copy(path: &Path) -> PathBuf {
    use std::io::Write;
    let out = path.with_extension("hprof.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&out).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&std::fs::read(path).unwrap()).unwrap();
    gz.finish().unwrap();
    out
}

/// `oomlens heap` on the dump, its cut copy and a file that is no dump:
/// the JSON schema and numbers, and the exit statuses 0, 1 and 2.
fn check_cli(whole: &Path, cut: &Path, s: &Summary) {
    let p = |p: &Path| p.to_str().unwrap().to_string();
    let j = support::oomlens_json(&["heap", "--format", "json", "--top", "5", &p(whole)], &[0]);
    assert_eq!(j["schema"], "oomlens/heap/v1");
    let d = &j["dumps"][0];
    assert_eq!(d["totals"]["objects"].as_u64(), Some(s.totals.objects));
    assert_eq!(d["histogram"].as_array().unwrap().len(), 5);
    assert_eq!(d["read"]["complete"], true);
    assert!(d["retained"].is_null());
    let gen = d["class_loaders"]["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["shape"] == "jdk.proxy*.$Proxy*")
        .cloned()
        .unwrap_or_default();
    assert_eq!(gen["library"], "java.lang.reflect.Proxy", "{gen}");

    let c = support::oomlens_json(&["heap", "-o", "json", &p(cut)], &[1]);
    assert_eq!(c["dumps"][0]["read"]["complete"], false);
    assert_eq!(c["dumps"][0]["read"]["stop"]["kind"], "truncated");

    let text = Command::new(support::oomlens())
        .args(["heap", &p(whole)])
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("HeapShapes$Item") && text.contains("Duplicate classes"),
        "{text}"
    );
    let md = Command::new(support::oomlens())
        .args(["heap", "-o", "markdown", &p(whole)])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("| LOADERS | CLASSES | LOADER TYPE |"));

    // The page: one self-contained document whose histogram table holds
    // the JSON's top classes, each with its instance count.
    let page = Command::new(support::oomlens())
        .args(["heap", "-o", "html", "--top", "5", &p(whole)])
        .output()
        .unwrap();
    assert_eq!(page.status.code(), Some(0));
    let page = String::from_utf8_lossy(&page.stdout);
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    assert!(!page.contains("src=\"http"), "nothing fetched");
    for row in d["histogram"].as_array().unwrap() {
        let cells = format!("<tr><td>{}</td>", row["instances"].as_u64().unwrap());
        let class = row["class"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        let at = page
            .find(&format!("<td>{class}</td></tr>"))
            .unwrap_or_else(|| panic!("{class} not in the page"));
        let line_start = page[..at].rfind('\n').map_or(0, |i| i + 1);
        assert!(
            page[line_start..at].starts_with(&cells),
            "{}",
            &page[line_start..at + class.len() + 10]
        );
    }

    let not = whole.with_extension("txt");
    std::fs::write(&not, "not a heap dump\n").unwrap();
    let o = Command::new(support::oomlens())
        .args(["heap", &p(&not)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&p(&not)) && err.contains("not an HPROF heap dump"),
        "{err}"
    );
}

fn check_layout(flags: &[&str], name: &str, oops: bool, align: u32) {
    if !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp = support::TempDir::new("oomlens-heap");
    let classes = tmp.path().join("classes");
    compile(&classes);
    let d = dump(tmp.path(), &classes, flags, name);
    let s = oomlens_heap::summarize(&d.path).expect("read the dump");
    assert!(s.read.complete, "{name}: {:?}", s.read.stop);
    assert_eq!(s.sizing.compressed_oops, oops, "{name}: {:?}", s.sizing);
    assert!(s.sizing.compressed_class_pointers, "{name}: {:?}", s.sizing);
    assert_eq!(s.sizing.align, align, "{name}: {:?}", s.sizing);
    assert_histogram_matches(&d, &s, name);

    // The same dump compressed reads the same.
    let gz = oomlens_heap::summarize(&gz_copy(&d.path)).expect("read the .gz");
    assert_eq!(gz.histogram, s.histogram, "{name}.gz");
    assert_eq!(gz.read.bytes, s.read.bytes);

    // A copy cut at 60%: what came before, and where it stopped.
    let (cut, at) = truncated_copy(&d.path, 0.6);
    let c = oomlens_heap::summarize(&cut).expect("a cut dump still reads");
    assert!(!c.read.complete, "{name} cut");
    let stop = c.read.stop.as_ref().unwrap();
    assert_eq!(stop.kind, oomlens_heap::StopKind::Truncated, "{stop}");
    assert!(
        stop.offset <= at && stop.offset + (1 << 20) > at,
        "{stop} (cut at {at})"
    );
    assert!(
        c.totals.objects > 0 && c.totals.objects < s.totals.objects,
        "{name} cut"
    );

    assert_loaders(&s, name);
    assert_offheap(&s, name);
    if name == "default.hprof" {
        check_cli(&d.path, &cut, &s);
    }
}

/// B direct buffers of CAPACITY own their memory, T threads share one
/// name pattern and sleep, D new Strings and the literal hold one content.
fn assert_offheap(s: &Summary, what: &str) {
    let b = &s.direct_buffers;
    assert_eq!(
        (b.owners, b.owned_capacity),
        (BUFFERS, BUFFERS * CAPACITY),
        "{what}: {b:?}"
    );
    let t = s
        .threads
        .groups
        .iter()
        .find(|g| g.pattern == "shapes-worker-*")
        .unwrap_or_else(|| panic!("{what}: {:?}", s.threads));
    assert_eq!(t.threads, THREADS, "{what}");
    assert!(t.example.starts_with("shapes-worker-"), "{what}: {t:?}");
    assert_eq!(
        t.frames.first().map(String::as_str),
        Some("java.lang.Thread.sleep(Native Method)"),
        "{what}: {t:?}"
    );
    assert!(
        t.frames
            .iter()
            .any(|f| f.starts_with("HeapShapes.lambda$main$")),
        "{what}: {t:?}"
    );
    let d = s
        .strings
        .top
        .iter()
        .find(|d| d.value == "duplicated-content-of-HeapShapes")
        .unwrap_or_else(|| panic!("{what}: {:?}", s.strings.top));
    let string = s
        .histogram
        .iter()
        .find(|r| r.class == "java.lang.String")
        .unwrap();
    let copy = string.bytes / string.instances
        + s.sizing.primitive_array(oomlens_heap::BasicType::Byte, 32);
    assert_eq!(
        (d.copies, d.wasted),
        (DUPLICATES + 1, DUPLICATES * copy),
        "{what}: {d:?}"
    );
}

/// Each BytesLoader defined K/L generated classes, the template and a
/// proxy; the generated classes form one family; the template is a
/// duplicate class of L loaders.
fn assert_loaders(s: &Summary, what: &str) {
    let v = &s.class_loaders;
    let ours: Vec<_> = v
        .loaders
        .iter()
        .filter(|l| l.class == "HeapShapes$BytesLoader")
        .collect();
    assert_eq!(ours.len() as u64, LOADERS, "{what}: {:?}", v.loaders);
    for l in &ours {
        assert_eq!(l.classes, GENERATED / LOADERS + 2, "{what}: {l:?}");
    }
    let t = v
        .by_type
        .iter()
        .find(|t| t.class == "HeapShapes$BytesLoader")
        .unwrap();
    assert_eq!(
        (t.loaders, t.classes),
        (LOADERS, GENERATED + 2 * LOADERS),
        "{what}"
    );
    let gen = v.families.iter().find(|f| f.shape == "gen.G*").unwrap();
    assert_eq!(
        (gen.classes, gen.loaders),
        (GENERATED + LOADERS, LOADERS),
        "{what}: {gen:?}"
    );
    let proxies = v
        .families
        .iter()
        .find(|f| f.shape == "jdk.proxy*.$Proxy*")
        .unwrap();
    assert_eq!(
        (proxies.classes, proxies.loaders),
        (LOADERS, LOADERS),
        "{what}: {proxies:?}"
    );
    let dups: Vec<_> = v
        .duplicates
        .iter()
        .filter(|d| d.class.starts_with("gen."))
        .collect();
    assert_eq!(dups.len(), 1, "{what}: {dups:?}");
    assert_eq!(
        (dups[0].class.as_str(), dups[0].loaders),
        ("gen.G0000000", LOADERS)
    );
    let boot = v.loaders.iter().find(|l| l.loader == 0).unwrap();
    assert!(boot.classes > 300, "{what}: {boot:?}");
}

/// Two dumps read at once keep what each read to its own path: a whole
/// dump beside one cut short (hprof-slurp's NetBeans dump and the first
/// 4 KiB of a JDK 17 dump, `tests/fixtures/hprof`) is a partial answer
/// for the second alone, and a file that is no dump fails naming itself.
#[test]
fn two_dumps_report_each_ones_read_and_error_under_its_path() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hprof");
    let whole = fixtures.join("netbeans-hprof-64.hprof.gz");
    let cut = fixtures.join("jdk17-head.hprof");
    let (w, c) = (whole.to_str().unwrap(), cut.to_str().unwrap());

    let j = support::oomlens_json(&["heap", "-o", "json", w, c], &[1]);
    assert_eq!(j["dumps"][0]["source"], w);
    assert_eq!(j["dumps"][0]["read"]["complete"], true);
    assert_eq!(j["dumps"][0]["totals"]["objects"], 8262);
    assert_eq!(j["dumps"][1]["source"], c);
    assert_eq!(j["dumps"][1]["read"]["complete"], false);
    assert_eq!(j["dumps"][1]["read"]["stop"]["kind"], "truncated");
    assert!(j["diff"].is_object(), "{}", j["diff"]);

    let text = Command::new(support::oomlens())
        .args(["heap", w, c])
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(1));
    let err = String::from_utf8_lossy(&text.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].starts_with(&format!("warning: {c}: ")), "{err}");

    let tmp = support::TempDir::new("oomlens-heap-two");
    let not = tmp.path().join("not.hprof");
    std::fs::write(&not, "not a heap dump\n").unwrap();
    let n = not.to_str().unwrap();
    for args in [[w, n], [n, w]] {
        let o = Command::new(support::oomlens())
            .arg("heap")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(n) && err.contains("not an HPROF heap dump") && !err.contains(w),
            "{args:?}: {err}"
        );
    }
}

/// Two dumps of one JVM that grew by N items and K classes in L loaders
/// between them: `oomlens heap A B` says exactly that.
#[test]
fn two_dumps_show_what_grew() {
    if !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp = support::TempDir::new("oomlens-heap-diff");
    let classes = tmp.path().join("classes");
    compile(&classes);
    let mut jvm = Shapes::start(
        &classes,
        &["-Xmx64m", "-XX:+UseSerialGC"],
        [
            ITEMS, GENERATED, LOADERS, BUFFERS, CAPACITY, THREADS, DUPLICATES,
        ],
    );
    let (a, b) = (tmp.path().join("a.hprof"), tmp.path().join("b.hprof"));
    jvm.dump(&a);
    jvm.grow();
    jvm.dump(&b);
    drop(jvm);

    let j = support::oomlens_json(
        &[
            "heap",
            "-o",
            "json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        &[0],
    );
    let d = &j["diff"];
    let find = |list: &str, key: &str, name: &str| -> serde_json::Value {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c[key] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {list}: {}", d[list]))
    };
    let item = find("classes", "class", "HeapShapes$Item");
    assert_eq!(
        item["instances_delta"].as_i64(),
        Some(ITEMS as i64),
        "{item}"
    );
    assert_eq!(item["bytes_delta"], item["bytes_before"], "{item}");
    let loaders = find("loader_types", "name", "HeapShapes$BytesLoader");
    assert_eq!(
        (loaders["before"].as_u64(), loaders["after"].as_u64()),
        (Some(LOADERS), Some(2 * LOADERS))
    );
    let defined = find("loader_type_classes", "name", "HeapShapes$BytesLoader");
    assert_eq!(
        defined["delta"].as_i64(),
        Some(GENERATED as i64),
        "{defined}"
    );
    let gen = find("families", "name", "gen.G*");
    assert_eq!(gen["delta"].as_i64(), Some(GENERATED as i64), "{gen}");
    let classes = find("totals", "name", "classes");
    assert_eq!(
        classes["delta"].as_i64(),
        Some(GENERATED as i64),
        "{classes}"
    );
}

#[test]
fn default_layout_histogram_equals_the_jvms() {
    check_layout(&[], "default.hprof", true, 8);
}

#[test]
fn uncompressed_oops_histogram_equals_the_jvms() {
    check_layout(&["-XX:-UseCompressedOops"], "wide.hprof", false, 8);
}

#[test]
fn sixteen_byte_alignment_histogram_equals_the_jvms() {
    check_layout(
        &["-XX:ObjectAlignmentInBytes=16"],
        "align16.hprof",
        true,
        16,
    );
}
