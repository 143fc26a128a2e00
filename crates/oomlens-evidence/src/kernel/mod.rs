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

mod assemble;
mod lines;

use std::collections::BTreeMap;
use std::io::{self, Read};

use serde::Serialize;

use crate::cgroup::{CgroupLevel, ContainerIdentity};
use crate::input::{self, LineSink, ScanCounts};
use crate::provenance::{Span, Warnings};
use crate::time::{EventTime, TimeContext};

use assemble::Assembler;

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

/// The name of a counter in a stats dump or `Mem-Info:` (`anon`,
/// `pgfault`, `total_rss`, `active_file`, ...): the names kernels print
/// are shared static strings, any other is owned. A report carries dozens
/// of them, so a log of many kills holds no copy of each name per report.
pub type StatName = std::borrow::Cow<'static, str>;

/// A cgroup path as the report printed it, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemcgStats {
    pub cgroup: String,
    /// Values as printed, in bytes for sizes (`KB` suffixes multiplied out);
    /// event counters (`pgfault`, `workingset_*`, `thp_*`, ...) are counts.
    pub stats: BTreeMap<StatName, u64>,
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
    pub mem_info: BTreeMap<StatName, u64>,
    pub tasks: Vec<TaskRow>,
    /// Boxed, as `reaped`: most reports have neither, and a log of many
    /// kills holds one report per kill.
    pub selected: Option<Box<Selected>>,
    pub victim: Option<Victim>,
    pub reaped: Option<Box<Reaped>>,
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
    /// Stats-dump and task-table lines kept as text by a [`Bulk::Deferred`]
    /// scan, until [`OomReport::expand`] parses them.
    #[serde(skip)]
    deferred: Deferred,
}

/// How a scan fills a report's bulky parts: the values of its stats dumps
/// (`memcg_stats[].stats`) and its task table (`tasks`), some fifty lines of
/// the eighty a memcg report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bulk {
    /// Parsed as read: every report complete as it is emitted.
    #[default]
    Parsed,
    /// Checked as read (the same lines are covered, the same warnings
    /// given) but kept as their text, about a third of their parsed size,
    /// and parsed by [`OomReport::expand`]: for a reader of many kills that
    /// looks into a few (a diagnosis reads the stats and tasks of each
    /// container's latest kill).
    Deferred,
}

/// A report's deferred lines, as records: `D` and the index in
/// `memcg_stats` of the dump the next stats lines are of; `S`, a stats
/// line already taken apart: its name (one byte, the index in the names
/// kernels print, else 255, a length and the bytes) and its value; `H`, a
/// task-table header; `T` (a task row) or `N` (one read without a header),
/// its line number and its message. Numbers and lengths are LEB128
/// varints, messages are a length and their bytes. A stats line, some
/// twenty bytes of text, takes two to six.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Deferred {
    text: Vec<u8>,
    /// The dump of the last `D` record, plus one (0: none yet).
    dump: usize,
}

