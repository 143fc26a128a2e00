//! The typed ids of the Diagnosis: which cause ([`CauseId`]) and which
//! finding ([`FindingId`]). Serde writes each as the kebab-case string the
//! `oomlens/diagnosis/v1` contract names (`metaspace-class-generation`,
//! `no-oome-in-log`), so code compares variants and JSON keeps its strings.

use serde::Serialize;

/// A root cause oomlens can name. The knowledge base ([`crate::kb`]) holds
/// one entry per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseId {
    /// Classes generated at run time and never unloaded fill Metaspace.
    MetaspaceClassGeneration,
    /// The Java heap retains more and more objects.
    HeapGrowth,
    /// Direct (off-heap) buffers grow.
    DirectMemory,
    /// Threads (and their stacks) grow.
    ThreadGrowth,
    /// Native memory outside the Java heap grows.
    NativeGrowth,
    /// Max heap plus non-heap exceed the limit.
    HeapSizedOverLimit,
    /// The limit is smaller than the workload needs.
    UndersizedLimit,
    /// Page cache counted against the limit (a false alarm).
    PageCache,
    /// None of the above can be named from the evidence.
    Unknown,
}

impl CauseId {
    /// The JSON string (`heap-growth`).
    pub fn as_str(self) -> &'static str {
        match self {
            CauseId::MetaspaceClassGeneration => "metaspace-class-generation",
            CauseId::HeapGrowth => "heap-growth",
            CauseId::DirectMemory => "direct-memory",
            CauseId::ThreadGrowth => "thread-growth",
            CauseId::NativeGrowth => "native-growth",
            CauseId::HeapSizedOverLimit => "heap-sized-over-limit",
            CauseId::UndersizedLimit => "undersized-limit",
            CauseId::PageCache => "page-cache",
            CauseId::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for CauseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stated fact or observation about one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    /// Kubernetes says OOMKilled; no kernel report is in the evidence.
    KernelReportMissing,
    /// The container's log was read and holds no out-of-memory message.
    NoOomeInLog,
    /// The JVM threw `OutOfMemoryError` before the kernel killed it.
    OomeBeforeKill,
    /// Transparent huge pages held much of the anonymous memory.
    Thp,
    /// Other processes held memory in the killed cgroup.
    OtherProcesses,
    /// The pod's cgroup limit fired, not the container's.
    PodLimit,
    /// The kernel report is incomplete in the log.
    TruncatedReport,
    /// A kernel kill joined the container by time alone.
    JoinedByTime,
    /// Metaspace over time (GC logs, jcmd).
    Metaspace,
    /// A class log read without a leak in it.
    NoClassLeak,
    /// A class log shows generated classes never unloaded.
    ClassLeak,
    /// A Native Memory Tracking category grew.
    NmtGrowth,
    /// Metric series name several containers and none is known as this one.
    MemoryOverTimeAmbiguous,
    /// What the metric series say over time.
    MemoryOverTime,
    /// Each killed life foretold from its first half.
    KillForecast,
    /// The heap after GC over time (GC log): rising or a flat sawtooth.
    HeapAfterGc,
    /// Classes that grew across a series of class histograms.
    ClassHistogramGrowth,
    /// The container's memory beyond NMT's committed total, growing over
    /// time while NMT stays flat.
    NativeGap,
    /// What a heap dump of the JVM held: its size and largest classes.
    HeapDump,
    /// The heap dump's biggest consumer is not what filled the container
    /// (steady between dumps, or the heap well below the limit).
    HeapDumpNotTheFiller,
}

impl FindingId {
    /// The JSON string (`no-oome-in-log`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingId::KernelReportMissing => "kernel-report-missing",
            FindingId::NoOomeInLog => "no-oome-in-log",
            FindingId::OomeBeforeKill => "oome-before-kill",
            FindingId::Thp => "thp",
            FindingId::OtherProcesses => "other-processes",
            FindingId::PodLimit => "pod-limit",
            FindingId::TruncatedReport => "truncated-report",
            FindingId::JoinedByTime => "joined-by-time",
            FindingId::Metaspace => "metaspace",
            FindingId::NoClassLeak => "no-class-leak",
            FindingId::ClassLeak => "class-leak",
            FindingId::NmtGrowth => "nmt-growth",
            FindingId::MemoryOverTimeAmbiguous => "memory-over-time-ambiguous",
            FindingId::MemoryOverTime => "memory-over-time",
            FindingId::KillForecast => "kill-forecast",
            FindingId::HeapAfterGc => "heap-after-gc",
            FindingId::ClassHistogramGrowth => "class-histogram-growth",
            FindingId::NativeGap => "native-gap",
            FindingId::HeapDump => "heap-dump",
            FindingId::HeapDumpNotTheFiller => "heap-dump-not-the-filler",
        }
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON strings are the contract: serde and `as_str` agree.
    #[test]
    fn serde_names_are_the_contract_strings() {
        for c in [
            CauseId::MetaspaceClassGeneration,
            CauseId::HeapGrowth,
            CauseId::DirectMemory,
            CauseId::ThreadGrowth,
            CauseId::NativeGrowth,
            CauseId::HeapSizedOverLimit,
            CauseId::UndersizedLimit,
            CauseId::PageCache,
            CauseId::Unknown,
        ] {
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::Value::from(c.as_str()))
            );
        }
        for f in [
            FindingId::KernelReportMissing,
            FindingId::NoOomeInLog,
            FindingId::OomeBeforeKill,
            FindingId::Thp,
            FindingId::OtherProcesses,
            FindingId::PodLimit,
            FindingId::TruncatedReport,
            FindingId::JoinedByTime,
            FindingId::Metaspace,
            FindingId::NoClassLeak,
            FindingId::ClassLeak,
            FindingId::NmtGrowth,
            FindingId::MemoryOverTimeAmbiguous,
            FindingId::MemoryOverTime,
            FindingId::KillForecast,
            FindingId::HeapAfterGc,
            FindingId::ClassHistogramGrowth,
            FindingId::NativeGap,
            FindingId::HeapDump,
            FindingId::HeapDumpNotTheFiller,
        ] {
            assert_eq!(
                serde_json::to_value(f).ok(),
                Some(serde_json::Value::from(f.as_str()))
            );
        }
    }
}
