//! The per-host assembler: follows the lines of one kernel log, keeps one
//! report open per host, and closes a report when its end is seen, when a
//! new one starts, or after a quiet stretch ([`Assembler`]).

use std::collections::BTreeMap;

use crate::cgroup::{self, CgroupLevel};
use crate::framing::{self, Origin, Stamp};
use crate::input::LineSink;
use crate::provenance::Warnings;
use crate::time::TimeContext;

use super::lines::*;
use super::*;

/// How far after its victim a report waits for an `oom_reaper` line, and
/// how many lines without report content close an unfinished report.
const REAPER_WINDOW: u64 = 5000;
const QUIET_LIMIT: u64 = 2000;
/// How far before a headless report a `CPU: .. Comm:` line may be.
const CPU_LOOKBACK: u64 = 100;

/// Every string one of [`Assembler::message`]'s line kinds needs somewhere
/// inside the message (not at its start): a message with none of them is
/// section content or a line of a prefix kind, and the searches for each
/// are skipped (one pass instead of a dozen on most lines of a report).
static INNER: crate::input::Anchors<&str> = crate::input::Anchors::new(&[
    " invoked oom-killer",
    " Comm: ",
    "mem_cgroup_out_of_memory",
    "mem_cgroup_oom",
    "__alloc_pages_may_oom",
    "cpuset=",
    "callbacks suppressed",
    "Killed process ",
    "Kill process ",
    " killed as a result of limit of ",
]);

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
    columns: Option<Vec<StatName>>,
    last_content: u64,
    headless: bool,
    /// The report's stamp: its kind, its raw text (as bytes, rewritten in
    /// place when a better line gives it) and its monotonic value.
    stamp: Option<(Stamp, Vec<u8>, Option<u64>)>,
    victim_prefix_kind: Option<Kind>,
    no_killable: bool,
    /// `task=`, `pid=`, `uid=` of the `oom-kill:` line: the victim, should
    /// the `Killed process` line be missing.
    oom_kill_task: Option<Victim>,
    /// What the call trace says: `mem_cgroup_*` frames mean a memcg OOM,
    /// `__alloc_pages_may_oom` a global one.
    trace_memcg: bool,
    trace_global: bool,
    /// An `oom-kill:` line that ended before its `uid=` (wrapped when
    /// pasted): its line and its text after the last comma, which the next
    /// bare line continues.
    oom_kill_cut: Option<(u64, Vec<u8>)>,
    /// A task row was kept as text ([`Bulk::Deferred`]): the report has
    /// tasks, though `r.tasks` is empty until expanded.
    tasks_deferred: bool,
}

impl Building {
    /// Takes the stamp of `framed`'s line as the report's, in the buffer
    /// the report has.
    fn set_stamp(&mut self, framed: &framing::Framed) {
        match &mut self.stamp {
            Some((stamp, raw, mono)) => {
                *stamp = framed.stamp;
                raw.clear();
                raw.extend_from_slice(&framed.stamp_raw);
                *mono = framed.monotonic_us;
            }
            None => {
                self.stamp = Some((framed.stamp, framed.stamp_raw.to_vec(), framed.monotonic_us));
            }
        }
    }
}

#[derive(Default)]
struct HostState {
    open: Option<Building>,
    /// Finished reports waiting a while for their `oom_reaper` line.
    pending: Vec<(u64, Building)>,
    last_cpu: Option<Cpu>,
    suppressed: Vec<Suppressed>,
}

pub(super) struct Assembler<'c, F: FnMut(OomReport)> {
    source: String,
    ctx: &'c TimeContext,
    sink: F,
    hosts: Vec<(Option<Vec<u8>>, HostState)>,
    /// Host index of the report that saw content last, for continuation
    /// lines whose framing lost the host.
    last_active: Option<usize>,
    open_count: usize,
    pub(super) emitted: u64,
    pub(super) warnings: Warnings,
    /// The stamp of the line being read: a report's time until its victim
    /// line gives a better one.
    line_stamp: Option<(Stamp, Vec<u8>, Option<u64>)>,
    /// Whether stats values and task rows are parsed or kept as text.
    pub(super) bulk: Bulk,
    /// Set when every line comes from [`crate::input::scan_lines`], split
    /// at each `\n` (a fed line may carry several records).
    pub(super) split_lines: bool,
    framer: framing::Framer,
    /// The last victim cgroup identified, and what it gave: the kills of
    /// a crash loop name one cgroup over and over.
    identified: Option<(String, ContainerIdentity)>,
    /// The same for the last limit cgroup's level.
    leveled: Option<(String, CgroupLevel)>,
}

