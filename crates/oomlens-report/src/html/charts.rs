//! The HTML report's charts: SVG drawn by `plotters` (its SVG backend, no
//! fonts: text is left to the browser as `<text>` elements) from the
//! values of the Diagnosis and the scan, never from anything else.
//!
//! Colours are fixed roles ([`Role`]): the page's stylesheet turns the ink
//! and grid colours into its own for dark mode and print (CSS beats SVG
//! presentation attributes), the data colours read on both backgrounds.
//! Each chart says how its axes map to pixels ([`Chart::map`]) so a test
//! or a reader can check that a mark stands where its value says.

use oomlens_analysis::budget::Budget;
use oomlens_analysis::classes::ClassLoads;
use oomlens_analysis::diagnosis::{ContainerDiagnosis, KillKind, MemoryAtKill, NmtSnapshot};
use oomlens_analysis::memtime::{Drawn, DrawnKind, MemoryOverTime};
use oomlens_analysis::scan::ContainerRisk;
use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::format::size;

/// What a colour in a chart stands for. The hex spelling of each is what
/// the stylesheet and the tests look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Axes and labels (`#333333`): the page's text colour in the browser.
    Ink,
    /// Grid lines (`#DDDDDD`).
    Grid,
    WorkingSet,
    Rss,
    Usage,
    Cache,
    /// The memory limit.
    Limit,
    /// A kill by the kernel.
    KernelKill,
    /// A kill by the JVM (`OutOfMemoryError`) or another way.
    OtherKill,
    /// A restart (a new life of the working set).
    Restart,
    /// The fitted trend and the forecast.
    Fit,
    /// A part of the JVM.
    Jvm,
    Anon,
    Huge,
    File,
    Shmem,
    Kernel,
}

impl Role {
    /// The colour, as plotters writes it (`#RRGGBB`).
    pub const fn rgb(self) -> RGBColor {
        match self {
            Role::Ink => RGBColor(0x33, 0x33, 0x33),
            Role::Grid => RGBColor(0xDD, 0xDD, 0xDD),
            Role::WorkingSet => RGBColor(0x1F, 0x77, 0xB4),
            Role::Rss => RGBColor(0x2C, 0xA0, 0x2C),
            Role::Usage => RGBColor(0x8C, 0x8C, 0x8C),
            Role::Cache => RGBColor(0xBC, 0xBD, 0x22),
            Role::Limit => RGBColor(0xE3, 0x77, 0xC2),
            Role::KernelKill => RGBColor(0xD6, 0x27, 0x28),
            Role::OtherKill => RGBColor(0x94, 0x67, 0xBD),
            Role::Restart => RGBColor(0x7F, 0x7F, 0x7F),
            Role::Fit => RGBColor(0xFF, 0x7F, 0x0E),
            Role::Jvm => RGBColor(0x17, 0xBE, 0xCF),
            Role::Anon => RGBColor(0x1F, 0x77, 0xB4),
            Role::Huge => RGBColor(0x9E, 0xDA, 0xE5),
            Role::File => RGBColor(0xBC, 0xBD, 0x22),
            Role::Shmem => RGBColor(0x8C, 0x56, 0x4B),
            Role::Kernel => RGBColor(0x7F, 0x7F, 0x7F),
        }
    }

    /// `#RRGGBB`, as in the SVG.
    pub fn hex(self) -> String {
        let RGBColor(r, g, b) = self.rgb();
        format!("#{r:02X}{g:02X}{b:02X}")
    }
}

/// An item of a chart's legend: its colour and what it is.
pub type Legend = Vec<(Role, String)>;

/// One drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// `memory`, `jvm`, `at-kill`, `spark`.
    pub kind: &'static str,
    /// The `<svg>` element.
    pub svg: String,
    /// How values map to pixels.
    pub map: Mapping,
    pub legend: Legend,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// Ticks of a time axis at round UTC times (whole hours, days, weeks), at
