//! The kinds of line inside an OOM report, read from bytes: counters
//! (`usage 123kB`), `pid (comm)`, `key:value` pairs, cgroup paths, the
//! `CPU: .. Comm:` line, `memory.stat`-style stat lines and task-table rows
//! with their column layouts.

use memchr::memmem;

use super::*;

pub(super) struct Cpu {
    pub(super) line: u64,
    pub(super) pid: Option<u64>,
    pub(super) comm: Option<String>,
    pub(super) release: Option<String>,
}

/// `b` as text, invalid UTF-8 replaced (`U+FFFD`); the common all-valid
/// case is checked by `str::from_utf8`'s fast ASCII path.
pub(super) fn lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// The name of a stats or `Mem-Info:` counter or of a task-table column: a
/// shared static string for the names in [`STAT_NAMES`], an owned one
/// otherwise.
pub(super) fn stat_name(b: &[u8]) -> StatName {
    match stat_index(b) {
        Some(i) => StatName::Borrowed(STAT_NAMES[usize::from(i)]),
        None => StatName::Owned(lossy(b)),
    }
}

/// Where `b` is in [`STAT_NAMES`], if it is one of them.
pub(super) fn stat_index(b: &[u8]) -> Option<u8> {
    // One hash and one comparison: this runs on every line of a stats dump.
    static BY_BYTES: std::sync::LazyLock<rustc_hash::FxHashMap<&[u8], u8>> =
        std::sync::LazyLock::new(|| {
            (0u8..)
                .zip(STAT_NAMES)
                .map(|(i, n)| (n.as_bytes(), i))
                .collect()
        });
    BY_BYTES.get(b).copied()
}

/// The counter names kernels print in `memory.stat` dumps (cgroup v1 with
/// its `total_*` and `hierarchical_*` lines, cgroup v2), in a global
/// report's `Mem-Info:` and as task-table columns, sorted.
pub(super) const STAT_NAMES: [&str; 120] = [
    "active_anon",
    "active_file",
    "anon",
    "anon_thp",
    "bounce",
    "cache",
    "dirty",
    "file",
    "file_dirty",
    "file_mapped",
    "file_thp",
    "file_writeback",
    "free",
    "free_cma",
    "free_pcp",
    "hierarchical_memory_limit",
    "hierarchical_memsw_limit",
    "hugetlb",
    "inactive_anon",
    "inactive_file",
    "isolated_anon",
    "isolated_file",
    "kernel",
    "kernel_misc_reclaimable",
    "kernel_stack",
    "mapped",
    "mapped_file",
    "name",
    "nr_pmds",
    "nr_ptes",
    "numa_hint_faults",
    "numa_pages_migrated",
    "numa_pte_updates",
    "oom_score_adj",
    "pagetables",
    "percpu",
    "pgactivate",
    "pgdeactivate",
    "pgdemote_direct",
    "pgdemote_khugepaged",
    "pgdemote_kswapd",
    "pgfault",
    "pglazyfree",
    "pglazyfreed",
    "pgmajfault",
    "pgpgin",
    "pgpgout",
    "pgpromote_success",
    "pgrefill",
    "pgscan",
    "pgscan_direct",
    "pgscan_khugepaged",
    "pgscan_kswapd",
    "pgsteal",
    "pgsteal_direct",
    "pgsteal_khugepaged",
    "pgsteal_kswapd",
    "pgtables_bytes",
    "pid",
    "rss",
    "rss_anon",
    "rss_file",
    "rss_huge",
    "rss_shmem",
    "sec_pagetables",
    "shmem",
    "shmem_thp",
    "slab",
    "slab_reclaimable",
    "slab_unreclaimable",
    "sock",
    "swap",
    "swapcached",
    "swapents",
    "tgid",
    "thp_collapse_alloc",
    "thp_fault_alloc",
    "thp_swpout",
    "thp_swpout_fallback",
    "total_active_anon",
    "total_active_file",
    "total_cache",
    "total_dirty",
    "total_inactive_anon",
    "total_inactive_file",
    "total_mapped_file",
    "total_pgfault",
    "total_pgmajfault",
    "total_pgpgin",
    "total_pgpgout",
    "total_rss",
    "total_rss_huge",
    "total_shmem",
    "total_swap",
    "total_unevictable",
    "total_vm",
    "total_workingset_activate",
    "total_workingset_nodereclaim",
    "total_workingset_refault",
    "total_workingset_restore",
    "total_writeback",
    "uid",
    "unevictable",
    "vmalloc",
    "workingset_activate",
    "workingset_activate_anon",
    "workingset_activate_file",
    "workingset_nodereclaim",
    "workingset_refault",
    "workingset_refault_anon",
    "workingset_refault_file",
    "workingset_restore",
    "workingset_restore_anon",
    "workingset_restore_file",
    "writeback",
    "zswap",
    "zswapped",
    "zswpin",
    "zswpout",
    "zswpwb",
];

