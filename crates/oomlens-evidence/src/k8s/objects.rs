//! Pod, PodList, List, Event and EventList objects as JSON or YAML.
//!
//! The text is cut into documents first (JSON values one after another,
//! YAML documents between `---` lines) so that one corrupt document costs
//! only itself. Each document is parsed by serde into a `serde_json::Value`
//! and its text scanned by [`LineIndex`] for the lines of its keys. A JSON
//! list (`List`, `PodList`, `EventList`: `kubectl get pods -A -o json` of a
//! large cluster) is read item by item the same way, and so is a YAML list
//! (cut at the `- ` lines of its root `items:`, the document indented or
//! not, or at the elements of a flow `items: [...]`), so memory beyond the
//! text itself is one item's, not the whole list's tree (and one corrupt
//! item costs only itself).

use serde_json::Value;

use super::lines::{join, LineIndex};
use super::{container_ref, quantity, time_fact};
use super::{Container, EnvVar, Event, Objects, Pod, Resources, State, TimeFact};
use crate::provenance::{Span, Warnings};

pub(super) fn parse(source: &str, text: &[u8]) -> (Objects, Warnings) {
    let text = String::from_utf8_lossy(text);
    // A byte-order mark (Windows editors) is not part of the document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out = Reader {
        source,
        objects: Objects::default(),
        warnings: Warnings::new(),
    };
    let start = text.trim_start();
    let lead = &text[..text.len() - start.len()];
    let first_line = 1 + lead.matches('\n').count() as u64;
    if (start.starts_with('{') && !flow_yaml_mapping(start)) || start.starts_with('[') {
        out.json_stream(start, first_line);
    } else {
        out.yaml_documents(text);
    }
    (out.objects, out.warnings)
}

struct Reader<'s> {
    source: &'s str,
    objects: Objects,
    warnings: Warnings,
}

/// One parsed document with the lines of its keys.
struct Doc<'d> {
    idx: &'d LineIndex,
    format: &'static str,
    /// The document's first and last line, for spans of whole objects.
    first: u64,
    last: u64,
    /// Whether a key the index cannot place is cited at the document's
    /// first line (a List's item written as a flow mapping: the index
    /// places no key inside one, and the item starts there).
    flat: bool,
}

impl Doc<'_> {
    fn line(&self, path: &str) -> Option<u64> {
        self.idx
            .line(path)
            .or_else(|| self.flat.then_some(self.first))
    }
}

fn lines_in(s: &str) -> u64 {
    s.matches('\n').count() as u64
}

