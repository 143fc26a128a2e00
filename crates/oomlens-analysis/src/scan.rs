//! `oomlens scan`: every container of a fleet ranked by OOM risk, from what
//! a Prometheus-compatible server computes.
//!
//! The server does the heavy lifting: a fixed list of instant queries, each
//! aggregated `by (namespace, pod, container)`, so the number of queries
//! never depends on the size of the fleet: the ten of [`queries`], plus,
//! when kube-state-metrics saw OOMKilled restarts, at most [`OOM_CHUNKS`]
//! from [`oom_restarts_queries`] (18 in all). This module builds the PromQL and ranks what
//! comes back ([`rank`]); it does no I/O.
//!
//! Growth is read as in [`crate::trend`]: the server returns the lower
//! envelope of each working set (the minimum of each of 48 windows of the
//! scan window, one subquery), which is split into lives at restarts and
//! read with Theil-Sen and Mann-Kendall; a garbage collector's sawtooth and
//! busy hours do not pass for growth, and a restart does not pass for a
//! fall. The server also returns the upper envelope (the maximum of each
//! of the same windows): between the two lies the peak excess
//! ([`crate::trend::life_of_envelopes`]), so the time to the limit
//! ([`crate::trend::time_to_limit_hours`]) is when the peaks reach it, not
//! the floor.
//!
//! A container that stopped reporting (no working set at the scan's time,
//! and no sample in the envelope's last window or later: a pod deleted or
//! replaced) is not projected to the scan's time, is not at risk and ranks
//! below every container still reporting; when it stopped is said.
//!
//! Risk, from 0 to 100 (tiers, so that each criterion dominates the next):
//!
//! - OOM kills in the window: `80 + 20 * (1 - 2^-kills)` (90 for one kill,
//!   95 for two, 97.5 for three, ...);
//! - else a working set rising to its limit within the window:
//!   `50 + 30 * (1 - time_to_limit / window)` (50 to 80);
//! - else `50 * (0.65 * p + 0.2 * q * f + 0.1 * g)` (0 to 47.5), where `p`
//!   is the peak working set over the limit (0 without a limit, at most 1);
//!   `f = failcnt / (failcnt + 10)`, the charges the cgroup failed in the
//!   window, weighed by `q`, which goes from 0 at `p = 0.5` to 1 at
//!   `p = 0.9` (below half the limit, failed charges come from page cache
//!   being reclaimed, which is harmless); and `g = window / time_to_limit`
//!   for a significant rise whose limit is further than the window (0
//!   otherwise).
//!
//! Growth counts when Mann-Kendall finds it significant (z > 1.96) and the
//! floor rises by at least 2% of the limit over the window
//! ([`material_growth`]).
//!
//! A container is *at risk* when it still reports and was OOM-killed in the
//! window or will reach its limit within one more window.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{trend, units};

/// Labels every query is aggregated by.
pub const BY: &str = "namespace, pod, container";

/// A container, as its series name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

/// What a query measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// `container_memory_working_set_bytes` now.
    WorkingSet,
    /// Its upper envelope over the window: the maxima of the 48 windows of
    /// [`Measure::WorkingSetFloor`] (a matrix); its largest is the peak.
    WorkingSetMax,
    /// Its lower envelope over the window: 48 minima (a matrix).
    WorkingSetFloor,
    /// `container_memory_usage_bytes`' maximum over the window (page cache
    /// included).
    UsageMax,
    /// `container_spec_memory_limit_bytes` (cAdvisor: the cgroup's limit).
    LimitCadvisor,
    /// `kube_pod_container_resource_limits{resource="memory"}`
    /// (kube-state-metrics: the pod spec's limit).
    LimitKsm,
    /// `increase(container_memory_failcnt[window])`.
    Failcnt,
    /// `increase(container_oom_events_total[window])`.
    OomEvents,
    /// `increase(kube_pod_container_status_restarts_total[window])`.
    Restarts,
    /// Whether kube-state-metrics' last termination reason was `OOMKilled`
    /// at some time in the window.
    OomReason,
    /// Restarts whose termination reason was `OOMKilled`, for the
    /// containers [`Measure::OomReason`] found.
    OomRestarts,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::WorkingSet => "working_set",
            Measure::WorkingSetMax => "working_set_max",
            Measure::WorkingSetFloor => "working_set_floor",
            Measure::UsageMax => "usage_max",
            Measure::LimitCadvisor => "limit_cadvisor",
            Measure::LimitKsm => "limit_kube_state_metrics",
            Measure::Failcnt => "failcnt",
            Measure::OomEvents => "oom_events",
            Measure::Restarts => "restarts",
            Measure::OomReason => "oom_reason",
            Measure::OomRestarts => "oom_restarts",
        }
    }
}

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The window, in seconds (at least an hour).
    pub window_s: u64,
    /// Label matchers added to every selector, as [`matchers`] made them
    /// (`namespace="shop",team=~"a|b"`), or empty.
    pub matchers: String,
}

impl Params {
    /// The window as PromQL writes it.
    pub fn window(&self) -> String {
        promql_duration(self.window_s)
    }

    /// The width of each of the 48 windows of the lower envelope (whole
    /// minutes, at least one).
    pub fn envelope_step_s(&self) -> u64 {
        (self.window_s / 48 / 60 * 60).max(60)
    }
}

/// One query to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySpec {
    pub measure: Measure,
    pub promql: String,
    /// Evaluate at the scan's time rounded up to a multiple of this many
    /// seconds (so that a subquery's last step is not before it), instead
    /// of at the scan's time.
    pub align_s: Option<u64>,
}

/// A container's series from one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub key: Key,
    /// (milliseconds since the epoch, value), in time order.
    pub points: Vec<(i64, f64)>,
}

/// How a query went, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryRun {
    /// What it measures ([`Measure::name`]).
    pub name: String,
    pub query: String,
    /// Wall-clock seconds, retries included.
    pub seconds: f64,
    /// Series in the answer.
    pub series: usize,
    pub tries: u32,
    /// Why it failed; its fields are then null.
    pub error: Option<String>,
}

