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
    format!("{who}: {}", verdict(c, ci, causes))
}

/// One killed container's verdict in a line (the headline without the
/// name): how it was last killed and its strongest cause, `cause:` from
/// [`PROVEN`] on, else `not proven, most likely:`. `c` is
/// `containers[ci]` and has at least one kill.
pub fn verdict(c: &ContainerDiagnosis, ci: usize, causes: &[Cause]) -> String {
    let how = kill_phrase(c);
    match causes.iter().find(|x| x.container == Some(ci)) {
        Some(top) if top.confidence >= PROVEN => {
            format!("{how}; cause: {} ({:.2})", top.summary, top.confidence)
        }
        Some(top) => format!(
            "{how}; not proven, most likely: {} ({:.2})",
            top.summary, top.confidence
        ),
        None => how,
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
    /// A whole heap dump's direct buffers hold `capacity` bytes, under 10%
    /// of `limit`.
    DirectSmallInDump {
        capacity: u64,
        limit: u64,
    },
    Threads,
    /// A whole heap dump holds `threads` threads of `stack` bytes of stack
    /// each, under 10% of `limit`.
    ThreadsFewInDump {
        threads: u64,
        stack: u64,
        limit: u64,
    },
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
        Silent::DirectSmallInDump { capacity, limit } => format!("the heap dump shows direct buffers of {} in all, under 10% of the {} limit: too little to have filled the container when it was taken", units::size(capacity), units::size(limit)),
        Silent::ThreadsFewInDump { threads, stack, limit } => format!("the heap dump shows {threads} threads; at {} of stack each that is {}, under 10% of the {} limit: too few to have filled the container when it was taken", units::size(stack), units::size(threads.saturating_mul(stack)), units::size(limit)),
        Silent::Threads => "every thread's stack and native structures live outside the heap; a thread leak grows the process until the kernel kills it, unless the JVM first fails to start one (unable to create native thread)".to_string(),
    };
    format!("{kill}: {reason}.")
}

/// A finding's or a cause's words that need no facts.
pub const KERNEL_REPORT_MISSING: &str = "Kubernetes says OOMKilled but the evidence holds no kernel OOM-killer report: add the node's kernel log to see the victim, its memory and which limit fired";
pub const OOME_BEFORE_KILL: &str = "the JVM threw OutOfMemoryError before the kernel killed it";
pub const POD_LIMIT: &str =
    "the pod's cgroup limit fired (the sum of its containers' limits), not the container's own";
pub const TRUNCATED_REPORT: &str = "the kernel report is incomplete in the log (see the warnings)";
/// What goes with every JVM cause when huge pages inflate its memory.
pub const THP_MITIGATION: &str = "transparent huge pages inflate RSS: set THP to madvise on the node, or run the JVM with -XX:-UseTransparentHugePages";

/// A cause in words: its one-line summary and its explanation.
pub type Said = (String, String);

/// The JVM named the problem (`meaning`, from the knowledge base).
pub fn said_by_jvm(meaning: &str) -> String {
    format!("The JVM said so itself: {meaning}.")
}

/// Another runtime named the problem in `detail`.
pub fn said_by_process(detail: &str) -> String {
    format!("The process said so itself: `{detail}`.")
}

/// The cause a kill's kind names by itself (the node's OOM killer, the
/// kubelet's eviction or liveness probe).
pub fn kill_kind(kind: KillKind) -> Option<Said> {
    let (s, e) = match kind {
        KillKind::KernelGlobal => (
            "the node ran out of memory; this container was the OOM killer's choice, not necessarily the one that grew",
            "A global OOM kill picks the task with the highest oom_score (largest RSS, adjusted by QoS) on the whole node.",
        ),
        KillKind::Evicted => (
            "evicted by the kubelet under node memory pressure: pods above their requests go first",
            "Eviction is the kubelet's choice, not the kernel's: set requests to the real usage and leave node headroom (kube-reserved, eviction thresholds).",
        ),
        KillKind::Probe => (
            "not an OOM kill: the kubelet restarted the container after failed liveness probes",
            "Exit 137/143 without OOMKilled, with liveness-probe Killing events. A slow or paused JVM (long GC) fails probes; memory pressure can be one reason, but the kill was the probe's.",
        ),
        _ => return None,
    };
    Some((s.to_string(), e.to_string()))
}

