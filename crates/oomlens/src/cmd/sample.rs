//! `oomlens sample`: memory of this node's containers over time, from
//! cgroupfs, and of the JVMs in them from their performance counters,
//! written as OpenMetrics that `oomlens diagnose` (and Prometheus' `promtool
//! tsdb create-blocks-from openmetrics`) read. The loop is
//! `oomlens_live::sampler`'s; this wires the flags, the signals, a progress
//! bar and the output to it.

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use oomlens_live::openmetrics;
use oomlens_live::sampler::{self, End, Round, Sampler, Schedule, Sink};

use super::Outcome;
use crate::SampleArgs;

/// The OpenMetrics writer, and a bar of the time sampled so far on a
/// terminal.
struct Out {
    w: openmetrics::Writer,
    bar: Option<indicatif::ProgressBar>,
}

impl Sink for Out {
    fn round(&mut self, round: &Round) -> std::io::Result<()> {
        self.w.round(round)?;
        if let Some(b) = &self.bar {
            b.set_position(b.elapsed().as_secs());
            b.set_message(format!(
                "{} samples, {} cgroup(s) and {} JVM(s) now; Ctrl-C stops and writes",
                self.w.samples(),
                round.alive,
                round.jvms.len()
            ));
        }
        Ok(())
    }
}

pub fn run(args: SampleArgs) -> Result<Outcome> {
    let (version, root) = oomlens_live::cgroup::memory_root()
        .context("no memory cgroup controller on this machine")?;
    let under = args.cgroup.as_ref().map(|c| sampler::below(&root, c));
    if let Some(u) = &under {
        anyhow::ensure!(u.is_dir(), "no cgroup {}", u.display());
    }
    let duration = |flag: &str, v: &str| {
        oomlens_analysis::scan::parse_duration(v)
            .map_err(anyhow::Error::msg)
            .with_context(|| flag.to_string())
    };
    let total = duration("--for", &args.r#for)?;
    let every = duration("--every", &args.every)?;
    // SIGINT or SIGTERM ends the sampling early; what was sampled is kept.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(total.as_secs().max(1)).with_style(
            indicatif::ProgressStyle::with_template(
                "sampling [{bar:30}] {elapsed}/{duration} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(500));
        bar
    });
    // The output is created before sampling starts: a path that cannot be
    // written is said now, not after the whole --for. Each round is
    // appended to it as it is taken (a kill loses at most that round); the
    // finished OpenMetrics replaces it at the end.
    let journal = match &args.output {
        Some(p) => {
            Some(std::fs::File::create(p).with_context(|| format!("writing {}", p.display()))?)
        }
        None => None,
    };
    let mut s = Sampler::new(sampler::Options {
        version,
        root,
        under,
        jvms: !args.no_jvm,
        // Every figure of every round is written: each read afresh.
        cadence: oomlens_live::cgroup::Cadence::EVERY_ROUND,
    });
    let w = match &journal {
        Some(f) => openmetrics::Writer::with_journal(f.try_clone()?),
        None => openmetrics::Writer::new(),
    };
    let mut out = Out { w, bar };
    let end = sampler::run(&mut s, &mut Schedule::new(every, total), &stop, &mut out)?;
    let Out { w, bar, .. } = out;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let samples = w.samples();
    match (journal, &args.output) {
        (Some(journal), Some(p)) => {
            finish_file(w, journal, p).with_context(|| format!("writing {}", p.display()))?
        }
        _ => {
            let mut out = std::io::stdout().lock();
            w.finish(&mut out)?;
            out.flush()?;
        }
    }
    eprintln!(
        "oomlens: {samples} samples of {} cgroup(s){} in {} rounds ({version:?} cgroup hierarchy){}",
        s.cgroups_seen(),
        match s.jvms_seen() {
            0 => String::new(),
            n => format!(" and {n} JVM(s)"),
        },
        s.rounds(),
        match end {
            End::Stopped => ", stopped by a signal",
            End::Emptied => ", stopped: no process left in the cgroup",
            End::Done => "",
        }
    );
    Ok(if samples == 0 {
        Outcome::NotFound
    } else {
        Outcome::Found
    })
}

/// Writes the finished OpenMetrics over the journal at `path`: into a new
/// file beside it (`PATH.PID.tmp`), renamed over it, so that a kill while
/// finishing leaves the journal whole; in place when no file can be made
/// beside it.
fn finish_file(
    w: openmetrics::Writer,
    journal: std::fs::File,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp_path = std::path::PathBuf::from(tmp_name);
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
    {
        Ok(tmp) => {
            let done = (|| {
                // The mode the journal was created with.
                tmp.set_permissions(journal.metadata()?.permissions())?;
                let mut out = std::io::BufWriter::new(tmp);
                w.finish(&mut out)?;
                out.flush()?;
                std::fs::rename(&tmp_path, path)
            })();
            if done.is_err() {
                let _ = std::fs::remove_file(&tmp_path);
            }
            done
        }
        Err(_) => {
            journal.set_len(0)?;
            let mut journal = journal;
            std::io::Seek::rewind(&mut journal)?;
            let mut out = std::io::BufWriter::new(journal);
            w.finish(&mut out)?;
            out.flush()
        }
    }
}
