//! Scans a class-loading log the way `oomlens classes` does (the file split
//! across threads) and prints the `ClassLog` as JSON: the scan alone, for
//! profiling it and comparing two builds' results without the CLI.
//!
//! `cargo run --profile profiling -p oomlens-evidence --example class_scan -- LOG [THREADS]`

use oomlens_evidence::jvm::classload;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: class_scan LOG [THREADS]".into());
    };
    let threads = match args.next() {
        Some(t) => t.to_string_lossy().parse()?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let (log, _warnings) = classload::scan_file("log", path.as_ref(), threads)?;
    println!("{}", serde_json::to_string(&log)?);
    Ok(())
}
