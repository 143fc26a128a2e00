//! `kubectl describe pod` text.
//!
//! kubectl prints a pod as `Key:  value` lines nested by indentation, two
//! container lists (`Init Containers:`, `Containers:`) and an `Events:`
//! table. People paste it re-indented, flattened, with tabs (kubectl before
//! 1.5 used them), with lines elided (`...`) or cut at either end, so this
//! reader leans on keys more than on layout:
//!
//! - a key says what a line is (`Last State:` opens a state block whose
//!   `Reason:`, `Exit Code:`, `Started:`, `Finished:` follow; `Limits:` opens
//!   a block of `cpu:` / `memory:`); a block ends at the next key that
//!   belongs to the container (`Ready:`, `Restart Count:`), so a paste that
//!   lost its indentation still reads right;
//! - indentation, where it survived, decides what keys cannot: list items
//!   (`Command:`, `Args:`, `Environment:`) are the lines indented below
//!   their key, a container's name is an empty-valued key less indented
//!   than its fields, pod fields are at the indentation of `Name:`;
//! - a new pod starts at `Name:` at the pod's indentation after a blank line
//!   or an `Events:` table, or when `Namespace:` follows (kubectl separates
//!   pods with a blank line); `Name:` inside `Volumes:` is not a pod;
//! - a describe with no `Name:` (its top cut off) gives a pod with no name,
//!   container fields with no container name give a container named `""`,
//!   and a pod with no `Events:` section (kubectl always prints one) is
//!   reported as cut, each with a warning;
//! - events: `Type Reason Age From Message` tables are read by the columns
//!   of their header when the rows line up with it, else by words (`Age` may
//!   be `3m (x9 over 13d)`, `From` may be `kubelet, node-1`); the 2015-2016
//!   `FirstSeen LastSeen Count From SubobjectPath [Type] Reason Message`
//!   tables by columns or tabs. A line that is not a row continues the
//!   message of the row before it (joined with a space), until a blank line.
//!
//! `kubectl describe node` output is recognised (`Roles:`, `Capacity:`,
//! `Taints:`...); its events are returned apart, about `Node/<name>`. The
//! describe of a workload (`Replicas:`, `Pod Template:`) is skipped with a
//! warning: its containers are a template, not running containers.
//! Ephemeral containers are not read.

use super::{container_ref, quantity, time_fact};
use super::{Container, EnvVar, Event, Objects, Pod, Resources, State};
use crate::provenance::{Span, Warnings};

const STATE_KEYS: &[&str] = &[
    "Reason",
    "Exit Code",
    "Signal",
    "Started",
    "Finished",
    "Message",
];

fn is_container_key(k: &str) -> bool {
    matches!(
        k,
        "Container ID"
            | "Image"
            | "Image ID"
            | "Port"
            | "Ports"
            | "Host Port"
            | "Host Ports"
            | "Command"
            | "Args"
            | "State"
            | "Last State"
            | "Last Termination State"
            | "Ready"
            | "Restart Count"
            | "Limits"
            | "Requests"
            | "Liveness"
            | "Readiness"
            | "Startup"
            | "Environment"
            | "Environment Variables"
            | "Environment Variables from"
            | "Mounts"
            | "Devices"
            | "QoS Tier"
            | "SeccompProfile"
            | "AppArmorProfile"
            | "Resources"
            | "Allocated Resources"
            | "Restart Policy"
    )
}

/// Keys that only a container prints: seeing one with no `Containers:`
/// before it means the describe was cut above them.
fn is_strong_container_key(k: &str) -> bool {
    matches!(
        k,
        "Container ID"
            | "Image ID"
            | "State"
            | "Last State"
            | "Last Termination State"
            | "Restart Count"
    )
}

fn is_node_key(k: &str) -> bool {
    matches!(
        k,
        "Roles"
            | "Taints"
            | "Capacity"
            | "Allocatable"
            | "System Info"
            | "Non-terminated Pods"
            | "Allocated resources"
            | "Unschedulable"
            | "Lease"
            | "Addresses"
            | "PodCIDR"
            | "PodCIDRs"
            | "ProviderID"
            | "CreationTimestamp"
    )
}

/// Keys of `kubectl describe deployment|replicaset|statefulset|daemonset|
/// job`, whose `Containers:` are a template, not running containers.
fn is_workload_key(k: &str) -> bool {
    matches!(
        k,
        "Pod Template"
            | "Replicas"
            | "Selector"
            | "StrategyType"
            | "Update Strategy"
            | "Parallelism"
            | "Completions"
    )
}

