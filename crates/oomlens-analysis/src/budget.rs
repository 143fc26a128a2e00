//! The JVM against its container: where every byte can go.
//!
//! [`ergonomics`] models what HotSpot chooses in a container (JDK 11+, and
//! JDK 8u191+ with container support) from the limit, the CPU count and the
//! flags: the collector, the max heap (`-Xmx`, else `MaxRAMPercentage` of the
//! limit, with the small-memory rule that uses `MinRAMPercentage` below about
//! 250 MiB and the floor of the default `MaxHeapSize`), Metaspace and the
//! compressed class space, the code cache, thread stacks and direct memory.
//! Tests check it against the JVM's own `-XX:+PrintFlagsFinal` in real
//! cgroups.
//!
//! [`budget`] lays the regions out against the limit, says which are
//! unbounded, and recommends flags that fit, in the spirit of the Paketo
//! memory calculator: heap = limit - (Metaspace + code cache + stacks x
//! threads + direct + headroom).

use oomlens_evidence::jvm::flags::JvmFlags;
use serde::Serialize;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// What the JVM will choose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ergonomics {
    pub jdk: u32,
    pub limit_bytes: u64,
    pub cpus: u32,
    /// `G1`, `Serial`, `Parallel`, `ZGC`, `Shenandoah`.
    pub gc: String,
    pub max_heap_bytes: u64,
    /// `None`: unbounded (the default).
    pub max_metaspace_bytes: Option<u64>,
    /// The compressed class space reserved (part of Metaspace).
    pub compressed_class_space_bytes: u64,
    pub reserved_code_cache_bytes: u64,
    pub thread_stack_bytes: u64,
    /// `MaxDirectMemorySize` as it applies: the flag, else the max heap.
    pub max_direct_bytes: u64,
    pub direct_from_flag: bool,
    /// How each number was reached.
    pub notes: Vec<String>,
}

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a).saturating_mul(a)
}

/// HotSpot's default `MaxHeapSize` on 64-bit: `ScaleForWordSize(96M)`.
const DEFAULT_MAX_HEAP: u64 = 96 * MIB * 13 / 10;

/// The heap HotSpot picks and how.
fn max_heap(limit: u64, flags: &JvmFlags, gc: &str, notes: &mut Vec<String>) -> u64 {
    if let Some(x) = flags.bytes("MaxHeapSize") {
        notes.push(format!("heap: -Xmx / MaxHeapSize {} MiB", x / MIB));
        return x;
    }
    let max_pct = flags.number("MaxRAMPercentage").unwrap_or(25.0);
    let min_pct = flags.number("MinRAMPercentage").unwrap_or(50.0);
    let ram = flags.bytes("MaxRAM").map_or(limit, |m| m.min(limit));
    let reasonable_max = (ram as f64 * max_pct / 100.0) as u64;
    let reasonable_min = (ram as f64 * min_pct / 100.0) as u64;
    let heap = if reasonable_min < DEFAULT_MAX_HEAP {
        notes.push(format!(
            "heap: small memory: MinRAMPercentage {min_pct}% of {} MiB",
            ram / MIB
        ));
        reasonable_min
    } else {
        notes.push(format!(
            "heap: MaxRAMPercentage {max_pct}% of {} MiB (at least the default {:.1} MiB)",
            ram / MIB,
            DEFAULT_MAX_HEAP as f64 / MIB as f64
        ));
        reasonable_max.max(DEFAULT_MAX_HEAP)
    };
    // Heap alignment: G1 aligns to its region size, the others to 2 MiB
    // (the card table's granule on 4 KiB pages, as observed).
    let align = if gc == "G1" { g1_region(heap) } else { 2 * MIB };
    align_up(heap, align)
}

fn g1_region(heap: u64) -> u64 {
    let target = (heap / 2048).clamp(MIB, 32 * MIB);
    target.next_power_of_two().min(32 * MIB)
}

