//! Hazards around a real report: the real capture of
//! `tests/fixtures/kernel/real-k6.18-v1/syslog.log`, altered in the ways real
//! logs are damaged (CRLF line ends, binary junk, over-long lines, invalid
//! UTF-8, rsyslog `#012` folding, interleaving with another host, truncation),
//! must still give its facts, with warnings where something was lost.

use oomlens_evidence::kernel::{self, OomReport};
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::Warnings;
use proptest::prelude::*;

fn real() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/kernel/real-k6.18-v1/syslog.log"
    ))
    .unwrap()
}

fn parse(bytes: &[u8]) -> (Vec<OomReport>, Warnings) {
    kernel::parse("t", bytes, &TimeContext::default())
}

fn victim_pid(r: &OomReport) -> u64 {
    r.victim.as_ref().unwrap().pid
}

fn reference() -> OomReport {
    let (r, w) = parse(&real());
    assert!(w.is_empty());
    r.into_iter().next().unwrap()
}

#[test]
fn crlf_line_ends() {
    let crlf: Vec<u8> = real()
        .split(|&b| b == b'\n')
        .flat_map(|l| [l, b"\r\n"].concat())
        .collect();
    let (r, w) = parse(&crlf);
    assert!(w.is_empty(), "{:?}", w.items());
    let want = reference();
    assert_eq!(r[0].memcg_stats, want.memcg_stats);
    assert_eq!(r[0].victim, want.victim);
    assert_eq!(r[0].tasks, want.tasks);
}

#[test]
fn binary_junk_and_an_over_long_line_in_the_middle() {
    let text = real();
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        out.extend_from_slice(l);
        out.push(b'\n');
        if i == 10 {
            // 3 MiB without a newline, NULs and high bytes included.
            let mut x: u32 = 7;
            for _ in 0..(3 << 20) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let b = (x >> 16) as u8;
                out.push(if b == b'\n' { 0 } else { b });
            }
            out.push(b'\n');
        }
    }
    let (r, w) = parse(&out);
    assert_eq!(r.len(), 1);
    assert_eq!(victim_pid(&r[0]), victim_pid(&reference()));
    assert_eq!(w.items().len(), 1, "{:?}", w.items());
    assert!(w.items()[0].message.contains("longer than"));
    assert_eq!(w.items()[0].line, Some(12));
    // The line numbers after the junk still count it as one line.
    assert_eq!(r[0].lines.last, reference().lines.last + 1);
}

#[test]
fn invalid_utf8_in_names() {
    let text = String::from_utf8(real()).unwrap();
    let bytes = text.replace("(perl)", "(pe\u{1}rl)").into_bytes();
    let mut bytes = bytes;
    // Replace the control byte with an invalid UTF-8 byte.
    for b in bytes.iter_mut() {
        if *b == 1 {
            *b = 0xff;
        }
    }
    let (r, _) = parse(&bytes);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].victim.as_ref().unwrap().comm, "pe\u{fffd}rl");
}

#[test]
fn rsyslog_folds_the_report_into_one_line() {
    let text = String::from_utf8(real()).unwrap();
    let msgs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("kernel: ").map(|x| x.1))
        .collect();
    let folded = format!("Nov 26 21:30:04 vm kernel: {}\n", msgs.join("#012"));
    let (r, w) = parse(folded.as_bytes());
    assert!(w.is_empty(), "{:?}", w.items());
    let want = reference();
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].victim.as_ref().map(|v| v.anon_rss_kb),
        want.victim.as_ref().map(|v| v.anon_rss_kb)
    );
    assert_eq!(r[0].memcg_stats[0].stats, want.memcg_stats[0].stats);
    assert_eq!((r[0].lines.first, r[0].lines.last), (1, 1));
}

#[test]
fn interleaved_with_another_host() {
    let text = String::from_utf8(real()).unwrap();
    let other = text
        .replace(" vm kernel: ", " node7 kernel: ")
        .replace("14516", "777");
    let mut out = String::new();
    for (a, b) in text.lines().zip(other.lines()) {
        out.push_str(a);
        out.push('\n');
        out.push_str(b);
        out.push('\n');
        out.push_str("Nov 26 21:30:04 vm containerd[12]: level=info msg=\"noise\"\n");
    }
    let (r, w) = parse(out.as_bytes());
    assert!(w.is_empty(), "{:?}", w.items());
    assert_eq!(r.len(), 2);
    let want = reference();
    for x in &r {
        assert_eq!(x.tasks.len(), want.tasks.len());
        assert_eq!(
            x.memcg_stats[0].stats.len(),
            want.memcg_stats[0].stats.len()
        );
    }
    let hosts: Vec<_> = r.iter().map(|x| x.host.clone().unwrap()).collect();
    assert!(hosts.contains(&"vm".to_string()) && hosts.contains(&"node7".to_string()));
}

#[test]
fn truncated_in_the_middle() {
    let text = real();
    let cut = text.len() / 2;
    let (r, w) = parse(&text[..cut]);
    assert_eq!(r.len(), 1);
    assert!(r[0].truncated);
    assert!(r[0].victim.is_none());
    assert!(r[0].memory.is_some());
    assert_eq!(w.items().len(), 1);
    assert!(w.items()[0]
        .message
        .contains("missing its `Killed process` line"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic, and every report points inside the input.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let (r, _) = parse(&bytes);
        let lines = bytes.split(|&b| b == b'\n').count() as u64;
        for x in r {
            prop_assert!(x.lines.first >= 1 && x.lines.first <= x.lines.last && x.lines.last <= lines);
        }
    }

    /// Any prefix of a real report gives at most one report, never a panic.
    #[test]
    fn any_prefix_of_a_real_report(cut in 0usize..4096) {
        let text = real();
        let cut = cut * text.len() / 4096;
        let (r, _) = parse(&text[..cut]);
        prop_assert!(r.len() <= 1);
    }

    /// Real report lines spliced with arbitrary noise lines still give the
    /// real victim.
    #[test]
    fn report_lines_with_noise(noise in proptest::collection::vec("[ -~]{0,80}", 0..40), seed in any::<u64>()) {
        let text = String::from_utf8(real()).unwrap();
        let mut out = String::new();
        let mut k = seed;
        let mut i = 0;
        for l in text.lines() {
            out.push_str(l);
            out.push('\n');
            k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if !noise.is_empty() && k >> 62 == 0 {
                // Noise from another program: never part of a report.
                out.push_str("Nov 26 21:30:04 vm app[1]: ");
                out.push_str(&noise[i % noise.len()]);
                out.push('\n');
                i += 1;
            }
        }
        let (r, _) = parse(out.as_bytes());
        prop_assert_eq!(r.len(), 1);
        prop_assert_eq!(victim_pid(&r[0]), victim_pid(&reference()));
        prop_assert_eq!(r[0].tasks.len(), reference().tasks.len());
    }
}
