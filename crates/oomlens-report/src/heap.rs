//! `oomlens heap` output: what a heap dump holds, as text, Markdown, one
//! HTML page and the `oomlens/heap/v1` JSON document.
//!
//! Every section is built once as a titled table (`Section`) and drawn by
//! the text, Markdown or HTML renderer, so they never disagree. The
//! retained-size sections (dominator tree, leak suspects) follow when
//! `--retained` computed them, and the JSON's `retained` holds them.

use comfy_table::{presets, Cell, ContentArrangement, Table};
use oomlens_heap::diff::{CountGrowth, HeapDiff};
use oomlens_heap::retained::{RetainedObject, RetainedReport, SuspectKind};
use oomlens_heap::Summary;
use serde::Serialize;

use crate::format::{bytes, paint, Tone};
use crate::Style;

pub const SCHEMA: &str = "oomlens/heap/v1";

/// One dump's part of the JSON document.
#[derive(Serialize)]
pub struct DumpDoc<'a> {
    /// The path as given.
    pub source: &'a str,
    #[serde(flatten)]
    pub summary: &'a Summary,
    /// Histogram rows left out by `--top`.
    pub histogram_more: usize,
    /// Retained sizes and leak suspects (the dominator tree's section):
    /// null unless asked for (`--retained`).
    pub retained: Option<&'a RetainedReport>,
    /// Why `--retained` computed no retained sizes (a dump past the
    /// graph's object limit); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retained_not_computed: Option<&'a str>,
}

/// The JSON document.
#[derive(Serialize)]
pub struct Doc<'a> {
    pub schema: &'static str,
    pub dumps: Vec<DumpDoc<'a>>,
    /// With two dumps: what grew from the first to the second.
    pub diff: Option<&'a HeapDiff>,
}

/// A dump as the renderers take it: its summary cut to `top` rows, and how
/// many histogram rows were left out.
pub struct Shown<'a> {
    pub source: &'a str,
    pub summary: &'a Summary,
    pub histogram_more: usize,
    pub retained: Option<&'a RetainedReport>,
    /// Why retained sizes were asked for but not computed.
    pub retained_not_computed: Option<&'a str>,
}

