//! Kubernetes evidence: `kubectl describe pod` text, Pod / PodList / List /
//! Event / EventList objects as JSON or YAML (`kubectl get -o json|yaml`,
//! multi-document YAML), and Kubernetes quantities (`3Gi`, `1500m`).
//!
//! Every fact carries the line it was read from, so a verdict can cite
//! `describe.txt:14`. For JSON and YAML the line is that of the key that
//! holds the value.
//!
//! - [`parse_describe`] reads `kubectl describe pod` output, one pod or
//!   several, as kubectl prints it or as people paste it: indentation
//!   changed or flattened, tabs from old kubectl versions, lines elided
//!   (`...`), the start or the end cut off. Fields are recognised by their
//!   key (`Last State:`, `Restart Count:`) and nesting by relative
//!   indentation where it survived; what cannot be placed gives a warning
//!   with its line, never a panic. [`parse_describe_objects`] also returns
//!   the events of described nodes (`kubectl describe node`, where
//!   `SystemOOM` events live).
//! - [`parse_objects`] reads `kubectl get -o json` (pretty, one line, or
//!   several values in a row) and `kubectl get -o yaml` (several `---`
//!   documents). serde gives no line numbers, so the text is scanned a
//!   second time to map each key path (`items.3.status.containerStatuses.0.
//!   restartCount`) to the line of its key: exact for JSON and for the block
//!   YAML kubectl prints; a List's item written as a flow mapping cites
//!   its facts at the item's first line; `None` where a fact's key cannot
//!   be placed (other flow style YAML, hand-written oddities).
//! - [`quantity`] turns `1.5Gi`, `129e6`, `1500m` into bytes and millicores.

use jiff::Timestamp;
use serde::Serialize;

use crate::provenance::{Span, Warnings};

mod describe;
/// The key-line index moved to [`crate::lines`]; the old path stays.
use crate::lines;
mod objects;
mod pasted;

/// A point in time as Kubernetes printed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeFact {
    /// As printed: `Sat, 02 Dec 2023 13:55:57 +0800` (describe) or
    /// `2023-12-02T05:55:57Z` (objects).
    pub raw: String,
    /// RFC 3339 UTC, when it parses.
    pub utc: Option<String>,
    pub line: Option<u64>,
    /// The instant `utc` names, as a value.
    #[serde(skip)]
    pub at: Option<Timestamp>,
    /// The zone offset it was printed in (`+0800`, `Z`), when it says one.
    #[serde(skip)]
    pub offset: Option<jiff::tz::Offset>,
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

/// Whether the start of a file looks like `kubectl describe pod` output:
/// `Name:` and `Namespace:` lines and a `Containers:` or `Node:` line near
/// the top, in any indentation. A describe whose top was cut off is also
/// recognised by a `Containers:` line followed by container fields
/// (`State:`, `Restart Count:`), a container fragment (`State:` and
/// `Restart Count:` lines, or the three lines `Last State:`, `Reason:`,
/// `Exit Code:` people paste, at any indentation), or an `Events:` table header
/// (`Type  Reason  Age  From  Message`).
pub fn looks_like_describe(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut name = false;
    let mut namespace = false;
    let mut containers = false;
    let mut node = false;
    let mut container_field = false;
    let mut events = false;
    let mut events_header = false;
    let mut state = false;
    let mut restart_count = false;
    let mut reason = false;
    let mut exit_code = false;
    for line in text.lines().take(400) {
        let t = line.trim();
        let key = t.split(':').next().unwrap_or("");
        let has_colon = t.len() > key.len();
        if !has_colon {
            if events && is_events_header(t) {
                events_header = true;
            }
            continue;
        }
        match key {
            "Name" => name = true,
            "Namespace" => namespace = true,
            "Containers" | "Init Containers" => containers = true,
            "Node" => node = true,
            "State" | "Last State" | "Restart Count" | "Container ID" if containers => {
                container_field = true
            }
            "Events" => events = true,
            _ => {}
        }
        match key {
            "State" | "Last State" => state = true,
            "Restart Count" => restart_count = true,
            "Reason" => reason = true,
            "Exit Code" => exit_code = true,
            _ => {}
        }
    }
    (name && namespace && (containers || node))
        || container_field
        || events_header
        || (state && restart_count)
        || (state && reason && exit_code)
}

