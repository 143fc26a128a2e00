//! Kubernetes and Docker evidence as people paste it into tickets: pieces
//! that are neither a whole object nor `kubectl describe` text.
//!
//! - container status fragments: a `lastState:` / `terminated:` block cut
//!   out of `kubectl get pod -o yaml` (any indentation, `startedAt: null`),
//!   a JSON fragment (`"terminated": {...},` with no enclosing object), the
//!   Go-template rendering `map[terminated:map[exitCode:137
//!   reason:OOMKilled ...]]`, and the 2014 API's `termination` key with the
//!   reason spelled `OOM Killed` (read as `OOMKilled`);
//! - `docker inspect`'s `State` object (`"OOMKilled"`, `"ExitCode"`): exit
//!   137 with `"OOMKilled": false` is read as a SIGKILL the runtime did not
//!   account as an OOM of the container's cgroup, and said so in a warning;
//! - `kubectl get pods` tables (`STATUS OOMKilled`, `RESTARTS 4 (57s ago)`)
//!   and `kubectl get events` tables (`LAST SEEN TYPE REASON OBJECT
//!   MESSAGE`), cut by their header's columns; a `get pods` table whose
//!   runs of spaces were collapsed (a chat, a web page) is read by words.
//!
//! Keys are found by a byte scan of each line (no regex, no per-line
//! allocation beyond the values kept); every fact keeps its line.

use super::{container_ref, time_fact, Container, Event, Objects, Pod, State};
use crate::provenance::{Span, Warnings};

/// Whether a head is one of the fragments this module reads (and not a
/// whole object or a describe, which are recognised before it).
pub(super) fn looks_like_pasted(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    if let Some(first) = lines.next() {
        if table_header(first).is_some() {
            return true;
        }
    }
    let has = |n: &str| memchr::memmem::find(head, n.as_bytes()).is_some();
    let status = has("terminated:")
        || has("\"terminated\"")
        || has("termination:")
        || has("\"termination\"");
    let exit = has("exitCode");
    (status && (exit || has("OOMKilled") || has("OOM Killed")))
        || (has("\"OOMKilled\"") && (has("\"ExitCode\"") || has("\"OOMKilled\": true")))
}

/// Which table a header line opens.
#[derive(Clone, Copy, PartialEq)]
enum Table {
    Pods,
    /// A `get pods` table whose runs of spaces were collapsed to one (a
    /// chat or a web page): read by words.
    PodsByWords,
    Events,
}

/// A table header's kind and its columns (name, byte column).
fn table_header(line: &str) -> Option<(Table, Vec<(&str, usize)>)> {
    let cols = columns(line);
    let has = |n: &str| cols.iter().any(|(c, _)| *c == n);
    if has("NAME") && has("READY") && has("STATUS") && has("RESTARTS") {
        return Some((Table::Pods, cols));
    }
    if has("LAST SEEN") && has("TYPE") && has("REASON") && has("MESSAGE") {
        return Some((Table::Events, cols));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let words = words.strip_prefix(&["NAMESPACE"]).unwrap_or(&words);
    if words.starts_with(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"]) {
        let ns = line.split_whitespace().next() == Some("NAMESPACE");
        return Some((Table::PodsByWords, vec![("NAMESPACE", usize::from(ns))]));
    }
    None
}

/// The columns of a header: words separated by two or more spaces (or a
/// tab); `LAST SEEN` and `NOMINATED NODE` are one column.
fn columns(line: &str) -> Vec<(&str, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        let start = i;
        while i < b.len() {
            let gap = b[i] == b'\t' || (b[i] == b' ' && b.get(i + 1).is_none_or(|c| *c == b' '));
            if gap {
                break;
            }
            i += 1;
        }
        if i > start {
            out.push((line[start..i].trim_end(), start));
        }
    }
    out
}

/// The field of a row under column `k` of `cols` (to the next column).
fn field<'a>(row: &'a str, cols: &[(&str, usize)], name: &str) -> Option<&'a str> {
    let k = cols.iter().position(|(c, _)| *c == name)?;
    super::describe::cut(row, cols[k].1, cols.get(k + 1).map(|c| c.1)).filter(|s| !s.is_empty())
}

/// Parses a pasted fragment (see the module doc).
pub(super) fn parse(source: &str, bytes: &[u8]) -> (Objects, Warnings) {
    let text = String::from_utf8_lossy(bytes);
    let mut warnings = Warnings::new();
    let first = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty());
    if let Some((i, header)) = first {
        if let Some((table, cols)) = table_header(header) {
            let rows = text.lines().enumerate().skip(i + 1);
            let o = match table {
                Table::Pods => pods_table(source, rows, &cols),
                Table::PodsByWords => pods_by_words(source, rows, cols[0].1 == 1),
                Table::Events => events_table(rows, &cols),
            };
            return (o, warnings);
        }
    }
    let o = status_fragment(source, &text, &mut warnings);
    (o, warnings)
}