pub fn json(dumps: &[Shown<'_>], diff: Option<&HeapDiff>) -> String {
    let doc = Doc {
        schema: SCHEMA,
        diff,
        dumps: dumps
            .iter()
            .map(|d| DumpDoc {
                source: d.source,
                summary: d.summary,
                histogram_more: d.histogram_more,
                retained: d.retained,
                retained_not_computed: d.retained_not_computed,
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// A titled table.
struct Section {
    title: String,
    /// Said under the title (what the table is and is not).
    note: Option<String>,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Said after the table (rows left out).
    more: Option<String>,
}

/// The retained-size sections: biggest objects, classes, leak suspects,
/// class loaders.
fn retained_sections(r: &RetainedReport, out: &mut Vec<Section>) {
    let row = |o: &RetainedObject| {
        vec![
            bytes(o.retained),
            bytes(o.shallow),
            o.class.clone(),
            o.id.clone(),
        ]
    };
    out.push(Section {
        title: format!(
            "Retained: biggest objects ({} reachable in {} objects)",
            bytes(r.reachable_bytes),
            r.reachable_objects
        ),
        note: Some(format!(
            "objects no single object dominates (the top of the dominator tree, as Eclipse MAT); \
             {} unreachable objects ({}) retain nothing",
            r.unreachable_objects,
            bytes(r.unreachable_bytes)
        )),
        header: vec!["RETAINED", "SHALLOW", "CLASS", "ID"],
        rows: r.biggest.iter().map(row).collect(),
        more: None,
    });
    out.push(Section {
        title: "Retained: classes".into(),
        note: Some(
            "the retained size of each class's instances that no other instance of it \
             dominates (MAT's retained heap of a class)"
                .into(),
        ),
        header: vec!["RETAINED", "INSTANCES", "CLASS"],
        rows: r
            .classes
            .iter()
            .map(|c| vec![bytes(c.retained), c.tops.to_string(), c.class.clone()])
            .collect(),
        more: None,
    });
    out.push(Section {
        title: "Leak suspects".into(),
        note: Some(format!(
            "as Eclipse MAT finds them: what retains over {}% of the reachable heap, one object \
             or the instances of one class; the accumulation point is where the memory piles up \
             below it, with a shortest path from a GC root",
            oomlens_heap::retained::SUSPECT_PERCENT
        )),
        header: vec![
            "RETAINED",
            "SHARE",
            "SUSPECT",
            "ACCUMULATES IN",
            "PATH FROM A GC ROOT",
        ],
        rows: r
            .suspects
            .iter()
            .map(|s| {
                let what = match s.kind {
                    SuspectKind::Object => s.class.clone(),
                    SuspectKind::Class => format!("{} instances of {}", s.instances, s.class),
                };
                let at = s
                    .accumulation_point
                    .as_ref()
                    .map_or(String::new(), |a| format!("{} {}", a.class, a.id));
                let path: Vec<&str> = s.path.iter().map(|p| p.class.as_str()).collect();
                vec![
                    bytes(s.retained),
                    format!("{:.0}%", s.share * 100.0),
                    what,
                    at,
                    path.join(" > "),
                ]
            })
            .collect(),
        more: None,
    });
    out.push(Section {
        title: "Retained: class loaders".into(),
        note: Some("each loader with what it alone keeps alive".into()),
        header: vec!["RETAINED", "SHALLOW", "CLASS", "ID"],
        rows: r.loaders.iter().map(row).collect(),
        more: None,
    });
}

fn sections(d: &Shown<'_>, top: usize) -> Vec<Section> {
    let s = d.summary;
    let mut out = Vec::new();
    out.push(Section {
        title: format!(
            "Histogram: {} objects, {} (shallow)",
            s.totals.objects,
            bytes(s.totals.bytes)
        ),
        note: None,
        header: vec!["INSTANCES", "BYTES", "CLASS"],
        rows: s
            .histogram
            .iter()
            .map(|r| vec![r.instances.to_string(), bytes(r.bytes), r.class.clone()])
            .collect(),
        more: (d.histogram_more > 0)
            .then(|| format!("... {} more classes (--top N)", d.histogram_more)),
    });
    out.push(Section {
        title: "Arrays by element type".into(),
        note: None,
        header: vec!["ARRAYS", "ELEMENTS", "BYTES", "ELEMENT"],
        rows: s
            .arrays
            .iter()
            .map(|a| {
                vec![
                    a.arrays.to_string(),
                    a.elements.to_string(),
                    bytes(a.bytes),
                    a.element.clone(),
                ]
            })
            .collect(),
        more: None,
    });
    let v = &s.class_loaders;
    out.push(Section {
        title: format!(
            "Class loaders: {} classes in {} loaders",
            v.classes,
            v.loaders.len()
        ),
        note: None,
        header: vec!["LOADERS", "CLASSES", "LOADER TYPE"],
        rows: v
            .by_type
            .iter()
            .take(top)
            .map(|t| {
                vec![
                    t.loaders.to_string(),
                    t.classes.to_string(),
                    t.class.clone(),
                ]
            })
            .collect(),
        more: (v.by_type.len() > top)
            .then(|| format!("... {} more loader types", v.by_type.len() - top)),
    });
    out.push(Section {
        title: "Loaders by classes defined".into(),
        note: None,
        header: vec!["CLASSES", "LOADER", "TYPE"],
        rows: v
            .loaders
            .iter()
            .take(top)
            .map(|l| {
                vec![
                    l.classes.to_string(),
                    format!("0x{:x}", l.loader),
                    l.class.clone(),
                ]
            })
            .collect(),
        more: (v.loaders.len() > top)
            .then(|| format!("... {} more loaders", v.loaders.len() - top)),
    });
    out.push(Section {
        title: "Generated-class families".into(),
        note: Some("classes whose names differ only in counters and hashes".into()),
        header: vec!["CLASSES", "LOADERS", "LIBRARY", "FAMILY"],
        rows: v
            .families
            .iter()
            .take(top)
            .map(|f| {
                vec![
                    f.classes.to_string(),
                    f.loaders.to_string(),
                    f.library.clone().unwrap_or_else(|| "-".into()),
                    f.shape.clone(),
                ]
            })
            .collect(),
        more: (v.families.len() > top)
            .then(|| format!("... {} more families", v.families.len() - top)),
    });
    let b = &s.direct_buffers;
    out.push(Section {
        title: format!(
            "Direct byte buffers: {} owning {} of native memory",
            b.owners,
            bytes(b.owned_capacity)
        ),
        note: Some(
            "owners were allocated by allocateDirect and hold a Cleaner; views, slices and duplicates share an owner's memory".into(),
        ),
        header: vec!["BUFFERS", "CAPACITY", "WHICH"],
        rows: vec![
            vec![b.owners.to_string(), bytes(b.owned_capacity), "owners".into()],
            vec![b.buffers.to_string(), bytes(b.capacity), "all DirectByteBuffer objects".into()],
        ],
        more: None,
    });
    let t = &s.threads;
    out.push(Section {
        title: format!("Threads: {}", t.threads),
        note: t.unnamed.gt(&0).then(|| {
            format!(
                "{} threads whose name could not be read are not listed",
                t.unnamed
            )
        }),
        header: vec!["THREADS", "NAME PATTERN", "TOP FRAME"],
        rows: t
            .groups
            .iter()
            .take(top)
            .map(|g| {
                vec![
                    g.threads.to_string(),
                    g.pattern.clone(),
                    g.frames.first().cloned().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
        more: (t.groups.len() > top)
            .then(|| format!("... {} more thread patterns", t.groups.len() - top)),
    });
    let st = &s.strings;
    out.push(Section {
        title: format!(
            "String duplication: {} contents held more than once, {} wasted",
            st.duplicated_contents,
            bytes(st.wasted)
        ),
        note: Some(format!(
            "{} strings read{}; wasted: the arrays and Strings of every copy beyond the first",
            st.strings,
            if st.unmatched > 0 {
                format!(", {} whose array was not found", st.unmatched)
            } else {
                String::new()
            }
        )),
        header: vec!["COPIES", "WASTED", "VALUE"],
        rows: st
            .top
            .iter()
            .take(top)
            .map(|d| {
                vec![
                    d.copies.to_string(),
                    bytes(d.wasted),
                    format!("{:?}", d.value),
                ]
            })
            .collect(),
        more: None,
    });
    out.push(Section {
        title: "Duplicate classes".into(),
        note: Some(
            "one class name defined by several loaders (MAT's \"Duplicate Classes\"); \
             not how many classes a generator made: see the families above"
                .into(),
        ),
        header: vec!["LOADERS", "CLASS"],
        rows: v
            .duplicates
            .iter()
            .take(top)
            .map(|c| vec![c.loaders.to_string(), c.class.clone()])
            .collect(),
        more: (v.duplicates.len() > top)
            .then(|| format!("... {} more duplicate classes", v.duplicates.len() - top)),
    });
    if let Some(r) = d.retained {
        retained_sections(r, &mut out);
    }
    out
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn signed_bytes(n: i64) -> String {
    let b = bytes(n.unsigned_abs());
    match n {
        n if n > 0 => format!("+{b}"),
        n if n < 0 => format!("-{b}"),
        _ => b,
    }
}

fn growth_rows(c: &[CountGrowth], top: usize) -> Vec<Vec<String>> {
    c.iter()
        .take(top)
        .map(|g| {
            vec![
                g.before.to_string(),
                g.after.to_string(),
                signed(g.delta),
                g.name.clone(),
            ]
        })
        .collect()
}

fn diff_sections(d: &HeapDiff, top: usize) -> Vec<Section> {
    let mut out = vec![Section {
        title: format!("Growth between the dumps ({:.0} s apart)", d.seconds),
        note: None,
        header: vec!["BEFORE", "AFTER", "CHANGE", "WHAT"],
        rows: growth_rows(&d.totals, usize::MAX),
        more: None,
    }];
    out.push(Section {
        title: "Classes by growth of shallow bytes".into(),
        note: None,
        header: vec!["INSTANCES", "CHANGE", "BYTES", "CHANGE", "CLASS"],
        rows: d
            .classes
            .iter()
            .take(top)
            .map(|c| {
                vec![
                    c.instances_after.to_string(),
                    signed(c.instances_delta),
                    bytes(c.bytes_after),
                    signed_bytes(c.bytes_delta),
                    c.class.clone(),
                ]
            })
            .collect(),
        more: (d.classes.len() > top)
            .then(|| format!("... {} more classes changed", d.classes.len() - top)),
    });
    for (title, rows) in [
        ("Loader types by growth of instances", &d.loader_types),
        (
            "Loader types by growth of classes defined",
            &d.loader_type_classes,
        ),
        ("Generated-class families by growth", &d.families),
    ] {
        out.push(Section {
            title: title.into(),
            note: None,
            header: vec!["BEFORE", "AFTER", "CHANGE", "NAME"],
            rows: growth_rows(rows, top),
            more: None,
        });
    }
    out
}

/// The lines that open a dump's report: what was read and how it was sized.
fn head(d: &Shown<'_>, style: Style) -> Vec<String> {
    let s = d.summary;
    let mut out = vec![format!(
        "{}: {}, {}-byte ids, {} read",
        d.source,
        s.header.version.as_str(),
        s.header.id_size,
        bytes(s.read.bytes)
    )];
    let z = &s.sizing;
    let how = match z.basis {
        oomlens_heap::SizingBasis::Detected => format!(
            "detected from {} neighbouring objects ({} disagreed)",
            z.votes, z.dissent
        ),
        oomlens_heap::SizingBasis::Assumed => "assumed: no neighbouring objects told".into(),
    };
    let blocks = match z.field_blocks {
        oomlens_heap::FieldBlocks::Packed => "",
        oomlens_heap::FieldBlocks::PerClass => {
            ", fields laid out class by class (JDK 14 or earlier)"
        }
    };
    out.push(format!(
        "layout: compressed oops {}, compressed class pointers {}, {}-byte alignment{blocks} ({how})",
        if z.compressed_oops { "on" } else { "off" },
        if z.compressed_class_pointers {
            "on"
        } else {
            "off"
        },
        z.align
    ));
    if let Some(stop) = &s.read.stop {
        out.push(paint(
            style,
            Tone::Alarm,
            &format!("PARTIAL: {stop}; every number below is of the part before it"),
        ));
    }
    if let Some(why) = d.retained_not_computed {
        out.push(paint(
            style,
            Tone::Alarm,
            &format!("RETAINED SIZES NOT COMPUTED: {why}; every other section below is whole"),
        ));
    }
    out
}

/// The report as text: tables in fixed columns.
pub fn text(dumps: &[Shown<'_>], diff: Option<&HeapDiff>, top: usize, style: Style) -> String {
    let mut out = String::new();
    for d in dumps {
        for l in head(d, style) {
            out.push_str(&l);
            out.push('\n');
        }
        text_sections(&mut out, sections(d, top), style);
        out.push('\n');
    }
    if let Some(g) = diff {
        text_sections(&mut out, diff_sections(g, top), style);
        out.push('\n');
    }
    out
}

fn text_sections(out: &mut String, secs: Vec<Section>, style: Style) {
    for sec in secs {
        out.push('\n');
        out.push_str(&paint(style, Tone::Bold, &sec.title));
        out.push('\n');
        if let Some(n) = &sec.note {
            out.push_str(&format!("({n})\n"));
        }
        if sec.rows.is_empty() {
            out.push_str("none\n");
            continue;
        }
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        t.set_header(sec.header.clone());
        for r in &sec.rows {
            t.add_row(r.iter().map(Cell::new).collect::<Vec<_>>());
        }
        for l in t.to_string().lines() {
            out.push_str(l.strip_prefix(' ').unwrap_or(l).trim_end());
            out.push('\n');
        }
        if let Some(m) = &sec.more {
            out.push_str(m);
            out.push('\n');
        }
    }
}

/// The report as Markdown: a heading per dump, a table per section.
pub fn markdown(dumps: &[Shown<'_>], diff: Option<&HeapDiff>, top: usize) -> String {
    let mut out = String::new();
    for d in dumps {
        out.push_str(&format!("## Heap dump `{}`\n\n", d.source));
        for l in head(d, Style::Plain) {
            out.push_str(&format!("- {l}\n"));
        }
        markdown_sections(&mut out, sections(d, top));
        out.push('\n');
    }
    if let Some(g) = diff {
        out.push_str("## What grew between the dumps\n");
        markdown_sections(&mut out, diff_sections(g, top));
        out.push('\n');
    }
    out
}

/// The report as one HTML page (the page of `diagnose -f html`, with its
/// light and dark styles): a heading per dump, a table per section, each
/// table scrolling on its own on a phone.
pub fn html(dumps: &[Shown<'_>], diff: Option<&HeapDiff>, top: usize) -> String {
    use crate::html::esc;
    let mut out = crate::html::head("oomlens heap");
    for d in dumps {
        out.push_str(&format!(
            "<header>\n<p class=\"kicker\">oomlens heap</p>\n<h1>Heap dump {}</h1>\n</header>\n<ul>\n",
            esc(d.source)
        ));
        for l in head(d, Style::Plain) {
            out.push_str(&format!("<li>{}</li>\n", esc(&l)));
        }
        out.push_str("</ul>\n");
        html_sections(&mut out, sections(d, top));
    }
    if let Some(g) = diff {
        out.push_str("<h2>What grew between the dumps</h2>\n");
        html_sections(&mut out, diff_sections(g, top));
    }
    out.push_str(&crate::html::foot());
    out
}

fn html_sections(out: &mut String, secs: Vec<Section>) {
    use crate::html::esc;
    for sec in secs {
        out.push_str(&format!("<section>\n<h2>{}</h2>\n", esc(&sec.title)));
        if let Some(n) = &sec.note {
            out.push_str(&format!("<p class=\"dim\">{}</p>\n", esc(n)));
        }
        if sec.rows.is_empty() {
            out.push_str("<p>none</p>\n</section>\n");
            continue;
        }
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for h in &sec.header {
            out.push_str(&format!("<th>{}</th>", esc(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &sec.rows {
            out.push_str("<tr>");
            for c in r {
                out.push_str(&format!("<td>{}</td>", esc(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        if let Some(m) = &sec.more {
            out.push_str(&format!("<p>{}</p>\n", esc(m)));
        }
        out.push_str("</section>\n");
    }
}

fn markdown_sections(out: &mut String, secs: Vec<Section>) {
    for sec in secs {
        out.push_str(&format!("\n### {}\n\n", sec.title));
        if let Some(n) = &sec.note {
            out.push_str(&format!("_{n}_\n\n"));
        }
        if sec.rows.is_empty() {
            out.push_str("none\n");
            continue;
        }
        out.push_str(&format!("| {} |\n", sec.header.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(sec.header.len())));
        for r in &sec.rows {
            let last = r.len().saturating_sub(1);
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let c = c.replace('|', "\\|");
                    if i == last {
                        format!("`{c}`")
                    } else {
                        c
                    }
                })
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if let Some(m) = &sec.more {
            out.push_str(&format!("\n{m}\n"));
        }
    }
}
