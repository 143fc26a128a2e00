//! End to end: a real process killed by the kernel in a real memory cgroup
//! shaped like a Kubernetes container, then `oomlens kernel` on this
//! machine's live kernel log must report every fact the test set up.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use support::{PodCgroup, HOG};

#[test]
fn real_oom_kill_is_reported_from_the_live_kernel_log() {
    if !support::require_cgroups() {
        return;
    }
    let limit: u64 = 48 << 20;
    let cg = PodCgroup::new(limit);
    let (status, pid) = cg.run(HOG, Duration::from_secs(60));
    assert_eq!(
        status.signal(),
        Some(9),
        "the kernel should SIGKILL the hog: {status:?}"
    );

    // The report is in the kernel log by the time the process is reaped, but
    // give printk a moment on a busy machine.
    let mut found = None;
    for _ in 0..50 {
        let out = Command::new(support::oomlens())
            .args(["kernel", "--format", "json"])
            .output()
            .expect("run oomlens");
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{out:?}"
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        found = doc["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .find(|r| r["victim"]["pid"].as_u64() == Some(u64::from(pid)))
            .cloned();
        if found.is_some() {
            assert_eq!(out.status.code(), Some(0), "exit 0 when a kill is found");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = found.unwrap_or_else(|| panic!("no report for pid {pid} in the live kernel log"));

    assert_eq!(r["kind"], "memcg");
    assert_eq!(r["victim"]["comm"], "perl");
    assert_eq!(r["memory"]["limit_kb"].as_u64(), Some(limit / 1024));
    assert!(r["memory"]["usage_kb"].as_u64().unwrap() >= limit / 1024 - 64);
    assert!(r["memory"]["failcnt"].as_u64().unwrap() > 0);
    let anon = r["victim"]["anon_rss_kb"].as_u64().unwrap();
    assert!(
        anon > (limit / 1024) * 8 / 10 && anon <= limit / 1024,
        "anon-rss {anon} kB"
    );
    assert_eq!(r["task_memcg"].as_str(), Some(cg.container_path.as_str()));
    assert_eq!(
        r["container"]["pod_uid"].as_str(),
        Some(cg.pod_uid.as_str())
    );
    assert_eq!(
        r["container"]["container_id"].as_str(),
        Some(cg.container_id.as_str())
    );
    assert_eq!(r["container"]["runtime"], "containerd");
    assert_eq!(r["container"]["qos"], "burstable");
    assert_eq!(r["container"]["cgroup_driver"], "systemd");
    assert_eq!(r["limit_level"], "container");
    assert_eq!(r["truncated"], false);
    let tasks = r["tasks"].as_array().unwrap();
    assert!(tasks
        .iter()
        .any(|t| t["pid"].as_u64() == Some(u64::from(pid))));
    // Read live, dmesg stamps are placed with this machine's boot time.
    let utc = r["time"]["utc"]
        .as_str()
        .expect("a UTC time from the boot time");
    let when: jiff::Timestamp = utc.parse().unwrap();
    let age = jiff::Timestamp::now().duration_since(when);
    assert!(age.as_secs().abs() < 120, "kill time {utc} should be now");
}
