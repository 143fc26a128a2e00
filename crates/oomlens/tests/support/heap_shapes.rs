//! The heap tests' JVM (`tests/java/heap/HeapShapes.java`): compiled with
//! the machine's `javac`, started with its arguments (N K L B CAPACITY T
//! D), grown on request, and asked through the JDK's `jcmd`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::time::Duration;

use super::KillOnDrop;

/// The Java sources of the heap tests.
pub fn java_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/heap")
}

/// Compiles HeapShapes and its template class into `out`.
pub fn compile(out: &Path) {
    compile_with(out, &[]);
}

/// Compiles HeapShapes, its template class and the `extra` sources (which
/// may use them) into `out`.
pub fn compile_with(out: &Path, extra: &[PathBuf]) {
    let src = java_dir();
    let ok = Command::new("javac")
        .arg("-d")
        .arg(out)
        .arg(src.join("HeapShapes.java"))
        .arg(src.join("gen/G0000000.java"))
        .args(extra)
        .status()
        .expect("run javac")
        .success();
    assert!(ok, "javac failed");
}

/// `jcmd PID ARGS`, retried while the JVM's attach listener starts.
pub fn jcmd(pid: u32, args: &[&str]) -> String {
    for _ in 0..50 {
        let o = Command::new("jcmd")
            .arg(pid.to_string())
            .args(args)
            .output()
            .expect("run jcmd");
        if o.status.success() {
            return String::from_utf8_lossy(&o.stdout).into_owned();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("jcmd {pid} {args:?} kept failing");
}

/// A running HeapShapes that can be grown (killed when dropped).
pub struct Shapes {
    pub jvm: KillOnDrop,
    out: BufReader<ChildStdout>,
}

impl Shapes {
    /// Starts HeapShapes with JVM `flags` and its seven `args`, and waits
    /// for its "ready".
    pub fn start(classes: &Path, flags: &[&str], args: [u64; 7]) -> Shapes {
        let child = Command::new("java")
            .args(flags)
            .arg("-cp")
            .arg(classes)
            .arg("HeapShapes")
            .args(args.map(|n| n.to_string()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start java");
        let mut jvm = KillOnDrop(child);
        let out = BufReader::new(jvm.0.stdout.take().expect("stdout"));
        let mut s = Shapes { jvm, out };
        s.expect("ready");
        s
    }

    pub fn pid(&self) -> u32 {
        self.jvm.0.id()
    }

    /// Adds N items and K classes in L new loaders, and waits for it.
    pub fn grow(&mut self) {
        writeln!(self.jvm.0.stdin.as_mut().expect("stdin"), "grow").expect("write grow");
        self.expect("grown");
    }

    /// `jcmd PID GC.heap_dump PATH`.
    pub fn dump(&self, path: &Path) {
        jcmd(
            self.pid(),
            &["GC.heap_dump", path.to_str().expect("UTF-8 path")],
        );
    }

    fn expect(&mut self, word: &str) {
        let mut line = String::new();
        self.out.read_line(&mut line).expect("read java's stdout");
        assert_eq!(line.trim(), word, "HeapShapes said {line:?}, not {word}");
    }
}
