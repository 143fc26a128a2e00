//! Metaspace over time, from GC logs and `jcmd` outputs.
//!
//! A GC log prints Metaspace after each collection; its trend after warm-up
//! (a robust slope over the second half of the samples) says whether class
//! metadata keeps growing, and collections caused by the Metadata GC
//! threshold say the JVM tried to reclaim it. `VM.metaspace` says whether
//! `MaxMetaspaceSize` is set and how many classes there are; a class
//! histogram counts the classes of a family.

use oomlens_evidence::jvm::gclog::GcLog;
use oomlens_evidence::jvm::jcmd::{JcmdKind, JcmdOutput};
use serde::Serialize;

use crate::classes::{generator_of, glob_match};
use crate::diagnosis::Cite;

/// What the evidence says about Metaspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetaspaceView {
    /// Samples (collections that printed Metaspace).
    pub samples: usize,
    pub first_used_bytes: Option<u64>,
    pub last_used_bytes: Option<u64>,
    /// Robust slope of used-after-GC over the second half of the samples,
    /// bytes per hour (uptime-stamped logs only).
    pub growth_bytes_per_hour: Option<f64>,
    /// Hours the samples span.
    pub span_hours: Option<f64>,
    pub metadata_threshold_gcs: u64,
    pub full_gcs: u64,
    /// `MaxMetaspaceSize`, when a `VM.metaspace` said (None and `unbounded`
    /// true when unlimited).
    pub max_bytes: Option<u64>,
    pub unbounded: Option<bool>,
    /// Classes and loaders from `VM.metaspace`.
    pub classes: Option<u64>,
    pub loaders: Option<u64>,
    /// Used bytes per class, when both are known from one snapshot.
    pub bytes_per_class: Option<f64>,
    /// The container limit Metaspace races against, when the Case knows it.
    pub limit_bytes: Option<u64>,
    /// Hours until Metaspace alone, growing at `growth_bytes_per_hour` from
    /// its last size, reaches the limit: an upper bound on the time to the
    /// kill, since the rest of the process takes memory too.
    pub hours_to_limit: Option<f64>,
    pub evidence: Vec<Cite>,
}

/// Reads GC logs and jcmd outputs (each with its source) into one view.
pub fn view(gc: &[(String, GcLog)], jcmd: &[(String, JcmdOutput)]) -> Option<MetaspaceView> {
    if gc.is_empty() && !jcmd.iter().any(|(_, j)| j.kind == JcmdKind::Metaspace) {
        return None;
    }
    let mut v = MetaspaceView::default();
    for (src, g) in gc {
        v.samples += g.samples.len();
        v.metadata_threshold_gcs += g.metadata_threshold_gcs;
        v.full_gcs += g.full_gcs;
        if let (Some(a), Some(b)) = (g.samples.first(), g.samples.last()) {
            v.first_used_bytes.get_or_insert(a.used_after_bytes);
            v.last_used_bytes = Some(b.used_after_bytes);
            v.evidence.push(Cite {
                source: src.clone(),
                line: Some(a.line),
                last_line: Some(b.line),
                what: format!(
                    "Metaspace after GC: {} -> {} over {} collections",
                    mib(a.used_after_bytes),
                    mib(b.used_after_bytes),
                    g.samples.len()
                ),
            });
            if let (Some(t0), Some(t1)) = (a.uptime_s, b.uptime_s) {
                v.span_hours = Some((t1 - t0) / 3600.0);
            }
        }
        let pts: Vec<(f64, f64)> = g
            .samples
            .iter()
            .skip(g.samples.len() / 2)
            .filter_map(|s| s.uptime_s.map(|t| (t / 3600.0, s.used_after_bytes as f64)))
            .collect();
        // A GC log has thousands of samples: Theil-Sen is quadratic, so
        // at most 400 evenly spaced ones go in.
        let step = pts.len().div_ceil(400).max(1);
        let pts: Vec<(f64, f64)> = pts.into_iter().step_by(step).collect();
        if let Some((slope, _, _)) = crate::trend::theil_sen(&pts) {
            v.growth_bytes_per_hour = Some(slope);
        }
        if let Some(&l) = g.metadata_threshold_lines.first() {
            v.evidence.push(Cite::line(
                src,
                l,
                format!(
                    "{} collection(s) caused by the Metadata GC threshold",
                    g.metadata_threshold_gcs
                ),
            ));
        }
    }
    for (src, j) in jcmd {
        if let Some(m) = &j.metaspace {
            if m.max_unlimited {
                v.unbounded = Some(true);
            } else if let Some(max) = m.max_metaspace_bytes {
                v.unbounded = Some(false);
                v.max_bytes = Some(max);
            }
            if m.classes.is_some() {
                v.classes = m.classes;
                v.loaders = m.loaders;
            }
            if let (Some(u), Some(c)) = (m.used_bytes, m.classes) {
                if c > 0 {
                    v.bytes_per_class = Some(u as f64 / c as f64);
                }
            }
            v.evidence.push(Cite::line(
                src,
                m.line,
                format!(
                    "VM.metaspace: {} used{}{}",
                    m.used_bytes.map(mib).unwrap_or_else(|| "?".into()),
                    m.classes
                        .map(|c| format!(", {c} classes"))
                        .unwrap_or_default(),
                    if m.max_unlimited {
                        ", MaxMetaspaceSize unlimited"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    Some(v)
}

/// Classes of a generator's pattern in class histograms, with the cite.
pub fn histogram_count(jcmd: &[(String, JcmdOutput)], pattern: &str) -> Option<(u64, Cite)> {
    let mut best: Option<(u64, Cite)> = None;
    for (src, j) in jcmd
        .iter()
        .filter(|(_, j)| j.kind == JcmdKind::ClassHistogram)
    {
        let rows: Vec<_> = j
            .histogram
            .iter()
            .filter(|r| {
                glob_match(pattern, &r.class)
                    || generator_of(&r.class).is_some_and(|g| g.pattern == pattern)
            })
            .collect();
        if let Some(first) = rows.first() {
            let n = rows.len() as u64;
            if best.as_ref().is_none_or(|b| n > b.0) {
                best = Some((
                    n,
                    Cite::line(
                        src,
                        first.line,
                        format!("{n} classes of {pattern} in the class histogram"),
                    ),
                ));
            }
        }
    }
    best
}

fn mib(b: u64) -> String {
    crate::units::mib(b as f64, 1)
}
