//! What people expect of a command-line tool: text unless JSON is asked
//! for (`--format json`, `-o json`), colour only on a terminal and never
//! with `NO_COLOR`, tables that line up on a terminal, the exit statuses
//! the README's table promises, and the project files (LICENSE, profiles).

use std::process::Command;
use std::time::Duration;

use crate::gen;
use crate::run::{oomlens, run};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn kern_log(tmp: &crate::support::TempDir) -> String {
    let p = tmp.path().join("kern.log");
    std::fs::write(&p, gen::kills(2)).unwrap();
    p.display().to_string()
}

/// `oomlens diagnose ... | less` and `> report.txt` gave 565 lines of JSON:
/// text is the default whatever stdout is (these runs write to a pipe).
#[test]
fn text_is_the_default_on_a_pipe_and_json_is_asked_for() {
    let tmp = gen::tmp("oomlens-fmt");
    let log = kern_log(&tmp);
    for cmd in ["diagnose", "kernel"] {
        let r = oomlens(&[cmd, &log]);
        assert_eq!(r.code, Some(0));
        assert!(
            !r.text().trim_start().starts_with('{'),
            "{cmd}: {}",
            r.text()
        );
        assert!(!r.text().contains('\x1b'), "{cmd}: no colour on a pipe");
        let long = oomlens(&[cmd, &log, "--format", "json"]);
        let short = oomlens(&[cmd, &log, "-o", "json"]);
        assert_eq!(
            long.json()["schema"],
            short.json()["schema"],
            "{cmd}: -o json"
        );
    }
    let b = oomlens(&["budget", "--limit", "1Gi", "-o", "json", "--", "-Xmx256m"]);
    assert_eq!(b.json()["schema"], "oomlens/budget/v1");
}

/// `script` gives the command a terminal; the output comes back through it
/// (CR LF line ends).
fn on_a_tty(cmdline: &str, no_color: bool) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", cmdline, "/dev/null"]);
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let r = run(cmd, None, Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{cmdline}: {}", r.stderr);
    r.text().replace("\r\n", "\n")
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' {
            for d in it.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Colour on a terminal, none with NO_COLOR; the `kernel` table's header
/// was shifted one column right of its data on a terminal.
#[test]
fn on_a_terminal_colour_follows_no_color_and_the_kernel_table_lines_up() {
    if !crate::support::require_program("script", "bsdutils") {
        return;
    }
    let tmp = gen::tmp("oomlens-tty");
    let log = kern_log(&tmp);
    let bin = crate::support::oomlens().display().to_string();
    let line = format!("{bin} kernel {log}");
    let coloured = on_a_tty(&line, false);
    assert!(
        coloured.contains("\x1b["),
        "colour on a terminal: {coloured:?}"
    );
    let plain = on_a_tty(&line, true);
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
    for out in [strip_ansi(&coloured), plain] {
        let lines: Vec<&str> = out.lines().collect();
        let head = lines
            .iter()
            .position(|l| l.starts_with("TIME"))
            .expect(&out);
        let (h, row) = (lines[head], lines[head + 1]);
        for (col, value) in [
            ("KIND", "memcg"),
            ("POD UID", gen::POD_UID),
            ("CONTAINER", "containerd://"),
            ("VICTIM", "java (1000)"),
            ("WHERE", "kern.log:1-4"),
        ] {
            assert_eq!(
                h.find(col),
                row.find(value),
                "{col} over {value}:\n{h}\n{row}"
            );
        }
    }
}

/// The README's table of exit statuses, row by row, against the commands.
#[test]
fn the_readme_exit_status_table_is_true() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let tmp = gen::tmp("oomlens-exit");
    let log = kern_log(&tmp);
    let noise = tmp.path().join("noise.log");
    std::fs::write(
        &noise,
        "Mar  1 00:00:00 node1 systemd[1]: Started something.\n",
    )
    .unwrap();
    let noise = noise.to_str().unwrap();
    let leak = root()
        .join("tests/fixtures/classload/CglibLeak")
        .display()
        .to_string();
    let missing = "/nonexistent/x.log";
    let cases: Vec<(&str, [Vec<&str>; 3])> = vec![
        (
            "diagnose",
            [
                vec!["diagnose", &log],
                vec!["diagnose", noise],
                vec!["diagnose", missing],
            ],
        ),
        (
            "kernel",
            [
                vec!["kernel", &log],
                vec!["kernel", noise],
                vec!["kernel", missing],
            ],
        ),
        (
            "classes",
            [
                vec!["classes", &leak],
                vec!["classes", noise],
                vec!["classes", missing],
            ],
        ),
        (
            "budget",
            [
                vec!["budget", "--limit", "1Gi", "--", "-Xmx2g"],
                crate::budget::FITS.to_vec(),
                vec!["budget", "--limit", "1Gi", "--", "-Xmx1.5g"],
            ],
        ),
    ];
    for (cmd, runs) in &cases {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{cmd}` |")))
            .unwrap_or_else(|| panic!("README: no exit status row for `{cmd}`"));
        assert_eq!(row.matches('|').count(), 5, "{row}");
        for (status, args) in runs.iter().enumerate() {
            let r = oomlens(args);
            assert_eq!(r.code, Some(status as i32), "{args:?}: {}", r.stderr);
        }
    }
}

/// The license file is the license Cargo.toml names; the release build has
/// no debug info and benchmarks have a profile that keeps it; the README
/// says how to install.
#[test]
fn license_profiles_and_install_are_what_they_say() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("license = \"Apache-2.0\""));
    let license = std::fs::read_to_string(root().join("LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(
        license.contains("END OF TERMS AND CONDITIONS"),
        "the whole text"
    );
    let release = cargo.split("[profile.release]").nth(1).unwrap();
    let release = release.split("\n[").next().unwrap();
    assert!(
        release.contains("debug = 0") && release.contains("strip = \"debuginfo\""),
        "{release}"
    );
    assert!(cargo.contains("[profile.profiling]\ninherits = \"release\""));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("cargo install --path crates/oomlens"));
}
