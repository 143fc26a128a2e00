//! The heap, and a JVM killed in silence: when the kernel killed a JVM at
//! its limit and the JVM threw no `OutOfMemoryError`, what could have
//! outgrown the limit (Metaspace, native memory, a heap sized over the
//! limit, direct buffers, threads), weighed from the flags the spec shows
//! and the JVM's own sizing for the limit. The priors are the knowledge
//! base's ([`kb::JVM_KILL_HYPOTHESES`]); each stays a hypothesis until
//! another detector shows it.

use oomlens_evidence::jvm::flags;

use crate::diagnosis::*;
use crate::ids::CauseId;
use crate::kb;

use super::{Basis, Candidate, Detector, Found, Scene};

/// The JVM-killed-in-silence detector.
pub struct JvmKill;

impl Detector for JvmKill {
    fn detect(&self, s: &Scene<'_>) -> Found {
        let mut f = Found::default();
        let latest = s.kills.last();
        if !(latest.map(|k| k.kind) == Some(KillKind::KernelMemcg) && s.signals.is_empty() && s.jvm)
        {
            return f;
        }
        let c = s.container;
        let limit = latest.and_then(|k| k.limit_bytes).or(s.spec_limit());
        let jf = c.map(flags::from_container).unwrap_or_default();
        // The raw token of a flag (as written in the spec) and its line.
        let flag = |name: &str| jf.get(name).map(|f| (f.raw.as_str(), f.line));
        let weight = |id: CauseId| {
            kb::JVM_KILL_HYPOTHESES
                .iter()
                .find(|h| h.id == id)
                .map_or(0.0, |h| h.prior)
        };
        let mut meta = weight(CauseId::MetaspaceClassGeneration);
        let mut native = weight(CauseId::NativeGrowth);
        let mut heap_over = weight(CauseId::HeapSizedOverLimit);
        let mut direct = weight(CauseId::DirectMemory);
        let thread = weight(CauseId::ThreadGrowth);
        let mut notes = Vec::new();
        let mut flag_cites = Vec::new();
        let mut cite_flag = |line: Option<u64>, what: String| {
            if let Some(l) = line {
                flag_cites.push(Cite::line(&s.pod_src, l, what));
            }
        };
        if let Some((v, line)) = flag("MaxMetaspaceSize") {
            meta = kb::METASPACE_CAPPED;
            notes.push(format!(
                "Metaspace is capped ({v}), so a Metaspace leak would have thrown OutOfMemoryError: Metaspace"
            ));
            cite_flag(line, v.to_string());
        } else {
            notes.push("Metaspace is unbounded unless -XX:MaxMetaspaceSize is set: class metadata can grow until the kernel kills the process, before any Metadata GC threshold".to_string());
        }
        if let Some((v, line)) = flag("MaxDirectMemorySize") {
            direct = kb::DIRECT_CAPPED;
            cite_flag(line, v.to_string());
        }
        let xmx = flag("MaxHeapSize");
        let pct = flag("MaxRAMPercentage");
        if let Some(l) = limit {
            if let Some((v, line)) = xmx.or(pct) {
                cite_flag(line, v.to_string());
            }
            match super::budget::heap_over_limit(c, &jf, l) {
                Some(text) => {
                    heap_over = kb::HEAP_OVER_LIMIT;
                    notes.push(text);
                }
                None if xmx.is_some() || pct.is_some() => {
                    heap_over = kb::HEAP_SIZED_TO_FIT;
                    native += kb::NATIVE_WHEN_HEAP_FITS;
                }
                None => {}
            }
        }
        let explanation = format!(
            "The kernel killed the JVM at the container limit and the JVM threw no OutOfMemoryError{}: memory the heap limit does not govern (Metaspace, direct buffers, thread stacks, native allocations), or a heap too big for the limit, outgrew it. {}.",
            if s.logs.is_empty() { " that the evidence shows (no container log was given)" } else { "" },
            notes.join("; ")
        );
        let mut evidence = s.kill_ev.clone();
        evidence.extend(s.silent_logs());
        evidence.extend(flag_cites);
        for h in kb::JVM_KILL_HYPOTHESES {
            let confidence = match h.id {
                CauseId::MetaspaceClassGeneration => meta,
                CauseId::NativeGrowth => native,
                CauseId::HeapSizedOverLimit => heap_over,
                CauseId::DirectMemory => direct,
                CauseId::ThreadGrowth => thread,
                _ => h.prior,
            };
            f.candidates.push(Candidate {
                cause: s.cause(
                    h.id,
                    confidence,
                    h.summary.to_string(),
                    explanation.clone(),
                    evidence.clone(),
                ),
                basis: Basis::Hypothesis,
            });
        }
        f
    }
}
