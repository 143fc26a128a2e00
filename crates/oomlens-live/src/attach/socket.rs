//! Connecting to a JVM's attach socket as the JVM expects its peer to be.
//!
//! HotSpot accepts a connection only from root or from a peer whose
//! effective uid and gid are its own (`SO_PEERCRED`, seen through the JVM's
//! user namespace). Root on the host is not root inside a container's user
//! namespace, so root connects with the target's effective ids; and where
//! `/proc/PID/root/tmp/...` cannot be used as a socket address (a path
//! longer than `sun_path`'s 108 bytes, or a root that will not resolve), it
//! enters the target's mount namespace and connects to `/tmp/...` there.
//!
//! Both changes are made in a thread of its own, with raw system calls:
//! Linux keeps credentials, the filesystem root and the mount namespace per
//! thread, and glibc's `seteuid` would change every thread of the process.
//! The thread ends after `connect`; the socket outlives it.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// How to reach the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    /// Through `/proc/PID/root`; entering the mount namespace when that
    /// path cannot be used.
    #[default]
    Auto,
    /// Always by entering the target's mount namespace (as `nsenter -m`).
    MountNamespace,
}

/// Who to connect as: `Some((uid, gid))` switches the thread's effective
/// ids first (only root can, and only root needs to).
pub type As = Option<(u32, u32)>;

/// Connects to `proc_path` (the socket through `/proc/PID/root`), or to
/// `ns_path` inside the mount namespace of `pid`, as `creds`.
pub fn connect(
    pid: u32,
    proc_path: &Path,
    ns_path: &Path,
    creds: As,
    reach: Reach,
) -> io::Result<UnixStream> {
    if reach == Reach::Auto {
        match connect_as(None, proc_path.to_path_buf(), creds) {
            Ok(s) => return Ok(s),
            // The path is fine but the JVM is not listening, or the ids are
            // refused: entering the namespace would not change that.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ECONNREFUSED | libc::EACCES | libc::EPERM)
                ) || e.kind() == io::ErrorKind::NotFound =>
            {
                return Err(e)
            }
            Err(_) => {}
        }
    }
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/mnt"))?;
    connect_as(Some(ns.into()), ns_path.to_path_buf(), creds)
}

/// Connects to `path`, in the mount namespace `mount_ns` and as `creds`
/// when given (then in a thread of its own).
fn connect_as(mount_ns: Option<OwnedFd>, path: PathBuf, creds: As) -> io::Result<UnixStream> {
    if mount_ns.is_none() && creds.is_none() {
        return UnixStream::connect(&path);
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(ns) = mount_ns {
                // A thread shares its filesystem context (root, cwd) with the
                // others until it unshares it; setns into a mount namespace
                // refuses a shared one.
                check(unsafe { libc::unshare(libc::CLONE_FS) }.into())?;
                check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNS) }.into())?;
            }
            if let Some((uid, gid)) = creds {
                // The group first: after the uid changes, the thread may no
                // longer change its gid.
                set_effective(libc::SYS_setresgid, gid)?;
                set_effective(libc::SYS_setresuid, uid)?;
            }
            UnixStream::connect(&path)
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the connecting thread panicked")))
    })
}

/// `setresuid`/`setresgid` (`call`) changing only the effective id, and
/// only in the calling thread (the raw system call, not glibc's wrapper).
fn set_effective(call: libc::c_long, id: u32) -> io::Result<()> {
    let keep: libc::c_long = -1;
    check(unsafe { libc::syscall(call, keep, libc::c_long::from(id), keep) })
}

fn check(rc: libc::c_long) -> io::Result<()> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
