//! Other runtimes' out-of-memory deaths: Python's `MemoryError` (and its
//! subclasses) and Node's `JavaScript heap out of memory`.

use super::*;

/// Python's `MemoryError` at the start of `t`: the message (empty when none).
pub(super) fn python_memory_error(t: &[u8]) -> Option<String> {
    let end = t
        .iter()
        .position(|&c| matches!(c, b':' | b' ' | b'"' | b'\\' | b'\'' | b',' | b'\t'))
        .unwrap_or(t.len());
    let tok = &t[..end];
    let named = tok == b"MemoryError"
        || tok == b"_ArrayMemoryError"
        || tok.ends_with(b".MemoryError")
        || tok.ends_with(b"._ArrayMemoryError");
    if !named
        || !tok
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
    {
        return None;
    }
    match t.get(end) {
        None | Some(b'"') | Some(b'\\') => Some(String::new()),
        Some(b':') => Some(capped(take_message(&t[end + 1..]), MAX_DETAIL)),
        _ => None,
    }
}

/// Node's `FATAL ERROR: ... Allocation failed - JavaScript heap out of
/// memory` in `t`: the text after `FATAL ERROR: `.
pub(super) fn node_heap_oom(t: &[u8]) -> Option<String> {
    const FAILED: &[u8] = b"Allocation failed - ";
    let i = find(t, FAILED)?;
    let after = &t[i + FAILED.len()..];
    let n = [
        &b"JavaScript heap out of memory"[..],
        b"process out of memory",
    ]
    .iter()
    .find(|p| after.starts_with(p))?
    .len();
    let start = memmem::rfind(&t[..i], b"FATAL ERROR:").map_or(i, |f| f + 12);
    Some(capped(
        t[start..i + FAILED.len() + n].trim_ascii(),
        MAX_DETAIL,
    ))
}
