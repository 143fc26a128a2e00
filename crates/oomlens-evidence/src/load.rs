//! Loading what the user gave: files, folders (walked recursively, sorted),
//! `-` for stdin, FIFOs and `/dev/fd/N` from `<(...)`, any of them gzip.
//!
//! Each input is opened exactly once ([`Input::open`]): its head (the first
//! [`HEAD`] bytes, after gzip is unwrapped by its magic bytes) is read into
//! a buffer, the [`registry`] names its format, and the format's parser
//! reads the head chained with the rest (`io::Read::chain`): streamed for
//! logs, read into memory up to [`WHOLE_MAX`] for structured documents. So a
//! pipe works like a file, and stdin is never held whole.
//!
//! Nothing read is lost to a later problem: a gzip stream that is cut or
//! corrupt, or a read that fails midway, ends the input there; what was
//! read before is used and a warning says where it stopped. An unreadable
//! file or folder is a warning with its path; the rest goes on.
//!
//! [`load`] yields one [`Loaded`] per input (typed evidence, a one-line
//! note, warnings), with the rotated files of one class log grouped.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use flate2::read::MultiGzDecoder;

use crate::registry::{self, Format, Outcome, Parse, Parsed, Stream, HEAD, WHOLE_MAX};
use crate::time::TimeContext;
use crate::{tarball, Warnings};

/// What one input gave.
#[derive(Debug)]
pub struct Loaded {
    /// The input's name as given (`kern.log`, `-`, `/dev/fd/63`).
    pub source: String,
    pub path: PathBuf,
    /// When the input was last modified: the file's own time, a tarball
    /// member's header time; `None` for stdin, pipes and memory.
    pub modified: Option<SystemTime>,
    /// What it was found to be (see [`Outcome::kind`]), or `skipped`.
    pub kind: &'static str,
    /// One line: what was read, or why nothing was.
    pub note: String,
    /// The evidence; `None` when nothing could be used, and for a rotated
    /// part of a class log whose group another [`Loaded`] carries.
    pub parsed: Option<Parsed>,
    pub warnings: Warnings,
    /// Set when this input is a path the user named (not one found in a
    /// folder) and it could not be read at all: why. Commands exit with
    /// status 2 for it, after reporting what the other inputs gave.
    pub unreadable: Option<String>,
}

/// A read-only hook that wraps a streamed input's reader (a progress bar):
/// it gets the reader, the input's size on disk when known, and its name.
pub type Wrap = dyn Fn(Box<dyn Read + Send>, Option<u64>, &str) -> Box<dyn Read + Send> + Sync;

/// How [`load`] reads.
pub struct Options<'a> {
    /// The user's time context; each input's missing year is guessed from
    /// its modification time ([`time_for`]).
    pub time: &'a TimeContext,
    /// Worker threads a parser may use (large class logs).
    pub threads: usize,
    pub wrap: Option<&'a Wrap>,
    /// Reads every input as this format instead of recognising it.
    pub only: Option<&'static Format>,
    /// Reads heap dumps (`oomlens_heap::facts::read`, plugged in by the
    /// commands that judge dumps); without it a dump is noted, not read.
    pub heap: Option<&'a crate::jvm::heapdump::HeapReader>,
}

/// Loads every input below `paths`, in order; never fails as a whole.
pub fn load(paths: &[PathBuf], opts: &Options<'_>) -> Vec<Loaded> {
    let mut out = Vec::new();
    for entry in expand(paths) {
        let (path, problem) = match entry {
            Entry::File(path) => match load_one(&path, opts, &mut out) {
                Ok(()) => continue,
                Err(why) => (path, why),
            },
            Entry::Problem(path, why) => (path, why),
        };
        let named = paths.contains(&path);
        let mut l = skipped(path, problem.clone());
        if named {
            l.unreadable = Some(problem);
        }
        out.push(l);
    }
    group_rotations(&mut out);
    out
}

/// Loads one file into `out`; `Err` with why when it cannot be opened.
fn load_one(path: &Path, opts: &Options<'_>, out: &mut Vec<Loaded>) -> Result<(), String> {
    let input = Input::open(path).map_err(|e| format!("cannot read: {e}"))?;
    if opts.only.is_none() && tarball::is_tar(&input.head) {
        tarball::load_members(input, opts, out);
    } else {
        out.push(load_input(input, opts));
    }
    Ok(())
}

