//! The class histogram: instances and shallow bytes per class, as
//! `GC.class_histogram` counts them, plus arrays by element type and totals.
//!
//! One pass keeps one small record per class (dense, indexed through one
//! map from class id with a one-entry cache, since a class's instances
//! often come in runs) and nothing per object: an instance's size is its
//! class's, an array's is summed as it passes.

use crate::hprof::{BasicType, Id};
use crate::layout::ClassLayout;
use crate::names::{java_name, Strings};
use crate::reader::{ClassDump, LoadClass};
use crate::sizing::Sizing;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// What kind of objects a histogram row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Instance,
    ObjectArray,
    PrimitiveArray,
    /// `java.lang.Class`: the class objects (mirrors) themselves.
    Class,
}

/// One class's objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassRow {
    /// The Java name (`java.lang.String`, `byte[]`).
    pub class: String,
    /// The class object's id (0 for the primitive array rows).
    pub class_id: Id,
    /// The defining loader's id (0: the boot loader).
    pub loader: Id,
    pub kind: RowKind,
    pub instances: u64,
    /// Shallow bytes, as the JVM counts them.
    pub bytes: u64,
}

/// Arrays of one element type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArrayRow {
    /// `byte`, ..., or `object` for every object array.
    pub element: String,
    pub arrays: u64,
    /// Elements in all of them.
    pub elements: u64,
    pub bytes: u64,
}

/// Everything in the heap, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub objects: u64,
    pub bytes: u64,
    pub instances: u64,
    pub instance_bytes: u64,
    pub object_arrays: u64,
    pub object_array_bytes: u64,
    pub primitive_arrays: u64,
    pub primitive_array_bytes: u64,
    /// Classes dumped (CLASS DUMP records), array classes included.
    pub classes: u64,
    pub class_bytes: u64,
}

/// What a pass does with a class's instances beyond counting them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Role {
    #[default]
    Plain,
    /// A `java.lang.ClassLoader`.
    Loader,
    /// A `java.lang.Thread`.
    Thread,
    /// A `java.nio.DirectByteBuffer` (or its read-only subclass).
    DirectBuffer,
    /// A `java.lang.String`.
    String,
}

/// One class as the pass keeps it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClassInfo {
    pub id: Id,
    pub name: Id,
    pub super_class: Id,
    pub loader: Id,
    /// Shallow size of an instance and its role, once its layout was seen.
    pub instance_size: Option<u64>,
    pub role: Role,
    /// Bytes of the static fields (for the class object's size).
    pub static_bytes: u64,
    /// Bytes of fields the VM injects into this class's instances.
    pub injected: u64,
    /// `@Contended` padding in this class's instances.
    pub padding: u64,
    pub dumped: bool,
    pub instances: u64,
    /// Bytes summed as objects passed (arrays; instances use `instance_size`).
    pub bytes: u64,
    /// Elements of all its arrays (array classes).
    pub elements: u64,
}

/// The classes of a dump, dense, with a map from id.
#[derive(Default)]
pub(crate) struct Classes {
    pub list: Vec<ClassInfo>,
    index: FxHashMap<Id, u32>,
    /// A direct-mapped cache of `index` (see `layout::cache_slot`).
    cache: Vec<(Id, u32)>,
    /// `java.lang.Thread` came without JDK 8's `threadLocalRandomSeed`:
    /// a JVM older than the fields HotSpot injects (`injected_bytes`).
    before_jdk8: bool,
}

impl Classes {
    /// The slot of class `id`, made on first sight.
    #[inline]
    pub fn slot(&mut self, id: Id) -> usize {
        let c = crate::layout::cache_slot(id);
        if self.cache.is_empty() {
            self.cache = vec![(u64::MAX, 0); crate::layout::CACHE];
        }
        if self.cache[c].0 == id {
            return self.cache[c].1 as usize;
        }
        let n = self.list.len() as u32;
        let i = *self.index.entry(id).or_insert(n);
        if i == n {
            self.list.push(ClassInfo {
                id,
                ..ClassInfo::default()
            });
        }
        self.cache[c] = (id, i);
        i as usize
    }

    pub fn get(&self, id: Id) -> Option<&ClassInfo> {
        self.index.get(&id).map(|&i| &self.list[i as usize])
    }

    pub fn load_class(&mut self, c: &LoadClass) {
        let i = self.slot(c.class);
        self.list[i].name = c.name;
    }

