//! Where each key of a JSON or YAML document sits, and the one JSON line
//! tracker ([`scan_json`]) that every JSON reader here follows.
//!
//! serde gives values without positions, so the document text is scanned a
//! second time, cheaply, to map each key path to the line of its key:
//! `items.0.status.containerStatuses.1.restartCount` -> 212. Sequence
//! elements are paths too (`...containers.0`), mapped to the line where the
//! element starts (`{` or `- `), with the line where it ends.
//!
//! - JSON: [`scan_json`] follows objects and arrays and tells a
//!   [`JsonVisitor`] each key and value with its line. Exact.
//! - YAML: a scanner of block-style YAML as `kubectl get -o yaml` prints it
//!   (`key: value`, `key:` then a nested block, `- ` sequence items at the
//!   key's own indentation or deeper). A line more indented than a key that
//!   holds a scalar is that scalar's continuation (block scalars `|`/`>`,
//!   folded plain or quoted strings) and is skipped. Flow collections
//!   (`{a: 1}`) are scalars to it: keys inside them are not mapped.
//!
//! A path that is not found gives `None`; nothing here fails or panics.

use std::collections::HashMap;

/// Joins path segments; a byte that keys of Kubernetes objects never hold.
const SEP: char = '\u{1f}';

/// A path to a value, built segment by segment.
pub(crate) fn join(base: &str, seg: &str) -> String {
    if base.is_empty() {
        seg.to_string()
    } else {
        let mut s = String::with_capacity(base.len() + 1 + seg.len());
        s.push_str(base);
        s.push(SEP);
        s.push_str(seg);
        s
    }
}

/// Line numbers of the keys and elements of one document.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    /// path -> (line of its key or first line of its element, last line)
    map: HashMap<String, (u64, u64)>,
}

impl LineIndex {
    /// The line of a key (or the first line of a sequence element).
    pub(crate) fn line(&self, path: &str) -> Option<u64> {
        self.map.get(path).map(|&(first, _)| first)
    }

    /// The last line of a value (an element's closing line).
    pub(crate) fn end(&self, path: &str) -> Option<u64> {
        self.map.get(path).map(|&(_, last)| last)
    }

    fn set(&mut self, path: String, line: u64) {
        self.map.entry(path).or_insert((line, line));
    }

    fn close(&mut self, path: &str, line: u64) {
        if let Some(e) = self.map.get_mut(path) {
            e.1 = e.1.max(line);
        }
    }

    /// Scans JSON text whose first line is `first_line` (through
    /// [`scan_json`]).
    pub(crate) fn json(text: &str, first_line: u64) -> LineIndex {
        let mut v = PathVisitor {
            idx: LineIndex::default(),
            stack: Vec::new(),
        };
        scan_json(text.as_bytes(), first_line, &mut v);
        v.idx
    }

    /// Scans block-style YAML whose first line is `first_line`.
    pub(crate) fn yaml(text: &str, first_line: u64) -> LineIndex {
        let mut idx = LineIndex::default();
        let mut stack: Vec<YFrame> = Vec::new();
        // A key whose value is on the following lines: (path, its indent).
        let mut pending: Option<(String, usize)> = None;
        // Lines more indented than this continue a scalar.
        let mut scalar_indent: Option<usize> = None;
        let mut last_content = first_line;
        for (n, raw) in text.split('\n').enumerate() {
            let line = first_line + n as u64;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let body = raw.trim_start_matches(' ');
            let indent = raw.len() - body.len();
            let body = body.trim_end();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            if let Some(si) = scalar_indent {
                if indent > si {
                    last_content = line;
                    continue;
                }
                scalar_indent = None;
            }
            let is_item = body == "-" || body.starts_with("- ");
            if let Some((path, k)) = pending.take() {
                if is_item && indent >= k {
                    stack.push(YFrame::seq(path, indent));
                } else if !is_item && indent > k {
                    stack.push(YFrame::map(path, indent));
                }
            }
            while let Some(top) = stack.last() {
                let pop = indent < top.indent || (indent == top.indent && top.seq && !is_item);
                if !pop {
                    break;
                }
                if let Some(f) = stack.pop() {
                    idx.close(&f.path, last_content);
                }
            }
            last_content = line;
            let (mut rest, mut at) = (body, indent);
            if is_item {
                let Some(top) = stack.last_mut() else {
                    stack.push(YFrame::seq(String::new(), indent));
                    continue;
                };
                if !top.seq || top.indent != indent {
                    continue;
                }
                let item = join(&top.path, &top.next.to_string());
                top.next += 1;
                idx.set(item.clone(), line);
                let after = body[1..].trim_start();
                if after.is_empty() {
                    pending = Some((item, indent));
                    continue;
                }
                at = indent + (body.len() - after.len());
                rest = after;
                match yaml_key(rest) {
                    Some(_) => stack.push(YFrame::map(item, at)),
                    None => {
                        stack.push(YFrame::map(item, at));
                        scalar_indent = Some(indent);
                        continue;
                    }
                }
            }
            let Some((key, value)) = yaml_key(rest) else {
                // Not a key: a continuation nobody claimed.
                continue;
            };
            let base = match stack.last() {
                Some(top) if !top.seq && top.indent == at => top.path.clone(),
                None => {
                    stack.push(YFrame::map(String::new(), at));
                    String::new()
                }
                Some(_) => continue,
            };
            let path = join(&base, &key);
            idx.set(path.clone(), line);
            if value.is_empty() || value.starts_with('#') || value.starts_with('&') {
                pending = Some((path, at));
            } else {
                scalar_indent = Some(at);
            }
        }
        while let Some(f) = stack.pop() {
            idx.close(&f.path, last_content);
        }
        idx
    }
}

