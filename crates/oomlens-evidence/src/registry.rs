//! The evidence registry: every format oomlens reads, in the one order in
//! which they are recognised, each with how it is recognised from the head
//! of an input (its first [`HEAD`] bytes, binary magic included; a gzip
//! stream is unwrapped before) and how it is parsed.
//!
//! [`FORMATS`] is that table. A head belongs to the first format whose
//! `recognise` accepts it; the last one, `text`, accepts anything, and tells
//! a kernel log, a container log or `hs_err` file, and text with nothing of
//! ours apart by reading it through. Recognisers are the parsers' own
//! (`k8s::looks_like_describe`, `jcmd::sniff`, ...): this module only orders
//! them. A parse entry says how much of the input it needs ([`Parse`]):
//! nothing past the head, the whole input read into memory up to a cap, or
//! a stream. Opening, reading and walking folders is [`crate::load`]'s.
//!
//! Adding an evidence kind: a parser module with a `looks_like_*` over a
//! head and a parse function, one row here, one [`Parsed`] variant.

use std::io::{self, Read};
use std::path::Path;

use crate::applog::{self, AppLog};
use crate::jvm::flags::{self, Flag, JvmFlags};
use crate::jvm::heapdump::{HeapDumpFacts, HeapReader};
use crate::jvm::{classlist, classload, gclog, hsperf, jcmd, nmt};
use crate::kernel::{self, OomReport};
use crate::time::TimeContext;
use crate::{k8s, metrics, Warnings};

/// How many bytes of an input recognition sees.
pub const HEAD: usize = 64 * 1024;

/// The most of one input read into memory (structured documents: objects,
/// jcmd and NMT outputs, hsperfdata). Logs, metrics (exposition text,
/// Prometheus API answers, CSV exports) and JVM flags stream and have no
/// limit.
pub const WHOLE_MAX: u64 = 256 << 20;

/// One format: its name, how a head is recognised as it, how it is parsed.
pub struct Format {
    /// The format's name (`kernel-log` and the others a text input turns
    /// out to be are named by [`Outcome::kind`]).
    pub name: &'static str,
    /// Whether a head (decoded, at most [`HEAD`] bytes; the whole input
    /// when shorter) is this format. Never panics.
    pub recognise: fn(&[u8]) -> bool,
    pub parse: Parse,
}

/// How much of an input a format's parser needs.
pub enum Parse {
    /// Only the head: nothing more is read.
    Head(fn(&str, &[u8]) -> Outcome),
    /// The whole input in memory, up to [`WHOLE_MAX`] (a longer input is
    /// cut there, with a warning, and what was read is parsed).
    Whole(fn(&str, &[u8]) -> Outcome),
    /// Streamed: memory stays flat whatever the input's size.
    Stream(fn(Stream<'_>) -> Outcome),
}

/// A streamed input, as a [`Parse::Stream`] parser gets it.
pub struct Stream<'a> {
    pub name: &'a str,
    pub head: &'a [u8],
    /// The whole input from its first byte (the head chained with the
    /// rest); [`Stream::take_reader`] hands it over.
    pub reader: Box<dyn Read + Send>,
    /// The input's size on disk, when known.
    pub len: Option<u64>,
    /// Wraps the reader when it is taken (a progress bar).
    pub wrap: Option<&'a crate::load::Wrap>,
    /// The path, when the input is a plain regular file that may be opened
    /// again by it (not gzip, not a pipe or stdin): the class-log parser
    /// splits a large one across threads.
    pub reopen: Option<&'a Path>,
    /// The time context for this input (syslog's missing year).
    pub time: &'a TimeContext,
    /// Worker threads a parser may use.
    pub threads: usize,
    /// The heap-dump reader a command plugged in
    /// ([`crate::load::Options::heap`]).
    pub heap: Option<&'a HeapReader>,
}

impl Stream<'_> {
    /// The reader, wrapped as asked; once (an empty reader after).
    pub fn take_reader(&mut self) -> Box<dyn Read + Send> {
        let r = std::mem::replace(&mut self.reader, Box::new(io::empty()));
        match self.wrap {
            Some(w) => w(r, self.len, self.name),
            None => r,
        }
    }
}

