//! The `oomlens` command line: wires commands to the evidence, analysis and
//! report crates. Logic that a part should own lives in that part.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

mod cmd;

/// Why was the container OOMKilled, and what should change?
///
/// oomlens reads the evidence people otherwise stitch together by hand (the
/// node's kernel log, `kubectl describe`, pod objects, container logs, JVM
/// output) and tells which container was killed, by whom, how often, what
/// filled its memory and what to do, citing the file and line of every fact.
#[derive(Parser)]
#[command(
    name = "oomlens",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Examples:
  oomlens diagnose examples/seed-incident   why the seed incident's pod died
  oomlens kernel /var/log/messages          OOM kills in a node's syslog
  oomlens classes classes.log               a generated-class leak, and its library
  oomlens heap app.hprof                    what fills a heap dump, and who holds the classes
  oomlens budget --limit 3Gi -- -Xmx2g      where a JVM's memory goes against its limit
  oomlens scan --prometheus http://prom:9090   a fleet ranked by OOM risk
  oomlens jcmd 4242 VM.native_memory summary   a JVM's diagnostic command, no JDK needed
  oomlens collect mypod -n shop -o incident/   one pod's evidence from the cluster
  kubectl oomlens mypod -n shop             collect and diagnose in one go (kubectl plugin)
  journalctl -k -o json | oomlens kernel -  the same from journald
  oomlens kernel                            this machine's kernel log
  oomlens completions bash > /etc/bash_completion.d/oomlens

