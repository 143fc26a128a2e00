//! Turning a log stamp into a UTC instant, and saying how.
//!
//! Kernel logs rarely say when something happened in full: classic syslog has
//! no year and often no zone, `dmesg` counts seconds since boot, `dmesg -T`
//! prints the machine's local clock. [`TimeContext`] holds what the user told
//! us (`--year`, `--tz`, `--boot-time`) or what we could reasonably assume,
//! and [`TimeContext::resolve`] produces an [`EventTime`] that keeps the raw
//! text, the instant when it can be derived, and every assumption made.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;
use serde::Serialize;

use crate::framing::Stamp;

/// Which clock a stamp came from (its JSON name in `basis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    Rfc3339,
    Journal,
    Syslog,
    DmesgCtime,
    Uptime,
    None,
}

impl Clock {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Rfc3339 => "rfc3339",
            Clock::Journal => "journal",
            Clock::Syslog => "syslog",
            Clock::DmesgCtime => "dmesg-ctime",
            Clock::Uptime => "uptime",
            Clock::None => "none",
        }
    }
}

impl PartialEq<&str> for Clock {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How an instant was placed in time, settled once when the stamp is
/// resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Basis {
    /// A wall clock with its zone (RFC 3339 with offset, the journal's
    /// realtime microseconds).
    WallZoned,
    /// A wall clock whose zone (or year) was assumed or given: `--tz`,
    /// UTC by default, `--year`.
    WallAssumedZone,
    /// Seconds since boot placed with a boot time (`--boot-time`).
    BootPlaced,
    /// Seconds since boot (or a JVM's uptime) with nothing to place them.
    Uptime,
    /// No stamp.
    #[default]
    Unknown,
}

/// When something happened: the raw text, the derived UTC instant, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventTime {
    /// The stamp as it stood in the log (empty when the framing had none).
    pub raw: String,
    /// RFC 3339 UTC instant (`2023-12-02T05:55:56Z`), when it can be derived.
    pub utc: Option<String>,
    /// Which clock the stamp came from: `rfc3339`, `journal`, `syslog`,
    /// `dmesg-ctime`, `uptime` or `none`.
    pub basis: Clock,
    /// The instant `utc` names, as a value.
    #[serde(skip)]
    pub at: Option<Timestamp>,
    /// How the instant was placed.
    #[serde(skip)]
    pub placed: Basis,
    /// The stamp as the framing read it (a wall clock without year or zone
    /// stays comparable with other clocks).
    #[serde(skip)]
    pub stamp: Stamp,
    /// Seconds since boot, when the line carried a dmesg or kmsg stamp.
    pub uptime_s: Option<f64>,
    /// Every assumption made to get `utc` (missing year, zone, boot time).
    pub assumed: Vec<String>,
}

impl EventTime {
    /// No time: the framing had no stamp.
    pub fn none() -> EventTime {
        EventTime {
            raw: String::new(),
            utc: None,
            basis: Clock::None,
            at: None,
            placed: Basis::Unknown,
            stamp: Stamp::None,
            uptime_s: None,
            assumed: Vec::new(),
        }
    }

    /// The derived instant.
    pub fn instant(&self) -> Option<Timestamp> {
        self.at
    }

    fn place(&mut self, at: Option<Timestamp>, placed: Basis) {
        self.utc = at.map(fmt);
        self.at = at;
        if at.is_some() {
            self.placed = placed;
        }
    }
}

/// What is known about the clocks of a log.
#[derive(Debug, Clone, Default)]
pub struct TimeContext {
    /// The year of syslog stamps, set by the user (`--year`).
    pub year: Option<i16>,
    /// A date near the end of the log (a file's modification time), used to
    /// guess the year when none was given: a stamp later in the year than
    /// this date is taken to be from the year before.
    pub reference: Option<(Date, String)>,
    /// The zone of wall-clock stamps that carry none, and how it was named.
    pub tz: Option<(TimeZone, String)>,
    /// The boot instant that `dmesg` seconds count from, and where it came
    /// from (`--boot-time`, this machine's boot time).
    pub boot: Option<(Timestamp, String)>,
}

