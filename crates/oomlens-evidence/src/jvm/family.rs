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
    shape_words::<false>(name, out);
}

/// The class name a message starts with, as [`shape_name`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    /// The name's length: up to the message's first space, else all of it.
    pub len: usize,
    /// The name's first `/` (a hidden class's `/0x...` suffix), if any.
    pub slash: Option<usize>,
}

/// Writes the shape of the class name `msg` starts with (`msg` up to its
/// first space) into `out`, as [`shape_into`] writes it, and says where
/// the name ends and where its first `/` is: one pass over the name for
/// all three (a class line's name, its family and its number).
pub fn shape_name(msg: &[u8], out: &mut Vec<u8>) -> Name {
    shape_words::<true>(msg, out)
}

/// [`shape_into`] (`LINE` false: all of `s` is the name) and
/// [`shape_name`] (`LINE` true: the name ends at the first space, and its
/// first `/` is found on the way).
#[inline(always)]
fn shape_words<const LINE: bool>(s: &[u8], out: &mut Vec<u8>) -> Name {
    out.clear();
    // Jump from one stop (a digit, the `$` or `_` a marker starts with) to
    // the next and copy what lies between in one go: this runs once per
    // class line. The stops of sixteen bytes at a time are one bit mask (a
    // superset: [`stop`] passes over a false one), walked bit by bit: a
    // window is read once, however many stops it holds.
    let n = s.len();
    let mut name = Name {
        len: n,
        slash: None,
    };
    // A marker's random part was passed over: a `/` in it was not seen.
    let mut jumped = false;
    let mut copied = 0;
    let mut i = 0;
    'words: while i < n {
        let (base, mut m) = window::<LINE>(s, i);
        let mut resume = base + 16;
        while m != 0 {
            let j = base + m.trailing_zeros() as usize;
            let next = match s[j] {
                b' ' if LINE => {
                    name.len = j;
                    break 'words;
                }
                b'/' if LINE => {
                    name.slash = name.slash.or(Some(j));
                    j + 1
                }
                _ => stop::<LINE>(s, j, &mut copied, out, &mut jumped),
            };
            if next >= base + 16 {
                resume = next;
                break;
            }
            // Drop the stops before `next` (j < next < base + 16).
            m &= u32::MAX << (next - base);
        }
        i = resume;
    }
    out.extend_from_slice(&s[copied..name.len]);
    if LINE && jumped {
        name.slash = memchr::memchr(b'/', &s[..name.len]);
    }
    name
}

