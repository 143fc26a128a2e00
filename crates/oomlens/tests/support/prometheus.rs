//! Real Prometheus-compatible servers for tests, holding series a test
//! wrote ([`OpenMetrics`]):
//!
//! - [`Prometheus`]: backfilled with `promtool tsdb create-blocks-from
//!   openmetrics` into a fresh TSDB, served by `prometheus` on a free local
//!   port with no scrape targets (Debian's `prometheus` package);
//! - [`VictoriaMetrics`]: a single-node `victoria-metrics` on a free local
//!   port and a fresh data folder, the series imported as Prometheus text
//!   with timestamps (`/api/v1/import/prometheus`) and flushed (Debian's
//!   `victoria-metrics` package).
//!
//! Dropping either kills the server and removes its folder, also when the
//! test fails. `scripts/test.sh` installs both packages; tests call
//! [`require_prometheus`] / [`require_victoria_metrics`], which fail loudly
//! when they are missing (set `OOMLENS_ALLOW_SKIP=1` to skip), and a server
//! that does not start fails the test with its log.
//!
//! promtool 2.42 backfills samples up to the present without complaint: the
//! warning in Prometheus' docs about the last 3 hours concerns a server
//! already running (its head block may overlap); this server starts on the
//! backfilled blocks alone. Tests still pass `--at` with their data's end,
//! so their answers do not depend on how long the test takes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Returns false (after saying so) when the test may be skipped; panics
/// when it may not.
pub fn require_prometheus() -> bool {
    super::require_program("prometheus", "prometheus")
        && super::require_program("promtool", "prometheus")
}

/// Samples with timestamps, one block per metric family (as OpenMetrics
/// wants), in the order samples are added within each series; written as
/// OpenMetrics (timestamps in seconds) or as Prometheus text (in ms).
#[derive(Default)]
pub struct OpenMetrics {
    /// Per family: (`metric{labels}`, ms since the epoch, value).
    families: BTreeMap<String, Vec<(String, i64, f64)>>,
    pub samples: usize,
}

impl OpenMetrics {
    /// Adds one sample; `labels` is the inside of the braces
    /// (`namespace="a",pod="b"`), `t_ms` milliseconds since the epoch.
    pub fn sample(&mut self, metric: &str, labels: &str, t_ms: i64, v: f64) {
        self.families.entry(metric.to_string()).or_default().push((
            format!("{metric}{{{labels}}}"),
            t_ms,
            v,
        ));
        self.samples += 1;
    }

    /// The text, OpenMetrics (`# EOF`, seconds) or Prometheus' (ms).
    fn text(&self, openmetrics: bool) -> Vec<u8> {
        let mut out = String::new();
        for (name, samples) in &self.families {
            // Every family is declared a gauge: OpenMetrics counters would
            // want `_total` on every sample name, and PromQL does not care.
            let _ = writeln!(out, "# TYPE {name} gauge");
            for (series, t, v) in samples {
                let _ = if openmetrics {
                    writeln!(
                        out,
                        "{series} {v} {}.{:03}",
                        t.div_euclid(1000),
                        t.rem_euclid(1000)
                    )
                } else {
                    writeln!(out, "{series} {v} {t}")
                };
            }
        }
        if openmetrics {
            out.push_str("# EOF\n");
        }
        out.into_bytes()
    }

    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.text(true)).expect("write openmetrics");
    }
}

/// A server process and its folder: dropping it kills the one and removes
/// the other.
struct Server {
    child: Option<Child>,
    dir: PathBuf,
}

impl Server {
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running server. Dropping it kills it and removes its folder.
pub struct Prometheus {
    server: Server,
    pub url: String,
    /// How long the backfill and the start took.
    pub backfill: Duration,
    pub startup: Duration,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A plain HTTP GET; (status, body).
fn http_get(url: &str) -> Option<(u16, String)> {
    http("GET", url, &[])
}

/// A plain HTTP request with `body`; (status, body).
fn http(method: &str, url: &str, body: &[u8]) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .ok()?;
    s.write_all(body).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

impl Prometheus {
    /// Backfills `om` into a fresh TSDB and starts a server on it.
    pub fn start(om: &OpenMetrics) -> Prometheus {
        Prometheus::start_with(om, None)
    }

