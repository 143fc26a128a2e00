//! Class loader tables: `VM.classloader_stats` (and JDK 9+'s `jmap
//! -clstats`) and JDK 8 `jmap -clstats` / `jmap -permstat`.

use serde::Serialize;

use super::{clip, count, leading_tokens, Line, Parser, MAX_QUOTE};

/// One class loader's line (VM.classloader_stats, jmap -clstats,
/// VM.metaspace show-loaders).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoaderRow {
    /// The loader's class (`jdk.internal.reflect.DelegatingClassLoader`,
    /// `<bootloader>`, `groovy.lang.GroovyClassLoader$InnerLoader`).
    /// JDK 8 clstats' `sun/reflect/DelegatingClassLoader@0x...` is given as
    /// `sun.reflect.DelegatingClassLoader`; the boot loader is
    /// `<boot class loader>` (classloader_stats) or `<bootstrap>`; a
    /// `show-loaders` row of hidden classes with their own loader data is
    /// `<hidden class>`.
    pub loader_type: String,
    /// How many loaders of that type the row stands for (1 per row for
    /// clstats; VM.classloader_stats may aggregate). 0 for the `+ hidden
    /// classes` row, which belongs to the loader above it.
    pub loaders: u64,
    pub classes: u64,
    /// Metaspace bytes (chunk size or used), when printed: classloader_stats'
    /// `ChunkSz`, show-loaders' `capacity`, JDK 8 clstats' `bytes`.
    pub bytes: Option<u64>,
    /// `live` / `dead` (clstats), when printed.
    pub alive: Option<bool>,
    pub line: u64,
    /// Metaspace bytes in use, when printed apart: classloader_stats'
    /// `BlockSz`, show-loaders' `used`.
    pub used_bytes: Option<u64>,
    /// The loader's name (`"generated-1399"`, `"app"`), when printed.
    pub name: Option<String>,
    /// The row counts hidden (or unsafe anonymous) classes: the
    /// classloader_stats `+ hidden classes` row, or a show-loaders
    /// `<hidden class>` row.
    pub hidden: bool,
}

/// The totals line of `VM.classloader_stats` (`Total = 741 1584 8389248
/// 7179153`) or JDK 8 clstats (`total = 86 11582 19740221 N/A alive=1,
/// dead=85 N/A`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoaderTotal {
    pub loaders: u64,
    pub classes: u64,
    /// ChunkSz / bytes.
    pub bytes: Option<u64>,
    /// BlockSz.
    pub used_bytes: Option<u64>,
    pub alive: Option<u64>,
    pub dead: Option<u64>,
    pub line: u64,
}

