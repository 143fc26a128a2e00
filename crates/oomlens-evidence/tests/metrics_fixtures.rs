//! The metrics parsers against every fixture in `tests/fixtures/metrics`:
//! how each file is sniffed, how many series it holds, their names and
//! labels, first and last points with their lines, units, and every warning
//! with its line. The expected values were read off the files with grep and
//! Python's `json` module, not from the parser (see
//! `tests/fixtures/metrics/SOURCES.md` for what each file is).

use std::collections::BTreeMap;
use std::path::PathBuf;

use oomlens_evidence::metrics::{self, Series, CSV, JSON, TEXT};
use oomlens_evidence::Warnings;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/metrics")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Sniffs and parses a fixture; checks the sniffed kind.
fn parse(name: &str, kind: &str) -> (Vec<Series>, Warnings) {
    let bytes = read(name);
    assert_eq!(metrics::sniff(&bytes), Some(kind), "{name}: sniffed as");
    metrics::parse(name, &bytes)
}

/// Parses a fixture that must raise no warning.
fn clean(name: &str, kind: &str) -> Vec<Series> {
    let (series, w) = parse(name, kind);
    assert!(w.is_empty(), "{name}: unexpected warnings {:?}", w.items());
    series
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The one series with this name and these labels.
fn find<'a>(series: &'a [Series], name: &str, pairs: &[(&str, &str)]) -> &'a Series {
    let want = labels(pairs);
    let found: Vec<_> = series
        .iter()
        .filter(|s| s.name == name && s.labels == want)
        .collect();
    assert_eq!(found.len(), 1, "{name}{want:?} in {series:#?}");
    found[0]
}

/// (time, value, line) of the first and last points.
fn ends(s: &Series) -> ((i64, f64, u64), (i64, f64, u64)) {
    let n = s.points.len() - 1;
    (
        (s.points[0].0, s.points[0].1, s.point_lines.get(0).unwrap()),
        (s.points[n].0, s.points[n].1, s.point_lines.get(n).unwrap()),
    )
}

/// (line, message start) of every warning.
fn warned(w: &Warnings) -> Vec<(Option<u64>, String)> {
    w.items()
        .iter()
        .map(|w| (w.line, w.message.clone()))
        .collect()
}

fn assert_warned(name: &str, w: &Warnings, want: &[(Option<u64>, &str)]) {
    let got = warned(w);
    assert_eq!(got.len(), want.len(), "{name}: warnings {got:#?}");
    for ((gl, gm), (wl, wm)) in got.iter().zip(want) {
        assert_eq!(gl, wl, "{name}: line of `{gm}`");
        assert!(gm.contains(wm), "{name}: `{gm}` lacks `{wm}`");
    }
    for item in w.items() {
        assert_eq!(item.source, name);
    }
}

const PROM: [(&str, &str); 2] = [("instance", "127.0.0.1:19090"), ("job", "prometheus")];

// --- Captured from a real Prometheus 2.42 -----------------------------------

#[test]
fn prom_query_range_one_line() {
    let s = clean("prom2.42-query-range-rss.json", JSON);
    assert_eq!(s.len(), 1);
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(rss.points.len(), 24);
    assert_eq!(rss.line, Some(1));
    assert_eq!(
        ends(rss),
        (
            (1_795_733_503_123, 48_705_536.0, 1),
            (1_795_733_618_123, 52_899_840.0, 1)
        )
    );
    assert!(rss.points.windows(2).all(|w| w[1].0 - w[0].0 == 5000));
    assert_eq!(rss.unit, None);
}

#[test]
fn prom_query_range_pretty_reads_the_same_with_lines() {
    let one = clean("prom2.42-query-range-rss.json", JSON);
    let pretty = clean("prom2.42-query-range-rss-pretty.json", JSON);
    assert_eq!(one[0].points, pretty[0].points);
    assert_eq!(one[0].labels, pretty[0].labels);
    let s = &pretty[0];
    // `"metric": {` is on line 7; the pairs open on lines 13, 17, ... 105.
    assert_eq!(s.line, Some(7));
    let want: Vec<u64> = (0..24).map(|k| 13 + 4 * k).collect();
    assert_eq!(s.point_lines, want);
    assert_eq!(ends(s).1, (1_795_733_618_123, 52_899_840.0, 105));
}

