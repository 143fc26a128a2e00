//! Arbitrary bytes through the class-loading log scanner: never a panic, and
//! the families account for every load and unload counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::jvm::classload;

fuzz_target!(|data: &[u8]| {
    let _ = classload::parse_line(data);
    if let Ok((log, _)) = classload::scan("fuzz", data) {
        let loaded: u64 = log.families.iter().map(|f| f.loaded).sum();
        assert_eq!(loaded + log.overflow_loaded, log.loaded);
    }
});
