//! `jcmd PID VM.class_hierarchy` (JDK 9+): every class the JVM has loaded
//! now, one a line, indented under its superclass, with the
//! `ClassLoaderData*` of its loader (`null` for the boot loader), reduced
//! to families of one shape each ([`super::family`]). It is the one source
//! of loaded class names a running JDK 17 gives cheaply (a class histogram
//! lists only classes with instances, and a generated mapper or proxy class
//! usually has none), so a capture taken before a kill names the class
//! family that fills Metaspace even when no class-loading log was kept.
//!
//! # Format (HotSpot `KlassHierarchy::print_class`, heapInspection.cpp)
//!
//! ```text
//! 5137:
//! java.lang.Object/null
//! |--java.util.ListIterator/null (intf)
//! |--java.lang.invoke.LambdaForm$DMH/0x00007f1cb4008400/null
//! |  |--ma.glasnost.orika.generated.Orika_A_B_Mapper25551518722564$467/0x00007f1d300e1cd0
//! ```
//!
//! The prefix is `|  ` per level above the parent and `|--` for the last;
//! the name is followed by `/` and the loader; interfaces end in ` (intf)`.
//! A hidden class's name carries its own `/0x...` suffix, so the loader is
//! what follows the last `/`; a generated reflection accessor adds what it
//! calls (` (invokes: pkg/Class::method (sig)ret)`). A capture cut at its size cap ends with the
//! [`CUT_NOTE`] line, which the parse reports.

use memchr::memchr;
use serde::Serialize;

use crate::provenance::{clip, Warnings};

/// The line a capture appends when it stopped reading the output at its
/// size cap (`oomlens: output cut at 8388608 bytes`): the listing is a
/// prefix of the JVM's classes.
pub const CUT_NOTE: &str = "oomlens: output cut at";

/// At most this many families are kept (the class-loading log's cap); the
/// classes of the rest are counted in [`ClassListing::overflow`].
pub use super::classload::MAX_FAMILIES;

/// Longest text quoted in a warning.
const MAX_QUOTE: usize = 120;
/// At most this many unreadable lines are quoted in warnings.
const MAX_LINE_WARNINGS: usize = 20;

/// The classes of one shape in one listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedFamily {
    /// The shape ([`super::family::shape`]) of its names.
    pub shape: String,
    /// The first class of the family listed, as printed (a hidden class
    /// with its `/0x...` suffix).
    pub sample: String,
    /// How many classes of the family are loaded.
    pub classes: u64,
    /// The highest number a class name of the family ends with
    /// ([`super::classload::trailing_number`]): a generator's counter.
    pub max_seq: u64,
    /// The lines of its first and last class.
    pub first_line: u64,
    pub last_line: u64,
}

/// What one `VM.class_hierarchy` output held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClassListing {
    /// The pid line jcmd prints first (`12345:`), when present.
    pub pid: Option<u64>,
    /// Classes listed.
    pub classes: u64,
    /// Families, most classes first (ties: first listed first).
    pub families: Vec<ListedFamily>,
    /// Classes whose family did not fit ([`MAX_FAMILIES`]).
    pub overflow: u64,
    /// The line of the [`CUT_NOTE`], when the capture was cut at its cap.
    pub cut_line: Option<u64>,
    pub lines: u64,
}

/// Whether `head` is a `VM.class_hierarchy` output: its first line that
/// is neither empty nor jcmd's pid line is `java.lang.Object/null`, the
/// root every listing starts with.
pub fn looks_like_class_hierarchy(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .find(|l| {
            let t = l.trim_ascii();
            !t.is_empty() && !is_pid_line(t)
        })
        .is_some_and(|l| l.trim_ascii() == b"java.lang.Object/null")
}

fn is_pid_line(t: &[u8]) -> bool {
    matches!(t.split_last(), Some((b':', n)) if !n.is_empty() && n.len() <= 19 && n.iter().all(u8::is_ascii_digit))
}

/// One class line taken apart: the class name and its loader (`null` or
/// the `ClassLoaderData*` address). `None` when the line is not one.
pub fn class_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let start = line
        .iter()
        .position(|&b| !matches!(b, b'|' | b'-' | b' '))?;
    let mut rest = &line[start..];
    // A generated reflection accessor says what it calls after its loader
    // (` (invokes: java/lang/ClassLoader::defineClass (Ljava/...)`).
    if let Some(i) = memchr::memmem::find(rest, b" (invokes: ") {
        rest = &rest[..i];
    }
    rest = rest.strip_suffix(b" (intf)").unwrap_or(rest);
    let slash = memchr::memrchr(b'/', rest)?;
    let (name, loader) = (&rest[..slash], &rest[slash + 1..]);
    let loader_ok = loader == b"null"
        || loader
            .strip_prefix(b"0x")
            .is_some_and(|h| !h.is_empty() && h.iter().all(u8::is_ascii_hexdigit));
    let name_ok = !name.is_empty() && !name.iter().any(|&b| b == b' ' || b == b'\t');
    (loader_ok && name_ok).then_some((name, loader))
}

