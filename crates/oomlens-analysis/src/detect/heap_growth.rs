//! Heap growth from what the JVM already logs: the heap after GC of the
//! member's GC logs and the classes that grow across its class histograms
//! ([`crate::heap`] reads both). A retained-heap leak is `heap-growth`
//! (stronger with both: the trend shows it, the histograms name the
//! classes); when the kernel killed the JVM and the maximum heap is above
//! the limit, `heap-sized-over-limit` is named beside it as the reason no
//! `OutOfMemoryError` came. A heap after GC that stays flat while the
//! maximum heap is above the limit is `heap-sized-over-limit`, not a leak.
//! (NMT's committed Java heap is read by `nmt.rs`.)

use oomlens_evidence::applog::OomeVariant;
use oomlens_evidence::jvm::jcmd::{HistogramSnapshot, JcmdKind};

use crate::diagnosis::*;
use crate::heap::{self, GcTrend, HistogramGrowth};
use crate::ids::{CauseId, FindingId};
use crate::units;
use crate::wording;

use super::{Basis, Bearing, Detector, Found, Scene};

/// Heap growth shown by a GC log's trend and class histograms naming the
/// classes: the mechanism and the culprit.
pub const SHOWN_AND_NAMED: f64 = 0.9;
/// Class histograms alone: the classes that grow, named.
pub const NAMED: f64 = 0.85;
/// A GC log's heap after GC rising alone.
pub const SHOWN: f64 = 0.75;
/// A GC log whose last collections leave the heap full, without a rise
/// seen before (the heap was full from the first collection logged).
pub const FULL: f64 = 0.6;
/// The maximum heap above the limit, named beside heap growth.
pub const OVER_LIMIT_BESIDE_GROWTH: f64 = 0.6;
/// The maximum heap above the limit, the heap after GC flat and the
/// committed heap rising toward it.
pub const OVER_LIMIT_MEASURED: f64 = 0.7;
/// The same with the committed heap not seen rising.
pub const OVER_LIMIT_CONFIGURED: f64 = 0.5;
/// Growing classes that add up to less than this are not a cause alone.
const MIN_CLASS_GROWTH: f64 = heap::MIN_RISE_BYTES;

/// The heap-growth detector.
pub struct HeapGrowth;

