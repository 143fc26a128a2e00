//! The knowledge base: what each cause is, how to fix it, and how to confirm
//! it, as plain data. Commands use `{ns}`, `{pod}`, `{container}` and
//! `{node}` placeholders, filled in from the Case (or left as `<pod>` when
//! unknown).

use oomlens_evidence::applog::OomeVariant;

use crate::ids::CauseId;

/// What oomlens knows about one cause.
#[derive(Debug, Clone, Copy)]
pub struct CauseInfo {
    pub id: CauseId,
    pub title: &'static str,
    pub fixes: &'static [&'static str],
    pub mitigations: &'static [&'static str],
    pub next_steps: &'static [&'static str],
}

pub const CAUSES: &[CauseInfo] = &[
    CauseInfo {
        id: CauseId::MetaspaceClassGeneration,
        title: "Metaspace leak: generated classes never unloaded",
        fixes: &[
            "create the class generator (mapper factory, proxy factory, script engine, JAXB context) once and reuse it; a new one per call generates new classes every call",
        ],
        mitigations: &[
            "cap Metaspace (-XX:MaxMetaspaceSize=256m) so the JVM fails visibly with OutOfMemoryError: Metaspace and a heap dump instead of a silent kernel kill; the cap brings Full GCs (Metadata GC Threshold) as it fills",
            "add -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps -XX:+ExitOnOutOfMemoryError",
        ],
        next_steps: &[
            "log class loading: add -Xlog:class+load,class+unload:file=/tmp/classes.log (JDK 9+) or -XX:+TraceClassLoading -XX:+TraceClassUnloading (JDK 8), then `oomlens classes classes.log`",
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 VM.metaspace",
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 GC.class_histogram",
        ],
    },
    CauseInfo {
        id: CauseId::HeapGrowth,
        title: "Java heap growth",
        fixes: &[
            "find the retained objects: take a heap dump (`jcmd <pid> GC.heap_dump /path/heap.hprof`) and look at its dominators (Eclipse MAT, VisualVM); fix the leak or bound the cache",
        ],
        mitigations: &[
            "add -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps -XX:+ExitOnOutOfMemoryError so the next one leaves a dump",
        ],
        next_steps: &[
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 GC.heap_dump /tmp/heap.hprof",
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 GC.class_histogram",
        ],
    },
    CauseInfo {
        id: CauseId::DirectMemory,
        title: "Direct (off-heap) buffer growth",
        fixes: &[
            "release direct buffers (Netty: release ByteBufs, check leak detector output with -Dio.netty.leakDetection.level=paranoid in a test)",
        ],
        mitigations: &[
            "bound direct memory with -XX:MaxDirectMemorySize (it defaults to the max heap size)",
        ],
        next_steps: &[
            "run with -XX:NativeMemoryTracking=summary, then kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 VM.native_memory summary",
        ],
    },
    CauseInfo {
        id: CauseId::ThreadGrowth,
        title: "Thread growth",
        fixes: &["bound the thread pools; find who creates threads (a thread dump groups them by name)"],
        mitigations: &["lower the stack size (-Xss512k) only if stacks are deep enough"],
        next_steps: &[
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 Thread.print | grep -c '^\"'",
        ],
    },
    CauseInfo {
        id: CauseId::NativeGrowth,
        title: "Native memory growth outside the Java heap",
        fixes: &[
            "find the native allocator: Native Memory Tracking for the JVM's own regions; for memory NMT cannot see (glibc arenas, JNI, native libraries) profile malloc",
        ],
        mitigations: &[
            "set MALLOC_ARENA_MAX=2, or use jemalloc, when glibc arenas fragment",
        ],
        next_steps: &[
            "run with -XX:NativeMemoryTracking=summary, then kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 VM.native_memory summary (twice, an hour apart; or baseline + summary.diff)",
            "kubectl exec -n {ns} {pod} -c {container} -- cat /proc/1/smaps_rollup",
        ],
    },
    CauseInfo {
        id: CauseId::HeapSizedOverLimit,
        title: "Heap sized so that heap plus non-heap exceeds the limit",
        fixes: &[
            "size the heap from the limit: -Xmx (or -XX:MaxRAMPercentage=70) below the limit, leaving room for Metaspace, code cache, thread stacks and direct memory (`oomlens budget`)",
        ],
        mitigations: &[],
        next_steps: &[
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 VM.flags",
            "kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 VM.native_memory summary",
        ],
    },
    CauseInfo {
        id: CauseId::UndersizedLimit,
        title: "The limit is smaller than the workload needs",
        fixes: &["raise the memory limit (and request) to the observed peak plus headroom"],
        mitigations: &[],
        next_steps: &[
            "look at the working set over a week: max_over_time(container_memory_working_set_bytes{namespace=\"{ns}\",pod=\"{pod}\",container=\"{container}\"}[7d])",
        ],
    },
    CauseInfo {
        id: CauseId::PageCache,
        title: "Page cache counted against the limit (usually a false alarm)",
        fixes: &[
            "judge memory by the working set without inactive file pages; page cache is reclaimed before an OOM kill",
        ],
        mitigations: &[],
        next_steps: &[
            "compare container_memory_working_set_bytes with container_memory_rss and container_memory_cache",
        ],
    },
    CauseInfo {
        id: CauseId::Unknown,
        title: "Cause not determined from this evidence",
        fixes: &[],
        mitigations: &[],
        next_steps: &[
            "kubectl logs -p -n {ns} {pod} -c {container}",
            "kubectl get pod -n {ns} {pod} -o yaml",
            "the node's kernel log: kubectl debug node/{node} -it --image=busybox -- chroot /host dmesg -T (or journalctl -k, /var/log/messages)",
        ],
    },
];

