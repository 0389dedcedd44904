//! The whole `bootstrap` executable, as Lambda runs it: started with Lambda's environment
//! against a local implementation of the Runtime API (`runtime_api.py`), answering real
//! invocations over HTTP, with moto behind the AWS SDK. `CUSTODIAN_BOOTSTRAP` tests another
//! build of it (the musl binary inside the zip, from scripts/test-lambda-zip.sh).

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::runtime::{start_function, stop, RuntimeApi};
use common::{fixture, helper, id, moto, seed, state, StandIn};
use serde_json::{json, Value};

#[test]
fn the_bootstrap_binary_answers_invocations_through_the_runtime_api() {
    let region = "us-west-1";
    let ids = seed(region);
    let mut dry = fixture("manual-dryrun.json");
    dry["policies"] = json!(["ec2-required-tags-mark"]);
    let api = RuntimeApi::start(json!([
        {"payload": dry},
        {"payload": {"policies": ["no-such-policy"]}},
        {"payload": fixture("scheduled-event-forbidden.json")},
    ]));
    let mut function = start_function(&api, &[("AWS_REGION", region)]);
    let answers = api.answers(3, &mut function);
    let logs = stop(function);

    // 1: the dry run's summary, as the function's response.
    assert_eq!(answers[0]["kind"], "response", "{answers:?}");
    assert_eq!(answers[0]["request_id"], "request-1");
    let summary = &answers[0]["body"];
    assert_eq!(summary["dryrun"], true);
    assert_eq!(summary["regions"], json!([region]), "the function's own region by default");
    let mut matched: Vec<&str> = summary["policies"][0]["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    matched.sort();
    let mut expected = vec![id(&ids, "untagged"), id(&ids, "cpu_spot_instance"), id(&ids, "gpu_spot_instance")];
    expected.sort();
    assert_eq!(matched, expected);

    // 2: an unknown policy, as a Lambda error with its type.
    assert_eq!(answers[1]["kind"], "error");
    assert_eq!(answers[1]["request_id"], "request-2");
    assert_eq!(answers[1]["body"]["errorType"], "Custodian.InvalidRequest");
    assert!(answers[1]["body"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("unknown policy 'no-such-policy'"));

    // 3: the scheduled event acted on AWS.
    assert_eq!(answers[2]["kind"], "response", "{answers:?}");
    assert_eq!(answers[2]["body"]["trigger"], "schedule");
    let after = state(region);
    assert_eq!(after["instances"][id(&ids, "gpu_forbidden")]["state"], "stopped");
    assert_eq!(after["instances"][id(&ids, "gpu_spot_instance")]["state"], "terminated");
    assert!(
        after["instances"][id(&ids, "untagged")]["tags"].get("maid_status").is_none(),
        "the dry run changed nothing"
    );

    // CloudWatch gets JSON lines: init once, then one summary per invocation.
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
        .collect();
    let init: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "init complete").collect();
    assert_eq!(init.len(), 1, "set up once for three invocations");
    assert_eq!(init[0]["fields"]["policies"], 13, "11 periodic and 2 event policies");
    assert_eq!(lines.iter().filter(|l| l["fields"]["message"] == "invocation finished").count(), 2);
}

#[test]
fn an_invalid_policy_fails_the_init_through_the_runtime_api() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yml");
    std::fs::write(
        &file,
        "policies:\n  - name: nightly\n    resource: aws.ec2\n    mode: {type: periodic, schedule: 'cron(0 19 * * 1-5)'}\n",
    )
    .unwrap();
    let api = RuntimeApi::start(json!([{"payload": {}}]));
    let mut function = start_function(&api, &[("AWS_REGION", "us-west-2"), ("CUSTODIAN_POLICIES", file.to_str().unwrap())]);
    let answers = api.answers(1, &mut function);
    let status = function.wait().unwrap();
    assert!(!status.success(), "the process exits with a failure");
    assert_eq!(answers[0]["kind"], "init-error");
    assert_eq!(answers[0]["error_type"], "Custodian.InvalidPolicy");
    let message = answers[0]["body"]["errorMessage"].as_str().unwrap();
    assert!(message.contains("bad.yml:4:38: cron(0 19 * * 1-5) has 5 fields"), "{message}");
    assert!(
        api.calls().iter().all(|c| c["kind"] != "next"),
        "no invocation is taken after a failed init"
    );
}

