//! The man pages scripts/install.sh installs say what `--help` says: for
//! every page (`oomlens`, each command, `kubectl-oomlens`), the command's
//! description, each argument and option with its help text, and the
//! examples after them appear in the page as `man -l` renders it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whitespace collapsed, typographic characters groff and man write made
/// ASCII again, so a wrapped, justified page compares with wrapped help.
fn norm(s: &str) -> String {
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '`' | '\u{00b4}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{00a0}' => ' ',
            c => c,
        })
        .collect();
    ascii.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One argument or option of a `--help`: its flags (`-n, --namespace
/// <NAMESPACE>`, `[POD]`) and its help text, without the value lists clap
/// appends (`[default: ...]`, `[possible values: ...]`, `Possible values:`),
/// which the page shows its own way.
struct Entry {
    flags: String,
    help: String,
}

struct Help {
    about: String,
    entries: Vec<Entry>,
    after: String,
}

fn parse(help: &str) -> Help {
    let mut about = String::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut after = String::new();
    #[derive(PartialEq)]
    enum At {
        About,
        Usage,
        Items,
        After,
    }
    let mut at = At::About;
    for line in help.lines() {
        if line.starts_with("Usage:") {
            at = At::Usage;
            continue;
        }
        if matches!(line, "Arguments:" | "Options:" | "Commands:") {
            at = At::Items;
            continue;
        }
        match at {
            At::About => {
                about.push_str(line);
                about.push('\n');
            }
            At::Usage => {}
            At::Items if line.is_empty() => {}
            At::Items if !line.starts_with(' ') => {
                at = At::After;
                after.push_str(line);
                after.push('\n');
            }
            // A head: indented 2 (or 6, a long flag with no short one),
            // where help text is indented further.
            At::Items
                if line.len() - line.trim_start().len() <= 6
                    && line.trim_start().starts_with(['-', '[', '<']) =>
            {
                let body = line.trim_start();
                let (flags, help) = body.split_once("  ").unwrap_or((body, ""));
                entries.push(Entry {
                    flags: flags.trim().to_string(),
                    help: help.trim().to_string(),
                });
            }
            At::Items => {
                if let Some(e) = entries.last_mut() {
                    e.help.push(' ');
                    e.help.push_str(line.trim());
                }
            }
            At::After => {
                after.push_str(line);
                after.push('\n');
            }
        }
    }
    for e in &mut entries {
        let mut h = e.help.clone();
        if let Some(i) = h.find("Possible values:") {
            h.truncate(i);
        }
        for open in [
            "[default: ",
            "[possible values: ",
            "[aliases: ",
            "[short aliases: ",
        ] {
            while let Some(i) = h.find(open) {
                let end = h[i..].find(']').map_or(h.len(), |j| i + j + 1);
                h.replace_range(i..end, "");
            }
        }
        e.help = norm(&h);
    }
    Help {
        about: norm(&about),
        entries,
        after: norm(&after),
    }
}

fn render(page: &Path) -> String {
    let o = Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANWIDTH", "200")
        // No hyphenation: a word split over two lines would not compare.
        .env("MANROFFOPT", "-rHY=0")
        .env("MAN_KEEP_FORMATTING", "")
        .env_remove("MANPAGER")
        .env("PAGER", "cat")
        .output()
        .expect("man runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    norm(&String::from_utf8_lossy(&o.stdout))
}

#[test]
fn every_page_says_what_help_says() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("usr");
    let o = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .args(["--prefix", prefix.to_str().unwrap()])
        .args(["--bin", env!("CARGO_BIN_EXE_oomlens")])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bin = prefix.join("bin");
    assert!(bin.join("oomlens").is_file());
    assert_eq!(
        std::fs::read_link(bin.join("kubectl-oomlens")).unwrap(),
        Path::new("oomlens")
    );
    let man1 = prefix.join("share/man/man1");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&man1)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    let names: Vec<String> = pages
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "oomlens.1",
        "oomlens-diagnose.1",
        "oomlens-collect.1",
        "oomlens-kubectl.1",
        "oomlens-spool-ls.1",
        "kubectl-oomlens.1",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n == "oomlens-man.1"),
        "the hidden command has no page"
    );
    // `man` finds them in the installed man path.
    let w = Command::new("man")
        .args(["-w", "kubectl-oomlens"])
        .env("MANPATH", prefix.join("share/man"))
        .output()
        .unwrap();
    assert_eq!(
        Path::new(String::from_utf8_lossy(&w.stdout).trim()),
        man1.join("kubectl-oomlens.1")
    );
    let mut checked = 0;
    for (page, name) in pages.iter().zip(&names) {
        let stem = name.strip_suffix(".1").unwrap();
        let mut cmd = match stem {
            "kubectl-oomlens" => Command::new(bin.join("kubectl-oomlens")),
            _ => {
                let mut c = Command::new(bin.join("oomlens"));
                c.args(stem.split('-').skip(1));
                c
            }
        };
        let help = cmd.arg("--help").env("COLUMNS", "100").output().unwrap();
        assert!(help.status.success(), "{stem} --help");
        let help = parse(&String::from_utf8_lossy(&help.stdout));
        let text = render(page);
        assert!(
            text.contains(&help.about),
            "{name}: the description\n  help: {}\n  page: {text}",
            help.about
        );
        assert!(!help.entries.is_empty(), "{name}: no options parsed");
        for e in &help.entries {
            // The long flag (or the short one, or the argument's name).
            let flag = e
                .flags
                .split([',', ' '])
                .map(|f| {
                    f.trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>' || c == '.')
                })
                .find(|f| f.starts_with("--"))
                .or_else(|| e.flags.split([',', ' ']).next())
                .unwrap_or("")
                .trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>' || c == '.');
            assert!(text.contains(flag), "{name}: {flag} missing");
            assert!(
                e.help.len() > 3,
                "{name}: {} has no help to compare",
                e.flags
            );
            assert!(
                text.contains(&e.help),
                "{name}: the help of {}\n  help: {}\n  page: {text}",
                e.flags,
                e.help
            );
            checked += 1;
        }
        assert!(
            text.contains(&help.after),
            "{name}: the text after the options\n  help: {}\n  page: {text}",
            help.after
        );
    }
    assert!(checked > 150, "{checked} options compared");
}
