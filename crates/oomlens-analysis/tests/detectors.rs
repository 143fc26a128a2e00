//! Detectors on hand-built evidence: each kind of kill, each join, and the
//! honest verdicts when evidence is missing.

use oomlens_analysis::case::Evidence;
use oomlens_analysis::diagnose;
use oomlens_analysis::diagnosis::{CauseId, FindingId, KillKind};
use oomlens_analysis::memtime::Verdict;
use oomlens_evidence::applog::{AppLog, OomeVariant, Signal, SignalKind};
use oomlens_evidence::jvm::heapdump::{HeapClass, HeapDumpFacts};
use oomlens_evidence::k8s::{Container, Event, Pod, Resources, State, TimeFact};
use oomlens_evidence::kernel;
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::Span;

const CID: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const UID: &str = "11111111-2222-3333-4444-555555555555";

fn t(raw: &str, utc: &str, line: u64) -> Option<TimeFact> {
    let t = TimeFact::parse(raw, Some(line));
    assert_eq!(t.utc.as_deref(), Some(utc), "{raw}");
    Some(t)
}

fn pod(uid: Option<&str>, last: Option<State>, events: Vec<Event>, env: Vec<(&str, &str)>) -> Pod {
    Pod {
        name: Some("web-1".into()),
        namespace: Some("shop".into()),
        uid: uid.map(str::to_string),
        node: Some("node-a".into()),
        qos_class: Some("Burstable".into()),
        start_time: t("2023-12-01T00:00:00Z", "2023-12-01T00:00:00Z", 3),
        containers: vec![Container {
            name: "web".into(),
            restart_count: Some(4),
            restart_count_line: Some(20),
            limits: Resources {
                memory_bytes: Some(64 << 20),
                cpu_millis: None,
                line: Some(22),
            },
            last_state: last,
            env: env
                .into_iter()
                .map(|(n, v)| oomlens_evidence::k8s::EnvVar {
                    name: n.into(),
                    value: Some(v.into()),
                    line: Some(30),
                })
                .collect(),
            line: Some(10),
            ..Container::default()
        }],
        events,
        format: "describe".into(),
        lines: Span {
            source: "describe.txt".into(),
            first: 1,
            last: 60,
        },
    }
}

fn terminated(reason: &str, code: i64) -> Option<State> {
    Some(State {
        status: "terminated".into(),
        reason: Some(reason.into()),
        exit_code: Some(code),
        started_at: t("2023-12-02T00:00:00Z", "2023-12-02T00:00:00Z", 15),
        finished_at: t(
            "Sat, 02 Dec 2023 13:55:57 +0800",
            "2023-12-02T05:55:57Z",
            16,
        ),
        line: Some(12),
        ..State::default()
    })
}

fn kernel_report(stamp: &str, uid_in_path: Option<&str>) -> Vec<kernel::OomReport> {
    let path = match uid_in_path {
        Some(u) => format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{CID}.scope",
            u.replace('-', "_")
        ),
        None => format!("/docker/{CID}"),
    };
    let text = format!(
        "{stamp} node-a kernel: java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n\
         {stamp} node-a kernel: memory: usage 65536kB, limit 65536kB, failcnt 12\n\
         {stamp} node-a kernel: Memory cgroup stats for {path}:\n\
         {stamp} node-a kernel: anon 60000000\n\
         {stamp} node-a kernel: anon_thp 30000000\n\
         {stamp} node-a kernel: file 100000\n\
         {stamp} node-a kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg={path},task_memcg={path},task=java,pid=42,uid=0\n\
         {stamp} node-a kernel: Memory cgroup out of memory: Killed process 42 (java) total-vm:900000kB, anon-rss:64000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:300kB oom_score_adj:0\n"
    );
    kernel::parse("messages", text.as_bytes(), &TimeContext::default()).0
}