#[test]
fn prom_query_range_three_series_step_2_5() {
    let s = clean("prom2.42-query-range-heap-rss-step2.5.json", JSON);
    assert_eq!(s.len(), 3);
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "go_memstats_heap_alloc_bytes",
            "go_memstats_heap_inuse_bytes",
            "process_resident_memory_bytes"
        ]
    );
    for x in &s {
        assert_eq!(x.labels, labels(&PROM));
        assert_eq!(x.points.len(), 25);
        assert_eq!(x.points[1].0, 1_795_733_565_500, "`1795733565.500`");
    }
    let inuse = find(&s, "go_memstats_heap_inuse_bytes", &PROM);
    assert_eq!(
        ends(inuse),
        (
            (1_795_733_563_000, 16_048_128.0, 1),
            (1_795_733_623_000, 13_082_624.0, 1)
        )
    );
    let peak = inuse.points.iter().map(|p| p.1).fold(0.0, f64::max);
    assert_eq!(peak, 18_456_576.0);
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(ends(rss).1 .1, 53_293_056.0);
}

#[test]
fn prom_query_vector() {
    let s = clean("prom2.42-query-rss-vector.json", JSON);
    assert_eq!(s.len(), 1);
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(rss.points, vec![(1_795_733_623_485, 53_293_056.0)]);
    assert_eq!(rss.point_lines, vec![1]);
}

#[test]
fn prom_query_vector_of_inf_and_nan_keeps_no_series() {
    let (s, w) = parse("prom2.42-query-inf-nan-vector.json", JSON);
    assert!(s.is_empty());
    assert_warned(
        "prom2.42-query-inf-nan-vector.json",
        &w,
        &[
            (
                Some(1),
                "{instance=\"127.0.0.1:19090\", job=\"prometheus\"}: 1 NaN or infinite value",
            ),
            (Some(1), "x=\"nan\"}: 1 NaN or infinite value"),
        ],
    );
}

#[test]
fn prom_errors_are_warnings() {
    let (s, w) = parse("prom2.42-error-parse.json", JSON);
    assert!(s.is_empty());
    assert_warned(
        "prom2.42-error-parse.json",
        &w,
        &[(
            Some(1),
            "Prometheus answered an error (bad_data): 1:43: parse error: unclosed left parenthesis",
        )],
    );
    let (s, w) = parse("prom2.42-error-end-before-start.json", JSON);
    assert!(s.is_empty());
    assert_warned(
        "prom2.42-error-end-before-start.json",
        &w,
        &[(
            Some(1),
            "(bad_data): invalid parameter \"end\": end timestamp must not be before start time",
        )],
    );
}

#[test]
fn promtool_json_is_the_bare_result() {
    let s = clean("promtool2.42-query-range-rss.json", JSON);
    assert_eq!(s.len(), 1);
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(rss.points.len(), 7);
    assert_eq!(
        ends(rss),
        (
            (1_795_733_563_000, 50_802_688.0, 1),
            (1_795_733_623_000, 53_293_056.0, 1)
        )
    );
    let s = clean("promtool2.42-query-instant-heap.json", JSON);
    let heap = find(&s, "go_memstats_heap_inuse_bytes", &PROM);
    assert_eq!(heap.points, vec![(1_795_733_623_586, 13_082_624.0)]);
}

#[test]
fn prom_federate_text_with_ms_timestamps() {
    let s = clean("prom2.42-federate-memory.prom", TEXT);
    assert_eq!(s.len(), 8);
    for x in &s {
        assert_eq!(x.labels, labels(&PROM));
        assert_eq!(x.metric_type.as_deref(), Some("untyped"));
        assert_eq!(x.points.len(), 1);
        assert_eq!(x.points[0].0, 1_795_733_621_714);
    }
    let max = find(&s, "process_virtual_memory_max_bytes", &PROM);
    assert_eq!(max.points[0].1, 1.844_674_407_370_955_2e19);
    assert_eq!(max.line, Some(16));
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(ends(rss).0, (1_795_733_621_714, 53_293_056.0, 12));
}

