//! Every fact `tests/fixtures/kernel/EXPECTED.md` lists, checked against the
//! parser, one test per fixture file (named after the file).
//!
//! Some facts of a fixture have a test of their own, named
//! `<fixture>_<what>`, for the harder cases (quoted, hypervisor-framed or
//! headless excerpts).
//!
//! Facts EXPECTED.md lists that `OomReport` has no field for
//! (`mems_allowed=`, `nodemask`, Mem-Info's `Free swap` / `Total swap` /
//! `pages RAM` lines, the noise around a report) are noted in comments, not
//! asserted. Two kinds of damage are not repaired, and EXPECTED.md says so
//! where it applies: lines wrapped by a mail client (a task table whose rows
//! are split over two lines) and a task row that comes before every other
//! line of its report (the log is streamed, not searched backwards).

use std::path::PathBuf;

use oomlens_evidence::cgroup::CgroupLevel;
use oomlens_evidence::kernel::{self, Counter, Kind, OomReport, TaskRow, Victim};
use oomlens_evidence::time::TimeContext;
use oomlens_evidence::Warnings;

/// The kernel's "no limit" (`PAGE_COUNTER_MAX` in kB on 64-bit).
const UNLIMITED: u64 = 9_007_199_254_740_988;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/kernel")
        .join(name)
}

fn parse_with(name: &str, ctx: &TimeContext) -> (Vec<OomReport>, Warnings) {
    let path = fixture_path(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    kernel::parse(name, &bytes, ctx)
}

/// Parses a fixture with the default time context.
fn parse(name: &str) -> (Vec<OomReport>, Warnings) {
    parse_with(name, &TimeContext::default())
}

/// Parses a fixture that must yield exactly `n` reports.
fn parse_n(name: &str, n: usize) -> (Vec<OomReport>, Warnings) {
    let (r, w) = parse(name);
    assert_eq!(
        r.len(),
        n,
        "{name}: report count\nreports: {r:#?}\nwarnings: {w:?}"
    );
    (r, w)
}

/// `(usage_kb, limit_kb, failcnt)` of a counter that must be present.
fn counter(c: Option<Counter>, what: &str) -> (u64, u64, u64) {
    let c = c.unwrap_or_else(|| panic!("no `{what}` counter"));
    (
        c.usage_kb.expect("usage"),
        c.limit_kb.expect("limit"),
        c.failcnt.expect("failcnt"),
    )
}

/// `(total_vm, anon_rss, file_rss, shmem_rss)` in kB, as printed.
fn sizes(v: &Victim) -> [Option<u64>; 4] {
    [v.total_vm_kb, v.anon_rss_kb, v.file_rss_kb, v.shmem_rss_kb]
}

fn victim(r: &OomReport) -> &Victim {
    r.victim
        .as_ref()
        .unwrap_or_else(|| panic!("no victim in report at {:?}", r.lines))
}

fn row(r: &OomReport, pid: u64) -> &TaskRow {
    r.tasks
        .iter()
        .find(|t| t.pid == pid)
        .unwrap_or_else(|| panic!("no task row for pid {pid}: {:#?}", r.tasks))
}

fn kb(v: u64) -> u64 {
    v * 1024
}

/// Asserts the trigger: comm, pid, gfp_mask, order, oom_score_adj.
fn assert_trigger(r: &OomReport, comm: &str, pid: Option<u64>, gfp: &str, order: i64, adj: i64) {
    let t = r.trigger.as_ref().expect("trigger");
    assert_eq!(t.comm.as_deref(), Some(comm), "trigger comm");
    assert_eq!(t.pid, pid, "trigger pid");
    assert_eq!(t.gfp_mask.as_deref(), Some(gfp), "trigger gfp_mask");
    assert_eq!(t.order, Some(order), "trigger order");
    assert_eq!(t.oom_score_adj, Some(adj), "trigger oom_score_adj");
}

/// Asserts a whole container identity.
fn assert_container(
    r: &OomReport,
    runtime: Option<&str>,
    id: &str,
    pod: Option<&str>,
    qos: Option<&str>,
    driver: Option<&str>,
) {
    let c = r.container.as_ref().expect("container identity");
    assert_eq!(c.runtime.as_deref(), runtime, "runtime");
    assert_eq!(c.container_id.as_deref(), Some(id), "container_id");
    assert_eq!(c.pod_uid.as_deref(), pod, "pod_uid");
    assert_eq!(c.qos.as_deref(), qos, "qos");
    assert_eq!(c.cgroup_driver.as_deref(), driver, "cgroup_driver");
}

fn assert_reaped(r: &OomReport, pid: u64, comm: &str, now: [u64; 3]) {
    let p = r.reaped.as_ref().expect("oom_reaper line");
    assert_eq!((p.pid, p.comm.as_str()), (pid, comm));
    assert_eq!(
        [p.anon_rss_kb, p.file_rss_kb, p.shmem_rss_kb],
        now.map(Some),
        "reaper anon/file/shmem"
    );
}

fn messages(w: &Warnings) -> Vec<String> {
    w.items().iter().map(|w| w.message.clone()).collect()
}

// ---------------------------------------------------------------------------

const K48_DOCKER_ID: &str = "66ece93b397d49363ee39316bf5cc85c87f341cd0eee3950988cb1ff5d0c1717";

#[test]
fn k4_8_memcg_docker_kmsg() {
    let (r, w) = parse_n("k4.8-memcg-docker-kmsg.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_trigger(r, "sh", Some(7220), "0x24000c0(GFP_KERNEL)", 0, 0);
    assert_eq!(r.trigger.as_ref().unwrap().line, 9);
    assert_eq!(r.kernel_release.as_deref(), Some("4.8.0-gentoo"));
    // cpuset=66ece93b... (no field for it).
    let path = format!("/docker/{K48_DOCKER_ID}");
    assert_eq!(r.task_memcg.as_deref(), Some(path.as_str()));
    assert_eq!(r.oom_memcg.as_deref(), Some(path.as_str()));
    assert_eq!(r.limit_level, Some(CgroupLevel::Container));
    assert_eq!(counter(r.memory, "memory"), (10240, 10240, 1432));
    assert_eq!(r.memory.unwrap().line, 30);
    assert_eq!(counter(r.memory_swap, "memory+swap"), (20356, 20480, 2));
    assert_eq!(counter(r.kmem, "kmem"), (112, UNLIMITED, 0));
    assert_eq!(r.swap, None);
    assert_eq!(r.memcg_stats.len(), 1);
    let s = &r.memcg_stats[0];
    assert_eq!(s.cgroup, path);
    assert_eq!(s.line, 33);
    assert_eq!(s.stats["cache"], kb(24));
    assert_eq!(s.stats["rss"], kb(10104));
    assert_eq!(s.stats["swap"], kb(10116));
    assert_eq!(r.task_stats().map(|s| s.line), Some(33));
    assert_eq!(r.tasks.len(), 1);
    let t = row(r, 7220);
    assert_eq!(t.name, "sh");
    assert_eq!(t.uid, Some(0));
    assert_eq!(t.tgid, Some(7220));
    assert_eq!(t.total_vm_pages, Some(9413));
    assert_eq!(t.rss_pages, Some(2429));
    assert_eq!(t.nr_ptes, Some(16));
    assert_eq!(t.other.get("nr_pmds"), Some(&3));
    assert_eq!(t.swapents_pages, Some(2641));
    assert_eq!(t.oom_score_adj, Some(0));
    assert_eq!(t.pgtables_bytes, None);
    let sel = r.selected.as_ref().expect("selected");
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score),
        (7220, "sh", Some(993))
    );
    assert_eq!(sel.line, 36);
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str(), v.line), (7220, "sh", 37));
    assert_eq!(sizes(v), [Some(37652), Some(9448), Some(268), Some(0)]);
    assert_eq!((v.uid, v.pgtables_kb, v.oom_score_adj), (None, None, None));
    assert_eq!(r.reaped, None);
    // No `oom-kill:` line.
    assert_eq!(r.constraint, None);
    let c = r.container.as_ref().expect("container");
    assert_eq!(c.runtime.as_deref(), Some("docker"));
    assert_eq!(c.container_id.as_deref(), Some(K48_DOCKER_ID));
    assert_eq!((c.pod_uid.as_deref(), c.qos.as_deref()), (None, None));
    // 8 unrelated records before the report and 7 after.
    assert_eq!((r.lines.first, r.lines.last), (9, 37));
    assert!(!r.truncated);
    assert_eq!(r.time.basis, "uptime");
    assert_eq!(r.time.uptime_s, Some(21847.500423));
}

