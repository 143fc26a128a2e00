//! Secrets taken out before anything is written: in Kubernetes objects
//! (env values whose names look like passwords, tokens, keys or
//! credentials; any string holding a URL with `user:password@`, an
//! `Authorization` header or a `password=`-like assignment, including
//! inside `kubectl.kubernetes.io/last-applied-configuration`) and in text
//! (logs, kernel logs, metrics).
//!
//! Text is scanned once with Aho-Corasick (case-insensitive) for the words
//! that start a secret; only the value after each is replaced, so the line
//! still reads. What was redacted is returned by name and place, never by
//! value.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value;

/// The text put in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// One redaction: where (a JSON path or `line N`) and what kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redaction {
    /// `spec.containers[orders-api].env[DB_PASSWORD]`, `line 12`.
    pub at: String,
    pub kind: RedactionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedactionKind {
    /// An env value whose name looks like a secret.
    EnvValue,
    /// `user:password@` in a URL.
    UrlUserinfo,
    /// An `Authorization:` header's credentials or a `Bearer` token.
    Authorization,
    /// The value of `password=...`, `secret: ...`, `token=...` and the like.
    Assignment,
}

/// Words in a name that make its value a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "AUTH",
    "PRIVATE",
    "CERT",
    "DSN",
];

/// Whether an env or property name looks like it holds a secret: one of
/// its words (split at `_`, `-`, `.` and lower-to-upper case changes) is a
/// secret word (`DB_PASSWORD`, `apiKey`, `AWS_SECRET_ACCESS_KEY`,
/// `keyStorePassword`).
pub fn secret_name(name: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' {
            words.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase();
        cur.push(c.to_ascii_uppercase());
    }
    words.push(cur);
    words
        .iter()
        .any(|w| SECRET_WORDS.contains(&w.as_str()) || w.ends_with("PASSWORD"))
}

/// Redacts a Kubernetes object (or list) in place; returns what was taken.
pub fn object(v: &mut Value) -> Vec<Redaction> {
    let mut out = Vec::new();
    walk(v, &mut String::new(), &mut out);
    out
}

fn walk(v: &mut Value, path: &mut String, out: &mut Vec<Redaction>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                if k == "env" {
                    env(child, path, out);
                }
                if k == "kubectl.kubernetes.io/last-applied-configuration" {
                    if let Some(text) = child.as_str() {
                        if let Ok(mut inner) = serde_json::from_str::<Value>(text) {
                            let before = out.len();
                            walk(&mut inner, path, out);
                            if out.len() > before {
                                *child = Value::String(inner.to_string());
                            }
                        }
                    }
                }
                walk(child, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                let name = item.get("name").and_then(Value::as_str).map(str::to_string);
                match name {
                    Some(n) => path.push_str(&format!("[{n}]")),
                    None => path.push_str(&format!("[{i}]")),
                }
                walk(item, path, out);
                path.truncate(len);
            }
        }
        Value::String(s) => {
            let (clean, found) = text(s.as_bytes());
            if !found.is_empty() {
                *s = String::from_utf8_lossy(&clean).into_owned();
                for (_, kind) in found {
                    out.push(Redaction {
                        at: path.clone(),
                        kind,
                    });
                }
            }
        }
        _ => {}
    }
}

/// `env: [{name, value}]`: values of secret-looking names.
fn env(v: &mut Value, path: &str, out: &mut Vec<Redaction>) {
    let Some(items) = v.as_array_mut() else {
        return;
    };
    for item in items {
        let Some(name) = item.get("name").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        if !secret_name(&name) {
            continue;
        }
        if let Some(value) = item.get_mut("value") {
            if value
                .as_str()
                .is_some_and(|s| !s.is_empty() && s != REDACTED)
            {
                *value = Value::String(REDACTED.into());
                out.push(Redaction {
                    at: format!("{path}[{name}]"),
                    kind: RedactionKind::EnvValue,
                });
            }
        }
    }
}

fn triggers() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build([
                "://",
                "authorization",
                "bearer ",
                "password",
                "passwd",
                "secret",
                "token",
                "api_key",
                "apikey",
                "api-key",
                "access_key",
                "private_key",
                "credential",
            ])
            .unwrap_or_else(|_| unreachable!("fixed patterns build"))
    })
}

fn value_end(b: &[u8], mut i: usize) -> usize {
    if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
        let q = b[i];
        i += 1;
        while i < b.len() && b[i] != q && b[i] != b'\n' {
            i += 1;
        }
        return i;
    }
    while i < b.len() && !b" \t\r\n\"',;&)}]".contains(&b[i]) {
        i += 1;
    }
    i
}

