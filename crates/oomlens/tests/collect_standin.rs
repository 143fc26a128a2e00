//! `oomlens collect` against the API server stand-in (HTTPS on 127.0.0.1,
//! a kubeconfig with its CA) serving the recorded responses of
//! tests/fixtures/kube-api and the real kill of examples/real-kill-java;
//! the bundle is then read by `oomlens diagnose`.

#[path = "support/orders_api.rs"]
mod orders_api;
#[path = "../../oomlens-collect/tests/support/standin.rs"]
mod standin;

use std::path::Path;
use std::process::Command;

use orders_api::{fixture, root, routes, ExecFault, Faults, NS, POD};
use standin::{route, Handler, Resp, StandIn, JVM_PID};

fn oomlens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oomlens"))
        .args(args)
        .output()
        .expect("oomlens runs")
}

fn collect(s: &StandIn, out: &Path, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let kc = s.kubeconfig.to_str().unwrap().to_string();
    let o = out.to_str().unwrap().to_string();
    let mut args = vec!["collect", "--kubeconfig", &kc, "-o", &o];
    args.extend_from_slice(extra);
    let res = oomlens(&args);
    let manifest = std::fs::read(out.join("manifest.json"))
        .map(|b| serde_json::from_slice(&b).expect("manifest json"));
    (res, manifest.unwrap_or(serde_json::Value::Null))
}

/// The stand-in with `handlers`, a collect of the pod into a fresh folder
/// with `extra` flags: the stand-in, the folder (kept alive), the output,
/// the manifest.
fn collect_pod(
    handlers: Vec<Handler>,
    extra: &[&str],
) -> (
    StandIn,
    tempfile::TempDir,
    std::process::Output,
    serde_json::Value,
) {
    let s = StandIn::start(handlers);
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec![POD];
    args.extend_from_slice(extra);
    let (res, m) = collect(&s, &tmp.path().join("b"), &args);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    (s, tmp, res, m)
}

fn failures<'a>(m: &'a serde_json::Value, what: &str) -> Vec<&'a serde_json::Value> {
    m["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["what"] == what)
        .collect()
}

fn all_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            s.push_str(&all_text(&p));
        } else {
            s.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    s
}

#[test]
fn one_pod_happy_path_is_diagnosed() {
    let s = StandIn::start(routes(Faults::default()));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let t0 = std::time::Instant::now();
    let (res, m) = collect(&s, &out, &[POD]);
    let took = t0.elapsed();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(took.as_secs_f64() < 2.0, "one pod took {took:?}");
    assert_eq!(m["schema"], "oomlens/collect/v1");
    assert_eq!(
        m["failures"].as_array().unwrap().len(),
        0,
        "{:#}",
        m["failures"]
    );
    let d = out.join("shop").join(POD);
    for f in [
        "pod.json",
        "events.json",
        "events.k8s.io.json",
        "owners.json",
    ] {
        assert!(d.join(f).is_file(), "{f}");
    }
    assert!(d
        .join(format!("logs/{POD}.orders-api.previous.log"))
        .is_file());
    assert!(out.join("nodes/vm/kern.log").is_file());
    // The owner chain with its memory limits.
    let owners = &m["pods"][0]["owners"];
    assert_eq!(owners[0]["kind"], "ReplicaSet");
    assert_eq!(owners[1]["kind"], "Deployment");
    assert_eq!(owners[1]["memory_limits"][0][1], "170Mi");
    // cAdvisor: only this pod's series.
    let cad = std::fs::read_to_string(out.join("nodes/vm/cadvisor.prom")).unwrap();
    assert!(
        cad.contains(&format!("pod=\"{POD}\"")) && !cad.contains("pod=\"alpine\""),
        "{cad}"
    );
    // Secrets: gone from every file, named in the manifest, the token never written.
    let text = all_text(&out);
    assert!(!text.contains("hunter2-standin") && !text.contains("standin-secret-token"));
    let red: Vec<String> = m["redacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["at"].as_str().unwrap().to_string())
        .collect();
    assert!(
        red.iter().any(|r| r.ends_with("env[DB_PASSWORD]")),
        "{red:?}"
    );
    // Calls: one pod get, the token sent, each owner once.
    assert_eq!(s.count(&format!("{NS}/pods/{POD}")), 1);
    assert!(s
        .requests()
        .iter()
        .all(|r| r.header("authorization") == Some("Bearer standin-secret-token")));
    // diagnose reads the bundle as is.
    let diag = oomlens(&["diagnose", "-f", "json", out.to_str().unwrap()]);
    assert!(
        diag.status.success(),
        "{}",
        String::from_utf8_lossy(&diag.stderr)
    );
    let dj: serde_json::Value = serde_json::from_slice(&diag.stdout).unwrap();
    assert_eq!(dj["oom_kill_found"], true);
    let dtext = diag.stdout.iter().map(|&b| b as char).collect::<String>();
    assert!(
        dtext.contains(POD) && dtext.contains("\"orders-api\""),
        "pod and container named"
    );
    assert!(
        dtext.contains("kern.log"),
        "the kill cites the node's kernel log"
    );
}

#[test]
fn forbidden_events_name_the_verb_and_the_rest_is_collected() {
    let s = StandIn::start(routes(Faults {
        events_forbidden: true,
        ..Default::default()
    }));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let (res, m) = collect(&s, &out, &[POD, "-n", "shop"]);
    assert!(res.status.success());
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("verb `list` on resource `events`"), "{err}");
    let f = failures(&m, "events");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], 403);
    assert_eq!(f[0]["access"]["verb"], "list");
    assert!(out.join("shop").join(POD).join("pod.json").is_file());
    assert!(out
        .join("shop")
        .join(POD)
        .join("events.k8s.io.json")
        .is_file());
    assert!(out.join("nodes/vm/kern.log").is_file());
}

