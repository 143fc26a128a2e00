//! What the heap points at outside itself, and what it holds twice:
//! `java.nio.DirectByteBuffer`s and their native capacity, threads grouped
//! by name pattern with their stacks (STACK TRACE and FRAME records), and
//! strings whose content several `String`s hold in separate arrays.
//!
//! Strings are read through their `value` array: a String's array usually
//! follows it in the dump (it is allocated right after), so the pass keeps
//! the arrays it waits for and the last strings it saw, not every string.
//! A thread's name is found the same way. What could not be matched is
//! counted, never guessed.

use crate::histogram::Role;
use crate::hprof::{BasicType, Id, Value};
use crate::layout::{ClassLayout, FieldSlot};
use crate::names::{java_name, Strings};
use crate::reader::{Frame, Instance, LoadClass, PrimitiveArray, Root, RootKind};
use oomlens_evidence::jvm::family::shape_into;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use std::hash::Hasher;

/// Direct byte buffers and the native memory behind them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirectBuffers {
    /// `java.nio.DirectByteBuffer` instances (and subclasses), views included.
    pub buffers: u64,
    /// Their `capacity` fields summed.
    pub capacity: u64,
    /// Buffers that own their memory (a `cleaner`: allocated by
    /// `allocateDirect`, not a slice, duplicate or view of another).
    pub owners: u64,
    /// The owners' capacity: the native memory these buffers hold.
    pub owned_capacity: u64,
    /// The largest owners' capacities, largest first (at most 10).
    pub largest: Vec<u64>,
}

/// Threads whose names share a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadGroup {
    /// The name with its digit runs as `*` (`http-nio-8080-exec-*`).
    pub pattern: String,
    pub threads: u64,
    /// One thread's name.
    pub example: String,
    /// Its stack, innermost frame first (`Class.method(File.java:12)`).
    pub frames: Vec<String>,
}

/// Threads in the dump.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Threads {
    /// `java.lang.Thread` instances.
    pub threads: u64,
    /// Groups by name pattern, largest first.
    pub groups: Vec<ThreadGroup>,
    /// Threads whose name could not be read.
    pub unnamed: u64,
}

/// One content held by several String arrays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DuplicateString {
    /// The first 80 characters of the content.
    pub value: String,
    /// Separate arrays holding it (Strings sharing one array count once).
    pub copies: u64,
    /// Bytes of the copies beyond the first: their arrays and Strings.
    pub wasted: u64,
}

/// String duplication across the heap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StringDuplication {
    /// Strings whose content was read.
    pub strings: u64,
    /// Strings whose array was not found where expected (not counted).
    pub unmatched: u64,
    /// Contents held more than once.
    pub duplicated_contents: u64,
    /// Bytes all the extra copies take.
    pub wasted: u64,
    /// The contents that waste the most, most first (at most 20).
    pub top: Vec<DuplicateString>,
}

/// The string ids of the field names the pass reads.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FieldNames {
    capacity: Option<Id>,
    cleaner: Option<Id>,
    value: Option<Id>,
    coder: Option<Id>,
    name: Option<Id>,
}

impl FieldNames {
    pub fn find(strings: &Strings) -> FieldNames {
        FieldNames {
            capacity: strings.find(b"capacity"),
            cleaner: strings.find(b"cleaner"),
            value: strings.find(b"value"),
            coder: strings.find(b"coder"),
            name: strings.find(b"name"),
        }
    }
}

impl FieldNames {
    /// A direct buffer's capacity and whether a cleaner owns its memory.
    pub fn direct_buffer(&self, i: &Instance<'_>) -> (u64, bool) {
        direct_buffer_of(
            self.capacity.and_then(|n| i.field(n)),
            self.cleaner.and_then(|n| i.field(n)),
        )
    }

    /// A thread's name String (0: none).
    pub fn thread_name(&self, i: &Instance<'_>) -> Id {
        obj(self.name.and_then(|n| i.field(n)))
    }

    /// A String's value array and coder (0 Latin-1, 1 UTF-16, 2 a JDK 8
    /// `char[]`); None without a value.
    pub fn string(&self, i: &Instance<'_>) -> Option<(Id, u8)> {
        string_of(
            self.value.and_then(|n| i.field(n)),
            self.coder.and_then(|n| i.field(n)),
        )
    }

