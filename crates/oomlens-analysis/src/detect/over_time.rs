//! Memory over time: the member's metric series (cAdvisor, Micrometer,
//! jmx_exporter, `oomlens sample`) judged by [`crate::memtime`]: a leak and
//! which part grows, a limit too small, page cache; the kills the OOM event
//! counter shows; each killed life foretold again from its first half.

use crate::diagnosis::*;
use crate::ids::FindingId;
use crate::memtime::Verdict;

use super::{Basis, Candidate, Detector, Found, Scene};

/// The memory-over-time detector.
pub struct OverTime;

impl Detector for OverTime {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        f.memory_over_time = judge(s, &mut f);
        f
    }
}

/// Memory over time from the member's series (tied by the Case): a leak
/// and where, a limit too small, or page cache; and the kills the trend
/// foretold, against the Scene's kills and the kills the OOM event counter
/// shows (added to `f.kills`).
fn judge(s: &Scene<'_>, f: &mut Found) -> Option<crate::memtime::MemoryOverTime> {
    let limit = s.spec_limit();
    let kills = &s.kills;
    // Borrowed, not copied: a large export's points are most of the
    // memory a diagnosis takes.
    let series: Vec<(String, &oomlens_evidence::metrics::Series)> = s
        .case
        .series(s.member)
        .map(|(src, s)| (src.clone(), s))
        .collect();
    // Series that name several containers (a node's sample read with
    // nothing that tells its pods apart) are not guessed between.
    if s.member.series_containers > 1 {
        f.findings.push(Finding {
            id: FindingId::MemoryOverTimeAmbiguous,
            text: crate::wording::ambiguous_series(s.member.series_containers),
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
                f.kills.push((
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
    known.extend(f.kills.iter().cloned());
    let v = crate::memtime::judge(&series, limit, &known)?;
    f.findings.push(Finding {
        id: FindingId::MemoryOverTime,
        text: v.text.clone(),
        evidence: v.evidence.clone(),
    });
    if let Some(text) = crate::wording::kill_checks(&v.kill_checks) {
        f.findings.push(Finding {
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
    let summary = crate::wording::over_time(v.verdict, v.growing.as_deref());
    f.candidates.push(Candidate {
        cause: s.cause(id, confidence, summary, v.text.clone(), v.evidence.clone()),
        basis: Basis::Measured,
    });
    Some(v)
}
