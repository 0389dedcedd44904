//! `custodian run` end to end on the example account snapshot.

use crate::util::{custodian, dry_run_policy, ids, read_json};
use serde_json::json;
use std::path::Path;

const NOW: &str = "2026-11-23T15:00:00Z";

fn run_example(out: &Path, extra: &[&str]) -> crate::util::Output {
    let mut args = vec!["run", "--snapshot", "examples/account", "--now", NOW, "-s", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("policies/");
    custodian(args)
}

#[test]
fn example_account_exact_matches_per_policy_and_region() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_example(dir.path(), &["--dryrun"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let expected: &[(&str, &str, &str, &[&str])] = &[
        ("us-east-1", "ec2-gpu-without-approval", "InstanceId", &["i-0gpu000000000001"]),
        (
            "us-east-1",
            "gpu-spot-requests-forgotten",
            "SpotInstanceRequestId",
            &["sir-0forgotten00001", "sir-0active0000001"],
        ),
        (
            "us-east-1",
            "ec2-required-tags-mark",
            "InstanceId",
            &[
                "i-0bad000000000001",
                "i-0bad000000000002",
                "i-0bad000000000003",
                "i-0bad000000000004",
            ],
        ),
        ("us-east-1", "ec2-required-tags-enforce", "InstanceId", &["i-0bad000000000005"]),
        ("us-east-1", "ec2-required-tags-unmark", "InstanceId", &["i-0fixed0000000001"]),
        (
            "us-east-1",
            "rds-required-tags-mark",
            "DBInstanceIdentifier",
            &["reporting-dev", "analytics-aurora-1", "sandbox-db"],
        ),
        ("us-east-1", "rds-required-tags-enforce", "DBInstanceIdentifier", &["tmp-migration"]),
        ("eu-west-1", "ec2-gpu-without-approval", "InstanceId", &["i-0eugpu0000000001"]),
        (
            "eu-west-1",
            "gpu-spot-requests-forgotten",
            "SpotInstanceRequestId",
            &["sir-0eu00000000001"],
        ),
        ("eu-west-1", "ec2-required-tags-mark", "InstanceId", &["i-0eubad0000000001"]),
        ("eu-west-1", "ec2-required-tags-enforce", "InstanceId", &[]),
        ("eu-west-1", "ec2-required-tags-unmark", "InstanceId", &[]),
        ("eu-west-1", "rds-required-tags-mark", "DBInstanceIdentifier", &["eu-legacy"]),
        ("eu-west-1", "rds-required-tags-enforce", "DBInstanceIdentifier", &[]),
        // Monday 10:00 in New York: inside on hours, so off-hours policies find nothing.
        ("us-east-1", "ec2-offhours-stop", "InstanceId", &[]),
        ("us-east-1", "ec2-onhours-start", "InstanceId", &[]),
        ("us-east-1", "rds-offhours-stop", "DBInstanceIdentifier", &[]),
        ("us-east-1", "rds-onhours-start", "DBInstanceIdentifier", &[]),
    ];
    for (region, policy, id, want) in expected {
        let got = ids(&dir.path().join(region).join(policy).join("resources.json"), id);
        assert_eq!(got, *want, "{region}/{policy}");
        let meta = read_json(&dir.path().join(region).join(policy).join("metadata.json"));
        assert_eq!(meta["status"], "ok");
        assert_eq!(meta["counts"]["matched"], want.len());
        assert_eq!(meta["config"]["dryrun"], true);
        assert_eq!(meta["execution"]["now"], NOW);
    }
    assert!(out.stdout.contains("dry run of 11 policies over 2 regions"), "{}", out.stdout);
}

#[test]
fn plans_are_exact_requests() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_example(dir.path(), &["--dryrun", "-r", "us-east-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One region: c7n's single-region layout, OUT/<policy>/.
    let spot = read_json(&dir.path().join("gpu-spot-requests-forgotten/metadata.json"));
    assert_eq!(
        spot["actions"],
        json!([{
            "action": "cancel", "applied": false, "targets": 2, "skipped": [],
            "requests": [
                {"api": "ec2:CancelSpotInstanceRequests", "ids": ["sir-0forgotten00001", "sir-0active0000001"]},
                {"api": "ec2:TerminateInstances", "ids": ["i-0gpu000000000003"]}
            ]
        }])
    );
    let mark = read_json(&dir.path().join("ec2-required-tags-mark/metadata.json"));
    assert_eq!(
        mark["actions"][0]["requests"][0],
        json!({"api": "ec2:CreateTags", "ids": ["i-0bad000000000001", "i-0bad000000000002", "i-0bad000000000003", "i-0bad000000000004"],
               "params": {"Tags": [{"Key": "maid_status", "Value": "Missing required tags (Environment, CostCenter, Owner): stop@2026/11/27"}]}})
    );
    let rds = read_json(&dir.path().join("rds-required-tags-enforce/metadata.json"));
    assert_eq!(
        rds["actions"][0]["requests"],
        json!([{"api": "rds:StopDBInstance", "ids": ["tmp-migration"]}])
    );
    let gpu = read_json(&dir.path().join("ec2-gpu-without-approval/metadata.json"));
    assert_eq!(gpu["actions"][0]["requests"][0]["api"], "ec2:CreateTags");
    assert_eq!(
        gpu["actions"][1]["requests"],
        json!([{"api": "ec2:StopInstances", "ids": ["i-0gpu000000000001"]}])
    );
}

#[test]
fn implicit_state_filters_record_skips() {
    let policy =
        "policies:\n  - name: stop-dev\n    resource: ec2\n    filters:\n      - tag:Environment: dev\n    actions:\n      - stop\n";
    let (dir, out) = dry_run_policy(policy, &["-r", "us-east-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let meta = read_json(&dir.path().join("o/stop-dev/metadata.json"));
    let skipped = meta["actions"][0]["skipped"].as_array().unwrap();
    let skipped_ids: Vec<&str> = skipped.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(skipped_ids, vec!["i-0de0000000000003"]);
    assert_eq!(skipped[0]["reason"], "state is 'stopped', stop needs 'running'");
    assert!(out.stdout.contains("stop 7 (1 skipped)"), "{}", out.stdout);
}

#[test]
fn now_moves_age_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let spot_ids = |now: &str| {
        let o = dir.path().join(now.replace(':', ""));
        let out = custodian([
            "run",
            "--dryrun",
            "--snapshot",
            "examples/account",
            "-r",
            "us-east-1",
            "-p",
            "gpu-spot-*",
            "--now",
            now,
            "-s",
            o.to_str().unwrap(),
            "policies/",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        ids(&o.join("gpu-spot-requests-forgotten/resources.json"), "SpotInstanceRequestId")
    };
    // The fresh request was created at 14:00; it is "forgotten" once older than four hours.
    assert!(!spot_ids("2026-11-23T16:30:00Z").contains(&"sir-0fresh00000001".to_string()));
    assert!(spot_ids("2026-11-23T18:30:00Z").contains(&"sir-0fresh00000001".to_string()));
}

#[test]
fn propagate_spot_tags_copies_the_request_tags_read_from_the_snapshot() {
    // The example account, with a tag on the active request its instance lacks.
    let snap = tempfile::tempdir().unwrap();
    let region = snap.path().join("us-east-1");
    std::fs::create_dir_all(&region).unwrap();
    for f in ["describe-instances.json", "describe-spot-instance-requests.json"] {
        std::fs::copy(format!("examples/account/us-east-1/{f}"), region.join(f)).unwrap();
    }
    let requests = region.join("describe-spot-instance-requests.json");
    let mut doc = read_json(&requests);
    for r in doc["SpotInstanceRequests"].as_array_mut().unwrap() {
        if r["SpotInstanceRequestId"] == "sir-0active0000001" {
            r["Tags"].as_array_mut().unwrap().push(json!({"Key": "Team", "Value": "ml"}));
        }
    }
    std::fs::write(&requests, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (dir, out) = crate::util::dry_run_policy_on(
        snap.path().to_str().unwrap(),
        "policies:\n  - name: spot-tags\n    resource: ec2\n    filters:\n      - InstanceLifecycle: spot\n    actions:\n      - propagate-spot-tags\n",
        &[],
    );
    let out_dir = dir.path().join("o");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let meta = read_json(&out_dir.join("spot-tags/metadata.json"));
    assert_eq!(
        meta["actions"][0]["requests"],
        json!([{"api": "ec2:CreateTags", "ids": ["i-0gpu000000000003"],
                "params": {"Tags": [{"Key": "Name", "Value": "big-train"}, {"Key": "Team", "Value": "ml"}]}}])
    );
}

#[test]
fn rds_engine_upgrade_and_snapshot_filters_over_a_snapshot() {
    // The example account's RDS instances, with engine versions and snapshots recorded beside.
    let snap = tempfile::tempdir().unwrap();
    let region = snap.path().join("us-east-1");
    std::fs::create_dir_all(&region).unwrap();
    std::fs::copy(
        "examples/account/us-east-1/describe-db-instances.json",
        region.join("describe-db-instances.json"),
    )
    .unwrap();
    let version = |v: &str, status: &str, targets: &[(&str, bool)]| {
        json!({"Engine": "postgres", "EngineVersion": v, "Status": status,
               "ValidUpgradeTarget": targets.iter().map(|(t, major)| json!({"EngineVersion": t, "IsMajorVersionUpgrade": major})).collect::<Vec<_>>()})
    };
    let engines = json!({"Engines": [{"Engine": "postgres", "DBEngineVersions": [
        version("15.8", "deprecated", &[("15.10", false), ("16.4", true)]),
        version("16.4", "available", &[("16.6", false)]),
        version("16.6", "available", &[])]}]});
    std::fs::write(region.join("describe-db-engine-versions.json"), engines.to_string()).unwrap();
    let snapshots = json!({"DBInstanceSnapshots": [{"DBInstanceIdentifier": "orders-prod", "DBSnapshots": [
        {"SnapshotCreateTime": "2026-11-22T03:00:00Z", "Status": "available"},
        {"SnapshotCreateTime": "2026-11-21T03:00:00Z", "Status": "available"}]}]});
    std::fs::write(region.join("describe-db-snapshots.json"), snapshots.to_string()).unwrap();
    let p = |name: &str, filter: &str| format!("  - name: {name}\n    resource: rds\n    filters:\n{filter}");
    let yaml = format!(
        "policies:\n{}{}{}",
        p(
            "deprecated-engine",
            "      - type: engine\n        key: Status\n        value: deprecated\n"
        ),
        p("minor-upgrade", "      - type: upgrade-available\n"),
        p("backed-up-daily", "      - type: consecutive-snapshots\n        days: 2\n"),
    );
    let (dir, out) = crate::util::dry_run_policy_on(snap.path().to_str().unwrap(), &yaml, &["--now", "2026-11-23T15:00:00Z"]);
    let out_dir = dir.path().join("o");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let ids = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = read_json(&out_dir.join(name).join("resources.json"))
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["DBInstanceIdentifier"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("deprecated-engine"), vec!["sandbox-db"]);
    assert_eq!(
        ids("minor-upgrade"),
        vec!["orders-prod", "tmp-migration"],
        "15.8 is deprecated: not listed by c7n's call"
    );
    assert_eq!(ids("backed-up-daily"), vec!["orders-prod"]);
}

#[test]
fn conditions_decide_where_a_policy_runs_and_a_skip_is_not_a_failure() {
    let policy = "policies:\n  - name: east-only\n    resource: ec2\n    conditions:\n      - region: us-east-1\n    filters:\n      - tag:Environment: prod\n  - name: until-2020\n    resource: ec2\n    end: '2020-01-01'\n";
    let (dir, out) = dry_run_policy(policy, &["-r", "us-east-1", "-r", "eu-west-1"]);
    let o = dir.path().join("o");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("policy 'east-only' skipped in eu-west-1: its conditions do not hold here"),
        "{}",
        out.stderr
    );
    let east = read_json(&o.join("us-east-1/east-only/metadata.json"));
    assert_eq!(east["status"], "ok");
    assert!(!read_json(&o.join("us-east-1/east-only/resources.json"))
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(read_json(&o.join("eu-west-1/east-only/metadata.json"))["status"], "skipped");
    assert_eq!(
        read_json(&o.join("us-east-1/until-2020/metadata.json"))["status"],
        "skipped",
        "c7n's end key"
    );
}

#[test]
fn max_resources_stops_the_policy_but_not_the_others() {
    let policy = "policies:\n  - name: too-many\n    resource: ec2\n    max-resources: 2\n    filters:\n      - tag:Environment: prod\n    actions:\n      - stop\n  - name: fine\n    resource: ec2\n    filters:\n      - tag:Environment: dev\n";
    let (dir, out) = dry_run_policy(policy, &["-r", "us-east-1"]);
    let o = dir.path().join("o");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("policy 'too-many' in us-east-1: max-resources exceeded: 9 matched, limit 2 resources; no action was taken"),
        "{}",
        out.stderr
    );
    let meta = read_json(&o.join("too-many/metadata.json"));
    assert_eq!(meta["status"], "limit-exceeded");
    assert_eq!(meta["actions"], json!([]));
    assert!(
        !o.join("too-many/resources.json").exists(),
        "c7n writes no resources.json when the guard trips"
    );
    assert_eq!(read_json(&o.join("fine/metadata.json"))["status"], "ok");
    assert!(out.stdout.contains("LIMIT EXCEEDED"));
}

#[test]
fn a_malformed_snapshot_file_fails_its_policies_only() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap/us-west-2");
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::write(
        snap.join("describe-instances.json"),
        "{\"Reservations\": [\n  {\"Instances\": [}\n]}",
    )
    .unwrap();
    std::fs::write(
        snap.join("describe-db-instances.json"),
        "{\"DBInstances\": [{\"DBInstanceIdentifier\": \"db1\", \"TagList\": []}]}",
    )
    .unwrap();
    let o = dir.path().join("o");
    let out = custodian([
        "run",
        "--dryrun",
        "--snapshot",
        dir.path().join("snap").to_str().unwrap(),
        "-s",
        o.to_str().unwrap(),
        "policies/",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("describe-instances.json:2:18: invalid JSON"), "{}", out.stderr);
    assert_eq!(read_json(&o.join("ec2-required-tags-mark/metadata.json"))["status"], "failed");
    assert_eq!(
        ids(&o.join("rds-required-tags-mark/resources.json"), "DBInstanceIdentifier"),
        vec!["db1"]
    );
    // Spot requests: no file means no resources, not an error.
    assert_eq!(
        ids(&o.join("gpu-spot-requests-forgotten/resources.json"), "SpotInstanceRequestId"),
        Vec::<String>::new()
    );
}

#[test]
fn snapshot_runs_without_dryrun_say_nothing_was_applied() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_example(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("a snapshot is read-only: the 16 planned API calls above were NOT applied"),
        "{}",
        out.stdout
    );
    let meta = read_json(&dir.path().join("us-east-1/ec2-gpu-without-approval/metadata.json"));
    assert_eq!(meta["config"]["dryrun"], false);
    assert_eq!(meta["actions"][1]["applied"], false);
}

#[test]
fn exit_codes_for_findings_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_example(dir.path(), &["--dryrun", "--fail-on-findings"]).code, 3);
    let out = run_example(dir.path(), &["--dryrun", "-r", "us-east-2"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("-r us-east-2: no such region in snapshot examples/account (did you mean 'us-east-1'?)"),
        "{}",
        out.stderr
    );
    let out = custodian([
        "run",
        "--dryrun",
        "--now",
        "yesterday",
        "--snapshot",
        "examples/account",
        "policies/",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--now: 'yesterday' is not an RFC 3339 instant"));
    // Without --snapshot the run goes to AWS; with no region configured it stops before any call.
    let out = custodian(["run", "policies/"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no region: pass -r REGION"), "{}", out.stderr);
    let out = run_example(dir.path(), &["--dryrun", "-p", "nothing-*"]);
    assert_eq!(out.code, 1);
}

#[test]
fn invalid_policies_stop_the_run_before_anything_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let out = custodian([
        "run",
        "--dryrun",
        "--snapshot",
        "examples/account",
        "-s",
        dir.path().to_str().unwrap(),
        "policies/",
        "tests/invalid/unknown-op.yml",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("tests/invalid/unknown-op.yml:8:13: unknown op 'equals'"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

/// Two policies over the same instances, in both orders: each policy's `resources.json` is the
/// same byte for byte (filters see the fetched state, as Cloud Custodian), and the later
/// policy's actions skip what the earlier one already changed, naming it.
#[test]
fn matches_do_not_depend_on_policy_order_and_later_skips_name_the_earlier_policy() {
    let dir = tempfile::tempdir().unwrap();
    let stop = dir.path().join("stop-gpu.yml");
    let terminate = dir.path().join("terminate-ml.yml");
    std::fs::write(
        &stop,
        "policies:\n  - name: stop-gpu\n    resource: ec2\n    filters:\n      - type: value\n        key: InstanceType\n        op: regex\n        value: '^(p|g)[0-9]'\n    actions:\n      - stop\n",
    )
    .unwrap();
    std::fs::write(
        &terminate,
        "policies:\n  - name: terminate-running-ml\n    resource: ec2\n    filters:\n      - State.Name: running\n      - tag:Owner: ml@example.com\n    actions:\n      - terminate\n",
    )
    .unwrap();
    let run = |first: &std::path::Path, second: &std::path::Path, out: &str| {
        let o = dir.path().join(out);
        let r = custodian([
            "run",
            "--dryrun",
            "--snapshot",
            "examples/account",
            "-r",
            "us-east-1",
            "--now",
            "2026-11-23T15:00:00Z",
            "-s",
            o.to_str().unwrap(),
            first.to_str().unwrap(),
            second.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        o
    };
    let stop_first = run(&stop, &terminate, "a");
    let terminate_first = run(&terminate, &stop, "b");
    let gpus = ["i-0gpu000000000001", "i-0gpu000000000002", "i-0gpu000000000003"];
    for policy in ["stop-gpu", "terminate-running-ml"] {
        let a = std::fs::read(stop_first.join(policy).join("resources.json")).unwrap();
        let b = std::fs::read(terminate_first.join(policy).join("resources.json")).unwrap();
        assert_eq!(a, b, "{policy}: resources.json depends on the order of the files");
        let ids: Vec<String> = read_json(&stop_first.join(policy).join("resources.json"))
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["InstanceId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, gpus, "{policy}");
    }
    let skips = |dir: &std::path::Path, policy: &str| read_json(&dir.join(policy).join("metadata.json"))["actions"][0].clone();
    // Stop first: the three GPU instances are stopping, so they no longer match
    // `State.Name: running`; the terminate policy skips them, naming stop-gpu.
    let later = skips(&stop_first, "terminate-running-ml");
    assert_eq!(later["requests"], json!([]));
    for (s, id) in later["skipped"].as_array().unwrap().iter().zip(gpus) {
        assert_eq!(s["id"], id);
        assert_eq!(s["earlier_policy"], "stop-gpu");
        assert_eq!(s["reason"], "no longer matches the filters after policy 'stop-gpu' (stop)");
    }
    assert_eq!(skips(&stop_first, "stop-gpu")["requests"][0]["ids"], json!(gpus));
    // Terminate first: they are shutting down, so stopping them is moot.
    let later = skips(&terminate_first, "stop-gpu");
    assert_eq!(later["requests"], json!([]));
    for s in later["skipped"].as_array().unwrap() {
        assert_eq!(s["earlier_policy"], "terminate-running-ml");
        assert_eq!(
            s["reason"],
            "after policy 'terminate-running-ml' (terminate): state is 'shutting-down', stop needs 'running'"
        );
    }
    assert_eq!(later["skipped"].as_array().unwrap().len(), 3);
    assert_eq!(skips(&terminate_first, "terminate-running-ml")["requests"][0]["ids"], json!(gpus));
}

/// c7n's "oldest instance per group" example on the example account: `reduce` sees only what
/// the filters before it kept, and the filters after it narrow what it selected.
#[test]
fn reduce_selects_per_group_in_filter_order() {
    let policy = "policies:
  - name: oldest-per-environment
    resource: aws.ec2
    filters:
      - tag:Environment: present
      - type: reduce
        group-by: tag:Environment
        sort-by: {key: LaunchTime, value_type: date}
        limit: 1
      - not:
          - tag:Environment: staging
";
    let (dir, out) = crate::util::dry_run_policy(policy, &["-r", "us-east-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ids = crate::util::ids(&dir.path().join("o/oldest-per-environment/resources.json"), "InstanceId");
    // The oldest dev and prod instances (groups in ascending order); staging's was selected,
    // then dropped by the filter after the reduce.
    assert_eq!(ids, ["i-0de0000000000001", "i-0aa00000000000007"]);
}
