//! The JVM's budget against the limit, as detectors need it: what HotSpot
//! sizes for this container (the memory model of `oomlens budget`, from
//! the flags the spec shows) and whether the heap alone takes most of the
//! limit.

use oomlens_evidence::jvm::flags::JvmFlags;
use oomlens_evidence::k8s::Container;

use crate::budget::{budget, Observed};
use crate::diagnosis::Cite;

use super::Scene;

/// How the heap is sized against the limit.
#[derive(Debug, Clone, PartialEq)]
pub enum HeapSizing<'a> {
    /// Heap plus non-heap exceed the limit and the max heap alone takes
    /// 80% of it or more: the budget's text says so.
    Over(String),
    /// `-Xmx` or `MaxRAMPercentage`, as written, and it fits.
    Fits(&'a str),
    /// The heap the JVM picks by itself fits.
    Default,
    /// No limit to set the heap against.
    NoLimit,
}

/// The heap's sizing for the Scene's kill (a Scene where a JVM ran: its
/// `budget`), and the cite of the heap flag that set it (when the limit
/// is known).
pub fn heap_sizing<'s>(s: &'s Scene<'_>) -> (HeapSizing<'s>, Option<Cite>) {
    let Some(limit) = s.kill_limit() else {
        return (HeapSizing::NoLimit, None);
    };
    let flag = s.flag("MaxHeapSize").or_else(|| s.flag("MaxRAMPercentage"));
    let cite = flag.as_ref().and_then(|(_, c)| c.clone());
    let over = s.budget.as_ref().and_then(|b| heap_over_limit(b, limit));
    let sizing = match (over, flag) {
        (Some(text), _) => HeapSizing::Over(text),
        (None, Some((raw, _))) => HeapSizing::Fits(raw),
        (None, None) => HeapSizing::Default,
    };
    (sizing, cite)
}

/// The JVM's budget in the container as the evidence shows it: its CPU
/// limit (2 without one), JDK 17, the spec's flags, nothing observed.
pub fn jvm_budget(c: Option<&Container>, flags: &JvmFlags, limit: u64) -> crate::budget::Budget {
    let cpus = c
        .and_then(|c| c.limits.cpu_millis)
        .map_or(2, |m| m.div_ceil(1000).max(1) as u32);
    budget(limit, cpus, 17, flags, &Observed::default())
}

/// Whether a heap sized for `limit` leaves room for the rest of the JVM
/// (`b`, the budget for that limit): `Some(text)` saying why not when the
/// budget finds the heap sized over the limit and the max heap alone is
/// 80% of the limit or more (the budget's non-heap baseline assumes class
/// and thread counts this evidence does not have, so only a heap that
/// takes most of the limit counts).
pub fn heap_over_limit(b: &crate::budget::Budget, limit: u64) -> Option<String> {
    let heap = b.ergonomics.max_heap_bytes;
    b.verdicts
        .iter()
        .find(|v| v.id == "heap-sized-over-limit")
        .filter(|_| heap as f64 >= 0.8 * limit as f64)
        .map(|v| v.text.clone())
}
