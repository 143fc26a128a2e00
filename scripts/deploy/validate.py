"""Validates rendered Kubernetes manifests (a YAML stream per file).

Every object is checked against a schema, strictly (unknown fields are
errors, as `kubectl apply --validate=strict` would reject them):
- built-in kinds against the Kubernetes 1.32 OpenAPI schemas, with
  kubernetes-validate (PyPI);
- custom resources (ServiceMonitor, PrometheusRule) against the
  openAPIV3Schema of their CustomResourceDefinition in tests/fixtures/crds
  (kubernetes-validate has no schema for them), with jsonschema; objects and
  nested objects that declare `properties` get `additionalProperties: false`
  unless the CRD keeps unknown fields (`x-kubernetes-preserve-unknown-fields`).

Then the invariants of the `oomlens watch` deploy, in every file that has its
DaemonSet: least privilege (never privileged, no escalation, read-only root,
every capability dropped but the allowed ones, attach capabilities only with
hostPID, read-only host mounts but the spool), every $(VAR) of the args
defined by the ConfigMap or env, the resources of the floors, the RBAC being
exactly "create events, get pods", the Service and ServiceMonitor selecting
the DaemonSet's pods, the dashboard being JSON.

usage: validate.py KUBERNETES_VERSION FILE...   (exit 1 on any error)
       validate.py --self-test KUBERNETES_VERSION FILE
The self-test breaks a valid rendering in ways the checks must catch (an
unknown field in a built-in object and in each custom resource, a bad
duration, a writable host mount, a wider role, attach without hostPID, an
undefined $(VAR), a Service selecting nothing) and fails if one passes.
"""

import copy
import json
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRDS = ROOT / "tests" / "fixtures" / "crds"

# Capabilities the agent may have, and the ones only attach needs.
ALLOWED_CAPS = {"SYSLOG", "SYS_PTRACE", "KILL", "DAC_READ_SEARCH", "CHOWN", "SETUID", "SETGID"}
ATTACH_CAPS = {"SYS_PTRACE", "KILL", "CHOWN", "SETUID", "SETGID"}
SPOOL_VOLUME = "spool"


def strict(schema):
    """The schema with additionalProperties: false wherever properties are
    declared and unknown fields are not preserved."""
    s = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(s)
    return s


def crd_schemas():
    """(apiVersion, kind) -> strict schema, from every CRD in tests/fixtures/crds."""
    out = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                out[key] = strict(version["schema"]["openAPIV3Schema"])
    return out


