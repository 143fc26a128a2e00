//! The shallow pass (`summarize`) on several threads, with the answer a
//! single thread gives: one thread reads the dump and hands each heap dump
//! segment whole (HotSpot writes them about 1 MiB long; a single HEAP DUMP
//! record is cut into parts at sub-record boundaries) to `WORKERS`
//! workers; each counts a part's objects per class and reads the fields
//! and array openings the off-heap sections need; the calling thread
//! applies the small records and the workers' digests in dump order,
//! handing a digest's events to the off-heap thread as they are.
//!
//! A worker settles an instance only when its class's layout was known
//! before the part began (`Known`, published by the applying thread after
//! class dumps): everything else (class dumps, roots, instances of classes
//! not known yet, and from the first damaged or cut sub-record on, the
//! rest of the part) it leaves as byte ranges, which the applying thread
//! walks exactly as the single-threaded pass does, with the same stops at
//! the same offsets. HotSpot dumps every class before any instance, so
//! nearly all objects are counted by the workers. A part digested before
//! a class it settled was dumped again (its layout changed) is walked
//! whole by the applying thread instead.

use crate::feed::SliceFeed;
use crate::histogram::{PrimArrays, Role};
use crate::hprof::{id_at, sub, u32_at, BasicType, Header, Id, RecordKind, Value};
use crate::layout::{FieldSlot, Layouts};
use crate::offheap::{content_hash, direct_buffer_of, obj, string_of, ARRAY_PREFIX};
use crate::reader::{
    class_dump, heap_walk, read_stream, sub_len, Counts, Frame, LoadClass, OpenError, Outcome,
    PrimitiveArray, StackTrace, Stop, SubLen, Visitor, Walk, TAKE_MAX,
};
use crate::sizing::Sizing;
use crate::summary::{Event, Pass};
use rustc_hash::FxHashMap;
use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, RwLock};

/// Threads that digest parts.
const WORKERS: usize = 2;

/// The most bytes of sub-records of one record put in one part.
const PART: usize = 1 << 20;

/// Parts waiting for a worker.
const QUEUE: usize = 4;

/// Records and parts waiting to be applied, in dump order.
const ITEMS: usize = 16;

/// What a worker needs of a class to settle its instances.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Known {
    role: Role,
    /// An instance's shallow size.
    size: u64,
    /// The fields `role` reads (`FieldNames::slots`).
    slots: [Option<FieldSlot>; 2],
}

/// The classes workers settle instances of, by id.
type KnownMap = FxHashMap<Id, Known>;

/// The classes workers settle instances of, as of the `version`th class
/// dump of the dump.
#[derive(Default)]
struct Published {
    version: u64,
    map: KnownMap,
}

