//! Prints a dump's class histogram in `GC.class_histogram`'s columns, for
//! comparing the two by eye: `hprof_histogram DUMP.hprof [TOP]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: hprof_histogram DUMP.hprof [TOP]".into());
    };
    let top: usize = args
        .next()
        .and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(30);
    let s = oomlens_heap::summarize(path.as_ref())?;
    println!("{:?}", s.sizing);
    for (i, r) in s.histogram.iter().take(top).enumerate() {
        println!(
            "{:>4}: {:>12} {:>14}  {}",
            i + 1,
            r.instances,
            r.bytes,
            r.class
        );
    }
    println!("Total {:>12} {:>14}", s.totals.objects, s.totals.bytes);
    println!("{:?}", s.direct_buffers);
    for g in &s.threads.groups {
        println!("{} x {}: {:?}", g.threads, g.pattern, g.frames.first());
    }
    println!(
        "strings {} unmatched {} duplicated {} wasted {} top {:?}",
        s.strings.strings,
        s.strings.unmatched,
        s.strings.duplicated_contents,
        s.strings.wasted,
        s.strings.top.first()
    );
    if let Some(stop) = &s.read.stop {
        println!("{stop}");
    }
    Ok(())
}
