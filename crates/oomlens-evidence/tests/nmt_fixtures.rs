//! The NMT parser against every fixture in `tests/fixtures/nmt`: totals,
//! categories, thread and class counts, diffs, units, and for the captured
//! growth runs that the leaking category is the one that grows. Expected
//! values are the strings as printed in the files (converted with
//! `jcmd::parse_size`, tested on its own); counts and line numbers were
//! read off the files with grep, not from the parser (see
//! `tests/fixtures/nmt/SOURCES.md`).

use std::path::{Path, PathBuf};

use oomlens_evidence::jvm::jcmd::parse_size;
use oomlens_evidence::jvm::nmt::{self, Category, Snapshot};

const KB: u64 = 1 << 10;
const MB: u64 = 1 << 20;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nmt")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every snapshot of a fixture, which must parse without warnings.
fn all(name: &str) -> Vec<Snapshot> {
    let bytes = read(name);
    assert!(nmt::looks_like_nmt(&bytes), "{name}: not recognised");
    let (snaps, warnings) = nmt::parse(name, &bytes);
    assert!(
        warnings.is_empty(),
        "{name}: unexpected warnings {:?}",
        warnings.items()
    );
    snaps
}

/// The one snapshot of a fixture.
fn one(name: &str) -> Snapshot {
    let mut s = all(name);
    assert_eq!(s.len(), 1, "{name}");
    s.remove(0)
}

fn size(s: &str) -> u64 {
    parse_size(s).unwrap_or_else(|| panic!("bad size in test: {s}"))
}

fn signed(s: &str) -> Option<i64> {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.trim_start_matches('+')),
    };
    Some(sign * i64::try_from(size(rest)).unwrap())
}

fn cat<'a>(s: &'a Snapshot, name: &str) -> &'a Category {
    s.category(name)
        .unwrap_or_else(|| panic!("no category {name} in {:?}", names(s)))
}

fn names(s: &Snapshot) -> Vec<&str> {
    s.categories.iter().map(|c| c.name.as_str()).collect()
}

fn fixture_names() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    out.sort();
    out
}

/// Files that hold no report: what jcmd answered instead.
const NO_REPORT: &[&str] = &[
    "jdk17-baseline.txt",
    "jdk17-nmt-off-summary.txt",
    "jdk17-summary.diff-no-baseline.txt",
];

#[test]
fn every_fixture_is_recognised_and_parses_cleanly() {
    let names = fixture_names();
    assert!(names.len() >= 30, "{names:?}");
    for name in &names {
        if NO_REPORT.contains(&name.as_str()) {
            continue;
        }
        let snaps = all(name);
        assert!(!snaps.is_empty(), "{name}");
        let lines = read(name).split(|&b| b == b'\n').count() as u64;
        for s in &snaps {
            assert!(s.total_line.is_some(), "{name}: no total");
            assert!(s.line >= 1 && s.line <= s.last_line && s.last_line <= lines);
            assert!(!s.categories.is_empty(), "{name}");
            for c in &s.categories {
                assert!(s.line <= c.line && c.line <= c.last_line && c.last_line <= s.last_line);
            }
            // Every category line printed is read: the ones of `(reserved=`.
        }
        let printed = String::from_utf8_lossy(&read(name))
            .matches("(reserved=")
            .count();
        let read_in: usize = snaps.iter().map(|s| s.categories.len()).sum();
        assert_eq!(read_in, printed, "{name}");
    }
}

#[test]
fn answers_instead_of_reports() {
    // `jcmd VM.native_memory baseline`: nothing to read, nothing to say.
    let (s, w) = nmt::parse("b", &read("jdk17-baseline.txt"));
    assert!(s.is_empty() && w.is_empty());
    assert!(!nmt::looks_like_nmt(&read("jdk17-baseline.txt")));
    for name in [
        "jdk17-nmt-off-summary.txt",
        "jdk17-summary.diff-no-baseline.txt",
    ] {
        let bytes = read(name);
        assert!(nmt::looks_like_nmt(&bytes), "{name}");
        let (s, w) = nmt::parse(name, &bytes);
        assert!(s.is_empty(), "{name}");
        assert_eq!(w.items().len(), 1, "{name}");
        assert_eq!(w.items()[0].line, Some(2), "{name}");
    }
}

