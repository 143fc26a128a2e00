//! Reading sizes: one function per notation the evidence writes them in,
//! each with its exact grammar. Every parser of the crate calls these; no
//! format module keeps a size grammar of its own.
//!
//! | notation | where | function |
//! |---|---|---|
//! | JVM flag size (`512m`, `1g`, `1024k`) | command lines, `VM.flags`, `PrintCommandLineFlags` | [`jvm_flag_size`] |
//! | HotSpot printout (`12.34 MB`, `20480K`, `1,5 MB`, `524288 k`) | `jcmd`, NMT, GC logs, `hs_err` | [`hotspot_size`], [`hotspot_size_wide`] |
//! | Kubernetes quantity (`512Mi`, `3G`, `129e6`, `1500m`) | pod specs, `kubectl describe` | [`kube_bytes`], [`kube_millis`] |
//! | Grafana unit (`1.5 GiB`, `512 MB`, `42%`, `1.5 K`) | Grafana CSV exports | [`grafana_value`] |
//!
//! A value that does not fit is [`SizeError::Overflow`], never a wrapped or
//! saturated number. A size limit that HotSpot prints as `unlimited` (or as
//! its flag's `max_uintx` default) is a [`Limit`].

use std::fmt;

/// Why a size did not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// Nothing but blanks.
    Empty,
    /// Not the notation's grammar.
    Syntax,
    /// The notation's grammar, but the value does not fit the result type.
    Overflow,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SizeError::Empty => "empty size",
            SizeError::Syntax => "not a size",
            SizeError::Overflow => "size too large",
        })
    }
}

impl std::error::Error for SizeError {}

/// A bound on a size that may be unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Bytes(u64),
    Unlimited,
}

/// A size at or above this is a flag's "unlimited" default: HotSpot gives
/// `MaxMetaspaceSize` the default `max_uintx` (2^64 - 1, printed as
/// `17179869184.00 GB`), and cgroup v1's "no limit" is 2^63 rounded down to
/// a page. No real bound comes near 2^60 bytes (1 EiB).
pub const UNLIMITED_FLOOR: u64 = 1 << 60;

impl Limit {
    /// The limit a byte count stands for: at or above [`UNLIMITED_FLOOR`]
    /// it is [`Limit::Unlimited`]; above 2^64 (past `max_uintx`, which
    /// HotSpot prints rounded up to exactly 2^64) it is no HotSpot value:
    /// [`SizeError::Overflow`].
    pub fn from_bytes(bytes: u128) -> Result<Limit, SizeError> {
        match u64::try_from(bytes) {
            Ok(b) if b < UNLIMITED_FLOOR => Ok(Limit::Bytes(b)),
            _ if bytes <= 1u128 << 64 => Ok(Limit::Unlimited),
            _ => Err(SizeError::Overflow),
        }
    }

    /// The bytes, when bounded.
    pub fn bytes(self) -> Option<u64> {
        match self {
            Limit::Bytes(b) => Some(b),
            Limit::Unlimited => None,
        }
    }
}

// ---- JVM flags ------------------------------------------------------------

/// A JVM flag's size, as HotSpot's argument parser (`atojulong`) reads it:
///
/// ```text
/// size   = digits [suffix]
/// digits = "0".."9" { "0".."9" }
/// suffix = "k" | "K" | "m" | "M" | "g" | "G" | "t" | "T"    (binary: k = 1024)
/// ```
///
/// Blanks around are ignored; no sign, no fraction, no blank before the
/// suffix. `-Xmx512m` -> `512m` -> 536870912. A value past `u64`
/// (`18446744073709551616`, `16777216T`) is [`SizeError::Overflow`].
pub fn jvm_flag_size(v: &str) -> Result<u64, SizeError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(SizeError::Empty);
    }
    let (num, mult) = match v.as_bytes()[v.len() - 1] {
        b'k' | b'K' => (&v[..v.len() - 1], 1u64 << 10),
        b'm' | b'M' => (&v[..v.len() - 1], 1 << 20),
        b'g' | b'G' => (&v[..v.len() - 1], 1 << 30),
        b't' | b'T' => (&v[..v.len() - 1], 1 << 40),
        _ => (v, 1),
    };
    digits_u64(num)?
        .checked_mul(mult)
        .ok_or(SizeError::Overflow)
}