/// most seven.
fn time_ticks(x0: i64, x1: i64) -> Vec<i64> {
    let steps = [
        60_000,
        5 * 60_000,
        15 * 60_000,
        30 * 60_000,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
        28 * DAY,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| (x1 - x0) / s <= 6)
        .unwrap_or((x1 - x0) / 6)
        .max(1);
    let first = x0.div_euclid(step) * step + if x0.rem_euclid(step) == 0 { 0 } else { step };
    (0..8)
        .map(|i| first + i * step)
        .take_while(|t| *t <= x1)
        .collect()
}

/// A tick's label: the date at midnight UTC, else the time of day.
fn tick_label(ms: i64) -> String {
    let fmt = if ms.rem_euclid(DAY) == 0 {
        "%b %d"
    } else {
        "%H:%M"
    };
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime(fmt).to_string())
        .unwrap_or_default()
}

/// The unit an axis of sizes up to `max` bytes counts in, so its ticks are
/// round numbers of it: (bytes per unit, symbol).
fn size_unit(max: f64) -> (f64, &'static str) {
    const KIB: f64 = 1024.0;
    if max >= KIB * KIB * KIB {
        (KIB * KIB * KIB, "GiB")
    } else if max >= KIB * KIB {
        (KIB * KIB, "MiB")
    } else {
        (KIB, "KiB")
    }
}

/// A tick of a size axis: `1.5 GiB`, `0`.
fn unit_label(v: f64, unit: &str) -> String {
    if v.abs() < 1e-9 {
        return "0".into();
    }
    let r = (v * 1000.0).round() / 1000.0;
    format!("{r} {unit}")
}

/// A chart's frame in the page's style: a margin, room for the x labels
/// and `y_area` pixels for the y labels.
fn frame<'a, 'c>(root: &'a Area<'c>, y_area: u32) -> ChartBuilder<'a, 'a, SVGBackend<'c>> {
    let mut b = ChartBuilder::on(root);
    b.margin(10).x_label_area_size(30).y_label_area_size(y_area);
    b
}

/// The page's mesh: labels and axes in ink, grid lines at the labels only.
fn house<X: Ranged, Y: Ranged, DB: DrawingBackend>(m: &mut MeshStyle<'_, '_, X, Y, DB>) {
    m.label_style(label_font(17))
        .axis_style(Role::Ink.rgb())
        .bold_line_style(Role::Grid.rgb())
        .light_line_style(TRANSPARENT);
}

fn label_font(px: u32) -> TextStyle<'static> {
    ("sans-serif", px).into_font().color(&Role::Ink.rgb())
}

/// Draws into an SVG of `w` x `h`, with `draw` given the root area;
/// `None` when plotters reports an error (never expected: the backend
/// writes into a string).
fn svg(w: u32, h: u32, draw: impl FnOnce(&Area) -> Option<Mapping>) -> Option<(String, Mapping)> {
    let mut buf = String::new();
    let map = {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        let map = draw(&root)?;
        root.present().ok()?;
        map
    };
    // A label for screen readers; the figure's caption says the rest.
    Some((buf.replacen("<svg ", "<svg role=\"img\" ", 1), map))
}

/// One axis: `(v0, v1, p0, p1)`, the value at each end and its pixel in
/// the SVG's coordinates.
pub type Axis = (f64, f64, f64, f64);

/// How a chart's values map to pixels: its x axis and its y axis.
pub type Mapping = (Axis, Axis);

/// The kills of a container with a time, as (ms, kernel or not).
fn kill_times(c: &ContainerDiagnosis) -> Vec<(i64, bool)> {
    c.kills
        .iter()
        .filter(|k| !matches!(k.kind, KillKind::Probe))
        .filter_map(|k| {
            Some((
                k.instant_ms()?,
                matches!(k.kind, KillKind::KernelMemcg | KillKind::KernelGlobal),
            ))
        })
        .collect()
}

/// The limit a container's charts draw: its spec, else the latest kill's.
pub fn limit_of(c: &ContainerDiagnosis) -> Option<u64> {
    c.limit_bytes
        .or_else(|| c.kills.iter().rev().find_map(|k| k.limit_bytes))
}

fn drawn_role(kind: DrawnKind) -> Role {
    match kind {
        DrawnKind::WorkingSet => Role::WorkingSet,
        DrawnKind::Rss => Role::Rss,
        DrawnKind::Usage => Role::Usage,
        DrawnKind::Cache => Role::Cache,
        DrawnKind::Jvm => Role::Jvm,
    }
}

