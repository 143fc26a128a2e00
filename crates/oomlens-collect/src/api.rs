//! The one door to the Kubernetes API: a `kube` client built from a
//! kubeconfig (a file, a context, `$KUBECONFIG`) or the pod's in-cluster
//! service account, with kubectl's impersonation (`--as`, `--as-group`),
//! driven by one current-thread runtime so that the rest of `collect` is
//! plain blocking code.
//!
//! Every call names the RBAC verb and resource it needs ([`Access`]), so a
//! refusal says exactly what to grant. Bodies are read as they stream in,
//! bounded: a body past its bound is cut (the start, or with
//! [`Keep::Tail`] the end, is kept) and marked truncated; memory never
//! holds more than twice the bound.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// How to reach the cluster, as kubectl's flags say it.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// A kubeconfig file (else `$KUBECONFIG`, `~/.kube/config`, then the
    /// in-cluster service account).
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig (else its current context).
    pub context: Option<String>,
    /// `--as`: the user to impersonate (`Impersonate-User`).
    pub as_user: Option<String>,
    /// `--as-group` (repeatable; `Impersonate-Group`).
    pub as_groups: Vec<String>,
    /// kubectl's `--request-timeout`: the bound of connecting, and of each
    /// read and write of a request (else kube's defaults).
    pub request_timeout: Option<std::time::Duration>,
}

/// The RBAC verb a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Get,
    List,
    /// `create pods/exec`.
    Create,
    /// `patch pods/ephemeralcontainers`.
    Patch,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Create => "create",
            Verb::Patch => "patch",
        })
    }
}

/// What RBAC must allow for a call: verb, API group (`""` for core) and
/// resource (with its subresource: `pods/log`, `nodes/proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    pub verb: Verb,
    pub group: &'static str,
    pub resource: &'static str,
}

impl Access {
    pub const fn new(verb: Verb, group: &'static str, resource: &'static str) -> Access {
        Access {
            verb,
            group,
            resource,
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{} {}", self.verb, self.resource)
        } else {
            write!(f, "{} {}.{}", self.verb, self.resource, self.group)
        }
    }
}

/// Which part of an over-long body to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Head,
    /// The end (a log's newest lines), cut at a line start.
    Tail,
}

/// A successful answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The body was longer than its bound and was cut.
    pub truncated: bool,
}

/// How a command run through the exec subresource ended, from the
/// `Status` the API server sends on channel 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// `Success` (0) or `NonZeroExitCode` with its `ExitCode` cause.
    Code(i32),
    /// Any other failure: the command did not run (`InternalError` with
    /// the runtime's "executable file not found"), or the stream ended
    /// without a status.
    Failed { reason: String, message: String },
}

impl Exit {
    /// Whether the command is missing from the image: the runtime's
    /// "executable file not found" / "no such file or directory", or the
    /// shell's 127.
    pub fn not_found(&self) -> bool {
        match self {
            Exit::Code(c) => *c == 127,
            Exit::Failed { message, .. } => {
                message.contains("executable file not found")
                    || message.contains("no such file or directory")
            }
        }
    }
}

/// What a command run through the exec subresource wrote, bounded.
#[derive(Debug)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
    /// stdout was longer than its bound and was cut (its start is kept).
    pub truncated: bool,
}

/// Why a call failed.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The server answered with an HTTP error; `reason` and `message` come
    /// from its `Status` object when it sent one.
    Status {
        status: u16,
        reason: String,
        message: String,
    },
    /// No answer: connection, TLS, timeout.
    Transport(String),
}

