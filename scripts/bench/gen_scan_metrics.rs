//! Synthetic cAdvisor and kube-state-metrics series of a fleet, as
//! OpenMetrics text with timestamps for `promtool tsdb
//! create-blocks-from openmetrics`. Standalone (no crates):
//!
//!   rustc --edition 2021 -O -o gen scripts/bench/gen_scan_metrics.rs
//!   gen --containers 10000 --days 7 --end 1700000000 --from 1699400000 --to 1699464800 > shard.om
//!   gen --containers 10000 --days 7 --end 1700000000 --summary > truth.json
//!
//! Every sample is a function of the container's index and the time, so a
//! fleet can be written in time shards (`--from`/`--to`, Unix seconds,
//! `[from, to)`) that promtool turns into non-overlapping blocks. Samples
//! every 60 s from `end - days` to `end`. Per container: working set,
//! usage, cAdvisor limit, failcnt, OOM events, kube-state-metrics limit and
//! restarts, and the last termination reason once it has one: 7 or 8
//! series. Lines are written series by series into a 16 MiB buffer.
//!
//! The fleet (by a hash of the index): 3% OOM-killed (a leak that reaches
//! the limit every 10 to 40 h), 4% leaking with a GC sawtooth 5 to 20% of
//! the limit high, their peaks reaching the limit 6 to 60 h after `end` (at
//! most 80% of the window; the floor gets there later), 5% leaking slowly
//! (the limit 20 to 60 days away), 5% undersized (flat at 92-97% of the
//! limit, failcnt rising), 10% page cache (usage fills the limit, working
//! set flat), 25% a GC sawtooth, 2% leaking like the 4% but replaced (their
//! pod deleted) 12 to 36 h before `end`, the rest steady. `--summary` prints
//! the truth as JSON: the containers of each kind, which are at risk, the
//! OOM kills in the window, and for each leak at risk the seconds from
//! `end` until its peaks first reach the limit (its first OOM kill).

use std::io::Write;

const MIB: f64 = 1024.0 * 1024.0;
const STEP: i64 = 60;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Killed,
    Leak,
    SlowLeak,
    Undersized,
    PageCache,
    Sawtooth,
    Replaced,
    Steady,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Killed => "killed",
            Kind::Leak => "leak",
            Kind::SlowLeak => "slow-leak",
            Kind::Undersized => "undersized",
            Kind::PageCache => "page-cache",
            Kind::Sawtooth => "sawtooth",
            Kind::Replaced => "replaced",
            Kind::Steady => "steady",
        }
    }
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Uniform in [0, 1) from (index, salt).
fn unit(i: u64, salt: u64) -> f64 {
    (mix(i.wrapping_mul(0x1000_0000_01B3) ^ salt) >> 11) as f64 / (1u64 << 53) as f64
}

struct Container {
    ns: String,
    pod: String,
    container: &'static str,
    kind: Kind,
    limit: f64,
    base: f64,
    /// Bytes per second.
    rate: f64,
    /// Sawtooth height and period (s).
    amp: f64,
    period: f64,
    /// Killed: seconds per life and the phase at `start`. Replaced: the
    /// time its samples stop.
    life: f64,
    phase: f64,
    idx: u64,
}