/// The first place of `needle` in `hay`; builds a searcher per call (for
/// needles known only at run time: see [`find_lit!`] for literals).
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memmem::find(hay, needle)
}

/// `find_lit!(hay, b"literal")`: the first place of a literal needle in
/// `hay`, through a `memmem::Finder` built once per call site (the hot
/// per-line checks of the assembler).
macro_rules! find_lit {
    ($hay:expr, $needle:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find($hay)
    }};
}
pub(super) use find_lit;

pub(super) fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Parses leading decimal digits (with an optional `-`); returns the value
/// and the rest.
pub(super) fn leading_int(b: &[u8]) -> Option<(i64, &[u8])> {
    let (neg, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let n = body.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in &body[..n] {
        v = v * 10 + i64::from(c - b'0');
    }
    Some((if neg { -v } else { v }, &body[n..]))
}

pub(super) fn uint(b: &[u8]) -> Option<u64> {
    match leading_int(b) {
        Some((v, rest)) if v >= 0 && rest.is_empty() => Some(v as u64),
        _ => None,
    }
}

/// The value after `key` up to the next `,` or space (`usage 123kB,` ->
/// 123 with the `kB` unit dropped).
pub(super) fn kb_after(msg: &[u8], key: &[u8]) -> Option<u64> {
    let i = find(msg, key)? + key.len();
    let (v, _) = leading_int(&msg[i..])?;
    u64::try_from(v).ok()
}

/// `pid (comm)` at the start of `b` (or RHEL 6's `pid, UID u, (comm)`):
/// the comm ends at the last `)` before `stop` (comm names may hold spaces
/// and parentheses).
pub(super) fn pid_comm<'a>(b: &'a [u8], stops: &[&[u8]]) -> Option<(u64, String, &'a [u8])> {
    let (pid, rest) = leading_int(b)?;
    let rest = match rest.strip_prefix(b" (") {
        Some(r) => r,
        None => {
            // RHEL 6: `Killed process N, UID U, (comm) total-vm:...`.
            let r = rest.strip_prefix(b", UID ")?;
            &r[find(r, b", (")? + 3..]
        }
    };
    let limit = stops
        .iter()
        .filter_map(|s| find(rest, s))
        .min()
        .unwrap_or(rest.len());
    let close = memchr::memrchr(b')', &rest[..limit.min(rest.len())])?;
    Some((
        u64::try_from(pid).ok()?,
        lossy(&rest[..close]),
        &rest[close + 1..],
    ))
}

/// `key:value` pairs in `total-vm:75160kB, anon-rss:65152kB, UID:0 ...`,
/// also RHEL 7's `UID 0`. Values keep their sign; `kB` is dropped; `None`
/// for a number too large to hold (over 18 digits), to be warned about.
pub(super) fn colon_pairs(b: &[u8]) -> impl Iterator<Item = (&[u8], Option<i64>)> {
    // Keys are borrowed from the line: this runs on every victim line.
    let mut toks = b
        .split(|&c| c == b',' || c == b' ')
        .filter(|t| !t.is_empty())
        .peekable();
    std::iter::from_fn(move || {
        while let Some(t) = toks.next() {
            if let Some(c) = memchr::memchr(b':', t) {
                let value = &t[c + 1..];
                if let Some((v, _)) = leading_int(value) {
                    return Some((&t[..c], Some(v)));
                } else if value.first().is_some_and(u8::is_ascii_digit) {
                    return Some((&t[..c], None));
                }
            } else if t == b"UID" {
                if let Some((v, _)) = toks.peek().and_then(|n| leading_int(n)) {
                    toks.next();
                    return Some((&b"UID"[..], Some(v)));
                }
            }
        }
        None
    })
}

/// A cgroup path with its leading `/`: 3.10's `Task in` line prints the
/// victim's path without it, the limit's path with it.
pub(super) fn cgroup_path(b: &[u8]) -> String {
    let p = lossy(trim(b));
    if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    }
}

