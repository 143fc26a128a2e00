//! HotSpot's dynamic attach, as the JDK's own Linux client does it
//! (`sun.tools.attach.VirtualMachineImpl`, against `attachListener_linux.cpp`
//! of OpenJDK 17), with no JDK: what `jcmd` runs on.
//!
//! A JVM opens its attach listener, the UNIX socket `/tmp/.java_pid<pid>`,
//! the first time it gets `SIGQUIT` while a file `.attach_pid<pid>` owned
//! by its user (or root) exists in its working directory or `/tmp`. `<pid>`
//! and `/tmp` are the JVM's own: for a JVM in a container, its pid in its
//! pid namespace (`NStgid`) and its `/tmp` seen through `/proc/PID/root`.
//! A request is `1\0<command>\0<arg>\0<arg>\0<arg>\0`; the reply a status
//! line and the output ([`reply`]).
//!
//! Unlike the JDK 17 client, [`Vm::attach`] never signals a process that is
//! not a JVM (no `libjvm.so` mapped) or that has no `SIGQUIT` handler yet
//! (`SigCgt`; JDK 24's client checks this too), for `SIGQUIT` kills such a
//! process; and it refuses up front a JVM whose performance counters say
//! attach is disabled (`sun.rt.jvmCapabilities`, as the JDK's
//! `HotSpotAttachProvider` reads them). Signals go through a pidfd, so a pid
//! reused meanwhile is never signalled.

pub mod capture;
pub mod gather;
pub mod reply;
pub mod socket;

use std::ffi::CString;
use std::fmt;
use std::io::{self, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use oomlens_evidence::jvm::hsperf::{self, PerfData};

use crate::procfs::Status;
pub use reply::ReplyError;
pub use socket::Reach;

/// The protocol version HotSpot's listener speaks (`ATTACH_PROTOCOL_VER`).
const PROTOCOL_VERSION: &str = "1";
/// `AttachOperation::name_length_max` of JDK 17.
const NAME_LENGTH_MAX: usize = 16;
/// `AttachOperation::arg_length_max` of JDK 17.
const ARG_LENGTH_MAX: usize = 1024;
/// `AttachOperation::arg_count_max`: every request carries three.
const ARG_COUNT_MAX: usize = 3;

/// What the JVM prints for `VM.native_memory` when it runs without NMT.
pub const NMT_NOT_ENABLED: &str = "Native memory tracking is not enabled";

/// How to attach.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long to wait for the JVM to install its `SIGQUIT` handler and
    /// then to open its socket (the JDK waits 10 s,
    /// `sun.tools.attach.attachTimeout`).
    pub timeout: Duration,
    /// How to reach the socket.
    pub reach: Reach,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(10),
            reach: Reach::Auto,
        }
    }
}