impl TimeContext {
    /// Places `stamp` (with its raw text and any monotonic stamp) in time.
    pub fn resolve(&self, stamp: &Stamp, raw: &str, monotonic_us: Option<u64>) -> EventTime {
        let mut t = EventTime {
            raw: raw.to_string(),
            stamp: *stamp,
            uptime_s: monotonic_us.map(|us| us as f64 / 1e6),
            ..EventTime::none()
        };
        match *stamp {
            Stamp::Realtime { micros } => {
                t.basis = Clock::Journal;
                t.place(Timestamp::from_microsecond(micros).ok(), Basis::WallZoned);
            }
            Stamp::Iso { civil, offset } => {
                t.basis = Clock::Rfc3339;
                let (off, placed) = match offset {
                    Some(o) => (Some(o), Basis::WallZoned),
                    None => (
                        self.zone_offset(civil, &mut t.assumed),
                        Basis::WallAssumedZone,
                    ),
                };
                t.place(off.and_then(|o| o.to_timestamp(civil).ok()), placed);
            }
            Stamp::Syslog {
                month,
                day,
                hour,
                minute,
                second,
                nanos,
            } => {
                t.basis = Clock::Syslog;
                let year = match (self.year, &self.reference) {
                    (Some(y), _) => Some(y),
                    (None, Some((date, how))) => {
                        let y = if month > date.month() {
                            date.year() - 1
                        } else {
                            date.year()
                        };
                        t.assumed.push(format!(
                            "year {y}: syslog has none, taken from {how}; set --year"
                        ));
                        Some(y)
                    }
                    (None, None) => {
                        t.assumed
                            .push("syslog has no year and none was given: set --year".into());
                        None
                    }
                };
                if let Some(year) = year {
                    if let Ok(civil) =
                        jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos)
                    {
                        let at = self
                            .zone_offset(civil, &mut t.assumed)
                            .and_then(|o| o.to_timestamp(civil).ok());
                        t.place(at, Basis::WallAssumedZone);
                    } else {
                        t.assumed.push(format!("no day {month}-{day} in {year}"));
                    }
                }
            }
            Stamp::Ctime { civil } => {
                t.basis = Clock::DmesgCtime;
                t.assumed.push(
                    "dmesg -T prints the boot time plus uptime and drifts after a suspend".into(),
                );
                let at = self
                    .zone_offset(civil, &mut t.assumed)
                    .and_then(|o| o.to_timestamp(civil).ok());
                t.place(at, Basis::WallAssumedZone);
            }
            Stamp::None => {
                if let Some(us) = monotonic_us {
                    t.basis = Clock::Uptime;
                    t.placed = Basis::Uptime;
                    match &self.boot {
                        Some((boot, how)) => {
                            t.assumed
                                .push(format!("boot time {} from {how}", fmt(*boot)));
                            let at = i64::try_from(us).ok().and_then(|us| {
                                boot.checked_add(jiff::SignedDuration::from_micros(us)).ok()
                            });
                            t.place(at, Basis::BootPlaced);
                        }
                        None => t.assumed.push(
                            "dmesg counts seconds from boot: give --boot-time to place it".into(),
                        ),
                    }
                }
            }
        }
        t
    }

    fn zone_offset(
        &self,
        civil: jiff::civil::DateTime,
        assumed: &mut Vec<String>,
    ) -> Option<Offset> {
        match &self.tz {
            Some((tz, _)) => tz
                .to_ambiguous_zoned(civil)
                .compatible()
                .ok()
                .map(|z| z.offset()),
            None => {
                assumed.push("zone UTC: the stamp has none; set --tz".into());
                Some(Offset::UTC)
            }
        }
    }
}

