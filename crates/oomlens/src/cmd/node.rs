//! `oomlens diagnose` with no path: this node, now. Reads the node view
//! (`oomlens_live::node`), loads its files through the registry like any
//! evidence (so the Case and the detectors judge them unchanged), writes
//! them as a bundle with `--save`, and words what only a reading of now
//! says: which containers are near their limit and which the kernel
//! killed.

use std::path::Path;

use anyhow::{Context, Result};
use oomlens_analysis::case::Evidence;
use oomlens_analysis::diagnosis::SourceNote;
use oomlens_collect::bundle::Bundle;
use oomlens_collect::manifest::{self, Manifest};
use oomlens_evidence::load::load_memory;
use oomlens_evidence::time::TimeContext;
use oomlens_live::cgroup::Version;
use oomlens_live::node::{self, Container, Paths, View};
use oomlens_report::format::{paint, size, Tone};
use oomlens_report::Style;

use super::load_options;
use crate::NodeArgs;

/// Reads the node as the flags say.
pub fn read(args: &NodeArgs) -> Result<(View, node::Options)> {
    let paths = match &args.cgroup_root {
        Some(root) => {
            let version = node::version_of(root).with_context(|| {
                format!(
                    "{} holds no memory cgroup files (memory.usage_in_bytes, memory.current)",
                    root.display()
                )
            })?;
            Paths::at(version, root.clone(), args.pod_logs.clone())
        }
        None => {
            let (version, root) = oomlens_live::cgroup::memory_root()
                .context("no memory cgroup controller on this machine (give --cgroup-root)")?;
            Paths::at(version, root, args.pod_logs.clone())
        }
    };
    let mut opts = node::Options::new(paths);
    opts.attach = !args.no_attach;
    opts.attach_timeout = oomlens_analysis::scan::parse_duration(&args.attach_timeout)
        .map_err(anyhow::Error::msg)
        .context("--attach-timeout")?;
    anyhow::ensure!(
        args.near > 0.0 && args.near <= 100.0,
        "--near is a percent of the limit, above 0 and at most 100"
    );
    Ok((node::read(&opts), opts))
}

/// Loads what the node gave into `ev`, each file named `prefix` + its path
/// in the bundle (so citations read the same live and from `--save`).
/// The files are handed over (`view.files` is left empty).
pub fn evidence(
    view: &mut View,
    opts: &node::Options,
    prefix: &str,
    base: &TimeContext,
    ev: &mut Evidence,
) {
    let items = std::mem::take(&mut view.files)
        .into_iter()
        .map(|f| (format!("{prefix}{}", f.path), f.bytes))
        .collect();
    for loaded in load_memory(items, &load_options(base, None)) {
        ev.add(loaded);
    }
    let source = format!("node {}", node::hostname());
    let pods = view
        .containers
        .iter()
        .filter_map(|c| c.identity.pod.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    ev.sources.push(SourceNote {
        source: source.clone(),
        kind: "node".into(),
        note: format!(
            "{} container cgroup(s) of {pods} named pod(s) under {} ({}), {} JVM(s)",
            view.containers.len(),
            opts.paths.cgroup_root.display(),
            version_name(opts.paths.version),
            view.containers.iter().map(|c| c.jvms.len()).sum::<usize>()
        ),
    });
    for p in &view.problems {
        ev.warnings.push(&source, None, p.clone());
    }
}

fn version_name(v: Version) -> &'static str {
    match v {
        Version::V1 => "v1",
        Version::V2 => "v2",
    }
}

/// Opens the bundle `--save` writes; returns it and the prefix its files'
/// citations carry (`DIR/`, or `x.tar.gz:x/`).
pub fn open_bundle(dir: &Path) -> Result<(Bundle, String)> {
    let b = Bundle::create(dir).with_context(|| format!("creating {}", dir.display()))?;
    let prefix = match &b {
        Bundle::Dir(d) => format!("{}/", d.display()),
        Bundle::Tar { top, .. } => format!("{}:{top}/", dir.display()),
    };
    Ok((b, prefix))
}

