//! The Kubernetes Event on the Pod after each diagnosis: a core/v1 Event
//! (reason `OOMKillDiagnosed`, type `Warning`, involvedObject the Pod)
//! posted by a thread of its own through `oomlens_collect::api` (the
//! workspace's one Kubernetes client: kubeconfig or in-cluster), fed by a
//! bounded queue so that a slow API server never delays the agent. A
//! notice that does not fit is dropped (the caller counts it); a post the
//! API server refuses (403, 401) is said once on stderr and posting
//! stops: the RBAC will not change under a running agent.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;

use jiff::Timestamp;
use oomlens_collect::api::{Access, Api, CallError, Connect, Verb};

/// The Event's reason.
pub const REASON: &str = "OOMKillDiagnosed";
/// Its reporting and source component.
pub const COMPONENT: &str = "oomlens-watch";
/// The API server's bound on an Event's message.
const MESSAGE_MAX: usize = 1024;
/// Notices waiting to be posted at most.
pub const QUEUE: usize = 64;

/// What the Event says, about which Pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub namespace: String,
    pub pod: String,
    pub pod_uid: Option<String>,
    pub container: Option<String>,
    pub message: String,
    pub time: Timestamp,
}

/// The core/v1 Event of `n`, reported from node `node`, as `POST
/// /api/v1/namespaces/NS/events` takes it (the shape of the kubelet's own
/// Events: `involvedObject`, `source`, first/last timestamps and count,
/// `reportingComponent`/`reportingInstance`).
pub fn body(n: &Notice, node: &str) -> serde_json::Value {
    let t = n.time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut involved = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": n.namespace,
        "name": n.pod,
    });
    if let Some(uid) = &n.pod_uid {
        involved["uid"] = uid.clone().into();
    }
    if let Some(c) = &n.container {
        involved["fieldPath"] = format!("spec.containers{{{c}}}").into();
    }
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "generateName": format!("{}.", n.pod),
            "namespace": n.namespace,
        },
        "involvedObject": involved,
        "reason": REASON,
        "message": cut(&n.message, MESSAGE_MAX),
        "type": "Warning",
        "source": {"component": COMPONENT, "host": node},
        "firstTimestamp": t,
        "lastTimestamp": t,
        "count": 1,
        "reportingComponent": COMPONENT,
        "reportingInstance": node,
    })
}

/// `s` cut to at most `max` bytes on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The posting thread's door.
pub struct Poster {
    tx: SyncSender<Notice>,
    lost: Arc<AtomicU64>,
    refused: Arc<AtomicBool>,
}

impl Poster {
    /// Connects (no request yet) and starts the posting thread.
    pub fn start(connect: &Connect, node: String) -> Result<Poster, String> {
        let api = Api::connect(connect)?;
        let (tx, rx) = mpsc::sync_channel::<Notice>(QUEUE);
        let lost = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicBool::new(false));
        let (l, r) = (Arc::clone(&lost), Arc::clone(&refused));
        std::thread::Builder::new()
            .name("oomlens-events".into())
            .spawn(move || {
                for n in rx {
                    if r.load(Ordering::Relaxed) {
                        l.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    if let Err(e) = post(&api, &n, &node) {
                        l.fetch_add(1, Ordering::Relaxed);
                        if matches!(e.status(), Some(401 | 403)) {
                            r.store(true, Ordering::Relaxed);
                            eprintln!(
                                "oomlens watch: posting Events to {} refused, no more will be posted \
                                 (grant create on events): {e}",
                                api.server
                            );
                        } else {
                            eprintln!("oomlens watch: Event on pod {}/{}: {e}", n.namespace, n.pod);
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the Event thread: {e}"))?;
        Ok(Poster { tx, lost, refused })
    }

    /// Queues `n`; `false` when it was dropped (the queue is full, or the
    /// API server refused Events).
    pub fn offer(&self, n: Notice) -> bool {
        if self.refused.load(Ordering::Relaxed) {
            return false;
        }
        !matches!(
            self.tx.try_send(n),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_))
        )
    }

    /// Notices taken but not posted (refused or failed) so far.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }
}

fn post(api: &Api, n: &Notice, node: &str) -> Result<(), CallError> {
    let path = format!(
        "/api/v1/namespaces/{}/events",
        oomlens_collect::api::escape(&n.namespace)
    );
    let access = Access {
        verb: Verb::Create,
        group: "",
        resource: "events",
    };
    let bytes = serde_json::to_vec(&body(n, node)).unwrap_or_default();
    api.post(&path, access, bytes).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_has_the_shape_of_a_kubelet_event() {
        let n = Notice {
            namespace: "shop".into(),
            pod: "orders-api-7d9f8b6c5-x2x4q".into(),
            pod_uid: Some("0ccbf6f7-b2c2-48c3-818e-6f145f2a161e".into()),
            container: Some("orders-api".into()),
            message: "é".repeat(600),
            time: "2026-11-26T21:44:54.123Z".parse().unwrap(),
        };
        let b = body(&n, "vm");
        // A real kubelet's `create events` request and the API server's 201
        // answer, from an audit log (tests/fixtures/kube-api/SOURCES.md).
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/kube-api/audit-kubelet-event-create.json");
        let audit: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
        let real = &audit["requestObject"];
        assert_eq!(audit["verb"], "create");
        // Every field the agent sends, at every level, is one the kubelet
        // sends, except `metadata.generateName` (the agent lets the API
        // server pick the name's suffix, as `kubectl create` may).
        for (f, v) in b.as_object().unwrap() {
            assert!(real.get(f).is_some(), "{f} is not in a real kubelet Event");
            if let Some(o) = v.as_object() {
                for (g, _) in o {
                    let ok = real[f].get(g).is_some() || (f == "metadata" && g == "generateName");
                    assert!(ok, "{f}.{g} is not in a real kubelet Event");
                }
            }
        }
        // ... and the agent leaves out only what the API server fills in or
        // the kubelet sends empty.
        for (f, v) in real.as_object().unwrap() {
            assert!(
                b.get(f).is_some() || v.is_null(),
                "{f}: sent by the kubelet, not by the agent"
            );
        }
        let list: serde_json::Value = serde_json::from_slice(
            &std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tests/fixtures/kube-api/events-orders-api.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let real = &list["items"][0];
        assert_eq!(
            b["involvedObject"]["fieldPath"],
            real["involvedObject"]["fieldPath"]
        );
        assert_eq!(b["involvedObject"]["uid"], real["involvedObject"]["uid"]);
        assert_eq!(b["firstTimestamp"], "2026-11-26T21:44:54Z");
        assert_eq!(b["reason"], "OOMKillDiagnosed");
        assert_eq!(b["type"], "Warning");
        assert_eq!(b["metadata"]["generateName"], "orders-api-7d9f8b6c5-x2x4q.");
        assert_eq!(b["reportingInstance"], "vm");
        assert_eq!(b["source"]["host"], "vm");
        // 600 two-byte characters cut to 512 (1024 bytes), not mid-character.
        assert_eq!(b["message"].as_str().unwrap().len(), 1024);
    }
}
