//! End to end against real servers: a fleet's cAdvisor and
//! kube-state-metrics series over 50 hours at one-minute resolution, served
//! by `prometheus` (backfilled with promtool) and by `victoria-metrics`
//! (imported as Prometheus text), and ranked by `oomlens scan`; the same
//! assertions hold against both. Every container's shape is known, so the
//! ranking and the numbers can be checked: the killed and the leaking
//! first, the growth within 10% of what was generated, the time until the
//! peaks reach the limit, page cache and steady ones low, pods deleted or
//! replaced neither projected nor at risk.

mod support;

use std::process::{Command, Output};

use serde_json::Value;
use support::prometheus::{
    require_prometheus, require_victoria_metrics, OpenMetrics, Prometheus, VictoriaMetrics,
};

const MIB: f64 = 1024.0 * 1024.0;
/// Hours of data; the scans look at the last 48.
const HOURS: i64 = 50;

#[derive(Clone, Copy)]
enum Shape {
    /// Floor rising `rate` MiB/h from `base`, with a GC sawtooth of `saw` MiB.
    Leak {
        base: f64,
        rate: f64,
        saw: f64,
    },
    Steady {
        mib: f64,
    },
    /// A garbage collector's sawtooth (7-minute period) without growth.
    Sawtooth {
        floor: f64,
        amp: f64,
    },
    /// Working set flat; page cache grows `rate` MiB/h until usage meets
    /// the limit, then the cgroup reclaims (failcnt rises).
    PageCache {
        ws: f64,
        rate: f64,
    },
    /// Flat near the limit, failcnt rising `per_hour`.
    Undersized {
        ws: f64,
        per_hour: f64,
    },
    /// Leaks `rate` MiB/h from `base` to the limit, is OOM-killed, restarts.
    Killed {
        base: f64,
        rate: f64,
    },
    /// Steady, then one spike to the limit at hour `at`: OOM-killed.
    Spike {
        mib: f64,
        at: f64,
    },
    /// Steady; one restart at hour `at` with `reason`.
    Restart {
        mib: f64,
        at: f64,
        reason: &'static str,
    },
    /// From `mib`, rising `rate` MiB/h; the pod is gone from hour `until`
    /// (deleted, or replaced by a new one).
    Gone {
        mib: f64,
        rate: f64,
        until: f64,
    },
}

struct C {
    ns: &'static str,
    pod: &'static str,
    container: &'static str,
    limit_mib: Option<f64>,
    shape: Shape,
    /// Whether cAdvisor has `container_oom_events_total` for it.
    oom_events: bool,
}

const fn c(
    ns: &'static str,
    pod: &'static str,
    container: &'static str,
    limit_mib: Option<f64>,
    shape: Shape,
) -> C {
    C {
        ns,
        pod,
        container,
        limit_mib,
        shape,
        oom_events: true,
    }
}