/// A JVM flag's size as a [`Limit`] (`-XX:MaxMetaspaceSize=18446744073709551615`,
/// as `PrintCommandLineFlags` writes the default, is unlimited).
pub fn jvm_flag_limit(v: &str) -> Result<Limit, SizeError> {
    jvm_flag_size(v).and_then(|b| Limit::from_bytes(u128::from(b)))
}

/// ASCII digits only, checked into a `u64`.
fn digits_u64(num: &str) -> Result<u64, SizeError> {
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SizeError::Syntax);
    }
    num.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|a| a.checked_add(u64::from(b - b'0')))
            .ok_or(SizeError::Overflow)
    })
}

// ---- HotSpot printouts ----------------------------------------------------

/// A size as `jcmd`, `jmap`, NMT, GC logs and `hs_err` files print it, in
/// bytes:
///
/// ```text
/// size   = number [blanks] [unit]
/// number = digit { digit | "." | "," }      (at most 36 characters)
/// unit   = "" | "B" | "byte" | "bytes" | "K" | "KB" | "KiB" | "M" | "MB" | "MiB"
///        | "G" | "GB" | "GiB" | "T" | "TB" | "TiB"      (any case; binary: K = 1024)
/// ```
///
/// The number's separators: one `.` or `,` is the decimal mark (`1,5 MB`,
/// the locale's decimal comma), except `123,456 bytes` (a byte count has no
/// fraction: thousands); several of one kind are thousands separators
/// (`1,234,567 bytes`), groups of three; one kind repeated then the other
/// once is thousands then decimal (`1,234.56`, `1.234,56`). The result is
/// rounded to the nearest byte. Examples: `12.34 MB`, `20480K`, `5120.0K`,
/// `0.0B`, `11M`, `524288 k`. A value past `u64` is [`SizeError::Overflow`].
pub fn hotspot_size(text: &str) -> Result<u64, SizeError> {
    u64::try_from(hotspot_size_wide(text)?).map_err(|_| SizeError::Overflow)
}

/// [`hotspot_size`] without the 64-bit limit: `17179869184.00 GB` (the
/// printed `max_uintx` of an unlimited `MaxMetaspaceSize`) is 2^64.
pub fn hotspot_size_wide(text: &str) -> Result<u128, SizeError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(SizeError::Empty);
    }
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..end], t[end..].trim());
    hotspot_parts(num, unit)
}

/// A limit as HotSpot prints it: `unlimited` (any case) and `-1` (its
/// container printout's "no limit") are [`Limit::Unlimited`], else a
/// [`hotspot_size`] read by [`Limit::from_bytes`] (at or above
/// [`UNLIMITED_FLOOR`] also unlimited: `MaxMetaspaceSize: 17179869184.00
/// GB`; past 2^64 an overflow). Used for `MaxMetaspaceSize:` in
/// `VM.metaspace` and GC logs and `memory_limit_in_bytes:` in `hs_err`.
pub fn hotspot_limit(text: &str) -> Result<Limit, SizeError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("unlimited") || t == "-1" {
        return Ok(Limit::Unlimited);
    }
    hotspot_size_wide(t).and_then(Limit::from_bytes)
}

/// The multiplier of a HotSpot printout unit (see [`hotspot_size`]):
/// `KB` -> 1024, `""` -> 1.
pub fn hotspot_unit(unit: &str) -> Option<u64> {
    const UNITS: [(&[&str], u64); 5] = [
        (&["", "b", "byte", "bytes"], 1),
        (&["k", "kb", "kib"], 1 << 10),
        (&["m", "mb", "mib"], 1 << 20),
        (&["g", "gb", "gib"], 1 << 30),
        (&["t", "tb", "tib"], 1 << 40),
    ];
    UNITS
        .iter()
        .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(unit)))
        .map(|(_, m)| *m)
}

