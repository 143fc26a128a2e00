//! The facts of every fixture in `tests/fixtures/k8s/` (see SOURCES.md
//! there for where each comes from), one test per file, named after it.
//!
//! Line numbers are checked against the fixture's own text: `at(file,
//! needle)` is the line of the first line holding `needle`, so a test says
//! which printed line a fact must cite.

use std::path::PathBuf;

use oomlens_evidence::k8s::{self, Container, Event, Objects, Pod, State};
use oomlens_evidence::Warning;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/k8s")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    let p = path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The line of the `n`th (0-based) line of `name` that contains `needle`.
fn at_nth(name: &str, needle: &str, n: usize) -> u64 {
    let text = String::from_utf8_lossy(&read(name)).into_owned();
    text.split('\n')
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(n)
        .map(|(i, _)| i as u64 + 1)
        .unwrap_or_else(|| panic!("{name}: no line {n} with {needle:?}"))
}

fn at(name: &str, needle: &str) -> u64 {
    at_nth(name, needle, 0)
}

fn describe(name: &str) -> (Vec<Pod>, Vec<Warning>) {
    let bytes = read(name);
    assert!(k8s::looks_like_describe(&bytes), "{name}: not detected");
    assert!(
        !k8s::looks_like_object(&bytes),
        "{name}: taken for an object"
    );
    let (pods, w) = k8s::parse_describe(name, &bytes);
    (pods, w.into_vec())
}

fn objects(name: &str) -> (Objects, Vec<Warning>) {
    let bytes = read(name);
    assert!(
        !k8s::looks_like_describe(&bytes),
        "{name}: taken for a describe"
    );
    let (o, w) = k8s::parse_objects(name, &bytes);
    (o, w.into_vec())
}

fn container<'a>(p: &'a Pod, name: &str) -> &'a Container {
    p.containers
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no container {name:?} in {:#?}", p.containers))
}

fn state(s: &Option<State>) -> &State {
    s.as_ref().expect("state present")
}

fn utc(t: &Option<k8s::TimeFact>) -> Option<&str> {
    t.as_ref().and_then(|t| t.utc.as_deref())
}

fn reasons(events: &[Event]) -> Vec<&str> {
    events.iter().filter_map(|e| e.reason.as_deref()).collect()
}

fn no_warnings(name: &str, w: &[Warning]) {
    assert!(w.is_empty(), "{name}: unexpected warnings: {w:#?}");
}

const MI: u64 = 1 << 20;

// ------------------------------------------------------------- describe

#[test]
fn describe_kodekloud_elephant_oomkilled() {
    let f = "describe-kodekloud-elephant-oomkilled.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(pods.len(), 1);
    assert_eq!(p.name.as_deref(), Some("elephant"));
    assert_eq!(p.namespace.as_deref(), Some("default"));
    assert_eq!(p.node.as_deref(), Some("controlplane"));
    assert_eq!(p.qos_class.as_deref(), Some("Burstable"));
    assert_eq!(utc(&p.start_time), Some("2025-09-01T05:14:10Z"));
    assert_eq!(p.format, "describe");
    assert_eq!((p.lines.first, p.lines.last), (1, 78));
    let c = container(p, "mem-stress");
    assert!(!c.init);
    assert_eq!(c.line, Some(at(f, "mem-stress:")));
    assert_eq!(c.runtime.as_deref(), Some("containerd"));
    assert_eq!(
        c.id.as_deref(),
        Some("77ffd5dbae978864d5b5ac60be4ceff266440094ab5062298a1a577f2c8f8548")
    );
    assert_eq!(c.image.as_deref(), Some("polinux/stress"));
    assert_eq!(c.command, vec!["stress"]);
    assert_eq!(
        c.args,
        vec!["--vm", "1", "--vm-bytes", "15M", "--vm-hang", "1"]
    );
    // Both the current and the last run died of OOM, exit code 1 (the
    // stress worker got SIGKILL, its parent exited 1).
    let s = state(&c.state);
    assert_eq!(
        (s.status.as_str(), s.reason.as_deref(), s.exit_code),
        ("terminated", Some("OOMKilled"), Some(1))
    );
    assert_eq!(s.line, Some(at(f, "State:          Terminated")));
    let last = state(&c.last_state);
    assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(last.exit_code, Some(1));
    assert_eq!(utc(&last.started_at), Some("2025-09-01T05:15:00Z"));
    assert_eq!(utc(&last.finished_at), Some("2025-09-01T05:15:00Z"));
    assert_eq!(
        last.finished_at.as_ref().unwrap().raw,
        "Mon, 01 Sep 2025 05:15:00 +0000"
    );
    assert_eq!(last.finished_at.as_ref().unwrap().line, Some(38));
    assert_eq!(last.line, Some(at(f, "Last State:")));
    assert_eq!(c.ready, Some(false));
    assert_eq!(c.restart_count, Some(4));
    assert_eq!(c.restart_count_line, Some(40));
    assert_eq!(c.limits.memory_bytes, Some(10 * MI));
    assert_eq!(c.limits.line, Some(at(f, "memory:  10Mi")));
    assert_eq!(c.requests.memory_bytes, Some(5 * MI));
    assert_eq!(c.limits.cpu_millis, None);
    assert!(c.env.is_empty());
    assert_eq!(p.events.len(), 10);
    let back = p.events.last().unwrap();
    assert_eq!(back.event_type.as_deref(), Some("Warning"));
    assert_eq!(back.reason.as_deref(), Some("BackOff"));
    assert_eq!(back.count, Some(8));
    assert_eq!(back.age.as_deref(), Some("2s (x8 over 97s)"));
    assert_eq!(back.component.as_deref(), Some("kubelet"));
    assert_eq!(back.object.as_deref(), Some("Pod/elephant"));
    assert_eq!(back.namespace.as_deref(), Some("default"));
    assert_eq!(back.line, Some(78));
    assert_eq!(
        back.message.as_deref(),
        Some("Back-off restarting failed container mem-stress in pod elephant_default(0b72719a-da38-43bc-9eac-88166c9303d7)")
    );
    let created = &p.events[6];
    assert_eq!(
        created.message.as_deref(),
        Some("Created container: mem-stress")
    );
    assert_eq!(created.count, Some(5));
    assert_eq!(p.events[0].component.as_deref(), Some("default-scheduler"));
}

