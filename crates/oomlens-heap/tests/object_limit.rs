//! The object-count limit of retained sizes, tested under a lowered limit
//! (a dump past the real one, 4,294,967,294 objects, is some 60 GB even of
//! the smallest records): the histogram has no per-object index and reads
//! a dump past the limit whole, while the dominator tree's graph refuses it
//! with `GraphError::TooManyObjects` and reads no further than the limit.
//!
//! The dump is written by `synth::Writer`: three classes (`java.lang.Object`,
//! `java.lang.Class`, `Node` with one reference field `next`), a chain of
//! `NODES` nodes held by a JNI global root, and `ARRAYS` byte arrays; with
//! the three class objects, `OBJECTS` objects in all.

use oomlens_heap::graph::GraphError;
use oomlens_heap::hprof::sub;
use oomlens_heap::retained::{analyze_within, RetainedError};
use oomlens_heap::synth::Writer;
use oomlens_heap::{summarize, BasicType};
use std::path::PathBuf;

const NODES: u64 = 40;
const ARRAYS: u64 = 7;
const OBJECTS: u64 = 3 + NODES + ARRAYS;

fn dump(dir: &tempfile::TempDir) -> PathBuf {
    let (object, class, node) = (0x100, 0x200, 0x300);
    let mut w = Writer::new(8, 1_700_000_000_000);
    w.string(1, "java/lang/Object")
        .string(2, "java/lang/Class")
        .string(3, "Node")
        .string(4, "next")
        .load_class(1, object, 1)
        .load_class(2, class, 2)
        .load_class(3, node, 3);
    w.class_dump(object, 0, 0, 0, &[], &[])
        .class_dump(class, object, 0, 0, &[], &[])
        .class_dump(node, object, 0, 8, &[], &[(4, BasicType::Object)]);
    for c in [object, class, node] {
        w.root(sub::ROOT_STICKY_CLASS, c);
    }
    let first = 0x10_0000u64;
    w.root(sub::ROOT_JNI_GLOBAL, first);
    for i in 0..NODES {
        let next = if i + 1 < NODES {
            first + 16 * (i + 1)
        } else {
            0
        };
        w.instance(first + 16 * i, node, &next.to_be_bytes());
    }
    for i in 0..ARRAYS {
        w.primitive_array(0x20_0000 + 32 * i, BasicType::Byte, 8, &[7; 8]);
    }
    let path = dir.path().join("limit.hprof");
    std::fs::write(&path, w.finish()).unwrap();
    path
}

#[test]
fn the_histogram_reads_past_the_graph_limit_and_the_graph_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dump(&dir);
    let s = summarize(&path).unwrap();
    assert!(s.read.complete, "{:?}", s.read.stop);
    assert_eq!(s.totals.objects - s.totals.classes, NODES + ARRAYS);
    assert_eq!(s.totals.classes, 3);

    match analyze_within(&path, s.sizing, 10, OBJECTS - 1) {
        Err(RetainedError::Graph(GraphError::TooManyObjects)) => {}
        other => panic!("one object past the limit: {other:?}"),
    }
    let (r, _) = analyze_within(&path, s.sizing, 10, OBJECTS).unwrap();
    // The chain and its class objects are reachable; the arrays are not.
    assert_eq!(r.reachable_objects + r.unreachable_objects, OBJECTS);
    assert_eq!(r.unreachable_objects, ARRAYS);
}
