//! The import graph between top-level modules has no cycles (code outside tests), in this crate
//! and in the AWS crate: each capability lands in one layer, and layers import downwards only.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module -> the top-level modules its non-test code names as `crate::x`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if module == "lib" || module == "main" || name == "tests.rs" || rel.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let entry = g.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let target: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_module = src.join(format!("{target}.rs")).exists() || src.join(&target).is_dir();
            if !target.is_empty() && target != module && is_module {
                entry.insert(target);
            }
        }
    }
    g
}

fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycles_between_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for src in [root.join("src"), root.join("../aws/src")] {
        let g = graph(&src);
        assert!(g.len() > 3, "{}: modules found {g:?}", src.display());
        if let Some(c) = cycle(&g) {
            panic!("{}: import cycle {}\n{g:#?}", src.display(), c.join(" -> "));
        }
    }
}

#[test]
fn the_layers_run_downwards() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let below = |m: &str, forbidden: &[&str]| {
        for f in forbidden {
            assert!(!g.get(m).is_some_and(|s| s.contains(*f)), "{m} imports {f}: {g:#?}");
        }
    };
    below("input", &["policy", "filter", "action", "resource", "schedule", "engine", "report"]);
    below("resource", &["policy", "filter", "action", "schedule", "engine", "report"]);
    below("schedule", &["policy", "filter", "action", "engine", "report"]);
    below("filter", &["policy", "engine", "report"]);
    below("action", &["policy", "filter", "engine", "report"]);
    below("policy", &["engine", "report", "deploy", "event"]);
    below("event", &["engine", "report", "deploy"]);
    // Organization runs sit on top: they use the engine and reports, nothing uses them.
    for m in [
        "input", "resource", "schedule", "filter", "action", "policy", "event", "engine", "report", "deploy",
    ] {
        below(m, &["org"]);
    }
}