/// The name byte of a stats record whose name is not one of
/// [`lines::STAT_NAMES`]: its bytes follow.
const OTHER_NAME: u8 = u8::MAX;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at the start of `b` and the bytes after it; `None` when `b`
/// ends inside it or it holds more than 64 bits.
fn get_varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(10) {
        v |= u64::from(x & 0x7f).checked_shl(7 * i as u32)?;
        if x < 0x80 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

/// A length-prefixed byte string at the start of `b`, and the bytes after.
fn get_bytes(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = get_varint(b)?;
    let len = usize::try_from(len).ok()?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

impl Deferred {
    fn reserve(&mut self) {
        if self.text.is_empty() {
            // About what the stats and tasks of one report take.
            self.text.reserve(1024);
        }
    }
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
            deferred: Deferred::default(),
        }
    }

    /// Whether some stats or task lines of this report wait, unparsed, for
    /// [`OomReport::expand`].
    pub fn is_deferred(&self) -> bool {
        !self.deferred.text.is_empty()
    }

    /// Parses the stats and task lines a [`Bulk::Deferred`] scan kept as
    /// text into `memcg_stats` and `tasks`, as a [`Bulk::Parsed`] scan
    /// would have: afterwards the report is the same. Does nothing on a
    /// report without deferred lines.
    pub fn expand(&mut self) {
        let Deferred { text, .. } = std::mem::take(&mut self.deferred);
        let mut columns: Option<Vec<StatName>> = None;
        let mut dump = 0usize;
        let mut rest = &text[..];
        while let Some((&tag, after)) = rest.split_first() {
            match tag {
                b'D' => {
                    let Some((i, after)) = get_varint(after) else {
                        break;
                    };
                    dump = usize::try_from(i).unwrap_or(usize::MAX);
                    rest = after;
                }
                b'S' => {
                    let Some((&name, after)) = after.split_first() else {
                        break;
                    };
                    let (name, after) = match lines::STAT_NAMES.get(usize::from(name)) {
                        Some(n) => (StatName::Borrowed(n), after),
                        None => match get_bytes(after) {
                            Some((n, after)) => (lines::stat_name(n), after),
                            None => break,
                        },
                    };
                    let Some((v, after)) = get_varint(after) else {
                        break;
                    };
                    if let Some(s) = self.memcg_stats.get_mut(dump) {
                        s.stats.insert(name, v);
                    }
                    rest = after;
                }
                b'H' => {
                    let Some((msg, after)) = get_bytes(after) else {
                        break;
                    };
                    columns = Some(lines::task_columns(msg));
                    rest = after;
                }
                b'T' | b'N' => {
                    let Some((line, after)) = get_varint(after) else {
                        break;
                    };
                    let Some((msg, after)) = get_bytes(after) else {
                        break;
                    };
                    let cols = if tag == b'T' {
                        columns.as_deref()
                    } else {
                        None
                    };
                    if let Ok(row) = lines::task_row(msg, cols, line) {
                        self.tasks.push(row);
                    }
                    rest = after;
                }
                _ => break,
            }
        }
    }

    /// Drops the stats and task lines a [`Bulk::Deferred`] scan kept as
    /// text, unparsed: for a reader done with this report's bulk (the Case,
    /// once it knows which kills it reads).
    pub fn drop_deferred(&mut self) {
        self.deferred = Deferred::default();
    }

    /// Keeps a task-table header (`H`) or row (`T`, `N` as in [`Deferred`])
    /// for [`OomReport::expand`].
    fn defer(&mut self, tag: u8, no: u64, msg: &[u8]) {
        let d = &mut self.deferred;
        d.reserve();
        d.text.push(tag);
        if tag == b'T' || tag == b'N' {
            put_varint(&mut d.text, no);
        }
        put_varint(&mut d.text, msg.len() as u64);
        d.text.extend_from_slice(msg);
    }

    /// Keeps one line of stats dump number `dump`, taken apart by
    /// [`lines::stat_parts`], for [`OomReport::expand`].
    fn defer_stat(&mut self, dump: usize, name: &[u8], value: u64) {
        let d = &mut self.deferred;
        d.reserve();
        if d.dump != dump + 1 {
            d.text.push(b'D');
            put_varint(&mut d.text, dump as u64);
            d.dump = dump + 1;
        }
        d.text.push(b'S');
        match lines::stat_index(name) {
            Some(i) => d.text.push(i),
            None => {
                d.text.push(OTHER_NAME);
                put_varint(&mut d.text, name.len() as u64);
                d.text.extend_from_slice(name);
            }
        }
        put_varint(&mut d.text, value);
    }

    /// Gives back the room a deferred report's text does not use.
    fn settle_deferred(&mut self) {
        self.deferred.text.shrink_to_fit();
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
static ANCHORS: input::Anchors<&str> = input::Anchors::new(&[
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
    // journald's JSON keeps a message that is not UTF-8 as an array of
    // byte values: no anchor shows until it is framed, so it is looked at.
    "\"MESSAGE\":[",
    // The sizes of a `Killed process` line wrapped onto the next line.
    "total-vm:",
]);

/// Streams a kernel log and calls `sink` with each OOM report as it is
/// completed. Never panics on input; I/O errors end the scan.
pub fn scan<R: Read>(
    source: &str,
    reader: R,
    ctx: &TimeContext,
    sink: impl FnMut(OomReport),
) -> io::Result<ScanSummary> {
    scan_with(source, reader, ctx, Bulk::Parsed, sink)
}

/// [`scan`], with the reports' stats and task lines filled as `bulk` says.
pub fn scan_with<R: Read>(
    source: &str,
    reader: R,
    ctx: &TimeContext,
    bulk: Bulk,
    sink: impl FnMut(OomReport),
) -> io::Result<ScanSummary> {
    let mut a = Assembler::new(source, ctx, sink);
    a.bulk = bulk;
    a.split_lines = true;
    let counts = input::scan_lines(reader, Some(ANCHORS.get()), &mut a)?;
    a.finish();
    Ok(ScanSummary {
        counts,
        reports: a.emitted,
        warnings: a.warnings,
    })
}

/// A kernel log fed one line at a time, for a follower of a live log
/// (`/dev/kmsg`): the same assembly as [`scan`], with the waits a stream
/// cannot make in lines made by its caller in time ([`Feed::settle`]).
pub struct Feed<'c, F: FnMut(OomReport)> {
    a: Assembler<'c, F>,
    lines: u64,
}

impl<'c, F: FnMut(OomReport)> Feed<'c, F> {
    /// A feed citing `source`; `sink` gets each report as it completes.
    pub fn new(source: &str, ctx: &'c TimeContext, sink: F) -> Self {
        Feed {
            a: Assembler::new(source, ctx, sink),
            lines: 0,
        }
    }

    /// Reads one line (without its `\n`); lines are numbered from 1 in the
    /// order fed, and a report's `lines` span cites those numbers. Lines
    /// without report content are skipped as [`scan`] skips them.
    pub fn line(&mut self, line: &[u8]) {
        self.lines += 1;
        if self.a.wants_every_line() || ANCHORS.get().is_match(line) {
            self.a.line(self.lines, line);
        }
    }

    /// Lines fed so far: the number of the last one.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Emits the reports that are complete (their victim line read) and only
    /// wait for an `oom_reaper` line that may never come: call it when the
    /// log has been quiet for a moment.
    pub fn settle(&mut self) {
        self.a.settle();
    }

    /// Whether no report is open or waiting: a point to resume from.
    pub fn idle(&self) -> bool {
        self.a.idle()
    }

    /// Emits everything still open and returns the warnings.
    pub fn finish(mut self) -> Warnings {
        self.a.finish();
        self.a.warnings
    }
}

/// Parses a whole log held in memory: every report and the warnings.
pub fn parse(source: &str, bytes: &[u8], ctx: &TimeContext) -> (Vec<OomReport>, Warnings) {
    let mut out = Vec::new();
    let summary =
        scan(source, bytes, ctx, |r| out.push(r)).unwrap_or_else(|_| ScanSummary::default());
    (out, summary.warnings)
}

/// One kill printed in several logs (dmesg and syslog of one node, rotated
/// copies of one log: `kern.log`, `syslog`, `syslog.1.gz`) is one kill:
/// reports with the same victim pid, victim cgroup and sizes. The one
/// dedupe of `kernel` and `diagnose`; one look-up per report, so linear in
/// the number of kills, and a few dozen bytes per kill whatever the report.
#[derive(Debug, Default)]
pub struct Dedupe {
    seen: rustc_hash::FxHashMap<DedupeKey, Seen>,
    /// The source of the last kill recorded: the kills of one log share
    /// one copy of its name.
    source: Option<std::sync::Arc<str>>,
}

/// pid, a hash of the victim's memcg path, anon-rss, total-vm.
type DedupeKey = (u64, u64, Option<u64>, Option<u64>);

/// Where a kill was first seen, and its index among the kept reports.
#[derive(Debug, Clone)]
pub struct Seen {
    pub index: usize,
    pub source: std::sync::Arc<str>,
    pub line: u64,
    pub pid: u64,
}

impl Dedupe {
    /// `None` when `r` is a kill not seen before (recorded as kept report
    /// number `index`); else where it was first seen.
    pub fn check(&mut self, r: &OomReport, index: usize) -> Option<&Seen> {
        use std::hash::BuildHasher;
        let v = r.victim.as_ref()?;
        let memcg = rustc_hash::FxBuildHasher.hash_one(&r.task_memcg);
        let key = (v.pid, memcg, v.anon_rss_kb, v.total_vm_kb);
        match self.seen.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                let source = match &self.source {
                    Some(s) if **s == *r.lines.source => s.clone(),
                    _ => self.source.insert(r.lines.source.as_str().into()).clone(),
                };
                e.insert(Seen {
                    index,
                    source,
                    line: r.lines.first,
                    pid: v.pid,
                });
                None
            }
            std::collections::hash_map::Entry::Occupied(e) => Some(e.into_mut()),
        }
    }
}

