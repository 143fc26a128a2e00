//! Arbitrary bytes through the metric-file parsers (Prometheus/OpenMetrics
//! text, Prometheus API JSON, Grafana CSV): never a panic, every series in
//! time order with real numbers of timestamps, every cited line inside the
//! input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomlens_evidence::metrics;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for parse in [metrics::parse, metrics::parse_text, metrics::parse_json, metrics::parse_csv] {
        let (series, _) = parse("fuzz", data);
        for s in &series {
            assert!(s.points.windows(2).all(|w| w[0].0 <= w[1].0));
            if let Some(l) = s.line {
                assert!(l >= 1 && l <= lines);
            }
        }
    }
});
