//! End to end: a real process killed by the kernel in a real
//! Kubernetes-shaped memory cgroup; the test writes the pod object a user
//! would have, saves the node's kernel log, and `oomlens diagnose` on the
//! folder must report a `kernel-memcg` kill with the right pid, limit and
//! container.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use support::{PodCgroup, HOG};

#[test]
fn diagnose_a_real_kill_from_a_folder() {
    if !support::require_cgroups() {
        return;
    }
    let limit: u64 = 40 << 20;
    let cg = PodCgroup::new(limit);
    let started = jiff::Timestamp::now();
    let (status, pid) = cg.run(HOG, Duration::from_secs(60));
    let finished = jiff::Timestamp::now();
    assert_eq!(status.signal(), Some(9), "{status:?}");

    let tmp = support::TempDir::new("oomlens-diag");
    let dir = tmp.path().to_path_buf();

    // The node's kernel log, as `dmesg --time-format iso` prints it.
    let mut log = Vec::new();
    for _ in 0..50 {
        log = Command::new("dmesg")
            .args(["--time-format", "iso"])
            .output()
            .unwrap()
            .stdout;
        if String::from_utf8_lossy(&log).contains(&format!("Killed process {pid} ")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::write(dir.join("node-kernel.log"), &log).unwrap();
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hog-5d8c7b9f4-abcde", "namespace": "test", "uid": cg.pod_uid},
        "spec": {"containers": [{
            "name": "hog",
            "image": "perl:5",
            "resources": {"limits": {"memory": "40Mi"}, "requests": {"memory": "40Mi"}}
        }]},
        "status": {
            "qosClass": "Burstable",
            "containerStatuses": [{
                "name": "hog",
                "containerID": format!("containerd://{}", support::unique(64)),
                "restartCount": 1,
                "state": {"running": {"startedAt": finished.to_string()}},
                "lastState": {"terminated": {
                    "containerID": format!("containerd://{}", cg.container_id),
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": started.to_string(),
                    "finishedAt": finished.to_string()
                }}
            }]
        }
    });
    std::fs::write(
        dir.join("pod.json"),
        serde_json::to_vec_pretty(&pod).unwrap(),
    )
    .unwrap();

    let out = Command::new(support::oomlens())
        .args(["diagnose", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["schema"], "oomlens/diagnosis/v1");
    assert_eq!(d["oom_kill_found"], true);
    let cs = d["containers"].as_array().unwrap();
    let c = cs
        .iter()
        .find(|c| c["container"]["name"] == "hog")
        .unwrap_or_else(|| {
            panic!(
                "no container `hog`: {}",
                serde_json::to_string_pretty(&d).unwrap()
            )
        });
    assert_eq!(c["pod"]["uid"].as_str(), Some(cg.pod_uid.as_str()));
    assert_eq!(c["pod"]["name"], "hog-5d8c7b9f4-abcde");
    assert_eq!(
        c["container"]["id"].as_str(),
        Some(cg.container_id.as_str())
    );
    assert_eq!(c["limit_bytes"].as_u64(), Some(limit));
    assert_eq!(c["restart_count"], 1);
    // The kill of this run (the node's log may hold earlier kills of other
    // tests: those have other pod UIDs and are not this container's).
    let kills = c["kills"].as_array().unwrap();
    assert_eq!(kills.len(), 1, "{kills:?}");
    let k = &kills[0];
    assert_eq!(k["kind"], "kernel-memcg");
    assert_eq!(k["victim"]["pid"].as_u64(), Some(u64::from(pid)));
    assert_eq!(k["victim"]["comm"], "perl");
    assert_eq!(k["limit_bytes"].as_u64(), Some(limit));
    assert_eq!(k["limit_level"], "container");
    let cites: Vec<&str> = k["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert!(cites.iter().any(|s| s.ends_with("pod.json")), "{cites:?}");
    assert!(
        cites.iter().any(|s| s.ends_with("node-kernel.log")),
        "{cites:?}"
    );
    // A process that is not a JVM, killed at its limit, with no log: an
    // honest `unknown` that says what to collect.
    let top = &d["causes"][0];
    assert_eq!(
        top["container"].as_u64(),
        Some(cs.iter().position(|x| x == c).unwrap() as u64)
    );
    assert!(!top["next_steps"].as_array().unwrap().is_empty());
}
