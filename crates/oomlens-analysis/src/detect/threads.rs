//! Threads: every thread's stack and native structures live outside the
//! heap. For a JVM killed in silence, thread growth is a hypothesis (NMT's
//! `Thread` category and the live-thread series show it grow; those
//! detectors name it then). A heap dump's threads by name pattern are
//! cited beside the hypothesis.

use crate::ids::CauseId;
use crate::wording::{silent_jvm_kill, Silent};

use super::{Detector, Found, Scene};

/// The thread detector.
pub struct Threads;

impl Detector for Threads {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if s.silent_jvm_kill() {
            f.candidates.push(s.jvm_hypothesis(
                CauseId::ThreadGrowth,
                Scene::prior(CauseId::ThreadGrowth),
                silent_jvm_kill(Silent::Threads, s.logs.is_empty()),
                super::heap_dump::thread_cites(s),
            ));
        }
        f
    }
}
