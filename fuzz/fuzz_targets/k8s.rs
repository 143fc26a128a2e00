//! Arbitrary bytes through the describe, object and pasted-fragment
//! parsers and the quantity parser: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::k8s;

fuzz_target!(|data: &[u8]| {
    let _ = k8s::parse_describe_objects("fuzz", data);
    let _ = k8s::parse_objects("fuzz", data);
    let _ = k8s::looks_like_pasted(data);
    let _ = k8s::parse_pasted("fuzz", data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = k8s::quantity::memory_bytes(s);
        let _ = k8s::quantity::cpu_millis(s);
    }
});