#[test]
fn describe_spacelift_init_oomkilled_elided() {
    let f = "describe-spacelift-init-oomkilled-elided.txt";
    let (pods, w) = describe(f);
    let p = &pods[0];
    assert_eq!(
        p.name.as_deref(),
        Some("01hps85j6srg37dg6fgnrzghmm-preparing-2")
    );
    assert_eq!(p.node.as_deref(), Some("kind-control-plane"));
    assert_eq!(utc(&p.start_time), Some("2024-02-16T15:22:17Z"));
    assert_eq!(p.containers.len(), 1);
    let c = container(p, "init");
    assert!(c.init);
    assert_eq!(c.runtime.as_deref(), Some("containerd"));
    assert_eq!(
        c.id.as_deref(),
        Some("567f505a638e0b42e23d275a5a1b75f40ac6b706490ada9ea7901219b54e43c8")
    );
    assert_eq!(c.command, vec!["/usr/bin/spacelift-launcher"]);
    assert_eq!(c.args, vec!["init"]);
    let s = state(&c.state);
    assert_eq!(
        (s.reason.as_deref(), s.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(utc(&s.finished_at), Some("2024-02-16T15:22:17Z"));
    assert_eq!(
        s.finished_at.as_ref().unwrap().line,
        Some(at(f, "Finished:"))
    );
    assert!(c.last_state.is_none());
    assert!(p.events.is_empty());
    // The author cut the output after the state (`...`): reported as cut.
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].line, Some(30));
    assert!(w[0].message.contains("no `Events:`"));
}

#[test]
fn describe_spacelift_imagepull_events_elided() {
    let f = "describe-spacelift-imagepull-events-elided.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(
        p.name.as_deref(),
        Some("01hps6xb76j1jb3ehsk4awe5ab-preparing-2")
    );
    assert!(p.containers.is_empty());
    assert_eq!(p.events.len(), 12);
    let failed = &p.events[8];
    assert_eq!(failed.reason.as_deref(), Some("Failed"));
    assert_eq!(failed.count, Some(3));
    assert_eq!(failed.age.as_deref(), Some("3m35s (x3 over 4m14s)"));
    assert!(failed
        .message
        .as_deref()
        .unwrap()
        .ends_with("server message: insufficient_scope: authorization failed"));
    assert_eq!(failed.line, Some(at(f, "Failed to pull image")));
    let backoff = &p.events[10];
    assert_eq!(backoff.event_type.as_deref(), Some("Normal"));
    assert_eq!(backoff.reason.as_deref(), Some("BackOff"));
    assert_eq!(backoff.count, Some(5));
}

