//! Properties of the application-log scanner: it never panics, whatever the
//! bytes; it reads the same signals however the input is cut into reads,
//! whatever noise surrounds them, and with CRLF line ends.

use std::io::{self, Read};
use std::path::PathBuf;

use oomlens_evidence::applog::{self, AppLog};
use proptest::prelude::*;

/// Hands out at most `n` bytes per read.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(self.1).min(out.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/applog");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("fixture"))
        })
        .collect();
    out.sort();
    out
}

fn invariants(log: &AppLog) {
    assert!(log.signal_count >= log.signals.len() as u64);
    assert!(log.signals.len() <= AppLog::LIMIT);
    assert!(log.heap_dumps.len() <= AppLog::LIMIT);
    for w in log.signals.windows(2) {
        assert!(w[0].line <= w[1].line, "signals out of order: {w:?}");
    }
    for s in &log.signals {
        assert!(
            s.line >= 1 && s.line <= log.lines,
            "{s:?} beyond {}",
            log.lines
        );
    }
    if let Some(h) = &log.hs_err {
        assert!(h.line >= 1 && h.line <= log.lines);
    }
}

/// Pieces real logs are made of, to reach deep into the scanner.
const PIECES: &[&str] = &[
    "java.lang.OutOfMemoryError",
    ": Java heap space",
    ": Cannot reserve 8 bytes of direct buffer memory (allocated: 1, limit: 2)",
    ": unable to create native thread: possibly out of memory or process/resource limits reached",
    " thrown from the UncaughtExceptionHandler in thread \"",
    "Exception in thread \"",
    "Exception in thread \\\"",
    "\"",
    "\\\"",
    "Caused by: ",
    "Suppressed: ",
    "\tat java.lang.Thread.run(Thread.java:1)",
    "... 3 more",
    "\\n",
    "\\t",
    "{\"log\":\"",
    "2024-05-01T12:00:00.000000000Z stderr F ",
    "[pod/x/y] ",
    "#",
    "# There is insufficient memory for the Java Runtime Environment to continue.",
    "# A fatal error has been detected by the Java Runtime Environment:",
    "# Native memory allocation (mmap) failed to map 1 bytes",
    "#  Internal Error (debug.cpp:362), pid=",
    "#  Out of Memory Error (os_linux.cpp:1), pid=12, tid=3",
    "#  fatal error: OutOfMemory encountered: Metaspace",
    "# JRE version: ",
    "# An error report file with more information is saved as:",
    "# Can not save log file, dump to screen..",
    "/dev/stderr",
    "---------------  T H R E A D  ---------------",
    "jvm_args: -Xmx1g",
    "java_command: app",
    "container (cgroup) information:",
    "memory_limit_in_bytes: ",
    "99999999999999999999",
    " k",
    "unlimited",
    "Dumping heap to /x.hprof ...",
    "Heap dump file created [",
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "Allocation failed - process out of memory",
    "MemoryError",
    "MemoryError: x",
    "numpy.core._exceptions._ArrayMemoryError: Unable",
    "runtime: out of memory: cannot allocate 8-byte block (9 in use)",
    "fatal error: out of memory",
    "fatal error: runtime: out of memory",
    "\r",
    " ",
    "é",
    "\u{fffd}",
];

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let (log, _) = applog::parse("fuzz", &bytes);
        invariants(&log);
    }

    #[test]
    fn log_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..60)) {
        let text = lines.join("\n");
        let (log, _) = applog::parse("fuzz", text.as_bytes());
        invariants(&log);
        // However it is cut into reads, the result is the same.
        for chunk in [1, 7, 64] {
            let (other, _) = applog::scan("fuzz", Trickle(text.as_bytes(), chunk)).unwrap();
            prop_assert_eq!(&other, &log);
        }
    }
}

#[test]
fn fixtures_read_the_same_in_any_chunking() {
    for (name, bytes) in fixtures() {
        let (whole, _) = applog::parse(&name, &bytes);
        invariants(&whole);
        for chunk in [1, 3, 4096] {
            let (cut, _) = applog::scan(&name, Trickle(&bytes, chunk)).unwrap();
            assert_eq!(cut, whole, "{name}: chunk {chunk}");
        }
    }
}

#[test]
fn fixtures_in_noise_keep_their_signals() {
    // 5000 unrelated lines before and after: anchors skip them, and every
    // signal moves by exactly 5000 lines.
    let noise: String = (0..5000)
        .map(|i| {
            format!(
                "2024-05-01 12:00:{:02} INFO request {i} served in 3 ms\n",
                i % 60
            )
        })
        .collect();
    for (name, bytes) in fixtures() {
        let (plain, _) = applog::parse(&name, &bytes);
        let mut padded = noise.clone().into_bytes();
        padded.extend_from_slice(&bytes);
        if !bytes.ends_with(b"\n") {
            padded.push(b'\n');
        }
        padded.extend_from_slice(noise.as_bytes());
        let (log, _) = applog::parse(&name, &padded);
        let moved: Vec<_> = plain
            .signals
            .iter()
            .map(|s| (s.kind, s.variant, s.line + 5000, s.thread.clone()))
            .collect();
        let got: Vec<_> = log
            .signals
            .iter()
            .map(|s| (s.kind, s.variant, s.line, s.thread.clone()))
            .collect();
        assert_eq!(got, moved, "{name}");
        assert_eq!(log.jvm_seen, plain.jvm_seen, "{name}");
        assert_eq!(
            log.hs_err.as_ref().map(|h| h.line),
            plain.hs_err.as_ref().map(|h| h.line + 5000),
            "{name}"
        );
    }
}

#[test]
fn crlf_line_ends_read_the_same() {
    for (name, bytes) in fixtures() {
        let (plain, _) = applog::parse(&name, &bytes);
        let crlf: Vec<u8> = bytes
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let (log, _) = applog::parse(&name, &crlf);
        assert_eq!(log.signals, plain.signals, "{name}");
        assert_eq!(log.hs_err, plain.hs_err, "{name}");
    }
}

#[test]
fn no_signal_log_reports_none() {
    // A plain service log: nothing, and no JVM.
    let text = "starting server\nlistening on 0.0.0.0:8080\nGET /healthz 200\nshutting down\n";
    let (log, w) = applog::parse("svc.log", text.as_bytes());
    assert!(log.signals.is_empty());
    assert_eq!(log.signal_count, 0);
    assert!(!log.jvm_seen);
    assert!(log.hs_err.is_none());
    assert_eq!(log.lines, 4);
    assert!(w.is_empty());

    // A Spring Boot log that never ran out of memory: a JVM, no signal.
    let text = concat!(
        "  .   ____          _            __ _ _\n",
        " :: Spring Boot ::                (v3.2.5)\n",
        "2024-05-01T12:00:00.000Z  INFO 1 --- [main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)\n",
    );
    let (log, _) = applog::parse("spring.log", text.as_bytes());
    assert!(log.signals.is_empty());
    assert!(log.jvm_seen);
}
