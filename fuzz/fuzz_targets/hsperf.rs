//! Arbitrary bytes through the hsperfdata parser: it must never panic, every
//! counter must come from an entry inside the input, and the warnings stay
//! bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::jvm::hsperf;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = hsperf::parse(data) {
        // Entries start after the 32-byte prologue and are 20 bytes or more.
        assert!(p.counters.len() <= data.len().saturating_sub(32) / 20);
        assert!(p.warnings.len() <= 65);
        let _ = hsperf::memory(&p);
    }
});