fn selector(metric: &str, extra: &str, p: &Params) -> String {
    let mut m: Vec<&str> = Vec::new();
    if !extra.is_empty() {
        m.push(extra);
    }
    if !p.matchers.is_empty() {
        m.push(&p.matchers);
    }
    if m.is_empty() {
        metric.to_string()
    } else {
        format!("{metric}{{{}}}", m.join(","))
    }
}

const CADVISOR: &str = r#"container!="",container!="POD""#;

/// The queries of a scan, the heaviest first (they run two at a time).
pub fn queries(p: &Params) -> Vec<QuerySpec> {
    let w = p.window();
    let step = promql_duration(p.envelope_step_s());
    let ws = selector("container_memory_working_set_bytes", CADVISOR, p);
    let q = |measure, promql: String| QuerySpec {
        measure,
        promql,
        align_s: None,
    };
    vec![
        q(
            Measure::WorkingSetFloor,
            format!("(min by ({BY}) (min_over_time({ws}[{step}])))[{w}:{step}]"),
        ),
        q(
            Measure::WorkingSetMax,
            format!("(max by ({BY}) (max_over_time({ws}[{step}])))[{w}:{step}]"),
        ),
        q(
            Measure::UsageMax,
            format!(
                "max by ({BY}) (max_over_time({}[{w}]))",
                selector("container_memory_usage_bytes", CADVISOR, p)
            ),
        ),
        q(
            Measure::Failcnt,
            format!(
                "sum by ({BY}) (increase({}[{w}]))",
                selector("container_memory_failcnt", CADVISOR, p)
            ),
        ),
        q(
            Measure::Restarts,
            format!(
                "sum by ({BY}) (increase({}[{w}]))",
                selector("kube_pod_container_status_restarts_total", "", p)
            ),
        ),
        q(
            Measure::OomEvents,
            format!(
                "sum by ({BY}) (increase({}[{w}]))",
                selector("container_oom_events_total", CADVISOR, p)
            ),
        ),
        q(
            Measure::OomReason,
            format!(
                "max by ({BY}) (max_over_time({}[{w}]))",
                selector(
                    "kube_pod_container_status_last_terminated_reason",
                    r#"reason="OOMKilled""#,
                    p
                )
            ),
        ),
        // Limits as last seen in the window, so that containers gone since
        // keep theirs; looked at once per envelope step (a limit seldom
        // changes), which costs half of reading every sample.
        q(
            Measure::LimitCadvisor,
            format!(
                "max by ({BY}) (last_over_time({}[{w}:{step}]) > 0)",
                selector("container_spec_memory_limit_bytes", CADVISOR, p)
            ),
        ),
        q(
            Measure::LimitKsm,
            // kube-state-metrics 2.x, then 1.x's name.
            format!(
                "max by ({BY}) (last_over_time({}[{w}:{step}]) or last_over_time({}[{w}:{step}]))",
                selector(
                    "kube_pod_container_resource_limits",
                    r#"resource="memory""#,
                    p
                ),
                selector("kube_pod_container_resource_limits_memory_bytes", "", p)
            ),
        ),
        q(Measure::WorkingSet, format!("max by ({BY}) ({ws})")),
    ]
}

/// Containers per exact OOM-restart query: the server holds about
/// `3 x containers x minutes of the window` samples for one (at most 15
/// million for a 7-day window, under Prometheus' default
/// `--query.max-samples` of 50 million).
pub const OOM_CHUNK: usize = 500;
/// At most this many exact OOM-restart queries (so a scan runs at most 18
/// queries); containers past them count every restart while their last
/// reason was `OOMKilled` as a kill (an upper bound).
pub const OOM_CHUNKS: usize = 8;

/// The containers whose restarts may be OOM kills: kube-state-metrics gave
/// `OOMKilled` as their last termination reason in the window and they
/// restarted in it.
pub fn oom_candidates(answers: &[(Measure, Vec<Series>)]) -> Vec<Key> {
    let reason = values(answers, Measure::OomReason);
    let restarts = values(answers, Measure::Restarts);
    reason
        .iter()
        .filter(|(k, v)| **v > 0.0 && restarts.get(**k).is_some_and(|r| r.round() >= 1.0))
        .map(|(k, _)| (*k).clone())
        .collect()
}

/// The step of the exact count: five minutes, coarser for windows over a
/// week (at most 2016 steps, which keeps one query of 500 containers near
/// two seconds on a Prometheus).
pub fn oom_step_s(p: &Params) -> u64 {
    (p.window_s.div_ceil(2016)).div_ceil(60).max(5) * 60
}

