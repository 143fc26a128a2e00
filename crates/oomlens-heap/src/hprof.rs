//! The HPROF vocabulary: the file header, identifiers, basic types, record
//! and sub-record tags, GC root kinds and field values, named the way the
//! JDK's `heapDumper.cpp` and the HPROF manual name them.
//!
//! Everything here is plain data read from big-endian bytes; the record
//! stream itself is `reader`'s.

use serde::Serialize;
use std::fmt;

/// An object, class or string identifier as the dump writes it: a 4- or
/// 8-byte value widened to 64 bits (HotSpot writes object addresses).
pub type Id = u64;

/// The format line the header opens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Version {
    #[serde(rename = "JAVA PROFILE 1.0.1")]
    V101,
    #[serde(rename = "JAVA PROFILE 1.0.2")]
    V102,
    #[serde(rename = "JAVA PROFILE 1.0.3")]
    V103,
}

impl Version {
    /// The header line without its NUL.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V101 => "JAVA PROFILE 1.0.1",
            Version::V102 => "JAVA PROFILE 1.0.2",
            Version::V103 => "JAVA PROFILE 1.0.3",
        }
    }
}

/// The file header: format, identifier size, and when the dump was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub version: Version,
    /// 4 or 8: the width of every identifier in the file.
    pub id_size: u8,
    /// Milliseconds since the Unix epoch, as the header's two u4 words say.
    pub timestamp_ms: u64,
    /// Bytes the header takes; the first record starts here.
    pub len: u64,
}

/// Why a file is not read at all: its first bytes are not an HPROF header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The file does not open with `JAVA PROFILE 1.0.1\0` (or .2, .3).
    NotHprof,
    /// The identifier size is neither 4 nor 8.
    IdSize(u32),
    /// The file ends inside the header (it holds this many bytes).
    Short(u64),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::NotHprof => {
                f.write_str("not an HPROF heap dump (no `JAVA PROFILE 1.0.x` header at byte 0)")
            }
            HeaderError::IdSize(n) => write!(
                f,
                "HPROF header at byte 0 gives an identifier size of {n} (4 or 8 expected)"
            ),
            HeaderError::Short(n) => write!(f, "the file ends inside the HPROF header (byte {n})"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// Reads the header from the first bytes of a dump.
pub fn parse_header(b: &[u8]) -> Result<Header, HeaderError> {
    const PREFIX: &[u8] = b"JAVA PROFILE 1.0.";
    let head = &b[..b.len().min(PREFIX.len())];
    if !PREFIX.starts_with(head) {
        return Err(HeaderError::NotHprof);
    }
    if b.len() < PREFIX.len() + 2 {
        return Err(HeaderError::Short(b.len() as u64));
    }
    let version = match (b[PREFIX.len()], b[PREFIX.len() + 1]) {
        (b'1', 0) => Version::V101,
        (b'2', 0) => Version::V102,
        (b'3', 0) => Version::V103,
        _ => return Err(HeaderError::NotHprof),
    };
    let at = PREFIX.len() + 2;
    let Some(rest) = b.get(at..at + 12) else {
        return Err(HeaderError::Short(b.len() as u64));
    };
    let id_size = u32_at(rest, 0);
    if id_size != 4 && id_size != 8 {
        return Err(HeaderError::IdSize(id_size));
    }
    let timestamp_ms = (u64::from(u32_at(rest, 4)) << 32) | u64::from(u32_at(rest, 8));
    Ok(Header {
        version,
        id_size: id_size as u8,
        timestamp_ms,
        len: (at + 12) as u64,
    })
}

/// Top-level record tags (HPROF manual, `heapDumper.cpp`'s `hprofTag`).
pub mod tag {
    pub const UTF8: u8 = 0x01;
    pub const LOAD_CLASS: u8 = 0x02;
    pub const UNLOAD_CLASS: u8 = 0x03;
    pub const FRAME: u8 = 0x04;
    pub const TRACE: u8 = 0x05;
    pub const ALLOC_SITES: u8 = 0x06;
    pub const HEAP_SUMMARY: u8 = 0x07;
    pub const START_THREAD: u8 = 0x0A;
    pub const END_THREAD: u8 = 0x0B;
    pub const HEAP_DUMP: u8 = 0x0C;
    pub const CPU_SAMPLES: u8 = 0x0D;
    pub const CONTROL_SETTINGS: u8 = 0x0E;
    pub const HEAP_DUMP_SEGMENT: u8 = 0x1C;
    pub const HEAP_DUMP_END: u8 = 0x2C;
}

/// Heap-dump sub-record tags, the GC roots among them; the `0x8x`/`0xC3`/
/// `0xFE` ones are Android's additions, read so their dumps do not stop.
pub mod sub {
    pub const ROOT_UNKNOWN: u8 = 0xFF;
    pub const ROOT_JNI_GLOBAL: u8 = 0x01;
    pub const ROOT_JNI_LOCAL: u8 = 0x02;
    pub const ROOT_JAVA_FRAME: u8 = 0x03;
    pub const ROOT_NATIVE_STACK: u8 = 0x04;
    pub const ROOT_STICKY_CLASS: u8 = 0x05;
    pub const ROOT_THREAD_BLOCK: u8 = 0x06;
    pub const ROOT_MONITOR_USED: u8 = 0x07;
    pub const ROOT_THREAD_OBJECT: u8 = 0x08;
    pub const CLASS_DUMP: u8 = 0x20;
    pub const INSTANCE_DUMP: u8 = 0x21;
    pub const OBJ_ARRAY_DUMP: u8 = 0x22;
    pub const PRIM_ARRAY_DUMP: u8 = 0x23;
    pub const ROOT_INTERNED_STRING: u8 = 0x89;
    pub const ROOT_FINALIZING: u8 = 0x8A;
    pub const ROOT_DEBUGGER: u8 = 0x8B;
    pub const ROOT_REFERENCE_CLEANUP: u8 = 0x8C;
    pub const ROOT_VM_INTERNAL: u8 = 0x8D;
    pub const ROOT_JNI_MONITOR: u8 = 0x8E;
    pub const ROOT_UNREACHABLE: u8 = 0x90;
    pub const PRIM_ARRAY_NODATA: u8 = 0xC3;
    pub const HEAP_DUMP_INFO: u8 = 0xFE;
}

/// What a record or sub-record is, for messages about where reading stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Header,
    /// The 9-byte tag/time/length that opens every record.
    RecordHeader,
    Utf8,
    LoadClass,
    Frame,
    Trace,
    HeapDump,
    HeapDumpSegment,
    Root,
    ClassDump,
    InstanceDump,
    ObjArrayDump,
    PrimArrayDump,
    /// A top-level record of another tag (skipped by its length).
    Other,
    /// A sub-record whose tag HPROF does not define.
    UnknownSubRecord,
}

