//! Faults on the real wire: the fault-injecting proxy (`tests/moto/fault_proxy.py`, loopback)
//! between the AWS SDK and moto, throttling, 500s, 503s, resets before and after moto acted,
//! slow and truncated answers, and a process killed mid-run then run again. Each resource the
//! policies match is acted on (as often as retries of an idempotent call make it), nothing
//! else is touched, and `metadata.json` tells the truth.

use crate::live::helper;
use crate::util::{custodian_env, read_json, StandIn};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-23T15:00:00Z";
const REGION: &str = "eu-west-3";

/// The fault proxy in front of moto with these rules.
fn proxy(rules: &Value) -> StandIn {
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").expect("run ./scripts/test.sh, which starts moto");
    StandIn::start("fault_proxy.py", &[&moto, &rules.to_string()])
}

/// `custodian run` of the shipped policies as `role`, outputs in `out`, a dry run or real.
fn run_args(role: &str, out: &std::path::Path, dry_run: bool) -> Vec<String> {
    let mut args: Vec<String> = ["run", "-r", REGION, "--assume", role, "--now", NOW, "-s"]
        .map(String::from)
        .to_vec();
    args.push(out.to_str().unwrap().to_string());
    if dry_run {
        args.push("--dryrun".into());
    }
    args.push("policies/".into());
    args
}

