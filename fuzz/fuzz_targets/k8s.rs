//! Arbitrary bytes through the describe, object and pasted-fragment
//! parsers and the quantity parser: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::k8s(data));
