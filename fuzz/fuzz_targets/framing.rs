//! Arbitrary single lines through the log framing parser: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::framing;

fuzz_target!(|data: &[u8]| {
    let f = framing::frame(data);
    for m in f.messages() {
        assert!(!m.contains(&b'\n'));
    }
});
