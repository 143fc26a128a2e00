//! The Java heap over time, from what the JVM already logs: the heap after
//! each collection in a GC log, class histograms taken one after another,
//! and the committed Java heap of Native Memory Tracking snapshots. Facts
//! only (the detector `detect::heap_growth` judges and words them).
//!
//! - [`gc_trend`]: the series read is the old generation after full
//!   collections when the log prints it for at least [`MIN_POINTS`] of
//!   them (what survives a full collection is what the program retains),
//!   else the heap after every collection. A restart is a new life (the
//!   JVM's uptime starts again); the last life is read with
//!   [`crate::trend::life`] (lower envelope, start-up left out, Theil-Sen
//!   slope, Mann-Kendall test). A rise that is significant and material
//!   ([`MIN_RISE_FRACTION`] of the floor, at least [`MIN_RISE_BYTES`]) is a
//!   retained-heap leak; a sawtooth whose floor stays is not. It also
//!   gives the time until the heap is full at that rate, the GC time share
//!   once the heap is nearly full, whether the last collections left the
//!   heap full ([`PINNED`]: the retained heap fills the maximum, whatever
//!   came before), and how the committed heap moved.
//! - [`class_growth`]: the classes whose bytes rise across every interval
//!   of a histogram series, ranked by bytes per hour.
//! - [`nmt_heap_growth`]: the committed Java heap of NMT snapshots.

use oomlens_evidence::jvm::gclog::{CollectionKind, GcLog};
use oomlens_evidence::jvm::jcmd::HistogramSnapshot;
use oomlens_evidence::jvm::nmt;

use crate::trend;

/// Fewest samples a trend is read from.
pub const MIN_POINTS: usize = 4;
/// A rise smaller than this fraction of the floor it starts from is not
/// growth (caches warming, a tenuring threshold settling).
pub const MIN_RISE_FRACTION: f64 = 0.10;
/// Nor is one smaller than this, in bytes.
pub const MIN_RISE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// The heap is nearly full from this fraction of the maximum heap on.
pub const NEARLY_FULL: f64 = 0.8;
/// A heap after GC at this fraction of the maximum heap or more is full:
/// the collection freed nearly nothing.
pub const PINNED: f64 = 0.9;

/// Which occupancy a GC trend was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// The old generation after each full collection.
    OldAfterFull,
    /// The heap after every collection.
    HeapAfter,
}

/// The heap after GC over the last life of a GC log.
#[derive(Debug, Clone, PartialEq)]
pub struct GcTrend {
    pub series: Series,
    /// Lives in the log (restarts + 1) and samples in the last one.
    pub lives: usize,
    pub samples: usize,
    /// The first and last sample of the life: (uptime s, bytes, line).
    pub first: (f64, u64, u64),
    pub last: (f64, u64, u64),
    /// Theil-Sen slope of the floor, bytes per second, and the
    /// Mann-Kendall z of the floor.
    pub slope_per_s: Option<f64>,
    pub mann_kendall_z: Option<f64>,
    /// Significant and material growth: a retained-heap leak.
    pub rising: bool,
    /// The fitted floor at the life's end, bytes.
    pub floor_at_end: Option<f64>,
    /// The maximum heap and the line that says it: in the GC log's header,
    /// else in the JVM's flags (`max_heap_from`).
    pub max_heap: Option<(u64, u64)>,
    /// The source of the flags the maximum heap came from, when the GC log
    /// did not say it (`jcmd VM.flags`); `None` when the log said it.
    pub max_heap_from: Option<String>,
    /// Seconds until the floor reaches the maximum heap at the slope, from
    /// the last sample (0 when it is there); only when rising.
    pub seconds_to_full: Option<f64>,
    /// Pause time over wall time from the first collection that left the
    /// heap [`NEARLY_FULL`] to the life's end: (share, first line, last
    /// line), with at least three collections in it.
    pub gc_share_nearly_full: Option<(f64, u64, u64)>,
    /// The heap after GC at [`PINNED`] of the maximum heap or more in the
    /// life's last collections (at least [`MIN_POINTS`]): collections free
    /// nearly nothing, the retained heap fills the maximum. (How many of
    /// the last collections, the first one's line.)
    pub pinned: Option<(usize, u64)>,
    /// The committed heap at the life's first and last collection that
    /// prints it: (bytes, line).
    pub committed: Option<((u64, u64), (u64, u64))>,
}