fn pods_table<'a>(
    source: &str,
    rows: impl Iterator<Item = (usize, &'a str)>,
    cols: &[(&str, usize)],
) -> Objects {
    let mut o = Objects::default();
    for (i, row) in rows.filter(|(_, r)| !r.trim().is_empty()) {
        let f = |c: &str| field(row, cols, c);
        o.pods.push(pod_row(
            source,
            i,
            PodRow {
                name: f("NAME"),
                namespace: f("NAMESPACE"),
                status: f("STATUS"),
                restarts: f("RESTARTS"),
                node: f("NODE"),
            },
        ));
    }
    o
}

/// `name ready status restarts... age` rows, words separated by single
/// spaces: the restarts are the word after the status (`3 (30s ago)`).
fn pods_by_words<'a>(
    source: &str,
    rows: impl Iterator<Item = (usize, &'a str)>,
    namespaced: bool,
) -> Objects {
    let mut o = Objects::default();
    for (i, row) in rows.filter(|(_, r)| !r.trim().is_empty()) {
        let mut w = row.split_whitespace();
        let namespace = if namespaced { w.next() } else { None };
        let (Some(name), Some(_ready), Some(status), Some(restarts)) =
            (w.next(), w.next(), w.next(), w.next())
        else {
            continue;
        };
        o.pods.push(pod_row(
            source,
            i,
            PodRow {
                name: Some(name),
                namespace,
                status: Some(status),
                restarts: Some(restarts),
                node: None,
            },
        ));
    }
    o
}

/// The fields of one `kubectl get pods` row.
struct PodRow<'a> {
    name: Option<&'a str>,
    namespace: Option<&'a str>,
    status: Option<&'a str>,
    /// `4 (57s ago)`: the count is the first word.
    restarts: Option<&'a str>,
    node: Option<&'a str>,
}

/// A pod of one container from a `get pods` row at 0-based line `i`.
fn pod_row(source: &str, i: usize, r: PodRow<'_>) -> Pod {
    let line = Some(i as u64 + 1);
    let restarts = r
        .restarts
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok());
    // kubectl prints the reason of a terminated container here; the
    // analysis reads a container's last termination from `last_state`.
    let state = r.status.map(|s| State {
        status: if is_terminated_reason(s) {
            "terminated".into()
        } else {
            "waiting".into()
        },
        reason: Some(normal_reason(s)),
        line,
        ..State::default()
    });
    let c = Container {
        last_state: state.clone().filter(|s| s.status == "terminated"),
        state,
        restart_count: restarts,
        restart_count_line: restarts.and(line),
        line,
        ..Container::default()
    };
    Pod {
        name: r.name.map(str::to_string),
        namespace: r.namespace.map(str::to_string),
        uid: None,
        node: r.node.map(str::to_string),
        qos_class: None,
        start_time: None,
        containers: vec![c],
        events: Vec::new(),
        format: "get-pods".into(),
        lines: Span::line(source, i as u64 + 1),
    }
}

fn events_table<'a>(
    rows: impl Iterator<Item = (usize, &'a str)>,
    cols: &[(&str, usize)],
) -> Objects {
    let mut o = Objects::default();
    for (i, row) in rows.filter(|(_, r)| !r.trim().is_empty()) {
        let age = field(row, cols, "LAST SEEN");
        // The count itself (`-o wide`'s COUNT), or `5m (x3 over 10m)` in
        // LAST SEEN (the default columns).
        let count = field(row, cols, "COUNT")
            .and_then(|c| c.parse().ok())
            .or_else(|| {
                age.filter(|a| a.contains("(x"))
                    .map(super::describe::age_count)
            });
        o.events.push(Event {
            event_type: field(row, cols, "TYPE").map(str::to_string),
            reason: field(row, cols, "REASON").map(str::to_string),
            message: field(row, cols, "MESSAGE").map(str::to_string),
            object: field(row, cols, "OBJECT").map(object_ref),
            namespace: field(row, cols, "NAMESPACE").map(str::to_string),
            component: field(row, cols, "SOURCE").map(str::to_string),
            count,
            age: age.map(str::to_string),
            line: Some(i as u64 + 1),
            ..Event::default()
        });
    }
    o
}

