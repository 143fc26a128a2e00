//! Arbitrary bytes through the kernel OOM report parser: it must never panic,
//! and every report must cite lines that exist.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::kernel;
use oomlens_evidence::time::TimeContext;

fuzz_target!(|data: &[u8]| {
    let (reports, _) = kernel::parse("fuzz", data, &TimeContext::default());
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for r in reports {
        assert!(r.lines.first >= 1 && r.lines.first <= r.lines.last && r.lines.last <= lines);
    }
});
