//! The node's memory cgroups, sampled: cgroup v1
//! (`memory.usage_in_bytes`, `memory.stat`, `memory.failcnt`,
//! `memory.limit_in_bytes`, `memory.oom_control`) and v2 (`memory.current`,
//! `memory.stat`, `memory.events`, `memory.max`), read into the values
//! cAdvisor would export, so the samples can be written as OpenMetrics and
//! read back like any Prometheus data.

use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::openmetrics::{Kind, Writer};

/// Which hierarchy a cgroup is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// The memory controller's root on this machine.
pub fn memory_root() -> Option<(Version, PathBuf)> {
    let v1 = Path::new("/sys/fs/cgroup/memory");
    if v1.join("memory.usage_in_bytes").exists() {
        return Some((Version::V1, v1.to_path_buf()));
    }
    let v2 = Path::new("/sys/fs/cgroup");
    std::fs::read_to_string(v2.join("cgroup.controllers"))
        .ok()
        .filter(|c| c.split_whitespace().any(|x| x == "memory"))
        .map(|_| (Version::V2, v2.to_path_buf()))
}

/// One reading of one cgroup, in cAdvisor's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub usage_bytes: u64,
    /// Usage minus inactive file pages (what the kubelet evicts on).
    pub working_set_bytes: u64,
    pub rss_bytes: u64,
    pub cache_bytes: u64,
    pub failcnt: u64,
    /// `None` when unlimited.
    pub limit_bytes: Option<u64>,
    pub oom_events: u64,
}

/// The files one reading is made of, by slot: usage, `memory.stat`, the
/// limit, v1's failcnt (v2 has none: `max` events count instead), the file
/// with `oom_kill` (v1 `memory.oom_control`, v2 `memory.events`).
fn files(version: Version) -> [Option<&'static str>; 5] {
    match version {
        Version::V1 => [
            Some("memory.usage_in_bytes"),
            Some("memory.stat"),
            Some("memory.limit_in_bytes"),
            Some("memory.failcnt"),
            Some("memory.oom_control"),
        ],
        Version::V2 => [
            Some("memory.current"),
            Some("memory.stat"),
            Some("memory.max"),
            None,
            Some("memory.events"),
        ],
    }
}

/// The value of `key` in a flat-keyed cgroup file (`key value` lines).
fn field(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

/// The number a single-value cgroup file holds (`max` is not one).
fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// What a reading takes from the files that cost the most to read or
/// change the least: `memory.stat` and the limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Slow {
    inactive_file: u64,
    rss: u64,
    cache: u64,
    limit: Option<u64>,
}

/// [`Slow`] from the texts of `memory.stat` and the limit file, `memory.stat`
/// scanned once (v1's hierarchical `total_` figures preferred).
fn slow(version: Version, stat: Option<&str>, limit: Option<&str>) -> Slow {
    let (mut own, mut total) = ([None; 3], [None; 3]);
    let keys: [&str; 3] = match version {
        Version::V1 => ["inactive_file", "rss", "cache"],
        Version::V2 => ["inactive_file", "anon", "file"],
    };
    for l in stat.unwrap_or("").lines() {
        let Some((k, v)) = l.split_once(' ') else {
            continue;
        };
        let (k, slots) = match k.strip_prefix("total_") {
            Some(k) if version == Version::V1 => (k, &mut total),
            _ => (k, &mut own),
        };
        if let Some(i) = keys.iter().position(|&x| x == k) {
            slots[i] = v.trim().parse().ok();
        }
    }
    let get = |i: usize| total[i].or(own[i]).unwrap_or(0);
    let limit = limit.and_then(number);
    Slow {
        inactive_file: get(0),
        rss: get(1),
        cache: get(2),
        limit: match version {
            // v1 says "unlimited" with a page-rounded huge number.
            Version::V1 => limit.filter(|&l| l < 1 << 62),
            Version::V2 => limit,
        },
    }
}

