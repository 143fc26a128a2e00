//! `oomlens kernel`: OOM-killer reports in kernel logs.

use std::io::{self, BufWriter, Write};

use anyhow::Result;
use oomlens_evidence::kernel::{self, OomReport};
use oomlens_evidence::load::{expand, time_for, Entry, Input};
use oomlens_evidence::Warnings;
use oomlens_report::kernel::{JsonStream, SourceSummary};

use super::{progress, time_context, Outcome};
use crate::{Format, KernelArgs};

pub fn run(args: KernelArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let base = time_context(&args.time)?;
    let format = super::text_or_json(args.out.format())?;
    let stdout = io::stdout().lock();
    let mut json = match format {
        Format::Json => Some(JsonStream::start(BufWriter::with_capacity(
            1 << 16,
            stdout,
        ))?),
        Format::Text => None,
        Format::Markdown => unreachable!("refused above"),
    };
    let mut kept: Vec<OomReport> = Vec::new();
    let mut warnings = Warnings::new();
    let mut sources = Vec::new();
    let mut total = 0u64;
    let mut write_err: Option<io::Error> = None;
    let mut unreadable = super::Unreadable::default();

    let mut sink = |r: OomReport| match json.as_mut() {
        Some(j) => {
            if write_err.is_none() {
                if let Err(e) = j.report(&r) {
                    write_err = Some(e);
                }
            }
        }
        None => kept.push(r),
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
            let ctx = time_for(&base, &path);
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

    let warnings = warnings.into_vec();
    if let Some(e) = write_err {
        return Err(e.into());
    }
    match json {
        Some(j) => {
            j.finish(&warnings, &sources)?;
        }
        None => {
            let mut out = io::stdout().lock();
            if kept.is_empty() {
                let lines: u64 = sources.iter().map(|s| s.lines).sum();
                writeln!(
                    out,
                    "no OOM-killer report in {} lines of {} source(s)",
                    lines,
                    sources.len()
                )?;
            } else {
                out.write_all(oomlens_report::kernel::table(&kept, style).as_bytes())?;
                let memcg = kept
                    .iter()
                    .filter(|r| r.kind == kernel::Kind::Memcg)
                    .count();
                writeln!(
                    out,
                    "{} OOM kill(s): {} at a cgroup limit, {} node-wide",
                    kept.len(),
                    memcg,
                    kept.len() - memcg
                )?;
            }
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