/// Reads the heap after GC of one log (see the module text); `None` when
/// fewer than [`MIN_POINTS`] collections with an uptime print the heap.
/// `flags_max` is the same JVM's `MaxHeapSize` from its flags (source,
/// bytes, line), taken when the log has no header saying the maximum heap.
pub fn gc_trend(log: &GcLog, flags_max: Option<(&str, u64, u64)>) -> Option<GcTrend> {
    let counted = |k: CollectionKind| !matches!(k, CollectionKind::Remark);
    let full: Vec<(f64, u64, u64)> = log
        .collections
        .iter()
        .filter(|c| c.kind == CollectionKind::Full)
        .filter_map(|c| {
            Some((
                c.uptime_s?,
                c.old_after_bytes?,
                c.heap_line.unwrap_or(c.line),
            ))
        })
        .collect();
    let every: Vec<(f64, u64, u64)> = log
        .collections
        .iter()
        .filter(|c| counted(c.kind))
        .filter_map(|c| {
            Some((
                c.uptime_s?,
                c.heap_after_bytes?,
                c.heap_line.unwrap_or(c.line),
            ))
        })
        .collect();
    // Full collections speak for the retained heap when there are enough
    // of them across at least half of the life; a log whose full
    // collections only come once the heap is full (the last moments before
    // an OutOfMemoryError) is read from every collection.
    let span = |p: &[(f64, u64, u64)]| match (p.first(), p.last()) {
        (Some(a), Some(b)) => b.0 - a.0,
        _ => 0.0,
    };
    let full_life = last_life(&full);
    let (series, points) =
        if full_life.len() >= MIN_POINTS && span(full_life) >= 0.5 * span(last_life(&every)) {
            (Series::OldAfterFull, full)
        } else {
            (Series::HeapAfter, every)
        };
    let lives = lives(&points);
    let life = last_life(&points);
    if life.len() < MIN_POINTS {
        return None;
    }
    let (t0, t1) = (life[0].0, life[life.len() - 1].0);
    let pts = bursts_as_one(life, (t1 - t0) / BURST_FRACTION);
    if pts.len() < MIN_POINTS {
        return None;
    }
    let l = trend::life(&pts);
    let slope_per_s = l.slope_per_hour.map(|s| s / 3600.0);
    // The floor where the fit starts: the end's floor less the slope over
    // the life (start-up included, so the rise is not overstated).
    let rise = match (slope_per_s, l.floor_at_end) {
        (Some(s), Some(_)) => s * (t1 - t0),
        _ => 0.0,
    };
    let start_floor = l.floor_at_end.map_or(l.first, |f| f - rise).max(1.0);
    let rising = l.rising && rise >= MIN_RISE_BYTES && rise >= MIN_RISE_FRACTION * start_floor;
    let (max_heap, max_heap_from) = match (log.heap_max_bytes.zip(log.heap_max_line), flags_max) {
        (Some(m), _) => (Some(m), None),
        (None, Some((src, b, line))) => (Some((b, line)), Some(src.to_string())),
        (None, None) => (None, None),
    };
    let seconds_to_full = match (rising, slope_per_s, max_heap, l.floor_at_end) {
        (true, Some(s), Some((max, _)), Some(f)) if s > 0.0 => {
            Some(((max as f64 - f) / s).max(0.0))
        }
        _ => None,
    };
    let in_life = |u: Option<f64>| u.is_some_and(|u| u >= t0 && u <= t1);
    let cs: Vec<_> = log
        .collections
        .iter()
        .filter(|c| counted(c.kind) && in_life(c.uptime_s))
        .collect();
    let gc_share_nearly_full = max_heap.and_then(|(max, _)| {
        let from = cs.iter().position(|c| {
            c.heap_after_bytes
                .is_some_and(|a| a as f64 >= NEARLY_FULL * max as f64)
        })?;
        let window = &cs[from..];
        if window.len() < 3 {
            return None;
        }
        let (a, b) = (window[0], window[window.len() - 1]);
        let wall_ms = (b.uptime_s? - a.uptime_s?) * 1000.0 + b.pause_ms.unwrap_or(0.0);
        let paused: f64 = window.iter().filter_map(|c| c.pause_ms).sum();
        (wall_ms > 0.0).then(|| ((paused / wall_ms).min(1.0), a.line, b.line))
    });
    let pinned = max_heap.and_then(|(max, _)| {
        let after: Vec<(u64, u64)> = cs
            .iter()
            .filter_map(|c| Some((c.heap_after_bytes?, c.heap_line.unwrap_or(c.line))))
            .collect();
        let tail = after.get(after.len().checked_sub(MIN_POINTS)?..)?;
        let full = |b: u64| b as f64 >= PINNED * max as f64;
        if !tail.iter().all(|&(b, _)| full(b)) {
            return None;
        }
        let from = after
            .iter()
            .rposition(|&(b, _)| !full(b))
            .map_or(0, |i| i + 1);
        Some((after.len() - from, after[from].1))
    });
    let committed = {
        let mut it = cs
            .iter()
            .filter_map(|c| Some((c.heap_committed_bytes?, c.heap_line.unwrap_or(c.line))));
        let first = it.next();
        let last = it.next_back().or(first);
        first.zip(last)
    };
    Some(GcTrend {
        series,
        lives: lives.len(),
        samples: life.len(),
        first: life[0],
        last: life[life.len() - 1],
        slope_per_s,
        mann_kendall_z: l.mann_kendall_z,
        rising,
        floor_at_end: l.floor_at_end,
        max_heap,
        max_heap_from,
        seconds_to_full,
        gc_share_nearly_full,
        pinned,
        committed,
    })
}

