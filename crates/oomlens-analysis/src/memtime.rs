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

use oomlens_evidence::metrics::Series;
use serde::Serialize;

use crate::diagnosis::Cite;
use crate::trend;

/// What the series of one container say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryOverTime {
    /// The verdict: `leak`, `undersized-limit`, `page-cache`, `steady`.
    pub verdict: String,
    /// The series that grows most, when one does (`jvm Metaspace`,
    /// `container_memory_working_set_bytes`).
    pub growing: Option<String>,
    /// The cause id this points at.
    pub cause: Option<String>,
    pub slope_bytes_per_hour: Option<f64>,
    /// Hours to the limit from the last life's end, and its interval.
    pub hours_to_limit: Option<(f64, Option<f64>, Option<f64>)>,
    /// Lives of the working set (restarts split them).
    pub lives: usize,
    pub text: String,
    pub evidence: Vec<Cite>,
}

/// Whether a series is about the container (labels name it, or it has no
/// container labels at all).
pub fn about(
    s: &Series,
    namespace: Option<&str>,
    pod: Option<&str>,
    container: Option<&str>,
) -> bool {
    let ok = |k: &str, want: Option<&str>| match (s.labels.get(k), want) {
        (Some(v), Some(w)) => v == w,
        _ => true,
    };
    ok("namespace", namespace) && ok("pod", pod) && ok("container", container)
}

fn pick<'a>(
    series: &'a [(String, Series)],
    name: &str,
    filter: impl Fn(&Series) -> bool,
) -> Option<&'a (String, Series)> {
    series
        .iter()
        .filter(|(_, s)| s.name == name && filter(s) && s.points.len() >= 4)
        .max_by_key(|(_, s)| s.points.len())
}

