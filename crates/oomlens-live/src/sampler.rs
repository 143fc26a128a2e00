//! The sampling loop over a node's container cgroups, shared by `oomlens
//! sample` and any longer-running caller (a node agent): which containers
//! are alive, which appeared, which are gone (with the last reading of their
//! counters, which says whether the kernel killed them), the JVMs in them,
//! and a schedule of deadlines that a stop flag ends at once.
//!
//! [`Sampler::step`] takes one round and returns it as a [`Round`]; a
//! [`Sink`] does something with each round (the OpenMetrics [`Writer`] is
//! one); [`run`] drives rounds on a [`Schedule`] until the time is up, a
//! stop flag is set, or the one cgroup asked for has no process left.
//!
//! What does not change between rounds is found once: a cgroup's labels
//! when it first appears, a process's performance-counter file when first
//! found (a process without one is searched again after 1 s, then after
//! twice as long each time, up to 2 minutes: a JVM started by a shell
//! script writes its file a moment after the shell's exec, and a process
//! that has run for minutes without one is searched rarely, as most on a
//! node are not JVMs). Each known container's files are held open and read
//! again from their start each round (see [`cgroup::Held`]).

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oomlens_evidence::jvm::hsperf::JvmMemory;

use crate::cgroup::{self, Cadence, Label, Reading, Version};
use crate::hsperf;
use crate::openmetrics::Writer;

/// A container cgroup, as found once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup {
    /// Its path as the kernel prints it (`/kubepods.slice/...`).
    pub id: String,
    /// Its folder under the memory root.
    pub dir: PathBuf,
    /// The labels of its samples ([`cgroup::labels`]).
    pub labels: Vec<Label>,
}

/// A reading of a cgroup with processes.
#[derive(Debug, Clone)]
pub struct Live {
    pub cgroup: Arc<Cgroup>,
    pub reading: Reading,
}

/// A JVM's counters, read in a live cgroup.
#[derive(Debug, Clone)]
pub struct Jvm {
    pub cgroup: Arc<Cgroup>,
    /// The pid on this node (not the one the container sees).
    pub pid: u32,
    pub memory: JvmMemory,
}

/// A cgroup whose processes are gone since the last round.
#[derive(Debug, Clone)]
pub struct Gone {
    pub cgroup: Arc<Cgroup>,
    /// Its counters read once more (`None` when its folder was already
    /// removed): only `failcnt` and `oom_events` still mean something.
    pub last: Option<Reading>,
}

/// One round of sampling.
#[derive(Debug, Clone)]
pub struct Round {
    pub at: jiff::Timestamp,
    /// Cgroups with processes whose files could be read, in path order.
    pub live: Vec<Live>,
    /// JVMs with counters in those cgroups.
    pub jvms: Vec<Jvm>,
    /// Cgroups with processes that had none (or were not there) last round.
    pub appeared: Vec<Arc<Cgroup>>,
    /// Cgroups that had processes last round and have none now.
    pub gone: Vec<Gone>,
    /// Container cgroups listed this round with no process in them (those
    /// in `gone` among them), id and folder: their counters (an OOM kill
    /// leaves a cgroup empty) can be read without walking the tree again.
    pub empty: Vec<(String, PathBuf)>,
    /// Cgroups with processes now (some may be missing from `live` when
    /// their files could not be read).
    pub alive: usize,
}

impl Round {
    /// Seconds since the epoch, as OpenMetrics writes a sample's time.
    pub fn seconds(&self) -> f64 {
        self.at.as_millisecond() as f64 / 1000.0
    }
}

/// What to sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub version: Version,
    /// The memory controller's root ([`cgroup::memory_root`]).
    pub root: PathBuf,
    /// One cgroup (a folder below `root`) instead of every container.
    pub under: Option<PathBuf>,
    /// Whether to read the performance counters of the JVMs in the cgroups.
    pub jvms: bool,
    /// How often `memory.stat` and the limit are read ([`Cadence`]).
    pub cadence: Cadence,
}

/// Where a process's performance counters are, as far as known.
#[derive(Debug, Clone, PartialEq)]
enum Counters {
    At(PathBuf),
    /// None found; search again at `retry_ms` (since the epoch), then wait
    /// `wait_ms` longer.
    Missing {
        retry_ms: i64,
        wait_ms: i64,
    },
}

const RETRY_FIRST_MS: i64 = 1000;
const RETRY_MAX_MS: i64 = 120_000;

