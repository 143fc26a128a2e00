//! The body of every fuzz target, one function per target: `cargo fuzz`
//! runs them on mutated inputs (fuzz_targets/), and the `hostile` test of
//! the oomlens crate replays each target's regressions
//! (fuzz/regressions/<target>/, every input that ever crashed or hung a
//! parser) and corpus through the same
//! functions on stable Rust, in CI. Each panics on a broken invariant.
#![allow(dead_code)]

use oomlens_evidence::applog;
use oomlens_evidence::framing;
use oomlens_evidence::jvm::classload;
use oomlens_evidence::jvm::hsperf;
use oomlens_evidence::jvm::{flags, gclog, jcmd, nmt};
use oomlens_evidence::k8s;
use oomlens_evidence::kernel;
use oomlens_evidence::metrics;
use oomlens_evidence::time::TimeContext;
use oomlens_heap::{ClassDump, Instance, ObjectArray, PrimitiveArray, StackTrace, Visitor};

/// Arbitrary bytes through the container-log scanner: never a panic, and
/// every signal cites a line that exists.
pub fn applog(data: &[u8]) {
    if let Ok((log, _)) = applog::scan("fuzz", data) {
        let lines = data.split(|&b| b == b'\n').count() as u64;
        for s in &log.signals {
            assert!(s.line >= 1 && s.line <= lines);
        }
    }
}

/// Arbitrary bytes through the class-loading log scanner: never a panic, and
/// the families account for every load and unload counted.
pub fn classload(data: &[u8]) {
    let _ = classload::parse_line(data);
    if let Ok((log, _)) = classload::scan("fuzz", data) {
        let loaded: u64 = log.families.iter().map(|f| f.loaded).sum();
        assert_eq!(loaded + log.overflow_loaded, log.loaded);
    }
}

/// Arbitrary single lines through the log framing parser: never a panic.
pub fn framing(data: &[u8]) {
    let f = framing::frame(data);
    for m in f.messages() {
        assert!(!m.contains(&b'\n'));
    }
}

/// Arbitrary bytes through the hsperfdata parser: it must never panic, every
/// counter must come from an entry inside the input, and the warnings stay
/// bounded.
pub fn hsperf(data: &[u8]) {
    if let Ok(p) = hsperf::parse(data) {
        // Entries start after the 32-byte prologue and are 20 bytes or more.
        assert!(p.counters.len() <= data.len().saturating_sub(32) / 20);
        assert!(p.warnings.len() <= 65);
        let _ = hsperf::memory(&p);
    }
}

/// Arbitrary bytes through the GC-log, jcmd, NMT and JVM-flag parsers: never
/// a panic.
pub fn jvm(data: &[u8]) {
    let (log, _) = gclog::parse("fuzz", data);
    assert!(log.samples.len() <= gclog::GcLog::LIMIT.max(2));
    assert!(log.collections.len() <= gclog::GcLog::LIMIT.max(2));
    assert!(log.collection_count >= log.collections.len() as u64);
    for c in &log.collections {
        assert!(c.line >= 1 && c.line <= log.lines);
        assert!(c.pause_ms.is_none_or(|p| p.is_finite() && p >= 0.0));
    }
    let (histograms, _) = jcmd::parse_histograms("fuzz", data);
    assert!(histograms.len() <= jcmd::MAX_HISTOGRAMS);
    let _ = jcmd::parse("fuzz", data);
    let _ = nmt::parse("fuzz", data);
    let _ = flags::parse("fuzz", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = jcmd::parse_size(text);
        let _ = flags::parse_size(text);
        let _ = flags::parse_token(text, Some(1));
    }
}

/// Arbitrary bytes through the describe and object parsers and the
/// quantity parser: never a panic.
pub fn k8s(data: &[u8]) {
    let _ = k8s::parse_describe_objects("fuzz", data);
    let _ = k8s::parse_objects("fuzz", data);
    let _ = k8s::looks_like_pasted(data);
    let _ = k8s::parse_pasted("fuzz", data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = k8s::quantity::memory_bytes(s);
        let _ = k8s::quantity::cpu_millis(s);
    }
}

/// Arbitrary bytes through the kernel OOM report parser: it must never panic,
/// and every report must cite lines that exist.
pub fn kernel(data: &[u8]) {
    let (reports, _) = kernel::parse("fuzz", data, &TimeContext::default());
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for r in reports {
        assert!(r.lines.first >= 1 && r.lines.first <= r.lines.last && r.lines.last <= lines);
    }
}

/// Arbitrary bytes through the metric-file parsers (Prometheus/OpenMetrics
/// text, Prometheus API JSON, Grafana CSV): never a panic, every series in
/// time order with real numbers of timestamps, every cited line inside the
/// input.
pub fn metrics(data: &[u8]) {
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for parse in [
        metrics::parse,
        metrics::parse_text,
        metrics::parse_json,
        metrics::parse_csv,
    ] {
        let (series, _) = parse("fuzz", data);
        for s in &series {
            assert!(s.points.windows(2).all(|w| w[0].0 <= w[1].0));
            if let Some(l) = s.line {
                assert!(l >= 1 && l <= lines);
            }
        }
    }
}

/// Arbitrary bytes through the HPROF record reader, mapped and streamed:
/// never a panic, every reference and field read stays inside the input,
/// where it stops lies inside the input, and both paths read the same.
pub fn hprof(data: &[u8]) {
    #[derive(Default)]
    struct Walk(u64);
    impl Visitor for Walk {
        fn class_dump(&mut self, c: &ClassDump<'_>) {
            self.0 += c.statics().count() as u64 + c.instance_fields().count() as u64;
        }
        fn instance(&mut self, i: &Instance<'_>) {
            self.0 += i.references().count() as u64;
            if let Some(l) = i.layout {
                for f in &l.fields {
                    self.0 += u64::from(i.field(f.name).is_some());
                }
            }
        }
        fn object_array(&mut self, a: &ObjectArray<'_>) {
            self.0 += a.elements().count() as u64;
        }
        fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
            self.0 += a.data.map_or(0, |d| d.len() as u64);
        }
        fn stack_trace(&mut self, t: &StackTrace<'_>) {
            self.0 += t.frames().count() as u64;
        }
    }
    let mut mapped = Walk::default();
    let Ok(a) = oomlens_heap::read_bytes(data, &mut mapped) else {
        return;
    };
    assert!(a.bytes <= data.len() as u64);
    if let Some(s) = &a.stop {
        assert!(s.offset <= data.len() as u64, "{s}");
    }
    let mut streamed = Walk::default();
    let b = oomlens_heap::read_stream(data, &mut streamed).expect("the header read once");
    assert_eq!(a.counts, b.counts);
    assert_eq!(a.stop, b.stop);
    assert_eq!(mapped.0, streamed.0);
}
