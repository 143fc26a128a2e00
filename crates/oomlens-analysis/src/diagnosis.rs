//! The Diagnosis: what `oomlens diagnose` concludes, with the evidence for
//! each claim. `--format json` prints this value as it is (schema
//! `oomlens/diagnosis/v1`, documented in `docs/json.md`); the text and
//! Markdown renderers only format it.

use serde::Serialize;

use oomlens_evidence::Warning;

pub use crate::ids::{CauseId, FindingId};

pub const SCHEMA: &str = "oomlens/diagnosis/v1";

/// A place in the evidence that supports a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cite {
    pub source: String,
    /// The first line, when the claim rests on lines (not a whole file).
    pub line: Option<u64>,
    /// The last line, when a range.
    pub last_line: Option<u64>,
    /// What is there, in a few words (`memory: usage 3145728kB, limit ...`).
    pub what: String,
}

impl Cite {
    pub fn line(source: &str, line: u64, what: impl Into<String>) -> Cite {
        Cite {
            source: source.to_string(),
            line: Some(line),
            last_line: None,
            what: what.into(),
        }
    }

    pub fn file(source: &str, what: impl Into<String>) -> Cite {
        Cite {
            source: source.to_string(),
            line: None,
            last_line: None,
            what: what.into(),
        }
    }