fn is_pod_key(k: &str) -> bool {
    is_node_key(k)
        || is_workload_key(k)
        || matches!(
            k,
            "Name"
                | "Namespace"
                | "Priority"
                | "Priority Class Name"
                | "PriorityClassName"
                | "Runtime Class Name"
                | "Service Account"
                | "Node"
                | "Start Time"
                | "Labels"
                | "Annotations"
                | "Status"
                | "Reason"
                | "Message"
                | "IP"
                | "IPs"
                | "Controlled By"
                | "Controllers"
                | "Replication Controllers"
                | "Image(s)"
                | "Init Containers"
                | "Containers"
                | "Ephemeral Containers"
                | "Readiness Gates"
                | "Conditions"
                | "Volumes"
                | "QoS Class"
                | "Node-Selectors"
                | "Tolerations"
                | "Topology Spread Constraints"
                | "Events"
                | "Nominated Node Name"
                | "Scheduling Gates"
                | "Resource Claims"
        )
}

fn is_resource_name(k: &str) -> bool {
    matches!(
        k,
        "cpu" | "memory" | "ephemeral-storage" | "storage" | "pods"
    ) || k.starts_with("hugepages-")
        || k.contains('/')
}

/// One line of the input.
struct Line<'a> {
    no: u64,
    /// Without the line end.
    raw: &'a str,
    /// Visual indentation (a tab counts 8).
    indent: usize,
    /// Bytes of leading whitespace in `raw`.
    lead: usize,
    /// Trimmed.
    body: &'a str,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    text.split('\n')
        .enumerate()
        .map(|(i, raw)| {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let body = raw.trim_start();
            let lead = raw.len() - body.len();
            let indent = raw[..lead]
                .chars()
                .map(|c| if c == '\t' { 8 } else { 1 })
                .sum();
            Line {
                no: i as u64 + 1,
                raw,
                indent,
                lead,
                body: body.trim_end(),
            }
        })
        .collect()
}

/// `Key:  value` (the colon followed by whitespace or the line end), with a
/// key that looks like one (a few words of name characters).
fn kv(body: &str) -> Option<(&str, &str)> {
    let b = body.as_bytes();
    let i = (0..b.len())
        .find(|&i| b[i] == b':' && matches!(b.get(i + 1), None | Some(b' ') | Some(b'\t')))?;
    let key = body[..i].trim_end();
    let ok = !key.is_empty()
        && key.len() <= 80
        && key.split_whitespace().count() <= 4
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.-/()".contains(c));
    ok.then(|| (key, body[i + 1..].trim()))
}

/// A line standing for lines left out: `...`, `....`, `[ ... lines removed
/// for clarity ...]`.
fn is_elision(body: &str) -> bool {
    body.chars().all(|c| c == '.' || c == '…') || (body.starts_with('[') && body.contains("..."))
}

pub(super) fn parse(source: &str, text: &[u8]) -> (Objects, Warnings) {
    let text = String::from_utf8_lossy(text);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines = split_lines(text);
    let mut p = Parser {
        source,
        w: Warnings::new(),
        out: Objects::default(),
        cur: None,
        prev_blank: true,
    };
    for i in 0..lines.len() {
        p.line(&lines, i);
    }
    p.finish_pod();
    (p.out, p.w)
}

struct Parser<'s> {
    source: &'s str,
    w: Warnings,
    out: Objects,
    cur: Option<PodB>,
    prev_blank: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Pod fields, or a block the reader skips (labels, conditions,
    /// volumes...).
    Pod,
    Containers {
        init: bool,
    },
    Events,
}

struct PodB {
    pod: Pod,
    /// The indentation of the pod's own fields.
    base: usize,
    /// `Node` or the workload kind when the output describes something
    /// other than a pod.
    kind: Option<&'static str>,
    seen_containers: bool,
    section: Section,
    cont: Option<ContB>,
    ev: EvTable,
    seen_events: bool,
    last_line: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Command,
    Args,
    Env,
}

#[derive(Clone, Copy)]
enum Sub {
    None,
    State {
        last: bool,
        indent: usize,
        in_message: bool,
    },
    Res {
        limits: bool,
        indent: usize,
    },
    List {
        kind: ListKind,
        indent: usize,
    },
    Skip {
        indent: usize,
    },
}

struct ContB {
    c: Container,
    anonymous: bool,
    name_indent: usize,
    field_indent: Option<usize>,
    sub: Sub,
}

