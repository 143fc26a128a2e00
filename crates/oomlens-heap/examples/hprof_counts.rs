//! Reads a heap dump with the record reader and prints what it holds:
//! the smallest use of `oomlens_heap::read_path` and a `Visitor`.
//!
//! `cargo run --release -p oomlens-heap --example hprof_counts -- DUMP.hprof`

use oomlens_heap::{read_path, Instance, ObjectArray, Visitor};

/// Counts references, the one thing no record count says.
#[derive(Default)]
struct Refs {
    references: u64,
}

impl Visitor for Refs {
    fn instance(&mut self, i: &Instance<'_>) {
        self.references += i.references().count() as u64;
    }
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.references += a.references().count() as u64;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args_os().nth(1) else {
        return Err("usage: hprof_counts DUMP.hprof[.gz]".into());
    };
    let mut refs = Refs::default();
    let outcome = read_path(path.as_ref(), &mut refs)?;
    println!("{:?}", outcome.header);
    println!("{:#?}", outcome.counts);
    println!("references: {}", refs.references);
    println!("bytes read: {}", outcome.bytes);
    if let Some(stop) = outcome.stop {
        println!("{stop}");
    }
    Ok(())
}
