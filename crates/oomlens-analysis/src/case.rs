//! The Case: one incident, every fact the evidence gave, joined per
//! container.
//!
//! The same container appears in many sources under different names: the
//! kernel knows a cgroup path (pod UID, container id), `kubectl describe`
//! knows the pod and container names but not the pod UID, a pod object knows
//! both, the container's log knows nothing. [`Case::build`] joins them, in
//! order of strength:
//!
//! 1. container id (the kernel's cgroup path against `containerID` and
//!    `lastState.terminated.containerID`);
//! 2. pod UID;
//! 3. time: a kernel kill within two minutes of a container's
//!    `lastState.terminated.finishedAt`. A syslog stamp without year or zone
//!    is compared as wall-clock time in the zone of `finishedAt`, and a match
//!    fixes the kill's year and zone;
//! 4. for logs: a file name that names the container or pod, else the only
//!    container there is.
//!
//! Each join records how it was made, so the Diagnosis can say so. Kernel
//! reports that join nothing become containers of their own.

use oomlens_evidence::applog::AppLog;
use oomlens_evidence::framing::{parse_stamp, Stamp};
use oomlens_evidence::k8s::{Container, Event, Pod, TimeFact};
use oomlens_evidence::kernel::OomReport;
use oomlens_evidence::Warnings;

use crate::diagnosis::SourceNote;

/// Everything read, before joining.
#[derive(Debug, Default)]
pub struct Evidence {
    pub kernel: Vec<OomReport>,
    pub pods: Vec<Pod>,
    /// Event objects read on their own, with their source.
    pub events: Vec<(String, Event)>,
    /// Container logs, with their source.
    pub logs: Vec<(String, AppLog)>,
    /// Class-loading logs, judged, with their source.
    pub class_reports: Vec<crate::classes::ClassReport>,
    /// GC logs, with their source.
    pub gc_logs: Vec<(String, oomlens_evidence::jvm::gclog::GcLog)>,
    /// `jcmd` / `jmap` outputs, with their source.
    pub jcmd: Vec<(String, oomlens_evidence::jvm::jcmd::JcmdOutput)>,
    /// Native Memory Tracking snapshots, per source, in order.
    pub nmt: Vec<(String, Vec<oomlens_evidence::jvm::nmt::Snapshot>)>,
    /// Metric series, per source.
    pub metrics: Vec<(String, Vec<oomlens_evidence::metrics::Series>)>,
    /// JVM memory counters from hsperfdata copies, per source.
    pub hsperf: Vec<(String, oomlens_evidence::jvm::hsperf::JvmMemory)>,
    pub sources: Vec<SourceNote>,
    pub warnings: Warnings,
}

/// How a kernel report was tied to a container.
#[derive(Debug, Clone, PartialEq)]
pub enum Join {
    ContainerId,
    PodUid,
    /// The kill and the container's `finishedAt` are `delta_s` apart.
    Time {
        delta_s: i64,
        /// Set when the kernel stamp had no year or zone and the match
        /// supplied them (`+08:00`).
        zone_from_status: Option<String>,
    },
    /// No pod evidence: the container is known from the kernel only.
    KernelOnly,
}

/// A kernel report in a container, with the instant the join settled on.
#[derive(Debug, Clone)]
pub struct JoinedKill {
    pub report: usize,
    pub join: Join,
    /// RFC 3339 UTC of the kill, when known (after any correction by the
    /// join).
    pub utc: Option<String>,
}

/// One container of the incident.
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// Index into `Evidence::pods`.
    pub pod: Option<usize>,
    /// Index into that pod's `containers`.
    pub container: Option<usize>,
    pub kills: Vec<JoinedKill>,
    /// Indexes into `Evidence::logs`.
    pub logs: Vec<usize>,
    /// Indexes into `Evidence::class_reports`.
    pub class_reports: Vec<usize>,
    /// Indexes into `Evidence::gc_logs` and `Evidence::jcmd`.
    pub gc_logs: Vec<usize>,
    pub jcmd: Vec<usize>,
    /// Indexes into `Evidence::nmt`.
    pub nmt: Vec<usize>,
    /// Events about this container's pod: (source, event).
    pub events: Vec<(String, Event)>,
}