/// Writes what was read, and `manifest.json` (`oomlens/collect/v1`, its
/// `node` set), into the bundle.
pub fn save(mut b: Bundle, view: &View, opts: &node::Options) -> Result<()> {
    let at = view.at.to_string();
    let mut files = Vec::new();
    for f in &view.files {
        b.put(&f.path, &f.bytes)
            .with_context(|| format!("writing {}", f.path))?;
        files.push(manifest::FileNote {
            path: f.path.clone(),
            what: f.what.into(),
            api_path: f.from.clone(),
            access: None,
            collected_at: at.clone(),
            status: None,
            bytes: f.bytes.len(),
            truncated: f.truncated,
        });
    }
    let host = node::hostname();
    let mut pods: Vec<manifest::PodNote> = Vec::new();
    for c in &view.containers {
        let (Some(ns), Some(pod)) = (&c.identity.namespace, &c.identity.pod) else {
            continue;
        };
        let note = manifest::ContainerNote {
            name: c.identity.container.clone().unwrap_or_default(),
            restart_count: c.identity.restarts.map_or(0, |n| n as i32),
            memory_limit: c
                .reading
                .as_ref()
                .and_then(|r| r.limit_bytes)
                .map(|l| l.to_string()),
            last_terminated_reason: None,
            last_terminated_at: None,
        };
        match pods
            .iter_mut()
            .find(|p| p.namespace == *ns && p.name == *pod)
        {
            Some(p) => p.containers.push(note),
            None => pods.push(manifest::PodNote {
                namespace: ns.clone(),
                name: pod.clone(),
                uid: c.identity.path.pod_uid.clone(),
                node: Some(host.clone()),
                containers: vec![note],
                owners: Vec::new(),
            }),
        }
    }
    let m = Manifest {
        schema: manifest::SCHEMA,
        oomlens_version: env!("CARGO_PKG_VERSION").into(),
        started: at.clone(),
        finished: jiff::Timestamp::now().to_string(),
        server: format!("node {host} (read on the node, no API)"),
        context: None,
        impersonate_user: None,
        impersonate_groups: Vec::new(),
        selection: manifest::SelectionNote {
            pod: None,
            namespace: None,
            all_namespaces: true,
            label_selector: None,
            oom_killed_since: None,
        },
        limits: manifest::Limits {
            tail_lines: None,
            limit_bytes: opts.log_bytes,
            node_log_bytes: view
                .files
                .iter()
                .filter(|f| f.what == node::What::NodeKernelLog)
                .map(|f| f.bytes.len())
                .sum(),
            chunk_size: 0,
        },
        calls: manifest::Calls::default(),
        pods,
        files,
        failures: Vec::new(),
        redacted: Vec::new(),
        jvm: Vec::new(),
        node: Some(manifest::NodeNote {
            host,
            cgroup_version: version_name(opts.paths.version),
            cgroup_root: opts.paths.cgroup_root.display().to_string(),
            pod_logs: opts.paths.pod_logs.display().to_string(),
            container_logs: opts.paths.container_logs.display().to_string(),
            containers: view.containers.len(),
            jvms: view.containers.iter().map(|c| c.jvms.len()).sum(),
            problems: view.problems.clone(),
        }),
    };
    let json = serde_json::to_vec_pretty(&m)?;
    b.put("manifest.json", &json)?;
    b.finish()?;
    Ok(())
}

/// A container as a person names it: `namespace/pod/container`, else its
/// cgroup path.
fn name(c: &Container) -> String {
    let id = &c.identity;
    match (&id.namespace, &id.pod) {
        (Some(ns), Some(pod)) => format!(
            "{ns}/{pod}/{}",
            id.container.as_deref().unwrap_or("(container not named)")
        ),
        _ => id.cgroup.clone(),
    }
}

/// The working set's share of the limit, in percent, when there is a
/// limit and a process.
pub fn share(c: &Container) -> Option<f64> {
    let r = c.reading.as_ref()?;
    let l = r.limit_bytes.filter(|&l| l > 0)?;
    (!c.pids.is_empty()).then(|| r.working_set_bytes as f64 * 100.0 / l as f64)
}

