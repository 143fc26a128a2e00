//! `oomlens budget` as users run it: the seed's flags against its 3 GiB
//! limit (golden), and a pod object whose heap cannot fit its limit.

mod support;

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(support::oomlens())
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_seed_flags_golden() {
    // The flags the seed's team tried, on JDK 8, 2 CPUs, limit 3Gi.
    let seed = [
        "budget",
        "--limit",
        "3Gi",
        "--jdk",
        "8",
        "--cpus",
        "2",
        "--color",
        "never",
        "-f",
        "text",
        "--",
        "-XX:MetaspaceSize=256m",
        "-XX:MaxMetaspaceSize=256m",
        "-XX:InitialRAMPercentage=50.0",
        "-XX:MaxRAMPercentage=50.0",
    ];
    let (code, text) = run(&seed);
    assert!(text.contains("(770 MiB OVER)"), "{text}");
    assert_eq!(
        code,
        Some(0),
        "the heap fits, but with direct memory the bounded regions are OVER the limit: it does not fit"
    );
    assert!(text.contains("Java heap       1.50 GiB"), "{text}");
    assert!(text.contains("direct-defaults-to-heap"), "{text}");
    insta::assert_snapshot!("seed_budget_text", text);
    let mut json_args = seed.to_vec();
    json_args[10] = "json";
    let (_, json) = run(&json_args);
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["schema"], "oomlens/budget/v1");
    assert_eq!(d["limit_bytes"], 3u64 << 30);
    assert_eq!(d["total_max_bytes"], serde_json::Value::Null);
    let regions = d["regions"].as_array().unwrap();
    assert_eq!(regions[0]["name"], "Java heap");
    assert_eq!(regions[0]["max_bytes"], 1536u64 << 20);
    assert_eq!(regions[1]["max_bytes"], 256u64 << 20);
    assert!(d["recommended_flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "-XX:+ExitOnOutOfMemoryError"));
    insta::assert_snapshot!("seed_budget_json", json);
}

#[test]
fn a_pod_whose_heap_cannot_fit() {
    let pod = format!(
        "{}/../../examples/real-kill-java/pod.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, json) = run(&["budget", &pod, "--cpus", "1", "-f", "json"]);
    assert_eq!(code, Some(0), "found: the heap is sized over the limit");
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["limit_bytes"], 200u64 << 20);
    assert_eq!(
        d["regions"][0]["max_bytes"],
        512u64 << 20,
        "-Xmx512m from JAVA_TOOL_OPTIONS"
    );
    assert!(d["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == "heap-sized-over-limit"));
    let (code, _) = run(&["budget", "--limit", "lots", "--", "-Xmx1g"]);
    assert_eq!(code, Some(2), "a bad quantity is an error");
}