/// (file, pid, first line, Total line, reserved, committed, categories,
/// threads, classes, unit)
type Facts = (
    &'static str,
    Option<u64>,
    u64,
    u64,
    &'static str,
    &'static str,
    usize,
    u64,
    u64,
    u64,
);

const SUMMARIES: &[Facts] = &[
    (
        "jdk17-directbuf-summary-1.txt",
        Some(17011),
        1,
        7,
        "7906994KB",
        "540658KB",
        18,
        19,
        674,
        KB,
    ),
    (
        "jdk17-directbuf-summary-4.txt",
        Some(17011),
        1,
        7,
        "8052501KB",
        "686169KB",
        18,
        19,
        674,
        KB,
    ),
    (
        "jdk17-directbuf-summary-scale-mb.txt",
        Some(17011),
        1,
        7,
        "7880MB",
        "686MB",
        9,
        19,
        674,
        MB,
    ),
    (
        "jdk17-threads-summary-1.txt",
        Some(20744),
        1,
        7,
        "7882734KB",
        "479598KB",
        17,
        59,
        673,
        KB,
    ),
    (
        "jdk17-threads-summary-4.txt",
        Some(20744),
        1,
        7,
        "7973483KB",
        "487551KB",
        17,
        149,
        673,
        KB,
    ),
    (
        "jdk17-threads-summary-scale-mb.txt",
        Some(20744),
        1,
        7,
        "7797MB",
        "477MB",
        8,
        159,
        673,
        MB,
    ),
    (
        "jdk17-classes-summary-1.txt",
        Some(21988),
        1,
        7,
        "7865128KB",
        "181828KB",
        18,
        20,
        1157,
        KB,
    ),
    (
        "jdk17-classes-summary-4.txt",
        Some(21988),
        1,
        7,
        "7921272KB",
        "352260KB",
        18,
        20,
        2250,
        KB,
    ),
    (
        "jdk17-classes-summary-scale-mb.txt",
        Some(21988),
        1,
        7,
        "7736MB",
        "344MB",
        11,
        20,
        2250,
        MB,
    ),
    (
        "jdk17-printnmtstatistics-version.txt",
        None,
        5,
        7,
        "8021340589",
        "483807661",
        20,
        13,
        448,
        1,
    ),
    (
        "pub-jdk8-summary-openjdk8-docker-hello-jvm.txt",
        Some(7),
        1,
        5,
        "5576143KB",
        "1117747KB",
        10,
        21,
        405,
        KB,
    ),
    (
        "pub-jdk8-summary-1154-threads-so31173374.txt",
        None,
        1,
        1,
        "4023326KB",
        "2762382KB",
        10,
        1154,
        8621,
        KB,
    ),
    (
        "pub-jdk11-summary-pxf-cbmon.txt",
        Some(1722304),
        1,
        5,
        "3731397KB",
        "1317037KB",
        17,
        64,
        10081,
        KB,
    ),
    (
        "pub-jdk11-summary-threadpool-leak-blog.txt",
        None,
        1,
        1,
        "2578163KB",
        "1787991KB",
        16,
        75,
        21372,
        KB,
    ),
    (
        "pub-jdk11-summary-no-dashes-jmxexporter726-partial.txt",
        None,
        1,
        2,
        "6649506KB",
        "415302KB",
        3,
        17,
        944,
        KB,
    ),
    (
        "pub-post17-summary-cljdoc.txt",
        None,
        1,
        5,
        "2724942KB",
        "1497650KB",
        21,
        32,
        39698,
        KB,
    ),
    (
        "pub-jdk24dev-summary-bytes-openjdk19455-partial.txt",
        None,
        1,
        3,
        "1788826570",
        "237654986",
        3,
        30,
        799,
        1,
    ),
];

#[test]
fn summaries() {
    for &(name, pid, line, total_line, r, c, n, threads, classes, unit) in SUMMARIES {
        let s = one(name);
        assert_eq!(s.pid, pid, "{name}");
        assert_eq!(s.line, line, "{name}");
        assert_eq!(s.total_line, Some(total_line), "{name}");
        assert_eq!(s.total_reserved_bytes, size(r), "{name}");
        assert_eq!(s.total_committed_bytes, size(c), "{name}");
        assert_eq!(s.categories.len(), n, "{name}");
        assert!(!s.diff, "{name}");
        assert_eq!(s.total_reserved_diff_bytes, None, "{name}");
        let t = cat(&s, "Thread");
        assert_eq!(t.threads, Some(threads), "{name}");
        assert_eq!(t.threads_diff, None, "{name}");
        assert_eq!(cat(&s, "Class").classes, Some(classes), "{name}");
        assert_eq!(s.scale_bytes, unit, "{name}");
        assert_eq!(s.categories[0].name, "Java Heap", "{name}");
    }
}