impl Reader<'_> {
    fn warn(&mut self, line: Option<u64>, msg: impl Into<String>) {
        self.warnings.push(self.source, line, msg);
    }

    /// JSON values one after another (`kubectl get -o json` run twice into
    /// one file). After a syntax error, reading resumes at the next line
    /// that starts with `{` in column 0.
    fn json_stream(&mut self, text: &str, first_line: u64) {
        let mut rest = text;
        let mut line = first_line;
        loop {
            let trimmed = rest.trim_start();
            line += lines_in(&rest[..rest.len() - trimmed.len()]);
            rest = trimmed;
            if rest.is_empty() {
                return;
            }
            // Checked and measured without building its tree: a list is
            // then read an item at a time.
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
            match stream.next() {
                Some(Ok(_)) => {
                    let mut used = stream.byte_offset().min(rest.len());
                    while !rest.is_char_boundary(used) {
                        used -= 1;
                    }
                    if used == 0 {
                        return;
                    }
                    let doc_text = &rest[..used];
                    if !self.json_list(doc_text, line) {
                        match serde_json::from_str::<Value>(doc_text) {
                            Ok(value) => {
                                let idx = LineIndex::json(doc_text, line);
                                let doc = Doc {
                                    idx: &idx,
                                    format: "json",
                                    first: line,
                                    last: line + lines_in(doc_text.trim_end()),
                                    flat: false,
                                };
                                self.document(&value, &doc);
                            }
                            Err(e) => self.warn(
                                Some(line),
                                format!(
                                    "the JSON value that starts at line {line} does not parse: {e}"
                                ),
                            ),
                        }
                    }
                    line += lines_in(doc_text);
                    rest = &rest[used..];
                }
                Some(Err(e)) => {
                    let at = line + (e.line() as u64).saturating_sub(1);
                    let msg = e.to_string();
                    let msg = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
                    self.warn(
                        Some(at),
                        format!(
                            "the JSON value that starts at line {line} does not parse: {msg} \
                             (line {at}, column {})",
                            e.column()
                        ),
                    );
                    // Resume at the next `{` in column 0 from the error's
                    // line on (a cut value is often noticed only when the
                    // next one starts), never at this value's own start.
                    let from = e.line().saturating_sub(1).max(1);
                    let mut offset = 0;
                    let mut found = None;
                    for (n, l) in rest.split_inclusive('\n').enumerate() {
                        if n >= from && l.starts_with('{') {
                            found = Some((n, offset));
                            break;
                        }
                        offset += l.len();
                    }
                    match found {
                        Some((n, o)) => {
                            line += n as u64;
                            rest = &rest[o..];
                        }
                        None => return,
                    }
                }
                None => return,
            }
        }
    }

    /// A JSON document (valid, `first` its first line) that is a `List`,
    /// `PodList` or `EventList` with `items`, read item by item: each item's
    /// text parsed and indexed on its own, its lines counted from its own
    /// first line. `false` (nothing read) for any other document.
    fn json_list(&mut self, text: &str, first: u64) -> bool {
        let Some(items) = list_items(text.as_bytes()) else {
            return false;
        };
        let Some((kind, api)) = serde_json::from_str::<Shell>(text)
            .ok()
            .and_then(Shell::list)
        else {
            return false;
        };
        let (mut line, mut counted) = (first, 0usize);
        for r in items {
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted..r.start]).count() as u64;
            counted = r.start;
            let item_text = &text[r];
            let Ok(item) = serde_json::from_str::<Value>(item_text) else {
                continue;
            };
            let idx = LineIndex::json(item_text, line);
            let doc = Doc {
                idx: &idx,
                format: "json",
                first: line,
                last: line + lines_in(item_text),
                flat: false,
            };
            self.list_item(&kind, &api, &item, "", &doc);
        }
        true
    }

    /// A YAML document (`first` its first line) that is a `List`,
    /// `PodList` or `EventList` with its `items:` at the root, in block
    /// style (as `kubectl get -o yaml` prints it, the whole document
    /// indented or not) or as a flow sequence (`items: [{...}, {...}]`),
    /// read item by item: the text is cut at the items
    /// ([`yaml_list_items`]) and each item parsed and indexed on its own,
    /// its lines counted from its own first line, so memory beyond the
    /// text is one item's. An item that does not parse costs only itself.
    /// `false` (nothing read) for any other document.
    fn yaml_list(&mut self, text: &str, first: u64) -> bool {
        let Some(list) = yaml_list_items(text) else {
            return false;
        };
        let Some((kind, api)) = serde_yaml_ng::from_str::<Shell>(&list.shell)
            .ok()
            .and_then(Shell::list)
        else {
            return false;
        };
        for (range, rel) in list.items {
            let line = first + rel;
            let item_text = match list.style {
                // The item as a document of its own: its `- ` made blank,
                // so the mapping keeps its columns (and the index its
                // paths).
                ListStyle::Block => {
                    let mut t = text[range].to_string();
                    if let Some(dash) = t.find('-') {
                        t.replace_range(dash..dash + 1, " ");
                    }
                    std::borrow::Cow::Owned(t)
                }
                ListStyle::Flow => std::borrow::Cow::Borrowed(&text[range]),
            };
            if let Some(at) = too_deep_flow(&item_text) {
                self.warn(
                    Some(line + at - 1),
                    format!(
                        "the list item that starts at line {line} nests flow collections more \
                         than {MAX_FLOW_DEPTH} deep: not parsed"
                    ),
                );
                continue;
            }
            match serde_yaml_ng::from_str::<Value>(&item_text) {
                Ok(item) => {
                    let idx = LineIndex::yaml(&item_text, line);
                    let doc = Doc {
                        idx: &idx,
                        format: "yaml",
                        first: line,
                        last: line + lines_in(item_text.trim_end()),
                        flat: list.style == ListStyle::Flow,
                    };
                    self.list_item(&kind, &api, &item, "", &doc);
                }
                Err(e) => {
                    let at = e
                        .location()
                        .map(|l| line + (l.line() as u64).saturating_sub(1));
                    self.warn(
                        at,
                        format!(
                            "the list item that starts at line {line} does not parse: {e} \
                             (lines counted from the item's start); the other items are read"
                        ),
                    );
                }
            }
        }
        true
    }

    /// YAML documents separated by `---` lines (a `...` line ends one),
    /// each a slice of `text` (nothing copied).
    fn yaml_documents(&mut self, text: &str) {
        let (mut start, mut offset) = (0usize, 0usize);
        let mut start_line = 1u64;
        for (n, raw) in text.split_inclusive('\n').enumerate() {
            let l = raw.strip_suffix('\n').unwrap_or(raw);
            let l = l.strip_suffix('\r').unwrap_or(l);
            offset += raw.len();
            if l == "---" || l.starts_with("--- ") || l == "..." {
                self.yaml_document(&text[start..offset - raw.len()], start_line);
                start = offset;
                start_line = n as u64 + 2;
            }
        }
        self.yaml_document(&text[start..], start_line);
    }

    fn yaml_document(&mut self, text: &str, first_line: u64) {
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return;
        }
        if !self.yaml_list(text, first_line) {
            self.yaml_whole(text, first_line);
        }
    }

    /// A YAML document parsed whole, into one tree.
    fn yaml_whole(&mut self, text: &str, first_line: u64) {
        if let Some(at) = too_deep_flow(text) {
            self.warn(
                Some(first_line + at - 1),
                format!(
                    "the YAML document that starts at line {first_line} nests flow collections \
                     more than {MAX_FLOW_DEPTH} deep: not parsed"
                ),
            );
            return;
        }
        match serde_yaml_ng::from_str::<Value>(text) {
            Ok(value) => {
                let idx = LineIndex::yaml(text, first_line);
                let doc = Doc {
                    idx: &idx,
                    format: "yaml",
                    first: first_line,
                    last: first_line + lines_in(text.trim_end()),
                    flat: false,
                };
                self.document(&value, &doc);
            }
            Err(e) => {
                let at = e
                    .location()
                    .map(|l| first_line + (l.line() as u64).saturating_sub(1));
                self.warn(
                    at,
                    format!(
                        "the YAML document that starts at line {first_line} does not parse: {e} \
                         (lines counted from the document's start)"
                    ),
                );
            }
        }
    }

    /// A whole document: one object, or a list of them.
    fn document(&mut self, v: &Value, doc: &Doc) {
        match v {
            Value::Object(_) => self.object(v, "", doc, false),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.object(item, &i.to_string(), doc, true);
                }
            }
            Value::Null => {}
            _ => self.warn(Some(doc.first), "not a Kubernetes object"),
        }
    }

    /// One object at `path`. Inside a list, kinds other than pods and
    /// events are skipped without a warning.
    fn object(&mut self, v: &Value, path: &str, doc: &Doc, in_list: bool) {
        if !v.is_object() {
            if !in_list {
                self.warn(
                    doc.line(path).or(Some(doc.first)),
                    "not a Kubernetes object",
                );
            }
            return;
        }
        let kind = str_at(v, "kind");
        let api = str_at(v, "apiVersion").unwrap_or_default();
        match kind.as_deref() {
            Some("Pod") => self.pod(v, path, doc),
            Some("Event") => self.event(v, path, doc, api, in_list),
            Some("PodList") | Some("EventList") | Some("List") => {
                let list_kind = kind.unwrap_or_default();
                if api.starts_with("audit.k8s.io") {
                    self.warn(
                        doc.line(&join(path, "kind")),
                        format!(
                            "{list_kind} of {api} is an audit log, not cluster events: skipped"
                        ),
                    );
                    return;
                }
                let Some(items) = v.get("items").and_then(Value::as_array) else {
                    return;
                };
                let items_path = join(path, "items");
                for (i, item) in items.iter().enumerate() {
                    let p = join(&items_path, &i.to_string());
                    self.list_item(&list_kind, &api, item, &p, doc);
                }
            }
            Some(other) => {
                if !in_list {
                    self.warn(
                        doc.line(&join(path, "kind")),
                        format!("object of kind {other} ignored: only pods and events are read"),
                    );
                }
            }
            None => self.untyped(v, path, doc, in_list),
        }
    }

    /// An item of a list of `list_kind` (of `api`) at `path`: an item
    /// without a `kind` is what its list holds.
    fn list_item(&mut self, list_kind: &str, api: &str, item: &Value, path: &str, doc: &Doc) {
        match (list_kind, str_at(item, "kind").as_deref()) {
            ("PodList", None) => self.pod(item, path, doc),
            ("EventList", None) => self.event(item, path, doc, api.to_string(), true),
            ("List", None) => self.untyped(item, path, doc, true),
            _ => self.object(item, path, doc, true),
        }
    }

    /// An object without `kind` (hand-trimmed YAML, raw list items): a pod
    /// if it has containers, an event if it names what it is about.
    fn untyped(&mut self, v: &Value, path: &str, doc: &Doc, in_list: bool) {
        let has = |a: &str, b: &str| v.get(a).and_then(|x| x.get(b)).is_some();
        if has("spec", "containers") || has("status", "containerStatuses") {
            if !in_list {
                self.warn(
                    doc.line(path).or(Some(doc.first)),
                    "document has no `kind`: read as a Pod",
                );
            }
            self.pod(v, path, doc);
        } else if v.get("involvedObject").is_some() || v.get("regarding").is_some() {
            self.event(
                v,
                path,
                doc,
                str_at(v, "apiVersion").unwrap_or_default(),
                true,
            );
        } else if !in_list {
            self.warn(
                doc.line(path).or(Some(doc.first)),
                "document has no `kind` and is neither a pod nor an event: skipped",
            );
        }
    }

    fn pod(&mut self, v: &Value, path: &str, doc: &Doc) {
        let spec = join(path, "spec");
        let status = join(path, "status");
        let first = doc
            .idx
            .line(path)
            .filter(|_| !path.is_empty())
            .unwrap_or(doc.first);
        let last = if path.is_empty() {
            doc.last
        } else {
            doc.idx.end(path).unwrap_or(first)
        };
        let mut pod = Pod {
            name: str_path(v, &["metadata", "name"]),
            namespace: str_path(v, &["metadata", "namespace"]),
            uid: str_path(v, &["metadata", "uid"]),
            node: str_path(v, &["spec", "nodeName"]).filter(|s| !s.is_empty()),
            qos_class: str_path(v, &["status", "qosClass"]),
            start_time: str_path(v, &["status", "startTime"])
                .map(|t| time_fact(&t, doc.line(&join(&status, "startTime")))),
            containers: Vec::new(),
            events: Vec::new(),
            format: doc.format.to_string(),
            lines: Span {
                source: self.source.to_string(),
                first,
                last: last.max(first),
            },
        };
        for (field, init) in [("initContainers", true), ("containers", false)] {
            let list_path = join(&spec, field);
            let Some(list) = v.get("spec").and_then(|s| s.get(field)) else {
                continue;
            };
            let Some(list) = list.as_array() else {
                self.warn(doc.line(&list_path), format!("spec.{field} is not a list"));
                continue;
            };
            for (i, c) in list.iter().enumerate() {
                let p = join(&list_path, &i.to_string());
                let container = self.spec_container(c, &p, init, doc);
                pod.containers.push(container);
            }
        }
        for (field, init) in [
            ("initContainerStatuses", true),
            ("containerStatuses", false),
        ] {
            let list_path = join(&status, field);
            let Some(list) = v.get("status").and_then(|s| s.get(field)) else {
                continue;
            };
            let Some(list) = list.as_array() else {
                self.warn(
                    doc.line(&list_path),
                    format!("status.{field} is not a list"),
                );
                continue;
            };
            for (i, cs) in list.iter().enumerate() {
                let p = join(&list_path, &i.to_string());
                let name = str_at(cs, "name").unwrap_or_default();
                let at = pod
                    .containers
                    .iter()
                    .position(|c| c.name == name && c.init == init);
                let at = match at {
                    Some(at) => at,
                    None => {
                        pod.containers.push(Container {
                            name: name.clone(),
                            init,
                            line: doc.line(&p),
                            ..Container::default()
                        });
                        pod.containers.len() - 1
                    }
                };
                self.status(cs, &p, &mut pod.containers[at], doc);
            }
        }
        // A container is about 1 KiB and a vector grown from empty holds
        // room for four: a list of thousands of one-container pods would
        // keep three times its containers in spare room.
        pod.containers.shrink_to_fit();
        self.objects.pods.push(pod);
    }

    fn spec_container(&mut self, c: &Value, p: &str, init: bool, doc: &Doc) -> Container {
        let mut out = Container {
            name: str_at(c, "name").unwrap_or_default(),
            init,
            image: str_at(c, "image"),
            line: doc.line(p),
            ..Container::default()
        };
        let res = join(p, "resources");
        out.limits = self.resources(c, &join(&res, "limits"), "limits", doc);
        out.requests = self.resources(c, &join(&res, "requests"), "requests", doc);
        out.command = strings(c.get("command"));
        out.args = strings(c.get("args"));
        if let Some(env) = c.get("env").and_then(Value::as_array) {
            let env_path = join(p, "env");
            for (i, e) in env.iter().enumerate() {
                let Some(name) = str_at(e, "name") else {
                    continue;
                };
                out.env.push(EnvVar {
                    name,
                    value: e.get("value").and_then(scalar_string),
                    line: doc.line(&join(&env_path, &i.to_string())),
                });
            }
        }
        out
    }

    fn resources(&mut self, c: &Value, path: &str, which: &str, doc: &Doc) -> Resources {
        let block = c.get("resources").and_then(|r| r.get(which));
        let mut r = Resources {
            line: doc.line(path),
            ..Resources::default()
        };
        let Some(block) = block else {
            return r;
        };
        if let Some(m) = block.get("memory") {
            let at = doc.line(&join(path, "memory"));
            r.line = at.or(r.line);
            match scalar_string(m).as_deref().and_then(quantity::memory_bytes) {
                Some(b) => r.memory_bytes = Some(b),
                None => self.warn(at, format!("memory {which} {m} is not a quantity")),
            }
        }
        if let Some(m) = block.get("cpu") {
            match scalar_string(m).as_deref().and_then(quantity::cpu_millis) {
                Some(b) => r.cpu_millis = Some(b),
                None => self.warn(
                    doc.line(&join(path, "cpu")),
                    format!("cpu {which} {m} is not a quantity"),
                ),
            }
        }
        r
    }

    fn status(&mut self, cs: &Value, p: &str, c: &mut Container, doc: &Doc) {
        if c.image.is_none() {
            c.image = str_at(cs, "image");
        }
        if let Some(id) = str_at(cs, "containerID") {
            let (runtime, id_hex, ok) = container_ref(&id);
            if !ok {
                self.warn(
                    doc.line(&join(p, "containerID")),
                    format!("container id `{id}` is not <runtime>://<64 hex>"),
                );
            }
            c.runtime = runtime;
            c.id = id_hex;
        }
        if let Some(r) = cs.get("ready") {
            c.ready = r.as_bool();
        }
        if let Some(n) = cs.get("restartCount") {
            let at = doc.line(&join(p, "restartCount"));
            match n.as_u64() {
                Some(n) => {
                    c.restart_count = Some(n);
                    c.restart_count_line = at;
                }
                None => self.warn(at, format!("restartCount {n} is not a count")),
            }
        }
        c.state = self.state(cs.get("state"), &join(p, "state"), doc);
        c.last_state = self.state(cs.get("lastState"), &join(p, "lastState"), doc);
    }

    fn state(&mut self, v: Option<&Value>, p: &str, doc: &Doc) -> Option<State> {
        let obj = v?.as_object()?;
        let (status, inner) = ["terminated", "waiting", "running"]
            .into_iter()
            .find_map(|k| obj.get(k).map(|x| (k, x)))?;
        let ip = join(p, status);
        let time = |k: &str| -> Option<TimeFact> {
            str_at(inner, k).map(|t| time_fact(&t, doc.line(&join(&ip, k))))
        };
        let mut s = State {
            status: status.to_string(),
            reason: str_at(inner, "reason").map(|r| super::normal_reason(&r)),
            exit_code: inner.get("exitCode").and_then(Value::as_i64),
            signal: inner.get("signal").and_then(Value::as_i64),
            message: str_at(inner, "message"),
            started_at: time("startedAt"),
            finished_at: time("finishedAt"),
            container_id: None,
            line: doc.line(&ip).or(doc.line(p)),
        };
        if let Some(id) = str_at(inner, "containerID") {
            s.container_id = container_ref(&id).1;
        }
        Some(s)
    }

    fn event(&mut self, v: &Value, path: &str, doc: &Doc, api: String, in_list: bool) {
        let own_api = str_at(v, "apiVersion").unwrap_or(api);
        if own_api.starts_with("audit.k8s.io") {
            if !in_list {
                self.warn(doc.line(&join(path, "kind")), "audit event skipped");
            }
            return;
        }
        let new_api = own_api.starts_with("events.k8s.io");
        let about = v.get("involvedObject").or_else(|| v.get("regarding"));
        let object = about.and_then(|o| match (str_at(o, "kind"), str_at(o, "name")) {
            (Some(k), Some(n)) => Some(format!("{k}/{n}")),
            (None, Some(n)) => Some(n),
            _ => None,
        });
        let namespace = about
            .and_then(|o| str_at(o, "namespace"))
            .or_else(|| str_path(v, &["metadata", "namespace"]))
            .filter(|s| !s.is_empty());
        let tf = |k: &str| -> Option<TimeFact> {
            str_at(v, k).map(|t| time_fact(&t, doc.line(&join(path, k))))
        };
        let series_count = v
            .get("series")
            .and_then(|s| s.get("count"))
            .and_then(Value::as_u64);
        let series_last = v
            .get("series")
            .and_then(|s| str_at(s, "lastObservedTime"))
            .map(|t| {
                time_fact(
                    &t,
                    doc.line(&join(&join(path, "series"), "lastObservedTime")),
                )
            });
        let (message_key, count_key, first_key, last_key) = if new_api {
            (
                "note",
                "deprecatedCount",
                "deprecatedFirstTimestamp",
                "deprecatedLastTimestamp",
            )
        } else {
            ("message", "count", "firstTimestamp", "lastTimestamp")
        };
        let component = if new_api {
            str_at(v, "reportingController")
        } else {
            v.get("source")
                .and_then(|s| str_at(s, "component"))
                .or_else(|| str_at(v, "reportingComponent"))
        }
        .filter(|s| !s.is_empty());
        let event_time = tf("eventTime");
        let ev = Event {
            event_type: str_at(v, "type"),
            reason: str_at(v, "reason"),
            message: str_at(v, message_key),
            object,
            namespace,
            component,
            count: series_count.or_else(|| v.get(count_key).and_then(Value::as_u64)),
            first_seen: tf(first_key).or_else(|| event_time.clone()),
            last_seen: series_last.or_else(|| tf(last_key)).or(event_time),
            age: None,
            line: doc
                .line(&join(path, "reason"))
                .or_else(|| doc.line(path).filter(|_| !path.is_empty()))
                .or(Some(doc.first)),
        };
        self.objects.events.push(ev);
    }
}