/// What parsing one input gave.
#[derive(Debug)]
pub struct Outcome {
    /// The evidence, or `None` when the input held nothing to use.
    pub parsed: Option<Parsed>,
    /// What the input was found to be (`kernel-log`, `describe`,
    /// `k8s-objects`, `k8s-fragment`, `app-log`, `hs-err`, `class-log`, `gc-log`,
    /// `class-hierarchy`, `jcmd`,
    /// `nmt`, `metrics`, `jvm-flags`, `command-line`, `hsperfdata`,
    /// `heap-dump`), or `skipped`.
    pub kind: &'static str,
    /// One line about it: what was read, or why nothing was.
    pub note: String,
    pub warnings: Warnings,
}

impl Outcome {
    fn new(parsed: Parsed, kind: &'static str, note: impl Into<String>, w: Warnings) -> Outcome {
        Outcome {
            parsed: Some(parsed),
            kind,
            note: note.into(),
            warnings: w,
        }
    }

    /// Nothing to use, and why.
    pub fn skipped(note: impl Into<String>, warnings: Warnings) -> Outcome {
        Outcome {
            parsed: None,
            kind: "skipped",
            note: note.into(),
            warnings,
        }
    }
}

/// The evidence one input held, typed by what it is.
#[derive(Debug)]
pub enum Parsed {
    /// OOM-killer reports of a kernel log, their stats and task lines
    /// kept as text until [`OomReport::expand`].
    Kernel {
        reports: Vec<OomReport>,
        lines: u64,
    },
    /// A container's log or an `hs_err` file; what its head says of JVM
    /// flags and version besides.
    AppLog {
        log: AppLog,
        head: HeadFlags,
        /// The class events of an `hs_err` file's `Classes loaded` /
        /// `Classes unloaded` sections, judged as a class log would be.
        classes: Option<Box<classload::ClassLog>>,
    },
    /// Text with nothing [`Parsed::AppLog`] or [`Parsed::Kernel`] would
    /// use; what its head says of JVM flags and version (a `ps` line, a
    /// script, `java -version`).
    OtherText {
        head: HeadFlags,
    },
    /// One class-loading log.
    ClassLog(classload::ClassLog),
    /// Rotated files of one class-loading log (`x.log.2`, `x.log.1`,
    /// `x.log`), oldest first, to be judged as one log. [`crate::load`]
    /// groups [`Parsed::ClassLog`]s into these.
    ClassLogs(Vec<(String, classload::ClassLog)>),
    /// Pods and events: `kubectl describe` text, or objects as JSON / YAML.
    Kubernetes(k8s::Objects),
    GcLog(Box<gclog::GcLog>),
    Jcmd(Box<jcmd::JcmdOutput>),
    /// `VM.class_hierarchy`: the classes loaded at one moment, by family.
    ClassList(classlist::ClassListing),
    /// Native Memory Tracking snapshots, in order.
    Nmt(Vec<nmt::Snapshot>),
    Metrics(Vec<metrics::Series>),
    /// `PrintFlagsFinal`, `VM.flags` or `VM.command_line` output.
    Flags(JvmFlags),
    /// A NUL-separated command line (`/proc/PID/cmdline`).
    CommandLine(Vec<Flag>),
    /// A copy of a JVM's hsperfdata file: its memory counters.
    HsPerf(hsperf::JvmMemory),
    /// An HPROF heap dump (`JAVA PROFILE 1.0.2`): its facts when a
    /// [`HeapReader`] read it, else recognised only.
    HeapDump {
        version: String,
        facts: Option<Box<HeapDumpFacts>>,
    },
}

/// JVM flags and the JDK version found in the head of a text input.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HeadFlags {
    /// Flags of the command lines and option variables in the head.
    pub command_line: Vec<Flag>,
    /// The JDK feature release a `java -version` text states.
    pub jdk: Option<u32>,
}

