//! Live cgroup sampling: a real process whose memory grows in a real
//! Kubernetes-shaped memory cgroup, sampled by `oomlens sample`; the
//! OpenMetrics it writes must carry the cgroup's facts, and `oomlens
//! diagnose` on it must see the growth.

mod support;

use std::process::{Command, Stdio};

use support::PodCgroup;

#[test]
fn growing_process_is_sampled_and_judged() {
    if !support::require_cgroups() {
        return;
    }
    let limit: u64 = 256 << 20;
    let cg = PodCgroup::new(limit);
    // 2 MiB more every 100 ms, to 200 MiB, then hold.
    let procs = cg.dir().join("cgroup.procs");
    let script = format!(
        "echo $$ > {} && exec perl -e 'my @a; for (1..100) {{ push @a, \"x\" x (2 << 20); select(undef, undef, undef, 0.1) }} sleep 60'",
        procs.display()
    );
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let hog = Kill(
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out_file = std::env::temp_dir().join(format!("oomlens-sample-{}.om", support::unique(8)));
    let st = Command::new(support::oomlens())
        .args([
            "sample",
            "--cgroup",
            &cg.container_path,
            "--for",
            "6s",
            "--every",
            "200ms",
            "-o",
        ])
        .arg(&out_file)
        .status()
        .unwrap();
    drop(hog);
    assert!(st.success());
    let text = std::fs::read_to_string(&out_file).unwrap();
    let d = Command::new(support::oomlens())
        .args(["diagnose", out_file.to_str().unwrap(), "-f", "json"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&out_file);

    assert!(
        text.contains(&format!(
            "container_spec_memory_limit_bytes{{id=\"{}\"",
            cg.container_path
        )),
        "{}",
        &text[..text.len().min(600)]
    );
    assert!(text.contains(&format!("pod_uid=\"{}\"", cg.pod_uid)));
    assert!(text.contains(&format!("container_id=\"{}\"", cg.container_id)));
    assert!(text.trim_end().ends_with("# EOF"));
    let samples = text
        .lines()
        .filter(|l| l.starts_with("container_memory_working_set_bytes{"))
        .count();
    assert!(samples >= 20, "{samples} samples in 6 s every 200 ms");
    let d: serde_json::Value = serde_json::from_slice(&d.stdout).unwrap();
    let findings = d["containers"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mot = findings
        .iter()
        .find(|f| f["id"] == "memory-over-time")
        .unwrap_or_else(|| panic!("{d}"));
    assert!(mot["text"].as_str().unwrap().contains("rises"), "{mot}");
}
