//! Who a container cgroup is: namespace, pod and container when the
//! kubelet's pod log folders name them (`oomlens_live::node::identify`),
//! the pod UID and container id its path names, the path itself. Every part
//! of the agent asks [`identify`] and nothing else.

use oomlens_live::node::{self, Paths};
use serde::Serialize;

/// A container as the agent names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The cgroup path as the kernel prints it (`/kubepods.slice/...`).
    pub cgroup: String,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    pub pod_uid: Option<String>,
    pub container_id: Option<String>,
}

/// Names the container of cgroup `path` (as the kernel prints it) from
/// the node's pod log folders (`paths`); the pod UID and container id from
/// the path itself. Never fails: what nothing names stays `None`.
pub fn identify(paths: &Paths, path: &str) -> Identity {
    let n = node::identify(paths, path);
    Identity {
        cgroup: path.to_string(),
        namespace: n.namespace,
        pod: n.pod,
        container: n.container,
        pod_uid: n.path.pod_uid,
        container_id: n.path.container_id,
    }
}

impl Identity {
    /// The spool folder of this container: `namespace_pod_container` when
    /// named, else `pod-<uid>_<container id>`, else the cgroup path with
    /// `/` as `_`. Made of path-safe characters only.
    pub fn key(&self) -> String {
        let raw = match (&self.namespace, &self.pod, &self.container) {
            (Some(n), Some(p), Some(c)) => format!("{n}_{p}_{c}"),
            _ => match (&self.pod_uid, &self.container_id) {
                (Some(u), Some(c)) => format!("pod-{u}_{}", short(c)),
                _ => self.cgroup.trim_matches('/').replace('/', "_"),
            },
        };
        let k: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if k.is_empty() || k.starts_with('.') {
            format!("_{k}")
        } else {
            k
        }
    }

    /// The metric labels `namespace`, `pod`, `container`: the names when
    /// known; else the pod UID for `pod` and the container id's first 12
    /// characters for `container` (as `crictl` shows it), never empty for a
    /// container cgroup.
    pub fn metric_names(&self) -> (String, String, String) {
        (
            self.namespace.clone().unwrap_or_default(),
            self.pod
                .clone()
                .or_else(|| self.pod_uid.clone())
                .unwrap_or_default(),
            self.container
                .clone()
                .or_else(|| self.container_id.as_deref().map(|c| short(c).to_string()))
                .unwrap_or_default(),
        )
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &std::path::Path) -> Paths {
        Paths::at(
            oomlens_live::cgroup::Version::V1,
            dir.join("cgroup"),
            dir.join("pods"),
        )
    }

    const UID: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn the_pod_log_folders_name_namespace_pod_and_container() {
        let d = tempfile::tempdir().unwrap();
        let logs = d.path().join(format!("pods/shop_web-7d9f_{UID}/app"));
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::write(logs.join("0.log"), "").unwrap();
        let id = "0123456789abcdef".repeat(4);
        let p = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{id}.scope",
            UID.replace('-', "_")
        );
        let who = identify(&paths(d.path()), &p);
        assert_eq!(
            (
                who.namespace.as_deref(),
                who.pod.as_deref(),
                who.container.as_deref()
            ),
            (Some("shop"), Some("web-7d9f"), Some("app"))
        );
        assert_eq!(who.key(), "shop_web-7d9f_app");
        let (n, pod, c) = who.metric_names();
        assert_eq!(
            (n.as_str(), pod.as_str(), c.as_str()),
            ("shop", "web-7d9f", "app")
        );
    }

    #[test]
    fn a_kubepods_path_names_pod_and_container() {
        let d = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef".repeat(4);
        let p = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod11111111_2222_3333_4444_555555555555.slice/cri-containerd-{id}.scope"
        );
        let who = identify(&paths(d.path()), &p);
        assert_eq!(
            who.pod_uid.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(who.container_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            who.key(),
            "pod-11111111-2222-3333-4444-555555555555_0123456789ab"
        );
        let (n, pod, c) = who.metric_names();
        assert_eq!(
            (n.as_str(), pod.as_str(), c.as_str()),
            ("", "11111111-2222-3333-4444-555555555555", "0123456789ab")
        );
    }

    #[test]
    fn any_other_path_is_a_safe_key() {
        let d = tempfile::tempdir().unwrap();
        let p = paths(d.path());
        assert_eq!(
            identify(&p, "/system.slice/x y.service").key(),
            "system.slice_x_y.service"
        );
        assert_eq!(identify(&p, "/").key(), "_");
        assert_eq!(identify(&p, "/../..").key(), "_.._..");
    }
}