#[test]
fn prom_four_federate_scrapes_concatenated_make_series() {
    let s = clean("prom2.42-federate-x4-concatenated.prom", TEXT);
    assert_eq!(s.len(), 2);
    let inuse = find(&s, "go_memstats_heap_inuse_bytes", &PROM);
    assert_eq!(inuse.point_lines, vec![2, 6, 10, 14]);
    assert_eq!(
        inuse.points,
        vec![
            (1_795_733_626_716, 15_695_872.0),
            (1_795_733_631_714, 16_252_928.0),
            (1_795_733_636_714, 16_736_256.0),
            (1_795_733_641_714, 17_276_928.0),
        ]
    );
    let rss = find(&s, "process_resident_memory_bytes", &PROM);
    assert_eq!(
        ends(rss),
        (
            (1_795_733_626_716, 54_472_704.0, 4),
            (1_795_733_641_714, 54_603_776.0, 16)
        )
    );
}

#[test]
fn prom_own_metrics_scrape_has_no_timestamps() {
    let (s, w) = parse("prom2.42-self-metrics-no-timestamps.prom", TEXT);
    assert!(s.is_empty());
    // 404 sample lines, 201 distinct names (grep -v '^#' | sed | sort -u).
    assert_warned(
        "prom2.42-self-metrics-no-timestamps.prom",
        &w,
        &[(
            Some(3),
            "no sample has a timestamp: this is one scrape, not a time series; 404 samples of 201 metrics skipped",
        )],
    );
}

// --- Public samples ----------------------------------------------------------

#[test]
fn pub_cadvisor_swap_and_usage_from_kubernetes_pr() {
    let s = clean("pub-cadvisor-kubelet-swap-usage-k8s-pr109398.prom", TEXT);
    assert_eq!(s.len(), 8);
    assert_eq!(
        s.iter()
            .filter(|x| x.name == "container_memory_swap")
            .count(),
        6
    );
    let root = [
        ("container", ""),
        ("id", "/"),
        ("image", ""),
        ("name", ""),
        ("namespace", ""),
        ("pod", ""),
    ];
    let swap = find(&s, "container_memory_swap", &root);
    assert_eq!(
        swap.points,
        vec![(1_649_443_996_347, 1.844_674_406_212_78e19)]
    );
    assert_eq!(swap.metric_type.as_deref(), Some("gauge"));
    let usage = find(&s, "container_memory_usage_bytes", &root);
    assert_eq!(ends(usage).0, (1_649_443_996_347, 11_581_751_296.0, 11));
    let coredns = find(
        &s,
        "container_memory_swap",
        &[
            ("container", ""),
            (
                "id",
                "/kubepods/burstable/pod70db910d-4380-4207-a962-ae1636ee9b20",
            ),
            ("image", ""),
            ("name", ""),
            ("namespace", "kube-system"),
            ("pod", "coredns-8c79ffd8b-cmsk2"),
        ],
    );
    assert_eq!(coredns.line, Some(7));
}

#[test]
fn pub_cadvisor_working_set_with_a_line_cut_at_200_bytes() {
    let name = "pub-cadvisor-working-set-cut200-talos-pr3950.prom";
    let (s, w) = parse(name, TEXT);
    assert_eq!(s.len(), 6);
    assert!(s
        .iter()
        .all(|x| x.name == "container_memory_working_set_bytes"));
    let alpine = s
        .iter()
        .find(|x| x.label("pod") == Some("alpine"))
        .unwrap_or_else(|| panic!("no alpine pod"));
    assert_eq!(alpine.points, vec![(1_626_540_107_074, 40_415_232.0)]);
    let ubuntu = s
        .iter()
        .find(|x| x.label("pod") == Some("ubuntu-default"))
        .unwrap_or_else(|| panic!("no ubuntu pod"));
    assert_eq!(ends(ubuntu).0, (1_626_540_110_840, 405_504.0, 7));
    assert_warned(
        name,
        &w,
        &[(Some(6), "not a sample (unterminated quoted string)")],
    );
}