    /// `file:line` (or `file:first-last`, or `file`), with the file's folder
    /// dropped.
    pub fn short(&self) -> String {
        let name = self.source.rsplit('/').next().unwrap_or(&self.source);
        match (self.line, self.last_line) {
            (Some(a), Some(b)) if b != a => format!("{name}:{a}-{b}"),
            (Some(a), _) => format!("{name}:{a}"),
            _ => name.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PodRef {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerRef {
    pub name: Option<String>,
    /// The id of the container that was killed (64 hex), when known.
    pub id: Option<String>,
    pub runtime: Option<String>,
}

/// How the container was killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KillKind {
    /// The kernel's OOM killer, at a memory cgroup limit.
    KernelMemcg,
    /// The kernel's OOM killer, the node out of memory.
    KernelGlobal,
    /// The JVM threw `OutOfMemoryError` and the process died of it.
    JvmOome,
    /// The kubelet evicted the pod under node pressure.
    Evicted,
    /// The kubelet killed it after failed liveness probes: not an OOM kill.
    Probe,
    /// Killed, but the evidence does not say by whom.
    Unknown,
}

impl KillKind {
    /// Whether it is an OOM kill (the kernel's, the JVM's, an eviction):
    /// not [`KillKind::Probe`], not [`KillKind::Unknown`].
    pub fn is_oom(self) -> bool {
        matches!(
            self,
            KillKind::KernelMemcg | KillKind::KernelGlobal | KillKind::JvmOome | KillKind::Evicted
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Victim {
    pub pid: u64,
    pub comm: String,
    pub anon_rss_kb: Option<u64>,
}

/// One kill of the container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kill {
    /// RFC 3339 UTC, when known.
    pub time: Option<String>,
    /// How the time was derived and what was assumed.
    pub time_note: Option<String>,
    pub kind: KillKind,
    /// `java-heap-space`, `metaspace`, ... for `jvm-oome`.
    pub oome_variant: Option<String>,
    pub victim: Option<Victim>,
    pub usage_bytes: Option<u64>,
    pub limit_bytes: Option<u64>,
    /// Which cgroup level's limit fired: `container`, `pod`, `qos`,
    /// `kubepods`, `root`, `other`.
    pub limit_level: Option<String>,
    pub failcnt: Option<u64>,
    pub evidence: Vec<Cite>,
    /// The instant `time` names, as the Case placed it (not serialised).
    #[serde(skip)]
    pub at: Option<jiff::Timestamp>,
}

impl Kill {
    /// The kill's instant as milliseconds since the epoch, when known.
    pub fn instant_ms(&self) -> Option<i64> {
        self.at.map(|t| t.as_millisecond())
    }
}

/// What filled the memory at a kernel kill.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemoryAtKill {
    /// Anonymous memory of the killed container's cgroup.
    pub anon_bytes: Option<u64>,
    /// Page cache.
    pub file_bytes: Option<u64>,
    /// tmpfs and shared memory (counted against the limit, not reclaimable
    /// while in use).
    pub shmem_bytes: Option<u64>,
    /// Anonymous memory in transparent huge pages.
    pub huge_bytes: Option<u64>,
    /// Kernel memory charged to the cgroup (stacks, slab, page tables).
    pub kernel_bytes: Option<u64>,
    /// The victim's RSS over the cgroup's usage.
    pub victim_share: Option<f64>,
    /// Other processes in the cgroup with more than 1% of its memory.
    pub other_processes: Vec<Victim>,
    pub evidence: Vec<Cite>,
}

/// How often the container dies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    pub restart_count: Option<u64>,
    /// When the pod started (RFC 3339).
    pub pod_started: Option<String>,
    /// Days from the pod's start to the last evidence.
    pub window_days: Option<f64>,
    pub kills_per_day: Option<f64>,
    /// Median time a container ran before it was killed, in seconds.
    pub median_uptime_before_kill_s: Option<f64>,
    pub evidence: Vec<Cite>,
}

/// A stated fact or observation, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id: `no-oome-in-log`, `thp`, `kernel-report-missing`,
    /// `other-processes`, `joined-by-time`, ...
    pub id: FindingId,
    pub text: String,
    pub evidence: Vec<Cite>,
}

/// Everything about one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerDiagnosis {
    pub pod: PodRef,
    pub container: ContainerRef,
    pub node: Option<String>,
    pub qos: Option<String>,
    pub restart_count: Option<u64>,
    pub limit_bytes: Option<u64>,
    pub request_bytes: Option<u64>,
    pub kills: Vec<Kill>,
    pub timeline: Timeline,
    pub memory: Option<MemoryAtKill>,
    /// What the metric series say about this container over time, when
    /// there are any.
    pub memory_over_time: Option<crate::memtime::MemoryOverTime>,
    pub findings: Vec<Finding>,
    /// The JVM's regions against the limit (the memory model of `oomlens
    /// budget`, from the flags the spec shows), when the container runs a
    /// JVM and the limit is known. An addition to v1.
    pub budget: Option<crate::budget::Budget>,
    /// Where the budget's inputs were read: the limit (the kill's report,
    /// else the spec) and each JVM flag the spec shows. Empty without a
    /// budget. An addition to v1.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub budget_evidence: Vec<Cite>,
    /// Loads over time per class family, one entry per class-loading log
    /// of the container with families of more than one class. An addition
    /// to v1.
    pub class_loads: Vec<crate::classes::ClassLoads>,
    /// Native Memory Tracking's committed bytes per category in each
    /// summary snapshot of the container, in order (at most
    /// [`NMT_SNAPSHOTS`]). An addition to v1.
    pub nmt: Vec<NmtSnapshot>,
}

/// Snapshots kept in [`ContainerDiagnosis::nmt`]: past that, evenly
/// spaced ones (the first and the last always).
pub const NMT_SNAPSHOTS: usize = 240;

/// One NMT summary, committed bytes per category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NmtSnapshot {
    /// The snapshot's time, RFC 3339 UTC, when a stamp before it says.
    pub time: Option<String>,
    pub total_committed_bytes: u64,
    /// `(category, committed bytes)` in NMT's order (`Java Heap`, `Class`,
    /// `Thread`, `Code`, `GC`, `Internal`, `Other`, ...).
    pub categories: Vec<(String, u64)>,
    /// The snapshot's `Total:` line (or its first line).
    pub evidence: Cite,
}

