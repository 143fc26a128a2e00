//! `oomlens classes`: class families of class-loading logs, and whether one
//! of them leaks.

use std::io::{self, Write};

use anyhow::Result;
use oomlens_evidence::jvm::classload;
use oomlens_evidence::{input, Warnings};

use super::diagnose::{is_gzip, threads};
use super::Outcome;
use crate::{ClassesArgs, Format};

pub fn run(args: ClassesArgs, style: oomlens_report::Style) -> Result<Outcome> {
    super::text_or_json(args.out.format())?;
    let mut logs = Vec::new();
    let mut warnings = Warnings::new();
    for path in input::expand(&args.files)? {
        let name = path.display().to_string();
        let scanned = if path.as_os_str() == "-" || is_gzip(&path) {
            input::open(&path).and_then(|r| classload::scan(&name, r))
        } else {
            classload::scan_file(&name, &path, threads())
        };
        match scanned {
            Ok((log, w)) => {
                warnings.extend(w);
                if log.loaded + log.unloaded == 0 {
                    warnings.push(&name, None, "no class-loading line: not a class log (-Xlog:class+load or -verbose:class)");
                    continue;
                }
                logs.push((path.clone(), (name, log)));
            }
            Err(e) => warnings.push(&name, None, format!("cannot read: {e}")),
        }
    }
    // Rotated files of one log (`classes.log.0`, `.1`, `.gz`) are one log.
    let reports: Vec<_> = super::rotation_groups(logs)
        .into_iter()
        .map(|g| {
            let parts: Vec<(String, classload::ClassLog)> = g.into_iter().map(|(_, x)| x).collect();
            oomlens_analysis::classes::analyze_rotated(&parts)
        })
        .collect();
    if reports.is_empty()
        && !warnings.is_empty()
        && args
            .files
            .iter()
            .all(|f| !f.exists() && f.as_os_str() != "-")
    {
        anyhow::bail!("no input could be read");
    }
    let warnings = warnings.into_vec();
    let out = match args.out.format() {
        Format::Json => oomlens_report::classes::json(&reports, &warnings),
        Format::Text => oomlens_report::classes::text(&reports, args.top, style),
        Format::Markdown => unreachable!("refused above"),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    if args.out.format() != Format::Json {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(if reports.iter().any(|r| r.verdict.leak) {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}
