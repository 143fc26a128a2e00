//! Where loaded evidence enters analysis: [`Evidence::add`] files what one
//! input gave (its typed [`Parsed`] evidence, its source note, its
//! warnings) into the [`Evidence`] the Case is built from. The commands
//! never sort evidence themselves: `load`, then `add` each result.
//!
//! A new evidence kind gets its arm here and its field in [`Evidence`].

use oomlens_evidence::load::Loaded;
use oomlens_evidence::registry::Parsed;

use crate::case::Evidence;
use crate::diagnosis::SourceNote;

impl Evidence {
    /// Adds one loaded input: its note to `sources`, its warnings, and its
    /// evidence to the list of its kind. Class logs are judged here (the
    /// rotated files of one log as one).
    pub fn add(&mut self, loaded: Loaded) {
        let Loaded {
            source,
            kind,
            note,
            parsed,
            warnings,
            ..
        } = loaded;
        self.warnings.extend(warnings);
        self.sources.push(SourceNote {
            source: source.clone(),
            kind: kind.to_string(),
            note,
        });
        let Some(parsed) = parsed else {
            return;
        };
        match parsed {
            // The first log's reports are taken as they are, not copied.
            Parsed::Kernel { reports, .. } if self.kernel.is_empty() => self.kernel = reports,
            Parsed::Kernel { reports, .. } => self.kernel.extend(reports),
            Parsed::AppLog { log, classes, .. } => {
                // An hs_err file's class events are judged as a class log.
                if let Some(c) = classes {
                    self.class_reports
                        .push(crate::classes::analyze_rotated(&[(source.clone(), *c)]));
                }
                self.logs.push((source, log));
            }
            Parsed::ClassLog(log) => self
                .class_reports
                .push(crate::classes::analyze_rotated(&[(source, log)])),
            Parsed::ClassLogs(parts) => self
                .class_reports
                .push(crate::classes::analyze_rotated(&parts)),
            Parsed::Kubernetes(objects) => {
                self.pods.extend(objects.pods);
                self.events
                    .extend(objects.events.into_iter().map(|e| (source.clone(), e)));
            }
            Parsed::GcLog(g) => self.gc_logs.push((source, *g)),
            Parsed::Jcmd(o) => self.jcmd.push((source, *o)),
            Parsed::ClassList(l) => self.class_lists.push((source, l)),
            Parsed::Nmt(snaps) if !snaps.is_empty() => self.nmt.push((source, snaps)),
            Parsed::Metrics(series) if !series.is_empty() => self.metrics.push((source, series)),
            Parsed::HsPerf(m) => self.hsperf.push((source, m)),
            Parsed::Flags(f) => self.flags.push((source, f)),
            Parsed::HeapDump { facts: Some(f), .. } => self.heap_dumps.push((source, *f)),
            // Read and noted; no detector uses them yet: a command line
            // outside a pod spec, a heap dump no reader read, text with
            // nothing of ours.
            Parsed::Nmt(_)
            | Parsed::Metrics(_)
            | Parsed::CommandLine(_)
            | Parsed::HeapDump { .. }
            | Parsed::OtherText { .. } => {}
        }
    }
}