fn cite(src: &str, s: &Series, what: String) -> Cite {
    let span = match (s.points.first(), s.points.last()) {
        (Some(a), Some(b)) => format!(
            " from {} to {}",
            jiff::Timestamp::from_millisecond(a.0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            jiff::Timestamp::from_millisecond(b.0)
                .map(|t| t.to_string())
                .unwrap_or_default()
        ),
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
    &'static str,
    Box<dyn Fn(&Series) -> bool>,
);

/// The last life of a series, read.
fn last_life(s: &Series) -> (trend::Life, usize) {
    let ls = trend::lives(&s.points);
    let last = ls.last().cloned().unwrap_or(0..s.points.len());
    (trend::life(&s.points[last]), ls.len())
}

/// Judges a container's memory series against its limit.
pub fn judge(series: &[(String, Series)], limit: Option<u64>) -> Option<MemoryOverTime> {
    let ws = pick(series, "container_memory_working_set_bytes", |_| true)?;
    let (l, lives) = last_life(&ws.1);
    let limit = limit.map(|l| l as f64).or_else(|| {
        pick(series, "container_spec_memory_limit_bytes", |_| true)
            .and_then(|(_, s)| s.points.last().map(|p| p.1))
            .filter(|v| *v > 0.0)
    });
    let mib = |b: f64| b / (1024.0 * 1024.0);
    let mut evidence = vec![cite(
        &ws.0,
        &ws.1,
        format!("working set {:.0} -> {:.0} MiB", mib(l.first), mib(l.last)),
    )];
    // Page cache: usage near the limit while the working set stays low.
    let usage = pick(series, "container_memory_usage_bytes", |_| true);
    if let (Some((us, u)), Some(lim)) = (usage, limit) {
        let umax = u.points.iter().map(|p| p.1).fold(0.0, f64::max);
        if umax >= 0.9 * lim && l.max < 0.6 * lim && !l.rising {
            evidence.push(cite(
                us,
                u,
                format!("usage up to {:.0} MiB of {:.0} MiB", mib(umax), mib(lim)),
            ));
            return Some(MemoryOverTime {
                verdict: "page-cache".into(),
                growing: Some("container_memory_usage_bytes".into()),
                cause: Some("page-cache".into()),
                slope_bytes_per_hour: l.slope_per_hour,
                hours_to_limit: None,
                lives,
                text: format!(
                    "usage reaches {:.0}% of the limit but the working set stays at {:.0} MiB: page cache, reclaimed before any OOM kill (a false alarm)",
                    umax / lim * 100.0,
                    mib(l.max)
                ),
                evidence,
            });
        }
    }
    if l.rising {
        // Which part grows: JVM regions first, they name the cause.
        let jvm_parts: [JvmPart; 6] = [
            (
                "jvm_memory_used_bytes",
                "jvm Metaspace",
                "metaspace-class-generation",
                Box::new(|s: &Series| s.labels.get("id").is_some_and(|i| i == "Metaspace")),
            ),
            (
                "jvm_memory_pool_bytes_used",
                "jvm Metaspace",
                "metaspace-class-generation",
                Box::new(|s: &Series| s.labels.get("pool").is_some_and(|i| i == "Metaspace")),
            ),
            (
                "jvm_buffer_memory_used_bytes",
                "jvm direct buffers",
                "direct-memory",
                Box::new(|s: &Series| s.labels.get("id").is_none_or(|i| i == "direct")),
            ),
            (
                "jvm_threads_live_threads",
                "jvm threads",
                "thread-growth",
                Box::new(|_: &Series| true),
            ),
            (
                "jvm_memory_used_bytes",
                "jvm heap",
                "heap-growth",
                Box::new(|s: &Series| s.labels.get("area").is_some_and(|a| a == "heap")),
            ),
            (
                "jvm_memory_pool_bytes_used",
                "jvm heap",
                "heap-growth",
                Box::new(|s: &Series| {
                    s.labels
                        .get("pool")
                        .is_some_and(|p| p.contains("Old Gen") || p.contains("Tenured"))
                }),
            ),
        ];
        let mut growing = None;
        for (name, label, cause, f) in jvm_parts.iter() {
            if let Some((src, s)) = pick(series, name, f) {
                let (jl, _) = last_life(s);
                if jl.rising {
                    evidence.push(cite(
                        src,
                        s,
                        format!("{label} rising {:.1}/h", jl.slope_per_hour.unwrap_or(0.0)),
                    ));
                    growing = Some((label.to_string(), cause.to_string()));
                    break;
                }
            }
        }
        let ttl = limit.and_then(|lim| trend::time_to_limit_hours(&l, lim));
        let (g, c) = growing.unwrap_or((
            "container_memory_working_set_bytes".into(),
            "native-growth".into(),
        ));
        let text = format!(
            "the working set rises {:.1} MiB/h after warm-up (Mann-Kendall z {:.1}){}{}",
            mib(l.slope_per_hour.unwrap_or(0.0)),
            l.mann_kendall_z.unwrap_or(0.0),
            if g.starts_with("jvm") {
                format!("; what grows: {g}")
            } else {
                String::new()
            },
            ttl.map(|(t, fast, slow)| format!(
                "; the limit is {:.0} h away ({}-{} h)",
                t,
                fast.map_or("?".into(), |x| format!("{x:.0}")),
                slow.map_or("?".into(), |x| format!("{x:.0}"))
            ))
            .unwrap_or_default()
        );
        return Some(MemoryOverTime {
            verdict: "leak".into(),
            growing: Some(g),
            cause: Some(c),
            slope_bytes_per_hour: l.slope_per_hour,
            hours_to_limit: ttl,
            lives,
            text,
            evidence,
        });
    }
    // Steady at the limit, with the memcg failing charges: too small.
    if let Some(lim) = limit {
        if l.max >= 0.9 * lim {
            if let Some((fs, f)) = pick(series, "container_memory_failcnt", |_| true) {
                let (a, b) = (
                    f.points.first().map_or(0.0, |p| p.1),
                    f.points.last().map_or(0.0, |p| p.1),
                );
                if b > a {
                    evidence.push(cite(fs, f, format!("failcnt {a:.0} -> {b:.0}")));
                }
            }
            return Some(MemoryOverTime {
                verdict: "undersized-limit".into(),
                growing: None,
                cause: Some("undersized-limit".into()),
                slope_bytes_per_hour: l.slope_per_hour,
                hours_to_limit: None,
                lives,
                text: format!(
                    "the working set stays near the limit ({:.0} of {:.0} MiB) without growing: the limit is too small for the workload",
                    mib(l.max),
                    mib(lim)
                ),
                evidence,
            });
        }
    }
    Some(MemoryOverTime {
        verdict: "steady".into(),
        growing: None,
        cause: None,
        slope_bytes_per_hour: l.slope_per_hour,
        hours_to_limit: None,
        lives,
        text: format!("the working set is steady (max {:.0} MiB)", mib(l.max)),
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let m = judge(&series, Some(3 << 30)).unwrap();
        assert_eq!(m.verdict, "leak");
        assert_eq!(m.cause.as_deref(), Some("metaspace-class-generation"));
        let (t, _, _) = m.hours_to_limit.unwrap();
        assert!(t > 50.0 && t < 150.0, "{t}");
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
            judge(&series, Some(1024 * 1024 * 1024)).unwrap().verdict,
            "page-cache"
        );
        let series = vec![
            s("container_memory_working_set_bytes", &[], |h| {
                970.0 * MIB + 20.0 * MIB * (h * 3.0).sin()
            }),
            s("container_memory_failcnt", &[], |h| h * 100.0),
        ];
        let m = judge(&series, Some(1024 * 1024 * 1024)).unwrap();
        assert_eq!(m.verdict, "undersized-limit");
        assert_eq!(m.evidence.len(), 2);
    }
}