/// The root keys of a list document that say what it holds.
#[derive(serde::Deserialize)]
struct Shell {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
}

impl Shell {
    /// (kind, apiVersion) of a `List`, `PodList` or `EventList` that is not
    /// an audit log (those are read whole, and said to be skipped).
    fn list(self) -> Option<(String, String)> {
        let kind = self.kind.unwrap_or_default();
        let api = self.api_version.unwrap_or_default();
        (matches!(kind.as_str(), "List" | "PodList" | "EventList")
            && !api.starts_with("audit.k8s.io"))
        .then_some((kind, api))
    }
}

/// How a YAML list writes its `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStyle {
    /// A block sequence: each item a `- ` line and the lines below it.
    Block,
    /// A flow sequence: `[` items separated by `,` `]`.
    Flow,
}

/// A YAML list cut at its items.
#[derive(Debug)]
struct YamlList {
    /// The list's own keys: the document without its items (an empty
    /// `items: []` for a flow sequence).
    shell: String,
    style: ListStyle,
    /// Each item's text (a block item from its `- ` line to its last line
    /// of content; a flow item from its first byte to its last) and that
    /// first line's offset from the document's first line.
    items: Vec<(std::ops::Range<usize>, u64)>,
}

/// Whether text that opens with `{` is a YAML flow mapping rather than
/// JSON: its first key is not in double quotes (`{apiVersion: v1, kind:
/// List, items: [...]}`, as PyYAML's `default_flow_style=True` writes a
/// List, or `{'kind': ...}`).
fn flow_yaml_mapping(text: &str) -> bool {
    let rest = text.strip_prefix('{').unwrap_or(text).trim_start();
    !(rest.is_empty() || rest.starts_with(['"', '}']))
}

