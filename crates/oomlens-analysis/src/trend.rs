//! Memory over time: is it a leak, a spike, a limit that is simply too
//! small, or page cache?
//!
//! A series is first split into lives (a container restart resets it: the
//! value falls by more than half, or the samples stop for a long gap). In
//! each life the trend is read on the lower envelope (the minimum of each of
//! up to 48 windows), so a garbage collector's sawtooth and daily peaks do
//! not pass for growth: a leak raises the floor, a busy hour does not. The
//! slope is Theil-Sen's (the median of pairwise slopes, robust to outliers)
//! with its interquartile range, and the Mann-Kendall test says whether the
//! rise is more than chance. Start-up is left out ([`warm_up`]).

use serde::Serialize;

/// One life of a series: from a (re)start to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Life {
    pub start_ms: i64,
    pub end_ms: i64,
    /// Where the fitted part begins: the first envelope point after
    /// warm-up ([`warm_up`]); the trend is fitted from here to `end_ms`.
    pub fit_from_ms: i64,
    pub samples: usize,
    pub first: f64,
    pub last: f64,
    pub max: f64,
    /// Slope of the lower envelope, per hour (units of the series).
    pub slope_per_hour: Option<f64>,
    /// The 25th and 75th percentiles of the pairwise slopes, per hour.
    pub slope_iqr_per_hour: Option<(f64, f64)>,
    /// Mann-Kendall z of the lower envelope; |z| > 1.96 is significant at 5%.
    pub mann_kendall_z: Option<f64>,
    pub rising: bool,
    /// The fitted floor (the Theil-Sen line of the lower envelope) at the
    /// life's last sample.
    pub floor_at_end: Option<f64>,
    /// How far above the floor the series typically peaks: the median, over
    /// the envelope's windows, of the spread of the detrended samples (a
    /// garbage collector's sawtooth, a busy hour). A kill comes when a peak,
    /// not the floor, reaches the limit.
    pub peak_excess: f64,
}

/// The usual time between samples (the median step), in ms; a minute when
/// there are too few samples to say.
pub fn step_ms(points: &[(i64, f64)]) -> i64 {
    step_of(points.iter().map(|p| p.0))
}

/// [`step_ms`] of the instants (ms) of time-ordered samples.
pub fn step_of(times: impl Iterator<Item = i64> + Clone) -> i64 {
    let steps = || {
        times
            .clone()
            .zip(times.clone().skip(1))
            .map(|(a, b)| b - a)
            .filter(|d| *d > 0)
    };
    // A scrape has a few distinct steps: their counts give the median
    // without a copy of the series; only jittered stamps need the sort.
    let mut counts: Vec<(i64, usize)> = Vec::with_capacity(STEP_KINDS);
    let mut n = 0;
    for d in steps() {
        n += 1;
        match counts.iter().position(|(s, _)| *s == d) {
            Some(i) => counts[i].1 += 1,
            None if counts.len() < STEP_KINDS => counts.push((d, 1)),
            None => {
                let mut all: Vec<i64> = steps().collect();
                all.sort_unstable();
                return all[all.len() / 2];
            }
        }
    }
    counts.sort_unstable();
    let mut below = 0;
    for (s, c) in counts {
        below += c;
        if below > n / 2 {
            return s;
        }
    }
    60_000
}

/// Distinct steps [`step_ms`] counts before it sorts them all instead.
const STEP_KINDS: usize = 32;

/// Splits `points` (time-ordered) into lives.
pub fn lives(points: &[(i64, f64)]) -> Vec<std::ops::Range<usize>> {
    if points.is_empty() {
        return Vec::new();
    }
    let step = step_ms(points);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        let (t0, v0) = points[i - 1];
        let (t1, v1) = points[i];
        let gap = t1 - t0 > 10 * step.max(1);
        let reset = v0 > 0.0 && v1 < v0 * 0.5;
        if gap || reset {
            out.push(start..i);
            start = i;
        }
    }
    out.push(start..points.len());
    out
}