/// The state carried between rounds.
#[derive(Debug)]
pub struct Sampler {
    opts: Options,
    /// Cgroups alive last round, by kernel path.
    alive: BTreeMap<String, Arc<Cgroup>>,
    /// Every cgroup seen with processes, by kernel path (labels found once);
    /// a cgroup is forgotten when its folder is removed.
    known: BTreeMap<String, Arc<Cgroup>>,
    /// The files of every known cgroup, held open between rounds.
    held: HashMap<String, cgroup::Held>,
    /// The container cgroups, listed again when the tree changes.
    tree: cgroup::Tree,
    counters: HashMap<u32, Counters>,
    rounds: u64,
    cgroups_seen: u64,
    jvms_seen: u64,
}

impl Sampler {
    pub fn new(opts: Options) -> Sampler {
        Sampler {
            tree: cgroup::Tree::new(&opts.root, opts.under.as_deref()),
            opts,
            alive: BTreeMap::new(),
            known: BTreeMap::new(),
            held: HashMap::new(),
            counters: HashMap::new(),
            rounds: 0,
            cgroups_seen: 0,
            jvms_seen: 0,
        }
    }

    /// Rounds taken so far.
    pub fn rounds(&self) -> u64 {
        self.rounds
    }

    /// Distinct cgroups seen with processes so far.
    pub fn cgroups_seen(&self) -> u64 {
        self.cgroups_seen
    }

    /// JVM counter files found so far.
    pub fn jvms_seen(&self) -> u64 {
        self.jvms_seen
    }

    /// Whether sampling one cgroup (`Options::under`) has nothing more to
    /// see: it had processes and has none now (killed, or ended).
    pub fn emptied(&self) -> bool {
        self.opts.under.is_some() && self.cgroups_seen > 0 && self.alive.is_empty()
    }

    /// Takes one round at `now`.
    pub fn step(&mut self, now: jiff::Timestamp) -> Round {
        self.rounds += 1;
        let now_ms = now.as_millisecond();
        let mut round = Round {
            at: now,
            live: Vec::new(),
            jvms: Vec::new(),
            appeared: Vec::new(),
            gone: Vec::new(),
            empty: Vec::new(),
            alive: 0,
        };
        let mut alive = BTreeMap::new();
        let mut present = Vec::new();
        let mut pids_now = Vec::new();
        for dir in self.tree.containers().iter() {
            let id = cgroup::kernel_path(&self.opts.root, dir);
            // A container with no process left is gone (cAdvisor drops it
            // too): its cgroup only waits to be removed.
            let version = self.opts.version;
            let held = self
                .held
                .entry(id.clone())
                .or_insert_with(|| cgroup::Held::open(version, dir));
            let pids = held.pids();
            if pids.is_empty() {
                if let Some(cg) = self.alive.remove(&id) {
                    round.gone.push(Gone {
                        last: held.read(),
                        cgroup: cg,
                    });
                }
                round.empty.push((id.clone(), dir.clone()));
                present.push(id);
                continue;
            }
            let cg = match self.known.get(&id) {
                Some(cg) => Arc::clone(cg),
                None => {
                    self.cgroups_seen += 1;
                    let cg = Arc::new(Cgroup {
                        labels: cgroup::labels(&id),
                        id: id.clone(),
                        dir: dir.clone(),
                    });
                    self.known.insert(id.clone(), Arc::clone(&cg));
                    cg
                }
            };
            if self.alive.remove(&id).is_none() {
                round.appeared.push(Arc::clone(&cg));
            }
            if let Some(r) = held.sample(self.opts.cadence) {
                round.live.push(Live {
                    cgroup: Arc::clone(&cg),
                    reading: r,
                });
                if self.opts.jvms {
                    for &pid in &pids {
                        if let Some(m) = self.jvm(pid, now_ms) {
                            round.jvms.push(Jvm {
                                cgroup: Arc::clone(&cg),
                                pid,
                                memory: m,
                            });
                        }
                    }
                }
            }
            pids_now.extend(pids);
            present.push(id.clone());
            alive.insert(id, cg);
        }
        // Alive last round and not listed now: the folder is gone with its
        // counters.
        for (_, cg) in std::mem::take(&mut self.alive) {
            round.gone.push(Gone {
                cgroup: cg,
                last: None,
            });
        }
        round.gone.sort_by(|a, b| a.cgroup.id.cmp(&b.cgroup.id));
        round.alive = alive.len();
        self.alive = alive;
        present.sort_unstable();
        self.known.retain(|id, _| present.binary_search(id).is_ok());
        self.held.retain(|id, _| present.binary_search(id).is_ok());
        pids_now.sort_unstable();
        self.counters
            .retain(|pid, _| pids_now.binary_search(pid).is_ok());
        round
    }

