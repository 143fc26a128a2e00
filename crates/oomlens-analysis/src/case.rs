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

use std::collections::{BTreeSet, HashMap};

use oomlens_evidence::applog::AppLog;
use oomlens_evidence::framing::Stamp;
use oomlens_evidence::k8s::{Container, Event, Pod, TimeFact};
use oomlens_evidence::kernel::OomReport;
use oomlens_evidence::metrics::Series;
use oomlens_evidence::time::Clock;
use oomlens_evidence::Warnings;

use crate::diagnosis::SourceNote;

/// Everything read, before joining.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Kernel reports; once the Case is built, only each member's latest
    /// has its stats values and task rows (the others' were never parsed:
    /// [`OomReport::expand`]).
    pub kernel: Vec<OomReport>,
    pub pods: Vec<Pod>,
    /// Event objects read on their own, with their source.
    pub events: Vec<(String, Event)>,
    /// Container logs, with their source.
    pub logs: Vec<(String, AppLog)>,
    /// Class-loading logs, judged, with their source.
    pub class_reports: Vec<crate::classes::ClassReport>,
    /// `VM.class_hierarchy` listings (the classes loaded at one moment),
    /// with their source.
    pub class_lists: Vec<(String, oomlens_evidence::jvm::classlist::ClassListing)>,
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
    /// A running JVM's flags (`jcmd VM.flags`, `-XX:+PrintFlagsFinal`,
    /// `VM.command_line`), per source.
    pub flags: Vec<(String, oomlens_evidence::jvm::flags::JvmFlags)>,
    /// Heap dumps read (their facts), per source, in the order given.
    pub heap_dumps: Vec<(String, oomlens_evidence::jvm::heapdump::HeapDumpFacts)>,
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
    /// The kill cannot be placed in time (`dmesg` seconds since boot
    /// without `--boot-time`) and no id ties it; it is the kill of the only
    /// container the kubelet reported OOMKilled.
    OnlyOomKilled,
}

/// A kernel report in a container, with the instant the join settled on.
#[derive(Debug, Clone)]
pub struct JoinedKill {
    pub report: usize,
    pub join: Join,
    /// RFC 3339 UTC of the kill, when known (after any correction by the
    /// join).
    pub utc: Option<String>,
    /// The instant `utc` names, as a value.
    pub at: Option<jiff::Timestamp>,
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
    /// Indexes into `Evidence::class_lists`.
    pub class_lists: Vec<usize>,
    /// Indexes into `Evidence::gc_logs` and `Evidence::jcmd`.
    pub gc_logs: Vec<usize>,
    pub jcmd: Vec<usize>,
    /// Indexes into `Evidence::nmt`.
    pub nmt: Vec<usize>,
    /// Indexes into `Evidence::hsperf`.
    pub hsperf: Vec<usize>,
    /// Indexes into `Evidence::flags`.
    pub flags: Vec<usize>,
    /// Indexes into `Evidence::heap_dumps`, oldest dump first (by the time
    /// in its header).
    pub heap_dumps: Vec<usize>,
    /// The metric series about this container: (index into
    /// `Evidence::metrics`, index of the series in that source), in the
    /// order read. Successive instances of the container (a restart gives
    /// a new container id) are all here; `memtime` joins them in time.
    pub series: Vec<(usize, usize)>,
    /// How many containers the working-set series that could be this
    /// member's name (more than one: a node's sample read with nothing
    /// that tells its pods apart; `series` is then empty, not guessed).
    pub series_containers: usize,
    /// Who the container is by its metric labels, when neither a pod nor a
    /// kernel report names it (a file of `oomlens sample` alone).
    pub labelled: Option<Labelled>,
    /// Events about this container's pod: (source, event).
    pub events: Vec<(String, Event)>,
}

/// A container as metric labels name it (`namespace`, `pod`, `container`,
/// `pod_uid`, `container_id`: cAdvisor's and `oomlens sample`'s names).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Labelled {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    pub pod_uid: Option<String>,
    /// The latest instance's id, without its `runtime://` prefix.
    pub container_id: Option<String>,
}

