//! Shallow sizes as the JVM counts them: the object layout (compressed
//! oops, compressed class pointers, object alignment) detected from the
//! dump itself, so an object's bytes equal `GC.class_histogram`'s.
//!
//! HPROF writes every reference as a full identifier and says nothing of
//! the layout, so a reader that sizes objects by the dump's field widths
//! overstates every object of a normal 64-bit JVM. HotSpot's identifiers
//! are the objects' addresses, and the objects are dumped in heap order,
//! so the layout shows in the gaps between neighbours (the approach of
//! Eclipse MAT's HPROF parser): the alignment is the greatest common
//! divisor of the gaps (8 to 256), and the layout is the one under which
//! most neighbours sit exactly one object size apart. The first
//! `SAMPLE` objects decide; `Sizing::detect` reads no further.
//!
//! Sizes follow HotSpot up to JDK 21: an instance is its header plus its
//! fields (the whole class chain), rounded up to the alignment; an array is
//! its header, the length word rounded up to 8 bytes, then its elements.
//! HotSpot before JDK 15 started each class's fields at a multiple of the
//! reference size after its superclass's (`FieldBlocks::PerClass`); the
//! neighbours tell that apart too, so the dumps of JDK 6 to 14 size right.

use crate::hprof::{BasicType, Id};
use crate::layout::ClassLayout;
use crate::reader::{
    read_bytes, read_path, Instance, ObjectArray, OpenError, PrimitiveArray, Visitor,
};
use crate::Header;
use serde::Serialize;
use std::path::Path;

/// How many objects the detection looks at.
pub const SAMPLE: usize = 200_000;

/// The object layout of the JVM that wrote a dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Sizing {
    /// Bytes of a reference field or object array element (4 with
    /// compressed oops or on a 32-bit JVM, else 8).
    pub ref_size: u8,
    /// Bytes of an object header (mark word and class pointer).
    pub header: u8,
    /// Object alignment (`-XX:ObjectAlignmentInBytes`).
    pub align: u32,
    pub compressed_oops: bool,
    pub compressed_class_pointers: bool,
    /// How the fields of a class chain are packed.
    pub field_blocks: FieldBlocks,
    /// How the layout was found.
    pub basis: SizingBasis,
    /// Neighbouring objects whose gap matched the chosen layout alone,
    /// and those that matched another layout alone.
    pub votes: u64,
    pub dissent: u64,
}

/// Whether the layout was read from the objects or assumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingBasis {
    /// From the gaps between neighbouring objects.
    Detected,
    /// No neighbours told layouts apart: HotSpot's default for the id size.
    Assumed,
}

/// How HotSpot lays out the fields of a class and its superclasses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldBlocks {
    /// All the chain's fields packed together (JDK 15 and later).
    Packed,
    /// Each class's fields start at a multiple of the reference size
    /// after its superclass's (JDK 14 and earlier, as Eclipse MAT sizes).
    PerClass,
}

/// The layouts a 64-bit HotSpot can have: (references, header).
const LAYOUTS_64: [(u8, u8); 4] = [(4, 12), (8, 12), (8, 16), (4, 16)];

/// Candidate layouts the probe sizes each object under: LAYOUTS_64 packed,
/// then the same per class.
const CANDIDATES: usize = 8;

impl Sizing {
    /// HotSpot's default for a dump with `id_size`-byte identifiers:
    /// compressed oops and class pointers on 64 bits, 8-byte alignment.
    pub fn default_for(id_size: u8) -> Sizing {
        let (ref_size, header) = if id_size == 4 { (4, 8) } else { (4, 12) };
        Sizing::new(id_size, ref_size, header, 8, SizingBasis::Assumed)
    }

    fn new(id_size: u8, ref_size: u8, header: u8, align: u32, basis: SizingBasis) -> Sizing {
        Sizing {
            ref_size,
            header,
            align,
            compressed_oops: id_size == 8 && ref_size == 4,
            compressed_class_pointers: id_size == 8 && header == 12,
            field_blocks: FieldBlocks::Packed,
            basis,
            votes: 0,
            dissent: 0,
        }
    }

    /// Reads the first objects of a dump and detects its layout.
    pub fn detect(path: &Path) -> Result<Sizing, OpenError> {
        let mut probe = Probe::default();
        read_path(path, &mut probe)?;
        Ok(probe.finish())
    }

