//! The node view: everything a Kubernetes node knows about its containers'
//! memory without the API, read now. Every container's memory cgroup (v1
//! and v2, the kubelet's cgroupfs and systemd layouts, [`cgroup`]), named
//! by the kubelet's pod log folders (`/var/log/pods/<namespace>_<pod>_<uid>
//! /<container>/N.log`, where N counts the container's restarts, so N-1 is
//! the previous container's log) and `/var/log/containers` links (which
//! tie a container name to its id); the JVMs in those cgroups through
//! [`attach`] (the commands of [`attach::gather::ALL`]) and their
//! performance counters ([`hsperf`]); the kernel's log.
//!
//! What is read is kept as the files a person would have gathered
//! ([`File`]), in the formats oomlens' parsers read: the cgroup readings as
//! `oomlens sample`'s OpenMetrics (cAdvisor's names, with `namespace`, `pod`
//! and `container` labels), the pods as Pod objects rebuilt from what the
//! node knows, the logs and jcmd outputs as they are, the kernel log as
//! RFC 3339 syslog lines. So `diagnose` judges them unchanged, and
//! `diagnose --save DIR` writes them as a bundle that reads the same.
//!
//! [`identify`] alone (a cgroup path to namespace, pod, container and logs)
//! is cheap: one folder listing of the pod logs and one of the container
//! links; a long-running agent calls it for each cgroup it sees.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use oomlens_evidence::cgroup::ContainerIdentity;
use oomlens_evidence::jvm::hsperf::JvmMemory;
use serde::Serialize;

use crate::attach::{self, gather, Vm};
use crate::cgroup::{self, Label, Reading, Version};
use crate::openmetrics::Writer;
use crate::{hsperf, kmsg};

/// Where the node keeps what is read; tests point these at their own
/// folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub version: Version,
    /// The memory controller's root, or a folder below it holding
    /// Kubernetes-shaped cgroups.
    pub cgroup_root: PathBuf,
    /// The kubelet's pod log folders (`/var/log/pods`).
    pub pod_logs: PathBuf,
    /// The kubelet's links `<pod>_<namespace>_<container>-<id>.log`
    /// (`/var/log/containers`).
    pub container_logs: PathBuf,
}

impl Paths {
    /// This node's: the memory controller's root ([`cgroup::memory_root`]),
    /// `/var/log/pods` and `/var/log/containers`. `None` without a memory
    /// controller.
    pub fn node() -> Option<Paths> {
        let (version, root) = cgroup::memory_root()?;
        Some(Paths::at(version, root, PathBuf::from("/var/log/pods")))
    }

    /// The given roots; the container links are looked for beside the pod
    /// logs (`<pod_logs>/../containers`).
    pub fn at(version: Version, cgroup_root: PathBuf, pod_logs: PathBuf) -> Paths {
        let container_logs = pod_logs
            .parent()
            .map_or_else(|| PathBuf::from("containers"), |p| p.join("containers"));
        Paths {
            version,
            cgroup_root,
            pod_logs,
            container_logs,
        }
    }
}

/// Which hierarchy a folder of memory cgroups is on, by its files.
pub fn version_of(dir: &Path) -> Option<Version> {
    if dir.join("memory.usage_in_bytes").exists() {
        Some(Version::V1)
    } else if dir.join("memory.current").exists() || dir.join("cgroup.controllers").exists() {
        Some(Version::V2)
    } else {
        None
    }
}

/// Who a container cgroup belongs to: what its path says, and what the
/// kubelet's log folders add. Fields are `None` when nothing says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The cgroup's path below the root (`/kubepods/burstable/pod<uid>/<id>`).
    pub cgroup: String,
    /// Runtime, container id, pod UID, QoS class, cgroup driver.
    pub path: ContainerIdentity,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    /// The pod's log folder (`/var/log/pods/<namespace>_<pod>_<uid>`).
    pub pod_log_dir: Option<PathBuf>,
    /// The newest container log (`<container>/N.log`, the highest N).
    pub log: Option<PathBuf>,
    /// The previous container's log (the highest N below that), kept
    /// by the kubelet after a restart.
    pub previous_log: Option<PathBuf>,
    /// N of the newest log: the kubelet's restart count of the container.
    pub restarts: Option<u32>,
}

