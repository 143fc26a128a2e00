//! The shape of a class name: what makes generated classes one family.
//!
//! Class generators name their classes with counters, hashes and addresses:
//! `Orika_FieldVO_FieldDetailDTO_Mapper62812963418674919$3899`,
//! `UserService$$EnhancerByCGLIB$$a1b2c3d4`, `jdk.proxy3.$Proxy123`,
//! `Foo$$Lambda/0x0000000800c4b440`, `Foo$ByteBuddy$xW8aWt2K`. The shape
//! replaces those varying parts with `*`, so every class a generator makes
//! for one purpose has the same shape, while ordinary classes keep their
//! names:
//!
//! - a run of decimal digits -> `*`;
//! - a run of 8 or more hex digits with at least one decimal digit -> `*`;
//! - the random part after `$ByteBuddy$`, `$HibernateProxy$`,
//!   `_$$_javassist_`, `_$$_jvst` -> `*` (up to the next `$`, `_` or end);
//! - consecutive `*` collapse into one.
//!
//! The shape is pure syntax; which library made a family is the analysis'
//! knowledge base.

/// Hex digits, by table: the runs around a digit are read a byte at a time.
static HEX: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_hexdigit();
        c += 1;
    }
    t
};

/// Markers after which generators append random names.
const RANDOM_AFTER: [&[u8]; 4] = [
    b"$ByteBuddy$",
    b"$HibernateProxy$",
    b"_$$_javassist_",
    b"_$$_jvst",
];

/// Writes the shape of `name` into `out` (cleared first).
pub fn shape_into(name: &[u8], out: &mut Vec<u8>) {
    out.clear();
    // Jump from one interesting byte (a digit, `$`, `_`) to the next and
    // copy what lies between in one go: this runs once per class line.
    // The interesting bytes of eight at a time are one exact bit mask,
    // walked bit by bit: a word is read once, however many stops it holds.
    let n = name.len();
    let mut copied = 0;
    let mut i = 0;
    while i < n {
        let (base, mut m) = window(name, i);
        let mut resume = base + 8;
        while m != 0 {
            let j = base + (m.trailing_zeros() / 8) as usize;
            let next = stop(name, j, &mut copied, out);
            if next >= base + 8 {
                resume = next;
                break;
            }
            // Drop the stops before `next` (0 < next - base < 8).
            m &= u64::MAX << (8 * (next - base));
        }
        i = resume;
    }
    out.extend_from_slice(&name[copied..]);
}

/// The interesting byte at `j` of `name` (`name[copied..]` not yet
/// written): writes what the shape has up to where the stop's part ends,
/// and returns where the search goes on.
#[inline(always)]
fn stop(name: &[u8], j: usize, copied: &mut usize, out: &mut Vec<u8>) -> usize {
    let n = name.len();
    let c = name[j];
    if c == b'$' || c == b'_' {
        // Every marker goes on with `$` after `_`, `B` or `H` after `$`:
        // most `$` and `_` need no closer look.
        let marker = matches!(
            (c, name.get(j + 1)),
            (b'_', Some(b'$')) | (b'$', Some(b'B' | b'H'))
        );
        if !marker {
            return j + 1;
        }
        let Some(m) = RANDOM_AFTER.iter().find(|m| name[j..].starts_with(m)) else {
            return j + 1;
        };
        out.extend_from_slice(&name[*copied..j]);
        out.extend_from_slice(m);
        let from = j + m.len();
        let end = name[from..]
            .iter()
            .position(|&b| b == b'$' || b == b'_' || b == b'.')
            .map_or(n, |q| from + q);
        if end > from {
            push_star(out);
        }
        *copied = end;
        return end;
    }
    // A digit: the hex run around it is an id (hash, address) when it is
    // long and stands apart from the letters of an identifier.
    let mut s = j;
    while s > *copied && HEX[name[s - 1] as usize] {
        s -= 1;
    }
    let e = name[j..]
        .iter()
        .position(|&b| !HEX[b as usize])
        .map_or(n, |q| j + q);
    let glued_after = name.get(e).is_some_and(|b| b.is_ascii_alphabetic());
    if e - s >= 8 && !glued_after {
        out.extend_from_slice(&name[*copied..s]);
        push_star(out);
        *copied = e;
        return e;
    }
    let mut d = j;
    while d < n && name[d].is_ascii_digit() {
        d += 1;
    }
    out.extend_from_slice(&name[*copied..j]);
    push_star(out);
    *copied = d;
    d
}

/// The eight bytes of `name` from `i` (`i < name.len()`), as the index of
/// the first and the exact mask of the interesting ones at or after `i`:
/// near the end, the name's last eight bytes with those before `i`
/// dropped; a name shorter than eight bytes padded with zeros.
#[inline(always)]
fn window(name: &[u8], i: usize) -> (usize, u64) {
    let n = name.len();
    let mut w = [0u8; 8];
    if let Some(chunk) = name.get(i..i + 8) {
        w.copy_from_slice(chunk);
        return (i, interesting_bits(u64::from_le_bytes(w)));
    }
    let base = n.saturating_sub(8);
    match name.get(base..base + 8) {
        Some(last) => w.copy_from_slice(last),
        None => w[..n].copy_from_slice(name),
    }
    // 0 <= i - base < 8.
    (
        base,
        interesting_bits(u64::from_le_bytes(w)) & (u64::MAX << (8 * (i - base))),
    )
}

