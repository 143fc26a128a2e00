//! Evidence built at run time: kernel OOM reports (a cgroup v2 memcg kill of
//! one Kubernetes container, syslog framing), many of them.

pub const POD_UID: &str = "06d44939-d15e-491f-84a3-2dbba9fc0440";
const POD_SLICE: &str = "06d44939_d15e_491f_84a3_2dbba9fc0440";
const CID: &str = "f6b09caae6cfa22cd45491888e0e7001c0b690f8b3c9b47e1bc20d69315e722c";

/// Kill number `i`: its own second, victim pid `1000 + i`, four lines.
pub fn report(i: u64) -> String {
    let (s, m, h, d) = (i % 60, (i / 60) % 60, (i / 3600) % 24, 1 + (i / 86400) % 28);
    let p = format!("Mar {d:2} {h:02}:{m:02}:{s:02} node1 kernel: ");
    let memcg = format!(
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{POD_SLICE}.slice/cri-containerd-{CID}.scope"
    );
    let pid = 1000 + i;
    format!(
        "{p}java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999\n\
         {p}memory: usage 3145728kB, limit 3145728kB, failcnt 1234\n\
         {p}oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-{CID}.scope,mems_allowed=0,oom_memcg={memcg},task_memcg={memcg},task=java,pid={pid},uid=0\n\
         {p}Memory cgroup out of memory: Killed process {pid} (java) total-vm:5000000kB, anon-rss:3000000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:6000kB oom_score_adj:999\n"
    )
}

/// Kill number `i` as a 5.x kernel prints it whole: [`report`]'s lines
/// around a cgroup v2 stats dump whose `anon` is `100 MiB + i` bytes and a
/// task table (the victim and a `sidecar` of `10 000 + i` pages); 14 lines.
pub fn full_report(i: u64) -> String {
    let short = report(i);
    let mut lines = short.lines();
    let (Some(invoked), Some(memory), Some(summary), Some(killed)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        unreachable!("report() prints four lines")
    };
    let p = &invoked[..invoked.find("kernel: ").map_or(0, |x| x + 8)];
    let pid = 1000 + i;
    format!(
        "{invoked}\n{memory}\n\
         {p}Memory cgroup stats for /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{POD_SLICE}.slice/cri-containerd-{CID}.scope:\n\
         {p}anon {anon}\n{p}file 4096\n{p}kernel 8192\n{p}shmem 0\n{p}anon_thp 0\n\
         {p}Tasks state (memory values in pages):\n\
         {p}[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n\
         {p}[{pid:>7}]     0 {pid:>5}  1250000   750000  6144000        0           999 java\n\
         {p}[{side:>7}]     0 {side:>5}    50000 {rss:>8}   409600        0           999 sidecar\n\
         {summary}\n{killed}\n",
        anon = 100 * 1024 * 1024 + i,
        side = 500_000 + i,
        rss = 10_000 + i,
    )
}

/// Kills `0..n`, one log.
pub fn kills(n: u64) -> Vec<u8> {
    let mut out = String::with_capacity(n as usize * 800);
    for i in 0..n {
        out.push_str(&report(i));
    }
    out.into_bytes()
}

/// A temporary folder, removed when dropped.
pub fn tmp(prefix: &str) -> crate::support::TempDir {
    crate::support::TempDir::new(prefix)
}
