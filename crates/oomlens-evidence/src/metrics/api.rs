//! Prometheus HTTP API answers saved as JSON: `query_range` matrices,
//! `query` vectors, the bare `data` object and promtool's result arrays
//! ([`parse_json`]).

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use super::*;

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
    parse_json_reader(source, strip_bom(text))
}

/// [`parse_json`] from a reader, streamed: one result element's points
/// are held at a time besides the series collected, never the text or a
/// tree of it, so memory is the series' own (about 24 bytes a point). A
/// text cut short or broken keeps the series read before the break, with a
/// warning where it stopped.
pub fn parse_json_reader(source: &str, reader: impl io::Read) -> (Vec<Series>, Warnings) {
    let lines = Rc::new(Cell::new(0u64));
    let counted = Counted {
        inner: io::BufReader::with_capacity(64 * 1024, reader),
        newlines: Rc::clone(&lines),
    };
    let mut cx = Cx {
        source,
        lines,
        w: Warnings::new(),
        elem_w: Warnings::new(),
        col: Collector::default(),
        root_keys: HashMap::new(),
        error: None,
        result_type: None,
        result: ResultSeen::No,
        has_data: false,
        elements: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(counted);
    let read =
        serde::de::DeserializeSeed::deserialize(Root(&mut cx), &mut de).and_then(|_| de.end());
    let key_line = |cx: &Cx, k: &str| cx.root_keys.get(k).copied();
    let root_line = |cx: &Cx, k: &str| key_line(cx, k).or(Some(1));
    if let Err(e) = read {
        let line = Some(e.line() as u64).filter(|&l| l > 0);
        let kept = if cx.elements > 0 {
            format!("; the {} result(s) read before it are kept", cx.elements)
        } else {
            String::new()
        };
        let mut w = std::mem::take(&mut cx.w);
        w.push(source, line, format!("not valid JSON: {e}{kept}"));
        w.extend(std::mem::take(&mut cx.elem_w));
        let series = std::mem::take(&mut cx.col).finish(source, &mut w);
        return (series, w);
    }
    let mut w = std::mem::take(&mut cx.w);
    if let Some((kind, msg)) = cx.error.take() {
        w.push(
            source,
            key_line(&cx, "error")
                .or(key_line(&cx, "status"))
                .or(Some(1)),
            format!("Prometheus answered an error ({kind}): {msg}"),
        );
        return (Vec::new(), w);
    }
    match cx.result_type.as_deref() {
        None | Some("matrix" | "vector") => {}
        Some(other) => {
            w.push(
                source,
                root_line(&cx, "data"),
                format!("a `{other}` result holds no series"),
            );
            return (Vec::new(), w);
        }
    }
    match cx.result {
        ResultSeen::Array => {}
        ResultSeen::NotArray => {
            w.push(
                source,
                root_line(&cx, "data"),
                "`data.result` is not an array",
            );
            return (Vec::new(), w);
        }
        ResultSeen::No if cx.has_data => {
            w.push(
                source,
                root_line(&cx, "data"),
                "`data.result` is not an array",
            );
            return (Vec::new(), w);
        }
        ResultSeen::No => {
            w.push(
                source,
                root_line(&cx, "status"),
                "no `data.result` in this JSON: not a Prometheus query answer",
            );
            return (Vec::new(), w);
        }
    }
    w.extend(std::mem::take(&mut cx.elem_w));
    let series = std::mem::take(&mut cx.col).finish(source, &mut w);
    if series.is_empty() && w.is_empty() {
        w.push(source, root_line(&cx, "data"), "the answer holds no series");
    }
    (series, w)
}

/// A reader that counts the newlines it hands out: serde_json reads a byte
/// at a time and looks one byte ahead at most, so when a visitor is called
/// for a value that opened with `[` or after a key, the count is the line's.
struct Counted<R> {
    inner: io::BufReader<R>,
    newlines: Rc<Cell<u64>>,
}

impl<R: io::Read> io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let nl = memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        if nl > 0 {
            self.newlines.set(self.newlines.get() + nl);
        }
        Ok(n)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ResultSeen {
    No,
    Array,
    NotArray,
}

/// What the streamed answer said so far.
struct Cx<'s> {
    source: &'s str,
    lines: Rc<Cell<u64>>,
    /// Warnings of the answer itself (`warnings`, `infos`).
    w: Warnings,
    /// Warnings of result elements: dropped when the answer turns out to
    /// be an error or a scalar.
    elem_w: Warnings,
    col: Collector,
    root_keys: HashMap<String, u64>,
    /// `status: error`: (errorType, error).
    error: Option<(String, String)>,
    result_type: Option<String>,
    result: ResultSeen,
    /// A `data` key was seen.
    has_data: bool,
    /// Result elements read.
    elements: usize,
}

