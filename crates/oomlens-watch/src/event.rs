//! The events the agent prints, one JSON object per line on stdout and in
//! the spool's `events.jsonl`: the contract `oomlens/watch-event/v1`
//! (`docs/json.md`). Every line carries `schema` and `event` (its kind);
//! the other fields are the kind's.

use serde::Serialize;

use crate::identity::Identity;

/// The schema name every line carries.
pub const SCHEMA: &str = "oomlens/watch-event/v1";

/// Where a kill was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KillSource {
    /// The kernel's OOM report in `/dev/kmsg`.
    KernelLog,
    /// Only the cgroup's OOM-kill counter (`memory.oom_control` /
    /// `memory.events` `oom_kill`): the kernel's report was rate-limited or
    /// lost.
    OomKillCounter,
}

/// How a kill's cgroup was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CgroupFrom {
    /// The report's `task_memcg`.
    KernelReport,
    /// The victim's `/proc/PID/cgroup`, read while it was dying.
    VictimProcess,
    /// The cgroup whose OOM-kill counter rose with no report to explain
    /// it (the oldest such increment when several are open: then a guess
    /// between them).
    OomKillCounter,
    /// Not found (`cgroup` is empty).
    None,
}

/// An OOM kill.
#[derive(Debug, Clone, Serialize)]
pub struct Kill {
    /// Stable id: `kmsg-<boot id, 8 hex>-<seq of the report's first
    /// record>`, or `counter-<n>` for a kill seen only in a counter.
    pub id: String,
    /// When the kernel killed (RFC 3339, UTC).
    pub time: String,
    pub pid: Option<u64>,
    /// The victim's command name (`comm`).
    pub process: Option<String>,
    #[serde(flatten)]
    pub who: Identity,
    /// `memcg`, `global` or `unknown` (the kernel report's kind).
    pub kind: oomlens_evidence::kernel::Kind,
    pub source: KillSource,
    /// How `cgroup` was found.
    pub cgroup_from: CgroupFrom,
    /// The memory limit that fired, bytes (the report's `memory: usage ..,
    /// limit ..` line, else the cgroup's last reading).
    pub limit_bytes: Option<u64>,
    /// The usage at the kill, bytes.
    pub usage_bytes: Option<u64>,
    /// The victim's anonymous memory, bytes (`anon-rss`).
    pub anon_rss_bytes: Option<u64>,
    /// JVM captures of this container taken before the kill.
    pub captures: usize,
    /// The spool entry holding the kill's evidence.
    pub spool: Option<String>,
}

/// A JVM's view captured through attach as its container neared its limit.
#[derive(Debug, Clone, Serialize)]
pub struct Capture {
    pub time: String,
    pub pid: u32,
    #[serde(flatten)]
    pub who: Identity,
    /// Working set / limit when the capture was asked for.
    pub ratio: f64,
    /// The level crossed: the threshold (`0.9`), the second one (`0.95`),
    /// or the early one of a histogram alone (`0.8`).
    pub level: f64,
    /// Why: `threshold` or `pressure` (failcnt / `max` events rising near
    /// it).
    pub reason: &'static str,
    /// What was run: every command, or the class histogram alone (at the
    /// early level, `--histogram-at`).
    pub scope: CaptureScope,
    /// Files written (outputs and the counter file).
    pub files: usize,
    /// Commands that failed, with why.
    pub errors: Vec<String>,
    pub took_ms: u64,
    pub spool: Option<String>,
    /// The heap dump asked for at this level (`--heap-dump-at`), when one
    /// was: written, refused for want of space, or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_dump: Option<HeapDump>,
}

/// What a capture runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaptureScope {
    /// Every command of `oomlens_live::attach::gather::ALL` and the
    /// performance-counter file.
    All,
    /// `GC.class_histogram` alone, with its time line.
    Histogram,
}

/// What became of a heap dump.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum HeapDump {
    /// In the capture's spool entry.
    Written { file: String, bytes: u64 },
    /// Not attempted: the spool's filesystem or its size limit has no
    /// room for a dump of the committed heap; `why` says by how much.
    Refused { why: String },
    /// Attempted; the JVM or the copy failed.
    Failed { why: String },
}

/// A kill's verdict: what `oomlens diagnose` says about its spool entry.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The kill's id.
    pub kill: String,
    pub time: String,
    #[serde(flatten)]
    pub who: Identity,
    /// The Diagnosis' one-line answer.
    pub headline: String,
    /// The ranked causes (id, confidence, summary), strongest first.
    pub causes: Vec<Cause>,
    pub took_ms: u64,
    /// The full Diagnosis (`oomlens/diagnosis/v1`) in the spool entry.
    pub spool: Option<String>,
    /// The same Diagnosis as an HTML report in the spool entry.
    pub html: Option<String>,
}

/// One cause of a [`Diagnosis`].
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub id: oomlens_analysis::ids::CauseId,
    pub confidence: f64,
    pub summary: String,
}

/// One container's memory in a `--once` pass.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub time: String,
    #[serde(flatten)]
    pub who: Identity,
    pub usage_bytes: u64,
    pub working_set_bytes: u64,
    pub limit_bytes: Option<u64>,
    pub ratio: Option<f64>,
    pub failcnt: u64,
    pub oom_kills: u64,
    /// Pids of JVMs with performance counters in the container.
    pub jvms: Vec<u32>,
}

/// The agent started.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub time: String,
    /// The address `/metrics` is served on, when it is.
    pub metrics: Option<String>,
    /// Where the kernel log is read from: `oldest`, `end`, or `after <seq>`.
    pub kmsg_from: String,
    pub spool: Option<String>,
}

/// Every kind of line.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    Started(Started),
    Kill(Kill),
    Capture(Capture),
    Diagnosis(Diagnosis),
    Sample(Sample),
}

#[derive(Serialize)]
struct Line<'a> {
    schema: &'static str,
    #[serde(flatten)]
    event: &'a Event,
}

impl Event {
    /// The event as one JSON line, with its `\n`.
    pub fn line(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(&Line {
            schema: SCHEMA,
            event: self,
        })
        .unwrap_or_else(|e| {
            format!(
                "{{\"schema\":\"{SCHEMA}\",\"event\":\"error\",\"error\":{:?}}}",
                e.to_string()
            )
            .into_bytes()
        });
        v.push(b'\n');
        v
    }
}

/// An instant as the events write it: RFC 3339 in UTC, milliseconds.
pub fn time(t: jiff::Timestamp) -> String {
    format!("{:.3}", t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_carries_schema_kind_and_flattened_identity() {
        let e = Event::Kill(Kill {
            id: "kmsg-0a1b2c3d-42".into(),
            time: time(jiff::Timestamp::from_second(1_700_000_000).unwrap()),
            pid: Some(7),
            process: Some("java".into()),
            who: crate::identity::Identity {
                cgroup: "/kubepods.slice/x".into(),
                ..Default::default()
            },
            kind: oomlens_evidence::kernel::Kind::Memcg,
            source: KillSource::KernelLog,
            cgroup_from: CgroupFrom::KernelReport,
            limit_bytes: Some(1 << 28),
            usage_bytes: Some(1 << 28),
            anon_rss_bytes: None,
            captures: 0,
            spool: None,
        });
        let line = e.line();
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["event"], "kill");
        assert_eq!(v["cgroup"], "/kubepods.slice/x");
        assert_eq!(v["kind"], "memcg");
        assert_eq!(v["source"], "kernel-log");
        assert_eq!(v["time"], "2023-11-14T22:13:20.000Z");
        assert!(v["namespace"].is_null());
    }
}