/// The first interesting byte at or after `i`.
#[cfg(test)]
fn next_interesting(name: &[u8], i: usize) -> Option<usize> {
    if i >= name.len() {
        return None;
    }
    let (base, m) = window(name, i);
    if m != 0 {
        return Some(base + (m.trailing_zeros() / 8) as usize);
    }
    next_interesting(name, base + 8)
}

/// High bits in exactly the bytes of `w` that are a digit, `$` or `_`.
fn interesting_bits(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = ONES * 0x7f;
    // A zero byte of `v`, exactly: no carry leaves a byte.
    let zero = |v: u64| !(((v & LOW7) + LOW7) | v) & HIGH;
    // A byte strictly between b'0' - 1 and b'9' + 1 (bytes >= 0x80 excluded
    // by `!w`); exact in every byte.
    let low = w & LOW7;
    let digit =
        (ONES * (127 + 0x3a)).wrapping_sub(low) & !w & low.wrapping_add(ONES * (127 - 0x2f)) & HIGH;
    digit | zero(w ^ (ONES * u64::from(b'$'))) | zero(w ^ (ONES * u64::from(b'_')))
}

fn push_star(out: &mut Vec<u8>) {
    if out.last() != Some(&b'*') {
        out.push(b'*');
    }
}

/// The shape of a class name.
pub fn shape(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    shape_into(name.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits, `$` and `_`: the bytes where a shape can differ from the name.
    static INTERESTING: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = b'0';
        while c <= b'9' {
            t[c as usize] = true;
            c += 1;
        }
        t[b'$' as usize] = true;
        t[b'_' as usize] = true;
        t
    };

    /// The shaper as the module's rules say it, a byte at a time: what the
    /// word-at-a-time [`shape_into`] must write.
    fn reference_shape(name: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let n = name.len();
        let (mut copied, mut i) = (0, 0);
        while let Some(p) = name[i.min(n)..]
            .iter()
            .position(|&b| INTERESTING[b as usize])
        {
            let j = i + p;
            let c = name[j];
            if c == b'$' || c == b'_' {
                match RANDOM_AFTER.iter().find(|m| name[j..].starts_with(m)) {
                    Some(m) => {
                        out.extend_from_slice(&name[copied..j]);
                        out.extend_from_slice(m);
                        let from = j + m.len();
                        let end = name[from..]
                            .iter()
                            .position(|&b| b == b'$' || b == b'_' || b == b'.')
                            .map_or(n, |q| from + q);
                        if end > from {
                            push_star(&mut out);
                        }
                        (copied, i) = (end, end);
                    }
                    None => i = j + 1,
                }
                continue;
            }
            let mut s = j;
            while s > copied && name[s - 1].is_ascii_hexdigit() {
                s -= 1;
            }
            let mut e = j;
            while e < n && name[e].is_ascii_hexdigit() {
                e += 1;
            }
            let glued_after = name.get(e).is_some_and(|b| b.is_ascii_alphabetic());
            if e - s >= 8 && !glued_after {
                out.extend_from_slice(&name[copied..s]);
                push_star(&mut out);
                (copied, i) = (e, e);
                continue;
            }
            let mut d = j;
            while d < n && name[d].is_ascii_digit() {
                d += 1;
            }
            out.extend_from_slice(&name[copied..j]);
            push_star(&mut out);
            (copied, i) = (d, d);
        }
        out.extend_from_slice(&name[copied..]);
        out
    }

    #[test]
    fn word_at_a_time_shapes_as_byte_at_a_time() {
        // Names from real generators, then every cut and one-byte edit of
        // them (the parts of a name fall at every offset of a word).
        let names: [&[u8]; 8] = [
            b"ma.glasnost.orika.generated.Orika_Address_Coupon_Mapper20769770055372$7797",
            b"com.acme.crm.CouponEntity$$EnhancerByCGLIB$$d2626984$$FastClassByCGLIB$$5417f1ef",
            b"com.acme.ledger.ProductEntity$$Lambda$7828/0x00007efbf75039e8",
            b"jdk.proxy1302.$Proxy7804",
            b"com.x.Foo$ByteBuddy$xW8aWt2K$auxiliary$Ab12",
            b"com.x.Foo_$$_jvst3a2_1_$$_javassist_77",
            b"a1b2c3d4e5f6a7b8_9$$HibernateProxy$",
            b"java.lang.invoke.LambdaForm$MH/0x0000000800c4b440",
        ];
        let mut out = Vec::new();
        let mut check = |name: &[u8]| {
            shape_into(name, &mut out);
            assert_eq!(
                out,
                reference_shape(name),
                "{}",
                String::from_utf8_lossy(name)
            );
        };
        for name in names {
            for cut in 0..=name.len() {
                check(&name[..cut]);
                check(&name[cut..]);
            }
            for at in 0..name.len() {
                for b in [
                    b'0', b'7', b'$', b'_', b'a', b'f', b'g', b'.', b'%', b'^', 0, 0x80, 0xff,
                ] {
                    let mut edited = name.to_vec();
                    edited[at] = b;
                    check(&edited);
                }
            }
        }
    }

    #[test]
    fn generated_names() {
        assert_eq!(
            shape("ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper62812963418674919$3899"),
            "ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper*$*"
        );
        assert_eq!(
            shape("com.x.UserService$$EnhancerByCGLIB$$a1b2c3d4"),
            "com.x.UserService$$EnhancerByCGLIB$$*"
        );
        assert_eq!(shape("jdk.proxy3.$Proxy123"), "jdk.proxy*.$Proxy*");
        assert_eq!(shape("com.sun.proxy.$Proxy12"), "com.sun.proxy.$Proxy*");
        assert_eq!(
            shape("com.x.Foo$$Lambda/0x0000000800c4b440"),
            "com.x.Foo$$Lambda/*x*"
        );
        assert_eq!(
            shape("com.x.Foo$$Lambda$14/0x0000000800c03000"),
            "com.x.Foo$$Lambda$*/*x*"
        );
        assert_eq!(
            shape("com.x.Foo$ByteBuddy$xW8aWt2K"),
            "com.x.Foo$ByteBuddy$*"
        );
        assert_eq!(shape("com.x.Foo_$$_jvst3a2_1"), "com.x.Foo_$$_jvst*_*");
        assert_eq!(
            shape("sun.reflect.GeneratedMethodAccessor123"),
            "sun.reflect.GeneratedMethodAccessor*"
        );
        assert_eq!(shape("Script12"), "Script*");
        assert_eq!(
            shape("com.x.Bean$$SpringCGLIB$$0"),
            "com.x.Bean$$SpringCGLIB$$*"
        );
    }

    #[test]
    fn ordinary_names_keep_their_letters() {
        assert_eq!(shape("java.lang.Object"), "java.lang.Object");
        assert_eq!(shape("com.facebook.Decoder"), "com.facebook.Decoder");
        assert_eq!(shape("org.acme.DeadBeefCafe"), "org.acme.DeadBeefCafe");
        assert_eq!(
            shape("java.util.concurrent.ConcurrentHashMap$Node"),
            "java.util.concurrent.ConcurrentHashMap$Node"
        );
        assert_eq!(shape(""), "");
    }

    #[test]
    fn eight_bytes_at_once_find_what_one_at_a_time_finds() {
        let first = |name: &[u8], i: usize| {
            name[i.min(name.len())..]
                .iter()
                .position(|&c| INTERESTING[c as usize])
                .map(|p| i + p)
        };
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut w = *b"abcdefgh";
                w[at] = b;
                let m = interesting_bits(u64::from_le_bytes(w));
                let exact = if INTERESTING[b as usize] {
                    0x80 << (8 * at)
                } else {
                    0
                };
                assert_eq!(m, exact, "byte {b} at {at}");
                for len in [3, 7, 8, 12, 19, 24] {
                    let mut name = b"com.acme.Xy.".repeat(2);
                    name[at + 3] = b;
                    name.truncate(len);
                    for i in [0, 1, 4, 9, 30] {
                        assert_eq!(
                            next_interesting(&name, i),
                            first(&name, i),
                            "byte {b} at {at}, length {len}, from {i}"
                        );
                    }
                }
            }
        }
        // Two interesting bytes and any neighbour: the first one is found.
        for b in 0..=255u8 {
            for c in [b'0', b'$', b'_', b'9', b'a'] {
                for at in 0..7 {
                    let mut w = *b"abcdefgh";
                    w[at] = b;
                    w[at + 1] = c;
                    let name = [&w[..], b"xy$"].concat();
                    assert_eq!(next_interesting(&name, 0), first(&name, 0));
                }
            }
        }
    }

    #[test]
    fn a_percent_after_a_dollar_near_the_end_ends() {
        // The zero test flags `%` (0x25 = `$` ^ 1) after a `$`; a shaper
        // that took that flag for a stop looped forever on such names.
        assert_eq!(shape("abcdefghij$%"), "abcdefghij$%");
        assert_eq!(shape("com.acme.Xy_^1"), "com.acme.Xy_^*");
    }

    #[test]
    fn shapes_are_stable_and_idempotent() {
        for n in [
            "a1b2c3d4e5",
            "x$$y$$0123abcdef99",
            "$ByteBuddy$",
            "__",
            "9",
            "Ab12Cd",
        ] {
            let s = shape(n);
            assert_eq!(shape(&s), s, "{n}");
        }
    }
}