/// The byte at `j` of `name` (`name[copied..]` not yet written), flagged
/// by [`stop_bits`]: writes what the shape has up to where the stop's part
/// ends, and returns where the search goes on (after `j`). With `LINE`, a
/// space ends the name (and a marker's random part); `jumped` is set when
/// a marker's random part is passed over.
#[inline(always)]
fn stop<const LINE: bool>(
    name: &[u8],
    j: usize,
    copied: &mut usize,
    out: &mut Vec<u8>,
    jumped: &mut bool,
) -> usize {
    let n = name.len();
    let c = name[j];
    if c == b'$' || c == b'_' {
        let Some(m) = RANDOM_AFTER.iter().find(|m| name[j..].starts_with(m)) else {
            return j + 1;
        };
        out.extend_from_slice(&name[*copied..j]);
        out.extend_from_slice(m);
        let from = j + m.len();
        let end = name[from..]
            .iter()
            .position(|&b| b == b'$' || b == b'_' || b == b'.' || (LINE && b == b' '))
            .map_or(n, |q| from + q);
        if end > from {
            push_star(out);
        }
        *copied = end;
        *jumped = true;
        return end;
    }
    if !c.is_ascii_digit() {
        // A false flag of the word test.
        return j + 1;
    }
    // A digit: the hex run around it is an id (hash, address) when it is
    // long and stands apart from the letters of an identifier.
    let mut s = j;
    while s > *copied && HEX[name[s - 1] as usize] {
        s -= 1;
    }
    let e = hex_run_end(name, j);
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

/// Where the run of hex digits of `name` that goes on at `k` ends: sixteen
/// bytes at a time ([`hex16`]) while sixteen are left, then a byte at a time.
#[inline(always)]
fn hex_run_end(name: &[u8], mut k: usize) -> usize {
    while let Some(w) = name.get(k..).and_then(|r| r.first_chunk::<16>()) {
        // The run's length in this chunk: the lowest byte that is no hex
        // digit (bit 16 and up of `!m` are set: at most 16).
        let run = (!hex16(w)).trailing_zeros() as usize;
        if run < 16 {
            return k + run;
        }
        k += 16;
    }
    name[k..]
        .iter()
        .position(|&b| !HEX[b as usize])
        .map_or(name.len(), |q| k + q)
}

/// The hex digits (`0-9`, `a-f`, `A-F`) of sixteen bytes, one bit a byte:
/// with SSE2 (every x86-64), two range compares; elsewhere by [`HEX`].
#[inline(always)]
fn hex16(w: &[u8; 16]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of every x86-64 target (the baseline the
    // compiler builds for); the function only reads `w`.
    unsafe {
        hex16_sse2(w)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        w.iter()
            .enumerate()
            .fold(0, |m, (k, &b)| m | (u32::from(HEX[b as usize]) << k))
    }
}

/// [`hex16`] with SSE2: a byte is a digit when `b - '0'` (wrapping) is at
/// most 9, a hex letter when `(b | 0x20) - 'a'` is at most 5 (`| 0x20`
/// maps only `A-F` onto `a-f`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn hex16_sse2(w: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    // SAFETY: `w` is sixteen readable bytes; the load takes any alignment.
    let v = unsafe { _mm_loadu_si128(w.as_ptr().cast::<__m128i>()) };
    let at_most = |t, max: u8| _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(max as i8)), t);
    let digit = at_most(_mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8)), 9);
    let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    let letter = at_most(_mm_sub_epi8(lower, _mm_set1_epi8(b'a' as i8)), 5);
    _mm_movemask_epi8(_mm_or_si128(digit, letter)) as u32
}

/// The sixteen bytes of `name` from `i` (`i < name.len()`), as the index
/// of the first and the stops among those at or after `i`, one bit a byte
/// ([`stops16`]): near the end, the name's last sixteen bytes with those
/// before `i` dropped; a name shorter than sixteen bytes padded with zeros.
/// The byte after the window (a marker's second byte) is read too; past the
/// name's end it is a zero.
#[inline(always)]
fn window<const LINE: bool>(name: &[u8], i: usize) -> (usize, u32) {
    let n = name.len();
    if let Some(chunk) = name.get(i..).and_then(|r| r.first_chunk::<16>()) {
        let after = name.get(i + 16).copied().unwrap_or(0);
        return (i, stops16::<LINE>(chunk, after));
    }
    let mut w = [0u8; 16];
    let base = n.saturating_sub(16);
    match name.get(base..base + 16) {
        Some(last) => w.copy_from_slice(last),
        None => w[..n].copy_from_slice(name),
    }
    // 0 <= i - base < 16.
    (base, stops16::<LINE>(&w, 0) & (u32::MAX << (i - base)))
}

/// The stops of sixteen bytes (`after`: the byte after them), one bit a
/// byte: with SSE2 (every x86-64), a compare per byte class; elsewhere the
/// word test ([`stop_bits`]) of each half. Both flag every byte that must
/// stop, and may flag a few more.
#[inline(always)]
fn stops16<const LINE: bool>(w: &[u8; 16], after: u8) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of every x86-64 target (the baseline the
    // compiler builds for); the function only reads `w`.
    unsafe {
        stops16_sse2::<LINE>(w, after)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        stops16_words::<LINE>(w, after)
    }
}