/// failcnt and the OOM-kill counter from v1's `memory.failcnt` and
/// `memory.oom_control`, or v2's `memory.events` (no failcnt there: `max`
/// counts the times usage hit the limit).
fn counts(version: Version, failcnt: Option<&str>, events: Option<&str>) -> (u64, u64) {
    let events = events.unwrap_or("");
    let failcnt = match version {
        Version::V1 => failcnt.and_then(number),
        Version::V2 => field(events, "max"),
    };
    (failcnt.unwrap_or(0), field(events, "oom_kill").unwrap_or(0))
}

/// A reading of `usage` with the counters and the slow figures.
fn combine(usage: u64, (failcnt, oom_events): (u64, u64), s: &Slow) -> Reading {
    Reading {
        usage_bytes: usage,
        working_set_bytes: usage.saturating_sub(s.inactive_file),
        rss_bytes: s.rss,
        cache_bytes: s.cache,
        failcnt,
        limit_bytes: s.limit,
        oom_events,
    }
}

/// A reading from the texts of [`files`] (by slot; `None` where a file
/// could not be read). `None` without a usage.
fn reading(version: Version, texts: &[Option<&str>; 5]) -> Option<Reading> {
    let usage = number(texts[0]?)?;
    let s = slow(version, texts[1], texts[2]);
    Some(combine(usage, counts(version, texts[3], texts[4]), &s))
}

/// The cgroup's OOM-kill counter alone (`oom_kill` of `memory.oom_control`
/// on v1, of `memory.events` on v2): one small file, cheap enough to read
/// for every cgroup whenever a kill needs placing. `None` when the file or
/// the field is not there.
pub fn oom_kills(version: Version, dir: &Path) -> Option<u64> {
    let file = files(version)[4]?;
    field(&std::fs::read_to_string(dir.join(file)).ok()?, "oom_kill")
}

/// Reads one cgroup (a folder under the memory root), opening each file.
pub fn read(version: Version, dir: &Path) -> Option<Reading> {
    let texts = files(version).map(|f| std::fs::read_to_string(dir.join(f?)).ok());
    reading(version, &texts.each_ref().map(|t| t.as_deref()))
}

/// One container cgroup's files held open between sampling rounds: each
/// round reads them again from their first byte (`pread` at 0, which
/// cgroupfs answers afresh), so a round costs no path walk and no open per
/// file. A file that could not be opened (a descriptor limit) or no longer
/// reads (a folder made again under the same name) is opened again the
/// next round. `cgroup.procs` is the exception: a held one keeps listing
/// a process gone since it was first read, so it is opened afresh,
/// relative to the folder held open (no path walk), and only when the
/// list may have changed: each process listed is held as a pidfd, and
/// while every one of them is alive (one `poll` of them says so) the list
/// is kept, listed afresh at least every [`Held::LIST_EVERY`] rounds all
/// the same (a process that joined meanwhile). A cgroup whose processes
/// cannot all be held (none listed, or a pid already gone) is listed every
/// round.
#[derive(Debug)]
pub struct Held {
    version: Version,
    dir: PathBuf,
    files: [Option<File>; 5],
    /// The folder itself (`O_PATH`), what `cgroup.procs` is opened from.
    folder: Option<File>,
    bufs: [Vec<u8>; 6],
    /// The processes as last listed, and a pidfd for each (empty when
    /// not every one could be held).
    pids: Vec<u32>,
    pidfds: Vec<std::os::fd::OwnedFd>,
    /// Rounds since the processes were last listed.
    kept: u32,
    /// What `memory.stat` and the limit said when last read, the counters
    /// then, and the rounds since ([`Held::sample`]).
    slow: Option<(Slow, (u64, u64))>,
    slow_age: u32,
}

/// How often [`Held::sample`] reads the files that cost the most
/// (`memory.stat`, which the kernel formats afresh each time) or change the
/// least (the limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadence {
    /// Rounds between two reads (1: every round).
    pub every: u32,
    /// Usage / limit from which every round reads them.
    pub near: f64,
}

impl Cadence {
    /// Every file every round.
    pub const EVERY_ROUND: Cadence = Cadence {
        every: 1,
        near: 0.0,
    };
}

