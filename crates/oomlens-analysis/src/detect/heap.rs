//! The heap: whether the heap the JVM is given (its flags, or what
//! HotSpot picks for the limit) leaves room for the rest of the JVM. A JVM
//! killed in silence with a heap sized over its limit is
//! `heap-sized-over-limit` with evidence; with a heap that fits, the cause
//! steps back to a hypothesis. (Heap growth read from GC logs and class
//! histograms belongs here too, as its own detector.)

use crate::ids::CauseId;
use crate::kb;
use crate::wording::{silent_jvm_kill, Silent};

use super::budget::{heap_sizing, HeapSizing};
use super::{Basis, Detector, Found, Scene};

/// The heap-sizing detector.
pub struct HeapSize;

impl Detector for HeapSize {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if !s.silent_jvm_kill() {
            return f;
        }
        let (sizing, cite) = heap_sizing(s);
        let (confidence, why) = match &sizing {
            HeapSizing::Over(text) => (kb::HEAP_OVER_LIMIT, Silent::HeapOver(text)),
            HeapSizing::Fits(raw) => (kb::HEAP_SIZED_TO_FIT, Silent::HeapFits(raw)),
            HeapSizing::Default => (
                Scene::prior(CauseId::HeapSizedOverLimit),
                Silent::HeapDefault,
            ),
            HeapSizing::NoLimit => (
                Scene::prior(CauseId::HeapSizedOverLimit),
                Silent::HeapNoLimit,
            ),
        };
        let mut c = s.jvm_hypothesis(
            CauseId::HeapSizedOverLimit,
            confidence,
            silent_jvm_kill(why, s.logs.is_empty()),
            cite.into_iter().collect(),
        );
        if matches!(sizing, HeapSizing::Over(_)) {
            // The budget computed it from the flags and the limit.
            c.basis = Basis::Configured;
        }
        f.candidates.push(c);
        f
    }
}
