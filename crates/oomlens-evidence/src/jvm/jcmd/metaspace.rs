//! `VM.metaspace` (summary, `show-loaders`, `by-spacetype`, `basic`) and
//! the `Metaspace:` section of an `hs_err` file.

use serde::Serialize;

use super::{count, parse_size, Line, LoaderRow, Parser};
use crate::units::parse::{hotspot_limit, hotspot_parts, Limit};

/// The `VM.metaspace` summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetaspaceSummary {
    /// Total reserved / committed / used, in bytes. Reserved and committed
    /// come from `Virtual space:` (all committed memory, free chunks
    /// included), or when it is missing committed comes from `Total Usage`
    /// (chunks in use); used from `Total Usage` (or `Usage:`).
    pub reserved_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    /// Class space part (compressed class space), in bytes.
    pub class_space_committed_bytes: Option<u64>,
    pub class_space_used_bytes: Option<u64>,
    /// `MaxMetaspaceSize` as printed in the Settings section (`unlimited`
    /// -> None with `max_unlimited`).
    pub max_metaspace_bytes: Option<u64>,
    pub max_unlimited: bool,
    pub compressed_class_space_bytes: Option<u64>,
    /// `current GC threshold` in bytes.
    pub gc_threshold_bytes: Option<u64>,
    /// Number of class loaders and classes, when printed (`Total Usage -
    /// 1234 loaders, 56789 classes`).
    pub loaders: Option<u64>,
    pub classes: Option<u64>,
    /// The first line of the summary (`Total Usage`, `Usage:`, or the first
    /// fact read).
    pub line: u64,
    /// Class space reserved (`Virtual space:` `Class space:`), in bytes.
    pub class_space_reserved_bytes: Option<u64>,
    /// `Initial GC threshold`, in bytes.
    pub initial_gc_threshold_bytes: Option<u64>,
    /// Classes from the CDS archive (`(717 shared)`).
    pub shared_classes: Option<u64>,
    /// `No class space` (compressed class pointers off).
    pub no_class_space: bool,
    /// Where each fact was read.
    pub used_line: Option<u64>,
    pub committed_line: Option<u64>,
    pub reserved_line: Option<u64>,
    pub max_metaspace_line: Option<u64>,
    pub gc_threshold_line: Option<u64>,
    pub compressed_class_space_line: Option<u64>,
}

/// One space type of `VM.metaspace by-spacetype` (`Standard`, `Boot`,
/// `ClassMirrorHolder`, `Reflection`; JDK 11's `Anonymous`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpaceTypeRow {
    pub space_type: String,
    pub loaders: u64,
    /// JDK 16+ print it.
    pub classes: Option<u64>,
    pub capacity_bytes: Option<u64>,
    pub committed_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    pub line: u64,
}