/// The joined incident.
#[derive(Debug, Default)]
pub struct Case {
    pub ev: Evidence,
    pub members: Vec<Member>,
    /// Logs that could not be tied to one container.
    pub loose_logs: Vec<usize>,
    /// Class logs that could not be tied to one container.
    pub loose_class_reports: Vec<usize>,
}

/// Two minutes: the kubelet notices a kill within seconds, but node clocks
/// and log pipelines drift.
const TIME_WINDOW_S: i64 = 120;

impl Case {
    pub fn pod(&self, m: &Member) -> Option<&Pod> {
        m.pod.and_then(|i| self.ev.pods.get(i))
    }

    pub fn container(&self, m: &Member) -> Option<&Container> {
        let pod = self.pod(m)?;
        m.container.and_then(|i| pod.containers.get(i))
    }

    pub fn report(&self, k: &JoinedKill) -> &OomReport {
        &self.ev.kernel[k.report]
    }

    pub fn build(mut ev: Evidence) -> Case {
        dedupe_kernel(&mut ev);
        let mut case = Case {
            ev,
            members: Vec::new(),
            loose_logs: Vec::new(),
            loose_class_reports: Vec::new(),
        };
        case.members_from_pods();
        case.join_kernel();
        case.join_events();
        // JVM evidence with no pod and no kernel kill: one process of its
        // own, known by its logs only.
        if case.members.is_empty()
            && !(case.ev.logs.is_empty()
                && case.ev.class_reports.is_empty()
                && case.ev.gc_logs.is_empty()
                && case.ev.jcmd.is_empty()
                && case.ev.nmt.is_empty()
                && case.ev.metrics.is_empty())
        {
            case.members.push(Member::default());
        }
        case.join_logs();
        case.join_class_reports();
        case
    }

    fn members_from_pods(&mut self) {
        for (pi, pod) in self.ev.pods.iter().enumerate() {
            for (ci, c) in pod.containers.iter().enumerate() {
                // Init containers matter only when they died.
                let died = |s: &Option<oomlens_evidence::k8s::State>| {
                    s.as_ref().is_some_and(|s| s.status == "terminated")
                };
                if c.init && !(died(&c.state) || died(&c.last_state)) {
                    continue;
                }
                self.members.push(Member {
                    pod: Some(pi),
                    container: Some(ci),
                    ..Member::default()
                });
            }
        }
    }

    fn join_kernel(&mut self) {
        for ri in 0..self.ev.kernel.len() {
            let r = &self.ev.kernel[ri];
            let join = self.find_member_for(r);
            match join {
                Some((mi, join, utc)) => self.members[mi].kills.push(JoinedKill {
                    report: ri,
                    join,
                    utc,
                }),
                None => {
                    let utc = r.time.utc.clone();
                    // Reports of the same pod (or container) form one member:
                    // each restart gets a new container id, the pod UID stays.
                    let key = r
                        .container
                        .as_ref()
                        .and_then(|c| c.pod_uid.clone().or(c.container_id.clone()));
                    let existing = key.as_ref().and_then(|k| {
                        self.members.iter().position(|m| {
                            m.pod.is_none()
                                && m.kills.first().is_some_and(|k0| {
                                    let c0 = self.ev.kernel[k0.report].container.as_ref();
                                    c0.and_then(|c| c.pod_uid.clone().or(c.container_id.clone()))
                                        .as_ref()
                                        == Some(k)
                                })
                        })
                    });
                    let jk = JoinedKill {
                        report: ri,
                        join: Join::KernelOnly,
                        utc,
                    };
                    match existing {
                        Some(mi) => self.members[mi].kills.push(jk),
                        None => self.members.push(Member {
                            kills: vec![jk],
                            ..Member::default()
                        }),
                    }
                }
            }
        }
    }

