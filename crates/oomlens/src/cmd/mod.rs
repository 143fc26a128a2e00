//! One module per command.

pub mod budget;
pub mod classes;
pub mod collect;
pub mod diagnose;
pub mod heap;
pub mod jcmd;
pub mod kernel;
pub mod kubectl;
pub mod man;
pub mod node;
pub mod sample;
pub mod scan;
pub mod watch;

use anyhow::{Context, Result};
use oomlens_evidence::time::{parse_instant, parse_tz, TimeContext};

use crate::TimeArgs;

/// `f` when `command` writes it (one of `formats`), else an error naming
/// the formats it does write: every command refuses a format it lacks
/// before doing any work (Markdown is `diagnose`'s and `heap`'s; HTML
/// `diagnose`'s, `scan`'s and `heap`'s).
pub fn accept(f: crate::Format, command: &str, formats: &[crate::Format]) -> Result<crate::Format> {
    use clap::ValueEnum;
    let name = |f: &crate::Format| {
        f.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    };
    anyhow::ensure!(
        formats.contains(&f),
        "--format {} is not a format of `oomlens {command}`: it writes {}",
        name(&f),
        formats.iter().map(name).collect::<Vec<_>>().join(" or ")
    );
    Ok(f)
}

/// The formats of commands that write text or JSON only.
pub const TEXT_OR_JSON: &[crate::Format] = &[crate::Format::Text, crate::Format::Json];

/// What a command found, for the exit status.
pub enum Outcome {
    Found,
    NotFound,
}

/// Inputs named on the command line that could not be read at all, each
/// `(path, why)`: collected while the others are read and reported, then
/// [`Unreadable::check`] turns them into the error of exit status 2.
#[derive(Default)]
pub struct Unreadable(Vec<(String, String)>);

impl Unreadable {
    /// Notes `loaded` when it is a named input that could not be read.
    pub fn note(&mut self, loaded: &oomlens_evidence::load::Loaded) {
        if let Some(why) = &loaded.unreadable {
            self.0.push((loaded.source.clone(), why.clone()));
        }
    }

    pub fn push(&mut self, path: String, why: String) {
        self.0.push((path, why));
    }

    /// `Err` naming every unreadable input (path and reason), else `outcome`.
    pub fn check(self, outcome: Outcome) -> Result<Outcome> {
        match self.0.as_slice() {
            [] => Ok(outcome),
            list => anyhow::bail!(
                "{}",
                list.iter()
                    .map(|(p, why)| format!("{p}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
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

/// Worker threads for large files.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How the commands load their inputs: every core for large class logs, a
/// progress bar for large streamed inputs on a terminal; `only` reads every
/// input as that format.
pub fn load_options<'a>(
    time: &'a TimeContext,
    only: Option<&'static oomlens_evidence::registry::Format>,
) -> oomlens_evidence::load::Options<'a> {
    oomlens_evidence::load::Options {
        time,
        threads: threads(),
        wrap: Some(&progress::<Box<dyn std::io::Read + Send>>),
        only,
        heap: None,
    }
}