#[test]
fn pub_kubelet_metrics_resource() {
    let name = "pub-kubelet-metrics-resource-ersilia-hub.prom";
    let (s, w) = parse(name, TEXT);
    // 44 timestamped samples, each its own series.
    assert_eq!(s.len(), 44);
    let count = |n: &str| s.iter().filter(|x| x.name == n).count();
    assert_eq!(count("container_memory_working_set_bytes"), 12);
    assert_eq!(count("container_cpu_usage_seconds_total"), 12);
    assert_eq!(count("pod_memory_working_set_bytes"), 9);
    assert_eq!(count("node_memory_working_set_bytes"), 1);
    assert_eq!(count("container_start_time_seconds"), 0);
    let server = find(
        &s,
        "container_memory_working_set_bytes",
        &[
            ("container", "server"),
            ("namespace", "ersilia-core"),
            ("pod", "ersilia-hub-server-78554c56f7-klmrl"),
        ],
    );
    assert_eq!(ends(server).0, (1_750_705_767_237, 197_271_552.0, 28));
    assert_eq!(server.metric_type.as_deref(), Some("gauge"));
    let node = find(&s, "node_memory_working_set_bytes", &[]);
    assert_eq!(node.points, vec![(1_750_705_774_670, 1_137_475_584.0)]);
    let cpu = find(
        &s,
        "container_cpu_usage_seconds_total",
        &[
            ("container", "postgresql"),
            ("namespace", "ersilia-core"),
            ("pod", "ersilia-hub-postgresql-0"),
        ],
    );
    assert_eq!(cpu.metric_type.as_deref(), Some("counter"));
    assert_warned(
        name,
        &w,
        &[
            (
                Some(31),
                "container_start_time_seconds: 12 samples without a timestamp skipped",
            ),
            (
                Some(73),
                "resource_scrape_error: 1 sample without a timestamp skipped",
            ),
        ],
    );
}

#[test]
fn pub_promtool_dump_openmetrics_seconds_with_decimals() {
    let s = clean("pub-promtool-dump-openmetrics-roundtrip.om", TEXT);
    assert_eq!(s.len(), 7);
    let inf = find(
        &s,
        "my_histogram_bucket",
        &[
            ("instance", "localhost:8000"),
            ("job", "example2"),
            ("le", "+Inf"),
        ],
    );
    assert_eq!(
        ends(inf),
        (
            (1_700_215_884_373, 10_267_820_369.0, 1),
            (1_700_215_889_373, 10_268_725_070.0, 2)
        )
    );
    let up = find(
        &s,
        "up",
        &[("instance", "localhost:8000"), ("job", "example2")],
    );
    assert_eq!(
        up.points,
        vec![(1_700_226_034_330, 1.0), (1_700_226_094_329, 1.0)]
    );
    assert_eq!(up.line, Some(11));
    let sum = find(
        &s,
        "my_summary_sum",
        &[("instance", "localhost:8000"), ("job", "example5")],
    );
    assert_eq!(ends(sum).1, (1_700_211_689_984, 52_354_761_848.0, 10));
}

#[test]
fn pub_grafana_series_as_columns_semicolons() {
    let s = clean("pub-grafana-pr4041-series-as-columns.csv", CSV);
    assert_eq!(s.len(), 2);
    let a = find(&s, "valA", &[]);
    assert_eq!(
        ends(a),
        ((1_434_023_400_000, 1.1, 2), (1_434_023_820_000, 0.8, 9))
    );
    let b = find(&s, "valB", &[]);
    assert_eq!(b.points.len(), 8);
    assert_eq!(b.points[2], (1_434_023_520_000, 2.31));
    assert_eq!(b.unit, None);
}

#[test]
fn pub_grafana_series_as_rows_reads_like_columns() {
    let rows = clean("pub-grafana-pr4041-series-as-rows.csv", CSV);
    let cols = clean("pub-grafana-pr4041-series-as-columns.csv", CSV);
    assert_eq!(rows.len(), 2);
    for (r, c) in rows.iter().zip(&cols) {
        assert_eq!(r.name, c.name);
        assert_eq!(r.points, c.points);
    }
    let b = find(&rows, "valB", &[]);
    assert_eq!(b.line, Some(10));
    assert_eq!(ends(b).1, (1_434_023_820_000, 1.5, 17));
}

