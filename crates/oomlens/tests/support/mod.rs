//! Test support: real memory cgroups shaped like Kubernetes ones, and
//! processes killed in them by the kernel.
//!
//! Everything a test creates is removed when its guard drops, also when the
//! test fails. Tests that need root and a writable memory controller call
//! [`require_cgroups`], which fails loudly when the machine cannot run them
//! (set `OOMLENS_ALLOW_SKIP=1` to turn that failure into a printed skip).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The cgroup hierarchy the memory controller is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchy {
    V1,
    V2,
}

pub fn hierarchy() -> Option<(Hierarchy, PathBuf)> {
    let v1 = Path::new("/sys/fs/cgroup/memory");
    if v1.join("memory.limit_in_bytes").exists() {
        return Some((Hierarchy::V1, v1.to_path_buf()));
    }
    let v2 = Path::new("/sys/fs/cgroup");
    let controllers = std::fs::read_to_string(v2.join("cgroup.controllers")).ok()?;
    controllers
        .split_whitespace()
        .any(|c| c == "memory")
        .then(|| (Hierarchy::V2, v2.to_path_buf()))
}

/// Returns false (after saying so) when the test may be skipped; panics
/// when it may not.
pub fn require_cgroups() -> bool {
    let root = unsafe { libc_geteuid() } == 0;
    let h = hierarchy();
    if root && h.is_some() {
        return true;
    }
    skip_or_fail(&format!(
        "this test needs root and a writable cgroup memory controller (root: {root}, memory controller: {})",
        h.map_or("none".to_string(), |(h, p)| format!("{h:?} at {}", p.display()))
    ))
}

/// A prerequisite is missing: with `OOMLENS_ALLOW_SKIP` set, says so loudly
/// and returns false (the test returns); otherwise panics.
pub fn skip_or_fail(why: &str) -> bool {
    if std::env::var_os("OOMLENS_ALLOW_SKIP").is_some() {
        eprintln!("\n!!! SKIPPED: {why}\n");
        false
    } else {
        panic!("{why}; set OOMLENS_ALLOW_SKIP=1 to skip it on purpose");
    }
}

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}

/// Whether `prog` is on PATH; else [`skip_or_fail`] (`scripts/test.sh`
/// installs every program the tests need).
pub fn require_program(prog: &str, package: &str) -> bool {
    on_path(prog)
        || skip_or_fail(&format!(
            "this test needs {prog} (Debian: apt-get install {package}; scripts/test.sh does it)"
        ))
}

/// A fresh folder under the temporary directory, removed when dropped,
/// unless the test is failing: then it is kept, and its path printed, for
/// the failure's evidence.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("{prefix}-{}", unique(10)));
        std::fs::create_dir_all(&d).expect("make a temporary folder");
        TempDir(d)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for the failure: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A child process killed (and reaped) when dropped.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `oomlens ARGS` whose standard output is JSON, exiting with one of
/// `codes`; says what it printed on stderr when not.
pub fn oomlens_json(args: &[&str], codes: &[i32]) -> serde_json::Value {
    let out = Command::new(oomlens())
        .args(args)
        .output()
        .expect("run oomlens");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "oomlens {args:?} exited {:?}: {stderr}",
        out.status
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("oomlens {args:?}: not JSON ({e}); stderr: {stderr}"))
}

/// `oomlens diagnose PATH --format FORMAT --color never` (PATH relative
/// to the repository), its exit status one of `codes`; the output with the
/// checkout's own path taken out, so golden files hold relative paths.
pub fn diagnose(path: &str, format: &str, codes: &[i32]) -> String {
    let root = format!("{}/../../", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(oomlens())
        .args(["diagnose", &format!("{root}{path}"), "--format", format])
        .args(["--color", "never"])
        .output()
        .expect("run oomlens");
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "oomlens diagnose {path} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .replace(&root, "")
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// A fresh id for names: unique per process and call.
pub fn unique(n: usize) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let seed = u64::from(std::process::id()) << 20
        ^ NEXT.fetch_add(1, Ordering::Relaxed)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    let mut x = seed | 1;
    let mut s = String::new();
    while s.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(&format!("{x:016x}"));
    }
    s.truncate(n);
    s
}

/// A pod UID (dashed) and a 64-hex container id.
pub fn pod_and_container() -> (String, String) {
    let u = unique(32);
    let uid = format!(
        "{}-{}-{}-{}-{}",
        &u[0..8],
        &u[8..12],
        &u[12..16],
        &u[16..20],
        &u[20..32]
    );
    (uid, unique(64))
}

/// A Kubernetes-shaped cgroup (systemd driver, Burstable QoS, containerd):
/// `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`.
/// Dropping it kills what runs inside and removes the folders it created.
pub struct PodCgroup {
    pub hierarchy: Hierarchy,
    pub root: PathBuf,
    /// Folders created, outermost first.
    created: Vec<PathBuf>,
    pub pod_uid: String,
    pub container_id: String,
    /// The container's cgroup path as the kernel prints it (`/kubepods.slice/...`).
    pub container_path: String,
    pub pod_path: String,
}

