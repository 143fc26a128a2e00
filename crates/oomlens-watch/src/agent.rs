//! The agent's loop. One thread (the caller's) owns the state: it takes a
//! sampling pass over every container cgroup at each deadline and, between
//! passes, handles what the other threads send: kernel reports (the
//! kernel-log thread, [`crate::kernel`]), finished JVM captures and
//! diagnoses (one worker each, fed through bounded queues: work that does
//! not fit is dropped and counted, sampling never waits for it).
//!
//! A kill is published as soon as it is known: a kernel report as soon as
//! it is complete (its `Killed process` line, then a quiet log for 50 ms),
//! a kill seen only in a cgroup's OOM-kill counter after [`Options::grace`]
//! without a report ([`crate::ledger`]). Its spool entry (the report's
//! records, the samples before it, the captures before it) is written
//! before the event is printed; the diagnosis follows as an event of its
//! own.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use oomlens_evidence::jvm::hsperf::JvmMemory;
use oomlens_evidence::kernel::Kind;
use oomlens_evidence::time::TimeContext;
use oomlens_live::attach::{self, capture, Vm};
use oomlens_live::cgroup::{self, Reading, Version};
use oomlens_live::kmsg::{self, Cursor, Start};
use oomlens_live::openmetrics::Writer;
use oomlens_live::sampler::{self, Cgroup, Round, Sampler, Schedule, Sink};

use crate::event::{self, CgroupFrom, Event, KillSource};
use crate::identity::{identify, Identity};
use crate::kernel::{self, Health};
use crate::ledger::Ledger;
use crate::metrics::{CauseLabels, Metrics, ResultLabels, WhatLabels};
use crate::spool::{self, Limits, Spool};

/// What the agent does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time between sampling passes.
    pub interval: Duration,
    /// Working set / limit at which a JVM is captured.
    pub threshold: f64,
    /// The second level, captured again.
    pub again: f64,
    /// The early level, below [`Options::threshold`], at which a JVM's
    /// class histogram alone is taken (one full collection, no other
    /// command): with the histograms of the capture levels, a timed series
    /// that shows which classes grow (`--histogram-at`); `None`, or a
    /// level at or above the threshold: none of its own.
    pub histogram_at: Option<f64>,
    /// While the container stays at or above the early level, the
    /// histogram alone again after this long, the wait doubling after each
    /// (at most [`MAX_HISTOGRAMS_PER_RISE`]; `--histogram-every`): the
    /// series does not hang on the working set reaching the capture levels
    /// before the kill. `None`: once.
    pub histogram_every: Option<Duration>,
    pub spool: PathBuf,
    pub limits: Limits,
    /// Where `/metrics` is served.
    pub listen: Option<SocketAddr>,
    /// One pass, the kernel log as it is, then return.
    pub once: bool,
    /// Whether JVMs are captured through attach.
    pub capture: bool,
    /// Where the kernel log is read from when there is no cursor of this
    /// boot.
    pub fresh: Start,
    /// How long a counter increment waits for its kernel report.
    pub grace: Duration,
    /// Samples kept per container (the series before a kill).
    pub history: usize,
    /// How long an attach may take.
    pub attach_timeout: Duration,
    /// The memory controller's root; `None` finds this machine's.
    pub root: Option<(Version, PathBuf)>,
    /// The kubelet's pod log folders, which name containers.
    pub pod_logs: PathBuf,
    /// Working set / limit at which a JVM's heap is also dumped into its
    /// capture (`--heap-dump-at`); `None`: never.
    pub heap_dump_at: Option<f64>,
    /// This node's name (`--node-name`, `$NODE_NAME`); `None`: the host
    /// name.
    pub node_name: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            interval: Duration::from_secs(1),
            threshold: 0.9,
            again: 0.95,
            histogram_at: Some(0.8),
            histogram_every: Some(Duration::from_secs(60)),
            spool: PathBuf::from("/var/lib/oomlens/spool"),
            limits: Limits::default(),
            listen: None,
            once: false,
            capture: true,
            fresh: Start::End,
            grace: Duration::from_secs(2),
            history: 300,
            attach_timeout: Duration::from_secs(5),
            root: None,
            pod_logs: PathBuf::from("/var/log/pods"),
            heap_dump_at: None,
            node_name: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub kills: u64,
    pub captures: u64,
    pub diagnoses: u64,
    pub passes: u64,
}

/// A reading kept for the series before a kill.
#[derive(Debug, Clone)]
struct Kept {
    at: Timestamp,
    reading: Reading,
    jvms: Vec<(u32, JvmMemory)>,
}

/// A container the agent knows.
#[derive(Debug)]
struct Watched {
    cgroup: Arc<Cgroup>,
    who: Identity,
    history: VecDeque<Kept>,
    /// The capture level reached: 0 none, 1 the threshold, 2 the second.
    level: u8,
    /// The class histograms taken since it last rose past the early
    /// level ([`Options::histogram_at`]).
    histograms: Histograms,
    /// Its heap was dumped (or refused) since it last rose past the level.
    dumped: bool,
    failcnt: u64,
    limit: Option<u64>,
    /// When its processes went (kept a while for a late kill report).
    gone: Option<Instant>,
}

/// How long a report that names no cgroup waits at most for the reports
/// after it to settle which counter increment is its own.
const HOLD: Duration = Duration::from_secs(3);

/// How long a gone container's samples are kept.
const KEEP_GONE: Duration = Duration::from_secs(120);

struct CaptureJob {
    pid: u32,
    who: Identity,
    ratio: f64,
    level: f64,
    reason: &'static str,
    scope: event::CaptureScope,
    /// A heap dump is asked for too, with the JVM's committed heap when
    /// known (the space it needs).
    dump: Option<Option<u64>>,
}

struct DiagnosisJob {
    entry: PathBuf,
    kill: String,
    who: Identity,
}

/// A sampling pass as the sampler thread hands it over: the round, every
/// container cgroup's OOM-kill counter, and how long both took.
struct Pass {
    round: Round,
    counters: Vec<(String, u64)>,
    took: Duration,
}

enum In {
    Kernel(kernel::Msg),
    Pass(Box<Pass>),
    Captured(event::Capture),
    Diagnosed(event::Diagnosis),
}

