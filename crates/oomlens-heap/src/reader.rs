//! The streaming record reader: one pass over a dump, each record handed
//! to a `Visitor` as borrowed bytes, nothing kept per object.
//!
//! Entry points: `read_path` (a plain file read through one buffer, a
//! `.hprof.gz` decompressed as it streams, whatever the name), `read_bytes`,
//! `read_stream`. Each returns an `Outcome`: the header, counts, and how
//! reading ended: complete, or stopped (cut short by a kill or a full disk,
//! a damaged record, a failed read) with the byte offset and the record it
//! stopped in. Everything before that point was visited.
//!
//! Instances are handed over with their class's flattened layout when all
//! of its class chain was dumped before them (HotSpot dumps every class
//! first), so `Instance::references` walks the object fields through the
//! superclass chain and `ObjectArray::elements` the elements; the GC roots
//! come as `Root`s. The reader keeps one small layout per class, never a
//! map per object.

use crate::feed::{Feed, SliceFeed, StreamFeed};
use crate::hprof::{
    id_at, parse_header, sub, tag, u16_at, u32_at, BasicType, Header, HeaderError, Id, RecordKind,
    Value,
};
use crate::layout::{ClassEntry, ClassLayout, Layouts};
use serde::Serialize;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// What a pass over a dump is told, record by record. Every method has a
/// default that ignores the record: implement the ones you need.
pub trait Visitor {
    /// The file header, before any record.
    fn header(&mut self, _header: &Header) {}
    /// A STRING IN UTF8 record: `utf8` is modified UTF-8 as the JVM wrote it.
    fn string(&mut self, _id: Id, _utf8: &[u8]) {}
    fn load_class(&mut self, _class: &LoadClass) {}
    fn frame(&mut self, _frame: &Frame) {}
    fn stack_trace(&mut self, _trace: &StackTrace<'_>) {}
    /// A GC root, of any of the HPROF (and Android) root kinds.
    fn root(&mut self, _root: &Root) {}
    fn class_dump(&mut self, _class: &ClassDump<'_>) {}
    fn instance(&mut self, _instance: &Instance<'_>) {}
    fn object_array(&mut self, _array: &ObjectArray<'_>) {}
    fn primitive_array(&mut self, _array: &PrimitiveArray<'_>) {}
    /// Asked before each heap dump sub-record: false ends the pass there
    /// (the `Outcome` then stops with `StopKind::Enough`).
    #[inline]
    fn wants_more(&self) -> bool {
        true
    }
    /// Asked before a HEAP DUMP or HEAP DUMP SEGMENT record of `len` bytes
    /// (at most [`TAKE_MAX`]) is walked: a buffer to take it whole in, or
    /// None to have its sub-records visited.
    #[inline]
    fn segment_buffer(&mut self, _len: u64) -> Option<Vec<u8>> {
        None
    }
    /// The record `segment_buffer` gave a buffer for, at file offset `at`:
    /// `body` holds its bytes from `at + 9` (fewer than `len` when the file
    /// ends inside it, or when a read failed: `failed`), `counts` what was
    /// counted before it. Its sub-records are neither visited nor counted.
    fn take_segment(
        &mut self,
        _at: u64,
        _kind: RecordKind,
        _len: u64,
        _body: Vec<u8>,
        _failed: Option<&io::Error>,
        _counts: &Counts,
    ) {
    }
    /// Offered each whole sub-record (at file offset `at`) of a heap dump
    /// record not taken whole, before it is visited: true takes it (it is
    /// then neither visited nor counted).
    #[inline]
    fn take_sub(
        &mut self,
        _rec_at: u64,
        _rec_kind: RecordKind,
        _at: u64,
        _sub: &[u8],
        _counts: &Counts,
    ) -> bool {
        false
    }
}

/// The largest heap dump record offered whole to `Visitor::take_segment`
/// (HotSpot writes segments of about 1 MiB).
pub const TAKE_MAX: u64 = 64 << 20;

/// LOAD CLASS: a class's serial number, object id and name string id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadClass {
    pub serial: u32,
    pub class: Id,
    pub stack_trace_serial: u32,
    pub name: Id,
}

/// STACK FRAME: one frame, named by string ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub id: Id,
    pub method: Id,
    pub signature: Id,
    pub source_file: Id,
    pub class_serial: u32,
    /// > 0 a line number; 0 none; -1 unknown; -2 compiled; -3 native.
    pub line: i32,
}

/// STACK TRACE: a thread's frames, innermost first.
#[derive(Clone, Copy, Debug)]
pub struct StackTrace<'a> {
    pub serial: u32,
    pub thread_serial: u32,
    frames: &'a [u8],
    id_size: u8,
}

impl<'a> StackTrace<'a> {
    /// A trace from its parts (`frames`: the ids as dumped).
    pub(crate) fn from_raw(serial: u32, thread_serial: u32, frames: &'a [u8], id_size: u8) -> Self {
        StackTrace {
            serial,
            thread_serial,
            frames,
            id_size,
        }
    }

    /// The frame ids as dumped.
    pub(crate) fn raw_frames(&self) -> &'a [u8] {
        self.frames
    }

    /// The frame ids, innermost first.
    pub fn frames(&self) -> impl Iterator<Item = Id> + 'a {
        let id = self.id_size;
        self.frames
            .chunks_exact(id as usize)
            .map(move |c| id_at(c, 0, id))
    }
}

/// The kinds of GC root, as HPROF tags them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootKind {
    Unknown,
    JniGlobal,
    JniLocal,
    JavaFrame,
    NativeStack,
    StickyClass,
    ThreadBlock,
    MonitorUsed,
    ThreadObject,
    InternedString,
    Finalizing,
    Debugger,
    ReferenceCleanup,
    VmInternal,
    JniMonitor,
    Unreachable,
}

