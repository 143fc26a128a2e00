//! Prometheus HTTP API answers saved as JSON: `query_range` matrices,
//! `query` vectors, the bare `data` object and promtool's result arrays
//! ([`parse_json`]).

use super::*;
use crate::lines::{scan_json, JsonVisitor};

/// Whether a head looks like a Prometheus API answer: a `"resultType"`, a
/// `"status"` of `"success"` or `"error"`, or (promtool's output) an array of
/// objects with `"metric"` and `"value"`/`"values"`.
pub(super) fn looks_like_api_json(head: &[u8]) -> bool {
    let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
    let status = memchr::memmem::find_iter(head, b"\"status\"").any(|at| {
        let rest = &head[at + 8..];
        let rest = trim_start_ascii(rest);
        let Some(rest) = rest.strip_prefix(b":") else {
            return false;
        };
        let rest = trim_start_ascii(rest);
        rest.starts_with(b"\"success\"") || rest.starts_with(b"\"error\"")
    });
    has(b"\"resultType\"")
        || status
        || (head.first() == Some(&b'[') && has(b"\"metric\"") && has(b"\"value"))
}

/// Where things are in a JSON text: lines of the result elements' `"metric"`
/// keys and of their points, and of the root object's keys.
#[derive(Default)]
pub(super) struct JsonLines {
    root_keys: HashMap<String, u64>,
    /// Per result element, the line of its `"metric"` key (0 if none).
    pub(super) metric: Vec<u64>,
    /// Per result element, the line each of its points opens on.
    pub(super) points: Vec<Vec<u64>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Root,
    Data,
    Result,
    Element(usize),
    Values(usize),
    Other,
}

/// The keys that matter here.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    None,
    Data,
    Result,
    Metric,
    Values,
    Value,
    Other,
}

struct Frame {
    object: bool,
    role: Role,
    /// Values begun so far (arrays).
    count: usize,
    /// The last key read (objects).
    key: Key,
}

impl JsonLines {
    fn element(&mut self, e: usize) {
        if self.metric.len() <= e {
            self.metric.resize(e + 1, 0);
            self.points.resize(e + 1, Vec::new());
        }
    }

    fn point(&mut self, e: usize, line: u64) {
        self.element(e);
        if let Some(p) = self.points.get_mut(e) {
            p.push(line);
        }
    }
}

/// Follows the shared JSON line tracker ([`crate::lines::scan_json`]) to
/// the result elements and their points, by role: no path per point.
#[derive(Default)]
struct ApiVisitor {
    out: JsonLines,
    stack: Vec<Frame>,
}

impl JsonVisitor for ApiVisitor {
    fn key(&mut self, raw: &[u8], line: u64) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        let key = match raw {
            b"data" => Key::Data,
            b"result" => Key::Result,
            b"metric" => Key::Metric,
            b"values" => Key::Values,
            b"value" => Key::Value,
            _ => Key::Other,
        };
        match top.role {
            Role::Root => {
                let name = String::from_utf8_lossy(raw).into_owned();
                self.out.root_keys.entry(name).or_insert(line);
            }
            Role::Element(e) if key == Key::Metric => {
                self.out.element(e);
                if let Some(m) = self.out.metric.get_mut(e) {
                    if *m == 0 {
                        *m = line;
                    }
                }
            }
            _ => {}
        }
        top.key = key;
    }

    fn value(&mut self, container: Option<bool>, line: u64) {
        let role = match self.stack.last_mut() {
            None => Role::Root,
            Some(parent) => {
                let index = parent.count;
                if !parent.object {
                    parent.count += 1;
                }
                let Some(object) = container else {
                    return;
                };
                let out = &mut self.out;
                match (parent.role, parent.object, parent.key, object) {
                    (Role::Root, true, Key::Data, true) => Role::Data,
                    (Role::Root | Role::Data, true, Key::Result, false) => Role::Result,
                    (Role::Root, false, _, true) | (Role::Result, false, _, true) => {
                        out.element(index);
                        Role::Element(index)
                    }
                    (Role::Element(e), true, Key::Values, false) => Role::Values(e),
                    (Role::Element(e), true, Key::Value, false)
                    | (Role::Values(e), false, _, false) => {
                        out.point(e, line);
                        Role::Other
                    }
                    _ => Role::Other,
                }
            }
        };
        if let Some(object) = container {
            self.stack.push(Frame {
                object,
                role,
                count: 0,
                key: Key::None,
            });
        }
    }

    fn close(&mut self, _line: u64) {
        self.stack.pop();
    }
}

/// Scans well-formed JSON for the lines [`JsonLines`] holds.
pub(super) fn json_lines(text: &[u8]) -> JsonLines {
    let mut v = ApiVisitor::default();
    scan_json(text, 1, &mut v);
    v.out
}