impl<F: FnMut(OomReport)> LineSink for Assembler<'_, F> {
    fn line(&mut self, no: u64, line: &[u8]) {
        self.expire(no);
        let framed = self.framer.frame(line);
        if framed.origin == Origin::Other {
            return;
        }
        let host_idx = self.host_index(framed.host.as_deref(), no);
        // Kept for a report that starts on this line, as bytes in a buffer
        // reused from line to line (made text only when a report starts).
        match &mut self.line_stamp {
            Some((stamp, raw, mono)) => {
                *stamp = framed.stamp;
                raw.clear();
                raw.extend_from_slice(&framed.stamp_raw);
                *mono = framed.monotonic_us;
            }
            None => {
                self.line_stamp =
                    Some((framed.stamp, framed.stamp_raw.to_vec(), framed.monotonic_us));
            }
        }
        // A message borrowed from a line the scanner split holds no `\n`:
        // it is the one message, unsearched (this runs on every line).
        match &framed.message {
            std::borrow::Cow::Borrowed(msg) if self.split_lines => {
                self.message(host_idx, no, msg, &framed)
            }
            _ => {
                for msg in framed.messages() {
                    self.message(host_idx, no, msg, &framed);
                }
            }
        }
    }

    fn wants_every_line(&self) -> bool {
        self.open_count > 0
    }

    fn warnings(&mut self) -> Option<(&str, &mut Warnings)> {
        Some((&self.source, &mut self.warnings))
    }
}