#[test]
fn describe_k8sdocs_nginx_guaranteed() {
    let f = "describe-k8sdocs-nginx-guaranteed.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("nginx-deployment-67d4bdd6f5-w6kd7"));
    assert_eq!(p.node.as_deref(), Some("kube-worker-1"));
    assert_eq!(p.qos_class.as_deref(), Some("Guaranteed"));
    // -0500: 16:51:01 local is 21:51:01 UTC.
    assert_eq!(utc(&p.start_time), Some("2022-02-17T21:51:01Z"));
    let c = container(p, "nginx");
    assert_eq!(state(&c.state).status, "running");
    assert_eq!(
        utc(&state(&c.state).started_at),
        Some("2022-02-17T21:51:05Z")
    );
    assert!(c.last_state.is_none());
    assert_eq!(c.ready, Some(true));
    assert_eq!(c.restart_count, Some(0));
    assert_eq!(c.limits.memory_bytes, Some(128 * MI));
    assert_eq!(c.limits.cpu_millis, Some(500));
    assert_eq!(c.requests.memory_bytes, Some(128 * MI));
    assert_eq!(c.requests.line, Some(at_nth(f, "memory:", 1)));
    assert_eq!(
        reasons(&p.events),
        vec!["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    );
}

#[test]
fn describe_k8sdocs_pending_2016_tabs_wrapped_event() {
    let f = "describe-k8sdocs-pending-2016-tabs-wrapped-event.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("nginx-deployment-1370807587-fz9sd"));
    assert_eq!(p.node, None, "`Node: /` is not scheduled");
    let c = container(p, "nginx");
    // `QoS Tier:` has `memory: Guaranteed` under it: not a quantity, skipped.
    assert_eq!(c.limits.memory_bytes, Some(128 * MI));
    assert_eq!(c.limits.cpu_millis, Some(1000));
    assert_eq!(c.requests.cpu_millis, Some(1000));
    assert_eq!(c.limits.line, Some(at_nth(f, "memory:\t128Mi", 0)));
    assert_eq!(p.events.len(), 1);
    let e = &p.events[0];
    assert_eq!(e.event_type.as_deref(), Some("Warning"));
    assert_eq!(e.reason.as_deref(), Some("FailedScheduling"));
    assert_eq!(e.count, Some(7));
    assert_eq!(e.age.as_deref(), Some("48s"));
    assert_eq!(e.component.as_deref(), Some("default-scheduler"));
    assert_eq!(e.line, Some(29));
    let m = e.message.as_deref().unwrap();
    assert!(m.starts_with("pod (nginx-deployment-1370807587-fz9sd) failed to fit in any node fit failure on node (kubernetes-node-6ta5)"), "{m}");
    assert!(m.ends_with("used: 1100, capacity: 2000"), "{m}");
}

#[test]
fn describe_k8sdocs_simmemleak_2015_last_termination_state() {
    let f = "describe-k8sdocs-simmemleak-2015-last-termination-state.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("simmemleak-hra99"));
    assert_eq!(p.node.as_deref(), Some("kubernetes-node-tf0f"));
    let c = container(p, "simmemleak");
    let last = state(&c.last_state);
    assert_eq!(last.status, "terminated");
    assert_eq!(last.reason, None);
    assert_eq!(last.exit_code, Some(1));
    // The page says "Fri, 07 Jul 2015", a Tuesday: the date wins.
    assert_eq!(utc(&last.finished_at), Some("2015-07-07T19:54:33Z"));
    assert_eq!(last.line, Some(at(f, "Last Termination State:")));
    assert_eq!(c.restart_count, Some(5));
    assert_eq!(c.limits.memory_bytes, Some(50 * MI));
    assert_eq!(c.limits.cpu_millis, Some(100));
    assert_eq!(p.events.len(), 5);
    let e = &p.events[1];
    assert_eq!(e.reason.as_deref(), Some("pulled"));
    assert_eq!(e.component.as_deref(), Some("kubelet"));
    assert_eq!(e.count, Some(1));
    assert_eq!(utc(&e.first_seen), Some("2015-07-07T19:53:51Z"));
    assert_eq!(utc(&e.last_seen), Some("2015-07-07T19:53:51Z"));
    assert_eq!(
        e.message.as_deref(),
        Some("Pod container image \"k8s.gcr.io/pause:0.8.0\" already present on machine")
    );
    assert_eq!(p.events[0].component.as_deref(), Some("scheduler"));
}

#[test]
fn describe_issue10861_2015_tabs_partial() {
    let f = "describe-issue10861-2015-tabs-partial.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("simmemleak-hra99"));
    assert_eq!(p.node.as_deref(), Some("kubernetes-minion-tf0f"));
    let c = container(p, "simmemleak");
    assert_eq!(c.image.as_deref(), Some("saadali/simmemleak"));
    assert_eq!(c.limits.memory_bytes, Some(50 * MI));
    assert_eq!(c.restart_count, Some(5));
    assert_eq!(c.restart_count_line, Some(20));
    assert!(
        c.last_state.is_none(),
        "kubectl of July 2015 did not print it"
    );
    assert_eq!(p.events.len(), 1);
    let e = &p.events[0];
    assert_eq!(e.reason.as_deref(), Some("scheduled"));
    assert_eq!(e.component.as_deref(), Some("scheduler"));
    assert_eq!(utc(&e.first_seen), Some("2015-07-07T19:53:51Z"));
    assert_eq!(
        e.message.as_deref(),
        Some("Successfully assigned simmemleak-hra99 to kubernetes-minion-tf0f")
    );
}

#[test]
fn describe_blog_simmemleak_flattened_oomkilled() {
    let f = "describe-blog-simmemleak-flattened-oomkilled.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("simmemleak-hra99"));
    assert_eq!(p.namespace.as_deref(), Some("default"));
    let c = container(p, "simmemleak");
    assert_eq!(c.image.as_deref(), Some("saadali/simmemleak:latest"));
    // Nesting lost: `cpu:` / `memory:` at the level of `Limits:`, `Reason:`
    // at the level of `Last State:`.
    assert_eq!(c.limits.memory_bytes, Some(50 * MI));
    assert_eq!(c.limits.cpu_millis, Some(100));
    assert_eq!(state(&c.state).status, "running");
    assert_eq!(state(&c.state).reason, None);
    let last = state(&c.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(utc(&last.started_at), Some("2019-07-07T19:54:30Z"));
    assert_eq!(utc(&last.finished_at), Some("2019-07-07T19:54:33Z"));
    assert_eq!(c.restart_count, Some(5));
    assert_eq!(c.restart_count_line, Some(at(f, "Restart Count:")));
    assert_eq!(
        reasons(&p.events),
        vec!["Scheduled", "Pulled", "Created", "Started", "Killing"]
    );
    assert_eq!(
        p.events[4].message.as_deref(),
        Some("Killing container with id ead3fb35-5cf5-44ed-9ae1-488115be66c6: Need to kill Pod")
    );
}

#[test]
fn describe_ibm_metrics_server_truncated() {
    let f = "describe-ibm-metrics-server-truncated.txt";
    let (pods, w) = describe(f);
    let p = &pods[0];
    assert_eq!(p.name, None);
    let c = container(p, "metrics-server");
    assert_eq!(
        c.id.as_deref(),
        Some("fe3d07c9a2541242d36da8097de3896f740c1363f6d2bfd01b8d96a641192b1b")
    );
    assert_eq!(c.command.len(), 5);
    assert_eq!(c.command[1], "--metric-resolution=45s");
    let last = state(&c.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(utc(&last.finished_at), Some("2021-09-10T17:31:37Z"));
    assert_eq!(c.restart_count, Some(36));
    assert_eq!(c.restart_count_line, Some(22));
    // Cut at both ends: no name, no events.
    let lines: Vec<Option<u64>> = w.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![Some(1), Some(22)], "{w:#?}");
}

#[test]
fn describe_evicted_pgpool_wrapped_partial() {
    let f = "describe-evicted-pgpool-wrapped-partial.txt";
    let (pods, w) = describe(f);
    assert_eq!(pods.len(), 1, "`Name:` under Volumes is not a pod");
    let p = &pods[0];
    assert_eq!(
        p.name.as_deref(),
        Some("treetracker-pgpool-598947fd8f-vzvkq")
    );
    assert_eq!(p.namespace.as_deref(), Some("pgpool"));
    assert_eq!(p.node.as_deref(), Some("cloud-services-node-pool-8ld4g"));
    assert_eq!(utc(&p.start_time), Some("2021-08-21T02:38:36Z"));
    let c = container(p, "treetracker-pgpool");
    assert!(c.state.is_none());
    let env: Vec<(&str, Option<&str>)> = c
        .env
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        env,
        vec![
            ("POSTGRES_USERNAME", Some("xxxx")),
            ("POSTGRES_PASSWORD", Some("xxxxx"))
        ]
    );
    assert_eq!(c.env[1].line, Some(at(f, "POSTGRES_PASSWORD")));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].line, Some(36));
}