fn is_events_header(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    (has("Type") && has("Reason") && has("Age") && has("From") && has("Message"))
        || (has("FirstSeen") && has("LastSeen") && has("Message"))
}

/// Whether the start of a file looks like a Kubernetes object (JSON or
/// YAML with `apiVersion` and `kind`). Leading blank lines, `#` comments and
/// `---` separators are skipped. A YAML list (`kubectl get pods -o yaml`)
/// prints its own `kind: List` last, so for YAML an `apiVersion:` or `kind:`
/// first key (at any indent: the whole document may be indented) and the
/// other key anywhere in `head` (an item's, block or flow style) suffice.
pub fn looks_like_object(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut first: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t == "---" || t == "..." {
            continue;
        }
        first = Some(line);
        break;
    }
    let Some(first) = first else {
        return false;
    };
    // A key inside a flow mapping (`items: [{"kind": "Pod", ...}]`,
    // `{apiVersion: v1, kind: List, ...}`).
    let flow_key = |k: &str| {
        text.contains(&format!("\"{k}\":"))
            || text.contains(&format!("{{{k}:"))
            || text.contains(&format!(", {k}:"))
            || text.contains(&format!("'{k}':"))
    };
    let t = first.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return (text.contains("\"apiVersion\"") && text.contains("\"kind\""))
            || (flow_key("apiVersion") && flow_key("kind"));
    }
    // The first line of content is at the root's indent, whatever it is
    // (a document pasted indented is still one).
    let top_key = |k: &str| t.starts_with(k);
    let any_key = |k: &str| {
        text.lines().any(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("- ").unwrap_or(l).trim_start();
            l.starts_with(k)
        })
    };
    (top_key("apiVersion:") && (any_key("kind:") || flow_key("kind")))
        || (top_key("kind:") && (any_key("apiVersion:") || flow_key("apiVersion")))
}

/// Parses `kubectl describe pod` output (one or several pods).
///
/// Pods come in the order printed; a describe with no `Name:` line (its top
/// cut off) gives one pod with `name: None`. Events of a described *node*
/// are not pods' events: they are left out here, with a warning, and
/// returned by [`parse_describe_objects`].
pub fn parse_describe(source: &str, text: &[u8]) -> (Vec<Pod>, Warnings) {
    let (objects, mut warnings) = describe::parse(source, text);
    if !objects.events.is_empty() {
        warnings.push(
            source,
            objects.events.first().and_then(|e| e.line),
            format!(
                "{} events of a described node are not attached to any pod",
                objects.events.len()
            ),
        );
    }
    (objects.pods, warnings)
}

/// Like [`parse_describe`], and also returns the events of described nodes
/// (`kubectl describe node`: `SystemOOM`, `OOMKilling` from
/// `kernel-monitor`) in [`Objects::events`], with `object: Node/<name>`.
pub fn parse_describe_objects(source: &str, text: &[u8]) -> (Objects, Warnings) {
    describe::parse(source, text)
}

/// Parses Pod, PodList, List, Event and EventList objects as JSON or YAML
/// (several YAML documents allowed).
///
/// A document that does not parse gives a warning with the line serde
/// reported and the other documents are still read. Objects of other kinds
/// are skipped: silently inside a `List`, with a warning at top level.
pub fn parse_objects(source: &str, text: &[u8]) -> (Objects, Warnings) {
    objects::parse(source, text)
}

/// Whether a head is a pasted fragment: a container status block cut out
/// of a Pod (YAML, JSON or Go-template `map[...]`), `docker inspect`'s
/// `State`, or a `kubectl get pods` / `kubectl get events` table. Tried
/// after [`looks_like_describe`] and [`looks_like_object`].
pub fn looks_like_pasted(head: &[u8]) -> bool {
    pasted::looks_like_pasted(head)
}

/// Parses a pasted fragment (see [`looks_like_pasted`]) into pods and
/// events; what a fragment lacks (pod name, limits) stays `None`.
pub fn parse_pasted(source: &str, text: &[u8]) -> (Objects, Warnings) {
    pasted::parse(source, text)
}

impl TimeFact {
    /// A time as Kubernetes prints it, resolved (see [`time_fact`]).
    pub fn parse(raw: &str, line: Option<u64>) -> TimeFact {
        time_fact(raw, line)
    }
}