fn fleet() -> Vec<C> {
    use Shape::*;
    vec![
        c(
            "shop",
            "cart-5d8f7b9c4-x2x7q",
            "app",
            Some(2048.0),
            Leak {
                base: 700.0,
                rate: 20.0,
                saw: 100.0,
            },
        ),
        c(
            "shop",
            "cart-5d8f7b9c4-x2x7q",
            "istio-proxy",
            Some(256.0),
            Steady { mib: 90.0 },
        ),
        c(
            "shop",
            "search-6c9d8f5b7-abcde",
            "app",
            Some(4096.0),
            Leak {
                base: 1000.0,
                rate: 5.0,
                saw: 50.0,
            },
        ),
        c(
            "shop",
            "web-7b5c6d4f8-fghij",
            "nginx",
            Some(512.0),
            Steady { mib: 120.0 },
        ),
        c(
            "shop",
            "api-84f6d9c7b-klmno",
            "jvm",
            Some(2048.0),
            Sawtooth {
                floor: 800.0,
                amp: 400.0,
            },
        ),
        c(
            "shop",
            "payments-7f9c6b8d5-z1z2z",
            "app",
            Some(1024.0),
            Killed {
                base: 300.0,
                rate: 52.0,
            },
        ),
        c(
            "batch",
            "etl-6f7d8c9b4-pqrst",
            "worker",
            Some(1024.0),
            PageCache {
                ws: 300.0,
                rate: 50.0,
            },
        ),
        c(
            "batch",
            "report-59c7f8d6b-uvwxy",
            "app",
            Some(512.0),
            Undersized {
                ws: 495.0,
                per_hour: 30.0,
            },
        ),
        c(
            "batch",
            "old-job-28f9x",
            "worker",
            Some(1024.0),
            Gone {
                mib: 200.0,
                rate: 0.0,
                until: 30.0,
            },
        ),
        // The cart's pod of the previous rollout, replaced at hour 35 while
        // it leaked: had it lived on, its limit was near at the scan.
        c(
            "shop",
            "cart-6b7c8d9e5-r8r8r",
            "app",
            Some(1024.0),
            Gone {
                mib: 300.0,
                rate: 15.0,
                until: 35.0,
            },
        ),
        C {
            oom_events: false,
            ..c(
                "infra",
                "fluentd-k8x2p",
                "fluentd",
                Some(512.0),
                Spike {
                    mib: 200.0,
                    at: 40.0,
                },
            )
        },
        c(
            "infra",
            "coredns-5d78c9869d-aaaaa",
            "coredns",
            Some(170.0),
            Restart {
                mib: 30.0,
                at: 30.0,
                reason: "Error",
            },
        ),
        c(
            "infra",
            "redis-0",
            "redis",
            Some(1024.0),
            Restart {
                mib: 400.0,
                at: 1.0,
                reason: "OOMKilled",
            },
        ),
        c(
            "infra",
            "node-exporter-bbbbb",
            "node-exporter",
            None,
            Steady { mib: 25.0 },
        ),
    ]
}

/// Deterministic noise in [-1, 1].
fn noise(i: usize, m: i64) -> f64 {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (m as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x % 20001) as f64 / 10000.0 - 1.0
}

/// One sample time of one container.
struct State {
    ws: f64,
    usage: f64,
    failcnt: f64,
    kills: f64,
    restarts: f64,
    reason: Option<&'static str>,
}

fn state(i: usize, c: &C, m: i64) -> Option<State> {
    let h = m as f64 / 60.0;
    let n = noise(i, m);
    let limit = c.limit_mib.unwrap_or(f64::INFINITY);
    let mut s = State {
        ws: 0.0,
        usage: 0.0,
        failcnt: 0.0,
        kills: 0.0,
        restarts: 0.0,
        reason: None,
    };
    match c.shape {
        Shape::Leak { base, rate, saw } => {
            s.ws = base + rate * h + saw * (h * 6.0).fract() + 2.0 * n;
        }
        Shape::Steady { mib } => s.ws = mib + 3.0 * n,
        Shape::Sawtooth { floor, amp } => s.ws = floor + amp * (m as f64 / 7.0).fract() + 2.0 * n,
        Shape::PageCache { ws, rate } => {
            s.ws = ws + 3.0 * n;
            let room = limit - s.ws - 4.0;
            s.usage = s.ws + (rate * h).min(room);
            let full_at = (limit - 4.0 - ws) / rate;
            s.failcnt = (20.0 * (h - full_at)).max(0.0).floor();
        }
        Shape::Undersized { ws, per_hour } => {
            s.ws = ws + 4.0 * n;
            s.failcnt = (per_hour * h).floor();
        }
        Shape::Killed { base, rate } => {
            let life = (limit - base) / rate;
            let kills = (h / life).floor();
            s.ws = (base + rate * (h - kills * life) + 2.0 * n).min(limit);
            s.kills = kills;
            s.restarts = kills;
            s.reason = (kills > 0.0).then_some("OOMKilled");
        }
        Shape::Spike { mib, at } => {
            s.ws = mib + 3.0 * n;
            if h >= at - 0.2 && h < at {
                s.ws = mib + (limit - mib) * (h - (at - 0.2)) / 0.2;
            }
            if h >= at {
                s.kills = 1.0;
                s.restarts = 1.0;
                s.reason = Some("OOMKilled");
            }
        }
        Shape::Restart { mib, at, reason } => {
            s.ws = mib + 3.0 * n;
            if h >= at {
                s.restarts = 1.0;
                s.reason = Some(reason);
                if reason == "OOMKilled" {
                    s.kills = 1.0;
                }
            }
        }
        Shape::Gone { mib, rate, until } => {
            if h >= until {
                return None;
            }
            s.ws = mib + rate * h + 3.0 * n;
        }
    }
    if s.usage == 0.0 {
        s.usage = s.ws + 30.0;
    }
    s.ws *= MIB;
    s.usage *= MIB;
    Some(s)
}

