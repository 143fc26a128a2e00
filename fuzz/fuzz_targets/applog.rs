//! Arbitrary bytes through the container-log scanner: never a panic, and
//! every signal cites a line that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::applog(data));
