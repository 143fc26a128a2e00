//! The jcmd / jmap parser against every fixture in `tests/fixtures/jcmd`:
//! kinds, summary numbers with their lines, loader rows and totals,
//! histogram rows and totals. Expected sizes are the strings as printed in
//! the files (converted with `parse_size`, tested on its own); counts and
//! sums were read off the files with grep and awk, not from the parser (see
//! `tests/fixtures/jcmd/SOURCES.md`).

use std::path::PathBuf;

use oomlens_evidence::jvm::gclog;
use oomlens_evidence::jvm::jcmd::{self, JcmdKind, JcmdOutput, LoaderRow, MetaspaceSummary};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/jcmd")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str) -> JcmdOutput {
    let bytes = read(name);
    let (out, warnings) = jcmd::parse(name, &bytes);
    assert!(
        warnings.is_empty(),
        "{name}: unexpected warnings {:?}",
        warnings.items()
    );
    out.unwrap_or_else(|| panic!("{name}: not recognised"))
}

fn size(s: &str) -> Option<u64> {
    let v = jcmd::parse_size(s);
    assert!(v.is_some(), "bad size in test: {s}");
    v
}

fn summary(name: &str) -> MetaspaceSummary {
    let out = parse(name);
    assert_eq!(out.kind, JcmdKind::Metaspace, "{name}");
    out.metaspace
        .unwrap_or_else(|| panic!("{name}: no summary"))
}

const KINDS: &[(&str, JcmdKind)] = &[
    (
        "jdk17-g1-capped64m-gc.class_histogram.txt",
        JcmdKind::ClassHistogram,
    ),
    (
        "jdk17-g1-capped64m-jmap-clstats.txt",
        JcmdKind::ClassloaderStats,
    ),
    (
        "jdk17-g1-capped64m-jmap-histo.txt",
        JcmdKind::ClassHistogram,
    ),
    (
        "jdk17-g1-capped64m-vm.classloader_stats.txt",
        JcmdKind::ClassloaderStats,
    ),
    (
        "jdk17-g1-capped64m-vm.metaspace-basic.txt",
        JcmdKind::Metaspace,
    ),
    (
        "jdk17-g1-capped64m-vm.metaspace-by-spacetype.txt",
        JcmdKind::Metaspace,
    ),
    ("jdk17-g1-capped64m-vm.metaspace.txt", JcmdKind::Metaspace),
    (
        "jdk17-parallel-uncapped-gc.class_histogram-cut.txt",
        JcmdKind::ClassHistogram,
    ),
    (
        "jdk17-parallel-uncapped-vm.metaspace.txt",
        JcmdKind::Metaspace,
    ),
    (
        "jdk17-small-nocompressedclass-vm.metaspace-basic.txt",
        JcmdKind::Metaspace,
    ),
    (
        "jdk17-small-nocompressedclass-vm.metaspace-show-loaders.txt",
        JcmdKind::Metaspace,
    ),
    (
        "jdk17-small-nocompressedclass-vm.metaspace.txt",
        JcmdKind::Metaspace,
    ),
    (
        "jdk17-small-vm.classloader_stats.txt",
        JcmdKind::ClassloaderStats,
    ),
    (
        "jdk17-small-vm.metaspace-show-loaders.txt",
        JcmdKind::Metaspace,
    ),
    (
        "pub-jdk11-vm.metaspace-by-spacetype-decimal-comma-stuefe-partial.txt",
        JcmdKind::Metaspace,
    ),
    (
        "pub-jdk12or13-hserr-metaspace-basic-temurin1412-partial.txt",
        JcmdKind::Metaspace,
    ),
    (
        "pub-jdk16or17-hserr-metaspace-basic-max-as-gb-msopenjdk112.txt",
        JcmdKind::Metaspace,
    ),
    (
        "pub-jdk17dev-vm.metaspace-settings-decimal-comma-jdk8262163.txt",
        JcmdKind::Metaspace,
    ),
    (
        "pub-jdk21-hserr-metaspace-basic-netty13627.txt",
        JcmdKind::Metaspace,
    ),
    ("pub-jdk6-jmap-permstat-indented.txt", JcmdKind::Clstats),
    (
        "pub-jdk7-class-histogram-hazelcast13291-partial.txt",
        JcmdKind::ClassHistogram,
    ),
    (
        "pub-jdk8-jmap-clstats-25.181-partial.txt",
        JcmdKind::Clstats,
    ),
    (
        "pub-jdk8-jmap-clstats-elasticsearch-elided.txt",
        JcmdKind::Clstats,
    ),
];