/// Why attaching, or an operation, failed.
#[derive(Debug)]
pub enum Error {
    /// No process with this pid.
    NoSuchProcess { pid: u32 },
    /// The process is not a JVM; it was not signalled.
    NotAJvm { pid: u32, name: String },
    /// The JVM runs with `-XX:+DisableAttachMechanism`; `how` says how
    /// that was found.
    AttachDisabled { pid: u32, how: String },
    /// The JVM runs with `-Xrs` (`-XX:+ReduceSignalUsage`): it opens its
    /// listener at start-up and ignores `SIGQUIT`, and the listener does not
    /// answer.
    SignalsReduced { pid: u32 },
    /// The process installed no `SIGQUIT` handler within the timeout; it
    /// was not signalled.
    NotReady { pid: u32, waited: Duration },
    /// Signalled, but no socket appeared within the timeout.
    NoResponse {
        pid: u32,
        socket: PathBuf,
        waited: Duration,
    },
    /// The process exited while being attached to.
    Exited { pid: u32 },
    /// We may not do this to that process.
    Permission {
        pid: u32,
        doing: String,
        source: io::Error,
    },
    /// The socket is not owned by the JVM's user, or others may use it.
    BadSocket { socket: PathBuf, why: String },
    /// Another failure of the system.
    Io { doing: String, source: io::Error },
    /// The reply cannot be read.
    Reply { pid: u32, source: ReplyError },
    /// The request cannot be sent as it is.
    Request(String),
    /// The JVM ran the operation and reports failure (status not 0): its
    /// message, as the JDK's client words it.
    Failed { status: i32, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchProcess { pid } => write!(f, "no process {pid}"),
            Error::NotAJvm { pid, name } => write!(
                f,
                "process {pid} ({name}) is not a JVM (no libjvm.so in /proc/{pid}/maps); it was not signalled"
            ),
            Error::AttachDisabled { pid, how } => write!(
                f,
                "the JVM {pid} runs with -XX:+DisableAttachMechanism ({how}): it accepts no attach; it was not signalled"
            ),
            Error::SignalsReduced { pid } => write!(
                f,
                "the JVM {pid} runs with -Xrs (-XX:+ReduceSignalUsage): it opens its attach socket at start-up and ignores SIGQUIT, and its socket does not answer; it was not signalled"
            ),
            Error::NotReady { pid, waited } => write!(
                f,
                "process {pid} installed no SIGQUIT handler within {}: a JVM still starting, or one run with -Xrs; it was not signalled (SIGQUIT would have killed it)",
                secs(*waited)
            ),
            Error::NoResponse { pid, socket, waited } => write!(
                f,
                "the JVM {pid} did not open its attach socket {} within {} of SIGQUIT: attach may be disabled (-XX:+DisableAttachMechanism), or the JVM is stopped or not responding (try a longer --timeout)",
                socket.display(),
                secs(*waited)
            ),
            Error::Exited { pid } => write!(f, "process {pid} exited while being attached to"),
            Error::Permission { pid, doing, source } => write!(
                f,
                "permission denied {doing}: {source} (attach to process {pid} as root or as its user)"
            ),
            Error::BadSocket { socket, why } => write!(
                f,
                "{}: {why}: not the JVM's attach socket, not used",
                socket.display()
            ),
            Error::Io { doing, source } => write!(f, "{doing}: {source}"),
            Error::Reply { pid, source } => write!(f, "the JVM {pid}: {source}"),
            Error::Request(why) => f.write_str(why),
            Error::Failed { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Permission { source, .. } | Error::Io { source, .. } => Some(source),
            Error::Reply { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// A JVM whose attach listener is open.
#[derive(Debug)]
pub struct Vm {
    /// The pid as this machine sees it.
    pub pid: u32,
    /// The pid in the JVM's own pid namespace (names its files).
    pub ns_pid: u32,
    /// Whether this attach started the listener (signalled the JVM).
    pub started_listener: bool,
    /// The socket through `/proc/PID/root`.
    socket: PathBuf,
    /// The socket inside the JVM's mount namespace.
    ns_socket: PathBuf,
    creds: socket::As,
    reach: Reach,
    /// The connection that found the listener answering, kept for the
    /// first operation (one connect saved).
    ready: Mutex<Option<UnixStream>>,
}

/// A reply: the completion status and the output still on the socket.
pub struct Reply {
    /// 0 when the operation succeeded (`JNI_OK`); `JNI_ERR` (-1) or
    /// another code when not.
    pub status: i32,
    /// The output after the status line, read until the JVM closes.
    pub output: BufReader<UnixStream>,
}

impl Reply {
    /// The output of a successful operation; [`Error::Failed`] with the
    /// JVM's message otherwise.
    pub fn ok(self) -> Result<BufReader<UnixStream>, Error> {
        if self.status == 0 {
            return Ok(self.output);
        }
        let message = reply::read_message(self.status, self.output).map_err(|e| Error::Io {
            doing: "reading the JVM's failure message".into(),
            source: e,
        })?;
        Err(Error::Failed {
            status: self.status,
            message,
        })
    }
}

impl Vm {
    /// Attaches to process `pid`: finds its attach socket, or starts its
    /// listener (the attach file, `SIGQUIT`, a wait with backoff up to
    /// `opts.timeout`), and checks the socket is the JVM's and accepts us.
    /// The attach file is removed whatever happens. Never signals a process
    /// that is not a JVM, has no `SIGQUIT` handler, or has attach disabled.
    pub fn attach(pid: u32, opts: &Options) -> Result<Vm, Error> {
        let status = read_status(pid)?;
        let me = unsafe { libc::geteuid() };
        if me != 0 && me != status.euid() {
            return Err(Error::Permission {
                pid,
                doing: format!(
                    "attaching as uid {me} to a process of uid {}",
                    status.euid()
                ),
                source: io::Error::from_raw_os_error(libc::EPERM),
            });
        }
        // The signal goes through this pidfd: if the pid is reused after
        // the checks below, the new process is not signalled.
        let pidfd = PidFd::open(pid)?;
        let ns_pid = status.ns_pid;
        let tmp = PathBuf::from(format!("/proc/{pid}/root/tmp"));
        let mut vm = Vm {
            pid,
            ns_pid,
            started_listener: false,
            socket: tmp.join(format!(".java_pid{ns_pid}")),
            ns_socket: PathBuf::from(format!("/tmp/.java_pid{ns_pid}")),
            creds: (me == 0 && status.euid() != 0).then(|| (status.euid(), status.egid())),
            reach: opts.reach,
            ready: Mutex::new(None),
        };
        // A socket named for the JVM's pid in its /tmp, that answers and
        // passes check_socket, is a JVM's listener (the JDK trusts the
        // name alone): nothing is signalled.
        if vm.socket_answers() {
            vm.check_socket(&status)?;
            return Ok(vm);
        }
        let perf = is_jvm(pid, &status)?;
        refuse_by_flags(pid, perf.as_ref())?;
        let owner = (me == 0).then(|| (status.euid(), status.egid()));
        let _attach_file = AttachFile::create(pid, ns_pid, &tmp, owner)?;
        let start = Instant::now();
        let mut signalled_at: Option<Instant> = None;
        let mut signalled_again = false;
        let mut delay = Duration::from_millis(2);
        loop {
            let status = match Status::read(pid) {
                Ok(s) => s,
                Err(_) => return Err(Error::Exited { pid }),
            };
            let waited = start.elapsed();
            // Like the JDK's client: once, and again half-way if the JVM has
            // not answered (a signal can arrive before the listener thread
            // looks for the attach file).
            let again = signalled_at.is_some() && !signalled_again && waited > opts.timeout / 2;
            if (signalled_at.is_none() || again) && status.catches(libc::SIGQUIT) {
                pidfd.send(libc::SIGQUIT, pid)?;
                signalled_again = signalled_at.is_some();
                signalled_at.get_or_insert_with(Instant::now);
            }
            if signalled_at.is_some() && vm.socket_answers() {
                break;
            }
            if waited >= opts.timeout {
                return Err(match signalled_at {
                    None => Error::NotReady { pid, waited },
                    Some(_) => Error::NoResponse {
                        pid,
                        socket: vm.socket.clone(),
                        waited,
                    },
                });
            }
            std::thread::sleep(delay.min(opts.timeout.saturating_sub(waited)));
            delay = (delay * 2).min(Duration::from_millis(100));
        }
        vm.started_listener = true;
        vm.check_socket(&status)?;
        Ok(vm)
    }

    /// Sends one operation (`jcmd`, `properties`, `threaddump`, ...) with
    /// at most three arguments and reads the status line of the reply.
    pub fn execute(&self, command: &str, args: &[&str]) -> Result<Reply, Error> {
        let request = request(command, args)?;
        let kept = self.ready.lock().ok().and_then(|mut r| r.take());
        let stream = match kept {
            Some(s) => s,
            None => self.connect()?,
        };
        // As the JDK does: a failed write may still leave a reply to read
        // (the JVM refused the request early), which says more.
        let written = (&stream).write_all(&request);
        let mut output = BufReader::new(stream);
        match reply::read_status(&mut output) {
            Ok(status) => Ok(Reply { status, output }),
            Err(e) => Err(match written {
                Err(w) => Error::Io {
                    doing: format!("sending {command:?} to the JVM {}", self.pid),
                    source: w,
                },
                Ok(()) => Error::Reply {
                    pid: self.pid,
                    source: e,
                },
            }),
        }
    }

    /// Runs one diagnostic command line (`VM.version`, `GC.heap_dump
    /// /tmp/x.hprof`), as `jcmd` sends it: the operation `jcmd` with the
    /// whole line as its one argument.
    pub fn jcmd(&self, line: &str) -> Result<Reply, Error> {
        self.execute("jcmd", &[line])
    }

    fn connect(&self) -> Result<UnixStream, Error> {
        socket::connect(
            self.pid,
            &self.socket,
            &self.ns_socket,
            self.creds,
            self.reach,
        )
        .map_err(|e| {
            io_error(
                self.pid,
                format!("connecting to {}", self.socket.display()),
                e,
            )
        })
    }

    /// Whether the socket is there and a connection is accepted (a socket
    /// left by a dead JVM whose pid was reused refuses connections); the
    /// connection is kept for the first operation.
    fn socket_answers(&self) -> bool {
        let there = match self.reach {
            Reach::Auto => self.socket.exists(),
            // The path through /proc may not resolve; connecting tells.
            Reach::MountNamespace => true,
        };
        let Some(stream) = there.then(|| self.connect().ok()).flatten() else {
            return false;
        };
        if let Ok(mut ready) = self.ready.lock() {
            *ready = Some(stream);
        }
        true
    }

    /// As the JDK's `checkPermissions`: the socket must belong to the
    /// JVM's effective user and group and be closed to others.
    fn check_socket(&self, status: &Status) -> Result<(), Error> {
        let Ok(meta) = std::fs::metadata(&self.socket) else {
            // Not visible through /proc: reached in the mount namespace.
            return Ok(());
        };
        let bad = |why: String| Error::BadSocket {
            socket: self.socket.clone(),
            why,
        };
        if meta.uid() != status.euid() {
            return Err(bad(format!(
                "owned by uid {}, the JVM runs as uid {}",
                meta.uid(),
                status.euid()
            )));
        }
        if meta.gid() != status.egid() {
            return Err(bad(format!(
                "group {}, the JVM runs as gid {}",
                meta.gid(),
                status.egid()
            )));
        }
        if meta.mode() & 0o066 != 0 {
            return Err(bad(format!(
                "mode {:03o}: others may read or write it",
                meta.mode() & 0o777
            )));
        }
        Ok(())
    }
}

/// The request bytes: the version, the operation and three arguments, each
/// NUL-terminated (missing arguments are empty), within JDK 17's limits
/// (a longer request is dropped by the JVM without a word).
pub fn request(command: &str, args: &[&str]) -> Result<Vec<u8>, Error> {
    if args.len() > ARG_COUNT_MAX {
        return Err(Error::Request(format!(
            "{} arguments: an attach operation takes at most {ARG_COUNT_MAX}",
            args.len()
        )));
    }
    if command.is_empty() || command.len() > NAME_LENGTH_MAX {
        return Err(Error::Request(format!(
            "{command:?}: an operation name is 1 to {NAME_LENGTH_MAX} bytes"
        )));
    }
    let mut out = Vec::with_capacity(64);
    for (i, part) in [PROTOCOL_VERSION, command]
        .into_iter()
        .chain((0..ARG_COUNT_MAX).map(|i| args.get(i).copied().unwrap_or("")))
        .enumerate()
    {
        if part.as_bytes().contains(&0) {
            return Err(Error::Request(format!("{part:?} contains a NUL byte")));
        }
        if i >= 2 && part.len() > ARG_LENGTH_MAX {
            return Err(Error::Request(format!(
                "an argument of {} bytes: the JVM accepts at most {ARG_LENGTH_MAX}",
                part.len()
            )));
        }
        out.extend_from_slice(part.as_bytes());
        out.push(0);
    }
    Ok(out)
}

fn read_status(pid: u32) -> Result<Status, Error> {
    Status::read(pid).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NoSuchProcess { pid },
        _ => io_error(pid, format!("reading /proc/{pid}/status"), e),
    })
}

/// A system error as [`Error::Permission`] when it is one, else
/// [`Error::Io`].
fn io_error(pid: u32, doing: String, source: io::Error) -> Error {
    if source.kind() == io::ErrorKind::PermissionDenied {
        Error::Permission { pid, doing, source }
    } else {
        Error::Io { doing, source }
    }
}

/// Whether `pid` is a JVM: `libjvm.so` mapped (a performance-counter file
/// alone could be a dead JVM's left behind for a reused pid). Returns its
/// counters when it has them.
fn is_jvm(pid: u32, status: &Status) -> Result<Option<PerfData>, Error> {
    let maps = std::fs::read(format!("/proc/{pid}/maps")).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::Exited { pid },
        _ => io_error(pid, format!("reading /proc/{pid}/maps"), e),
    })?;
    let jvm = maps
        .split(|b| *b == b'\n')
        .any(|l| l.ends_with(b"/libjvm.so"));
    if !jvm {
        return Err(Error::NotAJvm {
            pid,
            name: status.name.clone(),
        });
    }
    Ok(crate::hsperf::find(pid)
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| hsperf::parse(&b).ok()))
}

