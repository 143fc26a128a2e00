//! Memory over time for one container: which series grows, and what that
//! means (a leak and in which region, a limit too small, page cache).
//!
//! Reads the series a Prometheus setup keeps: cAdvisor
//! (`container_memory_working_set_bytes`, `_rss`, `_usage_bytes`, `_cache`,
//! `_failcnt`, `container_spec_memory_limit_bytes`), kube-state-metrics
//! limits, and JVM metrics from Micrometer (`jvm_memory_used_bytes{area,id}`,
//! `jvm_classes_loaded_classes`, `jvm_threads_live_threads`,
//! `jvm_buffer_memory_used_bytes`) or jmx_exporter
//! (`jvm_memory_pool_bytes_used{pool}`, `jvm_classes_loaded`).

use std::borrow::Cow;

use oomlens_evidence::metrics::Series;
use serde::Serialize;

use crate::diagnosis::Cite;
use crate::ids::CauseId;
use crate::trend;

/// What the series of one container say. Part of `oomlens/diagnosis/v1`
/// (`containers[].memory_over_time`, documented in `docs/json.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryOverTime {
    /// The verdict: `leak`, `undersized-limit`, `page-cache`, `steady`.
    pub verdict: Verdict,
    /// The series that grows most, when one does (`jvm Metaspace`,
    /// `container_memory_working_set_bytes`).
    pub growing: Option<String>,
    /// The cause id this points at.
    pub cause: Option<CauseId>,
    /// Growth of the working set's lower envelope in its last life.
    pub slope_bytes_per_hour: Option<f64>,
    /// From the last sample to the limit at that rate.
    pub time_to_limit: Option<TimeToLimit>,
    /// Lives of the working set (restarts split them).
    pub lives: usize,
    /// Each life that ended in a kill, foretold from its first half and set
    /// against the kill that happened.
    pub kill_checks: Vec<KillCheck>,
    pub text: String,
    pub evidence: Vec<Cite>,
    /// The series behind the verdict, thinned for drawing (an addition to
    /// v1): the working set, RSS, usage and page cache of the container
    /// and the JVM's parts that were read, each at most [`DRAWN_POINTS`]
    /// points.
    pub series: Vec<Drawn>,
    /// When each life of the working set began, RFC 3339 UTC (the first is
    /// the series' start; each later one a restart).
    pub life_starts: Vec<String>,
    /// The trend fitted on the judged life, when it has one.
    pub fit: Option<Fit>,
}

/// Points kept per drawn series: [`trend::thin`] keeps the lowest and the
/// highest sample of each of half as many time windows.
pub const DRAWN_POINTS: usize = 480;

/// What a drawn series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawnKind {
    /// `container_memory_working_set_bytes`: what the kubelet and the
    /// OOM-kill decision look at (usage minus inactive page cache).
    WorkingSet,
    /// `container_memory_rss`: anonymous memory.
    Rss,
    /// `container_memory_usage_bytes`: everything charged, page cache too.
    Usage,
    /// `container_memory_cache`: page cache.
    Cache,
    /// A part of the JVM (`jvm Metaspace`, `jvm heap`, `jvm direct
    /// buffers`, `jvm threads`).
    Jvm,
}

/// One series, thinned for drawing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drawn {
    pub kind: DrawnKind,
    /// The metric (`container_memory_rss`, `jvm_memory_used_bytes`).
    pub metric: String,
    /// What it is in words (`working set`, `jvm Metaspace`).
    pub label: String,
    /// `bytes`, or `threads` for a thread count.
    pub unit: &'static str,
    /// Samples read, before thinning.
    pub samples: usize,
    /// `[ms since the epoch, value]`, in time order; at most
    /// [`DRAWN_POINTS`].
    pub points: Vec<(i64, f64)>,
    pub evidence: Cite,
}

/// The trend fitted on the lower envelope of a life, after warm-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Which life of the working set, from 1.
    pub life: usize,
    /// The fitted part, RFC 3339 UTC.
    pub from: String,
    pub until: String,
    /// The fitted floor at `from` and at `until`.
    pub floor_from_bytes: f64,
    pub floor_until_bytes: f64,
    /// How far the peaks rise above the floor: the forecast is of the
    /// floor plus this reaching the limit.
    pub peak_excess_bytes: f64,
    /// The instants `from` and `until` name, ms (not serialised).
    #[serde(skip)]
    pub from_ms: i64,
    #[serde(skip)]
    pub until_ms: i64,
}

/// What the working set of one container does over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// It grows after warm-up (materially, Mann-Kendall significant).
    Leak,
    /// It stays near the limit without growing.
    UndersizedLimit,
    /// Usage reaches the limit, the working set does not.
    PageCache,
    /// Neither.
    Steady,
}

/// Time until the working set reaches the limit at its current rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToLimit {
    pub seconds: f64,
    /// At the fast and the slow end of the slope's interquartile range.
    pub fastest_seconds: Option<f64>,
    pub slowest_seconds: Option<f64>,
    /// When, RFC 3339 UTC: the last sample plus `seconds`. The container
    /// would be killed about then.
    pub at: Option<String>,
}