/// An input that gave nothing, and why (also as its warning).
pub(crate) fn skipped(path: PathBuf, message: String) -> Loaded {
    let source = path.display().to_string();
    let mut warnings = Warnings::new();
    warnings.push(&source, None, message.clone());
    Loaded {
        source,
        path,
        modified: None,
        kind: "skipped",
        note: message,
        parsed: None,
        warnings,
        unreadable: None,
    }
}

/// Recognises and parses one opened input.
pub(crate) fn load_input(mut input: Input, opts: &Options<'_>) -> Loaded {
    let source = input.name.clone();
    let format = opts
        .only
        .unwrap_or_else(|| registry::recognise(&input.head));
    let mut o = parse(&mut input, format, opts);
    if let Some(d) = input.stopped() {
        o.warnings.push(&source, None, d);
    }
    Loaded {
        source,
        path: input.path,
        modified: input.modified,
        kind: o.kind,
        note: o.note,
        parsed: o.parsed,
        warnings: o.warnings,
        unreadable: None,
    }
}

/// Loads inputs held in memory, each `(name, bytes)`, as [`load`] loads
/// files: `name` is what citations say (`name:line`) and the path
/// rotations are grouped by. For evidence gathered live and never written.
pub fn load_memory(items: Vec<(String, Vec<u8>)>, opts: &Options<'_>) -> Vec<Loaded> {
    let mut out = Vec::new();
    for (name, bytes) in items {
        let len = bytes.len() as u64;
        let path = PathBuf::from(&name);
        match Input::from_reader(
            name,
            &path,
            Box::new(io::Cursor::new(bytes)),
            Some(len),
            false,
        ) {
            Ok(input) => out.push(load_input(input, opts)),
            Err(e) => out.push(skipped(path, format!("cannot read: {e}"))),
        }
    }
    group_rotations(&mut out);
    out
}

/// `bytes` (what was read already) and the rest of an input from `rest`, up
/// to [`WHOLE_MAX`] bytes in all: a longer input is cut there and a
/// warning says so; a read error is a warning too, and what was read
/// before it is kept. `len`, the input's size when known, is reserved at
/// once: a buffer grown by doubling holds its old and new copies while it
/// moves, twice the input at the peak.
pub(crate) fn read_capped(
    name: &str,
    mut bytes: Vec<u8>,
    rest: &mut dyn Read,
    len: Option<u64>,
) -> (Vec<u8>, Warnings) {
    if let Some(len) = len {
        let want = len.min(WHOLE_MAX + 1).saturating_sub(bytes.len() as u64);
        bytes.reserve_exact(usize::try_from(want).unwrap_or(0));
    }
    let room = (WHOLE_MAX + 1).saturating_sub(bytes.len() as u64);
    let read = rest.take(room).read_to_end(&mut bytes);
    let mut cut = Warnings::new();
    if bytes.len() as u64 > WHOLE_MAX {
        bytes.truncate(WHOLE_MAX as usize);
        cut.push(
            name,
            None,
            format!(
                "larger than {} MiB: only its first {} MiB were read",
                WHOLE_MAX >> 20,
                WHOLE_MAX >> 20
            ),
        );
    }
    if let Err(e) = read {
        cut.push(name, None, format!("read error: {e}"));
    }
    (bytes, cut)
}

fn parse(input: &mut Input, format: &Format, opts: &Options<'_>) -> Outcome {
    let name = input.name.clone();
    match format.parse {
        Parse::Head(f) => f(&name, &input.head),
        Parse::Whole(f) => {
            let head = std::mem::take(&mut input.head);
            let len = input.len;
            let (bytes, mut cut) = read_capped(&name, head, &mut input.rest(), len);
            let mut o = f(&name, &bytes);
            cut.extend(std::mem::take(&mut o.warnings));
            o.warnings = cut;
            o
        }
        Parse::Stream(f) => {
            let time = time_for(opts.time, input.modified);
            let reader = input.reader();
            let reopen = input.plain_file.then_some(input.path.as_path());
            f(Stream {
                name: &name,
                head: &input.head,
                reader,
                len: input.len,
                wrap: opts.wrap,
                reopen,
                time: &time,
                threads: opts.threads,
                heap: opts.heap,
            })
        }
    }
}