    /// The two fields the instances of a class with `role` are read by,
    /// resolved once in its `layout`: a thread's name; a direct buffer's
    /// capacity and cleaner; a String's value and coder.
    pub fn slots(&self, role: Role, layout: &ClassLayout) -> [Option<FieldSlot>; 2] {
        let f = |n: Option<Id>| n.and_then(|n| layout.field(n)).copied();
        match role {
            Role::Thread => [f(self.name), None],
            Role::DirectBuffer => [f(self.capacity), f(self.cleaner)],
            Role::String => [f(self.value), f(self.coder)],
            Role::Plain | Role::Loader => [None, None],
        }
    }
}

/// A direct buffer's capacity and whether it owns its memory, from its
/// `capacity` and `cleaner` fields.
pub(crate) fn direct_buffer_of(capacity: Option<Value>, cleaner: Option<Value>) -> (u64, bool) {
    let capacity = match capacity {
        Some(Value::Int(c)) => c.max(0) as u64,
        _ => 0,
    };
    (capacity, obj(cleaner) != 0)
}

/// A String's value array and coder from its `value` and `coder` fields.
pub(crate) fn string_of(value: Option<Value>, coder: Option<Value>) -> Option<(Id, u8)> {
    let value = obj(value);
    if value == 0 {
        return None;
    }
    let coder = match coder {
        Some(Value::Byte(c)) => c as u8 & 1,
        _ => 2,
    };
    Some((value, coder))
}

/// The most of an array's bytes `OffHeap::array` reads besides its hash:
/// 80 UTF-16 characters of a sample.
pub(crate) const ARRAY_PREFIX: usize = 160;

pub(crate) fn obj(v: Option<Value>) -> Id {
    match v {
        Some(Value::Object(id)) => id,
        _ => 0,
    }
}

/// How many recent strings are remembered for a thread whose name string
/// came before it, and recent contents for noticing a second copy.
const RECENT: usize = 1 << 16;

/// The most value arrays waited for at once: memory stays bounded when a
/// dump lists arrays before their strings.
const WAITING: usize = 1 << 20;

/// Content words are kept in `1 << BUCKET_BITS` buckets by their top bits.
const BUCKET_BITS: u32 = 8;

/// Content words a bucket's chunk holds (32 KiB).
const CHUNK: usize = 4096;

/// Contents with a sample kept.
const SAMPLES: usize = 1 << 14;

/// A string's value array, waited for.
#[derive(Clone, Copy)]
struct Waiting {
    /// 0 Latin-1, 1 UTF-16 (JDK 9+); 2 a `char[]` (JDK 8).
    coder: u8,
    /// The String object's shallow size.
    string_bytes: u32,
}

/// The opening bytes of an array: enough for a thread name or a sample.
#[derive(Clone, Copy)]
struct Prefix {
    bytes: [u8; 64],
    len: u8,
}

impl Prefix {
    fn of(data: &[u8]) -> Prefix {
        let n = data.len().min(64);
        let mut bytes = [0u8; 64];
        bytes[..n].copy_from_slice(&data[..n]);
        Prefix {
            bytes,
            len: n as u8,
        }
    }
    fn text(&self, coder: u8, max: usize) -> String {
        decode(&self.bytes[..self.len as usize], coder, max)
    }
}

/// An array seen before any string pointed at it.
#[derive(Clone, Copy)]
struct RecentArray {
    hash: u64,
    bytes: u64,
    /// Its opening in `Prefixes`, when kept (a thread waits for a name, or
    /// its content was seen before).
    prefix: u32,
}

/// A String whose value array is looked for with the next record.
#[derive(Clone, Copy)]
struct Pending {
    id: Id,
    value: Id,
    coder: u8,
    string_bytes: u64,
}

/// A string seen lately, for a thread whose name it is.
#[derive(Clone, Copy)]
struct RecentString {
    value: Id,
    coder: u8,
    /// Its content's opening in `Prefixes`, when the array came first.
    prefix: u32,
}

const NO_PREFIX: u32 = u32::MAX;

/// A direct-mapped table of the last entries by key: an insert overwrites
/// whatever shared its slot. One probe per lookup, no allocation per entry.
struct Recent<V> {
    slots: Vec<(u64, V)>,
}