/// Splits points where the samples stop for longer than ten usual steps
/// (a line is not drawn across a gap).
fn runs(points: &[(i64, f64)]) -> Vec<&[(i64, f64)]> {
    let step = oomlens_analysis::trend::step_ms(points).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].0 - points[i - 1].0 > 10 * step {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

/// Where two corners of a chart's plotting area land: the mapping of its
/// axes, values at each end with their pixels.
fn ends<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<DB, Cartesian2d<X, Y>>,
    lo: ((X::ValueType, Y::ValueType), (f64, f64)),
    hi: ((X::ValueType, Y::ValueType), (f64, f64)),
) -> Mapping {
    let a = chart.backend_coord(&lo.0);
    let b = chart.backend_coord(&hi.0);
    (
        (lo.1 .0, hi.1 .0, a.0 as f64, b.0 as f64),
        (lo.1 .1, hi.1 .1, a.1 as f64, b.1 as f64),
    )
}

/// A vertical mark at `t` from 0 to `top`, in `role`'s colour.
fn mark(t: i64, top: f64, role: Role) -> PathElement<(i64, f64)> {
    PathElement::new(vec![(t, 0.0), (t, top)], role.rgb().stroke_width(2))
}

/// Marks each kill on a time chart (last, on top of the lines) and says
/// how its axes map: `ymax` in the chart's unit is `top` bytes (or count).
fn kill_marks<X: Ranged<ValueType = i64>>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, RangedCoordf64>>,
    kills: &[(i64, bool)],
    (x0, x1): (i64, i64),
    (ymax, top): (f64, f64),
) -> Option<Mapping> {
    chart
        .draw_series(kills.iter().map(|(t, k)| mark(*t, ymax, kill_role(*k))))
        .ok()?;
    Some(ends(
        chart,
        ((x0, 0.0), (x0 as f64, 0.0)),
        ((x1, ymax), (x1 as f64, top)),
    ))
}

fn kill_role(kernel: bool) -> Role {
    if kernel {
        Role::KernelKill
    } else {
        Role::OtherKill
    }
}

