//! `oomlens diagnose`: read every piece of evidence given, join it into one
//! Case, judge it, print the Diagnosis.

use std::io::{self, Write};

use anyhow::Result;
use oomlens_analysis::case::Evidence;
use oomlens_analysis::diagnosis::SourceNote;
use oomlens_evidence::kernel;
use oomlens_evidence::load::load;
use oomlens_evidence::time::TimeContext;

use super::{load_options, time_context, Outcome};
use crate::{DiagnoseArgs, Format};

pub fn run(args: DiagnoseArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let base = time_context(&args.time)?;
    let mut ev = Evidence::default();
    if args.paths.is_empty() {
        live(&base, &mut ev)?;
    } else {
        for loaded in load(&args.paths, &load_options(&base, None)) {
            ev.add(loaded);
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
