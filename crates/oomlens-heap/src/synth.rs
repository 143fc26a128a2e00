//! A small HPROF writer for tests, the property test and the fuzz target:
//! it writes the records the reader reads, laid out as HotSpot lays them
//! (header, strings and classes, then heap dump segments, then the end).
//! Not for producing dumps of real programs: those come from the JVM.

use crate::hprof::{sub, tag, BasicType, Id};

/// Builds an HPROF file in memory.
pub struct Writer {
    out: Vec<u8>,
    seg: Vec<u8>,
    id: u8,
}

impl Writer {
    /// A file with the `JAVA PROFILE 1.0.2` header and `id_size`-byte ids.
    pub fn new(id_size: u8, timestamp_ms: u64) -> Writer {
        let mut out = b"JAVA PROFILE 1.0.2\0".to_vec();
        out.extend_from_slice(&u32::from(id_size).to_be_bytes());
        out.extend_from_slice(&((timestamp_ms >> 32) as u32).to_be_bytes());
        out.extend_from_slice(&(timestamp_ms as u32).to_be_bytes());
        Writer {
            out,
            seg: Vec::new(),
            id: id_size,
        }
    }

    fn put_id(b: &mut Vec<u8>, id_size: u8, v: Id) {
        if id_size == 8 {
            b.extend_from_slice(&v.to_be_bytes());
        } else {
            b.extend_from_slice(&(v as u32).to_be_bytes());
        }
    }

    fn record(&mut self, t: u8, body: &[u8]) {
        self.out.push(t);
        self.out.extend_from_slice(&0u32.to_be_bytes());
        self.out
            .extend_from_slice(&(body.len() as u32).to_be_bytes());
        self.out.extend_from_slice(body);
    }

    pub fn string(&mut self, id: Id, s: &str) -> &mut Self {
        let mut b = Vec::new();
        Self::put_id(&mut b, self.id, id);
        b.extend_from_slice(s.as_bytes());
        self.record(tag::UTF8, &b);
        self
    }

    pub fn load_class(&mut self, serial: u32, class: Id, name: Id) -> &mut Self {
        let mut b = serial.to_be_bytes().to_vec();
        Self::put_id(&mut b, self.id, class);
        b.extend_from_slice(&0u32.to_be_bytes());
        Self::put_id(&mut b, self.id, name);
        self.record(tag::LOAD_CLASS, &b);
        self
    }

    pub fn frame(
        &mut self,
        id: Id,
        method: Id,
        source: Id,
        class_serial: u32,
        line: i32,
    ) -> &mut Self {
        let mut b = Vec::new();
        for v in [id, method, 0, source] {
            Self::put_id(&mut b, self.id, v);
        }
        b.extend_from_slice(&class_serial.to_be_bytes());
        b.extend_from_slice(&line.to_be_bytes());
        self.record(tag::FRAME, &b);
        self
    }

    pub fn trace(&mut self, serial: u32, thread_serial: u32, frames: &[Id]) -> &mut Self {
        let mut b = serial.to_be_bytes().to_vec();
        b.extend_from_slice(&thread_serial.to_be_bytes());
        b.extend_from_slice(&(frames.len() as u32).to_be_bytes());
        for &f in frames {
            Self::put_id(&mut b, self.id, f);
        }
        self.record(tag::TRACE, &b);
        self
    }

    /// A GC root of a kind that holds only an object (sticky class,
    /// unknown, monitor used) or, for a thread object, thread serial 1.
    pub fn root(&mut self, sub_tag: u8, object: Id) -> &mut Self {
        self.seg.push(sub_tag);
        Self::put_id(&mut self.seg, self.id, object);
        match sub_tag {
            sub::ROOT_JNI_GLOBAL => Self::put_id(&mut self.seg, self.id, 0),
            sub::ROOT_JNI_LOCAL | sub::ROOT_JAVA_FRAME | sub::ROOT_THREAD_OBJECT => {
                self.seg.extend_from_slice(&1u32.to_be_bytes());
                self.seg.extend_from_slice(&2u32.to_be_bytes());
            }
            sub::ROOT_NATIVE_STACK | sub::ROOT_THREAD_BLOCK => {
                self.seg.extend_from_slice(&1u32.to_be_bytes())
            }
            _ => {}
        }
        self
    }

