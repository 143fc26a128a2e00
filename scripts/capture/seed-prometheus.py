#!/usr/bin/env python3
"""Writes examples/seed-incident/prometheus.json: a reconstruction of what the
seed incident's Prometheus held (step 5 and 6 of the write-up), as the
Prometheus HTTP API answers a range query and `jq .` prints it.

The write-up gives no numbers for these series, only their shape: the working
set and RSS of the container rose steadily until each kill, with
`usage > working_set > rss`; `container_memory_failcnt` spiked about forty
minutes before the 13:55 kill; of the JVM's pools only non-heap grew. The
numbers here are synthesized to fit that shape and the facts that are in the
evidence: the 3 GiB limit, the last life from Fri 1 Dec 13:51:19 to Sat 2 Dec
13:55:57 (+0800, `describe.txt`), the kill in `messages`, about 1.5 days
between kills. Three lives: the one before the last (36 h, a restart from the
limit with no kill evidence of its own), the last (24 h), and the current one
(6 h when the range ends).

The query:
  /api/v1/query_range?query={__name__=~"container_memory_working_set_bytes|
  container_memory_rss|container_memory_failcnt|jvm_memory_used_bytes",
  namespace="rishiqing-v2",pod="okr-indicator-deploy-84bc5779c-55xsn"}
  &start=2023-11-30T02:00:00+08:00&end=2023-12-02T20:00:00+08:00&step=10m

Deterministic: run it again and the file is the same.
"""
import json
import math
import os
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))
GIB = 1 << 30
MIB = 1 << 20
LIMIT = 3 * GIB
STEP = 600
POD = "okr-indicator-deploy-84bc5779c-55xsn"
NS = "rishiqing-v2"
CGROUP = ("/kubepods.slice/kubepods-burstable.slice/"
          "kubepods-burstable-pod943d7e40_3a14_4519_b7a7_a2b6ee3576fb.slice/")
IDS = [
    "3f9a1c0d2b8e4f6a7c5d9e1b0a2c4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d",
    "928e0ea07906597976057ef044c3766df7867e3c629ee6312a5dd1683b545720",
    "5b0c2b7fe3a61b2b1b4c2a40a4e3f1b8d9a7c6e5f4a3b2c1d0e9f8a7b6c5d4e3",
]


def t(s):
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST).timestamp()


# (start, end of the life) in seconds since the epoch; the last is cut by the
# range's end.
LIVES = [
    (t("2023-11-30 01:47:02"), t("2023-12-01 13:51:18")),
    (t("2023-12-01 13:51:19"), t("2023-12-02 13:55:57")),
    (t("2023-12-02 13:55:58"), t("2023-12-03 13:00:00")),
]
START, END = t("2023-11-30 02:00:00"), t("2023-12-02 20:00:00")
BASE = 1.05 * GIB  # working set after start-up, without the young generation
TOOTH = 0.30 * GIB  # the young generation's sawtooth (G1, every 23 minutes)
META0 = 140 * MIB


def rate(life):
    """Bytes per second so that the sawtooth's peaks reach the limit at the
    end of the life (the first two; the third grows like the second)."""
    s, e = LIVES[min(life, 1)]
    return (LIMIT - BASE - TOOTH) / (e - s - 3600)


def sample(ts):
    for i, (s, e) in enumerate(LIVES):
        if s <= ts < e:
            return i, ts - s
    return None, None


def jitter(ts, k):
    return math.sin(ts / 977.0 * k) * 6 * MIB


def values():
    rows = {"ws": [], "rss": [], "failcnt": [], "meta": []}
    fail = 0
    last_life = None
    ts = START
    while ts <= END:
        life, age = sample(ts)
        if life != last_life:
            fail = 0
            last_life = life
        warm = min(age / 3600.0, 1.0)  # an hour of start-up
        growth = rate(life) * max(age - 3600, 0)
        tooth = TOOTH * ((age % 1380) / 1380.0)
        ws = BASE * (0.75 + 0.25 * warm) + growth + tooth + jitter(ts, 1)
        ws = min(ws, LIMIT - 2 * MIB)
        rss = ws - 46 * MIB - abs(jitter(ts, 3))
        if ws > LIMIT - 80 * MIB:
            fail += int((ws - (LIMIT - 80 * MIB)) / (4 * 1024))
        meta = META0 * (0.6 + 0.4 * warm) + growth + jitter(ts, 2) / 6
        for k, v in (("ws", ws), ("rss", rss), ("failcnt", fail), ("meta", meta)):
            rows[k].append((ts, life, v))
        ts += STEP
    return rows


def series(name, labels, rows, life_labels):
    """One series per container id (a restart is a new container), as
    cAdvisor exports them; the JVM's series carry no container id."""
    out = []
    for life in sorted({r[1] for r in rows}):
        metric = {"__name__": name}
        metric.update(labels)
        if life_labels:
            metric["id"] = CGROUP + "docker-%s.scope" % IDS[life]
            metric["name"] = "k8s_okr-indicator_%s_%s_943d7e40-3a14-4519-b7a7-a2b6ee3576fb_%d" % (POD, NS, 7 + life)
        vals = [[int(ts), "%d" % v] for ts, l, v in rows if l == life]
        out.append((metric, vals))
    return out


def main():
    rows = values()
    k8s = {"container": "okr-indicator", "namespace": NS, "pod": POD,
           "image": "registry.example.com/rishiqing/okr-indicator:2023.11.17",
           "instance": "iz2ze2ih1s2cnx3x31dpdez", "job": "kubernetes-cadvisor"}
    jvm = {"application": "okr-indicator", "area": "nonheap", "id": "Metaspace",
           "namespace": NS, "pod": POD, "container": "okr-indicator",
           "instance": "10.244.3.57:8080", "job": "okr-indicator"}
    result = []
    result += series("container_memory_working_set_bytes", k8s, rows["ws"], True)
    result += series("container_memory_rss", k8s, rows["rss"], True)
    result += series("container_memory_failcnt", k8s, rows["failcnt"], True)
    # The JVM's pool is one series across restarts (the labels do not change).
    meta = [(ts, 0, v) for ts, _, v in rows["meta"]]
    result += series("jvm_memory_used_bytes", jvm, meta, False)
    doc = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": m, "values": v} for m, v in result]}}
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "../../examples/seed-incident/prometheus.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