/// The entry for a cause id (every [`CauseId`] has one; a test holds it).
pub fn cause(id: CauseId) -> &'static CauseInfo {
    CAUSES
        .iter()
        .find(|c| c.id == id)
        .unwrap_or(&CAUSES[CAUSES.len() - 1])
}

/// Which cause an `OutOfMemoryError` variant points at, and what it means.
pub const OOME: &[(OomeVariant, CauseId, &str)] = &[
    (
        OomeVariant::JavaHeapSpace,
        CauseId::HeapGrowth,
        "the Java heap is full",
    ),
    (
        OomeVariant::GcOverheadLimit,
        CauseId::HeapGrowth,
        "the JVM spends nearly all its time collecting a nearly full heap",
    ),
    (
        OomeVariant::RequestedArraySize,
        CauseId::HeapGrowth,
        "an array larger than the VM allows was requested",
    ),
    (
        OomeVariant::Metaspace,
        CauseId::MetaspaceClassGeneration,
        "Metaspace (class metadata) reached MaxMetaspaceSize",
    ),
    (
        OomeVariant::CompressedClassSpace,
        CauseId::MetaspaceClassGeneration,
        "the compressed class space (class metadata) is full",
    ),
    (
        OomeVariant::DirectBufferMemory,
        CauseId::DirectMemory,
        "direct buffers reached MaxDirectMemorySize",
    ),
    (
        OomeVariant::UnableToCreateNativeThread,
        CauseId::ThreadGrowth,
        "the JVM could not start another thread (memory, pids or ulimit)",
    ),
    (
        OomeVariant::Other,
        CauseId::Unknown,
        "an unusual OutOfMemoryError",
    ),
];

/// The cause an `OutOfMemoryError` variant points at and what it means.
pub fn oome(variant: OomeVariant) -> (CauseId, &'static str) {
    OOME.iter()
        .find(|(v, _, _)| *v == variant)
        .map(|(_, id, m)| (*id, *m))
        .unwrap_or((CauseId::Unknown, "an OutOfMemoryError"))
}

/// A cause that could explain a kernel kill of a JVM that threw no
/// `OutOfMemoryError`, and how likely it is before any evidence of its own
/// (see `detect::rank` for the scale).
#[derive(Debug, Clone, Copy)]
pub struct Hypothesis {
    pub id: CauseId,
    pub prior: f64,
    pub summary: &'static str,
}

