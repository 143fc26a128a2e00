//! OpenMetrics text written in bounded memory while sampling.
//!
//! OpenMetrics does not let a metric family's samples interleave with
//! another's, but a sampler produces one sample of every family per round.
//! [`Writer`] keeps each family's lines in an anonymous temporary file of its
//! own (removed by the system whatever happens) and joins them, headers
//! first, when done: memory stays bounded however long the sampling runs.
//!
//! A sampler can be killed before it is done (the OOM killer, a node
//! drain): with a journal ([`Writer::with_journal`]) each round is also
//! appended to the output as it is taken, whole lines in one write, flushed
//! ([`Writer::end_round`]), so a kill loses at most the round being taken.
//! The journal is the same text with the families interleaved round by
//! round and no `# EOF` (oomlens reads it; promtool wants the finished
//! form); [`Writer::finish`] then writes the finished form in its place.

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
    /// Where rounds are appended as they are taken, and the lines of the
    /// round being taken.
    journal: Option<(File, Vec<u8>)>,
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

    /// A writer that also appends each round to `journal` as it is taken
    /// (see the module's note): the family's `# TYPE` and `# HELP` before
    /// its first sample, then sample lines; written and flushed by
    /// [`Writer::end_round`].
    pub fn with_journal(journal: File) -> Writer {
        Writer {
            families: Vec::new(),
            journal: Some((journal, Vec::new())),
        }
    }

    /// Appends the round's lines to the journal in one write and flushes
    /// them to the file (a no-op without a journal).
    pub fn end_round(&mut self) -> io::Result<()> {
        if let Some((file, buf)) = &mut self.journal {
            file.write_all(buf)?;
            file.flush()?;
            buf.clear();
        }
        Ok(())
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
                if let Some((_, buf)) = &mut self.journal {
                    header(buf, name, kind, help)?;
                }
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
        let line = format!("{name}{suffix}{{{}}} {value} {t:.3}\n", labels.join(","));
        f.spill.write_all(line.as_bytes())?;
        if let Some((_, buf)) = &mut self.journal {
            buf.extend_from_slice(line.as_bytes());
        }
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
            header(out, f.name, f.kind, f.help)?;
            let mut file = f.spill.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            io::copy(&mut file, out)?;
        }
        out.write_all(b"# EOF\n")
    }
}

/// A family's `# TYPE` and `# HELP` lines.
fn header(out: &mut dyn Write, name: &str, kind: Kind, help: &str) -> io::Result<()> {
    let kind = match kind {
        Kind::Gauge => "gauge",
        Kind::Counter => "counter",
    };
    writeln!(out, "# TYPE {name} {kind}\n# HELP {name} {help}")
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
