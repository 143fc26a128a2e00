//! `manifest.json`: what a bundle holds, where each piece came from (API
//! path, RBAC verb and resource), when, what failed and why (HTTP status
//! and the server's message), and what was redacted (names and places,
//! never values). Schema `oomlens/collect/v1`, documented in docs/json.md;
//! fields are only ever added.

use serde::Serialize;

use crate::api::{Access, CallError};
use crate::redact::RedactionKind;

pub const SCHEMA: &str = "oomlens/collect/v1";

/// What a file or a failed call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Item {
    Pod,
    PodList,
    Events,
    EventsK8sIo,
    Owners,
    Log,
    PreviousLog,
    NodeKernelLog,
    Cadvisor,
    Prometheus,
    /// Read on the node by `oomlens diagnose --save` (no API): the memory
    /// cgroups' readings as OpenMetrics.
    CgroupMetrics,
    /// A Pod object rebuilt from the node's cgroups and pod log folders.
    NodePod,
    /// A `jcmd PID COMMAND` output, through the JVM's attach socket.
    Jcmd,
    /// A JVM's performance-counter file.
    Hsperfdata,
}

impl From<oomlens_live::node::What> for Item {
    fn from(w: oomlens_live::node::What) -> Item {
        use oomlens_live::node::What;
        match w {
            What::NodeKernelLog => Item::NodeKernelLog,
            What::CgroupMetrics => Item::CgroupMetrics,
            What::NodePod => Item::NodePod,
            What::Log => Item::Log,
            What::PreviousLog => Item::PreviousLog,
            What::Jcmd => Item::Jcmd,
            What::Hsperfdata => Item::Hsperfdata,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub schema: &'static str,
    pub oomlens_version: String,
    pub started: String,
    pub finished: String,
    /// The API server (no credentials).
    pub server: String,
    pub context: Option<String>,
    pub impersonate_user: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub selection: SelectionNote,
    pub limits: Limits,
    pub calls: Calls,
    pub pods: Vec<PodNote>,
    pub files: Vec<FileNote>,
    pub failures: Vec<Failure>,
    pub redacted: Vec<RedactedNote>,
    /// JVM evidence per container taken for a JVM: how it was gathered
    /// (jcmd through exec) or why not, and the commands that gather it
    /// by hand.
    pub jvm: Vec<JvmNote>,
    /// Set when the bundle was read on a node (`oomlens diagnose --save`)
    /// rather than through the API.
    pub node: Option<NodeNote>,
}

/// Where a node's bundle was read from.
#[derive(Debug, Clone, Serialize)]
pub struct NodeNote {
    pub host: String,
    /// `v1` or `v2`.
    pub cgroup_version: &'static str,
    pub cgroup_root: String,
    pub pod_logs: String,
    pub container_logs: String,
    /// Containers found, with processes or not.
    pub containers: usize,
    pub jvms: usize,
    /// What could not be read, one line each.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelectionNote {
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub label_selector: Option<String>,
    /// Only pods with a container OOM-killed since this time (RFC 3339).
    pub oom_killed_since: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    pub tail_lines: Option<u64>,
    pub limit_bytes: u64,
    pub node_log_bytes: usize,
    pub chunk_size: u32,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Calls {
    pub total: usize,
    pub lists: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PodNote {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
    pub node: Option<String>,
    pub containers: Vec<ContainerNote>,
    /// The owner chain, nearest first (ReplicaSet, then Deployment).
    pub owners: Vec<OwnerNote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerNote {
    pub name: String,
    pub restart_count: i32,
    pub memory_limit: Option<String>,
    pub last_terminated_reason: Option<String>,
    pub last_terminated_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnerNote {
    pub kind: String,
    pub name: String,
    /// container name -> the memory limit of the owner's pod template.
    pub memory_limits: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileNote {
    /// Path inside the bundle.
    pub path: String,
    pub what: Item,
    /// The API path and query it was read from (on a node: the file,
    /// or `jcmd PID COMMAND`).
    pub api_path: String,
    /// What RBAC allowed; `None` for what was read on the node.
    pub access: Option<Access>,
    pub collected_at: String,
    /// The HTTP status; `None` for what was read on the node.
    pub status: Option<u16>,
    pub bytes: usize,
    /// The answer was longer than its bound and was cut.
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub what: Item,
    pub api_path: String,
    pub access: Access,
    /// The HTTP status, null when no answer came.
    pub status: Option<u16>,
    pub reason: String,
    pub message: String,
    /// One line for a person: what to grant, what is missing.
    pub hint: String,
}

impl Failure {
    pub fn new(what: Item, api_path: &str, access: Access, e: &CallError) -> Failure {
        let (reason, message) = match e {
            CallError::Status {
                reason, message, ..
            } => (reason.clone(), message.clone()),
            CallError::Transport(m) => ("NoAnswer".into(), m.clone()),
        };
        let group = if access.group.is_empty() {
            "\"\" (core)".to_string()
        } else {
            access.group.to_string()
        };
        let hint = match e.status() {
            Some(401) => "not authenticated: the kubeconfig's credentials were refused".into(),
            Some(403) => format!(
                "forbidden: RBAC must allow verb `{}` on resource `{}` in API group {group} (see deploy/rbac/collect.yaml)",
                access.verb, access.resource
            ),
            // The API server answers 400 BadRequest, message `previous
            // terminated container "C" in pod "P" not found`, when the
            // kubelet keeps no earlier run of the container.
            Some(400 | 404) if what == Item::PreviousLog => {
                "no earlier run of this container is kept by the kubelet (it has not restarted, or its old log was removed)".into()
            }
            Some(404) => "not found".into(),
            Some(s) => format!("the server answered {s}"),
            None => "no answer from the server".into(),
        };
        Failure {
            what,
            api_path: api_path.into(),
            access,
            status: e.status(),
            reason,
            message,
            hint,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RedactedNote {
    /// The bundle file.
    pub path: String,
    /// A JSON path or `line N`.
    pub at: String,
    pub kind: RedactionKind,
}

/// How a container's JVM evidence was gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JvmGathered {
    /// `jcmd` ran in the container through the exec subresource.
    Exec,
    /// `oomlens jcmd --all` ran in an ephemeral debug container targeting
    /// the container; its files read from its log.
    DebugContainer,
    /// Not gathered: `exec` and `debug` say what to run.
    Printed,
}

#[derive(Debug, Clone, Serialize)]
pub struct JvmNote {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// Why it is taken for a JVM (image, command or JAVA_TOOL_OPTIONS).
    pub because: String,
    /// Run when the image has `jcmd` (RBAC: create pods/exec).
    pub exec: Vec<String>,
    /// Run when it has not (RBAC: patch pods/ephemeralcontainers).
    pub debug: String,
    pub gathered: JvmGathered,
    /// The JVMs `jcmd -l` listed in the container.
    pub pids: Vec<u32>,
    /// Why it was not gathered (a refusal naming the verb, no jcmd in the
    /// image, no JVM listed).
    pub problem: Option<String>,
    /// Commands whose output was not kept, and why (NMT off).
    pub skipped: Vec<String>,
    /// The ephemeral container started for it (it stays in the pod's
    /// spec, ended: ephemeral containers cannot be removed).
    pub debug_container: Option<String>,
}

impl JvmNote {
    /// The note of a container not (yet) gathered from: the commands of
    /// `oomlens jcmd --all` (`oomlens_live::attach::gather::ALL`) as
    /// `kubectl exec` lines, and the `kubectl debug` line.
    pub fn printed(ns: &str, pod: &str, container: &str, because: String) -> JvmNote {
        JvmNote {
            namespace: ns.into(),
            pod: pod.into(),
            container: container.into(),
            because,
            exec: oomlens_live::attach::gather::ALL
                .iter()
                .map(|(_, cmd)| {
                    format!("kubectl exec -n {ns} {pod} -c {container} -- jcmd 1 {cmd}")
                })
                .collect(),
            debug: format!(
                "kubectl debug -n {ns} {pod} --target={container} --image=IMAGE_WITH_OOMLENS -- oomlens jcmd --all 1"
            ),
            gathered: JvmGathered::Printed,
            pids: Vec::new(),
            problem: None,
            skipped: Vec::new(),
            debug_container: None,
        }
    }
}
