//! `oomlens kernel`: OOM-killer reports in kernel logs.

use std::io::{self, BufWriter, Write};

use anyhow::Result;
use oomlens_evidence::kernel::{self, Dedupe, OomReport};
use oomlens_evidence::load::{expand, time_for, Entry, Input};
use oomlens_evidence::Warnings;
use oomlens_report::kernel::{JsonStream, SourceSummary, TableStream};

use super::{progress, time_context, Outcome};
use crate::{Format, KernelArgs};

pub fn run(args: KernelArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let base = time_context(&args.time)?;
    let format = super::accept(args.out.format(), "kernel", super::TEXT_OR_JSON)?;
    let stdout = io::stdout().lock();
    let out = BufWriter::with_capacity(1 << 16, stdout);
    let mut sink_out = match format {
        Format::Json => Out::Json(JsonStream::start(out)?),
        Format::Text => Out::Table(None, out),
        Format::Markdown | Format::Html => unreachable!("refused above"),
    };
    let mut dedupe = Dedupe::default();
    let mut kept = 0usize;
    let mut memcg = 0usize;
    let mut dupes = Warnings::new();
    let mut warnings = Warnings::new();
    let mut sources = Vec::new();
    let mut total = 0u64;
    let mut write_err: Option<io::Error> = None;
    let mut unreadable = super::Unreadable::default();

    // Each kill once (rotated copies of one log repeat it), written as it
    // comes: JSON or table rows, in bounded memory.
    let mut sink = |r: OomReport| {
        if let Some(seen) = dedupe.check(&r, kept) {
            dupes.push(&r.lines.source, Some(r.lines.first), seen.warning());
            return;
        }
        kept += 1;
        memcg += usize::from(r.kind == kernel::Kind::Memcg);
        if write_err.is_none() {
            if let Err(e) = sink_out.report(&r, style) {
                write_err = Some(e);
            }
        }
    };

    if args.files.is_empty() {
        let log = oomlens_live::kmsg::read()?;
        eprintln!(
            "oomlens: no file given: reading this machine's kernel log from {}",
            log.source
        );
        let mut ctx = base.clone();
        if ctx.boot.is_none() {
            if let Some(b) = oomlens_live::kmsg::boot_time() {
                ctx.boot = Some((b, "this machine's boot time (/proc/stat btime)".into()));
            }
        }
        let s = kernel::scan(log.source, &log.bytes[..], &ctx, &mut sink)?;
        total += s.reports;
        sources.push(SourceSummary {
            source: log.source.into(),
            bytes: s.counts.bytes,
            lines: s.counts.lines,
            reports: s.reports,
        });
        warnings.extend(s.warnings);
    } else {
        for entry in expand(&args.files) {
            let path = match entry {
                Entry::File(p) => p,
                Entry::Problem(p, message) => {
                    if args.files.contains(&p) {
                        unreadable.push(p.display().to_string(), message.clone());
                    }
                    warnings.push(&p.display().to_string(), None, message);
                    continue;
                }
            };
            let name = path.display().to_string();
            let mut input = match Input::open(&path) {
                Ok(i) => i,
                Err(e) => {
                    if args.files.contains(&path) {
                        unreadable.push(name.clone(), format!("cannot read: {e}"));
                    }
                    warnings.push(&name, None, format!("cannot read: {e}"));
                    continue;
                }
            };
            let reader = progress(input.reader(), input.len, &name);
            let ctx = time_for(&base, input.modified);
            match kernel::scan(&name, reader, &ctx, &mut sink) {
                Ok(s) => {
                    total += s.reports;
                    sources.push(SourceSummary {
                        source: name.clone(),
                        bytes: s.counts.bytes,
                        lines: s.counts.lines,
                        reports: s.reports,
                    });
                    warnings.extend(s.warnings);
                }
                Err(e) => warnings.push(&name, None, format!("read error: {e}")),
            }
            if let Some(why) = input.stopped() {
                warnings.push(&name, None, why);
            }
        }
    }

    warnings.extend(dupes);
    let warnings = warnings.into_vec();
    if let Some(e) = write_err {
        return Err(e.into());
    }
    match sink_out {
        Out::Json(j) => {
            j.finish(&warnings, &sources)?;
        }
        Out::Table(table, out) => {
            let mut out = match table {
                Some(t) => t.finish()?,
                None => out,
            };
            if kept == 0 {
                let lines: u64 = sources.iter().map(|s| s.lines).sum();
                writeln!(
                    out,
                    "no OOM-killer report in {} lines of {} source(s)",
                    lines,
                    sources.len()
                )?;
            } else {
                writeln!(
                    out,
                    "{} OOM kill(s): {} at a cgroup limit, {} node-wide",
                    kept,
                    memcg,
                    kept - memcg
                )?;
            }
            out.flush()?;
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
    }
    unreadable.check(if total > 0 {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

type Stdout = BufWriter<io::StdoutLock<'static>>;

/// Where kills go as they come: the JSON document, or the table (started
/// at the first kill, so no kill prints no header).
enum Out {
    Json(JsonStream<Stdout>),
    Table(Option<TableStream<Stdout>>, Stdout),
}

impl Out {
    fn report(&mut self, r: &OomReport, style: oomlens_report::Style) -> io::Result<()> {
        match self {
            Out::Json(j) => j.report(r),
            Out::Table(t, out) => {
                if t.is_none() {
                    // The header goes through the same writer; the plain
                    // one is kept for the end.
                    let w = std::mem::replace(out, BufWriter::new(io::stdout().lock()));
                    *t = Some(TableStream::start(w, style)?);
                }
                match t {
                    Some(t) => t.report(r),
                    None => Ok(()),
                }
            }
        }
    }
}