    /// Like [`Prometheus::start`], with a web configuration (TLS, basic
    /// auth: Prometheus' `--web.config.file`); the URL is then https when
    /// the configuration has `tls_server_config`.
    pub fn start_with(om: &OpenMetrics, web_config: Option<&str>) -> Prometheus {
        let dir = std::env::temp_dir().join(format!("oomlens-prom-{}", super::unique(12)));
        std::fs::create_dir_all(dir.join("data")).expect("mkdir");
        let mut p = Prometheus {
            server: Server {
                child: None,
                dir: dir.clone(),
            },
            url: String::new(),
            backfill: Duration::ZERO,
            startup: Duration::ZERO,
        };
        let input = dir.join("series.om");
        om.write(&input);
        let t = Instant::now();
        // Blocks as long as 54 h mean two or three passes over the file
        // instead of one per 2 h block; older promtools lack the (hidden)
        // flag, so try without it too.
        let mut ok = false;
        let mut err = String::new();
        for flags in [&["--max-block-duration=54h"][..], &[][..]] {
            let out = Command::new("promtool")
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .args(flags)
                .arg(&input)
                .arg(dir.join("data"))
                .output()
                .expect("run promtool");
            if out.status.success() {
                ok = true;
                break;
            }
            err = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        assert!(ok, "promtool could not backfill: {err}");
        let _ = std::fs::remove_file(&input);
        p.backfill = t.elapsed();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            "global:\n  scrape_interval: 1m\nscrape_configs: []\n",
        )
        .unwrap();
        let web = web_config.map(|w| {
            let path = dir.join("web.yml");
            std::fs::write(&path, w).unwrap();
            path
        });
        let scheme = if web_config.is_some_and(|w| w.contains("tls_server_config")) {
            "https"
        } else {
            "http"
        };
        let t = Instant::now();
        for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
            let child = Command::new("prometheus")
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg(format!("--config.file={}", config.display()))
                .arg("--storage.tsdb.retention.time=30d")
                .args(
                    web.iter()
                        .map(|w| format!("--web.config.file={}", w.display())),
                )
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start prometheus");
            p.server.child = Some(child);
            p.url = format!("{scheme}://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                // Plain HTTP asks /-/ready; behind TLS or auth, the log says.
                let ready = if web.is_none() {
                    matches!(http_get(&format!("{}/-/ready", p.url)), Some((200, _)))
                } else {
                    std::fs::read_to_string(dir.join("prometheus.log"))
                        .is_ok_and(|l| l.contains("Server is ready to receive web requests"))
                };
                if ready {
                    p.startup = t.elapsed();
                    return p;
                }
                if let Some(Ok(Some(_))) = p.server.child.as_mut().map(|c| c.try_wait()) {
                    break; // exited: maybe the port was taken meanwhile
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            p.server.stop();
        }
        let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
        panic!("prometheus did not become ready; its log:\n{log}");
    }
}

/// Returns false (after saying so) when the test may be skipped; panics
/// when it may not.
pub fn require_victoria_metrics() -> bool {
    super::require_program("victoria-metrics", "victoria-metrics")
}

/// A running single-node VictoriaMetrics. Dropping it kills it and removes
/// its folder.
pub struct VictoriaMetrics {
    server: Server,
    pub url: String,
    /// How long the start and the import took.
    pub startup: Duration,
    pub import: Duration,
}

impl VictoriaMetrics {
    /// Starts a server on a fresh folder and imports `om`; panics with the
    /// server's log when it does not start or refuses the data.
    pub fn start(om: &OpenMetrics) -> VictoriaMetrics {
        let dir = std::env::temp_dir().join(format!("oomlens-vm-{}", super::unique(12)));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut v = VictoriaMetrics {
            server: Server {
                child: None,
                dir: dir.clone(),
            },
            url: String::new(),
            startup: Duration::ZERO,
            import: Duration::ZERO,
        };
        let log_path = dir.join("victoria-metrics.log");
        let t = Instant::now();
        'attempts: for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(&log_path).unwrap();
            let child = Command::new("victoria-metrics")
                .arg(format!("-storageDataPath={}", dir.join("data").display()))
                .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
                // The tests' data ends now: keep it all, show it at once,
                // and answer from the data rather than a cache.
                .arg("-retentionPeriod=100y")
                .arg("-search.latencyOffset=0s")
                .arg("-search.disableCache")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start victoria-metrics");
            v.server.child = Some(child);
            v.url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if matches!(http_get(&format!("{}/health", v.url)), Some((200, _))) {
                    v.startup = t.elapsed();
                    break 'attempts;
                }
                if let Some(Ok(Some(_))) = v.server.child.as_mut().map(|c| c.try_wait()) {
                    break; // exited: maybe the port was taken meanwhile
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            v.server.stop();
        }
        let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
        assert!(
            v.server.child.is_some(),
            "victoria-metrics did not become ready; its log:\n{}",
            log()
        );
        let t = Instant::now();
        let body = om.text(false);
        let r = http(
            "POST",
            &format!("{}/api/v1/import/prometheus", v.url),
            &body,
        );
        assert!(
            matches!(r, Some((204, _)) | Some((200, _))),
            "victoria-metrics refused the import: {r:?}; its log:\n{}",
            log()
        );
        let r = http_get(&format!("{}/internal/force_flush", v.url));
        assert!(matches!(r, Some((200, _))), "force_flush: {r:?}");
        // The import is searchable once every sample is counted.
        let want = om.samples as f64;
        let query: String = r#"sum(count_over_time({__name__=~".+"}[30d]))"#
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = http_get(&format!("{}/api/v1/query?query={query}", v.url));
            let got = r
                .as_ref()
                .and_then(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
                .and_then(|d| {
                    d["data"]["result"][0]["value"][1]
                        .as_str()?
                        .parse::<f64>()
                        .ok()
                });
            if got == Some(want) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "of the {want} samples imported, {got:?} are searchable: {r:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        v.import = t.elapsed();
        v
    }
}
