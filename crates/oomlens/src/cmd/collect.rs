//! `oomlens collect`: wires the flags to `oomlens_collect` (the API
//! client, the plan, the bundle) and `scan`'s Prometheus queries, and
//! prints what was written and what failed. `kubectl oomlens` collects
//! through [`connect`] and [`gather`] too.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use oomlens_analysis::scan::{self as ranking, Params};
use oomlens_collect::api::{Api, Connect};
use oomlens_collect::bundle::Bundle;
use oomlens_collect::collect::{collect, JvmPlan, Plan, Prometheus, Selection};
use oomlens_collect::manifest::{JvmGathered, Manifest};
use oomlens_evidence::k8s::quantity::memory_bytes;

use super::Outcome;
use crate::{ClusterArgs, CollectArgs, GatherArgs};

pub fn run(args: CollectArgs) -> Result<Outcome> {
    let api = connect(&args.cluster)?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| api.default_namespace.clone());
    let selection = match (&args.pod, args.all_namespaces) {
        (Some(_), true) => bail!("a pod name and --all-namespaces do not go together"),
        (Some(pod), false) => {
            if args.selector.is_some() {
                bail!("a pod name and -l/--selector do not go together");
            }
            Selection::Pod {
                namespace: namespace.clone(),
                name: pod.clone(),
            }
        }
        (None, all) => Selection::List {
            namespace: (!all).then(|| namespace.clone()),
            label_selector: args.selector.clone(),
        },
    };
    let oom_killed_since = match &args.oom_killed_since {
        Some(d) => Some(ago(d).context("--oom-killed-since")?),
        None => None,
    };
    let m = gather(
        &api,
        selection,
        oom_killed_since,
        &args.output,
        &args.cluster,
        &args.gather,
    )?;
    Ok(if m.pods.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Found
    })
}

/// The instant `d` (7d, 36h, 90m) before now.
pub fn ago(d: &str) -> Result<jiff::Timestamp> {
    let d = ranking::parse_duration(d).map_err(anyhow::Error::msg)?;
    let back = jiff::SignedDuration::try_from(d)?;
    Ok(jiff::Timestamp::now() - back)
}

/// The API client kubectl's flags (and `$KUBECONFIG`) describe; no
/// request is made.
pub fn connect(c: &ClusterArgs) -> Result<Api> {
    let request_timeout = match c.request_timeout.trim() {
        "0" | "0s" => None,
        t => Some(
            ranking::parse_duration(t)
                .map_err(anyhow::Error::msg)
                .context("--request-timeout")?,
        ),
    };
    let connect = Connect {
        kubeconfig: c.kubeconfig.clone(),
        context: c.context.clone(),
        as_user: c.as_user.clone(),
        as_groups: c.as_groups.clone(),
        request_timeout,
    };
    Api::connect(&connect).map_err(|e| anyhow!(e))
}

/// Collects `selection` into a new bundle at `output` as `g` says, prints
/// each failure and JVM note on stderr, and returns the manifest.
pub fn gather(
    api: &Api,
    selection: Selection,
    oom_killed_since: Option<jiff::Timestamp>,
    output: &Path,
    cluster: &ClusterArgs,
    g: &GatherArgs,
) -> Result<Manifest> {
    let limit_bytes = memory_bytes(&g.limit_bytes)
        .ok_or_else(|| anyhow!("--limit-bytes {:?}: want 10Mi, 1G or bytes", g.limit_bytes))?;
    let node_log_bytes = memory_bytes(&g.node_log_bytes).ok_or_else(|| {
        anyhow!(
            "--node-log-bytes {:?}: want 32Mi or bytes",
            g.node_log_bytes
        )
    })?;
    let prometheus = match &g.prometheus {
        Some(url) => {
            let window_s = ranking::parse_duration(&g.window)
                .map_err(anyhow::Error::msg)
                .context("--window")?
                .as_secs()
                .max(3600);
            let client =
                oomlens_live::prometheus::Client::new(oomlens_live::prometheus::Config::new(url))
                    .map_err(|e| anyhow!("--prometheus {url}: {e}"))?;
            let queries = Box::new(move |ns: &str, pods: &[String]| {
                // Pod names are DNS subdomains: `.` is the one regex character in them.
                let pods: Vec<String> = pods.iter().map(|p| p.replace('.', "\\.")).collect();
                let selector = format!("pod=~{}", ranking::promql_string(&pods.join("|")));
                let Ok(matchers) = ranking::matchers(Some(ns), Some(&selector)) else {
                    return Vec::new();
                };
                ranking::queries(&Params { window_s, matchers })
                    .into_iter()
                    .map(|q| (q.measure.name().to_string(), q.promql))
                    .collect()
            });
            Some(Prometheus {
                client,
                queries,
                at: jiff::Timestamp::now().as_second() as f64,
            })
        }
        None => None,
    };
    let plan = Plan {
        selection,
        oom_killed_since,
        tail_lines: g.tail,
        limit_bytes,
        node_log_bytes: usize::try_from(node_log_bytes).unwrap_or(usize::MAX),
        chunk_size: g.chunk_size,
        prometheus,
        jvm: JvmPlan {
            exec: !g.no_exec,
            exec_timeout: ranking::parse_duration(&g.exec_timeout)
                .map_err(anyhow::Error::msg)
                .context("--exec-timeout")?,
            debug_image: g.debug_image.clone(),
            debug_timeout: ranking::parse_duration(&g.debug_timeout)
                .map_err(anyhow::Error::msg)
                .context("--debug-timeout")?,
            ..JvmPlan::default()
        },
        context: cluster.context.clone(),
        impersonate_user: cluster.as_user.clone(),
        impersonate_groups: cluster.as_groups.clone(),
    };
    let bundle = Bundle::create(output)
        .with_context(|| format!("cannot create the bundle {}", output.display()))?;
    let m = collect(api, &plan, bundle)?;
    for f in &m.failures {
        eprintln!(
            "oomlens: {} ({}): {}{}",
            f.hint,
            f.api_path,
            f.status.map_or(String::new(), |s| format!("HTTP {s} ")),
            f.message
        );
    }
    for j in &m.jvm {
        let who = format!("{}/{} container {}", j.namespace, j.pod, j.container);
        match j.gathered {
            JvmGathered::Exec => eprintln!(
                "oomlens: {who}: jcmd ran through exec for JVM pid(s) {:?}",
                j.pids
            ),
            JvmGathered::DebugContainer => eprintln!(
                "oomlens: {who}: oomlens jcmd --all ran in the ephemeral debug container {}",
                j.debug_container.as_deref().unwrap_or("?")
            ),
            JvmGathered::Printed => {
                if let Some(p) = &j.problem {
                    eprintln!("oomlens: {who}: no JVM evidence gathered: {p}");
                }
                eprintln!(
                    "oomlens: {who} looks like a JVM ({}); for its memory pools run: {}\n  or, when its image has no jcmd: {}",
                    j.because,
                    j.exec.get(2).map_or("", String::as_str),
                    j.debug
                );
            }
        }
        for s in &j.skipped {
            eprintln!("oomlens: {who}: {s}");
        }
    }
    eprintln!(
        "oomlens: {} pod(s), {} file(s), {} failure(s), {} redaction(s), {} API call(s) ({} lists) -> {}",
        m.pods.len(),
        m.files.len(),
        m.failures.len(),
        m.redacted.len(),
        m.calls.total,
        m.calls.lists,
        output.display()
    );
    Ok(m)
}