/// Names the container of cgroup path `cgroup` (as the kernel prints it,
/// below [`Paths::cgroup_root`]) from the pod log folders. Reads two
/// folder listings and the container's log folder; never fails.
pub fn identify(paths: &Paths, cgroup: &str) -> Identity {
    let path = oomlens_evidence::cgroup::identify(cgroup);
    let mut id = Identity {
        cgroup: cgroup.to_string(),
        ..Identity::default()
    };
    if let Some(uid) = &path.pod_uid {
        if let Some((dir, ns, pod)) = pod_folder(&paths.pod_logs, uid) {
            id.container = path
                .container_id
                .as_deref()
                .and_then(|cid| linked_container(&paths.container_logs, &pod, &ns, cid))
                .or_else(|| only_container(&dir));
            if let Some(c) = &id.container {
                let (log, previous, n) = logs(&dir.join(c));
                id.log = log;
                id.previous_log = previous;
                id.restarts = n;
            }
            id.namespace = Some(ns);
            id.pod = Some(pod);
            id.pod_log_dir = Some(dir);
        }
    }
    id.path = path;
    id
}

/// The pod log folder `<namespace>_<pod>_<uid>` of pod `uid`.
fn pod_folder(root: &Path, uid: &str) -> Option<(PathBuf, String, String)> {
    let suffix = format!("_{uid}");
    std::fs::read_dir(root).ok()?.flatten().find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        let rest = name.strip_suffix(&suffix)?;
        // Neither a namespace nor a pod name may hold `_`.
        let (ns, pod) = rest.split_once('_')?;
        Some((e.path(), ns.to_string(), pod.to_string()))
    })
}

/// The container name of `/var/log/containers/<pod>_<ns>_<container>-<id>.log`.
fn linked_container(dir: &Path, pod: &str, ns: &str, id: &str) -> Option<String> {
    let head = format!("{pod}_{ns}_");
    let tail = format!("-{id}.log");
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        let c = name.strip_prefix(&head)?.strip_suffix(&tail)?;
        (!c.is_empty()).then(|| c.to_string())
    })
}

/// The pod's one container folder, when it has exactly one.
fn only_container(pod_dir: &Path) -> Option<String> {
    let mut names = std::fs::read_dir(pod_dir)
        .ok()?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned());
    let first = names.next()?;
    names.next().is_none().then_some(first)
}

/// The newest `N.log` of a container's log folder, the one before it, and N.
fn logs(dir: &Path) -> (Option<PathBuf>, Option<PathBuf>, Option<u32>) {
    let mut ns: Vec<u32> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".log")?
                        .parse::<u32>()
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    ns.sort_unstable();
    let at = |n: u32| dir.join(format!("{n}.log"));
    let newest = ns.last().copied();
    let previous = ns.iter().rev().nth(1).copied();
    (newest.map(at), previous.map(at), newest)
}

/// What to read and how long to wait for it.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Paths,
    /// Attach to the JVMs (runs [`gather::ALL`]; the class histogram forces
    /// a full collection).
    pub attach: bool,
    /// Bounds each attach and each command's output.
    pub attach_timeout: Duration,
    /// The most of each container log read (its end).
    pub log_bytes: u64,
    /// Read the kernel's log.
    pub kernel: bool,
}

impl Options {
    pub fn new(paths: Paths) -> Options {
        Options {
            paths,
            attach: true,
            attach_timeout: Duration::from_secs(10),
            log_bytes: 8 << 20,
            kernel: true,
        }
    }
}

/// One container cgroup, read.
#[derive(Debug, Clone)]
pub struct Container {
    /// Its folder.
    pub dir: PathBuf,
    pub identity: Identity,
    /// `None` when its files could not be read.
    pub reading: Option<Reading>,
    /// `memory.pressure` (cgroup v2 with PSI): `some` and `full` stall
    /// time, microseconds in total.
    pub pressure: Option<Pressure>,
    /// Its processes now (none: ended or killed, the cgroup not yet removed).
    pub pids: Vec<u32>,
    pub jvms: Vec<Jvm>,
}

