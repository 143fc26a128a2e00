//! `oomlens jcmd` against real OpenJDK 17 processes (the idle program of
//! `tests/jvm`, `oomlens.demo.Idle`), set against the JDK's own `jcmd` on
//! the same JVM: the same user, another user (`nobody`, attached to as
//! root and as itself), a JVM as pid 1 of its own pid and mount namespaces
//! with a private `/tmp` (as a container runtime starts it) compared with
//! `jcmd` run inside them (`nsenter`), `--all` read back by `diagnose`; and
//! refusals: attach disabled, a stopped JVM past the timeout, a process
//! that is not a JVM (never signalled). Every JVM, namespace and folder is
//! removed by its guard, also when a test fails. Java missing fails the
//! tests (set `OOMLENS_ALLOW_SKIP=1` to skip them on purpose).

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{KillOnDrop, TempDir};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Java, jcmd and the built demo jar; fails loudly when they are missing.
fn require_java() -> Option<PathBuf> {
    if !support::require_program("java", "openjdk-17-jdk-headless")
        || !support::require_program("jcmd", "openjdk-17-jdk-headless")
    {
        return None;
    }
    let build = Command::new(repo().join("scripts/capture/jvm-build.sh"))
        .output()
        .expect("run scripts/capture/jvm-build.sh");
    assert!(
        build.status.success(),
        "the JVM test programs do not build: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    Some(repo().join("tests/jvm/build/lib/oomlens-demo.jar"))
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn require_root() -> bool {
    is_root() || support::skip_or_fail("this test needs root")
}

/// A running idle JVM, killed (with its namespace) when dropped.
struct Jvm {
    /// Its pid as this machine sees it.
    pid: u32,
    /// The folder it runs in (its attach file is created there).
    cwd: TempDir,
    /// The JVM's standard output, collected.
    out: mpsc::Receiver<String>,
    child: KillOnDrop,
}

impl Jvm {
    /// Starts `java FLAGS -cp JAR oomlens.demo.Idle` under `wrapper` (e.g.
    /// `setpriv ...`), and waits for its `ready` line. With `namespaced`,
    /// the JVM runs as pid 1 of new pid and mount namespaces with a tmpfs
    /// on `/tmp`.
    fn start(jar: &Path, flags: &[&str], wrapper: &[&str], namespaced: bool) -> Jvm {
        let cwd = TempDir::new("oomlens-jcmd-cwd");
        let _ = Command::new("chmod")
            .args(["0777", cwd.path().to_str().unwrap()])
            .status();
        let mut java: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
        java.push("java".into());
        java.extend(
            ["-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
                .iter()
                .chain(flags)
                .map(|s| s.to_string()),
        );
        java.extend([
            "-cp".into(),
            jar.display().to_string(),
            "oomlens.demo.Idle".into(),
        ]);
        let mut cmd = if namespaced {
            let mut c = Command::new("unshare");
            c.args(["--pid", "--mount", "--fork", "--mount-proc", "sh", "-c"])
                .arg(format!(
                    "mount -t tmpfs tmpfs /tmp && exec {}",
                    java.join(" ")
                ));
            c
        } else {
            let mut c = Command::new(&java[0]);
            c.args(&java[1..]);
            c
        };
        let mut child = KillOnDrop(
            cmd.current_dir(cwd.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start java"),
        );
        let stdout = child.0.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the JVM printed no ready line within 60 s");
        assert!(ready.starts_with("ready pid="), "{ready}");
        let pid = if namespaced {
            assert_eq!(ready, "ready pid=1", "the JVM is pid 1 of its namespace");
            let u = child.0.id();
            let kids = std::fs::read_to_string(format!("/proc/{u}/task/{u}/children"))
                .expect("children of unshare");
            kids.trim().parse().expect("one child: the JVM")
        } else {
            // A wrapper (setpriv) execs: the child is the JVM.
            child.0.id()
        };
        Jvm {
            pid,
            cwd,
            out: rx,
            child,
        }
    }

    fn alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .is_ok_and(|s| !s.contains("State:\tZ"))
    }

    /// What the JVM printed so far.
    fn printed(&self) -> String {
        self.out.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// No attach file left in its working folder.
    fn assert_no_attach_file(&self) {
        let left: Vec<_> = std::fs::read_dir(self.cwd.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".attach_pid"))
            .collect();
        assert!(left.is_empty(), "attach files left: {left:?}");
    }
}

impl Drop for Jvm {
    fn drop(&mut self) {
        // In a namespace, the JVM is its init: killing it ends the
        // namespace, then the child guard reaps unshare.
        let _ = Command::new("kill")
            .args(["-9", &self.pid.to_string()])
            .status();
        let _ = &self.child;
    }
}

fn oomlens(args: &[&str]) -> Output {
    Command::new(support::oomlens())
        .args(args)
        .output()
        .expect("run oomlens")
}

fn jcmd(pid: u32, command: &[&str]) -> Output {
    Command::new("jcmd")
        .arg(pid.to_string())
        .args(command)
        .output()
        .expect("run jcmd")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `VM.system_properties` starts with the time it was printed, to the
/// second: the one line that differs between two calls.
fn without_date_line(b: &[u8]) -> String {
    text(b)
        .lines()
        .filter(|l| !(l.starts_with('#') && l.len() > 20))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn same_user_output_is_jcmds_byte_for_byte() {
    let Some(jar) = require_java() else { return };
    let jvm = Jvm::start(&jar, &[], &[], false);
    let socket = PathBuf::from(format!("/tmp/.java_pid{}", jvm.pid));
    assert!(!socket.exists(), "a fresh JVM has no attach socket yet");
    let pid = jvm.pid.to_string();

    // oomlens first: it starts the listener itself.
    let ours = oomlens(&["jcmd", &pid, "VM.version"]);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    assert!(socket.exists(), "oomlens started the attach listener");
    let theirs = jcmd(jvm.pid, &["VM.version"]);
    assert_eq!(text(&ours.stdout), text(&theirs.stdout));
    assert!(
        text(&ours.stdout).starts_with(&format!("{pid}:\nOpenJDK 64-Bit Server VM version 17."))
    );

    for command in [
        &["VM.flags"][..],
        &["VM.command_line"],
        &["VM.flags", "-all"],
        &["help"],
        &["help", "VM.native_memory"],
        // No output: jcmd's own line.
        &["GC.run"],
        // NMT off: the JVM's answer, exit 0, and a hint on stderr.
        &["VM.native_memory", "summary"],
        // Failures: the message on stderr, exit 1.
        &["No.such"],
        &["VM.flags", "-bogus"],
    ] {
        let mut args = vec!["jcmd", pid.as_str()];
        args.extend(command);
        let ours = oomlens(&args);
        let theirs = jcmd(jvm.pid, command);
        assert_eq!(
            text(&ours.stdout),
            text(&theirs.stdout),
            "stdout of {command:?}"
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{command:?}");
        if command[0] == "VM.native_memory" {
            assert!(text(&ours.stdout).contains("Native memory tracking is not enabled"));
            assert!(
                text(&ours.stderr).contains("-XX:NativeMemoryTracking=summary"),
                "{}",
                text(&ours.stderr)
            );
        } else {
            assert_eq!(
                text(&ours.stderr),
                text(&theirs.stderr),
                "stderr of {command:?}"
            );
        }
    }
    let ours = oomlens(&["jcmd", &pid, "GC.run"]);
    assert_eq!(
        text(&ours.stdout),
        format!("{pid}:\nCommand executed successfully\n")
    );
    let ours = oomlens(&["jcmd", &pid, "No.such"]);
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(
        text(&ours.stderr),
        "java.lang.IllegalArgumentException: Unknown diagnostic command\n"
    );

    // The first call sets user.timezone (to print its date line): the
    // property set changes once, then holds.
    oomlens(&["jcmd", &pid, "VM.system_properties"]);
    let ours = oomlens(&["jcmd", &pid, "VM.system_properties"]);
    let theirs = jcmd(jvm.pid, &["VM.system_properties"]);
    assert!(text(&ours.stdout).contains("java.vm.specification.version=17\n"));
    assert_eq!(
        without_date_line(&ours.stdout),
        without_date_line(&theirs.stdout)
    );

    // PerfCounter.print reads the counter file, as jcmd does.
    let ours = oomlens(&["jcmd", &pid, "PerfCounter.print"]);
    let theirs = jcmd(jvm.pid, &["PerfCounter.print"]);
    let names = |o: &Output| -> Vec<String> {
        text(&o.stdout)
            .lines()
            .map(|l| l.split('=').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(names(&ours), names(&theirs));
    assert!(text(&ours.stdout).contains("sun.rt.javaCommand=\"oomlens.demo.Idle\"\n"));

    assert!(jvm.alive());
    jvm.assert_no_attach_file();
}

#[test]
fn another_users_jvm_attached_as_root_and_as_itself() {
    let Some(jar) = require_java() else { return };
    if !require_root() || !support::require_program("setpriv", "util-linux") {
        return;
    }
    let nobody = [
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
    ];
    let jvm = Jvm::start(&jar, &[], &nobody, false);
    let status = std::fs::read_to_string(format!("/proc/{}/status", jvm.pid)).unwrap();
    assert!(
        status.contains("Uid:\t65534\t65534"),
        "the JVM runs as nobody"
    );
    let pid = jvm.pid.to_string();
    for command in ["VM.version", "VM.command_line", "VM.flags"] {
        let ours = oomlens(&["jcmd", &pid, command]);
        assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
        let theirs = jcmd(jvm.pid, &[command]);
        assert_eq!(text(&ours.stdout), text(&theirs.stdout), "{command}");
    }
    // The socket is the JVM's: nobody's, closed to others.
    let meta = std::fs::metadata(format!("/tmp/.java_pid{}", jvm.pid)).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((meta.uid(), meta.mode() & 0o777), (65534, 0o600));

    // As nobody itself (not root): the same.
    let mut as_nobody = Command::new(nobody[0]);
    as_nobody
        .args(&nobody[1..])
        .arg(support::oomlens())
        .args(["jcmd", &pid, "VM.version"]);
    let out = as_nobody.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("JDK 17."));

    // As another user: refused with what happened, exit 2.
    let out = Command::new("setpriv")
        .args(["--reuid=daemon", "--regid=daemon", "--clear-groups"])
        .arg(support::oomlens())
        .args(["jcmd", &pid, "VM.version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("permission denied") && text(&out.stderr).contains("uid 65534"),
        "{}",
        text(&out.stderr)
    );
    assert!(jvm.alive());
    jvm.assert_no_attach_file();
}

/// As a container runtime starts it: pid 1 of its own pid and mount
/// namespaces, its `/tmp` a private tmpfs (its socket is not in ours).
#[test]
fn jvm_in_its_own_namespaces_as_jcmd_inside_sees_it() {
    let Some(jar) = require_java() else { return };
    if !require_root()
        || !support::require_program("unshare", "util-linux")
        || !support::require_program("nsenter", "util-linux")
    {
        return;
    }
    let jvm = Jvm::start(&jar, &[], &[], true);
    let pid = jvm.pid.to_string();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.contains(&format!("NStgid:\t{pid}\t1\n")),
        "pid 1 inside: {status}"
    );
    let inside = |command: &[&str]| -> Output {
        Command::new("nsenter")
            .args(["-t", &pid, "-p", "-m", "jcmd", "1"])
            .args(command)
            .output()
            .unwrap()
    };
    // jcmd's header is the pid it was given: `1:` inside, ours outside.
    let body = |o: &Output| -> String {
        let t = text(&o.stdout);
        t.split_once('\n').map(|(_, b)| b.to_string()).unwrap_or(t)
    };
    for (i, command) in [&["VM.version"][..], &["VM.command_line"], &["VM.flags"]]
        .iter()
        .enumerate()
    {
        let mut args = vec!["jcmd"];
        // Every other time by entering the mount namespace.
        if i % 2 == 1 {
            args.push("--enter-mount-ns");
        }
        args.push(&pid);
        args.extend(command.iter());
        let ours = oomlens(&args);
        assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
        assert!(text(&ours.stdout).starts_with(&format!("{pid}:\n")));
        let theirs = inside(command);
        assert_eq!(theirs.status.code(), Some(0), "{}", text(&theirs.stderr));
        assert!(text(&theirs.stdout).starts_with("1:\n"));
        assert_eq!(body(&ours), body(&theirs), "{command:?}");
    }
    let ours = oomlens(&["jcmd", "--enter-mount-ns", &pid, "VM.version"]);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    // The socket is in the JVM's /tmp, named by its own pid.
    assert!(Path::new(&format!("/proc/{pid}/root/tmp/.java_pid1")).exists());
    assert!(jvm.alive());
    jvm.assert_no_attach_file();
}

/// `--all -o -`: the same files as tar members on stdout (what a debug
/// container started by `collect --debug-image` writes to its log).
#[test]
fn all_to_stdout_is_a_tar_of_the_same_files() {
    let Some(jar) = require_java() else { return };
    let jvm = Jvm::start(&jar, &["-XX:NativeMemoryTracking=summary"], &[], false);
    let pid = jvm.pid.to_string();
    let run = oomlens(&["jcmd", "--all", &pid, "-o", "-"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let mut names = Vec::new();
    let mut version = Vec::new();
    let mut archive = tar::Archive::new(&run.stdout[..]);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_str().unwrap().to_string();
        if name == "VM.version.txt" {
            std::io::Read::read_to_end(&mut e, &mut version).unwrap();
        }
        names.push(name);
    }
    let mut want: Vec<String> = oomlens_live::attach::gather::ALL
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    want.push("hsperfdata".into());
    assert_eq!(names, want);
    assert_eq!(version, jcmd(jvm.pid, &["VM.version"]).stdout);
    jvm.assert_no_attach_file();
}

#[test]
fn all_writes_what_diagnose_reads() {
    let Some(jar) = require_java() else { return };
    let jvm = Jvm::start(&jar, &["-XX:NativeMemoryTracking=summary"], &[], false);
    let out = TempDir::new("oomlens-jcmd-all");
    let dir = out.path().join("jvm");
    let pid = jvm.pid.to_string();
    let run = oomlens(&["jcmd", "--all", &pid, "-o", dir.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    for f in [
        "VM.version.txt",
        "VM.command_line.txt",
        "VM.flags.txt",
        "VM.native_memory-summary.txt",
        "VM.metaspace.txt",
        "VM.classloader_stats.txt",
        "GC.heap_info.txt",
        "GC.class_histogram.txt",
        "VM.class_hierarchy.txt",
        "hsperfdata",
    ] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let nmt = std::fs::read_to_string(dir.join("VM.native_memory-summary.txt")).unwrap();
    assert!(
        nmt.starts_with(&format!("{pid}:\n\nNative Memory Tracking:")),
        "{nmt}"
    );
    let version = std::fs::read(dir.join("VM.version.txt")).unwrap();
    assert_eq!(version, jcmd(jvm.pid, &["VM.version"]).stdout);

    let d = support::oomlens_json(&["diagnose", dir.to_str().unwrap(), "-f", "json"], &[0, 1]);
    let kind = |file: &str| -> String {
        d["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"].as_str().unwrap_or("").ends_with(file))
            .map(|s| s["kind"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("{file} not among the sources: {d}"))
    };
    assert_eq!(kind("VM.native_memory-summary.txt"), "nmt");
    assert_eq!(kind("VM.flags.txt"), "jvm-flags");
    assert_eq!(kind("VM.command_line.txt"), "jvm-flags");
    assert_eq!(kind("VM.metaspace.txt"), "jcmd");
    assert_eq!(kind("VM.classloader_stats.txt"), "jcmd");
    assert_eq!(kind("GC.class_histogram.txt"), "jcmd");
    assert_eq!(kind("VM.class_hierarchy.txt"), "class-hierarchy");
    assert_eq!(kind("hsperfdata"), "hsperfdata");
    jvm.assert_no_attach_file();
    drop(jvm);

    // Without NMT: skipped with a note, no file.
    let jvm = Jvm::start(&jar, &[], &[], false);
    let dir = out.path().join("no-nmt");
    let run = oomlens(&[
        "jcmd",
        "--all",
        &jvm.pid.to_string(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(!dir.join("VM.native_memory-summary.txt").exists());
    assert!(dir.join("VM.metaspace.txt").is_file());
    assert!(
        text(&run.stderr).contains("NMT is not enabled")
            && text(&run.stderr).contains("-XX:NativeMemoryTracking=summary"),
        "{}",
        text(&run.stderr)
    );
}

/// Attach disabled: refused at once, from its counters or (without them)
/// its command line, and never signalled (a signalled JVM whose attach is
/// disabled prints a thread dump).
#[test]
fn attach_disabled_is_refused_without_a_signal() {
    let Some(jar) = require_java() else { return };
    for flags in [
        &["-XX:+DisableAttachMechanism"][..],
        &["-XX:+DisableAttachMechanism", "-XX:-UsePerfData"],
    ] {
        let jvm = Jvm::start(&jar, flags, &[], false);
        let t = Instant::now();
        let out = oomlens(&["jcmd", &jvm.pid.to_string(), "VM.version"]);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("-XX:+DisableAttachMechanism") && err.contains("not signalled"),
            "{err}"
        );
        std::thread::sleep(Duration::from_millis(300));
        assert!(jvm.alive());
        assert!(
            !jvm.printed().contains("Full thread dump"),
            "the JVM was signalled"
        );
        jvm.assert_no_attach_file();
    }
}

/// A stopped JVM does not answer: refused after --timeout, not before, not
/// much after.
#[test]
fn a_jvm_that_does_not_answer_is_refused_after_the_timeout() {
    let Some(jar) = require_java() else { return };
    let jvm = Jvm::start(&jar, &[], &[], false);
    let pid = jvm.pid.to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let t = Instant::now();
    let out = oomlens(&["jcmd", "--timeout", "1500ms", &pid, "VM.version"]);
    let took = t.elapsed();
    let _ = Command::new("kill").args(["-CONT", &pid]).status();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("did not open its attach socket") && err.contains("1.5 s"),
        "{err}"
    );
    jvm.assert_no_attach_file();
}

#[test]
fn a_process_that_is_not_a_jvm_is_never_signalled() {
    let mut sleep = KillOnDrop(
        Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("start sleep"),
    );
    std::thread::sleep(Duration::from_millis(200));
    let pid = sleep.0.id().to_string();
    let out = oomlens(&["jcmd", &pid, "VM.version"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("(sleep) is not a JVM"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        sleep.0.try_wait().unwrap().is_none(),
        "sleep is still alive"
    );
    let out = oomlens(&["jcmd", "4194304", "VM.version"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no process 4194304"));
}