#[test]
fn every_fixture_is_listed_and_sniffed() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let mut listed: Vec<&str> = KINDS.iter().map(|k| k.0).collect();
    listed.sort_unstable();
    assert_eq!(names, listed);
    for (name, kind) in KINDS {
        let b = read(name);
        let head = &b[..b.len().min(64 * 1024)];
        assert_eq!(jcmd::sniff(head), Some(*kind), "{name}");
        assert_eq!(parse(name).kind, *kind, "{name}");
        assert!(!gclog::looks_like_gclog(head), "{name} sniffed as a GC log");
    }
}

#[test]
fn vm_metaspace_g1_capped() {
    let out = parse("jdk17-g1-capped64m-vm.metaspace.txt");
    assert_eq!(out.pid, Some(31156));
    assert!(out.loaders.is_empty() && out.histogram.is_empty());
    let m = out.metaspace.unwrap();
    assert_eq!(m.line, 3);
    // `Total Usage - 762 loaders, 1584 classes (717 shared):`
    assert_eq!(
        (m.loaders, m.classes, m.shared_classes),
        (Some(762), Some(1584), Some(717))
    );
    // `Both: ... 54.77 MB ( 86%) used`, `Class: ... 1.55 MB ( 63%) used`.
    assert_eq!((m.used_bytes, m.used_line), (size("54.77 MB"), Some(6)));
    assert_eq!(m.class_space_used_bytes, size("1.55 MB"));
    // Virtual space `Both: 192.00 MB reserved, 62.31 MB ( 32%) committed.`
    assert_eq!(
        (m.reserved_bytes, m.reserved_line),
        (size("192.00 MB"), Some(12))
    );
    assert_eq!(
        (m.committed_bytes, m.committed_line),
        (size("62.31 MB"), Some(12))
    );
    assert_eq!(m.class_space_reserved_bytes, size("64.00 MB"));
    assert_eq!(m.class_space_committed_bytes, size("2.56 MB"));
    // Settings.
    assert_eq!(
        (m.max_metaspace_bytes, m.max_unlimited),
        (size("64.00 MB"), false)
    );
    assert_eq!(m.max_metaspace_line, Some(102));
    assert_eq!(m.compressed_class_space_bytes, size("64.00 MB"));
    assert_eq!(m.compressed_class_space_line, Some(103));
    assert_eq!(m.initial_gc_threshold_bytes, size("21.00 MB"));
    assert_eq!(
        (m.gc_threshold_bytes, m.gc_threshold_line),
        (size("64.00 MB"), Some(105))
    );
    assert!(!m.no_class_space);

    // The basic form says the same with fewer figures.
    let b = summary("jdk17-g1-capped64m-vm.metaspace-basic.txt");
    assert_eq!(
        (b.line, b.used_bytes, b.used_line),
        (3, size("54.77 MB"), Some(6))
    );
    assert_eq!(b.class_space_used_bytes, size("1.55 MB"));
    assert_eq!(
        (b.committed_bytes, b.committed_line),
        (size("62.31 MB"), Some(11))
    );
    assert_eq!(b.reserved_bytes, size("192.00 MB"));
    assert_eq!((b.loaders, b.classes), (None, None));
    assert_eq!(
        (b.max_metaspace_bytes, b.max_metaspace_line),
        (size("64.00 MB"), Some(18))
    );
    assert_eq!(
        (b.gc_threshold_bytes, b.gc_threshold_line),
        (size("64.00 MB"), Some(21))
    );
}

