//! `oomlens heap`: what a heap dump holds (the histogram of exact shallow
//! sizes, the class loaders and generated-class families, direct buffers,
//! threads, duplicated strings), read in one pass by `oomlens-heap` (the
//! same pass also gathers the object graph with `--retained`), and
//! with two dumps of one JVM what grew between them; the families'
//! libraries named from the analysis' knowledge base.

use std::io::{self, Write};

use std::path::{Path, PathBuf};

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

/// The summary and retained sizes (`--retained`) of the dump at `path`,
/// in one read, the loaders' retained sizes set on the summary;
/// `Err(why)` beside the summary when the dump holds more objects than
/// the graph takes (`max_objects`, the graph's `MAX_OBJECTS` outside
/// tests): the rest of the report stands.
fn retained(
    path: &Path,
    top: usize,
    max_objects: u64,
) -> Result<(Summary, Result<RetainedReport, String>)> {
    let (mut s, r) = oomlens_heap::retained::summarize_retained_within(path, top, max_objects)
        .with_context(|| format!("{}: retained sizes", path.display()))?;
    let r = match r {
        Ok((r, loaders)) => {
            let by_id: std::collections::HashMap<u64, u64> = loaders.into_iter().collect();
            for l in &mut s.class_loaders.loaders {
                l.retained = by_id.get(&l.loader).copied();
            }
            Ok(r)
        }
        Err(e) => Err(e.to_string()),
    };
    Ok((s, r))
}

/// One dump read: its path as shown, its summary, and with `--retained`
/// its retained sizes or why they were not computed.
type Read = (String, Summary, Option<Result<RetainedReport, String>>);

/// `f` of each item, each on a thread of its own (the first on this one),
/// the answers in the items' order; a panic of any is raised here.
fn at_once<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let Some((first, rest)) = items.split_first() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = rest.iter().map(|t| scope.spawn(|| f(t))).collect();
        let mut out = vec![f(first)];
        for h in others {
            match h.join() {
                Ok(r) => out.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
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
    let read = |path: &PathBuf| -> Result<Read> {
        let (mut s, retained) = if args.retained {
            // One read of the dump serves both sections.
            let (s, r) = retained(path, args.top, oomlens_heap::graph::MAX_OBJECTS)?;
            (s, Some(r))
        } else {
            let s = oomlens_heap::summarize(path).with_context(|| path.display().to_string())?;
            (s, None)
        };
        name_libraries(&mut s);
        Ok((path.display().to_string(), s, retained))
    };
    // Two summaries are read at once; two retained reads, each holding
    // its dump's object graph, one after the other.
    let whole: Vec<Read> = if args.retained {
        args.dumps.iter().map(read).collect::<Result<_>>()?
    } else {
        at_once(&args.dumps, read)
            .into_iter()
            .collect::<Result<_>>()?
    };
    // The diff reads the whole histograms, before `--top` cuts them.
    let diff = match whole.as_slice() {
        [(_, a, _), (_, b, _)] => Some(oomlens_heap::diff::diff(a, b)),
        _ => None,
    };
    type Cut = (
        String,
        Summary,
        usize,
        Option<Result<RetainedReport, String>>,
    );
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
            retained: retained.as_ref().and_then(|r| r.as_ref().ok()),
            retained_not_computed: retained
                .as_ref()
                .and_then(|r| r.as_ref().err())
                .map(String::as_str),
        })
        .collect();
    let out = match format {
        Format::Json => oomlens_report::heap::json(&shown, diff.as_ref()),
        Format::Markdown => oomlens_report::heap::markdown(&shown, diff.as_ref(), args.top),
        Format::Html => oomlens_report::heap::html(&shown, diff.as_ref(), args.top),
        Format::Text => oomlens_report::heap::text(&shown, diff.as_ref(), args.top, style),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    if format != Format::Json {
        for (source, _, _, r) in &summaries {
            if let Some(Err(why)) = r {
                eprintln!("warning: {source}: {why}");
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// hprof-slurp's NetBeans dump (8,262 objects, class objects included)
    /// under a graph limit of 1,000: the histogram and every section come
    /// out whole, and the report says retained sizes were not computed.
    #[test]
    fn a_dump_past_the_graph_limit_still_reports_all_but_retained_sizes() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/hprof/netbeans-hprof-64.hprof.gz");
        let (mut s, r) = retained(&path, 5, 1_000).unwrap();
        let why = match r {
            Err(why) => why,
            Ok(_) => panic!("retained sizes of a dump past the limit"),
        };
        assert!(why.contains("retained sizes are not computed"), "{why}");
        let (whole, r) = retained(&path, 5, u64::MAX).unwrap();
        assert!(r.is_ok());
        // The graph's refusal costs the summary nothing.
        assert_eq!(whole.totals.objects, s.totals.objects);

        s.truncate(5);
        let shown = [Shown {
            source: "netbeans.hprof.gz",
            summary: &s,
            histogram_more: 0,
            retained: None,
            retained_not_computed: Some(&why),
        }];
        let text = oomlens_report::heap::text(&shown, None, 5, oomlens_report::Style::Plain);
        assert!(
            text.contains("RETAINED SIZES NOT COMPUTED: the dump holds more than"),
            "{text}"
        );
        assert!(text.contains("Histogram: 8262 objects"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&oomlens_report::heap::json(&shown, None)).unwrap();
        let d = &json["dumps"][0];
        assert_eq!(d["retained_not_computed"].as_str(), Some(why.as_str()));
        assert!(d["retained"].is_null());
        assert_eq!(d["totals"]["objects"], 8262);
    }
}