/// Refuses, before any signal, a JVM whose counters or command line say it
/// will not attach.
fn refuse_by_flags(pid: u32, perf: Option<&PerfData>) -> Result<(), Error> {
    // HotSpot writes '0' first when DisableAttachMechanism is set.
    if let Some(caps) = perf.and_then(|p| p.text("sun.rt.jvmCapabilities")) {
        if caps.starts_with('0') {
            return Err(Error::AttachDisabled {
                pid,
                how: "its performance counters say so: sun.rt.jvmCapabilities".into(),
            });
        }
    }
    // Without counters (-XX:-UsePerfData), the command line.
    let (args, how) = match perf {
        Some(p) => {
            let mut a: Vec<String> = Vec::new();
            for name in ["java.rt.vmArgs", "sun.rt.jvmFlags"] {
                a.extend(
                    p.text(name)
                        .unwrap_or("")
                        .split_whitespace()
                        .map(String::from),
                );
            }
            (a, "java.rt.vmArgs")
        }
        None => {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let a = raw
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (a, "its command line")
        }
    };
    // The last of `+` and `-` wins, as HotSpot parses them.
    let last = |on: &str, off: &str| {
        args.iter()
            .rev()
            .find(|a| *a == on || *a == off)
            .is_some_and(|a| a == on)
    };
    if last("-XX:+DisableAttachMechanism", "-XX:-DisableAttachMechanism") {
        return Err(Error::AttachDisabled {
            pid,
            how: how.into(),
        });
    }
    if args.iter().any(|a| a == "-Xrs") || last("-XX:+ReduceSignalUsage", "-XX:-ReduceSignalUsage")
    {
        return Err(Error::SignalsReduced { pid });
    }
    Ok(())
}