impl Detector for HeapGrowth {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let gc = gc_trend(s);
        let (histo, histo_src) = histograms(s);
        if let Some((src, t)) = &gc {
            f.findings.push(Finding {
                id: FindingId::HeapAfterGc,
                text: wording::heap_trend(t),
                evidence: trend_cites(src, t),
            });
        }
        let grown: f64 = histo
            .as_ref()
            .map(|h| {
                h.growing
                    .iter()
                    .map(|c| c.bytes.1.saturating_sub(c.bytes.0) as f64)
                    .sum()
            })
            .unwrap_or(0.0);
        if let (Some(h), Some(srcs)) = (&histo, &histo_src) {
            if !h.growing.is_empty() {
                f.findings.push(Finding {
                    id: FindingId::ClassHistogramGrowth,
                    text: format!(
                        "across {} class histograms in {}: {}",
                        h.snapshots,
                        units::duration_as(h.span_s, units::UPTIME),
                        wording::growing_classes(h, 5)
                    ),
                    evidence: histo_cites(srcs, h),
                });
            }
        }
        let rising = gc.as_ref().filter(|(_, t)| t.rising || t.pinned.is_some());
        let named = histo
            .as_ref()
            .filter(|h| !h.growing.is_empty() && grown >= MIN_CLASS_GROWTH);
        let limit = s.kill_limit();
        // The maximum heap: the GC log's (or the flags it was read with),
        // else the JVM's flags alone (a capture without a GC log).
        let max = gc
            .as_ref()
            .and_then(|(src, t)| Some((t.max_heap?.0, max_heap_cite(src, t)?)))
            .or_else(|| {
                flags_max_heap(s).map(|(src, bytes, line)| (bytes, flags_cite(src, bytes, line)))
            });
        let over = match (&max, limit) {
            (Some((m, cite)), Some(l)) if s.kernel_killed && *m > l => Some((*m, l, cite.clone())),
            _ => None,
        };
        if rising.is_some() || named.is_some() {
            let confidence = match (rising, named) {
                (Some(_), Some(_)) => SHOWN_AND_NAMED,
                (None, Some(_)) => NAMED,
                (Some((_, t)), None) if t.rising => SHOWN,
                _ => FULL,
            };
            let oome = s
                .oomes
                .iter()
                .find(|(_, g)| g.variant == Some(OomeVariant::JavaHeapSpace));
            let said = wording::heap_growth(
                rising.map(|(_, t)| t),
                named,
                over.as_ref().map(|(m, l, _)| (*m, *l)),
                oome.is_some(),
            );
            let mut ev = Vec::new();
            if let Some((src, t)) = rising {
                ev.extend(trend_cites(src, t));
            }
            if let (Some(h), Some(srcs)) = (named, &histo_src) {
                ev.extend(histo_cites(srcs, h));
            }
            if let Some((src, g)) = oome {
                ev.push(Cite::line(src, g.line, g.detail.clone()));
            }
            if s.kernel_killed {
                ev.extend(s.kill_ev.iter().cloned());
            }
            f.candidates.push(s.candidate(
                CauseId::HeapGrowth,
                confidence,
                said,
                ev,
                Basis::Measured,
            ));
            f.bearings.push(Bearing::Explained);
            f.bearings.push(Bearing::HeapGrowthOf(
                named
                    .map(|h| {
                        h.growing
                            .iter()
                            .map(|c| (c.class.clone(), c.bytes.1.saturating_sub(c.bytes.0)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ));
            if let Some((m, l, cite)) = &over {
                let mut ev = vec![cite.clone()];
                ev.extend(s.kill_ev.iter().cloned());
                f.candidates.push(s.candidate(
                    CauseId::HeapSizedOverLimit,
                    OVER_LIMIT_BESIDE_GROWTH,
                    wording::heap_over_limit_no_oome(*m, *l),
                    ev,
                    Basis::Measured,
                ));
            }
        } else if let (Some((src, t)), Some((m, l, cite))) = (&gc, &over) {
            // The heap after GC does not rise: no leak, a heap allowed past
            // the limit.
            let committed_rose = t.committed.is_some_and(|((a, _), (b, _))| {
                b as f64 >= 1.25 * a as f64 && b.saturating_sub(a) >= 16 << 20
            });
            let mut ev = vec![cite.clone()];
            ev.extend(trend_cites(src, t));
            ev.extend(s.kill_ev.iter().cloned());
            let (confidence, basis) = if committed_rose {
                (OVER_LIMIT_MEASURED, Basis::Measured)
            } else {
                (OVER_LIMIT_CONFIGURED, Basis::Configured)
            };
            f.candidates.push(s.candidate(
                CauseId::HeapSizedOverLimit,
                confidence,
                wording::heap_sized_over_limit_measured(t, *m, *l),
                ev,
                basis,
            ));
            f.bearings.push(Bearing::Explained);
        }
        f
    }
}

/// The trend of the member's GC log with the most samples in its last
/// life, with its source; the maximum heap from the JVM's flags when the
/// log does not say it ([`flags_max_heap`]).
fn gc_trend<'a>(s: &Scene<'a>) -> Option<(&'a String, GcTrend)> {
    let case = s.case;
    let flags_max = flags_max_heap(s);
    s.member
        .gc_logs
        .iter()
        .filter_map(|&i| {
            let (src, log) = case.ev.gc_logs.get(i)?;
            heap::gc_trend(log, flags_max).map(|t| (src, t))
        })
        .max_by_key(|(_, t)| t.samples)
}

/// The member's `MaxHeapSize` from a running JVM's flags (`jcmd VM.flags`,
/// `-XX:+PrintFlagsFinal`, `VM.command_line`, tied by the Case): (source,
/// bytes, line), when every flags file that says it says the same.
fn flags_max_heap<'a>(s: &Scene<'a>) -> Option<(&'a str, u64, u64)> {
    let mut said = s.member.flags.iter().filter_map(|&i| {
        let (src, f) = s.case.ev.flags.get(i)?;
        Some((
            src.as_str(),
            f.bytes("MaxHeapSize")?,
            f.get("MaxHeapSize")?.line?,
        ))
    });
    let first = said.next()?;
    said.all(|o| o.1 == first.1).then_some(first)
}

/// The cite of the trend's maximum heap: the GC log's header line, or the
/// flag's line in the flags file it came from.
fn max_heap_cite(src: &str, t: &GcTrend) -> Option<Cite> {
    let (max, line) = t.max_heap?;
    Some(match &t.max_heap_from {
        None => Cite::line(src, line, format!("maximum heap {}", units::size(max))),
        Some(flags) => flags_cite(flags, max, line),
    })
}

/// The member's class histograms as one series of one JVM (the pid most
/// of them name; those without a pid join it), in time order, read for
/// growth; with the sources of the first and last snapshot read.
fn histograms<'a>(s: &Scene<'a>) -> (Option<HistogramGrowth>, Option<(&'a str, &'a str)>) {
    let case = s.case;
    let mut snaps: Vec<(&'a str, &'a HistogramSnapshot)> = s
        .member
        .jcmd
        .iter()
        .filter_map(|&i| case.ev.jcmd.get(i))
        .filter(|(_, j)| j.kind == JcmdKind::ClassHistogram)
        .flat_map(|(src, j)| j.series.iter().map(move |h| (src.as_str(), h)))
        .collect();
    let mut pids: Vec<u64> = snaps.iter().filter_map(|(_, h)| h.pid).collect();
    pids.sort_unstable();
    let pid = pids
        .chunk_by(|a, b| a == b)
        .max_by_key(|c| c.len())
        .map(|c| c[0]);
    snaps.retain(|(_, h)| h.pid.is_none() || h.pid == pid);
    snaps.sort_by_key(|(_, h)| h.unix_ms.unwrap_or(i64::MAX));
    let refs: Vec<&HistogramSnapshot> = snaps.iter().map(|(_, h)| *h).collect();
    match heap::class_growth(&refs) {
        Some(g) => {
            let srcs = (snaps[g.ends.0].0, snaps[g.ends.1].0);
            (Some(g), Some(srcs))
        }
        None => (None, None),
    }
}

