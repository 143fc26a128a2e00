//! Evidence as people paste it reaches the diagnosis: each real public
//! fragment under `tests/fixtures/*/pasted/` (sources in the SOURCES.md
//! beside them) is read as the right kind, not skipped, and its facts
//! (OOMKilled, exit code, restarts, kill kind, memcg level) are in the JSON.

mod support;

use serde_json::Value;

fn diagnose(dir: &str, name: &str) -> Value {
    let p = format!(
        "{}/../../tests/fixtures/{dir}/pasted/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    support::oomlens_json(&["diagnose", &p, "-f", "json"], &[0, 1])
}

fn source_kind(d: &Value) -> &str {
    d["sources"][0]["kind"].as_str().unwrap_or("")
}

fn only_container(d: &Value) -> &Value {
    let cs = d["containers"].as_array().expect("containers");
    assert_eq!(cs.len(), 1, "{d:#}");
    &cs[0]
}

fn kill_kinds(c: &Value) -> Vec<&str> {
    c["kills"]
        .as_array()
        .map(|k| k.iter().filter_map(|k| k["kind"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn pod_status_fragments_are_oom_kills() {
    for name in [
        "gotemplate-k8sdocs-simmemleak-laststate.txt",
        "status-json-k8s-pr3044-oom-killed-spelling.txt",
        "yaml-laststate-grep-lab-notes.txt",
    ] {
        let d = diagnose("k8s", name);
        assert_eq!(source_kind(&d), "k8s-fragment", "{name}: {d:#}");
        assert_eq!(d["oom_kill_found"], true, "{name}: {d:#}");
        let c = only_container(&d);
        assert_eq!(kill_kinds(c), ["kernel-memcg"], "{name}: {c:#}");
        let cite = c["kills"][0]["evidence"][0]["what"].as_str().unwrap_or("");
        assert!(cite.contains("OOMKilled"), "{name}: {cite}");
        if name.starts_with("gotemplate") || name.starts_with("status-json") {
            assert!(cite.contains("Exit Code: 137"), "{name}: {cite}");
        }
    }
}

#[test]
fn json_fragment_with_reason_error_keeps_exit_137() {
    let d = diagnose("k8s", "json-laststate-k8s-issue53669-trailing-comma.txt");
    assert_eq!(source_kind(&d), "k8s-fragment", "{d:#}");
    let c = only_container(&d);
    assert_eq!(
        c["container"]["id"],
        "5954f621c17f13706c25a215db06fe2bf7b9a9a6c732a909eb0db39d62346724"
    );
}

#[test]
fn get_pods_table_gives_the_kill_and_restarts() {
    let d = diagnose("k8s", "get-pods-hmcts-pr28772.txt");
    assert_eq!(source_kind(&d), "k8s-fragment", "{d:#}");
    let c = only_container(&d);
    assert_eq!(c["restart_count"], 4, "{c:#}");
    assert_eq!(
        c["pod"]["name"],
        "tax-tribunals-application-base-74464f6b98-2kj6g"
    );
    assert_eq!(kill_kinds(c), ["kernel-memcg"], "{c:#}");
}

#[test]
fn describe_state_lines_alone_are_read() {
    let d = diagnose("k8s", "describe-gimlet-issue649-deindented.txt");
    assert_eq!(source_kind(&d), "describe", "{d:#}");
    let c = only_container(&d);
    assert_eq!(kill_kinds(c), ["kernel-memcg"], "{c:#}");
    assert_eq!(c["kills"][0]["time"], "2023-09-15T07:56:17Z");
    let d = diagnose("k8s", "describe-kube-eventer-issue285-exit1.txt");
    assert_eq!(only_container(&d)["restart_count"], 3, "{d:#}");
}

#[test]
fn docker_inspect_exit_137_without_oom_is_said_to_be_no_runtime_oom() {
    let d = diagnose("k8s", "docker-inspect-state-k8s-issue19825.txt");
    assert_eq!(source_kind(&d), "k8s-fragment", "{d:#}");
    assert_eq!(d["oom_kill_found"], false, "{d:#}");
    let w = d["warnings"].to_string();
    assert!(
        w.contains("exit code 137 with OOMKilled false") && w.contains("SIGKILL"),
        "{w}"
    );
}

#[test]
fn old_node_wide_oom_is_global() {
    for name in [
        "k3.10-global-sacrifice-child-pandora-issue49.log",
        "k2.6-global-sacrifice-child-redis-issue2174.log",
    ] {
        let d = diagnose("kernel", name);
        let c = only_container(&d);
        assert_eq!(kill_kinds(c), ["kernel-global"], "{name}: {c:#}");
        assert_eq!(c["kills"][0]["limit_level"], "root", "{name}");
    }
    let d = diagnose("kernel", "k2.6-global-sacrifice-child-redis-issue2174.log");
    let v = &only_container(&d)["kills"][0]["victim"];
    assert_eq!(v["comm"], "redis-server", "{v:#}");
    assert_eq!(v["anon_rss_kb"], 9066596, "{v:#}");
}

#[test]
fn memcg_kills_with_odd_summaries_are_memcg() {
    let d = diagnose(
        "kernel",
        "k5.x-memcg-constraint-none-kubepods-docker-syslog.log",
    );
    let c = only_container(&d);
    assert_eq!(kill_kinds(c), ["kernel-memcg"], "{c:#}");
    assert_eq!(c["kills"][0]["limit_level"], "container", "{c:#}");
    assert_eq!(c["pod"]["uid"], "ef7ce918-ae07-11e9-bf64-00163e08cd06");
    for name in [
        "k6.x-memcg-user-slice-dmesg-indented-lkml.log",
        "k6.x-memcg-user-slice-wrapped-journal-notes.log",
    ] {
        let d = diagnose("kernel", name);
        let c = only_container(&d);
        assert_eq!(kill_kinds(c), ["kernel-memcg"], "{name}: {c:#}");
        // The memcg was read: its level is known (a systemd unit, not a pod).
        assert_eq!(c["kills"][0]["limit_level"], "other", "{name}: {c:#}");
    }
    let d = diagnose(
        "kernel",
        "k5.x-memcg-wrapped-midvalue-cadvisor-issue2417.log",
    );
    let c = only_container(&d);
    assert_eq!(
        c["pod"]["uid"], "fbdfe8e3-1c87-4ff2-907c-b2ec8e25d012",
        "{c:#}"
    );
}

#[test]
fn pasted_jvm_flags_are_read_as_flags() {
    for (name, count) in [
        (
            "printflagsfinal-grep-maxheap-openjdk8u141-notes.txt",
            "2 JVM flag(s), print-flags-final",
        ),
        (
            "dockerfile-entrypoint-diff-simplereport-pr3395.txt",
            "2 JVM flag(s), command-line",
        ),
        (
            "java-opts-echo-azure-dev-docs-issue1306.txt",
            "4 JVM flag(s), command-line",
        ),
    ] {
        let d = diagnose("jvm", name);
        assert_eq!(source_kind(&d), "jvm-flags", "{name}: {d:#}");
        let note = d["sources"][0]["note"].as_str().unwrap_or("");
        assert!(note.starts_with(count), "{name}: {note}");
    }
}

#[test]
fn pasted_class_data_is_read() {
    for name in [
        "clstats-jdk8-sa-jmap-notes.txt",
        "histo-rows-no-header-jdk8-notes.txt",
    ] {
        let d = diagnose("jcmd", name);
        assert_eq!(source_kind(&d), "jcmd", "{name}: {d:#}");
    }
}

#[test]
fn get_events_table_is_read() {
    let d = diagnose("k8s", "get-events-devto-releaserun-partial.txt");
    assert_eq!(source_kind(&d), "k8s-fragment", "{d:#}");
    assert_eq!(d["sources"][0]["note"], "0 pod(s), 1 event(s)");
}

#[test]
fn ecs_task_kill_names_the_container_and_its_limit() {
    let d = diagnose(
        "kernel",
        "k4.14-memcg-ecs-task-dmesgT-ecs-agent-issue4508-partial.log",
    );
    let c = only_container(&d);
    assert_eq!(
        c["container"]["id"],
        "15e20c7f5997947ffa3adb2b2bff199eea61004e29501677c53751b2c549bb15"
    );
    assert_eq!(kill_kinds(c), ["kernel-memcg"], "{c:#}");
    assert_eq!(c["kills"][0]["limit_bytes"], 1u64 << 30, "{c:#}");
    assert_eq!(c["kills"][0]["time"], "2025-02-19T06:41:03Z");
}

#[test]
fn hs_err_class_event_sections_are_class_logs() {
    for (name, note) in [
        (
            "hs_err-classes-loaded-jdk21-windows-eclipse.txt",
            "8 classes loaded, 0 unloaded",
        ),
        (
            "hs_err-classes-unloaded-jdk21-windows.txt",
            "0 classes loaded, 18 unloaded",
        ),
    ] {
        let d = diagnose("classload", name);
        assert_eq!(source_kind(&d), "class-log", "{name}: {d:#}");
        assert_eq!(d["sources"][0]["note"], note, "{name}");
    }
}

/// The same class event sections inside a whole `hs_err` file were read
/// only as a crash report: its class events now reach the class analysis
/// too. The real `hs_err` file of `tests/fixtures/applog` (4 `Loading
/// class ... done` events, an empty `Classes unloaded` section), and the
/// same file with the public 18-event `Classes unloaded` section above in
/// place of its empty one: each the counts the sections alone give.
#[test]
fn hs_err_class_events_are_read_inside_a_whole_hs_err_file() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let whole = format!("{root}/applog/jdk17-crash-on-oome-cgroup512m-hs_err_pid858.log");
    let d = support::oomlens_json(&["diagnose", &whole, "-f", "json"], &[0, 1]);
    assert_eq!(source_kind(&d), "hs-err", "{d:#}");
    let note = d["sources"][0]["note"].as_str().unwrap_or_default();
    assert!(
        note.ends_with(", 4 class(es) loaded and 0 unloaded in its events"),
        "{note}"
    );
    let text = std::fs::read_to_string(&whole).unwrap();
    let unloaded = std::fs::read_to_string(format!(
        "{root}/classload/pasted/hs_err-classes-unloaded-jdk21-windows.txt"
    ))
    .unwrap();
    let empty = "Classes unloaded (0 events):\nNo events\n";
    assert!(text.contains(empty), "the file's empty section");
    let tmp = support::TempDir::new("oomlens-hserr-classes");
    let spliced = tmp.path().join("hs_err_pid858.log");
    std::fs::write(&spliced, text.replacen(empty, &unloaded, 1)).unwrap();
    let d = support::oomlens_json(
        &["diagnose", spliced.to_str().unwrap(), "-f", "json"],
        &[0, 1],
    );
    assert_eq!(source_kind(&d), "hs-err", "{d:#}");
    let note = d["sources"][0]["note"].as_str().unwrap_or_default();
    assert!(
        note.ends_with(", 4 class(es) loaded and 18 unloaded in its events"),
        "{note}"
    );
    assert!(note.starts_with("1 out-of-memory signal(s)"), "{note}");
}

#[test]
fn collapsed_get_pods_and_flat_describe_are_read() {
    let d = diagnose("k8s", "get-pods-collapsed-spaces-devopsaitoolkit.txt");
    let c = only_container(&d);
    assert_eq!(c["restart_count"], 3, "{c:#}");
    assert_eq!(kill_kinds(c), ["kernel-memcg"], "{c:#}");
    let d = diagnose("k8s", "describe-flat-column0-devopsaitoolkit-partial.txt");
    assert_eq!(source_kind(&d), "describe", "{d:#}");
    assert_eq!(kill_kinds(only_container(&d)), ["kernel-memcg"], "{d:#}");
}

#[test]
fn docker_inspect_oomkilled_true_is_an_oom_kill() {
    let d = diagnose("k8s", "docker-inspect-grep-oom-true-training-notes.txt");
    assert_eq!(source_kind(&d), "k8s-fragment", "{d:#}");
    assert_eq!(d["oom_kill_found"], true, "{d:#}");
    assert_eq!(kill_kinds(only_container(&d)), ["kernel-memcg"], "{d:#}");
}