/// Reads a listing into families. Never fails: lines that are not class
/// lines are warned about (the first [`MAX_LINE_WARNINGS`]) and skipped.
pub fn parse(source: &str, bytes: &[u8]) -> (ClassListing, Warnings) {
    let mut warnings = Warnings::new();
    let mut out = ClassListing::default();
    let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
    let mut shape = Vec::with_capacity(128);
    let mut bad = 0usize;
    let mut at = 0usize;
    let mut no = 0u64;
    while at < bytes.len() {
        let end = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let line = &bytes[at..end];
        at = end + 1;
        no += 1;
        let t = line.trim_ascii();
        if t.is_empty() {
            continue;
        }
        if no <= 2 && out.pid.is_none() && is_pid_line(t) {
            out.pid = std::str::from_utf8(&t[..t.len() - 1])
                .ok()
                .and_then(|n| n.parse().ok());
            continue;
        }
        if t.starts_with(CUT_NOTE.as_bytes()) {
            out.cut_line = Some(no);
            warnings.push(
                source,
                Some(no),
                format!(
                    "the class list was cut at the capture's size cap ({}): families count only the classes listed before it",
                    clip(&String::from_utf8_lossy(t), MAX_QUOTE)
                ),
            );
            continue;
        }
        let Some((name, _loader)) = class_line(line) else {
            if bad < MAX_LINE_WARNINGS {
                warnings.push(
                    source,
                    Some(no),
                    format!(
                        "not a class line: {}",
                        clip(&String::from_utf8_lossy(t), MAX_QUOTE)
                    ),
                );
            }
            bad += 1;
            continue;
        };
        out.classes += 1;
        super::family::shape_into(name, &mut shape);
        let seq = super::classload::trailing_number(name);
        match index.get(shape.as_slice()) {
            Some(&i) => {
                let f = &mut out.families[i];
                f.classes += 1;
                f.max_seq = f.max_seq.max(seq);
                f.last_line = no;
            }
            None if out.families.len() < MAX_FAMILIES => {
                index.insert(shape.clone(), out.families.len());
                out.families.push(ListedFamily {
                    shape: String::from_utf8_lossy(&shape).into_owned(),
                    sample: String::from_utf8_lossy(name).into_owned(),
                    classes: 1,
                    max_seq: seq,
                    first_line: no,
                    last_line: no,
                });
            }
            None => out.overflow += 1,
        }
    }
    if bad > MAX_LINE_WARNINGS {
        warnings.push(
            source,
            None,
            format!(
                "{} more lines were not class lines",
                bad - MAX_LINE_WARNINGS
            ),
        );
    }
    out.lines = no;
    // Stable: equal counts keep their listing order.
    out.families.sort_by_key(|f| std::cmp::Reverse(f.classes));
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "5137:\njava.lang.Object/null\n|--java.util.ListIterator/null (intf)\n|--java.lang.invoke.LambdaForm$DMH/0x00007f1cb4008400/null\n|--oomlens.demo.OrikaLikeLeak$$Lambda$7/0x00007f1cb4007428/0x00007f1d300e1cd0\n|  |--ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper25551518722564$467/0x00007f1d300e1cd0\n|  |--ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper25546841589842$1324/0x00007f1d300e1cd0\n|--java.lang.invoke.LambdaForm$DMH/0x00007f1cb4008000/null\n";

    #[test]
    fn class_lines() {
        assert_eq!(
            class_line(b"|  |--a.B$C/0x00007f1d300e1cd0"),
            Some((&b"a.B$C"[..], &b"0x00007f1d300e1cd0"[..]))
        );
        assert_eq!(
            class_line(b"|--java.util.Map/null (intf)\r"),
            Some((&b"java.util.Map"[..], &b"null"[..]))
        );
        assert_eq!(
            class_line(b"|  |--jdk.internal.reflect.GeneratedMethodAccessor1/0x00007f5e880414c0 (invokes: java/lang/ClassLoader::defineClass (Ljava/lang/String;[BII)Ljava/lang/Class;)"),
            Some((&b"jdk.internal.reflect.GeneratedMethodAccessor1"[..], &b"0x00007f5e880414c0"[..]))
        );
        assert_eq!(
            class_line(b"|--Foo$$Lambda$4/0x00007f1cb4042cf0/null"),
            Some((&b"Foo$$Lambda$4/0x00007f1cb4042cf0"[..], &b"null"[..]))
        );
        for bad in [
            &b""[..],
            b"|--",
            b"|--a.B",
            b"|--a.B/",
            b"|--/null",
            b"|--a.B/0x",
            b"|--a.B/0xzz",
            b"Command executed successfully",
            b"|--a B/null",
        ] {
            assert_eq!(class_line(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn recognised_by_its_root() {
        assert!(looks_like_class_hierarchy(SAMPLE.as_bytes()));
        assert!(looks_like_class_hierarchy(b"\r\njava.lang.Object/null\r\n"));
        assert!(!looks_like_class_hierarchy(b"1:\n|--a.B/null\n"));
        assert!(!looks_like_class_hierarchy(b"java.lang.Object/0x1\n"));
        assert!(!looks_like_class_hierarchy(b""));
    }

    #[test]
    fn families_by_shape() {
        let (l, w) = parse("t", SAMPLE.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(l.pid, Some(5137));
        assert_eq!(l.classes, 7);
        assert_eq!(l.cut_line, None);
        let orika = l
            .families
            .iter()
            .find(|f| f.sample.contains("Orika"))
            .unwrap();
        assert_eq!(
            orika.shape,
            "ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper*$*"
        );
        assert_eq!((orika.classes, orika.max_seq), (2, 1324));
        assert_eq!((orika.first_line, orika.last_line), (6, 7));
        // The two LambdaForm$DMH hidden classes are one family, listed first
        // among the two-class families by its first line.
        assert_eq!(l.families[0].classes, 2);
        assert!(l.families[0]
            .sample
            .starts_with("java.lang.invoke.LambdaForm$DMH/0x"));
    }

    #[test]
    fn a_cut_listing_says_so_and_odd_lines_are_warned() {
        let text = "java.lang.Object/null\n|--a.B/null\nnonsense here\n|--a.C/null\noomlens: output cut at 8388608 bytes\n";
        let (l, w) = parse("t", text.as_bytes());
        assert_eq!(l.classes, 3);
        assert_eq!(l.cut_line, Some(5));
        let lines: Vec<Option<u64>> = w.items().iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(3), Some(5)]);
    }
}
