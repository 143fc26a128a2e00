//! The agent's metrics (the `prometheus-client` crate) and the HTTP server
//! of `/metrics` (`tiny_http`). The names are a contract the deploy's
//! alerts and dashboard are written on:
//!
//! | name | type | labels |
//! |---|---|---|
//! | `oomlens_oom_kills_total` | counter | `namespace`, `pod`, `container`, `kind` |
//! | `oomlens_container_memory_ratio` | gauge (working set / limit) | `namespace`, `pod`, `container` |
//! | `oomlens_captures_total` | counter | `result` (`ok`, `failed`) |
//! | `oomlens_diagnosis_cause_total` | counter | `cause` |
//! | `oomlens_agent_events_dropped_total` | counter | `what` (`capture`, `diagnosis`, `pod-event`) |
//! | `oomlens_agent_kmsg_overruns_total` | counter | |
//! | `oomlens_agent_kmsg_missed_records_total` | counter | |
//! | `oomlens_agent_sample_pass_seconds` | histogram | |
//! | `oomlens_agent_spool_bytes` | gauge | |
//! | `oomlens_agent_containers` | gauge | |
//!
//! Labels `pod` and `container` fall back to the pod UID and the
//! container id's first 12 characters where the pod log folders name no
//! container (`Identity::metric_names`). A container's kill series is created at 0
//! when it appears, so the first kill is an increase `increase()` sees.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::identity::Identity;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KillLabels {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ContainerLabels {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CauseLabels {
    pub cause: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WhatLabels {
    pub what: String,
}

/// Every metric of the agent.
#[derive(Clone)]
pub struct Metrics {
    pub kills: Family<KillLabels, Counter>,
    pub ratio: Family<ContainerLabels, Gauge<f64, AtomicU64>>,
    pub captures: Family<ResultLabels, Counter>,
    pub causes: Family<CauseLabels, Counter>,
    pub dropped: Family<WhatLabels, Counter>,
    pub overruns: Counter,
    pub missed: Counter,
    pub pass: Histogram,
    pub spool_bytes: Gauge,
    pub containers: Gauge,
}

impl Metrics {
    /// The metrics, registered in a new registry.
    pub fn new() -> (Metrics, Registry) {
        let m = Metrics {
            kills: Family::default(),
            ratio: Family::default(),
            captures: Family::default(),
            causes: Family::default(),
            dropped: Family::default(),
            overruns: Counter::default(),
            missed: Counter::default(),
            // 1 ms to about 4 s.
            pass: Histogram::new(exponential_buckets(0.001, 2.0, 13)),
            spool_bytes: Gauge::default(),
            containers: Gauge::default(),
        };
        // Series that exist from the start, at 0.
        for result in ["ok", "failed"] {
            let _ = m.captures.get_or_create(&ResultLabels {
                result: result.into(),
            });
        }
        for what in ["capture", "diagnosis", "pod-event"] {
            let _ = m.dropped.get_or_create(&WhatLabels { what: what.into() });
        }
        let mut r = Registry::default();
        r.register(
            "oomlens_oom_kills",
            "OOM kills seen, by container and kind (memcg, global, unknown)",
            m.kills.clone(),
        );
        r.register(
            "oomlens_container_memory_ratio",
            "Working set / memory limit of each container with a limit",
            m.ratio.clone(),
        );
        r.register(
            "oomlens_captures",
            "JVM captures taken through attach",
            m.captures.clone(),
        );
        r.register(
            "oomlens_diagnosis_cause",
            "Kills diagnosed, by top cause",
            m.causes.clone(),
        );
        r.register(
            "oomlens_agent_events_dropped",
            "Work dropped because a worker was busy",
            m.dropped.clone(),
        );
        r.register(
            "oomlens_agent_kmsg_overruns",
            "Reads of /dev/kmsg that found the ring buffer overran the reader (EPIPE)",
            m.overruns.clone(),
        );
        r.register(
            "oomlens_agent_kmsg_missed_records",
            "Kernel log records lost before they were read",
            m.missed.clone(),
        );
        r.register(
            "oomlens_agent_sample_pass_seconds",
            "Time one sampling pass over every container took",
            m.pass.clone(),
        );
        r.register(
            "oomlens_agent_spool_bytes",
            "Bytes held in the spool",
            m.spool_bytes.clone(),
        );
        r.register(
            "oomlens_agent_containers",
            "Container cgroups with processes",
            m.containers.clone(),
        );
        (m, r)
    }

    /// The kill series of a container, created at 0.
    pub fn touch_kills(&self, who: &Identity, kind: &str) {
        let _ = self.kills.get_or_create(&kill_labels(who, kind));
    }

    /// Counts a kill.
    pub fn kill(&self, who: &Identity, kind: &str) {
        self.kills.get_or_create(&kill_labels(who, kind)).inc();
    }