#[test]
fn k4_8_memcg_docker_kmsg_cgroup_driver() {
    let (r, _) = parse_n("k4.8-memcg-docker-kmsg.log", 1);
    assert_container(
        &r[0],
        Some("docker"),
        K48_DOCKER_ID,
        None,
        None,
        Some("cgroupfs"),
    );
}

#[test]
fn k4_8_global_reaper_kmsg() {
    let (r, w) = parse_n("k4.8-global-reaper-kmsg.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Global);
    assert_trigger(
        r,
        "i3bar",
        Some(6530),
        "0x24201ca(GFP_HIGHUSER_MOVABLE|__GFP_COLD)",
        0,
        0,
    );
    assert_eq!(r.kernel_release.as_deref(), Some("4.8.0-gentoo"));
    // Mem-Info's first record, with its `\x0a` escapes undone.
    assert_eq!(r.mem_info.get("active_anon"), Some(&1740512));
    assert_eq!(r.mem_info.get("inactive_anon"), Some(&219486));
    assert_eq!(r.mem_info.get("active_file"), Some(&39));
    assert_eq!(r.mem_info.get("slab_unreclaimable"), Some(&11892));
    assert_eq!(r.mem_info.get("free"), Some(&11442));
    // `Free swap = 0kB`, `Total swap = 4194300kB`, `2066251 pages RAM`:
    // OomReport has no field for them.
    assert_eq!(r.memory, None);
    assert_eq!(r.memory_swap, None);
    assert_eq!(r.kmem, None);
    assert!(r.memcg_stats.is_empty());
    assert_eq!(r.constraint, None);
    assert_eq!(
        (r.oom_memcg.as_deref(), r.task_memcg.as_deref()),
        (None, None)
    );
    assert_eq!(r.limit_level, Some(CgroupLevel::Root));
    assert_eq!(r.container, None);
    assert_eq!(r.tasks.len(), 90);
    assert!(r.tasks.iter().all(|t| t.other.contains_key("nr_pmds")));
    let t = row(r, 13935);
    assert_eq!(t.name, "gunpowder-memho");
    assert_eq!(t.total_vm_pages, Some(5248951));
    assert_eq!(t.rss_pages, Some(1929165));
    assert_eq!(t.swapents_pages, Some(821800));
    assert_eq!(t.nr_ptes, Some(5386));
    let sel = r.selected.as_ref().expect("selected");
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score),
        (13935, "gunpowder-memho", Some(900))
    );
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (13935, "gunpowder-memho"));
    assert_eq!(sizes(v), [Some(20995804), Some(7716656), Some(4), Some(0)]);
    assert_reaped(r, 13935, "gunpowder-memho", [0, 0, 0]);
    // The three `mce_notify_irq: 2 callbacks suppressed` are not the OOM
    // killer's.
    assert!(
        r.callbacks_suppressed.is_empty(),
        "{:?}",
        r.callbacks_suppressed
    );
    assert_eq!((r.lines.first, r.lines.last), (91, 227));
    assert!(!r.truncated);
}

#[test]
fn k5_14_memcg_v1_containerd_syslog_elided() {
    let (r, w) = parse_n("k5.14-memcg-v1-containerd-syslog-elided.log", 1);
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.host.as_deref(), Some("**"));
    assert_trigger(r, "virt-launcher", Some(40785), "0xcc0(GFP_KERNEL)", 0, 986);
    assert_eq!(
        r.kernel_release.as_deref(),
        Some("5.14.21-150400.24.60-default")
    );
    assert_eq!(counter(r.memory, "memory"), (17024340, 17024340, 1243));
    // This line ends in trailing spaces.
    assert_eq!(
        counter(r.memory_swap, "memory+swap"),
        (17024340, UNLIMITED, 0)
    );
    assert_eq!(counter(r.kmem, "kmem"), (143556, UNLIMITED, 0));
    let pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod968a06fb_9ab9_4819_8caf_0392ddff3d9b.slice";
    let task = format!(
        "{pod}/cri-containerd-0f32894de86edf3d3832702af794874ef8d400b4969acdea4976b12040756e0d.scope"
    );
    assert_eq!(r.memcg_stats.len(), 1);
    assert_eq!(r.memcg_stats[0].cgroup, pod);
    assert!(r.memcg_stats[0].stats.is_empty(), "body elided");
    assert_eq!(r.tasks.len(), 6);
    let biggest = r.tasks.iter().max_by_key(|t| t.rss_pages).unwrap();
    assert_eq!(biggest.pid, 39079);
    assert_eq!(biggest.name, "qemu-system-x86");
    assert_eq!(biggest.uid, Some(107));
    assert_eq!(biggest.total_vm_pages, Some(4457263));
    assert_eq!(biggest.rss_pages, Some(4201766));
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    // nodemask (null), cpuset cri-containerd-0f32...scope, mems_allowed 0-1:
    // no fields for them.
    assert_eq!(r.oom_memcg.as_deref(), Some(pod));
    assert_eq!(r.task_memcg.as_deref(), Some(task.as_str()));
    assert_eq!(r.limit_level, Some(CgroupLevel::Pod));
    // No `Killed process` line: the victim comes from the `oom-kill:` line.
    let v = victim(r);
    assert_eq!(
        (v.pid, v.comm.as_str(), v.uid),
        (39079, "qemu-system-x86", Some(107))
    );
    assert_eq!(sizes(v), [None; 4]);
    assert_eq!(v.line, 18);
    assert!(r.truncated);
    assert_eq!(w.items().len(), 1, "{w:?}");
    assert!(messages(&w)[0].contains("`Killed process`"), "{w:?}");
    assert_container(
        r,
        Some("containerd"),
        "0f32894de86edf3d3832702af794874ef8d400b4969acdea4976b12040756e0d",
        Some("968a06fb-9ab9-4819-8caf-0392ddff3d9b"),
        Some("burstable"),
        Some("systemd"),
    );
    assert_eq!((r.lines.first, r.lines.last), (1, 18));
}

