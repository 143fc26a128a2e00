//! Arbitrary bytes through the class-loading log scanner: never a panic, and
//! the families account for every load and unload counted.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::classload(data));