/// A GC root: the object it holds and, for thread-bound roots, the thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root {
    pub kind: RootKind,
    pub object: Id,
    /// The thread serial of JNI-local, Java-frame, native-stack,
    /// thread-block, thread-object and JNI-monitor roots.
    pub thread_serial: Option<u32>,
    /// The frame number of JNI-local and Java-frame roots (-1: none).
    pub frame: Option<u32>,
    /// The stack trace serial of a thread-object root.
    pub stack_trace_serial: Option<u32>,
}

/// CLASS DUMP: a class's super, loader, instance size and fields.
#[derive(Clone, Copy, Debug)]
pub struct ClassDump<'a> {
    pub class: Id,
    pub stack_trace_serial: u32,
    /// 0 for `java.lang.Object` and interfaces' roots.
    pub super_class: Id,
    /// 0 for the boot loader.
    pub loader: Id,
    pub signers: Id,
    pub protection_domain: Id,
    /// The instance size the dump writes (HotSpot: the sum of the dumped
    /// field sizes, not the heap size; see `size` for that).
    pub instance_size: u32,
    statics: &'a [u8],
    static_count: u16,
    fields: &'a [u8],
    field_count: u16,
    id_size: u8,
}

/// A static field of a CLASS DUMP with its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaticField {
    pub name: Id,
    pub ty: BasicType,
    pub value: Value,
}

impl<'a> ClassDump<'a> {
    /// The static fields and their values (object statics are references
    /// the class holds).
    pub fn statics(&self) -> impl Iterator<Item = StaticField> + 'a {
        let id = self.id_size;
        let mut b = self.statics;
        (0..self.static_count).map_while(move |_| {
            let name = crate::hprof::read_id(b, id)?;
            let ty = BasicType::from_code(*b.get(id as usize)?)?;
            let at = id as usize + 1;
            let value = Value::read(ty, b.get(at..)?, id)?;
            b = b.get(at + ty.dump_size(id)..)?;
            Some(StaticField { name, ty, value })
        })
    }

    /// The class's own instance field descriptors (name id, type), in dump order.
    pub fn instance_fields(&self) -> impl Iterator<Item = (Id, BasicType)> + 'a {
        let id = self.id_size;
        let step = id as usize + 1;
        self.fields
            .chunks_exact(step)
            .take(self.field_count as usize)
            .filter_map(move |c| Some((id_at(c, 0, id), BasicType::from_code(c[id as usize])?)))
    }
}

/// INSTANCE DUMP: an object with its class and field bytes.
#[derive(Clone, Copy, Debug)]
pub struct Instance<'a> {
    pub id: Id,
    pub stack_trace_serial: u32,
    pub class: Id,
    /// The field values as dumped (`layout` says where each is).
    pub data: &'a [u8],
    /// The class's flattened layout; None when the class chain was not
    /// dumped before this instance.
    pub layout: Option<&'a ClassLayout>,
    pub id_size: u8,
}

impl<'a> Instance<'a> {
    /// The non-null object references of its fields, through the whole
    /// superclass chain (nothing when the layout is unknown).
    pub fn references(&self) -> impl Iterator<Item = Id> + 'a {
        let id = self.id_size;
        let data = self.data;
        self.layout
            .map(|l| l.refs.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(move |&off| crate::hprof::read_id(data.get(off as usize..)?, id))
            .filter(|&r| r != 0)
    }

    /// The value of the field named by string id `name` (the most derived
    /// one when several classes of the chain declare that name).
    pub fn field(&self, name: Id) -> Option<Value> {
        let slot = self.layout?.field(name)?;
        Value::read(
            slot.ty,
            self.data.get(slot.offset as usize..)?,
            self.id_size,
        )
    }
}

/// OBJECT ARRAY DUMP: an array of references.
#[derive(Clone, Copy, Debug)]
pub struct ObjectArray<'a> {
    pub id: Id,
    pub stack_trace_serial: u32,
    /// The array class (e.g. `[Ljava/lang/String;`).
    pub class: Id,
    pub len: u32,
    elements: &'a [u8],
    pub id_size: u8,
}

impl<'a> ObjectArray<'a> {
    /// Every element, nulls (0) included, in index order.
    pub fn elements(&self) -> impl Iterator<Item = Id> + 'a {
        let id = self.id_size;
        self.elements
            .chunks_exact(id as usize)
            .map(move |c| id_at(c, 0, id))
    }

    /// The non-null elements.
    pub fn references(&self) -> impl Iterator<Item = Id> + 'a {
        self.elements().filter(|&r| r != 0)
    }
}

/// PRIMITIVE ARRAY DUMP: an array of one basic type.
#[derive(Clone, Copy, Debug)]
pub struct PrimitiveArray<'a> {
    pub id: Id,
    pub stack_trace_serial: u32,
    pub ty: BasicType,
    pub len: u32,
    /// The elements, big-endian; None when a stream could not hold them
    /// (arrays over 256 MiB in a compressed dump) or the dump has none
    /// (Android's PRIMITIVE ARRAY NODATA).
    pub data: Option<&'a [u8]>,
}

/// How many records of each kind a pass visited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub strings: u64,
    pub load_classes: u64,
    pub frames: u64,
    pub stack_traces: u64,
    pub heap_dump_segments: u64,
    pub roots: u64,
    pub class_dumps: u64,
    pub instances: u64,
    pub object_arrays: u64,
    pub primitive_arrays: u64,
    /// Instances handed over without a layout (class not dumped before).
    pub instances_without_layout: u64,
    /// Top-level records of other tags, skipped by their length.
    pub other_records: u64,
}

impl Counts {
    /// Adds another pass's counts to these.
    pub fn add(&mut self, o: &Counts) {
        self.strings += o.strings;
        self.load_classes += o.load_classes;
        self.frames += o.frames;
        self.stack_traces += o.stack_traces;
        self.heap_dump_segments += o.heap_dump_segments;
        self.roots += o.roots;
        self.class_dumps += o.class_dumps;
        self.instances += o.instances;
        self.object_arrays += o.object_arrays;
        self.primitive_arrays += o.primitive_arrays;
        self.instances_without_layout += o.instances_without_layout;
        self.other_records += o.other_records;
    }
}

