//! The Case's joins on real evidence: a kill from raw `dmesg` (seconds since
//! boot, no `--boot-time`) next to the pod's status is one kill of the pod's
//! container, and the container's log is tied to it.

mod support;

fn diagnose(dir: &str) -> serde_json::Value {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/joins/");
    support::oomlens_json(&["diagnose", &format!("{root}{dir}"), "-f", "json"], &[0])
}

fn kernel_kills(c: &serde_json::Value) -> usize {
    c["kills"].as_array().map_or(0, |k| {
        k.iter().filter(|k| k["kind"] == "kernel-memcg").count()
    })
}

/// The pod object names the killed instance: joined by container id.
#[test]
fn dmesg_kill_next_to_the_pod_status_is_counted_once() {
    let d = diagnose("dmesg-pod-status");
    let cs = d["containers"].as_array().unwrap();
    assert_eq!(cs.len(), 1, "{d:#}");
    assert_eq!(kernel_kills(&cs[0]), 1, "{d:#}");
    assert_eq!(cs[0]["container"]["name"], "orders-api");
    let headline = d["headline"].as_str().unwrap();
    assert!(!headline.contains("times in the kernel log"), "{headline}");
}

/// Neither the pod UID nor the killed instance's id is known (as with
/// `kubectl describe`) and the kill has no time: it is still the one kill
/// the kubelet reported, not a second container, and the log read is the
/// container's.
#[test]
fn unplaced_dmesg_kill_joins_the_only_oomkilled_container() {
    let d = diagnose("dmesg-describe-shaped");
    let cs = d["containers"].as_array().unwrap();
    assert_eq!(cs.len(), 1, "{d:#}");
    let c = &cs[0];
    assert_eq!(c["container"]["name"], "orders-api");
    assert_eq!(kernel_kills(c), 1, "{c:#}");
    // The kernel's report (its victim) is the kubelet's kill.
    assert_eq!(c["kills"][0]["victim"]["comm"], "java", "{c:#}");
    let all = d.to_string();
    assert!(!all.contains("no container log was given"), "{all}");
    assert!(c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "no-oome-in-log"));
}
