//! HPROF heap dumps (`JAVA PROFILE 1.0.x`), read for the two questions of
//! an OOM kill: what fills the heap, and who holds the classes.
//!
//! The crate reads a dump as a stream of records (4- or 8-byte
//! identifiers, segmented dumps, `.hprof.gz`, dumps cut short by a kill),
//! builds compact per-object arrays rather than a map per object, and
//! answers with a histogram of exact shallow sizes, the class-loader view
//! with generated-class families, retained sizes over the dominator tree,
//! and the off-heap pointers the heap holds (direct buffers, threads).

pub mod dominator;
pub mod graph;
pub mod retained;
