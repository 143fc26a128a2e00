//! Live cgroup sampling: real processes in real Kubernetes-shaped memory
//! cgroups, sampled by `oomlens sample`; the OpenMetrics it writes must carry
//! the cgroup's facts, and `oomlens diagnose` on it must judge what it saw:
//! growth, page cache that only looks like a problem, a limit too small.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::PodCgroup;

/// Runs `script` (sh) as the cgroup's process and samples the cgroup every
/// 200 ms until the process is gone (or `seconds` passed); returns the
/// OpenMetrics text and `oomlens diagnose --format json` of it.
fn sample_while(cg: &PodCgroup, script: &str, seconds: u32) -> (String, serde_json::Value) {
    let proc = cg.spawn(script);
    let dir = support::TempDir::new("oomlens-sample");
    let out_file = dir.path().join("node.om");
    let st = Command::new(support::oomlens())
        .args([
            "sample",
            "--cgroup",
            &cg.container_path,
            "--for",
            &format!("{seconds}s"),
            "--every",
            "200ms",
            "-o",
        ])
        .arg(&out_file)
        .status()
        .unwrap();
    drop(proc);
    assert!(st.success());
    let text = std::fs::read_to_string(&out_file).unwrap();
    let d = support::oomlens_json(
        &["diagnose", dir.path().to_str().unwrap(), "-f", "json"],
        &[0, 1],
    );
    (text, d)
}

fn finding<'a>(d: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    d["containers"][0]["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no {id} finding in {d:#}"))
}

#[test]
fn growing_process_is_sampled_and_judged() {
    if !support::require_cgroups() {
        return;
    }
    let cg = PodCgroup::new(256 << 20);
    // 2 MiB more every 100 ms, to 200 MiB, then hold until killed.
    let (text, d) = sample_while(
        &cg,
        "perl -e 'my @a; for (1..100) { push @a, \"x\" x (2 << 20); select(undef, undef, undef, 0.1) } sleep 60'",
        6,
    );
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
    let mot = finding(&d, "memory-over-time");
    assert!(mot["text"].as_str().unwrap().contains("rises"), "{mot}");
    assert_eq!(d["containers"][0]["memory_over_time"]["verdict"], "leak");
}

