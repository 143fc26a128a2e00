#!/usr/bin/env python3
"""Builds a large JDK 17 class-loading log from real captured segments.

    build_class_log.py --size-mib 512 --out big.log zoo-1.log zoo-2.log zoo-3.log

Each segment is a real `-Xlog:class+load,class+unload` log with the default
decorations (`[12.345s][info][class,load] X source: Y`), as
capture_class_segments.sh writes them. The output is the first segment's
start-up (the lines before its first generated class) once, then the
segments' bodies (first to last generated class: the JVM's steady state) in
turn, again and again, until the output holds at least --size-mib MiB; it
stops at the end of a line. Each body's uptimes are shifted forward so that
the uptime never goes back: the log reads as one long-running JVM. Once a
`[class,unload]` line was written, `[class,load]` is padded to
`[class,load  ]` as HotSpot pads the tags column. A class from a jar, a
module or the CDS archive (`source: file:`, `jar:`, `jrt:/`, `shared objects
file`) loads once in a JVM: such a load is written only the first time its
name comes. Lines are copied otherwise unchanged (so generated class names
repeat from one copy of a body to the next). The summary (lines, loads,
unloads, bodies) goes to stderr.
"""

import argparse
import re
import sys

UPTIME = re.compile(rb"^\[(\d+)[.,](\d{3})s\]")
GENERATED = (b"com.acme.", b"ma.glasnost.orika.generated.", b"Rule ", b"Rule$")
ONCE = (b"file:", b"jar:", b"jrt:/", b"shared objects file")


def uptime_ms(line):
    m = UPTIME.match(line)
    return None if m is None else int(m.group(1)) * 1000 + int(m.group(2))


def split(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    gen = [i for i, l in enumerate(lines) if any(g in l for g in GENERATED)]
    if not gen:
        sys.exit("%s: no generated class in it" % path)
    return lines[: gen[0]], lines[gen[0] : gen[-1] + 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("segments", nargs="+")
    a = ap.parse_args()
    want = a.size_mib * 1024 * 1024
    parts = [split(p) for p in a.segments]
    written = lines = loads = unloads = bodies = 0
    padded = False
    seen = set()  # classes loaded from a jar, module or the CDS archive
    offset = 0  # ms added to the body being written
    last = 0  # last uptime written, ms
    with open(a.out, "wb") as out:

        def put(line, shift):
            nonlocal written, lines, loads, unloads, padded, last
            ms = uptime_ms(line)
            if ms is not None:
                ms += shift
                last = max(last, ms)
                line = b"[%d.%03ds]" % (ms // 1000, ms % 1000) + line[UPTIME.match(line).end():]
            if b"[class,unload" in line:
                padded = True
                unloads += 1
            elif b"[class,load" in line:
                msg = line[line.index(b"] ", line.index(b"[class,load")) + 2 :]
                name, _, src = msg.partition(b" source: ")
                if src.startswith(ONCE):
                    if name in seen:
                        return
                    seen.add(name)
                if padded:
                    line = line.replace(b"[class,load]", b"[class,load  ]", 1)
                loads += 1
            out.write(line + b"\n")
            written += len(line) + 1
            lines += 1

        for l in parts[0][0]:
            put(l, 0)
        while written < want:
            for _, body in parts:
                if written >= want:
                    break
                first = next((uptime_ms(l) for l in body if uptime_ms(l) is not None), 0)
                shift = last + 1 - first if bodies else 0
                for l in body:
                    put(l, shift)
                    if written >= want:
                        break
                bodies += 1
    print(
        "%s: %d bytes, %d lines, %d loads, %d unloads, %d bodies of %d segments, uptime %.1f h"
        % (a.out, written, lines, loads, unloads, bodies, len(parts), last / 3.6e6),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