/// Number text and unit of a [`hotspot_size`] -> bytes, rounded to the
/// nearest byte.
pub(crate) fn hotspot_parts(num: &str, unit: &str) -> Result<u128, SizeError> {
    let mult = u128::from(hotspot_unit(unit).ok_or(SizeError::Syntax)?);
    if num.is_empty() || num.len() > 36 || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(SizeError::Syntax);
    }
    let seps: Vec<(usize, char)> = num
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | ','))
        .collect();
    let bytes_unit = mult == 1;
    // Where the fraction starts, if any.
    let decimal_at = match seps.as_slice() {
        [] => None,
        [(i, c)] => {
            let frac = &num[i + 1..];
            if *c == ',' && frac.len() == 3 && bytes_unit {
                None // `123,456 bytes`: thousands
            } else {
                Some(*i)
            }
        }
        [.., (li, lc)] => {
            let others: Vec<char> = seps[..seps.len() - 1].iter().map(|s| s.1).collect();
            if others.iter().all(|c| c != lc) && others.windows(2).all(|w| w[0] == w[1]) {
                Some(*li) // `1,234.56` / `1.234,56`
            } else if seps.iter().all(|s| s.1 == *lc) {
                None // `1,234,567`
            } else {
                return Err(SizeError::Syntax);
            }
        }
    };
    let (int_part, frac_part) = match decimal_at {
        Some(i) => (&num[..i], &num[i + 1..]),
        None => (num, ""),
    };
    if frac_part.contains(['.', ',']) || !int_part.bytes().any(|b| b.is_ascii_digit()) {
        return Err(SizeError::Syntax);
    }
    if decimal_at.is_none() && !seps.is_empty() {
        // Thousands separators: groups of three.
        let mut groups = int_part.split(['.', ',']);
        let first = groups.next().unwrap_or("");
        if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err(SizeError::Syntax);
        }
    }
    // At most 36 digits: the mantissa fits a u128 (< 10^38).
    let mantissa = int_part
        .bytes()
        .chain(frac_part.bytes())
        .filter(u8::is_ascii_digit)
        .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'));
    let scale = 10u128.pow(frac_part.len() as u32);
    let scaled = mantissa.checked_mul(mult).ok_or(SizeError::Overflow)?;
    // `scaled / scale` rounded half up, without `scaled + scale / 2`
    // overflowing.
    let (q, r) = (scaled / scale, scaled % scale);
    Ok(q + u128::from(r >= scale - scale / 2 && scale > 1))
}

// ---- Kubernetes quantities -------------------------------------------------

/// Bytes of a Kubernetes memory quantity: `3Gi`, `512Mi`, `3G`, `1.5Gi`,
/// `128974848`, `129e6`, `123Ki`, `1k`, rounded up to a whole byte as
/// Kubernetes' `Value()` does. Grammar (`k8s.io/apimachinery/pkg/api/resource`):
///
/// ```text
/// quantity = ["+"] number [suffix]
/// number   = digits | digits "." [digits] | "." digits
/// suffix   = "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"          (binary)
///          | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" (decimal)
///          | ("e" | "E") ["+" | "-"] digits                    (exponent)
/// ```
///
/// Blanks around are ignored. Negative values, unknown suffixes (`K`,
/// `KB`), blanks inside and more than 36 significant digits are
/// [`SizeError::Syntax`]; values past `u64` (`16Ei`, `1e20`) are
/// [`SizeError::Overflow`].
pub fn kube_bytes(s: &str) -> Result<u64, SizeError> {
    kube::parse(s)?.scaled_ceil(0)
}

/// Millicores of a Kubernetes CPU quantity (`1500m`, `2`, `0.5`), rounded
/// up as `MilliValue()` does; the grammar of [`kube_bytes`].
pub fn kube_millis(s: &str) -> Result<u64, SizeError> {
    kube::parse(s)?.scaled_ceil(3)
}

mod kube {
    use super::SizeError;

    /// `mantissa * 10^pow10 * 2^pow2`.
    pub(super) struct Parsed {
        mantissa: u128,
        pow10: i64,
        pow2: u32,
    }

    /// More significant digits than this cannot be a sensible quantity (and
    /// would not fit the arithmetic).
    const MAX_DIGITS: usize = 36;

