//! Wording: the prose the Diagnosis carries (its headline, how a kill
//! reads, what a silent log or another runtime's death means, Metaspace in
//! a sentence). Detectors state facts and call here for the words; sizes
//! and durations go through [`crate::units`], the one implementation the
//! report crate uses too.

use oomlens_evidence::applog::SignalKind;

use crate::detect::rank::PROVEN;
use crate::diagnosis::*;
use crate::units;

/// The answer in one line: who, how it was killed, and the strongest cause
/// (`cause:` from [`PROVEN`] on, else `not proven, most likely:`).
pub fn headline(containers: &[ContainerDiagnosis], causes: &[Cause]) -> String {
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
        Some(top) if top.confidence >= PROVEN => format!(
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
    let limit = k.limit_bytes.or(c.limit_bytes).map(units::size);
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
    units::duration_as(d * 86400.0, units::WORDS)
}

/// Why one cause could explain a JVM the kernel killed in silence, in
/// facts a detector read (flag values as written, the budget's verdict).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silent<'a> {
    /// No `-XX:MaxMetaspaceSize`.
    MetaspaceUnbounded,
    /// `-XX:MaxMetaspaceSize` as written.
    MetaspaceCapped(&'a str),
    /// Native memory outside the heap; `heap_fits` when the heap is sized
    /// explicitly and fits the limit.
    Native {
        heap_fits: bool,
    },
    /// The budget's text saying why the heap does not fit.
    HeapOver(&'a str),
    /// `-Xmx` or `MaxRAMPercentage` as written, and it fits.
    HeapFits(&'a str),
    /// The heap the JVM picks by itself fits the limit.
    HeapDefault,
    /// No limit in the evidence to set the heap against.
    HeapNoLimit,
    /// No `-XX:MaxDirectMemorySize`.
    DirectDefault,
    /// `-XX:MaxDirectMemorySize` as written.
    DirectCapped(&'a str),
    Threads,
}

/// The explanation of one hypothesis for a JVM killed in silence: what
/// happened, then why this cause could (or could hardly) be it. Each cause
/// has its own; none borrows another's.
pub fn silent_jvm_kill(why: Silent<'_>, no_logs: bool) -> String {
    let kill = format!(
        "The kernel killed the JVM at the container limit and the JVM threw no OutOfMemoryError{}",
        if no_logs {
            " that the evidence shows (no container log was given)"
        } else {
            ""
        }
    );
    let reason = match why {
        Silent::MetaspaceUnbounded => "Metaspace is unbounded unless -XX:MaxMetaspaceSize is set: class metadata can grow until the kernel kills the process, before any Metadata GC threshold".to_string(),
        Silent::MetaspaceCapped(v) => format!("Metaspace is capped ({v}), so a Metaspace leak would have thrown OutOfMemoryError: Metaspace"),
        Silent::Native { heap_fits: false } => "memory the JVM or its libraries allocate outside the heap (malloc arenas, JNI, native libraries, the JVM's own arenas) is bounded by nothing but the limit, and its growth throws no OutOfMemoryError".to_string(),
        Silent::Native { heap_fits: true } => "the heap is sized to fit the limit, so what outgrew it is likelier outside the heap: malloc arenas, JNI, native libraries or the JVM's own arenas, bounded by nothing but the limit".to_string(),
        Silent::HeapOver(text) => text.trim_end_matches('.').to_string(),
        Silent::HeapFits(v) => format!("the heap is sized ({v}) to leave room for the rest of the JVM, so a heap too big for the limit is unlikely"),
        Silent::HeapDefault => "the heap the JVM sizes for this limit by itself leaves room for the rest; only a heap set larger would be at fault".to_string(),
        Silent::HeapNoLimit => "without the limit in the evidence the heap cannot be set against it".to_string(),
        Silent::DirectDefault => "direct buffers are bounded by -XX:MaxDirectMemorySize, which defaults to the max heap: heap and direct buffers together can pass the limit before either throws OutOfMemoryError".to_string(),
        Silent::DirectCapped(v) => format!("direct memory is capped ({v}): growth past it would have thrown OutOfMemoryError: Direct buffer memory"),
        Silent::Threads => "every thread's stack and native structures live outside the heap; a thread leak grows the process until the kernel kills it, unless the JVM first fails to start one (unable to create native thread)".to_string(),
    };
    format!("{kill}: {reason}.")
}

/// The log files read that say nothing about memory: the process (the JVM
/// when `jvm`) never saw the kill coming.
pub fn silent_logs(names: &[&str], jvm: bool) -> String {
    if jvm {
        format!(
            "no OutOfMemoryError in {}: the JVM never saw it coming",
            names.join(", ")
        )
    } else {
        format!(
            "no out-of-memory message in {}: the process never saw it coming",
            names.join(", ")
        )
    }
}

/// What an out-of-memory signal of a runtime other than the JVM's
/// `OutOfMemoryError` means.
pub fn signal(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::NodeHeapOom => "Node.js ran out of its JavaScript heap (--max-old-space-size)",
        SignalKind::PythonMemoryError => "Python raised MemoryError: an allocation failed",
        SignalKind::GoOutOfMemory => "the Go runtime could not get memory from the OS",
        SignalKind::JvmFatalError => "the JVM could not get native memory and died (hs_err)",
        SignalKind::JavaOome => "",
    }
}

/// Why Metaspace growth without a class log supports the Metaspace cause.
pub fn metaspace_grows(v: &crate::metaspace::MetaspaceView) -> String {
    format!(
        "Metaspace itself grows ({}), and nothing bounds it but the limit; a class-loading log (or two class histograms) would name the classes that are never unloaded.",
        metaspace(v)
    )
}

/// Metaspace over time in a sentence: used, growth, collections at the
/// Metadata GC threshold, the cap, classes, and when it would fill the
/// limit.
pub fn metaspace(v: &crate::metaspace::MetaspaceView) -> String {
    use units::{mib, number_in, size_as, SizeStyle, Unit};
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (v.first_used_bytes, v.last_used_bytes) {
        let span = v
            .span_hours
            .map(|h| format!(" in {}", units::duration_as(h * 3600.0, units::HOURS)))
            .unwrap_or_default();
        // `12.5 -> 80.0 MiB`: the unit once.
        parts.push(format!(
            "Metaspace used {} -> {}{span}",
            number_in(a as f64, Unit::MiB, 1),
            mib(b as f64, 1)
        ));
    }
    if let Some(g) = v.growth_bytes_per_hour {
        parts.push(format!("growing {}/h after warm-up", mib(g, 1)));
    }
    if v.metadata_threshold_gcs > 0 {
        parts.push(format!(
            "{} collections at the Metadata GC threshold",
            v.metadata_threshold_gcs
        ));
    }
    match (v.unbounded, v.max_bytes) {
        (Some(true), _) => parts.push("MaxMetaspaceSize unlimited".into()),
        (_, Some(m)) => parts.push(format!("MaxMetaspaceSize {}", mib(m as f64, 0))),
        _ => {}
    }
    if let Some(c) = v.classes {
        parts.push(format!("{c} classes"));
    }
    if let Some(b) = v.bytes_per_class {
        parts.push(format!(
            "{} per class",
            size_as(b, &SizeStyle::fixed(Unit::KiB, 1))
        ));
    }
    if let (Some(h), Some(l)) = (v.hours_to_limit, v.limit_bytes) {
        parts.push(format!(
            "at that rate Metaspace alone fills the {} limit within {}",
            mib(l as f64, 0),
            units::duration_as(h * 3600.0, units::AHEAD)
        ));
    }
    if parts.is_empty() {
        "Metaspace: no samples".into()
    } else {
        parts.join(", ")
    }
}
