//! The heap crate's side of `diagnose`'s seam
//! (`oomlens_evidence::jvm::heapdump`): a dump streamed once through the
//! summary pass ([`summarize_reader`], never the retained-size passes) and
//! reduced to the facts the detectors read. The CLI plugs [`read`] into
//! `load::Options::heap`.

use std::io::Read;

use oomlens_evidence::jvm::heapdump::{
    HeapClass, HeapDumpFacts, HeapFamily, HeapLoaderType, HeapThreadGroup, TOP,
};

use crate::sizing::SizingBasis;
use crate::summary::{summarize_reader, Summary};

/// Reads a dump from its first byte (decompressed) into its facts: the
/// [`oomlens_evidence::jvm::heapdump::HeapReader`] of `diagnose`.
pub fn read(r: &mut dyn Read) -> Result<HeapDumpFacts, String> {
    summarize_reader(r)
        .map(|s| facts(&s))
        .map_err(|e| e.to_string())
}

/// The facts of a summary, each list cut to its [`TOP`] rows.
pub fn facts(s: &Summary) -> HeapDumpFacts {
    let v = &s.class_loaders;
    HeapDumpFacts {
        version: s.header.version.as_str().to_string(),
        unix_ms: s.header.timestamp_ms,
        bytes_read: s.read.bytes,
        stopped: s.read.stop.as_ref().map(|st| st.to_string()),
        layout_assumed: s.sizing.basis == SizingBasis::Assumed,
        objects: s.totals.objects,
        shallow_bytes: s.totals.bytes,
        classes: v.classes,
        top_classes: s
            .histogram
            .iter()
            .take(TOP)
            .map(|r| HeapClass {
                name: r.class.clone(),
                instances: r.instances,
                bytes: r.bytes,
            })
            .collect(),
        loader_types: {
            let mut t: Vec<HeapLoaderType> = v
                .by_type
                .iter()
                .map(|t| HeapLoaderType {
                    class: t.class.clone(),
                    loaders: t.loaders,
                    classes: t.classes,
                })
                .collect();
            t.sort_by(|a, b| b.classes.cmp(&a.classes).then(a.class.cmp(&b.class)));
            t.truncate(TOP);
            t
        },
        families: v
            .families
            .iter()
            .take(TOP)
            .map(|f| HeapFamily {
                shape: f.shape.clone(),
                example: f.example.clone(),
                classes: f.classes,
                loaders: f.loaders,
                max_seq: f.max_seq,
            })
            .collect(),
        // The buffers that own their memory: a slice or view counts the
        // same memory again.
        direct_buffers: s.direct_buffers.owners,
        direct_capacity: s.direct_buffers.owned_capacity,
        threads: s.threads.threads,
        thread_groups: s
            .threads
            .groups
            .iter()
            .take(TOP)
            .map(|g| HeapThreadGroup {
                pattern: g.pattern.clone(),
                threads: g.threads,
                example: g.example.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump read as a stream gives what the path reader gives; its
    /// generated family keeps its counter.
    #[test]
    fn a_stream_reads_as_the_file_does() {
        use crate::hprof::BasicType;
        let mut w = crate::synth::Writer::new(8, 1_700_000_000_000);
        w.string(1, "gen/G0000041")
            .string(2, "gen/G0000007")
            .string(3, "n");
        w.load_class(1, 0x1000, 1).load_class(2, 0x2000, 2);
        w.class_dump(0x1000, 0, 0, 4, &[], &[(3, BasicType::Int)]);
        w.class_dump(0x2000, 0, 0, 4, &[], &[(3, BasicType::Int)]);
        for i in 0..10u64 {
            w.instance(0x10_0000 + i * 16, 0x1000, &[0, 0, 0, 1]);
        }
        w.end_segment();
        let bytes = w.finish();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.hprof");
        std::fs::write(&path, &bytes).unwrap();
        let by_path = facts(&crate::summarize(&path).unwrap());
        let streamed = read(&mut bytes.as_slice()).unwrap();
        assert_eq!(streamed, by_path);
        assert_eq!(streamed.unix_ms, 1_700_000_000_000);
        assert_eq!(streamed.top_classes[0].name, "gen.G0000041");
        assert_eq!(streamed.top_classes[0].instances, 10);
        let fam = &streamed.families[0];
        assert_eq!(
            (fam.shape.as_str(), fam.classes, fam.max_seq),
            ("gen.G*", 2, 41)
        );
        assert!(read(&mut &b"not a dump"[..]).is_err());
    }
}
