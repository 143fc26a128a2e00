//! `oomlens collect`: wires the flags to `oomlens_collect` (the API
//! client, the plan, the bundle) and `scan`'s Prometheus queries, and
//! prints what was written and what failed.

use anyhow::{anyhow, bail, Context, Result};
use oomlens_analysis::scan::{self as ranking, Params};
use oomlens_collect::api::{Api, Connect};
use oomlens_collect::bundle::Bundle;
use oomlens_collect::collect::{collect, JvmPlan, Plan, Prometheus, Selection};
use oomlens_collect::manifest::JvmGathered;
use oomlens_evidence::k8s::quantity::memory_bytes;

use super::Outcome;
use crate::CollectArgs;

pub fn run(args: CollectArgs) -> Result<Outcome> {
    let connect = Connect {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        as_user: args.as_user.clone(),
        as_groups: args.as_groups.clone(),
    };
    let api = Api::connect(&connect).map_err(|e| anyhow!(e))?;
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
        Some(d) => {
            let d = ranking::parse_duration(d)
                .map_err(anyhow::Error::msg)
                .context("--oom-killed-since")?;
            let back = jiff::SignedDuration::try_from(d).context("--oom-killed-since")?;
            Some(jiff::Timestamp::now() - back)
        }
        None => None,
    };
    let limit_bytes = memory_bytes(&args.limit_bytes).ok_or_else(|| {
        anyhow!(
            "--limit-bytes {:?}: want 10Mi, 1G or bytes",
            args.limit_bytes
        )
    })?;
    let node_log_bytes = memory_bytes(&args.node_log_bytes).ok_or_else(|| {
        anyhow!(
            "--node-log-bytes {:?}: want 32Mi or bytes",
            args.node_log_bytes
        )
    })?;
    let prometheus = match &args.prometheus {
        Some(url) => {
            let window_s = ranking::parse_duration(&args.window)
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
        tail_lines: args.tail,
        limit_bytes,
        node_log_bytes: usize::try_from(node_log_bytes).unwrap_or(usize::MAX),
        chunk_size: args.chunk_size,
        prometheus,
        jvm: JvmPlan {
            exec: !args.no_exec,
            exec_timeout: ranking::parse_duration(&args.exec_timeout)
                .map_err(anyhow::Error::msg)
                .context("--exec-timeout")?,
            debug_image: args.debug_image.clone(),
            debug_timeout: ranking::parse_duration(&args.debug_timeout)
                .map_err(anyhow::Error::msg)
                .context("--debug-timeout")?,
            ..JvmPlan::default()
        },
        context: args.context.clone(),
        impersonate_user: args.as_user.clone(),
        impersonate_groups: args.as_groups.clone(),
    };
    let bundle =
        Bundle::create(&args.output).with_context(|| format!("-o {}", args.output.display()))?;
    let m = collect(&api, &plan, bundle)?;
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
        args.output.display()
    );
    Ok(if m.pods.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Found
    })
}
