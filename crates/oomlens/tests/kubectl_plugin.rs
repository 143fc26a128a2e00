//! `kubectl oomlens`: the oomlens binary run as a kubectl plugin, through a
//! symlink named `kubectl-oomlens` and through a real `kubectl` finding it
//! on the PATH, against the API server stand-in of the `collect` tests
//! (HTTPS on 127.0.0.1, the orders-api pod of tests/fixtures/kube-api and
//! the real kill of examples/real-kill-java).

#[path = "support/orders_api.rs"]
mod orders_api;
#[path = "../../oomlens-collect/tests/support/standin.rs"]
mod standin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orders_api::{fixture, routes, Faults, NS, POD};
use standin::{route, Handler, Resp, StandIn};

/// A folder holding `kubectl-oomlens`, a symlink to the built binary, to
/// put on the PATH.
fn plugin_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_oomlens"),
        d.path().join("kubectl-oomlens"),
    )
    .expect("symlink");
    d
}

/// The plugin run by its path, with no kubeconfig but what `env` and the
/// arguments give (HOME is empty: no ~/.kube/config).
fn plugin(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    run(Command::new(dir.join("kubectl-oomlens")), dir, args, env)
}

/// `kubectl ARGS` with the plugin's folder first on the PATH.
/// A test that needs kubectl fails loudly, naming it, where it is missing.
fn kubectl(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()));
    assert!(
        found,
        "this test needs kubectl on the PATH (1.32 is on the CI machine; https://kubernetes.io/docs/tasks/tools/)"
    );
    run(Command::new("kubectl"), dir, args, env)
}

