//! Property tests of the record reader on dumps written by `synth::Writer`
//! from random heaps: everything written is read back (ids, classes,
//! references through the class chain, array elements, roots), with 4- and
//! 8-byte ids, mapped and streamed; and any cut of such a dump reads the
//! records before the cut, says where it stopped, and never panics.

use oomlens_heap::hprof::sub;
use oomlens_heap::synth::Writer;
use oomlens_heap::{
    read_bytes, read_stream, BasicType, Id, Instance, ObjectArray, PrimitiveArray, Root, Visitor,
};
use proptest::prelude::*;

/// A random heap: classes as (own reference fields, own int fields) with a
/// superclass among the earlier ones; instances as (class, references);
/// object arrays; byte arrays.
#[derive(Debug, Clone)]
struct Heap {
    classes: Vec<(usize, usize, Option<usize>)>,
    instances: Vec<(usize, Vec<Id>)>,
    arrays: Vec<Vec<Id>>,
    bytes: Vec<Vec<u8>>,
}

fn heap() -> impl Strategy<Value = Heap> {
    let classes = prop::collection::vec((0usize..4, 0usize..3, any::<prop::sample::Index>()), 1..6)
        .prop_map(|cs| {
            cs.into_iter()
                .enumerate()
                .map(|(i, (r, n, sup))| (r, n, (i > 0).then(|| sup.index(i))))
                .collect::<Vec<_>>()
        });
    (
        classes,
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::collection::vec(0u64..1000, 0..12),
            ),
            0..30,
        ),
        prop::collection::vec(prop::collection::vec(0u64..1000, 0..8), 0..6),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..6),
    )
        .prop_map(|(classes, inst, arrays, bytes)| {
            let n = classes.len();
            Heap {
                instances: inst.into_iter().map(|(c, r)| (c.index(n), r)).collect(),
                classes,
                arrays,
                bytes,
            }
        })
}

const CLASS: Id = 0x1000;
const OBJECT: Id = 0x100000;

/// Writes the heap; returns the file and, per instance, the non-null
/// references it holds in field order (own class first, as HotSpot).
fn write(h: &Heap, id: u8) -> (Vec<u8>, Vec<Vec<Id>>) {
    let mut w = Writer::new(id, 7);
    w.string(1, "ref").string(2, "n");
    for (i, &(r, n, sup)) in h.classes.iter().enumerate() {
        let mut fields = vec![(1, BasicType::Object); r];
        fields.extend(std::iter::repeat_n((2, BasicType::Int), n));
        let sup = sup.map_or(0, |s| CLASS + s as Id);
        w.class_dump(CLASS + i as Id, sup, 0, 0, &[], &fields);
    }
    w.root(sub::ROOT_STICKY_CLASS, CLASS);
    w.end_segment();
    let mut expected = Vec::new();
    for (k, (c, refs)) in h.instances.iter().enumerate() {
        // Lay the fields out class by class up the chain, as HotSpot does.
        let mut data = Vec::new();
        let mut want = Vec::new();
        let mut next = refs.iter().copied().cycle();
        let mut cls = Some(*c);
        while let Some(ci) = cls {
            let (r, n, sup) = h.classes[ci];
            for _ in 0..r {
                let v = if refs.is_empty() {
                    0
                } else {
                    next.next().unwrap_or(0)
                };
                if v != 0 {
                    want.push(v);
                }
                if id == 8 {
                    data.extend_from_slice(&v.to_be_bytes());
                } else {
                    data.extend_from_slice(&(v as u32).to_be_bytes());
                }
            }
            data.extend(std::iter::repeat_n(0u8, 4 * n));
            cls = sup;
        }
        w.instance(OBJECT + k as Id, CLASS + *c as Id, &data);
        expected.push(want);
    }
    for (k, a) in h.arrays.iter().enumerate() {
        w.object_array(OBJECT * 2 + k as Id, CLASS, a);
    }
    for (k, b) in h.bytes.iter().enumerate() {
        w.primitive_array(OBJECT * 3 + k as Id, BasicType::Byte, b.len() as u32, b);
    }
    (w.finish(), expected)
}

#[derive(Default, PartialEq, Debug)]
struct Seen {
    instances: Vec<(Id, Id, Vec<Id>)>,
    arrays: Vec<(Id, Vec<Id>)>,
    bytes: Vec<(Id, Vec<u8>)>,
    roots: Vec<Id>,
}

impl Visitor for Seen {
    fn instance(&mut self, i: &Instance<'_>) {
        self.instances
            .push((i.id, i.class, i.references().collect()));
    }
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.arrays.push((a.id, a.elements().collect()));
    }
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
        self.bytes.push((a.id, a.data.unwrap_or_default().to_vec()));
    }
    fn root(&mut self, r: &Root) {
        self.roots.push(r.object);
    }
}

proptest! {
    #[test]
    fn everything_written_is_read_back(h in heap(), wide in any::<bool>()) {
        let id = if wide { 8 } else { 4 };
        let (file, expected) = write(&h, id);
        let mut seen = Seen::default();
        let o = read_bytes(&file, &mut seen).unwrap();
        prop_assert_eq!(o.stop, None);
        prop_assert_eq!(o.counts.instances_without_layout, 0);
        prop_assert_eq!(seen.roots.clone(), vec![CLASS]);
        for (k, (obj, class, refs)) in seen.instances.iter().enumerate() {
            prop_assert_eq!(*obj, OBJECT + k as Id);
            prop_assert_eq!(*class, CLASS + h.instances[k].0 as Id);
            prop_assert_eq!(refs, &expected[k]);
        }
        prop_assert_eq!(seen.instances.len(), h.instances.len());
        for (k, (_, e)) in seen.arrays.iter().enumerate() {
            prop_assert_eq!(e, &h.arrays[k]);
        }
        for (k, (_, b)) in seen.bytes.iter().enumerate() {
            prop_assert_eq!(b, &h.bytes[k]);
        }
        let mut streamed = Seen::default();
        let s = read_stream(&file[..], &mut streamed).unwrap();
        prop_assert_eq!(s.counts, o.counts);
        prop_assert_eq!(streamed, seen);
    }

    #[test]
    fn a_cut_reads_a_prefix_and_says_where(h in heap(), at in any::<prop::sample::Index>()) {
        let (file, _) = write(&h, 8);
        let cut = 31 + at.index(file.len() - 31);
        let mut all = Seen::default();
        read_bytes(&file, &mut all).unwrap();
        let mut part = Seen::default();
        let o = read_bytes(&file[..cut], &mut part).unwrap();
        if let Some(stop) = &o.stop {
            prop_assert!(stop.offset <= cut as u64);
        } else {
            // Only a cut before the first segment reads as whole.
            prop_assert!(part.instances.is_empty() && part.roots.is_empty());
        }
        prop_assert!(part.instances.len() <= all.instances.len());
        prop_assert_eq!(&part.instances[..], &all.instances[..part.instances.len()]);
        prop_assert_eq!(&part.bytes[..], &all.bytes[..part.bytes.len()]);
    }
}
