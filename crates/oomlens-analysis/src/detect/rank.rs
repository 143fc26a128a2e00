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
//!   measurement shows the region growing (NMT 0.7, the native gap over
//!   time 0.75, metric series 0.6-0.75).
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
//!    its own ([`Basis::is_evidence`]) is dropped when a cause of its id at
//!    least as strong is there, and else replaces the weaker ones of its id
//!    (`unknown` is a catch-all and never merged). A [`Basis::Confirms`]
//!    candidate raises the hypotheses of its id to its confidence and adds
//!    its evidence; without a hypothesis to confirm it is dropped.
//! 2. [`Bearing::Against`]: that cause's hypotheses drop to [`AGAINST`].
//! 3. [`Bearing::Explained`]: every hypothesis below 0.5 steps back to
//!    [`EXPLAINED_STEP_BACK`] of its confidence (two decimals).
//! 4. [`Bearing::ClassLeak`] with [`Bearing::HeapGrowthOf`]: heap growth
//!    whose growing classes are, by half their bytes or more, what a
//!    class-loading leak keeps on the heap (class metadata and reflection
//!    objects, the leaked family, the generator library's own objects:
//!    [`crate::classes::held_by_class_leak`]), or that no class histogram
//!    names, is the heap side of that leak: it steps down to [`FOLDED`]
//!    and its explanation begins with the class leak it belongs to, so it
//!    never stands as a rival cause. Then [`Bearing::MitigateAll`]: the
//!    mitigation goes with every cause.
//! 5. Ties are broken by evidence, never left standing: between causes of
//!    one container with equal confidence, the one on stronger ground
//!    ([`Basis`]: said, measured, configured, timed, hypothesis) ranks
//!    first, then the one with more cites no other cause of the container
//!    shares, then the knowledge base's order (specific before general);
//!    each cause after the first of a tie steps [`TIE_STEP`] below the one
//!    before it, so the numbers say the order (0.50 and 0.49, not 0.50
//!    twice).
//! 6. [`order`]: all causes of the Diagnosis by confidence, highest first;
//!    the sort is stable, so each container's order stands.
//!
//! A cause without evidence of its own (a hypothesis) carries its own
//! explanation (why it could be the cause, or why hardly), never another
//! cause's: the detectors that propose hypotheses word each from the facts
//! of their concern ([`crate::wording::silent_jvm_kill`]).

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
/// Where heap growth steps down to when a class-loading leak accounts for
/// it (rule 4): measured, but not a rival cause.
pub const FOLDED: f64 = 0.3;
/// How far a cause steps below the one before it when their confidences
/// tie.
pub const TIE_STEP: f64 = 0.01;

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
            Bearing::MitigateAll(_) | Bearing::ClassLeak { .. } | Bearing::HeapGrowthOf(_) => {}
        }
    }
    fold_heap_into_class_leak(&mut causes, &bearings);
    for b in &bearings {
        if let Bearing::MitigateAll(m) = b {
            for (c, _) in causes.iter_mut() {
                c.mitigations.push((*m).to_string());
            }
        }
    }
    break_ties(&mut causes);
    causes.into_iter().map(|(c, _)| c).collect()
}

/// Rule 4: heap growth that is the heap side of a class-loading leak
/// (the classes the histograms show growing are, by half their bytes or
/// more, [`crate::classes::held_by_class_leak`]; or no histogram named
/// any) steps down to [`FOLDED`], its explanation naming the class leak.
fn fold_heap_into_class_leak(causes: &mut [(Cause, Basis)], bearings: &[Bearing]) {
    let leak = bearings.iter().find_map(|b| match b {
        Bearing::ClassLeak {
            family,
            library,
            packages,
        } => Some((family, library, packages)),
        _ => None,
    });
    let Some((family, library, packages)) = leak else {
        return;
    };
    let explained = bearings.iter().any(|b| match b {
        Bearing::HeapGrowthOf(classes) => {
            let total: u64 = classes.iter().map(|c| c.1).sum();
            let held: u64 = classes
                .iter()
                .filter(|(name, _)| crate::classes::held_by_class_leak(name, family, packages))
                .map(|c| c.1)
                .sum();
            held * 2 >= total
        }
        _ => false,
    });
    if !explained {
        return;
    }
    for (c, _) in causes.iter_mut() {
        if c.id == CauseId::HeapGrowth && c.confidence > FOLDED {
            c.confidence = FOLDED;
            c.explanation =
                crate::wording::heap_growth_folded(family, library.as_deref(), &c.explanation);
            c.fixes
                .insert(0, crate::wording::HEAP_GROWTH_FOLDED_FIX.to_string());
        }
    }
}

