//! The collection itself: select pods (one by name, or a paged list by
//! namespace, label selector, every namespace, OOM-killed since a time),
//! and for each write its object, owner chain, logs (current and previous),
//! events, its node's kernel log and cAdvisor series, Prometheus series,
//! and the jcmd outputs of its JVM containers (exec, or an ephemeral debug
//! container), redacted, into a [`Bundle`], with the [`Manifest`] last.
//!
//! What a list returns is never asked for one pod at a time: pods and
//! events come from paged lists (`limit`/`continue`) when more than one pod
//! is selected, owners are fetched once each, nodes once each; exec is
//! per container by nature (one `jcmd -l`, one call per command). A failed
//! call is recorded and the rest goes on; only a failure to read the pods
//! themselves ends the collection.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use crate::api::{escape, Access, Api, CallError, Exit, Keep, Verb};
use crate::bundle::{safe, Bundle};
use crate::manifest::*;
use crate::redact;
use oomlens_live::attach::gather;

/// Which pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// One pod by name.
    Pod { namespace: String, name: String },
    /// A namespace's pods, or every namespace's (`namespace: None`),
    /// optionally matching a label selector.
    List {
        namespace: Option<String>,
        label_selector: Option<String>,
    },
}

/// The queries to ask Prometheus for a namespace's selected pods: (name,
/// PromQL) pairs. Given by the caller (the CLI uses `scan`'s queries).
pub type PromQueries = Box<dyn Fn(&str, &[String]) -> Vec<(String, String)>>;

/// Prometheus, when asked for.
pub struct Prometheus {
    pub client: oomlens_live::prometheus::Client,
    pub queries: PromQueries,
    /// Evaluation time (Unix seconds).
    pub at: f64,
}

/// What to collect and how much.
pub struct Plan {
    pub selection: Selection,
    /// Only pods with a container whose last termination was `OOMKilled`
    /// at or after this time, or (for a list) a core event saying the pod
    /// was OOM-killed or evicted for memory since then.
    pub oom_killed_since: Option<jiff::Timestamp>,
    /// `tailLines` of each log.
    pub tail_lines: Option<u64>,
    /// `limitBytes` of each log.
    pub limit_bytes: u64,
    /// The most of a node's kernel log kept (its end).
    pub node_log_bytes: usize,
    /// `limit` of each list page.
    pub chunk_size: u32,
    pub prometheus: Option<Prometheus>,
    /// How JVM evidence is gathered from the containers taken for JVMs.
    pub jvm: JvmPlan,
    /// For the manifest.
    pub context: Option<String>,
    pub impersonate_user: Option<String>,
    pub impersonate_groups: Vec<String>,
}

/// How JVM evidence is gathered.
#[derive(Debug, Clone)]
pub struct JvmPlan {
    /// Run `jcmd` in the container through the exec subresource (RBAC
    /// `create pods/exec`). Off: only the commands are printed.
    pub exec: bool,
    /// Each exec's bound (the class histogram forces a full collection).
    pub exec_timeout: std::time::Duration,
    /// Stdout kept of each jcmd output.
    pub max_bytes: usize,
    /// When exec did not gather (no jcmd in the image, exec refused): an
    /// image with oomlens to run as an ephemeral debug container targeting
    /// the JVM's container (`oomlens jcmd --all 1 -o -`; RBAC `patch
    /// pods/ephemeralcontainers`), read back through its log.
    pub debug_image: Option<String>,
    /// How long to wait for the debug container to finish.
    pub debug_timeout: std::time::Duration,
}

impl Default for JvmPlan {
    fn default() -> JvmPlan {
        JvmPlan {
            exec: true,
            exec_timeout: std::time::Duration::from_secs(60),
            max_bytes: 16 << 20,
            debug_image: None,
            debug_timeout: std::time::Duration::from_secs(120),
        }
    }
}

/// Why a collection could not be made at all.
#[derive(Debug)]
pub enum Fatal {
    Pods(Box<Failure>),
    Write(std::io::Error),
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fatal::Pods(x) => write!(
                f,
                "cannot read the pods ({}): {}; {}",
                x.api_path, x.message, x.hint
            ),
            Fatal::Write(e) => write!(f, "cannot write the bundle: {e}"),
        }
    }
}

impl std::error::Error for Fatal {}

const POD_GET: Access = Access::new(Verb::Get, "", "pods");
const POD_LIST: Access = Access::new(Verb::List, "", "pods");
const EVENTS: Access = Access::new(Verb::List, "", "events");
const EVENTS_K8S: Access = Access::new(Verb::List, "events.k8s.io", "events");
const LOG: Access = Access::new(Verb::Get, "", "pods/log");
const NODE_PROXY: Access = Access::new(Verb::Get, "", "nodes/proxy");
const EXEC: Access = Access::new(Verb::Create, "", "pods/exec");
const EPHEMERAL: Access = Access::new(Verb::Patch, "", "pods/ephemeralcontainers");

/// The bound of one API object or list page.
const OBJECT_BYTES: usize = 64 << 20;
/// The bound of a node's cAdvisor page before filtering.
const CADVISOR_BYTES: usize = 256 << 20;

struct Run<'a> {
    api: &'a Api,
    plan: &'a Plan,
    out: Bundle,
    m: Manifest,
    owners: HashMap<(String, String, String), Option<(Value, OwnerNote)>>,
    /// node -> (namespace, pod) selected on it.
    nodes: BTreeMap<String, BTreeSet<(String, String)>>,
    /// namespace -> pods selected in it.
    by_ns: BTreeMap<String, Vec<String>>,
    uids: HashSet<String>,
    /// Namespaces where exec was refused (403): not asked again.
    exec_refused: HashSet<String>,
    /// Images found without jcmd: not asked again.
    no_jcmd: HashSet<String>,
    /// Pods an event says were OOM-killed within `oom_killed_since`.
    oom_event_uids: HashSet<String>,
    /// The core event pages [`Run::oom_events`] listed, kept on disk.
    listed_events: Option<Spilled>,
}

/// What [`Run::list_pages`] hands each page to: the run, the page's path,
/// its status and the page.
type EachPage<'a, R> = dyn FnMut(&mut R, String, u16, Value) -> Result<(), Fatal> + 'a;

/// Where the kept pages of one event list go: `DIR/STEM-N.json`.
struct PageSink<'a> {
    dir: &'a str,
    stem: &'static str,
    what: Item,
    access: Access,
    /// `involvedObject` (core) or `regarding` (`events.k8s.io`).
    about: &'static str,
    /// Files written so far.
    written: usize,
}

/// Event-list pages kept between the OOM pre-pass and the events pass in
/// an unnamed temporary file, so that a cluster's events are never all in
/// memory at once: one page is.
struct Spilled {
    file: std::fs::File,
    /// (path, status, offset, length) of each page in `file`.
    pages: Vec<(String, u16, u64, usize)>,
}