Exit status: 0 when the command found what it looks for (an OOM kill, a leak, a heap that
cannot fit, a container at risk, samples: see each command's --help), 1 when not, 2 on error.")]
struct Cli {
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose an OOM kill from all the evidence: the main job.
    ///
    /// Give it files or folders: whatever you copied from kubectl (describe
    /// output, pod and event objects as JSON or YAML), the node (kernel log,
    /// /var/log/messages, journalctl -k, `oomlens sample` output), the app
    /// (kubectl logs -p, hs_err files), the JVM (class-loading and GC logs,
    /// jcmd outputs, NMT summaries, HPROF heap dumps) and monitoring (Prometheus text or API
    /// JSON, Grafana CSV). Every file is recognised by its content, joined into
    /// one incident per container, and judged: which container was killed,
    /// by whom, how often, what filled its memory, the likely causes ranked
    /// with their evidence, what to do, and what to collect next. A
    /// `.tar.gz` bundle (from `oomlens collect` or `--save`) is read as is.
    ///
    /// With no path it diagnoses this node now, without the API (as root,
    /// or in a pod with the host's /sys/fs/cgroup, /var/log and /proc):
    /// every container's memory cgroup (usage, limit, memory.stat, failcnt
    /// or memory.events, memory.oom_control, memory.pressure), named from
    /// the kubelet's pod log folders, with the previous container's log
    /// after a restart; the JVMs in them through attach (NMT, Metaspace,
    /// class histogram, flags) and their hsperfdata counters; the kernel's
    /// log. It says which containers are near their limit now and why, and
    /// which were killed and why.
    #[command(after_help = "Examples:
  oomlens diagnose examples/seed-incident
  oomlens diagnose describe.txt messages previous.log
  kubectl get pod mypod -o json > pod.json; oomlens diagnose pod.json node-messages.log
  oomlens diagnose --format markdown incident/ > ticket.md
  oomlens diagnose bundle.tar.gz
  oomlens diagnose kern.log VM.flags.txt before.hprof after.hprof
  sudo oomlens diagnose                       # this node, now
  sudo oomlens diagnose --save node-bundle/   # and keep what was read

Exit status: 0 when an OOM kill was found, 1 when none was, 2 on error.")]
    Diagnose(DiagnoseArgs),
    /// List the kernel's OOM-killer reports in kernel logs.
    ///
    /// Reads any kernel log framing (dmesg, dmesg -T, syslog, RFC 3339
    /// syslog, journalctl short/iso/precise/json, /dev/kmsg records,
    /// rsyslog #012 escapes), mixed with any other traffic, from every
    /// kernel generation (3.10 to 6.x, cgroup v1 and v2, memcg and global
    /// OOMs). Each kill names its pod UID and container from the cgroup path.
    /// Folders are read recursively, `.gz` files decompressed, `-` is stdin.
    /// With no file, reads this machine's kernel log (/dev/kmsg or dmesg).
    #[command(after_help = "Examples:
  oomlens kernel /var/log/messages --year 2023 --tz Asia/Shanghai
  oomlens kernel --format json node-logs/ | jq '.reports[].victim'
  oomlens kernel dmesg.txt --boot-time 2023-12-01T08:00:00Z

Times: syslog stamps have no year (taken from the file's modification time
unless --year) and often no zone (UTC unless --tz); dmesg stamps count from
boot (placed only with --boot-time, or this machine's boot time when reading
the live log). Every report says how its time was derived.")]
    Kernel(KernelArgs),
    /// Class families in class-loading logs, and the generated-class leak.
    ///
    /// Reads JDK 8 `-XX:+TraceClassLoading` / `-verbose:class` output
    /// (`[Loaded X from Y]`, `[Unloading class X]`) and JDK 9+
    /// `-Xlog:class+load,class+unload` with any decorators, mixed into other
    /// output or alone, rotated or gzipped. Generated classes are grouped into
    /// families (`...Orika_*_Mapper*`, `*$$EnhancerByCGLIB$$*`, `jdk.proxy*.$Proxy*`,
    /// Groovy `Script*`, ...) and the library behind each is named. A family
    /// that keeps loading with nothing unloaded is a leak; a start-up burst
    /// that stops is not.
    #[command(after_help = "Examples:
  oomlens classes classes.log
  oomlens classes --format json gc-and-classes/ | jq '.reports[].verdict'

To get a class log: -Xlog:class+load,class+unload:file=/tmp/classes.log:uptime,level,tags
(JDK 9+) or -XX:+TraceClassLoading -XX:+TraceClassUnloading (JDK 8).
Exit status: 0 when a leaking family was found, 1 when none was, 2 on error.")]
    Classes(ClassesArgs),
    /// What a heap dump holds: what fills the heap, and who holds the classes.
    ///
    /// Reads an HPROF heap dump (`jcmd PID GC.heap_dump`, `jmap`,
    /// `-XX:+HeapDumpOnOutOfMemoryError`; JAVA PROFILE 1.0.1 to 1.0.3, 4- or
    /// 8-byte ids, segmented, `.hprof.gz`) in one pass: the class histogram
    /// in the JVM's own shallow bytes (compressed oops, compressed class
    /// pointers and object alignment detected from the dump, so the numbers
    /// equal `GC.class_histogram`'s), arrays by element type, the classes
    /// each class loader defined, loaders by type, generated-class families
    /// and the library behind each, duplicate classes, direct byte buffers
    /// and the native memory they own, threads by name pattern with their
    /// stacks, and duplicated strings. Two dumps of one JVM: what grew
    /// between them (classes, loaders, families, instances, bytes). A dump cut short
    /// by a kill or a full disk gives what came before the cut, marked
    /// partial, with the byte offset where it stopped.
    #[command(after_help = "Examples:
  oomlens heap app.hprof
  oomlens heap --top 50 app.hprof.gz
  oomlens heap before.hprof after.hprof     what grew between two dumps of one JVM
  oomlens heap --format json app.hprof | jq '.dumps[0].class_loaders.families[:5]'

To get a dump: jcmd PID GC.heap_dump /tmp/app.hprof (or oomlens jcmd PID GC.heap_dump FILE).
Exit status: 0 when the whole dump was read, 1 when it was cut short (the part before the
cut is reported), 2 on error (not a heap dump, unreadable).")]
    Heap(HeapArgs),
    /// A JVM's memory regions against its container limit, and flags that fit.
    ///
    /// Models what HotSpot chooses in a container (collector, max heap from
    /// -Xmx or MaxRAMPercentage, Metaspace, class space, code cache, thread
    /// stacks, direct memory), lays every region out against the limit,
    /// names the unbounded ones, and recommends flags: heap = limit -
    /// (Metaspace + code cache + stacks x threads + direct + headroom).
    /// Flags come after `--`, or from files: `jcmd VM.flags` /
    /// `VM.command_line`, `java -XX:+PrintFlagsFinal`, a pod (its limit,
    /// command, args and JAVA_TOOL_OPTIONS), NMT summaries (threads, classes,
    /// what each region holds).
    #[command(after_help = "Examples:
  oomlens budget --limit 3Gi -- -XX:MaxMetaspaceSize=256m -XX:MaxRAMPercentage=50
  oomlens budget --limit 512Mi --threads 400 --jdk 11 -- -Xmx400m
  oomlens budget pod.json nmt-summary.txt

Exit status: 0 when the JVM does not fit (the heap as sized, the non-heap regions, or the bounded regions summed: OVER), 1 when it fits, 2 on error.")]
    Budget(BudgetArgs),
    /// Sample this node's container memory cgroups over time, as OpenMetrics.
    ///
    /// Reads cgroup v1 (memory.usage_in_bytes, memory.stat, memory.failcnt,
    /// memory.limit_in_bytes, memory.oom_control) or v2 (memory.current, memory.stat,
    /// memory.events, memory.max) of every container cgroup, or of the one
    /// given, every --every for --for, and writes the readings with cAdvisor's
    /// metric names (working set, rss, cache, failcnt, limit, OOM events).
    /// For each JVM in a cgroup it also reads the JVM's performance counters
    /// (the hsperfdata file jstat reads; no attach, no pause) and writes its
    /// heap, Metaspace, class and thread counts with Micrometer's names.
    /// Containers with no process left are not sampled, after one last
    /// reading of their counters (failcnt, OOM events: whether the kernel
    /// killed them); with --cgroup, the sampling ends then. Ctrl-C or SIGTERM
    /// ends the sampling early and writes what was sampled. `oomlens
    /// diagnose` reads the file; so does `promtool tsdb create-blocks-from
    /// openmetrics`.
    #[command(after_help = "Examples:
  oomlens sample --for 10m --every 15s -o node-memory.om
  oomlens sample --cgroup /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice --for 1h
  oomlens diagnose node-memory.om describe.txt

Exit status: 0 when samples were written, 1 when there was nothing to sample, 2 on error.")]
    Sample(SampleArgs),
    /// The node agent: every OOM kill as it happens, the JVM's view before it,
    /// a diagnosis after it.
    ///
    /// Follows the kernel log (/dev/kmsg, resumed after a restart from the
    /// cursor in the spool, neither repeating nor missing a report) and every
    /// container cgroup's OOM-kill counter (memory.oom_control or
    /// memory.events oom_kill, so a kill is seen when the kernel rate-limits
    /// its reports). Samples every container's memory each --interval; when a
    /// container's working set reaches --threshold of its limit (or its
    /// failcnt / memory.events max rises within 10 points of it) and a JVM
    /// runs in it, captures the JVM's view through attach (NMT summary when on,
    /// VM.metaspace, VM.classloader_stats, GC.heap_info, GC.class_histogram,
    /// VM.flags, VM.class_hierarchy: every loaded class, up to 16 MiB), and again at --capture-again;
    /// at --histogram-at, below the threshold, the class histogram alone (again every --histogram-every
    /// while there, the wait doubling). The class histogram and NMT
    /// summary files start with the time they were taken (a line of their own), so the histograms of
    /// one JVM are a timed series (the classes that grow name a heap leak). After a kill, runs `oomlens
    /// diagnose` over the kill's spool entry (the kernel's report, the samples
    /// before it, the captures) and prints the verdict. One JSON line per
    /// event (oomlens/watch-event/v1) on stdout and in the spool's
    /// events.jsonl; Prometheus metrics on --listen. SIGINT or SIGTERM stops it.
    #[command(after_help = "Examples:
  oomlens watch --listen 127.0.0.1:9842 --spool /var/lib/oomlens/spool
  oomlens watch --once | jq 'select(.event == \"kill\")'
  oomlens spool ls; oomlens spool show <entry>; oomlens spool export <entry> -o kill.tar.gz

Exit status: 0 when it stopped on a signal (--once: when a kill was seen), 1 (--once) when none was, 2 on error.")]
    Watch(WatchArgs),
    /// What `oomlens watch` kept on this node: list, show or export its entries.
    #[command(subcommand)]
    Spool(SpoolCommand),
    /// Rank every container of a fleet by OOM risk, from Prometheus.
    ///
    /// Asks a Prometheus-compatible server (Prometheus, Thanos, Mimir,
    /// VictoriaMetrics) at most 18 instant queries, each aggregated by
    /// (namespace, pod, container), whatever the fleet's size:
    /// cAdvisor's working set (now, its floor and its peaks over the window),
    /// usage, limits, failcnt and OOM events, and kube-state-metrics'
    /// limits, restarts and OOMKilled termination reasons. Each container
    /// gets OOM kills, growth (Theil-Sen on the working set's floor, split at
    /// restarts), the time until its peaks reach its limit and a risk
    /// score (containers that stopped reporting last): kills first, then time
    /// to the limit, then working set over limit, then failcnt.
    #[command(after_help = "Examples:
  oomlens scan --prometheus http://prometheus:9090
  oomlens scan --prometheus https://mimir/prometheus --header 'X-Scope-OrgID: prod' --window 3d
  oomlens scan --prometheus http://vm:8428 --namespace shop --top 10
  oomlens scan --prometheus http://prometheus:9090 --selector 'cluster=\"eu-1\"' -f json
  oomlens scan --prometheus http://prometheus:9090 --at 2024-03-01T12:00:00Z   as it was then

Credentials: --bearer-token-file or OOMLENS_PROMETHEUS_TOKEN, or basic auth from
OOMLENS_PROMETHEUS_USER and OOMLENS_PROMETHEUS_PASSWORD (or user:password@ in the URL).
Exit status: 0 when a container is at risk (OOM-killed in the window, or reaching its limit
within one more window), 1 when none is, 2 on error (server unreachable, bad query).")]
    Scan(ScanArgs),
    /// Run a diagnostic command in a running JVM, as the JDK's jcmd does, without a JDK.
    ///
    /// Speaks HotSpot's attach protocol itself: finds the JVM's pid in its
    /// own pid namespace and its /tmp through /proc/PID/root (a JVM in a
    /// container is attached to from the node), starts its attach listener
    /// (the .attach_pid file, SIGQUIT), connects as the JVM's user, and sends
    /// the command. The output is what jcmd prints, byte for byte: the
    /// `PID:` line, then the JVM's output. Any command the JVM knows works
    /// (`help` lists them); PerfCounter.print reads the counter file, as
    /// jcmd does. A process that is not a JVM, has no SIGQUIT handler yet,
    /// or runs with -XX:+DisableAttachMechanism is refused without being
    /// signalled. Run as root or as the JVM's user.
    ///
    /// With --all, runs what oomlens reads (VM.version, VM.command_line,
    /// VM.flags, VM.native_memory summary, VM.metaspace,
    /// VM.classloader_stats, GC.heap_info, GC.class_histogram, which forces a
    /// full collection, VM.class_hierarchy, every loaded class, cut at 16 MiB)
    /// into a folder, one file per command,
    /// with a copy of the JVM's performance counters, for `oomlens diagnose`;
    /// `-o -` writes the same files as a tar to stdout (what a debug
    /// container started by `oomlens collect --debug-image` does).
    #[command(after_help = "Examples:
  oomlens jcmd 4242 VM.version
  oomlens jcmd 4242 VM.native_memory summary
  oomlens jcmd 4242 GC.heap_dump /tmp/heap.hprof   (the path is the JVM's: inside its container)
  oomlens jcmd 4242 help
  oomlens jcmd --all 4242 -o jvm-4242 && oomlens diagnose jvm-4242
  oomlens jcmd --all 1 -o - > jvm.tar

Exit status (jcmd's): 0 when the command ran, 1 when the JVM reports it failed (its message
on stderr); 2 when the JVM cannot be attached to (not a JVM, attach disabled, no answer
within --timeout, permission).")]
    Jcmd(JcmdArgs),
    /// Gather one pod's evidence (or a namespace's, a selector's, every pod
    /// OOM-killed lately) from the cluster into a bundle `diagnose` reads.
    ///
    /// Through the Kubernetes API (your kubeconfig, or the service account
    /// in a cluster): the Pod, its Events (core and events.k8s.io), its
    /// owners (ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, with their
    /// memory limits), current and previous container logs, the node's
    /// kernel log (kubelet /logs/ through the API's node proxy) and cAdvisor
    /// series, and with --prometheus the container's memory series over
    /// --window. Lists are paged; nothing a list returns is asked per pod.
    /// Secrets (env values named like passwords, tokens, keys; URL
    /// credentials; Authorization headers) are redacted before anything is
    /// written. A refused call (403) names the RBAC verb and resource it
    /// needs and the rest goes on; manifest.json says what came from where
    /// and what failed. RBAC: deploy/rbac/collect.yaml.
    ///
    /// For a container that looks like a JVM: `jcmd -l` and then each
    /// command of `oomlens jcmd --all` run inside it through the exec
    /// subresource (RBAC create pods/exec); when the image has no jcmd (or
    /// exec is refused) and --debug-image is given, an ephemeral debug
    /// container of that image targeting it runs `oomlens jcmd --all 1 -o -`
    /// and its log is read back (RBAC patch pods/ephemeralcontainers); else
    /// the commands to run are printed.
    #[command(after_help = "Examples:
  oomlens collect orders-api-7d9f8b6c5-x2x4q -n shop -o incident/
  oomlens diagnose incident/
  oomlens collect -n shop -l app=orders-api -o orders.tar.gz
  oomlens collect --all-namespaces --oom-killed-since 6h -o last-6h/
  oomlens collect mypod --context prod --as oncall --as-group sre --prometheus http://prometheus:9090 -o x/

  oomlens collect mypod --debug-image registry.example.com/oomlens:0.1 -o x/

JVM evidence: jcmd through exec when the image has it; else with --debug-image an
ephemeral container (it stays in the pod's spec, ended: ephemeral containers cannot be
removed); else the manifest and stderr give the `kubectl exec ... jcmd` and `kubectl
debug` commands to run. --no-exec only prints them.
A .tar.gz holds one folder: `tar xzf x.tar.gz && oomlens diagnose x/`.
Exit status: 0 when a pod was collected, 1 when none matched, 2 on error.")]
    Collect(CollectArgs),
    /// Collect one pod's evidence and diagnose it in one go, or list the
    /// containers OOM-killed lately with their verdicts: what `kubectl
    /// oomlens` runs.
    ///
    /// The binary is also a kubectl plugin: installed (or linked) as
    /// `kubectl-oomlens` on the PATH, `kubectl oomlens ...` runs this
    /// command with kubectl's conventions. With a pod, it collects as
    /// `oomlens collect` does (same client, kubeconfig, RBAC, redaction,
    /// jcmd through exec) into a temporary bundle (or --bundle), diagnoses
    /// it, and prints the text report (-o json or yaml: the Diagnosis).
    /// Without one, it lists every container of the namespace (-n, -l, or
    /// -A) OOM-killed within --since, from the pods' statuses and events,
    /// with the node's kernel log and the pods' logs read for the verdict
    /// (no exec), as a table: NAMESPACE POD CONTAINER KILLS LAST VERDICT
    /// (-o wide adds NODE LIMIT RESTARTS CAUSE).
    #[command(after_help = KUBECTL_HELP)]
    Kubectl(KubectlArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (oomlens.1, one per command, kubectl-oomlens.1).
    #[command(hide = true)]
    Man {
        /// The folder to write them in.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
}

/// The examples and conventions of `oomlens kubectl` and `kubectl oomlens`.
const KUBECTL_HELP: &str = "Examples:
  kubectl oomlens orders-api-7d9f8b6c5-x2x4q -n shop
  kubectl oomlens orders-api-7d9f8b6c5-x2x4q -n shop -c orders-api -o yaml
  kubectl oomlens mypod --bundle incident.tar.gz     and keep the evidence
  kubectl oomlens --all-namespaces --since 24h
  kubectl oomlens -n shop -l app=orders-api --since 7d -o wide
  oomlens kubectl mypod --context prod               the same without kubectl

kubectl's global flags --context, --kubeconfig, --namespace, --request-timeout, --as and
--as-group go after `oomlens`; $KUBECONFIG is honoured. Man page: kubectl-oomlens(1).
Exit status: 0 when an OOM kill was found (listing: a container was listed), 1 when
none was, 2 on error.";

/// Why was the container OOMKilled? One pod's evidence collected and
/// diagnosed, or the containers OOM-killed lately listed with their verdicts.
///
/// kubectl runs this as a plugin (`kubectl-oomlens` on the PATH: the
/// oomlens binary under that name, a copy or a symlink); it is `oomlens
/// kubectl` with kubectl's conventions. With a pod, it collects as `oomlens
/// collect` does (the Pod, its events, owners, logs, the node's kernel log
/// and cAdvisor series, jcmd through exec in JVM containers; secrets
/// redacted) into a temporary bundle (or --bundle) and prints the diagnosis.
/// Without one, it lists every container of the namespace (-n, -l, or -A)
/// OOM-killed within --since, from the pods' statuses and events, each with
/// its one-line verdict.
#[derive(Parser)]
#[command(
    name = "kubectl-oomlens",
    bin_name = "kubectl oomlens",
    display_name = "kubectl-oomlens",
    version,
    max_term_width = 100
)]
#[command(after_help = KUBECTL_HELP)]
struct Plugin {
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    args: KubectlArgs,
}

#[derive(Args)]
struct JcmdArgs {
    /// The JVM's process id, as this machine sees it (for a JVM in a
    /// container, its pid on the node).
    pid: u32,
    /// The diagnostic command and its arguments, as for jcmd.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required_unless_present = "all"
    )]
    command: Vec<String>,
    /// Run every command oomlens reads, each into a file of a folder.
    #[arg(long, conflicts_with = "command")]
    all: bool,
    /// The folder for --all (default: oomlens-jcmd-PID); `-` writes the
    /// files as a tar to stdout.
    #[arg(long, short = 'o', requires = "all", value_name = "DIR|-")]
    output: Option<PathBuf>,
    /// How long to wait for the JVM to open its attach socket.
    #[arg(long, default_value = "10s")]
    timeout: String,
    /// Reach the socket by entering the JVM's mount namespace (as
    /// `nsenter -m`) rather than through /proc/PID/root.
    #[arg(long)]
    enter_mount_ns: bool,
}

