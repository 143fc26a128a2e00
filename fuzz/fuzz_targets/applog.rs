//! Arbitrary bytes through the container-log scanner: never a panic, and
//! every signal cites a line that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::applog;

fuzz_target!(|data: &[u8]| {
    if let Ok((log, _)) = applog::scan("fuzz", data) {
        let lines = data.split(|&b| b == b'\n').count() as u64;
        for s in &log.signals {
            assert!(s.line >= 1 && s.line <= lines);
        }
    }
});
