//! Properties of the Kubernetes parsers: no input makes them panic, damaged
//! real input still gives what survived, and quantities agree with plain
//! arithmetic.

use oomlens_evidence::k8s::{self, quantity};
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../../tests/fixtures/k8s/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

const DESCRIBES: &[&str] = &[
    "describe-kodekloud-elephant-oomkilled.txt",
    "describe-synth-two-pods-init-env-wrapped-evicted.txt",
    "describe-k8sdocs-pending-2016-tabs-wrapped-event.txt",
    "describe-blog-simmemleak-flattened-oomkilled.txt",
];

const OBJECTS: &[&str] = &[
    "pod-kodekloud-elephant-oomkilled.yaml",
    "list-synth-pods-service-event.json",
    "events-synth-core-v1.yaml",
    "multidoc-synth-corrupt-and-other-kinds.yaml",
];

fn all_parsers(bytes: &[u8]) {
    let _ = k8s::looks_like_describe(bytes);
    let _ = k8s::looks_like_object(bytes);
    let _ = k8s::parse_describe("p", bytes);
    let _ = k8s::parse_describe_objects("p", bytes);
    let _ = k8s::parse_objects("p", bytes);
    let _ = k8s::looks_like_pasted(bytes);
    let _ = k8s::parse_pasted("p", bytes);
}

/// `bytes` with the byte at `flip` set to `byte`, cut at `cut`.
fn damage(
    mut bytes: Vec<u8>,
    flip: prop::sample::Index,
    byte: u8,
    cut: prop::sample::Index,
) -> Vec<u8> {
    if !bytes.is_empty() {
        let i = flip.index(bytes.len());
        bytes[i] = byte;
    }
    let end = cut.index(bytes.len() + 1);
    bytes.truncate(end);
    bytes
}

/// Pasted fragments (`tests/fixtures/k8s/pasted/`).
const PASTED: &[&str] = &[
    "pasted/get-pods-hmcts-pr28772.txt",
    "pasted/get-pods-collapsed-spaces-devopsaitoolkit.txt",
    "pasted/gotemplate-k8sdocs-simmemleak-laststate.txt",
    "pasted/json-laststate-k8s-issue53669-trailing-comma.txt",
    "pasted/status-json-k8s-pr3044-oom-killed-spelling.txt",
    "pasted/docker-inspect-state-k8s-issue19825.txt",
];