#[test]
fn pub_grafana_5_rows_quoted_with_thousands_separators() {
    let s = clean(
        "pub-grafana5.4-issue14578-series-as-rows-thousands.csv",
        CSV,
    );
    assert_eq!(s.len(), 1);
    let host = find(&s, "[[tag_host]]", &[]);
    assert_eq!(host.points.len(), 13);
    // 2018-12-12T12:00:00+11:00 and 2018-12-13T00:00:00+11:00.
    assert_eq!(
        ends(host),
        (
            (1_544_576_400_000, 1_721_992_142.283, 2),
            (1_544_619_600_000, 2_209_055_283.617, 14)
        )
    );
    assert_eq!(host.points[11].1, 2_583_357_480.2);
}

#[test]
fn pub_grafana_joined_by_time_label_set_headers() {
    let s = clean("pub-grafana-joined-by-time-sonda-docs.csv", CSV);
    assert_eq!(s.len(), 2);
    let prom = find(
        &s,
        "up",
        &[("instance", "localhost:9090"), ("job", "prometheus")],
    );
    assert_eq!(
        prom.points.iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![1.0, 1.0, 0.0, 1.0, 1.0]
    );
    assert_eq!(
        ends(prom),
        ((1_704_067_200_000, 1.0, 2), (1_704_067_260_000, 1.0, 6))
    );
    let node = find(&s, "up", &[("instance", "localhost:9100"), ("job", "node")]);
    assert_eq!(node.points[3], (1_704_067_245_000, 0.0));
}

// --- Synthesized --------------------------------------------------------------

#[test]
fn synth_openmetrics_escapes_units_nan_inf() {
    let name = "synth-openmetrics-escapes-nan-inf.om";
    let (s, w) = parse(name, TEXT);
    // promtool accepted 7 series; the +Inf-only one has no finite point.
    assert_eq!(s.len(), 6);
    let app = [
        ("container", "app"),
        ("namespace", "shop"),
        ("pod", "app-7d9f8-abc"),
    ];
    let ws = find(&s, "container_memory_working_set_bytes", &app);
    assert_eq!(ws.unit.as_deref(), Some("bytes"));
    assert_eq!(ws.metric_type.as_deref(), Some("gauge"));
    assert_eq!(
        ws.points,
        vec![
            (1_701_496_556_123, 471_859_200.0),
            (1_701_496_571_123, 503_316_480.0),
            (1_701_496_586_123, 534_773_760.0),
            (1_701_496_616_123, 536_870_912.0),
        ]
    );
    assert_eq!(ws.point_lines, vec![4, 5, 6, 8]);
    let sidecar = find(
        &s,
        "container_memory_working_set_bytes",
        &[
            ("container", "sidecar"),
            ("namespace", "shop"),
            ("pod", "app-7d9f8-abc"),
        ],
    );
    assert_eq!(sidecar.points[0].0, 1_701_496_556_500);
    let oom = find(&s, "container_oom_events_total", &app);
    assert_eq!(oom.metric_type.as_deref(), Some("counter"));
    assert_eq!(ends(oom).1, (1_701_496_616_123, 1.0, 19));
    let created = find(&s, "container_oom_events_created", &app);
    assert_eq!(created.points, vec![(1_701_496_556_123, 1_701_490_000.0)]);
    let cache = find(
        &s,
        "app_cache_bytes",
        &[
            ("cache", "quote\"d"),
            ("path", "C:\\data\\cache"),
            ("note", "line1\nline2"),
        ],
    );
    // An integer timestamp in OpenMetrics is seconds.
    assert_eq!(
        cache.points,
        vec![
            (1_701_496_556_000, 1_048_576.0),
            (1_701_496_616_000, 2_097_152.0)
        ]
    );
    assert_eq!(
        cache.selector(),
        r#"app_cache_bytes{cache="quote\"d", note="line1\nline2", path="C:\\data\\cache"}"#
    );
    assert_warned(
        name,
        &w,
        &[
            (
                Some(7),
                "pod=\"app-7d9f8-abc\"}: 1 NaN or infinite value skipped",
            ),
            (
                Some(15),
                "{container=\"unbounded\", namespace=\"shop\", pod=\"app-7d9f8-abc\"}: 1 NaN",
            ),
        ],
    );
}

