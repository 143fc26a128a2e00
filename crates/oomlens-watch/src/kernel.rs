//! The kernel-log thread: follows `/dev/kmsg` ([`Follower`]), feeds each
//! record to the kernel parser's assembler ([`kernel::Feed`]), and hands
//! each completed OOM report on with the records it was read from. A report
//! is settled after the log has been quiet for [`QUIET`] (its
//! `oom_reaper` line may never come). When no report is open or waiting,
//! it says which record everything up to has been handled ([`Msg::Resume`]):
//! the agent saves that sequence number once the reports before it are
//! published, so a restart neither repeats nor misses a kill.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oomlens_evidence::kernel::{self, OomReport};
use oomlens_evidence::time::TimeContext;
use oomlens_live::cgroup::Version;
use oomlens_live::kmsg::{Follower, Start};

/// How long the log must be quiet before complete reports are settled.
pub const QUIET: Duration = Duration::from_millis(50);
/// Records kept to copy a report's own lines into the spool.
const KEEP: usize = 8192;

/// A kill as the kernel reported it.
#[derive(Debug, Clone)]
pub struct Report {
    pub report: OomReport,
    /// The sequence number of its first record (its id in this boot).
    pub first_seq: u64,
    /// Its records as read (`prio,seq,usec,flags;message`), one per line.
    pub records: Vec<u8>,
    /// The victim's memory cgroup, read from `/proc/PID/cgroup` as soon as
    /// its `Killed process` record was read (the victim is usually still
    /// there then): what ties a rate-limited report, which names no cgroup,
    /// to its container.
    pub victim_cgroup: Option<String>,
}

/// What the thread sends.
#[derive(Debug)]
pub enum Msg {
    Report(Box<Report>),
    /// The follower has read everything the kernel had logged at `at`, and
    /// every record up to `seq` is handled once the reports sent before
    /// are. Sent whenever the log goes quiet with no report open (at most
    /// every [`QUIET`]), also when nothing new came: a heartbeat that says
    /// the kernel log is not behind.
    Resume {
        seq: Option<u64>,
        at: Instant,
    },
    /// The follower failed and stopped.
    Failed(String),
}

/// The thread's counters, read by the metrics.
#[derive(Debug, Default)]
pub struct Health {
    /// `EPIPE`s: the ring buffer overran the reader.
    pub overruns: AtomicU64,
    /// Records lost (sequence numbers skipped).
    pub missed: AtomicU64,
    pub records: AtomicU64,
}

/// Reads what the kernel log holds from `start` until it is quiet, hands
/// over what it found, and returns the last sequence number read
/// (`--once`).
pub fn drain(
    start: Start,
    ctx: &TimeContext,
    out: &mut dyn FnMut(Msg) -> bool,
    health: &Health,
) -> Result<Option<u64>, String> {
    follow(start, ctx, out, health, &AtomicBool::new(true))
}

/// Follows the kernel log from `start` until `stop` is set (then reads
/// what is already there, settles and returns), handing each [`Msg`] to
/// `out` (which says `false` when nobody listens any more: the follower
/// returns).
pub fn follow(
    start: Start,
    ctx: &TimeContext,
    out: &mut dyn FnMut(Msg) -> bool,
    health: &Health,
    stop: &AtomicBool,
) -> Result<Option<u64>, String> {
    let mut f = Follower::open(start).map_err(|e| format!("opening /dev/kmsg: {e}"))?;
    // Line numbers of the feed -> (seq, line) of their record.
    let mut kept: VecDeque<(u64, u64, Vec<u8>)> = VecDeque::new();
    let done = std::cell::RefCell::new(Vec::new());
    let mut feed = kernel::Feed::new("/dev/kmsg", ctx, |r| done.borrow_mut().push(r));
    let mut last_seq: Option<u64> = None;
    let version = oomlens_live::cgroup::memory_root().map(|(v, _)| v);
    // Victims' cgroups by pid, read at their `Killed process` record.
    let mut victims: VecDeque<(u64, String)> = VecDeque::new();
    loop {
        let next = f
            .next(QUIET)
            .map_err(|e| format!("reading /dev/kmsg: {e}"))?
            .map(|r| {
                if let (Some(v), Some((pid, comm))) = (version, killed(r.message)) {
                    if let Some(cg) = cgroup_of(pid, &comm, v) {
                        if victims.len() == 256 {
                            victims.pop_front();
                        }
                        victims.push_back((pid, cg));
                    }
                }
                feed.line(r.line);
                (r.seq, r.line.to_vec())
            });
        health.overruns.store(f.overruns, Ordering::Relaxed);
        health.missed.store(f.missed, Ordering::Relaxed);
        match &next {
            Some((seq, line)) => {
                health.records.fetch_add(1, Ordering::Relaxed);
                last_seq = Some(*seq);
                if kept.len() == KEEP {
                    kept.pop_front();
                }
                kept.push_back((feed.lines(), *seq, line.clone()));
            }
            None => {
                feed.settle();
            }
        }
        for report in done.borrow_mut().drain(..) {
            let (first, last) = (report.lines.first, report.lines.last);
            let own: Vec<_> = kept
                .iter()
                .filter(|(no, ..)| (first..=last).contains(no))
                .collect();
            let first_seq = own.first().map_or(0, |(_, seq, _)| *seq);
            let mut records = Vec::new();
            for (_, _, line) in &own {
                records.extend_from_slice(line);
                records.push(b'\n');
            }
            let victim_cgroup = report.victim.as_ref().and_then(|v| {
                victims
                    .iter()
                    .rev()
                    .find(|(pid, _)| *pid == v.pid)
                    .map(|(_, cg)| cg.clone())
            });
            let r = Report {
                report,
                first_seq,
                records,
                victim_cgroup,
            };
            if !out(Msg::Report(Box::new(r))) {
                return Ok(last_seq);
            }
        }
        if next.is_none() && feed.idle() {
            let at = Instant::now();
            if !out(Msg::Resume { seq: last_seq, at }) {
                return Ok(last_seq);
            }
        }
        if next.is_none() && stop.load(Ordering::Relaxed) {
            return Ok(last_seq);
        }
    }
}