impl Held {
    /// Opens the reading's files and `cgroup.procs` of the cgroup `dir`.
    pub fn open(version: Version, dir: &Path) -> Held {
        let open = |f: Option<&str>| File::open(dir.join(f?)).ok();
        Held {
            version,
            dir: dir.to_path_buf(),
            files: files(version).map(open),
            folder: std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
                .open(dir)
                .ok(),
            bufs: Default::default(),
            pids: Vec::new(),
            pidfds: Vec::new(),
            kept: 0,
            slow: None,
            slow_age: 0,
        }
    }

    /// The most rounds a list of processes whose every process is still
    /// alive is kept before it is listed again.
    pub const LIST_EVERY: u32 = 10;

    /// A reading, as [`read`] takes it: every file.
    pub fn read(&mut self) -> Option<Reading> {
        self.sample(Cadence::EVERY_ROUND)
    }

    /// A reading for a sampling round: usage, failcnt and the OOM-kill
    /// counter read every time; `memory.stat` and the limit as `cadence`
    /// says, and also whenever usage is at or above `cadence.near` of the
    /// limit or a counter moved since they were last read. Between two
    /// reads of `memory.stat` its figures are those last read, the working
    /// set being the usage now minus the inactive file pages then (never
    /// above the usage: a share of the limit below `near` stays below it).
    /// A cgroup without a limit has no share: `cadence.every` alone.
    pub fn sample(&mut self, cadence: Cadence) -> Option<Reading> {
        let names = files(self.version);
        let mut len = [None; 5];
        for i in [0, 3, 4] {
            let Some(name) = names[i] else { continue };
            len[i] = reread(&mut self.files[i], &self.dir, name, &mut self.bufs[i]);
        }
        let usage = number(text(&self.bufs[0], len[0])?)?;
        let counts = counts(
            self.version,
            text(&self.bufs[3], len[3]),
            text(&self.bufs[4], len[4]),
        );
        let fresh = match &self.slow {
            Some((s, then)) => {
                self.slow_age + 1 < cadence.every
                    && *then == counts
                    && s.limit
                        .is_none_or(|l| (usage as f64) < cadence.near * l as f64)
            }
            None => false,
        };
        if fresh {
            self.slow_age += 1;
        } else {
            for i in [1, 2] {
                let Some(name) = names[i] else { continue };
                len[i] = reread(&mut self.files[i], &self.dir, name, &mut self.bufs[i]);
            }
            let s = slow(
                self.version,
                text(&self.bufs[1], len[1]),
                text(&self.bufs[2], len[2]),
            );
            self.slow = Some((s, counts));
            self.slow_age = 0;
        }
        let (s, _) = self.slow.as_ref()?;
        Some(combine(usage, counts, s))
    }

    /// The processes of the cgroup: its own `cgroup.procs`, and only when
    /// that is empty the cgroups below it too (a container's processes
    /// live in its own cgroup; looking deeper every round would list every
    /// container's folder each time). The list of the round before when
    /// each of its processes is held and alive (see [`Held`]).
    pub fn pids(&mut self) -> Vec<u32> {
        if !self.pidfds.is_empty() && self.kept < Self::LIST_EVERY && all_alive(&self.pidfds) {
            self.kept += 1;
            return self.pids.clone();
        }
        let mut procs = self
            .folder
            .as_ref()
            .and_then(|d| open_at(d, c"cgroup.procs"));
        let own = reread(&mut procs, &self.dir, "cgroup.procs", &mut self.bufs[5]);
        let pids: Vec<u32> = match own.map(|n| &self.bufs[5][..n]) {
            Some(b) if !b.is_empty() => std::str::from_utf8(b)
                .unwrap_or("")
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect(),
            _ => pids(&self.dir),
        };
        if pids != self.pids || self.pidfds.len() != pids.len() {
            self.pidfds = pids.iter().map_while(|&p| pidfd_open(p)).collect();
            if self.pidfds.len() != pids.len() {
                self.pidfds.clear();
            }
            self.pids.clone_from(&pids);
        }
        self.kept = 0;
        pids
    }
}

/// A pidfd of process `pid` (`pidfd_open`, Linux 5.3): it names that
/// process and no other that takes its pid later. `None` when the process
/// is gone or the kernel has no pidfds.
fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new
    // descriptor (or -1), which the OwnedFd then owns alone.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Whether every process of `fds` (pidfds) is still running: a pidfd