impl Parser<'_> {
    pub(super) fn metaspace(&mut self, lines: &[Line<'_>]) {
        let mut m = MetaspaceSummary::default();
        let mut section = Section::None;
        // `Total Usage` committed (chunks in use), used when there is no
        // `Virtual space:` block.
        let mut usage_committed: Option<(u64, u64)> = None;
        let mut usage_class_committed: Option<u64> = None;
        let mut any = false;
        for (no, l) in lines {
            let no = *no;
            let t = l.trim();
            if t.is_empty() {
                continue;
            }
            if let Some(rest) = t.strip_prefix("Total Usage") {
                section = Section::TotalUsage;
                first_line(&mut m, &mut any, no);
                let (loaders, classes, shared) = loader_counts(rest);
                m.loaders = loaders;
                m.classes = classes;
                m.shared_classes = shared;
                continue;
            }
            match t {
                "Usage:" => {
                    section = Section::Usage;
                    first_line(&mut m, &mut any, no);
                    continue;
                }
                "Virtual space:" => {
                    section = Section::Virtual;
                    continue;
                }
                "Usage per loader:" | "Usage per space type:" | "Settings:" => {
                    section = Section::None;
                    continue;
                }
                "No class space" => {
                    m.no_class_space = true;
                    continue;
                }
                _ => {}
            }
            if t.starts_with("Chunk freelist")
                || t.starts_with("Waste")
                || t.starts_with("Internal statistics")
                || t.starts_with("chunk header pool")
            {
                section = Section::None;
                continue;
            }
            if let Some((k, v)) = t.split_once(':') {
                if self.setting(&mut m, &mut any, no, k.trim(), v.trim()) {
                    continue;
                }
            }
            if let Some(row) = loader_header(t, no) {
                self.push_loader(row);
                section = Section::Loader(self.out.loaders.len().checked_sub(1));
                continue;
            }
            if !l.starts_with(' ') {
                if let Some(row) = space_type_header(t, no) {
                    self.out.space_types.push(row);
                    section = Section::SpaceType(self.out.space_types.len() - 1);
                    continue;
                }
            }
            let Some((label, body)) = usage_line(t) else {
                continue;
            };
            match section {
                Section::TotalUsage => match label {
                    Label::Both => {
                        if let Some(u) = size_before(body, "used") {
                            m.used_bytes = Some(u);
                            m.used_line = Some(no);
                        }
                        if let Some(c) = size_before(body, "committed") {
                            usage_committed = Some((c, no));
                        }
                    }
                    Label::Class => {
                        m.class_space_used_bytes = size_before(body, "used");
                        usage_class_committed = size_before(body, "committed");
                    }
                    Label::NonClass => {}
                },
                Section::Usage => match label {
                    Label::Both => {
                        if let Some(u) = size_before(body, "used") {
                            m.used_bytes = Some(u);
                            m.used_line = Some(no);
                        }
                    }
                    Label::Class => m.class_space_used_bytes = size_before(body, "used"),
                    Label::NonClass => {}
                },
                Section::Virtual => match label {
                    Label::Both => {
                        first_line(&mut m, &mut any, no);
                        m.reserved_bytes = size_before(body, "reserved");
                        m.reserved_line = Some(no);
                        if let Some(c) = size_before(body, "committed") {
                            m.committed_bytes = Some(c);
                            m.committed_line = Some(no);
                        }
                    }
                    Label::Class => {
                        m.class_space_reserved_bytes = size_before(body, "reserved");
                        m.class_space_committed_bytes = size_before(body, "committed");
                    }
                    Label::NonClass => {}
                },
                Section::Loader(Some(idx)) => {
                    if label == Label::Both {
                        if let Some(row) = self.out.loaders.get_mut(idx) {
                            row.bytes = size_before(body, "capacity");
                            row.used_bytes = size_before(body, "used");
                        }
                    }
                }
                Section::SpaceType(idx) => {
                    if label == Label::Both {
                        if let Some(row) = self.out.space_types.get_mut(idx) {
                            row.capacity_bytes = size_before(body, "capacity");
                            row.committed_bytes = size_before(body, "committed");
                            row.used_bytes = size_before(body, "used");
                        }
                    }
                }
                Section::Loader(None) | Section::None => {}
            }
        }
        if m.committed_bytes.is_none() {
            if let Some((c, no)) = usage_committed {
                m.committed_bytes = Some(c);
                m.committed_line = Some(no);
            }
        }
        if m.class_space_committed_bytes.is_none() {
            m.class_space_committed_bytes = usage_class_committed;
        }
        if any {
            self.out.metaspace = Some(m);
        }
    }

    /// A settings line (`MaxMetaspaceSize: 64.00 MB`); whether it was one.
    fn setting(
        &mut self,
        m: &mut MetaspaceSummary,
        any: &mut bool,
        no: u64,
        key: &str,
        value: &str,
    ) -> bool {
        let key_l = key.to_ascii_lowercase();
        match key_l.as_str() {
            "maxmetaspacesize" => {
                first_line(m, any, no);
                m.max_metaspace_line = Some(no);
                match hotspot_limit(value) {
                    Ok(limit) => {
                        m.max_unlimited = limit == Limit::Unlimited;
                        m.max_metaspace_bytes = limit.bytes();
                    }
                    Err(_) => self.warn(no, "MaxMetaspaceSize not understood", value),
                }
                true
            }
            "compressedclassspacesize" => {
                first_line(m, any, no);
                m.compressed_class_space_bytes = parse_size(value);
                m.compressed_class_space_line = Some(no);
                true
            }
            "current gc threshold" => {
                first_line(m, any, no);
                match hotspot_limit(value).ok() {
                    Some(Limit::Bytes(b)) => {
                        m.gc_threshold_bytes = Some(b);
                        m.gc_threshold_line = Some(no);
                    }
                    Some(Limit::Unlimited) => {}
                    None => self.warn(no, "GC threshold not understood", value),
                }
                true
            }
            "initial gc threshold" => {
                first_line(m, any, no);
                m.initial_gc_threshold_bytes = parse_size(value);
                true
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    None,
    TotalUsage,
    Usage,
    Virtual,
    Loader(Option<usize>),
    SpaceType(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    NonClass,
    Class,
    Both,
}

fn first_line(m: &mut MetaspaceSummary, any: &mut bool, no: u64) {
    if !*any {
        *any = true;
        m.line = no;
    }
}

/// A usage line (`Non-Class: 4542 chunks, 61.54 MB capacity, ...`,
/// `Class space: 64.00 MB reserved, ...`, or without a label when there is
/// no class space): its label and the text after it.
fn usage_line(t: &str) -> Option<(Label, &str)> {
    const LABELS: [(&str, Label); 7] = [
        ("Non-Class:", Label::NonClass),
        ("Non-class:", Label::NonClass),
        ("Non-class space:", Label::NonClass),
        ("Non-Class space:", Label::NonClass),
        ("Class space:", Label::Class),
        ("Class:", Label::Class),
        ("Both:", Label::Both),
    ];
    for (p, label) in LABELS {
        if let Some(rest) = t.strip_prefix(p) {
            return Some((label, rest));
        }
    }
    let sized = ["capacity", "used", "reserved"]
        .iter()
        .any(|k| size_before(t, k).is_some());
    (t.starts_with(|c: char| c.is_ascii_digit()) && sized).then_some((Label::Both, t))
}

/// `  6: CLD 0x00007fb6d4ab2f20: "generated-1399" instance of X, 1 class`.
pub(super) fn loader_header(t: &str, no: u64) -> Option<LoaderRow> {
    let (num, rest) = t.split_once(": CLD ")?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_addr, desc) = rest.split_once(": ")?;
    let mut row = LoaderRow {
        loaders: 1,
        line: no,
        ..LoaderRow::default()
    };
    // `, 1 class` / `, 793 classes (717 shared)`.
    let mut head = desc;
    if let Some(i) = desc.rfind(", ") {
        let tail = &desc[i + 2..];
        if let Some(n) = tail
            .split_whitespace()
            .next()
            .filter(|_| tail.contains(" class"))
            .and_then(count)
        {
            row.classes = n;
            head = &desc[..i];
        }
    }
    if let Some(rest) = head.strip_prefix('"') {
        if let Some(end) = rest.find('"') {
            row.name = Some(rest[..end].to_string());
        }
    }
    if let Some(i) = head.find("instance of ") {
        row.loader_type = head[i + "instance of ".len()..].trim().to_string();
    } else if head.starts_with('<') {
        // `<hidden class>, loaded by "<bootstrap>"`.
        let ty = head.split(',').next().unwrap_or(head).trim();
        row.hidden = ty.contains("hidden") || ty.contains("anonymous");
        row.loader_type = ty.to_string();
    } else if let Some(name) = &row.name {
        // `"<bootstrap>"`.
        row.loader_type.clone_from(name);
    } else {
        row.loader_type = head.trim().to_string();
    }
    Some(row)
}

/// `Standard - 740 loaders, 770 classes:`, `Reflection - 0 loaders.`
/// (JDK 16+) or `Standard (174 loaders):` (JDK 11-15).
pub(super) fn space_type_header(t: &str, no: u64) -> Option<SpaceTypeRow> {
    let (name, rest) = t.split_once(' ')?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let rest = rest
        .strip_prefix("- ")
        .or_else(|| rest.strip_prefix('('))?
        .trim_start();
    if !rest.contains(" loader") {
        return None;
    }
    let (loaders, classes, _) = loader_counts(rest);
    Some(SpaceTypeRow {
        space_type: name.to_string(),
        loaders: loaders?,
        classes,
        line: no,
        ..SpaceTypeRow::default()
    })
}

/// `- 762 loaders, 1584 classes (717 shared):`, `( 1041 loaders):`.
pub(super) fn loader_counts(s: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
    let mut loaders = None;
    let mut classes = None;
    let mut shared = None;
    let toks: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | '-'))
        .filter(|t| !t.is_empty())
        .collect();
    for w in toks.windows(2) {
        let n = count(w[0]);
        match w[1].trim_end_matches('.') {
            "loader" | "loaders" => loaders = loaders.or(n),
            "class" | "classes" => classes = classes.or(n),
            "shared" => shared = shared.or(n),
            _ => {}
        }
    }
    (loaders, classes, shared)
}

/// The size printed just before `keyword` (skipping a `( 95%)` between):
/// `58.54 MB ( 95%) committed` -> 58.54 MB. A comma may be a decimal comma
/// (`41,28 MB capacity`) as well as the field separator.
pub(super) fn size_before(line: &str, keyword: &str) -> Option<u64> {
    let mut from = 0;
    while let Some(off) = line[from..].find(keyword) {
        let at = from + off;
        from = at + keyword.len();
        let after_ok = line[from..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '=');
        let before = &line[..at];
        if !after_ok || !before.ends_with(' ') {
            continue;
        }
        let mut s = before.trim_end();
        if s.ends_with(')') {
            let Some(open) = s.rfind('(') else {
                continue;
            };
            s = s[..open].trim_end();
        }
        let unit_start = after_last(s, |c| !c.is_ascii_alphabetic());
        let unit = &s[unit_start..];
        let s2 = s[..unit_start].trim_end();
        let num_start = after_last(s2, |c| !(c.is_ascii_digit() || c == '.' || c == ','));
        let num = &s2[num_start..];
        if num.is_empty() || unit.is_empty() {
            continue;
        }
        if let Ok(v) = hotspot_parts(num, unit) {
            return u64::try_from(v).ok();
        }
    }
    None
}

/// Where the text after the last character matching `pred` starts (0 when
/// none matches).
fn after_last(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|&(_, c)| pred(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}
