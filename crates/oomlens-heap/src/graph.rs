//! The compact object graph of a heap dump: every object a dense `u32`
//! index in file order, the id -> index map as a sorted column with a radix
//! directory, and the outgoing references as one byte-coded CSR.
//!
//! Built in two passes over the dump ([`GraphBuilder`] then [`EdgePass`]):
//! the first records each object's id, class and shallow size and the GC
//! roots; the second resolves every object's references to indexes. The
//! edges follow Eclipse MAT's parser (see `retained.rs` for the sources):
//! every object refers to its class, a class to its `java.lang.Class`,
//! superclass, loader and the objects of its static fields, an instance to
//! the objects of its fields (the `referent` of a `java.lang.ref.Reference`
//! included, marked so paths from GC roots can leave it out), and a thread
//! object to the locals of its stack frames (which are then not roots).
//! Edges into GC roots are dropped: a root's immediate dominator is the
//! super-root whatever points at it, so they change no dominator.
//!
//! Memory per object, in bytes: 4 (id column, 8 when the ids do not fit a
//! 32 GiB window of 8-byte-aligned addresses) + 4 (class number) + 4
//! (shallow size; sizes of 4 GiB and more go to a side map) + 0.125 (root
//! bit) + the edges: per object a varint of its list's byte length, per
//! edge a zigzag varint of the delta to the previous target (1 to 2 bytes
//! for the nearby targets typical of a heap), one `u64` per 32 objects to
//! find a list. A dump with an id column out of file order adds 4 bytes
//! per object (the sort permutation). Indexes are `u32`, so a graph holds
//! up to 4,294,967,294 objects (past MAT's 2^31 limit); beyond, building
//! stops with [`GraphError::TooManyObjects`].

use crate::histogram::{Classes, Role};
use crate::names::Strings;
use crate::reader::{ClassDump, Instance, ObjectArray, PrimitiveArray, Visitor};
use crate::sizing::Sizing;
use crate::BasicType;
pub use crate::Id;
use rustc_hash::FxHashMap;

/// An object's dense index (file order of its record).
pub type Ix = u32;

/// No object: an unresolved or absent index.
pub const NONE: Ix = u32::MAX;

/// The most objects a graph holds (two `u32` values stay reserved).
pub const MAX_OBJECTS: u64 = u32::MAX as u64 - 1;

/// Why a graph could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// More objects than `u32` indexes address.
    TooManyObjects,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphError::TooManyObjects => write!(
                f,
                "the dump holds more than {MAX_OBJECTS} objects: retained sizes are not computed"
            ),
        }
    }
}

impl std::error::Error for GraphError {}

/// A fixed-size set of indexes, one bit each.
#[derive(Clone, Debug, Default)]
pub struct BitSet(Vec<u64>);

impl BitSet {
    pub fn new(n: usize) -> BitSet {
        BitSet(vec![0; n.div_ceil(64)])
    }
    #[inline]
    pub fn insert(&mut self, i: Ix) {
        self.0[i as usize >> 6] |= 1 << (i & 63);
    }
    #[inline]
    pub fn contains(&self, i: Ix) -> bool {
        self.0
            .get(i as usize >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }
}

/// Object ids in file order: `u32` slots of 8 bytes from a base while the
/// ids fit that window, `u64` otherwise.
#[derive(Clone, Debug)]
enum IdColumn {
    Narrow { base: u64, slots: Vec<u32> },
    Wide(Vec<u64>),
}

/// The id window below and above the first id seen (16 GiB each way).
const NARROW_BELOW: u64 = 1 << 31;

impl IdColumn {
    fn push(&mut self, id: Id) {
        match self {
            IdColumn::Narrow { base, slots } => {
                if slots.is_empty() && *base == u64::MAX {
                    *base = id - (id / 8).min(NARROW_BELOW) * 8;
                }
                match narrow_slot(*base, id) {
                    Some(s) => slots.push(s),
                    None => {
                        let mut wide: Vec<u64> = Vec::with_capacity(slots.capacity());
                        wide.extend(slots.iter().map(|&s| *base + u64::from(s) * 8));
                        wide.push(id);
                        *self = IdColumn::Wide(wide);
                    }
                }
            }
            IdColumn::Wide(v) => v.push(id),
        }
    }