/// polls readable once its process has exited. One `poll` per 16, no
/// wait.
fn all_alive(fds: &[std::os::fd::OwnedFd]) -> bool {
    use std::os::fd::AsRawFd;
    fds.chunks(16).all(|chunk| {
        let mut polled = [libc::pollfd {
            fd: -1,
            events: libc::POLLIN,
            revents: 0,
        }; 16];
        for (p, f) in polled.iter_mut().zip(chunk) {
            p.fd = f.as_raw_fd();
        }
        // SAFETY: `polled` holds at least `chunk.len()` pollfds and lives
        // across the call.
        let ready = unsafe { libc::poll(polled.as_mut_ptr(), chunk.len() as libc::nfds_t, 0) };
        ready == 0
    })
}

/// The first `len` bytes of `buf` as text, when read and UTF-8.
fn text(buf: &[u8], len: Option<usize>) -> Option<&str> {
    std::str::from_utf8(buf.get(..len?)?).ok()
}

/// Opens `name` in the folder `dir` for reading (`openat`).
fn open_at(dir: &File, name: &std::ffi::CStr) -> Option<File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: openat reads a NUL-terminated name and returns a new
    // descriptor (or -1), which the File then owns alone.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    (fd >= 0).then(|| unsafe { File::from_raw_fd(fd) })
}

/// Raises this process's soft limit on open files to its hard limit, so
/// the [`Held`] files of every container fit (six per container: the
/// usual soft limit of 1024 holds about 170 containers); the soft limit
/// now, `None` when it could not be read.
pub fn raise_open_files() -> Option<u64> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
            return None;
        }
        if l.rlim_cur < l.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: l.rlim_max,
                rlim_max: l.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                l = raised;
            }
        }
    }
    Some(l.rlim_cur)
}

/// Reads the file held in `slot` (or `dir/name`, opened into the slot when
/// nothing is held or what is held fails: a folder made again under the
/// same name) into the start of `buf`: how many bytes, `None` when it
/// could not be read.
fn reread(slot: &mut Option<File>, dir: &Path, name: &str, buf: &mut Vec<u8>) -> Option<usize> {
    if let Some(f) = slot {
        if let Ok(n) = pread_all(f, buf) {
            return Some(n);
        }
    }
    *slot = File::open(dir.join(name)).ok();
    pread_all(slot.as_ref()?, buf).ok()
}

