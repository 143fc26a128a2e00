//! Properties of the size notations in `units::parse`: no input makes a
//! parser panic, every notation reads back what plain arithmetic wrote, a
//! value past the result type is an overflow error (never a wrapped
//! number), and what `units` writes for people reads back to the same text.

use oomlens_evidence::units::parse::{
    grafana_value, hotspot_limit, hotspot_size, hotspot_size_wide, jvm_flag_limit, jvm_flag_size,
    kube_bytes, kube_millis, GrafanaValue, Limit, SizeError,
};
use oomlens_evidence::units::{size, table_size};
use proptest::prelude::*;

const FLAG_SUFFIXES: [(&str, u32); 9] = [
    ("", 0),
    ("k", 10),
    ("K", 10),
    ("m", 20),
    ("M", 20),
    ("g", 30),
    ("G", 30),
    ("t", 40),
    ("T", 40),
];

const KUBE_BINARY: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];

#[test]
fn the_overflows_named_in_the_issue_are_errors() {
    assert_eq!(
        jvm_flag_size("18446744073709551616"),
        Err(SizeError::Overflow)
    );
    // Fits, but is the flag's max_uintx: unlimited, not a size.
    assert_eq!(jvm_flag_limit("18446744073709551615"), Ok(Limit::Unlimited));
    assert_eq!(kube_bytes("16Ei"), Err(SizeError::Overflow));
    assert_eq!(hotspot_size("16777216 TB"), Err(SizeError::Overflow));
}

proptest! {
    #[test]
    fn no_parser_panics_on_any_text(s in "\\PC{0,40}") {
        let _ = jvm_flag_size(&s);
        let _ = jvm_flag_limit(&s);
        let _ = hotspot_size(&s);
        let _ = hotspot_size_wide(&s);
        let _ = hotspot_limit(&s);
        let _ = kube_bytes(&s);
        let _ = kube_millis(&s);
        let _ = grafana_value(&s, ',');
        let _ = grafana_value(&s, ';');
    }

    #[test]
    fn no_parser_panics_on_number_soup(s in "[+-]?[0-9.,]{0,50}([eE][+-]?[0-9]{0,30})? ?[kKmMgGtTpPeEiIbB%]{0,4}") {
        let _ = jvm_flag_size(&s);
        let _ = hotspot_size_wide(&s);
        let _ = kube_bytes(&s);
        let _ = kube_millis(&s);
        let _ = grafana_value(&s, ',');
    }

    #[test]
    fn jvm_flag_sizes_are_checked_products(n in any::<u64>(), i in 0usize..FLAG_SUFFIXES.len()) {
        let (suffix, shift) = FLAG_SUFFIXES[i];
        let want = n.checked_mul(1u64 << shift).ok_or(SizeError::Overflow);
        prop_assert_eq!(jvm_flag_size(&format!("{n}{suffix}")), want);
    }

    #[test]
    fn hotspot_sizes_round_trip(n in any::<u64>()) {
        prop_assert_eq!(hotspot_size(&format!("{n} bytes")), Ok(n));
        prop_assert_eq!(hotspot_size(&format!("{n}B")), Ok(n));
        prop_assert_eq!(hotspot_size(&format!("{}K", n >> 10)), Ok((n >> 10) << 10));
        prop_assert_eq!(hotspot_size(&format!("{} KB", n >> 10)), Ok((n >> 10) << 10));
        prop_assert_eq!(hotspot_size(&format!("{}.00 MB", n >> 20)), Ok((n >> 20) << 20));
        prop_assert_eq!(hotspot_size(&format!("{},00 GB", n >> 30)), Ok((n >> 30) << 30));
        let wide = u128::from(n) << 40;
        prop_assert_eq!(hotspot_size_wide(&format!("{n}T")), Ok(wide));
        let narrow = u64::try_from(wide).map_err(|_| SizeError::Overflow);
        prop_assert_eq!(hotspot_size(&format!("{n}T")), narrow);
    }

    #[test]
    fn what_units_writes_reads_back_to_the_same_text(n in 0u64..1 << 62) {
        for written in [size(n), table_size(n)] {
            let read = hotspot_size(&written);
            prop_assert!(read.is_ok(), "{} did not read: {:?}", written, read);
            let again = if written == size(n) { size(read.unwrap_or(0)) } else { table_size(read.unwrap_or(0)) };
            prop_assert_eq!(&again, &written);
        }
    }

    #[test]
    fn kube_quantities_round_trip(n in any::<u64>(), i in 0usize..KUBE_BINARY.len()) {
        prop_assert_eq!(kube_bytes(&format!("{n}")), Ok(n));
        let (suffix, shift) = KUBE_BINARY[i];
        let want = u64::try_from(u128::from(n) << shift).map_err(|_| SizeError::Overflow);
        prop_assert_eq!(kube_bytes(&format!("{n}{suffix}")), want);
        let want_k = n.checked_mul(1000).ok_or(SizeError::Overflow);
        prop_assert_eq!(kube_bytes(&format!("{n}k")), want_k);
        prop_assert_eq!(kube_bytes(&format!("{n}e3")), want_k);
        prop_assert_eq!(kube_millis(&format!("{n}m")), Ok(n));
    }

    #[test]
    fn grafana_sizes_convert(n in 0u32..1_000_000, i in 0usize..KUBE_BINARY.len()) {
        let (suffix, shift) = KUBE_BINARY[i];
        let want = f64::from(n) * 2f64.powi(shift as i32);
        prop_assert_eq!(
            grafana_value(&format!("{n} {suffix}B"), ','),
            GrafanaValue::Value(want, Some("bytes".into()))
        );
        prop_assert_eq!(
            grafana_value(&format!("{n}{suffix}"), ','),
            GrafanaValue::Value(want, Some("bytes".into()))
        );
    }
}
