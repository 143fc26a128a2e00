//! Classes and Metaspace: a class-loading log that shows generated
//! classes never unloaded names the generator (the
//! `metaspace-class-generation` cause, and the kill is explained); one
//! that stays flat speaks against a Metaspace leak; Metaspace over time
//! (GC logs, `jcmd` snapshots) supports the hypothesis when no class log
//! says which classes. Without a class log, the class listings a capture
//! took (`VM.class_hierarchy`) are judged in its place, and without those
//! the heap dumps' class families (with the loaders that hold them).

use oomlens_evidence::applog::OomeVariant;

use crate::diagnosis::*;
use crate::ids::{CauseId, FindingId};
use crate::kb;
use crate::wording::{silent_jvm_kill, Silent};

use super::{Basis, Bearing, Candidate, Detector, Found, Scene};

/// The class and Metaspace detector.
pub struct Classes;

impl Detector for Classes {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let (case, m) = (s.case, s.member);
        if s.silent_jvm_kill() {
            // Metaspace is the usual silent grower, unless a cap makes a
            // leak throw OutOfMemoryError: Metaspace.
            let (confidence, why, own) = match s.flag("MaxMetaspaceSize") {
                Some((raw, cite)) => (kb::METASPACE_CAPPED, Silent::MetaspaceCapped(raw), cite),
                None => (
                    Scene::prior(CauseId::MetaspaceClassGeneration),
                    Silent::MetaspaceUnbounded,
                    None,
                ),
            };
            f.candidates.push(
                s.jvm_hypothesis(
                    CauseId::MetaspaceClassGeneration,
                    confidence,
                    silent_jvm_kill(why, s.logs.is_empty()),
                    own.into_iter()
                        .chain(super::heap_dump::family_cites(s))
                        .collect(),
                ),
            );
        }
        // No class-loading log: the class listings of the captures
        // (`VM.class_hierarchy`, oldest first by their spool names) say
        // which classes, when they show a leak or were taken more than once
        // (a single listing says nothing of growth).
        let listed = (m.class_reports.is_empty() && !m.class_lists.is_empty())
            .then(|| {
                let mut parts: Vec<_> = m
                    .class_lists
                    .iter()
                    .map(|&i| case.ev.class_lists[i].clone())
                    .collect();
                parts.sort_by(|a, b| a.0.cmp(&b.0));
                crate::classes::analyze_listings(&parts)
            })
            .filter(|r| r.verdict.leak || m.class_lists.len() > 1);
        // Neither: the heap dumps' class families, judged the same way
        // (oldest first, by the time in their headers).
        let dumped =
            (m.class_reports.is_empty() && m.class_lists.is_empty() && !m.heap_dumps.is_empty())
                .then(|| {
                    let parts: Vec<_> = m
                        .heap_dumps
                        .iter()
                        .map(|&i| (case.ev.heap_dumps[i].0.clone(), &case.ev.heap_dumps[i].1))
                        .collect();
                    crate::classes::analyze_dumps(&parts)
                })
                .filter(|r| r.verdict.leak || m.heap_dumps.len() > 1);
        let reports: Vec<&crate::classes::ClassReport> = m
            .class_reports
            .iter()
            .map(|&i| &case.ev.class_reports[i])
            .chain(listed.as_ref())
            .chain(dumped.as_ref())
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
        let limit = s.spec_limit().or_else(|| {
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
            f.findings.push(Finding {
                id: FindingId::Metaspace,
                text: crate::wording::metaspace(v),
                evidence: v.evidence.clone(),
            });
        }
        let growing_meta = meta.as_ref().filter(|v| {
            v.growth_bytes_per_hour.is_some_and(|g| g >= 1024.0 * 1024.0)
                && matches!((v.first_used_bytes, v.last_used_bytes), (Some(a), Some(b)) if b > a + a / 2)
        });
        let Some(leak) = reports.iter().find(|r| r.verdict.leak) else {
            if let Some(v) = growing_meta.filter(|_| reports.is_empty()) {
                // Metaspace grows, but no class log says which classes.
                f.candidates.push(Candidate {
                    cause: s.cause(
                        CauseId::MetaspaceClassGeneration,
                        0.6,
                        format!("Metaspace growth: {}", crate::wording::metaspace(v)),
                        crate::wording::metaspace_grows(v),
                        v.evidence.clone(),
                    ),
                    basis: Basis::Confirms,
                });
            }
            for r in &reports {
                f.findings.push(Finding {
                    id: FindingId::NoClassLeak,
                    text: format!(
                        "{}: {}",
                        r.source.rsplit('/').next().unwrap_or(&r.source),
                        r.verdict.summary
                    ),
                    evidence: r.verdict.evidence.clone(),
                });
                // Class loading was watched and stayed flat.
                f.bearings
                    .push(Bearing::Against(CauseId::MetaspaceClassGeneration));
            }
            return f;
        };
        let v = &leak.verdict;
        let oome_meta = s.oomes.iter().any(|(_, g)| {
            matches!(
                g.variant,
                Some(OomeVariant::Metaspace) | Some(OomeVariant::CompressedClassSpace)
            )
        });
        let confidence = if oome_meta || (s.kernel_killed && s.oomes.is_empty()) {
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
        evidence.extend(super::heap_dump::loader_cite(s));
        evidence.extend(s.kill_ev.iter().cloned());
        let family = v.family.clone().unwrap_or_default();
        f.findings.push(Finding {
            id: FindingId::ClassLeak,
            text: v.summary.clone(),
            evidence: v.evidence.clone(),
        });
        let explanation = crate::wording::class_leak_why(
            v.cause.as_deref(),
            meta.as_ref(),
            s.kernel_killed && s.oomes.is_empty(),
        );
        let mut cause = s.cause(
            CauseId::MetaspaceClassGeneration,
            confidence,
            crate::wording::class_leak(&family, v.library.as_deref()),
            explanation,
            evidence,
        );
        if let Some(fix) = &v.fix {
            cause.fixes.insert(0, fix.clone());
        }
        if let Some(r) = &v.reference {
            cause.next_steps.push(format!("read: {r}"));
        }
        f.candidates.push(Candidate {
            cause,
            basis: Basis::Measured,
        });
        // The generator explains the kill: the other hypotheses step back.
        f.bearings.push(Bearing::Explained);
        f.bearings.push(Bearing::ClassLeak {
            packages: crate::classes::GENERATORS
                .iter()
                .find(|g| Some(g.library) == v.library.as_deref())
                .map_or(&[], |g| g.packages),
            family,
            library: v.library.clone(),
        });
        f
    }
}
