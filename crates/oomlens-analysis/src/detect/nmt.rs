//! Native memory: Native Memory Tracking over time (several `summary`
//! snapshots or a `summary.diff`). The category that grew names the cause
//! (threads, direct buffers in `Other`, class metadata, the JVM's own
//! native arenas); RSS at the kill beyond NMT's total is memory NMT cannot
//! see (malloc arenas, JNI, native libraries). The committed `Java Heap`
//! rising in every snapshot until it at least doubles and still rising
//! (or at the maximum heap) is heap growth ([`crate::heap::nmt_heap_growth`]);
//! a collector settling its heap size is not. The native gap (the
//! container's memory beyond NMT's committed total, joined at each timed
//! snapshot to the nearest sample of the member's series) rising while NMT
//! stays flat is native growth NMT cannot see ([`NativeGap`]).

use oomlens_evidence::jvm::nmt;

use crate::case::Sample;
use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::kb;
use crate::wording::{self, silent_jvm_kill, Silent};

use super::budget::{heap_sizing, HeapSizing};

use super::{Basis, Candidate, Detector, Found, Scene};

/// The committed Java heap rising in every snapshot to twice its size: a
/// measurement of the heap filling, short of showing objects retained.
pub const NMT_HEAP: f64 = 0.6;

/// The native gap (the container's memory beyond NMT's committed total)
/// rising over time while that total stays flat: memory NMT cannot see,
/// measured growing in two sources.
pub const NATIVE_GAP: f64 = 0.75;

/// The least growth of the native gap, first to last joined sample, that
/// is a claim (as for an NMT category).
const GAP_GROWTH_MIN: f64 = 8.0 * 1024.0 * 1024.0;

/// How far from a snapshot a sample of the container's memory may be and
/// still be joined to it: twice the series' step, at least this.
const JOIN_SLACK_MS: i64 = 30_000;

/// The Native Memory Tracking detector.
pub struct Nmt;

/// The native gap over time: the container's memory (`container_memory_rss`,
/// else `container_memory_working_set_bytes`) at each timed NMT snapshot
/// minus the snapshot's committed total. It grows when it rises (Theil-Sen
/// slope, Mann-Kendall significant, [`crate::trend::rise`]) by
/// [`GAP_GROWTH_MIN`] or more while NMT's committed total moves by under a
/// quarter of the gap's slope; it is flat when it does not rise so.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeGap {
    /// The metric whose samples were joined.
    pub metric: String,
    /// The gap at the first and last joined snapshot, in bytes (negative
    /// when NMT's committed total, which counts pages not yet touched, is
    /// above the memory used).
    pub first: f64,
    pub last: f64,
    /// Theil-Sen slope of the gap, bytes per hour.
    pub slope_per_hour: f64,
    /// Seconds from the first to the last joined snapshot.
    pub span_s: f64,
    /// NMT's committed total at the first and last joined snapshot.
    pub nmt_first: u64,
    pub nmt_last: u64,
    /// How many snapshots were joined to a sample.
    pub joined: usize,
    /// True when the gap grows while NMT stays flat (the claim); false
    /// when it does not grow significantly (said as a fact).
    pub grows: bool,
    /// The first and last NMT totals and samples joined.
    pub evidence: Vec<Cite>,
}

