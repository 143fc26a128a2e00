//! A small blocking client for the Prometheus HTTP API's instant queries
//! (`/api/v1/query`), which Prometheus, Thanos, Mimir, Cortex and
//! VictoriaMetrics all serve.
//!
//! - Authentication: a bearer token, or basic auth (also from the URL's
//!   `user:password@`); extra headers (`X-Scope-OrgID` for Mimir tenants).
//! - TLS through rustls, with the system's usual web roots or a CA file.
//! - Every request has a connect timeout and an overall deadline (also sent
//!   to the server as the query's `timeout`, so it gives up too).
//! - Retries: at most [`Config::tries`] tries of one query, with exponential
//!   backoff (honouring `Retry-After`), on 429, 5xx and timeouts; never on a
//!   refused connection or a bad query.
//! - [`Client::query_all`] runs a list of queries with a bounded number in
//!   flight (plain threads), and stops starting new ones once the server is
//!   found unreachable.
//!
//! Answers are decoded as they stream in; only the labels and (time, value)
//! points are kept.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The API's base URL: `http://prometheus:9090`, `https://mimir/prometheus`,
    /// `http://vmselect:8481/select/0/prometheus`. `/api/v1/query` is appended.
    pub url: String,
    pub auth: Auth,
    /// PEM file of the CA(s) to trust instead of the usual web roots.
    pub ca_file: Option<PathBuf>,
    /// Extra request headers (name, value).
    pub headers: Vec<(String, String)>,
    /// The deadline of one try of one query, reading the answer included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Tries per query (at least 1).
    pub tries: u32,
    /// The wait before the second try; doubled before each next one.
    pub backoff: Duration,
}

impl Config {
    pub fn new(url: &str) -> Config {
        Config {
            url: url.to_string(),
            auth: Auth::None,
            ca_file: None,
            headers: Vec::new(),
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            tries: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(..)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ..)"),
        }
    }
}

/// One series of an answer: its labels and (milliseconds since the epoch,
/// value) points. An instant vector has one point per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// (name, value), in the answer's order (a small vector: answers of
    /// tens of thousands of series stay small).
    pub labels: Vec<(String, String)>,
    pub points: Vec<(i64, f64)>,
}

impl Series {
    /// The value of a label.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Takes a label's value out (empty when absent).
    pub fn take_label(&mut self, name: &str) -> String {
        self.labels
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| std::mem::take(v))
            .unwrap_or_default()
    }
}

/// The answer to one query.
#[derive(Debug, Clone)]
pub struct Answer {
    pub series: Vec<Series>,
    /// Warnings the server returned with the answer.
    pub warnings: Vec<String>,
    /// Wall-clock seconds, every try and wait included.
    pub seconds: f64,
    pub tries: u32,
}

/// Why a query failed.
#[derive(Debug, Clone)]
pub enum Error {
    /// No connection: refused, name not resolved, TLS handshake failed.
    Unreachable { url: String, detail: String },
    /// No complete answer within the deadline.
    Timeout { url: String, after: Duration },
    /// The server closed the connection before its answer was complete.
    Closed { url: String },
    /// The answer is longer than [`MAX_ANSWER`]: it was not decoded past
    /// that, and is not used.
    TooLarge { url: String, limit: u64 },
    /// The server answered with an HTTP error.
    Status {
        url: String,
        status: u16,
        error_type: Option<String>,
        message: String,
    },
    /// The answer is not a Prometheus API answer.
    Decode { url: String, detail: String },
    /// Bad configuration (CA file, URL).
    Config(String),
}

