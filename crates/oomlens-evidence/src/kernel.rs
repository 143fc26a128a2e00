//! OOM-killer reports in kernel logs, every generation.
//!
//! The kernel prints an OOM kill as a burst of lines (`dump_header()` and
//! `oom_kill_process()` in `mm/oom_kill.c`, `mem_cgroup_print_oom_*()` in
//! `mm/memcontrol.c`) whose wording changed many times:
//!
//! - 3.10 (RHEL 7): `Task in X killed as a result of limit of Y`, one-line
//!   `Memory cgroup stats for /x: cache:..KB rss:..KB`, `Kill process N (c)
//!   score S or sacrifice child`, then `Killed process N (c) total-vm:...`;
//! - 4.x: `shmem-rss`, `Tasks state (memory values in pages):`, the
//!   `pgtables_bytes` column, `oom_reaper: reaped process`;
//! - 5.x: `oom-kill:constraint=..,oom_memcg=..,task_memcg=..,task=..,pid=..,
//!   uid=..`, `Memory cgroup out of memory: Killed process .. UID:..
//!   pgtables:..kB oom_score_adj:..`, cgroup v2 `swap: usage` and
//!   `memory.stat`-style dumps;
//! - 6.x: multi-line v1 and v2 stat dumps, `rss_anon rss_file rss_shmem`
//!   task columns.
//!
//! [`scan`] streams a log of any size and yields one [`OomReport`] per kill,
//! memcg or global. Lines of the same host are assembled together, so reports
//! from several hosts interleaved in one aggregated log stay apart; lines
//! outside any report are skipped without being looked at, except those with
//! an anchor string. A report missing its start or end is still returned,
//! marked `truncated`, with a warning saying what is missing.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memmem;
use serde::Serialize;

use crate::cgroup::{self, CgroupLevel, ContainerIdentity};
use crate::framing::{self, Origin, Stamp};
use crate::input::{self, LineSink, ScanCounts};
use crate::provenance::{Span, Warnings};
use crate::time::{EventTime, TimeContext};

/// Whether the kill was inside a memory cgroup or the whole node ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A memory cgroup hit its limit (`CONSTRAINT_MEMCG`): a container, pod
    /// or QoS limit.
    Memcg,
    /// The node (or a cpuset / mempolicy) ran out of memory.
    Global,
    /// The log kept too little of the report to tell (a lone `Killed
    /// process` line from a kernel that prints it the same for both).
    Unknown,
}

/// The task whose allocation invoked the OOM killer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub comm: Option<String>,
    /// Thread id, from the `CPU: N PID: P Comm: C` line.
    pub pid: Option<u64>,
    pub gfp_mask: Option<String>,
    pub order: Option<i64>,
    pub oom_score_adj: Option<i64>,
    pub line: u64,
}

/// A memcg page counter line: `memory: usage 3145728kB, limit 3145728kB,
/// failcnt 498567`. A limit of `9007199254740988` kB means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counter {
    pub usage_kb: Option<u64>,
    pub limit_kb: Option<u64>,
    pub failcnt: Option<u64>,
    pub line: u64,
}

/// One row of the task table (`Tasks state (memory values in pages)`).
/// Columns a kernel did not print are `None`; memory columns are in pages
/// except `pgtables_bytes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskRow {
    pub pid: u64,
    pub uid: Option<i64>,
    pub tgid: Option<u64>,
    pub total_vm_pages: Option<u64>,
    pub rss_pages: Option<u64>,
    pub rss_anon_pages: Option<u64>,
    pub rss_file_pages: Option<u64>,
    pub rss_shmem_pages: Option<u64>,
    /// 3.10's page-table column, in pages.
    pub nr_ptes: Option<u64>,
    pub pgtables_bytes: Option<u64>,
    pub swapents_pages: Option<u64>,
    pub oom_score_adj: Option<i64>,
    /// Columns this parser has no field for, by header name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, i64>,
    pub name: String,
    pub line: u64,
}

/// `Kill process N (comm) score S or sacrifice child` (before 5.x): the task
/// the OOM killer chose; the kill may then hit its process or a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selected {
    pub pid: u64,
    pub comm: String,
    pub score: Option<i64>,
    pub line: u64,
}

/// `Killed process N (comm) total-vm:..kB, anon-rss:..kB, ...`: the process
/// the kernel killed. Fields the kernel did not print are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Victim {
    pub pid: u64,
    pub comm: String,
    pub total_vm_kb: Option<u64>,
    pub anon_rss_kb: Option<u64>,
    pub file_rss_kb: Option<u64>,
    pub shmem_rss_kb: Option<u64>,
    pub uid: Option<i64>,
    pub pgtables_kb: Option<u64>,
    pub oom_score_adj: Option<i64>,
    pub line: u64,
}

/// `oom_reaper: reaped process N (comm), now anon-rss:..kB, ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reaped {
    pub pid: u64,
    pub comm: String,
    pub anon_rss_kb: Option<u64>,
    pub file_rss_kb: Option<u64>,
    pub shmem_rss_kb: Option<u64>,
    pub line: u64,
}

/// `dump_header: 3 callbacks suppressed`: the kernel rate-limited part of
/// its OOM output, so reports near this one may be missing lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub function: String,
    pub count: u64,
    pub line: u64,
}

/// A cgroup path as the report printed it, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemcgStats {
    pub cgroup: String,
    /// Values as printed, in bytes for sizes (`KB` suffixes multiplied out);
    /// event counters (`pgfault`, `workingset_*`, `thp_*`, ...) are counts.
    pub stats: BTreeMap<String, u64>,
    pub line: u64,
}

/// One OOM kill, as the kernel reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OomReport {
    pub kind: Kind,
    /// `CONSTRAINT_MEMCG`, `CONSTRAINT_NONE`, ... (5.x+ `oom-kill:` line).
    pub constraint: Option<String>,
    pub trigger: Option<Trigger>,
    /// The cgroup whose limit was hit.
    pub oom_memcg: Option<String>,
    /// The victim's own cgroup.
    pub task_memcg: Option<String>,
    /// The trigger's cpuset cgroup (`<comm> cpuset=<x> mems_allowed=<y>`
    /// before 5.x, `cpuset=` of the `oom-kill:` line after): often the
    /// container's scope, so it names the container when no memcg path
    /// was printed.
    pub cpuset: Option<String>,
    /// Which level of the Kubernetes hierarchy `oom_memcg` is: `container`,
    /// `pod`, `qos`, `kubepods`, `root` or `other`.
    pub limit_level: Option<CgroupLevel>,
    /// Memory counter of `oom_memcg` (`memory:` line).
    pub memory: Option<Counter>,
    /// cgroup v1 `memory+swap:` counter.
    pub memory_swap: Option<Counter>,
    /// cgroup v1 `kmem:` counter.
    pub kmem: Option<Counter>,
    /// cgroup v2 `swap:` counter.
    pub swap: Option<Counter>,
    /// The stats dumps (`Memory cgroup stats for ...`), in printed order.
    pub memcg_stats: Vec<MemcgStats>,
    /// Global OOM `Mem-Info:` counters, in pages.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mem_info: BTreeMap<String, u64>,
    pub tasks: Vec<TaskRow>,
    pub selected: Option<Selected>,
    pub victim: Option<Victim>,
    pub reaped: Option<Reaped>,
    /// With `memory.oom.group` set, the kernel kills every task of this
    /// cgroup after the victim (`Tasks in X are going to be killed due to
    /// memory.oom.group set`).
    pub oom_group: Option<String>,
    /// The tasks killed with the group, in printed order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub oom_group_killed: Vec<Victim>,
    /// Container identity from the victim's cgroup (`task_memcg`).
    pub container: Option<ContainerIdentity>,
    /// The kernel release from the `CPU: ... Comm: ...` line.
    pub kernel_release: Option<String>,
    /// The host named by the log framing.
    pub host: Option<String>,
    /// When the kill happened (the victim line; else the report's first line).
    pub time: EventTime,
    /// True when the report lacks its start or its `Killed process` line.
    pub truncated: bool,
    pub callbacks_suppressed: Vec<Suppressed>,
    pub lines: Span,
}

