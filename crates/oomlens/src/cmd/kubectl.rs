//! `kubectl oomlens` (and `oomlens kubectl`): one pod collected through
//! [`super::collect`] into a bundle and diagnosed in one go, or every
//! container of a namespace (or all) OOM-killed within `--since` listed
//! with its verdict. kubectl's conventions: `-n`, `-A`, `-l`, `-c`,
//! `-o json|yaml|wide`, `--context`, `--kubeconfig`, `--request-timeout`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use oomlens_analysis::case::Evidence;
use oomlens_analysis::Diagnosis;
use oomlens_collect::collect::Selection;
use oomlens_evidence::time::TimeContext;

use super::{collect, diagnose, Outcome, Unreadable};
use crate::{KubectlArgs, KubectlOutput};

pub fn run(args: KubectlArgs, style: oomlens_report::Style) -> Result<Outcome> {
    if args.pod.is_some() && (args.all_namespaces || args.selector.is_some()) {
        bail!("a pod name and --all-namespaces or -l/--selector do not go together");
    }
    if args.pod.is_none() && args.container.is_some() {
        bail!("-c/--container names a container of the pod given");
    }
    let api = collect::connect(&args.cluster)?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| api.default_namespace.clone());
    let mut gather = args.gather.clone();
    let (selection, since) = match &args.pod {
        Some(pod) => (
            Selection::Pod {
                namespace: namespace.clone(),
                name: pod.clone(),
            },
            None,
        ),
        None => {
            // A listing reads what the cluster keeps (statuses, events,
            // logs, the nodes' kernel logs); it runs nothing inside the
            // containers.
            gather.no_exec = true;
            gather.debug_image = None;
            let list = Selection::List {
                namespace: (!args.all_namespaces).then(|| namespace.clone()),
                label_selector: args.selector.clone(),
            };
            (list, Some(collect::ago(&args.since).context("--since")?))
        }
    };
    let tmp;
    // A temporary bundle is removed at the end: what the Diagnosis cites
    // in it is named relative to it.
    let (bundle, cut): (PathBuf, Option<String>) = match &args.bundle {
        Some(b) => (b.clone(), None),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("kubectl-oomlens-")
                .tempdir()
                .context("a temporary folder for the evidence")?;
            let b = tmp.path().join("bundle");
            let cut = format!("{}/", b.display());
            (b, Some(cut))
        }
    };
    let m = collect::gather(&api, selection, since, &bundle, &args.cluster, &gather)?;
    let mut ev = Evidence::default();
    let mut unreadable = Unreadable::default();
    diagnose::add(
        std::slice::from_ref(&bundle),
        &TimeContext::default(),
        &mut ev,
        &mut unreadable,
    );
    let mut d = oomlens_analysis::diagnose(ev);
    if let (Some(c), Some(pod)) = (&args.container, &args.pod) {
        if d.retain_container(c) == 0 {
            let known: Vec<&str> = m
                .pods
                .iter()
                .flat_map(|p| p.containers.iter().map(|c| c.name.as_str()))
                .collect();
            bail!(
                "container {c:?} is not in pod {pod} (its containers: {})",
                known.join(", ")
            );
        }
    }
    if let Some(path) = &args.html {
        let mut page = oomlens_report::html::diagnosis(&d);
        if let Some(cut) = &cut {
            // The temporary bundle's folder, out of the paths it cites.
            page = page.replace(cut.as_str(), "");
        }
        std::fs::write(path, page).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    // A listing found something when it lists a container, whatever it prints.
    let found = |d: &Diagnosis| match since {
        Some(s) if d.killed_since(s, jiff::Timestamp::now()).is_empty() => Outcome::NotFound,
        Some(_) => Outcome::Found,
        None => found(d),
    };
    let outcome = match (args.output, since) {
        (Some(KubectlOutput::Json), _) => {
            let mut s = serde_json::to_string_pretty(&value(&d, cut.as_deref())?)?;
            s.push('\n');
            out.write_all(s.as_bytes())?;
            found(&d)
        }
        (Some(KubectlOutput::Yaml), _) => {
            let s = serde_yaml_ng::to_string(&value(&d, cut.as_deref())?)?;
            out.write_all(s.as_bytes())?;
            found(&d)
        }
        (_, None) => {
            let mut text = oomlens_report::diagnosis::text(&d, style);
            if let Some(cut) = &cut {
                // The temporary bundle is gone when this ends: its cites
                // are named relative to it, as in the other outputs.
                text = text.replace(cut.as_str(), "");
            }
            out.write_all(text.as_bytes())?;
            found(&d)
        }
        (wide, Some(since)) => {
            let rows = d.killed_since(since, jiff::Timestamp::now());
            if rows.is_empty() {
                let scope = if args.all_namespaces {
                    "any namespace".to_string()
                } else {
                    format!("namespace {namespace}")
                };
                let sel = args
                    .selector
                    .as_deref()
                    .map_or(String::new(), |s| format!(" matching {s}"));
                eprintln!(
                    "No container OOM-killed within {} in {scope}{sel}.",
                    args.since
                );
                Outcome::NotFound
            } else {
                let table =
                    oomlens_report::killed::table(&d, &rows, wide == Some(KubectlOutput::Wide));
                out.write_all(table.as_bytes())?;
                Outcome::Found
            }
        }
    };
    unreadable.check(outcome)
}

fn found(d: &Diagnosis) -> Outcome {
    if d.oom_kill_found {
        Outcome::Found
    } else {
        Outcome::NotFound
    }
}

/// The Diagnosis as a value in the contract's field order (YAML's
/// mapping keeps it), with `cut` removed from the start of every string
/// (the temporary bundle's folder, from the paths it cites).
fn value(d: &Diagnosis, cut: Option<&str>) -> Result<serde_yaml_ng::Value> {
    let mut v = serde_yaml_ng::to_value(d)?;
    if let Some(cut) = cut {
        relative(&mut v, cut);
    }
    Ok(v)
}

fn relative(v: &mut serde_yaml_ng::Value, cut: &str) {
    use serde_yaml_ng::Value;
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(cut) {
                *s = rest.to_string();
            }
        }
        Value::Sequence(xs) => xs.iter_mut().for_each(|x| relative(x, cut)),
        Value::Mapping(m) => m.iter_mut().for_each(|(_, x)| relative(x, cut)),
        Value::Tagged(t) => relative(&mut t.value, cut),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
