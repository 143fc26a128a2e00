use oomlens_evidence::jvm::{gclog, jcmd};
#[test]
fn dump() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut g: Vec<_> = std::fs::read_dir(root.join("gclog"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    g.sort();
    for p in g {
        let b = std::fs::read(&p).unwrap();
        let (log, w) = gclog::parse("x", &b);
        let first = log.samples.first();
        let last = log.samples.last();
        println!("== {} sniff={} lines={} jdk={:?} samples={} (count {}) thr={} {:?} ditch={} {:?} full={} allocfail={} {:?} max={:?}/{} @{:?} coll={:?} vm={:?} heap={:?} warn={:?}",
          p.file_name().unwrap().to_string_lossy(), gclog::looks_like_gclog(&b[..b.len().min(65536)]), log.lines, log.jdk, log.samples.len(), log.sample_count,
          log.metadata_threshold_gcs, log.metadata_threshold_lines, log.metadata_last_ditch_gcs, log.metadata_last_ditch_lines, log.full_gcs,
          log.metaspace_alloc_failures, log.metaspace_alloc_failure_lines, log.max_metaspace_bytes, log.max_metaspace_unlimited, log.max_metaspace_line, log.collector, log.vm_version, log.heap_metaspace, w.items());
        println!(
            "   flags={:?}",
            log.command_line_flags
                .as_deref()
                .map(|f| &f[..f.len().min(100)])
        );
        println!("   first={:?}\n   last={:?}", first, last);
        let thr: Vec<_> = log
            .samples
            .iter()
            .filter(|s| s.metadata_threshold)
            .map(|s| (s.line, s.gc_id, s.full))
            .collect();
        println!("   thr samples={:?}", thr);
    }
    let mut j: Vec<_> = std::fs::read_dir(root.join("jcmd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    j.sort();
    for p in j {
        let b = std::fs::read(&p).unwrap();
        let (o, w) = jcmd::parse("x", &b);
        println!(
            "== {} warn={:?}",
            p.file_name().unwrap().to_string_lossy(),
            w.items()
        );
        let Some(o) = o else {
            println!("   NONE");
            continue;
        };
        println!("   kind={:?} pid={:?} jvm={:?} loaders={} (rows {}) histo={} (rows {}) total={:?}@{:?} ltotal={:?} spacetypes={:?}", o.kind, o.pid, o.jvm_version, o.loaders.len(), o.loader_rows, o.histogram.len(), o.histogram_rows, o.histogram_total, o.histogram_total_line, o.loader_total, o.space_types);
        println!("   meta={:?}", o.metaspace);
        for r in o
            .loaders
            .iter()
            .take(3)
            .chain(o.loaders.iter().rev().take(3))
        {
            println!("   L {:?}", r);
        }
        for r in o
            .histogram
            .iter()
            .take(2)
            .chain(o.histogram.iter().rev().take(1))
        {
            println!("   H {:?}", r);
        }
        let sc: u64 = o.loaders.iter().map(|r| r.classes).sum();
        let sl: u64 = o.loaders.iter().map(|r| r.loaders).sum();
        let sb: u64 = o.loaders.iter().filter_map(|r| r.bytes).sum();
        let hi: u64 = o.histogram.iter().map(|r| r.instances).sum();
        let hb: u64 = o.histogram.iter().map(|r| r.bytes).sum();
        println!(
            "   sums loaders={} classes={} bytes={} histo inst={} bytes={}",
            sl, sc, sb, hi, hb
        );
    }
}