#[test]
fn k5_3_memcg_v1_containerd_reaper_dmesgt_elided() {
    let (r, w) = parse_n("k5.3-memcg-v1-containerd-reaper-dmesgT-elided.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_trigger(r, "CPU 11/KVM", Some(70888), "0xcc0(GFP_KERNEL)", 0, 830);
    assert_eq!(
        r.kernel_release.as_deref(),
        Some("5.3.18-150300.59.101-default")
    );
    assert_eq!(counter(r.memory, "memory"), (67579904, 67579904, 67391));
    assert_eq!(counter(r.memory_swap, "memory+swap"), (0, UNLIMITED, 0));
    assert_eq!(counter(r.kmem, "kmem"), (633636, UNLIMITED, 0));
    assert_eq!(r.tasks.len(), 6);
    assert_eq!(row(r, 70870).uid, Some(107));
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    assert_eq!(
        r.oom_memcg.as_deref(),
        Some("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podef91e487_dec5_4613_800b_eb23e1a1617d.slice")
    );
    // `kubepods-urstable`, as posted.
    assert_eq!(
        r.task_memcg.as_deref(),
        Some("/kubepods.slice/kubepods-urstable.slice/kubepods-burstable-podef91e487_dec5_4613_800b_eb23e1a1617d.slice/cri-containerd-100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c.scope")
    );
    assert_eq!(r.limit_level, Some(CgroupLevel::Pod));
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (70870, "qemu-system-x86"));
    assert_eq!(
        sizes(v),
        [Some(73209856), Some(66852088), Some(21948), Some(4)]
    );
    assert_eq!((v.uid, v.pgtables_kb, v.oom_score_adj), (None, None, None));
    assert_eq!(v.line, 17);
    assert_reaped(r, 70870, "qemu-system-x86", [0, 132, 4]);
    assert_container(
        r,
        Some("containerd"),
        "100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c",
        Some("ef91e487-dec5-4613-800b-eb23e1a1617d"),
        Some("burstable"),
        Some("systemd"),
    );
    assert!(!r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 18));
    assert_eq!(r.time.basis, "dmesg-ctime");
    assert_eq!(r.time.raw, "[Thu May  9 14:52:38 2024]");
}

#[test]
fn k5_10_global_reaper_dmesg() {
    let (r, w) = parse_n("k5.10-global-reaper-dmesg.log", 2);
    // Only the first kill (a tail) is incomplete.
    assert_eq!(w.items().len(), 1, "{w:?}");
    assert_eq!(w.items()[0].line, Some(1));

    let tail = &r[0];
    assert_eq!(tail.kind, Kind::Global);
    assert!(tail.truncated);
    assert_eq!(tail.trigger, None);
    let v = victim(tail);
    assert_eq!((v.pid, v.comm.as_str()), (5515, "a.out"));
    assert_eq!(
        sizes(v),
        [Some(22022692), Some(10875852), Some(1336), Some(0)]
    );
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(41296), Some(0))
    );
    assert_reaped(tail, 5515, "a.out", [0, 0, 0]);
    assert_eq!((tail.lines.first, tail.lines.last), (1, 2));

    let r = &r[1];
    assert_eq!(r.kind, Kind::Global);
    assert_trigger(
        r,
        "a.out",
        Some(5532),
        "0x100cca(GFP_HIGHUSER_MOVABLE)",
        0,
        0,
    );
    assert_eq!(
        r.kernel_release.as_deref(),
        Some("5.10.0-60.18.0.50.oe2203.x86_64")
    );
    // Mem-Info, with the 5 continuation lines indented 16 spaces.
    assert_eq!(r.mem_info.get("inactive_anon"), Some(&2820935));
    assert_eq!(r.mem_info.get("active_file"), Some(&28));
    assert_eq!(r.mem_info.get("free"), Some(&40346));
    // Free swap = 0kB, Total swap = 0kB, 3145595 pages RAM: no field.
    assert_eq!(r.tasks.len(), 39);
    assert!(r.tasks.iter().all(|t| t.pgtables_bytes.is_some()));
    let t = row(r, 5532);
    assert_eq!(t.total_vm_pages, Some(2884233));
    assert_eq!(t.rss_pages, Some(2793370));
    assert_eq!(t.pgtables_bytes, Some(22437888));
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_NONE"));
    assert_eq!(r.oom_memcg, None);
    assert_eq!(
        r.task_memcg.as_deref(),
        Some("/user.slice/user-0.slice/session-3.scope")
    );
    assert_eq!(r.limit_level, Some(CgroupLevel::Root));
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (5532, "a.out"));
    assert_eq!(
        sizes(v),
        [Some(11536932), Some(11172224), Some(1256), Some(0)]
    );
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(21912), Some(0))
    );
    assert_reaped(r, 5532, "a.out", [0, 0, 0]);
    assert_eq!(r.container, None);
    assert!(!r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (3, 103));
}