/// The fleet's series, ending at `end_ms`.
fn series(end_ms: i64) -> OpenMetrics {
    let mut om = OpenMetrics::default();
    let start = end_ms - HOURS * 3_600_000;
    for (i, c) in fleet().iter().enumerate() {
        let cad = format!(
            r#"container="{}",id="/kubepods.slice/pod{i}/cri-containerd-{i:064x}.scope",image="registry.example/{}:1.{i}",namespace="{}",pod="{}""#,
            c.container, c.container, c.ns, c.pod
        );
        let ksm = format!(
            r#"container="{}",namespace="{}",pod="{}",uid="00000000-0000-0000-0000-{i:012}""#,
            c.container, c.ns, c.pod
        );
        let limit = c.limit_mib.map_or(0.0, |l| l * MIB);
        for m in 0..=HOURS * 60 {
            let t = start + m * 60_000;
            let Some(s) = state(i, c, m) else { continue };
            om.sample("container_memory_working_set_bytes", &cad, t, s.ws.round());
            om.sample("container_memory_usage_bytes", &cad, t, s.usage.round());
            om.sample("container_spec_memory_limit_bytes", &cad, t, limit);
            om.sample("container_memory_failcnt", &cad, t, s.failcnt);
            if c.oom_events {
                om.sample("container_oom_events_total", &cad, t, s.kills);
            }
            if c.limit_mib.is_some() {
                om.sample(
                    "kube_pod_container_resource_limits",
                    &format!(r#"{ksm},resource="memory",unit="byte""#),
                    t,
                    limit,
                );
            }
            om.sample(
                "kube_pod_container_status_restarts_total",
                &ksm,
                t,
                s.restarts,
            );
            if let Some(r) = s.reason {
                om.sample(
                    "kube_pod_container_status_last_terminated_reason",
                    &format!(r#"{ksm},reason="{r}""#),
                    t,
                    1.0,
                );
            }
            // The pod's own cgroup and the pause container, which a scan
            // must leave out.
            if i == 0 {
                for (ctr, v) in [("", s.ws + 100.0 * MIB), ("POD", MIB)] {
                    let labels = format!(
                        r#"container="{ctr}",id="/kubepods.slice/pod{i}",namespace="{}",pod="{}""#,
                        c.ns, c.pod
                    );
                    om.sample("container_memory_working_set_bytes", &labels, t, v.round());
                }
            }
        }
    }
    om
}

fn scan(url: &str, args: &[&str]) -> Output {
    Command::new(support::oomlens())
        .args(["scan", "--prometheus", url])
        .args(args)
        .output()
        .expect("run oomlens")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn find<'a>(doc: &'a Value, pod: &str, container: &str) -> (usize, &'a Value) {
    doc["containers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, c)| c["pod"] == pod && c["container"] == container)
        .unwrap_or_else(|| panic!("{pod}/{container} missing from {doc:#}"))
}

/// The data's end: now, to the minute.
fn data_end_ms() -> i64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    now_ms / 60_000 * 60_000
}

#[test]
fn a_real_prometheus_fleet_is_ranked_by_oom_risk() {
    if !require_prometheus() {
        return;
    }
    let t0 = std::time::Instant::now();
    let end_ms = data_end_ms();
    let om = series(end_ms);
    let prom = Prometheus::start(&om);
    eprintln!(
        "{} samples backfilled in {:.1} s, server ready in {:.1} s",
        om.samples,
        prom.backfill.as_secs_f64(),
        prom.startup.as_secs_f64()
    );
    fleet_is_ranked(&prom.url, end_ms);
    eprintln!("test took {:.1} s", t0.elapsed().as_secs_f64());
    drop(prom);
}

#[test]
fn a_real_victoria_metrics_fleet_is_ranked_by_oom_risk() {
    if !require_victoria_metrics() {
        return;
    }
    let t0 = std::time::Instant::now();
    let end_ms = data_end_ms();
    let om = series(end_ms);
    let vm = VictoriaMetrics::start(&om);
    eprintln!(
        "server ready in {:.1} s, {} samples imported in {:.1} s",
        vm.startup.as_secs_f64(),
        om.samples,
        vm.import.as_secs_f64()
    );
    fleet_is_ranked(&vm.url, end_ms);
    eprintln!("test took {:.1} s", t0.elapsed().as_secs_f64());
    drop(vm);
}

/// The scans of [`series`] ending at `end_ms`, served at `url`, and what
/// they must find.
fn fleet_is_ranked(url: &str, end_ms: i64) {
    let at = (end_ms / 1000).to_string();

    let out = scan(url, &["--window", "2d", "--at", &at, "-f", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "containers are at risk: exit 0; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["schema"], "oomlens/scan/v1");
    assert_eq!(doc["window"], "2d");
    assert_eq!(doc["window_seconds"], 172_800);
    let queries = doc["queries"].as_array().unwrap();
    assert!(queries.len() <= 20, "{} queries", queries.len());
    // The same scan as a page: the five riskiest in the JSON's order, each
    // with a chart of the working set's floor as the server computed it.
    let page = scan(
        url,
        &["--window", "2d", "--at", &at, "-f", "html", "--top", "5"],
    );
    assert_eq!(page.status.code(), Some(0));
    let html = String::from_utf8(page.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let mut from = 0;
    for c in doc["containers"].as_array().unwrap().iter().take(5) {
        let name = format!(
            "{}/{}/{}",
            c["namespace"].as_str().unwrap(),
            c["pod"].as_str().unwrap(),
            c["container"].as_str().unwrap()
        );
        let at = html[from..]
            .find(&format!("{name} <span class=\"verdict\">"))
            .unwrap_or_else(|| panic!("{name} not next among the riskiest"));
        from += at + 1;
    }
    let sparks: Vec<&str> = html.split("data-chart=\"spark\"").skip(1).collect();
    assert_eq!(sparks.len(), 5);
    for s in &sparks {
        let floor = s
            .split("<polyline ")
            .find(|t| t.contains("stroke=\"#1F77B4\""))
            .expect("a floor line");
        let n = floor
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split_whitespace()
            .count();
        assert!(n >= 10, "{n} points");
    }
    for q in queries {
        assert!(q["error"].is_null(), "{q}");
        assert!(q["seconds"].as_f64().unwrap() >= 0.0);
        assert!(q["query"]
            .as_str()
            .unwrap()
            .contains("by (namespace, pod, container)"));
    }
    // The exact OOM-restart count ran, for the two killed containers only.
    let oom = queries
        .iter()
        .find(|q| q["name"] == "oom_restarts")
        .expect("phase two ran");
    assert_eq!(oom["series"], 2, "{oom}");

    let list = doc["containers"].as_array().unwrap();
    let names: Vec<String> = list
        .iter()
        .map(|c| {
            format!(
                "{}/{} {} {}",
                c["pod"].as_str().unwrap(),
                c["container"].as_str().unwrap(),
                c["verdict"],
                c["risk"]
            )
        })
        .collect();
    eprintln!("{}", names.join("\n"));
    // Fourteen containers: not the pod's cgroup nor the pause container.
    assert_eq!(list.len(), 14, "{names:#?}");
    assert!(list
        .iter()
        .all(|c| c["container"] != "" && c["container"] != "POD"));
    assert_eq!(doc["summary"]["containers"], 14);
    assert_eq!(doc["summary"]["at_risk"], 3, "{names:#?}");
    assert_eq!(doc["summary"]["stopped_reporting"], 2, "{names:#?}");

    // Killed first (3 kills, then 1), then the leak that reaches its limit
    // within the window.
    let (r, payments) = find(&doc, "payments-7f9c6b8d5-z1z2z", "app");
    assert_eq!(r, 0, "{names:#?}");
    assert_eq!(payments["oom_kills"], 3);
    assert_eq!(payments["restarts"], 3);
    assert_eq!(payments["verdict"], "oom-killed");
    assert_eq!(payments["at_risk"], true);
    assert_eq!(payments["risk"], 97.5);
    assert_eq!(payments["lives"], 4, "{payments:#}");
    let (r, fluentd) = find(&doc, "fluentd-k8x2p", "fluentd");
    assert_eq!(r, 1, "{names:#?}");
    assert_eq!(fluentd["oom_kills"], 1);
    assert_eq!(
        fluentd["oom_kills_source"], "kube-state-metrics",
        "no cAdvisor OOM events: from kube-state-metrics alone"
    );
    let (r, leak) = find(&doc, "cart-5d8f7b9c4-x2x7q", "app");
    assert_eq!(r, 2, "{names:#?}");
    assert_eq!(leak["verdict"], "leak");
    assert_eq!(leak["at_risk"], true);
    assert_eq!(leak["oom_kills"], 0);
    let growth = leak["growth_bytes_per_hour"].as_f64().unwrap() / MIB;
    assert!(
        (growth - 20.0).abs() <= 2.0,
        "generated +20 MiB/h, measured {growth}"
    );
    // The floor ends near 1700 MiB of 2048 (17 h away at 20 MiB/h), but
    // the sawtooth peaks 90 MiB above it (a 100 MiB tooth sampled each
    // minute): they reach the limit at hour 62.9, 12.9 h after the end
    // (within an hour-long envelope window either way; the floor alone
    // would say 17 h).
    let ttl_h = leak["time_to_limit_seconds"].as_f64().unwrap() / 3600.0;
    assert!((11.0..=15.0).contains(&ttl_h), "time to limit {ttl_h} h");
    let excess = leak["peak_excess_bytes"].as_f64().unwrap() / MIB;
    assert!((80.0..=100.0).contains(&excess), "peak excess {excess} MiB");
    assert_eq!(leak["limit_bytes"], 2048u64 << 20);
    assert_eq!(leak["limit_source"], "cadvisor");
    let ws = leak["working_set_bytes"].as_f64().unwrap() / MIB;
    assert!((1690.0..1810.0).contains(&ws), "{ws}");

    // The slow leak grows, but its limit is weeks away: not at risk.
    let (_, slow) = find(&doc, "search-6c9d8f5b7-abcde", "app");
    assert_eq!(slow["verdict"], "leak");
    assert_eq!(slow["at_risk"], false);
    let growth = slow["growth_bytes_per_hour"].as_f64().unwrap() / MIB;
    assert!(
        (growth - 5.0).abs() <= 0.5,
        "generated +5 MiB/h, measured {growth}"
    );
    let ttl_d = slow["time_to_limit_seconds"].as_f64().unwrap() / 86400.0;
    assert!((20.0..30.0).contains(&ttl_d), "{ttl_d} days");

    // Undersized: flagged, ranked right after those at risk.
    let (r, under) = find(&doc, "report-59c7f8d6b-uvwxy", "app");
    assert_eq!(under["verdict"], "undersized-limit");
    assert_eq!(r, 3, "{names:#?}");
    assert_eq!(under["failcnt"], 1440);
    assert_eq!(under["growing"], false);

    // No growth read into a sawtooth, page cache, or noise.
    for (pod, ctr) in [
        ("api-84f6d9c7b-klmno", "jvm"),
        ("etl-6f7d8c9b4-pqrst", "worker"),
        ("web-7b5c6d4f8-fghij", "nginx"),
        ("cart-5d8f7b9c4-x2x7q", "istio-proxy"),
    ] {
        let (_, x) = find(&doc, pod, ctr);
        assert_eq!(x["growing"], false, "{x:#}");
        assert!(x["time_to_limit_seconds"].is_null());
        let g = x["growth_bytes_per_hour"].as_f64().unwrap().abs() / MIB;
        assert!(g < 1.0, "{pod}: {g} MiB/h");
    }
    let (r_cache, cache) = find(&doc, "etl-6f7d8c9b4-pqrst", "worker");
    assert_eq!(cache["verdict"], "page-cache");
    assert!(cache["failcnt"].as_u64().unwrap() > 0);
    let (r_nginx, nginx) = find(&doc, "web-7b5c6d4f8-fghij", "nginx");
    assert_eq!(nginx["verdict"], "steady");
    // Page cache and steady ones in the bottom half.
    assert!(
        r_cache >= list.len() / 2 && r_nginx >= list.len() / 2,
        "{names:#?}"
    );
    let (_, saw) = find(&doc, "api-84f6d9c7b-klmno", "jvm");
    assert_eq!(saw["verdict"], "steady");
    let peak = saw["max_working_set_bytes"].as_f64().unwrap() / MIB;
    assert!((1130.0..1210.0).contains(&peak), "{peak}");

    // A non-OOM restart, and an OOM kill before the window, are no kills.
    let (_, dns) = find(&doc, "coredns-5d78c9869d-aaaaa", "coredns");
    assert_eq!(
        (dns["restarts"].as_u64(), dns["oom_kills"].as_u64()),
        (Some(1), Some(0))
    );
    let (_, redis) = find(&doc, "redis-0", "redis");
    assert_eq!(redis["oom_kills"], 0);
    assert_eq!(redis["verdict"], "steady");
    // No limit anywhere: last of those still reporting, and said so.
    let (r, ne) = find(&doc, "node-exporter-bbbbb", "node-exporter");
    assert_eq!(ne["verdict"], "no-limit");
    assert!(ne["limit_bytes"].is_null());
    assert_eq!(r, list.len() - 3, "{names:#?}");
    // Gone since hour 30 and 35: still listed from their history, below
    // every container reporting, with when they stopped (the end of the
    // last hour-long envelope window with samples).
    let (r_gone, gone) = find(&doc, "old-job-28f9x", "worker");
    assert!(gone["working_set_bytes"].is_null());
    assert!(gone["max_working_set_bytes"].as_f64().unwrap() > 190.0 * MIB);
    let (r_old, old) = find(&doc, "cart-6b7c8d9e5-r8r8r", "app");
    let mut last = [r_gone, r_old];
    last.sort_unstable();
    assert_eq!(last, [list.len() - 2, list.len() - 1], "{names:#?}");
    let start_ms = end_ms - HOURS * 3_600_000;
    for (x, hour) in [(gone, 30), (old, 35)] {
        assert_eq!(x["stopped_reporting"], true, "{x:#}");
        assert_eq!(x["at_risk"], false, "{x:#}");
        assert!(x["time_to_limit_seconds"].is_null(), "not projected: {x:#}");
        let when: jiff::Timestamp = x["last_reported"].as_str().unwrap().parse().unwrap();
        let after_ms = when.as_millisecond() - (start_ms + hour * 3_600_000);
        assert!((0..=3_600_000).contains(&after_ms), "{x:#}");
        assert!(
            x["why"].as_str().unwrap().contains("stopped reporting by"),
            "{x:#}"
        );
    }
    // The replaced pod leaked at 15 MiB/h: projected from hour 35 it would
    // have reached its limit before the scan.
    assert_eq!(old["verdict"], "leak", "{old:#}");
    assert!(list[..list.len() - 2]
        .iter()
        .all(|c| c["stopped_reporting"] == false));

    // --namespace keeps one namespace (and the scan's time defaults to now,
    // a few seconds after the data's end).
    let out = scan(
        url,
        &["--window", "2d", "--namespace", "batch", "-f", "json"],
    );
    let doc = json(&out);
    let pods: Vec<&str> = doc["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pod"].as_str().unwrap())
        .collect();
    assert_eq!(pods.len(), 3, "{pods:?}");
    assert!(doc["containers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["namespace"] == "batch"));
    assert!(doc["queries"].as_array().unwrap().iter().all(|q| q["query"]
        .as_str()
        .unwrap()
        .contains(r#"namespace="batch""#)));
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing at risk in batch: exit 1"
    );
    assert!(doc["queries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| q["name"] != "oom_restarts"));

    // --selector, and the text output with its queries at the end.
    let out = scan(
        url,
        &[
            "--window",
            "2d",
            "--at",
            &at,
            "--selector",
            r#"namespace=~"shop|infra",container!="istio-proxy""#,
            "-f",
            "text",
            "--top",
            "4",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("10 containers, 3 at risk, 1 stopped reporting (ranked last)"),
        "{text}"
    );
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("oom-killed") || l.contains("  leak  "))
        .collect();
    assert!(rows.len() >= 3, "{text}");
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .contains("payments-7f9c6b8d5-z1z2z"),
        "{text}"
    );
    assert!(text.contains("(the 4 riskiest of 10;"), "{text}");
    assert!(!text.lines().any(|l| l.contains(" istio-proxy ")), "{text}");
    assert!(text.contains("queries (2 at a time)"), "{text}");
    assert!(text.contains("working_set_floor"), "{text}");
    eprintln!("{text}");

    // A bad selector is refused before any query.
    let out = scan(url, &["--selector", "team=payments"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not quoted"));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let port = support::prometheus::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let out = Command::new(support::oomlens())
        .args(["scan", "--prometheus", &url, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot reach the Prometheus server at {url}")),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
fn certificates(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=oomlens test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// bcrypt of `oomlens-test` (cost 4, to keep the server's checks fast).
const PASSWORD_HASH: &str = "$2b$04$paWUjDlJr7q5lMHIicDnlu8p0Rtl7b8NqphnCCqtJ9aKb2jwcS7V2";

#[test]
fn tls_with_a_ca_file_and_basic_auth_from_the_environment() {
    if !require_prometheus() || !support::require_program("openssl", "openssl") {
        return;
    }
    let certs = support::TempDir::new("oomlens-certs");
    certificates(certs.path());
    let web = format!(
        "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  oomlens: {PASSWORD_HASH}\n",
        certs.path().join("server.crt").display(),
        certs.path().join("server.key").display()
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let end_ms = now_ms / 60_000 * 60_000;
    let prom = Prometheus::start_with(&series(end_ms), Some(&web));
    assert!(prom.url.starts_with("https://"));
    let at = (end_ms / 1000).to_string();
    let ca = certs.path().join("ca.crt");
    let ca = ca.to_str().unwrap();
    let run = |args: &[&str], user: Option<(&str, &str)>| {
        let mut c = Command::new(support::oomlens());
        c.args([
            "scan",
            "--prometheus",
            &prom.url,
            "--window",
            "2d",
            "--at",
            &at,
            "-f",
            "json",
        ])
        .args(args)
        .env_remove("OOMLENS_PROMETHEUS_TOKEN")
        .env_remove("OOMLENS_PROMETHEUS_USER")
        .env_remove("OOMLENS_PROMETHEUS_PASSWORD");
        if let Some((u, p)) = user {
            c.env("OOMLENS_PROMETHEUS_USER", u)
                .env("OOMLENS_PROMETHEUS_PASSWORD", p);
        }
        c.output().unwrap()
    };

    let out = run(&["--ca-file", ca], Some(("oomlens", "oomlens-test")));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["containers"][0]["pod"], "payments-7f9c6b8d5-z1z2z");
    assert_eq!(doc["server"], prom.url.as_str());

    // Wrong password: refused, and the message says what to check.
    let out = run(&["--ca-file", ca], Some(("oomlens", "wrong")));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401") && err.contains("credentials"), "{err}");
    eprintln!("{err}");

    // Without the CA, the server's certificate is not trusted.
    let out = run(&[], Some(("oomlens", "oomlens-test")));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&prom.url) && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    eprintln!("{err}");
}
