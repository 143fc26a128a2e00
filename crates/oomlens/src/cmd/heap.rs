//! `oomlens heap`: what a heap dump holds (the histogram of exact shallow
//! sizes, the class loaders and generated-class families, direct buffers,
//! threads, duplicated strings), read in one pass by `oomlens-heap` (the
//! same pass also gathers the object graph with `--retained`), and
//! with two dumps of one JVM what grew between them; the families'
//! libraries named from the analysis' knowledge base.

use std::io::{self, Write};

use anyhow::{Context, Result};
use oomlens_heap::retained::RetainedReport;
use oomlens_heap::Summary;
use oomlens_report::heap::Shown;

use super::Outcome;
use crate::{Format, HeapArgs};

/// Names the library behind each family from the knowledge base.
fn name_libraries(s: &mut Summary) {
    for f in &mut s.class_loaders.families {
        f.library =
            oomlens_analysis::classes::generator_of(&f.example).map(|g| g.library.to_string());
    }
}

pub fn run(args: HeapArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let format = super::accept(
        args.out.format(),
        "heap",
        &[Format::Text, Format::Json, Format::Markdown, Format::Html],
    )?;
    anyhow::ensure!(
        args.dumps.len() <= 2,
        "give one heap dump, or two of one JVM to compare"
    );
    let mut whole = Vec::new();
    for path in &args.dumps {
        // With retained sizes, one read of the dump serves both sections.
        let (mut s, retained) = if args.retained {
            let (mut s, r, loaders) = oomlens_heap::retained::summarize_retained(path, args.top)
                .with_context(|| format!("{}: retained sizes", path.display()))?;
            let by_id: std::collections::HashMap<u64, u64> = loaders.into_iter().collect();
            for l in &mut s.class_loaders.loaders {
                l.retained = by_id.get(&l.loader).copied();
            }
            (s, Some(r))
        } else {
            let s = oomlens_heap::summarize(path).with_context(|| path.display().to_string())?;
            (s, None)
        };
        name_libraries(&mut s);
        whole.push((path.display().to_string(), s, retained));
    }
    // The diff reads the whole histograms, before `--top` cuts them.
    let diff = match whole.as_slice() {
        [(_, a, _), (_, b, _)] => Some(oomlens_heap::diff::diff(a, b)),
        _ => None,
    };
    type Cut = (String, Summary, usize, Option<RetainedReport>);
    let summaries: Vec<Cut> = whole
        .into_iter()
        .map(|(source, mut s, retained)| {
            let more = s.histogram.len().saturating_sub(args.top);
            s.truncate(args.top);
            (source, s, more, retained)
        })
        .collect();
    let shown: Vec<Shown<'_>> = summaries
        .iter()
        .map(|(source, summary, more, retained)| Shown {
            source,
            summary,
            histogram_more: *more,
            retained: retained.as_ref(),
        })
        .collect();
    let out = match format {
        Format::Json => oomlens_report::heap::json(&shown, diff.as_ref()),
        Format::Markdown => oomlens_report::heap::markdown(&shown, diff.as_ref(), args.top),
        Format::Html => oomlens_report::heap::html(&shown, diff.as_ref(), args.top),
        Format::Text => oomlens_report::heap::text(&shown, diff.as_ref(), args.top, style),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    let partial: Vec<String> = summaries
        .iter()
        .filter_map(|(source, s, _, _)| {
            s.read.stop.as_ref().map(|stop| format!("{source}: {stop}"))
        })
        .collect();
    if partial.is_empty() {
        return Ok(Outcome::Found);
    }
    if format != Format::Json {
        for p in &partial {
            eprintln!("warning: {p}");
        }
    }
    Ok(Outcome::NotFound)
}
