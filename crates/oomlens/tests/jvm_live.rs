//! End to end with a real JVM: the Orika-like leak of `tests/jvm` (javassist
//! generating `ma.glasnost.orika.generated.Orika_*_Mapper*` classes per
//! request, as Orika does) runs in a real Kubernetes-shaped memory cgroup
//! until the kernel kills it; `oomlens diagnose` on what was captured (the
//! real kernel log, class+load log, GC log, jcmd snapshots) and a pod object
//! must name the family, the library and the fix. A steady service that
//! generates a burst of proxies at start-up and then stops must not be
//! called a leak. `scripts/capture/jvm-leak.sh` runs the JVMs and removes
//! its cgroups whatever happens.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The JVM runs take turns: they share the build folder (built once, by
/// the first), the kernel log and the machine's two cores.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Java and the Debian jars the programs use must be there: CI installs
/// them (`scripts/test.sh`). Fails loudly when they are not.
fn require_jvm() -> bool {
    if !support::require_cgroups() {
        return false;
    }
    let build = Command::new(repo().join("scripts/capture/jvm-build.sh")).output();
    match build {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let why = format!(
                "the JVM test programs do not build (OpenJDK 17, libjavassist-java, libcglib-java, groovy): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            if std::env::var_os("OOMLENS_ALLOW_SKIP").is_some() {
                eprintln!("\n!!! SKIPPED: {why}\n");
                false
            } else {
                panic!("{why}");
            }
        }
        Err(e) => panic!("cannot run scripts/capture/jvm-build.sh: {e}"),
    }
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn capture(program: &str, limit_mib: &str, seconds: &str, out: &Path) -> HashMap<String, String> {
    // A real JVM on a busy 2-core machine: one retry, loudly, when a run
    // does not end as its program should (a slow start under load).
    let mut ok = false;
    for attempt in 1..=2 {
        let _ = std::fs::remove_dir_all(out);
        let st = Command::new(repo().join("scripts/capture/jvm-leak.sh"))
            .args([program, out.to_str().unwrap(), limit_mib, seconds])
            .env("SNAPSHOT_EVERY", "4")
            .status()
            .unwrap();
        if st.success() {
            ok = true;
            break;
        }
        eprintln!(
            "!!! {program} run {attempt} did not end as expected: facts {:?}, stdout tail {:?}",
            std::fs::read_to_string(out.join("facts.env")).unwrap_or_default(),
            std::fs::read_to_string(out.join("stdout.log"))
                .unwrap_or_default()
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
        );
    }
    assert!(
        ok,
        "{program} did not end as expected twice (outputs in {})",
        out.display()
    );
    std::fs::read_to_string(out.join("facts.env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn diagnose(dir: &Path) -> serde_json::Value {
    let out = Command::new(support::oomlens())
        .args(["diagnose", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn orika_like_leak_killed_by_the_kernel_is_named() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !require_jvm() {
        return;
    }
    let tmp = Tmp(std::env::temp_dir().join(format!("oomlens-jvm-{}", support::unique(10))));
    let out = tmp.0.join("capture");
    let f = capture("OrikaLikeLeak", "128", "90", &out);
    assert_eq!(f["outcome"], "kernel-oom-kill");
    // The pod object a user would fetch, with the real ids of the run.
    let started = &f["started"];
    let finished = &f["finished"];
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "mapping-svc-6b8f9d7c4-q2w3e", "namespace": "shop", "uid": f["pod_uid"]},
        "spec": {"containers": [{"name": "mapping-svc", "image": "shop/mapping:1",
            "resources": {"limits": {"memory": "128Mi"}}}]},
        "status": {"containerStatuses": [{"name": "mapping-svc", "restartCount": 1,
            "containerID": format!("containerd://{}", support::unique(64)),
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                "containerID": format!("containerd://{}", f["container_id"]),
                "startedAt": started, "finishedAt": finished}}}]}
    });
    std::fs::write(
        out.join("pod.json"),
        serde_json::to_vec_pretty(&pod).unwrap(),
    )
    .unwrap();

    let d = diagnose(&out);
    let top = &d["causes"][0];
    assert_eq!(
        top["id"],
        "metaspace-class-generation",
        "{}",
        serde_json::to_string_pretty(&d["causes"]).unwrap()
    );
    assert!(top["confidence"].as_f64().unwrap() >= 0.9);
    let summary = top["summary"].as_str().unwrap();
    assert!(
        summary.contains("ma.glasnost.orika.generated.Orika_*_Mapper*")
            && summary.contains("Orika"),
        "{summary}"
    );
    assert!(top["fixes"][0].as_str().unwrap().contains("MapperFactory"));
    let c = &d["containers"][top["container"].as_u64().unwrap() as usize];
    assert_eq!(c["container"]["name"], "mapping-svc");
    assert_eq!(c["pod"]["uid"].as_str(), Some(f["pod_uid"].as_str()));
    let k = &c["kills"][0];
    assert_eq!(k["kind"], "kernel-memcg");
    assert_eq!(k["victim"]["pid"].as_u64(), f["pid"].parse().ok());
    assert_eq!(k["limit_bytes"].as_u64(), f["limit_bytes"].parse().ok());
    let cites: Vec<&str> = top["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    for want in ["classes.log", "gc.log", "kern.log"] {
        assert!(
            cites.iter().any(|s| s.ends_with(want)),
            "no {want} in {cites:?}"
        );
    }
}

#[test]
fn steady_service_is_not_a_leak() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !require_jvm() {
        return;
    }
    let tmp = Tmp(std::env::temp_dir().join(format!("oomlens-jvm-{}", support::unique(10))));
    let out = tmp.0.join("capture");
    let f = capture("SteadyService", "256", "15", &out);
    assert_eq!(f["outcome"], "SIGTERM");
    let d = diagnose(&out);
    assert_eq!(d["oom_kill_found"], false);
    assert!(d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != "metaspace-class-generation"));
    let findings = d["containers"][0]["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|x| x["id"] == "no-class-leak" && x["text"].as_str().unwrap().contains("start-up")),
        "{findings:#?}"
    );
}
