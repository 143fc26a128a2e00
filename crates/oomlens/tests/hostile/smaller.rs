//! The smaller defects: names and reasons for unreadable inputs, exit
//! status 2, `--year` out of range, symlinked folders, `sample`'s output
//! checked before it samples.

use std::process::Command;
use std::time::Duration;

use crate::gen;
use crate::run::{oomlens, run};

/// Every command that reads named inputs: a missing one gives exit status
/// 2 and a message naming the path and the reason, after the readable
/// inputs are reported. `classes /nonexistent` said "no input could be
/// read"; `diagnose /nonexistent` exited 1.
#[test]
fn a_named_input_that_cannot_be_read_is_status_2_with_path_and_reason() {
    let tmp = gen::tmp("oomlens-missing");
    let good = tmp.path().join("kern.log");
    std::fs::write(&good, gen::kills(1)).unwrap();
    let good = good.to_str().unwrap();
    let missing = "/nonexistent/oomlens-input";
    for args in [
        vec!["diagnose", missing],
        vec!["diagnose", good, missing],
        vec!["classes", missing],
        vec!["kernel", missing],
        vec!["kernel", good, missing],
        vec!["budget", missing, "--limit", "1Gi"],
    ] {
        let r = oomlens(&args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(missing) && r.stderr.contains("No such file or directory"),
            "{args:?}: {}",
            r.stderr
        );
        if args.contains(&good) {
            assert!(
                r.text().contains("1 OOM kill") || r.text().contains("killed by the kernel"),
                "{args:?}: the readable input is still reported: {}",
                r.text()
            );
        }
    }
}

/// `--year 10000` was silently ignored (stamps had no year).
#[test]
fn a_year_out_of_range_is_refused() {
    let tmp = gen::tmp("oomlens-year");
    let p = tmp.path().join("kern.log");
    std::fs::write(&p, gen::kills(1)).unwrap();
    let r = oomlens(&["kernel", "--year", "10000", p.to_str().unwrap()]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("--year") && r.stderr.contains("1..=9999"),
        "{}",
        r.stderr
    );
    let r = oomlens(&[
        "kernel",
        "--year",
        "2024",
        p.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(r.code, Some(0));
    assert!(r.json()["reports"][0]["time"]["utc"]
        .as_str()
        .unwrap()
        .starts_with("2024-03-01"));
}

/// A link to a folder below a folder given is not followed (links loop),
/// but it is said, with its path.
#[test]
fn a_symlinked_folder_is_named() {
    let tmp = gen::tmp("oomlens-symlink");
    let real = tmp.path().join("real");
    let given = tmp.path().join("given");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::create_dir_all(&given).unwrap();
    std::fs::write(real.join("kern.log"), gen::kills(1)).unwrap();
    std::os::unix::fs::symlink(&real, given.join("link")).unwrap();
    let k = oomlens(&["kernel", given.to_str().unwrap(), "-f", "json"]);
    let link = given.join("link").display().to_string();
    assert!(
        k.json()["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["source"] == link.as_str()
                && w["message"].as_str().unwrap().contains("not followed")),
        "{}",
        k.stderr
    );
}

/// `sample -o` to a path that cannot be written was said only after the
/// whole `--for`: now before sampling starts.
#[test]
fn sample_checks_its_output_before_sampling() {
    let mut cmd = Command::new(crate::support::oomlens());
    cmd.args([
        "sample",
        "--for",
        "60s",
        "--every",
        "1s",
        "-o",
        "/nonexistent/dir/x.om",
    ]);
    let r = run(cmd, None, Duration::from_secs(30));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent/dir/x.om"), "{}", r.stderr);
    assert!(r.wall < Duration::from_secs(10), "said after {:?}", r.wall);
}

/// `--every 1ms --for 20s` ran 46 s: the period is a deadline, so the run
/// ends on time however slow a round is.
#[test]
fn sample_ends_on_time_with_a_tiny_period() {
    let tmp = gen::tmp("oomlens-sample");
    let out = tmp.path().join("s.om");
    let mut cmd = Command::new(crate::support::oomlens());
    cmd.args([
        "sample",
        "--for",
        "2s",
        "--every",
        "1ms",
        "-o",
        out.to_str().unwrap(),
    ]);
    let r = run(cmd, None, Duration::from_secs(30));
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    assert!(
        r.wall < Duration::from_secs(6),
        "2 s of sampling took {:?}",
        r.wall
    );
    assert!(out.exists());
}