#[test]
fn k5_3_memcg_callerid_lkml() {
    let (r, w) = parse_n("k5.3-memcg-callerid-lkml.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_trigger(
        r,
        "leaker",
        Some(6736),
        "0x100cca(GFP_HIGHUSER_MOVABLE)",
        0,
        0,
    );
    assert_eq!(r.kernel_release.as_deref(), Some("5.3.0-rc3+"));
    assert_eq!(counter(r.memory, "memory"), (524288, 524288, 660235));
    assert_eq!(counter(r.memory_swap, "memory+swap"), (0, UNLIMITED, 0));
    assert_eq!(counter(r.kmem, "kmem"), (2196, UNLIMITED, 0));
    assert_eq!(r.memcg_stats.len(), 1);
    let s = &r.memcg_stats[0];
    assert_eq!(s.cgroup, "/leaker");
    assert_eq!(s.stats.len(), 25);
    assert_eq!(s.stats["anon"], 534147072);
    assert_eq!(s.stats["file"], 212992);
    assert_eq!(s.stats["active_anon"], 534048768);
    assert_eq!(s.stats["pgsteal"], 180103);
    assert!(r.tasks.is_empty());
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    assert_eq!(r.oom_memcg.as_deref(), Some("/leaker"));
    assert_eq!(r.task_memcg.as_deref(), Some("/leaker"));
    assert_eq!(r.limit_level, Some(CgroupLevel::Other));
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (6736, "leaker"));
    assert_eq!(sizes(v), [Some(536700), Some(521704), Some(1180), Some(0)]);
    assert_eq!((v.uid, v.pgtables_kb), (None, None));
    // Logged by caller T55, not T6736.
    assert_reaped(r, 6736, "leaker", [0, 0, 0]);
    assert_eq!(r.reaped.as_ref().unwrap().line, 69);
    assert_eq!(r.container, None);
    assert!(!r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 69));
}

#[test]
fn k6_12_memcg_v2_rss_anon_dmesg_lkml_indented() {
    let (r, w) = parse_n("k6.12-memcg-v2-rss_anon-dmesg-lkml-indented.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_trigger(r, "test_zswap", Some(177372), "0xcc0(GFP_KERNEL)", 0, 0);
    assert_eq!(r.kernel_release.as_deref(), Some("6.12.0-211.el10.ppc64le"));
    assert_eq!(
        (r.memory, r.memory_swap, r.kmem, r.swap),
        (None, None, None, None)
    );
    assert_eq!(r.tasks.len(), 1);
    let t = row(r, 177372);
    assert_eq!(t.name, "test_zswap");
    assert_eq!(t.total_vm_pages, Some(571));
    assert_eq!(t.rss_pages, Some(0));
    assert_eq!(t.rss_anon_pages, Some(0));
    assert_eq!(t.rss_file_pages, Some(0));
    assert_eq!(t.rss_shmem_pages, Some(0));
    assert_eq!(t.pgtables_bytes, Some(51200));
    assert_eq!(t.swapents_pages, Some(96));
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    assert_eq!(r.oom_memcg.as_deref(), Some("/no_zswap_test"));
    assert_eq!(r.task_memcg.as_deref(), Some("/no_zswap_test"));
    assert_eq!(r.limit_level, Some(CgroupLevel::Other));
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (177372, "test_zswap"));
    assert_eq!(sizes(v), [Some(36544), Some(0), Some(0), Some(0)]);
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(50), Some(0))
    );
    assert_eq!(r.container, None);
    assert!(!r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 26));
}

#[test]
fn k4_x_memcg_crio_nokillable_lkml_wrapped() {
    let (r, w) = parse_n("k4.x-memcg-crio-nokillable-lkml-wrapped.log", 2);
    let first = &r[0];
    assert_eq!(first.kind, Kind::Memcg);
    assert_eq!(counter(first.memory, "memory"), (21280, 204800, 49116));
    assert_eq!(first.victim, None);
    assert_eq!(first.selected, None);
    assert!(first.truncated, "starts mid-report");
    assert_eq!((first.lines.first, first.lines.last), (1, 11));
    assert!(
        messages(&w).iter().any(|m| m.contains("no killable")),
        "{w:?}"
    );
    // The second trigger.
    let next = &r[1];
    let t = next.trigger.as_ref().expect("second trigger");
    assert_eq!(t.comm.as_deref(), Some("node"));
    assert_eq!(t.gfp_mask.as_deref(), Some("0x6000c0(GFP_KERNEL)"));
    assert_eq!(t.line, 12);
    assert_eq!(next.victim, None);
    assert!(next.truncated);
    // No `oom-kill:`, `Task in` or stats line: constraint and paths are n/a.
    for x in &r {
        assert_eq!(x.constraint, None);
        assert_eq!(
            (x.oom_memcg.as_deref(), x.task_memcg.as_deref()),
            (None, None)
        );
    }
}

#[test]
fn k4_x_memcg_crio_nokillable_lkml_wrapped_container() {
    let (r, _) = parse_n("k4.x-memcg-crio-nokillable-lkml-wrapped.log", 2);
    let c = r[1].container.as_ref().expect("container from cpuset");
    assert_eq!(
        c.container_id.as_deref(),
        Some("b8ac7e23f7b520c0365461defb66738231918243586e287bfb9e206bb3a0227a")
    );
    assert_eq!(c.runtime.as_deref(), Some("cri-o"));
}

#[test]
fn k4_x_memcg_crio_nokillable_lkml_wrapped_second_kind() {
    let (r, _) = parse_n("k4.x-memcg-crio-nokillable-lkml-wrapped.log", 2);
    assert_ne!(r[1].kind, Kind::Global);
    assert_ne!(r[1].limit_level, Some(CgroupLevel::Root));
}

const K68_POD: &str = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod94eb36cd_29e1_478b_b365_4cb5dfc7d6fb.slice";
const K68_ID: &str = "46b3e0a4df44b752b841aecca454e6e78995d567912a84950390bae6f6777a63";

