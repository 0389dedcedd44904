//! `custodian plan`: two policy sets over the example snapshot, differing in a filter, a
//! threshold, an action, an added, a removed and a renamed policy; exact ids, action changes
//! and money, hand-computed from the embedded price table (us-east-1, prices of 2026-07-20 for
//! EC2 and 2026-08-17 for RDS).

use crate::util::{custodian, read_json};
use serde_json::{json, Value};

const BASE: &str = "policies:
  - name: gpu-stop
    resource: ec2
    filters:
      - {type: value, key: InstanceType, op: regex, value: '^p[0-9]'}
    actions: [stop]
  - name: spot-age
    resource: ec2-spot-request
    filters:
      - {type: instance-age, hours: 24}
    actions: [cancel]
  - name: dev-tag
    resource: ec2
    filters:
      - tag:Environment: dev
    actions:
      - {type: tag, tags: {env: dev}}
  - name: old-untagged
    resource: ec2
    filters:
      - {type: tag-count, count: 0, op: eq}
    actions:
      - {type: tag, tags: {untagged: 'yes'}}
  - name: stopped-tag
    resource: ec2
    filters:
      - State.Name: stopped
    actions:
      - {type: tag, tags: {stopped: 'yes'}}
  - name: same-everywhere
    resource: rds
    filters:
      - Engine: postgres
";

const HEAD: &str = "policies:
  - name: gpu-stop
    resource: ec2
    filters:
      - {type: value, key: InstanceType, op: regex, value: '^(p|g)[0-9]'}
    actions: [stop]
  - name: spot-age
    resource: ec2-spot-request
    filters:
      - {type: instance-age, hours: 48}
    actions: [cancel]
  - name: dev-tag
    resource: ec2
    filters:
      - tag:Environment: dev
    actions:
      - {type: tag, tags: {env: dev}}
      - stop
  - name: tag-stopped-instances
    resource: ec2
    filters:
      - State.Name: stopped
    actions:
      - {type: tag, tags: {stopped: 'yes'}}
  - name: same-everywhere
    resource: rds
    filters:
      - Engine: postgres
  - name: rds-stop-reporting
    resource: rds
    filters:
      - DBInstanceIdentifier: reporting-dev
    actions: [stop]
";

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap();
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