/// `.attach_pid<nspid>`, created in the JVM's working directory (else its
/// `/tmp`) and owned by the JVM's user; removed on drop, through the folder
/// it was created in (the `/proc/PID/cwd` link is gone once the JVM is).
struct AttachFile {
    dir: OwnedFd,
    name: CString,
}

impl AttachFile {
    fn create(
        pid: u32,
        ns_pid: u32,
        tmp: &Path,
        owner: Option<(u32, u32)>,
    ) -> Result<Option<AttachFile>, Error> {
        let name = CString::new(format!(".attach_pid{ns_pid}"))
            .map_err(|_| Error::Request("an attach file name with a NUL byte".into()))?;
        let mut last = None;
        for dir in [PathBuf::from(format!("/proc/{pid}/cwd")), tmp.to_path_buf()] {
            match Self::create_in(&dir, &name, owner) {
                Ok(f) => return Ok(f),
                Err(e) => last = Some((dir, e)),
            }
        }
        let (dir, e) = last.unwrap_or_else(|| (tmp.to_path_buf(), io::Error::other("no folder")));
        let doing = format!(
            "creating {} in the JVM's working directory or {}",
            name.to_string_lossy(),
            dir.display()
        );
        Err(io_error(pid, doing, e))
    }

    /// `None` when the file exists already (another client's: left to it).
    fn create_in(
        dir: &Path,
        name: &CString,
        owner: Option<(u32, u32)>,
    ) -> io::Result<Option<AttachFile>> {
        let dir = std::fs::File::open(dir)?;
        let fd = unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr(),
                libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                0o600 as libc::c_uint,
            )
        };
        if fd == -1 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::AlreadyExists {
                Ok(None)
            } else {
                Err(e)
            };
        }
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        let made = AttachFile {
            dir: dir.into(),
            name: name.clone(),
        };
        if let Some((uid, gid)) = owner {
            // HotSpot only honours an attach file of its own effective user
            // or root, as it sees them through its user namespace.
            if unsafe { libc::fchown(file.as_raw_fd(), uid, gid) } == -1 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Some(made))
    }
}