impl Spilled {
    fn new() -> std::io::Result<Spilled> {
        Ok(Spilled {
            file: tempfile::tempfile()?,
            pages: Vec::new(),
        })
    }

    fn push(&mut self, path: String, status: u16, page: &Value) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        let bytes = serde_json::to_vec(page)?;
        let at = self.file.seek(SeekFrom::End(0))?;
        self.file.write_all(&bytes)?;
        self.pages.push((path, status, at, bytes.len()));
        Ok(())
    }

    fn page(&self, i: usize) -> Option<(String, u16, Value)> {
        use std::os::unix::fs::FileExt;
        let (path, status, at, len) = self.pages.get(i)?;
        let mut bytes = vec![0; *len];
        self.file.read_exact_at(&mut bytes, *at).ok()?;
        Some((path.clone(), *status, serde_json::from_slice(&bytes).ok()?))
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Collects into `out`; returns the manifest that was written last.
pub fn collect(api: &Api, plan: &Plan, out: Bundle) -> Result<Manifest, Fatal> {
    let (pod, namespace) = match &plan.selection {
        Selection::Pod { namespace, name } => (Some(name.clone()), Some(namespace.clone())),
        Selection::List { namespace, .. } => (None, namespace.clone()),
    };
    let label_selector = match &plan.selection {
        Selection::List { label_selector, .. } => label_selector.clone(),
        Selection::Pod { .. } => None,
    };
    let m = Manifest {
        schema: SCHEMA,
        oomlens_version: env!("CARGO_PKG_VERSION").into(),
        started: now(),
        finished: String::new(),
        server: api.server.clone(),
        context: plan.context.clone(),
        impersonate_user: plan.impersonate_user.clone(),
        impersonate_groups: plan.impersonate_groups.clone(),
        selection: SelectionNote {
            pod,
            all_namespaces: namespace.is_none(),
            namespace,
            label_selector,
            oom_killed_since: plan.oom_killed_since.map(|t| t.to_string()),
        },
        limits: Limits {
            tail_lines: plan.tail_lines,
            limit_bytes: plan.limit_bytes,
            node_log_bytes: plan.node_log_bytes,
            chunk_size: plan.chunk_size,
        },
        calls: Calls::default(),
        pods: Vec::new(),
        files: Vec::new(),
        failures: Vec::new(),
        redacted: Vec::new(),
        jvm: Vec::new(),
        node: None,
    };
    let mut r = Run {
        api,
        plan,
        out,
        m,
        owners: HashMap::new(),
        nodes: BTreeMap::new(),
        by_ns: BTreeMap::new(),
        uids: HashSet::new(),
        exec_refused: HashSet::new(),
        no_jcmd: HashSet::new(),
        oom_event_uids: HashSet::new(),
        listed_events: None,
    };
    match &plan.selection {
        Selection::Pod { namespace, name } => {
            let path = format!(
                "/api/v1/namespaces/{}/pods/{}",
                escape(namespace),
                escape(name)
            );
            let (v, status) = read_pods(api, &path, Item::Pod, POD_GET)?;
            r.pod(v, &path, status)?;
            if let Some(uid) = r.m.pods.first().and_then(|p| p.uid.clone()) {
                r.events_of_pod(namespace, name, &uid)?;
            }
        }
        Selection::List {
            namespace,
            label_selector,
        } => {
            let base = match namespace {
                Some(ns) => format!("/api/v1/namespaces/{}/pods", escape(ns)),
                None => "/api/v1/pods".to_string(),
            };
            if let Some(since) = plan.oom_killed_since {
                r.oom_events(namespace.as_deref(), since)?;
            }
            let mut query = format!("limit={}", plan.chunk_size.max(1));
            if let Some(sel) = label_selector {
                query.push_str(&format!("&labelSelector={}", escape(sel)));
            }
            let mut cont: Option<String> = None;
            loop {
                let path = match &cont {
                    Some(c) => format!("{base}?{query}&continue={}", escape(c)),
                    None => format!("{base}?{query}"),
                };
                let (mut page, status) = read_pods(api, &path, Item::PodList, POD_LIST)?;
                cont = page
                    .pointer("/metadata/continue")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string);
                let items = match page.get_mut("items") {
                    Some(Value::Array(items)) => std::mem::take(items),
                    _ => Vec::new(),
                };
                for mut item in items {
                    // List items carry no kind; the file is read as a Pod.
                    if let Some(o) = item.as_object_mut() {
                        o.insert("apiVersion".into(), "v1".into());
                        o.insert("kind".into(), "Pod".into());
                    }
                    r.pod(item, &path, status)?;
                }
                if cont.is_none() {
                    break;
                }
            }
            if !r.uids.is_empty() {
                r.events_listed(namespace.as_deref())?;
            }
        }
    }
    r.node_evidence()?;
    r.prometheus()?;
    let (total, lists) = api.counts();
    r.m.calls = Calls { total, lists };
    r.m.finished = now();
    let json = serde_json::to_vec_pretty(&r.m).map_err(|e| Fatal::Write(e.into()))?;
    r.out.put("manifest.json", &json).map_err(Fatal::Write)?;
    r.out.finish().map_err(Fatal::Write)?;
    Ok(r.m)
}

/// A pod or a page of pods, whose failure ends the collection.
fn read_pods(api: &Api, path: &str, what: Item, access: Access) -> Result<(Value, u16), Fatal> {
    let fatal = |e: &CallError| Fatal::Pods(Box::new(Failure::new(what, path, access, e)));
    let reply = api
        .get(path, access, OBJECT_BYTES, Keep::Head)
        .map_err(|e| fatal(&e))?;
    let v = serde_json::from_slice(&reply.body).map_err(|e| {
        fatal(&CallError::Transport(format!(
            "not a Kubernetes object: {e}"
        )))
    })?;
    Ok((v, reply.status))
}

/// The core and events.k8s.io event lists of a namespace, or of all.
fn event_lists(ns: Option<&str>) -> (String, String) {
    match ns {
        Some(ns) => (
            format!("/api/v1/namespaces/{}/events", escape(ns)),
            format!("/apis/events.k8s.io/v1/namespaces/{}/events", escape(ns)),
        ),
        None => (
            "/api/v1/events".into(),
            "/apis/events.k8s.io/v1/events".into(),
        ),
    }
}