#[test]
fn k6_8plus_memcg_v2_containerd_oomgroup_dmesg_grep() {
    let (r, w) = parse_n("k6.8plus-memcg-v2-containerd-oomgroup-dmesg-grep.log", 1);
    assert!(w.is_empty(), "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    // The CPU line was filtered out by grep: no pid, no kernel release.
    assert_trigger(r, "Thread-2", None, "0xcc0(GFP_KERNEL)", 0, 969);
    assert_eq!(r.kernel_release, None);
    assert_eq!(counter(r.memory, "memory"), (4194304, 4194304, 1273284));
    assert_eq!(r.memory_swap, None);
    assert_eq!(r.kmem, None);
    assert_eq!(r.memcg_stats.len(), 1);
    assert_eq!(r.memcg_stats[0].cgroup, K68_POD);
    assert!(r.memcg_stats[0].stats.is_empty(), "body filtered out");
    assert!(r.tasks.is_empty());
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    let task = format!("{K68_POD}/cri-containerd-{K68_ID}.scope");
    assert_eq!(r.oom_memcg.as_deref(), Some(K68_POD));
    assert_eq!(r.task_memcg.as_deref(), Some(task.as_str()));
    assert_eq!(r.limit_level, Some(CgroupLevel::Pod));
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str(), v.line), (22609, "node", 42));
    assert_eq!(
        sizes(v),
        [Some(9923620), Some(4116684), Some(23132), Some(0)]
    );
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(10964), Some(969))
    );
    // memory.oom.group: one OOM event; the same `Killed process 22609` line
    // is printed again after the `Tasks in ... are going to be killed` line.
    assert_eq!(r.oom_group.as_deref(), Some(task.as_str()));
    assert!(
        r.oom_group_killed
            .iter()
            .all(|k| k.pid == 22609 && sizes(k) == sizes(v)),
        "{:?}",
        r.oom_group_killed
    );
    assert_container(
        r,
        Some("containerd"),
        K68_ID,
        Some("94eb36cd-29e1-478b-b365-4cb5dfc7d6fb"),
        Some("burstable"),
        Some("systemd"),
    );
    assert!(!r.truncated);
    // 31 unrelated boot lines first.
    assert_eq!((r.lines.first, r.lines.last), (32, 44));
}

#[test]
fn k4_x_memcg_crio_reaper_dmesg() {
    let (r, w) = parse_n("k4.x-memcg-crio-reaper-dmesg.log", 1);
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.trigger, None);
    let sel = r.selected.as_ref().expect("selected");
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score),
        (387941, "runc", Some(398))
    );
    // A child was sacrificed: the victim is not the selected process.
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str()), (387951, "runc:[2:INIT]"));
    assert_eq!(sizes(v), [Some(477124), Some(3000), Some(3896), Some(0)]);
    assert_reaped(r, 387951, "runc:[2:INIT]", [0, 0, 0]);
    assert_eq!(
        (r.oom_memcg.as_deref(), r.task_memcg.as_deref()),
        (None, None)
    );
    assert_eq!(r.container, None);
    assert!(r.truncated, "no header lines");
    assert_eq!(w.items().len(), 1, "{w:?}");
    assert_eq!(r.lines.last, 9);
}

#[test]
fn k4_x_memcg_crio_reaper_dmesg_rows() {
    let (r, _) = parse_n("k4.x-memcg-crio-reaper-dmesg.log", 1);
    let r = &r[0];
    assert_eq!(r.tasks.len(), 5, "{:#?}", r.tasks);
    let names: Vec<(u64, &str)> = r.tasks.iter().map(|t| (t.pid, t.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (157294, "conmon"),
            (157486, "pause"),
            (387940, "conmon"),
            (387941, "runc"),
            (387951, "runc:[2:INIT]"),
        ]
    );
    assert!(r.tasks.iter().all(|t| t.other.contains_key("nr_pmds")));
    assert_eq!(row(r, 387951).oom_score_adj, Some(-998));
    assert_eq!(r.lines.first, 1);
}

const K5X_DOCKER_ID: &str = "d1dfb06deee8498945c4fa337c6ec6d8336755e2f7be147ec3ec9190bfe224cc";

#[test]
fn k5_x_global_docker_syslog_quoted() {
    let (r, _) = parse_n("k5.x-global-docker-syslog-quoted.log", 1);
    let r = &r[0];
    assert_eq!(r.kind, Kind::Global);
    assert_eq!(r.trigger, None);
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str(), v.line), (50111, "main", 3));
    assert_eq!(sizes(v), [Some(896552), Some(197036), Some(0), Some(0)]);
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(508), Some(0))
    );
    assert_eq!(r.oom_memcg, None);
    assert!(r.truncated, "starts at the last task row");
}

#[test]
fn k5_x_global_docker_syslog_quoted_prefix() {
    let (r, _) = parse_n("k5.x-global-docker-syslog-quoted.log", 1);
    let r = &r[0];
    assert_eq!(r.host.as_deref(), Some("http-service-0"));
    assert_eq!(r.constraint.as_deref(), Some("CONSTRAINT_NONE"));
    assert_eq!(r.oom_memcg, None);
    let path = format!("/docker/{K5X_DOCKER_ID}");
    assert_eq!(r.task_memcg.as_deref(), Some(path.as_str()));
    assert_eq!(r.limit_level, Some(CgroupLevel::Root));
    assert_reaped(r, 50111, "main", [0, 0, 0]);
    let c = r.container.as_ref().expect("container");
    assert_eq!(c.runtime.as_deref(), Some("docker"));
    assert_eq!(c.container_id.as_deref(), Some(K5X_DOCKER_ID));
    assert_eq!(c.pod_uid, None);
    // The dockerd line after the report is not the kernel's.
    assert_eq!(r.lines.last, 4);
}

#[test]
fn k3_10_memcg_cgroupfs_docker_dmesgt_partial() {
    let (r, w) = parse_n("k3.10-memcg-cgroupfs-docker-dmesgT-partial.log", 2);
    assert_eq!(w.items().len(), 2, "{w:?}");

    let tail = &r[0];
    assert_eq!(tail.kind, Kind::Memcg);
    assert!(tail.truncated);
    let cg = "/kubepods/pod95387fa4-da9c-11e7-9d36-5254b24cbf5e/6895a3e13439535852d3184ac2aadd26d7363cc035f171545ec7d4ce74073b0b";
    assert_eq!(tail.memcg_stats.len(), 1);
    let s = &tail.memcg_stats[0];
    assert_eq!(s.cgroup, cg);
    assert_eq!(s.stats["cache"], kb(32));
    assert_eq!(s.stats["rss"], kb(524188));
    assert_eq!(s.stats["swap"], kb(524356));
    assert_eq!(tail.tasks.len(), 1);
    let t = row(tail, 28438);
    assert_eq!(t.name, "java");
    assert_eq!(t.total_vm_pages, Some(5063909));
    assert_eq!(t.rss_pages, Some(119961));
    assert_eq!(t.nr_ptes, Some(1661));
    assert_eq!(t.swapents_pages, Some(136409));
    assert_eq!(t.oom_score_adj, Some(-998));
    assert!(t.other.is_empty(), "no nr_pmds column: {:?}", t.other);
    let sel = tail.selected.as_ref().expect("selected");
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score),
        (24572, "java", Some(0))
    );
    let v = victim(tail);
    assert_eq!((v.pid, v.comm.as_str()), (28438, "java"));
    // 3.10 prints no shmem-rss.
    assert_eq!(sizes(v), [Some(20255636), Some(466160), Some(13684), None]);
    assert_container(
        tail,
        None,
        "6895a3e13439535852d3184ac2aadd26d7363cc035f171545ec7d4ce74073b0b",
        Some("95387fa4-da9c-11e7-9d36-5254b24cbf5e"),
        Some("guaranteed"),
        Some("cgroupfs"),
    );
    // Usage lines and `Task in` are before the excerpt.
    assert_eq!(tail.memory, None);
    assert_eq!(tail.task_memcg, None);
    assert_eq!((tail.lines.first, tail.lines.last), (1, 5));

    let next = &r[1];
    assert_trigger(next, "java", Some(14881), "0xd0", 0, -998);
    // cpuset=1e479e75... (no field for it).
    assert_eq!(
        next.kernel_release.as_deref(),
        Some("3.10.0-327.4.5.el7.x86_64")
    );
    assert_eq!(next.victim, None);
    assert!(next.truncated);
    assert_eq!(next.lines.first, 6);
}

