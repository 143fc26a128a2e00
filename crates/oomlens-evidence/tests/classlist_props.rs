//! Properties of the `VM.class_hierarchy` reader: it never panics, whatever
//! the bytes; every class listed is counted once, in a family or the
//! overflow; a real listing reads the same with CRLF line ends, and its
//! lines in any order give the same families.

use std::path::PathBuf;

use oomlens_evidence::jvm::classlist::{self, ClassListing};
use proptest::prelude::*;

fn fixture(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/classlist")
        .join(rel);
    std::fs::read(p).expect("fixture")
}

fn invariants(l: &ClassListing) {
    let counted: u64 = l.families.iter().map(|f| f.classes).sum::<u64>() + l.overflow;
    assert_eq!(counted, l.classes);
    assert!(l.classes <= l.lines);
    for f in &l.families {
        assert!(f.classes >= 1);
        assert!(1 <= f.first_line && f.first_line <= f.last_line && f.last_line <= l.lines);
    }
    for w in l.families.windows(2) {
        assert!(w[0].classes >= w[1].classes);
    }
}

const PIECES: &[&str] = &[
    "21127:",
    "java.lang.Object/null",
    "|--",
    "|  ",
    "java.util.Map/null (intf)",
    "ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper25551518722564$467/0x00007f1d300e1cd0",
    "java.lang.invoke.LambdaForm$DMH/0x00007f1cb4008400/null",
    "/",
    "/null",
    "0x",
    "oomlens: output cut at 16777216 bytes",
    " (intf)",
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
        let _ = classlist::looks_like_class_hierarchy(&bytes);
        invariants(&classlist::parse("fuzz", &bytes).0);
    }

    #[test]
    fn listing_shaped_input_never_panics(lines in prop::collection::vec(line_strategy(), 0..80)) {
        let text = lines.join("\n");
        invariants(&classlist::parse("fuzz", text.as_bytes()).0);
    }

    #[test]
    fn the_order_of_lines_does_not_change_the_counts(seed in any::<u64>()) {
        let bytes = fixture("OrikaLikeLeak/1.VM.class_hierarchy.txt");
        let text = String::from_utf8(bytes).unwrap();
        let mut lines: Vec<&str> = text.lines().skip(1).collect();
        // A cheap shuffle from the seed (xorshift).
        let mut x = seed | 1;
        for i in (1..lines.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lines.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = classlist::parse("a", text.as_bytes()).0;
        let b = classlist::parse("b", lines.join("\n").as_bytes()).0;
        let counts = |l: &ClassListing| {
            let mut v: Vec<(String, u64)> = l.families.iter().map(|f| (f.shape.clone(), f.classes)).collect();
            v.sort();
            v
        };
        prop_assert_eq!(a.classes, b.classes);
        prop_assert_eq!(counts(&a), counts(&b));
    }
}

#[test]
fn real_listings_read_whole_and_the_same_with_crlf() {
    for (rel, classes, orika) in [
        ("OrikaLikeLeak/1.VM.class_hierarchy.txt", 1547, 185),
        ("OrikaLikeLeak/2.VM.class_hierarchy.txt", 2022, 659),
    ] {
        let bytes = fixture(rel);
        assert!(classlist::looks_like_class_hierarchy(&bytes), "{rel}");
        let (l, w) = classlist::parse(rel, &bytes);
        assert!(w.is_empty(), "{rel}: {:?}", w.items());
        invariants(&l);
        assert_eq!(l.classes, classes, "{rel}");
        assert_eq!(l.pid, Some(21127));
        let f = l
            .families
            .iter()
            .find(|f| {
                f.shape == "ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper*$*"
            })
            .expect("the mapper family");
        assert_eq!(f.classes, orika, "{rel}");
        let crlf = String::from_utf8(bytes).unwrap().replace('\n', "\r\n");
        let (c, w) = classlist::parse(rel, crlf.as_bytes());
        assert!(w.is_empty(), "{rel} CRLF: {:?}", w.items());
        assert_eq!(c, l, "{rel} with CRLF");
    }
}