/// What a reading of now says, before the Diagnosis: every container with
/// its working set against its limit, those at or above `near` percent
/// with what fills them, and those whose cgroup counts OOM kills.
pub fn summary(view: &View, opts: &node::Options, near: f64, style: Style) -> String {
    let mut out = String::new();
    let with_pids = view
        .containers
        .iter()
        .filter(|c| !c.pids.is_empty())
        .count();
    out.push_str(&paint(
        style,
        Tone::Bold,
        &format!(
            "This node now: {} container cgroup(s) under {} ({}), {with_pids} with processes\n",
            view.containers.len(),
            opts.paths.cgroup_root.display(),
            version_name(opts.paths.version)
        ),
    ));
    let mut near_ones: Vec<(&Container, f64)> = view
        .containers
        .iter()
        .filter_map(|c| share(c).map(|s| (c, s)))
        .filter(|(_, s)| *s >= near)
        .collect();
    near_ones.sort_by(|a, b| b.1.total_cmp(&a.1));
    if near_ones.is_empty() {
        out.push_str(&format!(
            "  none near its limit (working set at or above {near:.0}% of the limit)\n"
        ));
    } else {
        out.push_str(&format!(
            "  near their limit (working set at or above {near:.0}% of the limit):\n"
        ));
        for (c, s) in &near_ones {
            out.push_str(&paint(
                style,
                Tone::Warn,
                &format!("  - {}: {}\n", name(c), against_limit(c, *s)),
            ));
            for why in why(c) {
                out.push_str(&format!("      {why}\n"));
            }
        }
    }
    let killed: Vec<&Container> = view
        .containers
        .iter()
        .filter(|c| c.reading.as_ref().is_some_and(|r| r.oom_events > 0))
        .collect();
    if !killed.is_empty() {
        out.push_str("  killed by the kernel (the cgroup's own count of OOM kills):\n");
        for c in killed {
            let n = c.reading.as_ref().map_or(0, |r| r.oom_events);
            out.push_str(&paint(
                style,
                Tone::Alarm,
                &format!(
                    "  - {}: {n} OOM kill(s), {}\n",
                    name(c),
                    if c.pids.is_empty() {
                        "no process left".to_string()
                    } else {
                        format!("{} process(es) running", c.pids.len())
                    }
                ),
            ));
        }
        out.push_str("  (why each was killed: the diagnosis below, from the kernel's report)\n");
    }
    let rest: Vec<&Container> = view
        .containers
        .iter()
        .filter(|c| !c.pids.is_empty() && share(c).is_none_or(|s| s < near))
        .collect();
    if !rest.is_empty() {
        out.push_str("  the others:\n");
        for c in rest {
            let what = match share(c) {
                Some(s) => against_limit(c, s),
                None => c
                    .reading
                    .as_ref()
                    .map_or("its files could not be read".into(), |r| {
                        format!("working set {}, no limit", size(r.working_set_bytes))
                    }),
            };
            out.push_str(&format!("  - {}: {what}\n", name(c)));
        }
    }
    for p in &view.problems {
        out.push_str(&paint(style, Tone::Dim, &format!("  note: {p}\n")));
    }
    out.push('\n');
    out
}

fn against_limit(c: &Container, share: f64) -> String {
    let r = c.reading.as_ref();
    format!(
        "working set {} of its {} limit ({share:.0}%)",
        size(r.map_or(0, |r| r.working_set_bytes)),
        size(r.and_then(|r| r.limit_bytes).unwrap_or(0))
    )
}

/// What fills a container near its limit: anonymous memory against page
/// cache, the times usage hit the limit, and each JVM's heap and
/// Metaspace from its counters.
fn why(c: &Container) -> Vec<String> {
    let mut out = Vec::new();
    let Some(r) = &c.reading else { return out };
    out.push(format!(
        "anonymous memory (rss) {}, page cache {}{}",
        size(r.rss_bytes),
        size(r.cache_bytes),
        if r.rss_bytes >= r.cache_bytes {
            ": process memory, which the kernel cannot reclaim"
        } else {
            ": mostly page cache, which the kernel reclaims before it kills"
        }
    ));
    if r.failcnt > 0 {
        out.push(format!(
            "usage hit the limit {} time(s) (failcnt / memory.events max)",
            r.failcnt
        ));
    }
    for j in &c.jvms {
        let Some(m) = &j.memory else {
            if !j.outputs.is_empty() {
                out.push(format!("JVM pid {}: attached, no counters", j.pid));
            }
            continue;
        };
        let mut parts = Vec::new();
        if let Some(u) = m.heap_used {
            parts.push(format!(
                "heap {} used{}{}",
                size(u),
                m.heap_committed
                    .map(|c| format!(", {} committed", size(c)))
                    .unwrap_or_default(),
                m.heap_max
                    .map(|x| format!(" of {} max", size(x)))
                    .unwrap_or_default()
            ));
        }
        if let Some(u) = m.metaspace_used {
            parts.push(format!("Metaspace {}", size(u)));
        }
        if let Some(n) = m.classes_loaded {
            parts.push(format!("{n} classes loaded"));
        }
        out.push(format!("JVM pid {}: {}", j.pid, parts.join(", ")));
    }
    out
}