/// Collections closer together than this fraction of a life are one
/// burst (a full heap collected back to back, a histogram's forced
/// collection right after another).
const BURST_FRACTION: f64 = 50.0;

/// The samples as (ms, bytes), a burst of collections less than `gap_s`
/// apart taken as one sample at its first time with its lowest
/// occupancy: a hundred back-to-back full collections of a full heap are
/// one moment, and must not outvote the minutes of growth before them in
/// a median of pairwise slopes.
fn bursts_as_one(points: &[(f64, u64, u64)], gap_s: f64) -> Vec<(i64, f64)> {
    let mut out: Vec<(i64, f64)> = Vec::new();
    let mut last_t = f64::NEG_INFINITY;
    for &(t, b, _) in points {
        match out.last_mut() {
            Some(p) if t - last_t < gap_s => p.1 = p.1.min(b as f64),
            _ => out.push(((t * 1000.0) as i64, b as f64)),
        }
        last_t = t;
    }
    out
}

/// The lives of a GC series: a new one wherever the uptime goes back (a
/// restarted JVM appending to the same file).
fn lives(points: &[(f64, u64, u64)]) -> Vec<&[(f64, u64, u64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].0 < points[i - 1].0 {
            out.push(&points[start..i]);
            start = i;
        }
    }
    out.push(&points[start..]);
    out
}

fn last_life(points: &[(f64, u64, u64)]) -> &[(f64, u64, u64)] {
    lives(points).pop().unwrap_or(&[])
}

/// One class of a histogram series that grew.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassGrowth {
    /// The class as printed (`[B`).
    pub class: String,
    pub bytes: (u64, u64),
    pub instances: (u64, u64),
    /// Per hour, over the series' span.
    pub bytes_per_hour: f64,
    pub instances_per_hour: f64,
    /// Its row in the first and the last snapshot.
    pub lines: (u64, u64),
}

