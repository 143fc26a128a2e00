//! Retained sizes of a dump phase by phase, each phase's wall time, its own
//! peak RSS and the peak so far on stderr (the kernel's peak is reset after
//! each phase through `/proc/self/clear_refs`), the `retained` section's JSON on stdout:
//! `hprof_retained DUMP.hprof [--summary]` (`--summary`: the histogram's
//! pass in the same read, as `oomlens heap --retained` does).

use oomlens_heap::dominator::dominator_tree_parked;
use oomlens_heap::graph::Column;
use oomlens_heap::graph::MAX_OBJECTS;
use oomlens_heap::retained::{loader_indexes, read_graph_parked, summarize_retained, Retained};
use std::time::Instant;

/// The process's peak resident set so far (`VmHWM`), in MiB.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

/// Resets the kernel's peak resident set (`VmHWM`) to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: hprof_retained DUMP.hprof [--summary]".into());
    };
    let path = std::path::Path::new(&path);
    let t = Instant::now();
    let most = std::cell::Cell::new(0);
    let phase = |name: &str| {
        let own = peak_mib();
        most.set(most.get().max(own));
        eprintln!(
            "{name:>12}: {:>7.2} s, phase peak {own} MiB, peak so far {} MiB",
            t.elapsed().as_secs_f64(),
            most.get()
        );
        reset_peak();
    };
    if args.next().is_some_and(|a| a == "--summary") {
        let (s, rep, _) = summarize_retained(path, 20)?;
        phase("all");
        eprintln!("objects {}", s.totals.objects);
        println!("{}", serde_json::to_string_pretty(&rep)?);
        return Ok(());
    }
    let sizing = oomlens_heap::Sizing::detect(path)?;
    let (mut g, classes, _) = read_graph_parked(path, sizing, MAX_OBJECTS)?;
    phase("graph");
    let loaders = loader_indexes(&g, &classes);
    g.park()?;
    g.unpark_column(Column::Successors)?;
    eprintln!(
        "objects {} edges {} roots {}",
        g.len(),
        g.successors().edges(),
        g.roots().len()
    );
    let tree = dominator_tree_parked(&g, g.roots())?;
    phase("dominators");
    eprintln!("placed {} reachable {}", tree.order.len(), tree.reachable());
    g.park_column(Column::Successors)?;
    let r = Retained::compute(&mut g, tree)?;
    phase("retained");
    let (rep, _) = r.report(&mut g, 20, &loaders, &|id| classes.name(id))?;
    phase("report");
    println!("{}", serde_json::to_string_pretty(&rep)?);
    Ok(())
}