#[test]
fn synth_prometheus_text_hazards() {
    let name = "synth-prometheus-text-hazards.prom";
    let (s, w) = parse(name, TEXT);
    assert_eq!(s.len(), 5);
    let app1 = find(
        &s,
        "container_memory_rss",
        &[("container", "app"), ("pod", "app-1")],
    );
    // Out of order in the file, sorted; the exact duplicate on line 7 is
    // merged, the conflicting one on line 8 (labels reordered) wins.
    assert_eq!(
        app1.points,
        vec![
            (1_701_496_556_000, 1.0e8),
            (1_701_496_586_000, 2.5e8),
            (1_701_496_616_000, 3.0e8),
            (1_701_496_646_000, 3.5e8),
        ]
    );
    assert_eq!(app1.point_lines, vec![5, 8, 4, 9]);
    assert_eq!(app1.line, Some(4));
    let app2 = find(
        &s,
        "container_memory_rss",
        &[("container", "app"), ("pod", "app-2")],
    );
    assert_eq!(app2.point_lines, vec![11, 13], "blanks in braces; exemplar");
    let utf8 = find(
        &s,
        "container.memory.rss",
        &[("container", "app"), ("pod", "app-8")],
    );
    assert_eq!(utf8.points, vec![(1_701_496_556_000, 7.0)]);
    let rss = find(&s, "process_resident_memory_bytes", &[]);
    assert_eq!(rss.point_lines, vec![20, 21], "tab-separated");
    let avail = find(&s, "node_memory_MemAvailable_bytes", &[]);
    assert_eq!(avail.points, vec![(1_701_496_556_000, 1.0e9)]);
    assert_warned(
        name,
        &w,
        &[
            (Some(15), "not a sample (expected `,` or `}` after a label)"),
            (Some(16), "not a sample (unterminated quoted string)"),
            (Some(17), "`abc` is not a number"),
            (Some(18), "`17014965560xx` is not a timestamp"),
            (Some(22), "integer timestamps too small for milliseconds were read as seconds"),
            (Some(14), "container_memory_rss: 1 sample without a timestamp skipped"),
            (
                Some(8),
                "container_memory_rss{container=\"app\", pod=\"app-1\"}: 1 sample at a time already seen with another value",
            ),
            (
                Some(12),
                "container_memory_rss{container=\"app\", pod=\"app-2\"}: 1 NaN or infinite value skipped",
            ),
        ],
    );
}

#[test]
fn synth_grafana_10_joined_formatted_sizes() {
    let name = "synth-grafana10-joined-by-time-formatted-mib.csv";
    let (s, w) = parse(name, CSV);
    assert_eq!(s.len(), 2);
    let app = find(
        &s,
        "",
        &[
            ("container", "app"),
            ("namespace", "shop"),
            ("pod", "app-7d9f8-abc"),
        ],
    );
    assert_eq!(app.unit.as_deref(), Some("bytes"));
    assert_eq!(app.points.len(), 8, "two empty cells skipped");
    // 2023-12-02 05:50:00 read as UTC.
    assert_eq!(
        ends(app),
        (
            (1_701_496_200_000, 412.0 * MIB, 2),
            (1_701_496_440_000, 38.2 * MIB, 10)
        )
    );
    let peak = app
        .points
        .iter()
        .zip(app.point_lines.iter())
        .max_by(|a, b| a.0 .1.total_cmp(&b.0 .1))
        .map(|(p, l)| (p.1, l));
    assert_eq!(peak, Some((0.5 * GIB, 8)));
    let proxy = find(
        &s,
        "",
        &[
            ("container", "istio-proxy"),
            ("namespace", "shop"),
            ("pod", "app-7d9f8-abc"),
        ],
    );
    assert_eq!(proxy.points.len(), 8);
    assert_eq!(proxy.points[0].1, 31.2 * MIB);
    assert_warned(
        name,
        &w,
        &[(
            Some(2),
            "times like `2023-12-02 05:50:00` have no zone: read as UTC",
        )],
    );
}

