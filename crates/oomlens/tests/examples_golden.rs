//! Golden files: `oomlens diagnose` on every bundled example, in every
//! format. A change in what oomlens says is a visible diff in
//! `tests/snapshots/`.

mod support;

fn diagnose(example: &str, format: &str) -> String {
    support::diagnose(&format!("examples/{example}"), format, &[0])
}

#[test]
fn seed_incident() {
    let text = diagnose("seed-incident", "text");
    // The seed's story, whatever the wording around it.
    for must in [
        "okr-indicator",
        "okr-indicator-deploy-84bc5779c-55xsn",
        "rishiqing-v2",
        "killed by the kernel at its pod's 3.00 GiB limit",
        "9 restarts in 13 days",
        "victim java pid 2076520, anon-rss 2.99 GiB (1.47 GiB huge pages)",
        "no OutOfMemoryError in previous.log",
        "describe.txt:",
        "messages:",
    ] {
        assert!(text.contains(must), "missing {must:?} in:\n{text}");
    }
    insta::assert_snapshot!("seed_text", text);
    insta::assert_snapshot!("seed_markdown", diagnose("seed-incident", "markdown"));
    let json = diagnose("seed-incident", "json");
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = &d["containers"][0];
    assert_eq!(c["pod"]["uid"], "943d7e40-3a14-4519-b7a7-a2b6ee3576fb");
    assert_eq!(
        c["container"]["id"],
        "928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720"
    );
    assert_eq!(c["kills"][0]["failcnt"], 498567);
    assert_eq!(c["restart_count"], 9);
    // Memory over time (prometheus.json): three container instances of one
    // container are three lives; Metaspace is what grows; the last kill,
    // known from the kernel, and the restart before it are both foretold.
    let m = &c["memory_over_time"];
    assert_eq!(m["verdict"], "leak");
    assert_eq!(m["growing"], "jvm Metaspace");
    assert_eq!(m["lives"], 3);
    let checks = m["kill_checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{m:#}");
    assert_eq!(checks[0]["actual_from"], "restart");
    assert_eq!(checks[1]["actual_from"], "kill");
    assert_eq!(checks[1]["actual_kill"], "2023-12-02T05:55:56Z");
    assert_eq!(
        checks[1]["evidence"][0]["line"], 28,
        "the Killed process line"
    );
    for c in checks {
        let e = c["error_seconds"].as_f64().unwrap();
        assert!(e.abs() < 3.0 * 3600.0, "{c:#}");
    }
    // The current life, 6 h old, grows like the last: about a day to go.
    let ttl = m["time_to_limit"]["seconds"].as_f64().unwrap() / 3600.0;
    assert!((12.0..=24.0).contains(&ttl), "{ttl}");
    insta::assert_snapshot!("seed_json", json);
}

#[test]
fn real_kill_java() {
    let text = diagnose("real-kill-java", "text");
    assert!(
        text.contains("max heap plus non-heap larger than the limit"),
        "{text}"
    );
    insta::assert_snapshot!("real_kill_java_text", text);
    insta::assert_snapshot!(
        "real_kill_java_markdown",
        diagnose("real-kill-java", "markdown")
    );
    insta::assert_snapshot!("real_kill_java_json", diagnose("real-kill-java", "json"));
}

/// Every claim cites its evidence: no finding or cause of a bundled example
/// or a real capture comes with an empty evidence list.
#[test]
fn every_claim_cites_evidence() {
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        format!("{root}/examples/seed-incident"),
        format!("{root}/examples/real-kill-java"),
    ];
    for s in [
        "leak-xmx-over-limit",
        "leak-xmx-under-limit",
        "steady-sawtooth",
        "sized-over-limit",
    ] {
        dirs.push(format!("{root}/tests/fixtures/heap/{s}"));
    }
    for e in std::fs::read_dir(format!("{root}/tests/fixtures/classload")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            dirs.push(p.display().to_string());
        }
    }
    for dir in dirs {
        let d = support::oomlens_json(&["diagnose", &dir, "--format", "json"], &[0, 1]);
        support::all_cited(&d, &dir);
    }
}
