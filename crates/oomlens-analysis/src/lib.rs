//! Judgement: one incident from all the evidence, and what to do about it.
//!
//! - [`case`]: the [`case::Case`], every fact the evidence gave, joined per
//!   container across sources (container id, pod UID, pod and container
//!   names, and the time and size of a kill when no id is shared).
//! - [`detect`]: detectors, one module per concern, that read only the
//!   Case and produce findings and cause candidates; one ranking pass
//!   ([`detect::rank`]) weighs them and gives `confidence` its meaning.
//! - [`wording`]: the prose the Diagnosis carries; sizes and durations
//!   through [`units`], the one implementation the report crate shares.
//! - [`ids`]: the typed ids of causes and findings ([`ids::CauseId`],
//!   [`ids::FindingId`]), written in JSON as their kebab-case strings.
//! - [`ingest`]: loaded evidence filed into the [`case::Evidence`]
//!   (`Evidence::add`), the one door from `oomlens_evidence::load`.
//! - [`heap`]: the Java heap over time from GC logs, class histograms
//!   and NMT (facts for the heap-growth detector).
//! - [`kb`]: the knowledge base, plain data: what each cause means, its
//!   fixes, and the commands that confirm it.
//! - [`diagnosis`]: the [`diagnosis::Diagnosis`], the one value every
//!   renderer shows (`oomlens/diagnosis/v1` in JSON).

pub mod budget;
pub mod case;
pub mod classes;
pub mod detect;
pub mod diagnosis;
pub mod heap;
pub mod ids;
pub mod ingest;
pub mod kb;
pub mod memtime;
pub mod metaspace;
pub mod scan;
pub mod trend;
pub mod wording;

/// Byte sizes and durations for people: the one implementation (in
/// `oomlens-evidence`), for analysis's wording and the report crate.
pub use oomlens_evidence::units;

pub use case::{Case, Evidence as CaseEvidence};
pub use diagnosis::Diagnosis;

/// Builds the Case from the evidence and judges it.
pub fn diagnose(evidence: CaseEvidence) -> Diagnosis {
    let case = Case::build(evidence);
    detect::run(&case)
}
