//! `oomlens sample`: memory of this node's containers over time, from
//! cgroupfs, written as OpenMetrics that `oomlens diagnose` (and Prometheus'
//! `promtool tsdb create-blocks-from openmetrics`) read.

use std::io::Write;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use oomlens_live::cgroup;

use super::Outcome;
use crate::SampleArgs;

/// `10m`, `30s`, `2h`, `500ms` -> a duration.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim();
    let (num, unit) = t.split_at(
        t.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len()),
    );
    let n: f64 = num
        .parse()
        .with_context(|| format!("not a duration: {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => anyhow::bail!("not a duration: {s:?} (use ms, s, m, h or d)"),
    };
    Ok(Duration::from_secs_f64(secs))
}

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
    let total = parse_duration(&args.r#for)?;
    let every = parse_duration(&args.every)?;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut rounds = 0;
    loop {
        let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
        for dir in cgroup::containers(&root, under.as_deref()) {
            if let Some(r) = cgroup::read(version, &dir) {
                samples.push((now, cgroup::kernel_path(&root, &dir), r));
            }
        }
        rounds += 1;
        if started.elapsed() + every > total {
            break;
        }
        std::thread::sleep(every);
    }
    let text = cgroup::openmetrics(&samples);
    match &args.output {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    eprintln!(
        "oomlens: {} samples of {} cgroup(s) in {} rounds ({:?} cgroup hierarchy)",
        samples.len(),
        samples
            .iter()
            .map(|s| &s.1)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        rounds,
        version
    );
    Ok(if samples.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Found
    })
}