impl Parser<'_> {
    fn warn(&mut self, line: u64, msg: impl Into<String>) {
        self.w.push(self.source, Some(line), msg);
    }

    fn line(&mut self, lines: &[Line], i: usize) {
        let l = &lines[i];
        if l.body.is_empty() {
            self.prev_blank = true;
            if let Some(pb) = self.cur.as_mut() {
                pb.ev.blank = true;
            }
            return;
        }
        let prev_blank = std::mem::replace(&mut self.prev_blank, false);
        if is_elision(l.body) {
            return;
        }
        let kvp = kv(l.body);
        if let Some(("Name", v)) = kvp {
            if !v.is_empty() && self.starts_pod(lines, i, prev_blank) {
                self.finish_pod();
                self.cur = Some(PodB::new(self.source, l, Some(v), l.indent));
                return;
            }
        }
        if self.cur.is_none() {
            let Some((k, _)) = kvp else {
                return;
            };
            let starts = matches!(
                k,
                "Name" | "Namespace" | "Containers" | "Init Containers" | "Events"
            ) || is_strong_container_key(k);
            if !starts {
                return;
            }
            self.warn(
                l.no,
                if k == "Name" {
                    "`Name:` has no value: the pod's name is unknown"
                } else {
                    "no `Name:` line before this one: the describe output looks cut at the \
                     top; the pod's name is unknown"
                },
            );
            // Pod fields set the pod's indentation; a cut start does not.
            let base = if matches!(k, "Name" | "Namespace") {
                l.indent
            } else {
                0
            };
            self.cur = Some(PodB::new(self.source, l, None, base));
        }
        let Some(mut pb) = self.cur.take() else {
            return;
        };
        pb.last_line = l.no;
        pb.line(l, kvp, &mut self.w, self.source);
        self.cur = Some(pb);
    }

    /// Whether a `Name:` line starts a new pod.
    fn starts_pod(&self, lines: &[Line], i: usize, prev_blank: bool) -> bool {
        let Some(pb) = &self.cur else {
            return true;
        };
        let l = &lines[i];
        if l.indent > pb.base {
            return false;
        }
        let next_is_namespace = lines[i + 1..]
            .iter()
            .find(|n| !n.body.is_empty())
            .and_then(|n| kv(n.body))
            .is_some_and(|(k, _)| k == "Namespace");
        prev_blank || pb.seen_events || next_is_namespace
    }

    fn finish_pod(&mut self) {
        let Some(mut pb) = self.cur.take() else {
            return;
        };
        pb.close_container();
        let name = pb.pod.name.clone();
        match pb.kind {
            Some("Node") => {
                for mut e in pb.pod.events {
                    e.object = name.as_ref().map(|n| format!("Node/{n}"));
                    self.out.events.push(e);
                }
                return;
            }
            Some(_) => {
                self.warn(
                    pb.pod.lines.first,
                    format!(
                        "`{}` is described as a workload (Deployment, ReplicaSet, StatefulSet, \
                         Job...), not a pod: skipped",
                        name.as_deref().unwrap_or("")
                    ),
                );
                return;
            }
            None => {}
        }
        for e in &mut pb.pod.events {
            e.object = name.as_ref().map(|n| format!("Pod/{n}"));
            e.namespace = pb.pod.namespace.clone();
        }
        if !pb.seen_events {
            self.warn(
                pb.last_line,
                format!(
                    "pod {}: no `Events:` section (kubectl always prints one): the describe \
                     output looks cut after line {}",
                    name.as_deref().unwrap_or("with no name"),
                    pb.last_line
                ),
            );
        }
        pb.pod.lines.last = pb.last_line.max(pb.pod.lines.first);
        self.out.pods.push(pb.pod);
    }
}

impl PodB {
    fn new(source: &str, l: &Line, name: Option<&str>, base: usize) -> PodB {
        PodB {
            pod: Pod {
                name: name.map(str::to_string),
                namespace: None,
                uid: None,
                node: None,
                qos_class: None,
                start_time: None,
                containers: Vec::new(),
                events: Vec::new(),
                format: "describe".to_string(),
                lines: Span::line(source, l.no),
            },
            base,
            kind: None,
            seen_containers: false,
            section: Section::Pod,
            cont: None,
            ev: EvTable::default(),
            seen_events: false,
            last_line: l.no,
        }
    }

    fn close_container(&mut self) {
        if let Some(cb) = self.cont.take() {
            self.pod.containers.push(cb.c);
        }
    }

