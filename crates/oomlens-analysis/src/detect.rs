//! Detectors: read the Case, state findings, rank causes.
//!
//! Each detector is a function from a container of the Case to findings or
//! causes with their evidence. Confidence is a judgement on a 0..1 scale:
//! about 0.8 when the process itself named the problem (an
//! `OutOfMemoryError` variant), 0.1-0.3 for hypotheses that fit a kill but
//! need more evidence, each with the commands that would tell.

use oomlens_evidence::applog::{OomeVariant, Signal, SignalKind};
use oomlens_evidence::jvm::flags;
use oomlens_evidence::k8s::{Container, Pod};
use oomlens_evidence::kernel::{Kind, OomReport};

use crate::case::{Case, Join, JoinedKill, Member};
use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::kb;
use crate::memtime::Verdict;

/// Runs every detector over the Case.
pub fn run(case: &Case) -> Diagnosis {
    let mut containers = Vec::new();
    let mut causes = Vec::new();
    for (i, m) in case.members.iter().enumerate() {
        let (cd, mut cs) = container(case, m, i);
        containers.push(cd);
        causes.append(&mut cs);
    }
    causes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let oom_kill_found = containers.iter().any(|c| {
        c.kills.iter().any(|k| {
            matches!(
                k.kind,
                KillKind::KernelMemcg
                    | KillKind::KernelGlobal
                    | KillKind::JvmOome
                    | KillKind::Evicted
            )
        })
    });
    let mut sources = case.ev.sources.clone();
    for &li in &case.loose_logs {
        let src = &case.ev.logs[li].0;
        if let Some(s) = sources.iter_mut().find(|s| &s.source == src) {
            s.note
                .push_str("; not tied to a container (name the file after the container)");
        }
    }
    let headline = headline(&containers, &causes);
    Diagnosis {
        schema: SCHEMA,
        oom_kill_found,
        headline,
        containers,
        causes,
        sources,
        warnings: case.ev.warnings.clone().into_vec(),
    }
}

fn headline(containers: &[ContainerDiagnosis], causes: &[Cause]) -> String {
    let killed: Vec<(usize, &ContainerDiagnosis)> = containers
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.kills.is_empty())
        .collect();
    // The container the strongest cause is about, else the first killed.
    let top = causes
        .iter()
        .find_map(|x| {
            x.container
                .and_then(|i| killed.iter().find(|(j, _)| *j == i))
        })
        .or(killed.first());
    let Some(&(ci, c)) = top else {
        return if containers.is_empty() {
            "no container and no OOM kill in the evidence".into()
        } else {
            "no OOM kill in the evidence".into()
        };
    };
    let who = c
        .container
        .name
        .clone()
        .or_else(|| c.pod.name.clone())
        .or_else(|| c.pod.uid.clone().map(|u| format!("pod {u}")))
        .unwrap_or_else(|| "the process in this evidence".into());
    let how = kill_phrase(c);
    match causes.iter().find(|x| x.container == Some(ci)) {
        Some(top) if top.confidence >= 0.5 => format!(
            "{who}: {how}; cause: {} ({:.2})",
            top.summary, top.confidence
        ),
        Some(top) => format!(
            "{who}: {how}; not proven, most likely: {} ({:.2})",
            top.summary, top.confidence
        ),
        None => format!("{who}: {how}"),
    }
}

/// `killed by the kernel at its 3.00 GiB limit, 9 restarts in 13 days`.
pub fn kill_phrase(c: &ContainerDiagnosis) -> String {
    let k = &c.kills[c.kills.len() - 1];
    let limit = k.limit_bytes.or(c.limit_bytes).map(size);
    let mut s = match k.kind {
        KillKind::KernelMemcg if k.victim.is_none() => match &limit {
            // Kubernetes' word only: the kernel's report is not in the evidence.
            Some(l) => format!("OOMKilled at its {l} limit"),
            None => "OOMKilled".into(),
        },
        KillKind::KernelMemcg => match (&limit, k.limit_level.as_deref()) {
            (Some(l), Some("pod")) => format!("killed by the kernel at its pod's {l} limit"),
            (Some(l), _) => format!("killed by the kernel at its {l} limit"),
            (None, _) => "killed by the kernel at its memory limit".into(),
        },
        KillKind::KernelGlobal => "killed by the kernel: the node ran out of memory".into(),
        KillKind::JvmOome => format!(
            "the JVM died of OutOfMemoryError ({})",
            k.oome_variant.as_deref().unwrap_or("other")
        ),
        KillKind::Evicted => "evicted by the kubelet under node memory pressure".into(),
        KillKind::Probe => "killed after failed liveness probes (not an OOM kill)".into(),
        KillKind::Unknown => "killed, by what the evidence does not say".into(),
    };
    let kernel_kills = c
        .kills
        .iter()
        .filter(|k| matches!(k.kind, KillKind::KernelMemcg | KillKind::KernelGlobal))
        .count();
    match (c.restart_count, c.timeline.window_days) {
        (Some(r), Some(d)) if r > 0 => s.push_str(&format!(", {} in {}", restarts(r), days(d))),
        (Some(r), None) if r > 0 => s.push_str(&format!(", {}", restarts(r))),
        _ if kernel_kills > 1 => s.push_str(&format!(", {kernel_kills} times in the kernel log")),
        _ => {}
    }
    s
}

fn restarts(n: u64) -> String {
    if n == 1 {
        "1 restart".into()
    } else {
        format!("{n} restarts")
    }
}

fn days(d: f64) -> String {
    if d >= 1.5 {
        format!("{:.0} days", d)
    } else if d * 24.0 >= 1.5 {
        format!("{:.0} hours", d * 24.0)
    } else {
        match (d * 1440.0).round().max(1.0) as u64 {
            1 => "1 minute".into(),
            m => format!("{m} minutes"),
        }
    }
}

/// Binary size for people: `3.00 GiB`, `512 MiB`.
pub fn size(b: u64) -> String {
    let f = b as f64;
    const G: f64 = 1024.0 * 1024.0 * 1024.0;
    const M: f64 = 1024.0 * 1024.0;
    if f >= G {
        format!("{:.2} GiB", f / G)
    } else if f >= M {
        format!("{:.0} MiB", f / M)
    } else {
        format!("{:.0} KiB", f / 1024.0)
    }
}

fn report_cites(r: &OomReport) -> Vec<Cite> {
    let src = &r.lines.source;
    let mut v = Vec::new();
    if let Some(m) = &r.memory {
        v.push(Cite::line(
            src,
            m.line,
            format!(
                "memory: usage {}kB, limit {}kB, failcnt {}",
                m.usage_kb.unwrap_or(0),
                m.limit_kb.unwrap_or(0),
                m.failcnt.unwrap_or(0)
            ),
        ));
    }
    if let Some(vi) = &r.victim {
        v.push(Cite::line(
            src,
            vi.line,
            format!(
                "Killed process {} ({}), anon-rss {}kB",
                vi.pid,
                vi.comm,
                vi.anon_rss_kb.unwrap_or(0)
            ),
        ));
    }
    if v.is_empty() {
        v.push(Cite {
            source: src.clone(),
            line: Some(r.lines.first),
            last_line: Some(r.lines.last),
            what: "OOM-killer report".into(),
        });
    }
    v
}

