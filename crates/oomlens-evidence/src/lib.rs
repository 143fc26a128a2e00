//! Evidence parsers for oomlens.
//!
//! Each module turns one kind of raw evidence into typed facts. Parsers are
//! pure: they read the bytes they are given and nothing else, never panic on
//! any input, and return what they could read together with [`Warning`]s that
//! name the source and line of every problem they met. Every fact carries its
//! provenance so that a conclusion drawn from it can cite `source:line`.
//!
//! - [`framing`]: strips a log line's framing (syslog, RFC 3339, dmesg,
//!   `dmesg -T`, journald short and JSON, `/dev/kmsg` records) down to host,
//!   timestamp and message.
//! - [`kernel`]: OOM-killer reports, every kernel generation from 3.10 to 6.x,
//!   memcg and global, cgroup v1 and v2.
//! - [`cgroup`]: container identity (runtime, container id, pod UID, QoS,
//!   cgroup driver) from a cgroup path.
//! - [`time`]: turning a log timestamp into a UTC instant, saying how.
//! - [`registry`]: the one table of formats: how each is recognised from an
//!   input's first bytes (binary magic included) and how it is parsed.
//! - [`load`]: opening what the user gave (files, folders, `.gz`, stdin,
//!   pipes, `.tar.gz` bundles member by member) once each, recognising it
//!   and parsing it, streamed; evidence held in memory likewise.
//! - [`input`]: the streaming line scanner every log parser uses.
//! - [`k8s`]: `kubectl describe pod` text, Pod / List / Event objects as
//!   JSON or YAML, and Kubernetes quantities.
//! - [`jvm`]: class-loading logs, GC logs, `jcmd` / `jmap` outputs.
//! - [`metrics`]: memory over time from Prometheus text, API JSON and CSV.
//! - [`units`]: byte sizes and durations for people (one implementation,
//!   styles as data).
//! - [`applog`]: what a container's own log says about memory
//!   (`OutOfMemoryError` variants, JVM fatal errors and `hs_err` files,
//!   Node, Python and Go out-of-memory deaths).

pub mod applog;
pub mod cgroup;
pub mod framing;
pub mod input;
pub mod jvm;
pub mod k8s;
pub mod kernel;
pub(crate) mod lines;
pub mod load;
pub mod metrics;
pub mod provenance;
pub mod registry;
mod tarball;
mod tee;
pub mod time;
pub mod units;

pub use provenance::{Span, Warning, Warnings};