impl RecordKind {
    /// The name the HPROF manual gives it.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Header => "file header",
            RecordKind::RecordHeader => "record header",
            RecordKind::Utf8 => "STRING IN UTF8",
            RecordKind::LoadClass => "LOAD CLASS",
            RecordKind::Frame => "STACK FRAME",
            RecordKind::Trace => "STACK TRACE",
            RecordKind::HeapDump => "HEAP DUMP",
            RecordKind::HeapDumpSegment => "HEAP DUMP SEGMENT",
            RecordKind::Root => "ROOT",
            RecordKind::ClassDump => "CLASS DUMP",
            RecordKind::InstanceDump => "INSTANCE DUMP",
            RecordKind::ObjArrayDump => "OBJECT ARRAY DUMP",
            RecordKind::PrimArrayDump => "PRIMITIVE ARRAY DUMP",
            RecordKind::Other => "record",
            RecordKind::UnknownSubRecord => "heap dump sub-record",
        }
    }
}

/// A field's or array element's type, by its HPROF code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum BasicType {
    Object = 2,
    Boolean = 4,
    Char = 5,
    Float = 6,
    Double = 7,
    Byte = 8,
    Short = 9,
    Int = 10,
    Long = 11,
}

impl BasicType {
    /// The type of an HPROF type code, or None for a code HPROF does not define.
    pub fn from_code(code: u8) -> Option<BasicType> {
        Some(match code {
            2 => BasicType::Object,
            4 => BasicType::Boolean,
            5 => BasicType::Char,
            6 => BasicType::Float,
            7 => BasicType::Double,
            8 => BasicType::Byte,
            9 => BasicType::Short,
            10 => BasicType::Int,
            11 => BasicType::Long,
            _ => return None,
        })
    }

    /// Bytes a value of this type takes in the dump (`id_size` for objects).
    pub fn dump_size(self, id_size: u8) -> usize {
        match self {
            BasicType::Object => id_size as usize,
            BasicType::Boolean | BasicType::Byte => 1,
            BasicType::Char | BasicType::Short => 2,
            BasicType::Float | BasicType::Int => 4,
            BasicType::Double | BasicType::Long => 8,
        }
    }