def validate_schema(doc, version, crds):
    """Errors of one object against its schema."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in crds:
        v = jsonschema.Draft4Validator(crds[key])
        return [f"{e.json_path}: {e.message}" for e in v.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'.'.join(str(p) for p in e.path)}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"no schema: {e}"]
    return []


def invariants(docs):
    """Errors of the deploy's invariants over one rendered file."""
    errs = []
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    dss = [d for d in by_kind.get("DaemonSet", []) if d["metadata"]["name"] == "oomlens-watch"]
    if not dss:
        return errs
    if len(dss) != 1:
        return [f"{len(dss)} DaemonSets oomlens-watch"]
    ds = dss[0]
    pod = ds["spec"]["template"]["spec"]
    labels = ds["spec"]["template"]["metadata"]["labels"]
    host_pid = pod.get("hostPID", False)
    for flag in ("hostNetwork", "hostIPC"):
        if pod.get(flag):
            errs.append(f"DaemonSet: {flag} is on")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    for c in pod["containers"]:
        where = f"container {c['name']}"
        sc = c.get("securityContext", {})
        if sc.get("privileged", False):
            errs.append(f"{where}: privileged")
        if sc.get("allowPrivilegeEscalation", True):
            errs.append(f"{where}: allowPrivilegeEscalation is not false")
        if not sc.get("readOnlyRootFilesystem", False):
            errs.append(f"{where}: root filesystem is writable")
        caps = sc.get("capabilities", {})
        if caps.get("drop") != ["ALL"]:
            errs.append(f"{where}: capabilities.drop is {caps.get('drop')}, not [ALL]")
        added = set(caps.get("add", []))
        if added - ALLOWED_CAPS:
            errs.append(f"{where}: capabilities not allowed: {sorted(added - ALLOWED_CAPS)}")
        if not host_pid and added & ATTACH_CAPS:
            errs.append(f"{where}: attach capabilities {sorted(added & ATTACH_CAPS)} without hostPID")
        if host_pid and not ATTACH_CAPS <= added:
            errs.append(f"{where}: hostPID without the attach capabilities {sorted(ATTACH_CAPS - added)}")
        for m in c.get("volumeMounts", []):
            v = volumes.get(m["name"])
            if v is None:
                errs.append(f"{where}: mount of an unknown volume {m['name']}")
            elif "hostPath" in v and m["name"] != SPOOL_VOLUME and not m.get("readOnly"):
                errs.append(f"{where}: host path {v['hostPath']['path']} mounted writable")
        res = c.get("resources", {})
        for k in ("cpu", "memory"):
            if k not in res.get("requests", {}):
                errs.append(f"{where}: no {k} request")
        if "memory" not in res.get("limits", {}):
            errs.append(f"{where}: no memory limit")
        if "cpu" in res.get("limits", {}):
            errs.append(f"{where}: a CPU limit (throttling delays captures)")
        # Every $(VAR) in args must be defined, or the kubelet passes it on
        # literally.
        defined = {e["name"] for e in c.get("env", [])}
        for src in c.get("envFrom", []):
            name = src.get("configMapRef", {}).get("name")
            if name not in configmaps:
                errs.append(f"{where}: envFrom ConfigMap {name} is not rendered")
            else:
                defined |= set(configmaps[name].get("data", {}))
        for arg in c.get("args", []) + c.get("command", []):
            for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                if var not in defined:
                    errs.append(f"{where}: {arg} names ${var}, which nothing defines")
        if not any(p.get("name") == "metrics" for p in c.get("ports", [])):
            errs.append(f"{where}: no port named metrics")
    for v in volumes.values():
        if "hostPath" in v and v["name"] != SPOOL_VOLUME and v["hostPath"].get("type") == "DirectoryOrCreate":
            errs.append(f"volume {v['name']}: a read-only host path that the kubelet would create")
    roles = [r for r in by_kind.get("ClusterRole", []) if r["metadata"]["name"] == "oomlens-watch"]
    granted = sorted(
        (g, res, verb)
        for r in roles
        for rule in r.get("rules", [])
        for g in rule.get("apiGroups", [])
        for res in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    )
    if granted != [("", "events", "create"), ("", "pods", "get")]:
        errs.append(f"ClusterRole oomlens-watch grants {granted}, not exactly create events and get pods")
    sa = pod.get("serviceAccountName")
    bound = any(
        b["roleRef"]["name"] == "oomlens-watch"
        and any(s.get("name") == sa and s.get("namespace") == ds["metadata"]["namespace"] for s in b.get("subjects", []))
        for b in by_kind.get("ClusterRoleBinding", [])
    )
    if not bound:
        errs.append(f"no ClusterRoleBinding of oomlens-watch to the DaemonSet's ServiceAccount {sa}")
    svcs = [s for s in by_kind.get("Service", []) if s["metadata"]["name"] == "oomlens-watch"]
    for s in svcs:
        if any(labels.get(k) != v for k, v in s["spec"]["selector"].items()):
            errs.append("Service oomlens-watch does not select the DaemonSet's pods")
    for sm in by_kind.get("ServiceMonitor", []):
        sel = sm["spec"]["selector"].get("matchLabels", {})
        if not any(all(s["metadata"].get("labels", {}).get(k) == v for k, v in sel.items()) for s in svcs):
            errs.append(f"ServiceMonitor {sm['metadata']['name']} selects no Service oomlens-watch")
        ports = {p["name"] for s in svcs for p in s["spec"]["ports"]}
        for e in sm["spec"]["endpoints"]:
            if e.get("port") not in ports:
                errs.append(f"ServiceMonitor endpoint port {e.get('port')} is not a port of the Service")
    for cm in by_kind.get("ConfigMap", []):
        for key, value in cm.get("data", {}).items():
            if key.endswith(".json"):
                try:
                    json.loads(value)
                except json.JSONDecodeError as e:
                    errs.append(f"ConfigMap {cm['metadata']['name']} {key}: {e}")
    return errs