#[test]
fn jdk17_category_details() {
    let s = one("jdk17-classes-summary-4.txt");
    assert_eq!(s.total_malloc_bytes, Some(size("22320KB")));
    assert_eq!(s.total_mmap_reserved_bytes, Some(size("7898952KB")));
    assert_eq!(s.total_mmap_committed_bytes, Some(size("329940KB")));
    let class = cat(&s, "Class");
    assert_eq!((class.line, class.reserved_bytes), (14, size("1052495KB")));
    assert_eq!(class.committed_bytes, size("8271KB"));
    // `(    used=92389KB)` (Metadata) + `(    used=3118KB)` (Class space).
    assert_eq!(class.used_bytes, Some(size("92389KB") + size("3118KB")));
    assert_eq!(class.last_line, 26);
    let meta = cat(&s, "Metaspace");
    assert_eq!(meta.line, 76);
    assert_eq!(meta.committed_bytes, size("103193KB"));
    let thread = cat(&s, "Thread");
    assert_eq!(thread.line, 28);
    assert_eq!(thread.stack_reserved_bytes, Some(size("20480KB")));
    assert_eq!(s.last_line, 84);

    let s = one("jdk17-directbuf-summary-4.txt");
    let other = cat(&s, "Other");
    assert_eq!((other.line, other.committed_bytes), (50, size("212992KB")));
    assert_eq!(other.malloc_bytes, Some(size("212992KB")));
    assert_eq!(other.malloc_count, Some(208));
    assert_eq!(other.mmap_committed_bytes, None);
}

/// The snapshots of a growth run: the single files, and the file with all
/// four appended (which must read the same, at shifted lines).
fn run(prefix: &str) -> Vec<Snapshot> {
    let joined = all(&format!("jdk17-{prefix}-summaries.txt"));
    assert_eq!(joined.len(), 4, "{prefix}");
    for (k, s) in joined.iter().enumerate() {
        let single = one(&format!("jdk17-{prefix}-summary-{}.txt", k + 1));
        let shift = s.line - 1;
        let mut moved = single.clone();
        moved.line += shift;
        moved.last_line += shift;
        moved.total_line = moved.total_line.map(|l| l + shift);
        for c in &mut moved.categories {
            c.line += shift;
            c.last_line += shift;
        }
        assert_eq!(*s, moved, "{prefix} snapshot {}", k + 1);
    }
    joined
}

#[test]
fn direct_buffers_grow_other() {
    let s = run("directbuf");
    let lines: Vec<u64> = s.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![1, 86, 171, 256]);
    let other: Vec<u64> = s.iter().map(|s| cat(s, "Other").committed_bytes).collect();
    assert_eq!(
        other,
        vec![
            size("65536KB"),
            size("114688KB"),
            size("163840KB"),
            size("212992KB")
        ]
    );
    let g = nmt::committed_growth(&s[0], &s[3]);
    assert_eq!(g[0].name, "Other");
    assert_eq!(g[0].delta_bytes, signed("147456KB").unwrap());
    assert_eq!((g[0].from_line, g[0].to_line), (Some(50), Some(305)));
    // Direct buffers are not the heap, threads or classes.
    for n in ["Java Heap", "Thread", "Metaspace", "Class"] {
        let x = g.iter().find(|x| x.name == n).unwrap();
        assert!(x.delta_bytes.unsigned_abs() < MB, "{n}: {x:?}");
    }
    assert_eq!(cat(&s[0], "Thread").threads, cat(&s[3], "Thread").threads);
}

#[test]
fn threads_grow_thread() {
    let s = run("threads");
    let threads: Vec<u64> = s
        .iter()
        .map(|s| cat(s, "Thread").threads.unwrap())
        .collect();
    assert_eq!(threads, vec![59, 89, 119, 149]);
    let g = nmt::committed_growth(&s[0], &s[3]);
    assert_eq!(g[0].name, "Thread");
    assert_eq!(
        (g[0].from_bytes, g[0].to_bytes),
        (size("5128KB"), size("14757KB"))
    );
    let (a, b) = (cat(&s[0], "Thread"), cat(&s[3], "Thread"));
    assert_eq!(a.stack_reserved_bytes, Some(size("60416KB")));
    assert_eq!(b.stack_reserved_bytes, Some(size("152576KB")));
    assert!(b.reserved_bytes > a.reserved_bytes);
    // No direct buffers: `Other` weighs under 1KB and is not printed.
    assert!(s.iter().all(|s| s.category("Other").is_none()));
}