    /// The counters of process `pid`: its file found once, a process
    /// without one searched again later and later.
    fn jvm(&mut self, pid: u32, now_ms: i64) -> Option<JvmMemory> {
        let wait_ms = match self.counters.get(&pid) {
            Some(Counters::At(path)) => {
                if let Some(m) = hsperf::read_file(path) {
                    return Some(m);
                }
                // The JVM ended or the pid was reused: search again.
                RETRY_FIRST_MS
            }
            Some(Counters::Missing { retry_ms, .. }) if now_ms < *retry_ms => return None,
            Some(Counters::Missing { wait_ms, .. }) => (wait_ms * 2).min(RETRY_MAX_MS),
            None => RETRY_FIRST_MS,
        };
        let found = hsperf::find(pid).and_then(|p| Some((hsperf::read_file(&p)?, p)));
        match found {
            Some((m, path)) => {
                self.jvms_seen += 1;
                self.counters.insert(pid, Counters::At(path));
                Some(m)
            }
            None => {
                self.counters.insert(
                    pid,
                    Counters::Missing {
                        retry_ms: now_ms + wait_ms,
                        wait_ms,
                    },
                );
                None
            }
        }
    }
}

/// Does something with each round: writes it, judges it, publishes it.
pub trait Sink {
    fn round(&mut self, round: &Round) -> io::Result<()>;
}

/// Writes each round as OpenMetrics samples: every live reading with
/// cAdvisor's names, the counters of the last reading of a container gone,
/// and each JVM's counters with Micrometer's names; the round is then
/// appended to the writer's journal, if it has one.
impl Sink for Writer {
    fn round(&mut self, round: &Round) -> io::Result<()> {
        let t = round.seconds();
        for g in &round.gone {
            if let Some(r) = &g.last {
                cgroup::write_counters(self, t, &g.cgroup.labels, r)?;
            }
        }
        for l in &round.live {
            cgroup::write(self, t, &l.cgroup.labels, &l.reading)?;
        }
        for j in &round.jvms {
            hsperf::write(self, t, &j.cgroup.labels, j.pid, &j.memory)?;
        }
        self.end_round()
    }
}

/// Round deadlines: one every `every` from the start, for `total`. A round
/// that overran skips the deadlines it missed, so sampling ends near
/// `total` however slow a round is.
#[derive(Debug, Clone)]
pub struct Schedule {
    start: Instant,
    every: Duration,
    end: Instant,
    /// The index of the deadline of the round last taken.
    tick: u64,
}

/// Why [`Schedule::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The next round is due.
    Next,
    /// No deadline is left before the end.
    Done,
    /// The stop flag was set.
    Stopped,
}

/// How sampling ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The time was up.
    Done,
    /// The stop flag was set (SIGINT, SIGTERM).
    Stopped,
    /// The one cgroup sampled has no process left ([`Sampler::emptied`]).
    Emptied,
}

impl Schedule {
    /// Deadlines from now, every `every` (at least 1 ms), for `total`.
    pub fn new(every: Duration, total: Duration) -> Schedule {
        let start = Instant::now();
        Schedule {
            start,
            every: every.max(Duration::from_millis(1)),
            end: start + total,
            tick: 0,
        }
    }

    /// Waits for the next deadline after now; a set `stop` ends the wait
    /// within 50 ms.
    pub fn wait(&mut self, stop: &AtomicBool) -> Wait {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        let missed = (elapsed / self.every.as_nanos()) as u64;
        self.tick = (self.tick + 1).max(missed + 1);
        let Some(next) = u32::try_from(self.tick)
            .ok()
            .and_then(|k| self.every.checked_mul(k))
            .map(|d| self.start + d)
            .filter(|n| *n <= self.end)
        else {
            return Wait::Done;
        };
        loop {
            if stop.load(Ordering::Relaxed) {
                return Wait::Stopped;
            }
            let now = Instant::now();
            if now >= next {
                return Wait::Next;
            }
            std::thread::sleep((next - now).min(Duration::from_millis(50)));
        }
    }
}

/// Takes rounds on `schedule` (the first at once) and hands each to `sink`
/// until the time is up, `stop` is set, or the one cgroup sampled is
/// emptied. Fails only when the sink does.
pub fn run(
    sampler: &mut Sampler,
    schedule: &mut Schedule,
    stop: &AtomicBool,
    sink: &mut dyn Sink,
) -> io::Result<End> {
    loop {
        let round = sampler.step(jiff::Timestamp::now());
        sink.round(&round)?;
        if sampler.emptied() {
            return Ok(End::Emptied);
        }
        match schedule.wait(stop) {
            Wait::Next => {}
            Wait::Done => return Ok(End::Done),
            Wait::Stopped => return Ok(End::Stopped),
        }
    }
}