    pub fn class_dump(&mut self, c: &ClassDump<'_>, sizing: &Sizing, strings: &Strings) {
        let i = self.slot(c.class);
        let before_jdk8 = self.before_jdk8;
        let e = &mut self.list[i];
        if let Some(n) = strings.get(e.name) {
            let has_field = |field: &[u8]| {
                c.instance_fields()
                    .any(|(f, _)| strings.get(f) == Some(field))
            };
            e.injected = if before_jdk8 {
                0
            } else {
                sizing.injected_bytes(n)
            };
            e.padding = sizing.contended_padding(n, has_field);
            if n == b"java/lang/Thread" && !has_field(b"threadLocalRandomSeed") {
                self.before_jdk8 = true;
                self.list.iter_mut().for_each(|c| c.injected = 0);
            }
        }
        let e = &mut self.list[i];
        e.super_class = c.super_class;
        e.loader = c.loader;
        e.dumped = true;
        e.static_bytes = c.statics().map(|s| sizing.field_size(s.ty)).sum();
    }

    /// Counts one instance of `class` laid out as `layout`; its size and role.
    #[inline]
    pub fn instance(
        &mut self,
        class: Id,
        layout: Option<&ClassLayout>,
        sizing: &Sizing,
        strings: &Strings,
    ) -> (u64, Role) {
        self.instances(class, 1, layout, sizing, strings)
    }

    /// Counts `n` instances of `class` laid out as `layout`; their size and role.
    #[inline]
    pub fn instances(
        &mut self,
        class: Id,
        n: u64,
        layout: Option<&ClassLayout>,
        sizing: &Sizing,
        strings: &Strings,
    ) -> (u64, Role) {
        let i = self.slot(class);
        self.list[i].instances += n;
        match (self.list[i].instance_size, layout) {
            (Some(s), _) => (s, self.list[i].role),
            (None, Some(l)) => {
                let s = self.instance_size(class, l, sizing);
                let role = self.role(class, strings);
                let e = &mut self.list[i];
                e.instance_size = Some(s);
                e.role = role;
                (s, role)
            }
            (None, None) => (0, Role::Plain),
        }
    }

    /// The role of `class`, from the names along its chain.
    pub fn role(&self, class: Id, strings: &Strings) -> Role {
        let chain = self.chain(class);
        let own = chain.first().and_then(|c| strings.get(c.name));
        if own == Some(b"java/lang/String") {
            return Role::String;
        }
        for c in &chain {
            match strings.get(c.name) {
                Some(b"java/lang/ClassLoader") => return Role::Loader,
                Some(b"java/lang/Thread") => return Role::Thread,
                Some(b"java/nio/DirectByteBuffer") => return Role::DirectBuffer,
                _ => {}
            }
        }
        Role::Plain
    }

    /// The class and its superclasses, most derived first.
    fn chain(&self, class: Id) -> Vec<&ClassInfo> {
        let mut out = Vec::new();
        let mut c = class;
        while let Some(e) = self.get(c) {
            out.push(e);
            if e.super_class == 0 || out.len() > 10_000 {
                break;
            }
            c = e.super_class;
        }
        out
    }

    /// The shallow size of an instance of `class`: its fields, what the VM
    /// injects along the chain, and `@Contended` padding.
    pub fn instance_size(&self, class: Id, l: &ClassLayout, sizing: &Sizing) -> u64 {
        let chain = self.chain(class);
        let injected = |cs: &[&ClassInfo]| cs.iter().map(|c| c.injected).sum::<u64>();
        let Some(p) = chain.iter().position(|c| c.padding > 0) else {
            return sizing.instance_with(l, injected(&chain));
        };
        let upper: Vec<Id> = chain[p..].iter().map(|c| c.id).collect();
        let is_upper = |f: &&crate::layout::FieldSlot| upper.contains(&f.declared_by);
        sizing.instance_padded(
            l.fields.iter().filter(is_upper).map(|f| f.ty),
            l.fields.iter().filter(|f| !is_upper(f)).map(|f| f.ty),
            injected(&chain[p..]) + chain[p].padding,
            injected(&chain[..p]),
            p == 0,
        )
    }

    /// Counts one array of `class`, `len` elements, `bytes`.
    #[inline]
    pub fn array(&mut self, class: Id, len: u32, bytes: u64) {
        self.arrays(class, 1, u64::from(len), bytes);
    }

    /// Counts `n` arrays of `class`, `elements` in all, `bytes`.
    #[inline]
    pub fn arrays(&mut self, class: Id, n: u64, elements: u64, bytes: u64) {
        let i = self.slot(class);
        let e = &mut self.list[i];
        e.instances += n;
        e.elements += elements;
        e.bytes += bytes;
    }

