//! One pass over a dump that answers the shallow questions at once: the
//! histogram, and (filled by their own modules) the class loaders and
//! families, direct buffers, threads and duplicated strings. The layout is
//! detected first from the dump's opening objects (`sizing`).
//!
//! Threads share the pass: `summarize` parses on several (`split`);
//! `summarize_with` has one read (and decompress) the file a block ahead
//! (`feed::ReadAhead`) and one parse the records and count the histogram
//! and class loaders; in every case one runs the off-heap sections
//! (`offheap`) on what the parse hands it in dump order, so the answer is
//! the one a single thread would give.
//!
//! `Summary` is the plain-data answer the renderers and `diagnose` read;
//! `retained` is left for the dominator tree's section.

use crate::feed::ReadAhead;
use crate::histogram::{self, ArrayRow, ClassRow, Classes, PrimArrays, Role, Totals};
use crate::hprof::{Header, Id};
use crate::loaders::{self, LoaderView};
use crate::names::Strings;
use crate::offheap::{
    content_hash, DirectBuffers, FieldNames, OffHeap, StringDuplication, Threads, ARRAY_PREFIX,
};
use crate::reader::{
    open_path, read_stream, ClassDump, Counts, Frame, Instance, LoadClass, ObjectArray, OpenError,
    PrimitiveArray, Root, RootKind, StackTrace, Stop, StopKind, Visitor,
};
use crate::sizing::Sizing;
use serde::Serialize;
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// How much of the dump was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadInfo {
    /// Bytes read (decompressed, for a `.hprof.gz`).
    pub bytes: u64,
    /// True when the whole dump was read; else `stop` says where it ended
    /// and every number is of the part before it.
    pub complete: bool,
    pub stop: Option<Stop>,
    pub records: Counts,
}

/// What a heap dump holds, shallowly.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub header: Header,
    pub sizing: Sizing,
    pub read: ReadInfo,
    pub totals: Totals,
    /// Every class with objects, by shallow bytes, largest first.
    pub histogram: Vec<ClassRow>,
    /// Arrays by element type, by bytes.
    pub arrays: Vec<ArrayRow>,
    /// Class loaders, their classes, generated-class families, duplicates.
    pub class_loaders: LoaderView,
    /// Direct byte buffers and the native memory they hold.
    pub direct_buffers: DirectBuffers,
    /// Threads by name pattern, with a stack each.
    pub threads: Threads,
    /// Strings whose content several arrays hold.
    pub strings: StringDuplication,
}

impl Summary {
    /// Keeps the `n` largest histogram rows.
    pub fn truncate(&mut self, n: usize) {
        self.histogram.truncate(n);
    }
}

/// The pass's visitor: everything it keeps is per class or per string.
/// What the off-heap sections read goes, in dump order, to `OffHeap` on
/// a second thread (`Sink`), so the two halves of the work overlap.
pub(crate) struct Pass {
    pub sizing: Sizing,
    pub strings: Strings,
    pub classes: Classes,
    pub prims: PrimArrays,
    /// (loader object, its class) for every class-loader instance.
    pub loader_objects: Vec<(Id, Id)>,
    pub fields: FieldNames,
    pub sink: Sink,
}

/// One thing `OffHeap` is told, in dump order.
#[derive(Clone, Copy)]
pub(crate) enum Event {
    LoadClass(LoadClass),
    Frame(Frame),
    /// A stack trace's serial and frames (`frames` of the batch's ids).
    StackTrace {
        serial: u32,
        from: u32,
        to: u32,
    },
    Root(Root),
    DirectBuffer {
        capacity: u64,
        cleaner: bool,
    },
    Thread {
        thread: Id,
        name: Id,
    },
    String {
        id: Id,
        value: Id,
        coder: u8,
        bytes: u64,
    },
    /// A byte or char array: its opening is `data[from..to]` of the batch.
    /// `hash` is its `content_hash` (None: hash the opening, all of it).
    Array {
        id: Id,
        bytes: u64,
        hash: Option<u64>,
        from: u32,
        to: u32,
    },
}

