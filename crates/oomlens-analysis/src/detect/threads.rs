//! Threads: every thread's stack and native structures live outside the
//! heap. For a JVM killed in silence, thread growth is a hypothesis (NMT's
//! `Thread` category and the live-thread series show it grow; those
//! detectors name it then). A heap dump's threads by name pattern are
//! cited beside the hypothesis; when a whole dump's threads, at one stack
//! each (`-Xss`, else 1 MiB), come under 10% of the limit, the hypothesis
//! falls to [`kb::DUMP_SHOWS_LITTLE`].

use crate::ids::CauseId;
use crate::kb;
use crate::wording::{silent_jvm_kill, Silent};

use super::{Detector, Found, Scene};

/// A thread's stack when `-Xss` is not set: 1 MiB on 64-bit Linux.
const DEFAULT_STACK: u64 = 1 << 20;

/// The thread detector.
pub struct Threads;

impl Detector for Threads {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if s.silent_jvm_kill() {
            let stack = s.flags.bytes("ThreadStackSize").unwrap_or(DEFAULT_STACK);
            let few = s
                .kill_limit()
                .and_then(|limit| Some((super::heap_dump::few_threads(s, limit, stack)?, limit)));
            let (confidence, why) = match few {
                Some((threads, limit)) => (
                    kb::DUMP_SHOWS_LITTLE,
                    Silent::ThreadsFewInDump {
                        threads,
                        stack,
                        limit,
                    },
                ),
                None => (Scene::prior(CauseId::ThreadGrowth), Silent::Threads),
            };
            f.candidates.push(s.jvm_hypothesis(
                CauseId::ThreadGrowth,
                confidence,
                silent_jvm_kill(why, s.logs.is_empty()),
                super::heap_dump::thread_cites(s),
            ));
        }
        f
    }
}
