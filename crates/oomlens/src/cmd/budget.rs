//! `oomlens budget`: a JVM's memory regions against its container limit.

use std::io::{self, Read, Write};

use anyhow::{Context, Result};
use oomlens_analysis::budget::{budget, Observed};
use oomlens_evidence::jvm::{flags, nmt};
use oomlens_evidence::{input, k8s, sniff, Warnings};

use super::Outcome;
use crate::{BudgetArgs, Format};

pub fn run(args: BudgetArgs, style: oomlens_report::Style) -> Result<Outcome> {
    super::text_or_json(args.out.format())?;
    let mut warnings = Warnings::new();
    let mut inputs = Vec::new();
    let mut jf = flags::JvmFlags::default();
    let mut seen = Observed::default();
    let mut limit = None;
    let mut cpus = args.cpus;
    let mut jdk = args.jdk;
    for path in input::expand(&args.files)? {
        let name = path.display().to_string();
        let mut bytes = Vec::new();
        if let Err(e) = input::open(&path).and_then(|r| r.take(256 << 20).read_to_end(&mut bytes)) {
            warnings.push(&name, None, format!("cannot read: {e}"));
            continue;
        }
        let head = &bytes[..bytes.len().min(sniff::HEAD)];
        if nmt::looks_like_nmt(head) {
            let (snaps, w) = nmt::parse(&name, &bytes);
            warnings.extend(w);
            if let Some(last) = snaps.iter().rev().find(|s| !s.diff) {
                seen.threads = seen
                    .threads
                    .or(last.category("Thread").and_then(|c| c.threads));
                seen.classes = seen.classes.or(last
                    .category("Class")
                    .and_then(|c| c.classes)
                    .or_else(|| last.category("Metaspace").and_then(|c| c.classes)));
                seen.nmt_committed = last
                    .categories
                    .iter()
                    .map(|c| (c.name.clone(), c.committed_bytes))
                    .collect();
                inputs.push(format!("{name} (NMT)"));
            }
            continue;
        }
        if let (Some(f), w) = flags::parse(&name, &bytes) {
            warnings.extend(w);
            jdk = jdk.or(f.jdk);
            inputs.push(format!("{name} ({})", f.kind));
            jf.flags.extend(f.flags);
            continue;
        }
        let objs = if k8s::looks_like_describe(head) {
            Some(k8s::parse_describe_objects(&name, &bytes))
        } else if k8s::looks_like_object(head) {
            Some(k8s::parse_objects(&name, &bytes))
        } else {
            None
        };
        if let Some((objs, w)) = objs {
            warnings.extend(w);
            let container = objs
                .pods
                .iter()
                .flat_map(|p| p.containers.iter())
                .find(|c| !c.init && args.container.as_deref().is_none_or(|n| n == c.name));
            if let Some(c) = container {
                limit = limit.or(c.limits.memory_bytes);
                cpus = cpus.or(c.limits.cpu_millis.map(|m| m.div_ceil(1000).max(1) as u32));
                jf.flags.extend(flags::from_container(c).flags);
                inputs.push(format!("{name} (container {})", c.name));
            }
            continue;
        }
        // A command line: `ps` output, /proc/PID/cmdline (NUL-separated), a
        // script.
        let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
        let cmd = flags::from_command_line(&text, None);
        if !cmd.is_empty() {
            inputs.push(format!("{name} (command line)"));
            jf.flags.extend(cmd);
            continue;
        }
        if let Some((v, _)) = flags::jdk_version(&String::from_utf8_lossy(head)) {
            jdk = jdk.or(Some(v));
            inputs.push(format!("{name} (JDK version)"));
            continue;
        }
        warnings.push(&name, None, "no JVM flags, NMT output or pod in this file");
    }
    // Flags on the command line come last: they win.
    jf.flags
        .extend(flags::from_command_line(&args.java.join(" "), None));
    let limit = match &args.limit {
        Some(l) => k8s::quantity::memory_bytes(l)
            .with_context(|| format!("--limit {l:?}: not a Kubernetes quantity"))?,
        None => limit.context("no container limit: give --limit (e.g. 3Gi) or a pod with one")?,
    };
    let cpus =
        cpus.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
    seen.threads = args.threads.or(seen.threads);
    seen.classes = args.classes.or(seen.classes);
    let b = budget(limit, cpus, jdk.unwrap_or(17), &jf, &seen);
    let warnings = warnings.into_vec();
    let out = match args.out.format() {
        Format::Json => oomlens_report::budget::json(&b, &inputs, &warnings),
        Format::Text => oomlens_report::budget::text(&b, &inputs, style),
        Format::Markdown => unreachable!("refused above"),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    if args.out.format() != Format::Json {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(
        if b.verdicts
            .iter()
            .any(|v| v.id == "heap-sized-over-limit" || v.id == "limit-too-small")
        {
            Outcome::Found
        } else {
            Outcome::NotFound
        },
    )
}