#[test]
fn k3_10_memcg_cgroupfs_docker_dmesgt_partial_second_kind() {
    let (r, _) = parse_n("k3.10-memcg-cgroupfs-docker-dmesgT-partial.log", 2);
    assert_ne!(r[1].kind, Kind::Global);
    assert_ne!(r[1].limit_level, Some(CgroupLevel::Root));
}

#[test]
fn k3_10_memcg_systemd_docker_syslog_partial() {
    let (r, w) = parse_n("k3.10-memcg-systemd-docker-syslog-partial.log", 1);
    assert_eq!(w.items().len(), 1, "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.host.as_deref(), Some("iZbp153spuk45ulvkwxf34Z"));
    let path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0330b2c1_a15b_4cdd_b5e5_72d4a90bee82.slice/docker-b27201334a41cd0749d053b18378d7ea65617b8e26277197ea25c974da1a5a8a.scope";
    assert_eq!(r.task_memcg.as_deref(), Some(path));
    assert_eq!(r.oom_memcg.as_deref(), Some(path));
    assert_eq!(r.limit_level, Some(CgroupLevel::Container));
    assert_eq!(counter(r.memory, "memory"), (1048576, 1048576, 189));
    assert_eq!(counter(r.memory_swap, "memory+swap"), (1048576, 1048576, 0));
    assert_eq!(counter(r.kmem, "kmem"), (0, UNLIMITED, 0));
    assert_eq!(r.memcg_stats.len(), 1);
    let s = r.task_stats().expect("stats of the task's cgroup");
    assert_eq!(s.stats["cache"], kb(24));
    assert_eq!(s.stats["rss"], kb(1048552));
    assert_eq!(s.stats["active_anon"], kb(1048524));
    assert!(r.tasks.is_empty(), "header only");
    assert_eq!(r.victim, None);
    assert_eq!(r.trigger, None);
    assert_container(
        r,
        Some("docker"),
        "b27201334a41cd0749d053b18378d7ea65617b8e26277197ea25c974da1a5a8a",
        Some("0330b2c1-a15b-4cdd-b5e5-72d4a90bee82"),
        Some("burstable"),
        Some("systemd"),
    );
    assert!(r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 6));
}

#[test]
fn k3_10_memcg_systemd_docker_syslog_partial_time() {
    let (r, _) = parse_n("k3.10-memcg-systemd-docker-syslog-partial.log", 1);
    assert_eq!(r[0].time.basis, "syslog");
    assert_eq!(r[0].time.raw, "Jan  5 02:12:02");
}

#[test]
fn k6_x_memcg_v2_containerd_dmesg_partial() {
    let (r, w) = parse_n("k6.x-memcg-v2-containerd-dmesg-partial.log", 1);
    assert_eq!(w.items().len(), 1, "{w:?}");
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.memcg_stats.len(), 1);
    let s = &r.memcg_stats[0];
    assert_eq!(
        s.cgroup,
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod06d44939_d15e_491f_84a3_2dbba9fc0440.slice/cri-containerd-f6b09caae6cfa22cd45491888e0e7001c0b690f8b3c9b47e1bc20d69315e722c.scope"
    );
    assert_eq!(s.stats.len(), 29);
    for (k, v) in [
        ("anon", 257044480),
        ("file", 925696),
        ("kernel", 10436608),
        ("kernel_stack", 720896),
        ("sock", 28672),
        ("shmem", 98304),
        ("file_mapped", 0),
        ("sec_pagetables", 0),
        ("zswap", 0),
        ("workingset_refault_file", 4056),
    ] {
        assert_eq!(s.stats.get(k), Some(&v), "{k}");
    }
    assert!(r.tasks.is_empty(), "header only");
    assert_eq!(r.victim, None);
    assert_eq!(r.trigger, None);
    assert_eq!(r.memory, None);
    assert_eq!(r.task_memcg, None);
    assert_eq!(r.constraint, None);
    assert_container(
        r,
        Some("containerd"),
        "f6b09caae6cfa22cd45491888e0e7001c0b690f8b3c9b47e1bc20d69315e722c",
        Some("06d44939-d15e-491f-84a3-2dbba9fc0440"),
        Some("burstable"),
        Some("systemd"),
    );
    assert!(r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 32));
}

#[test]
fn k6_x_memcg_v2_containerd_dmesg_partial_time() {
    let (r, _) = parse_n("k6.x-memcg-v2-containerd-dmesg-partial.log", 1);
    assert_eq!(r[0].time.basis, "uptime");
    assert_eq!(r[0].time.uptime_s, Some(17780.401644));
}

#[test]
fn k4_19_memcg_cgroupfs_vmwarelog_partial() {
    let (r, _) = parse_n("k4.19-memcg-cgroupfs-vmwarelog-partial.log", 1);
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.memcg_stats.len(), 1);
    let s = &r.memcg_stats[0];
    assert_eq!(
        s.cgroup,
        "/kubepods/burstable/podfe3f7a38-b3f7-48aa-8997-a697ae3d0741/c7ebf4d756b284f6226cce820771afcf706a4e37afb77f052c61ece86d3b61f0"
    );
    assert_eq!(s.stats["rss"], kb(613460));
    assert_eq!(s.stats["rss_huge"], kb(256000));
    assert_eq!(s.stats["active_anon"], kb(614340));
    assert_eq!(r.tasks.len(), 4);
    assert!(r.tasks.iter().all(|t| t.pgtables_bytes.is_some()));
    assert_eq!(row(r, 22921).name, "pause");
    let npm = row(r, 19331);
    assert_eq!(npm.name, "npm start");
    assert_eq!(npm.uid, Some(1000));
    assert_eq!(npm.total_vm_pages, Some(226026));
    assert_eq!(npm.rss_pages, Some(29603));
    assert_eq!(row(r, 19387).name, "sh");
    let node = row(r, 19388);
    assert_eq!(node.name, "node");
    assert_eq!(node.uid, Some(1000));
    assert_eq!(node.total_vm_pages, Some(5588434));
    assert_eq!(node.rss_pages, Some(138005));
    assert_eq!(node.pgtables_bytes, Some(8069120));
    assert_eq!(node.oom_score_adj, Some(999));
    assert_eq!(r.victim, None);
    assert_eq!(r.trigger, None);
    assert_eq!(r.memory, None);
    assert_container(
        r,
        None,
        "c7ebf4d756b284f6226cce820771afcf706a4e37afb77f052c61ece86d3b61f0",
        Some("fe3f7a38-b3f7-48aa-8997-a697ae3d0741"),
        Some("burstable"),
        Some("cgroupfs"),
    );
    assert!(r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (1, 7));
}

