//! Container identity from a cgroup path.
//!
//! The kubelet and the container runtimes name cgroups in a few fixed
//! schemes, and the OOM killer prints those names (`task_memcg`,
//! `oom_memcg`, `Task in X killed as a result of limit of Y`). From a path we
//! recover the runtime, the 64-hex container id, the pod UID, the pod's QoS
//! class and the kubelet's cgroup driver:
//!
//! - systemd driver: `/kubepods.slice/kubepods-burstable.slice/
//!   kubepods-burstable-pod943d7e40_3a14_..slice/docker-<id>.scope`
//!   (`cri-containerd-<id>.scope`, `crio-<id>.scope`; Guaranteed pods sit
//!   directly under `kubepods.slice` as `kubepods-pod<uid>.slice`);
//! - cgroupfs driver: `/kubepods/burstable/pod943d7e40-3a14-.../<id>`;
//! - plain Docker or Podman: `/docker/<id>`, `/system.slice/docker-<id>.scope`,
//!   `libpod-<id>.scope`;
//! - runc's `slice:prefix:name` form (`kubepods-pod<uid>.slice:cri-containerd:<id>`).
//!
//! Nested hierarchies (kind, Docker-in-Docker) are read from the innermost
//! Kubernetes part.

use serde::Serialize;

/// Who a cgroup path belongs to. Fields are `None` when the path does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerIdentity {
    /// `docker`, `containerd`, `cri-o` or `podman`; `None` for cgroupfs-driver
    /// paths, which do not name the runtime.
    pub runtime: Option<String>,
    /// The full container id (64 hex digits as the runtime prints it).
    pub container_id: Option<String>,
    /// The pod UID with dashes (`943d7e40-3a14-4519-b7a7-a2b6ee3576fb`).
    pub pod_uid: Option<String>,
    /// `guaranteed`, `burstable` or `besteffort`.
    pub qos: Option<String>,
    /// `systemd` or `cgroupfs`.
    pub cgroup_driver: Option<String>,
}

impl ContainerIdentity {
    /// True when the path said nothing about a container or pod.
    pub fn is_empty(&self) -> bool {
        self.container_id.is_none() && self.pod_uid.is_none()
    }
}

/// How far down the Kubernetes hierarchy a cgroup is: which level's limit a
/// memcg OOM hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CgroupLevel {
    /// The root cgroup: the whole node.
    Root,
    /// `kubepods`: the node's allocatable memory for all pods.
    Kubepods,
    /// A QoS class parent (`kubepods-burstable.slice`).
    Qos,
    /// A pod's cgroup: the sum of its containers' limits.
    Pod,
    /// One container.
    Container,
    /// Something outside the Kubernetes scheme (a systemd service, a plain
    /// Docker container without a pod).
    Other,
}

impl CgroupLevel {
    /// Its serde name (`container`, `pod`, `qos`, `kubepods`, `root`,
    /// `other`), without a serializer: a diagnosis names the level of
    /// every kill.
    pub fn as_str(self) -> &'static str {
        match self {
            CgroupLevel::Root => "root",
            CgroupLevel::Kubepods => "kubepods",
            CgroupLevel::Qos => "qos",
            CgroupLevel::Pod => "pod",
            CgroupLevel::Container => "container",
            CgroupLevel::Other => "other",
        }
    }
}

/// Reads the identity out of a cgroup path. Never fails: unknown parts are
/// simply not filled in.
pub fn identify(path: &str) -> ContainerIdentity {
    let mut id = ContainerIdentity::default();
    let mut in_kubepods = false;
    for comp in path.split('/').filter(|c| !c.is_empty()) {
        for part in comp.split(':') {
            read_component(part, &mut id, &mut in_kubepods);
        }
    }
    if in_kubepods && id.pod_uid.is_some() && id.qos.is_none() {
        id.qos = Some("guaranteed".into());
    }
    id
}