    fn line(&mut self, l: &Line, kvp: Option<(&str, &str)>, w: &mut Warnings, source: &str) {
        let pod_key = kvp.filter(|(k, _)| is_pod_key(k) && l.indent <= self.base);
        match self.section {
            Section::Events => {
                if (pod_key.is_none() || self.ev.row_like(l)) && self.event_line(l, w, source) {
                    return;
                }
                if let Some((k, v)) = pod_key {
                    self.pod_key(k, v, l);
                }
            }
            Section::Containers { init } => {
                if let Some(cb) = self.cont.as_mut() {
                    if cb.claims(l, kvp, self.base) {
                        cb.sub_line(l, kvp, w, source);
                        return;
                    }
                }
                if let Some((k, v)) = pod_key {
                    self.pod_key(k, v, l);
                    return;
                }
                self.container_line(l, kvp, init, w, source);
            }
            Section::Pod => {
                if let Some((k, v)) = pod_key {
                    self.pod_key(k, v, l);
                    return;
                }
                // Container fields with no `Containers:` above them: the
                // top of the output was cut (only for a pod whose name is
                // unknown, so that annotations or ephemeral containers of
                // a whole pod are not taken for containers).
                if let Some((k, _)) = kvp {
                    if is_strong_container_key(k)
                        && self.kind.is_none()
                        && self.pod.name.is_none()
                        && !self.seen_containers
                    {
                        self.section = Section::Containers { init: false };
                        self.container_line(l, kvp, false, w, source);
                    }
                }
            }
        }
    }

    fn pod_key(&mut self, k: &str, v: &str, l: &Line) {
        if matches!(self.section, Section::Containers { .. }) {
            self.close_container();
        }
        self.section = Section::Pod;
        let set = |slot: &mut Option<String>| {
            if slot.is_none() && !v.is_empty() && v != "<none>" {
                *slot = Some(v.to_string());
            }
        };
        match k {
            "Name" => set(&mut self.pod.name),
            "Namespace" => set(&mut self.pod.namespace),
            "QoS Class" => set(&mut self.pod.qos_class),
            "Node" => {
                let name = v.split('/').next().unwrap_or("").trim();
                if self.pod.node.is_none() && !name.is_empty() && name != "<none>" {
                    self.pod.node = Some(name.to_string());
                }
            }
            "Start Time" if !v.is_empty() => {
                self.pod.start_time = Some(time_fact(v, Some(l.no)));
            }
            "Containers" | "Init Containers" if self.kind.is_none() => {
                self.seen_containers = true;
                self.section = Section::Containers {
                    init: k == "Init Containers",
                };
            }
            "Events" => {
                self.section = Section::Events;
                self.seen_events = true;
                self.ev = EvTable::default();
            }
            _ if is_node_key(k) => self.kind = Some("Node"),
            _ if is_workload_key(k) => self.kind = Some("workload"),
            _ => {}
        }
    }

    fn container_line(
        &mut self,
        l: &Line,
        kvp: Option<(&str, &str)>,
        init: bool,
        w: &mut Warnings,
        source: &str,
    ) {
        let Some((k, v)) = kvp else {
            return;
        };
        let known = is_container_key(k) || STATE_KEYS.contains(&k);
        if v.is_empty() && !known && !is_resource_name(k) {
            let new_name = match &self.cont {
                None => true,
                Some(cb) => match cb.field_indent {
                    Some(fi) if fi > cb.name_indent => l.indent < fi,
                    _ => true,
                },
            };
            if new_name {
                self.close_container();
                self.cont = Some(ContB::new(k, init, l, false));
                return;
            }
        }
        if is_container_key(k) {
            let dup = self.cont.as_ref().is_some_and(|cb| {
                cb.anonymous
                    && match k {
                        "State" => cb.c.state.is_some(),
                        "Last State" | "Last Termination State" => cb.c.last_state.is_some(),
                        "Restart Count" => cb.c.restart_count.is_some(),
                        "Container ID" => cb.c.runtime.is_some(),
                        _ => false,
                    }
            });
            if self.cont.is_none() || dup {
                w.push(
                    source,
                    Some(l.no),
                    "container fields with no container name before them: the describe output \
                     looks cut; the container's name is unknown",
                );
                self.close_container();
                self.cont = Some(ContB::new("", init, l, true));
            }
            if let Some(cb) = self.cont.as_mut() {
                cb.field(k, v, l, w, source);
            }
            return;
        }
        if STATE_KEYS.contains(&k) {
            w.push(
                source,
                Some(l.no),
                format!("`{k}:` outside a State or Last State block: ignored"),
            );
        } else if k == "memory" || k == "cpu" {
            w.push(
                source,
                Some(l.no),
                format!("`{k}:` outside a Limits or Requests block: ignored"),
            );
        }
    }
}

impl ContB {
    fn new(name: &str, init: bool, l: &Line, anonymous: bool) -> ContB {
        ContB {
            c: Container {
                name: name.to_string(),
                init,
                line: Some(l.no),
                ..Container::default()
            },
            anonymous,
            name_indent: if anonymous {
                l.indent.saturating_sub(2)
            } else {
                l.indent
            },
            field_indent: anonymous.then_some(l.indent),
            sub: Sub::None,
        }
    }