struct Agent<'a> {
    opts: Options,
    out: &'a mut dyn Write,
    spool: Spool,
    metrics: Metrics,
    version: Version,
    root: PathBuf,
    /// Where containers are named from (the pod log folders).
    paths: oomlens_live::node::Paths,
    /// This node's name, in the spooled kernel log's lines.
    host: String,
    sampler: Sampler,
    ledger: Ledger,
    watched: HashMap<String, Watched>,
    boot: Timestamp,
    boot_id: String,
    ctx: TimeContext,
    passes: u64,
    /// Reports that name no cgroup, waiting ([`Agent::resolve`]).
    held: VecDeque<(kernel::Report, String, Instant)>,
    /// When the kernel-log follower was last known to have read everything
    /// (its heartbeat); `None` before the first, or when it failed.
    caught_up: Option<Instant>,
    saved_seq: Option<u64>,
    /// Counters were saved by a run before this one (of this boot).
    seeded: bool,
    saved_counters: std::collections::BTreeMap<String, u64>,
    counter_kills: u64,
    health: Arc<Health>,
    captures: Option<SyncSender<CaptureJob>>,
    diagnoses: Option<SyncSender<DiagnosisJob>>,
    /// Where each diagnosis is told as an Event on its Pod.
    pod_events: Option<crate::pod_event::Poster>,
    /// Each kill's victim (`java (pid 4242)`) until its diagnosis.
    victims: HashMap<String, String>,
    /// Pod Events lost so far, as counted in the dropped metric.
    pod_events_lost: u64,
    summary: Summary,
}

/// Runs the agent until `stop` is set (or one pass with `--once`),
/// printing each event as a line on `out`.
pub fn run(opts: Options, stop: Arc<AtomicBool>, out: &mut dyn Write) -> io::Result<Summary> {
    run_with(opts, None, stop, out)
}

/// [`run`], each diagnosis also posted as a Kubernetes Event on its Pod
/// through `pod_events` (not with `--once`).
pub fn run_with(
    opts: Options,
    pod_events: Option<crate::pod_event::Poster>,
    stop: Arc<AtomicBool>,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    let (version, root) = match opts.root.clone().or_else(cgroup::memory_root) {
        Some(r) => r,
        None => {
            return Err(io::Error::other(
                "no memory cgroup controller on this machine",
            ))
        }
    };
    let spool = Spool::open(&opts.spool, opts.limits)?;
    // Every container's files are held open between passes.
    cgroup::raise_open_files();
    let boot = kmsg::clock_start()
        .or_else(kmsg::boot_time)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let boot_id = kmsg::boot_id().unwrap_or_default();
    let ctx = TimeContext {
        boot: Some((
            boot,
            "this machine's boot instant (now minus CLOCK_MONOTONIC)".into(),
        )),
        ..TimeContext::default()
    };
    let (metrics, registry) = Metrics::new();
    let bound = match opts.listen {
        Some(a) => Some(crate::metrics::serve(a, Arc::new(registry))?),
        None => None,
    };
    let cursor = Cursor::load(&spool.cursor());
    let from = Cursor::start(
        cursor.as_ref(),
        &boot_id,
        if opts.once { Start::Oldest } else { opts.fresh },
    );
    let (tx, rx) = mpsc::channel::<In>();
    let a_pod_logs = opts.pod_logs.clone();
    let cadence = cadence(&opts);
    let mut a = Agent {
        sampler: Sampler::new(sampler::Options {
            version,
            root: root.clone(),
            under: None,
            jvms: true,
            cadence,
        }),
        version,
        paths: oomlens_live::node::Paths::at(version, root.clone(), a_pod_logs.clone()),
        host: opts
            .node_name
            .clone()
            .unwrap_or_else(oomlens_live::node::hostname),
        root,
        spool,
        metrics,
        ledger: Ledger::default(),
        watched: HashMap::new(),
        boot,
        boot_id,
        ctx,
        passes: 0,
        held: VecDeque::new(),
        caught_up: None,
        saved_seq: None,
        seeded: false,
        saved_counters: Default::default(),
        counter_kills: 0,
        health: Arc::new(Health::default()),
        captures: None,
        diagnoses: None,
        pod_events,
        victims: HashMap::new(),
        pod_events_lost: 0,
        summary: Summary::default(),
        out,
        opts,
    };
    if let Some(saved) = load_counters(&a.spool.counters(), &a.boot_id) {
        a.ledger.seed(saved.clone());
        a.saved_counters = saved;
        a.seeded = true;
    }
    a.emit(&Event::Started(event::Started {
        time: event::time(Timestamp::now()),
        metrics: bound.map(|b| b.to_string()),
        kmsg_from: match from {
            Start::Oldest => "oldest".into(),
            Start::End => "end".into(),
            Start::After(s) => format!("after {s}"),
        },
        spool: Some(a.spool.root().display().to_string()),
    }))?;
    if a.opts.once {
        a.once(from)?;
        return Ok(a.summary);
    }
    a.captures = Some(capture_worker(&a.spool, a.opts.attach_timeout, tx.clone())?);
    a.diagnoses = Some(diagnosis_worker(a.ctx.clone(), tx.clone())?);
    // The first pass sets every counter's baseline before any report.
    a.pass()?;
    let sampler = std::mem::replace(
        &mut a.sampler,
        Sampler::new(sampler::Options {
            version,
            root: a.root.clone(),
            under: None,
            jvms: false,
            cadence,
        }),
    );
    sampler_thread(
        sampler,
        version,
        a.opts.interval,
        tx.clone(),
        Arc::clone(&stop),
    )?;
    kernel::spawn(
        from,
        a.ctx.clone(),
        tx,
        In::Kernel,
        Arc::clone(&a.health),
        Arc::clone(&stop),
    )?;
    a.follow(&rx, &stop)?;
    Ok(a.summary)
}

