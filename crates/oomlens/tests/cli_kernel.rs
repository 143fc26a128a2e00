//! The `oomlens kernel` command as users run it: files, folders, `.gz`,
//! stdin, time flags, output formats, exit status and bad input.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fixture(p: &str) -> String {
    format!(
        "{}/../../tests/fixtures/kernel/{p}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(args: &[&str]) -> Output {
    Command::new(support::oomlens())
        .args(args)
        .output()
        .expect("run oomlens")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn seed_table_is_golden() {
    let seed = fixture("seed-k3.10-memcg-docker-syslog.log");
    let out = run(&[
        "kernel", &seed, "--year", "2023", "--tz", "+08:00", "--format", "text", "--color", "never",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let want = "\
TIME                      KIND     POD UID                               CONTAINER                  VICTIM                ANON-RSS    LIMIT                 USAGE       FAILCNT   WHERE
2023-12-02 05:55:56 UTC   memcg*   943d7e40-3a14-4519-b7a7-a2b6ee3576fb  docker://928e0ea07906      java (2076520)        2.99 GiB    3.00 GiB (pod)        3.00 GiB    498567    seed-k3.10-memcg-docker-syslog.log:1-28
* the report is incomplete in the log (see the warnings)
1 OOM kill(s): 1 at a cgroup limit, 0 node-wide
";
    assert_eq!(text, want);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("seed-k3.10-memcg-docker-syslog.log:1: OOM report at lines 1-28 is missing its `invoked oom-killer` start"), "{err}");
}

#[test]
fn json_document_shape_and_time_flags() {
    let seed = fixture("seed-k3.10-memcg-docker-syslog.log");
    let out = run(&[
        "kernel",
        &seed,
        "--year",
        "2023",
        "--tz",
        "Asia/Shanghai",
        "-f",
        "json",
    ]);
    let doc = json(&out);
    assert_eq!(doc["schema"], "oomlens/kernel/v1");
    assert_eq!(doc["reports"][0]["time"]["utc"], "2023-12-02T05:55:56Z");
    assert_eq!(doc["reports"][0]["time"]["basis"], "syslog");
    assert_eq!(doc["sources"][0]["lines"], 28);
    assert_eq!(doc["sources"][0]["reports"], 1);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);
    // Without --year the year comes from the file's modification time, and
    // the report says so.
    let doc = json(&run(&["kernel", &seed, "-f", "json"]));
    let assumed = doc["reports"][0]["time"]["assumed"].as_array().unwrap();
    assert!(
        assumed
            .iter()
            .any(|a| a.as_str().unwrap().contains("modification time")),
        "{assumed:?}"
    );
}

#[test]
fn folders_gzip_and_stdin() {
    let dir = tempdir();
    let real = std::fs::read(fixture("real-k6.18-v1/kmsg.log")).unwrap();
    std::fs::create_dir_all(dir.join("node/a")).unwrap();
    std::fs::write(dir.join("node/a/plain.log"), &real).unwrap();
    let mut gz = flate(&real);
    std::fs::write(dir.join("node/rotated.1.gz"), &gz).unwrap();
    std::fs::write(dir.join("node/unrelated.txt"), b"hello\nworld\n").unwrap();
    let out = run(&["kernel", dir.join("node").to_str().unwrap(), "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    // The rotated copy repeats the plain log's kill: counted once.
    assert_eq!(doc["reports"].as_array().unwrap().len(), 1);
    assert!(doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains("counted once")));
    assert_eq!(doc["sources"].as_array().unwrap().len(), 3);

    let mut child = Command::new(support::oomlens())
        .args(["kernel", "-", "-f", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc = json(&out);
    assert_eq!(doc["reports"].as_array().unwrap().len(), 1, "gzip on stdin");
    assert_eq!(doc["reports"][0]["lines"]["source"], "-");
    gz.clear();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_status_and_bad_input() {
    let dir = tempdir();
    let empty = dir.join("nothing.log");
    std::fs::write(&empty, b"no oom here\n").unwrap();
    let out = run(&["kernel", empty.to_str().unwrap(), "-f", "text"]);
    assert_eq!(out.status.code(), Some(1), "no kill: exit 1");
    assert!(String::from_utf8_lossy(&out.stdout).contains("no OOM-killer report in 1 lines"));

    // A missing file next to a good one: a warning, the rest still read
    // and reported, and exit status 2 for the input that could not be.
    let seed = fixture("seed-k3.10-memcg-docker-syslog.log");
    let out = run(&["kernel", "/nonexistent/x.log", &seed, "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    assert_eq!(doc["reports"].as_array().unwrap().len(), 1);
    assert!(doc["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot read"));
    assert_eq!(doc["warnings"][0]["source"], "/nonexistent/x.log");

    // Nothing readable at all is an error.
    let out = run(&["kernel", "/nonexistent/x.log", "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));

    // Bad flags say what is wrong.
    let out = run(&["kernel", &seed, "--tz", "Mars/Olympus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tz"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_version_and_completions() {
    let out = run(&["kernel", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("--boot-time") && help.contains("Examples:"),
        "{help}"
    );
    let out = run(&["--version"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("oomlens "));
    let out = run(&["completions", "bash"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("_oomlens"));
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("oomlens-cli-{}", support::unique(12)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn flate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}
