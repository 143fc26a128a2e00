//! Formatting for every renderer: byte sizes and durations (through the
//! one implementation in `oomlens_evidence::units`, so text, Markdown and
//! the Diagnosis' own prose agree) and colour (ANSI styles from `anstyle`,
//! applied only when [`Style::Color`]).

use anstyle::{AnsiColor, Effects};
use oomlens_evidence::units;

use crate::Style;

/// A size in a sentence: `3.00 GiB`, `512 MiB`, `740 KiB`.
pub fn size(n: u64) -> String {
    units::size(n)
}

/// A size in a table column: `3.00 GiB`, `512.0 MiB`, `740 KiB`, `12 B`.
pub fn bytes(n: u64) -> String {
    units::table_size(n)
}

/// A kibibyte count (the kernel's `kB`) like [`bytes`].
pub fn kb(n: u64) -> String {
    bytes(n.saturating_mul(1024))
}

/// The kernel prints an unlimited memcg limit as `PAGE_COUNTER_MAX` pages in
/// kB (9007199254740988 on 4 KiB pages); anything at or above 2^50 kB is no
/// limit.
pub fn is_unlimited_kb(n: u64) -> bool {
    n >= 1 << 50
}

/// How long a container ran: `40 s`, `12 min`, `24.1 h`, `3.1 days`.
pub fn uptime(seconds: f64) -> String {
    units::duration_as(seconds, units::UPTIME)
}

/// A growth in MiB with its sign: `+12.5 MiB`.
pub fn signed_mib(b: f64) -> String {
    format!("{} MiB", units::signed_number_in(b, units::Unit::MiB, 1))
}

/// A text style of the renderers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The headline, a proven cause.
    Bold,
    /// Cites and notes.
    Dim,
    /// A kill, a leak, a budget over the limit.
    Alarm,
    /// A hypothesis, a risk worth a look.
    Warn,
    /// All well.
    Good,
}

impl Tone {
    fn anstyle(self) -> anstyle::Style {
        let s = anstyle::Style::new();
        match self {
            Tone::Bold => s.effects(Effects::BOLD),
            Tone::Dim => s.effects(Effects::DIMMED),
            Tone::Alarm => s
                .effects(Effects::BOLD)
                .fg_color(Some(AnsiColor::Red.into())),
            Tone::Warn => s.fg_color(Some(AnsiColor::Yellow.into())),
            Tone::Good => s
                .effects(Effects::BOLD)
                .fg_color(Some(AnsiColor::Green.into())),
        }
    }
}

/// `text` in `tone` when `style` is [`Style::Color`], else as it is.
pub fn paint(style: Style, tone: Tone, text: &str) -> String {
    match style {
        Style::Color => {
            let a = tone.anstyle();
            format!("{}{text}{}", a.render(), a.render_reset())
        }
        Style::Plain => text.to_string(),
    }
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
        assert_eq!(size(512 << 20), "512 MiB");
        assert!(is_unlimited_kb(9_007_199_254_740_988));
        assert!(!is_unlimited_kb(3_145_728));
        assert_eq!(signed_mib(1.5 * 1048576.0), "+1.5 MiB");
        assert_eq!(signed_mib(-1.5 * 1048576.0), "-1.5 MiB");
        assert_eq!(uptime(86_760.0), "24.1 h");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(paint(Style::Plain, Tone::Alarm, "LEAK"), "LEAK");
        let c = paint(Style::Color, Tone::Alarm, "LEAK");
        assert!(
            c.starts_with('\x1b') && c.contains("LEAK") && c.ends_with("\x1b[0m"),
            "{c:?}"
        );
        assert_ne!(c, paint(Style::Color, Tone::Good, "LEAK"));
    }
}