    /// The Java name of class `id`.
    pub fn name(&self, id: Id, strings: &Strings) -> String {
        match self.get(id).and_then(|c| strings.get(c.name)) {
            Some(b) => java_name(b),
            None => format!("<class 0x{id:x}>"),
        }
    }
}

/// Primitive arrays by element type, indexed by HPROF type code.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PrimArrays {
    pub by_code: [(u64, u64, u64); 12],
}

impl PrimArrays {
    #[inline]
    pub fn add(&mut self, ty: BasicType, len: u32, bytes: u64) {
        let e = &mut self.by_code[ty as usize];
        e.0 += 1;
        e.1 += u64::from(len);
        e.2 += bytes;
    }

    /// Adds another pass's arrays to these.
    pub fn merge(&mut self, o: &PrimArrays) {
        for (e, o) in self.by_code.iter_mut().zip(&o.by_code) {
            e.0 += o.0;
            e.1 += o.1;
            e.2 += o.2;
        }
    }
}

/// The histogram rows, totals and arrays by element type.
pub(crate) fn build(
    classes: &Classes,
    prims: &PrimArrays,
    strings: &Strings,
    sizing: &Sizing,
) -> (Vec<ClassRow>, Vec<ArrayRow>, Totals) {
    let mut t = Totals::default();
    let mut rows = Vec::new();
    let class_class = classes
        .list
        .iter()
        .find(|c| strings.get(c.name) == Some(b"java/lang/Class"));
    // A class object is a java.lang.Class instance with the statics after its fields.
    let mirror = class_class.and_then(|c| c.instance_size);
    let mut object_arrays = (0u64, 0u64, 0u64);
    for c in &classes.list {
        if c.dumped {
            t.classes += 1;
            if let Some(m) = mirror {
                t.class_bytes += sizing.round_up(m + c.static_bytes);
            }
        }
        if c.instances == 0 {
            continue;
        }
        let name = strings.get(c.name).unwrap_or(b"");
        let (kind, bytes) = if name.first() == Some(&b'[') {
            t.object_arrays += c.instances;
            t.object_array_bytes += c.bytes;
            object_arrays.0 += c.instances;
            object_arrays.1 += c.bytes;
            object_arrays.2 += c.elements;
            (RowKind::ObjectArray, c.bytes)
        } else {
            let b = c.instances * c.instance_size.unwrap_or(0);
            t.instances += c.instances;
            t.instance_bytes += b;
            (RowKind::Instance, b)
        };
        rows.push(ClassRow {
            class: classes.name(c.id, strings),
            class_id: c.id,
            loader: c.loader,
            kind,
            instances: c.instances,
            bytes,
        });
    }
    if let Some(cc) = class_class {
        if t.classes > 0 {
            rows.push(ClassRow {
                class: "java.lang.Class".into(),
                class_id: cc.id,
                loader: 0,
                kind: RowKind::Class,
                instances: t.classes,
                bytes: t.class_bytes,
            });
        }
    }
    let mut arrays = Vec::new();
    for code in 0..prims.by_code.len() as u8 {
        let Some(ty) = BasicType::from_code(code) else {
            continue;
        };
        let (n, elems, bytes) = prims.by_code[code as usize];
        if n == 0 || ty == BasicType::Object {
            continue;
        }
        t.primitive_arrays += n;
        t.primitive_array_bytes += bytes;
        let id = classes
            .list
            .iter()
            .find(|c| strings.get(c.name).map(java_name).as_deref() == Some(ty.array_name()))
            .map_or(0, |c| c.id);
        rows.push(ClassRow {
            class: ty.array_name().into(),
            class_id: id,
            loader: 0,
            kind: RowKind::PrimitiveArray,
            instances: n,
            bytes,
        });
        arrays.push(ArrayRow {
            element: ty.array_name().trim_end_matches("[]").into(),
            arrays: n,
            elements: elems,
            bytes,
        });
    }
    if object_arrays.0 > 0 {
        arrays.push(ArrayRow {
            element: "object".into(),
            arrays: object_arrays.0,
            elements: object_arrays.2,
            bytes: object_arrays.1,
        });
    }
    arrays.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.element.cmp(&b.element))
    });
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.class.cmp(&b.class)));
    t.objects = t.instances + t.object_arrays + t.primitive_arrays + t.classes;
    t.bytes = t.instance_bytes + t.object_array_bytes + t.primitive_array_bytes + t.class_bytes;
    (rows, arrays, t)
}
