#[test]
fn scratch() {
    for l in [
        &b"2023-12-04T10:49:30.127Z In(05) vcpu-5 - Guest: <6>[39291577.009363] Tasks state (memory values in pages):"[..],
        b"> Mar  9 18:14:14 http-service-0 kernel: [295692.212094] oom-kill:constraint=CONSTRAINT_NONE",
        b"Jan  5 02:12:02 iZbp153spuk45ulvkwxf34Z kernel: memory: usage 1048576kB, limit 1048576kB, failcnt 189",
        b"nodemask=(null), order=0, oom_score_adj=999",
        b"  ...",
    ] {
        let f = oomlens_evidence::framing::frame(l);
        eprintln!("{:?} host={:?} stamp={:?} msg={:?}", f.origin, f.host, f.stamp, String::from_utf8_lossy(&f.message));
    }
}
