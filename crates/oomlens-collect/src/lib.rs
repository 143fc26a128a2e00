//! `oomlens collect`: one evidence bundle for one pod, a namespace, a label
//! selector, or every pod OOM-killed since a time, gathered through the
//! Kubernetes API (kube-rs), the kubelet's log and cAdvisor endpoints
//! behind the API's node proxy, and Prometheus, redacted, into a folder or
//! `.tar.gz` that `oomlens diagnose` reads as is. JVM evidence comes from
//! inside the container: `jcmd` through the exec subresource, or
//! `oomlens jcmd --all` in an ephemeral debug container.
//!
//! - [`api`]: the client (kubeconfig, in-cluster, context, impersonation),
//!   bounded reads, exec (WebSocket channel protocol), the RBAC each call
//!   needs.
//! - [`collect`]: selection and the collection itself.
//! - [`redact`]: secrets out of objects and text before anything is written.
//! - [`bundle`]: the folder or tarball.
//! - [`manifest`]: `manifest.json` (`oomlens/collect/v1`).
//!
//! This crate is apart from `oomlens-live` so that kube, hyper and tokio
//! are built only by what collects from a cluster.

pub mod api;
pub mod bundle;
pub mod collect;
pub mod manifest;
pub mod redact;
