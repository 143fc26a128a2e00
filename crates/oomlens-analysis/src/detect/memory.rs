//! Memory at the kill: what filled the killed cgroup (anonymous memory,
//! page cache, shared memory, transparent huge pages, kernel memory), who
//! else held memory in it, and which limit fired, from the kernel's
//! report.

use oomlens_evidence::cgroup::CgroupLevel;
use oomlens_evidence::kernel::OomReport;

use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::wording;

use super::{Basis, Bearing, Detector, Found, Scene};

/// The memory-at-the-kill detector.
pub struct AtKill;

impl Detector for AtKill {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let (Some(mem), Some(r)) = (&s.memory, s.latest_report()) else {
            return f;
        };
        if let (Some(h), Some(a)) = (mem.huge_bytes, mem.anon_bytes) {
            if a > 0 && h as f64 / a as f64 >= 0.25 {
                f.findings.push(Finding {
                    id: FindingId::Thp,
                    text: wording::thp(h, a),
                    evidence: mem.evidence.iter().take(1).cloned().collect(),
                });
                if s.jvm {
                    f.bearings
                        .push(Bearing::MitigateAll(wording::THP_MITIGATION));
                }
            }
        }
        if !mem.other_processes.is_empty() {
            let names: Vec<String> = mem
                .other_processes
                .iter()
                .map(|p| format!("{} ({})", p.comm, p.pid))
                .collect();
            f.findings.push(Finding {
                id: FindingId::OtherProcesses,
                text: wording::other_processes(&names),
                evidence: r
                    .tasks
                    .first()
                    .map(|t| Cite::line(&r.lines.source, t.line, "task table"))
                    .into_iter()
                    .collect(),
            });
        }
        if r.limit_level == Some(CgroupLevel::Pod) {
            f.findings.push(Finding {
                id: FindingId::PodLimit,
                text: wording::POD_LIMIT.into(),
                evidence: r
                    .memory
                    .map(|m| Cite::line(&r.lines.source, m.line, "oom_memcg is the pod's cgroup"))
                    .into_iter()
                    .collect(),
            });
        }
        if r.truncated {
            f.findings.push(Finding {
                id: FindingId::TruncatedReport,
                text: wording::TRUNCATED_REPORT.into(),
                evidence: vec![Cite {
                    source: r.lines.source.clone(),
                    line: Some(r.lines.first),
                    last_line: Some(r.lines.last),
                    what: "OOM-killer report".into(),
                }],
            });
        }
        // Memory-backed volumes count against the limit.
        if let (Some(sh), Some(u)) = (mem.shmem_bytes, s.kills.last().and_then(|k| k.usage_bytes)) {
            if u > 0 && sh as f64 / u as f64 >= 0.3 {
                f.candidates.push(s.candidate(
                    CauseId::Unknown,
                    0.5,
                    wording::shared_memory(sh),
                    mem.evidence.clone(),
                    Basis::Measured,
                ));
            }
        }
        f
    }
}

/// Composition of the killed cgroup's memory from the report's stats dump.
pub(super) fn at_kill(r: &OomReport) -> Option<MemoryAtKill> {
    let stats = r.task_stats().or_else(|| {
        r.memcg_stats
            .iter()
            .rev()
            .find(|s| s.stats.contains_key("rss") || s.stats.contains_key("anon"))
    })?;
    let g = |k: &str| stats.stats.get(k).copied();
    let mut m = MemoryAtKill {
        anon_bytes: g("anon").or(g("rss")),
        file_bytes: g("file").or(g("cache")),
        shmem_bytes: g("shmem"),
        huge_bytes: g("anon_thp").or(g("rss_huge")),
        kernel_bytes: g("kernel")
            .or_else(|| {
                let parts = ["kernel_stack", "pagetables", "slab", "percpu", "sock"];
                let v: u64 = parts.iter().filter_map(|p| g(p)).sum();
                (v > 0).then_some(v)
            })
            .or_else(|| {
                r.kmem
                    .and_then(|k| k.usage_kb)
                    .filter(|&k| k > 0)
                    .map(|k| k * 1024)
            }),
        evidence: vec![Cite::line(
            &r.lines.source,
            stats.line,
            format!("Memory cgroup stats for {}", stats.cgroup),
        )],
        ..MemoryAtKill::default()
    };
    if let (Some(v), Some(u)) = (&r.victim, r.memory.and_then(|x| x.usage_kb)) {
        let rss =
            v.anon_rss_kb.unwrap_or(0) + v.file_rss_kb.unwrap_or(0) + v.shmem_rss_kb.unwrap_or(0);
        if u > 0 {
            m.victim_share = Some((rss as f64 / u as f64).min(1.0));
        }
        let usage_pages = u / 4;
        for t in &r.tasks {
            if t.pid == v.pid || t.tgid == Some(v.pid) {
                continue;
            }
            let rss = t.rss_pages.unwrap_or(0);
            if usage_pages > 0 && rss * 100 > usage_pages {
                m.other_processes.push(Victim {
                    pid: t.pid,
                    comm: t.name.clone(),
                    anon_rss_kb: Some(rss * 4),
                });
            }
        }
    }
    Some(m)
}
