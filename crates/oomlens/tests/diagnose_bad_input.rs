//! Bad input next to good evidence: a corrupt YAML, a truncated describe, a
//! 2 GB unrelated file and a metric file over the size read in memory. Each gets a clear warning or note naming the file
//! (and line, where there is one); the rest is still diagnosed.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn bad_files_do_not_spoil_the_good_ones() {
    let seed = format!(
        "{}/../../examples/seed-incident",
        env!("CARGO_MANIFEST_DIR")
    );
    let tmp = support::TempDir::new("oomlens-bad");
    let dir = tmp.path().to_path_buf();
    for f in ["messages", "describe.txt", "previous.log"] {
        std::fs::copy(format!("{seed}/{f}"), dir.join(f)).unwrap();
    }
    // A pod YAML broken on line 6.
    std::fs::write(
        dir.join("other-pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: other\n  namespace: x\n  labels: {a: [b\nspec:\n  containers: []\n",
    )
    .unwrap();
    // A describe cut in the middle of its container section.
    let describe = std::fs::read_to_string(format!("{seed}/describe.txt")).unwrap();
    let cut: String = describe.lines().take(22).collect::<Vec<_>>().join("\n");
    std::fs::write(
        dir.join("cut-describe.txt"),
        cut.replace("okr-indicator-deploy-84bc5779c-55xsn", "cut-pod-1"),
    )
    .unwrap();
    // 2 GB of nothing useful (sparse: no disk needed).
    let big = std::fs::File::create(dir.join("core.dump")).unwrap();
    big.set_len(2 << 30).unwrap();
    drop(big);

    // A metric file of 64 MiB: real samples, then nothing (sparse). Read
    // through as it streams: the samples used, the run of NUL bytes past
    // them named as a line too long to read.
    let mut prom = String::from("# TYPE x gauge\n");
    for i in 0..5000 {
        prom.push_str(&format!("x{{pod=\"a\"}} {i} {}\n", 1_700_000_000 + i * 60));
    }
    std::fs::write(dir.join("big.prom"), prom).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("big.prom"))
        .unwrap()
        .set_len(64 << 20)
        .unwrap();

    let start = Instant::now();
    let out = Command::new(support::oomlens())
        .args(["diagnose", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the 2 GB file must not be read through"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // The seed is still diagnosed.
    let seed_c = d["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["container"]["name"] == "okr-indicator"
                && c["pod"]["name"] == "okr-indicator-deploy-84bc5779c-55xsn"
        })
        .expect("the seed container");
    assert_eq!(seed_c["kills"][0]["kind"], "kernel-memcg");
    assert_eq!(seed_c["kills"][0]["victim"]["pid"], 2076520);

    let warnings: Vec<String> = d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}:{}: {}",
                w["source"].as_str().unwrap(),
                w["line"],
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        // The parser notices at line 7 that the flow sequence opened on
        // line 6 never closed; the warning names both.
        warnings
            .iter()
            .any(|w| w.contains("other-pod.yaml:7") && w.contains("line 6")),
        "a warning at the corrupt YAML's line: {warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("cut-describe.txt")),
        "a warning about the truncated describe: {warnings:#?}"
    );
    let sources = d["sources"].as_array().unwrap();
    let dump = sources
        .iter()
        .find(|s| s["source"].as_str().unwrap().ends_with("core.dump"))
        .unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("big.prom:5002: line longer than")),
        "{warnings:#?}"
    );
    let prom = sources
        .iter()
        .find(|s| s["source"].as_str().unwrap().ends_with("big.prom"))
        .unwrap();
    assert_eq!(prom["kind"], "metrics", "its samples are still read");
    assert_eq!(dump["kind"], "skipped");
    assert!(dump["note"].as_str().unwrap().contains("binary"));
    // The truncated describe still gives its pod, with what it had.
    let cut_c = d["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["pod"]["name"] == "cut-pod-1");
    assert!(cut_c.is_some(), "the truncated describe's pod is kept");
}