/// One thing to apply, in dump order.
enum Item {
    Header(Header),
    String(Id, Vec<u8>),
    LoadClass(LoadClass),
    Frame(Frame),
    Trace {
        serial: u32,
        thread_serial: u32,
        frames: Vec<u8>,
    },
    /// A primitive array too large to hold, without its contents.
    Oversized(PrimitiveArray<'static>),
    Part(Part),
}

/// A part of a heap dump record handed to a worker.
struct Part {
    /// The record's offset and kind, and its length.
    rec_at: u64,
    kind: RecordKind,
    /// The file offset of the part's first byte, and where it ends (the
    /// record's end for a whole record, even when the file ends sooner).
    base: u64,
    end: u64,
    /// The read that got the part failed after it.
    failed: Option<(io::ErrorKind, String)>,
    /// The record walk's counts before it.
    counts: Counts,
    digest: Receiver<Digest>,
}

struct Job {
    body: Vec<u8>,
    /// The dump's identifier size.
    id: u8,
    reply: SyncSender<Digest>,
}

/// What a worker made of a part.
#[derive(Default)]
struct Digest {
    body: Vec<u8>,
    /// What the off-heap sections are told, in dump order (`Event::Array`
    /// openings are ranges of `body`): handed to them with `body` as a
    /// batch of their own.
    events: Vec<Event>,
    /// Things between the events, in dump order.
    marks: Vec<Mark>,
    /// Instances settled, per class.
    instances: Vec<(Id, u64, Known)>,
    /// Object arrays per class: arrays, elements, bytes.
    arrays: Vec<(Id, u64, u64, u64)>,
    prims: PrimArrays,
    counts: Counts,
    /// Where in `body` the worker stopped: the rest is walked by the
    /// applying thread.
    tail: usize,
    /// The `Published::version` of the classes it knew.
    version: u64,
}

/// What a worker found that is not an event, and before which event
/// (`at`, an index into `Digest::events`).
enum Mark {
    /// Sub-records in `body[from..to]` to walk as the serial pass does.
    Raw { at: u32, from: u32, to: u32 },
    /// A class-loader instance and its class.
    Loader { at: u32, object: Id, class: Id },
}

/// Reads `source` (a whole dump) into `pass`, in parallel.
pub(crate) fn read(source: impl Read + Send, pass: &mut Pass) -> Result<Outcome, OpenError> {
    read_with(source, pass, TAKE_MAX)
}

/// [`read`], taking records of up to `whole_max` bytes whole and cutting
/// longer ones into parts.
fn read_with(
    source: impl Read + Send,
    pass: &mut Pass,
    whole_max: u64,
) -> Result<Outcome, OpenError> {
    let (jobs_to, jobs) = sync_channel::<Job>(QUEUE);
    let jobs = Arc::new(Mutex::new(jobs));
    let (items_to, items) = sync_channel::<Item>(ITEMS);
    let (back, bodies) = sync_channel::<Vec<u8>>(QUEUE + ITEMS);
    // Digests applied go back to the workers, their vectors reused.
    let (spare_to, spares) = sync_channel::<Digest>(QUEUE + ITEMS);
    let spares = Arc::new(Mutex::new(spares));
    let known: Arc<RwLock<Arc<Published>>> = Arc::default();
    let sizing = pass.sizing;
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let jobs = Arc::clone(&jobs);
            let known = Arc::clone(&known);
            let spares = Arc::clone(&spares);
            workers.push(scope.spawn(move || work(&jobs, &spares, &known, sizing)));
        }
        let reader = scope.spawn(move || {
            let mut f = Forwarder {
                items: items_to,
                jobs: jobs_to,
                bodies,
                id: 8,
                chunk: Vec::new(),
                chunk_at: (0, RecordKind::HeapDump, 0),
                chunk_counts: Counts::default(),
                gone: false,
                whole_max,
            };
            let out = read_stream(source, &mut f);
            f.flush();
            out
        });
        let applied = apply_all(items, pass, &known, &back, &spare_to);
        let outcome = match reader.join() {
            Ok(o) => o,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        let mut outcome = outcome?;
        match applied.stop {
            Some((stop, counts, bytes)) => {
                outcome.counts = counts;
                outcome.counts.add(&applied.counts);
                outcome.stop = Some(stop);
                outcome.bytes = bytes;
            }
            None => outcome.counts.add(&applied.counts),
        }
        Ok(outcome)
    })
}

/// The reading thread's visitor: small records go on as they are, heap
/// dump records to the workers.
struct Forwarder {
    items: SyncSender<Item>,
    jobs: SyncSender<Job>,
    bodies: Receiver<Vec<u8>>,
    id: u8,
    /// Sub-records of a record too long to take whole, gathered into a part.
    chunk: Vec<u8>,
    /// The gathered part's record offset and kind, and its file offset.
    chunk_at: (u64, RecordKind, u64),
    chunk_counts: Counts,
    /// The applying thread stopped: nothing more is sent.
    gone: bool,
    /// The longest record taken whole.
    whole_max: u64,
}

impl Forwarder {
    fn send(&mut self, item: Item) {
        if !self.gone && self.items.send(item).is_err() {
            self.gone = true;
        }
    }