    /// Whether the open block (state, resources, list) takes this line.
    fn claims(&self, l: &Line, kvp: Option<(&str, &str)>, base: usize) -> bool {
        let other_key = |k: &str| {
            is_container_key(k) || STATE_KEYS.contains(&k) || (is_pod_key(k) && l.indent <= base)
        };
        match self.sub {
            Sub::None => false,
            Sub::State {
                indent, in_message, ..
            } => match kvp {
                Some((k, _)) => STATE_KEYS.contains(&k),
                None => in_message && l.indent > indent,
            },
            Sub::Res { indent, .. } => kvp
                .is_some_and(|(k, _)| !other_key(k) && (l.indent > indent || is_resource_name(k))),
            Sub::List { kind, indent } => {
                if l.indent > indent {
                    return true;
                }
                if l.indent < indent {
                    return false;
                }
                match (kind, kvp) {
                    (_, None) => true,
                    (ListKind::Env, Some((k, v))) => !v.is_empty() && !other_key(k),
                    _ => false,
                }
            }
            Sub::Skip { indent } => l.indent > indent,
        }
    }

    fn sub_line(&mut self, l: &Line, kvp: Option<(&str, &str)>, w: &mut Warnings, source: &str) {
        match &mut self.sub {
            Sub::None | Sub::Skip { .. } => {}
            Sub::State {
                last, in_message, ..
            } => {
                let slot = if *last {
                    &mut self.c.last_state
                } else {
                    &mut self.c.state
                };
                let Some(s) = slot.as_mut() else {
                    return;
                };
                let Some((k, v)) = kvp else {
                    // The message went on over more lines.
                    if let Some(m) = s.message.as_mut() {
                        m.push('\n');
                        m.push_str(l.body);
                    }
                    return;
                };
                *in_message = k == "Message";
                let int = |w: &mut Warnings| -> Option<i64> {
                    let n = v.parse::<i64>().ok();
                    if n.is_none() {
                        w.push(source, Some(l.no), format!("`{k}: {v}` is not a number"));
                    }
                    n
                };
                match k {
                    "Reason" if !v.is_empty() => s.reason = Some(super::normal_reason(v)),
                    "Message" if !v.is_empty() => s.message = Some(v.to_string()),
                    "Exit Code" => s.exit_code = int(w),
                    "Signal" => s.signal = int(w),
                    "Started" if !v.is_empty() => s.started_at = Some(time_fact(v, Some(l.no))),
                    "Finished" if !v.is_empty() => s.finished_at = Some(time_fact(v, Some(l.no))),
                    _ => {}
                }
            }
            Sub::Res { limits, .. } => {
                let Some((k, v)) = kvp else {
                    return;
                };
                let r: &mut Resources = if *limits {
                    &mut self.c.limits
                } else {
                    &mut self.c.requests
                };
                match k {
                    "memory" => {
                        r.line = Some(l.no);
                        r.memory_bytes = quantity::memory_bytes(v);
                        if r.memory_bytes.is_none() {
                            w.push(
                                source,
                                Some(l.no),
                                format!("memory `{v}` is not a quantity"),
                            );
                        }
                    }
                    "cpu" => {
                        r.cpu_millis = quantity::cpu_millis(v);
                        if r.cpu_millis.is_none() {
                            w.push(source, Some(l.no), format!("cpu `{v}` is not a quantity"));
                        }
                    }
                    _ => {}
                }
            }
            Sub::List { kind, .. } => match kind {
                ListKind::Command => self.c.command.push(l.body.to_string()),
                ListKind::Args => self.c.args.push(l.body.to_string()),
                ListKind::Env => match kvp {
                    Some((k, v)) => self.c.env.push(EnvVar {
                        name: k.to_string(),
                        value: env_value(v),
                        line: Some(l.no),
                    }),
                    None => {
                        // A multi-line value goes on.
                        if let Some(Some(val)) = self.c.env.last_mut().map(|e| e.value.as_mut()) {
                            val.push('\n');
                            val.push_str(l.body);
                        }
                    }
                },
            },
        }
    }

