//! Evidence as people paste it: each fixture under
//! `tests/fixtures/{k8s,kernel}/pasted/` (where each comes from: the
//! SOURCES.md beside them) is recognised by the registry as the right kind
//! and its facts are read: exit code, reason, restarts, kill kind, memcg.

use std::path::PathBuf;

use oomlens_evidence::k8s::{self, Objects};
use oomlens_evidence::kernel::{self, Kind, OomReport};
use oomlens_evidence::registry::FORMATS;
use oomlens_evidence::time::TimeContext;

fn read(dir: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(dir)
        .join("pasted")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The name of the first format whose recogniser takes the bytes.
fn recognised(bytes: &[u8]) -> &'static str {
    FORMATS
        .iter()
        .find(|f| (f.recognise)(bytes))
        .map_or("none", |f| f.name)
}

fn fragment(name: &str) -> Objects {
    let b = read("k8s", name);
    assert_eq!(recognised(&b), "k8s-fragment", "{name}");
    k8s::parse_pasted(name, &b).0
}

fn report(name: &str) -> OomReport {
    let b = read("kernel", name);
    let (mut r, w) = kernel::parse(name, &b, &TimeContext::default());
    assert_eq!(r.len(), 1, "{name}: {r:#?} {w:?}");
    r.remove(0)
}

#[test]
fn get_pods_table_gives_status_and_restarts() {
    let o = fragment("get-pods-hmcts-pr28772.txt");
    let p = &o.pods[0];
    assert_eq!(
        p.name.as_deref(),
        Some("tax-tribunals-application-base-74464f6b98-2kj6g")
    );
    let c = &p.containers[0];
    assert_eq!(c.restart_count, Some(4));
    let last = c.last_state.as_ref().expect("last state");
    assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(last.line, Some(2));
}

#[test]
fn go_template_lastate_with_2015_reason_spelling() {
    let o = fragment("gotemplate-k8sdocs-simmemleak-laststate.txt");
    let c = &o.pods[0].containers[0];
    assert_eq!(c.name, "simmemleak");
    let s = c.last_state.as_ref().expect("last state");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(
        s.finished_at.as_ref().and_then(|t| t.utc.as_deref()),
        Some("2015-07-07T20:58:43Z")
    );
    assert_eq!(c.runtime.as_deref(), Some("docker"));
}

#[test]
fn json_fragment_ending_in_a_comma() {
    let o = fragment("json-laststate-k8s-issue53669-trailing-comma.txt");
    let c = &o.pods[0].containers[0];
    let s = c.last_state.as_ref().expect("last state");
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(s.reason.as_deref(), Some("Error"));
    assert_eq!(s.line, Some(2));
    assert_eq!(
        c.id.as_deref().or(s.container_id.as_deref()),
        Some("5954f621c17f13706c25a215db06fe2bf7b9a9a6c732a909eb0db39d62346724")
    );
}

#[test]
fn state_termination_of_the_2014_api() {
    let o = fragment("status-json-k8s-pr3044-oom-killed-spelling.txt");
    let c = &o.pods[0].containers[0];
    let s = c.last_state.as_ref().expect("last state");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(s.exit_code, Some(137));
}

#[test]
fn yaml_block_cut_out_of_a_pod() {
    let o = fragment("yaml-laststate-grep-lab-notes.txt");
    let s = o.pods[0].containers[0].last_state.clone().expect("last");
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
}

#[test]
fn docker_inspect_exit_137_without_oomkilled_is_explained() {
    let b = read("k8s", "docker-inspect-state-k8s-issue19825.txt");
    assert_eq!(recognised(&b), "k8s-fragment");
    let (o, w) = k8s::parse_pasted("d", &b);
    let s = o.pods[0].containers[0].last_state.clone().expect("state");
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(s.reason, None);
    let w = format!("{w:?}");
    assert!(w.contains("SIGKILL") && w.contains("no OOM"), "{w}");
}

#[test]
fn describe_last_state_three_lines_are_a_describe() {
    for name in [
        "describe-gimlet-issue649-deindented.txt",
        "describe-kube-eventer-issue285-exit1.txt",
    ] {
        let b = read("k8s", name);
        assert_eq!(recognised(&b), "describe", "{name}");
        let (pods, _) = k8s::parse_describe(name, &b);
        let s = pods[0].containers[0].last_state.clone().expect("last");
        assert_eq!(s.reason.as_deref(), Some("OOMKilled"), "{name}");
    }
}

#[test]
fn sacrifice_child_alone_is_a_global_kill() {
    for name in [
        "k3.10-global-sacrifice-child-pandora-issue49.log",
        "k2.6-global-sacrifice-child-redis-issue2174.log",
    ] {
        let r = report(name);
        assert_eq!(r.kind, Kind::Global, "{name}");
        assert!(r.victim.is_some(), "{name}");
    }
}