pub(super) fn parse_cpu(no: u64, msg: &[u8]) -> Cpu {
    let pid =
        find_lit!(msg, b" PID: ").and_then(|i| leading_int(&msg[i + 6..]).map(|x| x.0 as u64));
    let (comm, after) = match find_lit!(msg, b" Comm: ") {
        Some(i) => {
            let rest = &msg[i + 7..];
            let end = [&b" Tainted"[..], b" Not tainted"]
                .iter()
                .filter_map(|s| find(rest, s))
                .min()
                .unwrap_or(rest.len());
            (Some(lossy(trim(&rest[..end]))), &rest[end..])
        }
        None => (None, &b""[..]),
    };
    let release = after
        .split(|&c| c == b' ')
        .find(|t| t.len() > 3 && t[0].is_ascii_digit() && t.contains(&b'.'))
        .map(lossy);
    Cpu {
        line: no,
        pid,
        comm,
        release,
    }
}

/// A stats value: `156KB`/`156kB` (kibibytes) or a plain number.
pub(super) fn stat_value(v: &[u8]) -> Option<u64> {
    let (n, unit) = leading_int(v)?;
    let n = u64::try_from(n).ok()?;
    match unit {
        b"" => Some(n),
        b"KB" | b"kB" => n.checked_mul(1024),
        _ => None,
    }
}

/// A multi-line stats dump line: `anon 123456`.
pub(super) fn stat_line(msg: &[u8]) -> Option<(StatName, u64)> {
    stat_parts(msg).map(|(key, v)| (stat_name(key), v))
}

/// [`stat_line`]'s name (as bytes) and value, without the name's look-up.
pub(super) fn stat_parts(msg: &[u8]) -> Option<(&[u8], u64)> {
    let sp = memchr::memchr(b' ', msg)?;
    let key = &msg[..sp];
    if key.is_empty() || !key.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    let v = uint(trim(&msg[sp + 1..]))?;
    Some((key, v))
}

/// The column names of a task table's header (`[  pid  ]   uid  tgid
/// total_vm ... name`).
pub(super) fn task_columns(msg: &[u8]) -> Vec<StatName> {
    msg.split(|&c| c == b' ' || c == b'[' || c == b']' || c == b'\t')
        .filter(|t| !t.is_empty())
        .map(stat_name)
        .collect()
}

/// The task table layouts the kernel has printed, by the number of values
/// after the pid; `pgtables` stands for either `nr_ptes` (3.10, pages) or
/// `pgtables_bytes` (4.x+), told apart by the value.
pub(super) const LAYOUTS: [&[&str]; 3] = [
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "pgtables",
        "swapents",
        "oom_score_adj",
        "name",
    ],
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "nr_ptes",
        "nr_pmds",
        "swapents",
        "oom_score_adj",
        "name",
    ],
    &[
        "pid",
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "rss_anon",
        "rss_file",
        "rss_shmem",
        "pgtables_bytes",
        "swapents",
        "oom_score_adj",
        "name",
    ],
];

/// Columns for a row whose header is not in the log, guessed from its shape.
pub(super) fn guess_columns(inner_after_pid: &[u8]) -> Option<Vec<StatName>> {
    let mut values = Vec::new();
    let mut rest = inner_after_pid;
    while let Some((v, after)) = leading_int(rest.trim_ascii_start()) {
        values.push(v);
        rest = after;
    }
    // The name may itself start with digits; try the longest layout first.
    for layout in LAYOUTS.iter().rev() {
        let n = layout.len() - 2;
        if values.len() < n {
            continue;
        }
        return Some(
            layout
                .iter()
                .map(|c| {
                    if *c == "pgtables" {
                        // nr_ptes counts pages; pgtables_bytes is a multiple
                        // of the page size.
                        if values[5] >= 4096 && values[5] % 4096 == 0 {
                            StatName::Borrowed("pgtables_bytes")
                        } else {
                            StatName::Borrowed("nr_ptes")
                        }
                    } else {
                        StatName::Borrowed(c)
                    }
                })
                .collect(),
        );
    }
    None
}

