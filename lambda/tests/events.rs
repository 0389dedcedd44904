//! Event invocations over moto: recorded EventBridge events (from examples/events, their ids
//! replaced by moto's) through the cold-start setup and the real AWS SDK. Only the resources
//! an event names are fetched; notifications reach moto's SNS and SQS, and a Slack stand-in
//! on 127.0.0.1. Each test takes its own region.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    config, event, handler_with_policies, id, message_plumbing, put_secure_parameter, read_queue, seed, state, use_moto, SlackStandIn,
};
use custodian_core::action::notify::message::unpack;
use custodian_lambda::summary::{PolicySummary, Summary};
use custodian_lambda::{setup, Handler, InvocationError};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};

fn invoke(handler: &Handler, payload: Value) -> Result<Summary, InvocationError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(handler.handle(LambdaEvent::new(payload, Context::default())))
}

fn policy<'a>(s: &'a Summary, name: &str) -> &'a PolicySummary {
    s.policies
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not in {s:?}"))
}

/// The example fulfilment event for a spot request and instance of `region`.
fn fulfilment(region: &str, request: &str, instance: &str) -> Value {
    event(
        "spot-fulfillment.json",
        &[
            ("sir-0active0000001", request),
            ("i-0gpu000000000003", instance),
            ("us-east-1", region),
        ],
    )
}

#[test]
fn a_fulfilled_gpu_spot_request_is_cancelled_its_instance_terminated_and_slack_told() {
    use_moto();
    let region = "af-south-1";
    let ids = seed(region);
    let slack = SlackStandIn::start(&[200]);
    std::env::set_var("CUSTODIAN_SLACK_WEBHOOK", &slack.url);
    // The shipped policies, as the function bundles them.
    let handler = setup(&config(region)).unwrap();
    let (request, instance) = (id(&ids, "gpu_spot"), id(&ids, "gpu_spot_instance"));
    let before = state(region);
    let summary = invoke(&handler, fulfilment(region, request, instance)).expect("a clean run");
    assert_eq!(summary.trigger, "event");
    assert_eq!(summary.event.as_deref(), Some(format!("{request} fulfilled ({instance})").as_str()));
    assert_eq!(
        summary.policies.len(),
        1,
        "only the fulfilment policy reacts: {:?}",
        summary.policies
    );
    let p = policy(&summary, "gpu-spot-fulfilled-unapproved");
    assert_eq!(
        p.fetched,
        1,
        "only the event's spot request is fetched, of {}",
        before["spot"].as_object().unwrap().len()
    );
    assert_eq!(p.matched, vec![request.to_string()]);
    assert_eq!(p.actions[0].targets, vec![request.to_string()]);
    let after = state(region);
    // moto drops cancelled requests from its listing.
    let cancelled = &after["spot"][request];
    assert!(cancelled.is_null() || cancelled["state"] == "cancelled", "{cancelled}");
    assert_eq!(after["instances"][instance]["state"], "terminated");
    let cpu = id(&ids, "cpu_spot");
    assert_eq!(after["spot"][cpu], before["spot"][cpu], "the other request is untouched");
    assert_eq!(
        after["instances"][id(&ids, "gpu_forbidden")],
        before["instances"][id(&ids, "gpu_forbidden")]
    );
    let bodies = slack.bodies();
    assert_eq!(bodies.len(), 1, "one digest");
    let message: Value = serde_json::from_str(&bodies[0]).unwrap();
    let text = message["blocks"].to_string();
    assert!(text.contains(request) && text.contains(instance), "{text}");
    assert_eq!(
        message["blocks"][0]["text"]["text"],
        "GPU spot instance terminated (no gpu-approved tag)"
    );
    assert!(
        !serde_json::to_string(&summary).unwrap().contains("secret-token"),
        "the webhook URL never appears"
    );
}

#[test]
fn a_run_instances_event_fetches_only_its_instances_and_tags_their_creator() {
    use_moto();
    let region = "me-south-1";
    let ids = seed(region);
    let (_dir, handler) = handler_with_policies(
        region,
        "policies:
  - name: tag-creator
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances], delay: 1}
    filters:
      - type: event
        key: detail.userIdentity.type
        value: AssumedRole
    actions:
      - type: auto-tag-user
        tag: Creator
        principal_id_tag: CreatorId
  - name: root-launches
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances]}
    filters:
      - type: event
        key: detail.userIdentity.type
        value: Root
    actions: [stop]
  - name: nightly
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    actions: [stop]
",
    );
    let launched = id(&ids, "untagged");
    let before = state(region);
    let started = std::time::Instant::now();
    let summary = invoke(
        &handler,
        event("run-instances.json", &[("i-0bad000000000003", launched), ("us-east-1", region)]),
    )
    .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "mode.delay is waited for");
    let names: Vec<&str> = summary.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["tag-creator", "root-launches"],
        "the periodic policy does not run on an event"
    );
    let tag = policy(&summary, "tag-creator");
    assert_eq!(tag.fetched, 1, "DescribeInstances with the event's instance only");
    assert_eq!(tag.matched, vec![launched.to_string()]);
    assert!(
        policy(&summary, "root-launches").matched.is_empty(),
        "the event filter: not a root call"
    );
    let after = state(region);
    assert_eq!(after["instances"][launched]["tags"]["Creator"], "jane.doe@example.com");
    assert_eq!(after["instances"][launched]["tags"]["CreatorId"], "AROAEXAMPLEROLEID1234");
    assert_eq!(after["instances"][launched]["state"], "running");
    for (other, was) in before["instances"].as_object().unwrap() {
        if other != launched {
            assert_eq!(&after["instances"][other], was, "{other} is untouched");
        }
    }
}