impl Seen {
    /// The warning for a later copy of this kill.
    pub fn warning(&self) -> String {
        same_kill(&self.source, self.line, self.pid)
    }
}

/// The warning for a copy of the kill kept at `source:line`.
pub fn same_kill(source: &str, line: u64, pid: u64) -> String {
    format!("the same kill as {source}:{line} (victim pid {pid}): counted once")
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

    /// Every report of `text` read both ways: a deferred one, expanded, is
    /// the parsed one (every field, the warnings too); `stats` and `tasks`
    /// wait empty until expanded.
    fn deferred_matches_parsed(name: &str, text: &[u8]) -> (usize, usize) {
        let mut deferred_reports = 0;
        let ctx = TimeContext::default();
        let (parsed, pw) = parse(name, text, &ctx);
        let mut deferred = Vec::new();
        let dw = scan_with(name, text, &ctx, Bulk::Deferred, |r| deferred.push(r))
            .map(|s| s.warnings)
            .unwrap_or_default();
        assert_eq!(pw.items(), dw.items(), "{name}: warnings");
        assert_eq!(parsed.len(), deferred.len(), "{name}");
        for (p, mut d) in parsed.into_iter().zip(deferred) {
            // Tasks always wait; stats of a one-line (3.10) dump do not.
            assert!(d.tasks.is_empty(), "{name}");
            if !p.tasks.is_empty() {
                assert!(d.is_deferred(), "{name}: line {}", p.lines.first);
            }
            if d.is_deferred() {
                assert_ne!(p, d, "{name}: nothing deferred");
                deferred_reports += 1;
            }
            d.expand();
            assert!(!d.is_deferred());
            assert_eq!(p, d, "{name}: line {}", p.lines.first);
        }
        (deferred_reports, pw.items().len())
    }

    #[test]
    fn deferred_bulk_expands_to_the_parsed_report() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/kernel");
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "log") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() >= 20, "{files:?}");
        let mut deferred = 0;
        for f in &files {
            deferred +=
                deferred_matches_parsed(&f.display().to_string(), &std::fs::read(f).unwrap()).0;
        }
        assert!(deferred >= 15, "{deferred} fixtures' reports deferred");
        // Two hosts interleaved, a report folded by rsyslog, a task row
        // without its header, a row the header does not fit (its warning
        // given as it is read, not when expanded), two stats dumps.
        let mut text = String::new();
        for (x, y) in K6.lines().zip(K6.lines()) {
            text.push_str(&format!("Dec  2 13:55:56 a kernel: {x}\n"));
            text.push_str(&format!(
                "Dec  2 13:55:56 b kernel: {}\n",
                y.replace("1753", "99")
            ));
        }
        let folded = K6
            .lines()
            .map(|l| l.split_once("] ").unwrap().1)
            .collect::<Vec<_>>()
            .join("#012");
        text.push_str(&format!("Dec  2 13:55:57 h kernel: {folded}\n"));
        text.push_str(
            &K6.replace(
                "[   43.602959] [  pid  ]",
                "[   43.602958] [    7]     0     7    18790    17942   192512        0             0 sh\n[   43.602959] [  pid  ]",
            )
            .replace(
                "[   43.602961] [   1753]",
                "[   43.602960] [   1752]     0  x\n[   43.602961] [   1753]",
            )
            .replace(
                "[   43.602906] Tasks",
                "[   43.602900] Memory cgroup stats for /kubepods.slice:\n[   43.602901] anon 4096\n[   43.602902] file 8192\n[   43.602906] Tasks",
            ),
        );
        let (deferred, warnings) = deferred_matches_parsed("mixed.log", text.as_bytes());
        assert_eq!(deferred, 4);
        assert!(warnings >= 1, "the unreadable row is warned of");
    }

    #[test]
    fn varints_round_trip_and_refuse_what_is_cut() {
        for v in [0, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            b.push(0xAB);
            assert_eq!(get_varint(&b), Some((v, &[0xAB][..])), "{v}");
            assert_eq!(get_varint(&b[..b.len() - 2]), None, "{v} cut");
        }
        assert_eq!(get_varint(&[0x80; 11]), None, "more than 64 bits");
        assert_eq!(get_bytes(&[3, b'a', b'b']), None, "shorter than its length");
        assert_eq!(
            get_bytes(&[2, b'a', b'b', b'c']),
            Some((&b"ab"[..], &b"c"[..]))
        );
    }

    /// Stats lines are kept taken apart: a name kernels print in one byte,
    /// another name in full, values of 18 digits; expanded, they are
    /// what a parsed scan reads, in a fraction of their text.
    #[test]
    fn deferred_stats_are_compact_and_exact() {
        let odd = K6
            .replace(
                "[   43.602890] rss_huge 0\n",
                "[   43.602890] rss_huge 0\n[   43.602891] zz_new_counter 999999999999999999\n[   43.602892] pgfault 1234567\n",
            );
        let (deferred, _) = deferred_matches_parsed("odd.log", odd.as_bytes());
        assert_eq!(deferred, 1);
        let mut got = Vec::new();
        scan_with(
            "odd.log",
            odd.as_bytes(),
            &TimeContext::default(),
            Bulk::Deferred,
            |r| got.push(r),
        )
        .unwrap();
        let d = &got[0].deferred.text;
        // The header and the row as their text (a tag, a varint line number
        // for the row, a varint length); the five stats lines (85 bytes of
        // text) in 46 bytes: `D 0`, then `S`, a name byte and the value, the
        // odd name spelled out.
        let text_of = |start: &str| {
            let l = K6.lines().find(|l| l.contains(start)).unwrap();
            l.split_once("] ").unwrap().1.len()
        };
        let header = text_of("[  pid  ]") + 2;
        let row = text_of("[   1753]") + 3;
        let stats = 2 + 4 + 6 + 3 + (3 + 14 + 9) + 5;
        assert_eq!(d.len(), header + row + stats);
        let mut r = got.remove(0);
        r.expand();
        let stats = &r.memcg_stats[0].stats;
        assert_eq!(stats["zz_new_counter"], 999_999_999_999_999_999);
        assert!(matches!(
            stats.keys().find(|k| *k == "zz_new_counter"),
            Some(StatName::Owned(_))
        ));
        assert!(matches!(
            stats.keys().find(|k| *k == "pgfault"),
            Some(StatName::Borrowed(_))
        ));
        assert_eq!(stats["pgfault"], 1234567);
    }

    #[test]
    fn feed_emits_a_report_once_settled_and_resumes_when_idle() {
        let ctx = TimeContext::default();
        let mut got = Vec::new();
        let mut f = Feed::new("/dev/kmsg", &ctx, |r| got.push(r));
        assert!(f.idle());
        f.line(b"unrelated traffic");
        let lines: Vec<&str> = K6.lines().collect();
        for l in &lines[..3] {
            f.line(l.as_bytes());
        }
        assert!(!f.idle(), "a report is being printed");
        for l in &lines[3..] {
            f.line(l.as_bytes());
        }
        // Complete, waiting for an `oom_reaper` line.
        assert!(!f.idle());
        f.settle();
        assert!(f.idle());
        f.line(b"[   44.000000] oom_reaper: reaped process 1753 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB");
        let w = f.finish();
        assert_eq!(got.len(), 1, "{w:?}");
        let r = &got[0];
        assert_eq!(r.victim.as_ref().map(|v| v.pid), Some(1753));
        assert_eq!(r.kind, Kind::Memcg);
        assert_eq!(r.lines.first, 2, "numbered in the order fed");
    }

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
            include_str!("../../../../tests/fixtures/kernel/seed-k3.10-memcg-docker-syslog.log");
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

    /// The `oom-kill:` summary before its `invoked oom-killer` line (as a
    /// paste or a merged log may order them): one report, the summary's
    /// memcg kept. Lines of reportportal/kubernetes#203, reordered.
    #[test]
    fn summary_before_its_invoked_line_is_one_report() {
        let text = "\
[ 7063.247400] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=abc,mems_allowed=0,oom_memcg=/kubepods/burstable/pod1,task_memcg=/kubepods/burstable/pod1/abc,task=uwsgi,pid=63214,uid=0
[ 7063.247000] uwsgi invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=986
[ 7063.247300] memory: usage 524288kB, limit 524288kB, failcnt 0
[ 7063.247407] Memory cgroup out of memory: Killed process 63214 (uwsgi) total-vm:3149468kB, anon-rss:164992kB, file-rss:52176kB, shmem-rss:92kB, UID:0 pgtables:1372kB oom_score_adj:986
";
        let (r, _) = one(text);
        assert_eq!(r.kind, Kind::Memcg);
        assert_eq!(r.oom_memcg.as_deref(), Some("/kubepods/burstable/pod1"));
        assert_eq!(r.victim.as_ref().and_then(|v| v.anon_rss_kb), Some(164_992));
        assert_eq!((r.lines.first, r.lines.last), (1, 4));
    }

    /// `dmesg -T` under a German locale: the report is read and timed.
    /// The stamps are in the form of a real German `dmesg -T` (see the
    /// framing tests); the lines are genular/pandora#49's.
    #[test]
    fn localized_dmesg_t_report() {
        let text = "\
[Mo M\u{e4}r 29 13:10:39 2021] Out of memory: Kill process 27438 (R) score 31 or sacrifice child
[Mo M\u{e4}r 29 13:10:39 2021] Killed process 27438 (R) total-vm:38349780kB, anon-rss:1041924kB, file-rss:4kB, shmem-rss:0kB
";
        let (r, _) = one(text);
        assert_eq!(r.kind, Kind::Global);
        let utc = r.time.utc.as_deref().unwrap_or("");
        assert!(utc.starts_with("2021-03-29T"), "{:?}", r.time);
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