    fn len(&self) -> usize {
        match self {
            IdColumn::Narrow { slots, .. } => slots.len(),
            IdColumn::Wide(v) => v.len(),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Id {
        match self {
            IdColumn::Narrow { base, slots } => *base + u64::from(slots[i]) * 8,
            IdColumn::Wide(v) => v[i],
        }
    }

    /// The key an id sorts by in this column (`None`: cannot be in it).
    #[inline]
    fn key(&self, id: Id) -> Option<u64> {
        match self {
            IdColumn::Narrow { base, .. } => narrow_slot(*base, id).map(u64::from),
            IdColumn::Wide(_) => Some(id),
        }
    }

    #[inline]
    fn key_at(&self, i: usize) -> u64 {
        match self {
            IdColumn::Narrow { slots, .. } => u64::from(slots[i]),
            IdColumn::Wide(v) => v[i],
        }
    }
}

#[inline]
fn narrow_slot(base: u64, id: Id) -> Option<u32> {
    let d = id.checked_sub(base)?;
    if d % 8 != 0 {
        return None;
    }
    u32::try_from(d / 8).ok()
}

/// The most keys per directory bucket (as a shift): 2^10 slots, 8 KiB of
/// heap; a dense heap gets smaller buckets (see [`IdIndex::new`]).
const DIR_SHIFT: u32 = 10;

/// Objects per directory bucket aimed at (a few binary-search steps; the
/// directory then takes about half a byte per object).
const DIR_OBJECTS: u64 = 8;

/// Id -> index: the id column, a sort permutation when the file is not in
/// id order, and a radix directory of bucket starts over the sorted keys.
#[derive(Clone, Debug)]
pub struct IdIndex {
    ids: IdColumn,
    /// Positions in id order (empty: file order is id order).
    perm: Vec<Ix>,
    /// For a `Narrow` column: the first sorted position of each bucket of
    /// `2^shift` keys, plus one past the end.
    dir: Vec<u32>,
    /// Keys per bucket, as a shift (at most [`DIR_SHIFT`]).
    shift: u32,
    /// The bucket of the least key (`dir[0]`'s).
    first_bucket: u64,
}

impl IdIndex {
    fn new(ids: IdColumn) -> IdIndex {
        let n = ids.len();
        let sorted = (1..n).all(|i| ids.key_at(i - 1) < ids.key_at(i));
        let mut ix = IdIndex {
            ids,
            perm: Vec::new(),
            dir: Vec::new(),
            shift: DIR_SHIFT,
            first_bucket: 0,
        };
        let slots = match &ix.ids {
            IdColumn::Narrow { slots, .. } if n > 0 => slots,
            _ => {
                // Wide ids: a comparison sort, no directory.
                if !sorted {
                    let mut p: Vec<Ix> = (0..n as Ix).collect();
                    p.sort_unstable_by_key(|&i| ix.ids.key_at(i as usize));
                    ix.perm = p;
                }
                return ix;
            }
        };
        // The smallest buckets holding about DIR_OBJECTS objects each.
        let (lo, hi) = slots
            .iter()
            .fold((u32::MAX, 0), |(a, b), &k| (a.min(k), b.max(k)));
        let (lo, hi) = (u64::from(lo), u64::from(hi));
        let span = (hi - lo) / (n as u64 / DIR_OBJECTS).max(1);
        let shift = (u64::BITS - span.leading_zeros()).min(DIR_SHIFT);
        let first_bucket = lo >> shift;
        let bucket = |k: u32| ((u64::from(k) >> shift) - first_bucket) as usize;
        let top = bucket(hi as u32);
        // Counts per bucket, then each bucket's end (`dir[b + 1]`).
        let mut dir = vec![0u32; top + 2];
        for &k in slots {
            dir[bucket(k) + 1] += 1;
        }
        for b in 1..dir.len() {
            dir[b] += dir[b - 1];
        }
        let mut perm = Vec::new();
        if !sorted {
            // Out of file order: a counting sort by bucket (each end
            // counted down to its bucket's start, then moved to `dir[b]`),
            // then each bucket's few keys sorted.
            perm = vec![0 as Ix; n];
            for (i, &k) in slots.iter().enumerate().rev() {
                let end = &mut dir[bucket(k) + 1];
                *end -= 1;
                perm[*end as usize] = i as Ix;
            }
            dir.copy_within(1.., 0);
            dir[top + 1] = n as u32;
            for b in 0..=top {
                perm[dir[b] as usize..dir[b + 1] as usize]
                    .sort_unstable_by_key(|&i| slots[i as usize]);
            }
        }
        ix.perm = perm;
        ix.dir = dir;
        ix.shift = shift;
        ix.first_bucket = first_bucket;
        ix
    }

    #[inline]
    fn sorted_key(&self, pos: usize) -> u64 {
        if self.perm.is_empty() {
            self.ids.key_at(pos)
        } else {
            self.ids.key_at(self.perm[pos] as usize)
        }
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of object `i` (panics when `i` is out of range).
    pub fn id(&self, i: Ix) -> Id {
        self.ids.get(i as usize)
    }

    /// The index of the object with this id, if the dump holds it.
    #[inline]
    pub fn index(&self, id: Id) -> Option<Ix> {
        let key = self.ids.key(id)?;
        let (mut lo, mut hi) = if self.dir.is_empty() {
            (0, self.len())
        } else {
            let b = (key >> self.shift).checked_sub(self.first_bucket)? as usize;
            if b + 1 >= self.dir.len() {
                return None;
            }
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        while lo < hi {
            let mid = (lo + hi) / 2;
            let k = self.sorted_key(mid);
            if k < key {
                lo = mid + 1;
            } else if k > key {
                hi = mid;
            } else {
                return Some(if self.perm.is_empty() {
                    mid as Ix
                } else {
                    self.perm[mid]
                });
            }
        }
        None
    }
}

/// Lists of `u32` targets per source, sources in order, coded as bytes:
/// per list a varint of its byte length, then zigzag varint deltas (the
/// first from the source, each next from the previous target).
#[derive(Clone, Debug, Default)]
pub struct VarCsr {
    bytes: Vec<u8>,
    /// Bytes already written out before `bytes` (see [`VarCsr::drain_to`]).
    base: u64,
    /// Byte offset of every `VAR_BLOCK`-th list.
    blocks: Vec<u64>,
    lists: usize,
    edges: u64,
}

const VAR_BLOCK: usize = 32;

/// A position in one list of a [`VarCsr`] (see [`VarCsr::cursor`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct VarCursor {
    pos: usize,
    end: usize,
    prev: i64,
}

#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn get_varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&x) = b.get(*pos) {
        *pos += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

impl VarCsr {
    /// Appends the list of the next source (sources are numbered in the
    /// order their lists are pushed).
    pub fn push(&mut self, targets: &[Ix], scratch: &mut Vec<u8>) {
        let src = self.lists as i64;
        if self.lists % VAR_BLOCK == 0 {
            self.blocks.push(self.base + self.bytes.len() as u64);
        }
        scratch.clear();
        let mut prev = src;
        for &t in targets {
            let d = i64::from(t) - prev;
            put_varint(scratch, ((d << 1) ^ (d >> 63)) as u64);
            prev = i64::from(t);
        }
        put_varint(&mut self.bytes, scratch.len() as u64);
        self.bytes.extend_from_slice(scratch);
        self.lists += 1;
        self.edges += targets.len() as u64;
    }

    /// Writes the lists' bytes so far to `w` and frees them (the lists
    /// are then read from what `w` received, loaded back whole).
    fn drain_to(&mut self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        w.write_all(&self.bytes)?;
        self.base += self.bytes.len() as u64;
        self.bytes.clear();
        Ok(())
    }

    /// The number of lists.
    pub fn len(&self) -> usize {
        self.lists
    }

    pub fn is_empty(&self) -> bool {
        self.lists == 0
    }

    /// The bytes the lists take.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The number of targets over all lists.
    pub fn edges(&self) -> u64 {
        self.edges
    }

    /// The byte range of list `v`'s deltas.
    #[inline]
    fn span(&self, v: Ix) -> (usize, usize) {
        let v = v as usize;
        let mut pos = self.blocks[v / VAR_BLOCK] as usize;
        for _ in 0..v % VAR_BLOCK {
            // Most lists are under 128 bytes: a one-byte length.
            match self.bytes.get(pos) {
                Some(&b) if b < 0x80 => pos += 1 + b as usize,
                _ => {
                    let len = get_varint(&self.bytes, &mut pos) as usize;
                    pos += len;
                }
            }
        }
        let len = get_varint(&self.bytes, &mut pos) as usize;
        (pos, pos + len)
    }

    /// Calls `f` with each target of list `v` (nothing when `v` is out of
    /// range).
    #[inline]
    pub fn for_each(&self, v: Ix, mut f: impl FnMut(Ix)) {
        if v as usize >= self.lists {
            return;
        }
        let (mut pos, end) = self.span(v);
        let mut prev = i64::from(v);
        while pos < end {
            let z = get_varint(&self.bytes, &mut pos);
            let d = (z >> 1) as i64 ^ -((z & 1) as i64);
            prev += d;
            f(prev as Ix);
        }
    }

    /// Where list `v`'s targets start: a cursor for [`VarCsr::next`]
    /// (an empty one when `v` is out of range).
    #[inline]
    pub fn cursor(&self, v: Ix) -> VarCursor {
        if v as usize >= self.lists {
            return VarCursor::default();
        }
        let (pos, end) = self.span(v);
        VarCursor {
            pos,
            end,
            prev: i64::from(v),
        }
    }

    /// The next target of a cursor's list, `None` past its end.
    #[inline]
    pub fn next(&self, c: &mut VarCursor) -> Option<Ix> {
        if c.pos >= c.end {
            return None;
        }
        let z = get_varint(&self.bytes, &mut c.pos);
        c.prev += (z >> 1) as i64 ^ -((z & 1) as i64);
        Some(c.prev as Ix)
    }

    /// Whether list `v` is empty.
    #[inline]
    pub fn is_empty_at(&self, v: Ix) -> bool {
        if v as usize >= self.lists {
            return true;
        }
        let (a, b) = self.span(v);
        a == b
    }

    /// Every list in order, as `(source, target)` pairs to `f`.
    pub fn for_each_edge(&self, mut f: impl FnMut(Ix, Ix)) {
        let mut pos = 0usize;
        for v in 0..self.lists {
            let len = get_varint(&self.bytes, &mut pos) as usize;
            let end = pos + len;
            let mut prev = v as i64;
            while pos < end {
                let z = get_varint(&self.bytes, &mut pos);
                prev += (z >> 1) as i64 ^ -((z & 1) as i64);
                f(v as Ix, prev as Ix);
            }
        }
    }
}

pub use crate::reader::RootKind;

/// Roots that belong to a thread's stack: MAT makes them references of the
/// thread object when the thread is known, not roots.
fn is_thread_local(kind: RootKind) -> bool {
    matches!(
        kind,
        RootKind::JniLocal | RootKind::JavaFrame | RootKind::NativeStack | RootKind::ThreadBlock
    )
}

/// The first pass: objects in file order, GC roots, threads.
#[derive(Debug)]
pub struct GraphBuilder {
    ids: IdColumn,
    class_of: Vec<u32>,
    shallow: Vec<u32>,
    big: FxHashMap<Ix, u64>,
    class_num: FxHashMap<Id, u32>,
    class_ids: Vec<Id>,
    roots: Vec<Id>,
    /// (object, thread serial) of roots that belong to a thread's stack.
    locals: Vec<(Id, u32)>,
    threads: FxHashMap<u32, Id>,
    too_many: bool,
    /// The most objects this graph takes (`MAX_OBJECTS` unless lowered).
    limit: u64,
    /// Whether a system-class root was seen.
    sticky: bool,
    /// With [`GraphBuilder::park_as_built`]: the class and shallow-size
    /// columns' files, and how many objects' entries went there (the
    /// columns in memory hold the ones after).
    parked: Option<([std::fs::File; 2], usize)>,
    /// The first error writing them (the columns then stay in memory from
    /// there on, and the graph is refused: see [`GraphBuilder::park_error`]).
    park_error: Option<std::io::Error>,
}

/// Objects whose class and shallow size a parking builder keeps in memory
/// before they go to their files.
const BUILD_CHUNK: usize = 1 << 18;

impl Default for GraphBuilder {
    fn default() -> Self {
        GraphBuilder::new()
    }
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::with_limit(MAX_OBJECTS)
    }

    /// A builder that takes at most `limit` objects (capped at
    /// [`MAX_OBJECTS`]); one more makes [`GraphBuilder::finish`] fail with
    /// [`GraphError::TooManyObjects`].
    pub fn with_limit(limit: u64) -> GraphBuilder {
        GraphBuilder {
            limit: limit.min(MAX_OBJECTS),
            ids: IdColumn::Narrow {
                base: u64::MAX,
                slots: Vec::new(),
            },
            class_of: Vec::new(),
            shallow: Vec::new(),
            big: FxHashMap::default(),
            class_num: FxHashMap::default(),
            class_ids: Vec::new(),
            roots: Vec::new(),
            locals: Vec::new(),
            threads: FxHashMap::default(),
            too_many: false,
            sticky: false,
            parked: None,
            park_error: None,
        }
    }

    /// Has the class and shallow-size columns written to unnamed temporary
    /// files as objects come (a chunk at a time), so only the ids stay in
    /// memory; the graph is then made with these columns parked.
    pub fn park_as_built(&mut self) -> std::io::Result<()> {
        if self.parked.is_none() {
            self.parked = Some(([tempfile::tempfile()?, tempfile::tempfile()?], 0));
            self.flush_columns();
        }
        Ok(())
    }

    /// Moves the columns' entries in memory to their files (when parking;
    /// see [`GraphBuilder::park_error`]).
    pub fn flush_columns(&mut self) {
        let Some((files, done)) = &mut self.parked else {
            return;
        };
        if self.park_error.is_some() {
            return;
        }
        let [classes, shallow] = files;
        let r =
            write_u32s(classes, &self.class_of).and_then(|_| write_u32s(shallow, &self.shallow));
        match r {
            Ok(()) => {
                *done += self.class_of.len();
                self.class_of.clear();
                self.shallow.clear();
            }
            Err(e) => self.park_error = Some(e),
        }
    }

    /// The first error writing the parked columns: the pass's graph is
    /// then not whole and must not be finished.
    pub fn park_error(&mut self) -> Option<std::io::Error> {
        self.park_error.take()
    }

    /// Records the next object of the dump (file order): its id, the id of
    /// its class object and its shallow size in bytes. Class objects come
    /// here too, with `java.lang.Class` as their class.
    /// Returns its index ([`NONE`] past [`MAX_OBJECTS`]).
    pub fn object(&mut self, id: Id, class: Id, shallow: u64) -> Ix {
        if self.ids.len() as u64 >= self.limit {
            self.too_many = true;
            return NONE;
        }
        let next = self.class_ids.len() as u32;
        let c = *self.class_num.entry(class).or_insert(next);
        if c == next {
            self.class_ids.push(class);
        }
        let i = self.ids.len() as Ix;
        self.ids.push(id);
        self.class_of.push(c);
        match u32::try_from(shallow) {
            Ok(s) => self.shallow.push(s),
            Err(_) => {
                self.shallow.push(u32::MAX);
                self.big.insert(i, shallow);
            }
        }
        if self.class_of.len() >= BUILD_CHUNK {
            self.flush_columns();
        }
        i
    }

    /// Records a GC root. Roots of a thread's stack (`thread_serial` given
    /// and the thread's object known by the end of the pass) become
    /// references of that thread object instead, as in MAT.
    pub fn root(&mut self, id: Id, kind: RootKind, thread_serial: Option<u32>) {
        if id == 0 {
            return;
        }
        self.sticky |= kind == RootKind::StickyClass;
        match thread_serial {
            Some(s) if is_thread_local(kind) => self.locals.push((id, s)),
            _ => self.roots.push(id),
        }
        if kind == RootKind::ThreadObject {
            if let Some(s) = thread_serial {
                self.threads.insert(s, id);
            }
        }
    }

    /// Sets the shallow size of object `i` (a size that needed the whole
    /// dump); an index out of range is ignored.
    pub fn resize(&mut self, i: Ix, bytes: u64) {
        let done = self.parked.as_ref().map_or(0, |p| p.1);
        if i as usize >= done + self.shallow.len() {
            return;
        }
        let s = match u32::try_from(bytes) {
            Ok(s) => s,
            Err(_) => {
                self.big.insert(i, bytes);
                u32::MAX
            }
        };
        if let Some(slot) = (i as usize)
            .checked_sub(done)
            .and_then(|k| self.shallow.get_mut(k))
        {
            *slot = s;
        } else if let Some(([_, f], _)) = &self.parked {
            if (i as usize) < done {
                use std::io::{Seek, Write};
                let mut f = f;
                let at = f.stream_position();
                let r = at.and_then(|at| {
                    f.seek(std::io::SeekFrom::Start(u64::from(i) * 4))?;
                    f.write_all(&s.to_le_bytes())?;
                    f.seek(std::io::SeekFrom::Start(at)).map(|_| ())
                });
                if let Err(e) = r {
                    self.park_error.get_or_insert(e);
                }
            }
        }
    }

    /// Ends the first pass.
    pub fn finish(mut self) -> Result<EdgePass, GraphError> {
        if self.too_many {
            return Err(GraphError::TooManyObjects);
        }
        let mut spilled: [Option<(std::fs::File, usize)>; 5] = Default::default();
        self.flush_columns();
        if self.park_error.is_none() {
            if let Some(([classes, shallow], n)) = self.parked.take() {
                spilled[Column::Classes as usize] = Some((classes, n));
                spilled[Column::Shallow as usize] = Some((shallow, n));
            }
        }
        let index = IdIndex::new(self.ids);
        let n = index.len();
        let mut roots: Vec<Ix> = Vec::with_capacity(self.roots.len());
        let mut locals: FxHashMap<Ix, Vec<Ix>> = FxHashMap::default();
        for (id, serial) in self.locals {
            let Some(o) = index.index(id) else { continue };
            match self.threads.get(&serial).and_then(|&t| index.index(t)) {
                Some(t) => locals.entry(t).or_default().push(o),
                None => roots.push(o),
            }
        }
        roots.extend(self.roots.iter().filter_map(|&id| index.index(id)));
        roots.sort_unstable();
        roots.dedup();
        let mut is_root = BitSet::new(n);
        for &r in &roots {
            is_root.insert(r);
        }
        let class_obj = self
            .class_ids
            .iter()
            .map(|&c| index.index(c).unwrap_or(NONE))
            .collect();
        Ok(EdgePass {
            index,
            class_of: self.class_of,
            shallow: self.shallow,
            big: self.big,
            class_ids: self.class_ids,
            class_obj,
            roots,
            is_root,
            locals,
            next: 0,
            succ: VarCsr::default(),
            spilled,
            succ_out: None,
            error: None,
            excluded: Vec::new(),
            targets: Vec::new(),
            scratch: Vec::new(),
            dangling: 0,
        })
    }
}

/// The second pass: each object's references, in the first pass's order.
#[derive(Debug)]
pub struct EdgePass {
    index: IdIndex,
    class_of: Vec<u32>,
    shallow: Vec<u32>,
    big: FxHashMap<Ix, u64>,
    class_ids: Vec<Id>,
    class_obj: Vec<Ix>,
    roots: Vec<Ix>,
    is_root: BitSet,
    locals: FxHashMap<Ix, Vec<Ix>>,
    next: Ix,
    succ: VarCsr,
    excluded: Vec<(Ix, Ix)>,
    targets: Vec<Ix>,
    scratch: Vec<u8>,
    dangling: u64,
    /// Columns moved to files for the replay (see [`EdgePass::spill_columns`]).
    spilled: [Option<(std::fs::File, usize)>; 5],
    /// Where the references go as they are made, once columns are spilled.
    succ_out: Option<std::fs::File>,
    /// The first write error of `succ_out`.
    error: Option<std::io::Error>,
}

/// The references' bytes kept in memory before they go to their file.
const SUCC_CHUNK: usize = 1 << 20;

impl EdgePass {
    /// The references of the next object: `refs` the ids it holds (0 for
    /// null is skipped), `excluded` those among them that paths from GC
    /// roots do not follow (a `Reference.referent`, `Finalizer.unfinalized`).
    /// The reference to the object's class is added here. Objects past the
    /// first pass's count are ignored.
    pub fn object(&mut self, refs: impl IntoIterator<Item = Id>, excluded: &[Id]) {
        let v = self.next as usize;
        let class = match (
            self.class_of.get(v),
            &self.spilled[Column::Classes as usize],
        ) {
            (Some(&c), _) => Some(c),
            // Parked by the builder: read from its file.
            (None, Some((f, len))) if v < *len => read_u32_at(f, v).ok(),
            _ => None,
        };
        self.object_with(class, refs, excluded)
    }

    /// As [`EdgePass::object`] for an object whose `refs` already hold its
    /// class (a class object: `java.lang.Class` comes first in its refs).
    pub fn object_without_class(&mut self, refs: impl IntoIterator<Item = Id>, excluded: &[Id]) {
        self.object_with(None, refs, excluded)
    }

    /// Records, for object `v`, that paths from GC roots leave out its
    /// reference to `id` (nothing when the dump does not hold `id`).
    pub fn exclude(&mut self, v: Ix, id: Id) {
        if let Some(t) = self.index.index(id) {
            self.excluded.push((v, t));
        }
    }

    fn object_with(
        &mut self,
        class: Option<u32>,
        refs: impl IntoIterator<Item = Id>,
        excluded: &[Id],
    ) {
        let v = self.next;
        if v as usize >= self.index.len() {
            return;
        }
        self.next += 1;
        self.targets.clear();
        if let Some(c) = class {
            let c = self.class_obj.get(c as usize).copied().unwrap_or(NONE);
            self.push_target(v, c);
        }
        for id in refs {
            if id == 0 {
                continue;
            }
            match self.index.index(id) {
                Some(t) => self.push_target(v, t),
                None => self.dangling += 1,
            }
        }
        if let Some(l) = self.locals.remove(&v) {
            for t in l {
                self.push_target(v, t);
            }
        }
        for &id in excluded {
            if let Some(t) = self.index.index(id) {
                self.excluded.push((v, t));
            }
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        self.succ.push(&self.targets, &mut scratch);
        self.scratch = scratch;
        if let Some(out) = &mut self.succ_out {
            if self.succ.bytes.len() >= SUCC_CHUNK && self.error.is_none() {
                if let Err(e) = self.succ.drain_to(out) {
                    self.error = Some(e);
                }
            }
        }
    }

    /// Moves the class and shallow-size columns to unnamed temporary files
    /// and has the references written to one as they are made, so the
    /// replay of spilled references holds only the id index in memory;
    /// returns the class column's file, read back in order by the replay.
    /// The graph [`EdgePass::finish`] makes has these columns parked.
    fn spill_columns(&mut self) -> std::io::Result<std::fs::File> {
        for c in [Column::Classes, Column::Shallow] {
            if self.spilled[c as usize].is_some() {
                continue;
            }
            let col = std::mem::take(match c {
                Column::Classes => &mut self.class_of,
                _ => &mut self.shallow,
            });
            let mut f = std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile()?);
            write_u32s(&mut f, &col)?;
            let f = f.into_inner().map_err(|e| e.into_error())?;
            self.spilled[c as usize] = Some((f, col.len()));
        }
        self.succ_out = Some(tempfile::tempfile()?);
        match &self.spilled[Column::Classes as usize] {
            Some((f, _)) => f.try_clone(),
            None => Err(std::io::ErrorKind::NotFound.into()),
        }
    }

    /// Ends a replay begun by [`EdgePass::spill_columns`]: the last
    /// references written to their file, parked there.
    fn close_spill(&mut self) -> std::io::Result<()> {
        let Some(mut out) = self.succ_out.take() else {
            return Ok(());
        };
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.succ.drain_to(&mut out)?;
        self.spilled[Column::Successors as usize] = Some((out, self.succ.base as usize));
        self.succ.bytes = Vec::new();
        Ok(())
    }

    #[inline]
    fn push_target(&mut self, v: Ix, t: Ix) {
        if t != NONE && t != v && !self.is_root.contains(t) {
            self.targets.push(t);
        }
    }

    /// Ends the second pass (objects it did not see have no references).
    pub fn finish(mut self) -> Graph {
        let empty: [Id; 0] = [];
        while (self.next as usize) < self.index.len() {
            self.object(empty, &[]);
        }
        self.excluded.sort_unstable();
        self.excluded.dedup();
        Graph {
            class_of: self.class_of,
            shallow: self.shallow,
            big: self.big,
            class_ids: self.class_ids,
            class_obj: self.class_obj,
            roots: self.roots,
            succ: self.succ,
            excluded: self.excluded,
            dangling: self.dangling,
            spilled: self.spilled,
            objects: self.index.len(),
            index: self.index,
        }
    }
}

/// The first pass as a record [`Visitor`]: objects with their exact
/// shallow sizes (the histogram's `Classes` and `Sizing`, so each object
/// weighs what `GC.class_histogram` says), GC roots, class names, and the
/// class-loader instances.
pub struct ObjectVisitor {
    pub builder: GraphBuilder,
    sizing: Sizing,
    strings: Strings,
    classes: Classes,
    /// Class objects: id -> index, sized once `java.lang.Class` is known.
    class_index: FxHashMap<Id, Ix>,
    /// Class objects of the primitive array classes, by type code.
    prim_classes: [Id; 12],
    class_class: Option<Id>,
    /// (loader instance, its class) of every `java.lang.ClassLoader`.
    loaders: Vec<(Id, Id)>,
    /// With [`ObjectVisitor::with_edges`]: each object's references, as
    /// ids, in the same pass, and the names they are read with (known when
    /// the heap dump starts).
    spill: Option<EdgeSpill>,
    edge_names: EdgeNames,
}

impl ObjectVisitor {
    pub fn new(sizing: Sizing) -> ObjectVisitor {
        ObjectVisitor {
            builder: GraphBuilder::new(),
            sizing,
            strings: Strings::default(),
            classes: Classes::default(),
            class_index: FxHashMap::default(),
            prim_classes: [0; 12],
            class_class: None,
            loaders: Vec::new(),
            spill: None,
            edge_names: EdgeNames::default(),
        }
    }

    /// As [`ObjectVisitor::new`], and each object's references are written
    /// to an unnamed temporary file in the same pass (see [`EdgeSpill`]), so
    /// the graph needs one read of the dump, not two.
    pub fn with_edges(sizing: Sizing) -> std::io::Result<ObjectVisitor> {
        let mut v = ObjectVisitor::new(sizing);
        v.spill = Some(EdgeSpill::new()?);
        Ok(v)
    }

    fn class_named(&self, name: &[u8]) -> Option<Id> {
        self.classes
            .list
            .iter()
            .find(|c| self.strings.get(c.name) == Some(name))
            .map(|c| c.id)
    }

    /// Once, when the heap dump starts (HotSpot writes every string and
    /// LOAD CLASS first): `java.lang.Class` and the primitive array classes.
    fn resolve(&mut self) {
        if self.class_class.is_some() {
            return;
        }
        if !self.strings.is_sealed() {
            self.strings.seal();
        }
        self.class_class = Some(self.class_named(b"java/lang/Class").unwrap_or(0));
        for code in 0..self.prim_classes.len() as u8 {
            let Some(ty) = BasicType::from_code(code).filter(|t| *t != BasicType::Object) else {
                continue;
            };
            let name = [b'[', signature(ty)];
            // Objects of an array class that was not dumped still need one.
            self.prim_classes[code as usize] = self
                .class_named(&name)
                .unwrap_or(u64::MAX - u64::from(code));
        }
        self.edge_names = self.names();
    }

    /// The names the second pass reads references with.
    fn names(&self) -> EdgeNames {
        let string_id = |s: &[u8]| self.strings.find(s);
        EdgeNames {
            class_class: self.class_class.unwrap_or(0),
            reference_class: self.class_named(b"java/lang/ref/Reference"),
            referent: string_id(b"referent"),
            finalizer_class: self.class_named(b"java/lang/ref/Finalizer"),
            unfinalized: string_id(b"unfinalized"),
        }
    }

    /// Ends the pass: class objects sized (a `java.lang.Class` instance with
    /// its statics after the fields, as `histogram::build` weighs them), and
    /// what the second pass and the report need.
    pub fn finish(self) -> (GraphBuilder, EdgeNames, ClassNames) {
        let (b, names, classes, _) = self.finish_with_edges();
        (b, names, classes)
    }

    /// As [`ObjectVisitor::finish`], with the references spilled by a
    /// visitor made by [`ObjectVisitor::with_edges`] (`None` otherwise).
    pub fn finish_with_edges(mut self) -> (GraphBuilder, EdgeNames, ClassNames, Option<EdgeSpill>) {
        self.resolve();
        // MAT (HprofParserHandlerImpl, `foundSystemClasses`): a dump that
        // marks no system class (one cut short before its roots, which
        // HotSpot writes last) has every class of the bootstrap loader made
        // a root, array classes aside.
        if !self.builder.sticky {
            for c in self
                .classes
                .list
                .iter()
                .filter(|c| c.dumped && c.loader == 0)
            {
                let array = self
                    .strings
                    .get(c.name)
                    .is_some_and(|n| n.first() == Some(&b'['));
                if !array {
                    self.builder.root(c.id, RootKind::StickyClass, None);
                }
            }
        }
        let mirror = self
            .class_class
            .and_then(|c| self.classes.get(c))
            .and_then(|c| c.instance_size);
        if let Some(m) = mirror {
            for c in self.classes.list.iter().filter(|c| c.dumped) {
                if let Some(&i) = self.class_index.get(&c.id) {
                    self.builder
                        .resize(i, self.sizing.round_up(m + c.static_bytes));
                }
            }
        }
        let names = self.names();
        let classes = ClassNames {
            strings: self.strings,
            classes: self.classes,
            loaders: self.loaders,
            prim_classes: self.prim_classes,
        };
        (self.builder, names, classes, self.spill)
    }
}

/// The JVM's type letter of a primitive type (`[B` is `byte[]`).
fn signature(ty: BasicType) -> u8 {
    match ty {
        BasicType::Object => b'L',
        BasicType::Boolean => b'Z',
        BasicType::Char => b'C',
        BasicType::Float => b'F',
        BasicType::Double => b'D',
        BasicType::Byte => b'B',
        BasicType::Short => b'S',
        BasicType::Int => b'I',
        BasicType::Long => b'J',
    }
}

/// Class names (and the class-loader instances) after the first pass.
pub struct ClassNames {
    strings: Strings,
    classes: Classes,
    loaders: Vec<(Id, Id)>,
    prim_classes: [Id; 12],
}

impl ClassNames {
    /// The Java name of a class object (`java.lang.String`, `byte[]`).
    pub fn name(&self, class: Id) -> String {
        if let Some(code) = self.prim_classes.iter().position(|&c| c == class) {
            if let Some(ty) = BasicType::from_code(code as u8) {
                return ty.array_name().to_string();
            }
        }
        self.classes.name(class, &self.strings)
    }

    /// Every class-loader instance: (its id, its class's id).
    pub fn loaders(&self) -> &[(Id, Id)] {
        &self.loaders
    }
}

impl Visitor for ObjectVisitor {
    /// Past the limit the graph is refused: no need to read on.
    fn wants_more(&self) -> bool {
        !self.builder.too_many
    }
    fn string(&mut self, id: Id, utf8: &[u8]) {
        self.strings.add(id, utf8);
    }
    fn load_class(&mut self, c: &crate::LoadClass) {
        self.classes.load_class(c);
    }
    fn root(&mut self, r: &crate::Root) {
        self.builder.root(r.object, r.kind, r.thread_serial);
    }
    fn class_dump(&mut self, c: &ClassDump<'_>) {
        self.resolve();
        self.classes.class_dump(c, &self.sizing, &self.strings);
        let i = self
            .builder
            .object(c.class, self.class_class.unwrap_or(0), 0);
        self.class_index.insert(c.class, i);
        if let Some(spill) = &mut self.spill {
            let (refs, excluded) = class_references(c, &self.edge_names);
            spill.object(i, c.class, false, refs, excluded);
        }
    }
    #[inline]
    fn instance(&mut self, i: &Instance<'_>) {
        self.resolve();
        let (bytes, role) = self
            .classes
            .instance(i.class, i.layout, &self.sizing, &self.strings);
        if role == Role::Loader {
            self.loaders.push((i.id, i.class));
        }
        let ix = self.builder.object(i.id, i.class, bytes);
        if let Some(spill) = &mut self.spill {
            let referent = referent_of(i, &self.edge_names);
            spill.object(ix, i.id, true, i.references(), referent);
        }
    }
    #[inline]
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        let ix = self
            .builder
            .object(a.id, a.class, self.sizing.object_array(a.len));
        if let Some(spill) = &mut self.spill {
            spill.object(ix, a.id, true, a.references(), None);
        }
    }
    #[inline]
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
        self.resolve();
        let class = self.prim_classes[a.ty as usize];
        let ix = self
            .builder
            .object(a.id, class, self.sizing.primitive_array(a.ty, a.len));
        if let Some(spill) = &mut self.spill {
            spill.object(ix, a.id, true, std::iter::empty(), None);
        }
    }
}

/// What the second pass needs to know of the dump's classes and strings
/// (all found in the first pass).
#[derive(Clone, Copy, Debug, Default)]
pub struct EdgeNames {
    /// The class object of `java.lang.Class`: every class refers to it.
    pub class_class: Id,
    /// The class object of `java.lang.ref.Reference` and the string id of
    /// `referent`: that field's target is left out of paths from roots.
    pub reference_class: Option<Id>,
    pub referent: Option<Id>,
    /// The class object of `java.lang.ref.Finalizer` and the string id of
    /// `unfinalized`: that static's target is left out of paths too.
    pub finalizer_class: Option<Id>,
    pub unfinalized: Option<Id>,
}

/// The second pass as a record [`Visitor`]: each heap object's references
/// as MAT's parser takes them, handed to an [`EdgePass`].
pub struct EdgeVisitor<'a> {
    pub pass: &'a mut EdgePass,
    pub names: EdgeNames,
}

