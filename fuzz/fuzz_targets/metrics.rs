//! Arbitrary bytes through the metric-file parsers (Prometheus/OpenMetrics
//! text, Prometheus API JSON, Grafana CSV): never a panic, every series in
//! time order with real numbers of timestamps, every cited line inside the
//! input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::metrics(data));