#[test]
fn class_loading_grows_class_and_metaspace() {
    let s = run("classes");
    let classes: Vec<u64> = s.iter().map(|s| cat(s, "Class").classes.unwrap()).collect();
    assert_eq!(classes, vec![1157, 1450, 1850, 2250]);
    let meta: Vec<u64> = s
        .iter()
        .map(|s| cat(s, "Metaspace").committed_bytes)
        .collect();
    assert_eq!(
        meta,
        vec![
            size("23533KB"),
            size("44995KB"),
            size("74094KB"),
            size("103193KB")
        ]
    );
    let used = |s: &Snapshot| cat(s, "Class").used_bytes.unwrap();
    assert_eq!(used(&s[0]), size("21116KB") + size("741KB"));
    assert_eq!(used(&s[3]), size("92389KB") + size("3118KB"));
    // The heap grows too (the proxies and loaders are objects), but of the
    // native categories Metaspace grows most, then Class.
    let g = nmt::committed_growth(&s[0], &s[3]);
    let native: Vec<&str> = g
        .iter()
        .filter(|x| x.name != "Java Heap")
        .map(|x| x.name.as_str())
        .take(2)
        .collect();
    assert_eq!(native, vec!["Metaspace", "Class"]);
    assert_eq!(cat(&s[0], "Thread").threads, cat(&s[3], "Thread").threads);
}

#[test]
fn summary_diffs() {
    let s = one("jdk17-directbuf-summary.diff.txt");
    assert!(s.diff);
    assert_eq!(s.pid, Some(17011));
    assert_eq!(s.total_reserved_bytes, size("8068885KB"));
    assert_eq!(s.total_reserved_diff_bytes, signed("211045KB"));
    assert_eq!(s.total_committed_diff_bytes, signed("211049KB"));
    assert_eq!(s.total_malloc_bytes, None);
    let other = cat(&s, "Other");
    assert_eq!(other.line, 48);
    assert_eq!(other.committed_bytes, size("229376KB"));
    assert_eq!(other.committed_diff_bytes, signed("212992KB"));
    assert_eq!(other.malloc_diff_bytes, signed("212992KB"));
    // Printed without a change: unchanged.
    let heap = cat(&s, "Java Heap");
    assert_eq!(heap.committed_diff_bytes, Some(0));
    assert_eq!(cat(&s, "Thread").threads_diff, Some(0));
    assert_eq!(cat(&s, "Class").classes_diff, Some(0));
    assert_eq!(cat(&s, "Class").used_diff_bytes, signed("6KB"));
    let top = s
        .categories
        .iter()
        .max_by_key(|c| c.committed_diff_bytes)
        .unwrap();
    assert_eq!(top.name, "Other");

    let s = one("jdk17-threads-summary.diff.txt");
    assert!(s.diff);
    let t = cat(&s, "Thread");
    assert_eq!(
        (t.line, t.threads, t.threads_diff),
        (26, Some(159), Some(130))
    );
    assert_eq!(t.committed_diff_bytes, signed("13907KB"));
    assert_eq!(t.reserved_diff_bytes, signed("133503KB"));
    assert_eq!(t.stack_committed_diff_bytes, signed("13524KB"));
    let arena = cat(&s, "Arena Chunk");
    assert!(arena.committed_diff_bytes.unwrap() < 0);

    let s = one("jdk17-classes-summary.diff.txt");
    assert!(s.diff);
    assert_eq!(s.total_committed_diff_bytes, signed("-139449KB"));
    let c = cat(&s, "Class");
    assert_eq!((c.classes, c.classes_diff), (Some(2250), Some(1403)));
    assert_eq!(c.used_diff_bytes, signed("94114KB"));
    let m = cat(&s, "Metaspace");
    assert_eq!(m.committed_diff_bytes, signed("101772KB"));
    // The heap shrank since the baseline.
    assert_eq!(
        cat(&s, "Java Heap").committed_diff_bytes,
        signed("-233472KB")
    );
    let top = s
        .categories
        .iter()
        .max_by_key(|c| c.committed_diff_bytes)
        .unwrap();
    assert_eq!(top.name, "Metaspace");
}