/// A kind of evidence the Case ties to members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tied {
    Log,
    ClassReport,
    ClassList,
    GcLog,
    Jcmd,
    Nmt,
    HsPerf,
    Flags,
    HeapDump,
}

/// Evidence that could not be tied to one container: kept, and said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loose {
    pub kind: Tied,
    /// Index into the list of its kind in `Evidence`.
    pub index: usize,
    pub source: String,
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
    /// Every file that could not be tied to one container (logs, class
    /// logs, GC logs, jcmd outputs, NMT snapshots, hsperfdata copies, JVM
    /// flags, heap dumps).
    pub loose: Vec<Loose>,
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
            loose: Vec::new(),
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
                && case.ev.hsperf.is_empty()
                && case.ev.flags.is_empty()
                && case.ev.heap_dumps.is_empty()
                && case.ev.metrics.is_empty())
        {
            case.members.push(Member::default());
        }
        case.join_series();
        case.join_files();
        case.expand_latest_kills();
        case
    }

    /// Parses the stats and task lines of each member's latest kernel
    /// report, the one the detectors read them from, and drops the other
    /// reports' (loaded as text, never parsed): a log of many kills gives
    /// that room back to the Diagnosis' kills before they are made.
    fn expand_latest_kills(&mut self) {
        let mut latest = vec![false; self.ev.kernel.len()];
        for m in &self.members {
            if let Some(l) = m.kills.last().and_then(|k| latest.get_mut(k.report)) {
                *l = true;
            }
        }
        for (r, latest) in self.ev.kernel.iter_mut().zip(latest) {
            if latest {
                r.expand();
            } else {
                r.drop_deferred();
            }
        }
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
        // Container ids and pod UIDs of the pods' members, looked up once:
        // the join is linear in the number of reports.
        let mut by_cid: HashMap<&str, usize> = HashMap::new();
        let mut by_uid: HashMap<&str, Vec<usize>> = HashMap::new();
        for (mi, m) in self.members.iter().enumerate() {
            if let Some(c) = self.container(m) {
                let ids = [
                    c.id.as_deref(),
                    c.last_state
                        .as_ref()
                        .and_then(|s| s.container_id.as_deref()),
                    c.state.as_ref().and_then(|s| s.container_id.as_deref()),
                ];
                for id in ids.into_iter().flatten() {
                    by_cid.entry(bare_id(id)).or_insert(mi);
                }
            }
            if let Some(uid) = self.pod(m).and_then(|p| p.uid.as_deref()) {
                by_uid.entry(uid).or_default().push(mi);
            }
        }
        let timed: Vec<usize> = (0..self.members.len())
            .filter(|&mi| finish_of(self.container(&self.members[mi])).is_some())
            .collect();
        let index = Index {
            by_cid,
            by_uid,
            timed,
        };
        let joins: Vec<(usize, Option<Joined>)> = self
            .ev
            .kernel
            .iter()
            .enumerate()
            .map(|(ri, r)| (ri, self.find_member_for(r, &index)))
            .collect();
        // Members made of kernel reports alone, by pod UID (else container
        // id): each restart gets a new container id, the pod UID stays.
        let mut kernel_only: HashMap<String, usize> = HashMap::new();
        let mut unplaced: Vec<usize> = Vec::new();
        for (ri, join) in joins {
            let r = &self.ev.kernel[ri];
            match join {
                Some((mi, join, when)) => {
                    let (utc, at) = when.unzip();
                    self.members[mi].kills.push(JoinedKill {
                        report: ri,
                        join,
                        utc,
                        at,
                    })
                }
                None => {
                    let jk = JoinedKill {
                        report: ri,
                        join: Join::KernelOnly,
                        utc: r.time.utc.clone(),
                        at: r.time.at,
                    };
                    let key = r
                        .container
                        .as_ref()
                        .and_then(|c| c.pod_uid.clone().or(c.container_id.clone()));
                    let existing = key.as_ref().and_then(|k| kernel_only.get(k).copied());
                    let mi = match existing {
                        Some(mi) => mi,
                        None => {
                            self.members.push(Member::default());
                            let mi = self.members.len() - 1;
                            if let Some(k) = key {
                                kernel_only.insert(k, mi);
                            }
                            mi
                        }
                    };
                    if self.members[mi].kills.is_empty() && r.time.utc.is_none() {
                        unplaced.push(mi);
                    }
                    self.members[mi].kills.push(jk);
                }
            }
        }
        self.join_unplaced(unplaced);
    }

    /// A kernel-only member whose kills cannot be placed in time (`dmesg`
    /// seconds since boot without `--boot-time`) and whose ids no pod
    /// contradicts or confirms (`kubectl describe` shows neither the pod UID
    /// nor the killed instance's id) is the kill the kubelet reported, when
    /// exactly one container of the pods says OOMKilled and has no kernel
    /// report of its own: one kill, not two containers.
    fn join_unplaced(&mut self, unplaced: Vec<usize>) {
        let oom_killed: Vec<usize> = (0..self.members.len())
            .filter(|&mi| {
                let m = &self.members[mi];
                m.pod.is_some()
                    && m.kills.is_empty()
                    && self
                        .container(m)
                        .and_then(|c| c.last_state.as_ref().or(c.state.as_ref()))
                        .and_then(|s| s.reason.as_deref())
                        == Some("OOMKilled")
            })
            .collect();
        let [target] = oom_killed[..] else {
            return;
        };
        let [from] = unplaced[..] else {
            return;
        };
        let uid = self.pod(&self.members[target]).and_then(|p| p.uid.clone());
        let m = &self.members[from];
        let all_unplaced = m.kills.iter().all(|k| {
            let r = &self.ev.kernel[k.report];
            r.time.utc.is_none()
                && r.kind == oomlens_evidence::kernel::Kind::Memcg
                && (uid.is_none()
                    || r.container.as_ref().and_then(|c| c.pod_uid.as_ref()) == uid.as_ref())
        });
        if !all_unplaced {
            return;
        }
        let mut kills = std::mem::take(&mut self.members[from].kills);
        for k in &mut kills {
            k.join = Join::OnlyOomKilled;
        }
        self.members[target].kills = kills;
        self.members.remove(from);
    }

    /// The member a kernel report belongs to, how, and the kill's instant.
    fn find_member_for(&self, r: &OomReport, index: &Index<'_>) -> Option<Joined> {
        let id = r.container.as_ref();
        let cid = id.and_then(|c| c.container_id.as_deref());
        let uid = id.and_then(|c| c.pod_uid.as_deref());
        // 1. container id
        if let Some(&mi) = cid.and_then(|cid| index.by_cid.get(bare_id(cid))) {
            return Some((mi, Join::ContainerId, placed(r)));
        }
        // 2. pod UID, then the best container of that pod.
        if let Some(in_pod) = uid.and_then(|uid| index.by_uid.get(uid)) {
            let by_time = in_pod
                .iter()
                .filter_map(|&mi| self.time_match(r, &self.members[mi]).map(|t| (mi, t)))
                .min_by_key(|(_, (d, _, _))| d.abs());
            if let Some((mi, (_, _, when))) = by_time {
                return Some((mi, Join::PodUid, when.or_else(|| placed(r))));
            }
            let oom = in_pod.iter().copied().find(|&mi| {
                self.container(&self.members[mi])
                    .and_then(|c| c.last_state.as_ref())
                    .and_then(|s| s.reason.as_deref())
                    == Some("OOMKilled")
            });
            let mi = oom.unwrap_or(in_pod[0]);
            return Some((mi, Join::PodUid, placed(r)));
        }
        // 3. time, against pods that do not contradict the report's pod UID.
        let mut best: Option<(usize, i64, Option<String>, Option<Placed>)> = None;
        for &mi in &index.timed {
            let m = &self.members[mi];
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
    ) -> Option<(i64, Option<String>, Option<Placed>)> {
        kill_vs_finish(r, finish_of(self.container(m))?)
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
    /// member, else the only member that was killed (by the kernel's report
    /// or the kubelet's word).
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
            .filter(|&mi| {
                let m = &self.members[mi];
                !m.kills.is_empty()
                    || self
                        .container(m)
                        .and_then(|c| c.last_state.as_ref())
                        .is_some_and(|s| s.status == "terminated")
            })
            .collect();
        (killed.len() == 1).then(|| killed[0])
    }

    /// Ties every file of the JVM and the container (logs, class logs, GC
    /// logs, jcmd outputs, NMT snapshots, hsperfdata copies, JVM flags) to
    /// its member
    /// by [`Case::owner_of`]; what cannot be tied is kept in `loose`.
    fn join_files(&mut self) {
        let files: Vec<(Tied, usize, String)> = (self.ev.logs.iter().map(|x| (Tied::Log, &x.0)))
            .enumerate()
            .map(|(i, (k, s))| (k, i, s.clone()))
            .chain(
                self.ev
                    .class_reports
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (Tied::ClassReport, i, r.source.clone())),
            )
            .chain(tagged(
                Tied::ClassList,
                self.ev.class_lists.iter().map(|x| &x.0),
            ))
            .chain(tagged(Tied::GcLog, self.ev.gc_logs.iter().map(|x| &x.0)))
            .chain(tagged(Tied::Jcmd, self.ev.jcmd.iter().map(|x| &x.0)))
            .chain(tagged(Tied::Nmt, self.ev.nmt.iter().map(|x| &x.0)))
            .chain(tagged(Tied::HsPerf, self.ev.hsperf.iter().map(|x| &x.0)))
            .chain(tagged(Tied::Flags, self.ev.flags.iter().map(|x| &x.0)))
            .chain(tagged(
                Tied::HeapDump,
                self.ev.heap_dumps.iter().map(|x| &x.0),
            ))
            .collect();
        for (kind, index, source) in files {
            let Some(mi) = self.owner_of(&source) else {
                match kind {
                    Tied::Log => self.loose_logs.push(index),
                    Tied::ClassReport => self.loose_class_reports.push(index),
                    _ => {}
                }
                self.loose.push(Loose {
                    kind,
                    index,
                    source,
                });
                continue;
            };
            let m = &mut self.members[mi];
            let list = match kind {
                Tied::Log => &mut m.logs,
                Tied::ClassReport => &mut m.class_reports,
                Tied::ClassList => &mut m.class_lists,
                Tied::GcLog => &mut m.gc_logs,
                Tied::Jcmd => &mut m.jcmd,
                Tied::Nmt => &mut m.nmt,
                Tied::HsPerf => &mut m.hsperf,
                Tied::Flags => &mut m.flags,
                Tied::HeapDump => &mut m.heap_dumps,
            };
            list.push(index);
        }
        let dumps = &self.ev.heap_dumps;
        for m in &mut self.members {
            m.heap_dumps.sort_by_key(|&i| dumps[i].1.unix_ms);
        }
    }

    /// Ties metric series to members: a series that names a container
    /// (labels `namespace`, `pod`, `container`, `pod_uid`, `container_id`)
    /// goes to the member every one of those labels fits; one that names
    /// none goes to the only member. A member known by nothing (metrics
    /// alone) takes the series when they name one container, and that
    /// container's labels become its identity ([`Member::labelled`]);
    /// series naming several are not guessed between.
    fn join_series(&mut self) {
        if self.ev.metrics.is_empty() {
            return;
        }
        let only = self.members.len() == 1;
        // The containers the working-set series name.
        let named_ws: BTreeSet<Labelled> = self
            .ev
            .metrics
            .iter()
            .flat_map(|(_, ss)| ss.iter())
            .filter(|s| s.name == WORKING_SET && names_container(s))
            .map(labelled_key)
            .collect();
        for mi in 0..self.members.len() {
            let who = self.who(&self.members[mi]);
            let known = who.pod.is_some() || who.pod_uid.is_some() || !who.container_ids.is_empty();
            let mut series = Vec::new();
            for (si, (_, ss)) in self.ev.metrics.iter().enumerate() {
                for (i, s) in ss.iter().enumerate() {
                    let mine = match (names_container(s), known) {
                        (false, _) => only,
                        (true, true) => about(s, &who),
                        (true, false) => only && named_ws.len() <= 1,
                    };
                    if mine {
                        series.push((si, i));
                    }
                }
            }
            // Series that still name several containers are not guessed
            // between.
            let containers: BTreeSet<Labelled> = series
                .iter()
                .map(|&(si, i)| &self.ev.metrics[si].1[i])
                .filter(|s| s.name == WORKING_SET && names_container(s))
                .map(labelled_key)
                .collect();
            let m = &mut self.members[mi];
            m.series_containers = containers.len();
            if containers.len() > 1 {
                m.series = series;
                continue;
            }
            if !known {
                m.labelled = containers.into_iter().next().map(|mut l| {
                    l.container_id = latest_container_id(&self.ev.metrics, &series);
                    l
                });
            }
            m.series = series;
        }
    }

    /// Who a member is, as metric labels may name it.
    pub fn who<'a>(&'a self, m: &'a Member) -> Who<'a> {
        let pod = self.pod(m);
        let c = self.container(m);
        let mut container_ids: Vec<&str> = m
            .kills
            .iter()
            .filter_map(|k| self.report(k).container.as_ref())
            .filter_map(|k| k.container_id.as_deref())
            .collect();
        if let Some(c) = c {
            let last = c
                .last_state
                .as_ref()
                .and_then(|s| s.container_id.as_deref());
            container_ids.extend(c.id.as_deref().into_iter().chain(last));
        }
        let kernel_uid = m
            .kills
            .iter()
            .rev()
            .find_map(|k| self.report(k).container.as_ref()?.pod_uid.as_deref());
        Who {
            namespace: pod.and_then(|p| p.namespace.as_deref()),
            pod: pod.and_then(|p| p.name.as_deref()),
            container: c.map(|c| c.name.as_str()),
            pod_uid: pod.and_then(|p| p.uid.as_deref()).or(kernel_uid),
            container_ids: container_ids.into_iter().map(bare_id).collect(),
        }
    }

    /// The memory limit the member's series carry
    /// (`container_spec_memory_limit_bytes`, its latest reading), when it
    /// is one (not 0, not the "unlimited" of cgroup v1).
    pub fn series_limit(&self, m: &Member) -> Option<u64> {
        self.series(m)
            .filter(|(_, s)| s.name == "container_spec_memory_limit_bytes")
            .filter_map(|(_, s)| s.points.last().copied())
            .max_by_key(|p| p.0)
            .map(|p| p.1)
            .filter(|v| *v > 0.0 && *v < (1u64 << 60) as f64)
            .map(|v| v as u64)
    }

    /// The member's metric series, with their source.
    pub fn series<'a>(
        &'a self,
        m: &'a Member,
    ) -> impl Iterator<Item = (&'a String, &'a Series)> + 'a {
        m.series.iter().map(|&(si, i)| {
            let (src, ss) = &self.ev.metrics[si];
            (src, &ss[i])
        })
    }
}