/// Memory over time: working set, RSS, usage and page cache, the limit as
/// a line, each kill (kernel or other) and restart marked, the fitted trend
/// of the judged life and the forecast with its range, and the parts each
/// killed life's forecast was fitted on. Sizes are drawn in one unit (GiB,
/// MiB) so the ticks are round; the mapping is in bytes.
pub fn memory(c: &ContainerDiagnosis, m: &MemoryOverTime) -> Option<Chart> {
    let mem: Vec<&Drawn> = m
        .series
        .iter()
        .filter(|d| d.kind != DrawnKind::Jvm && !d.points.is_empty())
        .collect();
    mem.iter().find(|d| d.kind == DrawnKind::WorkingSet)?;
    let limit = limit_of(c).map(|l| l as f64);
    let kills = kill_times(c);
    let ttl = m.time_to_limit.as_ref();
    let forecast = m.fit.as_ref().zip(ttl).map(|(f, t)| {
        let at = |s: f64| f.until_ms + (s * 1000.0) as i64;
        (
            f,
            at(t.seconds),
            t.fastest_seconds.map(at),
            t.slowest_seconds.map(at),
        )
    });
    let mut x0 = mem
        .iter()
        .filter_map(|d| d.points.first())
        .map(|p| p.0)
        .min()?;
    let mut x1 = mem
        .iter()
        .filter_map(|d| d.points.last())
        .map(|p| p.0)
        .max()?;
    for (t, _) in &kills {
        x0 = x0.min(*t);
        x1 = x1.max(*t);
    }
    if let Some((_, at, _, _)) = &forecast {
        // The forecast, but not so far ahead that the past is a sliver.
        let cap = x1 + (x1 - x0).max(HOUR) / 2;
        x1 = x1.max((*at).min(cap));
    }
    if x1 <= x0 {
        x1 = x0 + 60_000;
    }
    let top = mem
        .iter()
        .flat_map(|d| d.points.iter().map(|p| p.1))
        .chain(limit)
        .fold(0.0, f64::max)
        * 1.08;
    let top = if top > 0.0 { top } else { 1.0 };
    let (unit, sym) = size_unit(top);
    let ymax = top / unit;
    let u = |v: f64| v / unit;
    let (svg, map) = svg(700, 320, |root| {
        let mut chart = frame(root, 70)
            .build_cartesian_2d((x0..x1).with_key_points(time_ticks(x0, x1)), 0f64..ymax)
            .ok()?;
        let mut mesh = chart.configure_mesh();
        house(&mut mesh);
        mesh.y_labels(7)
            .x_label_formatter(&|x| tick_label(*x))
            .y_label_formatter(&|y| unit_label(*y, sym))
            .draw()
            .ok()?;
        // The parts the forecasts were fitted on, under everything.
        let band = |from: i64, until: i64| {
            Rectangle::new(
                [(from, 0.0), (until, ymax)],
                Role::Fit.rgb().mix(0.10).filled(),
            )
        };
        chart
            .draw_series(
                m.kill_checks
                    .iter()
                    .map(|k| {
                        band(
                            k.at.forecast_from.as_millisecond(),
                            k.at.forecast_until.as_millisecond(),
                        )
                    })
                    .chain(m.fit.iter().map(|f| band(f.from_ms, f.until_ms))),
            )
            .ok()?;
        for d in &mem {
            for run in runs(&d.points) {
                chart
                    .draw_series(LineSeries::new(
                        run.iter().map(|p| (p.0, u(p.1))),
                        drawn_role(d.kind).rgb().stroke_width(2),
                    ))
                    .ok()?;
            }
        }
        if let Some(l) = limit {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, u(l)), (x1, u(l))],
                    8,
                    5,
                    Role::Limit.rgb().stroke_width(2),
                ))
                .ok()?;
        }
        if let Some(f) = &m.fit {
            chart
                .draw_series(LineSeries::new(
                    [
                        (f.from_ms, u(f.floor_from_bytes)),
                        (f.until_ms, u(f.floor_until_bytes)),
                    ],
                    Role::Fit.rgb().stroke_width(3),
                ))
                .ok()?;
        }
        if let (Some((f, at, fast, slow)), Some(l)) = (&forecast, limit) {
            let from = (f.until_ms, u(f.floor_until_bytes + f.peak_excess_bytes));
            if let (Some(fast), Some(slow)) = (fast, slow) {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        vec![from, (*fast, u(l)), (*slow, u(l))],
                        Role::Fit.rgb().mix(0.25).filled(),
                    )))
                    .ok()?;
            }
            chart
                .draw_series(DashedLineSeries::new(
                    [from, (*at, u(l))],
                    6,
                    4,
                    Role::Fit.rgb().stroke_width(2),
                ))
                .ok()?;
        }
        // Each killed life's forecast from its first half: the predicted
        // kill and its range, just above the limit.
        if let Some(l) = limit {
            let y = u(l) + (ymax - u(l)) * 0.5;
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .map(|t| t.as_millisecond())
            };
            for k in &m.kill_checks {
                let p = k.at.predicted_kill.as_millisecond().clamp(x0, x1);
                let lo = parse(&k.predicted_earliest).unwrap_or(p).clamp(x0, x1);
                let hi = parse(&k.predicted_latest).unwrap_or(p).clamp(x0, x1);
                chart
                    .draw_series([
                        PathElement::new(vec![(lo, y), (hi, y)], Role::Fit.rgb().stroke_width(3)),
                        PathElement::new(
                            vec![(p, u(l)), (p, ymax)],
                            Role::Fit.rgb().stroke_width(2),
                        ),
                    ])
                    .ok()?;
            }
        }
        // Restarts: each life after the first begins with one.
        chart
            .draw_series(
                m.life_starts
                    .iter()
                    .skip(1)
                    .filter_map(|s| s.parse::<jiff::Timestamp>().ok())
                    .map(|t| {
                        PathElement::new(
                            vec![(t.as_millisecond(), 0.0), (t.as_millisecond(), ymax * 0.92)],
                            Role::Restart.rgb().stroke_width(1),
                        )
                    }),
            )
            .ok()?;
        kill_marks(&mut chart, &kills, (x0, x1), (ymax, top))
    })?;
    let mut legend: Legend = mem
        .iter()
        .map(|d| (drawn_role(d.kind), d.label.clone()))
        .collect();
    if limit.is_some() {
        legend.push((Role::Limit, "limit".into()));
    }
    if kills.iter().any(|k| k.1) {
        legend.push((Role::KernelKill, "kill by the kernel".into()));
    }
    if kills.iter().any(|k| !k.1) {
        legend.push((Role::OtherKill, "kill (JVM or other)".into()));
    }
    if m.life_starts.len() > 1 {
        legend.push((Role::Restart, "restart".into()));
    }
    if !m.kill_checks.is_empty() {
        legend.push((
            Role::Fit,
            "each killed life foretold from its first half: the predicted kill, above the limit its range"
                .into(),
        ));
    }
    if m.fit.is_some() || !m.kill_checks.is_empty() {
        legend.push((
            Role::Fit,
            if forecast.is_some() {
                "fitted trend, forecast and its range; shaded: the samples each forecast was fitted on".into()
            } else {
                "fitted trend; shaded: the samples each forecast was fitted on".into()
            },
        ));
    }
    Some(Chart {
        kind: "memory",
        svg,
        map,
        legend,
    })
}

