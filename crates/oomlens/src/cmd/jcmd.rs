//! `oomlens jcmd`: the JDK's `jcmd PID COMMAND...` without a JDK, on
//! `oomlens_live::attach`, printing what jcmd prints (its `PID:` line, the
//! JVM's output byte for byte, "Command executed successfully" when there
//! is none, the JVM's failure message on stderr) with jcmd's exit status
//! (0, or 1 when the JVM reports failure; 2 when it cannot be attached to).
//! `--all` runs the commands oomlens reads into a folder `diagnose` takes,
//! or with `-o -` as a tar on stdout (what an ephemeral debug container
//! started by `oomlens collect --debug-image` writes to its log).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use oomlens_live::attach::{self, Options, Reach, Vm};

use crate::cmd::Outcome;
use crate::JcmdArgs;

use attach::gather::{copy_reply, ALL, NMT_HINT};

pub fn run(args: JcmdArgs) -> Result<Outcome> {
    let timeout = oomlens_analysis::scan::parse_duration(&args.timeout)
        .map_err(anyhow::Error::msg)
        .context("--timeout")?;
    let opts = Options {
        timeout,
        reach: if args.enter_mount_ns {
            Reach::MountNamespace
        } else {
            Reach::Auto
        },
    };
    if args.all {
        return all(args.pid, args.output, &opts);
    }
    // jcmd's Arguments: the words joined by one space, trimmed.
    let command = args.command.join(" ").trim().to_string();
    anyhow::ensure!(
        !command.is_empty(),
        "no command: give one (`oomlens jcmd {} help` lists them) or --all",
        args.pid
    );
    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{}:", args.pid)?;
    out.flush()?;
    if command == "PerfCounter.print" {
        return perf_counters(args.pid, &mut out);
    }
    let vm = Vm::attach(args.pid, &opts)?;
    for line in command.split('\n') {
        if line.trim() == "stop" {
            break;
        }
        match vm.jcmd(line)?.ok() {
            Ok(output) => {
                let (n, nmt_off) = match copy_reply(output, &mut out) {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Outcome::Found),
                    r => r.context("writing the output")?,
                };
                if n == 0 {
                    writeln!(out, "Command executed successfully")?;
                }
                if nmt_off {
                    eprintln!("oomlens: NMT is not enabled in this JVM: {NMT_HINT}");
                }
            }
            Err(attach::Error::Failed { message, .. }) => {
                out.flush()?;
                eprintln!("{message}");
                return Ok(Outcome::NotFound);
            }
            Err(e) => return Err(e.into()),
        }
    }
    out.flush()?;
    Ok(Outcome::Found)
}

/// `PerfCounter.print` is jcmd's own: it reads the counter file, no attach.
fn perf_counters(pid: u32, out: &mut impl Write) -> Result<Outcome> {
    let path = oomlens_live::hsperf::find(pid).with_context(|| {
        format!("process {pid} has no performance-counter file (not a JVM, or run with -XX:-UsePerfData)")
    })?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let data = oomlens_evidence::jvm::hsperf::parse(&bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    oomlens_live::hsperf::print_counters(&data, bytes.len(), out)?;
    out.flush()?;
    Ok(Outcome::Found)
}

/// `--all`: one attach, every command of [`ALL`] into its file, and the
/// JVM's performance-counter file copied as `hsperfdata`; `-o -`: the same
/// files as members of a tar written to stdout.
fn all(pid: u32, dir: Option<PathBuf>, opts: &Options) -> Result<Outcome> {
    if dir.as_deref() == Some(Path::new("-")) {
        return all_tar(pid, opts);
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(format!("oomlens-jcmd-{pid}")));
    let vm = Vm::attach(pid, opts)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = 0;
    for (file, command) in ALL {
        let path = dir.join(file);
        match one(&vm, command, &path) {
            Ok(Some(n)) => {
                written += 1;
                eprintln!("{}: {n} bytes", path.display());
            }
            Ok(None) => {
                eprintln!("{command}: skipped, NMT is not enabled in this JVM ({NMT_HINT})")
            }
            Err(e) => eprintln!("{command}: {e:#}"),
        }
    }
    if let Some(src) = oomlens_live::hsperf::find(pid) {
        let path = dir.join("hsperfdata");
        match std::fs::copy(&src, &path) {
            Ok(n) => {
                written += 1;
                eprintln!("{}: {n} bytes (performance counters)", path.display());
            }
            Err(e) => eprintln!("copying {}: {e}", src.display()),
        }
    }
    eprintln!(
        "{written} files in {}; read them with `oomlens diagnose {}`",
        dir.display(),
        dir.display()
    );
    Ok(if written > 0 {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

/// `--all -o -`: each file of [`ALL`] (and `hsperfdata`) as a tar member
/// on stdout, in the order run; what failed is said on stderr.
fn all_tar(pid: u32, opts: &Options) -> Result<Outcome> {
    let vm = Vm::attach(pid, opts)?;
    let mut tar = tar::Builder::new(io::stdout().lock());
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, name, bytes)
            .with_context(|| format!("writing {name} to stdout"))
    };
    let mut written = 0;
    for (file, command) in ALL {
        match vm.jcmd_output(command, None) {
            Ok(Some(bytes)) => {
                put(file, &bytes)?;
                written += 1;
            }
            Ok(None) => {
                eprintln!("{command}: skipped, NMT is not enabled in this JVM ({NMT_HINT})")
            }
            Err(e) => eprintln!("{command}: {e:#}"),
        }
    }
    if let Some(src) = oomlens_live::hsperf::find(pid) {
        match std::fs::read(&src) {
            Ok(bytes) => {
                put("hsperfdata", &bytes)?;
                written += 1;
            }
            Err(e) => eprintln!("reading {}: {e}", src.display()),
        }
    }
    tar.into_inner()
        .and_then(|mut o| o.flush())
        .context("finishing the tar")?;
    eprintln!("{written} files written as a tar to stdout");
    Ok(if written > 0 {
        Outcome::Found
    } else {
        Outcome::NotFound
    })
}

/// One command into `path`, as `jcmd PID COMMAND > path` writes it. `None`
/// (and no file) when NMT is off.
fn one(vm: &Vm, command: &str, path: &Path) -> Result<Option<u64>> {
    let Some(bytes) = vm.jcmd_output(command, None)? else {
        return Ok(None);
    };
    std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(Some(bytes.len() as u64))
}