/// Memory pressure stall totals, as `memory.pressure` says them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pressure {
    pub some_total_us: u64,
    pub full_total_us: u64,
}

/// A JVM in a container.
#[derive(Debug, Clone)]
pub struct Jvm {
    pub pid: u32,
    /// Its performance counters, when it keeps them.
    pub memory: Option<JvmMemory>,
    /// What attaching gave: (file name, `jcmd PID COMMAND` output).
    pub outputs: Vec<(&'static str, Vec<u8>)>,
    /// Commands that gave nothing, and why.
    pub problems: Vec<String>,
}

/// What a [`File`] is (serde names are the bundle manifest's `what`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum What {
    NodeKernelLog,
    /// The cgroup readings (and JVM counters) as OpenMetrics.
    CgroupMetrics,
    /// A Pod object rebuilt from the node's cgroups and pod log folders.
    NodePod,
    Log,
    PreviousLog,
    Jcmd,
    Hsperfdata,
}

/// One piece of evidence as read on the node, in a format oomlens reads.
#[derive(Debug, Clone)]
pub struct File {
    /// Where it goes in a bundle (`/`-separated, safe names).
    pub path: String,
    pub what: What,
    /// Where on the node it came from (a file, `/dev/kmsg`, `jcmd PID CMD`).
    pub from: String,
    pub bytes: Vec<u8>,
    /// Only the end of a longer file was kept.
    pub truncated: bool,
}

/// Everything read.
#[derive(Debug, Clone)]
pub struct View {
    pub at: jiff::Timestamp,
    pub containers: Vec<Container>,
    pub files: Vec<File>,
    /// What could not be read, one line each.
    pub problems: Vec<String>,
}

/// Reads the node now: every container cgroup below the root, named, its
/// JVMs attached to, and the kernel's log; never fails as a whole.
pub fn read(opts: &Options) -> View {
    let at = jiff::Timestamp::now();
    let paths = &opts.paths;
    let mut problems = Vec::new();
    let mut containers = Vec::new();
    for dir in cgroup::containers(&paths.cgroup_root, None) {
        let path = cgroup::kernel_path(&paths.cgroup_root, &dir);
        containers.push(Container {
            identity: identify(paths, &path),
            reading: cgroup::read(paths.version, &dir),
            pressure: pressure(&dir),
            pids: cgroup::pids(&dir),
            dir,
            jvms: Vec::new(),
        });
    }
    jvms(&mut containers, opts);
    let mut files = Vec::new();
    if opts.kernel {
        match kmsg::read() {
            Ok(log) => files.push(File {
                path: "node/kern.log".into(),
                what: What::NodeKernelLog,
                from: log.source.into(),
                bytes: match (log.source, kmsg::boot_time()) {
                    ("/dev/kmsg", Some(boot)) => kmsg::as_syslog(&log.bytes, boot, &hostname()),
                    (_, Some(boot)) => kmsg::dmesg_as_syslog(&log.bytes, boot, &hostname()),
                    _ => log.bytes,
                },
                truncated: false,
            }),
            Err(e) => problems.push(format!("the kernel's log: {e}")),
        }
    }
    if !containers.is_empty() {
        files.push(File {
            path: "node/cgroups.om".into(),
            what: What::CgroupMetrics,
            from: paths.cgroup_root.display().to_string(),
            bytes: metrics(at, &containers),
            truncated: false,
        });
    }
    for (key, members) in pods(&containers) {
        let (ns, pod) = key;
        files.push(File {
            path: format!("{}/{}/pod.node.json", safe(&ns), safe(&pod)),
            what: What::NodePod,
            from: format!(
                "{} and {}",
                paths.cgroup_root.display(),
                paths.pod_logs.display()
            ),
            bytes: pod_object(&ns, &pod, &members),
            truncated: false,
        });
    }
    for c in &containers {
        container_files(c, opts, &mut files, &mut problems);
    }
    View {
        at,
        containers,
        files,
        problems,
    }
}