/// Rule 5: ties broken by evidence, and the numbers stepped apart.
fn break_ties(causes: &mut [(Cause, Basis)]) {
    let own: Vec<usize> = causes
        .iter()
        .map(|(c, _)| {
            c.evidence
                .iter()
                .filter(|e| {
                    !causes
                        .iter()
                        .any(|(o, _)| !std::ptr::eq(o, c) && o.evidence.contains(e))
                })
                .count()
        })
        .collect();
    let kb_rank = |id: CauseId| {
        crate::kb::CAUSES
            .iter()
            .position(|k| k.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut idx: Vec<usize> = (0..causes.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ca, ba) = (&causes[a].0, causes[a].1);
        let (cb, bb) = (&causes[b].0, causes[b].1);
        cb.confidence
            .total_cmp(&ca.confidence)
            .then(ba.cmp(&bb))
            .then(own[b].cmp(&own[a]))
            .then(kb_rank(ca.id).cmp(&kb_rank(cb.id)))
    });
    let mut sorted: Vec<(Cause, Basis)> = idx.iter().map(|&i| causes[i].clone()).collect();
    for i in 1..sorted.len() {
        let before = sorted[i - 1].0.confidence;
        if sorted[i].0.confidence >= before {
            sorted[i].0.confidence = (((before - TIE_STEP) * 100.0).round() / 100.0).max(0.0);
        }
    }
    causes.clone_from_slice(&sorted);
}