/// One sample of a member's metric series, with where it was read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample<'a> {
    /// Unix milliseconds.
    pub ms: i64,
    pub value: f64,
    pub source: &'a str,
    pub line: Option<u64>,
}

/// The samples of one metric of a member, every instance's series merged,
/// in time order ([`Case::samples`]).
#[derive(Debug, Clone, Default)]
pub struct Samples<'a>(pub Vec<Sample<'a>>);

impl<'a> Samples<'a> {
    /// The sample nearest to `ms`, when it is within `slack` ms of it (ties:
    /// the earlier).
    pub fn nearest(&self, ms: i64, slack: i64) -> Option<&Sample<'a>> {
        let i = self.0.partition_point(|p| p.ms < ms);
        [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|j| self.0.get(j))
            .min_by_key(|p| (p.ms - ms).abs())
            .filter(|p| (p.ms - ms).abs() <= slack)
    }

    /// The usual time between samples ([`crate::trend::step_ms`]).
    pub fn step_ms(&self) -> i64 {
        crate::trend::step_of(self.0.iter().map(|p| p.ms))
    }
}

impl Case {
    /// The member's samples of `metric` (`container_memory_rss`), every
    /// series of that name tied to it merged in time order.
    pub fn samples<'a>(&'a self, m: &'a Member, metric: &str) -> Samples<'a> {
        let mut v: Vec<Sample<'a>> = self
            .series(m)
            .filter(|(_, x)| x.name == metric)
            .flat_map(|(src, x)| {
                x.points
                    .iter()
                    .enumerate()
                    .map(move |(i, &(ms, value))| Sample {
                        ms,
                        value,
                        source: src.as_str(),
                        line: x.point_lines.get(i).or(x.line),
                    })
            })
            .collect();
        v.sort_by_key(|p| p.ms);
        Samples(v)
    }
}

