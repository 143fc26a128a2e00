//! Kills and the timeline: who killed the container (the kernel at a
//! memory cgroup limit or the node's, the JVM's `OutOfMemoryError`, the
//! kubelet's eviction or liveness probe), how often it dies, and what the
//! container's own log said. The kill kinds that name their cause
//! (`OutOfMemoryError` variants, other runtimes' out-of-memory deaths,
//! eviction, probes) propose it here; for a JVM killed in silence each
//! concern's detector proposes its own hypothesis.

use oomlens_evidence::applog::{OomeVariant, Signal, SignalKind};
use oomlens_evidence::k8s::{Container, Pod, TimeFact};
use oomlens_evidence::kernel::{Kind, OomReport};

use crate::case::{Case, Join, JoinedKill, Member};
use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::kb;
use crate::wording;

use super::{Basis, Candidate, Detector, Found, Scene};

/// The kill detector: findings about the kills and the logs; the causes
/// the kill's kind or the process itself names.
pub struct Kills;

impl Detector for Kills {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if let Some(cite) = &s.kubelet_only_oom {
            f.findings.push(Finding {
                id: FindingId::KernelReportMissing,
                text: wording::KERNEL_REPORT_MISSING.into(),
                evidence: vec![cite.clone()],
            });
        }
        let silent = s.silent_logs();
        if !silent.is_empty() {
            let names: Vec<&str> = s
                .logs
                .iter()
                .map(|(src, _)| src.rsplit('/').next().unwrap_or(src))
                .collect();
            f.findings.push(Finding {
                id: FindingId::NoOomeInLog,
                text: wording::silent_logs(&names, s.jvm),
                evidence: silent,
            });
        }
        if let Some((src, g)) = s.oomes.last() {
            if s.kernel_killed {
                f.findings.push(Finding {
                    id: FindingId::OomeBeforeKill,
                    text: wording::OOME_BEFORE_KILL.into(),
                    evidence: vec![oome_cite(src, g)],
                });
            }
        }
        // The process named the problem itself.
        for (src, g) in s.oomes.iter().rev().take(1) {
            let (id, meaning) = kb::oome(g.variant.unwrap_or(OomeVariant::Other));
            let mut ev = vec![oome_cite(src, g)];
            ev.extend(s.kill_ev.iter().cloned());
            f.candidates.push(Candidate {
                cause: s.cause(
                    id,
                    0.8,
                    format!("{}: OutOfMemoryError: {}", kb::cause(id).title, g.detail),
                    wording::said_by_jvm(meaning),
                    ev,
                ),
                basis: Basis::Said,
            });
        }
        for (src, g) in s
            .signals
            .iter()
            .filter(|(_, g)| g.kind != SignalKind::JavaOome)
            .rev()
            .take(1)
        {
            let id = if g.kind == SignalKind::JvmFatalError {
                CauseId::NativeGrowth
            } else {
                CauseId::Unknown
            };
            f.candidates.push(Candidate {
                cause: s.cause(
                    id,
                    0.7,
                    wording::signal(g.kind).to_string(),
                    wording::said_by_process(&g.detail),
                    vec![Cite::line(src, g.line, g.detail.clone())],
                ),
                basis: Basis::Said,
            });
        }
        let latest = s.kills.last();
        match latest.map(|k| k.kind) {
            // A JVM killed in silence is weighed by each concern's detector.
            Some(KillKind::KernelMemcg) if s.signals.is_empty() && !s.jvm => {
                let who = latest
                    .and_then(|k| k.victim.as_ref())
                    .map(|v| format!("{} (pid {})", v.comm, v.pid))
                    .unwrap_or_else(|| "the container".into());
                let mut evidence = s.kill_ev.clone();
                evidence.extend(s.silent_logs());
                f.candidates.push(s.candidate(
                    CauseId::Unknown,
                    0.3,
                    wording::outgrew_limit(&who),
                    evidence,
                    Basis::Hypothesis,
                ));
            }
            Some(kind) => {
                if let Some(said) = wording::kill_kind(kind) {
                    let confidence = if kind == KillKind::Probe { 0.7 } else { 0.6 };
                    f.candidates.push(s.candidate(
                        CauseId::Unknown,
                        confidence,
                        said,
                        s.kill_ev.clone(),
                        Basis::Said,
                    ));
                }
            }
            None => {}
        }
        f
    }
}