impl Agent<'_> {
    fn emit(&mut self, e: &Event) -> io::Result<()> {
        let line = e.line();
        self.out.write_all(&line)?;
        self.out.flush()?;
        if let Err(err) = self.spool.append_event(&line) {
            eprintln!("oomlens watch: {}: {err}", self.spool.root().display());
        }
        Ok(())
    }

    /// `--once`: a pass, the kernel log as it is, each kill diagnosed.
    fn once(&mut self, from: Start) -> io::Result<()> {
        self.pass()?;
        let mut msgs = Vec::new();
        let r = kernel::drain(
            from,
            &self.ctx,
            &mut |m| {
                msgs.push(m);
                true
            },
            &self.health,
        );
        if let Err(e) = r {
            eprintln!("oomlens watch: {e}");
        }
        for m in msgs {
            self.kernel(m)?;
        }
        self.resolve(true)?;
        let now = Instant::now();
        // The kernel log was read to its end above.
        for cg in self.ledger.overdue(
            now + self.opts.grace,
            self.opts.grace,
            Some(now + self.opts.grace),
        ) {
            self.counter_kill(&cg)?;
        }
        for l in self.sampler_live() {
            self.emit(&Event::Sample(l))?;
        }
        Ok(())
    }

    fn sampler_live(&self) -> Vec<event::Sample> {
        let mut v: Vec<_> = self
            .watched
            .values()
            .filter(|w| w.gone.is_none())
            .filter_map(|w| {
                let k = w.history.back()?;
                Some(event::Sample {
                    time: event::time(k.at),
                    who: w.who.clone(),
                    usage_bytes: k.reading.usage_bytes,
                    working_set_bytes: k.reading.working_set_bytes,
                    limit_bytes: k.reading.limit_bytes,
                    ratio: ratio(&k.reading),
                    failcnt: k.reading.failcnt,
                    oom_kills: k.reading.oom_events,
                    jvms: k.jvms.iter().map(|j| j.0).collect(),
                })
            })
            .collect();
        v.sort_by(|a, b| a.who.cgroup.cmp(&b.who.cgroup));
        v
    }

    fn follow(&mut self, rx: &Receiver<In>, stop: &AtomicBool) -> io::Result<()> {
        loop {
            self.resolve(false)?;
            // Increments wait while reports that may explain them are held.
            let overdue = if self.held.is_empty() {
                self.ledger
                    .overdue(Instant::now(), self.opts.grace, self.caught_up)
            } else {
                Vec::new()
            };
            for cg in overdue {
                self.counter_kill(&cg)?;
            }
            if let Some(p) = &self.pod_events {
                let lost = p.lost();
                if lost > self.pod_events_lost {
                    self.metrics
                        .dropped
                        .get_or_create(&WhatLabels {
                            what: "pod-event".into(),
                        })
                        .inc_by(lost - self.pod_events_lost);
                    self.pod_events_lost = lost;
                }
            }
            self.metrics.kmsg(
                self.health.overruns.load(Ordering::Relaxed),
                self.health.missed.load(Ordering::Relaxed),
            );
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(In::Kernel(m)) => self.kernel(m)?,
                Ok(In::Pass(p)) => self.absorb(*p)?,
                Ok(In::Captured(c)) => {
                    let result = if c.errors.is_empty() { "ok" } else { "failed" };
                    self.metrics
                        .captures
                        .get_or_create(&ResultLabels {
                            result: result.into(),
                        })
                        .inc();
                    self.summary.captures += 1;
                    self.emit(&Event::Capture(c))?;
                    self.enforce();
                }
                Ok(In::Diagnosed(d)) => {
                    if let Some(c) = d.causes.first() {
                        let cause = serde_json::to_value(c.id)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        self.metrics
                            .causes
                            .get_or_create(&CauseLabels { cause })
                            .inc();
                    }
                    self.summary.diagnoses += 1;
                    self.emit(&Event::Diagnosis(d.clone()))?;
                    self.tell_pod(&d);
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
            }
        }
    }

    fn kernel(&mut self, m: kernel::Msg) -> io::Result<()> {
        match m {
            kernel::Msg::Report(r) => self.report(*r),
            kernel::Msg::Resume { seq, at } => {
                self.caught_up = Some(at);
                // Not past a report still held: a restart reads it again.
                let held = self.held.iter().map(|(r, ..)| r.first_seq).min();
                let seq = match (seq, held) {
                    (Some(s), Some(h)) => Some(s.min(h.saturating_sub(1))),
                    (s, _) => s,
                };
                if seq.is_some() && seq != self.saved_seq {
                    let c = Cursor {
                        boot_id: self.boot_id.clone(),
                        seq: seq.unwrap_or(0),
                    };
                    match c.save(&self.spool.cursor()) {
                        Ok(()) => self.saved_seq = seq,
                        Err(e) => eprintln!("oomlens watch: saving the kernel-log cursor: {e}"),
                    }
                }
                Ok(())
            }
            kernel::Msg::Failed(e) => {
                eprintln!("oomlens watch: the kernel log is not followed: {e}");
                // Counters alone from now on: no report is coming.
                self.caught_up = Some(Instant::now() + Duration::from_secs(100 * 365 * 86_400));
                Ok(())
            }
        }
    }

    /// A kernel report: tied to its cgroup (its `task_memcg`, else the
    /// oldest counter increment no report explained), spooled, published.
    fn report(&mut self, r: kernel::Report) -> io::Result<()> {
        let rep = &r.report;
        let now = Instant::now();
        let id = format!(
            "kmsg-{}-{}",
            self.boot_id.get(..8).unwrap_or(&self.boot_id),
            r.first_seq
        );
        // Published before a restart whose cursor had not caught up: once
        // only.
        if self.spool.has(&format!("-kill-{id}")) {
            return Ok(());
        }
        // The report's own cgroup, else the victim's as the follower read
        // it at the report's `Killed process` record, else the victim's now.
        let own = match (&rep.task_memcg, &r.victim_cgroup) {
            (Some(cg), _) => Some((cg.clone(), CgroupFrom::KernelReport)),
            (None, Some(cg)) => Some((cg.clone(), CgroupFrom::VictimProcess)),
            (None, None) => rep
                .victim
                .as_ref()
                .and_then(|v| kernel::cgroup_of(v.pid, &v.comm, self.version))
                .map(|cg| (cg, CgroupFrom::VictimProcess)),
        };
        match own {
            Some((cg, from)) => {
                self.ledger.report(&cg, now);
                self.publish_report(r, id, Some(cg), from)
            }
            None => {
                // Which counter increment it explains may only be clear once
                // the reports right after it are read: held a moment.
                self.held.push_back((r, id, now));
                self.resolve(false)
            }
        }
    }

    /// Publishes the held reports that name no cgroup, oldest first, each
    /// with the oldest counter increment no report explains, once that
    /// choice is as good as it gets: the follower has read past the report
    /// (so every report printed after it was read and took its own
    /// increment) and no more increments are unexplained than reports are
    /// held; or after [`HOLD`]; or at once with `all`.
    fn resolve(&mut self, all: bool) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        self.sweep_counters(Instant::now());
        while let Some((_, _, since)) = self.held.front() {
            let read_past = self.caught_up.is_some_and(|c| c > *since);
            let ripe = all
                || since.elapsed() >= HOLD
                || (read_past && self.ledger.unpaid() <= self.held.len());
            if !ripe {
                break;
            }
            let Some((r, id, _)) = self.held.pop_front() else {
                break;
            };
            let cgroup = self.ledger.attribute();
            let from = if cgroup.is_some() {
                CgroupFrom::OomKillCounter
            } else {
                CgroupFrom::None
            };
            self.publish_report(r, id, cgroup, from)?;
        }
        Ok(())
    }

    /// Publishes a kernel report tied to `cgroup`.
    fn publish_report(
        &mut self,
        r: kernel::Report,
        id: String,
        cgroup: Option<String>,
        cgroup_from: CgroupFrom,
    ) -> io::Result<()> {
        let rep = &r.report;
        let at = rep.time.at.unwrap_or_else(Timestamp::now);
        let who = self.who(cgroup.as_deref().unwrap_or(""));
        let last = cgroup
            .as_deref()
            .and_then(|c| self.watched.get(c))
            .and_then(|w| w.history.back())
            .map(|k| k.reading.clone());
        let kb = |v: Option<u64>| v.map(|k| k.saturating_mul(1024));
        let limit = kb(rep.memory.as_ref().and_then(|m| m.limit_kb))
            .or(last.as_ref().and_then(|l| l.limit_bytes));
        let usage = kb(rep.memory.as_ref().and_then(|m| m.usage_kb))
            .or(last.as_ref().map(|l| l.usage_bytes));
        let victim = rep.victim.as_ref();
        let mut kill = event::Kill {
            id: id.clone(),
            time: event::time(at),
            pid: victim.map(|v| v.pid),
            process: victim.map(|v| v.comm.clone()),
            who,
            kind: rep.kind,
            source: KillSource::KernelLog,
            cgroup_from,
            limit_bytes: limit,
            usage_bytes: usage,
            anon_rss_bytes: kb(victim.and_then(|v| v.anon_rss_kb)),
            captures: 0,
            spool: None,
        };
        let kern = kmsg::as_syslog(&r.records, self.boot, &self.host);
        self.publish(&mut kill, at, Some(&kern))
    }

    /// Who `cgroup` is, as its captures and samples were keyed: the
    /// identity kept for a watched container (named again first if the
    /// kubelet's log folders did not name it yet), else found now.
    fn who(&mut self, cgroup: &str) -> Identity {
        match self.watched.get_mut(cgroup) {
            Some(w) => {
                if w.who.container.is_none() {
                    w.who = identify(&self.paths, cgroup);
                }
                w.who.clone()
            }
            None => identify(&self.paths, cgroup),
        }
    }

    /// A kill only a counter saw.
    fn counter_kill(&mut self, cgroup: &str) -> io::Result<()> {
        self.counter_kills += 1;
        let at = Timestamp::now();
        let last = self
            .watched
            .get(cgroup)
            .and_then(|w| w.history.back())
            .map(|k| k.reading.clone());
        let mut kill = event::Kill {
            id: format!("counter-{}-{}", spool::stamp(at), self.counter_kills),
            time: event::time(at),
            pid: None,
            process: None,
            who: self.who(cgroup),
            kind: Kind::Unknown,
            source: KillSource::OomKillCounter,
            cgroup_from: CgroupFrom::OomKillCounter,
            limit_bytes: last.as_ref().and_then(|l| l.limit_bytes),
            usage_bytes: None,
            anon_rss_bytes: None,
            captures: 0,
            spool: None,
        };
        self.publish(&mut kill, at, None)
    }

    /// Spools a kill (its report, the samples before it, the captures
    /// before it), prints it, counts it, and asks for its diagnosis.
    fn publish(
        &mut self,
        kill: &mut event::Kill,
        at: Timestamp,
        kern: Option<&[u8]>,
    ) -> io::Result<()> {
        let key = kill.who.key();
        let entry = match self.spool.make(&key, at, &format!("kill-{}", kill.id)) {
            Ok(e) => Some(e),
            Err(e) => {
                eprintln!("oomlens watch: spooling kill {}: {e}", kill.id);
                None
            }
        };
        if let Some(dir) = &entry {
            if let Err(e) = self.write_entry(dir, kill, kern) {
                eprintln!("oomlens watch: {}: {e}", dir.display());
            }
            kill.captures = self.spool.adopt_captures(&key, dir);
            kill.spool = Some(dir.display().to_string());
            let _ = std::fs::write(
                dir.join("event.json"),
                serde_json::to_vec_pretty(&Event::Kill(kill.clone())).unwrap_or_default(),
            );
        }
        let kind = serde_json::to_value(kill.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.metrics.kill(&kill.who, &kind);
        self.summary.kills += 1;
        self.emit(&Event::Kill(kill.clone()))?;
        self.save_counters();
        if self.pod_events.is_some() {
            let victim = match (&kill.process, kill.pid) {
                (Some(p), Some(pid)) => format!("{p} (pid {pid})"),
                (Some(p), None) => p.clone(),
                (None, Some(pid)) => format!("pid {pid}"),
                (None, None) => "a process".into(),
            };
            self.victims.insert(kill.id.clone(), victim);
        }
        if let Some(dir) = entry {
            let job = DiagnosisJob {
                entry: dir,
                kill: kill.id.clone(),
                who: kill.who.clone(),
            };
            match &self.diagnoses {
                Some(tx) => self.offer(tx.clone(), job, "diagnosis"),
                None => {
                    let d = diagnose(&job, &self.ctx);
                    self.summary.diagnoses += 1;
                    self.emit(&Event::Diagnosis(d))?;
                }
            }
        }
        self.enforce();
        Ok(())
    }

    /// Posts `d` as a Kubernetes Event on its Pod, when Events are on and
    /// the Pod is named; a notice the queue has no room for is counted
    /// dropped.
    fn tell_pod(&mut self, d: &event::Diagnosis) {
        let victim = self.victims.remove(&d.kill);
        let Some(p) = &self.pod_events else { return };
        let (Some(ns), Some(pod)) = (&d.who.namespace, &d.who.pod) else {
            return;
        };
        let container = d.who.container.as_deref().unwrap_or("?");
        let mut message = format!(
            "{} OOM-killed in container {container}: {}",
            victim.as_deref().unwrap_or("a process"),
            d.headline
        );
        if let Some(c) = d.causes.first() {
            message.push_str(&format!(" Cause: {}", c.summary));
        }
        if let Some(s) = &d.spool {
            let dir = Path::new(s).parent().unwrap_or(Path::new(s));
            message.push_str(&format!(
                " Evidence: {} on node {} (oomlens spool show).",
                dir.display(),
                self.host
            ));
        }
        let n = crate::pod_event::Notice {
            namespace: ns.clone(),
            pod: pod.clone(),
            pod_uid: d.who.pod_uid.clone(),
            container: d.who.container.clone(),
            message,
            time: Timestamp::now(),
        };
        if !p.offer(n) {
            self.metrics
                .dropped
                .get_or_create(&WhatLabels {
                    what: "pod-event".into(),
                })
                .inc();
        }
    }

    fn offer<T>(&self, tx: SyncSender<T>, job: T, what: &str) {
        if let Err(TrySendError::Full(_)) = tx.try_send(job) {
            self.metrics
                .dropped
                .get_or_create(&WhatLabels { what: what.into() })
                .inc();
        }
    }

    fn write_entry(&self, dir: &Path, kill: &event::Kill, kern: Option<&[u8]>) -> io::Result<()> {
        if let Some(k) = kern {
            std::fs::write(dir.join("kern.log"), k)?;
        }
        if let Some(w) = self.watched.get(&kill.who.cgroup) {
            let mut om = Writer::new();
            for k in &w.history {
                let t = k.at.as_millisecond() as f64 / 1000.0;
                cgroup::write(&mut om, t, &w.cgroup.labels, &k.reading)?;
                for (pid, m) in &k.jvms {
                    oomlens_live::hsperf::write(&mut om, t, &w.cgroup.labels, *pid, m)?;
                }
            }
            if om.samples() > 0 {
                let mut f = io::BufWriter::new(std::fs::File::create(dir.join("samples.om"))?);
                om.finish(&mut f)?;
                f.flush()?;
            }
        }
        Ok(())
    }

    /// Saves the counters when they changed, for a restart.
    fn save_counters(&mut self) {
        let now = self.ledger.counters();
        if now == self.saved_counters {
            return;
        }
        let v = serde_json::json!({"boot_id": self.boot_id, "counters": now});
        let path = self.spool.counters();
        let tmp = path.with_extension("tmp");
        let written =
            std::fs::write(&tmp, v.to_string()).and_then(|_| std::fs::rename(&tmp, &path));
        match written {
            Ok(()) => self.saved_counters = now,
            Err(e) => eprintln!("oomlens watch: {}: {e}", path.display()),
        }
    }

    fn enforce(&mut self) {
        let (bytes, _) = self.spool.enforce();
        self.metrics.spool_bytes.set(bytes as i64);
    }

    /// Reads every container cgroup's OOM-kill counter into the ledger.
    fn sweep_counters(&mut self, now: Instant) {
        let counters = counters(self.version, &self.root);
        self.count(&counters, now);
    }

    fn count(&mut self, counters: &[(String, u64)], now: Instant) {
        for (id, value) in counters {
            // Made after the last pass (of this run, or of the run before a
            // restart): every kill it counts is new.
            let fresh = !self.ledger.knows(id) && (self.passes > 0 || self.seeded);
            self.ledger.counter(id, *value, fresh, now);
        }
    }

    /// One sampling pass taken here (`--once`).
    fn pass(&mut self) -> io::Result<()> {
        let round = self.sampler.step(Timestamp::now());
        let counters = counters_of(self.version, &round);
        let took = elapsed_since(round.at);
        self.absorb(Pass {
            round,
            counters,
            took,
        })
    }

    /// A sampling pass taken: readings kept, ratios published, counters
    /// into the ledger, JVMs near their limit captured.
    fn absorb(&mut self, pass: Pass) -> io::Result<()> {
        let Pass {
            round,
            counters,
            took,
        } = pass;
        let mut jvms: HashMap<&str, Vec<(u32, JvmMemory)>> = HashMap::new();
        for j in &round.jvms {
            jvms.entry(j.cgroup.id.as_str())
                .or_default()
                .push((j.pid, j.memory.clone()));
        }
        let mut jobs = Vec::new();
        for l in &round.live {
            let id = l.cgroup.id.clone();
            let w = self.watched.entry(id.clone()).or_insert_with(|| {
                let who = identify(&self.paths, &id);
                Watched {
                    cgroup: Arc::clone(&l.cgroup),
                    who,
                    history: VecDeque::new(),
                    level: 0,
                    histograms: Histograms::default(),
                    dumped: false,
                    failcnt: l.reading.failcnt,
                    limit: l.reading.limit_bytes,
                    gone: None,
                }
            });
            if w.gone.take().is_some() {
                w.level = 0;
                w.histograms = Histograms::default();
                w.dumped = false;
            }
            self.metrics.touch_kills(&w.who, "memcg");
            let js = jvms.remove(id.as_str()).unwrap_or_default();
            if w.history.len() == self.opts.history.max(1) {
                w.history.pop_front();
            }
            w.history.push_back(Kept {
                at: round.at,
                reading: l.reading.clone(),
                jvms: js.clone(),
            });
            w.limit = l.reading.limit_bytes;
            let pressure = l.reading.failcnt > w.failcnt;
            w.failcnt = l.reading.failcnt;
            if let Some(r) = ratio(&l.reading) {
                self.metrics.set_ratio(&w.who, r);
                let (t, t2) = (self.opts.threshold, self.opts.again);
                let (want, reason) = wanted(r, pressure, t, t2);
                if r < t - REARM {
                    w.level = 0;
                    w.dumped = false;
                }
                let early = self.opts.histogram_at.filter(|&h| h < t);
                if early.is_none_or(|h| r < h - REARM) {
                    w.histograms = Histograms::default();
                }
                let now = Instant::now();
                let histogram =
                    histogram_due(r, early, &w.histograms, self.opts.histogram_every, now);
                let dump = self.opts.heap_dump_at.is_some_and(|d| r >= d) && !w.dumped;
                if (want > w.level || dump) && self.opts.capture {
                    if let Some((pid, m)) = js.first() {
                        let (level, reason) = if want > w.level {
                            (if want == 2 { t2 } else { t }, reason)
                        } else {
                            (self.opts.heap_dump_at.unwrap_or(t2), "heap-dump")
                        };
                        w.level = w.level.max(want);
                        w.dumped |= dump;
                        // Its histogram is the series' point at this level.
                        w.histograms.last = Some(now);
                        jobs.push(CaptureJob {
                            pid: *pid,
                            who: w.who.clone(),
                            ratio: r,
                            level,
                            reason,
                            scope: event::CaptureScope::All,
                            dump: dump.then(|| m.heap_committed.or(m.heap_max)),
                        });
                    }
                } else if let Some(h) = histogram {
                    if self.opts.capture {
                        if let Some((pid, _)) = js.first() {
                            w.histograms.alone += 1;
                            w.histograms.last = Some(now);
                            jobs.push(CaptureJob {
                                pid: *pid,
                                who: w.who.clone(),
                                ratio: r,
                                level: h,
                                reason: "threshold",
                                scope: event::CaptureScope::Histogram,
                                dump: None,
                            });
                        }
                    }
                }
            }
        }
        let now = Instant::now();
        for g in &round.gone {
            if let Some(w) = self.watched.get_mut(&g.cgroup.id) {
                w.gone = Some(now);
                self.metrics.gone(&w.who, "memcg");
            }
        }
        self.watched.retain(|_, w| {
            w.gone
                .is_none_or(|t| now.saturating_duration_since(t) < KEEP_GONE)
        });
        self.count(&counters, now);
        // Accounts of cgroups whose folder is gone (not merely missing from a
        // pass read before they were made) are forgotten.
        let mut present: Vec<&str> = counters.iter().map(|(cg, _)| cg.as_str()).collect();
        present.sort_unstable();
        let gone: Vec<String> = self
            .ledger
            .cgroups()
            .filter(|cg| present.binary_search(cg).is_err())
            .filter(|cg| !sampler::below(&self.root, Path::new(cg)).exists())
            .map(str::to_string)
            .collect();
        for cg in gone {
            self.ledger.forget(&cg);
        }
        self.save_counters();
        self.passes += 1;
        self.summary.passes += 1;
        self.metrics.containers.set(round.alive as i64);
        self.metrics.pass.observe(took.as_secs_f64());
        for job in jobs {
            match &self.captures {
                Some(tx) => self.offer(tx.clone(), job, "capture"),
                None => {
                    let c = run_capture(&self.spool, self.opts.attach_timeout, job);
                    self.summary.captures += 1;
                    self.emit(&Event::Capture(c))?;
                }
            }
        }
        Ok(())
    }
}