/// Reads the whole of `f` from its first byte into the start of `buf`, by
/// offset (the file's own position untouched): how many bytes. A read
/// shorter than asked is the end (cgroupfs fills what it is asked for), so
/// a small file costs one system call; `buf` only ever grows, so its bytes
/// are zeroed once.
fn pread_all(f: &File, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut at = 0;
    if buf.len() < 4096 {
        buf.resize(4096, 0);
    }
    loop {
        if at == buf.len() {
            buf.resize(2 * at, 0);
        }
        match f.read_at(&mut buf[at..], at as u64) {
            Ok(n) => {
                let short = at + n < buf.len();
                at += n;
                if n == 0 || short {
                    return Ok(at);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Container cgroups under the memory root: folders whose name holds a
/// 64-hex container id (or every folder below `under`, when given).
pub fn containers(root: &Path, under: Option<&Path>) -> Vec<PathBuf> {
    walk(root, under, &mut |_| {})
}

/// Whether a cgroup folder's name holds a 64-hex container id
/// (`cri-containerd-<id>.scope`, `docker-<id>.scope`, `crio-<id>`, `<id>`).
fn is_container(name: &str) -> bool {
    name.trim_end_matches(".scope")
        .rsplit(['-', ':'])
        .next()
        .is_some_and(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// [`containers`], telling `seen` every folder about to be listed on the
/// way (the folders a container may appear in).
fn walk(root: &Path, under: Option<&Path>, seen: &mut dyn FnMut(&Path)) -> Vec<PathBuf> {
    let start = under.map_or_else(|| root.to_path_buf(), Path::to_path_buf);
    let mut out = Vec::new();
    let mut stack = vec![start.clone()];
    while let Some(d) = stack.pop() {
        // Told before it is listed: a folder made meanwhile is not missed.
        seen(&d);
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            // The entry's type from the directory itself (cgroupfs gives
            // it): no stat per control file.
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let p = e.path();
            // A container's own cgroups (rare) are its business: the walk
            // stops at it, one folder listing fewer per container.
            if is_container(&e.file_name().to_string_lossy()) {
                out.push(p);
            } else {
                stack.push(p);
            }
        }
    }
    if under.is_some() && out.is_empty() {
        out.push(start);
    }
    out.sort();
    out
}

/// The container cgroups of a tree followed over time: listed again only
/// when a folder was made or removed in it (inotify on every folder the
/// walk went through, as cAdvisor watches cgroupfs), and at least every
/// [`Tree::REWALK`] in case a change went unheard. Without inotify it
/// lists the tree every time.
pub struct Tree {
    root: PathBuf,
    under: Option<PathBuf>,
    inotify: Option<inotify::Inotify>,
    containers: std::sync::Arc<[PathBuf]>,
    /// When the listing was taken; `None` until it is, or when a folder
    /// could not be watched.
    walked: Option<std::time::Instant>,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("root", &self.root)
            .field("under", &self.under)
            .field("inotify", &self.inotify.is_some())
            .field("containers", &self.containers.len())
            .finish()
    }
}

impl Tree {
    /// The longest a listing is trusted without a full walk.
    pub const REWALK: std::time::Duration = std::time::Duration::from_secs(300);

    pub fn new(root: &Path, under: Option<&Path>) -> Tree {
        Tree {
            root: root.to_path_buf(),
            under: under.map(Path::to_path_buf),
            inotify: inotify::Inotify::init().ok(),
            containers: std::sync::Arc::new([]),
            walked: None,
        }
    }

    /// The container cgroups now (see [`containers`]): shared, not copied,
    /// between listings.
    pub fn containers(&mut self) -> std::sync::Arc<[PathBuf]> {
        if self.changed() {
            let mut unwatched = false;
            let mut watch = |d: &Path| {
                if let Some(i) = &self.inotify {
                    let mask = inotify::WatchMask::CREATE
                        | inotify::WatchMask::DELETE
                        | inotify::WatchMask::ONLYDIR;
                    // A folder not watched (the watch limit reached) would
                    // hide its new containers: then walk every round.
                    if i.watches().add(d, mask).is_err() {
                        unwatched = true;
                    }
                }
            };
            self.containers = walk(&self.root, self.under.as_deref(), &mut watch).into();
            self.walked = (!unwatched).then(std::time::Instant::now);
        }
        std::sync::Arc::clone(&self.containers)
    }

    /// Whether the listing must be taken again: never taken, too old, no
    /// inotify, or an event (or a lost one) since.
    fn changed(&mut self) -> bool {
        let fresh = self.walked.is_some_and(|t| t.elapsed() < Self::REWALK);
        let Some(i) = self.inotify.as_mut().filter(|_| fresh) else {
            return true;
        };
        let mut buf = [0u8; 4096];
        let mut any = false;
        // Drained whole: a burst of mkdirs is one walk.
        loop {
            match i.read_events(&mut buf) {
                Ok(mut events) => {
                    if events.next().is_none() {
                        return any;
                    }
                    any = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return any,
                Err(_) => return true,
            }
        }
    }
}

/// The cgroup path as the kernel prints it (`/kubepods.slice/...`).
pub fn kernel_path(root: &Path, dir: &Path) -> String {
    format!("/{}", dir.strip_prefix(root).unwrap_or(dir).display())
}

/// One label of a sample: (name, value).
pub type Label = (&'static str, String);

/// The labels of a cgroup's samples: the cgroup path as `id` (cAdvisor's
/// label) and, when the path names them, `pod_uid` and `container_id`.
pub fn labels(id: &str) -> Vec<Label> {
    let mut out = vec![("id", id.to_string())];
    let who = oomlens_evidence::cgroup::identify(id);
    if let Some(u) = who.pod_uid {
        out.push(("pod_uid", u));
    }
    if let Some(c) = who.container_id {
        out.push(("container_id", c));
    }
    out
}

/// A metric written: (name, kind, help, its value in a reading).
type Metric = (
    &'static str,
    Kind,
    &'static str,
    fn(&Reading) -> Option<u64>,
);

/// cAdvisor's metrics, and where each comes from in a reading.
const METRICS: [Metric; 7] = [
    (
        "container_memory_usage_bytes",
        Kind::Gauge,
        "memory usage",
        |r| Some(r.usage_bytes),
    ),
    (
        "container_memory_working_set_bytes",
        Kind::Gauge,
        "usage minus inactive file",
        |r| Some(r.working_set_bytes),
    ),
    (
        "container_memory_rss",
        Kind::Gauge,
        "anonymous memory",
        |r| Some(r.rss_bytes),
    ),
    ("container_memory_cache", Kind::Gauge, "page cache", |r| {
        Some(r.cache_bytes)
    }),
    (
        "container_memory_failcnt",
        Kind::Counter,
        "times usage hit the limit",
        |r| Some(r.failcnt),
    ),
    (
        "container_spec_memory_limit_bytes",
        Kind::Gauge,
        "memory limit",
        |r| r.limit_bytes,
    ),
    ("container_oom_events", Kind::Counter, "OOM kills", |r| {
        Some(r.oom_events)
    }),
];

/// Writes one reading at `t` (seconds since the epoch) with cAdvisor's
/// metric names, labelled with the cgroup's [`labels`].
pub fn write(w: &mut Writer, t: f64, labels: &[Label], r: &Reading) -> std::io::Result<()> {
    write_some(w, t, labels, r, |_| true)
}

/// Writes only the counters of a reading (failcnt, OOM events): the last
/// reading of a container whose processes are gone, which says whether the
/// kernel killed them, while its memory figures no longer mean anything.
pub fn write_counters(
    w: &mut Writer,
    t: f64,
    labels: &[Label],
    r: &Reading,
) -> std::io::Result<()> {
    write_some(w, t, labels, r, |k| k == Kind::Counter)
}

fn write_some(
    w: &mut Writer,
    t: f64,
    labels: &[Label],
    r: &Reading,
    keep: fn(Kind) -> bool,
) -> std::io::Result<()> {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (name, kind, help, get) in METRICS {
        if keep(kind) {
            if let Some(v) = get(r) {
                w.sample(name, kind, help, &labels, v as f64, t)?;
            }
        }
    }
    Ok(())
}

/// The processes in a cgroup and every cgroup below it.
pub fn pids(dir: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        out.extend(
            std::fs::read_to_string(d.join("cgroup.procs"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse::<u32>().ok()),
        );
        if let Ok(rd) = std::fs::read_dir(&d) {
            stack.extend(
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
    }
    out
}

/// A synthetic cgroup v2 memory controller's files, for tests.
///
/// cgroup v2 cannot be read live on a machine whose memory controller is on
/// v1 (a controller lives in one hierarchy only): these files are synthetic,
/// in the format of the kernel's Documentation/admin-guide/cgroup-v2.rst
/// (memory.current, memory.stat, memory.events, memory.max).
#[cfg(test)]
pub(crate) mod fake {
    use std::path::Path;

    /// Writes a v2 memory cgroup's files in `dir`: `current` bytes in use
    /// (80% anon, 20% file, 12 MiB of it inactive file), `oom_kill` kills
    /// and 17 `max` events, the limit `max` (none when `None`).
    pub fn v2(dir: &Path, current: u64, oom_kill: u64, max: Option<u64>) {
        let w = |f: &str, t: String| std::fs::write(dir.join(f), t).unwrap();
        w("memory.current", format!("{current}\n"));
        w(
            "memory.stat",
            format!(
                "anon {}\nfile {}\nkernel 1048576\nkernel_stack 163840\n\
                 pagetables 425984\nshmem 0\nfile_mapped 4194304\nfile_dirty 0\n\
                 anon_thp 41943040\ninactive_anon 83886080\nactive_anon 0\n\
                 inactive_file 12582912\nactive_file 8388608\nunevictable 0\n",
                current / 5 * 4,
                current / 5
            ),
        );
        w(
            "memory.events",
            format!("low 0\nhigh 0\nmax 17\noom 2\noom_kill {oom_kill}\noom_group_kill 0\n"),
        );
        w(
            "memory.max",
            max.map_or("max\n".to_string(), |m| format!("{m}\n")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_files_read_into_cadvisor_terms() {
        let dir = tempfile::tempdir().unwrap();
        fake::v2(dir.path(), 104_857_600, 1, None);
        let w = |f: &str, t: &str| std::fs::write(dir.path().join(f), t).unwrap();
        let r = read(Version::V2, dir.path()).unwrap();
        assert_eq!(r.usage_bytes, 104_857_600);
        assert_eq!(r.working_set_bytes, 104_857_600 - 12_582_912);
        assert_eq!(r.rss_bytes, 83_886_080);
        assert_eq!(r.cache_bytes, 20_971_520);
        assert_eq!(r.failcnt, 17);
        assert_eq!(r.oom_events, 1);
        assert_eq!(oom_kills(Version::V2, dir.path()), Some(1));
        assert_eq!(r.limit_bytes, None, "`max` is no limit");
        w("memory.max", "268435456\n");
        assert_eq!(
            read(Version::V2, dir.path()).unwrap().limit_bytes,
            Some(268_435_456)
        );
        // No memory.current: not a memory cgroup.
        std::fs::remove_file(dir.path().join("memory.current")).unwrap();
        assert_eq!(read(Version::V2, dir.path()), None);
    }

    #[test]
    fn held_files_read_afresh_each_round() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("c");
        std::fs::create_dir(&dir).unwrap();
        fake::v2(&dir, 104_857_600, 1, Some(268_435_456));
        std::fs::write(dir.join("cgroup.procs"), "12\n13\n").unwrap();
        let mut held = Held::open(Version::V2, &dir);
        assert_eq!(held.read(), read(Version::V2, &dir));
        assert_eq!(held.pids(), vec![12, 13]);
        // Written in place (as the kernel's values change): read afresh.
        fake::v2(&dir, 209_715_200, 2, Some(268_435_456));
        let r = held.read().unwrap();
        assert_eq!((r.usage_bytes, r.oom_events), (209_715_200, 2));
        // Its processes gone to a cgroup below it: looked for there.
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("cgroup.procs"), "").unwrap();
        std::fs::write(dir.join("sub/cgroup.procs"), "14\n").unwrap();
        assert_eq!(held.pids(), vec![14], "an empty cgroup is looked below");
    }

    #[test]
    fn memory_stat_and_the_limit_are_read_at_their_cadence() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let w = |f: &str, t: String| std::fs::write(d.join(f), t).unwrap();
        let stat = |inactive: u64| format!("anon 1\nfile 2\ninactive_file {inactive}\n");
        w("memory.current", "100\n".into());
        w("memory.stat", stat(10));
        w("memory.max", "1000\n".into());
        w("memory.events", "max 0\noom_kill 0\n".into());
        let c = Cadence {
            every: 3,
            near: 0.5,
        };
        let mut held = Held::open(Version::V2, d);
        assert_eq!(held.sample(c).unwrap().working_set_bytes, 90);
        // Far from the limit: the usage is new, memory.stat and the limit
        // are those read before, for two rounds.
        w("memory.current", "200\n".into());
        w("memory.stat", stat(50));
        w("memory.max", "2000\n".into());
        let r = held.sample(c).unwrap();
        assert_eq!((r.usage_bytes, r.working_set_bytes), (200, 190));
        assert_eq!(r.limit_bytes, Some(1000));
        assert_eq!(held.sample(c).unwrap().working_set_bytes, 190);
        // The third round reads them again.
        let r = held.sample(c).unwrap();
        assert_eq!((r.working_set_bytes, r.limit_bytes), (150, Some(2000)));
        // A counter that moves reads them at once.
        held.sample(c);
        w("memory.stat", stat(60));
        w("memory.events", "max 1\noom_kill 0\n".into());
        let r = held.sample(c).unwrap();
        assert_eq!((r.working_set_bytes, r.failcnt), (140, 1));
        // From `near` of the limit up, every round.
        w("memory.current", "1000\n".into());
        w("memory.stat", stat(70));
        assert_eq!(held.sample(c).unwrap().working_set_bytes, 930);
        w("memory.stat", stat(80));
        assert_eq!(held.sample(c).unwrap().working_set_bytes, 920);
        // Every round, every file.
        w("memory.current", "100\n".into());
        w("memory.stat", stat(90));
        held.sample(Cadence::EVERY_ROUND);
        w("memory.stat", stat(95));
        assert_eq!(
            held.sample(Cadence::EVERY_ROUND).unwrap().working_set_bytes,
            5
        );
    }

    #[test]
    fn a_list_of_live_processes_is_kept_until_one_ends() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let procs = |t: String| std::fs::write(d.join("cgroup.procs"), t).unwrap();
        procs(format!("{pid}\n"));
        let mut held = Held::open(Version::V2, d);
        assert_eq!(held.pids(), vec![pid]);
        // A process joins: the list is kept while its one process lives,
        // and listed again after LIST_EVERY rounds.
        procs(format!("{pid}\n{}\n", std::process::id()));
        for _ in 0..Held::LIST_EVERY {
            assert_eq!(held.pids(), vec![pid]);
        }
        assert_eq!(held.pids(), vec![pid, std::process::id()]);
        // A process ends: listed again at once.
        procs(format!("{}\n", std::process::id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(held.pids(), vec![std::process::id()]);
        // A pid no process has cannot be held: listed every round.
        procs("5000001\n".into());
        for _ in 0..Held::LIST_EVERY {
            held.pids();
        }
        assert_eq!(held.pids(), vec![5_000_001]);
        procs("5000002\n".into());
        assert_eq!(held.pids(), vec![5_000_002]);
        procs(String::new());
        assert!(held.pids().is_empty());
    }

    #[test]
    fn a_followed_tree_is_listed_again_when_a_folder_comes_or_goes() {
        let root = tempfile::tempdir().unwrap();
        let id = |n: u8| format!("{n:02x}").repeat(32);
        let pod = |n: u8| {
            root.path()
                .join(format!("kubepods.slice/kubepods-pod{n}.slice"))
        };
        let c1 = pod(1).join(format!("cri-containerd-{}.scope", id(1)));
        std::fs::create_dir_all(&c1).unwrap();
        let mut tree = Tree::new(root.path(), None);
        assert_eq!(&*tree.containers(), std::slice::from_ref(&c1));
        assert!(!tree.changed(), "nothing happened: no walk");
        // A new pod with its container, made in two steps as the runtime does.
        std::fs::create_dir(pod(2)).unwrap();
        let c2 = pod(2).join(format!("cri-containerd-{}.scope", id(2)));
        std::fs::create_dir(&c2).unwrap();
        assert_eq!(&*tree.containers(), [c1.clone(), c2.clone()]);
        std::fs::remove_dir(&c1).unwrap();
        assert_eq!(&*tree.containers(), std::slice::from_ref(&c2));
        assert!(!tree.changed());
    }

    #[test]
    fn container_cgroups_and_their_processes() {
        let root = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef".repeat(4);
        let pod = root.path().join("kubepods.slice/kubepods-pod1.slice");
        let c = pod.join(format!("cri-containerd-{id}.scope"));
        std::fs::create_dir_all(c.join("sub")).unwrap();
        std::fs::write(c.join("cgroup.procs"), "12\n13\n").unwrap();
        std::fs::write(c.join("sub/cgroup.procs"), "14\n").unwrap();
        std::fs::write(pod.join("cgroup.procs"), "").unwrap();
        assert_eq!(containers(root.path(), None), vec![c.clone()]);
        let mut p = pids(&c);
        p.sort();
        assert_eq!(p, vec![12, 13, 14]);
        assert!(
            pids(&pod).len() == 3,
            "a pod's processes are its containers'"
        );
        let l = labels(&kernel_path(root.path(), &c));
        assert_eq!(
            l[0].1,
            format!("/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope")
        );
        assert!(l.iter().any(|(k, v)| *k == "container_id" && *v == id));
    }
}