/// The cite of a maximum heap read from the JVM's flags.
fn flags_cite(src: &str, max: u64, line: u64) -> Cite {
    Cite::line(
        src,
        line,
        format!("maximum heap {} (MaxHeapSize)", units::size(max)),
    )
}

/// The cites of a GC trend: the samples' first and last lines, the
/// maximum heap, the collections where the heap was nearly full.
fn trend_cites(src: &str, t: &GcTrend) -> Vec<Cite> {
    let mut v = vec![Cite {
        source: src.to_string(),
        line: Some(t.first.2),
        last_line: Some(t.last.2),
        what: format!(
            "{} after GC {} -> {} over {} collections",
            match t.series {
                heap::Series::OldAfterFull => "old generation",
                heap::Series::HeapAfter => "heap",
            },
            units::size(t.first.1),
            units::size(t.last.1),
            t.samples
        ),
    }];
    v.extend(max_heap_cite(src, t));
    if let (Some((n, line)), Some((max, _))) = (t.pinned, t.max_heap) {
        v.push(Cite {
            source: src.to_string(),
            line: Some(line),
            last_line: Some(t.last.2),
            what: format!(
                "heap after GC at the {} maximum in the last {n} collections",
                units::size(max)
            ),
        });
    }
    if let Some((share, a, b)) = t.gc_share_nearly_full {
        v.push(Cite {
            source: src.to_string(),
            line: Some(a),
            last_line: Some(b),
            what: format!(
                "GC {:.0}% of the time with the heap nearly full",
                share * 100.0
            ),
        });
    }
    v
}

/// The cites of a histogram series: each growing class's rows in the first
/// and last snapshot (at most five), and the two time lines.
fn histo_cites((first, last): &(&str, &str), h: &HistogramGrowth) -> Vec<Cite> {
    let mut v = vec![
        Cite::line(first, h.lines.0, "first class histogram's time"),
        Cite::line(last, h.lines.1, "last class histogram's time"),
    ];
    for c in h.growing.iter().take(5) {
        let name = heap::class_name(&c.class);
        if first == last {
            v.push(Cite {
                source: first.to_string(),
                line: Some(c.lines.0),
                last_line: Some(c.lines.1),
                what: format!(
                    "{name}: {} -> {}",
                    units::size(c.bytes.0),
                    units::size(c.bytes.1)
                ),
            });
        } else {
            v.push(Cite::line(
                first,
                c.lines.0,
                format!("{name}: {}", units::size(c.bytes.0)),
            ));
            v.push(Cite::line(
                last,
                c.lines.1,
                format!("{name}: {}", units::size(c.bytes.1)),
            ));
        }
    }
    v
}