impl Error {
    /// Whether other queries to the same server are bound to fail too. A
    /// query that timed out on every try is: the server hangs, and waiting
    /// `tries x --timeout` for each other query would make a scan take
    /// hours; so a hung server bounds the whole scan to one query's tries.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Error::Unreachable { .. } | Error::Config(_) | Error::Timeout { .. }
        ) || matches!(
            self,
            Error::Status {
                status: 401 | 403 | 404,
                ..
            }
        )
    }

    fn retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Closed { .. } => true,
            Error::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable { url, detail } => {
                write!(f, "cannot reach the Prometheus server at {url}: {detail}")
            }
            Error::Timeout { url, after } => write!(
                f,
                "no answer from {url} within {:.0} s (--timeout)",
                after.as_secs_f64()
            ),
            Error::Closed { url } => write!(
                f,
                "{url} closed the connection before its answer was complete"
            ),
            Error::TooLarge { url, limit } => write!(
                f,
                "the answer from {url} is longer than {} MiB: not used (narrow the query, e.g. --selector)",
                limit >> 20
            ),
            Error::Status {
                url,
                status,
                error_type,
                message,
            } => {
                write!(f, "{url} answered HTTP {status}")?;
                if let Some(t) = error_type {
                    write!(f, " ({t})")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                match status {
                    401 | 403 => write!(
                        f,
                        "; check the credentials (--bearer-token-file, OOMLENS_PROMETHEUS_TOKEN, OOMLENS_PROMETHEUS_USER/PASSWORD)"
                    ),
                    404 => write!(
                        f,
                        "; is this the API's base URL? (Mimir: .../prometheus, VictoriaMetrics cluster: .../select/0/prometheus)"
                    ),
                    _ => Ok(()),
                }
            }
            Error::Decode { url, detail } => {
                write!(f, "{url} did not give a Prometheus API answer: {detail}")
            }
            Error::Config(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// A connection to one server.
pub struct Client {
    agent: ureq::Agent,
    endpoint: String,
    shown: String,
    authorization: Option<String>,
    cfg: Config,
}

impl Client {
    pub fn new(cfg: Config) -> Result<Client, Error> {
        let raw = cfg.url.trim().trim_end_matches('/');
        let (scheme, rest) = raw.split_once("://").ok_or_else(|| {
            Error::Config(format!(
                "--prometheus {raw:?}: not a URL (expected http://host:port or https://...)"
            ))
        })?;
        if scheme != "http" && scheme != "https" {
            return Err(Error::Config(format!(
                "--prometheus {raw:?}: only http and https are supported"
            )));
        }
        // `user:password@` in the URL is basic auth; it is never shown.
        let (host_end, _) = rest
            .char_indices()
            .find(|(_, c)| *c == '/')
            .unwrap_or((rest.len(), '/'));
        let (authority, path) = rest.split_at(host_end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(Error::Config(format!("--prometheus {raw:?}: no host")));
        }
        let base = format!("{scheme}://{host}{path}");
        let mut auth = cfg.auth.clone();
        if let (Auth::None, Some(u)) = (&auth, userinfo) {
            let (user, password) = u.split_once(':').unwrap_or((u, ""));
            auth = Auth::Basic {
                user: percent_decode(user),
                password: percent_decode(password),
            };
        }
        let authorization = match &auth {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {}", t.trim())),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64(format!("{user}:{password}").as_bytes())
            )),
        };
        let mut b = ureq::AgentBuilder::new()
            .timeout_connect(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .user_agent(concat!("oomlens/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &cfg.ca_file {
            b = b.tls_config(Arc::new(tls_config(ca)?));
        }
        Ok(Client {
            agent: b.build(),
            endpoint: format!("{base}/api/v1/query"),
            shown: base,
            authorization,
            cfg,
        })
    }

    /// The base URL as it may be shown (without credentials).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// One instant query, evaluated at `at` (Unix seconds; the server's now
    /// when `None`), with retries.
    pub fn query(&self, promql: &str, at: Option<f64>) -> Result<Answer, Error> {
        let start = Instant::now();
        let mut wait = self.cfg.backoff;
        let tries = self.cfg.tries.max(1);
        let mut n = 0;
        loop {
            n += 1;
            match self.try_once(promql, at) {
                Ok((series, warnings)) => {
                    return Ok(Answer {
                        series,
                        warnings,
                        seconds: start.elapsed().as_secs_f64(),
                        tries: n,
                    })
                }
                Err((e, retry_after)) => {
                    if n >= tries || !e.retryable() {
                        return Err(e);
                    }
                    let pause = retry_after
                        .map(|r| r.min(Duration::from_secs(10)))
                        .unwrap_or(wait);
                    std::thread::sleep(pause);
                    wait *= 2;
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn try_once(
        &self,
        promql: &str,
        at: Option<f64>,
    ) -> Result<(Vec<Series>, Vec<String>), (Error, Option<Duration>)> {
        let mut req = self.agent.post(&self.endpoint);
        if let Some(a) = &self.authorization {
            req = req.set("Authorization", a);
        }
        for (k, v) in &self.cfg.headers {
            req = req.set(k, v);
        }
        let time = at.map(|t| format!("{t:.3}"));
        let timeout = format!("{}s", self.cfg.timeout.as_secs().max(1));
        let mut form: Vec<(&str, &str)> = vec![("query", promql), ("timeout", &timeout)];
        if let Some(t) = &time {
            form.push(("time", t));
        }
        let resp = match req.send_form(&form) {
            Ok(r) => r,
            Err(ureq::Error::Status(status, resp)) => {
                let retry_after = resp
                    .header("Retry-After")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let mut body = String::new();
                let _ = resp.into_reader().take(64 << 10).read_to_string(&mut body);
                let (error_type, message) = match serde_json::from_str::<ErrorBody>(&body) {
                    Ok(e) => (e.error_type, e.error.unwrap_or_default()),
                    Err(_) => (None, body.trim().chars().take(300).collect()),
                };
                return Err((
                    Error::Status {
                        url: self.shown.clone(),
                        status,
                        error_type,
                        message,
                    },
                    retry_after,
                ));
            }
            Err(ureq::Error::Transport(t)) => return Err((self.transport(&t), None)),
        };
        let content_type = resp.content_type().to_string();
        let read = Arc::new(AtomicUsize::new(0));
        let counted = Counted {
            inner: resp.into_reader().take(MAX_ANSWER),
            read: Arc::clone(&read),
        };
        let reader = BufReader::with_capacity(256 << 10, counted);
        let env: Envelope = serde_json::from_reader(reader).map_err(|e| {
            let err = if read.load(Ordering::Relaxed) as u64 >= MAX_ANSWER {
                Error::TooLarge {
                    url: self.shown.clone(),
                    limit: MAX_ANSWER,
                }
            } else if e.is_io() && io_timed_out(&e) {
                Error::Timeout {
                    url: self.shown.clone(),
                    after: self.cfg.timeout,
                }
            } else if e.is_eof() || e.is_io() {
                Error::Closed {
                    url: self.shown.clone(),
                }
            } else {
                Error::Decode {
                    url: self.shown.clone(),
                    detail: format!("{e} (content type {content_type})"),
                }
            };
            (err, None)
        })?;
        if env.status != "success" {
            return Err((
                Error::Status {
                    url: self.shown.clone(),
                    status: 200,
                    error_type: env.error_type,
                    message: env.error.unwrap_or_default(),
                },
                None,
            ));
        }
        let mut warnings = env.warnings;
        warnings.extend(env.infos);
        let series = match env.data {
            Some(Data::Vector(v)) => v
                .into_iter()
                .filter_map(|s| {
                    s.value.map(|p| Series {
                        labels: s.metric.0,
                        points: vec![(p.0, p.1)],
                    })
                })
                .collect(),
            Some(Data::Matrix(m)) => m
                .into_iter()
                .map(|s| Series {
                    labels: s.metric.0,
                    points: s.values.into_iter().map(|p| (p.0, p.1)).collect(),
                })
                .collect(),
            Some(Data::Scalar(p)) => vec![Series {
                labels: Vec::new(),
                points: vec![(p.0, p.1)],
            }],
            Some(Data::String(_)) | None => Vec::new(),
        };
        Ok((series, warnings))
    }

    fn transport(&self, t: &ureq::Transport) -> Error {
        let mut detail = t.to_string();
        // ureq's message repeats the URL; say only what went wrong.
        if let Some(src) = std::error::Error::source(t) {
            detail = src.to_string();
        }
        if detail.contains("certificate") && self.cfg.ca_file.is_none() {
            detail.push_str(" (give the server's CA with --ca-file)");
        }
        let timed_out = {
            let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
            let mut hit = false;
            while let Some(e) = cur {
                if let Some(io) = e.downcast_ref::<std::io::Error>() {
                    hit |= matches!(
                        io.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    );
                }
                cur = e.source();
            }
            hit || detail.contains("timed out")
        };
        match t.kind() {
            _ if timed_out => Error::Timeout {
                url: self.shown.clone(),
                after: self.cfg.timeout,
            },
            ureq::ErrorKind::Dns | ureq::ErrorKind::ConnectionFailed => Error::Unreachable {
                url: self.shown.clone(),
                detail: if detail.is_empty() {
                    t.kind().to_string()
                } else {
                    detail
                },
            },
            ureq::ErrorKind::Io => Error::Closed {
                // A connection closed or reset before the answer: retried.
                url: self.shown.clone(),
            },
            _ => Error::Unreachable {
                url: self.shown.clone(),
                detail: t.to_string(),
            },
        }
    }

    /// Runs `queries` with at most `in_flight` of them at once, evaluated at
    /// `at`. Answers come back in the order of `queries`. Once one query
    /// finds the server unreachable (or refusing the credentials), the
    /// queries not yet started fail with the same error.
    pub fn query_all(
        &self,
        queries: &[String],
        at: Option<f64>,
        in_flight: usize,
    ) -> Vec<Result<Answer, Error>> {
        self.query_each(queries, at, in_flight, |_, r| r)
            .into_iter()
            .map(|r| r.and_then(|x| x))
            .collect()
    }

    /// Like [`Client::query_all`], handing each answer to `each` (with its
    /// index) on the thread that got it, as soon as it is in: a caller that
    /// keeps only what it needs of each answer never holds them all.
    pub fn query_each<T: Send>(
        &self,
        queries: &[String],
        at: Option<f64>,
        in_flight: usize,
        each: impl Fn(usize, Result<Answer, Error>) -> T + Sync,
    ) -> Vec<Result<T, Error>> {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let fatal: Mutex<Option<Error>> = Mutex::new(None);
        let out: Mutex<Vec<Option<T>>> = Mutex::new((0..queries.len()).map(|_| None).collect());
        let workers = in_flight.clamp(1, queries.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(q) = queries.get(i) else { break };
                    let r = self.query(q, at);
                    if let Err(e) = &r {
                        if e.is_fatal() {
                            stop.store(true, Ordering::SeqCst);
                            let mut f = fatal.lock().unwrap_or_else(|p| p.into_inner());
                            f.get_or_insert_with(|| e.clone());
                        }
                    }
                    let t = each(i, r);
                    out.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(t);
                });
            }
        });
        let fatal = fatal.into_inner().unwrap_or_else(|p| p.into_inner());
        out.into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .map(|r| {
                r.ok_or_else(|| {
                    fatal
                        .clone()
                        .unwrap_or_else(|| Error::Config("query not run".into()))
                })
            })
            .collect()
    }
}

/// The longest answer decoded. Answers are decoded as they stream in and
/// keep only labels and points; for the scan's aggregated queries (three
/// labels, a few dozen points per container) 128 MiB is over 200k
/// containers. Small series cost more decoded than as JSON (measured: a
/// 256 MiB answer of one-point, three-label series peaked at 1.1 GB), so
/// the cap is what bounds a query's memory: a server that answers more
/// gets [`Error::TooLarge`] (narrow the query) instead of exhausting it.
pub const MAX_ANSWER: u64 = 128 << 20;

/// A reader that counts the bytes it gave (to tell a cut answer from a
/// malformed one).
struct Counted<R> {
    inner: R,
    read: Arc<AtomicUsize>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

fn io_timed_out(e: &serde_json::Error) -> bool {
    let s = e.to_string();
    s.contains("timed out") || s.contains("would block")
}

fn tls_config(ca: &std::path::Path) -> Result<rustls::ClientConfig, Error> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let bad = |m: String| Error::Config(format!("--ca-file {}: {m}", ca.display()));
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca).map_err(|e| bad(e.to_string()))?;
    for c in certs {
        let c = c.map_err(|e| bad(e.to_string()))?;
        roots.add(c).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (for basic auth).
pub fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = match chunk.len() {
            3 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]),
            2 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8),
            _ => u32::from(chunk[0]) << 16,
        };
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// The answer's JSON.

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<VectorSample>),
    Matrix(Vec<MatrixSeries>),
    Scalar(Point),
    String(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct VectorSample {
    #[serde(default)]
    metric: Labels,
    /// Absent for native histograms, which oomlens does not read.
    #[serde(default)]
    value: Option<Point>,
}

#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: Labels,
    #[serde(default)]
    values: Vec<Point>,
}