    /// The member a kernel report belongs to, how, and the kill's instant.
    fn find_member_for(&self, r: &OomReport) -> Option<(usize, Join, Option<String>)> {
        let id = r.container.as_ref();
        let cid = id.and_then(|c| c.container_id.as_deref());
        let uid = id.and_then(|c| c.pod_uid.as_deref());
        // 1. container id
        if let Some(cid) = cid {
            for (mi, m) in self.members.iter().enumerate() {
                if let Some(c) = self.container(m) {
                    let ids = [
                        c.id.as_deref(),
                        c.last_state
                            .as_ref()
                            .and_then(|s| s.container_id.as_deref()),
                        c.state.as_ref().and_then(|s| s.container_id.as_deref()),
                    ];
                    if ids.contains(&Some(cid)) {
                        return Some((mi, Join::ContainerId, r.time.utc.clone()));
                    }
                }
            }
        }
        // 2. pod UID, then the best container of that pod.
        if let Some(uid) = uid {
            let in_pod: Vec<usize> = (0..self.members.len())
                .filter(|&mi| {
                    self.pod(&self.members[mi]).and_then(|p| p.uid.as_deref()) == Some(uid)
                })
                .collect();
            if !in_pod.is_empty() {
                let by_time = in_pod
                    .iter()
                    .filter_map(|&mi| self.time_match(r, &self.members[mi]).map(|t| (mi, t)))
                    .min_by_key(|(_, (d, _, _))| d.abs());
                if let Some((mi, (_, _, utc))) = by_time {
                    return Some((mi, Join::PodUid, utc.or(r.time.utc.clone())));
                }
                let oom = in_pod.iter().copied().find(|&mi| {
                    self.container(&self.members[mi])
                        .and_then(|c| c.last_state.as_ref())
                        .and_then(|s| s.reason.as_deref())
                        == Some("OOMKilled")
                });
                let mi = oom.unwrap_or(in_pod[0]);
                return Some((mi, Join::PodUid, r.time.utc.clone()));
            }
        }
        // 3. time, against pods that do not contradict the report's pod UID.
        let mut best: Option<(usize, i64, Option<String>, Option<String>)> = None;
        for (mi, m) in self.members.iter().enumerate() {
            let pod_uid = self.pod(m).and_then(|p| p.uid.as_deref());
            if uid.is_some() && pod_uid.is_some() && pod_uid != uid {
                continue;
            }
            if let Some((d, zone, utc)) = self.time_match(r, m) {
                if best.as_ref().is_none_or(|b| d.abs() < b.1.abs()) {
                    best = Some((mi, d, zone, utc));
                }
            }
        }
        best.map(|(mi, d, zone, utc)| {
            (
                mi,
                Join::Time {
                    delta_s: d,
                    zone_from_status: zone,
                },
                utc,
            )
        })
    }

    /// Whether the report's kill is within [`TIME_WINDOW_S`] of the
    /// member's last termination: (kill minus finish in seconds, the zone
    /// borrowed from the status when the stamp had none, the kill's UTC).
    fn time_match(
        &self,
        r: &OomReport,
        m: &Member,
    ) -> Option<(i64, Option<String>, Option<String>)> {
        let c = self.container(m)?;
        let fin = c
            .last_state
            .as_ref()
            .filter(|s| s.status == "terminated")
            .and_then(|s| s.finished_at.as_ref())
            .or_else(|| {
                c.state
                    .as_ref()
                    .filter(|s| s.status == "terminated")
                    .and_then(|s| s.finished_at.as_ref())
            })?;
        kill_vs_finish(r, fin)
    }

