//! One pass over a dump that answers the shallow questions at once: the
//! histogram, and (filled by their own modules) the class loaders and
//! families, direct buffers, threads and duplicated strings. The layout is
//! detected first from the dump's opening objects (`sizing`).
//!
//! `Summary` is the plain-data answer the renderers and `diagnose` read;
//! `retained` is left for the dominator tree's section.

use crate::histogram::{self, ArrayRow, ClassRow, Classes, PrimArrays, Role, Totals};
use crate::hprof::{Header, Id};
use crate::loaders::{self, LoaderView};
use crate::names::Strings;
use crate::offheap::{DirectBuffers, FieldNames, OffHeap, StringDuplication, Threads};
use crate::reader::{
    read_path, read_stream, ClassDump, Counts, Frame, Instance, LoadClass, ObjectArray, OpenError,
    PrimitiveArray, Root, StackTrace, Stop, StopKind, Visitor,
};
use crate::sizing::Sizing;
use serde::Serialize;
use std::io::{self, Read};
use std::path::Path;

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
struct Pass {
    sizing: Sizing,
    strings: Strings,
    classes: Classes,
    prims: PrimArrays,
    /// (loader object, its class) for every class-loader instance.
    loader_objects: Vec<(Id, Id)>,
    offheap: OffHeap,
}

impl Visitor for Pass {
    fn string(&mut self, id: Id, utf8: &[u8]) {
        self.strings.add(id, utf8);
    }
    fn load_class(&mut self, c: &LoadClass) {
        self.classes.load_class(c);
        self.offheap.load_class(c);
    }
    fn frame(&mut self, f: &Frame) {
        self.offheap.frame(f);
    }
    fn stack_trace(&mut self, t: &StackTrace<'_>) {
        self.offheap.stack_trace(t);
    }
    fn root(&mut self, r: &Root) {
        self.offheap.root(r);
    }
    fn class_dump(&mut self, c: &ClassDump<'_>) {
        if !self.strings.is_sealed() {
            // HotSpot writes every string before the heap dump.
            self.strings.seal();
            self.offheap.fields = FieldNames::find(&self.strings);
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
            Role::Thread => self.offheap.thread(i),
            Role::DirectBuffer => self.offheap.direct_buffer(i),
            Role::String => self.offheap.string(i, size),
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
        self.offheap.array(a, bytes);
    }
}

/// Reads a dump (plain or `.hprof.gz`) and summarises it. A dump cut short
/// gives the summary of what came before the cut, with `read.stop` set.
pub fn summarize(path: &Path) -> Result<Summary, OpenError> {
    let sizing = Sizing::detect(path)?;
    run(sizing, |pass| read_path(path, pass))
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
    let summary = run(sizing, |pass| {
        read_path(
            path,
            &mut Both {
                a: pass,
                b: &mut other,
            },
        )
    })?;
    Ok((summary, other))
}

/// Two visitors fed by one read: each record to `a`, then to `b`.
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
        self.b.class_dump(c);
    }
    #[inline]
    fn instance(&mut self, i: &Instance<'_>) {
        self.a.instance(i);
        self.b.instance(i);
    }
    #[inline]
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.a.object_array(a);
        self.b.object_array(a);
    }
    #[inline]
    fn primitive_array(&mut self, p: &PrimitiveArray<'_>) {
        self.a.primitive_array(p);
        self.b.primitive_array(p);
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

fn run(
    sizing: Sizing,
    read: impl FnOnce(&mut Pass) -> Result<crate::reader::Outcome, OpenError>,
) -> Result<Summary, OpenError> {
    let mut pass = Pass {
        sizing,
        strings: Strings::default(),
        classes: Classes::default(),
        prims: PrimArrays::default(),
        loader_objects: Vec::new(),
        offheap: OffHeap::default(),
    };
    let outcome = read(&mut pass)?;
    if !pass.strings.is_sealed() {
        pass.strings.seal();
    }
    let (histogram, arrays, totals) =
        histogram::build(&pass.classes, &pass.prims, &pass.strings, &pass.sizing);
    let class_loaders = loaders::build(&pass.classes, &pass.loader_objects, &pass.strings);
    let (direct_buffers, threads, strings) = pass.offheap.finish(&pass.strings);
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