    /// The Java name of an array of this type, as the class histogram
    /// prints it (`byte[]`); objects are named by their array class.
    pub fn array_name(self) -> &'static str {
        match self {
            BasicType::Object => "java.lang.Object[]",
            BasicType::Boolean => "boolean[]",
            BasicType::Char => "char[]",
            BasicType::Float => "float[]",
            BasicType::Double => "double[]",
            BasicType::Byte => "byte[]",
            BasicType::Short => "short[]",
            BasicType::Int => "int[]",
            BasicType::Long => "long[]",
        }
    }
}

/// A field value read from a dump.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An object reference; 0 is null.
    Object(Id),
    Boolean(bool),
    Char(u16),
    Float(f32),
    Double(f64),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
}

impl Value {
    /// Reads a value of type `ty` at the start of `b`; None when `b` is short.
    pub fn read(ty: BasicType, b: &[u8], id_size: u8) -> Option<Value> {
        Some(match ty {
            BasicType::Object => Value::Object(read_id(b, id_size)?),
            BasicType::Boolean => Value::Boolean(*b.first()? != 0),
            BasicType::Byte => Value::Byte(*b.first()? as i8),
            BasicType::Char => Value::Char(u16::from_be_bytes(b.get(..2)?.try_into().ok()?)),
            BasicType::Short => Value::Short(i16::from_be_bytes(b.get(..2)?.try_into().ok()?)),
            BasicType::Int => Value::Int(i32::from_be_bytes(b.get(..4)?.try_into().ok()?)),
            BasicType::Float => Value::Float(f32::from_be_bytes(b.get(..4)?.try_into().ok()?)),
            BasicType::Long => Value::Long(i64::from_be_bytes(b.get(..8)?.try_into().ok()?)),
            BasicType::Double => Value::Double(f64::from_be_bytes(b.get(..8)?.try_into().ok()?)),
        })
    }
}

/// Reads an identifier of `id_size` bytes at the start of `b`.
#[inline]
pub fn read_id(b: &[u8], id_size: u8) -> Option<Id> {
    if id_size == 8 {
        Some(u64::from_be_bytes(b.get(..8)?.try_into().ok()?))
    } else {
        Some(u64::from(u32::from_be_bytes(b.get(..4)?.try_into().ok()?)))
    }
}

/// A big-endian u32 at `at`; the caller has checked the length.
#[inline(always)]
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A big-endian u16 at `at`; the caller has checked the length.
#[inline]
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// An identifier at `at`; the caller has checked the length.
#[inline(always)]
pub(crate) fn id_at(b: &[u8], at: usize, id_size: u8) -> Id {
    if id_size == 8 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_be_bytes(w)
    } else {
        u64::from(u32_at(b, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_versions_and_id_sizes() {
        let mut b = b"JAVA PROFILE 1.0.2\0".to_vec();
        b.extend_from_slice(&8u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&2u32.to_be_bytes());
        let h = parse_header(&b).unwrap();
        assert_eq!(h.version, Version::V102);
        assert_eq!(h.id_size, 8);
        assert_eq!(h.timestamp_ms, (1u64 << 32) | 2);
        assert_eq!(h.len, 31);
        b[17] = b'3';
        b[22] = 4;
        let h = parse_header(&b).unwrap();
        assert_eq!((h.version, h.id_size), (Version::V103, 4));
    }

    #[test]
    fn header_rejects_other_files() {
        assert_eq!(parse_header(b"GIF89a"), Err(HeaderError::NotHprof));
        assert_eq!(parse_header(b"JAVA PROF"), Err(HeaderError::Short(9)));
        assert_eq!(
            parse_header(b"JAVA PROFILE 1.0.9\0"),
            Err(HeaderError::NotHprof)
        );
        let mut b = b"JAVA PROFILE 1.0.1\0".to_vec();
        b.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse_header(&b), Err(HeaderError::IdSize(5)));
    }

    #[test]
    fn values_read_big_endian_and_refuse_short_input() {
        assert_eq!(
            Value::read(BasicType::Int, &[0, 0, 1, 0], 8),
            Some(Value::Int(256))
        );
        assert_eq!(
            Value::read(BasicType::Object, &[0, 0, 0, 7], 4),
            Some(Value::Object(7))
        );
        assert_eq!(Value::read(BasicType::Long, &[0, 0, 1], 8), None);
        assert_eq!(Value::read(BasicType::Object, &[0; 4], 8), None);
    }
}