/// A report's member, how it joined, and the kill's UTC instant.
type Joined = (usize, Join, Option<Placed>);

/// A kill's instant as printed (RFC 3339 UTC) and as a value.
type Placed = (String, jiff::Timestamp);

/// The report's own instant, when its stamp placed one.
fn placed(r: &OomReport) -> Option<Placed> {
    Some((r.time.utc.clone()?, r.time.at?))
}

const WORKING_SET: &str = "container_memory_working_set_bytes";

/// Lookups of the pods' members, for [`Case::find_member_for`].
struct Index<'a> {
    by_cid: HashMap<&'a str, usize>,
    by_uid: HashMap<&'a str, Vec<usize>>,
    /// Members whose container has a termination time.
    timed: Vec<usize>,
}

fn tagged<'a>(
    kind: Tied,
    sources: impl Iterator<Item = &'a String> + 'a,
) -> impl Iterator<Item = (Tied, usize, String)> + 'a {
    sources.enumerate().map(move |(i, s)| (kind, i, s.clone()))
}

/// A container id without its `runtime://` prefix.
fn bare_id(id: &str) -> &str {
    id.rsplit("://").next().unwrap_or(id)
}

/// The container's last termination time (its last state's, else its
/// state's).
fn finish_of(c: Option<&Container>) -> Option<&TimeFact> {
    fn fin(s: &Option<oomlens_evidence::k8s::State>) -> Option<&TimeFact> {
        s.as_ref()
            .filter(|s| s.status == "terminated")
            .and_then(|s| s.finished_at.as_ref())
    }
    let c = c?;
    fin(&c.last_state).or_else(|| fin(&c.state))
}

