//! What kind of evidence a file holds, from its first bytes (never its name).

use crate::k8s;

/// How many bytes [`sniff`] wants to see.
pub const HEAD: usize = 64 * 1024;

/// The kind of a file, as far as its head tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Empty,
    /// NUL bytes or mostly unprintable: not text evidence.
    Binary,
    /// `kubectl describe pod` output.
    Describe,
    /// Kubernetes objects as JSON or YAML.
    Objects,
    /// A JVM class-loading log (`[Loaded X from Y]`, `class,load`).
    ClassLog,
    /// Any other text: jcmd output, a metric file, an NMT summary or a GC
    /// log (each parser's own `sniff`/`looks_like` tells them apart), a
    /// kernel log, a container log, or nothing of ours (only reading it
    /// through tells).
    Text,
}

/// Classifies a file by its head (the first [`HEAD`] bytes or fewer).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    if memchr::memchr(0, head).is_some() {
        return Sniffed::Binary;
    }
    let bad = head
        .iter()
        .filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b) || b == 0x7f)
        .count();
    if bad * 10 > head.len() {
        return Sniffed::Binary;
    }
    if k8s::looks_like_describe(head) {
        return Sniffed::Describe;
    }
    if k8s::looks_like_object(head) {
        return Sniffed::Objects;
    }
    // Class-loading lines: `[Loaded X from Y]` at the start of a line (JDK
    // 8), or a `class,load` / `class+load` unified-logging tag (JDK 9+).
    let mut lines = 0usize;
    let mut loaded = 0usize;
    for l in head.split(|&b| b == b'\n').take(500) {
        if l.is_empty() {
            continue;
        }
        lines += 1;
        if l.starts_with(b"[Loaded ")
            || memchr::memmem::find(l, b"[class,load").is_some()
            || memchr::memmem::find(l, b"[class+load").is_some()
        {
            loaded += 1;
        }
    }
    if loaded > 0 && loaded * 4 >= lines {
        return Sniffed::ClassLog;
    }
    Sniffed::Text
}

/// Whether text lines look like a kernel log (syslog `kernel:` tags, dmesg
/// stamps, kmsg records).
pub fn looks_like_kernel_log(head: &[u8]) -> bool {
    let mut kernel = 0usize;
    let mut lines = 0usize;
    for l in head.split(|&b| b == b'\n').take(200) {
        lines += 1;
        let f = crate::framing::frame(l);
        if f.origin == crate::framing::Origin::Kernel {
            kernel += 1;
        }
    }
    lines > 0 && kernel * 5 >= lines.min(50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"abc\0def"), Sniffed::Binary);
        assert_eq!(sniff(&[1, 2, 3, 4, 5, 6, 7, 8, b'a']), Sniffed::Binary);
        assert_eq!(sniff(b"hello world\n"), Sniffed::Text);
        assert_eq!(
            sniff(b"[Loaded java.lang.Object from shared objects file]\n"),
            Sniffed::ClassLog
        );
        assert_eq!(
            sniff(b"# notes\nthe log line `[Loaded X from Y]`\n"),
            Sniffed::Text
        );
        assert!(looks_like_kernel_log(b"[  1.0] a\n[  2.0] b\n"));
        assert!(!looks_like_kernel_log(b"INFO app started\nINFO ready\n"));
    }
}
