use oomlens_evidence::jvm::{gclog, jcmd};
#[test]
fn other_fixtures() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    for d in ["applog", "kernel", "k8s", "classload", "jvm"] {
        let mut v: Vec<_> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        for p in v {
            let b = std::fs::read(&p).unwrap();
            let h = &b[..b.len().min(65536)];
            if gclog::looks_like_gclog(h) || jcmd::sniff(h).is_some() {
                println!(
                    "{} gc={} jcmd={:?}",
                    p.display(),
                    gclog::looks_like_gclog(h),
                    jcmd::sniff(h)
                );
            }
        }
    }
}