impl<'a> EdgeVisitor<'a> {
    pub fn new(pass: &'a mut EdgePass, names: EdgeNames) -> EdgeVisitor<'a> {
        EdgeVisitor { pass, names }
    }
}

/// A class object's references as MAT's `ClassImpl.getReferences` takes
/// them: `java.lang.Class`, its superclass, loader and the objects of its
/// statics (the class's own class edge is the first); and the static that
/// paths from GC roots leave out (`Finalizer.unfinalized`), if any.
fn class_references(c: &ClassDump<'_>, names: &EdgeNames) -> (Vec<Id>, Option<Id>) {
    let mut refs = vec![names.class_class, c.super_class, c.loader];
    let mut excluded = None;
    for f in c.statics() {
        if let crate::Value::Object(id) = f.value {
            refs.push(id);
            if Some(c.class) == names.finalizer_class && Some(f.name) == names.unfinalized {
                excluded = Some(id);
            }
        }
    }
    (refs, excluded)
}

/// The `java.lang.ref.Reference.referent` an instance holds, if any: the
/// reference paths from GC roots leave out.
fn referent_of(i: &Instance<'_>, names: &EdgeNames) -> Option<Id> {
    match (i.layout, names.referent) {
        (Some(l), Some(name)) => l
            .field(name)
            .filter(|s| Some(s.declared_by) == names.reference_class)
            .and_then(|_| match i.field(name) {
                Some(crate::Value::Object(id)) if id != 0 => Some(id),
                _ => None,
            }),
        _ => None,
    }
}

impl Visitor for EdgeVisitor<'_> {
    fn class_dump(&mut self, c: &ClassDump<'_>) {
        let (refs, excluded) = class_references(c, &self.names);
        // The class's own class edge is `class_class`: pass it once.
        self.pass
            .object_without_class(refs.iter().copied(), excluded.as_slice());
    }

