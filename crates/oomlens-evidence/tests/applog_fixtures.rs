//! Every fixture in `tests/fixtures/applog/` (see its `SOURCES.md`), checked
//! against the scanner: each signal's kind, variant, line and thread, the
//! `hs_err` facts and the heap dumps. One test per fixture, named after it.
//! `every_fixture_has_a_test` fails when a fixture is added without one.

use std::path::PathBuf;

use oomlens_evidence::applog::{self, AppLog, HeapDump, HsErr, OomeVariant, SignalKind};
use oomlens_evidence::Warnings;

use OomeVariant::*;
use SignalKind::*;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/applog")
}

fn scan(name: &str) -> (AppLog, Warnings) {
    let path = dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    applog::parse(name, &bytes)
}

/// One expected signal: kind, variant, line, thread.
type Sig = (SignalKind, Option<OomeVariant>, u64, Option<&'static str>);

/// Scans a fixture and checks its signals (all of them, in order), that the
/// count matches, that it raised no warning, and whether it shows a JVM.
fn expect(name: &str, jvm: bool, sigs: &[Sig]) -> AppLog {
    let (log, w) = scan(name);
    let got: Vec<_> = log
        .signals
        .iter()
        .map(|s| (s.kind, s.variant, s.line, s.thread.clone()))
        .collect();
    let want: Vec<_> = sigs
        .iter()
        .map(|&(k, v, l, t)| (k, v, l, t.map(str::to_string)))
        .collect();
    assert_eq!(got, want, "{name}: signals\n{log:#?}");
    assert_eq!(log.signal_count, sigs.len() as u64, "{name}: signal_count");
    assert_eq!(log.jvm_seen, jvm, "{name}: jvm_seen");
    assert!(w.is_empty(), "{name}: warnings {:?}", w.items());
    log
}

fn detail(log: &AppLog, i: usize) -> &str {
    &log.signals[i].detail
}

fn hs(log: &AppLog) -> &HsErr {
    log.hs_err.as_ref().expect("hs_err")
}

const HEAP: Option<OomeVariant> = Some(JavaHeapSpace);
const NATIVE_THREAD: &str =
    "unable to create native thread: possibly out of memory or process/resource limits reached";

// ---- captured on the test machine (OpenJDK 17.0.15, Python 3.11, Node 20)

#[test]
fn jdk17_heap_space() {
    let log = expect(
        "jdk17-heap-space.log",
        true,
        &[(JavaOome, HEAP, 2, Some("main"))],
    );
    assert_eq!(detail(&log, 0), "Java heap space");
    assert_eq!(log.lines, 3);
    assert!(log.hs_err.is_none());
}

#[test]
fn jdk17_heap_space_caused_by_named_thread() {
    // The OOME is the cause of a RuntimeException in a Tomcat-named thread.
    expect(
        "jdk17-heap-space-caused-by-named-thread.log",
        true,
        &[(JavaOome, HEAP, 4, Some("http-nio-8080-exec-1"))],
    );
}

#[test]
fn jdk17_metaspace() {
    expect(
        "jdk17-metaspace.log",
        true,
        &[(JavaOome, Some(Metaspace), 3, Some("main"))],
    );
}

#[test]
fn jdk17_compressed_class_space() {
    expect(
        "jdk17-compressed-class-space.log",
        true,
        &[(JavaOome, Some(CompressedClassSpace), 3, Some("main"))],
    );
}

#[test]
fn jdk17_direct_buffer_cannot_reserve() {
    let log = expect(
        "jdk17-direct-buffer-cannot-reserve.log",
        true,
        &[(JavaOome, Some(DirectBufferMemory), 2, Some("main"))],
    );
    assert_eq!(
        detail(&log, 0),
        "Cannot reserve 262144 bytes of direct buffer memory (allocated: 1048576, limit: 1048576)"
    );
}

#[test]
fn jdk17_requested_array_size() {
    expect(
        "jdk17-requested-array-size.log",
        true,
        &[(JavaOome, Some(RequestedArraySize), 2, Some("main"))],
    );
}

#[test]
fn jdk17_gc_overhead_parallel() {
    expect(
        "jdk17-gc-overhead-parallel.log",
        true,
        &[(JavaOome, Some(GcOverheadLimit), 2, Some("main"))],
    );
}

#[test]
fn jdk17_native_thread_ulimit_v() {
    let log = expect(
        "jdk17-native-thread-ulimit-v.log",
        true,
        &[(JavaOome, Some(UnableToCreateNativeThread), 4, Some("main"))],
    );
    assert_eq!(detail(&log, 0), NATIVE_THREAD);
}

#[test]
fn jdk17_heap_dump_on_oome() {
    // The VM's notice (line 2) and the thread's uncaught trace (line 5) are
    // one throw.
    let log = expect(
        "jdk17-heap-dump-on-oome.log",
        true,
        &[(JavaOome, HEAP, 2, Some("main"))],
    );
    assert_eq!(
        log.heap_dumps,
        vec![HeapDump {
            path: "/tmp/dumps/java_pid.hprof".into(),
            bytes: Some(9_483_440),
            line: 3,
            signal_line: Some(2),
        }]
    );
}

#[test]
fn jdk17_exit_on_oome() {
    let log = expect("jdk17-exit-on-oome.log", true, &[(JavaOome, HEAP, 2, None)]);
    assert_eq!(log.lines, 2);
}

#[test]
fn jdk17_java_tool_options_exit_on_oome() {
    expect(
        "jdk17-java-tool-options-exit-on-oome.log",
        true,
        &[(JavaOome, HEAP, 3, None)],
    );
}

#[test]
fn jdk17_healthy_no_signal() {
    // `Picked up JAVA_TOOL_OPTIONS` shows a JVM that never ran out of memory.
    let log = expect("jdk17-healthy-no-signal.log", true, &[]);
    assert!(log.hs_err.is_none());
    assert!(log.heap_dumps.is_empty());
    assert_eq!(log.lines, 3);
}

#[test]
fn jdk17_crash_on_oome_cgroup512m() {
    // stdout of -XX:+CrashOnOutOfMemoryError: the OOME, then the banner.
    let log = expect(
        "jdk17-crash-on-oome-cgroup512m.log",
        true,
        &[(JavaOome, HEAP, 2, None), (JvmFatalError, HEAP, 4, None)],
    );
    assert_eq!(
        detail(&log, 1),
        "fatal error: OutOfMemory encountered: Java heap space"
    );
    let h = hs(&log);
    assert_eq!(h.line, 4);
    assert_eq!(h.pid, Some(858));
    assert_eq!(
        h.jre_version.as_deref(),
        Some("OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)")
    );
    assert_eq!(h.reason.as_deref(), Some("Internal Error (debug.cpp:362)"));
    assert_eq!(
        h.error_site.as_deref(),
        Some("Internal Error (debug.cpp:362)")
    );
    assert_eq!(
        h.message.as_deref(),
        Some("fatal error: OutOfMemory encountered: Java heap space")
    );
    assert_eq!(
        h.report_path.as_deref(),
        Some("/tmp/dumps/hs_err_pid858.log")
    );
    assert!(!h.full_report);
    assert_eq!(h.jvm_args, None);
}

#[test]
fn jdk17_crash_on_oome_cgroup512m_hs_err_pid858() {
    // The hs_err file itself, written in a 512 MiB memory cgroup.
    let log = expect(
        "jdk17-crash-on-oome-cgroup512m-hs_err_pid858.log",
        true,
        &[(JvmFatalError, HEAP, 2, None)],
    );
    let h = hs(&log);
    assert_eq!(h.line, 2);
    assert_eq!(h.pid, Some(858));
    assert_eq!(h.reason.as_deref(), Some("Internal Error (debug.cpp:362)"));
    assert_eq!(
        h.jvm_args.as_deref(),
        Some("-Xmx16m -XX:+CrashOnOutOfMemoryError -XX:-CreateCoredumpOnCrash -XX:ErrorFile=/tmp/dumps/hs_err_pid%p.log")
    );
    assert_eq!(h.java_command.as_deref(), Some("HeapOom"));
    // `memory_limit_in_bytes: 524288 k`
    assert_eq!(h.memory_limit_bytes, Some(512 << 20));
    assert!(!h.memory_limit_unlimited);
    assert!(h.full_report);
    assert_eq!(h.report_path, None);
    assert_eq!(log.lines, 828);
}

#[test]
fn jdk17_native_mmap_ulimit_v() {
    let log = expect(
        "jdk17-native-mmap-ulimit-v.log",
        true,
        &[(JvmFatalError, None, 2, None)],
    );
    let h = hs(&log);
    assert_eq!(
        h.reason.as_deref(),
        Some("Native memory allocation (mmap) failed to map 67108864 bytes. Error detail: Failed to reserve memory for metaspace")
    );
    // No `pid=` in the stdout banner: from the report's file name.
    assert_eq!(h.pid, Some(848));
    assert_eq!(
        h.report_path.as_deref(),
        Some("/tmp/dumps/hs_err_pid848.log")
    );
}

#[test]
fn jdk17_native_mmap_ulimit_v_hs_err_pid848() {
    let log = expect(
        "jdk17-native-mmap-ulimit-v-hs_err_pid848.log",
        true,
        &[(JvmFatalError, None, 2, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Native memory allocation (mmap) failed to map 67108864 bytes. Error detail: Failed to reserve memory for metaspace"
    );
    let h = hs(&log);
    assert_eq!(h.pid, Some(848));
    assert_eq!(
        h.error_site.as_deref(),
        Some("Out of Memory Error (virtualSpaceNode.cpp:249)")
    );
    // Crashed during start-up: no JRE name yet.
    assert_eq!(h.jre_version.as_deref(), Some("(17.0.15+6) (build )"));
    assert_eq!(
        h.jvm_args.as_deref(),
        Some("-Xmx64m -XX:-CreateCoredumpOnCrash -XX:ErrorFile=/tmp/dumps/hs_err_pid%p.log")
    );
    assert_eq!(h.java_command.as_deref(), Some("ThreadOom"));
    assert_eq!(h.memory_limit_bytes, None);
    assert!(h.memory_limit_unlimited);
    assert!(h.full_report);
}

#[test]
fn python3_11_memoryerror_ulimit_v() {
    // One logged with `log.exception`, one uncaught.
    let log = expect(
        "python3.11-memoryerror-ulimit-v.log",
        false,
        &[
            (PythonMemoryError, None, 9, None),
            (PythonMemoryError, None, 17, None),
        ],
    );
    assert_eq!(detail(&log, 0), "");
}

#[test]
fn python3_11_healthy_no_signal() {
    // A logger named `MemoryErrorHandler` is not a MemoryError.
    let log = expect("python3.11-healthy-no-signal.log", false, &[]);
    assert_eq!(log.lines, 2);
}

#[test]
fn node20_heap_limit() {
    let log = expect(
        "node20-heap-limit.log",
        false,
        &[(NodeHeapOom, None, 10, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Reached heap limit Allocation failed - JavaScript heap out of memory"
    );
}

// ---- public samples

#[test]
fn pub_direct_cannot_reserve_hertzbeat_logback() {
    // Line 1 repeats the message without `java.lang.`: not a signal.
    let log = expect(
        "pub-direct-cannot-reserve-hertzbeat-logback.log",
        true,
        &[(JavaOome, Some(DirectBufferMemory), 2, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Cannot reserve 4194304 bytes of direct buffer memory (allocated: 2055249937, limit: 2058354688)"
    );
}

#[test]
fn pub_direct_cannot_reserve_velocity_spaces() {
    expect(
        "pub-direct-cannot-reserve-velocity-spaces.log",
        true,
        &[(JavaOome, Some(DirectBufferMemory), 2, None)],
    );
}

#[test]
fn pub_direct_suppressed_aqa_timestamps() {
    let log = expect(
        "pub-direct-suppressed-aqa-timestamps.log",
        true,
        &[(JavaOome, Some(DirectBufferMemory), 11, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Cannot reserve 1048576 bytes of direct buffer memory (allocated: 134217728, limit: 134217728)"
    );
}

#[test]
fn pub_direct_buffer_openj9_noindent() {
    let log = expect(
        "pub-direct-buffer-openj9-noindent.log",
        true,
        &[(JavaOome, Some(DirectBufferMemory), 1, None)],
    );
    assert_eq!(detail(&log, 0), "Direct buffer memory");
}

#[test]
fn pub_gc_overhead_liferay_named_thread() {
    expect(
        "pub-gc-overhead-liferay-named-thread.log",
        true,
        &[(
            JavaOome,
            Some(GcOverheadLimit),
            1,
            Some("http-bio-8080-exec-4"),
        )],
    );
}

#[test]
fn pub_gc_overhead_vireo_uncaught_handler() {
    // Interleaved output of many dying threads: every printed error counts.
    let gc = Some(GcOverheadLimit);
    let log = expect(
        "pub-gc-overhead-vireo-uncaught-handler.log",
        true,
        &[
            (JavaOome, Some(Other), 2, Some("http-nio-8180-AsyncTimeout")),
            (JavaOome, Some(Other), 4, Some("http-nio-8080-exec-18")),
            (JavaOome, gc, 5, Some("http-nio-8080-exec-4")),
            (JavaOome, gc, 6, None),
            (JavaOome, gc, 7, None),
            (JavaOome, gc, 10, None),
            (JavaOome, gc, 14, None),
        ],
    );
    assert_eq!(detail(&log, 0), "thrown from the UncaughtExceptionHandler");
}

#[test]
fn pub_gc_overhead_uyuni_journal_truncated() {
    // journalctl cut the thread names: they are not guessed.
    let other = Some(Other);
    expect(
        "pub-gc-overhead-uyuni-journal-truncated.log",
        true,
        &[
            (JavaOome, other, 3, None),
            (JavaOome, other, 5, None),
            (JavaOome, other, 8, None),
        ],
    );
}

#[test]
fn pub_gc_overhead_bbb_logback() {
    let gc = Some(GcOverheadLimit);
    expect(
        "pub-gc-overhead-bbb-logback.log",
        true,
        &[
            (JavaOome, gc, 2, None),
            (JavaOome, gc, 5, None),
            (JavaOome, gc, 12, None),
            (JavaOome, gc, 15, None),
            (JavaOome, gc, 18, None),
            (JavaOome, HEAP, 21, None),
        ],
    );
}

#[test]
fn pub_gc_overhead_spring_nested() {
    let log = expect(
        "pub-gc-overhead-spring-nested.log",
        true,
        &[(JavaOome, Some(GcOverheadLimit), 4, None)],
    );
    assert_eq!(detail(&log, 0), "GC overhead limit exceeded");
}

#[test]
fn pub_gc_overhead_caused_by_unifiedviews() {
    // The excerpt starts mid-trace: the cause is the first time it is seen.
    expect(
        "pub-gc-overhead-caused-by-unifiedviews.log",
        true,
        &[(JavaOome, Some(GcOverheadLimit), 11, None)],
    );
}

#[test]
fn pub_compressed_class_caused_by_seatunnel() {
    expect(
        "pub-compressed-class-caused-by-seatunnel.log",
        true,
        &[(JavaOome, Some(CompressedClassSpace), 7, None)],
    );
}

#[test]
fn pub_metaspace_cf_onoutofmemoryerror() {
    // `-XX:OnOutOfMemoryError` prints `# java.lang.OutOfMemoryError:
    // Metaspace`; that is no fatal banner.
    let log = expect(
        "pub-metaspace-cf-onoutofmemoryerror.log",
        true,
        &[(JavaOome, Some(Metaspace), 5, None)],
    );
    assert!(log.hs_err.is_none());
}

#[test]
fn pub_array_size_heapdump_wrapped_robovm() {
    // Notice, heap dump, the wrapper that carries the same message, and its
    // `Caused by:`: one throw.
    let log = expect(
        "pub-array-size-heapdump-wrapped-robovm.log",
        true,
        &[(JavaOome, Some(RequestedArraySize), 2, None)],
    );
    assert_eq!(
        log.heap_dumps,
        vec![HeapDump {
            path: "java_pid59980.hprof".into(),
            bytes: Some(1_921_732_536),
            line: 3,
            signal_line: Some(2),
        }]
    );
}

#[test]
fn pub_array_size_completion_caused_by_fakeload() {
    expect(
        "pub-array-size-completion-caused-by-fakeload.log",
        true,
        &[(JavaOome, Some(RequestedArraySize), 1, None)],
    );
}

#[test]
fn pub_array_size_main_japsa() {
    expect(
        "pub-array-size-main-japsa.log",
        true,
        &[(JavaOome, Some(RequestedArraySize), 1, Some("main"))],
    );
}

#[test]
fn pub_heap_space_heapdump_logstash_stdout() {
    let log = expect(
        "pub-heap-space-heapdump-logstash-stdout.log",
        true,
        &[(JavaOome, HEAP, 1, None)],
    );
    assert_eq!(log.heap_dumps.len(), 1);
    assert_eq!(log.heap_dumps[0].path, "/opt/logstash/heapdump.hprof");
    assert_eq!(log.heap_dumps[0].bytes, Some(1_756_253_658));
}

#[test]
fn pub_heap_space_heapdump_jruby_axway() {
    // A JRuby warning line separates the dump from the thread's trace, so
    // the two are not folded: documented limitation.
    let log = expect(
        "pub-heap-space-heapdump-jruby-axway.log",
        true,
        &[(JavaOome, HEAP, 1, None), (JavaOome, HEAP, 5, None)],
    );
    assert_eq!(log.heap_dumps[0].signal_line, Some(1));
}

#[test]
fn pub_heap_space_orientdb_sever() {
    expect(
        "pub-heap-space-orientdb-sever.log",
        true,
        &[(JavaOome, HEAP, 2, None), (JavaOome, HEAP, 4, None)],
    );
}

#[test]
fn pub_native_thread_new_pterodactyl_prefixed() {
    let log = expect(
        "pub-native-thread-new-pterodactyl-prefixed.log",
        true,
        &[(
            JavaOome,
            Some(UnableToCreateNativeThread),
            1,
            Some("luckperms-hikari connection closer"),
        )],
    );
    assert_eq!(detail(&log, 0), "unable to create new native thread");
}

#[test]
fn pub_native_thread_cling_java10() {
    let log = expect(
        "pub-native-thread-cling-java10.log",
        true,
        &[(
            JavaOome,
            Some(UnableToCreateNativeThread),
            1,
            Some("cling-2"),
        )],
    );
    assert_eq!(detail(&log, 0), NATIVE_THREAD);
}

#[test]
fn pub_native_thread_graalvm_geoip() {
    expect(
        "pub-native-thread-graalvm-geoip.log",
        true,
        &[(JavaOome, Some(UnableToCreateNativeThread), 2, None)],
    );
}

#[test]
fn pub_native_thread_new_docker_resourceexhaustion() {
    expect(
        "pub-native-thread-new-docker-resourceexhaustion.log",
        true,
        &[(JavaOome, Some(UnableToCreateNativeThread), 3, Some("main"))],
    );
}

#[test]
fn pub_banner_mmap_jdk8_wlib() {
    let log = expect(
        "pub-banner-mmap-jdk8-wlib.log",
        true,
        &[(JvmFatalError, None, 2, None)],
    );
    let h = hs(&log);
    assert_eq!(
        h.reason.as_deref(),
        Some("Native memory allocation (mmap) failed to map 288358400 bytes for committing reserved memory.")
    );
    assert_eq!(h.pid, None);
}

#[test]
fn pub_banner_gc_thread_pinpoint_docker() {
    let log = expect(
        "pub-banner-gc-thread-pinpoint-docker.log",
        true,
        &[(JvmFatalError, None, 7, None)],
    );
    let h = hs(&log);
    assert_eq!(
        h.reason.as_deref(),
        Some("Cannot create worker GC thread. Out of system resources.")
    );
    assert_eq!(
        h.report_path.as_deref(),
        Some("/opt/flink/hs_err_pid147.log")
    );
    assert_eq!(h.pid, Some(147));
}

#[test]
fn pub_hs_err_dump_to_screen_bitnami_zookeeper_header_partial() {
    // The short banner, `Can not save log file, dump to screen..`, then the
    // full report's own banner: one fatal error.
    let log = expect(
        "pub-hs_err-dump-to-screen-bitnami-zookeeper-header-partial.log",
        true,
        &[(JvmFatalError, None, 7, None)],
    );
    assert_eq!(
        hs(&log).reason.as_deref(),
        Some("Cannot create worker GC thread. Out of system resources.")
    );
}

#[test]
fn pub_hs_err_dump_to_screen_bitnami_zookeeper_container_partial() {
    // The container section of the same report, without its banner.
    let log = expect(
        "pub-hs_err-dump-to-screen-bitnami-zookeeper-container-partial.log",
        true,
        &[],
    );
    let h = hs(&log);
    assert_eq!(h.line, 15);
    // `memory_limit_in_bytes: 8388608 k`
    assert_eq!(h.memory_limit_bytes, Some(8 << 30));
    assert_eq!(h.reason, None);
}

#[test]
fn pub_hs_err_workermanager_gem5_partial() {
    let log = expect(
        "pub-hs_err-workermanager-gem5-partial.log",
        true,
        &[(JvmFatalError, None, 3, None)],
    );
    let h = hs(&log);
    assert_eq!(
        h.reason.as_deref(),
        Some("Cannot create worker GC thread. Out of system resources.")
    );
    assert_eq!(
        h.error_site.as_deref(),
        Some("Out of Memory Error (workerManager.hpp:70)")
    );
    assert_eq!(h.pid, Some(100));
    assert_eq!(h.jre_version.as_deref(), Some("(11.0.22+7) (build )"));
    assert!(h.full_report);
}

#[test]
fn pub_fatal_sigsegv_kubectl_blank_lines_kata() {
    // Blank lines between the banner's lines do not end it.
    let log = expect(
        "pub-fatal-sigsegv-kubectl-blank-lines-kata.log",
        true,
        &[(JvmFatalError, None, 5, None)],
    );
    let h = hs(&log);
    assert_eq!(
        h.reason.as_deref(),
        Some("SIGSEGV (0xb) at pc=0x00007f02f22b5a37")
    );
    assert_eq!(h.pid, Some(1));
    assert_eq!(
        h.jre_version.as_deref(),
        Some("Java(TM) SE Runtime Environment (8.0_151-b12) (build 1.8.0_151-b12)")
    );
}

#[test]
fn pub_fatal_sigsegv_temurin_stdout() {
    let log = expect(
        "pub-fatal-sigsegv-temurin-stdout.log",
        true,
        &[(JvmFatalError, None, 2, None)],
    );
    let h = hs(&log);
    assert_eq!(h.pid, Some(13060));
    assert_eq!(
        h.report_path.as_deref(),
        Some("/usr/local/tomcat9/bin/hs_err_pid13060.log")
    );
    assert_eq!(
        h.jre_version.as_deref(),
        Some("OpenJDK Runtime Environment (13.0.1+9) (build 13.0.1+9)")
    );
}

#[test]
fn pub_node_reached_heap_limit_mdn_local() {
    expect(
        "pub-node-reached-heap-limit-mdn-local.log",
        false,
        &[(NodeHeapOom, None, 3, None)],
    );
}

#[test]
fn pub_node_ineffective_mark_compacts_vtex_windows() {
    let log = expect(
        "pub-node-ineffective-mark-compacts-vtex-windows.log",
        false,
        &[(NodeHeapOom, None, 1, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory"
    );
}

#[test]
fn pub_node_call_and_retry_last_node_du() {
    let log = expect(
        "pub-node-call-and-retry-last-node-du.log",
        false,
        &[(NodeHeapOom, None, 15, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory"
    );
}

#[test]
fn pub_python_memoryerror_docker_compose() {
    let log = expect(
        "pub-python-memoryerror-docker-compose.log",
        false,
        &[(PythonMemoryError, None, 14, None)],
    );
    assert_eq!(detail(&log, 0), "");
}

#[test]
fn pub_python_arraymemoryerror_keypointfusion() {
    let log = expect(
        "pub-python-arraymemoryerror-keypointfusion.log",
        false,
        &[(PythonMemoryError, None, 3, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "Unable to allocate 58.0 GiB for an array with shape (176351, 176460) and data type uint16"
    );
}

#[test]
fn pub_python_numpy_memoryerror_mmhuman3d() {
    expect(
        "pub-python-numpy-memoryerror-mmhuman3d.log",
        false,
        &[(PythonMemoryError, None, 1, None)],
    );
}

#[test]
fn pub_go_cannot_allocate_apk_medit() {
    // `runtime: out of memory: cannot allocate` and the `fatal error: out of
    // memory` under it: one death.
    let log = expect(
        "pub-go-cannot-allocate-apk-medit.log",
        false,
        &[(GoOutOfMemory, None, 2, None)],
    );
    assert_eq!(
        detail(&log, 0),
        "runtime: out of memory: cannot allocate 513668022272-byte block (200802304 in use)"
    );
}

#[test]
fn pub_go_cannot_allocate_twice_nuclei() {
    expect(
        "pub-go-cannot-allocate-twice-nuclei.log",
        false,
        &[
            (GoOutOfMemory, None, 11, None),
            (GoOutOfMemory, None, 13, None),
        ],
    );
}

#[test]
fn pub_go_runtime_oom_oci_hook_escaped_ib_gateway() {
    // Inside a triple-escaped OCI runtime error message.
    let log = expect(
        "pub-go-runtime-oom-oci-hook-escaped-ib-gateway.log",
        false,
        &[(GoOutOfMemory, None, 1, None)],
    );
    assert_eq!(detail(&log, 0), "runtime: out of memory");
}

#[test]
fn pub_none_zero_typo_hertzbeat() {
    // `java.lang.0utofMemoryError` (a zero) as the reporter typed it.
    expect("pub-none-zero-typo-hertzbeat.log", true, &[]);
}

#[test]
fn pub_none_xlog_exceptions_dacapo() {
    // `-Xlog:exceptions` logs the throw once per frame it unwinds, in the
    // JVM's internal spelling: not counted.
    expect("pub-none-xlog-exceptions-dacapo.log", true, &[]);
}

/// Every fixture is checked by a test above named after it.
#[test]
fn every_fixture_has_a_test() {
    let me = include_str!("applog_fixtures.rs");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(dir()).expect("fixture dir") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "log") {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let test = name
                .trim_end_matches(".log")
                .replace(['-', '.'], "_")
                .to_lowercase();
            if !me.contains(&format!("fn {test}()")) {
                missing.push(name.to_string());
            }
        }
    }
    assert!(missing.is_empty(), "fixtures without a test: {missing:?}");
}