/// Counters saved by a run of this boot.
fn load_counters(path: &Path, boot_id: &str) -> Option<std::collections::BTreeMap<String, u64>> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    if v["boot_id"].as_str() != Some(boot_id) {
        return None;
    }
    serde_json::from_value(v["counters"].clone()).ok()
}

/// Every container cgroup's OOM-kill counter, by cgroup path.
fn counters(version: Version, root: &Path) -> Vec<(String, u64)> {
    cgroup::containers(root, None)
        .into_iter()
        .filter_map(|dir| {
            let v = cgroup::oom_kills(version, &dir)?;
            Some((cgroup::kernel_path(root, &dir), v))
        })
        .collect()
}

/// The OOM-kill counters of the container cgroups a sampling round saw:
/// the live ones from their readings, the empty ones (a kill often leaves
/// its cgroup so) from their counter file; no second walk of the tree.
fn counters_of(version: Version, round: &Round) -> Vec<(String, u64)> {
    let live = round
        .live
        .iter()
        .map(|l| (l.cgroup.id.clone(), l.reading.oom_events));
    let empty = round
        .empty
        .iter()
        .filter_map(|(id, dir)| Some((id.clone(), cgroup::oom_kills(version, dir)?)));
    live.chain(empty).collect()
}

fn elapsed_since(t: Timestamp) -> Duration {
    Duration::try_from(Timestamp::now().duration_since(t)).unwrap_or_default()
}

