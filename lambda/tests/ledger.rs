//! The run ledger over moto's S3 (conditional writes): a duplicate delivery of a scheduled
//! event does nothing, two overlapping invocations of one event run it once, a retry after a
//! deadline runs only what was left, and an abandoned claim is taken over. The policies take a
//! non-idempotent action (EBS snapshots), counted in moto.

#![allow(clippy::unwrap_used)]

mod common;

use common::{helper, use_moto};
use custodian_lambda::summary::Summary;
use custodian_lambda::{setup, Config, Handler, InvocationError};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REGION: &str = "us-east-2";
const ACCOUNT: &str = "100000000041";
const BUCKET: &str = "custodian-ledger-runs";
const POLICIES: &str = "policies:
  - name: snapshot-gpus
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{InstanceType: p3.2xlarge}]
    actions: [snapshot]
  - name: mark-untagged
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{InstanceType: m5.large}, {tag:maid_status: absent}]
    actions: [{type: mark-for-op, op: stop, days: 4}]
";

fn invoke(handler: &Handler, payload: Value, seconds_left: u64, request: &str) -> Result<Summary, InvocationError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut context = Context::default();
    context.request_id = request.into();
    context.deadline = (SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(seconds_left)).as_millis() as u64;
    rt.block_on(handler.handle(LambdaEvent::new(payload, context)))
}

fn event(id: &str) -> Value {
    json!({"version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events", "account": ACCOUNT,
           "time": "2026-11-23T15:00:00Z", "region": REGION, "resources": ["arn:aws:events:us-east-2:100000000041:rule/r"],
           "detail": {"policies": ["snapshot-gpus", "mark-untagged"]}})
}

/// An S3 client on this process's credentials (the test account's).
async fn s3() -> aws_sdk_s3::Client {
    common::s3_client(REGION).await
}

fn snapshots() -> usize {
    helper("state.py", &[REGION, ACCOUNT])["snapshots"].as_array().unwrap().len()
}

fn skipped(s: &Summary) -> Vec<(String, String)> {
    let v = serde_json::to_value(s).unwrap();
    v["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["reason"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn duplicates_overlaps_and_retries_of_one_event_never_double_its_actions() {
    use_moto();
    // This process acts in its own account: credentials from moto's STS for it.
    let creds = helper("assume.py", &[ACCOUNT]);
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
        ("AWS_SESSION_TOKEN", "SessionToken"),
    ] {
        std::env::set_var(k, creds[v].as_str().unwrap());
    }
    helper("seed.py", &[REGION, ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yml");
    std::fs::write(&file, POLICIES).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { common::create_bucket(&s3().await, BUCKET, REGION).await });
    let handler = setup(&Config {
        policies_path: Some(file),
        output_bucket: Some(BUCKET.into()),
        regions: vec![REGION.into()],
        ..Config::from_vars(|_| None).unwrap()
    })
    .unwrap();
    // moto lists its own AMIs' snapshots as the account's: count from here.
    let base = snapshots();
    let snapshots = || snapshots() - base;

    // 1. The deadline leaves everything unreached: the retry runs it all, once.
    let e = invoke(&handler, event("evt-1"), 5, "req-1").unwrap_err();
    assert!(e.to_string().contains("not reached before the deadline"), "{e}");
    assert_eq!(snapshots(), 0);
    let s = invoke(&handler, event("evt-1"), 300, "req-2").unwrap();
    assert_eq!(s.totals.matched, 2, "the GPU instance and the untagged one");
    let once = snapshots();
    assert!(once >= 1, "one snapshot per volume of the GPU instance");
    // 2. A duplicate delivery of the same event: nothing runs.
    let s = invoke(&handler, event("evt-1"), 300, "req-3").unwrap();
    assert_eq!(s.policies.len(), 0);
    assert!(
        skipped(&s)
            .iter()
            .all(|(_, why)| why == "already run for this event by request req-2"),
        "{:?}",
        skipped(&s)
    );
    assert_eq!(snapshots(), once);

    // 3. Two invocations of a new event at the same time: one runs, the other stands aside.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| invoke(&handler, event("evt-2"), 300, "req-4").unwrap());
        let b = scope.spawn(|| invoke(&handler, event("evt-2"), 300, "req-5").unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    let ran: Vec<&Summary> = [&a, &b].into_iter().filter(|s| !s.policies.is_empty()).collect();
    assert_eq!(ran.len(), 1, "exactly one ran: {:?} / {:?}", skipped(&a), skipped(&b));
    assert_eq!(snapshots(), 2 * once, "one more snapshot run, not two");

    // 4. An invocation that died holding evt-3 after snapshotting: the retry, past its
    //    deadline, takes over and runs only what it had not finished.
    let entry = json!({"state": "running", "owner": "req-dead", "until_ms": 1, "done": ["snapshot-gpus"]});
    rt.block_on(async {
        s3().await
            .put_object()
            .bucket(BUCKET)
            .key("custodian/ledger/evt-3.json")
            .body(entry.to_string().into_bytes().into())
            .send()
            .await
            .unwrap();
    });
    let s = invoke(&handler, event("evt-3"), 300, "req-6").unwrap();
    let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["mark-untagged"]);
    assert_eq!(
        skipped(&s),
        vec![(
            "snapshot-gpus".to_string(),
            "already run for this event by request req-dead".to_string()
        )]
    );
    assert_eq!(snapshots(), 2 * once);
}
