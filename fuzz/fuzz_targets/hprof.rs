//! Arbitrary bytes through the HPROF record reader, mapped and streamed:
//! never a panic, every read inside the input, and both paths agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::hprof(data));