#[test]
fn a_request_spot_instances_event_tags_the_request_with_its_creator() {
    use_moto();
    let region = "ap-east-1";
    let ids = seed(region);
    let handler = setup(&config(region)).unwrap();
    let request = id(&ids, "cpu_spot");
    let summary = invoke(
        &handler,
        event(
            "request-spot-instances.json",
            &[("sir-0active0000001", request), ("us-east-1", region)],
        ),
    )
    .unwrap();
    let p = policy(&summary, "spot-request-creator");
    assert_eq!((p.fetched, p.matched.len()), (1, 1));
    let after = state(region);
    assert_eq!(after["spot"][request]["tags"]["Creator"], "jane.doe@example.com");
    assert!(after["spot"][id(&ids, "gpu_spot")]["tags"].get("Creator").is_none());
}

#[test]
fn events_of_failed_calls_and_unknown_ids_do_nothing_and_say_why() {
    use_moto();
    let region = "eu-south-2";
    seed(region);
    let handler = setup(&config(region)).unwrap();
    let before = state(region);
    let mut denied = event("run-instances-denied.json", &[("us-east-1", region)]);
    denied["detail"]["eventName"] = json!("RequestSpotInstances");
    let summary = invoke(&handler, denied).unwrap();
    assert!(summary.policies.is_empty());
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].name, "spot-request-creator");
    assert!(
        summary.skipped[0].reason.contains("failed with Client.UnauthorizedOperation"),
        "{:?}",
        summary.skipped
    );
    // A fulfilment of a request that no longer exists: fetched nothing, matched nothing.
    let summary = invoke(&handler, fulfilment(region, "sir-00000000", "i-00000000")).unwrap();
    let p = policy(&summary, "gpu-spot-fulfilled-unapproved");
    assert_eq!((p.fetched, p.matched.len()), (0, 0));
    assert_eq!(state(region), before);
}

#[test]
fn an_instance_state_event_runs_its_policy_on_that_instance() {
    use_moto();
    let region = "ap-south-2";
    let ids = seed(region);
    let (_dir, handler) = handler_with_policies(
        region,
        "policies:
  - name: no-untagged-running
    resource: aws.ec2
    mode: {type: ec2-instance-state, events: [running]}
    filters:
      - tag:Owner: absent
    actions: [stop]
",
    );
    let (untagged, tagged) = (id(&ids, "untagged"), id(&ids, "dev_ok"));
    let running = |i: &str| event("instance-state-running.json", &[("i-0bad000000000003", i), ("us-east-1", region)]);
    let summary = invoke(&handler, running(untagged)).unwrap();
    assert_eq!(policy(&summary, "no-untagged-running").matched, vec![untagged.to_string()]);
    let summary = invoke(&handler, running(tagged)).unwrap();
    assert!(policy(&summary, "no-untagged-running").matched.is_empty());
    let mut stopped = running(untagged);
    stopped["detail"]["state"] = json!("stopped");
    assert!(invoke(&handler, stopped).unwrap().policies.is_empty(), "not a state it reacts to");
    let after = state(region);
    assert_eq!(after["instances"][untagged]["state"], "stopped");
    assert_eq!(after["instances"][tagged]["state"], "running");
}

/// What c7n-mailer does with a message body (c7n_mailer/sqs_queue_processing.py): unwrap an
/// SNS envelope, then base64-decode and zlib-decompress.
fn as_mailer_reads(message: &Value) -> Value {
    let body = message["body"].as_str().unwrap();
    match serde_json::from_str::<Value>(body) {
        Ok(envelope) if envelope["Type"] == "Notification" => {
            assert_eq!(envelope["MessageAttributes"]["mtype"]["Value"], "maidmsg/1.0");
            unpack(envelope["Message"].as_str().unwrap()).unwrap()
        }
        _ => {
            assert_eq!(message["attributes"]["mtype"], "maidmsg/1.0");
            unpack(body).unwrap()
        }
    }
}