/// A `metric` object as a vector of pairs.
#[derive(Default)]
struct Labels(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Labels, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of labels")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(4).min(16));
                while let Some(kv) = map.next_entry::<String, String>()? {
                    v.push(kv);
                }
                v.shrink_to_fit();
                Ok(Labels(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// `[1700000000.123, "42"]`: milliseconds and the value.
struct Point(i64, f64);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Point, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Point;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[time, \"value\"]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Point, A::Error> {
                let t: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let v: Num = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Point((t * 1000.0).round() as i64, v.0))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A sample value: a string (`"42"`, `"NaN"`, `"+Inf"`) or a number.
struct Num(f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sample value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Num, E> {
                oomlens_evidence::metrics::parse_float(s)
                    .map(Num)
                    .ok_or_else(|| E::custom(format!("not a sample value: {s:?}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn values_and_points_decode() {
        let env: Envelope = serde_json::from_str(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"pod":"a"},"values":[[1700000000.5,"1.5"],[1700000060,"NaN"],[1700000120,"+Inf"]]}]},
              "warnings":["w"]}"#,
        )
        .unwrap();
        let Some(Data::Matrix(m)) = env.data else {
            panic!("not a matrix")
        };
        assert_eq!(m[0].values[0].0, 1_700_000_000_500);
        assert_eq!(m[0].values[0].1, 1.5);
        assert!(m[0].values[1].1.is_nan());
        assert_eq!(m[0].values[2].1, f64::INFINITY);
        assert_eq!(env.warnings, vec!["w".to_string()]);
    }

    /// A one-shot fake server: answers each connection with the next
    /// canned response and records the requests.
    fn fake(responses: Vec<String>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for r in responses {
                let (mut s, _) = l.accept().unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head, then the body by Content-Length.
                loop {
                    let n = s.read(&mut buf).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    req.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&req).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if req.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                seen.push(String::from_utf8_lossy(&req).into_owned());
                let _ = s.write_all(r.as_bytes());
            }
            seen
        });
        (url, h)
    }

    fn http(status: &str, extra: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        )
    }

    const OK: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"namespace":"n","pod":"p","container":"c"},"value":[1700000000,"42"]}]}}"#;

    #[test]
    fn retries_5xx_and_429_then_succeeds_with_bearer_token() {
        let (url, h) = fake(vec![
            http(
                "503 Service Unavailable",
                "",
                r#"{"status":"error","errorType":"unavailable","error":"busy"}"#,
            ),
            http("429 Too Many Requests", "Retry-After: 0\r\n", "slow down"),
            http("200 OK", "", OK),
        ]);
        let mut cfg = Config::new(&url);
        cfg.auth = Auth::Bearer("s3cret\n".into());
        cfg.backoff = Duration::from_millis(10);
        let c = Client::new(cfg).unwrap();
        let a = c.query("up", Some(1_700_000_000.0)).unwrap();
        assert_eq!(a.tries, 3);
        assert_eq!(a.series.len(), 1);
        assert_eq!(a.series[0].points, vec![(1_700_000_000_000, 42.0)]);
        assert_eq!(a.series[0].label("pod"), Some("p"));
        let reqs = h.join().unwrap();
        assert_eq!(reqs.len(), 3);
        for r in &reqs {
            assert!(r.starts_with("POST /api/v1/query "), "{r}");
            assert!(r.contains("Authorization: Bearer s3cret\r\n"), "{r}");
            assert!(r.contains("query=up"), "{r}");
            assert!(r.contains("time=1700000000.000"), "{r}");
        }
    }

    #[test]
    fn gives_up_after_three_tries() {
        let busy = http("502 Bad Gateway", "", "upstream");
        let (url, h) = fake(vec![busy.clone(), busy.clone(), busy]);
        let mut cfg = Config::new(&url);
        cfg.backoff = Duration::from_millis(5);
        let e = Client::new(cfg).unwrap().query("up", None).unwrap_err();
        assert!(matches!(e, Error::Status { status: 502, .. }), "{e}");
        assert_eq!(h.join().unwrap().len(), 3);
    }

    #[test]
    fn bad_query_is_not_retried_and_says_why() {
        let (url, h) = fake(vec![http(
            "400 Bad Request",
            "",
            r#"{"status":"error","errorType":"bad_data","error":"parse error: unexpected }"}"#,
        )]);
        let e = Client::new(Config::new(&format!("{url}/")))
            .unwrap()
            .query("up{", None)
            .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("400") && m.contains("bad_data") && m.contains("parse error"),
            "{m}"
        );
        assert_eq!(h.join().unwrap().len(), 1);
    }

    #[test]
    fn basic_auth_from_url_is_sent_and_never_shown() {
        let (url, h) = fake(vec![http("200 OK", "", OK)]);
        let with_user = url.replace("http://", "http://alice:p%40ss@");
        let c = Client::new(Config::new(&with_user)).unwrap();
        assert_eq!(c.url(), url);
        c.query("up", None).unwrap();
        let reqs = h.join().unwrap();
        assert!(
            reqs[0].contains(&format!(
                "Authorization: Basic {}\r\n",
                base64(b"alice:p@ss")
            )),
            "{}",
            reqs[0]
        );
    }

    #[test]
    fn refused_connection_is_unreachable_at_once() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        let c = Client::new(Config::new(&url)).unwrap();
        let t = Instant::now();
        let r = c.query_all(&["a".into(), "b".into(), "c".into()], None, 2);
        assert!(t.elapsed() < Duration::from_secs(5));
        for e in r {
            let e = e.unwrap_err();
            assert!(e.is_fatal());
            assert!(e.to_string().contains(&url), "{e}");
        }
    }

    #[test]
    fn at_most_two_in_flight() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (live2, peak2) = (live.clone(), peak.clone());
        std::thread::spawn(move || {
            for s in l.incoming().take(6) {
                let mut s = s.unwrap();
                let (live, peak) = (live2.clone(), peak2.clone());
                std::thread::spawn(move || {
                    let n = live.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    let mut buf = [0u8; 8192];
                    let _ = s.read(&mut buf);
                    std::thread::sleep(Duration::from_millis(150));
                    live.fetch_sub(1, Ordering::SeqCst);
                    let _ = s.write_all(http("200 OK", "", OK).as_bytes());
                });
            }
        });
        let c = Client::new(Config::new(&url)).unwrap();
        let qs: Vec<String> = (0..6).map(|i| format!("q{i}")).collect();
        let r = c.query_all(&qs, None, 2);
        assert!(r.iter().all(|a| a.is_ok()));
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn bad_ca_file_is_a_config_error() {
        let dir = std::env::temp_dir().join(format!("oomlens-ca-{}", std::process::id()));
        std::fs::write(&dir, "not a certificate").unwrap();
        let mut cfg = Config::new("https://localhost:1");
        cfg.ca_file = Some(dir.clone());
        let e = Client::new(cfg).err().unwrap();
        let _ = std::fs::remove_file(&dir);
        assert!(e.to_string().contains("--ca-file"), "{e}");
    }
}
