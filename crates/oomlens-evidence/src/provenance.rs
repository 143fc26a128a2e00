//! Where a fact came from: a source name and line numbers, and the warnings a
//! parser raises about the input it could not read.

use serde::Serialize;

/// A range of lines in one source, 1-based and inclusive: `first <= last`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The source as the user named it (a path, `-` for stdin, `kmsg`).
    pub source: String,
    pub first: u64,
    pub last: u64,
}

impl Span {
    /// A span covering one line.
    pub fn line(source: &str, line: u64) -> Span {
        Span {
            source: source.to_string(),
            first: line,
            last: line,
        }
    }

    /// Widens the span so that it also covers `line`.
    pub fn cover(&mut self, line: u64) {
        if line < self.first {
            self.first = line;
        }
        if line > self.last {
            self.last = line;
        }
    }
}

/// A problem met in the input: the input is still used, minus what this names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub source: String,
    /// The 1-based line the problem is on, when it is on one.
    pub line: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// A bounded list of warnings: a hostile input cannot make it grow without
/// limit. Past [`Warnings::LIMIT`] entries only a count is kept.
#[derive(Debug, Default, Clone)]
pub struct Warnings {
    items: Vec<Warning>,
    dropped: u64,
}

impl Warnings {
    /// How many warnings are kept in full.
    pub const LIMIT: usize = 1000;

    pub fn new() -> Warnings {
        Warnings::default()
    }

    pub fn push(&mut self, source: &str, line: Option<u64>, message: impl Into<String>) {
        if self.items.len() < Self::LIMIT {
            self.items.push(Warning {
                source: source.to_string(),
                line,
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }

    /// [`Warnings::push`], the message made only when it is kept (a log of
    /// many kills can warn once a kill, far past the limit).
    pub fn push_with(&mut self, source: &str, line: Option<u64>, message: impl FnOnce() -> String) {
        if self.items.len() < Self::LIMIT {
            self.push(source, line, message());
        } else {
            self.dropped += 1;
        }
    }

    /// Appends every warning of `other`.
    pub fn extend(&mut self, other: Warnings) {
        for w in other.items {
            self.push(&w.source, w.line, w.message);
        }
        self.dropped += other.dropped;
    }

    pub fn items(&self) -> &[Warning] {
        &self.items
    }

    /// How many warnings were counted but not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.dropped == 0
    }

    /// The kept warnings, plus one summarising the dropped ones if any.
    pub fn into_vec(mut self) -> Vec<Warning> {
        if self.dropped > 0 {
            self.items.push(Warning {
                source: String::from("oomlens"),
                line: None,
                message: format!("{} more warnings not shown", self.dropped),
            });
        }
        self.items
    }
}

/// `s` cut to at most `max` bytes (on a character boundary) with `...`
/// after it when cut: how a warning quotes the input it could not read.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}