fn kernel_kill(case: &Case, jk: &JoinedKill) -> Kill {
    let r = case.report(jk);
    let kind = match r.kind {
        Kind::Memcg => KillKind::KernelMemcg,
        Kind::Global => KillKind::KernelGlobal,
        Kind::Unknown => KillKind::Unknown,
    };
    let time_note = match &jk.join {
        Join::Time {
            zone_from_status: Some(z),
            ..
        } => Some(format!(
            "year and zone {z} from the container's finish time (`{}` has neither)",
            r.time.raw.trim()
        )),
        _ if !r.time.assumed.is_empty() => Some(r.time.assumed.join("; ")),
        _ => None,
    };
    let limit_level = r
        .limit_level
        .and_then(|l| serde_json::to_value(l).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    Kill {
        time: jk.utc.clone(),
        time_note,
        kind,
        oome_variant: None,
        victim: r.victim.as_ref().map(|v| Victim {
            pid: v.pid,
            comm: v.comm.clone(),
            anon_rss_kb: v.anon_rss_kb,
        }),
        usage_bytes: r.memory.and_then(|m| m.usage_kb).map(|k| k * 1024),
        limit_bytes: r
            .memory
            .and_then(|m| m.limit_kb)
            .filter(|&l| l < 1 << 50)
            .map(|k| k * 1024),
        limit_level,
        failcnt: r.memory.and_then(|m| m.failcnt),
        evidence: report_cites(r),
    }
}

fn pod_src(pod: Option<&Pod>) -> String {
    pod.map(|p| p.lines.source.clone()).unwrap_or_default()
}

fn java_like(comm: &str) -> bool {
    comm == "java" || comm.starts_with("java") || comm.contains("jsvc")
}

struct Ctx<'a> {
    ns: Option<&'a str>,
    pod: Option<&'a str>,
    container: Option<&'a str>,
    node: Option<&'a str>,
    index: usize,
}

impl Ctx<'_> {
    fn cause(
        &self,
        id: CauseId,
        confidence: f64,
        summary: String,
        explanation: String,
        evidence: Vec<Cite>,
    ) -> Cause {
        let info = kb::cause(id);
        let fill = |t: &&str| kb::fill(t, self.ns, self.pod, self.container, self.node);
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
}