fn merge(causes: &mut Vec<(Cause, Basis)>, cause: Cause, basis: Basis) {
    match basis {
        Basis::Hypothesis => causes.push((cause, basis)),
        _ if cause.id == CauseId::Unknown => causes.push((cause, basis)),
        _ if basis.is_evidence() => {
            if causes
                .iter()
                .any(|(c, _)| c.id == cause.id && c.confidence >= cause.confidence)
            {
                return;
            }
            causes.retain(|(c, _)| !(c.id == cause.id && c.confidence < cause.confidence));
            causes.push((cause, basis));
        }
        _ => {
            // Confirms: the hypothesis gains the growth as its own evidence
            // and its own explanation.
            for (c, b) in causes.iter_mut() {
                if c.id == cause.id && *b == Basis::Hypothesis && c.confidence < cause.confidence {
                    c.confidence = cause.confidence;
                    c.summary = cause.summary.clone();
                    c.explanation = cause.explanation.clone();
                    c.evidence.extend(cause.evidence.iter().cloned());
                    *b = Basis::Measured;
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

#[cfg(test)]
mod tests {
    use super::super::Candidate;
    use super::*;
    use crate::diagnosis::Cite;

    fn cause(id: CauseId, confidence: f64, cites: &[u64]) -> Cause {
        Cause {
            id,
            confidence,
            container: Some(0),
            summary: id.to_string(),
            explanation: format!("why {id}"),
            evidence: cites.iter().map(|&l| Cite::line("f", l, "x")).collect(),
            fixes: vec![],
            mitigations: vec![],
            next_steps: vec![],
        }
    }

    fn found(c: Vec<(Cause, Basis)>, bearings: Vec<Bearing>) -> Found {
        Found {
            candidates: c
                .into_iter()
                .map(|(cause, basis)| Candidate { cause, basis })
                .collect(),
            bearings,
            ..Found::default()
        }
    }

    fn ids(cs: &[Cause]) -> Vec<(CauseId, f64)> {
        cs.iter().map(|c| (c.id, c.confidence)).collect()
    }

    fn class_leak() -> Bearing {
        Bearing::ClassLeak {
            family: "*$$EnhancerByCGLIB$$*".into(),
            library: Some("cglib".into()),
            packages: &["net.sf.cglib."],
        }
    }

    #[test]
    fn heap_growth_of_leaked_classes_folds_into_the_class_leak() {
        let leak = (
            cause(CauseId::MetaspaceClassGeneration, 0.9, &[1]),
            Basis::Measured,
        );
        let heap = (cause(CauseId::HeapGrowth, 0.85, &[2]), Basis::Measured);
        let weighed = |of: Vec<(String, u64)>, with_leak: bool| {
            let mut bearings = vec![Bearing::HeapGrowthOf(of)];
            if with_leak {
                bearings.push(class_leak());
            }
            weigh(vec![found(vec![leak.clone(), heap.clone()], bearings)])
        };
        // Reflection objects and the generator's own: folded.
        let out = weighed(
            vec![
                ("java.lang.reflect.Method".into(), 40 << 20),
                ("net.sf.cglib.proxy.MethodProxy".into(), 8 << 20),
                ("[B".into(), 4 << 20),
            ],
            true,
        );
        assert_eq!(
            ids(&out),
            vec![
                (CauseId::MetaspaceClassGeneration, 0.9),
                (CauseId::HeapGrowth, FOLDED)
            ]
        );
        assert!(out[1]
            .explanation
            .starts_with("Because of the class-loading leak"));
        assert!(out[1].explanation.contains("*$$EnhancerByCGLIB$$*"));
        assert_eq!(out[1].fixes[0], crate::wording::HEAP_GROWTH_FOLDED_FIX);
        // No histogram named the classes: folded as well.
        assert_eq!(weighed(vec![], true)[1].confidence, FOLDED);
        // byte[] most of the growth: a heap leak of its own, a rival.
        let out = weighed(
            vec![
                ("[B".into(), 40 << 20),
                ("java.lang.reflect.Method".into(), 8 << 20),
            ],
            true,
        );
        assert_eq!(out[1].confidence, 0.85);
        assert_eq!(out[1].explanation, "why heap-growth");
        // Without a class leak nothing folds.
        assert_eq!(weighed(vec![], false)[1].confidence, 0.85);
    }

    #[test]
    fn ties_are_broken_by_evidence_and_stepped_apart() {
        let out = weigh(vec![
            found(
                vec![(
                    cause(CauseId::UndersizedLimit, 0.5, &[1, 2, 3]),
                    Basis::Timed,
                )],
                vec![],
            ),
            found(
                vec![(
                    cause(CauseId::HeapSizedOverLimit, 0.5, &[1]),
                    Basis::Configured,
                )],
                vec![],
            ),
        ]);
        assert_eq!(
            ids(&out),
            vec![
                (CauseId::HeapSizedOverLimit, 0.5),
                (CauseId::UndersizedLimit, 0.49)
            ]
        );
    }

    #[test]
    fn equal_hypotheses_follow_own_cites_then_the_knowledge_base() {
        let out = weigh(vec![found(
            vec![
                (cause(CauseId::ThreadGrowth, 0.1, &[1]), Basis::Hypothesis),
                (
                    cause(CauseId::HeapSizedOverLimit, 0.1, &[1, 7]),
                    Basis::Hypothesis,
                ),
                (
                    cause(CauseId::MetaspaceClassGeneration, 0.1, &[1]),
                    Basis::Hypothesis,
                ),
            ],
            vec![],
        )]);
        assert_eq!(
            ids(&out),
            vec![
                (CauseId::HeapSizedOverLimit, 0.1),
                (CauseId::MetaspaceClassGeneration, 0.09),
                (CauseId::ThreadGrowth, 0.08)
            ]
        );
    }

    #[test]
    fn shown_cause_replaces_its_hypothesis_and_the_rest_step_back() {
        let out = weigh(vec![
            found(
                vec![
                    (
                        cause(CauseId::MetaspaceClassGeneration, 0.3, &[1]),
                        Basis::Hypothesis,
                    ),
                    (cause(CauseId::NativeGrowth, 0.25, &[1]), Basis::Hypothesis),
                ],
                vec![],
            ),
            found(
                vec![(
                    cause(CauseId::MetaspaceClassGeneration, 0.9, &[5]),
                    Basis::Measured,
                )],
                vec![Bearing::Explained, Bearing::MitigateAll("m")],
            ),
        ]);
        assert_eq!(
            ids(&out),
            vec![
                (CauseId::MetaspaceClassGeneration, 0.9),
                (CauseId::NativeGrowth, 0.1)
            ]
        );
        assert!(out.iter().all(|c| c.mitigations == ["m"]));
    }

    #[test]
    fn weaker_evidence_of_a_shown_cause_is_dropped_and_unknowns_stay() {
        let out = weigh(vec![found(
            vec![
                (cause(CauseId::NativeGrowth, 0.7, &[1]), Basis::Measured),
                (cause(CauseId::NativeGrowth, 0.6, &[2]), Basis::Measured),
                (cause(CauseId::Unknown, 0.6, &[3]), Basis::Said),
                (cause(CauseId::Unknown, 0.5, &[4]), Basis::Measured),
            ],
            vec![],
        )]);
        assert_eq!(
            ids(&out),
            vec![
                (CauseId::NativeGrowth, 0.7),
                (CauseId::Unknown, 0.6),
                (CauseId::Unknown, 0.5)
            ]
        );
    }

    #[test]
    fn against_and_confirms_act_on_hypotheses_only() {
        let mut grows = cause(CauseId::MetaspaceClassGeneration, 0.6, &[9]);
        grows.explanation = "Metaspace grows".into();
        let out = weigh(vec![
            found(
                vec![(
                    cause(CauseId::MetaspaceClassGeneration, 0.3, &[1]),
                    Basis::Hypothesis,
                )],
                vec![],
            ),
            found(vec![(grows, Basis::Confirms)], vec![]),
        ]);
        assert_eq!(ids(&out), vec![(CauseId::MetaspaceClassGeneration, 0.6)]);
        // Confirmed, it speaks for itself.
        assert_eq!(out[0].explanation, "Metaspace grows");
        assert_eq!(out[0].evidence.len(), 2);
        // A Confirms without a hypothesis to confirm stands for nothing.
        let out = weigh(vec![found(
            vec![(
                cause(CauseId::MetaspaceClassGeneration, 0.6, &[9]),
                Basis::Confirms,
            )],
            vec![],
        )]);
        assert!(out.is_empty());
        let out = weigh(vec![found(
            vec![
                (
                    cause(CauseId::MetaspaceClassGeneration, 0.3, &[1]),
                    Basis::Hypothesis,
                ),
                (
                    cause(CauseId::MetaspaceClassGeneration, 0.8, &[2]),
                    Basis::Said,
                ),
            ],
            vec![Bearing::Against(CauseId::MetaspaceClassGeneration)],
        )]);
        assert_eq!(ids(&out), vec![(CauseId::MetaspaceClassGeneration, 0.8)]);
    }
}