/// A kill within minutes of every start: the limit is below what the
/// workload needs to start.
pub struct EarlyKill;

impl Detector for EarlyKill {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if let Some(up) = s.timeline.median_uptime_before_kill_s {
            if up < 300.0 && s.kernel_killed {
                f.candidates.push(s.candidate(
                    CauseId::UndersizedLimit,
                    0.5,
                    wording::early_kill(up),
                    s.timeline.evidence.clone(),
                    Basis::Timed,
                ));
            }
        }
        f
    }
}

/// Kernel kills tied to the container by time alone say so.
pub struct Joins;

impl Detector for Joins {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        for jk in &s.member.kills {
            if let Join::Time {
                delta_s,
                zone_from_status,
            } = &jk.join
            {
                let r = s.case.report(jk);
                f.findings.push(Finding {
                    id: FindingId::JoinedByTime,
                    text: wording::joined_by_time(
                        &r.time.raw,
                        -delta_s,
                        zone_from_status.as_deref(),
                    ),
                    evidence: s
                        .last_cite
                        .iter()
                        .cloned()
                        .chain(report_cites(r).into_iter().take(1))
                        .collect(),
                });
            }
        }
        f
    }
}

fn oome_cite(src: &str, g: &Signal) -> Cite {
    Cite::line(
        src,
        g.line,
        format!("java.lang.OutOfMemoryError: {}", g.detail),
    )
}

/// The kills the kernel and the kubelet know of, and what the kubelet said.
pub(super) struct KubeletView {
    pub kills: Vec<Kill>,
    pub kubelet_only_oom: Option<Cite>,
    pub last_cite: Option<Cite>,
}

/// The member's kernel kills, joined by the kubelet's view of its last
/// termination (OOMKilled, a liveness-probe kill) and eviction events.
pub(super) fn kubelet_kills(
    case: &Case,
    m: &Member,
    c: Option<&Container>,
    src: &str,
) -> KubeletView {
    let mut kills: Vec<Kill> = m.kills.iter().map(|jk| kernel_kill(case, jk)).collect();
    let mut kubelet_only_oom = None;
    let last = c
        .and_then(|c| c.last_state.as_ref())
        .filter(|s| s.status == "terminated");
    let last_cite = last.map(|s| Cite {
        source: src.to_string(),
        line: s.line,
        last_line: None,
        what: format!(
            "Last State: Terminated, Reason: {}, Exit Code: {}",
            s.reason.as_deref().unwrap_or("?"),
            s.exit_code.map_or("?".into(), |e| e.to_string())
        ),
    });
    let events = &m.events;
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
    // Evictions for memory only: one for disk or PIDs is no OOM kill.
    let evicted: Vec<Cite> = events
        .iter()
        .filter(|(_, e)| {
            e.reason.as_deref() == Some("Evicted")
                && e.message
                    .as_deref()
                    .is_some_and(oomlens_evidence::k8s::eviction_for_memory)
        })
        .map(|(s, e)| cite_event(s, e))
        .collect();
    let npd_oom: Vec<Cite> = events
        .iter()
        .filter(|(_, e)| matches!(e.reason.as_deref(), Some("OOMKilling") | Some("SystemOOM")))
        .map(|(s, e)| cite_event(s, e))
        .collect();
    let bare = |kind: KillKind, time: Option<&TimeFact>, evidence: Vec<Cite>| Kill {
        time: time.and_then(|t| t.utc.clone()),
        at: time.and_then(|t| t.at),
        time_note: None,
        kind,
        oome_variant: None,
        victim: None,
        usage_bytes: None,
        limit_bytes: None,
        limit_level: None,
        failcnt: None,
        evidence,
    };
    if let (Some(s), Some(cite)) = (last, last_cite.clone()) {
        let reason = s.reason.as_deref().unwrap_or("");
        let finished = s.finished_at.as_ref();
        if reason == "OOMKilled" {
            if let Some(k) = kills
                .iter_mut()
                .rev()
                .find(|k| k.kind == KillKind::KernelMemcg)
            {
                k.evidence.insert(0, cite);
            } else {
                let mut ev = vec![cite.clone()];
                ev.extend(npd_oom.iter().cloned());
                let mut k = bare(KillKind::KernelMemcg, finished, ev);
                k.limit_bytes = c.and_then(|c| c.limits.memory_bytes);
                kills.push(k);
                kubelet_only_oom = Some(cite);
            }
        } else if matches!(s.exit_code, Some(137) | Some(143)) && !probe_events.is_empty() {
            let mut ev = vec![cite];
            ev.extend(probe_events.iter().cloned());
            kills.push(bare(KillKind::Probe, finished, ev));
        }
    }
    if !evicted.is_empty() && kills.is_empty() {
        // The eviction's time: its newest event's (when last seen).
        let when = events
            .iter()
            .filter(|(_, e)| {
                e.reason.as_deref() == Some("Evicted")
                    && e.message
                        .as_deref()
                        .is_some_and(oomlens_evidence::k8s::eviction_for_memory)
            })
            .filter_map(|(_, e)| e.last_seen.as_ref().or(e.first_seen.as_ref()))
            .filter(|t| t.at.is_some())
            .max_by_key(|t| t.at);
        kills.push(bare(KillKind::Evicted, when, evicted));
    }
    KubeletView {
        kills,
        kubelet_only_oom,
        last_cite,
    }
}