#[test]
fn vm_metaspace_uncapped_is_unlimited() {
    let m = summary("jdk17-parallel-uncapped-vm.metaspace.txt");
    assert_eq!(
        (m.loaders, m.classes, m.shared_classes),
        (Some(3024), Some(3855), Some(726))
    );
    assert_eq!(m.used_bytes, size("198.39 MB"));
    assert_eq!(m.committed_bytes, size("221.19 MB"));
    assert_eq!(m.reserved_bytes, size("1.25 GB"));
    assert_eq!(m.class_space_reserved_bytes, size("1.00 GB"));
    assert_eq!(m.class_space_committed_bytes, size("8.94 MB"));
    assert!(m.max_unlimited);
    assert_eq!(
        (m.max_metaspace_bytes, m.max_metaspace_line),
        (None, Some(102))
    );
    assert_eq!(m.compressed_class_space_bytes, Some(1 << 30));
    assert_eq!(m.gc_threshold_bytes, size("270.31 MB"));
}

#[test]
fn vm_metaspace_without_class_space() {
    let m = summary("jdk17-small-nocompressedclass-vm.metaspace.txt");
    assert!(m.no_class_space);
    assert_eq!(
        (m.loaders, m.classes, m.shared_classes),
        (Some(144), Some(969), None)
    );
    // Unlabeled lines: `678 chunks, ... 14.36 MB ( 93%) used` and
    // `64.00 MB reserved, 15.06 MB ( 24%) committed`.
    assert_eq!((m.used_bytes, m.used_line), (size("14.36 MB"), Some(4)));
    assert_eq!(
        (m.reserved_bytes, m.committed_bytes),
        (size("64.00 MB"), size("15.06 MB"))
    );
    assert_eq!(m.committed_line, Some(8));
    assert_eq!(
        (m.class_space_used_bytes, m.class_space_committed_bytes),
        (None, None)
    );
    assert_eq!(m.compressed_class_space_bytes, None);
    assert!(m.max_unlimited);
    assert_eq!(m.gc_threshold_bytes, size("21.00 MB"));

    let b = summary("jdk17-small-nocompressedclass-vm.metaspace-basic.txt");
    assert!(b.no_class_space);
    assert_eq!((b.used_bytes, b.used_line), (size("14.36 MB"), Some(4)));
    assert_eq!(
        (b.reserved_bytes, b.committed_bytes),
        (size("64.00 MB"), size("15.06 MB"))
    );
}

fn loader_type_count(rows: &[LoaderRow], ty: &str) -> usize {
    rows.iter().filter(|r| r.loader_type == ty).count()
}

#[test]
fn show_loaders_rows() {
    let out = parse("jdk17-small-vm.metaspace-show-loaders.txt");
    assert_eq!(out.pid, Some(32386));
    let rows = &out.loaders;
    assert_eq!((rows.len(), out.loader_rows), (144, 144));
    assert_eq!(
        loader_type_count(rows, "MetaspaceGrowth$GeneratedLoader"),
        120
    );
    assert_eq!(loader_type_count(rows, "<hidden class>"), 21);
    assert_eq!(rows.iter().filter(|r| r.hidden).count(), 21);
    // Row 6, line 30: `"generated-119" instance of
    // MetaspaceGrowth$GeneratedLoader, 1 class` with `Both: 7 chunks,
    // 100.00 KB capacity, ... 93.44 KB ( 93%) used`.
    let g = rows.iter().find(|r| r.line == 30).unwrap();
    assert_eq!(g.name.as_deref(), Some("generated-119"));
    assert_eq!(g.loader_type, "MetaspaceGrowth$GeneratedLoader");
    assert_eq!((g.loaders, g.classes), (1, 1));
    assert_eq!(
        (g.bytes, g.used_bytes),
        (size("100.00 KB"), size("93.44 KB"))
    );
    // Row 144, line 720: `"<bootstrap>", 793 classes (717 shared)`.
    let boot = rows.last().unwrap();
    assert_eq!(
        (boot.line, boot.loader_type.as_str(), boot.classes),
        (720, "<bootstrap>", 793)
    );
    assert_eq!(
        (boot.bytes, boot.used_bytes),
        (size("4.25 MB"), size("858.57 KB"))
    );
    // The rows add up to `Total Usage - 144 loaders, 966 classes`.
    let classes: u64 = rows.iter().map(|r| r.classes).sum();
    assert_eq!(classes, 966);
    let m = out.metaspace.unwrap();
    assert_eq!((m.line, m.loaders, m.classes), (726, Some(144), Some(966)));
    assert_eq!(m.max_metaspace_bytes, size("64.00 MB"));

    // Without a class space: one unlabeled usage line per loader.
    let out = parse("jdk17-small-nocompressedclass-vm.metaspace-show-loaders.txt");
    let rows = &out.loaders;
    assert_eq!(rows.len(), 144);
    assert_eq!(
        loader_type_count(rows, "MetaspaceGrowth$GeneratedLoader"),
        120
    );
    let g = rows.iter().find(|r| r.line == 20).unwrap();
    assert_eq!(g.name.as_deref(), Some("generated-119"));
    assert_eq!(
        (g.bytes, g.used_bytes),
        (size("96.00 KB"), size("93.44 KB"))
    );
    let boot = rows.iter().find(|r| r.line == 434).unwrap();
    assert_eq!(
        (boot.loader_type.as_str(), boot.classes),
        ("<bootstrap>", 796)
    );
    assert_eq!(
        (boot.bytes, boot.used_bytes),
        (size("6.75 MB"), size("6.26 MB"))
    );
    assert_eq!(rows.iter().map(|r| r.classes).sum::<u64>(), 969);
    assert_eq!(out.metaspace.unwrap().classes, Some(969));
}