fn fmt(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

/// Parses a zone as the user writes it: `UTC`, `+08:00`, `-0500`, `+8`, or an
/// IANA name (`Asia/Shanghai`) from the system's zone database.
pub fn parse_tz(s: &str) -> Result<(TimeZone, String), String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return Ok((TimeZone::UTC, "UTC".into()));
    }
    if let Some(sign) = t.chars().next().filter(|c| *c == '+' || *c == '-') {
        let body = &t[1..];
        let (h, m) = match body.split_once(':') {
            Some((h, m)) => (h, m),
            None if body.len() == 4 => (&body[..2], &body[2..]),
            None => (body, "0"),
        };
        let h: i32 = h.parse().map_err(|_| format!("bad zone offset {s:?}"))?;
        let m: i32 = m.parse().map_err(|_| format!("bad zone offset {s:?}"))?;
        let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
        let off = Offset::from_seconds(secs).map_err(|e| format!("bad zone offset {s:?}: {e}"))?;
        return Ok((TimeZone::fixed(off), t.to_string()));
    }
    TimeZone::get(t)
        .map(|tz| (tz, t.to_string()))
        .map_err(|e| format!("unknown time zone {s:?}: {e}"))
}

/// Parses a boot instant: RFC 3339 (`2023-12-01T08:00:00Z`) or Unix seconds.
pub fn parse_instant(s: &str) -> Result<Timestamp, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return Timestamp::from_second(secs).map_err(|e| format!("bad instant {s:?}: {e}"));
    }
    t.parse::<Timestamp>()
        .map_err(|e| format!("bad instant {s:?} (want RFC 3339 or Unix seconds): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::frame;

    fn ctx() -> TimeContext {
        TimeContext::default()
    }

    #[test]
    fn syslog_with_year_and_zone() {
        let mut c = ctx();
        c.year = Some(2023);
        c.tz = Some(parse_tz("+08:00").unwrap());
        let f = frame(b"Dec  2 13:55:56 h kernel: x");
        let t = c.resolve(&f.stamp, &f.stamp_text(), f.monotonic_us);
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T05:55:56Z"));
        assert!(t.assumed.is_empty());
    }

    #[test]
    fn syslog_year_rolls_back_over_new_year() {
        let mut c = ctx();
        c.reference = Some((
            jiff::civil::date(2024, 1, 3),
            "the file's modification time".into(),
        ));
        let f = frame(b"Dec 31 23:00:00 h kernel: x");
        let t = c.resolve(&f.stamp, &f.stamp_text(), f.monotonic_us);
        assert_eq!(t.utc.as_deref(), Some("2023-12-31T23:00:00Z"));
        assert_eq!(t.assumed.len(), 2, "{:?}", t.assumed);
    }

    #[test]
    fn syslog_without_year_has_no_instant() {
        let f = frame(b"Dec 31 23:00:00 h kernel: x");
        let t = ctx().resolve(&f.stamp, &f.stamp_text(), None);
        assert_eq!(t.utc, None);
        assert_eq!(t.basis, "syslog");
    }

    #[test]
    fn dmesg_needs_boot_time() {
        let f = frame(b"[  100.500000] x");
        let t = ctx().resolve(&f.stamp, &f.stamp_text(), f.monotonic_us);
        assert_eq!(t.utc, None);
        assert_eq!(t.uptime_s, Some(100.5));
        let mut c = ctx();
        c.boot = Some((
            parse_instant("2023-12-02T00:00:00Z").unwrap(),
            "--boot-time".into(),
        ));
        let t = c.resolve(&f.stamp, &f.stamp_text(), f.monotonic_us);
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T00:01:40.5Z"));
    }

    #[test]
    fn rfc3339_keeps_its_own_zone() {
        let f = frame(b"2023-12-02T13:55:56.123+08:00 h kernel: x");
        let mut c = ctx();
        c.tz = Some(parse_tz("-05:00").unwrap());
        let t = c.resolve(&f.stamp, &f.stamp_text(), None);
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T05:55:56.123Z"));
    }

    #[test]
    fn named_zone() {
        let (tz, _) = parse_tz("Asia/Shanghai").unwrap();
        let mut c = ctx();
        c.tz = Some((tz, "Asia/Shanghai".into()));
        c.year = Some(2023);
        let f = frame(b"Dec  2 13:55:56 h kernel: x");
        let t = c.resolve(&f.stamp, &f.stamp_text(), None);
        assert_eq!(t.utc.as_deref(), Some("2023-12-02T05:55:56Z"));
        assert!(parse_tz("Nowhere/Nothing").is_err());
        assert!(parse_tz("+0530").is_ok());
    }
}