/// A kill foretold from the first half of a life, and the kill that came.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KillCheck {
    /// Which life of the working set, from 1.
    pub life: usize,
    /// The samples the forecast used, RFC 3339 UTC: from a tenth of the way
    /// from the life's start to the kill (before is start-up) to half-way.
    pub forecast_from: String,
    pub forecast_until: String,
    /// When the trend of those samples reaches the limit, and the interval
    /// from the slope's interquartile range.
    pub predicted_kill: String,
    pub predicted_earliest: Option<String>,
    pub predicted_latest: Option<String>,
    /// The kill that happened, RFC 3339 UTC, and how it is known: `kill` (a
    /// kernel report or the kubelet's status) or `restart` (the series
    /// restarts from the limit; the kill is between two samples).
    pub actual_kill: String,
    pub actual_from: String,
    /// Predicted minus actual, seconds (negative: foretold too early).
    pub error_seconds: f64,
    /// `error_seconds` over the time from the forecast to the kill.
    pub relative_error: f64,
    pub evidence: Vec<Cite>,
    /// The instants the strings above print, as values (not serialised).
    #[serde(skip)]
    pub at: CheckInstants,
}

/// The instants of a [`KillCheck`], to the second as its strings print them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CheckInstants {
    pub forecast_from: jiff::Timestamp,
    pub forecast_until: jiff::Timestamp,
    pub predicted_kill: jiff::Timestamp,
    pub actual_kill: jiff::Timestamp,
}

/// A kill known from other evidence: when (ms since the epoch), and where
/// it is written.
pub type KnownKill = (i64, Cite);

/// RFC 3339 UTC of milliseconds since the epoch, as precise as they are.
pub fn utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The instant of milliseconds since the epoch, when in range.
fn instant(ms: i64) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(ms).ok()
}

/// The instant of milliseconds since the epoch, to the second (forecasts
/// are not more precise).
fn second(ms: i64) -> Option<jiff::Timestamp> {
    instant(ms).map(|t| t.round(jiff::Unit::Second).map_or(t, |r| r))
}

/// RFC 3339 UTC to the second.
fn rfc3339(ms: i64) -> String {
    second(ms).map(|t| t.to_string()).unwrap_or_default()
}

/// A growth rate in bytes per hour, in the time unit that reads best:
/// `20 MiB/h`, `90 MiB/min`, `6 MiB/s`.
pub fn rate(bytes_per_hour: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let size = |b: f64| crate::units::size(b.abs() as u64);
    let sign = if bytes_per_hour < 0.0 { "-" } else { "" };
    if bytes_per_hour.abs() >= 3600.0 * MIB {
        format!("{sign}{}/s", size(bytes_per_hour / 3600.0))
    } else if bytes_per_hour.abs() >= 60.0 * MIB * 10.0 {
        format!("{sign}{}/min", size(bytes_per_hour / 60.0))
    } else {
        format!("{sign}{}/h", size(bytes_per_hour))
    }
}

/// A value of a series for people: a count for thread and class series,
/// else a size.
fn count_or_size(name: &str, v: f64) -> String {
    if name.contains("threads") || name.contains("classes") {
        format!("{v:.0}")
    } else {
        crate::units::size(v.max(0.0) as u64)
    }
}

/// How long, in words (`40 s`, `12 min`, `5.2 h`, `3.1 days`).
fn span(seconds: f64) -> String {
    crate::units::duration_as(seconds, crate::units::SHORT)
}

/// Forecasts each life that ended in a kill from its first half, and sets
/// the forecast against the kill. A life ends in a kill when a known kill
/// falls at its end, or when the series restarts after reaching 90% of the
/// limit.
pub fn kill_checks(s: &Series, src: &str, limit: f64, kills: &[KnownKill]) -> Vec<KillCheck> {
    checks_of(&Picked::whole(src, s), limit, kills)
}

/// [`kill_checks`] of a picked series (its points read in place).
fn checks_of(p: &Picked, limit: f64, kills: &[KnownKill]) -> Vec<KillCheck> {
    let (s, src, pts) = (p.latest, p.src, &*p.points);
    let ranges = trend::lives(pts);
    let step = trend::step_ms(pts);
    let tol = (2 * step).max(120_000);
    let mut out = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let life = &pts[r.clone()];
        if life.len() < 16 {
            continue;
        }
        let (first, last) = (life[0].0, life[life.len() - 1].0);
        let next = ranges.get(i + 1).map(|n| pts[n.start].0);
        let window = (last - tol)..=(next.unwrap_or(last) + tol);
        let known = kills
            .iter()
            .filter(|(t, _)| window.contains(t))
            .min_by_key(|(t, _)| (t - last).abs());
        let max = life.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let (actual, from, mut evidence) = match known {
            Some((t, c)) => (*t, "kill", vec![c.clone()]),
            None if next.is_some() && max >= 0.9 * limit => (last, "restart", Vec::new()),
            None => continue,
        };
        // The first tenth of the life is start-up (heaps and caches fill):
        // the forecast reads from there to half-way to the kill.
        let (warm, cut) = (first + (actual - first) / 10, first + (actual - first) / 2);
        let half = between(life, warm, cut);
        if half.len() < 8 {
            continue;
        }
        let l = trend::life(&half);
        let Some((h, fast, slow)) = trend::time_to_limit_hours(&l, limit).filter(|_| l.rising)
        else {
            continue;
        };
        let at = |hours: f64| l.end_ms + (hours * 3_600_000.0) as i64;
        let predicted = at(h);
        let error = (predicted - actual) as f64 / 1000.0;
        let horizon = ((actual - l.end_ms) as f64 / 1000.0).max(1.0);
        evidence.push(Cite {
            source: src.to_string(),
            line: s.line,
            last_line: None,
            what: format!(
                "{} from {} to {}",
                s.name,
                rfc3339(l.start_ms),
                rfc3339(l.end_ms)
            ),
        });
        out.push(KillCheck {
            life: i + 1,
            forecast_from: rfc3339(l.start_ms),
            forecast_until: rfc3339(l.end_ms),
            predicted_kill: rfc3339(predicted),
            predicted_earliest: fast.map(|x| rfc3339(at(x))),
            predicted_latest: slow.map(|x| rfc3339(at(x))),
            actual_kill: rfc3339(actual),
            actual_from: from.to_string(),
            error_seconds: error,
            relative_error: error / horizon,
            evidence,
            at: CheckInstants {
                forecast_from: second(l.start_ms).unwrap_or_default(),
                forecast_until: second(l.end_ms).unwrap_or_default(),
                predicted_kill: second(predicted).unwrap_or_default(),
                actual_kill: second(actual).unwrap_or_default(),
            },
        });
    }
    out
}