/// The instant of a time as Kubernetes prints it: RFC 3339 (objects) or
/// RFC 2822 (describe; a weekday that does not match the date, as in some
/// hand-edited docs, is tolerated).
fn time_fact(raw: &str, line: Option<u64>) -> TimeFact {
    let raw = raw.trim();
    let at = raw.parse::<Timestamp>().ok().or_else(|| {
        jiff::fmt::rfc2822::DateTimeParser::new()
            .relaxed_weekday(true)
            .parse_timestamp(raw)
            .ok()
    });
    TimeFact {
        raw: raw.to_string(),
        utc: at.map(fmt_utc),
        line,
        at,
        offset: at.and_then(|_| fixed_zone_of(raw)),
    }
}

/// The fixed offset at the end of a time as Kubernetes printed it
/// (`Sat, 02 Dec 2023 13:55:57 +0800`, `2023-12-02T13:55:57+08:00`, `Z`).
fn fixed_zone_of(raw: &str) -> Option<jiff::tz::Offset> {
    let t = raw.trim();
    if t.ends_with('Z') {
        return Some(jiff::tz::Offset::UTC);
    }
    let tail = t.rsplit([' ', 'T']).next()?;
    let pos = tail.rfind(['+', '-'])?;
    let (sign, body) = tail[pos..].split_at(1);
    let digits: String = body.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    let secs = (h * 3600 + m * 60) * if sign == "-" { -1 } else { 1 };
    jiff::tz::Offset::from_seconds(secs).ok()
}

fn fmt_utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

/// A termination reason as today's API spells it: `OOM Killed`, the
/// 2014-2015 spelling (Kubernetes before 1.0), becomes `OOMKilled`.
pub(crate) fn normal_reason(s: &str) -> String {
    match s {
        "OOM Killed" => "OOMKilled".into(),
        _ => s.to_string(),
    }
}

/// Splits `containerd://<id>` into the runtime and the id. The id is kept
/// only when it is 64 hex digits (what cgroup paths and kernel logs name);
/// the third value says whether it was.
fn container_ref(s: &str) -> (Option<String>, Option<String>, bool) {
    let s = s.trim();
    let Some((scheme, id)) = s.split_once("://") else {
        return (None, None, s.is_empty());
    };
    let runtime = match scheme {
        "" => None,
        "containerd" => Some("containerd".to_string()),
        "docker" => Some("docker".to_string()),
        "cri-o" | "crio" => Some("cri-o".to_string()),
        other => Some(other.to_string()),
    };
    let ok = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
    (runtime, ok.then(|| id.to_ascii_lowercase()), ok)
}

/// Kubernetes quantities: the grammar is
/// [`crate::units::parse::kube_bytes`]'s. `None` when a quantity does not
/// read or does not fit in 64 bits.
/// Whether the kubelet's message of an `Evicted` event or status says the
/// pod was evicted for memory (`The node was low on resource: memory.`,
/// `The node had condition: [MemoryPressure].`), not for disk
/// (`ephemeral-storage`, an `EmptyDir` over its limit) or PIDs. Only those
/// count as OOM kills, in `diagnose` and in `collect --oom-killed-since`.
pub fn eviction_for_memory(message: &str) -> bool {
    message.contains("low on resource: memory") || message.contains("MemoryPressure")
}

pub mod quantity {
    use crate::units::parse::{kube_bytes, kube_millis};

    /// Bytes of a memory quantity: `3Gi`, `512Mi`, `3G`, `1.5Gi`, `128974848`,
    /// `129e6`, `123Ki`, `1k`.
    pub fn memory_bytes(s: &str) -> Option<u64> {
        kube_bytes(s).ok()
    }