    fn field(&mut self, k: &str, v: &str, l: &Line, w: &mut Warnings, source: &str) {
        if self.field_indent.is_none() {
            self.field_indent = Some(l.indent);
        }
        self.sub = Sub::None;
        let indent = l.indent;
        let new_state = |v: &str| State {
            status: if v.is_empty() {
                "unknown".to_string()
            } else {
                v.to_ascii_lowercase()
            },
            line: Some(l.no),
            ..State::default()
        };
        match k {
            "Container ID" => {
                let (runtime, id, ok) = container_ref(v);
                if !ok {
                    w.push(
                        source,
                        Some(l.no),
                        format!("container id `{v}` is not <runtime>://<64 hex>"),
                    );
                }
                self.c.runtime = runtime;
                self.c.id = id;
            }
            "Image" if !v.is_empty() => self.c.image = Some(v.to_string()),
            "Command" | "Args" => {
                let kind = if k == "Command" {
                    ListKind::Command
                } else {
                    ListKind::Args
                };
                if !v.is_empty() {
                    let list = if kind == ListKind::Command {
                        &mut self.c.command
                    } else {
                        &mut self.c.args
                    };
                    list.push(v.to_string());
                }
                self.sub = Sub::List { kind, indent };
            }
            "State" | "Last State" | "Last Termination State" => {
                let last = k != "State";
                let slot = if last {
                    &mut self.c.last_state
                } else {
                    &mut self.c.state
                };
                if slot.is_some() {
                    w.push(
                        source,
                        Some(l.no),
                        format!(
                            "a second `{k}:` for container `{}`: it replaces the first",
                            self.c.name
                        ),
                    );
                }
                *slot = Some(new_state(v));
                self.sub = Sub::State {
                    last,
                    indent,
                    in_message: false,
                };
            }
            "Ready" => match v {
                "True" | "true" => self.c.ready = Some(true),
                "False" | "false" => self.c.ready = Some(false),
                _ => w.push(
                    source,
                    Some(l.no),
                    format!("`Ready: {v}` is not True or False"),
                ),
            },
            "Restart Count" => match v.parse::<u64>() {
                Ok(n) => {
                    self.c.restart_count = Some(n);
                    self.c.restart_count_line = Some(l.no);
                }
                Err(_) => w.push(
                    source,
                    Some(l.no),
                    format!("`Restart Count: {v}` is not a count"),
                ),
            },
            "Limits" | "Requests" => {
                let limits = k == "Limits";
                let r = if limits {
                    &mut self.c.limits
                } else {
                    &mut self.c.requests
                };
                r.line = Some(l.no);
                self.sub = Sub::Res { limits, indent };
            }
            "Environment" | "Environment Variables" if v.is_empty() => {
                self.sub = Sub::List {
                    kind: ListKind::Env,
                    indent,
                };
            }
            "Environment Variables from"
            | "Mounts"
            | "Devices"
            | "QoS Tier"
            | "Resources"
            | "Allocated Resources" => self.sub = Sub::Skip { indent },
            _ => {}
        }
    }
}

/// The value of an `Environment:` line: `None` for a `valueFrom` variable,
/// which kubectl shows as a reference (`<set to the key 'k' of config map
/// 'c'>`) or as the value it resolved followed by the field it came from
/// (`pod-1 (v1:metadata.name)`, `1073741824 (limits.memory)`).
fn env_value(v: &str) -> Option<String> {
    if v.starts_with("<set to the key") {
        return None;
    }
    if let Some(open) = v
        .strip_suffix(')')
        .and_then(|s| s.rfind('(').map(|i| &s[i + 1..]))
    {
        if open.starts_with("v1:") || open.starts_with("limits.") || open.starts_with("requests.") {
            return None;
        }
    }
    Some(v.to_string())
}

// ---------------------------------------------------------------- events

#[derive(Default)]
struct EvTable {
    header: Option<Header>,
    /// The event the next non-row line continues.
    last: Option<usize>,
    /// A blank line since the last row: the table is over.
    blank: bool,
}

enum Header {
    /// `Type Reason Age From Message`: the byte columns of each, and the
    /// header's own start.
    Modern { cols: [usize; 5] },
    /// `FirstSeen LastSeen Count From SubobjectPath [Type] Reason Message`.
    Old { cols: Vec<(String, usize)> },
}

/// One row of an events table, as text.
#[derive(Default)]
struct Row {
    etype: Option<String>,
    reason: Option<String>,
    age: Option<String>,
    from: Option<String>,
    message: Option<String>,
    first: Option<String>,
    last: Option<String>,
    count: Option<u64>,
}