#[derive(Args)]
struct SampleArgs {
    /// One cgroup (a path as the kernel prints it, below the memory root);
    /// default: every container cgroup.
    #[arg(long)]
    cgroup: Option<PathBuf>,
    /// How long to sample: 30s, 10m, 2h.
    #[arg(long = "for", default_value = "10m")]
    r#for: String,
    /// How often.
    #[arg(long, default_value = "15s")]
    every: String,
    /// Where to write (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Do not read the performance counters (hsperfdata) of JVMs in the
    /// cgroups.
    #[arg(long)]
    no_jvm: bool,
}

#[derive(Args)]
struct WatchArgs {
    /// Time between sampling passes: 1s, 500ms.
    #[arg(long, default_value = "1s")]
    interval: String,
    /// Working set / limit at which a JVM is captured: 90% or 0.9.
    #[arg(long, default_value = "90%")]
    threshold: String,
    /// The second level, where it is captured again.
    #[arg(long, default_value = "95%")]
    capture_again: String,
    /// The early level, below --threshold, where the JVM's class histogram
    /// alone is taken (one full collection, no other command; `off`: none).
    /// With the histograms of the capture levels it makes a timed series,
    /// from which a kill's diagnosis names the classes that grow (a heap
    /// leak).
    #[arg(long, value_name = "LEVEL", default_value = "80%")]
    histogram_at: String,
    /// While the container stays at or above --histogram-at, the histogram
    /// alone again after this long, the wait doubling after each one (at
    /// most 8 until the ratio falls 20 points below the level; `off`: once).
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    histogram_every: String,
    /// Do not attach to JVMs (no captures).
    #[arg(long)]
    no_capture: bool,
    /// Also dump a JVM's heap into its capture at this level: 95% or 0.95
    /// (off unless given). Refused, and said so in the capture event, when
    /// the spool's filesystem lacks the committed heap plus a margin or
    /// the dump would pass the spool's size limit.
    #[arg(long, value_name = "LEVEL")]
    heap_dump_at: Option<String>,
    /// This node's name, in the Pod Events and the spooled kernel log (else
    /// $NODE_NAME, which the DaemonSet sets from the downward API, else the
    /// host name).
    #[arg(long, value_name = "NAME")]
    node_name: Option<String>,
    /// Post each diagnosis as a Kubernetes Event on its Pod through this
    /// kubeconfig (in a pod, the service account is used without it, when
    /// KUBERNETES_SERVICE_HOST is set).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<std::path::PathBuf>,
    /// Post no Kubernetes Events.
    #[arg(long)]
    no_events: bool,
    #[command(flatten)]
    spool: SpoolArgs,
    /// The spool's size limit (oldest entries dropped first): 256Mi, 1Gi.
    #[arg(long, default_value = "256Mi")]
    spool_max_bytes: String,
    /// The spool's entry limit (kills and captures).
    #[arg(long, default_value_t = 200)]
    spool_max_entries: usize,
    /// Serve Prometheus metrics on this address at /metrics (port 0: any).
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// One pass: sample every container, read the kernel log (from the
    /// cursor, else all of it), print, exit.
    #[arg(long)]
    once: bool,
    /// With no cursor of this boot, read the kernel log from its oldest
    /// record instead of only what comes next.
    #[arg(long)]
    from_oldest: bool,
    /// How long a kill seen in a counter waits for the kernel's report.
    #[arg(long, default_value = "2s")]
    grace: String,
    /// The kubelet's pod log folders, which name each container's
    /// namespace, pod and container.
    #[arg(long, value_name = "DIR", default_value = "/var/log/pods")]
    pod_logs: PathBuf,
}

