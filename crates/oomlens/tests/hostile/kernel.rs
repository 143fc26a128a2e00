//! Kernel logs as a crash-looping fleet leaves them: many kills, rotated
//! copies of one log, CR-only line ends, numbers too large, byte-array
//! journald messages, lines over 1 MiB.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use crate::gen;
use crate::run::{oomlens, repeat, run};

/// `kernel`'s text output kept every report to size the table (200k
/// reports took 2.2 GB, about 11 KB each). 40k distinct kills (40 MB) on
/// stdin: holding them would take ~440 MB; streamed rows stay under 64 MiB,
/// and the peak does not depend on the number of kills (only the dedupe's
/// few dozen bytes per kill grow), so the bound holds at 200k too.
#[test]
fn kernel_text_output_is_streamed() {
    let n = 40_000;
    let log = gen::kills(n);
    let size = log.len() as u64;
    let mut cmd = Command::new(crate::support::oomlens());
    cmd.args(["kernel", "-"]);
    let r = run(cmd, Some(repeat(log, size)), Duration::from_secs(300));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let text = r.text();
    assert!(
        text.contains(&format!("{n} OOM kill(s): {n} at a cgroup limit")),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
    assert_eq!(
        text.lines().count() as u64,
        n + 3,
        "header, rows, the assumed-year footnote, summary"
    );
    assert!(
        r.max_rss_kib < 64 * 1024,
        "{} MiB for {n} kills: the reports are held",
        r.max_rss_kib >> 10
    );
}

/// `diagnose` on one container with N kills was quadratic (`dedupe_kernel`
/// memmoved the list: 20k kills 19.6 s, 200k never ended). CPU time of 2k
/// and 8k kills: linear is 4x, quadratic 16x; 8x is the failure line (the
/// fixed cost of a start makes small N look better than linear, not
/// worse). scripts/bench/kills.sh prints the curve up to 200k.
#[test]
fn kills_of_one_container_diagnosed_in_linear_time() {
    let tmp = gen::tmp("oomlens-kills");
    let mut cpu = Vec::new();
    for n in [2_000u64, 8_000] {
        let p = tmp.path().join(format!("kern-{n}.log"));
        std::fs::write(&p, gen::kills(n)).unwrap();
        let r = oomlens(&["diagnose", p.to_str().unwrap(), "-f", "json"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let d = r.json();
        let c = &d["containers"][0];
        assert_eq!(
            c["kills"].as_array().map(Vec::len),
            Some(n as usize),
            "{}",
            c["kills"].to_string().len()
        );
        cpu.push(r.cpu_s);
    }
    let ratio = cpu[1] / cpu[0].max(0.01);
    assert!(
        ratio < 8.0,
        "4x the kills took {ratio:.1}x the CPU ({:.2} s, {:.2} s): not linear",
        cpu[0],
        cpu[1]
    );
}

/// The facts of N kills of one container whose reports carry their stats
/// dump and task table (kept as text while read, parsed for the latest
/// kill only): every kill counted, in order, with its time; the memory at
/// the kill and the other process are the last report's, cited at its
/// lines. Any report's stats or tasks read in its place would show here.
#[test]
fn many_kills_keep_the_facts_of_each_and_the_latest_report() {
    let n = 300u64;
    let tmp = gen::tmp("oomlens-kills-facts");
    let p = tmp.path().join("kern.log");
    let log: String = (0..n).map(gen::full_report).collect();
    std::fs::write(&p, &log).unwrap();
    let r = oomlens(&["diagnose", p.to_str().unwrap(), "-f", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let d = r.json();
    let c = &d["containers"][0];
    let kills = c["kills"].as_array().expect("kills");
    assert_eq!(kills.len(), n as usize);
    let lines_per_report = 14;
    for (i, k) in kills.iter().enumerate() {
        let i = i as u64;
        assert_eq!(k["victim"]["pid"], 1000 + i, "kill {i}");
        // Kill i is at second i of March 1st (the year assumed).
        let t = k["time"].as_str().unwrap_or("");
        let (m, s) = ((i / 60) % 60, i % 60);
        assert!(
            t.ends_with(&format!("-03-01T00:{m:02}:{s:02}Z")),
            "kill {i}: {t}"
        );
        let cited: Vec<u64> = k["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["line"].as_u64())
            .collect();
        let first = i * lines_per_report + 1;
        assert!(
            cited
                .iter()
                .all(|l| (first..first + lines_per_report).contains(l)),
            "kill {i} cites {cited:?}"
        );
    }
    let last = n - 1;
    let first_line = last * lines_per_report + 1;
    let mem = &c["memory"];
    assert_eq!(mem["anon_bytes"], 100 * 1024 * 1024 + last, "{mem}");
    assert_eq!(mem["evidence"][0]["line"], first_line + 2, "{mem}");
    let others = mem["other_processes"].as_array().expect("other processes");
    assert_eq!(others.len(), 1, "{mem}");
    assert_eq!(others[0]["pid"], 500_000 + last);
    assert_eq!(others[0]["anon_rss_kb"], (10_000 + last) * 4);
    let finding = c["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == "other-processes")
        .unwrap_or_else(|| panic!("no other-processes finding: {}", c["findings"]));
    assert_eq!(finding["evidence"][0]["line"], first_line + 10);
}

/// The same kill in `kern.log`, `syslog` and `syslog.1.gz` (rsyslog writes
/// both; logrotate compresses one): `kernel` counted it three times while
/// `diagnose` counted it once. One dedupe now serves both.
#[test]
fn rotated_copies_count_each_kill_once() {
    let tmp = gen::tmp("oomlens-rotated");
    let log = gen::kills(3);
    let d = tmp.path();
    std::fs::write(d.join("kern.log"), &log).unwrap();
    std::fs::write(d.join("syslog"), &log).unwrap();
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&log).unwrap();
    std::fs::write(d.join("syslog.1.gz"), z.finish().unwrap()).unwrap();
    let dir = d.to_str().unwrap();
    let k = oomlens(&["kernel", dir, "-f", "json"]);
    assert_eq!(k.code, Some(0), "{}", k.stderr);
    let k = k.json();
    assert_eq!(
        k["reports"].as_array().unwrap().len(),
        3,
        "kernel: each kill once"
    );
    let copies = k["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["message"].as_str().unwrap().contains("counted once"))
        .count();
    assert_eq!(copies, 6, "each copy named");
    let t = oomlens(&["kernel", dir]);
    assert!(t.text().contains("3 OOM kill(s)"), "{}", t.text());
    let g = oomlens(&["diagnose", dir, "-f", "json"]).json();
    assert_eq!(
        g["containers"][0]["kills"].as_array().map(Vec::len),
        Some(3)
    );
}

/// A log saved with CR-only line ends (old Mac convention, some exports)
/// was one long line: the kills were lost.
#[test]
fn cr_only_line_ends_are_lines() {
    let tmp = gen::tmp("oomlens-cr");
    let p = tmp.path().join("kern.log");
    let log: Vec<u8> = gen::kills(3)
        .into_iter()
        .map(|b| if b == b'\n' { b'\r' } else { b })
        .collect();
    std::fs::write(&p, log).unwrap();
    let k = oomlens(&["kernel", p.to_str().unwrap(), "-f", "json"]).json();
    assert_eq!(k["reports"].as_array().unwrap().len(), 3);
    assert_eq!(
        k["reports"][2]["lines"]["first"], 9,
        "lines counted at each CR"
    );
    let d = oomlens(&["diagnose", p.to_str().unwrap(), "-f", "json"]).json();
    assert_eq!(
        d["containers"][0]["kills"].as_array().map(Vec::len),
        Some(3)
    );
}

/// `anon-rss:99999999999999999999999kB` was shown as `-` without a word.
#[test]
fn a_number_too_large_is_warned_about() {
    let tmp = gen::tmp("oomlens-ovf");
    let p = tmp.path().join("kern.log");
    let log = String::from_utf8(gen::kills(1))
        .unwrap()
        .replace("anon-rss:3000000kB", "anon-rss:99999999999999999999999kB");
    std::fs::write(&p, log).unwrap();
    let k = oomlens(&["kernel", p.to_str().unwrap(), "-f", "json"]).json();
    assert!(k["reports"][0]["victim"]["anon_rss_kb"].is_null());
    assert!(
        k["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["line"] == 4
                && w["message"]
                    .as_str()
                    .unwrap()
                    .contains("`anon-rss` is too large")),
        "{}",
        k["warnings"]
    );
}

/// journald keeps a message that is not valid UTF-8 as an array of byte
/// values (`"MESSAGE":[106,97,...]`): such reports were not read.
#[test]
fn journald_byte_array_messages_are_read() {
    let tmp = gen::tmp("oomlens-jbytes");
    let p = tmp.path().join("journal.json");
    let mut out = String::new();
    for (i, line) in String::from_utf8(gen::kills(2))
        .unwrap()
        .lines()
        .enumerate()
    {
        let msg = line.split_once("kernel: ").unwrap().1;
        let bytes: Vec<String> = msg.bytes().map(|b| b.to_string()).collect();
        out.push_str(&format!(
            "{{\"__REALTIME_TIMESTAMP\":\"{}\",\"_HOSTNAME\":\"node1\",\"_TRANSPORT\":\"kernel\",\"MESSAGE\":[{}]}}\n",
            1_700_000_000_000_000u64 + i as u64 * 1000,
            bytes.join(",")
        ));
    }
    std::fs::write(&p, out).unwrap();
    let k = oomlens(&["kernel", p.to_str().unwrap(), "-f", "json"]).json();
    assert_eq!(
        k["reports"].as_array().unwrap().len(),
        2,
        "{}",
        k["warnings"]
    );
    assert_eq!(k["reports"][0]["victim"]["pid"], 1000);
}

/// A line over 1 MiB is skipped with one warning (it was warned twice).
#[test]
fn a_line_over_one_mib_is_warned_once() {
    let tmp = gen::tmp("oomlens-long");
    let p = tmp.path().join("kern.log");
    let mut log = b"Mar  1 00:00:00 node1 kernel: ".to_vec();
    log.extend(std::iter::repeat_n(b'x', 2 << 20));
    log.push(b'\n');
    log.extend(gen::kills(1));
    std::fs::write(&p, log).unwrap();
    let k = oomlens(&["kernel", p.to_str().unwrap(), "-f", "json"]).json();
    assert_eq!(k["reports"].as_array().unwrap().len(), 1);
    let long: Vec<_> = k["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["message"].as_str().unwrap().contains("longer than"))
        .collect();
    assert_eq!(long.len(), 1, "{:?}", long);
    assert_eq!(long[0]["line"], 1);
}
