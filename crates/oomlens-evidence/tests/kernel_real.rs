//! One real OOM kill captured on this project's test machine in nine
//! framings (`tests/fixtures/kernel/real-k6.18-v1/`, made by
//! `scripts/capture/kernel-oom.sh`): every framing must give the same facts,
//! and those facts must be what the capture script set up (`facts.env`).

use std::collections::HashMap;
use std::path::PathBuf;

use oomlens_evidence::kernel::{self, Kind};
use oomlens_evidence::time::TimeContext;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kernel/real-k6.18-v1")
}

fn facts() -> HashMap<String, String> {
    std::fs::read_to_string(dir().join("facts.env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const FRAMINGS: [&str; 9] = [
    "kmsg.log",
    "dmesg.log",
    "dmesg-T.log",
    "syslog.log",
    "syslog-rfc3339.log",
    "journal-short.log",
    "journal-short-iso.log",
    "journal-short-precise.log",
    "journal.json",
];

#[test]
fn every_framing_gives_the_facts_that_were_set_up() {
    let f = facts();
    let pid: u64 = f["pid"].parse().unwrap();
    let limit_kb: u64 = f["limit_bytes"].parse::<u64>().unwrap() / 1024;
    let boot: i64 = f["boot_time_unix"].parse().unwrap();
    let ctx = TimeContext {
        year: Some(2026),
        boot: Some((
            jiff::Timestamp::from_second(boot).unwrap(),
            "facts.env".into(),
        )),
        ..TimeContext::default()
    };
    let captured: jiff::Timestamp = f["captured"].parse().unwrap();
    for name in FRAMINGS {
        let bytes = std::fs::read(dir().join(name)).unwrap();
        let (reports, warnings) = kernel::parse(name, &bytes, &ctx);
        assert!(warnings.is_empty(), "{name}: {:?}", warnings.items());
        assert_eq!(reports.len(), 1, "{name}");
        let r = &reports[0];
        assert_eq!(r.kind, Kind::Memcg, "{name}");
        assert!(!r.truncated, "{name}");
        assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"), "{name}");
        let v = r.victim.as_ref().unwrap();
        assert_eq!(v.pid, pid, "{name}");
        assert_eq!(v.comm, "perl", "{name}");
        assert!(v.anon_rss_kb.unwrap() > limit_kb * 8 / 10, "{name}");
        let m = r.memory.unwrap();
        assert_eq!(m.limit_kb, Some(limit_kb), "{name}");
        assert_eq!(m.usage_kb, Some(limit_kb), "{name}");
        assert!(m.failcnt.unwrap() > 0, "{name}");
        assert_eq!(
            r.task_memcg.as_deref(),
            Some(f["cgroup"].as_str()),
            "{name}"
        );
        assert_eq!(r.oom_memcg.as_deref(), Some(f["cgroup"].as_str()), "{name}");
        let c = r.container.as_ref().unwrap();
        assert_eq!(c.pod_uid.as_deref(), Some(f["pod_uid"].as_str()), "{name}");
        assert_eq!(
            c.container_id.as_deref(),
            Some(f["container_id"].as_str()),
            "{name}"
        );
        assert_eq!(c.runtime.as_deref(), Some("containerd"), "{name}");
        assert_eq!(
            r.kernel_release.as_deref(),
            Some(f["kernel"].as_str()),
            "{name}"
        );
        let t = r.trigger.as_ref().unwrap();
        assert_eq!(t.comm.as_deref(), Some("perl"), "{name}");
        assert_eq!(t.pid, Some(pid), "{name}");
        // The v1 multi-line stats dump of the container's cgroup.
        let stats = r.task_stats().unwrap_or_else(|| panic!("{name}: no stats"));
        assert!(stats.stats["rss"] > limit_kb * 1024 * 8 / 10, "{name}");
        assert!(stats.stats.len() > 40, "{name}: {}", stats.stats.len());
        assert!(r.tasks.iter().any(|t| t.pid == pid), "{name}");
        // Every framing places the kill within seconds of the capture.
        let when = r
            .time
            .instant()
            .unwrap_or_else(|| panic!("{name}: {:?}", r.time));
        let off = captured.duration_since(when).as_secs();
        assert!(
            (0..30).contains(&off),
            "{name}: kill at {when}, captured {captured}"
        );
    }
}
