//! A tarball given as evidence (`oomlens diagnose bundle.tar.gz`, as
//! `oomlens collect` and `oomlens diagnose --save` write it): read member by
//! member, never extracted to disk, each member loaded like a file of its
//! own and cited as `bundle.tar.gz:member/path:line`.
//!
//! The `tar` crate's reader borrows its archive for each member, and a
//! parser takes an owned reader: so one thread walks the archive and hands
//! each regular member's bytes over in bounded chunks, in order, while the
//! caller parses it. Memory stays at a few chunks whatever the members'
//! sizes; a member the parser did not read to its end is skipped by the
//! walker.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};

use crate::load::{load_input, Input, Loaded, Options};
use crate::Warnings;

/// Bytes handed over at once.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight per member.
const IN_FLIGHT: usize = 4;

/// Whether a head (decompressed) is a tar archive: `ustar` at byte 257
/// (POSIX `ustar\0` and GNU `ustar  `).
pub fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// One member as the walker announces it.
struct Member {
    name: String,
    /// The header's modification time (a syslog member's missing year).
    modified: Option<std::time::SystemTime>,
    size: u64,
    chunks: Receiver<Vec<u8>>,
}

/// A member's bytes as a reader: the chunks until the walker moves on.
struct Chunks {
    rx: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    at: usize,
}