/// Who a container is, as metric labels may name it.
#[derive(Debug, Clone, Default)]
pub struct Who<'a> {
    pub namespace: Option<&'a str>,
    pub pod: Option<&'a str>,
    pub container: Option<&'a str>,
    /// The pod's UID (`oomlens sample` labels `pod_uid`).
    pub pod_uid: Option<&'a str>,
    /// The container's ids known (killed, current), 64 hex.
    pub container_ids: Vec<&'a str>,
}

/// Whether a series names a container at all.
pub fn names_container(s: &Series) -> bool {
    ["pod", "container", "pod_uid", "container_id"]
        .iter()
        .any(|k| s.labels.contains_key(*k))
}

/// Whether a series is about the container: every label that names a
/// container names this one (a label the container is not known by does
/// not count against it; a series naming nothing is about anything).
pub fn about(s: &Series, who: &Who) -> bool {
    let ok = |k: &str, want: Option<&str>| match (s.labels.get(k), want) {
        (Some(v), Some(w)) => v == w,
        _ => true,
    };
    let id_ok = match s.labels.get("container_id") {
        Some(id) if !who.container_ids.is_empty() => who.container_ids.contains(&bare_id(id)),
        _ => true,
    };
    ok("namespace", who.namespace)
        && ok("pod", who.pod)
        && ok("container", who.container)
        && ok("pod_uid", who.pod_uid)
        && id_ok
}

