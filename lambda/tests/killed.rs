//! A function killed mid-run (Lambda's timeout, an out-of-memory kill), then its event
//! retried: the run ledger records each policy as it ends, so the retry runs only what was
//! left and repeats nothing that was done. The `bootstrap` binary, a moto of its own, the fault
//! proxy holding the second policy's call until the process is killed.

#![allow(clippy::unwrap_used)]

mod common;

use common::runtime::{start_function_at, stop, RuntimeApi};
use common::StandIn;
#[path = "../../tests/support/enforced_iam.rs"]
mod enforced_iam;
use enforced_iam::EnforcedMoto;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const BUCKET: &str = "custodian-killed-runs";
const EVENT_ID: &str = "0b1c2d3e-0000-4000-8000-00000000beef";
const POLICIES: &str = "policies:
  - name: tag-untagged
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{tag:Owner: absent}, {State.Name: running}]
    actions: [{type: tag, key: custodian-finding, value: no-owner}]
  - name: stop-gpus
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{InstanceType: p3.2xlarge}, {State.Name: running}]
    actions: [stop]
";

fn scheduled() -> Value {
    json!({"version": "0", "id": EVENT_ID, "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
           "time": jiff::Timestamp::now().to_string(), "region": REGION, "resources": ["arn:aws:events:us-east-1:123456789012:rule/r"],
           "detail": {"policies": ["tag-untagged", "stop-gpus"]}})
}

fn calls(proxy: &StandIn, op: &str) -> usize {
    proxy.get_json("/_log").as_array().unwrap().iter().filter(|e| e["op"] == op).count()
}

#[test]
fn a_killed_run_is_retried_without_repeating_the_policies_it_finished() {
    let moto = EnforcedMoto::open();
    moto.helper("seed.py", &[REGION]);
    moto.helper("iam.py", &["bucket", BUCKET, "eu-west-1"]);
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies.yml");
    std::fs::write(&policies, POLICIES).unwrap();
    let env = [
        ("AWS_REGION", REGION),
        ("CUSTODIAN_OUTPUT_BUCKET", BUCKET),
        ("CUSTODIAN_OUTPUT_PREFIX", "custodian"),
        ("CUSTODIAN_POLICIES", policies.to_str().unwrap()),
        ("CUSTODIAN_DEADLINE_RESERVE_MS", "500"),
    ];
    let ledger_key = format!("custodian/ledger/{EVENT_ID}.json");

    // The first delivery: the stop is held on the wire, and the process is killed there.
    let held = StandIn::start(
        "fault_proxy.py",
        &[&moto.endpoint, r#"{"rules": {"StopInstances": {"latency": [1.0, 45]}}}"#],
    );
    let api = RuntimeApi::start(json!([{"payload": scheduled(), "deadline_ms": 6000}]));
    let function = start_function_at(&api, &held.url, ("testing", "testing", None), &env);
    let started = Instant::now();
    loop {
        let entry = moto.helper("s3_object.py", &[BUCKET, &ledger_key]);
        if entry["done"].as_array().is_some_and(|d| d.contains(&json!("tag-untagged"))) {
            assert_eq!(entry["state"], "running", "recorded while the run goes on: {entry}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the ledger never recorded the first policy: {entry}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    while calls(&held, "StopInstances") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the stop was never sent");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = stop(function);
    assert_eq!(calls(&held, "CreateTags"), 1);

    // The retry, once the killed invocation's deadline has passed: only the stop is left.
    while started.elapsed() < Duration::from_secs(7) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let free = StandIn::start("fault_proxy.py", &[&moto.endpoint, "{}"]);
    let api = RuntimeApi::start(json!([{"payload": scheduled()}]));
    let mut function = start_function_at(&api, &free.url, ("testing", "testing", None), &env);
    let answers = api.answers(1, &mut function);
    let _ = stop(function);
    let body = &answers[0]["body"];
    assert_eq!(answers[0]["kind"], "response", "{}", answers[0]);
    let ran: Vec<&Value> = body["policies"].as_array().unwrap().iter().map(|p| &p["name"]).collect();
    assert_eq!(ran, [&json!("stop-gpus")], "{body}");
    let skipped = &body["skipped"][0];
    assert_eq!(skipped["name"], "tag-untagged");
    assert!(
        skipped["reason"].as_str().unwrap().contains("already run for this event"),
        "{skipped}"
    );
    assert_eq!(calls(&free, "CreateTags"), 0, "the finished policy is not repeated");
    assert_eq!(calls(&free, "StopInstances"), 1);
    let entry = moto.helper("s3_object.py", &[BUCKET, &ledger_key]);
    assert_eq!(entry["state"], "complete", "{entry}");
}
