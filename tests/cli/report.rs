//! `custodian report` over a run's output directory.

use crate::util::custodian;

fn example_run(dir: &std::path::Path) {
    let out = custodian([
        "run",
        "--dryrun",
        "--snapshot",
        "examples/account",
        "--now",
        "2026-11-23T15:00:00Z",
        "-s",
        dir.to_str().unwrap(),
        "policies/",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn csv_has_c7n_default_columns() {
    let dir = tempfile::tempdir().unwrap();
    example_run(dir.path());
    let out = custodian([
        "report",
        "-s",
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
        "-p",
        "ec2-gpu-*",
        "policies/",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "\"Policy\",\"Region\",\"InstanceId\",\"tag:Name\",\"InstanceType\",\"LaunchTime\",\"VpcId\",\"PrivateIpAddress\""
    );
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("\"ec2-gpu-without-approval\",\"us-east-1\",\"i-0gpu000000000001\",\"train-exp\",\"p3.2xlarge\"")),
        "{}",
        out.stdout
    );
}

#[test]
fn markdown_is_a_pull_request_summary() {
    let dir = tempfile::tempdir().unwrap();
    example_run(dir.path());
    let out = custodian(["report", "-s", dir.path().to_str().unwrap(), "--format", "markdown", "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.starts_with("## custodian dry run"), "{md}");
    assert!(
        md.contains("### `gpu-spot-requests-forgotten` (aws.ec2-spot-request, us-east-1): 2 matched"),
        "{md}"
    );
    assert!(md.contains("- cancel: would act on 2 in 2 calls"), "{md}");
    // Two p4d.24xlarge requests (one open, one active), at most on-demand: 2 x 21.957642 x 730.
    assert!(
        md.contains("- cost: up to $32,058.16/month matched, up to $32,058.16/month saved"),
        "{md}"
    );
    assert!(md.contains("prices: AWS on-demand list prices of 2026-07-20"), "{md}");
    let row = md.lines().find(|l| l.starts_with("| sir-0forgotten00001 |")).unwrap();
    assert!(row.ends_with("| up to $16,029.08 |"), "each finding carries its cost: {row}");
    assert!(md.contains("| sir-0forgotten00001 | open | one-time | p4d.24xlarge |"), "{md}");
    assert!(!md.contains("@example.com"), "resource strings are escaped");
}

#[test]
fn json_and_table_formats() {
    let dir = tempfile::tempdir().unwrap();
    example_run(dir.path());
    let out = custodian([
        "report",
        "-s",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "-p",
        "rds-*",
        "policies/",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(v[0]["policy"], "rds-required-tags-mark");
    let out = custodian([
        "report",
        "-s",
        dir.path().to_str().unwrap(),
        "-p",
        "rds-required-tags-enforce",
        "policies/",
    ]);
    assert!(out.stdout.contains("tmp-migration"), "{}", out.stdout);
    let out = custodian(["report", "-s", "/nonexistent", "policies/"]);
    assert_eq!(out.code, 1);
}