    fn instance(&mut self, i: &Instance<'_>) {
        let referent = referent_of(i, &self.names);
        self.pass.object(i.references(), referent.as_slice());
    }

    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.pass.object(a.references(), &[]);
    }

    fn primitive_array(&mut self, _a: &PrimitiveArray<'_>) {
        self.pass.object(std::iter::empty(), &[]);
    }
}

/// Every object's references as ids, written in the object pass to an
/// unnamed temporary file, so the graph's references are read from the
/// dump once: per object a varint of (count << 1 | class edge), then
/// each non-null id as a zigzag varint of its difference to the previous
/// one (the first to the object's own id): a few bytes a reference, none
/// of them in memory. The excluded references (a `Reference.referent`,
/// `Finalizer.unfinalized`: a few per dump) are kept in memory.
/// [`EdgeSpill::replay`] hands them to an [`EdgePass`] once every id is
/// known.
#[derive(Debug)]
pub struct EdgeSpill {
    out: std::io::BufWriter<std::fs::File>,
    /// (object, id it refers to) pairs paths from GC roots leave out.
    excluded: Vec<(Ix, Id)>,
    scratch: Vec<u8>,
    objects: u64,
    /// The first write error (the spill is then unusable).
    error: Option<std::io::Error>,
}

impl EdgeSpill {
    fn new() -> std::io::Result<EdgeSpill> {
        Ok(EdgeSpill {
            out: std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
            excluded: Vec::new(),
            scratch: Vec::new(),
            objects: 0,
            error: None,
        })
    }