fn run(mut c: Command, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.args(args)
        .env("PATH", path)
        .env("HOME", dir)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The stderr of a run that failed with exit status 2 (an error).
fn failed(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    err
}

/// The stderr line collect ends with names the bundle: `-> PATH`.
fn bundle_of(o: &Output) -> PathBuf {
    let err = String::from_utf8_lossy(&o.stderr);
    let path = err
        .lines()
        .find_map(|l| l.rsplit_once(" -> ").map(|(_, p)| p.to_string()))
        .expect("collect names its bundle");
    PathBuf::from(path)
}

#[test]
fn a_pod_through_the_symlink_is_collected_and_diagnosed() {
    let s = StandIn::start(routes(Faults::default()));
    let dir = plugin_dir();
    let kc = s.kubeconfig.to_str().unwrap();
    let o = plugin(dir.path(), &[POD, "-n", "shop", "--kubeconfig", kc], &[]);
    let out = ok(&o);
    // The headline: the container, the kernel's kill at its limit, the cause.
    let first = out.lines().next().unwrap_or("");
    assert!(
        first.starts_with("orders-api: killed by the kernel at its 200 MiB limit")
            && first.contains("cause: max heap plus non-heap larger than the limit"),
        "{out}"
    );
    // The victim, cited from the node's kernel log the API's proxy served.
    assert!(
        out.contains("victim java pid 4548, anon-rss 199 MiB  kern.log:78"),
        "{out}"
    );
    // jcmd ran through exec, as `oomlens collect` does.
    assert!(out.contains("VM.metaspace.txt:3"), "{out}");
    // Cited relative to the temporary bundle, which is gone now.
    assert!(!out.contains("kubectl-oomlens-"), "{out}");
    assert_eq!(s.count(&format!("{NS}/pods/{POD}")), 1);
    assert!(s
        .requests()
        .iter()
        .any(|q| q.path.ends_with("/exec") && q.params("command") == ["jcmd", "-l"]));
    // The temporary bundle is gone.
    let b = bundle_of(&o);
    assert!(b.starts_with(std::env::temp_dir()), "{}", b.display());
    assert!(!b.exists(), "{} left behind", b.display());
    // --bundle keeps it, and -o json is `oomlens diagnose -f json` of it,
    // byte for byte.
    let keep = tempfile::tempdir().unwrap();
    let b = keep.path().join("incident.tar.gz");
    let j = ok(&plugin(
        dir.path(),
        &[
            POD,
            "--kubeconfig",
            kc,
            "--bundle",
            b.to_str().unwrap(),
            "-o",
            "json",
        ],
        &[],
    ));
    let d = Command::new(env!("CARGO_BIN_EXE_oomlens"))
        .args(["diagnose", "-f", "json", b.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(j, ok(&d));
}

#[test]
fn html_writes_the_report_as_a_page_beside_the_text() {
    let s = StandIn::start(routes(Faults::default()));
    let dir = plugin_dir();
    let kc = s.kubeconfig.to_str().unwrap();
    let keep = tempfile::tempdir().unwrap();
    let page = keep.path().join("report.html");
    let o = plugin(
        dir.path(),
        &[POD, "--kubeconfig", kc, "--html", page.to_str().unwrap()],
        &[],
    );
    assert!(ok(&o).starts_with("orders-api: killed by the kernel"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The memory at the kill and the JVM's budget, charted; the victim
    // cited as the text cites it; no temporary path.
    assert!(html.contains("data-chart=\"at-kill\"") && html.contains("data-chart=\"budget\""));
    assert!(html.contains(">kern.log:78</cite>"), "the victim's cite");
    let tmp = std::env::temp_dir();
    assert!(!html.contains(&format!("{}/kubectl-oomlens-", tmp.display())));
    // A listing has no page to write.
    let o = plugin(
        dir.path(),
        &["-A", "--kubeconfig", kc, "--html", "x.html"],
        &[],
    );
    assert!(failed(&o).contains("--html"), "{}", failed(&o));
}

#[test]
fn kubectl_finds_the_plugin_and_reads_kubeconfig_from_the_environment() {
    let s = StandIn::start(routes(Faults::default()));
    let dir = plugin_dir();
    let list = kubectl(dir.path(), &["plugin", "list"], &[]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("kubectl-oomlens"),
        "{}{}",
        String::from_utf8_lossy(&list.stdout),
        String::from_utf8_lossy(&list.stderr)
    );
    // No -n: the namespace is the kubeconfig context's (shop).
    let env = [("KUBECONFIG", s.kubeconfig.as_path())];
    let j: serde_json::Value = serde_json::from_str(&ok(&kubectl(
        dir.path(),
        &["oomlens", POD, "-o", "json"],
        &env,
    )))
    .expect("-o json is JSON");
    assert_eq!(j["schema"], "oomlens/diagnosis/v1");
    assert_eq!(j["oom_kill_found"], true);
    let c = &j["containers"][0];
    assert_eq!(c["pod"]["name"], POD);
    assert_eq!(c["pod"]["namespace"], "shop");
    assert_eq!(c["kills"][0]["kind"], "kernel-memcg");
    assert_eq!(c["kills"][0]["victim"]["pid"], 4548);
    assert_eq!(c["kills"][0]["victim"]["comm"], "java");
    assert_eq!(j["causes"][0]["id"], "heap-sized-over-limit");
    // The temporary bundle is gone: its files are cited relative to it.
    assert_eq!(c["kills"][0]["evidence"][2]["source"], "nodes/vm/kern.log");
    assert_eq!(c["kills"][0]["evidence"][2]["line"], 78);
    // -o yaml: the same Diagnosis.
    let y: serde_json::Value = serde_yaml_ng::from_str(&ok(&kubectl(
        dir.path(),
        &["oomlens", POD, "-c", "orders-api", "-o", "yaml"],
        &env,
    )))
    .expect("-o yaml is YAML");
    assert_eq!(y["headline"], j["headline"]);
    assert_eq!(y["containers"][0]["kills"], j["containers"][0]["kills"]);
    assert_eq!(y["causes"][0]["id"], "heap-sized-over-limit");
    // `oomlens kubectl` is the same command under the oomlens name.
    let o = Command::new(env!("CARGO_BIN_EXE_oomlens"))
        .args(["kubectl", POD, "-o", "json"])
        .env("KUBECONFIG", &s.kubeconfig)
        .output()
        .unwrap();
    let same: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(same["headline"], j["headline"]);
    assert_eq!(same["containers"][0]["kills"][0]["victim"]["pid"], 4548);
    // kubectl takes its flags after a plugin's name only.
    let err = String::from_utf8_lossy(
        &kubectl(dir.path(), &["--context", "standin", "oomlens", POD], &env).stderr,
    )
    .into_owned();
    assert!(
        err.contains("flags cannot be placed before plugin name"),
        "{err}"
    );
    // A container the pod does not have is refused, naming the ones it has.
    let err = failed(&kubectl(
        dir.path(),
        &["oomlens", POD, "-c", "sidecar"],
        &env,
    ));
    assert!(
        err.contains("container \"sidecar\" is not in pod") && err.contains("orders-api"),
        "{err}"
    );
}

#[test]
fn context_and_request_timeout_are_honoured() {
    // The pod answers after 3 s.
    let mut r: Vec<Handler> = vec![route(&format!("{NS}/pods/{POD}"), &[], || {
        std::thread::sleep(std::time::Duration::from_secs(3));
        Resp::json(200, fixture("pod-orders-api.json"))
    })];
    r.extend(routes(Faults::default()));
    let s = StandIn::start(r);
    let dir = plugin_dir();
    let kc = s.kubeconfig.to_str().unwrap();
    // --context other: its namespace (big) is asked, and has no such pod.
    let o = kubectl(
        dir.path(),
        &["oomlens", POD, "--context", "other", "--kubeconfig", kc],
        &[],
    );
    let err = failed(&o);
    assert_eq!(s.count(&format!("/api/v1/namespaces/big/pods/{POD}")), 1);
    assert!(err.contains("/api/v1/namespaces/big/pods/"), "{err}");
    // --request-timeout 1s gives up on the slow pod, well before it answers.
    let with_timeout = |t: &str| {
        kubectl(
            dir.path(),
            &["oomlens", POD, "--kubeconfig", kc, "--request-timeout", t],
            &[],
        )
    };
    let t0 = std::time::Instant::now();
    let o = with_timeout("1s");
    let took = t0.elapsed();
    let err = failed(&o);
    assert!(took.as_secs_f64() < 2.8, "gave up after {took:?}");
    assert!(err.contains("cannot read the pods"), "{err}");
    // A longer one waits for it.
    let o = with_timeout("10s");
    assert!(ok(&o).starts_with("orders-api: killed by the kernel"));
}

/// The pods of a cluster: orders-api (OOMKilled on 2026-11-26, its
/// status says), a quiet pod beside it (never killed), and front's web
/// (evicted for memory two hours ago, only its event says); their events.
fn cluster() -> Vec<Handler> {
    let strip = |mut p: serde_json::Value| {
        let o = p.as_object_mut().unwrap();
        o.remove("kind");
        o.remove("apiVersion");
        p
    };
    let orders: serde_json::Value =
        serde_json::from_slice(&fixture("pod-orders-api.json")).unwrap();
    let mut quiet = orders.clone();
    quiet["metadata"]["name"] = "orders-api-7d9f8b6c5-quiet".into();
    quiet["metadata"]["uid"] = "00000000-0000-4000-8000-00000000beef".into();
    quiet["status"]["containerStatuses"][0]["restartCount"] = 0.into();
    quiet["status"]["containerStatuses"][0]
        .as_object_mut()
        .unwrap()
        .remove("lastState");
    let web: serde_json::Value = serde_json::from_slice(&fixture("pod-web-evicted.json")).unwrap();
    let pods = [strip(orders), strip(quiet), strip(web)];
    let two_hours_ago = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)).to_string();
    let mut evicted: serde_json::Value =
        serde_json::from_slice(&fixture("events-web-evicted.json")).unwrap();
    evicted["items"][0]["firstTimestamp"] = two_hours_ago.clone().into();
    evicted["items"][0]["lastTimestamp"] = two_hours_ago.into();
    let shop: serde_json::Value =
        serde_json::from_slice(&fixture("events-orders-api.json")).unwrap();
    let mut all = shop.clone();
    all["items"]
        .as_array_mut()
        .unwrap()
        .extend(evicted["items"].as_array().unwrap().iter().cloned());
    let list = move |q: &standin::Req| {
        let ns = match q.path.as_str() {
            "/api/v1/pods" => None,
            p => Some(
                p.strip_prefix("/api/v1/namespaces/")?
                    .strip_suffix("/pods")?,
            ),
        };
        let sel = q.param("labelSelector");
        let items: Vec<&serde_json::Value> = pods
            .iter()
            .filter(|p| ns.is_none_or(|n| p["metadata"]["namespace"] == n))
            .filter(|p| {
                sel.as_deref().is_none_or(|s| {
                    s.split(',').all(|kv| {
                        kv.split_once('=')
                            .is_some_and(|(k, v)| p["metadata"]["labels"][k] == v)
                    })
                })
            })
            .collect();
        Some(Resp::json(
            200,
            serde_json::json!({"kind": "PodList", "apiVersion": "v1",
                "metadata": {"resourceVersion": "48300"}, "items": items})
            .to_string(),
        ))
    };
    let shop_events = shop.to_string();
    let all_events = all.to_string();
    let mut r: Vec<Handler> = vec![
        Box::new(list),
        route("/api/v1/events", &[], move || {
            Resp::json(200, all_events.clone())
        }),
        route(
            &format!("{NS}/events"),
            &["involvedObject.kind"],
            move || Resp::json(200, shop_events.clone()),
        ),
    ];
    r.extend(routes(Faults::default()));
    r
}

/// The rows of a kubectl-style table: header words, then each row's cells
/// (split at runs of two or more spaces).
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn every_container_oom_killed_in_the_window_is_listed() {
    let s = StandIn::start(cluster());
    let dir = plugin_dir();
    let env = [("KUBECONFIG", s.kubeconfig.as_path())];
    // Two weeks: orders-api (its status) and web (its event); not the quiet pod.
    let out = ok(&kubectl(
        dir.path(),
        &["oomlens", "--all-namespaces", "--since", "14d"],
        &env,
    ));
    // kubectl's layout: three spaces after the widest cell of a column.
    assert!(out.starts_with("NAMESPACE   POD  "), "{out}");
    let t = rows(&out);
    assert_eq!(
        t[0],
        ["NAMESPACE", "POD", "CONTAINER", "KILLS", "LAST", "VERDICT"]
    );
    assert_eq!(t.len(), 3, "{t:?}");
    let orders = t.iter().find(|r| r[1] == POD).expect("orders-api listed");
    assert_eq!(orders[..4], ["shop", POD, "orders-api", "1"]);
    // Killed 2026-11-26T21:44:54Z: some days ago, as kubectl writes ages.
    assert!(
        orders[4].ends_with('d') || orders[4].contains('d'),
        "{orders:?}"
    );
    assert!(
        orders[5].starts_with("killed by the kernel at its 200 MiB limit")
            && orders[5].contains("max heap plus non-heap larger than the limit"),
        "{orders:?}"
    );
    // Newest kill first: the eviction two hours ago (kubectl's `120m`).
    let web = &t[1];
    assert_eq!(web[..4], ["front", "web-5c6b9d7f4-kq2lp", "web", "1"]);
    let minutes: u64 = web[4]
        .strip_suffix('m')
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!((120..=122).contains(&minutes), "{web:?}");
    assert!(
        web.last()
            .unwrap()
            .starts_with("evicted by the kubelet under node memory pressure"),
        "{web:?}"
    );
    assert!(t.iter().all(|r| !r.iter().any(|c| c.contains("quiet"))));
    // A listing runs nothing in the containers.
    assert!(s.requests().iter().all(|q| !q.path.ends_with("/exec")));
    // The pods were listed once, every namespace; events listed once too.
    assert_eq!(s.count("/api/v1/pods"), 1);
    assert_eq!(s.count("/api/v1/events"), 1);
    assert_eq!(
        s.count(&format!("{NS}/pods/{POD}")),
        0,
        "never asked one by one"
    );

    // The last day: only the eviction.
    let t = rows(&ok(&kubectl(
        dir.path(),
        &["oomlens", "-A", "--since", "24h"],
        &env,
    )));
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[1][0..2], ["front", "web-5c6b9d7f4-kq2lp"]);

    // -n shop -l app=orders-api -o wide: the namespace's list with the
    // selector, and the wide columns.
    let t = rows(&ok(&kubectl(
        dir.path(),
        &[
            "oomlens",
            "-n",
            "shop",
            "-l",
            "app=orders-api",
            "--since",
            "14d",
            "-o",
            "wide",
        ],
        &env,
    )));
    assert_eq!(
        t[0],
        [
            "NAMESPACE",
            "POD",
            "CONTAINER",
            "KILLS",
            "LAST",
            "NODE",
            "LIMIT",
            "RESTARTS",
            "CAUSE",
            "VERDICT"
        ]
    );
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(
        t[1][5..9],
        ["vm", "200 MiB", "1", "heap-sized-over-limit (0.50)"]
    );
    let listed = s
        .requests()
        .into_iter()
        .find(|q| q.path == format!("{NS}/pods"))
        .expect("the namespace's pods listed");
    assert_eq!(
        listed.param("labelSelector").as_deref(),
        Some("app=orders-api")
    );

    // Nothing in the window: said on stderr, exit status 1, no table.
    let o = kubectl(
        dir.path(),
        &["oomlens", "-n", "shop", "--since", "1h"],
        &env,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("No container OOM-killed within 1h in namespace shop."));
}
