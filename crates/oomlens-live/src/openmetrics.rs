//! OpenMetrics text written in bounded memory while sampling.
//!
//! OpenMetrics does not let a metric family's samples interleave with
//! another's, but a sampler produces one sample of every family per round.
//! [`Writer`] keeps each family's lines in an anonymous temporary file of its
//! own (removed by the system whatever happens) and joins them, headers
//! first, when done: memory stays bounded however long the sampling runs.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

/// Whether a family is a gauge or a counter (its samples then end in
/// `_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

struct Family {
    name: &'static str,
    kind: Kind,
    help: &'static str,
    spill: BufWriter<File>,
    samples: u64,
}

/// Families in the order first written, each spilled to its own file.
#[derive(Default)]
pub struct Writer {
    families: Vec<Family>,
}

/// A label value escaped for the text format.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    /// One sample: `labels` are `(name, value)` pairs (values escaped
    /// here), `t` seconds since the epoch.
    pub fn sample(
        &mut self,
        name: &'static str,
        kind: Kind,
        help: &'static str,
        labels: &[(&str, &str)],
        value: f64,
        t: f64,
    ) -> io::Result<()> {
        let i = match self.families.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                self.families.push(Family {
                    name,
                    kind,
                    help,
                    spill: BufWriter::new(tempfile::tempfile()?),
                    samples: 0,
                });
                self.families.len() - 1
            }
        };
        let f = &mut self.families[i];
        let suffix = if f.kind == Kind::Counter {
            "_total"
        } else {
            ""
        };
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        writeln!(
            f.spill,
            "{name}{suffix}{{{}}} {value} {t:.3}",
            labels.join(",")
        )?;
        f.samples += 1;
        Ok(())
    }

    /// Samples written so far, all families.
    pub fn samples(&self) -> u64 {
        self.families.iter().map(|f| f.samples).sum()
    }

    /// Writes every family, then `# EOF`.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        for f in self.families {
            let kind = match f.kind {
                Kind::Gauge => "gauge",
                Kind::Counter => "counter",
            };
            writeln!(
                out,
                "# TYPE {} {kind}\n# HELP {} {}",
                f.name, f.name, f.help
            )?;
            let mut file = f.spill.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            io::copy(&mut file, out)?;
        }
        out.write_all(b"# EOF\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_not_interleaved_and_read_back() {
        let mut w = Writer::new();
        for round in 0..3 {
            let t = 1_700_000_000.0 + round as f64;
            w.sample(
                "a_bytes",
                Kind::Gauge,
                "a",
                &[("id", "/x\"y")],
                1.0 + round as f64,
                t,
            )
            .unwrap();
            w.sample("b", Kind::Counter, "b", &[("id", "/x")], 7.0, t)
                .unwrap();
        }
        assert_eq!(w.samples(), 6);
        let mut out = Vec::new();
        w.finish(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# TYPE a_bytes gauge");
        assert_eq!(lines[2], "a_bytes{id=\"/x\\\"y\"} 1 1700000000.000");
        assert_eq!(lines[5], "# TYPE b counter");
        assert_eq!(lines[7], "b_total{id=\"/x\"} 7 1700000000.000");
        assert_eq!(lines.last(), Some(&"# EOF"));
        // The parser of metric files reads it back whole.
        let (series, warnings) = oomlens_evidence::metrics::parse_text("w.om", text.as_bytes());
        assert!(warnings.is_empty(), "{warnings:?}");
        let a = series.iter().find(|s| s.name == "a_bytes").unwrap();
        assert_eq!(a.points.len(), 3);
        assert_eq!(a.labels.get("id").map(String::as_str), Some("/x\"y"));
    }
}