    /// [`Sizing::detect`] over the opening of a dump held in memory (it
    /// may be cut anywhere).
    pub fn detect_bytes(bytes: &[u8]) -> Result<Sizing, OpenError> {
        let mut probe = Probe::default();
        read_bytes(bytes, &mut probe).map_err(OpenError::Header)?;
        Ok(probe.finish())
    }

    /// `raw` rounded up to the object alignment.
    #[inline]
    pub fn round_up(&self, raw: u64) -> u64 {
        let a = u64::from(self.align.max(1));
        raw.div_ceil(a) * a
    }

    /// The bytes of a reference or value of `ty` in the heap.
    #[inline]
    pub fn field_size(&self, ty: BasicType) -> u64 {
        match ty {
            BasicType::Object => u64::from(self.ref_size),
            t => t.dump_size(8) as u64,
        }
    }

    /// The shallow size of an instance whose class chain carries
    /// `injected` bytes of fields the VM adds and HPROF does not list
    /// (`injected_bytes`).
    pub fn instance_with(&self, layout: &ClassLayout, injected: u64) -> u64 {
        self.round_up(self.instance_raw(layout) + injected)
    }

    /// Bytes of the fields HotSpot injects into instances of the class of
    /// binary name `name` (its own, not its superclasses'): fields the VM
    /// keeps in the object, which no class file declares and HPROF does not
    /// list (`javaClasses.hpp`'s injected fields, JDK 11 to 21). Without
    /// them every class loader would be 8 bytes short. A JVM before JDK 8
    /// injects none of these (the histogram checks for it).
    pub fn injected_bytes(&self, name: &[u8]) -> u64 {
        let word = if self.header == 8 { 4 } else { 8 };
        match name {
            b"java/lang/ClassLoader" | b"java/lang/Module" | b"java/lang/invoke/MemberName" => word,
            b"java/lang/invoke/ResolvedMethodName" => word + u64::from(self.ref_size),
            b"java/lang/invoke/MethodHandleNatives$CallSiteContext" => 2 * word,
            b"java/lang/StackFrameInfo" => 2,
            _ => 0,
        }
    }

    /// The `@Contended` padding HotSpot puts into instances of the class
    /// of binary name `name` (before and after its contended field group,
    /// `-XX:ContendedPaddingWidth` 128 each); subclass fields start after
    /// it. Only `java.lang.Thread`'s `tlr` group is measured (JDK 17), and
    /// only when the class declares it (`has_field`: the class declares an
    /// instance field of that name; JDK 7 and earlier have no such group);
    /// other contended JDK classes (`Striped64$Cell`, `CounterCell`) exist
    /// only under contention and are left at their field sizes.
    pub fn contended_padding(&self, name: &[u8], has_field: impl Fn(&[u8]) -> bool) -> u64 {
        match name {
            b"java/lang/Thread" if has_field(b"threadLocalRandomSeed") => 256,
            _ => 0,
        }
    }

    /// The bytes of the header and `fields` (type, declared at or above
    /// the padded class) for an instance whose chain holds a contended
    /// class: the padded part rounded to 8, then the subclasses' fields.
    pub fn instance_padded(
        &self,
        upper: impl Iterator<Item = BasicType>,
        lower: impl Iterator<Item = BasicType>,
        upper_extra: u64,
        lower_extra: u64,
        padded_is_self: bool,
    ) -> u64 {
        let up =
            u64::from(self.header) + upper_extra + upper.map(|t| self.field_size(t)).sum::<u64>();
        let low = lower_extra + lower.map(|t| self.field_size(t)).sum::<u64>();
        if padded_is_self {
            self.round_up(up + low)
        } else {
            self.round_up(up.div_ceil(8) * 8 + low)
        }
    }

    /// Header plus fields, before alignment.
    fn instance_raw(&self, layout: &ClassLayout) -> u64 {
        let header = u64::from(self.header);
        match self.field_blocks {
            FieldBlocks::Packed => {
                header
                    + layout
                        .fields
                        .iter()
                        .map(|f| self.field_size(f.ty))
                        .sum::<u64>()
            }
            FieldBlocks::PerClass => {
                // The layout lists the class's own fields first: walk it
                // from the top of the chain, one block per declaring class.
                let word = u64::from(self.ref_size);
                let mut raw = header;
                let mut fields = layout.fields.iter().rev().peekable();
                while let Some(f) = fields.next() {
                    raw += self.field_size(f.ty);
                    if fields.peek().is_none_or(|n| n.declared_by != f.declared_by) {
                        raw = raw.div_ceil(word) * word;
                    }
                }
                raw
            }
        }
    }

