//! Collectors: evidence read from the running machine.
//!
//! Collectors gather raw bytes and facts from the live system (the kernel's
//! log, cgroupfs, /proc); they decide nothing about what the evidence means.
//!
//! - [`kmsg`]: the kernel's log.
//! - [`cgroup`]: memory cgroups sampled into cAdvisor's terms, written as
//!   OpenMetrics.

pub mod cgroup;
pub mod kmsg;
pub mod prometheus;