#[test]
fn describe_evicted_k9s_cut() {
    let f = "describe-evicted-k9s-cut.txt";
    let (pods, w) = describe(f);
    let p = &pods[0];
    assert_eq!(
        p.name.as_deref(),
        Some("proprietary-crawler-preemptive-79f7cbc6cf-rzck9")
    );
    assert_eq!(
        p.node.as_deref(),
        Some("gke-general-preemptible-40c94gb-pool-35dd7b4d-mv7w")
    );
    assert_eq!(utc(&p.start_time), Some("2019-04-26T06:55:55Z"));
    let c = container(p, "proprietary-crawler");
    assert_eq!(c.limits.memory_bytes, Some(10_000_000_000));
    assert_eq!(c.limits.cpu_millis, Some(8000));
    assert_eq!(c.requests.memory_bytes, Some(7_000_000_000));
    assert_eq!(c.requests.cpu_millis, Some(4000));
    assert_eq!(c.requests.line, Some(at(f, "memory:   7G")));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].line, Some(28));
}

#[test]
fn describe_fragments_starburst_pr1() {
    let f = "describe-fragments-starburst-pr1.txt";
    let bytes = read(f);
    assert!(k8s::looks_like_describe(&bytes));
    let (pods, w) = k8s::parse_describe(f, &bytes);
    let w = w.into_vec();
    assert_eq!(pods.len(), 1);
    let p = &pods[0];
    assert_eq!(p.name, None);
    // Two fragments of one container, before and after a fix: two
    // anonymous containers, not one overwritten.
    assert_eq!(p.containers.len(), 2);
    let (before, after) = (&p.containers[0], &p.containers[1]);
    assert_eq!(before.name, "");
    let s = state(&before.state);
    assert_eq!(
        (s.reason.as_deref(), s.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(utc(&s.finished_at), Some("2021-12-14T02:02:42Z"));
    assert_eq!(before.restart_count, Some(5));
    assert_eq!(before.limits.memory_bytes, Some(300 * MI));
    assert_eq!(before.limits.line, Some(at(f, "memory:  300Mi")));
    assert_eq!(before.env[0].value.as_deref(), Some("us-east-1"));
    assert_eq!(state(&after.state).status, "running");
    assert_eq!(after.limits.memory_bytes, Some(500 * MI));
    assert_eq!(after.restart_count, Some(0));
    let lines: Vec<Option<u64>> = w.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![Some(3), Some(3), Some(22), Some(34)], "{w:#?}");
}

#[test]
fn describe_node_systemoom_pr78174_partial() {
    let f = "describe-node-systemoom-pr78174-partial.txt";
    let bytes = read(f);
    assert!(k8s::looks_like_describe(&bytes));
    let (pods, w) = k8s::parse_describe(f, &bytes);
    assert!(pods.is_empty(), "a node is not a pod");
    assert_eq!(w.items().len(), 1, "{:?}", w.items());
    let (o, w) = k8s::parse_describe_objects(f, &bytes);
    assert!(w.is_empty(), "{:?}", w.items());
    assert_eq!(o.events.len(), 6);
    let oom: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.reason.as_deref() == Some("SystemOOM"))
        .collect();
    assert_eq!(oom.len(), 3);
    for (i, e) in oom.iter().enumerate() {
        assert_eq!(e.object.as_deref(), Some("Node/node1"));
        assert_eq!(e.namespace, None);
        assert_eq!(
            e.component.as_deref(),
            Some("kubelet"),
            "From is `kubelet, node1`"
        );
        assert_eq!(e.message.as_deref(), Some("System OOM encountered"));
        assert_eq!(e.age.as_deref(), Some("17m"));
        assert_eq!(e.line, Some(at_nth(f, "SystemOOM", i)));
    }
}