fn mutating(op: &str) -> bool {
    !(op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get") || op == "AssumeRole" || op.starts_with("S3."))
}

/// An id as the planner names it (an RDS ARN by its identifier).
fn id_of(s: &str) -> String {
    s.rsplit_once(":db:").map(|(_, id)| id.to_string()).unwrap_or_else(|| s.to_string())
}

/// (operation, resource id) pairs.
type Calls = BTreeSet<(String, String)>;

/// Every planned or sent (operation, id) of a run's metadata, and what it says succeeded.
fn planned(dir: &std::path::Path) -> (Calls, Calls) {
    let (mut all, mut ok) = (BTreeSet::new(), BTreeSet::new());
    for e in std::fs::read_dir(dir).unwrap() {
        let meta = e.unwrap().path().join("metadata.json");
        if !meta.exists() {
            continue;
        }
        let m = read_json(&meta);
        for a in m["actions"].as_array().unwrap() {
            let failed: BTreeSet<String> = a["failed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["id"].as_str().map(id_of))
                .collect();
            for r in a["requests"].as_array().unwrap() {
                let op = r["api"].as_str().unwrap().split(':').nth(1).unwrap().to_string();
                for id in r["ids"].as_array().unwrap() {
                    let id = id_of(id.as_str().unwrap());
                    all.insert((op.clone(), id.clone()));
                    if a["applied"] == true && !failed.contains(&id) {
                        ok.insert((op.clone(), id));
                    }
                }
            }
        }
    }
    (all, ok)
}

#[test]
fn under_a_realistic_fault_mix_every_match_is_acted_on_and_nothing_else() {
    let account = "100000000021";
    let ids = helper("estate.py", &[REGION, account]);
    let role = format!("arn:aws:iam::{account}:role/custodian");
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").unwrap();
    // The plan, straight to moto: what a real run must do.
    let dry = tempfile::tempdir().unwrap();
    let out = custodian_env(run_args(&role, dry.path(), true), &[("AWS_ENDPOINT_URL", moto.as_str())]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (expected, _) = planned(dry.path());
    let ops: BTreeSet<&str> = expected.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(
        ops,
        BTreeSet::from(["AddTagsToResource", "CreateTags", "StopInstances"]),
        "{expected:?}"
    );
    assert_eq!(
        expected.len(),
        15 + 80 + 15 + 10,
        "tag + mark the GPUs and the untagged, stop the GPUs, mark the DBs"
    );

    // Every request meets faults before it gets through: each distinct request's first
    // attempts are answered with these, in order (a retry sends the same body).
    let script = json!({
        "AssumeRole": ["throttle"],
        "DescribeInstances": ["truncate", "500"],
        "DescribeDBInstances": ["reset_before", "503"],
        "DescribeSpotInstanceRequests": ["throttle", "reset_before"],
        "CreateTags": ["reset_after", "throttle", "truncate"],
        "StopInstances": ["503", "reset_after", "truncate"],
        "AddTagsToResource": ["throttle", "reset_before", "reset_after"],
        "*": ["500"]
    });
    let proxy = proxy(&json!({"script": script}));
    let real = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = custodian_env(run_args(&role, real.path(), false), &[("AWS_ENDPOINT_URL", proxy.url.as_str())]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "the run took {took:?}");
    let log: Vec<Value> = serde_json::from_value(proxy.get_json("/_log")).unwrap();
    let faults: BTreeMap<String, usize> = log.iter().filter_map(|e| e["fault"].as_str()).fold(BTreeMap::new(), |mut m, f| {
        *m.entry(f.to_string()).or_default() += 1;
        m
    });
    assert_eq!(faults.len(), 6, "every kind of fault was injected: {faults:?}");
    assert_eq!(
        out.code, 0,
        "the SDK's retries absorb the faults:\n{}\n{}\nfaults {faults:?}",
        out.stdout, out.stderr
    );

    // What moto received: every (operation, id) that reached it, and how often.
    let mut received: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in log.iter().filter(|e| e["forwarded"] == true && mutating(e["op"].as_str().unwrap())) {
        for id in e["ids"].as_array().unwrap() {
            *received
                .entry((e["op"].as_str().unwrap().to_string(), id_of(id.as_str().unwrap())))
                .or_default() += 1;
        }
    }
    let touched: BTreeSet<(String, String)> = received.keys().cloned().collect();
    assert_eq!(touched, expected, "acted on exactly what the plan named");
    // A repeat is only the retry of a call whose answer was lost after moto acted on it.
    for ((op, id), n) in &received {
        let lost = log
            .iter()
            .filter(|e| e["forwarded"] == true && matches!(e["fault"].as_str(), Some("reset_after" | "truncate")))
            .filter(|e| e["op"] == op.as_str() && e["ids"].as_array().unwrap().iter().any(|i| id_of(i.as_str().unwrap()) == *id))
            .count();
        assert!(n - 1 <= lost, "{op} {id}: received {n} times, {lost} answers lost");
    }
    // metadata.json: everything reported applied reached moto, and nothing failed.
    let (sent, ok) = planned(real.path());
    assert_eq!(sent, expected, "the real run planned what the dry run did");
    assert_eq!(ok, expected, "every planned request reported applied");
    // And AWS's state is what the policies ask for.
    let state = helper("state.py", &[REGION, account]);
    for i in ids["gpu"].as_array().unwrap() {
        assert_eq!(state["instances"][i.as_str().unwrap()]["state"], "stopped");
    }
    for i in ids["tagged"].as_array().unwrap().iter().take(50) {
        let inst = &state["instances"][i.as_str().unwrap()];
        assert_eq!(inst["state"], "running");
        assert!(inst["tags"].get("maid_status").is_none());
    }
    for d in ids["db_untagged"].as_array().unwrap() {
        assert!(state["db"][d.as_str().unwrap()]["tags"]["maid_status"].is_string());
    }
}

#[test]
fn a_run_killed_at_random_points_then_run_again_completes_the_work() {
    let account = "100000000022";
    let ids = helper("estate.py", &[REGION, account]);
    let role = format!("arn:aws:iam::{account}:role/custodian");
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").unwrap();
    // Slow answers stretch the run so the kills land inside it.
    let proxy = proxy(&json!({"seed": 5, "rules": {"*": {"latency": [0.3, 0.2]}}}));
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let args = run_args(&role, &out_dir, false);
    for delay_ms in [400u64, 1300, 2600, 4200] {
        let mut child = crate::util::command(&args, &[("AWS_ENDPOINT_URL", proxy.url.as_str())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever the kill interrupted, no output is half-written.
        for policy in std::fs::read_dir(&out_dir).into_iter().flatten() {
            for f in std::fs::read_dir(policy.unwrap().path()).unwrap() {
                let p = f.unwrap().path();
                if p.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    assert!(serde_json::from_str::<Value>(&text).is_ok(), "{} is half-written", p.display());
                }
            }
        }
    }
    let out = custodian_env(&args, &[("AWS_ENDPOINT_URL", moto.as_str())]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // The work is done, and nothing is in a state the policies do not ask for.
    let state = helper("state.py", &[REGION, account]);
    for i in ids["gpu"].as_array().unwrap() {
        let inst = &state["instances"][i.as_str().unwrap()];
        assert_eq!(inst["state"], "stopped");
        assert_eq!(inst["tags"]["custodian-finding"], "gpu-without-approval");
    }
    let mark = "Missing required tags (Environment, CostCenter, Owner): stop@2026/11/27";
    for i in ids["untagged"].as_array().unwrap() {
        let inst = &state["instances"][i.as_str().unwrap()];
        assert_eq!(
            (inst["state"].as_str(), inst["tags"]["maid_status"].as_str()),
            (Some("running"), Some(mark))
        );
    }
    for i in ids["tagged"].as_array().unwrap() {
        let inst = &state["instances"][i.as_str().unwrap()];
        assert_eq!(inst["state"], "running", "{i}");
        assert!(
            inst["tags"].get("maid_status").is_none() && inst["tags"].get("custodian-finding").is_none(),
            "{i}"
        );
    }
    for d in ids["db_tagged"].as_array().unwrap() {
        assert!(state["db"][d.as_str().unwrap()]["tags"].get("maid_status").is_none());
    }
    for d in ids["db_untagged"].as_array().unwrap() {
        assert_eq!(state["db"][d.as_str().unwrap()]["tags"]["maid_status"], mark);
    }
}

#[test]
fn a_refused_snapshot_keeps_its_instance_from_the_terminate_after_it() {
    let account = "100000000031";
    let ids = helper("seed.py", &[REGION, account]);
    let (keep, lose) = (
        ids["dev_ok"].as_str().or_else(|| ids["dev_ok"][0].as_str()).unwrap().to_string(),
        ids["untagged"]
            .as_str()
            .or_else(|| ids["untagged"][0].as_str())
            .unwrap()
            .to_string(),
    );
    let yaml = on_instances("snapshot-then-terminate", &[&keep, &lose], "[snapshot, terminate]");
    // AWS refuses the snapshot of one instance (its account is at its snapshot limit).
    let (out, m, log) = run_in_account(
        account,
        &yaml,
        &json!({"answer": {"CreateSnapshots": {"ids": [keep], "code": "SnapshotLimitExceeded"}}}),
    );
    assert_ne!(out.code, 0, "an action failed: the exit code says so\n{}", out.stderr);
    let state = helper("state.py", &[REGION, account]);
    assert_eq!(state["instances"][&keep]["state"], "running", "its snapshot failed: not terminated");
    assert_eq!(state["instances"][&lose]["state"], "terminated");
    let terminated: Vec<&Value> = log
        .iter()
        .filter(|e| e["op"] == "TerminateInstances")
        .flat_map(|e| e["ids"].as_array().unwrap())
        .collect();
    assert_eq!(terminated, [&json!(lose)], "TerminateInstances never named the kept instance");
    // metadata.json says why.
    let terminate = m["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "terminate")
        .unwrap();
    let skipped = &terminate["skipped"][0];
    assert_eq!(skipped["id"], json!(keep), "{m}");
    assert_eq!(skipped["reason"], "earlier action 'snapshot' failed: SnapshotLimitExceeded");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A policy file: policy `name` on exactly the instances `ids`, with `actions` (flow YAML).
fn on_instances(name: &str, ids: &[&str], actions: &str) -> String {
    format!(
        "policies:\n  - name: {name}\n    resource: aws.ec2\n    filters:\n      - type: value\n        key: InstanceId\n        op: in\n        value: [{}]\n    actions: {actions}\n",
        ids.join(", ")
    )
}

/// `custodian run` of the policy file `yaml` in `account` (seeded by the caller, reached through
/// AssumeRole) through a fault proxy with `rules`: the run's output, its `metadata.json` and
/// the proxy's log.
fn run_in_account(account: &str, yaml: &str, rules: &Value) -> (crate::util::Output, Value, Vec<Value>) {
    let role = format!("arn:aws:iam::{account}:role/custodian");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yml");
    std::fs::write(&policy, yaml).unwrap();
    let proxy = proxy(rules);
    let out_dir = dir.path().join("out");
    let out = custodian_env(
        [
            "run",
            "-r",
            REGION,
            "--assume",
            &role,
            "-s",
            out_dir.to_str().unwrap(),
            policy.to_str().unwrap(),
        ],
        &[("AWS_ENDPOINT_URL", proxy.url.as_str())],
    );
    let meta = walk(&out_dir)
        .into_iter()
        .find(|p| p.ends_with("metadata.json"))
        .expect("metadata.json");
    let log: Vec<Value> = serde_json::from_value(proxy.get_json("/_log")).unwrap();
    (out, read_json(&meta), log)
}

#[test]
fn a_refused_resize_starts_the_instance_again_at_its_old_type() {
    let account = "100000000032";
    let ids = helper("seed.py", &[REGION, account]);
    let dev: Vec<String> = ids["dev_ok"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let yaml = "policies:\n  - name: shrink\n    resource: aws.ec2\n    filters:\n      - InstanceType: t3.micro\n      - State.Name: running\n    actions:\n      - type: resize\n        type-map: {t3.micro: t3.nano}\n        restart: true\n";
    // EC2 has no capacity for the new type of the first instance.
    let (out, m, _) = run_in_account(
        account,
        yaml,
        &json!({"answer": {"ModifyInstanceAttribute": {"ids": [dev[0]], "code": "InsufficientInstanceCapacity"}}}),
    );
    assert_ne!(out.code, 0, "a resize failed: the exit code says so\n{}", out.stderr);
    let state = helper("state.py", &[REGION, account]);
    let (refused, resized) = (&state["instances"][&dev[0]], &state["instances"][&dev[1]]);
    assert_eq!(refused["state"], "running", "started again: {refused}");
    assert_eq!(refused["type"], "t3.micro", "{refused}");
    assert_eq!(resized["state"], "running", "{resized}");
    assert_eq!(resized["type"], "t3.nano", "{resized}");
    assert!(m.to_string().contains("started again at its previous type"), "{m}");
}

#[test]
fn a_forced_terminate_that_still_fails_turns_the_protection_it_cleared_back_on() {
    let account = "100000000033";
    let ids = helper("seed.py", &[REGION, account]);
    let dev: Vec<String> = ids["dev_ok"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let (guarded, plain) = (dev[0].as_str(), dev[1].as_str());
    helper("protection.py", &[REGION, account, "set", guarded]);
    let yaml = on_instances("clean-up", &[guarded, plain], "[{type: terminate, force: true}]");
    // AWS keeps refusing the batch (as when another protection, e.g. an SCP, stands in the way).
    let (out, m, log) = run_in_account(
        account,
        &yaml,
        &json!({"answer": {"TerminateInstances": {"ids": [guarded], "code": "OperationNotPermitted"}}}),
    );
    assert_ne!(out.code, 0, "{}", out.stderr);
    let modified: Vec<&Value> = log
        .iter()
        .filter(|e| e["op"] == "ModifyInstanceAttribute")
        .flat_map(|e| e["ids"].as_array().unwrap())
        .collect();
    // The batch, then the guarded instance alone (a refused batch is retried one id at a time):
    // each time cleared, then turned back on; the unprotected instance is never touched.
    assert_eq!(modified, [&json!(guarded); 4]);
    assert_eq!(helper("protection.py", &[REGION, account, "get", guarded]), json!({guarded: true}));
    let state = helper("state.py", &[REGION, account]);
    assert_eq!(state["instances"][guarded]["state"], "running");
    assert_eq!(state["instances"][plain]["state"], "terminated", "alone, the other went through");
    assert!(m.to_string().contains("protection turned back on"), "{m}");
}