/// A possible root cause, ranked by confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    /// Stable id: `metaspace-class-generation`, `heap-growth`,
    /// `direct-memory`, `thread-growth`, `native-growth`,
    /// `heap-sized-over-limit`, `undersized-limit`, `page-cache`,
    /// `unknown`.
    pub id: CauseId,
    /// 0..1: how strongly the evidence supports it.
    pub confidence: f64,
    /// Index into `containers` of the container it is about.
    pub container: Option<usize>,
    pub summary: String,
    /// Why: the reasoning in a sentence or two.
    pub explanation: String,
    pub evidence: Vec<Cite>,
    /// What removes the cause.
    pub fixes: Vec<String>,
    /// What limits the damage until then.
    pub mitigations: Vec<String>,
    /// Exact commands that would confirm or refute it.
    pub next_steps: Vec<String>,
}

/// One input and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceNote {
    pub source: String,
    /// What the input was found to be: `kernel-log`, `describe`,
    /// `k8s-objects`, `app-log`, `hs-err`, `class-log`, `gc-log`, `jcmd`,
    /// `nmt`, `metrics`, `jvm-flags`, `command-line`, `hsperfdata`,
    /// `heap-dump`, or `skipped`.
    pub kind: String,
    pub note: String,
}

/// The whole verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub schema: &'static str,
    /// True when at least one OOM kill (kernel, JVM or eviction) was found.
    pub oom_kill_found: bool,
    /// One line: the answer.
    pub headline: String,
    pub containers: Vec<ContainerDiagnosis>,
    pub causes: Vec<Cause>,
    pub sources: Vec<SourceNote>,
    pub warnings: Vec<Warning>,
}

/// A container OOM-killed within a window ([`Diagnosis::killed_since`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Killed {
    /// Index into [`Diagnosis::containers`].
    pub container: usize,
    /// OOM kills within the window, counting kills whose time is unknown
    /// (the evidence cannot place them before it).
    pub kills: usize,
    /// Seconds from the newest of them to `now`, when its time is known.
    pub last_ago_s: Option<f64>,
}

