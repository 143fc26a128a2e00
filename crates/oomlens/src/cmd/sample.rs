//! `oomlens sample`: memory of this node's containers over time, from
//! cgroupfs, and of the JVMs in them from their performance counters,
//! written as OpenMetrics that `oomlens diagnose` (and Prometheus' `promtool
//! tsdb create-blocks-from openmetrics`) read.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use oomlens_live::{cgroup, hsperf, openmetrics};

use super::Outcome;
use crate::SampleArgs;

pub fn run(args: SampleArgs) -> Result<Outcome> {
    let (version, root) =
        cgroup::memory_root().context("no memory cgroup controller on this machine")?;
    let under = args.cgroup.as_ref().map(|c| {
        let rel = c.to_string_lossy();
        root.join(rel.trim_start_matches('/'))
    });
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
    let started = Instant::now();
    // On a terminal, a bar of the time sampled so far.
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
    let mut w = openmetrics::Writer::new();
    // Cgroups sampled so far (by their kernel path), and those seen without
    // a process since.
    let mut cgroups = std::collections::BTreeSet::new();
    let mut gone = std::collections::BTreeSet::new();
    let mut jvms = std::collections::BTreeSet::new();
    let mut rounds = 0;
    let mut emptied = false;
    loop {
        let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
        let mut alive = false;
        for dir in cgroup::containers(&root, under.as_deref()) {
            let id = cgroup::kernel_path(&root, &dir);
            // A container with no process left is gone (cAdvisor drops it
            // too): its cgroup only waits to be removed.
            let pids = cgroup::pids(&dir);
            if pids.is_empty() {
                // Gone since the last round: one last reading of its
                // counters says whether the kernel killed it.
                if cgroups.contains(&id) && gone.insert(id.clone()) {
                    if let Some(r) = cgroup::read(version, &dir) {
                        cgroup::write_counters(&mut w, now, &id, &r)?;
                    }
                }
                continue;
            }
            gone.remove(&id);
            alive = true;
            let Some(r) = cgroup::read(version, &dir) else {
                continue;
            };
            cgroup::write(&mut w, now, &id, &r)?;
            if !args.no_jvm {
                for pid in pids {
                    if let Some(m) = hsperf::read(pid) {
                        hsperf::write(&mut w, now, &id, pid, &m)?;
                        jvms.insert(pid);
                    }
                }
            }
            cgroups.insert(id);
        }
        rounds += 1;
        if let Some(b) = &bar {
            b.set_position(started.elapsed().as_secs());
            b.set_message(format!(
                "{} samples, {} cgroup(s), {} JVM(s); Ctrl-C stops and writes",
                w.samples(),
                cgroups.len(),
                jvms.len()
            ));
        }
        // The one cgroup asked for had processes and has none now: it was
        // killed or ended, there is nothing more to see.
        if under.is_some() && !alive && !cgroups.is_empty() {
            emptied = true;
            break;
        }
        // Sleep in short steps so a signal ends the wait at once.
        let next = started + every * rounds;
        if next > started + total {
            break;
        }
        while Instant::now() < next && !stop.load(Ordering::Relaxed) {
            std::thread::sleep((next - Instant::now()).min(Duration::from_millis(50)));
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let samples = w.samples();
    match &args.output {
        Some(p) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| format!("writing {}", p.display()))?,
            );
            w.finish(&mut f)
                .and_then(|_| f.flush())
                .with_context(|| format!("writing {}", p.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            w.finish(&mut out)?;
            out.flush()?;
        }
    }
    eprintln!(
        "oomlens: {samples} samples of {} cgroup(s){} in {rounds} rounds ({version:?} cgroup hierarchy){}",
        cgroups.len(),
        if jvms.is_empty() {
            String::new()
        } else {
            format!(" and {} JVM(s)", jvms.len())
        },
        if stop.load(Ordering::Relaxed) {
            ", stopped by a signal"
        } else if emptied {
            ", stopped: no process left in the cgroup"
        } else {
            ""
        }
    );
    Ok(if samples == 0 {
        Outcome::NotFound
    } else {
        Outcome::Found
    })
}