/// A process that writes a file four times the size of its limit: usage
/// sits at the limit (page cache) while the working set stays small, and the
/// kernel reclaims instead of killing. A false alarm, and said so.
#[test]
fn page_cache_at_the_limit_is_a_false_alarm() {
    if !support::require_cgroups() {
        return;
    }
    let cg = PodCgroup::new(128 << 20);
    let file = PathBuf::from(format!(
        "/var/tmp/oomlens-page-cache-{}",
        support::unique(8)
    ));
    struct Rm(PathBuf);
    impl Drop for Rm {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _rm = Rm(file.clone());
    let (text, d) = sample_while(
        &cg,
        &format!(
            "perl -e 'open(my $f, \">\", \"{}\") or die; my $b = \"x\" x (4 << 20); for (1..128) {{ print $f $b; select(undef, undef, undef, 0.03) }} close $f; sleep 2'",
            file.display()
        ),
        20,
    );
    assert!(text.contains("container_memory_cache{"));
    assert_eq!(d["oom_kill_found"], false, "{d:#}");
    let m = &d["containers"][0]["memory_over_time"];
    assert_eq!(m["verdict"], "page-cache", "{m:#}");
    assert_eq!(d["causes"][0]["id"], "page-cache");
    assert!(finding(&d, "memory-over-time")["text"]
        .as_str()
        .unwrap()
        .contains("false alarm"));
}

/// A process that needs 116 MiB of a 128 MiB limit from the start and holds
/// it: no growth, no leak; the limit is simply too small.
#[test]
fn steady_at_the_limit_is_an_undersized_limit() {
    if !support::require_cgroups() {
        return;
    }
    let cg = PodCgroup::new(128 << 20);
    let (_, d) = sample_while(
        &cg,
        "perl -e 'my $a = \"\"; vec($a, (116 << 20) - 1, 8) = 1; for (1..30) { vec($a, $_ * 409600 + $_, 8) = 2 for 0..280; select(undef, undef, undef, 0.2) }'",
        20,
    );
    let m = &d["containers"][0]["memory_over_time"];
    assert_eq!(m["verdict"], "undersized-limit", "{m:#}");
    assert_eq!(d["causes"][0]["id"], "undersized-limit");
}

/// A file written by `oomlens sample` alone: the container is known by the
/// series' labels (pod UID, container id), not "container ?", and a
/// time-to-limit is said only with the limit it runs to.
#[test]
fn a_sample_alone_names_its_container() {
    if !support::require_cgroups() {
        return;
    }
    let cg = PodCgroup::new(256 << 20);
    let (_, d) = sample_while(
        &cg,
        "perl -e 'my @a; for (1..100) { push @a, \"x\" x (2 << 20); select(undef, undef, undef, 0.1) } sleep 60'",
        6,
    );
    let c = &d["containers"][0];
    assert_eq!(c["pod"]["uid"], cg.pod_uid.as_str(), "{c:#}");
    assert_eq!(c["container"]["id"], cg.container_id.as_str(), "{c:#}");
    let text = finding(&d, "memory-over-time")["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!text.contains("0 s away"), "{text}");
    let headline = d["headline"].as_str().unwrap();
    assert!(!headline.contains("container ?"), "{headline}");
}

/// `sample` wrote nothing until the end, so a SIGKILL (the OOM killer, a
/// node drain) left no file. Each round is now appended and flushed as it is
/// taken: killed after 3 s of sampling every 100 ms, the file holds whole
/// lines of many rounds, and `diagnose` reads the container's memory from it.
#[test]
fn a_killed_sampler_leaves_the_rounds_it_took() {
    if !support::require_cgroups() {
        return;
    }
    let cg = PodCgroup::new(256 << 20);
    let proc = cg.spawn(
        "perl -e 'my @a; for (1..100) { push @a, \"x\" x (2 << 20); select(undef, undef, undef, 0.1) } sleep 60'",
    );
    let dir = support::TempDir::new("oomlens-sample-kill");
    let out_file = dir.path().join("node.om");
    let mut sampler = support::KillOnDrop(
        Command::new(support::oomlens())
            .args([
                "sample",
                "--cgroup",
                &cg.container_path,
                "--for",
                "120s",
                "--every",
                "100ms",
                "-o",
            ])
            .arg(&out_file)
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(std::time::Duration::from_secs(3));
    sampler.0.kill().unwrap();
    let st = sampler.0.wait().unwrap();
    drop(proc);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&st),
        Some(9),
        "{st:?}"
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        text.ends_with('\n'),
        "a line cut: {:?}",
        &text[text.len().saturating_sub(200)..]
    );
    assert!(!text.contains("# EOF"), "finished, not killed");
    let rounds: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("container_memory_working_set_bytes{"))
        .filter_map(|l| l.rsplit(' ').next())
        .collect();
    assert!(
        rounds.len() >= 5,
        "{} rounds left by 3 s of sampling every 100 ms",
        rounds.len()
    );
    // Every round is whole: each has the limit beside the working set.
    let limits = text
        .lines()
        .filter(|l| l.starts_with("container_spec_memory_limit_bytes{"))
        .count();
    assert_eq!(limits, rounds.len(), "{text}");
    let d = support::oomlens_json(
        &["diagnose", dir.path().to_str().unwrap(), "-f", "json"],
        &[0, 1],
    );
    let c = &d["containers"][0];
    assert_eq!(c["pod"]["uid"], cg.pod_uid.as_str(), "{c:#}");
    assert_eq!(c["container"]["id"], cg.container_id.as_str(), "{c:#}");
    assert!(
        c["memory_over_time"].is_object(),
        "the rounds reach the diagnosis: {c:#}"
    );
}