impl Diagnosis {
    /// The containers with an OOM kill ([`KillKind::is_oom`]) at or after
    /// `since`, newest kill first (kills of unknown time last).
    pub fn killed_since(&self, since: jiff::Timestamp, now: jiff::Timestamp) -> Vec<Killed> {
        let mut rows: Vec<(Killed, Option<jiff::Timestamp>)> = Vec::new();
        for (i, c) in self.containers.iter().enumerate() {
            let within: Vec<&Kill> = c
                .kills
                .iter()
                .filter(|k| k.kind.is_oom() && k.at.is_none_or(|t| t >= since))
                .collect();
            if within.is_empty() {
                continue;
            }
            let last = within.iter().filter_map(|k| k.at).max();
            rows.push((
                Killed {
                    container: i,
                    kills: within.len(),
                    last_ago_s: last.map(|t| now.duration_since(t).as_secs_f64().max(0.0)),
                },
                last,
            ));
        }
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.container.cmp(&b.0.container)));
        rows.into_iter().map(|(k, _)| k).collect()
    }

    /// Keeps only the containers named `name` and the causes about them
    /// (re-indexed; causes about no container stay), and says the headline
    /// and `oom_kill_found` again for what is left. Returns how many
    /// containers were kept; with none kept, nothing changes.
    pub fn retain_container(&mut self, name: &str) -> usize {
        let keep: Vec<usize> = (0..self.containers.len())
            .filter(|&i| self.containers[i].container.name.as_deref() == Some(name))
            .collect();
        if keep.is_empty() {
            return 0;
        }
        self.causes
            .retain(|c| c.container.is_none_or(|i| keep.contains(&i)));
        for c in &mut self.causes {
            c.container = c.container.and_then(|i| keep.iter().position(|&k| k == i));
        }
        let mut i = 0;
        self.containers.retain(|_| {
            i += 1;
            keep.contains(&(i - 1))
        });
        self.oom_kill_found = self
            .containers
            .iter()
            .any(|c| c.kills.iter().any(|k| k.kind.is_oom()));
        self.headline = crate::wording::headline(&self.containers, &self.causes);
        keep.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().expect("time")
    }

    fn kill(kind: KillKind, when: Option<&str>) -> Kill {
        Kill {
            time: when.map(str::to_string),
            time_note: None,
            kind,
            oome_variant: None,
            victim: None,
            usage_bytes: None,
            limit_bytes: Some(200 << 20),
            limit_level: None,
            failcnt: None,
            evidence: Vec::new(),
            at: when.map(at),
        }
    }

    fn container(name: &str, kills: Vec<Kill>) -> ContainerDiagnosis {
        ContainerDiagnosis {
            pod: PodRef {
                namespace: Some("shop".into()),
                name: Some("orders-api-0".into()),
                uid: None,
            },
            container: ContainerRef {
                name: Some(name.into()),
                ..ContainerRef::default()
            },
            node: None,
            qos: None,
            restart_count: None,
            limit_bytes: Some(200 << 20),
            request_bytes: None,
            kills,
            timeline: Timeline::default(),
            memory: None,
            memory_over_time: None,
            findings: Vec::new(),
            budget: None,
            budget_evidence: Vec::new(),
            class_loads: Vec::new(),
            nmt: Vec::new(),
        }
    }

    fn cause(id: CauseId, container: Option<usize>, summary: &str) -> Cause {
        Cause {
            id,
            confidence: 0.9,
            container,
            summary: summary.into(),
            explanation: String::new(),
            evidence: Vec::new(),
            fixes: Vec::new(),
            mitigations: Vec::new(),
            next_steps: Vec::new(),
        }
    }

    fn diagnosis() -> Diagnosis {
        let containers = vec![
            container(
                "app",
                vec![
                    kill(KillKind::KernelMemcg, Some("2026-12-01T00:00:00Z")),
                    kill(KillKind::KernelMemcg, Some("2026-12-06T23:00:00Z")),
                    kill(KillKind::Probe, Some("2026-12-06T23:30:00Z")),
                ],
            ),
            container(
                "sidecar",
                vec![kill(KillKind::Probe, Some("2026-12-06T22:00:00Z"))],
            ),
            container("batch", vec![kill(KillKind::Evicted, None)]),
        ];
        let causes = vec![
            cause(CauseId::HeapGrowth, Some(0), "heap growth"),
            cause(CauseId::UndersizedLimit, Some(2), "limit too small"),
            cause(CauseId::Unknown, None, "none named"),
        ];
        Diagnosis {
            schema: SCHEMA,
            oom_kill_found: true,
            headline: crate::wording::headline(&containers, &causes),
            containers,
            causes,
            sources: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn killed_since_counts_oom_kills_in_the_window_newest_first() {
        let d = diagnosis();
        let now = at("2026-12-07T00:00:00Z");
        let rows = d.killed_since(at("2026-12-06T00:00:00Z"), now);
        // app: one OOM kill in the day (the older one and the probe kill
        // are not counted); batch: a kill of unknown time, last; the
        // sidecar's probe kill is no OOM kill.
        assert_eq!(
            rows,
            vec![
                Killed {
                    container: 0,
                    kills: 1,
                    last_ago_s: Some(3600.0)
                },
                Killed {
                    container: 2,
                    kills: 1,
                    last_ago_s: None
                },
            ]
        );
        let week = d.killed_since(at("2026-11-30T00:00:00Z"), now);
        assert_eq!(week[0].kills, 2);
    }

    #[test]
    fn retain_container_keeps_its_causes_renumbered() {
        let mut d = diagnosis();
        assert_eq!(d.retain_container("nope"), 0);
        assert_eq!(d.containers.len(), 3, "nothing changes when none is kept");
        assert_eq!(d.retain_container("batch"), 1);
        assert_eq!(d.containers.len(), 1);
        let ids: Vec<(CauseId, Option<usize>)> =
            d.causes.iter().map(|c| (c.id, c.container)).collect();
        assert_eq!(
            ids,
            [
                (CauseId::UndersizedLimit, Some(0)),
                (CauseId::Unknown, None)
            ]
        );
        assert!(d.oom_kill_found);
        assert!(d.headline.starts_with("batch: evicted"), "{}", d.headline);
        let mut d = diagnosis();
        d.retain_container("sidecar");
        assert!(!d.oom_kill_found, "a probe kill is no OOM kill");
    }
}