/// Counts, for `candidates`, the restarts right after which the last
/// termination reason was `OOMKilled`: the restart counter's rise in each
/// step ([`oom_step_s`]), kept when the reason at the step's end is
/// `OOMKilled`. The sum of the rises telescopes to the exact number of
/// restarts; subquery steps sit on multiples of the step, so the query is
/// evaluated at the scan's time rounded up to one (a restart minutes before
/// the scan still counts). Only these containers are selected (by a regex
/// of their namespaces and pods), so the cost stays small whatever the
/// fleet. One query per [`OOM_CHUNK`] containers, at most [`OOM_CHUNKS`];
/// each comes with the containers it counts.
pub fn oom_restarts_queries(p: &Params, candidates: &[Key]) -> Vec<(QuerySpec, Vec<Key>)> {
    let w = p.window();
    let step = promql_duration(oom_step_s(p));
    candidates
        .chunks(OOM_CHUNK)
        .take(OOM_CHUNKS)
        .map(|chunk| {
            let ns: BTreeSet<&str> = chunk.iter().map(|k| k.namespace.as_str()).collect();
            let pods: BTreeSet<&str> = chunk.iter().map(|k| k.pod.as_str()).collect();
            let alt = |s: &BTreeSet<&str>| {
                promql_string(
                    &s.iter()
                        .map(|v| regex_escape(v))
                        .collect::<Vec<_>>()
                        .join("|"),
                )
            };
            let narrow = format!("namespace=~{},pod=~{}", alt(&ns), alt(&pods));
            let restarts = selector("kube_pod_container_status_restarts_total", &narrow, p);
            let reason = selector(
                "kube_pod_container_status_last_terminated_reason",
                &format!(r#"reason="OOMKilled",{narrow}"#),
                p,
            );
            (
                QuerySpec {
                    measure: Measure::OomRestarts,
                    promql: format!(
                        "sum by ({BY}) (sum_over_time((({restarts} - {restarts} offset {step}) > 0 and on ({BY}) {reason} == 1)[{w}:{step}]))"
                    ),
                    align_s: Some(oom_step_s(p)),
                },
                chunk.to_vec(),
            )
        })
        .collect()
}

/// One container, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerRisk {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The memory limit: cAdvisor's (the cgroup's), else kube-state-metrics'.
    pub limit_bytes: Option<u64>,
    /// `cadvisor` or `kube-state-metrics`.
    pub limit_source: Option<&'static str>,
    /// The working set at the time of the scan (null when the container is
    /// gone).
    pub working_set_bytes: Option<u64>,
    pub max_working_set_bytes: Option<u64>,
    pub max_usage_bytes: Option<u64>,
    /// Theil-Sen slope of the working set's lower envelope in its last
    /// life, per hour.
    pub growth_bytes_per_hour: Option<f64>,
    /// Whether Mann-Kendall finds the rise significant (z > 1.96).
    pub growing: bool,
    pub mann_kendall_z: Option<f64>,
    /// Lives of the working set in the window (restarts split them).
    pub lives: usize,
    /// Seconds from the scan's time until the working set's peaks (the
    /// floor plus the peak excess) reach the limit, when it rises
    /// significantly and still reports.
    pub time_to_limit_seconds: Option<f64>,
    /// How far the working set's peaks rise above its floor in its last
    /// life (the median of max - min of the envelope's windows).
    pub peak_excess_bytes: Option<u64>,
    /// The container has no working set at the scan's time and none in the
    /// envelope's last window: deleted or replaced. It is then neither
    /// projected nor at risk, and ranks below every container reporting.
    pub stopped_reporting: bool,
    /// When stopped: the end of the last envelope window with samples (it
    /// stopped within one window before).
    #[serde(serialize_with = "rfc3339", skip_serializing_if = "Option::is_none")]
    pub last_reported: Option<jiff::Timestamp>,
    /// Charges the memory cgroup failed in the window (cgroup v1 failcnt;
    /// cAdvisor's count of `max` events on v2).
    pub failcnt: u64,
    pub oom_kills: u64,
    /// Where `oom_kills` comes from: `kube-state-metrics`,
    /// `kube-state-metrics (upper bound)`, `cadvisor`.
    pub oom_kills_source: Option<&'static str>,
    pub restarts: u64,
    pub risk: f64,
    pub at_risk: bool,
    /// `oom-killed`, `leak`, `undersized-limit`, `page-cache`, `no-limit`,
    /// `steady`.
    pub verdict: &'static str,
    pub why: String,
    /// The working set's floor and peaks over the window, as the server
    /// computed them: for the HTML report's small charts. Not in the JSON
    /// (a fleet of 10,000 would carry a million points).
    #[serde(skip)]
    pub envelope: Envelope,
}

/// The working set's envelopes of one container: the minimum and the
/// maximum of each window, (ms since the epoch, bytes), in time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    pub floor: Vec<(i64, f64)>,
    pub peaks: Vec<(i64, f64)>,
}

fn rfc3339<S: serde::Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

/// The ranked fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scan {
    /// Containers still reporting first, riskiest first.
    pub containers: Vec<ContainerRisk>,
    pub at_risk: usize,
    /// Containers that stopped reporting before the scan's time.
    pub stopped_reporting: usize,
    /// Containers per verdict.
    pub verdicts: BTreeMap<&'static str, usize>,
}

/// The last value of each container's series in the answers to `m`
/// (keys borrowed: a fleet of 10,000 is not copied ten times).
fn values(answers: &[(Measure, Vec<Series>)], m: Measure) -> BTreeMap<&Key, f64> {
    let mut out = BTreeMap::new();
    for (_, series) in answers.iter().filter(|(x, _)| *x == m) {
        for s in series {
            if let Some(&(_, v)) = s.points.last() {
                if v.is_finite() {
                    out.insert(&s.key, v);
                }
            }
        }
    }
    out
}

/// Each container's points in the answers to `m` (a matrix), in time
/// order.
fn matrix(answers: &[(Measure, Vec<Series>)], m: Measure) -> BTreeMap<&Key, Vec<(i64, f64)>> {
    let mut out: BTreeMap<&Key, Vec<(i64, f64)>> = BTreeMap::new();
    for (_, series) in answers.iter().filter(|(x, _)| *x == m) {
        for s in series {
            let e = out.entry(&s.key).or_default();
            e.extend(s.points.iter().copied().filter(|p| p.1.is_finite()));
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|p| p.0);
    }
    out
}

fn count(v: Option<&f64>) -> u64 {
    // increase() extrapolates: 2.98 restarts are 3.
    v.map_or(0, |v| v.max(0.0).round() as u64)
}

/// An unlimited cgroup reads as 0 or as a huge page-rounded number.
fn real_limit(v: f64) -> Option<u64> {
    (v.is_finite() && v > 0.0 && v < (1u64 << 62) as f64).then_some(v as u64)
}

/// The least rise of the floor over the window that counts as growth: 2%
/// of the limit, or 16 MiB without one. Mann-Kendall alone calls one flat
/// container in twenty "rising" by chance; a fleet has thousands.
pub fn material_growth(limit_bytes: Option<u64>) -> f64 {
    limit_bytes.map_or(16.0 * 1024.0 * 1024.0, |l| l as f64 * 0.02)
}

