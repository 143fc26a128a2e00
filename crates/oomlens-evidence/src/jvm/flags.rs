//! JVM flags from wherever users have them: a java command line (`ps`,
//! `/proc/PID/cmdline`, a Deployment's `command`/`args`), option variables
//! (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `JAVA_OPTS`), `jcmd <pid>
//! VM.flags`, `jcmd <pid> VM.command_line`, and `java -XX:+PrintFlagsFinal`
//! output; plus the JDK version from `java -version` / `VM.version`.
//!
//! Flags are normalised to HotSpot's names: `-Xmx512m` is `MaxHeapSize`,
//! `-Xss1m` is `ThreadStackSize`. Sizes are bytes ([`Value::Bytes`]), even
//! where HotSpot counts `ThreadStackSize` in KiB.

use serde::Serialize;

use crate::provenance::Warnings;

/// A flag's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    /// A size, in bytes.
    Bytes(u64),
    Number(f64),
    Text(String),
}

/// One flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// HotSpot's name (`MaxHeapSize`, `MaxMetaspaceSize`, `UseG1GC`).
    pub name: String,
    pub value: Value,
    /// As written (`-Xmx512m`, `size_t MaxHeapSize = 536870912`).
    pub raw: String,
    pub line: Option<u64>,
    /// `PrintFlagsFinal` origin (`{default}`, `{ergonomic}`, `{command
    /// line}`), when printed.
    pub origin: Option<String>,
}

/// Flags read from one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JvmFlags {
    /// `command-line` (also pasted: a Dockerfile, a diff of one, an
    /// echoed `JAVA_OPTS`), `print-flags-final`, `vm-flags`,
    /// `vm-command-line`.
    pub kind: String,
    pub flags: Vec<Flag>,
    /// The JDK feature release (8, 11, 17, 21), when the text says.
    pub jdk: Option<u32>,
    pub jdk_line: Option<u64>,
}