/// Redacts secrets in text. Returns the cleaned bytes and, for each
/// redaction, the 1-based line it was on and its kind.
pub fn text(b: &[u8]) -> (Vec<u8>, Vec<(usize, RedactionKind)>) {
    let mut out = Vec::with_capacity(b.len());
    let mut found = Vec::new();
    let mut copied = 0;
    let mut line = 1;
    let mut line_at = 0;
    let mut pos = 0;
    while pos < b.len() {
        let Some(m) = triggers().find(&b[pos..]) else {
            break;
        };
        let (ms, me) = (pos + m.start(), pos + m.end());
        pos = me;
        if ms < copied {
            continue;
        }
        let word = &b[ms..me];
        let span = if word == b"://" {
            // scheme://user:password@host: only when the userinfo holds a password.
            let end = value_end(b, me);
            let auth_end = memchr::memchr(b'/', &b[me..end]).map_or(end, |i| me + i);
            match memchr::memrchr(b'@', &b[me..auth_end]) {
                Some(at) if memchr::memchr(b':', &b[me..me + at]).is_some() => {
                    Some((me, me + at, RedactionKind::UrlUserinfo))
                }
                _ => None,
            }
        } else if word.eq_ignore_ascii_case(b"bearer ") {
            let end = value_end(b, me);
            (end > me).then_some((me, end, RedactionKind::Authorization))
        } else {
            // The rest of a name (`password_file`, `TokenValue`), then a
            // separator (`=`, `:`, `": "`), then the value.
            let mut i = me;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-' || b[i] == b'.')
            {
                i += 1;
            }
            let mut j = i;
            while j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                j += 1;
            }
            if j < b.len() && (b[j] == b'=' || b[j] == b':') {
                j += 1;
                while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                let kind = if word.eq_ignore_ascii_case(b"authorization") {
                    RedactionKind::Authorization
                } else {
                    RedactionKind::Assignment
                };
                let (vs, ve) = if kind == RedactionKind::Authorization {
                    // The whole credential: `Basic xyz`, `Bearer xyz`.
                    let e = memchr::memchr(b'\n', &b[j..]).map_or(b.len(), |n| j + n);
                    let mut e2 = e;
                    while e2 > j && (b[e2 - 1] == b'\r' || b[e2 - 1] == b'"' || b[e2 - 1] == b',') {
                        e2 -= 1;
                    }
                    (j, e2)
                } else if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    (j + 1, value_end(b, j))
                } else {
                    (j, value_end(b, j))
                };
                (ve > vs && &b[vs..ve] != REDACTED.as_bytes()).then_some((vs, ve, kind))
            } else {
                None
            }
        };
        if let Some((s, e, kind)) = span {
            line += bytecount_newlines(&b[line_at..s]);
            line_at = s;
            out.extend_from_slice(&b[copied..s]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = e;
            pos = pos.max(e);
            found.push((line, kind));
        }
    }
    out.extend_from_slice(&b[copied..]);
    (out, found)
}

fn bytecount_newlines(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        String::from_utf8(text(s.as_bytes()).0).unwrap()
    }

    #[test]
    fn secret_names_by_word() {
        for n in [
            "DB_PASSWORD",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "keyStorePassword",
            "GITHUB_TOKEN",
            "basic-auth",
            "SPRING_DATASOURCE_PASSWORD",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "JAVA_TOOL_OPTIONS",
            "MONKEY_COUNT",
            "PATH",
            "TOKENIZER_THREADS_X",
            "HOSTNAME",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn url_userinfo_keeps_the_host() {
        assert_eq!(
            clean("jdbc:postgresql://app:s3cr3t@db:5432/x and http://host/a@b"),
            "jdbc:postgresql://<redacted>@db:5432/x and http://host/a@b"
        );
    }

    #[test]
    fn authorization_headers_and_bearer_tokens() {
        let (out, found) =
            text(b"GET /x\nAuthorization: Basic dXNlcjpwdw==\r\nok\ncurl -H 'x' Bearer abc.def\n");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "GET /x\nAuthorization: <redacted>\r\nok\ncurl -H 'x' Bearer <redacted>\n"
        );
        assert_eq!(
            found,
            vec![
                (2, RedactionKind::Authorization),
                (4, RedactionKind::Authorization)
            ]
        );
    }

    #[test]
    fn assignments_in_flags_and_json() {
        assert_eq!(
            clean("-Djavax.net.ssl.keyStorePassword=changeit --db-password \"x\" {\"token\": \"abc\"}"),
            "-Djavax.net.ssl.keyStorePassword=<redacted> --db-password \"x\" {\"token\": \"<redacted>\"}"
        );
        assert_eq!(
            clean("no secrets here: password policy is strict"),
            "no secrets here: password policy is strict"
        );
    }

    #[test]
    fn object_env_and_last_applied() {
        let mut v = serde_json::json!({
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}]}]}}"}},
            "spec": {"containers": [{"name": "c", "env": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}},
                {"name": "JAVA_TOOL_OPTIONS", "value": "-Xmx512m"},
                {"name": "DB_URL", "value": "postgres://u:pw@db/x"}
            ]}]}
        });
        let r = object(&mut v);
        let s = v.to_string();
        assert!(!s.contains("hunter2") && !s.contains(":pw@"), "{s}");
        assert!(s.contains("-Xmx512m"));
        assert!(r.contains(&Redaction {
            at: "spec.containers[c].env[DB_PASSWORD]".into(),
            kind: RedactionKind::EnvValue
        }));
        assert!(r.iter().any(|x| x.kind == RedactionKind::UrlUserinfo));
        assert_eq!(
            r.iter()
                .filter(|x| x.kind == RedactionKind::EnvValue)
                .count(),
            2,
            "{r:?}"
        );
    }
}