/// `pod/name` as kubectl prints it -> `Pod/name`.
fn object_ref(s: &str) -> String {
    match s.split_once('/') {
        Some(("pod", n)) => format!("Pod/{n}"),
        Some(("node", n)) => format!("Node/{n}"),
        _ => s.to_string(),
    }
}

fn is_terminated_reason(s: &str) -> bool {
    matches!(
        s,
        "OOMKilled" | "OOM Killed" | "Error" | "Completed" | "ContainerCannotRun"
    ) || s.starts_with("Init:OOMKilled")
}

/// The reason as today's API spells it (see [`super::normal_reason`]);
/// `Init:OOMKilled` of `get pods` is an init container's `OOMKilled`.
fn normal_reason(s: &str) -> String {
    match s {
        "Init:OOMKilled" => "OOMKilled".into(),
        _ => super::normal_reason(s),
    }
}

/// Which state a `terminated` block belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Current,
    Last,
}

/// A key and its scalar value found on a line (`key: v`, `"key": v,`,
/// `key:v` inside `map[...]`).
struct Kv<'a> {
    key: &'a str,
    /// `None` when the value opens a block (`{`, `map[`, nothing after).
    value: Option<&'a str>,
}

/// Every `key: value` of one line: YAML, JSON and Go-template maps alike.
fn key_values(line: &str) -> Vec<Kv<'_>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphabetic()) || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        let key = &line[start..i];
        let mut j = i;
        if b.get(j) == Some(&b'"') && start > 0 && b[start - 1] == b'"' {
            j += 1;
        }
        while b.get(j) == Some(&b' ') {
            j += 1;
        }
        if b.get(j) != Some(&b':') {
            continue;
        }
        j += 1;
        while b.get(j) == Some(&b' ') {
            j += 1;
        }
        let rest = &line[j..];
        let value = if rest.is_empty() || rest.starts_with('{') || rest.starts_with("map[") {
            None
        } else if let Some(q) = rest.strip_prefix('"') {
            let end = memchr::memchr(b'"', q.as_bytes()).unwrap_or(q.len());
            i = j + 1 + end + 1;
            Some(&q[..end])
        } else if rest.starts_with("OOM Killed") {
            // The 2014 reason, unquoted in a Go-template map.
            i = j + "OOM Killed".len();
            Some(&rest[.."OOM Killed".len()])
        } else {
            let stop = rest
                .as_bytes()
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' '))
                .unwrap_or(rest.len());
            i = j + stop;
            Some(&rest[..stop])
        };
        out.push(Kv { key, value });
        if value.is_none() {
            i = j;
        }
    }
    out
}