/// The container a series names, without the instance (its container id):
/// instances of one container are one.
fn labelled_key(s: &Series) -> Labelled {
    let get = |k: &str| s.labels.get(k).cloned();
    Labelled {
        namespace: get("namespace"),
        pod: get("pod"),
        container: get("container"),
        pod_uid: get("pod_uid"),
        container_id: None,
    }
}

/// The container id of the latest series that carries one.
fn latest_container_id(
    metrics: &[(String, Vec<Series>)],
    series: &[(usize, usize)],
) -> Option<String> {
    series
        .iter()
        .map(|&(si, i)| &metrics[si].1[i])
        .filter_map(|s| {
            let id = s.labels.get("container_id")?;
            Some((s.points.last().map_or(i64::MIN, |p| p.0), id))
        })
        .max_by_key(|(t, _)| *t)
        .map(|(_, id)| bare_id(id).to_string())
}

/// The same kill is often in several files (dmesg and syslog of one node,
/// rotated copies): reports with the same victim pid, cgroup and sizes are
/// one kill. The one whose time is best known stays; a warning names the
/// copy.
fn dedupe_kernel(ev: &mut Evidence) {
    // In place: the kept reports are moved to the front, in order, and the
    // copies cut off the end (no second list of every report).
    let mut seen = oomlens_evidence::kernel::Dedupe::default();
    let mut kept = 0;
    for i in 0..ev.kernel.len() {
        let Some(k) = seen.check(&ev.kernel[i], kept).map(|s| s.index) else {
            ev.kernel.swap(kept, i);
            kept += 1;
            continue;
        };
        if ev.kernel[k].time.utc.is_none() && ev.kernel[i].time.utc.is_some() {
            ev.kernel.swap(k, i);
        }
        let (keep, drop) = (&ev.kernel[k], &ev.kernel[i]);
        ev.warnings.push(
            &drop.lines.source,
            Some(drop.lines.first),
            oomlens_evidence::kernel::same_kill(
                &keep.lines.source,
                keep.lines.first,
                keep.victim.as_ref().map_or(0, |v| v.pid),
            ),
        );
    }
    ev.kernel.truncate(kept);
}

