//! plugins/oomlens.yaml and scripts/krew-manifest.sh against krew's own
//! validation rules, reproduced here from kubernetes-sigs/krew (commit
//! db921d5, 2026-05-16):
//!
//! - `internal/index/validation/validate.go` (`ValidatePlugin`,
//!   `validatePlatform`, `validateFiles`, `validateSelector`,
//!   `IsSafePluginName`): apiVersion and kind, a safe name (`^[\w-]+$`, no
//!   Windows device name) equal to the file's, a short description without
//!   line breaks, a version, platforms, and per platform `uri`, `sha256`
//!   (`^[a-f0-9]{64}$`), `bin`, `files` unset or each with `from` and `to`,
//!   a selector with only `os`/`arch` keys, neither empty.
//! - `internal/installation/semver/version.go` (`Parse`): a leading `v`,
//!   then apimachinery's `ParseSemantic` (three numbers without leading
//!   zeros, an optional pre-release and build).
//! - `cmd/validate-krew-manifest/main.go` (what krew-index's CI runs): the
//!   `.yaml` extension, every platform's selector matching one of
//!   `allPlatforms()`, and no OS/arch pair matched by two platforms; the
//!   line lengths it warned about before (shortDescription 70, description
//!   and caveats 80) are errors here.
//! - `internal/installation/move.go` (`findMoveTargets`): a file
//!   operation's `to` is a clean path, its `from` a glob matching at least
//!   one file of the archive; the test installs the tarball that way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// krew's `allPlatforms()`.
const PLATFORMS: &[(&str, &str)] = &[
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// What the release script fills in the committed template.
fn placeholder(field: &str, s: &str) -> bool {
    s.starts_with(&format!("@{field}:")) && s.ends_with('@')
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    v.as_str()
}

fn semver_with_v(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let (core, build) = rest
        .split_once('+')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    let (core, pre) = core
        .split_once('-')
        .map_or((core, None), |(a, b)| (a, Some(b)));
    let ident = |x: &str| {
        !x.is_empty()
            && x.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let nums: Vec<&str> = core.split('.').collect();
    nums.len() == 3
        && nums.iter().all(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && !(n.len() > 1 && n.starts_with('0'))
        })
        && pre.is_none_or(ident)
        && build.is_none_or(ident)
}

/// Whether a LabelSelector matches the labels os=`os`, arch=`arch`
/// (apimachinery's `LabelSelectorAsSelector` + `Matches`).
fn selects(sel: &Value, os: &str, arch: &str) -> bool {
    let label = |k: &str| match k {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    let labels_ok = sel
        .get("matchLabels")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .all(|(k, v)| k.as_str().and_then(label) == v.as_str());
    let exprs_ok = sel
        .get("matchExpressions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .all(|e| {
            let have = e.get("key").and_then(Value::as_str).and_then(label);
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match e.get("operator").and_then(Value::as_str) {
                Some("In") => have.is_some_and(|h| values.contains(&h)),
                Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
                Some("Exists") => have.is_some(),
                Some("DoesNotExist") => have.is_none(),
                _ => false,
            }
        });
    labels_ok && exprs_ok
}

/// krew's rules for the manifest at `file` (its name gives the plugin's).
/// `template`: the release's fields (`uri`, `sha256`) may be the script's
/// placeholders. Returns the first rule broken.
fn validate(file: &Path, m: &Value, template: bool) -> Result<(), String> {
    let fname = file.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let name = fname
        .strip_suffix(".yaml")
        .ok_or_else(|| format!("expected manifest extension \".yaml\": {fname}"))?;
    if text(m, &["apiVersion"]) != Some("krew.googlecontainertools.github.com/v1alpha2") {
        return Err("apiVersion not supported".into());
    }
    if text(m, &["kind"]) != Some("Plugin") {
        return Err("kind must be Plugin".into());
    }
    const WINDOWS: &[&str] = &[
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !WINDOWS.iter().any(|w| w.eq_ignore_ascii_case(name));
    if !safe {
        return Err(format!("the plugin name {name:?} is not allowed"));
    }
    if text(m, &["metadata", "name"]) != Some(name) {
        return Err(format!("plugin should be named {name:?}"));
    }
    let short = text(m, &["spec", "shortDescription"]).unwrap_or("");
    if short.is_empty() {
        return Err("should have a short description".into());
    }
    if short.contains(['\r', '\n']) {
        return Err("should not have line breaks in short description".into());
    }
    let platforms = m
        .get("spec")
        .and_then(|s| s.get("platforms"))
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    if platforms.is_empty() {
        return Err("should have a platform specified".into());
    }
    let version = text(m, &["spec", "version"]).unwrap_or("");
    if version.is_empty() {
        return Err("should have a version specified".into());
    }
    if !semver_with_v(version) {
        return Err(format!("failed to parse plugin version {version:?}"));
    }
    for (i, p) in platforms.iter().enumerate() {
        let bad = |why: &str| Err(format!("platform {i} is badly constructed: {why}"));
        let uri = text(p, &["uri"]).unwrap_or("");
        let sha = text(p, &["sha256"]).unwrap_or("");
        if uri.is_empty() {
            return bad("`uri` has to be set");
        }
        if sha.is_empty() {
            return bad("`sha256` sum has to be set");
        }
        let filled = !(template && placeholder("URI", uri) && placeholder("SHA256", sha));
        if filled {
            if !(uri.starts_with("https://") || uri.starts_with("http://")) {
                return bad("`uri` is not a URL");
            }
            if !(sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))) {
                return bad("`sha256` must match ^[a-f0-9]{64}$");
            }
        }
        if text(p, &["bin"]).unwrap_or("").is_empty() {
            return bad("`bin` has to be set");
        }
        if let Some(files) = p.get("files").filter(|f| !f.is_null()) {
            let files = files.as_sequence().ok_or("`files` is not a list")?;
            if files.is_empty() {
                return bad("`files` has to be unspecified or non-empty");
            }
            for f in files {
                let (from, to) = (text(f, &["from"]), text(f, &["to"]));
                if from.unwrap_or("").is_empty() {
                    return bad("`from` field has to be set");
                }
                let to = to.unwrap_or("");
                if to.is_empty() {
                    return bad("`to` field has to be set");
                }
                if clean(to) != to {
                    return bad("`to` is not a clean path");
                }
            }
        }
        let Some(sel) = p.get("selector").filter(|s| !s.is_null()) else {
            return bad("nil selector is not supported");
        };
        let labels = sel.get("matchLabels").filter(|l| !l.is_null());
        let exprs = sel.get("matchExpressions").filter(|l| !l.is_null());
        let n_exprs = exprs.and_then(Value::as_sequence).map_or(0, Vec::len);
        if labels.is_none() && n_exprs == 0 {
            return bad("empty selector is not supported");
        }
        let keys: Vec<String> = labels
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .chain(
                exprs
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| text(e, &["key"]).map(str::to_string)),
            )
            .collect();
        if let Some(k) = keys.iter().find(|k| *k != "os" && *k != "arch") {
            return bad(&format!("key {k:?} not supported"));
        }
        if labels
            .and_then(Value::as_mapping)
            .is_some_and(|l| l.is_empty())
        {
            return bad("`matchLabels` specified but empty");
        }
        if exprs.is_some() && n_exprs == 0 {
            return bad("`matchExpressions` specified but empty");
        }
        if !PLATFORMS.iter().any(|(os, arch)| selects(sel, os, arch)) {
            return Err(format!(
                "spec.platform[{i}]'s selector doesn't match any supported platforms"
            ));
        }
    }
    for (os, arch) in PLATFORMS {
        let hits: Vec<usize> = (0..platforms.len())
            .filter(|&i| {
                platforms[i]
                    .get("selector")
                    .is_some_and(|s| selects(s, os, arch))
            })
            .collect();
        if hits.len() > 1 {
            return Err(format!(
                "multiple spec.platforms (at indexes {hits:?}) select os={os}/arch={arch}"
            ));
        }
    }
    for (field, max) in [
        ("shortDescription", 70),
        ("description", 80),
        ("caveats", 80),
    ] {
        let long = text(m, &["spec", field])
            .unwrap_or("")
            .lines()
            .any(|l| l.len() > max && l.trim().contains(' '));
        if long {
            return Err(format!("line length in `{field}` exceeds {max} characters"));
        }
    }
    Ok(())
}

