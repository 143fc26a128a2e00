//! The Scene: what every detector of one member reads. Built once per
//! member from the Case: who the container is, its kills (the kernel's,
//! the kubelet's, the JVM's own), its logs and their out-of-memory
//! signals, the memory at the latest kernel kill, and the timeline.
//! Detectors read it and never change it.

use oomlens_evidence::applog::{AppLog, Signal, SignalKind};
use oomlens_evidence::jvm::flags;
use oomlens_evidence::k8s::{Container, Pod};
use oomlens_evidence::kernel::OomReport;

use crate::case::{Case, Member};
use crate::diagnosis::*;
use crate::ids::CauseId;
use crate::kb;

use super::{kill, memory};

/// The shared facts of one member of the Case.
pub struct Scene<'a> {
    pub case: &'a Case,
    pub member: &'a Member,
    /// Index of the member in the Diagnosis' `containers`.
    pub index: usize,
    pub pod: Option<&'a Pod>,
    pub container: Option<&'a Container>,
    /// The source of the pod's description (for its cites).
    pub pod_src: String,
    /// The member's kernel reports, oldest first.
    pub reports: Vec<&'a OomReport>,
    pub pod_ref: PodRef,
    pub container_ref: ContainerRef,
    /// The kills: kernel reports, then the kubelet's and the JVM's.
    pub kills: Vec<Kill>,
    /// Kubernetes says OOMKilled, no kernel report is in the evidence: the
    /// kubelet's last state, cited.
    pub kubelet_only_oom: Option<Cite>,
    /// The kubelet's last termination, cited.
    pub last_cite: Option<Cite>,
    /// The container's logs, with their source.
    pub logs: Vec<(&'a String, &'a AppLog)>,
    /// Every out-of-memory signal in the logs.
    pub signals: Vec<(&'a String, &'a Signal)>,
    /// The `OutOfMemoryError`s among them.
    pub oomes: Vec<(&'a String, &'a Signal)>,
    /// A JVM ran there (its log, an `hs_err`, a java victim, JVM flags, a
    /// heap dump).
    pub jvm: bool,
    /// The kernel killed it (memcg or global).
    pub kernel_killed: bool,
    /// The evidence of the latest kill.
    pub kill_ev: Vec<Cite>,
    pub memory: Option<MemoryAtKill>,
    pub timeline: Timeline,
    /// The JVM flags the container's spec shows (command, args, option
    /// variables).
    pub flags: flags::JvmFlags,
    /// The JVM's budget against the kill's limit (`budget::jvm_budget`),
    /// worked out once for the detectors and the Diagnosis; `None` without
    /// a limit or where no JVM ran.
    pub budget: Option<crate::budget::Budget>,
}