/// What grew: each JVM part the series hold, on the time axis of the
/// memory chart (`x`, ms), kills marked; the part that grows (the
/// verdict's `growing`) drawn thicker and named so.
pub fn jvm(c: &ContainerDiagnosis, m: &MemoryOverTime, x: (f64, f64)) -> Vec<Chart> {
    let kills = kill_times(c);
    let (x0, x1) = (x.0 as i64, x.1 as i64);
    m.series
        .iter()
        .filter(|d| d.kind == DrawnKind::Jvm && !d.points.is_empty())
        .filter_map(|d| {
            let growing = m.growing.as_deref() == Some(d.label.as_str());
            let top = d.points.iter().map(|p| p.1).fold(0.0, f64::max) * 1.1;
            let top = if top > 0.0 { top } else { 1.0 };
            let threads = d.unit == "threads";
            let (unit, sym) = if threads { (1.0, "") } else { size_unit(top) };
            let ymax = top / unit;
            let (svg, map) = svg(700, 200, |root| {
                let mut chart = frame(root, 70)
                    .build_cartesian_2d((x0..x1).with_key_points(time_ticks(x0, x1)), 0f64..ymax)
                    .ok()?;
                let mut mesh = chart.configure_mesh();
                house(&mut mesh);
                mesh.y_labels(4)
                    .x_label_formatter(&|x| tick_label(*x))
                    .y_label_formatter(&|y| {
                        if threads {
                            format!("{y:.0}")
                        } else {
                            unit_label(*y, sym)
                        }
                    })
                    .draw()
                    .ok()?;
                for run in runs(&d.points) {
                    chart
                        .draw_series(LineSeries::new(
                            run.iter()
                                .filter(|p| p.0 >= x0 && p.0 <= x1)
                                .map(|p| (p.0, p.1 / unit)),
                            Role::Jvm.rgb().stroke_width(if growing { 3 } else { 2 }),
                        ))
                        .ok()?;
                }
                kill_marks(&mut chart, &kills, (x0, x1), (ymax, top))
            })?;
            let mut legend = vec![(
                Role::Jvm,
                if growing {
                    format!("{} (what grows)", d.label)
                } else {
                    d.label.clone()
                },
            )];
            for (kernel, name) in [(true, "kill by the kernel"), (false, "kill (JVM or other)")] {
                if kills.iter().any(|k| k.1 == kernel) {
                    legend.push((kill_role(kernel), name.into()));
                }
            }
            Some(Chart {
                kind: "jvm",
                svg,
                map,
                legend,
            })
        })
        .collect()
}

