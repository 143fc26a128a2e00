//! `oomlens watch` and `oomlens spool`: the flags and signals wired to the
//! node agent (`oomlens_watch`), and its spool listed, shown and exported.

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use oomlens_live::kmsg::Start;
use oomlens_watch::spool::{Limits, Spool};

use super::Outcome;
use crate::{Format, SpoolCommand, WatchArgs};

/// `90%` or `0.9`: a share of the limit, above 0 and at most 1.
fn share(flag: &str, v: &str) -> Result<f64> {
    let t = v.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| anyhow::anyhow!("{flag} {v:?}: not a share of the limit (90% or 0.9)"))?;
    anyhow::ensure!(
        x > 0.0 && x <= 1.0,
        "{flag} {v:?}: must be above 0 and at most 100%"
    );
    Ok(x)
}

fn duration(flag: &str, v: &str) -> Result<std::time::Duration> {
    oomlens_analysis::scan::parse_duration(v)
        .map_err(anyhow::Error::msg)
        .with_context(|| flag.to_string())
}

pub fn run(args: WatchArgs) -> Result<Outcome> {
    let threshold = share("--threshold", &args.threshold)?;
    let node = args
        .node_name
        .clone()
        .or_else(|| std::env::var("NODE_NAME").ok().filter(|n| !n.is_empty()))
        .unwrap_or_else(oomlens_live::node::hostname);
    let in_cluster = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    let pod_events = if args.no_events || args.once || !(args.kubeconfig.is_some() || in_cluster) {
        None
    } else {
        let c = oomlens_collect::api::Connect {
            kubeconfig: args.kubeconfig.clone(),
            ..Default::default()
        };
        Some(
            oomlens_watch::pod_event::Poster::start(&c, node.clone())
                .map_err(anyhow::Error::msg)
                .context("the Kubernetes client for Pod Events (--no-events to go without)")?,
        )
    };
    let again = share("--capture-again", &args.capture_again)?;
    let histogram_at = match args.histogram_at.trim() {
        "off" | "none" => None,
        v => Some(share("--histogram-at", v)?),
    };
    let histogram_every = match args.histogram_every.trim() {
        "off" | "none" => None,
        v => Some(duration("--histogram-every", v)?).filter(|d| !d.is_zero()),
    };
    let max_bytes = oomlens_evidence::units::parse::kube_bytes(&args.spool_max_bytes)
        .map_err(|e| anyhow::anyhow!("--spool-max-bytes {:?}: {e}", args.spool_max_bytes))?;
    let interval = duration("--interval", &args.interval)?;
    anyhow::ensure!(!interval.is_zero(), "--interval must be above 0");
    let opts = oomlens_watch::Options {
        interval,
        threshold,
        again: again.max(threshold),
        // At or above the threshold it adds nothing: the threshold's
        // capture has the histogram.
        histogram_at: histogram_at.filter(|&h| h < threshold),
        histogram_every,
        spool: args.spool.spool,
        limits: Limits {
            max_bytes,
            max_entries: args.spool_max_entries,
        },
        listen: args.listen,
        once: args.once,
        capture: !args.no_capture,
        fresh: if args.from_oldest {
            Start::Oldest
        } else {
            Start::End
        },
        grace: duration("--grace", &args.grace)?,
        pod_logs: args.pod_logs,
        heap_dump_at: args
            .heap_dump_at
            .as_deref()
            .map(|v| share("--heap-dump-at", v))
            .transpose()?,
        node_name: Some(node.clone()),
        ..oomlens_watch::Options::default()
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let once = opts.once;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let s = oomlens_watch::agent::run_with(opts, pod_events, stop, &mut out)?;
    out.flush()?;
    Ok(if !once || s.kills > 0 {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

pub fn spool(c: SpoolCommand) -> Result<Outcome> {
    match c {
        SpoolCommand::Ls { spool, out } => {
            let format = super::accept(out.format(), "spool ls", super::TEXT_OR_JSON)?;
            let s = open(&spool.spool)?;
            let entries = s.entries();
            let mut w = std::io::stdout().lock();
            match format {
                Format::Json => {
                    let v: Vec<_> = entries
                        .iter()
                        .map(|e| {
                            serde_json::json!({
                                "key": e.key, "name": e.name, "kind": e.kind(),
                                "bytes": e.bytes, "path": e.path,
                            })
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut w, &v)?;
                    writeln!(w)?;
                }
                Format::Text | Format::Markdown | Format::Html => {
                    for e in &entries {
                        writeln!(
                            w,
                            "{:<8} {:>10}  {}/{}",
                            e.kind(),
                            oomlens_evidence::units::size(e.bytes),
                            e.key,
                            e.name
                        )?;
                    }
                }
            }
            Ok(if entries.is_empty() {
                Outcome::NotFound
            } else {
                Outcome::Found
            })
        }
        SpoolCommand::Show { entry, spool } => {
            let s = open(&spool.spool)?;
            let e = s.find(&entry).with_context(|| {
                format!("no single entry {entry:?} in {}", spool.spool.display())
            })?;
            let mut w = std::io::stdout().lock();
            writeln!(
                w,
                "{} ({}, {})",
                e.path.display(),
                e.kind(),
                oomlens_evidence::units::size(e.bytes)
            )?;
            for f in ["event.json", "diagnosis.json"] {
                if let Ok(t) = std::fs::read_to_string(e.path.join(f)) {
                    writeln!(w, "--- {f}")?;
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap_or_default();
                    match f {
                        // The verdict's answer, not the whole Diagnosis.
                        "diagnosis.json" => {
                            writeln!(w, "{}", v["headline"].as_str().unwrap_or(""))?;
                            for c in v["causes"].as_array().into_iter().flatten() {
                                writeln!(
                                    w,
                                    "  {} ({}): {}",
                                    c["id"].as_str().unwrap_or(""),
                                    c["confidence"],
                                    c["summary"].as_str().unwrap_or("")
                                )?;
                            }
                        }
                        _ => writeln!(w, "{}", t.trim_end())?,
                    }
                }
            }
            writeln!(w, "--- files")?;
            for f in files(&e.path) {
                writeln!(w, "{}", f.strip_prefix(&e.path).unwrap_or(&f).display())?;
            }
            writeln!(
                w,
                "(`oomlens diagnose {0}` for the whole verdict, `--format html` for it as a page)",
                e.path.display()
            )?;
            Ok(Outcome::Found)
        }
        SpoolCommand::Export {
            entry,
            spool,
            output,
        } => {
            let s = open(&spool.spool)?;
            let e = s.find(&entry).with_context(|| {
                format!("no single entry {entry:?} in {}", spool.spool.display())
            })?;
            let mut b = oomlens_collect::bundle::Bundle::create(&output)
                .with_context(|| format!("creating {}", output.display()))?;
            for f in files(&e.path) {
                let rel = f.strip_prefix(&e.path).unwrap_or(&f);
                let rel: Vec<String> = rel
                    .iter()
                    .map(|p| oomlens_collect::bundle::safe(&p.to_string_lossy()))
                    .collect();
                let bytes =
                    std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
                b.put(&rel.join("/"), &bytes)?;
            }
            b.finish()?;
            eprintln!("{} -> {}", e.path.display(), output.display());
            Ok(Outcome::Found)
        }
    }
}

fn open(dir: &std::path::Path) -> Result<Spool> {
    anyhow::ensure!(dir.is_dir(), "no spool at {}", dir.display());
    Ok(Spool::open(dir, Limits::default())?)
}

/// The files below `dir`, sorted.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
