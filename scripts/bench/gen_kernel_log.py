#!/usr/bin/env python3
"""Generate a large, realistic classic-syslog file with embedded kernel OOM-killer reports.

Used by scripts/bench/kernel.sh to benchmark `oomlens kernel`.

The file looks like /var/log/messages (or /var/log/syslog) of a busy Kubernetes
node: `Mon dd HH:MM:SS host tag[pid]: msg` lines from the kernel, systemd,
kubelet, containerd, dockerd, sshd, CRON, ... with timestamps increasing over
several days.  At random positions it contains exactly --reports OOM-killer
reports of mixed kernel generations:

  el7-3.10-v1   RHEL/CentOS 7 kernel 3.10, cgroup v1, "Kill process ... or sacrifice child"
  4.19-v1       kernel 4.19, cgroup v1, "Tasks state (memory values in pages)", oom_reaper
  6.x-v1        kernel 6.x, cgroup v1, multi-line memory.stat dump, oom-kill: summary line
  v2            kernel 5.x/6.x, cgroup v2 (containerd and cri-o scopes)
  global        kernel 5.x node-wide OOM with a Mem-Info block and a big task table

Every report contains exactly one "Killed process" line, and the noise never
contains that string, so `grep -c 'Killed process'` equals --reports.

Only the python3 standard library is used.  Speed comes from pre-rendering a pool
of noise lines once and then, per (simulated) second, joining a random choice of
pool lines behind one pre-formatted timestamp prefix, and writing in ~8 MiB blocks.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid as uuidlib

MiB = 1024 * 1024
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Placeholders inside pre-rendered noise lines, replaced per group by the group time.
PH_KLOG = b"{KLG" + b"#" * 15 + b"}"   # 20 bytes: "1202 13:55:56.123456"
PH_ISO = b"{ISO" + b"#" * 25 + b"}"    # 30 bytes: "2024-12-02T13:55:56.123456789Z"
assert len(PH_KLOG) == 20 and len(PH_ISO) == 30
S_KLOG = PH_KLOG.decode()
S_ISO = PH_ISO.decode()

KILLED = b"Killed process"

GENERATIONS = ["el7-3.10-v1", "4.19-v1", "6.x-v1", "v2", "global"]
# Relative frequency of each generation (allocated deterministically, then shuffled).
GEN_WEIGHTS = {"el7-3.10-v1": 3, "4.19-v1": 4, "6.x-v1": 3, "v2": 7, "global": 3}


# ---------------------------------------------------------------------------
# small random helpers
# ---------------------------------------------------------------------------

class R:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def hex64(self):
        return self.hexs(64)

    def uuid(self):
        return str(uuidlib.UUID(int=self.r.getrandbits(128), version=4))

    def pid(self, lo=300, hi=4194303):
        # Mostly moderate pids, some very large (long-running nodes, pid_max=4M).
        r = self.r
        x = r.random()
        if x < 0.5:
            return r.randint(lo, 99999)
        if x < 0.85:
            return r.randint(100000, 999999)
        return r.randint(1000000, hi)

    def ip(self, net="10"):
        r = self.r
        return "%s.%d.%d.%d" % (net, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))

    def word(self, n):
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(self.r.choice(alphabet) for _ in range(n))


# ---------------------------------------------------------------------------
# node "world": pods, containers, interfaces
# ---------------------------------------------------------------------------

APP_NAMES = [
    ("default", "web", "nginx"), ("default", "api", "java"), ("payments", "payments-svc", "java"),
    ("search", "indexer", "java"), ("ml", "trainer", "python3"), ("ml", "feature-store", "python3"),
    ("frontend", "ssr", "node"), ("frontend", "bff", "node"), ("db", "postgres", "postgres"),
    ("monitoring", "prometheus", "prometheus"), ("logging", "fluent-bit", "fluent-bit"),
    ("kube-system", "coredns", "coredns"), ("kube-system", "kube-proxy", "kube-proxy"),
    ("reporting", "renderer", "java"), ("batch", "etl", "python3"), ("cache", "redis", "redis-server"),
    ("ingress", "ingress-nginx-controller", "nginx"), ("auth", "keycloak", "java"),
]


class Pod:
    def __init__(self, rr, ns, app, comm):
        r = rr.r
        self.ns = ns
        self.name = "%s-%s-%s" % (app, rr.word(r.choice([9, 10])), rr.word(5))
        self.uid = rr.uuid()
        self.qos = r.choice(["burstable", "burstable", "burstable", "besteffort", "guaranteed"])
        self.container = app.split("-")[0] if r.random() < 0.5 else app
        self.comm = comm
        self.app_id = rr.hex64()
        self.pause_id = rr.hex64()
        self.ip = rr.ip("10")


def build_world(rr, nodes=40):
    r = rr.r
    pods = []
    for i in range(nodes):
        ns, app, comm = APP_NAMES[i % len(APP_NAMES)] if i < len(APP_NAMES) else r.choice(APP_NAMES)
        pods.append(Pod(rr, ns, app, comm))
    veths = ["veth" + rr.hexs(7) for _ in range(60)] + ["cali" + rr.hexs(11) for _ in range(30)] \
        + ["eni" + rr.hexs(11) for _ in range(30)]
    return pods, veths


# ---------------------------------------------------------------------------
# noise templates: each returns "tag[pid]: message" (no prefix, no newline)
# ---------------------------------------------------------------------------

def make_noise_templates(rr, pods, veths, pids):
    r = rr.r
    ch = r.choice
    ri = r.randint
    users = ["core", "ec2-user", "ubuntu", "admin", "deploy"]
    k_pid, c_pid, d_pid, sd_pid = pids["kubelet"], pids["containerd"], pids["dockerd"], 1

    def klog(sev, src):
        return "kubelet[%d]: %s%s %7d %s]" % (k_pid, sev, S_KLOG, k_pid, src)

    def cont(level, msg):
        return 'containerd[%d]: time="%s" level=%s msg=%s' % (c_pid, S_ISO, level, msg)

    def dock(level, msg):
        return 'dockerd[%d]: time="%s" level=%s msg=%s' % (d_pid, S_ISO, level, msg)

    def pod():
        return ch(pods)

    T = []  # (weight, fn)

    def t(w):
        def deco(fn):
            T.append((w, fn))
            return fn
        return deco

    # ---- kernel noise ----
    @t(3)
    def _():
        return "kernel: IPv6: ADDRCONF(NETDEV_CHANGE): %s: link becomes ready" % ch(veths)

    @t(0.3)
    def _():
        return "kernel: IPv6: ADDRCONF(NETDEV_UP): %s: link is not ready" % ch(["eth0", "eth1", "cni0"] + veths[:5])

    @t(5)
    def _():
        br = ch(["docker0", "cni0", "cbr0"])
        return "kernel: %s: port %d(%s) entered %s state" % (br, ri(1, 60), ch(veths), ch(["blocking", "disabled", "forwarding", "disabled"]))

    @t(2)
    def _():
        return "kernel: device %s %s promiscuous mode" % (ch(veths), ch(["entered", "left"]))

    @t(1)
    def _():
        return "kernel: eth0: renamed from tmp%s" % rr.hexs(5)

    @t(0.3)
    def _():
        nic = ch(["eth0", "eth1", "ens5", "enp0s31f6"])
        return ch([
            "kernel: ena 0000:00:05.0 %s: Link is Up" % nic,
            "kernel: %s: Link is Down" % nic,
            "kernel: igb 0000:03:00.0 %s: igb: %s NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX" % (nic, nic),
            "kernel: ixgbe 0000:18:00.1 %s: NIC Link is Up 10 Gbps, Flow Control: RX/TX" % nic,
        ])

    @t(2)
    def _():
        p = pod()
        return ('kernel: audit: type=1400 audit(%d.%03d:%d): apparmor="DENIED" operation="open" '
                'profile="cri-containerd.apparmor.d" name="/proc/sys/kernel/%s" pid=%d comm="%s" '
                'requested_mask="r" denied_mask="r" fsuid=%d ouid=0') % (
            ri(1700000000, 1734000000), ri(0, 999), ri(100, 999999), ch(["osrelease", "random/boot_id", "pid_max", "hostname"]),
            rr.pid(), p.comm, ch([0, 1000, 65534]))

    @t(2)
    def _():
        p = pod()
        return ("kernel: audit: type=%d audit(%d.%03d:%d): pid=1 uid=0 auid=4294967295 ses=4294967295 "
                "subj=system_u:system_r:init_t:s0 msg='unit=cri-containerd-%s comm=\"systemd\" "
                "exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'") % (
            ch([1130, 1131]), ri(1700000000, 1734000000), ri(0, 999), ri(100, 999999), p.app_id)

    @t(1)
    def _():
        return "kernel: audit: type=1325 audit(%d.%03d:%d): table=%s family=%d entries=%d op=%s pid=%d comm=\"%s\"" % (
            ri(1700000000, 1734000000), ri(0, 999), ri(100, 999999), ch(["filter", "nat", "mangle"]), ch([2, 10]),
            ri(1, 900), ch(["xt_register", "nft_register_chain", "nft_register_rule"]), rr.pid(), ch(["iptables-restor", "kube-proxy", "ip6tables-resto"]))

    @t(1)
    def _():
        return "kernel: kauditd_printk_skb: %d callbacks suppressed" % ri(1, 80)

    @t(0.6)
    def _():
        return ch([
            "kernel: EXT4-fs (nvme1n1): mounted filesystem with ordered data mode. Opts: (null)",
            "kernel: EXT4-fs (dm-%d): mounted filesystem with ordered data mode. Quota mode: none." % ri(1, 9),
            "kernel: EXT4-fs (loop%d): unmounting filesystem." % ri(0, 20),
            "kernel: EXT4-fs (nvme0n1p1): re-mounted. Opts: (null)",
            "kernel: EXT4-fs (rbd%d): mounted filesystem %s with ordered data mode. Quota mode: none." % (ri(0, 9), rr.uuid()),
        ])

    @t(0.3)
    def _():
        return "kernel: TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.  Check SNMP counters." % ch([80, 443, 8080, 8443, 9090, 5432])

    @t(0.5)
    def _():
        return ch(["kernel: nf_conntrack: nf_conntrack: table full, dropping packet",
                   "kernel: nf_conntrack: table full, dropping packet",
                   "kernel: net_ratelimit: %d callbacks suppressed" % ri(2, 400)])

    @t(1)
    def _():
        return ("kernel: [UFW BLOCK] IN=eth0 OUT= MAC=%s SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d "
                "DF PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 SYN URGP=0") % (
            ":".join(rr.hexs(2) for _ in range(14)), rr.ip(str(ri(11, 220))), rr.ip("10"), ch([40, 44, 52, 60]),
            ri(30, 250), ri(0, 65535), ri(1024, 65535), ch([22, 23, 445, 3389, 6379, 2375]), ch([1024, 29200, 64240, 65535]))

    @t(0.5)
    def _():
        return ch(["kernel: overlayfs: upper fs does not support RENAME_WHITEOUT.",
                   "kernel: overlayfs: fs on '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/%d/fs' does not support file handles, falling back to xino=off." % ri(1, 99999)])

    @t(0.3)
    def _():
        return "kernel: IPVS: rr: %s %s:%d - no destination available" % (ch(["TCP", "UDP"]), rr.ip("10"), ch([53, 80, 443, 9153]))

    @t(0.5)
    def _():
        return ("kernel: xfs filesystem being remounted at /run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/rootfs "
                "supports timestamps until 2038 (0x7fffffff)") % pod().app_id

    @t(0.05)
    def _():
        return ch(["kernel: hrtimer: interrupt took %d ns" % ri(100000, 9999999),
                   "kernel: perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d" % (ri(2501, 9000), 2500, ri(20000, 79750))])

    # ---- systemd ----
    @t(3)
    def _():
        p = pod()
        cid = ch([p.app_id, p.pause_id])
        return ch([
            "systemd[1]: Started libcontainer container %s." % cid,
            "systemd[1]: Started cri-containerd-%s.scope - libcontainer container %s." % (cid, cid),
            "systemd[1]: cri-containerd-%s.scope: Deactivated successfully." % cid,
            "systemd[1]: docker-%s.scope: Succeeded." % cid,
        ])

    @t(1.5)
    def _():
        return "systemd[1]: cri-containerd-%s.scope: Consumed %d.%03ds CPU time." % (pod().app_id, ri(0, 9999), ri(0, 999))

    @t(3)
    def _():
        p = pod()
        return ch([
            "systemd[1]: run-containerd-io.containerd.runtime.v2.task-k8s.io-%s-rootfs.mount: Deactivated successfully." % p.app_id,
            "systemd[1]: run-containerd-runc-k8s.io-%s-runc.%s.mount: Deactivated successfully." % (p.app_id, rr.word(6)),
            "systemd[1]: var-lib-containerd-tmpmounts-containerd\\x2dmount%d.mount: Deactivated successfully." % ri(100000000, 999999999),
        ])

    @t(2)
    def _():
        p = pod()
        return ("systemd[1]: var-lib-kubelet-pods-%s-volumes-kubernetes.io\\x7eprojected-kube\\x2dapi\\x2daccess\\x2d%s.mount: "
                "Deactivated successfully.") % (p.uid.replace("-", "\\x2d"), rr.word(5))

    @t(0.5)
    def _():
        p = pod()
        return "systemd[1]: %s slice libcontainer container kubepods-%s-pod%s.slice." % (ch(["Created", "Removed"]), p.qos, p.uid.replace("-", "_"))

    @t(0.6)
    def _():
        u = ch(users)
        n = ri(1, 99999)
        return ch([
            "systemd[1]: Started Session %d of user %s." % (n, u),
            "systemd[1]: session-%d.scope: Deactivated successfully." % n,
            "systemd-logind[%d]: New session %d of user %s." % (pids["logind"], n, u),
            "systemd-logind[%d]: Removed session %d." % (pids["logind"], n),
            "systemd-logind[%d]: Session %d logged out. Waiting for processes to exit." % (pids["logind"], n),
        ])

    @t(0.5)
    def _():
        return ch(["systemd[1]: Starting system activity accounting tool...",
                   "systemd[1]: sysstat-collect.service: Deactivated successfully.",
                   "systemd[1]: Finished system activity accounting tool.",
                   "systemd[1]: Starting Cleanup of Temporary Directories...",
                   "systemd[1]: Reloading.",
                   "systemd[1]: logrotate.service: Succeeded.",
                   "systemd[1]: Started Daily apt download activities.",
                   "systemd[1]: motd-news.service: Deactivated successfully."])

    @t(0.02)
    def _():
        # Userspace mention of the OOM killer (not a kernel report).
        p = pod()
        return "systemd[1]: cri-containerd-%s.scope: A process of this unit has been killed by the OOM killer." % p.app_id

    # ---- kubelet (long klog lines) ----
    @t(8)
    def _():
        p = pod()
        return '%s "SyncLoop (PLEG): event for pod" pod="%s/%s" event=&{ID:%s Type:%s Data:%s}' % (
            klog("I", "kubelet.go:%d" % ch([2181, 2190, 2206, 2408])), p.ns, p.name, p.uid,
            ch(["ContainerStarted", "ContainerDied", "ContainerStarted"]), ch([p.app_id, p.pause_id]))

    @t(3)
    def _():
        p = pod()
        return '%s "SyncLoop %s" source="api" pods=[%s/%s]' % (klog("I", "kubelet.go:%d" % ch([2398, 2408, 2414])), ch(["UPDATE", "ADD", "DELETE", "RECONCILE"]), p.ns, p.name)

    @t(4)
    def _():
        p = pod()
        port = ch([8080, 8081, 9000, 3000, 5432, 6379])
        return ('%s "Probe failed" probeType="%s" pod="%s/%s" podUID="%s" containerName="%s" probeResult="failure" '
                'output="Get \\"http://%s:%d/healthz\\": dial tcp %s:%d: connect: connection refused"') % (
            klog("I", "prober.go:107"), ch(["Readiness", "Liveness"]), p.ns, p.name, p.uid, p.container, p.ip, port, p.ip, port)

    @t(2)
    def _():
        p = pod()
        return ('%s "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"%s\\" with CrashLoopBackOff: '
                '\\"back-off %s restarting failed container=%s pod=%s_%s(%s)\\"" pod="%s/%s" podUID="%s"') % (
            klog("E", "pod_workers.go:1298"), p.container, ch(["10s", "20s", "40s", "1m20s", "2m40s", "5m0s"]), p.container,
            p.name, p.ns, p.uid, p.ns, p.name, p.uid)

    @t(1)
    def _():
        p = pod()
        return '%s "Killing container with a grace period" pod="%s/%s" podUID="%s" containerName="%s" containerID="containerd://%s" gracePeriod=%d' % (
            klog("I", "kuberuntime_container.go:745"), p.ns, p.name, p.uid, p.container, p.app_id, ch([30, 30, 60, 5]))

    @t(2)
    def _():
        p = pod()
        v = "kube-api-access-" + rr.word(5)
        return ('%s "operationExecutor.VerifyControllerAttachedVolume started for volume \\"%s\\" (UniqueName: '
                '\\"kubernetes.io/projected/%s-%s\\") pod \\"%s\\" (UID: \\"%s\\") " pod="%s/%s"') % (
            klog("I", "reconciler_common.go:258"), v, p.uid, v, p.name, p.uid, p.ns, p.name)

    @t(1)
    def _():
        p = pod()
        d = "/sys/fs/cgroup/%s/kubepods/%s/pod%s" % (ch(["memory", "cpu,cpuacct", "blkio", "pids"]), p.qos, p.uid)
        return ('%s Error while processing event ("%s": 0x40000100 == IN_CREATE|IN_ISDIR): '
                'inotify_add_watch %s: no such file or directory') % (klog("W", "watcher.go:93"), d, d)

    @t(1)
    def _():
        p = pod()
        return '%s "Finished parsing log file" path="/var/log/pods/%s_%s_%s/%s/0.log"' % (klog("I", "log.go:245"), p.ns, p.name, p.uid, p.container)

    @t(0.7)
    def _():
        p = pod()
        return '%s "RemoveContainer" containerID="%s"' % (klog("I", "scope.go:117"), p.app_id)

    @t(0.3)
    def _():
        return '%s "Housekeeping took longer than expected" err="housekeeping took too long" expected="1s" actual="%d.%06ds"' % (
            klog("E", "kubelet.go:2373"), ri(1, 4), ri(0, 999999))

    # ---- containerd / dockerd ----
    @t(3)
    def _():
        p = pod()
        return cont("info", '"StartContainer for \\"%s\\" returns successfully"' % p.app_id)

    @t(2)
    def _():
        p = pod()
        return ch([cont("info", '"shim disconnected" id=%s namespace=k8s.io' % p.app_id),
                   cont("warning", '"cleaning up after shim disconnected" id=%s namespace=k8s.io' % p.app_id),
                   cont("info", '"cleaning up dead shim" namespace=k8s.io')])

    @t(2)
    def _():
        p = pod()
        return cont("info", '"TaskExit event in podsandbox handler container_id:\\"%s\\" id:\\"%s\\" pid:%d exit_status:%d exited_at:{seconds:%d nanos:%d}"' % (
            p.app_id, p.app_id, rr.pid(), ch([0, 1, 137, 143]), ri(1700000000, 1734000000), ri(0, 999999999)))

    @t(1)
    def _():
        p = pod()
        return ch([cont("info", '"RemoveContainer for \\"%s\\""' % p.app_id),
                   cont("info", '"RemoveContainer for \\"%s\\" returns successfully"' % p.app_id),
                   cont("info", '"CreateContainer within sandbox \\"%s\\" for container &ContainerMetadata{Name:%s,Attempt:%d,}"' % (p.pause_id, p.container, ri(0, 40))),
                   cont("error", '"ExecSync for \\"%s\\" failed" error="rpc error: code = NotFound desc = failed to exec in container: container is in CONTAINER_EXITED state"' % p.app_id)])

    @t(1.5)
    def _():
        p = pod()
        return ch([dock("info", '"ignoring event" container=%s module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"' % p.app_id),
                   dock("info", '"Container failed to exit within 10s of signal 15 - using the force" container=%s' % p.app_id),
                   dock("warning", '"Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap."')])

    # ---- misc daemons ----
    @t(1)
    def _():
        u = ch(users)
        sp = rr.pid()
        ip = rr.ip("10")
        port = ri(30000, 65000)
        return ch([
            "sshd[%d]: Accepted publickey for %s from %s port %d ssh2: RSA SHA256:%s" % (sp, u, ip, port, rr.word(43)),
            "sshd[%d]: pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (sp, u, ch([500, 1000, 1001])),
            "sshd[%d]: pam_unix(sshd:session): session closed for user %s" % (sp, u),
            "sshd[%d]: Disconnected from user %s %s port %d" % (sp, u, ip, port),
            "sshd[%d]: Received disconnect from %s port %d:11: disconnected by user" % (sp, ip, port),
            "sshd[%d]: Invalid user %s from %s port %d" % (sp, ch(["admin", "test", "oracle", "ftpuser"]), rr.ip(str(ri(11, 220))), port),
            "sshd[%d]: Connection closed by authenticating user root %s port %d [preauth]" % (sp, rr.ip(str(ri(11, 220))), port),
        ])

    @t(1)
    def _():
        cp = rr.pid()
        return ch([
            "CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)" % cp,
            "CRON[%d]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)" % cp,
            "CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)" % cp,
            "CRON[%d]: pam_unix(cron:session): session closed for user root" % cp,
            "crond[%d]: (root) CMD (/usr/lib64/sa/sa1 1 1)" % cp,
            "CROND[%d]: (root) CMDEND (/usr/lib64/sa/sa1 1 1)" % cp,
        ])

    @t(0.6)
    def _():
        return ch([
            "chronyd[%d]: Selected source 169.254.169.123" % pids["chronyd"],
            "chronyd[%d]: System clock wrong by %d.%06d seconds, adjustment started" % (pids["chronyd"], ri(0, 2), ri(0, 999999)),
            "dhclient[%d]: DHCPREQUEST on eth0 to 10.0.0.1 port 67 (xid=0x%s)" % (pids["dhclient"], rr.hexs(8)),
            "dhclient[%d]: DHCPACK from 10.0.0.1 (xid=0x%s)" % (pids["dhclient"], rr.hexs(8)),
            "dhclient[%d]: bound to %s -- renewal in %d seconds." % (pids["dhclient"], rr.ip("10"), ri(1000, 3600)),
            "rsyslogd[%d]: imjournal: journal files changed, reloading...  [v8.2102.0-15.el8 try https://www.rsyslog.com/e/0 ]" % pids["rsyslogd"],
            "dbus-daemon[%d]: [system] Successfully activated service 'org.freedesktop.hostname1'" % pids["dbus"],
            "dbus-daemon[%d]: [system] Activating via systemd: service name='org.freedesktop.timedate1' unit='dbus-org.freedesktop.timedate1.service' requested by ':1.%d' (uid=0 pid=%d comm=\"timedatectl \" label=\"unconfined\")" % (pids["dbus"], ri(10, 9999), rr.pid()),
            "journal: Suppressed %d messages from kubelet.service" % ri(100, 99999),
            "amazon-ssm-agent[%d]: 2024-12-02 13:55:56 INFO [ssm-agent-worker] [MessagingDeliveryService] Sending reply {\"additionalInfo\":{\"agent\":{\"lang\":\"en-US\",\"name\":\"amazon-ssm-agent\"}}}" % pids["ssm"],
            "node_exporter[%d]: level=error ts=%s caller=collector.go:169 msg=\"collector failed\" name=hwmon duration_seconds=%d.%06d err=\"open /sys/class/hwmon/hwmon%d/temp1_input: no such file or directory\"" % (pids["node_exporter"], S_ISO, 0, ri(0, 999999), ri(0, 4)),
        ])

    return T


def build_pool(rr, templates, size, max_msg_len):
    """Pre-render `size` noise lines ("tag[pid]: msg\n"), each at most max_msg_len bytes."""
    total_w = sum(w for w, _ in templates)
    pool = []
    for w, fn in templates:
        n = max(1, int(round(size * w / total_w)))
        for _ in range(n):
            for _attempt in range(20):
                line = fn()
                b = (line + "\n").encode()
                if len(b) <= max_msg_len:
                    break
            else:
                continue
            if KILLED in b or b"invoked oom-killer" in b:
                raise SystemExit("BUG: noise template produced an OOM-looking line: %r" % line)
            pool.append(b)
    rr.r.shuffle(pool)
    return pool


# ---------------------------------------------------------------------------
# OOM report templates: each returns (generation, [kernel message lines])
# ---------------------------------------------------------------------------

COMMS = ["java", "java", "python3", "python3", "node", "node", "nginx", "postgres", "Java2D Disposer",
         "ruby", "gunicorn", "envoy", "redis-server"]
THREADS = {
    "java": ["java", "http-nio-8080-e", "C2 CompilerThre", "GC Thread#0", "VM Thread", "pool-3-thread-1", "kafka-producer-"],
    "Java2D Disposer": ["Java2D Disposer", "AWT-EventQueue-", "java"],
    "python3": ["python3", "python3", "ThreadPoolExecu"],
    "node": ["node", "node", "libuv-worker"],
}

LIMITS_MIB = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 16384]
HW_NAMES = [
    "Amazon EC2 m5.2xlarge/, BIOS 1.0 10/16/2017",
    "Amazon EC2 c6i.4xlarge/, BIOS 1.0 10/16/2017",
    "VMware, Inc. VMware Virtual Platform/440BX Desktop Reference Platform, BIOS 6.00 12/12/2018",
    "Google Google Compute Engine/Google Compute Engine, BIOS Google 01/01/2011",
    "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.0-debian-1.16.0-5 04/01/2014",
    "Dell Inc. PowerEdge R740/0DY2X0, BIOS 2.12.2 07/09/2021",
]

K310 = ["3.10.0-1127.19.1.el7.x86_64 #1", "3.10.0-1160.el7.x86_64 #1", "3.10.0-957.27.2.el7.x86_64 #1",
        "3.10.0-1062.12.1.el7.x86_64 #1", "3.10.0-1160.99.1.el7.x86_64 #1"]
T310 = ["Tainted: G           OE  ------------ T", "Not tainted", "Tainted: G               ------------ T",
        "Tainted: G        W  OE  ------------   "]
K419 = ["4.19.0-24-amd64 #1 Debian 4.19.282-1", "4.19.91-27.al7.x86_64 #1", "4.19.247-1.el7.x86_64 #1 SMP",
        "4.19.0-21-cloud-amd64 #1 Debian 4.19.249-2"]
# (release string, CPU line has UID field, trace uses <TASK> markers)
K6 = [("6.18.44-fc-v669 #1 PREEMPT(none)", True), ("6.1.0-18-amd64 #1 Debian 6.1.76-1", False),
      ("6.8.0-1021-aws #23~22.04.1-Ubuntu", False), ("6.12.20-cos #1 SMP PREEMPT_DYNAMIC", True),
      ("6.1.72-96.166.amzn2023.x86_64 #1 SMP PREEMPT_DYNAMIC", False)]
K5 = ["5.15.0-1034-aws #38~20.04.1-Ubuntu", "5.10.209-198.858.amzn2.x86_64 #1 SMP",
      "5.14.0-362.8.1.el9_3.x86_64 #1 SMP PREEMPT_DYNAMIC", "5.4.0-169-generic #187-Ubuntu"]


class ReportFactory:
    def __init__(self, rr, pods, host_hw, in_turn=False):
        self.rr = rr
        self.r = rr.r
        self.pods = pods
        self.hw = host_hw
        self.in_turn = in_turn
        self.turn = 0

    def next_pod(self):
        """The pod of the next report: at random, or each in turn (--pods)."""
        if self.in_turn:
            self.turn += 1
            return self.pods[(self.turn - 1) % len(self.pods)]
        return self.r.choice(self.pods)

    # ---- shared pieces ----
    def victim(self, limit_pages):
        r, rr = self.r, self.rr
        comm = r.choice(COMMS)
        pid = rr.pid()
        uid = r.choice([0, 0, 0, 1000, 1001, 999, 65534, 101, 26])
        rss = int(limit_pages * r.uniform(0.80, 0.985))
        file_pages = r.randint(0, max(1, rss // 40))
        shmem_pages = r.choice([0, 0, 0, r.randint(0, max(1, rss // 100))])
        anon = max(1, rss - file_pages - shmem_pages)
        total_vm = rss + r.randint(rss // 4, rss * 6 + 5000)
        pgtables_bytes = max(4096, ((total_vm // 512) + r.randint(2, 60)) * 4096)
        inv = r.choice(THREADS.get(comm, [comm]))
        return dict(comm=comm, pid=pid, uid=uid, rss=rss, anon=anon, file=file_pages, shmem=shmem_pages,
                    total_vm=total_vm, pgtables=pgtables_bytes, invoker=inv, swapents=0)

    def adj_for(self, qos):
        r = self.r
        if qos == "guaranteed":
            return -997
        if qos == "besteffort":
            return 1000
        return r.choice([2, 153, 606, 767, 880, 936, 953, 969, 984, 992, 999])

    def other_tasks(self, n, limit_pages):
        """Extra rows in a memcg task table: pause + sidecars/children."""
        r, rr = self.r, self.rr
        rows = []
        for _ in range(n):
            comm = r.choice(["sh", "bash", "tini", "dumb-init", "envoy", "pilot-agent", "sleep", "tail", "curl"])
            rss = r.randint(1, max(2, limit_pages // 200))
            total_vm = rss + r.randint(200, 180000)
            rows.append(dict(comm=comm, pid=rr.pid(), uid=r.choice([0, 1000, 1337]), rss=rss,
                             anon=max(0, rss - 1), file=1 if rss > 1 else 0, shmem=0, total_vm=total_vm,
                             pgtables=r.randint(6, 80) * 4096, swapents=0, adj=None))
        return rows

    def pause_row(self):
        r, rr = self.r, self.rr
        return dict(comm="pause", pid=rr.pid(), uid=r.choice([0, 65535]), rss=r.choice([1, 1, 2, 3, 26, 27]),
                    anon=0, file=1, shmem=0, total_vm=r.choice([239, 241, 256, 260, 1097, 243]),
                    pgtables=r.choice([24576, 28672, 32768, 40960]), swapents=0, adj=-998)

    def cgroup_paths(self, style):
        """Returns (pod, container_path, pod_path, pause_path, cpuset_name)."""
        pod = self.next_pod()
        qos = pod.qos
        u_ = pod.uid.replace("-", "_")
        if style in ("docker-systemd", "containerd-systemd", "crio-systemd"):
            pre = {"docker-systemd": "docker-", "containerd-systemd": "cri-containerd-", "crio-systemd": "crio-"}[style]
            if qos == "guaranteed":
                podp = "/kubepods.slice/kubepods-pod%s.slice" % u_
            else:
                podp = "/kubepods.slice/kubepods-%s.slice/kubepods-%s-pod%s.slice" % (qos, qos, u_)
            cont = "%s/%s%s.scope" % (podp, pre, pod.app_id)
            pause = "%s/%s%s.scope" % (podp, pre, pod.pause_id)
            cpuset = "%s%s.scope" % (pre, pod.app_id)
        else:  # cgroupfs
            podp = ("/kubepods/pod%s" % pod.uid) if qos == "guaranteed" else ("/kubepods/%s/pod%s" % (qos, pod.uid))
            cont = "%s/%s" % (podp, pod.app_id)
            pause = "%s/%s" % (podp, pod.pause_id)
            cpuset = pod.app_id
        return pod, cont, podp, pause, cpuset

    def regs(self):
        rr = self.rr
        h = lambda: "%016x" % self.r.choice([0, self.r.getrandbits(48), 0x7f0000000000 | self.r.getrandbits(40), self.r.getrandbits(16)])
        names = ["RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R08", "R09", "R10", "R11", "R12", "R13", "R14", "R15"]
        lines = ["RIP: 0033:0x%x" % (0x7f0000000000 | rr.r.getrandbits(40)),
                 self.code_line(),
                 "RSP: 002b:%016x EFLAGS: %08x" % (0x7ff000000000 | rr.r.getrandbits(36), rr.r.choice([0x10202, 0x10206, 0x10246, 0x10293])),
                 ]
        for i in range(0, 15, 3):
            lines.append("%s: %s %s: %s %s: %s" % (names[i], h(), names[i + 1], h(), names[i + 2], h()))
        return lines

    def code_line(self):
        r = self.r
        if r.random() < 0.2:
            return "Code: Unable to access opcode bytes at 0x%x." % (0x7f0000000000 | r.getrandbits(40))
        bs = ["%02x" % r.getrandbits(8) for _ in range(64)]
        bs[42] = "<%s>" % bs[42]
        return "Code: " + " ".join(bs)

    def sym(self, name):
        r = self.r
        size = r.randint(0x10, 0x400)
        return "%s+0x%x/0x%x" % (name, r.randint(0, size - 1), size)

    @staticmethod
    def killed_tail(v):
        return "total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:%dkB" % (v["total_vm"] * 4, v["anon"] * 4, v["file"] * 4, v["shmem"] * 4)

    # ---- generations ----
    def el7(self):
        r = self.r
        style = r.choice(["docker-systemd", "docker-systemd", "cgroupfs"])
        pod, cont, podp, pause, cpuset = self.cgroup_paths(style)
        limit_kb = r.choice(LIMITS_MIB) * 1024
        limit_pages = limit_kb // 4
        v = self.victim(limit_pages)
        adj = self.adj_for(pod.qos)
        L = []
        L.append("%s invoked oom-killer: gfp_mask=%s, order=0, oom_score_adj=%d" % (v["invoker"], r.choice(["0xd0", "0xd0", "0x50", "0x201da", "0x24201ca"]), adj))
        L.append("%s cpuset=%s mems_allowed=0%s" % (v["invoker"], cpuset, r.choice(["", "", "-1"])))
        L.append("CPU: %d PID: %d Comm: %s %s %s" % (r.randint(0, 63), self.rr.pid(), v["invoker"], r.choice(T310), r.choice(K310)))
        L.append("Hardware name: %s" % self.hw)
        if r.random() < 0.5:
            # Older RHEL7 kernels print raw stack words before the trace.
            L.append("Call Trace:")
        else:
            for _ in range(1):
                L.append(" ffff%012x %016x ffff%012x ffffffff%08x" % (r.getrandbits(48), r.getrandbits(64), r.getrandbits(48), r.getrandbits(32)))
            L.append("Call Trace:")
        trace = ["dump_stack", "dump_header", "? ep_poll_callback", "? find_lock_task_mm", "? try_get_mem_cgroup_from_mm",
                 "oom_kill_process", "mem_cgroup_oom_synchronize", "? mem_cgroup_charge_common", "pagefault_out_of_memory",
                 "mm_fault_error", "__do_page_fault", "do_page_fault", "page_fault"]
        for fn in trace:
            q = ""
            if fn.startswith("? "):
                q, fn = "? ", fn[2:]
            L.append("[<ffffffff%08x>] %s%s" % (0x89000000 | r.getrandbits(24), q, self.sym(fn)))
        limit_of = r.choice([podp, podp, cont])
        L.append("Task in %s killed as a result of limit of %s" % (cont, limit_of))
        L.append("memory: usage %dkB, limit %dkB, failcnt %d" % (limit_kb, limit_kb, r.randint(1, 900000)))
        L.append("memory+swap: usage %dkB, limit 9007199254740988kB, failcnt 0" % limit_kb)
        L.append("kmem: usage 0kB, limit 9007199254740988kB, failcnt 0")
        cg_list = [podp, pause, cont] if limit_of == podp else [cont]
        for cg in cg_list:
            if cg == cont:
                rss_kb = v["rss"] * 4
                cache = 4 * r.randint(0, 1000)
            elif cg == pause:
                rss_kb, cache = 4 * r.randint(1, 10), 0
            else:
                rss_kb, cache = 0, 0
            huge = (rss_kb // 2048 * 2048) if r.random() < 0.3 else 0
            L.append("Memory cgroup stats for %s: cache:%dKB rss:%dKB rss_huge:%dKB mapped_file:%dKB swap:0KB inactive_anon:%dKB "
                     "active_anon:%dKB inactive_file:%dKB active_file:%dKB unevictable:0KB" % (
                         cg, cache, rss_kb, huge, cache // 16 * 4, 0, rss_kb, cache // 8 * 4, cache - cache // 8 * 4))
        L.append("[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name")
        rows = [self.pause_row()] + self.other_tasks(r.choice([0, 0, 1, 2]), limit_pages)
        v["adj"] = adj
        rows.append(v)
        for row in rows:
            a = row["adj"] if row["adj"] is not None else adj
            L.append("[%5d] %5d %5d %8d %8d %7d %8d         %5d %s" % (
                row["pid"], row["uid"], row["pid"], row["total_vm"], row["rss"], row["pgtables"] // 4096, row["swapents"], a, row["comm"]))
        score = max(1, min(2000, v["rss"] * 1000 // limit_pages + adj))
        if len(rows) > 2 and r.random() < 0.3:
            # "sacrifice child": the selected parent (e.g. a shell) is named, its child is killed
            parent = rows[1]
            L.append("Memory cgroup out of memory: Kill process %d (%s) score %d or sacrifice child" % (parent["pid"], parent["comm"], score))
        else:
            L.append("Memory cgroup out of memory: Kill process %d (%s) score %d or sacrifice child" % (v["pid"], v["comm"], score))
        L.append("Killed process %d (%s), UID %d, %s" % (v["pid"], v["comm"], v["uid"], self.killed_tail(v)))
        return L, []

    def k419(self):
        r = self.r
        style = r.choice(["cgroupfs", "cgroupfs", "docker-systemd"])
        pod, cont, podp, pause, cpuset = self.cgroup_paths(style)
        limit_kb = r.choice(LIMITS_MIB) * 1024
        limit_pages = limit_kb // 4
        v = self.victim(limit_pages)
        adj = self.adj_for(pod.qos)
        L = []
        L.append("%s invoked oom-killer: gfp_mask=%s, nodemask=(null), order=0, oom_score_adj=%d" % (
            v["invoker"], r.choice(["0x6000c0(GFP_KERNEL)", "0x6200ca(GFP_HIGHUSER_MOVABLE)", "0x6280ca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO)"]), adj))
        L.append("%s cpuset=%s mems_allowed=0" % (v["invoker"], cpuset))
        L.append("CPU: %d PID: %d Comm: %s %s %s" % (r.randint(0, 95), self.rr.pid(), v["invoker"], r.choice(["Not tainted", "Tainted: G           OE    "]), r.choice(K419)))
        L.append("Hardware name: %s" % self.hw)
        L.append("Call Trace:")
        for fn in ["dump_stack", "dump_header", "oom_kill_process.cold.30", "out_of_memory", "mem_cgroup_out_of_memory",
                   "try_charge", "? __alloc_pages_nodemask", "mem_cgroup_try_charge", "__handle_mm_fault", "handle_mm_fault",
                   "__do_page_fault", "? page_fault", "page_fault"]:
            q = ""
            if fn.startswith("? "):
                q, fn = "? ", fn[2:]
            L.append(" %s%s" % (q, self.sym(fn)))
        L.extend(self.regs())
        L.append("Task in %s killed as a result of limit of %s" % (cont, podp))
        L.append("memory: usage %dkB, limit %dkB, failcnt %d" % (limit_kb, limit_kb, r.randint(1, 900000)))
        L.append("memory+swap: usage %dkB, limit 9007199254740988kB, failcnt 0" % limit_kb)
        L.append("kmem: usage %dkB, limit 9007199254740988kB, failcnt 0" % r.randint(1000, 40000))
        for cg in [podp, pause, cont]:
            rss_kb = v["rss"] * 4 if cg == cont else (4 * r.randint(1, 10) if cg == pause else 0)
            cache = 4 * r.randint(0, 1000) if cg == cont else 0
            L.append("Memory cgroup stats for %s: cache:%dKB rss:%dKB rss_huge:%dKB shmem:%dKB mapped_file:%dKB dirty:%dKB "
                     "writeback:0KB swap:0KB inactive_anon:%dKB active_anon:%dKB inactive_file:%dKB active_file:%dKB unevictable:0KB" % (
                         cg, cache, rss_kb, 0, v["shmem"] * 4 if cg == cont else 0, cache // 16 * 4, r.choice([0, 4, 132]), 0, rss_kb, cache // 8 * 4, cache - cache // 8 * 4))
        L.append("Tasks state (memory values in pages):")
        L.append("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        rows = [self.pause_row()] + self.other_tasks(r.choice([0, 1, 1, 3]), limit_pages)
        v["adj"] = adj
        rows.append(v)
        for row in rows:
            a = row["adj"] if row["adj"] is not None else adj
            L.append("[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % (
                row["pid"], row["uid"], row["pid"], row["total_vm"], row["rss"], row["pgtables"], row["swapents"], a, row["comm"]))
        score = max(1, min(2000, v["rss"] * 1000 // limit_pages + adj))
        L.append("Memory cgroup out of memory: Kill process %d (%s) score %d or sacrifice child" % (v["pid"], v["comm"], score))
        L.append("Killed process %d (%s) %s" % (v["pid"], v["comm"], self.killed_tail(v)))
        later = ["oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB" % (v["pid"], v["comm"])]
        return L, later

    def trace6(self, long_form):
        if not long_form:
            fns = ["dump_stack_lvl", "dump_header", "oom_kill_process.cold", "out_of_memory", "mem_cgroup_out_of_memory"]
            return [" <TASK>"] + [" " + self.sym(f) for f in fns] + [" </TASK>"]
        fns = ["dump_stack_lvl", "dump_header", "oom_kill_process", "out_of_memory", "mem_cgroup_out_of_memory",
               "try_charge_memcg", "charge_memcg", "__mem_cgroup_charge", "do_anonymous_page", "__handle_mm_fault",
               "handle_mm_fault", "do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault"]
        return [" <TASK>"] + [" " + self.sym(f) for f in fns] + self.regs() + [" </TASK>"]

    def table6_header(self):
        return "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name"

    def row6(self, row, adj):
        return "[%7d] %5d %5d %8d %8d %8d %8d %9d %8d %8d         %5d %s" % (
            row["pid"], row["uid"], row["pid"], row["total_vm"], row["rss"], row["anon"], row["file"], row["shmem"],
            row["pgtables"], row["swapents"], adj, row["comm"])

    def row5(self, row, adj):
        return "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % (
            row["pid"], row["uid"], row["pid"], row["total_vm"], row["rss"], row["pgtables"], row["swapents"], adj, row["comm"])

    def k6v1(self):
        r = self.r
        style = r.choice(["containerd-systemd", "containerd-systemd", "cgroupfs"])
        pod, cont, podp, pause, cpuset = self.cgroup_paths(style)
        limit_kb = r.choice(LIMITS_MIB) * 1024
        limit_pages = limit_kb // 4
        v = self.victim(limit_pages)
        adj = self.adj_for(pod.qos)
        rel, has_uid = r.choice(K6)
        L = []
        L.append("%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=%d" % (v["invoker"], adj))
        tid = self.rr.pid()
        if has_uid:
            L.append("CPU: %d UID: %d PID: %d Comm: %s Not tainted %s" % (r.randint(0, 63), v["uid"], tid, v["invoker"], rel))
        else:
            L.append("CPU: %d PID: %d Comm: %s Not tainted %s" % (r.randint(0, 63), tid, v["invoker"], rel))
        if "-fc-" not in rel:
            L.append("Hardware name: %s" % self.hw)
        L.append("Call Trace:")
        L.extend(self.trace6(r.random() < 0.6))
        memcg = r.choice([cont, cont, podp])
        L.append("memory: usage %dkB, limit %dkB, failcnt %d" % (limit_kb, limit_kb, r.randint(1, 900000)))
        L.append("memory+swap: usage %dkB, limit 9007199254740988kB, failcnt 0" % limit_kb)
        L.append("kmem: usage %dkB, limit 9007199254740988kB, failcnt 0" % r.randint(100, 40000))
        L.append("Memory cgroup stats for %s:" % memcg)
        rss_b = v["rss"] * 4096
        cache_b = r.randint(0, 300) * 4096
        vals = [("cache", cache_b), ("rss", rss_b), ("rss_huge", r.choice([0, 0, 2097152 * r.randint(1, 20)])), ("shmem", v["shmem"] * 4096),
                ("mapped_file", r.randint(0, 100) * 4096), ("dirty", r.choice([0, 4096, 8192])), ("writeback", 0),
                ("workingset_refault_anon", 0), ("workingset_refault_file", r.randint(0, 5000)),
                ("swap", 0), ("swapcached", 0), ("pgpgin", r.randint(10000, 9000000)), ("pgpgout", r.randint(1000, 9000000)),
                ("pgfault", r.randint(10000, 90000000)), ("pgmajfault", r.randint(0, 3000)),
                ("inactive_anon", rss_b - r.randint(0, 50) * 4096), ("active_anon", r.randint(0, 50) * 4096),
                ("inactive_file", cache_b // 2), ("active_file", cache_b - cache_b // 2), ("unevictable", 0),
                ("hierarchical_memory_limit", limit_kb * 1024), ("hierarchical_memsw_limit", 9223372036854771712)]
        for k, val in vals:
            L.append("%s %d" % (k, val))
        for k, val in vals:
            if k.startswith("hierarchical"):
                continue
            L.append("total_%s %d" % (k, val))
        L.append("Tasks state (memory values in pages):")
        L.append(self.table6_header())
        rows = ([self.pause_row()] if memcg == podp else []) + self.other_tasks(r.choice([0, 0, 1, 2]), limit_pages)
        rows.append(v)
        for row in rows:
            a = row.get("adj") if row.get("adj") is not None else adj
            L.append(self.row6(row, a))
        L.append("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=%s,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d" % (
            r.choice(["/", cpuset]), memcg, cont, v["comm"], v["pid"], v["uid"]))
        L.append("Memory cgroup out of memory: Killed process %d (%s) %s, UID:%d pgtables:%dkB oom_score_adj:%d" % (
            v["pid"], v["comm"], self.killed_tail(v), v["uid"], v["pgtables"] // 1024, adj))
        later = []
        if r.random() < 0.5:
            later.append("oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:%dkB, shmem-rss:0kB" % (v["pid"], v["comm"], r.choice([0, v["file"] * 4])))
        return L, later

    def v2(self):
        r = self.r
        style = r.choice(["containerd-systemd", "containerd-systemd", "crio-systemd", "cgroupfs"])
        pod, cont, podp, pause, cpuset = self.cgroup_paths(style)
        limit_kb = r.choice(LIMITS_MIB) * 1024
        limit_pages = limit_kb // 4
        v = self.victim(limit_pages)
        adj = self.adj_for(pod.qos)
        six = r.random() < 0.55
        L = []
        L.append("%s invoked oom-killer: gfp_mask=%s, order=0, oom_score_adj=%d" % (
            v["invoker"], r.choice(["0xcc0(GFP_KERNEL)", "0xcc0(GFP_KERNEL)", "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)"]), adj))
        tid = self.rr.pid()
        if six:
            rel, has_uid = r.choice(K6)
        else:
            rel, has_uid = r.choice(K5), False
        if has_uid:
            L.append("CPU: %d UID: %d PID: %d Comm: %s Not tainted %s" % (r.randint(0, 63), v["uid"], tid, v["invoker"], rel))
        else:
            L.append("CPU: %d PID: %d Comm: %s Not tainted %s" % (r.randint(0, 63), tid, v["invoker"], rel))
        L.append("Hardware name: %s" % self.hw)
        L.append("Call Trace:")
        L.extend(self.trace6(True))
        memcg = r.choice([cont, cont, podp])
        L.append("memory: usage %dkB, limit %dkB, failcnt %d" % (limit_kb, limit_kb, r.randint(1, 900000)))
        L.append("swap: usage 0kB, limit %dkB, failcnt 0" % r.choice([0, 9007199254740988]))
        L.append("Memory cgroup stats for %s:" % memcg)
        anon = v["rss"] * 4096 - r.randint(0, 30) * 4096
        file_b = r.randint(0, 400) * 4096
        kstack = r.randint(4, 400) * 16384
        ptables = v["pgtables"] + r.randint(0, 40) * 4096
        slab_r = r.randint(10, 3000) * 8
        slab_u = r.randint(100, 30000) * 8
        stats = [("anon", anon), ("file", file_b), ("kernel", kstack + ptables + slab_r + slab_u), ("kernel_stack", kstack),
                 ("pagetables", ptables)]
        if six:
            stats += [("sec_pagetables", 0)]
        stats += [("percpu", r.randint(0, 500) * 64), ("sock", r.choice([0, 4096, 8192])), ("vmalloc", r.choice([0, 4096, 8192, 12288]))]
        stats += [("shmem", v["shmem"] * 4096)]
        if six:
            stats += [("zswap", 0), ("zswapped", 0)]
        stats += [("file_mapped", r.randint(0, 200) * 4096), ("file_dirty", r.choice([0, 4096])), ("file_writeback", 0),
                  ("swapcached", 0), ("anon_thp", r.choice([0, 0, 2097152 * r.randint(1, 10)])), ("file_thp", 0), ("shmem_thp", 0),
                  ("inactive_anon", anon - r.randint(0, 20) * 4096), ("active_anon", r.randint(0, 20) * 4096),
                  ("inactive_file", file_b // 2), ("active_file", file_b - file_b // 2), ("unevictable", 0),
                  ("slab_reclaimable", slab_r), ("slab_unreclaimable", slab_u), ("slab", slab_r + slab_u),
                  ("workingset_refault_anon", 0), ("workingset_refault_file", r.randint(0, 9000)),
                  ("workingset_activate_anon", 0), ("workingset_activate_file", r.randint(0, 900)),
                  ("workingset_restore_anon", 0), ("workingset_restore_file", r.randint(0, 500)), ("workingset_nodereclaim", 0)]
        if six:
            stats += [("pgscan", r.randint(0, 99999)), ("pgsteal", r.randint(0, 99999)), ("pgscan_kswapd", 0),
                      ("pgscan_direct", r.randint(0, 99999)), ("pgscan_khugepaged", 0), ("pgsteal_kswapd", 0),
                      ("pgsteal_direct", r.randint(0, 99999)), ("pgsteal_khugepaged", 0)]
        stats += [("pgfault", r.randint(10000, 90000000)), ("pgmajfault", r.randint(0, 3000)), ("pgrefill", r.randint(0, 99999))]
        if not six:
            stats += [("pgscan", r.randint(0, 99999)), ("pgsteal", r.randint(0, 99999))]
        stats += [("pgactivate", r.randint(0, 99999)), ("pgdeactivate", r.randint(0, 99999)), ("pglazyfree", 0), ("pglazyfreed", 0)]
        if six:
            stats += [("zswpin", 0), ("zswpout", 0)]
        stats += [("thp_fault_alloc", r.randint(0, 50)), ("thp_collapse_alloc", 0)]
        for k, val in stats:
            L.append("%s %d" % (k, val))
        L.append("Tasks state (memory values in pages):")
        rows = ([self.pause_row()] if memcg == podp else []) + self.other_tasks(r.choice([0, 0, 1, 2, 4]), limit_pages)
        rows.append(v)
        if six:
            L.append(self.table6_header())
            for row in rows:
                L.append(self.row6(row, row.get("adj") if row.get("adj") is not None else adj))
        else:
            L.append("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
            for row in rows:
                L.append(self.row5(row, row.get("adj") if row.get("adj") is not None else adj))
        L.append("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=%s,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d" % (
            r.choice(["/", cpuset]), memcg, cont, v["comm"], v["pid"], v["uid"]))
        L.append("Memory cgroup out of memory: Killed process %d (%s) %s, UID:%d pgtables:%dkB oom_score_adj:%d" % (
            v["pid"], v["comm"], self.killed_tail(v), v["uid"], v["pgtables"] // 1024, adj))
        later = []
        if r.random() < 0.6:
            later.append("oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB" % (v["pid"], v["comm"]))
        return L, later

    def global_oom(self):
        r, rr = self.r, self.rr
        ram_pages = r.choice([2, 4, 8, 16, 32, 64]) * 262144  # 8..256 GiB
        rel = r.choice(K5)
        # Task table: system daemons + per-pod pause/shims/apps
        ntasks = r.randint(20, 200)
        rows = []
        sysd = [("systemd", 0, 0), ("systemd-journal", 0, -250), ("systemd-udevd", 0, -1000), ("auditd", 0, -1000),
                ("rsyslogd", 0, 0), ("dbus-daemon", 81, -900), ("chronyd", 998, 0), ("sshd", 0, -1000), ("crond", 0, 0),
                ("agetty", 0, 0), ("containerd", 0, -999), ("kubelet", 0, -999), ("dockerd", 0, -500),
                ("node_exporter", 65534, 998), ("systemd-logind", 0, 0), ("irqbalance", 0, 0)]
        pid = 1
        for comm, uid, a in sysd:
            rss = r.randint(200, 40000) if comm in ("kubelet", "containerd", "dockerd") else r.randint(50, 4000)
            rows.append(dict(comm=comm, pid=pid, uid=uid, rss=rss, anon=rss * 3 // 4, file=rss - rss * 3 // 4, shmem=0,
                             total_vm=rss * r.randint(2, 30), pgtables=r.randint(12, 400) * 4096, swapents=0, adj=a))
            pid += r.randint(1, 900)
        budget = int(ram_pages * r.uniform(0.90, 0.97))
        while len(rows) < ntasks - 1:
            pid += r.randint(1, 20000)
            kind = r.random()
            if kind < 0.3:
                row = self.pause_row()
            elif kind < 0.55:
                rss = r.randint(1500, 3500)
                row = dict(comm="containerd-shim", uid=0, rss=rss, anon=rss // 2, file=rss - rss // 2, shmem=0,
                           total_vm=r.randint(180000, 185000), pgtables=r.randint(20, 30) * 4096, swapents=0, adj=-998)
            else:
                p = r.choice(self.pods)
                rss = r.randint(1000, max(2000, ram_pages // 40))
                row = dict(comm=p.comm if len(p.comm) <= 15 else p.comm[:15], uid=r.choice([0, 1000, 101, 999]), rss=rss,
                           anon=rss * 9 // 10, file=rss - rss * 9 // 10, shmem=0, total_vm=rss * r.randint(2, 8),
                           pgtables=(rss // 400 + 20) * 4096, swapents=0, adj=self.adj_for(p.qos))
            row["pid"] = pid
            rows.append(row)
        # the victim: largest consumer
        pid += r.randint(1, 20000)
        used = sum(x["rss"] for x in rows)
        vrss = max(ram_pages // 8, budget - used)
        v = self.victim(vrss)  # v['rss'] ~ 0.8..0.985 of vrss
        v["pid"] = pid
        pod = r.choice(self.pods)
        v["adj"] = self.adj_for(pod.qos) if pod.qos != "guaranteed" else r.choice([2, 953, 999])
        rows.append(v)
        _, cont, _, _, _ = self.cgroup_paths(r.choice(["containerd-systemd", "cgroupfs"]))

        L = []
        inv = r.choice(["nginx", "kubelet", "containerd", "java", "python3", "node", "systemd-journal", "fluent-bit", "kswapd0"])
        L.append("%s invoked oom-killer: gfp_mask=%s, order=0, oom_score_adj=%d" % (
            inv, r.choice(["0x100cca(GFP_HIGHUSER_MOVABLE)", "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)", "0xcc0(GFP_KERNEL)"]),
            r.choice([0, -999, 953, 1000])))
        L.append("CPU: %d PID: %d Comm: %s Not tainted %s" % (r.randint(0, 63), rr.pid(), inv, rel))
        L.append("Hardware name: %s" % self.hw)
        L.append("Call Trace:")
        fns = ["dump_stack_lvl", "dump_header", "oom_kill_process.cold", "out_of_memory", "__alloc_pages_slowpath.constprop.0",
               "__alloc_pages", "alloc_pages", "folio_alloc", "__filemap_get_folio", "filemap_fault", "__do_fault", "do_fault",
               "__handle_mm_fault", "handle_mm_fault", "do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault"]
        L.append(" <TASK>")
        L.extend(" " + self.sym(f) for f in fns)
        L.extend(self.regs())
        L.append(" </TASK>")
        # Mem-Info
        free = ram_pages // r.randint(90, 140)
        ia = int(ram_pages * r.uniform(0.85, 0.93))
        aa = r.randint(500, 40000)
        slab_r = r.randint(10000, 60000)
        slab_u = r.randint(20000, 90000)
        pagetables = r.randint(3000, 30000)
        shmem = r.randint(1000, 9000)
        mapped = r.randint(1000, 9000)
        af, if_ = r.randint(0, 300), r.randint(0, 300)
        L.append("Mem-Info:")
        L.append("active_anon:%d inactive_anon:%d isolated_anon:0" % (aa, ia))
        L.append(" active_file:%d inactive_file:%d isolated_file:0" % (af, if_))
        L.append(" unevictable:0 dirty:0 writeback:0")
        L.append(" slab_reclaimable:%d slab_unreclaimable:%d" % (slab_r, slab_u))
        L.append(" mapped:%d shmem:%d pagetables:%d bounce:0" % (mapped, shmem, pagetables))
        L.append(" kernel_misc_reclaimable:0")
        L.append(" free:%d free_pcp:%d free_cma:0" % (free, r.randint(0, 900)))
        L.append("Node 0 active_anon:%dkB inactive_anon:%dkB active_file:%dkB inactive_file:%dkB unevictable:0kB isolated(anon):0kB "
                 "isolated(file):0kB mapped:%dkB dirty:0kB writeback:0kB shmem:%dkB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: %dkB "
                 "writeback_tmp:0kB kernel_stack:%dkB pagetables:%dkB all_unreclaimable? yes" % (
                     aa * 4, ia * 4, af * 4, if_ * 4, mapped * 4, shmem * 4, r.choice([0, 2048, 4096, 1026048]), r.randint(4000, 40000), pagetables * 4))
        zones = [("DMA", 15992, 15360, 11264), ("DMA32", 3129216, 3063740, r.randint(40000, 70000)),
                 ("Normal", ram_pages * 4 - 3145208, ram_pages * 4 - 3145208 - r.randint(50000, 400000), None)]
        normal_free = max(4096, free * 4 - 11264 - zones[1][3])
        reserves = ["0 2955 %d %d %d" % ((ram_pages * 4) // 1024, (ram_pages * 4) // 1024, (ram_pages * 4) // 1024),
                    "0 0 %d %d %d" % (((ram_pages * 4 - 3145208) // 1024,) * 3),
                    "0 0 0 0 0"]
        for (zn, present, managed, zfree), res in zip(zones, reserves):
            if zfree is None:
                zfree = normal_free
            mn = max(32, managed // 1000)
            L.append("Node 0 %s free:%dkB boost:0kB min:%dkB low:%dkB high:%dkB reserved_highatomic:0KB active_anon:%dkB inactive_anon:%dkB "
                     "active_file:%dkB inactive_file:%dkB unevictable:0kB writepending:0kB present:%dkB managed:%dkB mlocked:0kB "
                     "bounce:0kB free_pcp:%dkB local_pcp:%dkB free_cma:0kB" % (
                         zn, zfree, mn, mn * 5 // 4, mn * 3 // 2, 0 if zn == "DMA" else aa * 2, 0 if zn == "DMA" else ia * 2,
                         0 if zn == "DMA" else af * 2, 0 if zn == "DMA" else if_ * 2, present, managed,
                         0 if zn == "DMA" else r.randint(0, 3000), 0 if zn == "DMA" else r.randint(0, 400)))
            L.append("lowmem_reserve[]: " + res)
        for zn, _, _, zfree in zones:
            if zfree is None:
                zfree = normal_free
            parts = []
            total = 0
            for order in range(11):
                sz = 4 << order
                cnt = r.randint(0, 40) if order < 6 else r.randint(0, 3)
                total += cnt * sz
                tag = "" if cnt == 0 else " (%s)" % r.choice(["U", "UM", "UME", "M", "ME", "H", "UMH"])
                parts.append("%d*%dkB%s" % (cnt, sz, tag))
            L.append("Node 0 %s: %s = %dkB" % (zn, " ".join(parts), total))
        L.append("Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB")
        L.append("Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB")
        L.append("%d total pagecache pages" % (af + if_ + shmem + r.randint(0, 500)))
        L.append("0 pages in swap cache")
        L.append("Free swap  = 0kB")
        L.append("Total swap = 0kB")
        L.append("%d pages RAM" % (ram_pages - r.randint(0, 4096)))
        L.append("0 pages HighMem/MovableOnly")
        L.append("%d pages reserved" % r.randint(40000, 300000))
        L.append("0 pages hwpoisoned")
        L.append("Tasks state (memory values in pages):")
        L.append("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        for row in rows:
            L.append(self.row5(row, row["adj"]))
        L.append("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=%s,task=%s,pid=%d,uid=%d" % (
            cont, v["comm"], v["pid"], v["uid"]))
        L.append("Out of memory: Killed process %d (%s) %s, UID:%d pgtables:%dkB oom_score_adj:%d" % (
            v["pid"], v["comm"], self.killed_tail(v), v["uid"], v["pgtables"] // 1024, v["adj"]))
        later = []
        if r.random() < 0.7:
            later.append("oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB" % (v["pid"], v["comm"]))
        return L, later

    def make(self, gen):
        return {"el7-3.10-v1": self.el7, "4.19-v1": self.k419, "6.x-v1": self.k6v1, "v2": self.v2, "global": self.global_oom}[gen]()


def allocate_generations(n, r):
    """Deterministic mix following GEN_WEIGHTS (every generation present when n >= 5), shuffled."""
    total = sum(GEN_WEIGHTS.values())
    counts = {g: (n * GEN_WEIGHTS[g]) // total for g in GENERATIONS}
    if n >= len(GENERATIONS):
        for g in GENERATIONS:
            counts[g] = max(1, counts[g])
    # distribute the remainder (or trim the excess) by weight order
    order = sorted(GENERATIONS, key=lambda g: -GEN_WEIGHTS[g])
    i = 0
    while sum(counts.values()) < n:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts.values()) > n:
        g = order[i % len(order)]
        if counts[g] > 1:
            counts[g] -= 1
        i += 1
    gens = [g for g in GENERATIONS for _ in range(counts[g])]
    r.shuffle(gens)
    return gens


# ---------------------------------------------------------------------------
# main writer
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="output size in MiB (file is exactly this size)")
    ap.add_argument("--reports", type=int, default=300, help="number of OOM-killer reports to embed")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="output path ('-' for stdout)")
    ap.add_argument("--host", default="node1")
    ap.add_argument("--days", type=float, default=4.0, help="time span covered by the log")
    ap.add_argument("--start", default="2024-11-29T06:25:03", help="first timestamp (local time, syslog has no year)")
    ap.add_argument("--pods", type=int, default=0,
                    help="kill in N pods, taken in turn (default: 40 pods, chosen at random)")
    ap.add_argument("--generation", choices=GENERATIONS, default=None,
                    help="only reports of this kernel generation (default: the mix)")
    ap.add_argument("--interleave", type=float, default=0.0,
                    help="probability of a non-kernel noise line between two lines of a report (default 0)")
    args = ap.parse_args()

    t0 = time.monotonic()
    target = args.size_mib * MiB
    rr = R(args.seed)
    r = rr.r
    host = args.host.encode()

    pids = {k: r.randint(400, 4000) for k in ["kubelet", "containerd", "dockerd", "logind", "chronyd", "dhclient",
                                             "rsyslogd", "dbus", "ssm", "node_exporter"]}
    pods, veths = build_world(rr, args.pods or 40)
    templates = make_noise_templates(rr, pods, veths, pids)
    # Noise lines are 30..400 bytes including the "Mon dd HH:MM:SS host " prefix.
    pool = build_pool(rr, templates, 60000, max(80, 400 - (16 + len(host) + 1)))
    avg_len = sum(len(x) for x in pool) / len(pool)
    factory = ReportFactory(rr, pods, r.choice(HW_NAMES), in_turn=args.pods > 0)
    gens = [args.generation] * args.reports if args.generation else allocate_generations(args.reports, r)

    # Timeline: groups of lines share one timestamp; the time step is tuned so the
    # whole file covers roughly --days.
    start = dt.datetime.fromisoformat(args.start)
    span = args.days * 86400.0
    prefix_len = 16 + len(host) + 1
    est_lines = target / (avg_len + prefix_len)
    mean_k = max(4.0, est_lines / span)
    kmax = max(1, int(2 * mean_k) - 1)
    est_groups = est_lines / ((kmax + 1) / 2.0)
    mean_step = span / max(1.0, est_groups)

    # Report positions: uniformly random byte offsets in the first 97% of the file.
    # Stop the main noise loop early enough that one more group can never overshoot `target`.
    max_pool_len = max(len(x) for x in pool)
    reserve = kmax * (max_pool_len + prefix_len + 8) + 8192
    limit = max(1, int(min(target * 0.97, target - 2 * reserve)))
    offsets = sorted(r.randrange(0, max(1, limit)) for _ in range(args.reports))

    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    buf = []
    buflen = 0
    written = 0
    nlines = 0
    killed = 0
    FLUSH = 8 * MiB

    def flush():
        nonlocal buf, buflen, nlines, killed
        if not buf:
            return
        data = b"".join(buf)
        nlines += data.count(b"\n")
        killed += data.count(KILLED)
        out.write(data)
        buf = []
        buflen = 0

    t = 0.0
    last_sec = -1
    prefix = b""
    klog_ts = b""
    iso_ts = b""
    choices = r.choices
    randrange = r.randrange
    rand = r.random
    pending_later = []  # list of (emit_after_groups, [lines])
    ri = 0
    per_gen = {g: 0 for g in GENERATIONS}
    kernel_tag = b"kernel: "

    def set_time(sec):
        nonlocal prefix, klog_ts, iso_ts, last_sec
        last_sec = sec
        d = start + dt.timedelta(seconds=sec)
        hms = "%02d:%02d:%02d" % (d.hour, d.minute, d.second)
        prefix = ("%s %2d %s " % (MONTHS[d.month - 1], d.day, hms)).encode() + host + b" "
        us = randrange(1000000)
        klog_ts = ("%02d%02d %s.%06d" % (d.month, d.day, hms, us)).encode()
        iso_ts = ("%04d-%02d-%02dT%s.%06d%03dZ" % (d.year, d.month, d.day, hms, us, randrange(1000))).encode()

    def report_bytes(lines):
        # Kernel lines that start with a space (" <TASK>", " dump_stack+0x..", " active_file:..")
        # appear as "kernel:  x" or "kernel: x" depending on the syslog daemon's template;
        # emit both styles (chosen per report).
        strip = rand() < 0.5
        out_parts = []
        for ln in lines:
            if strip and ln.startswith(" "):
                ln = ln[1:]
            out_parts.append(prefix + kernel_tag + ln.encode() + b"\n")
            if args.interleave > 0 and rand() < args.interleave:
                nb = choices(pool, k=1)[0]
                while nb.startswith(b"kernel:"):
                    nb = choices(pool, k=1)[0]
                out_parts.append((prefix + nb).replace(PH_KLOG, klog_ts).replace(PH_ISO, iso_ts))
        return b"".join(out_parts)

    set_time(0)
    while True:
        if written + reserve >= target and ri >= len(offsets):
            break
        # advance time
        t += rand() * 2.0 * mean_step
        sec = int(t)
        if sec != last_sec:
            set_time(sec)
        if pending_later:
            still = []
            for cnt, lines in pending_later:
                if cnt <= 0:
                    b = report_bytes(lines)
                    buf.append(b)
                    buflen += len(b)
                    written += len(b)
                else:
                    still.append((cnt - 1, lines))
            pending_later = still
        while ri < len(offsets) and written >= offsets[ri]:
            gen = gens[ri]
            lines, later = factory.make(gen)
            b = report_bytes(lines)
            if b.count(KILLED) != 1:
                raise SystemExit("BUG: report %s has %d 'Killed process' lines" % (gen, b.count(KILLED)))
            buf.append(b)
            buflen += len(b)
            written += len(b)
            per_gen[gen] += 1
            ri += 1
            if later:
                pending_later.append((r.randint(0, 3), later))
        if written + reserve >= target:
            continue
        k = randrange(kmax) + 1
        lines = choices(pool, k=k)
        chunk = prefix + prefix.join(lines)
        chunk = chunk.replace(PH_KLOG, klog_ts).replace(PH_ISO, iso_ts)
        buf.append(chunk)
        n = len(chunk)
        buflen += n
        written += n
        if buflen >= FLUSH:
            flush()

    # trailing oom_reaper lines that were still pending
    for _, lines in pending_later:
        b = report_bytes(lines)
        buf.append(b)
        written += len(b)

    # Fill up to exactly `target` bytes with CRON lines of controlled length.
    filler_pid = r.randint(1000000, 4194303)
    head = b"CRON[%d]: (root) CMD (/usr/local/bin/cleanup --tmp /var/tmp/" % filler_pid
    tail = b")\n"

    def filler(n):
        h = prefix + head
        return h + (b"x" * (n - len(h) - len(tail))) + tail

    minlen = len(prefix) + len(head) + len(tail) + 16  # at least 16 chars of padding
    # Mostly ordinary noise lines, then a few CRON lines of controlled length for the exact end.
    while target - written > 1024:
        b = (prefix + choices(pool, k=1)[0]).replace(PH_KLOG, klog_ts).replace(PH_ISO, iso_ts)
        buf.append(b)
        written += len(b)
    while target - written >= minlen:
        rem = target - written
        if rem <= 400:
            b = filler(rem)
        else:
            L = min(300, rem - minlen)
            b = filler(L)
        buf.append(b)
        written += len(b)
    flush()
    if out is not sys.stdout.buffer:
        out.close()

    elapsed = time.monotonic() - t0
    end = start + dt.timedelta(seconds=last_sec)
    sys.stderr.write(
        "gen_kernel_log: wrote %d bytes (%.1f MiB%s), %d lines, %.1fs (%.0f MiB/s)\n"
        "gen_kernel_log: time span %s .. %s, host %s, seed %d\n"
        "gen_kernel_log: reports %d: %s\n"
        "gen_kernel_log: 'Killed process' lines: %d (expected %d)%s\n" % (
            written, written / MiB, "" if written == target else ", requested %d" % target, nlines, elapsed,
            written / MiB / max(elapsed, 1e-9), start.strftime("%b %d %H:%M:%S"), end.strftime("%b %d %H:%M:%S"),
            args.host, args.seed, sum(per_gen.values()), ", ".join("%s=%d" % (g, per_gen[g]) for g in GENERATIONS),
            killed, args.reports, "" if killed == args.reports else "  MISMATCH"))
    if killed != args.reports:
        sys.exit(1)


if __name__ == "__main__":
    main()
