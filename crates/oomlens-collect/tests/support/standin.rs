//! An API server stand-in for tests and the bench: HTTPS on 127.0.0.1 with
//! a self-signed certificate made by `openssl` at start, a kubeconfig
//! pointing at it with that CA, routes answered from recorded responses
//! (or a handler), and every request recorded (method, path and query,
//! headers) so tests can count calls and check headers.
//!
//! It speaks exec as the API server does: a `GET .../exec` with a
//! WebSocket upgrade is answered `101` with the channel subprotocol the
//! client offered first (`v5.channel.k8s.io` or `v4.channel.k8s.io`), then
//! binary messages of one channel byte and the data (1 stdout, 2 stderr,
//! 3 the `Status` JSON of the exit), then a close.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A request as received.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length bytes).
    pub body: Vec<u8>,
    /// When it was read in full.
    pub at: std::time::Instant,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every value of a repeated query parameter (exec's `command`), in order.
    pub fn params(&self, name: &str) -> Vec<String> {
        self.query
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k == name).then(|| decode(v))
            })
            .collect()
    }

    /// A query parameter, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| decode(v))
        })
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An answer.
pub struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// An exec's stream: the messages sent after the upgrade, each a
    /// channel byte and its data.
    pub exec: Option<Vec<(u8, Vec<u8>)>>,
    /// The channel subprotocol to answer an exec with (else the first the
    /// client offered).
    pub protocol: Option<&'static str>,
}

impl Resp {
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status,
            content_type: "application/json",
            body: body.into(),
            exec: None,
            protocol: None,
        }
    }
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
            exec: None,
            protocol: None,
        }
    }
    /// An exec that writes `stdout` and `stderr` and ends with the
    /// `Status` JSON `status` on channel 3.
    pub fn exec(stdout: Vec<u8>, stderr: Vec<u8>, status: Vec<u8>) -> Resp {
        let mut m = Vec::new();
        // Output in pieces, as a runtime streams it.
        for (ch, data) in [(1u8, stdout), (2, stderr)] {
            for piece in data.chunks(8 << 10) {
                m.push((ch, piece.to_vec()));
            }
        }
        m.push((3, status));
        Resp {
            status: 101,
            content_type: "",
            body: Vec::new(),
            exec: Some(m),
            protocol: None,
        }
    }
    /// The API server's `Status` for a failure.
    pub fn status(code: u16, reason: &str, message: &str) -> Resp {
        let v = serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code});
        Resp::json(code, v.to_string())
    }
}

pub type Handler = Box<dyn Fn(&Req) -> Option<Resp> + Send + Sync>;

/// Answers `path` (exact) with `resp()` when every `needle` is in the query.
pub fn route(
    path: &str,
    needles: &[&str],
    resp: impl Fn() -> Resp + Send + Sync + 'static,
) -> Handler {
    let path = path.to_string();
    let needles: Vec<String> = needles.iter().map(|s| s.to_string()).collect();
    Box::new(move |r: &Req| {
        (r.path == path && needles.iter().all(|n| r.query.contains(n.as_str()))).then(&resp)
    })
}

/// The pid of the JVM in the recorded `jcmd -l`
/// (tests/fixtures/kube-api/exec/jcmd-l.stdout).
pub const JVM_PID: &str = "15659";

/// The exec subresource at `path` (`/api/v1/namespaces/NS/pods/POD/exec`)
/// answered as a container with a JDK: `jcmd -l` and `jcmd PID COMMAND`
/// for each command of `oomlens jcmd --all`, with what the JDK's jcmd
/// printed for them (tests/fixtures/kube-api/exec under `root`, the
/// repository); anything else exits 1 with the recorded `NonZeroExitCode`.
pub fn jcmd_exec(path: String, root: PathBuf) -> Handler {
    let fx = move |name: &str| {
        std::fs::read(root.join("tests/fixtures/kube-api").join(name)).unwrap_or_default()
    };
    Box::new(move |q: &Req| {
        if q.path != path {
            return None;
        }
        let words = q.params("command");
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let ok = fx("status-exec-success.json");
        let recorded = match words.as_slice() {
            ["jcmd", "-l"] => Some("exec/jcmd-l.stdout".to_string()),
            ["jcmd", pid, rest @ ..] if *pid == JVM_PID => {
                let command = rest.join(" ");
                oomlens_live::attach::gather::ALL
                    .iter()
                    .find(|(_, c)| *c == command)
                    .map(|(file, _)| format!("exec/jcmd-{file}"))
            }
            _ => None,
        };
        Some(match recorded {
            Some(f) => Resp::exec(fx(&f), Vec::new(), ok),
            None => Resp::exec(
                Vec::new(),
                b"unknown command or process\n".to_vec(),
                fx("status-exec-nonzero-exit.json"),
            ),
        })
    })
}

pub struct StandIn {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub requests: Arc<Mutex<Vec<Req>>>,
}