#[test]
fn constraint_none_with_a_memcg_kill_line_is_memcg() {
    let r = report("k5.x-memcg-constraint-none-kubepods-docker-syslog.log");
    assert_eq!(r.kind, Kind::Memcg);
    assert!(r.oom_memcg.as_deref().unwrap_or("").contains("kubepods"));
}

#[test]
fn user_slice_memcg_outside_kubernetes() {
    let r = report("k6.x-memcg-user-slice-dmesg-indented-lkml.log");
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(
        r.oom_memcg.as_deref(),
        Some("/user.slice/user-1000.slice/user@1000.service/app.slice/run-u640.service")
    );
    assert_eq!(r.task_memcg, r.oom_memcg);
}

#[test]
fn wrapped_oom_kill_lines_are_joined() {
    let r = report("k6.x-memcg-user-slice-wrapped-journal-notes.log");
    assert_eq!(r.kind, Kind::Memcg);
    // `Killed process 1851349 (git)` wrapped before its sizes.
    let v = r.victim.as_ref().expect("victim");
    assert_eq!(
        (v.pid, v.anon_rss_kb, v.uid),
        (1851349, Some(8_452_204), Some(1001))
    );
    assert_eq!(
        r.oom_memcg.as_deref(),
        Some("/user.slice/user-1001.slice/user@1001.service/needle.slice/run-p1830008-i211518363.scope")
    );
    assert_eq!(
        r.task_memcg.as_deref(),
        Some("/…/run-p1830008-i211518363.scope")
    );
    let r = report("k5.x-memcg-wrapped-midvalue-cadvisor-issue2417.log");
    assert_eq!(
        r.oom_memcg.as_deref(),
        Some("/kubepods/burstable/podfbdfe8e3-1c87-4ff2-907c-b2ec8e25d012")
    );
    assert!(r
        .task_memcg
        .as_deref()
        .unwrap_or("")
        .ends_with("ef807430361e6e82b45db92e2e9b6fbec98f419b12c591e655c1a725565e73a8"));
    assert_eq!(r.victim.as_ref().map(|v| v.pid), Some(966));
}

fn flags(name: &str) -> oomlens_evidence::jvm::flags::JvmFlags {
    let b = read("jvm", name);
    assert_eq!(recognised(&b), "jvm-flags", "{name}");
    oomlens_evidence::jvm::flags::parse(name, &b)
        .0
        .unwrap_or_else(|| panic!("{name}: no flags"))
}

#[test]
fn print_flags_final_lines_grepped_without_header() {
    let f = flags("printflagsfinal-grep-maxheap-openjdk8u141-notes.txt");
    assert_eq!(f.kind, "print-flags-final");
    assert_eq!(f.bytes("MaxHeapSize"), Some(1_035_993_088));
    assert_eq!(f.get("MaxHeapSize").and_then(|x| x.line), Some(2));
    let f = flags("printflagsfinal-grep-maxheap-with-version-jdk8-notes.txt");
    assert_eq!(f.bytes("MaxHeapSize"), Some(520_093_696));
    assert_eq!(f.jdk, Some(8));
}

#[test]
fn dockerfile_entrypoint_array_in_a_diff_gives_the_new_flags() {
    let f = flags("dockerfile-entrypoint-diff-simplereport-pr3395.txt");
    assert_eq!(f.kind, "command-line");
    assert_eq!(f.number("MaxRAMPercentage"), Some(75.0));
    assert_eq!(f.number("InitialRAMPercentage"), Some(75.0));
    assert_eq!(f.get("MaxRAMPercentage").and_then(|x| x.line), Some(6));
}

#[test]
fn echoed_java_opts() {
    let f = flags("java-opts-echo-azure-dev-docs-issue1306.txt");
    assert_eq!(f.kind, "command-line");
    assert_eq!(f.number("MaxRAMPercentage"), Some(75.0));
    assert_eq!(f.bytes("MaxMetaspaceSize"), Some(1024 << 20));
    assert_eq!(f.bool("UseZGC"), Some(true));
}

fn jcmd_out(name: &str) -> oomlens_evidence::jvm::jcmd::JcmdOutput {
    let b = read("jcmd", name);
    assert_eq!(recognised(&b), "jcmd", "{name}");
    oomlens_evidence::jvm::jcmd::parse(name, &b)
        .0
        .unwrap_or_else(|| panic!("{name}: not read"))
}

#[test]
fn jmap_clstats_of_jdk8_serviceability_agent() {
    let o = jcmd_out("clstats-jdk8-sa-jmap-notes.txt");
    assert_eq!(format!("{:?}", o.kind), "Clstats");
    assert_eq!(o.loader_rows, 4, "{o:#?}");
    let total = format!("{:?}", o.loader_total);
    assert!(total.contains("689"), "{total}");
}