/// [`stops16`] by two word tests, their high bits gathered into one bit a
/// byte.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn stops16_words<const LINE: bool>(w: &[u8; 16], after: u8) -> u32 {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&w[..8]);
    hi.copy_from_slice(&w[8..]);
    let (lo, hi) = (u64::from_le_bytes(lo), u64::from_le_bytes(hi));
    let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
    let low = stop_bits::<LINE>(lo, (lo >> 8) | (hi << 56));
    let high = stop_bits::<LINE>(hi, (hi >> 8) | (u64::from(after) << 56));
    gather(low) | (gather(high) << 8)
}

/// [`stops16`] with SSE2 compares: exact (no byte flagged that need not
/// stop). The byte classes are combined as vectors (each byte's next byte
/// from the same sixteen moved down one, `after` on top) and gathered into
/// bits once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn stops16_sse2<const LINE: bool>(w: &[u8; 16], after: u8) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi32_si128, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_slli_si128, _mm_srli_si128,
        _mm_sub_epi8,
    };
    // SAFETY: `w` is sixteen readable bytes; the load takes any alignment.
    let v = unsafe { _mm_loadu_si128(w.as_ptr().cast::<__m128i>()) };
    let next = _mm_or_si128(
        _mm_srli_si128::<1>(v),
        _mm_slli_si128::<15>(_mm_cvtsi32_si128(i32::from(after))),
    );
    let eq = |x, c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
    // A digit: `b - '0'` (wrapping) at most 9.
    let t = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
    let digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    let dollar_bh = _mm_and_si128(eq(v, b'$'), _mm_or_si128(eq(next, b'B'), eq(next, b'H')));
    let under_dollar = _mm_and_si128(eq(v, b'_'), eq(next, b'$'));
    let mut stops = _mm_or_si128(digit, _mm_or_si128(dollar_bh, under_dollar));
    if LINE {
        stops = _mm_or_si128(stops, _mm_or_si128(eq(v, b' '), eq(v, b'/')));
    }
    _mm_movemask_epi8(stops) as u32
}