    /// Hands `body` (at file offset `base`) to a worker.
    fn part(
        &mut self,
        rec: (u64, RecordKind),
        base: u64,
        end: u64,
        body: Vec<u8>,
        failed: Option<(io::ErrorKind, String)>,
        c: &Counts,
    ) {
        if self.gone {
            return;
        }
        let (reply, digest) = sync_channel(1);
        let job = Job {
            body,
            id: self.id,
            reply,
        };
        if self.jobs.send(job).is_err() {
            self.gone = true;
            return;
        }
        self.send(Item::Part(Part {
            rec_at: rec.0,
            kind: rec.1,
            base,
            end,
            failed,
            counts: *c,
            digest,
        }));
    }

    /// Hands over the sub-records gathered so far.
    fn flush(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let mut fresh = self.bodies.try_recv().unwrap_or_default();
        fresh.clear();
        let chunk = std::mem::replace(&mut self.chunk, fresh);
        let (rec_at, kind, base) = self.chunk_at;
        let counts = self.chunk_counts;
        let end = base + chunk.len() as u64;
        self.part((rec_at, kind), base, end, chunk, None, &counts);
    }
}

impl Visitor for Forwarder {
    fn header(&mut self, h: &Header) {
        self.id = h.id_size;
        self.send(Item::Header(*h));
    }
    fn string(&mut self, id: Id, utf8: &[u8]) {
        self.send(Item::String(id, utf8.to_vec()));
    }
    fn load_class(&mut self, c: &LoadClass) {
        self.send(Item::LoadClass(*c));
    }
    fn frame(&mut self, f: &Frame) {
        self.send(Item::Frame(*f));
    }
    fn stack_trace(&mut self, t: &StackTrace<'_>) {
        self.send(Item::Trace {
            serial: t.serial,
            thread_serial: t.thread_serial,
            frames: t.raw_frames().to_vec(),
        });
    }
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
        // Only an array too large to hold comes here (`take_sub` takes
        // every other sub-record).
        self.flush();
        self.send(Item::Oversized(PrimitiveArray {
            id: a.id,
            stack_trace_serial: a.stack_trace_serial,
            ty: a.ty,
            len: a.len,
            data: None,
        }));
    }
    fn segment_buffer(&mut self, len: u64) -> Option<Vec<u8>> {
        if len > self.whole_max {
            return None;
        }
        self.flush();
        Some(self.bodies.try_recv().unwrap_or_default())
    }
    fn take_segment(
        &mut self,
        at: u64,
        kind: RecordKind,
        len: u64,
        body: Vec<u8>,
        failed: Option<&io::Error>,
        counts: &Counts,
    ) {
        let failed = failed.map(|e| (e.kind(), e.to_string()));
        self.part((at, kind), at + 9, at + 9 + len, body, failed, counts);
    }
    fn take_sub(
        &mut self,
        rec_at: u64,
        rec_kind: RecordKind,
        at: u64,
        b: &[u8],
        counts: &Counts,
    ) -> bool {
        let next = self.chunk_at.2 + self.chunk.len() as u64;
        if !self.chunk.is_empty() && (next != at || self.chunk.len() + b.len() > PART) {
            self.flush();
        }
        if self.chunk.is_empty() {
            self.chunk_at = (rec_at, rec_kind, at);
            self.chunk_counts = *counts;
        }
        self.chunk.extend_from_slice(b);
        true
    }
}

/// A worker: digests parts until the reading thread hangs up.
fn work(
    jobs: &Mutex<Receiver<Job>>,
    spares: &Mutex<Receiver<Digest>>,
    known: &RwLock<Arc<Published>>,
    sizing: Sizing,
) {
    let mut maps = Maps::default();
    loop {
        let job = match jobs.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let map = match known.read() {
            Ok(k) => Arc::clone(&k),
            Err(_) => return,
        };
        let spare = match spares.lock() {
            Ok(r) => r.try_recv().unwrap_or_default(),
            Err(_) => return,
        };
        let mut d = digest(job.body, job.id, &map.map, &sizing, spare, &mut maps);
        d.version = map.version;
        let _ = job.reply.send(d);
    }
}