/// Hands each round, with the counters, to the agent's loop.
struct Forward {
    tx: Sender<In>,
    version: Version,
}

impl Sink for Forward {
    fn round(&mut self, round: &Round) -> io::Result<()> {
        let counters = counters_of(self.version, round);
        let pass = Pass {
            round: round.clone(),
            counters,
            took: elapsed_since(round.at),
        };
        self.tx
            .send(In::Pass(Box::new(pass)))
            .map_err(|_| io::Error::other("the agent's loop is gone"))
    }
}

/// Samples on a thread of its own, every `interval` (the first one after
/// `interval`: the caller took one), so that a slow pass (`memory.stat` of
/// a cgroup under pressure can take long) never delays a kill.
fn sampler_thread(
    mut sampler: Sampler,
    version: Version,
    interval: Duration,
    tx: Sender<In>,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name("oomlens-sample".into())
        .spawn(move || {
            // Deadlines for as long as the agent runs (a century).
            let mut schedule = Schedule::new(interval, Duration::from_secs(100 * 365 * 86_400));
            let mut sink = Forward { tx, version };
            if schedule.wait(&stop) == sampler::Wait::Next {
                let _ = sampler::run(&mut sampler, &mut schedule, &stop, &mut sink);
            }
        })?;
    Ok(())
}