/// The points of `life` from `from` to `until` ms, both included: a slice
/// of it, as its points are in time order (a copy of those that fall
/// there, should they not be).
fn between(life: &[(i64, f64)], from: i64, until: i64) -> Cow<'_, [(i64, f64)]> {
    if life.windows(2).all(|w| w[0].0 <= w[1].0) {
        let a = life.partition_point(|p| p.0 < from);
        let b = life.partition_point(|p| p.0 <= until).max(a);
        Cow::Borrowed(&life[a..b])
    } else {
        Cow::Owned(
            life.iter()
                .copied()
                .filter(|p| p.0 >= from && p.0 <= until)
                .collect(),
        )
    }
}

/// A series as judged, read in place: where its latest part was read,
/// that part (its name and line are cited), and the points, the part's
/// own or, when instances over restarts are joined ([`pick`]), one copy
/// of all of theirs in time order.
struct Picked<'a> {
    src: &'a str,
    latest: &'a Series,
    points: Cow<'a, [(i64, f64)]>,
}

impl<'a> Picked<'a> {
    /// One series, whole.
    fn whole(src: &'a str, s: &'a Series) -> Self {
        Picked {
            src,
            latest: s,
            points: Cow::Borrowed(&s.points),
        }
    }
}

/// Labels that change when the same container restarts: cAdvisor's cgroup
/// `id` and docker `name`, `oomlens sample`'s `container_id`, a JVM's `pid`.
const INSTANCE_LABELS: [&str; 4] = ["id", "name", "container_id", "pid"];

/// A series' labels, as pairs.
type Labels = Vec<(String, String)>;