/// Cuts a YAML document at the items of its root `items:` key, when the
/// root is a block mapping (at column 0, or the whole document indented
/// alike: the first line of content says where) and `items:` holds a
/// block sequence (`- ` at the key's column or deeper: kubectl's layout,
/// yq's, PyYAML's) or a flow sequence (`items: [{...}, {...}]`, on one
/// line or many). A block item runs from its `- ` line to the line before
/// the next line of content at its indent or less (blank and comment lines
/// end nothing; a block scalar's lines are indented deeper). `None` for
/// anything else (`items: []`, no `items:`, a flow sequence that does not
/// close): the document is then read whole.
fn yaml_list_items(text: &str) -> Option<YamlList> {
    let mut lines = text.split_inclusive('\n').scan(0usize, |at, raw| {
        let start = *at;
        *at += raw.len();
        Some((start, raw))
    });
    fn body(raw: &str) -> (usize, &str) {
        let l = raw.trim_end_matches(['\n', '\r']);
        let b = l.trim_start_matches(' ');
        (l.len() - b.len(), b.trim_end())
    }
    let content = |b: &str| !b.is_empty() && !b.starts_with('#');
    let is_item = |b: &str| b == "-" || b.starts_with("- ");
    // The root `items:` line, at the root mapping's indent.
    let mut root = None;
    let mut n = 0u64;
    let items_line = loop {
        let (start, raw) = lines.next()?;
        let (indent, b) = body(raw);
        // A root written as a flow mapping (`{apiVersion: v1, kind: List,
        // items: [{...}, {...}]}`): its `items` sequence is cut alike.
        if content(b) && root.is_none() && b.starts_with('{') {
            return flow_list_items(text, flow_items_open(text, start + indent)?);
        }
        if content(b) && indent == *root.get_or_insert(indent) {
            if let Some(v) = b.strip_prefix("items:") {
                let v = v.trim_start();
                if v.starts_with('[') {
                    let open = start
                        + (raw.len() - raw.trim_start_matches(' ').len())
                        + (b.len() - v.len());
                    return flow_list_items(text, open);
                }
                if !(v.is_empty() || v.starts_with('#')) {
                    return None;
                }
                break start;
            }
        }
        n += 1;
    };
    let mut items: Vec<(std::ops::Range<usize>, u64)> = Vec::new();
    let mut item_indent = None;
    let mut end = text.len();
    for (start, raw) in lines {
        n += 1;
        let (indent, b) = body(raw);
        if !content(b) {
            continue;
        }
        let ii = *item_indent.get_or_insert(indent);
        if indent == ii && is_item(b) {
            items.push((start..start + raw.len(), n));
        } else if indent > ii && !items.is_empty() {
            if let Some(last) = items.last_mut() {
                last.0.end = start + raw.len();
            }
        } else {
            end = start;
            break;
        }
    }
    if items.is_empty() {
        return None;
    }
    let mut shell = String::with_capacity(items_line + text.len() - end);
    shell.push_str(&text[..items_line]);
    shell.push_str(&text[end..]);
    Some(YamlList {
        shell,
        style: ListStyle::Block,
        items,
    })
}

