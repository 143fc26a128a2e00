//! The set of diagnostic commands oomlens reads from a JVM (what `oomlens
//! jcmd --all` and the node view run), each output as `jcmd PID COMMAND >
//! FILE` writes it, so the files are the evidence `diagnose` already reads.

use std::io::{self, Read, Write};
use std::time::Duration;

use super::{Error, Vm, NMT_NOT_ENABLED};

/// What is run, and the file each output goes to (as
/// `scripts/capture/jvm-leak.sh` names them): what `diagnose` and `budget`
/// read (VM.version for the JDK release). Cheap ones first: the class
/// histogram forces a full collection.
pub const ALL: &[(&str, &str)] = &[
    ("VM.version.txt", "VM.version"),
    ("VM.command_line.txt", "VM.command_line"),
    ("VM.flags.txt", "VM.flags"),
    ("VM.native_memory-summary.txt", "VM.native_memory summary"),
    ("VM.metaspace.txt", "VM.metaspace"),
    ("VM.classloader_stats.txt", "VM.classloader_stats"),
    ("GC.heap_info.txt", "GC.heap_info"),
    ("GC.class_histogram.txt", "GC.class_histogram"),
];

/// The hint given when NMT is off.
pub const NMT_HINT: &str =
    "run the JVM with -XX:NativeMemoryTracking=summary to see its native memory";

/// Copies a reply's output; says how many bytes, and whether it was NMT's
/// "not enabled" answer.
pub fn copy_reply(mut output: impl Read, out: &mut impl Write) -> io::Result<(u64, bool)> {
    let want = NMT_NOT_ENABLED.len() as u64 + 1;
    let mut head = Vec::new();
    (&mut output).take(want).read_to_end(&mut head)?;
    let nmt_off = head.strip_suffix(b"\n") == Some(NMT_NOT_ENABLED.as_bytes());
    out.write_all(&head)?;
    let rest = io::copy(&mut output, out)?;
    Ok((head.len() as u64 + rest, nmt_off))
}

impl Vm {
    /// Runs `command` and returns what `jcmd PID COMMAND > file` writes:
    /// the `PID:` line, the JVM's output byte for byte, and "Command
    /// executed successfully" when there is none. `None` when the command
    /// is NMT's and NMT is off. `timeout` bounds each wait for the JVM's
    /// output (`None`: wait as long as it takes).
    pub fn jcmd_output(
        &self,
        command: &str,
        timeout: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let output = self.jcmd(command)?.ok()?;
        let io_err = |source| Error::Io {
            doing: format!("reading the output of {command}"),
            source,
        };
        output.get_ref().set_read_timeout(timeout).map_err(io_err)?;
        let mut out = format!("{}:\n", self.pid).into_bytes();
        let (n, nmt_off) = copy_reply(output, &mut out).map_err(io_err)?;
        if nmt_off {
            return Ok(None);
        }
        if n == 0 {
            out.extend_from_slice(b"Command executed successfully\n");
        }
        Ok(Some(out))
    }
}