    /// The references of object `ix` (id `src`): `class_edge` when the
    /// reference to its class is implied (every object but a class, whose
    /// `refs` hold `java.lang.Class` first).
    fn object(
        &mut self,
        ix: Ix,
        src: Id,
        class_edge: bool,
        refs: impl IntoIterator<Item = Id>,
        excluded: Option<Id>,
    ) {
        if ix == NONE || self.error.is_some() {
            return;
        }
        self.scratch.clear();
        let mut prev = src;
        let mut n = 0u64;
        for id in refs {
            if id == 0 {
                continue;
            }
            let d = id.wrapping_sub(prev) as i64;
            put_varint(&mut self.scratch, ((d << 1) ^ (d >> 63)) as u64);
            prev = id;
            n += 1;
        }
        if let Some(e) = excluded {
            self.excluded.push((ix, e));
        }
        let mut head = [0u8; 10];
        let mut len = 0;
        let mut h = n << 1 | u64::from(class_edge);
        while h >= 0x80 {
            head[len] = h as u8 | 0x80;
            h >>= 7;
            len += 1;
        }
        head[len] = h as u8;
        use std::io::Write;
        let r = self
            .out
            .write_all(&head[..=len])
            .and_then(|_| self.out.write_all(&self.scratch));
        match r {
            Ok(()) => self.objects += 1,
            Err(e) => self.error = Some(e),
        }
    }