/// Go's `filepath.Clean` for the relative paths of `files[].to`.
fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    let s = out.join("/");
    match (p.starts_with('/'), s.is_empty()) {
        (true, _) => format!("/{s}"),
        (false, true) => ".".into(),
        (false, false) => s,
    }
}

fn load(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("manifest")).expect("YAML")
}

#[test]
fn the_committed_manifest_follows_krews_rules() {
    let path = root().join("plugins/oomlens.yaml");
    let m = load(&path);
    validate(&path, &m, true).unwrap();
    // The release fields are the script's to fill, and nothing else is.
    let ps = m["spec"]["platforms"].as_sequence().unwrap();
    for p in ps {
        let os = p["selector"]["matchLabels"]["os"].as_str().unwrap();
        let arch = p["selector"]["matchLabels"]["arch"].as_str().unwrap();
        assert_eq!(
            p["uri"].as_str(),
            Some(format!("@URI:{os}/{arch}@").as_str())
        );
        assert_eq!(
            p["sha256"].as_str(),
            Some(format!("@SHA256:{os}/{arch}@").as_str())
        );
        assert_eq!(p["bin"].as_str(), Some("oomlens"));
    }
    assert_eq!(
        m["spec"]["version"].as_str(),
        Some(format!("v{}", env!("CARGO_PKG_VERSION")).as_str()),
        "the manifest names the workspace's version"
    );
}

