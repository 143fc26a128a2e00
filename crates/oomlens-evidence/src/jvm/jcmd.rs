//! `jcmd` and `jmap` outputs about classes and Metaspace:
//! `VM.metaspace` (summary, `show-loaders`, `by-spacetype`), `VM.classloader_stats`,
//! `jmap -clstats` (JDK 8), and `GC.class_histogram` / `jmap -histo`.
//! Numbers may use a locale's decimal comma (`1,5 MB`) or thousands
//! separators; sizes are returned in bytes.

use serde::Serialize;

use crate::provenance::Warnings;

/// Which output a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JcmdKind {
    Metaspace,
    ClassloaderStats,
    Clstats,
    ClassHistogram,
}

/// One class loader's line (VM.classloader_stats, jmap -clstats,
/// VM.metaspace show-loaders).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoaderRow {
    /// The loader's class (`jdk.internal.reflect.DelegatingClassLoader`,
    /// `<bootloader>`, `groovy.lang.GroovyClassLoader$InnerLoader`).
    pub loader_type: String,
    /// How many loaders of that type the row stands for (1 per row for
    /// clstats; VM.classloader_stats may aggregate).
    pub loaders: u64,
    pub classes: u64,
    /// Metaspace bytes (chunk size or used), when printed.
    pub bytes: Option<u64>,
    /// `live` / `dead` (clstats), when printed.
    pub alive: Option<bool>,
    pub line: u64,
}

/// One class of a class histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoRow {
    pub rank: u64,
    pub instances: u64,
    pub bytes: u64,
    /// The class name as printed (JVM internal names like `[B` kept).
    pub class: String,
    /// The module in parentheses (JDK 9+), when printed.
    pub module: Option<String>,
    pub line: u64,
}

/// The `VM.metaspace` summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetaspaceSummary {
    /// Total reserved / committed / used, in bytes.
    pub reserved_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    /// Class space part (compressed class space), in bytes.
    pub class_space_committed_bytes: Option<u64>,
    pub class_space_used_bytes: Option<u64>,
    /// `MaxMetaspaceSize` as printed in the Settings section (`unlimited`
    /// -> None with `max_unlimited`).
    pub max_metaspace_bytes: Option<u64>,
    pub max_unlimited: bool,
    pub compressed_class_space_bytes: Option<u64>,
    /// `current GC threshold` in bytes.
    pub gc_threshold_bytes: Option<u64>,
    /// Number of class loaders and classes, when printed (`Total Usage -
    /// 1234 loaders, 56789 classes`).
    pub loaders: Option<u64>,
    pub classes: Option<u64>,
    pub line: u64,
}

/// What one jcmd / jmap output held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JcmdOutput {
    pub kind: JcmdKind,
    pub metaspace: Option<MetaspaceSummary>,
    pub loaders: Vec<LoaderRow>,
    pub histogram: Vec<HistoRow>,
    /// The `Total` line of a histogram: instances and bytes.
    pub histogram_total: Option<(u64, u64)>,
    /// The pid line jcmd prints first (`12345:`), when present.
    pub pid: Option<u64>,
}

/// Which jcmd/jmap output a head looks like, if any.
pub fn sniff(head: &[u8]) -> Option<JcmdKind> {
    let _ = head;
    None
}

/// Parses one output. `None` when the text is none of the kinds.
pub fn parse(source: &str, text: &[u8]) -> (Option<JcmdOutput>, Warnings) {
    let _ = (source, text);
    (None, Warnings::new())
}
