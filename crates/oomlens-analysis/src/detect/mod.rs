//! Detectors: read the Case, state findings, propose causes; one ranking
//! pass weighs the causes against each other.
//!
//! Per member of the Case, [`Scene::build`] settles the facts every
//! detector shares (the kills, the container's logs and signals, the
//! memory at the kill, the timeline). Each detector in [`DETECTORS`] then
//! reads the Scene and returns what it [`Found`]: findings, cause
//! [`Candidate`]s and [`Bearing`]s on other causes. No detector sees or
//! changes another's output; [`rank`] owns every adjustment across
//! detectors and the meaning of `confidence`.
//!
//! Adding a detector: a module with a type that implements [`Detector`],
//! and a line in [`DETECTORS`] (see docs/architecture.md, "add a detector").

mod budget;
mod classes;
mod direct;
mod heap;
mod heap_dump;
mod heap_growth;
mod kill;
mod memory;
pub mod nmt;
mod over_time;
pub mod rank;
mod scene;
mod threads;

pub use scene::Scene;

use crate::case::Case;
use crate::diagnosis::*;
use crate::ids::CauseId;

/// One concern's judgement of a member of the Case.
///
/// Only [`Detector::detect`] is required; the rest have defaults.
pub trait Detector: Sync {
    /// Reads the Scene and says what it found. Findings keep the order
    /// given; candidates are weighed by [`rank`].
    fn detect(&self, scene: &Scene<'_>) -> Found;

    /// A short name for the detector (its type name by default).
    fn name(&self) -> &'static str {
        std::any::type_name::<Self>()
            .rsplit("::")
            .next()
            .unwrap_or("detector")
    }
}

/// Every detector, in the order their findings are listed and their
/// candidates weighed (a candidate meets the earlier ones of its cause id;
/// see [`rank`]).
pub const DETECTORS: &[&dyn Detector] = &[
    &kill::Kills,
    &kill::EarlyKill,
    &memory::AtKill,
    &kill::Joins,
    &classes::Classes,
    &heap::HeapSize,
    &heap_growth::HeapGrowth,
    &heap_dump::HeapDumps,
    &direct::Direct,
    &threads::Threads,
    &nmt::Nmt,
    &over_time::OverTime,
];

/// What one detector found about one member.
#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub candidates: Vec<Candidate>,
    pub bearings: Vec<Bearing>,
    /// Kills only this detector saw (the OOM event counter of metric
    /// series), as (milliseconds since the epoch, cite).
    pub kills: Vec<crate::memtime::KnownKill>,
    /// Memory over time, from the detector that reads metric series.
    pub memory_over_time: Option<crate::memtime::MemoryOverTime>,
}

/// What a candidate cause rests on, strongest first: between causes of
/// equal confidence, the one on stronger ground ranks first (see [`rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// The process or its killer said so (an `OutOfMemoryError` variant,
    /// another runtime's out-of-memory death, the kernel's global kill, the
    /// kubelet's eviction or probe).
    Said,
    /// A measurement shows it (a class log, NMT, metric series, the
    /// kernel's memory statistics).
    Measured,
    /// The configuration shows it (flags against the limit).
    Configured,
    /// The timing shows it (a kill within minutes of every start).
    Timed,
    /// Growth that supports a hypothesis of its id without standing alone
    /// (Metaspace grows, no class log says which classes): raises the
    /// hypothesis to its confidence; without one it is dropped.
    Confirms,
    /// A hypothesis: it fits the kill, nothing shows it. Steps back when
    /// another cause is shown.
    Hypothesis,
}

impl Basis {
    /// Evidence of its own (said, measured, configured or timed).
    pub fn is_evidence(self) -> bool {
        self < Basis::Confirms
    }
}

/// A cause as one detector proposes it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub cause: Cause,
    pub basis: Basis,
}

/// What a detector's evidence says about causes other detectors propose.
#[derive(Debug, Clone, PartialEq)]
pub enum Bearing {
    /// Evidence against a cause: its hypotheses drop to
    /// [`rank::AGAINST`].
    Against(CauseId),
    /// The kill is explained by a cause shown with evidence: every
    /// hypothesis steps back ([`rank::EXPLAINED_STEP_BACK`]).
    Explained,
    /// A mitigation that goes with every cause of the container.
    MitigateAll(&'static str),
    /// A class-loading leak, shown by a class log naming the generator:
    /// its family (`*$$EnhancerByCGLIB$$*`), library and the library's
    /// runtime packages ([`crate::classes::Generator::packages`]).
    ClassLeak {
        family: String,
        library: Option<String>,
        packages: &'static [&'static str],
    },
    /// `heap-growth` with the classes the class histograms show growing
    /// (class name as the histogram prints it, bytes grown); empty when no
    /// histogram series named any.
    HeapGrowthOf(Vec<(String, u64)>),
}

/// Runs every detector over the Case.
pub fn run(case: &Case) -> Diagnosis {
    let mut containers = Vec::new();
    let mut causes = Vec::new();
    for (i, m) in case.members.iter().enumerate() {
        let (cd, mut cs) = container(case, m, i);
        containers.push(cd);
        causes.append(&mut cs);
    }
    rank::order(&mut causes);
    let oom_kill_found = containers
        .iter()
        .any(|c| c.kills.iter().any(|k| k.kind.is_oom()));
    let mut sources = case.ev.sources.clone();
    for loose in &case.loose {
        let src = &loose.source;
        if let Some(s) = sources.iter_mut().find(|s| &s.source == src) {
            s.note
                .push_str("; not tied to a container (name the file after the container)");
        }
    }
    let headline = crate::wording::headline(&containers, &causes);
    Diagnosis {
        schema: SCHEMA,
        oom_kill_found,
        headline,
        containers,
        causes,
        sources,
        warnings: case.ev.warnings.clone().into_vec(),
    }
}

/// One member: the Scene, every detector, the ranking pass.
fn container(
    case: &Case,
    m: &crate::case::Member,
    index: usize,
) -> (ContainerDiagnosis, Vec<Cause>) {
    let scene = Scene::build(case, m, index);
    let mut findings = Vec::new();
    let mut found = Vec::new();
    let mut memory_over_time = None;
    let mut metric_kills = Vec::new();
    for d in DETECTORS {
        let mut f = d.detect(&scene);
        findings.append(&mut f.findings);
        metric_kills.append(&mut f.kills);
        if f.memory_over_time.is_some() {
            memory_over_time = f.memory_over_time.take();
        }
        found.push(f);
    }
    // Every claim cites its evidence: a finding or cause left with none
    // (a detector fed by a list that came out empty) is not said at all.
    // The one place this is enforced, for every detector.
    findings.retain(|f: &Finding| !f.evidence.is_empty());
    let mut causes = rank::weigh(found);
    causes.retain(|c| !c.evidence.is_empty());
    let cd = scene.into_diagnosis(findings, memory_over_time, metric_kills);
    (cd, causes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FindingId;

    #[test]
    fn detectors_have_distinct_names() {
        let mut names: Vec<&str> = DETECTORS.iter().map(|d| d.name()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "{names:?}");
        assert!(names.contains(&"Kills"));
    }

    #[test]
    fn finding_ids_are_typed() {
        // A finding's id is a FindingId, written as its contract string.
        let f = Finding {
            id: FindingId::Thp,
            text: String::new(),
            evidence: vec![],
        };
        assert_eq!(
            serde_json::to_value(&f)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_string))
                .as_deref(),
            Some("thp")
        );
    }
}
