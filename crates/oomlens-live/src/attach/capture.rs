//! A capture of one JVM into a folder, as the node agent takes it when a
//! container nears its limit: every command of [`gather::ALL`] into its
//! file (`jcmd PID COMMAND > FILE`), a failure of one not stopping the
//! others, and a copy of the JVM's performance-counter file; what each
//! command gave is kept for the agent's event.

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
    let commands = gather::ALL
        .iter()
        .map(|(file, command)| {
            let path = dir.join(file);
            let outcome = match vm.jcmd_output(command, timeout) {
                Ok(None) => Outcome::NmtOff,
                Ok(Some(bytes)) => match std::fs::write(&path, &bytes) {
                    Ok(()) => Outcome::Written(bytes.len() as u64),
                    Err(source) => Outcome::Failed(Error::Io {
                        doing: format!("writing {}", path.display()),
                        source,
                    }),
                },
                Err(e) => Outcome::Failed(e),
            };
            (*command, outcome)
        })
        .collect();
    let hsperf =
        crate::hsperf::find(vm.pid).and_then(|src| std::fs::copy(src, dir.join(HSPERF_FILE)).ok());
    Capture {
        commands,
        hsperf,
        took: started.elapsed(),
    }
}