/// Each way krew refuses a manifest, refused here too.
#[test]
fn broken_manifests_are_refused() {
    let path = root().join("plugins/oomlens.yaml");
    let good = load(&path);
    let sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut filled = good.clone();
    for p in filled["spec"]["platforms"].as_sequence_mut().unwrap() {
        p["uri"] = "https://example.invalid/o.tar.gz".into();
        p["sha256"] = sha.into();
    }
    validate(&path, &filled, false).unwrap();
    // (the rule broken, the field set, its new value)
    let p0 = "spec.platforms.0";
    let cases: Vec<(&str, String, Value)> = vec![
        (
            "plugin should be named",
            "metadata.name".into(),
            "lens".into(),
        ),
        (
            "failed to parse plugin version",
            "spec.version".into(),
            "0.1.0".into(),
        ),
        (
            "failed to parse plugin version",
            "spec.version".into(),
            "v0.1".into(),
        ),
        (
            "failed to parse plugin version",
            "spec.version".into(),
            "v01.1.0".into(),
        ),
        ("line breaks", "spec.shortDescription".into(), "a\nb".into()),
        (
            "should have a short description",
            "spec.shortDescription".into(),
            "".into(),
        ),
        (
            "line length in `shortDescription`",
            "spec.shortDescription".into(),
            "word ".repeat(15).into(),
        ),
        (
            "should have a platform",
            "spec.platforms".into(),
            Value::Sequence(vec![]),
        ),
        (
            "`sha256` must match",
            format!("{p0}.sha256"),
            sha.to_uppercase().into(),
        ),
        (
            "`sha256` must match",
            format!("{p0}.sha256"),
            sha[1..].into(),
        ),
        ("`bin` has to be set", format!("{p0}.bin"), "".into()),
        (
            "`files` has to be unspecified or non-empty",
            format!("{p0}.files"),
            Value::Sequence(vec![]),
        ),
        (
            "`to` is not a clean path",
            format!("{p0}.files.0.to"),
            "./bin/".into(),
        ),
        ("nil selector", format!("{p0}.selector"), Value::Null),
        (
            "key \"cpu\" not supported",
            format!("{p0}.selector.matchLabels.cpu"),
            "x".into(),
        ),
        (
            "doesn't match any supported platforms",
            format!("{p0}.selector.matchLabels.os"),
            "plan9".into(),
        ),
        (
            "select os=linux/arch=arm64",
            format!("{p0}.selector.matchLabels.arch"),
            "arm64".into(),
        ),
    ];
    for (want, field, value) in cases {
        let mut m = filled.clone();
        let mut at = &mut m;
        for k in field.split('.') {
            at = match k.parse::<usize>() {
                Ok(n) => &mut at[n],
                Err(_) => &mut at[k],
            };
        }
        *at = value;
        let err = validate(&path, &m, false).expect_err(want);
        assert!(err.contains(want), "want {want:?}, got {err:?}");
    }
    let renamed = path.with_file_name("lens.yaml");
    assert!(validate(&renamed, &filled, false)
        .unwrap_err()
        .contains("plugin should be named \"lens\""));
    // A placeholder passes only in the template.
    assert!(validate(&path, &good, false).is_err());
}

fn sh(script: &str, args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(root().join(script))
        .args(args)
        .env("GZIP_LEVEL", "1")
        .output()
        .expect("bash runs")
}

