//! `oomlens diagnose`: read every piece of evidence given, join it into one
//! Case, judge it, print the Diagnosis.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use oomlens_analysis::case::Evidence;
use oomlens_analysis::diagnosis::SourceNote;
use oomlens_evidence::jvm::{classload, gclog, jcmd, nmt};
use oomlens_evidence::sniff::{self, Sniffed};
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::{applog, input, k8s, kernel, metrics};

use super::{for_file, progress, time_context, Outcome};
use crate::{DiagnoseArgs, Format};

/// Files larger than this are not parsed as Kubernetes objects or describe
/// text (they are never that large), and only this much of a metric, jcmd or
/// NMT file is read (with a warning); logs have no limit: they stream.
const OBJECT_MAX: u64 = 256 << 20;

/// Reads a whole file of a kind parsed in memory, up to [`OBJECT_MAX`]; a
/// longer one is cut there, and the warning says so.
fn read_capped(
    open: &dyn Fn() -> io::Result<Box<dyn Read + Send>>,
    name: &str,
    ev: &mut Evidence,
) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Err(e) = open().and_then(|r| r.take(OBJECT_MAX + 1).read_to_end(&mut bytes)) {
        ev.warnings.push(name, None, format!("cannot read: {e}"));
        return None;
    }
    if bytes.len() as u64 > OBJECT_MAX {
        bytes.truncate(OBJECT_MAX as usize);
        ev.warnings.push(
            name,
            None,
            format!(
                "larger than {} MiB: only its first {} MiB were read",
                OBJECT_MAX >> 20,
                OBJECT_MAX >> 20
            ),
        );
    }
    Some(bytes)
}