#[test]
fn k5_4_memcg_reaper_dmesg_partial() {
    let (r, w) = parse_n("k5.4-memcg-reaper-dmesg-partial.log", 2);
    assert_eq!(w.items().len(), 2, "{w:?}");

    let tail = &r[0];
    assert_eq!(tail.kind, Kind::Memcg);
    let v = victim(tail);
    assert_eq!((v.pid, v.comm.as_str()), (63214, "uwsgi"));
    assert_eq!(
        sizes(v),
        [Some(3149468), Some(164992), Some(52176), Some(92)]
    );
    assert_eq!(
        (v.uid, v.pgtables_kb, v.oom_score_adj),
        (Some(0), Some(1372), Some(986))
    );
    assert_reaped(tail, 63214, "uwsgi", [0, 0, 92]);
    assert!(tail.truncated);
    assert_eq!((tail.lines.first, tail.lines.last), (1, 2));

    let next = &r[1];
    assert_trigger(next, "uwsgi", Some(63635), "0xcc0(GFP_KERNEL)", 0, 986);
    assert_eq!(next.kernel_release.as_deref(), Some("5.4.0-77-generic"));
    assert!(next.tasks.is_empty());
    assert_eq!(next.victim, None);
    assert!(next.truncated);
    for x in &r {
        assert_eq!(
            (x.oom_memcg.as_deref(), x.task_memcg.as_deref()),
            (None, None)
        );
    }
}

#[test]
fn k5_4_memcg_reaper_dmesg_partial_second_kind() {
    let (r, _) = parse_n("k5.4-memcg-reaper-dmesg-partial.log", 2);
    assert_eq!(r[1].kind, Kind::Memcg);
    assert_ne!(r[1].limit_level, Some(CgroupLevel::Root));
}

#[test]
fn k5_4_global_dmesgt_callbacks_suppressed_partial() {
    let (r, w) = parse_n("k5.4-global-dmesgT-callbacks-suppressed-partial.log", 1);
    assert_eq!(w.items().len(), 1, "{w:?}");
    let r = &r[0];
    // `Mem-Info:` is printed only for a global OOM.
    assert_eq!(r.kind, Kind::Global);
    assert_trigger(r, "python3", Some(3143648), "0x0()", 0, 0);
    assert_eq!(r.kernel_release.as_deref(), Some("5.4.0-29-generic"));
    assert_eq!(r.mem_info.get("active_anon"), Some(&57988));
    assert_eq!(r.mem_info.get("inactive_anon"), Some(&147));
    // ... and the 28-space continuation lines.
    assert_eq!(r.mem_info.get("inactive_file"), Some(&1353156));
    assert_eq!(r.mem_info.get("pagetables"), Some(&2081));
    let cb: Vec<(&str, u64, u64)> = r
        .callbacks_suppressed
        .iter()
        .map(|s| (s.function.as_str(), s.count, s.line))
        .collect();
    assert_eq!(
        cb,
        // `slab_out_of_memory` (line 1) is the slab allocator's rate limit,
        // not the OOM killer's: it is not kept.
        [("oom_kill_process", 70, 5)]
    );
    assert_eq!(r.victim, None);
    assert!(r.tasks.is_empty());
    assert_eq!(r.constraint, None);
    assert!(r.truncated);
    assert_eq!((r.lines.first, r.lines.last), (6, 14));
}

#[test]
fn k4_x_memcg_syslog_reaper_repeated_partial() {
    let (r, w) = parse_n("k4.x-memcg-syslog-reaper-repeated-partial.log", 2);
    assert_eq!(w.items().len(), 2, "{w:?}");
    for (x, pid, first) in [(&r[0], 4254, 1), (&r[1], 4255, 4)] {
        assert_eq!(x.kind, Kind::Memcg);
        assert_eq!(x.host.as_deref(), Some("ubuntu-s-1vcpu-2gb-ams3-01"));
        let sel = x.selected.as_ref().expect("selected");
        assert_eq!(
            (sel.pid, sel.comm.as_str(), sel.score),
            (4142, "python3", Some(68))
        );
        let v = victim(x);
        assert_eq!((v.pid, v.comm.as_str()), (pid, "python3"));
        assert_eq!(sizes(v), [Some(11968), Some(4288), Some(3972), Some(0)]);
        assert_reaped(x, pid, "python3", [0, 0, 0]);
        assert_eq!(x.trigger, None);
        assert!(x.tasks.is_empty());
        assert_eq!(x.task_memcg, None);
        // The `vmalloc: allocation failure` line (7) is not part of a report.
        assert_eq!((x.lines.first, x.lines.last), (first, first + 2));
    }
}

#[test]
fn k5_x_global_syslog_reaper_repeated_partial() {
    let (r, w) = parse_n("k5.x-global-syslog-reaper-repeated-partial.log", 4);
    assert_eq!(w.items().len(), 4, "{w:?}");
    let want = [
        (15784, "python3", [11964, 4288, 3028, 0]),
        (15925, "(resolved)", [168424, 4064, 3584, 0]),
        (15783, "python3", [11964, 4288, 3028, 0]),
        (15934, "(resolved)", [168424, 4064, 3584, 0]),
    ];
    for (i, (x, (pid, comm, kbs))) in r.iter().zip(want).enumerate() {
        assert_eq!(x.kind, Kind::Global);
        let v = victim(x);
        assert_eq!((v.pid, v.comm.as_str()), (pid, comm));
        assert_eq!(sizes(v), kbs.map(Some));
        assert_eq!((v.uid, v.pgtables_kb, v.oom_score_adj), (None, None, None));
        assert_reaped(x, pid, comm, [0, 0, 0]);
        assert_eq!(x.trigger, None);
        assert!(x.tasks.is_empty());
        assert_eq!(x.constraint, None);
        let first = 2 * i as u64 + 1;
        assert_eq!((x.lines.first, x.lines.last), (first, first + 1));
    }
}