impl OomReport {
    fn new(source: &str, line: u64) -> OomReport {
        OomReport {
            kind: Kind::Global,
            constraint: None,
            trigger: None,
            oom_memcg: None,
            task_memcg: None,
            cpuset: None,
            limit_level: None,
            memory: None,
            memory_swap: None,
            kmem: None,
            swap: None,
            memcg_stats: Vec::new(),
            mem_info: BTreeMap::new(),
            tasks: Vec::new(),
            selected: None,
            victim: None,
            reaped: None,
            oom_group: None,
            oom_group_killed: Vec::new(),
            container: None,
            kernel_release: None,
            host: None,
            time: EventTime::none(),
            truncated: false,
            callbacks_suppressed: Vec::new(),
            lines: Span::line(source, line),
        }
    }

    /// The stats dump of the victim's own cgroup, if printed.
    pub fn task_stats(&self) -> Option<&MemcgStats> {
        let task = self.task_memcg.as_deref()?;
        self.memcg_stats.iter().find(|s| s.cgroup == task)
    }
}

/// What a scan of one source found.
#[derive(Debug, Default)]
pub struct ScanSummary {
    pub counts: ScanCounts,
    pub reports: u64,
    pub warnings: Warnings,
}

/// Strings at least one line of every report fragment contains. Lines
/// without one are skipped unread while no report is open.
const ANCHORS: [&str; 17] = [
    "invoked oom-killer",
    "Killed process",
    "Kill process",
    "oom-kill:",
    "oom_reaper",
    "killed as a result of limit",
    "memory: usage",
    "Memory cgroup stats for",
    "Out of memory",
    "Mem-Info:",
    "callbacks suppressed",
    "Comm: ",
    "memory.oom.group",
    "Tasks state",
    "pid ]",
    "pid  ]",
    "mems_allowed=",
];

fn anchors() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(ANCHORS)
            .expect("static anchor set builds")
    })
}

/// Streams a kernel log and calls `sink` with each OOM report as it is
/// completed. Never panics on input; I/O errors end the scan.
pub fn scan<R: Read>(
    source: &str,
    reader: R,
    ctx: &TimeContext,
    sink: impl FnMut(OomReport),
) -> io::Result<ScanSummary> {
    let mut a = Assembler::new(source, ctx, sink);
    let counts = input::scan_lines(reader, Some(anchors()), &mut a)?;
    a.finish();
    Ok(ScanSummary {
        counts,
        reports: a.emitted,
        warnings: a.warnings,
    })
}

/// Parses a whole log held in memory: every report and the warnings.
pub fn parse(source: &str, bytes: &[u8], ctx: &TimeContext) -> (Vec<OomReport>, Warnings) {
    let mut out = Vec::new();
    let summary =
        scan(source, bytes, ctx, |r| out.push(r)).unwrap_or_else(|_| ScanSummary::default());
    (out, summary.warnings)
}

/// How far after its victim a report waits for an `oom_reaper` line, and
/// how many lines without report content close an unfinished report.
const REAPER_WINDOW: u64 = 5000;
const QUIET_LIMIT: u64 = 2000;
/// How far before a headless report a `CPU: .. Comm:` line may be.
const CPU_LOOKBACK: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Stats(usize),
    Tasks,
    MemInfo,
}

struct Building {
    r: OomReport,
    section: Section,
    columns: Option<Vec<String>>,
    last_content: u64,
    headless: bool,
    stamp: Option<(Stamp, String, Option<u64>)>,
    victim_prefix_kind: Option<Kind>,
    no_killable: bool,
    /// `task=`, `pid=`, `uid=` of the `oom-kill:` line: the victim, should
    /// the `Killed process` line be missing.
    oom_kill_task: Option<Victim>,
    /// What the call trace says: `mem_cgroup_*` frames mean a memcg OOM,
    /// `__alloc_pages_may_oom` a global one.
    trace_memcg: bool,
    trace_global: bool,
}

struct Cpu {
    line: u64,
    pid: Option<u64>,
    comm: Option<String>,
    release: Option<String>,
}

#[derive(Default)]
struct HostState {
    open: Option<Building>,
    /// Finished reports waiting a while for their `oom_reaper` line.
    pending: Vec<(u64, Building)>,
    last_cpu: Option<Cpu>,
    suppressed: Vec<Suppressed>,
}

struct Assembler<'c, F: FnMut(OomReport)> {
    source: String,
    ctx: &'c TimeContext,
    sink: F,
    hosts: Vec<(Option<Vec<u8>>, HostState)>,
    /// Host index of the report that saw content last, for continuation
    /// lines whose framing lost the host.
    last_active: Option<usize>,
    open_count: usize,
    emitted: u64,
    warnings: Warnings,
    /// The stamp of the line being read: a report's time until its victim
    /// line gives a better one.
    line_stamp: Option<(Stamp, String, Option<u64>)>,
}

