use oomlens_evidence::jvm::gclog;
#[test]
fn others() {
    let root =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/classload");
    for f in [
        "jdk8/pub-gc-jdk8u412-parallel-metadata-gc-threshold-tomcat.log",
        "jdk8/pub-gc-jdk8u181-maxmetaspace9m-last-ditch-indented.log",
        "OrikaLikeLeak/gc.log",
        "OrikaLikeLeak-metaspace32m/gc.log",
        "OrikaLikeLeak-per-factory/gc.log",
    ] {
        let b = match std::fs::read(root.join(f)) {
            Ok(b) => b,
            Err(_) => continue,
        };
        let (log, w) = gclog::parse("x", &b);
        println!("== {f} sniff={} lines={} jdk={:?} samples={} thr={} {:?} ditch={} {:?} full={} alloc={} max={:?}/{} coll={:?} warn={:?}", gclog::looks_like_gclog(&b[..b.len().min(65536)]), log.lines, log.jdk, log.samples.len(), log.metadata_threshold_gcs, &log.metadata_threshold_lines[..log.metadata_threshold_lines.len().min(8)], log.metadata_last_ditch_gcs, log.metadata_last_ditch_lines, log.full_gcs, log.metaspace_alloc_failures, log.max_metaspace_bytes, log.max_metaspace_unlimited, log.collector, w.items());
        println!(
            "  first={:?}\n  last={:?}",
            log.samples.first(),
            log.samples.last()
        );
    }
}
