//! `custodian run --event FILE`: event-mode policies run locally against one recorded event,
//! on a snapshot (dry run) and against moto (real run); without an event they are not run.

use crate::live::{id, live, seed, state};
use crate::util::{custodian, read_json};
use serde_json::Value;

#[test]
fn a_recorded_fulfilment_plans_exactly_what_the_function_would_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = custodian([
        "run",
        "policies/",
        "--snapshot",
        "examples/account",
        "--event",
        "examples/events/spot-fulfillment.json",
        "--dryrun",
        "-s",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("event: sir-0active0000001 fulfilled (i-0gpu000000000003) in us-east-1\n"),
        "{}",
        out.stdout
    );
    let policies: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        policies,
        ["gpu-spot-fulfilled-unapproved"],
        "only the policy the event triggers runs"
    );
    let resources = read_json(&dir.path().join("gpu-spot-fulfilled-unapproved/resources.json"));
    assert_eq!(
        resources.as_array().unwrap().len(),
        1,
        "only the event's spot request, of 6 in the snapshot"
    );
    let meta = read_json(&dir.path().join("gpu-spot-fulfilled-unapproved/metadata.json"));
    let requests = |i: usize| meta["actions"][i]["requests"].as_array().unwrap().clone();
    assert_eq!(requests(0)[0]["api"], "ec2:CancelSpotInstanceRequests");
    assert_eq!(requests(0)[0]["ids"], serde_json::json!(["sir-0active0000001"]));
    assert_eq!(requests(0)[1]["api"], "ec2:TerminateInstances");
    assert_eq!(requests(0)[1]["ids"], serde_json::json!(["i-0gpu000000000003"]));
    let slack = &requests(1)[0];
    assert_eq!(slack["api"], "slack:PostMessage");
    assert_eq!(slack["params"]["Webhook"], "env:CUSTODIAN_SLACK_WEBHOOK", "named, never the URL");
    let blocks = slack["params"]["Payload"]["blocks"].to_string();
    assert!(blocks.contains("sir-0active0000001") && blocks.contains("big-train"), "{blocks}");
}

#[test]
fn event_policies_without_an_event_are_not_run_and_asking_for_them_alone_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = custodian([
        "run",
        "policies/",
        "--snapshot",
        "examples/account",
        "--dryrun",
        "-s",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("note: event-mode policies not run without --event: spot-request-creator, gpu-spot-fulfilled-unapproved"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("gpu-spot-fulfilled-unapproved").exists());
    let out = custodian([
        "run",
        "policies/",
        "--snapshot",
        "examples/account",
        "-p",
        "gpu-spot-*fulfilled*",
        "--dryrun",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("gpu-spot-fulfilled-unapproved runs on events: pass a recorded event with --event FILE.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bad_event_file_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("event.json");
    let cases = [
        (
            "{\"detail-type\": \"EC2 Instance State-change Notification\",\n  \"detail\": {\"state\": }\n}",
            "event.json:2:23: not JSON",
        ),
        (
            "{\"detail-type\": \"EC2 Instance State-change Notification\", \"detail\": {\"state\": \"running\"}}",
            "needs a string 'detail.instance-id'",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let path = file.to_str().unwrap();
        let out = custodian(["run", "policies/", "--snapshot", "examples/account", "--event", path]);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains(expected), "{}", out.stderr);
    }
}

#[test]
fn a_real_run_on_a_recorded_event_acts_on_moto() {
    let region = "me-central-1";
    let ids = seed(region);
    let before = state(region);
    let dir = tempfile::tempdir().unwrap();
    let request = id(&ids, "gpu_spot");
    let text = std::fs::read_to_string(crate::util::root().join("examples/events/request-spot-instances.json"))
        .unwrap()
        .replace("sir-0active0000001", request)
        .replace("us-east-1", region);
    let event = dir.path().join("event.json");
    std::fs::write(&event, text).unwrap();
    let out_dir = dir.path().join("out");
    let out = live(&[
        "run",
        "policies/",
        "--event",
        event.to_str().unwrap(),
        "-s",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let after = state(region);
    assert_eq!(after["spot"][request]["tags"]["Creator"], "jane.doe@example.com");
    assert_eq!(after["spot"][request]["tags"]["CreatorId"], "AROAEXAMPLEROLEID1234");
    let meta = read_json(&out_dir.join("spot-request-creator/metadata.json"));
    assert_eq!(meta["api-stats"]["ec2.DescribeSpotInstanceRequests"], 1);
    assert_eq!(meta["api-stats"]["ec2.CreateTags"], 1);
    let others: Vec<(&String, &Value)> = before["spot"].as_object().unwrap().iter().filter(|(k, _)| *k != request).collect();
    for (k, v) in others {
        assert_eq!(&after["spot"][k], v, "{k} untouched");
    }
}
