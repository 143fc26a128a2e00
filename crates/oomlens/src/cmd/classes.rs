//! `oomlens classes`: class families of class-loading logs, and whether one
//! of them leaks.

use std::io::{self, Write};

use anyhow::Result;
use oomlens_evidence::load::load;
use oomlens_evidence::registry::{self, Parsed};
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::Warnings;

use super::{load_options, Outcome};
use crate::{ClassesArgs, Format};

pub fn run(args: ClassesArgs, style: oomlens_report::Style) -> Result<Outcome> {
    super::accept(args.out.format(), "classes", super::TEXT_OR_JSON)?;
    let mut warnings = Warnings::new();
    let mut reports = Vec::new();
    let time = TimeContext::default();
    // Every input is read as a class log (class lines mixed into any output
    // count); rotated files of one log (`classes.log.0`, `.1`, `.gz`) are one.
    let only = registry::by_name("class-log");
    let mut unreadable = super::Unreadable::default();
    for l in load(&args.files, &load_options(&time, only)) {
        unreadable.note(&l);
        warnings.extend(l.warnings);
        match l.parsed {
            Some(Parsed::ClassLogs(parts)) => {
                reports.push(oomlens_analysis::classes::analyze_rotated(&parts))
            }
            Some(Parsed::ClassLog(log)) => reports.push(
                oomlens_analysis::classes::analyze_rotated(&[(l.source, log)]),
            ),
            _ => {}
        }
    }
    let warnings = warnings.into_vec();
    let out = match args.out.format() {
        Format::Json => oomlens_report::classes::json(&reports, &warnings),
        Format::Text => oomlens_report::classes::text(&reports, args.top, style),
        Format::Markdown | Format::Html => unreachable!("refused above"),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    if args.out.format() != Format::Json {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    unreadable.check(if reports.iter().any(|r| r.verdict.leak) {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}
