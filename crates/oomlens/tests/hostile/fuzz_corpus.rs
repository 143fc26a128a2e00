//! The fuzz targets' corpora replayed as ordinary tests (no nightly): every
//! file of `fuzz/regressions/<target>/` (tracked: every input that ever
//! crashed or hung a parser), `fuzz/corpus/<target>/` and
//! `fuzz/artifacts/<target>/` when present (cargo fuzz's, untracked), and
//! every fixture under `tests/fixtures/` (the corpora's seeds), through the
//! target's own body (`fuzz/bodies.rs`), each within a time bound.

use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "../../../../fuzz/bodies.rs"]
mod bodies;

/// A target's body.
type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("applog", bodies::applog),
    ("classload", bodies::classload),
    ("framing", bodies::framing),
    ("hprof", bodies::hprof),
    ("hsperf", bodies::hsperf),
    ("jvm", bodies::jvm),
    ("k8s", bodies::k8s),
    ("kernel", bodies::kernel),
    ("metrics", bodies::metrics),
];

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn files(dir: &Path, max: u64, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => files(&p, max, out),
            Ok(m) if m.is_file() && m.len() <= max => out.push(p),
            _ => {}
        }
    }
}

/// Runs `body` on `data` in a thread: a panic or more than `limit` fails.
fn replay(target: &str, body: Body, path: &Path, limit: Duration) {
    let data = std::fs::read(path).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || {
        body(&data);
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let _ = t.join();
            panic!("{target}: {} makes the parser panic", path.display());
        }
        Err(_) => panic!(
            "{target}: {} hangs the parser (over {limit:?})",
            path.display()
        ),
    }
}

#[test]
fn corpora_and_artifacts_replay() {
    let mut n = 0;
    for (target, body) in TARGETS {
        let mut inputs = Vec::new();
        let dir = |d: &str| root().join("fuzz").join(d).join(target);
        files(&dir("regressions"), u64::MAX, &mut inputs);
        assert!(!inputs.is_empty(), "fuzz/regressions/{target} is empty");
        files(&dir("corpus"), 1 << 20, &mut inputs);
        files(&dir("artifacts"), u64::MAX, &mut inputs);
        for p in &inputs {
            replay(target, *body, p, Duration::from_secs(20));
        }
        n += inputs.len();
    }
    assert!(n >= 8 * 8, "{n} inputs");
}

/// The fixtures are the corpora's seeds: every target on every fixture up
/// to 256 KiB (larger ones are read by the fixture tests).
#[test]
fn fixtures_replay_through_every_target() {
    let mut inputs = Vec::new();
    files(&root().join("tests/fixtures"), 256 << 10, &mut inputs);
    assert!(inputs.len() > 50, "{} fixtures", inputs.len());
    for p in &inputs {
        for (target, body) in TARGETS {
            replay(target, *body, p, Duration::from_secs(20));
        }
    }
}
