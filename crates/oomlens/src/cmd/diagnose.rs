//! `oomlens diagnose`: read every piece of evidence given, join it into one
//! Case, judge it, print the Diagnosis. With no path: this node, now
//! ([`super::node`]).

use std::io::{self, Write};

use anyhow::Result;
use oomlens_analysis::case::Evidence;
use oomlens_evidence::load::load;

use super::{load_options, node, time_context, Outcome};
use crate::{DiagnoseArgs, Format};

/// Reads every path into `ev`, noting those that could not be read.
pub fn add(
    paths: &[std::path::PathBuf],
    time: &oomlens_evidence::time::TimeContext,
    ev: &mut Evidence,
    unreadable: &mut super::Unreadable,
) {
    let mut opts = load_options(time, None);
    // Heap dumps are evidence here: one summary pass each.
    opts.heap = Some(&oomlens_heap::facts::read);
    for loaded in load(paths, &opts) {
        unreadable.note(&loaded);
        ev.add(loaded);
    }
}

pub fn run(args: DiagnoseArgs, style: oomlens_report::Style) -> Result<Outcome> {
    let base = time_context(&args.time)?;
    let mut ev = Evidence::default();
    let mut unreadable = super::Unreadable::default();
    let mut before = String::new();
    let format = args.out.format();
    if args.paths.is_empty() {
        let (mut view, opts) = node::read(&args.node)?;
        eprintln!(
            "oomlens: no path given: diagnosing this node now ({} container cgroup(s) under {}, pod logs in {}, {} file(s) read)",
            view.containers.len(),
            opts.paths.cgroup_root.display(),
            opts.paths.pod_logs.display(),
            view.files.len()
        );
        let prefix = match &args.node.save {
            Some(dir) => {
                let (b, prefix) = node::open_bundle(dir)?;
                node::save(b, &view, &opts)?;
                eprintln!(
                    "oomlens: what was read on this node is in {} ({} files); `oomlens diagnose {}` reads it",
                    dir.display(),
                    view.files.len() + 1,
                    dir.display()
                );
                prefix
            }
            None => String::new(),
        };
        node::evidence(&mut view, &opts, &prefix, &base, &mut ev);
        if format == Format::Text {
            before = node::summary(&view, &opts, args.node.near, style);
        }
    } else {
        anyhow::ensure!(
            args.node.save.is_none() && args.node.cgroup_root.is_none(),
            "--save and --cgroup-root read this node: give no path with them"
        );
        add(&args.paths, &base, &mut ev, &mut unreadable);
    }
    let case = oomlens_analysis::Case::build(ev);
    let d = oomlens_analysis::detect::run(&case);
    // The Case is freed before a report made whole in memory (text,
    // Markdown, HTML) is written: a report of thousands of containers
    // reuses its memory (structured documents stay within twice their
    // size). JSON is written as it is serialised and needs no room, and
    // the process ends after it: freeing every report of a log of 200k
    // kills one by one took a tenth of the run.
    if format == Format::Json {
        std::mem::forget(case);
    } else {
        drop(case);
    }
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    stdout.write_all(before.as_bytes())?;
    match format {
        Format::Json => oomlens_report::diagnosis::write_json(&d, &mut stdout)?,
        Format::Text => stdout.write_all(oomlens_report::diagnosis::text(&d, style).as_bytes())?,
        Format::Markdown => stdout.write_all(oomlens_report::diagnosis::markdown(&d).as_bytes())?,
        Format::Html => stdout.write_all(oomlens_report::html::diagnosis(&d).as_bytes())?,
    }
    stdout.flush()?;
    let found = d.oom_kill_found;
    // The process ends here: freeing every kill and citation of the
    // Diagnosis one by one would give nothing back.
    std::mem::forget(d);
    unreadable.check(if found {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}