#[test]
fn describe_node_events_kernel_monitor_oomkilling() {
    let f = "describe-node-events-kernel-monitor-oomkilling.txt";
    let (pods, w) = describe(f);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].line, Some(1));
    let p = &pods[0];
    assert_eq!(p.name, None);
    assert_eq!(p.events.len(), 2);
    let e = &p.events[0];
    assert_eq!(e.reason.as_deref(), Some("OOMKilling"));
    assert_eq!(e.component.as_deref(), Some("kernel-monitor"));
    assert_eq!(e.age.as_deref(), Some("7m59s"));
    assert_eq!(e.object, None);
    assert_eq!(
        e.message.as_deref(),
        Some("Memory cgroup out of memory: Killed process 100490 (stress) total-vm:256776kB, anon-rss:100584kB, file-rss:268kB, shmem-rss:0kB, UID:0 pgtables:236kB oom_score_adj:975")
    );
    assert_eq!(p.events[1].line, Some(5));
}

#[test]
fn describe_synth_two_pods_init_env_wrapped_evicted() {
    let f = "describe-synth-two-pods-init-env-wrapped-evicted.txt";
    let (pods, w) = describe(f);
    no_warnings(f, &w);
    assert_eq!(pods.len(), 2);
    let p = &pods[0];
    assert_eq!(p.name.as_deref(), Some("shop-api-7d9f4c8b6-x2x7q"));
    assert_eq!(p.namespace.as_deref(), Some("shop"));
    assert_eq!(
        p.node.as_deref(),
        Some("ip-10-0-3-17.eu-west-1.compute.internal")
    );
    assert_eq!(utc(&p.start_time), Some("2023-12-02T05:55:57Z"));
    let names: Vec<(&str, bool)> = p
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.init))
        .collect();
    assert_eq!(
        names,
        vec![("migrate", true), ("api", false), ("log-shipper", false)]
    );
    let m = container(p, "migrate");
    assert_eq!(state(&m.state).reason.as_deref(), Some("Completed"));
    assert_eq!(m.command, vec!["/bin/sh", "-c"]);
    assert_eq!(m.args, vec!["./migrate up"]);
    assert_eq!(m.env[1].name, "DB_PASSWORD");
    assert_eq!(m.env[1].value, None);
    let api = container(p, "api");
    let s = state(&api.state);
    assert_eq!(
        (s.status.as_str(), s.reason.as_deref()),
        ("waiting", Some("CrashLoopBackOff"))
    );
    let last = state(&api.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(utc(&last.finished_at), Some("2023-12-13T01:17:03Z"));
    assert_eq!(api.restart_count, Some(9));
    assert_eq!(api.restart_count_line, Some(at(f, "Restart Count:  9")));
    assert_eq!(api.limits.memory_bytes, Some(1536 * MI));
    assert_eq!(api.limits.cpu_millis, Some(1500));
    assert_eq!(api.requests.memory_bytes, Some(1024 * MI));
    assert_eq!(
        api.args,
        vec!["-XX:MaxRAMPercentage=90", "-jar", "/app/api.jar"]
    );
    let env: Vec<(&str, Option<&str>)> = api
        .env
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        env,
        vec![
            ("JAVA_TOOL_OPTIONS", Some("-Xss512k")),
            ("POD_NAME", None),
            ("MEMORY_LIMIT", None),
            ("FEATURE_FLAGS", None)
        ]
    );
    let ls = container(p, "log-shipper");
    assert_eq!(state(&ls.last_state).signal, Some(9));
    assert_eq!(state(&ls.last_state).reason.as_deref(), Some("Error"));
    assert_eq!(
        reasons(&p.events),
        vec!["OOMKilling", "Unhealthy", "Killing", "Pulled", "BackOff"]
    );
    let oom = &p.events[0];
    assert_eq!(oom.count, Some(9));
    assert_eq!(oom.component.as_deref(), Some("kernel-monitor"));
    assert!(oom.message.as_deref().unwrap().ends_with("anon-rss:1570816kB, file-rss:20480kB, shmem-rss:0kB, UID:1000 pgtables:3520kB oom_score_adj:968"));
    assert_eq!(oom.line, Some(at(f, "OOMKilling")));
    assert_eq!(
        p.events[2].message.as_deref(),
        Some("Container api failed liveness probe, will be restarted")
    );
    assert_eq!(p.events[3].age.as_deref(), Some("<unknown>"));
    assert_eq!(p.events[4].count, Some(40));

    let q = &pods[1];
    assert_eq!(q.name.as_deref(), Some("shop-worker-5c6d7f8b9-qq4lz"));
    assert_eq!(q.lines.first, at(f, "Name:             shop-worker"));
    let wk = container(q, "worker");
    assert_eq!(wk.runtime.as_deref(), Some("cri-o"));
    let s = state(&wk.state);
    assert_eq!(s.reason.as_deref(), Some("ContainerStatusUnknown"));
    assert_eq!(
        s.message.as_deref(),
        Some("The container could not be located when the pod was terminated")
    );
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(wk.requests.memory_bytes, Some(512 * MI));
    assert_eq!(wk.limits.memory_bytes, None);
    assert_eq!(
        reasons(&q.events),
        vec!["Evicted", "Killing", "ExceededGracePeriod"]
    );
    assert_eq!(
        q.events[0].object.as_deref(),
        Some("Pod/shop-worker-5c6d7f8b9-qq4lz")
    );
}