    pub(super) fn parse(s: &str) -> Result<Parsed, SizeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(SizeError::Empty);
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let b = s.as_bytes();
        let mut i = 0;
        let mut mantissa: u128 = 0;
        let mut digits = 0usize;
        let mut significant = 0usize;
        let mut frac = 0i64;
        let mut point = false;
        while i < b.len() {
            match b[i] {
                c @ b'0'..=b'9' => {
                    digits += 1;
                    if significant > 0 || c != b'0' {
                        significant += 1;
                    }
                    if significant > MAX_DIGITS {
                        return Err(SizeError::Syntax);
                    }
                    mantissa = mantissa * 10 + u128::from(c - b'0');
                    if point {
                        frac += 1;
                    }
                }
                b'.' if !point => point = true,
                _ => break,
            }
            i += 1;
        }
        if digits == 0 {
            return Err(SizeError::Syntax);
        }
        let (pow10, pow2) = match &s[i..] {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            exp => (exponent(exp).ok_or(SizeError::Syntax)?, 0),
        };
        Ok(Parsed {
            mantissa,
            pow10: pow10 - frac,
            pow2,
        })
    }

    /// `e3`, `E-2`, `e+6`: a decimal exponent, clamped far beyond any value
    /// that fits (the caller's arithmetic turns it into an overflow or `1`).
    fn exponent(s: &str) -> Option<i64> {
        let rest = s.strip_prefix('e').or_else(|| s.strip_prefix('E'))?;
        let (neg, digits) = match rest.as_bytes().first() {
            Some(b'-') => (true, &rest[1..]),
            Some(b'+') => (false, &rest[1..]),
            _ => (false, rest),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut v: i64 = 0;
        for c in digits.bytes() {
            v = (v * 10 + i64::from(c - b'0')).min(10_000);
        }
        Some(if neg { -v } else { v })
    }

    impl Parsed {
        /// `ceil(value * 10^extra)` as `u64`.
        pub(super) fn scaled_ceil(&self, extra: i64) -> Result<u64, SizeError> {
            if self.mantissa == 0 {
                return Ok(0);
            }
            let over = SizeError::Overflow;
            let n = self
                .mantissa
                .checked_mul(1u128.checked_shl(self.pow2).ok_or(over)?)
                .ok_or(over)?;
            let e = self.pow10 + extra;
            let v = if e >= 0 {
                let p = u32::try_from(e)
                    .ok()
                    .and_then(|e| 10u128.checked_pow(e))
                    .ok_or(over)?;
                n.checked_mul(p).ok_or(over)?
            } else {
                match u32::try_from(-e).ok().and_then(|x| 10u128.checked_pow(x)) {
                    Some(d) => n / d + u128::from(n % d != 0),
                    // Smaller than any unit but not zero: rounds up to one.
                    None => 1,
                }
            };
            u64::try_from(v).map_err(|_| over)
        }
    }
}

// ---- Grafana CSV units -----------------------------------------------------

/// What a value cell of a Grafana CSV export holds.
#[derive(Debug, Clone, PartialEq)]
pub enum GrafanaValue {
    /// Blank, `null`, `undefined`, `-`, `n/a`, `none`, `no data`.
    Empty,
    /// The value, converted, and its unit: `bytes` (a size unit was
    /// converted), `percent`, or the suffix as written (`ms`).
    Value(f64, Option<String>),
    /// Not a value: text, a malformed number, or a finite number whose
    /// conversion overflows `f64` (`1e308 EiB`).
    Bad,
}

/// The multiplier of a size unit Grafana, Kubernetes and people write in
/// exports: `B`/`byte`/`bytes`, decimal `kB KB MB GB TB PB EB`, binary
/// `KiB MiB GiB TiB PiB EiB` and `Ki Mi Gi Ti Pi Ei`.
pub fn grafana_size_unit(u: &str) -> Option<f64> {
    const K: f64 = 1024.0;
    Some(match u {
        "B" | "byte" | "bytes" | "Bytes" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "PB" => 1e15,
        "EB" => 1e18,
        "KiB" | "Ki" | "kiB" => K,
        "MiB" | "Mi" => K * K,
        "GiB" | "Gi" => K * K * K,
        "TiB" | "Ti" => K * K * K * K,
        "PiB" | "Pi" => K * K * K * K * K,
        "EiB" | "Ei" => K * K * K * K * K * K,
        _ => return None,
    })
}