pub(super) fn task_row(
    msg: &[u8],
    columns: Option<&[StatName]>,
    no: u64,
) -> Result<TaskRow, String> {
    let mut row = TaskRow {
        line: no,
        ..TaskRow::default()
    };
    let (pid, name) = task_values(msg, columns, |col, v| {
        let u = u64::try_from(v).ok();
        match col {
            "uid" => row.uid = Some(v),
            "tgid" => row.tgid = u,
            "total_vm" => row.total_vm_pages = u,
            "rss" => row.rss_pages = u,
            "rss_anon" => row.rss_anon_pages = u,
            "rss_file" => row.rss_file_pages = u,
            "rss_shmem" => row.rss_shmem_pages = u,
            "nr_ptes" => row.nr_ptes = u,
            "pgtables_bytes" => row.pgtables_bytes = u,
            "swapents" => row.swapents_pages = u,
            "oom_score_adj" => row.oom_score_adj = Some(v),
            other => {
                row.other.insert(other.to_string(), v);
            }
        }
    })?;
    row.pid = pid;
    row.name = lossy(name);
    Ok(row)
}

/// Whether [`task_row`] reads `msg`, and its error if not, without making
/// the row: a scan that keeps task rows as text checks each one so.
pub(super) fn task_row_check(msg: &[u8], columns: Option<&[StatName]>) -> Result<(), String> {
    task_values(msg, columns, |_, _| {}).map(|_| ())
}

/// Takes a task row apart: each numeric column's value to `put`, in
/// order; the pid and the name's bytes back.
fn task_values<'m>(
    msg: &'m [u8],
    columns: Option<&[StatName]>,
    mut put: impl FnMut(&str, i64),
) -> Result<(u64, &'m [u8]), String> {
    let inner = msg.strip_prefix(b"[").unwrap_or(msg);
    let guessed;
    let cols = match columns {
        Some(c) => c,
        None => {
            let close = memchr::memchr(b']', inner).ok_or("task row without `]`")?;
            guessed = guess_columns(&inner[close + 1..])
                .ok_or("task table row before its header, in no known layout: skipped")?;
            &guessed[..]
        }
    };
    let close = memchr::memchr(b']', inner).ok_or("task row without `]`")?;
    let pid = uint(trim(&inner[..close])).ok_or("task row without a pid")?;
    let mut rest = &inner[close + 1..];
    // Header: pid, numeric columns..., name.
    let numeric = cols.len().saturating_sub(2);
    for col in cols.iter().skip(1).take(numeric) {
        let t = rest.trim_ascii_start();
        let (v, after) = leading_int(t).ok_or_else(|| format!("task row: no value for `{col}`"))?;
        rest = after;
        put(col.as_ref(), v);
    }
    Ok((pid, trim(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_names_are_sorted_and_shared() {
        // The search needs the list sorted in bytes order, without twins.
        assert!(STAT_NAMES
            .windows(2)
            .all(|w| w[0].as_bytes() < w[1].as_bytes()));
        for name in STAT_NAMES {
            assert!(matches!(stat_name(name.as_bytes()), StatName::Borrowed(n) if n == name));
        }
        // A name no kernel in the list printed is kept, owned.
        let odd = stat_name(b"zz_new_counter");
        assert!(matches!(&odd, StatName::Owned(n) if n == "zz_new_counter"));
        assert_eq!(
            stat_line(b"anon 6034132992"),
            Some(("anon".into(), 6034132992))
        );
        assert!(matches!(
            stat_line(b"anon 1"),
            Some((StatName::Borrowed(_), 1))
        ));
    }

    #[test]
    fn task_row_check_agrees_with_task_row() {
        let header = task_columns(
            b"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        );
        let rows: [&[u8]; 6] = [
            b"[  20198]  1001 20198    32786    13768   335872        0          1000 node",
            b"[  59121]     0 59121      241        1    24576        0          -998 pause",
            b"[  59121]     0 59121      241",
            b"[ x]     0 59121      241        1    24576        0          -998 pause",
            b"[  59121     0 59121",
            b"[  528786]  1337 528786     5866       75   327680        0          1000",
        ];
        for row in rows {
            for cols in [Some(&header[..]), None] {
                let full = task_row(row, cols, 7);
                let check = task_row_check(row, cols);
                assert_eq!(full.as_ref().map(|_| ()), check.as_ref().map(|_| ()));
                assert_eq!(full.err(), check.err());
            }
        }
        let r = task_row(rows[0], Some(&header), 7).expect("a full row");
        assert_eq!(
            (r.pid, r.rss_pages, r.name.as_str(), r.line),
            (20198, Some(13768), "node", 7)
        );
        assert_eq!(
            task_row_check(rows[2], Some(&header)),
            Err("task row: no value for `rss`".to_string())
        );
    }
}