/// How far below the threshold a container must fall before it may be
/// captured again (a sawtooth near the threshold is captured once).
const REARM: f64 = 0.2;
/// How close to the threshold a rising failcnt asks for a capture.
const PRESSURE_BAND: f64 = 0.1;

/// The capture level a reading asks for (0 none, 1 the threshold, 2 the
/// second level) and why: `ratio` at or above a level, or `pressure`
/// (failcnt / `max` events rising) within [`PRESSURE_BAND`] of the
/// threshold.
fn wanted(ratio: f64, pressure: bool, threshold: f64, again: f64) -> (u8, &'static str) {
    if ratio >= again {
        (2, "threshold")
    } else if ratio >= threshold {
        (1, "threshold")
    } else if pressure && ratio >= threshold - PRESSURE_BAND {
        (1, "pressure")
    } else {
        (0, "")
    }
}

/// The most class histograms taken alone in one rise past the early
/// level.
pub const MAX_HISTOGRAMS_PER_RISE: u32 = 8;

/// The class histograms of a container since it last rose past the early
/// level.
#[derive(Debug, Clone, Copy, Default)]
struct Histograms {
    /// Taken alone.
    alone: u32,
    /// When the last one was asked for (alone or in a full capture).
    last: Option<Instant>,
}

/// The early level at which a reading asks for the class histogram alone
/// (a pass that asks for a full capture does not: it has the histogram):
/// `ratio` at or above `early` (the histogram level, when below the
/// threshold), and none asked for since it rose past it; or, with `every`,
/// `every` after the last one, doubled after each one taken alone, at most
/// [`MAX_HISTOGRAMS_PER_RISE`] alone.
fn histogram_due(
    ratio: f64,
    early: Option<f64>,
    taken: &Histograms,
    every: Option<Duration>,
    now: Instant,
) -> Option<f64> {
    let h = early.filter(|&h| ratio >= h)?;
    let Some(last) = taken.last else {
        return Some(h);
    };
    let every = every?;
    let wait = every.saturating_mul(1 << taken.alone.saturating_sub(1).min(16));
    (taken.alone < MAX_HISTOGRAMS_PER_RISE && now.saturating_duration_since(last) >= wait)
        .then_some(h)
}