/// Why reading stopped before the end of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// The file ends inside a record: a dump cut short by a kill or a full disk.
    Truncated,
    /// A record that cannot be read (an unknown sub-record tag, a length
    /// running past its segment, a type code HPROF does not define).
    Malformed,
    /// The read itself failed (an I/O error, a damaged gzip stream).
    ReadFailed,
    /// The visitor said it had read enough (`Visitor::wants_more`).
    Enough,
}

/// Where and why reading stopped early; all records before `offset` were visited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stop {
    pub kind: StopKind,
    /// The byte offset of the record or sub-record reading stopped in
    /// (in the decompressed stream for a `.hprof.gz`).
    pub offset: u64,
    pub record: RecordKind,
    /// What was wrong, in a few words.
    pub detail: String,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StopKind::Truncated => "the dump is cut short",
            StopKind::Malformed => "the dump is damaged",
            StopKind::ReadFailed => "reading failed",
            StopKind::Enough => "reading ended early, as asked,",
        };
        write!(
            f,
            "{what} at byte {} in a {} record: {}",
            self.offset,
            self.record.name(),
            self.detail
        )
    }
}

/// What a pass over a dump read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub header: Header,
    pub counts: Counts,
    /// Bytes read, header included (decompressed for a `.hprof.gz`).
    pub bytes: u64,
    /// None when the whole file was read; else where it stopped.
    pub stop: Option<Stop>,
}

/// Why a dump could not be read at all.
#[derive(Debug)]
pub enum OpenError {
    Io(io::Error),
    Header(HeaderError),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "{e}"),
            OpenError::Header(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for OpenError {}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> OpenError {
        OpenError::Io(e)
    }
}

/// Reads a dump file: through one buffer when plain, through a gzip
/// decoder when it starts with the gzip magic (whatever its name).
pub fn read_path(path: &Path, visitor: &mut impl Visitor) -> Result<Outcome, OpenError> {
    read_stream(open_path(path)?, visitor)
}

/// The bytes of a dump file, decompressed when it starts with the gzip
/// magic (whatever its name).
pub(crate) fn open_path(path: &Path) -> Result<Box<dyn Read + Send>, OpenError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let file = File::open(path)?;
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, file));
        return Ok(Box::new(gz));
    }
    // A plain file is read through the stream's buffer too: as fast as a
    // map here, and a map's resident pages count as the process's memory
    // (a 2.5 GiB dump would show 2.5 GiB of RSS).
    Ok(Box::new(File::open(path)?))
}