/// The risk score (see the module's documentation).
pub fn risk(
    kills: u64,
    time_to_limit_s: Option<f64>,
    window_s: f64,
    pressure: f64,
    failcnt: u64,
) -> f64 {
    let r = if kills > 0 {
        80.0 + 20.0 * (1.0 - 0.5f64.powi(kills.min(60) as i32))
    } else {
        match time_to_limit_s {
            Some(t) if t < window_s => 50.0 + 30.0 * (1.0 - t.max(0.0) / window_s),
            _ => {
                let p = pressure.clamp(0.0, 1.0);
                let f = failcnt as f64 / (failcnt as f64 + 10.0);
                let q = ((p - 0.5) / 0.4).clamp(0.0, 1.0);
                let g = time_to_limit_s.map_or(0.0, |t| (window_s / t.max(1.0)).min(1.0));
                50.0 * (0.65 * p + 0.2 * q * f + 0.1 * g)
            }
        }
    };
    (r * 10.0).round() / 10.0
}

/// Ranks the containers the answers name. `at_ms` is the scan's time;
/// `exact` the containers whose OOM restarts [`Measure::OomRestarts`]
/// answers counted (the others with an `OOMKilled` reason count all their
/// restarts).
pub fn rank(
    p: &Params,
    at_ms: i64,
    answers: &[(Measure, Vec<Series>)],
    exact: &BTreeSet<Key>,
) -> Scan {
    let ws = values(answers, Measure::WorkingSet);
    let usage_max = values(answers, Measure::UsageMax);
    let lim_c = values(answers, Measure::LimitCadvisor);
    let lim_k = values(answers, Measure::LimitKsm);
    let failcnt = values(answers, Measure::Failcnt);
    let oom_events = values(answers, Measure::OomEvents);
    let restarts = values(answers, Measure::Restarts);
    let reason = values(answers, Measure::OomReason);
    let oom_restarts = values(answers, Measure::OomRestarts);
    let floors = matrix(answers, Measure::WorkingSetFloor);
    let peaks = matrix(answers, Measure::WorkingSetMax);
    let window_s = p.window_s as f64;
    let step_ms = p.envelope_step_s() as i64 * 1000;
    // A container is one the working set names, or one killed.
    let mut keys: BTreeSet<&Key> = BTreeSet::new();
    keys.extend(ws.keys());
    keys.extend(peaks.keys());
    keys.extend(floors.keys());
    keys.extend(oom_events.keys().filter(|k| count(oom_events.get(*k)) > 0));
    let ksm_kills = |k: &Key| -> (u64, Option<&'static str>) {
        let r = count(restarts.get(k));
        let oom_last = reason.get(k).is_some_and(|v| *v > 0.0);
        if !oom_last {
            (0, None)
        } else if exact.contains(k) {
            (count(oom_restarts.get(k)), Some("kube-state-metrics"))
        } else if r > 0 {
            (r, Some("kube-state-metrics (upper bound)"))
        } else {
            (0, None)
        }
    };
    for (k, _) in reason.iter().filter(|(_, v)| **v > 0.0) {
        if ksm_kills(k).0 > 0 {
            keys.insert(k);
        }
    }
    let mut out: Vec<ContainerRisk> = keys
        .into_iter()
        .map(|k| {
            let (limit_bytes, limit_source) = match lim_c.get(k).copied().and_then(real_limit) {
                Some(l) => (Some(l), Some("cadvisor")),
                None => match lim_k.get(k).copied().and_then(real_limit) {
                    Some(l) => (Some(l), Some("kube-state-metrics")),
                    None => (None, None),
                },
            };
            let floor = floors.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let peak_env = peaks.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let lives = trend::lives(floor);
            let life = lives
                .last()
                .filter(|r| r.len() >= 2)
                .map(|r| trend::life_of_envelopes(&floor[r.clone()], peak_env));
            let growing = life.as_ref().is_some_and(|l| {
                l.rising
                    && l.slope_per_hour.unwrap_or(0.0) * window_s / 3600.0
                        >= material_growth(limit_bytes)
            });
            let cur = ws.get(k).copied();
            // Its last samples: the end of the last envelope window with
            // any (the server's staleness hides a container at once, a
            // failed scrape too: a whole window without samples says it
            // was deleted or replaced).
            let last_ms = Ord::max(floor.last().map(|p| p.0), peak_env.last().map(|p| p.0));
            let last_reported = match last_ms {
                Some(t) if cur.is_none() && t <= at_ms - step_ms => {
                    jiff::Timestamp::from_millisecond(t).ok()
                }
                _ => None,
            };
            let stopped = last_reported.is_some();
            let ttl = match (&life, limit_bytes) {
                (Some(l), Some(lim)) if growing && !stopped => {
                    trend::time_to_limit_hours(l, lim as f64).map(|(h, _, _)| {
                        // From the envelope's last point to the scan's time.
                        let since = (at_ms - l.end_ms).max(0) as f64 / 1000.0;
                        (h * 3600.0 - since).max(0.0)
                    })
                }
                _ => None,
            };
            let (k_kills, k_src) = ksm_kills(k);
            let c_kills = count(oom_events.get(k));
            let (oom_kills, oom_kills_source) = if c_kills > k_kills {
                (c_kills, Some("cadvisor"))
            } else {
                (k_kills, k_src)
            };
            let peak = peak_env
                .iter()
                .chain(floor)
                .map(|p| p.1)
                .chain(cur)
                .reduce(f64::max);
            let pressure = match (peak, limit_bytes) {
                (Some(pk), Some(l)) => pk / l as f64,
                _ => 0.0,
            };
            let fc = count(failcnt.get(k));
            let umax = usage_max.get(k).copied();
            let verdict = if oom_kills > 0 {
                "oom-killed"
            } else if limit_bytes.is_none() {
                "no-limit"
            } else if growing {
                "leak"
            } else if umax.is_some_and(|u| u >= 0.9 * limit_bytes.unwrap_or(0) as f64)
                && pressure < 0.6
            {
                "page-cache"
            } else if pressure >= 0.9 {
                "undersized-limit"
            } else {
                "steady"
            };
            let risk = risk(oom_kills, ttl, window_s, pressure, fc);
            let at_risk = !stopped && (oom_kills > 0 || ttl.is_some_and(|t| t < window_s));
            let slope = life.as_ref().and_then(|l| l.slope_per_hour);
            let mut why = why(
                verdict,
                &Facts {
                    window: p.window(),
                    oom_kills,
                    oom_kills_source,
                    restarts: count(restarts.get(k)),
                    limit: limit_bytes,
                    slope,
                    z: life.as_ref().and_then(|l| l.mann_kendall_z),
                    growing,
                    ttl,
                    pressure,
                    usage: umax,
                    failcnt: fc,
                },
            );
            if let Some(t) = last_reported {
                why.push_str(&format!(
                    "; stopped reporting by {} (deleted or replaced): not projected to the scan's time",
                    t.strftime("%Y-%m-%d %H:%M UTC")
                ));
            }
            ContainerRisk {
                namespace: k.namespace.clone(),
                pod: k.pod.clone(),
                container: k.container.clone(),
                limit_bytes,
                limit_source,
                working_set_bytes: cur.map(|v| v.max(0.0) as u64),
                max_working_set_bytes: peak.map(|v| v.max(0.0) as u64),
                max_usage_bytes: umax.map(|v| v.max(0.0) as u64),
                growth_bytes_per_hour: slope.map(|s| s.round()),
                growing,
                mann_kendall_z: life
                    .as_ref()
                    .and_then(|l| l.mann_kendall_z)
                    .map(|z| (z * 100.0).round() / 100.0),
                lives: lives.len(),
                time_to_limit_seconds: ttl.map(|t| t.round()),
                peak_excess_bytes: life
                    .as_ref()
                    .filter(|_| !peak_env.is_empty())
                    .map(|l| l.peak_excess.max(0.0) as u64),
                stopped_reporting: stopped,
                last_reported,
                failcnt: fc,
                oom_kills,
                oom_kills_source,
                restarts: count(restarts.get(k)),
                risk,
                at_risk,
                verdict,
                why,
                envelope: Envelope {
                    floor: floor.to_vec(),
                    peaks: peak_env.to_vec(),
                },
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.stopped_reporting
            .cmp(&b.stopped_reporting)
            .then(b.risk.total_cmp(&a.risk))
            .then(b.oom_kills.cmp(&a.oom_kills))
            .then(
                a.time_to_limit_seconds
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.time_to_limit_seconds.unwrap_or(f64::INFINITY)),
            )
            .then_with(|| {
                (&a.namespace, &a.pod, &a.container).cmp(&(&b.namespace, &b.pod, &b.container))
            })
    });
    let mut verdicts = BTreeMap::new();
    for c in &out {
        *verdicts.entry(c.verdict).or_insert(0) += 1;
    }
    Scan {
        at_risk: out.iter().filter(|c| c.at_risk).count(),
        stopped_reporting: out.iter().filter(|c| c.stopped_reporting).count(),
        containers: out,
        verdicts,
    }
}

