//! A capture of one JVM into a folder, as the node agent takes it when a
//! container nears its limit: every command of [`gather::ALL`] (or the
//! class histogram alone, [`histogram`]) into its file (as `jcmd PID
//! COMMAND > FILE` writes it), a failure of one not stopping the others,
//! and a copy of the JVM's performance-counter file; what each command gave
//! is kept for the agent's event. The outputs that are one reading of a series over time
//! ([`gather::TIMED`]: the class histogram, the NMT summary) start with
//! the time the command was sent, a line of its own (`date -u
//! +%FT%T.%3NZ`, `2026-12-07T16:07:47.123Z`), as a capture loop's `date;
//! jcmd ...` writes it: the evidence readers take it for the reading's
//! time, so histograms of several captures are a timed series.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{gather, Error, Vm};

/// The file the performance counters are copied to.
pub const HSPERF_FILE: &str = "hsperfdata";

/// What one command of a capture gave.
#[derive(Debug)]
pub enum Outcome {
    /// Its output, this many bytes, is in the file.
    Written(u64),
    /// NMT is off in this JVM: no file.
    NmtOff,
    /// The command failed: no file.
    Failed(Error),
}

/// A capture of one JVM.
#[derive(Debug)]
pub struct Capture {
    /// Each command with what it gave, in [`gather::ALL`] order.
    pub commands: Vec<(&'static str, Outcome)>,
    /// Bytes of the counter file copied, when there is one.
    pub hsperf: Option<u64>,
    /// How long the whole capture took.
    pub took: Duration,
}

impl Capture {
    /// Files written.
    pub fn files(&self) -> usize {
        self.commands
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Written(_)))
            .count()
            + usize::from(self.hsperf.is_some())
    }
}

/// Runs every command of [`gather::ALL`] on an attached JVM into `dir`
/// (which must exist), each wait for output bounded by `timeout`, and
/// copies its performance-counter file.
pub fn all(vm: &Vm, dir: &Path, timeout: Option<Duration>) -> Capture {
    let started = Instant::now();
    let mut c = run(vm, dir, gather::ALL, timeout);
    c.hsperf =
        crate::hsperf::find(vm.pid).and_then(|src| std::fs::copy(src, dir.join(HSPERF_FILE)).ok());
    c.took = started.elapsed();
    c
}

/// The class histogram alone ([`gather::HISTOGRAM`], with its time line)
/// into `dir`: the cheap early capture of a series (one full collection,
/// no other command).
pub fn histogram(vm: &Vm, dir: &Path, timeout: Option<Duration>) -> Capture {
    run(vm, dir, std::slice::from_ref(&gather::HISTOGRAM), timeout)
}

/// Each of `commands` (file, command) into its file in `dir`; the outputs
/// of [`gather::TIMED`] commands after their time line.
fn run(
    vm: &Vm,
    dir: &Path,
    commands: &[(&str, &'static str)],
    timeout: Option<Duration>,
) -> Capture {
    let started = Instant::now();
    let commands = commands
        .iter()
        .map(|(file, command)| {
            let path = dir.join(file);
            let sent = jiff::Timestamp::now();
            let outcome = match vm.jcmd_output(command, timeout) {
                Ok(None) => Outcome::NmtOff,
                Ok(Some(bytes)) => {
                    let written = if gather::TIMED.contains(command) {
                        std::fs::write(&path, [time_line(sent).as_bytes(), &bytes].concat())
                    } else {
                        std::fs::write(&path, &bytes)
                    };
                    match written {
                        Ok(()) => Outcome::Written(bytes.len() as u64),
                        Err(source) => Outcome::Failed(Error::Io {
                            doing: format!("writing {}", path.display()),
                            source,
                        }),
                    }
                }
                Err(e) => Outcome::Failed(e),
            };
            (*command, outcome)
        })
        .collect();
    Capture {
        commands,
        hsperf: None,
        took: started.elapsed(),
    }
}

/// The line a timed output starts with: `at` in UTC to the millisecond.
pub fn time_line(at: jiff::Timestamp) -> String {
    format!("{at:.3}\n")
}

/// The bytes free to unprivileged writers on the filesystem holding
/// `path` (`statvfs`: blocks available × fragment size).
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c` is a NUL-terminated path and `st` a buffer of the size
    // statvfs writes; it is read only after a 0 return.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Where a heap dump of the JVM `pid` is written: the path the JVM is
/// told (in its own mount namespace) and where that file is seen from
/// here. A JVM in this mount namespace writes `file` itself; one in
/// another (a container) writes into its own `/tmp`, seen through
/// `/proc/PID/root`, and the file is moved to `file` afterwards.
pub fn dump_paths(pid: u32, file: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let ns = |p: &str| std::fs::read_link(p).ok();
    let same = ns("/proc/self/ns/mnt").is_some()
        && ns("/proc/self/ns/mnt") == ns(&format!("/proc/{pid}/ns/mnt"));
    if same {
        return (file.to_path_buf(), file.to_path_buf());
    }
    let inner = std::path::PathBuf::from(format!("/tmp/oomlens-heap-{pid}.hprof"));
    let seen = std::path::PathBuf::from(format!("/proc/{pid}/root/tmp/oomlens-heap-{pid}.hprof"));
    (inner, seen)
}

/// Dumps the JVM's live objects (`GC.heap_dump`) into `file`, waiting at
/// most `timeout` for the JVM to finish; returns the dump's size. The
/// free space is the caller's to check first ([`free_bytes`]).
pub fn heap_dump(vm: &Vm, file: &Path, timeout: Option<Duration>) -> Result<u64, Error> {
    let (told, seen) = dump_paths(vm.pid, file);
    let line = format!("GC.heap_dump {}", told.display());
    let out = vm.jcmd_output(&line, timeout)?.unwrap_or_default();
    let io = |doing: String, source| Error::Io { doing, source };
    let text = String::from_utf8_lossy(&out);
    if !text.contains("Heap dump file created") {
        return Err(Error::Failed {
            status: 0,
            message: format!("GC.heap_dump: {}", text.trim()),
        });
    }
    if seen != file {
        std::fs::copy(&seen, file).map_err(|e| {
            io(
                format!("copying {} to {}", seen.display(), file.display()),
                e,
            )
        })?;
        let _ = std::fs::remove_file(&seen);
    }
    std::fs::metadata(file)
        .map(|m| m.len())
        .map_err(|e| io(format!("reading {}", file.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_line_is_utc_to_the_millisecond() {
        let at: jiff::Timestamp = "2026-12-07T17:07:47.123456+01:00".parse().unwrap();
        assert_eq!(time_line(at), "2026-12-07T16:07:47.123Z\n");
        let whole: jiff::Timestamp = "2026-12-07T16:07:47Z".parse().unwrap();
        assert_eq!(time_line(whole), "2026-12-07T16:07:47.000Z\n");
    }
}
