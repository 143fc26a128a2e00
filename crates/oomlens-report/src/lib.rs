//! Renderers for oomlens: what a person or a script reads.
//!
//! Renderers format facts and findings that other crates computed; they
//! compute nothing themselves. Text is for people (tables, colour when the
//! output is a terminal); JSON is a versioned contract documented in
//! `docs/json.md`; HTML ([`html`]) is one self-contained page with charts.

pub mod budget;
pub mod classes;
pub mod diagnosis;
pub mod format;
pub mod heap;
pub mod html;
pub mod kernel;
pub mod killed;
pub mod scan;

/// Whether to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Color,
}