/// The hypotheses for a JVM killed in silence at the limit, most likely
/// first: Metaspace is unbounded by default and the usual silent grower,
/// then native memory, a heap too big for the limit, direct buffers (bounded
/// by the max heap by default) and threads. Each is weighed by the detector
/// of its concern (classes, nmt, heap, direct, threads).
pub const JVM_KILL_HYPOTHESES: [Hypothesis; 5] = [
    Hypothesis {
        id: CauseId::MetaspaceClassGeneration,
        prior: 0.30,
        summary: "Metaspace growth (generated classes never unloaded)",
    },
    Hypothesis {
        id: CauseId::NativeGrowth,
        prior: 0.25,
        summary: "native memory growth outside the heap",
    },
    Hypothesis {
        id: CauseId::HeapSizedOverLimit,
        prior: 0.20,
        summary: "max heap plus non-heap larger than the limit",
    },
    Hypothesis {
        id: CauseId::DirectMemory,
        prior: 0.15,
        summary: "direct buffer growth",
    },
    Hypothesis {
        id: CauseId::ThreadGrowth,
        prior: 0.10,
        summary: "thread growth",
    },
];

/// Metaspace capped by `-XX:MaxMetaspaceSize`: a leak there would have
/// thrown `OutOfMemoryError: Metaspace`, not met the kernel.
pub const METASPACE_CAPPED: f64 = 0.10;
/// Direct memory capped by `-XX:MaxDirectMemorySize`.
pub const DIRECT_CAPPED: f64 = 0.05;
/// A whole heap dump of the JVM shows too little of it (direct buffers,
/// thread stacks) to have filled the container: under 10% of the limit.
pub const DUMP_SHOWS_LITTLE: f64 = 0.05;
/// The JVM's own sizing puts the max heap at 80% of the limit or more and
/// heap plus non-heap over it: a full heap alone gets it killed.
pub const HEAP_OVER_LIMIT: f64 = 0.50;
/// The heap is sized explicitly (`-Xmx`, `MaxRAMPercentage`) and fits.
pub const HEAP_SIZED_TO_FIT: f64 = 0.10;
/// What native growth gains when the heap is sized to fit: what is left
/// outside the heap is likelier.
pub const NATIVE_WHEN_HEAP_FITS: f64 = 0.05;

/// Fills `{ns}`, `{pod}`, `{container}`, `{node}` in a command.
pub fn fill(
    template: &str,
    ns: Option<&str>,
    pod: Option<&str>,
    container: Option<&str>,
    node: Option<&str>,
) -> String {
    template
        .replace("{ns}", ns.unwrap_or("<namespace>"))
        .replace("{pod}", pod.unwrap_or("<pod>"))
        .replace("{container}", container.unwrap_or("<container>"))
        .replace("{node}", node.unwrap_or("<node>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_an_entry() {
        for (_, id, _) in OOME {
            assert_eq!(cause(*id).id, *id);
        }
        for c in CAUSES {
            assert_eq!(cause(c.id).id, c.id);
        }
        use CauseId::*;
        let every = [
            MetaspaceClassGeneration,
            HeapGrowth,
            DirectMemory,
            ThreadGrowth,
            NativeGrowth,
            HeapSizedOverLimit,
            UndersizedLimit,
            PageCache,
            Unknown,
        ];
        for id in every {
            // Exhaustive: a new CauseId does not compile until listed above.
            match id {
                MetaspaceClassGeneration
                | HeapGrowth
                | DirectMemory
                | ThreadGrowth
                | NativeGrowth
                | HeapSizedOverLimit
                | UndersizedLimit
                | PageCache
                | Unknown => {}
            }
            assert_eq!(cause(id).id, id, "{id:?} has its own entry");
        }
        assert_eq!(CAUSES.len(), every.len(), "one entry per CauseId");
        assert_eq!(oome(OomeVariant::Other).0, CauseId::Unknown);
    }

    #[test]
    fn fill_placeholders() {
        assert_eq!(
            fill(
                "{ns}/{pod}/{container}/{node}",
                Some("a"),
                None,
                Some("c"),
                None
            ),
            "a/<pod>/c/<node>"
        );
    }
}