#[test]
fn summary_diffs_in_mb() {
    let s = one("jdk17-directbuf-summary.diff-scale-mb.txt");
    assert!(s.diff);
    assert_eq!(s.scale_bytes, MB);
    assert_eq!(s.total_reserved_bytes, size("7880MB"));
    assert_eq!(s.total_committed_diff_bytes, signed("206MB"));
    let other = cat(&s, "Other");
    assert_eq!(other.committed_bytes, size("224MB"));
    assert_eq!(other.committed_diff_bytes, signed("208MB"));

    let s = one("jdk17-threads-summary.diff-scale-mb.txt");
    let t = cat(&s, "Thread");
    assert_eq!((t.threads, t.threads_diff), (Some(159), Some(130)));
    assert_eq!(t.committed_diff_bytes, signed("14MB"));

    let s = one("jdk17-classes-summary.diff-scale-mb.txt");
    assert_eq!(s.total_committed_diff_bytes, signed("-133MB"));
    let c = cat(&s, "Class");
    assert_eq!((c.classes, c.classes_diff), (Some(2288), Some(1441)));
    assert_eq!(cat(&s, "Metaspace").committed_diff_bytes, signed("102MB"));
    // `(thread #20 +1)` and `(reserved=20MB +1MB, committed=1MB)`.
    let t = cat(&s, "Thread");
    assert_eq!((t.threads_diff, t.committed_diff_bytes), (Some(1), Some(0)));

    // A newer JDK's diff, as a tutorial printed it: the total malloc / mmap
    // lines lost their indentation.
    let s = one("pub-post17-summary.diff-scale-mb-directhold.txt");
    assert!(s.diff);
    assert_eq!(s.scale_bytes, MB);
    assert_eq!(s.total_reserved_diff_bytes, signed("64MB"));
    assert_eq!(s.total_malloc_bytes, Some(size("88MB")));
    assert_eq!(s.total_malloc_diff_bytes, signed("64MB"));
    assert_eq!(s.total_mmap_committed_bytes, Some(size("699MB")));
    assert_eq!(s.categories.len(), 10);
    let other = cat(&s, "Other");
    assert_eq!(other.line, 41);
    assert_eq!(other.committed_diff_bytes, signed("64MB"));
    assert_eq!(
        (other.malloc_count, other.malloc_diff_bytes),
        (Some(64), signed("64MB"))
    );
    let t = cat(&s, "Thread");
    assert_eq!((t.threads, t.threads_diff), (Some(18), Some(0)));
    let c = cat(&s, "Class");
    assert_eq!((c.classes, c.classes_diff), (Some(822), Some(8)));
}