/// The parts of memory at the kill, one stacked bar against the limit:
/// anonymous memory (less its huge pages), huge pages, page cache (less
/// shared memory), shared memory, kernel. `None` when nothing is known.
pub fn at_kill(m: &MemoryAtKill, limit: Option<u64>) -> Option<Chart> {
    let anon = m.anon_bytes.unwrap_or(0);
    let huge = m.huge_bytes.unwrap_or(0).min(anon);
    let file = m.file_bytes.unwrap_or(0);
    let shmem = m.shmem_bytes.unwrap_or(0).min(file);
    let parts: Vec<Part> = [
        (Role::Anon, "anon", anon - huge),
        (Role::Huge, "huge pages", huge),
        (Role::File, "page cache", file - shmem),
        (Role::Shmem, "shmem", shmem),
        (Role::Kernel, "kernel", m.kernel_bytes.unwrap_or(0)),
    ]
    .into_iter()
    .map(|(role, name, bytes)| Part {
        role,
        label: format!("{name} {}", size(bytes)),
        bytes,
        bound: true,
    })
    .collect();
    bar("at-kill", parts, limit)
}

/// The JVM's regions against the limit, one stacked bar: each region at
/// its bound, an unbounded one at what was observed or estimated (drawn
/// lighter); `None` when no region has a size.
pub fn budget(b: &Budget) -> Option<Chart> {
    const ROLES: [Role; 7] = [
        Role::Anon,
        Role::Jvm,
        Role::Cache,
        Role::Shmem,
        Role::Huge,
        Role::Kernel,
        Role::Usage,
    ];
    let parts: Vec<Part> = b
        .regions
        .iter()
        .zip(ROLES.iter().cycle())
        .filter_map(|(r, role)| {
            let (bytes, bound) = match (r.max_bytes, r.observed_bytes) {
                (Some(m), _) => (m, true),
                (None, Some(o)) => (o, false),
                (None, None) => return None,
            };
            Some(Part {
                role: *role,
                label: if bound {
                    format!("{} {}", r.name, size(bytes))
                } else {
                    format!("{} {} (unbounded; seen or estimated)", r.name, size(bytes))
                },
                bytes,
                bound,
            })
        })
        .collect();
    bar("budget", parts, Some(b.limit_bytes))
}

/// A part of a stacked bar.
struct Part {
    role: Role,
    label: String,
    bytes: u64,
    /// Solid when a bound or a measure; lighter when an estimate.
    bound: bool,
}

/// One stacked bar of `parts` (those of no size left out) against the
/// limit, on an axis of sizes in one unit.
fn bar(kind: &'static str, parts: Vec<Part>, limit: Option<u64>) -> Option<Chart> {
    let parts: Vec<Part> = parts.into_iter().filter(|p| p.bytes > 0).collect();
    if parts.is_empty() {
        return None;
    }
    let total: u64 = parts.iter().map(|p| p.bytes).sum();
    let top = (total.max(limit.unwrap_or(0)) as f64 * 1.05).max(1.0);
    let (unit, sym) = size_unit(top);
    let xmax = top / unit;
    let (svg, map) = svg(700, 100, |root| {
        let mut chart = frame(root, 10)
            .build_cartesian_2d(0f64..xmax, 0f64..1.0)
            .ok()?;
        let mut mesh = chart.configure_mesh();
        house(&mut mesh);
        mesh.x_labels(7)
            .disable_y_axis()
            .disable_y_mesh()
            .x_label_formatter(&|x| unit_label(*x, sym))
            .draw()
            .ok()?;
        let mut at = 0.0;
        let mut bars = Vec::new();
        for p in &parts {
            let end = at + p.bytes as f64 / unit;
            let colour = p.role.rgb().mix(if p.bound { 1.0 } else { 0.45 });
            bars.push(Rectangle::new([(at, 0.2), (end, 0.8)], colour.filled()));
            at = end;
        }
        chart.draw_series(bars).ok()?;
        if let Some(l) = limit {
            let l = l as f64 / unit;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(l, 0.0), (l, 1.0)],
                    Role::Limit.rgb().stroke_width(3),
                )))
                .ok()?;
        }
        Some(ends(
            &chart,
            ((0.0, 0.0), (0.0, 0.0)),
            ((xmax, 1.0), (top, 1.0)),
        ))
    })?;
    let mut legend: Legend = parts.into_iter().map(|p| (p.role, p.label)).collect();
    if let Some(l) = limit {
        legend.push((Role::Limit, format!("limit {}", size(l))));
    }
    Some(Chart {
        kind,
        svg,
        map,
        legend,
    })
}

