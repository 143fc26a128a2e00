//! The JVM's own view of its memory, captured through attach into a folder
//! `oomlens diagnose` reads: the commands `oomlens jcmd --all` runs and the
//! node agent runs at a container's threshold, each output in the file
//! `jcmd PID COMMAND > FILE` would write, plus a copy of the JVM's
//! performance-counter file.

use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Error, Vm, NMT_NOT_ENABLED};

/// The commands captured and the file each output goes to (as
/// `scripts/capture/jvm-leak.sh` names them): what `diagnose` and `budget`
/// read (VM.version for the JDK release). Cheap ones first: the class
/// histogram forces a full collection.
pub const COMMANDS: &[(&str, &str)] = &[
    ("VM.version.txt", "VM.version"),
    ("VM.command_line.txt", "VM.command_line"),
    ("VM.flags.txt", "VM.flags"),
    ("VM.native_memory-summary.txt", "VM.native_memory summary"),
    ("VM.metaspace.txt", "VM.metaspace"),
    ("VM.classloader_stats.txt", "VM.classloader_stats"),
    ("GC.heap_info.txt", "GC.heap_info"),
    ("GC.class_histogram.txt", "GC.class_histogram"),
];

/// The file the performance counters are copied to.
pub const HSPERF_FILE: &str = "hsperfdata";

/// Copies a reply's output to `out`; says how many bytes, and whether it
/// was NMT's "not enabled" answer.
pub fn copy_reply(mut output: impl Read, out: &mut impl Write) -> io::Result<(u64, bool)> {
    let want = NMT_NOT_ENABLED.len() as u64 + 1;
    let mut head = Vec::new();
    (&mut output).take(want).read_to_end(&mut head)?;
    let nmt_off = head.strip_suffix(b"\n") == Some(NMT_NOT_ENABLED.as_bytes());
    out.write_all(&head)?;
    let rest = io::copy(&mut output, out)?;
    Ok((head.len() as u64 + rest, nmt_off))
}

/// What one command of a capture gave.
#[derive(Debug)]
pub enum Outcome {
    /// Its output, this many bytes, is in the file.
    Written(u64),
    /// NMT is off in this JVM: no file.
    NmtOff,
    /// The command failed: no file (or a partial one, removed).
    Failed(Error),
}

/// One command into `path`, as `jcmd PID COMMAND > path` writes it (the
/// `PID:` line first, "Command executed successfully" for no output).
pub fn one(vm: &Vm, command: &str, path: &Path) -> Outcome {
    let io_err = |doing: String, source: io::Error| Error::Io { doing, source };
    let output = match vm.jcmd(command).and_then(|r| r.ok()) {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(e),
    };
    let written = (|| {
        let file = std::fs::File::create(path)
            .map_err(|e| io_err(format!("creating {}", path.display()), e))?;
        let mut out = BufWriter::new(file);
        let doing = || format!("writing {}", path.display());
        writeln!(out, "{}:", vm.pid).map_err(|e| io_err(doing(), e))?;
        let (n, nmt_off) = copy_reply(output, &mut out).map_err(|e| io_err(doing(), e))?;
        if n == 0 {
            writeln!(out, "Command executed successfully").map_err(|e| io_err(doing(), e))?;
        }
        out.flush().map_err(|e| io_err(doing(), e))?;
        Ok::<_, Error>(nmt_off)
    })();
    match written {
        Ok(true) => {
            let _ = std::fs::remove_file(path);
            Outcome::NmtOff
        }
        Ok(false) => match std::fs::metadata(path) {
            Ok(m) => Outcome::Written(m.len()),
            Err(e) => Outcome::Failed(io_err(format!("reading {}", path.display()), e)),
        },
        Err(e) => {
            let _ = std::fs::remove_file(path);
            Outcome::Failed(e)
        }
    }
}

/// A capture of one JVM: each command of [`COMMANDS`] and the counters.
#[derive(Debug)]
pub struct Capture {
    /// Each command with what it gave, in [`COMMANDS`] order.
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

/// Runs every command of [`COMMANDS`] on an attached JVM into `dir` (which
/// must exist) and copies its performance-counter file; a command that
/// fails does not stop the others.
pub fn all(vm: &Vm, dir: &Path) -> Capture {
    let started = Instant::now();
    let commands = COMMANDS
        .iter()
        .map(|(file, command)| (*command, one(vm, command, &dir.join(file))))
        .collect();
    let hsperf =
        crate::hsperf::find(vm.pid).and_then(|src| std::fs::copy(src, dir.join(HSPERF_FILE)).ok());
    Capture {
        commands,
        hsperf,
        took: started.elapsed(),
    }
}