/// Every format, in the order a head is tried against them.
pub const FORMATS: &[Format] = &[
    Format {
        name: "empty",
        recognise: <[u8]>::is_empty,
        parse: Parse::Head(|_, _| Outcome::skipped("empty", Warnings::new())),
    },
    Format {
        name: "heap-dump",
        recognise: looks_like_hprof,
        parse: Parse::Stream(heap_dump),
    },
    Format {
        name: "hsperfdata",
        recognise: |h| h.starts_with(&hsperf::MAGIC),
        parse: Parse::Whole(hsperfdata),
    },
    Format {
        name: "command-line",
        recognise: looks_like_proc_cmdline,
        parse: Parse::Head(proc_cmdline),
    },
    Format {
        name: "binary",
        recognise: looks_binary,
        parse: Parse::Head(|_, _| {
            Outcome::skipped("binary, not evidence oomlens reads", Warnings::new())
        }),
    },
    Format {
        name: "describe",
        recognise: k8s::looks_like_describe,
        parse: Parse::Whole(|name, bytes| {
            let (o, w) = k8s::parse_describe_objects(name, bytes);
            kubernetes(o, w, "describe")
        }),
    },
    Format {
        name: "k8s-objects",
        recognise: k8s::looks_like_object,
        parse: Parse::Whole(|name, bytes| {
            let (o, w) = k8s::parse_objects(name, bytes);
            kubernetes(o, w, "k8s-objects")
        }),
    },
    Format {
        name: "k8s-fragment",
        recognise: k8s::looks_like_pasted,
        parse: Parse::Whole(|name, bytes| {
            let (o, w) = k8s::parse_pasted(name, bytes);
            kubernetes(o, w, "k8s-fragment")
        }),
    },
    Format {
        name: "class-log",
        recognise: looks_like_class_log,
        parse: Parse::Stream(class_log),
    },
    Format {
        name: "class-hierarchy",
        recognise: classlist::looks_like_class_hierarchy,
        parse: Parse::Whole(|name, bytes| {
            let (l, w) = classlist::parse(name, bytes);
            let note = format!(
                "{} loaded class(es) in {} famil(ies){}",
                l.classes,
                l.families.len(),
                if l.cut_line.is_some() {
                    ", cut at the capture's cap"
                } else {
                    ""
                }
            );
            Outcome::new(Parsed::ClassList(l), "class-hierarchy", note, w)
        }),
    },
    Format {
        name: "jcmd",
        recognise: |h| jcmd::sniff(h).is_some(),
        parse: Parse::Whole(jcmd_output),
    },
    Format {
        name: "metrics",
        recognise: |h| metrics::sniff(h).is_some(),
        parse: Parse::Stream(metrics_file),
    },
    Format {
        name: "nmt",
        recognise: nmt::looks_like_nmt,
        parse: Parse::Whole(|name, bytes| {
            let (snaps, w) = nmt::parse(name, bytes);
            let note = format!("{} Native Memory Tracking snapshot(s)", snaps.len());
            Outcome::new(Parsed::Nmt(snaps), "nmt", note, w)
        }),
    },
    Format {
        name: "gc-log",
        recognise: gclog::looks_like_gclog,
        parse: Parse::Stream(gc_log),
    },
    Format {
        name: "jvm-flags",
        // An hs_err file prints its `VM Arguments:` too, but it is a crash
        // report first: the text format reads it.
        recognise: |h| flags::sniff(h).is_some() && !applog::looks_like_hs_err(h),
        parse: Parse::Stream(jvm_flags),
    },
    Format {
        name: "text",
        recognise: |_| true,
        parse: Parse::Stream(text),
    },
];

/// The format of a head: the first of [`FORMATS`] that recognises it.
pub fn recognise(head: &[u8]) -> &'static Format {
    FORMATS
        .iter()
        .find(|f| (f.recognise)(head))
        .unwrap_or(&FORMATS[FORMATS.len() - 1])
}

/// The format called `name`, for a command that reads one kind only
/// (`oomlens classes` reads every input as a class log).
pub fn by_name(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

/// An HPROF heap dump's header: `JAVA PROFILE 1.0.1`, `1.0.2` (what
/// HotSpot writes) or `1.0.3`, NUL-terminated.
pub fn looks_like_hprof(head: &[u8]) -> bool {
    head.starts_with(b"JAVA PROFILE 1.0.")
}

/// NUL bytes, or more than a tenth of control characters: not text.
pub fn looks_binary(head: &[u8]) -> bool {
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let bad = head
        .iter()
        .filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b) || b == 0x7f)
        .count();
    bad * 10 > head.len()
}

/// `/proc/PID/cmdline`: printable arguments each ended by a NUL, the whole
/// within the head, at least one of them a JVM flag.
pub fn looks_like_proc_cmdline(head: &[u8]) -> bool {
    if head.len() >= HEAD || head.last() != Some(&0) {
        return false;
    }
    let printable = head
        .iter()
        .all(|&b| b == 0 || (0x20..0x7f).contains(&b) || b >= 0x80 || b == b'\t');
    printable
        && head
            .split(|&b| b == 0)
            .any(|a| flags::parse_token(&String::from_utf8_lossy(a), None).is_some())
}