/// One opened input: its head read, the rest ready to be read once.
pub struct Input {
    pub name: String,
    pub path: PathBuf,
    /// The first [`HEAD`] bytes of the content (decompressed), fewer when
    /// the input is shorter.
    pub head: Vec<u8>,
    rest: Box<dyn Read + Send>,
    /// The size on disk of a regular file.
    pub len: Option<u64>,
    /// When it was last modified (see [`Loaded::modified`]); set by the
    /// opener that knows it.
    pub modified: Option<SystemTime>,
    /// A regular file, not gzip: it may be opened again by path.
    plain_file: bool,
    stop: Arc<Mutex<Option<String>>>,
}

impl Input {
    /// Opens `path` (`-` is stdin) and reads its head; the only time the
    /// input is opened.
    pub fn open(path: &Path) -> io::Result<Input> {
        let stdin = path.as_os_str() == "-";
        let (raw, meta): (Box<dyn Read + Send>, _) = if stdin {
            (Box::new(io::stdin()), None)
        } else {
            let f = File::open(path)?;
            let meta = f.metadata().ok();
            if meta.as_ref().is_some_and(|m| m.is_dir()) {
                return Err(io::Error::other("a folder"));
            }
            (Box::new(f), meta)
        };
        let regular = meta.as_ref().is_some_and(|m| m.is_file());
        let len = meta.as_ref().filter(|m| m.is_file()).map(|m| m.len());
        let mut input = Input::from_reader(path.display().to_string(), path, raw, len, regular)?;
        input.modified = meta.filter(|m| m.is_file()).and_then(|m| m.modified().ok());
        Ok(input)
    }

    /// An input read from `raw` (a file, a member of a tarball, bytes in
    /// memory), named `name` in citations; `len` is its size when known,
    /// `reopenable` whether `path` may be opened again to read it (a plain
    /// regular file). Reads its head (gzip unwrapped by its magic bytes).
    pub fn from_reader(
        name: String,
        path: &Path,
        raw: Box<dyn Read + Send>,
        len: Option<u64>,
        reopenable: bool,
    ) -> io::Result<Input> {
        let counted = Arc::new(AtomicU64::new(0));
        let mut raw = Counting {
            inner: raw,
            n: counted.clone(),
        };
        let mut magic = Vec::with_capacity(2);
        (&mut raw).take(2).read_to_end(&mut magic)?;
        let gzip = magic == [0x1f, 0x8b];
        let raw = io::Cursor::new(magic).chain(raw);
        let stop = Arc::new(Mutex::new(None));
        let content: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        let mut rest: Box<dyn Read + Send> = Box::new(Salvage {
            inner: content,
            read: 0,
            gzip: gzip.then_some((counted, len)),
            stop: stop.clone(),
        });
        let mut head = Vec::with_capacity(HEAD);
        (&mut rest).take(HEAD as u64).read_to_end(&mut head)?;
        // Old Mac line endings (CR only, as some exports and terminals
        // save): every parser reads lines, so each CR becomes a line end.
        let cr_only =
            memchr::memchr(b'\n', &head).is_none() && memchr::memchr(b'\r', &head).is_some();
        if cr_only {
            cr_to_lf(&mut head);
            rest = Box::new(CrToLf(rest));
        }
        Ok(Input {
            name,
            path: path.to_path_buf(),
            head,
            rest,
            len,
            modified: None,
            plain_file: reopenable && !gzip && !cr_only,
            stop,
        })
    }

    /// The whole content from its first byte: the head chained with the
    /// rest. Once: the rest is handed over.
    pub fn reader(&mut self) -> Box<dyn Read + Send> {
        Box::new(io::Cursor::new(self.head.clone()).chain(self.rest()))
    }

    /// The content after the head. Once: the rest is handed over.
    fn rest(&mut self) -> Box<dyn Read + Send> {
        std::mem::replace(&mut self.rest, Box::new(io::empty()))
    }

    /// Where reading stopped early (a damaged gzip stream, a failed read),
    /// once the reading is done: what was read before it is used.
    pub fn stopped(&self) -> Option<String> {
        self.stop.lock().ok().and_then(|s| s.clone())
    }
}

/// Counts the bytes read from the raw input (for where a gzip stream
/// broke).
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.n.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Turns a read error into the end of the input, remembering where and
/// why: parsers keep everything before it.
struct Salvage {
    inner: Box<dyn Read + Send>,
    read: u64,
    /// For gzip: compressed bytes read so far, and the compressed size.
    gzip: Option<(Arc<AtomicU64>, Option<u64>)>,
    stop: Arc<Mutex<Option<String>>>,
}