/// Appends `body[from..to]` to the ranges left to the applying thread.
fn raw(d: &mut Digest, from: usize, to: usize) {
    let at = d.events.len() as u32;
    if let Some(Mark::Raw { at: a, to: end, .. }) = d.marks.last_mut() {
        if *a == at && *end as usize == from {
            *end = to as u32;
            return;
        }
    }
    d.marks.push(Mark::Raw {
        at,
        from: from as u32,
        to: to as u32,
    });
}

/// The value of a field at `slot` in an instance's field bytes.
#[inline]
fn field(slot: Option<FieldSlot>, data: &[u8], id: u8) -> Option<Value> {
    let s = slot?;
    Value::read(s.ty, data.get(s.offset as usize..)?, id)
}

/// A worker's class indexes into a digest's `instances` and `arrays`,
/// kept from part to part for their memory.
#[derive(Default)]
struct Maps {
    instances: FxHashMap<Id, u32>,
    arrays: FxHashMap<Id, u32>,
}

/// Counts a part's objects and reads what the off-heap sections need,
/// into `d` (an applied digest, its vectors reused, or a new one).
fn digest(
    body: Vec<u8>,
    id: u8,
    known: &KnownMap,
    sizing: &Sizing,
    mut d: Digest,
    maps: &mut Maps,
) -> Digest {
    let ids = id as usize;
    d.events.clear();
    d.marks.clear();
    d.instances.clear();
    d.arrays.clear();
    d.prims = PrimArrays::default();
    d.counts = Counts::default();
    d.tail = 0;
    let index = &mut maps.instances;
    let array_index = &mut maps.arrays;
    index.clear();
    array_index.clear();
    // The class of the last instance: instances of one class come in runs.
    let mut last: (Id, usize) = (u64::MAX, 0);
    let b = &body[..];
    let mut pos = 0;
    while pos < b.len() {
        let s = &b[pos..];
        let n = match sub_len(s, id) {
            SubLen::Len(n) if n <= s.len() as u64 => n as usize,
            _ => break,
        };
        let r = &s[..n];
        match r[0] {
            sub::INSTANCE_DUMP => {
                let class = id_at(r, 1 + ids + 4, id);
                if class != last.0 {
                    let i = match index.get(&class) {
                        Some(&i) => i as usize,
                        None => match known.get(&class) {
                            Some(k) => {
                                d.instances.push((class, 0, *k));
                                index.insert(class, d.instances.len() as u32 - 1);
                                d.instances.len() - 1
                            }
                            None => {
                                raw(&mut d, pos, pos + n);
                                pos += n;
                                continue;
                            }
                        },
                    };
                    last = (class, i);
                }
                let e = &mut d.instances[last.1];
                e.1 += 1;
                d.counts.instances += 1;
                let k = e.2;
                if k.role != Role::Plain {
                    let object = id_at(r, 1, id);
                    let data = &r[1 + 2 * ids + 8..];
                    let [a, b] = k.slots;
                    let event = match k.role {
                        Role::Plain => None,
                        Role::Loader => {
                            d.marks.push(Mark::Loader {
                                at: d.events.len() as u32,
                                object,
                                class,
                            });
                            None
                        }
                        Role::Thread => Some(Event::Thread {
                            thread: object,
                            name: obj(field(a, data, id)),
                        }),
                        Role::DirectBuffer => {
                            let (capacity, cleaner) =
                                direct_buffer_of(field(a, data, id), field(b, data, id));
                            Some(Event::DirectBuffer { capacity, cleaner })
                        }
                        Role::String => string_of(field(a, data, id), field(b, data, id)).map(
                            |(value, coder)| Event::String {
                                id: object,
                                value,
                                coder,
                                bytes: k.size,
                            },
                        ),
                    };
                    if let Some(e) = event {
                        d.events.push(e);
                    }
                }
            }
            sub::OBJ_ARRAY_DUMP => {
                let len = u32_at(r, 1 + ids + 4);
                let class = id_at(r, 1 + ids + 8, id);
                let i = *array_index.entry(class).or_insert_with(|| {
                    d.arrays.push((class, 0, 0, 0));
                    d.arrays.len() as u32 - 1
                });
                let e = &mut d.arrays[i as usize];
                e.1 += 1;
                e.2 += u64::from(len);
                e.3 += sizing.object_array(len);
                d.counts.object_arrays += 1;
            }
            sub::PRIM_ARRAY_DUMP => {
                let Some(ty) = BasicType::from_code(r[1 + ids + 8]) else {
                    break;
                };
                let len = u32_at(r, 1 + ids + 4);
                let bytes = sizing.primitive_array(ty, len);
                d.prims.add(ty, len, bytes);
                d.counts.primitive_arrays += 1;
                if matches!(ty, BasicType::Byte | BasicType::Char) {
                    let all = &r[1 + ids + 9..];
                    let from = (pos + 1 + ids + 9) as u32;
                    let to = from + all.len().min(ARRAY_PREFIX) as u32;
                    d.events.push(Event::Array {
                        id: id_at(r, 1, id),
                        bytes,
                        hash: Some(content_hash(all)),
                        from,
                        to,
                    });
                }
            }
            // A class dump that does not add up stops the serial walk:
            // left to it with the rest of the part.
            sub::CLASS_DUMP if class_dump(r, id).is_none() => break,
            sub::PRIM_ARRAY_NODATA if BasicType::from_code(r[1 + ids + 8]).is_none() => break,
            _ => raw(&mut d, pos, pos + n),
        }
        pos += n;
    }
    d.tail = pos;
    d.body = body;
    d
}

