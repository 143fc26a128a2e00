//! `oomlens diagnose` with no path, on this machine: Kubernetes-shaped
//! memory cgroups (v1 or v2, whichever this machine has) below a folder of
//! their own, one pod per cgroup driver: a real JVM that leaked most of its
//! heap and now sits near its container limit (cgroupfs layout,
//! `kubepods/burstable/pod<uid>/<id>`), and a real process the kernel killed
//! at its limit (systemd layout, `kubepods.slice/.../cri-containerd-<id>
//! .scope`). The kubelet's `/var/log/pods` and `/var/log/containers` are
//! synthesized by the test in a temporary folder (pod folders, `N.log`
//! files, one link); the JVM's current log is its real standard output, the
//! previous container's log is a line written by the test.
//!
//! The node view must name both pods and containers, say the JVM is near its
//! limit with its heap, say the other was killed and why, and `--save` must
//! write a bundle (folder or `.tar.gz`) that `diagnose` reads to the same
//! verdict.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Hierarchy, KillOnDrop, TempDir};

/// A folder of cgroups below the memory root, all of it removed when
/// dropped (its processes killed first), also when the test fails.
struct CgroupTree {
    hierarchy: Hierarchy,
    top: PathBuf,
}

impl CgroupTree {
    fn new() -> CgroupTree {
        let (hierarchy, root) = support::hierarchy().expect("a memory cgroup hierarchy");
        let top = root.join(format!("oomlens-node-{}", support::unique(8)));
        if hierarchy == Hierarchy::V2 {
            let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
        }
        std::fs::create_dir(&top).expect("make the test's cgroup folder");
        CgroupTree { hierarchy, top }
    }

    /// Makes the cgroup `rel` (and its parents) with a memory limit.
    fn cgroup(&self, rel: &str, limit: u64) -> PathBuf {
        let mut dir = self.top.clone();
        for part in rel.split('/') {
            if self.hierarchy == Hierarchy::V2 {
                let _ = std::fs::write(dir.join("cgroup.subtree_control"), "+memory");
            }
            dir = dir.join(part);
            if !dir.exists() {
                std::fs::create_dir(&dir)
                    .unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
            }
        }
        let (file, swap) = match self.hierarchy {
            Hierarchy::V1 => ("memory.limit_in_bytes", None),
            Hierarchy::V2 => ("memory.max", Some("memory.swap.max")),
        };
        std::fs::write(dir.join(file), limit.to_string()).expect("set the limit");
        if let Some(s) = swap {
            let _ = std::fs::write(dir.join(s), "0");
        }
        dir
    }

    /// `sh -c "exec SCRIPT"` inside cgroup `dir`, its output to `log`.
    fn spawn(&self, dir: &Path, script: &str, log: &Path) -> KillOnDrop {
        let out = std::fs::File::create(log).expect("create the log");
        let full = format!(
            "echo $$ > {} && exec {script}",
            dir.join("cgroup.procs").display()
        );
        KillOnDrop(
            Command::new("sh")
                .arg("-c")
                .arg(full)
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log"))
                .stderr(out)
                .spawn()
                .expect("spawn sh"),
        )
    }
}

