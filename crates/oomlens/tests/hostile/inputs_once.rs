//! Inputs as people have them, each read once and streamed: a FIFO, `<(...)`
//! process substitution, stdin too large to hold, a folder with an
//! unreadable corner (run as an unprivileged user), and a `.gz` cut in half.
//! Each of these lost the evidence before inputs were opened exactly once.

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn example(rel: &str) -> PathBuf {
    PathBuf::from(format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR")))
}

/// Runs a command, killing it after `limit`: a hang is a failure, not a
/// stuck test run.
fn bounded(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    // Its output is read while it runs: a full pipe must not look like a
    // hang.
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("pid {id} still running after {limit:?}: it hangs");
        }
    }
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn note_of<'a>(d: &'a serde_json::Value, source: &str) -> &'a serde_json::Value {
    d["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no source {source}: {d}"))
}

#[test]
fn a_fifo_is_read_once() {
    let tmp = support::TempDir::new("oomlens-fifo");
    let fifo = tmp.path().join("kern.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let kern = std::fs::read(example("examples/real-kill-java/kern.log")).unwrap();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Blocks until oomlens opens the FIFO; a second open would find
            // no writer and hang.
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&kern).unwrap();
        })
    };
    let mut cmd = Command::new(support::oomlens());
    cmd.args(["diagnose", fifo.to_str().unwrap(), "--format", "json"]);
    let out = bounded(cmd, Duration::from_secs(30));
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "the kill is found");
    let d = json(&out);
    let n = note_of(&d, fifo.to_str().unwrap());
    assert_eq!(n["kind"], "kernel-log");
    assert_eq!(n["note"], "1 OOM-killer report(s) in 78 lines");
}

#[test]
fn process_substitution_for_diagnose_and_classes() {
    let kern = example("examples/real-kill-java/kern.log");
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(format!(
        "exec {} diagnose <(cat {}) --format json",
        support::oomlens().display(),
        kern.display()
    ));
    let out = bounded(cmd, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "the kill is found");
    let d = json(&out);
    let src = &d["sources"][0];
    assert!(
        src["source"].as_str().unwrap().starts_with("/dev/fd/"),
        "{d}"
    );
    assert_eq!(src["note"], "1 OOM-killer report(s) in 78 lines");

    // The first line of a class log read through a pipe is kept.
    let classes = example("tests/fixtures/classload/ProxyLeak/classes.log");
    let by_path = support::oomlens_json(
        &["classes", classes.to_str().unwrap(), "-f", "json"],
        &[0, 1],
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(format!(
        "exec {} classes <(cat {}) -f json",
        support::oomlens().display(),
        classes.display()
    ));
    let out = bounded(cmd, Duration::from_secs(60));
    let piped = json(&out);
    let loaded = by_path["reports"][0]["loaded"].as_u64().unwrap();
    assert!(loaded > 1000);
    assert_eq!(piped["reports"][0]["loaded"].as_u64(), Some(loaded));
    for k in ["unloaded", "families_total", "span_s"] {
        assert_eq!(piped["reports"][0][k], by_path["reports"][0][k], "{k}");
    }
}

/// Peak resident memory of a running process, from `/proc`.
fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[test]
fn stdin_is_streamed_not_held() {
    let kern = std::fs::read(example("examples/real-kill-java/kern.log")).unwrap();
    let mut child = Command::new(support::oomlens())
        .args(["diagnose", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&kern).unwrap();
    let filler: Vec<u8> =
        b"2026-11-26T21:45:00,000000+00:00 nothing to see here, a line of noise\n"
            .repeat(16 * 1024);
    let total = 160u64 << 20;
    let mut sent = 0u64;
    while sent < total {
        stdin.write_all(&filler).unwrap();
        sent += filler.len() as u64;
    }
    stdin.flush().unwrap();
    // Everything written has been read (the pipe holds 64 KiB); the input
    // is still open, so the process is alive to be measured.
    std::thread::sleep(Duration::from_millis(300));
    let hwm = vm_hwm_kib(pid);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "the kill is found");
    let d = json(&out);
    assert_eq!(note_of(&d, "-")["kind"], "kernel-log");
    assert!(
        hwm < 64 * 1024,
        "{} MiB resident after 160 MiB on stdin: it was held, not streamed",
        hwm >> 10
    );
}

/// An unprivileged user for the run: the test runs as root, which reads
/// every folder.
fn as_nobody(bin: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin)
        .args(args);
    bounded(cmd, Duration::from_secs(60))
}