/// Class-loading lines: `[Loaded X from Y]` at the start of a line (JDK 8),
/// a `class,load` / `class+load` unified-logging tag (JDK 9+), or an
/// `hs_err` class event (`Event: 0.733 Loading class X`, `... Unloading
/// class ...`), on at least a quarter of the head's first 500 non-empty
/// lines.
pub fn looks_like_class_log(head: &[u8]) -> bool {
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
            || (l.trim_ascii_start().starts_with(b"Event: ")
                && memchr::memmem::find(l, b"oading class ").is_some())
        {
            loaded += 1;
        }
    }
    loaded > 0 && loaded * 4 >= lines
}

/// Whether text lines look like a kernel log (syslog `kernel:` tags, dmesg
/// stamps, kmsg records) on at least a fifth of the first 50 lines.
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

/// A heap dump: streamed through the command's [`HeapReader`] when it
/// plugged one in (the summary pass, once), else named and left unread.
fn heap_dump(mut s: Stream<'_>) -> Outcome {
    let end = memchr::memchr(0, s.head).unwrap_or(s.head.len().min(32));
    let version = String::from_utf8_lossy(&s.head[..end]).into_owned();
    let Some(read) = s.heap else {
        let note = format!("a heap dump ({version}): not read (this command reads no dumps)");
        return Outcome::new(
            Parsed::HeapDump {
                version,
                facts: None,
            },
            "heap-dump",
            note,
            Warnings::new(),
        );
    };
    let mut w = Warnings::new();
    let mut reader = s.take_reader();
    match read(&mut reader) {
        Ok(facts) => {
            let mut note = format!(
                "a heap dump ({version}): {} objects, {} MiB shallow, {} classes",
                facts.objects,
                facts.shallow_bytes >> 20,
                facts.classes
            );
            if let Some(stop) = &facts.stopped {
                note.push_str(&format!("; read up to where it stopped: {stop}"));
                w.push(s.name, None, format!("heap dump cut short: {stop}"));
            }
            Outcome::new(
                Parsed::HeapDump {
                    version,
                    facts: Some(Box::new(facts)),
                },
                "heap-dump",
                note,
                w,
            )
        }
        Err(e) => {
            w.push(s.name, None, format!("heap dump not read: {e}"));
            Outcome::skipped(format!("a heap dump that cannot be read: {e}"), w)
        }
    }
}

fn hsperfdata(name: &str, bytes: &[u8]) -> Outcome {
    let mut w = Warnings::new();
    let p = match hsperf::parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            w.push(name, None, e.to_string());
            return Outcome::skipped(format!("hsperfdata that cannot be read: {e}"), w);
        }
    };
    for m in &p.warnings {
        w.push(name, None, m.clone());
    }
    let m = hsperf::memory(&p);
    let mib = |b: Option<u64>| match b {
        None => "?".to_string(),
        Some(b) if b < 1 << 20 => format!("{} KiB", b >> 10),
        Some(b) => format!("{} MiB", b >> 20),
    };
    let mut note = format!(
        "a JVM's counters: heap {} used, {} committed, {} max; Metaspace {} used",
        mib(m.heap_used),
        mib(m.heap_committed),
        mib(m.heap_max),
        mib(m.metaspace_used),
    );
    if let Some(c) = m.classes_loaded {
        note.push_str(&format!("; {c} classes loaded"));
    }
    if let Some(t) = m.threads_live {
        note.push_str(&format!("; {t} live threads"));
    }
    Outcome::new(Parsed::HsPerf(m), "hsperfdata", note, w)
}

fn proc_cmdline(_: &str, head: &[u8]) -> Outcome {
    let flags: Vec<Flag> = head
        .split(|&b| b == 0)
        .filter_map(|a| flags::parse_token(&String::from_utf8_lossy(a), None))
        .collect();
    let note = format!(
        "{} JVM flag(s) in a NUL-separated command line",
        flags.len()
    );
    Outcome::new(
        Parsed::CommandLine(flags),
        "command-line",
        note,
        Warnings::new(),
    )
}

fn kubernetes(o: k8s::Objects, w: Warnings, kind: &'static str) -> Outcome {
    let note = format!("{} pod(s), {} event(s)", o.pods.len(), o.events.len());
    Outcome::new(Parsed::Kubernetes(o), kind, note, w)
}