#[test]
fn by_spacetype_rows() {
    let out = parse("jdk17-g1-capped64m-vm.metaspace-by-spacetype.txt");
    let st: Vec<(&str, u64, Option<u64>, u64)> = out
        .space_types
        .iter()
        .map(|r| (r.space_type.as_str(), r.loaders, r.classes, r.line))
        .collect();
    assert_eq!(
        st,
        vec![
            ("Standard", 740, Some(770), 5),
            ("Boot", 1, Some(793), 10),
            ("ClassMirrorHolder", 21, Some(21), 15),
            ("Reflection", 0, None, 20),
        ]
    );
    let standard = &out.space_types[0];
    assert_eq!(standard.capacity_bytes, size("59.69 MB"));
    assert_eq!(standard.committed_bytes, size("59.69 MB"));
    assert_eq!(standard.used_bytes, size("53.75 MB"));
    let m = out.metaspace.unwrap();
    assert_eq!((m.line, m.loaders, m.classes), (23, Some(762), Some(1584)));

    // JDK 11, German locale: `Standard (174 loaders):`, `41,28 MB capacity`.
    let out = parse("pub-jdk11-vm.metaspace-by-spacetype-decimal-comma-stuefe-partial.txt");
    assert_eq!(out.pid, Some(5314));
    assert_eq!(out.metaspace, None);
    let st: Vec<_> = out
        .space_types
        .iter()
        .map(|r| {
            (
                r.space_type.as_str(),
                r.loaders,
                r.classes,
                r.capacity_bytes,
                r.used_bytes,
            )
        })
        .collect();
    assert_eq!(
        st,
        vec![
            ("Standard", 174, None, size("48.54 MB"), size("41.95 MB")),
            ("Boot", 1, None, size("17.99 MB"), size("17.95 MB")),
        ]
    );
}

