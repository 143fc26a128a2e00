//! Where a bundle goes: a folder, or a `.tar.gz` written as files come
//! (nothing is held back in memory). Paths inside are relative and made
//! of safe names only ([`safe`]).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

/// An open bundle.
pub enum Bundle {
    Dir(PathBuf),
    /// Entries under one top folder named after the file (`x.tar.gz` holds
    /// `x/...`), so that extracting it gives a folder `diagnose` reads.
    Tar {
        builder: Box<tar::Builder<GzEncoder<File>>>,
        top: String,
        mtime: u64,
    },
}

impl Bundle {
    /// A `.tar.gz` or `.tgz` path makes a tarball; anything else a folder
    /// (created; an existing folder must be empty).
    pub fn create(path: &Path) -> io::Result<Bundle> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let top = name
            .strip_suffix(".tar.gz")
            .or_else(|| name.strip_suffix(".tgz"));
        if let Some(top) = top {
            let f = File::create(path)?;
            let mtime = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            return Ok(Bundle::Tar {
                builder: Box::new(tar::Builder::new(GzEncoder::new(f, Compression::default()))),
                top: safe(top),
                mtime,
            });
        }
        if path.exists() && fs::read_dir(path)?.next().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not empty", path.display()),
            ));
        }
        fs::create_dir_all(path)?;
        Ok(Bundle::Dir(path.to_path_buf()))
    }

    /// Writes one file at `rel` (`/`-separated, made of [`safe`] parts).
    pub fn put(&mut self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        match self {
            Bundle::Dir(root) => {
                let p = root.join(rel);
                if let Some(parent) = p.parent() {
                    fs::create_dir_all(parent)?;
                }
                let mut f = File::create(p)?;
                f.write_all(bytes)
            }
            Bundle::Tar {
                builder,
                top,
                mtime,
            } => {
                let mut h = tar::Header::new_gnu();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_mtime(*mtime);
                h.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut h, format!("{top}/{rel}"), bytes)
            }
        }
    }

    /// Closes a tarball (the gzip trailer); nothing for a folder.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Bundle::Dir(_) => Ok(()),
            Bundle::Tar { builder, .. } => builder.into_inner()?.finish()?.sync_all(),
        }
    }
}

/// A name safe as one path part: letters, digits, `-`, `_`, `.` kept,
/// anything else `_`; never `.` or `..` or empty (the node view names its
/// files the same way).
pub use oomlens_live::node::safe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_cannot_climb() {
        assert_eq!(safe(".."), "_");
        assert_eq!(safe("a/../b"), "a_.._b");
        assert_eq!(
            safe("orders-api-7d9f8b6c5-x2x4q"),
            "orders-api-7d9f8b6c5-x2x4q"
        );
        assert_eq!(safe(""), "_");
    }

    #[test]
    fn tarball_holds_files_under_its_stem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.tar.gz");
        let mut b = Bundle::create(&p).unwrap();
        b.put("shop/pod.json", b"{}").unwrap();
        b.finish().unwrap();
        let f = File::open(&p).unwrap();
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec!["b/shop/pod.json"]);
    }

    #[test]
    fn folder_must_be_new_or_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "").unwrap();
        assert!(Bundle::create(dir.path()).is_err());
        assert!(Bundle::create(&dir.path().join("new")).is_ok());
    }
}
