//! Arbitrary bytes through the hsperfdata parser: it must never panic, every
//! counter must come from an entry inside the input, and the warnings stay
//! bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::hsperf(data));
