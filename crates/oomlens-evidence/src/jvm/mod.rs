//! JVM evidence: class-loading logs, GC logs and `jcmd` / `jmap` outputs.
//!
//! - [`classlist`]: `VM.class_hierarchy`, every class loaded now, as
//!   families of one shape with their counts.
//! - [`classload`]: `-Xlog:class+load,class+unload` (JDK 9+, any
//!   decorators) and `-XX:+TraceClassLoading` / `-verbose:class` (JDK 8),
//!   streamed into per-family counts in bounded memory.
//! - [`flags`]: JVM flags from command lines, option variables, `VM.flags`,
//!   `VM.command_line` and `PrintFlagsFinal`; the JDK version.
//! - [`family`]: the shape of a class name (`Orika_X_Y_Mapper123$45` ->
//!   `Orika_X_Y_Mapper*$*`): what makes generated classes one family.
//! - [`gclog`]: every collection's heap before and after, the maximum heap,
//!   Metaspace over time and Metadata-threshold collections from GC logs
//!   (JDK 8 `-XX:+PrintGCDetails`, JDK 9+ `-Xlog:gc*`).
//! - [`heapdump`]: a heap dump's facts as `diagnose` reads them, and the
//!   [`heapdump::HeapReader`] seam through which `oomlens-heap` fills them.
//! - [`hsperf`]: the HotSpot performance-counter file (`hsperfdata`, what
//!   `jstat` reads): heap, Metaspace, class and thread counters.
//! - [`jcmd`]: `VM.metaspace`, `VM.classloader_stats`, `jmap -clstats`,
//!   `GC.class_histogram` / `jmap -histo`.
//! - [`nmt`]: Native Memory Tracking summaries and diffs.
//! - [`ulog`]: the `[...]` decorations of JDK 9+ unified logging, read
//!   once for the class-loading and GC log readers.

pub mod classlist;
pub mod classload;
pub mod family;
pub mod flags;
pub mod gclog;
pub mod heapdump;
pub mod hsperf;
pub mod jcmd;
pub mod nmt;
pub mod ulog;

/// The pid line `jcmd` prints before a command's output (`12345:`): the
/// pid, when the line is one.
pub(crate) fn pid_line(t: &str) -> Option<u64> {
    let n = t.trim().strip_suffix(':')?;
    if n.is_empty() || n.len() > 19 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// A line that is only a timestamp, as a loop capturing `jcmd` outputs
/// prints before each one: ISO 8601 (`date -Is` -> `2026-12-07T06:36:04+00:00`,
/// `date -Ins` with a decimal comma, `date --rfc-3339=seconds` with a space
/// for the `T`, `date -u +%FT%TZ`, with or without fractions and zone) or
/// Unix seconds (`date +%s`, 9 or 10 digits). Returns the time in Unix
/// milliseconds when the line says its zone (or is Unix seconds), else
/// `Some(None)`; `None` when the line is not a timestamp.
pub(crate) fn date_line(t: &str) -> Option<Option<i64>> {
    let t = t.trim();
    let b = t.as_bytes();
    if (9..=10).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        return Some(t.parse::<i64>().ok().map(|s| s * 1000));
    }
    let (stamp, used) = crate::framing::iso_stamp(b)?;
    if used != b.len() {
        return None;
    }
    Some(match stamp {
        crate::framing::Stamp::Iso {
            civil,
            offset: Some(o),
        } => o.to_timestamp(civil).ok().map(|ts| ts.as_millisecond()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::date_line;

    #[test]
    fn date_lines() {
        assert_eq!(
            date_line("2026-12-07T06:36:04+00:00"),
            Some(Some(1_796_625_364_000))
        );
        assert_eq!(
            date_line("2026-12-07 07:36:04.5+01:00"),
            Some(Some(1_796_625_364_500))
        );
        assert_eq!(date_line("2026-12-07T06:36:04"), Some(None));
        assert_eq!(date_line("1796625364"), Some(Some(1_796_625_364_000)));
        assert_eq!(date_line("12345:"), None);
        assert_eq!(date_line("2026-12-07T06:36:04+00:00 jcmd"), None);
        assert_eq!(date_line(" 1:   5  80  [B"), None);
    }
}
