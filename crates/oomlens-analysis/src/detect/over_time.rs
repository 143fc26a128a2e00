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
    // A counter's kill stands for a kill no report gave: one within two
    // minutes of a reported kill is that kill, placed only to a sample
    // (the rule `Scene::into_diagnosis` joins them by).
    let counted: Vec<_> = f
        .kills
        .iter()
        .filter(|(ms, _)| !known.iter().any(|(t, _)| (t - ms).abs() <= 120_000))
        .cloned()
        .collect();
    known.extend(counted);
    let mut v = crate::memtime::judge(&series, limit, &known)?;
    v.series.extend(gc_heap_drawn(s));
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

/// What a GC log's heap after each collection is called when drawn.
const GC_HEAP_LABEL: &str = "jvm heap after GC";

/// The heap after each collection of the member's GC log with the most
/// wall-clock-stamped collections, as a drawn JVM part on the time axis of
/// the memory series: `None` when no log prints a wall clock with its zone
/// beside the heap (an uptime alone cannot be placed on that axis) or
/// fewer than two collections do.
fn gc_heap_drawn(s: &Scene<'_>) -> Option<crate::memtime::Drawn> {
    let (src, mut pts, lines) = s
        .member
        .gc_logs
        .iter()
        .filter_map(|&i| {
            let (src, log) = s.case.ev.gc_logs.get(i)?;
            let mut pts = Vec::new();
            let mut lines = (u64::MAX, 0);
            for c in &log.collections {
                let (Some(t), Some(after)) =
                    (c.time.as_deref().and_then(wall_ms), c.heap_after_bytes)
                else {
                    continue;
                };
                pts.push((t, after as f64));
                let line = c.heap_line.unwrap_or(c.line);
                lines = (lines.0.min(line), lines.1.max(line));
            }
            Some((src, pts, lines))
        })
        .max_by_key(|(_, p, _)| p.len())?;
    if pts.len() < 2 {
        return None;
    }
    pts.sort_by_key(|p| p.0);
    Some(crate::memtime::Drawn {
        kind: crate::memtime::DrawnKind::Jvm,
        metric: "gc_log_heap_after_gc".into(),
        label: GC_HEAP_LABEL.into(),
        unit: "bytes",
        samples: pts.len(),
        points: crate::trend::thin(&pts, crate::memtime::DRAWN_POINTS / 2),
        evidence: Cite {
            source: src.clone(),
            line: Some(lines.0),
            last_line: (lines.1 > lines.0).then_some(lines.1),
            what: format!("heap after GC, {} collections with a wall clock", pts.len()),
        },
    })
}

/// Milliseconds since the epoch of a GC log's wall-clock decoration
/// (`2024-05-01T10:00:00.123+0000`); `None` without a zone.
fn wall_ms(t: &str) -> Option<i64> {
    use oomlens_evidence::framing::{iso_stamp, Stamp};
    match iso_stamp(t.as_bytes())?.0 {
        Stamp::Iso {
            civil,
            offset: Some(off),
        } => off.to_timestamp(civil).ok().map(|ts| ts.as_millisecond()),
        _ => None,
    }
}