def by_kind(docs, kind):
    return next(d for d in docs if d["kind"] == kind)


def container(docs):
    return by_kind(docs, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]


MUTANTS = {
    "unknown field in a DaemonSet": lambda d: container(d)["securityContext"].update(bogus=1),
    "unknown field in a ServiceMonitor": lambda d: by_kind(d, "ServiceMonitor")["spec"]["endpoints"][0].update(bogus=1),
    "unknown field in a PrometheusRule": lambda d: by_kind(d, "PrometheusRule")["spec"]["groups"][0]["rules"][0].update(alrt="x"),
    "a scrape interval that is no duration": lambda d: by_kind(d, "ServiceMonitor")["spec"]["endpoints"][0].update(interval="fast"),
    "privileged": lambda d: container(d)["securityContext"].update(privileged=True),
    "SYS_ADMIN": lambda d: container(d)["securityContext"]["capabilities"]["add"].append("SYS_ADMIN"),
    "a writable host mount": lambda d: next(m for m in container(d)["volumeMounts"] if m["name"] == "cgroup").pop("readOnly"),
    "listing pods": lambda d: by_kind(d, "ClusterRole")["rules"][1]["verbs"].append("list"),
    "attach without hostPID": lambda d: by_kind(d, "DaemonSet")["spec"]["template"]["spec"].update(hostPID=False),
    "an undefined $(VAR)": lambda d: container(d)["args"].append("--heap-dump-at=$(OOMLENS_UNDEFINED)"),
    "a Service selecting nothing": lambda d: by_kind(d, "Service")["spec"]["selector"].update(x="y"),
    "a CPU limit": lambda d: container(d)["resources"]["limits"].update(cpu="100m"),
}


def self_test(version, path):
    """1 if a mutant of the valid rendering at path passes the checks."""
    crds = crd_schemas()
    text = pathlib.Path(path).read_text()
    clean = [d for d in yaml.safe_load_all(text) if d]
    if invariants(clean) or any(validate_schema(d, version, crds) for d in clean):
        print(f"{path}: the self-test needs a valid rendering", file=sys.stderr)
        return 1
    missed = []
    for name, mutate in MUTANTS.items():
        docs = [d for d in yaml.safe_load_all(text) if d]
        mutate(docs)
        if not invariants(docs) and not any(validate_schema(d, version, crds) for d in docs):
            missed.append(name)
    for name in missed:
        print(f"{path}: self-test: {name} passed the checks", file=sys.stderr)
    print(f"{path}: self-test, {len(MUTANTS) - len(missed)} of {len(MUTANTS)} breakages caught")
    return 1 if missed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--self-test":
        return self_test(argv[2], argv[3])
    if len(argv) < 3:
        sys.exit(__doc__)
    version, files = argv[1], argv[2:]
    crds = crd_schemas()
    failed = False
    for f in files:
        try:
            docs = [d for d in yaml.safe_load_all(pathlib.Path(f).read_text()) if d]
        except (OSError, yaml.YAMLError) as e:
            print(f"{f}: {e}", file=sys.stderr)
            failed = True
            continue
        errs = []
        for d in docs:
            what = f"{d.get('kind')}/{d.get('metadata', {}).get('name')}"
            errs += [f"{what}: {e}" for e in validate_schema(d, version, crds)]
        errs += invariants(docs)
        for e in errs:
            print(f"{f}: {e}", file=sys.stderr)
        print(f"{f}: {len(docs)} objects, {'FAILED' if errs else 'valid'}")
        failed |= bool(errs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