    fn join_events(&mut self) {
        // Events inside a describe belong to its pod.
        for mi in 0..self.members.len() {
            if let Some(pod) = self.pod(&self.members[mi]) {
                let src = pod.lines.source.clone();
                let evs: Vec<_> = pod
                    .events
                    .iter()
                    .cloned()
                    .map(|e| (src.clone(), e))
                    .collect();
                self.members[mi].events.extend(evs);
            }
        }
        for (src, e) in self.ev.events.clone() {
            let obj_name = e
                .object
                .as_deref()
                .map(|o| o.rsplit('/').next().unwrap_or(o).to_string());
            for mi in 0..self.members.len() {
                let Some(pod) = self.pod(&self.members[mi]) else {
                    continue;
                };
                let same_pod = obj_name.is_some() && pod.name == obj_name;
                let same_ns = e.namespace.is_none()
                    || pod.namespace.is_none()
                    || e.namespace == pod.namespace;
                if same_pod && same_ns {
                    self.members[mi].events.push((src.clone(), e.clone()));
                }
            }
        }
    }

    /// The member a file belongs to: the one its name names, else the only
    /// member, else the only member with a kill.
    fn owner_of(&self, source: &str) -> Option<usize> {
        let name = source.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
        let named: Vec<usize> = (0..self.members.len())
            .filter(|&mi| {
                let m = &self.members[mi];
                let cname = self.container(m).map(|c| c.name.to_ascii_lowercase());
                let pname = self
                    .pod(m)
                    .and_then(|p| p.name.clone())
                    .map(|n| n.to_ascii_lowercase());
                cname.is_some_and(|c| !c.is_empty() && name.contains(&c))
                    || pname.is_some_and(|p| !p.is_empty() && name.contains(&p))
            })
            .collect();
        if named.len() == 1 {
            return Some(named[0]);
        }
        if self.members.len() == 1 {
            return Some(0);
        }
        let killed: Vec<usize> = (0..self.members.len())
            .filter(|&mi| !self.members[mi].kills.is_empty())
            .collect();
        (killed.len() == 1).then(|| killed[0])
    }

    fn join_class_reports(&mut self) {
        for ci in 0..self.ev.class_reports.len() {
            match self.owner_of(&self.ev.class_reports[ci].source.clone()) {
                Some(mi) => self.members[mi].class_reports.push(ci),
                None => self.loose_class_reports.push(ci),
            }
        }
        for gi in 0..self.ev.gc_logs.len() {
            if let Some(mi) = self.owner_of(&self.ev.gc_logs[gi].0.clone()) {
                self.members[mi].gc_logs.push(gi);
            }
        }
        for ji in 0..self.ev.jcmd.len() {
            if let Some(mi) = self.owner_of(&self.ev.jcmd[ji].0.clone()) {
                self.members[mi].jcmd.push(ji);
            }
        }
        for ni in 0..self.ev.nmt.len() {
            if let Some(mi) = self.owner_of(&self.ev.nmt[ni].0.clone()) {
                self.members[mi].nmt.push(ni);
            }
        }
    }

    fn join_logs(&mut self) {
        for li in 0..self.ev.logs.len() {
            match self.owner_of(&self.ev.logs[li].0.clone()) {
                Some(mi) => self.members[mi].logs.push(li),
                None => self.loose_logs.push(li),
            }
        }
    }
}

