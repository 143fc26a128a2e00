//! Collectors: evidence read from the running machine.
//!
//! Collectors gather raw bytes and facts from the live system (the kernel's
//! log, cgroupfs, /proc); they decide nothing about what the evidence means.
//!
//! - [`kmsg`]: the kernel's log.
//! - [`attach`]: HotSpot's dynamic attach (what `jcmd` uses), without a
//!   JDK: any diagnostic command of a running JVM, also in a container.
//! - [`procfs`]: what `/proc/PID/status` says (namespaced pid, ids,
//!   signal handlers).
//! - [`cgroup`]: memory cgroups sampled into cAdvisor's terms.
//! - [`hsperf`]: a JVM's own memory pools, from its performance-counter
//!   file, without attaching to it.
//! - [`sampler`]: the sampling loop over a node's containers (alive,
//!   appeared, gone with a last reading, JVMs), on a schedule of deadlines.
//! - [`node`]: the node view: every container's memory cgroup named by
//!   the kubelet's pod log folders, its JVMs attached to, the kernel's
//!   log, as evidence files `diagnose` reads.
//! - [`openmetrics`]: samples written as OpenMetrics in bounded memory.
//! - [`prometheus`]: a Prometheus-compatible server's HTTP API.

pub mod attach;
pub mod cgroup;
pub mod hsperf;
pub mod kmsg;
pub mod node;
pub mod openmetrics;
pub mod procfs;
pub mod prometheus;
pub mod sampler;
