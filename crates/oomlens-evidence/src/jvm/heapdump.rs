//! A heap dump's facts as `diagnose` reads them: what fills the heap (the
//! largest classes by shallow bytes), who holds the classes (loaders by
//! type, generated-class families), and the off-heap pointers the heap
//! holds (direct buffers, threads).
//!
//! Reading HPROF is `oomlens-heap`'s, which depends on this crate; so this
//! crate owns only the facts and the seam. A command that wants dumps read
//! hands [`crate::load::Options::heap`] a [`HeapReader`] (the CLI passes
//! `oomlens_heap::facts::read`); the registry's `heap-dump` row then
//! streams the input through it once, in the one summary pass (never the
//! retained-size passes). Without a reader a dump is recognised and noted,
//! not read.
//!
//! A dump has no lines: each fact is cited by its file and what it is.

use std::io::Read;

use serde::Serialize;

/// Reads a whole dump from its first byte (decompressed) into its facts;
/// `Err` when not even the header could be read. A dump cut short gives
/// the facts of the part before the cut, with [`HeapDumpFacts::stopped`].
pub type HeapReader = dyn Fn(&mut dyn Read) -> Result<HeapDumpFacts, String> + Sync;

/// Rows of each list a reader keeps at most (largest first).
pub const TOP: usize = 20;

/// What one heap dump says, shallowly.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HeapDumpFacts {
    /// The header's format (`JAVA PROFILE 1.0.2`).
    pub version: String,
    /// The dump's own time (milliseconds since the epoch, from its header).
    pub unix_ms: u64,
    /// Bytes read (decompressed).
    pub bytes_read: u64,
    /// Where the read stopped when the dump was cut short or damaged
    /// (every number is then of the part before it).
    pub stopped: Option<String>,
    /// True when the object layout was assumed (no neighbours told it),
    /// so shallow sizes may be off.
    pub layout_assumed: bool,
    /// Objects and their shallow bytes (the heap's live size at the dump).
    pub objects: u64,
    pub shallow_bytes: u64,
    /// Classes loaded.
    pub classes: u64,
    /// Classes (arrays by element type included) by shallow bytes,
    /// largest first, at most [`TOP`].
    pub top_classes: Vec<HeapClass>,
    /// Class loaders grouped by their class, by classes defined, at most
    /// [`TOP`].
    pub loader_types: Vec<HeapLoaderType>,
    /// Generated-class families (names of one shape), by classes, at most
    /// [`TOP`].
    pub families: Vec<HeapFamily>,
    /// `java.nio.DirectByteBuffer`s that own their memory (allocated by
    /// `allocateDirect`: not slices or views) and their total capacity, the
    /// native memory they hold.
    pub direct_buffers: u64,
    pub direct_capacity: u64,
    /// `java.lang.Thread` objects, and by name pattern (at most [`TOP`]).
    pub threads: u64,
    pub thread_groups: Vec<HeapThreadGroup>,
}

/// One class of the histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapClass {
    pub name: String,
    pub instances: u64,
    pub bytes: u64,
}

/// Class loaders of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapLoaderType {
    pub class: String,
    /// Loader instances of this class.
    pub loaders: u64,
    /// Classes they defined.
    pub classes: u64,
}

/// Classes whose names share one shape ([`super::family::shape`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapFamily {
    pub shape: String,
    /// One class of the family, as named.
    pub example: String,
    pub classes: u64,
    /// Distinct loaders that defined them.
    pub loaders: u64,
    /// The highest number a class name of the family ends with (a
    /// generator's counter; 0 when unknown).
    pub max_seq: u64,
}

/// Threads whose names share one pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapThreadGroup {
    pub pattern: String,
    pub threads: u64,
    pub example: String,
}

impl HeapDumpFacts {
    /// The class of the histogram with the most shallow bytes.
    pub fn top(&self) -> Option<&HeapClass> {
        self.top_classes.first()
    }

    /// The class called `name` among the largest, if it is one of them.
    pub fn class(&self, name: &str) -> Option<&HeapClass> {
        self.top_classes.iter().find(|c| c.name == name)
    }
}