#[test]
fn public_layouts() {
    // JDK 8: no Metaspace category; class metadata under Class.
    for name in [
        "pub-jdk8-summary-openjdk8-docker-hello-jvm.txt",
        "pub-jdk8-summary-1154-threads-so31173374.txt",
    ] {
        let s = one(name);
        assert!(s.category("Metaspace").is_none(), "{name}");
        assert_eq!(cat(&s, "Class").used_bytes, None, "{name}");
        assert_eq!(s.total_malloc_bytes, None, "{name}");
    }
    let s = one("pub-jdk8-summary-1154-threads-so31173374.txt");
    let t = cat(&s, "Thread");
    assert_eq!(t.line, 10);
    assert_eq!(t.committed_bytes, size("1190668KB"));
    assert_eq!(t.stack_committed_bytes, Some(size("1185284KB")));
    assert_eq!(t.malloc_count, Some(5771));
    assert_eq!(cat(&s, "Arena Chunk").malloc_bytes, Some(size("220KB")));
    assert_eq!(cat(&s, "Arena Chunk").malloc_count, None);
    assert_eq!(s.last_line, 41);

    // JDK 11: Metadata / Class space parts with `free=`, no Metaspace.
    let s = one("pub-jdk11-summary-pxf-cbmon.txt");
    assert!(s.category("Metaspace").is_none());
    assert_eq!(
        cat(&s, "Class").used_bytes,
        Some(size("40504KB") + size("5643KB"))
    );
    assert_eq!(cat(&s, "Synchronizer").committed_bytes, size("195KB"));
    // Categories not separated by blank lines.
    let s = one("pub-jdk11-summary-threadpool-leak-blog.txt");
    assert_eq!(cat(&s, "Code").line, 26);
    assert_eq!(cat(&s, "Thread").last_line, 25);
    assert_eq!(cat(&s, "Native Memory Tracking").line, 48);
    assert_eq!(cat(&s, "Symbol").last_line, 47);
    // Without the leading `-`.
    let s = one("pub-jdk11-summary-no-dashes-jmxexporter726-partial.txt");
    assert_eq!(names(&s), vec!["Java Heap", "Class", "Thread"]);
    assert_eq!(
        cat(&s, "Class").used_bytes,
        Some(size("1311KB") + size("161KB"))
    );
    assert_eq!(cat(&s, "Thread").stack_committed_bytes, Some(size("896KB")));

    // Newer than 17: `(threads #N)`, `at peak`, `peak=`, `readonly=`.
    let s = one("pub-post17-summary-cljdoc.txt");
    assert_eq!(s.total_malloc_bytes, Some(size("130882KB")));
    assert_eq!(s.total_mmap_reserved_bytes, Some(size("2594060KB")));
    let t = cat(&s, "Thread");
    assert_eq!(t.stack_committed_bytes, Some(size("3744KB")));
    assert_eq!(
        (t.malloc_bytes, t.malloc_count),
        (Some(size("69KB")), Some(198))
    );
    let m = cat(&s, "Metaspace");
    assert_eq!((m.line, m.committed_bytes), (81, size("173584KB")));
    assert_eq!(m.mmap_committed_bytes, Some(size("169664KB")));
    assert_eq!(
        cat(&s, "Java Heap").mmap_committed_bytes,
        Some(size("1048576KB"))
    );
    assert_eq!(
        cat(&s, "Shared class space").committed_bytes,
        size("13916KB")
    );
    assert_eq!(cat(&s, "Object Monitors").committed_bytes, 0);
    assert_eq!(
        cat(&s, "Class").used_bytes,
        Some(size("146997KB") + size("36517KB"))
    );

    // Plain byte counts (no unit).
    let s = one("pub-jdk24dev-summary-bytes-openjdk19455-partial.txt");
    assert_eq!(s.total_malloc_bytes, Some(54547402));
    let c = cat(&s, "Class");
    assert_eq!((c.malloc_bytes, c.malloc_count), (Some(120273), Some(1928)));
    assert_eq!(c.used_bytes, Some(5384968 + 496080));
    assert_eq!(cat(&s, "Thread").committed_bytes, 105384);
    let s = one("jdk17-printnmtstatistics-version.txt");
    assert_eq!(cat(&s, "Thread").stack_committed_bytes, Some(581632));
    assert_eq!(cat(&s, "Metaspace").committed_bytes, 75616);
}

#[test]
fn crlf_reads_the_same() {
    for name in fixture_names() {
        let bytes = read(&name);
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
        let (a, wa) = nmt::parse(&name, &bytes);
        let (b, wb) = nmt::parse(&name, &crlf);
        assert_eq!(a, b, "{name}");
        assert_eq!(wa.items(), wb.items(), "{name}");
    }
}

#[test]
fn nmt_summaries_of_other_fixture_sets() {
    // Other parts of the project captured `VM.native_memory summary` next
    // to their own fixtures: each is one clean snapshot (or jcmd's error).
    let root = dir().join("..");
    let mut seen = 0;
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "nmt") {
                    stack.push(p);
                }
                continue;
            }
            if !is_nmt_capture(&p) {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let name = p.display().to_string();
            if !nmt::looks_like_nmt(&bytes) {
                // jcmd failed (`java.io.IOException: No such process`).
                let (s, _) = nmt::parse(&name, &bytes);
                assert!(s.is_empty(), "{name}");
                continue;
            }
            let (s, w) = nmt::parse(&name, &bytes);
            assert!(w.is_empty(), "{name}: {:?}", w.items());
            assert_eq!(s.len(), 1, "{name}");
            assert!(s[0].total_line.is_some() && s[0].category("Thread").is_some());
            seen += 1;
        }
    }
    eprintln!("{seen} NMT summaries elsewhere");
}

fn is_nmt_capture(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("VM.native_memory") && n.ends_with(".txt"))
}
