//! Units: sizes and durations in both directions. [`parse`] reads the size
//! notations the evidence is written in (JVM flags, HotSpot printouts,
//! Kubernetes quantities, Grafana units), one function per notation with
//! its grammar; [`format`] (re-exported here) writes sizes and durations
//! for people. No other module keeps a size grammar or a byte formatter.

pub mod format;
pub mod parse;

pub use format::*;