impl<F: FnMut(OomReport)> LineSink for Assembler<'_, F> {
    fn line(&mut self, no: u64, line: &[u8]) {
        self.expire(no);
        let framed = framing::frame(line);
        if framed.origin == Origin::Other {
            return;
        }
        let host_idx = self.host_index(framed.host.as_deref(), no);
        self.line_stamp = Some((framed.stamp, framed.stamp_text(), framed.monotonic_us));
        for msg in framed.messages() {
            self.message(host_idx, no, msg, &framed);
        }
    }

    fn wants_every_line(&self) -> bool {
        self.open_count > 0
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((&self.source, &mut self.warnings))
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memmem::find(hay, needle)
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Parses leading decimal digits (with an optional `-`); returns the value
/// and the rest.
fn leading_int(b: &[u8]) -> Option<(i64, &[u8])> {
    let (neg, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let n = body.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in &body[..n] {
        v = v * 10 + i64::from(c - b'0');
    }
    Some((if neg { -v } else { v }, &body[n..]))
}

fn uint(b: &[u8]) -> Option<u64> {
    match leading_int(b) {
        Some((v, rest)) if v >= 0 && rest.is_empty() => Some(v as u64),
        _ => None,
    }
}

/// The value after `key` up to the next `,` or space (`usage 123kB,` ->
/// 123 with the `kB` unit dropped).
fn kb_after(msg: &[u8], key: &[u8]) -> Option<u64> {
    let i = find(msg, key)? + key.len();
    let (v, _) = leading_int(&msg[i..])?;
    u64::try_from(v).ok()
}

/// `pid (comm)` at the start of `b`: the comm ends at the last `)` before
/// `stop` (comm names may hold spaces and parentheses).
fn pid_comm<'a>(b: &'a [u8], stops: &[&[u8]]) -> Option<(u64, String, &'a [u8])> {
    let (pid, rest) = leading_int(b)?;
    let rest = rest.strip_prefix(b" (")?;
    let limit = stops
        .iter()
        .filter_map(|s| find(rest, s))
        .min()
        .unwrap_or(rest.len());
    let close = memchr::memrchr(b')', &rest[..limit.min(rest.len())])?;
    Some((
        u64::try_from(pid).ok()?,
        lossy(&rest[..close]),
        &rest[close + 1..],
    ))
}

/// `key:value` pairs in `total-vm:75160kB, anon-rss:65152kB, UID:0 ...`,
/// also RHEL 7's `UID 0`. Values keep their sign; `kB` is dropped.
fn colon_pairs(b: &[u8]) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut toks = b
        .split(|&c| c == b',' || c == b' ')
        .filter(|t| !t.is_empty())
        .peekable();
    while let Some(t) = toks.next() {
        if let Some(c) = memchr::memchr(b':', t) {
            if let Some((v, _)) = leading_int(&t[c + 1..]) {
                out.push((lossy(&t[..c]), v));
            }
        } else if t == b"UID" {
            if let Some((v, _)) = toks.peek().and_then(|n| leading_int(n)) {
                out.push(("UID".into(), v));
                toks.next();
            }
        }
    }
    out
}

impl<'c, F: FnMut(OomReport)> Assembler<'c, F> {
    fn new(source: &str, ctx: &'c TimeContext, sink: F) -> Self {
        Assembler {
            source: source.to_string(),
            ctx,
            sink,
            hosts: Vec::new(),
            last_active: None,
            open_count: 0,
            emitted: 0,
            warnings: Warnings::new(),
            line_stamp: None,
        }
    }

    fn host_index(&mut self, host: Option<&[u8]>, _no: u64) -> usize {
        // A continuation line that lost its framing belongs to whichever
        // report is being printed.
        if host.is_none() {
            if let Some(i) = self.last_active {
                if self.hosts[i].1.open.is_some() && self.hosts[i].0.is_some() {
                    return i;
                }
            }
        }
        if let Some(i) = self.hosts.iter().position(|(h, _)| h.as_deref() == host) {
            return i;
        }
        self.hosts
            .push((host.map(<[u8]>::to_vec), HostState::default()));
        self.hosts.len() - 1
    }

    /// Flushes reports that waited long enough and closes silent ones.
    fn expire(&mut self, no: u64) {
        for i in 0..self.hosts.len() {
            let st = &mut self.hosts[i].1;
            if st
                .pending
                .first()
                .is_some_and(|(at, _)| no.saturating_sub(*at) > REAPER_WINDOW)
            {
                let ready: Vec<_> = st.pending.drain(..).collect();
                for (_, b) in ready {
                    self.emit(b);
                }
            }
            let st = &mut self.hosts[i].1;
            if st
                .open
                .as_ref()
                .is_some_and(|b| no.saturating_sub(b.last_content) > QUIET_LIMIT)
            {
                if let Some(b) = st.open.take() {
                    self.open_count -= 1;
                    self.emit(b);
                }
            }
        }
    }

    fn start(&mut self, h: usize, no: u64, headless: bool) -> &mut Building {
        self.flush_host(h);
        let mut r = OomReport::new(&self.source, no);
        r.host = self.hosts[h].0.as_deref().map(lossy);
        let st = &mut self.hosts[h].1;
        r.callbacks_suppressed = std::mem::take(&mut st.suppressed);
        if headless {
            if let Some(cpu) = st.last_cpu.take() {
                if no.saturating_sub(cpu.line) <= CPU_LOOKBACK {
                    r.lines.cover(cpu.line);
                    r.kernel_release = cpu.release;
                    r.trigger = Some(Trigger {
                        comm: cpu.comm,
                        pid: cpu.pid,
                        line: cpu.line,
                        ..Trigger::default()
                    });
                }
            }
        }
        self.open_count += 1;
        self.last_active = Some(h);
        let st = &mut self.hosts[h].1;
        st.open = Some(Building {
            r,
            section: Section::None,
            columns: None,
            last_content: no,
            headless,
            stamp: self.line_stamp.clone(),
            victim_prefix_kind: None,
            no_killable: false,
            oom_kill_task: None,
            trace_memcg: false,
            trace_global: false,
        });
        st.open.as_mut().expect("just set")
    }

    /// Emits every report of host `h`, open or pending.
    fn flush_host(&mut self, h: usize) {
        let st = &mut self.hosts[h].1;
        let pending: Vec<_> = st.pending.drain(..).collect();
        let open = st.open.take();
        for (_, b) in pending {
            self.emit(b);
        }
        if let Some(b) = open {
            self.open_count -= 1;
            self.emit(b);
        }
    }

    /// The open report of host `h`, starting a headless one if none is open.
    fn current(&mut self, h: usize, no: u64) -> &mut Building {
        if self.hosts[h].1.open.is_none() {
            return self.start(h, no, true);
        }
        self.last_active = Some(h);
        self.hosts[h].1.open.as_mut().expect("checked")
    }