/// JVMs attached to at once: a JVM that does not answer costs its
/// timeout, not everyone's.
const ATTACH_WORKERS: usize = 4;

/// Finds the JVMs among every container's processes, [`ATTACH_WORKERS`]
/// processes at a time, each bounded by the attach timeout.
fn jvms(containers: &mut [Container], opts: &Options) {
    let work: Vec<(usize, u32)> = containers
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.pids.iter().map(move |&p| (i, p)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..ATTACH_WORKERS.min(work.len()) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(i, pid)) = work.get(k) else { break };
                if let Some(j) = jvm(pid, opts) {
                    if let Ok(mut f) = found.lock() {
                        f.push((i, j));
                    }
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort_by_key(|(i, j)| (*i, j.pid));
    for (i, j) in found {
        containers[i].jvms.push(j);
    }
}

/// The JVM `pid`, attached to when asked; `None` when it is not one.
fn jvm(pid: u32, opts: &Options) -> Option<Jvm> {
    let memory = hsperf::read(pid);
    let mut j = Jvm {
        pid,
        memory,
        outputs: Vec::new(),
        problems: Vec::new(),
    };
    if !opts.attach {
        return j.memory.is_some().then_some(j);
    }
    let a = attach::Options {
        timeout: opts.attach_timeout,
        ..attach::Options::default()
    };
    let vm = match Vm::attach(pid, &a) {
        Ok(vm) => vm,
        // Not a JVM (never signalled), or gone since the listing.
        Err(
            attach::Error::NotAJvm { .. }
            | attach::Error::Exited { .. }
            | attach::Error::NoSuchProcess { .. },
        ) => return j.memory.is_some().then_some(j),
        Err(e) => {
            j.problems.push(format!("attach: {e}"));
            return Some(j);
        }
    };
    for (file, command) in gather::ALL {
        match vm.jcmd_output(command, Some(opts.attach_timeout)) {
            Ok(Some(bytes)) => j.outputs.push((file, bytes)),
            Ok(None) => j.problems.push(format!("{command}: {}", gather::NMT_HINT)),
            Err(e) => j.problems.push(format!("{command}: {e}")),
        }
    }
    Some(j)
}

fn pressure(dir: &Path) -> Option<Pressure> {
    let text = std::fs::read_to_string(dir.join("memory.pressure")).ok()?;
    let total = |kind: &str| {
        text.lines()
            .find(|l| l.starts_with(kind))?
            .split_whitespace()
            .find_map(|w| w.strip_prefix("total="))?
            .parse()
            .ok()
    };
    Some(Pressure {
        some_total_us: total("some")?,
        full_total_us: total("full").unwrap_or(0),
    })
}

/// The labels of a container's samples: the cgroup's ([`cgroup::labels`])
/// and cAdvisor's `namespace`, `pod`, `container` when known.
pub fn labels(id: &Identity) -> Vec<Label> {
    let mut l = cgroup::labels(&id.cgroup);
    for (k, v) in [
        ("namespace", &id.namespace),
        ("pod", &id.pod),
        ("container", &id.container),
    ] {
        if let Some(v) = v {
            l.push((k, v.clone()));
        }
    }
    l
}

/// One reading of every container (a container with no process left: its
/// counters only), each JVM's counters, and memory pressure, as OpenMetrics.
fn metrics(at: jiff::Timestamp, containers: &[Container]) -> Vec<u8> {
    let t = at.as_millisecond() as f64 / 1000.0;
    let mut w = Writer::new();
    for c in containers {
        let labels = labels(&c.identity);
        let Some(r) = &c.reading else { continue };
        let _ = if c.pids.is_empty() {
            cgroup::write_counters(&mut w, t, &labels, r)
        } else {
            cgroup::write(&mut w, t, &labels, r)
        };
        if let Some(p) = c.pressure {
            let l: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            for (name, help, us) in [
                (
                    "container_pressure_memory_waiting_seconds_total",
                    "time some tasks stalled on memory",
                    p.some_total_us,
                ),
                (
                    "container_pressure_memory_stalled_seconds_total",
                    "time all tasks stalled on memory",
                    p.full_total_us,
                ),
            ] {
                let _ = w.sample(
                    name,
                    crate::openmetrics::Kind::Counter,
                    help,
                    &l,
                    us as f64 / 1e6,
                    t,
                );
            }
        }
        for j in &c.jvms {
            if let Some(m) = &j.memory {
                let _ = hsperf::write(&mut w, t, &labels, j.pid, m);
            }
        }
    }
    let mut out = Vec::new();
    let _ = w.finish(&mut out);
    out
}

/// The containers of each named pod, by (namespace, pod).
fn pods(containers: &[Container]) -> BTreeMap<(String, String), Vec<&Container>> {
    let mut out: BTreeMap<(String, String), Vec<&Container>> = BTreeMap::new();
    for c in containers {
        if let (Some(ns), Some(pod)) = (&c.identity.namespace, &c.identity.pod) {
            out.entry((ns.clone(), pod.clone())).or_default().push(c);
        }
    }
    out
}

/// A Pod object of what the node knows of a pod: its name, namespace and
/// UID (the log folder), each container's name, id and runtime (the cgroup
/// and the log links), its memory limit (the cgroup's), its restart count
/// (the kubelet's log number) and whether it runs (processes in its cgroup).
/// Marked as rebuilt by an annotation; nothing else is guessed.
fn pod_object(ns: &str, pod: &str, members: &[&Container]) -> Vec<u8> {
    use serde_json::{json, Map, Value};
    let uid = members.iter().find_map(|c| c.identity.path.pod_uid.clone());
    let mut specs = Vec::new();
    let mut statuses = Vec::new();
    for (i, c) in members.iter().enumerate() {
        let name = c
            .identity
            .container
            .clone()
            .unwrap_or_else(|| format!("container-{i}"));
        let mut spec = Map::new();
        spec.insert("name".into(), json!(name));
        if let Some(l) = c.reading.as_ref().and_then(|r| r.limit_bytes) {
            spec.insert(
                "resources".into(),
                json!({"limits": {"memory": l.to_string()}}),
            );
        }
        specs.push(Value::Object(spec));
        let mut st = Map::new();
        st.insert("name".into(), json!(name));
        if let Some(id) = &c.identity.path.container_id {
            let runtime = c.identity.path.runtime.as_deref().unwrap_or("containerd");
            st.insert("containerID".into(), json!(format!("{runtime}://{id}")));
        }
        if let Some(n) = c.identity.restarts {
            st.insert("restartCount".into(), json!(n));
        }
        if !c.pids.is_empty() {
            st.insert("state".into(), json!({"running": {}}));
        }
        statuses.push(Value::Object(st));
    }
    let object = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod,
            "namespace": ns,
            "uid": uid,
            "annotations": {
                "oomlens.dev/rebuilt-from": "the node's memory cgroups and kubelet pod log folders (no API)"
            }
        },
        "spec": {"containers": specs},
        "status": {"containerStatuses": statuses}
    });
    let mut out = serde_json::to_vec_pretty(&object).unwrap_or_default();
    out.push(b'\n');
    out
}

