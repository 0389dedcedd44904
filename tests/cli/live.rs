//! End to end against moto: the real AWS SDK over HTTP on 127.0.0.1, fake credentials. Each test
//! takes its own region (moto keeps regions apart), so they run in parallel. `scripts/test.sh`
//! starts moto and sets CUSTODIAN_MOTO_ENDPOINT.

use crate::util::{custodian_env, ids, read_json};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-11-23T15:00:00Z";

/// moto's endpoint and the Python that has boto3.
pub(crate) fn moto_endpoint() -> (String, String) {
    moto()
}

fn moto() -> (String, String) {
    let endpoint = std::env::var("CUSTODIAN_MOTO_ENDPOINT")
        .expect("CUSTODIAN_MOTO_ENDPOINT is unset: run the tests with ./scripts/test.sh, which starts moto");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
    let python = std::env::var("CUSTODIAN_MOTO_PYTHON").expect("CUSTODIAN_MOTO_PYTHON is unset: run ./scripts/test.sh");
    (endpoint, python)
}

pub(crate) fn helper(script: &str, args: &[&str]) -> Value {
    let (endpoint, python) = moto();
    let out = Command::new(python)
        .arg(crate::util::root().join("tests/moto").join(script))
        .arg(&endpoint)
        .args(args)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

pub(crate) fn seed(region: &str) -> Value {
    helper("seed.py", &[region])
}

pub(crate) fn state(region: &str) -> Value {
    helper("state.py", &[region])
}

pub(crate) fn live(args: &[&str]) -> crate::util::Output {
    let (endpoint, _) = moto();
    custodian_env(args, &[("AWS_ENDPOINT_URL", endpoint.as_str())])
}

/// Writes `yaml` to `dir/p.yml` and runs it for real against moto in `region`, outputs in
/// `dir/out`; the run must succeed.
pub(crate) fn run_policy(dir: &Path, region: &str, yaml: &str) {
    let file = dir.join("p.yml");
    std::fs::write(&file, yaml).unwrap();
    let out = live(&["run", "-r", region, "-s", dir.join("out").to_str().unwrap(), file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

pub(crate) fn id<'a>(ids: &'a Value, key: &str) -> &'a str {
    ids[key].as_str().or_else(|| ids[key][0].as_str()).unwrap()
}

#[test]
fn shipped_policies_act_on_the_right_resources_and_nothing_else() {
    let region = "eu-central-1";
    let ids = seed(region);
    let before = state(region);
    let dir = tempfile::tempdir().unwrap();
    let out = live(&["run", "-r", region, "--now", NOW, "-s", dir.path().to_str().unwrap(), "policies/"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let after = state(region);
    let inst = |k: &str| &after["instances"][id(&ids, k)];

    // The on-demand GPU without approval: tagged and stopped. The approved one: untouched.
    assert_eq!(inst("gpu_forbidden")["state"], "stopped");
    assert_eq!(inst("gpu_forbidden")["tags"]["custodian-finding"], "gpu-without-approval");
    assert_eq!(inst("gpu_approved"), &before["instances"][id(&ids, "gpu_approved")]);
    // The GPU spot request: cancelled, then its instance terminated. The CPU one: left alone.
    // (moto deletes a cancelled request; AWS lists it as cancelled for a while.)
    let gpu_spot = &after["spot"][id(&ids, "gpu_spot")];
    assert!(gpu_spot.is_null() || gpu_spot["state"] == "cancelled", "{gpu_spot}");
    assert_eq!(before["spot"][id(&ids, "gpu_spot")]["state"], "active");
    assert_eq!(inst("gpu_spot_instance")["state"], "terminated");
    assert_eq!(
        after["spot"][id(&ids, "cpu_spot")]["state"],
        before["spot"][id(&ids, "cpu_spot")]["state"]
    );
    // Untagged resources are marked for stop in four days (the terminated one is not: later
    // policies see what earlier ones did).
    let mark = "Missing required tags (Environment, CostCenter, Owner): stop@2026/11/27";
    assert_eq!(inst("untagged")["tags"]["maid_status"], mark);
    assert_eq!(inst("cpu_spot_instance")["tags"]["maid_status"], mark);
    assert!(inst("gpu_spot_instance")["tags"].get("maid_status").is_none());
    assert_eq!(after["db"]["untagged-db"]["tags"]["maid_status"], mark);
    // Nothing else changed.
    for key in ["dev_ok", "dev_stopped"] {
        for i in ids[key].as_array().unwrap() {
            let i = i.as_str().unwrap();
            assert_eq!(after["instances"][i], before["instances"][i], "{key} {i}");
        }
    }
    assert_eq!(after["db"]["dev-db"], before["db"]["dev-db"]);
    // Every resource has an outcome, and the API calls are counted.
    let meta = read_json(&dir.path().join("gpu-spot-requests-forgotten/metadata.json"));
    assert_eq!(meta["actions"][0]["applied"], true);
    assert_eq!(meta["actions"][0]["succeeded"], 2, "{meta}");
    assert_eq!(meta["api-stats"]["ec2.CancelSpotInstanceRequests"], 1);
    assert_eq!(meta["api-stats"]["ec2.TerminateInstances"], 1);
    assert_eq!(meta["api-stats"]["ec2.DescribeSpotInstanceRequests"], 1);
}

#[test]
fn a_dry_run_changes_nothing_and_plans_what_the_real_run_does() {
    let region = "ap-southeast-2";
    seed(region);
    let before = state(region);
    let dry = tempfile::tempdir().unwrap();
    let out = live(&[
        "run",
        "--dryrun",
        "-r",
        region,
        "--now",
        NOW,
        "-s",
        dry.path().to_str().unwrap(),
        "policies/",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(state(region), before, "a dry run changes nothing");
    let real = tempfile::tempdir().unwrap();
    let out = live(&["run", "-r", region, "--now", NOW, "-s", real.path().to_str().unwrap(), "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(state(region), before);
    let policies = std::fs::read_dir(dry.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(policies.len(), 11);
    for p in policies {
        let d = read_json(&dry.path().join(&p).join("metadata.json"));
        let r = read_json(&real.path().join(&p).join("metadata.json"));
        for (i, action) in d["actions"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                action["requests"], r["actions"][i]["requests"],
                "{p}: the plan is what the real run sent"
            );
            assert_eq!(action["applied"], false);
            assert_eq!(r["actions"][i]["applied"], true);
            assert_eq!(r["actions"][i]["failed"], serde_json::json!([]), "{p}");
        }
    }
}

/// Writes `yaml` to a policy file and dry-runs it against moto in `region` with `extra` flags;
/// the directory (policy in `p.yml`, outputs in `out/`) and the run's output.
pub(crate) fn dry_run_live(region: &str, yaml: &str, extra: &[&str]) -> (tempfile::TempDir, crate::util::Output) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yml");
    std::fs::write(&file, yaml).unwrap();
    let out_dir = dir.path().join("out");
    let mut args = vec!["run", "--dryrun", "-r", region, "-s", out_dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let out = live(&args);
    (dir, out)
}

pub(crate) fn matched_ids(dir: &Path) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut policies: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    policies.sort();
    for p in policies {
        let meta = read_json(&p.join("metadata.json"));
        let kind = meta["resource"].as_str().unwrap();
        let field = match kind {
            "aws.ec2" => "InstanceId",
            "aws.rds" => "DBInstanceIdentifier",
            _ => "SpotInstanceRequestId",
        };
        let path = p.join("resources.json");
        let found = if path.exists() {
            ids(&path, field)
        } else {
            vec![format!("status {}", meta["status"])]
        };
        out.push((p.file_name().unwrap().to_string_lossy().into_owned(), found));
    }
    out
}

#[test]
fn a_snapshot_and_the_live_account_give_the_same_answers() {
    let region = "sa-east-1";
    seed(region);
    // Recorded as the AWS CLI prints it (botocore, ISO dates), and by `custodian snapshot`.
    let cli_snapshot = tempfile::tempdir().unwrap();
    helper("record.py", &[region, cli_snapshot.path().to_str().unwrap()]);
    let ours = tempfile::tempdir().unwrap();
    // What the shipped policies read (moto does not serve every related type, e.g. RDS
    // engine versions, which a snapshot without --policies records).
    let out = live(&["snapshot", "-r", region, "--policies", "policies/", ours.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("aws.ec2"), "{}", out.stdout);
    for now in [NOW, "2026-11-24T00:30:00Z", "2026-11-28T15:00:00Z"] {
        let run = |extra: &[&str]| {
            let dir = tempfile::tempdir().unwrap();
            let mut args = vec!["run", "--dryrun", "-r", region, "--now", now, "-s", dir.path().to_str().unwrap()];
            args.extend_from_slice(extra);
            args.push("policies/");
            let o = live(&args);
            assert!(o.code == 0 || o.code == 2, "{}", o.stderr);
            matched_ids(dir.path())
        };
        let from_live = run(&[]);
        assert!(from_live.iter().any(|(_, ids)| !ids.is_empty()), "the scenario matches something");
        assert_eq!(
            run(&["--snapshot", cli_snapshot.path().to_str().unwrap()]),
            from_live,
            "AWS CLI snapshot vs live at {now}"
        );
        assert_eq!(
            run(&["--snapshot", ours.path().to_str().unwrap()]),
            from_live,
            "custodian snapshot vs live at {now}"
        );
    }
}

#[test]
fn describe_is_one_call_per_page_per_kind_per_region() {
    let region = "ca-central-1";
    seed(region);
    let dir = tempfile::tempdir().unwrap();
    let out = live(&["run", "--dryrun", "-r", region, "-s", dir.path().to_str().unwrap(), "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Seven EC2 policies share one DescribeInstances; moto answers in one page.
    for p in ["ec2-required-tags-mark", "ec2-offhours-stop", "ec2-gpu-without-approval"] {
        let meta = read_json(&dir.path().join(p).join("metadata.json"));
        assert_eq!(meta["api-stats"], serde_json::json!({"ec2.DescribeInstances": 1}), "{p}");
    }
}

#[test]
fn all_regions_come_from_describe_regions() {
    let region = "ap-northeast-2";
    seed(region);
    let dir = tempfile::tempdir().unwrap();
    let out = live(&[
        "run",
        "--dryrun",
        "-r",
        "all",
        "-p",
        "gpu-spot-*",
        "--now",
        NOW,
        "-s",
        dir.path().to_str().unwrap(),
        "policies/",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let regions: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(regions.len() > 10, "every enabled region: {regions:?}");
    assert!(regions.contains(&region.to_string()) && regions.contains(&"us-east-1".to_string()));
    let found = ids(
        &dir.path().join(region).join("gpu-spot-requests-forgotten/resources.json"),
        "SpotInstanceRequestId",
    );
    assert_eq!(found.len(), 1, "the seeded GPU spot request");
}

#[test]
fn reboot_sends_one_reboot_instances_call_for_the_running_instances() {
    let region = "eu-north-1";
    seed(region);
    let before = state(region);
    let running: Vec<&str> = before["instances"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, i)| i["state"] == "running")
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(!running.is_empty() && running.len() < before["instances"].as_object().unwrap().len());
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: reboot-all\n    resource: ec2\n    actions:\n      - reboot\n",
    );
    let meta = read_json(&dir.path().join("out/reboot-all/metadata.json"));
    let action = &meta["actions"][0];
    assert_eq!(action["action"], "reboot");
    let mut sent: Vec<&str> = action["requests"][0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    sent.sort();
    let mut want = running.clone();
    want.sort();
    assert_eq!(sent, want, "exactly the running instances");
    assert_eq!(action["succeeded"], running.len());
    assert_eq!(action["failed"], serde_json::json!([]));
    assert_eq!(meta["api-stats"]["ec2.RebootInstances"], 1);
    for s in action["skipped"].as_array().unwrap() {
        assert!(s["reason"].as_str().unwrap().ends_with("reboot needs 'running'"), "{s}");
    }
    let after = state(region);
    for id in &running {
        assert_eq!(after["instances"][*id]["state"], "running", "a reboot leaves {id} running");
    }
}

#[test]
fn normalize_tag_and_tag_trim_rewrite_and_remove_only_what_they_say() {
    let region = "ap-southeast-4";
    let ids = seed(region);
    let dir = tempfile::tempdir().unwrap();
    let untagged = id(&ids, "untagged");
    let run = |yaml: &str| run_policy(dir.path(), region, yaml);
    run("policies:\n  - name: shout\n    resource: aws.ec2\n    filters:\n      - tag:Name: untagged\n    actions:\n      - type: tag\n        tags: {Environment: '  DEV  ', Team: ml}\n");
    run("policies:\n  - name: lower\n    resource: aws.ec2\n    filters:\n      - tag:Environment: present\n    actions:\n      - {type: normalize-tag, key: Environment, action: lower}\n");
    let after = state(region);
    assert_eq!(after["instances"][untagged]["tags"]["Environment"], "  dev  ");
    let dev = id(&ids, "dev_ok");
    assert_eq!(after["instances"][dev]["tags"]["Environment"], "dev", "already lower: untouched");
    let meta = read_json(&dir.path().join("out/lower/metadata.json"));
    assert_eq!(
        meta["actions"][0]["requests"].as_array().unwrap().len(),
        1,
        "only the one that changes"
    );
    run("policies:\n  - name: strip\n    resource: aws.ec2\n    filters:\n      - tag:Team: ml\n    actions:\n      - {type: normalize-tag, key: Environment, action: strip, value: ' '}\n      - {type: tag-trim, space: 0, preserve: [Name, Environment]}\n");
    let tags = &state(region)["instances"][untagged]["tags"];
    assert_eq!(
        tags,
        &serde_json::json!({"Name": "untagged", "Environment": "dev"}),
        "stripped, and everything else trimmed"
    );
}

#[test]
fn ec2_snapshot_snapshots_every_volume_of_the_matched_instances() {
    let region = "ca-west-1";
    let ids = seed(region);
    let dir = tempfile::tempdir().unwrap();
    let before = state(region)["snapshots"].as_array().unwrap().len();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: snap-gpu\n    resource: aws.ec2\n    filters:\n      - InstanceType: p3.2xlarge\n    actions:\n      - type: snapshot\n        copy-tags: [Owner]\n        tags: {custodian_snapshot: gpu}\n",
    );
    let gpu = id(&ids, "gpu_forbidden");
    let snaps: Vec<Value> = state(region)["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["description"].as_str().unwrap_or("").contains(gpu))
        .cloned()
        .collect();
    assert!(!snaps.is_empty(), "the instance's volumes were snapshotted (before: {before})");
    for s in &snaps {
        assert_eq!(s["description"], format!("Snapshot Created for {gpu} (train)"));
        assert_eq!(
            s["tags"],
            serde_json::json!({"Owner": "dev@example.com", "custodian_snapshot": "gpu"})
        );
    }
    let meta = read_json(&dir.path().join("out/snap-gpu/metadata.json"));
    assert_eq!(meta["api-stats"]["ec2.CreateSnapshots"], 1);
}

#[test]
fn a_query_selects_the_same_instances_sent_to_the_api_applied_locally_and_over_a_snapshot() {
    let region = "mx-central-1";
    let ids = seed(region);
    // (moto takes no wildcards in `instance-type`; the local rules' wildcards are unit-tested.)
    let query =
        "    query:\n      - instance-state-name: [running, stopped]\n      - instance-type: t3.micro\n      - tag:Environment: dev\n";
    let alone = format!("policies:\n  - name: q\n    resource: aws.ec2\n{query}");
    // With a second EC2 policy without the query, the fetch is shared and the query local.
    let shared = format!("{alone}  - name: all\n    resource: aws.ec2\n");
    let matched = |yaml: &str, extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yml");
        std::fs::write(&file, yaml).unwrap();
        let out_dir = dir.path().join("out");
        let mut args = vec!["run", "--dryrun", "-r", region, "-s", out_dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(file.to_str().unwrap());
        let out = live(&args);
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let mut found = crate::util::ids(&out_dir.join("q/resources.json"), "InstanceId");
        found.sort();
        (found, read_json(&out_dir.join("q/metadata.json")))
    };
    let mut expected: Vec<String> = ["dev_ok", "dev_stopped"]
        .iter()
        .flat_map(|k| ids[*k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()))
        .collect();
    expected.sort();
    let (sent, meta) = matched(&alone, &[]);
    assert_eq!(sent, expected);
    assert_eq!(meta["api-stats"], serde_json::json!({"ec2.DescribeInstances": 1}));
    assert_eq!(matched(&shared, &[]).0, expected, "applied locally to a shared fetch");
    let snapshot = tempfile::tempdir().unwrap();
    let out = live(&[
        "snapshot",
        "-r",
        region,
        "--policies",
        "policies/",
        snapshot.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        matched(&alone, &["--snapshot", snapshot.path().to_str().unwrap()]).0,
        expected,
        "over a snapshot"
    );
}

#[test]
fn metrics_are_one_get_metric_data_call_for_every_instance() {
    let region = "ap-southeast-6";
    let ids = seed(region);
    let idle = id(&ids, "dev_ok").to_string();
    let busy = id(&ids, "gpu_forbidden").to_string();
    helper("metrics.py", &[region, &idle, &busy]);
    let all = state(region)["instances"].as_object().unwrap().len();
    let metric = "      - type: metrics\n        name: CPUUtilization\n        days: 1\n        period: 3600\n        value: 10\n        op: less-than\n";
    let yaml = format!(
        "policies:\n  - name: idle\n    resource: aws.ec2\n    filters:\n{metric}  - name: idle-or-silent\n    resource: aws.ec2\n    filters:\n{metric}        missing-value: 0\n  - name: busy\n    resource: aws.ec2\n    filters:\n      - type: metrics\n        name: CPUUtilization\n        days: 1\n        statistics: Maximum\n        value: 90\n        op: ge\n"
    );
    let (dir, out) = dry_run_live(region, &yaml, &[]);
    let (file, out_dir) = (dir.path().join("p.yml"), dir.path().join("out"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let runs = matched_ids(&out_dir);
    let get = |name: &str| runs.iter().find(|(p, _)| p == name).map(|(_, ids)| ids.clone()).unwrap();
    assert_eq!(get("idle"), vec![idle.clone()], "hourly averages all below 10");
    assert_eq!(get("idle-or-silent").len(), all - 1, "every instance but the busy one");
    assert!(!get("idle-or-silent").contains(&busy));
    assert_eq!(get("busy"), vec![busy.clone()], "the day's maximum is 95");
    let stats = |p: &str| read_json(&out_dir.join(p).join("metadata.json"))["api-stats"].clone();
    assert_eq!(stats("idle")["cloudwatch.GetMetricData"], 1, "{} series in one call", all);
    assert!(
        stats("idle-or-silent").get("cloudwatch.GetMetricData").is_none(),
        "the same series, loaded once"
    );
    assert_eq!(stats("busy")["cloudwatch.GetMetricData"], 1);
    // Recorded for these policies, the series replay to the same answers at the recording time.
    let snapshot = tempfile::tempdir().unwrap();
    let out = live(&[
        "snapshot",
        "-r",
        region,
        "--policies",
        file.to_str().unwrap(),
        snapshot.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let now = out.stdout.rsplit("replay with run --now ").next().unwrap().trim().to_string();
    let recorded = read_json(&snapshot.path().join(region).join("get-metric-data.json"));
    assert_eq!(
        recorded["MetricDataResults"].as_array().unwrap().len(),
        2 * all,
        "Average and Maximum per instance"
    );
    let replay = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--dryrun",
        "--snapshot",
        snapshot.path().to_str().unwrap(),
        "--now",
        &now,
        "-s",
    ];
    let out = live(&[&args[..], &[replay.path().to_str().unwrap(), file.to_str().unwrap()]].concat());
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(matched_ids(replay.path()), runs, "replayed from the recorded series");
}

#[test]
fn set_metadata_access_requires_imdsv2_on_the_matched_instances_only() {
    let region = "ap-southeast-7";
    let ids = seed(region);
    let dir = tempfile::tempdir().unwrap();
    let yaml = "policies:\n  - name: imdsv2\n    resource: aws.ec2\n    filters:\n      - tag:Environment: dev\n      - MetadataOptions.HttpTokens: optional\n    actions:\n      - type: set-metadata-access\n        tokens: required\n        hop-limit: 2\n";
    run_policy(dir.path(), region, yaml);
    let options = helper("metadata.py", &[region]);
    let dev: Vec<&str> = ["dev_ok", "dev_stopped", "gpu_forbidden", "gpu_approved"]
        .iter()
        .flat_map(|k| ids[*k].as_array().unwrap().iter().map(|v| v.as_str().unwrap()))
        .collect();
    for (id, o) in options.as_object().unwrap() {
        let expected = if dev.contains(&id.as_str()) {
            ("required", 2)
        } else {
            ("optional", 1)
        };
        assert_eq!(
            (o["HttpTokens"].as_str().unwrap(), o["HttpPutResponseHopLimit"].as_i64().unwrap()),
            expected,
            "{id}"
        );
    }
    let meta = read_json(&dir.path().join("out/imdsv2/metadata.json"));
    assert_eq!(meta["api-stats"]["ec2.ModifyInstanceMetadataOptions"], dev.len() as u64);
    // Run again: every instance is at the options now, so nothing is sent.
    let again = tempfile::tempdir().unwrap();
    run_policy(again.path(), region, yaml);
    let meta = read_json(&again.path().join("out/imdsv2/metadata.json"));
    assert!(
        meta["api-stats"].get("ec2.ModifyInstanceMetadataOptions").is_none(),
        "{}",
        meta["api-stats"]
    );
}

#[test]
fn resize_changes_types_around_a_restart_and_rds_storage_by_percent() {
    let region = "eu-west-2";
    let ids = seed(region);
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: shrink\n    resource: aws.ec2\n    filters:\n      - InstanceType: t3.micro\n    actions:\n      - type: resize\n        type-map: {t3.micro: t3.nano}\n        restart: true\n  - name: grow\n    resource: aws.rds\n    filters:\n      - DBInstanceIdentifier: dev-db\n    actions:\n      - type: resize\n        percent: 50\n        immediate: true\n",
    );
    let after = state(region);
    for key in ["dev_ok", "dev_stopped"] {
        for id in ids[key].as_array().unwrap() {
            let i = &after["instances"][id.as_str().unwrap()];
            assert_eq!(i["type"], "t3.nano", "{key}");
            // Left in the state it was found in.
            let expected = if key == "dev_stopped" { "stopped" } else { "running" };
            assert_eq!(i["state"], expected, "{key}");
        }
    }
    assert_eq!(after["instances"][id(&ids, "untagged")]["type"], "m5.large");
    assert_eq!(after["db"]["dev-db"]["storage"], 30, "20 GiB + 50 %");
    assert_eq!(after["db"]["untagged-db"]["storage"], 20);
    let meta = read_json(&dir.path().join("out/shrink/metadata.json"));
    let stats = &meta["api-stats"];
    assert_eq!(stats["ec2.ModifyInstanceAttribute"], 3, "{stats}");
    assert_eq!(
        (stats["ec2.StopInstances"].as_u64(), stats["ec2.StartInstances"].as_u64()),
        (Some(2), Some(2)),
        "the running ones only"
    );
}

#[test]
fn rds_modify_actions_change_only_what_differs() {
    let region = "ap-east-2";
    seed(region);
    let before = state(region);
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: harden\n    resource: aws.rds\n    filters:\n      - DBInstanceIdentifier: dev-db\n    actions:\n      - type: modify-db\n        update:\n          - {property: DeletionProtection, value: true}\n        immediate: true\n      - set-public-access\n      - type: retention\n        days: 14\n        enforce: exact\n",
    );
    let after = state(region);
    let db = &after["db"]["dev-db"];
    assert_eq!(db["deletion_protection"], true);
    assert_eq!(db["public"], false);
    assert_eq!(db["retention"], 14);
    assert_eq!(
        after["db"]["untagged-db"], before["db"]["untagged-db"],
        "the other instance is untouched"
    );
    let meta = read_json(&dir.path().join("out/harden/metadata.json"));
    // One call per action with something to change (moto does not report PubliclyAccessible,
    // so it is sent; an instance reported not public would be left alone).
    let expected = 2 + u64::from(before["db"]["dev-db"]["public"] != false);
    assert_eq!(meta["api-stats"]["rds.ModifyDBInstance"], expected, "{}", meta["api-stats"]);
    // delete with copy-restore-info: the restore settings are tagged, copied to the final
    // snapshot, then the instance is deleted.
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: retire\n    resource: aws.rds\n    filters:\n      - DBInstanceIdentifier: untagged-db\n    actions:\n      - type: delete\n        copy-restore-info: true\n",
    );
    let after = state(region);
    assert!(after["db"].get("untagged-db").is_none(), "{}", after["db"]);
    assert!(after["db"].get("dev-db").is_some());
    let snap = helper("rds_snapshot.py", &[region, "untagged-db"]);
    assert_eq!(snap["tags"]["InstanceClass"], "db.t3.micro", "{snap}");
    assert_eq!(snap["tags"]["MultiAZ"], "False");
    // RDS keeps identifiers in lower case.
    assert!(snap["id"].as_str().unwrap().starts_with("final-untagged-db-"), "{snap}");
    // consecutive-snapshots: moto dates a snapshot now, so "tomorrow" it is yesterday's.
    helper("rds_snapshot.py", &[region, "dev-db", "create"]);
    let tomorrow = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let policy = |name: &str, days: u32| {
        format!("  - name: {name}\n    resource: aws.rds\n    filters:\n      - type: consecutive-snapshots\n        days: {days}\n")
    };
    let yaml = format!("policies:\n{}{}", policy("one-day", 1), policy("two-days", 2));
    let (dir, out) = dry_run_live(region, &yaml, &["--now", &tomorrow]);
    let out_dir = dir.path().join("out");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let runs = matched_ids(&out_dir);
    let get = |name: &str| runs.iter().find(|(p, _)| p == name).map(|(_, ids)| ids.clone()).unwrap();
    assert_eq!(get("one-day"), vec!["dev-db".to_string()]);
    assert!(get("two-days").is_empty());
    let meta = read_json(&out_dir.join("one-day/metadata.json"));
    assert_eq!(meta["api-stats"]["rds.DescribeDBSnapshots"], 1, "one call for every instance");
}
