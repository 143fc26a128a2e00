//! Heap dumps of the member's JVM (`oomlens-heap`'s facts): what the heap
//! held, what grew between two dumps (the `heap-growth` cause, with the
//! classes that grew), and whether the dump's biggest consumer is what
//! filled the container. The dumps' class families are judged by the
//! class detector, their direct buffers and threads by theirs
//! ([`direct_cites`], [`thread_cites`]).
//!
//! A dump has no lines: every fact is cited by its file and what it is.

use oomlens_evidence::jvm::heapdump::{HeapClass, HeapDumpFacts};
use oomlens_evidence::units;

use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};

use super::{Basis, Bearing, Detector, Found, Scene};

/// Growth of the heap's shallow bytes between the first and the last dump
/// that counts as heap growth: at least this many bytes...
const MIN_GROWTH_BYTES: u64 = 16 << 20;
/// ...and at least this share of the first dump's bytes.
const MIN_GROWTH_SHARE: f64 = 0.25;
/// How sure a dump pair's growth makes `heap-growth`: measured, but two
/// moments only (a GC log's trend or a histogram series says more).
const DUMP_GROWTH: f64 = 0.7;
/// A class whose bytes changed by less than this share between the dumps
/// is steady.
const STEADY_SHARE: f64 = 0.1;
/// The heap below this share of the limit did not fill the container.
const WELL_BELOW: f64 = 0.5;
/// Direct buffers or thread stacks under this share of the limit in a
/// whole dump could not have filled the container at that moment.
const SMALL_SHARE: f64 = 0.1;

/// The heap-dump detector.
pub struct HeapDumps;

/// The member's dumps, oldest first: (source, facts).
fn dumps<'a>(s: &Scene<'a>) -> Vec<(&'a str, &'a HeapDumpFacts)> {
    s.member
        .heap_dumps
        .iter()
        .map(|&i| {
            let (src, d) = &s.case.ev.heap_dumps[i];
            (src.as_str(), d)
        })
        .collect()
}

fn class_cite(src: &str, c: &HeapClass) -> Cite {
    Cite::file(
        src,
        format!(
            "{}: {} instances, {} shallow",
            c.name,
            c.instances,
            units::size(c.bytes)
        ),
    )
}

fn total_cite(src: &str, d: &HeapDumpFacts) -> Cite {
    Cite::file(
        src,
        format!(
            "heap dump: {} objects, {} shallow, {} classes",
            d.objects,
            units::size(d.shallow_bytes),
            d.classes
        ),
    )
}

/// The class loaders of the latest dump with the most instances (the
/// application's and the JDK's own left out), cited: who holds generated
/// classes.
pub(super) fn loader_cite(s: &Scene<'_>) -> Option<Cite> {
    let (src, d) = *dumps(s).last()?;
    let t = d
        .loader_types
        .iter()
        .filter(|t| t.loaders >= 2 && !t.class.starts_with('<'))
        .max_by_key(|t| (t.loaders, t.classes))?;
    Some(Cite::file(
        src,
        format!(
            "class loader instances of {}: {}, defining {} classes",
            t.class, t.loaders, t.classes
        ),
    ))
}

/// The latest dump's largest generated family (names of one shape with a
/// counter or hash in them, JDK plumbing left out), cited with its
/// loaders, and the loaders with the most instances: what a silent kill's
/// Metaspace hypothesis rests on when one dump shows no growth.
pub(super) fn family_cites(s: &Scene<'_>) -> Vec<Cite> {
    let Some((src, d)) = dumps(s).last().copied() else {
        return Vec::new();
    };
    let fam = d
        .families
        .iter()
        .filter(|f| f.shape.contains('*') && !crate::classes::is_noise(&f.example))
        .max_by_key(|f| f.classes);
    fam.map(|f| {
        Cite::file(
            src,
            format!(
                "{} classes of {} in the heap dump (e.g. {}), defined by {} class loaders",
                f.classes, f.shape, f.example, f.loaders
            ),
        )
    })
    .into_iter()
    .chain(loader_cite(s))
    .collect()
}

/// The latest dump's direct buffers, cited, when it holds any.
pub(super) fn direct_cites(s: &Scene<'_>) -> Vec<Cite> {
    dumps(s)
        .last()
        .filter(|(_, d)| d.direct_buffers > 0 || d.stopped.is_none())
        .map(|(src, d)| {
            Cite::file(
                src,
                format!(
                    "java.nio.DirectByteBuffer: {} buffers, {} of capacity (native memory)",
                    d.direct_buffers,
                    units::size(d.direct_capacity)
                ),
            )
        })
        .into_iter()
        .collect()
}

/// The latest whole dump's direct-buffer capacity when it is under
/// [`SMALL_SHARE`] of `limit`: too little to have filled the container.
pub(super) fn small_direct(s: &Scene<'_>, limit: u64) -> Option<u64> {
    let (_, d) = dumps(s).last().copied()?;
    (d.stopped.is_none() && (d.direct_capacity as f64) < SMALL_SHARE * limit as f64)
        .then_some(d.direct_capacity)
}

/// The latest whole dump's threads when their stacks (`stack` bytes each)
/// are under [`SMALL_SHARE`] of `limit`: too few to have filled the
/// container.
pub(super) fn few_threads(s: &Scene<'_>, limit: u64, stack: u64) -> Option<u64> {
    let (_, d) = dumps(s).last().copied()?;
    (d.stopped.is_none()
        && d.threads > 0
        && (d.threads.saturating_mul(stack) as f64) < SMALL_SHARE * limit as f64)
        .then_some(d.threads)
}