impl Drop for AttachFile {
    fn drop(&mut self) {
        unsafe {
            libc::unlinkat(self.dir.as_raw_fd(), self.name.as_ptr(), 0);
        }
    }
}

/// A process handle that signals only the process it was opened on.
struct PidFd(Option<OwnedFd>);

impl PidFd {
    fn open(pid: u32) -> Result<PidFd, Error> {
        let fd =
            unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::c_long, 0 as libc::c_long) };
        if fd >= 0 {
            return Ok(PidFd(Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ESRCH) => Err(Error::NoSuchProcess { pid }),
            // Kernels before 5.3: plain kill(2).
            Some(libc::ENOSYS) => Ok(PidFd(None)),
            _ => Err(Error::Io {
                doing: format!("opening a pidfd for process {pid}"),
                source: e,
            }),
        }
    }

    fn send(&self, sig: i32, pid: u32) -> Result<(), Error> {
        let rc = match &self.0 {
            Some(fd) => unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd() as libc::c_long,
                    sig as libc::c_long,
                    0 as libc::c_long,
                    0 as libc::c_long,
                )
            },
            None => libc::c_long::from(unsafe { libc::kill(pid as libc::pid_t, sig) }),
        };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        Err(match e.raw_os_error() {
            Some(libc::ESRCH) => Error::Exited { pid },
            Some(libc::EPERM) => Error::Permission {
                pid,
                doing: "sending SIGQUIT".into(),
                source: e,
            },
            _ => Error::Io {
                doing: format!("sending SIGQUIT to process {pid}"),
                source: e,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_five_nul_terminated_strings() {
        assert_eq!(
            request("jcmd", &["VM.version"]).unwrap(),
            b"1\0jcmd\0VM.version\0\0\0"
        );
        assert_eq!(
            request("properties", &[]).unwrap(),
            b"1\0properties\0\0\0\0"
        );
    }

    #[test]
    fn request_refused_beyond_jdk17_limits() {
        assert!(request("jcmd", &["a", "b", "c", "d"]).is_err());
        assert!(request("", &[]).is_err());
        assert!(request("seventeen-bytes!!", &[]).is_err());
        assert!(request("jcmd", &["a\0b"]).is_err());
        let long = "x".repeat(ARG_LENGTH_MAX + 1);
        assert!(request("jcmd", &[&long]).is_err());
        let max = "x".repeat(ARG_LENGTH_MAX);
        assert!(request("jcmd", &[&max]).is_ok());
    }

    /// This test process is no JVM: refused before any signal, and alive.
    #[test]
    fn attach_refuses_a_process_that_is_not_a_jvm() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        // Let exec finish: before it, the child is still this test binary.
        std::thread::sleep(Duration::from_millis(100));
        let e = Vm::attach(pid, &Options::default()).unwrap_err();
        let alive = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        assert!(matches!(e, Error::NotAJvm { .. }), "{e}");
        assert!(alive);
    }

    #[test]
    fn attach_to_no_process() {
        // Pids are at most 2^22 on Linux.
        let e = Vm::attach(1 << 23, &Options::default()).unwrap_err();
        assert!(matches!(e, Error::NoSuchProcess { .. }), "{e}");
    }
}
