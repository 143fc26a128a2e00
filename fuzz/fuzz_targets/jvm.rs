//! Arbitrary bytes through the GC-log, jcmd, NMT and JVM-flag parsers: never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::jvm(data));