/// A histogram series read for growth.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramGrowth {
    pub snapshots: usize,
    /// Seconds from the first snapshot to the last.
    pub span_s: f64,
    /// The time lines of the first and last snapshot (else their headers).
    pub lines: (u64, u64),
    /// Which of the given snapshots were the first and the last read.
    pub ends: (usize, usize),
    /// The `Total` bytes of the first and last snapshot, when printed.
    pub total_bytes: Option<(u64, u64)>,
    /// Classes that grew in every interval, most bytes per hour first.
    pub growing: Vec<ClassGrowth>,
}

/// The classes that grow across a series of histograms of one JVM, in
/// time order with their times (`unix_ms`). A class grows when it is in
/// the first and last snapshot, its bytes never fall between snapshots
/// that list it, and it gains at least [`MIN_RISE_BYTES`] / 4 and
/// [`MIN_RISE_FRACTION`] of its first size. `None` with fewer than three
/// timed snapshots: two cannot tell growth from a moment's allocation.
pub fn class_growth(series: &[&HistogramSnapshot]) -> Option<HistogramGrowth> {
    let idx: Vec<usize> = (0..series.len())
        .filter(|&i| series[i].unix_ms.is_some() && !series[i].rows.is_empty())
        .collect();
    if idx.len() < 3 {
        return None;
    }
    let timed: Vec<&HistogramSnapshot> = idx.iter().map(|&i| series[i]).collect();
    let ends = (idx[0], idx[idx.len() - 1]);
    let (a, z) = (timed[0], timed[timed.len() - 1]);
    let span_s = (z.unix_ms? - a.unix_ms?) as f64 / 1000.0;
    if span_s <= 0.0 {
        return None;
    }
    let hours = span_s / 3600.0;
    let mut growing = Vec::new();
    for first in &a.rows {
        let Some(last) = z.rows.iter().find(|r| r.class == first.class) else {
            continue;
        };
        let mut prev = first.bytes;
        let mut never_fell = true;
        for h in &timed[1..] {
            if let Some(r) = h.rows.iter().find(|r| r.class == first.class) {
                never_fell &= r.bytes >= prev;
                prev = r.bytes;
            }
        }
        let gain = last.bytes as f64 - first.bytes as f64;
        if never_fell
            && gain >= MIN_RISE_BYTES / 4.0
            && gain >= MIN_RISE_FRACTION * first.bytes as f64
        {
            growing.push(ClassGrowth {
                class: first.class.clone(),
                bytes: (first.bytes, last.bytes),
                instances: (first.instances, last.instances),
                bytes_per_hour: gain / hours,
                instances_per_hour: (last.instances as f64 - first.instances as f64) / hours,
                lines: (first.line, last.line),
            });
        }
    }
    growing.sort_by(|x, y| y.bytes_per_hour.total_cmp(&x.bytes_per_hour));
    Some(HistogramGrowth {
        snapshots: timed.len(),
        span_s,
        lines: (a.time_line.unwrap_or(a.line), z.time_line.unwrap_or(z.line)),
        ends,
        total_bytes: a.total.zip(z.total).map(|(x, y)| (x.1, y.1)),
        growing,
    })
}

/// The readable name of a class as a histogram prints it: array
/// descriptors spelled out (`[B` is `byte[]`, `[Ljava.lang.Object;` is
/// `java.lang.Object[]`).
pub fn class_name(raw: &str) -> String {
    let dims = raw.bytes().take_while(|&b| b == b'[').count();
    if dims == 0 {
        return raw.to_string();
    }
    let rest = &raw[dims..];
    let base = match rest {
        "B" => "byte",
        "C" => "char",
        "I" => "int",
        "J" => "long",
        "S" => "short",
        "Z" => "boolean",
        "D" => "double",
        "F" => "float",
        _ => rest
            .strip_prefix('L')
            .and_then(|r| r.strip_suffix(';'))
            .unwrap_or(rest),
    };
    format!("{base}{}", "[]".repeat(dims))
}

