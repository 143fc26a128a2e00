//! HPROF heap dumps (`JAVA PROFILE 1.0.x`), read for the two questions of
//! an OOM kill: what fills the heap, and who holds the classes.
//!
//! The crate reads a dump as a stream of records (4- or 8-byte
//! identifiers, segmented dumps, `.hprof.gz`, dumps cut short by a kill),
//! builds compact per-object arrays rather than a map per object, and
//! answers with a histogram of exact shallow sizes, the class-loader view
//! with generated-class families, retained sizes over the dominator tree,
//! and the off-heap pointers the heap holds (direct buffers, threads).
//!
//! The reader API (`reader`): implement `Visitor` for the records you
//! need and call `read_path`; each object comes with its id, class id and
//! bytes, instances with their class's flattened `ClassLayout` so
//! `Instance::references` walks their object fields through the class
//! chain, object arrays with `ObjectArray::elements`, and the GC roots as
//! `Root`s. The `Outcome` says whether the whole dump was read or where
//! (byte offset, record) it stopped.

pub mod diff;
pub mod dominator;
pub mod facts;
mod feed;
pub mod graph;
pub mod histogram;
pub mod hprof;
pub mod layout;
pub mod loaders;
pub mod names;
pub mod offheap;
pub mod reader;
pub mod retained;
pub mod sizing;
mod split;
pub mod summary;
#[doc(hidden)]
pub mod synth;

pub use hprof::{BasicType, Header, HeaderError, Id, RecordKind, Value, Version};
pub use layout::{ClassLayout, FieldSlot};
pub use reader::{
    read_bytes, read_path, read_stream, ClassDump, Counts, Frame, Instance, LoadClass, ObjectArray,
    OpenError, Outcome, PrimitiveArray, Root, RootKind, StackTrace, StaticField, Stop, StopKind,
    Visitor,
};
pub use sizing::{FieldBlocks, Sizing, SizingBasis};
pub use summary::{summarize, ReadInfo, Summary};