    /// Where an array's elements start.
    fn array_base(&self, elem: BasicType) -> u64 {
        let length_end = u64::from(self.header) + 4;
        if self.header == 8 {
            // 32-bit HotSpot: word-aligned, 8-aligned for long and double.
            return if matches!(elem, BasicType::Long | BasicType::Double) {
                16
            } else {
                12
            };
        }
        length_end.div_ceil(8) * 8
    }

    /// The shallow size of an object array of `len` elements.
    pub fn object_array(&self, len: u32) -> u64 {
        self.round_up(
            self.array_base(BasicType::Object) + u64::from(len) * u64::from(self.ref_size),
        )
    }

    /// The shallow size of a primitive array of `len` elements of `ty`.
    pub fn primitive_array(&self, ty: BasicType, len: u32) -> u64 {
        self.round_up(self.array_base(ty) + u64::from(len) * self.field_size(ty))
    }
}

/// Reads the first `SAMPLE` objects: their addresses and raw sizes under
/// each candidate layout.
#[derive(Default)]
struct Probe {
    id_size: u8,
    /// (address, raw size under each of CANDIDATES).
    seen: Vec<(Id, [u32; CANDIDATES])>,
}

impl Probe {
    /// LAYOUTS_64 packed then per class; a 32-bit dump has one layout, so
    /// its candidates repeat it (the repeats never vote alone).
    fn candidates(&self) -> impl Iterator<Item = Sizing> + '_ {
        let id_size = self.id_size;
        [FieldBlocks::Packed, FieldBlocks::PerClass]
            .into_iter()
            .flat_map(move |blocks| {
                LAYOUTS_64.iter().map(move |&(r, h)| {
                    let mut s = if id_size == 8 {
                        Sizing::new(8, r, h, 8, SizingBasis::Detected)
                    } else {
                        Sizing::default_for(id_size)
                    };
                    s.field_blocks = blocks;
                    s
                })
            })
    }

    fn push(&mut self, id: Id, raw: impl Fn(&Sizing) -> u64) {
        let mut sizes = [0u32; CANDIDATES];
        for (slot, s) in sizes.iter_mut().zip(self.candidates()) {
            *slot = raw(&s).min(u64::from(u32::MAX)) as u32;
        }
        self.seen.push((id, sizes));
    }

    /// Two votes over neighbours that sit one candidate size apart: the
    /// layout (either packing of it fitting), then the packing under it.
    /// A neighbour votes only when exactly one choice fits.
    fn finish(mut self) -> Sizing {
        let align = alignment(&mut self.seen);
        let round = |raw: u32| u64::from(raw).div_ceil(u64::from(align)) * u64::from(align);
        let layouts = LAYOUTS_64.len();
        let vote = |choices: usize, fits: &dyn Fn(&[u32; CANDIDATES], u64, usize) -> bool| {
            let mut votes = vec![0u64; choices];
            for w in self.seen.windows(2) {
                let gap = w[1].0 - w[0].0;
                let hits: Vec<bool> = (0..choices).map(|c| fits(&w[0].1, gap, c)).collect();
                if hits.iter().filter(|&&h| h).count() == 1 {
                    for (v, h) in votes.iter_mut().zip(&hits) {
                        *v += u64::from(*h);
                    }
                }
            }
            votes
        };
        let mut s = Sizing::default_for(self.id_size);
        s.align = align;
        let mut layout = 0;
        if self.id_size == 8 {
            let votes = vote(layouts, &|sizes, gap, c| {
                round(sizes[c]) == gap || round(sizes[c + layouts]) == gap
            });
            let best = (0..layouts)
                .max_by_key(|&i| (votes[i], std::cmp::Reverse(i)))
                .unwrap_or(0);
            if votes[best] > 0 {
                let (r, h) = LAYOUTS_64[best];
                s = Sizing::new(8, r, h, align, SizingBasis::Detected);
                s.votes = votes[best];
                s.dissent = votes.iter().sum::<u64>() - votes[best];
                layout = best;
            }
        }
        let blocks = vote(2, &|sizes, gap, c| {
            round(sizes[layout + c * layouts]) == gap
        });
        if blocks[1] > blocks[0] {
            s.field_blocks = FieldBlocks::PerClass;
            s.basis = SizingBasis::Detected;
        }
        if self.id_size != 8 {
            // One layout: the packing vote is the only one.
            s.votes = blocks[0].max(blocks[1]);
            s.dissent = blocks[0].min(blocks[1]);
        }
        s
    }
}