/// The release: tarballs packed by scripts/release-tarball.sh, the
/// manifest filled by scripts/krew-manifest.sh, validated, then installed
/// as krew installs it (the file operations of its platform, `bin` linked
/// as kubectl-oomlens) and run through kubectl's plugin lookup.
#[test]
fn the_release_scripts_make_a_manifest_krew_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let amd = tmp.path().join("oomlens-v0.1.0-linux-amd64.tar.gz");
    let o = sh(
        "scripts/release-tarball.sh",
        &[env!("CARGO_BIN_EXE_oomlens"), amd.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // This machine builds one platform: the arm64 entry gets a copy.
    let arm = tmp.path().join("oomlens-v0.1.0-linux-arm64.tar.gz");
    std::fs::copy(&amd, &arm).unwrap();
    let base = "https://example.invalid/oomlens/releases/download/v0.1.0";
    let o = sh(
        "scripts/krew-manifest.sh",
        &[
            "v0.1.0",
            base,
            &format!("linux/amd64={}", amd.display()),
            &format!("linux/arm64={}", arm.display()),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("oomlens.yaml");
    std::fs::write(&out, &o.stdout).unwrap();
    let m = load(&out);
    validate(&out, &m, false).unwrap();
    let sum = Command::new("sha256sum").arg(&amd).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    let p = &m["spec"]["platforms"][0];
    assert_eq!(p["selector"]["matchLabels"]["arch"], "amd64");
    assert_eq!(p["sha256"].as_str(), sum.split_whitespace().next());
    assert_eq!(
        p["uri"].as_str().unwrap(),
        format!("{base}/oomlens-v0.1.0-linux-amd64.tar.gz")
    );

    // Install it as krew does: unpack, move per `files`, link `bin`.
    let unpacked = tmp.path().join("unpacked");
    let install = tmp.path().join("install");
    std::fs::create_dir_all(&unpacked).unwrap();
    std::fs::create_dir_all(&install).unwrap();
    let t = Command::new("tar")
        .args([
            "xzf",
            amd.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(t.success());
    for f in p["files"].as_sequence().unwrap() {
        let (from, to) = (f["from"].as_str().unwrap(), f["to"].as_str().unwrap());
        let (dir, pattern) = from.rsplit_once('/').unwrap_or(("", from));
        let (head, tail) = pattern.split_once('*').unwrap_or((pattern, ""));
        let star = pattern.contains('*');
        let mut moved = 0;
        let mut entries: BTreeMap<String, PathBuf> = BTreeMap::new();
        for e in std::fs::read_dir(unpacked.join(dir)).unwrap() {
            let e = e.unwrap();
            entries.insert(e.file_name().to_string_lossy().into_owned(), e.path());
        }
        for (name, src) in entries {
            let hit = if star {
                name.starts_with(head)
                    && name.ends_with(tail)
                    && name.len() >= head.len() + tail.len()
            } else {
                name == pattern
            };
            if hit {
                let dst = install.join(to);
                std::fs::create_dir_all(&dst).unwrap();
                std::fs::rename(&src, dst.join(&name)).unwrap();
                moved += 1;
            }
        }
        assert!(moved > 0, "no file in the archive matched {from}");
    }
    assert!(install.join("man/kubectl-oomlens.1").is_file());
    let bin = install.join(p["bin"].as_str().unwrap());
    let krew_bin = tmp.path().join("bin");
    std::fs::create_dir_all(&krew_bin).unwrap();
    std::os::unix::fs::symlink(&bin, krew_bin.join("kubectl-oomlens")).unwrap();
    let path = format!(
        "{}:{}",
        krew_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let v = Command::new("kubectl")
        .args(["oomlens", "--version"])
        .env("PATH", path)
        .env("HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("kubectl-oomlens {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_manifest_script_refuses_a_missing_platform_and_a_bad_version() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().join("o.tar.gz");
    std::fs::write(&t, b"not used").unwrap();
    let one = format!("linux/amd64={}", t.display());
    let darwin = format!("darwin/arm64={}", t.display());
    for (version, platform, want) in [
        ("v0.1.0", &one, "no tarball for: linux/arm64"),
        ("0.1.0", &one, "leading v"),
        ("v0.1.0", &darwin, "has no platform darwin/arm64"),
    ] {
        let o = sh(
            "scripts/krew-manifest.sh",
            &[version, "https://x.invalid", platform],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "want {want:?}: {err}");
    }
}