/// What applying the items gave: the sub-record counts, and where a part
/// stopped (with the record walk's counts before it and the bytes read).
struct Applied {
    counts: Counts,
    stop: Option<(Stop, Counts, u64)>,
}

/// Applies the items in dump order until they end or a part stops.
fn apply_all(
    items: Receiver<Item>,
    pass: &mut Pass,
    known: &RwLock<Arc<Published>>,
    back: &SyncSender<Vec<u8>>,
    spares: &SyncSender<Digest>,
) -> Applied {
    let mut counts = Counts::default();
    let mut layouts = Layouts::new(8);
    let mut id = 8;
    let mut published = 0;
    // Digests made knowing fewer class dumps than this read a class
    // through the layout it had before it was dumped again.
    let mut stale_before = 0;
    for item in items {
        match item {
            Item::Header(h) => {
                id = h.id_size;
                layouts = Layouts::new(id);
            }
            Item::String(i, b) => pass.string(i, &b),
            Item::LoadClass(c) => pass.load_class(&c),
            Item::Frame(f) => pass.frame(&f),
            Item::Trace {
                serial,
                thread_serial,
                frames,
            } => pass.stack_trace(&StackTrace::from_raw(serial, thread_serial, &frames, id)),
            Item::Oversized(a) => pass.primitive_array(&a),
            Item::Part(p) => {
                let Ok(d) = p.digest.recv() else {
                    // A worker failed: its panic is raised when it is joined.
                    break;
                };
                let mut w = Walk {
                    v: &mut *pass,
                    layouts: &mut layouts,
                    counts: &mut counts,
                    id,
                };
                let mut d = d;
                let stale = d.version < stale_before;
                if let Err(stop) = apply_part(&p, &mut d, stale, &mut w) {
                    return Applied {
                        counts,
                        stop: Some((stop.0, p.counts, stop.1)),
                    };
                }
                if d.events.capacity() == 0 {
                    // Handed on with its body: the off-heap side's applied
                    // batches come back, their bytes to be read into again.
                    if let Some((events, data)) = pass.sink.spare() {
                        d.events = events;
                        d.body = data;
                    }
                }
                if d.body.capacity() > 0 {
                    let _ = back.try_send(std::mem::take(&mut d.body));
                }
                let _ = spares.try_send(d);
                if counts.class_dumps != published {
                    published = counts.class_dumps;
                    if let Ok(mut k) = known.write() {
                        let map = publish(pass, &mut layouts);
                        let redefined = k
                            .map
                            .iter()
                            .any(|(id, old)| map.get(id).is_some_and(|new| new != old));
                        if redefined {
                            stale_before = published;
                        }
                        *k = Arc::new(Published {
                            version: published,
                            map,
                        });
                    }
                }
            }
        }
    }
    Applied { counts, stop: None }
}

