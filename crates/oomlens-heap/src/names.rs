//! The dump's strings and class names: every STRING IN UTF8 record kept in
//! one arena (no allocation per string), looked up by id once sorted; and
//! class names turned from the JVM's binary form (`java/lang/String`,
//! `[Ljava/lang/Object;`, `[B`) into the Java form the class histogram and
//! people read (`java.lang.String`, `java.lang.Object[]`, `byte[]`).

use crate::hprof::Id;

/// Every string of a dump, by id.
#[derive(Default)]
pub struct Strings {
    text: Vec<u8>,
    /// (id, offset, length) into `text`; sorted by id once `seal`ed.
    index: Vec<(Id, u64, u32)>,
    sorted: bool,
}

impl Strings {
    /// Keeps a string record's bytes.
    pub fn add(&mut self, id: Id, utf8: &[u8]) {
        let len = utf8.len().min(u32::MAX as usize);
        self.index.push((id, self.text.len() as u64, len as u32));
        self.text.extend_from_slice(&utf8[..len]);
        self.sorted = false;
    }

    /// Sorts the index; lookups before this find nothing.
    pub fn seal(&mut self) {
        self.index.sort_unstable_by_key(|e| e.0);
        self.sorted = true;
    }

    /// Whether `seal` was called since the last `add`.
    pub fn is_sealed(&self) -> bool {
        self.sorted
    }

    /// The bytes of string `id`, if the dump holds it.
    pub fn get(&self, id: Id) -> Option<&[u8]> {
        if !self.sorted {
            return None;
        }
        let i = self.index.binary_search_by_key(&id, |e| e.0).ok()?;
        let (_, off, len) = self.index[i];
        self.text.get(off as usize..off as usize + len as usize)
    }

    /// The id of the first string equal to `s` (a linear scan: for the few
    /// field names a pass looks for, once).
    pub fn find(&self, s: &[u8]) -> Option<Id> {
        self.index
            .iter()
            .find(|&&(_, off, len)| {
                self.text.get(off as usize..off as usize + len as usize) == Some(s)
            })
            .map(|e| e.0)
    }

    /// How many strings are held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// The Java name of a class from its binary name: `/` becomes `.`, and an
/// array descriptor becomes the element name with `[]` per dimension.
pub fn java_name(binary: &[u8]) -> String {
    let dims = binary.iter().take_while(|&&b| b == b'[').count();
    if dims == 0 {
        // A hidden class is `Name+0x...` inside the VM, `Name/0x...` outside.
        let plain = String::from_utf8_lossy(binary).replace('/', ".");
        return match plain.rfind("+0x") {
            Some(at) => format!("{}/{}", &plain[..at], &plain[at + 1..]),
            None => plain,
        };
    }
    let elem = &binary[dims..];
    let mut out = match elem.first() {
        Some(b'L') => {
            let inner = elem[1..].strip_suffix(b";").unwrap_or(&elem[1..]);
            String::from_utf8_lossy(inner).replace('/', ".")
        }
        Some(b'B') => "byte".into(),
        Some(b'C') => "char".into(),
        Some(b'D') => "double".into(),
        Some(b'F') => "float".into(),
        Some(b'I') => "int".into(),
        Some(b'J') => "long".into(),
        Some(b'S') => "short".into(),
        Some(b'Z') => "boolean".into(),
        _ => String::from_utf8_lossy(elem).replace('/', "."),
    };
    for _ in 0..dims {
        out.push_str("[]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_names_of_classes_and_arrays() {
        assert_eq!(java_name(b"java/lang/String"), "java.lang.String");
        assert_eq!(java_name(b"[Ljava/lang/Object;"), "java.lang.Object[]");
        assert_eq!(java_name(b"[[B"), "byte[][]");
        assert_eq!(java_name(b"[J"), "long[]");
        assert_eq!(
            java_name(b"a/Foo$$Lambda$14+0x0000000800c4b440"),
            "a.Foo$$Lambda$14/0x0000000800c4b440"
        );
    }

    #[test]
    fn strings_are_found_by_id_after_sealing() {
        let mut s = Strings::default();
        s.add(9, b"nine");
        s.add(3, b"three");
        assert_eq!(s.get(3), None);
        s.seal();
        assert_eq!(s.get(3), Some(&b"three"[..]));
        assert_eq!(s.get(9), Some(&b"nine"[..]));
        assert_eq!(s.get(4), None);
        assert_eq!(s.find(b"nine"), Some(9));
    }
}