impl StandIn {
    /// Starts serving (threads live as long as the process).
    pub fn start(handlers: Vec<Handler>) -> StandIn {
        let dir = tempfile::tempdir().expect("tempdir");
        // A CA and a server certificate it signs (webpki refuses a CA
        // certificate used as the server's own).
        let p = |n: &str| dir.path().join(n);
        let (ca, cert, key) = (p("ca.pem"), p("cert.pem"), p("key.pem"));
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-days", "2", "-subj", "/CN=oomlens-standin-ca", "-keyout"],
            ]
            .concat(),
            &[&p("ca-key.pem"), Path::new("-out"), &ca],
        );
        openssl(
            &[&["req"][..], &ec, &["-subj", "/CN=127.0.0.1", "-keyout"]].concat(),
            &[&key, Path::new("-out"), &p("csr.pem")],
        );
        std::fs::write(
            p("ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )
        .expect("ext");
        openssl(
            &["x509", "-req", "-days", "2", "-set_serial", "2", "-in"],
            &[
                &p("csr.pem"),
                Path::new("-CA"),
                &ca,
                Path::new("-CAkey"),
                &p("ca-key.pem"),
                Path::new("-extfile"),
                &p("ext"),
                Path::new("-out"),
                &cert,
            ],
        );
        let config = Arc::new(server_config(&cert, &key));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handlers = Arc::new(handlers);
        {
            let requests = requests.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(tcp) = conn else { continue };
                    // One segment per answer, no Nagle wait on the client's delayed ACK.
                    let _ = tcp.set_nodelay(true);
                    let (config, handlers, requests) =
                        (config.clone(), handlers.clone(), requests.clone());
                    std::thread::spawn(move || {
                        let Ok(tls) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let stream = rustls::StreamOwned::new(tls, tcp);
                        serve(stream, &handlers, &requests);
                    });
                }
            });
        }
        let ca = std::fs::read(&ca).expect("ca");
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_text(port, &ca)).expect("kubeconfig");
        StandIn {
            port,
            dir,
            kubeconfig,
            requests,
        }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Requests whose path is `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

fn openssl(args: &[&str], paths: &[&Path]) {
    let ok = Command::new("openssl")
        .args(args)
        .args(paths)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs")
        .success();
    assert!(ok, "openssl {args:?} failed");
}

fn kubeconfig_text(port: u16, ca: &[u8]) -> String {
    let ca = oomlens_live::prometheus::base64(ca);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority-data: {ca}\ncontexts:\n- name: standin\n  context:\n    cluster: standin\n    user: standin\n    namespace: shop\n- name: other\n  context:\n    cluster: standin\n    user: standin\n    namespace: big\ncurrent-context: standin\nusers:\n- name: standin\n  user:\n    token: standin-secret-token\n"
    )
}

fn server_config(cert: &Path, key: &Path) -> rustls::ServerConfig {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .expect("cert pem")
        .map(|c| c.expect("cert"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).expect("key pem");
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config")
}

fn serve<S: Read + Write>(stream: S, handlers: &[Handler], requests: &Mutex<Vec<Req>>) {
    let mut r = BufReader::new(stream);
    loop {
        let mut first = String::new();
        match r.read_line(&mut first) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = first.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                let k = k.trim().to_ascii_lowercase();
                if k == "content-length" {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push((k, v.trim().to_string()));
            }
        }
        let mut body = vec![0; length];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let req = Req {
            method,
            path,
            query,
            headers,
            body,
            at: std::time::Instant::now(),
        };
        if let Ok(mut log) = requests.lock() {
            log.push(req.clone());
        }
        let resp = handlers.iter().find_map(|h| h(&req)).unwrap_or_else(|| {
            Resp::status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        });
        if let (Some(messages), Some(key)) = (&resp.exec, req.header("sec-websocket-key")) {
            let offered = resp.protocol.or(req.header("sec-websocket-protocol"));
            upgrade(r, key, offered, messages);
            return;
        }
        let head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            resp.status,
            resp.content_type,
            resp.body.len()
        );
        let w = r.get_mut();
        if w.write_all(head.as_bytes()).is_err()
            || w.write_all(&resp.body).is_err()
            || w.flush().is_err()
        {
            return;
        }
    }
}

/// Answers a WebSocket upgrade as the API server does for exec, sends the
/// messages, closes, and reads until the client is gone.
fn upgrade<S: Read + Write>(
    mut r: BufReader<S>,
    key: &str,
    offered: Option<&str>,
    messages: &[(u8, Vec<u8>)],
) {
    use tungstenite::protocol::{Role, WebSocket};
    let protocol = offered
        .into_iter()
        .flat_map(|o| o.split(','))
        .map(str::trim)
        .find(|p| *p == "v5.channel.k8s.io" || *p == "v4.channel.k8s.io")
        .unwrap_or("v4.channel.k8s.io");
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n",
        tungstenite::handshake::derive_accept_key(key.as_bytes())
    );
    let w = r.get_mut();
    if w.write_all(head.as_bytes()).is_err() || w.flush().is_err() {
        return;
    }
    let mut ws = WebSocket::from_raw_socket(r.into_inner(), Role::Server, None);
    for (ch, data) in messages {
        let mut m = Vec::with_capacity(data.len() + 1);
        m.push(*ch);
        m.extend_from_slice(data);
        if ws.send(tungstenite::Message::binary(m)).is_err() {
            return;
        }
    }
    let _ = ws.close(None);
    while ws.read().is_ok() {}
}