/// Tells the off-heap sections `events` (their openings in `data`).
fn push_events(pass: &mut Pass, events: &[Event], data: &[u8]) {
    for &e in events {
        match e {
            Event::Array { from, to, .. } => {
                pass.sink.push_array(e, &data[from as usize..to as usize])
            }
            e => pass.sink.push(e),
        }
    }
}

/// Applies one part's digest (its events handed on), or walks the whole
/// part as the single thread does when the digest is `stale` (a class it
/// settled was dumped again before the part); on a stop, where and the
/// bytes read.
fn apply_part(
    p: &Part,
    d: &mut Digest,
    stale: bool,
    w: &mut Walk<'_, Pass>,
) -> Result<(), (Stop, u64)> {
    let len = p.end - p.rec_at - 9;
    // The ranges hold whole sub-records; only the tail may end early.
    let walk = |w: &mut Walk<'_, Pass>, from: usize, to: usize, end: u64, fail| {
        let mut feed = SliceFeed::at(&d.body[..to], from, p.base).failing(fail);
        heap_walk(&mut feed, w, p.rec_at, p.kind, len, end)
            .map_err(|s| (s, crate::feed::Feed::offset(&feed)))
    };
    if stale {
        return walk(w, 0, d.body.len(), p.end, p.failed.clone());
    }
    let pass = &mut *w.v;
    w.counts.add(&d.counts);
    pass.prims.merge(&d.prims);
    for &(class, n, _) in &d.instances {
        let layout = w.layouts.get(class);
        pass.classes
            .instances(class, n, layout, &pass.sizing, &pass.strings);
    }
    for &(class, n, elements, bytes) in &d.arrays {
        pass.classes.arrays(class, n, elements, bytes);
    }
    if d.tail == d.body.len() && d.marks.iter().all(|m| matches!(m, Mark::Loader { .. })) {
        // Nothing to walk between the events or after them: they go to the
        // off-heap sections as they are, with the part's bytes, not copied.
        for m in &d.marks {
            if let Mark::Loader { object, class, .. } = *m {
                w.v.loader_objects.push((object, class));
            }
        }
        // Past the last sub-record: no events, at most a stop (the record
        // cut short or a failed read), which comes after them.
        let end = walk(w, d.tail, d.body.len(), p.end, p.failed.clone());
        w.v.sink
            .hand(std::mem::take(&mut d.events), std::mem::take(&mut d.body));
        return end;
    } else {
        let mut next = 0;
        for m in &d.marks {
            let at = match *m {
                Mark::Raw { at, .. } | Mark::Loader { at, .. } => at as usize,
            };
            push_events(w.v, &d.events[next..at], &d.body);
            next = at;
            match *m {
                Mark::Raw { from, to, .. } => {
                    walk(w, from as usize, to as usize, p.base + u64::from(to), None)?;
                }
                Mark::Loader { object, class, .. } => w.v.loader_objects.push((object, class)),
            }
        }
        push_events(w.v, &d.events[next..], &d.body);
    }
    walk(w, d.tail, d.body.len(), p.end, p.failed.clone())
}