fn read_full(r: &mut impl Read, out: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads a dump held in memory.
pub fn read_bytes(bytes: &[u8], visitor: &mut impl Visitor) -> Result<Outcome, HeaderError> {
    let header = parse_header(bytes)?;
    let feed = SliceFeed::new(bytes, header.len as usize);
    Ok(Parser::new(feed, header, visitor).run())
}

/// Reads a dump from a stream (already decompressed).
pub fn read_stream(mut r: impl Read, visitor: &mut impl Visitor) -> Result<Outcome, OpenError> {
    let mut head = vec![0u8; 64];
    let n = read_full(&mut r, &mut head)?;
    head.truncate(n);
    let header = parse_header(&head).map_err(OpenError::Header)?;
    let feed = StreamFeed::new(r, &head, header.len as usize);
    Ok(Parser::new(feed, header, visitor).run())
}

/// The length of a sub-record, or how many bytes are needed to know it.
pub(crate) enum SubLen {
    Len(u64),
    Need(usize),
    Bad(&'static str),
}

struct Parser<'v, F, V> {
    feed: F,
    header: Header,
    id: u8,
    v: &'v mut V,
    layouts: Layouts,
    counts: Counts,
    /// HEAP DUMP END seen: a segmented dump without it was cut short.
    ended: bool,
    /// A HEAP DUMP SEGMENT seen (rather than one whole HEAP DUMP record).
    segmented: bool,
}

impl<'v, F: Feed, V: Visitor> Parser<'v, F, V> {
    fn new(feed: F, header: Header, v: &'v mut V) -> Self {
        Parser {
            feed,
            id: header.id_size,
            layouts: Layouts::new(header.id_size),
            header,
            v,
            counts: Counts::default(),
            ended: false,
            segmented: false,
        }
    }

    fn run(mut self) -> Outcome {
        self.v.header(&self.header);
        let stop = self.records().err();
        Outcome {
            header: self.header,
            counts: self.counts,
            bytes: self.feed.offset(),
            stop,
        }
    }

    fn records(&mut self) -> Result<(), Stop> {
        loop {
            let at = self.feed.offset();
            let b = self
                .feed
                .fill(9)
                .map_err(|e| io_stop(at, RecordKind::RecordHeader, e))?;
            if b.is_empty() {
                // Every dump the JVM writes holds a heap: a file that ends
                // on a record boundary before any was cut there.
                if self.counts.heap_dump_segments == 0 {
                    return Err(stop(
                        StopKind::Truncated,
                        at,
                        RecordKind::HeapDump,
                        "the file ends before any heap dump record".into(),
                    ));
                }
                // A 1.0.1 dump's single HEAP DUMP record is whole by its
                // length; only segments promise a HEAP DUMP END.
                if self.segmented && !self.ended {
                    return Err(stop(
                        StopKind::Truncated,
                        at,
                        RecordKind::HeapDumpSegment,
                        "the file ends after a heap dump segment, without HEAP DUMP END".into(),
                    ));
                }
                return Ok(());
            }
            if b.len() < 9 {
                let n = b.len();
                return Err(stop(
                    StopKind::Truncated,
                    at,
                    RecordKind::RecordHeader,
                    format!("{n} of its 9 bytes present"),
                ));
            }
            let t = b[0];
            let len = u32_at(b, 5);
            self.feed.consume(9);
            let kind = match t {
                tag::UTF8 => RecordKind::Utf8,
                tag::LOAD_CLASS => RecordKind::LoadClass,
                tag::FRAME => RecordKind::Frame,
                tag::TRACE => RecordKind::Trace,
                tag::HEAP_DUMP => RecordKind::HeapDump,
                tag::HEAP_DUMP_SEGMENT => RecordKind::HeapDumpSegment,
                _ => RecordKind::Other,
            };
            match kind {
                RecordKind::HeapDump | RecordKind::HeapDumpSegment => {
                    self.counts.heap_dump_segments += 1;
                    self.segmented |= kind == RecordKind::HeapDumpSegment;
                    if u64::from(len) <= TAKE_MAX && self.take_segment(at, kind, len)? {
                        continue;
                    }
                    self.heap_dump(at, kind, u64::from(len))?;
                }
                RecordKind::Other => {
                    self.ended |= t == tag::HEAP_DUMP_END;
                    self.counts.other_records += 1;
                    self.skip_body(at, kind, len)?;
                }
                _ if len as usize > self.feed.window() => {
                    self.skip_body(at, kind, len)?;
                }
                _ => self.small_record(at, kind, len as usize)?,
            }
        }
    }

    fn skip_body(&mut self, at: u64, kind: RecordKind, len: u32) -> Result<(), Stop> {
        let got = self
            .feed
            .skip(u64::from(len))
            .map_err(|e| io_stop(at, kind, e))?;
        if got < u64::from(len) {
            return Err(stop(
                StopKind::Truncated,
                at,
                kind,
                format!("{got} of its {len} bytes present"),
            ));
        }
        Ok(())
    }

    /// STRING, LOAD CLASS, STACK FRAME, STACK TRACE: read whole, then visited.
    fn small_record(&mut self, at: u64, kind: RecordKind, len: usize) -> Result<(), Stop> {
        let id = self.id;
        let ids = id as usize;
        let b = match self.feed.fill(len) {
            Ok(b) => b,
            Err(e) => return Err(io_stop(at, kind, e)),
        };
        if b.len() < len {
            let n = b.len();
            return Err(stop(
                StopKind::Truncated,
                at,
                kind,
                format!("{n} of its {len} bytes present"),
            ));
        }
        let b = &b[..len];
        let short = || Stop {
            kind: StopKind::Malformed,
            offset: at,
            record: kind,
            detail: format!("{len} bytes is too short for it"),
        };
        match kind {
            RecordKind::Utf8 => {
                if len < ids {
                    return Err(short());
                }
                self.counts.strings += 1;
                self.v.string(id_at(b, 0, id), &b[ids..]);
            }
            RecordKind::LoadClass => {
                if len < 8 + 2 * ids {
                    return Err(short());
                }
                self.counts.load_classes += 1;
                self.v.load_class(&LoadClass {
                    serial: u32_at(b, 0),
                    class: id_at(b, 4, id),
                    stack_trace_serial: u32_at(b, 4 + ids),
                    name: id_at(b, 8 + ids, id),
                });
            }
            RecordKind::Frame => {
                if len < 8 + 4 * ids {
                    return Err(short());
                }
                self.counts.frames += 1;
                self.v.frame(&Frame {
                    id: id_at(b, 0, id),
                    method: id_at(b, ids, id),
                    signature: id_at(b, 2 * ids, id),
                    source_file: id_at(b, 3 * ids, id),
                    class_serial: u32_at(b, 4 * ids),
                    line: u32_at(b, 4 * ids + 4) as i32,
                });
            }
            RecordKind::Trace => {
                if len < 12 {
                    return Err(short());
                }
                let n = u32_at(b, 8) as usize;
                let frames = b[12..].get(..n.saturating_mul(ids)).ok_or_else(short)?;
                self.counts.stack_traces += 1;
                self.v.stack_trace(&StackTrace {
                    serial: u32_at(b, 0),
                    thread_serial: u32_at(b, 4),
                    frames,
                    id_size: id,
                });
            }
            _ => {}
        }
        self.feed.consume(len);
        Ok(())
    }

    /// Hands a whole heap dump record to the visitor if it takes it; true
    /// when taken. A record the file ends (or a read fails) inside is
    /// handed over as far as it goes, then reading stops there (the taker
    /// finds where in it).
    fn take_segment(&mut self, at: u64, kind: RecordKind, len: u32) -> Result<bool, Stop> {
        let Some(mut body) = self.v.segment_buffer(u64::from(len)) else {
            return Ok(false);
        };
        let read = self.feed.read_into(len as usize, &mut body);
        let n = body.len();
        let failed = read.err();
        let why = failed.as_ref().map(|e| e.to_string());
        self.v.take_segment(
            at,
            kind,
            u64::from(len),
            body,
            failed.as_ref(),
            &self.counts,
        );
        if let Some(why) = why {
            return Err(stop(StopKind::ReadFailed, at, kind, why));
        }
        if n < len as usize {
            return Err(stop(
                StopKind::Truncated,
                at,
                kind,
                format!("{n} of its {len} bytes present"),
            ));
        }
        Ok(true)
    }

    /// The sub-records of one HEAP DUMP or HEAP DUMP SEGMENT of `len` bytes.
    fn heap_dump(&mut self, rec_at: u64, rec_kind: RecordKind, len: u64) -> Result<(), Stop> {
        let end = self.feed.offset() + len;
        let Parser {
            feed,
            v,
            layouts,
            counts,
            id,
            ..
        } = self;
        let mut w = Walk {
            v: &mut **v,
            layouts,
            counts,
            id: *id,
        };
        heap_walk(feed, &mut w, rec_at, rec_kind, len, end)
    }
}

/// What a walk over sub-records updates.
pub(crate) struct Walk<'w, V> {
    pub v: &'w mut V,
    pub layouts: &'w mut Layouts,
    pub counts: &'w mut Counts,
    pub id: u8,
}

