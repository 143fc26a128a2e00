//! Running `oomlens` as a child with a deadline, its peak memory and CPU
//! time taken from `wait4(2)` (the child's own `ru_maxrss`, not every
//! child's as `getrusage(RUSAGE_CHILDREN)` would give in a parallel run).
//!
//! One catch: `Command::spawn` starts the child with `posix_spawn`, whose
//! child shares the parent's memory until it execs, and Linux records the
//! old memory's high-water mark in the child's `ru_maxrss` at exec. When
//! the test process itself is large (other tests' inputs in memory), that
//! is the parent's peak, not the child's. So the child's own `VmHWM` (of
//! its memory after exec) is polled while it runs, and used whenever
//! `ru_maxrss` is not above the parent's own peak.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run gave.
pub struct Run {
    /// The exit status; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident memory, KiB.
    pub max_rss_kib: u64,
    /// User + system CPU seconds.
    pub cpu_s: f64,
    pub wall: Duration,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout[..self.stdout.len().min(2000)]),
                self.stderr
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// What writes a child's stdin (closed when it returns).
pub type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// `oomlens ARGS` with no input on stdin, within 120 s.
pub fn oomlens(args: &[&str]) -> Run {
    let mut cmd = Command::new(crate::support::oomlens());
    cmd.args(args);
    run(cmd, None, Duration::from_secs(120))
}

/// Runs `cmd`; `feed` writes its stdin (then closed). Killed and failed
/// after `limit`.
pub fn run(mut cmd: Command, feed: Option<Feed>, limit: Duration) -> Run {
    let start = Instant::now();
    cmd.stdin(if feed.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // Reaped below by wait4 (which also gives its rusage), not by wait().
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let feeder = feed.map(|f| {
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::spawn(move || f(&mut stdin))
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut polled_kib = 0u64;
    loop {
        // SAFETY: pid is our own unreaped child; status and usage are valid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        polled_kib = polled_kib.max(hwm_kib(&format!("/proc/{pid}/status")).unwrap_or(0));
        if start.elapsed() > limit {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            // SAFETY: as above.
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!("{cmd:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let stdout = out_t.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let waited_kib = usage.ru_maxrss as u64;
    let parent_kib = hwm_kib("/proc/self/status").unwrap_or(u64::MAX);
    let max_rss_kib = if waited_kib > parent_kib || polled_kib == 0 {
        waited_kib
    } else {
        polled_kib
    };
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout,
        stderr,
        max_rss_kib,
        cpu_s: secs(usage.ru_utime) + secs(usage.ru_stime),
        wall: start.elapsed(),
    }
}

/// `VmHWM` of a `/proc/PID/status` file, KiB.
fn hwm_kib(path: &str) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes `total` bytes of `chunk` repeated (a broken pipe ends it: the
/// child may stop reading early).
pub fn repeat(chunk: Vec<u8>, total: u64) -> Feed {
    Box::new(move |w: &mut dyn Write| {
        let mut sent = 0u64;
        while sent < total {
            if w.write_all(&chunk).is_err() {
                return;
            }
            sent += chunk.len() as u64;
        }
    })
}