/// The classes whose instances workers can settle from now on: every
/// class whose layout is known, with its role, size and role fields.
fn publish(pass: &Pass, layouts: &mut Layouts) -> KnownMap {
    let mut map = KnownMap::default();
    for c in &pass.classes.list {
        if !c.dumped {
            continue;
        }
        let Some(l) = layouts.get(c.id) else {
            continue;
        };
        // A class counted before keeps the size and role it was counted
        // with (`Classes::instances`), as in the single-threaded pass.
        let (size, role) = match c.instance_size {
            Some(size) => (size, c.role),
            None => (
                pass.classes.instance_size(c.id, l, &pass.sizing),
                pass.classes.role(c.id, &pass.strings),
            ),
        };
        let slots = pass.fields.slots(role, l);
        map.insert(c.id, Known { role, size, slots });
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::read_stream;
    use crate::summary::run;
    use crate::synth::Writer;
    use std::io::Cursor;

    /// Classes, Strings with their arrays (before, after, shared), a
    /// thread and its name, an instance before its class was dumped,
    /// object and primitive arrays, over several segments.
    fn sample() -> Vec<u8> {
        let mut w = Writer::new(8, 0);
        for (i, s) in [
            "java/lang/Object",
            "java/lang/String",
            "value",
            "coder",
            "java/lang/Thread",
            "name",
            "Foo",
            "count",
            "[Ljava/lang/Object;",
        ]
        .iter()
        .enumerate()
        {
            w.string(i as u64 + 1, s);
        }
        for (serial, class, name) in [
            (1, 10, 1),
            (2, 100, 2),
            (3, 200, 5),
            (4, 300, 7),
            (5, 400, 9),
        ] {
            w.load_class(serial, class, name);
        }
        w.frame(7, 6, 6, 3, 12).trace(2, 1, &[7]);
        w.root(sub::ROOT_THREAD_OBJECT, 0x9000);
        w.class_dump(10, 0, 0, 0, &[], &[]);
        w.class_dump(
            100,
            10,
            0,
            9,
            &[],
            &[(3, BasicType::Object), (4, BasicType::Byte)],
        );
        w.class_dump(400, 10, 0, 0, &[], &[]);
        w.end_segment();
        let string = |w: &mut Writer, id: u64, value: u64| {
            let mut d = value.to_be_bytes().to_vec();
            d.push(0);
            w.instance(id, 100, &d);
        };
        // Foo before its class dump.
        w.instance(0x500, 300, &7i32.to_be_bytes());
        w.class_dump(300, 10, 0, 4, &[], &[(8, BasicType::Int)]);
        w.class_dump(200, 10, 0, 8, &[], &[(6, BasicType::Object)]);
        string(&mut w, 0x1000, 0x1018);
        w.primitive_array(0x1018, BasicType::Byte, 3, b"abc");
        w.end_segment();
        w.primitive_array(0x2000, BasicType::Byte, 3, b"abc");
        string(&mut w, 0x2018, 0x2000);
        string(&mut w, 0x3000, 0x3030);
        w.instance(0x9000, 200, &0x3000u64.to_be_bytes());
        w.primitive_array(0x3030, BasicType::Byte, 9, b"worker-17");
        for i in 0..5u64 {
            w.instance(0x600 + 16 * i, 300, &(i as i32).to_be_bytes());
        }
        w.object_array(0x700, 400, &[0x500, 0, 0x1000]);
        w.primitive_array(0x800, BasicType::Int, 2, &[0, 0, 0, 1, 0, 0, 0, 2]);
        let long = "x".repeat(400);
        w.primitive_array(0x900, BasicType::Byte, 400, long.as_bytes());
        string(&mut w, 0x4000, 0x4030);
        string(&mut w, 0x4018, 0x4030);
        w.primitive_array(0x4030, BasicType::Byte, 3, b"xyz");
        w.finish()
    }

    fn json(bytes: &[u8], parallel: Option<u64>) -> String {
        let sizing = Sizing::default_for(8);
        let s = match parallel {
            Some(max) => run(sizing, |pass| read_with(Cursor::new(bytes), pass, max)),
            None => run(sizing, |pass| read_stream(Cursor::new(bytes), pass)),
        };
        match s {
            Ok(s) => serde_json::to_string(&s).unwrap(),
            Err(e) => format!("error {e}"),
        }
    }

    /// The split pass gives what the single thread gives, byte for byte,
    /// on the whole dump and on every cut of it, with segments taken whole
    /// and cut into parts.
    #[test]
    fn the_split_pass_equals_the_single_thread_on_every_cut() {
        let full = sample();
        let whole = json(&full, None);
        assert!(whole.contains("worker-*"), "{whole}");
        assert!(whole.contains("\"complete\":true"), "{whole}");
        // The records before the heap dump are read as they always were.
        let heap = full.windows(2).position(|w| w == [0x1c, 0]).unwrap();
        for (max, step) in [(TAKE_MAX, 1), (0, 3)] {
            assert_eq!(json(&full, Some(max)), whole, "whole_max {max}");
            for cut in (heap..full.len()).step_by(step) {
                let part = &full[..cut];
                assert_eq!(
                    json(part, Some(max)),
                    json(part, None),
                    "cut at {cut}, whole_max {max}"
                );
            }
        }
        // Damage inside a segment: an unknown sub-record tag after Foo.
        let mut bad = full.clone();
        let foo = [0x21, 0, 0, 0, 0, 0, 0, 5, 0];
        let at = bad.windows(9).position(|w| w == foo).unwrap();
        bad[at + 29] = 0x77;
        assert_eq!(json(&bad, Some(TAKE_MAX)), json(&bad, None));
        assert!(json(&bad, None).contains("malformed"));
    }

    /// String dumped twice with its fields in another order: the Strings
    /// after the second dump are read through the second layout, as the
    /// single thread reads them, even by a worker that began its part
    /// before the second dump was applied (tried many times: which worker
    /// sees which classes depends on timing).
    #[test]
    fn a_class_dumped_again_is_read_through_its_new_layout() {
        let mut w = Writer::new(8, 0);
        for (i, s) in ["java/lang/String", "value", "coder"].iter().enumerate() {
            w.string(i as u64 + 1, s);
        }
        w.load_class(1, 100, 1);
        let bytes = |w: &mut Writer, id: u64, s: &str| {
            w.primitive_array(id, BasicType::Byte, s.len() as u32, s.as_bytes());
        };
        w.class_dump(
            100,
            0,
            0,
            9,
            &[],
            &[(2, BasicType::Object), (3, BasicType::Byte)],
        );
        w.end_segment();
        for i in 0..4u64 {
            let mut d = (0x1000 + 0x100 * i + 0x18).to_be_bytes().to_vec();
            d.push(0);
            w.instance(0x1000 + 0x100 * i, 100, &d);
            bytes(&mut w, 0x1000 + 0x100 * i + 0x18, "abc");
            w.end_segment();
        }
        w.class_dump(
            100,
            0,
            0,
            9,
            &[],
            &[(3, BasicType::Byte), (2, BasicType::Object)],
        );
        w.end_segment();
        for i in 0..8u64 {
            let mut d = vec![0];
            d.extend_from_slice(&(0x9000 + 0x100 * i + 0x18).to_be_bytes());
            w.instance(0x9000 + 0x100 * i, 100, &d);
            bytes(&mut w, 0x9000 + 0x100 * i + 0x18, "xyz");
            w.end_segment();
        }
        let full = w.finish();
        let serial = json(&full, None);
        assert!(
            serial.contains("\"strings\":12,\"unmatched\":0"),
            "{serial}"
        );
        assert!(
            serial.contains("\"value\":\"xyz\",\"copies\":8"),
            "{serial}"
        );
        for _ in 0..50 {
            assert_eq!(json(&full, Some(TAKE_MAX)), serial);
        }
    }

    /// A compressed dump cut short: the read fails inside a segment, and
    /// the split pass stops where the single thread does.
    #[test]
    fn a_failed_read_inside_a_segment_stops_as_the_single_thread_does() {
        use std::io::Write;
        let full = sample();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&full).unwrap();
        let gz = gz.finish().unwrap();
        let sizing = Sizing::default_for(8);
        for cut in [gz.len() / 2, gz.len() * 3 / 4, gz.len() - 30] {
            let part = &gz[..cut];
            let one = |parallel: bool| {
                let r = flate2::read::MultiGzDecoder::new(part);
                let s = if parallel {
                    run(sizing, |pass| read(r, pass))
                } else {
                    run(sizing, |pass| read_stream(r, pass))
                };
                serde_json::to_string(&s.unwrap()).unwrap()
            };
            let serial = one(false);
            assert!(serial.contains("\"complete\":false"), "{serial}");
            assert_eq!(one(true), serial, "cut at {cut}");
        }
    }
}