impl<'a> Scene<'a> {
    /// Settles the shared facts of member `m` (number `index`).
    pub fn build(case: &'a Case, m: &'a Member, index: usize) -> Scene<'a> {
        let pod = case.pod(m);
        let c = case.container(m);
        let pod_src = pod.map(|p| p.lines.source.clone()).unwrap_or_default();
        let reports: Vec<&OomReport> = m.kills.iter().map(|k| case.report(k)).collect();
        let kernel_id = reports.last().and_then(|r| r.container.clone());
        // A container no pod and no kernel report names is known by its
        // metric labels (a file of `oomlens sample` alone).
        let labelled = m.labelled.as_ref();
        let pod_ref = PodRef {
            namespace: pod
                .and_then(|p| p.namespace.clone())
                .or_else(|| labelled.and_then(|l| l.namespace.clone())),
            name: pod
                .and_then(|p| p.name.clone())
                .or_else(|| labelled.and_then(|l| l.pod.clone())),
            uid: pod
                .and_then(|p| p.uid.clone())
                .or_else(|| kernel_id.as_ref().and_then(|k| k.pod_uid.clone()))
                .or_else(|| labelled.and_then(|l| l.pod_uid.clone())),
        };
        let container_ref = ContainerRef {
            name: c
                .map(|c| c.name.clone())
                .or_else(|| labelled.and_then(|l| l.container.clone())),
            id: kernel_id
                .as_ref()
                .and_then(|k| k.container_id.clone())
                .or_else(|| {
                    c.and_then(|c| c.last_state.as_ref().and_then(|s| s.container_id.clone()))
                })
                .or_else(|| c.and_then(|c| c.id.clone()))
                .or_else(|| labelled.and_then(|l| l.container_id.clone())),
            runtime: kernel_id
                .as_ref()
                .and_then(|k| k.runtime.clone())
                .or_else(|| c.and_then(|c| c.runtime.clone())),
        };
        let logs: Vec<(&String, &AppLog)> = m
            .logs
            .iter()
            .map(|&li| (&case.ev.logs[li].0, &case.ev.logs[li].1))
            .collect();
        let signals: Vec<(&String, &Signal)> = logs
            .iter()
            .flat_map(|(s, l)| l.signals.iter().map(move |g| (*s, g)))
            .collect();
        let oomes: Vec<(&String, &Signal)> = signals
            .iter()
            .copied()
            .filter(|(_, g)| g.kind == SignalKind::JavaOome)
            .collect();
        let kubelet = kill::kubelet_kills(case, m, c, &pod_src);
        let mut kills = kubelet.kills;
        let kernel_killed = kills
            .iter()
            .any(|k| matches!(k.kind, KillKind::KernelMemcg | KillKind::KernelGlobal));
        if let Some(k) = kill::oome_kill(&oomes, kernel_killed, &kills) {
            kills.push(k);
        }
        let jvm = logs.iter().any(|(_, l)| l.jvm_seen || l.hs_err.is_some())
            || kills
                .iter()
                .any(|k| k.victim.as_ref().is_some_and(|v| kill::java_like(&v.comm)))
            || c.is_some_and(|c| !flags::from_container(c).flags.is_empty())
            || !m.heap_dumps.is_empty();
        let kill_ev: Vec<Cite> = kills
            .iter()
            .rev()
            .take(1)
            .flat_map(|k| k.evidence.clone())
            .collect();
        let memory = reports.last().and_then(|r| memory::at_kill(r));
        let timeline = kill::timeline(m, c, pod, &kills, &pod_src);
        let mut scene = Scene {
            case,
            member: m,
            index,
            pod,
            container: c,
            pod_src,
            reports,
            pod_ref,
            container_ref,
            kills,
            kubelet_only_oom: kubelet.kubelet_only_oom,
            last_cite: kubelet.last_cite,
            logs,
            signals,
            oomes,
            jvm,
            kernel_killed,
            kill_ev,
            memory,
            timeline,
            flags: c.map(flags::from_container).unwrap_or_default(),
            budget: None,
        };
        scene.budget = scene
            .kill_limit()
            .filter(|_| scene.jvm)
            .map(|l| super::budget::jvm_budget(c, &scene.flags, l));
        scene
    }

    /// The kernel killed a JVM at its memory cgroup limit and nothing in
    /// its logs said why: what grew is a hypothesis each detector weighs.
    pub fn silent_jvm_kill(&self) -> bool {
        self.jvm
            && self.signals.is_empty()
            && self.kills.last().map(|k| k.kind) == Some(KillKind::KernelMemcg)
    }

    /// The limit the latest kill met (the report's, else the spec's).
    pub fn kill_limit(&self) -> Option<u64> {
        self.kills
            .last()
            .and_then(|k| k.limit_bytes)
            .or(self.spec_limit())
    }

    /// A flag as written in the spec and its cite there.
    pub fn flag(&self, name: &str) -> Option<(&str, Option<Cite>)> {
        self.flags.get(name).map(|f| {
            let cite = f.line.map(|l| Cite::line(&self.pod_src, l, f.raw.clone()));
            (f.raw.as_str(), cite)
        })
    }

    /// A hypothesis for a JVM killed in silence: its summary from the
    /// knowledge base, the kill and the silent logs as evidence plus
    /// `own` (the cites that bear on this cause alone), and its own
    /// explanation.
    pub fn jvm_hypothesis(
        &self,
        id: CauseId,
        confidence: f64,
        explanation: String,
        own: Vec<Cite>,
    ) -> super::Candidate {
        let mut evidence = self.kill_ev.clone();
        evidence.extend(self.silent_logs());
        evidence.extend(own);
        let summary = kb::JVM_KILL_HYPOTHESES
            .iter()
            .find(|h| h.id == id)
            .map_or(kb::cause(id).title, |h| h.summary);
        super::Candidate {
            cause: self.cause(id, confidence, summary.to_string(), explanation, evidence),
            basis: super::Basis::Hypothesis,
        }
    }

    /// The prior of a JVM-kill hypothesis from the knowledge base.
    pub fn prior(id: CauseId) -> f64 {
        kb::JVM_KILL_HYPOTHESES
            .iter()
            .find(|h| h.id == id)
            .map_or(0.0, |h| h.prior)
    }

    /// The latest kernel report, when there is one.
    pub fn latest_report(&self) -> Option<&'a OomReport> {
        self.reports.last().copied()
    }

    /// The container's memory limit from its spec.
    pub fn spec_limit(&self) -> Option<u64> {
        self.container.and_then(|c| c.limits.memory_bytes)
    }

    /// The logs read without any out-of-memory message in them, cited,
    /// when the kernel killed the process: the process never saw it
    /// coming. Empty otherwise.
    pub fn silent_logs(&self) -> Vec<Cite> {
        if !(self.kernel_killed && !self.logs.is_empty() && self.signals.is_empty()) {
            return Vec::new();
        }
        self.logs
            .iter()
            .map(|(s, l)| Cite::file(s, format!("{} lines read, no OutOfMemoryError", l.lines)))
            .collect()
    }

    /// A cause of this member with the knowledge base's fixes, mitigations
    /// and confirming commands filled in for it.
    pub fn cause(
        &self,
        id: CauseId,
        confidence: f64,
        summary: String,
        explanation: String,
        evidence: Vec<Cite>,
    ) -> Cause {
        let info = kb::cause(id);
        let node = self.pod.and_then(|p| p.node.as_deref());
        let fill = |t: &&str| {
            kb::fill(
                t,
                self.pod_ref.namespace.as_deref(),
                self.pod_ref.name.as_deref(),
                self.container_ref.name.as_deref(),
                node,
            )
        };
        Cause {
            id: info.id,
            confidence,
            container: Some(self.index),
            summary,
            explanation,
            evidence,
            fixes: info.fixes.iter().map(fill).collect(),
            mitigations: info.mitigations.iter().map(fill).collect(),
            next_steps: info.next_steps.iter().map(fill).collect(),
        }
    }

    /// A candidate cause of this member in the words `said` (summary,
    /// explanation), resting on `basis`.
    pub fn candidate(
        &self,
        id: CauseId,
        confidence: f64,
        said: crate::wording::Said,
        evidence: Vec<Cite>,
        basis: super::Basis,
    ) -> super::Candidate {
        let (summary, explanation) = said;
        super::Candidate {
            cause: self.cause(id, confidence, summary, explanation, evidence),
            basis,
        }
    }

    /// The container's part of the Diagnosis, with the detectors' findings
    /// and the kills only metric series saw (`metric_kills`) joined to the
    /// others unless one of those is within two minutes.
    pub fn into_diagnosis(
        mut self,
        findings: Vec<Finding>,
        memory_over_time: Option<crate::memtime::MemoryOverTime>,
        metric_kills: Vec<crate::memtime::KnownKill>,
    ) -> ContainerDiagnosis {
        let c = self.container;
        let budget = self.budget.take();
        let budget_evidence = if budget.is_some() {
            self.budget_cites()
        } else {
            Vec::new()
        };
        let class_loads = self
            .member
            .class_reports
            .iter()
            .filter_map(|&i| crate::classes::loads(&self.case.ev.class_reports[i]))
            .collect();
        let nmt = self.nmt_snapshots();
        let mut kills = self.kills;
        let added = !metric_kills.is_empty();
        for (ms, cite) in metric_kills {
            let near = kills
                .iter()
                .any(|k| k.instant_ms().is_some_and(|t| (t - ms).abs() <= 120_000));
            if !near {
                kills.push(Kill {
                    time: Some(crate::memtime::utc(ms)),
                    at: jiff::Timestamp::from_millisecond(ms).ok(),
                    time_note: Some(
                        "the first sample after the OOM event counter rose: the kill came between it and the one before".into(),
                    ),
                    kind: KillKind::KernelMemcg,
                    oome_variant: None,
                    victim: None,
                    usage_bytes: None,
                    limit_bytes: c.and_then(|c| c.limits.memory_bytes),
                    limit_level: None,
                    failcnt: None,
                    evidence: vec![cite],
                });
            }
        }
        if added {
            // Oldest first, as documented; kills without a time stay last.
            kills.sort_by_key(|k| k.instant_ms().unwrap_or(i64::MAX));
        }
        let kernel_id = self.reports.last().and_then(|r| r.container.as_ref());
        ContainerDiagnosis {
            pod: self.pod_ref,
            container: self.container_ref,
            node: self.pod.and_then(|p| p.node.clone()),
            qos: self
                .pod
                .and_then(|p| p.qos_class.clone())
                .or_else(|| kernel_id.and_then(|k| k.qos.clone())),
            restart_count: c.and_then(|c| c.restart_count),
            limit_bytes: c
                .and_then(|c| c.limits.memory_bytes)
                .or_else(|| {
                    kills
                        .iter()
                        .rev()
                        .find(|k| k.limit_level.as_deref() == Some("container"))
                        .and_then(|k| k.limit_bytes)
                })
                .or_else(|| self.case.series_limit(self.member)),
            request_bytes: c.and_then(|c| c.requests.memory_bytes),
            kills,
            timeline: self.timeline,
            memory: self.memory,
            memory_over_time,
            findings,
            budget,
            budget_evidence,
            class_loads,
            nmt,
        }
    }

    /// Where the budget's inputs come from: the limit of the last kill's
    /// report (its cites that name the limit, else its first), or the
    /// spec's memory limit; then each JVM flag the spec shows on a line.
    fn budget_cites(&self) -> Vec<Cite> {
        let mut out: Vec<Cite> = Vec::new();
        let from_kill = self.kills.last().filter(|k| k.limit_bytes.is_some());
        if let Some(k) = from_kill {
            let named: Vec<&Cite> = k
                .evidence
                .iter()
                .filter(|c| c.what.contains("limit"))
                .collect();
            if named.is_empty() {
                out.extend(k.evidence.first().cloned());
            } else {
                out.extend(named.into_iter().cloned());
            }
        } else if let Some((c, line)) = self.container.and_then(|c| Some((c, c.limits.line?))) {
            out.push(Cite::line(
                &self.pod_src,
                line,
                format!(
                    "limits.memory {}",
                    c.limits
                        .memory_bytes
                        .map(oomlens_evidence::units::format::size)
                        .unwrap_or_default()
                ),
            ));
        }
        for f in &self.flags.flags {
            if let Some(l) = f.line {
                let cite = Cite::line(&self.pod_src, l, f.raw.clone());
                if !out.contains(&cite) {
                    out.push(cite);
                }
            }
        }
        out
    }

    /// The member's NMT summaries (not diffs), in order, thinned to
    /// [`NMT_SNAPSHOTS`] evenly spaced ones.
    fn nmt_snapshots(&self) -> Vec<NmtSnapshot> {
        let all: Vec<(&String, &oomlens_evidence::jvm::nmt::Snapshot)> = self
            .member
            .nmt
            .iter()
            .flat_map(|&i| {
                let (src, snaps) = &self.case.ev.nmt[i];
                snaps.iter().filter(|x| !x.diff).map(move |x| (src, x))
            })
            .collect();
        let n = all.len();
        spaced(n, NMT_SNAPSHOTS)
            .into_iter()
            .map(|i| &all[i])
            .map(|(src, x)| NmtSnapshot {
                time: x.unix_ms.map(crate::memtime::utc),
                total_committed_bytes: x.total_committed_bytes,
                categories: x
                    .categories
                    .iter()
                    .map(|c| (c.name.clone(), c.committed_bytes))
                    .collect(),
                evidence: Cite::line(
                    src,
                    x.total_line.unwrap_or(x.line),
                    format!(
                        "NMT total committed {}",
                        crate::units::size(x.total_committed_bytes)
                    ),
                ),
            })
            .collect()
    }
}

/// `cap` indexes of `0..n` evenly spaced from the first to the last (all of
/// them when `n <= cap`); distinct, as `n - 1 > cap - 1`.
fn spaced(n: usize, cap: usize) -> Vec<usize> {
    if n <= cap {
        return (0..n).collect();
    }
    if cap < 2 {
        return (n - cap..n).collect();
    }
    (0..cap).map(|k| k * (n - 1) / (cap - 1)).collect()
}

#[cfg(test)]
mod spaced_tests {
    #[test]
    fn evenly_spaced_with_both_ends() {
        assert_eq!(super::spaced(3, 240), vec![0, 1, 2]);
        let s = super::spaced(1000, 240);
        assert_eq!(s.len(), 240);
        assert_eq!((s[0], s[239]), (0, 999));
        assert!(s.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 5));
    }
}