/// Seconds between a kernel kill and a container's `finishedAt`, when they
/// are within the window; with the zone borrowed and the kill's UTC.
fn kill_vs_finish(r: &OomReport, fin: &TimeFact) -> Option<(i64, Option<String>, Option<Placed>)> {
    let fin_utc = fin.at?;
    let exact = r.time.assumed.is_empty() || r.time.basis == Clock::Journal;
    if exact {
        if let Some(k) = r.time.instant() {
            let d = k.as_second() - fin_utc.as_second();
            return (d.abs() <= TIME_WINDOW_S).then(|| (d, None, placed(r)));
        }
    }
    // A stamp with assumptions: compare wall clocks in the status's zone.
    let fin_zoned = fin_utc.to_zoned(jiff::tz::TimeZone::fixed(
        fin.offset.unwrap_or(jiff::tz::Offset::UTC),
    ));
    let civil = match r.time.stamp {
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
            Some((k.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), k)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_sample_within_the_slack() {
        let at = |ms| Sample {
            ms,
            value: ms as f64,
            source: "m.om",
            line: Some(ms as u64),
        };
        let s = Samples(vec![at(1_000), at(2_000), at(4_000)]);
        assert_eq!(s.nearest(2_900, 5_000).map(|p| p.ms), Some(2_000));
        assert_eq!(s.nearest(3_100, 5_000).map(|p| p.ms), Some(4_000));
        // A tie goes to the earlier, before the first and after the last
        // to the ends.
        assert_eq!(s.nearest(3_000, 5_000).map(|p| p.ms), Some(2_000));
        assert_eq!(s.nearest(0, 5_000).map(|p| p.ms), Some(1_000));
        assert_eq!(s.nearest(9_000, 5_000).map(|p| p.ms), Some(4_000));
        assert_eq!(s.nearest(9_001, 5_000), None);
        assert_eq!(Samples::default().nearest(0, 5_000), None);
        assert_eq!(s.step_ms(), 2_000);
    }
}