/// At most `2 * buckets` points of `points` (time-ordered) for drawing:
/// the time span cut into `buckets` equal windows, each keeping its lowest
/// and its highest sample in time order, so peaks (a kill at the limit)
/// and troughs (a restart) survive while a long series shrinks to what a
/// chart can show. Series of up to `2 * buckets` points are kept whole.
pub fn thin(points: &[(i64, f64)], buckets: usize) -> Vec<(i64, f64)> {
    if points.len() <= 2 * buckets || buckets == 0 {
        return points.to_vec();
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let width = ((t1 - t0) / buckets as i64).max(1);
    let bucket = |t: i64| ((t - t0) / width).min(buckets as i64 - 1);
    let mut out = Vec::with_capacity(2 * buckets);
    let mut i = 0;
    while i < points.len() {
        let w = bucket(points[i].0);
        let (mut lo, mut hi) = (i, i);
        let mut j = i + 1;
        while j < points.len() && bucket(points[j].0) == w {
            if points[j].1 < points[lo].1 {
                lo = j;
            }
            if points[j].1 > points[hi].1 {
                hi = j;
            }
            j += 1;
        }
        out.push(points[lo.min(hi)]);
        if lo != hi {
            out.push(points[lo.max(hi)]);
        }
        i = j;
    }
    out
}

/// The minimum of each of up to `windows` equal time windows.
pub fn lower_envelope(points: &[(i64, f64)], windows: usize) -> Vec<(i64, f64)> {
    if points.len() <= windows {
        return points.to_vec();
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let width = ((t1 - t0) / windows as i64).max(1);
    let mut out: Vec<(i64, f64)> = Vec::new();
    let mut cur: Option<(i64, (i64, f64))> = None;
    for &(t, v) in points {
        let w = (t - t0) / width;
        match cur {
            Some((cw, (_, mv))) if cw == w => {
                if v < mv {
                    cur = Some((w, (t, v)));
                }
            }
            _ => {
                if let Some((_, p)) = cur {
                    out.push(p);
                }
                cur = Some((w, (t, v)));
            }
        }
    }
    if let Some((_, p)) = cur {
        out.push(p);
    }
    out
}

/// The median, over up to `windows` equal time windows, of the spread
/// (max - min) of `v - slope * t` (t in hours): how far the series rises
/// above its floor, growth taken out.
pub fn peak_excess(points: &[(i64, f64)], windows: usize, slope_per_hour: f64) -> f64 {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return 0.0;
    };
    let width = ((last.0 - first.0) / windows.max(1) as i64).max(1);
    let mut spreads = Vec::new();
    let mut cur: Option<(i64, f64, f64)> = None;
    for &(t, v) in points {
        let w = (t - first.0) / width;
        let d = v - slope_per_hour * (t - first.0) as f64 / 3_600_000.0;
        cur = match cur {
            Some((cw, lo, hi)) if cw == w => Some((w, lo.min(d), hi.max(d))),
            other => {
                if let Some((_, lo, hi)) = other {
                    spreads.push(hi - lo);
                }
                Some((w, d, d))
            }
        };
    }
    if let Some((_, lo, hi)) = cur {
        spreads.push(hi - lo);
    }
    spreads.sort_by(f64::total_cmp);
    spreads.get(spreads.len() / 2).copied().unwrap_or(0.0)
}

/// Theil-Sen slope with the interquartile range of pairwise slopes.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let mut slopes = Vec::new();
    for i in 0..points.len() {
        for j in i + 1..points.len() {
            let dx = points[j].0 - points[i].0;
            if dx.abs() > f64::EPSILON {
                slopes.push((points[j].1 - points[i].1) / dx);
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_by(f64::total_cmp);
    let q = |p: f64| slopes[((slopes.len() - 1) as f64 * p).round() as usize];
    Some((q(0.5), q(0.25), q(0.75)))
}

/// Mann-Kendall trend statistic, as a z score (no tie correction).
pub fn mann_kendall_z(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 4 {
        return None;
    }
    let mut s: i64 = 0;
    for i in 0..n {
        for j in i + 1..n {
            s += match values[j].partial_cmp(&values[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let n = n as f64;
    let var = n * (n - 1.0) * (2.0 * n + 5.0) / 18.0;
    let z = if s > 0 {
        (s as f64 - 1.0) / var.sqrt()
    } else if s < 0 {
        (s as f64 + 1.0) / var.sqrt()
    } else {
        0.0
    };
    Some(z)
}

/// How many points of a life's envelope are start-up, when caches and
/// heaps fill: the first tenth, or up to the first fall by 5% from the
/// running peak (a JVM's first collections after start-up) when that comes
/// later, but never more than a third.
pub fn warm_up(env: &[(i64, f64)]) -> usize {
    let tenth = env.len() / 10;
    let mut peak = f64::MIN;
    let first_fall = env.iter().position(|&(_, v)| {
        let fell = peak > 0.0 && v < 0.95 * peak;
        peak = peak.max(v);
        fell
    });
    match first_fall {
        Some(i) if i > tenth && i <= env.len() / 3 => i,
        _ => tenth,
    }
}

/// The trend of a series taken as it is (no envelope, no warm-up left
/// out): Theil-Sen's slope per hour with its interquartile range, the
/// Mann-Kendall z, and whether it rises (a positive slope and z > 1.96,
/// significant at 5%).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rise {
    /// (median, 25th, 75th percentile) of the pairwise slopes, per hour.
    pub slope_per_hour: Option<(f64, f64, f64)>,
    pub mann_kendall_z: Option<f64>,
    pub rising: bool,
}

/// The [`Rise`] of `points` (ms, value), time-ordered.
pub fn rise(points: &[(i64, f64)]) -> Rise {
    let hours: Vec<(f64, f64)> = points
        .iter()
        .map(|&(t, v)| (t as f64 / 3_600_000.0, v))
        .collect();
    let ts = theil_sen(&hours);
    let vals: Vec<f64> = points.iter().map(|p| p.1).collect();
    let z = mann_kendall_z(&vals);
    Rise {
        slope_per_hour: ts,
        mann_kendall_z: z,
        rising: matches!((ts, z), (Some((s, _, _)), Some(z)) if s > 0.0 && z > 1.96),
    }
}

/// Reads one life.
pub fn life(points: &[(i64, f64)]) -> Life {
    let env = lower_envelope(points, 48);
    let warm = warm_up(&env);
    let env = &env[warm.min(env.len().saturating_sub(2))..];
    let fit_from_ms = env.first().or(points.first()).map_or(0, |p| p.0);
    let hours: Vec<(f64, f64)> = env
        .iter()
        .map(|&(t, v)| (t as f64 / 3_600_000.0, v))
        .collect();
    let Rise {
        slope_per_hour: ts,
        mann_kendall_z: z,
        rising,
    } = rise(env);
    let max = points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let end_ms = points.last().map_or(0, |p| p.0);
    // The line through the envelope: Theil-Sen's intercept is the median
    // of v - slope * t.
    let floor_at_end = ts.and_then(|(s, _, _)| {
        let mut icept: Vec<f64> = hours.iter().map(|(t, v)| v - s * t).collect();
        icept.sort_by(f64::total_cmp);
        let b = *icept.get(icept.len() / 2)?;
        Some(b + s * end_ms as f64 / 3_600_000.0)
    });
    let peak_excess = peak_excess(points, 48, ts.map_or(0.0, |t| t.0));
    Life {
        start_ms: points.first().map_or(0, |p| p.0),
        end_ms,
        fit_from_ms,
        samples: points.len(),
        first: points.first().map_or(0.0, |p| p.1),
        last: points.last().map_or(0.0, |p| p.1),
        max,
        slope_per_hour: ts.map(|t| t.0),
        slope_iqr_per_hour: ts.map(|t| (t.1, t.2)),
        mann_kendall_z: z,
        rising,
        floor_at_end,
        peak_excess,
    }
}

/// Reads one life from its lower and upper envelopes, the minimum and the
/// maximum of the same time windows (what a metrics server computes, as
/// `scan` asks it): [`life`] of the floor, with the peak excess measured
/// between the two envelopes (the median over the windows of max - min),
/// since the floor alone has none. Peaks outside the floor's life are left
/// out.
pub fn life_of_envelopes(floor: &[(i64, f64)], peaks: &[(i64, f64)]) -> Life {
    let mut l = life(floor);
    let mut both: Vec<(i64, f64)> = floor
        .iter()
        .chain(
            peaks
                .iter()
                .filter(|p| p.0 >= l.start_ms && p.0 <= l.end_ms),
        )
        .copied()
        .collect();
    if both.len() > floor.len() {
        both.sort_by_key(|p| p.0);
        // As many windows as floor points: each window holds at most one
        // time of the envelopes, so its spread is that time's max - min.
        let slope = l.slope_per_hour.unwrap_or(0.0);
        let spread = peak_excess(&both, floor.len(), slope);
        // Within one window the floor rises too: a sawtooth faster than
        // the window has its minimum near the start and its maximum near
        // the end, so the spread holds one window's growth.
        let window_h = step_ms(floor) as f64 / 3_600_000.0;
        l.peak_excess = (spread - slope.max(0.0) * window_h).max(0.0);
    }
    l
}

/// Hours until the life's peaks reach `limit`: the fitted floor at the
/// life's end plus the peak excess, rising at the life's slope; with the
/// interval from the slope's interquartile range (fast, slow).
pub fn time_to_limit_hours(l: &Life, limit: f64) -> Option<(f64, Option<f64>, Option<f64>)> {
    let s = l.slope_per_hour.filter(|s| *s > 0.0)?;
    let room = (limit - l.floor_at_end.unwrap_or(l.last) - l.peak_excess).max(0.0);
    let (lo, hi) = l.slope_iqr_per_hour.unwrap_or((s, s));
    Some((
        room / s,
        (hi > 0.0).then(|| room / hi),
        (lo > 0.0).then(|| room / lo),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    /// A synthetic series: `f(hour)` sampled every minute for `hours`.
    fn series(hours: i64, f: impl Fn(f64) -> f64) -> Vec<(i64, f64)> {
        (0..hours * 60)
            .map(|m| (m * 60_000, f(m as f64 / 60.0)))
            .collect()
    }

    #[test]
    fn thin_keeps_peaks_and_troughs() {
        // Two days a minute apart (2880 points), a spike at the limit and
        // a restart's trough in the middle of a window each.
        let mut pts = series(48, |h| 100.0 + h);
        pts[1000].1 = 1000.0;
        pts[2001].1 = 0.0;
        let t = thin(&pts, 240);
        assert!(t.len() <= 480, "{}", t.len());
        assert!(t.contains(&pts[1000]) && t.contains(&pts[2001]));
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "time order");
        assert_eq!(t.first(), pts.first());
        // Short series stay whole.
        assert_eq!(thin(&pts[..400], 240), pts[..400].to_vec());
        assert_eq!(thin(&[], 240), Vec::<(i64, f64)>::new());
    }

    #[test]
    fn leak_under_a_sawtooth_is_rising() {
        // +10 MiB/h floor with a 200 MiB GC sawtooth every 10 minutes.
        let mib = 1024.0 * 1024.0;
        let s = series(48, |h| {
            500.0 * mib + 10.0 * mib * h + 200.0 * mib * ((h * 6.0).fract())
        });
        let l = life(&s);
        assert!(l.rising, "{l:?}");
        let slope = l.slope_per_hour.unwrap() / mib;
        assert!((8.0..=12.0).contains(&slope), "{slope}");
        let (t, fast, slow) = time_to_limit_hours(&l, 3.0 * 1024.0 * mib).unwrap();
        assert!(t > 100.0 && t < 300.0, "{t}");
        assert!(fast.unwrap() <= t && slow.unwrap() >= t);
    }

    #[test]
    fn sawtooth_and_daily_cycle_without_growth_are_flat() {
        let mib = 1024.0 * 1024.0;
        let s = series(72, |h| {
            600.0 * mib
                + 300.0 * mib * (h * std::f64::consts::TAU / 24.0).sin().max(0.0)
                + 150.0 * mib * ((h * 4.0).fract())
        });
        let l = life(&s);
        assert!(!l.rising, "{l:?}");
    }

    #[test]
    fn peaks_between_envelopes_bring_the_limit_closer() {
        let mib = 1024.0 * 1024.0;
        // +10 MiB/h with a 200 MiB sawtooth every 10 minutes, as a server's
        // minima and maxima of 48 one-hour windows.
        let raw = series(48, |h| {
            500.0 * mib + 10.0 * mib * h + 200.0 * mib * ((h * 6.0).fract())
        });
        let env = |pick: fn(f64, f64) -> f64| -> Vec<(i64, f64)> {
            raw.chunks(60)
                .map(|c| (c[59].0, c.iter().map(|p| p.1).reduce(pick).unwrap()))
                .collect()
        };
        let (floor, peaks) = (env(f64::min), env(f64::max));
        let l = life_of_envelopes(&floor, &peaks);
        let excess = l.peak_excess / mib;
        // Sampled every minute, a 10-minute tooth peaks at 9/10 of 200 MiB.
        assert!((170.0..=190.0).contains(&excess), "{excess} MiB");
        assert_eq!(life(&floor).peak_excess, 0.0, "one point a window");
        let limit = 3.0 * 1024.0 * mib;
        let (t, _, _) = time_to_limit_hours(&l, limit).unwrap();
        let (floor_only, _, _) = time_to_limit_hours(&life(&floor), limit).unwrap();
        // Peaks reach 3 GiB 180 MiB / 10 MiB/h = 18 h before the floor.
        assert!((floor_only - t - 18.0).abs() < 1.5, "{floor_only} {t}");
        // No peaks: the floor's life as it was.
        assert_eq!(life_of_envelopes(&floor, &[]), life(&floor));
    }

    #[test]
    fn restarts_split_lives() {
        let mut s = series(10, |h| 100.0 + 50.0 * h);
        let second: Vec<(i64, f64)> = series(5, |h| 100.0 + 50.0 * h)
            .into_iter()
            .map(|(t, v)| (t + 10 * H, v))
            .collect();
        s.extend(second);
        let ls = lives(&s);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0], 0..600);
        // A gap also ends a life.
        let mut g = series(2, |_| 5.0);
        g.extend(series(2, |_| 5.0).into_iter().map(|(t, v)| (t + 20 * H, v)));
        assert_eq!(lives(&g).len(), 2);
    }

    /// The median step, by counting or (past a few distinct steps) by
    /// sorting, is the sorted steps' middle one.
    #[test]
    fn step_is_the_median_step() {
        let sorted = |p: &[(i64, f64)]| {
            let mut d: Vec<i64> = p
                .windows(2)
                .map(|w| w[1].0 - w[0].0)
                .filter(|d| *d > 0)
                .collect();
            d.sort_unstable();
            d.get(d.len() / 2).copied().unwrap_or(60_000)
        };
        let mut t = 0;
        let mut few = Vec::new();
        let mut many = Vec::new();
        for i in 0..1000i64 {
            t += [15_000, 15_000, 30_000, 0, 14_000][(i % 5) as usize];
            few.push((t, 1.0));
            many.push((i * 15_000 + (i * 7919) % 997, 1.0));
        }
        for p in [&few[..], &few[..7], &many[..], &many[..40], &[], &few[..1]] {
            assert_eq!(step_ms(p), sorted(p), "{}", p.len());
        }
        assert_eq!(step_ms(&few), 15_000);
        assert_eq!(step_ms(&[(0, 1.0), (0, 2.0)]), 60_000);
    }

    #[test]
    fn mann_kendall_signs() {
        let up: Vec<f64> = (0..50).map(|i| i as f64).collect();
        assert!(mann_kendall_z(&up).unwrap() > 5.0);
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert!(mann_kendall_z(&down).unwrap() < -5.0);
        assert_eq!(mann_kendall_z(&[1.0, 2.0]), None);
    }
}