/// Whether a core event about a pod says it was OOM-killed (`OOMKilling`,
/// `SystemOOM`, an `OOMKilled` message) or evicted for memory (`Evicted`,
/// "low on resource: memory") at or after `since` (its `lastTimestamp`,
/// else `eventTime`, else `firstTimestamp`). node-problem-detector's and
/// the kubelet's own OOM events are about nodes: the pre-pass lists pod
/// events only, and does not map those.
fn oom_event_since(e: &Value, since: jiff::Timestamp) -> bool {
    let reason = e.get("reason").and_then(Value::as_str).unwrap_or("");
    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
    let oom = match reason {
        "OOMKilling" | "SystemOOM" => true,
        "Evicted" => oomlens_evidence::k8s::eviction_for_memory(message),
        _ => message.contains("OOMKilled"),
    };
    let at = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|k| e.get(*k).and_then(Value::as_str))
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    oom && at.is_some_and(|t| t >= since)
}

/// Whether a pod had a container OOM-killed at or after `since`.
fn oom_killed_since(p: &Pod, since: jiff::Timestamp) -> bool {
    let Some(st) = &p.status else { return false };
    let all = st
        .container_statuses
        .iter()
        .flatten()
        .chain(st.init_container_statuses.iter().flatten());
    all.filter_map(|c| {
        let t = c.last_state.as_ref()?.terminated.as_ref().or(c
            .state
            .as_ref()?
            .terminated
            .as_ref())?;
        (t.reason.as_deref() == Some("OOMKilled")).then_some(t)
    })
    .any(|t| {
        t.finished_at
            .as_ref()
            .is_some_and(|f| f.0.as_second() >= since.as_second())
    })
}