/// Events on their way to `OffHeap`, with the bytes and ids they refer to.
#[derive(Default)]
struct Batch {
    events: Vec<Event>,
    data: Vec<u8>,
    frames: Vec<Id>,
}

/// Events a batch holds before it is handed over.
const BATCH: usize = 8192;

/// How many events ahead `apply` starts loading what an array probes.
const PREFETCH: usize = 8;

/// Batches on their way at once (each way).
const IN_FLIGHT: usize = 4;

/// The pass's end of the hand-over: fills a batch, sends it when full, and
/// reuses the batches the other thread has applied.
pub(crate) struct Sink {
    batch: Batch,
    to: SyncSender<Batch>,
    back: Receiver<Batch>,
}

impl Sink {
    #[inline]
    pub fn push(&mut self, e: Event) {
        self.batch.events.push(e);
        if self.batch.events.len() >= BATCH {
            self.send();
        }
    }

    /// A byte or char array read by `OffHeap::array`: its `opening` (at
    /// most `ARRAY_PREFIX` bytes) and `hash` (None: the opening is all).
    #[inline]
    pub fn array(&mut self, id: Id, bytes: u64, hash: Option<u64>, opening: &[u8]) {
        let data = &mut self.batch.data;
        let from = data.len() as u32;
        data.extend_from_slice(opening);
        let to = data.len() as u32;
        self.push(Event::Array {
            id,
            bytes,
            hash,
            from,
            to,
        });
    }

    /// `Event::Array` `e` with its `opening`, copied into this batch (its
    /// range rewritten to the copy).
    #[inline]
    pub fn push_array(&mut self, mut e: Event, opening: &[u8]) {
        let data = &mut self.batch.data;
        let start = data.len() as u32;
        data.extend_from_slice(opening);
        let end = data.len() as u32;
        if let Event::Array { from, to, .. } = &mut e {
            (*from, *to) = (start, end);
        }
        self.push(e);
    }

    /// Hands `events` (their openings in `data`) on as a batch of their
    /// own, after what was pushed before them.
    pub fn hand(&mut self, events: Vec<Event>, data: Vec<u8>) {
        if !self.batch.events.is_empty() {
            self.send();
        }
        let _ = self.to.send(Batch {
            events,
            data,
            frames: Vec::new(),
        });
    }

    /// The vectors of a batch the other thread applied, if one came back
    /// (the events emptied, the bytes as they were): for the next
    /// [`hand`](Self::hand).
    pub fn spare(&mut self) -> Option<(Vec<Event>, Vec<u8>)> {
        let b = self.back.try_recv().ok()?;
        Some((b.events, b.data))
    }

    fn send(&mut self) {
        let mut fresh = self.back.try_recv().unwrap_or_default();
        fresh.data.clear();
        let full = std::mem::replace(&mut self.batch, fresh);
        // The other side ends only when this one hangs up: a failed send
        // means it stopped early, and `finish` reports what it got.
        let _ = self.to.send(full);
    }
}

/// The other thread: applies each batch's events to `OffHeap` in order.
fn apply(batches: Receiver<Batch>, back: SyncSender<Batch>) -> OffHeap {
    let mut o = OffHeap::default();
    for mut b in batches {
        for (i, e) in b.events.iter().enumerate() {
            match b.events.get(i + PREFETCH) {
                Some(Event::Array { hash: Some(h), .. }) => o.prefetch(*h),
                Some(Event::String { id, .. }) => o.prefetch_string(*id),
                _ => {}
            }
            match *e {
                Event::LoadClass(c) => o.load_class(&c),
                Event::Frame(f) => o.frame(&f),
                Event::StackTrace { serial, from, to } => {
                    o.stack_trace(serial, &b.frames[from as usize..to as usize])
                }
                Event::Root(r) => o.root(&r),
                Event::DirectBuffer { capacity, cleaner } => o.direct_buffer(capacity, cleaner),
                Event::Thread { thread, name } => o.thread(thread, name),
                Event::String {
                    id,
                    value,
                    coder,
                    bytes,
                } => o.string(id, value, coder, bytes),
                Event::Array {
                    id,
                    bytes,
                    hash,
                    from,
                    to,
                } => o.array(id, bytes, &b.data[from as usize..to as usize], hash),
            }
        }
        b.events.clear();
        // `data` keeps its length: a part's bytes are read into again
        // (`Sink::spare`) without zeroing; `send` clears it for its use.
        b.frames.clear();
        let _ = back.try_send(b);
    }
    o
}