#[test]
fn a_missing_previous_log_is_noted_not_fatal() {
    let s = StandIn::start(routes(Faults {
        no_previous_log: true,
        ..Default::default()
    }));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let (res, m) = collect(&s, &out, &[POD]);
    assert!(res.status.success());
    let f = failures(&m, "previous-log");
    assert_eq!(f.len(), 1, "{:#}", m["failures"]);
    assert_eq!(f[0]["status"], 400);
    assert_eq!(f[0]["reason"], "BadRequest");
    assert!(
        f[0]["hint"].as_str().unwrap().contains("no earlier run"),
        "{}",
        f[0]["hint"]
    );
    assert!(f[0]["api_path"].as_str().unwrap().contains("previous=true"));
    assert!(out
        .join("shop")
        .join(POD)
        .join(format!("logs/{POD}.orders-api.log"))
        .is_file());
    assert!(!out
        .join("shop")
        .join(POD)
        .join(format!("logs/{POD}.orders-api.previous.log"))
        .exists());
}

#[test]
fn a_pod_whose_node_is_gone() {
    let s = StandIn::start(routes(Faults {
        node_gone: true,
        ..Default::default()
    }));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let (res, m) = collect(&s, &out, &[POD]);
    assert!(res.status.success());
    let f = failures(&m, "node-kernel-log");
    assert_eq!(
        f.len(),
        1,
        "one try, then the node is known gone: {:#}",
        m["failures"]
    );
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("nodes \"vm\" not found"));
    assert_eq!(s.count("/api/v1/nodes/vm/proxy/metrics/cadvisor"), 0);
    assert!(out.join("shop").join(POD).join("pod.json").is_file());
}

#[test]
fn impersonation_headers_are_sent() {
    let s = StandIn::start(routes(Faults::default()));
    let tmp = tempfile::tempdir().unwrap();
    let (res, m) = collect(
        &s,
        &tmp.path().join("b"),
        &[
            POD,
            "--as",
            "alice",
            "--as-group",
            "sre",
            "--as-group",
            "oncall",
        ],
    );
    assert!(res.status.success());
    let reqs = s.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.header("impersonate-user"), Some("alice"), "{}", r.path);
        assert_eq!(r.all("impersonate-group"), vec!["sre", "oncall"]);
    }
    assert_eq!(m["impersonate_user"], "alice");
}

