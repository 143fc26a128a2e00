//! The ranking pass: the one place causes of one container are weighed
//! against each other, and where `confidence` gets its meaning.
//!
//! # What `confidence` means
//!
//! A judgement on a 0..1 scale, not a probability:
//!
//! - **0.9**: the evidence names the mechanism and the culprit, and the
//!   kill fits it (a class log naming the generator whose classes were
//!   never unloaded, and a kernel kill without `OutOfMemoryError`).
//! - **0.6-0.8**: the process said so itself (an `OutOfMemoryError`
//!   variant, 0.8; another runtime's out-of-memory death, 0.7) or a
//!   measurement shows the region growing (NMT 0.7, metric series 0.6-0.75).
//! - **0.5**: fits the facts and is computed from the evidence, but nothing
//!   shows it happen (a heap the JVM sizes over the limit; a kill within
//!   minutes of every start). From 0.5 the headline says "cause"; below it
//!   says "not proven, most likely".
//! - **0.1-0.3**: a hypothesis: it fits this kind of kill and nothing in
//!   the evidence speaks for or against it; its `next_steps` would tell.
//! - **0.05 and below**: the evidence speaks against it (class loading was
//!   logged and stayed flat), or another cause explains the kill.
//!
//! # The rules, in order
//!
//! 1. Candidates are taken in the detectors' order ([`super::DETECTORS`]).
//!    One cause id stands once per container: a candidate with evidence of
//!    its own ([`Basis::Evidence`]) is dropped when a cause of its id at
//!    least as strong is there, and else replaces the weaker ones of its id
//!    (`unknown` is a catch-all and never merged). A [`Basis::Confirms`]
//!    candidate raises the hypotheses of its id to its confidence and adds
//!    its evidence; without a hypothesis to confirm it is dropped.
//! 2. [`Bearing::Against`]: that cause's hypotheses drop to [`AGAINST`].
//! 3. [`Bearing::Explained`]: every hypothesis below 0.5 steps back to
//!    [`EXPLAINED_STEP_BACK`] of its confidence (two decimals).
//! 4. [`Bearing::MitigateAll`]: the mitigation goes with every cause.
//! 5. [`order`]: all causes of the Diagnosis by confidence, highest first;
//!    equal confidences keep the detectors' order.

use crate::diagnosis::Cause;
use crate::ids::CauseId;

use super::{Basis, Bearing, Found};

/// Where a hypothesis the evidence speaks against drops to.
pub const AGAINST: f64 = 0.05;
/// What a hypothesis keeps of its confidence when another cause, shown
/// with evidence, explains the kill.
pub const EXPLAINED_STEP_BACK: f64 = 0.4;
/// Below this a cause is a hypothesis: the headline says "not proven".
pub const PROVEN: f64 = 0.5;

/// Weighs the candidates and bearings of one container's detectors into
/// its causes (rules 1 to 4).
pub fn weigh(found: Vec<Found>) -> Vec<Cause> {
    let mut causes: Vec<(Cause, Basis)> = Vec::new();
    let mut bearings = Vec::new();
    for f in found {
        for c in f.candidates {
            merge(&mut causes, c.cause, c.basis);
        }
        bearings.extend(f.bearings);
    }
    for b in &bearings {
        match b {
            Bearing::Against(id) => {
                for (c, basis) in causes.iter_mut() {
                    if c.id == *id && *basis == Basis::Hypothesis && c.confidence < PROVEN {
                        c.confidence = AGAINST;
                    }
                }
            }
            Bearing::Explained => {
                for (c, basis) in causes.iter_mut() {
                    if *basis == Basis::Hypothesis && c.confidence < PROVEN {
                        c.confidence = (c.confidence * EXPLAINED_STEP_BACK * 100.0).round() / 100.0;
                    }
                }
            }
            Bearing::MitigateAll(_) => {}
        }
    }
    let mut out: Vec<Cause> = causes.into_iter().map(|(c, _)| c).collect();
    for b in &bearings {
        if let Bearing::MitigateAll(m) = b {
            for c in out.iter_mut() {
                c.mitigations.push((*m).to_string());
            }
        }
    }
    out
}

fn merge(causes: &mut Vec<(Cause, Basis)>, cause: Cause, basis: Basis) {
    match basis {
        Basis::Hypothesis => causes.push((cause, basis)),
        Basis::Evidence if cause.id == CauseId::Unknown => causes.push((cause, basis)),
        Basis::Evidence => {
            if causes
                .iter()
                .any(|(c, _)| c.id == cause.id && c.confidence >= cause.confidence)
            {
                return;
            }
            causes.retain(|(c, _)| !(c.id == cause.id && c.confidence < cause.confidence));
            causes.push((cause, basis));
        }
        Basis::Confirms => {
            for (c, b) in causes.iter_mut() {
                if c.id == cause.id && *b == Basis::Hypothesis && c.confidence < cause.confidence {
                    c.confidence = cause.confidence;
                    c.summary = cause.summary.clone();
                    c.evidence.extend(cause.evidence.iter().cloned());
                }
            }
        }
    }
}

/// Orders the causes of the whole Diagnosis (rule 5): by confidence,
/// highest first; the sort is stable, so equal confidences keep the order
/// of the containers and of the detectors.
pub fn order(causes: &mut [Cause]) {
    causes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
}