/// The sub-records of one HEAP DUMP or HEAP DUMP SEGMENT of `len` bytes
/// (or of a part of one), from the feed's position to file offset `end`.
pub(crate) fn heap_walk<F: Feed, V: Visitor>(
    feed: &mut F,
    w: &mut Walk<'_, V>,
    rec_at: u64,
    rec_kind: RecordKind,
    len: u64,
    end: u64,
) -> Result<(), Stop> {
    let id = w.id;
    loop {
        let at = feed.offset();
        if at >= end {
            return Ok(());
        }
        let left = end - at;
        if !w.v.wants_more() {
            return Err(stop(
                StopKind::Enough,
                at,
                rec_kind,
                "the visitor had read enough".into(),
            ));
        }
        // Find the sub-record's length, asking for more bytes as needed;
        // the bytes that told it usually hold the whole sub-record.
        let mut need = 1 + 2 * id as usize + 9;
        let (total, held) = loop {
            let b = match feed.fill(need) {
                Ok(b) => b,
                Err(e) => return Err(io_stop(at, RecordKind::Root, e)),
            };
            if b.is_empty() {
                return Err(stop(
                    StopKind::Truncated,
                    rec_at,
                    rec_kind,
                    format!("{} of its {len} bytes present", at - rec_at - 9),
                ));
            }
            match sub_len(b, id) {
                SubLen::Len(n) => break (n, b.len() as u64),
                SubLen::Need(n) if n > b.len() && b.len() < need => {
                    let kind = sub_kind(b[0]);
                    let have = b.len();
                    return Err(stop(
                        StopKind::Truncated,
                        at,
                        kind,
                        format!("the file ends {have} bytes into it"),
                    ));
                }
                SubLen::Need(n) => need = n.max(need + 1),
                SubLen::Bad(why) => {
                    let kind = sub_kind(b[0]);
                    return Err(stop(
                        StopKind::Malformed,
                        at,
                        kind,
                        format!("{why} (tag 0x{:02X})", b[0]),
                    ));
                }
            }
        };
        if total > left || total > feed.window() as u64 {
            let b0 = feed.fill(1).map_err(|e| io_stop(at, RecordKind::Root, e))?;
            let kind = sub_kind(b0[0]);
            if total > left {
                return Err(stop(
                    StopKind::Malformed,
                    at,
                    kind,
                    format!("its {total} bytes run past the end of its segment ({left} left)"),
                ));
            }
            oversized(feed, w, at, kind, total)?;
            continue;
        }
        let b = if held >= total {
            feed.held()
        } else {
            match feed.fill(total as usize) {
                Ok(b) => b,
                Err(e) => return Err(io_stop(at, RecordKind::Root, e)),
            }
        };
        if (b.len() as u64) < total {
            let have = b.len();
            return Err(stop(
                StopKind::Truncated,
                at,
                sub_kind(b[0]),
                format!("the file ends {have} of its {total} bytes into it"),
            ));
        }
        let kind_of = b[0];
        let b = &b[..total as usize];
        if w.v.take_sub(rec_at, rec_kind, at, b, w.counts) {
            feed.consume(total as usize);
            continue;
        }
        if let Err(why) = visit_sub(b, id, w.v, w.layouts, w.counts) {
            return Err(stop(
                StopKind::Malformed,
                at,
                sub_kind(kind_of),
                why.to_string(),
            ));
        }
        feed.consume(total as usize);
    }
}

/// A primitive array too large for a stream's window: visited without
/// its contents, then skipped.
fn oversized<F: Feed, V: Visitor>(
    feed: &mut F,
    w: &mut Walk<'_, V>,
    at: u64,
    kind: RecordKind,
    total: u64,
) -> Result<(), Stop> {
    let id = w.id;
    let ids = id as usize;
    let b = feed.fill(1 + ids + 9).map_err(|e| io_stop(at, kind, e))?;
    if kind != RecordKind::PrimArrayDump || b.len() < 1 + ids + 9 {
        return Err(stop(
            StopKind::Malformed,
            at,
            kind,
            format!("{total} bytes is more than a stream can hold"),
        ));
    }
    let arr = PrimitiveArray {
        id: id_at(b, 1, id),
        stack_trace_serial: u32_at(b, 1 + ids),
        len: u32_at(b, 5 + ids),
        ty: BasicType::from_code(b[9 + ids]).unwrap_or(BasicType::Byte),
        data: None,
    };
    w.counts.primitive_arrays += 1;
    w.v.primitive_array(&arr);
    let got = feed.skip(total).map_err(|e| io_stop(at, kind, e))?;
    if got < total {
        return Err(stop(
            StopKind::Truncated,
            at,
            kind,
            format!("the file ends {got} of its {total} bytes into it"),
        ));
    }
    Ok(())
}

fn stop(kind: StopKind, offset: u64, record: RecordKind, detail: String) -> Stop {
    Stop {
        kind,
        offset,
        record,
        detail,
    }
}

fn io_stop(offset: u64, record: RecordKind, e: io::Error) -> Stop {
    stop(StopKind::ReadFailed, offset, record, e.to_string())
}

fn sub_kind(t: u8) -> RecordKind {
    match t {
        sub::CLASS_DUMP => RecordKind::ClassDump,
        sub::INSTANCE_DUMP => RecordKind::InstanceDump,
        sub::OBJ_ARRAY_DUMP => RecordKind::ObjArrayDump,
        sub::PRIM_ARRAY_DUMP | sub::PRIM_ARRAY_NODATA => RecordKind::PrimArrayDump,
        sub::HEAP_DUMP_INFO => RecordKind::HeapDumpSegment,
        t if root_kind(t).is_some() => RecordKind::Root,
        _ => RecordKind::UnknownSubRecord,
    }
}