#[test]
fn classloader_stats_rows_and_totals() {
    let out = parse("jdk17-g1-capped64m-vm.classloader_stats.txt");
    assert_eq!(out.pid, Some(31156));
    let rows = &out.loaders;
    // 741 loader rows and the `+ hidden classes` row under the boot loader.
    assert_eq!((rows.len(), out.loader_rows), (742, 742));
    assert_eq!(
        loader_type_count(rows, "MetaspaceGrowth$GeneratedLoader"),
        738
    );
    let hidden: Vec<&LoaderRow> = rows.iter().filter(|r| r.hidden).collect();
    assert_eq!(hidden.len(), 1);
    let h = hidden[0];
    assert_eq!(
        (h.line, h.loader_type.as_str()),
        (488, "<boot class loader>")
    );
    assert_eq!(
        (h.loaders, h.classes, h.bytes, h.used_bytes),
        (0, 21, Some(8192), Some(5398))
    );
    let boot = rows.iter().find(|r| r.line == 487).unwrap();
    assert_eq!(
        (boot.classes, boot.bytes, boot.used_bytes),
        (793, Some(557056), Some(128458))
    );
    let t = out.loader_total.unwrap();
    assert_eq!(t.line, 745);
    assert_eq!((t.loaders, t.classes), (741, 1584));
    assert_eq!((t.bytes, t.used_bytes), (Some(8389248), Some(7178435)));
    // The rows add up to the total line.
    assert_eq!(rows.iter().map(|r| r.loaders).sum::<u64>(), 741);
    assert_eq!(rows.iter().map(|r| r.classes).sum::<u64>(), 1584);
    assert_eq!(rows.iter().filter_map(|r| r.bytes).sum::<u64>(), 8389248);
    assert_eq!(
        rows.iter().filter_map(|r| r.used_bytes).sum::<u64>(),
        7178435
    );

    // JDK 17's `jmap -clstats` prints the same table (no pid line), taken
    // after more loaders were unloaded.
    let out = parse("jdk17-g1-capped64m-jmap-clstats.txt");
    assert_eq!(out.pid, None);
    assert_eq!(out.loaders.len(), 704);
    let t = out.loader_total.unwrap();
    assert_eq!(
        (t.line, t.loaders, t.classes, t.bytes),
        (706, 703, 1546, Some(8035072))
    );
    assert_eq!(out.loaders.iter().map(|r| r.classes).sum::<u64>(), 1546);

    let out = parse("jdk17-small-vm.classloader_stats.txt");
    let rows = &out.loaders;
    assert_eq!(rows.len(), 124);
    assert_eq!(
        loader_type_count(rows, "MetaspaceGrowth$GeneratedLoader"),
        120
    );
    let app = rows.iter().find(|r| r.line == 10).unwrap();
    assert_eq!(
        app.loader_type,
        "jdk.internal.loader.ClassLoaders$AppClassLoader"
    );
    assert_eq!(
        (app.classes, app.bytes, app.used_bytes),
        (3, Some(1280), Some(922))
    );
    let t = out.loader_total.unwrap();
    assert_eq!(
        (t.line, t.loaders, t.classes, t.bytes, t.used_bytes),
        (127, 123, 966, Some(1749888), Some(1178902))
    );
    assert_eq!(rows.iter().map(|r| r.classes).sum::<u64>(), 966);
}

