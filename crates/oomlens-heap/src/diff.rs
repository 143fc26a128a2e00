//! Two dumps of one JVM: what grew between them. Classes (instances and
//! shallow bytes), loader types, generated-class families and the totals,
//! each as before, after and the change, compared by name (ids differ
//! between dumps). Built from two `Summary`s, so it costs one read of each.

use crate::summary::Summary;
use serde::Serialize;
use std::collections::BTreeMap;

/// One class name's objects in both dumps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassGrowth {
    pub class: String,
    pub instances_before: u64,
    pub instances_after: u64,
    pub instances_delta: i64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub bytes_delta: i64,
}

/// A count in both dumps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountGrowth {
    pub name: String,
    pub before: u64,
    pub after: u64,
    pub delta: i64,
}

/// What changed from the first dump to the second.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HeapDiff {
    /// Seconds between the dumps' header timestamps (negative: the
    /// second is older).
    pub seconds: f64,
    /// `objects`, `bytes`, `classes`, `loaders`, `threads`,
    /// `direct_owned_capacity`, `string_wasted`.
    pub totals: Vec<CountGrowth>,
    /// Classes by the growth of their shallow bytes, most first (those
    /// that did not change are left out).
    pub classes: Vec<ClassGrowth>,
    /// Loader types by the growth of their instance count.
    pub loader_types: Vec<CountGrowth>,
    /// Classes defined by each loader type, by growth.
    pub loader_type_classes: Vec<CountGrowth>,
    /// Generated-class families by the growth of their class count.
    pub families: Vec<CountGrowth>,
}

fn delta(before: u64, after: u64) -> i64 {
    (after as i128 - before as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn count(name: &str, before: u64, after: u64) -> CountGrowth {
    CountGrowth {
        name: name.into(),
        before,
        after,
        delta: delta(before, after),
    }
}

/// Counts by name in both, changed ones only, biggest growth first.
fn counts(a: BTreeMap<String, u64>, b: BTreeMap<String, u64>) -> Vec<CountGrowth> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    let mut out: Vec<CountGrowth> = names
        .into_iter()
        .map(|n| {
            count(
                n,
                a.get(n).copied().unwrap_or(0),
                b.get(n).copied().unwrap_or(0),
            )
        })
        .filter(|c| c.delta != 0)
        .collect();
    out.sort_by(|x, y| y.delta.cmp(&x.delta).then_with(|| x.name.cmp(&y.name)));
    out
}

/// What grew from `a` to `b` (whole summaries: before any truncation).
pub fn diff(a: &Summary, b: &Summary) -> HeapDiff {
    let hist = |s: &Summary| {
        let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for r in &s.histogram {
            let e = m.entry(r.class.clone()).or_default();
            e.0 += r.instances;
            e.1 += r.bytes;
        }
        m
    };
    let (ha, hb) = (hist(a), hist(b));
    let mut names: Vec<&String> = ha.keys().chain(hb.keys()).collect();
    names.sort();
    names.dedup();
    let mut classes: Vec<ClassGrowth> = names
        .into_iter()
        .map(|n| {
            let (ib, bb) = ha.get(n).copied().unwrap_or((0, 0));
            let (ia, ba) = hb.get(n).copied().unwrap_or((0, 0));
            ClassGrowth {
                class: n.clone(),
                instances_before: ib,
                instances_after: ia,
                instances_delta: delta(ib, ia),
                bytes_before: bb,
                bytes_after: ba,
                bytes_delta: delta(bb, ba),
            }
        })
        .filter(|c| c.instances_delta != 0 || c.bytes_delta != 0)
        .collect();
    classes.sort_by(|x, y| {
        y.bytes_delta
            .cmp(&x.bytes_delta)
            .then_with(|| x.class.cmp(&y.class))
    });

    let types = |s: &Summary, classes: bool| -> BTreeMap<String, u64> {
        s.class_loaders
            .by_type
            .iter()
            .map(|t| (t.class.clone(), if classes { t.classes } else { t.loaders }))
            .collect()
    };
    let families = |s: &Summary| -> BTreeMap<String, u64> {
        s.class_loaders
            .families
            .iter()
            .map(|f| (f.shape.clone(), f.classes))
            .collect()
    };
    HeapDiff {
        seconds: (b.header.timestamp_ms as f64 - a.header.timestamp_ms as f64) / 1000.0,
        totals: vec![
            count("objects", a.totals.objects, b.totals.objects),
            count("bytes", a.totals.bytes, b.totals.bytes),
            count("classes", a.class_loaders.classes, b.class_loaders.classes),
            count(
                "loaders",
                a.class_loaders.loaders.len() as u64,
                b.class_loaders.loaders.len() as u64,
            ),
            count("threads", a.threads.threads, b.threads.threads),
            count(
                "direct_owned_capacity",
                a.direct_buffers.owned_capacity,
                b.direct_buffers.owned_capacity,
            ),
            count("string_wasted", a.strings.wasted, b.strings.wasted),
        ],
        classes,
        loader_types: counts(types(a, false), types(b, false)),
        loader_type_classes: counts(types(a, true), types(b, true)),
        families: counts(families(a), families(b)),
    }
}
