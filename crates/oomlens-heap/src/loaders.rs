//! Who holds the classes: the classes each class-loader instance defined,
//! loaders grouped by their class, generated-class families (the shape of
//! `oomlens_evidence::jvm::family`: one generator's classes share a shape)
//! and, apart, duplicate classes (one name defined by several loaders,
//! which is what MAT's "Duplicate Classes" lists: a different question
//! from how many classes a generator made).
//!
//! Which library made a family is the analysis' knowledge base: a family
//! carries an example name for it and leaves `library` empty here.

use crate::histogram::Classes;
use crate::hprof::Id;
use crate::names::{java_name, Strings};
use oomlens_evidence::jvm::family::shape_into;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// One class-loader instance and the classes it defined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoaderRow {
    /// The loader object's id; 0 is the bootstrap loader.
    pub loader: Id,
    /// The loader's class (`<bootstrap>` for 0).
    pub class: String,
    /// Classes it defined (array classes not counted).
    pub classes: u64,
    /// Retained bytes of the loader, when the dominator tree was computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retained: Option<u64>,
}

/// Loader instances of one class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoaderType {
    pub class: String,
    pub loaders: u64,
    /// Classes defined by all of them.
    pub classes: u64,
}

/// Classes whose names share one shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilyRow {
    /// The name with its counters and hashes as `*` (`gen.G*`).
    pub shape: String,
    /// One class of the family, as named.
    pub example: String,
    pub classes: u64,
    /// Distinct loaders that defined them.
    pub loaders: u64,
    /// The highest number a name of the family ends with (a generator's
    /// counter), for `diagnose` (not in `oomlens/heap/v1`).
    #[serde(skip)]
    pub max_seq: u64,
    /// The library that generates such classes, from the analysis'
    /// knowledge base (filled by the caller; None here or when unknown).
    pub library: Option<String>,
}

/// One class name defined by several loaders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DuplicateClass {
    pub class: String,
    pub loaders: u64,
}

/// The class-loader view of a dump.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LoaderView {
    /// Classes loaded (CLASS DUMP records, array classes not counted).
    pub classes: u64,
    /// Every loader instance that defined a class or is in the heap, by
    /// classes defined.
    pub loaders: Vec<LoaderRow>,
    pub by_type: Vec<LoaderType>,
    /// Families of two or more classes, by size.
    pub families: Vec<FamilyRow>,
    /// Class names defined by more than one loader, by loaders.
    pub duplicates: Vec<DuplicateClass>,
}

/// Builds the view from the classes and the loader instances seen
/// (`(loader object id, its class id)`).
pub(crate) fn build(classes: &Classes, instances: &[(Id, Id)], strings: &Strings) -> LoaderView {
    let mut defined: FxHashMap<Id, u64> = FxHashMap::default();
    let mut families: FxHashMap<Vec<u8>, (String, u64, Vec<Id>, u64)> = FxHashMap::default();
    let mut by_name: FxHashMap<&[u8], Vec<Id>> = FxHashMap::default();
    let mut shape = Vec::new();
    let mut view = LoaderView::default();
    for c in classes.list.iter().filter(|c| c.dumped) {
        let Some(raw) = strings.get(c.name) else {
            continue;
        };
        if raw.first() == Some(&b'[') {
            continue;
        }
        view.classes += 1;
        *defined.entry(c.loader).or_default() += 1;
        by_name.entry(raw).or_default().push(c.loader);
        let name = java_name(raw);
        shape_into(name.as_bytes(), &mut shape);
        let seq = oomlens_evidence::jvm::classload::trailing_number(name.as_bytes());
        let f = families
            .entry(shape.clone())
            .or_insert_with(|| (name, 0, Vec::new(), 0));
        f.1 += 1;
        f.2.push(c.loader);
        f.3 = f.3.max(seq);
    }

    let class_of: FxHashMap<Id, Id> = instances.iter().copied().collect();
    let loader_name = |id: Id| -> String {
        if id == 0 {
            return "<bootstrap>".into();
        }
        match class_of.get(&id) {
            Some(&c) => classes.name(c, strings),
            None => "<loader not in the dump>".into(),
        }
    };
    let mut ids: Vec<Id> = defined.keys().copied().collect();
    ids.extend(
        instances
            .iter()
            .map(|e| e.0)
            .filter(|i| !defined.contains_key(i)),
    );
    ids.sort_unstable();
    ids.dedup();
    let mut types: FxHashMap<String, (u64, u64)> = FxHashMap::default();
    for id in ids {
        let n = defined.get(&id).copied().unwrap_or(0);
        let class = loader_name(id);
        let t = types.entry(class.clone()).or_default();
        t.0 += 1;
        t.1 += n;
        view.loaders.push(LoaderRow {
            loader: id,
            class,
            classes: n,
            retained: None,
        });
    }
    view.loaders
        .sort_by(|a, b| b.classes.cmp(&a.classes).then(a.loader.cmp(&b.loader)));
    view.by_type = types
        .into_iter()
        .map(|(class, (loaders, classes))| LoaderType {
            class,
            loaders,
            classes,
        })
        .collect();
    view.by_type.sort_by(|a, b| {
        (b.loaders, b.classes)
            .cmp(&(a.loaders, a.classes))
            .then_with(|| a.class.cmp(&b.class))
    });

    view.families = families
        .into_iter()
        .filter(|(_, f)| f.1 >= 2)
        .map(|(shape, (example, n, mut loaders, max_seq))| {
            loaders.sort_unstable();
            loaders.dedup();
            FamilyRow {
                shape: String::from_utf8_lossy(&shape).into_owned(),
                example,
                classes: n,
                loaders: loaders.len() as u64,
                max_seq,
                library: None,
            }
        })
        .collect();
    view.families.sort_by(|a, b| {
        b.classes
            .cmp(&a.classes)
            .then_with(|| a.shape.cmp(&b.shape))
    });

    view.duplicates = by_name
        .into_iter()
        .filter_map(|(name, mut loaders)| {
            loaders.sort_unstable();
            loaders.dedup();
            (loaders.len() > 1).then(|| DuplicateClass {
                class: java_name(name),
                loaders: loaders.len() as u64,
            })
        })
        .collect();
    view.duplicates.sort_by(|a, b| {
        b.loaders
            .cmp(&a.loaders)
            .then_with(|| a.class.cmp(&b.class))
    });
    view
}
