//! `oomlens budget`: a JVM's memory regions against its container limit.

use std::io::{self, Write};

use anyhow::{Context, Result};
use oomlens_analysis::budget::{budget, Observed};
use oomlens_evidence::jvm::flags;
use oomlens_evidence::load::load;
use oomlens_evidence::registry::{HeadFlags, Parsed};
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::{k8s, Warnings};

use super::{load_options, Outcome};
use crate::{BudgetArgs, Format};

pub fn run(args: BudgetArgs, style: oomlens_report::Style) -> Result<Outcome> {
    super::accept(args.out.format(), "budget", super::TEXT_OR_JSON)?;
    let mut warnings = Warnings::new();
    let mut inputs = Vec::new();
    let mut jf = flags::JvmFlags::default();
    let mut seen = Observed::default();
    let mut limit = None;
    let mut cpus = args.cpus;
    let mut jdk = args.jdk;
    let time = TimeContext::default();
    let mut unreadable = super::Unreadable::default();
    for l in load(&args.files, &load_options(&time, None)) {
        unreadable.note(&l);
        let name = l.source;
        let unreadable = l.note.starts_with("cannot read");
        warnings.extend(l.warnings);
        let used = match l.parsed {
            Some(Parsed::Nmt(snaps)) => {
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
                true
            }
            Some(Parsed::Flags(f)) => {
                jdk = jdk.or(f.jdk);
                inputs.push(format!("{name} ({})", f.kind));
                jf.flags.extend(f.flags);
                true
            }
            Some(Parsed::Kubernetes(objs)) => {
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
                true
            }
            // `/proc/PID/cmdline`.
            Some(Parsed::CommandLine(cmd)) => {
                inputs.push(format!("{name} (command line)"));
                jf.flags.extend(cmd);
                true
            }
            Some(Parsed::GcLog(g)) => {
                let cmd =
                    flags::from_command_line(g.command_line_flags.as_deref().unwrap_or(""), None);
                let found = !cmd.is_empty();
                if found {
                    inputs.push(format!("{name} (GC log flags)"));
                    jf.flags.extend(cmd);
                }
                found
            }
            // An hs_err file's `jvm_args:`; else a command line (`ps`
            // output, a script) or `java -version` in a text's head.
            Some(Parsed::AppLog { log, head, .. }) => {
                let args = log.hs_err.and_then(|h| h.jvm_args).unwrap_or_default();
                let cmd = flags::from_command_line(&args, None);
                if cmd.is_empty() {
                    head_facts(&name, head, &mut jf, &mut jdk, &mut inputs)
                } else {
                    inputs.push(format!("{name} (hs_err jvm_args)"));
                    jf.flags.extend(cmd);
                    jdk = jdk.or(head.jdk);
                    true
                }
            }
            Some(Parsed::OtherText { head }) => {
                head_facts(&name, head, &mut jf, &mut jdk, &mut inputs)
            }
            _ => false,
        };
        if !used && !unreadable {
            warnings.push(&name, None, "no JVM flags, NMT output or pod in this file");
        }
    }
    // Flags on the command line come last: they win. One the JVM would
    // refuse to start with is refused here too, with the JVM's words.
    for tok in &args.java {
        if let Some(why) = flags::refused(tok) {
            anyhow::bail!("{why}\nError: Could not create the Java Virtual Machine. (the JVM refuses {tok:?}; so does this budget)");
        }
    }
    jf.flags
        .extend(flags::from_command_line(&args.java.join(" "), None));
    let limit = match &args.limit {
        Some(l) => k8s::quantity::memory_bytes(l)
            .with_context(|| format!("--limit {l:?}: not a Kubernetes quantity"))?,
        None => match limit {
            Some(l) => l,
            None => {
                // A pod file that was cut or broken is why there is no limit:
                // say what went wrong with the inputs, not only that.
                let why: Vec<String> = warnings.into_vec().iter().map(|w| w.to_string()).collect();
                anyhow::bail!(
                    "no container limit: give --limit (e.g. 3Gi) or a pod with one{}",
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" (the inputs: {})", why.join("; "))
                    }
                )
            }
        },
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
        Format::Markdown | Format::Html => unreachable!("refused above"),
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    if args.out.format() != Format::Json {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    unreadable.check(if b.does_not_fit() {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

/// A text's command line, else its JDK version; whether there was either.
fn head_facts(
    name: &str,
    head: HeadFlags,
    jf: &mut flags::JvmFlags,
    jdk: &mut Option<u32>,
    inputs: &mut Vec<String>,
) -> bool {
    if !head.command_line.is_empty() {
        inputs.push(format!("{name} (command line)"));
        jf.flags.extend(head.command_line);
        true
    } else if let Some(v) = head.jdk {
        *jdk = jdk.or(Some(v));
        inputs.push(format!("{name} (JDK version)"));
        true
    } else {
        false
    }
}
