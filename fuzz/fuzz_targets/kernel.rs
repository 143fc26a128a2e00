//! Arbitrary bytes through the kernel OOM report parser: it must never panic,
//! and every report must cite lines that exist.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::kernel(data));