/// The cgroup `path` (as the kernel prints it) below the memory `root`.
pub fn below(root: &Path, path: &Path) -> PathBuf {
    root.join(path.to_string_lossy().trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::fake;

    /// Pids no process has (above the kernel's `PID_MAX_LIMIT` of 2^22).
    const NO_PID: u32 = 5_000_001;

    struct Tree {
        root: tempfile::TempDir,
    }

    impl Tree {
        fn new() -> Tree {
            Tree {
                root: tempfile::tempdir().unwrap(),
            }
        }
        /// A container cgroup of pod `pod` named by a 64-hex id of `n`,
        /// with v2 files and `pids`.
        fn container(&self, pod: u32, n: u32, pids: &[u32]) -> PathBuf {
            let id = format!("{n:064x}");
            let d = self.root.path().join(format!(
                "kubepods.slice/kubepods-pod{pod}.slice/cri-containerd-{id}.scope"
            ));
            std::fs::create_dir_all(&d).unwrap();
            fake::v2(&d, 100 << 20, 0, Some(256 << 20));
            set_pids(&d, pids);
            d
        }
        fn sampler(&self, under: Option<PathBuf>) -> Sampler {
            Sampler::new(Options {
                version: Version::V2,
                root: self.root.path().to_path_buf(),
                under,
                jvms: true,
                cadence: Cadence::EVERY_ROUND,
            })
        }
    }

    fn set_pids(d: &Path, pids: &[u32]) {
        let text: String = pids.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(d.join("cgroup.procs"), text).unwrap();
    }

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    fn ids(cs: &[Arc<Cgroup>]) -> Vec<&str> {
        cs.iter().map(|c| c.dir.to_str().unwrap()).collect()
    }

    #[test]
    fn containers_appear_live_and_go_with_a_last_reading() {
        let t = Tree::new();
        let a = t.container(1, 1, &[NO_PID]);
        let b = t.container(2, 2, &[]);
        let mut s = t.sampler(None);

        let r = s.step(at(0));
        assert_eq!(ids(&r.appeared), vec![a.to_str().unwrap()]);
        assert_eq!(r.live.len(), 1);
        assert_eq!(r.live[0].reading.usage_bytes, 100 << 20);
        assert!(r.live[0]
            .cgroup
            .labels
            .iter()
            .any(|(k, v)| *k == "container_id" && *v == format!("{:064x}", 1)));
        assert!(r.gone.is_empty());
        assert_eq!((r.alive, s.cgroups_seen()), (1, 1));

        // b gets a process; a's ends, killed: its counters read once more.
        set_pids(&b, &[NO_PID + 1]);
        set_pids(&a, &[]);
        fake::v2(&a, 0, 1, Some(256 << 20));
        let r = s.step(at(1));
        assert_eq!(ids(&r.appeared), vec![b.to_str().unwrap()]);
        assert_eq!(r.gone.len(), 1);
        assert_eq!(r.gone[0].cgroup.dir, a);
        assert_eq!(r.gone[0].last.as_ref().map(|l| l.oom_events), Some(1));
        assert_eq!(r.live.len(), 1);
        assert_eq!(r.live[0].cgroup.dir, b);

        // A gone container is reported once, not every round.
        let r = s.step(at(2));
        assert!(r.gone.is_empty() && r.appeared.is_empty());

        // A container whose folder is removed while it had processes goes
        // without a last reading, and is forgotten.
        std::fs::remove_dir_all(&b).unwrap();
        let r = s.step(at(3));
        assert_eq!(r.gone.len(), 1);
        assert_eq!(r.gone[0].cgroup.dir, b);
        assert!(r.gone[0].last.is_none());
        assert_eq!(r.alive, 0);
        assert!(!s.known.contains_key(&r.gone[0].cgroup.id));
        assert!(!s.emptied(), "every container sampled: nothing to empty");

        // A container that comes back appears again, its labels found once.
        set_pids(&a, &[NO_PID]);
        let before = Arc::clone(&s.known[&cgroup::kernel_path(t.root.path(), &a)]);
        let r = s.step(at(4));
        assert_eq!(ids(&r.appeared), vec![a.to_str().unwrap()]);
        assert!(Arc::ptr_eq(&before, &r.live[0].cgroup));
        assert_eq!(s.cgroups_seen(), 2);
        assert_eq!(s.rounds(), 5);
    }

    #[test]
    fn processes_without_counters_are_searched_again_later() {
        let t = Tree::new();
        t.container(1, 1, &[NO_PID]);
        let mut s = t.sampler(None);
        s.step(at(0));
        let first = s.counters.get(&NO_PID).cloned();
        assert!(
            matches!(first, Some(Counters::Missing { wait_ms: 1000, .. })),
            "{first:?}"
        );
        // Half a second later: not searched again.
        s.step(jiff::Timestamp::from_millisecond(at(0).as_millisecond() + 500).unwrap());
        assert_eq!(s.counters.get(&NO_PID), first.as_ref());
        // After the wait: searched again, and the wait doubles.
        s.step(at(2));
        assert!(matches!(
            s.counters.get(&NO_PID),
            Some(Counters::Missing { wait_ms: 2000, .. })
        ));
        // A process gone is forgotten.
        let d = t.container(1, 1, &[]);
        set_pids(&d, &[]);
        s.step(at(3));
        assert!(s.counters.is_empty());
    }

    #[test]
    fn one_cgroup_emptied_ends_the_run() {
        let t = Tree::new();
        let a = t.container(1, 1, &[NO_PID]);
        let mut s = t.sampler(Some(a.clone()));
        s.step(at(0));
        assert!(!s.emptied());
        set_pids(&a, &[]);
        let r = s.step(at(1));
        assert_eq!(r.gone.len(), 1);
        assert!(s.emptied());
    }

    /// A sink that counts rounds and sets the stop flag after `stop_after`.
    struct Counting<'a> {
        rounds: u32,
        stop_after: u32,
        stop: &'a AtomicBool,
    }

    impl Sink for Counting<'_> {
        fn round(&mut self, _: &Round) -> io::Result<()> {
            self.rounds += 1;
            if self.rounds == self.stop_after {
                self.stop.store(true, Ordering::Relaxed);
            }
            Ok(())
        }
    }

    #[test]
    fn a_stop_flag_ends_the_run_at_once() {
        let t = Tree::new();
        t.container(1, 1, &[NO_PID]);
        let mut s = t.sampler(None);
        let stop = AtomicBool::new(false);
        let mut sink = Counting {
            rounds: 0,
            stop_after: 2,
            stop: &stop,
        };
        let started = Instant::now();
        let mut sch = Schedule::new(Duration::from_secs(1), Duration::from_secs(3600));
        let end = run(&mut s, &mut sch, &stop, &mut sink).unwrap();
        assert_eq!(end, End::Stopped);
        assert_eq!(sink.rounds, 2);
        // One wait of a second, then the stop within 50 ms.
        assert!(started.elapsed() < Duration::from_millis(1500));
    }

    #[test]
    fn the_period_is_a_deadline_and_slow_rounds_skip_it() {
        let stop = AtomicBool::new(false);
        let mut sch = Schedule::new(Duration::from_millis(1), Duration::from_millis(300));
        let started = Instant::now();
        let mut rounds = 0;
        loop {
            rounds += 1;
            // A round slower than the period.
            std::thread::sleep(Duration::from_millis(3));
            if sch.wait(&stop) != Wait::Next {
                break;
            }
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(400),
            "{took:?}"
        );
        assert!((10..=101).contains(&rounds), "{rounds} rounds");
    }

    #[test]
    fn rounds_write_openmetrics_that_read_back() {
        let t = Tree::new();
        let a = t.container(1, 1, &[NO_PID]);
        let mut s = t.sampler(None);
        let mut w = Writer::new();
        w.round(&s.step(at(0))).unwrap();
        set_pids(&a, &[]);
        fake::v2(&a, 0, 1, Some(256 << 20));
        w.round(&s.step(at(1))).unwrap();
        let mut out = Vec::new();
        w.finish(&mut out).unwrap();
        let (series, warnings) = oomlens_evidence::metrics::parse("x.om", &out);
        assert!(warnings.is_empty(), "{warnings:?}");
        let points = |name: &str| {
            series
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.points.clone())
                .unwrap_or_default()
        };
        // Memory figures while alive only; counters also once gone.
        assert_eq!(points("container_memory_working_set_bytes").len(), 1);
        let oom = points("container_oom_events_total");
        assert_eq!(oom.iter().map(|p| p.1).collect::<Vec<_>>(), vec![0.0, 1.0]);
    }
}
