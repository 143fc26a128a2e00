//! Native memory: Native Memory Tracking over time (several `summary`
//! snapshots or a `summary.diff`). The category that grew names the cause
//! (threads, direct buffers in `Other`, class metadata, the JVM's own
//! native arenas); RSS at the kill beyond NMT's total is memory NMT cannot
//! see (malloc arenas, JNI, native libraries). The committed `Java Heap`
//! rising in every snapshot until it at least doubles and still rising
//! (or at the maximum heap) is heap growth ([`crate::heap::nmt_heap_growth`]);
//! a collector settling its heap size is not.

use oomlens_evidence::jvm::nmt;

use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::kb;
use crate::wording::{self, silent_jvm_kill, Silent};

use super::budget::{heap_sizing, HeapSizing};

use super::{Basis, Candidate, Detector, Found, Scene};

/// The committed Java heap rising in every snapshot to twice its size: a
/// measurement of the heap filling, short of showing objects retained.
pub const NMT_HEAP: f64 = 0.6;

/// The Native Memory Tracking detector.
pub struct Nmt;

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