    /// Hands every spilled object's references to `pass`, in order.
    pub fn replay(self, pass: &mut EdgePass) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut r = ByteReader::from_start(self.out.into_inner().map_err(|e| e.into_error())?)?;
        let mut classes = ByteReader::from_start(pass.spill_columns()?)?;
        let mut ids: Vec<Id> = Vec::new();
        // Every object of the index: past the spilled ones (none in a
        // whole spill), only the reference to the class.
        for v in 0..pass.index.len() as u64 {
            let class = classes.u32()?;
            let head = if v < self.objects { r.varint()? } else { 1 };
            let src = pass.index.id(v as Ix);
            ids.clear();
            let mut prev = src;
            for _ in 0..head >> 1 {
                let z = r.varint()?;
                prev = prev.wrapping_add(((z >> 1) as i64 ^ -((z & 1) as i64)) as u64);
                ids.push(prev);
            }
            let class = (head & 1 == 1).then_some(class);
            pass.object_with(class, ids.iter().copied(), &[]);
        }
        for (v, id) in self.excluded {
            pass.exclude(v, id);
        }
        pass.close_spill()
    }
}

/// Bytes of a file, one at a time, through a buffer.
struct ByteReader<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
}

impl ByteReader<std::fs::File> {
    /// A reader of `f` from its first byte.
    fn from_start(mut f: std::fs::File) -> std::io::Result<Self> {
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(0))?;
        Ok(ByteReader {
            inner: f,
            buf: vec![0; 1 << 20],
            pos: 0,
            len: 0,
        })
    }
}

impl<R: std::io::Read> ByteReader<R> {
    #[inline]
    fn byte(&mut self) -> std::io::Result<u8> {
        if self.pos == self.len {
            self.len = self.inner.read(&mut self.buf)?;
            self.pos = 0;
            if self.len == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// A little-endian `u32` (as [`write_u32s`] writes them).
    #[inline]
    fn u32(&mut self) -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        for x in &mut b {
            *x = self.byte()?;
        }
        Ok(u32::from_le_bytes(b))
    }

    #[inline]
    fn varint(&mut self) -> std::io::Result<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let x = self.byte()?;
            v |= u64::from(x & 0x7f) << shift;
            if x < 0x80 || shift >= 63 {
                return Ok(v);
            }
            shift += 7;
        }
    }
}

/// Moves `cols` to an unnamed temporary file, leaving them empty; their
/// lengths and the file are what [`unpark_u32s`] brings them back from.
/// On an error the columns are left as they were.
pub(crate) fn park_u32s<const K: usize>(
    cols: &mut [Vec<u32>; K],
) -> std::io::Result<(std::fs::File, [usize; K])> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile()?);
    for c in cols.iter() {
        write_u32s(&mut f, c)?;
    }
    let f = f.into_inner().map_err(|e| e.into_error())?;
    let lens = cols.each_ref().map(|c| c.len());
    for c in cols.iter_mut() {
        *c = Vec::new();
    }
    Ok((f, lens))
}

/// Brings back the columns [`park_u32s`] moved out.
pub(crate) fn unpark_u32s<const K: usize>(
    (mut f, lens): (std::fs::File, [usize; K]),
    cols: &mut [Vec<u32>; K],
) -> std::io::Result<()> {
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(0))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    for (c, &n) in cols.iter_mut().zip(&lens) {
        *c = read_u32s(&mut r, n)?;
    }
    Ok(())
}