// -------------------------------------------------------------- objects

#[test]
fn pod_kodekloud_elephant_oomkilled() {
    let f = "pod-kodekloud-elephant-oomkilled.yaml";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    assert!(o.events.is_empty());
    let p = &o.pods[0];
    assert_eq!(p.name.as_deref(), Some("elephant"));
    assert_eq!(
        p.uid.as_deref(),
        Some("0b72719a-da38-43bc-9eac-88166c9303d7")
    );
    assert_eq!(p.node.as_deref(), Some("controlplane"));
    assert_eq!(p.qos_class.as_deref(), Some("Burstable"));
    assert_eq!(p.format, "yaml");
    assert_eq!(
        p.start_time.as_ref().unwrap().line,
        Some(at(f, "startTime:"))
    );
    let c = container(p, "mem-stress");
    assert_eq!(c.line, Some(at(f, "- args:")));
    // The spec was edited to 20Mi before this was posted; the status still
    // shows the 10Mi the container ran with.
    assert_eq!(c.limits.memory_bytes, Some(20 * MI));
    assert_eq!(c.limits.line, Some(at(f, "memory: 20Mi")));
    assert_eq!(c.command, vec!["stress"]);
    assert_eq!(
        c.args,
        vec!["--vm", "1", "--vm-bytes", "15M", "--vm-hang", "1"]
    );
    assert_eq!(
        c.id.as_deref(),
        Some("76ae03ec419a94f5707a900430095ae24122dadedc78f4da91b41ff2e9b5face")
    );
    let s = state(&c.state);
    assert_eq!(
        (s.status.as_str(), s.reason.as_deref()),
        ("waiting", Some("CrashLoopBackOff"))
    );
    assert_eq!(s.line, Some(at(f, "waiting:")));
    let last = state(&c.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(1))
    );
    assert_eq!(last.container_id.as_deref(), c.id.as_deref());
    assert_eq!(utc(&last.finished_at), Some("2025-09-01T05:25:21Z"));
    assert_eq!(last.finished_at.as_ref().unwrap().line, Some(110));
    assert_eq!(last.line, Some(at(f, "terminated:")));
    assert_eq!(c.restart_count, Some(7));
    assert_eq!(c.restart_count_line, Some(120));
    assert_eq!(c.ready, Some(false));
}

#[test]
fn pod_k8sdocs_nginx_guaranteed() {
    let f = "pod-k8sdocs-nginx-guaranteed.yaml";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    let p = &o.pods[0];
    assert_eq!(p.name.as_deref(), Some("nginx-deployment-67d4bdd6f5-w6kd7"));
    assert_eq!(p.qos_class.as_deref(), Some("Guaranteed"));
    let c = container(p, "nginx");
    assert_eq!(c.limits.memory_bytes, Some(128 * MI));
    assert_eq!(c.limits.cpu_millis, Some(500));
    assert_eq!(c.limits.line, Some(at(f, "memory: 128Mi")));
    assert_eq!(c.requests.line, Some(at_nth(f, "memory: 128Mi", 1)));
    assert!(c.last_state.is_none(), "`lastState: {{}}` is no state");
    assert_eq!(state(&c.state).status, "running");
    assert_eq!(
        utc(&state(&c.state).started_at),
        Some("2022-02-17T21:51:05Z")
    );
    assert_eq!(c.restart_count_line, Some(at(f, "restartCount: 0")));
    assert_eq!((p.lines.first, p.lines.last), (1, 117));
}

#[test]
fn pod_backstage_quarkus_crio() {
    let f = "pod-backstage-quarkus-crio.json";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    let p = &o.pods[0];
    assert_eq!(p.name.as_deref(), Some("my-quarkus-app-7c775ff65d-gkm9c"));
    assert_eq!(p.namespace.as_deref(), Some("cmoullia"));
    assert_eq!(p.node.as_deref(), Some("qshift-drp2b-worker-0-pk7dr"));
    assert_eq!(p.qos_class.as_deref(), Some("BestEffort"));
    assert_eq!(p.format, "json");
    let c = container(p, "my-quarkus-app");
    assert_eq!(c.runtime.as_deref(), Some("cri-o"));
    assert_eq!(
        c.id.as_deref(),
        Some("fca91e4801b41a92a032de3b21530fa9b7a153925a90924b5b0fbbc7de329422")
    );
    assert_eq!(
        c.limits,
        k8s::Resources {
            line: None,
            ..Default::default()
        }
    );
    assert_eq!(c.env.len(), 1);
    assert_eq!(c.env[0].value, None, "valueFrom secretKeyRef");
    assert_eq!(c.env[0].line, Some(at(f, "\"env\": [") + 1));
    let last = state(&c.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("Error"), Some(1))
    );
    assert_eq!(
        last.container_id.as_deref(),
        Some("0883de8a87b4eb51e88088aa024ff33b020fa68aa90bc0b1ec3535eff6324c14")
    );
    assert_eq!(
        last.finished_at.as_ref().unwrap().line,
        Some(at(f, "\"finishedAt\""))
    );
    assert_eq!(c.restart_count, Some(2));
    assert_eq!(c.restart_count_line, Some(at(f, "\"restartCount\": 2")));
    assert_eq!(c.ready, Some(true));
}