impl<V: Copy> Recent<V> {
    fn new(empty: V) -> Recent<V> {
        Recent {
            slots: vec![(u64::MAX, empty); RECENT],
        }
    }
    #[inline]
    fn slot(k: u64) -> usize {
        ((k >> 3) ^ (k >> 19) ^ (k >> 35)) as usize & (RECENT - 1)
    }
    #[inline]
    fn insert(&mut self, k: u64, v: V) {
        self.slots[Self::slot(k)] = (k, v);
    }
    #[inline]
    fn get(&self, k: u64) -> Option<V> {
        let (key, v) = self.slots[Self::slot(k)];
        (key == k).then_some(v)
    }
    /// Starts loading the slot of `k` into the cache: a probe of a
    /// random slot misses it, and the pass knows the keys ahead.
    #[inline]
    fn prefetch(&self, k: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slots.get(Self::slot(k)) {
            let p = (slot as *const (u64, V)).cast::<i8>();
            // SAFETY: a prefetch of the address of a live element: it reads
            // nothing the program sees and cannot fault.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p);
            }
        }
    }
    #[inline]
    fn take(&mut self, k: u64) -> Option<V> {
        let e = &mut self.slots[Self::slot(k)];
        if e.0 == k {
            e.0 = u64::MAX;
            Some(e.1)
        } else {
            None
        }
    }
}

/// Buckets of `OffHeap::waiting_marks` (16 KiB of counts).
const MARKS: usize = 1 << 12;

/// The `waiting_marks` bucket of object `id`.
#[inline]
fn mark_of(id: Id) -> usize {
    ((id >> 3) ^ (id >> 15) ^ (id >> 27)) as usize & (MARKS - 1)
}

/// Array openings kept for names and samples, in a ring.
struct Prefixes {
    ring: Vec<Prefix>,
    next: usize,
}

impl Prefixes {
    fn keep(&mut self, data: &[u8]) -> u32 {
        let i = self.next;
        if self.ring.len() < 4096 {
            self.ring.push(Prefix::of(data));
        } else {
            self.ring[i] = Prefix::of(data);
        }
        self.next = (i + 1) % 4096;
        i as u32
    }
    fn get(&self, i: u32) -> Option<&Prefix> {
        if i == NO_PREFIX {
            return None;
        }
        self.ring.get(i as usize)
    }
}

/// Everything the off-heap, thread and string sections keep during a pass.
pub(crate) struct OffHeap {
    direct: DirectBuffers,
    owned: Vec<u64>,
    /// (thread object, name string).
    threads: Vec<(Id, Id)>,
    thread_traces: FxHashMap<Id, u32>,
    traces: FxHashMap<u32, Vec<Id>>,
    frames: FxHashMap<Id, Frame>,
    class_serials: FxHashMap<u32, Id>,
    /// Name strings wanted by threads, and the arrays wanted for them.
    wanted_strings: FxHashMap<Id, ()>,
    wanted_arrays: FxHashMap<Id, (Id, u8)>,
    /// Thread name string -> its text.
    names: FxHashMap<Id, String>,
    recent_strings: Recent<RecentString>,
    recent_arrays: Recent<RecentArray>,
    prefixes: Prefixes,
    /// Value arrays waited for by strings (at most `WAITING`).
    waiting: FxHashMap<Id, Waiting>,
    /// How many of `waiting`'s keys fall in each `mark_of` bucket: a key
    /// whose bucket counts none is not looked for (the table holds a few
    /// keys most of the time, and a probe of it misses the cache).
    waiting_marks: Vec<u32>,
    /// One word per array read: a 48-bit content hash over the bytes of
    /// one copy (array and String); copies of 64 KiB or more go to `big`.
    contents: Contents,
    big: Vec<(u64, u64)>,
    /// Contents seen lately (by hash), to notice a second copy.
    seen: Recent<()>,
    /// The first 80 characters of contents seen twice.
    samples: FxHashMap<u64, String>,
    strings_read: u64,
    /// The last String read, its array not looked for yet: HotSpot writes
    /// a String's value array right after it, so the next array usually
    /// settles it without a probe of `recent_arrays` or `waiting`.
    pending: Option<Pending>,
    /// Strings whose array was not found: it came long before, or too
    /// many waited.
    unmatched: u64,
}

