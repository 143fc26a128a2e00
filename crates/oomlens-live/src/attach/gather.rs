//! The set of diagnostic commands oomlens reads from a JVM (what `oomlens
//! jcmd --all` and the node view run), each output as `jcmd PID COMMAND >
//! FILE` writes it, so the files are the evidence `diagnose` already reads.

use std::io::{self, Read, Write};
use std::time::Duration;

use super::{Error, Vm, NMT_NOT_ENABLED};

/// What is run, and the file each output goes to (as
/// `scripts/capture/jvm-leak.sh` names them): what `diagnose` and `budget`
/// read (VM.version for the JDK release). Cheap ones first: the class
/// histogram forces a full collection. `VM.class_hierarchy` lists every
/// loaded class (a histogram lists only classes with instances, and a
/// generated class leaking Metaspace usually has none): what names a
/// leaking class family when no class-loading log was kept. It is last and
/// capped ([`cap_of`]): about 110 bytes and 10 µs per class (7.4 MB in
/// 0.64 s for 68,500 classes on a loaded 2-core machine).
pub const ALL: &[(&str, &str)] = &[
    ("VM.version.txt", "VM.version"),
    ("VM.command_line.txt", "VM.command_line"),
    ("VM.flags.txt", "VM.flags"),
    ("VM.native_memory-summary.txt", "VM.native_memory summary"),
    ("VM.metaspace.txt", "VM.metaspace"),
    ("VM.classloader_stats.txt", "VM.classloader_stats"),
    ("GC.heap_info.txt", "GC.heap_info"),
    HISTOGRAM,
    ("VM.class_hierarchy.txt", "VM.class_hierarchy"),
];

/// The class histogram's file and command (one of [`ALL`]).
pub const HISTOGRAM: (&str, &str) = ("GC.class_histogram.txt", "GC.class_histogram");

/// The commands whose output is one reading of a series over time (the
/// class histogram, the NMT summary): a capture puts the time it sent one
/// before its output, as a line of its own
/// ([`super::capture::time_line`]).
pub const TIMED: &[&str] = &["GC.class_histogram", "VM.native_memory summary"];

/// The most bytes of a class listing kept (about 150,000 classes): past
/// it the output is cut at a line's end and a line starting with
/// [`oomlens_evidence::jvm::classlist::CUT_NOTE`] says so.
pub const CLASS_LIST_CAP: u64 = 16 << 20;

/// The cap on a command's output, for the commands whose output grows
/// with the application (`None`: kept whole).
pub fn cap_of(command: &str) -> Option<u64> {
    (command == "VM.class_hierarchy").then_some(CLASS_LIST_CAP)
}

/// The hint given when NMT is off.
pub const NMT_HINT: &str =
    "run the JVM with -XX:NativeMemoryTracking=summary to see its native memory";

/// Ends an output read past its `cap`: drops the partial line at its end
/// and adds the line that says it was cut
/// ([`oomlens_evidence::jvm::classlist::CUT_NOTE`]).
pub fn cut(out: &mut Vec<u8>, cap: u64) {
    let keep = out.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    out.truncate(keep);
    out.extend_from_slice(
        format!(
            "{} {cap} bytes\n",
            oomlens_evidence::jvm::classlist::CUT_NOTE
        )
        .as_bytes(),
    );
}

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
    /// output (`None`: wait as long as it takes). An output past its
    /// command's [`cap_of`] is cut at the last line's end before the cap,
    /// and a line saying so is added.
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
        let cap = cap_of(command);
        let (n, nmt_off) = match cap {
            Some(cap) => copy_reply(output.take(cap + 1), &mut out),
            None => copy_reply(output, &mut out),
        }
        .map_err(io_err)?;
        if nmt_off {
            return Ok(None);
        }
        if let Some(cap) = cap.filter(|&c| n > c) {
            // The rest is not read: the JVM's write fails when the
            // connection closes, and the listener goes on.
            cut(&mut out, cap);
        }
        if n == 0 {
            out.extend_from_slice(b"Command executed successfully\n");
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_output_is_cut_at_a_line_and_says_so() {
        assert_eq!(cap_of("VM.class_hierarchy"), Some(CLASS_LIST_CAP));
        assert_eq!(cap_of("GC.class_histogram"), None);
        // What `take(cap + 1)` read of a listing: the last line is partial.
        let mut out = b"1:\njava.lang.Object/null\n|--a.B/null\n|--a.C/nu".to_vec();
        cut(&mut out, 40);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "1:\njava.lang.Object/null\n|--a.B/null\noomlens: output cut at 40 bytes\n"
        );
        let (l, w) = oomlens_evidence::jvm::classlist::parse("t", text.as_bytes());
        assert_eq!((l.classes, l.cut_line), (2, Some(4)));
        assert_eq!(w.items().len(), 1);
    }
}