/// A floating-point number as Rust reads it (`1.5`, `-3`, `1e9`, `NaN`,
/// `+Inf`), without the `_` Rust's parser would refuse anyway.
pub fn float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse().ok()
}

/// Reads a number with `,` as thousands separator (`1,721,992.5`) or, when
/// the delimiter is not `,`, as the decimal mark (`12,5`).
fn grafana_number(num: &str, delim: char) -> Option<f64> {
    if !num.contains(',') {
        return float(num);
    }
    let unsigned = num.trim_start_matches(['+', '-']);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let groups: Vec<&str> = int.split(',').collect();
    let thousands = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && frac.bytes().all(|b| b.is_ascii_digit());
    if thousands {
        return float(&num.replace(',', ""));
    }
    if delim != ',' && num.matches(',').count() == 1 && !num.contains('.') {
        return float(&num.replace(',', "."));
    }
    None
}

/// A value cell of a Grafana CSV export (the "formatted" download), whose
/// field delimiter is `delim`:
///
/// ```text
/// cell   = empty-word | number [blanks] [unit] | float-word
/// number = ["+" | "-"] { digit | "." | "," } [("e" | "E") ["+" | "-"] digits]
/// unit   = "%" | size-unit | "K" | "Mil" | "Bil" | "Tri" | other
/// ```
///
/// `,` in the number is a thousands separator (`1,721,992.5`, groups of
/// three) or, when the delimiter is not `,`, the decimal mark (`12,5`). A
/// size unit ([`grafana_size_unit`]) converts to bytes; `K`/`Mil`/`Bil`/`Tri`
/// are Grafana's short scale (1e3 .. 1e12); `other` is a suffix of at most
/// 16 characters without digits, kept as the unit. `float-word` is `NaN`,
/// `Inf` and the like.
pub fn grafana_value(cell: &str, delim: char) -> GrafanaValue {
    let s = cell.trim();
    if s.is_empty()
        || ["null", "undefined", "-", "n/a", "none", "no data"]
            .iter()
            .any(|e| s.eq_ignore_ascii_case(e))
    {
        return GrafanaValue::Empty;
    }
    let b = s.as_bytes();
    let mut end = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    while b
        .get(end)
        .is_some_and(|&c| c.is_ascii_digit() || c == b'.' || c == b',')
    {
        end += 1;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut k = end + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            while b.get(k).is_some_and(u8::is_ascii_digit) {
                k += 1;
            }
            end = k;
        }
    }
    let (num, unit) = (&s[..end], s[end..].trim());
    if !num.bytes().any(|c| c.is_ascii_digit()) {
        // NaN, Inf and friends.
        return match float(s) {
            Some(v) => GrafanaValue::Value(v, None),
            None => GrafanaValue::Bad,
        };
    }
    let Some(v) = grafana_number(num, delim) else {
        return GrafanaValue::Bad;
    };
    let scaled = |m: f64, unit: Option<String>| {
        let x = v * m;
        if v.is_finite() && !x.is_finite() {
            GrafanaValue::Bad
        } else {
            GrafanaValue::Value(x, unit)
        }
    };
    if unit.is_empty() {
        return GrafanaValue::Value(v, None);
    }
    if unit == "%" {
        return GrafanaValue::Value(v, Some("percent".into()));
    }
    if let Some(m) = grafana_size_unit(unit) {
        return scaled(m, Some("bytes".into()));
    }
    let short = match unit {
        "K" => Some(1e3),
        "Mil" => Some(1e6),
        "Bil" => Some(1e9),
        "Tri" => Some(1e12),
        _ => None,
    };
    if let Some(m) = short {
        return scaled(m, None);
    }
    if unit.chars().count() <= 16 && !unit.chars().any(|c| c.is_ascii_digit()) {
        return GrafanaValue::Value(v, Some(unit.to_string()));
    }
    GrafanaValue::Bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jvm_flag_sizes() {
        assert_eq!(jvm_flag_size("512m"), Ok(512 << 20));
        assert_eq!(jvm_flag_size("1G"), Ok(1 << 30));
        assert_eq!(jvm_flag_size(" 1024k "), Ok(1 << 20));
        assert_eq!(jvm_flag_size("2t"), Ok(2 << 40));
        assert_eq!(jvm_flag_size("12345"), Ok(12345));
        assert_eq!(jvm_flag_size("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            jvm_flag_size("18446744073709551616"),
            Err(SizeError::Overflow)
        );
        assert_eq!(jvm_flag_size("16777216T"), Err(SizeError::Overflow));
        assert_eq!(jvm_flag_size("16777215T"), Ok(16_777_215 << 40));
        assert_eq!(jvm_flag_size(""), Err(SizeError::Empty));
        assert_eq!(jvm_flag_size("m"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_size("+5"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_size("-5"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_size("1.5g"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_size("1 g"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_size("1é"), Err(SizeError::Syntax));
        assert_eq!(jvm_flag_limit("18446744073709551615"), Ok(Limit::Unlimited));
        assert_eq!(jvm_flag_limit("256m"), Ok(Limit::Bytes(256 << 20)));
    }

    #[test]
    fn hotspot_sizes() {
        assert_eq!(hotspot_size("12.34 MB"), Ok(12939428));
        assert_eq!(hotspot_size("1,5 MB"), Ok(1572864));
        assert_eq!(hotspot_size("123,456 bytes"), Ok(123456));
        assert_eq!(hotspot_size("524288 k"), Ok(536_870_912));
        assert_eq!(hotspot_size("0.0B"), Ok(0));
        assert_eq!(hotspot_size("0.5 bytes"), Ok(1));
        assert_eq!(hotspot_size("0.49 bytes"), Ok(0));
        assert_eq!(hotspot_size(""), Err(SizeError::Empty));
        assert_eq!(hotspot_size("12 XB"), Err(SizeError::Syntax));
        assert_eq!(hotspot_size("17179869184.00 GB"), Err(SizeError::Overflow));
        assert_eq!(hotspot_size_wide("17179869184.00 GB"), Ok(1 << 64));
        assert_eq!(
            hotspot_size("99999999999999999999 k"),
            Err(SizeError::Overflow)
        );
        // 36 digits times a terabyte is past u128: an error, not a panic.
        let big = format!("{} TB", "9".repeat(36));
        assert_eq!(hotspot_size_wide(&big), Err(SizeError::Overflow));
        let wide = format!("{}.{} B", "9".repeat(30), "9".repeat(5));
        assert!(hotspot_size_wide(&wide).is_ok());
    }

    #[test]
    fn hotspot_limits() {
        assert_eq!(hotspot_limit("unlimited"), Ok(Limit::Unlimited));
        assert_eq!(hotspot_limit("Unlimited"), Ok(Limit::Unlimited));
        assert_eq!(hotspot_limit("-1"), Ok(Limit::Unlimited));
        assert_eq!(hotspot_limit("17179869184.00 GB"), Ok(Limit::Unlimited));
        assert_eq!(hotspot_limit("64.00 MB"), Ok(Limit::Bytes(64 << 20)));
        assert_eq!(hotspot_limit("not supported"), Err(SizeError::Syntax));
        assert_eq!(
            hotspot_limit("99999999999999999999 k"),
            Err(SizeError::Overflow)
        );
    }

    #[test]
    fn kube_overflow_is_an_error() {
        assert_eq!(kube_bytes("16Ei"), Err(SizeError::Overflow));
        assert_eq!(kube_bytes("1e20"), Err(SizeError::Overflow));
        assert_eq!(kube_bytes("15Ei"), Ok(15 << 60));
        assert_eq!(kube_bytes("1K"), Err(SizeError::Syntax));
        assert_eq!(kube_bytes(" "), Err(SizeError::Empty));
        assert_eq!(kube_millis("1500m"), Ok(1500));
    }

    #[test]
    fn grafana_overflow_is_bad() {
        assert_eq!(grafana_value("1e308 EiB", ','), GrafanaValue::Bad);
        assert_eq!(
            grafana_value("1 KiB", ','),
            GrafanaValue::Value(1024.0, Some("bytes".into()))
        );
    }
}
