//! `java.lang.OutOfMemoryError` lines: the variant from the message, the
//! thread from `Exception in thread "X"` or the uncaught-exception
//! handler's wording.

use super::*;

/// The fixed JVM messages, longest first where one is a prefix of another.
pub(super) const FIXED: [(&[u8], OomeVariant); 9] = [
    (b"Java heap space", OomeVariant::JavaHeapSpace),
    (b"Metaspace", OomeVariant::Metaspace),
    (b"Compressed class space", OomeVariant::CompressedClassSpace),
    (b"GC overhead limit exceeded", OomeVariant::GcOverheadLimit),
    (
        b"Requested array size exceeds VM limit",
        OomeVariant::RequestedArraySize,
    ),
    (b"Direct buffer memory", OomeVariant::DirectBufferMemory),
    (
        b"unable to create native thread: possibly out of memory or process/resource limits reached",
        OomeVariant::UnableToCreateNativeThread,
    ),
    (
        b"unable to create new native thread",
        OomeVariant::UnableToCreateNativeThread,
    ),
    (
        b"unable to create native thread",
        OomeVariant::UnableToCreateNativeThread,
    ),
];

/// The name in `"name"` (or `\"name\"`, inside a JSON string) at the start
/// of `s`; `None` when the closing quote is missing (a cut line).
pub(super) fn quoted(s: &[u8]) -> Option<String> {
    let (body, close): (&[u8], &[u8]) = if let Some(b) = s.strip_prefix(b"\\\"") {
        (b, b"\\\"")
    } else if let Some(b) = s.strip_prefix(b"\"") {
        (b, b"\"")
    } else {
        return None;
    };
    let end = find(body, close)?;
    if end > MAX_THREAD {
        return None;
    }
    Some(lossy(&body[..end]))
}

/// The thread of the last `Exception in thread "X"` in `h`.
pub(super) fn thread_before(h: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"Exception in thread ";
    let i = memmem::rfind(h, KEY)?;
    quoted(&h[i + KEY.len()..])
}

/// The message starting at `s`: up to the first character no JVM message
/// holds (the end of a JSON string, an escape, a log framework's `]`).
pub(super) fn take_message(s: &[u8]) -> &[u8] {
    let s = s.trim_ascii_start();
    let end = s
        .iter()
        .position(|&c| matches!(c, b'\\' | b'"' | b'\t' | b'\r' | b']' | b'\''))
        .unwrap_or(s.len());
    s[..end].trim_ascii_end()
}

/// The variant and the message to keep for an `OutOfMemoryError` message.
pub(super) fn classify(msg: &[u8]) -> (OomeVariant, String) {
    for (text, v) in FIXED {
        if msg.starts_with(text) {
            return (v, lossy(text));
        }
    }
    if msg.starts_with(b"Cannot reserve ") && find(msg, b"direct buffer memory").is_some() {
        let end = memchr::memchr(b')', msg).map_or(msg.len(), |i| i + 1);
        return (
            OomeVariant::DirectBufferMemory,
            capped(&msg[..end], MAX_DETAIL),
        );
    }
    (OomeVariant::Other, capped(msg, MAX_DETAIL))
}

/// What follows `java.lang.OutOfMemoryError` in `after`, or `None` when the
/// name goes on (`java.lang.OutOfMemoryError.<init>` in a frame).
pub(super) fn oome_message(after: &[u8]) -> Option<(OomeVariant, String)> {
    if let Some(&c) = after.first() {
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.') {
            return None;
        }
    }
    let mut msg: &[u8] = match after.strip_prefix(b":") {
        Some(m) => take_message(m),
        None => {
            if after.starts_with(b" thrown from the UncaughtExceptionHandler") {
                return Some((
                    OomeVariant::Other,
                    "thrown from the UncaughtExceptionHandler".to_string(),
                ));
            }
            b""
        }
    };
    // `java.lang.OutOfMemoryError: java.lang.OutOfMemoryError: X`
    while let Some(r) = msg.strip_prefix(OOME) {
        msg = match r.strip_prefix(b":") {
            Some(m) => take_message(m),
            None => b"",
        };
    }
    Some(classify(msg))
}

/// `thrown from the UncaughtExceptionHandler in thread "X"` after the name.
pub(super) fn handler_thread(after: &[u8]) -> Option<String> {
    const KEY: &[u8] = b" thrown from the UncaughtExceptionHandler in thread ";
    after.strip_prefix(KEY).and_then(quoted)
}
