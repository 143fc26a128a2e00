//! JVM evidence: class-loading logs, GC logs and `jcmd` / `jmap` outputs.
//!
//! - [`classload`]: `-Xlog:class+load,class+unload` (JDK 9+, any
//!   decorators) and `-XX:+TraceClassLoading` / `-verbose:class` (JDK 8),
//!   streamed into per-family counts in bounded memory.
//! - [`flags`]: JVM flags from command lines, option variables, `VM.flags`,
//!   `VM.command_line` and `PrintFlagsFinal`; the JDK version.
//! - [`family`]: the shape of a class name (`Orika_X_Y_Mapper123$45` ->
//!   `Orika_X_Y_Mapper*$*`): what makes generated classes one family.
//! - [`gclog`]: Metaspace over time and Metadata-threshold collections from
//!   GC logs (JDK 8 `-XX:+PrintGCDetails`, JDK 9+ `-Xlog:gc*`).
//! - [`hsperf`]: the HotSpot performance-counter file (`hsperfdata`, what
//!   `jstat` reads): heap, Metaspace, class and thread counters.
//! - [`jcmd`]: `VM.metaspace`, `VM.classloader_stats`, `jmap -clstats`,
//!   `GC.class_histogram` / `jmap -histo`.
//! - [`nmt`]: Native Memory Tracking summaries and diffs.
//! - [`ulog`]: the `[...]` decorations of JDK 9+ unified logging, read
//!   once for the class-loading and GC log readers.

pub mod classload;
pub mod family;
pub mod flags;
pub mod gclog;
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
