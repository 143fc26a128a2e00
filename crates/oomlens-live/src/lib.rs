//! Collectors: evidence read from the running machine.
//!
//! Collectors gather raw bytes and facts from the live system (the kernel's
//! log, cgroupfs, /proc); they decide nothing about what the evidence means.

pub mod kmsg;