enum JFrame {
    Obj { path: String, key: Option<String> },
    Arr { path: String, next: usize },
}

/// The path of a value starting here: the pending key of the enclosing
/// object, or the next element of the enclosing array (recorded).
fn value_path(stack: &mut [JFrame], idx: &mut LineIndex, line: u64) -> String {
    match stack.last_mut() {
        Some(JFrame::Obj { key, path }) => key.take().unwrap_or_else(|| path.clone()),
        Some(JFrame::Arr { path, next }) => {
            let p = join(path, &next.to_string());
            *next += 1;
            idx.set(p.clone(), line);
            p
        }
        None => String::new(),
    }
}

/// What a JSON scan meets, in document order, each with its line: the one
/// JSON line tracker ([`scan_json`]) that [`LineIndex::json`] and the
/// metrics API reader both follow. A visitor keeps whatever context it
/// needs; the scan builds no strings and no paths.
pub(crate) trait JsonVisitor {
    /// An object key, as written between its quotes (escapes kept).
    fn key(&mut self, raw: &[u8], line: u64);
    /// A value opens: an object (`Some(true)`), an array (`Some(false)`) or
    /// a scalar (`None`: string, number, `true`, `false`, `null`).
    fn value(&mut self, container: Option<bool>, line: u64);
    /// The innermost open object or array closes.
    fn close(&mut self, line: u64);
}

/// Scans JSON text whose first line is `first_line`, telling `v` what it
/// meets. Invalid JSON is scanned as far as it goes, never a panic: a
/// newline inside a string still counts as a line.
pub(crate) fn scan_json(b: &[u8], first_line: u64, v: &mut impl JsonVisitor) {
    let mut line = first_line;
    // Per open container: (is an object, a key is expected next).
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b':' => i += 1,
            b',' => {
                if let Some((true, expect_key)) = stack.last_mut() {
                    *expect_key = true;
                }
                i += 1;
            }
            b'{' | b'[' => {
                v.value(Some(c == b'{'), line);
                stack.push((c == b'{', c == b'{'));
                i += 1;
            }
            b'}' | b']' => {
                if stack.pop().is_some() {
                    v.close(line);
                }
                i += 1;
            }
            b'"' => {
                let start_line = line;
                let mut j = i + 1;
                while let Some(&s) = b.get(j) {
                    match s {
                        b'\\' => j += 2,
                        b'"' => break,
                        b'\n' => {
                            line += 1;
                            j += 1;
                        }
                        _ => j += 1,
                    }
                }
                let raw = b.get(i + 1..j.min(b.len())).unwrap_or_default();
                i = j + 1;
                match stack.last_mut() {
                    Some((true, expect_key @ true)) => {
                        *expect_key = false;
                        v.key(raw, start_line);
                    }
                    _ => v.value(None, start_line),
                }
            }
            _ => {
                // A number, `true`, `false`, `null` or garbage: one token.
                v.value(None, line);
                while b.get(i).is_some_and(|&t| {
                    !matches!(t, b',' | b'}' | b']' | b'"') && !t.is_ascii_whitespace()
                }) {
                    i += 1;
                }
            }
        }
    }
}