fn write_u32s(w: &mut impl std::io::Write, v: &[u32]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for chunk in v.chunks(1 << 14) {
        buf.clear();
        for x in chunk {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

fn read_u32s(r: &mut impl std::io::Read, n: usize) -> std::io::Result<Vec<u32>> {
    let mut v = Vec::with_capacity(n);
    let mut buf = vec![0u8; 1 << 16];
    while v.len() < n {
        let k = ((n - v.len()) * 4).min(buf.len());
        r.read_exact(&mut buf[..k])?;
        v.extend(
            buf[..k]
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    Ok(v)
}

/// The object graph: what the dominator tree and retained sizes read.
#[derive(Debug)]
pub struct Graph {
    index: IdIndex,
    class_of: Vec<u32>,
    shallow: Vec<u32>,
    big: FxHashMap<Ix, u64>,
    class_ids: Vec<Id>,
    class_obj: Vec<Ix>,
    roots: Vec<Ix>,
    succ: VarCsr,
    excluded: Vec<(Ix, Ix)>,
    dangling: u64,
    /// Per [`Column`]: its copy in an unnamed temporary file and its
    /// length, once parked (the columns do not change after the build, so
    /// a copy stays true and parking again only frees memory).
    spilled: [Option<(std::fs::File, usize)>; 5],
    /// The number of objects (also while the id column is parked).
    objects: usize,
}

impl Graph {
    /// The number of objects.
    pub fn len(&self) -> usize {
        self.objects
    }

    pub fn is_empty(&self) -> bool {
        self.objects == 0
    }

    /// The id of object `i`.
    pub fn id(&self, i: Ix) -> Id {
        self.index.id(i)
    }

    /// The index of an id.
    pub fn index(&self, id: Id) -> Option<Ix> {
        self.index.index(id)
    }

    /// The class number of object `i` (see [`Graph::class_id`]).
    #[inline]
    pub fn class_of(&self, i: Ix) -> u32 {
        self.class_of[i as usize]
    }

    /// The number of distinct classes objects have.
    pub fn class_count(&self) -> usize {
        self.class_ids.len()
    }

    /// The id of the class object of class number `c`.
    pub fn class_id(&self, c: u32) -> Id {
        self.class_ids[c as usize]
    }

    /// The object index of class number `c`'s class object, if dumped.
    pub fn class_object(&self, c: u32) -> Option<Ix> {
        Some(self.class_obj[c as usize]).filter(|&o| o != NONE)
    }

    /// The shallow size of object `i` in bytes.
    #[inline]
    pub fn shallow(&self, i: Ix) -> u64 {
        match self.shallow[i as usize] {
            u32::MAX => self.big.get(&i).copied().unwrap_or(u64::from(u32::MAX)),
            s => u64::from(s),
        }
    }

    /// The GC roots, sorted.
    pub fn roots(&self) -> &[Ix] {
        &self.roots
    }

    /// The outgoing references (edges into GC roots left out).
    pub fn successors(&self) -> &VarCsr {
        &self.succ
    }

    /// Whether paths from GC roots leave out the edge `from -> to`.
    pub fn is_excluded(&self, from: Ix, to: Ix) -> bool {
        self.excluded.binary_search(&(from, to)).is_ok()
    }

    /// References to ids the dump does not hold (skipped).
    pub fn dangling(&self) -> u64 {
        self.dangling
    }

    /// Moves the per-object columns the dominator tree does not read
    /// (narrow ids, the id index's sort order, classes, shallow sizes: up
    /// to 16 bytes an object) to unnamed temporary files until
    /// [`Graph::unpark`]; while parked, only [`Graph::successors`],
    /// [`Graph::roots`] and [`Graph::object_at`] may be used.
    pub fn park(&mut self) -> std::io::Result<()> {
        for c in PARKED {
            self.park_column(c)?;
        }
        Ok(())
    }

    /// Brings back what [`Graph::park`] moved out.
    pub fn unpark(&mut self) -> std::io::Result<()> {
        for c in PARKED {
            self.unpark_column(c)?;
        }
        Ok(())
    }

    /// Object `i`'s id, class number and shallow size, each read from
    /// memory or, while its column is parked, from the column's file (a
    /// few reads: for the few objects a report names).
    pub fn object_at(&self, i: Ix) -> std::io::Result<(Id, u32, u64)> {
        let id = match &self.index.ids {
            IdColumn::Narrow { base, slots } => {
                *base + u64::from(self.stored(Column::Ids, slots, i)?) * 8
            }
            IdColumn::Wide(v) => *v.get(i as usize).ok_or_else(out_of_range)?,
        };
        let class = self.stored(Column::Classes, &self.class_of, i)?;
        let shallow = match self.stored(Column::Shallow, &self.shallow, i)? {
            u32::MAX => self.big_shallow(i),
            s => u64::from(s),
        };
        Ok((id, class, shallow))
    }

    /// Entry `i` of column `c` (`col` its memory), from its file when parked.
    fn stored(&self, c: Column, col: &[u32], i: Ix) -> std::io::Result<u32> {
        if let Some(&x) = col.get(i as usize) {
            return Ok(x);
        }
        match &self.spilled[c as usize] {
            Some((f, len)) if (i as usize) < *len => read_u32_at(f, i as usize),
            _ => Err(out_of_range()),
        }
    }

    /// The memory of column `c` (empty while parked; wide ids are never
    /// parked).
    fn column_mut(&mut self, c: Column) -> Option<&mut Vec<u32>> {
        match c {
            Column::Classes => Some(&mut self.class_of),
            Column::Shallow => Some(&mut self.shallow),
            Column::Ids => match &mut self.index.ids {
                IdColumn::Narrow { slots, .. } => Some(slots),
                IdColumn::Wide(_) => None,
            },
            Column::IdOrder => Some(&mut self.index.perm),
            Column::Successors => None,
        }
    }

    /// Moves column `c` to its file (written the first time), freeing its
    /// memory; the methods reading it may not be used until
    /// [`Graph::unpark_column`].
    pub fn park_column(&mut self, c: Column) -> std::io::Result<()> {
        let at = c as usize;
        if c == Column::Successors {
            if self.spilled[at].is_none() {
                let mut f = tempfile::tempfile()?;
                std::io::Write::write_all(&mut f, &self.succ.bytes)?;
                self.spilled[at] = Some((f, self.succ.bytes.len()));
            }
            self.succ.bytes = Vec::new();
            return Ok(());
        }
        let fresh = self.spilled[at].is_none();
        let Some(col) = self.column_mut(c) else {
            return Ok(());
        };
        let col = std::mem::take(col);
        if fresh {
            let len = col.len();
            let mut f = std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile()?);
            write_u32s(&mut f, &col)?;
            let f = f.into_inner().map_err(|e| e.into_error())?;
            self.spilled[at] = Some((f, len));
        }
        Ok(())
    }

    /// Brings back column `c` (nothing when it is not parked).
    pub fn unpark_column(&mut self, c: Column) -> std::io::Result<()> {
        use std::io::{Read, Seek};
        let at = c as usize;
        let Some((f, len)) = &mut self.spilled[at] else {
            return Ok(());
        };
        let len = *len;
        if c == Column::Successors {
            if self.succ.bytes.len() == len {
                return Ok(());
            }
            f.seek(std::io::SeekFrom::Start(0))?;
            let mut bytes = Vec::with_capacity(len);
            f.by_ref().take(len as u64).read_to_end(&mut bytes)?;
            self.succ.bytes = bytes;
            return Ok(());
        }
        let mut f = f.try_clone()?;
        match self.column_mut(c) {
            Some(col) if col.len() != len => {
                f.seek(std::io::SeekFrom::Start(0))?;
                let mut r = std::io::BufReader::with_capacity(1 << 20, f);
                *col = read_u32s(&mut r, len)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Moves the shallow-size column out (from its file when parked), so
    /// retained sizes can be summed over it in place; it stays parked
    /// (sizes of 4 GiB and more are [`u32::MAX`] there: see
    /// [`Graph::big_shallow`]).
    pub fn take_shallow(&mut self) -> std::io::Result<Vec<u32>> {
        self.park_column(Column::Shallow)?;
        self.unpark_column(Column::Shallow)?;
        Ok(std::mem::take(&mut self.shallow))
    }

    /// The shallow size of object `i` when its column says [`u32::MAX`].
    pub fn big_shallow(&self, i: Ix) -> u64 {
        self.big.get(&i).copied().unwrap_or(u64::from(u32::MAX))
    }
}

/// A per-object column of a [`Graph`] that can wait in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Class numbers ([`Graph::class_of`]).
    Classes,
    /// Shallow sizes ([`Graph::shallow`]).
    Shallow,
    /// Object ids ([`Graph::id`], [`Graph::index`]).
    Ids,
    /// References ([`Graph::successors`]).
    Successors,
    /// The id index's sort order ([`Graph::index`]; empty when the dump
    /// lists its objects in id order).
    IdOrder,
}

/// The columns [`Graph::park`] moves out.
const PARKED: [Column; 4] = [
    Column::Classes,
    Column::Shallow,
    Column::Ids,
    Column::IdOrder,
];

fn out_of_range() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "object index out of range",
    )
}

/// Entry `i` of a column of `u32`s written by [`write_u32s`] to `f`.
pub(crate) fn read_u32_at(f: &std::fs::File, i: usize) -> std::io::Result<u32> {
    use std::io::{Read, Seek};
    let mut r = f;
    r.seek(std::io::SeekFrom::Start(i as u64 * 4))?;
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

impl crate::dominator::Successors for Graph {
    fn node_count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn for_each_successor(&self, v: Ix, f: impl FnMut(Ix)) {
        self.succ.for_each(v, f)
    }
    type Cursor = VarCursor;
    #[inline]
    fn cursor(&self, v: Ix) -> VarCursor {
        self.succ.cursor(v)
    }
    #[inline]
    fn next_successor(&self, c: &mut VarCursor) -> Option<Ix> {
        self.succ.next(c)
    }
    #[inline]
    fn for_each_edge(&self, f: impl FnMut(Ix, Ix)) {
        self.succ.for_each_edge(f)
    }
    fn edge_bound(&self) -> u64 {
        self.succ.edges()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(lists: &[&[Ix]]) -> VarCsr {
        let mut c = VarCsr::default();
        let mut s = Vec::new();
        for l in lists {
            c.push(l, &mut s);
        }
        c
    }

    #[test]
    fn var_csr_round_trips_far_and_near_targets() {
        let lists: Vec<Vec<Ix>> = (0..100u32)
            .map(|v| match v % 4 {
                0 => vec![],
                1 => vec![v + 1, v, 0, u32::MAX - 2],
                2 => vec![7; 3],
                _ => (0..300).map(|k| k * 1000 + v).collect(),
            })
            .collect();
        let refs: Vec<&[Ix]> = lists.iter().map(|l| l.as_slice()).collect();
        let c = csr(&refs);
        for (v, l) in lists.iter().enumerate() {
            let mut got = Vec::new();
            c.for_each(v as Ix, |t| got.push(t));
            assert_eq!(&got, l, "list {v}");
            assert_eq!(c.is_empty_at(v as Ix), l.is_empty());
        }
        let mut all = Vec::new();
        c.for_each_edge(|s, t| all.push((s, t)));
        let want: Vec<(Ix, Ix)> = lists
            .iter()
            .enumerate()
            .flat_map(|(v, l)| l.iter().map(move |&t| (v as Ix, t)))
            .collect();
        assert_eq!(all, want);
        assert_eq!(c.edges(), want.len() as u64);
        let mut none = 0;
        c.for_each(1000, |_| none += 1);
        assert_eq!(none, 0);
    }

    fn index_of(ids: &[Id]) -> IdIndex {
        let mut col = IdColumn::Narrow {
            base: u64::MAX,
            slots: Vec::new(),
        };
        for &id in ids {
            col.push(id);
        }
        IdIndex::new(col)
    }

    #[test]
    fn id_index_finds_ids_in_file_order_and_out_of_it() {
        let sorted: Vec<Id> = (0..5000u64).map(|i| 0x7_0000_0000 + i * 24).collect();
        let ix = index_of(&sorted);
        assert!(matches!(ix.ids, IdColumn::Narrow { .. }));
        assert!(ix.perm.is_empty());
        for (i, &id) in sorted.iter().enumerate() {
            assert_eq!(ix.index(id), Some(i as Ix));
            assert_eq!(ix.id(i as Ix), id);
            assert_eq!(ix.index(id + 8), None);
        }
        assert_eq!(ix.index(0x7_0000_0000 - 8), None);
        assert_eq!(ix.index(u64::MAX), None);
        assert_eq!(ix.index(3), None);

        let mut shuffled = sorted.clone();
        shuffled.reverse();
        shuffled.swap(10, 4000);
        let ix = index_of(&shuffled);
        assert!(!ix.perm.is_empty());
        for (i, &id) in shuffled.iter().enumerate() {
            assert_eq!(ix.index(id), Some(i as Ix));
        }
    }

    #[test]
    fn ids_beyond_the_narrow_window_widen_the_column() {
        let ids = [0x1000, 0x2000, 0xffff_0000_0000_0000, 0x1008, 0x1001];
        let ix = index_of(&ids);
        assert!(matches!(ix.ids, IdColumn::Wide(_)));
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(ix.index(id), Some(i as Ix));
            assert_eq!(ix.id(i as Ix), id);
        }
        assert_eq!(ix.index(0x1010), None);
    }

    #[test]
    fn builder_resolves_edges_class_references_and_thread_locals() {
        // class C (id 0x100, class 0x10 = java.lang.Class), thread T (0x200),
        // object A (0x300) held by T's frame, B (0x400) held by A; B also
        // refers to the root class C, which is dropped.
        let mut b = GraphBuilder::new();
        b.object(0x10, 0x10, 100);
        b.object(0x100, 0x10, 50);
        b.object(0x200, 0x100, 120);
        b.object(0x300, 0x100, 16);
        b.object(0x400, 0x100, 5_000_000_000);
        b.root(0x10, RootKind::StickyClass, None);
        b.root(0x200, RootKind::ThreadObject, Some(7));
        b.root(0x300, RootKind::JavaFrame, Some(7));
        b.root(0x999, RootKind::JavaFrame, Some(8));
        let mut e = b.finish().unwrap();
        e.object([], &[]);
        e.object([0x10, 0x0], &[]);
        e.object([], &[]);
        e.object([0x400, 0xdead], &[0x400]);
        e.object([0x100], &[]);
        let g = e.finish();
        assert_eq!(g.len(), 5);
        assert_eq!(g.roots(), &[0, 2]);
        let succ = |v| {
            let mut s = Vec::new();
            g.successors().for_each(v, |t| s.push(t));
            s
        };
        assert_eq!(succ(0), Vec::<Ix>::new());
        assert_eq!(
            succ(1),
            Vec::<Ix>::new(),
            "class -> java.lang.Class (a root)"
        );
        assert_eq!(
            succ(2),
            vec![1, 3],
            "thread -> its class, its frame's local"
        );
        assert_eq!(succ(3), vec![1, 4]);
        assert_eq!(succ(4), vec![1, 1], "its class, then the field holding it");
        assert!(g.is_excluded(3, 4));
        assert!(!g.is_excluded(4, 1));
        assert_eq!(g.dangling(), 1);
        assert_eq!(g.shallow(4), 5_000_000_000);
        assert_eq!(g.class_id(g.class_of(3)), 0x100);
        assert_eq!(g.class_object(g.class_of(3)), Some(1));

        // Parked, the graph keeps its size and successors; unparked, the rest.
        let mut g = g;
        g.park().unwrap();
        assert_eq!(g.len(), 5);
        let mut s = Vec::new();
        g.successors().for_each(3, |t| s.push(t));
        assert_eq!(s, vec![1, 4]);
        g.park_column(Column::Successors).unwrap();
        assert_eq!(g.successors().byte_len(), 0);
        g.unpark().unwrap();
        g.unpark_column(Column::Successors).unwrap();
        let mut s = Vec::new();
        g.successors().for_each(3, |t| s.push(t));
        assert_eq!(s, vec![1, 4]);
        // The shallow column taken out stays parked until brought back.
        assert_eq!(g.take_shallow().unwrap()[3], 16);
        g.unpark_column(Column::Shallow).unwrap();
        assert_eq!(g.shallow(4), 5_000_000_000);
        assert_eq!(g.shallow(3), 16);
        assert_eq!(g.id(2), 0x200);
        assert_eq!(g.class_id(g.class_of(3)), 0x100);
    }

    /// A builder that parks its columns as it goes (more objects than one
    /// chunk, sizes changed before and after the chunk written) makes the
    /// graph the in-memory builder makes, its columns read from the files;
    /// the graph's objects are read one by one while parked.
    #[test]
    fn a_parking_builder_makes_the_same_graph() {
        let n = BUILD_CHUNK as u64 + 1000;
        let make = |park: bool| {
            let mut b = GraphBuilder::new();
            if park {
                b.park_as_built().unwrap();
            }
            for k in 0..n {
                // The first seven objects are the classes.
                b.object(0x1000 + k * 8, 0x1000 + (k % 7) * 8, 16 + k % 5);
            }
            b.resize(5, 6_000_000_000);
            b.resize(n as Ix - 2, 40);
            b.resize(n as Ix + 3, 40);
            b.flush_columns();
            assert!(b.park_error().is_none());
            let mut pass = b.finish().unwrap();
            for k in 0..n {
                pass.object([0x1000 + ((k * 13) % n) * 8], &[]);
            }
            pass.finish()
        };
        let mut g = make(false);
        let mut p = make(true);
        assert_eq!(p.object_at(5).unwrap(), (0x1000 + 40, 5, 6_000_000_000));
        let last = n as Ix - 2;
        assert_eq!(p.object_at(last).unwrap(), g.object_at(last).unwrap());
        assert_eq!(p.object_at(last).unwrap().2, 40);
        assert!(p.object_at(n as Ix).is_err());
        p.unpark().unwrap();
        for v in [0, 1, 5, 7, last, n as Ix - 1] {
            assert_eq!(p.class_of(v), g.class_of(v));
            assert_eq!(p.shallow(v), g.shallow(v));
        }
        let edges = |g: &Graph| {
            let mut e = Vec::new();
            g.successors().for_each_edge(|s, t| e.push((s, t)));
            e
        };
        assert_eq!(edges(&p), edges(&g));
        let mut held = Vec::new();
        p.successors().for_each(8, |t| held.push(t));
        assert_eq!(held, vec![1, 104], "its class, then its field");
        g.park().unwrap();
        assert_eq!(g.object_at(last).unwrap(), p.object_at(last).unwrap());
    }
}