struct Facts {
    window: String,
    oom_kills: u64,
    oom_kills_source: Option<&'static str>,
    restarts: u64,
    limit: Option<u64>,
    slope: Option<f64>,
    z: Option<f64>,
    growing: bool,
    ttl: Option<f64>,
    pressure: f64,
    usage: Option<f64>,
    failcnt: u64,
}

/// Sizes in a scan's reasons: `512 MiB` (whole MiB below a GiB, `0 MiB`
/// for less), `2.50 GiB`.
const SCAN_SIZE: units::SizeStyle = units::SizeStyle {
    smallest: units::Unit::MiB,
    largest: units::Unit::GiB,
    decimals: [0, 0, 0, 2, 2],
};

fn size(b: f64) -> String {
    units::size_as(b, &SCAN_SIZE)
}

/// A duration for people: `19 h`, `3.2 d`, `40 min` ([`units::COARSE`]).
pub fn human_duration(s: f64) -> String {
    units::duration_as(s, units::COARSE)
}

fn why(verdict: &str, f: &Facts) -> String {
    let growth = || {
        match (f.slope, f.limit, f.ttl) {
        (Some(s), Some(l), Some(t)) => format!(
            "the working set's floor rises {}/h (Mann-Kendall z {:.1}) and reaches the {} limit in about {}",
            size(s),
            f.z.unwrap_or(0.0),
            size(l as f64),
            human_duration(t)
        ),
        (Some(s), _, _) => format!(
            "the working set's floor rises {}/h (Mann-Kendall z {:.1})",
            size(s),
            f.z.unwrap_or(0.0)
        ),
        _ => String::new(),
    }
    };
    let pct = f.pressure * 100.0;
    match verdict {
        "oom-killed" => {
            let mut s = format!(
                "{} OOM kill{} in {} ({}{})",
                f.oom_kills,
                if f.oom_kills == 1 { "" } else { "s" },
                f.window,
                match f.oom_kills_source {
                    Some("cadvisor") => "cAdvisor container_oom_events_total",
                    Some("kube-state-metrics (upper bound)") => {
                        "restarts while kube-state-metrics' last termination reason was OOMKilled: an upper bound"
                    }
                    _ => "restarts with kube-state-metrics' termination reason OOMKilled",
                },
                if f.restarts > f.oom_kills {
                    format!("; {} restarts in all", f.restarts)
                } else {
                    String::new()
                }
            );
            if f.growing {
                s.push_str("; ");
                s.push_str(&growth());
            } else if f.limit.is_some() {
                s.push_str(&format!("; peak working set {pct:.0}% of the limit"));
            }
            s
        }
        "leak" => growth(),
        "page-cache" => format!(
            "usage reaches {:.0}% of the limit but the working set peaks at {pct:.0}%: page cache, reclaimed before any OOM kill{}",
            f.usage.unwrap_or(0.0) / f.limit.unwrap_or(1).max(1) as f64 * 100.0,
            if f.failcnt > 0 {
                format!(" ({} failcnt from reclaim)", f.failcnt)
            } else {
                String::new()
            }
        ),
        "undersized-limit" => format!(
            "the working set peaks at {pct:.0}% of the limit without growing{}: the limit is too small for the workload",
            if f.failcnt > 0 {
                format!(", {} failed charges in {}", f.failcnt, f.window)
            } else {
                String::new()
            }
        ),
        "no-limit" => {
            "no memory limit (neither container_spec_memory_limit_bytes nor kube-state-metrics has one)"
                .to_string()
        }
        _ => format!("the working set peaks at {pct:.0}% of the limit and does not grow"),
    }
}

