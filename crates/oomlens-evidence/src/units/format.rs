//! Writing sizes and durations for people: the one implementation used by
//! analysis (for the prose the Diagnosis carries) and by the report crate.
//! A style is data (which units, how many decimals), so every place that
//! words a size or a time names its style and shares the arithmetic.

/// A binary size unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    B,
    KiB,
    MiB,
    GiB,
    TiB,
}

impl Unit {
    const ALL: [Unit; 5] = [Unit::B, Unit::KiB, Unit::MiB, Unit::GiB, Unit::TiB];

    /// How many bytes one of it holds.
    pub fn bytes(self) -> f64 {
        1024f64.powi(self as i32)
    }

    /// Its symbol (`MiB`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::B => "B",
            Unit::KiB => "KiB",
            Unit::MiB => "MiB",
            Unit::GiB => "GiB",
            Unit::TiB => "TiB",
        }
    }
}

/// How to write a size: the units allowed and the decimals of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeStyle {
    /// Below one of the smallest unit the size is still written in it.
    pub smallest: Unit,
    pub largest: Unit,
    /// Decimals per unit, indexed by `Unit as usize`.
    pub decimals: [usize; 5],
}

impl SizeStyle {
    /// One unit only, with `decimals` decimals (`12.5 MiB`).
    pub const fn fixed(unit: Unit, decimals: usize) -> SizeStyle {
        SizeStyle {
            smallest: unit,
            largest: unit,
            decimals: [decimals; 5],
        }
    }
}

/// Sizes in sentences: `3.00 GiB`, `512 MiB`, `740 KiB`.
pub const PROSE: SizeStyle = SizeStyle {
    smallest: Unit::KiB,
    largest: Unit::GiB,
    decimals: [0, 0, 0, 2, 2],
};

/// Sizes in tables: `1.50 TiB`, `3.00 GiB`, `512.0 MiB`, `740 KiB`, `12 B`.
pub const TABLE: SizeStyle = SizeStyle {
    smallest: Unit::B,
    largest: Unit::TiB,
    decimals: [0, 0, 1, 2, 2],
};

/// `bytes` as a number of `unit`s with `decimals` decimals, without the
/// unit (`12.5` for 12.5 MiB), for sentences that name the unit once
/// (`12.5 -> 80.0 MiB`).
pub fn number_in(bytes: f64, unit: Unit, decimals: usize) -> String {
    format!("{:.decimals$}", bytes / unit.bytes())
}

/// Like [`number_in`], with a `+` before what is not negative (`+12.5`,
/// `-3.0`), as for a growth.
pub fn signed_number_in(bytes: f64, unit: Unit, decimals: usize) -> String {
    let n = number_in(bytes, unit, decimals);
    if bytes.is_sign_negative() {
        n
    } else {
        format!("+{n}")
    }
}

/// `bytes` in MiB with `decimals` decimals: `12.5 MiB`.
pub fn mib(bytes: f64, decimals: usize) -> String {
    size_as(bytes, &SizeStyle::fixed(Unit::MiB, decimals))
}

/// Writes `bytes` in the largest unit of `style` it fills at least once
/// (else the smallest). Negative sizes keep their sign.
pub fn size_as(bytes: f64, style: &SizeStyle) -> String {
    let unit = Unit::ALL
        .iter()
        .copied()
        .filter(|u| *u >= style.smallest && *u <= style.largest)
        .rev()
        .find(|u| bytes.abs() >= u.bytes())
        .unwrap_or(style.smallest);
    let d = style.decimals[unit as usize];
    format!("{} {}", number_in(bytes, unit, d), unit.symbol())
}

/// A size in a sentence ([`PROSE`]): `3.00 GiB`, `512 MiB`.
pub fn size(bytes: u64) -> String {
    size_as(bytes as f64, &PROSE)
}

/// A size in a table ([`TABLE`]): `3.00 GiB`, `512.0 MiB`, `12 B`.
pub fn table_size(bytes: u64) -> String {
    size_as(bytes as f64, &TABLE)
}

/// One step of a duration style: from `from_s` seconds on, write the
/// duration in units of `unit_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub from_s: f64,
    pub unit_s: f64,
    pub decimals: usize,
    /// The unit's name after 1, and after any other number.
    pub one: &'static str,
    pub many: &'static str,
    /// Round to a whole number before writing (instead of the formatter's
    /// rounding).
    pub round: bool,
    /// Never write less than this many units.
    pub at_least: f64,
}

const fn step(from_s: f64, unit_s: f64, decimals: usize, name: &'static str) -> Step {
    Step {
        from_s,
        unit_s,
        decimals,
        one: name,
        many: name,
        round: false,
        at_least: 0.0,
    }
}

const MIN: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86400.0;

/// Lengths of time in words: `1 minute`, `40 minutes`, `5 hours`,
/// `13 days`.
pub const WORDS: &[Step] = &[
    Step {
        one: "minute",
        many: "minutes",
        round: true,
        at_least: 1.0,
        ..step(0.0, MIN, 0, "")
    },
    step(1.5 * HOUR, HOUR, 0, "hours"),
    step(1.5 * DAY, DAY, 0, "days"),
];