/// The latest dump's threads and their largest name patterns, cited.
pub(super) fn thread_cites(s: &Scene<'_>) -> Vec<Cite> {
    let Some((src, d)) = dumps(s).last().copied() else {
        return Vec::new();
    };
    if d.threads == 0 {
        return Vec::new();
    }
    let groups: Vec<String> = d
        .thread_groups
        .iter()
        .take(3)
        .map(|g| format!("{} x{}", g.pattern, g.threads))
        .collect();
    vec![Cite::file(
        src,
        format!("java.lang.Thread: {} ({})", d.threads, groups.join(", ")),
    )]
}

impl Detector for HeapDumps {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let ds = dumps(s);
        let Some(&(last_src, last)) = ds.last() else {
            return f;
        };
        let first = (ds.len() > 1).then(|| ds[0]);
        let mut ev = vec![total_cite(last_src, last)];
        ev.extend(
            last.top_classes
                .iter()
                .take(3)
                .map(|c| class_cite(last_src, c)),
        );
        ev.extend(loader_cite(s));
        ev.extend(direct_cites(s));
        ev.extend(thread_cites(s));
        let top = last.top();
        f.findings.push(Finding {
            id: FindingId::HeapDump,
            text: match top {
                Some(t) => format!(
                    "heap dump {}: {} shallow in {} objects; the largest class is {} ({}, {} instances){}",
                    short(last_src),
                    units::size(last.shallow_bytes),
                    last.objects,
                    t.name,
                    units::size(t.bytes),
                    t.instances,
                    last.stopped
                        .as_deref()
                        .map_or(String::new(), |w| format!("; read in part: {w}"))
                ),
                None => format!("heap dump {}: no objects read", short(last_src)),
            },
            evidence: ev,
        });
        // Growth between the first dump and the last.
        let grew = first.and_then(|(fsrc, fd)| {
            let delta = last.shallow_bytes.saturating_sub(fd.shallow_bytes);
            (delta >= MIN_GROWTH_BYTES
                && delta as f64 >= MIN_GROWTH_SHARE * fd.shallow_bytes as f64)
                .then_some((fsrc, fd))
        });
        if let Some((fsrc, fd)) = grew {
            let mut growing: Vec<(&HeapClass, u64)> = last
                .top_classes
                .iter()
                .map(|c| {
                    (
                        c,
                        c.bytes
                            .saturating_sub(fd.class(&c.name).map_or(0, |b| b.bytes)),
                    )
                })
                .filter(|(_, d)| *d > 0)
                .collect();
            growing.sort_by_key(|g| std::cmp::Reverse(g.1));
            growing.truncate(3);
            let said = crate::wording::heap_dump_growth(
                fd.shallow_bytes,
                last.shallow_bytes,
                &growing
                    .iter()
                    .map(|(c, d)| (c.name.as_str(), *d))
                    .collect::<Vec<_>>(),
            );
            let mut cites = vec![total_cite(fsrc, fd), total_cite(last_src, last)];
            for (c, _) in &growing {
                if let Some(b) = fd.class(&c.name) {
                    cites.push(class_cite(fsrc, b));
                }
                cites.push(class_cite(last_src, c));
            }
            if s.kernel_killed {
                cites.extend(s.kill_ev.iter().cloned());
            }
            f.candidates.push(s.candidate(
                CauseId::HeapGrowth,
                DUMP_GROWTH,
                said,
                cites,
                Basis::Measured,
            ));
            f.bearings.push(Bearing::HeapGrowthOf(
                growing.iter().map(|(c, d)| (c.name.clone(), *d)).collect(),
            ));
        }
        // Is the biggest consumer what filled the container?
        let killed = s.kernel_killed || !s.member.kills.is_empty();
        if let (Some(t), true, None) = (top, killed, grew) {
            let steady = first.and_then(|(fsrc, fd)| {
                let b = fd.class(&t.name)?;
                let change = t.bytes.abs_diff(b.bytes) as f64;
                (change <= STEADY_SHARE * b.bytes.max(1) as f64).then_some((fsrc, b))
            });
            // An unlimited cgroup prints a limit near 2^63: no limit to compare.
            let limit = s.kill_limit().filter(|&l| l > 0 && l < 1 << 50);
            let below = limit.filter(|&l| (last.shallow_bytes as f64) < WELL_BELOW * l as f64);
            if steady.is_some() || below.is_some() {
                let mut why = Vec::new();
                let mut ev = vec![class_cite(last_src, t)];
                if let Some((fsrc, b)) = steady {
                    why.push(format!(
                        "it held {} in the first dump too",
                        units::size(b.bytes)
                    ));
                    ev.push(class_cite(fsrc, b));
                }
                if let Some(l) = below {
                    why.push(format!(
                        "the whole heap held {} of the {} limit",
                        units::size(last.shallow_bytes),
                        units::size(l)
                    ));
                    ev.push(total_cite(last_src, last));
                }
                ev.extend(s.kill_ev.iter().cloned());
                f.findings.push(Finding {
                    id: FindingId::HeapDumpNotTheFiller,
                    text: format!(
                        "the heap dump's biggest consumer, {} ({}), is not what filled the container: {}; look outside the heap (Metaspace, threads, direct buffers, native memory)",
                        t.name,
                        units::size(t.bytes),
                        why.join("; ")
                    ),
                    evidence: ev,
                });
            }
        }
        f
    }
}

/// A source's file name.
fn short(src: &str) -> &str {
    src.rsplit('/').next().unwrap_or(src)
}