#[test]
fn kel7_memcg_uid_variant_syslog_partial() {
    let (r, w) = parse_n("kel7-memcg-uid-variant-syslog-partial.log", 6);
    assert_eq!(w.items().len(), 6, "{w:?}");
    // Killed lines: (pid, file-rss); `, UID 0,` before total-vm.
    let killed = [
        (42452, 164),
        (42453, 164),
        (42474, 0),
        (42471, 0),
        (42468, 0),
    ];
    for (x, (pid, file)) in r.iter().zip(killed) {
        let v = victim(x);
        assert_eq!((v.pid, v.comm.as_str()), (pid, "memcg_test_1"));
        assert_eq!(sizes(v), [Some(7296), Some(96), Some(file), Some(0)]);
        assert_eq!(v.uid, Some(0));
    }
    // 42452's `Kill process` line is before the excerpt: a lone Killed line
    // cannot tell memcg from global.
    assert_eq!(r[0].selected, None);
    assert_eq!(r[0].kind, Kind::Unknown);
    let selected: Vec<u64> = r[1..]
        .iter()
        .map(|x| {
            let s = x.selected.as_ref().expect("selected");
            assert_eq!((s.comm.as_str(), s.score), ("memcg_test_1", Some(0)));
            s.pid
        })
        .collect();
    assert_eq!(selected, [42453, 42474, 42471, 42468, 42469]);
    for x in &r[1..] {
        assert_eq!(x.kind, Kind::Memcg);
        assert!(x.truncated);
    }
    // The last `Kill process` (42469) has no `Killed` line in the file.
    assert_eq!(r[5].victim, None);
    assert_eq!((r[5].lines.first, r[5].lines.last), (10, 10));
}

#[test]
fn seed_k3_10_memcg_docker_syslog() {
    let (r, w) = parse_n("seed-k3.10-memcg-docker-syslog.log", 1);
    let r = &r[0];
    assert_eq!(r.kind, Kind::Memcg);
    assert_eq!(r.host.as_deref(), Some("iZ2ze2ih1s2cnx3x31dpdeZ"));
    // No `invoked oom-killer` line: the trigger comes from the CPU line.
    let t = r.trigger.as_ref().expect("trigger from the CPU line");
    assert_eq!(t.comm.as_deref(), Some("http-nio-8080-e"));
    assert_eq!(t.pid, Some(2079469));
    assert_eq!(
        (t.gfp_mask.as_deref(), t.order, t.oom_score_adj),
        (None, None, None)
    );
    assert_eq!(
        r.kernel_release.as_deref(),
        Some("3.10.0-1127.19.1.el7.x86_64")
    );
    let pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice";
    let task = format!(
        "{pod}/docker-928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720.scope"
    );
    // `Task in` prints the victim's path without its leading `/`.
    assert_eq!(r.task_memcg.as_deref(), Some(task.as_str()));
    assert_eq!(r.oom_memcg.as_deref(), Some(pod));
    assert_eq!(r.limit_level, Some(CgroupLevel::Pod));
    assert_eq!(counter(r.memory, "memory"), (3145728, 3145728, 498567));
    assert_eq!(
        counter(r.memory_swap, "memory+swap"),
        (3145728, UNLIMITED, 0)
    );
    assert_eq!(counter(r.kmem, "kmem"), (0, UNLIMITED, 0));
    assert_eq!(r.memcg_stats.len(), 3);
    assert_eq!(r.memcg_stats[0].cgroup, pod);
    assert!(r.memcg_stats[0].stats.values().all(|&v| v == 0));
    assert_eq!(
        r.memcg_stats[1].cgroup,
        format!(
            "{pod}/docker-fe1d7dae3ef237940616fe625a5c520d2de9b2d2f9379b039dc9e42535e8f0d7.scope"
        )
    );
    assert_eq!(r.memcg_stats[1].stats["rss"], kb(40));
    assert_eq!(r.memcg_stats[1].stats["active_anon"], kb(40));
    let s = r.task_stats().expect("stats of the victim's cgroup");
    assert_eq!(s.line, 23);
    for (k, v) in [
        ("cache", 156),
        ("rss", 3145532),
        ("rss_huge", 1538048),
        ("mapped_file", 44),
        ("swap", 0),
        ("active_anon", 3145500),
        ("inactive_file", 36),
        ("active_file", 32),
    ] {
        assert_eq!(s.stats.get(k), Some(&kb(v)), "{k}");
    }
    assert_eq!(r.tasks.len(), 2);
    let pause = row(r, 285292);
    assert_eq!(pause.name, "pause");
    assert_eq!(
        (
            pause.total_vm_pages,
            pause.rss_pages,
            pause.nr_ptes,
            pause.oom_score_adj
        ),
        (Some(239), Some(1), Some(2), Some(-998))
    );
    let java = row(r, 2076520);
    assert_eq!(java.name, "java");
    assert_eq!(
        (
            java.total_vm_pages,
            java.rss_pages,
            java.nr_ptes,
            java.swapents_pages,
            java.oom_score_adj
        ),
        (Some(4999026), Some(787017), Some(1968), Some(0), Some(953))
    );
    let sel = r.selected.as_ref().expect("selected");
    assert_eq!(
        (sel.pid, sel.comm.as_str(), sel.score),
        (4113092, "Java2D Disposer", Some(1955))
    );
    let v = victim(r);
    assert_eq!((v.pid, v.comm.as_str(), v.uid), (2076520, "java", Some(0)));
    assert_eq!(
        sizes(v),
        [Some(19996104), Some(3134504), Some(13564), Some(0)]
    );
    assert_eq!(v.line, 28);
    assert_eq!(r.constraint, None);
    assert_eq!(r.reaped, None);
    assert_container(
        r,
        Some("docker"),
        "928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720",
        Some("943d7e40-3a14-4519-b7a7-a2b6ee3576fb"),
        Some("burstable"),
        Some("systemd"),
    );
    assert!(r.truncated, "the excerpt starts after the `invoked` line");
    assert_eq!(w.items().len(), 1, "{w:?}");
    assert_eq!((r.lines.first, r.lines.last), (1, 28));
    // Syslog has no year: no instant unless one is given.
    assert_eq!(r.time.basis, "syslog");
    assert_eq!(r.time.utc, None);
    let ctx = TimeContext {
        year: Some(2020),
        ..TimeContext::default()
    };
    let (r, _) = parse_with("seed-k3.10-memcg-docker-syslog.log", &ctx);
    assert_eq!(r[0].time.utc.as_deref(), Some("2020-12-02T13:55:56Z"));
}