#[test]
fn list_synth_pods_service_event() {
    let f = "list-synth-pods-service-event.json";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    assert_eq!(o.pods.len(), 2, "the Service is skipped without a warning");
    let p = &o.pods[0];
    assert_eq!(p.lines.first, at(f, "        {"));
    let names: Vec<(&str, bool)> = p
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.init))
        .collect();
    assert_eq!(
        names,
        vec![("migrate", true), ("api", false), ("log-shipper", false)]
    );
    let api = container(p, "api");
    assert_eq!(api.limits.memory_bytes, Some(1_610_612_736), "1.5Gi");
    assert_eq!(api.limits.cpu_millis, Some(1500));
    assert_eq!(api.requests.cpu_millis, Some(500), "0.5");
    assert_eq!(api.limits.line, Some(at(f, "\"memory\": \"1.5Gi\"")));
    assert_eq!(api.restart_count_line, Some(at(f, "\"restartCount\": 9")));
    let last = state(&api.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(
        last.container_id.as_deref(),
        Some("8b6a5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b")
    );
    assert_eq!(last.line, Some(at_nth(f, "\"terminated\": {", 1)));
    let env: Vec<(&str, Option<&str>)> = api
        .env
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        env,
        vec![("JAVA_TOOL_OPTIONS", Some("-Xss512k")), ("POD_NAME", None)]
    );
    assert_eq!(
        state(&container(p, "log-shipper").last_state).signal,
        Some(9)
    );
    let init = container(p, "migrate");
    assert!(init.init);
    assert_eq!(state(&init.state).reason.as_deref(), Some("Completed"));
    assert!(init.last_state.is_none());
    let worker = container(&o.pods[1], "worker");
    let s = state(&worker.state);
    assert_eq!(s.reason.as_deref(), Some("ContainerStatusUnknown"));
    assert_eq!(s.finished_at, None, "finishedAt: null");
    assert_eq!(o.events.len(), 1);
    let e = &o.events[0];
    assert_eq!(e.reason.as_deref(), Some("OOMKilling"));
    assert_eq!(
        e.object.as_deref(),
        Some("Node/ip-10-0-3-17.eu-west-1.compute.internal")
    );
    assert_eq!(e.component.as_deref(), Some("kernel-monitor"));
    assert_eq!(e.count, Some(9));
    assert_eq!(e.line, Some(at(f, "\"reason\": \"OOMKilling\"")));
    assert_eq!(utc(&e.first_seen), Some("2023-11-30T01:02:03Z"));
}

#[test]
fn stream_synth_oneline_corrupt_eventlist() {
    let f = "stream-synth-oneline-corrupt-eventlist.json";
    let (o, w) = objects(f);
    // Line 1: a pod on one line; line 2: a value cut short; line 3: an
    // EventList on one line.
    assert_eq!(o.pods.len(), 1);
    let api = container(&o.pods[0], "api");
    assert_eq!(api.restart_count, Some(9));
    assert_eq!(api.restart_count_line, Some(1));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].line, Some(3));
    assert!(
        w[0].message.contains("starts at line 2"),
        "{}",
        w[0].message
    );
    assert_eq!(o.events.len(), 1);
    let e = &o.events[0];
    assert_eq!(e.reason.as_deref(), Some("BackOff"));
    assert_eq!(e.count, Some(40));
    assert_eq!(e.line, Some(3));
    assert_eq!(e.object.as_deref(), Some("Pod/shop-api-7d9f4c8b6-x2x7q"));
    assert_eq!(e.namespace.as_deref(), Some("shop"));
}

