//! The containers OOM-killed within a window (`kubectl oomlens` without a
//! pod) as kubectl prints a list: upper-case headers, columns three spaces
//! apart (its tabwriter's padding), no borders, ages as kubectl writes them (`45s`, `3m12s`, `5h`,
//! `4d7h`).

use comfy_table::{presets, Cell, ContentArrangement, Table};
use oomlens_analysis::diagnosis::{Diagnosis, Killed};
use oomlens_analysis::wording;

use crate::format::size;

/// The table of `rows` (from [`Diagnosis::killed_since`] of `d`):
/// NAMESPACE POD CONTAINER KILLS LAST VERDICT; `wide` adds NODE, LIMIT,
/// RESTARTS and CAUSE (the strongest cause's id and confidence) before
/// VERDICT. An unknown value is `<none>`, as kubectl shows one.
pub fn table(d: &Diagnosis, rows: &[Killed], wide: bool) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    let mut header = vec!["NAMESPACE", "POD", "CONTAINER", "KILLS", "LAST"];
    if wide {
        header.extend(["NODE", "LIMIT", "RESTARTS", "CAUSE"]);
    }
    header.push("VERDICT");
    t.set_header(header);
    let none = || "<none>".to_string();
    for r in rows {
        let Some(c) = d.containers.get(r.container) else {
            continue;
        };
        let mut row = vec![
            c.pod.namespace.clone().unwrap_or_else(none),
            c.pod
                .name
                .clone()
                .or_else(|| c.pod.uid.clone())
                .unwrap_or_else(none),
            c.container.name.clone().unwrap_or_else(none),
            r.kills.to_string(),
            r.last_ago_s.map(age).unwrap_or_else(none),
        ];
        if wide {
            let top = d.causes.iter().find(|x| x.container == Some(r.container));
            row.extend([
                c.node.clone().unwrap_or_else(none),
                c.limit_bytes.map(size).unwrap_or_else(none),
                c.restart_count.map(|n| n.to_string()).unwrap_or_else(none),
                top.map(|x| format!("{} ({:.2})", x.id, x.confidence))
                    .unwrap_or_else(none),
            ]);
        }
        row.push(wording::verdict(c, r.container, &d.causes));
        t.add_row(row.into_iter().map(Cell::new));
    }
    // kubectl's tabwriter: three spaces after each column, none before.
    for c in t.column_iter_mut() {
        c.set_padding((0, 3));
    }
    t.to_string()
        .lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

/// A duration as kubectl's ages read (apimachinery's
/// `duration.HumanDuration`): `45s`, `3m12s`, `25m`, `5h10m`, `30h`,
/// `4d7h`, `30d`, `2y45d`, `9y`.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    let (m, h, d) = (s / 60, s / 3600, s / 86_400);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => match s % 60 {
            0 => format!("{m}m"),
            r => format!("{m}m{r}s"),
        },
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        },
        _ if h < 48 => format!("{h}h"),
        _ if h < 192 => match h % 24 {
            0 => format!("{d}d"),
            r => format!("{d}d{r}h"),
        },
        _ if h < 24 * 365 * 2 => format!("{d}d"),
        _ if h < 24 * 365 * 8 => {
            let y = d / 365;
            match d % 365 {
                0 => format!("{y}y"),
                r => format!("{y}y{r}d"),
            }
        }
        _ => format!("{}y", d / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::age;

    /// Each branch of apimachinery's `HumanDuration`
    /// (k8s.io/apimachinery/pkg/util/duration/duration.go) on both sides
    /// of its bounds.
    #[test]
    fn ages_read_as_kubectl_writes_them() {
        for (s, want) in [
            (1.0, "1s"),
            (70.0, "70s"),
            (190.0, "3m10s"),
            (70.0 * 60.0, "70m"),
            (47.0 * 60.0, "47m"),
            (5.0 * 3600.0, "5h"),
            (5.0 * 3600.0 + 22.0 * 60.0, "5h22m"),
            (47.0 * 3600.0, "47h"),
            (49.0 * 3600.0, "2d1h"),
            (192.0 * 3600.0, "8d"),
            (24.0 * 3600.0 * 365.0 * 2.0, "2y"),
            (24.0 * 3600.0 * (365.0 * 2.0 + 45.0), "2y45d"),
            (24.0 * 3600.0 * 365.0 * 9.0, "9y"),
        ] {
            assert_eq!(age(s), want, "{s}");
        }
    }
}