/// Reads `state` / `lastState` / `terminated` fragments and `docker
/// inspect` State objects into one pod of one container per container
/// name seen (or one unnamed container).
fn status_fragment(source: &str, text: &str, w: &mut Warnings) -> Objects {
    let mut containers: Vec<Container> = Vec::new();
    let mut cur = Container::default();
    let mut slot = Slot::Last;
    let mut in_term: Option<State> = None;
    let mut docker_oom: Option<(bool, u64)> = None;
    let mut docker_exit: Option<i64> = None;
    let mut first_line = None;
    let mut last_line = 0u64;
    let flush_state = |cur: &mut Container, slot: Slot, st: &mut Option<State>| {
        if let Some(s) = st.take() {
            match slot {
                Slot::Current => cur.state = Some(s),
                Slot::Last => cur.last_state = Some(s),
            }
        }
    };
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        for kv in key_values(line) {
            let v = kv.value.filter(|v| *v != "null" && *v != "<nil>");
            match (kv.key, kv.value) {
                ("lastState" | "LastState" | "lastTerminationState", None) => {
                    flush_state(&mut cur, slot, &mut in_term);
                    slot = Slot::Last;
                }
                ("state" | "State", None) => {
                    flush_state(&mut cur, slot, &mut in_term);
                    slot = Slot::Current;
                }
                ("terminated" | "termination", None) => {
                    flush_state(&mut cur, slot, &mut in_term);
                    first_line.get_or_insert(n);
                    in_term = Some(State {
                        status: "terminated".into(),
                        line: Some(n),
                        ..State::default()
                    });
                }
                ("name" | "Name", Some(_)) => {
                    flush_state(&mut cur, slot, &mut in_term);
                    if cur.state.is_some() || cur.last_state.is_some() || !cur.name.is_empty() {
                        containers.push(std::mem::take(&mut cur));
                    }
                    cur.name = v.unwrap_or_default().to_string();
                    cur.line = Some(n);
                }
                ("restartCount", Some(_)) => {
                    cur.restart_count = v.and_then(|v| v.parse().ok());
                    cur.restart_count_line = Some(n);
                }
                ("OOMKilled", Some(b)) => {
                    first_line.get_or_insert(n);
                    docker_oom = Some((b == "true", n));
                }
                ("ExitCode", Some(_)) => docker_exit = v.and_then(|v| v.parse().ok()),
                (k, Some(_)) => {
                    let Some(st) = in_term.as_mut() else {
                        continue;
                    };
                    last_line = n;
                    match k {
                        "exitCode" => st.exit_code = v.and_then(|v| v.parse().ok()),
                        "signal" => st.signal = v.and_then(|v| v.parse().ok()),
                        "reason" => st.reason = v.map(normal_reason),
                        "message" => st.message = v.map(str::to_string),
                        "startedAt" => st.started_at = v.map(|v| time_fact(v, Some(n))),
                        "finishedAt" => st.finished_at = v.map(|v| time_fact(v, Some(n))),
                        "containerID" => {
                            if let Some(v) = v {
                                let (rt, id, _) = container_ref(v);
                                cur.runtime = rt;
                                st.container_id = id;
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    flush_state(&mut cur, slot, &mut in_term);
    if let Some((oom, line)) = docker_oom {
        let exit = docker_exit;
        let mut st = State {
            status: "terminated".into(),
            reason: oom.then(|| "OOMKilled".to_string()),
            exit_code: exit,
            line: Some(line),
            ..State::default()
        };
        if !oom && exit == Some(137) {
            let m = "docker inspect: exit code 137 with OOMKilled false: the process was \
                     killed by SIGKILL, but the runtime saw no OOM of the container's memory \
                     cgroup; something else sent it (the kernel's node-wide OOM killer, an \
                     OOM kill of a child process only, or an external kill: docker kill, \
                     a supervisor, the kubelet)";
            st.message = Some(m.into());
            w.push(source, Some(line), m);
        }
        cur.state = Some(st);
    }
    if cur.state.is_some() || cur.last_state.is_some() || !cur.name.is_empty() {
        containers.push(cur);
    }
    containers.retain(|c| c.state.is_some() || c.last_state.is_some());
    // A fragment of the current state only (`state.terminated`, docker's
    // `State`) is the container's last termination as far as it tells.
    for c in &mut containers {
        if c.last_state.is_none() {
            c.last_state = c.state.clone().filter(|s| s.status == "terminated");
        }
    }
    let mut o = Objects::default();
    if containers.is_empty() {
        return o;
    }
    let first = first_line.unwrap_or(1);
    o.pods.push(Pod {
        name: None,
        namespace: None,
        uid: None,
        node: None,
        qos_class: None,
        start_time: None,
        containers,
        events: Vec::new(),
        format: "fragment".into(),
        lines: Span {
            source: source.to_string(),
            first,
            last: last_line.max(first),
        },
    });
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_event_counts_from_last_seen() {
        // kubectl's default columns put the count in LAST SEEN.
        let t = "LAST SEEN          TYPE      REASON    OBJECT        MESSAGE\n\
                 5m (x3 over 10m)   Warning   BackOff   pod/web-1     Back-off restarting failed container\n\
                 2m                 Normal    Pulled    pod/web-1     Container image already present\n";
        let (o, _) = parse("t", t.as_bytes());
        let counts: Vec<_> = o.events.iter().map(|e| e.count).collect();
        assert_eq!(counts, [Some(3), None]);
    }

    #[test]
    fn go_template_map_gives_a_last_state() {
        let t = "map[terminated:map[containerID:docker://abc exitCode:137 \
                 finishedAt:2020-01-01T00:00:05Z reason:OOM Killed startedAt:2020-01-01T00:00:00Z]]\n";
        assert!(looks_like_pasted(t.as_bytes()));
        let (o, _) = parse("x", t.as_bytes());
        let s = o.pods[0].containers[0].last_state.as_ref().unwrap();
        assert_eq!(s.exit_code, Some(137));
        assert_eq!(s.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(
            s.finished_at.as_ref().and_then(|t| t.utc.as_deref()),
            Some("2020-01-01T00:00:05Z")
        );
    }

    #[test]
    fn key_values_never_panic_on_odd_bytes() {
        for t in ["\"", "a:", ":\"", "a:\"", "é:é", "map[a:map[", "x\":1"] {
            let _ = key_values(t);
            let _ = parse("x", t.as_bytes());
            let _ = looks_like_pasted(t.as_bytes());
        }
    }
}