#[test]
fn events_synth_core_v1() {
    let f = "events-synth-core-v1.yaml";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    assert!(o.pods.is_empty());
    assert_eq!(
        reasons(&o.events),
        vec!["OOMKilling", "SystemOOM", "Killing", "Evicted", "BackOff"]
    );
    let oom = &o.events[0];
    assert_eq!(
        oom.object.as_deref(),
        Some("Node/ip-10-0-3-17.eu-west-1.compute.internal")
    );
    assert_eq!(oom.component.as_deref(), Some("kernel-monitor"));
    assert_eq!(oom.count, Some(9));
    assert_eq!(
        oom.message.as_deref(),
        Some("Memory cgroup out of memory: Killed process 4242 (java) total-vm:4718592kB, anon-rss:1570816kB, file-rss:20480kB, shmem-rss:0kB, UID:1000 pgtables:3520kB oom_score_adj:968")
    );
    assert_eq!(oom.line, Some(at(f, "reason: OOMKilling")));
    assert_eq!(
        oom.last_seen.as_ref().unwrap().line,
        Some(at(f, "lastTimestamp: \"2023-12-13T01:17:03Z\""))
    );
    assert_eq!(utc(&oom.last_seen), Some("2023-12-13T01:17:03Z"));
    let sys = &o.events[1];
    assert_eq!(
        sys.message.as_deref(),
        Some("System OOM encountered, victim process: java, pid: 5151")
    );
    assert_eq!(sys.event_type.as_deref(), Some("Warning"));
    let kill = &o.events[2];
    assert_eq!(kill.object.as_deref(), Some("Pod/shop-api-7d9f4c8b6-x2x7q"));
    assert_eq!(kill.namespace.as_deref(), Some("shop"));
    assert_eq!(
        kill.message.as_deref(),
        Some("Container api failed liveness probe, will be restarted")
    );
    let evicted = &o.events[3];
    assert!(evicted
        .message
        .as_deref()
        .unwrap()
        .starts_with("The node was low on resource: memory."));
    assert_eq!(evicted.line, Some(at(f, "reason: Evicted")));
    let back = &o.events[4];
    assert_eq!(back.count, Some(40));
    assert_eq!(utc(&back.first_seen), Some("2023-11-30T01:05:00Z"));
}

#[test]
fn events_synth_events_k8s_io_v1() {
    let f = "events-synth-events-k8s-io-v1.json";
    let (o, w) = objects(f);
    no_warnings(f, &w);
    assert_eq!(o.events.len(), 2);
    let kill = &o.events[0];
    assert_eq!(kill.reason.as_deref(), Some("Killing"));
    assert_eq!(
        kill.message.as_deref(),
        Some("Container api failed liveness probe, will be restarted")
    );
    assert_eq!(kill.component.as_deref(), Some("kubelet"));
    assert_eq!(kill.count, Some(1), "deprecatedCount");
    assert_eq!(utc(&kill.first_seen), Some("2023-12-13T01:03:12Z"));
    assert_eq!(kill.object.as_deref(), Some("Pod/shop-api-7d9f4c8b6-x2x7q"));
    let sched = &o.events[1];
    assert_eq!(sched.count, Some(12), "series.count");
    assert_eq!(sched.component.as_deref(), Some("default-scheduler"));
    assert_eq!(utc(&sched.first_seen), Some("2023-12-13T01:20:05.182734Z"));
    assert_eq!(utc(&sched.last_seen), Some("2023-12-13T01:31:40.000418Z"));
    assert_eq!(
        sched.last_seen.as_ref().unwrap().line,
        Some(at(f, "lastObservedTime"))
    );
    assert_eq!(sched.line, Some(at(f, "\"reason\": \"FailedScheduling\"")));
}

#[test]
fn multidoc_synth_corrupt_and_other_kinds() {
    let f = "multidoc-synth-corrupt-and-other-kinds.yaml";
    let (o, w) = objects(f);
    assert_eq!(o.pods.len(), 1);
    let p = &o.pods[0];
    assert_eq!(p.name.as_deref(), Some("batch-7f6d5"));
    let c = container(p, "etl");
    assert_eq!(c.limits.memory_bytes, Some(129_000_000), "129e6");
    assert_eq!(c.limits.cpu_millis, Some(2000), "cpu: 2 (a YAML number)");
    assert_eq!(c.runtime.as_deref(), Some("docker"));
    let last = state(&c.last_state);
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("OOMKilled"), Some(137))
    );
    assert_eq!(c.restart_count_line, Some(at(f, "restartCount: 3")));
    assert_eq!(o.events.len(), 1);
    assert_eq!(o.events[0].object.as_deref(), Some("Pod/batch-7f6d5"));
    assert_eq!(o.events[0].line, Some(at(f, "reason: OOMKilling")));
    assert_eq!(w.len(), 2, "{w:#?}");
    assert_eq!(
        w[0].line,
        Some(at(f, "\tnamespace: jobs")),
        "the tab that breaks the YAML"
    );
    assert_eq!(w[1].line, Some(at(f, "kind: Deployment")));
    assert!(w[1].message.contains("Deployment"));
}

#[test]
fn corrupt_json_fragment_containerstatuses() {
    let f = "corrupt-json-fragment-containerstatuses.json";
    let bytes = read(f);
    assert!(
        !k8s::looks_like_object(&bytes),
        "a fragment has no apiVersion/kind"
    );
    let (o, w) = k8s::parse_objects(f, &bytes);
    assert!(o.pods.is_empty() && o.events.is_empty());
    assert_eq!(w.items().len(), 1);
    assert_eq!(
        w.items()[0].line,
        Some(29),
        "the trailing `],` after the list"
    );
}

/// Every fixture file is covered by a test above and listed in SOURCES.md.
#[test]
fn every_fixture_is_listed_in_sources() {
    let sources = String::from_utf8(read("SOURCES.md")).unwrap();
    let this = include_str!("k8s_fixtures.rs");
    for entry in std::fs::read_dir(path("")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        // `pasted/` has its own SOURCES.md and tests (pasted_fixtures.rs).
        if name == "SOURCES.md" || entry.file_type().unwrap().is_dir() {
            continue;
        }
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} missing from SOURCES.md"
        );
        let test = name.rsplit_once('.').unwrap().0.replace(['-', '.'], "_");
        assert!(
            this.contains(&format!("fn {test}()")),
            "no test named {test}"
        );
    }
}
