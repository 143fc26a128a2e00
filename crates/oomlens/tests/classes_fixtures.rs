//! The real JVM captures of `tests/fixtures/classload/<program>/` (made by
//! `scripts/capture/jvm-leak.sh`: a real OpenJDK 17 running a program that
//! generates classes, in a Kubernetes-shaped memory cgroup, killed by the
//! kernel or stopped): `oomlens classes` and `oomlens diagnose` must name the
//! leaking family and its library, with the facts the capture recorded, and
//! must not call a start-up burst or lambdas a leak.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn dir(program: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/classload")
        .join(program)
}

fn facts(program: &str) -> HashMap<String, String> {
    std::fs::read_to_string(dir(program).join("facts.env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(args: &[&str]) -> serde_json::Value {
    let out = Command::new(support::oomlens())
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn leak(program: &str, library: &str, pattern: &str) {
    let f = facts(program);
    let d = dir(program);
    let classes = run(&[
        "classes",
        d.join("classes.log").to_str().unwrap(),
        "-f",
        "json",
    ]);
    let v = &classes["reports"][0]["verdict"];
    assert_eq!(v["leak"], true, "{program}: {v}");
    assert_eq!(v["library"], library, "{program}");
    assert_eq!(v["family"], pattern, "{program}");
    let fam = &classes["reports"][0]["families"][0];
    assert_eq!(fam["unloaded"], 0, "{program}: nothing unloads");
    assert!(fam["loaded"].as_u64().unwrap() >= 100, "{program}");

    let diag = run(&["diagnose", d.to_str().unwrap(), "-f", "json"]);
    let top = &diag["causes"][0];
    assert_eq!(top["id"], "metaspace-class-generation", "{program}: {top}");
    assert!(top["confidence"].as_f64().unwrap() >= 0.9, "{program}");
    assert!(
        top["summary"].as_str().unwrap().contains(library),
        "{program}"
    );
    let cites: Vec<&str> = top["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert!(
        cites.iter().any(|c| c.ends_with("classes.log")),
        "{program}: {cites:?}"
    );
    assert!(
        cites.iter().any(|c| c.ends_with("gc.log")),
        "{program}: {cites:?}"
    );
    // The heap side of the leaked classes grows too (the GC logs of the
    // cglib, Groovy and Proxy leaks show the heap after GC rising): folded
    // into the class leak, never a rival cause.
    let heap = diag["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "heap-growth");
    assert_eq!(heap.is_some(), program != "OrikaLikeLeak", "{program}");
    if let Some(h) = heap {
        assert!(h["confidence"].as_f64().unwrap() <= 0.3, "{program}: {h}");
        let why = h["explanation"].as_str().unwrap();
        assert!(
            why.starts_with("Because of the class-loading leak") && why.contains(pattern),
            "{program}: {why}"
        );
    }
    let c = &diag["containers"][top["container"].as_u64().unwrap() as usize];
    match f["outcome"].as_str() {
        "kernel-oom-kill" => {
            let k = &c["kills"][0];
            assert_eq!(k["kind"], "kernel-memcg", "{program}");
            assert_eq!(
                k["victim"]["pid"].as_u64(),
                Some(f["pid"].parse::<u64>().expect("facts pid")),
                "{program}"
            );
            assert_eq!(
                k["limit_bytes"].as_u64(),
                Some(f["limit_bytes"].parse::<u64>().expect("facts limit_bytes")),
                "{program}"
            );
            assert_eq!(
                c["pod"]["uid"].as_str(),
                Some(f["pod_uid"].as_str()),
                "{program}"
            );
        }
        other => panic!("{program}: unexpected outcome {other}"),
    }
}

#[test]
fn orika_like_leak() {
    leak(
        "OrikaLikeLeak",
        "Orika",
        "ma.glasnost.orika.generated.Orika_*_Mapper*",
    );
}

#[test]
fn cglib_leak() {
    leak("CglibLeak", "cglib", "*$$EnhancerByCGLIB$$*");
}

#[test]
fn groovy_leak() {
    leak("GroovyLeak", "Groovy", "Script*");
}

#[test]
fn proxy_leak() {
    leak("ProxyLeak", "java.lang.reflect.Proxy", "jdk.proxy*.$Proxy*");
}

#[test]
fn metaspace_cap_turns_the_kill_into_an_oome() {
    let d = dir("OrikaLikeLeak-metaspace32m");
    let diag = run(&["diagnose", d.to_str().unwrap(), "-f", "json"]);
    let c = &diag["containers"][0];
    assert_eq!(c["kills"][0]["kind"], "jvm-oome");
    assert_eq!(c["kills"][0]["oome_variant"], "metaspace");
    let top = &diag["causes"][0];
    assert_eq!(top["id"], "metaspace-class-generation");
    assert!(top["summary"].as_str().unwrap().contains("Orika"));
    assert!(top["explanation"]
        .as_str()
        .unwrap()
        .contains("Metadata GC threshold"));
}

#[test]
fn start_up_burst_and_lambdas_are_not_leaks() {
    for program in ["SteadyService", "LambdaNoise"] {
        let d = dir(program);
        let classes = run(&[
            "classes",
            d.join("classes.log").to_str().unwrap(),
            "-f",
            "json",
        ]);
        assert_eq!(classes["reports"][0]["verdict"]["leak"], false, "{program}");
        let diag = run(&["diagnose", d.to_str().unwrap(), "-f", "json"]);
        assert_eq!(diag["oom_kill_found"], false, "{program}");
        assert!(
            diag["causes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != "metaspace-class-generation"),
            "{program}: {}",
            diag["causes"]
        );
    }
    let classes = run(&[
        "classes",
        dir("SteadyService").join("classes.log").to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert!(classes["reports"][0]["verdict"]["summary"]
        .as_str()
        .unwrap()
        .contains("start-up"));
}

#[test]
fn rotated_files_are_one_log() {
    use std::io::{Read, Write};
    // The complete class log of the Orika-like run, cut in three as JDK
    // rotation and logrotate leave it: classes.log.1.gz (oldest),
    // classes.log.0, classes.log (newest).
    let mut whole = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(dir("OrikaLikeLeak").join("classes.log.gz")).unwrap(),
    )
    .read_to_string(&mut whole)
    .unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    let third = lines.len() / 3;
    let tmp = std::env::temp_dir().join(format!("oomlens-rot-{}", support::unique(10)));
    std::fs::create_dir_all(&tmp).unwrap();
    let part = |a: usize, b: usize| lines[a..b].join("\n") + "\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(part(0, third).as_bytes()).unwrap();
    std::fs::write(tmp.join("classes.log.1.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(tmp.join("classes.log.0"), part(third, 2 * third)).unwrap();
    std::fs::write(tmp.join("classes.log"), part(2 * third, lines.len())).unwrap();
    for (f, when) in [
        ("classes.log.1.gz", "2023-12-02 10:00"),
        ("classes.log.0", "2023-12-02 11:00"),
        ("classes.log", "2023-12-02 12:00"),
    ] {
        assert!(Command::new("touch")
            .args(["-d", when])
            .arg(tmp.join(f))
            .status()
            .unwrap()
            .success());
    }
    let rotated = run(&["classes", tmp.to_str().unwrap(), "-f", "json"]);
    let whole_report = run(&[
        "classes",
        dir("OrikaLikeLeak")
            .join("classes.log.gz")
            .to_str()
            .unwrap(),
        "-f",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&tmp);
    let reports = rotated["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "one log in three files");
    let (r, w) = (&reports[0], &whole_report["reports"][0]);
    assert!(r["source"]
        .as_str()
        .unwrap()
        .ends_with("classes.log (+2 rotated)"));
    assert_eq!(r["loaded"], w["loaded"]);
    assert_eq!(r["verdict"]["family"], w["verdict"]["family"]);
    assert_eq!(r["verdict"]["leak"], true);
    assert_eq!(r["families"][0]["loaded"], w["families"][0]["loaded"]);
    // The family cites the newest file it appears in.
    assert!(r["families"][0]["evidence"]["source"]
        .as_str()
        .unwrap()
        .ends_with("/classes.log"));
}

#[test]
fn jdk8_public_samples() {
    let j8 = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/classload/jdk8");
    let report = |f: &str| {
        let doc = run(&["classes", j8.join(f).to_str().unwrap(), "-f", "json"]);
        doc["reports"][0].clone()
    };
    // spring-io/initializr#288: Groovy templates compiled per request.
    let r = report("pub-verbose-class-jdk8-initializr-288-groovy-templates-partial.log");
    assert_eq!(r["jdk"], "8");
    assert_eq!(r["loaded"], 10);
    let groovy = r["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["library"] == "Groovy templates")
        .unwrap();
    assert_eq!(groovy["loaded"], 8);
    assert_eq!(
        groovy["source"], "file:x",
        "the source as printed (the reporter redacted it)"
    );
    let acc = r["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["pattern"] == "sun.reflect.GeneratedMethodAccessor*")
        .unwrap();
    assert_eq!(acc["loaded"], 2);
    assert_eq!(acc["max_seq"], 181);
    assert_eq!(acc["source"], "__JVM_DefineClass__");
    // `[Unloading class X]` without an address, and with one.
    let r = report("pub-unloading-class-no-address-permgen-cms-2010.log");
    assert_eq!(
        (r["loaded"].as_u64(), r["unloaded"].as_u64()),
        (Some(0), Some(12))
    );
    let r = report("pub-verbose-class-jdk8-unloading-with-address.log");
    assert_eq!(
        (r["loaded"].as_u64(), r["unloaded"].as_u64()),
        (Some(1), Some(1))
    );
    // Lines of a class log mixed with the program's own output.
    let r = report("pub-verbose-class-jdk8u181-generatedmethodaccessor.log");
    assert_eq!(r["loaded"], 19);
}