/// Rounds between two reads of a container's `memory.stat` and limit while
/// its usage is far from its limit.
const SLOW_EVERY: u32 = 10;

/// How often the sampler reads `memory.stat` and the limit: every
/// [`SLOW_EVERY`] rounds while usage is below every share a decision
/// is taken at (re-arming below the threshold minus [`REARM`], pressure
/// within [`PRESSURE_BAND`] of it, the early histogram's level, a heap
/// dump's level), every round from
/// there. The working set is never above the usage, so below that share
/// every decision is the one a fresh `memory.stat` would give; only the
/// ratio gauge and the samples kept carry inactive file pages up to
/// [`SLOW_EVERY`] rounds old.
fn cadence(opts: &Options) -> cgroup::Cadence {
    let near = (opts.threshold - REARM.max(PRESSURE_BAND))
        .min(opts.heap_dump_at.unwrap_or(1.0))
        .min(opts.histogram_at.unwrap_or(1.0))
        .max(0.0);
    cgroup::Cadence {
        every: SLOW_EVERY,
        near,
    }
}

/// Working set / limit, when there is a limit.
fn ratio(r: &Reading) -> Option<f64> {
    r.limit_bytes
        .filter(|&l| l > 0)
        .map(|l| r.working_set_bytes as f64 / l as f64)
}

fn capture_worker(
    spool: &Spool,
    timeout: Duration,
    tx: Sender<In>,
) -> io::Result<SyncSender<CaptureJob>> {
    let (jobs, rx) = mpsc::sync_channel::<CaptureJob>(4);
    let spool = spool.clone();
    std::thread::Builder::new()
        .name("oomlens-capture".into())
        .spawn(move || {
            for job in rx {
                if tx
                    .send(In::Captured(run_capture(&spool, timeout, job)))
                    .is_err()
                {
                    return;
                }
            }
        })?;
    Ok(jobs)
}

/// Attaches to the JVM and captures it into a new spool entry.
fn run_capture(spool: &Spool, timeout: Duration, job: CaptureJob) -> event::Capture {
    let started = Instant::now();
    let at = Timestamp::now();
    let mut c = event::Capture {
        time: event::time(at),
        pid: job.pid,
        who: job.who,
        ratio: job.ratio,
        level: job.level,
        reason: job.reason,
        scope: job.scope,
        files: 0,
        errors: Vec::new(),
        took_ms: 0,
        spool: None,
        heap_dump: None,
    };
    let opts = attach::Options {
        timeout,
        ..attach::Options::default()
    };
    let pct = (job.level * 100.0).round() as u32;
    let name = match job.scope {
        event::CaptureScope::All => format!("capture-{pct}"),
        event::CaptureScope::Histogram => format!("capture-histogram-{pct}"),
    };
    match Vm::attach(job.pid, &opts) {
        Err(e) => c.errors.push(format!("attach: {e}")),
        Ok(vm) => match spool.make(&c.who.key(), at, &name) {
            Err(e) => c.errors.push(format!("spool: {e}")),
            Ok(dir) => {
                let got = match job.scope {
                    event::CaptureScope::All => capture::all(&vm, &dir, Some(timeout)),
                    event::CaptureScope::Histogram => capture::histogram(&vm, &dir, Some(timeout)),
                };
                c.files = got.files();
                for (cmd, o) in &got.commands {
                    if let capture::Outcome::Failed(e) = o {
                        c.errors.push(format!("{cmd}: {e}"));
                    }
                }
                if let Some(heap) = job.dump {
                    c.heap_dump = Some(dump_heap(&vm, spool, &dir, heap));
                }
                c.spool = Some(dir.display().to_string());
            }
        },
    }
    c.took_ms = started.elapsed().as_millis() as u64;
    c
}

/// The free space a heap dump leaves on the spool's filesystem beyond
/// its own size: a tenth of the heap, at least 64 MiB.
fn dump_margin(heap: u64) -> u64 {
    (heap / 10).max(64 << 20)
}

/// Why a dump of `heap` committed bytes may not be written, given `free`
/// bytes on the spool's filesystem and a spool of `used` of `max` bytes;
/// `None`: there is room. The dump counts against the spool's size limit.
fn no_room_for_dump(heap: Option<u64>, free: u64, used: u64, max: u64) -> Option<String> {
    use oomlens_evidence::units::size;
    let Some(heap) = heap else {
        return Some("the JVM's committed heap is unknown (no performance counters)".into());
    };
    let need = heap.saturating_add(dump_margin(heap));
    if free < need {
        return Some(format!(
            "the spool's filesystem has {} free; a dump of the {} committed heap needs {} (with a margin of {})",
            size(free),
            size(heap),
            size(need),
            size(dump_margin(heap))
        ));
    }
    if used.saturating_add(heap) > max {
        return Some(format!(
            "the spool holds {} of its {} limit; a dump of the {} committed heap does not fit",
            size(used),
            size(max),
            size(heap)
        ));
    }
    None
}

/// How long a heap dump may take (the JVM is stopped while it writes).
const DUMP_TIMEOUT: Duration = Duration::from_secs(300);

/// Dumps the JVM's heap into its capture `dir` as `heap.hprof` when the
/// spool's filesystem and size limit have room for it.
fn dump_heap(vm: &Vm, spool: &Spool, dir: &Path, heap: Option<u64>) -> event::HeapDump {
    let free = match capture::free_bytes(dir) {
        Ok(f) => f,
        Err(e) => {
            return event::HeapDump::Refused {
                why: format!("statvfs {}: {e}", dir.display()),
            }
        }
    };
    let used = spool::du(spool.root());
    if let Some(why) = no_room_for_dump(heap, free, used, spool.limits().max_bytes) {
        return event::HeapDump::Refused { why };
    }
    let file = dir.join("heap.hprof");
    match capture::heap_dump(vm, &file, Some(DUMP_TIMEOUT)) {
        Ok(bytes) => event::HeapDump::Written {
            file: file.display().to_string(),
            bytes,
        },
        Err(e) => {
            let _ = std::fs::remove_file(&file);
            event::HeapDump::Failed { why: e.to_string() }
        }
    }
}