/// A process other than a JVM (`who`) killed at the limit in silence.
pub fn outgrew_limit(who: &str) -> Said {
    (
        format!("{who} outgrew the limit; what grew is not in this evidence"),
        "The kernel killed the process at the cgroup limit. Memory over time tells a leak from a limit that is simply too small.".into(),
    )
}

/// Killed `uptime_s` seconds after every start.
pub fn early_kill(uptime_s: f64) -> Said {
    (
        format!("killed {uptime_s:.0} s after start: the limit is below what the workload needs to start"),
        "A leak takes time; a kill within minutes of every start means the working set at start-up does not fit.".into(),
    )
}

/// Shared memory (`bytes` of it) filled the limit.
pub fn shared_memory(bytes: u64) -> Said {
    (
        format!(
            "{} of the limit was shared memory (tmpfs, /dev/shm, emptyDir medium: Memory)",
            units::size(bytes)
        ),
        "Files in memory-backed volumes count against the container's limit and cannot be reclaimed while they exist.".into(),
    )
}

/// Huge pages (`huge` bytes) of the anonymous memory (`anon`).
pub fn thp(huge: u64, anon: u64) -> String {
    format!(
        "{} of the {} anonymous memory was in transparent huge pages: THP rounds the JVM's regions up to 2 MiB pages",
        units::size(huge),
        units::size(anon)
    )
}

/// Other processes (`name (pid)`) held memory in the killed cgroup.
pub fn other_processes(names: &[String]) -> String {
    format!(
        "other processes held memory in the same cgroup: {}",
        names.join(", ")
    )
}

/// A kernel kill (`stamp` as the log wrote it) joined by time: the
/// container ended `after_s` seconds later; `zone` when the match supplied
/// the log's zone.
pub fn joined_by_time(stamp: &str, after_s: i64, zone: Option<&str>) -> String {
    format!(
        "the kernel kill at `{stamp}` is this container's: it ended {after_s}s later{}",
        zone.map(|z| format!(" (the kernel log's clock read as zone {z})"))
            .unwrap_or_default()
    )
}

/// What grew in Native Memory Tracking: `category` by `delta` bytes
/// (threads before and after, for `Thread`).
pub fn nmt_growth(category: &str, delta: i64, threads: Option<(u64, u64)>) -> String {
    let m = units::number_in(delta as f64, units::Unit::MiB, 0);
    match category {
        "Thread" => match threads {
            Some((a, b)) => format!("threads grew from {a} to {b} (NMT Thread +{m} MiB)"),
            None => format!("thread stacks grew {m} MiB (NMT Thread)"),
        },
        "Other" => format!("direct buffers grew {m} MiB (NMT Other, where JDK 11+ counts them)"),
        "Class" | "Metaspace" => format!("class metadata grew {m} MiB (NMT {category})"),
        _ => format!("the JVM's native memory grew {m} MiB (NMT {category})"),
    }
}

/// Why the NMT category that grew most names the cause.
pub fn nmt_grows(category: &str) -> String {
    format!("Native Memory Tracking shows {category} growing more than any other region outside the heap.")
}

/// RSS at the kill beyond NMT's total (`unseen` bytes).
pub fn nmt_unseen(unseen: u64) -> Said {
    (
        format!(
            "{} MiB of the victim's RSS is memory NMT cannot see (malloc arenas, JNI, native libraries)",
            units::number_in(unseen as f64, units::Unit::MiB, 0)
        ),
        "The JVM's RSS at the kill exceeds everything Native Memory Tracking accounts for by a quarter or more; the last NMT snapshot may predate the kill, so compare snapshots taken close to it.".into(),
    )
}