impl CallError {
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Status { status, .. } => Some(*status),
            CallError::Transport(_) => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Status {
                status,
                reason,
                message,
            } => {
                write!(f, "HTTP {status}")?;
                if !reason.is_empty() {
                    write!(f, " {reason}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            CallError::Transport(e) => write!(f, "no answer: {e}"),
        }
    }
}

/// A connected client. Cheap calls; one runtime.
pub struct Api {
    client: kube::Client,
    rt: tokio::runtime::Runtime,
    /// The API server's URL (no credentials).
    pub server: String,
    /// The namespace of the context (or of the service account in-cluster).
    pub default_namespace: String,
    calls: AtomicUsize,
    lists: AtomicUsize,
}

impl Api {
    /// Loads the configuration and builds the client. No request is made.
    pub fn connect(c: &Connect) -> Result<Api, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        let options = KubeConfigOptions {
            context: c.context.clone(),
            ..Default::default()
        };
        let mut config = rt.block_on(async {
            if let Some(path) = &c.kubeconfig {
                let kc = Kubeconfig::read_from(path)
                    .map_err(|e| format!("kubeconfig {}: {e}", path.display()))?;
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| format!("kubeconfig {}: {e}", path.display()))
            } else if c.context.is_some() {
                kube::Config::from_kubeconfig(&options)
                    .await
                    .map_err(|e| format!("kubeconfig: {e}"))
            } else {
                kube::Config::infer()
                    .await
                    .map_err(|e| format!("no kubeconfig and not in a cluster: {e}"))
            }
        })?;
        if let Some(user) = &c.as_user {
            config.auth_info.impersonate = Some(user.clone());
        }
        if !c.as_groups.is_empty() {
            config.auth_info.impersonate_groups = Some(c.as_groups.clone());
        }
        if let Some(t) = c.request_timeout {
            config.connect_timeout = Some(t);
            config.read_timeout = Some(t);
            config.write_timeout = Some(t);
        }
        let server = config.cluster_url.to_string();
        let default_namespace = config.default_namespace.clone();
        let client = {
            let _guard = rt.enter();
            kube::Client::try_from(config).map_err(|e| format!("cannot build the client: {e}"))?
        };
        Ok(Api {
            client,
            rt,
            server: server.trim_end_matches('/').to_string(),
            default_namespace,
            calls: AtomicUsize::new(0),
            lists: AtomicUsize::new(0),
        })
    }

    /// Requests made so far, and how many of them were lists.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.calls.load(Ordering::Relaxed),
            self.lists.load(Ordering::Relaxed),
        )
    }

    /// `GET path` (path and query, already escaped), reading at most
    /// `max_bytes` of the body (the part `keep` says). A `Range` header
    /// asking for the last `max_bytes` is sent with [`Keep::Tail`] (the
    /// kubelet's file server honours it).
    pub fn get(
        &self,
        path: &str,
        access: Access,
        max_bytes: usize,
        keep: Keep,
    ) -> Result<Reply, CallError> {
        self.send(http::Method::GET, path, None, access, max_bytes, keep)
    }

    /// `PATCH path` with a strategic merge patch (`body`), reading at most
    /// `max_bytes` of the answer.
    pub fn patch(
        &self,
        path: &str,
        body: Vec<u8>,
        access: Access,
        max_bytes: usize,
    ) -> Result<Reply, CallError> {
        self.send(
            http::Method::PATCH,
            path,
            Some(("application/strategic-merge-patch+json", body)),
            access,
            max_bytes,
            Keep::Head,
        )
    }

    fn send(
        &self,
        method: http::Method,
        path: &str,
        content: Option<(&str, Vec<u8>)>,
        access: Access,
        max_bytes: usize,
        keep: Keep,
    ) -> Result<Reply, CallError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if access.verb == Verb::List {
            self.lists.fetch_add(1, Ordering::Relaxed);
        }
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::ACCEPT, "application/json, */*");
        if keep == Keep::Tail {
            req = req.header(http::header::RANGE, format!("bytes=-{max_bytes}"));
        }
        let body = match content {
            Some((ty, bytes)) => {
                req = req.header(http::header::CONTENT_TYPE, ty);
                kube::client::Body::from(bytes)
            }
            None => kube::client::Body::empty(),
        };
        let req = req
            .body(body)
            .map_err(|e| CallError::Transport(format!("bad request path {path:?}: {e}")))?;
        self.exchange(req, max_bytes, keep)
    }

    /// Sends `req` and reads its answer's body, at most `max_bytes` of it
    /// (the part `keep` says).
    fn exchange(
        &self,
        req: http::Request<kube::client::Body>,
        max_bytes: usize,
        keep: Keep,
    ) -> Result<Reply, CallError> {
        self.rt.block_on(async {
            let res = self
                .client
                .send(req)
                .await
                .map_err(|e| CallError::Transport(chain(&e)))?;
            let status = res.status().as_u16();
            let mut body = res.into_body();
            let mut out: Vec<u8> = Vec::new();
            let mut truncated = false;
            // Error bodies are Status objects: small, read in full up to 64 KiB.
            let bound = if (200..300).contains(&status) {
                max_bytes
            } else {
                64 << 10
            };
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| CallError::Transport(e.to_string()))?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                out.extend_from_slice(&data);
                if out.len() > bound {
                    truncated = true;
                    match keep {
                        Keep::Head => {
                            out.truncate(bound);
                            break;
                        }
                        Keep::Tail if out.len() > 2 * bound => {
                            out.drain(..out.len() - bound);
                        }
                        Keep::Tail => {}
                    }
                }
            }
            if keep == Keep::Tail && out.len() > bound {
                out.drain(..out.len() - bound);
            }
            if truncated && keep == Keep::Tail {
                if let Some(nl) = memchr::memchr(b'\n', &out) {
                    out.drain(..=nl);
                }
            }
            if (200..300).contains(&status) {
                Ok(Reply {
                    status,
                    body: out,
                    truncated,
                })
            } else {
                Err(status_error(status, &out))
            }
        })
    }
}