impl Read for Chunks {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.buf.len() {
            match self.rx.recv() {
                Ok(b) => {
                    self.buf = b;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The path a member stands for: below the archive's own path, made of
/// the member name's plain components only, so neither `/etc/x` nor
/// `../../x` names a file outside the archive (nothing is ever read from
/// it: it groups rotations and names the member).
fn member_path(archive: &Path, member: &str) -> PathBuf {
    let mut p = archive.to_path_buf();
    for c in Path::new(member).components() {
        if let Component::Normal(c) = c {
            p.push(c);
        }
    }
    p
}

/// Loads every regular member of the tarball `input`, in archive order,
/// into `out`, then one entry for the archive itself (kind `tarball`: how
/// many members, and where reading stopped if the archive is damaged).
pub fn load_members(mut input: Input, opts: &Options<'_>, out: &mut Vec<Loaded>) {
    let archive = input.name.clone();
    let archive_path = input.path.clone();
    let reader = input.reader();
    let (tx, rx) = sync_channel::<Member>(0);
    let walker = std::thread::spawn(move || -> Result<(), String> {
        let mut a = tar::Archive::new(reader);
        let entries = a.entries().map_err(|e| e.to_string())?;
        for e in entries {
            let mut e = e.map_err(|e| e.to_string())?;
            if !e.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let (ctx, crx) = sync_channel(IN_FLIGHT);
            let modified =
                e.header().mtime().ok().and_then(|s| {
                    std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s))
                });
            let member = Member {
                name,
                modified,
                size: e.size(),
                chunks: crx,
            };
            if tx.send(member).is_err() {
                return Ok(());
            }
            loop {
                let mut buf = vec![0; CHUNK];
                let n = e.read(&mut buf).map_err(|e| e.to_string())?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                // The parser had enough of this member: the walker skips
                // its rest when it moves on.
                if ctx.send(buf).is_err() {
                    break;
                }
            }
        }
        Ok(())
    });
    let mut members = 0usize;
    for m in rx {
        members += 1;
        let name = format!("{archive}:{}", m.name);
        let path = member_path(&archive_path, &m.name);
        let raw = Chunks {
            rx: m.chunks,
            buf: Vec::new(),
            at: 0,
        };
        match Input::from_reader(name, &path, Box::new(raw), Some(m.size), false) {
            Ok(mut i) => {
                i.modified = m.modified;
                out.push(load_input(i, opts))
            }
            Err(e) => out.push(crate::load::skipped(path, format!("cannot read: {e}"))),
        }
    }
    let mut warnings = Warnings::new();
    let walked = walker
        .join()
        .unwrap_or_else(|_| Err("the archive reader stopped".into()));
    if let Err(e) = walked {
        warnings.push(
            &archive,
            None,
            format!(
                "tar archive damaged after {members} member(s) ({e}): the members before were read"
            ),
        );
    }
    if let Some(d) = input.stopped() {
        warnings.push(&archive, None, d);
    }
    out.push(Loaded {
        source: archive,
        path: archive_path,
        modified: input.modified,
        kind: "tarball",
        note: format!("a tar archive of {members} file(s), each read as its own input"),
        parsed: None,
        warnings,
        unreadable: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimeContext;
    use std::io::Write;

    /// 2019-06-01T00:00:00Z: every test member's header time.
    const MTIME: u64 = 1_559_347_200;

    fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (name, bytes) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(MTIME);
            h.set_entry_type(tar::EntryType::Regular);
            if name.len() < 100 {
                // Raw, as a hostile archive would have it (`..`, `/`).
                h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                h.set_cksum();
                b.append(&h, *bytes).unwrap();
            } else {
                b.append_data(&mut h, name, *bytes).unwrap();
            }
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn members_are_inputs_cited_inside_the_archive() {
        let dir = tempfile_dir("members");
        let kern = b"Dec  2 13:55:56 node kernel: hello\n".repeat(5000);
        let long = format!("b/{}/pod.json", "x".repeat(120));
        let bytes = tarball(&[
            ("b/nodes/n1/kern.log", &kern),
            (&long, b"{\"kind\":\"Pod\"}"),
            ("b/empty.txt", b""),
        ]);
        let p = dir.join("b.tar.gz");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        let got = load(&p);
        let names: Vec<_> = got.iter().map(|l| l.source.clone()).collect();
        let at = p.display();
        assert_eq!(
            names,
            [
                format!("{at}:b/nodes/n1/kern.log"),
                format!("{at}:{long}"),
                format!("{at}:b/empty.txt"),
                format!("{at}")
            ],
            "the GNU long name is read whole"
        );
        assert_eq!(got[3].kind, "tarball");
        assert!(got[3].note.contains("3 file(s)"), "{}", got[3].note);
        assert!(got[3].warnings.is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_cut_archive_keeps_the_members_before() {
        let dir = tempfile_dir("cut");
        let big: Vec<u8> = (0..400_000u32)
            .flat_map(|i| format!("{i:x} random-ish {}\n", i.wrapping_mul(2654435761)).into_bytes())
            .collect();
        let bytes = tarball(&[("a.txt", b"first\n"), ("big.txt", &big)]);
        let p = dir.join("cut.tar.gz");
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let got = load(&p);
        assert_eq!(got.len(), 3, "{got:?}");
        let last = got.last().unwrap();
        assert_eq!(last.kind, "tarball");
        assert!(!last.warnings.is_empty(), "the damage is said");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn members_name_no_host_path_and_carry_their_header_time() {
        let dir = tempfile_dir("paths");
        let bytes = tarball(&[("../../etc/kern.log", b"x\n"), ("./b/c.log", b"y\n")]);
        let p = dir.join("p.tar");
        let mut d = flate2::read::GzDecoder::new(&bytes[..]);
        let mut plain = Vec::new();
        d.read_to_end(&mut plain).unwrap();
        std::fs::write(&p, &plain).unwrap();
        let got = load(&p);
        assert_eq!(got[0].path, p.join("etc/kern.log"));
        assert_eq!(got[1].path, p.join("b/c.log"));
        let header = std::time::UNIX_EPOCH + std::time::Duration::from_secs(MTIME);
        assert_eq!(got[0].modified, Some(header));
        assert_eq!(
            crate::load::time_for(&TimeContext::default(), got[0].modified)
                .reference
                .map(|(d, _)| d.year()),
            Some(2019),
            "a member's missing year comes from its header, not today"
        );
        assert_eq!(
            member_path(Path::new("/x/b.tar"), "/etc/passwd"),
            Path::new("/x/b.tar/etc/passwd")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tar_heads_are_told_from_text() {
        let bytes = tarball(&[("x", b"y")]);
        let mut d = flate2::read::GzDecoder::new(&bytes[..]);
        let mut head = Vec::new();
        d.read_to_end(&mut head).unwrap();
        assert!(is_tar(&head));
        assert!(!is_tar(&[b'x'; 600]));
        assert!(!is_tar(b"short"));
    }

    fn load(p: &std::path::Path) -> Vec<Loaded> {
        let t = TimeContext::default();
        let o = Options {
            time: &t,
            threads: 1,
            wrap: None,
            only: None,
            heap: None,
        };
        crate::load::load(&[p.to_path_buf()], &o)
    }

    fn tempfile_dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("oomlens-tar-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