/// Parts of one series over restarts: their labels, where the last ends,
/// the parts.
type Chain<'a> = (Labels, i64, Vec<&'a (String, &'a Series)>);

/// Micrometer's heap pools that hold what survives: the old generation, or
/// the whole heap of a collector without generations (and the `heap` total
/// `oomlens sample` writes).
fn lasting_heap(id: &str) -> bool {
    id.contains("Old Gen")
        || id.contains("Tenured")
        || id == "ZHeap"
        || id == "Shenandoah"
        || id == "heap"
}

/// The series `name` of the container, across its restarts: series that
/// differ only in [`INSTANCE_LABELS`] and follow one another in time (an
/// instance starts after the one before ended) are one, joined in time
/// order; series that run at the same time (a JVM's memory pools, all
/// labelled `id`) stay apart. Of several, the one with the most samples.
/// Cites the source and line of its latest part. Points are copied only
/// to join parts.
fn pick<'a>(
    series: &'a [(String, &'a Series)],
    name: &str,
    filter: impl Fn(&Series) -> bool,
) -> Option<Picked<'a>> {
    let key = |s: &Series| -> Labels {
        s.labels
            .iter()
            .filter(|(k, _)| !INSTANCE_LABELS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let mut parts: Vec<&(String, &Series)> = series
        .iter()
        .filter(|(_, s)| s.name == name && filter(s) && !s.points.is_empty())
        .collect();
    parts.sort_by_key(|(_, s)| s.points[0].0);
    // Chains of parts with the same labels, each starting after the last.
    let mut chains: Vec<Chain> = Vec::new();
    for p in parts {
        let (k, first, last) = (
            key(p.1),
            p.1.points[0].0,
            p.1.points[p.1.points.len() - 1].0,
        );
        match chains
            .iter_mut()
            .find(|(ck, end, _)| *ck == k && *end < first)
        {
            Some((_, end, members)) => {
                members.push(p);
                *end = last;
            }
            None => chains.push((k, last, vec![p])),
        }
    }
    let (_, _, members) = chains
        .into_iter()
        .max_by_key(|(_, _, m)| m.iter().map(|(_, s)| s.points.len()).sum::<usize>())?;
    let latest = *members.last()?;
    let points = match members.as_slice() {
        [one] => Cow::Borrowed(one.1.points.as_slice()),
        _ => {
            let n = members.iter().map(|(_, s)| s.points.len()).sum();
            let mut joined = Vec::with_capacity(n);
            for (_, s) in &members {
                joined.extend_from_slice(&s.points);
            }
            Cow::Owned(joined)
        }
    };
    if points.len() < 4 {
        return None;
    }
    Some(Picked {
        src: &latest.0,
        latest: latest.1,
        points,
    })
}

/// Cites a picked series: its latest part's source and line, the span of
/// all its points.
fn cite(p: &Picked, what: String) -> Cite {
    let (src, s) = (p.src, p.latest);
    let span = match (p.points.first(), p.points.last()) {
        (Some(a), Some(b)) => format!(" from {} to {}", utc(a.0), utc(b.0)),
        _ => String::new(),
    };
    Cite {
        source: src.to_string(),
        line: s.line,
        last_line: None,
        what: format!("{what}{span}"),
    }
}

/// A JVM series: (metric, what it is, the cause it points at, which series
/// of the metric).
type JvmPart = (
    &'static str,
    &'static str,
    CauseId,
    Box<dyn Fn(&Series) -> bool>,
);

/// The last life of a series worth reading, and which it is (from 1): a
/// life of fewer than 4 samples, or under a tenth of the longest life's,
/// is a process dying or one just started, too short to judge. Also how
/// many lives there are.
fn last_life(points: &[(i64, f64)]) -> (trend::Life, usize, usize) {
    let ls = trend::lives(points);
    let longest = ls.iter().map(|r| r.len()).max().unwrap_or(0);
    let (i, last) = ls
        .iter()
        .enumerate()
        .rev()
        .find(|(_, r)| r.len() >= 4 && r.len() * 10 >= longest)
        .map(|(i, r)| (i + 1, r.clone()))
        .unwrap_or((ls.len(), 0..points.len()));
    (trend::life(&points[last]), i, ls.len())
}

/// Judges a container's memory series against its limit, with the
/// series and the fit thinned for drawing.
pub fn judge(
    series: &[(String, &Series)],
    limit: Option<u64>,
    kills: &[KnownKill],
) -> Option<MemoryOverTime> {
    let ws = pick(series, "container_memory_working_set_bytes", |_| true)?;
    let life = last_life(&ws.points);
    let mut v = verdict(series, &ws, &life, limit, kills)?;
    let (l, judged, _) = life;
    v.life_starts = trend::lives(&ws.points)
        .iter()
        .map(|r| rfc3339(ws.points[r.start].0))
        .collect();
    v.fit = l
        .slope_per_hour
        .zip(l.floor_at_end)
        .map(|(slope, end)| Fit {
            life: judged,
            from: rfc3339(l.fit_from_ms),
            until: rfc3339(l.end_ms),
            floor_from_bytes: end - slope * (l.end_ms - l.fit_from_ms) as f64 / 3_600_000.0,
            floor_until_bytes: end,
            peak_excess_bytes: l.peak_excess,
            from_ms: l.fit_from_ms,
            until_ms: l.end_ms,
        });
    let drawn = |kind, label: &str, p: &Picked| Drawn {
        kind,
        metric: p.latest.name.clone(),
        label: label.to_string(),
        unit: if p.latest.name.contains("threads") {
            "threads"
        } else {
            "bytes"
        },
        samples: p.points.len(),
        points: trend::thin(&p.points, DRAWN_POINTS / 2),
        evidence: cite(p, p.latest.name.clone()),
    };
    v.series
        .push(drawn(DrawnKind::WorkingSet, "working set", &ws));
    for (kind, metric, label) in [
        (DrawnKind::Rss, "container_memory_rss", "RSS"),
        (DrawnKind::Usage, "container_memory_usage_bytes", "usage"),
        (DrawnKind::Cache, "container_memory_cache", "page cache"),
    ] {
        if let Some(p) = pick(series, metric, |_| true) {
            v.series.push(drawn(kind, label, &p));
        }
    }
    for (metric, label, _, f) in jvm_parts().iter() {
        if v.series.iter().any(|d| d.label == *label) {
            continue;
        }
        if let Some(p) = pick(series, metric, f) {
            v.series.push(drawn(DrawnKind::Jvm, label, &p));
        }
    }
    Some(v)
}

/// The JVM's parts a container's series may hold, in the order they are
/// looked for.
fn jvm_parts() -> [JvmPart; 6] {
    [
        (
            "jvm_memory_used_bytes",
            "jvm Metaspace",
            CauseId::MetaspaceClassGeneration,
            Box::new(|s: &Series| s.labels.get("id").is_some_and(|i| i == "Metaspace")),
        ),
        (
            "jvm_memory_pool_bytes_used",
            "jvm Metaspace",
            CauseId::MetaspaceClassGeneration,
            Box::new(|s: &Series| s.labels.get("pool").is_some_and(|i| i == "Metaspace")),
        ),
        (
            "jvm_buffer_memory_used_bytes",
            "jvm direct buffers",
            CauseId::DirectMemory,
            Box::new(|s: &Series| s.labels.get("id").is_none_or(|i| i == "direct")),
        ),
        (
            "jvm_threads_live_threads",
            "jvm threads",
            CauseId::ThreadGrowth,
            Box::new(|_: &Series| true),
        ),
        (
            "jvm_memory_used_bytes",
            "jvm heap",
            CauseId::HeapGrowth,
            Box::new(|s: &Series| {
                s.labels.get("area").is_some_and(|a| a == "heap")
                    && s.labels.get("id").is_none_or(|i| lasting_heap(i))
            }),
        ),
        (
            "jvm_memory_pool_bytes_used",
            "jvm heap",
            CauseId::HeapGrowth,
            Box::new(|s: &Series| {
                s.labels
                    .get("pool")
                    .is_some_and(|p| p.contains("Old Gen") || p.contains("Tenured"))
            }),
        ),
    ]
}

/// The verdict of [`judge`], without the drawn series.
fn verdict(
    series: &[(String, &Series)],
    ws: &Picked,
    (l, judged, lives): &(trend::Life, usize, usize),
    limit: Option<u64>,
    kills: &[KnownKill],
) -> Option<MemoryOverTime> {
    let (judged, lives) = (*judged, *lives);
    let limit = limit.map(|l| l as f64).or_else(|| {
        pick(series, "container_spec_memory_limit_bytes", |_| true)
            .and_then(|p| p.points.last().map(|x| x.1))
            .filter(|v| *v > 0.0)
    });
    let kill_checks = limit.map_or_else(Vec::new, |lim| checks_of(ws, lim, kills));
    let mib = |b: f64| crate::units::number_in(b, crate::units::Unit::MiB, 0);
    let mut evidence = vec![cite(
        ws,
        format!("working set {} -> {} MiB", mib(l.first), mib(l.last)),
    )];
    // Growth counts when it is material: 2% of the limit (16 MiB without
    // one, `scan::material_growth`) over the life (`oomlens scan` asks it of
    // its window).
    let hours = (l.end_ms - l.start_ms) as f64 / 3_600_000.0;
    let rising = l.rising
        && l.slope_per_hour.unwrap_or(0.0) * hours
            >= crate::scan::material_growth(limit.map(|v| v as u64));
    // Page cache: usage near the limit while the working set stays low.
    let usage = pick(series, "container_memory_usage_bytes", |_| true);
    if let (Some(u), Some(lim)) = (usage.as_ref(), limit) {
        let umax = u
            .points
            .iter()
            .filter(|p| p.0 >= l.start_ms && p.0 <= l.end_ms)
            .map(|p| p.1)
            .fold(0.0, f64::max);
        if umax >= 0.9 * lim && l.max < 0.6 * lim && !rising {
            evidence.push(cite(
                u,
                format!("usage up to {} MiB of {} MiB", mib(umax), mib(lim)),
            ));
            return Some(MemoryOverTime {
                verdict: Verdict::PageCache,
                growing: Some("container_memory_usage_bytes".into()),
                cause: Some(CauseId::PageCache),
                slope_bytes_per_hour: l.slope_per_hour,
                time_to_limit: None,
                kill_checks: kill_checks.clone(),
                lives,
                text: format!(
                    "usage reaches {:.0}% of the limit but the working set stays at {} MiB: page cache, reclaimed before any OOM kill (a false alarm)",
                    umax / lim * 100.0,
                    mib(l.max)
                ),
                evidence,
                series: Vec::new(),
                life_starts: Vec::new(),
                fit: None,
            });
        }
    }
    if rising {
        // Which part grows: JVM regions first, they name the cause.
        let jvm_parts = jvm_parts();
        // Which JVM part explains the growth: the region growing fastest,
        // when it grows at a quarter of the working set's rate or more; else
        // live threads, when 16 or more were added; else none of the JVM's
        // pools (memory outside them).
        let ws_slope = l.slope_per_hour.unwrap_or(0.0);
        let mut region: Option<(f64, Cite, &str, &CauseId)> = None;
        let mut threads: Option<(Cite, &str, &CauseId)> = None;
        for (name, label, cause, f) in jvm_parts.iter() {
            let Some(p) = &pick(series, name, f) else {
                continue;
            };
            let (jl, _, _) = last_life(&p.points);
            if !jl.rising {
                continue;
            }
            let slope = jl.slope_per_hour.unwrap_or(0.0);
            let is_threads = name.contains("threads");
            let what = cite(
                p,
                format!(
                    "{label} {} -> {}, rising {}",
                    count_or_size(name, jl.first),
                    count_or_size(name, jl.last),
                    if is_threads {
                        format!("{slope:.1}/h")
                    } else {
                        rate(slope)
                    }
                ),
            );
            if is_threads {
                let hours = (jl.end_ms - jl.start_ms) as f64 / 3_600_000.0;
                if slope * hours >= 16.0 && threads.is_none() {
                    threads = Some((what, label, cause));
                }
            } else {
                let share = slope / ws_slope;
                if share >= 0.25 && region.as_ref().is_none_or(|r| share > r.0) {
                    region = Some((share, what, label, cause));
                }
            }
        }
        let mut growing = None;
        if let Some((what, label, cause)) = region.map(|(_, w, l, c)| (w, l, c)).or(threads) {
            evidence.push(what);
            growing = Some((label.to_string(), *cause));
        }
        // A last life that ended in a kill has no time left: its check
        // says how well the kill was foretold.
        let killed = kill_checks.iter().any(|c| c.life == judged);
        // Under a second of room is no forecast: the working set is at the
        // limit already.
        let ttl = limit
            .filter(|_| !killed)
            .and_then(|lim| trend::time_to_limit_hours(l, lim))
            .filter(|(t, _, _)| *t * 3600.0 >= 1.0);
        let (g, c) = growing.unwrap_or((
            "container_memory_working_set_bytes".into(),
            CauseId::NativeGrowth,
        ));
        let text = format!(
            "the working set rises {} after warm-up (Mann-Kendall z {:.1}){}{}",
            rate(l.slope_per_hour.unwrap_or(0.0)),
            l.mann_kendall_z.unwrap_or(0.0),
            if g.starts_with("jvm") {
                format!("; what grows: {g}")
            } else {
                String::new()
            },
            ttl.map(|(t, fast, slow)| format!(
                "; at this rate the limit is {} away ({} to {}): it would be killed at ~{} UTC",
                span(t * 3600.0),
                fast.map_or("?".into(), |x| span(x * 3600.0)),
                slow.map_or("?".into(), |x| span(x * 3600.0)),
                instant(l.end_ms + (t * 3_600_000.0) as i64)
                    .zip(instant(l.end_ms))
                    .map_or_else(String::new, |(t, b)| crate::wording::clock(t, b))
            ))
            .unwrap_or_default()
        );
        return Some(MemoryOverTime {
            verdict: Verdict::Leak,
            growing: Some(g),
            cause: Some(c),
            slope_bytes_per_hour: l.slope_per_hour,
            time_to_limit: ttl.map(|(h, fast, slow)| TimeToLimit {
                seconds: h * 3600.0,
                fastest_seconds: fast.map(|x| x * 3600.0),
                slowest_seconds: slow.map(|x| x * 3600.0),
                at: Some(rfc3339(l.end_ms + (h * 3_600_000.0) as i64)),
            }),
            kill_checks,
            lives,
            text,
            evidence,
            series: Vec::new(),
            life_starts: Vec::new(),
            fit: None,
        });
    }
    // Steady at the limit, with the memcg failing charges: too small.
    if let Some(lim) = limit {
        if l.max >= 0.9 * lim {
            if let Some(f) = &pick(series, "container_memory_failcnt", |_| true) {
                let (a, b) = (
                    f.points.first().map_or(0.0, |p| p.1),
                    f.points.last().map_or(0.0, |p| p.1),
                );
                if b > a {
                    evidence.push(cite(f, format!("failcnt {a:.0} -> {b:.0}")));
                }
            }
            return Some(MemoryOverTime {
                verdict: Verdict::UndersizedLimit,
                growing: None,
                cause: Some(CauseId::UndersizedLimit),
                slope_bytes_per_hour: l.slope_per_hour,
                time_to_limit: None,
                kill_checks: kill_checks.clone(),
                lives,
                text: format!(
                    "the working set stays near the limit ({} of {} MiB) without growing: the limit is too small for the workload",
                    mib(l.max),
                    mib(lim)
                ),
                evidence,
                series: Vec::new(),
                life_starts: Vec::new(),
                fit: None,
            });
        }
    }
    Some(MemoryOverTime {
        verdict: Verdict::Steady,
        growing: None,
        cause: None,
        slope_bytes_per_hour: l.slope_per_hour,
        time_to_limit: None,
        kill_checks,
        lives,
        text: format!("the working set is steady (max {} MiB)", mib(l.max)),
        evidence,
        series: Vec::new(),
        life_starts: Vec::new(),
        fit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series as `judge` and `pick` take them: borrowed.
    fn refs(v: &[(String, Series)]) -> Vec<(String, &Series)> {
        v.iter().map(|(src, s)| (src.clone(), s)).collect()
    }

    fn s(name: &str, labels: &[(&str, &str)], f: impl Fn(f64) -> f64) -> (String, Series) {
        (
            "m.json".into(),
            Series {
                name: name.into(),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                points: (0..48 * 60)
                    .map(|m| (m * 60_000, f(m as f64 / 60.0)))
                    .collect(),
                line: Some(3),
                ..Series::default()
            },
        )
    }

    const MIB: f64 = 1024.0 * 1024.0;

    #[test]
    fn metaspace_leak_is_named() {
        let series = vec![
            s("container_memory_working_set_bytes", &[], |h| {
                800.0 * MIB + 20.0 * MIB * h + 100.0 * MIB * (h * 6.0).fract()
            }),
            s(
                "jvm_memory_used_bytes",
                &[("area", "nonheap"), ("id", "Metaspace")],
                |h| 100.0 * MIB + 19.0 * MIB * h,
            ),
            s(
                "jvm_memory_used_bytes",
                &[("area", "heap"), ("id", "G1 Old Gen")],
                |h| 300.0 * MIB + 100.0 * MIB * (h * 2.0).fract(),
            ),
        ];
        let m = judge(&refs(&series), Some(3 << 30), &[]).unwrap();
        assert_eq!(m.verdict, Verdict::Leak);
        assert_eq!(m.cause, Some(CauseId::MetaspaceClassGeneration));
        let t = m.time_to_limit.unwrap();
        assert!(
            t.seconds > 50.0 * 3600.0 && t.seconds < 150.0 * 3600.0,
            "{t:?}"
        );
        assert!(t.fastest_seconds.unwrap() <= t.seconds && t.slowest_seconds.unwrap() >= t.seconds);
        // 48 h of samples from the epoch: killed at the end plus the time
        // to the limit.
        let at: jiff::Timestamp = t.at.unwrap().parse().unwrap();
        let expect = 48.0 * 3600.0 - 60.0 + t.seconds;
        assert!((at.as_second() as f64 - expect).abs() < 2.0, "{at}");
        assert!(m.text.contains("would be killed at ~"), "{}", m.text);
    }

    #[test]
    fn page_cache_and_undersized() {
        let series = vec![
            s("container_memory_working_set_bytes", &[], |_| 200.0 * MIB),
            s("container_memory_usage_bytes", &[], |h| {
                (200.0 + 40.0 * h).min(1000.0) * MIB
            }),
        ];
        assert_eq!(
            judge(&refs(&series), Some(1024 * 1024 * 1024), &[])
                .unwrap()
                .verdict,
            Verdict::PageCache
        );
        let series = vec![
            s("container_memory_working_set_bytes", &[], |h| {
                970.0 * MIB + 20.0 * MIB * (h * 3.0).sin()
            }),
            s("container_memory_failcnt", &[], |h| h * 100.0),
        ];
        let m = judge(&refs(&series), Some(1024 * 1024 * 1024), &[]).unwrap();
        assert_eq!(m.verdict, Verdict::UndersizedLimit);
        assert_eq!(m.evidence.len(), 2);
    }

    /// Three lives, each a leak of 20 MiB/h under a GC sawtooth from
    /// 400 MiB until the 1 GiB limit, at one-minute samples; the kills at
    /// each life's end.
    fn leaking_lives() -> (Series, Vec<KnownKill>) {
        let mut points = Vec::new();
        let mut kills = Vec::new();
        let mut t = 1_700_000_000_000i64;
        for _ in 0..3 {
            let mut h = 0.0;
            loop {
                let floor = 400.0 * MIB + 20.0 * MIB * h;
                let v = floor + 60.0 * MIB * (h * 4.0).fract();
                if v >= 1024.0 * MIB {
                    break;
                }
                points.push((t, v));
                t += 60_000;
                h += 1.0 / 60.0;
            }
            // Killed within the minute; back after 30 s.
            kills.push((
                t - 20_000,
                Cite::line("kern.log", 10 + kills.len() as u64, "Killed process"),
            ));
            t += 30_000;
        }
        let s = Series {
            name: "container_memory_working_set_bytes".into(),
            points,
            line: Some(2),
            ..Series::default()
        };
        (s, kills)
    }

    #[test]
    fn each_kill_is_foretold_from_the_first_half_of_its_life() {
        let (s, kills) = leaking_lives();
        let checks = kill_checks(&s, "m.om", 1024.0 * MIB, &kills);
        assert_eq!(checks.len(), 3, "{checks:#?}");
        for (i, c) in checks.iter().enumerate() {
            assert_eq!(c.life, i + 1);
            assert_eq!(c.actual_from, "kill");
            let actual: jiff::Timestamp = c.actual_kill.parse().unwrap();
            assert_eq!(actual.as_millisecond(), kills[i].0 / 1000 * 1000);
            // The sawtooth's peaks, not its floor, reach the limit: the
            // forecast is the floor plus the peaks' excess, and lands
            // within minutes of the kill, 15 h ahead.
            assert!(c.error_seconds.abs() < 600.0, "{c:#?}");
            assert!(c.relative_error.abs() < 0.02, "{c:#?}");
            assert_eq!(c.evidence[0].line, Some(10 + i as u64));
            let (from, until): (jiff::Timestamp, jiff::Timestamp) = (
                c.forecast_from.parse().unwrap(),
                c.forecast_until.parse().unwrap(),
            );
            // From a tenth to half of a life of 28 h (the sawtooth's peaks
            // reach the limit 3 h before the floor would): 11.3 h.
            let h = (until - from).total(jiff::Unit::Hour).unwrap();
            assert!((10.8..11.8).contains(&h), "{h}");
            let life = (actual - from).total(jiff::Unit::Hour).unwrap() / 0.9;
            assert!((27.5..29.0).contains(&life), "{life}");
        }
        let text = crate::wording::kill_checks(&checks).unwrap();
        assert!(text.contains("life 3: its first half"), "{text}");
        assert!(text.contains("killed at"), "{text}");
    }

    #[test]
    fn restarts_from_the_limit_count_and_flat_lives_do_not() {
        let (s, _) = leaking_lives();
        // No kill evidence: the restarts from the limit stand for the first
        // two; the last life has no restart after it, so no check.
        let checks = kill_checks(&s, "m.om", 1024.0 * MIB, &[]);
        assert_eq!(checks.len(), 2, "{checks:#?}");
        assert!(checks.iter().all(|c| c.actual_from == "restart"));
        // A flat series with a kill: nothing to foretell.
        let flat = Series {
            name: "container_memory_working_set_bytes".into(),
            points: (0..600)
                .map(|m| {
                    (
                        m * 60_000,
                        900.0 * MIB + 50.0 * MIB * ((m as f64) / 7.0).sin(),
                    )
                })
                .collect(),
            ..Series::default()
        };
        let kill = (600 * 60_000, Cite::line("kern.log", 1, "Killed process"));
        assert!(kill_checks(&flat, "m.om", 1024.0 * MIB, &[kill]).is_empty());
        assert_eq!(crate::wording::kill_checks(&[]), None);
    }

    /// cAdvisor gives every container instance its own series (`id` and
    /// `name` change at a restart): they are one container's lives.
    #[test]
    fn instances_of_one_container_are_joined() {
        let part = |id: &str, from: i64, v0: f64| {
            (
                format!("{id}.json"),
                Series {
                    name: "container_memory_working_set_bytes".into(),
                    labels: [("container", "app"), ("id", id), ("pod", "p")]
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    points: (0..100)
                        .map(|m| (from + m * 60_000, v0 + m as f64))
                        .collect(),
                    line: Some(7),
                    ..Series::default()
                },
            )
        };
        let mut other = part("/x", 0, 5.0);
        other.1.labels.insert("container".into(), "sidecar".into());
        let series = vec![part("/a", 0, 10.0), part("/b", 100 * 60_000, 10.0), other];
        let refs = refs(&series);
        let p = pick(&refs, "container_memory_working_set_bytes", |_| true).unwrap();
        assert_eq!(p.src, "/b.json", "cites the latest part");
        assert_eq!(p.latest.label("id"), Some("/b"));
        assert_eq!(p.points.len(), 200);
        assert!(matches!(p.points, Cow::Owned(_)), "joined: one copy");
        assert!(p.points.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(trend::lives(&p.points).len(), 2);
        assert_eq!(p.latest.labels["container"], "app");
        // One part alone is read in place.
        let sidecar = pick(&refs, "container_memory_working_set_bytes", |s| {
            s.label("container") == Some("sidecar")
        })
        .unwrap();
        assert!(matches!(sidecar.points, Cow::Borrowed(_)));
        assert!(std::ptr::eq(
            &*sidecar.points,
            series[2].1.points.as_slice()
        ));
    }

    /// A JVM's pools run at the same time under one name, told apart by
    /// `id`: they are not joined.
    #[test]
    fn pools_at_the_same_time_stay_apart() {
        let pool = |id: &str, v: f64| {
            (
                "m.om".to_string(),
                Series {
                    name: "jvm_memory_used_bytes".into(),
                    labels: [("area", "heap"), ("id", id)]
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    points: (0..50).map(|m| (m * 60_000, v)).collect(),
                    ..Series::default()
                },
            )
        };
        let series = vec![pool("G1 Eden Space", 1.0), pool("G1 Old Gen", 2.0)];
        let refs = refs(&series);
        let s = pick(&refs, "jvm_memory_used_bytes", |_| true).unwrap();
        assert_eq!(s.points.len(), 50);
        assert!(s.points.iter().all(|p| p.1 == s.points[0].1));
        let s = pick(&refs, "jvm_memory_used_bytes", |s| {
            s.labels.get("id").is_some_and(|i| lasting_heap(i))
        })
        .unwrap();
        assert_eq!(s.points[0].1, 2.0);
    }

    /// A killed process can linger in its cgroup for a few samples while the
    /// kernel frees its memory: those samples are a life of their own, too
    /// short to judge; the life before it is judged, and it was killed.
    #[test]
    fn a_dying_process_is_not_a_life_to_judge() {
        let (mut ws, kills) = leaking_lives();
        let end = ws.points.last().unwrap().0;
        ws.points
            .extend((1..=3).map(|i| (end + i * 60_000, 2.0 * MIB)));
        let usage = Series {
            name: "container_memory_usage_bytes".into(),
            points: ws.points.iter().map(|p| (p.0, p.1 + 40.0 * MIB)).collect(),
            ..Series::default()
        };
        let limit = Series {
            name: "container_spec_memory_limit_bytes".into(),
            points: ws.points.iter().map(|p| (p.0, 1024.0 * MIB)).collect(),
            ..Series::default()
        };
        let series = vec![
            ("m.om".to_string(), ws),
            ("m.om".to_string(), usage),
            ("m.om".to_string(), limit),
        ];
        let m = judge(&refs(&series), None, &kills).unwrap();
        assert_eq!(m.verdict, Verdict::Leak, "{m:#?}");
        assert_eq!(m.lives, 4);
        assert_eq!(m.kill_checks.len(), 3);
        assert_eq!(m.time_to_limit, None, "the judged life was killed");
    }

    /// Exposition text keeps, past its cap for other metrics, only the
    /// series of `metrics::READ`: every metric name this crate's sources
    /// match series against is in it (`scan.rs` excepted: its selectors go
    /// to a Prometheus server, not to files).
    #[test]
    fn every_metric_read_is_kept_by_exposition_text() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut seen = 0;
        for f in files.iter().filter(|f| !f.ends_with("scan.rs")) {
            let text = std::fs::read_to_string(f).unwrap();
            for part in text.split('"').skip(1).step_by(2) {
                let metric = [
                    "container_memory_",
                    "container_spec_",
                    "container_oom_",
                    "jvm_",
                ]
                .iter()
                .any(|p| part.starts_with(p))
                    && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                if metric {
                    seen += 1;
                    assert!(
                        oomlens_evidence::metrics::is_read(part),
                        "{part} ({}) is matched but not in metrics::READ",
                        f.display()
                    );
                }
            }
        }
        assert!(seen >= 11, "{seen}");
    }
}
