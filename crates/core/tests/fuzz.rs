//! Mutation fuzzing (proptest): `validate` over mutated versions of every shipped policy file
//! and every invalid fixture, and the snapshot reader over mutated describe files. Whatever the
//! input: no panic, a bounded time per input, and every error located (a line and column, or
//! the file). The suite runs a bounded number of cases (PROPTEST_CASES, default 64 per test);
//! `scripts/fuzz.sh` runs many more.

// Test helpers unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use custodian_core::policy::load_text;
use custodian_core::resource::{parse_describe, FieldSet, ResourceKind};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest one input may take (debug build, one core busy with another test).
const PER_INPUT: Duration = Duration::from_secs(3);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &str, ext: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| ext.contains(&e)) {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The seeds: every shipped policy file and every invalid fixture.
fn policy_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = files_in("policies", &["yml", "yaml"]);
    seeds.extend(files_in("tests/invalid", &["yml", "yaml"]));
    seeds.extend(files_in("scripts/bench-policies", &["yml", "yaml"]));
    seeds
}

/// Bytes that mean something to YAML (or to our grammar), used to mutate.
const YAML_BYTES: &[u8] = b":-{}[],&*!|>\"'#%@`\t\n ?~0123456789.";

/// One mutation of `input`, chosen by `(op, at, len, byte)`.
fn mutate(input: &[u8], op: u8, at: usize, len: usize, byte: u8) -> Vec<u8> {
    let mut v = input.to_vec();
    if v.is_empty() {
        return vec![byte];
    }
    let at = at % v.len();
    let end = (at + len % 64).min(v.len());
    match op % 8 {
        0 => v[at] = YAML_BYTES[byte as usize % YAML_BYTES.len()],
        1 => v.insert(at, YAML_BYTES[byte as usize % YAML_BYTES.len()]),
        2 => {
            v.drain(at..end);
        }
        3 => {
            // Duplicate a range (repeated keys, lists, anchors).
            let chunk: Vec<u8> = v[at..end].to_vec();
            v.splice(at..at, chunk);
        }
        4 => v[at] = byte, // any byte, invalid UTF-8 included
        5 => {
            // Indent or dedent the line holding `at`.
            let start = v[..at].iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
            if byte.is_multiple_of(2) {
                v.splice(start..start, [b' ', b' ']);
            } else if v.get(start) == Some(&b' ') {
                v.remove(start);
            }
        }
        6 => {
            // Swap two lines.
            let text: Vec<&[u8]> = v.split(|b| *b == b'\n').collect();
            let (i, j) = (at % text.len(), (at + len) % text.len());
            let mut lines: Vec<Vec<u8>> = text.iter().map(|l| l.to_vec()).collect();
            lines.swap(i, j);
            v = lines.join(&b'\n');
        }
        _ => v.truncate(at),
    }
    v
}

fn check_policy_input(name: &str, bytes: &[u8]) {
    let start = Instant::now();
    // Validation takes text: the loader has already refused bytes that are not UTF-8 (with
    // their position), so lossy decoding here feeds validation the same kinds of text.
    let text = String::from_utf8_lossy(bytes);
    let result = load_text(name, &text);
    let took = start.elapsed();
    assert!(took < PER_INPUT, "{name}: {took:?} for one input");
    if let Err(diags) = result {
        assert!(!diags.is_empty(), "{name}: an error without a message");
        for d in &diags {
            let shown = d.to_string();
            assert!(shown.starts_with(name), "{name}: not located: {shown}");
            assert!(!shown.contains("budget breached"), "{name}: the parser's debug text: {shown}");
            assert!(!d.message.trim().is_empty(), "{name}: empty message");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn validate_never_panics_and_always_locates_its_errors(
        seed in any::<prop::sample::Index>(),
        ops in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 1..6),
    ) {
        let seeds = policy_seeds();
        let (name, base) = &seeds[seed.index(seeds.len())];
        let mut bytes = base.clone();
        for (op, at, len, byte) in ops {
            bytes = mutate(&bytes, op, at, len, byte);
        }
        check_policy_input(name, &bytes);
    }

    #[test]
    fn the_snapshot_reader_never_panics_on_mutated_describe_files(
        seed in any::<prop::sample::Index>(),
        ops in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 1..6),
    ) {
        let seeds = files_in("examples/account", &["json"]);
        let (name, base) = &seeds[seed.index(seeds.len())];
        let mut bytes = base.clone();
        for (op, at, len, byte) in ops {
            bytes = mutate(&bytes, op, at, len, byte);
        }
        let text = String::from_utf8_lossy(&bytes);
        let kind = if name.contains("db-instances") {
            ResourceKind::Rds
        } else if name.contains("spot") {
            ResourceKind::SpotRequest
        } else {
            ResourceKind::Ec2
        };
        let start = Instant::now();
        let result = parse_describe(kind, &text, &FieldSet::all());
        prop_assert!(start.elapsed() < PER_INPUT);
        if let Err(e) = result {
            // serde_json's errors carry the line and column in the original file.
            prop_assert!(e.line() > 0 || e.is_data(), "{name}: {e}");
        }
    }
}

#[test]
fn every_seed_is_what_the_fuzzer_mutates() {
    // The shipped policies validate; each invalid fixture fails with a located message.
    let seeds = policy_seeds();
    assert!(seeds.len() > 50, "{}", seeds.len());
    for (name, bytes) in &seeds {
        check_policy_input(name, bytes);
    }
}
