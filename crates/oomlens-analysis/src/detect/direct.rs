//! Direct memory: off-heap buffers (`ByteBuffer.allocateDirect`, Netty),
//! bounded by `-XX:MaxDirectMemorySize` (by default the max heap). For a
//! JVM killed in silence, direct-buffer growth is a hypothesis, less likely
//! when the flag caps it. (NMT's `Other` category and metric series show it
//! grow; those detectors name it then.) A heap dump's direct buffers
//! (count and capacity) are cited beside the hypothesis; when a whole
//! dump shows them under 10% of the limit, the hypothesis falls to
//! [`kb::DUMP_SHOWS_LITTLE`].

use crate::ids::CauseId;
use crate::kb;
use crate::wording::{silent_jvm_kill, Silent};

use super::{Detector, Found, Scene};

/// The direct-memory detector.
pub struct Direct;

impl Detector for Direct {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        if !s.silent_jvm_kill() {
            return f;
        }
        let small = s
            .kill_limit()
            .and_then(|limit| Some((super::heap_dump::small_direct(s, limit)?, limit)));
        let (confidence, why, own) = match (s.flag("MaxDirectMemorySize"), small) {
            (Some((raw, cite)), _) => (kb::DIRECT_CAPPED, Silent::DirectCapped(raw), cite),
            (None, Some((capacity, limit))) => (
                kb::DUMP_SHOWS_LITTLE,
                Silent::DirectSmallInDump { capacity, limit },
                None,
            ),
            (None, None) => (
                Scene::prior(CauseId::DirectMemory),
                Silent::DirectDefault,
                None,
            ),
        };
        f.candidates.push(
            s.jvm_hypothesis(
                CauseId::DirectMemory,
                confidence,
                silent_jvm_kill(why, s.logs.is_empty()),
                own.into_iter()
                    .chain(super::heap_dump::direct_cites(s))
                    .collect(),
            ),
        );
        f
    }
}