impl Visitor for Pass {
    fn string(&mut self, id: Id, utf8: &[u8]) {
        self.strings.add(id, utf8);
    }
    fn load_class(&mut self, c: &LoadClass) {
        self.classes.load_class(c);
        self.sink.push(Event::LoadClass(*c));
    }
    fn frame(&mut self, f: &Frame) {
        self.sink.push(Event::Frame(*f));
    }
    fn stack_trace(&mut self, t: &StackTrace<'_>) {
        let frames = &mut self.sink.batch.frames;
        let from = frames.len() as u32;
        frames.extend(t.frames());
        let to = frames.len() as u32;
        self.sink.push(Event::StackTrace {
            serial: t.serial,
            from,
            to,
        });
    }
    fn root(&mut self, r: &Root) {
        if r.kind == RootKind::ThreadObject {
            self.sink.push(Event::Root(*r));
        }
    }
    fn class_dump(&mut self, c: &ClassDump<'_>) {
        if !self.strings.is_sealed() {
            // HotSpot writes every string before the heap dump.
            self.strings.seal();
            self.fields = FieldNames::find(&self.strings);
        }
        self.classes.class_dump(c, &self.sizing, &self.strings);
    }
    #[inline]
    fn instance(&mut self, i: &Instance<'_>) {
        let (size, role) = self
            .classes
            .instance(i.class, i.layout, &self.sizing, &self.strings);
        match role {
            Role::Plain => {}
            Role::Loader => self.loader_objects.push((i.id, i.class)),
            Role::Thread => self.sink.push(Event::Thread {
                thread: i.id,
                name: self.fields.thread_name(i),
            }),
            Role::DirectBuffer => {
                let (capacity, cleaner) = self.fields.direct_buffer(i);
                self.sink.push(Event::DirectBuffer { capacity, cleaner });
            }
            Role::String => {
                if let Some((value, coder)) = self.fields.string(i) {
                    self.sink.push(Event::String {
                        id: i.id,
                        value,
                        coder,
                        bytes: size,
                    });
                }
            }
        }
    }
    #[inline]
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        let bytes = self.sizing.object_array(a.len);
        self.classes.array(a.class, a.len, bytes);
    }
    #[inline]
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
        let bytes = self.sizing.primitive_array(a.ty, a.len);
        self.prims.add(a.ty, a.len, bytes);
        if let (true, Some(all)) = (OffHeap::reads(a), a.data) {
            // Hashed here, off the other thread, even when the opening is
            // all of it (`OffHeap::array` would hash the same bytes).
            let hash = Some(content_hash(all));
            self.sink
                .array(a.id, bytes, hash, &all[..all.len().min(ARRAY_PREFIX)]);
        }
    }
}

/// Reads a dump (plain or `.hprof.gz`) and summarises it. A dump cut short
/// gives the summary of what came before the cut, with `read.stop` set.
pub fn summarize(path: &Path) -> Result<Summary, OpenError> {
    let sizing = Sizing::detect(path)?;
    let source = open_path(path)?;
    // One thread reads, two count the heap dump segments (`split`).
    run(sizing, |pass| crate::split::read(source, pass))
}