/// The greatest common divisor of the gaps between sorted distinct
/// addresses, kept within 8..=256 (MAT's bounds); sorts `seen`.
fn alignment(seen: &mut [(Id, [u32; CANDIDATES])]) -> u32 {
    seen.sort_unstable_by_key(|e| e.0);
    let mut g: u64 = 0;
    for w in seen.windows(2) {
        let d = w[1].0 - w[0].0;
        if d == 0 {
            continue;
        }
        g = gcd(g, d);
        if g <= 8 {
            break;
        }
    }
    if g == 0 {
        return 8;
    }
    (g.clamp(8, 256) as u32).next_power_of_two().min(256)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Visitor for Probe {
    fn header(&mut self, header: &Header) {
        self.id_size = header.id_size;
    }
    fn instance(&mut self, i: &Instance<'_>) {
        if let Some(l) = i.layout {
            self.push(i.id, |s| s.instance_raw(l));
        }
    }
    fn object_array(&mut self, a: &ObjectArray<'_>) {
        self.push(a.id, |s| {
            s.array_base(BasicType::Object) + u64::from(a.len) * u64::from(s.ref_size)
        });
    }
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) {
        self.push(a.id, |s| {
            s.array_base(a.ty) + u64::from(a.len) * s.field_size(a.ty)
        });
    }
    fn wants_more(&self) -> bool {
        self.seen.len() < SAMPLE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotspot_sizes_under_each_layout() {
        let s = Sizing::default_for(8);
        assert_eq!(s.object_array(0), 16);
        assert_eq!(s.object_array(3), 32);
        assert_eq!(s.primitive_array(BasicType::Byte, 0), 16);
        assert_eq!(s.primitive_array(BasicType::Byte, 9), 32);
        assert_eq!(s.primitive_array(BasicType::Long, 1), 24);
        let wide = Sizing::new(8, 8, 16, 8, SizingBasis::Detected);
        assert_eq!(wide.object_array(1), 32);
        assert_eq!(wide.primitive_array(BasicType::Int, 2), 32);
        let sixteen = Sizing::new(8, 4, 12, 16, SizingBasis::Detected);
        assert_eq!(sixteen.primitive_array(BasicType::Byte, 1), 32);
        let thirty_two_bit = Sizing::default_for(4);
        assert_eq!(thirty_two_bit.primitive_array(BasicType::Int, 1), 16);
        assert_eq!(thirty_two_bit.primitive_array(BasicType::Long, 1), 24);
    }

    #[test]
    fn before_jdk15_each_class_s_fields_start_on_a_reference_boundary() {
        // java.util.ArrayList on JDK 6: its elementData and size after
        // AbstractList's modCount. `jmap -histo` of MAT's
        // sun_jdk6_30_x64_nocompressedOops dump: 5 instances, 200 bytes.
        let slot = |ty, declared_by| crate::layout::FieldSlot {
            name: 0,
            ty,
            offset: 0,
            declared_by,
        };
        let list = ClassLayout {
            fields: vec![
                slot(BasicType::Object, 2),
                slot(BasicType::Int, 2),
                slot(BasicType::Int, 1),
            ],
            ..ClassLayout::default()
        };
        let mut s = Sizing::new(8, 8, 16, 8, SizingBasis::Detected);
        assert_eq!(s.instance_with(&list, 0), 32);
        s.field_blocks = FieldBlocks::PerClass;
        assert_eq!(s.instance_with(&list, 0), 40);
        // With compressed oops the blocks round to 4: 12 + 4, then 4 + 4.
        let mut c = Sizing::new(8, 4, 12, 8, SizingBasis::Detected);
        c.field_blocks = FieldBlocks::PerClass;
        assert_eq!(c.instance_with(&list, 0), 24);
    }

    #[test]
    fn alignment_is_the_gcd_of_gaps_within_bounds() {
        let mut v: Vec<(Id, [u32; CANDIDATES])> = [0x1000u64, 0x1010, 0x1040, 0x1060]
            .iter()
            .map(|&a| (a, [0; CANDIDATES]))
            .collect();
        assert_eq!(alignment(&mut v), 16);
        v.push((0x1068, [0; CANDIDATES]));
        assert_eq!(alignment(&mut v), 8);
        assert_eq!(alignment(&mut []), 8);
    }
}