/// The native gap growing over time while NMT stays flat.
pub fn native_gap(g: &crate::detect::nmt::NativeGap) -> Said {
    let signed = |b: f64| {
        let s = units::size(b.abs() as u64);
        if b < 0.0 {
            format!("-{s}")
        } else {
            s
        }
    };
    let nmt = if g.nmt_first == g.nmt_last {
        units::size(g.nmt_last)
    } else {
        format!(
            "{} ({} at first)",
            units::size(g.nmt_last),
            units::size(g.nmt_first)
        )
    };
    if !g.grows {
        return (
            format!(
                "the native gap ({} minus NMT committed) stayed flat over {} timed NMT snapshots ({} to {}; {}): no native growth beyond what NMT tracks",
                g.metric,
                g.joined,
                signed(g.first),
                signed(g.last),
                byte_rate(g.slope_per_hour / 3600.0, g.span_s),
            ),
            String::new(),
        );
    }
    (
        format!(
            "the native gap ({} minus NMT committed) grew from {} to {} ({}) while NMT committed stayed at {}: memory NMT cannot see",
            g.metric,
            signed(g.first),
            signed(g.last),
            byte_rate(g.slope_per_hour / 3600.0, g.span_s),
            nmt
        ),
        format!(
            "At each of {} timed NMT snapshots the container's memory was read from the nearest sample; what NMT does not account for rose steadily (Theil-Sen slope, Mann-Kendall significant) while everything NMT tracks stayed flat, so the growth is in memory the JVM did not allocate itself: a native library's malloc (zlib's Inflater/Deflater never ended, a JNI library), glibc arenas. Native profiling (jemalloc's jeprof, or NMT's own `detail` to rule out the JVM) names the allocator.",
            g.joined
        ),
    )
}

/// Metric series naming `n` containers, none known as this one.
pub fn ambiguous_series(n: usize) -> String {
    format!(
        "the metric series name {n} containers and the evidence does not say which is this one: not judged (add the pod object, whose UID the series carry, or the container's id)"
    )
}

/// The summary of memory over time's cause: its verdict and what grows.
pub fn over_time(verdict: crate::memtime::Verdict, growing: Option<&str>) -> String {
    use crate::memtime::Verdict;
    match verdict {
        Verdict::PageCache => "page cache near the limit: a false alarm, not a leak".to_string(),
        Verdict::UndersizedLimit => "the limit is too small: steady usage at the limit".to_string(),
        _ => format!("memory leak: {}", growing.unwrap_or_default()),
    }
}

/// A class generator's leak: the family and its library.
pub fn class_leak(family: &str, library: Option<&str>) -> String {
    format!(
        "Metaspace leak: {family} classes{} never unloaded",
        library.map(|l| format!(" ({l})")).unwrap_or_default()
    )
}

/// Heap growth folded into a class-loading leak: the `because` that
/// names it, put before the heap growth's own explanation.
pub fn heap_growth_folded(family: &str, library: Option<&str>, explanation: &str) -> String {
    format!(
        "Because of the class-loading leak ({}): the heap grows with the leaked classes (their Class and reflection objects, the generator's caches), so fixing the class leak stops this growth; not a rival cause. {explanation}",
        class_leak(family, library)
    )
}

/// The first fix of heap growth folded into a class-loading leak.
pub const HEAP_GROWTH_FOLDED_FIX: &str =
    "fix the class-loading leak first (metaspace-class-generation): this heap growth goes with it";