/// [`NativeGap`] from the member's timed NMT snapshots (`snaps`, in order)
/// joined to its samples by the Case ([`crate::case::Samples::nearest`]),
/// when four or more join: growing with NMT flat, or flat. `None` as well
/// when both grow (the NMT categories say where).
fn native_gap(s: &Scene<'_>, snaps: &[(&String, &nmt::Snapshot)]) -> Option<NativeGap> {
    // Under four snapshots that can join, nothing does: the samples (a
    // copy of the series) are not gathered.
    let timed = snaps
        .iter()
        .filter(|(_, x)| x.total_line.is_some() && x.unix_ms.is_some())
        .count();
    if timed < 4 {
        return None;
    }
    let (metric, samples) = ["container_memory_rss", "container_memory_working_set_bytes"]
        .into_iter()
        .map(|m| (m, s.case.samples(s.member, m)))
        .find(|(_, x)| !x.0.is_empty())?;
    let slack = (2 * samples.step_ms()).max(JOIN_SLACK_MS);
    let mut joined: Vec<(&String, &nmt::Snapshot, &Sample<'_>)> = snaps
        .iter()
        .filter(|(_, x)| x.total_line.is_some())
        .filter_map(|&(src, x)| Some((src, x, samples.nearest(x.unix_ms?, slack)?)))
        .collect();
    // In time order (files load in path order: `nmt-10` before `nmt-2`),
    // one snapshot per sample: the trend test and first/last need it.
    joined.sort_by_key(|j| j.2.ms);
    joined.dedup_by_key(|j| j.2.ms);
    let points: Vec<GapPoint> = joined
        .iter()
        .map(|(_, x, p)| (p.ms, p.value, x.total_committed_bytes as f64))
        .collect();
    let (slope, grows) = gap_trend(&points)?;
    let (first, last) = (joined.first()?, joined.last()?);
    let mib = |b: f64| crate::units::number_in(b, crate::units::Unit::MiB, 0);
    let cite = |(src, x, p): &(&String, &nmt::Snapshot, &Sample<'_>)| {
        let total = Cite::line(
            src,
            x.total_line.unwrap_or(x.line),
            format!(
                "NMT total committed {} MiB",
                mib(x.total_committed_bytes as f64)
            ),
        );
        let sample = Cite {
            source: p.source.to_string(),
            line: p.line,
            last_line: None,
            what: format!(
                "{metric} {} MiB at {}",
                mib(p.value),
                crate::memtime::utc(p.ms)
            ),
        };
        [total, sample]
    };
    let gap = |(_, x, p): &(&String, &nmt::Snapshot, &Sample<'_>)| {
        p.value - x.total_committed_bytes as f64
    };
    Some(NativeGap {
        metric: metric.to_string(),
        first: gap(first),
        last: gap(last),
        slope_per_hour: slope,
        span_s: (last.2.ms - first.2.ms) as f64 / 1000.0,
        nmt_first: first.1.total_committed_bytes,
        nmt_last: last.1.total_committed_bytes,
        joined: joined.len(),
        grows,
        evidence: cite(first).into_iter().chain(cite(last)).collect(),
    })
}

/// A snapshot joined to a sample: (ms, the container's memory, NMT's
/// committed total), bytes.
type GapPoint = (i64, f64, f64);

/// The gap's Theil-Sen slope per hour and whether it grows with NMT flat
/// (see [`NativeGap`]); `None` with fewer than four points or when NMT
/// grows at a quarter of the gap's rate or more while the gap grows.
fn gap_trend(points: &[GapPoint]) -> Option<(f64, bool)> {
    if points.len() < 4 {
        return None;
    }
    let gap: Vec<(i64, f64)> = points.iter().map(|&(t, m, n)| (t, m - n)).collect();
    let nmt: Vec<(i64, f64)> = points.iter().map(|&(t, _, n)| (t, n)).collect();
    let rise = crate::trend::rise(&gap);
    let slope = rise.slope_per_hour?.0;
    let nmt_slope = crate::trend::rise(&nmt).slope_per_hour.map_or(0.0, |t| t.0);
    let grown = gap[gap.len() - 1].1 - gap[0].1;
    let grows = rise.rising && grown >= GAP_GROWTH_MIN;
    if grows && nmt_slope.abs() * 4.0 > slope {
        // NMT grows too: its categories say where.
        return None;
    }
    Some((slope, grows))
}

impl Detector for Nmt {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let case = s.case;
        if s.silent_jvm_kill() {
            let fits = matches!(heap_sizing(s).0, HeapSizing::Fits(_));
            let mut confidence = Scene::prior(CauseId::NativeGrowth);
            if fits {
                confidence += kb::NATIVE_WHEN_HEAP_FITS;
            }
            f.candidates.push(s.jvm_hypothesis(
                CauseId::NativeGrowth,
                confidence,
                silent_jvm_kill(Silent::Native { heap_fits: fits }, s.logs.is_empty()),
                Vec::new(),
            ));
        }
        let mut snaps: Vec<(&String, &nmt::Snapshot)> = Vec::new();
        for &i in &s.member.nmt {
            let (src, snap) = &case.ev.nmt[i];
            snaps.extend(snap.iter().filter(|x| !x.diff).map(|x| (src, x)));
        }
        let diffs: Vec<(&String, &nmt::Snapshot)> = s
            .member
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
        // The committed Java heap filling (the heap's own growth; whether
        // it is retained is for the GC log and histograms to say).
        let refs: Vec<&nmt::Snapshot> = snaps.iter().map(|(_, x)| *x).collect();
        if let Some(h) = crate::heap::nmt_heap_growth(&refs).filter(|h| h.growing) {
            let (src, _) = snaps[snaps.len() - 1];
            let first_src = snaps
                .iter()
                .find(|(_, x)| x.category("Java Heap").is_some())
                .map_or(src, |(s, _)| *s);
            let ev = vec![
                Cite::line(
                    first_src,
                    h.first.1,
                    format!("NMT Java Heap committed {}", crate::units::size(h.first.0)),
                ),
                Cite::line(
                    src,
                    h.last.1,
                    format!("NMT Java Heap committed {}", crate::units::size(h.last.0)),
                ),
            ];
            let said = wording::nmt_heap(&h);
            f.findings.push(Finding {
                id: FindingId::NmtGrowth,
                text: said.0.clone(),
                evidence: ev.clone(),
            });
            f.candidates.push(s.candidate(
                CauseId::HeapGrowth,
                NMT_HEAP,
                said,
                ev,
                Basis::Measured,
            ));
        }
        let mib = |b: i64, d: usize| crate::units::number_in(b as f64, crate::units::Unit::MiB, d);
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
                                "NMT {}: committed {} -> {} MiB (from {}:{})",
                                g.name,
                                mib(g.from_bytes as i64, 1),
                                mib(g.to_bytes as i64, 1),
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
                                    "NMT summary.diff {}: committed {} MiB",
                                    c.name,
                                    crate::units::signed_number_in(
                                        delta as f64,
                                        crate::units::Unit::MiB,
                                        1
                                    )
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
            let id = match name.as_str() {
                "Thread" => CauseId::ThreadGrowth,
                "Other" => CauseId::DirectMemory,
                "Class" | "Metaspace" => CauseId::MetaspaceClassGeneration,
                _ => CauseId::NativeGrowth,
            };
            let summary = wording::nmt_growth(name, *delta, *threads);
            f.findings.push(Finding {
                id: FindingId::NmtGrowth,
                text: summary.clone(),
                evidence: vec![cite.clone()],
            });
            // Class metadata that grew while a class-loading log of the same
            // JVM over time saw every family stop after start-up is the
            // start-up itself (a first snapshot taken while classes still
            // loaded), not a generator: the log speaks for class generation.
            let startup_only = id == CauseId::MetaspaceClassGeneration && {
                let over_time: Vec<_> = s
                    .member
                    .class_reports
                    .iter()
                    .filter_map(|&i| s.case.ev.class_reports.get(i))
                    .filter(|r| r.clock != "listing")
                    .collect();
                !over_time.is_empty() && over_time.iter().all(|r| !r.verdict.leak)
            };
            if !startup_only {
                f.candidates.push(Candidate {
                    cause: s.cause(
                        id,
                        0.7,
                        summary,
                        wording::nmt_grows(name),
                        vec![cite.clone()],
                    ),
                    basis: Basis::Measured,
                });
            }
        }
        // The native gap over time: the container's memory beyond NMT's
        // total growing while that total stays flat.
        if let Some(g) = native_gap(s, &snaps) {
            let said = wording::native_gap(&g);
            f.findings.push(Finding {
                id: FindingId::NativeGap,
                text: said.0.clone(),
                evidence: g.evidence.clone(),
            });
            if g.grows {
                f.candidates.push(s.candidate(
                    CauseId::NativeGrowth,
                    NATIVE_GAP,
                    said,
                    g.evidence,
                    Basis::Measured,
                ));
            }
        }
        // RSS beyond what NMT accounts for: glibc arenas, JNI, native libraries.
        if let (Some(r), Some((src, last))) = (s.latest_report(), snaps.last()) {
            if let Some(v) = &r.victim {
                let rss = (v.anon_rss_kb.unwrap_or(0) + v.file_rss_kb.unwrap_or(0)) * 1024;
                let nmt_total = last.total_committed_bytes;
                if rss > nmt_total && (rss - nmt_total) * 4 > rss {
                    let unseen = rss - nmt_total;
                    let mut ev = vec![Cite::line(
                        src,
                        last.total_line.unwrap_or(last.line),
                        format!("NMT total committed {} MiB", mib(nmt_total as i64, 0)),
                    )];
                    ev.extend(
                        super::kill::report_cites(r)
                            .into_iter()
                            .filter(|c| c.what.starts_with("Killed")),
                    );
                    f.candidates.push(s.candidate(
                        CauseId::NativeGrowth,
                        0.6,
                        wording::nmt_unseen(unseen),
                        ev,
                        Basis::Measured,
                    ));
                }
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;

    /// Ten snapshots a minute apart: the container's memory and NMT's
    /// total at each, in MiB as `f(minute)`.
    fn points(mem: impl Fn(f64) -> f64, nmt: impl Fn(f64) -> f64) -> Vec<GapPoint> {
        (0..10)
            .map(|i| {
                let m = i as f64;
                (i * 60_000, mem(m) * MIB, nmt(m) * MIB)
            })
            .collect()
    }

    #[test]
    fn the_gap_grows_while_nmt_stays_flat() {
        // +4 MiB a minute beyond a flat NMT (its last digit jitters).
        let p = points(|m| 40.0 + 4.0 * m, |m| 58.0 - (m as i64 % 2) as f64);
        let (slope, grows) = gap_trend(&p).unwrap();
        assert!(grows);
        assert!((slope / MIB - 240.0).abs() < 1.0, "{slope}");
    }

    #[test]
    fn a_flat_gap_or_too_few_points_is_no_growth() {
        let p = points(|m| 23.0 + (m as i64 % 3) as f64 * 0.1, |_| 57.0);
        assert_eq!(gap_trend(&p).map(|t| t.1), Some(false));
        // Rising but by less than 8 MiB in all.
        let p = points(|m| 23.0 + 0.5 * m, |_| 57.0);
        assert_eq!(gap_trend(&p).map(|t| t.1), Some(false));
        assert_eq!(gap_trend(&p[..3]), None);
    }

    #[test]
    fn nmt_growing_with_the_gap_is_not_said() {
        // Memory +6 MiB/min, NMT +2 MiB/min: the gap grows at +4, NMT at
        // half of it.
        let p = points(|m| 40.0 + 6.0 * m, |m| 58.0 + 2.0 * m);
        assert_eq!(gap_trend(&p), None);
    }
}