impl Drop for CgroupTree {
    fn drop(&mut self) {
        fn folders(d: &Path, out: &mut Vec<PathBuf>) {
            if let Ok(rd) = std::fs::read_dir(d) {
                for e in rd.flatten() {
                    if e.path().is_dir() {
                        folders(&e.path(), out);
                    }
                }
            }
            out.push(d.to_path_buf());
        }
        let mut all = Vec::new();
        folders(&self.top, &mut all);
        // Deepest first: a folder with children cannot be removed.
        for dir in all {
            for _ in 0..100 {
                if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                    for pid in procs.split_whitespace() {
                        let _ = Command::new("kill").args(["-9", pid]).status();
                    }
                }
                if std::fs::remove_dir(&dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Waits (at most `limit`) for `ok`; says what it waited for when it fails.
fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const LEAK: &str = "import java.util.ArrayList;\n\
import java.util.List;\n\
/** Leaks 1 MiB every 20 ms into a cache never evicted, to TARGET MiB, then holds it. */\n\
public final class Leak {\n\
    static final List<byte[]> CACHE = new ArrayList<>();\n\
    public static void main(String[] a) throws Exception {\n\
        int target = Integer.parseInt(a[0]);\n\
        System.out.println(\"leaking to \" + target + \" MiB\");\n\
        while (CACHE.size() < target) {\n\
            CACHE.add(new byte[1 << 20]);\n\
            Thread.sleep(20);\n\
        }\n\
        System.out.println(\"holding \" + CACHE.size() + \" MiB\");\n\
        Thread.sleep(Long.MAX_VALUE);\n\
    }\n\
}\n";

fn oomlens(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(support::oomlens())
        .args(args)
        .output()
        .expect("run oomlens");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The member of a Diagnosis (JSON) whose pod is `name`.
fn member<'a>(d: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    d["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["pod"]["name"] == name))
        .unwrap_or_else(|| panic!("no container of pod {name} in {d:#}"))
}

#[test]
fn this_node_names_the_pods_the_one_near_its_limit_and_the_kill() {
    if !support::require_cgroups()
        || !support::require_program("javac", "openjdk-17-jdk-headless")
        || !support::require_program("java", "openjdk-17-jdk-headless")
    {
        return;
    }
    let tmp = TempDir::new("oomlens-node");
    let java_dir = tmp.path().join("java");
    std::fs::create_dir_all(&java_dir).unwrap();
    std::fs::write(java_dir.join("Leak.java"), LEAK).unwrap();
    assert!(Command::new("javac")
        .arg("-d")
        .arg(&java_dir)
        .arg(java_dir.join("Leak.java"))
        .status()
        .unwrap()
        .success());

    // The kubelet's folders, synthesized.
    let logs = tmp.path().join("log");
    let pods = logs.join("pods");
    let links = logs.join("containers");
    let (jvm_uid, jvm_id) = support::pod_and_container();
    let (hog_uid, hog_id) = support::pod_and_container();
    let jvm_pod = "orders-7d9f8b6c5-x2x4q";
    let hog_pod = "report-hog-5b7c9";
    let app_logs = pods.join(format!("shop_{jvm_pod}_{jvm_uid}/app"));
    let hog_logs = pods.join(format!("batch_{hog_pod}_{hog_uid}/hog"));
    std::fs::create_dir_all(&app_logs).unwrap();
    std::fs::create_dir_all(&hog_logs).unwrap();
    std::fs::create_dir_all(&links).unwrap();
    std::fs::write(
        app_logs.join("0.log"),
        "2026-12-07T09:00:00.000000000Z stdout F leaking to 150 MiB (the previous container)\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        app_logs.join("1.log"),
        links.join(format!("{jvm_pod}_shop_app-{jvm_id}.log")),
    )
    .unwrap();

    let tree = CgroupTree::new();
    // The JVM: a 200 MiB heap touched at start and 150 MiB of it leaked,
    // in a 240 MiB container: about 93% of the limit, steady (asked at
    // 85%: room for a smaller JVM on either side, killed or not near).
    let limit: u64 = 240 << 20;
    let jvm_cg = tree.cgroup(&format!("kubepods/burstable/pod{jvm_uid}/{jvm_id}"), limit);
    let jvm = tree.spawn(
        &jvm_cg,
        &format!(
            "java -Xms200m -Xmx200m -XX:+AlwaysPreTouch -XX:+UseSerialGC -XX:NativeMemoryTracking=summary -cp {} Leak 150",
            java_dir.display()
        ),
        &app_logs.join("1.log"),
    );
    let jvm_pid = jvm.0.id();
    wait_for("the JVM to hold its leak", Duration::from_secs(180), || {
        std::fs::read_to_string(app_logs.join("1.log")).is_ok_and(|l| l.contains("holding 150"))
    });

    // The hog: killed by the kernel at its 48 MiB limit.
    let hog_cg = tree.cgroup(
        &format!(
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{hog_id}.scope",
            hog_uid.replace('-', "_")
        ),
        48 << 20,
    );
    let mut hog = tree.spawn(&hog_cg, support::HOG, &hog_logs.join("0.log"));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = hog.0.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the hog was not killed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "the kernel killed the hog");

    let root = tree.top.to_str().unwrap();
    let pod_logs = pods.to_str().unwrap();
    let saved = tmp.path().join("saved");
    let t0 = Instant::now();
    let (code, text, err) = oomlens(&[
        "diagnose",
        "--cgroup-root",
        root,
        "--pod-logs",
        pod_logs,
        "--attach-timeout",
        "60s",
        "--save",
        saved.to_str().unwrap(),
        "--near",
        "85",
        "-f",
        "text",
        "--color",
        "never",
    ]);
    let took = t0.elapsed();
    assert_eq!(code, 0, "an OOM kill is found: {err}\n{text}");
    let head = text.split("\n\n").next().unwrap_or("");
    // Seen with --nocapture: the node view as a person reads it.
    eprintln!("{head}\n(read, attached, judged and saved in {took:?})");
    // Near its limit, with the threshold and what fills it.
    assert!(
        head.contains("near their limit (working set at or above 85% of the limit):"),
        "{text}"
    );
    let near = format!("- shop/{jvm_pod}/app: working set ");
    let line = head
        .lines()
        .find(|l| l.contains(&near))
        .unwrap_or_else(|| panic!("the JVM's container is not near its limit:\n{text}\n{err}"));
    assert!(line.contains("of its 240 MiB limit ("), "{line}");
    assert!(
        head.contains(&format!("JVM pid {jvm_pid}: heap ")),
        "the JVM's heap is said:\n{head}"
    );
    assert!(head.contains("anonymous memory (rss)"), "{head}");
    // Killed, by the cgroup's count.
    assert!(
        head.contains(&format!(
            "- batch/{hog_pod}/hog: 1 OOM kill(s), no process left"
        )),
        "{head}"
    );
    // The Diagnosis names the pod of the kill and the cause.
    assert!(text.contains(hog_pod), "{text}");

    // The same, as JSON, from the bundle saved.
    let d = support::oomlens_json(&["diagnose", saved.to_str().unwrap(), "-f", "json"], &[0]);
    let hog_m = member(&d, hog_pod);
    assert_eq!(hog_m["pod"]["namespace"], "batch", "{hog_m:#}");
    assert_eq!(hog_m["container"]["name"], "hog", "{hog_m:#}");
    let kill = &hog_m["kills"][0];
    assert_eq!(kill["kind"], "kernel-memcg", "{hog_m:#}");
    assert_eq!(kill["limit_bytes"], 48u64 << 20, "{hog_m:#}");
    assert_eq!(kill["victim"]["comm"], "perl", "{hog_m:#}");
    // The cause of that kill: the process outgrew its limit, cited.
    let index = d["containers"]
        .as_array()
        .and_then(|cs| cs.iter().position(|c| c["pod"]["name"] == hog_pod))
        .unwrap();
    let cause = d["causes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["container"] == index))
        .unwrap_or_else(|| panic!("no cause for the hog's kill: {:#}", d["causes"]));
    assert!(
        cause["summary"]
            .as_str()
            .unwrap()
            .contains("outgrew the limit"),
        "{cause:#}"
    );
    let jvm_m = member(&d, jvm_pod);
    assert_eq!(jvm_m["container"]["name"], "app", "{jvm_m:#}");
    support::all_cited(&d, "node bundle");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(saved.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "oomlens/collect/v1");
    assert_eq!(manifest["node"]["cgroup_root"], root);
    let whats: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["what"].as_str())
        .collect();
    for want in [
        "node-kernel-log",
        "cgroup-metrics",
        "node-pod",
        "log",
        "previous-log",
        "jcmd",
        "hsperfdata",
    ] {
        assert!(whats.contains(&want), "{want} in {whats:?}");
    }

    // Live again, as JSON and saved as a tarball: the tarball reads to the
    // same verdict as the live reading that wrote it.
    let tarball = tmp.path().join("bundle.tar.gz");
    let t0 = Instant::now();
    let (code, live, err) = oomlens(&[
        "diagnose",
        "--cgroup-root",
        root,
        "--pod-logs",
        pod_logs,
        "--no-attach",
        "--save",
        tarball.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    eprintln!("without attach, to a tarball: {:?}", t0.elapsed());
    let live: serde_json::Value = serde_json::from_str(&live).unwrap();
    let back = support::oomlens_json(&["diagnose", tarball.to_str().unwrap(), "-f", "json"], &[0]);
    for key in ["headline", "containers", "causes", "oom_kill_found"] {
        assert_eq!(
            live[key], back[key],
            "{key} differs between live and the tarball"
        );
    }
    let cited = serde_json::to_string(&back["containers"]).unwrap();
    assert!(
        cited.contains(&format!("{}:bundle/node/kern.log", tarball.display())),
        "members are cited inside the tarball"
    );
    drop(jvm);
    drop(tree);
}

/// cgroup v2 through the command, on files: a controller lives in one
/// hierarchy only, and this machine's memory controller may be on v1, so
/// the v2 tree is synthesized in a temporary folder in the format of the
/// kernel's Documentation/admin-guide/cgroup-v2.rst (memory.current,
/// memory.max, memory.stat, memory.events, memory.pressure), with a real
/// process (`sleep`) in one container's `cgroup.procs`. Needs no root.
#[test]
fn a_v2_tree_of_files_is_read_through_the_command() {
    let tmp = TempDir::new("oomlens-node-v2");
    let cg = tmp.path().join("cg");
    let pods = tmp.path().join("log/pods");
    let (uid, id) = support::pod_and_container();
    let (dead_uid, dead_id) = support::pod_and_container();
    let slice = |u: &str, i: &str| {
        cg.join(format!(
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{i}.scope",
            u.replace('-', "_")
        ))
    };
    let sleeper = KillOnDrop(
        Command::new("sleep")
            .arg("600")
            .spawn()
            .expect("spawn sleep"),
    );
    std::fs::create_dir_all(&cg).unwrap();
    std::fs::write(cg.join("cgroup.controllers"), "cpu io memory pids\n").unwrap();
    for (u, i, current, oom_kill, procs) in [
        (&uid, &id, 250u64 << 20, 0, format!("{}\n", sleeper.0.id())),
        (&dead_uid, &dead_id, 1 << 20, 1, String::new()),
    ] {
        let d = slice(u, i);
        std::fs::create_dir_all(&d).unwrap();
        let w = |f: &str, t: String| std::fs::write(d.join(f), t).unwrap();
        w("memory.current", format!("{current}\n"));
        w("memory.max", format!("{}\n", 256u64 << 20));
        w(
            "memory.stat",
            format!(
                "anon {}\nfile 1048576\ninactive_file 524288\n",
                current - (1 << 20)
            ),
        );
        w(
            "memory.events",
            format!("low 0\nhigh 0\nmax 7\noom 1\noom_kill {oom_kill}\noom_group_kill 0\n"),
        );
        w(
            "memory.pressure",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=1200\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=300\n".into(),
        );
        w("cgroup.procs", procs);
    }
    std::fs::create_dir_all(pods.join(format!("web_api-0_{uid}/api"))).unwrap();
    std::fs::write(pods.join(format!("web_api-0_{uid}/api/0.log")), "up\n").unwrap();
    std::fs::create_dir_all(pods.join(format!("web_job-1_{dead_uid}/job"))).unwrap();
    std::fs::write(
        pods.join(format!("web_job-1_{dead_uid}/job/3.log")),
        "bye\n",
    )
    .unwrap();
    let (code, text, err) = oomlens(&[
        "diagnose",
        "--cgroup-root",
        cg.to_str().unwrap(),
        "--pod-logs",
        pods.to_str().unwrap(),
        "--no-attach",
        "-f",
        "text",
        "--color",
        "never",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let head = text.split("\n\n").next().unwrap_or("");
    assert!(head.contains("(v2), 1 with processes"), "{head}");
    assert!(
        head.contains("- web/api-0/api: working set 250 MiB of its 256 MiB limit (97%)"),
        "{head}"
    );
    assert!(
        head.contains("usage hit the limit 7 time(s)"),
        "memory.events max: {head}"
    );
    assert!(
        head.contains("- web/job-1/job: 1 OOM kill(s), no process left"),
        "{head}"
    );

    // With a path, the flags that read the node are refused.
    let (code, _, err) = oomlens(&[
        "diagnose",
        tmp.path().to_str().unwrap(),
        "--cgroup-root",
        cg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give no path"), "{err}");
    // A folder that holds no memory cgroup is said.
    let (code, _, err) = oomlens(&["diagnose", "--cgroup-root", pods.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no memory cgroup files"), "{err}");
}