    /// A CLASS DUMP with no constant pool; statics as (name, type, value
    /// bytes), fields as (name, type).
    pub fn class_dump(
        &mut self,
        class: Id,
        super_class: Id,
        loader: Id,
        instance_size: u32,
        statics: &[(Id, BasicType, Vec<u8>)],
        fields: &[(Id, BasicType)],
    ) -> &mut Self {
        let id = self.id;
        let s = &mut self.seg;
        s.push(sub::CLASS_DUMP);
        Self::put_id(s, id, class);
        s.extend_from_slice(&0u32.to_be_bytes());
        for v in [super_class, loader, 0, 0, 0, 0] {
            Self::put_id(s, id, v);
        }
        s.extend_from_slice(&instance_size.to_be_bytes());
        s.extend_from_slice(&0u16.to_be_bytes());
        s.extend_from_slice(&(statics.len() as u16).to_be_bytes());
        for (name, ty, value) in statics {
            Self::put_id(s, id, *name);
            s.push(*ty as u8);
            s.extend_from_slice(value);
        }
        s.extend_from_slice(&(fields.len() as u16).to_be_bytes());
        for (name, ty) in fields {
            Self::put_id(s, id, *name);
            s.push(*ty as u8);
        }
        self
    }

    pub fn instance(&mut self, object: Id, class: Id, data: &[u8]) -> &mut Self {
        let id = self.id;
        let s = &mut self.seg;
        s.push(sub::INSTANCE_DUMP);
        Self::put_id(s, id, object);
        s.extend_from_slice(&0u32.to_be_bytes());
        Self::put_id(s, id, class);
        s.extend_from_slice(&(data.len() as u32).to_be_bytes());
        s.extend_from_slice(data);
        self
    }

    pub fn object_array(&mut self, object: Id, class: Id, elements: &[Id]) -> &mut Self {
        let id = self.id;
        let s = &mut self.seg;
        s.push(sub::OBJ_ARRAY_DUMP);
        Self::put_id(s, id, object);
        s.extend_from_slice(&0u32.to_be_bytes());
        s.extend_from_slice(&(elements.len() as u32).to_be_bytes());
        Self::put_id(s, id, class);
        for &e in elements {
            Self::put_id(s, id, e);
        }
        self
    }

    /// A primitive array of `len` elements of `ty` whose bytes are `data`.
    pub fn primitive_array(
        &mut self,
        object: Id,
        ty: BasicType,
        len: u32,
        data: &[u8],
    ) -> &mut Self {
        let id = self.id;
        let s = &mut self.seg;
        s.push(sub::PRIM_ARRAY_DUMP);
        Self::put_id(s, id, object);
        s.extend_from_slice(&0u32.to_be_bytes());
        s.extend_from_slice(&len.to_be_bytes());
        s.push(ty as u8);
        s.extend_from_slice(data);
        self
    }

    /// Closes the heap dump segment being written (if any has content).
    pub fn end_segment(&mut self) -> &mut Self {
        if !self.seg.is_empty() {
            let seg = std::mem::take(&mut self.seg);
            self.record(tag::HEAP_DUMP_SEGMENT, &seg);
        }
        self
    }

    /// The file: the open segment closed, then HEAP DUMP END.
    pub fn finish(&mut self) -> Vec<u8> {
        self.end_segment();
        self.record(tag::HEAP_DUMP_END, &[]);
        std::mem::take(&mut self.out)
    }

    /// The id size this writer writes.
    pub fn id_size(&self) -> u8 {
        self.id
    }
}