    /// Millicores of a CPU quantity: `1500m`, `2`, `0.5`.
    pub fn cpu_millis(s: &str) -> Option<u64> {
        kube_millis(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::quantity::{cpu_millis, memory_bytes};
    use super::*;

    #[test]
    fn memory_quantities() {
        let cases: &[(&str, Option<u64>)] = &[
            ("3Gi", Some(3 << 30)),
            ("512Mi", Some(512 << 20)),
            ("123Ki", Some(123 << 10)),
            ("1.5Gi", Some(1_610_612_736)),
            ("0.5Ki", Some(512)),
            ("1Ei", Some(1 << 60)),
            ("3G", Some(3_000_000_000)),
            ("1k", Some(1000)),
            ("1M", Some(1_000_000)),
            ("2T", Some(2_000_000_000_000)),
            ("1P", Some(1_000_000_000_000_000)),
            ("1E", Some(1_000_000_000_000_000_000)),
            ("128974848", Some(128_974_848)),
            ("129e6", Some(129_000_000)),
            ("129E6", Some(129_000_000)),
            ("1e+3", Some(1000)),
            ("12e-1", Some(2)),
            ("+1Mi", Some(1 << 20)),
            (".5Mi", Some(512 << 10)),
            ("5.Mi", Some(5 << 20)),
            (" 64Mi ", Some(64 << 20)),
            ("0", Some(0)),
            ("0.0Gi", Some(0)),
            ("1m", Some(1)),
            ("1500m", Some(2)),
            ("100n", Some(1)),
            ("1e-300", Some(1)),
            ("16Ei", None),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("1e20", None),
            ("1e9999999999999", None),
            ("0e9999", Some(0)),
            ("", None),
            ("Mi", None),
            (".", None),
            ("-1Gi", None),
            ("1K", None),
            ("1KB", None),
            ("1 Mi", None),
            ("1.2.3", None),
            ("1e", None),
            ("1e+", None),
            ("0x10", None),
            ("1Mii", None),
            ("١٢Mi", None),
            ("9999999999999999999999999999999999999999Ki", None),
        ];
        for (s, want) in cases {
            assert_eq!(memory_bytes(s), *want, "memory_bytes({s:?})");
        }
    }

    #[test]
    fn cpu_quantities() {
        let cases: &[(&str, Option<u64>)] = &[
            ("1500m", Some(1500)),
            ("2", Some(2000)),
            ("0.5", Some(500)),
            ("0.25", Some(250)),
            ("100m", Some(100)),
            ("1.0005", Some(1001)),
            ("250000u", Some(250)),
            ("1u", Some(1)),
            ("2k", Some(2_000_000)),
            ("1e3", Some(1_000_000)),
            ("5e-1", Some(500)),
            ("", None),
            ("m", None),
            ("-1", None),
            ("1 m", None),
            ("1e19", None),
        ];
        for (s, want) in cases {
            assert_eq!(cpu_millis(s), *want, "cpu_millis({s:?})");
        }
    }

    #[test]
    fn times_of_both_formats() {
        let t = time_fact("Sat, 02 Dec 2023 13:55:57 +0800", Some(3));
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T05:55:57Z"));
        assert_eq!(t.line, Some(3));
        // kubernetes.io's own example has a wrong weekday (7 July 2015 was
        // a Tuesday): the date is still read.
        let t = time_fact("Fri, 07 Jul 2015 12:54:30 -0700", None);
        assert_eq!(t.utc.as_deref(), Some("2015-07-07T19:54:30Z"));
        let t = time_fact("2023-12-13T01:20:05.182734Z", None);
        assert_eq!(t.utc.as_deref(), Some("2023-12-13T01:20:05.182734Z"));
        assert_eq!(time_fact("<sana>", None).utc, None);
        assert_eq!(time_fact("", None).raw, "");
    }

    #[test]
    fn container_ids() {
        let id = "9a7c4d0e5b1f2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4";
        let (rt, got, ok) = container_ref(&format!("containerd://{id}"));
        assert_eq!(
            (rt.as_deref(), got.as_deref(), ok),
            (Some("containerd"), Some(id), true)
        );
        let (rt, _, _) = container_ref(&format!("cri-o://{id}"));
        assert_eq!(rt.as_deref(), Some("cri-o"));
        let (rt, got, ok) = container_ref("containerd://abc123...");
        assert_eq!((rt.as_deref(), got, ok), (Some("containerd"), None, false));
        assert!(container_ref("").2);
        assert!(!container_ref("no-scheme").2);
    }

    fn one_pod(text: &str) -> (Pod, Warnings) {
        let (mut pods, w) = parse_describe("t", text.as_bytes());
        assert_eq!(pods.len(), 1, "pods: {pods:#?}\nwarnings: {:?}", w.items());
        (pods.remove(0), w)
    }

    const DESCRIBE: &str = "\
Name:         app-1
Namespace:    prod
Node:         node-a/10.0.0.1
Containers:
  app:
    Container ID:   containerd://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Finished:     Sat, 02 Dec 2023 13:55:57 +0800
    Restart Count:  9
    Limits:
      memory:  3Gi
Events:
  Type     Reason      Age                From            Message
  ----     ------      ----               ----            -------
  Warning  OOMKilling  3m (x9 over 13d)   kernel-monitor  Memory cgroup out of memory:
                                                          Kill process 42 (java) score 200
                                                          or sacrifice child
  Normal   Killing     <unknown>          kubelet         Container app failed liveness probe, will be restarted
";

    fn check_app(p: &Pod) {
        assert_eq!(p.name.as_deref(), Some("app-1"));
        assert_eq!(p.namespace.as_deref(), Some("prod"));
        assert_eq!(p.node.as_deref(), Some("node-a"));
        let c = &p.containers[0];
        assert_eq!(c.name, "app");
        assert_eq!(c.runtime.as_deref(), Some("containerd"));
        let last = c.last_state.as_ref().expect("last state");
        assert_eq!(last.status, "terminated");
        assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(last.exit_code, Some(137));
        let fin = last.finished_at.as_ref().expect("finished");
        assert_eq!(fin.utc.as_deref(), Some("2023-12-02T05:55:57Z"));
        assert_eq!(c.restart_count, Some(9));
        assert_eq!(c.limits.memory_bytes, Some(3 << 30));
        assert_eq!(p.events.len(), 2);
    }

    #[test]
    fn wrapped_event_messages_and_counts() {
        let (p, w) = one_pod(DESCRIBE);
        assert!(w.is_empty(), "{:?}", w.items());
        check_app(&p);
        let e = &p.events[0];
        assert_eq!(e.reason.as_deref(), Some("OOMKilling"));
        assert_eq!(
            e.message.as_deref(),
            Some(
                "Memory cgroup out of memory: Kill process 42 (java) score 200 or sacrifice child"
            )
        );
        assert_eq!(e.count, Some(9));
        assert_eq!(e.age.as_deref(), Some("3m (x9 over 13d)"));
        assert_eq!(e.component.as_deref(), Some("kernel-monitor"));
        assert_eq!(e.line, Some(17));
        assert_eq!(e.object.as_deref(), Some("Pod/app-1"));
        assert_eq!(e.namespace.as_deref(), Some("prod"));
        let k = &p.events[1];
        assert_eq!(k.reason.as_deref(), Some("Killing"));
        assert_eq!(k.age.as_deref(), Some("<unknown>"));
        assert_eq!(k.count, Some(1));
        assert_eq!(k.line, Some(20));
    }

    #[test]
    fn events_read_by_words_when_columns_do_not_line_up() {
        // Collapsed spaces, as a chat client or a re-typed paste leaves it.
        let text = "Name: p\nNamespace: n\nEvents:\n  Type Reason Age From Message\n  \
                    Warning SystemOOM 17m kubelet, node1 System OOM encountered, victim process: java, pid: 5151\n  \
                    Warning BackOff 2m (x40 over 1h) kubelet Back-off restarting failed container\n";
        let (p, w) = one_pod(text);
        assert!(w.is_empty(), "{:?}", w.items());
        let e = &p.events[0];
        assert_eq!(e.component.as_deref(), Some("kubelet"));
        assert_eq!(
            e.message.as_deref(),
            Some("System OOM encountered, victim process: java, pid: 5151")
        );
        let b = &p.events[1];
        assert_eq!(b.count, Some(40));
        assert_eq!(
            b.message.as_deref(),
            Some("Back-off restarting failed container")
        );
    }

    #[test]
    fn tolerant_indentation() {
        // Every line shifted right: same facts.
        let shifted: String = DESCRIBE.lines().map(|l| format!("      {l}\n")).collect();
        let (p, w) = one_pod(&shifted);
        assert!(w.is_empty(), "{:?}", w.items());
        check_app(&p);
        // Every line flush left: nesting is gone, keys still say it all.
        let flat: String = DESCRIBE
            .lines()
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        let (p, w) = one_pod(&flat);
        check_app(&p);
        assert_eq!(
            p.events[0]
                .message
                .as_deref()
                .map(|m| m.contains("sacrifice")),
            Some(true)
        );
        assert!(w.is_empty(), "{:?}", w.items());
        // Tabs instead of spaces between keys and values.
        let tabbed = DESCRIBE.replace(":   ", ":\t").replace(":  ", ":\t");
        let (p, _) = one_pod(&tabbed);
        check_app(&p);
        // CRLF line ends.
        let (p, w) = one_pod(&DESCRIBE.replace('\n', "\r\n"));
        assert!(w.is_empty(), "{:?}", w.items());
        check_app(&p);
    }

    #[test]
    fn two_pods_separated_by_a_blank_line() {
        let text = format!("{DESCRIBE}\n{}", DESCRIBE.replace("app-1", "app-2"));
        let (pods, w) = parse_describe("t", text.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[1].name.as_deref(), Some("app-2"));
        assert_eq!(pods[0].lines.last, 20);
        assert_eq!(pods[1].lines.first, 22);
        assert_eq!(pods[1].containers[0].restart_count_line, Some(32));
    }

    #[test]
    fn misplaced_fields_warn_with_their_line() {
        let text = "Name: p\nNamespace: n\nContainers:\n  app:\n    Image: x\n    Exit Code: 137\n    memory: 1Gi\n    Restart Count: lots\n    Limits:\n      memory: 3 GB\n";
        let (p, w) = one_pod(text);
        let lines: Vec<Option<u64>> = w.items().iter().map(|x| x.line).collect();
        assert_eq!(
            lines,
            vec![Some(6), Some(7), Some(8), Some(10), Some(10)],
            "{:?}",
            w.items()
        );
        assert!(w.items()[4].message.contains("Events"));
        assert_eq!(p.containers[0].limits.memory_bytes, None);
        assert_eq!(p.containers[0].limits.line, Some(10));
    }

    #[test]
    fn cut_describe_keeps_what_it_has() {
        let cut = &DESCRIBE[..DESCRIBE.find("Restart Count").unwrap()];
        let (p, w) = one_pod(cut);
        assert_eq!(
            p.containers[0].last_state.as_ref().unwrap().exit_code,
            Some(137)
        );
        assert_eq!(p.containers[0].restart_count, None);
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(10));
    }

    #[test]
    fn env_values_from_references_are_none() {
        let text = "Name: p\nNamespace: n\nContainers:\n  app:\n    Environment:\n      A:  1\n      B:  <set to the key 'k' of config map 'c'>  Optional: false\n      C:  p (v1:metadata.name)\n      D:  1073741824 (limits.memory)\n      E:  (not a ref)\n    Mounts:  <none>\nEvents:  <none>\n";
        let (p, w) = one_pod(text);
        assert!(w.is_empty(), "{:?}", w.items());
        let env: Vec<(&str, Option<&str>)> = p.containers[0]
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            env,
            vec![
                ("A", Some("1")),
                ("B", None),
                ("C", None),
                ("D", None),
                ("E", Some("(not a ref)"))
            ]
        );
        assert!(p.events.is_empty());
    }