impl Read for Salvage {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(out) {
                Ok(n) => {
                    self.read += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let message = match &self.gzip {
                        Some((raw, len)) => format!(
                            "gzip stream damaged ({e}) after {} decompressed bytes, at compressed byte {}{}: what came before was read, the rest is lost",
                            self.read,
                            raw.load(Ordering::Relaxed),
                            len.map(|l| format!(" of {l}")).unwrap_or_default()
                        ),
                        None => format!(
                            "reading stopped after {} bytes ({e}): what came before was read",
                            self.read
                        ),
                    };
                    if let Ok(mut s) = self.stop.lock() {
                        s.get_or_insert(message);
                    }
                    return Ok(0);
                }
            }
        }
    }
}

fn cr_to_lf(buf: &mut [u8]) {
    for b in buf.iter_mut().filter(|b| **b == b'\r') {
        *b = b'\n';
    }
}

/// A reader of CR-only text giving LF line ends.
struct CrToLf(Box<dyn Read + Send>);

impl Read for CrToLf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        cr_to_lf(&mut buf[..n]);
        Ok(n)
    }
}

/// An input found below the paths given, or why a path could not be walked.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    File(PathBuf),
    /// A folder that could not be read, or a link not followed: the path
    /// and what to say.
    Problem(PathBuf, String),
}