#[test]
fn synth_grafana_excel_header_semicolons_table() {
    let name = "synth-grafana-excel-semicolon-table.csv";
    let (s, w) = parse(name, CSV);
    assert_eq!(s.len(), 2);
    let abc = find(
        &s,
        "Value",
        &[("container", "app"), ("pod", "app-7d9f8-abc")],
    );
    assert_eq!(
        ends(abc),
        ((1_701_496_200_000, 52.1, 3), (1_701_496_380_000, 99.7, 9))
    );
    let xyz = find(
        &s,
        "Value",
        &[("container", "app"), ("pod", "app-7d9f8-xyz")],
    );
    assert_eq!(xyz.points.len(), 3);
    assert_eq!(xyz.line, Some(4));
    assert_warned(
        name,
        &w,
        &[(Some(10), "column `Value`: `not a number` is not a number")],
    );
}

#[test]
fn synth_grafana_percent_epoch_seconds() {
    let s = clean("synth-grafana-percent-of-limit-epoch-seconds.csv", CSV);
    assert_eq!(s.len(), 2);
    let abc = find(&s, "app-7d9f8-abc", &[]);
    assert_eq!(abc.unit.as_deref(), Some("percent"));
    assert_eq!(
        abc.points,
        vec![
            (1_701_496_200_000, 42.0),
            (1_701_496_230_000, 57.5),
            (1_701_496_260_000, 81.0),
            (1_701_496_290_000, 99.2),
        ]
    );
    let xyz = find(&s, "app-7d9f8-xyz", &[]);
    assert_eq!(xyz.point_lines, vec![2, 3, 5]);
}

// --- Every file -----------------------------------------------------------------

/// Every fixture is covered by a test above and described in SOURCES.md.
#[test]
fn every_fixture_is_tested_and_described() {
    let this = include_str!("metrics_fixtures.rs");
    let sources = std::fs::read_to_string(dir().join("SOURCES.md")).unwrap_or_default();
    let mut n = 0;
    for entry in std::fs::read_dir(dir()).unwrap_or_else(|e| panic!("{e}")) {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "SOURCES.md" {
            continue;
        }
        n += 1;
        assert!(this.contains(&format!("\"{name}\"")), "{name} has no test");
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} not in SOURCES.md"
        );
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        assert!(len < 200 * 1024, "{name} is {len} bytes");
    }
    assert!(n >= 24, "only {n} fixtures");
}

/// CRLF line ends and a byte-order mark change nothing.
#[test]
fn fixtures_read_the_same_with_crlf_and_bom() {
    for entry in std::fs::read_dir(dir()).unwrap_or_else(|e| panic!("{e}")) {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "SOURCES.md" {
            continue;
        }
        let bytes = read(&name);
        let (plain, pw) = metrics::parse(&name, &bytes);
        let mut crlf = b"\xef\xbb\xbf".to_vec();
        let mut prev = 0u8;
        for &b in &bytes {
            if b == b'\n' && prev != b'\r' {
                crlf.push(b'\r');
            }
            crlf.push(b);
            prev = b;
        }
        let (other, ow) = metrics::parse(&name, &crlf);
        assert_eq!(other, plain, "{name}");
        assert_eq!(warned(&ow), warned(&pw), "{name}");
    }
}

/// No other evidence of the project (kernel logs, GC and class-loading logs,
/// jcmd and NMT output, application logs, Kubernetes objects) is taken for
/// metrics; a `.prom` page or an `oomlens sample` file (`.om`) among them
/// is.
#[test]
fn other_evidence_is_not_metrics() {
    let root = dir().join("..");
    let mut stack = vec![root];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                if !p.ends_with("metrics") {
                    stack.push(p);
                }
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            let head = &bytes[..bytes.len().min(64 * 1024)];
            n += 1;
            // A Prometheus page kept with other evidence (the cAdvisor page
            // a collect bundle holds) or the OpenMetrics `oomlens sample`
            // wrote beside a JVM capture is metrics wherever it lies.
            if p.extension().is_some_and(|e| e == "prom" || e == "om") {
                assert!(metrics::sniff(head).is_some(), "{}", p.display());
            } else {
                assert_eq!(metrics::sniff(head), None, "{}", p.display());
            }
        }
    }
    assert!(n > 100, "only {n} files");
}