/// Class loads over the log's clock, one line per family (loads per
/// bucket); leaking families in the alarm colour and thicker. The clock
/// is the JVM's uptime (in s, min or h, as the span reads best) or, for a
/// log without uptime stamps, the offset in the log (MiB).
pub fn class_loads(l: &ClassLoads) -> Option<Chart> {
    let n = l
        .families
        .iter()
        .map(|f| f.counts.len())
        .max()
        .filter(|n| *n > 0)?;
    let span = (n as u64 * l.bucket_width) as f64;
    let (scale, unit) = if l.clock == "uptime-ms" {
        if span >= 3.0 * 3_600_000.0 {
            (3_600_000.0, "h")
        } else if span >= 180_000.0 {
            (60_000.0, "min")
        } else {
            (1000.0, "s")
        }
    } else {
        (1024.0 * 1024.0, "MiB")
    };
    let x1 = span / scale;
    let ymax = l
        .families
        .iter()
        .flat_map(|f| f.counts.iter())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    const OTHERS: [Role; 5] = [
        Role::WorkingSet,
        Role::Rss,
        Role::Cache,
        Role::Jvm,
        Role::Usage,
    ];
    let roles: Vec<Role> = {
        let mut others = OTHERS.iter().cycle();
        l.families
            .iter()
            .map(|f| {
                if f.leak {
                    Role::KernelKill
                } else {
                    *others.next().unwrap_or(&Role::Usage)
                }
            })
            .collect()
    };
    let (svg, map) = svg(700, 240, |root| {
        let mut chart = frame(root, 60)
            .build_cartesian_2d(0f64..x1, 0f64..ymax)
            .ok()?;
        let mut mesh = chart.configure_mesh();
        house(&mut mesh);
        mesh.x_labels(6)
            .y_labels(5)
            .x_label_formatter(&|x| format!("{} {unit}", (x * 10.0).round() / 10.0))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .ok()?;
        // Draw the others first: a leak stays on top.
        let mut order: Vec<usize> = (0..l.families.len()).collect();
        order.sort_by_key(|&i| l.families[i].leak);
        for i in order {
            let f = &l.families[i];
            let w = l.bucket_width as f64 / scale;
            chart
                .draw_series(LineSeries::new(
                    f.counts
                        .iter()
                        .enumerate()
                        .map(|(b, &c)| ((b as f64 + 0.5) * w, f64::from(c))),
                    roles[i].rgb().stroke_width(if f.leak { 3 } else { 2 }),
                ))
                .ok()?;
        }
        Some(ends(
            &chart,
            ((0.0, 0.0), (0.0, 0.0)),
            ((x1, ymax), (span, ymax)),
        ))
    })?;
    let legend = l
        .families
        .iter()
        .zip(&roles)
        .map(|(f, r)| {
            (
                *r,
                format!(
                    "{}{} {} loaded{}",
                    f.pattern,
                    f.library
                        .as_ref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default(),
                    f.loaded,
                    if f.leak { ", LEAK" } else { "" }
                ),
            )
        })
        .collect();
    Some(Chart {
        kind: "classes",
        svg,
        map,
        legend,
    })
}

