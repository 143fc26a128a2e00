//! `oomlens scan`: every container of a fleet ranked by OOM risk, from a
//! Prometheus-compatible server.
//!
//! The PromQL and the ranking live in `oomlens_analysis::scan`, the HTTP
//! client in `oomlens_live::prometheus`; this wires them: phase one runs the
//! ten fixed queries two at a time; phase two (only when kube-state-metrics
//! saw OOMKilled restarts: one query per 500 such containers, at most 8)
//! counts those restarts exactly.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use oomlens_analysis::scan::{self as ranking, Key, Measure, Params, QueryRun, QuerySpec, Series};
use oomlens_live::prometheus::{self, Auth, Client, Config};

use super::Outcome;
use crate::{Format, ScanArgs};

/// Queries in flight at once.
pub const IN_FLIGHT: usize = 2;

fn auth(args: &ScanArgs) -> Result<Auth> {
    if let Some(f) = &args.bearer_token_file {
        let t = std::fs::read_to_string(f)
            .with_context(|| format!("--bearer-token-file {}", f.display()))?;
        let t = t.trim();
        if t.is_empty() {
            bail!("--bearer-token-file {}: the file is empty", f.display());
        }
        return Ok(Auth::Bearer(t.to_string()));
    }
    if let Ok(t) = std::env::var("OOMLENS_PROMETHEUS_TOKEN") {
        if !t.trim().is_empty() {
            return Ok(Auth::Bearer(t.trim().to_string()));
        }
    }
    match (
        std::env::var("OOMLENS_PROMETHEUS_USER"),
        std::env::var("OOMLENS_PROMETHEUS_PASSWORD"),
    ) {
        (Ok(user), password) if !user.is_empty() => Ok(Auth::Basic {
            user,
            password: password.unwrap_or_default(),
        }),
        _ => Ok(Auth::None),
    }
}

fn to_series(answer: prometheus::Answer) -> Vec<Series> {
    answer
        .series
        .into_iter()
        .filter_map(|mut s| {
            let key = Key {
                namespace: s.take_label("namespace"),
                pod: s.take_label("pod"),
                container: s.take_label("container"),
            };
            // A series without a pod is not a container's.
            (!key.pod.is_empty()).then_some(Series {
                key,
                points: s.points,
            })
        })
        .collect()
}

/// Runs `specs`, recording each in `runs` and its series in `answers`.
/// Fails when the server cannot be used at all.
fn run_queries(
    client: &Client,
    specs: &[QuerySpec],
    at: f64,
    runs: &mut Vec<QueryRun>,
    answers: &mut Vec<(Measure, Vec<Series>)>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let texts: Vec<String> = specs.iter().map(|s| s.promql.clone()).collect();
    // Queries that ask for it run at the scan's time rounded up to their
    // step (all of one call ask alike).
    let at = match specs.first().and_then(|s| s.align_s) {
        Some(a) if a > 0 => (at / a as f64).ceil() * a as f64,
        _ => at,
    };
    // Each answer is cut down to its containers' keys and points on the
    // thread that got it.
    let results = client.query_each(&texts, Some(at), IN_FLIGHT, |_, r| {
        r.map(|a| {
            let (seconds, tries, n) = (a.seconds, a.tries, a.series.len());
            let warnings = a.warnings.clone();
            (seconds, tries, n, warnings, to_series(a))
        })
    });
    let mut fatal = None;
    for (spec, r) in specs.iter().zip(results) {
        match r.and_then(|x| x) {
            Ok((seconds, tries, n, server_warnings, series)) => {
                for w in &server_warnings {
                    warnings.push(format!("{}: the server warns: {w}", spec.measure.name()));
                }
                runs.push(QueryRun {
                    name: spec.measure.name().into(),
                    query: spec.promql.clone(),
                    seconds: (seconds * 1000.0).round() / 1000.0,
                    series: n,
                    tries,
                    error: None,
                });
                answers.push((spec.measure, series));
            }
            Err(e) => {
                if e.is_fatal() && fatal.is_none() {
                    fatal = Some(e.clone());
                }
                warnings.push(format!(
                    "{} failed, its fields are null: {e}",
                    spec.measure.name()
                ));
                runs.push(QueryRun {
                    name: spec.measure.name().into(),
                    query: spec.promql.clone(),
                    seconds: 0.0,
                    series: 0,
                    tries: 0,
                    error: Some(e.to_string()),
                });
            }
        }
    }
    if let Some(e) = fatal {
        return Err(anyhow::Error::new(e));
    }
    Ok(())
}