fn root_kind(t: u8) -> Option<RootKind> {
    Some(match t {
        sub::ROOT_UNKNOWN => RootKind::Unknown,
        sub::ROOT_JNI_GLOBAL => RootKind::JniGlobal,
        sub::ROOT_JNI_LOCAL => RootKind::JniLocal,
        sub::ROOT_JAVA_FRAME => RootKind::JavaFrame,
        sub::ROOT_NATIVE_STACK => RootKind::NativeStack,
        sub::ROOT_STICKY_CLASS => RootKind::StickyClass,
        sub::ROOT_THREAD_BLOCK => RootKind::ThreadBlock,
        sub::ROOT_MONITOR_USED => RootKind::MonitorUsed,
        sub::ROOT_THREAD_OBJECT => RootKind::ThreadObject,
        sub::ROOT_INTERNED_STRING => RootKind::InternedString,
        sub::ROOT_FINALIZING => RootKind::Finalizing,
        sub::ROOT_DEBUGGER => RootKind::Debugger,
        sub::ROOT_REFERENCE_CLEANUP => RootKind::ReferenceCleanup,
        sub::ROOT_VM_INTERNAL => RootKind::VmInternal,
        sub::ROOT_JNI_MONITOR => RootKind::JniMonitor,
        sub::ROOT_UNREACHABLE => RootKind::Unreachable,
        _ => return None,
    })
}

/// The whole length of the sub-record at the start of `b`, tag included.
pub(crate) fn sub_len(b: &[u8], id: u8) -> SubLen {
    let ids = id as usize;
    let fixed = |n: usize| SubLen::Len(1 + n as u64);
    match b[0] {
        sub::ROOT_UNKNOWN
        | sub::ROOT_STICKY_CLASS
        | sub::ROOT_MONITOR_USED
        | sub::ROOT_INTERNED_STRING
        | sub::ROOT_FINALIZING
        | sub::ROOT_DEBUGGER
        | sub::ROOT_REFERENCE_CLEANUP
        | sub::ROOT_VM_INTERNAL
        | sub::ROOT_UNREACHABLE => fixed(ids),
        sub::ROOT_JNI_GLOBAL => fixed(2 * ids),
        sub::ROOT_NATIVE_STACK | sub::ROOT_THREAD_BLOCK | sub::HEAP_DUMP_INFO => fixed(ids + 4),
        sub::ROOT_JNI_LOCAL
        | sub::ROOT_JAVA_FRAME
        | sub::ROOT_THREAD_OBJECT
        | sub::ROOT_JNI_MONITOR => fixed(ids + 8),
        sub::INSTANCE_DUMP => {
            let h = 1 + 2 * ids + 8;
            if b.len() < h {
                return SubLen::Need(h);
            }
            SubLen::Len(h as u64 + u64::from(u32_at(b, h - 4)))
        }
        sub::OBJ_ARRAY_DUMP => {
            let h = 1 + 2 * ids + 8;
            if b.len() < h {
                return SubLen::Need(h);
            }
            SubLen::Len(h as u64 + u64::from(u32_at(b, 1 + ids + 4)) * ids as u64)
        }
        sub::PRIM_ARRAY_DUMP => {
            let h = 1 + ids + 9;
            if b.len() < h {
                return SubLen::Need(h);
            }
            let Some(ty) = BasicType::from_code(b[h - 1]) else {
                return SubLen::Bad("a primitive array of an undefined element type");
            };
            if ty == BasicType::Object {
                return SubLen::Bad("a primitive array of objects");
            }
            SubLen::Len(h as u64 + u64::from(u32_at(b, 1 + ids + 4)) * ty.dump_size(id) as u64)
        }
        sub::PRIM_ARRAY_NODATA => fixed(ids + 9),
        sub::CLASS_DUMP => class_dump_len(b, id),
        _ => SubLen::Bad("an unknown heap dump sub-record tag"),
    }
}

/// A CLASS DUMP's length: its constant pool, statics and fields are
/// variable, so it is walked as far as `b` goes.
fn class_dump_len(b: &[u8], id: u8) -> SubLen {
    let ids = id as usize;
    let mut at = 1 + 7 * ids + 8;
    let need = |n: usize| SubLen::Need(n);
    // Constant pool: u2 count, then (u2 index, u1 type, value).
    if b.len() < at + 2 {
        return need(at + 2 + 64);
    }
    let cp = u16_at(b, at);
    at += 2;
    for _ in 0..cp {
        if b.len() < at + 3 {
            return need(at + 3 + 64);
        }
        let Some(ty) = BasicType::from_code(b[at + 2]) else {
            return SubLen::Bad("a constant of an undefined type");
        };
        at += 3 + ty.dump_size(id);
    }
    // Statics: u2 count, then (id name, u1 type, value).
    if b.len() < at + 2 {
        return need(at + 2 + 64);
    }
    let statics = u16_at(b, at);
    at += 2;
    for _ in 0..statics {
        if b.len() < at + ids + 1 {
            return need(at + ids + 1 + 64);
        }
        let Some(ty) = BasicType::from_code(b[at + ids]) else {
            return SubLen::Bad("a static field of an undefined type");
        };
        at += ids + 1 + ty.dump_size(id);
    }
    // Instance fields: u2 count, then (id name, u1 type).
    if b.len() < at + 2 {
        return need(at + 2);
    }
    let fields = u16_at(b, at) as usize;
    SubLen::Len((at + 2 + fields * (ids + 1)) as u64)
}