pub(super) fn json_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// A `[time, "value"]` pair: (milliseconds, value).
pub(super) fn json_point(v: &Value) -> Result<(i64, f64), String> {
    let pair = v
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or("not a [time, value] pair")?;
    let ms = match &pair[0] {
        Value::Number(n) => n
            .as_f64()
            .and_then(|s| seconds_to_ms(&format!("{s}")))
            .or_else(|| seconds_to_ms(&n.to_string())),
        Value::String(s) => seconds_to_ms(s.trim()),
        _ => None,
    }
    .ok_or_else(|| format!("`{}` is not a time", clip(&pair[0].to_string(), 40)))?;
    let value = match &pair[1] {
        Value::String(s) => parse_float(s.trim()),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .ok_or_else(|| format!("`{}` is not a value", clip(&pair[1].to_string(), 40)))?;
    Ok((ms, value))
}

/// Parses a Prometheus HTTP API answer (or `promtool query -o json` output).
pub fn parse_json(source: &str, text: &[u8]) -> (Vec<Series>, Warnings) {
    let mut w = Warnings::new();
    let text = strip_bom(text);
    let doc: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => {
            let line = Some(e.line() as u64).filter(|&l| l > 0);
            w.push(source, line, format!("not valid JSON: {e}"));
            return (Vec::new(), w);
        }
    };
    let pos = json_lines(text);
    // The line of a top-level key; line 1 when the answer has no such key.
    let key_line = |k: &str| pos.root_keys.get(k).copied();
    let root_line = |k: &str| key_line(k).or(Some(1));
    let result: &[Value] = match &doc {
        Value::Array(items) => items,
        Value::Object(o) => {
            for key in ["warnings", "infos"] {
                if let Some(list) = o.get(key).and_then(Value::as_array) {
                    for item in list {
                        let msg = item
                            .as_str()
                            .map_or_else(|| item.to_string(), str::to_string);
                        let what = if key == "infos" { "noted" } else { "warned" };
                        w.push(source, root_line(key), format!("Prometheus {what}: {msg}"));
                    }
                }
            }
            if json_str(o.get("status")) == Some("error") {
                let kind = json_str(o.get("errorType")).unwrap_or("error");
                let msg = json_str(o.get("error")).unwrap_or("(no message)");
                w.push(
                    source,
                    key_line("error").or(key_line("status")).or(Some(1)),
                    format!("Prometheus answered an error ({kind}): {msg}"),
                );
                return (Vec::new(), w);
            }
            let data = match o.get("data") {
                Some(Value::Object(d)) => d,
                _ if o.contains_key("result") => o,
                _ => {
                    w.push(
                        source,
                        root_line("status"),
                        "no `data.result` in this JSON: not a Prometheus query answer",
                    );
                    return (Vec::new(), w);
                }
            };
            match json_str(data.get("resultType")) {
                None | Some("matrix" | "vector") => {}
                Some(other) => {
                    w.push(
                        source,
                        root_line("data"),
                        format!("a `{other}` result holds no series"),
                    );
                    return (Vec::new(), w);
                }
            }
            match data.get("result") {
                Some(Value::Array(items)) => items,
                _ => {
                    w.push(source, root_line("data"), "`data.result` is not an array");
                    return (Vec::new(), w);
                }
            }
        }
        _ => {
            w.push(source, Some(1), "not a Prometheus query answer");
            return (Vec::new(), w);
        }
    };

    let mut col = Collector::default();
    for (e, item) in result.iter().enumerate() {
        let mline = pos.metric.get(e).copied().filter(|&l| l > 0).unwrap_or(1);
        let Some(obj) = item.as_object() else {
            w.push(
                source,
                Some(mline),
                format!("result {e} is not an object: skipped"),
            );
            continue;
        };
        let mut labels = BTreeMap::new();
        match obj.get("metric") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v.as_str() {
                        Some(s) => {
                            labels.insert(k.clone(), s.to_string());
                        }
                        None => w.push(
                            source,
                            Some(mline),
                            format!("label `{k}` is not a string: left out"),
                        ),
                    }
                }
            }
            Some(_) => w.push(source, Some(mline), "`metric` is not an object"),
            None => {}
        }
        let name = labels.remove("__name__").unwrap_or_default();
        let idx = col.series(name, labels, mline);
        let lines = pos.points.get(e).map(Vec::as_slice).unwrap_or(&[]);
        let mut any = false;
        let add = |k: usize, v: &Value, w: &mut Warnings, col: &mut Collector| {
            let line = lines.get(k).copied().unwrap_or(mline);
            match json_point(v) {
                Ok((ms, value)) => col.push(idx, ms, value, line),
                Err(msg) => w.push(source, Some(line), format!("{msg}: point skipped")),
            }
        };
        if let Some(values) = obj.get("values") {
            any = true;
            match values.as_array() {
                Some(vs) => {
                    for (k, v) in vs.iter().enumerate() {
                        add(k, v, &mut w, &mut col);
                    }
                }
                None => w.push(source, Some(mline), "`values` is not an array"),
            }
        }
        if let Some(v) = obj.get("value") {
            any = true;
            add(0, v, &mut w, &mut col);
        }
        if obj.contains_key("histograms") || obj.contains_key("histogram") {
            any = true;
            w.push(
                source,
                Some(mline),
                "native histogram samples skipped: only float samples are read",
            );
        }
        if !any {
            w.push(source, Some(mline), "a result with no `values` or `value`");
        }
    }
    let series = col.finish(source, &mut w);
    if series.is_empty() && w.is_empty() {
        w.push(source, root_line("data"), "the answer holds no series");
    }
    (series, w)
}
