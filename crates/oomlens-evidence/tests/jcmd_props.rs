//! Properties of the jcmd / jmap parser: it never panics, whatever the
//! bytes; sizes read the same with a decimal point or comma; outputs read
//! the same with CRLF line ends.

use std::path::PathBuf;

use oomlens_evidence::jvm::jcmd::{self, JcmdOutput};
use proptest::prelude::*;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/jcmd");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("fixture"))
        })
        .collect();
    out.sort();
    out
}

fn invariants(out: &JcmdOutput, lines: u64) {
    assert!(out.loaders.len() <= JcmdOutput::LIMIT);
    assert!(out.histogram.len() <= JcmdOutput::LIMIT);
    assert!(out.loader_rows >= out.loaders.len() as u64);
    assert!(out.histogram_rows >= out.histogram.len() as u64);
    for l in out
        .loaders
        .iter()
        .map(|r| r.line)
        .chain(out.histogram.iter().map(|r| r.line))
        .chain(out.space_types.iter().map(|r| r.line))
    {
        assert!(l >= 1 && l <= lines, "line {l} beyond {lines}");
    }
    for w in out.histogram.windows(2) {
        assert!(w[0].line < w[1].line);
    }
}

const PIECES: &[&str] = &[
    "12345:",
    "Total Usage - 762 loaders, 1584 classes (717 shared):",
    "Total Usage ( 1041 loaders):",
    "Usage:",
    "Virtual space:",
    "Usage per loader:",
    "Usage per space type:",
    "Settings:",
    "  Non-Class: 4542 chunks,     61.54 MB capacity,   58.48 MB ( 95%) committed,    53.22 MB ( 86%) used,",
    "      Class:  766 chunks,      2.46 MB capacity,    2.28 MB ( 92%) committed,     1.55 MB ( 63%) used,",
    "       Both: 5308 chunks,     64.00 MB capacity,   60.75 MB ( 95%) committed,    54.77 MB ( 86%) used,",
    "  Non-Class: 1177 chunks,     41,28 MB capacity,    36,71 MB ( 89%) used,",
    "     64.00 MB reserved,      15.06 MB ( 24%) committed,  1 nodes.",
    "             Both:      192.00 MB reserved,      62.31 MB ( 32%) committed. ",
    "   14.36 MB used.",
    "MaxMetaspaceSize: unlimited",
    "MaxMetaspaceSize: 17179869184,00 GB",
    "MaxMetaspaceSize: 64.00 MB",
    "CompressedClassSpaceSize: 1.00 GB",
    "Current GC threshold: 21.00 MB",
    "current GC threshold: 99999999999999999999999999 GB",
    "No class space",
    "   6: CLD 0x00007fb6d4ab2f20: \"generated-1399\" instance of X, 1 class",
    " 762: CLD 0x00007fb6d40dc790: \"<bootstrap>\", 793 classes (717 shared)",
    "   1: CLD 0x00007fb6d48954a0: <hidden class>, loaded by \"<bootstrap>\", 1 class",
    "Standard - 740 loaders, 770 classes:",
    "Boot (1 loader):",
    "ClassLoader         Parent              CLD*               Classes   ChunkSz   BlockSz  Type",
    "0x00007fb690000a08  0x00007fb68f07af08  0x00007fb6d4758230       1     10496      8825  A$B",
    "0x0000000000000000  0x0000000000000000  0x00007fb6d40dc790     793    557056    129348  <boot class loader>",
    "                                                                21      8192      5398   + hidden classes",
    "Total = 741                                                   1584   8389248   7179153  ",
    "class_loader\tclasses\tbytes\tparent_loader\talive?\ttype",
    "<bootstrap>\t2353\t4122324\t  null  \tlive\t<internal>",
    "0x00000000c5ab86a8\t1\t1471\t0x00000000c544a3d0\tdead\tsun/reflect/DelegatingClassLoader@0x000000010000a028",
    "total = 86\t11582\t19740221\t    N/A    \talive=1, dead=85\t    N/A",
    " num     #instances         #bytes  class name (module)",
    "-------------------------------------------------------",
    "   1:        133677       11763576  java.lang.reflect.Method (java.base@17.0.15)",
    "   6:          2142         409936  [B",
    "Total        210880       15986672",
    "JVM version is 25.172-b11",
    "# A fatal error has been detected by the Java Runtime Environment:",
    "\t",
    " ",
    "\r",
    "é",
    "\u{fffd}",
];

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..4).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = jcmd::sniff(&bytes);
        let lines = bytes.split(|&b| b == b'\n').count() as u64;
        if let (Some(out), _) = jcmd::parse("fuzz", &bytes) {
            invariants(&out, lines);
        }
        let _ = jcmd::parse_size(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn output_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..60)) {
        let text = lines.join("\n");
        let n = text.split('\n').count() as u64;
        if let (Some(out), _) = jcmd::parse("fuzz", text.as_bytes()) {
            invariants(&out, n);
        }
    }

    #[test]
    fn sizes_read_alike_with_point_or_comma(int in 0u64..1_000_000, frac in 0u32..100, unit in prop::sample::select(&["KB", "MB", "GB", "K", "M"][..])) {
        let point = jcmd::parse_size(&format!("{int}.{frac:02} {unit}"));
        let comma = jcmd::parse_size(&format!("{int},{frac:02} {unit}"));
        prop_assert!(point.is_some());
        prop_assert_eq!(point, comma);
    }

    #[test]
    fn whole_sizes_are_exact(n in 0u64..(1 << 40)) {
        prop_assert_eq!(jcmd::parse_size(&format!("{n} bytes")), Some(n));
        prop_assert_eq!(jcmd::parse_size(&format!("{}K", n >> 10)), Some((n >> 10) << 10));
        prop_assert_eq!(jcmd::parse_size(&format!("{}.00 MB", n >> 20)), Some((n >> 20) << 20));
    }
}

#[test]
fn fixtures_read_the_same_with_crlf() {
    for (name, bytes) in fixtures() {
        let (plain, _) = jcmd::parse(&name, &bytes);
        let plain = plain.unwrap_or_else(|| panic!("{name}"));
        invariants(&plain, bytes.split(|&b| b == b'\n').count() as u64);
        let crlf: Vec<u8> = bytes
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let (other, _) = jcmd::parse(&name, &crlf);
        assert_eq!(other, Some(plain), "{name}");
    }
}
