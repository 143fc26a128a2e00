//! The API server stand-in as a program, for scripts/bench/collect.sh:
//! serves the kube-api fixtures (pod `orders-api-7d9f8b6c5-x2x4q` in
//! `shop`, whose exec answers with recorded real jcmd outputs) and a
//! namespace `big` of N pods (first argument, default 500)
//! listed in pages, prints the kubeconfig's path, and serves until its
//! standard input closes.

#[path = "../tests/support/standin.rs"]
mod standin;

use std::io::Read;
use std::path::PathBuf;

use standin::{route, Handler, Resp, StandIn};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = move |p: &str| std::fs::read(root.join(p)).unwrap_or_default();
    let fx = |name: &str| format!("tests/fixtures/kube-api/{name}");
    let pod = read(&fx("pod-orders-api.json"));
    let template: serde_json::Value = serde_json::from_slice(&pod).unwrap_or_default();
    let pods: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut p = template.clone();
            p["metadata"]["name"] = format!("orders-api-7d9f8b6c5-b{i:04}").into();
            p["metadata"]["namespace"] = "big".into();
            p["metadata"]["uid"] = format!("00000000-0000-4000-8000-{i:012}").into();
            p
        })
        .collect();
    let shop = "/api/v1/namespaces/shop";
    let pod_name = "orders-api-7d9f8b6c5-x2x4q";
    let b = |p: &str| {
        let bytes = read(p);
        move || bytes.clone()
    };
    let (podb, rs, dep, ev, evk, prev, kern, cad) = (
        b(&fx("pod-orders-api.json")),
        b(&fx("replicaset-orders-api.json")),
        b(&fx("deployment-orders-api.json")),
        b(&fx("events-orders-api.json")),
        b(&fx("events.k8s.io-orders-api.json")),
        b("examples/real-kill-java/previous.log"),
        b("examples/real-kill-java/kern.log"),
        b(&fx("cadvisor-node-vm.prom")),
    );
    let rs2 = rs.clone();
    let dep2 = dep.clone();
    let routes: Vec<Handler> = vec![
        standin::jcmd_exec(
            format!("{shop}/pods/{pod_name}/exec"),
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
        ),
        route(&format!("{shop}/pods/{pod_name}"), &[], move || {
            Resp::json(200, podb())
        }),
        route(
            "/apis/apps/v1/namespaces/shop/replicasets/orders-api-7d9f8b6c5",
            &[],
            move || Resp::json(200, rs()),
        ),
        route(
            "/apis/apps/v1/namespaces/shop/deployments/orders-api",
            &[],
            move || Resp::json(200, dep()),
        ),
        route(
            "/apis/apps/v1/namespaces/big/replicasets/orders-api-7d9f8b6c5",
            &[],
            move || Resp::json(200, rs2()),
        ),
        route(
            "/apis/apps/v1/namespaces/big/deployments/orders-api",
            &[],
            move || Resp::json(200, dep2()),
        ),
        route(&format!("{shop}/events"), &[], move || {
            Resp::json(200, ev())
        }),
        route(
            "/apis/events.k8s.io/v1/namespaces/shop/events",
            &[],
            move || Resp::json(200, evk()),
        ),
        route("/api/v1/namespaces/big/events", &[], || {
            Resp::json(
                200,
                r#"{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[]}"#,
            )
        }),
        route("/apis/events.k8s.io/v1/namespaces/big/events", &[], || {
            Resp::json(
                200,
                r#"{"kind":"EventList","apiVersion":"events.k8s.io/v1","metadata":{},"items":[]}"#,
            )
        }),
        Box::new(move |q: &standin::Req| {
            let log = q.path.ends_with("/log")
                && (q.path.starts_with(shop) || q.path.starts_with("/api/v1/namespaces/big/"));
            log.then(|| {
                Resp::text(
                    200,
                    if q.query.contains("previous=true") {
                        prev()
                    } else {
                        b"Started HeapHog\n".to_vec()
                    },
                )
            })
        }),
        route("/api/v1/nodes/vm/proxy/logs/kern.log", &[], move || {
            Resp::text(200, kern())
        }),
        route("/api/v1/nodes/vm/proxy/metrics/cadvisor", &[], move || {
            Resp::text(200, cad())
        }),
        Box::new(move |q: &standin::Req| {
            if q.path != "/api/v1/namespaces/big/pods" {
                return None;
            }
            let from: usize = q
                .param("continue")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let limit: usize = q
                .param("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(pods.len())
                .max(1);
            let end = (from + limit).min(pods.len());
            let mut md = serde_json::json!({"resourceVersion": "1"});
            if end < pods.len() {
                md["continue"] = end.to_string().into();
            }
            Some(Resp::json(200, serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": md, "items": pods[from..end]}).to_string()))
        }),
    ];
    let s = StandIn::start(routes);
    println!("{}", s.kubeconfig.display());
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    let reqs = s.requests();
    eprintln!("stand-in: {} requests", reqs.len());
}
