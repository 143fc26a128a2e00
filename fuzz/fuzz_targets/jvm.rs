//! Arbitrary bytes through the GC-log, jcmd, NMT and JVM-flag parsers: never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::jvm::{flags, gclog, jcmd, nmt};

fuzz_target!(|data: &[u8]| {
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
});