fn jcmd_output(name: &str, bytes: &[u8]) -> Outcome {
    let (out, mut w) = jcmd::parse(name, bytes);
    match out {
        Some(mut o) => {
            if o.kind == jcmd::JcmdKind::ClassHistogram {
                // A series of histograms of one JVM (a capture loop's
                // appended `date; jcmd GC.class_histogram`): each with its
                // time, and the series' own warnings, not the single
                // reading's (which takes the next date line for a row).
                let (series, sw) = jcmd::parse_histograms(name, bytes);
                if series.len() > 1 {
                    w = sw;
                }
                o.series = series;
            }
            let kind = serde_json::to_value(o.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let note = match o.series.len() {
                n if n > 1 => format!("{kind} output, {n} histograms"),
                _ => format!("{kind} output"),
            };
            Outcome::new(Parsed::Jcmd(Box::new(o)), "jcmd", note, w)
        }
        None => Outcome::skipped("looked like jcmd output but did not parse", w),
    }
}

/// A flags source, streamed line by line: a flag past any size is read.
fn jvm_flags(mut s: Stream<'_>) -> Outcome {
    let name = s.name;
    match flags::scan(name, s.head, s.take_reader()) {
        (Some(f), w) => {
            let mut note = format!("{} JVM flag(s), {}", f.flags.len(), f.kind);
            if let Some(v) = f.jdk {
                note.push_str(&format!(", JDK {v}"));
            }
            Outcome::new(Parsed::Flags(f), "jvm-flags", note, w)
        }
        (None, w) => Outcome::skipped("looked like JVM flags but did not parse", w),
    }
}

fn class_log(mut s: Stream<'_>) -> Outcome {
    let scanned = match s.reopen {
        Some(path) => {
            drop(s.reader);
            classload::scan_file(s.name, path, s.threads)
        }
        None => classload::scan(s.name, s.take_reader()),
    };
    match scanned {
        Ok((log, mut w)) if log.loaded + log.unloaded == 0 => {
            w.push(
                s.name,
                None,
                "no class-loading line: not a class log (-Xlog:class+load or -verbose:class)",
            );
            Outcome::skipped("no class-loading line", w)
        }
        Ok((log, w)) => {
            let note = format!("{} classes loaded, {} unloaded", log.loaded, log.unloaded);
            Outcome::new(Parsed::ClassLog(log), "class-log", note, w)
        }
        Err(e) => read_error(s.name, &e),
    }
}

/// A metrics file, streamed whatever its format (they can be hundreds of
/// MB: a long range of many series, a day of `/federate` scrapes): a
/// Prometheus API answer, a CSV export, or exposition text.
fn metrics_file(mut s: Stream<'_>) -> Outcome {
    let format = metrics::sniff(s.head);
    let (series, w) = if format == Some(metrics::CSV) {
        metrics::parse_csv_reader(s.name, s.take_reader())
    } else if format == Some(metrics::JSON) {
        let mut reader = s.take_reader();
        // serde_json reads no byte-order mark.
        if s.head.starts_with(b"\xef\xbb\xbf") {
            let mut bom = [0u8; 3];
            if let Err(e) = reader.read_exact(&mut bom) {
                return read_error(s.name, &e);
            }
        }
        metrics::parse_json_reader(s.name, reader)
    } else {
        metrics::parse_text_reader(s.name, s.head, s.take_reader())
    };
    let note = format!("{} series", series.len());
    Outcome::new(Parsed::Metrics(series), "metrics", note, w)
}

fn gc_log(mut s: Stream<'_>) -> Outcome {
    match gclog::scan(s.name, s.take_reader()) {
        Ok((g, w)) => {
            let note = format!(
                "{} Metaspace samples, {} Metadata GC threshold collections",
                g.samples.len(),
                g.metadata_threshold_gcs
            );
            Outcome::new(Parsed::GcLog(Box::new(g)), "gc-log", note, w)
        }
        Err(e) => read_error(s.name, &e),
    }
}

fn read_error(name: &str, e: &io::Error) -> Outcome {
    let mut w = Warnings::new();
    w.push(name, None, format!("read error: {e}"));
    Outcome::skipped(format!("read error: {e}"), w)
}

/// Kernel reports loaded as evidence keep their stats and task lines as
/// text: the Case parses those of the kills it reads
/// ([`OomReport::expand`]), a few of a log of thousands.
const BULK: kernel::Bulk = kernel::Bulk::Deferred;

/// A text input: a kernel log, a container log (or `hs_err` file), or
/// neither. A head that looks like a kernel log is read as one only;
/// otherwise both scanners read the one stream side by side (a container
/// log is only known not to be a kernel log at its end) and a kernel report
/// anywhere makes it a kernel log.
fn text(mut s: Stream<'_>) -> Outcome {
    let name = s.name;
    let mut reports = Vec::new();
    let reader = s.take_reader();
    if looks_like_kernel_log(s.head) {
        reports.reserve_exact(report_room(s.len));
        return match kernel::scan_with(name, reader, s.time, BULK, |r| reports.push(r)) {
            Ok(k) => kernel_outcome(reports, k),
            Err(e) => read_error(name, &e),
        };
    }
    let time = s.time;
    let (k, a) = crate::tee::both(
        reader,
        |r| kernel::scan_with(name, r, time, BULK, |x| reports.push(x)),
        |r| applog::scan_with_classes(name, r),
    );
    let k = match k {
        Ok(k) => k,
        Err(e) => return read_error(name, &e),
    };
    if !reports.is_empty() {
        return kernel_outcome(reports, k);
    }
    let mut warnings = k.warnings;
    let (log, classes, w) = match a {
        Ok(a) => a,
        Err(e) => {
            warnings.push(name, None, format!("read error: {e}"));
            return Outcome::skipped(format!("read error: {e}"), warnings);
        }
    };
    warnings.extend(w);
    let head = head_flags(s.head);
    let base = Path::new(name)
        .file_name()
        .map(|f| f.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let named_log = base.contains("log") || base.contains("stdout") || base.contains("stderr");
    // A file counts as the container's log when it says something about
    // memory or is named like a log; class names alone (a histogram, a
    // flags dump) do not make a log.
    let crash = log
        .hs_err
        .as_ref()
        .is_some_and(|h| h.reason.is_some() || h.jre_version.is_some());
    if log.signals.is_empty() && !crash && !named_log {
        return Outcome {
            parsed: Some(Parsed::OtherText { head }),
            kind: "skipped",
            note: "text with no evidence oomlens reads".into(),
            warnings,
        };
    }
    let mut note = format!(
        "{} out-of-memory signal(s) in {} lines{}",
        log.signal_count,
        log.lines,
        if log.jvm_seen { ", a JVM" } else { "" }
    );
    if let Some(c) = &classes {
        note.push_str(&format!(
            ", {} class(es) loaded and {} unloaded in its events",
            c.loaded, c.unloaded
        ));
    }
    let kind = if crash { "hs-err" } else { "app-log" };
    Outcome::new(
        Parsed::AppLog {
            log,
            head,
            classes: classes.map(Box::new),
        },
        kind,
        note,
        warnings,
    )
}

/// Room for the reports of a kernel log of `len` bytes, made once before
/// the scan: a log of many kills (a crash-looping container) otherwise
/// grows its list by doubling, copying every report held at each step and
/// touching fresh pages for twice the room it keeps. One report in 2 KiB
/// (a memcg report prints some 6 KiB) and at most 2^18 reports, so the
/// room asked is below the log's own size; what a log of few kills leaves
/// unused is given back at the end ([`kernel_outcome`]), and pages never
/// written are never resident.
fn report_room(len: Option<u64>) -> usize {
    const MAX: u64 = 1 << 18;
    usize::try_from(len.map_or(0, |l| (l / 2048).min(MAX))).unwrap_or(0)
}

fn kernel_outcome(mut reports: Vec<OomReport>, k: kernel::ScanSummary) -> Outcome {
    reports.shrink_to_fit();
    let note = format!(
        "{} OOM-killer report(s) in {} lines",
        reports.len(),
        k.counts.lines
    );
    let lines = k.counts.lines;
    Outcome::new(
        Parsed::Kernel { reports, lines },
        "kernel-log",
        note,
        k.warnings,
    )
}

/// JVM flags and the JDK version in a text head (NULs read as spaces).
fn head_flags(head: &[u8]) -> HeadFlags {
    let text = String::from_utf8_lossy(head).replace('\0', " ");
    HeadFlags {
        command_line: flags::from_command_line(&text, None),
        jdk: flags::jdk_version(&text).map(|(v, _)| v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(head: &[u8]) -> &'static str {
        recognise(head).name
    }

    const G1_HSPERF: &[u8] = include_bytes!("../../../tests/fixtures/hsperf/g1-17.hsperfdata");
    const PARALLEL_HSPERF: &[u8] =
        include_bytes!("../../../tests/fixtures/hsperf/parallel-17-nogc.hsperfdata");
    const HPROF_HEAD: &[u8] = include_bytes!("../../../tests/fixtures/hprof/jdk17-head.hprof");

    fn fixture(rel: &str) -> Vec<u8> {
        let p = format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"));
        let b = std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        b[..b.len().min(HEAD)].to_vec()
    }

    #[test]
    fn binary_magic_first() {
        assert_eq!(name(HPROF_HEAD), "heap-dump");
        assert_eq!(name(G1_HSPERF), "hsperfdata");
        assert_eq!(name(PARALLEL_HSPERF), "hsperfdata");
        assert_eq!(name(b"java\0-Xmx512m\0-jar\0app.jar\0"), "command-line");
        // NULs without a JVM flag are binary, and so is a cmdline cut short.
        assert_eq!(name(b"sleep\0infinity\0"), "binary");
        assert_eq!(name(b"java\0-Xmx512m"), "binary");
        assert_eq!(name(b"abc\0def"), "binary");
        assert_eq!(name(&[1, 2, 3, 4, 5, 6, 7, 8, b'a']), "binary");
        assert_eq!(name(b""), "empty");
    }

    #[test]
    fn every_text_format_by_content() {
        for (rel, want) in [
            ("examples/seed-incident/describe.txt", "describe"),
            ("examples/real-kill-java/pod.json", "k8s-objects"),
            (
                "tests/fixtures/k8s/pod-k8sdocs-nginx-guaranteed.yaml",
                "k8s-objects",
            ),
            ("examples/seed-incident/classes.log", "class-log"),
            (
                "tests/fixtures/jcmd/jdk17-g1-capped64m-gc.class_histogram.txt",
                "jcmd",
            ),
            (
                "tests/fixtures/classlist/OrikaLikeLeak/1.VM.class_hierarchy.txt",
                "class-hierarchy",
            ),
            ("examples/seed-incident/prometheus.json", "metrics"),
            (
                "tests/fixtures/metrics/prom2.42-federate-memory.prom",
                "metrics",
            ),
            ("tests/fixtures/classload/OrikaLikeLeak/gc.log", "gc-log"),
            (
                "tests/fixtures/jvm/printflagsfinal/1Gi-none.txt",
                "jvm-flags",
            ),
            (
                "tests/fixtures/classload/OrikaLikeLeak/jcmd/VM.flags.txt",
                "jvm-flags",
            ),
            ("examples/real-kill-java/kern.log", "text"),
            ("examples/real-kill-java/previous.log", "text"),
        ] {
            assert_eq!(name(&fixture(rel)), want, "{rel}");
        }
        assert_eq!(
            name(b"Native Memory Tracking:\n\nTotal: reserved=1KB, committed=1KB\n"),
            "nmt"
        );
        assert_eq!(
            name(b"[Loaded java.lang.Object from shared objects file]\n"),
            "class-log"
        );
        // A class line quoted in prose is not a class log.
        assert_eq!(name(b"# notes\nthe log line `[Loaded X from Y]`\n"), "text");
    }

    #[test]
    fn histogram_series_carries_every_snapshot() {
        let rel = "tests/fixtures/heap/leak-xmx-over-limit/histograms.txt";
        let o = jcmd_output(rel, &fixture(rel));
        let Some(Parsed::Jcmd(j)) = o.parsed else {
            panic!("{o:?}")
        };
        // Four histograms and a fifth date line whose jcmd failed (the JVM
        // was killed): four snapshots, each with its date line.
        assert_eq!(j.series.len(), 4);
        assert_eq!(j.series[0].time_line, Some(1));
        assert_eq!(j.series[3].time_line, Some(106));
        assert!(j.series.iter().all(|h| h.unix_ms.is_some()));
        assert_eq!(o.note, "class-histogram output, 4 histograms");
        // The date lines between them are not rows gone wrong.
        assert!(o.warnings.is_empty(), "{:?}", o.warnings.items());
        // A single histogram is a series of one.
        let rel = "tests/fixtures/jcmd/jdk17-g1-capped64m-gc.class_histogram.txt";
        let o = jcmd_output(rel, &fixture(rel));
        let Some(Parsed::Jcmd(j)) = o.parsed else {
            panic!("{o:?}")
        };
        assert_eq!(j.series.len(), 1);
        assert_eq!(j.series[0].rows.len(), j.histogram.len());
        // One histogram as `oomlens watch` captures it: its time line (UTC,
        // to the millisecond) before jcmd's pid line.
        let mut timed = b"2026-12-07T16:07:47.123Z\n".to_vec();
        timed.extend_from_slice(&fixture(rel));
        let o = jcmd_output(rel, &timed);
        let Some(Parsed::Jcmd(j)) = o.parsed else {
            panic!("{o:?}")
        };
        assert_eq!(j.series.len(), 1);
        assert_eq!(j.series[0].unix_ms, Some(1_796_659_667_123));
        assert_eq!(j.series[0].time_line, Some(1));
        assert!(j.series[0].pid.is_some());
        assert_eq!(j.pid, j.series[0].pid);
        assert_eq!(j.histogram.len(), j.series[0].rows.len());
        // The time line is no row gone wrong (the fixture's one cut row
        // is warned of, as without it).
        let w = o.warnings.items();
        assert!(w.iter().all(|w| w.line != Some(1)), "{w:?}");
        assert_eq!(
            w.len(),
            jcmd_output(rel, &fixture(rel)).warnings.items().len()
        );
    }

    #[test]
    fn hs_err_is_not_a_flags_file() {
        let h = b"#\n# A fatal error has been detected by the Java Runtime Environment:\n#\nVM Arguments:\njvm_args: -Xmx1g\n";
        assert!(flags::sniff(h).is_some());
        assert_eq!(name(h), "text");
    }

    #[test]
    fn kernel_log_heads() {
        assert!(looks_like_kernel_log(b"[  1.0] a\n[  2.0] b\n"));
        assert!(!looks_like_kernel_log(b"INFO app started\nINFO ready\n"));
    }

    #[test]
    fn hsperfdata_facts() {
        let o = hsperfdata("g1", G1_HSPERF);
        let Some(Parsed::HsPerf(m)) = o.parsed else {
            panic!("{o:?}")
        };
        // The JVM ran with -Xmx256m (SOURCES.md); G1 pads by 24 bytes.
        assert_eq!(m.heap_max.map(|b| b >> 20), Some(256));
        assert_eq!(
            o.note,
            "a JVM's counters: heap 3 MiB used, 17 MiB committed, 256 MiB max; \
             Metaspace 396 KiB used; 739 classes loaded; 9 live threads"
        );
        let o = hsperfdata("p", PARALLEL_HSPERF);
        let Some(Parsed::HsPerf(m)) = o.parsed else {
            panic!("{o:?}")
        };
        assert_eq!(m.heap_max, Some(256 << 20), "young + old under Parallel");
        let o = hsperfdata("cut", &G1_HSPERF[..20]);
        assert!(o.parsed.is_none() && o.note.contains("too short"), "{o:?}");
    }

    #[test]
    fn heap_dump_is_named_not_read_without_a_reader() {
        let t = TimeContext::default();
        let stream = |heap| Stream {
            name: "d.hprof",
            head: HPROF_HEAD,
            reader: Box::new(HPROF_HEAD),
            len: None,
            wrap: None,
            reopen: None,
            time: &t,
            threads: 1,
            heap,
        };
        let o = heap_dump(stream(None));
        assert_eq!(o.kind, "heap-dump");
        assert_eq!(
            o.note,
            "a heap dump (JAVA PROFILE 1.0.2): not read (this command reads no dumps)"
        );
        // A plugged reader gets the whole input from its first byte.
        let reader: &HeapReader = &|r| {
            let mut all = Vec::new();
            r.read_to_end(&mut all).map_err(|e| e.to_string())?;
            Ok(HeapDumpFacts {
                bytes_read: all.len() as u64,
                stopped: Some("cut at byte 9".into()),
                ..HeapDumpFacts::default()
            })
        };
        let o = heap_dump(stream(Some(reader)));
        let Some(Parsed::HeapDump { facts: Some(f), .. }) = &o.parsed else {
            panic!("{o:?}");
        };
        assert_eq!(f.bytes_read, HPROF_HEAD.len() as u64);
        assert!(o.note.ends_with("stopped: cut at byte 9"), "{}", o.note);
        assert_eq!(o.warnings.items().len(), 1);
        let failing: &HeapReader = &|_| Err("not HPROF".into());
        let o = heap_dump(stream(Some(failing)));
        assert!(o.parsed.is_none() && o.note.ends_with("not HPROF"), "{o:?}");
    }
}