fn container(i: u64, start: i64, end: i64) -> Container {
    let r = unit(i, 1);
    let kind = match r {
        r if r < 0.03 => Kind::Killed,
        r if r < 0.07 => Kind::Leak,
        r if r < 0.12 => Kind::SlowLeak,
        r if r < 0.17 => Kind::Undersized,
        r if r < 0.27 => Kind::PageCache,
        r if r < 0.52 => Kind::Sawtooth,
        r if r < 0.54 => Kind::Replaced,
        _ => Kind::Steady,
    };
    let limits = [256.0, 512.0, 1024.0, 2048.0, 4096.0];
    let limit = limits[(unit(i, 2) * 5.0) as usize] * MIB;
    let pod_n = i / 2;
    let deploy = pod_n % 500;
    let mut c = Container {
        ns: format!("ns-{:02}", deploy % 60),
        pod: format!("svc-{deploy}-{:08x}-{:05x}", mix(deploy) as u32, mix(pod_n) as u32 & 0xfffff),
        container: if i % 2 == 0 { "app" } else { "sidecar" },
        kind,
        limit,
        base: limit * (0.2 + 0.3 * unit(i, 3)),
        rate: 0.0,
        amp: 0.0,
        period: 0.0,
        life: 0.0,
        phase: 0.0,
        idx: i,
    };
    let span = (end - start) as f64;
    match kind {
        Kind::Killed => {
            c.life = 3600.0 * (10.0 + 30.0 * unit(i, 4));
            c.phase = c.life * unit(i, 5);
            c.rate = (limit - c.base) / c.life;
        }
        Kind::Leak | Kind::Replaced => {
            // The peaks reach the limit 6 to 60 h after `end` (at most 80%
            // of the window, so that the scan must call it at risk), the
            // floor later by the height of a JVM's sawtooth (collections
            // every 2 to 12 minutes).
            let most = (0.8 * span).min(60.0 * 3600.0);
            let after = 6.0 * 3600.0 + (most - 6.0 * 3600.0).max(0.0) * unit(i, 4);
            c.base = limit * (0.1 + 0.2 * unit(i, 3));
            c.amp = limit * (0.05 + 0.15 * unit(i, 6));
            c.period = 120.0 + 600.0 * unit(i, 7);
            c.rate = (limit - c.amp - c.base) / (span + after);
            if kind == Kind::Replaced {
                c.life = end as f64 - 3600.0 * (12.0 + 24.0 * unit(i, 8));
            }
        }
        Kind::SlowLeak => {
            let after = 86400.0 * (20.0 + 40.0 * unit(i, 4));
            c.rate = (limit - c.base) / (span + after);
            c.amp = limit * 0.03;
            c.period = 600.0;
        }
        Kind::Undersized => c.base = limit * (0.92 + 0.05 * unit(i, 3)),
        Kind::PageCache => c.rate = limit * (0.02 + 0.05 * unit(i, 4)) / 3600.0,
        Kind::Sawtooth => {
            c.amp = limit * (0.1 + 0.3 * unit(i, 4));
            c.period = 300.0 + 900.0 * unit(i, 5);
        }
        Kind::Steady => {}
    }
    c
}

struct Sample {
    ws: f64,
    usage: f64,
    failcnt: f64,
    kills: f64,
}

fn sample(c: &Container, start: i64, t: i64) -> Sample {
    let dt = (t - start) as f64;
    let noise = (unit(c.idx, t as u64) - 0.5) * 2.0 * MIB;
    let mut s = Sample {
        ws: c.base + noise,
        usage: 0.0,
        failcnt: 0.0,
        kills: 0.0,
    };
    match c.kind {
        Kind::Killed => {
            let x = dt + c.phase;
            s.kills = (x / c.life).floor();
            s.ws = (c.base + c.rate * (x - s.kills * c.life) + noise).min(c.limit);
        }
        Kind::Leak | Kind::SlowLeak | Kind::Replaced => {
            s.ws = c.base + c.rate * dt + c.amp * (dt / c.period).fract() + noise;
        }
        Kind::Undersized => s.failcnt = (dt / 120.0).floor(),
        Kind::PageCache => {
            let room = c.limit - s.ws - 4.0 * MIB;
            s.usage = s.ws + (c.rate * dt).min(room);
            let full = room / c.rate;
            s.failcnt = ((dt - full) / 180.0).max(0.0).floor();
        }
        Kind::Sawtooth => s.ws += c.amp * (dt / c.period).fract(),
        Kind::Steady => {}
    }
    if s.usage == 0.0 {
        s.usage = s.ws + 20.0 * MIB;
    }
    s
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(args: &[String], name: &str) -> i64 {
    arg(args, name)
        .unwrap_or_else(|| panic!("{name} is required"))
        .parse()
        .unwrap_or_else(|_| panic!("{name}: not a number"))
}

struct Out<W: Write> {
    buf: Vec<u8>,
    w: W,
    lines: u64,
}

impl<W: Write> Out<W> {
    fn line(&mut self, prefix: &[u8], v: u64, t: i64) {
        self.buf.extend_from_slice(prefix);
        let mut b = itoa(v);
        self.buf.extend_from_slice(b.as_bytes());
        self.buf.push(b' ');
        b = itoa(t as u64);
        self.buf.extend_from_slice(b.as_bytes());
        self.buf.push(b'\n');
        self.lines += 1;
        if self.buf.len() >= 16 << 20 {
            self.flush();
        }
    }
    fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }
    fn flush(&mut self) {
        self.w.write_all(&self.buf).expect("write");
        self.buf.clear();
    }
}

/// A small integer formatter on the stack.
struct Digits {
    b: [u8; 20],
    n: usize,
}

