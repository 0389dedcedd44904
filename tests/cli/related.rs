//! Filters over related resources against moto through the real SDK: EC2's volumes, AMIs,
//! subnets, security groups, VPCs and instance attributes; IAM instance profiles, roles and
//! attached policies; RDS's KMS aliases, option and parameter groups; and `value_from` on S3.
//! Live answers equal those over a snapshot `custodian snapshot` recorded.

use crate::live::{helper, live, matched_ids, run_policy, seed, state};
use crate::util::read_json;
use serde_json::Value;

#[test]
fn related_resource_filters_match_live_and_over_a_recorded_snapshot() {
    let region = "ap-southeast-5";
    let seeded = seed(region);
    let extra = helper("related.py", &[region]);
    let private = extra["instance"].as_str().unwrap().to_string();
    let all: usize = state(region)["instances"].as_object().unwrap().len();
    let policy = |name: &str, filters: &str| format!("  - name: {name}\n    resource: aws.ec2\n    filters:\n{filters}");
    let db_policy = |name: &str, filters: &str| format!("  - name: {name}\n    resource: aws.rds\n    filters:\n{filters}");
    let yaml = [
        "policies:\n".to_string(),
        policy("encrypted-any", "      - type: ebs\n        key: Encrypted\n        value: true\n"),
        policy(
            "encrypted-all",
            "      - type: ebs\n        key: Encrypted\n        value: true\n        operator: and\n",
        ),
        policy(
            "encrypted-data",
            "      - type: ebs\n        key: Encrypted\n        value: true\n        operator: and\n        skip-devices: [/dev/sda1]\n",
        ),
        policy("owned-group", "      - type: security-group\n        key: tag:Owner\n        value: alice\n"),
        policy(
            "group-owner-is-mine",
            // (Without an Owner tag of its own, an instance matches groups without one too.)
            "      - tag:Owner: present\n      - type: security-group\n        key: tag:Owner\n        value: x\n        match-resource: true\n",
        ),
        policy("private-subnet", "      - type: subnet\n        key: MapPublicIpOnLaunch\n        value: false\n"),
        policy("custom-vpc", "      - type: vpc\n        key: IsDefault\n        value: false\n"),
        policy("outside-default-vpc", "      - not:\n          - default-vpc\n"),
        policy("young-ami", "      - type: image-age\n        op: lt\n        days: 30\n"),
        policy("old-ami", "      - type: image-age\n        op: ge\n        days: 30\n"),
        policy("windows-ami", "      - type: image\n        key: Name\n        op: glob\n        value: Windows_Server-*\n"),
        policy("protected", "      - termination-protected\n"),
        // The cheap tag filter first decides all but one instance: one attribute call.
        policy("owned-unprotected", "      - not:\n          - termination-protected\n      - tag:Owner: alice\n"),
        policy("owned-protected", "      - termination-protected\n      - tag:Owner: alice\n"),
        // A cheap filter that rejects everything first: no volume is ever fetched for it.
        policy("nothing", "      - InstanceType: x1e.32xlarge\n      - type: ebs\n        key: Encrypted\n        value: true\n"),
        policy("lonely", "      - singleton\n"),
        policy("internet-routed", "      - type: subnet\n        igw: true\n"),
        policy("nat-routed", "      - type: subnet\n        nat: true\n"),
        policy(
            "owner-mismatch",
            "      - type: network-location\n        compare: [resource, security-group]\n        key: tag:Owner\n",
        ),
        policy("production-role", "      - type: iam-role\n        key: tag:Environment\n        value: Production\n"),
        policy("app-path-role", "      - type: iam-role\n        key: Path\n        value: /app/\n"),
        policy("s3-admins", "      - type: has-specific-managed-policy\n        op: glob\n        value: '*S3FullAccess*'\n"),
        db_policy("team-key", "      - type: kms-alias\n        key: AliasName\n        value: alias/team-db\n"),
        db_policy(
            "audited",
            "      - type: db-option-groups\n        key: Options[].OptionName\n        op: contains\n        value: MARIADB_AUDIT_PLUGIN\n",
        ),
        db_policy("tls-required", "      - type: db-parameter\n        key: require_secure_transport\n        value: '1'\n"),
    ]
    .concat();
    let matched = |extra_args: &[&str]| {
        let (dir, out) = crate::live::dry_run_live(region, &yaml, extra_args);
        let out_dir = dir.path().join("out");
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let runs = matched_ids(&out_dir);
        let stats: Vec<(String, Value)> = runs
            .iter()
            .map(|(p, _)| (p.clone(), read_json(&out_dir.join(p).join("metadata.json"))["api-stats"].clone()))
            .collect();
        (runs, stats)
    };
    let (live_runs, stats) = matched(&[]);
    let get = |name: &str| live_runs.iter().find(|(p, _)| p == name).map(|(_, ids)| ids.clone()).unwrap();
    let only = vec![private.clone()];
    assert_eq!(get("encrypted-any"), only);
    assert_eq!(get("encrypted-all"), Vec::<String>::new(), "its root volume is not encrypted");
    // c7n's AttachedVolume checks for volumes before leaving the skipped ones out: an instance
    // whose only volume is skipped passes `and` (all of nothing).
    assert_eq!(get("encrypted-data").len(), all);
    assert_eq!(get("owned-group"), only);
    assert_eq!(get("group-owner-is-mine"), only);
    assert_eq!(get("private-subnet"), only);
    assert_eq!(get("custom-vpc"), only);
    assert_eq!(get("outside-default-vpc"), only);
    assert_eq!(get("young-ami").len(), all, "moto dates its AMIs now");
    assert_eq!(get("old-ami"), Vec::<String>::new());
    assert_eq!(get("windows-ami").len(), all);
    assert_eq!(get("nothing"), Vec::<String>::new());
    assert_eq!(get("protected"), only);
    assert_eq!(get("owned-unprotected"), Vec::<String>::new());
    assert_eq!(get("owned-protected"), only);
    let resilient_or_gone = |(id, i): (&String, &Value)| {
        id == &private || !["running", "stopped", "pending", "stopping"].contains(&i["state"].as_str().unwrap())
    };
    let lonely: Vec<String> = state(region)["instances"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|e| !resilient_or_gone(*e))
        .map(|(id, _)| id.clone())
        .collect();
    let mut got = get("lonely");
    got.sort();
    assert_eq!(got, lonely, "every live instance but the one with a recover alarm");
    assert!(
        get("internet-routed").contains(&private),
        "its subnet's own table routes to the gateway"
    );
    assert!(get("nat-routed").is_empty(), "no NAT gateway anywhere");
    // Only the private instance's group carries its Owner; the default groups carry none.
    let mismatch = get("owner-mismatch");
    assert!(!mismatch.contains(&private));
    assert_eq!(mismatch.len(), all - 1);
    assert_eq!(get("production-role"), only, "the role's tags, read with GetRole");
    assert_eq!(get("app-path-role"), only);
    assert_eq!(get("s3-admins"), only);
    let db = vec![extra["db"].as_str().unwrap().to_string()];
    assert_eq!(get("team-key"), db);
    assert_eq!(get("audited"), db);
    assert_eq!(get("tls-required"), db);
    let stat = |name: &str| stats.iter().find(|(p, _)| p == name).unwrap().1.clone();
    assert_eq!(stat("lonely")["cloudwatch.DescribeAlarms"], 1, "the region's alarms, once");
    // Each related list is fetched once per region, by the first policy that needs it.
    assert_eq!(stat("encrypted-any")["ec2.DescribeVolumes"], 1);
    assert!(
        stat("encrypted-all").get("ec2.DescribeVolumes").is_none(),
        "{}",
        stat("encrypted-all")
    );
    assert_eq!(stat("owned-group")["ec2.DescribeSecurityGroups"], 1);
    assert_eq!(stat("private-subnet")["ec2.DescribeSubnets"], 1);
    assert_eq!(stat("custom-vpc")["ec2.DescribeVpcs"], 1);
    assert_eq!(stat("young-ami")["ec2.DescribeImages"], 1, "one call for the AMIs in use");
    assert!(stat("old-ami").get("ec2.DescribeImages").is_none());
    assert_eq!(stat("nothing"), serde_json::json!({"ec2.DescribeInstances": 1}));
    assert_eq!(stat("protected")["ec2.DescribeInstanceAttribute"], all as u64, "one per instance");
    // IAM: the profiles listed once, one GetRole and one ListAttachedRolePolicies for the one
    // role in use.
    assert_eq!(stat("production-role")["iam.ListInstanceProfiles"], 1);
    assert_eq!(stat("production-role")["iam.GetRole"], 1);
    assert!(
        stat("app-path-role").get("iam.ListInstanceProfiles").is_none(),
        "loaded once per run"
    );
    assert_eq!(stat("s3-admins")["iam.ListAttachedRolePolicies"], 1);
    assert_eq!(stat("team-key")["kms.ListAliases"], 1);
    assert_eq!(stat("audited")["rds.DescribeOptionGroups"], 3, "one per option group in use");
    assert_eq!(
        stat("tls-required")["rds.DescribeDBParameters"],
        3,
        "one per parameter group in use"
    );
    assert!(
        stat("owned-unprotected").get("ec2.DescribeInstanceAttribute").is_none(),
        "answers are loaded once per region and run"
    );
    let _ = seeded;
    // Alone, the tag filter leaves one instance undecided: one attribute call, not one per
    // instance.
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: owned-protected\n    resource: aws.ec2\n    filters:\n      - termination-protected\n      - tag:Owner: alice\n",
    );
    let meta = read_json(&dir.path().join("out/owned-protected/metadata.json"));
    assert_eq!(meta["api-stats"]["ec2.DescribeInstanceAttribute"], 1, "{}", meta["api-stats"]);
    // Recorded for the policies: the related types and attributes their filters read.
    let snapshot = tempfile::tempdir().unwrap();
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(policies.path().join("p.yml"), &yaml).unwrap();
    let out = live(&[
        "snapshot",
        "-r",
        region,
        "--policies",
        policies.path().to_str().unwrap(),
        snapshot.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Volumes") && out.stdout.contains("answers"), "{}", out.stdout);
    assert!(
        !snapshot.path().join(region).join("describe-db-engine-versions.json").exists(),
        "not read by these policies"
    );
    assert!(snapshot.path().join("global/list-instance-profiles.json").exists());
    assert_eq!(
        matched(&["--snapshot", snapshot.path().to_str().unwrap()]).0,
        live_runs,
        "the recorded snapshot gives the live answers"
    );
    // value_from on S3, read once before the run; an unreadable source fails only its policy.
    let bucket = extra["bucket"].as_str().unwrap();
    let from = |name: &str, key: &str| {
        format!("  - name: {name}\n    resource: aws.ec2\n    filters:\n      - type: value\n        key: tag:Owner\n        op: in\n        value_from:\n          url: s3://{bucket}/{key}?region={region}\n")
    };
    let yaml = format!(
        "policies:\n{}{}",
        from("listed-owner", "owners.txt"),
        from("missing-list", "gone.txt")
    );
    let (dir, out) = crate::live::dry_run_live(region, &yaml, &[]);
    let out_dir = dir.path().join("out");
    assert_eq!(out.code, 2, "the missing object fails its policy: {}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("s3.GetObject") && out.stderr.contains("NoSuchKey"),
        "{}",
        out.stderr
    );
    let owners: Vec<String> = state(region)["instances"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, i)| ["alice", "carol"].contains(&i["tags"]["Owner"].as_str().unwrap_or("")))
        .map(|(id, _)| id.clone())
        .collect();
    let mut listed = read_json(&out_dir.join("listed-owner/resources.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["InstanceId"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    listed.sort();
    let mut owners = owners;
    owners.sort();
    assert!(owners.contains(&private), "{owners:?}");
    assert_eq!(listed, owners, "tag:Owner in the object's lines");
    // modify-security-groups for real: the group the filter matched is replaced by the
    // quarantine group (by name, in the instance's VPC); nothing else changes.
    let others: Vec<(String, Value)> = state(region)["instances"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|id| **id != private)
        .map(|id| (id.clone(), helper("groups.py", &[region, id])))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    run_policy(
        dir.path(),
        region,
        "policies:\n  - name: quarantine\n    resource: aws.ec2\n    filters:\n      - type: security-group\n        key: tag:Owner\n        value: alice\n    actions:\n      - type: modify-security-groups\n        remove: matched\n        isolation-group: quarantine\n",
    );
    // (moto reports an attached interface's groups together with the instance's launch groups,
    // so the removal itself is seen in the request; the quarantine group is seen on the
    // interface.)
    let groups = helper("groups.py", &[region, &private]);
    let quarantine = extra["quarantine"].as_str().unwrap();
    let meta = read_json(&dir.path().join("out/quarantine/metadata.json"));
    let request = &meta["actions"][0]["requests"][0];
    assert_eq!(request["params"]["Groups"], serde_json::json!([quarantine]), "{}", meta["actions"]);
    assert_eq!(meta["actions"][0]["succeeded"], 1);
    let eni = request["params"]["NetworkInterfaceId"].as_str().unwrap();
    assert!(groups[eni].as_array().unwrap().contains(&serde_json::json!(quarantine)), "{groups}");
    for (id, before) in others {
        assert_eq!(helper("groups.py", &[region, &id]), before, "{id} untouched");
    }
    assert_eq!(meta["api-stats"]["ec2.ModifyNetworkInterfaceAttribute"], 1, "{}", meta["api-stats"]);
}