/// NMT's committed bytes per category over the snapshots (x: the
/// snapshot's number, from 1), the categories of at least 1% of the largest
/// total, at most eight; the one that grew most drawn thicker and named so.
/// `None` with fewer than two snapshots.
pub fn nmt(snaps: &[NmtSnapshot]) -> Option<Chart> {
    if snaps.len() < 2 {
        return None;
    }
    let total = snaps.iter().map(|s| s.total_committed_bytes).max()? as f64;
    let mut names: Vec<&str> = Vec::new();
    for s in snaps {
        for (n, _) in &s.categories {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let value = |s: &NmtSnapshot, n: &str| -> f64 {
        s.categories
            .iter()
            .find(|c| c.0 == n)
            .map_or(0.0, |c| c.1 as f64)
    };
    let mut cats: Vec<(&str, f64, f64)> = names
        .iter()
        .map(|n| {
            let max = snaps.iter().map(|s| value(s, n)).fold(0.0, f64::max);
            let grew = value(&snaps[snaps.len() - 1], n) - value(&snaps[0], n);
            (*n, max, grew)
        })
        .filter(|c| c.1 >= 0.01 * total)
        .collect();
    cats.sort_by(|a, b| b.1.total_cmp(&a.1));
    cats.truncate(8);
    let grew_most = cats
        .iter()
        .filter(|c| c.2 > 0.0)
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|c| c.0);
    let top = cats.iter().map(|c| c.1).fold(0.0, f64::max) * 1.1;
    let top = if top > 0.0 { top } else { 1.0 };
    let (unit, sym) = size_unit(top);
    let ymax = top / unit;
    let x1 = snaps.len() as f64;
    const ROLES: [Role; 8] = [
        Role::Anon,
        Role::Rss,
        Role::Cache,
        Role::Jvm,
        Role::Shmem,
        Role::Usage,
        Role::Limit,
        Role::Huge,
    ];
    let (svg, map) = svg(700, 240, |root| {
        let mut chart = frame(root, 70)
            .build_cartesian_2d(1f64..x1, 0f64..ymax)
            .ok()?;
        let mut mesh = chart.configure_mesh();
        house(&mut mesh);
        mesh.x_labels(snaps.len().min(8))
            .y_labels(5)
            .x_label_formatter(&|x| format!("#{x:.0}"))
            .y_label_formatter(&|y| unit_label(*y, sym))
            .draw()
            .ok()?;
        for ((n, _, _), role) in cats.iter().zip(ROLES.iter()) {
            let thick = Some(*n) == grew_most;
            chart
                .draw_series(LineSeries::new(
                    snaps
                        .iter()
                        .enumerate()
                        .map(|(i, s)| ((i + 1) as f64, value(s, n) / unit)),
                    role.rgb().stroke_width(if thick { 4 } else { 2 }),
                ))
                .ok()?;
        }
        Some(ends(
            &chart,
            ((1.0, 0.0), (1.0, 0.0)),
            ((x1, ymax), (x1, top)),
        ))
    })?;
    let legend = cats
        .iter()
        .zip(ROLES.iter())
        .map(|((n, _, grew), role)| {
            (
                *role,
                if Some(*n) == grew_most {
                    format!("{n} (grew most: {})", crate::format::signed_mib(*grew))
                } else {
                    n.to_string()
                },
            )
        })
        .collect();
    Some(Chart {
        kind: "nmt",
        svg,
        map,
        legend,
    })
}

/// A small chart for `scan`: the working set's floor and peaks over the
/// window (the envelopes the server computed), and the limit.
pub fn spark(c: &ContainerRisk) -> Option<Chart> {
    let floor = &c.envelope.floor;
    let peaks = &c.envelope.peaks;
    let x0 = floor.iter().chain(peaks).map(|p| p.0).min()?;
    let x1 = floor.iter().chain(peaks).map(|p| p.0).max()?.max(x0 + 1);
    let limit = c.limit_bytes.map(|l| l as f64);
    let top = floor
        .iter()
        .chain(peaks)
        .map(|p| p.1)
        .chain(limit)
        .fold(0.0, f64::max)
        * 1.08;
    let top = if top > 0.0 { top } else { 1.0 };
    let (svg, map) = svg(240, 56, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(3)
            .build_cartesian_2d(x0..x1, 0f64..top)
            .ok()?;
        for (pts, role) in [(peaks, Role::Usage), (floor, Role::WorkingSet)] {
            for run in runs(pts) {
                chart
                    .draw_series(LineSeries::new(
                        run.iter().copied(),
                        role.rgb().stroke_width(2),
                    ))
                    .ok()?;
            }
        }
        if let Some(l) = limit {
            chart
                .draw_series(LineSeries::new(
                    [(x0, l), (x1, l)],
                    Role::Limit.rgb().stroke_width(2),
                ))
                .ok()?;
        }
        Some(ends(
            &chart,
            ((x0, 0.0), (x0 as f64, 0.0)),
            ((x1, top), (x1 as f64, top)),
        ))
    })?;
    Some(Chart {
        kind: "spark",
        svg,
        map,
        legend: Vec::new(),
    })
}
