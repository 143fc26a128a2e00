//! Instance layouts: where each field of a class's instances sits in an
//! INSTANCE DUMP's bytes, through the whole superclass chain.
//!
//! HotSpot writes an instance's fields class first, then its superclass's,
//! up to `java.lang.Object` (`DumperSupport::dump_instance_fields`), each
//! in the order of the class's CLASS DUMP field list. A `ClassLayout` is
//! that order flattened once per class, with the offsets of the object
//! references kept apart so walking an object's references reads only them.

use crate::hprof::{BasicType, Id};
use rustc_hash::FxHashMap;

/// One instance field at its place in the dumped bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSlot {
    /// The field name's string id.
    pub name: Id,
    pub ty: BasicType,
    /// Byte offset in the INSTANCE DUMP's field bytes.
    pub offset: u32,
    /// The class that declares it.
    pub declared_by: Id,
}

/// The flattened layout of one class's instances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassLayout {
    /// Every instance field, the class's own first, then each superclass's.
    pub fields: Vec<FieldSlot>,
    /// Offsets of the object-reference fields, ascending.
    pub refs: Vec<u32>,
    /// Bytes of field data an instance dump of this class carries.
    pub dump_len: u32,
}

impl ClassLayout {
    /// The first field of this name (string id), searched from the class
    /// itself upwards, so a subclass field shadows its superclass's.
    pub fn field(&self, name: Id) -> Option<&FieldSlot> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// What a CLASS DUMP said about one class, kept for layouts.
#[derive(Clone, Debug)]
pub(crate) struct ClassEntry {
    pub super_class: Id,
    pub own: Vec<(Id, BasicType)>,
}

/// Every class seen so far and the layouts computed from them.
#[derive(Default)]
pub(crate) struct Layouts {
    classes: FxHashMap<Id, ClassEntry>,
    /// Flattened layouts, indexed through `index`.
    flat: Vec<ClassLayout>,
    index: FxHashMap<Id, u32>,
    /// A direct-mapped cache of `index`: instances of a few classes
    /// alternate, and a probe here is cheaper than a hash lookup.
    cache: Vec<(Id, u32)>,
    id_size: u8,
}

/// Slots of the class caches (a power of two).
pub(crate) const CACHE: usize = 256;

/// The cache slot of a class id (ids are addresses: drop the alignment bits).
#[inline]
pub(crate) fn cache_slot(id: Id) -> usize {
    ((id >> 3) ^ (id >> 11)) as usize & (CACHE - 1)
}

impl Layouts {
    pub(crate) fn new(id_size: u8) -> Layouts {
        Layouts {
            id_size,
            cache: vec![(u64::MAX, 0); CACHE],
            ..Layouts::default()
        }
    }

    pub(crate) fn add(&mut self, class: Id, entry: ClassEntry) {
        self.classes.insert(class, entry);
        // A class dumped again invalidates what was flattened through it;
        // dumps do not do this, so clearing everything is cheap enough.
        if self.index.contains_key(&class) {
            self.flat.clear();
            self.index.clear();
            self.cache.iter_mut().for_each(|c| *c = (u64::MAX, 0));
        }
    }

    /// The flattened layout of `class`, or None while it or a superclass
    /// has not been dumped yet (or the chain loops).
    #[inline]
    pub(crate) fn get(&mut self, class: Id) -> Option<&ClassLayout> {
        let slot = cache_slot(class);
        if let Some(&(id, i)) = self.cache.get(slot) {
            if id == class {
                return self.flat.get(i as usize);
            }
        }
        let i = match self.index.get(&class) {
            Some(&i) => i,
            None => {
                let layout = self.flatten(class)?;
                let i = self.flat.len() as u32;
                self.flat.push(layout);
                self.index.insert(class, i);
                i
            }
        };
        if let Some(c) = self.cache.get_mut(slot) {
            *c = (class, i);
        }
        self.flat.get(i as usize)
    }

    fn flatten(&self, class: Id) -> Option<ClassLayout> {
        let mut out = ClassLayout::default();
        let mut at: u32 = 0;
        let mut c = class;
        let mut depth = 0;
        while c != 0 {
            let e = self.classes.get(&c)?;
            for &(name, ty) in &e.own {
                if ty == BasicType::Object {
                    out.refs.push(at);
                }
                out.fields.push(FieldSlot {
                    name,
                    ty,
                    offset: at,
                    declared_by: c,
                });
                at = at.checked_add(ty.dump_size(self.id_size) as u32)?;
            }
            c = e.super_class;
            depth += 1;
            if depth > 10_000 {
                return None;
            }
        }
        out.dump_len = at;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_own_fields_first_then_superclasses() {
        let mut l = Layouts::new(8);
        l.add(
            1,
            ClassEntry {
                super_class: 0,
                own: vec![],
            },
        );
        l.add(
            2,
            ClassEntry {
                super_class: 1,
                own: vec![(10, BasicType::Int), (11, BasicType::Object)],
            },
        );
        l.add(
            3,
            ClassEntry {
                super_class: 2,
                own: vec![(12, BasicType::Object), (13, BasicType::Byte)],
            },
        );
        let c = l.get(3).unwrap().clone();
        assert_eq!(c.refs, vec![0, 13]);
        assert_eq!(c.dump_len, 8 + 1 + 4 + 8);
        assert_eq!(
            c.field(11).map(|f| (f.offset, f.declared_by)),
            Some((13, 2))
        );
        assert!(l.get(4).is_none());
    }

    #[test]
    fn a_missing_superclass_or_a_loop_gives_no_layout() {
        let mut l = Layouts::new(4);
        l.add(
            5,
            ClassEntry {
                super_class: 6,
                own: vec![],
            },
        );
        assert!(l.get(5).is_none());
        l.add(
            6,
            ClassEntry {
                super_class: 5,
                own: vec![],
            },
        );
        assert!(l.get(5).is_none());
    }
}