/// Lines made of describe and YAML vocabulary, to reach deep states.
fn vocabulary_line() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "Name:",
        "Namespace:",
        "Node:",
        "Containers:",
        "Init Containers:",
        "Events:",
        "State:",
        "Last State:",
        "Reason:",
        "Exit Code:",
        "Started:",
        "Finished:",
        "Message:",
        "Restart Count:",
        "Limits:",
        "Requests:",
        "memory:",
        "cpu:",
        "Command:",
        "Args:",
        "Environment:",
        "Mounts:",
        "Container ID:",
        "Roles:",
        "Type  Reason  Age  From  Message",
        "FirstSeen\tLastSeen\tCount\tFrom\tReason\tMessage",
        "Warning",
        "Normal",
        "----",
        "...",
        "app:",
        "- name:",
        "apiVersion: v1",
        "kind: Pod",
        "kind: List",
        "items:",
        "- ",
        "---",
        "{",
        "}",
        "[",
        "]",
        "\"restartCount\":",
        "lastState:",
        "terminated:",
        "containerStatuses:",
        "LastState: map[terminated:map[exitCode:137 reason:OOM Killed",
        "map[terminated:map[",
        "]]",
        "\"OOMKilled\":",
        "\"ExitCode\":",
        "\"State\": {",
        "NAME   READY   STATUS      RESTARTS      AGE",
        "LAST SEEN   TYPE      REASON      OBJECT      MESSAGE",
        "\"termination\": {",
    ]);
    let values = prop::sample::select(vec![
        "",
        "x",
        "137",
        "-1",
        "3Gi",
        "1e999",
        "Terminated",
        "OOMKilled",
        "containerd://",
        "Sat, 02 Dec 2023 13:55:57 +0800",
        "3m (x9 over 13d)",
        "kubelet, n1",
        "<none>",
        "<unknown>",
        "{",
        "\"",
        "\t",
        "é",
        "(x",
        ":",
    ]);
    (0usize..12, keys, values.clone(), values)
        .prop_map(|(indent, k, v1, v2)| format!("{}{k} {v1}  {v2}", " ".repeat(indent)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        all_parsers(&bytes);
    }

    #[test]
    fn vocabulary_soup_never_panics(lines in proptest::collection::vec(vocabulary_line(), 0..80)) {
        all_parsers(lines.join("\n").as_bytes());
    }

    #[test]
    fn quantities_never_panic(s in "\\PC{0,40}") {
        let _ = quantity::memory_bytes(&s);
        let _ = quantity::cpu_millis(&s);
    }

    #[test]
    fn quantity_grammar_soup_never_panics(s in "[+-]?[0-9]{0,45}(\\.[0-9]{0,45})?([eE][+-]?[0-9]{0,25}|[numkMGTPE]|[KMGTPE]i)?") {
        let _ = quantity::memory_bytes(&s);
        let _ = quantity::cpu_millis(&s);
    }

    #[test]
    fn binary_suffixes_are_exact(n in 0u64..(1 << 20), i in 0usize..4) {
        let (suffix, shift) = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40)][i];
        prop_assert_eq!(quantity::memory_bytes(&format!("{n}{suffix}")), Some(n << shift));
    }

    #[test]
    fn millicores_round_trip(m in 0u64..10_000_000) {
        prop_assert_eq!(quantity::cpu_millis(&format!("{m}m")), Some(m));
        let cores = format!("{}.{:03}", m / 1000, m % 1000);
        prop_assert_eq!(quantity::cpu_millis(&cores), Some(m));
    }

    /// Real describe output with lines dropped, repeated, re-indented or
    /// cut: never a panic, and a pod is still found.
    #[test]
    fn damaged_describes(
        which in 0..DESCRIBES.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, 0usize..9), 0..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let text = fixture(DESCRIBES[which]);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, op, n) in edits {
            if lines.is_empty() {
                break;
            }
            let i = at.index(lines.len());
            match op {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(i, l); }
                2 => lines[i] = format!("{}{}", " ".repeat(n), lines[i].trim_start()),
                _ => { let l = &lines[i]; let k = l.len().min(n * 7); lines[i] = l.chars().take(k).collect(); }
            }
        }
        let joined = lines.join("\n");
        let end = cut.index(joined.len() + 1);
        let end = (0..=end).rev().find(|&e| joined.is_char_boundary(e)).unwrap_or(0);
        let damaged = &joined[..end];
        all_parsers(damaged.as_bytes());
        let (pods, _) = k8s::parse_describe("d", damaged.as_bytes());
        if damaged.contains("Name:") && damaged.contains("Namespace:") {
            prop_assert!(!pods.is_empty());
        }
    }

    /// Real objects cut anywhere or with a byte changed: never a panic.
    #[test]
    fn damaged_objects(
        which in 0..OBJECTS.len(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        all_parsers(&damage(fixture(OBJECTS[which]).into_bytes(), flip, byte, cut));
    }

    /// Pasted fragments cut anywhere or with a byte changed: never a panic,
    /// and an uncut, unchanged one keeps its container.
    #[test]
    fn damaged_pasted_fragments(
        which in 0..PASTED.len(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let whole = fixture(PASTED[which]).into_bytes();
        let (o, _) = k8s::parse_pasted("p", &whole);
        prop_assert_eq!(o.pods.len(), 1);
        all_parsers(&damage(whole, flip, byte, cut));
    }
}

#[test]
fn huge_and_deep_inputs() {
    // Deep nesting: serde's recursion limits answer, the line scanners do
    // not recurse.
    let deep_json = "[".repeat(100_000);
    all_parsers(deep_json.as_bytes());
    let deep_yaml: String = (0..5_000)
        .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
        .collect();
    all_parsers(deep_yaml.as_bytes());
    let deep_flow = format!("kind: Pod\nspec: {}", "{a: ".repeat(50_000));
    all_parsers(deep_flow.as_bytes());
    // YAML aliases that would expand exponentially.
    let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    bomb.push_str("kind: Pod\n");
    all_parsers(bomb.as_bytes());
    // Many warnings stay bounded.
    let junk = "Exit Code: 1\n".repeat(5_000);
    let (_, w) = k8s::parse_describe("j", format!("Containers:\n  a:\n{junk}").as_bytes());
    assert!(w.items().len() <= oomlens_evidence::Warnings::LIMIT);
    // One very long line.
    let long = format!("Name: {}\nNamespace: n\n", "x".repeat(4 << 20));
    let (pods, _) = k8s::parse_describe("l", long.as_bytes());
    assert_eq!(pods[0].name.as_ref().map(String::len), Some(4 << 20));
}