fn read_component(c: &str, id: &mut ContainerIdentity, in_kubepods: &mut bool) {
    let set = |slot: &mut Option<String>, v: &str| *slot = Some(v.to_string());
    if c == "kubepods.slice" || c == "kubepods" {
        *in_kubepods = true;
        // A nested hierarchy starts over: the innermost pod wins.
        id.pod_uid = None;
        id.qos = None;
        id.container_id = None;
        id.runtime = None;
        set(
            &mut id.cgroup_driver,
            if c == "kubepods" {
                "cgroupfs"
            } else {
                "systemd"
            },
        );
        return;
    }
    if let Some(rest) = c
        .strip_prefix("kubepods-")
        .and_then(|r| r.strip_suffix(".slice"))
    {
        // kubepods-burstable / kubepods-burstable-pod<uid> / kubepods-pod<uid>
        *in_kubepods = true;
        id.cgroup_driver.get_or_insert_with(|| "systemd".into());
        let (qos, pod) = match rest.find("pod") {
            Some(i) => (rest[..i].trim_end_matches('-'), Some(&rest[i + 3..])),
            None => (rest, None),
        };
        if matches!(qos, "burstable" | "besteffort" | "guaranteed") {
            set(&mut id.qos, qos);
        }
        if let Some(uid) = pod {
            if let Some(u) = normalize_uid(&uid.replace('_', "-")) {
                id.pod_uid = Some(u);
            }
        }
        return;
    }
    if *in_kubepods && id.cgroup_driver.as_deref() == Some("cgroupfs") {
        if matches!(c, "burstable" | "besteffort") && id.pod_uid.is_none() {
            set(&mut id.qos, c);
            return;
        }
        if let Some(u) = c.strip_prefix("pod").and_then(normalize_uid) {
            id.pod_uid = Some(u);
            return;
        }
    }
    let scoped = c.strip_suffix(".scope").unwrap_or(c);
    for (prefix, runtime) in [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("crio-conmon-", ""),
        ("crio-", "cri-o"),
        ("libpod-conmon-", ""),
        ("libpod-", "podman"),
        ("cri-dockerd-", "docker"),
    ] {
        if let Some(rest) = scoped.strip_prefix(prefix) {
            if is_container_id(rest) && !runtime.is_empty() {
                set(&mut id.container_id, rest);
                set(&mut id.runtime, runtime);
                // `<runtime>-<id>.scope` units come from the systemd driver.
                if c.ends_with(".scope") {
                    id.cgroup_driver.get_or_insert_with(|| "systemd".into());
                }
            }
            return;
        }
    }
    // runc's `slice:prefix:name` form splits into plain `cri-containerd`,
    // `crio`, `docker` parts followed by the bare id.
    match c {
        "cri-containerd" => return set(&mut id.runtime, "containerd"),
        "crio" => return set(&mut id.runtime, "cri-o"),
        "docker" if !*in_kubepods => {
            // Docker's own cgroupfs driver: `/docker/<id>`.
            set(&mut id.runtime, "docker");
            return set(&mut id.cgroup_driver, "cgroupfs");
        }
        _ => {}
    }
    if is_container_id(c) {
        set(&mut id.container_id, c);
    }
}

fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Accepts a 36-character UUID (in any hex case) and returns it lower-cased.
fn normalize_uid(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (c == b'-') || (!dash && !c.is_ascii_hexdigit()) {
            return None;
        }
    }
    Some(s.to_ascii_lowercase())
}