pub fn run(args: ScanArgs, style: oomlens_report::Style) -> Result<Outcome> {
    super::accept(
        args.out.format(),
        "scan",
        &[Format::Text, Format::Json, Format::Html],
    )?;
    let started = Instant::now();
    let window_s = ranking::parse_duration(&args.window)
        .map_err(anyhow::Error::msg)
        .context("--window")?
        .as_secs();
    if window_s < 3600 {
        bail!("--window {}: at least 1h, to see growth", args.window);
    }
    let timeout = ranking::parse_duration(&args.timeout)
        .map_err(anyhow::Error::msg)
        .context("--timeout")?;
    let matchers = ranking::matchers(args.namespace.as_deref(), args.selector.as_deref())
        .map_err(anyhow::Error::msg)?;
    let at = match &args.at {
        Some(a) => oomlens_evidence::time::parse_instant(a)
            .map_err(anyhow::Error::msg)
            .context("--at")?,
        None => jiff::Timestamp::now(),
    };
    // Whole milliseconds, the same for every query.
    let at_ms = at.as_millisecond();
    let at_s = at_ms as f64 / 1000.0;
    let mut cfg = Config::new(&args.prometheus);
    cfg.auth = auth(&args)?;
    cfg.ca_file = args.ca_file.clone();
    cfg.timeout = timeout;
    for h in &args.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("--header {h:?}: want 'Name: value'"))?;
        cfg.headers
            .push((k.trim().to_string(), v.trim().to_string()));
    }
    let client = Client::new(cfg)?;
    let params = Params { window_s, matchers };

    let mut runs = Vec::new();
    let mut answers = Vec::new();
    let mut warnings = Vec::new();
    run_queries(
        &client,
        &ranking::queries(&params),
        at_s,
        &mut runs,
        &mut answers,
        &mut warnings,
    )?;
    let measured = |m: Measure| answers.iter().any(|(x, _)| *x == m);
    if !measured(Measure::WorkingSet)
        && !measured(Measure::WorkingSetMax)
        && !measured(Measure::WorkingSetFloor)
    {
        bail!(
            "no working-set query succeeded at {}: {}",
            client.url(),
            runs.iter()
                .filter_map(|r| r.error.as_deref())
                .next()
                .unwrap_or("?")
        );
    }
    let candidates = ranking::oom_candidates(&answers);
    let phase2 = ranking::oom_restarts_queries(&params, &candidates);
    let mut exact = BTreeSet::new();
    if !phase2.is_empty() {
        let specs: Vec<QuerySpec> = phase2.iter().map(|(q, _)| q.clone()).collect();
        let before = runs.len();
        run_queries(
            &client,
            &specs,
            at_s,
            &mut runs,
            &mut answers,
            &mut warnings,
        )?;
        for ((_, keys), run) in phase2.iter().zip(&runs[before..]) {
            if run.error.is_none() {
                exact.extend(keys.iter().cloned());
            }
        }
    }
    let counted: usize = phase2.iter().map(|(_, k)| k.len()).sum();
    if counted < candidates.len() {
        warnings.push(format!(
            "{} containers restarted with OOMKilled as kube-state-metrics' last reason; past the first {counted}, every restart counts as an OOM kill (an upper bound): narrow with --namespace or --selector for exact counts",
            candidates.len()
        ));
    }
    let scan = ranking::rank(&params, at_ms, &answers, &exact);
    if scan.containers.is_empty() {
        warnings.push(format!(
            "no container_memory_working_set_bytes series{} at {}: is cAdvisor (the kubelet's /metrics/cadvisor) scraped, and is --at within the data?",
            if params.matchers.is_empty() {
                String::new()
            } else {
                format!(" matching {{{}}}", params.matchers)
            },
            client.url()
        ));
    }
    let meta = oomlens_report::scan::Meta {
        server: client.url(),
        at: at.to_string(),
        window: params.window(),
        window_seconds: window_s,
        matchers: &params.matchers,
        queries: &runs,
        in_flight: IN_FLIGHT,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        warnings: &warnings,
    };
    let out = match args.out.format() {
        Format::Json => oomlens_report::scan::json(&scan, &meta, args.top),
        Format::Html => oomlens_report::html::scan(
            &scan,
            &oomlens_report::html::ScanHead {
                server: meta.server,
                at: &meta.at,
                window: &meta.window,
                matchers: meta.matchers,
                warnings: meta.warnings,
            },
            args.top.unwrap_or(30),
        ),
        Format::Text | Format::Markdown => {
            oomlens_report::scan::text(&scan, &meta, args.top.unwrap_or(30), style)
        }
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if scan.at_risk > 0 {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}