impl<'c, F: FnMut(OomReport)> Assembler<'c, F> {
    pub(super) fn new(source: &str, ctx: &'c TimeContext, sink: F) -> Self {
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
            bulk: Bulk::Parsed,
            split_lines: false,
            framer: framing::Framer::default(),
            identified: None,
            leveled: None,
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
                self.emit_pending(i);
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
        // An `oom-kill:` summary printed (or pasted) just before its
        // `invoked oom-killer` line is this report's, not one of its own.
        let summary = if headless {
            None
        } else {
            let st = &mut self.hosts[h].1;
            let only_summary = st.open.as_ref().is_some_and(|b| {
                b.headless
                    && b.oom_kill_task.is_some()
                    && b.r.victim.is_none()
                    && b.r.memory.is_none()
                    && b.r.tasks.is_empty()
                    && !b.tasks_deferred
                    && no.saturating_sub(b.last_content) <= 2
            });
            if only_summary {
                self.open_count -= 1;
                st.open.take()
            } else {
                None
            }
        };
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
            stamp: self
                .line_stamp
                .as_ref()
                .map(|(stamp, raw, mono)| (*stamp, raw.clone(), *mono)),
            victim_prefix_kind: None,
            no_killable: false,
            oom_kill_task: None,
            trace_memcg: false,
            trace_global: false,
            oom_kill_cut: None,
            tasks_deferred: false,
        });
        let b = st.open.as_mut().expect("just set");
        if let Some(sum) = summary {
            b.r.lines.cover(sum.r.lines.first);
            b.r.constraint = sum.r.constraint;
            b.r.oom_memcg = sum.r.oom_memcg;
            b.r.task_memcg = sum.r.task_memcg;
            b.r.cpuset = sum.r.cpuset;
            b.oom_kill_task = sum.oom_kill_task;
        }
        b
    }

    /// Emits the pending reports of host `h`, in order (its list keeps
    /// its room for the next ones).
    fn emit_pending(&mut self, h: usize) {
        let mut pending = std::mem::take(&mut self.hosts[h].1.pending);
        for (_, b) in pending.drain(..) {
            self.emit(b);
        }
        let st = &mut self.hosts[h].1;
        if st.pending.is_empty() {
            st.pending = pending;
        }
    }

    /// Emits every report of host `h`, open or pending.
    fn flush_host(&mut self, h: usize) {
        let open = self.hosts[h].1.open.take();
        self.emit_pending(h);
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
        // A line of a stats dump (half the lines of a memcg report), filed
        // before the searches below: no line kind they look for can be
        // `name value` (a trace frame's name in `name` only marks a memcg
        // report, which its dump does already), except the continuation
        // of a wrapped `oom-kill:` line, which waits for none here.
        if let Some(b) = self.hosts[h].1.open.as_mut() {
            if let (Section::Stats(idx), None) = (b.section, &b.oom_kill_cut) {
                if let Some((key, v)) = stat_parts(msg) {
                    if self.bulk == Bulk::Deferred {
                        b.r.defer_stat(idx, key, v);
                    } else if let Some(s) = b.r.memcg_stats.get_mut(idx) {
                        s.stats.insert(stat_name(key), v);
                    }
                    b.r.lines.cover(no);
                    b.last_content = no;
                    return;
                }
            }
        }
        let inner = INNER.get().is_match(msg);

        if let Some(i) = if inner {
            find_lit!(msg, b" invoked oom-killer")
        } else {
            None
        } {
            let b = self.start(h, no, false);
            b.set_stamp(framed);
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

        if inner && msg.starts_with(b"CPU: ") && find_lit!(msg, b" Comm: ").is_some() {
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

        if let Some(b) = self.hosts[h].1.open.as_mut().filter(|_| inner) {
            if find_lit!(msg, b"mem_cgroup_out_of_memory").is_some()
                || find_lit!(msg, b"mem_cgroup_oom").is_some()
            {
                b.trace_memcg = true;
            } else if find_lit!(msg, b"__alloc_pages_may_oom").is_some() {
                b.trace_global = true;
            }
        }

        let cpuset_at = if !inner {
            None
        } else if msg.starts_with(b"cpuset=") {
            Some(0)
        } else {
            find_lit!(msg, b" cpuset=").map(|i| i + 1)
        };
        if let Some(i) = cpuset_at.filter(|_| !msg.starts_with(b"oom-kill:")) {
            // 4.x-5.x: `<comm> cpuset=<cgroup> mems_allowed=<nodes>`.
            let rest = &msg[i + 7..];
            let end = find_lit!(rest, b" mems_allowed").unwrap_or(rest.len());
            let cpuset = lossy(trim(&rest[..end]));
            let b = self.current(h, no);
            b.r.cpuset = Some(cpuset);
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        if let Some(i) = if inner && msg.ends_with(b"callbacks suppressed") {
            find_lit!(msg, b": ")
        } else {
            None
        } {
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
            if let Some(i) = find_lit!(rest, b" are going to be killed due to memory.oom.group") {
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
        // `Killed process N (comm)` wrapped when pasted: its sizes on the
        // next bare line.
        if msg.starts_with(b"total-vm:") && framed.stamp == Stamp::None {
            // A bare line lost its host: the report is the last one active.
            let st = &mut self.hosts[self.last_active.unwrap_or(h)].1;
            let last = st.open.as_mut().or(st.pending.last_mut().map(|(_, b)| b));
            if let Some(b) = last.filter(|b| b.r.victim.as_ref().is_some_and(|v| v.line + 1 == no))
            {
                let too_big = match b.r.victim.as_mut() {
                    Some(v) => victim_sizes(v, msg),
                    None => Vec::new(),
                };
                for k in too_big {
                    self.warnings.push(&self.source, Some(no), too_large(k));
                }
                b.r.lines.cover(no);
                return;
            }
        }
        if let Some(i) = if inner {
            find_lit!(msg, b"Killed process ")
        } else {
            None
        } {
            let prefix = &msg[..i];
            let kind = if find_lit!(prefix, b"Memory cgroup out of memory").is_some() {
                Some(Kind::Memcg)
            } else if find_lit!(prefix, b"Out of memory").is_some() {
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
            for k in victim_sizes(&mut v, tail) {
                self.warnings.push(&self.source, Some(no), too_large(k));
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
            b.set_stamp(framed);
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

        if let Some(i) = if inner {
            find_lit!(msg, b"Kill process ")
        } else {
            None
        } {
            let rest = &msg[i + b"Kill process ".len()..];
            let Some((pid, comm, tail)) = pid_comm(rest, &[b" score ", b" or sacrifice"]) else {
                self.warnings
                    .push(&self.source, Some(no), "unreadable `Kill process` line");
                return;
            };
            let score =
                find_lit!(tail, b"score ").and_then(|j| leading_int(&tail[j + 6..]).map(|x| x.0));
            let memcg = find_lit!(&msg[..i], b"Memory cgroup").is_some();
            // 3.10-era node-wide OOM: `Out of memory: Kill process N (c)
            // score S or sacrifice child` is its only marker.
            let global = !memcg && find_lit!(&msg[..i], b"Out of memory").is_some();
            let b = self.current(h, no);
            b.r.selected = Some(Box::new(Selected {
                pid,
                comm,
                score,
                line: no,
            }));
            if memcg {
                b.victim_prefix_kind = Some(Kind::Memcg);
            } else if global && b.victim_prefix_kind.is_none() {
                b.victim_prefix_kind = Some(Kind::Global);
            }
            b.r.lines.cover(no);
            b.last_content = no;
            return;
        }

        // A long `oom-kill:` line wrapped when pasted: a bare line (no
        // stamp) right after one that ended before its `uid=` continues it,
        // mid-value or at a key.
        let cut = self.hosts[h]
            .1
            .open
            .as_ref()
            .and_then(|b| b.oom_kill_cut.as_ref())
            .filter(|(n, _)| *n + 1 == no && framed.stamp == Stamp::None)
            .map(|(_, tail)| [&tail[..], msg].concat());
        let oom_kill = match msg.strip_prefix(b"oom-kill:") {
            Some(rest) => Some(std::borrow::Cow::Borrowed(rest)),
            None => cut.map(std::borrow::Cow::Owned),
        };
        if let Some(rest) = oom_kill {
            let rest = &rest[..];
            let b = self.current(h, no);
            b.r.lines.cover(no);
            b.last_content = no;
            b.section = Section::None;
            b.oom_kill_cut = find_lit!(rest, b",uid=").is_none().then(|| {
                let from = memchr::memrchr(b',', rest).map_or(0, |i| i + 1);
                (no, rest[from..].to_vec())
            });
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
                let v = &part[eq + 1..];
                match &part[..eq] {
                    b"constraint" => b.r.constraint = Some(lossy(v)),
                    b"oom_memcg" => b.r.oom_memcg = Some(cgroup_path(v)),
                    b"task_memcg" => b.r.task_memcg = Some(cgroup_path(v)),
                    b"cpuset" => b.r.cpuset = Some(lossy(v)),
                    b"task" => task.comm = lossy(v),
                    b"pid" => task_pid = uint(v),
                    b"uid" => task.uid = leading_int(v).map(|x| x.0),
                    _ => {}
                }
            }
            if let Some(pid) = task_pid {
                task.pid = pid;
                b.oom_kill_task = Some(task);
            }
            return;
        }

        if let Some(i) = if inner {
            find_lit!(msg, b" killed as a result of limit of ")
        } else {
            None
        } {
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
            let (path, pairs) = match find_lit!(rest, b": ") {
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
                        stats.insert(stat_name(&tok[..c]), v);
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

        if msg.starts_with(b"[") && msg.ends_with(b"name") && find_lit!(msg, b"pid").is_some() {
            let cols = task_columns(msg);
            let deferred = self.bulk == Bulk::Deferred;
            let b = self.current(h, no);
            if deferred {
                b.r.defer(b'H', no, msg);
            }
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
        let deferred = self.bulk == Bulk::Deferred;
        let Some(b) = self.hosts[h].1.open.as_mut() else {
            return;
        };
        match b.section {
            Section::Stats(idx) if deferred => {
                // Checked now (the same lines covered), parsed on demand.
                if let Some((key, v)) = stat_parts(msg) {
                    b.r.defer_stat(idx, key, v);
                    b.r.lines.cover(no);
                    b.last_content = no;
                }
            }
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
                    if deferred {
                        // Checked now for its warning, kept as text.
                        match task_row_check(msg, b.columns.as_deref()) {
                            Ok(()) => {
                                b.r.defer(b'T', no, msg);
                                b.tasks_deferred = true;
                            }
                            Err(e) => self.warnings.push(&self.source, Some(no), e),
                        }
                    } else {
                        match task_row(msg, b.columns.as_deref(), no) {
                            Ok(row) => b.r.tasks.push(row),
                            Err(e) => self.warnings.push(&self.source, Some(no), e),
                        }
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
                                b.r.mem_info.insert(stat_name(&tok[..c]), v);
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
                        if deferred {
                            b.r.defer(b'N', no, msg);
                            b.tasks_deferred = true;
                        } else {
                            b.r.tasks.push(row);
                        }
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
            let Some(v) = v else {
                self.warnings.push(&self.source, Some(no), too_large(k));
                continue;
            };
            let u = u64::try_from(v).ok();
            match k {
                b"anon-rss" => r.anon_rss_kb = u,
                b"file-rss" => r.file_rss_kb = u,
                b"shmem-rss" => r.shmem_rss_kb = u,
                _ => {}
            }
        }
        // The reaper line belongs to the report whose victim it names; it
        // may arrive on the same host some lines later.
        let n = self.hosts.len();
        for i in std::iter::once(h).chain((0..n).filter(|&i| i != h)) {
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
                b.r.reaped = Some(Box::new(r));
                b.r.lines.cover(no);
                return;
            }
        }
        self.warnings.push_with(&self.source, Some(no), || {
            format!("oom_reaper line for pid {pid} without its report")
        });
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
        // Some kernels print `constraint=CONSTRAINT_NONE` for a memcg kill
        // whose kill line says `Memory cgroup out of memory` and whose
        // `oom_memcg` names a cgroup below the root: it is a memcg kill.
        let none_but_memcg = r.constraint.as_deref() == Some("CONSTRAINT_NONE")
            && victim_prefix_kind == Some(Kind::Memcg)
            && r.oom_memcg.as_deref().is_some_and(|m| m != "/");
        r.kind = if r.constraint.as_deref() == Some("CONSTRAINT_MEMCG") || none_but_memcg {
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
            r.limit_level = Some(match &self.leveled {
                Some((path, level)) if path == m => *level,
                _ => {
                    let level = cgroup::level(m);
                    self.leveled = Some((m.to_string(), level));
                    level
                }
            });
        }
        if let Some(t) = r.task_memcg.as_deref() {
            let id = match &self.identified {
                Some((path, id)) if path == t => id.clone(),
                _ => {
                    let id = cgroup::identify(t);
                    self.identified = Some((t.to_string(), id.clone()));
                    id
                }
            };
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
            r.time = self.ctx.resolve(&st, &lossy(&raw), mono);
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
        r.settle_deferred();
        self.emitted += 1;
        (self.sink)(r);
    }

    pub(super) fn finish(&mut self) {
        for h in 0..self.hosts.len() {
            self.flush_host(h);
        }
    }

    /// Emits the reports that are complete and only wait for their
    /// `oom_reaper` line; reports still being printed stay open.
    pub(super) fn settle(&mut self) {
        for h in 0..self.hosts.len() {
            self.emit_pending(h);
        }
    }

    /// Whether no report is open or waiting: every line read so far is in a
    /// report already emitted or in none.
    pub(super) fn idle(&self) -> bool {
        self.open_count == 0 && self.hosts.iter().all(|(_, st)| st.pending.is_empty())
    }
}

/// The warning for a value too large to read (shown as `-`).
fn too_large(key: &[u8]) -> String {
    let key = String::from_utf8_lossy(key);
    format!("`{key}` is too large a number to read: left out (shown as -)")
}

/// The sizes of a `Killed process` line (`total-vm:75160kB, anon-rss:...,
/// UID:0 pgtables:188kB oom_score_adj:0`) into its victim; gives the keys
/// whose values were too large to read (left out).
fn victim_sizes<'t>(v: &mut Victim, tail: &'t [u8]) -> Vec<&'t [u8]> {
    let mut too_big = Vec::new();
    for (k, val) in colon_pairs(tail) {
        let Some(val) = val else {
            too_big.push(k);
            continue;
        };
        let u = u64::try_from(val).ok();
        match k {
            b"total-vm" => v.total_vm_kb = u,
            b"anon-rss" => v.anon_rss_kb = u,
            b"file-rss" => v.file_rss_kb = u,
            b"shmem-rss" => v.shmem_rss_kb = u,
            b"UID" => v.uid = Some(val),
            b"pgtables" => v.pgtables_kb = u,
            b"oom_score_adj" => v.oom_score_adj = Some(val),
            _ => {}
        }
    }
    too_big
}
