//! The orders-api pod of tests/fixtures/kube-api as the API server
//! stand-in serves it (its Pod, owners, events, logs, node kernel log,
//! cAdvisor page and jcmd through exec), with the faults a test can break:
//! shared by the `collect` and `kubectl oomlens` tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::standin::{self, route, Handler, Resp};

pub const POD: &str = "orders-api-7d9f8b6c5-x2x4q";
pub const NS: &str = "/api/v1/namespaces/shop";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/kube-api").join(name)).expect("fixture")
}

pub fn example(name: &str) -> Vec<u8> {
    std::fs::read(root().join("examples/real-kill-java").join(name)).expect("example")
}

/// What to break.
#[derive(Default, Clone, Copy)]
pub struct Faults {
    pub events_forbidden: bool,
    pub no_previous_log: bool,
    pub node_gone: bool,
    pub exec: ExecFault,
}

/// How the exec subresource answers.
#[derive(Default, Clone, Copy, PartialEq)]
pub enum ExecFault {
    /// jcmd runs: the recorded outputs of a real JDK 17 jcmd.
    #[default]
    Works,
    /// RBAC refuses `create pods/exec`.
    Forbidden,
    /// The image has no jcmd: the runtime's "executable file not found".
    NoJcmd,
}

/// The exec subresource of the pod: recorded real jcmd outputs
/// (`standin::jcmd_exec`), a 403, or an image without jcmd.
pub fn exec_route(f: ExecFault) -> Handler {
    let path = format!("{NS}/pods/{POD}/exec");
    match f {
        ExecFault::Works => standin::jcmd_exec(path, root()),
        ExecFault::Forbidden => route(&path, &[], || {
            Resp::json(403, fixture("status-403-exec.json"))
        }),
        ExecFault::NoJcmd => route(&path, &[], || {
            Resp::exec(vec![], vec![], fixture("status-exec-no-jcmd.json"))
        }),
    }
}

pub fn routes(f: Faults) -> Vec<Handler> {
    let mut r: Vec<Handler> = vec![exec_route(f.exec)];
    r.push(route(&format!("{NS}/pods/{POD}"), &[], || {
        Resp::json(200, fixture("pod-orders-api.json"))
    }));
    r.push(route(
        "/apis/apps/v1/namespaces/shop/replicasets/orders-api-7d9f8b6c5",
        &[],
        || Resp::json(200, fixture("replicaset-orders-api.json")),
    ));
    r.push(route(
        "/apis/apps/v1/namespaces/shop/deployments/orders-api",
        &[],
        || Resp::json(200, fixture("deployment-orders-api.json")),
    ));
    if f.events_forbidden {
        r.push(route(&format!("{NS}/events"), &[], || {
            Resp::json(403, fixture("status-403-events.json"))
        }));
    } else {
        r.push(route(
            &format!("{NS}/events"),
            &["involvedObject.uid"],
            || Resp::json(200, fixture("events-orders-api.json")),
        ));
    }
    r.push(route(
        "/apis/events.k8s.io/v1/namespaces/shop/events",
        &["regarding.uid"],
        || Resp::json(200, fixture("events.k8s.io-orders-api.json")),
    ));
    if f.no_previous_log {
        r.push(route(
            &format!("{NS}/pods/{POD}/log"),
            &["previous=true"],
            || Resp::json(400, fixture("status-400-previous-log.json")),
        ));
    } else {
        r.push(route(
            &format!("{NS}/pods/{POD}/log"),
            &["previous=true"],
            || Resp::text(200, example("previous.log")),
        ));
    }
    r.push(route(&format!("{NS}/pods/{POD}/log"), &[], || {
        Resp::text(200, "Started HeapHog\n")
    }));
    if f.node_gone {
        r.push(Box::new(|q: &standin::Req| {
            q.path
                .starts_with("/api/v1/nodes/vm/")
                .then(|| Resp::json(404, fixture("status-404-node.json")))
        }));
    } else {
        r.push(route("/api/v1/nodes/vm/proxy/logs/kern.log", &[], || {
            Resp::text(200, example("kern.log"))
        }));
        r.push(route(
            "/api/v1/nodes/vm/proxy/metrics/cadvisor",
            &[],
            || Resp::text(200, fixture("cadvisor-node-vm.prom")),
        ));
    }
    r
}