#[derive(Args)]
struct SpoolArgs {
    /// The spool folder.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/oomlens/spool")]
    spool: PathBuf,
}

#[derive(Subcommand)]
enum SpoolCommand {
    /// List the entries, oldest first: kills and the captures not yet followed by one.
    Ls {
        #[command(flatten)]
        spool: SpoolArgs,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show one entry: its event, its verdict and its files.
    Show {
        /// The entry's name, KEY/NAME, or a unique prefix of its name.
        entry: String,
        #[command(flatten)]
        spool: SpoolArgs,
    },
    /// Copy one entry to a folder or a .tar.gz that `oomlens diagnose` reads.
    Export {
        /// The entry's name, KEY/NAME, or a unique prefix of its name.
        entry: String,
        #[command(flatten)]
        spool: SpoolArgs,
        /// Where: a folder, or a path ending in .tar.gz.
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
}

#[derive(Args)]
struct ScanArgs {
    /// The server's API base URL: http://prometheus:9090, https://mimir/prometheus,
    /// http://vmselect:8481/select/0/prometheus.
    #[arg(long, value_name = "URL")]
    prometheus: String,
    /// Only this namespace.
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Label matchers added to every series selector: 'label="v",other=~"re.*"'.
    #[arg(long)]
    selector: Option<String>,
    /// How far back to look: 7d, 36h, 90m (at least 1h).
    #[arg(long, default_value = "7d")]
    window: String,
    /// Evaluate at this time instead of now: RFC 3339 or Unix seconds.
    #[arg(long)]
    at: Option<String>,
    /// How many containers to list (default: 30 in text, all in JSON).
    #[arg(long)]
    top: Option<usize>,
    /// A file holding a bearer token (else $OOMLENS_PROMETHEUS_TOKEN).
    #[arg(long, value_name = "FILE")]
    bearer_token_file: Option<PathBuf>,
    /// PEM file of the CA(s) to trust for https, instead of the usual web roots.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// An extra request header, 'Name: value' (repeatable), e.g. 'X-Scope-OrgID: prod'.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Deadline of each try of each query (at most 3 tries on 429, 5xx and timeouts).
    #[arg(long, default_value = "2m")]
    timeout: String,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(Args)]
struct CollectArgs {
    /// The pod (else every pod of the namespace, or of -l, or -A).
    pod: Option<String>,
    /// Where to write: a new or empty folder, or a file ending in .tar.gz.
    #[arg(long, short = 'o', value_name = "DIR|FILE.tar.gz")]
    output: PathBuf,
    /// The namespace (default: the context's).
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// A label selector: app=orders-api,tier!=cache.
    #[arg(long, short = 'l')]
    selector: Option<String>,
    /// Every namespace.
    #[arg(long, short = 'A')]
    all_namespaces: bool,
    /// Only pods with a container OOM-killed within this long (from the
    /// pods' statuses, and for a list from their events): 6h, 2d.
    #[arg(long, value_name = "DURATION")]
    oom_killed_since: Option<String>,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    gather: GatherArgs,
}

/// How to reach the cluster, as kubectl's global flags say it (`collect`
/// and `kubectl`).
#[derive(Args, Clone)]
struct ClusterArgs {
    /// A kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// A kubeconfig context.
    #[arg(long)]
    context: Option<String>,
    /// Impersonate this user, as kubectl --as.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
    /// Impersonate this group, as kubectl --as-group (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    as_groups: Vec<String>,
    /// How long to wait for each API request (connecting, and each read or
    /// write) before giving up: 1s, 2m, 3h; 0 keeps the client's defaults.
    #[arg(long, value_name = "DURATION", default_value = "0")]
    request_timeout: String,
}

/// What `collect` gathers of each pod, and how much (`collect` and `kubectl`).
#[derive(Args, Clone)]
struct GatherArgs {
    /// Lines of each log, from its end (default: all, up to --limit-bytes).
    #[arg(long)]
    tail: Option<u64>,
    /// Bytes of each log at most.
    #[arg(long, default_value = "10Mi")]
    limit_bytes: String,
    /// Bytes of each node's kernel log at most (its end).
    #[arg(long, default_value = "32Mi")]
    node_log_bytes: String,
    /// Items per list page (limit/continue).
    #[arg(long, default_value_t = 500)]
    chunk_size: u32,
    /// A Prometheus-compatible API for the containers' memory series.
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// How far back the Prometheus series go: 7d, 36h (at least 1h).
    #[arg(long, default_value = "1d")]
    window: String,
    /// Do not run jcmd in JVM containers through the exec subresource
    /// (RBAC create pods/exec); only print the commands that would.
    #[arg(long)]
    no_exec: bool,
    /// The bound of each jcmd run through exec.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    exec_timeout: String,
    /// When a JVM container has no jcmd (or exec is refused): run this
    /// image (one with oomlens on its PATH) as an ephemeral debug container
    /// targeting it, `oomlens jcmd --all 1 -o -`, and read its log (RBAC
    /// patch pods/ephemeralcontainers). The container stays in the pod's
    /// spec, ended.
    #[arg(long, value_name = "IMAGE")]
    debug_image: Option<String>,
    /// How long to wait for the debug container to end.
    #[arg(long, default_value = "2m", value_name = "DURATION")]
    debug_timeout: String,
}

/// `kubectl oomlens`: one pod collected and diagnosed, or the containers
/// OOM-killed lately listed with their verdicts.
#[derive(Args)]
struct KubectlArgs {
    /// The pod to collect and diagnose (else: list the containers
    /// OOM-killed within --since in the namespace, -l or -A).
    pod: Option<String>,
    /// The namespace (default: the context's).
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Every namespace (listing).
    #[arg(long, short = 'A')]
    all_namespaces: bool,
    /// A label selector (listing): app=orders-api,tier!=cache.
    #[arg(long, short = 'l')]
    selector: Option<String>,
    /// With a pod: report only this container (default: every container
    /// of the pod).
    #[arg(long, short = 'c')]
    container: Option<String>,
    /// Listing: how far back an OOM kill counts: 24h, 7d, 90m.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    since: String,
    /// Output format: json or yaml (the Diagnosis, `oomlens/diagnosis/v1`),
    /// wide (the listing's table with more columns); default: the text
    /// report, or the listing's table.
    #[arg(long, short = 'o', value_enum)]
    output: Option<KubectlOutput>,
    /// Keep the evidence in this bundle (a new or empty folder, or a
    /// .tar.gz) instead of a temporary folder removed at the end.
    #[arg(long, value_name = "DIR|FILE.tar.gz")]
    bundle: Option<PathBuf>,
    /// With a pod: also write the report as one self-contained HTML page
    /// (charts, the causes' commands with copy buttons) to this file.
    #[arg(long, value_name = "FILE", requires = "pod")]
    html: Option<PathBuf>,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    gather: GatherArgs,
}

/// `kubectl oomlens -o`, as kubectl spells its output formats.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KubectlOutput {
    Json,
    Yaml,
    Wide,
}

#[derive(Args)]
struct BudgetArgs {
    /// Files with flags, NMT output or a pod.
    files: Vec<PathBuf>,
    /// The container's memory limit: 3Gi, 512Mi, 3G or bytes.
    #[arg(long)]
    limit: Option<String>,
    /// Threads (default: NMT's count, else 250).
    #[arg(long)]
    threads: Option<u64>,
    /// Loaded classes, to size Metaspace (default: NMT's count, else 20000).
    #[arg(long)]
    classes: Option<u64>,
    /// CPUs the JVM sees (default: the pod's CPU limit, else this machine's).
    #[arg(long)]
    cpus: Option<u32>,
    /// JDK feature release (default: from the files, else 17).
    #[arg(long)]
    jdk: Option<u32>,
    /// Which container of a pod (default: the first).
    #[arg(long)]
    container: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
    /// Java flags, after `--`.
    #[arg(last = true)]
    java: Vec<String>,
}

#[derive(Args)]
struct ClassesArgs {
    /// Class-loading logs, folders of them, or `-` for stdin.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How many families to list.
    #[arg(long, default_value_t = 20)]
    top: usize,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(Args)]
struct HeapArgs {
    /// The heap dump (`.hprof`, or `.hprof.gz`); a second dump of the same
    /// JVM to see what grew.
    #[arg(required = true, num_args = 1..=2, value_name = "DUMP")]
    dumps: Vec<PathBuf>,
    /// How many rows each table lists.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Also compute retained sizes over the dominator tree, as Eclipse MAT
    /// does: the biggest objects, classes and class loaders by what they
    /// alone keep alive, and the leak suspects with their accumulation
    /// points and paths from GC roots (in the same read of the dump). A
    /// dump of more than 4,294,967,294 objects gets every other section and
    /// a note that retained sizes were not computed.
    #[arg(long)]
    retained: bool,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(Args)]
struct DiagnoseArgs {
    /// Evidence files, folders and `.tar.gz` bundles, or `-` for stdin.
    /// None: this node, now.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    node: NodeArgs,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    time: TimeArgs,
}

/// How `diagnose` with no path reads the node.
#[derive(Args, Clone)]
struct NodeArgs {
    /// With no path: write what was read on the node as a bundle (a folder,
    /// or a `.tar.gz`) that `oomlens diagnose BUNDLE` reads to the same
    /// verdict.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// With no path: the memory cgroups to read (default: the memory
    /// controller's root, /sys/fs/cgroup/memory on v1, /sys/fs/cgroup on v2).
    #[arg(long, value_name = "DIR")]
    cgroup_root: Option<PathBuf>,
    /// With no path: the kubelet's pod log folders
    /// (`<namespace>_<pod>_<uid>/<container>/N.log`); its `containers`
    /// sibling holds the links that tie container names to ids.
    #[arg(long, value_name = "DIR", default_value = "/var/log/pods")]
    pod_logs: PathBuf,
    /// With no path: a container whose working set is at least this share
    /// of its limit is near it (percent).
    #[arg(long, value_name = "PERCENT", default_value_t = 90.0)]
    near: f64,
    /// With no path: do not attach to the JVMs (their performance counters
    /// are still read); attaching runs GC.class_histogram, a full collection.
    #[arg(long)]
    no_attach: bool,
    /// With no path: how long to wait for each JVM to answer.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    attach_timeout: String,
}

#[derive(Args)]
struct KernelArgs {
    /// Kernel logs, folders of them, or `-` for stdin.
    files: Vec<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    time: TimeArgs,
}

#[derive(Args)]
struct OutputArgs {
    /// Output format (also `-o json`, as kubectl spells it). Default: text,
    /// whatever standard output is.
    #[arg(long, short = 'f', short_alias = 'o', value_enum)]
    format: Option<Format>,
}

#[derive(Args, Clone)]
struct TimeArgs {
    /// Year of syslog stamps, which carry none (1 to 9999).
    #[arg(long, value_parser = clap::value_parser!(i16).range(1..=9999))]
    year: Option<i16>,
    /// Zone of stamps that carry none: UTC, +08:00, or an IANA name.
    #[arg(long)]
    tz: Option<String>,
    /// When the machine booted, to place dmesg stamps (RFC 3339 or Unix seconds).
    #[arg(long)]
    boot_time: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// Markdown, for an incident ticket (diagnose and heap).
    Markdown,
    /// One self-contained HTML page to share or print (diagnose and scan
    /// with charts, heap as tables).
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl OutputArgs {
    fn format(&self) -> Format {
        self.format.unwrap_or(Format::Text)
    }
}

fn style(choice: ColorChoice) -> oomlens_report::Style {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    if on {
        oomlens_report::Style::Color
    } else {
        oomlens_report::Style::Plain
    }
}

/// Whether `e` is, or was caused by, a write to a closed pipe.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether the binary was started by the name kubectl gives plugins
/// (`kubectl-oomlens`, through a copy or a symlink; `.exe` on Windows).
fn invoked_as_plugin() -> bool {
    std::env::args_os()
        .next()
        .and_then(|a| {
            let name = std::path::Path::new(&a).file_name()?.to_str()?.to_string();
            Some(name.strip_suffix(".exe").unwrap_or(&name) == "kubectl-oomlens")
        })
        .unwrap_or(false)
}

fn main() -> ExitCode {
    let (command, color) = if invoked_as_plugin() {
        let p = Plugin::parse();
        (Command::Kubectl(p.args), p.color)
    } else {
        let cli = Cli::parse();
        (cli.command, cli.color)
    };
    let style = style(color);
    let result = match command {
        Command::Diagnose(args) => cmd::diagnose::run(args, style),
        Command::Classes(args) => cmd::classes::run(args, style),
        Command::Heap(args) => cmd::heap::run(args, style),
        Command::Budget(args) => cmd::budget::run(args, style),
        Command::Sample(args) => cmd::sample::run(args),
        Command::Watch(args) => cmd::watch::run(args),
        Command::Spool(c) => cmd::watch::spool(c),
        Command::Kernel(args) => cmd::kernel::run(args, style),
        Command::Scan(args) => cmd::scan::run(args, style),
        Command::Jcmd(args) => cmd::jcmd::run(args),
        Command::Collect(args) => cmd::collect::run(args),
        Command::Kubectl(args) => cmd::kubectl::run(args, style),
        Command::Man { dir } => cmd::man::write(&dir, Cli::command(), Plugin::command()),
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "oomlens", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .map(|()| cmd::Outcome::Found)
                .map_err(Into::into)
        }
    };
    match result {
        Ok(cmd::Outcome::Found) => ExitCode::SUCCESS,
        Ok(cmd::Outcome::NotFound) => ExitCode::from(1),
        // The reader went away (`| head`): nothing is wrong, as for rg or
        // git, so no message and no error status.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oomlens: {e:#}");
            ExitCode::from(2)
        }
    }
}