/// A namespace listed in pages of 2 (`limit`/`continue`): every pod
/// collected, pods and events listed, never fetched one by one.
#[test]
fn a_chunked_namespace_list() {
    let pod = fixture("pod-orders-api.json");
    let template: serde_json::Value = serde_json::from_slice(&pod).unwrap();
    let pods: Vec<serde_json::Value> = (0..5)
        .map(|i| {
            let mut p = template.clone();
            p["metadata"]["name"] = format!("orders-api-7d9f8b6c5-p{i}").into();
            p["metadata"]["uid"] = format!("00000000-0000-4000-8000-00000000000{i}").into();
            p["spec"]["nodeName"] = "vm".into();
            p.as_object_mut().unwrap().remove("kind");
            p.as_object_mut().unwrap().remove("apiVersion");
            p
        })
        .collect();
    let mut r: Vec<standin::Handler> = vec![Box::new(move |q: &standin::Req| {
        if q.path != format!("{NS}/pods") {
            return None;
        }
        let from: usize = q
            .param("continue")
            .and_then(|c| c.strip_prefix("tok-").and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        let limit: usize = q.param("limit").and_then(|l| l.parse().ok()).unwrap_or(500);
        let end = (from + limit).min(pods.len());
        let mut md = serde_json::json!({"resourceVersion": "48300"});
        if end < pods.len() {
            md["continue"] = format!("tok-{end}").into();
            md["remainingItemCount"] = (pods.len() - end).into();
        }
        Some(Resp::json(200, serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": md, "items": pods[from..end]}).to_string()))
    })];
    r.push(route(&format!("{NS}/events"), &[], || {
        let mut v: serde_json::Value =
            serde_json::from_slice(&fixture("events-orders-api.json")).unwrap();
        v["items"][0]["involvedObject"]["uid"] = "00000000-0000-4000-8000-000000000003".into();
        Resp::json(200, v.to_string())
    }));
    // Exec refused in the namespace: asked once, not once per pod.
    r.push(Box::new(|q: &standin::Req| {
        (q.path.starts_with(&format!("{NS}/pods/")) && q.path.ends_with("/exec"))
            .then(|| Resp::json(403, fixture("status-403-exec.json")))
    }));
    r.extend(routes(Faults::default()));
    let s = StandIn::start(r);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b.tar.gz");
    let (res, _) = collect(&s, &out, &["-n", "shop", "--chunk-size", "2"]);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let lists: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|q| q.path == format!("{NS}/pods"))
        .collect();
    assert_eq!(lists.len(), 3, "5 pods in pages of 2");
    assert_eq!(lists[1].param("continue").as_deref(), Some("tok-2"));
    assert!(s.requests().iter().all(|q| !q
        .path
        .starts_with(&format!("{NS}/pods/orders-api-7d9f8b6c5-p"))
        || q.path.ends_with("/log")
        || q.path.ends_with("/exec")));
    assert_eq!(
        s.count("/apis/apps/v1/namespaces/shop/replicasets/orders-api-7d9f8b6c5"),
        1,
        "each owner read once"
    );
    assert_eq!(
        s.count("/api/v1/nodes/vm/proxy/logs/kern.log"),
        1,
        "each node once"
    );
    // The tarball holds one folder with every pod and the kept event.
    let x = Command::new("tar")
        .arg("xzf")
        .arg(&out)
        .arg("-C")
        .arg(tmp.path())
        .status()
        .unwrap();
    assert!(x.success());
    let b = tmp.path().join("b");
    for i in 0..5 {
        assert!(b
            .join(format!("shop/orders-api-7d9f8b6c5-p{i}/pod.json"))
            .is_file());
    }
    let ev = std::fs::read_to_string(b.join("shop/events/events-1.json")).unwrap();
    assert!(ev.contains("00000000-0000-4000-8000-000000000003"));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["pods"].as_array().unwrap().len(), 5);
    let execs = s
        .requests()
        .iter()
        .filter(|q| q.path.ends_with("/exec"))
        .count();
    assert_eq!(execs, 1, "a refused exec is not asked again");
    let again = m["jvm"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| {
            j["problem"]
                .as_str()
                .unwrap_or("")
                .ends_with("not asked again")
        })
        .count();
    assert_eq!(again, 4);
}

/// A `.tar.gz` bundle is read as is, member by member, to the verdict of
/// the same bundle written as a folder; its citations name the member
/// inside the tarball.
#[test]
fn a_tarball_bundle_is_diagnosed_as_the_folder_is() {
    let s = StandIn::start(routes(Faults::default()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    let tarball = tmp.path().join("bundle.tar.gz");
    for out in [&dir, &tarball] {
        let (res, _) = collect(&s, out, &[POD]);
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
    }
    let diagnose = |p: &Path| -> serde_json::Value {
        let o = oomlens(&["diagnose", "-f", "json", p.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let (from_dir, from_tar) = (diagnose(&dir), diagnose(&tarball));
    assert_eq!(from_tar["oom_kill_found"], true);
    assert_eq!(from_dir["headline"], from_tar["headline"]);
    let ids = |d: &serde_json::Value| -> Vec<String> {
        d["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].to_string())
            .collect()
    };
    assert_eq!(ids(&from_dir), ids(&from_tar));
    assert_eq!(
        from_dir["containers"].as_array().map(Vec::len),
        from_tar["containers"].as_array().map(Vec::len)
    );
    let cited: Vec<&str> = from_tar["containers"][0]["kills"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["source"].as_str())
        .collect();
    let kern = format!("{}:bundle/nodes/vm/kern.log", tarball.display());
    assert!(cited.contains(&kern.as_str()), "{cited:?}");
    let kinds: Vec<&str> = from_tar["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"tarball"), "{kinds:?}");
    assert!(kinds.contains(&"kernel-log"), "{kinds:?}");
}

/// jcmd through the exec subresource: every command of `oomlens jcmd
/// --all` run in the container, its output where `diagnose` reads it, the
/// JVM's flags, NMT and Metaspace in the diagnosis.
#[test]
fn jvm_evidence_through_exec_is_diagnosed() {
    let t0 = std::time::Instant::now();
    let (s, tmp, _, m) = collect_pod(routes(Faults::default()), &[]);
    let took = t0.elapsed();
    let out = tmp.path().join("b");
    let execs = s.count(&format!("{NS}/pods/{POD}/exec"));
    let all = oomlens_live::attach::gather::ALL;
    assert_eq!(execs, 1 + all.len(), "jcmd -l, then each command once");
    eprintln!(
        "collect of one pod with {execs} exec round trips: {:.0} ms",
        took.as_secs_f64() * 1000.0
    );
    let jvm = &m["jvm"][0];
    assert_eq!(jvm["gathered"], "exec", "{jvm:#}");
    assert_eq!(jvm["pids"][0].as_u64(), Some(JVM_PID.parse().unwrap()));
    for (file, _) in all {
        let f = out
            .join("shop")
            .join(POD)
            .join(format!("jvm/{POD}.orders-api.{JVM_PID}.{file}"));
        let want = fixture(&format!("exec/jcmd-{file}"));
        assert_eq!(std::fs::read(&f).ok(), Some(want), "{}", f.display());
    }
    let jcmd: Vec<&serde_json::Value> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["what"] == "jcmd")
        .collect();
    assert_eq!(jcmd.len(), all.len());
    for f in &jcmd {
        assert_eq!(f["access"]["verb"], "create");
        assert_eq!(f["access"]["resource"], "pods/exec");
        assert!(f["api_path"]
            .as_str()
            .unwrap()
            .contains("/exec?container=orders-api&command=jcmd&command=15659"));
    }
    // diagnose reads them: the JVM's flags, NMT and Metaspace as evidence.
    let diag = oomlens(&["diagnose", "-f", "json", out.to_str().unwrap()]);
    assert!(
        diag.status.success(),
        "{}",
        String::from_utf8_lossy(&diag.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&diag.stdout).unwrap();
    let kind = |file: &str| -> String {
        let name = format!("{POD}.orders-api.{JVM_PID}.{file}");
        d["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"].as_str().unwrap_or("").ends_with(&name))
            .map(|s| s["kind"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("{name} not among the sources"))
    };
    assert_eq!(kind("VM.native_memory-summary.txt"), "nmt");
    assert_eq!(kind("VM.flags.txt"), "jvm-flags");
    assert_eq!(kind("VM.metaspace.txt"), "jcmd");
    assert_eq!(kind("GC.class_histogram.txt"), "jcmd");
}

/// RBAC refuses exec: the missing verb is named, the commands are printed,
/// the rest is collected.
#[test]
fn forbidden_exec_names_the_verb_and_prints_the_commands() {
    let faults = Faults {
        exec: ExecFault::Forbidden,
        ..Default::default()
    };
    let (s, tmp, res, m) = collect_pod(routes(faults), &[]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("verb `create` on resource `pods/exec`"),
        "{err}"
    );
    assert!(err.contains("kubectl exec -n shop"), "{err}");
    let f = failures(&m, "jcmd");
    assert_eq!(f.len(), 1, "{:#}", m["failures"]);
    assert_eq!(f[0]["status"], 403);
    assert_eq!(m["jvm"][0]["gathered"], "printed");
    assert_eq!(s.count(&format!("{NS}/pods/{POD}/exec")), 1);
    let dir = tmp.path().join("b/shop").join(POD);
    assert!(!dir.join("jvm").exists());
    assert!(dir.join("pod.json").is_file());
}

/// An image without jcmd: one exec, then the debug-container command.
#[test]
fn an_image_without_jcmd_falls_back_to_the_printed_commands() {
    let faults = Faults {
        exec: ExecFault::NoJcmd,
        ..Default::default()
    };
    let (s, _tmp, res, m) = collect_pod(routes(faults), &[]);
    let err = String::from_utf8_lossy(&res.stderr);
    let jvm = &m["jvm"][0];
    assert_eq!(jvm["gathered"], "printed");
    assert!(
        jvm["problem"]
            .as_str()
            .unwrap()
            .starts_with("the image has no jcmd"),
        "{jvm:#}"
    );
    assert!(err.contains("kubectl debug -n shop"), "{err}");
    assert_eq!(s.count(&format!("{NS}/pods/{POD}/exec")), 1);
    assert!(
        failures(&m, "jcmd").is_empty(),
        "a missing jcmd is not a failure"
    );
}

/// The debug container's answers: the PATCH of `ephemeralcontainers`
/// (its body kept), the pod with the container running then ended, and its
/// log, a real `oomlens jcmd --all PID -o -` tar.
fn debug_routes(
    patched: std::sync::Arc<std::sync::Mutex<Option<serde_json::Value>>>,
) -> Vec<Handler> {
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let p1 = patched.clone();
    let p2 = patched.clone();
    let name = move |p: &std::sync::Mutex<Option<serde_json::Value>>| -> Option<String> {
        let v = p.lock().ok()?.clone()?;
        Some(
            v["spec"]["ephemeralContainers"][0]["name"]
                .as_str()?
                .to_string(),
        )
    };
    vec![
        Box::new(move |q: &standin::Req| {
            (q.method == "PATCH" && q.path == format!("{NS}/pods/{POD}/ephemeralcontainers")).then(
                || {
                    *p1.lock().unwrap() = serde_json::from_slice(&q.body).ok();
                    Resp::json(200, fixture("pod-orders-api.json"))
                },
            )
        }),
        Box::new(move |q: &standin::Req| {
            if q.path != format!("{NS}/pods/{POD}") {
                return None;
            }
            let n = name(&p2)?;
            let mut pod: serde_json::Value =
                serde_json::from_slice(&fixture("pod-orders-api.json")).unwrap();
            // Running at the first look, ended at the next.
            let state = if polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                serde_json::json!({"running": {"startedAt": "2026-12-07T10:00:01Z"}})
            } else {
                serde_json::json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-12-07T10:00:01Z", "finishedAt": "2026-12-07T10:00:02Z"}})
            };
            pod["status"]["ephemeralContainerStatuses"] = serde_json::json!([{"name": n, "image": "oomlens:dev", "imageID": "", "ready": false, "restartCount": 0, "state": state}]);
            Some(Resp::json(200, pod.to_string()))
        }),
        Box::new(move |q: &standin::Req| {
            let n = name(&patched)?;
            (q.path == format!("{NS}/pods/{POD}/log")
                && q.param("container").as_deref() == Some(n.as_str()))
            .then(|| Resp::text(200, fixture("exec/debug-container-log.tar")))
        }),
    ]
}

/// No jcmd in the image, `--debug-image` given: an ephemeral container
/// targeting the JVM's runs `oomlens jcmd --all`, its files land where
/// `diagnose` reads them.
#[test]
fn an_image_without_jcmd_is_read_through_a_debug_container() {
    let patched = std::sync::Arc::new(std::sync::Mutex::new(None));
    let mut r = debug_routes(patched.clone());
    r.extend(routes(Faults {
        exec: ExecFault::NoJcmd,
        ..Default::default()
    }));
    let s = StandIn::start(r);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let (res, m) = collect(
        &s,
        &out,
        &[POD, "--debug-image", "registry.example.com/oomlens:dev"],
    );
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{err}");
    let jvm = &m["jvm"][0];
    assert_eq!(jvm["gathered"], "debug-container", "{jvm:#}");
    let body = patched.lock().unwrap().clone().expect("a PATCH");
    let c = &body["spec"]["ephemeralContainers"][0];
    assert_eq!(c["targetContainerName"], "orders-api");
    assert_eq!(c["image"], "registry.example.com/oomlens:dev");
    assert_eq!(
        c["command"],
        serde_json::json!(["oomlens", "jcmd", "--all", "1", "-o", "-"])
    );
    assert_eq!(jvm["debug_container"], c["name"]);
    let patch = s
        .requests()
        .into_iter()
        .find(|q| q.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.header("content-type"),
        Some("application/strategic-merge-patch+json")
    );
    // Every member of the tar, byte for byte.
    let tar = fixture("exec/debug-container-log.tar");
    let mut a = tar::Archive::new(&tar[..]);
    let mut n = 0;
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let member = e.path().unwrap().to_str().unwrap().to_string();
        let mut want = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut want).unwrap();
        let got = std::fs::read(
            out.join("shop")
                .join(POD)
                .join(format!("jvm/{POD}.orders-api.1.{member}")),
        )
        .unwrap();
        assert_eq!(got, want, "{member}");
        n += 1;
    }
    assert_eq!(
        n,
        oomlens_live::attach::gather::ALL.len() + 1,
        "every command and hsperfdata"
    );
    let diag = oomlens(&["diagnose", "-f", "json", out.to_str().unwrap()]);
    assert!(
        diag.status.success(),
        "{}",
        String::from_utf8_lossy(&diag.stderr)
    );
    let dtext = String::from_utf8_lossy(&diag.stdout);
    assert!(
        dtext.contains(&format!("{POD}.orders-api.1.VM.flags.txt")),
        "the flags cited"
    );
}

/// Exec refused and the PATCH refused: both verbs named.
#[test]
fn a_refused_debug_container_names_its_verb() {
    let mut r: Vec<Handler> = vec![route(
        &format!("{NS}/pods/{POD}/ephemeralcontainers"),
        &[],
        || {
            let mut v: serde_json::Value =
                serde_json::from_slice(&fixture("status-403-exec.json")).unwrap();
            v["message"] = "pods \"orders-api-7d9f8b6c5-x2x4q\" is forbidden: User \"system:serviceaccount:shop:oomlens\" cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"shop\"".into();
            Resp::json(403, v.to_string())
        },
    )];
    r.extend(routes(Faults {
        exec: ExecFault::Forbidden,
        ..Default::default()
    }));
    let (_s, _tmp, res, m) = collect_pod(r, &["--debug-image", "oomlens:dev"]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("verb `create` on resource `pods/exec`"),
        "{err}"
    );
    assert!(
        err.contains("verb `patch` on resource `pods/ephemeralcontainers`"),
        "{err}"
    );
    assert_eq!(failures(&m, "jcmd").len(), 2);
    assert_eq!(m["jvm"][0]["gathered"], "printed");
}

/// A JVM without NMT (jcmd's real answer recorded) over the older v4
/// channel protocol: the NMT command is skipped with the hint, no file,
/// no failure, the other commands written.
#[test]
fn nmt_off_is_skipped_with_the_hint_over_protocol_v4() {
    let path = format!("{NS}/pods/{POD}/exec");
    let shared = standin::jcmd_exec(path.clone(), root());
    let r: Vec<Handler> = vec![Box::new(move |q: &standin::Req| {
        if q.path != path {
            return None;
        }
        let mut resp = if q.params("command").last().map(String::as_str) == Some("summary") {
            Resp::exec(
                fixture("exec/jcmd-VM.native_memory-summary.nmt-off.txt"),
                vec![],
                fixture("status-exec-success.json"),
            )
        } else {
            shared(q)?
        };
        resp.protocol = Some("v4.channel.k8s.io");
        Some(resp)
    })];
    let mut r = r;
    r.extend(routes(Faults::default()));
    let (_s, tmp, _, m) = collect_pod(r, &[]);
    let jvm = &m["jvm"][0];
    assert_eq!(jvm["gathered"], "exec", "{jvm:#}");
    let skipped = jvm["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{jvm:#}");
    assert!(skipped[0]
        .as_str()
        .unwrap()
        .contains("-XX:NativeMemoryTracking=summary"));
    assert!(failures(&m, "jcmd").is_empty(), "{:#}", m["failures"]);
    let jvm_dir = tmp.path().join("b/shop").join(POD).join("jvm");
    let files: Vec<_> = std::fs::read_dir(&jvm_dir).unwrap().collect();
    assert_eq!(files.len(), oomlens_live::attach::gather::ALL.len() - 1);
    assert!(!jvm_dir
        .join(format!(
            "{POD}.orders-api.{JVM_PID}.VM.native_memory-summary.txt"
        ))
        .exists());
}