fn container(case: &Case, m: &Member, index: usize) -> (ContainerDiagnosis, Vec<Cause>) {
    let pod = case.pod(m);
    let c = case.container(m);
    let src = pod_src(pod);
    let reports: Vec<&OomReport> = m.kills.iter().map(|k| case.report(k)).collect();
    let latest_report = reports.last().copied();
    let kernel_id = latest_report.and_then(|r| r.container.clone());

    let pod_ref = PodRef {
        namespace: pod.and_then(|p| p.namespace.clone()),
        name: pod.and_then(|p| p.name.clone()),
        uid: pod
            .and_then(|p| p.uid.clone())
            .or_else(|| kernel_id.as_ref().and_then(|k| k.pod_uid.clone())),
    };
    let container_ref = ContainerRef {
        name: c.map(|c| c.name.clone()),
        id: kernel_id
            .as_ref()
            .and_then(|k| k.container_id.clone())
            .or_else(|| c.and_then(|c| c.last_state.as_ref().and_then(|s| s.container_id.clone())))
            .or_else(|| c.and_then(|c| c.id.clone())),
        runtime: kernel_id
            .as_ref()
            .and_then(|k| k.runtime.clone())
            .or_else(|| c.and_then(|c| c.runtime.clone())),
    };
    let ctx = Ctx {
        ns: pod_ref.namespace.as_deref(),
        pod: pod_ref.name.as_deref(),
        container: container_ref.name.as_deref(),
        node: pod.and_then(|p| p.node.as_deref()),
        index,
    };

    let mut findings = Vec::new();
    let mut kills: Vec<Kill> = m.kills.iter().map(|jk| kernel_kill(case, jk)).collect();

    // The kubelet's view of the last termination.
    let last = c
        .and_then(|c| c.last_state.as_ref())
        .filter(|s| s.status == "terminated");
    let last_cite = last.map(|s| Cite {
        source: src.clone(),
        line: s.line,
        last_line: None,
        what: format!(
            "Last State: Terminated, Reason: {}, Exit Code: {}",
            s.reason.as_deref().unwrap_or("?"),
            s.exit_code.map_or("?".into(), |e| e.to_string())
        ),
    });
    let events: Vec<&(String, oomlens_evidence::k8s::Event)> = m.events.iter().collect();
    let probe_events: Vec<Cite> = events
        .iter()
        .filter(|(_, e)| {
            e.reason.as_deref() == Some("Killing")
                || (e.reason.as_deref() == Some("Unhealthy")
                    && e.message.as_deref().is_some_and(|m| m.contains("Liveness")))
        })
        .filter(|(_, e)| e.message.as_deref().is_some_and(|m| m.contains("iveness")))
        .map(|(s, e)| cite_event(s, e))
        .collect();
    let evicted: Vec<Cite> = events
        .iter()
        .filter(|(_, e)| e.reason.as_deref() == Some("Evicted"))
        .map(|(s, e)| cite_event(s, e))
        .collect();
    let npd_oom: Vec<Cite> = events
        .iter()
        .filter(|(_, e)| matches!(e.reason.as_deref(), Some("OOMKilling") | Some("SystemOOM")))
        .map(|(s, e)| cite_event(s, e))
        .collect();

    if let (Some(s), Some(cite)) = (last, last_cite.clone()) {
        let reason = s.reason.as_deref().unwrap_or("");
        if reason == "OOMKilled" {
            if let Some(k) = kills
                .iter_mut()
                .rev()
                .find(|k| k.kind == KillKind::KernelMemcg)
            {
                k.evidence.insert(0, cite);
            } else {
                let mut ev = vec![cite];
                ev.extend(npd_oom.iter().cloned());
                kills.push(Kill {
                    time: s.finished_at.as_ref().and_then(|t| t.utc.clone()),
                    time_note: None,
                    kind: KillKind::KernelMemcg,
                    oome_variant: None,
                    victim: None,
                    usage_bytes: None,
                    limit_bytes: c.and_then(|c| c.limits.memory_bytes),
                    limit_level: None,
                    failcnt: None,
                    evidence: ev,
                });
                findings.push(Finding {
                    id: FindingId::KernelReportMissing,
                    text: "Kubernetes says OOMKilled but the evidence holds no kernel OOM-killer report: add the node's kernel log to see the victim, its memory and which limit fired".into(),
                    evidence: last_cite.iter().cloned().collect(),
                });
            }
        } else if matches!(s.exit_code, Some(137) | Some(143)) && !probe_events.is_empty() {
            let mut ev = vec![cite];
            ev.extend(probe_events.iter().cloned());
            kills.push(Kill {
                time: s.finished_at.as_ref().and_then(|t| t.utc.clone()),
                time_note: None,
                kind: KillKind::Probe,
                oome_variant: None,
                victim: None,
                usage_bytes: None,
                limit_bytes: None,
                limit_level: None,
                failcnt: None,
                evidence: ev,
            });
        }
    }
    if !evicted.is_empty() && kills.is_empty() {
        kills.push(Kill {
            time: None,
            time_note: None,
            kind: KillKind::Evicted,
            oome_variant: None,
            victim: None,
            usage_bytes: None,
            limit_bytes: None,
            limit_level: None,
            failcnt: None,
            evidence: evicted.clone(),
        });
    }

    // What the container's own logs say.
    let logs: Vec<(&String, &oomlens_evidence::applog::AppLog)> = m
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
    let jvm = logs.iter().any(|(_, l)| l.jvm_seen || l.hs_err.is_some())
        || kills
            .iter()
            .any(|k| k.victim.as_ref().is_some_and(|v| java_like(&v.comm)))
        || c.is_some_and(|c| !flags::from_container(c).flags.is_empty());
    let kernel_killed = kills
        .iter()
        .any(|k| matches!(k.kind, KillKind::KernelMemcg | KillKind::KernelGlobal));
    if kernel_killed && !logs.is_empty() && signals.is_empty() {
        let names: Vec<String> = logs
            .iter()
            .map(|(s, _)| s.rsplit('/').next().unwrap_or(s).to_string())
            .collect();
        findings.push(Finding {
            id: FindingId::NoOomeInLog,
            text: if jvm {
                format!(
                    "no OutOfMemoryError in {}: the JVM never saw it coming",
                    names.join(", ")
                )
            } else {
                format!(
                    "no out-of-memory message in {}: the process never saw it coming",
                    names.join(", ")
                )
            },
            evidence: logs
                .iter()
                .map(|(s, l)| Cite::file(s, format!("{} lines read, no OutOfMemoryError", l.lines)))
                .collect(),
        });
    }
    if let Some((s, g)) = oomes.last() {
        if !kernel_killed && kills.iter().all(|k| k.kind != KillKind::Probe) {
            kills.push(Kill {
                time: None,
                time_note: None,
                kind: KillKind::JvmOome,
                oome_variant: g
                    .variant
                    .and_then(|v| serde_json::to_value(v).ok())
                    .and_then(|v| v.as_str().map(str::to_string)),
                victim: None,
                usage_bytes: None,
                limit_bytes: None,
                limit_level: None,
                failcnt: None,
                evidence: vec![Cite::line(
                    s,
                    g.line,
                    format!("java.lang.OutOfMemoryError: {}", g.detail),
                )],
            });
        } else if kernel_killed {
            findings.push(Finding {
                id: FindingId::OomeBeforeKill,
                text: "the JVM threw OutOfMemoryError before the kernel killed it".into(),
                evidence: vec![Cite::line(
                    s,
                    g.line,
                    format!("java.lang.OutOfMemoryError: {}", g.detail),
                )],
            });
        }
    }

    // Memory at the latest kernel kill.
    let memory = latest_report.and_then(memory_at_kill);
    if let (Some(mem), Some(r)) = (&memory, latest_report) {
        if let (Some(h), Some(a)) = (mem.huge_bytes, mem.anon_bytes) {
            if a > 0 && h as f64 / a as f64 >= 0.25 {
                findings.push(Finding {
                    id: FindingId::Thp,
                    text: format!(
                        "{} of the {} anonymous memory was in transparent huge pages: THP rounds the JVM's regions up to 2 MiB pages",
                        size(h),
                        size(a)
                    ),
                    evidence: mem.evidence.iter().take(1).cloned().collect(),
                });
            }
        }
        if !mem.other_processes.is_empty() {
            let names: Vec<String> = mem
                .other_processes
                .iter()
                .map(|p| format!("{} ({})", p.comm, p.pid))
                .collect();
            findings.push(Finding {
                id: FindingId::OtherProcesses,
                text: format!(
                    "other processes held memory in the same cgroup: {}",
                    names.join(", ")
                ),
                evidence: r
                    .tasks
                    .first()
                    .map(|t| Cite::line(&r.lines.source, t.line, "task table"))
                    .into_iter()
                    .collect(),
            });
        }
        if r.limit_level == Some(oomlens_evidence::cgroup::CgroupLevel::Pod) {
            findings.push(Finding {
                id: FindingId::PodLimit,
                text: "the pod's cgroup limit fired (the sum of its containers' limits), not the container's own".into(),
                evidence: r.memory.map(|m| Cite::line(&r.lines.source, m.line, "oom_memcg is the pod's cgroup")).into_iter().collect(),
            });
        }
        if r.truncated {
            findings.push(Finding {
                id: FindingId::TruncatedReport,
                text: "the kernel report is incomplete in the log (see the warnings)".into(),
                evidence: vec![Cite {
                    source: r.lines.source.clone(),
                    line: Some(r.lines.first),
                    last_line: Some(r.lines.last),
                    what: "OOM-killer report".into(),
                }],
            });
        }
    }
    for jk in &m.kills {
        if let Join::Time {
            delta_s,
            zone_from_status,
        } = &jk.join
        {
            let r = case.report(jk);
            findings.push(Finding {
                id: FindingId::JoinedByTime,
                text: format!(
                    "the kernel kill at `{}` is this container's: it ended {}s later{}",
                    r.time.raw,
                    -delta_s,
                    zone_from_status
                        .as_ref()
                        .map(|z| format!(" (the kernel log's clock read as zone {z})"))
                        .unwrap_or_default()
                ),
                evidence: last_cite
                    .iter()
                    .cloned()
                    .chain(report_cites(r).into_iter().take(1))
                    .collect(),
            });
        }
    }

    let timeline = timeline(case, m, c, pod, &kills, &src);

    // Causes.
    let mut causes = Vec::new();
    let kill_ev: Vec<Cite> = kills
        .iter()
        .rev()
        .take(1)
        .flat_map(|k| k.evidence.clone())
        .collect();
    for (s, g) in oomes.iter().rev().take(1) {
        let (id, meaning) = kb::oome(g.variant.unwrap_or(OomeVariant::Other));
        let mut ev = vec![Cite::line(
            s,
            g.line,
            format!("java.lang.OutOfMemoryError: {}", g.detail),
        )];
        ev.extend(kill_ev.iter().cloned());
        causes.push(ctx.cause(
            id,
            0.8,
            format!("{}: OutOfMemoryError: {}", kb::cause(id).title, g.detail),
            format!("The JVM said so itself: {meaning}."),
            ev,
        ));
    }
    for (s, g) in signals
        .iter()
        .filter(|(_, g)| g.kind != SignalKind::JavaOome)
        .rev()
        .take(1)
    {
        let what = match g.kind {
            SignalKind::NodeHeapOom => {
                "Node.js ran out of its JavaScript heap (--max-old-space-size)"
            }
            SignalKind::PythonMemoryError => "Python raised MemoryError: an allocation failed",
            SignalKind::GoOutOfMemory => "the Go runtime could not get memory from the OS",
            SignalKind::JvmFatalError => "the JVM could not get native memory and died (hs_err)",
            SignalKind::JavaOome => "",
        };
        let id = if g.kind == SignalKind::JvmFatalError {
            CauseId::NativeGrowth
        } else {
            CauseId::Unknown
        };
        causes.push(ctx.cause(
            id,
            0.7,
            what.to_string(),
            format!("The process said so itself: `{}`.", g.detail),
            vec![Cite::line(s, g.line, g.detail.clone())],
        ));
    }

    let latest = kills.last();
    match latest.map(|k| k.kind) {
        Some(KillKind::KernelMemcg) if oomes.is_empty() && signals.is_empty() => {
            let limit = latest.and_then(|k| k.limit_bytes).or(c.and_then(|c| c.limits.memory_bytes));
            let mut ev = kill_ev.clone();
            ev.extend(findings.iter().filter(|f| f.id == FindingId::NoOomeInLog).flat_map(|f| f.evidence.clone()));
            if jvm {
                jvm_hypotheses(&ctx, c, limit, &ev, logs.is_empty(), &src, &mut causes);
            } else {
                let who = latest
                    .and_then(|k| k.victim.as_ref())
                    .map(|v| format!("{} (pid {})", v.comm, v.pid))
                    .unwrap_or_else(|| "the container".into());
                causes.push(ctx.cause(
                    CauseId::Unknown,
                    0.3,
                    format!("{who} outgrew the limit; what grew is not in this evidence"),
                    "The kernel killed the process at the cgroup limit. Memory over time tells a leak from a limit that is simply too small.".into(),
                    ev.clone(),
                ));
            }
        }
        Some(KillKind::KernelGlobal) => causes.push(ctx.cause(
            CauseId::Unknown,
            0.6,
            "the node ran out of memory; this container was the OOM killer's choice, not necessarily the one that grew".into(),
            "A global OOM kill picks the task with the highest oom_score (largest RSS, adjusted by QoS) on the whole node.".into(),
            kill_ev.clone(),
        )),
        Some(KillKind::Evicted) => causes.push(ctx.cause(
            CauseId::Unknown,
            0.6,
            "evicted by the kubelet under node memory pressure: pods above their requests go first".into(),
            "Eviction is the kubelet's choice, not the kernel's: set requests to the real usage and leave node headroom (kube-reserved, eviction thresholds).".into(),
            kill_ev.clone(),
        )),
        Some(KillKind::Probe) => causes.push(ctx.cause(
            CauseId::Unknown,
            0.7,
            "not an OOM kill: the kubelet restarted the container after failed liveness probes".into(),
            "Exit 137/143 without OOMKilled, with liveness-probe Killing events. A slow or paused JVM (long GC) fails probes; memory pressure can be one reason, but the kill was the probe's.".into(),
            kill_ev.clone(),
        )),
        _ => {}
    }
    if let Some(up) = timeline.median_uptime_before_kill_s {
        if up < 300.0 && kernel_killed {
            causes.push(ctx.cause(
                CauseId::UndersizedLimit,
                0.5,
                format!("killed {:.0} s after start: the limit is below what the workload needs to start", up),
                "A leak takes time; a kill within minutes of every start means the working set at start-up does not fit.".into(),
                timeline.evidence.clone(),
            ));
        }
    }
    if let Some(mem) = &memory {
        if let (Some(sh), Some(u)) = (mem.shmem_bytes, latest.and_then(|k| k.usage_bytes)) {
            if u > 0 && sh as f64 / u as f64 >= 0.3 {
                causes.push(ctx.cause(
                    CauseId::Unknown,
                    0.5,
                    format!("{} of the limit was shared memory (tmpfs, /dev/shm, emptyDir medium: Memory)", size(sh)),
                    "Files in memory-backed volumes count against the container's limit and cannot be reclaimed while they exist.".into(),
                    mem.evidence.clone(),
                ));
            }
        }
    }
    class_causes(
        case,
        m,
        &ctx,
        kernel_killed,
        &oomes,
        &kill_ev,
        &mut causes,
        &mut findings,
    );
    nmt_causes(case, m, &ctx, latest_report, &mut causes, &mut findings);
    let mut container_ids: Vec<&str> = m
        .kills
        .iter()
        .filter_map(|k| case.report(k).container.as_ref())
        .filter_map(|k| k.container_id.as_deref())
        .collect();
    if let Some(c) = c {
        let last = c
            .last_state
            .as_ref()
            .and_then(|s| s.container_id.as_deref());
        container_ids.extend(c.id.as_deref().into_iter().chain(last));
    }
    let who = crate::memtime::Who {
        namespace: ctx.ns,
        pod: ctx.pod,
        container: ctx.container,
        pod_uid: pod_ref.uid.as_deref(),
        container_ids: container_ids
            .into_iter()
            .map(|id| id.rsplit("://").next().unwrap_or(id))
            .collect(),
    };
    let mut metric_kills = Vec::new();
    let memory_over_time = metric_causes(
        case,
        &ctx,
        &who,
        c.and_then(|c| c.limits.memory_bytes),
        &kills,
        &mut causes,
        &mut findings,
        &mut metric_kills,
    );
    // Kills only the metrics saw (the OOM event counter rose) join the
    // others, unless one of those is within two minutes.
    let added = !metric_kills.is_empty();
    for (ms, cite) in metric_kills {
        let near = kills
            .iter()
            .any(|k| k.instant_ms().is_some_and(|t| (t - ms).abs() <= 120_000));
        if !near {
            kills.push(Kill {
                time: Some(crate::memtime::utc(ms)),
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

    // The THP amplification goes with every JVM cause.
    if findings.iter().any(|f| f.id == FindingId::Thp) && jvm {
        for cause in causes.iter_mut() {
            cause.mitigations.push("transparent huge pages inflate RSS: set THP to madvise on the node, or run the JVM with -XX:-UseTransparentHugePages".into());
        }
    }

    let cd = ContainerDiagnosis {
        pod: pod_ref,
        container: container_ref,
        node: pod.and_then(|p| p.node.clone()),
        qos: pod
            .and_then(|p| p.qos_class.clone())
            .or_else(|| kernel_id.as_ref().and_then(|k| k.qos.clone())),
        restart_count: c.and_then(|c| c.restart_count),
        limit_bytes: c.and_then(|c| c.limits.memory_bytes).or_else(|| {
            kills
                .iter()
                .rev()
                .find(|k| k.limit_level.as_deref() == Some("container"))
                .and_then(|k| k.limit_bytes)
        }),
        request_bytes: c.and_then(|c| c.requests.memory_bytes),
        kills,
        timeline,
        memory,
        memory_over_time,
        findings,
    };
    (cd, causes)
}

/// What the container's class-loading logs say: a generated-class leak
/// becomes the `metaspace-class-generation` cause, and the hypotheses it
/// makes less likely step back.
#[allow(clippy::too_many_arguments)]
fn class_causes(
    case: &Case,
    m: &Member,
    ctx: &Ctx,
    kernel_killed: bool,
    oomes: &[(&String, &Signal)],
    kill_ev: &[Cite],
    causes: &mut Vec<Cause>,
    findings: &mut Vec<Finding>,
) {
    let reports: Vec<&crate::classes::ClassReport> = m
        .class_reports
        .iter()
        .map(|&i| &case.ev.class_reports[i])
        .collect();
    let gc: Vec<(String, oomlens_evidence::jvm::gclog::GcLog)> = m
        .gc_logs
        .iter()
        .map(|&i| case.ev.gc_logs[i].clone())
        .collect();
    let jcmd: Vec<(String, oomlens_evidence::jvm::jcmd::JcmdOutput)> =
        m.jcmd.iter().map(|&i| case.ev.jcmd[i].clone()).collect();
    let mut meta = crate::metaspace::view(&gc, &jcmd);
    // The limit that Metaspace growth races against.
    let limit = case
        .container(m)
        .and_then(|c| c.limits.memory_bytes)
        .or_else(|| {
            m.kills
                .iter()
                .rev()
                .find_map(|k| case.report(k).memory.and_then(|x| x.limit_kb))
                .filter(|&l| l < 1 << 50)
                .map(|l| l * 1024)
        });
    if let (Some(v), Some(l)) = (meta.as_mut(), limit) {
        v.limit_bytes = Some(l);
        if let (Some(g), Some(u)) = (v.growth_bytes_per_hour, v.last_used_bytes) {
            if g > 0.0 && l > u {
                v.hours_to_limit = Some((l - u) as f64 / g);
            }
        }
    }
    // A Metaspace view with nothing read says nothing.
    if let Some(v) = meta.as_ref().filter(|v| !v.evidence.is_empty()) {
        findings.push(Finding {
            id: FindingId::Metaspace,
            text: metaspace_text(v),
            evidence: v.evidence.clone(),
        });
    }
    let growing_meta = meta.as_ref().is_some_and(|v| {
        v.growth_bytes_per_hour.is_some_and(|g| g >= 1024.0 * 1024.0)
            && matches!((v.first_used_bytes, v.last_used_bytes), (Some(a), Some(b)) if b > a + a / 2)
    });
    let Some(leak) = reports.iter().find(|r| r.verdict.leak) else {
        if growing_meta && reports.is_empty() {
            // Metaspace grows, but no class log says which classes.
            let v = meta.as_ref().expect("checked");
            for c in causes
                .iter_mut()
                .filter(|c| c.id == CauseId::MetaspaceClassGeneration)
            {
                c.confidence = 0.6;
                c.summary = format!("Metaspace growth: {}", metaspace_text(v));
                c.evidence.extend(v.evidence.iter().cloned());
            }
        }
        for r in &reports {
            findings.push(Finding {
                id: FindingId::NoClassLeak,
                text: format!(
                    "{}: {}",
                    r.source.rsplit('/').next().unwrap_or(&r.source),
                    r.verdict.summary
                ),
                evidence: r.verdict.evidence.clone(),
            });
            // Class loading was watched and stayed flat: Metaspace growth is
            // unlikely.
            for c in causes
                .iter_mut()
                .filter(|c| c.id == CauseId::MetaspaceClassGeneration && c.confidence < 0.5)
            {
                c.confidence = 0.05;
            }
        }
        return;
    };
    let v = &leak.verdict;
    let oome_meta = oomes.iter().any(|(_, g)| {
        matches!(
            g.variant,
            Some(oomlens_evidence::applog::OomeVariant::Metaspace)
                | Some(oomlens_evidence::applog::OomeVariant::CompressedClassSpace)
        )
    });
    let confidence = if oome_meta || (kernel_killed && oomes.is_empty()) {
        0.9
    } else {
        0.75
    };
    let mut evidence = v.evidence.clone();
    if let Some(fam) = &v.family {
        if let Some((_, cite)) = crate::metaspace::histogram_count(&jcmd, fam) {
            evidence.push(cite);
        }
    }
    if let Some(mv) = &meta {
        evidence.extend(mv.evidence.iter().cloned());
    }
    evidence.extend(kill_ev.iter().cloned());
    let family = v.family.clone().unwrap_or_default();
    findings.push(Finding {
        id: FindingId::ClassLeak,
        text: v.summary.clone(),
        evidence: v.evidence.clone(),
    });
    let mut explanation = format!(
        "{}. A class is unloaded only when its class loader is unreachable; a generator kept reachable keeps every class it made.",
        v.cause.as_deref().map_or_else(
            || "The generator keeps making classes".to_string(),
            |c| format!("Usual cause: {c}")
        )
    );
    if let Some(mv) = &meta {
        explanation.push_str(&format!(" {}.", metaspace_text(mv)));
    }
    if kernel_killed && oomes.is_empty() {
        explanation.push_str(" Metaspace is unbounded by default, so it grew until the container limit and the kernel killed the JVM before any Metadata GC threshold or OutOfMemoryError.");
    } else if meta
        .as_ref()
        .is_some_and(|mv| mv.metadata_threshold_gcs > 0)
    {
        explanation.push_str(" With Metaspace capped, the JVM runs Full GCs at the Metadata GC threshold trying to reclaim classes that are still reachable: they cost time and free nothing.");
    }
    let mut cause = ctx.cause(
        CauseId::MetaspaceClassGeneration,
        confidence,
        format!(
            "Metaspace leak: {family} classes{} never unloaded",
            v.library
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        ),
        explanation,
        evidence,
    );
    if let Some(fix) = &v.fix {
        cause.fixes.insert(0, fix.clone());
    }
    if let Some(r) = &v.reference {
        cause.next_steps.push(format!("read: {r}"));
    }
    // The generic Metaspace hypothesis is replaced; the others step back.
    causes.retain(|c| !(c.id == CauseId::MetaspaceClassGeneration && c.confidence < 0.5));
    for c in causes.iter_mut().filter(|c| c.confidence < 0.5) {
        c.confidence = (c.confidence * 0.4 * 100.0).round() / 100.0;
    }
    causes.push(cause);
}

/// Native Memory Tracking over time: the category that grew names the
/// cause (threads, direct buffers in `Other`, class metadata, the JVM's own
/// native arenas); RSS beyond NMT's total is memory NMT cannot see.
fn nmt_causes(
    case: &Case,
    m: &Member,
    ctx: &Ctx,
    report: Option<&OomReport>,
    causes: &mut Vec<Cause>,
    findings: &mut Vec<Finding>,
) {
    use oomlens_evidence::jvm::nmt;
    let mut snaps: Vec<(&String, &nmt::Snapshot)> = Vec::new();
    for &i in &m.nmt {
        let (src, s) = &case.ev.nmt[i];
        snaps.extend(s.iter().filter(|x| !x.diff).map(|x| (src, x)));
    }
    let diffs: Vec<(&String, &nmt::Snapshot)> = m
        .nmt
        .iter()
        .flat_map(|&i| {
            case.ev.nmt[i]
                .1
                .iter()
                .filter(|x| x.diff)
                .map(move |x| (&case.ev.nmt[i].0, x))
        })
        .collect();
    let mib = |b: i64| b as f64 / (1024.0 * 1024.0);
    // Growth per category: first to last snapshot, or a summary.diff.
    // (category, committed growth, cite, thread counts before and after)
    type Grown = (String, i64, Cite, Option<(u64, u64)>);
    let mut growth: Vec<Grown> = Vec::new();
    if let (Some((sa, a)), Some((sb, b))) = (snaps.first(), snaps.last()) {
        if snaps.len() >= 2 {
            for g in nmt::committed_growth(a, b) {
                let threads = match (a.category(&g.name), b.category(&g.name)) {
                    (Some(x), Some(y)) => x.threads.zip(y.threads),
                    _ => None,
                };
                growth.push((
                    g.name.clone(),
                    g.delta_bytes,
                    Cite {
                        source: (*sb).clone(),
                        line: g.to_line,
                        last_line: None,
                        what: format!(
                            "NMT {}: committed {:.1} -> {:.1} MiB (from {}:{})",
                            g.name,
                            mib(g.from_bytes as i64),
                            mib(g.to_bytes as i64),
                            sa.rsplit('/').next().unwrap_or(sa),
                            g.from_line.unwrap_or(a.line)
                        ),
                    },
                    threads,
                ));
            }
        }
    }
    if growth.is_empty() {
        for (src, d) in &diffs {
            for c in &d.categories {
                if let Some(delta) = c.committed_diff_bytes {
                    growth.push((
                        c.name.clone(),
                        delta,
                        Cite::line(
                            src,
                            c.line,
                            format!(
                                "NMT summary.diff {}: committed {:+.1} MiB",
                                c.name,
                                mib(delta)
                            ),
                        ),
                        c.threads
                            .zip(c.threads_diff)
                            .map(|(t, d)| ((t as i64 - d).max(0) as u64, t)),
                    ));
                }
            }
        }
    }
    growth.sort_by_key(|g| std::cmp::Reverse(g.1));
    let top = growth
        .iter()
        .find(|g| g.0 != "Java Heap" && g.1 >= 8 * 1024 * 1024);
    if let Some((name, delta, cite, threads)) = top {
        let (id, summary) = match name.as_str() {
            "Thread" => (
                CauseId::ThreadGrowth,
                match threads {
                    Some((a, b)) => format!(
                        "threads grew from {a} to {b} (NMT Thread +{:.0} MiB)",
                        mib(*delta)
                    ),
                    None => format!("thread stacks grew {:.0} MiB (NMT Thread)", mib(*delta)),
                },
            ),
            "Other" => (
                CauseId::DirectMemory,
                format!(
                    "direct buffers grew {:.0} MiB (NMT Other, where JDK 11+ counts them)",
                    mib(*delta)
                ),
            ),
            "Class" | "Metaspace" => (
                CauseId::MetaspaceClassGeneration,
                format!("class metadata grew {:.0} MiB (NMT {name})", mib(*delta)),
            ),
            _ => (
                CauseId::NativeGrowth,
                format!(
                    "the JVM's native memory grew {:.0} MiB (NMT {name})",
                    mib(*delta)
                ),
            ),
        };
        findings.push(Finding {
            id: FindingId::NmtGrowth,
            text: summary.clone(),
            evidence: vec![cite.clone()],
        });
        if !causes.iter().any(|c| c.id == id && c.confidence >= 0.7) {
            causes.retain(|c| !(c.id == id && c.confidence < 0.5));
            causes.push(ctx.cause(
                id,
                0.7,
                summary,
                format!("Native Memory Tracking shows {name} growing more than any other region outside the heap."),
                vec![cite.clone()],
            ));
        }
    }
    // RSS beyond what NMT accounts for: glibc arenas, JNI, native libraries.
    if let (Some(r), Some((src, last))) = (report, snaps.last()) {
        if let Some(v) = &r.victim {
            let rss = (v.anon_rss_kb.unwrap_or(0) + v.file_rss_kb.unwrap_or(0)) * 1024;
            let nmt_total = last.total_committed_bytes;
            if rss > nmt_total && (rss - nmt_total) * 4 > rss {
                let unseen = rss - nmt_total;
                let mut ev = vec![Cite::line(
                    src,
                    last.total_line.unwrap_or(last.line),
                    format!("NMT total committed {:.0} MiB", mib(nmt_total as i64)),
                )];
                ev.extend(
                    report_cites(r)
                        .into_iter()
                        .filter(|c| c.what.starts_with("Killed")),
                );
                causes.push(ctx.cause(
                    CauseId::NativeGrowth,
                    0.6,
                    format!("{:.0} MiB of the victim's RSS is memory NMT cannot see (malloc arenas, JNI, native libraries)", mib(unseen as i64)),
                    "The JVM's RSS at the kill exceeds everything Native Memory Tracking accounts for by a quarter or more; the last NMT snapshot may predate the kill, so compare snapshots taken close to it.".into(),
                    ev,
                ));
            }
        }
    }
}

/// Memory over time from metric files: a leak and where, a limit too
/// small, or page cache; and the kills the trend foretold, against `kills`
/// and the kills the OOM event counter shows (added to `metric_kills`).
#[allow(clippy::too_many_arguments)]
fn metric_causes(
    case: &Case,
    ctx: &Ctx,
    who: &crate::memtime::Who,
    limit: Option<u64>,
    kills: &[Kill],
    causes: &mut Vec<Cause>,
    findings: &mut Vec<Finding>,
    metric_kills: &mut Vec<crate::memtime::KnownKill>,
) -> Option<crate::memtime::MemoryOverTime> {
    if case.ev.metrics.is_empty() {
        return None;
    }
    let only = case.members.len() == 1;
    let ident = |s: &oomlens_evidence::metrics::Series| {
        ["namespace", "pod", "container", "pod_uid"].map(|k| s.labels.get(k).cloned())
    };
    // How many containers the working-set series name.
    let containers: std::collections::BTreeSet<_> = case
        .ev
        .metrics
        .iter()
        .flat_map(|(_, ss)| ss.iter())
        .filter(|s| s.name == "container_memory_working_set_bytes" && crate::memtime::named(s))
        .map(ident)
        .collect();
    let series: Vec<(String, oomlens_evidence::metrics::Series)> = case
        .ev
        .metrics
        .iter()
        .flat_map(|(src, ss)| ss.iter().map(move |s| (src, s)))
        .filter(|(_, s)| {
            // A series naming no container is this one's only when the
            // case has no other; one that names containers must name this
            // one by something it is known by. A container known by nothing
            // (metrics alone) takes them when they name one container only.
            let known = who.pod.is_some() || who.pod_uid.is_some() || !who.container_ids.is_empty();
            match (crate::memtime::named(s), known) {
                (false, _) => only,
                (true, true) => crate::memtime::about(s, who),
                (true, false) => only && containers.len() <= 1,
            }
        })
        // Only the series kept are copied.
        .map(|(src, s)| (src.clone(), s.clone()))
        .collect();
    // Series that still name several containers (a node's sample read with
    // nothing that tells its pods apart) are not guessed between.
    let named: std::collections::BTreeSet<_> = series
        .iter()
        .filter(|(_, s)| s.name == "container_memory_working_set_bytes" && crate::memtime::named(s))
        .map(|(_, s)| ident(s))
        .collect();
    if named.len() > 1 {
        findings.push(Finding {
            id: FindingId::MemoryOverTimeAmbiguous,
            text: format!(
                "the metric series name {} containers and the evidence does not say which is this one: not judged (add the pod object, whose UID the series carry, or the container's id)",
                named.len()
            ),
            evidence: series
                .iter()
                .filter(|(_, s)| s.name == "container_memory_working_set_bytes")
                .take(3)
                .map(|(src, s)| Cite {
                    source: src.clone(),
                    line: s.line,
                    last_line: None,
                    what: format!(
                        "{}{{{}}}",
                        s.name,
                        s.labels
                            .iter()
                            .map(|(k, v)| format!("{k}=\"{v}\""))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                })
                .collect(),
        });
        return None;
    }
    let mut known: Vec<crate::memtime::KnownKill> = kills
        .iter()
        .filter(|k| !matches!(k.kind, KillKind::Probe | KillKind::Evicted))
        .filter_map(|k| {
            let t = k.instant_ms()?;
            let cite = k
                .evidence
                .iter()
                .find(|c| c.what.starts_with("Killed"))
                .or(k.evidence.first())?;
            Some((t, cite.clone()))
        })
        .collect();
    // The OOM event counter (cAdvisor's, or the last reading `oomlens
    // sample` takes of a container whose processes are gone) rising: a kill
    // between two samples, placed at the later one.
    for (src, s) in series
        .iter()
        .filter(|(_, s)| s.name == "container_oom_events_total")
    {
        for w in s.points.windows(2) {
            if w[1].1 > w[0].1 {
                metric_kills.push((
                    w[1].0,
                    Cite {
                        source: src.clone(),
                        line: s.line,
                        last_line: None,
                        what: format!(
                            "container_oom_events_total {} -> {} between {} and {}",
                            w[0].1,
                            w[1].1,
                            crate::memtime::utc(w[0].0),
                            crate::memtime::utc(w[1].0)
                        ),
                    },
                ));
            }
        }
    }
    known.extend(metric_kills.iter().cloned());
    let v = crate::memtime::judge(&series, limit, &known)?;
    findings.push(Finding {
        id: FindingId::MemoryOverTime,
        text: v.text.clone(),
        evidence: v.evidence.clone(),
    });
    if let Some(text) = crate::memtime::checks_text(&v.kill_checks) {
        findings.push(Finding {
            id: FindingId::KillForecast,
            text,
            evidence: v
                .kill_checks
                .iter()
                .rev()
                .take(3)
                .rev()
                .flat_map(|c| c.evidence.iter().cloned())
                .collect(),
        });
    }
    let Some(id) = v.cause else {
        return Some(v);
    };
    let confidence = match v.verdict {
        Verdict::Leak if v.growing.as_deref().is_some_and(|g| g.starts_with("jvm")) => 0.75,
        Verdict::Leak => 0.6,
        Verdict::PageCache => 0.7,
        _ => 0.6,
    };
    if causes
        .iter()
        .any(|c| c.id == id && c.confidence >= confidence)
    {
        return Some(v);
    }
    causes.retain(|c| !(c.id == id && c.confidence < confidence));
    let summary = match v.verdict {
        Verdict::PageCache => "page cache near the limit: a false alarm, not a leak".to_string(),
        Verdict::UndersizedLimit => "the limit is too small: steady usage at the limit".to_string(),
        _ => format!("memory leak: {}", v.growing.clone().unwrap_or_default()),
    };
    causes.push(ctx.cause(id, confidence, summary, v.text.clone(), v.evidence.clone()));
    Some(v)
}

fn metaspace_text(v: &crate::metaspace::MetaspaceView) -> String {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (v.first_used_bytes, v.last_used_bytes) {
        let span = v
            .span_hours
            .map(|h| {
                if h >= 1.0 {
                    format!(" in {h:.1} h")
                } else {
                    format!(" in {:.0} min", (h * 60.0).max(1.0))
                }
            })
            .unwrap_or_default();
        parts.push(format!(
            "Metaspace used {:.1} -> {:.1} MiB{span}",
            mib(a),
            mib(b)
        ));
    }
    if let Some(g) = v.growth_bytes_per_hour {
        parts.push(format!(
            "growing {:.1} MiB/h after warm-up",
            g / (1024.0 * 1024.0)
        ));
    }
    if v.metadata_threshold_gcs > 0 {
        parts.push(format!(
            "{} collections at the Metadata GC threshold",
            v.metadata_threshold_gcs
        ));
    }
    match (v.unbounded, v.max_bytes) {
        (Some(true), _) => parts.push("MaxMetaspaceSize unlimited".into()),
        (_, Some(m)) => parts.push(format!("MaxMetaspaceSize {:.0} MiB", mib(m))),
        _ => {}
    }
    if let Some(c) = v.classes {
        parts.push(format!("{c} classes"));
    }
    if let Some(b) = v.bytes_per_class {
        parts.push(format!("{:.1} KiB per class", b / 1024.0));
    }
    if let (Some(h), Some(l)) = (v.hours_to_limit, v.limit_bytes) {
        parts.push(format!(
            "at that rate Metaspace alone fills the {:.0} MiB limit within {}",
            mib(l),
            if h >= 48.0 {
                format!("{:.1} days", h / 24.0)
            } else if h >= 1.0 {
                format!("{h:.1} h")
            } else {
                format!("{:.0} min", (h * 60.0).max(1.0))
            }
        ));
    }
    if parts.is_empty() {
        "Metaspace: no samples".into()
    } else {
        parts.join(", ")
    }
}

fn cite_event(src: &str, e: &oomlens_evidence::k8s::Event) -> Cite {
    Cite {
        source: src.to_string(),
        line: e.line,
        last_line: None,
        what: format!(
            "event {}: {}",
            e.reason.as_deref().unwrap_or("?"),
            e.message.as_deref().unwrap_or("")
        ),
    }
}

/// The JVM died at the limit without an OutOfMemoryError: rank what could
/// have outgrown it, from the flags the spec shows.
fn jvm_hypotheses(
    ctx: &Ctx,
    c: Option<&Container>,
    limit: Option<u64>,
    ev: &[Cite],
    no_logs: bool,
    spec_src: &str,
    causes: &mut Vec<Cause>,
) {
    let jf = c.map(flags::from_container).unwrap_or_default();
    // The raw token of a flag (as written in the spec) and its line.
    let flag = |name: &str| jf.get(name).map(|f| (f.raw.as_str(), f.line));
    let (mut meta, mut native, mut heap_over, mut direct, thread) = (0.30, 0.25, 0.20, 0.15, 0.10);
    let mut notes = Vec::new();
    let mut flag_cites = Vec::new();
    let mut cite_flag = |line: Option<u64>, what: String| {
        if let Some(l) = line {
            flag_cites.push(Cite::line(spec_src, l, what));
        }
    };
    if let Some((v, line)) = flag("MaxMetaspaceSize") {
        meta = 0.10;
        notes.push(format!(
            "Metaspace is capped ({v}), so a Metaspace leak would have thrown OutOfMemoryError: Metaspace"
        ));
        cite_flag(line, v.to_string());
    } else {
        notes.push("Metaspace is unbounded unless -XX:MaxMetaspaceSize is set: class metadata can grow until the kernel kills the process, before any Metadata GC threshold".to_string());
    }
    if let Some((v, line)) = flag("MaxDirectMemorySize") {
        direct = 0.05;
        cite_flag(line, v.to_string());
    }
    let xmx = flag("MaxHeapSize");
    let pct = flag("MaxRAMPercentage");
    if let Some(l) = limit {
        // The JVM's own sizing for this limit (the memory model of
        // `oomlens budget`), from the flags the spec shows.

        let cpus = c
            .and_then(|c| c.limits.cpu_millis)
            .map_or(2, |m| m.div_ceil(1000).max(1) as u32);
        let b = crate::budget::budget(l, cpus, 17, &jf, &crate::budget::Observed::default());
        if let Some((v, line)) = xmx.or(pct) {
            cite_flag(line, v.to_string());
        }
        // Only a heap that by itself takes most of the limit counts here:
        // the budget's non-heap baseline assumes class and thread counts
        // this evidence does not have.
        let heap = b.ergonomics.max_heap_bytes;
        let over = b
            .verdicts
            .iter()
            .find(|v| v.id == CauseId::HeapSizedOverLimit.as_str());
        match over.filter(|_| heap as f64 >= 0.8 * l as f64) {
            Some(v) => {
                heap_over = 0.5;
                notes.push(v.text.clone());
            }
            None if xmx.is_some() || pct.is_some() => {
                heap_over = 0.1;
                native += 0.05;
            }
            None => {}
        }
    }
    let explanation = format!(
        "The kernel killed the JVM at the container limit and the JVM threw no OutOfMemoryError{}: memory the heap limit does not govern (Metaspace, direct buffers, thread stacks, native allocations), or a heap too big for the limit, outgrew it. {}.",
        if no_logs { " that the evidence shows (no container log was given)" } else { "" },
        notes.join("; ")
    );
    let mut evidence = ev.to_vec();
    evidence.extend(flag_cites);
    for (id, conf, summary) in [
        (
            CauseId::MetaspaceClassGeneration,
            meta,
            "Metaspace growth (generated classes never unloaded)",
        ),
        (
            CauseId::NativeGrowth,
            native,
            "native memory growth outside the heap",
        ),
        (
            CauseId::HeapSizedOverLimit,
            heap_over,
            "max heap plus non-heap larger than the limit",
        ),
        (CauseId::DirectMemory, direct, "direct buffer growth"),
        (CauseId::ThreadGrowth, thread, "thread growth"),
    ] {
        causes.push(ctx.cause(
            id,
            conf,
            summary.to_string(),
            explanation.clone(),
            evidence.clone(),
        ));
    }
}

fn timeline(
    case: &Case,
    m: &Member,
    c: Option<&Container>,
    pod: Option<&Pod>,
    kills: &[Kill],
    src: &str,
) -> Timeline {
    let mut t = Timeline {
        restart_count: c.and_then(|c| c.restart_count),
        pod_started: pod
            .and_then(|p| p.start_time.as_ref())
            .and_then(|s| s.utc.clone()),
        ..Timeline::default()
    };
    if let (Some(rc), Some(line)) = (t.restart_count, c.and_then(|c| c.restart_count_line)) {
        t.evidence
            .push(Cite::line(src, line, format!("Restart Count: {rc}")));
    }
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    let mut instants: Vec<jiff::Timestamp> = kills
        .iter()
        .filter_map(|k| k.time.as_deref().and_then(parse))
        .collect();
    instants.sort();
    instants.dedup();
    let last_state = c.and_then(|c| c.last_state.as_ref());
    let current_start = c
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.started_at.as_ref())
        .and_then(|s| s.utc.as_deref())
        .and_then(parse);
    let end = instants
        .last()
        .copied()
        .into_iter()
        .chain(current_start)
        .max();
    if let (Some(start), Some(end)) = (t.pod_started.as_deref().and_then(parse), end) {
        let d = (end.as_second() - start.as_second()) as f64 / 86400.0;
        if d > 0.0 {
            t.window_days = Some(d);
            let oom_restarts = last_state.and_then(|s| s.reason.as_deref()) == Some("OOMKilled");
            let n = if oom_restarts {
                t.restart_count.map(|r| r as f64)
            } else if !instants.is_empty() {
                Some(instants.len() as f64)
            } else {
                None
            };
            t.kills_per_day = n.map(|n| n / d);
            if let Some(st) = pod.and_then(|p| p.start_time.as_ref()) {
                if let Some(l) = st.line {
                    t.evidence
                        .push(Cite::line(src, l, format!("Start Time: {}", st.raw)));
                }
            }
        }
    }
    // Uptimes: the last run's, and the gaps between kills of one container.
    let mut ups: Vec<f64> = Vec::new();
    if let Some(s) = last_state {
        if let (Some(a), Some(b)) = (
            s.started_at
                .as_ref()
                .and_then(|x| x.utc.as_deref())
                .and_then(parse),
            s.finished_at
                .as_ref()
                .and_then(|x| x.utc.as_deref())
                .and_then(parse),
        ) {
            ups.push((b.as_second() - a.as_second()) as f64);
            if let Some(l) = s.line {
                t.evidence.push(Cite::line(
                    src,
                    l,
                    "Last State: Terminated (Started .. Finished)",
                ));
            }
        }
    }
    if m.pod.is_some() || m.kills.len() > 1 {
        for w in instants.windows(2) {
            ups.push((w[1].as_second() - w[0].as_second()) as f64);
        }
    }
    let _ = case;
    if !ups.is_empty() {
        ups.sort_by(f64::total_cmp);
        t.median_uptime_before_kill_s = Some(ups[ups.len() / 2]);
    }
    t
}

/// Composition of the killed cgroup's memory from the report's stats dump.
fn memory_at_kill(r: &OomReport) -> Option<MemoryAtKill> {
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