/// A key as written, unescaped enough for paths (`\n`, `\t`, `\"`, `\\`).
fn unescape_key(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut it = raw.iter();
    while let Some(&c) = it.next() {
        if c == b'\\' {
            if let Some(&e) = it.next() {
                out.push(match e {
                    b'n' => b'\n',
                    b't' => b'\t',
                    other => other,
                });
            }
        } else {
            out.push(c);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// [`LineIndex::json`]'s visitor: a path for every key and array element.
struct PathVisitor {
    idx: LineIndex,
    stack: Vec<JFrame>,
}

impl JsonVisitor for PathVisitor {
    fn key(&mut self, raw: &[u8], line: u64) {
        if let Some(JFrame::Obj { path, key }) = self.stack.last_mut() {
            let p = join(path, &unescape_key(raw));
            self.idx.set(p.clone(), line);
            *key = Some(p);
        }
    }

    fn value(&mut self, container: Option<bool>, line: u64) {
        let path = value_path(&mut self.stack, &mut self.idx, line);
        match container {
            Some(true) => self.stack.push(JFrame::Obj { path, key: None }),
            Some(false) => self.stack.push(JFrame::Arr { path, next: 0 }),
            None => {}
        }
    }

    fn close(&mut self, line: u64) {
        if let Some(JFrame::Obj { path, .. } | JFrame::Arr { path, .. }) = self.stack.pop() {
            self.idx.close(&path, line);
        }
    }
}

struct YFrame {
    path: String,
    /// The column of the keys (maps) or of the dashes (sequences).
    indent: usize,
    seq: bool,
    next: usize,
}

impl YFrame {
    fn map(path: String, indent: usize) -> YFrame {
        YFrame {
            path,
            indent,
            seq: false,
            next: 0,
        }
    }
    fn seq(path: String, indent: usize) -> YFrame {
        YFrame {
            path,
            indent,
            seq: true,
            next: 0,
        }
    }
}

/// `key: value`, `key:`, `"key": value`, `'key': value` -> (key, value).
fn yaml_key(s: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let close = s[1..].find(q)? + 1;
        (s[1..close].to_string(), &s[close + 1..])
    } else {
        let mut at = None;
        for (i, c) in s.char_indices() {
            if c == ':' {
                let next = s[i + 1..].chars().next();
                if next.is_none() || next == Some(' ') || next == Some('\t') {
                    at = Some(i);
                    break;
                }
            }
            if c == ' ' && s[i..].starts_with(" #") {
                return None;
            }
        }
        let at = at?;
        (s[..at].trim_end().to_string(), &s[at..])
    };
    let value = rest.strip_prefix(':')?;
    if key.is_empty() {
        return None;
    }
    Some((key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> String {
        parts.iter().fold(String::new(), |acc, s| join(&acc, s))
    }

    #[test]
    fn json_pretty_and_one_line() {
        let t = "{\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n      {\n        \"name\": \"a\"\n      },\n      {\"name\": \"b\", \"args\": [\"x\", 1]}\n    ]\n  }\n}\n";
        let idx = LineIndex::json(t, 1);
        assert_eq!(idx.line("kind"), Some(2));
        assert_eq!(idx.line(&p(&["spec", "containers", "0"])), Some(5));
        assert_eq!(idx.end(&p(&["spec", "containers", "0"])), Some(7));
        assert_eq!(idx.line(&p(&["spec", "containers", "0", "name"])), Some(6));
        assert_eq!(idx.line(&p(&["spec", "containers", "1", "name"])), Some(8));
        assert_eq!(
            idx.line(&p(&["spec", "containers", "1", "args", "1"])),
            Some(8)
        );
        let one = LineIndex::json("{\"a\": {\"b\": [1, {\"c\": \"}\"}]}}", 7);
        assert_eq!(idx.line("nope"), None);
        assert_eq!(one.line(&p(&["a", "b", "1", "c"])), Some(7));
    }

    #[test]
    fn yaml_kubectl_style() {
        let t = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      x: |\n        key: not-a-key\n    name: p\n  spec:\n    containers:\n    - args:\n      - --vm\n      - \"1\"\n      name: c\n      resources: {}\nkind: List\n";
        let idx = LineIndex::yaml(t, 1);
        assert_eq!(idx.line("kind"), Some(17));
        assert_eq!(idx.line(&p(&["items", "0"])), Some(3));
        assert_eq!(idx.line(&p(&["items", "0", "kind"])), Some(4));
        assert_eq!(idx.line(&p(&["items", "0", "metadata", "name"])), Some(9));
        assert_eq!(
            idx.line(&p(&["items", "0", "metadata", "annotations", "x", "key"])),
            None
        );
        let c = p(&["items", "0", "spec", "containers", "0"]);
        assert_eq!(idx.line(&c), Some(12));
        assert_eq!(idx.line(&join(&c, "name")), Some(15));
        assert_eq!(idx.line(&join(&join(&c, "args"), "1")), Some(14));
        assert_eq!(idx.end(&c), Some(16));
        assert_eq!(idx.end(&p(&["items", "0"])), Some(16));
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "",
            "-",
            "- - -",
            ":",
            "\"",
            "'a",
            "{",
            "]]]",
            "a:\n- b\n  - c: d\n e",
            "- :\n-",
        ] {
            let _ = LineIndex::yaml(t, 1);
            let _ = LineIndex::json(t, 1);
        }
    }
}
