//! `budget` verdicts: the exit status agrees with the text, flags the JVM
//! refuses are refused, and sizes that overflow do not wrap around.

use crate::run::oomlens;

/// A JVM whose every bounded region fits its limit with headroom.
pub const FITS: &[&str] = &[
    "budget",
    "--limit",
    "4Gi",
    "--",
    "-Xmx1g",
    "-XX:MaxMetaspaceSize=256m",
    "-XX:MaxDirectMemorySize=256m",
];

/// Exit 1 ("fits") while printing "1.54 GiB OVER": the status now follows
/// what is printed.
#[test]
fn over_the_limit_is_exit_status_0() {
    let r = oomlens(&[
        "budget",
        "--limit",
        "1Gi",
        "--",
        "-Xmx512m",
        "-XX:MaxMetaspaceSize=600m",
        "-XX:MaxDirectMemorySize=1g",
    ]);
    assert!(r.text().contains("OVER"), "{}", r.text());
    assert_eq!(r.code, Some(0), "OVER is printed: the JVM does not fit");
    let r = oomlens(FITS);
    assert!(r.text().contains("headroom"), "{}", r.text());
    assert_eq!(r.code, Some(1), "it fits");
}

/// `-Xmx1.5g`, `-Xmxfoo`, `-XX:MaxRAMPercentage=abc` were ignored; the JVM
/// refuses to start with them, and so does the budget, in its words.
#[test]
fn flags_the_jvm_refuses_are_refused() {
    for (flag, said) in [
        ("-Xmx1.5g", "Invalid maximum heap size: -Xmx1.5g"),
        ("-Xmxfoo", "Invalid maximum heap size: -Xmxfoo"),
        ("-Xss1x", "Invalid thread stack size: -Xss1x"),
        (
            "-XX:MaxRAMPercentage=abc",
            "Improperly specified VM option 'MaxRAMPercentage=abc'",
        ),
        (
            "-XX:MaxDirectMemorySize=12q",
            "Improperly specified VM option 'MaxDirectMemorySize=12q'",
        ),
    ] {
        let r = oomlens(&["budget", "--limit", "1Gi", "--", flag]);
        assert_eq!(r.code, Some(2), "{flag}");
        assert!(r.stderr.contains(said), "{flag}: {}", r.stderr);
        assert!(r
            .stderr
            .contains("Could not create the Java Virtual Machine"));
    }
}

/// Values that overflow wrapped around (`--threads 4294967296 -- -Xss4g`
/// gave "0 KiB" in a release build, a panic in a debug one).
#[test]
fn overflowing_sizes_saturate() {
    let r = oomlens(&[
        "budget",
        "--limit",
        "1Gi",
        "--threads",
        "4294967296",
        "-f",
        "json",
        "--",
        "-Xss4g",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let b = r.json();
    let stacks = b["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Thread stacks")
        .unwrap();
    assert_eq!(stacks["max_bytes"].as_u64(), Some(u64::MAX));
    assert!(b["headroom_bytes"].as_i64().unwrap() < 0);
    let r = oomlens(&[
        "budget",
        "--limit",
        "1Gi",
        "-f",
        "json",
        "--",
        "-XX:MaxDirectMemorySize=18446744073709551615",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.json()["headroom_bytes"].as_i64().unwrap() < 0);
}

/// A pod.json cut short became "no container limit" with no word of the
/// cut: the error now says what went wrong with the input.
#[test]
fn a_truncated_pod_is_said() {
    let tmp = crate::gen::tmp("oomlens-podcut");
    let pod = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "a", "namespace": "x"},
  "spec": {"containers": [{"name": "app", "image": "i",
    "command": ["java", "-Xmx2g", "-jar", "a.jar"],
    "resources": {"limits": {"memory": "3Gi"}}}]}
}
"#;
    let whole = tmp.path().join("pod.json");
    let cut = tmp.path().join("cut.json");
    std::fs::write(&whole, pod).unwrap();
    std::fs::write(&cut, &pod[..pod.len() * 3 / 4]).unwrap();
    let r = oomlens(&["budget", whole.to_str().unwrap(), "-f", "json"]);
    assert_eq!(
        r.json()["limit_bytes"].as_u64(),
        Some(3 << 30),
        "{}",
        r.stderr
    );
    let r = oomlens(&["budget", cut.to_str().unwrap()]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("no container limit") && r.stderr.contains("does not parse"),
        "{}",
        r.stderr
    );
}

/// Flags past the 256 MiB cut were lost without a word: a flags source
/// was read into memory up to 256 MiB. `PrintFlagsFinal` output with
/// `MaxHeapSize` set twice, the second time (the one that counts) after
/// 260 MiB of blank lines: streamed line by line, the later value is the
/// heap, cited at its line, with no cut and little memory.
#[test]
fn flags_past_256_mib_are_read() {
    use std::io::Write;
    let tmp = crate::gen::tmp("oomlens-bigflags");
    let p = tmp.path().join("flags.txt");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let flag = |v: u64, origin: &str| {
        format!("     size_t MaxHeapSize                              = {v:<40} {{product}} {{{origin}}}\n")
    };
    write!(f, "[Global flags]\n{}", flag(1 << 30, "ergonomic")).unwrap();
    let mut blank = vec![b' '; 4095];
    blank.push(b'\n');
    let blanks = (260usize << 20) / blank.len();
    for _ in 0..blanks {
        f.write_all(&blank).unwrap();
    }
    f.write_all(flag(3 << 30, "command line").as_bytes())
        .unwrap();
    f.flush().unwrap();
    drop(f);
    let r = oomlens(&[
        "budget",
        p.to_str().unwrap(),
        "--limit",
        "8Gi",
        "-f",
        "json",
    ]);
    assert_eq!(r.code, Some(1), "fits: {}", r.stderr);
    let b = r.json();
    let heap = b["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Java heap")
        .unwrap();
    assert_eq!(heap["max_bytes"].as_u64(), Some(3 << 30), "{b:#}");
    assert!(!r.stderr.contains("only its first"), "no cut: {}", r.stderr);
    assert!(
        r.max_rss_kib < 64 << 10,
        "{} MiB for a streamed source",
        r.max_rss_kib >> 10
    );
}