fn words(raw: &str) -> impl Iterator<Item = (usize, &str)> {
    raw.split([' ', '\t'])
        .scan(0usize, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

impl Header {
    fn parse(l: &Line) -> Option<Header> {
        let ws: Vec<(usize, &str)> = words(l.raw).collect();
        let col = |name: &str| ws.iter().find(|(_, w)| *w == name).map(|(p, _)| *p);
        if let (Some(t), Some(r), Some(a), Some(f), Some(m)) = (
            col("Type"),
            col("Reason"),
            col("Age"),
            col("From"),
            col("Message"),
        ) {
            if !ws.iter().any(|(_, w)| *w == "FirstSeen") {
                return Some(Header::Modern {
                    cols: [t, r, a, f, m],
                });
            }
        }
        if col("FirstSeen").is_some() && col("Message").is_some() {
            return Some(Header::Old {
                cols: ws.iter().map(|(p, w)| (w.to_string(), *p)).collect(),
            });
        }
        None
    }
}

impl EvTable {
    /// Whether a line is (likely) a row of the table.
    fn row_like(&self, l: &Line) -> bool {
        let first = l.body.split_whitespace().next().unwrap_or("");
        matches!(first, "Normal" | "Warning")
            || matches!(self.header, Some(Header::Old { .. })) && l.body.contains('\t')
    }
}

fn is_separator(body: &str) -> bool {
    body.contains("---") && body.chars().all(|c| c == '-' || c.is_whitespace())
}

/// The slice of `raw` between two byte columns, if both fall on character
/// boundaries.
pub(super) fn cut(raw: &str, from: usize, to: Option<usize>) -> Option<&str> {
    let to = to.unwrap_or(raw.len()).min(raw.len());
    if from > to || !raw.is_char_boundary(from) || !raw.is_char_boundary(to) {
        return None;
    }
    Some(raw[from..to].trim())
}

/// Whether column `c` of `raw` starts a field: whitespace before it.
fn col_ok(raw: &str, c: usize) -> bool {
    c == 0
        || raw
            .as_bytes()
            .get(c - 1)
            .is_some_and(|b| *b == b' ' || *b == b'\t')
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// A modern row sliced by the header's columns (the table may have been
/// shifted as a whole: the offset of its first column is applied).
fn modern_aligned(l: &Line, cols: &[usize; 5]) -> Option<Row> {
    if l.raw.contains('\t') {
        return None;
    }
    let shift = l.lead as isize - cols[0] as isize;
    let c: Vec<usize> = cols
        .iter()
        .map(|&x| usize::try_from(x as isize + shift).ok())
        .collect::<Option<Vec<_>>>()?;
    if c[4] >= l.raw.len() || !c.iter().all(|&x| col_ok(l.raw, x)) {
        return None;
    }
    let nonspace = |x: usize| {
        l.raw
            .as_bytes()
            .get(x)
            .is_some_and(|b| !b.is_ascii_whitespace())
    };
    if !nonspace(c[1]) || !nonspace(c[2]) || !nonspace(c[4]) {
        return None;
    }
    let reason = cut(l.raw, c[1], Some(c[2]))?;
    if reason.contains(' ') {
        return None;
    }
    Some(Row {
        etype: non_empty(cut(l.raw, c[0], Some(c[1]))),
        reason: non_empty(Some(reason)),
        age: non_empty(cut(l.raw, c[2], Some(c[3]))),
        from: non_empty(cut(l.raw, c[3], Some(c[4]))),
        message: non_empty(cut(l.raw, c[4], None)),
        ..Row::default()
    })
}

/// A modern row read word by word.
fn modern_words(body: &str) -> Option<Row> {
    let ws: Vec<(usize, &str)> = words(body).collect();
    let etype = ws.first()?.1;
    if !matches!(etype, "Normal" | "Warning") {
        return None;
    }
    let reason = ws.get(1)?.1;
    let mut i = 2;
    let mut age = ws.get(i)?.1.to_string();
    i += 1;
    if ws.get(i).is_some_and(|(_, w)| w.starts_with("(x")) {
        let mut j = i;
        while j < ws.len() && j < i + 4 {
            age.push(' ');
            age.push_str(ws[j].1);
            j += 1;
            if ws[j - 1].1.ends_with(')') {
                break;
            }
        }
        i = j;
    }
    let mut from = String::new();
    if let Some((_, w)) = ws.get(i) {
        from.push_str(w);
        i += 1;
        let braced = w.starts_with('{') && !w.ends_with('}');
        while i < ws.len() && (from.ends_with(',') || (braced && !from.ends_with('}'))) {
            from.push(' ');
            from.push_str(ws[i].1);
            i += 1;
        }
    }
    let message = ws.get(i).map(|(p, _)| body[*p..].trim());
    Some(Row {
        etype: Some(etype.to_string()),
        reason: Some(reason.to_string()),
        age: Some(age),
        from: non_empty(Some(&from)),
        message: non_empty(message),
        ..Row::default()
    })
}

/// A 2015-2016 row: tab-separated, or sliced by the header's columns.
fn old_row(l: &Line, cols: &[(String, usize)]) -> Option<Row> {
    let has_type = cols.iter().any(|(n, _)| n == "Type");
    // (column name, value) pairs.
    let mut fields: Vec<(&str, String)> = Vec::new();
    if l.raw.contains('\t') {
        // Empty columns (SubobjectPath) vanish between tabs: the first four
        // fields and the last two (three with Type) are certain.
        let f: Vec<&str> = l
            .raw
            .split('\t')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let n = f.len();
        if n < 6 {
            return None;
        }
        for (name, i) in [("FirstSeen", 0), ("LastSeen", 1), ("Count", 2), ("From", 3)] {
            fields.push((name, f[i].to_string()));
        }
        fields.push(("Message", f[n - 1].to_string()));
        fields.push(("Reason", f[n - 2].to_string()));
        if has_type && n >= 7 {
            fields.push(("Type", f[n - 3].to_string()));
        }
    } else {
        let shift = l.lead as isize - cols.first()?.1 as isize;
        for (k, (name, c)) in cols.iter().enumerate() {
            let start = usize::try_from(*c as isize + shift).ok()?;
            let end = match cols.get(k + 1) {
                Some((_, n)) => Some(usize::try_from(*n as isize + shift).ok()?),
                None => None,
            };
            if !col_ok(l.raw, start) {
                return None;
            }
            let v = cut(l.raw, start, end).unwrap_or("");
            fields.push((name.as_str(), v.to_string()));
        }
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, v)| *n == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let count = get("Count")?.parse::<u64>().ok()?;
    let etype = get("Type").filter(|t| matches!(t.as_str(), "Normal" | "Warning"));
    Some(Row {
        etype,
        reason: get("Reason"),
        from: get("From"),
        message: get("Message"),
        first: get("FirstSeen"),
        last: get("LastSeen"),
        count: Some(count),
        ..Row::default()
    })
}

/// `kubelet, node-1` -> `kubelet`; `{kubelet node-1}` -> `kubelet`.
fn component(from: &str) -> Option<String> {
    let f = from.trim().trim_start_matches('{').trim_end_matches('}');
    let f = f.split(',').next().unwrap_or("");
    f.split_whitespace().next().map(str::to_string)
}

/// `3m (x9 over 13d)` -> 9; an age without `(xN` means one occurrence.
pub(super) fn age_count(age: &str) -> u64 {
    age.find("(x")
        .and_then(|i| {
            let digits: String = age[i + 2..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .unwrap_or(1)
}

impl PodB {
    /// Reads a line of the Events section; false if it is not part of the
    /// table (the caller then looks at it as a pod field).
    fn event_line(&mut self, l: &Line, w: &mut Warnings, source: &str) -> bool {
        if self.ev.header.is_none() {
            if let Some(h) = Header::parse(l) {
                self.ev.header = Some(h);
                self.ev.blank = false;
                return true;
            }
        }
        if is_separator(l.body) {
            return true;
        }
        let row = match &self.ev.header {
            Some(Header::Old { cols }) => old_row(l, cols),
            Some(Header::Modern { cols }) => {
                if matches!(l.body.split_whitespace().next(), Some("Normal" | "Warning")) {
                    modern_aligned(l, cols).or_else(|| modern_words(l.body))
                } else {
                    None
                }
            }
            None => modern_words(l.body),
        };
        if let Some(r) = row {
            let (first_seen, last_seen, age) = match (&r.first, &r.last) {
                (Some(f), Some(la)) => {
                    let ff = time_fact(f, Some(l.no));
                    let lf = time_fact(la, Some(l.no));
                    if ff.utc.is_some() || lf.utc.is_some() {
                        (Some(ff), Some(lf), None)
                    } else {
                        (None, None, Some(la.clone()))
                    }
                }
                _ => (None, None, r.age.clone()),
            };
            let count = r.count.or_else(|| r.age.as_deref().map(age_count));
            self.pod.events.push(Event {
                event_type: r.etype,
                reason: r.reason,
                message: r.message,
                object: None,
                namespace: None,
                component: r.from.as_deref().and_then(component),
                count,
                first_seen,
                last_seen,
                age,
                line: Some(l.no),
            });
            self.ev.last = Some(self.pod.events.len() - 1);
            self.ev.blank = false;
            return true;
        }
        if !self.ev.blank {
            if let Some(e) = self.ev.last.and_then(|i| self.pod.events.get_mut(i)) {
                let m = e.message.get_or_insert_with(String::new);
                if !m.is_empty() {
                    m.push(' ');
                }
                m.push_str(l.body);
                return true;
            }
            if self.ev.header.is_some() || kv(l.body).is_none() {
                w.push(
                    source,
                    Some(l.no),
                    "line in the Events table that is neither an event nor the rest of one",
                );
                return true;
            }
        }
        false
    }
}