/// Expands folders into the files below them (recursively, sorted by path,
/// hidden entries included). Files, `-` and other paths are kept as given
/// (they are opened, and fail, later). A folder that cannot be read, and a
/// symbolic link to a folder below a folder given (never followed: links
/// can loop), are [`Entry::Problem`]s; the walk goes on.
pub fn expand(paths: &[PathBuf]) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() != "-" && p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(Entry::File(p.clone()));
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Entry>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(Entry::Problem(
                dir.to_path_buf(),
                format!("cannot read this folder: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for e in entries {
        let Ok(meta) = std::fs::symlink_metadata(&e) else {
            out.push(Entry::File(e));
            continue;
        };
        if meta.is_dir() {
            walk(&e, out);
        } else if meta.file_type().is_symlink() && e.is_dir() {
            out.push(Entry::Problem(
                e,
                "a link to a folder, not followed (give the folder itself to read it)".into(),
            ));
        } else if meta.is_file() || meta.file_type().is_symlink() && e.is_file() {
            out.push(Entry::File(e));
        }
    }
}

/// The time context for one input: syslog's missing year is guessed from
/// the input's modification time ([`Input::modified`]), or today's date for
/// stdin, pipes and memory.
pub fn time_for(base: &TimeContext, modified: Option<SystemTime>) -> TimeContext {
    let mut ctx = base.clone();
    if ctx.year.is_some() {
        return ctx;
    }
    let (ts, how) = match modified {
        Some(t) => (
            jiff::Timestamp::try_from(t).ok(),
            "the file's modification time",
        ),
        _ => (Some(jiff::Timestamp::now()), "today's date"),
    };
    if let Some(ts) = ts {
        let tz = ctx
            .tz
            .as_ref()
            .map(|(tz, _)| tz.clone())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        ctx.reference = Some((ts.to_zoned(tz).date(), how.to_string()));
    }
    ctx
}

/// The rotation base of a log file: `classes.log.3.gz` -> `classes.log`.
/// Only a numbered file is a rotation (`x.log.1`, `x.log.1.gz`); a bare
/// `x.log.gz` next to `x.log` is a copy, not an older part.
pub fn rotation_base(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unzipped = name.strip_suffix(".gz").unwrap_or(&name);
    match unzipped.rsplit_once('.') {
        Some((stem, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            path.with_file_name(stem)
        }
        _ => path.to_path_buf(),
    }
}

/// Groups the class logs of one rotated log (same folder and rotation
/// base) into one [`Parsed::ClassLogs`], oldest first by modification time
/// (then by name, the newest name being the bare one), carried by the
/// group's first input; the others keep their note.
fn group_rotations(items: &mut [Loaded]) {
    let mut groups: Vec<(PathBuf, Vec<usize>)> = Vec::new();
    for (i, l) in items.iter().enumerate() {
        if !matches!(l.parsed, Some(Parsed::ClassLog(_))) {
            continue;
        }
        let base = rotation_base(&l.path);
        match groups.iter_mut().find(|(b, _)| *b == base) {
            Some(g) => g.1.push(i),
            None => groups.push((base, vec![i])),
        }
    }
    for (_, members) in groups {
        let first = members[0];
        let mut ordered = members;
        ordered.sort_by_key(|&i| {
            let p = &items[i].path;
            (
                items[i].modified,
                std::cmp::Reverse(p.file_name().map(|n| n.len()).unwrap_or(0)),
            )
        });
        let parts = ordered
            .into_iter()
            .filter_map(|i| match items[i].parsed.take() {
                Some(Parsed::ClassLog(log)) => Some((items[i].source.clone(), log)),
                _ => None,
            })
            .collect();
        items[first].parsed = Some(Parsed::ClassLogs(parts));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("oomlens-load-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn opts(t: &TimeContext) -> Options<'_> {
        Options {
            time: t,
            threads: 1,
            wrap: None,
            only: None,
            heap: None,
        }
    }

    #[test]
    fn rotation_bases() {
        for (p, b) in [
            ("/x/classes.log.3.gz", "/x/classes.log"),
            ("/x/classes.log.0", "/x/classes.log"),
            ("/x/classes.log", "/x/classes.log"),
            ("gc.log.gz", "gc.log.gz"),
            ("gc.log.2.gz", "gc.log"),
            ("v1.2.txt", "v1.2.txt"),
        ] {
            assert_eq!(rotation_base(Path::new(p)), Path::new(b), "{p}");
        }
    }

    #[test]
    fn head_is_decompressed_and_rest_follows() {
        let d = tmp("gz");
        let text: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        std::fs::write(d.join("a.gz"), gz(&text)).unwrap();
        let mut i = Input::open(&d.join("a.gz")).unwrap();
        assert_eq!(i.head, text[..HEAD]);
        assert!(!i.plain_file);
        let mut all = Vec::new();
        i.reader().read_to_end(&mut all).unwrap();
        assert_eq!(all, text);
        assert_eq!(i.stopped(), None);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_cut_gzip_keeps_what_came_before() {
        let d = tmp("cut");
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("line {i} of some text that compresses\n").into_bytes())
            .collect();
        let z = gz(&text);
        std::fs::write(d.join("a.gz"), &z[..z.len() / 2]).unwrap();
        let mut i = Input::open(&d.join("a.gz")).unwrap();
        let mut all = Vec::new();
        i.reader().read_to_end(&mut all).unwrap();
        assert!(all.len() > text.len() / 4 && all.len() < text.len());
        assert_eq!(all, text[..all.len()]);
        let why = i.stopped().expect("says where it stopped");
        assert!(
            why.contains(&format!("after {} decompressed bytes", all.len())),
            "{why}"
        );
        assert!(why.contains(&format!("of {}", z.len() / 2)), "{why}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn walks_sorted_and_names_what_it_cannot_follow() {
        let d = tmp("walk");
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        std::fs::write(d.join("b/c/z"), "z").unwrap();
        std::fs::write(d.join("a"), "a").unwrap();
        std::os::unix::fs::symlink(d.join("b"), d.join("link")).unwrap();
        let got = expand(std::slice::from_ref(&d));
        assert_eq!(got[0], Entry::File(d.join("a")));
        assert_eq!(got[1], Entry::File(d.join("b/c/z")));
        assert!(
            matches!(&got[2], Entry::Problem(p, m) if *p == d.join("link") && m.contains("not followed"))
        );
        assert_eq!(got.len(), 3);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn rotated_class_logs_are_one_group_in_age_order() {
        let d = tmp("rot");
        let line =
            |up: &str, c: &str| format!("[{up}s][info][class,load] {c} source: jrt:/java.base\n");
        std::fs::write(d.join("classes.log.1"), line("0.100", "Old")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("classes.log"), line("0.200", "New")).unwrap();
        std::fs::write(d.join("other.txt"), "hello\n").unwrap();
        let t = TimeContext::default();
        let got = load(std::slice::from_ref(&d), &opts(&t));
        let kinds: Vec<_> = got.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, ["class-log", "class-log", "skipped"]);
        let Some(Parsed::ClassLogs(parts)) = &got[0].parsed else {
            panic!("{:?}", got[0])
        };
        let names: Vec<_> = parts.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(
            names,
            [
                d.join("classes.log.1").display().to_string(),
                d.join("classes.log").display().to_string()
            ]
        );
        assert!(got[1].parsed.is_none(), "its part is in the group");
        std::fs::remove_dir_all(d).unwrap();
    }
}