fn diagnosis_worker(ctx: TimeContext, tx: Sender<In>) -> io::Result<SyncSender<DiagnosisJob>> {
    let (jobs, rx) = mpsc::sync_channel::<DiagnosisJob>(16);
    std::thread::Builder::new()
        .name("oomlens-diagnose".into())
        .spawn(move || {
            for job in rx {
                if tx.send(In::Diagnosed(diagnose(&job, &ctx))).is_err() {
                    return;
                }
            }
        })?;
    Ok(jobs)
}

/// `oomlens diagnose` over a kill's spool entry; the Diagnosis is kept in
/// it as `diagnosis.json` and as the HTML report `report.html`.
fn diagnose(job: &DiagnosisJob, ctx: &TimeContext) -> event::Diagnosis {
    let started = Instant::now();
    let opts = oomlens_evidence::load::Options {
        time: ctx,
        threads: 1,
        wrap: None,
        only: None,
        // A heap dump in the entry waits for `oomlens diagnose`: reading
        // gigabytes would hold back the next kill's diagnosis.
        heap: None,
    };
    let mut ev = oomlens_analysis::case::Evidence::default();
    for loaded in oomlens_evidence::load::load(std::slice::from_ref(&job.entry), &opts) {
        // The entry's own bookkeeping is not evidence.
        if loaded
            .path
            .file_name()
            .is_some_and(|n| n == "event.json" || n == "diagnosis.json" || n == "report.html")
        {
            continue;
        }
        ev.add(loaded);
    }
    let d = oomlens_analysis::diagnose(ev);
    let path = job.entry.join("diagnosis.json");
    let _ = std::fs::write(&path, serde_json::to_vec_pretty(&d).unwrap_or_default());
    // The same Diagnosis as the HTML report `diagnose ENTRY --format html`
    // prints, charts and all, for whoever opens the spool after the kill.
    let page = job.entry.join("report.html");
    let html = std::fs::write(&page, oomlens_report::html::diagnosis(&d))
        .ok()
        .map(|_| page.display().to_string());
    event::Diagnosis {
        kill: job.kill.clone(),
        time: event::time(Timestamp::now()),
        who: job.who.clone(),
        headline: d.headline.clone(),
        causes: d
            .causes
            .iter()
            .map(|c| event::Cause {
                id: c.id,
                confidence: c.confidence,
                summary: c.summary.clone(),
            })
            .collect(),
        took_ms: started.elapsed().as_millis() as u64,
        spool: Some(path.display().to_string()),
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_levels_by_ratio_and_pressure() {
        assert_eq!(wanted(0.5, false, 0.9, 0.95), (0, ""));
        assert_eq!(wanted(0.9, false, 0.9, 0.95), (1, "threshold"));
        assert_eq!(wanted(0.97, false, 0.9, 0.95), (2, "threshold"));
        assert_eq!(wanted(0.85, false, 0.9, 0.95), (0, ""));
        assert_eq!(wanted(0.85, true, 0.9, 0.95), (1, "pressure"));
        assert_eq!(wanted(0.75, true, 0.9, 0.95), (0, ""), "too far below");
    }

    #[test]
    fn a_histogram_alone_at_the_early_level_then_less_and_less_often() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let none = Histograms::default();
        let every = Some(s(60));
        assert_eq!(histogram_due(0.79, Some(0.8), &none, every, t0), None);
        assert_eq!(histogram_due(0.8, Some(0.8), &none, every, t0), Some(0.8));
        assert_eq!(histogram_due(0.85, None, &none, every, t0), None, "off");
        // Once without `every`.
        let one = Histograms {
            alone: 1,
            last: Some(t0),
        };
        assert_eq!(
            histogram_due(0.85, Some(0.8), &one, None, t0 + s(999)),
            None
        );
        // The waits: 60 s, then 60 s, 120 s, 240 s after each alone.
        let after_full = Histograms {
            alone: 0,
            last: Some(t0),
        };
        let due = |h: &Histograms, at: u64| histogram_due(0.85, Some(0.8), h, every, t0 + s(at));
        assert_eq!(due(&after_full, 59), None);
        assert_eq!(due(&after_full, 60), Some(0.8));
        assert_eq!(due(&one, 59), None);
        assert_eq!(due(&one, 60), Some(0.8));
        let three = Histograms {
            alone: 3,
            last: Some(t0),
        };
        assert_eq!(due(&three, 239), None);
        assert_eq!(due(&three, 240), Some(0.8));
        let cap = Histograms {
            alone: MAX_HISTOGRAMS_PER_RISE,
            last: Some(t0),
        };
        assert_eq!(due(&cap, 1 << 30), None, "at most so many");
    }

    #[test]
    fn a_heap_dump_needs_the_heap_and_a_margin_free_and_room_in_the_spool() {
        const MI: u64 = 1 << 20;
        assert_eq!(no_room_for_dump(Some(32 * MI), 200 * MI, 0, 256 * MI), None);
        let why = no_room_for_dump(Some(32 * MI), 8 * MI, 0, 256 * MI).unwrap();
        assert!(why.contains("8 MiB free"), "{why}");
        assert!(why.contains("needs 96 MiB"), "{why}");
        // The margin grows with the heap: a tenth of 2 GiB.
        assert!(no_room_for_dump(Some(2048 * MI), 2200 * MI, 0, 8192 * MI).is_some());
        assert_eq!(
            no_room_for_dump(Some(2048 * MI), 2300 * MI, 0, 8192 * MI),
            None
        );
        let why = no_room_for_dump(Some(32 * MI), 200 * MI, 240 * MI, 256 * MI).unwrap();
        assert!(why.contains("limit"), "{why}");
        assert!(no_room_for_dump(None, u64::MAX, 0, u64::MAX).is_some());
    }

    #[test]
    fn ratio_is_working_set_over_a_limit() {
        let r = Reading {
            working_set_bytes: 90,
            usage_bytes: 100,
            limit_bytes: Some(100),
            ..Reading::default()
        };
        assert_eq!(ratio(&r), Some(0.9));
        assert_eq!(
            ratio(&Reading {
                limit_bytes: None,
                ..r.clone()
            }),
            None
        );
        assert_eq!(
            ratio(&Reading {
                limit_bytes: Some(0),
                ..r
            }),
            None
        );
    }
}