/// Models HotSpot's choices for a container.
pub fn ergonomics(limit: u64, cpus: u32, jdk: u32, flags: &JvmFlags) -> Ergonomics {
    let mut notes = Vec::new();
    let chosen = [
        ("UseG1GC", "G1"),
        ("UseSerialGC", "Serial"),
        ("UseParallelGC", "Parallel"),
        ("UseZGC", "ZGC"),
        ("UseShenandoahGC", "Shenandoah"),
    ]
    .iter()
    .find(|(f, _)| flags.bool(f) == Some(true))
    .map(|(_, g)| g.to_string());
    let gc = chosen.unwrap_or_else(|| {
        // A "server class machine": 2+ CPUs and 1792+ MiB.
        let server = cpus >= 2 && limit >= 2 * GIB - 256 * MIB;
        let g = if !server {
            "Serial"
        } else if jdk >= 9 {
            "G1"
        } else {
            "Parallel"
        };
        notes.push(format!(
            "collector: {g} ({} CPUs, {} MiB: {}a server-class machine)",
            cpus,
            limit / MIB,
            if server { "" } else { "not " }
        ));
        g.to_string()
    });
    let max_heap_bytes = max_heap(limit, flags, &gc, &mut notes);
    let max_metaspace_bytes = flags.bytes("MaxMetaspaceSize").filter(|&m| m < 1 << 62);
    let mut ccs = flags.bytes("CompressedClassSpaceSize").unwrap_or(GIB);
    if let Some(m) = max_metaspace_bytes {
        // JDK 16+ keeps the class space under 80% of MaxMetaspaceSize.
        if jdk >= 16 {
            ccs = ccs.min(align_up(8 * (m / 10), 4 * MIB));
        } else {
            ccs = ccs.min(m);
        }
    }
    let tiered = flags.bool("TieredCompilation").unwrap_or(true);
    let code =
        flags
            .bytes("ReservedCodeCacheSize")
            .unwrap_or(if tiered { 240 * MIB } else { 48 * MIB });
    let stack = flags.bytes("ThreadStackSize").unwrap_or(MIB);
    let (direct, from_flag) = match flags.bytes("MaxDirectMemorySize") {
        Some(d) if d > 0 => (d, true),
        _ => (max_heap_bytes, false),
    };
    Ergonomics {
        jdk,
        limit_bytes: limit,
        cpus,
        gc,
        max_heap_bytes,
        max_metaspace_bytes,
        compressed_class_space_bytes: ccs,
        reserved_code_cache_bytes: code,
        thread_stack_bytes: stack,
        max_direct_bytes: direct,
        direct_from_flag: from_flag,
        notes,
    }
}

/// One region of the JVM's memory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    pub name: String,
    /// Its bound, or `None` when nothing bounds it.
    pub max_bytes: Option<u64>,
    /// What was observed (NMT committed, or an estimate from class and
    /// thread counts), when known.
    pub observed_bytes: Option<u64>,
    pub note: String,
}

/// A verdict about the sizing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetVerdict {
    /// `heap-sized-over-limit`, `metaspace-unbounded`,
    /// `direct-defaults-to-heap`, `native-unbounded`, `fits`.
    pub id: String,
    pub text: String,
}

/// The budget of a JVM in its container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub limit_bytes: u64,
    pub ergonomics: Ergonomics,
    pub regions: Vec<Region>,
    /// The sum of the bounds, when every region is bounded.
    pub total_max_bytes: Option<u64>,
    /// The limit minus the bounded regions' sum (negative: over).
    pub headroom_bytes: Option<i64>,
    pub verdicts: Vec<BudgetVerdict>,
    pub recommended_flags: Vec<String>,
    pub trade_offs: Vec<String>,
}

impl Budget {
    /// Whether the JVM does not fit its limit: a heap sized over it, a limit
    /// too small for the non-heap regions, or bounded regions summing over
    /// it (printed as OVER): then the command exits with status 0.
    pub fn does_not_fit(&self) -> bool {
        self.headroom_bytes.is_some_and(|h| h < 0)
            || self
                .verdicts
                .iter()
                .any(|v| v.id == "heap-sized-over-limit" || v.id == "limit-too-small")
    }
}