impl Parser<'_> {
    pub(super) fn classloader_stats(&mut self, lines: &[Line<'_>]) {
        let mut in_table = false;
        let mut last_type: Option<String> = None;
        for (no, l) in lines {
            let t = l.trim();
            if t.starts_with("ClassLoader") && t.contains("CLD*") {
                in_table = true;
                continue;
            }
            if !in_table || t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("Total =") {
                let n: Vec<Option<u64>> = rest.split_whitespace().map(count).collect();
                match n.as_slice() {
                    [Some(loaders), Some(classes), chunk, block, ..] => {
                        self.out.loader_total = Some(LoaderTotal {
                            loaders: *loaders,
                            classes: *classes,
                            bytes: *chunk,
                            used_bytes: *block,
                            alive: None,
                            dead: None,
                            line: *no,
                        });
                    }
                    _ => self.warn(*no, "loader total not understood", t),
                }
                continue;
            }
            if t.starts_with("0x") {
                let (tokens, rest) = leading_tokens(t, 6);
                let nums: Vec<Option<u64>> = tokens.iter().skip(3).map(|s| count(s)).collect();
                match (tokens.len(), nums.as_slice(), rest.is_empty()) {
                    (6, [Some(classes), chunk, block], false) => {
                        let loader_type = rest.to_string();
                        last_type = Some(loader_type.clone());
                        self.push_loader(LoaderRow {
                            loader_type,
                            loaders: 1,
                            classes: *classes,
                            bytes: *chunk,
                            alive: None,
                            line: *no,
                            used_bytes: *block,
                            name: None,
                            hidden: false,
                        });
                    }
                    _ => self.warn(*no, "class loader row not understood", t),
                }
                continue;
            }
            // `   21   8192   5398   + hidden classes`: the loader above's
            // hidden (JDK 15+) or unsafe anonymous (JDK 8-14) classes.
            if t.starts_with(|c: char| c.is_ascii_digit()) && t.contains("+ ") {
                let (tokens, rest) = leading_tokens(t, 3);
                let nums: Vec<Option<u64>> = tokens.iter().map(|s| count(s)).collect();
                match (nums.as_slice(), rest.starts_with('+')) {
                    ([Some(classes), chunk, block], true) => {
                        let loader_type = last_type.clone().unwrap_or_default();
                        self.push_loader(LoaderRow {
                            loader_type,
                            loaders: 0,
                            classes: *classes,
                            bytes: *chunk,
                            alive: None,
                            line: *no,
                            used_bytes: *block,
                            name: None,
                            hidden: true,
                        });
                    }
                    _ => self.warn(*no, "hidden classes row not understood", t),
                }
            }
        }
    }

    // ---- JDK 8 jmap -clstats ------------------------------------------------

    pub(super) fn clstats(&mut self, lines: &[Line<'_>]) {
        let mut in_table = false;
        for (no, l) in lines {
            let t = l.trim();
            if let Some(v) = t.strip_prefix("JVM version is ") {
                self.out.jvm_version = Some(clip(v.trim(), MAX_QUOTE));
                continue;
            }
            if t.starts_with("class_loader") && t.contains("parent_loader") {
                in_table = true;
                continue;
            }
            if !in_table || t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("total =") {
                self.clstats_total(*no, rest);
                continue;
            }
            if !(t.starts_with("<bootstrap>") || t.starts_with("0x")) {
                continue;
            }
            let fields: Vec<&str> = if t.contains('\t') {
                t.split('\t')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .collect()
            } else {
                t.split_whitespace().collect()
            };
            match fields.as_slice() {
                [addr, classes, bytes, _parent, alive, ty, ..] => {
                    let (Some(classes), Some(bytes)) = (count(classes), count(bytes)) else {
                        self.warn(*no, "class loader row not understood", t);
                        continue;
                    };
                    let loader_type = if *addr == "<bootstrap>" {
                        "<bootstrap>".to_string()
                    } else {
                        sa_type(ty)
                    };
                    self.push_loader(LoaderRow {
                        loader_type,
                        loaders: 1,
                        classes,
                        bytes: Some(bytes),
                        alive: match *alive {
                            "live" => Some(true),
                            "dead" => Some(false),
                            _ => None,
                        },
                        line: *no,
                        used_bytes: None,
                        name: None,
                        hidden: false,
                    });
                }
                _ => self.warn(*no, "class loader row not understood", t),
            }
        }
    }

    fn clstats_total(&mut self, no: u64, rest: &str) {
        let mut nums = Vec::new();
        let mut alive = None;
        let mut dead = None;
        for tok in rest.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(v) = tok.strip_prefix("alive=") {
                alive = count(v);
            } else if let Some(v) = tok.strip_prefix("dead=") {
                dead = count(v);
            } else if let Some(v) = count(tok) {
                nums.push(v);
            }
        }
        match nums.as_slice() {
            [loaders, classes, bytes, ..] => {
                self.out.loader_total = Some(LoaderTotal {
                    loaders: *loaders,
                    classes: *classes,
                    bytes: Some(*bytes),
                    used_bytes: None,
                    alive,
                    dead,
                    line: no,
                });
            }
            _ => self.warn(no, "loader total not understood", rest),
        }
    }
}

/// `sun/reflect/DelegatingClassLoader@0x0000000100009df8` ->
/// `sun.reflect.DelegatingClassLoader`.
fn sa_type(ty: &str) -> String {
    let base = ty.split('@').next().unwrap_or(ty);
    base.replace('/', ".")
}