/// High bits in the bytes of `w` that may start a shape's part: every
/// digit, every `$` whose next byte (in `next`: `w`'s bytes moved down by
/// one, the byte after `w` on top) is `B`, `H` (or `@`, `J`), every `_`
/// followed by `$`. A superset of the markers' first bytes ([`RANDOM_AFTER`]:
/// `$B`, `$H`, `_$`): the `$` and `_` of ordinary names (`$$Lambda`,
/// `$Proxy`, `Orika_A_B`) are passed over eight at a time. The zero tests
/// may also flag the byte above a flagged one; digits are exact. With
/// `LINE`, every space and `/` too ([`shape_name`]).
#[inline(always)]
fn stop_bits<const LINE: bool>(w: u64, next: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = ONES * 0x7f;
    // A zero byte of `v` (and perhaps a 1 byte above one).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    // A byte strictly between b'0' - 1 and b'9' + 1 (bytes >= 0x80 excluded
    // by `!w`); exact in every byte.
    let low = w & LOW7;
    let digit =
        (ONES * (127 + 0x3a)).wrapping_sub(low) & !w & low.wrapping_add(ONES * (127 - 0x2f)) & HIGH;
    // `B` (0x42) and `H` (0x48) with bits 0x0a set are `J` (0x4a).
    let dollar_bh =
        zero(w ^ (ONES * u64::from(b'$'))) & zero((next | (ONES * 0x0a)) ^ (ONES * 0x4a));
    let under_dollar = zero(w ^ (ONES * u64::from(b'_'))) & zero(next ^ (ONES * u64::from(b'$')));
    let stops = digit | dollar_bh | under_dollar;
    if LINE {
        stops | zero(w ^ (ONES * u64::from(b' '))) | zero(w ^ (ONES * u64::from(b'/')))
    } else {
        stops
    }
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

    /// What [`shape_name`] must give: the name up to the first space, its
    /// shape by the reference, its first `/`.
    fn shape_name_by_parts(msg: &[u8]) -> (Name, Vec<u8>) {
        let len = msg.iter().position(|&b| b == b' ').unwrap_or(msg.len());
        let slash = msg[..len].iter().position(|&b| b == b'/');
        (Name { len, slash }, reference_shape(&msg[..len]))
    }

    fn shaped_name(msg: &[u8]) -> (Name, Vec<u8>) {
        let mut out = b"left over".to_vec();
        let name = shape_name(msg, &mut out);
        (name, out)
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
            for msg in [name.to_vec(), [name, b" source: a/b 1"].concat()] {
                assert_eq!(shape_name_by_parts(&msg), shaped_name(&msg));
            }
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Names made of the parts that matter to the shaper (markers,
        /// digits, hex letters, `$`, `_`, `/`, false flags of the word test
        /// such as `%` after `$`) at every offset: the word-at-a-time shaper
        /// writes what the byte-at-a-time reference writes.
        #[test]
        fn any_name_shapes_as_byte_at_a_time(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                &b"$ByteBuddy$"[..], b"$HibernateProxy$", b"_$$_javassist_", b"_$$_jvst",
                b"$", b"$$", b"_", b"$B", b"$H", b"_$", b"$%", b"_^", b"0", b"7", b"42",
                b"a", b"f", b"e9f71002", b"0x00007f00f08e5d10", b"/", b".", b"x", b"B",
                b"H", b"J", b"@", b"Lambda", b"com.acme.", b"\x80", b" ", b"%", b"\0",
                b"0123456789abcdefABCDEF0123", b"G", b"`",
            ]),
            0..24,
        )) {
            let name = parts.concat();
            let mut out = Vec::new();
            shape_into(&name, &mut out);
            proptest::prop_assert_eq!(out, reference_shape(&name));
        }

        /// The same pieces as a class line's message (spaces and `/` in
        /// the name, after it, in a marker's random part): the name, its
        /// shape and its first `/` are what the separate passes find.
        #[test]
        fn any_message_names_as_the_separate_passes(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                &b"$ByteBuddy$"[..], b"$HibernateProxy$", b"_$$_jvst", b"$", b"_", b"$B", b"_$",
                b"$%", b"7", b"42", b"f", b"e9f71002", b"/", b"/0x00007f00f08e5d10", b".", b"!",
                b" ", b" source: ", b"__JVM_DefineClass__", b"com.acme.", b"\x80", b"\0", b"x/y",
                b"0123456789abcdefABCDEF0123",
            ]),
            0..24,
        )) {
            let msg = parts.concat();
            proptest::prop_assert_eq!(shaped_name(&msg), shape_name_by_parts(&msg));
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

    /// Whether the byte at `j` must be a stop: a digit, or the first byte
    /// of a marker's first two (`$B`, `$H`, `_$`).
    fn must_stop(name: &[u8], j: usize) -> bool {
        let next = name.get(j + 1).copied();
        match name[j] {
            b'0'..=b'9' => true,
            b'$' => matches!(next, Some(b'B' | b'H')),
            b'_' => next == Some(b'$'),
            _ => false,
        }
    }

    #[test]
    fn the_word_test_flags_every_stop_and_no_ordinary_letter() {
        // Any two bytes at any place of a word, and the byte after it:
        // each byte that must stop is flagged (the word test may flag more;
        // `stop` passes over those).
        for b in 0..=255u8 {
            for c in 0..=255u8 {
                for at in 0..8 {
                    let mut bytes = *b"abcdefghi";
                    bytes[at] = b;
                    bytes[at + 1] = c;
                    let w = u64::from_le_bytes(bytes[..8].try_into().unwrap());
                    let next = u64::from_le_bytes(bytes[1..].try_into().unwrap());
                    let m = stop_bits::<false>(w, next);
                    for k in 0..8 {
                        if must_stop(&bytes, k) {
                            assert_ne!(m & (0x80 << (8 * k)), 0, "{b} {c} at {at}: byte {k}");
                        }
                    }
                }
            }
        }
        // Letters, dots, `$` and `_` of ordinary names stop nothing.
        for word in [
            &b"com.acme"[..],
            b"$$Lambda",
            b"$Proxy.x",
            b"Orika_A_",
            b"$$FastCl",
        ] {
            let w = u64::from_le_bytes(word.try_into().unwrap());
            assert_eq!(
                stop_bits::<false>(w, w >> 8),
                0,
                "{}",
                String::from_utf8_lossy(word)
            );
        }
    }

    #[test]
    fn sixteen_bytes_at_once_flag_every_stop() {
        // Any two bytes at any place of sixteen, and the byte after them:
        // every way of testing sixteen bytes flags each byte that must stop
        // (and the compare per byte class flags nothing else).
        for b in 0..=255u8 {
            for c in 0..=255u8 {
                for at in 0..16 {
                    let mut bytes = *b"abcdefghijklmnopq";
                    bytes[at] = b;
                    bytes[at + 1] = c;
                    let w: [u8; 16] = bytes[..16].try_into().unwrap();
                    let words = stops16_words::<true>(&w, bytes[16]);
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: SSE2 is part of every x86-64 target.
                    let sse2 = unsafe { stops16_sse2::<true>(&w, bytes[16]) };
                    #[cfg(not(target_arch = "x86_64"))]
                    let sse2 = words;
                    for k in 0..16 {
                        let must = must_stop(&bytes, k) || matches!(bytes[k], b' ' | b'/');
                        if must {
                            assert_ne!(words & (1 << k), 0, "{b} {c} at {at}: byte {k}");
                        }
                        assert_eq!(sse2 & (1 << k) != 0, must, "{b} {c} at {at}: byte {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn sixteen_bytes_at_once_find_the_hex_digits() {
        // Every byte at every place of sixteen, among hex digits and not.
        for b in 0..=255u8 {
            for at in 0..16 {
                for fill in [b'a', b'g'] {
                    let mut w = [fill; 16];
                    w[at] = b;
                    let m = hex16(&w);
                    for (k, &c) in w.iter().enumerate() {
                        assert_eq!(m & (1 << k) != 0, c.is_ascii_hexdigit(), "{b} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn hex_runs_end_where_the_bytes_say() {
        // Runs of every length from every start, across sixteen-byte reads.
        let name = b"x0123456789abcdefABCDEF0123456789abcdef0123$y0";
        for k in 0..name.len() {
            let want = name[k..]
                .iter()
                .position(|b| !b.is_ascii_hexdigit())
                .map_or(name.len(), |q| k + q);
            for end in k..=name.len() {
                assert_eq!(hex_run_end(&name[..end], k), want.min(end), "{k} {end}");
            }
        }
    }

    #[test]
    fn the_last_word_of_a_name_flags_its_stops() {
        // Names of every length up to 24 ending in a stop or a marker's
        // start: the read of the last eight bytes finds what must stop.
        for len in 1..40 {
            for tail in [&b"7"[..], b"$B", b"_$", b"$H", b"$", b"_", b"a"] {
                let mut name = b"com.acme.Xy.Zw.Vu.Ts.Rq.Po.Nm.Lk.Ji.".to_vec();
                name.truncate(len);
                name.extend_from_slice(tail);
                let want: Vec<usize> = (0..name.len()).filter(|&j| must_stop(&name, j)).collect();
                let mut got = Vec::new();
                let mut i = 0;
                while i < name.len() {
                    let (base, m) = window::<false>(&name, i);
                    (0..16)
                        .filter(|k| m & (1 << k) != 0)
                        .for_each(|k| got.push(base + k));
                    i = base + 16;
                }
                for j in want {
                    assert!(
                        got.contains(&j),
                        "{} at {j}",
                        String::from_utf8_lossy(&name)
                    );
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
