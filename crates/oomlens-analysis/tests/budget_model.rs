//! The JVM memory model against the JVM itself: every run of
//! `tests/fixtures/jvm/printflagsfinal/` (OpenJDK 17 with
//! `-XX:+PrintFlagsFinal` inside real memory cgroups of 256 MiB, 1 GiB and
//! 3 GiB, with several flag sets, on a 2-CPU machine; see its SOURCES.md)
//! must give exactly the JVM's numbers.

use oomlens_analysis::budget::ergonomics;
use oomlens_evidence::jvm::flags::{self, JvmFlags};

fn dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/jvm/printflagsfinal")
}

#[test]
fn model_matches_print_flags_final() {
    let runs = std::fs::read_to_string(dir().join("runs.tsv")).unwrap();
    let mut checked = 0;
    for row in runs.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, limit, command) = (cols[0], cols[1].parse::<u64>().unwrap(), cols[2]);
        if !command.contains("PrintFlagsFinal") {
            continue;
        }
        let given = JvmFlags {
            flags: flags::from_command_line(command, None),
            ..JvmFlags::default()
        };
        let (real, _) = flags::parse(file, &std::fs::read(dir().join(file)).unwrap());
        let real = real.unwrap();
        let e = ergonomics(limit, 2, real.jdk.unwrap_or(17), &given);
        let who = format!("{file} ({command})");
        assert_eq!(
            Some(e.max_heap_bytes),
            real.bytes("MaxHeapSize"),
            "MaxHeapSize {who}"
        );
        let real_meta = real.bytes("MaxMetaspaceSize").filter(|&m| m < 1 << 62);
        assert_eq!(e.max_metaspace_bytes, real_meta, "MaxMetaspaceSize {who}");
        assert_eq!(
            Some(e.compressed_class_space_bytes),
            real.bytes("CompressedClassSpaceSize"),
            "CompressedClassSpaceSize {who}"
        );
        assert_eq!(
            Some(e.reserved_code_cache_bytes),
            real.bytes("ReservedCodeCacheSize"),
            "ReservedCodeCacheSize {who}"
        );
        assert_eq!(
            Some(e.thread_stack_bytes),
            real.bytes("ThreadStackSize"),
            "ThreadStackSize {who}"
        );
        // PrintFlagsFinal shows 0 for "defaults to the max heap".
        assert_eq!(real.bytes("MaxDirectMemorySize"), Some(0), "{who}");
        // ... so the model's direct-memory cap is the JVM's real max heap.
        assert_eq!(Some(e.max_direct_bytes), real.bytes("MaxHeapSize"), "{who}");
        let gc_flag = format!("Use{}GC", e.gc);
        assert_eq!(
            real.bool(&gc_flag),
            Some(true),
            "collector {} for {who}",
            e.gc
        );
        checked += 1;
    }
    assert_eq!(checked, 12, "every PrintFlagsFinal run is checked");
}