/// The ids each forwarded call of `op` named, from the fault proxy's log.
fn forwarded(proxy: &StandIn, op: &str) -> Vec<Vec<String>> {
    proxy
        .get_json("/_log")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["op"] == op && e["forwarded"] == true)
        .map(|e| {
            e["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn an_invocation_cut_short_by_its_deadline_names_what_it_did_not_reach_and_its_retry_runs_only_that() {
    const REGION: &str = "us-east-2";
    const ACCOUNT: &str = "100000000042";
    const BUCKET: &str = "custodian-deadline-runs";
    let (endpoint, _) = moto();
    let creds = helper("assume.py", &[ACCOUNT]);
    let key = |k: &str| creds[k].as_str().unwrap().to_string();
    let ids = helper("seed.py", &[REGION, ACCOUNT]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(REGION))
            .endpoint_url(&endpoint)
            .http_client(custodian_aws::clients::https_client())
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                key("AccessKeyId"),
                key("SecretAccessKey"),
                Some(key("SessionToken")),
                None,
                "test",
            ))
            .build();
        common::create_bucket(&aws_sdk_s3::Client::from_conf(conf), BUCKET, REGION).await;
    });
    // The first policy's snapshots take 6 s to answer: the 5 s deadline (1 s reserve) passes
    // while it acts, so the second policy is not started.
    let proxy = StandIn::start(
        "fault_proxy.py",
        &[
            &endpoint,
            &json!({"rules": {"CreateSnapshots": {"latency": [1.0, 6.0]}}}).to_string(),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yml");
    std::fs::write(
        &file,
        "policies:
  - name: snapshot-gpus
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{InstanceType: p3.2xlarge}, {State.Name: running}]
    actions: [snapshot]
  - name: mark-untagged
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters: [{InstanceType: m5.large}, {tag:maid_status: absent}]
    actions: [{type: mark-for-op, op: stop, days: 4}]
",
    )
    .unwrap();
    let event = json!({"version": "0", "id": "evt-deadline", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": "2026-11-23T15:00:00Z", "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/r")],
        "detail": {"policies": ["snapshot-gpus", "mark-untagged"]}});
    // Lambda retries a failed asynchronous invocation with the same event.
    let api = RuntimeApi::start(json!([{"payload": event, "deadline_ms": 5000}, {"payload": event}]));
    let mut function = start_function(
        &api,
        &[
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", proxy.url.as_str()),
            ("AWS_ACCESS_KEY_ID", &key("AccessKeyId")),
            ("AWS_SECRET_ACCESS_KEY", &key("SecretAccessKey")),
            ("AWS_SESSION_TOKEN", &key("SessionToken")),
            ("CUSTODIAN_POLICIES", file.to_str().unwrap()),
            ("CUSTODIAN_OUTPUT_BUCKET", BUCKET),
            ("CUSTODIAN_DEADLINE_RESERVE_MS", "1000"),
        ],
    );
    let answers = api.answers(2, &mut function);
    stop(function);

    // 1: a retryable error naming exactly the policy it did not reach.
    assert_eq!(answers[0]["kind"], "error", "{answers:?}");
    assert_eq!(answers[0]["body"]["errorType"], "Custodian.Retryable");
    let message = answers[0]["body"]["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("not reached before the deadline: mark-untagged@{REGION}; summary: ")),
        "{message}"
    );
    let first: Value = serde_json::from_str(message.split_once("; summary: ").unwrap().1).unwrap();
    assert_eq!(first["not_reached"], json!([format!("mark-untagged@{REGION}")]));
    let statuses: Vec<(&str, &str)> = first["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("snapshot-gpus", "ok"), ("mark-untagged", "not-reached")]);

    // 2: the retry runs only what was left, and says why it skipped the rest.
    assert_eq!(answers[1]["kind"], "response", "{answers:?}");
    let second = &answers[1]["body"];
    let ran: Vec<&str> = second["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["mark-untagged"]);
    assert_eq!(
        second["skipped"],
        json!([{"name": "snapshot-gpus", "reason": "already run for this event by request request-1"}])
    );

    // On the wire: the GPU instance snapshotted once, the untagged one marked once, by the retry.
    assert_eq!(
        forwarded(&proxy, "CreateSnapshots"),
        vec![vec![id(&ids, "gpu_forbidden").to_string()]]
    );
    let marks = forwarded(&proxy, "CreateTags");
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert!(marks[0].contains(&id(&ids, "untagged").to_string()), "{marks:?}");
}
