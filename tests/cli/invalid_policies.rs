//! Every file in tests/invalid/ is rejected by `custodian validate` with the errors its
//! `# expect: LINE:COL: message` comments name, located in that file, without a panic.

use crate::util::{custodian, root};

#[test]
fn each_invalid_policy_is_rejected_at_the_right_place() {
    let dir = root().join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 25, "at least 25 invalid policy files, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        let expects: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expects.is_empty(), "{rel} has no '# expect:' line");
        let out = custodian(["validate", rel.as_str()]);
        if out.code != 1 {
            failures.push(format!("{rel}: exit code {} (want 1)\n{}", out.code, out.stderr));
            continue;
        }
        for e in &expects {
            let want = format!("{rel}:{e}");
            if !out.stderr.contains(&want) {
                failures.push(format!("{rel}: missing\n  {want}\ngot:\n{}", out.stderr));
            }
        }
        let reported = out.stderr.lines().filter(|l| l.starts_with(&format!("{rel}:"))).count();
        if reported != expects.len() {
            failures.push(format!(
                "{rel}: {reported} errors reported, {} expected\n{}",
                expects.len(),
                out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn errors_show_the_offending_line_with_a_caret() {
    let out = custodian(["validate", "tests/invalid/unknown-op.yml"]);
    assert!(
        out.stderr.contains(" 8 |         op: equals\n   |             ^^^^^^"),
        "{}",
        out.stderr
    );
}

#[test]
fn errors_from_several_files_are_reported_together() {
    let out = custodian([
        "validate",
        "tests/invalid/unknown-op.yml",
        "tests/invalid/bad-regex.yml",
        "policies",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("tests/invalid/unknown-op.yml:8:13"));
    assert!(out.stderr.contains("tests/invalid/bad-regex.yml:9:16"));
    assert!(out.stderr.contains("2 errors"), "{}", out.stderr);
}

#[test]
fn duplicate_names_across_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yml");
    let b = dir.path().join("sub/b.yaml");
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    std::fs::write(&a, "policies:\n  - name: same\n    resource: ec2\n").unwrap();
    std::fs::write(
        &b,
        "policies:\n  - name: other\n    resource: rds\n  - name: same\n    resource: rds\n",
    )
    .unwrap();
    let out = custodian(["validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("b.yaml:4:11: duplicate policy name 'same' (first defined at"),
        "{}",
        out.stderr
    );
}

#[test]
fn shipped_policies_are_valid() {
    let out = custodian(["validate", "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "13 policies valid in 4 files");
}

#[test]
fn missing_paths_are_input_errors() {
    let out = custodian(["validate", "no/such/dir"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no/such/dir: no such file or directory"), "{}", out.stderr);
}

#[test]
fn accepted_keys_without_effect_are_located_warnings_not_silence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yml");
    std::fs::write(
        &file,
        "policies:\n  - name: periodic\n    resource: ec2\n    mode:\n      type: periodic\n      schedule: rate(1 hour)\n      role: arn:aws:iam::123456789012:role/custodian\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = custodian(["validate", path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{path}:7:7: warning: mode key 'role' configures Cloud Custodian's own Lambda deployment"
        )),
        "{}",
        out.stderr
    );
    let out = custodian([
        "run",
        "--dryrun",
        "--snapshot",
        "examples/account",
        "-s",
        dir.path().join("o").to_str().unwrap(),
        path,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning: mode key 'role'"), "{}", out.stderr);
}

#[test]
fn validate_speaks_sarif_github_and_json_for_ci() {
    let out = custodian(["validate", "--format", "github", "tests/invalid/unknown-filter.yml"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "::error file=tests/invalid/unknown-filter.yml,line=6,col=15,endColumn=28,title=custodian unknown-filter::unknown filter 'instance-agee' (did you mean 'instance-age'?)\n"
    );
    let out = custodian(["validate", "--format", "sarif", "tests/invalid/many-errors.yml"]);
    assert_eq!(out.code, 1);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let text = std::fs::read_to_string(crate::util::root().join("tests/invalid/many-errors.yml")).unwrap();
    assert_eq!(results.len(), text.lines().filter(|l| l.starts_with("# expect: ")).count());
    let out = custodian(["validate", "--format", "json", "policies/"]);
    assert_eq!((out.code, out.stdout.trim()), (0, "[]"), "valid policies: an empty list");
}