/// [`summarize`] and, in the same read of the dump, another visitor made
/// from the detected layout by `make` (the retained-size pass's objects and
/// references): one read serves both.
pub fn summarize_with<V: Visitor>(
    path: &Path,
    make: impl FnOnce(Sizing) -> io::Result<V>,
) -> Result<(Summary, V), OpenError> {
    let sizing = Sizing::detect(path)?;
    let mut other = make(sizing)?;
    let source = open_path(path)?;
    let summary = run(sizing, |pass| {
        let mut both = Both {
            a: pass,
            b: &mut other,
        };
        std::thread::scope(|scope| read_stream(ReadAhead::spawn(scope, source), &mut both))
    })?;
    Ok((summary, other))
}

/// Two visitors fed by one read: each record to `a`, then to `b`; once `b`
/// has read enough (`wants_more`), its objects are no longer handed to it
/// (a graph past its limit writes nothing more) while `a` reads on.
struct Both<'x, A, B> {
    a: &'x mut A,
    b: &'x mut B,
}

impl<A: Visitor, B: Visitor> Visitor for Both<'_, A, B> {
    fn header(&mut self, h: &Header) {
        self.a.header(h);
        self.b.header(h);
    }
    fn string(&mut self, id: Id, utf8: &[u8]) {
        self.a.string(id, utf8);
        self.b.string(id, utf8);
    }
    fn load_class(&mut self, c: &LoadClass) {
        self.a.load_class(c);
        self.b.load_class(c);
    }
    fn frame(&mut self, f: &Frame) {
        self.a.frame(f);
        self.b.frame(f);
    }
    fn stack_trace(&mut self, t: &StackTrace<'_>) {
        self.a.stack_trace(t);
        self.b.stack_trace(t);
    }
    fn root(&mut self, r: &Root) {
        self.a.root(r);
        self.b.root(r);
    }
    fn class_dump(&mut self, c: &ClassDump<'_>) {
        self.a.class_dump(c);
        if self.b.wants_more() {
            self.b.class_dump(c);
        }
    }
    #[inline]
    fn instance(&mut self, i: &Instance<'_>) {
        self.a.instance(i);
        if self.b.wants_more() {
            self.b.instance(i);
        }
    }
    #[inline]
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.a.object_array(a);
        if self.b.wants_more() {
            self.b.object_array(a);
        }
    }
    #[inline]
    fn primitive_array(&mut self, p: &PrimitiveArray<'_>) {
        self.a.primitive_array(p);
        if self.b.wants_more() {
            self.b.primitive_array(p);
        }
    }
    #[inline]
    fn wants_more(&self) -> bool {
        self.a.wants_more() || self.b.wants_more()
    }
}

/// The most of a stream's opening kept in memory to detect the layout from
/// (`Sizing::detect_bytes`) before the one pass reads it again: HotSpot
/// writes every string and class first, so a large application's first
/// objects may lie past it; the layout is then HotSpot's default, and
/// `sizing.basis` says it was assumed.
pub const PROBE_PREFIX: u64 = 32 << 20;

/// [`summarize`] over a stream (already decompressed), read once: its
/// first [`PROBE_PREFIX`] bytes are held to detect the layout, then the
/// pass reads them and the rest.
pub fn summarize_reader(mut r: impl Read) -> Result<Summary, OpenError> {
    let mut prefix = Vec::new();
    (&mut r).take(PROBE_PREFIX).read_to_end(&mut prefix)?;
    let sizing = Sizing::detect_bytes(&prefix)?;
    run(sizing, |pass| {
        read_stream(io::Cursor::new(prefix).chain(r), pass)
    })
}