impl Default for OffHeap {
    fn default() -> OffHeap {
        OffHeap {
            direct: DirectBuffers::default(),
            owned: Vec::new(),
            threads: Vec::new(),
            thread_traces: FxHashMap::default(),
            traces: FxHashMap::default(),
            frames: FxHashMap::default(),
            class_serials: FxHashMap::default(),
            wanted_strings: FxHashMap::default(),
            wanted_arrays: FxHashMap::default(),
            names: FxHashMap::default(),
            recent_strings: Recent::new(RecentString {
                value: 0,
                coder: 0,
                prefix: NO_PREFIX,
            }),
            recent_arrays: Recent::new(RecentArray {
                hash: 0,
                bytes: 0,
                prefix: NO_PREFIX,
            }),
            prefixes: Prefixes {
                ring: Vec::new(),
                next: 0,
            },
            waiting: FxHashMap::default(),
            waiting_marks: vec![0; MARKS],
            contents: Contents::default(),
            big: Vec::new(),
            seen: Recent::new(()),
            samples: FxHashMap::default(),
            strings_read: 0,
            pending: None,
            unmatched: 0,
        }
    }
}

impl OffHeap {
    pub fn load_class(&mut self, c: &LoadClass) {
        self.class_serials.insert(c.serial, c.name);
    }

    pub fn frame(&mut self, f: &Frame) {
        self.frames.insert(f.id, *f);
    }

    /// A stack trace's frame ids, innermost first.
    pub fn stack_trace(&mut self, serial: u32, frames: &[Id]) {
        self.traces.insert(serial, frames.to_vec());
    }

    pub fn root(&mut self, r: &Root) {
        if r.kind == RootKind::ThreadObject {
            if let Some(s) = r.stack_trace_serial {
                self.thread_traces.insert(r.object, s);
            }
        }
    }

    /// A direct buffer of `capacity` bytes; `cleaner`: it owns its memory.
    pub fn direct_buffer(&mut self, capacity: u64, cleaner: bool) {
        self.direct.buffers += 1;
        self.direct.capacity += capacity;
        if cleaner {
            self.direct.owners += 1;
            self.direct.owned_capacity += capacity;
            self.owned.push(capacity);
        }
    }

    /// A thread object and its name String (0: none).
    pub fn thread(&mut self, thread: Id, name: Id) {
        self.settle_pending();
        self.threads.push((thread, name));
        if name == 0 {
            return;
        }
        match self.recent_strings.get(name) {
            Some(r) => match self.prefixes.get(r.prefix) {
                Some(p) => {
                    let text = p.text(r.coder, 64);
                    self.names.insert(name, text);
                }
                None => {
                    self.wanted_arrays.insert(r.value, (name, r.coder));
                }
            },
            None => {
                self.wanted_strings.insert(name, ());
            }
        }
    }

    /// String `id` of `string_bytes` with its `value` array (not 0) and
    /// `coder` (`FieldNames::string`).
    pub fn string(&mut self, id: Id, value: Id, coder: u8, string_bytes: u64) {
        self.settle_pending();
        self.pending = Some(Pending {
            id,
            value,
            coder,
            string_bytes,
        });
    }

    /// Looks for the pending String's array among the arrays read before
    /// it, or waits for it: what `string` did at once before the next
    /// record could settle it.
    #[inline]
    fn settle_pending(&mut self) {
        if let Some(p) = self.pending.take() {
            self.settle(p);
        }
    }

    /// [`settle_pending`](Self::settle_pending) of `p`.
    fn settle(&mut self, p: Pending) {
        let Pending {
            id,
            value,
            coder,
            string_bytes,
        } = p;
        let earlier = self.recent_arrays.take(value);
        let prefix = earlier.map_or(NO_PREFIX, |a| a.prefix);
        if !self.wanted_strings.is_empty() && self.wanted_strings.remove(&id).is_some() {
            match self.prefixes.get(prefix) {
                Some(p) => {
                    let text = p.text(coder, 64);
                    self.names.insert(id, text);
                }
                None => {
                    self.wanted_arrays.insert(value, (id, coder));
                }
            }
        }
        self.recent_strings.insert(
            id,
            RecentString {
                value,
                coder,
                prefix,
            },
        );
        if let Some(a) = earlier {
            self.strings_read += 1;
            let sample = self.prefixes.get(prefix).map(|p| p.text(coder, 80));
            self.account(a.hash, a.bytes + string_bytes, || {
                sample.unwrap_or_else(|| "<content not kept>".into())
            });
            return;
        }
        if self.waiting.len() >= WAITING && !self.waiting.contains_key(&value) {
            self.unmatched += 1;
            return;
        }
        let w = Waiting {
            coder,
            string_bytes: string_bytes.min(u64::from(u32::MAX)) as u32,
        };
        if self.waiting.insert(value, w).is_none() {
            self.waiting_marks[mark_of(value)] += 1;
        }
    }