impl Cx<'_> {
    fn line(&self) -> u64 {
        self.lines.get() + 1
    }

    /// Whether a result of the type said so far holds series.
    fn wants_result(&self) -> bool {
        matches!(
            self.result_type.as_deref(),
            None | Some("matrix" | "vector")
        )
    }
}

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A visitor's `expecting`, and every scalar visit answered by `$v`.
macro_rules! scalars {
    ($v:expr) => {
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v(self))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v(self))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v(self))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v(self))
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v(self))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($v(self))
        }
    };
}

/// Skips every element or entry left in an array or object.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The whole answer: promtool's array of results, or an object.
struct Root<'c, 's>(&'c mut Cx<'s>);

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();
    scalars!(|_| ());

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.result = ResultSeen::Array;
        elements(self.0, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        object(self.0, map, true)
    }
}

/// The root object (`root`) or its `data` object: the keys that matter.
fn object<'de, A: MapAccess<'de>>(cx: &mut Cx<'_>, mut map: A, root: bool) -> Result<(), A::Error> {
    let mut status_error = false;
    let mut error_type: Option<String> = None;
    let mut error: Option<String> = None;
    while let Some(key) = map.next_key::<String>()? {
        let line = cx.line();
        if root {
            cx.root_keys.entry(key.clone()).or_insert(line);
        }
        match key.as_str() {
            "data" if root => {
                map.next_value_seed(Data(cx))?;
            }
            "result" => {
                if cx.wants_result() {
                    map.next_value_seed(ResultSeed(cx))?;
                } else {
                    cx.result = ResultSeen::Array;
                    map.next_value::<IgnoredAny>()?;
                }
            }
            "resultType" => {
                let v: Value = map.next_value()?;
                if let Some(t) = v.as_str() {
                    cx.result_type = Some(t.to_string());
                }
            }
            "status" if root => {
                let v: Value = map.next_value()?;
                status_error = v.as_str() == Some("error");
            }
            "errorType" if root => {
                error_type = map.next_value::<Value>()?.as_str().map(str::to_string)
            }
            "error" if root => error = map.next_value::<Value>()?.as_str().map(str::to_string),
            "warnings" | "infos" if root => {
                let v: Value = map.next_value()?;
                if let Some(list) = v.as_array() {
                    let what = if key == "infos" { "noted" } else { "warned" };
                    for item in list {
                        let msg = item
                            .as_str()
                            .map_or_else(|| item.to_string(), str::to_string);
                        cx.w.push(cx.source, Some(line), format!("Prometheus {what}: {msg}"));
                    }
                }
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    if status_error {
        cx.error = Some((
            error_type.unwrap_or_else(|| "error".into()),
            error.unwrap_or_else(|| "(no message)".into()),
        ));
    }
    Ok(())
}

/// The `data` object.
struct Data<'c, 's>(&'c mut Cx<'s>);

impl<'de> DeserializeSeed<'de> for Data<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Data<'_, '_> {
    type Value = ();
    scalars!(|_| ());

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        drain_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.has_data = true;
        object(self.0, map, false)
    }
}

/// The `result` value: an array of elements, else noted as not one.
struct ResultSeed<'c, 's>(&'c mut Cx<'s>);

impl<'de> DeserializeSeed<'de> for ResultSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_, '_> {
    type Value = ();
    scalars!(|s: Self| s.0.result = ResultSeen::NotArray);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.result = ResultSeen::Array;
        elements(self.0, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.result = ResultSeen::NotArray;
        drain_map(map)
    }
}

fn elements<'de, A: SeqAccess<'de>>(cx: &mut Cx<'_>, mut seq: A) -> Result<(), A::Error> {
    while seq.next_element_seed(Element(cx))?.is_some() {}
    Ok(())
}

/// One result element: its labels and points, added to the series when
/// it closes (its keys may come in any order).
struct Element<'c, 's>(&'c mut Cx<'s>);

impl<'de> DeserializeSeed<'de> for Element<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Element<'_, '_> {
    fn not_an_object(self) {
        let cx = self.0;
        let e = cx.elements;
        cx.elements += 1;
        let line = cx.line();
        cx.elem_w.push(
            cx.source,
            Some(line),
            format!("result {e} is not an object: skipped"),
        );
    }
}

impl<'de> Visitor<'de> for Element<'_, '_> {
    type Value = ();
    scalars!(Element::not_an_object);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.not_an_object();
        drain_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let cx = self.0;
        let first_line = cx.line();
        let mut metric: Option<(Value, u64)> = None;
        let mut points: Vec<Point> = Vec::new();
        let mut values_not_array = false;
        let mut any = false;
        let mut histograms = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metric" => {
                    let line = cx.line();
                    let v: Value = map.next_value()?;
                    metric.get_or_insert((v, line));
                }
                "values" => {
                    any = true;
                    values_not_array |= !map.next_value_seed(Points {
                        lines: &cx.lines,
                        out: &mut points,
                    })?;
                }
                "value" => {
                    any = true;
                    let p = map.next_value_seed(PointSeed(&cx.lines))?;
                    points.push(p);
                }
                "histograms" | "histogram" => {
                    any = true;
                    histograms = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        cx.elements += 1;
        let source = cx.source;
        let mline = metric.as_ref().map_or(first_line, |m| m.1);
        let w = &mut cx.elem_w;
        let mut labels = BTreeMap::new();
        match metric.map(|m| m.0) {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v {
                        Value::String(s) => {
                            labels.insert(k, s);
                        }
                        _ => w.push(
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
        let idx = cx.col.series(name, labels, mline);
        if values_not_array {
            w.push(source, Some(mline), "`values` is not an array");
        }
        for (p, line) in points {
            match p {
                Ok((ms, value)) => cx.col.push(idx, ms, value, line),
                Err(msg) => w.push(source, Some(line), format!("{msg}: point skipped")),
            }
        }
        if histograms {
            w.push(
                source,
                Some(mline),
                "native histogram samples skipped: only float samples are read",
            );
        }
        if !any {
            w.push(source, Some(mline), "a result with no `values` or `value`");
        }
        Ok(())
    }
}

/// One point read (milliseconds, value) or why not, and its line.
type Point = (Result<(i64, f64), String>, u64);

/// A `values` array: each point with its line; `false` when it is not an
/// array.
struct Points<'a> {
    lines: &'a Rc<Cell<u64>>,
    out: &'a mut Vec<Point>,
}

impl<'de> DeserializeSeed<'de> for Points<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Points<'_> {
    type Value = bool;
    scalars!(|_| false);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        drain_map(map).map(|_| false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while let Some(p) = seq.next_element_seed(PointSeed(self.lines))? {
            self.out.push(p);
        }
        Ok(true)
    }
}

/// One `[time, "value"]` pair and the line it opens on.
struct PointSeed<'a>(&'a Rc<Cell<u64>>);

impl PointSeed<'_> {
    fn not_a_pair(self) -> Point {
        (Err("not a [time, value] pair".into()), self.0.get() + 1)
    }
}

impl<'de> DeserializeSeed<'de> for PointSeed<'_> {
    type Value = Point;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PointSeed<'_> {
    type Value = Point;
    scalars!(PointSeed::not_a_pair);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let p = self.not_a_pair();
        drain_map(map).map(|_| p)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let line = self.0.get() + 1;
        let mut pair = Vec::with_capacity(2);
        while let Some(v) = seq.next_element::<Value>()? {
            if pair.len() < 3 {
                pair.push(v);
            }
        }
        Ok((json_point(&Value::Array(pair)), line))
    }
}