#[test]
fn jdk8_clstats() {
    let out = parse("pub-jdk8-jmap-clstats-elasticsearch-elided.txt");
    assert_eq!(out.jvm_version.as_deref(), Some("25.172-b11"));
    assert_eq!(out.pid, None);
    let rows: Vec<_> = out
        .loaders
        .iter()
        .map(|r| (r.line, r.loader_type.as_str(), r.classes, r.bytes, r.alive))
        .collect();
    assert_eq!(
        rows,
        vec![
            (11, "<bootstrap>", 2353, Some(4122324), Some(true)),
            (
                12,
                "org.elasticsearch.painless.lookup.PainlessLookupBuilder$BridgeLoader",
                1,
                Some(714),
                Some(false)
            ),
            (
                13,
                "org.elasticsearch.painless.lookup.PainlessLookupBuilder$BridgeLoader",
                1,
                Some(714),
                Some(false)
            ),
            (
                14,
                "org.elasticsearch.plugins.ExtendedPluginsClassLoader",
                0,
                Some(0),
                Some(false)
            ),
            (
                15,
                "sun.reflect.DelegatingClassLoader",
                1,
                Some(1471),
                Some(false)
            ),
            (
                16,
                "java.net.FactoryURLClassLoader",
                11,
                Some(20182),
                Some(false)
            ),
        ]
    );
    // `total = 86	11582	19740221	    N/A    	alive=1, dead=85	    N/A`
    let t = out.loader_total.unwrap();
    assert_eq!(
        (t.line, t.loaders, t.classes, t.bytes),
        (20, 86, 11582, Some(19740221))
    );
    assert_eq!((t.alive, t.dead), (Some(1), Some(85)));

    let out = parse("pub-jdk8-jmap-clstats-25.181-partial.txt");
    assert_eq!(out.jvm_version.as_deref(), Some("25.181-b13"));
    assert_eq!(out.loader_total, None);
    assert_eq!(out.loaders.len(), 5);
    assert_eq!(
        loader_type_count(&out.loaders, "sun.reflect.DelegatingClassLoader"),
        4
    );
    assert_eq!(
        out.loaders
            .iter()
            .map(|r| r.bytes.unwrap_or(0))
            .sum::<u64>(),
        6285646 + 880 + 1473 + 880 + 1473
    );

    // JDK 6 `jmap -permstat`, indented: the rows add up to the total.
    let out = parse("pub-jdk6-jmap-permstat-indented.txt");
    assert_eq!(out.jvm_version.as_deref(), Some("20.45-b01"));
    assert_eq!(out.loaders.len(), 6);
    assert_eq!(
        out.loaders.iter().filter(|r| r.alive == Some(true)).count(),
        3
    );
    let t = out.loader_total.unwrap();
    assert_eq!(
        (t.line, t.loaders, t.classes, t.bytes, t.alive, t.dead),
        (23, 6, 988, Some(6143872), Some(3), Some(3))
    );
    assert_eq!(out.loaders.iter().map(|r| r.classes).sum::<u64>(), 988);
    assert_eq!(
        out.loaders.iter().filter_map(|r| r.bytes).sum::<u64>(),
        6143872
    );
}

#[test]
fn histograms() {
    for (name, pid, total_line, first_line) in [
        (
            "jdk17-g1-capped64m-gc.class_histogram.txt",
            Some(31156),
            1028,
            4,
        ),
        ("jdk17-g1-capped64m-jmap-histo.txt", None, 1027, 3),
    ] {
        let out = parse(name);
        assert_eq!(out.pid, pid, "{name}");
        assert_eq!(
            (out.histogram.len(), out.histogram_rows),
            (1024, 1024),
            "{name}"
        );
        assert_eq!(out.histogram_total, Some((210880, 15986672)), "{name}");
        assert_eq!(out.histogram_total_line, Some(total_line), "{name}");
        let first = &out.histogram[0];
        assert_eq!(first.line, first_line);
        assert_eq!(
            (first.rank, first.instances, first.bytes),
            (1, 133677, 11763576)
        );
        assert_eq!(first.class, "java.lang.reflect.Method");
        assert_eq!(first.module.as_deref(), Some("java.base@17.0.15"));
        // The whole histogram is there: its rows add up to the Total line.
        assert_eq!(
            out.histogram.iter().map(|r| r.instances).sum::<u64>(),
            210880
        );
        assert_eq!(out.histogram.iter().map(|r| r.bytes).sum::<u64>(), 15986672);
        // 700 leaked proxy classes, one per loader, each in its own module.
        let proxies = out
            .histogram
            .iter()
            .filter(|r| {
                r.class.starts_with("jdk.proxy")
                    && r.module
                        .as_deref()
                        .is_some_and(|m| m.starts_with("jdk.proxy"))
            })
            .count();
        assert_eq!(proxies, 700, "{name}");
        let loader = out
            .histogram
            .iter()
            .find(|r| r.class == "MetaspaceGrowth$GeneratedLoader")
            .unwrap();
        assert_eq!(
            (
                loader.rank,
                loader.instances,
                loader.bytes,
                loader.module.as_deref()
            ),
            (14, 700, 56000, None)
        );
        assert_eq!(out.histogram.last().unwrap().rank, 1024);
    }

    // Cut to 200 rows: the Total line still holds the whole heap.
    let out = parse("jdk17-parallel-uncapped-gc.class_histogram-cut.txt");
    assert_eq!(out.histogram.len(), 200);
    assert_eq!(out.histogram_total, Some((727862, 57479544)));
    assert_eq!(out.histogram_total_line, Some(204));
    assert_eq!(
        out.histogram.iter().map(|r| r.instances).sum::<u64>(),
        724742
    );

    // JDK 7: no module column, `<methodKlass>` names, no Total line.
    let out = parse("pub-jdk7-class-histogram-hazelcast13291-partial.txt");
    assert_eq!(out.pid, Some(16158));
    assert_eq!(out.histogram.len(), 15);
    assert_eq!(out.histogram_total, None);
    let r = &out.histogram[0];
    assert_eq!(
        (
            r.line,
            r.rank,
            r.instances,
            r.bytes,
            r.class.as_str(),
            r.module.as_deref()
        ),
        (5, 1, 12369, 1688872, "<methodKlass>", None)
    );
    let r = out.histogram.last().unwrap();
    assert_eq!(
        (r.line, r.rank, r.class.as_str()),
        (19, 15, "[Ljava.lang.Object;")
    );
    assert_eq!(
        out.histogram.iter().map(|r| r.instances).sum::<u64>(),
        41743
    );
}