    /// Starts loading what `array` will probe for content `hash`.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        self.seen.prefetch(hash);
    }

    /// Starts loading the slot String `id` will be remembered in.
    #[inline]
    pub fn prefetch_string(&self, id: Id) {
        self.recent_strings.prefetch(id);
    }

    /// Whether `array` reads a primitive array: a byte or char array
    /// with its contents.
    pub fn reads(a: &PrimitiveArray<'_>) -> bool {
        matches!(a.ty, BasicType::Byte | BasicType::Char) && a.data.is_some()
    }

    /// A byte or char array with contents (`reads`): a string's value or
    /// a thread name's, if waited for. `data` is its opening (at least
    /// `ARRAY_PREFIX` bytes when it has them), `hash` its `content_hash`
    /// (None when `data` is the whole array: hashed here).
    pub fn array(&mut self, id: Id, array_bytes: u64, data: &[u8], hash: Option<u64>) {
        let hash = hash.unwrap_or_else(|| content_hash(data));
        let next = self.pending.filter(|p| {
            p.value == id && (self.waiting.len() < WAITING || self.waiting.contains_key(&p.value))
        });
        match next {
            // The array right after its String: as if the String had waited
            // for it (an array is dumped once, so none read before was it).
            Some(p) => {
                self.pending = None;
                if !self.wanted_strings.is_empty() && self.wanted_strings.remove(&p.id).is_some() {
                    self.wanted_arrays.insert(p.value, (p.id, p.coder));
                }
                self.recent_strings.insert(
                    p.id,
                    RecentString {
                        value: p.value,
                        coder: p.coder,
                        prefix: NO_PREFIX,
                    },
                );
                // Waiting for it and found at once: an older wait for the
                // same array (two Strings sharing it) ends with this one.
                self.stop_waiting(p.value);
                if let Some((string, coder)) = self.wanted_array(id) {
                    self.names.insert(string, decode(data, coder, 64));
                }
                self.strings_read += 1;
                let copy = array_bytes + p.string_bytes.min(u64::from(u32::MAX));
                self.account(hash, copy, || decode(data, p.coder, 80));
                return;
            }
            None => self.settle_pending(),
        }
        if let Some((string, coder)) = self.wanted_array(id) {
            self.names.insert(string, decode(data, coder, 64));
        }
        let waited = self.stop_waiting(id);
        match waited {
            Some(w) => {
                self.strings_read += 1;
                let copy = array_bytes + u64::from(w.string_bytes);
                self.account(hash, copy, || decode(data, w.coder, 80));
            }
            None => {
                // Keep the opening only when it may be asked for.
                let prefix = if !self.wanted_strings.is_empty() || self.seen.get(hash).is_some() {
                    self.prefixes.keep(data)
                } else {
                    NO_PREFIX
                };
                self.recent_arrays.insert(
                    id,
                    RecentArray {
                        hash,
                        bytes: array_bytes,
                        prefix,
                    },
                );
            }
        }
    }

    /// The thread name String waiting for array `id`, taken.
    #[inline]
    fn wanted_array(&mut self, id: Id) -> Option<(Id, u8)> {
        if self.wanted_arrays.is_empty() {
            return None;
        }
        self.wanted_arrays.remove(&id)
    }

    /// The wait for array `id`, ended, if a String waited for it.
    #[inline(always)]
    fn stop_waiting(&mut self, id: Id) -> Option<Waiting> {
        let mark = mark_of(id);
        if self.waiting_marks[mark] == 0 {
            return None;
        }
        self.end_wait(id, mark)
    }

    /// [`stop_waiting`](Self::stop_waiting) past its bucket's count.
    fn end_wait(&mut self, id: Id, mark: usize) -> Option<Waiting> {
        let w = self.waiting.remove(&id)?;
        self.waiting_marks[mark] -= 1;
        self.shrink_waiting();
        Some(w)
    }

    /// Gives back the memory of a wait table that emptied: a burst of
    /// Strings before their arrays leaves it wide, and a probe of a wide
    /// table misses the cache.
    #[inline]
    fn shrink_waiting(&mut self) {
        if self.waiting.capacity() > 4096 && self.waiting.len() * 8 < self.waiting.capacity() {
            self.waiting.shrink_to(self.waiting.len() * 2);
        }
    }

    /// One string content of `copy` bytes (array and String).
    fn account(&mut self, hash: u64, copy: u64, sample: impl FnOnce() -> String) {
        if copy < 1 << 16 {
            self.contents.push(hash << 16 | copy);
        } else {
            self.big.push((hash, copy));
        }
        // A second copy seen within the recent window keeps a sample.
        if self.seen.get(hash).is_some() {
            if self.samples.len() < SAMPLES && !self.samples.contains_key(&hash) {
                self.samples.insert(hash, sample());
            }
            return;
        }
        self.seen.insert(hash, ());
    }

    pub fn finish(mut self, strings: &Strings) -> (DirectBuffers, Threads, StringDuplication) {
        self.settle_pending();
        self.owned.sort_unstable_by(|a, b| b.cmp(a));
        self.owned.truncate(10);
        self.direct.largest = self.owned.clone();

        // Threads: the name through its string's array, grouped by shape.
        let mut threads = Threads {
            threads: self.threads.len() as u64,
            ..Threads::default()
        };
        let mut groups: FxHashMap<Vec<u8>, ThreadGroup> = FxHashMap::default();
        let mut shape = Vec::new();
        let resolved = std::mem::take(&mut self.names);
        for &(thread, name) in &self.threads {
            let Some(n) = resolved.get(&name) else {
                threads.unnamed += 1;
                continue;
            };
            shape_into(n.as_bytes(), &mut shape);
            let frames = self.frames_of(thread, strings);
            let g = groups.entry(shape.clone()).or_insert_with(|| ThreadGroup {
                pattern: String::from_utf8_lossy(&shape).into_owned(),
                threads: 0,
                example: n.clone(),
                frames,
            });
            g.threads += 1;
        }
        threads.groups = groups.into_values().collect();
        threads.groups.sort_by(|a, b| {
            b.threads
                .cmp(&a.threads)
                .then_with(|| a.pattern.cmp(&b.pattern))
        });

        (self.direct.clone(), threads, self.duplication())
    }

    fn frames_of(&self, thread: Id, strings: &Strings) -> Vec<String> {
        let Some(serial) = self.thread_traces.get(&thread) else {
            return Vec::new();
        };
        let Some(ids) = self.traces.get(serial) else {
            return Vec::new();
        };
        let s = |id: Id| {
            strings
                .get(id)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        ids.iter()
            .filter_map(|id| self.frames.get(id))
            .map(|f| {
                let class = self
                    .class_serials
                    .get(&f.class_serial)
                    .and_then(|&n| strings.get(n))
                    .map(java_name)
                    .unwrap_or_default();
                let place = match f.line {
                    l if l > 0 => format!("{}:{l}", s(f.source_file)),
                    -3 => "Native Method".into(),
                    -2 => "Compiled Code".into(),
                    _ => s(f.source_file),
                };
                format!("{class}.{}({place})", s(f.method))
            })
            .collect()
    }

    fn duplication(&mut self) -> StringDuplication {
        let mut d = StringDuplication {
            strings: self.strings_read,
            unmatched: self.unmatched + self.waiting.len() as u64,
            ..StringDuplication::default()
        };
        // The buckets on two threads: each sorts a bucket at a time (it
        // fits the cache) and keeps its own top; the tops' union holds
        // the overall top.
        let mut buckets = std::mem::take(&mut self.contents.buckets);
        let half = buckets.len() / 2;
        let (a, b) = buckets.split_at_mut(half);
        let (mut ga, gb) = std::thread::scope(|scope| {
            let other = scope.spawn(|| groups_of(b));
            let mine = groups_of(a);
            match other.join() {
                Ok(g) => (mine, g),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        ga.merge(gb);
        let mut all: Vec<(u64, u64)> = std::mem::take(&mut self.big);
        all.sort_unstable();
        for run in all.chunk_by(|a, b| a == b) {
            ga.group(run[0].0, run.len() as u64, run[0].1);
        }
        ga.top.sort_unstable_by(|a, b| b.cmp(a));
        ga.top.truncate(TOP);
        d.duplicated_contents = ga.contents;
        d.wasted = ga.wasted;
        d.top = ga
            .top
            .into_iter()
            .map(|(wasted, copies, hash)| DuplicateString {
                value: self
                    .samples
                    .get(&hash)
                    .cloned()
                    .unwrap_or_else(|| "<content not kept>".into()),
                copies,
                wasted,
            })
            .collect();
        d
    }
}

/// The most duplicated contents reported.
const TOP: usize = 20;

/// The content words of the pass (`hash << 16 | copy bytes`), bucketed by
/// their top bits (the hash's, uniform) in chunks of `CHUNK`: the end
/// sorts each bucket on its own, in the cache, and nothing is copied as
/// the words grow.
struct Contents {
    buckets: Vec<Bucket>,
}

#[derive(Default)]
struct Bucket {
    full: Vec<Vec<u64>>,
    open: Vec<u64>,
}

impl Default for Contents {
    fn default() -> Contents {
        Contents {
            buckets: (0..1usize << BUCKET_BITS)
                .map(|_| Bucket::default())
                .collect(),
        }
    }
}

impl Contents {
    #[inline(always)]
    fn push(&mut self, word: u64) {
        let b = &mut self.buckets[(word >> (64 - BUCKET_BITS)) as usize];
        if b.open.len() == b.open.capacity() {
            if !b.open.is_empty() {
                let full = std::mem::replace(&mut b.open, Vec::with_capacity(CHUNK));
                b.full.push(full);
            } else {
                b.open.reserve_exact(CHUNK);
            }
        }
        b.open.push(word);
    }
}

/// Duplicated contents found so far: how many, their extra bytes, and the
/// largest (wasted, copies, hash), at most `TOP` once `trim`med.
#[derive(Default)]
struct Groups {
    contents: u64,
    wasted: u64,
    top: Vec<(u64, u64, u64)>,
}

impl Groups {
    /// `copies` copies of `copy` bytes each of content `hash`.
    fn group(&mut self, hash: u64, copies: u64, copy: u64) {
        if copies < 2 {
            return;
        }
        let wasted = (copies - 1) * copy;
        self.contents += 1;
        self.wasted += wasted;
        self.top.push((wasted, copies, hash));
        if self.top.len() >= 4 * TOP {
            self.trim();
        }
    }

    /// Keeps the `TOP` largest.
    fn trim(&mut self) {
        self.top.sort_unstable_by(|a, b| b.cmp(a));
        self.top.truncate(TOP);
    }

    fn merge(&mut self, other: Groups) {
        self.contents += other.contents;
        self.wasted += other.wasted;
        self.top.extend(other.top);
        self.trim();
    }
}

/// Sorts each bucket (emptying it) and groups its equal words.
fn groups_of(buckets: &mut [Bucket]) -> Groups {
    let mut g = Groups::default();
    let mut words = Vec::new();
    for b in buckets {
        words.clear();
        for chunk in std::mem::take(&mut b.full) {
            words.extend_from_slice(&chunk);
        }
        words.append(&mut std::mem::take(&mut b.open));
        words.sort_unstable();
        for run in words.chunk_by(|a, b| a == b) {
            g.group(run[0] >> 16, run.len() as u64, run[0] & 0xffff);
        }
    }
    g.trim();
    g
}

/// A 48-bit hash of an array's content.
pub(crate) fn content_hash(data: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(data);
    h.write_usize(data.len());
    h.finish() >> 16
}

/// Up to `max` characters of a string's array: Latin-1 or UTF-16 as its
/// coder says (HotSpot stores UTF-16 in the machine's order: little-endian
/// on x86 and ARM), or a JDK 8 `char[]` (big-endian in the dump).
fn decode(data: &[u8], coder: u8, max: usize) -> String {
    match coder {
        0 => data.iter().take(max).map(|&b| b as char).collect(),
        1 => char::decode_utf16(
            data.chunks_exact(2)
                .take(max)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        _ => char::decode_utf16(
            data.chunks_exact(2)
                .take(max)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
    }
}