    /// Sets a container's ratio.
    pub fn set_ratio(&self, who: &Identity, ratio: f64) {
        self.ratio.get_or_create(&container_labels(who)).set(ratio);
    }

    /// A container gone: its ratio goes, and its kill series unless it
    /// counted a kill.
    pub fn gone(&self, who: &Identity, kind: &str) {
        self.ratio.remove(&container_labels(who));
        let k = kill_labels(who, kind);
        if self.kills.get(&k).is_some_and(|c| c.get() == 0) {
            self.kills.remove(&k);
        }
    }

    /// Catches the counters up with absolute values read elsewhere.
    pub fn kmsg(&self, overruns: u64, missed: u64) {
        catch_up(&self.overruns, overruns);
        catch_up(&self.missed, missed);
    }
}

fn catch_up(c: &Counter, to: u64) {
    let now = c.get();
    if to > now {
        c.inc_by(to - now);
    }
}

fn kill_labels(who: &Identity, kind: &str) -> KillLabels {
    let (namespace, pod, container) = who.metric_names();
    KillLabels {
        namespace,
        pod,
        container,
        kind: kind.to_string(),
    }
}

fn container_labels(who: &Identity) -> ContainerLabels {
    let (namespace, pod, container) = who.metric_names();
    ContainerLabels {
        namespace,
        pod,
        container,
    }
}

/// The registry as OpenMetrics text.
pub fn render(registry: &Registry) -> String {
    let mut s = String::new();
    // Writing to a String does not fail.
    let _ = prometheus_client::encoding::text::encode(&mut s, registry);
    s
}

/// Serves `GET /metrics` on `addr` from a thread of its own; returns the
/// address bound (a port 0 is chosen by the system).
pub fn serve(addr: SocketAddr, registry: Arc<Registry>) -> std::io::Result<SocketAddr> {
    let server = tiny_http::Server::http(addr).map_err(std::io::Error::other)?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| std::io::Error::other("not an IP address"))?;
    std::thread::Builder::new()
        .name("oomlens-metrics".into())
        .spawn(move || {
            let ctype = tiny_http::Header::from_bytes(
                &b"Content-Type"[..],
                &b"application/openmetrics-text; version=1.0.0; charset=utf-8"[..],
            )
            .ok();
            for req in server.incoming_requests() {
                let path = req.url().split('?').next().unwrap_or("");
                let resp = if path == "/metrics" {
                    let mut r = tiny_http::Response::from_string(render(&registry));
                    if let Some(h) = ctype.clone() {
                        r.add_header(h);
                    }
                    r
                } else {
                    tiny_http::Response::from_string("see /metrics\n").with_status_code(404)
                };
                let _ = req.respond(resp);
            }
        })?;
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_contract() {
        let (m, r) = Metrics::new();
        let who = crate::identity::Identity {
            cgroup: "/kubepods.slice/x".into(),
            pod_uid: Some("11111111-2222-3333-4444-555555555555".into()),
            container_id: Some("ab".repeat(32)),
            ..Default::default()
        };
        m.touch_kills(&who, "memcg");
        m.kill(&who, "memcg");
        m.set_ratio(&who, 0.5);
        m.captures
            .get_or_create(&ResultLabels {
                result: "ok".into(),
            })
            .inc();
        m.causes
            .get_or_create(&CauseLabels {
                cause: "heap-growth".into(),
            })
            .inc();
        m.kmsg(2, 5);
        m.kmsg(1, 5);
        let text = render(&r);
        for want in [
            "oomlens_oom_kills_total{namespace=\"\",pod=\"11111111-2222-3333-4444-555555555555\",container=\"abababababab\",kind=\"memcg\"} 1",
            "oomlens_container_memory_ratio{namespace=\"\",pod=\"11111111-2222-3333-4444-555555555555\",container=\"abababababab\"} 0.5",
            "oomlens_captures_total{result=\"ok\"} 1",
            "oomlens_captures_total{result=\"failed\"} 0",
            "oomlens_agent_events_dropped_total{what=\"capture\"} 0",
            "oomlens_diagnosis_cause_total{cause=\"heap-growth\"} 1",
            "oomlens_agent_kmsg_overruns_total 2",
            "oomlens_agent_kmsg_missed_records_total 5",
            "# TYPE oomlens_agent_sample_pass_seconds histogram",
            "oomlens_agent_spool_bytes 0",
            "# EOF",
        ] {
            assert!(text.contains(want), "{want} not in:\n{text}");
        }
        m.gone(&who, "memcg");
        let text = render(&r);
        assert!(!text.contains("oomlens_container_memory_ratio{"), "{text}");
        assert!(text.contains("oomlens_oom_kills_total{"), "a kill stays");
    }
}