/// The committed Java heap over NMT snapshots of one JVM.
#[derive(Debug, Clone, PartialEq)]
pub struct NmtHeap {
    pub snapshots: usize,
    /// (bytes, line) of the first and last snapshot's `Java Heap`.
    pub first: (u64, u64),
    pub last: (u64, u64),
    /// What NMT reserved for the heap: the maximum heap.
    pub reserved: u64,
    pub span_s: Option<f64>,
    /// The committed heap rose in every interval (or stayed at the
    /// maximum), at least doubled by at least 32 MiB, and was still
    /// rising at the end or had reached the maximum: the heap filled, not
    /// a collector settling its size.
    pub growing: bool,
}

/// Reads the `Java Heap` category of summary snapshots (not diffs), in
/// order; `None` with fewer than three that print it.
pub fn nmt_heap_growth(snaps: &[&nmt::Snapshot]) -> Option<NmtHeap> {
    let heap: Vec<(&nmt::Snapshot, &nmt::Category)> = snaps
        .iter()
        .filter(|s| !s.diff)
        .filter_map(|s| Some((*s, s.category("Java Heap")?)))
        .collect();
    if heap.len() < 3 {
        return None;
    }
    let (a, z) = (heap[0].1, heap[heap.len() - 1].1);
    let at_max = |c: &nmt::Category| c.committed_bytes >= c.reserved_bytes;
    let never_fell = heap
        .windows(2)
        .all(|w| w[1].1.committed_bytes >= w[0].1.committed_bytes);
    let n = heap.len();
    let still_rising = heap[n - 1].1.committed_bytes > heap[n - 2].1.committed_bytes;
    let gain = z.committed_bytes.saturating_sub(a.committed_bytes);
    let growing = never_fell
        && z.committed_bytes >= 2 * a.committed_bytes
        && gain >= 32 << 20
        && (still_rising || at_max(z));
    let span_s = heap[0]
        .0
        .unix_ms
        .zip(heap[n - 1].0.unix_ms)
        .map(|(x, y)| (y - x) as f64 / 1000.0)
        .filter(|s| *s > 0.0);
    Some(NmtHeap {
        snapshots: n,
        first: (a.committed_bytes, a.line),
        last: (z.committed_bytes, z.line),
        reserved: z.reserved_bytes,
        span_s,
        growing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_descriptors_are_spelled_out() {
        assert_eq!(class_name("[B"), "byte[]");
        assert_eq!(class_name("[[I"), "int[][]");
        assert_eq!(class_name("[Ljava.lang.Object;"), "java.lang.Object[]");
        assert_eq!(class_name("java.lang.String"), "java.lang.String");
        assert_eq!(class_name("["), "[]");
    }

    #[test]
    fn a_burst_of_collections_is_one_sample() {
        // Growth over 10 s, then 13 full collections of a full heap in
        // 0.2 s (a JVM about to throw OutOfMemoryError).
        let mut p: Vec<(f64, u64, u64)> =
            (0..6).map(|i| (i as f64 * 2.0, 10 + 15 * i, i)).collect();
        p.extend((0..13).map(|i| (10.5 + i as f64 * 0.015, 92, 100 + i)));
        let b = bursts_as_one(&p, 11.0 / BURST_FRACTION);
        assert_eq!(b.len(), 7, "{b:?}");
        assert_eq!(b[6], (10_500, 92.0));
    }

    #[test]
    fn a_restart_starts_a_new_life() {
        let p = [(1.0, 5, 1), (2.0, 6, 2), (0.5, 1, 3), (1.5, 2, 4)];
        let l = lives(&p);
        assert_eq!(l.len(), 2);
        assert_eq!(last_life(&p), &p[2..]);
    }
}