/// A container's logs and JVM evidence, named as `oomlens collect` names
/// them (`NS/POD/logs/POD.CONTAINER[.previous].log`) so the Case ties each
/// to its container by name.
fn container_files(
    c: &Container,
    opts: &Options,
    files: &mut Vec<File>,
    problems: &mut Vec<String>,
) {
    let id = &c.identity;
    let short = id
        .path
        .container_id
        .as_deref()
        .map_or_else(|| safe(&id.cgroup), |i| i[..12.min(i.len())].to_string());
    let (base, stem) = match (&id.namespace, &id.pod) {
        (Some(ns), Some(pod)) => (
            format!("{}/{}", safe(ns), safe(pod)),
            format!(
                "{}.{}",
                safe(pod),
                safe(id.container.as_deref().unwrap_or(&short))
            ),
        ),
        _ => (format!("node/containers/{short}"), short.clone()),
    };
    for (log, what, suffix) in [
        (&id.log, What::Log, "log"),
        (&id.previous_log, What::PreviousLog, "previous.log"),
    ] {
        let Some(p) = log else { continue };
        match tail(p, opts.log_bytes) {
            Ok((bytes, truncated)) => files.push(File {
                path: format!("{base}/logs/{stem}.{suffix}"),
                what,
                from: p.display().to_string(),
                bytes,
                truncated,
            }),
            Err(e) => problems.push(format!("{}: {e}", p.display())),
        }
    }
    for j in &c.jvms {
        for (file, bytes) in &j.outputs {
            files.push(File {
                path: format!("{base}/jvm/{stem}.{}.{file}", j.pid),
                what: What::Jcmd,
                from: format!("jcmd {} {}", j.pid, command_of(file)),
                bytes: bytes.clone(),
                truncated: false,
            });
        }
        if let Some(src) = hsperf::find(j.pid) {
            match std::fs::read(&src) {
                Ok(bytes) => files.push(File {
                    path: format!("{base}/jvm/{stem}.{}.hsperfdata", j.pid),
                    what: What::Hsperfdata,
                    from: src.display().to_string(),
                    bytes,
                    truncated: false,
                }),
                Err(e) => problems.push(format!("{}: {e}", src.display())),
            }
        }
        problems.extend(
            j.problems
                .iter()
                .map(|p| format!("{stem} (pid {}): {p}", j.pid)),
        );
    }
}