/// What is known beyond the flags.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub threads: Option<u64>,
    pub classes: Option<u64>,
    /// Committed bytes per NMT category (`Java Heap`, `Class`, `Metaspace`,
    /// `Thread`, `Code`, `GC`, `Other`, ...).
    pub nmt_committed: Vec<(String, u64)>,
}

/// Paketo's defaults: 250 threads, Metaspace from the class count.
pub const DEFAULT_THREADS: u64 = 250;
const CLASS_BYTES: u64 = 5_800;
const METASPACE_BASE: u64 = 14_000_000;
const DEFAULT_CLASSES: u64 = 20_000;

/// A size as a flag would take it: whole tenths of a GiB as such, else
/// MiB rounded up (a recommended size never falls short).
fn mib(b: u64) -> String {
    use crate::units::{size_as, SizeStyle, Unit};
    if b >= GIB && b % (GIB / 10) == 0 {
        size_as(b as f64, &SizeStyle::fixed(Unit::GiB, 1))
    } else {
        size_as(
            b.div_ceil(MIB).saturating_mul(MIB) as f64,
            &SizeStyle::fixed(Unit::MiB, 0),
        )
    }
}

/// Lays the JVM's regions out against the limit.
pub fn budget(limit: u64, cpus: u32, jdk: u32, flags: &JvmFlags, seen: &Observed) -> Budget {
    let e = ergonomics(limit, cpus, jdk, flags);
    let nmt = |names: &[&str]| -> Option<u64> {
        let v: Vec<u64> = seen
            .nmt_committed
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .map(|(_, b)| *b)
            .collect();
        (!v.is_empty()).then(|| v.iter().fold(0u64, |a, b| a.saturating_add(*b)))
    };
    let threads = seen.threads.unwrap_or(DEFAULT_THREADS);
    let classes = seen.classes.unwrap_or(DEFAULT_CLASSES);
    let meta_est = classes
        .saturating_mul(CLASS_BYTES)
        .saturating_add(METASPACE_BASE);
    let gc_overhead = match e.gc.as_str() {
        "G1" => e.max_heap_bytes / 32,
        "ZGC" | "Shenandoah" => e.max_heap_bytes / 16,
        _ => e.max_heap_bytes / 64,
    };
    let regions = vec![
        Region {
            name: "Java heap".into(),
            max_bytes: Some(e.max_heap_bytes),
            observed_bytes: nmt(&["Java Heap"]),
            note: e
                .notes
                .iter()
                .find(|n| n.starts_with("heap"))
                .cloned()
                .unwrap_or_default(),
        },
        Region {
            name: "Metaspace".into(),
            max_bytes: e.max_metaspace_bytes,
            observed_bytes: nmt(&["Class", "Metaspace"]).or(Some(meta_est)),
            note: match e.max_metaspace_bytes {
                Some(_) => format!(
                    "MaxMetaspaceSize; compressed class space {} of it",
                    mib(e.compressed_class_space_bytes)
                ),
                None => format!(
                    "UNBOUNDED (no MaxMetaspaceSize); about {} for {} classes",
                    mib(meta_est),
                    classes
                ),
            },
        },
        Region {
            name: "Code cache".into(),
            max_bytes: Some(e.reserved_code_cache_bytes),
            observed_bytes: nmt(&["Code"]),
            note: "ReservedCodeCacheSize".into(),
        },
        Region {
            name: "Thread stacks".into(),
            max_bytes: Some(threads.saturating_mul(e.thread_stack_bytes)),
            observed_bytes: nmt(&["Thread"]),
            note: format!(
                "{} threads x {} (-Xss){}",
                threads,
                mib(e.thread_stack_bytes),
                if seen.threads.is_none() {
                    ", threads assumed"
                } else {
                    ""
                }
            ),
        },
        Region {
            name: "Direct buffers".into(),
            max_bytes: Some(e.max_direct_bytes),
            observed_bytes: None,
            note: if e.direct_from_flag {
                "MaxDirectMemorySize".into()
            } else {
                "MaxDirectMemorySize unset: defaults to the max heap".into()
            },
        },
        Region {
            name: "GC structures".into(),
            max_bytes: Some(gc_overhead),
            observed_bytes: nmt(&["GC"]),
            note: format!("{} remembered sets, card tables, marking (estimate)", e.gc),
        },
        Region {
            name: "Other native".into(),
            max_bytes: None,
            observed_bytes: nmt(&[
                "Internal",
                "Other",
                "Symbol",
                "Arena Chunk",
                "Compiler",
                "Shared class space",
            ]),
            note: "UNBOUNDED: malloc arenas, symbols, JIT, JNI and native libraries".into(),
        },
    ];
    let bounded: u64 = regions
        .iter()
        .filter_map(|r| r.max_bytes)
        .fold(0u64, u64::saturating_add);
    let all_bounded = regions.iter().all(|r| r.max_bytes.is_some());
    // What non-heap needs at least: Metaspace (its bound or estimate), code
    // cache in use (a quarter of its reserve is typical), stacks, GC, and a
    // native baseline.
    let baseline_native = 40 * MIB;
    let non_heap_need = e
        .max_metaspace_bytes
        .unwrap_or(meta_est)
        .min(meta_est.max(e.max_metaspace_bytes.unwrap_or(0)))
        .saturating_add(e.reserved_code_cache_bytes / 4)
        .saturating_add(threads.saturating_mul(e.thread_stack_bytes) / 4)
        .saturating_add(gc_overhead)
        .saturating_add(baseline_native);
    let mut verdicts = Vec::new();
    if e.max_heap_bytes.saturating_add(non_heap_need) > limit {
        verdicts.push(BudgetVerdict {
            id: "heap-sized-over-limit".into(),
            text: format!(
                "max heap {} + non-heap baseline {} = {} exceeds the {} limit: a full heap alone gets the JVM killed",
                mib(e.max_heap_bytes),
                mib(non_heap_need),
                mib(e.max_heap_bytes.saturating_add(non_heap_need)),
                mib(limit)
            ),
        });
    }
    if e.max_metaspace_bytes.is_none() {
        verdicts.push(BudgetVerdict {
            id: "metaspace-unbounded".into(),
            text: "Metaspace unbounded: a class leak grows it until the kernel kills the container, before any Metadata GC threshold or OutOfMemoryError".into(),
        });
    }
    if !e.direct_from_flag {
        verdicts.push(BudgetVerdict {
            id: "direct-defaults-to-heap".into(),
            text: format!(
                "direct memory defaults to the max heap ({}): off-heap buffers may take that much again outside the heap",
                mib(e.max_heap_bytes)
            ),
        });
    }
    verdicts.push(BudgetVerdict {
        id: "native-unbounded".into(),
        text: "native memory outside NMT's regions (glibc arenas, JNI) is unbounded: NMT shows what grows".into(),
    });

    // Recommended: size the heap from what is left.
    let meta_rec = align_up(
        e.max_metaspace_bytes.map_or(meta_est, |m| m.max(meta_est)),
        16 * MIB,
    );
    let code_rec = e.reserved_code_cache_bytes;
    let stacks_rec = threads.saturating_mul(e.thread_stack_bytes);
    let direct_rec = if e.direct_from_flag {
        e.max_direct_bytes
    } else {
        10 * MIB
    };
    let headroom = limit / 10;
    let rest = [meta_rec, code_rec, stacks_rec, direct_rec, headroom]
        .into_iter()
        .fold(0u64, u64::saturating_add);
    let mut recommended = Vec::new();
    let mut trade_offs = Vec::new();
    if rest.saturating_add(64 * MIB) > limit {
        verdicts.push(BudgetVerdict {
            id: "limit-too-small".into(),
            text: format!(
                "the non-heap regions need {} of the {} limit: raise the limit or cut threads and code cache",
                mib(rest),
                mib(limit)
            ),
        });
    } else {
        let heap = ((limit - rest) / MIB) * MIB;
        recommended.push(format!("-Xmx{}m", heap / MIB));
        recommended.push(format!("-XX:MaxMetaspaceSize={}m", meta_rec / MIB));
        recommended.push(format!("-XX:ReservedCodeCacheSize={}m", code_rec / MIB));
        recommended.push(format!("-XX:MaxDirectMemorySize={}m", direct_rec / MIB));
        recommended.push(format!("-Xss{}k", e.thread_stack_bytes / 1024));
    }
    recommended.push("-XX:+ExitOnOutOfMemoryError".into());
    recommended.push("-XX:+HeapDumpOnOutOfMemoryError".into());
    recommended.push("-XX:HeapDumpPath=/dumps".into());
    recommended.push("-XX:NativeMemoryTracking=summary".into());
    trade_offs.push("capping Metaspace turns a silent kernel kill into a visible OutOfMemoryError: Metaspace with a heap dump; with a class leak it also brings Full GCs at the Metadata GC threshold that cannot free anything".into());
    trade_offs.push(format!(
        "the heap is what is left after {} of non-heap and a 10% headroom: a heap leak then fails as OutOfMemoryError: Java heap space, not as a kill",
        mib(rest - headroom)
    ));
    trade_offs.push("-XX:MaxDirectMemorySize=10m suits services without Netty or NIO buffers; raise it for them".into());
    trade_offs
        .push("NativeMemoryTracking=summary costs a few percent of CPU and some memory".into());
    if verdicts.iter().all(|v| v.id == "native-unbounded") {
        verdicts.insert(
            0,
            BudgetVerdict {
                id: "fits".into(),
                text: "every bounded region fits the limit".into(),
            },
        );
    }
    Budget {
        limit_bytes: limit,
        total_max_bytes: all_bounded.then_some(bounded),
        headroom_bytes: Some(
            (i128::from(limit) - i128::from(bounded))
                .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        ),
        ergonomics: e,
        regions,
        verdicts,
        recommended_flags: recommended,
        trade_offs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oomlens_evidence::jvm::flags::from_command_line;

    fn flags(s: &str) -> JvmFlags {
        JvmFlags {
            flags: from_command_line(s, None),
            ..JvmFlags::default()
        }
    }

    #[test]
    fn small_and_large_heaps() {
        let e = ergonomics(256 * MIB, 2, 17, &flags(""));
        assert_eq!(e.gc, "Serial");
        assert_eq!(e.max_heap_bytes, 132_120_576);
        let e = ergonomics(200 * MIB, 2, 17, &flags(""));
        assert_eq!(e.max_heap_bytes, 100 * MIB);
        let e = ergonomics(3 * GIB, 2, 17, &flags(""));
        assert_eq!(e.gc, "G1");
        assert_eq!(e.max_heap_bytes, 768 * MIB);
        let e = ergonomics(3 * GIB, 2, 8, &flags(""));
        assert_eq!(e.gc, "Parallel");
        assert_eq!(e.max_direct_bytes, e.max_heap_bytes);
    }

    #[test]
    fn the_seed_budget() {
        let f = flags("-XX:MetaspaceSize=256m -XX:MaxMetaspaceSize=256m -XX:InitialRAMPercentage=50.0 -XX:MaxRAMPercentage=50.0");
        let b = budget(3 * GIB, 2, 8, &f, &Observed::default());
        assert_eq!(b.ergonomics.max_heap_bytes, 1536 * MIB);
        assert_eq!(b.ergonomics.max_metaspace_bytes, Some(256 * MIB));
        let ids: Vec<&str> = b.verdicts.iter().map(|v| v.id.as_str()).collect();
        assert!(ids.contains(&"direct-defaults-to-heap"), "{ids:?}");
        assert!(!ids.contains(&"metaspace-unbounded"));
        assert!(b.recommended_flags.iter().any(|f| f.starts_with("-Xmx")));
        assert_eq!(b.total_max_bytes, None, "other native is unbounded");
    }
}
