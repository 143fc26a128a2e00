//! The node agent behind `oomlens watch`: there before the kill, there
//! after it.
//!
//! It follows the kernel's log (`/dev/kmsg`, resumed from a saved cursor)
//! and every container cgroup's OOM-kill counter, so each kill is seen once
//! even when the kernel rate-limits its reports; it samples every
//! container's memory at an interval and, when a JVM's container nears its
//! limit, captures the JVM's own view through attach into a bounded spool;
//! after a kill it runs the same diagnosis as `oomlens diagnose` over the
//! kill, the samples before it and the captures, and publishes each event
//! as one JSON line (`oomlens/watch-event/v1`) and as Prometheus metrics.
//!
//! - [`identity`]: who a cgroup is (the one door to naming containers).
//! - [`event`]: the JSON lines the agent prints.
//! - [`ledger`]: kills from the kernel log matched to counter increments.
//! - [`spool`]: the bounded folder of kills and captures on the node.
//! - [`kernel`]: the kernel-log thread (follower, report assembly, cursor).
//! - [`metrics`]: the `/metrics` registry and its HTTP server.
//! - [`agent`]: the loop that joins them.

pub mod agent;
pub mod event;
pub mod identity;
pub mod kernel;
pub mod ledger;
pub mod metrics;
pub mod pod_event;
pub mod spool;

pub use agent::{run, Options};