impl Api {
    /// `POST path` with a JSON `body` (an object to create), reading at
    /// most 64 KiB of the answer.
    pub fn post(&self, path: &str, access: Access, body: Vec<u8>) -> Result<Reply, CallError> {
        debug_assert_eq!(access.verb, Verb::Create);
        self.calls.fetch_add(1, Ordering::Relaxed);
        let req = http::Request::post(path)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(kube::client::Body::from(body))
            .map_err(|e| CallError::Transport(format!("bad request path {path:?}: {e}")))?;
        self.exchange(req, 64 << 10, Keep::Head)
    }

    /// Runs `command` in `container` of pod `ns/pod` through the exec
    /// subresource (a WebSocket upgrade of `GET .../pods/POD/exec`,
    /// channel protocol v5 or v4 as the server picks; RBAC `create
    /// pods/exec`), no stdin, no TTY; keeps at most `max_bytes` of stdout
    /// and 64 KiB of stderr; gives up after `timeout`. A refused upgrade
    /// (403, 404) is a [`CallError::Status`].
    pub fn exec(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        command: &[&str],
        max_bytes: usize,
        timeout: std::time::Duration,
    ) -> Result<ExecOutput, CallError> {
        use tokio::io::AsyncReadExt;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(self.client.clone(), ns);
        let ap = kube::api::AttachParams::default()
            .container(container)
            .stdin(false)
            .stdout(true)
            .stderr(true)
            .max_stdout_buf_size(64 << 10);
        let run = async {
            let mut p =
                pods.exec(pod, command.iter().copied(), &ap)
                    .await
                    .map_err(|e| match e {
                        kube::Error::Api(s) => CallError::Status {
                            status: s.code,
                            reason: s.reason.clone(),
                            message: s.message.clone(),
                        },
                        other => CallError::Transport(chain(&other)),
                    })?;
            let (Some(out), Some(err), Some(status)) = (p.stdout(), p.stderr(), p.take_status())
            else {
                return Err(CallError::Transport("exec streams missing".into()));
            };
            let read = |r: tokio::io::ReadHalf<tokio::io::SimplexStream>, bound: usize| async move {
                let mut buf = Vec::new();
                let mut r = r.take(bound as u64 + 1);
                let res = r.read_to_end(&mut buf).await;
                // Whatever is past the bound is drained so the stream ends.
                let mut rest = r.into_inner();
                let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
                res.map(|_| {
                    let cut = buf.len() > bound;
                    buf.truncate(bound);
                    (buf, cut)
                })
            };
            let (o, e, st) = tokio::join!(read(out, max_bytes), read(err, 64 << 10), status);
            let (stdout, truncated) = o.map_err(|e| CallError::Transport(e.to_string()))?;
            let (stderr, _) = e.map_err(|e| CallError::Transport(e.to_string()))?;
            let _ = p.join().await;
            Ok(ExecOutput {
                stdout,
                stderr,
                exit: exit_of(st),
                truncated,
            })
        };
        self.rt.block_on(async {
            tokio::time::timeout(timeout, run)
                .await
                .unwrap_or_else(|_| Err(CallError::Transport(format!("no end within {timeout:?}"))))
        })
    }
}

