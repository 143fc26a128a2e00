//! Native Memory Tracking through `oomlens diagnose`: the real JDK 17 runs
//! of `tests/fixtures/nmt/` (a program growing direct buffers, one growing
//! threads, one loading classes; summaries taken seconds apart) must each be
//! blamed on the right region, from the snapshots and from `summary.diff`;
//! and live, a real JVM started here with NMT must show its thread growth.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn nmt(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nmt")
        .join(f)
}

fn top_cause(path: &std::path::Path) -> serde_json::Value {
    let d = support::oomlens_json(&["diagnose", path.to_str().unwrap(), "-f", "json"], &[0, 1]);
    d["causes"][0].clone()
}

#[test]
fn each_growth_in_its_category() {
    for (run, id, words) in [
        ("directbuf", "direct-memory", "direct buffers grew"),
        ("threads", "thread-growth", "threads grew from 59 to 149"),
        (
            "classes",
            "metaspace-class-generation",
            "class metadata grew",
        ),
    ] {
        for file in [
            format!("jdk17-{run}-summaries.txt"),
            format!("jdk17-{run}-summary.diff.txt"),
        ] {
            let c = top_cause(&nmt(&file));
            assert_eq!(c["id"], id, "{file}: {c}");
            assert!(c["confidence"].as_f64().unwrap() >= 0.7, "{file}");
            if file.ends_with("summaries.txt") {
                assert!(
                    c["summary"].as_str().unwrap().contains(words),
                    "{file}: {}",
                    c["summary"]
                );
            }
            assert!(
                c["evidence"][0]["line"].as_u64().is_some(),
                "{file}: cites a line"
            );
        }
    }
}

#[test]
fn live_jvm_thread_growth() {
    if !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp_dir = support::TempDir::new("oomlens-nmt");
    let tmp = tmp_dir.path().to_path_buf();
    std::fs::write(
        tmp.join("Grow.java"),
        "public class Grow { public static void main(String[] a) throws Exception {\n\
         System.out.println(\"ready\"); System.out.flush();\n\
         for (int i = 0; i < 400; i++) { Thread t = new Thread(() -> { try { Thread.sleep(600000); } catch (InterruptedException e) {} }); t.setDaemon(true); t.start(); Thread.sleep(25); }\n\
         Thread.sleep(600000); } }\n",
    )
    .unwrap();
    assert!(Command::new("javac")
        .arg("-d")
        .arg(&tmp)
        .arg(tmp.join("Grow.java"))
        .status()
        .unwrap()
        .success());
    let child = Command::new("java")
        .args([
            "-XX:NativeMemoryTracking=summary",
            "-cp",
            tmp.to_str().unwrap(),
            "Grow",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let guard = support::KillOnDrop(child);
    let pid = guard.0.id().to_string();
    let snap = |n: u32| -> Vec<u8> {
        for _ in 0..50 {
            let o = Command::new("jcmd")
                .args([&pid, "VM.native_memory", "summary"])
                .output()
                .unwrap();
            if o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Total:") {
                return o.stdout;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("jcmd snapshot {n} failed");
    };

    let mut all = snap(1);
    std::thread::sleep(Duration::from_secs(6));
    all.extend(snap(2));
    std::fs::write(tmp.join("nmt-summaries.txt"), &all).unwrap();
    let c = top_cause(&tmp.join("nmt-summaries.txt"));
    assert_eq!(c["id"], "thread-growth", "{c}");
}