/// Visits one whole sub-record `b` (its length already checked).
fn visit_sub<V: Visitor>(
    b: &[u8],
    id: u8,
    v: &mut V,
    layouts: &mut Layouts,
    counts: &mut Counts,
) -> Result<(), &'static str> {
    let ids = id as usize;
    let t = b[0];
    // Objects first: they are nearly every sub-record.
    let object = matches!(
        t,
        sub::INSTANCE_DUMP | sub::OBJ_ARRAY_DUMP | sub::PRIM_ARRAY_DUMP
    );
    let root = if object { None } else { root_kind(t) };
    if let Some(kind) = root {
        let object = id_at(b, 1, id);
        let u = |i: usize| Some(u32_at(b, 1 + ids + 4 * i));
        let root = match t {
            sub::ROOT_JNI_LOCAL | sub::ROOT_JAVA_FRAME => Root {
                kind,
                object,
                thread_serial: u(0),
                frame: u(1),
                stack_trace_serial: None,
            },
            sub::ROOT_THREAD_OBJECT => Root {
                kind,
                object,
                thread_serial: u(0),
                frame: None,
                stack_trace_serial: u(1),
            },
            sub::ROOT_NATIVE_STACK | sub::ROOT_THREAD_BLOCK | sub::ROOT_JNI_MONITOR => Root {
                kind,
                object,
                thread_serial: u(0),
                frame: None,
                stack_trace_serial: None,
            },
            _ => Root {
                kind,
                object,
                thread_serial: None,
                frame: None,
                stack_trace_serial: None,
            },
        };
        counts.roots += 1;
        v.root(&root);
        return Ok(());
    }
    match t {
        sub::INSTANCE_DUMP => {
            let class = id_at(b, 1 + ids + 4, id);
            let data = &b[1 + 2 * ids + 8..];
            let layout = layouts.get(class);
            if layout.is_none() {
                counts.instances_without_layout += 1;
            }
            counts.instances += 1;
            v.instance(&Instance {
                id: id_at(b, 1, id),
                stack_trace_serial: u32_at(b, 1 + ids),
                class,
                data,
                layout,
                id_size: id,
            });
        }
        sub::OBJ_ARRAY_DUMP => {
            counts.object_arrays += 1;
            v.object_array(&ObjectArray {
                id: id_at(b, 1, id),
                stack_trace_serial: u32_at(b, 1 + ids),
                len: u32_at(b, 1 + ids + 4),
                class: id_at(b, 1 + ids + 8, id),
                elements: &b[1 + 2 * ids + 8..],
                id_size: id,
            });
        }
        sub::PRIM_ARRAY_DUMP | sub::PRIM_ARRAY_NODATA => {
            let ty = BasicType::from_code(b[1 + ids + 8]).ok_or("an undefined element type")?;
            counts.primitive_arrays += 1;
            v.primitive_array(&PrimitiveArray {
                id: id_at(b, 1, id),
                stack_trace_serial: u32_at(b, 1 + ids),
                len: u32_at(b, 1 + ids + 4),
                ty,
                data: (t == sub::PRIM_ARRAY_DUMP).then(|| &b[1 + ids + 9..]),
            });
        }
        sub::CLASS_DUMP => {
            let class = class_dump(b, id).ok_or("a class dump whose parts do not add up")?;
            counts.class_dumps += 1;
            layouts.add(
                class.class,
                ClassEntry {
                    super_class: class.super_class,
                    own: class.instance_fields().collect(),
                },
            );
            v.class_dump(&class);
        }
        _ => {}
    }
    Ok(())
}