pub(crate) fn run(
    sizing: Sizing,
    read: impl FnOnce(&mut Pass) -> Result<crate::reader::Outcome, OpenError>,
) -> Result<Summary, OpenError> {
    let (to, batches) = sync_channel(IN_FLIGHT);
    let (back, returned) = sync_channel(IN_FLIGHT);
    let mut pass = Pass {
        sizing,
        strings: Strings::default(),
        classes: Classes::default(),
        prims: PrimArrays::default(),
        loader_objects: Vec::new(),
        fields: FieldNames::default(),
        sink: Sink {
            batch: Batch::default(),
            to,
            back: returned,
        },
    };
    let (outcome, offheap) = std::thread::scope(|scope| {
        let other = scope.spawn(move || apply(batches, back));
        let outcome = read(&mut pass);
        pass.sink.send();
        // Hanging up ends the other thread's loop.
        let (hang_up, _) = sync_channel(0);
        drop(std::mem::replace(&mut pass.sink.to, hang_up));
        let offheap = match other.join() {
            Ok(o) => o,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (outcome, offheap)
    });
    let outcome = outcome?;
    if !pass.strings.is_sealed() {
        pass.strings.seal();
    }
    let (histogram, arrays, totals) =
        histogram::build(&pass.classes, &pass.prims, &pass.strings, &pass.sizing);
    let class_loaders = loaders::build(&pass.classes, &pass.loader_objects, &pass.strings);
    let (direct_buffers, threads, strings) = offheap.finish(&pass.strings);
    let stop = outcome.stop.filter(|s| s.kind != StopKind::Enough);
    Ok(Summary {
        header: outcome.header,
        sizing: pass.sizing,
        read: ReadInfo {
            bytes: outcome.bytes,
            complete: stop.is_none(),
            stop,
            records: outcome.counts,
        },
        totals,
        histogram,
        arrays,
        class_loaders,
        direct_buffers,
        threads,
        strings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hprof::BasicType;
    use crate::synth::Writer;

    /// Strings before and after their arrays, next to them or not, and two
    /// Strings sharing one array: each order is matched as the JDK writes
    /// it, and a shared array counts for the String that came last.
    #[test]
    fn strings_meet_their_arrays_in_every_order() {
        let mut w = Writer::new(8, 0);
        w.string(1, "java/lang/String")
            .string(2, "value")
            .string(3, "coder");
        w.load_class(1, 100, 1);
        w.class_dump(
            100,
            0,
            0,
            9,
            &[],
            &[(2, BasicType::Object), (3, BasicType::Byte)],
        );
        let string = |w: &mut Writer, id: u64, value: u64| {
            let mut d = value.to_be_bytes().to_vec();
            d.push(0);
            w.instance(id, 100, &d);
        };
        let bytes = |w: &mut Writer, id: u64, s: &str| {
            w.primitive_array(id, BasicType::Byte, s.len() as u32, s.as_bytes());
        };
        // The String, then its array (HotSpot's order).
        string(&mut w, 0x1000, 0x1018);
        bytes(&mut w, 0x1018, "abc");
        // The array, then its String.
        bytes(&mut w, 0x2000, "abc");
        string(&mut w, 0x2018, 0x2000);
        // The String, another array, then its array.
        string(&mut w, 0x3000, 0x3030);
        w.primitive_array(0x3018, BasicType::Int, 1, &[0, 0, 0, 1]);
        bytes(&mut w, 0x3030, "xyz");
        // Two Strings, one array.
        string(&mut w, 0x4000, 0x4030);
        string(&mut w, 0x4018, 0x4030);
        bytes(&mut w, 0x4030, "xyz");
        let s = summarize_reader(io::Cursor::new(w.finish())).unwrap();
        let each = |name: &str| {
            let r = s.histogram.iter().find(|r| r.class == name).unwrap();
            r.bytes / r.instances
        };
        let copy = each("java.lang.String") + each("byte[]");
        let d = &s.strings;
        assert_eq!((d.strings, d.unmatched), (4, 0), "{d:?}");
        assert_eq!((d.duplicated_contents, d.wasted), (2, 2 * copy), "{d:?}");
        let mut top: Vec<&str> = d.top.iter().map(|t| t.value.as_str()).collect();
        top.sort_unstable();
        assert_eq!(top, ["abc", "xyz"]);
    }
}