/// Short durations: `40 s`, `12 min`, `5.2 h`, `3.1 days`.
pub const SHORT: &[Step] = &[
    step(0.0, 1.0, 0, "s"),
    step(120.0, MIN, 0, "min"),
    step(2.0 * HOUR, HOUR, 1, "h"),
    step(3.0 * DAY, DAY, 1, "days"),
];

/// Uptimes: `40 s`, `12 min`, `24.1 h`, `3.1 days`.
pub const UPTIME: &[Step] = &[
    step(0.0, 1.0, 0, "s"),
    step(MIN, MIN, 0, "min"),
    step(HOUR, HOUR, 1, "h"),
    step(1.5 * DAY, DAY, 1, "days"),
];

/// Spans of hours: `3 min` (at least 1), `5.2 h`.
pub const HOURS: &[Step] = &[
    Step {
        at_least: 1.0,
        ..step(0.0, MIN, 0, "min")
    },
    step(HOUR, HOUR, 1, "h"),
];

/// Times ahead: `3 min` (at least 1), `5.2 h`, `2.5 days` (from 48 h).
pub const AHEAD: &[Step] = &[
    Step {
        at_least: 1.0,
        ..step(0.0, MIN, 0, "min")
    },
    step(HOUR, HOUR, 1, "h"),
    step(48.0 * HOUR, DAY, 1, "days"),
];

/// Coarse spans, for projections a fleet scan makes: `40 min`, `19 h`
/// (from an hour), `3.2 d` (from 72 hours).
pub const COARSE: &[Step] = &[
    step(0.0, MIN, 0, "min"),
    step(HOUR, HOUR, 0, "h"),
    step(72.0 * HOUR, DAY, 1, "d"),
];

/// Writes `seconds` (its magnitude) with the last step of `style` it
/// reaches (else the first).
pub fn duration_as(seconds: f64, style: &[Step]) -> String {
    let s = seconds.abs();
    let Some(st) = style
        .iter()
        .rev()
        .find(|st| s >= st.from_s)
        .or(style.first())
    else {
        return format!("{s:.0} s");
    };
    let mut v = s / st.unit_s;
    if st.round {
        v = v.round();
    }
    let v = v.max(st.at_least);
    let d = st.decimals;
    let n = format!("{v:.d$}");
    let name = if n == "1" { st.one } else { st.many };
    format!("{n} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_sizes() {
        assert_eq!(size(3 << 30), "3.00 GiB");
        assert_eq!(size(512 << 20), "512 MiB");
        assert_eq!(size(740 << 10), "740 KiB");
        assert_eq!(size(100), "0 KiB");
        assert_eq!(size(5 << 40), "5120.00 GiB");
    }

    #[test]
    fn table_sizes() {
        assert_eq!(table_size(0), "0 B");
        assert_eq!(table_size(1023), "1023 B");
        assert_eq!(table_size(740 << 10), "740 KiB");
        assert_eq!(table_size(3_134_504 << 10), "2.99 GiB");
        assert_eq!(table_size(512 << 20), "512.0 MiB");
        assert_eq!(table_size(3 << 40), "3.00 TiB");
    }

    #[test]
    fn fixed_and_negative_sizes() {
        let mib1 = SizeStyle::fixed(Unit::MiB, 1);
        assert_eq!(size_as(1.5 * 1048576.0, &mib1), "1.5 MiB");
        assert_eq!(size_as(3.0 * 1073741824.0, &mib1), "3072.0 MiB");
        assert_eq!(size_as(-2.0 * 1048576.0, &PROSE), "-2 MiB");
    }

    #[test]
    fn numbers_in_a_unit() {
        assert_eq!(number_in(1.25 * 1048576.0, Unit::MiB, 1), "1.2");
        assert_eq!(number_in(-3.0 * 1048576.0, Unit::MiB, 0), "-3");
        assert_eq!(mib(80.0 * 1048576.0, 1), "80.0 MiB");
        assert_eq!(signed_number_in(0.0, Unit::MiB, 1), "+0.0");
        assert_eq!(signed_number_in(-0.04 * 1048576.0, Unit::MiB, 1), "-0.0");
        assert_eq!(signed_number_in(2.5 * 1048576.0, Unit::MiB, 1), "+2.5");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_as(30.0, WORDS), "1 minute");
        assert_eq!(duration_as(150.0 * 60.0 - 1.0, WORDS), "2 hours");
        assert_eq!(duration_as(13.2 * DAY, WORDS), "13 days");
        assert_eq!(duration_as(40.0 * MIN, WORDS), "40 minutes");
    }

    #[test]
    fn short_durations() {
        assert_eq!(duration_as(40.0, SHORT), "40 s");
        assert_eq!(duration_as(-40.0, SHORT), "40 s");
        assert_eq!(duration_as(12.0 * MIN, SHORT), "12 min");
        assert_eq!(duration_as(5.2 * HOUR, SHORT), "5.2 h");
        assert_eq!(duration_as(3.1 * DAY, SHORT), "3.1 days");
        assert_eq!(duration_as(1.0, UPTIME), "1 s");
        assert_eq!(duration_as(24.1 * HOUR, UPTIME), "24.1 h");
        assert_eq!(duration_as(10.0, HOURS), "1 min");
        assert_eq!(duration_as(50.0 * HOUR, AHEAD), "2.1 days");
    }
}