/// Parses a duration as Prometheus writes it: `7d`, `36h`, `1d12h`, `90m`,
/// `3600s`, `2w`, `500ms`, or plain seconds. Zero is not a duration.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let not = || format!("{s:?}: not a duration (7d, 36h, 90m, 30s, 500ms)");
    if let Ok(n) = t.parse::<u64>() {
        return (n > 0)
            .then(|| std::time::Duration::from_secs(n))
            .ok_or_else(not);
    }
    let mut total_ms: u64 = 0;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: u64 = num.parse().map_err(|_| not())?;
        num.clear();
        let ms = match unit.as_str() {
            "y" => 365 * 86_400_000,
            "w" => 7 * 86_400_000,
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            _ => return Err(format!("{s:?}: unknown unit {unit:?} (use d, h, m, s, ms)")),
        };
        total_ms = total_ms
            .checked_add(n.saturating_mul(ms))
            .ok_or_else(|| format!("{s:?}: too long"))?;
        any = true;
    }
    if !num.is_empty() || !any || total_ms == 0 {
        return Err(not());
    }
    Ok(std::time::Duration::from_millis(total_ms))
}

/// Seconds as a PromQL duration: `2d`, `3h30m`, `90s` -> `1m30s`.
pub fn promql_duration(mut s: u64) -> String {
    if s == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, n) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= n {
            out.push_str(&format!("{}{unit}", s / n));
            s %= n;
        }
    }
    out
}