fn memory_limits(spec: Option<&k8s_openapi::api::core::v1::PodSpec>) -> Vec<(String, String)> {
    spec.map(|s| {
        s.containers
            .iter()
            .filter_map(|c| {
                let l = c.resources.as_ref()?.limits.as_ref()?.get("memory")?;
                Some((c.name.clone(), l.0.clone()))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Why a container is taken for a JVM.
fn jvm_reason(c: &k8s_openapi::api::core::v1::Container) -> Option<String> {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("java")
            || s.contains("jdk")
            || s.contains("jre")
            || s.contains("temurin")
            || s.contains("corretto")
    };
    if c.env
        .iter()
        .flatten()
        .any(|e| e.name == "JAVA_TOOL_OPTIONS" || e.name == "JAVA_OPTS")
    {
        return Some("JAVA_TOOL_OPTIONS/JAVA_OPTS in its env".into());
    }
    if c.command
        .iter()
        .flatten()
        .chain(c.args.iter().flatten())
        .any(|a| mentions(a))
    {
        return Some("its command runs java".into());
    }
    if c.image.as_deref().is_some_and(mentions) {
        return Some("its image names a JDK".into());
    }
    None
}

/// The JVMs `jcmd -l` lists (`PID MAIN-CLASS`), without jcmd itself.
fn jvm_pids(out: &[u8]) -> Vec<u32> {
    out.split(|&b| b == b'\n')
        .filter(|l| memchr::memmem::find(l, b"sun.tools.jcmd.JCmd").is_none())
        .filter_map(|l| {
            let end = l
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(l.len());
            std::str::from_utf8(&l[..end]).ok()?.parse().ok()
        })
        .collect()
}

/// Whether a jcmd output is NMT's "not enabled" answer after its `PID:` line.
fn nmt_off(out: &[u8]) -> bool {
    let body = match memchr::memchr(b'\n', out) {
        Some(i) => &out[i + 1..],
        None => out,
    };
    body.trim_ascii() == oomlens_live::attach::NMT_NOT_ENABLED.as_bytes()
}

/// An exec that ran but failed, as a call error for the manifest.
fn exec_failure(exit: &Exit, stderr: &[u8]) -> CallError {
    CallError::Status {
        status: 101,
        reason: match exit {
            Exit::Code(_) => "NonZeroExitCode".into(),
            Exit::Failed { reason, .. } => reason.clone(),
        },
        message: exit_text(exit, stderr),
    }
}

fn exit_text(exit: &Exit, stderr: &[u8]) -> String {
    let err = String::from_utf8_lossy(&stderr[..stderr.len().min(300)]);
    let err = err.trim();
    let head = match exit {
        Exit::Code(c) => format!("exit code {c}"),
        Exit::Failed { message, .. } => message.clone(),
    };
    if err.is_empty() {
        head
    } else {
        format!("{head}: {err}")
    }
}

/// Where a file came from, for its manifest entry.
struct Origin<'a> {
    what: Item,
    api_path: &'a str,
    access: Access,
    status: u16,
    truncated: bool,
}

impl Run<'_> {
    fn file(&mut self, path: &str, o: &Origin, bytes: &[u8]) -> Result<(), Fatal> {
        self.out.put(path, bytes).map_err(Fatal::Write)?;
        self.m.files.push(FileNote {
            path: path.into(),
            what: o.what,
            api_path: o.api_path.into(),
            access: Some(o.access),
            collected_at: now(),
            status: Some(o.status),
            bytes: bytes.len(),
            truncated: o.truncated,
        });
        Ok(())
    }

    fn fail(&mut self, what: Item, api_path: &str, access: Access, e: &CallError) {
        self.m
            .failures
            .push(Failure::new(what, api_path, access, e));
    }

    /// Redacts an object and writes it as pretty JSON.
    fn object(&mut self, path: &str, o: &Origin, mut v: Value) -> Result<(), Fatal> {
        for x in redact::object(&mut v) {
            self.m.redacted.push(RedactedNote {
                path: path.into(),
                at: x.at,
                kind: x.kind,
            });
        }
        let bytes = serde_json::to_vec_pretty(&v).map_err(|e| Fatal::Write(e.into()))?;
        self.file(path, o, &bytes)
    }

    /// Redacts text and writes it.
    fn text(&mut self, path: &str, o: &Origin, body: &[u8]) -> Result<(), Fatal> {
        let (clean, found) = redact::text(body);
        for (line, kind) in found {
            self.m.redacted.push(RedactedNote {
                path: path.into(),
                at: format!("line {line}"),
                kind,
            });
        }
        self.file(path, o, &clean)
    }

    fn pod(&mut self, v: Value, api_path: &str, status: u16) -> Result<(), Fatal> {
        let p: Pod = match serde_json::from_value(v.clone()) {
            Ok(p) => p,
            Err(e) => {
                self.fail(
                    Item::Pod,
                    api_path,
                    POD_GET,
                    &CallError::Transport(format!("a pod that does not decode: {e}")),
                );
                return Ok(());
            }
        };
        if let Some(since) = self.plan.oom_killed_since {
            let by_event = p
                .metadata
                .uid
                .as_ref()
                .is_some_and(|u| self.oom_event_uids.contains(u));
            if !by_event && !oom_killed_since(&p, since) {
                return Ok(());
            }
        }
        let ns = p
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let name = p.metadata.name.clone().unwrap_or_default();
        let dir = format!("{}/{}", safe(&ns), safe(&name));
        self.object(
            &format!("{dir}/pod.json"),
            &Origin {
                what: Item::Pod,
                api_path,
                access: POD_GET,
                status,
                truncated: false,
            },
            v,
        )?;
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
        if let Some(n) = &node {
            self.nodes
                .entry(n.clone())
                .or_default()
                .insert((ns.clone(), name.clone()));
        }
        self.by_ns.entry(ns.clone()).or_default().push(name.clone());
        if let Some(uid) = &p.metadata.uid {
            self.uids.insert(uid.clone());
        }
        let limits: HashMap<String, String> = memory_limits(p.spec.as_ref()).into_iter().collect();
        let statuses = p
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.clone())
            .unwrap_or_default();
        let mut containers = Vec::new();
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            let st = statuses.iter().find(|s| s.name == c.name);
            let last = st
                .and_then(|s| s.last_state.as_ref())
                .and_then(|l| l.terminated.as_ref());
            containers.push(ContainerNote {
                name: c.name.clone(),
                restart_count: st.map_or(0, |s| s.restart_count),
                memory_limit: limits.get(&c.name).cloned(),
                last_terminated_reason: last.and_then(|t| t.reason.clone()),
                last_terminated_at: last
                    .and_then(|t| t.finished_at.as_ref())
                    .map(|t| t.0.to_string()),
            });
            let restarted = st.is_some_and(|s| s.restart_count > 0) || last.is_some();
            self.logs(&ns, &name, &c.name, &dir, restarted)?;
            if let Some(because) = jvm_reason(c) {
                let mut note = JvmNote::printed(&ns, &name, &c.name, because);
                let image = c.image.clone().unwrap_or_default();
                if self.plan.jvm.exec {
                    self.jvm_exec_once(&dir, &image, &mut note)?;
                }
                if note.gathered == JvmGathered::Printed {
                    if let Some(image) = self.plan.jvm.debug_image.clone() {
                        self.jvm_debug(&dir, &image, &mut note)?;
                    }
                }
                self.m.jvm.push(note);
            }
        }
        let owners = self.owner_chain(&ns, &p, &dir)?;
        self.m.pods.push(PodNote {
            namespace: ns,
            name,
            uid: p.metadata.uid.clone(),
            node,
            containers,
            owners,
        });
        Ok(())
    }

    /// [`Self::jvm_exec`] unless exec was refused in the namespace before
    /// or the image is known to lack jcmd: a namespace of many pods asks
    /// once, not once per pod, to learn either.
    fn jvm_exec_once(&mut self, dir: &str, image: &str, note: &mut JvmNote) -> Result<(), Fatal> {
        let ns = note.namespace.clone();
        if self.exec_refused.contains(&ns) {
            note.problem = Some(format!(
                "exec was refused in namespace {ns} (RBAC: create pods/exec); not asked again"
            ));
            return Ok(());
        }
        if self.no_jcmd.contains(image) {
            note.problem = Some(format!("the image {image} has no jcmd (found before)"));
            return Ok(());
        }
        let failed_before = self.m.failures.len();
        self.jvm_exec(dir, note)?;
        if note.gathered == JvmGathered::Printed {
            let refused = self.m.failures[failed_before..]
                .iter()
                .any(|f| f.status == Some(403) && f.access == EXEC);
            if refused {
                self.exec_refused.insert(ns);
            } else if note
                .problem
                .as_deref()
                .is_some_and(|p| p.starts_with("the image has no jcmd"))
            {
                self.no_jcmd.insert(image.to_string());
            }
        }
        Ok(())
    }

    /// JVM evidence through the exec subresource: `jcmd -l` finds the
    /// container's JVMs, then each command of [`gather::ALL`] runs as
    /// `jcmd PID COMMAND`, its stdout written as `jcmd PID COMMAND > FILE`
    /// writes it to `DIR/jvm/POD.CONTAINER.PID.FILE` (where the node view
    /// writes them too). A refusal, a missing `jcmd` or no JVM is noted in
    /// `note` and the failures; the printed commands stay.
    fn jvm_exec(&mut self, dir: &str, note: &mut JvmNote) -> Result<(), Fatal> {
        let (ns, pod, container) = (
            note.namespace.clone(),
            note.pod.clone(),
            note.container.clone(),
        );
        let plan = self.plan.jvm.clone();
        let path_of = |cmd: &[&str]| {
            let mut p = format!(
                "/api/v1/namespaces/{}/pods/{}/exec?container={}",
                escape(&ns),
                escape(&pod),
                escape(&container)
            );
            for c in cmd {
                p.push_str(&format!("&command={}", escape(c)));
            }
            p
        };
        let list = ["jcmd", "-l"];
        let path = path_of(&list);
        let listed = match self
            .api
            .exec(&ns, &pod, &container, &list, 1 << 20, plan.exec_timeout)
        {
            Ok(o) => o,
            Err(e) => {
                note.problem = Some(Failure::new(Item::Jcmd, &path, EXEC, &e).hint);
                self.fail(Item::Jcmd, &path, EXEC, &e);
                return Ok(());
            }
        };
        if listed.exit.not_found() {
            note.problem = Some(format!(
                "the image has no jcmd ({})",
                exit_text(&listed.exit, &listed.stderr)
            ));
            return Ok(());
        }
        if listed.exit != Exit::Code(0) {
            let e = exec_failure(&listed.exit, &listed.stderr);
            note.problem = Some(format!("jcmd -l failed: {e}"));
            self.fail(Item::Jcmd, &path, EXEC, &e);
            return Ok(());
        }
        note.pids = jvm_pids(&listed.stdout);
        if note.pids.is_empty() {
            note.problem = Some("jcmd -l lists no JVM in the container".into());
            return Ok(());
        }
        note.gathered = JvmGathered::Exec;
        let stem = format!("{}.{}", safe(&pod), safe(&container));
        for pid in note.pids.clone() {
            let pid_s = pid.to_string();
            for (file, command) in gather::ALL {
                let mut cmd = vec!["jcmd", pid_s.as_str()];
                cmd.extend(command.split_whitespace());
                let path = path_of(&cmd);
                let o = match self.api.exec(
                    &ns,
                    &pod,
                    &container,
                    &cmd,
                    plan.max_bytes,
                    plan.exec_timeout,
                ) {
                    Ok(o) => o,
                    Err(e) => {
                        self.fail(Item::Jcmd, &path, EXEC, &e);
                        continue;
                    }
                };
                if o.exit != Exit::Code(0) {
                    self.fail(Item::Jcmd, &path, EXEC, &exec_failure(&o.exit, &o.stderr));
                    continue;
                }
                if nmt_off(&o.stdout) {
                    note.skipped
                        .push(format!("{command}: {}", gather::NMT_HINT));
                    continue;
                }
                self.text(
                    &format!("{dir}/jvm/{stem}.{pid}.{file}"),
                    &Origin {
                        what: Item::Jcmd,
                        api_path: &path,
                        access: EXEC,
                        status: 101,
                        truncated: o.truncated,
                    },
                    &o.stdout,
                )?;
            }
        }
        Ok(())
    }

    /// JVM evidence through an ephemeral debug container: PATCH the pod's
    /// `ephemeralcontainers` with a container of `image` targeting the
    /// JVM's container (its processes visible, the JVM as pid 1) running
    /// `oomlens jcmd --all 1 -o -`; wait (bounded) for it to end; read its
    /// log, a tar of `jcmd --all`'s files, into `DIR/jvm/`. Ephemeral
    /// containers cannot be removed: it stays in the pod's spec, ended.
    fn jvm_debug(&mut self, dir: &str, image: &str, note: &mut JvmNote) -> Result<(), Fatal> {
        let (ns, pod, container) = (
            note.namespace.clone(),
            note.pod.clone(),
            note.container.clone(),
        );
        let name = format!(
            "oomlens-jcmd-{:x}",
            jiff::Timestamp::now().as_millisecond() & 0xff_ffff
        );
        let base = format!("/api/v1/namespaces/{}/pods/{}", escape(&ns), escape(&pod));
        let path = format!("{base}/ephemeralcontainers");
        let body = serde_json::json!({"spec": {"ephemeralContainers": [{
            "name": name,
            "image": image,
            "command": ["oomlens", "jcmd", "--all", "1", "-o", "-"],
            "targetContainerName": container,
            "stdin": false,
            "tty": false,
        }]}});
        let body = serde_json::to_vec(&body).map_err(|e| Fatal::Write(e.into()))?;
        if let Err(e) = self.api.patch(&path, body, EPHEMERAL, OBJECT_BYTES) {
            let f = Failure::new(Item::Jcmd, &path, EPHEMERAL, &e);
            note.problem = Some(format!(
                "{}; the debug container was not started: {}",
                note.problem.as_deref().unwrap_or("no exec"),
                f.hint
            ));
            self.m.failures.push(f);
            return Ok(());
        }
        note.debug_container = Some(name.clone());
        // Wait for it to end: the pod's ephemeralContainerStatuses.
        let deadline = std::time::Instant::now() + self.plan.jvm.debug_timeout;
        let ended = loop {
            let st = self
                .api
                .get(&base, POD_GET, OBJECT_BYTES, Keep::Head)
                .ok()
                .and_then(|r| serde_json::from_slice::<Pod>(&r.body).ok())
                .and_then(|p| {
                    p.status?
                        .ephemeral_container_statuses?
                        .into_iter()
                        .find(|c| c.name == name)
                });
            if let Some(t) = st
                .as_ref()
                .and_then(|c| c.state.as_ref()?.terminated.clone())
            {
                break Some(t.exit_code);
            }
            if std::time::Instant::now() >= deadline {
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        };
        let Some(code) = ended else {
            note.problem = Some(format!(
                "the debug container {name} did not end within {:?}",
                self.plan.jvm.debug_timeout
            ));
            return Ok(());
        };
        let log = format!("{base}/log?container={}", escape(&name));
        let r = match self
            .api
            .get(&log, LOG, self.plan.jvm.max_bytes * 8, Keep::Head)
        {
            Ok(r) => r,
            Err(e) => {
                self.fail(Item::Jcmd, &log, LOG, &e);
                return Ok(());
            }
        };
        let stem = format!("{}.{}", safe(&pod), safe(&container));
        let mut got = 0;
        let mut archive = tar::Archive::new(&r.body[..]);
        let entries = archive.entries().map_err(Fatal::Write)?;
        for entry in entries {
            let Ok(mut entry) = entry else { break };
            let member = entry
                .path()
                .ok()
                .and_then(|p| p.to_str().map(str::to_string))
                .unwrap_or_default();
            let what = if member == "hsperfdata" {
                Item::Hsperfdata
            } else if gather::ALL.iter().any(|(f, _)| *f == member) {
                Item::Jcmd
            } else {
                continue;
            };
            let mut bytes = Vec::new();
            if std::io::Read::read_to_end(&mut entry, &mut bytes).is_err() {
                break;
            }
            let origin = Origin {
                what,
                api_path: &log,
                access: LOG,
                status: r.status,
                truncated: false,
            };
            let file = format!("{dir}/jvm/{stem}.1.{member}");
            if what == Item::Hsperfdata {
                self.file(&file, &origin, &bytes)?;
            } else {
                self.text(&file, &origin, &bytes)?;
            }
            got += 1;
        }
        if got == 0 {
            note.problem = Some(format!(
                "the debug container {name} ended with exit code {code} and wrote no jcmd output (its log: {log})"
            ));
            return Ok(());
        }
        note.gathered = JvmGathered::DebugContainer;
        note.pids = vec![1];
        Ok(())
    }

    fn logs(
        &mut self,
        ns: &str,
        pod: &str,
        container: &str,
        dir: &str,
        restarted: bool,
    ) -> Result<(), Fatal> {
        let mut q = format!(
            "container={}&limitBytes={}",
            escape(container),
            self.plan.limit_bytes
        );
        if let Some(t) = self.plan.tail_lines {
            q.push_str(&format!("&tailLines={t}"));
        }
        let base = format!(
            "/api/v1/namespaces/{}/pods/{}/log?{q}",
            escape(ns),
            escape(pod)
        );
        let bound = usize::try_from(self.plan.limit_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut wanted = vec![(
            base.clone(),
            Item::Log,
            format!("{dir}/logs/{}.{}.log", safe(pod), safe(container)),
        )];
        if restarted {
            wanted.push((
                format!("{base}&previous=true"),
                Item::PreviousLog,
                format!("{dir}/logs/{}.{}.previous.log", safe(pod), safe(container)),
            ));
        }
        for (path, what, file) in wanted {
            match self.api.get(&path, LOG, bound, Keep::Head) {
                Ok(r) => {
                    let cut = r.truncated || r.body.len() as u64 >= self.plan.limit_bytes;
                    self.text(
                        &file,
                        &Origin {
                            what,
                            api_path: &path,
                            access: LOG,
                            status: r.status,
                            truncated: cut,
                        },
                        &r.body,
                    )?
                }
                Err(e) => self.fail(what, &path, LOG, &e),
            }
        }
        Ok(())
    }

    /// ReplicaSet -> Deployment, StatefulSet, DaemonSet, Job -> CronJob
    /// (named, not read): each owner read once per run.
    fn owner_chain(&mut self, ns: &str, p: &Pod, dir: &str) -> Result<Vec<OwnerNote>, Fatal> {
        let mut notes = Vec::new();
        let mut items = Vec::new();
        let mut next = p.metadata.owner_references.clone().unwrap_or_default();
        for _ in 0..4 {
            let Some(o) = next
                .iter()
                .find(|o| o.controller == Some(true))
                .or(next.first())
                .cloned()
            else {
                break;
            };
            let (group, resource) = match o.kind.as_str() {
                "ReplicaSet" => ("apps", "replicasets"),
                "Deployment" => ("apps", "deployments"),
                "StatefulSet" => ("apps", "statefulsets"),
                "DaemonSet" => ("apps", "daemonsets"),
                "Job" => ("batch", "jobs"),
                _ => {
                    notes.push(OwnerNote {
                        kind: o.kind.clone(),
                        name: o.name.clone(),
                        memory_limits: Vec::new(),
                    });
                    break;
                }
            };
            let key = (o.kind.clone(), ns.to_string(), o.name.clone());
            if !self.owners.contains_key(&key) {
                let access = Access::new(Verb::Get, group, resource);
                let path = format!(
                    "/apis/{group}/v1/namespaces/{}/{resource}/{}",
                    escape(ns),
                    escape(&o.name)
                );
                let got = match self.api.get(&path, access, OBJECT_BYTES, Keep::Head) {
                    Ok(r) => match serde_json::from_slice::<Value>(&r.body) {
                        Ok(mut v) => {
                            for x in redact::object(&mut v) {
                                self.m.redacted.push(RedactedNote {
                                    path: format!("{dir}/owners.json"),
                                    at: x.at,
                                    kind: x.kind,
                                });
                            }
                            let limits = v.pointer("/spec/template/spec").and_then(|s| {
                                serde_json::from_value::<k8s_openapi::api::core::v1::PodSpec>(
                                    s.clone(),
                                )
                                .ok()
                            });
                            let note = OwnerNote {
                                kind: o.kind.clone(),
                                name: o.name.clone(),
                                memory_limits: memory_limits(limits.as_ref()),
                            };
                            self.m.files.push(FileNote {
                                path: format!("{dir}/owners.json"),
                                what: Item::Owners,
                                api_path: path.clone(),
                                access: Some(access),
                                collected_at: now(),
                                status: Some(r.status),
                                bytes: r.body.len(),
                                truncated: false,
                            });
                            Some((v, note))
                        }
                        Err(e) => {
                            self.fail(
                                Item::Owners,
                                &path,
                                access,
                                &CallError::Transport(format!("not an object: {e}")),
                            );
                            None
                        }
                    },
                    Err(e) => {
                        self.fail(Item::Owners, &path, access, &e);
                        None
                    }
                };
                self.owners.insert(key.clone(), got);
            }
            match self.owners.get(&key).cloned().flatten() {
                Some((v, note)) => {
                    next = serde_json::from_value(
                        v.pointer("/metadata/ownerReferences")
                            .cloned()
                            .unwrap_or(Value::Null),
                    )
                    .unwrap_or_default();
                    items.push(v);
                    notes.push(note);
                }
                None => break,
            }
        }
        if !items.is_empty() {
            // A List: diagnose reads pods and events from it and skips the
            // owners without a warning.
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            let bytes = serde_json::to_vec_pretty(&list).map_err(|e| Fatal::Write(e.into()))?;
            self.out
                .put(&format!("{dir}/owners.json"), &bytes)
                .map_err(Fatal::Write)?;
        }
        Ok(notes)
    }

    /// One pod's events, by field selector, from both APIs.
    fn events_of_pod(&mut self, ns: &str, name: &str, uid: &str) -> Result<(), Fatal> {
        let dir = format!("{}/{}", safe(ns), safe(name));
        let core = format!(
            "/api/v1/namespaces/{}/events?fieldSelector={}",
            escape(ns),
            escape(&format!(
                "involvedObject.kind=Pod,involvedObject.name={name},involvedObject.uid={uid}"
            ))
        );
        let k8s = format!(
            "/apis/events.k8s.io/v1/namespaces/{}/events?fieldSelector={}",
            escape(ns),
            escape(&format!(
                "regarding.kind=Pod,regarding.name={name},regarding.uid={uid}"
            ))
        );
        for (path, access, what, file) in [
            (core, EVENTS, Item::Events, format!("{dir}/events.json")),
            (
                k8s,
                EVENTS_K8S,
                Item::EventsK8sIo,
                format!("{dir}/events.k8s.io.json"),
            ),
        ] {
            match self.api.get(&path, access, OBJECT_BYTES, Keep::Head) {
                Ok(r) => match serde_json::from_slice::<Value>(&r.body) {
                    Ok(v) => self.object(
                        &file,
                        &Origin {
                            what,
                            api_path: &path,
                            access,
                            status: r.status,
                            truncated: false,
                        },
                        v,
                    )?,
                    Err(e) => self.fail(
                        what,
                        &path,
                        access,
                        &CallError::Transport(format!("not an event list: {e}")),
                    ),
                },
                Err(e) => self.fail(what, &path, access, &e),
            }
        }
        Ok(())
    }

    /// The events of the selected pods from paged namespace (or cluster)
    /// lists, kept when they are about a selected pod; one file per page
    /// that kept any.
    fn events_listed(&mut self, ns: Option<&str>) -> Result<(), Fatal> {
        let (core, k8s) = event_lists(ns);
        let dir = ns.map_or_else(|| "events".to_string(), |n| format!("{}/events", safe(n)));
        for (base, access, what, about, stem) in [
            (core, EVENTS, Item::Events, "involvedObject", "events"),
            (
                k8s,
                EVENTS_K8S,
                Item::EventsK8sIo,
                "regarding",
                "events.k8s.io",
            ),
        ] {
            let mut sink = PageSink {
                dir: &dir,
                stem,
                what,
                access,
                about,
                written: 0,
            };
            // The core pages the OOM pre-pass listed are not asked again.
            match (what, self.listed_events.take()) {
                (Item::Events, Some(spilled)) => {
                    for i in 0..spilled.pages.len() {
                        if let Some((path, status, page)) = spilled.page(i) {
                            self.keep_page(&mut sink, &path, status, page)?;
                        }
                    }
                }
                _ => {
                    self.list_pages(&base, about, what, access, &mut |r, path, status, page| {
                        r.keep_page(&mut sink, &path, status, page)
                    })?
                }
            }
        }
        Ok(())
    }

    /// One page of an event list, kept to the events about a selected pod
    /// and written as the sink's next numbered file when any are left.
    fn keep_page(
        &mut self,
        sink: &mut PageSink<'_>,
        path: &str,
        status: u16,
        mut page: Value,
    ) -> Result<(), Fatal> {
        if let Some(Value::Array(items)) = page.get_mut("items") {
            let uids = &self.uids;
            items.retain(|e| {
                e.pointer(&format!("/{}/uid", sink.about))
                    .and_then(Value::as_str)
                    .is_some_and(|u| uids.contains(u))
            });
            if !items.is_empty() {
                sink.written += 1;
                if let Some(md) = page.get_mut("metadata").and_then(Value::as_object_mut) {
                    md.remove("continue");
                }
                self.object(
                    &format!("{}/{}-{}.json", sink.dir, sink.stem, sink.written),
                    &Origin {
                        what: sink.what,
                        api_path: path,
                        access: sink.access,
                        status,
                        truncated: false,
                    },
                    page,
                )?;
            }
        }
        Ok(())
    }

    /// Every page of an event list about pods (`{about}.kind=Pod`), each
    /// handed to `each` (path, status, page) as it comes: one page in memory
    /// at a time. A failed or unreadable page is recorded and ends the list.
    fn list_pages(
        &mut self,
        base: &str,
        about: &str,
        what: Item,
        access: Access,
        each: &mut EachPage<'_, Self>,
    ) -> Result<(), Fatal> {
        let selector = escape(&format!("{about}.kind=Pod"));
        let mut cont: Option<String> = None;
        loop {
            let mut path = format!(
                "{base}?limit={}&fieldSelector={selector}",
                self.plan.chunk_size.max(1)
            );
            if let Some(c) = &cont {
                path.push_str(&format!("&continue={}", escape(c)));
            }
            let r = match self.api.get(&path, access, OBJECT_BYTES, Keep::Head) {
                Ok(r) => r,
                Err(e) => {
                    self.fail(what, &path, access, &e);
                    break;
                }
            };
            let Ok(page) = serde_json::from_slice::<Value>(&r.body) else {
                self.fail(
                    what,
                    &path,
                    access,
                    &CallError::Transport("not an event list".into()),
                );
                break;
            };
            cont = page
                .pointer("/metadata/continue")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            each(self, path, r.status, page)?;
            if cont.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// With `oom_killed_since` over a list: the core events of the
    /// namespace (or all), listed once and kept for [`Run::events_listed`];
    /// the pods they say were OOM-killed or evicted for memory within the
    /// window are selected too, whatever their status says now (a later
    /// restart hides an OOMKilled termination from `lastState`).
    fn oom_events(&mut self, ns: Option<&str>, since: jiff::Timestamp) -> Result<(), Fatal> {
        let (core, _) = event_lists(ns);
        // Without a temporary file the pages are listed again later.
        let mut spilled = Spilled::new().ok();
        self.list_pages(
            &core,
            "involvedObject",
            Item::Events,
            EVENTS,
            &mut |r, path, status, page| {
                for e in page
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if oom_event_since(e, since) {
                        if let Some(uid) = e.pointer("/involvedObject/uid").and_then(Value::as_str)
                        {
                            r.oom_event_uids.insert(uid.to_string());
                        }
                    }
                }
                if let Some(s) = spilled.as_mut() {
                    if s.push(path, status, &page).is_err() {
                        spilled = None;
                    }
                }
                Ok(())
            },
        )?;
        self.listed_events = spilled;
        Ok(())
    }

    /// Each node once: its kernel log and its cAdvisor series of the
    /// selected pods.
    fn node_evidence(&mut self) -> Result<(), Fatal> {
        let nodes = std::mem::take(&mut self.nodes);
        for (node, pods) in &nodes {
            let dir = format!("nodes/{}", safe(node));
            let base = format!("/api/v1/nodes/{}/proxy", escape(node));
            let mut tried = Vec::new();
            let mut got = false;
            let mut gone = false;
            for (file, rel) in [
                ("kern.log", "logs/kern.log"),
                ("messages", "logs/messages"),
                ("syslog", "logs/syslog"),
                ("journal-kernel.log", "logs/?query=kernel"),
            ] {
                let path = format!("{base}/{rel}");
                match self
                    .api
                    .get(&path, NODE_PROXY, self.plan.node_log_bytes, Keep::Tail)
                {
                    Ok(r) => {
                        self.text(
                            &format!("{dir}/{file}"),
                            &Origin {
                                what: Item::NodeKernelLog,
                                api_path: &path,
                                access: NODE_PROXY,
                                status: r.status,
                                truncated: r.truncated,
                            },
                            &r.body,
                        )?;
                        got = true;
                        break;
                    }
                    Err(e) => {
                        // The node itself is gone: no other path will answer.
                        let node_missing = matches!(&e, CallError::Status { status: 404, message, .. } if message.contains("nodes") && message.contains("not found"));
                        let stop = node_missing || e.status() == Some(403) || e.status().is_none();
                        tried.push((path, e));
                        if stop {
                            gone = node_missing;
                            break;
                        }
                    }
                }
            }
            if !got {
                // Each 404 of a log file is noted; together they say the
                // kubelet serves none of them.
                for (path, e) in tried {
                    self.fail(Item::NodeKernelLog, &path, NODE_PROXY, &e);
                }
            }
            if gone {
                continue;
            }
            let path = format!("{base}/metrics/cadvisor");
            match self.api.get(&path, NODE_PROXY, CADVISOR_BYTES, Keep::Head) {
                Ok(r) => {
                    let kept = cadvisor_filter(&r.body, pods);
                    self.text(
                        &format!("{dir}/cadvisor.prom"),
                        &Origin {
                            what: Item::Cadvisor,
                            api_path: &path,
                            access: NODE_PROXY,
                            status: r.status,
                            truncated: r.truncated,
                        },
                        &kept,
                    )?;
                }
                Err(e) => self.fail(Item::Cadvisor, &path, NODE_PROXY, &e),
            }
        }
        self.nodes = nodes;
        Ok(())
    }

    fn prometheus(&mut self) -> Result<(), Fatal> {
        let Some(p) = &self.plan.prometheus else {
            return Ok(());
        };
        let by_ns = self.by_ns.clone();
        for (ns, pods) in &by_ns {
            for (name, promql) in (p.queries)(ns, pods) {
                let api_path = format!("{}/api/v1/query?query={}", p.client.url(), escape(&promql));
                let access = Access::new(Verb::Get, "prometheus", "query");
                match p.client.query(&promql, Some(p.at)) {
                    Ok(a) => {
                        let result: Vec<Value> = a
                            .series
                            .iter()
                            .map(|s| {
                                let metric: serde_json::Map<String, Value> = s
                                    .labels
                                    .iter()
                                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                                    .collect();
                                let values: Vec<Value> = s
                                    .points
                                    .iter()
                                    .map(|(t, v)| {
                                        serde_json::json!([*t as f64 / 1000.0, v.to_string()])
                                    })
                                    .collect();
                                serde_json::json!({"metric": metric, "values": values})
                            })
                            .collect();
                        let doc = serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": result}});
                        let bytes = serde_json::to_vec(&doc).map_err(|e| Fatal::Write(e.into()))?;
                        let prom_file = format!("prometheus/{}/{}.json", safe(ns), safe(&name));
                        self.file(
                            &prom_file,
                            &Origin {
                                what: Item::Prometheus,
                                api_path: &api_path,
                                access,
                                status: 200,
                                truncated: false,
                            },
                            &bytes,
                        )?;
                    }
                    Err(e) => {
                        let ce = match &e {
                            oomlens_live::prometheus::Error::Status {
                                status, message, ..
                            } => CallError::Status {
                                status: *status,
                                reason: String::new(),
                                message: message.clone(),
                            },
                            other => CallError::Transport(other.to_string()),
                        };
                        self.fail(Item::Prometheus, &api_path, access, &ce);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The lines of a cAdvisor page about the given pods (by its `namespace`
/// and `pod` labels), with every `# HELP`/`# TYPE` line of a family that
/// kept a sample.
pub fn cadvisor_filter(page: &[u8], pods: &BTreeSet<(String, String)>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut meta: Vec<&[u8]> = Vec::new();
    for line in page.split(|&b| b == b'\n') {
        if line.starts_with(b"#") {
            if line.starts_with(b"# HELP ")
                && !meta.is_empty()
                && meta.iter().any(|m| m.starts_with(b"# TYPE"))
            {
                meta.clear();
            }
            meta.push(line);
            continue;
        }
        let (Some(ns), Some(pod)) = (label(line, b"namespace=\""), label(line, b"pod=\"")) else {
            continue;
        };
        let key = (
            String::from_utf8_lossy(ns).into_owned(),
            String::from_utf8_lossy(pod).into_owned(),
        );
        if pods.contains(&key) {
            for m in meta.drain(..) {
                out.extend_from_slice(m);
                out.push(b'\n');
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

/// The value of a label in a sample line (`pod="x"`), matched at a label
/// start (after `{` or `,`).
fn label<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&line[from..], key) {
        let at = from + i;
        if at > 0 && (line[at - 1] == b'{' || line[at - 1] == b',') {
            let s = at + key.len();
            let e = memchr::memchr(b'"', &line[s..])? + s;
            return Some(&line[s..e]);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which core events select their pod for `oom_killed_since`: the
    /// reasons and message of the kubelet's eviction manager
    /// (`pkg/kubelet/eviction/helpers.go`), node-problem-detector's
    /// `OOMKilling`, and each event's newest time.
    #[test]
    fn spilled_pages_read_back_as_written() {
        let mut s = Spilled::new().unwrap();
        let a = serde_json::json!({"kind": "EventList", "items": [{"reason": "OOMKilling"}]});
        let b = serde_json::json!({"kind": "EventList", "items": [], "metadata": {"continue": ""}});
        s.push("/p?limit=2".into(), 200, &a).unwrap();
        s.push("/p?limit=2&continue=x".into(), 200, &b).unwrap();
        assert_eq!(s.page(1), Some(("/p?limit=2&continue=x".into(), 200, b)));
        assert_eq!(s.page(0), Some(("/p?limit=2".into(), 200, a)));
        assert_eq!(s.page(2), None);
    }

    #[test]
    fn oom_events_select_within_the_window() {
        let since: jiff::Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
        let ev = |reason: &str, message: &str, key: &str, t: &str| serde_json::json!({"reason": reason, "message": message, key: t});
        let memory =
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87480Ki. ";
        let disk = "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9Gi. ";
        for (e, want) in [
            (
                ev("Evicted", memory, "lastTimestamp", "2026-12-07T01:00:00Z"),
                true,
            ),
            (
                ev("Evicted", disk, "lastTimestamp", "2026-12-07T01:00:00Z"),
                false,
            ),
            (
                ev("Evicted", memory, "lastTimestamp", "2026-12-06T23:59:59Z"),
                false,
            ),
            (
                ev(
                    "OOMKilling",
                    "Memory cgroup out of memory: Killed process 4548 (java)",
                    "lastTimestamp",
                    "2026-12-07T00:00:00Z",
                ),
                true,
            ),
            (
                ev(
                    "SystemOOM",
                    "System OOM encountered, victim process: java, pid: 5151",
                    "eventTime",
                    "2026-12-07T00:00:00.000000Z",
                ),
                true,
            ),
            (
                ev(
                    "BackOff",
                    "Back-off restarting failed container orders-api",
                    "lastTimestamp",
                    "2026-12-07T01:00:00Z",
                ),
                false,
            ),
            (
                ev(
                    "Killing",
                    "Container web was OOMKilled",
                    "firstTimestamp",
                    "2026-12-07T01:00:00Z",
                ),
                true,
            ),
            (
                serde_json::json!({"reason": "OOMKilling", "message": "no time"}),
                false,
            ),
        ] {
            assert_eq!(oom_event_since(&e, since), want, "{e}");
        }
    }

    #[test]
    fn cadvisor_keeps_the_pods_series_and_their_families() {
        let page = b"# HELP container_memory_working_set_bytes Current working set in bytes.\n# TYPE container_memory_working_set_bytes gauge\ncontainer_memory_working_set_bytes{container=\"a\",namespace=\"shop\",pod=\"p1\"} 1 1700000000000\ncontainer_memory_working_set_bytes{container=\"b\",namespace=\"shop\",pod=\"p2\"} 2 1700000000000\n# HELP machine_memory_bytes x\n# TYPE machine_memory_bytes gauge\nmachine_memory_bytes 3\n";
        let pods: BTreeSet<_> = [("shop".to_string(), "p1".to_string())].into();
        let out = String::from_utf8(cadvisor_filter(page, &pods)).unwrap();
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(
            out.contains("pod=\"p1\"")
                && !out.contains("pod=\"p2\"")
                && !out.contains("machine_memory")
        );
    }

    #[test]
    fn jcmd_l_lists_the_jvms_not_jcmd_itself() {
        let recorded = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/kube-api/exec/jcmd-l.stdout"
        ))
        .unwrap();
        assert_eq!(jvm_pids(&recorded), vec![15659]);
        assert_eq!(
            jvm_pids(b"1 app.jar\n42 jdk.jcmd/sun.tools.jcmd.JCmd -l\n"),
            vec![1]
        );
        assert!(jvm_pids(b"").is_empty());
    }

    #[test]
    fn nmt_off_is_the_whole_answer_after_the_pid_line() {
        assert!(nmt_off(b"1:\nNative memory tracking is not enabled\n"));
        assert!(!nmt_off(b"1:\n\nNative Memory Tracking:\n"));
    }

    #[test]
    fn label_matches_whole_names_only() {
        assert_eq!(
            label(b"x{mypod=\"a\",pod=\"b\"} 1", b"pod=\""),
            Some(&b"b"[..])
        );
        assert_eq!(label(b"x{mypod=\"a\"} 1", b"pod=\""), None);
    }
}