/// The exit of an exec from its channel-3 `Status`.
fn exit_of(st: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>) -> Exit {
    let Some(st) = st else {
        return Exit::Failed {
            reason: "NoStatus".into(),
            message: "the stream ended without an exit status".into(),
        };
    };
    if st.status.as_deref() == Some("Success") {
        return Exit::Code(0);
    }
    let reason = st.reason.unwrap_or_default();
    if reason == "NonZeroExitCode" {
        let code = st
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.reason.as_deref() == Some("ExitCode"))
            .and_then(|c| c.message.as_deref()?.trim().parse().ok());
        if let Some(code) = code {
            return Exit::Code(code);
        }
    }
    Exit::Failed {
        reason,
        message: st.message.unwrap_or_default(),
    }
}

/// An error with its causes: `client error (Connect): invalid peer
/// certificate: UnknownIssuer`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// The error of a non-2xx answer, from its `Status` object when it is one.
fn status_error(status: u16, body: &[u8]) -> CallError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let mut message = text("message");
    if message.is_empty() && v.is_null() {
        message = String::from_utf8_lossy(&body[..body.len().min(300)])
            .trim()
            .to_string();
    }
    CallError::Status {
        status,
        reason: text("reason"),
        message,
    }
}

/// Percent-escapes a query parameter's value.
pub fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_error_reads_the_status_object() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"events is forbidden","reason":"Forbidden","code":403}"#;
        let e = status_error(403, body);
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.to_string(), "HTTP 403 Forbidden: events is forbidden");
    }

    #[test]
    fn status_error_of_a_non_json_body_quotes_it() {
        let e = status_error(502, b"upstream connect error\n");
        assert_eq!(e.to_string(), "HTTP 502: upstream connect error");
    }

    fn status(file: &str) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Status {
        let p = format!(
            "{}/../../tests/fixtures/kube-api/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(p).expect("fixture")).expect("a Status")
    }

    #[test]
    fn exec_exits_read_from_recorded_statuses() {
        assert_eq!(
            exit_of(Some(status("status-exec-success.json"))),
            Exit::Code(0)
        );
        assert_eq!(
            exit_of(Some(status("status-exec-nonzero-exit.json"))),
            Exit::Code(1)
        );
        let missing = exit_of(Some(status("status-exec-no-jcmd.json")));
        assert!(
            matches!(&missing, Exit::Failed { reason, .. } if reason == "InternalError"),
            "{missing:?}"
        );
        assert!(missing.not_found());
        assert!(!Exit::Code(1).not_found() && Exit::Code(127).not_found());
        assert!(matches!(exit_of(None), Exit::Failed { .. }));
    }

    #[test]
    fn escape_keeps_unreserved_and_escapes_the_rest() {
        assert_eq!(
            escape("involvedObject.uid=a b"),
            "involvedObject.uid%3Da%20b"
        );
        assert_eq!(escape("app in (x,y)"), "app%20in%20%28x%2Cy%29");
    }

    #[test]
    fn access_names_group_and_resource_as_rbac_does() {
        let a = Access::new(Verb::List, "events.k8s.io", "events");
        assert_eq!(a.to_string(), "list events.events.k8s.io");
        assert_eq!(
            Access::new(Verb::Get, "", "pods/log").to_string(),
            "get pods/log"
        );
    }
}