#[test]
fn public_metaspace_reports() {
    // JDK 21 hs_err `Metaspace:` section (basic report).
    let m = summary("pub-jdk21-hserr-metaspace-basic-netty13627.txt");
    assert_eq!(m.line, 3);
    assert_eq!((m.used_bytes, m.used_line), (size("20.77 MB"), Some(6)));
    assert_eq!(m.class_space_used_bytes, size("2.50 MB"));
    assert_eq!(
        (m.reserved_bytes, m.committed_bytes),
        (size("1.06 GB"), size("21.00 MB"))
    );
    assert_eq!(m.committed_line, Some(11));
    assert_eq!(m.class_space_committed_bytes, size("2.62 MB"));
    assert!(m.max_unlimited);
    assert_eq!(m.max_metaspace_line, Some(18));
    assert_eq!(m.compressed_class_space_bytes, Some(1 << 30));
    assert_eq!(
        (m.gc_threshold_bytes, m.initial_gc_threshold_bytes),
        (size("21.00 MB"), size("21.00 MB"))
    );

    // JDK 12/13: `capacity, used, free+waste, overhead` usage lines.
    let m = summary("pub-jdk12or13-hserr-metaspace-basic-temurin1412-partial.txt");
    assert_eq!(
        (m.line, m.used_bytes, m.used_line),
        (1, size("12.77 MB"), Some(4))
    );
    assert_eq!(m.class_space_used_bytes, size("1.84 MB"));
    assert_eq!(
        (m.reserved_bytes, m.committed_bytes),
        (size("1.01 GB"), size("13.25 MB"))
    );
    assert_eq!(m.class_space_committed_bytes, size("2.00 MB"));
    assert!(m.max_unlimited);
    assert_eq!(m.max_metaspace_line, Some(16));
    assert_eq!(m.gc_threshold_bytes, None);

    // Unlimited printed as `17179869184.00 GB`.
    let m = summary("pub-jdk16or17-hserr-metaspace-basic-max-as-gb-msopenjdk112.txt");
    assert!(m.max_unlimited);
    assert_eq!(
        (m.max_metaspace_bytes, m.max_metaspace_line),
        (None, Some(18))
    );
    assert_eq!(m.used_bytes, size("175.30 MB"));
    assert_eq!(
        (m.reserved_bytes, m.committed_bytes),
        (size("1.15 GB"), size("176.44 MB"))
    );

    // Decimal commas: `17179869184,00 GB`, `20,75 MB`, `21,50 MB`.
    let m = summary("pub-jdk17dev-vm.metaspace-settings-decimal-comma-jdk8262163.txt");
    assert_eq!(m.line, 2);
    assert!(m.max_unlimited);
    assert_eq!(m.compressed_class_space_bytes, Some(1 << 30));
    assert_eq!(m.initial_gc_threshold_bytes, size("20.75 MB"));
    assert_eq!(
        (m.gc_threshold_bytes, m.gc_threshold_line),
        (size("21.50 MB"), Some(5))
    );
    assert_eq!(m.used_bytes, None);
}