    fn message(&mut self, h: usize, no: u64, raw: &[u8], framed: &framing::Framed) {
        let msg = framing::kernel_message(trim(raw)).1;
        let msg = trim(msg);
        if msg.is_empty() {
            return;
        }
        let stamp = || (framed.stamp, framed.stamp_text(), framed.monotonic_us);

        if let Some(i) = find(msg, b" invoked oom-killer") {
            let b = self.start(h, no, false);
            b.stamp = Some(stamp());
            let pairs = &msg[i + b" invoked oom-killer".len()..];
            let pairs = pairs.strip_prefix(b":").unwrap_or(pairs);
            let mut t = Trigger {
                comm: Some(lossy(&msg[..i])),
                line: no,
                ..Trigger::default()
            };
            for kv in pairs.split(|&c| c == b',') {
                let kv = trim(kv);
                let Some(eq) = memchr::memchr(b'=', kv) else {
                    continue;
                };
                let (k, v) = (&kv[..eq], &kv[eq + 1..]);
                match k {
                    b"gfp_mask" => t.gfp_mask = Some(lossy(v)),
                    b"order" => t.order = leading_int(v).map(|x| x.0),
                    b"oom_score_adj" => t.oom_score_adj = leading_int(v).map(|x| x.0),
                    _ => {}
                }
            }
            b.r.trigger = Some(t);
            b.last_content = no;
            return;
        }

        if msg.starts_with(b"CPU: ") && find(msg, b" Comm: ").is_some() {
            let cpu = parse_cpu(no, msg);
            let st = &mut self.hosts[h].1;
            match st.open.as_mut() {
                Some(b) if b.r.kernel_release.is_none() => {
                    b.r.kernel_release = cpu.release;
                    if let Some(t) = b.r.trigger.as_mut() {
                        t.pid = t.pid.or(cpu.pid);
                    }
                    b.r.lines.cover(no);
                    b.last_content = no;
                }
                Some(_) => {}
                None => st.last_cpu = Some(cpu),
            }
            return;
        }

        if let Some(b) = self.hosts[h].1.open.as_mut() {
            if find(msg, b"mem_cgroup_out_of_memory").is_some()
                || find(msg, b"mem_cgroup_oom").is_some()
            {
                b.trace_memcg = true;
            } else if find(msg, b"__alloc_pages_may_oom").is_some() {
                b.trace_global = true;
            }
        }

        let cpuset_at = if msg.starts_with(b"cpuset=") {
            Some(0)
        } else {
            find(msg, b" cpuset=").map(|i| i + 1)
        };
        if let Some(i) = cpuset_at.filter(|_| !msg.starts_with(b"oom-kill:")) {
            // 4.x-5.x: `<comm> cpuset=<cgroup> mems_allowed=<nodes>`.
            let rest = &msg[i + 7..];
            let end = find(rest, b" mems_allowed").unwrap_or(rest.len());
            let cpuset = lossy(trim(&rest[..end]));
            let b = self.current(h, no);
            b.r.cpuset = Some(cpuset);
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if let Some(i) = find(msg, b": ").filter(|_| msg.ends_with(b"callbacks suppressed")) {
            let func = lossy(&msg[..i]);
            // The OOM killer's own rate limits; `slab_out_of_memory` is the
            // slab allocator's and says nothing about OOM reports.
            if !(func.contains("oom") || func == "dump_header" || func == "out_of_memory") {
                return;
            }
            let count = leading_int(&msg[i + 2..]).map_or(0, |x| x.0.max(0) as u64);
            let s = Suppressed {
                function: func,
                count,
                line: no,
            };
            let st = &mut self.hosts[h].1;
            match st.open.as_mut() {
                Some(b) => b.r.callbacks_suppressed.push(s),
                None => st.suppressed.push(s),
            }
            return;
        }

        if let Some(rest) = msg.strip_prefix(b"oom_reaper: reaped process ") {
            self.reaped(h, no, rest);
            return;
        }

        if let Some(rest) = msg.strip_prefix(b"Tasks in ") {
            if let Some(i) = find(rest, b" are going to be killed due to memory.oom.group") {
                let group = cgroup_path(&rest[..i]);
                let st = &mut self.hosts[h].1;
                if let Some((_, b)) = st.pending.last_mut() {
                    b.r.oom_group = Some(group);
                    b.r.lines.cover(no);
                    return;
                }
                let b = self.current(h, no);
                b.r.oom_group = Some(group);
                b.r.lines.cover(no);
                return;
            }
        }

        // Everything below is report content.
        if let Some(i) = find(msg, b"Killed process ") {
            let prefix = &msg[..i];
            let kind = if find(prefix, b"Memory cgroup out of memory").is_some() {
                Some(Kind::Memcg)
            } else if find(prefix, b"Out of memory").is_some() {
                Some(Kind::Global)
            } else {
                None
            };
            let rest = &msg[i + b"Killed process ".len()..];
            let Some((pid, comm, tail)) = pid_comm(rest, &[b" total-vm", b", UID", b" UID:"])
            else {
                self.warnings
                    .push(&self.source, Some(no), "unreadable `Killed process` line");
                return;
            };
            let mut v = Victim {
                pid,
                comm,
                line: no,
                ..Victim::default()
            };
            for (k, val) in colon_pairs(tail) {
                let u = u64::try_from(val).ok();
                match k.as_str() {
                    "total-vm" => v.total_vm_kb = u,
                    "anon-rss" => v.anon_rss_kb = u,
                    "file-rss" => v.file_rss_kb = u,
                    "shmem-rss" => v.shmem_rss_kb = u,
                    "UID" => v.uid = Some(val),
                    "pgtables" => v.pgtables_kb = u,
                    "oom_score_adj" => v.oom_score_adj = Some(val),
                    _ => {}
                }
            }
            let st = &mut self.hosts[h].1;
            if st.open.is_none() {
                if let Some((_, b)) = st
                    .pending
                    .last_mut()
                    .filter(|(_, b)| b.r.oom_group.is_some())
                {
                    // The group kill names the victim again: keep it once.
                    if b.r.victim.as_ref().map(|x| x.pid) != Some(v.pid) {
                        b.r.oom_group_killed.push(v);
                    }
                    b.r.lines.cover(no);
                    return;
                }
            }
            let b = self.current(h, no);
            if b.r.victim.is_some() {
                // A second `Killed process` for the same report: a process
                // sharing the victim's memory. The first one is the victim.
                b.r.lines.cover(no);
                return;
            }
            b.r.victim = Some(v);
            if kind.is_some() {
                b.victim_prefix_kind = kind;
            }
            b.stamp = Some(stamp());
            b.r.lines.cover(no);
            b.last_content = no;
            // The report is complete; keep it a while for its reaper line.
            let st = &mut self.hosts[h].1;
            if let Some(done) = st.open.take() {
                self.open_count -= 1;
                st.pending.push((no, done));
            }
            return;
        }

        if let Some(i) = find(msg, b"Kill process ") {
            let rest = &msg[i + b"Kill process ".len()..];
            let Some((pid, comm, tail)) = pid_comm(rest, &[b" score ", b" or sacrifice"]) else {
                self.warnings
                    .push(&self.source, Some(no), "unreadable `Kill process` line");
                return;
            };
            let score =
                find(tail, b"score ").and_then(|j| leading_int(&tail[j + 6..]).map(|x| x.0));
            let memcg = find(&msg[..i], b"Memory cgroup").is_some();
            let b = self.current(h, no);
            b.r.selected = Some(Selected {
                pid,
                comm,
                score,
                line: no,
            });
            if memcg {
                b.victim_prefix_kind = Some(Kind::Memcg);
            }
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if let Some(rest) = msg.strip_prefix(b"oom-kill:") {
            let b = self.current(h, no);
            b.r.lines.cover(no);
            b.last_content = no;
            b.section = Section::None;
            // `task=`, `pid=` and `uid=` name the victim again; parts
            // without `=` are `global_oom` or a comma inside a value
            // (`mems_allowed=0,1`).
            let mut task = Victim {
                line: no,
                ..Victim::default()
            };
            let mut task_pid = None;
            for part in rest.split(|&c| c == b',') {
                if part == b"global_oom" {
                    b.r.constraint
                        .get_or_insert_with(|| "CONSTRAINT_NONE".into());
                    continue;
                }
                let Some(eq) = memchr::memchr(b'=', part) else {
                    continue;
                };
                let v = lossy(&part[eq + 1..]);
                match &part[..eq] {
                    b"constraint" => b.r.constraint = Some(v),
                    b"oom_memcg" => b.r.oom_memcg = Some(cgroup_path(v.as_bytes())),
                    b"task_memcg" => b.r.task_memcg = Some(cgroup_path(v.as_bytes())),
                    b"cpuset" => b.r.cpuset = Some(v),
                    b"task" => task.comm = v,
                    b"pid" => task_pid = uint(v.as_bytes()),
                    b"uid" => task.uid = leading_int(v.as_bytes()).map(|x| x.0),
                    _ => {}
                }
            }
            if let Some(pid) = task_pid {
                task.pid = pid;
                b.oom_kill_task = Some(task);
            }
            return;
        }

        if let Some(i) = find(msg, b" killed as a result of limit of ") {
            let task = msg.strip_prefix(b"Task in ").unwrap_or(&msg[..i]);
            let task = &task[..task.len().min(i.saturating_sub(b"Task in ".len()))];
            let limit = &msg[i + b" killed as a result of limit of ".len()..];
            let b = self.current(h, no);
            b.r.task_memcg = Some(cgroup_path(task));
            b.r.oom_memcg = Some(cgroup_path(limit));
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        for (prefix, slot) in [
            (&b"memory: usage "[..], 0usize),
            (b"memory+swap: usage ", 1),
            (b"kmem: usage ", 2),
            (b"swap: usage ", 3),
        ] {
            if msg.starts_with(prefix) {
                let c = Counter {
                    usage_kb: kb_after(msg, b"usage "),
                    limit_kb: kb_after(msg, b"limit "),
                    failcnt: kb_after(msg, b"failcnt "),
                    line: no,
                };
                let b = self.current(h, no);
                match slot {
                    0 => b.r.memory = Some(c),
                    1 => b.r.memory_swap = Some(c),
                    2 => b.r.kmem = Some(c),
                    _ => b.r.swap = Some(c),
                }
                b.section = Section::None;
                b.r.lines.cover(no);
                b.last_content = no;
                return;
            }
        }

        if let Some(rest) = msg.strip_prefix(b"Memory cgroup stats for ") {
            // `/path:` alone (multi-line dump follows) or `/path: k:vKB ...`.
            let (path, pairs) = match find(rest, b": ") {
                Some(i) => (&rest[..i], &rest[i + 2..]),
                None => (rest.strip_suffix(b":").unwrap_or(rest), &b""[..]),
            };
            let mut stats = BTreeMap::new();
            for tok in pairs
                .split(|c| c.is_ascii_whitespace())
                .filter(|t| !t.is_empty())
            {
                if let Some(c) = memchr::memchr(b':', tok) {
                    if let Some(v) = stat_value(&tok[c + 1..]) {
                        stats.insert(lossy(&tok[..c]), v);
                    }
                }
            }
            let b = self.current(h, no);
            b.r.memcg_stats.push(MemcgStats {
                cgroup: cgroup_path(path),
                stats,
                line: no,
            });
            b.section = Section::Stats(b.r.memcg_stats.len() - 1);
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if msg.starts_with(b"Tasks state") {
            let b = self.current(h, no);
            b.section = Section::Tasks;
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if msg.starts_with(b"[") && find(msg, b"pid").is_some() && msg.ends_with(b"name") {
            let cols: Vec<String> = msg
                .split(|&c| c == b' ' || c == b'[' || c == b']' || c == b'\t')
                .filter(|t| !t.is_empty())
                .map(lossy)
                .collect();
            let b = self.current(h, no);
            b.columns = Some(cols);
            b.section = Section::Tasks;
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if msg == b"Mem-Info:" {
            let b = self.current(h, no);
            b.section = Section::MemInfo;
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if msg.starts_with(b"Out of memory and no killable processes") {
            let b = self.current(h, no);
            b.no_killable = true;
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        // Section content: only inside an open report.
        let Some(b) = self.hosts[h].1.open.as_mut() else {
            return;
        };
        match b.section {
            Section::Stats(idx) => {
                if let Some((k, v)) = stat_line(msg) {
                    if let Some(s) = b.r.memcg_stats.get_mut(idx) {
                        s.stats.insert(k, v);
                    }
                    b.r.lines.cover(no);
                    b.last_content = no;
                }
            }
            Section::Tasks => {
                if msg.starts_with(b"[") {
                    match task_row(msg, b.columns.as_deref(), no) {
                        Ok(row) => b.r.tasks.push(row),
                        Err(e) => self.warnings.push(&self.source, Some(no), e),
                    }
                    b.r.lines.cover(no);
                    b.last_content = no;
                }
            }
            Section::MemInfo => {
                if msg.starts_with(b"Node ") {
                    b.section = Section::None;
                } else {
                    let mut any = false;
                    for tok in msg
                        .split(|c| c.is_ascii_whitespace())
                        .filter(|t| !t.is_empty())
                    {
                        if let Some(c) = memchr::memchr(b':', tok) {
                            if let Some(v) = uint(&tok[c + 1..]) {
                                b.r.mem_info.insert(lossy(&tok[..c]), v);
                                any = true;
                            }
                        }
                    }
                    if any {
                        b.r.lines.cover(no);
                        b.last_content = no;
                    }
                }
            }
            Section::None => {
                // A task row whose header did not survive (a pasted excerpt):
                // kept only when its shape is a known layout.
                if b.columns.is_none() && msg.starts_with(b"[") {
                    if let Ok(row) = task_row(msg, None, no) {
                        b.r.tasks.push(row);
                        b.r.lines.cover(no);
                        b.last_content = no;
                    }
                }
            }
        }
    }

    fn reaped(&mut self, h: usize, no: u64, rest: &[u8]) {
        let Some((pid, comm, tail)) = pid_comm(rest, &[b", now", b" now"]) else {
            self.warnings
                .push(&self.source, Some(no), "unreadable `oom_reaper` line");
            return;
        };
        let mut r = Reaped {
            pid,
            comm,
            anon_rss_kb: None,
            file_rss_kb: None,
            shmem_rss_kb: None,
            line: no,
        };
        for (k, v) in colon_pairs(tail) {
            let u = u64::try_from(v).ok();
            match k.as_str() {
                "anon-rss" => r.anon_rss_kb = u,
                "file-rss" => r.file_rss_kb = u,
                "shmem-rss" => r.shmem_rss_kb = u,
                _ => {}
            }
        }
        // The reaper line belongs to the report whose victim it names; it
        // may arrive on the same host some lines later.
        let mut candidates: Vec<usize> = vec![h];
        candidates.extend((0..self.hosts.len()).filter(|&i| i != h));
        for i in candidates {
            let st = &mut self.hosts[i].1;
            let hit = st
                .pending
                .iter_mut()
                .map(|(_, b)| b)
                .chain(st.open.iter_mut())
                .find(|b| {
                    b.r.victim.as_ref().is_some_and(|v| v.pid == pid) && b.r.reaped.is_none()
                });
            if let Some(b) = hit {
                b.r.reaped = Some(r);
                b.r.lines.cover(no);
                return;
            }
        }
        self.warnings.push(
            &self.source,
            Some(no),
            format!("oom_reaper line for pid {pid} without its report"),
        );
    }

    fn emit(&mut self, b: Building) {
        let Building {
            mut r,
            headless,
            stamp,
            victim_prefix_kind,
            no_killable,
            oom_kill_task,
            trace_memcg: b_trace_memcg,
            trace_global: b_trace_global,
            ..
        } = b;
        let mut victim_from_oom_kill = false;
        if r.victim.is_none() {
            if let Some(v) = oom_kill_task {
                r.victim = Some(v);
                victim_from_oom_kill = true;
            }
        }
        r.kind = if r.constraint.as_deref() == Some("CONSTRAINT_MEMCG") {
            Kind::Memcg
        } else if r.constraint.is_some() {
            Kind::Global
        } else if let Some(k) = victim_prefix_kind {
            k
        } else if r.oom_memcg.is_some()
            || r.memory.is_some()
            || !r.memcg_stats.is_empty()
            || b_trace_memcg
        {
            // Only memcg OOMs print memcg counters and stats dumps.
            Kind::Memcg
        } else if !r.mem_info.is_empty() || b_trace_global {
            Kind::Global
        } else {
            Kind::Unknown
        };
        if r.kind == Kind::Global && r.constraint.as_deref() != Some("CONSTRAINT_CPUSET") {
            r.limit_level = Some(CgroupLevel::Root);
        } else if let Some(m) = r.oom_memcg.as_deref() {
            r.limit_level = Some(cgroup::level(m));
        }
        if let Some(t) = r.task_memcg.as_deref() {
            let id = cgroup::identify(t);
            if !id.is_empty() {
                r.container = Some(id);
            }
        }
        if r.container.is_none() {
            // The trigger's cpuset is the container's scope on most nodes.
            r.container = r
                .cpuset
                .as_deref()
                .map(cgroup::identify)
                .filter(|id| id.container_id.is_some());
        }
        if r.container.is_none() && r.task_memcg.is_none() && r.kind == Kind::Memcg {
            // 3.10-4.x global reports print no victim cgroup; for memcg
            // reports without `Task in`, the deepest stats cgroup with a
            // container id is the victim's.
            if let Some(id) = r
                .memcg_stats
                .iter()
                .rev()
                .map(|s| cgroup::identify(&s.cgroup))
                .find(|id| id.container_id.is_some())
            {
                r.container = Some(id);
            }
        }
        if let Some((st, raw, mono)) = stamp {
            r.time = self.ctx.resolve(&st, &raw, mono);
        }
        let mut missing = Vec::new();
        if headless {
            missing.push("its `invoked oom-killer` start");
        }
        if (r.victim.is_none() || victim_from_oom_kill) && !no_killable {
            missing.push("its `Killed process` line");
        }
        if !missing.is_empty() {
            r.truncated = true;
            self.warnings.push(
                &self.source,
                Some(r.lines.first),
                format!(
                    "OOM report at lines {}-{} is missing {}{}",
                    r.lines.first,
                    r.lines.last,
                    missing.join(" and "),
                    if victim_from_oom_kill {
                        " (victim taken from the `oom-kill:` line, without its sizes)"
                    } else {
                        ""
                    }
                ),
            );
        }
        if no_killable {
            self.warnings.push(
                &self.source,
                Some(r.lines.first),
                "the OOM killer found no killable process: the kernel panics or loops",
            );
        }
        self.emitted += 1;
        (self.sink)(r);
    }

    fn finish(&mut self) {
        for h in 0..self.hosts.len() {
            self.flush_host(h);
        }
    }
}

/// A cgroup path with its leading `/`: 3.10's `Task in` line prints the
/// victim's path without it, the limit's path with it.
fn cgroup_path(b: &[u8]) -> String {
    let p = lossy(trim(b));
    if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    }
}

fn parse_cpu(no: u64, msg: &[u8]) -> Cpu {
    let pid = find(msg, b" PID: ").and_then(|i| leading_int(&msg[i + 6..]).map(|x| x.0 as u64));
    let (comm, after) = match find(msg, b" Comm: ") {
        Some(i) => {
            let rest = &msg[i + 7..];
            let end = [&b" Tainted"[..], b" Not tainted"]
                .iter()
                .filter_map(|s| find(rest, s))
                .min()
                .unwrap_or(rest.len());
            (Some(lossy(trim(&rest[..end]))), &rest[end..])
        }
        None => (None, &b""[..]),
    };
    let release = after
        .split(|&c| c == b' ')
        .find(|t| t.len() > 3 && t[0].is_ascii_digit() && t.contains(&b'.'))
        .map(lossy);
    Cpu {
        line: no,
        pid,
        comm,
        release,
    }
}

/// A stats value: `156KB`/`156kB` (kibibytes) or a plain number.
fn stat_value(v: &[u8]) -> Option<u64> {
    let (n, unit) = leading_int(v)?;
    let n = u64::try_from(n).ok()?;
    match unit {
        b"" => Some(n),
        b"KB" | b"kB" => n.checked_mul(1024),
        _ => None,
    }
}

/// A multi-line stats dump line: `anon 123456`.
fn stat_line(msg: &[u8]) -> Option<(String, u64)> {
    let sp = memchr::memchr(b' ', msg)?;
    let key = &msg[..sp];
    if key.is_empty() || !key.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    Some((lossy(key), uint(trim(&msg[sp + 1..]))?))
}

/// The task table layouts the kernel has printed, by the number of values
/// after the pid; `pgtables` stands for either `nr_ptes` (3.10, pages) or
/// `pgtables_bytes` (4.x+), told apart by the value.
const LAYOUTS: [&[&str]; 3] = [
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "pgtables",
        "swapents",
        "oom_score_adj",
        "name",
    ],
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "nr_ptes",
        "nr_pmds",
        "swapents",
        "oom_score_adj",
        "name",
    ],
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "rss_anon",
        "rss_file",
        "rss_shmem",
        "pgtables_bytes",
        "swapents",
        "oom_score_adj",
        "name",
    ],
];

/// Columns for a row whose header is not in the log, guessed from its shape.
fn guess_columns(inner_after_pid: &[u8]) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut rest = inner_after_pid;
    while let Some((v, after)) = leading_int(rest.trim_ascii_start()) {
        values.push(v);
        rest = after;
    }
    // The name may itself start with digits; try the longest layout first.
    for layout in LAYOUTS.iter().rev() {
        let n = layout.len() - 2;
        if values.len() < n {
            continue;
        }
        return Some(
            layout
                .iter()
                .map(|c| {
                    if *c == "pgtables" {
                        // nr_ptes counts pages; pgtables_bytes is a multiple
                        // of the page size.
                        if values[5] >= 4096 && values[5] % 4096 == 0 {
                            "pgtables_bytes".to_string()
                        } else {
                            "nr_ptes".to_string()
                        }
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        );
    }
    None
}

fn task_row(msg: &[u8], columns: Option<&[String]>, no: u64) -> Result<TaskRow, String> {
    let inner = msg.strip_prefix(b"[").unwrap_or(msg);
    let guessed;
    let cols = match columns {
        Some(c) => c,
        None => {
            let close = memchr::memchr(b']', inner).ok_or("task row without `]`")?;
            guessed = guess_columns(&inner[close + 1..])
                .ok_or("task table row before its header, in no known layout: skipped")?;
            &guessed[..]
        }
    };
    let close = memchr::memchr(b']', inner).ok_or("task row without `]`")?;
    let pid = uint(trim(&inner[..close])).ok_or("task row without a pid")?;
    let mut rest = &inner[close + 1..];
    let mut row = TaskRow {
        pid,
        line: no,
        ..TaskRow::default()
    };
    // Header: pid, numeric columns..., name.
    let numeric = cols.len().saturating_sub(2);
    for col in cols.iter().skip(1).take(numeric) {
        let t = rest.trim_ascii_start();
        let (v, after) = leading_int(t).ok_or_else(|| format!("task row: no value for `{col}`"))?;
        rest = after;
        let u = u64::try_from(v).ok();
        match col.as_str() {
            "uid" => row.uid = Some(v),
            "tgid" => row.tgid = u,
            "total_vm" => row.total_vm_pages = u,
            "rss" => row.rss_pages = u,
            "rss_anon" => row.rss_anon_pages = u,
            "rss_file" => row.rss_file_pages = u,
            "rss_shmem" => row.rss_shmem_pages = u,
            "nr_ptes" => row.nr_ptes = u,
            "pgtables_bytes" => row.pgtables_bytes = u,
            "swapents" => row.swapents_pages = u,
            "oom_score_adj" => row.oom_score_adj = Some(v),
            other => {
                row.other.insert(other.to_string(), v);
            }
        }
    }
    row.name = lossy(trim(rest));
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (OomReport, Warnings) {
        let (mut r, w) = parse("t.log", text.as_bytes(), &TimeContext::default());
        assert_eq!(r.len(), 1, "reports: {r:#?}\nwarnings: {w:?}");
        (r.remove(0), w)
    }

    const K6: &str = "\
[   43.599397] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[   43.599438] CPU: 0 UID: 0 PID: 1753 Comm: python3 Not tainted 6.18.44-fc-v669 #1 PREEMPT(none) 
[   43.599461] Call Trace:
[   43.602695] memory: usage 65536kB, limit 65536kB, failcnt 312
[   43.602760] memory+swap: usage 65536kB, limit 9007199254740988kB, failcnt 0
[   43.602761] kmem: usage 248kB, limit 9007199254740988kB, failcnt 0
[   43.602762] Memory cgroup stats for /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod11111111_2222_3333_4444_555555555555.slice/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope:
[   43.602888] cache 8192
[   43.602889] rss 66805760
[   43.602890] rss_huge 0
[   43.602906] Tasks state (memory values in pages):
[   43.602959] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
[   43.602961] [   1753]     0  1753    18790    17942    16288     1654         0   192512        0             0 python3
[   43.602963] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod11111111_2222_3333_4444_555555555555.slice/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope,task_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod11111111_2222_3333_4444_555555555555.slice/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope,task=python3,pid=1753,uid=0
[   43.602992] Memory cgroup out of memory: Killed process 1753 (python3) total-vm:75160kB, anon-rss:65152kB, file-rss:6616kB, shmem-rss:0kB, UID:0 pgtables:188kB oom_score_adj:0
";

    #[test]
    fn kernel_6_v1_multiline() {
        let (r, w) = one(K6);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.kind, Kind::Memcg);
        assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
        let t = r.trigger.as_ref().unwrap();
        assert_eq!(t.comm.as_deref(), Some("python3"));
        assert_eq!(t.pid, Some(1753));
        assert_eq!(t.gfp_mask.as_deref(), Some("0xcc0(GFP_KERNEL)"));
        assert_eq!((t.order, t.oom_score_adj), (Some(0), Some(0)));
        assert_eq!(r.kernel_release.as_deref(), Some("6.18.44-fc-v669"));
        let m = r.memory.unwrap();
        assert_eq!(
            (m.usage_kb, m.limit_kb, m.failcnt),
            (Some(65536), Some(65536), Some(312))
        );
        assert_eq!(r.kmem.unwrap().usage_kb, Some(248));
        assert_eq!(r.memcg_stats.len(), 1);
        assert_eq!(r.memcg_stats[0].stats["rss"], 66805760);
        assert_eq!(r.tasks.len(), 1);
        let row = &r.tasks[0];
        assert_eq!(row.pid, 1753);
        assert_eq!(row.rss_anon_pages, Some(16288));
        assert_eq!(row.pgtables_bytes, Some(192512));
        assert_eq!(row.name, "python3");
        let v = r.victim.as_ref().unwrap();
        assert_eq!(v.pid, 1753);
        assert_eq!(v.anon_rss_kb, Some(65152));
        assert_eq!(v.file_rss_kb, Some(6616));
        assert_eq!(v.shmem_rss_kb, Some(0));
        assert_eq!(v.uid, Some(0));
        assert_eq!(v.pgtables_kb, Some(188));
        assert_eq!(v.oom_score_adj, Some(0));
        let c = r.container.as_ref().unwrap();
        assert_eq!(c.runtime.as_deref(), Some("containerd"));
        assert_eq!(
            c.pod_uid.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(r.limit_level, Some(CgroupLevel::Container));
        assert_eq!(r.lines.first, 1);
        assert_eq!(r.lines.last, 15);
        assert_eq!(r.time.uptime_s, Some(43.602992));
        assert!(!r.truncated);
    }

    #[test]
    fn seed_report_without_header() {
        let text =
            include_str!("../../../tests/fixtures/kernel/seed-k3.10-memcg-docker-syslog.log");
        let (r, w) = one(text);
        let v = r.victim.as_ref().unwrap();
        assert_eq!(v.pid, 2076520);
        assert_eq!(v.comm, "java");
        assert_eq!(v.anon_rss_kb, Some(3134504));
        assert_eq!(v.total_vm_kb, Some(19996104));
        assert_eq!(v.file_rss_kb, Some(13564));
        assert_eq!(v.uid, Some(0));
        let sel = r.selected.as_ref().unwrap();
        assert_eq!(
            (sel.pid, sel.comm.as_str(), sel.score),
            (4113092, "Java2D Disposer", Some(1955))
        );
        let m = r.memory.unwrap();
        assert_eq!(
            (m.usage_kb, m.limit_kb, m.failcnt),
            (Some(3145728), Some(3145728), Some(498567))
        );
        assert_eq!(r.kind, Kind::Memcg);
        assert_eq!(r.limit_level, Some(CgroupLevel::Pod));
        let c = r.container.as_ref().unwrap();
        assert_eq!(
            c.container_id.as_deref(),
            Some("928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720")
        );
        assert_eq!(
            c.pod_uid.as_deref(),
            Some("943d7e40-3a14-4519-b7a7-a2b6ee3576fb")
        );
        assert_eq!(r.tasks.len(), 2);
        assert_eq!(r.tasks[1].nr_ptes, Some(1968));
        let stats = r.task_stats().unwrap();
        assert_eq!(stats.stats["rss_huge"], 1538048 * 1024);
        let t = r.trigger.as_ref().unwrap();
        assert_eq!(t.pid, Some(2079469));
        assert_eq!(t.comm.as_deref(), Some("http-nio-8080-e"));
        assert_eq!(
            r.kernel_release.as_deref(),
            Some("3.10.0-1127.19.1.el7.x86_64")
        );
        assert!(r.truncated, "the seed excerpt starts after the header");
        assert_eq!(w.items().len(), 1);
        assert_eq!(r.host.as_deref(), Some("iZ2ze2ih1s2cnx3x31dpdeZ"));
    }

    #[test]
    fn two_hosts_interleaved() {
        let mut text = String::new();
        let a: Vec<String> = K6
            .lines()
            .map(|l| format!("Dec  2 13:55:56 a kernel: {l}"))
            .collect();
        let b: Vec<String> = K6
            .lines()
            .map(|l| format!("Dec  2 13:55:56 b kernel: {}", l.replace("1753", "9999")))
            .collect();
        for (x, y) in a.iter().zip(&b) {
            text.push_str(x);
            text.push('\n');
            text.push_str(y);
            text.push('\n');
            text.push_str("Dec  2 13:55:56 a kubelet[1]: noise\n");
        }
        let (r, w) = parse("t", text.as_bytes(), &TimeContext::default());
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.len(), 2);
        let pids: Vec<u64> = r.iter().map(|x| x.victim.as_ref().unwrap().pid).collect();
        assert!(pids.contains(&1753) && pids.contains(&9999));
        for x in &r {
            assert_eq!(x.tasks.len(), 1);
            assert_eq!(x.memcg_stats[0].stats.len(), 3);
        }
    }

    #[test]
    fn back_to_back_and_reaper() {
        let text = "\
[1.0] a invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0
[1.1] Memory cgroup out of memory: Kill process 10 (a) score 5 or sacrifice child
[1.2] Killed process 10 (a) total-vm:100kB, anon-rss:50kB, file-rss:1kB, shmem-rss:0kB
[1.3] b invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0
[1.4] Memory cgroup out of memory: Killed process 20 (b) total-vm:200kB, anon-rss:60kB, file-rss:2kB, shmem-rss:0kB
[1.5] oom_reaper: reaped process 20 (b), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
[1.6] oom_reaper: reaped process 10 (a), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
";
        let (r, w) = parse("t", text.as_bytes(), &TimeContext::default());
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].victim.as_ref().unwrap().pid, 10);
        assert_eq!(r[0].kind, Kind::Memcg);
        assert!(
            r[0].reaped.is_none(),
            "report 1 was flushed when report 2 started"
        );
        assert_eq!(r[1].reaped.as_ref().unwrap().pid, 20);
        assert_eq!(w.items().len(), 1, "{w:?}");
    }

    #[test]
    fn lone_killed_line_and_truncated_end() {
        let (r, _) = one("Killed process 7 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n");
        assert_eq!(r.kind, Kind::Unknown);
        let text = "noise\nOut of memory: Killed process 7 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4kB oom_score_adj:0\n";
        let (r, w) = one(text);
        assert_eq!(r.kind, Kind::Global);
        assert!(r.truncated);
        assert_eq!(r.victim.as_ref().unwrap().uid, Some(1000));
        assert_eq!(w.items().len(), 1);
        let text = "x invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0\nmemory: usage 1kB, limit 1kB, failcnt 1\n";
        let (r, _) = one(text);
        assert!(r.truncated);
        assert!(r.victim.is_none());
        assert_eq!(r.memory.unwrap().failcnt, Some(1));
    }

    #[test]
    fn comm_with_parens_and_spaces() {
        let text = "Killed process 5 (a (b) c) total-vm:1kB, anon-rss:2kB, file-rss:0kB\n";
        let (r, _) = one(text);
        assert_eq!(r.victim.as_ref().unwrap().comm, "a (b) c");
        assert_eq!(r.victim.as_ref().unwrap().anon_rss_kb, Some(2));
    }

    #[test]
    fn rsyslog_escaped_report_in_one_line() {
        let joined = K6
            .lines()
            .map(|l| l.split_once("] ").unwrap().1)
            .collect::<Vec<_>>()
            .join("#012");
        let text = format!("Dec  2 13:55:56 h kernel: {joined}\n");
        let (r, _) = one(&text);
        assert_eq!(r.tasks.len(), 1);
        assert_eq!(r.memcg_stats[0].stats["cache"], 8192);
        assert_eq!(r.lines.first, 1);
        assert_eq!(r.lines.last, 1);
    }

    #[test]
    fn global_with_mem_info() {
        let text = "\
[5.0] java invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
[5.1] Mem-Info:
[5.2] active_anon:100 inactive_anon:200 isolated_anon:0
[5.2]  active_file:3 inactive_file:4
[5.3] Node 0 active_anon:400kB inactive_anon:800kB
[5.4] Tasks state (memory values in pages):
[5.5] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
[5.6] [    100]     0   100     1000      500    40960        0             0 java
[5.7] [    101]   999   101     2000      600    40960        0          -999 my proc
[5.8] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/java.service,task=java,pid=100,uid=0
[5.9] Out of memory: Killed process 100 (java) total-vm:4000kB, anon-rss:2000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0
";
        let (r, w) = one(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.kind, Kind::Global);
        assert_eq!(r.limit_level, Some(CgroupLevel::Root));
        assert_eq!(r.mem_info["active_anon"], 100);
        assert_eq!(r.mem_info["inactive_file"], 4);
        assert_eq!(r.tasks.len(), 2);
        assert_eq!(r.tasks[1].name, "my proc");
        assert_eq!(r.tasks[1].oom_score_adj, Some(-999));
        assert_eq!(r.task_memcg.as_deref(), Some("/system.slice/java.service"));
        assert!(r.container.is_none());
    }

    #[test]
    fn callbacks_suppressed_are_kept() {
        let text = "dump_header: 3 callbacks suppressed\nnet_ratelimit: 9 callbacks suppressed\n"
            .to_string()
            + K6;
        let (r, _) = one(&text);
        assert_eq!(r.callbacks_suppressed.len(), 1);
        assert_eq!(r.callbacks_suppressed[0].count, 3);
    }

    #[test]
    fn unrelated_programs_are_ignored() {
        let text = "Dec  2 13:55:56 h myapp[1]: Killed process 5 (x) total-vm:1kB\n";
        let (r, w) = parse("t", text.as_bytes(), &TimeContext::default());
        assert!(r.is_empty());
        assert!(w.is_empty());
    }
}