#[test]
fn an_unreadable_subfolder_is_named_and_the_rest_judged() {
    if !support::require_program("setpriv", "util-linux") {
        return;
    }
    let tmp = support::TempDir::new("oomlens-perm");
    let root = tmp.path();
    // The binary where the unprivileged user can run it.
    let bin = root.join("oomlens");
    std::fs::copy(support::oomlens(), &bin).unwrap();
    let dir = root.join("node");
    std::fs::create_dir_all(dir.join("private")).unwrap();
    std::fs::copy(
        example("examples/seed-incident/messages"),
        dir.join("messages"),
    )
    .unwrap();
    std::fs::write(dir.join("private/secret.log"), "x\n").unwrap();
    for (p, mode) in [(root, 0o755), (&dir, 0o755), (&dir.join("private"), 0o000)] {
        let made = Command::new("chmod")
            .arg(format!("{mode:o}"))
            .arg(p)
            .status()
            .unwrap();
        assert!(made.success());
    }
    let private = dir.join("private").display().to_string();
    let out = as_nobody(
        &bin,
        &["diagnose", dir.to_str().unwrap(), "--format", "json"],
    );
    let _ = Command::new("chmod")
        .arg("755")
        .arg(dir.join("private"))
        .status();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the readable kernel log is judged: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = json(&out);
    assert!(
        d["warnings"].as_array().unwrap().iter().any(|w| {
            w["source"] == private.as_str()
                && w["message"].as_str().unwrap().contains("Permission denied")
        }),
        "{}",
        d["warnings"]
    );
    assert_eq!(
        note_of(&d, &dir.join("messages").display().to_string())["kind"],
        "kernel-log"
    );
    let _ = Command::new("chmod")
        .arg("000")
        .arg(dir.join("private"))
        .status();
    let out = as_nobody(&bin, &["kernel", dir.to_str().unwrap(), "-f", "json"]);
    let _ = Command::new("chmod")
        .arg("755")
        .arg(dir.join("private"))
        .status();
    assert_eq!(out.status.code(), Some(0), "kernel finds the kill too");
    let k = json(&out);
    assert!(
        k["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["source"] == private.as_str()
                && w["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("cannot read this folder: Permission denied")),
        "{}",
        k["warnings"]
    );
}

/// A kernel log of `n` distinct kills: the seed's report with a new victim
/// pid each time.
fn many_kills(n: usize) -> Vec<u8> {
    let seed = std::fs::read_to_string(example("examples/seed-incident/messages")).unwrap();
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&seed.replace("2076520", &(3_000_000 + i).to_string()));
    }
    out.into_bytes()
}

fn reports_in(d: &serde_json::Value, source: &str) -> u64 {
    let note = note_of(d, source)["note"].as_str().unwrap().to_string();
    note.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_cut_gzip_keeps_the_kills_before_the_cut() {
    let tmp = support::TempDir::new("oomlens-cutgz");
    let log = many_kills(600);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&log).unwrap();
    let z = e.finish().unwrap();
    let whole = tmp.path().join("whole.gz");
    let cut = tmp.path().join("cut.gz");
    std::fs::write(&whole, &z).unwrap();
    std::fs::write(&cut, &z[..z.len() / 2]).unwrap();
    let (whole, cut) = (whole.to_str().unwrap(), cut.to_str().unwrap());

    let d = support::oomlens_json(&["diagnose", whole, "--format", "json"], &[0]);
    assert_eq!(reports_in(&d, whole), 600);
    let d = support::oomlens_json(&["diagnose", cut, "--format", "json"], &[0]);
    let kept = reports_in(&d, cut);
    assert!(
        (200..600).contains(&kept),
        "{kept} of 600 kills kept from half the stream"
    );
    let said = d["warnings"].as_array().unwrap().iter().any(|w| {
        let m = w["message"].as_str().unwrap();
        w["source"] == cut
            && m.starts_with("gzip stream damaged")
            && m.contains(&format!("of {}", z.len() / 2))
    });
    assert!(said, "where it stopped is said: {}", d["warnings"]);

    // `kernel` reads it as found, not as "no input could be read".
    let k = support::oomlens_json(&["kernel", cut, "--format", "json"], &[0]);
    assert_eq!(k["sources"][0]["reports"].as_u64(), Some(kept));
}