/// A PromQL double-quoted string.
pub fn promql_string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The label matchers of `--namespace` and `--selector`, checked and
/// joined: `namespace="shop",team=~"pay.*"`. The selector is a comma
/// separated list of `label OP "value"` with OP one of `=`, `!=`, `=~`,
/// `!~`, optionally in braces.
pub fn matchers(namespace: Option<&str>, selector: Option<&str>) -> Result<String, String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(ns) = namespace {
        out.push(format!("namespace={}", promql_string(ns)));
    }
    if let Some(sel) = selector {
        let mut s = sel.trim();
        if let Some(inner) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
            s = inner.trim();
        }
        let b = s.as_bytes();
        let mut i = 0;
        let bad = |why: &str| {
            format!("--selector {sel:?}: {why} (want label=\"value\",other=~\"regex\")")
        };
        while i < b.len() {
            while i < b.len() && (b[i] == b' ' || b[i] == b',') {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let name = &s[start..i];
            if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
                return Err(bad("a label name is missing"));
            }
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            let op = ["=~", "!~", "!=", "="]
                .into_iter()
                .find(|op| s[i..].starts_with(op))
                .ok_or_else(|| bad(&format!("no =, !=, =~ or !~ after {name:?}")))?;
            i += op.len();
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            let q = *b.get(i).ok_or_else(|| bad("a value is missing"))?;
            if q != b'"' && q != b'\'' && q != b'`' {
                return Err(bad(&format!("the value of {name:?} is not quoted")));
            }
            let vstart = i;
            i += 1;
            while i < b.len() && b[i] != q {
                if b[i] == b'\\' && q != b'`' {
                    i += 1;
                }
                i += 1;
            }
            if i >= b.len() {
                return Err(bad(&format!("the value of {name:?} is not closed")));
            }
            i += 1;
            out.push(format!("{name}{op}{}", &s[vstart..i]));
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            if i < b.len() && b[i] != b',' {
                return Err(bad("matchers must be separated by commas"));
            }
        }
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;
    const H: i64 = 3_600_000;

    fn key(pod: &str) -> Key {
        Key {
            namespace: "ns".into(),
            pod: pod.into(),
            container: "c".into(),
        }
    }

    fn one(pod: &str, v: f64) -> Series {
        Series {
            key: key(pod),
            points: vec![(48 * H, v)],
        }
    }

    fn params() -> Params {
        Params {
            window_s: 2 * 86400,
            matchers: String::new(),
        }
    }

    #[test]
    fn durations() {
        let secs = |s: &str| parse_duration(s).map(|d| d.as_secs_f64());
        assert_eq!(secs("7d"), Ok(7.0 * 86400.0));
        assert_eq!(secs("1d12h"), Ok(36.0 * 3600.0));
        assert_eq!(secs("90m"), Ok(5400.0));
        assert_eq!(secs("3600"), Ok(3600.0));
        assert_eq!(secs("1m30s"), Ok(90.0));
        assert_eq!(secs("500ms"), Ok(0.5));
        assert!(parse_duration("7x").is_err());
        assert!(parse_duration("d").is_err());
        assert!(
            parse_duration("0s").is_err(),
            "zero would sample without end"
        );
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5").is_ok());
        assert_eq!(promql_duration(7 * 86400), "7d");
        assert_eq!(promql_duration(12600), "3h30m");
        assert_eq!(promql_duration(90), "1m30s");
        let p = Params {
            window_s: 7 * 86400,
            matchers: String::new(),
        };
        assert_eq!(p.envelope_step_s(), 12600);
    }

    #[test]
    fn selectors_are_checked_and_kept() {
        assert_eq!(
            matchers(Some("sh\"op"), Some(r#"{team=~"pay.*", app != 'x'}"#)).unwrap(),
            r#"namespace="sh\"op",team=~"pay.*",app!='x'"#
        );
        assert_eq!(
            matchers(None, Some(r#"a="x\"y",b!~"z""#)).unwrap(),
            r#"a="x\"y",b!~"z""#
        );
        assert!(matchers(None, Some("a=b")).is_err());
        assert!(matchers(None, Some(r#"a="b"c="d""#)).is_err());
        assert!(matchers(None, Some(r#"="b""#)).is_err());
        assert!(matchers(None, Some(r#"a="b"#)).is_err());
        assert_eq!(matchers(None, None).unwrap(), "");
    }

    #[test]
    fn query_count_is_fixed_and_matchers_go_everywhere() {
        let mut p = params();
        p.matchers = r#"namespace="shop""#.into();
        let qs = queries(&p);
        assert_eq!(qs.len(), 10);
        for q in &qs {
            assert!(q.promql.contains(r#"namespace="shop""#), "{}", q.promql);
            assert!(q.promql.contains(BY), "{}", q.promql);
        }
        assert!(qs[0].promql.ends_with("[2d:1h]"), "{}", qs[0].promql);
        let many: Vec<Key> = (0..500).map(|i| key(&format!("p{i}.x"))).collect();
        let q = oom_restarts_queries(&p, &many);
        assert_eq!(q.len(), 1);
        assert!(
            q[0].0.promql.contains(r#"p1\\.x|"#),
            "{}",
            &q[0].0.promql[..300]
        );
        assert!(q[0].0.promql.ends_with("[2d:5m]))"), "{}", q[0].0.promql);
        assert_eq!(q[0].0.align_s, Some(300));
        let too_many: Vec<Key> = (0..OOM_CHUNK * OOM_CHUNKS + 1)
            .map(|i| key(&format!("p{i}")))
            .collect();
        let q = oom_restarts_queries(&p, &too_many);
        assert_eq!(q.len(), OOM_CHUNKS);
        assert_eq!(
            q.iter().map(|c| c.1.len()).sum::<usize>(),
            OOM_CHUNK * OOM_CHUNKS
        );
        p.window_s = 30 * 86400;
        assert_eq!(oom_step_s(&p), 1320);
    }

    #[test]
    fn risk_tiers() {
        let w = 48.0 * 3600.0;
        let one_kill = risk(1, None, w, 0.1, 0);
        let leak_soon = risk(0, Some(3600.0), w, 0.5, 0);
        let leak_late = risk(0, Some(w * 0.9), w, 0.5, 0);
        let full = risk(0, None, w, 1.0, 10_000);
        let slow = risk(0, Some(w * 10.0), w, 0.3, 0);
        let flat = risk(0, None, w, 0.3, 0);
        assert_eq!(one_kill, 90.0);
        assert_eq!(risk(3, None, w, 0.1, 0), 97.5);
        assert!(one_kill > leak_soon && leak_soon > leak_late && leak_late > full);
        assert!(full > slow && slow > flat, "{full} {slow} {flat}");
        assert!(full < 50.0);
        assert_eq!(risk(0, None, w, 0.0, 100), 0.0);
        // Failed charges with a low working set are page cache: no risk.
        assert_eq!(risk(0, None, w, 0.3, 1000), risk(0, None, w, 0.3, 0));
        assert!(risk(0, None, w, 0.95, 1000) > risk(0, None, w, 0.95, 0));
    }

    /// A floor that rises `rate` MiB/h from `base` MiB over 48 hours.
    fn floor(pod: &str, base: f64, rate: f64) -> Series {
        Series {
            key: key(pod),
            points: (1..=48)
                .map(|h| (h * H, (base + rate * h as f64) * MIB))
                .collect(),
        }
    }

    #[test]
    fn ranks_and_judges() {
        let at = 48 * H;
        let answers = vec![
            (
                Measure::WorkingSetFloor,
                vec![
                    floor("leak", 600.0, 20.0),
                    floor("flat", 300.0, 0.0),
                    floor("full", 990.0, 0.0),
                    floor("cache", 200.0, 0.0),
                    floor("nolimit", 100.0, 0.0),
                ],
            ),
            (
                Measure::WorkingSet,
                vec![
                    one("leak", 1600.0 * MIB),
                    one("flat", 300.0 * MIB),
                    one("full", 995.0 * MIB),
                    one("cache", 200.0 * MIB),
                    one("nolimit", 100.0 * MIB),
                ],
            ),
            (
                Measure::LimitCadvisor,
                vec![
                    one("leak", 2048.0 * MIB),
                    one("flat", 1024.0 * MIB),
                    one("full", 1024.0 * MIB),
                    one("cache", 1024.0 * MIB),
                    one("nolimit", 9.223372036854772e18),
                ],
            ),
            (Measure::UsageMax, vec![one("cache", 1020.0 * MIB)]),
            (
                Measure::Failcnt,
                vec![one("full", 500.0), one("cache", 300.0)],
            ),
            (Measure::Restarts, vec![one("killed", 2.97)]),
            (Measure::OomReason, vec![one("killed", 1.0)]),
            (Measure::OomEvents, vec![one("flat", 0.0)]),
        ];
        let none = BTreeSet::new();
        let s = rank(&params(), at, &answers, &none);
        let order: Vec<&str> = s.containers.iter().map(|c| c.pod.as_str()).collect();
        assert_eq!(
            order,
            ["killed", "leak", "full", "flat", "cache", "nolimit"]
        );
        let c = |pod: &str| s.containers.iter().find(|c| c.pod == pod).unwrap();
        assert_eq!(c("killed").oom_kills, 3);
        assert_eq!(
            c("killed").oom_kills_source,
            Some("kube-state-metrics (upper bound)")
        );
        let leak = c("leak");
        assert_eq!(leak.verdict, "leak");
        assert!(leak.at_risk);
        let g = leak.growth_bytes_per_hour.unwrap() / MIB;
        assert!((g - 20.0).abs() < 0.01, "{g}");
        // (2048 - 1560) / 20 = 24.4 h from the last point, which is `at`.
        let t = leak.time_to_limit_seconds.unwrap() / 3600.0;
        assert!((t - 24.4).abs() < 0.1, "{t}");
        assert_eq!(c("full").verdict, "undersized-limit");
        assert!(!c("full").at_risk);
        assert_eq!(c("cache").verdict, "page-cache");
        assert_eq!(c("flat").verdict, "steady");
        assert_eq!(c("nolimit").verdict, "no-limit");
        assert_eq!(c("nolimit").limit_bytes, None);
        assert_eq!(s.at_risk, 2);
        // With the exact count, only restarts after an OOM kill count.
        let mut exact = answers.clone();
        exact.push((Measure::OomRestarts, vec![one("killed", 2.0)]));
        let s = rank(&params(), at, &exact, &BTreeSet::from([key("killed")]));
        assert_eq!(s.containers[0].oom_kills, 2);
        assert_eq!(s.containers[0].oom_kills_source, Some("kube-state-metrics"));
        assert_eq!(
            oom_candidates(&answers),
            vec![key("killed")],
            "restarted with an OOMKilled reason"
        );
    }

    #[test]
    fn peaks_reach_the_limit_before_the_floor() {
        // +20 MiB/h from 600 MiB, peaks 300 MiB over the floor, 2 GiB limit.
        let fl = floor("saw", 600.0, 20.0);
        let peaks = Series {
            key: key("saw"),
            points: fl
                .points
                .iter()
                .map(|&(t, v)| (t, v + 300.0 * MIB))
                .collect(),
        };
        let answers = |with_peaks: bool| {
            let mut a = vec![
                (Measure::WorkingSetFloor, vec![fl.clone()]),
                (Measure::WorkingSet, vec![one("saw", 1700.0 * MIB)]),
                (Measure::LimitCadvisor, vec![one("saw", 2048.0 * MIB)]),
            ];
            if with_peaks {
                a.push((Measure::WorkingSetMax, vec![peaks.clone()]));
            }
            a
        };
        let ttl = |with_peaks: bool| {
            let s = rank(&params(), 48 * H, &answers(with_peaks), &BTreeSet::new());
            s.containers[0].clone()
        };
        let (floor_only, with) = (ttl(false), ttl(true));
        // The floor at 48 h is 1560 MiB: 24.4 h to 2048; the peaks, 300 MiB
        // higher less one window's growth (20 MiB), get there 14 h sooner.
        let h = |c: &ContainerRisk| c.time_to_limit_seconds.unwrap() / 3600.0;
        assert!((h(&floor_only) - 24.4).abs() < 0.1, "{}", h(&floor_only));
        assert!((h(&with) - 10.4).abs() < 0.2, "{}", h(&with));
        assert_eq!(with.peak_excess_bytes, Some(280 << 20));
        assert_eq!(floor_only.peak_excess_bytes, None);
        assert_eq!(with.max_working_set_bytes, Some((1560 + 300) << 20));
    }

    #[test]
    fn a_container_that_stopped_reporting_is_not_projected() {
        // Replaced at 30 h: it leaked fast enough to reach its limit before
        // the scan, had it lived on.
        let mut gone = floor("old", 300.0, 20.0);
        gone.points.truncate(30);
        let answers = vec![
            (
                Measure::WorkingSetFloor,
                vec![gone, floor("new", 300.0, 0.0), floor("late", 300.0, 0.0)],
            ),
            (Measure::WorkingSet, vec![one("new", 300.0 * MIB)]),
            (
                Measure::LimitCadvisor,
                vec![one("old", 1024.0 * MIB), one("new", 1024.0 * MIB)],
            ),
            (Measure::Restarts, vec![one("old", 1.0)]),
            (Measure::OomReason, vec![one("old", 1.0)]),
        ];
        let s = rank(&params(), 48 * H, &answers, &BTreeSet::new());
        let order: Vec<&str> = s.containers.iter().map(|c| c.pod.as_str()).collect();
        assert_eq!(
            order,
            ["new", "late", "old"],
            "live first, whatever the risk"
        );
        let old = &s.containers[2];
        assert!(old.stopped_reporting);
        assert_eq!(old.oom_kills, 1, "its kills are history, still counted");
        assert!(!old.at_risk);
        assert_eq!(old.time_to_limit_seconds, None);
        assert_eq!(
            old.last_reported,
            Some(jiff::Timestamp::from_millisecond(30 * H).unwrap())
        );
        assert!(
            old.why
                .contains("stopped reporting by 1970-01-02 06:00 UTC"),
            "{}",
            old.why
        );
        assert_eq!((s.at_risk, s.stopped_reporting), (0, 1));
        // Without a current value but with samples in the last window: a
        // missed scrape, not a deleted pod.
        assert_eq!(s.containers[1].pod, "late");
        assert!(!s.containers[1].stopped_reporting);
        let json = serde_json::to_value(old).unwrap();
        assert_eq!(json["last_reported"], "1970-01-02T06:00:00Z");
    }

    #[test]
    fn restarts_split_the_floor_into_lives() {
        // Killed every 14 h: the last life alone gives the slope.
        let pts: Vec<(i64, f64)> = (1..=48)
            .map(|h| (h * H, (300.0 + 50.0 * (h % 14) as f64) * MIB))
            .collect();
        let answers = vec![
            (
                Measure::WorkingSetFloor,
                vec![Series {
                    key: key("saw"),
                    points: pts,
                }],
            ),
            (Measure::LimitCadvisor, vec![one("saw", 1024.0 * MIB)]),
        ];
        let s = rank(&params(), 48 * H, &answers, &BTreeSet::new());
        let c = &s.containers[0];
        assert_eq!(c.lives, 4);
        let g = c.growth_bytes_per_hour.unwrap() / MIB;
        assert!((g - 50.0).abs() < 0.5, "{g}");
    }
}