impl JvmFlags {
    /// The last value of a flag (later flags win, as in the JVM).
    pub fn get(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    pub fn bytes(&self, name: &str) -> Option<u64> {
        match self.get(name)?.value {
            Value::Bytes(b) => Some(b),
            Value::Number(n) if n >= 0.0 => Some(n as u64),
            _ => None,
        }
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.get(name)?.value {
            Value::Number(n) => Some(n),
            Value::Bytes(b) => Some(b as f64),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)?.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// HotSpot flags whose value is a size.
const SIZE_FLAGS: &[&str] = &[
    "MaxHeapSize",
    "InitialHeapSize",
    "MinHeapSize",
    "NewSize",
    "MaxNewSize",
    "MetaspaceSize",
    "MaxMetaspaceSize",
    "CompressedClassSpaceSize",
    "ReservedCodeCacheSize",
    "InitialCodeCacheSize",
    "MaxDirectMemorySize",
    "MaxRAM",
    "ThreadStackSize",
    "CompilerThreadStackSize",
    "VMThreadStackSize",
    "G1HeapRegionSize",
    "SoftMaxHeapSize",
];

/// Flags HotSpot counts in KiB.
const KIB_FLAGS: &[&str] = &[
    "ThreadStackSize",
    "CompilerThreadStackSize",
    "VMThreadStackSize",
];

/// `512m`, `1g`, `1024k`, `12345` -> bytes: the grammar of
/// [`crate::units::parse::jvm_flag_size`]; `None` when it does not read or
/// does not fit in 64 bits.
pub fn parse_size(v: &str) -> Option<u64> {
    crate::units::parse::jvm_flag_size(v).ok()
}

/// One command-line token, normalised; `None` for tokens that are not JVM
/// memory or GC options (`-cp`, `-D...`, the main class).
pub fn parse_token(tok: &str, line: Option<u64>) -> Option<Flag> {
    let raw = tok.to_string();
    let mk = |name: &str, value: Value| Flag {
        name: name.to_string(),
        value,
        raw: raw.clone(),
        line,
        origin: None,
    };
    for (prefix, name) in [
        ("-Xmx", "MaxHeapSize"),
        ("-Xms", "InitialHeapSize"),
        ("-Xmn", "NewSize"),
        ("-Xss", "ThreadStackSize"),
    ] {
        if let Some(v) = tok.strip_prefix(prefix) {
            return parse_size(v).map(|b| mk(name, Value::Bytes(b)));
        }
    }
    let xx = tok.strip_prefix("-XX:")?;
    if let Some(n) = xx.strip_prefix('+') {
        return Some(mk(n, Value::Bool(true)));
    }
    if let Some(n) = xx.strip_prefix('-') {
        return Some(mk(n, Value::Bool(false)));
    }
    let (name, v) = xx.split_once('=')?;
    let value = if SIZE_FLAGS.contains(&name) {
        let b = parse_size(v)?;
        // -XX:ThreadStackSize=1024 counts KiB; -Xss counts bytes.
        Value::Bytes(
            if KIB_FLAGS.contains(&name) && v.chars().all(|c| c.is_ascii_digit()) {
                b.checked_mul(1024)?
            } else {
                b
            },
        )
    } else if let Ok(n) = v.parse::<f64>() {
        Value::Number(n)
    } else {
        Value::Text(v.to_string())
    };
    Some(mk(name, value))
}

/// What HotSpot prints when it refuses to start with `tok` (its
/// `Arguments::parse_each_vm_init_arg` messages), for the memory options
/// this crate reads: a size that does not parse or overflows (`-Xmx1.5g`,
/// `-Xmxfoo`), a number flag that is not a number
/// (`-XX:MaxRAMPercentage=abc`). `None` for tokens it accepts or that are
/// not memory options.
pub fn refused(tok: &str) -> Option<String> {
    for (prefix, what) in [
        ("-Xmx", "maximum heap size"),
        ("-Xms", "initial heap size"),
        ("-Xmn", "maximum new generation size"),
        ("-Xss", "thread stack size"),
    ] {
        if let Some(v) = tok.strip_prefix(prefix) {
            return parse_size(v)
                .is_none()
                .then(|| format!("Invalid {what}: {tok}"));
        }
    }
    let (name, v) = tok.strip_prefix("-XX:")?.split_once('=')?;
    let bad = if SIZE_FLAGS.contains(&name) {
        parse_size(v).is_none()
            || KIB_FLAGS.contains(&name)
                && v.chars().all(|c| c.is_ascii_digit())
                && parse_size(v).and_then(|b| b.checked_mul(1024)).is_none()
    } else {
        NUMBER_FLAGS.contains(&name) && v.parse::<f64>().is_err()
    };
    bad.then(|| format!("Improperly specified VM option '{name}={v}'"))
}

/// Number-valued HotSpot flags the budget reads.
const NUMBER_FLAGS: &[&str] = &[
    "MaxRAMPercentage",
    "InitialRAMPercentage",
    "MinRAMPercentage",
    "ActiveProcessorCount",
    "ParallelGCThreads",
    "ConcGCThreads",
    "CICompilerCount",
];

/// Flags of a command line or an options variable (whitespace-separated;
/// quotes are not interpreted). Tokens are also read as people paste them:
/// quoted and comma-separated in a JSON array (`["java", "-Xmx1g",`), or as
/// the value of a variable (`JAVA_OPTS="-Xmx1g`).
pub fn from_command_line(text: &str, line: Option<u64>) -> Vec<Flag> {
    text.split_whitespace()
        .filter_map(|t| token_flag(t, line))
        .collect()
}

/// One whitespace-separated token, with JSON-array and `VAR=` wrapping
/// taken off.
fn token_flag(tok: &str, line: Option<u64>) -> Option<Flag> {
    let wrap = |c: char| matches!(c, '"' | '\'' | ',' | '[' | ']' | '`');
    parse_token(tok, line)
        .or_else(|| parse_token(tok.trim_matches(wrap), line))
        .or_else(|| {
            let (_, v) = tok.split_once('=')?;
            parse_token(v.trim_matches(wrap), line)
        })
}

/// HotSpot's flag types, the first word of a `PrintFlagsFinal` line.
const FLAG_TYPES: &[&str] = &[
    "bool",
    "int",
    "intx",
    "uint",
    "uintx",
    "uint64_t",
    "size_t",
    "double",
    "ccstr",
    "ccstrlist",
];

/// Whether a line is one of `PrintFlagsFinal` (`uintx MaxHeapSize := 1035993088
/// {product}`), grepped out of it with its leading spaces or without.
fn is_print_flags_line(t: &str) -> bool {
    let mut w = t.split_whitespace();
    matches!(
        (w.next(), w.next(), w.next()),
        (Some(ty), Some(_), Some("=" | ":=")) if FLAG_TYPES.contains(&ty)
    )
}

/// Lines around flags in what people paste: Dockerfile instructions, diff
/// headers, shell prompts and `echo`/`export`, comments.
fn is_scaffolding(t: &str) -> bool {
    const STARTS: &[&str] = &[
        "@@", "---", "+++", "diff ", "index ", "#", "$ ", "echo ", "export ",
    ];
    const INSTRUCTIONS: &[&str] = &[
        "FROM",
        "RUN",
        "USER",
        "COPY",
        "ADD",
        "WORKDIR",
        "EXPOSE",
        "ENV",
        "ARG",
        "ENTRYPOINT",
        "CMD",
        "LABEL",
        "VOLUME",
    ];
    if STARTS.iter().any(|p| t.starts_with(p)) {
        return true;
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t).trim_start();
    body.is_empty()
        || body
            .split_whitespace()
            .next()
            .is_some_and(|w| INSTRUCTIONS.contains(&w))
}

/// Whether a text is only flags and the lines around them (a Dockerfile,
/// a diff of one, `JAVA_OPTS` as echoed), with at least one flag.
fn is_command_lines(lines: &[&str]) -> bool {
    let mut flags = 0;
    for t in lines {
        if !from_command_line(t, None).is_empty() {
            flags += 1;
        } else if !is_scaffolding(t) {
            return false;
        }
    }
    flags > 0
}

/// The option variables the JVM (or its launchers) read flags from.
pub const OPTION_VARIABLES: &[&str] = &[
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "JAVA_OPTS",
    "_JAVA_OPTIONS",
    "CATALINA_OPTS",
];

/// The JVM flags a Kubernetes container's spec shows: its command, args and
/// option variables, each flag with the line it was read from.
pub fn from_container(c: &crate::k8s::Container) -> JvmFlags {
    let mut out = JvmFlags {
        kind: "container-spec".into(),
        ..JvmFlags::default()
    };
    for t in c.command.iter().chain(&c.args) {
        out.flags.extend(from_command_line(t, c.line));
    }
    for e in c
        .env
        .iter()
        .filter(|e| OPTION_VARIABLES.contains(&e.name.as_str()))
    {
        if let Some(v) = &e.value {
            out.flags.extend(from_command_line(v, e.line));
        }
    }
    out
}

/// Which kind of flags output a head looks like: `print-flags-final` (with
/// its `[Global flags]` header, or lines grepped out of it), `vm-command-line`,
/// `vm-flags`, or `command-line` for a short text of nothing but flags and the
/// lines around them (Dockerfile instructions, diff headers, `echo $JAVA_OPTS`).
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(&head[..head.len().min(8192)]);
    if text.contains("[Global flags]") {
        return Some("print-flags-final");
    }
    if text.contains("VM Arguments:") && text.contains("jvm_args:") {
        return Some("vm-command-line");
    }
    let body: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && super::pid_line(l).is_none())
        .take(40)
        .collect();
    if body.first().is_some_and(|l| l.starts_with("-XX:")) {
        return Some("vm-flags");
    }
    if body.first().is_some_and(|l| is_print_flags_line(l)) {
        // grepped out of PrintFlagsFinal: no `[Global flags]` header.
        return Some("print-flags-final");
    }
    // Only the first 40 lines are looked at: a long text is not a paste.
    if body.len() < 40 && is_command_lines(&body) {
        return Some("command-line");
    }
    None
}

/// The JDK feature release in a `java -version` / `VM.version` text:
/// `openjdk version "17.0.15"`, `java version "1.8.0_292"`, `JDK 17.0.15`.
pub fn jdk_version(text: &str) -> Option<(u32, u64)> {
    for (i, l) in text.lines().enumerate() {
        if let Some(v) = jdk_version_line(l) {
            return v.map(|f| (f, i as u64 + 1));
        }
    }
    None
}

/// What one line says of the JDK's version: `Some` when the line decides
/// (a `version "..."` or `JDK ...` line, the feature release when it reads
/// as one; an `hs_err` `JRE version:` line only when it does), `None` when
/// the search goes on.
fn jdk_version_line(l: &str) -> Option<Option<u32>> {
    let t = l.trim();
    if let Some(q) = t.find("version \"") {
        let v = &t[q + 9..];
        let v = &v[..v.find('"').unwrap_or(v.len())];
        return Some(feature(v));
    }
    // hs_err: `# JRE version: OpenJDK Runtime Environment (17.0.15+6) (build ...)`
    if let Some(r) = t.split("JRE version:").nth(1) {
        // The first parenthesis that opens on a digit: `(TM)` is not it.
        for (open, _) in r.match_indices('(') {
            let v = &r[open + 1..];
            if v.starts_with(|c: char| c.is_ascii_digit()) {
                if let Some(f) = feature(v.split([')', ' ']).next().unwrap_or("")) {
                    return Some(Some(f));
                }
            }
        }
    }
    if let Some(r) = t.strip_prefix("JDK ") {
        return Some(feature(r.split_whitespace().next().unwrap_or("")));
    }
    None
}

fn feature(v: &str) -> Option<u32> {
    let mut parts = v.split(['.', '_', '-', '+']);
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// Parses PrintFlagsFinal (whole or grepped), VM.flags or VM.command_line
/// output, or pasted command lines (see [`sniff`]) held in memory:
/// [`scan`] over the bytes.
pub fn parse(source: &str, text: &[u8]) -> (Option<JvmFlags>, Warnings) {
    let head = &text[..text.len().min(crate::registry::HEAD)];
    scan(source, head, text)
}

/// Streams a flags source (`PrintFlagsFinal`, `VM.flags`,
/// `VM.command_line`, a command line, `JAVA_OPTS` lines) line by line:
/// every flag is read whatever the input's size, memory is the flags'
/// own. `head` (the input's first bytes; `reader` yields them again) says
/// which kind it is ([`sniff`]) and whether it is a diff (a `@@ ` line:
/// its removed lines are the old flags, skipped). `None` when the head is
/// no flags source. A read that fails midway keeps the flags read before
/// it, with a warning.
pub fn scan<R: std::io::Read>(
    source: &str,
    head: &[u8],
    reader: R,
) -> (Option<JvmFlags>, Warnings) {
    let Some(kind) = sniff(head) else {
        return (None, Warnings::new());
    };
    let mut sink = FlagLines {
        source,
        kind,
        diff: head.split(|&b| b == b'\n').any(|l| l.starts_with(b"@@ ")),
        jdk_done: false,
        out: JvmFlags {
            kind: kind.into(),
            ..JvmFlags::default()
        },
        w: Warnings::new(),
    };
    if let Err(e) = crate::input::scan_lines(reader, None, &mut sink) {
        sink.w.push(source, None, format!("read error: {e}"));
    }
    (Some(sink.out), sink.w)
}

/// The state of one [`scan`]: the flags read so far.
struct FlagLines<'a> {
    source: &'a str,
    kind: &'static str,
    /// Whether the text is a diff (a `@@ ` line was seen).
    diff: bool,
    /// Whether the line stating the JDK version was met (the first one
    /// decides, as in [`jdk_version`]).
    jdk_done: bool,
    out: JvmFlags,
    w: Warnings,
}

impl crate::input::LineSink for FlagLines<'_> {
    fn line(&mut self, no: u64, line: &[u8]) {
        // Blank lines hold nothing (checked on bytes: a source padded with
        // them costs no string work).
        if line.trim_ascii().is_empty() {
            return;
        }
        let l = String::from_utf8_lossy(line);
        let l = l.strip_suffix('\r').unwrap_or(&l);
        let versioned = memchr::memmem::find(line, b"version").is_some()
            || memchr::memmem::find(line, b"JDK ").is_some();
        if !self.jdk_done && versioned {
            if let Some(v) = jdk_version_line(l) {
                self.jdk_done = true;
                self.out.jdk = v;
                self.out.jdk_line = v.map(|_| no);
            }
        }
        self.diff |= l.starts_with("@@ ");
        let (source, out, w) = (self.source, &mut self.out, &mut self.w);
        let t = l.trim();
        match self.kind {
            "print-flags-final" => {
                // `size_t MaxHeapSize = 134217728 {product} {ergonomic}`
                let Some((lhs, rhs)) = t.split_once(" = ").or_else(|| t.split_once(" := ")) else {
                    return;
                };
                let mut lt = lhs.split_whitespace();
                let (Some(ty), Some(name)) = (lt.next(), lt.next()) else {
                    return;
                };
                let mut rt = rhs.split_whitespace();
                let Some(v) = rt.next() else {
                    w.push(source, Some(no), format!("flag {name} without a value"));
                    return;
                };
                let origin = rhs
                    .rfind('{')
                    .map(|p| rhs[p..].trim_matches(|c| c == '{' || c == '}').to_string());
                let value = match ty {
                    "bool" => Value::Bool(v == "true"),
                    "double" => v
                        .parse()
                        .map(Value::Number)
                        .unwrap_or(Value::Text(v.into())),
                    "ccstr" | "ccstrlist" => Value::Text(if v.starts_with('{') {
                        String::new()
                    } else {
                        v.into()
                    }),
                    _ => match v.parse::<u64>() {
                        Ok(n) if SIZE_FLAGS.contains(&name) => {
                            Value::Bytes(if KIB_FLAGS.contains(&name) {
                                n.saturating_mul(1024)
                            } else {
                                n
                            })
                        }
                        Ok(n) => Value::Number(n as f64),
                        Err(_) => match v.parse::<i64>() {
                            Ok(n) => Value::Number(n as f64),
                            Err(_) => Value::Text(v.into()),
                        },
                    },
                };
                out.flags.push(Flag {
                    name: name.to_string(),
                    value,
                    raw: t.to_string(),
                    line: Some(no),
                    origin,
                });
            }
            "vm-command-line" => {
                if let Some(args) = t.strip_prefix("jvm_args:") {
                    out.flags.extend(from_command_line(args, Some(no)));
                }
            }
            "command-line" => {
                // A diff's removed lines are the old flags.
                if self.diff && t.starts_with('-') && !t.starts_with("---") {
                    return;
                }
                out.flags.extend(from_command_line(t, Some(no)));
            }
            _ => {
                if t.starts_with("-XX:") || t.starts_with("-X") {
                    out.flags.extend(from_command_line(t, Some(no)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_tokens() {
        let f = from_command_line(
            "java -Xmx512m -Xss256k -XX:MaxMetaspaceSize=256m -XX:MaxRAMPercentage=50.0 -XX:+UseG1GC -XX:-UseCompressedOops -XX:ThreadStackSize=512 -cp app.jar Main",
            Some(3),
        );
        let jf = JvmFlags {
            flags: f,
            ..JvmFlags::default()
        };
        assert_eq!(jf.bytes("MaxHeapSize"), Some(512 << 20));
        assert_eq!(
            jf.bytes("ThreadStackSize"),
            Some(512 << 10),
            "the later -XX flag wins, in KiB"
        );
        assert_eq!(jf.bytes("MaxMetaspaceSize"), Some(256 << 20));
        assert_eq!(jf.number("MaxRAMPercentage"), Some(50.0));
        assert_eq!(jf.bool("UseG1GC"), Some(true));
        assert_eq!(jf.bool("UseCompressedOops"), Some(false));
        assert_eq!(jf.get("MaxHeapSize").unwrap().line, Some(3));
    }

    #[test]
    fn print_flags_final_and_vm_flags() {
        let pff = b"[Global flags]\n     size_t MaxHeapSize                              = 132120576                                 {product} {ergonomic}\n     intx ThreadStackSize                          = 1024                                   {pd product} {default}\n     bool UseSerialGC                              = true                                      {product} {ergonomic}\n   double MaxRAMPercentage                         = 25.000000                                 {product} {default}\nopenjdk version \"17.0.15\" 2025-04-15\n";
        let (f, _) = parse("p", pff);
        let f = f.unwrap();
        assert_eq!(f.kind, "print-flags-final");
        assert_eq!(f.bytes("MaxHeapSize"), Some(132_120_576));
        assert_eq!(f.bytes("ThreadStackSize"), Some(1 << 20));
        assert_eq!(f.bool("UseSerialGC"), Some(true));
        assert_eq!(f.number("MaxRAMPercentage"), Some(25.0));
        assert_eq!(f.jdk, Some(17));
        assert_eq!(
            f.get("MaxHeapSize").unwrap().origin.as_deref(),
            Some("ergonomic")
        );
        let (f, _) = parse(
            "v",
            b"6941:\n-XX:CICompilerCount=2 -XX:MaxHeapSize=33554432 -XX:+UseSerialGC\n",
        );
        let f = f.unwrap();
        assert_eq!(f.kind, "vm-flags");
        assert_eq!(f.bytes("MaxHeapSize"), Some(33_554_432));
        assert_eq!(f.get("MaxHeapSize").unwrap().line, Some(2));
    }

    #[test]
    fn versions() {
        assert_eq!(
            jdk_version("java version \"1.8.0_292\"").map(|v| v.0),
            Some(8)
        );
        assert_eq!(
            jdk_version("openjdk version \"21.0.2\" 2024-01-16").map(|v| v.0),
            Some(21)
        );
        assert_eq!(
            jdk_version("6941:\nOpenJDK 64-Bit Server VM version 17.0.15+6\nJDK 17.0.15")
                .map(|v| v.0),
            Some(17)
        );
        assert_eq!(jdk_version("nothing"), None);
        assert_eq!(
            jdk_version("# JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)").map(|v| v.0),
            Some(17)
        );
        assert_eq!(jdk_version("# JRE version: Java(TM) SE Runtime Environment (8.0_202-b08) (build 1.8.0_202-b08)").map(|v| v.0), Some(8));
    }
}
