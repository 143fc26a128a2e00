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
    let n = name.len();
    let mut copied = 0;
    let mut i = 0;
    while let Some(j) = next_interesting(name, i) {
        let c = name[j];
        if c == b'$' || c == b'_' {
            // Every marker goes on with `$` after `_`, `B` or `H` after `$`:
            // most `$` and `_` need no closer look.
            let marker = matches!(
                (c, name.get(j + 1)),
                (b'_', Some(b'$')) | (b'$', Some(b'B' | b'H'))
            );
            let found = if marker {
                RANDOM_AFTER.iter().find(|m| name[j..].starts_with(m))
            } else {
                None
            };
            match found {
                Some(m) => {
                    out.extend_from_slice(&name[copied..j]);
                    out.extend_from_slice(m);
                    let from = j + m.len();
                    let end = name[from..]
                        .iter()
                        .position(|&b| b == b'$' || b == b'_' || b == b'.')
                        .map_or(n, |q| from + q);
                    if end > from {
                        push_star(out);
                    }
                    copied = end;
                    i = end;
                }
                None => i = j + 1,
            }
            continue;
        }
        // A digit: the hex run around it is an id (hash, address) when it
        // is long and stands apart from the letters of an identifier.
        let mut s = j;
        while s > copied && HEX[name[s - 1] as usize] {
            s -= 1;
        }
        let e = name[j..]
            .iter()
            .position(|&b| !HEX[b as usize])
            .map_or(n, |q| j + q);
        let glued_after = name.get(e).is_some_and(|b| b.is_ascii_alphabetic());
        if e - s >= 8 && !glued_after {
            out.extend_from_slice(&name[copied..s]);
            push_star(out);
            copied = e;
            i = e;
            continue;
        }
        let mut d = j;
        while d < n && name[d].is_ascii_digit() {
            d += 1;
        }
        out.extend_from_slice(&name[copied..j]);
        push_star(out);
        copied = d;
        i = d;
    }
    out.extend_from_slice(&name[copied..]);
}

/// The first interesting byte at or after `i`. Eight bytes are tested at
/// once (bit tricks on a `u64` whose lowest set bit is the first
/// interesting byte): most of a package and class name holds none. The
/// last bytes are read as the name's last eight, those before `i` dropped.
fn next_interesting(name: &[u8], mut i: usize) -> Option<usize> {
    let n = name.len();
    while let Some(chunk) = name.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let m = interesting_bits(u64::from_le_bytes(w));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i >= n {
        return None;
    }
    let Some(last) = n.checked_sub(8).and_then(|s| name.get(s..)) else {
        // A name shorter than eight bytes.
        return name[i..]
            .iter()
            .position(|&b| INTERESTING[b as usize])
            .map(|p| i + p);
    };
    let mut w = [0u8; 8];
    w.copy_from_slice(last);
    let skip = i - (n - 8);
    let m = interesting_bits(u64::from_le_bytes(w)) >> (8 * skip);
    (m != 0).then(|| i + (m.trailing_zeros() / 8) as usize)
}

/// High bits in the bytes of `w` that are a digit, `$` or `_`. The lowest
/// set bit is exact (its byte is one of those, and no byte below is); bits
/// above it may be set in error (a borrow of the zero test runs upward), so
/// only `trailing_zeros` and `!= 0` are read.
fn interesting_bits(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    // A byte strictly between b'0' - 1 and b'9' + 1 (bytes >= 0x80 excluded
    // by `!w`); exact in every byte.
    let low = w & (ONES * 0x7f);
    let digit =
        (ONES * (127 + 0x3a)).wrapping_sub(low) & !w & low.wrapping_add(ONES * (127 - 0x2f)) & HIGH;
    digit | has_zero(w ^ (ONES * u64::from(b'$'))) | has_zero(w ^ (ONES * u64::from(b'_')))
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
                assert_eq!(m != 0, INTERESTING[b as usize], "byte {b} at {at}");
                if m != 0 {
                    assert_eq!(m.trailing_zeros() / 8, at as u32);
                }
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