#[test]
fn plan_reports_exact_ids_action_changes_and_money() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::create_dir_all(dir.path().join("head")).unwrap();
    std::fs::write(dir.path().join("base/p.yml"), BASE).unwrap();
    std::fs::write(dir.path().join("head/p.yml"), HEAD).unwrap();
    let out_dir = dir.path().join("out");
    let args = |format: &str| {
        vec![
            "plan".to_string(),
            "--base".into(),
            dir.path().join("base").display().to_string(),
            "--head".into(),
            dir.path().join("head").display().to_string(),
            "--snapshot".into(),
            "examples/account".into(),
            "-r".into(),
            "us-east-1".into(),
            "--now".into(),
            "2026-11-23T15:00:00Z".into(),
            "-s".into(),
            out_dir.display().to_string(),
            "--format".into(),
            format.into(),
        ]
    };
    let out = custodian(args("json"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan, read_json(&out_dir.join("plan.json")));
    assert_eq!(plan["unchanged"], 1, "same-everywhere");
    let p = |name: &str| -> Value {
        plan["policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["policy"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let hours = 730.0;

    // A filter: g5.xlarge ($1.006/h) is newly matched and newly stopped.
    let gpu = p("gpu-stop");
    assert_eq!(gpu["change"], "changed");
    assert_eq!(gpu["newly_matched"], json!(["i-0gpu000000000002"]));
    assert_eq!(gpu["no_longer_matched"], json!([]));
    assert_eq!(gpu["unchanged"], 2);
    assert_eq!(
        gpu["actions"],
        json!([{"action": "stop", "newly": ["i-0gpu000000000002"], "no_longer": []}])
    );
    close(&gpu["newly_matched_monthly_usd"], 1.006 * hours);
    close(&gpu["saving_change_monthly_usd"], 1.006 * hours);

    // A threshold: requests older than 48 h instead of 24 h no longer catch the active p4d one
    // (40 h) and the approved g6.xlarge one (exactly 48 h: not older); priced up to on-demand.
    let spot = p("spot-age");
    assert_eq!(spot["no_longer_matched"], json!(["sir-0active0000001", "sir-0approved00001"]));
    assert_eq!(
        spot["actions"],
        json!([{"action": "cancel", "newly": [], "no_longer": ["sir-0active0000001", "sir-0approved00001"]}])
    );
    close(&spot["no_longer_matched_monthly_usd"], (21.957642 + 0.8048) * hours);
    close(&spot["saving_change_monthly_usd"], -(21.957642 + 0.8048) * hours);
    assert_eq!(spot["head"]["upper_bound"], true);

    // An action: dev instances are now also stopped, except the GPU ones gpu-stop stops first.
    let dev = p("dev-tag");
    assert_eq!(dev["newly_matched"], json!([]));
    let stop = [
        "i-0bad000000000001",
        "i-0de0000000000001",
        "i-0de0000000000002",
        "i-0de0000000000004",
        "i-0fixed0000000001",
    ];
    assert_eq!(dev["actions"], json!([{"action": "stop", "newly": stop, "no_longer": []}]));
    // t3.micro 0.0104, t3.medium 0.0416 x 2, t3.small 0.0208, t3.large 0.0832 USD/h.
    close(&dev["saving_change_monthly_usd"], (0.0104 + 0.0416 * 2.0 + 0.0208 + 0.0832) * hours);

    // Added, removed, renamed.
    let added = p("rds-stop-reporting");
    assert_eq!(added["change"], "added");
    assert_eq!(added["newly_matched"], json!(["reporting-dev"]));
    close(&added["saving_change_monthly_usd"], 0.068 * hours);
    let removed = p("old-untagged");
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["no_longer_matched"], json!(["i-0bad000000000003", "i-0dead00000000001"]));
    assert_eq!(
        removed["actions"][0]["no_longer"],
        json!(["i-0bad000000000003", "i-0dead00000000001"])
    );
    let renamed = p("tag-stopped-instances");
    assert_eq!(renamed["change"], json!({"renamed": {"from": "stopped-tag"}}));
    assert_eq!(renamed["newly_matched"], json!([]));
    assert_eq!(renamed["actions"], json!([]));
    assert_eq!(p("stopped-tag"), Value::Null, "a rename is not also a removal");
    assert_eq!(plan["policies"].as_array().unwrap().len(), 6);

    // The table and the gate.
    let out = custodian(args("table"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // 16,616.58 less saved by spot-age, 734.38 + 144.25 + 49.64 more by the stops.
    let headline = "+7 resources to stop; 2 resources no longer to cancel; 2 resources no longer to tag; \
                    up to $15,688.31/month less saved; 1 policy added; 1 policy removed; 1 policy renamed; 3 policies changed";
    assert!(out.stdout.lines().any(|l| l == headline), "{}", out.stdout);
    let mut gated = args("table");
    gated.push("--fail-on-new-actions".into());
    assert_eq!(custodian(gated).code, 3, "new actions fail the gate");
}

/// The pull-request comment for the change above, on the example snapshot, against the golden
/// file (`CUSTODIAN_BLESS=1` rewrites it). The first line, the marker, carries the run's time.
#[test]
fn the_pull_request_comment_matches_its_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::create_dir_all(dir.path().join("head")).unwrap();
    std::fs::write(dir.path().join("base/p.yml"), BASE).unwrap();
    std::fs::write(dir.path().join("head/p.yml"), HEAD).unwrap();
    let out = custodian([
        "plan",
        "--base",
        dir.path().join("base").to_str().unwrap(),
        "--head",
        dir.path().join("head").to_str().unwrap(),
        "--snapshot",
        "examples/account",
        "-r",
        "us-east-1",
        "--now",
        "2026-11-23T15:00:00Z",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (marker, body) = out.stdout.split_once('\n').unwrap();
    assert!(
        marker.starts_with("<!-- custodian-plan generated=") && marker.ends_with(" -->"),
        "{marker}"
    );
    let golden = crate::util::root().join("tests/golden/plan-comment.md");
    if std::env::var_os("CUSTODIAN_BLESS").is_some() {
        std::fs::write(&golden, body).unwrap();
    }
    assert_eq!(body, std::fs::read_to_string(&golden).unwrap());
}

#[test]
fn base_ref_reads_the_policies_from_git_without_checking_out() {
    let out = custodian([
        "plan",
        "--base-ref",
        "HEAD",
        "--head",
        "policies/",
        "--snapshot",
        "examples/account",
        "--now",
        "2026-11-23T15:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["policies"], json!([]), "the committed policies are the working tree's");
    assert_eq!(plan["unchanged"], 22, "11 policies x 2 regions");
    let bad = custodian([
        "plan",
        "--base-ref",
        "no-such-rev",
        "--head",
        "policies/",
        "--snapshot",
        "examples/account",
    ]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("--base-ref: git ls-tree"), "{}", bad.stderr);
}

/// A hostile `Name` tag in the account cannot inject Markdown, HTML or mentions into the comment.
#[test]
fn hostile_tag_values_are_escaped_in_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap/us-east-1");
    std::fs::create_dir_all(&snap).unwrap();
    let src = crate::util::root().join("examples/account/us-east-1");
    for f in [
        "describe-instances.json",
        "describe-db-instances.json",
        "describe-spot-instance-requests.json",
    ] {
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        let hostile = serde_json::to_string("<img src=x onerror=alert(1)> @org/team | ```\nfence").unwrap();
        std::fs::write(snap.join(f), text.replace("\"inference\"", &hostile)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::create_dir_all(dir.path().join("head")).unwrap();
    std::fs::write(dir.path().join("base/p.yml"), BASE).unwrap();
    std::fs::write(dir.path().join("head/p.yml"), HEAD).unwrap();
    let out = custodian([
        "plan",
        "--base",
        dir.path().join("base").to_str().unwrap(),
        "--head",
        dir.path().join("head").to_str().unwrap(),
        "--snapshot",
        dir.path().join("snap").to_str().unwrap(),
        "--now",
        "2026-11-23T15:00:00Z",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = out.stdout.split_once('\n').unwrap().1;
    assert!(
        body.contains("| i-0gpu000000000002 | &lt;img src=x onerror=alert&#40;1&#41;&gt; &#64;org/team &#124; &#96;&#96;&#96; fence |"),
        "{body}"
    );
    for bad in ["<img", "@org", "```"] {
        assert!(!body.contains(bad), "{bad} leaked:\n{body}");
    }
}
