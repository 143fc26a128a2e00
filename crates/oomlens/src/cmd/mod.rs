//! One module per command.

pub mod budget;
pub mod classes;
pub mod diagnose;
pub mod kernel;
pub mod sample;
pub mod scan;

use std::path::Path;

use anyhow::{Context, Result};
use oomlens_evidence::time::{parse_instant, parse_tz, TimeContext};

use crate::TimeArgs;

/// Markdown is a format of `diagnose` only: the other commands refuse it
/// before doing any work.
pub fn text_or_json(f: crate::Format) -> Result<crate::Format> {
    anyhow::ensure!(
        f != crate::Format::Markdown,
        "--format markdown is for `oomlens diagnose`"
    );
    Ok(f)
}

/// What a command found, for the exit status.
pub enum Outcome {
    Found,
    NotFound,
}

/// The time context the user's flags describe.
pub fn time_context(args: &TimeArgs) -> Result<TimeContext> {
    let mut ctx = TimeContext {
        year: args.year,
        ..TimeContext::default()
    };
    if let Some(tz) = &args.tz {
        ctx.tz = Some(parse_tz(tz).map_err(anyhow::Error::msg).context("--tz")?);
    }
    if let Some(b) = &args.boot_time {
        ctx.boot = Some((
            parse_instant(b)
                .map_err(anyhow::Error::msg)
                .context("--boot-time")?,
            "--boot-time".into(),
        ));
    }
    Ok(ctx)
}

/// The context for one file: syslog's missing year is guessed from the
/// file's modification time (or today, for stdin).
pub fn for_file(base: &TimeContext, path: &Path) -> TimeContext {
    let mut ctx = base.clone();
    if ctx.year.is_some() {
        return ctx;
    }
    let (ts, how) = match std::fs::metadata(path).and_then(|m| m.modified()) {
        Ok(t) if path.as_os_str() != "-" => (
            jiff::Timestamp::try_from(t).ok(),
            "the file's modification time",
        ),
        _ => (Some(jiff::Timestamp::now()), "today's date"),
    };
    if let Some(ts) = ts {
        let tz = ctx
            .tz
            .as_ref()
            .map(|(tz, _)| tz.clone())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        ctx.reference = Some((ts.to_zoned(tz).date(), how.to_string()));
    }
    ctx
}

/// Wraps a reader in a progress bar on stderr when the input is large and
/// stderr is a terminal.
pub fn progress<R: std::io::Read + Send + 'static>(
    reader: R,
    len: Option<u64>,
    what: &str,
) -> Box<dyn std::io::Read + Send> {
    use std::io::IsTerminal;
    match len {
        Some(n) if n > 64 << 20 && std::io::stderr().is_terminal() => {
            let bar = indicatif::ProgressBar::new(n).with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(what.to_string());
            Box::new(bar.wrap_read(reader))
        }
        _ => Box::new(reader),
    }
}

/// The rotation base of a log file: `classes.log.3.gz` -> `classes.log`.
pub fn rotation_base(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Only a numbered file is a rotation (`x.log.1`, `x.log.1.gz`); a bare
    // `x.log.gz` next to `x.log` is a copy, not an older part.
    let unzipped = name.strip_suffix(".gz").unwrap_or(&name);
    match unzipped.rsplit_once('.') {
        Some((stem, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            path.with_file_name(stem)
        }
        _ => path.to_path_buf(),
    }
}

/// Groups files of one rotated log (same folder and rotation base), each
/// group oldest first by modification time (then by name, the newest name
/// being the bare one).
pub fn rotation_groups<T>(
    items: Vec<(std::path::PathBuf, T)>,
) -> Vec<Vec<(std::path::PathBuf, T)>> {
    let mut groups: Vec<(std::path::PathBuf, Vec<(std::path::PathBuf, T)>)> = Vec::new();
    for (p, t) in items {
        let base = rotation_base(&p);
        match groups.iter_mut().find(|(b, _)| *b == base) {
            Some(g) => g.1.push((p, t)),
            None => groups.push((base, vec![(p, t)])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut g)| {
            g.sort_by_key(|(p, _)| {
                let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
                (
                    mtime,
                    std::cmp::Reverse(p.file_name().map(|n| n.len()).unwrap_or(0)),
                )
            });
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_bases() {
        assert_eq!(
            rotation_base(Path::new("/x/classes.log.3.gz")),
            Path::new("/x/classes.log")
        );
        assert_eq!(
            rotation_base(Path::new("/x/classes.log.0")),
            Path::new("/x/classes.log")
        );
        assert_eq!(
            rotation_base(Path::new("/x/classes.log")),
            Path::new("/x/classes.log")
        );
        assert_eq!(
            rotation_base(Path::new("gc.log.gz")),
            Path::new("gc.log.gz")
        );
        assert_eq!(rotation_base(Path::new("gc.log.2.gz")), Path::new("gc.log"));
        assert_eq!(rotation_base(Path::new("v1.2.txt")), Path::new("v1.2.txt"));
    }
}