#[test]
fn seed_shape_joins_by_time_and_borrows_the_zone() {
    let ev = Evidence {
        kernel: kernel_report("Dec  2 13:55:56", Some(UID)),
        pods: vec![pod(None, terminated("OOMKilled", 137), vec![], vec![])],
        logs: vec![(
            "previous.log".into(),
            AppLog {
                jvm_seen: true,
                lines: 7,
                ..AppLog::default()
            },
        )],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.containers.len(), 1, "{:#?}", d.containers);
    let c = &d.containers[0];
    assert_eq!(c.container.name.as_deref(), Some("web"));
    assert_eq!(
        c.pod.uid.as_deref(),
        Some(UID),
        "the pod UID comes from the kernel"
    );
    assert_eq!(c.kills.len(), 1);
    let k = &c.kills[0];
    assert_eq!(k.kind, KillKind::KernelMemcg);
    assert_eq!(k.time.as_deref(), Some("2023-12-02T05:55:56Z"));
    assert!(k.time_note.as_deref().unwrap().contains("+08"));
    // The instant comes from the Case's join (the zone borrowed), not from
    // the string read back.
    let at: jiff::Timestamp = "2023-12-02T05:55:56Z".parse().unwrap();
    assert_eq!(k.at, Some(at));
    assert_eq!(k.instant_ms(), Some(at.as_millisecond()));
    assert_eq!(
        k.evidence[0].source, "describe.txt",
        "the status line is cited first"
    );
    assert!(c.findings.iter().any(|f| f.id == FindingId::JoinedByTime));
    assert!(c.findings.iter().any(|f| f.id == FindingId::NoOomeInLog));
    assert!(c.findings.iter().any(|f| f.id == FindingId::Thp));
    assert_eq!(d.causes[0].id, CauseId::MetaspaceClassGeneration);
    assert!(d.causes[0].confidence < 0.5, "a hypothesis, not a proof");
    assert!(d.oom_kill_found);
    assert_eq!(c.timeline.restart_count, Some(4));
    assert!(c.timeline.kills_per_day.is_some());
    // From the pod's start (2023-12-01T00:00Z) to the kill: 1 d 5:55:56.
    let days = c.timeline.window_days.unwrap();
    assert!((days - 1.2472).abs() < 1e-3, "{days}");
    // The last run, from its start (00:00Z) to its finish (05:55:57Z).
    assert_eq!(c.timeline.median_uptime_before_kill_s, Some(21357.0));
}

#[test]
fn a_kill_of_another_pod_is_not_joined() {
    let other = "99999999-2222-3333-4444-555555555555";
    let ev = Evidence {
        kernel: kernel_report("Dec  2 13:55:56", Some(other)),
        pods: vec![pod(Some(UID), terminated("OOMKilled", 137), vec![], vec![])],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.containers.len(), 2);
    let web = d
        .containers
        .iter()
        .find(|c| c.container.name.as_deref() == Some("web"))
        .unwrap();
    assert!(web
        .findings
        .iter()
        .any(|f| f.id == FindingId::KernelReportMissing));
    let stranger = d
        .containers
        .iter()
        .find(|c| c.pod.uid.as_deref() == Some(other))
        .unwrap();
    assert_eq!(stranger.kills.len(), 1);
}

#[test]
fn heap_bigger_than_the_limit_ranks_first() {
    let ev = Evidence {
        kernel: kernel_report("2023-12-02T05:55:56Z", Some(UID)),
        pods: vec![pod(
            Some(UID),
            terminated("OOMKilled", 137),
            vec![],
            vec![("JAVA_TOOL_OPTIONS", "-Xmx512m")],
        )],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.causes[0].id, CauseId::HeapSizedOverLimit);
    assert!(d.causes[0]
        .evidence
        .iter()
        .any(|c| c.what == "-Xmx512m" && c.line == Some(30)));
}