pub fn run(args: DiagnoseArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let base = time_context(&args.time)?;
    let mut ev = Evidence::default();
    if args.paths.is_empty() {
        live(&base, &mut ev)?;
    } else {
        let mut class_logs = Vec::new();
        for path in input::expand(&args.paths)? {
            gather(&path, &base, &mut ev, &mut class_logs);
        }
        // Rotated files of one class log are judged as one log.
        for g in super::rotation_groups(class_logs) {
            let parts: Vec<(String, classload::ClassLog)> = g.into_iter().map(|(_, x)| x).collect();
            ev.class_reports
                .push(oomlens_analysis::classes::analyze_rotated(&parts));
        }
    }
    let d = oomlens_analysis::diagnose(ev);
    let out = match args.out.format() {
        Format::Json => oomlens_report::diagnosis::json(&d),
        Format::Text => oomlens_report::diagnosis::text(&d, style),
        Format::Markdown => oomlens_report::diagnosis::markdown(&d),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if d.oom_kill_found {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

/// Worker threads for large files.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether a file starts with the gzip magic bytes.
pub fn is_gzip(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == [0x1f, 0x8b]
}

/// With no path: this machine's kernel log.
fn live(base: &TimeContext, ev: &mut Evidence) -> Result<()> {
    let log = oomlens_live::kmsg::read()?;
    eprintln!(
        "oomlens: no path given: diagnosing this machine from its kernel log ({})",
        log.source
    );
    let mut ctx = base.clone();
    if ctx.boot.is_none() {
        if let Some(b) = oomlens_live::kmsg::boot_time() {
            ctx.boot = Some((b, "this machine's boot time (/proc/stat btime)".into()));
        }
    }
    let s = kernel::scan(log.source, &log.bytes[..], &ctx, |r| ev.kernel.push(r))?;
    ev.sources.push(SourceNote {
        source: log.source.into(),
        kind: "kernel-log".into(),
        note: format!(
            "{} OOM-killer report(s) in {} lines",
            s.reports, s.counts.lines
        ),
    });
    ev.warnings.extend(s.warnings);
    Ok(())
}

fn note(ev: &mut Evidence, source: &str, kind: &str, note: impl Into<String>) {
    ev.sources.push(SourceNote {
        source: source.to_string(),
        kind: kind.to_string(),
        note: note.into(),
    });
}

/// Reads one file into the evidence. Problems become warnings; nothing here
/// stops the rest of the evidence from being used.
fn gather(
    path: &Path,
    base: &TimeContext,
    ev: &mut Evidence,
    class_logs: &mut Vec<(PathBuf, (String, classload::ClassLog))>,
) {
    let name = path.display().to_string();
    let stdin = path.as_os_str() == "-";
    // stdin cannot be read twice: keep it (it is a pasted log, not a node's
    // whole history).
    let stdin_bytes = if stdin {
        let mut b = Vec::new();
        if let Err(e) = io::stdin().lock().read_to_end(&mut b) {
            ev.warnings.push(&name, None, format!("cannot read: {e}"));
            return;
        }
        Some(b)
    } else {
        None
    };
    let open = || -> io::Result<Box<dyn Read + Send>> {
        match &stdin_bytes {
            Some(b) => Ok(Box::new(io::Cursor::new(b.clone()))),
            None => input::open(path),
        }
    };
    let mut head = Vec::with_capacity(sniff::HEAD);
    match open().and_then(|r| r.take(sniff::HEAD as u64).read_to_end(&mut head)) {
        Ok(_) => {}
        Err(e) => {
            ev.warnings.push(&name, None, format!("cannot read: {e}"));
            note(ev, &name, "skipped", format!("cannot read: {e}"));
            return;
        }
    }
    let len = std::fs::metadata(path).ok().map(|m| m.len());
    match sniff::sniff(&head) {
        Sniffed::Empty => note(ev, &name, "skipped", "empty"),
        Sniffed::Binary => note(ev, &name, "skipped", "binary, not evidence oomlens reads"),
        Sniffed::ClassLog => {
            let scanned = match &stdin_bytes {
                Some(b) => classload::scan(&name, &b[..]),
                None if is_gzip(path) => input::open(path).and_then(|r| classload::scan(&name, r)),
                None => classload::scan_file(&name, path, threads()),
            };
            match scanned {
                Ok((log, w)) => {
                    ev.warnings.extend(w);
                    note(
                        ev,
                        &name,
                        "class-log",
                        format!("{} classes loaded, {} unloaded", log.loaded, log.unloaded),
                    );
                    class_logs.push((path.to_path_buf(), (name, log)));
                }
                Err(e) => ev.warnings.push(&name, None, format!("read error: {e}")),
            }
        }
        kind @ (Sniffed::Describe | Sniffed::Objects) => {
            if len.is_some_and(|l| l > OBJECT_MAX) {
                ev.warnings.push(
                    &name,
                    None,
                    "larger than 256 MiB: not read as a Kubernetes object",
                );
                note(ev, &name, "skipped", "too large for a Kubernetes object");
                return;
            }
            let mut bytes = Vec::new();
            if let Err(e) = open().and_then(|mut r| r.read_to_end(&mut bytes)) {
                ev.warnings.push(&name, None, format!("cannot read: {e}"));
                return;
            }
            let (objs, w, what) = if kind == Sniffed::Describe {
                let (o, w) = k8s::parse_describe_objects(&name, &bytes);
                (o, w, "describe")
            } else {
                let (o, w) = k8s::parse_objects(&name, &bytes);
                (o, w, "k8s-objects")
            };
            note(
                ev,
                &name,
                what,
                format!("{} pod(s), {} event(s)", objs.pods.len(), objs.events.len()),
            );
            ev.pods.extend(objs.pods);
            ev.events
                .extend(objs.events.into_iter().map(|e| (name.clone(), e)));
            ev.warnings.extend(w);
        }
        Sniffed::Text if jcmd::sniff(&head).is_some() => {
            let Some(bytes) = read_capped(&open, &name, ev) else {
                return;
            };
            let (out, w) = jcmd::parse(&name, &bytes);
            ev.warnings.extend(w);
            match out {
                Some(o) => {
                    let kind = serde_json::to_value(o.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    note(ev, &name, "jcmd", format!("{kind} output"));
                    ev.jcmd.push((name, o));
                }
                None => note(
                    ev,
                    &name,
                    "skipped",
                    "looked like jcmd output but did not parse",
                ),
            }
        }
        Sniffed::Text if metrics::sniff(&head).is_some() => {
            let Some(bytes) = read_capped(&open, &name, ev) else {
                return;
            };
            let (series, w) = metrics::parse(&name, &bytes);
            ev.warnings.extend(w);
            note(ev, &name, "metrics", format!("{} series", series.len()));
            if !series.is_empty() {
                ev.metrics.push((name, series));
            }
        }
        Sniffed::Text if nmt::looks_like_nmt(&head) => {
            let Some(bytes) = read_capped(&open, &name, ev) else {
                return;
            };
            let (snaps, w) = nmt::parse(&name, &bytes);
            ev.warnings.extend(w);
            note(
                ev,
                &name,
                "nmt",
                format!("{} Native Memory Tracking snapshot(s)", snaps.len()),
            );
            if !snaps.is_empty() {
                ev.nmt.push((name, snaps));
            }
        }
        Sniffed::Text if gclog::looks_like_gclog(&head) => {
            match open().and_then(|r| gclog::scan(&name, r)) {
                Ok((g, w)) => {
                    ev.warnings.extend(w);
                    note(
                        ev,
                        &name,
                        "gc-log",
                        format!(
                            "{} Metaspace samples, {} Metadata GC threshold collections",
                            g.samples.len(),
                            g.metadata_threshold_gcs
                        ),
                    );
                    ev.gc_logs.push((name, g));
                }
                Err(e) => ev.warnings.push(&name, None, format!("read error: {e}")),
            }
        }
        Sniffed::Text => text(path, &name, &head, len, base, open, ev),
    }
}

/// A text file: a kernel log, a container log, both, or neither. Both
/// scanners stream it.
fn text(
    path: &Path,
    name: &str,
    head: &[u8],
    len: Option<u64>,
    base: &TimeContext,
    open: impl Fn() -> io::Result<Box<dyn Read + Send>>,
    ev: &mut Evidence,
) {
    let ctx = for_file(base, path);
    let mut reports = Vec::new();
    let k = open()
        .map(|r| progress(r, len, name))
        .and_then(|r| kernel::scan(name, r, &ctx, |x| reports.push(x)));
    let k = match k {
        Ok(k) => k,
        Err(e) => {
            ev.warnings.push(name, None, format!("read error: {e}"));
            note(ev, name, "skipped", format!("read error: {e}"));
            return;
        }
    };
    ev.warnings.extend(k.warnings);
    let kernelish = !reports.is_empty() || sniff::looks_like_kernel_log(head);
    if kernelish {
        note(
            ev,
            name,
            "kernel-log",
            format!(
                "{} OOM-killer report(s) in {} lines",
                reports.len(),
                k.counts.lines
            ),
        );
        ev.kernel.extend(reports);
        return;
    }
    let a = open().and_then(|r| applog::scan(name, r));
    match a {
        Ok((log, w)) => {
            ev.warnings.extend(w);
            let file = PathBuf::from(name);
            let base_name = file
                .file_name()
                .map(|f| f.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let named_log = base_name.contains("log")
                || base_name.contains("stdout")
                || base_name.contains("stderr");
            // A file counts as the container's log when it says something about
            // memory or is named like a log; class names alone (a histogram,
            // a flags dump) do not make a log.
            let crash = log
                .hs_err
                .as_ref()
                .is_some_and(|h| h.reason.is_some() || h.jre_version.is_some());
            if !log.signals.is_empty() || crash || named_log {
                let what = if crash { "hs-err" } else { "app-log" };
                note(
                    ev,
                    name,
                    what,
                    format!(
                        "{} out-of-memory signal(s) in {} lines{}",
                        log.signal_count,
                        log.lines,
                        if log.jvm_seen { ", a JVM" } else { "" }
                    ),
                );
                ev.logs.push((name.to_string(), log));
            } else {
                note(ev, name, "skipped", "text with no evidence oomlens reads");
            }
        }
        Err(e) => ev.warnings.push(name, None, format!("read error: {e}")),
    }
}