fn command_of(file: &str) -> &'static str {
    gather::ALL
        .iter()
        .find(|(f, _)| *f == file)
        .map_or("", |(_, c)| *c)
}

/// The end of a file, at most `max` bytes, from a line start; whether it
/// was cut.
fn tail(path: &Path, max: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if len <= max {
        let mut out = Vec::with_capacity(len as usize);
        f.read_to_end(&mut out)?;
        return Ok((out, false));
    }
    f.seek(SeekFrom::Start(len - max))?;
    let mut out = Vec::with_capacity(max as usize);
    f.take(max).read_to_end(&mut out)?;
    let start = out.iter().position(|&c| c == b'\n').map_or(0, |i| i + 1);
    out.drain(..start);
    Ok((out, true))
}

/// A name safe as one path part (what `oomlens collect`'s bundles use):
/// letters, digits, `-`, `_`, `.`; anything else `_`; never `.`, `..` or
/// empty.
pub fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "_".into()
    } else {
        s
    }
}

/// This machine's name, for the kernel log's syslog lines.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "943d7e40-3a14-4519-b7a7-a2b6ee3576fb";

    fn kubelet_logs(root: &Path, id: &str) -> Paths {
        let pods = root.join("log/pods");
        let pod = pods.join(format!("shop_orders-7d9f8b6c5-x2x4q_{UID}"));
        std::fs::create_dir_all(pod.join("app")).unwrap();
        std::fs::create_dir_all(pod.join("istio-proxy")).unwrap();
        for n in ["0.log", "1.log", "2.log"] {
            std::fs::write(pod.join("app").join(n), "x\n").unwrap();
        }
        std::fs::write(pod.join("istio-proxy/0.log"), "y\n").unwrap();
        let links = root.join("log/containers");
        std::fs::create_dir_all(&links).unwrap();
        std::fs::write(
            links.join(format!("orders-7d9f8b6c5-x2x4q_shop_app-{id}.log")),
            "",
        )
        .unwrap();
        Paths::at(Version::V1, root.join("cg"), pods)
    }

    #[test]
    fn identity_from_both_cgroup_drivers_and_the_pod_logs() {
        let root = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef".repeat(4);
        let paths = kubelet_logs(root.path(), &id);
        let systemd = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{id}.scope",
            UID.replace('-', "_")
        );
        let cgroupfs = format!("/kubepods/burstable/pod{UID}/{id}");
        for cg in [systemd, cgroupfs] {
            let who = identify(&paths, &cg);
            assert_eq!(who.namespace.as_deref(), Some("shop"), "{cg}");
            assert_eq!(who.pod.as_deref(), Some("orders-7d9f8b6c5-x2x4q"));
            assert_eq!(who.container.as_deref(), Some("app"), "named by its link");
            assert_eq!(who.restarts, Some(2));
            assert!(who.log.as_ref().unwrap().ends_with("app/2.log"));
            assert!(who.previous_log.as_ref().unwrap().ends_with("app/1.log"));
            assert_eq!(who.path.container_id.as_deref(), Some(id.as_str()));
        }
        // Another container of the pod: no link, two container folders,
        // so the container is not guessed; the pod still is.
        let other = format!("/kubepods/burstable/pod{UID}/{}", "f".repeat(64));
        let who = identify(&paths, &other);
        assert_eq!(who.pod.as_deref(), Some("orders-7d9f8b6c5-x2x4q"));
        assert_eq!(who.container, None);
        // A pod with no log folder: what the path says only.
        let who = identify(
            &paths,
            &format!("/kubepods/pod{}/{id}", UID.replace("943d", "1111")),
        );
        assert_eq!(who.pod, None);
        assert!(who.path.pod_uid.is_some());
    }

    #[test]
    fn a_v2_node_is_read_into_evidence_files() {
        let root = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef".repeat(4);
        let mut paths = kubelet_logs(root.path(), &id);
        paths.version = Version::V2;
        let dir = paths.cgroup_root.join(format!(
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{id}.scope",
            UID.replace('-', "_")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        cgroup::fake::v2(&dir, 240 << 20, 0, Some(256 << 20));
        std::fs::write(
            dir.join("memory.pressure"),
            "some avg10=1.00 avg60=0.50 avg300=0.10 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n",
        )
        .unwrap();
        std::fs::write(dir.join("cgroup.procs"), "").unwrap();
        let mut o = Options::new(paths);
        o.attach = false;
        o.kernel = false;
        let v = read(&o);
        assert_eq!(v.containers.len(), 1);
        let c = &v.containers[0];
        assert_eq!(c.reading.as_ref().unwrap().limit_bytes, Some(256 << 20));
        assert_eq!(c.pressure.unwrap().some_total_us, 2_500_000);
        let names: Vec<&str> = v.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "node/cgroups.om",
                "shop/orders-7d9f8b6c5-x2x4q/pod.node.json",
                "shop/orders-7d9f8b6c5-x2x4q/logs/orders-7d9f8b6c5-x2x4q.app.log",
                "shop/orders-7d9f8b6c5-x2x4q/logs/orders-7d9f8b6c5-x2x4q.app.previous.log",
            ]
        );
        let om = String::from_utf8(v.files[0].bytes.clone()).unwrap();
        assert!(om.contains("namespace=\"shop\""), "{om}");
        assert!(om.contains("container=\"app\""), "{om}");
        // No process: the counters only.
        assert!(om.contains("container_oom_events"), "{om}");
        assert!(!om.contains("container_memory_working_set_bytes"), "{om}");
        assert!(om.contains("container_pressure_memory_waiting_seconds_total"));
        let pod: serde_json::Value = serde_json::from_slice(&v.files[1].bytes).unwrap();
        assert_eq!(pod["metadata"]["uid"], UID);
        let st = &pod["status"]["containerStatuses"][0];
        assert_eq!(st["containerID"], format!("containerd://{id}"));
        assert_eq!(st["restartCount"], 2);
        assert_eq!(
            pod["spec"]["containers"][0]["resources"]["limits"]["memory"],
            (256u64 << 20).to_string()
        );
    }

    #[test]
    fn a_long_log_keeps_its_end_from_a_line_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("0.log");
        std::fs::write(&p, "first line\nsecond\nthird\n").unwrap();
        let (b, cut) = tail(&p, 10).unwrap();
        assert!(cut);
        assert_eq!(b, b"third\n");
        let (b, cut) = tail(&p, 100).unwrap();
        assert!(!cut);
        assert_eq!(b.len(), 24);
    }
}