#[test]
fn oome_in_the_log_is_the_cause() {
    let log = AppLog {
        signals: vec![Signal {
            kind: SignalKind::JavaOome,
            variant: Some(OomeVariant::DirectBufferMemory),
            detail: "Cannot reserve 1048576 bytes of direct buffer memory".into(),
            thread: Some("main".into()),
            line: 88,
        }],
        signal_count: 1,
        jvm_seen: true,
        lines: 100,
        ..AppLog::default()
    };
    let ev = Evidence {
        pods: vec![pod(Some(UID), terminated("Error", 3), vec![], vec![])],
        logs: vec![("web.log".into(), log)],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    let c = &d.containers[0];
    assert_eq!(c.kills[0].kind, KillKind::JvmOome);
    assert_eq!(
        c.kills[0].oome_variant.as_deref(),
        Some("direct-buffer-memory")
    );
    assert_eq!(d.causes[0].id, CauseId::DirectMemory);
    assert!(d.causes[0].confidence >= 0.8);
    assert_eq!(d.causes[0].evidence[0].line, Some(88));
}

#[test]
fn liveness_probe_kill_is_a_false_alarm() {
    let ev_probe = Event {
        event_type: Some("Normal".into()),
        reason: Some("Killing".into()),
        message: Some("Container web failed liveness probe, will be restarted".into()),
        line: Some(55),
        ..Event::default()
    };
    let ev = Evidence {
        pods: vec![pod(
            Some(UID),
            terminated("Error", 137),
            vec![ev_probe],
            vec![],
        )],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.containers[0].kills[0].kind, KillKind::Probe);
    // The kubelet's finish time, as the status placed it.
    let at: jiff::Timestamp = "2023-12-02T05:55:57Z".parse().unwrap();
    assert_eq!(d.containers[0].kills[0].at, Some(at));
    assert!(!d.oom_kill_found, "a probe kill is not an OOM kill");
    assert!(d.causes[0].summary.starts_with("not an OOM kill"));
    assert!(d.causes[0].evidence.iter().any(|c| c.line == Some(55)));
}

#[test]
fn eviction_and_global_oom() {
    let evicted = Event {
        reason: Some("Evicted".into()),
        message: Some("The node was low on resource: memory.".into()),
        object: Some("Pod/web-1".into()),
        namespace: Some("shop".into()),
        line: Some(4),
        ..Event::default()
    };
    let ev = Evidence {
        pods: vec![pod(Some(UID), None, vec![], vec![])],
        events: vec![("events.json".into(), evicted)],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.containers[0].kills[0].kind, KillKind::Evicted);
    assert!(d.oom_kill_found);
    // An eviction for disk is no OOM kill (as `collect --oom-killed-since`
    // and `kubectl oomlens --since` also count it).
    for message in [
        "The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi. ",
        "Usage of EmptyDir volume \"logs\" exceeds the limit \"30Mi\".",
    ] {
        let disk = Event {
            reason: Some("Evicted".into()),
            message: Some(message.into()),
            object: Some("Pod/web-1".into()),
            namespace: Some("shop".into()),
            line: Some(4),
            ..Event::default()
        };
        let d = diagnose(Evidence {
            pods: vec![pod(Some(UID), None, vec![], vec![])],
            events: vec![("events.json".into(), disk)],
            ..Evidence::default()
        });
        assert!(
            d.containers.iter().all(|c| c.kills.is_empty()),
            "{message}: {:?}",
            d.containers
        );
        assert!(!d.oom_kill_found, "{message}");
    }

    let text = "[5.0] java invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n\
                [5.1] Mem-Info:\n[5.2] active_anon:100 inactive_anon:200\n\
                [5.9] Out of memory: Killed process 100 (java) total-vm:4000kB, anon-rss:2000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n";
    let ev = Evidence {
        kernel: kernel::parse("dmesg", text.as_bytes(), &TimeContext::default()).0,
        ..Evidence::default()
    };
    let d = diagnose(ev);
    assert_eq!(d.containers[0].kills[0].kind, KillKind::KernelGlobal);
    assert!(d.causes[0].summary.contains("node ran out of memory"));
}

#[test]
fn no_evidence_no_kill() {
    let d = diagnose(Evidence::default());
    assert!(!d.oom_kill_found);
    assert!(d.containers.is_empty());
    assert_eq!(d.headline, "no container and no OOM kill in the evidence");
}

/// `oomlens sample` of a whole node: series of several containers, named
/// by `pod_uid` and `container_id` only. The pod's own series are judged,
/// not its neighbour's.
#[test]
fn sampled_node_series_are_matched_by_pod_uid() {
    use oomlens_evidence::metrics::Series;
    const MIB: f64 = 1024.0 * 1024.0;
    let ws = |uid: &str, f: &dyn Fn(f64) -> f64| Series {
        name: "container_memory_working_set_bytes".into(),
        labels: [("pod_uid", uid), ("id", "/kubepods/x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        points: (0..600)
            .map(|m| (1_701_388_800_000 + m * 60_000, f(m as f64 / 60.0)))
            .collect(),
        line: Some(1),
        ..Series::default()
    };
    let other = "99999999-8888-7777-6666-555555555555";
    let judge = |leaking: &str, flat: &str| {
        let ev = Evidence {
            pods: vec![pod(Some(UID), None, vec![], vec![])],
            metrics: vec![(
                "node.om".into(),
                vec![
                    ws(flat, &|h| 60.0 * MIB + MIB * (h * 3.0).sin()),
                    ws(leaking, &|h| 20.0 * MIB + 4.0 * MIB * h),
                ],
            )],
            ..Evidence::default()
        };
        let d = diagnose(ev);
        let web = d
            .containers
            .iter()
            .find(|c| c.container.name.as_deref() == Some("web"))
            .unwrap()
            .clone();
        web.memory_over_time.map(|m| m.verdict)
    };
    // 64 MiB limit: the leak reaches it; the flat one sits at 60 MiB.
    assert_eq!(judge(UID, other), Some(Verdict::Leak));
    assert_eq!(judge(other, UID), Some(Verdict::UndersizedLimit));

    // A describe (no pod UID) with the same node sample: which series is
    // this pod's cannot be told, and it is not guessed.
    let ev = Evidence {
        pods: vec![pod(None, None, vec![], vec![])],
        metrics: vec![(
            "node.om".into(),
            vec![
                ws(other, &|h| 60.0 * MIB + MIB * (h * 3.0).sin()),
                ws(UID, &|h| 20.0 * MIB + 4.0 * MIB * h),
            ],
        )],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    let web = &d.containers[0];
    assert_eq!(web.memory_over_time, None);
    let f = web
        .findings
        .iter()
        .find(|f| f.id == FindingId::MemoryOverTimeAmbiguous)
        .expect("says why it did not judge");
    assert!(f.text.contains("2 containers"), "{}", f.text);
    assert_eq!(f.evidence.len(), 2);
}

/// A GC log with wall-clock stamps beside a container's memory series: its
/// heap after each collection joins the series drawn as a JVM part, on the
/// same time axis (ms since the epoch of each stamp), cited to its lines.
#[test]
fn a_gc_logs_heap_after_gc_is_drawn_beside_the_memory_series() {
    use oomlens_evidence::jvm::gclog;
    use oomlens_evidence::metrics::Series;
    const MIB: f64 = 1024.0 * 1024.0;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/gclog/jdk17-parallel-uncapped-time-uptimemillis.log"
    );
    let (log, _) = gclog::parse("gc.log", &std::fs::read(path).unwrap());
    let stamped: Vec<_> = log
        .collections
        .iter()
        .filter(|c| c.time.is_some() && c.heap_after_bytes.is_some())
        .collect();
    assert!(stamped.len() >= 2);
    let ws = Series {
        name: "container_memory_working_set_bytes".into(),
        labels: [("pod_uid", UID), ("id", "/kubepods/x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        points: (0..600)
            .map(|m| {
                (
                    1_795_000_000_000 + m * 60_000,
                    20.0 * MIB + 4.0 * MIB * m as f64 / 60.0,
                )
            })
            .collect(),
        line: Some(1),
        ..Series::default()
    };
    let ev = Evidence {
        pods: vec![pod(Some(UID), None, vec![], vec![])],
        metrics: vec![("node.om".into(), vec![ws])],
        gc_logs: vec![("gc.log".into(), log.clone())],
        ..Evidence::default()
    };
    let d = diagnose(ev);
    let m = d.containers[0].memory_over_time.as_ref().expect("judged");
    let gc = m
        .series
        .iter()
        .find(|s| s.metric == "gc_log_heap_after_gc")
        .expect("the GC log's heap drawn");
    assert_eq!(gc.label, "jvm heap after GC");
    assert_eq!(gc.samples, stamped.len());
    // The first collection: `[2026-11-26T22:10:18.xxx+0000]` on its line.
    let first = stamped[0];
    let t: jiff::Timestamp = first
        .time
        .as_deref()
        .unwrap()
        .replace("+0000", "Z")
        .parse()
        .unwrap();
    assert_eq!(gc.points[0].0, t.as_millisecond());
    assert_eq!(gc.points[0].1, first.heap_after_bytes.unwrap() as f64);
    assert_eq!(gc.evidence.source, "gc.log");
    assert_eq!(
        gc.evidence.line,
        Some(first.heap_line.unwrap_or(first.line))
    );
}

/// Heap-dump facts as `oomlens-heap` fills them: `total` shallow bytes,
/// the classes (name, bytes), taken at `unix_ms`.
fn dump(unix_ms: u64, total: u64, classes: &[(&str, u64)]) -> HeapDumpFacts {
    HeapDumpFacts {
        version: "JAVA PROFILE 1.0.2".into(),
        unix_ms,
        objects: 1000,
        shallow_bytes: total,
        classes: 900,
        top_classes: classes
            .iter()
            .map(|&(name, bytes)| HeapClass {
                name: name.into(),
                instances: 10,
                bytes,
            })
            .collect(),
        ..HeapDumpFacts::default()
    }
}

fn killed_with_dumps(dumps: Vec<(&str, HeapDumpFacts)>) -> oomlens_analysis::diagnosis::Diagnosis {
    let ev = Evidence {
        kernel: kernel_report("2023-12-02T05:55:56Z", Some(UID)),
        pods: vec![pod(Some(UID), terminated("OOMKilled", 137), vec![], vec![])],
        heap_dumps: dumps.into_iter().map(|(s, d)| (s.to_string(), d)).collect(),
        ..Evidence::default()
    };
    diagnose(ev)
}

#[test]
fn a_steady_pool_in_the_dumps_is_not_what_filled_the_container() {
    const POOL: &str = "io.netty.buffer.PoolChunk";
    // Given newest first: the Case orders dumps by their own time.
    let d = killed_with_dumps(vec![
        (
            "b.hprof",
            dump(2_000, 25 << 20, &[(POOL, 20 << 20), ("byte[]", 3 << 20)]),
        ),
        (
            "a.hprof",
            dump(1_000, 24 << 20, &[(POOL, 20 << 20), ("byte[]", 2 << 20)]),
        ),
    ]);
    let fs = &d.containers[0].findings;
    let f = fs
        .iter()
        .find(|f| f.id == FindingId::HeapDumpNotTheFiller)
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert!(
        f.text.contains(POOL) && f.text.contains("in the first dump too"),
        "{}",
        f.text
    );
    assert!(f.text.contains("of the 64 MiB limit"), "{}", f.text);
    assert!(f
        .evidence
        .iter()
        .any(|c| c.source == "a.hprof" && c.line.is_none()));
    let top = fs.iter().find(|f| f.id == FindingId::HeapDump).unwrap();
    assert!(
        top.text.starts_with("heap dump b.hprof: 25 MiB"),
        "{}",
        top.text
    );
    assert!(
        d.causes.iter().all(|c| c.id != CauseId::HeapGrowth),
        "{:#?}",
        d.causes
    );
}

#[test]
fn a_heap_that_grew_between_dumps_is_heap_growth() {
    let d = killed_with_dumps(vec![
        (
            "a.hprof",
            dump(1_000, 12 << 20, &[("byte[]", 8 << 20), ("Item", 1 << 20)]),
        ),
        (
            "b.hprof",
            dump(2_000, 52 << 20, &[("byte[]", 40 << 20), ("Item", 9 << 20)]),
        ),
    ]);
    let c = d
        .causes
        .iter()
        .find(|c| c.id == CauseId::HeapGrowth)
        .unwrap_or_else(|| panic!("{:#?}", d.causes));
    assert!(
        c.summary.contains("grew by 40 MiB") && c.summary.contains("byte[] +32 MiB, Item +8 MiB"),
        "{}",
        c.summary
    );
    assert!(c
        .evidence
        .iter()
        .any(|e| e.source == "a.hprof" && e.what.starts_with("byte[]")));
    let fs = &d.containers[0].findings;
    assert!(
        fs.iter().all(|f| f.id != FindingId::HeapDumpNotTheFiller),
        "{fs:#?}"
    );
}

#[test]
fn one_small_dump_grows_nothing() {
    let d = killed_with_dumps(vec![(
        "a.hprof",
        dump(1_000, 60 << 20, &[("byte[]", 50 << 20)]),
    )]);
    assert!(d.causes.iter().all(|c| c.id != CauseId::HeapGrowth));
    // 60 MiB of a 64 MiB limit: the heap may well have filled it.
    let fs = &d.containers[0].findings;
    assert!(
        fs.iter().all(|f| f.id != FindingId::HeapDumpNotTheFiller),
        "{fs:#?}"
    );
}

#[test]
fn one_dump_beside_a_silent_kill_is_cited_by_the_jvm_hypotheses() {
    use oomlens_evidence::jvm::heapdump::{HeapFamily, HeapLoaderType, HeapThreadGroup};
    let mut d = dump(1_000, 20 << 20, &[("byte[]", 8 << 20)]);
    d.families = vec![
        HeapFamily {
            shape: "java.lang.invoke.LambdaForm$MH/0x*".into(),
            example: "java.lang.invoke.LambdaForm$MH/0x0000000800c01000".into(),
            classes: 9000,
            loaders: 1,
            max_seq: 0,
        },
        HeapFamily {
            shape: "gen.G*".into(),
            example: "gen.G0000012".into(),
            classes: 4000,
            loaders: 400,
            max_seq: 4000,
        },
    ];
    d.loader_types = vec![HeapLoaderType {
        class: "com.acme.ScriptLoader".into(),
        loaders: 400,
        classes: 4000,
    }];
    d.direct_buffers = 3;
    d.direct_capacity = 3 << 20;
    d.threads = 40;
    d.thread_groups = vec![HeapThreadGroup {
        pattern: "pool-*-thread-*".into(),
        threads: 30,
        example: "pool-1-thread-7".into(),
    }];
    let diag = killed_with_dumps(vec![("a.hprof", d)]);
    let cause = |id| {
        diag.causes
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no {id:?}: {:#?}", diag.causes))
    };
    let whats = |id| -> Vec<String> { cause(id).evidence.iter().map(|e| e.what.clone()).collect() };
    let meta = whats(CauseId::MetaspaceClassGeneration);
    // The JDK's lambda forms are larger but plumbing: the generated family is named.
    assert!(
        meta.contains(&"4000 classes of gen.G* in the heap dump (e.g. gen.G0000012), defined by 400 class loaders".to_string()),
        "{meta:#?}"
    );
    assert!(
        meta.contains(
            &"class loader instances of com.acme.ScriptLoader: 400, defining 4000 classes"
                .to_string()
        ),
        "{meta:#?}"
    );
    let direct = whats(CauseId::DirectMemory);
    assert!(
        direct.contains(
            &"java.nio.DirectByteBuffer: 3 buffers, 3 MiB of capacity (native memory)".to_string()
        ),
        "{direct:#?}"
    );
    let threads = whats(CauseId::ThreadGrowth);
    assert!(
        threads.contains(&"java.lang.Thread: 40 (pool-*-thread-* x30)".to_string()),
        "{threads:#?}"
    );
    // 20 MiB of a 64 MiB limit: the heap's largest class did not fill it.
    let fs = &diag.containers[0].findings;
    assert!(
        fs.iter().any(|f| f.id == FindingId::HeapDumpNotTheFiller),
        "{fs:#?}"
    );
}

#[test]
fn a_whole_dump_with_little_direct_memory_and_few_threads_lowers_those_hypotheses() {
    let judged = |capacity: u64, threads: u64, stopped: Option<&str>| {
        let mut d = dump(1_000, 20 << 20, &[("byte[]", 8 << 20)]);
        d.direct_buffers = 1;
        d.direct_capacity = capacity;
        d.threads = threads;
        d.stopped = stopped.map(str::to_string);
        let diag = killed_with_dumps(vec![("a.hprof", d)]);
        let get = |id| {
            diag.causes
                .iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("no {id:?}: {:#?}", diag.causes))
                .clone()
        };
        (get(CauseId::DirectMemory), get(CauseId::ThreadGrowth))
    };
    // 1 KiB of direct buffers and 2 threads (2 MiB of stack) against a 64 MiB limit.
    let (direct, threads) = judged(1 << 10, 2, None);
    assert_eq!(direct.confidence, 0.05, "{direct:#?}");
    assert!(
        direct.explanation.contains(
            "the heap dump shows direct buffers of 1 KiB in all, under 10% of the 64 MiB limit"
        ),
        "{}",
        direct.explanation
    );
    assert!(direct.evidence.iter().any(
        |e| e.source == "a.hprof" && e.what.starts_with("java.nio.DirectByteBuffer: 1 buffers")
    ));
    // Level with direct memory at 0.05: the ranking pass parts the tie.
    assert!(
        threads.confidence <= 0.05 && threads.confidence > 0.0,
        "{threads:#?}"
    );
    assert!(
        threads
            .explanation
            .contains("the heap dump shows 2 threads; at 1 MiB of stack each that is 2 MiB"),
        "{}",
        threads.explanation
    );
    // 16 MiB of buffers and 40 threads are a quarter and more of the limit: priors kept.
    let (direct, threads) = judged(16 << 20, 40, None);
    assert_eq!(direct.confidence, 0.15, "{direct:#?}");
    assert_eq!(threads.confidence, 0.10, "{threads:#?}");
    // A dump cut short may have missed them: it is no evidence against.
    let (direct, threads) = judged(1 << 10, 2, Some("cut at byte 100"));
    assert_eq!(direct.confidence, 0.15, "{direct:#?}");
    assert_eq!(threads.confidence, 0.10, "{threads:#?}");
}
