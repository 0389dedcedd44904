//! Bundles the repository's `policies/*.yml` into the function at build time.

use std::path::Path;

fn main() {
    // Read at run time, not compile time: a build-script binary reused from a checkout at
    // another path must still read this checkout's policies.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../policies");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the policies to bundle, {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")));
    files.sort();
    let mut code = String::from("/// The policy files bundled at build time: (name, text).\npub const BUNDLED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = format!("policies/{}", f.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
        let path = f.canonicalize().expect("policy file path");
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_policies.rs");
    std::fs::write(out, code).expect("write bundled_policies.rs");
}