#[test]
fn class_histogram_rows_without_header() {
    let o = jcmd_out("histo-rows-no-header-jdk8-notes.txt");
    assert_eq!(format!("{:?}", o.kind), "ClassHistogram");
    assert_eq!(o.histogram_rows, 4);
    assert_eq!(o.histogram[0].class, "java.util.HashMap$Node");
    assert_eq!(o.histogram[0].bytes, 83456);
    assert_eq!(o.histogram[0].line, 1);
}

#[test]
fn get_events_table() {
    let o = fragment("get-events-devto-releaserun-partial.txt");
    assert!(o.pods.is_empty());
    let e = &o.events[0];
    assert_eq!(e.reason.as_deref(), Some("Scheduled"));
    assert_eq!(e.event_type.as_deref(), Some("Normal"));
    assert_eq!(e.object.as_deref(), Some("Pod/web-abc12"));
    assert_eq!(e.age.as_deref(), Some("2m"));
    assert_eq!(
        e.message.as_deref(),
        Some("Successfully assigned default/web-abc12 to node-3")
    );
    assert_eq!(e.line, Some(2));
}

#[test]
fn ecs_task_memcg_outside_kubernetes() {
    let r = report("k4.14-memcg-ecs-task-dmesgT-ecs-agent-issue4508-partial.log");
    assert_eq!(r.kind, Kind::Memcg);
    let ecs = "/ecs/f209da7f990b45b585488946f0eec404/15e20c7f5997947ffa3adb2b2bff199eea61004e29501677c53751b2c549bb15";
    assert_eq!(r.oom_memcg.as_deref(), Some(ecs));
    assert_eq!(r.task_memcg.as_deref(), Some(ecs));
    assert_eq!(r.memory.as_ref().and_then(|m| m.limit_kb), Some(1_048_576));
}

fn class_log(name: &str) -> oomlens_evidence::jvm::classload::ClassLog {
    let b = read("classload", name);
    assert_eq!(recognised(&b), "class-log", "{name}");
    oomlens_evidence::jvm::classload::scan(name, &b[..])
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .0
}

#[test]
fn hs_err_classes_loaded_section() {
    let l = class_log("hs_err-classes-loaded-jdk21-windows-eclipse.txt");
    // Eight `Loading class X done` lines; the four without `done` only start.
    assert_eq!(l.loaded, 8);
    assert_eq!(l.unloaded, 0);
    assert_eq!(l.first_uptime_s, Some(0.733));
    assert_eq!(l.last_uptime_s, Some(0.766));
}

#[test]
fn hs_err_classes_unloaded_section() {
    let l = class_log("hs_err-classes-unloaded-jdk21-windows.txt");
    assert_eq!(l.unloaded, 18);
    assert_eq!(l.loaded, 0);
}

#[test]
fn get_pods_table_with_collapsed_spaces() {
    let o = fragment("get-pods-collapsed-spaces-devopsaitoolkit.txt");
    let p = &o.pods[0];
    assert_eq!(p.name.as_deref(), Some("worker-5f7d8c9b6d-h4kpz"));
    assert_eq!(p.namespace, None);
    let c = &p.containers[0];
    assert_eq!(c.restart_count, Some(3));
    let s = c.last_state.as_ref().expect("last state");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(s.line, Some(2));
}

#[test]
fn describe_lines_all_at_column_zero() {
    let name = "describe-flat-column0-devopsaitoolkit-partial.txt";
    let b = read("k8s", name);
    assert_eq!(recognised(&b), "describe");
    let (pods, _) = k8s::parse_describe(name, &b);
    let s = pods[0].containers[0].last_state.clone().expect("last");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(s.exit_code, Some(137));
    assert_eq!(
        s.started_at.as_ref().and_then(|t| t.utc.as_deref()),
        Some("2026-06-23T14:08:02Z")
    );
}

#[test]
fn docker_inspect_grep_oomkilled_true() {
    let o = fragment("docker-inspect-grep-oom-true-training-notes.txt");
    let s = o.pods[0].containers[0].last_state.clone().expect("state");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(s.exit_code, None);
    assert_eq!(s.line, Some(2));
}

#[test]
fn the_2015_reason_spelling_in_describe_and_objects() {
    let (pods, _) = k8s::parse_describe(
        "d",
        b"    Last State:\tTerminated\n      Reason:\tOOM Killed\n      Exit Code:\t137\n",
    );
    let s = pods[0].containers[0].last_state.clone().expect("last");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
    let pod = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"c","lastState":{"terminated":{"exitCode":137,"reason":"OOM Killed"}}}]}}"#;
    let (o, _) = k8s::parse_objects("o", pod);
    let s = o.pods[0].containers[0].last_state.clone().expect("last");
    assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
}
