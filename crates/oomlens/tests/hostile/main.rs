//! Hostile inputs: every defect of "nothing lost, nothing unbounded" replayed
//! with inputs built at run time (nothing large in git), memory measured as
//! the child's peak RSS (`wait4`), time bounded by a timeout that kills it.
//! Sizes are the smallest that prove each bound: a reader that held its
//! input whole would need more than the bound, so passing at this size
//! proves the bound holds at any size (each module says its argument).
//! Also the fuzz targets' corpora replayed as ordinary tests.

#[path = "../support/mod.rs"]
mod support;

mod budget;
mod conventions;
mod fuzz_corpus;
mod gen;
mod inputs_once;
mod kernel;
mod run;
mod scan;
mod smaller;
mod structured;
