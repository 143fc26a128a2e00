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
}

/// The RBAC verb a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Get,
    List,
    Create,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Create => "create",
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
        self.calls.fetch_add(1, Ordering::Relaxed);
        if access.verb == Verb::List {
            self.lists.fetch_add(1, Ordering::Relaxed);
        }
        let mut req =
            http::Request::get(path).header(http::header::ACCEPT, "application/json, */*");
        if keep == Keep::Tail {
            req = req.header(http::header::RANGE, format!("bytes=-{max_bytes}"));
        }
        let req = req
            .body(kube::client::Body::empty())
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
