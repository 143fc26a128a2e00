//! Pasted fragments damaged: the real fixtures under
//! `tests/fixtures/{jvm,jcmd,kernel,classload}/pasted/` cut anywhere, with a
//! byte changed or a line wrapped again, never make the flags, jcmd, kernel
//! or class-log parsers panic; unchanged ones keep their facts.

use oomlens_evidence::jvm::{classload, flags, jcmd};
use oomlens_evidence::kernel;
use oomlens_evidence::time::TimeContext;
use proptest::prelude::*;

const FILES: &[&str] = &[
    "jvm/pasted/printflagsfinal-grep-maxheap-openjdk8u141-notes.txt",
    "jvm/pasted/dockerfile-entrypoint-diff-simplereport-pr3395.txt",
    "jvm/pasted/java-opts-echo-azure-dev-docs-issue1306.txt",
    "jcmd/pasted/clstats-jdk8-sa-jmap-notes.txt",
    "jcmd/pasted/histo-rows-no-header-jdk8-notes.txt",
    "kernel/pasted/k6.x-memcg-user-slice-wrapped-journal-notes.log",
    "kernel/pasted/k5.x-memcg-wrapped-midvalue-cadvisor-issue2417.log",
    "kernel/pasted/k3.10-global-sacrifice-child-pandora-issue49.log",
    "kernel/pasted/k2.6-global-sacrifice-child-redis-issue2174.log",
    "classload/pasted/hs_err-classes-loaded-jdk21-windows-eclipse.txt",
    "classload/pasted/hs_err-classes-unloaded-jdk21-windows.txt",
];

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn all_parsers(bytes: &[u8]) {
    let _ = flags::sniff(bytes);
    let _ = flags::parse("p", bytes);
    let _ = jcmd::sniff(bytes);
    let _ = jcmd::parse("p", bytes);
    let _ = kernel::parse("p", bytes, &TimeContext::default());
    let _ = classload::scan("p", bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn damaged_pasted_fragments(
        which in 0..FILES.len(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        wrap in any::<prop::sample::Index>(),
    ) {
        let mut bytes = fixture(FILES[which]);
        if !bytes.is_empty() {
            // Wrap a line once more, as a narrow terminal would.
            let at = wrap.index(bytes.len());
            bytes.insert(at, b'\n');
            let i = flip.index(bytes.len());
            bytes[i] = byte;
        }
        let end = cut.index(bytes.len() + 1);
        bytes.truncate(end);
        all_parsers(&bytes);
    }
}

#[test]
fn unchanged_fixtures_keep_their_kind() {
    for f in FILES {
        let b = fixture(f);
        if f.starts_with("jvm/") {
            assert!(flags::parse(f, &b).0.is_some(), "{f}");
        } else if f.starts_with("jcmd/") {
            assert!(jcmd::parse(f, &b).0.is_some(), "{f}");
        } else if f.starts_with("classload/") {
            let (log, _) = classload::scan(f, &b[..]).expect("in memory");
            assert!(log.loaded + log.unloaded > 0, "{f}");
        } else {
            assert_eq!(
                kernel::parse(f, &b, &TimeContext::default()).0.len(),
                1,
                "{f}"
            );
        }
    }
}