/// Spawns [`follow`] on a thread of its own, each [`Msg`] wrapped by
/// `wrap` and sent to `out`; a failure is sent as [`Msg::Failed`].
pub fn spawn<T: Send + 'static>(
    start: Start,
    ctx: TimeContext,
    out: Sender<T>,
    wrap: fn(Msg) -> T,
    health: Arc<Health>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("oomlens-kmsg".into())
        .spawn(move || {
            let mut send = |m| out.send(wrap(m)).is_ok();
            if let Err(e) = follow(start, &ctx, &mut send, &health, &stop) {
                send(Msg::Failed(e));
            }
        })
}

/// The memory cgroup of process `pid` (`/proc/PID/cgroup`), while it is
/// still there (a victim not yet reaped) and still named `comm`.
pub fn cgroup_of(pid: u64, comm: &str, version: Version) -> Option<String> {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let name = std::fs::read_to_string(proc.join("comm")).ok()?;
    if name.trim_end() != comm {
        return None;
    }
    let text = std::fs::read_to_string(proc.join("cgroup")).ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let hit = match version {
            Version::V1 => controllers.split(',').any(|c| c == "memory"),
            Version::V2 => controllers.is_empty(),
        };
        (hit && path != "/").then(|| path.to_string())
    })
}

/// The pid and command of a `Killed process N (comm) ...` message.
fn killed(message: &[u8]) -> Option<(u64, String)> {
    const KILLED: &[u8] = b"Killed process ";
    let at = message.windows(KILLED.len()).position(|w| w == KILLED)?;
    let rest = &message[at + KILLED.len()..];
    let open = rest.iter().position(|&b| b == b'(')?;
    let pid = std::str::from_utf8(&rest[..open])
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let close = rest.iter().rposition(|&b| b == b')')?;
    let comm = String::from_utf8_lossy(rest.get(open + 1..close)?).into_owned();
    Some((pid, comm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_process_line_names_pid_and_command() {
        assert_eq!(
            killed(b"Memory cgroup out of memory: Killed process 7955 (perl) total-vm:40776kB, anon-rss:32512kB"),
            Some((7955, "perl".to_string()))
        );
        assert_eq!(
            killed(b"Killed process 12 (a (b) c) total-vm:1kB"),
            Some((12, "a (b) c".to_string()))
        );
        assert_eq!(killed(b"Killed process x (perl)"), None);
        assert_eq!(killed(b"oom_reaper: reaped process 7955 (perl)"), None);
    }

    #[test]
    fn this_process_is_in_a_memory_cgroup_or_the_root() {
        let me = std::fs::read_to_string("/proc/self/comm").unwrap();
        if let Some((v, _)) = oomlens_live::cgroup::memory_root() {
            // Either a cgroup path or none (the root is no container).
            let cg = cgroup_of(u64::from(std::process::id()), me.trim_end(), v);
            assert!(cg.as_deref().is_none_or(|c| c.starts_with('/') && c != "/"));
        }
        assert_eq!(
            cgroup_of(u64::from(std::process::id()), "not-me", Version::V1),
            None
        );
    }
}