    #[test]
    fn ephemeral_containers_and_workloads_are_not_containers_or_pods() {
        let text = DESCRIBE.replace(
            "Events:",
            "Ephemeral Containers:\n  debugger-x:\n    Container ID:  containerd://bb\n    State:  Running\nEvents:",
        );
        let (p, _) = one_pod(&text);
        assert_eq!(p.containers.len(), 1);
        check_app(&p);
        let deploy = "Name:                   web\nNamespace:              prod\nSelector:               app=web\nReplicas:               3 desired\nPod Template:\n  Containers:\n   web:\n    Image:      nginx\n    Limits:\n      memory:  1Gi\nEvents:          <none>\n";
        let (pods, w) = parse_describe("t", deploy.as_bytes());
        assert!(pods.is_empty());
        assert_eq!(w.items().len(), 1);
        assert_eq!(w.items()[0].line, Some(1));
    }

    #[test]
    fn byte_order_marks_are_skipped() {
        let (p, w) = one_pod(&format!("\u{feff}{DESCRIBE}"));
        assert!(w.is_empty(), "{:?}", w.items());
        check_app(&p);
        let (o, w) = parse_objects(
            "t",
            "\u{feff}{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}"
                .as_bytes(),
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(o.pods[0].name.as_deref(), Some("p"));
    }

    #[test]
    fn detection() {
        assert!(looks_like_describe(DESCRIBE.as_bytes()));
        assert!(looks_like_describe(
            b"Containers:\n  a:\n    State: Running\n"
        ));
        assert!(looks_like_describe(
            b"Events:\n  Type  Reason  Age  From  Message\n"
        ));
        assert!(!looks_like_describe(b"Dec  2 13:55:56 h kernel: Name: x\n"));
        assert!(!looks_like_describe(
            b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"
        ));
        assert!(looks_like_object(b"# c\n---\napiVersion: v1\nkind: Pod\n"));
        assert!(looks_like_object(
            b"apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n"
        ));
        assert!(looks_like_object(
            b"  {\"kind\":\"Pod\",\"apiVersion\":\"v1\"}"
        ));
        // A List indented whole, one whose items are a flow sequence.
        assert!(looks_like_object(
            b"    apiVersion: v1\n    items:\n    - apiVersion: v1\n      kind: Pod\n"
        ));
        assert!(looks_like_object(
            b"apiVersion: v1\nitems: [\n  {\"apiVersion\":\"v1\",\"kind\":\"Pod\"},\n"
        ));
        assert!(looks_like_object(
            b"apiVersion: v1\nitems: [{apiVersion: v1, kind: Pod}]\n"
        ));
        assert!(!looks_like_object(b"apiVersion: v1\nitems: [{name: x}]\n"));
        assert!(!looks_like_object(b"{\"name\": 1}"));
        assert!(!looks_like_object(DESCRIBE.as_bytes()));
        assert!(!looks_like_object(b""));
    }

    #[test]
    fn objects_find_the_lines_of_their_facts() {
        let yaml = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: n
spec:
  containers:
  - name: sidecar
    image: s
  - name: app
    resources:
      limits:
        memory: 3Gi
status:
  containerStatuses:
  - name: app
    restartCount: 9
    lastState:
      terminated:
        reason: OOMKilled
        exitCode: 137
        finishedAt: \"2023-12-02T05:55:57Z\"
  - name: sidecar
    restartCount: 0
";
        let (o, w) = parse_objects("t", yaml.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        let c = &o.pods[0].containers[1];
        assert_eq!(c.name, "app");
        assert_eq!(c.line, Some(10));
        assert_eq!(c.limits.line, Some(13));
        assert_eq!(c.restart_count_line, Some(17));
        let last = c.last_state.as_ref().unwrap();
        assert_eq!(last.line, Some(19));
        assert_eq!(last.finished_at.as_ref().unwrap().line, Some(22));
        assert_eq!(o.pods[0].containers[0].restart_count_line, Some(24));
        // The same pod as one-line JSON: every fact is on line 1.
        let v: serde_json::Value = serde_yaml_ng::from_str(yaml).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        let (o, w) = parse_objects("t", json.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(o.pods[0].containers[1].restart_count_line, Some(1));
        assert_eq!(
            o.pods[0].containers[1]
                .last_state
                .as_ref()
                .unwrap()
                .exit_code,
            Some(137)
        );
    }

    #[test]
    fn corrupt_documents_cost_only_themselves() {
        let text = "apiVersion: v1\nkind: Event\nreason: OOMKilling\ninvolvedObject: {kind: Pod, name: a}\n---\nkind: Pod\nmetadata: [\n---\napiVersion: v1\nkind: Event\nreason: Evicted\n";
        let (o, w) = parse_objects("t", text.as_bytes());
        assert_eq!(o.events.len(), 2);
        assert_eq!(o.events[0].object.as_deref(), Some("Pod/a"));
        assert_eq!(o.events[1].line, Some(11));
        assert_eq!(w.items().len(), 1, "{:?}", w.items());
        assert!(
            w.items()[0].line.is_some_and(|l| (6..=8).contains(&l)),
            "{:?}",
            w.items()
        );
    }
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn zones_from_kubernetes_times() {
        assert_eq!(
            fixed_zone_of("Sat, 02 Dec 2023 13:55:57 +0800").map(|o| o.seconds()),
            Some(28800)
        );
        assert_eq!(
            fixed_zone_of("2023-12-02T05:55:57Z").map(|o| o.seconds()),
            Some(0)
        );
        assert_eq!(
            fixed_zone_of("2023-12-02T13:55:57-05:00").map(|o| o.seconds()),
            Some(-18000)
        );
        assert_eq!(fixed_zone_of("yesterday"), None);
        let t = time_fact("Sat, 02 Dec 2023 13:55:57 +0800", None);
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T05:55:57Z"));
        assert_eq!(t.offset.map(|o| o.seconds()), Some(28800));
    }
}