#[test]
fn notify_sends_c7n_mailer_messages_over_sqs_and_sns() {
    use_moto();
    let region = "ap-southeast-3";
    let ids = seed(region);
    let plumbing = message_plumbing(region, "custodian-mailer");
    let yaml = "policies:
  - name: gpu-notify
    resource: aws.ec2
    description: GPU instances
    mode: {type: periodic, schedule: rate(1 hour)}
    filters:
      - InstanceType: p3.2xlarge
    actions:
      - type: notify
        to: [ml@example.com, resource-owner]
        subject: GPU instance running
        violation_desc: runs without approval
        template: default.html
        transport: {type: sqs, queue: custodian-mailer}
      - type: notify
        to: [ml@example.com]
        transport: {type: sns, topic: custodian-mailer, attributes: {team: ml}}
";
    let (_dir, handler) = handler_with_policies(region, yaml);
    let summary = invoke(&handler, json!({"policies": ["gpu-notify"]})).unwrap();
    let gpu = id(&ids, "gpu_forbidden");
    assert_eq!(policy(&summary, "gpu-notify").matched, vec![gpu.to_string()]);
    for (queue, transport) in [(&plumbing["queue"], "sqs"), (&plumbing["sns_queue"], "sns")] {
        let messages = read_queue(region, queue.as_str().unwrap());
        assert_eq!(messages.len(), 1, "{transport}: one digest");
        let m = as_mailer_reads(&messages[0]);
        assert_eq!(m["policy"]["name"], "gpu-notify");
        assert_eq!(m["policy"]["resource"], "aws.ec2");
        assert_eq!(m["action"]["type"], "notify");
        assert_eq!(m["action"]["transport"]["type"], transport);
        assert_eq!(m["account_id"], "123456789012", "moto's account, from STS");
        assert_eq!(m["region"], region);
        assert!(m["execution_start"].as_f64().unwrap() > 1.7e9);
        assert_eq!(m["resources"][0]["InstanceId"], gpu);
        assert_eq!(m["resources"][0]["InstanceType"], "p3.2xlarge");
        if transport == "sqs" {
            assert_eq!(m["action"]["to"], json!(["ml@example.com", "resource-owner"]));
            assert_eq!(m["action"]["template"], "default.html");
            assert_eq!(m["action"]["violation_desc"], "runs without approval");
        }
    }
}

#[test]
fn slack_429_is_retried_and_a_500_stops_the_later_actions_on_those_resources() {
    use_moto();
    let region = "eu-central-2";
    let ids = seed(region);
    let busy = SlackStandIn::start(&[429, 200]);
    let broken = SlackStandIn::start(&[500]);
    std::env::set_var("CUSTODIAN_TEST_SLACK_BUSY", &busy.url);
    std::env::set_var("CUSTODIAN_TEST_SLACK_BROKEN", &broken.url);
    let yaml = "policies:
  - name: untagged-alert
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters:
      - tag:Owner: absent
      - State.Name: running
    actions:
      - type: notify
        transport: {type: slack, webhook: CUSTODIAN_TEST_SLACK_BROKEN}
      - type: tag
        tags: {custodian-finding: no-owner}
      - type: notify
        include-failed: true
        transport: {type: slack, webhook: CUSTODIAN_TEST_SLACK_BUSY}
";
    let (_dir, handler) = handler_with_policies(region, yaml);
    let err = invoke(&handler, json!({"policies": ["untagged-alert"]})).unwrap_err();
    assert!(matches!(err, InvocationError::ActionFailed { .. }), "{err}");
    let text = err.to_string();
    assert!(!text.contains("secret-token"), "the webhook URL never appears: {text}");
    let summary: Value = serde_json::from_str(text.split_once("; summary: ").unwrap().1).unwrap();
    let actions = &summary["policies"][0]["actions"];
    let failed = actions[0]["failed"].as_array().unwrap();
    assert!(
        !failed.is_empty() && failed.iter().all(|f| f.as_str().unwrap().ends_with("SlackHTTP500")),
        "{actions}"
    );
    // A failed step stops the steps after it, per resource: the tag is not written on what
    // the owner was not told about (Cloud Custodian stops the whole policy).
    assert_eq!(actions[1]["targets"], json!([]), "{actions}");
    assert_eq!(actions[1]["skipped"], failed.len(), "{actions}");
    assert_eq!(actions[1]["failed"], json!([]));
    // The last notify asked to report them anyway (`include-failed`).
    assert_eq!(actions[2]["failed"], json!([]), "429 then 200: retried and sent");
    assert_eq!(broken.bodies().len(), 4, "500: four attempts, then reported");
    assert_eq!(busy.bodies().len(), 2, "429 once, then sent");
    assert!(state(region)["instances"][id(&ids, "untagged")]["tags"]
        .get("custodian-finding")
        .is_none());
}

#[test]
fn a_slack_webhook_kept_in_ssm_is_read_at_send_time() {
    use_moto();
    let region = "il-central-1";
    let ids = seed(region);
    let slack = SlackStandIn::start(&[200]);
    put_secure_parameter(region, "/custodian/slack-webhook", &slack.url);
    let yaml = "policies:
  - name: gpu-to-slack
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
    filters:
      - InstanceType: p3.2xlarge
    actions:
      - type: notify
        transport: {type: slack, webhook: {ssm: /custodian/slack-webhook}}
";
    let (_dir, handler) = handler_with_policies(region, yaml);
    let summary = invoke(&handler, json!({"policies": ["gpu-to-slack"]})).unwrap();
    assert_eq!(policy(&summary, "gpu-to-slack").actions[0].failed, Vec::<String>::new());
    let bodies = slack.bodies();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(id(&ids, "gpu_forbidden")), "{}", bodies[0]);
}