/// The same kill is often in several files (dmesg and syslog of one node,
/// rotated copies): reports with the same victim pid, cgroup and sizes are
/// one kill. The one whose time is best known stays; a warning names the
/// copy.
fn dedupe_kernel(ev: &mut Evidence) {
    let key = |r: &OomReport| {
        r.victim
            .as_ref()
            .map(|v| (v.pid, r.task_memcg.clone(), v.anon_rss_kb, v.total_vm_kb))
    };
    let mut kept: Vec<OomReport> = Vec::new();
    for r in std::mem::take(&mut ev.kernel) {
        let k = key(&r);
        let dup = if k.is_some() {
            kept.iter().position(|x| key(x) == k)
        } else {
            None
        };
        match dup {
            Some(i) => {
                let better = kept[i].time.utc.is_none() && r.time.utc.is_some();
                let (keep, drop) = if better {
                    (r, kept[i].clone())
                } else {
                    (kept[i].clone(), r)
                };
                ev.warnings.push(
                    &drop.lines.source,
                    Some(drop.lines.first),
                    format!(
                        "the same kill as {}:{} (victim pid {}): counted once",
                        keep.lines.source,
                        keep.lines.first,
                        keep.victim.as_ref().map_or(0, |v| v.pid)
                    ),
                );
                kept[i] = keep;
            }
            None => kept.push(r),
        }
    }
    ev.kernel = kept;
}

/// Seconds between a kernel kill and a container's `finishedAt`, when they
/// are within the window; with the zone borrowed and the kill's UTC.
fn kill_vs_finish(r: &OomReport, fin: &TimeFact) -> Option<(i64, Option<String>, Option<String>)> {
    let fin_utc: jiff::Timestamp = fin.utc.as_deref()?.parse().ok()?;
    let exact = r.time.assumed.is_empty() || r.time.basis == "journal";
    if exact {
        if let Some(k) = r.time.instant() {
            let d = k.as_second() - fin_utc.as_second();
            return (d.abs() <= TIME_WINDOW_S).then(|| (d, None, r.time.utc.clone()));
        }
    }
    // A stamp with assumptions: compare wall clocks in the status's zone.
    let fin_zoned = fixed_zone_of(&fin.raw)
        .map(|off| fin_utc.to_zoned(jiff::tz::TimeZone::fixed(off)))
        .unwrap_or_else(|| fin_utc.to_zoned(jiff::tz::TimeZone::UTC));
    let civil = match parse_stamp(&r.time.raw) {
        Stamp::Syslog {
            month,
            day,
            hour,
            minute,
            second,
            ..
        } => jiff::civil::DateTime::new(fin_zoned.year(), month, day, hour, minute, second, 0)
            .ok()?,
        Stamp::Iso {
            civil,
            offset: None,
        }
        | Stamp::Ctime { civil } => civil,
        _ => {
            // Uptime stamps without a boot time cannot be placed.
            return None;
        }
    };
    let off = fin_zoned.offset();
    let k = off.to_timestamp(civil).ok()?;
    let d = k.as_second() - fin_utc.as_second();
    (d.abs() <= TIME_WINDOW_S).then(|| {
        (
            d,
            Some(off.to_string()),
            Some(k.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        )
    })
}

/// The fixed offset at the end of a time as Kubernetes printed it
/// (`Sat, 02 Dec 2023 13:55:57 +0800`, `2023-12-02T13:55:57+08:00`).
fn fixed_zone_of(raw: &str) -> Option<jiff::tz::Offset> {
    let t = raw.trim();
    if t.ends_with('Z') {
        return Some(jiff::tz::Offset::UTC);
    }
    let tail = t.rsplit([' ', 'T']).next()?;
    let pos = tail.rfind(['+', '-'])?;
    let (sign, body) = tail[pos..].split_at(1);
    let digits: String = body.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    let secs = (h * 3600 + m * 60) * if sign == "-" { -1 } else { 1 };
    jiff::tz::Offset::from_seconds(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_from_kubernetes_times() {
        assert_eq!(
            fixed_zone_of("Sat, 02 Dec 2023 13:55:57 +0800").map(|o| o.seconds()),
            Some(28800)
        );
        assert_eq!(
            fixed_zone_of("2023-12-02T05:55:57Z").map(|o| o.seconds()),
            Some(0)
        );
        assert_eq!(
            fixed_zone_of("2023-12-02T13:55:57-05:00").map(|o| o.seconds()),
            Some(-18000)
        );
        assert_eq!(fixed_zone_of("yesterday"), None);
    }
}
