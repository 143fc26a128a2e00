//! Kubernetes evidence: `kubectl describe pod` text, Pod / PodList / List /
//! Event / EventList objects as JSON or YAML (`kubectl get -o json|yaml`,
//! multi-document YAML), and Kubernetes quantities (`3Gi`, `1500m`).
//!
//! Every fact carries the line it was read from, so a verdict can cite
//! `describe.txt:14`. For JSON and YAML the line is that of the key that
//! holds the value.

use serde::Serialize;

use crate::provenance::{Span, Warnings};

/// A point in time as Kubernetes printed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeFact {
    /// As printed: `Sat, 02 Dec 2023 13:55:57 +0800` (describe) or
    /// `2023-12-02T05:55:57Z` (objects).
    pub raw: String,
    /// RFC 3339 UTC, when it parses.
    pub utc: Option<String>,
    pub line: Option<u64>,
}

/// Memory and CPU of a container's `limits` or `requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub memory_bytes: Option<u64>,
    pub cpu_millis: Option<u64>,
    /// The line of the memory value (else of the block).
    pub line: Option<u64>,
}

/// A container's `state` or `lastState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct State {
    /// `running`, `terminated` or `waiting`.
    pub status: String,
    /// `OOMKilled`, `Error`, `Completed`, `CrashLoopBackOff`, ...
    pub reason: Option<String>,
    pub exit_code: Option<i64>,
    pub signal: Option<i64>,
    pub message: Option<String>,
    pub started_at: Option<TimeFact>,
    pub finished_at: Option<TimeFact>,
    /// The container id of that run (`terminated.containerID`), 64 hex.
    pub container_id: Option<String>,
    pub line: Option<u64>,
}

/// An environment variable with a literal value (`valueFrom` gives `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub line: Option<u64>,
}

/// One container (or init container) of a pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Container {
    pub name: String,
    pub init: bool,
    /// `docker`, `containerd`, `cri-o`, from the `containerID` scheme.
    pub runtime: Option<String>,
    /// The current container's id, 64 hex.
    pub id: Option<String>,
    pub image: Option<String>,
    pub state: Option<State>,
    pub last_state: Option<State>,
    pub ready: Option<bool>,
    pub restart_count: Option<u64>,
    pub restart_count_line: Option<u64>,
    pub limits: Resources,
    pub requests: Resources,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    /// Where the container's section starts.
    pub line: Option<u64>,
}

/// A Kubernetes event, from an Event object or a describe Events table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub event_type: Option<String>,
    /// `OOMKilling`, `Evicted`, `Killing`, `BackOff`, `SystemOOM`, ...
    pub reason: Option<String>,
    pub message: Option<String>,
    /// The object it is about: `Pod/name` (kind and name), when known.
    pub object: Option<String>,
    pub namespace: Option<String>,
    /// Who reported it: `kubelet`, `kernel-monitor`, ...
    pub component: Option<String>,
    pub count: Option<u64>,
    pub first_seen: Option<TimeFact>,
    pub last_seen: Option<TimeFact>,
    /// describe's age column as printed (`3m (x9 over 13d)`).
    pub age: Option<String>,
    pub line: Option<u64>,
}

/// A pod, with what the evidence said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pod {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub node: Option<String>,
    pub qos_class: Option<String>,
    pub start_time: Option<TimeFact>,
    pub containers: Vec<Container>,
    /// Events printed with the pod (describe's Events table).
    pub events: Vec<Event>,
    /// `describe`, `json` or `yaml`.
    pub format: String,
    pub lines: Span,
}

/// What a JSON or YAML document held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Objects {
    pub pods: Vec<Pod>,
    pub events: Vec<Event>,
}

/// Whether the start of a file looks like `kubectl describe pod` output.
pub fn looks_like_describe(head: &[u8]) -> bool {
    let _ = head;
    false
}

/// Whether the start of a file looks like a Kubernetes object (JSON or
/// YAML with `apiVersion` and `kind`).
pub fn looks_like_object(head: &[u8]) -> bool {
    let _ = head;
    false
}

/// Parses `kubectl describe pod` output (one or several pods).
pub fn parse_describe(source: &str, text: &[u8]) -> (Vec<Pod>, Warnings) {
    let _ = (source, text);
    (Vec::new(), Warnings::new())
}

/// Parses Pod, PodList, List, Event and EventList objects as JSON or YAML
/// (several YAML documents allowed).
pub fn parse_objects(source: &str, text: &[u8]) -> (Objects, Warnings) {
    let _ = (source, text);
    (Objects::default(), Warnings::new())
}

/// Kubernetes quantities.
pub mod quantity {
    /// Bytes of a memory quantity: `3Gi`, `512Mi`, `3G`, `1.5Gi`, `128974848`,
    /// `129e6`, `123Ki`, `1k`. `None` when it does not parse.
    pub fn memory_bytes(s: &str) -> Option<u64> {
        let _ = s;
        None
    }

    /// Millicores of a CPU quantity: `1500m`, `2`, `0.5`.
    pub fn cpu_millis(s: &str) -> Option<u64> {
        let _ = s;
        None
    }
}