impl PodCgroup {
    pub fn new(limit_bytes: u64) -> PodCgroup {
        let (hierarchy, root) = hierarchy().expect("a memory cgroup hierarchy");
        let (pod_uid, container_id) = pod_and_container();
        let pod_slice = format!("kubepods-burstable-pod{}.slice", pod_uid.replace('-', "_"));
        let parts = [
            "kubepods.slice".to_string(),
            "kubepods-burstable.slice".to_string(),
            pod_slice,
            format!("cri-containerd-{container_id}.scope"),
        ];
        let mut g = PodCgroup {
            hierarchy,
            root: root.clone(),
            created: Vec::new(),
            pod_uid,
            container_id,
            container_path: format!("/{}", parts.join("/")),
            pod_path: format!("/{}", parts[..3].join("/")),
        };
        // Another test's guard may remove an empty shared parent between
        // our mkdir of it and of its child (the last one out removes them):
        // then the whole path is made again.
        let mut dir = root.clone();
        let mut tries = 0;
        let mut i = 0;
        while i < parts.len() {
            let p = &parts[i];
            i += 1;
            dir = dir.join(p);
            if !dir.exists() {
                if hierarchy == Hierarchy::V2 {
                    // Children of a v2 cgroup get the memory controller only
                    // when their parent delegates it.
                    let _ = std::fs::write(
                        dir.parent()
                            .expect("has parent")
                            .join("cgroup.subtree_control"),
                        "+memory",
                    );
                }
                match std::fs::create_dir(&dir) {
                    Ok(()) => {
                        if !g.created.contains(&dir) {
                            g.created.push(dir.clone())
                        }
                    }
                    // Another test made it at the same moment: shared.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 20 => {
                        tries += 1;
                        dir = root.clone();
                        i = 0;
                    }
                    Err(e) => panic!("mkdir {}: {e}", dir.display()),
                }
            }
        }
        let file = match hierarchy {
            Hierarchy::V1 => "memory.limit_in_bytes",
            Hierarchy::V2 => "memory.max",
        };
        std::fs::write(dir.join(file), limit_bytes.to_string())
            .unwrap_or_else(|e| panic!("set {file}: {e}"));
        if hierarchy == Hierarchy::V2 {
            let _ = std::fs::write(dir.join("memory.swap.max"), "0");
        }
        g
    }

    pub fn dir(&self) -> PathBuf {
        self.root.join(self.container_path.trim_start_matches('/'))
    }

    /// Starts `sh -c script` inside the container cgroup; the process is
    /// killed when the guard drops.
    pub fn spawn(&self, script: &str) -> KillOnDrop {
        let procs = self.dir().join("cgroup.procs");
        let full = format!("echo $$ > {} && exec {script}", procs.display());
        KillOnDrop(
            Command::new("sh")
                .arg("-c")
                .arg(full)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sh"),
        )
    }

    /// Runs `sh -c script` inside the container cgroup and waits (at most
    /// `timeout`). Returns the exit status and the pid of the process.
    pub fn run(&self, script: &str, timeout: Duration) -> (ExitStatus, u32) {
        let mut guard = self.spawn(script);
        let child = &mut guard.0;
        let pid = child.id();
        let start = Instant::now();
        loop {
            if let Some(st) = child.try_wait().expect("wait") {
                return (st, pid);
            }
            if start.elapsed() > timeout {
                panic!("process did not finish within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PodCgroup {
    fn drop(&mut self) {
        // The pod and container folders are this guard's alone; the QoS
        // parents (`kubepods.slice/kubepods-burstable.slice`) are shared by
        // the tests running at the same time, and the last one out removes
        // them (a folder with children cannot be removed).
        let shared = [
            self.root.join("kubepods.slice/kubepods-burstable.slice"),
            self.root.join("kubepods.slice"),
        ];
        for dir in self.created.iter().rev().filter(|d| !shared.contains(d)) {
            for _ in 0..50 {
                if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                    for pid in procs.split_whitespace() {
                        let _ = Command::new("kill").args(["-9", pid]).status();
                    }
                }
                if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        for dir in &shared {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// A shell command that allocates memory until it is killed (Perl is part
/// of every Debian base system).
pub const HOG: &str = "perl -e 'my @a; while (1) { push @a, \"x\" x (1 << 20) }'";

/// The path of the built `oomlens` binary.
pub fn oomlens() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_oomlens"))
}

pub mod heap_shapes;
pub mod prometheus;

/// Every finding and cause of a Diagnosis (JSON) cites something; `what`
/// names it in the failure.
pub fn all_cited(d: &serde_json::Value, what: &str) {
    for c in d["containers"].as_array().into_iter().flatten() {
        for f in c["findings"].as_array().into_iter().flatten() {
            assert!(
                f["evidence"].as_array().is_some_and(|e| !e.is_empty()),
                "{what}: finding {} cites nothing",
                f["id"]
            );
        }
    }
    for c in d["causes"].as_array().into_iter().flatten() {
        assert!(
            c["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "{what}: cause {} cites nothing",
            c["id"]
        );
    }
}