/// The JVM's own death by `OutOfMemoryError`, when the kernel did not kill
/// it and no probe did.
pub(super) fn oome_kill(
    oomes: &[(&String, &Signal)],
    kernel_killed: bool,
    kills: &[Kill],
) -> Option<Kill> {
    let (s, g) = oomes.last()?;
    if kernel_killed || kills.iter().any(|k| k.kind == KillKind::Probe) {
        return None;
    }
    Some(Kill {
        time: None,
        at: None,
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
        evidence: vec![oome_cite(s, g)],
    })
}

pub(super) fn java_like(comm: &str) -> bool {
    comm == "java" || comm.starts_with("java") || comm.contains("jsvc")
}

/// The cites of a kernel report: its memory line and its victim line (else
/// the whole report).
pub(super) fn report_cites(r: &OomReport) -> Vec<Cite> {
    let src = &r.lines.source;
    // Two at most: room for them only (one list per kill).
    let mut v = Vec::with_capacity(2);
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
    let limit_level = r.limit_level.map(|l| l.as_str().to_string());
    Kill {
        time: jk.utc.clone(),
        at: jk.at,
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

/// The kubelet's first restart back-off, seconds: two kills of one
/// container closer than this are one OOM episode, not two runs.
const MIN_RESTART_GAP_S: f64 = 10.0;

/// How often the container dies: restarts, kills per day, uptime before a
/// kill.
pub(super) fn timeline(
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
    let mut instants: Vec<jiff::Timestamp> = kills.iter().filter_map(|k| k.at).collect();
    instants.sort();
    instants.dedup();
    let last_state = c.and_then(|c| c.last_state.as_ref());
    let current_start = c
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.started_at.as_ref())
        .and_then(|s| s.at);
    let end = instants
        .last()
        .copied()
        .into_iter()
        .chain(current_start)
        .max();
    let pod_start = pod.and_then(|p| p.start_time.as_ref()).and_then(|s| s.at);
    if let (Some(start), Some(end)) = (pod_start, end) {
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
            s.started_at.as_ref().and_then(|x| x.at),
            s.finished_at.as_ref().and_then(|x| x.at),
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
        // Kills closer than the kubelet's shortest restart back-off are
        // victims of one OOM episode (several processes of one container),
        // not one run's end and the next's: no uptime between them.
        let mut timed: Vec<&Kill> = kills.iter().filter(|k| k.at.is_some()).collect();
        timed.sort_by_key(|k| k.at);
        let mut bounds: Vec<Cite> = Vec::new();
        for w in timed.windows(2) {
            let (Some(a), Some(b)) = (w[0].at, w[1].at) else {
                continue;
            };
            let gap = (b.as_second() - a.as_second()) as f64;
            if gap < MIN_RESTART_GAP_S {
                continue;
            }
            ups.push(gap);
            for k in [w[0], w[1]] {
                if let Some(c) = k.evidence.last() {
                    if bounds.len() < 4 && !bounds.contains(c) {
                        bounds.push(c.clone());
                    }
                }
            }
        }
        // With nothing else to cite, the kills that bound the uptimes are
        // the evidence of the timeline.
        if t.evidence.is_empty() {
            t.evidence = bounds;
        }
    }
    if !ups.is_empty() {
        ups.sort_by(f64::total_cmp);
        t.median_uptime_before_kill_s = Some(ups[ups.len() / 2]);
    }
    t
}
