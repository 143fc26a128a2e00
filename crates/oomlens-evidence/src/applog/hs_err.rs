//! JVM fatal-error banners and `hs_err` files: which banner lines are never
//! the cause, the pid in a banner or file name, and the container section's
//! `memory_limit_in_bytes:`.

use super::*;

/// Banner lines that are never its cause.
pub(super) const BANNER_NOT_CAUSE: [&[u8]; 14] = [
    b"Possible reasons",
    b"Possible solutions",
    b"Problematic frame",
    b"No core dump",
    b"Core dump",
    b"Failed to write core dump",
    b"If you would like",
    b"This output file may be truncated",
    b"CreateCoredumpOnCrash",
    b"Compiler replay",
    b"The crash happened outside",
    b"See problematic frame",
    b"JRE version:",
    b"Java VM:",
];

/// `, pid=N, tid=M` dropped from a banner cause line.
pub(super) fn strip_pid(s: &[u8]) -> &[u8] {
    match find(s, b", pid=") {
        Some(i) => s[..i].trim_ascii_end(),
        None => s,
    }
}

pub(super) fn pid_in(s: &[u8]) -> Option<u64> {
    let i = find(s, b"pid=")?;
    leading_u64(&s[i + 4..]).map(|(v, _)| v)
}

/// `hs_err_pid1234.log` in a report path.
pub(super) fn pid_in_path(p: &[u8]) -> Option<u64> {
    let i = memmem::rfind(p, b"hs_err_pid")?;
    leading_u64(&p[i + 10..]).map(|(v, _)| v)
}

/// `memory_limit_in_bytes:` value: `524288 k`, `2147483648`, `unlimited`.
/// `(bytes, unlimited)`.
/// The grammar is [`crate::units::parse::hotspot_limit`]'s.
pub(super) fn memory_limit(v: &[u8]) -> (Option<u64>, bool) {
    use crate::units::parse::{hotspot_limit, Limit};
    match std::str::from_utf8(v).map(hotspot_limit) {
        Ok(Ok(Limit::Bytes(b))) => (Some(b), false),
        Ok(Ok(Limit::Unlimited)) => (None, true),
        _ => (None, false),
    }
}
