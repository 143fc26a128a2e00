//! Human units for sizes, as people who run containers write them.

/// Formats a byte count in binary units: `3.00 GiB`, `512.0 MiB`, `740 KiB`,
/// `12 B`.
pub fn bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f >= K * K * K * K {
        format!("{:.2} TiB", f / (K * K * K * K))
    } else if f >= K * K * K {
        format!("{:.2} GiB", f / (K * K * K))
    } else if f >= K * K {
        format!("{:.1} MiB", f / (K * K))
    } else if f >= K {
        format!("{:.0} KiB", f / K)
    } else {
        format!("{n} B")
    }
}

/// Formats a kibibyte count (the kernel's `kB`) like [`bytes`].
pub fn kb(n: u64) -> String {
    bytes(n.saturating_mul(1024))
}

/// The kernel prints an unlimited memcg limit as `PAGE_COUNTER_MAX` pages in
/// kB (9007199254740988 on 4 KiB pages); anything at or above 2^50 kB is no
/// limit.
pub fn is_unlimited_kb(n: u64) -> bool {
    n >= 1 << 50
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(kb(740), "740 KiB");
        assert_eq!(kb(3_145_728), "3.00 GiB");
        assert_eq!(kb(3_134_504), "2.99 GiB");
        assert_eq!(bytes(512 << 20), "512.0 MiB");
        assert!(is_unlimited_kb(9_007_199_254_740_988));
        assert!(!is_unlimited_kb(3_145_728));
    }
}
