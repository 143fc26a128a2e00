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
    let c = &diag["containers"][top["container"].as_u64().unwrap() as usize];
    match f["outcome"].as_str() {
        "kernel-oom-kill" => {
            let k = &c["kills"][0];
            assert_eq!(k["kind"], "kernel-memcg", "{program}");
            assert_eq!(
                k["victim"]["pid"].as_u64(),
                f["pid"].parse().ok(),
                "{program}"
            );
            assert_eq!(
                k["limit_bytes"].as_u64(),
                f["limit_bytes"].parse().ok(),
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