/// Cuts the flow sequence that opens at `text[open] == '['` at its
/// elements: each from its first byte to its last (blanks and comments
/// around it left out), at a `,` or the closing `]` outside any nested
/// `[...]`/`{...}` and outside quoted text (`"` with `\` escapes, `'`
/// with `''`; a quote opens a scalar only where a value starts, so the
/// `'` of a plain `don't` is text). `None` when the sequence does not
/// close or a bracket does not match.
fn flow_list_items(text: &str, open: usize) -> Option<YamlList> {
    let b = text.as_bytes();
    if b.get(open) != Some(&b'[') {
        return None;
    }
    let mut items = Vec::new();
    let (mut line, mut counted) = (0u64, 0usize);
    let mut push = |items: &mut Vec<(std::ops::Range<usize>, u64)>, r: std::ops::Range<usize>| {
        let mut end = r.end;
        while end > r.start && b[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        line += memchr::memchr_iter(b'\n', &b[counted..r.start]).count() as u64;
        counted = r.start;
        items.push((r.start..end, line));
    };
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    // The last byte before this one, and the last one not blank.
    let (mut prev, mut prev_sig) = (b'[', b'[');
    let mut i = open + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' | b'\'' if matches!(prev_sig, b'[' | b'{' | b',' | b':' | b'?' | b'-') => {
                start.get_or_insert(i);
                i = quoted_end(b, i)?;
                (prev, prev_sig) = (c, c);
                continue;
            }
            b'#' if prev.is_ascii_whitespace() => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
                continue;
            }
            b'[' | b'{' => {
                start.get_or_insert(i);
                depth += 1;
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            b']' => {
                if let Some(s) = start.take() {
                    push(&mut items, s..i);
                }
                if items.is_empty() {
                    return None;
                }
                let mut shell = String::with_capacity(text.len() - (i + 1 - open) + 2);
                shell.push_str(&text[..open]);
                shell.push_str("[]");
                shell.push_str(&text[i + 1..]);
                return Some(YamlList {
                    shell,
                    style: ListStyle::Flow,
                    items,
                });
            }
            b'}' => return None,
            b',' if depth == 0 => {
                if let Some(s) = start.take() {
                    push(&mut items, s..i);
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        prev = c;
        if !c.is_ascii_whitespace() {
            prev_sig = c;
        }
        i += 1;
    }
    None
}

/// In the flow mapping that opens at `text[open] == '{'`, the `[` that
/// opens the value of its own `items` key (plain, `"items"` or
/// `'items'`), found outside nested collections and quoted text as
/// [`flow_list_items`] reads them. `None` when there is no such key, its
/// value is not a flow sequence, or the mapping does not close.
fn flow_items_open(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(open) != Some(&b'{') {
        return None;
    }
    // The `[` after `key` (ending at `end`), blanks, `:` and blanks.
    let value_at = |end: usize| {
        let skip = |i: usize| {
            i + b[i..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count()
        };
        let colon = skip(end);
        (b.get(colon) == Some(&b':'))
            .then(|| skip(colon + 1))
            .filter(|&v| b.get(v) == Some(&b'['))
    };
    let mut depth = 0usize;
    let (mut prev, mut prev_sig) = (b'{', b'{');
    let mut i = open;
    while let Some(&c) = b.get(i) {
        // Where a key of the mapping itself starts.
        let key_here = depth == 1 && matches!(prev_sig, b'{' | b',');
        match c {
            b'"' | b'\'' if matches!(prev_sig, b'[' | b'{' | b',' | b':' | b'?' | b'-') => {
                let end = quoted_end(b, i)?;
                if key_here && b.get(i + 1..end - 1) == Some(b"items") {
                    if let Some(v) = value_at(end) {
                        return Some(v);
                    }
                }
                i = end;
                (prev, prev_sig) = (c, c);
                continue;
            }
            b'#' if prev.is_ascii_whitespace() => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return None;
                }
            }
            b'i' if key_here && b[i..].starts_with(b"items") => {
                if let Some(v) = value_at(i + 5) {
                    return Some(v);
                }
            }
            _ => {}
        }
        prev = c;
        if !c.is_ascii_whitespace() {
            prev_sig = c;
        }
        i += 1;
    }
    None
}

/// Past the quoted scalar that opens at `b[i]` (`"` or `'`): the index
/// after its closing quote; `None` when it does not close.
fn quoted_end(b: &[u8], i: usize) -> Option<usize> {
    let q = *b.get(i)?;
    let mut k = i + 1;
    loop {
        let at = k + memchr::memchr2(q, b'\\', b.get(k..)?)?;
        if b[at] == b'\\' && q == b'"' {
            k = at + 2;
        } else if b[at] == b'\\' {
            k = at + 1;
        } else if q == b'\'' && b.get(at + 1) == Some(&b'\'') {
            k = at + 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// serde stops at 128 levels anyway; libyaml takes time quadratic in the
/// depth of `{`/`[` nesting before it says so, so deeper documents are
/// refused before it sees them.
const MAX_FLOW_DEPTH: usize = 128;

/// The (1-based, in `text`) line where flow nesting first goes deeper than
/// [`MAX_FLOW_DEPTH`]. Brackets count inside a flow collection, or where a
/// value starts (first on the line, after `: ` or `- `); quoted text is
/// skipped.
fn too_deep_flow(text: &str) -> Option<u64> {
    let mut depth = 0usize;
    for (n, line) in text.split('\n').enumerate() {
        let mut quote: Option<char> = None;
        let mut prev = None;
        for c in line.chars() {
            match quote {
                Some(q) => {
                    if c == q && prev != Some('\\') {
                        quote = None;
                    }
                }
                None => match c {
                    '"' | '\'' if depth > 0 || matches!(prev, None | Some(':' | '-' | ' ')) => {
                        quote = Some(c)
                    }
                    '{' | '[' if depth > 0 || matches!(prev, None | Some(':' | '-')) => {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Some(n as u64 + 1);
                        }
                    }
                    '}' | ']' if depth > 0 => depth -= 1,
                    '#' if depth == 0 && matches!(prev, None | Some(' ')) => break,
                    _ => {}
                },
            }
            if !c.is_whitespace() {
                prev = Some(c);
            } else if prev.is_some() && !matches!(prev, Some(':' | '-')) {
                prev = Some(' ');
            }
        }
    }
    None
}

/// The byte ranges of the elements of the root object's `items` array in
/// valid JSON text (each trimmed), or `None` when the root is not an object
/// with an `items` array. Strings are skipped whole (escapes included).
fn list_items(b: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    // Past a string that opens at `i`: the index after its closing quote.
    fn string_end(b: &[u8], mut i: usize) -> usize {
        i += 1;
        while let Some(&c) = b.get(i) {
            match c {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        b.len()
    }
    let skip_ws = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut depth = 0usize;
    let mut i = skip_ws(0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    // Find the root's `items` key and step into its array.
    loop {
        let c = *b.get(i)?;
        match c {
            b'"' => {
                let end = string_end(b, i);
                let after = skip_ws(end);
                if depth == 1 && b.get(after) == Some(&b':') && b.get(i..end) == Some(b"\"items\"")
                {
                    i = skip_ws(after + 1);
                    if b.get(i) != Some(&b'[') {
                        return None;
                    }
                    i += 1;
                    break;
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Inside `items`: elements end at a `,` or the `]` at this depth.
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    while let Some(&c) = b.get(i) {
        if start.is_none() && !c.is_ascii_whitespace() && !matches!(c, b',' | b']') {
            start = Some(i);
        }
        match c {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b']' if depth == 0 => {
                if let Some(s) = start.take() {
                    out.push(s..i);
                }
                break;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                if let Some(s) = start.take() {
                    out.push(s..i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    for r in &mut out {
        while r.end > r.start && b[r.end - 1].is_ascii_whitespace() {
            r.end -= 1;
        }
    }
    Some(out)
}

fn str_at(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn str_path(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str().map(str::to_string)
}

/// A scalar as text: quantities and env values may be numbers in YAML.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(scalar_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A List whose `items` is a flow sequence (JSON objects, plain
    /// flow mappings over several lines, quotes of both kinds, comments,
    /// a trailing comma): cut at its items, each read on its own with its
    /// own first line; the same pods as the document read whole.
    #[test]
    fn yaml_flow_lists_are_read_item_by_item() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/k8s/");
        let pod: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{root}pod-backstage-quarkus-crio.json")).unwrap(),
        )
        .unwrap();
        let text = format!(
            "apiVersion: v1\nitems: [ # three pods\n  {},\n  {{kind: Pod, metadata: {{name: 'it''s', \
             annotations: {{note: don't \"stop\"}}}},\n    spec: {{containers: [{{name: \"a,]}}\", \
             resources: {{limits: {{memory: 1Gi}}}}}}]}}}},\n  {{\"kind\": \"Pod\", \"metadata\": \
             {{\"name\": \"c\"}}}} , # last\n]\nkind: List\nmetadata: {{resourceVersion: \"\"}}\n",
            serde_json::to_string(&pod).unwrap()
        );
        let list = yaml_list_items(&text).expect("a flow list is cut");
        assert_eq!(list.style, ListStyle::Flow);
        let lines: Vec<u64> = list.items.iter().map(|i| i.1).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert!(list.items[2].0.end < text.find(" , # last").unwrap() + 1);
        let (o, w) = parse("f.yaml", text.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        let names: Vec<Option<&str>> = o.pods.iter().map(|p| p.name.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("my-quarkus-app-7c775ff65d-gkm9c"),
                Some("it's"),
                Some("c")
            ],
        );
        assert_eq!(o.pods[1].containers[0].name, "a,]}");
        assert_eq!(o.pods[1].containers[0].limits.memory_bytes, Some(1 << 30));
        assert_eq!((o.pods[1].lines.first, o.pods[1].lines.last), (4, 5));
        // No key placed inside a flow mapping: cited at its item's line.
        assert_eq!(o.pods[1].containers[0].limits.line, Some(4));
        assert_eq!(o.pods[2].lines.first, 6);
        let mut whole = Reader {
            source: "f.yaml",
            objects: Objects::default(),
            warnings: Warnings::new(),
        };
        whole.yaml_whole(&text, 1);
        assert_eq!(whole.objects.pods.len(), 3);
        for (a, b) in o.pods.iter().zip(&whole.objects.pods) {
            assert_eq!((&a.name, a.containers.len()), (&b.name, b.containers.len()));
            for (x, y) in a.containers.iter().zip(&b.containers) {
                assert_eq!(
                    (&x.name, &x.limits.memory_bytes),
                    (&y.name, &y.limits.memory_bytes)
                );
                assert_eq!(x.last_state.is_some(), y.last_state.is_some());
            }
        }
    }

    /// A List written whole as one flow mapping (PyYAML's
    /// `default_flow_style=True`, on one line or wrapped as it wraps at 80
    /// columns) was read as JSON and failed; it is cut at its items like
    /// a block List whose `items` is a flow sequence, and gives the pods
    /// the document read whole gives.
    #[test]
    fn a_list_written_as_one_flow_mapping_is_read_item_by_item() {
        let one =
            "{apiVersion: v1, kind: List, metadata: {items: [x]}, 'items': [{apiVersion: v1, \
                   kind: Pod, metadata: {name: a, note: '}], items: [y'}}, {kind: Pod, metadata: \
                   {name: \"b\"}, spec: {containers: [{name: c, resources: {limits: {memory: \
                   1Gi}}}]}}]}\n";
        let wrapped = "# kubectl get pods -o yaml | python3 -c 'import yaml,sys; print(yaml.dump(yaml.safe_load(sys.stdin), default_flow_style=True))'\n\
                       {apiVersion: v1, items: [{apiVersion: v1, kind: Pod, metadata: {name: a,\n    \
                       note: '}], items: [y'}}, {kind: Pod, metadata: {name: b}, spec: {containers: [\n        \
                       {name: c, resources: {limits: {memory: 1Gi}}}]}}], kind: List,\n  \
                       metadata: {resourceVersion: ''}}\n";
        for (text, lines) in [(one, [0, 0]), (wrapped, [1, 2])] {
            assert!(super::super::looks_like_object(text.as_bytes()), "{text}");
            let list = yaml_list_items(text).expect("a flow mapping's items are cut");
            assert_eq!(list.style, ListStyle::Flow);
            let at: Vec<u64> = list.items.iter().map(|i| i.1).collect();
            assert_eq!(at, lines, "{text}");
            let (o, w) = parse("m.yaml", text.as_bytes());
            assert!(w.is_empty(), "{:?}", w.items());
            let names: Vec<Option<&str>> = o.pods.iter().map(|p| p.name.as_deref()).collect();
            assert_eq!(names, [Some("a"), Some("b")], "{text}");
            assert_eq!(o.pods[1].containers[0].limits.memory_bytes, Some(1 << 30));
            assert_eq!(o.pods[1].lines.first, lines[1] + 1);
            let mut whole = Reader {
                source: "m.yaml",
                objects: Objects::default(),
                warnings: Warnings::new(),
            };
            whole.yaml_whole(text, 1);
            assert_eq!(whole.objects.pods.len(), 2);
        }
        // JSON stays JSON; a flow mapping with no root `items` sequence is
        // read whole.
        assert!(!flow_yaml_mapping("{\"kind\": \"List\"}"));
        assert!(!flow_yaml_mapping("{ }"));
        assert!(flow_yaml_mapping("{ 'kind': List}"));
        assert!(yaml_list_items("{kind: List, metadata: {items: [a]}}").is_none());
        assert!(yaml_list_items("{kind: List, items: x}").is_none());
        assert!(yaml_list_items("{kind: List, items: [a, b}").is_none());
        let (o, w) = parse(
            "p.yaml",
            b"{apiVersion: v1, kind: Pod, metadata: {name: solo}}\n",
        );
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(o.pods[0].name.as_deref(), Some("solo"));
    }

    #[test]
    fn list_items_cut_at_the_root_items_only() {
        let t = br#"{"kind":"List","metadata":{"items":[9]},"note":"\"items\": [1]",
 "items": [ {"a":[1,{"b":"],"}]} , "s\"x", 3
 ,null ], "after":[7]}"#;
        let r = list_items(t).unwrap();
        let got: Vec<&str> = r
            .iter()
            .map(|r| std::str::from_utf8(&t[r.clone()]).unwrap())
            .collect();
        assert_eq!(got, [r#"{"a":[1,{"b":"],"}]}"#, r#""s\"x""#, "3", "null"]);
        assert_eq!(list_items(br#"{"items": null}"#), None);
        assert_eq!(list_items(br#"[{"items": []}]"#), None);
        assert_eq!(list_items(br#"{"items": []}"#), Some(vec![]));
    }

    #[test]
    fn list_items_keep_their_own_lines() {
        let t = "{\n\"kind\": \"PodList\",\n\"items\": [\n{\"metadata\": {\"name\": \"a\"},\n \"spec\": {\"containers\": [{\"name\": \"x\"}]}},\n{\"metadata\": {\"name\": \"b\"},\n \"spec\": {\"containers\": [{\"name\": \"y\"}]}}\n]}\n";
        let (o, w) = parse("l.json", t.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        assert_eq!(o.pods.len(), 2);
        assert_eq!(o.pods[1].name.as_deref(), Some("b"));
        assert_eq!(o.pods[1].lines.first, 6);
        assert_eq!(o.pods[1].lines.last, 7);
        assert_eq!(o.pods[1].containers[0].line, Some(7));
    }

    /// Every YAML list in the fixtures and an indented, commented, CRLF
    /// one: read item by item, the facts (lines included) are those of the
    /// whole document read as one tree; a corrupt item costs itself only.
    #[test]
    fn yaml_lists_item_by_item_give_the_whole_documents_facts() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/k8s/");
        let elephant =
            std::fs::read_to_string(format!("{root}pod-kodekloud-elephant-oomkilled.yaml"))
                .unwrap();
        let nginx =
            std::fs::read_to_string(format!("{root}pod-k8sdocs-nginx-guaranteed.yaml")).unwrap();
        let item = |pod: &str, pad: &str| {
            let mut s = String::new();
            for (i, l) in pod.lines().filter(|l| *l != "---").enumerate() {
                let lead = if i == 0 { "- " } else { "  " };
                s.push_str(&format!("{pad}{lead}{l}\n"));
            }
            s
        };
        let kubectl = format!(
            "apiVersion: v1\nitems:\n{}{}kind: List\nmetadata:\n  resourceVersion: \"\"\n",
            item(&elephant, ""),
            item(&nginx, "")
        );
        let indented = format!(
            "# two pods\nkind: PodList\napiVersion: v1\nitems:\n{}\n# between\n\n{}",
            item(&elephant, "  "),
            item(&nginx, "  ")
        )
        .replace('\n', "\r\n");
        let events = std::fs::read_to_string(format!("{root}events-synth-core-v1.yaml")).unwrap();
        for text in [kubectl.as_str(), &indented, &events] {
            assert!(yaml_list_items(text).is_some(), "{text}");
            let (o, w) = parse("l.yaml", text.as_bytes());
            let mut whole = Reader {
                source: "l.yaml",
                objects: Objects::default(),
                warnings: Warnings::new(),
            };
            whole.yaml_whole(text, 1);
            assert!(w.is_empty(), "{:?}", w.items());
            assert!(o.pods.len() + o.events.len() >= 2);
            assert_eq!(o, whole.objects, "{text}");
        }
        // One item cut short: the other is read.
        let broken = kubectl.replacen("  kind: Pod\n", "  kind: [Pod\n", 1);
        let (o, w) = parse("b.yaml", broken.as_bytes());
        assert_eq!(o.pods.len(), 1);
        assert_eq!(w.items().len(), 1, "{:?}", w.items());
        assert_eq!(w.items()[0].line.map(|l| l > 3), Some(true));
        // The whole document indented alike (pasted into a ticket, or
        // `sed 's/^/    /'`): cut at its items all the same.
        let shifted: String = kubectl.lines().map(|l| format!("    {l}\n")).collect();
        let list = yaml_list_items(&shifted).expect("an indented list is cut");
        assert_eq!(list.style, ListStyle::Block);
        assert_eq!(list.items.len(), 2);
        let (o, w) = parse("s.yaml", shifted.as_bytes());
        assert!(w.is_empty(), "{:?}", w.items());
        let (k, _) = parse("s.yaml", kubectl.as_bytes());
        assert_eq!(o, k, "the same facts, lines included");
        // Not lists: read whole as before.
        assert!(yaml_list_items("items: []\nkind: List\n").is_none());
        assert!(yaml_list_items("items: [a, {b: [1}]\nkind: List\n").is_none());
        assert!(yaml_list_items("items: [a, b\nkind: List\n").is_none());
        assert!(yaml_list_items("kind: Pod\nspec:\n  items:\n  - a\n").is_none());
    }
}