/// Takes a whole CLASS DUMP apart (its length was found by `class_dump_len`).
pub(crate) fn class_dump(b: &[u8], id: u8) -> Option<ClassDump<'_>> {
    let ids = id as usize;
    let at_id = |i: usize| id_at(b, 1 + ids * i + if i >= 1 { 4 } else { 0 }, id);
    let mut at = 1 + 7 * ids + 8;
    let cp = u16_at(b, at);
    at += 2;
    for _ in 0..cp {
        at += 3 + BasicType::from_code(*b.get(at + 2)?)?.dump_size(id);
    }
    let static_count = u16_at(b, at);
    at += 2;
    let statics_from = at;
    for _ in 0..static_count {
        at += ids + 1 + BasicType::from_code(*b.get(at + ids)?)?.dump_size(id);
    }
    let statics = b.get(statics_from..at)?;
    let field_count = u16_at(b, at);
    at += 2;
    let fields = b.get(at..at + field_count as usize * (ids + 1))?;
    Some(ClassDump {
        class: at_id(0),
        stack_trace_serial: u32_at(b, 1 + ids),
        super_class: at_id(1),
        loader: at_id(2),
        signers: at_id(3),
        protection_domain: at_id(4),
        instance_size: u32_at(b, 1 + 7 * ids + 4),
        statics,
        static_count,
        fields,
        field_count,
        id_size: id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Writer;

    /// Everything a pass saw, in order, as comparable text.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Visitor for Log {
        fn string(&mut self, id: Id, utf8: &[u8]) {
            self.0
                .push(format!("string {id} {}", String::from_utf8_lossy(utf8)));
        }
        fn load_class(&mut self, c: &LoadClass) {
            self.0
                .push(format!("load {} {} {}", c.serial, c.class, c.name));
        }
        fn frame(&mut self, f: &Frame) {
            self.0
                .push(format!("frame {} {} {}", f.id, f.method, f.line));
        }
        fn stack_trace(&mut self, t: &StackTrace<'_>) {
            let f: Vec<Id> = t.frames().collect();
            self.0.push(format!("trace {} {f:?}", t.serial));
        }
        fn root(&mut self, r: &Root) {
            self.0.push(format!(
                "root {:?} {} {:?}",
                r.kind, r.object, r.thread_serial
            ));
        }
        fn class_dump(&mut self, c: &ClassDump<'_>) {
            let s: Vec<_> = c.statics().map(|s| (s.name, s.value)).collect();
            let f: Vec<_> = c.instance_fields().collect();
            self.0.push(format!(
                "class {} super {} loader {} {s:?} {f:?}",
                c.class, c.super_class, c.loader
            ));
        }
        fn instance(&mut self, i: &Instance<'_>) {
            let r: Vec<Id> = i.references().collect();
            self.0.push(format!(
                "instance {} of {} refs {r:?} len {}",
                i.id,
                i.class,
                i.data.len()
            ));
        }
        fn object_array(&mut self, a: &ObjectArray<'_>) {
            let e: Vec<Id> = a.elements().collect();
            self.0
                .push(format!("objarray {} of {} {e:?}", a.id, a.class));
        }
        fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
            self.0.push(format!(
                "primarray {} {:?} {} {:?}",
                a.id, a.ty, a.len, a.data
            ));
        }
    }

    /// A dump with a two-level class chain, an instance holding references
    /// in both levels, arrays, roots and a trace, over two segments.
    fn sample(id: u8) -> Vec<u8> {
        let mut w = Writer::new(id, 1_700_000_000_000);
        w.string(1, "Base")
            .string(2, "Leaf")
            .string(3, "next")
            .string(4, "count")
            .string(5, "peer");
        w.load_class(1, 100, 1).load_class(2, 200, 2);
        w.frame(7, 3, 4, 1, 42).trace(9, 1, &[7]);
        w.class_dump(
            100,
            0,
            0,
            12,
            &[(4, BasicType::Int, vec![0, 0, 0, 5])],
            &[(3, BasicType::Object), (4, BasicType::Int)],
        );
        w.class_dump(200, 100, 300, 20, &[], &[(5, BasicType::Object)]);
        w.root(sub::ROOT_STICKY_CLASS, 100)
            .root(sub::ROOT_THREAD_OBJECT, 1000);
        w.end_segment();
        let mut data = Vec::new();
        let put = |d: &mut Vec<u8>, v: u64| {
            if id == 8 {
                d.extend_from_slice(&v.to_be_bytes())
            } else {
                d.extend_from_slice(&(v as u32).to_be_bytes())
            }
        };
        put(&mut data, 1001); // Leaf.peer
        put(&mut data, 1002); // Base.next
        data.extend_from_slice(&7i32.to_be_bytes()); // Base.count
        w.instance(1000, 200, &data);
        w.object_array(1001, 400, &[1000, 0, 1002]);
        w.primitive_array(1002, BasicType::Char, 2, &[0, b'h', 0, b'i']);
        w.finish()
    }

    fn log(bytes: &[u8]) -> (Vec<String>, Outcome) {
        let mut l = Log::default();
        let o = read_bytes(bytes, &mut l).unwrap();
        (l.0, o)
    }

    #[test]
    fn reads_every_record_kind_with_both_id_sizes() {
        for id in [4u8, 8] {
            let (l, o) = log(&sample(id));
            assert_eq!(o.stop, None, "id size {id}");
            assert_eq!(o.header.id_size, id);
            assert_eq!(o.header.timestamp_ms, 1_700_000_000_000);
            let want = format!(
                "instance 1000 of 200 refs [1001, 1002] len {}",
                2 * id as usize + 4
            );
            assert!(l.contains(&want), "{l:?}");
            assert!(l.contains(&"objarray 1001 of 400 [1000, 0, 1002]".to_string()));
            assert!(l.contains(&"primarray 1002 Char 2 Some([0, 104, 0, 105])".to_string()));
            assert!(l.contains(&"root ThreadObject 1000 Some(1)".to_string()));
            assert!(l.contains(&"trace 9 [7]".to_string()));
            assert!(l.contains(&"frame 7 3 42".to_string()));
            assert!(
                l.contains(
                    &"class 100 super 0 loader 0 [(4, Int(5))] [(3, Object), (4, Int)]".to_string()
                ),
                "{l:?}"
            );
            assert_eq!(o.counts.instances, 1);
            assert_eq!(o.counts.instances_without_layout, 0);
            assert_eq!(o.counts.heap_dump_segments, 2);
            assert_eq!(o.counts.roots, 2);
            assert_eq!(o.bytes, sample(id).len() as u64);
        }
    }

    #[test]
    fn a_field_is_read_by_name_through_the_class_chain() {
        struct Count(Option<Value>);
        impl Visitor for Count {
            fn instance(&mut self, i: &Instance<'_>) {
                self.0 = i.field(4);
            }
        }
        let mut c = Count(None);
        read_bytes(&sample(8), &mut c).unwrap();
        assert_eq!(c.0, Some(Value::Int(7)));
    }

    #[test]
    fn every_cut_keeps_what_came_before_and_says_where() {
        let full = sample(8);
        let (all, _) = log(&full);
        for cut in 31..full.len() - 9 {
            let (l, o) = log(&full[..cut]);
            let Some(stop) = o.stop else {
                // Only a cut between whole records before the heap dump
                // reads as complete: after a segment, HEAP DUMP END is due.
                assert!(!l.iter().any(|x| x.starts_with("class")), "cut at {cut}");
                continue;
            };
            assert_eq!(stop.kind, StopKind::Truncated, "cut at {cut}: {stop}");
            assert!(stop.offset <= cut as u64, "cut at {cut}: {stop}");
            assert_eq!(l[..], all[..l.len()], "cut at {cut}");
        }
    }

    #[test]
    fn a_compressed_dump_reads_the_same_as_a_plain_one() {
        use std::io::Write;
        let plain = sample(8);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let dir = std::env::temp_dir().join(format!("oomlens-heap-gz-{}", std::process::id()));
        std::fs::write(&dir, &gz).unwrap();
        let mut l = Log::default();
        let o = read_path(&dir, &mut l);
        let _ = std::fs::remove_file(&dir);
        let o = o.unwrap();
        assert_eq!(o.stop, None);
        assert_eq!(l.0, log(&plain).0);
        // Cut inside the compressed stream: a partial answer, a read failure
        // or a truncation, never a panic.
        let mut l = Log::default();
        let o = read_stream(
            flate2::read::MultiGzDecoder::new(&gz[..gz.len() / 2]),
            &mut l,
        )
        .unwrap();
        assert!(o.stop.is_some());
    }

    #[test]
    fn an_unknown_sub_record_stops_as_damage_with_its_offset() {
        let mut w = Writer::new(8, 0);
        w.root(sub::ROOT_UNKNOWN, 5);
        let mut b = w.finish();
        // The sub-record tag sits after the header (31) and the record header (9).
        b[40] = 0x77;
        let (_, o) = log(&b);
        let stop = o.stop.unwrap();
        assert_eq!(
            (stop.kind, stop.offset, stop.record),
            (StopKind::Malformed, 40, RecordKind::UnknownSubRecord)
        );
    }

    #[test]
    fn not_a_dump_is_refused() {
        assert!(matches!(
            read_bytes(b"hello", &mut Log::default()),
            Err(HeaderError::NotHprof)
        ));
    }
}