/// The level of the Kubernetes hierarchy a path names.
pub fn level(path: &str) -> CgroupLevel {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        return CgroupLevel::Root;
    }
    let id = identify(p);
    if id.container_id.is_some() {
        return CgroupLevel::Container;
    }
    if id.pod_uid.is_some() {
        // A pod's own cgroup, unless something below it was named (a pause
        // container under cgroupfs has an id, handled above).
        return CgroupLevel::Pod;
    }
    let last = p.rsplit('/').next().unwrap_or("");
    match last {
        "kubepods.slice" | "kubepods" => CgroupLevel::Kubepods,
        "kubepods-burstable.slice" | "kubepods-besteffort.slice" | "burstable" | "besteffort"
            if p.contains("kubepods") =>
        {
            CgroupLevel::Qos
        }
        _ => CgroupLevel::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_are_the_serde_names() {
        use CgroupLevel::*;
        for l in [Root, Kubepods, Qos, Pod, Container, Other] {
            assert_eq!(
                serde_json::to_value(l).ok(),
                Some(serde_json::Value::String(l.as_str().to_string()))
            );
        }
    }

    const SEED: &str = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice/docker-928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720.scope";
    const ID: &str = "928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720";

    #[test]
    fn seed_systemd_docker() {
        let id = identify(SEED);
        assert_eq!(id.runtime.as_deref(), Some("docker"));
        assert_eq!(id.container_id.as_deref(), Some(ID));
        assert_eq!(
            id.pod_uid.as_deref(),
            Some("943d7e40-3a14-4519-b7a7-a2b6ee3576fb")
        );
        assert_eq!(id.qos.as_deref(), Some("burstable"));
        assert_eq!(id.cgroup_driver.as_deref(), Some("systemd"));
        assert_eq!(level(SEED), CgroupLevel::Container);
        let pod = SEED.rsplit_once('/').unwrap().0;
        assert_eq!(level(pod), CgroupLevel::Pod);
    }

    #[test]
    fn cgroupfs_guaranteed_and_burstable() {
        let p = format!("/kubepods/burstable/pod943d7e40-3a14-4519-b7a7-a2b6ee3576fb/{ID}");
        let id = identify(&p);
        assert_eq!(id.cgroup_driver.as_deref(), Some("cgroupfs"));
        assert_eq!(id.qos.as_deref(), Some("burstable"));
        assert_eq!(id.runtime, None);
        assert_eq!(id.container_id.as_deref(), Some(ID));
        let p = format!("/kubepods/pod943d7e40-3a14-4519-b7a7-a2b6ee3576fb/{ID}");
        assert_eq!(identify(&p).qos.as_deref(), Some("guaranteed"));
        assert_eq!(level("/kubepods/burstable"), CgroupLevel::Qos);
        assert_eq!(level("/kubepods"), CgroupLevel::Kubepods);
        assert_eq!(level("/"), CgroupLevel::Root);
    }

    #[test]
    fn systemd_guaranteed_containerd_and_crio() {
        let p = format!(
            "/kubepods.slice/kubepods-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice/cri-containerd-{ID}.scope"
        );
        let id = identify(&p);
        assert_eq!(id.qos.as_deref(), Some("guaranteed"));
        assert_eq!(id.runtime.as_deref(), Some("containerd"));
        let p = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice/crio-{ID}.scope"
        );
        let id = identify(&p);
        assert_eq!(id.runtime.as_deref(), Some("cri-o"));
        assert_eq!(id.qos.as_deref(), Some("besteffort"));
        let conmon = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice/crio-conmon-{ID}.scope"
        );
        assert_eq!(identify(&conmon).container_id, None);
        assert_eq!(level(&conmon), CgroupLevel::Pod);
    }

    #[test]
    fn runc_colon_form_and_plain_docker() {
        let p = format!(
            "/kubepods-burstable-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice:cri-containerd:{ID}"
        );
        let id = identify(&p);
        assert_eq!(id.runtime.as_deref(), Some("containerd"));
        assert_eq!(id.container_id.as_deref(), Some(ID));
        let id = identify(&format!("/docker/{ID}"));
        assert_eq!(id.runtime.as_deref(), Some("docker"));
        assert_eq!(id.pod_uid, None);
        let id = identify(&format!("/system.slice/docker-{ID}.scope"));
        assert_eq!(id.runtime.as_deref(), Some("docker"));
        assert_eq!(level("/system.slice/sshd.service"), CgroupLevel::Other);
    }

    #[test]
    fn nested_kind_node_uses_innermost_pod() {
        let p = format!(
            "/docker/{ID}/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555/{}",
            "a".repeat(64)
        );
        let id = identify(&p);
        assert_eq!(
            id.pod_uid.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(id.container_id.as_deref(), Some(&"a".repeat(64)[..]));
    }

    #[test]
    fn junk_paths() {
        for p in [
            "",
            "/",
            "////",
            "kubepods-.slice",
            "/kubepods/pod",
            "a:b:c",
            "/kubepods-podXYZ.slice",
        ] {
            let _ = identify(p);
            let _ = level(p);
        }
    }
}