impl Digits {
    fn as_bytes(&self) -> &[u8] {
        &self.b[20 - self.n..]
    }
}

fn itoa(mut v: u64) -> Digits {
    let mut d = Digits { b: [0; 20], n: 0 };
    loop {
        d.n += 1;
        d.b[20 - d.n] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return d;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = num(&args, "--containers") as u64;
    let end = num(&args, "--end") / STEP * STEP;
    let days = num(&args, "--days");
    let start = end - days * 86400;
    let cs: Vec<Container> = (0..n).map(|i| container(i, start, end)).collect();
    if args.iter().any(|a| a == "--summary") {
        summary(&cs, start, end);
        return;
    }
    let from = arg(&args, "--from").map_or(start, |v| v.parse().expect("--from"));
    let to = arg(&args, "--to").map_or(end + 1, |v| v.parse().expect("--to"));
    // First sample time >= max(from, start) on the grid.
    let t0 = (from.max(start) + STEP - 1) / STEP * STEP;
    let t1 = to.min(end + 1);
    let stdout = std::io::stdout();
    let mut out = Out {
        buf: Vec::with_capacity(17 << 20),
        w: stdout.lock(),
        lines: 0,
    };
    let families: [(&str, bool); 8] = [
        ("container_memory_working_set_bytes", true),
        ("container_memory_usage_bytes", true),
        ("container_spec_memory_limit_bytes", true),
        ("container_memory_failcnt", true),
        ("container_oom_events_total", true),
        ("kube_pod_container_resource_limits", false),
        ("kube_pod_container_status_restarts_total", false),
        ("kube_pod_container_status_last_terminated_reason", false),
    ];
    // Family by family (OpenMetrics wants each family in one block), then
    // series by series, then time.
    for (f, (name, _)) in families.iter().enumerate() {
        out.raw(&format!("# TYPE {name} gauge\n"));
        for c in &cs {
            let labels = format!(
                r#"container="{}",namespace="{}",pod="{}""#,
                c.container, c.ns, c.pod
            );
            let prefix = match f {
                5 => format!(r#"{name}{{{labels},resource="memory",unit="byte"}} "#),
                7 => format!(r#"{name}{{{labels},reason="OOMKilled"}} "#),
                _ => format!("{name}{{{labels}}} "),
            };
            let prefix = prefix.as_bytes();
            let mut t = t0;
            let t1 = if c.kind == Kind::Replaced {
                t1.min(c.life as i64)
            } else {
                t1
            };
            while t < t1 {
                let s = sample(c, start, t);
                let v = match f {
                    0 => Some(s.ws),
                    1 => Some(s.usage),
                    2 | 5 => Some(c.limit),
                    3 => Some(s.failcnt),
                    4 | 6 => Some(s.kills),
                    _ => (s.kills > 0.0).then_some(1.0),
                };
                if let Some(v) = v {
                    out.line(prefix, v.max(0.0).round() as u64, t);
                }
                t += STEP;
            }
        }
    }
    out.raw("# EOF\n");
    out.flush();
    eprintln!("gen_scan_metrics: {} samples from {t0} to {t1}", out.lines);
}

fn summary(cs: &[Container], start: i64, end: i64) {
    let window_start = start;
    let mut kinds: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut at_risk = Vec::new();
    let mut killed = Vec::new();
    let mut first_oom = Vec::new();
    for c in cs {
        *kinds.entry(c.kind.name()).or_default() += 1;
        let key = format!("{}/{}/{}", c.ns, c.pod, c.container);
        match c.kind {
            Kind::Killed => {
                let k = sample(c, start, end).kills - sample(c, start, window_start).kills;
                if k > 0.0 {
                    killed.push(format!("[\"{key}\",{k}]"));
                    at_risk.push(format!("\"{key}\""));
                }
            }
            Kind::Leak => {
                at_risk.push(format!("\"{key}\""));
                // The first sample after `end` at the limit: the first kill.
                let mut t = end;
                while sample(c, start, t).ws < c.limit && t < end + 90 * 86400 {
                    t += STEP;
                }
                first_oom.push(format!("[\"{key}\",{}]", t - end));
            }
            _ => {}
        }
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    println!(
        "{{\"containers\":{},\"start\":{start},\"end\":{end},\"kinds\":{{{}}},\"at_risk\":[{}],\"killed\":[{}],\"first_oom\":[{}]}}",
        cs.len(),
        kinds.join(","),
        at_risk.join(","),
        killed.join(","),
        first_oom.join(",")
    );
}