/// Why a class generator's leak kills: its usual cause, Metaspace over time
/// when read, and how the kill came (`silent`: the kernel, no
/// `OutOfMemoryError`; `threshold_gcs`: collections at the Metadata GC
/// threshold).
pub fn class_leak_why(
    usual_cause: Option<&str>,
    meta: Option<&crate::metaspace::MetaspaceView>,
    silent: bool,
) -> String {
    let mut e = format!(
        "{}. A class is unloaded only when its class loader is unreachable; a generator kept reachable keeps every class it made.",
        usual_cause.map_or_else(
            || "The generator keeps making classes".to_string(),
            |c| format!("Usual cause: {c}")
        )
    );
    if let Some(mv) = meta {
        e.push_str(&format!(" {}.", metaspace(mv)));
    }
    if silent {
        e.push_str(" Metaspace is unbounded by default, so it grew until the container limit and the kernel killed the JVM before any Metadata GC threshold or OutOfMemoryError.");
    } else if meta.is_some_and(|mv| mv.metadata_threshold_gcs > 0) {
        e.push_str(" With Metaspace capped, the JVM runs Full GCs at the Metadata GC threshold trying to reclaim classes that are still reachable: they cost time and free nothing.");
    }
    e
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

/// `14:03:10` or, for another day than `base`, `2026-11-27 14:03` (UTC).
pub fn clock(t: jiff::Timestamp, base: jiff::Timestamp) -> String {
    let (t, b) = (
        t.to_zoned(jiff::tz::TimeZone::UTC),
        base.to_zoned(jiff::tz::TimeZone::UTC),
    );
    if t.date() == b.date() {
        t.strftime("%H:%M:%S").to_string()
    } else {
        t.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// One sentence for the forecast checks (the last three), for the finding;
/// times on the clock of the first check's start.
pub fn kill_checks(checks: &[crate::memtime::KillCheck]) -> Option<String> {
    let base = checks.first()?.at.forecast_from;
    let shown: Vec<String> = checks
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|c| {
            let end = clock(c.at.actual_kill, base);
            let end = if c.actual_from == "kill" {
                format!("killed at {end}")
            } else {
                format!("restarted after {end}")
            };
            format!(
                "life {}: its first half (to {}) put the limit at ~{}; {} ({} {} the forecast)",
                c.life,
                clock(c.at.forecast_until, base),
                clock(c.at.predicted_kill, base),
                end,
                units::duration_as(c.error_seconds, units::SHORT),
                if c.error_seconds > 0.0 {
                    "before"
                } else {
                    "after"
                }
            )
        })
        .collect();
    let more = if checks.len() > 3 {
        format!(" ({} more in the JSON)", checks.len() - 3)
    } else {
        String::new()
    };
    Some(format!(
        "the trend foretells the kills (UTC): {}{more}",
        shown.join("; ")
    ))
}

/// A rate for people: per minute when the span it was read over is under
/// two hours, else per hour (`+41 MiB/min`).
pub fn byte_rate(bytes_per_s: f64, span_s: f64) -> String {
    let (v, per) = if span_s < 7200.0 {
        (bytes_per_s * 60.0, "min")
    } else {
        (bytes_per_s * 3600.0, "h")
    };
    let sign = if v < 0.0 { "-" } else { "+" };
    format!("{sign}{}/{per}", units::size(v.abs() as u64))
}

/// A count for people: `1.2 M`, `45 k`, `812`.
fn count(n: f64) -> String {
    let a = n.abs();
    if a >= 1e6 {
        format!("{:.1} M", n / 1e6)
    } else if a >= 1e4 {
        format!("{:.0} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The growing classes of a histogram series, largest first (at most
/// `n`): `byte[] +41 MiB/min (+2.6 k instances/min)`.
pub fn growing_classes(h: &crate::heap::HistogramGrowth, n: usize) -> String {
    let per = if h.span_s < 7200.0 { 60.0 } else { 3600.0 };
    let unit = if h.span_s < 7200.0 { "min" } else { "h" };
    h.growing
        .iter()
        .take(n)
        .map(|c| {
            format!(
                "{} {} (+{} instances/{unit})",
                crate::heap::class_name(&c.class),
                byte_rate(c.bytes_per_hour / 3600.0, h.span_s),
                count(c.instances_per_hour / 3600.0 * per)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the heap after GC did over a GC log's last life.
pub fn heap_trend(t: &crate::heap::GcTrend) -> String {
    use crate::heap::Series;
    let what = match t.series {
        Series::OldAfterFull => "old generation after full GC",
        Series::HeapAfter => "heap after GC",
    };
    let span = t.last.0 - t.first.0;
    let took = units::duration_as(span, units::UPTIME);
    let life = if t.lives > 1 {
        format!(" (the last of {} lives)", t.lives)
    } else {
        String::new()
    };
    if let (false, Some((n, _)), Some((max, _))) = (t.rising, t.pinned, t.max_heap) {
        return format!(
            "heap after GC at the {} maximum heap in the last {n} collections{life}: collections free nearly nothing, the retained heap fills it",
            units::size(max),
        );
    }
    if t.rising {
        let mut s = format!(
            "{what} rose from {} to {} over {} collections in {took}{life}, {} (Mann-Kendall z {:.1})",
            units::size(t.first.1),
            units::size(t.last.1),
            t.samples,
            byte_rate(t.slope_per_s.unwrap_or(0.0), span),
            t.mann_kendall_z.unwrap_or(0.0)
        );
        if let (Some(secs), Some((max, _))) = (t.seconds_to_full, t.max_heap) {
            if secs <= 0.0 {
                s.push_str(&format!(": the {} maximum heap is full", units::size(max)));
            } else {
                s.push_str(&format!(
                    ": at that rate the {} maximum heap is full in {}",
                    units::size(max),
                    units::duration_as(secs, units::AHEAD)
                ));
            }
        }
        if let Some((share, _, _)) = t.gc_share_nearly_full {
            s.push_str(&format!(
                "; GC took {:.0}% of the time once the heap was {:.0}% full",
                share * 100.0,
                crate::heap::NEARLY_FULL * 100.0
            ));
        }
        s
    } else {
        let mut s = format!(
            "{what} flat at about {} over {} collections in {took}{life}: nothing retained grows",
            units::size(t.floor_at_end.unwrap_or(t.last.1 as f64).max(0.0) as u64),
            t.samples
        );
        if let (Some(((a, _), (b, _))), Some((max, _))) = (t.committed, t.max_heap) {
            if b > a {
                s.push_str(&format!(
                    "; the committed heap grew from {} to {} toward the {} maximum heap",
                    units::size(a),
                    units::size(b),
                    units::size(max)
                ));
            }
        }
        s
    }
}

/// The summary and explanation of heap growth shown by a GC log trend
/// and/or a histogram series; `over_limit` (max heap, limit) when the
/// maximum heap is above the container limit and the kernel killed the
/// JVM; `oome` when the JVM said `Java heap space`.
pub fn heap_growth(
    gc: Option<&crate::heap::GcTrend>,
    histo: Option<&crate::heap::HistogramGrowth>,
    over_limit: Option<(u64, u64)>,
    oome: bool,
) -> Said {
    let classes = histo.filter(|h| !h.growing.is_empty());
    let summary = match (classes, gc) {
        (Some(h), _) => format!("Java heap growth: {}", growing_classes(h, 3)),
        (None, Some(t)) if t.rising => format!(
            "Java heap growth: heap after GC {}",
            byte_rate(t.slope_per_s.unwrap_or(0.0), t.last.0 - t.first.0)
        ),
        (None, Some(_)) => "Java heap growth: the heap after GC fills the maximum heap".to_string(),
        (None, None) => "Java heap growth".to_string(),
    };
    let mut why = Vec::new();
    if let Some(t) = gc.filter(|t| t.rising || t.pinned.is_some()) {
        why.push(format!("the GC log shows the {}", heap_trend(t)));
    }
    if let Some(h) = classes {
        why.push(format!(
            "across {} class histograms in {} these classes grew in every interval: {}",
            h.snapshots,
            units::duration_as(h.span_s, units::UPTIME),
            growing_classes(h, 5)
        ));
    }
    let mut text = if why.is_empty() {
        "The Java heap grows.".to_string()
    } else {
        let mut t = why.join("; and ");
        if let Some(first) = t.get(..1) {
            t = first.to_uppercase() + &t[1..];
        }
        t + ": objects stay reachable, so every collection leaves more behind."
    };
    if oome {
        text.push_str(" The JVM threw OutOfMemoryError: Java heap space when the heap was full.");
    }
    if let Some((max, limit)) = over_limit {
        text.push_str(&format!(
            " No OutOfMemoryError came because the maximum heap ({}) is above the container limit ({}): the heap was allowed to outgrow the container, so the kernel killed the JVM first (heap-sized-over-limit).",
            units::size(max),
            units::size(limit)
        ));
    }
    (summary, text)
}

/// The heap allowed past the limit, named beside heap growth as the
/// reason no `OutOfMemoryError` came.
pub fn heap_over_limit_no_oome(max: u64, limit: u64) -> Said {
    (
        format!(
            "maximum heap {} above the {} limit: why no OutOfMemoryError came",
            units::size(max),
            units::size(limit)
        ),
        format!(
            "The JVM may grow its heap to {} but the container may hold only {}: a growing heap meets the kernel's limit before the JVM's own, so the kernel kills the JVM in silence instead of the JVM throwing OutOfMemoryError: Java heap space with a heap dump. Size -Xmx (or -XX:MaxRAMPercentage) below the limit, leaving room for the rest of the JVM (`oomlens budget`).",
            units::size(max),
            units::size(limit)
        ),
    )
}

/// A heap that does not leak but is allowed past the limit: the heap after
/// GC flat, the committed heap (and with it the resident set) rising
/// toward a maximum heap above the limit.
pub fn heap_sized_over_limit_measured(t: &crate::heap::GcTrend, max: u64, limit: u64) -> Said {
    let committed = match t.committed {
        Some(((a, _), (b, _))) if b > a => format!(
            ", while the collector grew the committed heap (and the resident set with it) from {} to {}",
            units::size(a),
            units::size(b)
        ),
        _ => String::new(),
    };
    (
        format!(
            "maximum heap {} above the {} limit; the heap does not leak",
            units::size(max),
            units::size(limit)
        ),
        format!(
            "The heap after GC stays flat at about {}: nothing is retained{committed}. The JVM may grow its heap to {}, above the {} container limit, so the kernel killed it before the heap was full. Size -Xmx (or -XX:MaxRAMPercentage) below the limit, leaving room for the rest of the JVM (`oomlens budget`).",
            units::size(t.floor_at_end.unwrap_or(t.last.1 as f64).max(0.0) as u64),
            units::size(max),
            units::size(limit)
        ),
    )
}

/// The committed Java heap of NMT snapshots growing.
pub fn nmt_heap(h: &crate::heap::NmtHeap) -> Said {
    let rate = h
        .span_s
        .map(|s| {
            format!(
                ", {}",
                byte_rate((h.last.0 as f64 - h.first.0 as f64) / s, s)
            )
        })
        .unwrap_or_default();
    let full = if h.last.0 >= h.reserved {
        " and reached the maximum heap"
    } else {
        ""
    };
    (
        format!(
            "the committed Java heap grew from {} to {}{rate}{full} (NMT Java Heap)",
            units::size(h.first.0),
            units::size(h.last.0)
        ),
        format!(
            "Native Memory Tracking shows the committed Java heap rising in every one of {} snapshots toward its {} maximum: the heap fills. NMT counts what the heap holds committed, not what is live; a GC log or class histograms say whether objects are retained.",
            h.snapshots,
            units::size(h.reserved)
        ),
    )
}

/// `heap-growth` from two heap dumps: the heap's shallow bytes `before`
/// and `after`, and the classes that grew most (name, bytes grown).
pub fn heap_dump_growth(before: u64, after: u64, grown: &[(&str, u64)]) -> Said {
    let named: Vec<String> = grown
        .iter()
        .map(|(c, d)| format!("{c} +{}", units::size(*d)))
        .collect();
    let summary = format!(
        "the heap grew by {} between two heap dumps ({} to {}){}",
        units::size(after.saturating_sub(before)),
        units::size(before),
        units::size(after),
        if named.is_empty() {
            String::new()
        } else {
            format!(": {}", named.join(", "))
        }
    );
    let explanation = "the live objects of the heap grew between the dumps: a heap that keeps growing fills the maximum heap and, when the maximum heap is larger than what the container has left, the container. The classes that grew are what to follow: `oomlens heap --retained` on the later dump shows what retains them.".to_string();
    (summary, explanation)
}
